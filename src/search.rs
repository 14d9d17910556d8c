//! Running a compiled query and gathering hits with their snippets.
//!
//! Search returns plain [`Hit`] data (the exact-string tier first, then by
//! score); how hits look is the printer's business.

use std::path::PathBuf;

use anyhow::{Context, Result};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::compile::Compiled;
use crate::dict::Segmenter;
use crate::snippet::{find_matches, snippet, Needle, Snippet};
use crate::store::OpenIndex;
use crate::tokenizer;

/// A matching note.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Path relative to the corpus root.
    pub rel: String,
    /// Absolute path of the file.
    pub abs: PathBuf,
    /// Title.
    pub title: String,
    /// Byte ranges of highlights in the title.
    pub title_matches: Vec<std::ops::Range<usize>>,
    /// ISO 8601 date, if the note has one.
    pub date: Option<String>,
    /// Tags as written.
    pub tags: Vec<String>,
    /// Categories as written.
    pub categories: Vec<String>,
    /// Draft flag.
    pub draft: bool,
    /// Relevance score (higher is better).
    pub score: f32,
    /// 1-based line in the file of the snippet's first highlight.
    pub line: usize,
    /// The snippet.
    pub snippet: Snippet,
    /// Where the document is, for `--explain`.
    pub address: DocAddress,
}

/// A searcher on the last commit, with the query's analyzers registered.
pub fn searcher(open: &OpenIndex, segmenter: Segmenter) -> Result<Searcher> {
    tokenizer::register(&open.index, segmenter);
    open.searcher()
}

/// The best documents, exact-string tier first; `limit` 0 means all.
fn top_docs(
    searcher: &Searcher,
    compiled: &Compiled,
    limit: usize,
) -> Result<Vec<(f32, DocAddress)>> {
    let limit = if limit == 0 {
        (searcher.num_docs() as usize).max(1)
    } else {
        limit
    };
    let collector = TopDocs::with_limit(limit).order_by_score();
    let Some(tier) = &compiled.exact_tier else {
        return Ok(searcher.search(&compiled.query, &collector)?);
    };
    let first_tier = BooleanQuery::new(vec![
        (Occur::Must, compiled.query.box_clone()),
        (Occur::Must, tier.box_clone()),
    ]);
    let mut top = searcher.search(&first_tier, &collector)?;
    if top.len() < limit {
        let rest = TopDocs::with_limit(limit).order_by_score();
        let seen: std::collections::HashSet<DocAddress> = top.iter().map(|(_, a)| *a).collect();
        let others = searcher.search(&compiled.query, &rest)?;
        top.extend(others.into_iter().filter(|(_, a)| !seen.contains(a)));
        top.truncate(limit);
    }
    Ok(top)
}

/// Runs a compiled query; `limit` 0 means every hit.
pub fn run(
    open: &OpenIndex,
    searcher: &Searcher,
    compiled: &Compiled,
    limit: usize,
) -> Result<Vec<Hit>> {
    top_docs(searcher, compiled, limit)?
        .into_iter()
        .map(|(score, address)| hit(open, searcher, address, score, &compiled.needles))
        .collect()
}

/// Paths of the hits only, without loading their text.
pub fn run_paths(
    open: &OpenIndex,
    searcher: &Searcher,
    compiled: &Compiled,
    limit: usize,
) -> Result<Vec<PathBuf>> {
    let top = top_docs(searcher, compiled, limit)?;
    let root = &open.meta.corpus;
    let path_name = open
        .index
        .schema()
        .get_field_name(open.fields.path)
        .to_string();
    let mut out = Vec::with_capacity(top.len());
    let mut buf = String::new();
    for (_, address) in top {
        let segment = searcher.segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .str(&path_name)?
            .context("the index has no path column")?;
        buf.clear();
        if let Some(ord) = column.term_ords(address.doc_id).next() {
            column.ord_to_str(ord, &mut buf)?;
        }
        out.push(root.join(&buf));
    }
    Ok(out)
}

fn hit(
    open: &OpenIndex,
    searcher: &Searcher,
    address: DocAddress,
    score: f32,
    needles: &[Needle],
) -> Result<Hit> {
    let f = &open.fields;
    let doc: TantivyDocument = searcher.doc(address)?;
    let text_of = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let all_of = |field: Field| {
        doc.get_all(field)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let rel = text_of(f.path);
    let title = text_of(f.title);
    let text = doc
        .get_first(f.text)
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let body_line = doc
        .get_first(f.body_line)
        .and_then(|v| v.as_u64())
        .unwrap_or(1) as usize;
    let snippet = snippet(text, needles);
    Ok(Hit {
        abs: open.meta.corpus.join(&rel),
        rel,
        title_matches: find_matches(&title, needles),
        title,
        date: doc
            .get_first(f.date)
            .and_then(|v| v.as_str())
            .map(str::to_string),
        tags: all_of(f.tags),
        categories: all_of(f.categories),
        draft: doc
            .get_first(f.draft)
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        score,
        line: body_line + snippet.line,
        snippet,
        address,
    })
}

/// For `--explain`: where each query term matched in a hit, as lines like
/// `预训练: title 1, tags 1, body 12`.
pub fn explain_hit(
    open: &OpenIndex,
    searcher: &Searcher,
    hit: &Hit,
    compiled: &Compiled,
) -> Result<Vec<String>> {
    let doc: TantivyDocument = searcher.doc(hit.address)?;
    let text = doc
        .get_first(open.fields.text)
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (needle, label) in compiled.needles.iter().zip(&compiled.needle_labels) {
        let needles = std::slice::from_ref(needle);
        let count = |texts: &[String]| -> usize {
            texts.iter().map(|t| find_matches(t, needles).len()).sum()
        };
        let places: Vec<String> = [
            ("title", find_matches(&hit.title, needles).len()),
            ("tags", count(&hit.tags)),
            ("categories", count(&hit.categories)),
            ("path", find_matches(&hit.rel, needles).len()),
            ("body", find_matches(text, needles).len()),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(place, n)| format!("{place} {n}"))
        .collect();
        lines.push(format!(
            "{label}: {}",
            if places.is_empty() {
                "only in other front matter fields".to_string()
            } else {
                places.join(", ")
            }
        ));
    }
    Ok(lines)
}
