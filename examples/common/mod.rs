//! What the evaluation examples share: flags, building or opening an index,
//! and running a query through the library exactly as `notes-search query`
//! does.

// Each example uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use notes_search::compile::{self, Filters};
use notes_search::indexer::{self, IndexOptions};
use notes_search::query;
use notes_search::search;
use notes_search::store::{self, OpenIndex, State};

/// `--corpora DIR` and `--index DIR` (a temporary index when absent).
pub struct Setup {
    /// The corpus.
    pub corpora: PathBuf,
    /// The index (built if needed).
    pub index: PathBuf,
    /// Keeps a temporary index alive.
    _temp: Option<tempfile::TempDir>,
    /// Other flags, in order.
    pub rest: Vec<String>,
}

/// Reads the command line.
pub fn setup() -> Result<Setup> {
    let mut corpora = PathBuf::from("../shared/corpora");
    let mut index = None;
    let mut rest = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--corpora" => corpora = args.next().context("--corpora needs a directory")?.into(),
            "--index" => {
                index = Some(PathBuf::from(
                    args.next().context("--index needs a directory")?,
                ))
            }
            _ => rest.push(arg),
        }
    }
    if !corpora.is_dir() {
        bail!("no corpus at {}: pass --corpora DIR", corpora.display());
    }
    let (index, temp) = match index {
        Some(index) => (index, None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().join("index"), Some(temp))
        }
    };
    let options = IndexOptions {
        corpus: corpora.clone(),
        index: index.clone(),
        rebuild: false,
        progress: false,
    };
    indexer::run(&options, &|_| {})?;
    Ok(Setup {
        corpora,
        index,
        _temp: temp,
        rest,
    })
}

/// Opens the index.
pub fn open(index: &Path) -> Result<OpenIndex> {
    match store::open(index)? {
        State::Ready(open) => Ok(*open),
        _ => bail!("no usable index at {}", index.display()),
    }
}

/// Paths (relative to the corpus) of the notes a query returns, best first;
/// `limit` 0 for all.
pub fn search(open: &OpenIndex, text: &str, limit: usize, drafts: bool) -> Result<Vec<String>> {
    let expr = query::parse(text).map_err(|e| anyhow::anyhow!("{text}: {e}"))?;
    let segmenter = compile::query_segmenter(open, &expr);
    let searcher = search::searcher(open, segmenter.clone())?;
    let filters = Filters {
        drafts,
        ..Filters::default()
    };
    let compiled = compile::compile(open, &segmenter, &expr, &filters)?;
    let paths = search::run_paths(open, &searcher, &compiled, limit)?;
    Ok(paths
        .into_iter()
        .map(|p| {
            p.strip_prefix(&open.meta.corpus)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned()
        })
        .collect())
}

/// Non-empty lines of a data file that are not `#` comments, with the
/// comment lines kept as `Err(comment)` so callers can see section markers.
pub fn data_lines(path: &Path) -> Result<Vec<Result<String, String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.strip_prefix('#') {
            Some(comment) => Err(comment.trim().to_string()),
            None => Ok(l.to_string()),
        })
        .collect())
}
