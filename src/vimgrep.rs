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
            out.push((i + 1, column, strip_controls(line)));
        }
    }
    out
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
}
