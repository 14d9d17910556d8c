//! `notes-search tags` and `notes-search stats`: facts about the whole index.
//!
//! Both read fast fields only (tags as written, draft flag, date), never the
//! stored documents, so they stay quick on large corpora. Tags that differ
//! only by case, width or script (`LLM`/`llm`, `預訓練`/`预训练`) are one tag,
//! shown in its most common spelling, as filters treat them.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use anyhow::Result;
use serde::Serialize;
use tantivy::columnar::StrColumn;

use crate::cli::{StatsArgs, TagsArgs};
use crate::normalize::normalize;
use crate::printer::{clean, write_json_line};
use crate::store::{self, OpenIndex};

/// Per-note facts gathered in one pass over the fast fields.
#[derive(Default)]
struct Census {
    notes: u64,
    drafts: u64,
    /// Normalised tag → (notes, spelling → notes).
    tags: HashMap<String, (u64, HashMap<String, u64>)>,
    first_date: Option<i64>,
    last_date: Option<i64>,
}

fn census(open: &OpenIndex, include_drafts: bool) -> Result<Census> {
    let searcher = open.searcher()?;
    let schema = open.index.schema();
    let name = |f| schema.get_field_name(f).to_string();
    let mut census = Census::default();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let tags: Option<StrColumn> = fast.str(&name(open.fields.tag_raw))?;
        let drafts = fast.bool(&name(open.fields.draft))?;
        let dates = fast.date(&name(open.fields.date_ts))?;
        let mut spelling = String::new();
        for doc in segment.doc_ids_alive() {
            let draft = drafts.first(doc).unwrap_or(false);
            census.notes += 1;
            census.drafts += u64::from(draft);
            if draft && !include_drafts {
                continue;
            }
            if let Some(date) = dates.first(doc) {
                let secs = date.into_timestamp_secs();
                census.first_date = Some(census.first_date.map_or(secs, |d| d.min(secs)));
                census.last_date = Some(census.last_date.map_or(secs, |d| d.max(secs)));
            }
            let Some(tags) = &tags else { continue };
            let mut seen = Vec::new();
            for ord in tags.term_ords(doc) {
                spelling.clear();
                tags.ord_to_str(ord, &mut spelling)?;
                let key = normalize(spelling.trim());
                if key.is_empty() || seen.contains(&key) {
                    continue;
                }
                seen.push(key.clone());
                let entry = census.tags.entry(key).or_default();
                entry.0 += 1;
                *entry.1.entry(spelling.clone()).or_default() += 1;
            }
        }
    }
    Ok(census)
}

/// A tag and its note count, most common spelling.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Notes carrying it.
    pub count: u64,
}

fn tag_counts(census: &Census) -> Vec<TagCount> {
    let mut out: Vec<TagCount> = census
        .tags
        .values()
        .map(|(count, spellings)| {
            let tag = spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(s, _)| s.clone())
                .unwrap_or_default();
            TagCount { tag, count: *count }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    out
}

/// `notes-search tags`.
pub fn tags(args: &TagsArgs) -> Result<i32> {
    let open = store::open_existing(&args.index.index)?;
    let counts = tag_counts(&census(&open, args.drafts)?);
    let mut out = BufWriter::new(io::stdout().lock());
    let width = counts.first().map_or(1, |c| c.count.to_string().len());
    for c in &counts {
        if args.json {
            write_json_line(&mut out, c)?;
        } else {
            writeln!(out, "{:>width$}  {}", c.count, clean(&c.tag))?;
        }
    }
    out.flush()?;
    Ok(if counts.is_empty() { 1 } else { 0 })
}

/// What `stats` reports.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Notes in the index, drafts included.
    pub notes: u64,
    /// Drafts among them.
    pub drafts: u64,
    /// Distinct tags (normalised), drafts included.
    pub tags: usize,
    /// Earliest front matter date, ISO 8601.
    pub first_date: Option<String>,
    /// Latest front matter date, ISO 8601.
    pub last_date: Option<String>,
    /// Bytes the index takes on disk.
    pub index_bytes: u64,
    /// Index directory.
    pub index: String,
    /// Corpus the index was built from.
    pub corpus: String,
    /// When the index was last written, RFC 3339.
    pub indexed_at: String,
    /// On-disk format version.
    pub format: u32,
}

/// `notes-search stats`.
pub fn stats(args: &StatsArgs) -> Result<i32> {
    let dir = &args.index.index;
    let open = store::open_existing(dir)?;
    let census = census(&open, true)?;
    let date = |secs: Option<i64>| {
        secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|d| d.format("%Y-%m-%d").to_string())
    };
    let stats = Stats {
        notes: census.notes,
        drafts: census.drafts,
        tags: census.tags.len(),
        first_date: date(census.first_date),
        last_date: date(census.last_date),
        index_bytes: store::disk_size(dir),
        index: dir.display().to_string(),
        corpus: open.meta.corpus.display().to_string(),
        indexed_at: open.meta.indexed_at.clone(),
        format: open.meta.format,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        write_json_line(&mut out, &stats)?;
    } else {
        let dates = match (&stats.first_date, &stats.last_date) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "none".into(),
        };
        writeln!(
            out,
            "notes:        {} ({} drafts)",
            stats.notes, stats.drafts
        )?;
        writeln!(out, "tags:         {}", stats.tags)?;
        writeln!(out, "dates:        {dates}")?;
        writeln!(
            out,
            "index size:   {} ({} bytes)",
            human_size(stats.index_bytes),
            stats.index_bytes
        )?;
        writeln!(out, "index:        {}", clean(&stats.index))?;
        writeln!(out, "corpus:       {}", clean(&stats.corpus))?;
        writeln!(out, "last indexed: {}", stats.indexed_at)?;
        writeln!(out, "format:       {}", stats.format)?;
    }
    out.flush()?;
    Ok(0)
}

/// `bytes` in the largest binary unit that keeps a number of at least 1.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_in_their_own_unit() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(32_067), "31.3 KiB");
        assert_eq!(human_size(31_621_120), "30.2 MiB");
        assert_eq!(human_size(5 << 30), "5.0 GiB");
    }
}
