//! criterion benchmarks for each stage of the pipeline, on the bundled
//! corpus (`corpus/`), so they run anywhere:
//!
//! * `parse_note`: bytes → front matter + clean text, every bundled note;
//! * `tokenize_words` / `tokenize_grams`: the two analyzers over that text;
//! * `pruned_dictionary`: what a query pays to segment itself;
//! * `index_corpus`: a full index of the bundled corpus into a temp dir;
//! * `query`: open the index, search, build snippets (top 10).
//!
//! Whole-command timings against ripgrep live in `benches/compare.sh`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use notes_search::compile::{self, Filters};
use notes_search::dict::{full_jieba, pruned_jieba, resolve_user_dict, Segmenter};
use notes_search::indexer::{self, IndexOptions};
use notes_search::note::parse_note;
use notes_search::search;
use notes_search::store::{self, State};
use notes_search::tokenizer::{gram_tokens, word_tokens};
use notes_search::{query, walk};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn note_bytes() -> Vec<Vec<u8>> {
    walk::walk(&corpus())
        .files
        .iter()
        .map(|f| std::fs::read(&f.abs).expect("bundled note"))
        .collect()
}

fn parsing(c: &mut Criterion) {
    let notes = note_bytes();
    c.bench_function("parse_note (bundled corpus)", |b| {
        b.iter(|| {
            for bytes in &notes {
                black_box(parse_note(black_box(bytes), "note"));
            }
        })
    });
}

fn tokenizing(c: &mut Criterion) {
    let texts: Vec<String> = note_bytes()
        .iter()
        .map(|b| parse_note(b, "n").text)
        .collect();
    let resolved = resolve_user_dict(&[]);
    let segmenter = Segmenter::new(full_jieba(&resolved));
    c.bench_function("tokenize_words (bundled corpus)", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(word_tokens(&segmenter, text));
            }
        })
    });
    c.bench_function("tokenize_grams (bundled corpus)", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(gram_tokens(text));
            }
        })
    });
    c.bench_function("pruned_dictionary (预训练模型的评估)", |b| {
        b.iter(|| black_box(pruned_jieba(["预训练模型的评估"], black_box(&resolved))))
    });
}

fn indexing(c: &mut Criterion) {
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("index_corpus (bundled, full)", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let options = IndexOptions {
                corpus: corpus(),
                index: dir.path().join("index"),
                rebuild: false,
                progress: false,
            };
            black_box(indexer::run(&options, &|_| {}).expect("index"));
        })
    });
    group.finish();
}

fn querying(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let index_dir = dir.path().join("index");
    let options = IndexOptions {
        corpus: corpus(),
        index: index_dir.clone(),
        rebuild: false,
        progress: false,
    };
    indexer::run(&options, &|_| {}).expect("index");
    c.bench_function("query 预训练 (open + search + snippets)", |b| {
        b.iter(|| {
            let State::Ready(open) = store::open(&index_dir).expect("open") else {
                panic!("index not ready");
            };
            let expr = query::parse("预训练").expect("query");
            let segmenter = compile::query_segmenter(&open, &expr);
            let searcher = search::searcher(&open, segmenter.clone()).expect("searcher");
            let compiled =
                compile::compile(&open, &segmenter, &expr, &Filters::default()).expect("compile");
            black_box(search::run(&open, &searcher, &compiled, 10).expect("run"));
        })
    });
}

criterion_group!(benches, parsing, tokenizing, indexing, querying);
criterion_main!(benches);
