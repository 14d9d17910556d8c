//! The `notes-search` binary: parse the command line, run, map the outcome
//! to an exit status, print an error once.

use std::process::ExitCode;

use clap::Parser;
use notes_search::app;
use notes_search::cli::Cli;
use notes_search::printer::clean;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match app::run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("notes-search: {}", clean(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// `notes-search query … | head -1` closes the pipe early: not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
