//! Reading `.properties` files exactly as `java.util.Properties.load(InputStream)` does (what
//! Flume 1.10+ uses): ISO-8859-1 bytes, `#`/`!` comment lines, `=`/`:`/whitespace separators,
//! Java escapes and line continuations, every occurrence returned in file order (the caller
//! applies last-wins and warns about duplicates).
//!
//! Written by hand after the JDK 17 `Properties.LineReader` / `load0` / `loadConvert` rather
//! than with the `java-properties` crate, which differs from the JDK on the points Flume users
//! hit: it strips a UTF-8 BOM (Java keeps it as `ï»¿`, glued to the first key), drops an entry
//! whose last line ends in a continuation at end of file (Java keeps it), rejects `\u` escapes
//! inside comment lines and surrogate pairs (`\uD83D\uDE00`), and has panicking paths. The
//! crate is kept as a differential oracle in the tests below.

use std::path::Path;
use std::sync::Arc;

use super::context::Origin;

/// One `key = value` as read, in file order, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawProperty {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    #[error("{path}: configuration file does not exist")]
    Missing { path: String },
    #[error("{path}: cannot read configuration file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a configuration file")]
    Directory { path: String },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: u32,
        message: String,
    },
}

/// Read a file. Every occurrence is returned in order; callers apply last-wins.
pub fn read_file(path: &Path) -> Result<Vec<RawProperty>, PropertiesError> {
    let display = path.display().to_string();
    if path.is_dir() {
        return Err(PropertiesError::Directory { path: display });
    }
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            PropertiesError::Missing {
                path: display.clone(),
            }
        } else {
            PropertiesError::Io {
                path: display.clone(),
                source,
            }
        }
    })?;
    parse_bytes(&bytes, &display)
}

/// Parse bytes as ISO-8859-1 (each byte is the code point U+00XX), as Java's
/// `Properties.load(InputStream)` does.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Vec<RawProperty>, PropertiesError> {
    let chars: Vec<char> = bytes.iter().map(|&b| b as char).collect();
    parse_chars(&chars, file)
}

/// Parse text that is already decoded (each char is one Java `char` of the input).
pub fn parse_text(text: &str, file: &str) -> Result<Vec<RawProperty>, PropertiesError> {
    let chars: Vec<char> = text.chars().collect();
    parse_chars(&chars, file)
}

fn parse_chars(input: &[char], file: &str) -> Result<Vec<RawProperty>, PropertiesError> {
    let file: Arc<str> = Arc::from(file);
    let mut reader = LineReader::new(input);
    let mut out = Vec::new();
    while let Some((line, number)) = reader.read_line() {
        let (key_len, value_start) = split_key_value(&line);
        let convert = |range: std::ops::Range<usize>| {
            load_convert(&line[range]).map_err(|message| PropertiesError::Syntax {
                path: file.to_string(),
                line: number,
                message,
            })
        };
        let key = convert(0..key_len)?;
        let value = convert(value_start..line.len())?;
        out.push(RawProperty {
            key,
            value,
            origin: Origin {
                file: Arc::clone(&file),
                line: number,
            },
        });
    }
    Ok(out)
}

/// `Properties.LineReader`: yields logical lines (continuations joined, leading whitespace of
/// every physical line dropped, comment and blank lines skipped) with the physical line number
/// where each starts.
struct LineReader<'a> {
    input: &'a [char],
    pos: usize,
    /// Physical line number of `input[pos]` (1-based).
    line: u32,
}

impl<'a> LineReader<'a> {
    fn new(input: &'a [char]) -> Self {
        LineReader {
            input,
            pos: 0,
            line: 1,
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = *self.input.get(self.pos)?;
        self.pos += 1;
        // A line break is '\n', '\r' or "\r\n"; count it once.
        if c == '\n' || (c == '\r' && self.input.get(self.pos) != Some(&'\n')) {
            self.line = self.line.saturating_add(1);
        }
        Some(c)
    }

    fn read_line(&mut self) -> Option<(Vec<char>, u32)> {
        let mut buf: Vec<char> = Vec::new();
        let mut start_line = self.line;
        let mut skip_white_space = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;
        loop {
            let line_before = self.line;
            let Some(c) = self.next_char() else {
                // End of input: a pending continuation backslash is dropped, the entry kept.
                if buf.is_empty() {
                    return None;
                }
                if preceding_backslash {
                    buf.pop();
                }
                return Some((buf, start_line));
            };
            if skip_white_space {
                if c == ' ' || c == '\t' || c == '\x0c' {
                    continue;
                }
                if !appended_line_begin && (c == '\r' || c == '\n') {
                    continue;
                }
                skip_white_space = false;
                appended_line_begin = false;
            }
            if buf.is_empty() {
                start_line = line_before;
                if c == '#' || c == '!' {
                    // Comment: consume through the end of the physical line.
                    while let Some(c) = self.next_char() {
                        if c == '\n' || c == '\r' {
                            break;
                        }
                    }
                    skip_white_space = true;
                    continue;
                }
            }
            if c != '\n' && c != '\r' {
                buf.push(c);
                preceding_backslash = c == '\\' && !preceding_backslash;
                continue;
            }
            // End of a physical line.
            if buf.is_empty() {
                skip_white_space = true;
                continue;
            }
            if self.pos >= self.input.len() {
                if preceding_backslash {
                    buf.pop();
                }
                return Some((buf, start_line));
            }
            if preceding_backslash {
                buf.pop();
                skip_white_space = true;
                appended_line_begin = true;
                preceding_backslash = false;
                if c == '\r' && self.input.get(self.pos) == Some(&'\n') {
                    self.next_char();
                }
            } else {
                return Some((buf, start_line));
            }
        }
    }
}

/// `Properties.load0`: where the key ends and the value starts in a logical line.
fn split_key_value(line: &[char]) -> (usize, usize) {
    let limit = line.len();
    let mut key_len = 0;
    let mut value_start = limit;
    let mut has_sep = false;
    let mut preceding_backslash = false;
    while key_len < limit {
        let c = line[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_sep = true;
            break;
        } else if (c == ' ' || c == '\t' || c == '\x0c') && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < limit {
        let c = line[value_start];
        if c != ' ' && c != '\t' && c != '\x0c' {
            if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (key_len, value_start)
}

/// `Properties.loadConvert`: decode `\t \n \r \f \uXXXX`; a backslash before any other
/// character is dropped. Java strings are UTF-16, so `\u` escapes are collected as code units
/// (a surrogate pair written as two escapes makes one character); a lone surrogate, which a
/// Rust string cannot hold, becomes U+FFFD.
fn load_convert(input: &[char]) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(input.len());
    let mut i = 0;
    let push_char = |units: &mut Vec<u16>, c: char| {
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
    };
    while i < input.len() {
        let c = input[i];
        i += 1;
        if c != '\\' {
            push_char(&mut units, c);
            continue;
        }
        // The line reader never leaves an unescaped backslash at the end of a line, but a
        // key can end in one only if the input ends there; treat it as Java's bounds would.
        let Some(&escaped) = input.get(i) else {
            break;
        };
        i += 1;
        match escaped {
            'u' => {
                if i + 4 > input.len() {
                    return Err("malformed \\uxxxx escape (Java: \"Malformed \\uxxxx encoding.\"): fewer than 4 hex digits".into());
                }
                let mut value: u32 = 0;
                for &d in &input[i..i + 4] {
                    let Some(digit) = d.to_digit(16) else {
                        let written: String = input[i - 2..i + 4].iter().collect();
                        return Err(format!(
                            "malformed \\uxxxx escape \"{written}\" (Java: \"Malformed \\uxxxx encoding.\"): write four hex digits, or \\\\u for a literal backslash"
                        ));
                    };
                    value = (value << 4) + digit;
                }
                i += 4;
                units.push(value as u16);
            }
            't' => units.push('\t' as u16),
            'r' => units.push('\r' as u16),
            'n' => units.push('\n' as u16),
            'f' => units.push(0x0c),
            other => push_char(&mut units, other),
        }
    }
    Ok(char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Vec<(String, String)> {
        parse_bytes(s.as_bytes(), "t.properties")
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect()
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn java_properties_rules() {
        let p = parse(
            "a = b  # not a comment\n# c = d\n! e = f\nk = one, \\\n    two\nr = \\d+\\.\\d\nlast = x\\",
        );
        assert_eq!(p[0], pair("a", "b  # not a comment"));
        assert_eq!(p[1], pair("k", "one, two"));
        assert_eq!(p[2], pair("r", "d+.d"));
        assert_eq!(p[3], pair("last", "x"));
    }

    #[test]
    fn separators_like_the_jdk() {
        let p = parse("k:=v\nk2 = = v\nk3   :   v\nff\x0cleading = v11\nbare\nk4 =\nsp v\n");
        assert_eq!(p[0], pair("k", "=v"));
        assert_eq!(p[1], pair("k2", "= v"));
        assert_eq!(p[2], pair("k3", "v"));
        assert_eq!(p[3], pair("ff", "leading = v11"));
        assert_eq!(p[4], pair("bare", ""));
        assert_eq!(p[5], pair("k4", ""));
        assert_eq!(p[6], pair("sp", "v"));
    }

    #[test]
    fn trailing_whitespace_is_kept() {
        assert_eq!(parse("k = v3   \n")[0], pair("k", "v3   "));
    }

    #[test]
    fn escaped_separators_in_keys() {
        let p = parse("a\\ b\\=c\\:d = v\n");
        assert_eq!(p[0], pair("a b=c:d", "v"));
    }

    #[test]
    fn even_backslashes_do_not_continue() {
        let p = parse("a = x\\\\\nb = y\n");
        assert_eq!(p[0], pair("a", "x\\"));
        assert_eq!(p[1], pair("b", "y"));
    }

    #[test]
    fn continued_line_starting_with_hash_is_text() {
        let p = parse("a = x, \\\n  # y\n");
        assert_eq!(p[0], pair("a", "x, # y"));
    }

    #[test]
    fn comment_ending_in_backslash_does_not_continue() {
        let p = parse("# comment \\\na = 1\n");
        assert_eq!(p, vec![pair("a", "1")]);
    }

    #[test]
    fn bad_escape_in_comment_is_ignored() {
        let p = parse("# C:\\users\\x\na = 1\n");
        assert_eq!(p, vec![pair("a", "1")]);
    }

    #[test]
    fn line_endings_crlf_and_cr() {
        let p = parse("a = 1\r\nb = 2\rc = 3\\\r\n  4\n");
        assert_eq!(p, vec![pair("a", "1"), pair("b", "2"), pair("c", "34")]);
        let numbers: Vec<u32> = parse_bytes(b"a = 1\r\nb = 2\rc = 3\n", "f")
            .unwrap()
            .iter()
            .map(|p| p.origin.line)
            .collect();
        assert_eq!(numbers, vec![1, 2, 3]);
    }

    #[test]
    fn latin1_bytes() {
        let p = parse_bytes(b"k = caf\xc3\xa9 \x80\n", "t").unwrap();
        assert_eq!(p[0].value, "caf\u{c3}\u{a9} \u{80}");
    }

    #[test]
    fn utf8_bom_is_kept_glued_to_the_first_key() {
        let p = parse_bytes(b"\xef\xbb\xbfa1.sources = r1\n", "t").unwrap();
        assert_eq!(p[0].key, "\u{ef}\u{bb}\u{bf}a1.sources");
    }

    #[test]
    fn lone_backslash_line_at_the_end_is_an_empty_entry() {
        // LineReader returns a 0-length line, which load0 stores as "" = "".
        assert_eq!(parse("\\\n"), vec![pair("", "")]);
    }

    #[test]
    fn continuation_at_end_of_file_keeps_the_entry() {
        assert_eq!(parse("a = b\\"), vec![pair("a", "b")]);
        assert_eq!(parse("a = b\\\n"), vec![pair("a", "b")]);
        assert_eq!(parse("a = b\\\r"), vec![pair("a", "b")]);
    }

    #[test]
    fn unicode_escapes_and_surrogates() {
        let p = parse("k = caf\\u00e9 \\uD83D\\uDE00 \\uD800x\n");
        assert_eq!(p[0].1, "café 😀 \u{fffd}x");
    }

    #[test]
    fn malformed_unicode_escape_names_file_and_line() {
        let err = parse_bytes(b"a = 1\n\nb = \\u12G4\n", "agent.conf").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("agent.conf:3: malformed \\uxxxx escape"),
            "{text}"
        );
        let err = parse_bytes(b"a = \\u12", "agent.conf").unwrap_err();
        assert!(err.to_string().starts_with("agent.conf:1: "), "{err}");
    }

    #[test]
    fn line_numbers_point_at_the_first_line_of_an_entry() {
        let p = parse_bytes(b"\n\na = 1\n# c\nb = x, \\\n  y\nc = 2\n", "f.conf").unwrap();
        let at: Vec<String> = p.iter().map(|p| p.origin.to_string()).collect();
        assert_eq!(at, vec!["f.conf:3", "f.conf:5", "f.conf:7"]);
    }

    #[test]
    fn duplicates_are_all_returned_in_order() {
        let p = parse("dup = first\ndup = second\ndup = third\n");
        let values: Vec<&str> = p.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, vec!["first", "second", "third"]);
    }

    #[test]
    fn missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_file(&dir.path().join("nope.conf")).unwrap_err();
        assert!(matches!(err, PropertiesError::Missing { .. }), "{err}");
        let err = read_file(dir.path()).unwrap_err();
        assert!(matches!(err, PropertiesError::Directory { .. }), "{err}");
    }

    /// The `java-properties` crate agrees with the JDK except on the documented points; on
    /// inputs that avoid them, both parsers must give the same pairs.
    fn crate_oracle(text: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        let iter =
            java_properties::PropertiesIter::new_with_encoding(text.as_bytes(), encoding_rs::UTF_8);
        for line in iter {
            if let java_properties::LineContent::KVPair(k, v) = line.ok()?.consume_content() {
                out.push((k, v));
            }
        }
        Some(out)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Garbage never panics, and a success always yields line numbers inside the input.
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u32 + 1;
            if let Ok(props) = parse_bytes(&bytes, "fuzz") {
                for p in props {
                    prop_assert!(p.origin.line >= 1 && p.origin.line <= lines);
                }
            }
        }

        /// Property-file-shaped input: same result as the crate wherever the crate is right.
        #[test]
        fn agrees_with_the_crate(
            text in proptest::string::string_regex(
                "([ \t]*([#!][^\n\\\\]*|[a-z.\\\\ ]{0,8}[ \t]*[=: ]?[ \t]*[a-z=:#! \\\\]{0,10})\n){0,8}"
            ).unwrap()
        ) {
            // Known differences: escapes inside comments, a backslash right before EOF.
            let has_comment_escape = text.lines().any(|l| {
                let t = l.trim_start();
                (t.starts_with('#') || t.starts_with('!')) && t.contains('\\')
            });
            prop_assume!(!has_comment_escape);
            let body = text.strip_suffix('\n').unwrap_or(&text);
            let trailing = body.len() - body.trim_end_matches('\\').len();
            prop_assume!(trailing % 2 == 0);
            if let Some(expected) = crate_oracle(&text) {
                let ours: Vec<(String, String)> = parse_text(&text, "t")
                    .unwrap()
                    .into_iter()
                    .map(|p| (p.key, p.value))
                    .collect();
                prop_assert_eq!(ours, expected);
            }
        }
    }
}
