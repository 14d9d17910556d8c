//! Markdown body to clean, searchable text.
//!
//! pulldown-cmark parses; this module keeps the words a reader sees
//! (headings, paragraphs, lists, tables, quotes, code, math, image alt text,
//! the text inside HTML) and drops the rest (markup, link targets, HTML tags
//! and comments).
//!
//! The clean text is **line-aligned** with the source: line *k* of the text
//! holds what line *k* of the Markdown shows, and lines of pure markup are
//! empty. So a match's line in the file is simply its line in the text, with
//! no map to store, and a snippet can name `path:line` exactly.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::html::HtmlText;

/// The searchable content of a Markdown body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    /// Clean text, line-aligned with the Markdown it came from.
    pub text: String,
    /// The text of every heading, in order.
    pub headings: Vec<String>,
}

/// Converts a Markdown body to [`Body`].
pub fn to_text(markdown: &str) -> Body {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', markdown.as_bytes()).map(|i| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset) - 1;

    let mut writer = LineWriter::default();
    let mut html = HtmlText::default();
    let mut headings = Vec::new();
    let mut heading: Option<String> = None;
    let mut scratch = String::new();

    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let line = line_of(range.start);
        let text: &str = match &event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => t,
            Event::Html(t) | Event::InlineHtml(t) => {
                scratch.clear();
                html.feed(t, &mut scratch);
                &scratch
            }
            Event::Start(Tag::Heading { .. }) => {
                heading = Some(String::new());
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    let h = h.trim().to_string();
                    if !h.is_empty() {
                        headings.push(h);
                    }
                }
                writer.boundary();
                continue;
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::TableCell
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::HtmlBlock
                | TagEnd::Image
                | TagEnd::FootnoteDefinition
                | TagEnd::DefinitionListTitle
                | TagEnd::DefinitionListDefinition,
            ) => {
                writer.boundary();
                continue;
            }
            _ => continue,
        };
        if let Some(h) = heading.as_mut() {
            h.push_str(text);
        }
        writer.write_at(line, text);
    }
    Body {
        text: writer.out,
        headings,
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_DEFINITION_LIST
}

/// Appends text at a given source line, padding with newlines so that the
/// output stays line-aligned, and a space between blocks on one line.
#[derive(Default)]
struct LineWriter {
    out: String,
    line: usize,
    need_space: bool,
}

impl LineWriter {
    fn write_at(&mut self, line: usize, text: &str) {
        if text.is_empty() {
            return;
        }
        if line > self.line {
            for _ in self.line..line {
                self.out.push('\n');
            }
            self.line = line;
        } else if self.need_space && !self.out.ends_with([' ', '\n']) && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.need_space = false;
        self.out.push_str(text);
        self.line += memchr::memchr_iter(b'\n', text.as_bytes()).count();
    }

    fn boundary(&mut self) {
        self.need_space = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(md: &str) -> String {
        to_text(md).text
    }

    #[test]
    fn keeps_words_and_drops_markup() {
        let md = "## 资源瓶颈\n以前跑**训练**模型就像“炼丹”，见[文档](https://example.com/x)。\n";
        assert_eq!(text(md), "资源瓶颈\n以前跑训练模型就像“炼丹”，见文档。");
    }

    #[test]
    fn lines_stay_aligned_with_the_source() {
        let md = "# 标题\n\n---\n\n+ 第一项\n+ 第二项\n\n```python\ndef train(model, data):\n    pass\n```\n结尾\n";
        let got = text(md);
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], "标题");
        assert_eq!(lines[4], "第一项");
        assert_eq!(lines[5], "第二项");
        assert_eq!(lines[8], "def train(model, data):");
        assert_eq!(lines[9], "    pass");
        assert_eq!(lines[11], "结尾");
    }

    #[test]
    fn tables_keep_cells_apart() {
        let md = "| 模型 | 参数 |\n| --- | --- |\n| BERT | 110M |\n";
        assert_eq!(text(md), "模型 参数\n\nBERT 110M");
    }

    #[test]
    fn images_keep_alt_text_and_html_keeps_its_text() {
        let md = "![预训练损失曲线](loss.png)\n贴合习惯就容易形成<font color=\"#dd0000\">killer app</font>。<!-- 待补充 -->\n";
        assert_eq!(text(md), "预训练损失曲线\n贴合习惯就容易形成killer app。");
    }

    #[test]
    fn html_blocks_and_quotes() {
        let md = "<div align=\"center\">\n<p>居中的文字</p>\n</div>\n\n> 引用一句话\n";
        assert_eq!(text(md), "\n居中的文字 \n\n\n引用一句话");
    }

    #[test]
    fn headings_are_collected() {
        let body = to_text("# 一\n正文\n## 二 `code`\n");
        assert_eq!(body.headings, vec!["一", "二 code"]);
    }

    #[test]
    fn inline_code_and_math_are_text() {
        assert_eq!(
            text("用 `cargo build` 和 $E=mc^2$"),
            "用 cargo build 和 E=mc^2"
        );
    }
}
