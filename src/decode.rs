//! Bytes of a note file to text, whatever they are.
//!
//! Notes are UTF-8 nearly always, but old ones may be GBK, carry a BOM, use
//! CRLF or lone CR line endings, or contain NUL bytes. Decoding never fails:
//! it picks the best reading it can and says what it had to do, so the
//! indexer can warn while still indexing the note.

/// Decoded text and what was unusual about the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with `\n` line endings and no NUL characters.
    pub text: String,
    /// Human-readable notes on what decoding had to repair.
    pub warnings: Vec<String>,
}

/// Decodes a note's bytes.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut warnings = Vec::new();
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8_or_fallback(rest, &mut warnings)
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let encoding = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[2..]);
        warnings.push(format!(
            "encoded as {}{}; decoded it",
            encoding.name(),
            if had_errors {
                " with invalid sequences"
            } else {
                ""
            }
        ));
        text.into_owned()
    } else {
        utf8_or_fallback(bytes, &mut warnings)
    };
    let text = clean_controls(text, &mut warnings);
    Decoded { text, warnings }
}

fn utf8_or_fallback(bytes: &[u8], warnings: &mut Vec<String>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            if let Some(text) = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .filter(|_| !bytes.contains(&0))
            {
                warnings.push("not UTF-8; decoded it as GBK/GB18030".into());
                text.into_owned()
            } else {
                warnings.push("not valid UTF-8; replaced the invalid bytes".into());
                String::from_utf8_lossy(bytes).into_owned()
            }
        }
    }
}

/// `\r\n` and lone `\r` to `\n`; NUL to a space (a NUL suggests binary data).
fn clean_controls(text: String, warnings: &mut Vec<String>) -> String {
    let has_nul = text.contains('\0');
    if !has_nul && !text.contains('\r') {
        return text;
    }
    if has_nul {
        warnings.push("contains NUL bytes (binary data?); indexed the text around them".into());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\0' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_utf8_passes_through() {
        let d = decode("预训练\n".as_bytes());
        assert_eq!(d.text, "预训练\n");
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn bom_and_crlf_are_removed_silently() {
        let d = decode(b"\xEF\xBB\xBFa\r\nb\rc");
        assert_eq!(d.text, "a\nb\nc");
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn gbk_is_decoded_with_a_warning() {
        let (gbk, _, _) = encoding_rs::GBK.encode("线程池的参数");
        let d = decode(&gbk);
        assert_eq!(d.text, "线程池的参数");
        assert_eq!(d.warnings, vec!["not UTF-8; decoded it as GBK/GB18030"]);
    }

    #[test]
    fn garbage_is_replaced_and_nul_becomes_space() {
        let d = decode(b"ok\xFF\xFE\xFDend\0x");
        assert!(d.text.starts_with("ok"));
        assert!(d.text.ends_with("end x"));
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "中文".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let d = decode(&bytes);
        assert_eq!(d.text, "中文");
        assert_eq!(d.warnings.len(), 1);
    }
}
