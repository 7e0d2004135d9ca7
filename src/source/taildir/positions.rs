//! Flume's JSON position file: `[{"inode":…,"pos":…,"file":"…"}]` as Gson writes and reads it.

/// Gson's string escaping (HTML-safe, as `new Gson()` writes).
fn gson_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '=' | '\'' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The position file text: `[{"inode":…,"pos":…,"file":"…"},…]`, no spaces, no newline.
pub fn position_json<'a>(entries: impl IntoIterator<Item = (u64, u64, &'a str)>) -> String {
    let mut out = String::from("[");
    for (i, (inode, pos, file)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"inode\":{inode},\"pos\":{pos},\"file\":"));
        gson_string(&mut out, file);
        out.push('}');
    }
    out.push(']');
    out
}

/// One entry of a position file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionEntry {
    pub inode: u64,
    pub pos: u64,
    pub file: String,
}

/// Reads a position file as Gson's `JsonReader` does (numbers may also be quoted).
pub fn parse_positions(text: &str) -> Result<Vec<PositionEntry>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let array = value.as_array().ok_or("expected a JSON array")?;
    let number = |v: &serde_json::Value| -> Option<u64> {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    };
    let mut out = Vec::new();
    for entry in array {
        let inode = number(&entry["inode"]);
        let pos = number(&entry["pos"]);
        let file = entry["file"].as_str().map(str::to_string);
        match (inode, pos, file) {
            (Some(inode), Some(pos), Some(file)) => out.push(PositionEntry { inode, pos, file }),
            (inode, pos, file) => {
                return Err(format!(
                    "Detected missing value in position file. inode: {inode:?}, pos: {pos:?}, path: {file:?}"
                ));
            }
        }
    }
    Ok(out)
}
