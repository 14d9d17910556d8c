//! What a parsed query means in the index: tantivy queries, filters, and
//! what to highlight.
//!
//! Every term is compiled to two kinds of clause:
//!
//! * **Recall** (must match): each of the term's words as an exact phrase of
//!   CJK bigrams in the `grams` field, so a note is found whenever its text
//!   contains the word, wherever word boundaries fall. Latin words match
//!   whole, exactly or by stem. An unspaced Chinese term (`预训练模型`)
//!   requires all of its words; a single character jieba split off a word
//!   it does not know stays joined to its neighbour (预训练, not 预 + 训练).
//! * **Ranking** (should match): BM25 on the jieba word fields with zone
//!   boosts (title over tags, categories and path over headings over other
//!   front matter), the recall clause's own BM25 (the body's say: how often
//!   and how rarely the string occurs), and a boost when the whole term
//!   occurs as one exact string, more in the title. Notes containing every
//!   unspaced multi-word term exactly form a first tier.
//!
//! The query is segmented with a dictionary pruned to its own words (see
//! `dict`), so a query never builds the full jieba dictionary. Running the
//! query is `search`'s business.

use std::ops::Bound;

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use crate::dict::{pruned_jieba, Segmenter};
use crate::normalize::{collect, is_cjk, normalize, normalize_with_offsets, runs, RunKind};
use crate::query::{Expr, Scope};
use crate::schema::Fields;
use crate::snippet::Needle;
use crate::store::OpenIndex;
use crate::tokenizer::{phrase_terms, stem, stem_term, Phrase, MAX_WORD_CHARS};
use crate::verify::{self, CheckedPhrase};

/// Zone boosts for the jieba word fields.
const TITLE_BOOST: f32 = 4.0;
/// The path's words weigh like tags: file names describe notes.
const PATH_BOOST: f32 = 2.0;
const TAGS_BOOST: f32 = 2.5;
const HEADINGS_BOOST: f32 = 1.5;
const META_BOOST: f32 = 0.75;
/// Boost for a multi-word term found as one exact string.
const PHRASE_BOOST: f32 = 2.0;
/// Boost for a term found as one exact string in the title.
const TITLE_PHRASE_BOOST: f32 = 2.0;
/// Weight of the recall clause's own score: exact substring BM25 over all
/// the text, the only score the body contributes (tuned on the development
/// set: 2–4 is a plateau).
const RECALL_WEIGHT: f32 = 3.0;

/// Restrictions on which notes may match, beside the query itself.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// Include drafts.
    pub drafts: bool,
    /// Every one of these tags (compared normalised).
    pub tags: Vec<String>,
    /// Every one of these categories (compared normalised).
    pub categories: Vec<String>,
    /// Date on or after.
    pub after: Option<DateTime<Utc>>,
    /// Date strictly before.
    pub before: Option<DateTime<Utc>>,
}

/// A compiled query, ready to run, with what it will highlight and a
/// description of how it was understood (`--explain`).
pub struct Compiled {
    /// The tantivy query, filters included.
    pub query: Box<dyn Query>,
    /// What to highlight.
    pub needles: Vec<Needle>,
    /// The query term each needle comes from (for `--explain`).
    pub needle_labels: Vec<String>,
    /// Notes matching this too come first: every unspaced multi-word term
    /// found as one exact string (`预训练模型` before 预训练 … 模型).
    pub exact_tier: Option<Box<dyn Query>>,
    /// How each term was normalised, segmented and searched.
    pub explain: Vec<String>,
}

/// The pruned segmenter for the Han runs of `expr`.
pub fn query_segmenter(open: &OpenIndex, expr: &Expr) -> Segmenter {
    let mut han_runs = Vec::new();
    collect_runs(expr, &mut han_runs);
    let jieba = pruned_jieba(han_runs.iter().map(String::as_str), &open.meta.dict);
    Segmenter::new(jieba)
}

fn collect_runs(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Term { text, .. } => {
            let chars = normalize_with_offsets(text);
            for run in runs(&chars) {
                if run.kind == RunKind::Cjk {
                    out.push(collect(&chars, run.start, run.end));
                }
            }
        }
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect_runs(e, out)),
        Expr::Not(inner) => collect_runs(inner, out),
    }
}

/// Compiles `expr` and `filters` against the index.
pub fn compile(
    open: &OpenIndex,
    segmenter: &Segmenter,
    expr: &Expr,
    filters: &Filters,
) -> Result<Compiled> {
    let mut compiler = Compiler {
        fields: &open.fields,
        segmenter,
        needles: Vec::new(),
        needle_labels: Vec::new(),
        exact_phrases: Vec::new(),
        explain: Vec::new(),
    };
    let Some(main) = compiler.expr(expr, false) else {
        bail!("the query has nothing to search for (only punctuation?): give at least one word");
    };
    let f = &open.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    if !filters.drafts {
        clauses.push((
            Occur::MustNot,
            term_query(Term::from_field_bool(f.draft, true)),
        ));
        compiler
            .explain
            .push("filter: drafts excluded (--drafts includes them)".into());
    }
    for tag in &filters.tags {
        clauses.push((
            Occur::Must,
            term_query(Term::from_field_text(f.tag_key, &normalize(tag))),
        ));
        compiler
            .explain
            .push(format!("filter: tag = {}", normalize(tag)));
    }
    for category in &filters.categories {
        let key = normalize(category);
        clauses.push((
            Occur::Must,
            term_query(Term::from_field_text(f.category_key, &key)),
        ));
        compiler.explain.push(format!("filter: category = {key}"));
    }
    if filters.after.is_some() || filters.before.is_some() {
        let bound = |d: Option<DateTime<Utc>>, inclusive: bool| match d {
            None => Bound::Unbounded,
            Some(d) => {
                let term = Term::from_field_date_for_search(
                    f.date_ts,
                    tantivy::DateTime::from_timestamp_secs(d.timestamp()),
                );
                if inclusive {
                    Bound::Included(term)
                } else {
                    Bound::Excluded(term)
                }
            }
        };
        clauses.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                bound(filters.after, true),
                bound(filters.before, false),
            )),
        ));
        compiler.explain.push(format!(
            "filter: date in [{}, {})",
            filters.after.map_or("-inf".into(), |d| d.to_rfc3339()),
            filters.before.map_or("+inf".into(), |d| d.to_rfc3339())
        ));
    }
    Ok(Compiled {
        query: Box::new(BooleanQuery::new(clauses)),
        exact_tier: exact_tier(expr, compiler.exact_phrases),
        needles: compiler.needles,
        needle_labels: compiler.needle_labels,
        explain: compiler.explain,
    })
}

/// A word of a query term after normalisation and segmentation.
#[derive(Clone, Debug, PartialEq, Eq)]
struct QueryWord {
    /// What must occur: a jieba word, or several joined (see [`chunk`]).
    text: String,
    /// The jieba words inside `text`, for ranking on the word fields.
    parts: Vec<String>,
    latin: bool,
    /// A function word (see [`is_stop_word`]).
    stop: bool,
}

/// Joins jieba's words of one Han run into the units a query requires.
///
/// jieba splits words its dictionary lacks into pieces (预训练 → 预 训练,
/// 线程池 → 线程 池, 高可用 → 高 可用), and a lone 预 required anywhere in
/// a note is noise, not meaning. So a single character is joined to the
/// word before or after it (function words excepted), and the joined string
/// must then occur as it is. Real multi-character words (预训练 模型) stay
/// separate units.
fn chunk(words: Vec<String>) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    for word in words {
        let stop = is_stop_word(&word);
        let single = word.chars().count() == 1;
        if let Some(last) = out.last_mut() {
            let last_single = last.parts.len() == 1 && last.text.chars().count() == 1;
            if !stop && !last.stop && (single || last_single) {
                last.text.push_str(&word);
                last.parts.push(word);
                continue;
            }
        }
        out.push(QueryWord {
            text: word.clone(),
            parts: vec![word],
            latin: false,
            stop,
        });
    }
    out
}

/// Question words, particles and the like: they carry little meaning, and a
/// note answering "traceId 怎么生成" need not contain 怎么.
fn is_stop_word(word: &str) -> bool {
    const STOP_WORDS: &[&str] = &[
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "之",
        "等",
        "是",
        "有",
        "在",
        "和",
        "与",
        "及",
        "或",
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "什么",
        "为什么",
        "为何",
        "哪些",
        "哪个",
        "哪里",
        "是否",
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "what",
        "when",
        "where",
        "which",
        "why",
        "with",
    ];
    STOP_WORDS.contains(&word)
}

struct Compiler<'a> {
    fields: &'a Fields,
    segmenter: &'a Segmenter,
    needles: Vec<Needle>,
    needle_labels: Vec<String>,
    exact_phrases: Vec<Box<dyn Query>>,
    explain: Vec<String>,
}

impl Compiler<'_> {
    fn expr(&mut self, expr: &Expr, negated: bool) -> Option<Box<dyn Query>> {
        match expr {
            Expr::Term { scope, text, exact } => self.term(*scope, text, *exact, negated),
            Expr::And(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for item in items {
                    let (occur, inner) = match item {
                        Expr::Not(inner) => (Occur::MustNot, self.expr(inner, !negated)),
                        other => (Occur::Must, self.expr(other, negated)),
                    };
                    if let Some(q) = inner {
                        clauses.push((occur, q));
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    if clauses.is_empty() {
                        return None;
                    }
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Expr::Or(items) => {
                let clauses: Vec<(Occur, Box<dyn Query>)> = items
                    .iter()
                    .filter_map(|item| self.expr(item, negated))
                    .map(|q| (Occur::Should, q))
                    .collect();
                (!clauses.is_empty())
                    .then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
            }
            Expr::Not(inner) => {
                let inner = self.expr(inner, !negated)?;
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                    (Occur::MustNot, inner),
                ])))
            }
        }
    }

    fn term(
        &mut self,
        scope: Scope,
        text: &str,
        exact: bool,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let norm = normalize(text);
        let f = *self.fields;
        let label = format!(
            "{}{}{}",
            if negated { "NOT " } else { "" },
            match scope {
                Scope::All => "",
                Scope::Title => "title:",
                Scope::Tag => "tag:",
                Scope::Category => "category:",
            },
            if exact {
                format!("\"{text}\"")
            } else {
                text.to_string()
            }
        );
        match scope {
            Scope::Tag | Scope::Category => {
                let key = norm.trim();
                if key.is_empty() {
                    return None;
                }
                let field = if scope == Scope::Tag {
                    f.tag_key
                } else {
                    f.category_key
                };
                self.explain.push(format!(
                    "{label}: whole {} equal to `{key}`",
                    if scope == Scope::Tag {
                        "tag"
                    } else {
                        "category"
                    }
                ));
                return Some(term_query(Term::from_field_text(field, key)));
            }
            Scope::All | Scope::Title => {}
        }
        let words = self.words(&norm);
        if words.is_empty() {
            self.explain
                .push(format!("{label}: no searchable words, ignored"));
            return None;
        }
        let (grams_field, in_title) = match scope {
            Scope::Title => (f.title_grams, true),
            _ => (f.grams, false),
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut explained = Vec::new();
        if exact {
            let terms = phrase_terms(&norm);
            let mut phrase = phrase_query(grams_field, &terms)?;
            if verify::needs_check(&norm) {
                // The stored texts that make up the grams field.
                let stored: &[Field] = if in_title {
                    &[f.title]
                } else {
                    &[f.path, f.title, f.tags, f.categories, f.meta, f.text]
                };
                phrase = Box::new(CheckedPhrase::new(phrase, &norm, stored));
            }
            clauses.push((Occur::Must, boost(phrase, RECALL_WEIGHT)));
            explained.push(format!(
                "exact string `{norm}` ({} grams)",
                terms.terms.len()
            ));
            if !negated {
                self.needles.push(Needle::Substring(norm.clone()));
                self.needle_labels.push(label.clone());
            }
        } else {
            // Function words (的, 怎么, how, the) are optional when the term
            // has other words: "traceId 怎么生成" should find notes on
            // generating trace IDs that never ask "how".
            let only_stop_words = words.iter().all(|w| w.stop);
            for word in &words {
                let occur = if word.stop && !only_stop_words {
                    Occur::Should
                } else {
                    Occur::Must
                };
                clauses.push((occur, boost(self.recall(word, grams_field)?, RECALL_WEIGHT)));
            }
            if !negated {
                self.needles.push(term_needle(&norm, &words));
                self.needle_labels.push(label.clone());
            }
            explained.push(format!(
                "segmented [{}]",
                words
                    .iter()
                    .flat_map(|w| w.parts.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
            explained.push(format!(
                "must occur [{}]{}",
                words
                    .iter()
                    .map(|w| if w.stop && !only_stop_words {
                        format!("{}?", w.text)
                    } else {
                        w.text.clone()
                    })
                    .collect::<Vec<_>>()
                    .join(" | "),
                if in_title { " in the title" } else { "" }
            ));
            if !only_stop_words && words.iter().any(|w| w.stop) {
                explained.push("? marks optional function words".into());
            }
        }
        for word in &words {
            clauses.extend(self.ranking(word, in_title));
        }
        let terms = phrase_terms(&norm);
        if !in_title && words.len() > 1 && !exact {
            if let Some(q) = phrase_query(f.grams, &terms) {
                clauses.push((Occur::Should, boost(q.box_clone(), PHRASE_BOOST)));
                if !negated {
                    self.exact_phrases.push(q);
                }
                explained.push(format!("notes with `{norm}` as one string first"));
            }
        }
        if let Some(q) = phrase_query(f.title_grams, &terms) {
            clauses.push((Occur::Should, boost(q, TITLE_PHRASE_BOOST)));
        }
        self.explain.push(format!(
            "{label}: normalised `{norm}`; {}",
            explained.join("; ")
        ));
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Normalised words of a term: jieba words for CJK runs, whole words for
    /// the rest.
    fn words(&self, norm: &str) -> Vec<QueryWord> {
        let chars = normalize_with_offsets(norm);
        let mut out = Vec::new();
        for run in runs(&chars) {
            let text = collect(&chars, run.start, run.end);
            match run.kind {
                RunKind::Cjk => {
                    let char_starts: Vec<usize> = text
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain([text.len()])
                        .collect();
                    let words = self
                        .segmenter
                        .words(&text)
                        .into_iter()
                        .map(|(s, e)| text[char_starts[s]..char_starts[e]].to_string())
                        .filter(|w| w.chars().any(is_cjk))
                        .collect();
                    out.extend(chunk(words));
                }
                RunKind::Word if run.end - run.start <= MAX_WORD_CHARS => out.push(QueryWord {
                    stop: is_stop_word(&text),
                    parts: vec![text.clone()],
                    text,
                    latin: true,
                }),
                RunKind::Word => {}
            }
        }
        out
    }

    /// The clause a word must satisfy for a note to match: its bigrams in
    /// order for CJK, and for a Latin word any form with the same stem
    /// (the stem itself, or another form, which carries the marked stem).
    fn recall(&self, word: &QueryWord, grams_field: Field) -> Option<Box<dyn Query>> {
        if !word.latin {
            return phrase_query(grams_field, &phrase_terms(&word.text));
        }
        let options: Vec<(Occur, Box<dyn Query>)> = [stem(&word.text), stem_term(&word.text)]
            .into_iter()
            .map(|t| {
                (
                    Occur::Should,
                    term_query(Term::from_field_text(grams_field, &t)),
                )
            })
            .collect();
        Some(Box::new(BooleanQuery::new(options)))
    }

    /// BM25 clauses that rank notes by where the word's jieba words occur.
    fn ranking(&self, word: &QueryWord, in_title: bool) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let zones: &[(Field, f32)] = if in_title {
            &[(f.title, TITLE_BOOST)]
        } else {
            &[
                (f.title, TITLE_BOOST),
                (f.tags, TAGS_BOOST),
                (f.path_words, PATH_BOOST),
                (f.categories, TAGS_BOOST),
                (f.headings, HEADINGS_BOOST),
                (f.meta, META_BOOST),
            ]
        };
        let mut clauses = Vec::new();
        for part in &word.parts {
            let text = if word.latin { stem(part) } else { part.clone() };
            for &(field, b) in zones {
                clauses.push((
                    Occur::Should,
                    boost(term_query(Term::from_field_text(field, &text)), b),
                ));
            }
        }
        clauses
    }
}

/// The exact-string tier of a query made only of ANDed terms (with or
/// without exclusions); under OR, "every term exactly" has no clear meaning.
fn exact_tier(expr: &Expr, phrases: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    fn conjunctive(expr: &Expr) -> bool {
        match expr {
            Expr::Term { .. } | Expr::Not(_) => true,
            Expr::And(items) => items.iter().all(conjunctive),
            Expr::Or(_) => false,
        }
    }
    if phrases.is_empty() || !conjunctive(expr) {
        return None;
    }
    Some(Box::new(BooleanQuery::new(
        phrases.into_iter().map(|q| (Occur::Must, q)).collect(),
    )))
}

/// What to highlight for a term: the whole term where it occurs, else its
/// words.
fn term_needle(norm: &str, words: &[QueryWord]) -> Needle {
    let word_needle = |w: &QueryWord| {
        // `c++` is not an English word to stem but a string to find.
        if w.latin && !w.text.ends_with(['+', '#']) {
            Needle::Word(w.text.clone())
        } else {
            Needle::Substring(w.text.clone())
        }
    };
    // Function words are not worth marking on their own.
    let meaningful: Vec<&QueryWord> = words.iter().filter(|w| !w.stop).collect();
    let parts: Vec<&QueryWord> = if meaningful.is_empty() {
        words.iter().collect()
    } else {
        meaningful
    };
    match words {
        [only] => word_needle(only),
        _ => Needle::Term {
            whole: Box::new(Needle::Substring(norm.trim().to_string())),
            parts: parts.into_iter().map(word_needle).collect(),
        },
    }
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn boost(query: Box<dyn Query>, factor: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, factor))
}

/// A query matching `phrase` in `field`: exact substring search on grams.
fn phrase_query(field: Field, phrase: &Phrase) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = phrase
        .terms
        .iter()
        .map(|(p, t)| (*p, Term::from_field_text(field, t)))
        .collect();
    match (terms.len(), phrase.last_is_prefix) {
        (0, _) => None,
        (1, false) => Some(term_query(terms[0].1.clone())),
        (_, true) => {
            let mut q = PhrasePrefixQuery::new_with_offset(terms);
            // Every term beginning with the character counts, not the
            // first 50 (tantivy's default).
            q.set_max_expansions(u32::MAX);
            Some(Box::new(q))
        }
        (_, false) => Some(Box::new(PhraseQuery::new_with_offset(terms))),
    }
}
