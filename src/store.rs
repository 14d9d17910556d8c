//! The index directory: what is in it, whether it is ours and current, and
//! who may write to it.
//!
//! tantivy owns the files; this module adds three things on top. A payload
//! committed atomically with every tantivy commit ([`IndexMeta`]: format
//! version, corpus, dictionary), so an index from another version or an
//! interrupted first run is recognised before tantivy is asked to read it.
//! An exclusive lock file, so two `index` runs never write at once (queries
//! take no lock: tantivy readers see the last commit). And a guard against
//! wiping a directory that is not an index.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use crate::dict::ResolvedDict;
use crate::schema::{self, Fields, FORMAT_VERSION};

/// What every commit records beside tantivy's own metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format: u32,
    /// Absolute path of the corpus root.
    pub corpus: PathBuf,
    /// xxh3 of the user dictionary file (0 when there is none).
    pub user_dict_hash: u64,
    /// The dictionary queries must reproduce (see `dict`).
    pub dict: ResolvedDict,
    /// When this commit was made, RFC 3339.
    pub indexed_at: String,
}

/// An index opened for reading or updating.
pub struct OpenIndex {
    /// The tantivy index (tokenizers not yet registered).
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// The payload of the last commit.
    pub meta: IndexMeta,
}

impl OpenIndex {
    /// A searcher on the last commit.
    pub fn searcher(&self) -> Result<Searcher> {
        let reader: IndexReader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("cannot read the index")?;
        Ok(reader.searcher())
    }
}

/// The state of an index directory.
pub enum State {
    /// No index there yet.
    Missing,
    /// An index that cannot be used as it is; the reason says why.
    Unusable(String),
    /// A current index.
    Ready(Box<OpenIndex>),
}

const META_FILE: &str = "meta.json";
const LOCK_FILE: &str = ".notes-search.lock";
/// Where a new index is built before it is moved into place.
const STAGING_DIR: &str = ".staging";

/// Files tantivy and this program create in an index directory; nothing
/// else is ever deleted.
fn is_index_file(name: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".idx",
        ".pos",
        ".term",
        ".store",
        ".fast",
        ".fieldnorm",
        ".del",
        ".tmp",
    ];
    name == META_FILE
        || name == ".managed.json"
        || name.starts_with(".tantivy-")
        || EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// Refuses an index path that names something other than a folder, before
/// the OS says "Not a directory" about a file inside it.
fn not_a_folder(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is not a directory: pass --index DIR (or set NOTES_SEARCH_INDEX) to a folder for the index",
            dir.display()
        );
    }
    Ok(())
}

/// Looks at `dir` and opens the index there if it is current.
pub fn open(dir: &Path) -> Result<State> {
    not_a_folder(dir)?;
    let meta_path = dir.join(META_FILE);
    let raw = match fs::read(&meta_path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Missing),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", meta_path.display())),
    };
    let meta = match read_payload(&raw) {
        Ok(meta) => meta,
        Err(reason) => return Ok(State::Unusable(reason)),
    };
    if meta.format != FORMAT_VERSION {
        return Ok(State::Unusable(format!(
            "it was built by another version of notes-search (format {}, this one reads {FORMAT_VERSION})",
            meta.format
        )));
    }
    let index = match Index::open_in_dir(dir) {
        Ok(index) => index,
        Err(e) => return Ok(State::Unusable(format!("tantivy cannot open it ({e})"))),
    };
    let fields = match schema::fields(&index.schema()) {
        Ok(fields) => fields,
        Err(e) => return Ok(State::Unusable(format!("{e:#}"))),
    };
    Ok(State::Ready(Box::new(OpenIndex {
        index,
        fields,
        meta,
    })))
}

/// The index in `dir`, for commands that need one to exist; otherwise an
/// error that says what to run.
pub fn open_existing(dir: &Path) -> Result<OpenIndex> {
    match open(dir)? {
        State::Ready(open) => Ok(*open),
        State::Missing => bail!(
            "no index at {}: run `notes-search index --corpus DIR` first",
            dir.display()
        ),
        State::Unusable(reason) => Err(unusable(dir, &reason)),
    }
}

/// The error for an index that cannot be used.
pub fn unusable(dir: &Path, reason: &str) -> anyhow::Error {
    anyhow!(
        "the index at {} cannot be used: {reason}; run `notes-search index` to rebuild it",
        dir.display()
    )
}

fn read_payload(raw: &[u8]) -> Result<IndexMeta, String> {
    let tantivy_meta: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| "its meta.json is not JSON".to_string())?;
    let payload = tantivy_meta["payload"]
        .as_str()
        .ok_or_else(|| "no indexing run has finished there yet".to_string())?;
    serde_json::from_str(payload).map_err(|_| "it was not written by notes-search".to_string())
}

/// Creates an empty index in `dir`, removing an unusable one first, and
/// commits it with `meta`: from then on there is always a readable index,
/// even if the run that fills it is killed. The index is built in a staging
/// folder and moved in with `meta.json` last, so `dir` never holds an index
/// without its payload. Refuses a directory holding anything but index files.
pub fn create(dir: &Path, meta: &IndexMeta) -> Result<Index> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let staging = dir.join(STAGING_DIR);
    if staging.exists() {
        // Left by a run killed while creating: never part of the index.
        fs::remove_dir_all(&staging)
            .with_context(|| format!("cannot remove {}", staging.display()))?;
    }
    remove_index_files(dir)?;
    fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    build_empty(&staging, meta)?;
    let mut files: Vec<PathBuf> = fs::read_dir(&staging)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tantivy-"))
        })
        .collect();
    // meta.json last: it is what makes the directory an index.
    files.sort_by_key(|p| p.file_name().is_some_and(|n| n == META_FILE));
    for file in files {
        let name = file.file_name().expect("a file name");
        fs::rename(&file, dir.join(name))
            .with_context(|| format!("cannot move {} into {}", file.display(), dir.display()))?;
    }
    fs::remove_dir_all(&staging).with_context(|| format!("cannot remove {}", staging.display()))?;
    Index::open_in_dir(dir)
        .with_context(|| format!("cannot open the new index in {}", dir.display()))
}

/// Removes an old index's files from `dir`, after making sure nothing else
/// is there.
fn remove_index_files(dir: &Path) -> Result<()> {
    let mut foreign = Vec::new();
    let mut ours = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == LOCK_FILE || name == ".gitignore" || name == STAGING_DIR {
            continue;
        }
        if is_index_file(&name) && entry.file_type()?.is_file() {
            ours.push(entry.path());
        } else {
            foreign.push(name);
        }
    }
    if !foreign.is_empty() {
        bail!(
            "{} holds files that are not part of an index ({}); refusing to write there: choose an empty directory with --index",
            dir.display(),
            foreign.join(", ")
        );
    }
    // meta.json first: the directory stops being an index before its
    // segments go.
    ours.sort_by_key(|p| p.file_name().is_none_or(|n| n != META_FILE));
    for path in ours {
        fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// An empty index with our schema, committed with `meta`, in `dir`.
fn build_empty(dir: &Path, meta: &IndexMeta) -> Result<()> {
    let settings = tantivy::IndexSettings {
        docstore_compression: tantivy::store::Compressor::Lz4,
        ..Default::default()
    };
    let index = Index::builder()
        .schema(schema::build())
        .settings(settings)
        .create_in_dir(dir)
        .with_context(|| format!("cannot create an index in {}", dir.display()))?;
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(1, 15_000_000)
        .context("cannot open the new index for writing")?;
    commit(&mut writer, meta)?;
    writer
        .wait_merging_threads()
        .context("cannot finish the new index")?;
    Ok(())
}

/// Commits everything `writer` holds, with `meta` as the commit's payload.
pub fn commit(writer: &mut IndexWriter<TantivyDocument>, meta: &IndexMeta) -> Result<()> {
    let mut prepared = writer.prepare_commit().context("cannot commit the index")?;
    prepared.set_payload(&serde_json::to_string(meta)?);
    prepared.commit().context("cannot commit the index")?;
    Ok(())
}

/// Holds the index directory's write lock until dropped.
pub struct WriteLock {
    _file: File,
}

/// Takes the write lock on `dir`, or says who has it.
pub fn lock(dir: &Path) -> Result<WriteLock> {
    not_a_folder(dir)?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(WriteLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `notes-search index` is writing to {}: wait for it to finish, then run this again",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Total size of the files in `dir`, in bytes.
pub fn disk_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_unusable_and_foreign_directories() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(open(dir.path()).unwrap(), State::Missing));

        let meta = IndexMeta {
            format: FORMAT_VERSION,
            corpus: "/notes".into(),
            user_dict_hash: 0,
            dict: ResolvedDict::default(),
            indexed_at: "2026-01-01T00:00:00Z".into(),
        };
        create(dir.path(), &meta).unwrap();
        match open(dir.path()).unwrap() {
            State::Ready(open) => assert_eq!(open.meta, meta),
            _ => panic!("a new index is readable at once"),
        }
        let meta_json = dir.path().join(META_FILE);
        let raw = fs::read_to_string(&meta_json).unwrap();
        let value: serde_json::Value = serde_json::from_str(&raw).unwrap();
        let mut stripped = value.clone();
        stripped.as_object_mut().unwrap().remove("payload");
        fs::write(&meta_json, stripped.to_string()).unwrap();
        match open(dir.path()).unwrap() {
            State::Unusable(reason) => assert!(reason.contains("no indexing run"), "{reason}"),
            _ => panic!("an index without payload is not usable"),
        }

        let foreign = tempfile::tempdir().unwrap();
        fs::write(foreign.path().join("notes.txt"), "mine").unwrap();
        let err = create(foreign.path(), &meta).err().unwrap().to_string();
        assert!(err.contains("refusing to write there"), "{err}");
        assert!(foreign.path().join("notes.txt").exists());
    }

    #[test]
    fn the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        let err = lock(dir.path()).err().unwrap().to_string();
        assert!(err.contains("another `notes-search index`"), "{err}");
        drop(held);
        lock(dir.path()).unwrap();
    }
}
