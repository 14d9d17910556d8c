//! The index schema: every field, its name, and how it is analysed.
//!
//! Names are constants defined once here. The short zones (title, tags,
//! categories, path, headings, other front matter) are indexed as words
//! (jieba, for ranking, one field per zone so that zones can be boosted);
//! everything, the body included, is indexed as grams (CJK bigrams with
//! positions, for exact substring recall and for ranking the body, in one
//! field, plus the title on its own for `title:` queries). The clean body
//! text is stored for snippets; the manifest (`path`, `size`, `mtime`, `hash`)
//! lives in fast fields so incremental indexing can read it without touching
//! stored documents.
//!
//! Bump [`FORMAT_VERSION`] whenever anything here or in the analysers changes
//! meaning: an index of another version is rebuilt, never misread.

use anyhow::{anyhow, Result};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};

use crate::tokenizer::{GRAMS_TOKENIZER, PATH_TOKENIZER, WORDS_TOKENIZER};

/// Version of the on-disk format (schema plus analysis rules).
pub const FORMAT_VERSION: u32 = 6;

/// Relative path of the note, `/`-separated: the document's identity.
pub const PATH: &str = "path";
/// The path's words (`sofa-jraft/election-mechanism/index.md` → sofa jraft
/// election mechanism index), camelCase split: file and folder names are
/// chosen to describe the note.
pub const PATH_WORDS: &str = "path_words";
/// Title as words (stored for display).
pub const TITLE: &str = "title";
/// Title as grams, for `title:` substring queries.
pub const TITLE_GRAMS: &str = "title_grams";
/// Tags as words (stored, as written, for display).
pub const TAGS: &str = "tags";
/// Normalised whole tags, for `--tag` and `tag:` filters.
pub const TAG_KEY: &str = "tag_key";
/// Tags as written, in a fast column, for `notes-search tags`.
pub const TAG_RAW: &str = "tag_raw";
/// Categories as words (stored for display).
pub const CATEGORIES: &str = "categories";
/// Normalised whole categories, for `--category` and `category:` filters.
pub const CATEGORY_KEY: &str = "category_key";
/// Heading texts as words.
pub const HEADINGS: &str = "headings";
/// Summary and every other front matter string, as words (stored, so that
/// exact strings with punctuation can be checked against it).
pub const META: &str = "meta";
/// All of the above as grams, for exact substring recall (the path's words
/// too: a note filed under `kitex/` is about Kitex).
pub const GRAMS: &str = "grams";
/// The clean body text (stored only), for snippets.
pub const TEXT: &str = "text";
/// Line of the file where `text` starts.
pub const BODY_LINE: &str = "body_line";
/// Front matter date as written, in ISO 8601 (stored for display).
pub const DATE: &str = "date";
/// Front matter date as a timestamp, for filters and `stats`.
pub const DATE_TS: &str = "date_ts";
/// Whether the note is a draft.
pub const DRAFT: &str = "draft";
/// File size in bytes (manifest).
pub const SIZE: &str = "size";
/// File modification time in nanoseconds since the epoch (manifest).
pub const MTIME: &str = "mtime";
/// xxh3 hash of the file's bytes (manifest).
pub const HASH: &str = "hash";

/// Handles to every field.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// See [`PATH`].
    pub path: Field,
    /// See [`PATH_WORDS`].
    pub path_words: Field,
    /// See [`TITLE`].
    pub title: Field,
    /// See [`TITLE_GRAMS`].
    pub title_grams: Field,
    /// See [`TAGS`].
    pub tags: Field,
    /// See [`TAG_KEY`].
    pub tag_key: Field,
    /// See [`TAG_RAW`].
    pub tag_raw: Field,
    /// See [`CATEGORIES`].
    pub categories: Field,
    /// See [`CATEGORY_KEY`].
    pub category_key: Field,
    /// See [`HEADINGS`].
    pub headings: Field,
    /// See [`META`].
    pub meta: Field,
    /// See [`GRAMS`].
    pub grams: Field,
    /// See [`TEXT`].
    pub text: Field,
    /// See [`BODY_LINE`].
    pub body_line: Field,
    /// See [`DATE`].
    pub date: Field,
    /// See [`DATE_TS`].
    pub date_ts: Field,
    /// See [`DRAFT`].
    pub draft: Field,
    /// See [`SIZE`].
    pub size: Field,
    /// See [`MTIME`].
    pub mtime: Field,
    /// See [`HASH`].
    pub hash: Field,
}

fn words(stored: bool) -> TextOptions {
    words_with(WORDS_TOKENIZER, stored)
}

fn words_with(tokenizer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqs);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn grams() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(GRAMS_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// The schema of a new index.
pub fn build() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field(PATH, STRING | STORED | FAST);
    b.add_text_field(PATH_WORDS, words_with(PATH_TOKENIZER, false));
    b.add_text_field(TITLE, words(true));
    b.add_text_field(TITLE_GRAMS, grams());
    b.add_text_field(TAGS, words(true));
    b.add_text_field(TAG_KEY, STRING);
    b.add_text_field(TAG_RAW, TextOptions::default().set_fast("raw"));
    b.add_text_field(CATEGORIES, words(true));
    b.add_text_field(CATEGORY_KEY, STRING);
    b.add_text_field(HEADINGS, words(false));
    b.add_text_field(META, words(true));
    b.add_text_field(GRAMS, grams());
    b.add_text_field(TEXT, STORED);
    b.add_u64_field(BODY_LINE, STORED);
    b.add_text_field(DATE, STORED);
    b.add_date_field(DATE_TS, INDEXED | FAST);
    b.add_bool_field(DRAFT, INDEXED | FAST | STORED);
    let manifest = NumericOptions::default().set_fast();
    b.add_u64_field(SIZE, manifest.clone());
    b.add_u64_field(MTIME, manifest.clone());
    b.add_u64_field(HASH, manifest);
    b.build()
}

/// Looks every field up in `schema`; fails if the index is not ours.
pub fn fields(schema: &Schema) -> Result<Fields> {
    let f = |name: &str| {
        schema
            .get_field(name)
            .map_err(|_| anyhow!("it has no `{name}` field"))
    };
    Ok(Fields {
        path: f(PATH)?,
        path_words: f(PATH_WORDS)?,
        title: f(TITLE)?,
        title_grams: f(TITLE_GRAMS)?,
        tags: f(TAGS)?,
        tag_key: f(TAG_KEY)?,
        tag_raw: f(TAG_RAW)?,
        categories: f(CATEGORIES)?,
        category_key: f(CATEGORY_KEY)?,
        headings: f(HEADINGS)?,
        meta: f(META)?,
        grams: f(GRAMS)?,
        text: f(TEXT)?,
        body_line: f(BODY_LINE)?,
        date: f(DATE)?,
        date_ts: f(DATE_TS)?,
        draft: f(DRAFT)?,
        size: f(SIZE)?,
        mtime: f(MTIME)?,
        hash: f(HASH)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_name() {
        let schema = build();
        let fields = fields(&schema).unwrap();
        assert_eq!(schema.get_field_name(fields.grams), GRAMS);
        assert_eq!(schema.get_field_name(fields.hash), HASH);
        assert_eq!(schema.num_fields(), 20);
    }
}
