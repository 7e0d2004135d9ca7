//! Flume's configuration: properties files → `${…}` substitution → per-agent model with config
//! filters → validation (reference §2–3). [`load_agent`] is the one entry point.

pub mod context;
pub mod filters;
pub mod hadoop;
pub mod keys;
pub mod legacy;
pub mod model;
pub mod properties;
pub mod reference;
pub mod substitution;
pub mod validate;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

pub use context::{ConfigError, Context, Origin, UnreadKey};
pub use model::{
    AgentConfig, ComponentConfig, Diagnostic, FlumeError, FlumeErrorType, Kind, Severity,
    SinkConfig, SinkGroupConfig, SourceConfig,
};
use properties::{PropertiesError, RawProperty};
pub use substitution::Environment;

/// Settings that affect how configuration files are read (system properties given with `-D`).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub sysprops: HashMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Properties(#[from] PropertiesError),
    #[error("no configuration file was given (use --conf-file)")]
    NoFiles,
}

/// The merged properties of every file, as Flume's validation receives them.
#[derive(Debug, Default)]
pub struct Properties {
    /// One entry per key (the last occurrence wins), values substituted, keys and values
    /// trimmed. Empty values are kept here (Flume ignores them with `PROPERTY_VALUE_NULL`).
    pub entries: Vec<RawProperty>,
    /// Duplicates, substitution notes, charset notes — per key, with locations.
    pub diagnostics: Vec<Diagnostic>,
    /// Keys that a `${…}` referred to (variables, not agent properties).
    pub referenced: BTreeSet<String>,
}

/// Read every file in order (a later file overrides earlier keys), apply last-wins (warning
/// about duplicates within a file), substitute `${…}` in values, then trim keys and values —
/// the order of Flume 1.11 (`Properties.load`, `MapResolver`, `FlumeConfiguration`).
pub fn read_properties(files: &[PathBuf], env: &Environment) -> Result<Properties, LoadError> {
    if files.is_empty() {
        return Err(LoadError::NoFiles);
    }
    let mut all = Vec::new();
    for file in files {
        all.push(properties::read_file(file)?);
    }
    Ok(merge(all, env))
}

/// [`read_properties`] for properties already parsed, one list per file in order.
pub fn merge(files: Vec<Vec<RawProperty>>, env: &Environment) -> Properties {
    let mut diagnostics = Vec::new();
    let mut merged: Vec<RawProperty> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for file in files {
        for p in file {
            match index.get(&p.key) {
                Some(&i) => {
                    let earlier = &merged[i];
                    if earlier.origin.file == p.origin.file {
                        diagnostics.push(Diagnostic::new(
                            Severity::Warning,
                            Some(p.origin.clone()),
                            p.key.trim(),
                            format!(
                                "duplicate key: this value (line {}) replaces the one on line {}, as in Flume (the last one wins)",
                                p.origin.line, earlier.origin.line
                            ),
                        ));
                    }
                    merged[i] = p;
                }
                None => {
                    index.insert(p.key.clone(), merged.len());
                    merged.push(p);
                }
            }
        }
    }
    for p in &merged {
        if let Some(note) = latin1_note(&p.value, context::is_secret_key(&p.key)) {
            diagnostics.push(Diagnostic::new(
                Severity::Warning,
                Some(p.origin.clone()),
                p.key.trim(),
                note,
            ));
        }
    }
    let outcome = substitution::substitute_all(&mut merged, env);
    diagnostics.extend(outcome.diagnostics);

    // FlumeConfiguration.addRawProperty trims; two raw keys may meet after the trim.
    let mut entries: Vec<RawProperty> = Vec::new();
    let mut trimmed_index: HashMap<String, usize> = HashMap::new();
    for mut p in merged {
        p.key = p.key.trim().to_string();
        p.value = p.value.trim().to_string();
        match trimmed_index.get(&p.key) {
            Some(&i) => entries[i] = p,
            None => {
                trimmed_index.insert(p.key.clone(), entries.len());
                entries.push(p);
            }
        }
    }
    Properties {
        entries,
        diagnostics,
        referenced: outcome.referenced,
    }
}

/// Flume 1.10+ reads files as ISO-8859-1: UTF-8 text arrives as one character per byte. Say
/// so when a value is exactly such mojibake.
fn latin1_note(value: &str, secret: bool) -> Option<String> {
    if value.is_ascii() || value.chars().any(|c| c as u32 > 0xFF) {
        return None;
    }
    let bytes: Vec<u8> = value.chars().map(|c| c as u8).collect();
    let utf8 = std::str::from_utf8(&bytes).ok()?;
    let escaped: String = utf8
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else if (c as u32) <= 0xFFFF {
                format!("\\u{:04x}", c as u32)
            } else {
                let mut buf = [0u16; 2];
                c.encode_utf16(&mut buf)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    if secret {
        return Some(
            "non-ASCII UTF-8 bytes are read as ISO-8859-1, as Flume 1.10+ reads properties files: write non-ASCII characters of this secret as \\uXXXX escapes"
                .to_string(),
        );
    }
    Some(format!(
        "non-ASCII UTF-8 bytes are read as ISO-8859-1, as Flume 1.10+ reads properties files: the value is \"{value}\"; to get \"{utf8}\" write {escaped}"
    ))
}

/// Load the configuration of one agent.
pub fn load_agent(
    files: &[PathBuf],
    agent: &str,
    options: &LoadOptions,
) -> Result<AgentConfig, LoadError> {
    let env = Environment::from_options(options);
    let props = read_properties(files, &env)?;
    Ok(validate::build_agent(agent, &props, &env))
}

/// Unknown keys (each with a "did you mean" when one is close) and keys accepted without
/// effect, from the property tables `tables` finds, and for types without a table from what
/// their build read (call after `topology::build`). See [`keys::findings`].
pub fn key_findings(cfg: &AgentConfig, tables: crate::registry::TableLookup) -> keys::KeyFindings {
    keys::findings(cfg, tables)
}

/// Values that getters accepted but probably not as meant (`true  # comment` is false, an
/// unparsable number falls back to the default). Call after `topology::build`.
pub fn value_notes(cfg: &AgentConfig) -> Vec<ConfigError> {
    cfg.contexts().flat_map(Context::notes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(name: &str, text: &str) -> Vec<RawProperty> {
        properties::parse_bytes(text.as_bytes(), name).unwrap()
    }

    fn env() -> Environment {
        Environment::fixed(HashMap::new(), HashMap::new())
    }

    fn value<'a>(p: &'a Properties, key: &str) -> Option<&'a str> {
        p.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }

    #[test]
    fn last_wins_with_a_warning_naming_both_lines() {
        let p = merge(
            vec![file(
                "a.conf",
                "a1.channels = c1\nx = 1\na1.channels = c2\n",
            )],
            &env(),
        );
        assert_eq!(value(&p, "a1.channels"), Some("c2"));
        let d = &p.diagnostics[0];
        assert_eq!(d.origin.as_ref().unwrap().line, 3);
        assert!(
            d.message.contains("line 3") && d.message.contains("line 1"),
            "{d}"
        );
    }

    #[test]
    fn later_files_override_silently() {
        let p = merge(
            vec![
                file("a.conf", "k = 1\nj = ${k}\n"),
                file("b.conf", "k = 2\n"),
            ],
            &env(),
        );
        assert_eq!(value(&p, "k"), Some("2"));
        assert_eq!(
            value(&p, "j"),
            Some("2"),
            "substitution runs on the merged set"
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }

    #[test]
    fn empty_values_are_kept_empty_and_trimmed() {
        let p = merge(vec![file("a.conf", "k = 1\nk =   \nv = x  \n")], &env());
        assert_eq!(value(&p, "k"), Some(""));
        assert_eq!(value(&p, "v"), Some("x"));
    }

    #[test]
    fn substitution_sees_untrimmed_values_then_trims() {
        let p = merge(vec![file("a.conf", "pre = ab \nv = ${pre}c\n")], &env());
        assert_eq!(value(&p, "v"), Some("ab c"));
        assert!(p.referenced.contains("pre"));
    }

    #[test]
    fn mojibake_is_explained() {
        let p = merge(
            vec![properties::parse_bytes("k = caf\u{e9}\n".as_bytes(), "a.conf").unwrap()],
            &env(),
        );
        assert_eq!(value(&p, "k"), Some("caf\u{c3}\u{a9}"));
        assert!(
            p.diagnostics[0].message.contains("caf\\u00e9"),
            "{:?}",
            p.diagnostics
        );
        let origin = p.diagnostics[0].origin.clone().unwrap();
        assert_eq!(origin.file, Arc::from("a.conf"));
    }

    #[test]
    fn mojibake_notes_never_show_secrets() {
        let p = merge(
            vec![
                properties::parse_bytes(
                    "a1.sources.r1.keystorePassword = p\u{e4}ss\n".as_bytes(),
                    "a.conf",
                )
                .unwrap(),
            ],
            &env(),
        );
        assert_eq!(p.diagnostics.len(), 1);
        assert!(
            !p.diagnostics[0].message.contains("ss"),
            "{:?}",
            p.diagnostics
        );
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err = read_properties(&[PathBuf::from("/nonexistent/agent.conf")], &env()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/nonexistent/agent.conf: configuration file does not exist"
        );
        assert!(matches!(
            read_properties(&[], &env()),
            Err(LoadError::NoFiles)
        ));
    }
}
