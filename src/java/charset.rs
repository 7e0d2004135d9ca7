//! `java.nio.charset.Charset` as `new String(bytes, charset)` and `String.getBytes(charset)` use
//! it: malformed input becomes U+FFFD (with the JDK's rules for how many bytes one replacement
//! covers), unmappable characters become `?`.
//!
//! `encoding_rs` follows the WHATWG Encoding Standard, which differs from Java where it matters
//! here: its `ISO-8859-1` label means windows-1252, it cannot encode UTF-16, and it writes
//! unmappable characters as HTML entities. Those cases are handled here; the rest of the
//! legacy encodings go through `encoding_rs`.
//!
//! Readers that decode a stream (the spooling directory's `inputCharset`, the multiport syslog
//! source's per-port charsets) also need Java's `CodingErrorAction`s — REPORT (`FAIL`),
//! REPLACE, IGNORE — and a character-at-a-time view ([`JavaCharset::step`]), since Flume counts
//! line lengths in UTF-16 units as it decodes.

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
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        // Copy the longest valid run at once.
        let valid = match std::str::from_utf8(&bytes[i..]) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => e.valid_up_to(),
        };
        out.push_str(std::str::from_utf8(&bytes[i..i + valid]).unwrap_or_default());
        i += valid;
        if i < bytes.len() {
            let len = match utf8_step(&bytes[i..]) {
                Step::Malformed { len } => len,
                Step::Char { len, .. } => len,
            };
            out.push('\u{FFFD}');
            i += len.max(1);
        }
    }
    Cow::Owned(out)
}

/// Flume's `decodeErrorPolicy` / Java's `CodingErrorAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorPolicy {
    /// `FAIL` (`REPORT`): a malformed sequence is an error.
    Fail,
    /// `REPLACE`: a malformed sequence becomes U+FFFD.
    Replace,
    /// `IGNORE`: a malformed sequence is dropped.
    Ignore,
}

impl DecodeErrorPolicy {
    /// `DecodeErrorPolicy.valueOf(s.toUpperCase())`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "FAIL" => Some(DecodeErrorPolicy::Fail),
            "REPLACE" => Some(DecodeErrorPolicy::Replace),
            "IGNORE" => Some(DecodeErrorPolicy::Ignore),
            _ => None,
        }
    }
}

/// Java's `MalformedInputException`: `Input length = <n>`, at byte `offset` of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("java.nio.charset.MalformedInputException: Input length = {length}")]
pub struct Malformed {
    pub offset: usize,
    pub length: usize,
}

/// One decoding step at the start of a byte slice (whose end is the end of input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A character taking `len` bytes; `units` is its length in UTF-16 code units (1 or 2).
    Char { ch: char, len: usize, units: usize },
    /// `len` bytes that the decoder reports as one malformed sequence.
    Malformed { len: usize },
}

fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

/// The JDK UTF-8 decoder (`sun.nio.cs.UTF_8.Decoder`, with `malformedN`) at `b[0]`; `b` is
/// non-empty and its end is the end of input (a truncated sequence there is malformed as a
/// whole).
pub fn utf8_step(b: &[u8]) -> Step {
    let b1 = b[0];
    let remaining = b.len();
    if b1 < 0x80 {
        return Step::Char {
            ch: b1 as char,
            len: 1,
            units: 1,
        };
    }
    if b1 >> 5 == 0b110 && b1 & 0x1e != 0 {
        // 2 bytes: [C2..DF] [80..BF]
        if remaining < 2 {
            return Step::Malformed { len: remaining };
        }
        if !is_continuation(b[1]) {
            return Step::Malformed { len: 1 };
        }
        let c = ((b1 as u32 & 0x1f) << 6) | (b[1] as u32 & 0x3f);
        return char_step(c, 2);
    }
    if b1 >> 4 == 0b1110 {
        // 3 bytes: [E0] [A0..BF] [80..BF] | [E1..EF] [80..BF] [80..BF]; surrogates malformed.
        let bad_second = |b2: u8| (b1 == 0xe0 && b2 & 0xe0 == 0x80) || !is_continuation(b2);
        if remaining < 3 {
            if remaining > 1 && bad_second(b[1]) {
                return Step::Malformed { len: 1 };
            }
            return Step::Malformed { len: remaining };
        }
        let (b2, b3) = (b[1], b[2]);
        if bad_second(b2) {
            return Step::Malformed { len: 1 };
        }
        if !is_continuation(b3) {
            return Step::Malformed { len: 2 };
        }
        let c = ((b1 as u32 & 0x0f) << 12) | ((b2 as u32 & 0x3f) << 6) | (b3 as u32 & 0x3f);
        if (0xd800..=0xdfff).contains(&c) {
            return Step::Malformed { len: 3 };
        }
        return char_step(c, 3);
    }
    if b1 >> 3 == 0b11110 {
        // 4 bytes: [F0] [90..BF] .. | [F1..F3] [80..BF] .. | [F4] [80..8F] ..
        let bad_second = |b2: u8| {
            b1 > 0xf4
                || (b1 == 0xf0 && !(0x90..=0xbf).contains(&b2))
                || (b1 == 0xf4 && b2 & 0xf0 != 0x80)
                || !is_continuation(b2)
        };
        if remaining < 4 {
            if b1 > 0xf4 || (remaining > 1 && bad_second(b[1])) {
                return Step::Malformed { len: 1 };
            }
            if remaining > 2 && !is_continuation(b[2]) {
                return Step::Malformed { len: 2 };
            }
            return Step::Malformed { len: remaining };
        }
        let (b2, b3, b4) = (b[1], b[2], b[3]);
        if bad_second(b2) {
            return Step::Malformed { len: 1 };
        }
        if !is_continuation(b3) {
            return Step::Malformed { len: 2 };
        }
        if !is_continuation(b4) {
            return Step::Malformed { len: 3 };
        }
        let c = ((b1 as u32 & 0x07) << 18)
            | ((b2 as u32 & 0x3f) << 12)
            | ((b3 as u32 & 0x3f) << 6)
            | (b4 as u32 & 0x3f);
        return char_step(c, 4);
    }
    Step::Malformed { len: 1 }
}

fn char_step(c: u32, len: usize) -> Step {
    match char::from_u32(c) {
        Some(ch) => Step::Char {
            ch,
            len,
            units: ch.len_utf16(),
        },
        None => Step::Malformed { len },
    }
}

impl JavaCharset {
    pub fn name(&self) -> &'static str {
        match self {
            JavaCharset::Utf8 => "UTF-8",
            JavaCharset::Latin1 => "ISO-8859-1",
            JavaCharset::Ascii => "US-ASCII",
            JavaCharset::Utf16 => "UTF-16",
            JavaCharset::Utf16Be => "UTF-16BE",
            JavaCharset::Utf16Le => "UTF-16LE",
            JavaCharset::Other(enc) => enc.name(),
        }
    }

    /// Whether [`JavaCharset::step`] can decode this charset: UTF-8 and the single-byte ones.
    pub fn can_step(&self) -> bool {
        match self {
            JavaCharset::Utf8 | JavaCharset::Latin1 | JavaCharset::Ascii => true,
            JavaCharset::Utf16 | JavaCharset::Utf16Be | JavaCharset::Utf16Le => false,
            JavaCharset::Other(enc) => enc.is_single_byte(),
        }
    }

    /// The most bytes one step can take.
    pub fn max_bytes_per_char(&self) -> usize {
        if *self == JavaCharset::Utf8 { 4 } else { 1 }
    }

    /// One decoding step at `b[0]` (`b` non-empty; its end is the end of input). Only for
    /// charsets where [`JavaCharset::can_step`]; others report every byte as malformed.
    pub fn step(&self, b: &[u8]) -> Step {
        match self {
            JavaCharset::Utf8 => utf8_step(b),
            JavaCharset::Latin1 => Step::Char {
                ch: b[0] as char,
                len: 1,
                units: 1,
            },
            JavaCharset::Ascii if b[0] < 0x80 => Step::Char {
                ch: b[0] as char,
                len: 1,
                units: 1,
            },
            JavaCharset::Other(enc) if enc.is_single_byte() => {
                match enc
                    .decode_without_bom_handling_and_without_replacement(&b[..1])
                    .and_then(|s| s.chars().next())
                {
                    Some(ch) => Step::Char {
                        ch,
                        len: 1,
                        units: 1,
                    },
                    None => Step::Malformed { len: 1 },
                }
            }
            _ => Step::Malformed { len: 1 },
        }
    }

    /// `new String(bytes, charset)` through a decoder with the given error action. UTF-16 and
    /// multi-byte legacy charsets only distinguish "well-formed" from "malformed" (offset 0).
    pub fn decode_with<'a>(
        &self,
        bytes: &'a [u8],
        policy: DecodeErrorPolicy,
    ) -> Result<Cow<'a, str>, Malformed> {
        if *self == JavaCharset::Utf8
            && let Ok(s) = std::str::from_utf8(bytes)
        {
            return Ok(Cow::Borrowed(s));
        }
        if !self.can_step() {
            return match policy {
                DecodeErrorPolicy::Fail => {
                    self.decode_strict(bytes).map(Cow::Owned).ok_or(Malformed {
                        offset: 0,
                        length: 1,
                    })
                }
                _ => Ok(self.decode(bytes)),
            };
        }
        let mut out = String::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match self.step(&bytes[i..]) {
                Step::Char { ch, len, .. } => {
                    out.push(ch);
                    i += len;
                }
                Step::Malformed { len } => {
                    match policy {
                        DecodeErrorPolicy::Fail => {
                            return Err(Malformed {
                                offset: i,
                                length: len,
                            });
                        }
                        DecodeErrorPolicy::Replace => out.push('\u{FFFD}'),
                        DecodeErrorPolicy::Ignore => {}
                    }
                    i += len;
                }
            }
        }
        Ok(Cow::Owned(out))
    }

    /// Decoding that refuses malformed input, for the charsets without a step decoder.
    fn decode_strict(&self, bytes: &[u8]) -> Option<String> {
        match self {
            JavaCharset::Utf16 | JavaCharset::Utf16Be | JavaCharset::Utf16Le => {
                let (big_endian, body) = match (self, bytes) {
                    (JavaCharset::Utf16, [0xFE, 0xFF, rest @ ..]) => (true, rest),
                    (JavaCharset::Utf16, [0xFF, 0xFE, rest @ ..]) => (false, rest),
                    (JavaCharset::Utf16Le, b) => (false, b),
                    (_, b) => (true, b),
                };
                if body.len() % 2 != 0 {
                    return None;
                }
                let units = body.chunks(2).map(|c| {
                    if big_endian {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                });
                char::decode_utf16(units)
                    .collect::<Result<String, _>>()
                    .ok()
            }
            JavaCharset::Other(enc) => enc
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(Cow::into_owned),
            _ => None,
        }
    }
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
    fn java_replacement_counts_in_detail() {
        let replace = |b: &[u8]| {
            JavaCharset::Utf8
                .decode_with(b, DecodeErrorPolicy::Replace)
                .unwrap()
                .into_owned()
        };
        assert_eq!(replace(b"x\xf0\x9f\x98"), "x\u{fffd}");
        assert_eq!(replace(b"\xe2\x82x"), "\u{fffd}x");
        assert_eq!(replace(b"\xf0\x9f\x98x"), "\u{fffd}x");
        assert_eq!(
            replace(b"\xf5\x80\x80\x80"),
            "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(replace("é😀".as_bytes()), "é😀");
        assert_eq!(decode_utf8(b"\xf0\x9f\x98x"), "\u{fffd}x");
    }

    #[test]
    fn error_policies() {
        let bad = b"a\xffb";
        assert_eq!(
            JavaCharset::Utf8
                .decode_with(bad, DecodeErrorPolicy::Ignore)
                .unwrap(),
            "ab"
        );
        let err = JavaCharset::Utf8
            .decode_with(bad, DecodeErrorPolicy::Fail)
            .unwrap_err();
        assert_eq!((err.offset, err.length), (1, 1));
        assert_eq!(
            err.to_string(),
            "java.nio.charset.MalformedInputException: Input length = 1"
        );
        assert!(
            JavaCharset::Ascii
                .decode_with(b"\x80", DecodeErrorPolicy::Fail)
                .is_err()
        );
        let cp = JavaCharset::for_name("Cp1252")
            .or_else(|| JavaCharset::for_name("windows-1252"))
            .unwrap();
        assert_eq!(
            cp.decode_with(b"\x80", DecodeErrorPolicy::Fail).unwrap(),
            "€"
        );
        assert!(
            JavaCharset::Utf16Be
                .decode_with(b"\x00", DecodeErrorPolicy::Fail)
                .is_err()
        );
        assert_eq!(
            JavaCharset::Utf16Be
                .decode_with(b"\x00A", DecodeErrorPolicy::Fail)
                .unwrap(),
            "A"
        );
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
