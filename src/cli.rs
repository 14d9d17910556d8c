//! The command line, as clap types: what the user said, nothing more.
//!
//! Every subcommand, flag and environment variable is declared here and only
//! here; `config` turns these values into the settings the rest of the
//! program takes, so clap types stop at this module's door.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Full-text search over a folder of Markdown notes, Chinese and English.
#[derive(Debug, Parser)]
#[command(
    name = "notes-search",
    version,
    about = "Full-text search over a folder of Markdown notes, Chinese and English",
    long_about = "Full-text search over a folder of Markdown notes (mostly Chinese, mixed with \
English) with YAML or TOML front matter. `index` builds an index of the notes; `query` searches it \
and prints ranked notes with highlighted snippets, as text, JSON Lines, bare paths or vimgrep lines.",
    after_help = "Exit status: 0 when something matched, 1 when nothing did, 2 on an error."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the index, or bring it up to date with the corpus.
    Index(IndexArgs),
    /// Search the index and print the best notes.
    Query(QueryArgs),
    /// List every tag with its number of notes, most used first.
    Tags(TagsArgs),
    /// Show what the index holds: notes, drafts, tags, dates, size, corpus.
    Stats(StatsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    Man,
}

/// Where the index lives.
#[derive(Debug, Args)]
pub struct IndexLocation {
    /// Index directory.
    #[arg(
        long,
        value_name = "DIR",
        env = "NOTES_SEARCH_INDEX",
        default_value = "./index"
    )]
    pub index: PathBuf,
}

/// Where the notes live.
#[derive(Debug, Args)]
pub struct CorpusLocation {
    /// Folder of notes, searched recursively for *.md and *.markdown files.
    #[arg(
        long,
        value_name = "DIR",
        env = "NOTES_SEARCH_CORPUS",
        default_value = "./corpus"
    )]
    pub corpus: PathBuf,
}

/// `notes-search index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub corpus: CorpusLocation,
    #[command(flatten)]
    pub index: IndexLocation,
    /// Re-index every note, not only new and changed ones.
    #[arg(long)]
    pub rebuild: bool,
    /// Print no warnings and no summary (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `notes-search query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// What to search for. Words are ANDed; also OR, NOT or -word, "exact
    /// phrase", (groups), title:…, tag:…, category:…. Put a query that starts
    /// with - after `--`, or quote the whole query.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    #[command(flatten)]
    pub index: IndexLocation,
    #[command(flatten)]
    pub corpus: CorpusLocation,
    /// Print at most N notes; 0 prints every match.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Print one JSON object per note (JSON Lines).
    #[arg(long, group = "output")]
    pub json: bool,
    /// Print only the paths of matching notes, best first.
    #[arg(short = 'l', long, group = "output")]
    pub files_with_matches: bool,
    /// With -l: end each path with a NUL byte instead of a newline and print
    /// it as it is on disk, for `xargs -0` (on a terminal it is still made
    /// safe to show).
    #[arg(short = '0', long, requires = "files_with_matches")]
    pub null: bool,
    /// Print path:line:column:text for every matching line (vim's grepprg, fzf).
    #[arg(long, group = "output")]
    pub vimgrep: bool,
    /// When to colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Include drafts (draft: true), hidden by default.
    #[arg(long)]
    pub drafts: bool,
    /// Only notes with this tag (repeat to require several).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Only notes in this category (repeat to require several).
    #[arg(long, value_name = "CATEGORY")]
    pub category: Vec<String>,
    /// Only notes dated on or after DATE (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub after: Option<String>,
    /// Only notes dated before DATE (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// Explain on stderr how the query was understood and why each note matched.
    #[arg(long)]
    pub explain: bool,
}

/// `notes-search tags`.
#[derive(Debug, Args)]
pub struct TagsArgs {
    #[command(flatten)]
    pub index: IndexLocation,
    /// Count drafts too.
    #[arg(long)]
    pub drafts: bool,
    /// Print JSON Lines: {"tag": …, "count": …}.
    #[arg(long)]
    pub json: bool,
}

/// `notes-search stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub index: IndexLocation,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `notes-search completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn output_modes_exclude_each_other() {
        let err = Cli::try_parse_from(["notes-search", "query", "x", "--json", "-l"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
