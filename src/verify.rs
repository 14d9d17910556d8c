//! Exact strings with punctuation in them.
//!
//! The grams field keeps letters, digits and CJK characters only, so the
//! phrase query for `"线程池，"` finds every `线程池`, comma or not. A quoted
//! string is a promise of exactly the notes that contain it, so when the
//! string holds punctuation or symbols, the phrase query only proposes
//! candidates and each is checked against the note's stored text (after the
//! same normalisation, with runs of whitespace counted as one space: a line
//! break in the stored text is a space in the query).
//! Strings of letters, digits and CJK characters alone need no check: the
//! grams phrase is already exact for them.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, Value};
use tantivy::store::StoreReader;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyDocument, Term, TERMINATED};

use crate::normalize::{is_cjk, is_word_char, normalize, one_line};

/// Stored-document blocks kept decompressed per segment while checking.
const STORE_CACHE_BLOCKS: usize = 16;

/// Whether the exact string `norm` (normalised) needs its candidates checked:
/// it holds something the grams field does not index.
pub fn needs_check(norm: &str) -> bool {
    norm.chars()
        .any(|c| !c.is_whitespace() && !is_word_char(c) && !is_cjk(c))
}

/// `candidates`, keeping only documents whose stored `fields` contain
/// `norm`.
#[derive(Debug)]
pub struct CheckedPhrase {
    candidates: Box<dyn Query>,
    needle: Arc<str>,
    fields: Arc<[Field]>,
}

impl CheckedPhrase {
    /// Checks the documents of `candidates` for the normalised `norm` in
    /// the stored `fields`.
    pub fn new(candidates: Box<dyn Query>, norm: &str, fields: &[Field]) -> Self {
        CheckedPhrase {
            candidates,
            needle: one_line(norm).into(),
            fields: fields.into(),
        }
    }
}

impl Clone for CheckedPhrase {
    fn clone(&self) -> Self {
        CheckedPhrase {
            candidates: self.candidates.box_clone(),
            needle: self.needle.clone(),
            fields: self.fields.clone(),
        }
    }
}

impl Query for CheckedPhrase {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CheckedWeight {
            candidates: self.candidates.weight(scoring)?,
            needle: self.needle.clone(),
            fields: self.fields.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.candidates.query_terms(visitor);
    }
}

struct CheckedWeight {
    candidates: Box<dyn Weight>,
    needle: Arc<str>,
    fields: Arc<[Field]>,
}

impl CheckedWeight {
    fn check(&self, reader: &SegmentReader) -> tantivy::Result<Check> {
        Ok(Check {
            store: reader.get_store_reader(STORE_CACHE_BLOCKS)?,
            needle: self.needle.clone(),
            fields: self.fields.clone(),
        })
    }
}

impl Weight for CheckedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let candidates = self.candidates.scorer(reader, boost)?;
        Ok(Box::new(CheckedScorer::new(
            candidates,
            self.check(reader)?,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if !self.check(reader)?.passes(doc) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not contain `{}`",
                self.needle
            )));
        }
        self.candidates.explain(reader, doc)
    }
}

/// The stored text of one segment, searched for the needle.
struct Check {
    store: StoreReader,
    needle: Arc<str>,
    fields: Arc<[Field]>,
}

impl Check {
    fn passes(&self, doc: DocId) -> bool {
        let Ok(document) = self.store.get::<TantivyDocument>(doc) else {
            return false;
        };
        self.fields.iter().any(|&field| {
            document
                .get_all(field)
                .filter_map(|value| value.as_str())
                .any(|text| one_line(&normalize(text)).contains(&*self.needle))
        })
    }
}

/// The candidates' documents that pass the check, with their scores.
struct CheckedScorer {
    candidates: Box<dyn Scorer>,
    check: Check,
}

impl CheckedScorer {
    fn new(candidates: Box<dyn Scorer>, check: Check) -> Self {
        let mut scorer = CheckedScorer { candidates, check };
        let first = scorer.candidates.doc();
        if first != TERMINATED && !scorer.check.passes(first) {
            scorer.advance();
        }
        scorer
    }

    /// The first document from `doc` on that passes.
    fn settle(&mut self, mut doc: DocId) -> DocId {
        while doc != TERMINATED && !self.check.passes(doc) {
            doc = self.candidates.advance();
        }
        doc
    }
}

impl DocSet for CheckedScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.candidates.advance();
        self.settle(doc)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.candidates.seek(target);
        self.settle(doc)
    }

    fn doc(&self) -> DocId {
        self.candidates.doc()
    }

    fn size_hint(&self) -> u32 {
        self.candidates.size_hint()
    }
}

impl Scorer for CheckedScorer {
    fn score(&mut self) -> Score {
        self.candidates.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_strings_with_unindexed_characters_need_a_check() {
        for plain in ["线程池", "java 线程池", "v2_beta", "預訓練"] {
            assert!(!needs_check(&normalize(plain)), "{plain}");
        }
        for marked in [
            "线程池，",
            "(线程池)",
            "a.b",
            "线程池。",
            "sofa-jraft",
            "c++",
        ] {
            assert!(needs_check(&normalize(marked)), "{marked}");
        }
    }
}
