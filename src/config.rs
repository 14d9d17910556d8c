//! Settings resolved from the command line and the environment, once.
//!
//! Everything past this module takes these plain structs: no clap types, no
//! environment lookups, no terminal checks. Flags win over
//! `NOTES_SEARCH_INDEX` / `NOTES_SEARCH_CORPUS` (clap applies that order);
//! colour follows ripgrep's rules plus <https://no-color.org>.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{anyhow, Result};

use crate::cli::{ColorWhen, IndexArgs, QueryArgs};
use crate::compile::Filters;
use crate::date::parse_date;
use crate::indexer::IndexOptions;

/// How query results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Header line and snippet per note.
    Human,
    /// One JSON object per note.
    Json,
    /// One path per note.
    Files,
    /// `path:line:column:text` per matching line.
    Vimgrep,
}

/// Everything `query` needs.
#[derive(Clone, Debug)]
pub struct QueryConfig {
    /// The query text (arguments joined by spaces).
    pub query: String,
    /// Index directory.
    pub index: PathBuf,
    /// Corpus to index first when there is no index yet.
    pub corpus: PathBuf,
    /// Maximum notes to print; 0 for all.
    pub limit: usize,
    /// Output format.
    pub output: OutputMode,
    /// Whether to emit ANSI colour.
    pub color: bool,
    /// Filters beside the query.
    pub filters: Filters,
    /// Print an explanation on stderr.
    pub explain: bool,
    /// How `-l` ends and shows each path.
    pub path_style: PathStyle,
}

/// How `-l` prints paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathStyle {
    /// One per line, control characters made visible.
    Lines,
    /// Each followed by NUL, bytes as on disk (`-0` into a pipe).
    NulRaw,
    /// Each followed by NUL, control characters made visible (`-0` on a
    /// terminal).
    NulShown,
}

/// Resolves `index` arguments.
pub fn index_options(args: &IndexArgs) -> IndexOptions {
    IndexOptions {
        corpus: args.corpus.corpus.clone(),
        index: args.index.index.clone(),
        rebuild: args.rebuild,
        progress: !args.quiet && std::io::stderr().is_terminal(),
    }
}

/// Resolves `query` arguments.
pub fn query_config(args: &QueryArgs) -> Result<QueryConfig> {
    let output = if args.json {
        OutputMode::Json
    } else if args.files_with_matches {
        OutputMode::Files
    } else if args.vimgrep {
        OutputMode::Vimgrep
    } else {
        OutputMode::Human
    };
    let filters = Filters {
        drafts: args.drafts,
        tags: args.tag.clone(),
        categories: args.category.clone(),
        after: date_flag("--after", args.after.as_deref())?,
        before: date_flag("--before", args.before.as_deref())?,
    };
    Ok(QueryConfig {
        query: args.query.join(" "),
        index: args.index.index.clone(),
        corpus: args.corpus.corpus.clone(),
        limit: args.limit,
        output,
        color: use_color(args.color, output),
        filters,
        explain: args.explain,
        path_style: match (args.null, std::io::stdout().is_terminal()) {
            (false, _) => PathStyle::Lines,
            (true, false) => PathStyle::NulRaw,
            (true, true) => PathStyle::NulShown,
        },
    })
}

fn date_flag(flag: &str, value: Option<&str>) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .map(|v| {
            parse_date(v).map(|d| d.utc).ok_or_else(|| {
                anyhow!("{flag} {v}: not a date; use YYYY-MM-DD, YYYY/MM/DD or RFC 3339")
            })
        })
        .transpose()
}

/// Colour only for people: never in JSON, never when NO_COLOR is set or the
/// terminal is dumb, and on `auto` only when stdout is a terminal.
pub fn use_color(when: ColorWhen, output: OutputMode) -> bool {
    if output == OutputMode::Json {
        return false;
    }
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            !no_color && !dumb && std::io::stdout().is_terminal()
        }
    }
}
