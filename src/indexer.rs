//! `notes-search index`: bring the index in line with the corpus.
//!
//! Incremental by default. The manifest (path, size, mtime, hash of every
//! indexed note) lives in the index's fast fields and so is committed
//! atomically with the documents it describes. A note whose size and mtime
//! are unchanged is skipped without being read; new and changed notes are
//! parsed on all cores and replace their old document; notes that are gone
//! are deleted. When nothing changed, nothing is written and the ~100 ms
//! dictionary is never built.
//!
//! A full rebuild happens with `--rebuild`, when the corpus root or the user
//! dictionary changed, or when the index is from another format version.
//! Within one format it deletes and re-adds every document in a single
//! commit, so queries keep reading the old commit until the new one lands,
//! and a killed run leaves the old commit in place.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use tantivy::columnar::StrColumn;
use tantivy::schema::Term;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument};

use crate::dict::{self, Segmenter};
use crate::normalize::normalize;
use crate::note::{parse_note, Note};
use crate::schema::{self, Fields};
use crate::store::{self, IndexMeta, State};
use crate::tokenizer;
use crate::walk::{walk, NoteFile};

/// Notes larger than this are indexed up to this size, with a warning.
/// Indexing holds about 20 bytes of memory per byte of a note (its text,
/// grams and positions), so this keeps one giant note near 400 MiB.
pub const MAX_NOTE_BYTES: u64 = 16 << 20;

/// A note this large waits until tantivy has taken up every queued note
/// before it is queued itself, so that giant notes never pile up in memory.
const BIG_NOTE_BYTES: usize = 1 << 20;

/// Memory the tantivy writer may use per indexing thread.
const WRITER_MEMORY_PER_THREAD: usize = 64 << 20;

/// What to index, where.
#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// Corpus root.
    pub corpus: PathBuf,
    /// Index directory.
    pub index: PathBuf,
    /// Re-index every note.
    pub rebuild: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexSummary {
    /// Notes indexed for the first time.
    pub new: usize,
    /// Notes re-indexed because they changed.
    pub changed: usize,
    /// Notes removed because their file is gone.
    pub deleted: usize,
    /// Notes left as they were.
    pub unchanged: usize,
    /// Files that could not be read at all.
    pub skipped: usize,
    /// Warnings printed.
    pub warnings: usize,
    /// Notes in the index afterwards.
    pub total: usize,
    /// Why everything was rebuilt, if it was.
    pub rebuilt: Option<String>,
}

/// Indexes `options.corpus` into `options.index`. `warn` receives one line
/// per problem (`path: reason`); it is called from several threads.
pub fn run(options: &IndexOptions, warn: &(dyn Fn(&str) + Sync)) -> Result<IndexSummary> {
    let root = corpus_root(&options.corpus)?;
    let _lock = store::lock(&options.index)?;
    let warnings = AtomicUsize::new(0);
    let warn = |line: &str| {
        warnings.fetch_add(1, Ordering::Relaxed);
        warn(line);
    };

    let mut meta = new_meta(root, &warn);
    let target = open_target(options, &meta)?;
    let walked = walk(&meta.corpus);
    for error in &walked.errors {
        warn(error);
    }
    let mut plan = plan(&walked.files, &target.manifest);
    drop_touched_but_identical(&mut plan);

    let mut summary = IndexSummary {
        skipped: walked.errors.len(),
        unchanged: plan.unchanged,
        deleted: plan.deleted.len(),
        total: plan.unchanged,
        rebuilt: target.rebuilt.clone(),
        ..Default::default()
    };
    if target.rebuilt.is_some() || !plan.to_index.is_empty() || !plan.deleted.is_empty() {
        let skipped = write(&target, &plan, &mut meta, options.progress, &warn)?;
        let known = plan.to_index.iter().filter(|p| p.known.is_some()).count();
        // A note that could not be read is gone from the index: its old
        // document was deleted and nothing replaced it.
        summary.changed = known - skipped.known;
        summary.new = plan.to_index.len() - known - skipped.new;
        summary.deleted += skipped.known;
        summary.skipped += skipped.known + skipped.new;
        summary.total += summary.changed + summary.new;
    }
    summary.warnings = warnings.load(Ordering::Relaxed);
    Ok(summary)
}

/// What this run will commit: the corpus and the user dictionary as they
/// are now (its warnings reported).
fn new_meta(root: PathBuf, warn: &(dyn Fn(&str) + Sync)) -> IndexMeta {
    let path = root.join(dict::USER_DICT_PATH);
    let bytes = std::fs::read(&path).unwrap_or_default();
    let hash = if bytes.is_empty() {
        0
    } else {
        xxhash_rust::xxh3::xxh3_64(&bytes)
    };
    let (entries, problems) = dict::parse_user_dict(&String::from_utf8_lossy(&bytes));
    for problem in problems {
        warn(&format!("{}: {problem}", path.display()));
    }
    IndexMeta {
        format: schema::FORMAT_VERSION,
        corpus: root,
        user_dict_hash: hash,
        dict: dict::resolve_user_dict(&entries),
        indexed_at: now(),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The index to write to, and what it already holds.
struct Target {
    index: Index,
    fields: Fields,
    /// Why every note is re-indexed, if it is.
    rebuilt: Option<String>,
    /// What the index holds, unless everything is re-indexed.
    manifest: HashMap<String, Known>,
}

/// Opens the index for updating, or creates it; decides whether everything
/// must be re-indexed.
fn open_target(options: &IndexOptions, meta: &IndexMeta) -> Result<Target> {
    let (index, rebuilt) = match store::open(&options.index)? {
        State::Ready(open) => {
            let reason = if options.rebuild {
                Some("--rebuild".to_string())
            } else if open.meta.corpus != meta.corpus {
                Some(format!(
                    "the index was built from {}",
                    open.meta.corpus.display()
                ))
            } else if open.meta.user_dict_hash != meta.user_dict_hash {
                Some(format!("{} changed", dict::USER_DICT_PATH))
            } else {
                None
            };
            (open.index, reason)
        }
        State::Missing => (store::create(&options.index, meta)?, None),
        State::Unusable(reason) => (
            store::create(&options.index, meta)?,
            Some(format!("the old index was unusable: {reason}")),
        ),
    };
    let fields = schema::fields(&index.schema())?;
    let manifest = match rebuilt {
        None => read_manifest(&index, &fields)?,
        Some(_) => HashMap::new(),
    };
    Ok(Target {
        index,
        fields,
        rebuilt,
        manifest,
    })
}

/// Notes that could not be read, by whether the index knew them.
#[derive(Default)]
struct Skipped {
    new: usize,
    known: usize,
}

/// Applies `plan` to the index in one commit: deletions, then every new or
/// changed note parsed on all cores.
fn write(
    target: &Target,
    plan: &Plan,
    meta: &mut IndexMeta,
    progress: bool,
    warn: &(dyn Fn(&str) + Sync),
) -> Result<Skipped> {
    let fields = &target.fields;
    let for_jieba = meta.dict.clone();
    let taken_up = Arc::new(AtomicUsize::new(0));
    tokenizer::register_counting(
        &target.index,
        Segmenter::in_background(move || dict::full_jieba(&for_jieba)),
        taken_up.clone(),
    );
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let mut writer: IndexWriter<TantivyDocument> = target
        .index
        .writer_with_num_threads(threads, threads * WRITER_MEMORY_PER_THREAD)
        .context("cannot open the index for writing")?;
    if target.rebuilt.is_some() {
        writer.delete_all_documents()?;
    }
    for rel in &plan.deleted {
        writer.delete_term(Term::from_field_text(fields.path, rel));
    }

    let bar = progress_bar(progress, plan.to_index.len());
    let sent = AtomicUsize::new(0);
    let (skipped_new, skipped_known) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let failed: Mutex<Option<tantivy::TantivyError>> = Mutex::default();
    plan.to_index.par_iter().for_each(|planned| {
        let file = planned.file;
        // Deleting just before adding, in the same thread, orders the two:
        // the delete removes the old document and spares the new one.
        if planned.known.is_some() {
            writer.delete_term(Term::from_field_text(fields.path, &file.rel));
        }
        match read_file(file) {
            Ok((bytes, read_notes)) => {
                let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
                let note = parse_note(&bytes, file_stem(&file.rel));
                for w in read_notes.iter().chain(&note.warnings) {
                    bar.suspend(|| warn(&format!("{}: {w}", file.abs.display())));
                }
                let room = if bytes.len() > BIG_NOTE_BYTES {
                    1
                } else {
                    MAX_DOCUMENTS_IN_FLIGHT
                };
                wait_for_room(&sent, &taken_up, room);
                sent.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = writer.add_document(document(fields, file, hash, &note)) {
                    failed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
            }
            Err(e) => {
                let skipped = if planned.known.is_some() {
                    &skipped_known
                } else {
                    &skipped_new
                };
                skipped.fetch_add(1, Ordering::Relaxed);
                bar.suspend(|| warn(&format!("{}: {e:#}", file.abs.display())));
            }
        }
        bar.inc(1);
    });
    bar.finish_and_clear();
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e).context("indexing failed");
    }

    meta.indexed_at = now();
    store::commit(&mut writer, meta)?;
    writer
        .wait_merging_threads()
        .context("cannot finish merging")?;
    Ok(Skipped {
        new: skipped_new.into_inner(),
        known: skipped_known.into_inner(),
    })
}

/// Parsed documents waiting for tantivy's indexing threads at most.
/// Parsing is five times faster than indexing, and tantivy would queue
/// 10,000 documents (a gigabyte for ten copies of the sample corpora).
const MAX_DOCUMENTS_IN_FLIGHT: usize = 1024;

/// Blocks while `room` or more documents are queued. Gives up waiting after
/// a while, so that a miscount can slow indexing but never hang it.
fn wait_for_room(sent: &AtomicUsize, taken_up: &AtomicUsize, room: usize) {
    for _ in 0..2_000 {
        let queued = sent
            .load(Ordering::Relaxed)
            .saturating_sub(taken_up.load(Ordering::Relaxed));
        if queued < room {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn corpus_root(corpus: &Path) -> Result<PathBuf> {
    if !corpus.is_dir() {
        bail!(
            "no corpus at {}: pass --corpus DIR (or set NOTES_SEARCH_CORPUS) to the folder of your notes",
            corpus.display()
        );
    }
    corpus
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", corpus.display()))
}

/// What the manifest remembers of a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Known {
    size: u64,
    mtime_ns: u64,
    hash: u64,
}

/// Reads path, size and mtime of every live document from the fast fields.
fn read_manifest(index: &tantivy::Index, fields: &Fields) -> Result<HashMap<String, Known>> {
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let schema = index.schema();
    let mut manifest = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let paths: StrColumn = fast
            .str(schema.get_field_name(fields.path))?
            .context("the index has no path column")?;
        let sizes = fast.u64(schema.get_field_name(fields.size))?;
        let mtimes = fast.u64(schema.get_field_name(fields.mtime))?;
        let hashes = fast.u64(schema.get_field_name(fields.hash))?;
        let mut path = String::new();
        for doc in segment.doc_ids_alive() {
            let Some(ord) = paths.term_ords(doc).next() else {
                continue;
            };
            path.clear();
            paths.ord_to_str(ord, &mut path)?;
            let known = Known {
                size: sizes.first(doc).unwrap_or(0),
                mtime_ns: mtimes.first(doc).unwrap_or(0),
                hash: hashes.first(doc).unwrap_or(0),
            };
            manifest.insert(path.clone(), known);
        }
    }
    Ok(manifest)
}

struct Planned<'a> {
    file: &'a NoteFile,
    /// What the index has for this path, if anything.
    known: Option<Known>,
}

struct Plan<'a> {
    to_index: Vec<Planned<'a>>,
    deleted: Vec<String>,
    unchanged: usize,
}

fn plan<'a>(files: &'a [NoteFile], manifest: &HashMap<String, Known>) -> Plan<'a> {
    let mut to_index = Vec::new();
    let mut unchanged = 0;
    for file in files {
        match manifest.get(&file.rel) {
            Some(k) if k.size == file.size && k.mtime_ns == file.mtime_ns => unchanged += 1,
            Some(&k) => to_index.push(Planned {
                file,
                known: Some(k),
            }),
            None => to_index.push(Planned { file, known: None }),
        }
    }
    let present: std::collections::HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let mut deleted: Vec<String> = manifest
        .keys()
        .filter(|p| !present.contains(p.as_str()))
        .cloned()
        .collect();
    deleted.sort();
    Plan {
        to_index,
        deleted,
        unchanged,
    }
}

/// Notes whose mtime changed but whose bytes did not (a checkout, a
/// `touch`) are not re-indexed: their hash is compared first.
fn drop_touched_but_identical(plan: &mut Plan) {
    let identical: Vec<bool> = plan
        .to_index
        .par_iter()
        .map(|p| match p.known {
            Some(k) if k.size == p.file.size => read_file(p.file)
                .is_ok_and(|(bytes, _)| xxhash_rust::xxh3::xxh3_64(&bytes) == k.hash),
            _ => false,
        })
        .collect();
    let before = plan.to_index.len();
    let mut flags = identical.into_iter();
    plan.to_index.retain(|_| !flags.next().unwrap_or(false));
    plan.unchanged += before - plan.to_index.len();
}

/// Reads a note file (up to [`MAX_NOTE_BYTES`]); returns its bytes and notes
/// on reading.
fn read_file(file: &NoteFile) -> Result<(Vec<u8>, Vec<String>)> {
    let mut notes = Vec::new();
    let mut bytes = Vec::new();
    File::open(&file.abs)
        .and_then(|f| f.take(MAX_NOTE_BYTES + 1).read_to_end(&mut bytes))
        .context("cannot read it")?;
    if bytes.len() as u64 > MAX_NOTE_BYTES {
        bytes.truncate(MAX_NOTE_BYTES as usize);
        cut_partial_char(&mut bytes);
        notes.push(format!(
            "larger than {} MiB; indexed only the beginning",
            MAX_NOTE_BYTES >> 20
        ));
    }
    Ok((bytes, notes))
}

/// Drops a UTF-8 character cut in half at the end, so that truncating a
/// valid note does not make it look like one with bad bytes.
fn cut_partial_char(bytes: &mut Vec<u8>) {
    let floor = bytes.len().saturating_sub(4);
    let Some(last_start) = (floor..bytes.len())
        .rev()
        .find(|&i| bytes[i] & 0xC0 != 0x80)
    else {
        return;
    };
    if let Err(e) = std::str::from_utf8(&bytes[last_start..]) {
        if e.error_len().is_none() {
            bytes.truncate(last_start);
        }
    }
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The tantivy document for a note.
fn document(f: &Fields, file: &NoteFile, hash: u64, note: &Note) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.path, &file.rel);
    let path_text = path_words(&file.rel);
    doc.add_text(f.path_words, &path_text);
    doc.add_text(f.grams, &path_text);
    doc.add_text(f.title, &note.title);
    doc.add_text(f.title_grams, &note.title);
    doc.add_text(f.grams, &note.title);
    for tag in &note.front.tags {
        doc.add_text(f.tags, tag);
        doc.add_text(f.tag_key, normalize(tag));
        doc.add_text(f.tag_raw, tag);
        doc.add_text(f.grams, tag);
    }
    for category in &note.front.categories {
        doc.add_text(f.categories, category);
        doc.add_text(f.category_key, normalize(category));
        doc.add_text(f.grams, category);
    }
    for text in note.front.summary.iter().chain(&note.front.extra) {
        doc.add_text(f.meta, text);
        doc.add_text(f.grams, text);
    }
    for heading in &note.headings {
        doc.add_text(f.headings, heading);
    }
    doc.add_text(f.grams, &note.text);
    doc.add_text(f.text, &note.text);
    doc.add_u64(f.body_line, note.body_line as u64);
    if let Some(date) = &note.front.date {
        doc.add_text(f.date, &date.iso);
        doc.add_date(
            f.date_ts,
            DateTime::from_timestamp_secs(date.utc.timestamp()),
        );
    }
    doc.add_bool(f.draft, note.front.draft);
    doc.add_u64(f.size, file.size);
    doc.add_u64(f.mtime, file.mtime_ns);
    doc.add_u64(f.hash, hash);
    doc
}

/// The words of a relative path, for the `path_words` field: separators
/// and the extension dropped, camelCase split (`distributedLock` →
/// `distributed Lock`).
fn path_words(rel: &str) -> String {
    let without_ext = rel.rsplit_once('.').map_or(rel, |(stem, _)| stem);
    let mut out = String::with_capacity(without_ext.len() + 8);
    let mut prev: Option<char> = None;
    for c in without_ext.chars() {
        if matches!(c, '/' | '\\' | '-' | '_' | '.' | '+') {
            out.push(' ');
        } else {
            if prev.is_some_and(|p| p.is_lowercase()) && c.is_uppercase() {
                out.push(' ');
            }
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

fn progress_bar(show: bool, len: usize) -> ProgressBar {
    if !show || len < 200 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} indexing {pos}/{len} notes {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_character_is_dropped_and_nothing_else() {
        for input in ["预训练", "ab", ""] {
            for cut in 0..=input.len() {
                let mut bytes = input.as_bytes()[..cut].to_vec();
                cut_partial_char(&mut bytes);
                let expected = input
                    .char_indices()
                    .map(|(i, c)| i + c.len_utf8())
                    .take_while(|&end| end <= cut)
                    .last()
                    .unwrap_or(0);
                assert_eq!(
                    bytes,
                    &input.as_bytes()[..expected],
                    "{input:?} cut at {cut}"
                );
            }
        }
        // Bytes that cannot start UTF-8 at all are left for the decoder.
        let mut latin1 = vec![b'a', 0xe9, b't', 0xff];
        cut_partial_char(&mut latin1);
        assert_eq!(latin1, vec![b'a', 0xe9, b't', 0xff]);
    }

    #[test]
    fn a_giant_note_is_read_up_to_the_limit_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().join("giant.md");
        let text = "预训练".repeat((MAX_NOTE_BYTES / 9 + 2) as usize);
        std::fs::write(&abs, &text).unwrap();
        let giant = NoteFile {
            rel: "giant.md".into(),
            abs,
            size: text.len() as u64,
            mtime_ns: 0,
        };
        let (bytes, notes) = read_file(&giant).unwrap();
        assert_eq!(bytes.len() as u64, MAX_NOTE_BYTES - MAX_NOTE_BYTES % 3);
        assert!(std::str::from_utf8(&bytes).is_ok());
        assert_eq!(
            notes,
            vec!["larger than 16 MiB; indexed only the beginning"]
        );

        let exact = &text.as_bytes()[..MAX_NOTE_BYTES as usize - MAX_NOTE_BYTES as usize % 3];
        std::fs::write(&giant.abs, exact).unwrap();
        let (bytes, notes) = read_file(&giant).unwrap();
        assert_eq!(bytes.len(), exact.len());
        assert!(notes.is_empty(), "{notes:?}");
    }

    fn file(rel: &str, size: u64, mtime_ns: u64) -> NoteFile {
        NoteFile {
            rel: rel.into(),
            abs: rel.into(),
            size,
            mtime_ns,
        }
    }

    #[test]
    fn plan_sorts_files_into_new_changed_unchanged_and_deleted() {
        let files = vec![file("a.md", 1, 1), file("b.md", 2, 2), file("c.md", 3, 3)];
        let manifest = HashMap::from([
            (
                "a.md".to_string(),
                Known {
                    size: 1,
                    mtime_ns: 1,
                    hash: 0,
                },
            ),
            (
                "b.md".to_string(),
                Known {
                    size: 2,
                    mtime_ns: 9,
                    hash: 0,
                },
            ),
            (
                "gone.md".to_string(),
                Known {
                    size: 1,
                    mtime_ns: 1,
                    hash: 0,
                },
            ),
        ]);
        let plan = plan(&files, &manifest);
        let to_index: Vec<(&str, bool)> = plan
            .to_index
            .iter()
            .map(|p| (p.file.rel.as_str(), p.known.is_some()))
            .collect();
        assert_eq!(to_index, vec![("b.md", true), ("c.md", false)]);
        assert_eq!(plan.deleted, vec!["gone.md"]);
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn path_words_split_separators_and_camel_case() {
        assert_eq!(
            path_words("blog/sofa-jraft--rheakv-distributedLock/index.md"),
            "blog sofa jraft  rheakv distributed Lock index"
        );
        assert_eq!(path_words("读书笔记-系统设计.md"), "读书笔记 系统设计");
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("a/b/笔记.md"), "笔记");
        assert_eq!(file_stem("x.markdown"), "x");
        assert_eq!(file_stem("noext"), "noext");
    }
}
