//! Config filters (reference §3.3): `<agent>.configfilters = f1`, `f1.type = env | external`,
//! applied to every component value (not to the lists) as `${f1['key']}`, after `${…}`
//! substitution ([`super::substitution`]).

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

use regex::Regex;

use super::context::{Entry, Origin};
use super::substitution::Environment;
use crate::registry::{self, Prop, PropTable, Type};

/// How long an `external` filter command may run before its value is left unresolved
/// (Flume waits forever).
pub const EXTERNAL_TIMEOUT: Duration = Duration::from_secs(30);

/// `external`: the program and its arguments (no shell); the key is appended.
pub const COMMAND: Prop = Prop::text(
    "command",
    "program and arguments (split on white space, no shell); the key is the last argument",
)
.required();
/// `external`: how the command's output is decoded.
pub const CHARSET: Prop = Prop::string(
    "charset",
    "UTF-8",
    "encoding of the command's output (UTF-8, US-ASCII or ISO-8859-1)",
);

/// `env` filter keys: none besides `type`.
pub const ENV_PROPS: PropTable = PropTable::new(&[]);
/// `external` filter keys.
pub const EXTERNAL_PROPS: PropTable = PropTable::new(&[COMMAND, CHARSET]);

/// The keys of every config filter.
pub const COMMON_PROPS: PropTable = PropTable::new(&[Prop::new(
    "type",
    Type::Class,
    registry::Default::None,
    "the filter: env, external, hadoop or a class name",
)
.required()]);

/// The property table of a native config filter type (its registry name).
pub fn props(name: &str) -> Option<&'static PropTable> {
    match name {
        "env" => Some(&ENV_PROPS),
        "external" => Some(&EXTERNAL_PROPS),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FilterKind {
    Env,
    /// `command` split on whitespace; the key is appended as the last argument.
    External {
        command: Vec<String>,
        latin1: bool,
    },
}

/// One `<agent>.configfilters.<name>` filter, ready to apply.
#[derive(Debug, Clone)]
pub struct ConfigFilter {
    pub name: String,
    kind: FilterKind,
    pattern: Regex,
}

/// `ConfigFilterFactory.create` + `initializeWithConfiguration`. An error means Flume logs
/// `Error while creating config filter <name>` and runs without this filter.
pub fn create_filter(
    name: &str,
    type_name: &str,
    entries: &BTreeMap<String, Entry>,
) -> Result<ConfigFilter, String> {
    let resolution = registry::resolve(registry::Kind::ConfigFilter, type_name);
    let kind = match resolution.row().map(registry::Row::name) {
        Some("env") => FilterKind::Env,
        Some("external") => {
            let Some(command) = entries.get(COMMAND.name).map(|e| e.value.trim()) else {
                return Err("command must be set for an external config filter".into());
            };
            let charset = entries
                .get(CHARSET.name)
                .map(|e| e.value.trim().to_string())
                .unwrap_or_else(|| CHARSET.default_str().into());
            let latin1 = match charset.to_ascii_uppercase().replace('_', "-").as_str() {
                "UTF-8" | "UTF8" | "US-ASCII" | "ASCII" => false,
                "ISO-8859-1" | "ISO8859-1" | "LATIN1" => true,
                _ => {
                    return Err(format!(
                        "charset {charset} is not supported (UTF-8, US-ASCII, ISO-8859-1)"
                    ));
                }
            };
            FilterKind::External {
                command: command.split_whitespace().map(str::to_string).collect(),
                latin1,
            }
        }
        Some(_) => {
            return Err(
                "the hadoop config filter (Hadoop CredentialProvider keystores) is not supported by flume-rs; use the env or external filter (e.g. a script that prints the secret)"
                    .into(),
            );
        }
        None => {
            return Err(registry::unknown_type_message(
                registry::Kind::ConfigFilter,
                type_name,
            ));
        }
    };
    // ${name['key']}, ${name["key"]} or ${name[key]}: the same quote on both sides.
    let quoted = regex::escape(name);
    let key = "[-_a-zA-Z0-9]+";
    let pattern = Regex::new(&format!(
        r#"\$\{{{quoted}\[(?:'(?P<k1>{key})'|"(?P<k2>{key})"|(?P<k3>{key}))\]\}}"#
    ))
    .map_err(|e| format!("cannot build the pattern for filter {name}: {e}"))?;
    Ok(ConfigFilter {
        name: name.to_string(),
        kind,
        pattern,
    })
}

impl ConfigFilter {
    /// The value for `key`, or `None` (the reference is then left as written).
    pub fn filter(&self, key: &str, env: &Environment) -> Result<Option<String>, String> {
        match &self.kind {
            FilterKind::Env => Ok(env.env_var(key)),
            FilterKind::External { command, latin1 } => run_external(command, key, *latin1, env),
        }
    }

    /// `FlumeConfiguration.filterValue` for this filter: every match is looked up and every
    /// occurrence of the matched text replaced. Errors are returned as notes.
    pub fn apply(&self, value: &str, env: &Environment) -> (String, Vec<String>) {
        let mut filtered = value.to_string();
        let mut notes = Vec::new();
        for m in self.pattern.captures_iter(value) {
            let Some(key) = m
                .name("k1")
                .or_else(|| m.name("k2"))
                .or_else(|| m.name("k3"))
            else {
                continue;
            };
            match self.filter(key.as_str(), env) {
                Ok(Some(v)) => {
                    if let Some(full) = m.get(0) {
                        filtered = filtered.replace(full.as_str(), &v);
                    }
                }
                Ok(None) => notes.push(format!(
                    "config filter {}: no value for key {}: ${{{}[…]}} left as written",
                    self.name,
                    key.as_str(),
                    self.name
                )),
                Err(e) => notes.push(format!(
                    "config filter {}: error while reading value for key {}: {e}",
                    self.name,
                    key.as_str()
                )),
            }
        }
        (filtered, notes)
    }
}

/// `ExternalProcessConfigFilter.execCommand`: run `command… key` (no shell); exit 0 → the
/// first line of stdout (none → no value); otherwise an error carrying stderr.
fn run_external(
    command: &[String],
    key: &str,
    latin1: bool,
    env: &Environment,
) -> Result<Option<String>, String> {
    let Some((program, args)) = command.split_first() else {
        return Err("command is empty".into());
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .arg(key)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(map) = &env.env {
        cmd.env_clear().envs(map);
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + EXTERNAL_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} s",
                    command.join(" "),
                    EXTERNAL_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    };
    let decode = |bytes: Vec<u8>| -> String {
        if latin1 {
            bytes.iter().map(|&b| b as char).collect()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let stdout = decode(out_reader.join().unwrap_or_default());
    if !status.success() {
        let stderr = decode(err_reader.join().unwrap_or_default());
        return Err(format!(
            "Process ({}) exited with non-zero ({}) status code. Stderr: {}",
            command.join(" "),
            status
                .code()
                .map_or("signal".to_string(), |c| c.to_string()),
            stderr.trim_end()
        ));
    }
    // Scanner.nextLine: the text up to the first line terminator; no text → no value.
    if stdout.is_empty() {
        return Ok(None);
    }
    let first = stdout
        .split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
        .next()
        .unwrap_or("");
    Ok(Some(first.to_string()))
}

/// Something a filter could not do for one value (an error, a key without a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterNote {
    pub origin: Option<Origin>,
    /// The component-local key of the value.
    pub key: String,
    pub message: String,
}

/// Apply `filters` (in Flume's order) to every value of one component. Returns the notes
/// and the values that the filters produced (secrets, typically).
pub fn filter_component(
    filters: &[ConfigFilter],
    entries: &mut BTreeMap<String, Entry>,
    env: &Environment,
) -> (Vec<FilterNote>, Vec<String>) {
    let mut notes = Vec::new();
    let mut produced = Vec::new();
    for (key, entry) in entries.iter_mut() {
        for f in filters {
            if !entry.value.contains("${") {
                break;
            }
            let before = entry.value.clone();
            let (after, errors) = f.apply(&before, env);
            for message in errors {
                notes.push(FilterNote {
                    origin: entry.origin.clone(),
                    key: key.clone(),
                    message,
                });
            }
            if after != before {
                produced.extend(filter_outputs(f, &before, env));
                entry.value = after;
            }
        }
    }
    (notes, produced)
}

/// The values a filter substituted into `value` (for masking).
fn filter_outputs(f: &ConfigFilter, value: &str, env: &Environment) -> Vec<String> {
    f.pattern
        .captures_iter(value)
        .filter_map(|m| {
            let key = m
                .name("k1")
                .or_else(|| m.name("k2"))
                .or_else(|| m.name("k3"))?;
            f.filter(key.as_str(), env).ok().flatten()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)], sys: &[(&str, &str)]) -> Environment {
        Environment::fixed(
            sys.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, Entry> {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Entry {
                        value: v.to_string(),
                        origin: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn env_filter_forms() {
        let e = env(&[("k", "V")], &[]);
        let f = create_filter("f1", "env", &entries(&[("type", "env")])).unwrap();
        let cases = [
            ("${f1['k']}", "V"),
            ("${f1[\"k\"]}", "V"),
            ("${f1[k]}", "V"),
            ("pre${f1[k]}post${f1[k]}", "preVpostV"),
            ("${f1['k\"]}", "${f1['k\"]}"),
            ("${f1[k.x]}", "${f1[k.x]}"),
            ("${f2[k]}", "${f2[k]}"),
        ];
        for (input, expected) in cases {
            assert_eq!(f.apply(input, &e).0, expected, "{input}");
        }
    }

    #[test]
    fn external_filter_runs_the_command() {
        let e = env(&[], &[]);
        let f = create_filter(
            "f",
            "external",
            &entries(&[("command", "/bin/echo secret-for")]),
        )
        .unwrap();
        assert_eq!(f.apply("${f['db']}", &e).0, "secret-for db");
        let failing =
            create_filter("f", "EXTERNAL", &entries(&[("command", "/bin/false")])).unwrap();
        let (value, notes) = failing.apply("${f['db']}", &e);
        assert_eq!(value, "${f['db']}");
        assert!(notes[0].contains("non-zero"), "{notes:?}");
        let missing =
            create_filter("f", "external", &entries(&[("command", "/nonexistent/x")])).unwrap();
        assert!(missing.apply("${f[a]}", &e).1[0].contains("cannot run"));
        assert!(create_filter("f", "external", &entries(&[])).is_err());
    }

    #[test]
    fn unsupported_filter_types_say_so() {
        let hadoop = create_filter("f", "hadoop", &entries(&[])).unwrap_err();
        assert!(hadoop.contains("not supported"), "{hadoop}");
        let custom = create_filter("f", "com.example.VaultFilter", &entries(&[])).unwrap_err();
        assert!(custom.contains("com.example.VaultFilter"), "{custom}");
        assert!(
            create_filter(
                "f",
                "org.apache.flume.configfilter.EnvironmentVariableConfigFilter",
                &entries(&[])
            )
            .is_ok()
        );
    }
}
