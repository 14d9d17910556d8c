//! Helpers for the integration tests: a temp dir per test, the real binary
//! run with a scrubbed environment, and parsers for what it prints.
//!
//! Every command starts from `env_clear()` and gets only `PATH`, `HOME` (the
//! test's own temp dir) and `LANG=C.UTF-8`, so `NO_COLOR`, `TERM`,
//! `NOTES_SEARCH_INDEX` and `NOTES_SEARCH_CORPUS` from the developer's shell
//! never change what a test sees. Each test owns its temp dir; the only
//! things shared are the read-only fixture folders under `tests/fixtures/`.

#![allow(dead_code)] // not every test binary uses every helper

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

/// The binary under test, built by cargo for integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_notes-search");

/// Where the read-only fixture corpora live.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A temp dir that is the current directory of every command a test runs.
/// The corpus is `./corpus` and the index `./index` (the binary's defaults)
/// unless a test says otherwise.
pub struct Sandbox {
    /// Removed (with everything in it) when the test ends.
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    /// An empty sandbox (no corpus yet).
    pub fn empty() -> Sandbox {
        let dir = tempfile::tempdir().expect("create a temp dir");
        // The binary canonicalises the corpus and reads the current dir via
        // getcwd, so compare against the canonical path.
        let root = dir.path().canonicalize().expect("canonical temp dir");
        Sandbox { _dir: dir, root }
    }

    /// A sandbox whose `./corpus` is a copy of `tests/fixtures/<name>`.
    pub fn with_fixture(name: &str) -> Sandbox {
        let sandbox = Sandbox::empty();
        copy_dir(&fixture(name), &sandbox.corpus());
        sandbox
    }

    /// The sandbox directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/<rel>`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `<root>/corpus`.
    pub fn corpus(&self) -> PathBuf {
        self.root.join("corpus")
    }

    /// Writes a file below the sandbox root, creating its folders.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent folders");
        }
        fs::write(&path, bytes).expect("write file");
        path
    }

    /// Writes a note below `./corpus`.
    pub fn note(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        self.write(&format!("corpus/{rel}"), bytes)
    }

    /// A scrubbed `assert_cmd` command for the binary, run in the sandbox.
    pub fn cmd<I, S>(&self, args: I) -> assert_cmd::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = assert_cmd::Command::new(BIN);
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.root)
            .env("LANG", "C.UTF-8")
            .current_dir(&self.root)
            .args(args)
            .timeout(Duration::from_secs(60));
        cmd
    }

    /// The same scrubbed command as a `std::process::Command`, for tests
    /// that need to drive the pipes themselves.
    pub fn std_cmd<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = std::process::Command::new(BIN);
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.root)
            .env("LANG", "C.UTF-8")
            .current_dir(&self.root)
            .args(args);
        cmd
    }

    /// Runs the binary with `args` and returns what it did.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::from_output(self.cmd(args).output().expect("run notes-search"))
    }

    /// Runs with extra environment variables.
    pub fn run_env<I, S>(&self, args: I, env: &[(&str, &str)]) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.cmd(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from_output(cmd.output().expect("run notes-search"))
    }

    /// `notes-search index <extra>`: asserts success and returns the parsed
    /// summary line (the last line of stderr).
    pub fn index<S: AsRef<OsStr>>(&self, extra: &[S]) -> Summary {
        let mut args: Vec<&OsStr> = vec![OsStr::new("index")];
        args.extend(extra.iter().map(AsRef::as_ref));
        let run = self.run(args);
        run.assert_code(0);
        Summary::parse(run.stderr_lines().last().unwrap_or(&""))
    }

    /// `notes-search index` with default settings, quietly checked.
    pub fn index_default(&self) -> Summary {
        self.index::<&str>(&[])
    }

    /// `query <args> -l -n 0`: the paths printed, in order (exit 0 or 1).
    pub fn paths(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["query", "-l", "-n", "0"];
        all.extend_from_slice(args);
        let run = self.run(all);
        assert!(
            run.code == 0 || run.code == 1,
            "query {args:?} failed: {run:?}"
        );
        assert_eq!(run.code == 0, !run.stdout.is_empty(), "{run:?}");
        run.stdout_lines().iter().map(|s| s.to_string()).collect()
    }

    /// Like [`Sandbox::paths`], as a sorted set.
    pub fn path_set(&self, args: &[&str]) -> BTreeSet<String> {
        self.paths(args).into_iter().collect()
    }
}

/// What one run of the binary did.
pub struct Run {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// stdout, decoded lossily.
    pub stdout: String,
    /// stderr, decoded lossily.
    pub stderr: String,
    /// stdout as bytes.
    pub raw_stdout: Vec<u8>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n--- exit status {}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.code,
            truncate(&self.stdout),
            truncate(&self.stderr)
        )
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= 4000 {
        text.to_string()
    } else {
        let head: String = text.chars().take(4000).collect();
        format!("{head}… ({} bytes in all)", text.len())
    }
}

impl Run {
    /// Wraps a finished process; fails the test on any panic message.
    pub fn from_output(output: Output) -> Run {
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            raw_stdout: output.stdout,
        };
        assert!(
            !run.stderr.contains("panicked"),
            "the binary panicked: {run:?}"
        );
        assert!(run.code >= 0, "killed by a signal: {run:?}");
        run
    }

    /// Asserts the exit status.
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit status: {self:?}");
        self
    }

    /// Lines of stdout.
    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Lines of stderr.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    /// Asserts an error: status 2, nothing on stdout, exactly one line on
    /// stderr starting with `notes-search: `; returns that line.
    pub fn assert_one_line_error(&self) -> &str {
        self.assert_code(2);
        assert_eq!(self.stdout, "", "an error printed results: {self:?}");
        let lines = self.stderr_lines();
        assert_eq!(lines.len(), 1, "the error is not one line: {self:?}");
        assert!(
            lines[0].starts_with("notes-search: "),
            "the error does not start with `notes-search: `: {self:?}"
        );
        assert!(self.stderr.ends_with('\n'), "{self:?}");
        lines[0]
    }

    /// Parses stdout as JSON Lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
            .collect()
    }
}

/// The final line of an `index` run:
/// `notes-search: indexed N notes in Xs: a new, b changed, c deleted, d unchanged; e skipped, f warnings[ (rebuilt all: why)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub new: usize,
    pub changed: usize,
    pub deleted: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub warnings: usize,
    /// The reason in `(rebuilt all: …)`, if everything was rebuilt.
    pub rebuilt: Option<String>,
}

impl Summary {
    /// Parses a summary line strictly; panics with the line if it does not
    /// have the documented shape.
    pub fn parse(line: &str) -> Summary {
        let fail = || -> ! { panic!("not an index summary line: {line:?}") };
        let rest = line
            .strip_prefix("notes-search: indexed ")
            .unwrap_or_else(|| fail());
        let (total, rest) = rest.split_once(" notes in ").unwrap_or_else(|| fail());
        let (seconds, rest) = rest.split_once("s: ").unwrap_or_else(|| fail());
        if seconds.parse::<f64>().is_err() {
            fail();
        }
        let (counts, rebuilt) = match rest.split_once(" (rebuilt all: ") {
            Some((counts, why)) => (
                counts,
                Some(why.strip_suffix(')').unwrap_or_else(|| fail()).to_string()),
            ),
            None => (rest, None),
        };
        let (first, second) = counts.split_once("; ").unwrap_or_else(|| fail());
        let number = |part: &str, label: &str| -> usize {
            let (n, l) = part.trim().split_once(' ').unwrap_or_else(|| fail());
            if l != label {
                fail();
            }
            n.parse().unwrap_or_else(|_| fail())
        };
        let a: Vec<&str> = first.split(", ").collect();
        let b: Vec<&str> = second.split(", ").collect();
        if a.len() != 4 || b.len() != 2 {
            fail();
        }
        Summary {
            total: total.parse().unwrap_or_else(|_| fail()),
            new: number(a[0], "new"),
            changed: number(a[1], "changed"),
            deleted: number(a[2], "deleted"),
            unchanged: number(a[3], "unchanged"),
            skipped: number(b[0], "skipped"),
            warnings: number(b[1], "warnings"),
            rebuilt,
        }
    }

    /// `(new, changed, deleted, unchanged)`, for compact assertions.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (self.new, self.changed, self.deleted, self.unchanged)
    }
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create target folder");
    for entry in fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Every file below `root` (relative, `/`-separated) whose bytes contain
/// `needle`: what grep -rl would say.
pub fn grep_files(root: &Path, needle: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read corpus folder") {
            let path = entry.expect("corpus entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if fs::read_to_string(&path)
                .map(|t| t.contains(needle))
                .unwrap_or(false)
            {
                let rel = path.strip_prefix(root).expect("below root");
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// Sets a file's modification time `secs` seconds after the epoch.
pub fn set_mtime(path: &Path, secs: u64) {
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for set_modified");
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set mtime");
}

/// A `path:line:column:text` line split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VimgrepLine {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub text: String,
}

impl VimgrepLine {
    /// Splits the way vim's `%f:%l:%c:%m` and fzf's `--delimiter :` do.
    pub fn parse(raw: &str) -> VimgrepLine {
        let parts: Vec<&str> = raw.splitn(4, ':').collect();
        assert_eq!(parts.len(), 4, "not path:line:column:text: {raw:?}");
        VimgrepLine {
            path: parts[0].to_string(),
            line: parts[1]
                .parse()
                .unwrap_or_else(|_| panic!("line is not a number: {raw:?}")),
            column: parts[2]
                .parse()
                .unwrap_or_else(|_| panic!("column is not a number: {raw:?}")),
            text: parts[3].to_string(),
        }
    }
}

/// Line `n` (1-based) of a file, as text (lossy; CR kept out).
pub fn file_line(path: &Path, n: usize) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    let line = text
        .split('\n')
        .nth(n - 1)
        .unwrap_or_else(|| panic!("{} has no line {n}", path.display()));
    line.trim_end_matches('\r').to_string()
}

/// Control characters other than `\n` in `text`, for error messages.
pub fn controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect()
}

/// Running the binary with stdout on a pseudo-terminal, to test what it
/// does for a person (`--color auto`). Linux only: the few libc calls are
/// declared here because the crate has no libc dev-dependency.
#[cfg(target_os = "linux")]
pub mod pty {
    use std::ffi::{c_char, c_int, CStr};
    use std::fs::{File, OpenOptions};
    use std::io::Read;
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    use std::process::{Command, Stdio};

    extern "C" {
        fn posix_openpt(flags: c_int) -> c_int;
        fn grantpt(fd: c_int) -> c_int;
        fn unlockpt(fd: c_int) -> c_int;
        fn ptsname_r(fd: c_int, buf: *mut c_char, buflen: usize) -> c_int;
    }

    const O_RDWR: c_int = 0o2;
    const O_NOCTTY: c_int = 0o400;

    /// Runs `cmd` with stdout on a fresh terminal; returns the exit status,
    /// what reached the terminal, and stderr.
    pub fn run_on_tty(mut cmd: Command) -> (i32, Vec<u8>, String) {
        // SAFETY: plain libc calls on a descriptor we own; `buf` outlives
        // the call that fills it and is NUL-terminated by ptsname_r.
        let (mut master, name) = unsafe {
            let fd = posix_openpt(O_RDWR | O_NOCTTY);
            assert!(fd >= 0, "posix_openpt failed");
            let master = File::from_raw_fd(fd);
            assert_eq!(grantpt(fd), 0, "grantpt failed");
            assert_eq!(unlockpt(fd), 0, "unlockpt failed");
            let mut buf = [0 as c_char; 256];
            assert_eq!(ptsname_r(fd, buf.as_mut_ptr(), buf.len()), 0);
            let name = CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned();
            (master, name)
        };
        let slave = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(O_NOCTTY)
            .open(&name)
            .expect("open the terminal's slave side");
        cmd.stdout(Stdio::from(slave)).stderr(Stdio::piped());
        let child = cmd.spawn().expect("spawn on a terminal");
        drop(cmd); // closes our copy of the slave, so reads end with EIO
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match master.read(&mut chunk) {
                Ok(0) | Err(_) => break, // EIO once the child has closed it
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
        let output = child.wait_with_output().expect("wait for the child");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "panicked: {stderr}");
        (output.status.code().unwrap_or(-1), out, stderr)
    }
}
