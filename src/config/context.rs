//! Per-component configuration: Flume's `Context` (flat key → value), with typed getters that
//! parse as Flume's Java getters do, name the file and line in errors, and remember which keys
//! were read so that keys nothing reads can be warned about.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::java;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub value: String,
    pub origin: Option<Origin>,
}

/// A configuration mistake, located: `agent.conf:42: a1.sinks.k1.hdfs.rollSize: expected …`.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: Option<Origin>,
    /// Full property name (`a1.sinks.k1.hdfs.rollSize`) or the component (`a1.sinks.k1`).
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        write!(f, "{}: {}", self.key, self.message)
    }
}

#[derive(Debug, Default)]
struct Tracking {
    /// Local keys that were read and exist.
    read: BTreeSet<String>,
    /// Every local key a getter asked for (present or not): the vocabulary for "did you mean".
    asked: BTreeSet<String>,
}

/// The properties of one component (keys relative to `<agent>.<kind>.<name>.`).
#[derive(Debug, Clone)]
pub struct Context {
    /// `a1.sinks.k1.` — used to name full keys in messages.
    full_prefix: String,
    /// Prefix within the component for sub-contexts (`serializer.`), empty at the top.
    sub_prefix: String,
    entries: Arc<BTreeMap<String, Entry>>,
    tracking: Arc<Mutex<Tracking>>,
}

impl Default for Context {
    fn default() -> Self {
        Context::new("", BTreeMap::new())
    }
}

impl Context {
    pub fn new(full_prefix: impl Into<String>, entries: BTreeMap<String, Entry>) -> Self {
        Context {
            full_prefix: full_prefix.into(),
            sub_prefix: String::new(),
            entries: Arc::new(entries),
            tracking: Arc::new(Mutex::new(Tracking::default())),
        }
    }

    /// Convenience for tests and built-in defaults: values without an origin.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        full_prefix: &str,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let entries = pairs
            .into_iter()
            .map(|(k, v)| {
                (
                    k.into(),
                    Entry {
                        value: v.into(),
                        origin: None,
                    },
                )
            })
            .collect();
        Context::new(full_prefix, entries)
    }

    /// Keys under `prefix` (e.g. `serializer.`), with the prefix stripped; reads are tracked in
    /// the parent.
    pub fn sub(&self, prefix: &str) -> Context {
        Context {
            full_prefix: self.full_prefix.clone(),
            sub_prefix: format!("{}{}", self.sub_prefix, prefix),
            entries: Arc::clone(&self.entries),
            tracking: Arc::clone(&self.tracking),
        }
    }

    fn local(&self, key: &str) -> String {
        format!("{}{}", self.sub_prefix, key)
    }

    /// Full name of a key, for messages: `a1.sinks.k1.hdfs.path`.
    pub fn full_key(&self, key: &str) -> String {
        format!("{}{}{}", self.full_prefix, self.sub_prefix, key)
    }

    /// The component's name as written in keys: `a1.sinks.k1`.
    pub fn component(&self) -> &str {
        self.full_prefix.trim_end_matches('.')
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        let local = self.local(key);
        let mut tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        tracking.asked.insert(local.clone());
        let entry = self.entries.get(&local);
        if entry.is_some() {
            tracking.read.insert(local);
        }
        entry
    }

    pub fn origin(&self, key: &str) -> Option<Origin> {
        self.entries
            .get(&self.local(key))
            .and_then(|e| e.origin.clone())
    }

    /// The raw value (Flume already trimmed it and dropped empty values).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(&self.local(key))
    }

    pub fn string(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or(default).to_string()
    }

    pub fn required(&self, key: &str) -> Result<String, ConfigError> {
        self.get(key)
            .map(str::to_string)
            .ok_or_else(|| self.error(key, "is required but not set"))
    }

    /// `Context.getBoolean`: only a case-insensitive "true" is true.
    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.get(key).map(java::parse_boolean).unwrap_or(default)
    }

    /// `Context.getInteger`: a value that is not an integer is an error (Flume drops the component).
    pub fn int(&self, key: &str, default: i32) -> Result<i32, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => java::parse_int(v)
                .ok_or_else(|| self.error(key, format!("expected an integer, got \"{v}\""))),
        }
    }

    pub fn long(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => java::parse_long(v)
                .ok_or_else(|| self.error(key, format!("expected an integer, got \"{v}\""))),
        }
    }

    /// Like [`Context::long`] but an unparsable value silently falls back to the default, as
    /// the components that catch `NumberFormatException` do (memory channel, failover …).
    pub fn long_lenient(&self, key: &str, default: i64) -> i64 {
        self.get(key).and_then(java::parse_long).unwrap_or(default)
    }

    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin(key),
            key: self.full_key(key),
            message: message.into(),
        }
    }

    /// Local keys (relative to this sub-context) in sorted order.
    pub fn keys(&self) -> Vec<String> {
        self.entries
            .keys()
            .filter_map(|k| k.strip_prefix(self.sub_prefix.as_str()).map(str::to_string))
            .collect()
    }

    /// All `(key, value)` pairs under this sub-context, marking them read (pass-through
    /// properties such as `kafka.producer.*`).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let keys = self.keys();
        keys.into_iter()
            .filter_map(|k| self.get(&k).map(|v| (k.clone(), v.to_string())))
            .collect()
    }

    /// Keys present in the config that nothing read, with a suggestion from what was asked for.
    pub fn unread(&self) -> Vec<UnreadKey> {
        let tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        self.entries
            .iter()
            .filter(|(k, _)| !tracking.read.contains(*k))
            .map(|(k, e)| UnreadKey {
                key: format!("{}{}", self.full_prefix, k),
                origin: e.origin.clone(),
                suggestion: suggest(k, tracking.asked.iter().map(String::as_str))
                    .map(|s| format!("{}{}", self.full_prefix, s)),
            })
            .collect()
    }

    /// Mark a key as read without using it (keys consumed by the topology itself).
    pub fn mark_read(&self, key: &str) {
        let _ = self.entry(key);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadKey {
    pub key: String,
    pub origin: Option<Origin>,
    pub suggestion: Option<String>,
}

impl fmt::Display for UnreadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{o}: ")?;
        }
        write!(f, "{}: unknown property, ignored", self.key)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean {s}?)")?;
        }
        Ok(())
    }
}

/// The closest known key: same key with a known prefix (`rollInterval` → `hdfs.rollInterval`),
/// a case-only difference, or a small edit distance.
pub fn suggest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in known {
        if candidate == key {
            continue;
        }
        let score =
            if candidate.ends_with(&format!(".{key}")) || candidate.eq_ignore_ascii_case(key) {
                1.0
            } else {
                strsim::jaro_winkler(&key.to_ascii_lowercase(), &candidate.to_ascii_lowercase())
            };
        if score >= 0.88 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_getters_follow_java() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [("batchSize", "10 "), ("bad", "1e3"), ("flag", "TRUE")],
        );
        assert_eq!(ctx.int("batchSize", 1).unwrap(), 10);
        assert_eq!(ctx.int("missing", 7).unwrap(), 7);
        let err = ctx.int("bad", 1).unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.bad");
        assert!(ctx.bool("flag", false));
    }

    #[test]
    fn unread_keys_get_suggestions() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [("rollInterval", "30"), ("hdfs.path", "/x")],
        );
        let _ = ctx.get("hdfs.path");
        let _ = ctx.get("hdfs.rollInterval");
        let unread = ctx.unread();
        assert_eq!(unread.len(), 1);
        assert_eq!(
            unread[0].suggestion.as_deref(),
            Some("a1.sinks.k1.hdfs.rollInterval")
        );
    }

    #[test]
    fn sub_context_tracks_in_parent() {
        let ctx = Context::from_pairs("a1.sinks.k1.", [("serializer.appendNewline", "false")]);
        let sub = ctx.sub("serializer.");
        assert!(!sub.bool("appendNewline", true));
        assert!(ctx.unread().is_empty());
    }
}
