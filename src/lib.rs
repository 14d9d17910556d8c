//! notes-search: full-text search over a folder of Markdown notes, mostly
//! Chinese, with front matter.
//!
//! The modules follow the data. Indexing: `cli` → `config` → `walk` →
//! `note` (`decode`, `frontmatter`, `date`, `markdown`, `html`) →
//! `tokenizer` (`normalize`, `dict`) → `schema` → `indexer` (`store`).
//! Searching: `query` → `compile` (`verify`) → `search` → `snippet` →
//! `printer` (`vimgrep`).
//! `listing` answers `tags` and `stats`; `app` glues the subcommands.

pub mod app;
pub mod cli;
pub mod compile;
pub mod config;
pub mod date;
pub mod decode;
pub mod dict;
pub mod frontmatter;
pub mod html;
pub mod indexer;
pub mod listing;
pub mod markdown;
pub mod normalize;
pub mod note;
pub mod printer;
pub mod query;
pub mod schema;
pub mod search;
pub mod snippet;
pub mod store;
#[cfg(test)]
mod testing;
pub mod tokenizer;
pub mod verify;
pub mod vimgrep;
pub mod walk;
