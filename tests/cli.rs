//! End-to-end tests of the `notes-search` binary: every subcommand, output
//! format, filter and failure mode the README promises, run on tiny corpora
//! in a temp dir per test, with a scrubbed environment (see `common`).
//!
//! The main fixture is `tests/fixtures/basic/`, eight short notes:
//!
//! | note | title | date | tags | categories |
//! |---|---|---|---|---|
//! | ml/pretrain-cost.md | 大模型预训练成本估算 | 2024-07-30 | LLM, 预训练, GPU | ml |
//! | ml/post-training.md | 后训练笔记 | 2024-09-18 | LLM, 对齐 | ml, review |
//! | ml/eval.md | 模型评估方法 | 2025-01-01 | ＬＬＭ, 评估 | review |
//! | eng/thread-pool.md | Java 线程池调优 | 2023-11-02 | Java, 并发 | eng |
//! | eng/coroutine.md | Go 协程调度 | 2024-01-01 | Go, 并发 | eng |
//! | misc/fruit.md | 水果清单 (heading) | – | – | – |
//! | misc/traditional.md | 繁體筆記 (Traditional script) | – | 閱讀 | – |
//! | drafts/idea.md | 未完成的想法, `draft: true` | 2024-05-05 | LLM, 草稿 | – |
//!
//! Hostile notes (GBK, NUL, BOM, control characters, a 3 MB line) are
//! generated in code. Bugs this suite found first (split words matching
//! apart, partial highlights, JSON and broken pipes, multi-line usage
//! errors) keep their tests as regressions.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{controls, file_line, grep_files, set_mtime, Run, Sandbox, VimgrepLine};
use serde_json::Value;

const PRETRAIN: &str = "corpus/ml/pretrain-cost.md";
const POST: &str = "corpus/ml/post-training.md";
const EVAL: &str = "corpus/ml/eval.md";
const POOL: &str = "corpus/eng/thread-pool.md";
const CORO: &str = "corpus/eng/coroutine.md";
const FRUIT: &str = "corpus/misc/fruit.md";
const TRAD: &str = "corpus/misc/traditional.md";
const DRAFT: &str = "corpus/drafts/idea.md";

/// The basic fixture, already indexed.
fn basic() -> Sandbox {
    let sandbox = Sandbox::with_fixture("basic");
    let summary = sandbox.index_default();
    assert_eq!(summary.total, 8, "{summary:?}");
    sandbox
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------
// Exit status and errors
// ---------------------------------------------------------------------------

#[test]
fn query_exits_0_with_hits_and_1_without() {
    let s = basic();
    let hit = s.run(["query", "吞吐量"]);
    hit.assert_code(0);
    assert!(hit.stdout.starts_with(POOL), "{hit:?}");
    assert_eq!(hit.stderr, "", "{hit:?}");

    let miss = s.run(["query", "不存在的词汇"]);
    miss.assert_code(1);
    assert_eq!(miss.stdout, "", "{miss:?}");
    assert_eq!(miss.stderr, "", "{miss:?}");

    for mode in ["--json", "-l", "--vimgrep"] {
        let miss = s.run(["query", "不存在的词汇", mode]);
        miss.assert_code(1);
        assert_eq!(miss.stdout, "", "{mode}: {miss:?}");
    }
}

#[test]
fn malformed_queries_exit_2_with_a_one_line_error() {
    let s = basic();
    let cases = [
        ("title:(", "`(`"),
        ("\"后训练更难", "quote"),
        ("“后训练更难", "quote"),
        ("(线程池 OR 协程", "`(`"),
        ("线程池 OR", "OR"),
        ("线程池 NOT", "NOT"),
        ("title:()", "()"),
        ("tag:", "tag:"),
        ("线程池 )", "`)`"),
        (&"(".repeat(3_000), "deep"),
        (&format!("{}线程池", "-".repeat(3_000)), "deep"),
        (&"线程池".repeat(10_000), "30000 characters long"),
    ];
    for (query, hint) in cases {
        let run = s.run(["query", "--", query]);
        let line = run.assert_one_line_error();
        assert!(
            line.starts_with("notes-search: bad query: "),
            "{query}: {line}"
        );
        assert!(
            line.contains(hint),
            "{query:.40}: expected {hint:?} in {line}"
        );
    }
}

#[test]
fn a_query_with_nothing_to_search_for_is_an_error() {
    let s = basic();
    for query in ["，。", "\"\"", "-", "()"] {
        let run = s.run(["query", "--", query]);
        run.assert_one_line_error();
    }
    let run = s.run(["query", ""]);
    run.assert_one_line_error();
}

#[test]
fn a_lone_closing_parenthesis_is_named_in_the_error() {
    let s = basic();
    let run = s.run(["query", ")"]);
    let line = run.assert_one_line_error();
    assert!(line.contains("`)`"), "{line}");
    assert!(!line.contains("OR"), "{line}");
}

#[test]
fn bad_flags_and_flag_values_exit_2() {
    let s = basic();
    for args in [
        vec!["query", "--bogus", "预训练"],
        vec!["query", "预训练", "--color", "sometimes"],
        vec!["query", "预训练", "-n", "ten"],
        vec!["query", "预训练", "--json", "-l"],
        vec!["query", "预训练", "--vimgrep", "--json"],
        vec!["query"],
        vec!["frobnicate"],
        vec!["completions", "tcsh"],
    ] {
        let run = s.run(&args);
        run.assert_code(2);
        assert_eq!(run.stdout, "", "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}: {run:?}");
    }
}

#[test]
fn bad_flags_are_reported_in_one_line_like_other_errors() {
    let s = basic();
    for args in [
        vec!["query", "--bogus", "预训练"],
        vec!["query", "预训练", "--color", "sometimes"],
        vec!["query", "预训练", "-n", "ten"],
    ] {
        s.run(&args).assert_one_line_error();
    }
}

#[test]
fn a_bad_date_flag_exits_2_naming_the_flag() {
    let s = basic();
    for (flag, value) in [
        ("--after", "2024-13-45"),
        ("--before", "yesterday"),
        ("--after", "2024-02-30"),
    ] {
        let run = s.run(["query", "预训练", flag, value]);
        let line = run.assert_one_line_error();
        assert!(
            line.starts_with(&format!("notes-search: {flag} {value}: ")),
            "{line}"
        );
    }
}

#[test]
fn no_index_and_no_corpus_says_how_to_build_one() {
    let s = Sandbox::empty();
    let run = s.run(["query", "预训练"]);
    assert_eq!(
        run.assert_one_line_error(),
        "notes-search: no index at ./index and no corpus at ./corpus: run `notes-search index --corpus DIR` first"
    );
    assert!(!s.path("index").exists(), "a failed query created ./index");

    for sub in ["tags", "stats"] {
        let run = s.run([sub]);
        let line = run.assert_one_line_error();
        assert!(
            line.contains("`notes-search index --corpus DIR`"),
            "{sub}: {line}"
        );
    }
}

#[test]
fn indexing_a_missing_corpus_is_an_error() {
    let s = Sandbox::empty();
    let run = s.run(["index", "--corpus", "nowhere"]);
    let line = run.assert_one_line_error();
    assert!(line.contains("nowhere"), "{line}");
    assert!(line.contains("--corpus"), "{line}");
}

#[test]
fn an_index_path_that_is_a_file_is_named_as_such() {
    let s = Sandbox::with_fixture("basic");
    let file = s.write("notes.txt", "不是索引");
    let expected = "notes-search: notes.txt is not a directory: pass --index DIR (or set NOTES_SEARCH_INDEX) to a folder for the index";
    for args in [
        vec!["index", "--index", "notes.txt"],
        vec!["query", "预训练", "--index", "notes.txt"],
        vec!["tags", "--index", "notes.txt"],
        vec!["stats", "--index", "notes.txt"],
    ] {
        let run = s.run(&args);
        assert_eq!(run.assert_one_line_error(), expected, "{args:?}");
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "不是索引");
}

#[test]
fn an_index_dir_holding_foreign_files_is_refused_and_left_alone() {
    let s = Sandbox::with_fixture("basic");
    let mine = s.write("idx/mine.txt", "我的文件");

    let run = s.run(["index", "--index", "idx"]);
    let line = run.assert_one_line_error().to_string();
    assert!(line.contains("mine.txt"), "{line}");
    assert!(line.contains("refusing"), "{line}");

    // query would build the index first; it must refuse the same way.
    let run = s.run(["query", "预训练", "--index", "idx"]);
    run.assert_code(2);
    assert_eq!(run.stdout, "", "{run:?}");
    let lines = run.stderr_lines();
    assert!(
        lines.iter().all(|l| l.starts_with("notes-search: ")),
        "{run:?}"
    );
    assert_eq!(lines.last().copied(), Some(line.as_str()), "{run:?}");

    assert_eq!(fs::read_to_string(&mine).unwrap(), "我的文件");
    let left: Vec<_> = fs::read_dir(s.path("idx"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "mine.txt")
        .filter(|n| !n.contains("lock"))
        .collect();
    assert!(left.is_empty(), "wrote into a foreign dir: {left:?}");
}

#[test]
fn a_second_writer_is_refused_while_the_index_is_locked() {
    let s = basic();
    // The lock file (not tantivy's own) is created by the first run; hold
    // it as another `notes-search index` would.
    let lock_path = fs::read_dir(s.path("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.contains("notes-search") && name.contains("lock")
        })
        .expect("index leaves its lock file");
    let lock = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    lock.try_lock().expect("nobody else holds the lock");

    let run = s.run(["index", "--rebuild"]);
    let line = run.assert_one_line_error();
    assert!(line.contains("another"), "{line}");

    drop(lock);
    let summary = s.index(&["--rebuild"]);
    assert_eq!(summary.total, 8, "{summary:?}");
}

#[test]
fn query_builds_a_missing_index_first_and_says_so() {
    let s = Sandbox::with_fixture("basic");
    let run = s.run(["query", "吞吐量", "-l"]);
    run.assert_code(0);
    assert_eq!(run.stdout_lines(), vec![POOL]);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert_eq!(
        lines[0],
        "notes-search: no index at ./index yet; indexing ./corpus first"
    );
    let summary = common::Summary::parse(lines[1]);
    assert_eq!(summary.counts(), (8, 0, 0, 0));
    assert_eq!(summary.total, 8);

    // Built once: the next query is silent.
    let again = s.run(["query", "吞吐量", "-l"]);
    again.assert_code(0);
    assert_eq!(again.stderr, "", "{again:?}");
}

// ---------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------

#[test]
fn human_output_is_header_and_indented_snippet_with_blank_lines_between() {
    let s = basic();
    let run = s.run(["query", "线程池"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "corpus/eng/thread-pool.md:7  Java 线程池调优  2023-11-02  [Java, 并发]\n\
         \x20 线程池的核心参数决定了吞吐量。 The killer feature is a work-stealing queue.\n\
         \n\
         corpus/eng/coroutine.md:7  Go 协程调度  2024-01-01  [Go, 并发]\n\
         \x20 协程比线程池更轻，调度由运行时负责。 我们的 app 部署在一家 Startup 的机房里。\n"
    );
}

#[test]
fn human_header_leaves_out_a_missing_date_and_tags() {
    let s = basic();
    let run = s.run(["query", "apple"]);
    run.assert_code(0);
    // Title from the first heading; the snippet starts at the matching line.
    assert_eq!(
        run.stdout,
        "corpus/misc/fruit.md:3  水果清单\n  今天买了 apple 和香蕉。\n"
    );
}

#[test]
fn json_lines_carry_every_documented_field() {
    let s = basic();
    let run = s.run(["query", "吞吐量", "--json"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    let hits = run.json_lines();
    let hit = &hits[0];
    let keys: BTreeSet<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "path",
            "title",
            "date",
            "tags",
            "category",
            "categories",
            "draft",
            "score",
            "line",
            "snippet"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(hit["path"], POOL);
    assert_eq!(hit["title"], "Java 线程池调优");
    assert_eq!(hit["date"], "2023-11-02");
    assert_eq!(hit["tags"], serde_json::json!(["Java", "并发"]));
    assert_eq!(hit["category"], "eng");
    assert_eq!(hit["categories"], serde_json::json!(["eng"]));
    assert_eq!(hit["draft"], false);
    assert!(hit["score"].as_f64().unwrap() > 0.0, "{hit}");
    assert_eq!(hit["line"], 7);
    let text = hit["snippet"]["text"].as_str().unwrap();
    assert_eq!(
        text,
        "线程池的核心参数决定了吞吐量。 The killer feature is a work-stealing queue."
    );
    let matches = hit["snippet"]["matches"].as_array().unwrap();
    let marked: Vec<&str> = matches
        .iter()
        .map(|m| &text[m["start"].as_u64().unwrap() as usize..m["end"].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(marked, vec!["吞吐量"]);
}

#[test]
fn json_nulls_and_empty_lists_for_a_note_without_front_matter() {
    let s = basic();
    let run = s.run(["query", "apple", "--json"]);
    run.assert_code(0);
    let hit = &run.json_lines()[0];
    assert_eq!(hit["path"], FRUIT);
    assert_eq!(hit["title"], "水果清单");
    assert_eq!(hit["date"], Value::Null);
    assert_eq!(hit["category"], Value::Null);
    assert_eq!(hit["tags"], serde_json::json!([]));
    assert_eq!(hit["categories"], serde_json::json!([]));
    assert_eq!(hit["line"], 3);
    assert_eq!(hit["snippet"]["text"], "今天买了 apple 和香蕉。");
    assert_eq!(
        hit["snippet"]["matches"],
        serde_json::json!([{"start": 13, "end": 18}])
    );
}

/// The text each `snippet.matches` range selects.
fn highlighted(hit: &Value) -> Vec<String> {
    let text = hit["snippet"]["text"].as_str().unwrap();
    hit["snippet"]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let (a, b) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            assert!(a < b && b <= text.len(), "bad range {m} in {text:?}");
            assert!(
                text.is_char_boundary(a) && text.is_char_boundary(b),
                "{m} splits a character in {text:?}"
            );
            text[a..b].to_string()
        })
        .collect()
}

#[test]
fn json_offsets_slice_the_highlighted_word_as_one_span() {
    let s = basic();
    let run = s.run(["query", "预训练", "--json", "-n", "0"]);
    run.assert_code(0);
    let hits = run.json_lines();
    let paths: Vec<&str> = hits.iter().map(|h| h["path"].as_str().unwrap()).collect();
    assert_eq!(set(&paths), set(&[PRETRAIN, POST, TRAD]));
    for hit in &hits {
        let marked = highlighted(hit);
        assert!(!marked.is_empty(), "{hit}");
        for m in marked {
            assert!(
                m == "预训练" || m == "預訓練",
                "split highlight {m:?}: {hit}"
            );
        }
    }
    let post = hits.iter().find(|h| h["path"] == POST).unwrap();
    assert_eq!(post["snippet"]["text"], "一个好的预训练模型只是起点。");
    assert_eq!(
        post["snippet"]["matches"],
        serde_json::json!([{"start": 12, "end": 21}])
    );
    assert_eq!(post["line"], 9);
}

#[test]
fn files_with_matches_prints_openable_paths_best_first() {
    let s = basic();
    let run = s.run(["query", "线程池", "-l"]);
    run.assert_code(0);
    assert_eq!(run.stdout, format!("{POOL}\n{CORO}\n"));
    for line in run.stdout_lines() {
        assert!(s.root().join(line).is_file(), "{line} does not open");
    }
    let long = s.run(["query", "线程池", "--files-with-matches"]);
    assert_eq!(long.stdout, run.stdout);
}

#[cfg(unix)]
#[test]
fn null_terminated_paths_are_the_bytes_on_disk() {
    let s = Sandbox::empty();
    let odd = "corpus/odd\x1b[31m\nname.md";
    s.write(odd, "# 奇怪的文件名\n\n线程池\n");
    s.note("plain.md", "# 普通\n\n线程池 线程池\n");
    s.index_default();

    // Into a pipe: raw bytes, NUL after each, so `xargs -0` opens both.
    let output = s.std_cmd(["query", "线程池", "-l", "-0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let paths: Vec<&[u8]> = output.stdout.split(|&b| b == 0).collect();
    assert_eq!(paths.last(), Some(&&b""[..]), "not NUL-terminated");
    let mut paths: Vec<String> = paths[..paths.len() - 1]
        .iter()
        .map(|p| String::from_utf8(p.to_vec()).unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, vec![odd.to_string(), "corpus/plain.md".to_string()]);
    for p in &paths {
        assert!(s.root().join(p).is_file(), "{p:?} does not open");
    }

    // Without -0 the same path is made safe to show, one per line.
    let run = s.run(["query", "线程池", "-l"]);
    assert!(
        run.stdout_lines()
            .contains(&"corpus/odd\u{FFFD}[31m name.md"),
        "{run:?}"
    );

    // -0 belongs to -l.
    let run = s.run(["query", "线程池", "-0"]);
    let line = run.assert_one_line_error();
    assert!(line.contains("--files-with-matches"), "{line}");
}

#[test]
fn paths_are_relative_below_the_current_dir_and_absolute_otherwise() {
    let s = basic();
    fs::create_dir_all(s.path("elsewhere")).unwrap();
    let index = s.path("index");
    let corpus = s.corpus();

    // From a sibling folder: the corpus is not below, so absolute paths.
    let mut cmd = s.cmd(["query", "线程池", "-l", "--index"]);
    cmd.arg(&index).current_dir(s.path("elsewhere"));
    let run = common::Run::from_output(cmd.output().unwrap());
    run.assert_code(0);
    assert_eq!(
        run.stdout_lines(),
        vec![
            corpus.join("eng/thread-pool.md").to_str().unwrap(),
            corpus.join("eng/coroutine.md").to_str().unwrap(),
        ]
    );

    // From inside the corpus: relative, and each opens from there.
    let mut cmd = s.cmd(["query", "线程池", "-l", "--index"]);
    cmd.arg(&index).current_dir(corpus.join("eng"));
    let run = common::Run::from_output(cmd.output().unwrap());
    run.assert_code(0);
    assert_eq!(run.stdout_lines(), vec!["thread-pool.md", "coroutine.md"]);

    let mut cmd = s.cmd(["query", "线程池", "--vimgrep", "--index"]);
    cmd.arg(&index).current_dir(corpus.join("eng"));
    let run = common::Run::from_output(cmd.output().unwrap());
    for line in run.stdout_lines() {
        let v = VimgrepLine::parse(line);
        assert!(corpus.join("eng").join(&v.path).is_file(), "{line}");
    }
}

#[test]
fn vimgrep_lines_point_at_each_match_in_the_file() {
    let s = basic();
    let run = s.run(["query", "线程池", "--vimgrep"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout_lines(),
        vec![
            "corpus/eng/thread-pool.md:2:13:title: Java 线程池调优",
            "corpus/eng/thread-pool.md:7:1:线程池的核心参数决定了吞吐量。",
            "corpus/eng/coroutine.md:7:4:协程比线程池更轻，调度由运行时负责。",
        ]
    );
    for line in run.stdout_lines() {
        let v = VimgrepLine::parse(line);
        let in_file = file_line(&s.root().join(&v.path), v.line);
        assert_eq!(v.text, in_file, "{line}");
        let at: String = in_file.chars().skip(v.column - 1).take(3).collect();
        assert_eq!(at, "线程池", "column of {line}");
    }
}

#[test]
fn vimgrep_columns_count_characters_and_find_normalised_matches() {
    let s = basic();
    // Full-width query, half-width text; Traditional text, Simplified query.
    for (query, expected) in [
        ("ｋｉｌｌｅｒ", "killer"),
        ("预训练", "預訓練"),
        ("STARTUPS", "Startup"),
    ] {
        let run = s.run(["query", query, "--vimgrep", "-n", "0"]);
        run.assert_code(0);
        let found: Vec<String> = run
            .stdout_lines()
            .iter()
            .map(|l| {
                let v = VimgrepLine::parse(l);
                let line = file_line(&s.root().join(&v.path), v.line);
                line.chars()
                    .skip(v.column - 1)
                    .take(expected.chars().count())
                    .collect()
            })
            .collect();
        assert!(found.iter().any(|f| f == expected), "{query}: {found:?}");
    }
}

#[test]
fn limit_caps_the_notes_and_zero_prints_all() {
    let s = Sandbox::empty();
    for i in 1..=12 {
        // Note i mentions the word i times: distinct scores, best = 12.
        s.note(
            &format!("n{i:02}.md"),
            format!("# 第{i}篇\n\n{}\n", "调度器很关键。".repeat(i)),
        );
    }
    s.index_default();
    let count = |args: &[&str]| {
        let mut all = vec!["query", "调度器"];
        all.extend_from_slice(args);
        let run = s.run(all);
        run.assert_code(0);
        run.stdout_lines()
            .iter()
            .filter(|l| !l.is_empty() && !l.starts_with("  "))
            .count()
    };
    assert_eq!(count(&[]), 10, "default limit");
    assert_eq!(count(&["-n", "3"]), 3);
    assert_eq!(count(&["--limit", "3"]), 3);
    assert_eq!(count(&["-n", "0"]), 12);
    assert_eq!(count(&["-n", "0", "--json"]), 12);
    assert_eq!(count(&["-n", "0", "-l"]), 12);
    assert_eq!(count(&["-n", "12"]), 12);
    assert_eq!(count(&["-n", "50"]), 12);

    let all = s.paths(&["调度器"]);
    let top = s.run(["query", "调度器", "-l", "-n", "3"]);
    assert_eq!(top.stdout_lines(), all[..3].to_vec(), "-n keeps the best");

    let json = s.run(["query", "调度器", "--json", "-n", "0"]).json_lines();
    let scores: Vec<f64> = json.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not best first: {scores:?}"
    );

    let vim = s.run(["query", "调度器", "--vimgrep", "-n", "2"]);
    let files: BTreeSet<String> = vim
        .stdout_lines()
        .iter()
        .map(|l| VimgrepLine::parse(l).path)
        .collect();
    assert_eq!(files.len(), 2, "{vim:?}");
}

#[test]
fn every_output_mode_lists_the_same_notes_in_the_same_order() {
    let s = basic();
    let q = ["query", "预训练", "--drafts", "-n", "0"];
    let list = s.run(q.iter().chain(&["-l"])).stdout;
    let list: Vec<&str> = list.lines().collect();
    assert_eq!(list.len(), 4, "{list:?}");
    let json: Vec<String> = s
        .run(q.iter().chain(&["--json"]))
        .json_lines()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(json, list);
    let human: Vec<String> = s
        .run(q)
        .stdout_lines()
        .iter()
        .filter(|l| !l.is_empty() && !l.starts_with("  "))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(human, list);
    let mut vim: Vec<String> = Vec::new();
    for line in s.run(q.iter().chain(&["--vimgrep"])).stdout_lines() {
        let path = VimgrepLine::parse(line).path;
        if vim.last() != Some(&path) {
            vim.push(path);
        }
    }
    assert_eq!(vim, list);
}

// ---------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    let s = basic();
    for extra in [&[][..], &["--color", "auto"], &["--vimgrep"], &["-l"]] {
        let mut args = vec!["query", "线程池"];
        args.extend_from_slice(extra);
        let run = s.run(args);
        run.assert_code(0);
        assert!(!run.stdout.contains('\x1b'), "{extra:?}: {run:?}");
    }
}

#[test]
fn color_always_marks_matches_in_bold_red() {
    let s = basic();
    let run = s.run(["query", "吞吐量", "--color", "always"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "\x1b[35mcorpus/eng/thread-pool.md\x1b[0m:\x1b[32m7\x1b[0m  \
         \x1b[1mJava 线程池调优\x1b[0m  \x1b[2m2023-11-02\x1b[0m  \x1b[2m[Java, 并发]\x1b[0m\n  \
         线程池的核心参数决定了\x1b[1;31m吞吐量\x1b[0m。 The killer feature is a work-stealing queue.\n"
    );
}

#[test]
fn color_never_and_json_are_never_coloured() {
    let s = basic();
    for args in [
        vec!["query", "线程池", "--color", "never"],
        vec!["query", "线程池", "--json", "--color", "always"],
        vec!["query", "线程池", "--json"],
    ] {
        let run = s.run_env(&args, &[("TERM", "xterm-256color")]);
        run.assert_code(0);
        assert!(!run.stdout.contains('\x1b'), "{args:?}: {run:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_colour_is_on_unless_no_color_or_a_dumb_terminal() {
    let s = basic();
    let on_tty = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = s.std_cmd(["query", "吞吐量"]);
        cmd.args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (code, out, stderr) = common::pty::run_on_tty(cmd);
        assert_eq!(code, 0, "{stderr}");
        String::from_utf8_lossy(&out).into_owned()
    };
    let term = ("TERM", "xterm-256color");

    let auto = on_tty(&[term], &[]);
    assert!(auto.contains("\x1b[1;31m吞吐量\x1b[0m"), "{auto:?}");
    let auto = on_tty(&[term], &["--color", "auto"]);
    assert!(auto.contains("\x1b[1;31m吞吐量\x1b[0m"), "{auto:?}");
    // no-color.org: an empty NO_COLOR does not count.
    let empty = on_tty(&[term, ("NO_COLOR", "")], &[]);
    assert!(empty.contains("\x1b[1;31m"), "{empty:?}");

    let no_color = on_tty(&[term, ("NO_COLOR", "1")], &[]);
    assert!(no_color.contains("吞吐量"), "{no_color:?}");
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    let dumb = on_tty(&[("TERM", "dumb")], &[]);
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
    let never = on_tty(&[term], &["--color", "never"]);
    assert!(!never.contains('\x1b'), "{never:?}");
    let json = on_tty(&[term], &["--json"]);
    assert!(!json.contains('\x1b'), "{json:?}");
    // --color always beats NO_COLOR.
    let always = on_tty(&[term, ("NO_COLOR", "1")], &["--color", "always"]);
    assert!(always.contains("\x1b[1;31m"), "{always:?}");
}

// ---------------------------------------------------------------------------
// Drafts and filters
// ---------------------------------------------------------------------------

#[test]
fn drafts_are_hidden_unless_asked() {
    let s = basic();
    assert_eq!(s.path_set(&["预训练"]), set(&[PRETRAIN, POST, TRAD]));
    assert_eq!(
        s.path_set(&["预训练", "--drafts"]),
        set(&[PRETRAIN, POST, TRAD, DRAFT])
    );
    s.run(["query", "零散草稿"]).assert_code(1);
    let run = s.run(["query", "零散草稿", "--drafts", "--json"]);
    run.assert_code(0);
    let hits = run.json_lines();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["path"], DRAFT);
    assert_eq!(hits[0]["draft"], true);
}

#[test]
fn tag_filter_is_repeatable_and_ignores_case_width_and_script() {
    let s = basic();
    let llm = set(&[PRETRAIN, POST, EVAL]);
    assert_eq!(s.path_set(&["的", "--tag", "LLM"]), llm);
    assert_eq!(s.path_set(&["的", "--tag", "llm"]), llm);
    assert_eq!(s.path_set(&["的", "--tag", "ｌｌｍ"]), llm);
    assert_eq!(
        s.path_set(&["的", "--tag", "llm", "--drafts"]),
        set(&[PRETRAIN, POST, EVAL, DRAFT])
    );
    assert_eq!(
        s.path_set(&["的", "--tag", "LLM", "--tag", "对齐"]),
        set(&[POST])
    );
    assert_eq!(
        s.path_set(&["线程池", "--tag", "并发", "--tag", "java"]),
        set(&[POOL])
    );
    assert_eq!(s.path_set(&["的", "--tag", "阅读"]), set(&[TRAD]));
    // A tag matches whole, never a prefix.
    s.run(["query", "的", "--tag", "LL"]).assert_code(1);
    s.run(["query", "的", "--tag", "LLM", "--tag", "Go"])
        .assert_code(1);
}

#[test]
fn category_filter_is_repeatable() {
    let s = basic();
    assert_eq!(
        s.path_set(&["的", "--category", "review"]),
        set(&[POST, EVAL])
    );
    assert_eq!(
        s.path_set(&["的", "--category", "ML", "--category", "REVIEW"]),
        set(&[POST])
    );
    assert_eq!(s.path_set(&["的", "--category", "eng"]), set(&[POOL, CORO]));
    s.run(["query", "的", "--category", "en"]).assert_code(1);
}

#[test]
fn date_filters_are_inclusive_after_exclusive_before_and_skip_undated_notes() {
    let s = basic();
    // `的` occurs in every note but fruit.md.
    assert_eq!(
        s.path_set(&["的"]),
        set(&[PRETRAIN, POST, EVAL, POOL, CORO, TRAD])
    );
    assert_eq!(
        s.path_set(&["的", "--after", "1900-01-01"]),
        set(&[PRETRAIN, POST, EVAL, POOL, CORO])
    );
    assert_eq!(
        s.path_set(&["的", "--after", "2024-01-01"]),
        set(&[PRETRAIN, POST, EVAL, CORO])
    );
    assert_eq!(
        s.path_set(&["的", "--after", "2024-01-01", "--before", "2025-01-01"]),
        set(&[PRETRAIN, POST, CORO])
    );
    assert_eq!(s.path_set(&["的", "--before", "2024-01-01"]), set(&[POOL]));
    assert_eq!(
        s.path_set(&["的", "--after", "2024/09/18"]),
        set(&[POST, EVAL])
    );
    // RFC 3339 with an offset: 07:00+08:00 is 23:00 UTC the day before.
    assert_eq!(
        s.path_set(&["的", "--after", "2024-09-18T07:00:00+08:00"]),
        set(&[POST, EVAL])
    );
    assert_eq!(
        s.path_set(&["的", "--after", "2024-09-18T00:00:01Z"]),
        set(&[EVAL])
    );
    assert_eq!(
        s.path_set(&[
            "的",
            "--after",
            "2024-09-18 00:00:00",
            "--before",
            "2024-09-19"
        ]),
        set(&[POST])
    );
    s.run(["query", "的", "--after", "2030-01-01"])
        .assert_code(1);
}

#[test]
fn field_terms_search_title_tag_and_category() {
    let s = basic();
    assert_eq!(s.path_set(&["title:模型"]), set(&[PRETRAIN, EVAL]));
    assert_eq!(s.path_set(&["title:笔记"]), set(&[POST, TRAD]));
    assert_eq!(s.path_set(&["tag:llm"]), set(&[PRETRAIN, POST, EVAL]));
    assert_eq!(s.path_set(&["tag:阅读"]), set(&[TRAD]));
    assert_eq!(s.path_set(&["category:eng"]), set(&[POOL, CORO]));
    assert_eq!(s.path_set(&["tag:LLM title:评估"]), set(&[EVAL]));
    assert_eq!(s.path_set(&["title:(评估 OR 调度)"]), set(&[EVAL, CORO]));
    assert_eq!(
        s.path_set(&["category:(eng OR review)"]),
        set(&[POOL, CORO, POST, EVAL])
    );
    // 吞吐量 is in the body, not the title.
    s.run(["query", "title:吞吐量"]).assert_code(1);
    // A tag is matched whole.
    s.run(["query", "tag:LL"]).assert_code(1);
}

#[test]
fn or_not_and_grouping_combine_terms() {
    let s = basic();
    assert_eq!(s.path_set(&["线程池 OR 香蕉"]), set(&[POOL, CORO, FRUIT]));
    assert_eq!(
        s.path_set(&["线程池", "OR", "香蕉"]),
        set(&[POOL, CORO, FRUIT])
    );
    assert_eq!(s.paths(&["线程池 -Java"]), strings(&[CORO]));
    assert_eq!(s.paths(&["线程池 NOT Java"]), strings(&[CORO]));
    assert_eq!(s.paths(&["--", "-Java", "线程池"]), strings(&[CORO]));
    assert_eq!(s.paths(&["(协程 OR 线程) 调度"]), strings(&[CORO]));
    assert_eq!(s.paths(&["线程池 AND 吞吐量"]), strings(&[POOL]));
    // Operators only in capitals: `or` is a word to find.
    s.run(["query", "线程池 or 香蕉"]).assert_code(1);
}

#[test]
fn a_quoted_phrase_finds_exactly_the_notes_containing_the_string() {
    let s = basic();
    for query in ["\"后训练更难\"", "“后训练更难”"] {
        // eval.md has 后训练 更难 with a space between: not the string.
        assert_eq!(s.paths(&[query]), strings(&[POST]), "{query}");
    }
    // Unquoted, both words anywhere are enough.
    assert_eq!(s.path_set(&["后训练 更难"]), set(&[POST, EVAL]));
}

#[test]
fn a_quoted_string_with_punctuation_matches_the_punctuation_too() {
    let s = Sandbox::empty();
    s.note("comma.md", "# 甲\n\n先说线程池，再说协程。\n");
    s.note("period.md", "# 乙\n\n最后一个词是线程池。\n");
    s.note("bare.md", "# 丙\n\n线程池 和 协程\n");
    s.note(
        "meta.md",
        "---\ntitle: 丁\nsummary: 只在摘要里：线程池，\n---\n正文没有那个词。\n",
    );
    s.note("title.md", "---\ntitle: 线程池，入门\n---\n正文。\n");
    s.index_default();
    assert_eq!(
        s.path_set(&["\"线程池，\""]),
        set(&["corpus/comma.md", "corpus/meta.md", "corpus/title.md"])
    );
    // Full-width and half-width punctuation are one (NFKC), as for letters.
    assert_eq!(s.path_set(&["\"线程池,\""]), s.path_set(&["\"线程池，\""]));
    assert_eq!(s.paths(&["\"线程池。\""]), strings(&["corpus/period.md"]));
    assert_eq!(
        s.paths(&["title:\"线程池，\""]),
        strings(&["corpus/title.md"])
    );
    // Excluded and alternated like any other term.
    assert_eq!(
        s.path_set(&["线程池 -\"线程池，\""]),
        set(&["corpus/period.md", "corpus/bare.md"])
    );
    assert_eq!(
        s.path_set(&["\"线程池。\" OR \"线程池，入门\""]),
        set(&["corpus/period.md", "corpus/title.md"])
    );
    let run = s.run(["query", "\"线程池，\" 协程", "--json"]);
    let hits = run.json_lines();
    assert_eq!(hits.len(), 1);
    assert_eq!(highlighted(&hits[0]), vec!["线程池，", "协程"]);
}

#[test]
fn chinese_strings_are_found_like_grep_finds_them() {
    let s = basic();
    let corpus = s.corpus();
    for needle in [
        "后训练更难",
        "程池",
        "池的核",
        "吞",
        "的",
        "数据",
        "预训练模型",
        "线程",
    ] {
        let expected: BTreeSet<String> = grep_files(&corpus, needle)
            .into_iter()
            .map(|p| format!("corpus/{p}"))
            .collect();
        assert!(!expected.is_empty(), "{needle} is in no fixture");
        let got = s.path_set(&["--drafts", &format!("\"{needle}\"")]);
        assert_eq!(got, expected, "quoted {needle}");
    }
}

#[test]
fn sub_word_and_cross_boundary_chinese_strings_are_found() {
    let s = basic();
    // 线程池 is one jieba word; 程池 is inside it.
    assert_eq!(s.path_set(&["程池"]), set(&[POOL, CORO]));
    // 池的核 spans 线程池|的|核心.
    assert_eq!(s.paths(&["池的核"]), strings(&[POOL]));
    assert_eq!(s.paths(&["吐量"]), strings(&[POOL]));
}

#[test]
fn a_single_chinese_character_is_found() {
    let s = basic();
    assert_eq!(s.paths(&["吞"]), strings(&[POOL]));
    assert_eq!(s.paths(&["蕉"]), strings(&[FRUIT]));
    let run = s.run(["query", "吞", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["吞"]);
}

#[test]
fn traditional_and_simplified_find_each_other() {
    let s = basic();
    let both = set(&[PRETRAIN, POST, TRAD]);
    assert_eq!(s.path_set(&["预训练"]), both);
    assert_eq!(s.path_set(&["預訓練"]), both);
    assert_eq!(s.paths(&["资料"]), strings(&[TRAD]));
    assert_eq!(s.paths(&["\"清洗流程\""]), strings(&[TRAD]));
    let run = s.run(["query", "預訓練", "--json", "-n", "0"]);
    for hit in run.json_lines() {
        for m in highlighted(&hit) {
            assert!(m == "预训练" || m == "預訓練", "{m:?} in {hit}");
        }
    }
}

#[test]
fn full_width_latin_finds_half_width() {
    let s = basic();
    assert_eq!(s.paths(&["ｋｉｌｌｅｒ"]), strings(&[POOL]));
    assert_eq!(s.paths(&["ＫＩＬＬＥＲ"]), strings(&[POOL]));
    let run = s.run(["query", "ｋｉｌｌｅｒ", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["killer"]);
}

#[test]
fn english_words_are_case_folded_and_stemmed_unless_quoted() {
    let s = basic();
    assert_eq!(s.paths(&["STARTUPS"]), strings(&[CORO]));
    assert_eq!(s.paths(&["startup"]), strings(&[CORO]));
    assert_eq!(s.paths(&["Killers"]), strings(&[POOL]));
    assert_eq!(s.paths(&["\"Startup\""]), strings(&[CORO]));
    // A quoted word matches only itself.
    s.run(["query", "\"startups\""]).assert_code(1);
    let run = s.run(["query", "STARTUPS", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["Startup"]);
}

#[test]
fn english_words_match_whole_words_only() {
    let s = basic();
    assert_eq!(s.paths(&["app"]), strings(&[CORO]));
    assert_eq!(s.paths(&["apple"]), strings(&[FRUIT]));
    s.run(["query", "pple"]).assert_code(1);
    s.run(["query", "ler"]).assert_code(1);
    let run = s.run(["query", "app", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["app"]);
}

#[test]
fn c_plus_plus_and_c_sharp_are_names_not_the_letter_c() {
    let s = Sandbox::empty();
    s.note("cpp.md", "# 语言\n\n用 C++ 写引擎，用 C#写工具。\n");
    s.note("c.md", "# 语言\n\n只会一点 C 和 a+b 这种表达式。\n");
    s.index_default();
    assert_eq!(s.paths(&["C++"]), strings(&["corpus/cpp.md"]));
    assert_eq!(s.paths(&["\"c++\""]), strings(&["corpus/cpp.md"]));
    assert_eq!(s.paths(&["C#"]), strings(&["corpus/cpp.md"]));
    // The letter alone is still a whole word in both, as grep -w sees it.
    assert_eq!(s.path_set(&["C"]), set(&["corpus/cpp.md", "corpus/c.md"]));
    let run = s.run(["query", "C++", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["C++"]);
    let run = s.run(["query", "C#", "--json"]);
    assert_eq!(highlighted(&run.json_lines()[0]), vec!["C#"]);
}

#[test]
fn an_unspaced_chinese_query_requires_every_word() {
    let s = basic();
    // pretrain-cost has 模型 and 预训练 apart; post-training has 预训练模型;
    // eval has only 模型, traditional only 預訓練.
    assert_eq!(s.path_set(&["预训练模型"]), set(&[PRETRAIN, POST]));
    assert_eq!(s.path_set(&["预训练 模型"]), set(&[PRETRAIN, POST]));
    let run = s.run(["query", "预训练模型", "--json"]);
    let post = run
        .json_lines()
        .into_iter()
        .find(|h| h["path"] == POST)
        .unwrap();
    // Where the whole string occurs, it is one highlight.
    assert_eq!(highlighted(&post), vec!["预训练模型"]);
}

#[test]
fn an_unspaced_chinese_query_ranks_the_exact_string_first() {
    let s = basic();
    assert_eq!(s.paths(&["预训练模型"]), strings(&[POST, PRETRAIN]));
}

/// Three notes: one with 预训练, one with 预 and 训练 apart, one with 后 and
/// 训练 apart. jieba's dictionary splits both 预训练 and 后训练.
fn split_word_sandbox() -> Sandbox {
    let s = Sandbox::empty();
    s.note("apart.md", "预测天气和训练模型是两回事。\n");
    s.note("whole.md", "# 真正的预训练\n\n这里讲预训练。\n");
    s.note("later.md", "后来我们开始训练。\n");
    s.index_default();
    s
}

#[test]
fn a_word_jieba_splits_still_matches_only_as_one_string() {
    let s = split_word_sandbox();
    assert_eq!(s.paths(&["预训练"]), strings(&["corpus/whole.md"]));
    let run = s.run(["query", "后训练"]);
    run.assert_code(1);
    assert_eq!(run.stdout, "");
}

#[test]
fn highlights_never_mark_part_of_a_query_word() {
    let s = basic();
    let run = s.run(["query", "预训练", "--color", "always", "-n", "0"]);
    run.assert_code(0);
    // post-training's title is 后训练笔记: nothing in it matches 预训练.
    assert!(
        run.stdout.contains("\x1b[1m后训练笔记\x1b[0m"),
        "{:?}",
        run.stdout
    );
    for line in run.stdout.lines() {
        for (i, _) in line.match_indices("\x1b[1;31m") {
            let marked = &line[i + 7..];
            assert!(
                marked.starts_with("预训练") || marked.starts_with("預訓練"),
                "partial highlight in {line:?}"
            );
        }
    }
    let vim = s.run(["query", "预训练", "--vimgrep", "-n", "0"]);
    for line in vim.stdout_lines() {
        let v = VimgrepLine::parse(line);
        let at: String = v.text.chars().skip(v.column - 1).take(3).collect();
        assert!(at == "预训练" || at == "預訓練", "{line}");
    }
}

#[test]
fn title_matches_rank_above_body_matches() {
    let s = basic();
    // 线程池 is in one title and one body; 调度 in one title, one body.
    assert_eq!(s.paths(&["线程池"]), strings(&[POOL, CORO]));
    assert_eq!(s.paths(&["调度"]), strings(&[CORO]));
    assert_eq!(s.paths(&["评估"])[0], EVAL);
}

// ---------------------------------------------------------------------------
// User dictionary and --explain
// ---------------------------------------------------------------------------

#[test]
fn explain_shows_a_user_word_as_one_token() {
    let s = basic();
    let before = s.run(["query", "后训练", "--explain", "-l"]);
    before.assert_code(0);
    assert!(
        before.stderr.contains("segmented [后 | 训练]"),
        "jieba's own dictionary should split 后训练: {before:?}"
    );
    assert!(
        before
            .stderr_lines()
            .iter()
            .all(|l| l.starts_with("explain: ")),
        "{before:?}"
    );

    s.note(".notes-search/dict.txt", "# jargon\n后训练\n");
    let summary = s.index_default();
    assert!(summary.rebuilt.is_some(), "{summary:?}");

    let after = s.run(["query", "后训练", "--explain", "-l"]);
    after.assert_code(0);
    assert!(after.stderr.contains("segmented [后训练]"), "{after:?}");
    assert_eq!(after.stdout, before.stdout, "same notes either way");

    let run = s.run(["query", "后训练", "--json"]);
    let post = run
        .json_lines()
        .into_iter()
        .find(|h| h["path"] == POST)
        .unwrap();
    assert_eq!(highlighted(&post), vec!["后训练"]);
}

#[test]
fn changing_the_user_dictionary_rebuilds_everything_once() {
    let s = basic();
    s.note(".notes-search/dict.txt", "后训练 100 n\n");
    let summary = s.index_default();
    let why = summary.rebuilt.clone().expect("rebuilt all");
    assert!(why.contains("dict.txt"), "{summary:?}");
    assert_eq!(summary.total, 8);
    assert_eq!(summary.unchanged, 0, "{summary:?}");
    assert_eq!(summary.new + summary.changed, 8, "{summary:?}");

    let again = s.index_default();
    assert_eq!(again.rebuilt, None, "{again:?}");
    assert_eq!(again.counts(), (0, 0, 0, 8));

    s.note(".notes-search/dict.txt", "后训练 100 n\n线程池调优\n");
    let changed = s.index_default();
    assert!(changed.rebuilt.is_some(), "{changed:?}");
    assert_eq!(changed.unchanged, 0, "{changed:?}");

    fs::remove_file(s.corpus().join(".notes-search/dict.txt")).unwrap();
    let removed = s.index_default();
    assert!(removed.rebuilt.is_some(), "{removed:?}");
    assert_eq!(removed.total, 8);
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// A corpus of notes that are wrong in every way the README lists, each
/// carrying a unique marker 坏黄瓜X in its body text.
fn hostile() -> Sandbox {
    let s = Sandbox::empty();
    s.note(
        "broken-yaml.md",
        "---\ntitle: 坏掉的: YAML\ntags: [a, b\n---\n正文里有坏黄瓜甲。\n",
    );
    s.note("unclosed.md", "---\ntitle: 没有结束\n正文里有坏黄瓜乙。\n");
    s.note(
        "toml.md",
        "+++\ntitle = \"TOML 标题\"\ndate = 2023-05-06\ntags = [\"配置\"]\n+++\n正文里有坏黄瓜丙。\n",
    );
    s.note(
        "comma-tags.md",
        "---\ntitle: 逗号标签\ntags: \"Rust, 并发\"\n---\n正文里有坏黄瓜丁。\n",
    );
    // GBK: "---\ntitle: 国标编码\n---\n正文里有坏黄瓜戊。\n"
    let mut gbk = b"---\ntitle: ".to_vec();
    gbk.extend_from_slice(b"\xB9\xFA\xB1\xEA\xB1\xE0\xC2\xEB\n---\n");
    gbk.extend_from_slice(
        b"\xD5\xFD\xCE\xC4\xC0\xEF\xD3\xD0\xBB\xB5\xBB\xC6\xB9\xCF\xCE\xEC\xA1\xA3\n",
    );
    s.note("gbk.md", gbk);
    let mut nul = "---\ntitle: 有空字节\n---\n正文".as_bytes().to_vec();
    nul.extend_from_slice(b"\0\0");
    nul.extend_from_slice("里有坏黄瓜己。\n".as_bytes());
    s.note("nul.md", nul);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(
        "---\r\ntitle: BOM 笔记\r\ndate: 2024-01-02\r\n---\r\n正文里有坏黄瓜庚。\r\n".as_bytes(),
    );
    s.note("bom-crlf.md", bom);
    s.note("empty.md", "");
    let mut junk: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    junk.extend_from_slice("\n正文里有坏黄瓜辛。\n".as_bytes());
    junk.extend(0..=255u8);
    s.note("junk.md", junk);
    s.note("x.md/inner.md", "正文里有坏黄瓜癸。\n");
    s.note(".hidden/secret.md", "坏黄瓜藏起来\n");
    s.note(".secret.md", "坏黄瓜藏起来\n");
    s.note(".gitignore", "ignored/\n");
    s.note("ignored/skip.md", "坏黄瓜被忽略\n");
    s.note(".ignore", "scratch/\n");
    s.note("scratch/skip.md", "坏黄瓜被忽略\n");
    s.note("notes.txt", "坏黄瓜不是笔记\n");
    #[cfg(unix)]
    {
        fs::create_dir_all(s.corpus().join("loop")).unwrap();
        std::os::unix::fs::symlink(s.corpus().join("loop"), s.corpus().join("loop/again")).unwrap();
        let target = s.write("outside/linked-target.md", "正文里有坏黄瓜链接。\n");
        std::os::unix::fs::symlink(target, s.corpus().join("linked.md")).unwrap();
    }
    s
}

/// Notes in [`hostile`] that are indexed, by marker.
const HOSTILE_NOTES: &[(&str, &str)] = &[
    ("甲", "broken-yaml.md"),
    ("乙", "unclosed.md"),
    ("丙", "toml.md"),
    ("丁", "comma-tags.md"),
    ("戊", "gbk.md"),
    ("己", "nul.md"),
    ("庚", "bom-crlf.md"),
    ("辛", "junk.md"),
    ("癸", "x.md/inner.md"),
    #[cfg(unix)]
    ("链接", "linked.md"),
];

#[test]
fn bad_notes_never_stop_indexing_and_each_gets_a_warning() {
    let s = hostile();
    let run = s.run(["index"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "", "{run:?}");
    let lines = run.stderr_lines();
    assert!(
        lines.iter().all(|l| l.starts_with("notes-search: ")),
        "{run:?}"
    );
    let summary = common::Summary::parse(lines.last().unwrap());
    let warnings = &lines[..lines.len() - 1];

    let abs = |rel: &str| s.corpus().join(rel).display().to_string();
    let expected: Vec<(String, &str)> = vec![
        (
            format!(
                "notes-search: {}: not UTF-8; decoded it as GBK/GB18030",
                abs("gbk.md")
            ),
            "",
        ),
        (
            format!(
                "notes-search: {}: front matter is not valid YAML: ",
                abs("broken-yaml.md")
            ),
            "; salvaged it line by line",
        ),
        (
            format!("notes-search: {}: ", abs("unclosed.md")),
            "never closes",
        ),
        (format!("notes-search: {}: ", abs("nul.md")), "NUL"),
        (format!("notes-search: {}: ", abs("junk.md")), "NUL"),
        (format!("notes-search: {}: ", abs("junk.md")), "UTF-8"),
        #[cfg(unix)]
        (String::new(), "loop"),
    ];
    for (prefix, fragment) in &expected {
        let found = warnings.iter().filter(|w| {
            w.starts_with(prefix.as_str())
                && if prefix.is_empty() {
                    w.contains(fragment) && w.contains(&abs("loop"))
                } else if fragment.starts_with(';') {
                    w.ends_with(fragment)
                } else {
                    w.contains(fragment)
                }
        });
        assert_eq!(
            found.count(),
            1,
            "expected one warning {prefix}…{fragment}: {run:?}"
        );
    }
    assert_eq!(warnings.len(), expected.len(), "{run:?}");
    // Good notes draw no warning.
    for good in [
        "toml.md",
        "comma-tags.md",
        "bom-crlf.md",
        "empty.md",
        "inner.md",
    ] {
        assert!(
            !warnings.iter().any(|w| w.contains(good)),
            "{good} warned: {run:?}"
        );
    }

    let notes = HOSTILE_NOTES.len() + 1; // + empty.md
    assert_eq!(summary.total, notes, "{summary:?}");
    assert_eq!(summary.counts(), (notes, 0, 0, 0), "{summary:?}");
    assert_eq!(summary.warnings, warnings.len(), "{summary:?}");
    assert_eq!(summary.rebuilt, None);

    // Nothing changed: the warnings are not repeated.
    let again = s.run(["index"]);
    again.assert_code(0);
    let lines = again.stderr_lines();
    assert_eq!(lines.len(), if cfg!(unix) { 2 } else { 1 }, "{again:?}");
    assert_eq!(
        common::Summary::parse(lines.last().unwrap()).counts(),
        (0, 0, 0, notes)
    );

    let quiet = s.run(["index", "--rebuild", "--quiet"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
}

#[test]
fn the_text_of_bad_notes_is_still_searchable() {
    let s = hostile();
    s.run(["index", "-q"]).assert_code(0);
    for (marker, rel) in HOSTILE_NOTES {
        let query = format!("\"坏黄瓜{marker}\"");
        assert_eq!(s.paths(&[&query]), vec![format!("corpus/{rel}")], "{query}");
    }
    let all = s.path_set(&["坏黄瓜"]);
    assert_eq!(all.len(), HOSTILE_NOTES.len(), "{all:?}");

    let one = |marker: &str| {
        let run = s.run(["query", &format!("\"坏黄瓜{marker}\""), "--json"]);
        run.assert_code(0);
        run.json_lines().remove(0)
    };
    let toml = one("丙");
    assert_eq!(toml["title"], "TOML 标题");
    assert_eq!(toml["date"], "2023-05-06");
    assert_eq!(toml["tags"], serde_json::json!(["配置"]));
    assert_eq!(toml["line"], 6);
    let comma = one("丁");
    assert_eq!(comma["tags"], serde_json::json!(["Rust", "并发"]));
    let gbk = one("戊");
    assert_eq!(gbk["title"], "国标编码");
    assert_eq!(gbk["line"], 4);
    assert_eq!(gbk["snippet"]["text"], "正文里有坏黄瓜戊。");
    let bom = one("庚");
    assert_eq!(bom["title"], "BOM 笔记");
    assert_eq!(bom["date"], "2024-01-02");
    assert_eq!(bom["line"], 5);
    assert_eq!(bom["snippet"]["text"], "正文里有坏黄瓜庚。");
    let broken = one("甲");
    assert_eq!(broken["title"], "坏掉的: YAML");
    assert_eq!(broken["tags"], serde_json::json!(["a", "b"]));
    let unclosed = one("乙");
    assert_eq!(unclosed["title"], "unclosed");
    assert_eq!(one("己")["title"], "有空字节");

    // Front matter that did not parse is still searchable.
    assert_eq!(s.paths(&["没有结束"]), strings(&["corpus/unclosed.md"]));
    // The empty note is indexed under its file name.
    assert_eq!(s.paths(&["title:empty"]), strings(&["corpus/empty.md"]));
    assert_eq!(
        s.path_set(&["tag:配置 OR tag:rust"]),
        set(&["corpus/toml.md", "corpus/comma-tags.md"])
    );
}

#[test]
fn hidden_ignored_and_non_markdown_files_are_skipped() {
    let s = hostile();
    s.run(["index", "-q"]).assert_code(0);
    for query in ["坏黄瓜藏起来", "坏黄瓜被忽略", "坏黄瓜不是笔记"] {
        let run = s.run(["query", query, "-l"]);
        run.assert_code(1);
        assert_eq!(run.stdout, "", "{query}: {run:?}");
    }
    // A directory called x.md is walked into, not read.
    assert_eq!(s.paths(&["坏黄瓜癸"]), strings(&["corpus/x.md/inner.md"]));
}

#[test]
fn a_3mb_single_line_note_is_indexed_with_a_short_snippet() {
    let s = Sandbox::empty();
    let filler = "填充".repeat(500_000); // 1,000,000 characters, 3 MB
    let text = format!("{filler}坏黄瓜壬{}\n", "尾巴".repeat(1000));
    s.note("big.md", &text);
    s.note("small.md", "# 小\n\n一篇小笔记。\n");
    let summary = s.index_default();
    assert_eq!(summary.counts(), (2, 0, 0, 0), "{summary:?}");

    let run = s.run(["query", "坏黄瓜壬", "--json"]);
    run.assert_code(0);
    let hit = &run.json_lines()[0];
    assert_eq!(hit["path"], "corpus/big.md");
    assert_eq!(hit["line"], 1);
    let snippet = hit["snippet"]["text"].as_str().unwrap();
    assert!(
        snippet.chars().count() <= 122,
        "{} characters: {snippet}",
        snippet.chars().count()
    );
    assert_eq!(highlighted(hit), vec!["坏黄瓜壬"]);

    let human = s.run(["query", "坏黄瓜壬"]);
    human.assert_code(0);
    let lines = human.stdout_lines();
    assert_eq!(lines.len(), 2, "{human:?}");
    assert!(lines[1].chars().count() <= 124, "{}", lines[1]);

    let vim = s.run(["query", "坏黄瓜壬", "--vimgrep"]);
    vim.assert_code(0);
    let lines = vim.stdout_lines();
    assert_eq!(lines.len(), 1);
    let v = VimgrepLine::parse(lines[0]);
    assert_eq!(
        (v.path.as_str(), v.line, v.column),
        ("corpus/big.md", 1, 1_000_001)
    );
}

#[test]
fn control_characters_never_reach_stdout_raw() {
    let s = Sandbox::empty();
    // YAML escapes put ESC, BEL and C1 CSI into the title and a tag; the
    // body carries them raw, with a bidi override.
    s.note(
        "evil.md",
        "---\ntitle: \"恶意\\e]0;pwned\\a标题\\x9b\"\ntags: [\"\\e[2J清屏\"]\n---\n\
         正文有恶意\x1b[31m红色\x1b[0m字符\x07响铃\u{9b}控制\x1b]0;pwned\x07标题\u{202e}反转。\n",
    );
    s.index_default();
    let allowed = ["[0m", "[1m", "[2m", "[32m", "[35m", "[1;31m"];

    for args in [
        vec!["query", "恶意"],
        vec!["query", "恶意", "--color", "never"],
        vec!["query", "恶意", "-l"],
        vec!["query", "恶意", "--vimgrep"],
        vec!["tags"],
    ] {
        let run = s.run(&args);
        run.assert_code(0);
        assert!(controls(&run.stdout).is_empty(), "{args:?}: {run:?}");
        assert!(!run.stdout.contains('\u{202e}'), "{args:?}: {run:?}");
        assert!(!run.stdout.is_empty());
    }

    let run = s.run(["query", "恶意", "--color", "always"]);
    run.assert_code(0);
    assert!(run.stdout.contains("\x1b[1;31m恶意\x1b[0m"), "{run:?}");
    assert!(!run.stdout.contains('\u{202e}'), "{run:?}");
    for (i, c) in run.stdout.char_indices() {
        if c == '\x1b' {
            let rest = &run.stdout[i + 1..];
            assert!(
                allowed.iter().any(|code| rest.starts_with(code)),
                "foreign escape at {i}: {:?}",
                &run.stdout[i..(i + 12).min(run.stdout.len())]
            );
        } else {
            assert!(!c.is_control() || c == '\n', "raw {c:?} in {run:?}");
        }
    }

    for args in [vec!["query", "恶意", "--json"], vec!["tags", "--json"]] {
        let run = s.run(&args);
        run.assert_code(0);
        assert!(controls(&run.stdout).is_empty(), "{args:?}: {run:?}");
        assert!(run.stdout.contains("\\u001b"), "{args:?}: {run:?}");
    }
    let run = s.run(["query", "恶意", "--json"]);
    let hit = &run.json_lines()[0];
    // Escaped, not lost: the JSON decodes to the title as written.
    assert_eq!(hit["title"], "恶意\u{1b}]0;pwned\u{7}标题\u{9b}");
    assert_eq!(hit["tags"], serde_json::json!(["\u{1b}[2J清屏"]));
    assert!(run.stdout.contains("\\u009b"), "{run:?}");

    // vimgrep shows the file's line with the control characters removed.
    let vim = s.run(["query", "红色", "--vimgrep"]);
    let v = VimgrepLine::parse(vim.stdout_lines()[0]);
    assert_eq!(v.line, 5);
    let raw = file_line(&s.root().join(&v.path), 5);
    let stripped: String = raw
        .chars()
        .filter(|c| !c.is_control() && *c != '\u{202e}')
        .collect();
    assert_eq!(v.text, stripped);
}

#[test]
fn markdown_markup_is_not_searchable_but_its_text_is() {
    let s = Sandbox::empty();
    s.note(
        "markup.markdown",
        "# 标记测试\n\n看这个[链接文字](https://example.com/secretpath)和\
         ![图片说明](img/hiddenimg.png)。\n\n<!-- 注释里的秘密 -->\n\n\
         <div class=\"box\">网页里的文字</div>\n\n```rust\nlet 代码里的词 = 1;\n```\n\n\
         | 表头甲 | 表头乙 |\n|---|---|\n| 表格内容 | 二 |\n\n> 引用的句子\n",
    );
    s.note("UPPER.MD", "大写扩展名的笔记\n");
    assert_eq!(s.index_default().total, 2);
    for text in [
        "链接文字",
        "图片说明",
        "网页里的文字",
        "代码里的词",
        "表格内容",
        "引用的句子",
    ] {
        assert_eq!(
            s.paths(&[text]),
            strings(&["corpus/markup.markdown"]),
            "{text}"
        );
    }
    for markup in ["secretpath", "hiddenimg", "注释里的秘密", "box", "https"] {
        s.run(["query", markup]).assert_code(1);
    }
    assert_eq!(s.paths(&["大写扩展名"]), strings(&["corpus/UPPER.MD"]));
    let run = s.run(["query", "表格内容", "--json"]);
    assert_eq!(run.json_lines()[0]["line"], 15);
}

#[test]
fn an_index_from_another_version_is_refused_then_rebuilt() {
    let s = basic();
    // Rewrite the payload notes-search commits with its format version.
    let meta_path = s.path("index/meta.json");
    let mut meta: Value = serde_json::from_str(&fs::read_to_string(&meta_path).unwrap())
        .expect("index/meta.json is JSON");
    let mut payload: Value =
        serde_json::from_str(meta["payload"].as_str().expect("a payload")).unwrap();
    assert!(payload["format"].is_u64(), "{payload}");
    payload["format"] = Value::from(999_999);
    meta["payload"] = Value::from(payload.to_string());
    fs::write(&meta_path, meta.to_string()).unwrap();

    let run = s.run(["query", "吞吐量"]);
    let line = run.assert_one_line_error();
    assert!(line.contains("another version"), "{line}");
    assert!(line.contains("`notes-search index`"), "{line}");
    s.run(["tags"]).assert_one_line_error();

    let summary = s.index_default();
    assert!(summary.rebuilt.is_some(), "{summary:?}");
    assert_eq!(summary.total, 8);
    assert_eq!(s.paths(&["吞吐量"]), strings(&[POOL]));
}

// ---------------------------------------------------------------------------
// Pipes
// ---------------------------------------------------------------------------

/// 300 notes, each mentioning 预训练 on three lines: every output format of
/// `query 预训练 -n 0` is well over a pipe's buffer.
fn many_notes() -> Sandbox {
    let s = Sandbox::empty();
    for i in 0..300 {
        let line = format!(
            "{}预训练{}",
            "前面的填充文字".repeat(4),
            "后面的填充".repeat(6)
        );
        s.note(
            &format!("n{i:03}.md"),
            format!(
                "---\ntitle: 第{i}篇：关于预训练数据管线的一篇比较长的标题\n---\n\
                 {line}\n\n{line}\n\n{line}\n"
            ),
        );
    }
    s.index_default();
    s
}

/// Runs `args` with stdout piped into a reader that takes one line and
/// closes the pipe, as `| head -1` does; asserts a quiet exit 0.
fn assert_quiet_when_the_reader_leaves_early(s: &Sandbox, args: &[&str]) {
    // The full output must be larger than a pipe's buffer (64 KiB) plus
    // what the reader buffers (8 KiB), or the program could finish before
    // the reader closes its end.
    let full = s.run(args);
    full.assert_code(0);
    assert!(
        full.stdout.len() > 100_000,
        "{args:?}: only {} bytes",
        full.stdout.len()
    );

    let mut child = s
        .std_cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.contains("corpus/n"), "{first:?}");
    drop(reader);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    assert_eq!(stderr, "", "{args:?}");
}

#[test]
fn closing_the_pipe_early_ends_quietly_with_status_0() {
    let s = many_notes();
    assert_quiet_when_the_reader_leaves_early(&s, &["query", "预训练", "-n", "0"]);
    assert_quiet_when_the_reader_leaves_early(&s, &["query", "预训练", "-n", "0", "--vimgrep"]);
}

#[test]
fn closing_the_pipe_early_on_json_output_ends_quietly_with_status_0() {
    let s = many_notes();
    assert_quiet_when_the_reader_leaves_early(&s, &["query", "预训练", "-n", "0", "--json"]);
}

#[test]
fn a_pipe_closed_before_the_first_write_ends_every_command_quietly() {
    let s = basic();
    for args in [
        vec!["query", "预训练"],
        vec!["query", "预训练", "--json"],
        vec!["query", "预训练", "-l"],
        vec!["query", "预训练", "--vimgrep"],
        vec!["tags"],
        vec!["tags", "--json"],
        vec!["stats"],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = s.std_cmd(&args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// Incremental indexing
// ---------------------------------------------------------------------------

#[test]
fn reindexing_an_unchanged_corpus_does_nothing() {
    let s = Sandbox::with_fixture("basic");
    let first = s.index_default();
    assert_eq!(first.counts(), (8, 0, 0, 0));
    assert_eq!((first.total, first.skipped, first.warnings), (8, 0, 0));
    assert_eq!(first.rebuilt, None);
    let second = s.index_default();
    assert_eq!(second.counts(), (0, 0, 0, 8));
    assert_eq!((second.total, second.skipped, second.warnings), (8, 0, 0));
    assert_eq!(second.rebuilt, None);
}

#[test]
fn an_edited_note_is_reindexed_and_its_old_text_forgotten() {
    let s = basic();
    let pool = s.root().join(POOL);
    let old = fs::read_to_string(&pool).unwrap();
    // Same size on purpose: only the mtime and the bytes tell.
    let new = old.replace("吞吐量", "延迟高");
    assert_eq!(old.len(), new.len());
    fs::write(&pool, new).unwrap();
    set_mtime(&pool, 1_700_000_000);
    let summary = s.index_default();
    assert_eq!(summary.counts(), (0, 1, 0, 7), "{summary:?}");
    assert_eq!(summary.total, 8);
    assert_eq!(s.paths(&["延迟高"]), strings(&[POOL]));
    s.run(["query", "吞吐量"]).assert_code(1);

    // A bigger edit, too.
    fs::write(&pool, format!("{old}\n追加的一段：背压机制。\n")).unwrap();
    let summary = s.index_default();
    assert_eq!(summary.counts(), (0, 1, 0, 7), "{summary:?}");
    assert_eq!(s.paths(&["背压机制"]), strings(&[POOL]));
    assert_eq!(s.paths(&["吞吐量"]), strings(&[POOL]));
    s.run(["query", "延迟高"]).assert_code(1);
}

#[test]
fn a_deleted_note_disappears_from_results() {
    let s = basic();
    fs::remove_file(s.root().join(FRUIT)).unwrap();
    let summary = s.index_default();
    assert_eq!(summary.counts(), (0, 0, 1, 7), "{summary:?}");
    assert_eq!(summary.total, 7);
    s.run(["query", "apple"]).assert_code(1);
    s.run(["query", "香蕉", "--json"]).assert_code(1);
}

#[test]
fn a_renamed_note_is_found_under_its_new_path_only() {
    let s = basic();
    fs::rename(s.root().join(POOL), s.corpus().join("eng/pool-renamed.md")).unwrap();
    let summary = s.index_default();
    assert_eq!(summary.counts(), (1, 0, 1, 7), "{summary:?}");
    assert_eq!(summary.total, 8);
    assert_eq!(
        s.paths(&["吞吐量"]),
        strings(&["corpus/eng/pool-renamed.md"])
    );
}

#[test]
fn touching_a_note_without_changing_it_does_not_reindex_it() {
    let s = basic();
    let pool = s.root().join(POOL);
    set_mtime(&pool, 1_600_000_000);
    let summary = s.index_default();
    assert_eq!(summary.counts(), (0, 0, 0, 8), "{summary:?}");
    set_mtime(&pool, 1_600_000_999);
    let summary = s.index_default();
    assert_eq!(summary.counts(), (0, 0, 0, 8), "{summary:?}");
    assert_eq!(s.paths(&["吞吐量"]), strings(&[POOL]));
}

#[test]
fn rebuild_reindexes_every_note() {
    let s = basic();
    let summary = s.index(&["--rebuild"]);
    assert_eq!(summary.rebuilt.as_deref(), Some("--rebuild"), "{summary:?}");
    assert_eq!(summary.total, 8);
    assert_eq!(summary.unchanged, 0, "{summary:?}");
    assert_eq!(summary.deleted, 0, "{summary:?}");
    assert_eq!(summary.new + summary.changed, 8, "{summary:?}");
    assert_eq!(s.paths(&["吞吐量"]), strings(&[POOL]));
    assert_eq!(s.index_default().counts(), (0, 0, 0, 8));
}

#[test]
fn switching_to_another_corpus_rebuilds_and_leaves_nothing_stale() {
    let s = basic();
    s.write(
        "other/only.md",
        "---\ntags: [西瓜]\n---\n别处的西瓜笔记。\n",
    );
    let summary = s.index(&["--corpus", "other"]);
    let why = summary.rebuilt.clone().expect("rebuilt all");
    assert!(why.contains(&s.corpus().display().to_string()), "{why}");
    assert_eq!(summary.total, 1);
    assert_eq!(summary.unchanged, 0);

    s.run(["query", "吞吐量"]).assert_code(1);
    for gone in ["线程池", "预训练", "零散草稿"] {
        s.run(["query", gone, "--drafts"]).assert_code(1);
    }
    assert_eq!(s.paths(&["西瓜"]), strings(&["other/only.md"]));
    let tags = s.run(["tags"]);
    assert_eq!(tags.stdout, "1  西瓜\n");
    let stats = s.run(["stats", "--json"]).json_lines().remove(0);
    assert_eq!(stats["notes"], 1);
    assert_eq!(
        stats["corpus"],
        s.path("other").display().to_string().as_str()
    );
}

// ---------------------------------------------------------------------------
// tags, stats, completions, man
// ---------------------------------------------------------------------------

#[test]
fn tags_lists_counts_most_used_first() {
    let s = basic();
    let run = s.run(["tags"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "3  LLM\n2  并发\n1  GPU\n1  Go\n1  Java\n1  对齐\n1  评估\n1  閱讀\n1  预训练\n"
    );
    let drafts = s.run(["tags", "--drafts", "--json"]);
    drafts.assert_code(0);
    let pairs: Vec<(String, u64)> = drafts
        .json_lines()
        .iter()
        .map(|v| {
            assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
            (
                v["tag"].as_str().unwrap().to_string(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [
        ("LLM", 4),
        ("并发", 2),
        ("GPU", 1),
        ("Go", 1),
        ("Java", 1),
        ("对齐", 1),
        ("草稿", 1),
        ("评估", 1),
        ("閱讀", 1),
        ("预训练", 1),
    ]
    .iter()
    .map(|(t, c)| (t.to_string(), *c))
    .collect();
    assert_eq!(pairs, expected);
}

#[test]
fn tags_differing_in_case_width_or_script_are_one_tag() {
    let s = Sandbox::empty();
    for (i, tag) in ["Rust", "Rust", "rust", "ＲＵＳＴ", "阅读", "阅读", "閱讀"]
        .iter()
        .enumerate()
    {
        s.note(
            &format!("n{i}.md"),
            format!("---\ntags: [{tag}]\n---\n正文。\n"),
        );
    }
    s.index_default();
    let run = s.run(["tags"]);
    run.assert_code(0);
    // Shown in the most common spelling.
    assert_eq!(run.stdout, "4  Rust\n3  阅读\n");
    assert_eq!(s.path_set(&["tag:RUST"]).len(), 4);
    assert_eq!(s.path_set(&["正文", "--tag", "閱讀"]).len(), 3);
}

#[test]
fn an_empty_corpus_gives_an_empty_index() {
    let s = Sandbox::empty();
    fs::create_dir_all(s.corpus()).unwrap();
    let summary = s.index_default();
    assert_eq!((summary.total, summary.counts()), (0, (0, 0, 0, 0)));
    s.run(["query", "预训练"]).assert_code(1);
    s.run(["tags"]).assert_code(1);
    let stats = s.run(["stats", "--json"]).json_lines().remove(0);
    assert_eq!(stats["notes"], 0);
    assert_eq!(stats["first_date"], Value::Null);

    // Every note deleted: back to empty.
    s.note("a.md", "预训练\n");
    s.index_default();
    fs::remove_file(s.corpus().join("a.md")).unwrap();
    let summary = s.index_default();
    assert_eq!((summary.total, summary.counts()), (0, (0, 0, 1, 0)));
    s.run(["query", "预训练"]).assert_code(1);
}

#[test]
fn tags_exits_1_when_no_note_has_a_tag() {
    let s = Sandbox::empty();
    s.note("plain.md", "没有标签的笔记。\n");
    s.index_default();
    let run = s.run(["tags"]);
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

#[test]
fn stats_reports_notes_drafts_tags_dates_and_corpus() {
    let s = basic();
    let run = s.run(["stats"]);
    run.assert_code(0);
    let lines = run.stdout_lines();
    assert_eq!(lines[0], "notes:        8 (1 drafts)");
    assert_eq!(lines[1], "tags:         10");
    assert_eq!(lines[2], "dates:        2023-11-02 to 2025-01-01");
    assert!(lines[3].starts_with("index size:   "), "{run:?}");
    assert_eq!(lines[4], "index:        ./index");
    assert_eq!(lines[5], format!("corpus:       {}", s.corpus().display()));
    assert!(lines[6].starts_with("last indexed: 20"), "{run:?}");

    let json = s.run(["stats", "--json"]);
    json.assert_code(0);
    let v = &json.json_lines()[0];
    assert_eq!(v["notes"], 8);
    assert_eq!(v["drafts"], 1);
    assert_eq!(v["tags"], 10);
    assert_eq!(v["first_date"], "2023-11-02");
    assert_eq!(v["last_date"], "2025-01-01");
    assert_eq!(v["corpus"], s.corpus().display().to_string().as_str());
    assert!(v["index_bytes"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn completions_are_printed_for_every_shell() {
    let s = Sandbox::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = s.run(["completions", shell]);
        run.assert_code(0);
        assert!(run.stdout.contains("notes-search"), "{shell}: {run:?}");
        assert!(run.stdout.contains("vimgrep"), "{shell} lacks flags");
        assert_eq!(run.stderr, "", "{shell}: {run:?}");
    }
}

#[test]
fn man_prints_a_roff_page() {
    let s = Sandbox::empty();
    let run = s.run(["man"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with('.'), "{run:?}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with(".TH notes-search 1")),
        "{run:?}"
    );
    assert!(run.stdout.contains(".SH NAME"), "{run:?}");
    assert!(run.stdout.contains("query"), "{run:?}");
}

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

#[test]
fn environment_variables_set_the_default_corpus_and_index() {
    let s = Sandbox::empty();
    common::copy_dir(&common::fixture("basic"), &s.path("notes"));
    let env = [
        ("NOTES_SEARCH_CORPUS", "notes"),
        ("NOTES_SEARCH_INDEX", "ix"),
    ];
    let run = s.run_env(["index"], &env);
    run.assert_code(0);
    assert_eq!(
        common::Summary::parse(run.stderr_lines().last().unwrap()).total,
        8
    );
    assert!(!s.path("index").exists(), "used ./index");
    let run = s.run_env(["query", "吞吐量", "-l"], &env);
    run.assert_code(0);
    assert_eq!(run.stdout, "notes/eng/thread-pool.md\n");
    let stats = s.run_env(["stats", "--json"], &env).json_lines().remove(0);
    assert_eq!(stats["index"], "ix");
    s.run_env(["tags"], &env).assert_code(0);

    // query builds the index from $NOTES_SEARCH_CORPUS when there is none.
    let run = s.run_env(
        ["query", "吞吐量", "-l"],
        &[("NOTES_SEARCH_CORPUS", "notes")],
    );
    run.assert_code(0);
    assert_eq!(run.stdout, "notes/eng/thread-pool.md\n");
    assert!(run.stderr.contains("indexing notes first"), "{run:?}");
    assert!(s.path("index").is_dir());
}

#[test]
fn empty_environment_variables_count_as_unset() {
    let s = Sandbox::with_fixture("basic");
    let env = [("NOTES_SEARCH_CORPUS", ""), ("NOTES_SEARCH_INDEX", "")];
    s.run_env(["index"], &env).assert_code(0);
    assert!(s.path("index").is_dir(), "did not use ./index");
    let run = s.run_env(["query", "吞吐量", "-l"], &env);
    run.assert_code(0);
    assert_eq!(run.stdout, format!("{POOL}\n"));
}

#[test]
fn flags_win_over_environment_variables() {
    let s = Sandbox::with_fixture("basic");
    let env = [
        ("NOTES_SEARCH_CORPUS", "no-such-corpus"),
        ("NOTES_SEARCH_INDEX", "env-index"),
    ];
    let run = s.run_env(
        ["index", "--corpus", "corpus", "--index", "flag-index"],
        &env,
    );
    run.assert_code(0);
    assert!(s.path("flag-index").is_dir());
    assert!(!s.path("env-index").exists(), "the variable won");
    let run = s.run_env(["query", "吞吐量", "-l", "--index", "flag-index"], &env);
    run.assert_code(0);
    assert_eq!(run.stdout, format!("{POOL}\n"));
    let run = s.run_env(["stats", "--index", "flag-index"], &env);
    run.assert_code(0);
    // With the variables alone, neither exists.
    let run = s.run_env(["query", "吞吐量"], &env);
    assert!(run.assert_one_line_error().contains("no-such-corpus"));
}

// ---------------------------------------------------------------------------
// README recipes
// ---------------------------------------------------------------------------

#[test]
fn fzf_recipe_each_vimgrep_line_names_a_file_and_a_matching_line() {
    // notes-search query --vimgrep 预训练 | fzf --delimiter : --preview 'sed -n "{2}p" {1}'
    let s = basic();
    let run = s.run(["query", "--vimgrep", "预训练"]);
    run.assert_code(0);
    let lines = run.stdout_lines();
    assert!(lines.len() >= 3, "{run:?}");
    let mut files = BTreeSet::new();
    for line in lines {
        let fields: Vec<&str> = line.split(':').collect();
        let (file, n) = (fields[0], fields[1].parse::<usize>().unwrap());
        let path = s.root().join(file);
        assert!(path.is_file(), "{{1}} of {line} does not open");
        let text = file_line(&path, n);
        assert!(
            text.contains("预训练") || text.contains("預訓練"),
            "sed -n {n}p {file} = {text:?}"
        );
        files.insert(file.to_string());
    }
    assert_eq!(files, set(&[PRETRAIN, POST, TRAD]));
}

#[test]
fn vim_grepformat_recipe_parses_file_line_column_message() {
    // set grepprg=notes-search\ query\ --vimgrep  grepformat=%f:%l:%c:%m
    let s = basic();
    let run = s.run(["query", "--vimgrep", "协程"]);
    run.assert_code(0);
    let entries: Vec<VimgrepLine> = run
        .stdout_lines()
        .iter()
        .map(|l| VimgrepLine::parse(l))
        .collect();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.path.as_str(), e.line, e.column))
            .collect::<Vec<_>>(),
        vec![(CORO, 2, 11), (CORO, 7, 1)]
    );
    for e in &entries {
        assert_eq!(e.text, file_line(&s.root().join(&e.path), e.line));
    }
}

#[test]
fn jq_recipe_gets_dates_and_titles_of_llm_notes() {
    // notes-search query 预训练 --tag LLM --json | jq -r '[.date, .title] | @tsv'
    let s = basic();
    let run = s.run(["query", "预训练", "--tag", "LLM", "--json"]);
    run.assert_code(0);
    let tsv: Vec<String> = run
        .json_lines()
        .iter()
        .map(|v| {
            format!(
                "{}\t{}",
                v["date"].as_str().unwrap(),
                v["title"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        tsv,
        vec!["2024-07-30\t大模型预训练成本估算", "2024-09-18\t后训练笔记"]
    );
}

#[test]
fn front_matter_variants_are_read() {
    let s = Sandbox::empty();
    s.note(
        "hexo.md",
        "\n\n---\nTitle: Hexo 风格\ncreated: 2024-09-18 10:00:00\nTags: 单个标签\nDescription: 描述里的词语甲\nextra:\n  keywords: [嵌套的词语乙]\ndraft: no\n...\n正文。\n",
    );
    s.note(
        "hugo.md",
        "---\ntitle: Hugo 风格\ndate: \"2024-09-18T10:00:00+08:00\"\ntag: [单个标签]\ncategory: 随笔\n---\n正文。\n",
    );
    s.note(
        "yes-draft.md",
        "---\ntitle: 草稿\ndraft: yes\n---\n正文。\n",
    );
    s.index_default();
    let json = |q: &str| {
        let run = s.run(["query", q, "--json", "-n", "0"]);
        run.assert_code(0);
        run.json_lines()
    };
    let hexo = &json("描述里的词语甲")[0];
    assert_eq!(hexo["path"], "corpus/hexo.md");
    assert_eq!(hexo["title"], "Hexo 风格");
    assert_eq!(hexo["date"], "2024-09-18T10:00:00");
    assert_eq!(hexo["tags"], serde_json::json!(["单个标签"]));
    assert_eq!(hexo["draft"], false);
    assert_eq!(s.paths(&["嵌套的词语乙"]), strings(&["corpus/hexo.md"]));
    let hugo = &json("title:Hugo")[0];
    assert_eq!(hugo["date"], "2024-09-18T10:00:00+08:00");
    assert_eq!(hugo["category"], "随笔");
    assert_eq!(
        s.path_set(&["tag:单个标签"]),
        set(&["corpus/hexo.md", "corpus/hugo.md"])
    );
    // 10:00+08:00 is 02:00 UTC; 10:00 without offset is 10:00 UTC.
    assert_eq!(
        s.paths(&["正文", "--after", "2024-09-18T05:00:00Z"]),
        strings(&["corpus/hexo.md"])
    );
    s.run(["query", "title:草稿"]).assert_code(1);
    assert_eq!(
        s.paths(&["title:草稿", "--drafts"]),
        strings(&["corpus/yes-draft.md"])
    );
}

// ---------------------------------------------------------------------------
// Concurrency and crash safety
// ---------------------------------------------------------------------------

/// A corpus of `n` notes that all contain 线程池, long enough that indexing
/// takes a while in a debug build.
fn notes_with_the_same_word(s: &Sandbox, n: usize) {
    let filler = "这是一段用来拉长笔记的正文，讲调度、队列和拒绝策略。".repeat(40);
    for i in 0..n {
        s.note(
            &format!("batch/note-{i:04}.md"),
            format!("---\ntitle: 第{i}篇\ntags: [并发]\n---\n线程池笔记 {i}\n\n{filler}\n"),
        );
    }
}

/// `query 线程池 -l -n 0` against `index`, without building a missing index.
fn count_hits(s: &Sandbox, index: &str) -> Run {
    s.run([
        "query",
        "线程池",
        "-l",
        "-n",
        "0",
        "--index",
        index,
        "--corpus",
        "no-such-corpus",
    ])
}

#[test]
fn queries_keep_answering_from_the_last_commit_while_a_rebuild_runs() {
    let s = Sandbox::empty();
    notes_with_the_same_word(&s, 400);
    assert_eq!(s.index_default().total, 400);
    let mut rebuild = s
        .std_cmd(["index", "--rebuild"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the rebuild");
    let mut answered = 0;
    while rebuild.try_wait().expect("poll the rebuild").is_none() {
        let run = count_hits(&s, "index");
        run.assert_code(0);
        assert_eq!(run.stdout_lines().len(), 400, "mid-rebuild: {run:?}");
        answered += 1;
    }
    let output = rebuild.wait_with_output().expect("rebuild output");
    assert!(output.status.success(), "{output:?}");
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(summary.contains("rebuilt all: --rebuild"), "{summary}");
    assert!(answered > 0, "the rebuild finished before any query ran");
    assert_eq!(count_hits(&s, "index").stdout_lines().len(), 400);
}

#[test]
fn a_killed_indexer_leaves_an_index_that_reads_and_the_next_run_completes() {
    let s = Sandbox::empty();
    notes_with_the_same_word(&s, 300);
    for (round, delay_ms) in [0u64, 15, 40, 80, 150, 250].into_iter().enumerate() {
        let index = format!("index-{round}");
        let mut child = s
            .std_cmd(["index", "--index", &index])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start index");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let run = count_hits(&s, &index);
        if s.path(&format!("{index}/meta.json")).exists() {
            // Whatever was committed reads: some notes or none, never an error.
            assert!(
                run.code == 0 || run.code == 1,
                "after {delay_ms} ms: {run:?}"
            );
            assert!(run.stdout_lines().len() <= 300);
        } else {
            run.assert_code(2);
            assert!(run.stderr.contains("no index at"), "{run:?}");
        }

        let summary = s.index(&["--index", &index]);
        assert_eq!(summary.total, 300, "after {delay_ms} ms: {summary:?}");
        assert_eq!(count_hits(&s, &index).stdout_lines().len(), 300);
        assert_eq!(s.index(&["--index", &index]).unchanged, 300);
    }
}

#[test]
fn a_killed_rebuild_keeps_the_old_index() {
    let s = Sandbox::empty();
    notes_with_the_same_word(&s, 300);
    s.index_default();
    for delay_ms in [10u64, 60, 150] {
        let mut child = s
            .std_cmd(["index", "--rebuild"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the rebuild");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let run = count_hits(&s, "index");
        run.assert_code(0);
        assert_eq!(
            run.stdout_lines().len(),
            300,
            "after {delay_ms} ms: {run:?}"
        );
    }
    let summary = s.index_default();
    assert_eq!(
        (summary.total, summary.unchanged),
        (300, 300),
        "{summary:?}"
    );
}
