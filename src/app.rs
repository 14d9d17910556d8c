//! The subcommands, glued together: resolve settings, do the work, print.
//!
//! Each function returns the process exit status (0 matched, 1 nothing
//! matched) or an error, which `main` prints once and maps to 2.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Command, CompletionsArgs, IndexArgs, QueryArgs};
use crate::config::{self, OutputMode, QueryConfig};
use crate::indexer::{self, IndexOptions, IndexSummary};
use crate::printer::{self, clean};
use crate::query;
use crate::store::{self, OpenIndex, State};
use crate::{compile, search};

/// Runs the command line; returns the exit status.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Index(args) => index(&args),
        Command::Query(args) => query(&args),
        Command::Tags(args) => crate::listing::tags(&args),
        Command::Stats(args) => crate::listing::stats(&args),
        Command::Completions(args) => completions(&args),
        Command::Man => man(),
    }
}

fn index(args: &IndexArgs) -> Result<i32> {
    let options = config::index_options(args);
    let quiet = args.quiet;
    let started = Instant::now();
    let summary = indexer::run(&options, &|line| {
        if !quiet {
            warn(line);
        }
    })?;
    if !quiet {
        eprintln!(
            "notes-search: {}",
            describe(&summary, started.elapsed().as_secs_f64())
        );
    }
    Ok(0)
}

/// Prints one warning line on stderr.
pub fn warn(line: &str) {
    eprintln!("notes-search: {}", clean(line));
}

/// The one-line summary of an indexing run.
pub fn describe(s: &IndexSummary, seconds: f64) -> String {
    let mut line = format!(
        "indexed {} notes in {seconds:.2}s: {} new, {} changed, {} deleted, {} unchanged; {} skipped, {} warnings",
        s.total, s.new, s.changed, s.deleted, s.unchanged, s.skipped, s.warnings
    );
    if let Some(why) = &s.rebuilt {
        line.push_str(&format!(" (rebuilt all: {why})"));
    }
    line
}

/// Opens the index for reading, building it first if there is none yet and
/// the corpus exists.
pub fn open_for_query(index_dir: &Path, corpus: &Path) -> Result<OpenIndex> {
    match store::open(index_dir)? {
        State::Ready(open) => return Ok(*open),
        State::Unusable(reason) => return Err(store::unusable(index_dir, &reason)),
        State::Missing if !corpus.is_dir() => bail!(
            "no index at {} and no corpus at {}: run `notes-search index --corpus DIR` first",
            index_dir.display(),
            corpus.display()
        ),
        State::Missing => {}
    }
    eprintln!(
        "notes-search: no index at {} yet; indexing {} first",
        index_dir.display(),
        corpus.display()
    );
    let started = Instant::now();
    let options = IndexOptions {
        corpus: corpus.to_path_buf(),
        index: index_dir.to_path_buf(),
        rebuild: false,
        progress: false,
    };
    let summary = indexer::run(&options, &warn)?;
    eprintln!(
        "notes-search: {}",
        describe(&summary, started.elapsed().as_secs_f64())
    );
    match store::open(index_dir)? {
        State::Ready(open) => Ok(*open),
        _ => bail!("indexing {} did not produce an index", corpus.display()),
    }
}

fn query(args: &QueryArgs) -> Result<i32> {
    let cfg = config::query_config(args)?;
    let expr = query::parse(&cfg.query).map_err(|e| anyhow::anyhow!("bad query: {e}"))?;
    let open = open_for_query(&cfg.index, &cfg.corpus)?;
    let segmenter = compile::query_segmenter(&open, &expr);
    let searcher = search::searcher(&open, segmenter.clone())?;
    let compiled = compile::compile(&open, &segmenter, &expr, &cfg.filters)?;
    if cfg.explain {
        for line in &compiled.explain {
            eprintln!("explain: {}", clean(line));
        }
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let found = print_results(&mut out, &cfg, &open, &searcher, &compiled, &cwd)?;
    out.flush()?;
    Ok(if found { 0 } else { 1 })
}

fn print_results(
    out: &mut impl Write,
    cfg: &QueryConfig,
    open: &OpenIndex,
    searcher: &tantivy::Searcher,
    compiled: &compile::Compiled,
    cwd: &Path,
) -> Result<bool> {
    if cfg.output == OutputMode::Files {
        let paths = search::run_paths(open, searcher, compiled, cfg.limit)?;
        printer::paths(out, &paths, cwd, cfg.path_style)?;
        return Ok(!paths.is_empty());
    }
    let hits = search::run(open, searcher, compiled, cfg.limit)?;
    if cfg.explain {
        for hit in &hits {
            eprintln!("explain: hit {} (score {:.3})", clean(&hit.rel), hit.score);
            for line in search::explain_hit(open, searcher, hit, compiled)? {
                eprintln!("explain:   {}", clean(&line));
            }
        }
    }
    match cfg.output {
        OutputMode::Human => printer::human(out, &hits, cwd, cfg.color)?,
        OutputMode::Json => printer::json(out, &hits, cwd)?,
        OutputMode::Vimgrep => crate::vimgrep::print(out, &hits, &compiled.needles, cwd)?,
        OutputMode::Files => unreachable!("handled above"),
    }
    Ok(!hits.is_empty())
}

fn completions(args: &CompletionsArgs) -> Result<i32> {
    let mut command = Cli::command();
    // clap_complete panics when its writer fails, so it writes to memory
    // and a closed pipe is seen here as the error it is.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "notes-search", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(0)
}

fn man() -> Result<i32> {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = io::stdout().lock();
    page.render(&mut out)?;
    out.flush()?;
    Ok(0)
}
