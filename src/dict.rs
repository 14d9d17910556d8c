//! The jieba dictionary, in the two shapes the program needs it.
//!
//! Indexing builds the full dictionary once (`Jieba::new()`, ~100 ms) plus the
//! user dictionary `<corpus>/.notes-search/dict.txt`. A query cannot afford
//! that, yet must segment exactly as the full dictionary would. jieba's choice
//! of words for a text depends only on the dictionary words that occur inside
//! that text, their frequencies and the dictionary's total frequency. So a
//! query builds an empty `Jieba`, adds just the words that are substrings of
//! the query (looked up in an fst of jieba-rs's word list made by `build.rs`,
//! plus the user words as resolved at index time), and one unmatchable
//! padding word that brings the total up to the full dictionary's. Tests
//! compare the two on many strings.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use fst::raw::{Fst, Output};
use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

use crate::normalize::{is_han, normalize};

include!(concat!(env!("OUT_DIR"), "/jieba_dict_total.rs"));

/// jieba-rs's own word list with frequencies, as an fst (see `build.rs`).
static MAIN_DICT_FST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jieba_dict.fst"));

/// Where a corpus keeps its user dictionary, relative to the corpus root.
pub const USER_DICT_PATH: &str = ".notes-search/dict.txt";

/// A word that no text can contain (private-use characters, never fed to
/// jieba), used to pad a pruned dictionary's total frequency.
const PADDING_WORD: &str = "\u{F8FF}\u{F8FF}";

fn main_dict() -> fst::Map<&'static [u8]> {
    fst::Map::new(MAIN_DICT_FST).expect("build.rs writes a valid fst")
}

/// One line of a user dictionary: `word [freq] [tag]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserEntry {
    /// The word, normalised like indexed text.
    pub word: String,
    /// Frequency, or `None` to let jieba suggest one that keeps the word whole.
    pub freq: Option<u64>,
    /// Part-of-speech tag (kept for jieba, unused by search).
    pub tag: Option<String>,
}

/// Parses a user dictionary, returning the entries and a warning per bad line.
pub fn parse_user_dict(text: &str) -> (Vec<UserEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{FEFF}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = normalize(parts.next().unwrap_or_default());
        if !word.chars().all(is_han) {
            warnings.push(format!(
                "line {}: `{word}` is not all Chinese characters; only Chinese words are segmented by the dictionary",
                n + 1
            ));
            continue;
        }
        let mut freq = None;
        let mut tag = None;
        for part in parts {
            match part.parse::<u64>() {
                Ok(f) if freq.is_none() && tag.is_none() => freq = Some(f),
                _ if tag.is_none() => tag = Some(part.to_string()),
                _ => {}
            }
        }
        entries.push(UserEntry { word, freq, tag });
    }
    (entries, warnings)
}

/// The user words' final frequencies and the dictionary total after loading
/// them: all a query needs to rebuild the same segmentation. Stored with the
/// index, so queries segment as the index did even if `dict.txt` changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedDict {
    /// Final frequency of every user word.
    pub user_words: BTreeMap<String, u64>,
    /// Total frequency of main plus user dictionary.
    pub total: u64,
}

/// Resolves user entries in order, the way jieba's `add_word` would: a
/// missing frequency becomes jieba's suggestion (enough to keep the word
/// whole), a repeated word keeps its last frequency, and the total follows.
/// A suggestion only depends on the word's own substrings, so a dictionary
/// pruned to the word computes it exactly, without the full dictionary.
pub fn resolve_user_dict(user: &[UserEntry]) -> ResolvedDict {
    let main = main_dict();
    let mut resolved = ResolvedDict {
        user_words: BTreeMap::new(),
        total: MAIN_DICT_TOTAL,
    };
    for entry in user {
        let freq = entry.freq.unwrap_or_else(|| {
            pruned_jieba([entry.word.as_str()], &resolved).suggest_freq(&entry.word) as u64
        });
        let old = resolved
            .user_words
            .get(&entry.word)
            .copied()
            .or_else(|| main.get(&entry.word))
            .unwrap_or(0);
        resolved.total = resolved.total + freq - old;
        resolved.user_words.insert(entry.word.clone(), freq);
    }
    resolved
}

/// The full dictionary with the resolved user words, for indexing.
pub fn full_jieba(dict: &ResolvedDict) -> Jieba {
    let mut jieba = Jieba::new();
    for (word, &freq) in &dict.user_words {
        jieba.add_word(word, Some(freq as usize), None);
    }
    jieba
}

/// A dictionary holding only the words of `runs` (normalised Han runs), that
/// segments those runs exactly like the full dictionary described by `dict`.
pub fn pruned_jieba<'a>(runs: impl IntoIterator<Item = &'a str>, dict: &ResolvedDict) -> Jieba {
    let main = main_dict();
    let fst = main.as_fst();
    let mut jieba = Jieba::empty();
    let mut seen = HashSet::new();
    let mut sum = 0u64;
    let mut add = |jieba: &mut Jieba, word: &str, freq: u64| {
        if seen.insert(word.to_string()) {
            let freq = dict.user_words.get(word).copied().unwrap_or(freq);
            jieba.add_word(word, Some(freq as usize), None);
            sum += freq;
        }
    };
    for run in runs {
        for (start, _) in run.char_indices() {
            for_each_prefix_word(fst, &run[start..], |word, freq| add(&mut jieba, word, freq));
        }
        for (word, &freq) in &dict.user_words {
            if run.contains(word.as_str()) {
                add(&mut jieba, word, freq);
            }
        }
    }
    if dict.total > sum {
        jieba.add_word(PADDING_WORD, Some((dict.total - sum) as usize), None);
    }
    jieba
}

/// Calls `found` with every dictionary word that is a prefix of `text`.
fn for_each_prefix_word(fst: &Fst<&[u8]>, text: &str, mut found: impl FnMut(&str, u64)) {
    let bytes = text.as_bytes();
    let mut node = fst.root();
    let mut out = Output::zero();
    for (i, &b) in bytes.iter().enumerate() {
        let Some(t) = node.find_input(b) else { return };
        let t = node.transition(t);
        out = out.cat(t.out);
        node = fst.node(t.addr);
        if node.is_final() && text.is_char_boundary(i + 1) {
            found(&text[..i + 1], out.cat(node.final_output()).value());
        }
    }
}

/// Segments Han runs into words, sharing one dictionary across all threads
/// and fields (tantivy clones tokenizers freely; the dictionary stays put).
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Source>,
}

/// A dictionary, ready or still being built on another thread.
struct Source {
    ready: OnceLock<Jieba>,
    building: Mutex<Option<JoinHandle<Jieba>>>,
}

impl Segmenter {
    /// Wraps a dictionary.
    pub fn new(jieba: Jieba) -> Self {
        Segmenter {
            jieba: Arc::new(Source {
                ready: OnceLock::from(jieba),
                building: Mutex::new(None),
            }),
        }
    }

    /// Starts building a dictionary on another thread and returns at once;
    /// the first segmentation waits for it. Indexing parses notes meanwhile
    /// (the full dictionary takes ~100 ms).
    pub fn in_background(build: impl FnOnce() -> Jieba + Send + 'static) -> Self {
        Segmenter {
            jieba: Arc::new(Source {
                ready: OnceLock::new(),
                building: Mutex::new(Some(std::thread::spawn(build))),
            }),
        }
    }

    fn jieba(&self) -> &Jieba {
        self.jieba.ready.get_or_init(|| {
            let handle = self
                .jieba
                .building
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            match handle.map(JoinHandle::join) {
                Some(Ok(jieba)) => jieba,
                // Building cannot fail short of a panic; fall back to the
                // plain dictionary rather than take the indexer down.
                _ => Jieba::new(),
            }
        })
    }

    /// Search-mode words of a Han run (overlapping: 预训练 and 训练), as
    /// character ranges; used for indexing, so that sub-words also score.
    pub fn search_words(&self, run: &str) -> Vec<(usize, usize)> {
        self.jieba()
            .cut_for_search(run, true)
            .into_iter()
            .map(|t| (t.start, t.end))
            .collect()
    }

    /// The plain segmentation of a Han run, as character ranges; used for
    /// queries, whose words must all match.
    pub fn words(&self, run: &str) -> Vec<(usize, usize)> {
        self.jieba()
            .cut(run, true)
            .into_iter()
            .map(|t| (t.start, t.end))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(jieba: &Jieba, text: &str, search: bool) -> Vec<String> {
        let tokens = if search {
            jieba.cut_for_search(text, true)
        } else {
            jieba.cut(text, true)
        };
        tokens.into_iter().map(|t| t.word.to_string()).collect()
    }

    const SAMPLES: &[&str] = &[
        "预训练模型",
        "预训练和后训练的性质变了",
        "线程池参数配置",
        "大模型的预训练是个工程活",
        "我们在北京大学学习自然语言处理",
        "高可用架构设计",
        "数据决定模型的上限算法决定模型的下限",
        "南京市长江大桥",
        "乾隆皇帝",
        "协程调度器的实现原理",
        "分布式事务的一致性保证",
        "婴儿般的睡眠每个小时都会醒来",
        "中华人民共和国成立了",
        "李沐交大讲座笔记",
        "后训练反而是技术活了",
    ];

    /// What jieba itself makes of the user entries, added one by one.
    fn jieba_with(user: &[UserEntry]) -> Jieba {
        let mut jieba = Jieba::new();
        for e in user {
            jieba.add_word(&e.word, e.freq.map(|f| f as usize), e.tag.as_deref());
        }
        jieba
    }

    fn assert_same_segmentation(user: &[UserEntry]) {
        let full = jieba_with(user);
        let resolved = resolve_user_dict(user);
        let rebuilt = full_jieba(&resolved);
        for text in SAMPLES {
            let pruned = pruned_jieba([*text], &resolved);
            for search in [false, true] {
                assert_eq!(
                    words(&pruned, text, search),
                    words(&full, text, search),
                    "{text} (search mode: {search})"
                );
                assert_eq!(
                    words(&rebuilt, text, search),
                    words(&full, text, search),
                    "{text} (search mode: {search}, rebuilt)"
                );
            }
        }
    }

    #[test]
    fn pruned_dictionary_segments_like_the_full_one() {
        assert_same_segmentation(&[]);
    }

    #[test]
    fn pruned_dictionary_agrees_with_user_words() {
        let (user, warnings) = parse_user_dict(
            "后训练 2000 n\n预训练模型\n# comment\n长江大桥 5\n李沐 nr\n北京大学 1\n李沐 nr\n",
        );
        assert!(warnings.is_empty());
        assert_same_segmentation(&user);
        let resolved = resolve_user_dict(&user);
        assert_eq!(
            format!("{:?}", jieba_with(&user)),
            format!("{:?}", full_jieba(&resolved)),
            "same number of records and same total"
        );
        let pruned = pruned_jieba(["后训练反而是技术活了"], &resolved);
        assert_eq!(words(&pruned, "后训练反而是技术活了", false)[0], "后训练");
    }

    /// Every Han run of the bundled corpus, segmented with the corpus's own
    /// user dictionary: thousands of "queries", none may differ.
    #[test]
    fn pruned_dictionary_agrees_on_the_whole_bundled_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let user_text = std::fs::read_to_string(root.join(USER_DICT_PATH)).unwrap();
        let (user, _) = parse_user_dict(&user_text);
        assert!(!user.is_empty());
        let resolved = resolve_user_dict(&user);
        let full = full_jieba(&resolved);
        let mut runs = std::collections::BTreeSet::new();
        for file in crate::walk::walk(&root).files {
            let text = normalize(&std::fs::read_to_string(&file.abs).unwrap());
            for run in text.split(|c: char| !is_han(c)).filter(|r| !r.is_empty()) {
                runs.insert(run.to_string());
            }
        }
        assert!(runs.len() > 1000, "{} runs", runs.len());
        for run in &runs {
            let pruned = pruned_jieba([run.as_str()], &resolved);
            for search in [false, true] {
                assert_eq!(
                    words(&pruned, run, search),
                    words(&full, run, search),
                    "{run}"
                );
            }
        }
    }

    #[test]
    fn user_dictionary_lines() {
        let (entries, warnings) = parse_user_dict("後訓練 100 n\n大模型 n\nGPT4 5\n\n");
        assert_eq!(
            entries,
            vec![
                UserEntry {
                    word: "后训练".into(),
                    freq: Some(100),
                    tag: Some("n".into())
                },
                UserEntry {
                    word: "大模型".into(),
                    freq: None,
                    tag: Some("n".into())
                },
            ]
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("line 3:"), "{warnings:?}");
    }

    #[test]
    fn main_dictionary_total_matches_jieba() {
        let debug = format!("{:?}", Jieba::new());
        assert!(
            debug.contains(&format!("total_freq: {MAIN_DICT_TOTAL}")),
            "{debug}"
        );
    }
}
