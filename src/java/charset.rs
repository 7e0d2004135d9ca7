//! Java's charsets as Flume's sources use them: `Charset.forName` names, the JDK UTF-8 decoder's
//! exact malformed-input rules (how many bytes one U+FFFD replaces), `CodingErrorAction`
//! REPORT / REPLACE / IGNORE, and `String.getBytes(charset)` (unmappable → `?`).
//!
//! Written by hand because the rules that decide how many replacement characters appear are the
//! JDK's, not the Unicode "maximal subpart" rules that `String::from_utf8_lossy` follows:
//! an encoded surrogate `ED A0 80` is **one** U+FFFD in Java (three in Rust), an overlong
//! `C0 AF` is two in both (reference §18).

use std::borrow::Cow;

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

/// One decoding step of the JDK decoder at the start of a byte slice (whose end is the end of
/// input).
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

/// The JDK UTF-8 decoder (`sun.nio.cs.UTF_8.Decoder`) at `b[0]`, `b` non-empty.
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
        if remaining < 3 {
            if remaining > 1 && malformed3_2(b1, b[1]) {
                return Step::Malformed { len: 1 };
            }
            return Step::Malformed { len: remaining };
        }
        let (b2, b3) = (b[1], b[2]);
        if (b1 == 0xe0 && b2 & 0xe0 == 0x80) || !is_continuation(b2) || !is_continuation(b3) {
            // malformedN(3): the second byte decides.
            let len = if (b1 == 0xe0 && b2 & 0xe0 == 0x80) || !is_continuation(b2) {
                1
            } else {
                2
            };
            return Step::Malformed { len };
        }
        let c = ((b1 as u32 & 0x0f) << 12) | ((b2 as u32 & 0x3f) << 6) | (b3 as u32 & 0x3f);
        if (0xd800..=0xdfff).contains(&c) {
            return Step::Malformed { len: 3 };
        }
        return char_step(c, 3);
    }
    if b1 >> 3 == 0b11110 {
        // 4 bytes: [F0] [90..BF] .. | [F1..F3] [80..BF] .. | [F4] [80..8F] ..
        if remaining < 4 {
            if b1 > 0xf4 || (remaining > 1 && malformed4_2(b1, b[1])) {
                return Step::Malformed { len: 1 };
            }
            if remaining > 2 && !is_continuation(b[2]) {
                return Step::Malformed { len: 2 };
            }
            return Step::Malformed { len: remaining };
        }
        let (b2, b3, b4) = (b[1], b[2], b[3]);
        let c = ((b1 as u32 & 0x07) << 18)
            | ((b2 as u32 & 0x3f) << 12)
            | ((b3 as u32 & 0x3f) << 6)
            | (b4 as u32 & 0x3f);
        let bad = !is_continuation(b2)
            || !is_continuation(b3)
            || !is_continuation(b4)
            || !(0x10000..=0x10ffff).contains(&c);
        if bad {
            // malformedN(4)
            let len = if b1 > 0xf4 || malformed4_2(b1, b2) {
                1
            } else if !is_continuation(b3) {
                2
            } else {
                3
            };
            return Step::Malformed { len };
        }
        return char_step(c, 4);
    }
    Step::Malformed { len: 1 }
}

fn malformed3_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xe0 && b2 & 0xe0 == 0x80) || !is_continuation(b2)
}

fn malformed4_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xf0 && !(0x90..=0xbf).contains(&b2))
        || (b1 == 0xf4 && b2 & 0xf0 != 0x80)
        || !is_continuation(b2)
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

/// A charset Flume may be configured with (`inputCharset`, `charset.port.<p>`, …).
#[derive(Clone, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// A single-byte charset: one table entry per byte (`None` = unmappable/malformed).
    SingleByte {
        name: &'static str,
        table: Box<[Option<char>; 256]>,
    },
}

impl std::fmt::Debug for Charset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Charset {
    /// `Charset.forName(name)` for the charsets flume-rs supports: UTF-8, ISO-8859-1, US-ASCII
    /// and the other single-byte charsets (windows-125x, ISO-8859-x, KOI8…). `None` for names
    /// Java would not know or that flume-rs does not support (UTF-16/32, multi-byte Asian).
    pub fn for_name(name: &str) -> Option<Charset> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => return Some(Charset::Utf8),
            "iso-8859-1" | "iso8859_1" | "iso_8859_1" | "iso8859-1" | "latin1" | "l1"
            | "iso_8859-1" | "iso-ir-100" | "cp819" | "ibm819" | "ibm-819" | "819" | "8859_1"
            | "csisolatin1" => {
                let mut table = Box::new([None; 256]);
                for (i, slot) in table.iter_mut().enumerate() {
                    *slot = char::from_u32(i as u32);
                }
                return Some(Charset::SingleByte {
                    name: "ISO-8859-1",
                    table,
                });
            }
            "us-ascii" | "ascii" | "ascii7" | "646" | "iso646-us" | "us" | "default"
            | "iso_646.irv:1991" | "csascii" | "cp367" | "ibm367" | "iso-ir-6" => {
                let mut table = Box::new([None; 256]);
                for (i, slot) in table.iter_mut().take(128).enumerate() {
                    *slot = char::from_u32(i as u32);
                }
                return Some(Charset::SingleByte {
                    name: "US-ASCII",
                    table,
                });
            }
            _ => {}
        }
        // Java's `CpNNNN` aliases of the windows code pages.
        let label = match lower.strip_prefix("cp") {
            Some(n) if n.starts_with("125") => format!("windows-{n}"),
            _ => lower,
        };
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
        if !encoding.is_single_byte() {
            return None;
        }
        let mut table = Box::new([None; 256]);
        let mut decoder = encoding.new_decoder_without_bom_handling();
        for (i, slot) in table.iter_mut().enumerate() {
            let mut out = [0u8; 8];
            let (result, _, written) =
                decoder.decode_to_utf8_without_replacement(&[i as u8], &mut out, false);
            if let encoding_rs::DecoderResult::InputEmpty = result {
                *slot = std::str::from_utf8(&out[..written])
                    .ok()
                    .and_then(|s| s.chars().next());
            }
        }
        Some(Charset::SingleByte {
            name: encoding.name(),
            table,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::SingleByte { name, .. } => name,
        }
    }

    pub fn is_utf8(&self) -> bool {
        matches!(self, Charset::Utf8)
    }

    /// The most bytes one character takes.
    pub fn max_bytes_per_char(&self) -> usize {
        match self {
            Charset::Utf8 => 4,
            Charset::SingleByte { .. } => 1,
        }
    }

    /// One decoding step at `b[0]` (`b` non-empty, its end is the end of input).
    pub fn step(&self, b: &[u8]) -> Step {
        match self {
            Charset::Utf8 => utf8_step(b),
            Charset::SingleByte { table, .. } => match table[b[0] as usize] {
                Some(ch) => Step::Char {
                    ch,
                    len: 1,
                    units: 1,
                },
                None => Step::Malformed { len: 1 },
            },
        }
    }

    /// `new String(bytes, charset)` with the given error policy.
    pub fn decode<'a>(
        &self,
        bytes: &'a [u8],
        policy: DecodeErrorPolicy,
    ) -> Result<Cow<'a, str>, Malformed> {
        if self.is_utf8()
            && let Ok(s) = std::str::from_utf8(bytes)
        {
            // Rust and the JDK accept exactly the same well-formed UTF-8.
            return Ok(Cow::Borrowed(s));
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
                        DecodeErrorPolicy::Replace => out.push('\u{fffd}'),
                        DecodeErrorPolicy::Ignore => {}
                    }
                    i += len;
                }
            }
        }
        Ok(Cow::Owned(out))
    }

    /// `string.getBytes(charset)`: characters the charset cannot encode become `?`.
    pub fn encode<'a>(&self, s: &'a str) -> Cow<'a, [u8]> {
        match self {
            Charset::Utf8 => Cow::Borrowed(s.as_bytes()),
            Charset::SingleByte { table, .. } => {
                if s.is_ascii()
                    && table[..128]
                        .iter()
                        .enumerate()
                        .all(|(i, c)| *c == char::from_u32(i as u32))
                {
                    return Cow::Borrowed(s.as_bytes());
                }
                let out = s
                    .chars()
                    .map(|c| {
                        table
                            .iter()
                            .position(|t| *t == Some(c))
                            .map(|p| p as u8)
                            .unwrap_or(b'?')
                    })
                    .collect();
                Cow::Owned(out)
            }
        }
    }
}

/// Encodes a sequence of UTF-16 code units the way `String.getBytes(UTF-8)` does: a lone
/// surrogate (possible when Flume cuts a line between the two halves of a pair) becomes `?`.
pub fn push_utf8_lossy_units(out: &mut Vec<u8>, ch: char, keep_high: bool, keep_low: bool) {
    if ch.len_utf16() == 1 || (keep_high && keep_low) {
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    } else if keep_high || keep_low {
        out.push(b'?');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(bytes: &[u8]) -> String {
        Charset::Utf8
            .decode(bytes, DecodeErrorPolicy::Replace)
            .unwrap()
            .into_owned()
    }

    #[test]
    fn java_replacement_counts() {
        // Reference §18: an encoded surrogate is one U+FFFD, an overlong pair two.
        assert_eq!(replace(b"a\xed\xa0\x80b"), "a\u{fffd}b");
        assert_eq!(replace(b"\xc0\xaf"), "\u{fffd}\u{fffd}");
        // Truncated sequences at the end of input: one U+FFFD for what is left.
        assert_eq!(replace(b"x\xe2\x82"), "x\u{fffd}");
        assert_eq!(replace(b"x\xf0\x9f\x98"), "x\u{fffd}");
        // A truncated sequence followed by more text: the JDK's malformedN lengths.
        assert_eq!(replace(b"\xe2\x82x"), "\u{fffd}x");
        assert_eq!(replace(b"\xf0\x9f\x98x"), "\u{fffd}x");
        assert_eq!(
            replace(b"\xf5\x80\x80\x80"),
            "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(replace(b"\xff"), "\u{fffd}");
        assert_eq!(replace("é😀".as_bytes()), "é😀");
    }

    #[test]
    fn policies() {
        let bad = b"a\xffb";
        assert_eq!(
            Charset::Utf8
                .decode(bad, DecodeErrorPolicy::Ignore)
                .unwrap(),
            "ab"
        );
        let err = Charset::Utf8
            .decode(bad, DecodeErrorPolicy::Fail)
            .unwrap_err();
        assert_eq!((err.offset, err.length), (1, 1));
        assert_eq!(
            err.to_string(),
            "java.nio.charset.MalformedInputException: Input length = 1"
        );
    }

    #[test]
    fn charset_names() {
        assert!(Charset::for_name("utf-8").unwrap().is_utf8());
        let latin1 = Charset::for_name("ISO-8859-1").unwrap();
        assert_eq!(
            latin1.decode(b"\x80\xe9", DecodeErrorPolicy::Fail).unwrap(),
            "\u{80}é"
        );
        assert_eq!(&*latin1.encode("é☃"), b"\xe9?");
        let cp = Charset::for_name("Cp1252").unwrap();
        assert_eq!(cp.decode(b"\x80", DecodeErrorPolicy::Fail).unwrap(), "€");
        let ascii = Charset::for_name("US-ASCII").unwrap();
        assert!(ascii.decode(b"\x80", DecodeErrorPolicy::Fail).is_err());
        assert!(Charset::for_name("UTF-16").is_none());
        assert!(Charset::for_name("no-such-charset").is_none());
    }
}
