//! Recall parity with a plain scan: for every query in
//! `tests/eval/parity.txt`, the notes notes-search returns must include
//! every note whose text contains the query, found by reading the files.
//!
//! ```sh
//! cargo run --release --example parity -- --corpora ../shared/corpora [--index DIR]
//! ```
//!
//! The scan is deliberately naive and independent of the index: the file's
//! bytes as UTF-8, lower-cased, without what notes-search drops by design
//! (link targets, HTML comments, HTML tags other than their `alt`/`title`
//! text), removed with a few regular expressions; a query with CJK
//! characters matches as a substring, a Latin word as a whole word. Each
//! query is checked twice: as typed (may return more: all of its words,
//! stems, Traditional forms) and quoted as an exact string. Any note the
//! scan finds and a query misses is a failure (exit status 1).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use std::sync::OnceLock;

use anyhow::Result;
use notes_search::normalize::{is_cjk, is_word_char};
use notes_search::walk;
use regex::Regex;

fn main() -> Result<()> {
    let setup = common::setup()?;
    let open = common::open(&setup.index)?;
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/parity.txt");
    let files: Vec<(String, String)> = walk::walk(&setup.corpora)
        .files
        .into_iter()
        .map(|f| {
            let raw =
                String::from_utf8_lossy(&std::fs::read(&f.abs).unwrap_or_default()).into_owned();
            (f.rel, visible_text(&raw).to_lowercase())
        })
        .collect();

    let mut misses = 0;
    let mut queries = 0;
    println!(
        "{:<16} {:>6} {:>8} {:>8}  missed",
        "query", "scan", "as typed", "quoted"
    );
    for line in common::data_lines(&list)?.into_iter().flatten() {
        let query = line.trim();
        queries += 1;
        let needle = query.to_lowercase();
        let scan: BTreeSet<&str> = files
            .iter()
            .filter(|(_, text)| contains(text, &needle))
            .map(|(rel, _)| rel.as_str())
            .collect();
        let typed: BTreeSet<String> = common::search(&open, query, 0, true)?.into_iter().collect();
        let quoted: BTreeSet<String> = common::search(&open, &format!("\"{query}\""), 0, true)?
            .into_iter()
            .collect();
        let missed: Vec<&str> = scan
            .iter()
            .filter(|rel| !typed.contains(**rel) || !quoted.contains(**rel))
            .copied()
            .collect();
        misses += missed.len();
        println!(
            "{:<16} {:>6} {:>8} {:>8}  {}",
            query,
            scan.len(),
            typed.len(),
            quoted.len(),
            if missed.is_empty() {
                "-".to_string()
            } else {
                missed.join(", ")
            }
        );
    }
    println!("\n{queries} queries, {misses} missed notes");
    if misses > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// The file's text without link targets, HTML comments and HTML tags
/// (keeping `alt` and `title` values).
fn visible_text(raw: &str) -> String {
    static PATTERNS: OnceLock<[Regex; 4]> = OnceLock::new();
    let [comment, target, reference, tag] = PATTERNS.get_or_init(|| {
        [
            Regex::new(r"(?s)<!--.*?-->").unwrap(),
            Regex::new(r#"\]\([^)\s]*(\s+"[^"]*")?\)"#).unwrap(),
            Regex::new(r"(?m)^ {0,3}\[[^\]]+\]:\s*\S+.*$").unwrap(),
            Regex::new(r#"<[A-Za-z/!][^>]*>"#).unwrap(),
        ]
    });
    let text = comment.replace_all(raw, " ");
    let text = target.replace_all(&text, "]");
    let text = reference.replace_all(&text, " ");
    static ATTR: OnceLock<Regex> = OnceLock::new();
    let attr =
        ATTR.get_or_init(|| Regex::new(r#"(?i)\b(?:alt|title)\s*=\s*["']([^"']*)["']"#).unwrap());
    tag.replace_all(&text, |c: &regex::Captures| {
        let values: Vec<&str> = attr
            .captures_iter(&c[0])
            .map(|a| a.get(1).map_or("", |m| m.as_str()))
            .collect();
        format!(" {} ", values.join(" "))
    })
    .into_owned()
}

/// Whether lower-cased `text` contains `needle` the way the scan defines it.
fn contains(text: &str, needle: &str) -> bool {
    if needle.chars().any(is_cjk) {
        return text.contains(needle);
    }
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}
