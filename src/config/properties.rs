//! Reading `.properties` files as `java.util.Properties.load(InputStream)` does (Flume 1.10+):
//! ISO-8859-1 bytes, Java escapes and continuations, `#`/`!` comment lines, last key wins.

use std::path::Path;
use std::sync::Arc;

use super::context::Origin;

/// One `key = value` as read, in file order, with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawProperty {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    #[error("{path}: cannot read configuration file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
}

/// Read a file. Every occurrence is returned in order; callers apply last-wins.
pub fn read_file(path: &Path) -> Result<Vec<RawProperty>, PropertiesError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PropertiesError::Io {
        path: display.clone(),
        source,
    })?;
    parse_bytes(&bytes, &display)
}

/// Parse bytes as ISO-8859-1 (each byte is the code point U+00XX), as Java's
/// `Properties.load(InputStream)` does. `java-properties` decodes windows-1252 and drops a BOM
/// and an unterminated last continuation, so the bytes are mapped to chars here first and a
/// final newline is ensured.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Vec<RawProperty>, PropertiesError> {
    let mut text: String = bytes.iter().map(|&b| b as char).collect();
    if !text.ends_with('\n') && !text.ends_with('\r') {
        text.push('\n');
    }
    parse_text(&text, file)
}

pub fn parse_text(text: &str, file: &str) -> Result<Vec<RawProperty>, PropertiesError> {
    let file: Arc<str> = Arc::from(file);
    // A leading U+FEFF (only possible via \uFEFF since bytes map to Latin-1) would be stripped
    // by the crate; Latin-1 mapping of a UTF-8 BOM gives "ï»¿", which the crate keeps.
    let iter =
        java_properties::PropertiesIter::new_with_encoding(text.as_bytes(), encoding_rs::UTF_8);
    let mut out = Vec::new();
    for line in iter {
        let line = line.map_err(|e| PropertiesError::Syntax {
            path: file.to_string(),
            line: e.line_number().unwrap_or(0),
            message: e.to_string(),
        })?;
        let number = line.line_number() as u32;
        if let java_properties::LineContent::KVPair(key, value) = line.consume_content() {
            out.push(RawProperty {
                key,
                value,
                origin: Origin {
                    file: Arc::clone(&file),
                    line: number,
                },
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<(String, String)> {
        parse_bytes(s.as_bytes(), "t.properties")
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect()
    }

    #[test]
    fn java_properties_rules() {
        let p = parse(
            "a = b  # not a comment\n# c = d\n! e = f\nk = one, \\\n    two\nr = \\d+\\.\\d\nlast = x\\",
        );
        assert_eq!(p[0], ("a".into(), "b  # not a comment".into()));
        assert_eq!(p[1], ("k".into(), "one, two".into()));
        assert_eq!(p[2], ("r".into(), "d+.d".into()));
        assert_eq!(p[3], ("last".into(), "x".into()));
    }

    #[test]
    fn latin1_bytes() {
        let p = parse_bytes(b"k = caf\xc3\xa9 \x80\n", "t").unwrap();
        assert_eq!(p[0].value, "caf\u{c3}\u{a9} \u{80}");
    }

    #[test]
    fn line_numbers() {
        let p = parse_bytes(b"\n\na = 1\n", "f.conf").unwrap();
        assert_eq!(p[0].origin.to_string(), "f.conf:3");
    }
}
