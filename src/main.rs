//! The `notes-search` binary: parse the command line, run, map the outcome
//! to an exit status, print an error once.

use std::process::ExitCode;

use clap::Parser;
use notes_search::app;
use notes_search::cli::Cli;
use notes_search::printer::clean;

fn main() -> ExitCode {
    forget_empty_settings();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    match app::run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("notes-search: {}", clean(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// An environment variable set to nothing (`NOTES_SEARCH_INDEX=`) means
/// "not set", as `NO_COLOR` does; clap would report it as a missing value
/// for a flag the user never typed. Runs first thing, before any thread
/// exists, so changing the environment is sound.
fn forget_empty_settings() {
    for name in ["NOTES_SEARCH_INDEX", "NOTES_SEARCH_CORPUS"] {
        if std::env::var_os(name).is_some_and(|v| v.is_empty()) {
            std::env::remove_var(name);
        }
    }
}

/// `--help` and `--version` print as clap prints them; a usage error
/// becomes one line, like every other error, with exit status 2.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = err.print();
        return ExitCode::from(2);
    }
    let text = err.render().to_string();
    let mut parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect();
    parts.dedup();
    let mut line = String::new();
    for part in parts {
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(part);
    }
    eprintln!("notes-search: {} (see notes-search --help)", clean(&line));
    ExitCode::from(2)
}

/// `notes-search query … | head -1` closes the pipe early: not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
