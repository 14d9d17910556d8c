//! `--vimgrep`: one `path:line:column:text` line per matching line, the
//! format vim's `grepprg`/quickfix, fzf and editors expect.
//!
//! Lines and columns must point into the file as it is on disk, not into the
//! cleaned text, so the matching notes are re-read and their raw lines
//! searched with the same needles as the snippets. The column counts
//! characters from 1. Control characters are removed from the text.

use std::io::{self, Write};
use std::path::Path;

use crate::decode::decode;
use crate::printer::display_path;
use crate::search::Hit;
use crate::snippet::{find_matches, is_format_control, Needle};

/// Writes the vimgrep lines of `hits`.
pub fn print(out: &mut impl Write, hits: &[Hit], needles: &[Needle], cwd: &Path) -> io::Result<()> {
    for hit in hits {
        let path = display_path(&hit.abs, cwd);
        let path = strip_controls(&path.to_string_lossy());
        let lines = match std::fs::read(&hit.abs) {
            Ok(bytes) => matching_lines(&decode(&bytes).text, needles),
            Err(_) => Vec::new(),
        };
        if lines.is_empty() {
            // The file is gone or the match was elsewhere (a tag, say):
            // still name the note, at its snippet.
            writeln!(
                out,
                "{path}:{}:1:{}",
                hit.line,
                strip_controls(&hit.snippet.text)
            )?;
        }
        for (line, column, text) in lines {
            writeln!(out, "{path}:{line}:{column}:{text}")?;
        }
    }
    Ok(())
}

/// `(line, column, text)` for every line of `text` with a match; 1-based,
/// column in characters.
pub fn matching_lines(text: &str, needles: &[Needle]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let matches = find_matches(line, needles);
        if let Some(first) = matches.first() {
            let column = line[..first.start].chars().count() + 1;
            out.push((i + 1, column, strip_controls(&excerpt(line, column - 1))));
        }
    }
    out
}

/// The longest line text printed; a minified or generated line of megabytes
/// would otherwise flood vim's quickfix list or fzf. Like ripgrep's
/// `--max-columns`, but with the match kept in view.
const MAX_LINE_CHARS: usize = 400;

/// Context kept before the first match when a long line is cut.
const LEAD_CHARS: usize = 80;

/// `line` itself, or a `MAX_LINE_CHARS` window of it around the character
/// `first_match`, with `…` where it was cut. Only the printed text is cut:
/// the line and column still point into the file.
fn excerpt(line: &str, first_match: usize) -> std::borrow::Cow<'_, str> {
    let chars = line.chars().count();
    if chars <= MAX_LINE_CHARS {
        return line.into();
    }
    let start = first_match
        .saturating_sub(LEAD_CHARS)
        .min(chars - MAX_LINE_CHARS);
    let kept: String = line.chars().skip(start).take(MAX_LINE_CHARS).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if start + MAX_LINE_CHARS < chars {
        "…"
    } else {
        ""
    };
    format!("{before}{kept}{after}").into()
}

/// Removes control and bidi characters (tabs become spaces).
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() || is_format_control(c) => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_character_columns() {
        let text = "---\ntitle: 预训练\n---\n正文里的预训练\x1b[0m和\t别的\n无关";
        let got = matching_lines(text, &[Needle::Substring("预训练".into())]);
        assert_eq!(
            got,
            vec![
                (2, 8, "title: 预训练".to_string()),
                (4, 5, "正文里的预训练[0m和 别的".to_string()),
            ]
        );
    }

    #[test]
    fn a_huge_line_is_cut_around_its_first_match() {
        let line = format!("{}预训练{}", "甲".repeat(1000), "乙".repeat(1000));
        let got = matching_lines(&line, &[Needle::Substring("预训练".into())]);
        let expected = format!(
            "…{}预训练{}…",
            "甲".repeat(LEAD_CHARS),
            "乙".repeat(MAX_LINE_CHARS - LEAD_CHARS - 3)
        );
        assert_eq!(got, vec![(1, 1001, expected)]);
    }

    #[test]
    fn a_long_line_ending_in_its_match_shows_its_end() {
        let line = format!("{}end", "x ".repeat(300));
        let got = matching_lines(&line, &[Needle::Substring("end".into())]);
        let expected = format!("…{}end", &"x ".repeat(300)[(603 - MAX_LINE_CHARS)..600]);
        assert_eq!(got, vec![(1, 601, expected)]);
    }
}
