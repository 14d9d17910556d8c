//! Relevance evaluation: MRR@10 and recall@10 over `tests/eval/queries.tsv`
//! (queries written as a user would type them, each with the notes of
//! `../shared/corpora` that answer it).
//!
//! ```sh
//! cargo run --release --example eval -- --corpora ../shared/corpora [--index DIR] [--check] [--verbose]
//! ```
//!
//! The file's lines after a `# held-out` comment form a held-out set, never
//! used for tuning; both sets are reported. `--check` exits with status 1
//! when either MRR falls below the floor recorded here (the figure reached,
//! minus a small margin), so ranking cannot regress unnoticed.

mod common;

use std::path::Path;

use anyhow::{bail, Result};

/// MRR@10 floors for `--check`: what the development and held-out sets
/// reached when ranking was last tuned, minus a margin of 0.03.
const MIN_DEV_MRR: f64 = 0.92;
const MIN_HELD_OUT_MRR: f64 = 0.92;

struct Case {
    query: String,
    relevant: Vec<String>,
    held_out: bool,
}

#[derive(Default)]
struct Score {
    queries: usize,
    reciprocal_ranks: f64,
    recall: f64,
}

impl Score {
    fn add(&mut self, rank: Option<usize>, recall: f64) {
        self.queries += 1;
        self.reciprocal_ranks += rank.map_or(0.0, |r| 1.0 / r as f64);
        self.recall += recall;
    }

    fn mrr(&self) -> f64 {
        self.reciprocal_ranks / self.queries.max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.recall / self.queries.max(1) as f64
    }
}

fn main() -> Result<()> {
    let setup = common::setup()?;
    let check = setup.rest.iter().any(|a| a == "--check");
    let verbose = setup.rest.iter().any(|a| a == "--verbose");
    let open = common::open(&setup.index)?;
    let cases = read_cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/queries.tsv"))?;

    let (mut dev, mut held) = (Score::default(), Score::default());
    for case in &cases {
        let top = common::search(&open, &case.query, 10, false)?;
        let rank = top
            .iter()
            .position(|p| case.relevant.contains(p))
            .map(|i| i + 1);
        let found = case.relevant.iter().filter(|r| top.contains(r)).count();
        let recall = found as f64 / case.relevant.len() as f64;
        if case.held_out {
            held.add(rank, recall);
        } else {
            dev.add(rank, recall);
        }
        if verbose || rank != Some(1) {
            println!(
                "{:>4}  {}{}  (top: {})",
                rank.map_or("-".to_string(), |r| r.to_string()),
                case.query,
                if case.held_out { " [held-out]" } else { "" },
                top.first().map_or("nothing", String::as_str)
            );
        }
    }
    println!();
    for (name, score) in [("development", &dev), ("held-out", &held)] {
        println!(
            "{name:<12} {:>3} queries  MRR@10 {:.3}  recall@10 {:.3}",
            score.queries,
            score.mrr(),
            score.recall()
        );
    }
    if check && (dev.mrr() < MIN_DEV_MRR || held.mrr() < MIN_HELD_OUT_MRR) {
        bail!(
            "ranking regressed: MRR@10 {:.3} (development, floor {MIN_DEV_MRR}) and {:.3} (held-out, floor {MIN_HELD_OUT_MRR})",
            dev.mrr(),
            held.mrr()
        );
    }
    Ok(())
}

fn read_cases(path: &Path) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    let mut held_out = false;
    for line in common::data_lines(path)? {
        match line {
            Err(comment) => held_out |= comment.to_lowercase().starts_with("held-out"),
            Ok(line) => {
                let mut fields = line.split('\t').map(str::trim).filter(|f| !f.is_empty());
                let Some(query) = fields.next() else { continue };
                let relevant: Vec<String> = fields.map(str::to_string).collect();
                if relevant.is_empty() {
                    bail!("{}: `{query}` lists no relevant note", path.display());
                }
                cases.push(Case {
                    query: query.to_string(),
                    relevant,
                    held_out,
                });
            }
        }
    }
    Ok(cases)
}
