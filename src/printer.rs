//! Writing hits to stdout in each output format.
//!
//! Human output, per note:
//!
//! ```text
//! corpus/ml/pretraining.md:12  预训练数据清洗  2024-09-18  [LLM, 预训练]
//!   ……清洗后的预训练语料……
//! ```
//!
//! JSON Lines (`--json`): one object per note, fields documented on
//! [`JsonHit`]. `-l`: one path per line. `--vimgrep`: `path:line:col:text`.
//!
//! Nothing from a note reaches a terminal raw: control and bidi characters
//! become U+FFFD in text output, and the JSON encoder escapes them (C0, DEL,
//! C1 and bidi controls, as `\uXXXX`). Paths are printed relative to the
//! current directory when the corpus is below it, so each one opens as is.

use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::PathStyle;
use crate::search::Hit;
use crate::snippet::is_format_control;

const PATH_COLOR: &str = "\x1b[35m";
const LINE_COLOR: &str = "\x1b[32m";
const TITLE_COLOR: &str = "\x1b[1m";
const DIM_COLOR: &str = "\x1b[2m";
const MATCH_COLOR: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// The path to show for `abs`: relative to `cwd` when below it.
pub fn display_path(abs: &Path, cwd: &Path) -> PathBuf {
    abs.strip_prefix(cwd)
        .map_or_else(|_| abs.to_path_buf(), Path::to_path_buf)
}

/// Text safe for a terminal: control and bidi characters become U+FFFD;
/// tabs and line breaks become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() || is_format_control(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Writes `text` with `ranges` highlighted (when `color`), made safe;
/// `base` is the style to return to after each highlight.
fn write_highlighted(
    out: &mut impl Write,
    text: &str,
    ranges: &[Range<usize>],
    color: bool,
    base: &str,
) -> io::Result<()> {
    let mut last = 0;
    for r in ranges {
        if r.start < last
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        write!(out, "{}", clean(&text[last..r.start]))?;
        if color {
            write!(out, "{MATCH_COLOR}{}{RESET}{base}", clean(&text[r.clone()]))?;
        } else {
            write!(out, "{}", clean(&text[r.clone()]))?;
        }
        last = r.end;
    }
    write!(out, "{}", clean(&text[last..]))
}

fn paint(out: &mut impl Write, color: bool, code: &str, text: &str) -> io::Result<()> {
    if color {
        write!(out, "{code}{text}{RESET}")
    } else {
        write!(out, "{text}")
    }
}

/// Human output: a header line and an indented snippet per hit, a blank line
/// between hits.
pub fn human(out: &mut impl Write, hits: &[Hit], cwd: &Path, color: bool) -> io::Result<()> {
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        paint(
            out,
            color,
            PATH_COLOR,
            &clean(&display_path(&hit.abs, cwd).to_string_lossy()),
        )?;
        write!(out, ":")?;
        paint(out, color, LINE_COLOR, &hit.line.to_string())?;
        write!(out, "  ")?;
        if color {
            write!(out, "{TITLE_COLOR}")?;
        }
        write_highlighted(out, &hit.title, &hit.title_matches, color, TITLE_COLOR)?;
        if color {
            write!(out, "{RESET}")?;
        }
        if let Some(date) = &hit.date {
            write!(out, "  ")?;
            paint(out, color, DIM_COLOR, &clean(date))?;
        }
        if !hit.tags.is_empty() {
            write!(out, "  ")?;
            paint(
                out,
                color,
                DIM_COLOR,
                &format!("[{}]", clean(&hit.tags.join(", "))),
            )?;
        }
        writeln!(out)?;
        if !hit.snippet.text.is_empty() {
            write!(out, "  ")?;
            write_highlighted(out, &hit.snippet.text, &hit.snippet.matches, color, "")?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `-l`: one path per line, or NUL-terminated with `-0`.
pub fn paths(
    out: &mut impl Write,
    paths: &[PathBuf],
    cwd: &Path,
    style: PathStyle,
) -> io::Result<()> {
    for p in paths {
        let shown = display_path(p, cwd);
        match style {
            PathStyle::Lines => writeln!(out, "{}", clean(&shown.to_string_lossy()))?,
            PathStyle::NulShown => write!(out, "{}\0", clean(&shown.to_string_lossy()))?,
            PathStyle::NulRaw => {
                out.write_all(shown.as_os_str().as_encoded_bytes())?;
                out.write_all(b"\0")?;
            }
        }
    }
    Ok(())
}

/// One `--json` line. The schema:
///
/// | field | type | meaning |
/// |---|---|---|
/// | `path` | string | path to the note (relative to the current directory when below it) |
/// | `title` | string | title |
/// | `date` | string or null | front matter date, ISO 8601, as precise as written |
/// | `tags` | array of strings | tags as written |
/// | `category` | string or null | first category |
/// | `categories` | array of strings | all categories |
/// | `draft` | bool | `draft: true` in front matter |
/// | `score` | number | relevance, higher is better (only comparable within one query) |
/// | `line` | number | 1-based line of the first highlight in the file |
/// | `snippet.text` | string | the passage, one line |
/// | `snippet.matches` | array of `{start, end}` | byte offsets of highlights in `snippet.text` (UTF-8) |
#[derive(Debug, Serialize)]
pub struct JsonHit<'a> {
    /// See the table above.
    pub path: String,
    /// See the table above.
    pub title: &'a str,
    /// See the table above.
    pub date: Option<&'a str>,
    /// See the table above.
    pub tags: &'a [String],
    /// See the table above.
    pub category: Option<&'a str>,
    /// See the table above.
    pub categories: &'a [String],
    /// See the table above.
    pub draft: bool,
    /// See the table above.
    pub score: f32,
    /// See the table above.
    pub line: usize,
    /// See the table above.
    pub snippet: JsonSnippet<'a>,
}

/// `snippet` in [`JsonHit`].
#[derive(Debug, Serialize)]
pub struct JsonSnippet<'a> {
    /// The passage.
    pub text: &'a str,
    /// Highlight byte ranges in `text`.
    pub matches: Vec<JsonRange>,
}

/// A byte range.
#[derive(Debug, Serialize)]
pub struct JsonRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// `--json`: JSON Lines.
pub fn json(out: &mut impl Write, hits: &[Hit], cwd: &Path) -> io::Result<()> {
    for hit in hits {
        let record = JsonHit {
            path: display_path(&hit.abs, cwd).to_string_lossy().into_owned(),
            title: &hit.title,
            date: hit.date.as_deref(),
            tags: &hit.tags,
            category: hit.categories.first().map(String::as_str),
            categories: &hit.categories,
            draft: hit.draft,
            score: hit.score,
            line: hit.line,
            snippet: JsonSnippet {
                text: &hit.snippet.text,
                matches: hit
                    .snippet
                    .matches
                    .iter()
                    .map(|r| JsonRange {
                        start: r.start,
                        end: r.end,
                    })
                    .collect(),
            },
        };
        write_json_line(out, &record)?;
    }
    Ok(())
}

/// Writes one value as a JSON line with terminal-safe escaping.
pub fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| match e.io_error_kind() {
            // Keep the kind: a closed pipe must stay recognisable as one.
            Some(kind) => io::Error::new(kind, e),
            None => io::Error::other(e),
        })?;
    writeln!(out)
}

/// A compact JSON formatter that also escapes DEL, C1 controls and bidi
/// controls, which serde_json would write raw.
struct SafeFormatter;

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut last = 0;
        for (i, c) in fragment.char_indices() {
            if c == '\u{7F}' || ('\u{80}'..='\u{9F}').contains(&c) || is_format_control(c) {
                writer.write_all(&fragment.as_bytes()[last..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                last = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[last..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snippet::Snippet;

    fn hit() -> Hit {
        Hit {
            rel: "ml/a.md".into(),
            abs: "/notes/corpus/ml/a.md".into(),
            title: "预训练\x1b]0;pwned\x07笔记".into(),
            title_matches: std::iter::once(0..9).collect(),
            date: Some("2024-09-18".into()),
            tags: vec!["LLM".into(), "讲座".into()],
            categories: vec!["review".into()],
            draft: false,
            score: 1.5,
            line: 12,
            snippet: Snippet {
                text: "大模型的预训练是个工程活\u{9b}".into(),
                matches: std::iter::once(12..21).collect(),
                line: 3,
            },
            address: tantivy::DocAddress::new(0, 0),
        }
    }

    #[test]
    fn human_output_without_color_is_plain_and_safe() {
        let mut out = Vec::new();
        human(&mut out, &[hit()], Path::new("/notes"), false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "corpus/ml/a.md:12  预训练\u{FFFD}]0;pwned\u{FFFD}笔记  2024-09-18  [LLM, 讲座]\n  大模型的预训练是个工程活\u{FFFD}\n"
        );
    }

    #[test]
    fn human_output_with_color_marks_matches() {
        let mut out = Vec::new();
        human(&mut out, &[hit()], Path::new("/elsewhere"), true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\x1b[35m/notes/corpus/ml/a.md\x1b[0m:\x1b[32m12\x1b[0m  \
             \x1b[1m\x1b[1;31m预训练\x1b[0m\x1b[1m\u{FFFD}]0;pwned\u{FFFD}笔记\x1b[0m  \
             \x1b[2m2024-09-18\x1b[0m  \x1b[2m[LLM, 讲座]\x1b[0m\n  \
             大模型的\x1b[1;31m预训练\x1b[0m是个工程活\u{FFFD}\n"
        );
    }

    #[test]
    fn json_escapes_every_control_character() {
        let mut out = Vec::new();
        json(&mut out, &[hit()], Path::new("/notes")).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\n'),
            "{line:?}"
        );
        assert!(line.contains("\\u001b]0;pwned\\u0007"), "{line}");
        assert!(line.contains("\\u009b"), "{line}");
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["path"], "corpus/ml/a.md");
        assert_eq!(value["category"], "review");
        assert_eq!(value["snippet"]["matches"][0]["start"], 12);
        assert_eq!(
            value["snippet"]["text"].as_str().unwrap().chars().last(),
            Some('\u{9b}')
        );
    }
}
