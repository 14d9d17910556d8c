//! HTML inside Markdown, reduced to the text a reader sees.
//!
//! Notes are full of `<font color=…>重点</font>`, `<div align=center>`,
//! `<details>` and `<!-- comments -->`. Search wants the words, not the tags:
//! tags and comments go, `<script>`/`<style>` contents go, entities are
//! decoded, and block-level tags leave a space so that table cells or list
//! items do not run together. pulldown-cmark hands HTML over in pieces (a
//! line at a time, inline tags one by one), so the stripper keeps its state
//! between calls: a comment may open in one piece and close in another.

/// Streaming HTML-to-text state.
#[derive(Debug, Default)]
pub struct HtmlText {
    state: State,
}

#[derive(Debug, Default, PartialEq)]
enum State {
    #[default]
    Text,
    /// Inside `<…>`; the tag's name so far, and the open quote if any.
    Tag {
        name: String,
        name_done: bool,
        quote: Option<char>,
    },
    Comment,
    /// Inside `<script>` or `<style>`: skip to the closing tag.
    Raw(&'static str),
}

/// Tags that do not break a word: `<font>重点</font>` must stay `重点`.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "code", "del", "em", "font", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "var",
];

impl HtmlText {
    /// Appends the text of an HTML piece to `out`.
    pub fn feed(&mut self, html: &str, out: &mut String) {
        let mut rest = html;
        while let Some(c) = rest.chars().next() {
            let len = self.step(c, rest, out);
            rest = &rest[len..];
        }
    }

    /// Consumes one step of input starting with `c`; returns bytes consumed.
    fn step(&mut self, c: char, rest: &str, out: &mut String) -> usize {
        match &mut self.state {
            State::Text => match c {
                '<' if rest.starts_with("<!--") => {
                    self.state = State::Comment;
                    4
                }
                '<' if rest[1..].starts_with(|n: char| {
                    n.is_ascii_alphabetic() || n == '/' || n == '!' || n == '?'
                }) =>
                {
                    self.state = State::Tag {
                        name: String::new(),
                        name_done: false,
                        quote: None,
                    };
                    1
                }
                '&' => {
                    let (text, len) = decode_entity(rest);
                    out.push_str(&text);
                    len
                }
                _ => {
                    out.push(c);
                    c.len_utf8()
                }
            },
            State::Comment => {
                if rest.starts_with("-->") {
                    self.state = State::Text;
                    3
                } else {
                    c.len_utf8()
                }
            }
            State::Raw(end) => {
                let end = *end;
                if rest.len() >= end.len()
                    && rest.is_char_boundary(end.len())
                    && rest[..end.len()].eq_ignore_ascii_case(end)
                {
                    self.state = State::Tag {
                        name: String::new(),
                        name_done: true,
                        quote: None,
                    };
                    end.len()
                } else {
                    c.len_utf8()
                }
            }
            State::Tag {
                name,
                name_done,
                quote,
            } => {
                match (*quote, c) {
                    (Some(q), c) if c == q => *quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') if *name_done => *quote = Some(c),
                    (None, '>') => {
                        let name = std::mem::take(name).to_ascii_lowercase();
                        self.state = match name.as_str() {
                            "script" => State::Raw("</script"),
                            "style" => State::Raw("</style"),
                            _ => State::Text,
                        };
                        let bare = name.trim_start_matches('/');
                        if !INLINE_TAGS.contains(&bare)
                            && !out.ends_with([' ', '\n'])
                            && !out.is_empty()
                        {
                            out.push(' ');
                        }
                    }
                    (None, c) if !*name_done => {
                        if c.is_ascii_alphanumeric() || (c == '/' && name.is_empty()) {
                            name.push(c);
                        } else {
                            *name_done = true;
                        }
                    }
                    _ => {}
                }
                c.len_utf8()
            }
        }
    }
}

/// Decodes the entity at the start of `text` (which starts with `&`).
/// Unknown or malformed entities stay as they are.
fn decode_entity(text: &str) -> (String, usize) {
    let literal = ("&".to_string(), 1);
    let Some(end) = text[1..].find(';').map(|i| i + 1).filter(|&i| i <= 12) else {
        return literal;
    };
    let name = &text[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" | "ensp" | "emsp" => Some(' '),
        _ => {
            let number =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    name.strip_prefix('#').and_then(|d| d.parse().ok())
                };
            number.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => literal,
    }
}

/// The text of a complete HTML fragment.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    HtmlText::default().feed(html, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_tags_vanish_without_a_gap() {
        assert_eq!(
            html_to_text("就容易形成<font color=\"#dd0000\">killer app</font>，"),
            "就容易形成killer app，"
        );
    }

    #[test]
    fn block_tags_separate_and_comments_go() {
        assert_eq!(
            html_to_text("<table><tr><td>甲</td><td>乙</td></tr></table><!-- 注释 -->丙"),
            "甲 乙 丙"
        );
    }

    #[test]
    fn comments_may_span_pieces() {
        let mut h = HtmlText::default();
        let mut out = String::new();
        h.feed("前<!-- 开始\n", &mut out);
        h.feed("中间 -->后", &mut out);
        assert_eq!(out, "前后");
    }

    #[test]
    fn script_and_style_are_dropped() {
        assert_eq!(
            html_to_text("a<script>var x = '<b>';</script>b<style>p{}</style>c"),
            "a b c"
        );
    }

    #[test]
    fn entities_and_stray_angles() {
        assert_eq!(
            html_to_text("a &amp; b &lt;c&gt; &#x4E2D;&#25991; &bogus; 1 < 2"),
            "a & b <c> 中文 &bogus; 1 < 2"
        );
    }

    #[test]
    fn quoted_angle_brackets_stay_inside_the_tag() {
        assert_eq!(html_to_text("<img alt=\"a>b\" src=x>文字"), "文字");
    }
}
