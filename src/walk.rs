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

use crate::normalize::one_line;

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
                walked.errors.push(describe(&err, None));
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
                walked.errors.push(describe(&err, Some(entry.path())));
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

/// `path: reason` for a walk error, in words a user can act on; the
/// `ignore` crate's own text nests the path twice and says "IO error" for a
/// link to nowhere. `entry` names the path when the error does not.
fn describe(err: &ignore::Error, entry: Option<&Path>) -> String {
    use ignore::Error;
    let mut path = entry;
    let mut err = err;
    loop {
        match err {
            Error::WithPath {
                path: p,
                err: inner,
            } => {
                path = Some(p.as_path());
                err = inner;
            }
            Error::WithDepth { err: inner, .. } | Error::WithLineNumber { err: inner, .. } => {
                err = inner;
            }
            _ => break,
        }
    }
    let reason = match err {
        Error::Loop { ancestor, child } => {
            path = Some(child.as_path());
            format!("a symbolic link back to {} (a loop)", ancestor.display())
        }
        Error::Io(io)
            if io.kind() == std::io::ErrorKind::NotFound && path.is_some_and(Path::is_symlink) =>
        {
            "a symbolic link to nothing (its target is gone)".to_string()
        }
        Error::Io(io) => root_cause(io),
        other => one_line(&other.to_string()),
    };
    match path {
        Some(path) => format!("{}: {reason}; skipped it", path.display()),
        None => format!("{reason}; skipped it"),
    }
}

/// The innermost error's text: the OS's own words, without the wrappers'
/// repetitions of the path.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut err = err;
    while let Some(source) = err.source() {
        err = source;
    }
    one_line(&err.to_string())
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
        assert_eq!(
            walked.errors,
            vec![format!(
                "{}: a symbolic link back to {} (a loop); skipped it",
                root.join("a/loop").display(),
                root.join("a").display()
            )]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_nothing_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::os::unix::fs::symlink(root.join("gone.md"), root.join("dangling.md")).unwrap();
        let walked = walk(root);
        assert!(walked.files.is_empty());
        assert_eq!(
            walked.errors,
            vec![format!(
                "{}: a symbolic link to nothing (its target is gone); skipped it",
                root.join("dangling.md").display()
            )]
        );
    }
}
