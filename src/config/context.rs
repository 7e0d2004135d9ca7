//! Per-component configuration: Flume's `Context` (flat key → value), with typed getters that
//! parse as Flume's Java getters do, name the file and line in errors, and remember which keys
//! were read so that keys nothing reads can be warned about.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::java;
use crate::registry::{self, Prop};

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

impl ConfigError {
    /// `key: message`, for messages that already show the location.
    pub fn without_origin(&self) -> String {
        format!("{}: {}", self.key, self.message)
    }
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
    /// Values Flume accepts but reads differently from what was probably meant (`true  # x`
    /// is false, an unparsable number falls back to the default).
    notes: Vec<ConfigError>,
    /// The component was dropped: its keys are not reported as unread (a failed `configure`
    /// stops reading half-way).
    dropped: bool,
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

    /// Where the component's properties start (its first line in file order).
    pub fn first_origin(&self) -> Option<Origin> {
        self.entries
            .values()
            .filter_map(|e| e.origin.clone())
            .min_by(|a, b| (a.file.as_ref(), a.line).cmp(&(b.file.as_ref(), b.line)))
    }

    /// The value without marking it read (reports, masking).
    pub fn peek(&self, key: &str) -> Option<&str> {
        self.entries.get(&self.local(key)).map(|e| e.value.as_str())
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

    /// `Context.getBoolean`: only a case-insensitive "true" is true. Anything other than
    /// `true`/`false` is noted (e.g. `true  # comment`, which Flume reads as false).
    pub fn bool(&self, key: &str, default: bool) -> bool {
        let Some(v) = self.get(key) else {
            return default;
        };
        let parsed = java::parse_boolean(v);
        if !v.eq_ignore_ascii_case("false") && !parsed {
            let hint = if v.contains('#') {
                "; an inline # comment is part of the value"
            } else {
                ""
            };
            self.note(
                key,
                format!(
                    "{} is read as false: only \"true\" (any case) is true{hint}",
                    self.shown(key, v)
                ),
            );
        }
        parsed
    }

    /// `Context.getInteger`: a value that is not an integer is an error (Flume drops the component).
    pub fn int(&self, key: &str, default: i32) -> Result<i32, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => java::parse_int(v).ok_or_else(|| {
                self.error(
                    key,
                    format!("expected an integer, got {}", self.shown(key, v)),
                )
            }),
        }
    }

    pub fn long(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => java::parse_long(v).ok_or_else(|| {
                self.error(
                    key,
                    format!("expected an integer, got {}", self.shown(key, v)),
                )
            }),
        }
    }

    /// Like [`Context::long`] but an unparsable value falls back to the default, as the
    /// components that catch `NumberFormatException` do (memory channel, failover …); the
    /// fallback is noted so that `flume-ng validate` can show it.
    pub fn long_lenient(&self, key: &str, default: i64) -> i64 {
        let Some(v) = self.get(key) else {
            return default;
        };
        match java::parse_long(v) {
            Some(n) => n,
            None => {
                self.note(
                    key,
                    format!(
                        "expected an integer, got {}: Flume ignores it and uses the default {default}",
                        self.shown(key, v)
                    ),
                );
                default
            }
        }
    }

    /// The name `prop` is written under in this context: its current name, else the first
    /// legacy name present, else the current name.
    pub fn key_of(&self, prop: &Prop) -> &'static str {
        prop.names().find(|n| self.contains(n)).unwrap_or(prop.name)
    }

    /// The raw value of a table key (current name, else a legacy name).
    pub fn value(&self, prop: &Prop) -> Option<&str> {
        self.get(self.key_of(prop))
    }

    /// A table key that must be set.
    pub fn get_required(&self, prop: &Prop) -> Result<String, ConfigError> {
        self.required(self.key_of(prop))
    }

    /// A string table key, its default when unset (empty when it has none).
    pub fn get_string(&self, prop: &Prop) -> String {
        let default = match prop.default {
            registry::Default::Str(s) => s,
            _ => "",
        };
        self.string(self.key_of(prop), default)
    }

    /// A boolean table key ([`Context::bool`] with the table's default).
    pub fn get_bool(&self, prop: &Prop) -> bool {
        self.bool(self.key_of(prop), prop.default_bool())
    }

    /// An integer table key ([`Context::int`] with the table's default).
    pub fn get_int(&self, prop: &Prop) -> Result<i32, ConfigError> {
        let default = i32::try_from(prop.default_int()).unwrap_or(i32::MAX);
        self.int(self.key_of(prop), default)
    }

    /// A long table key ([`Context::long`] with the table's default).
    pub fn get_long(&self, prop: &Prop) -> Result<i64, ConfigError> {
        self.long(self.key_of(prop), prop.default_int())
    }

    /// A long table key read leniently ([`Context::long_lenient`]).
    pub fn get_long_lenient(&self, prop: &Prop) -> i64 {
        self.long_lenient(self.key_of(prop), prop.default_int())
    }

    /// A value as it may appear in a message: quoted, or masked when the key names a secret.
    pub fn shown(&self, key: &str, value: &str) -> String {
        if is_secret_key(&self.local(key)) {
            MASK.to_string()
        } else {
            format!("\"{value}\"")
        }
    }

    /// Record that a value is accepted but probably not read as meant.
    pub fn note(&self, key: &str, message: impl Into<String>) {
        let error = self.error(key, message);
        let mut tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        if !tracking.notes.contains(&error) {
            tracking.notes.push(error);
        }
    }

    /// Notes recorded by getters (see [`Context::note`]).
    pub fn notes(&self) -> Vec<ConfigError> {
        let tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        tracking.notes.clone()
    }

    /// The component was dropped (its `configure` failed): do not report its keys as unread.
    pub fn mark_dropped(&self) {
        let mut tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        tracking.dropped = true;
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
        if tracking.dropped {
            return Vec::new();
        }
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

    /// Every local key a getter asked for so far, set or not (for checks that a component's
    /// property table declares every key it reads).
    pub fn asked(&self) -> Vec<String> {
        let tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        tracking.asked.iter().cloned().collect()
    }

    /// True when a getter read `key` (local to this sub-context) and it exists.
    pub fn was_read(&self, key: &str) -> bool {
        let tracking = self.tracking.lock().unwrap_or_else(|e| e.into_inner());
        tracking.read.contains(&self.local(key))
    }

    /// Mark a key as read without using it (keys consumed by the topology itself).
    pub fn mark_read(&self, key: &str) {
        let _ = self.entry(key);
    }

    /// Every `(key, value)` of the whole component (whatever the sub-context), without
    /// marking anything read: what a reload compares to decide whether the component changed.
    /// Values may be secrets: compare them, never show them.
    pub fn all_values(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect()
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

/// What a secret value is replaced with in messages and reports.
pub const MASK: &str = "******";

/// True when a property (its local name, e.g. `keystorePassword`, `kafka.producer.sasl.jaas.config`,
/// `fs.s3a.secret.key`) holds a secret that must never be printed.
///
/// The name is cut into words at `.`, `-`, `_` and camelCase boundaries. Secret words:
/// password/passwd/pwd/passphrase, secret, credential(s), token, jaas. The word `key` alone is
/// not a secret (`key`, `keyHeader`, `key.serializer`, `headers.f1.headerKey1`, `keystore`,
/// `kerberosKeytab`); it is when a word that makes it a credential comes right before it
/// (`access.key`, `secretKey`, `privateKey`, `apiKey`, `encryption.key`, `signing.key`).
pub fn is_secret_key(key: &str) -> bool {
    let words = words(key);
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "secrets",
        "credential",
        "credentials",
        "token",
        "jaas",
    ];
    const KEY_QUALIFIERS: &[&str] = &[
        "access",
        "private",
        "api",
        "encryption",
        "signing",
        "master",
        "auth",
        "session",
    ];
    words.iter().enumerate().any(|(i, w)| {
        SECRET.contains(&w.as_str())
            || (w == "key" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str()))
    })
}

fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The closest known key: same key with a known prefix (`rollInterval` → `hdfs.rollInterval`),
/// a case-only difference, or a small edit distance.
pub fn suggest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in known {
        if candidate == key {
            continue;
        }
        // `roundUnit` is not a misspelling of `round`: a camelCase extension names another
        // property (one the component did not ask for this time).
        if key
            .strip_prefix(candidate)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_ascii_uppercase())
        {
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
    fn secret_keys() {
        for k in [
            "keystorePassword",
            "ssl.key.password",
            "kafka.producer.sasl.jaas.config",
            "kafka.consumer.ssl.truststore.password",
            "fs.s3a.secret.key",
            "fs.s3a.access.key",
            "s3.secretKey",
            "privateKey",
            "apiKey",
            "hdfs.kerberosPassword",
            "auth.token",
            "credential.provider.path",
            "SECRET_VALUE",
        ] {
            assert!(is_secret_key(k), "{k} should be secret");
        }
        for k in [
            "hdfs.path",
            "key",
            "keyHeader",
            "kafka.producer.key.serializer",
            "headers.f1.headerKey1",
            "keystore",
            "keystoreType",
            "hdfs.kerberosKeytab",
            "hdfs.kerberosPrincipal",
            "type",
            "selector.header",
            "topicHeader",
            "serializer.format",
        ] {
            assert!(!is_secret_key(k), "{k} should not be secret");
        }
    }

    #[test]
    fn secret_values_are_masked_in_errors() {
        let ctx = Context::from_pairs("a1.sources.r1.", [("keystorePassword.port", "hunter2")]);
        let err = ctx.int("keystorePassword.port", 1).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains(MASK));
    }

    #[test]
    fn lenient_and_boolean_values_are_noted() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [
                ("hdfs.useLocalTimeStamp", "true  # local time"),
                ("capacity", "10k"),
                ("ok", "FALSE"),
            ],
        );
        assert!(!ctx.bool("hdfs.useLocalTimeStamp", false));
        assert_eq!(ctx.long_lenient("capacity", 100), 100);
        assert!(!ctx.bool("ok", true));
        let notes = ctx.notes();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].message.contains("inline # comment"));
        assert!(notes[1].message.contains("default 100"));
    }

    #[test]
    fn dropped_components_report_no_unread_keys() {
        let ctx = Context::from_pairs("a1.sinks.k1.", [("batchSize", "x"), ("other", "1")]);
        assert_eq!(ctx.unread().len(), 2);
        ctx.mark_dropped();
        assert!(ctx.unread().is_empty());
    }

    #[test]
    fn suggestions_skip_camel_case_extensions() {
        let known = ["hdfs.round", "hdfs.roundValue", "hdfs.rollInterval"];
        assert_eq!(
            suggest("hdfs.roundvalue", known.iter().copied()).as_deref(),
            Some("hdfs.roundValue")
        );
        assert_eq!(
            suggest("hdfs.rounds", known.iter().copied()).as_deref(),
            Some("hdfs.round")
        );
        assert_eq!(suggest("hdfs.roundUnit", ["hdfs.round"].into_iter()), None);
        assert_eq!(
            suggest("rollInterval", known.iter().copied()).as_deref(),
            Some("hdfs.rollInterval")
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
