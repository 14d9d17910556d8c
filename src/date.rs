//! Dates as people write them in front matter and on the command line.
//!
//! Hugo writes RFC 3339, Hexo `2024-09-18 10:00:00`, hand-written notes
//! `2024/09/18` or `2024-9-8`. All become one instant for filtering (a date or
//! time without an offset is taken as UTC) and one ISO 8601 string for
//! output, as precise as what was written.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A parsed date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteDate {
    /// The instant, in UTC, used for filtering and sorting.
    pub utc: DateTime<Utc>,
    /// ISO 8601, as precise as the source: `2024-09-18`,
    /// `2024-09-18T10:00:00` or `2024-09-18T10:00:00+08:00`.
    pub iso: String,
}

/// Parses the date formats notes use; `None` when it is not a date.
pub fn parse_date(text: &str) -> Option<NoteDate> {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if text.is_empty() || text.len() > 40 {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset(dt));
    }
    let unified = unify_separators(text);
    for fmt in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(&unified, fmt) {
            return Some(with_offset(dt));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&unified, fmt) {
            return Some(NoteDate {
                utc: Utc.from_utc_datetime(&dt),
                iso: dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            });
        }
    }
    let date = NaiveDate::parse_from_str(&unified, "%Y-%m-%d").ok()?;
    Some(NoteDate {
        utc: Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)),
        iso: date.format("%Y-%m-%d").to_string(),
    })
}

fn with_offset(dt: DateTime<FixedOffset>) -> NoteDate {
    NoteDate {
        utc: dt.with_timezone(&Utc),
        iso: dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    }
}

/// `2024/09/18`, `2024.09.18`, `2024年9月18日` and `2024-09-18T10:00` all
/// to `-` and space.
fn unify_separators(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_date = true;
    for c in text.chars() {
        match c {
            '/' | '.' | '年' | '月' if in_date => out.push('-'),
            '日' | '号' if in_date => {}
            'T' | 't' | ' ' if in_date => {
                in_date = false;
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Option<String> {
        parse_date(text).map(|d| d.iso)
    }

    #[test]
    fn formats_found_in_notes() {
        assert_eq!(iso("2024-09-18").as_deref(), Some("2024-09-18"));
        assert_eq!(iso("\"2024-09-18\"").as_deref(), Some("2024-09-18"));
        assert_eq!(iso("2024/09/18").as_deref(), Some("2024-09-18"));
        assert_eq!(iso("2024-9-8").as_deref(), Some("2024-09-08"));
        assert_eq!(iso("2024.09.18").as_deref(), Some("2024-09-18"));
        assert_eq!(
            iso("2024-09-18 10:00:00").as_deref(),
            Some("2024-09-18T10:00:00")
        );
        assert_eq!(
            iso("2024-09-18 10:00").as_deref(),
            Some("2024-09-18T10:00:00")
        );
        assert_eq!(
            iso("2019-12-18T20:00:00+08:00").as_deref(),
            Some("2019-12-18T20:00:00+08:00")
        );
        assert_eq!(
            iso("2018-05-04T10:12:34.000Z").as_deref(),
            Some("2018-05-04T10:12:34Z")
        );
        assert_eq!(
            iso("2019-01-01 12:00:00 +0800").as_deref(),
            Some("2019-01-01T12:00:00+08:00")
        );
        assert_eq!(
            iso("2019-01-01 12:00:00+0800").as_deref(),
            Some("2019-01-01T12:00:00+08:00")
        );
        assert_eq!(
            iso("2019-01-01T12:00:00.5+08:00").as_deref(),
            Some("2019-01-01T12:00:00.500+08:00")
        );
        assert_eq!(iso("2024年9月18日").as_deref(), Some("2024-09-18"));
        assert_eq!(iso("2024年09月18号").as_deref(), Some("2024-09-18"));
        assert_eq!(
            iso("2024年9月18日 10:30").as_deref(),
            Some("2024-09-18T10:30:00")
        );
    }

    #[test]
    fn offsets_are_applied_for_filtering() {
        let d = parse_date("2019-12-18T02:00:00+08:00").unwrap();
        assert_eq!(d.utc.to_rfc3339(), "2019-12-17T18:00:00+00:00");
    }

    #[test]
    fn non_dates_are_rejected() {
        for text in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "12:00",
            "2024",
            "2024年",
            "9月18日",
        ] {
            assert_eq!(iso(text), None, "{text}");
        }
    }
}
