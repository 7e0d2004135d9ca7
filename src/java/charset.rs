//! `java.nio.charset.Charset` as `new String(bytes, charset)` and `String.getBytes(charset)` use
//! it: malformed input becomes U+FFFD (with the JDK's rules for how many bytes one replacement
//! covers), unmappable characters become `?`.
//!
//! `encoding_rs` follows the WHATWG Encoding Standard, which differs from Java where it matters
//! here: its `ISO-8859-1` label means windows-1252, it cannot encode UTF-16, and it writes
//! unmappable characters as HTML entities. Those cases are handled here; the rest of the
//! legacy encodings go through `encoding_rs`.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JavaCharset {
    Utf8,
    /// True ISO-8859-1: byte = code point.
    Latin1,
    Ascii,
    /// Java `UTF-16`: decodes with BOM detection (big-endian default), encodes big-endian with
    /// a BOM.
    Utf16,
    Utf16Be,
    Utf16Le,
    Other(&'static encoding_rs::Encoding),
}

impl JavaCharset {
    /// `Charset.forName(name)`; `None` for a name Java would not know here.
    pub fn for_name(name: &str) -> Option<JavaCharset> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => JavaCharset::Utf8,
            "iso-8859-1" | "iso8859_1" | "iso_8859_1" | "iso_8859-1" | "iso8859-1" | "latin1"
            | "l1" | "8859_1" | "cp819" | "ibm819" | "ibm-819" | "819" | "csisolatin1"
            | "iso-ir-100" | "iso_8859-1:1987" => JavaCharset::Latin1,
            "us-ascii" | "ascii" | "us" | "iso646-us" | "default" | "cp367" | "ascii7" | "646"
            | "csascii" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "iso_646.irv:1991" | "iso-ir-6"
            | "ibm367" => JavaCharset::Ascii,
            "utf-16" | "utf_16" | "utf16" | "unicode" => JavaCharset::Utf16,
            "utf-16be" | "utf_16be" | "x-utf-16be" | "iso-10646-ucs-2" | "unicodebigunmarked" => {
                JavaCharset::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => {
                JavaCharset::Utf16Le
            }
            _ => {
                let enc = encoding_rs::Encoding::for_label(n.as_bytes())?;
                // A WHATWG label that lands on a different encoding than Java's name would
                // (e.g. "utf-16" handled above) is not an issue for the remaining labels.
                if enc == encoding_rs::REPLACEMENT {
                    return None;
                }
                JavaCharset::Other(enc)
            }
        })
    }

    /// `new String(bytes, charset)`.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self {
            JavaCharset::Utf8 => decode_utf8(bytes),
            JavaCharset::Latin1 => {
                if bytes.is_ascii() {
                    // SAFETY-free: ASCII is valid UTF-8.
                    Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
                } else {
                    Cow::Owned(bytes.iter().map(|&b| b as char).collect())
                }
            }
            JavaCharset::Ascii => {
                if bytes.is_ascii() {
                    Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
                } else {
                    Cow::Owned(
                        bytes
                            .iter()
                            .map(|&b| if b < 0x80 { b as char } else { '\u{FFFD}' })
                            .collect(),
                    )
                }
            }
            JavaCharset::Utf16 => match bytes {
                [0xFE, 0xFF, rest @ ..] => Cow::Owned(decode_utf16(rest, true)),
                [0xFF, 0xFE, rest @ ..] => Cow::Owned(decode_utf16(rest, false)),
                _ => Cow::Owned(decode_utf16(bytes, true)),
            },
            JavaCharset::Utf16Be => Cow::Owned(decode_utf16(bytes, true)),
            JavaCharset::Utf16Le => Cow::Owned(decode_utf16(bytes, false)),
            JavaCharset::Other(enc) => enc.decode_without_bom_handling(bytes).0,
        }
    }

    /// `string.getBytes(charset)`.
    pub fn encode<'a>(&self, text: &'a str) -> Cow<'a, [u8]> {
        match self {
            JavaCharset::Utf8 => Cow::Borrowed(text.as_bytes()),
            JavaCharset::Latin1 | JavaCharset::Ascii => {
                let max = if *self == JavaCharset::Latin1 {
                    0xFF
                } else {
                    0x7F
                };
                if text.is_ascii() {
                    Cow::Borrowed(text.as_bytes())
                } else {
                    Cow::Owned(
                        text.chars()
                            .map(|c| if (c as u32) <= max { c as u8 } else { b'?' })
                            .collect(),
                    )
                }
            }
            JavaCharset::Utf16 => {
                let mut out = vec![0xFE, 0xFF];
                out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
                Cow::Owned(out)
            }
            JavaCharset::Utf16Be => {
                Cow::Owned(text.encode_utf16().flat_map(u16::to_be_bytes).collect())
            }
            JavaCharset::Utf16Le => {
                Cow::Owned(text.encode_utf16().flat_map(u16::to_le_bytes).collect())
            }
            JavaCharset::Other(enc) => {
                let mut encoder = enc.new_encoder();
                let mut out = Vec::with_capacity(text.len() + 8);
                let mut rest = text;
                loop {
                    let needed = encoder
                        .max_buffer_length_from_utf8_without_replacement(rest.len())
                        .unwrap_or(rest.len() * 4 + 16);
                    out.reserve(needed);
                    let (result, read) =
                        encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
                    rest = &rest[read..];
                    match result {
                        encoding_rs::EncoderResult::InputEmpty => break,
                        encoding_rs::EncoderResult::OutputFull => continue,
                        encoding_rs::EncoderResult::Unmappable(_) => out.push(b'?'),
                    }
                }
                Cow::Owned(out)
            }
        }
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> String {
    let units = bytes.chunks(2).map(|c| match c {
        [a, b] => {
            if big_endian {
                u16::from_be_bytes([*a, *b])
            } else {
                u16::from_le_bytes([*a, *b])
            }
        }
        // A trailing odd byte is malformed.
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect()
}

/// UTF-8 decoding with the JDK's replacement rules: a well-formed encoding of a surrogate
/// (`ED A0 80`) is one U+FFFD; an invalid lead byte or a stray continuation byte is one U+FFFD
/// each; a truncated sequence is one U+FFFD.
pub fn decode_utf8(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut i = 0;
    let n = bytes.len();
    let cont = |b: u8| (b & 0xC0) == 0x80;
    while i < n {
        // Copy the longest valid run at once.
        match std::str::from_utf8(&bytes[i..]) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                // SAFETY-free: from_utf8 said these bytes are valid.
                out.push_str(std::str::from_utf8(&bytes[i..i + valid]).unwrap_or_default());
                i += valid;
            }
        }
        if i >= n {
            break;
        }
        let b1 = bytes[i];
        let skip = if b1 < 0xC2 {
            // Continuation byte or overlong 2-byte lead.
            1
        } else if b1 < 0xE0 {
            1
        } else if b1 < 0xF0 {
            if i + 2 < n {
                let (b2, b3) = (bytes[i + 1], bytes[i + 2]);
                let malformed3 = (b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !cont(b2) || !cont(b3);
                if malformed3 {
                    // malformedN(3)
                    if (b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !cont(b2) {
                        1
                    } else {
                        2
                    }
                } else {
                    // Structurally fine: a surrogate (ED A0..BF xx) — one replacement for 3.
                    3
                }
            } else if i + 1 < n
                && !((b1 == 0xE0 && (bytes[i + 1] & 0xE0) == 0x80) || !cont(bytes[i + 1]))
            {
                // Truncated at the end: the rest is one replacement.
                n - i
            } else if i + 1 < n {
                1
            } else {
                n - i
            }
        } else {
            // 4-byte leads (and invalid F5..FF).
            let b2 = bytes.get(i + 1).copied();
            match b2 {
                None => n - i,
                Some(b2) => {
                    if b1 > 0xF4
                        || (b1 == 0xF0 && !(0x90..=0xBF).contains(&b2))
                        || (b1 == 0xF4 && (b2 & 0xF0) != 0x80)
                        || !cont(b2)
                    {
                        1
                    } else {
                        match bytes.get(i + 2) {
                            None => n - i,
                            Some(&b3) if !cont(b3) => 2,
                            Some(_) => match bytes.get(i + 3) {
                                None => n - i,
                                Some(_) => 3,
                            },
                        }
                    }
                }
            }
        };
        out.push('\u{FFFD}');
        i += skip.max(1);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_utf8_replacement_counts() {
        // From a running Flume (reference §18).
        assert_eq!(decode_utf8(b"a\xED\xA0\x80b"), "a\u{FFFD}b");
        assert_eq!(decode_utf8(b"a\xC0\xAFb"), "a\u{FFFD}\u{FFFD}b");
        assert_eq!(decode_utf8(b"ok"), "ok");
        assert_eq!(decode_utf8(b"a\xE2\x82"), "a\u{FFFD}");
        assert_eq!(decode_utf8(b"\x80\x80"), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn names_and_round_trips() {
        let latin1 = JavaCharset::for_name("ISO-8859-1").unwrap();
        assert_eq!(latin1, JavaCharset::Latin1);
        assert_eq!(latin1.decode(b"\x80\xE9"), "\u{80}é");
        assert_eq!(&*latin1.encode("é€"), b"\xE9?");
        let ascii = JavaCharset::for_name("US-ASCII").unwrap();
        assert_eq!(&*ascii.encode("aé"), b"a?");
        let u16 = JavaCharset::for_name("UTF-16").unwrap();
        assert_eq!(&*u16.encode("A"), b"\xFE\xFF\x00A");
        assert_eq!(u16.decode(b"\xFF\xFEA\x00"), "A");
        let cp = JavaCharset::for_name("windows-1252").unwrap();
        assert_eq!(&*cp.encode("€"), b"\x80");
        let sjis = JavaCharset::for_name("Shift_JIS").unwrap();
        assert_eq!(&*sjis.encode("a😀"), b"a?");
        assert!(JavaCharset::for_name("no-such-charset").is_none());
    }
}
