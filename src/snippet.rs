//! Snippets: the passage of a note that best shows why it matched, with the
//! matched words marked.
//!
//! tantivy's snippet generator would need the jieba analyzer at query time
//! (the ~100 ms we refuse to pay) and counts its limit in bytes (150 bytes is
//! 50 Chinese characters). This one searches the normalised text for the
//! query's needles directly, so highlights agree with what matched: CJK
//! strings as substrings, words as whole words compared by stem. It picks the
//! window with the most distinct needles, then the most matches, counts
//! length in characters, merges touching and overlapping highlights into one
//! span (预训练 is one highlight, never 预|训练), and turns control
//! characters into U+FFFD so that no note can drive the terminal.

use std::ops::Range;

use crate::normalize::{is_word_char, normalize_char};
use crate::tokenizer::stem;

/// Characters of text a snippet aims for.
pub const SNIPPET_CHARS: usize = 100;
/// Characters a highlight may run past `SNIPPET_CHARS` to finish.
const MAX_OVERRUN: usize = 16;
/// Characters of context kept before the first match, when the match is far
/// into its line.
const LEAD_CHARS: usize = 20;

/// Something to highlight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Needle {
    /// A normalised string found anywhere (CJK words, exact phrases). Word
    /// characters at its edges must be at word boundaries in the text.
    Substring(String),
    /// A whole word, compared by its stem (`startups` finds `Startup`).
    Word(String),
    /// A query term of several words: where the text contains the whole
    /// term, only that is marked; elsewhere its words are.
    Term {
        /// The whole term (a `Substring`).
        whole: Box<Needle>,
        /// Its words.
        parts: Vec<Needle>,
    },
}

/// A snippet and where its highlights are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The passage, on one line, whitespace collapsed.
    pub text: String,
    /// Byte ranges of highlights in `text`, sorted, disjoint, not touching.
    pub matches: Vec<Range<usize>>,
    /// 0-based line of `text`'s source where the first highlight (or the
    /// passage) starts.
    pub line: usize,
}

/// Every highlight range (original byte offsets) of `needles` in `text`,
/// merged.
pub fn find_matches(text: &str, needles: &[Needle]) -> Vec<Range<usize>> {
    if needles.is_empty() || text.is_empty() {
        return Vec::new();
    }
    let mut haystack = Haystack::new(text);
    let mut ranges = Vec::new();
    for needle in needles {
        ranges.extend(haystack.find(needle));
    }
    ranges.sort_by_key(|r| (r.start, r.end));
    merge(ranges)
}

/// Normalised text to search, built once per text.
///
/// Most characters keep their UTF-8 length when normalised (ASCII stays
/// ASCII, a Chinese character stays a 3-byte character), so offsets in the
/// two texts differ only by what the few others (full-width punctuation,
/// ligatures) add or remove. Those few are recorded; everything else is
/// arithmetic.
struct Haystack {
    normalized: String,
    /// Characters whose normalised form has another length: their byte
    /// ranges in the normalised and in the original text, in order.
    shifts: Vec<Shift>,
}

#[derive(Clone, Debug)]
struct Shift {
    normalized: Range<usize>,
    original: Range<usize>,
}

impl Haystack {
    fn new(text: &str) -> Self {
        let mut normalized = String::with_capacity(text.len());
        let mut shifts = Vec::new();
        for (at, c) in text.char_indices() {
            let before = normalized.len();
            normalize_char(c, |n| normalized.push(n));
            if normalized.len() - before != c.len_utf8() {
                shifts.push(Shift {
                    normalized: before..normalized.len(),
                    original: at..at + c.len_utf8(),
                });
            }
        }
        Haystack { normalized, shifts }
    }

    /// The original offset of a normalised offset that starts (`end` false)
    /// or ends (`end` true) a match.
    fn original_offset(&self, at: usize, end: bool) -> usize {
        // The last character of changed length that starts before `at`.
        let i = self.shifts.partition_point(|s| s.normalized.start < at);
        match i.checked_sub(1).map(|i| &self.shifts[i]) {
            None => at,
            // `at` falls inside it: widen to the whole original character.
            Some(s) if at < s.normalized.end => {
                if end {
                    s.original.end
                } else {
                    s.original.start
                }
            }
            Some(s) => s.original.end + (at - s.normalized.end),
        }
    }

    /// The original byte range of a normalised byte range.
    fn original(&self, range: Range<usize>) -> Range<usize> {
        self.original_offset(range.start, false)..self.original_offset(range.end, true)
    }

    /// Whether a match at `range` of the normalised text starts and ends at
    /// word boundaries wherever its own edge is a word character.
    fn at_word_boundaries(&self, range: &Range<usize>) -> bool {
        let text = &self.normalized;
        let first = text[range.clone()].chars().next();
        let last = text[range.clone()].chars().next_back();
        let before = text[..range.start].chars().next_back();
        let after = text[range.end..].chars().next();
        let edge_ok = |edge: Option<char>, neighbour: Option<char>| {
            !edge.is_some_and(is_word_char) || !neighbour.is_some_and(is_word_char)
        };
        edge_ok(first, before) && edge_ok(last, after)
    }

    /// Original byte ranges where `needle` occurs.
    fn find(&mut self, needle: &Needle) -> Vec<Range<usize>> {
        match needle {
            Needle::Substring(s) if !s.is_empty() => {
                memchr::memmem::find_iter(self.normalized.as_bytes(), s.as_bytes())
                    .map(|at| at..at + s.len())
                    .filter(|r| self.at_word_boundaries(r))
                    .map(|r| self.original(r))
                    .collect()
            }
            Needle::Substring(_) => Vec::new(),
            Needle::Word(w) => {
                let target = stem(w);
                // English stemming only rewrites endings: a word can only
                // share the target's stem if it starts with the same letter,
                // which spares stemming every word of a code-heavy note.
                let first = target.chars().next();
                words(&self.normalized)
                    .filter(|(_, word)| word.chars().next() == first && stem(word) == target)
                    .map(|(range, _)| self.original(range))
                    .collect()
            }
            Needle::Term { whole, parts } => {
                let found = self.find(whole);
                if !found.is_empty() {
                    return found;
                }
                parts.iter().flat_map(|p| self.find(p)).collect()
            }
        }
    }
}

/// The words of normalised text with their byte ranges.
fn words(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut start = None;
    text.char_indices()
        .chain([(text.len(), ' ')])
        .filter_map(move |(i, c)| match (start, is_word_char(c)) {
            (None, true) => {
                start = Some(i);
                None
            }
            (Some(s), false) => {
                start = None;
                Some((s..i, &text[s..i]))
            }
            _ => None,
        })
}

/// Merges overlapping and touching ranges (sorted by start).
pub fn merge(ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The best snippet of `text` for `needles`.
pub fn snippet(text: &str, needles: &[Needle]) -> Snippet {
    let matches = find_matches(text, needles);
    let start = match best_window(text, &matches) {
        Some(first) => window_start(text, matches[first].start),
        None => first_content(text),
    };
    render(text, start, &matches)
}

/// Index of the match that starts the best window: the one whose following
/// `SNIPPET_CHARS` characters cover the most distinct matched strings, then
/// the most matches; the earliest on ties.
fn best_window(text: &str, matches: &[Range<usize>]) -> Option<usize> {
    if matches.is_empty() {
        return None;
    }
    let positions = char_positions(text, matches.iter().map(|m| m.start));
    let words: Vec<String> = matches
        .iter()
        .map(|m| crate::normalize::normalize(&text[m.clone()]))
        .collect();
    let mut best = (0usize, 0usize, 0usize);
    let mut best_index = 0;
    for i in 0..matches.len() {
        let mut distinct: Vec<&str> = Vec::new();
        let mut count = 0;
        for j in i..matches.len() {
            if positions[j] - positions[i] > SNIPPET_CHARS - LEAD_CHARS {
                break;
            }
            if !distinct.contains(&words[j].as_str()) {
                distinct.push(&words[j]);
            }
            count += 1;
        }
        let score = (distinct.len(), count, usize::MAX - i);
        if score > best {
            best = score;
            best_index = i;
        }
    }
    Some(best_index)
}

/// Character index of each byte offset (offsets ascending).
fn char_positions(text: &str, offsets: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut chars = 0;
    let mut byte = 0;
    for offset in offsets {
        chars += text[byte..offset].chars().count();
        byte = offset;
        out.push(chars);
    }
    out
}

/// Where a snippet around a match at `at` begins: the start of its line if
/// that is at most `LEAD_CHARS` characters back, else `LEAD_CHARS` before.
fn window_start(text: &str, at: usize) -> usize {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut start = at;
    for (n, (i, _)) in text[line_start..at].char_indices().rev().enumerate() {
        if n == LEAD_CHARS {
            return start;
        }
        start = line_start + i;
    }
    line_start
}

/// Start of the first line with visible text.
fn first_content(text: &str) -> usize {
    let first = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(0, |(i, _)| i);
    text[..first].rfind('\n').map_or(0, |i| i + 1)
}

/// Builds the one-line snippet from `start`, collapsing whitespace and
/// replacing control characters, and maps highlight ranges into it.
fn render(text: &str, start: usize, matches: &[Range<usize>]) -> Snippet {
    let line = text[..start].matches('\n').count();
    let mut out = String::new();
    let mut out_matches: Vec<Range<usize>> = Vec::new();
    let mut count = 0;
    let mut pending_space = false;
    let mut m = matches.partition_point(|r| r.end <= start);
    let mut open: Option<usize> = None;
    let mut first_match_line = None;
    if start > 0 && !text[..start].ends_with('\n') {
        out.push('…');
        count += 1;
    }
    let mut truncated = false;
    for (i, c) in text[start..].char_indices() {
        let at = start + i;
        if let Some(o) = open {
            if at >= matches[m].end {
                out_matches.push(o..out.len());
                open = None;
                m += 1;
            }
        }
        // A highlight in progress may finish, within reason: a run of
        // touching matches is one span and could be as long as the note.
        let limit = if open.is_some() {
            SNIPPET_CHARS + MAX_OVERRUN
        } else {
            SNIPPET_CHARS
        };
        if count >= limit {
            truncated = !text[at..].trim().is_empty();
            break;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty() && !out.ends_with('…');
            continue;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if open.is_none() && m < matches.len() && at >= matches[m].start {
            open = Some(out.len());
            first_match_line.get_or_insert_with(|| text[..at].matches('\n').count());
        }
        out.push(if c.is_control() || is_format_control(c) {
            '\u{FFFD}'
        } else {
            c
        });
        count += 1;
    }
    if let Some(o) = open {
        out_matches.push(o..out.len());
    }
    if truncated {
        out.push('…');
    }
    Snippet {
        text: out,
        matches: merge(out_matches),
        line: first_match_line.unwrap_or(line),
    }
}

/// Invisible characters that reorder or hide text (bidi controls).
pub fn is_format_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &Snippet) -> String {
        let mut out = String::new();
        let mut last = 0;
        for r in &s.matches {
            out.push_str(&s.text[last..r.start]);
            out.push('[');
            out.push_str(&s.text[r.clone()]);
            out.push(']');
            last = r.end;
        }
        out.push_str(&s.text[last..]);
        out
    }

    fn sub(s: &str) -> Needle {
        Needle::Substring(s.into())
    }

    #[test]
    fn adjacent_words_merge_into_one_highlight() {
        let s = snippet("大模型的预训练模型很贵", &[sub("预训练"), sub("模型")]);
        assert_eq!(marked(&s), "大[模型]的[预训练模型]很贵");
    }

    #[test]
    fn a_whole_term_outranks_its_scattered_words() {
        let term = Needle::Term {
            whole: Box::new(sub("线程池")),
            parts: vec![sub("线程"), sub("池")],
        };
        let s = snippet("线程和池，以及线程池", std::slice::from_ref(&term));
        assert_eq!(marked(&s), "线程和池，以及[线程池]");
        let s = snippet("线程和池", &[term]);
        assert_eq!(marked(&s), "[线程]和[池]");
    }

    #[test]
    fn overlapping_needles_do_not_panic_and_merge() {
        let s = snippet(
            "预训练",
            &[sub("预训"), sub("训练"), sub("预训练"), sub("练")],
        );
        assert_eq!(marked(&s), "[预训练]");
        assert_eq!(merge(vec![0..3, 1..2, 2..5, 7..8, 8..9]), vec![0..5, 7..9]);
    }

    #[test]
    fn a_match_next_to_full_width_punctuation_stops_before_it() {
        let s = snippet("预训练，好（ｏｋ）", &[sub("预训练"), sub("好")]);
        assert_eq!(marked(&s), "[预训练]，[好]（ｏｋ）");
        let s = snippet("ﬁne ﬁle", &[Needle::Word("file".into())]);
        assert_eq!(marked(&s), "ﬁne [ﬁle]");
    }

    #[test]
    fn offsets_survive_characters_that_change_length() {
        let s = snippet(
            "用ｋｉｌｌｅｒ ａｐｐ做预训练",
            &[sub("killer app"), sub("预训练")],
        );
        assert_eq!(marked(&s), "用[ｋｉｌｌｅｒ ａｐｐ]做[预训练]");
        let s = snippet("ＳＴＡＲＴＵＰＳ rise", &[Needle::Word("startup".into())]);
        assert_eq!(marked(&s), "[ＳＴＡＲＴＵＰＳ] rise");
    }

    #[test]
    fn traditional_text_is_highlighted_for_a_simplified_query() {
        let s = snippet("他說預訓練很重要", &[sub("预训练")]);
        assert_eq!(marked(&s), "他說[預訓練]很重要");
    }

    #[test]
    fn words_match_whole_and_by_stem() {
        let s = snippet(
            "Startups and startup culture; restart",
            &[Needle::Word("startups".into())],
        );
        assert_eq!(marked(&s), "[Startups] and [startup] culture; restart");
        let s = snippet("apple app apps", &[sub("app")]);
        assert_eq!(marked(&s), "apple [app] apps");
    }

    #[test]
    fn length_is_counted_in_characters() {
        let text = format!("{}预训练{}", "甲".repeat(500), "乙".repeat(500));
        let s = snippet(&text, &[sub("预训练")]);
        let chars = s.text.chars().count();
        assert!((80..=122).contains(&chars), "{chars}: {}", s.text);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert_eq!(&s.text[s.matches[0].clone()], "预训练");
    }

    #[test]
    fn best_window_prefers_more_distinct_terms() {
        let text = format!(
            "模型在这里。\n{}\n预训练和模型都在这一行。",
            "无关的句子。".repeat(40)
        );
        let s = snippet(&text, &[sub("预训练"), sub("模型")]);
        assert_eq!(s.line, 2);
        assert_eq!(marked(&s), "[预训练]和[模型]都在这一行。");
    }

    #[test]
    fn whitespace_collapses_and_controls_are_replaced() {
        let s = snippet("第一行\n\n\n  第二\x1b[31m行\x07 预训练", &[sub("预训练")]);
        assert_eq!(marked(&s), "第二\u{FFFD}[31m行\u{FFFD} [预训练]");
        assert_eq!(s.line, 3);
        let s = snippet("第一行\n\n\n预训练", &[sub("预训练")]);
        assert_eq!(marked(&s), "[预训练]");
    }

    #[test]
    fn no_match_gives_the_beginning() {
        let s = snippet("\n\n  正文开头。\n第二行", &[sub("不存在")]);
        assert_eq!(s.text, "正文开头。 第二行");
        assert!(s.matches.is_empty());
        assert_eq!(s.line, 2);
    }

    #[test]
    fn a_note_that_is_one_long_match_still_gives_a_short_snippet() {
        let s = snippet(&"预训练".repeat(1000), &[sub("预训练")]);
        assert!(
            s.text.chars().count() <= SNIPPET_CHARS + MAX_OVERRUN + 1,
            "{}",
            s.text.chars().count()
        );
        assert_eq!(s.matches.len(), 1);
    }

    #[test]
    fn random_texts_and_needles_never_panic() {
        const PIECES: &[&str] = &[
            "预训练",
            "預訓練",
            "训练",
            "模型",
            "ｋｉｌｌｅｒ",
            "killer",
            " ",
            "\n",
            "，",
            "ﬁ",
            "İ",
            "e\u{301}",
            "😀",
            "\x1b",
            "startups",
            "Startup",
            "㎏",
            "\u{FF01}",
            "a",
            "_",
        ];
        let mut state = 0xD1B5_4A32_D192_ED03u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut pick = |n: u64| -> String {
                (0..n)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            };
            let text = pick(60);
            let needles = vec![
                sub(&crate::normalize::normalize(&pick(2))),
                Needle::Word("startups".into()),
                Needle::Term {
                    whole: Box::new(sub("预训练模型")),
                    parts: vec![sub("预训练"), sub("模型")],
                },
            ];
            let s = snippet(&text, &needles);
            for r in &s.matches {
                assert!(
                    s.text.is_char_boundary(r.start) && s.text.is_char_boundary(r.end),
                    "{text:?}"
                );
            }
            assert!(
                s.text.chars().count() <= SNIPPET_CHARS + MAX_OVERRUN + 2,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_huge_single_line_gives_a_short_snippet() {
        let text = format!("{}线程池{}", "x ".repeat(2_000_000), "y".repeat(100));
        let s = snippet(&text, &[sub("线程池")]);
        assert!(s.text.chars().count() <= 122, "{}", s.text.chars().count());
        assert_eq!(&s.text[s.matches[0].clone()], "线程池");
    }
}
