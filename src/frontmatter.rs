//! Front matter: finding it, parsing it (YAML or TOML), and reading the fields
//! search cares about.
//!
//! This is the only module that knows serde_yaml (deprecated upstream, kept
//! here behind [`parse`] so it can be swapped without touching anything
//! else). YAML and TOML are first turned into one small tree, [`Meta`], and
//! the fields are read from that, so both formats obey the same rules.
//!
//! Broken front matter is common in real notes. It never stops a note from
//! being indexed: a block that does not parse is salvaged line by line
//! (`key: value`), and every value in it stays searchable.

use crate::date::{parse_date, NoteDate};
use crate::normalize::one_line;

/// Front matter syntax, named by its fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `---` fences.
    Yaml,
    /// `+++` fences.
    Toml,
}

/// Where the front matter and the body are in a note's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter between the fences, if there is a closed block.
    pub block: Option<(Format, &'a str)>,
    /// The Markdown after the front matter.
    pub body: &'a str,
    /// 1-based line number of the body's first line in the file.
    pub body_line: usize,
    /// Why the front matter could not be separated, if it could not.
    pub warning: Option<String>,
}

/// Separates front matter from the body. Blank lines may precede the
/// opening fence; a block that never closes is treated as body.
pub fn split(text: &str) -> Split<'_> {
    let no_front_matter = Split {
        block: None,
        body: text,
        body_line: 1,
        warning: None,
    };
    let mut offset = 0;
    let mut line_no = 0;
    let mut opening = None;
    for line in text.split_inclusive('\n') {
        line_no += 1;
        offset += line.len();
        let trimmed = line.trim_end();
        if trimmed.trim_start().is_empty() {
            continue;
        }
        opening = match trimmed {
            "---" => Some(Format::Yaml),
            "+++" => Some(Format::Toml),
            _ => None,
        };
        break;
    }
    let Some(format) = opening else {
        return no_front_matter;
    };
    let start = offset;
    for line in text[start..].split_inclusive('\n') {
        line_no += 1;
        let trimmed = line.trim_end();
        let closes = match format {
            Format::Yaml => trimmed == "---" || trimmed == "...",
            Format::Toml => trimmed == "+++",
        };
        if closes {
            return Split {
                block: Some((format, &text[start..offset])),
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
                warning: None,
            };
        }
        offset += line.len();
    }
    Split {
        warning: Some("front matter never closes; indexed the whole file as Markdown".into()),
        ..no_front_matter
    }
}

/// A format-neutral front matter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Meta {
    /// A string, number or date, as text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A sequence.
    List(Vec<Meta>),
    /// A mapping, in source order.
    Map(Vec<(String, Meta)>),
    /// Null or empty.
    Null,
}

/// The front matter fields search uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontMatter {
    /// `title`.
    pub title: Option<String>,
    /// `date` (or `created`, `pubDate`, `publishDate`).
    pub date: Option<NoteDate>,
    /// `draft`.
    pub draft: bool,
    /// `tags` or `tag`: a list or a comma-separated string.
    pub tags: Vec<String>,
    /// `category` or `categories`: a string or a list.
    pub categories: Vec<String>,
    /// `summary` or `description`.
    pub summary: Option<String>,
    /// Every other string value, nested ones included.
    pub extra: Vec<String>,
}

/// Parses a front matter block; never fails, but says what it could not read.
pub fn parse(format: Format, raw: &str) -> (FrontMatter, Vec<String>) {
    let mut warnings = Vec::new();
    let tree = match format {
        Format::Yaml => parse_yaml(raw),
        Format::Toml => parse_toml(raw),
    };
    let tree = match tree {
        Ok(tree) => tree,
        Err(why) => {
            warnings.push(format!(
                "front matter is not valid {}: {why}; salvaged it line by line",
                match format {
                    Format::Yaml => "YAML",
                    Format::Toml => "TOML",
                }
            ));
            salvage(raw, format)
        }
    };
    let fm = read_fields(tree, &mut warnings);
    (fm, warnings)
}

fn parse_yaml(raw: &str) -> Result<Meta, String> {
    let value: serde_yaml::Value =
        serde_yaml::from_str(raw).map_err(|e| one_line(&e.to_string()))?;
    Ok(from_yaml(value))
}

fn from_yaml(value: serde_yaml::Value) -> Meta {
    use serde_yaml::Value;
    match value {
        Value::Null => Meta::Null,
        Value::Bool(b) => Meta::Bool(b),
        Value::Number(n) => Meta::Text(n.to_string()),
        Value::String(s) => Meta::Text(s),
        Value::Sequence(items) => Meta::List(items.into_iter().map(from_yaml).collect()),
        Value::Mapping(map) => Meta::Map(
            map.into_iter()
                .map(|(k, v)| (yaml_key(k), from_yaml(v)))
                .collect(),
        ),
        Value::Tagged(tagged) => from_yaml(tagged.value),
    }
}

fn yaml_key(key: serde_yaml::Value) -> String {
    match from_yaml(key) {
        Meta::Text(s) => s,
        Meta::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn parse_toml(raw: &str) -> Result<Meta, String> {
    let table: toml::Table = raw
        .parse()
        .map_err(|e: toml::de::Error| one_line(e.message()))?;
    Ok(from_toml(toml::Value::Table(table)))
}

fn from_toml(value: toml::Value) -> Meta {
    use toml::Value;
    match value {
        Value::String(s) => Meta::Text(s),
        Value::Integer(i) => Meta::Text(i.to_string()),
        Value::Float(f) => Meta::Text(f.to_string()),
        Value::Boolean(b) => Meta::Bool(b),
        Value::Datetime(d) => Meta::Text(d.to_string()),
        Value::Array(items) => Meta::List(items.into_iter().map(from_toml).collect()),
        Value::Table(t) => Meta::Map(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect()),
    }
}

/// Reads `key: value` (YAML) or `key = value` (TOML) lines and `- item`
/// continuation lines; any other line is kept as text.
fn salvage(raw: &str, format: Format) -> Meta {
    let separator = match format {
        Format::Yaml => ':',
        Format::Toml => '=',
    };
    let mut map: Vec<(String, Meta)> = Vec::new();
    let mut loose = Vec::new();
    for line in raw.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ") {
            if let Some((_, Meta::List(items))) = map.last_mut() {
                items.push(Meta::Text(unquote(item)));
                continue;
            }
        }
        let at_top = !line.starts_with([' ', '\t']);
        match trimmed.split_once(separator) {
            Some((key, value)) if at_top && is_plain_key(key.trim()) => {
                map.push((key.trim().to_string(), salvage_value(value.trim())));
            }
            _ => loose.push(Meta::Text(trimmed.to_string())),
        }
    }
    if !loose.is_empty() {
        map.push((String::new(), Meta::List(loose)));
    }
    Meta::Map(map)
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn salvage_value(value: &str) -> Meta {
    if value.is_empty() {
        return Meta::List(Vec::new());
    }
    if let Some(inner) = value.strip_prefix('[') {
        // An inline list, closed or not.
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        return Meta::List(
            inner
                .split(',')
                .map(unquote)
                .filter(|s| !s.is_empty())
                .map(Meta::Text)
                .collect(),
        );
    }
    match unquote(value).as_str() {
        "true" => Meta::Bool(true),
        "false" => Meta::Bool(false),
        text => Meta::Text(text.to_string()),
    }
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    let stripped = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
    stripped.unwrap_or(t).to_string()
}

fn read_fields(tree: Meta, warnings: &mut Vec<String>) -> FrontMatter {
    let mut fm = FrontMatter::default();
    let entries = match tree {
        Meta::Map(entries) => entries,
        Meta::Null => return fm,
        other => {
            warnings.push("front matter is not a mapping of keys to values".into());
            collect_text(&other, &mut fm.extra);
            return fm;
        }
    };
    let mut date_text = None;
    for (key, value) in entries {
        match key.to_lowercase().as_str() {
            "title" if fm.title.is_none() => fm.title = scalar(&value),
            "date" | "created" | "pubdate" | "publishdate" if date_text.is_none() => {
                date_text = scalar(&value);
                if date_text.is_none() {
                    collect_text(&value, &mut fm.extra);
                }
            }
            "draft" => fm.draft = truthy(&value),
            "tags" | "tag" => fm.tags.extend(list(&value, true)),
            "category" | "categories" => fm.categories.extend(list(&value, false)),
            "summary" | "description" if fm.summary.is_none() => fm.summary = scalar(&value),
            _ => collect_text(&value, &mut fm.extra),
        }
    }
    if let Some(text) = date_text {
        fm.date = parse_date(&text);
        if fm.date.is_none() {
            warnings.push(format!(
                "date `{}` is not a date; ignored it",
                one_line(&text)
            ));
            fm.extra.push(text);
        }
    }
    dedup_keep_order(&mut fm.tags);
    dedup_keep_order(&mut fm.categories);
    fm
}

fn scalar(value: &Meta) -> Option<String> {
    match value {
        Meta::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Meta::Bool(b) => Some(b.to_string()),
        Meta::List(items) => items.iter().find_map(scalar),
        _ => None,
    }
}

fn truthy(value: &Meta) -> bool {
    match value {
        Meta::Bool(b) => *b,
        Meta::Text(s) => matches!(s.trim().to_lowercase().as_str(), "true" | "yes" | "1"),
        _ => false,
    }
}

/// A list's scalars, or a string split on commas (`split_commas`).
fn list(value: &Meta, split_commas: bool) -> Vec<String> {
    let mut scalars = Vec::new();
    match value {
        Meta::Text(s) => scalars.push(s.clone()),
        Meta::List(_) => list_scalars(value, &mut scalars),
        _ => {}
    }
    let separators: &[char] = if split_commas {
        &[',', '，', '、']
    } else {
        &[]
    };
    scalars
        .iter()
        .flat_map(|s| s.split(separators))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The scalars of a list, nested lists included (`tags: [a, [b, c]]`).
fn list_scalars(value: &Meta, out: &mut Vec<String>) {
    let Meta::List(items) = value else { return };
    for item in items {
        match item {
            Meta::List(_) => list_scalars(item, out),
            _ => out.extend(scalar(item)),
        }
    }
}

fn collect_text(value: &Meta, out: &mut Vec<String>) {
    match value {
        Meta::Text(s) if !s.trim().is_empty() => out.push(s.clone()),
        Meta::List(items) => items.iter().for_each(|i| collect_text(i, out)),
        Meta::Map(entries) => entries.iter().for_each(|(_, v)| collect_text(v, out)),
        _ => {}
    }
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (FrontMatter, Vec<String>, Split<'_>) {
        let split = split(text);
        let (fm, warnings) = match split.block {
            Some((format, raw)) => parse(format, raw),
            None => (FrontMatter::default(), vec![]),
        };
        (fm, warnings, split)
    }

    #[test]
    fn yaml_with_all_known_fields() {
        let text = "---\ntitle: \"讲座笔记\"\ndate: 2024-09-18\ndraft: false\ntags: [\"讲座\", LLM]\ncategory: review\nsummary: 一次讲座\nauthor: 某人\nextra:\n  keywords: [预训练, scaling]\n---\n## 正文\n";
        let (fm, warnings, split) = parsed(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.title.as_deref(), Some("讲座笔记"));
        assert_eq!(fm.date.unwrap().iso, "2024-09-18");
        assert!(!fm.draft);
        assert_eq!(fm.tags, vec!["讲座", "LLM"]);
        assert_eq!(fm.categories, vec!["review"]);
        assert_eq!(fm.summary.as_deref(), Some("一次讲座"));
        assert_eq!(fm.extra, vec!["某人", "预训练", "scaling"]);
        assert_eq!(split.body, "## 正文\n");
        assert_eq!(split.body_line, 12);
    }

    #[test]
    fn tags_as_a_comma_separated_string_and_tag_key() {
        let (fm, _, _) = parsed("---\ntags: \"Rust, 并发，线程池\"\ntag:\n  - 笔记\n---\n");
        assert_eq!(fm.tags, vec!["Rust", "并发", "线程池", "笔记"]);
        let (fm, _, _) = parsed("---\ncategories: [a, b]\n---\n");
        assert_eq!(fm.categories, vec!["a", "b"]);
    }

    #[test]
    fn tags_of_mixed_types_keep_every_scalar() {
        let (fm, warnings, _) = parsed("---\ntags: [1, 2.5, {a: b}, null, [x, [y]], true]\n---\n");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.tags, vec!["1", "2.5", "x", "y", "true"]);
    }

    #[test]
    fn toml_front_matter() {
        let text = "+++\ntitle = \"TOML 笔记\"\ndate = 2023-11-02\ndraft = true\ntags = [\"x\"]\ncategories = [\"y\"]\n+++\nbody\n";
        let (fm, warnings, split) = parsed(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.title.as_deref(), Some("TOML 笔记"));
        assert_eq!(fm.date.unwrap().iso, "2023-11-02");
        assert!(fm.draft);
        assert_eq!(fm.tags, vec!["x"]);
        assert_eq!(fm.categories, vec!["y"]);
        assert_eq!(split.body, "body\n");
    }

    #[test]
    fn crlf_blank_lines_before_the_fence_and_dots_closing() {
        let text = "\r\n\r\n---\r\ntitle: 标题\r\ndate: 2024/09/18\r\n...\r\n正文\r\n";
        let (fm, warnings, split) = parsed(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fm.title.as_deref(), Some("标题"));
        assert_eq!(fm.date.unwrap().iso, "2024-09-18");
        assert_eq!(split.body, "正文\r\n");
        assert_eq!(split.body_line, 7);
    }

    #[test]
    fn broken_yaml_is_salvaged_and_nothing_is_lost() {
        let text = "---\ntitle: 坏掉的: YAML: 笔记\ndate: 2024-09-18\ntags: [a, b\n  奇怪的缩进\n---\nbody";
        let (fm, warnings, _) = parsed(text);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("front matter is not valid YAML"),
            "{warnings:?}"
        );
        assert_eq!(fm.title.as_deref(), Some("坏掉的: YAML: 笔记"));
        assert_eq!(fm.date.unwrap().iso, "2024-09-18");
        assert_eq!(fm.tags, vec!["a", "b"]);
        assert_eq!(fm.extra, vec!["奇怪的缩进"]);
    }

    #[test]
    fn unclosed_front_matter_is_body() {
        let text = "---\ntitle: x\n正文没有结束";
        let split = split(text);
        assert_eq!(split.block, None);
        assert_eq!(split.body, text);
        assert!(split.warning.unwrap().contains("never closes"));
    }

    #[test]
    fn no_front_matter() {
        let split = split("# 标题\n正文");
        assert_eq!(split.block, None);
        assert_eq!(split.body_line, 1);
        assert_eq!(split.warning, None);
    }

    #[test]
    fn odd_values_do_not_break_fields() {
        let (fm, warnings, _) = parsed(
            "---\ntitle: 2024\ndate: someday\ndraft: yes\nTags: 单个\nDescription: 描述\n---\n",
        );
        assert_eq!(fm.title.as_deref(), Some("2024"));
        assert_eq!(fm.date, None);
        assert_eq!(warnings, vec!["date `someday` is not a date; ignored it"]);
        assert!(fm.draft);
        assert_eq!(fm.tags, vec!["单个"]);
        assert_eq!(fm.summary.as_deref(), Some("描述"));
        assert_eq!(fm.extra, vec!["someday"]);
    }

    #[test]
    fn a_list_at_the_top_is_kept_as_text() {
        let (fm, warnings, _) = parsed("---\n- 一\n- 二\n---\n");
        assert_eq!(fm.extra, vec!["一", "二"]);
        assert_eq!(warnings.len(), 1);
    }
}
