//! One note file to the fields that get indexed.
//!
//! Decoding, front matter and Markdown each live in their own module; this
//! one puts them together and applies the rules that need all three (the
//! title falls back to the first heading, then to the file name). It never
//! fails: whatever is wrong with a note becomes a warning, and the note is
//! indexed as well as it can be.

use crate::decode::decode;
use crate::frontmatter::{self, FrontMatter};
use crate::markdown;

/// A parsed note.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Note {
    /// Front matter title, else first heading, else file stem.
    pub title: String,
    /// The front matter as read (its `title` may be missing; `title` above
    /// is the one to show).
    pub front: FrontMatter,
    /// Clean body text, line-aligned with the body (see `markdown`).
    pub text: String,
    /// Heading texts.
    pub headings: Vec<String>,
    /// 1-based line of the file where the body (and `text`) starts.
    pub body_line: usize,
    /// What was wrong with the note.
    pub warnings: Vec<String>,
}

/// Parses a note file's bytes; `stem` is the file name without extension.
pub fn parse_note(bytes: &[u8], stem: &str) -> Note {
    let decoded = decode(bytes);
    let mut warnings = decoded.warnings;
    let split = frontmatter::split(&decoded.text);
    warnings.extend(split.warning.clone());
    let fm = match split.block {
        Some((format, raw)) => {
            let (fm, fm_warnings) = frontmatter::parse(format, raw);
            warnings.extend(fm_warnings);
            fm
        }
        None => FrontMatter::default(),
    };
    let body = markdown::to_text(split.body);
    let title = fm
        .title
        .clone()
        .or_else(|| body.headings.first().cloned())
        .unwrap_or_else(|| stem.to_string());
    Note {
        title,
        front: fm,
        text: body.text,
        headings: body.headings,
        body_line: split.body_line,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_note() {
        let md = "---\ntitle: 讲座笔记\ndate: 2024-09-18\ntags: [\"讲座\"]\ncategory: review\n---\n## 预训练\n预训练是个工程活。\n";
        let note = parse_note(md.as_bytes(), "lecture");
        assert_eq!(note.title, "讲座笔记");
        assert_eq!(note.front.date.as_ref().unwrap().iso, "2024-09-18");
        assert_eq!(note.front.tags, vec!["讲座"]);
        assert_eq!(note.front.categories, vec!["review"]);
        assert_eq!(note.body_line, 7);
        assert_eq!(note.text, "预训练\n预训练是个工程活。");
        assert!(note.warnings.is_empty());
    }

    #[test]
    fn title_falls_back_to_heading_then_stem() {
        assert_eq!(
            parse_note("正文\n# 第一个标题\n".as_bytes(), "x").title,
            "第一个标题"
        );
        assert_eq!(parse_note("只有正文".as_bytes(), "文件名").title, "文件名");
        assert_eq!(parse_note(b"", "empty").title, "empty");
    }

    /// Random mixes of the pieces that make parsers stumble: no input may
    /// panic, and the clean text always stays line-aligned (never more
    /// lines than the file).
    #[test]
    fn random_garbage_never_panics() {
        const PIECES: &[&[u8]] = &[
            b"---\n",
            b"+++\n",
            b"...\n",
            b"title: ",
            b"tags: [a, ",
            b"]\n",
            b"date: 2024-13-45\n",
            b"\r\n",
            b"\r",
            b"\n",
            b"\0",
            b"\xEF\xBB\xBF",
            b"\xFF\xFE",
            b"\xC3",
            b"\xE9\xA2",
            "预训练".as_bytes(),
            "｜".as_bytes(),
            b"<font color=red>",
            b"</font>",
            b"<!--",
            b"-->",
            b"<script>",
            b"```",
            b"    code",
            b"| a | b |\n",
            b"|---|---|\n",
            b"![alt](x.png)",
            b"[link](http://x)",
            b"&amp;",
            b"&#xFFFFFF;",
            b"# ",
            b"> ",
            b"* ",
            b"1. ",
            b"$$",
            b"\\",
            b"\x1b[31m",
            "\u{202E}".as_bytes(),
            "e\u{301}".as_bytes(),
            "😀".as_bytes(),
            b"= \"x\"\n",
        ];
        let mut rng = crate::testing::Rng::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..3000 {
            let bytes = rng.concat(PIECES, 40);
            let note = parse_note(&bytes, "fuzz");
            let file_lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
            assert!(
                note.body_line + note.text.lines().count() <= file_lines + 1,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn bad_notes_still_yield_text_and_warnings() {
        let mut bytes = b"---\ntitle: [broken\n---\n".to_vec();
        let (gbk, _, _) = encoding_rs::GBK.encode("中文正文");
        bytes.extend_from_slice(&gbk);
        let note = parse_note(&bytes, "bad");
        assert_eq!(note.text, "中文正文");
        assert_eq!(note.warnings.len(), 2, "{:?}", note.warnings);
    }
}
