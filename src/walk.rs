//! Finding the notes in a corpus.
//!
//! The `ignore` crate does the walking the way ripgrep does: `.gitignore` and
//! `.ignore` files are honoured (inside a git repository or not), hidden
//! files and folders are skipped, symbolic links are followed with loop
//! detection. A note is a regular file (or a link to one) named `*.md` or
//! `*.markdown`; a directory called `x.md/` is just a directory. Anything
//! that cannot be read becomes a `path: reason` line for the caller to report.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ignore::WalkBuilder;

/// A note file found by the walk, with what the manifest compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteFile {
    /// Path relative to the corpus root, `/`-separated.
    pub rel: String,
    /// Path to open.
    pub abs: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: u64,
}

/// The result of walking a corpus.
#[derive(Debug, Default)]
pub struct Walked {
    /// Notes, sorted by path.
    pub files: Vec<NoteFile>,
    /// `path: reason` for every entry that could not be walked.
    pub errors: Vec<String>,
}

/// Whether a file name is a Markdown note's.
pub fn is_note_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// Walks `root` for notes.
pub fn walk(root: &Path) -> Walked {
    let mut walked = Walked::default();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                walked.errors.push(one_line(&err.to_string()));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if entry.depth() == 0 || !is_note_name(&name) {
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(m) => m,
            Err(err) => {
                walked.errors.push(format!(
                    "{}: {}",
                    entry.path().display(),
                    one_line(&err.to_string())
                ));
                continue;
            }
        };
        if !metadata.is_file() {
            continue;
        }
        let rel = relative(root, entry.path());
        let mtime_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        walked.files.push(NoteFile {
            rel,
            abs: entry.path().to_path_buf(),
            size: metadata.len(),
            mtime_ns,
        });
    }
    walked.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    walked.files.dedup_by(|a, b| a.rel == b.rel);
    walked
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn finds_notes_and_only_notes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        fs::create_dir_all(root.join("dir.md")).unwrap();
        fs::create_dir_all(root.join("ignored")).unwrap();
        for f in [
            "a.md",
            "B.MARKDOWN",
            "sub/c.md",
            "sub/deeper/d.md",
            ".hidden/e.md",
            ".f.md",
            "g.txt",
            "dir.md/h.md",
            "ignored/i.md",
        ] {
            fs::write(root.join(f), "x").unwrap();
        }
        fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let walked = walk(root);
        let rels: Vec<&str> = walked.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            vec![
                "B.MARKDOWN",
                "a.md",
                "dir.md/h.md",
                "sub/c.md",
                "sub/deeper/d.md"
            ]
        );
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("a/note.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a/note.md"), root.join("link.md")).unwrap();
        let walked = walk(root);
        let rels: Vec<&str> = walked.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, vec!["a/note.md", "link.md"]);
        assert_eq!(walked.errors.len(), 1, "{:?}", walked.errors);
    }
}
