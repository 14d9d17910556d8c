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
    /// Inside `<…>`: what follows the `<` so far, and the open quote if any.
    Tag {
        raw: String,
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
                        raw: String::new(),
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
                        raw: end[1..].to_string(),
                        quote: None,
                    };
                    end.len()
                } else {
                    c.len_utf8()
                }
            }
            State::Tag { raw, quote } => {
                match (*quote, c) {
                    (Some(q), c) if c == q => *quote = None,
                    (None, '"' | '\'') if raw.contains(char::is_whitespace) => *quote = Some(c),
                    (None, '>') => {
                        let raw = std::mem::take(raw);
                        self.state = close_tag(&raw, out);
                        return 1;
                    }
                    _ => {}
                }
                raw.push(c);
                c.len_utf8()
            }
        }
    }
}

/// Ends a tag: writes the text a reader would see of it (`alt` and
/// `title` attributes, a space for block-level tags) and says what comes
/// next (raw text after `<script>` and `<style>`).
fn close_tag(raw: &str, out: &mut String) -> State {
    let name_end = raw
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphanumeric() || (c == '/' && i == 0)))
        .map_or(raw.len(), |(i, _)| i);
    let name = raw[..name_end].to_ascii_lowercase();
    let bare = name.trim_start_matches('/');
    let separate = !INLINE_TAGS.contains(&bare);
    let space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with([' ', '\n']) {
            out.push(' ');
        }
    };
    if separate {
        space(out);
    }
    for value in visible_attributes(&raw[name_end..]) {
        space(out);
        out.push_str(&html_to_text(&value));
        space(out);
    }
    match name.as_str() {
        "script" => State::Raw("</script"),
        "style" => State::Raw("</style"),
        _ => State::Text,
    }
}

/// Values of the `alt` and `title` attributes in a tag's attribute text.
fn visible_attributes(attrs: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        if name_len == 0 {
            return out;
        }
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            continue;
        };
        let after_eq = after_eq.trim_start();
        let (value, remaining) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => match after_eq[1..].find(q) {
                Some(end) => (&after_eq[1..1 + end], &after_eq[end + 2..]),
                None => (&after_eq[1..], ""),
            },
            _ => {
                let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                (&after_eq[..end], &after_eq[end..])
            }
        };
        let visible = name.eq_ignore_ascii_case("alt") || name.eq_ignore_ascii_case("title");
        if visible && !value.trim().is_empty() {
            out.push(value.trim().to_string());
        }
        rest = remaining;
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
    fn alt_and_title_attributes_are_text() {
        assert_eq!(
            html_to_text("<img alt=\"蚂蚁集团\" src=\"https://x/y.png\" height=\"60\" />下文"),
            "蚂蚁集团 下文"
        );
        assert_eq!(
            html_to_text("看<abbr title='Retrieval &amp; Generation'>RAG</abbr>"),
            "看 Retrieval & Generation RAG"
        );
        assert_eq!(html_to_text("<a href=x.html>链接</a>"), "链接");
    }

    #[test]
    fn quoted_angle_brackets_stay_inside_the_tag() {
        assert_eq!(html_to_text("<img alt=\"a>b\" src=x>文字"), "a>b 文字");
    }
}
