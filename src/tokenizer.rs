//! The two analyzers the index uses, as tantivy tokenizers.
//!
//! * **words** (`ns_words`): jieba search-mode words for Han runs, stemmed
//!   lower-case words for the rest, for the short zones (title, tags,
//!   categories, path, headings, other front matter). Ranking by zone comes
//!   from here: a word is a unit a reader would recognise. The body is not
//!   analysed into words: its bigrams rank it as well (measured: same MRR)
//!   for 30% less indexing time.
//! * **grams** (`ns_grams`): every pair of adjacent CJK characters and the
//!   last character of each CJK run, plus each word unstemmed, with
//!   positions. Recall comes from here: any string of two or more CJK
//!   characters is a phrase of bigrams, so a query finds it wherever it
//!   occurs — inside a longer dictionary word or across a word boundary —
//!   exactly as grep would. A lone character is found as a prefix (a bigram
//!   starting with it, or a run's last character), which is why only the
//!   last character of a run needs a unigram: half the tokens of indexing
//!   every character. A word whose stem differs from it also gets its stem,
//!   marked `#startup`, at the same position: `startups` then finds
//!   `Startup` while a quoted "startup" still matches only that word.
//!
//! Both normalise first (see `normalize`) and report byte offsets into the
//! original text (jieba counts characters; tantivy wants bytes). tantivy does
//! not store custom tokenizers with an index, so [`register`] must run on
//! every create and every open.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::Index;

use crate::dict::Segmenter;
use crate::normalize::{collect, normalize_with_offsets, runs, NormChar, RunKind};

/// Name under which the words analyzer is registered.
pub const WORDS_TOKENIZER: &str = "ns_words";
/// The words analyzer for the path field, which also counts the documents
/// the indexing threads have taken up (one path per document).
pub const PATH_TOKENIZER: &str = "ns_path";
/// Name under which the grams analyzer is registered.
pub const GRAMS_TOKENIZER: &str = "ns_grams";

/// Longer "words" (base64 blobs, hashes) are not indexed: nobody searches
/// for them whole, and they bloat the term dictionary.
pub const MAX_WORD_CHARS: usize = 64;

/// Marks a stem in the grams field; no word token can start with it.
pub const STEM_MARKER: char = '#';

/// Registers the analyzers on `index`.
pub fn register(index: &Index, segmenter: Segmenter) {
    register_counting(index, segmenter, Arc::default());
}

/// Registers the analyzers; `taken_up` counts the documents tantivy's
/// indexing threads have started on, which lets the indexer keep the
/// queue of parsed documents short (tantivy queues up to 10,000).
pub fn register_counting(index: &Index, segmenter: Segmenter, taken_up: Arc<AtomicUsize>) {
    let manager = index.tokenizers();
    let words = WordsTokenizer { segmenter };
    manager.register(
        PATH_TOKENIZER,
        PathTokenizer {
            words: words.clone(),
            taken_up,
        },
    );
    manager.register(WORDS_TOKENIZER, words);
    manager.register(GRAMS_TOKENIZER, GramsTokenizer);
}

/// The grams term for the stem of a word.
pub fn stem_term(word: &str) -> String {
    format!("{STEM_MARKER}{}", stem(word))
}

/// Stems a lower-case word (English Snowball).
///
/// Words repeat a lot (code identifiers above all: 1.2 M words, 39 k
/// distinct in the sample corpora), so stems are memoised per thread.
pub fn stem(word: &str) -> String {
    thread_local! {
        static STEMMER: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        static CACHE: RefCell<FxHashMap<String, String>> = RefCell::new(FxHashMap::default());
    }
    if word.ends_with(['+', '#']) {
        // `c++`, `c#`: names, not English.
        return word.to_string();
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(word).cloned()) {
        return hit;
    }
    let stemmed = STEMMER.with(|s| s.stem(word).into_owned());
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= 100_000 {
            cache.clear();
        }
        cache.insert(word.to_string(), stemmed.clone());
    });
    stemmed
}

/// A token before it becomes a tantivy `Token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The term text.
    pub text: String,
    /// Position (phrase queries compare differences of positions).
    pub position: usize,
    /// Byte range in the original text.
    pub from: usize,
    /// End of the byte range.
    pub to: usize,
}

/// Tokens of one text, their texts packed in one string: two allocations
/// per field value instead of one per token (indexing makes ~10 M tokens).
#[derive(Debug, Default)]
pub struct TokenBuffer {
    text: String,
    spans: Vec<Span>,
}

#[derive(Clone, Copy, Debug)]
struct Span {
    text_end: u32,
    position: u32,
    from: u32,
    to: u32,
}

impl TokenBuffer {
    /// Adds a token made of normalised characters.
    fn push_chars(&mut self, chars: &[NormChar], position: usize) {
        self.text.extend(chars.iter().map(|c| c.ch));
        self.finish(position, chars[0].from, chars[chars.len() - 1].to);
    }

    /// Adds a token with a computed text (a stem).
    fn push_str(&mut self, text: &str, position: usize, from: u32, to: u32) {
        self.text.push_str(text);
        self.finish(position, from, to);
    }

    fn finish(&mut self, position: usize, from: u32, to: u32) {
        self.spans.push(Span {
            text_end: self.text.len() as u32,
            position: position as u32,
            from,
            to,
        });
    }

    /// The tokens as owned pieces.
    pub fn pieces(&self) -> Vec<Piece> {
        let mut start = 0;
        self.spans
            .iter()
            .map(|s| {
                let text = self.text[start..s.text_end as usize].to_string();
                start = s.text_end as usize;
                Piece {
                    text,
                    position: s.position as usize,
                    from: s.from as usize,
                    to: s.to as usize,
                }
            })
            .collect()
    }
}

/// The words analysis of `text` (see the module doc).
pub fn word_tokens(segmenter: &Segmenter, text: &str) -> TokenBuffer {
    let chars = normalize_with_offsets(text);
    let mut out = TokenBuffer::default();
    let mut run_text = String::new();
    let mut position = 0;
    for run in runs(&chars) {
        match run.kind {
            RunKind::Cjk => {
                run_text.clear();
                run_text.extend(chars[run.start..run.end].iter().map(|c| c.ch));
                for (s, e) in segmenter.search_words(&run_text) {
                    out.push_chars(&chars[run.start + s..run.start + e], position);
                    position += 1;
                }
            }
            RunKind::Word if run.end - run.start <= MAX_WORD_CHARS => {
                // `c++` is also `c`, at the same position.
                let base_end = Some(run.end - run.suffix).filter(|_| run.suffix > 0);
                for end in [base_end, Some(run.end)].into_iter().flatten() {
                    run_text.clear();
                    run_text.extend(chars[run.start..end].iter().map(|c| c.ch));
                    let (from, to) = (chars[run.start].from, chars[end - 1].to);
                    out.push_str(&stem(&run_text), position, from, to);
                }
                position += 1;
            }
            RunKind::Word => {}
        }
    }
    out
}

/// The words analysis of `text`, as pieces.
pub fn word_pieces(segmenter: &Segmenter, text: &str) -> Vec<Piece> {
    word_tokens(segmenter, text).pieces()
}

/// The grams analysis of `text`: for a CJK run of n characters at position p,
/// the pair (i, i+1) is at p+i and the last character alone at p+n-1; the
/// next run starts at p+n, one further if something separated them. Words
/// take one position, shared with their marked stem when it differs.
pub fn gram_tokens(text: &str) -> TokenBuffer {
    let chars = normalize_with_offsets(text);
    let mut out = TokenBuffer::default();
    let mut word = String::new();
    let mut position = 0;
    for run in runs(&chars) {
        if run.separated {
            position += 1;
        }
        match run.kind {
            RunKind::Cjk => {
                for i in run.start..run.end - 1 {
                    out.push_chars(&chars[i..i + 2], position + i - run.start);
                }
                let last = run.end - 1;
                out.push_chars(&chars[last..run.end], position + last - run.start);
                position += run.end - run.start;
            }
            RunKind::Word => {
                if run.end - run.start <= MAX_WORD_CHARS {
                    let span = &chars[run.start..run.end - run.suffix];
                    out.push_chars(span, position);
                    word.clear();
                    word.extend(span.iter().map(|c| c.ch));
                    let stemmed = stem(&word);
                    if stemmed != word {
                        word.clear();
                        word.push(STEM_MARKER);
                        word.push_str(&stemmed);
                        out.push_str(&word, position, span[0].from, span[span.len() - 1].to);
                    }
                    if run.suffix > 0 {
                        // `c++` is also `c`, at the same position.
                        out.push_chars(&chars[run.start..run.end], position);
                    }
                }
                position += 1;
            }
        }
    }
    out
}

/// The grams analysis of `text`, as pieces.
pub fn gram_pieces(text: &str) -> Vec<Piece> {
    gram_tokens(text).pieces()
}

/// What a text must contain, at relative positions in the grams field, to
/// contain a string exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    /// Terms and their relative positions.
    pub terms: Vec<(usize, String)>,
    /// The last term is a lone CJK character at the end of the string: the
    /// text may continue the run, so it matches any term it begins.
    pub last_is_prefix: bool,
}

/// The [`Phrase`] for `normalized` (already normalised): bigrams for CJK
/// runs, words as they are. Matched against `gram_pieces`, this is
/// substring search.
pub fn phrase_terms(normalized: &str) -> Phrase {
    let chars = normalize_with_offsets(normalized);
    let mut terms = Vec::new();
    let mut position = 0;
    let mut last_is_prefix = false;
    for run in runs(&chars) {
        if run.separated {
            position += 1;
        }
        let len = run.end - run.start;
        last_is_prefix = false;
        match run.kind {
            RunKind::Cjk if len == 1 => {
                terms.push((position, collect(&chars, run.start, run.end)));
                last_is_prefix = true;
            }
            RunKind::Cjk => {
                for i in run.start..run.end - 1 {
                    terms.push((position + i - run.start, collect(&chars, i, i + 2)));
                }
            }
            RunKind::Word => terms.push((position, collect(&chars, run.start, run.end))),
        }
        position += match run.kind {
            RunKind::Cjk => len,
            RunKind::Word => 1,
        };
    }
    Phrase {
        terms,
        last_is_prefix,
    }
}

/// A tantivy token stream over a [`TokenBuffer`].
pub struct BufferStream {
    buffer: TokenBuffer,
    next: usize,
    text_start: usize,
    token: Token,
}

impl BufferStream {
    fn new(buffer: TokenBuffer) -> Self {
        BufferStream {
            buffer,
            next: 0,
            text_start: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for BufferStream {
    fn advance(&mut self) -> bool {
        let Some(span) = self.buffer.spans.get(self.next) else {
            return false;
        };
        self.next += 1;
        let end = span.text_end as usize;
        self.token.text.clear();
        self.token
            .text
            .push_str(&self.buffer.text[self.text_start..end]);
        self.text_start = end;
        self.token.position = span.position as usize;
        self.token.offset_from = span.from as usize;
        self.token.offset_to = span.to as usize;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The words analyzer (see the module doc).
#[derive(Clone)]
pub struct WordsTokenizer {
    segmenter: Segmenter,
}

impl Tokenizer for WordsTokenizer {
    type TokenStream<'a> = BufferStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferStream {
        BufferStream::new(word_tokens(&self.segmenter, text))
    }
}

/// The words analyzer, counting the texts it is given.
#[derive(Clone)]
pub struct PathTokenizer {
    words: WordsTokenizer,
    taken_up: Arc<AtomicUsize>,
}

impl Tokenizer for PathTokenizer {
    type TokenStream<'a> = BufferStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferStream {
        self.taken_up.fetch_add(1, AtomicOrdering::Relaxed);
        self.words.token_stream(text)
    }
}

/// The grams analyzer (see the module doc).
#[derive(Clone)]
pub struct GramsTokenizer;

impl Tokenizer for GramsTokenizer {
    type TokenStream<'a> = BufferStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferStream {
        BufferStream::new(gram_tokens(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::{full_jieba, parse_user_dict, resolve_user_dict};
    use std::sync::OnceLock;

    fn segmenter() -> &'static Segmenter {
        static S: OnceLock<Segmenter> = OnceLock::new();
        S.get_or_init(|| {
            let (user, _) = parse_user_dict("后训练 2000 n\n");
            Segmenter::new(full_jieba(&resolve_user_dict(&user)))
        })
    }

    fn triples(pieces: &[Piece]) -> Vec<(&str, usize, usize)> {
        pieces
            .iter()
            .map(|p| (p.text.as_str(), p.from, p.to))
            .collect()
    }

    #[test]
    fn word_offsets_are_bytes_of_the_original() {
        let text = "现在后训练反而是技术活";
        let pieces = word_pieces(segmenter(), text);
        for p in &pieces {
            assert_eq!(&text[p.from..p.to], p.text, "{p:?}");
        }
        // Search mode puts sub-words before the word that contains them.
        assert_eq!(
            triples(&pieces)[..3],
            [("现在", 0, 6), ("训练", 9, 15), ("后训练", 6, 15)],
            "{pieces:?}"
        );
    }

    #[test]
    fn words_mixed_with_english_are_lowercased_and_stemmed() {
        let text = "用 Startups 做 killer app！";
        let pieces = word_pieces(segmenter(), text);
        assert_eq!(
            triples(&pieces),
            vec![
                ("用", 0, 3),
                ("startup", 4, 12),
                ("做", 13, 16),
                ("killer", 17, 23),
                ("app", 24, 27),
            ]
        );
    }

    #[test]
    fn search_mode_emits_sub_words_with_their_own_offsets() {
        let text = "中华人民共和国";
        let pieces = word_pieces(segmenter(), text);
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert!(texts.contains(&"中华"), "{texts:?}");
        assert!(texts.contains(&"中华人民共和国"), "{texts:?}");
        let whole = pieces.iter().find(|p| p.text == "共和国").unwrap();
        assert_eq!((whole.from, whole.to), (12, 21));
    }

    #[test]
    fn traditional_text_is_indexed_as_simplified_with_original_offsets() {
        let text = "預訓練";
        let pieces = gram_pieces(text);
        assert_eq!(
            triples(&pieces),
            vec![("预训", 0, 6), ("训练", 3, 9), ("练", 6, 9)]
        );
    }

    #[test]
    fn gram_positions_leave_gaps_between_separated_runs() {
        let pieces = gram_pieces("Go语言 和");
        let got: Vec<(&str, usize)> = pieces
            .iter()
            .map(|p| (p.text.as_str(), p.position))
            .collect();
        assert_eq!(got, vec![("go", 0), ("语言", 1), ("言", 2), ("和", 4)]);
    }

    fn terms(text: &str) -> (Vec<(usize, &'static str)>, bool) {
        let p = phrase_terms(text);
        let terms = p
            .terms
            .into_iter()
            .map(|(pos, t)| (pos, &*Box::leak(t.into_boxed_str())))
            .collect();
        (terms, p.last_is_prefix)
    }

    #[test]
    fn phrase_terms_line_up_with_gram_positions() {
        assert_eq!(terms("线程池"), (vec![(0, "线程"), (1, "程池")], false));
        assert_eq!(terms("go语言"), (vec![(0, "go"), (1, "语言")], false));
        assert_eq!(
            terms("killer app"),
            (vec![(0, "killer"), (2, "app")], false)
        );
        // "线程 池": the lone 池 sits three positions after 线程 starts, and
        // may begin a longer run in the text.
        assert_eq!(terms("线程 池"), (vec![(0, "线程"), (3, "池")], true));
        assert_eq!(terms("池"), (vec![(0, "池")], true));
        // A lone character before a word ends its run: no prefix needed.
        assert_eq!(terms("池a"), (vec![(0, "池"), (1, "a")], false));
    }

    #[test]
    fn grams_carry_marked_stems_where_they_differ() {
        let pieces = gram_pieces("Startups startup");
        let got: Vec<(&str, usize)> = pieces
            .iter()
            .map(|p| (p.text.as_str(), p.position))
            .collect();
        assert_eq!(got, vec![("startups", 0), ("#startup", 0), ("startup", 2)]);
        assert_eq!(stem_term("STARTUPS".to_lowercase().as_str()), "#startup");
    }

    #[test]
    fn a_plus_plus_or_sharp_name_is_its_word_too() {
        let pieces = gram_pieces("C++与C#");
        let got: Vec<(&str, usize, usize, usize)> = pieces
            .iter()
            .map(|p| (p.text.as_str(), p.position, p.from, p.to))
            .collect();
        assert_eq!(
            got,
            vec![
                ("c", 0, 0, 1),
                ("c++", 0, 0, 3),
                ("与", 1, 3, 6),
                ("c", 2, 6, 7),
                ("c#", 2, 6, 8),
            ]
        );
        let words = word_pieces(segmenter(), "学 C++ 和 Notepad++");
        assert_eq!(
            triples(&words),
            vec![
                ("学", 0, 3),
                ("c", 4, 5),
                ("c++", 4, 7),
                ("和", 8, 11),
                ("notepad", 12, 19),
                ("notepad++", 12, 21),
            ]
        );
        assert_eq!(terms("C++"), (vec![(0, "c++")], false));
    }

    #[test]
    fn overlong_words_are_dropped_but_keep_their_position() {
        let long = "x".repeat(MAX_WORD_CHARS + 1);
        let pieces = gram_pieces(&format!("a {long} b"));
        let got: Vec<(&str, usize)> = pieces
            .iter()
            .map(|p| (p.text.as_str(), p.position))
            .collect();
        assert_eq!(got, vec![("a", 0), ("b", 4)]);
    }
}
