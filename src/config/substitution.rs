//! `${…}` substitution in configuration values (reference §3.2), Flume 1.10+'s `MapResolver`:
//! Commons Text's `StringSubstitutor` over the lookups `sys:`, `env:`, `java:`, `date:` and a
//! default lookup that reads the other properties. Nested names (`${${sys:env}_BIND}`), `:-`
//! defaults, `$${x}` escapes; an unresolved variable is left as written. Keys are never
//! substituted. With `-DpropertiesImplementation=org.apache.flume.node.EnvVarResolverProperties`
//! the default lookup falls back to the environment, and — as Flume 1.9's
//! `EnvVarResolverProperties` did — a plain `${NAME}` that nothing resolves becomes empty.
//! Config filter references (`${f1['key']}`) are left for [`super::filters`].

use std::collections::{BTreeSet, HashMap};

use super::LoadOptions;
use super::model::{Diagnostic, Severity};
use super::properties::RawProperty;
use crate::java::date;

/// `-DpropertiesImplementation=` value that switches on Flume 1.9's environment variables.
pub const ENV_VAR_RESOLVER: &str = "org.apache.flume.node.EnvVarResolverProperties";

/// Where substitution and filters look things up: `-D` system properties and the environment
/// (the process environment, or a fixed map in tests).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub sysprops: HashMap<String, String>,
    pub(super) env: Option<HashMap<String, String>>,
}

impl Environment {
    /// The process environment and the `-D` properties of `options`.
    pub fn from_options(options: &LoadOptions) -> Self {
        Environment {
            sysprops: options.sysprops.clone(),
            env: None,
        }
    }

    /// A fixed environment (tests): nothing is read from the process environment.
    pub fn fixed(sysprops: HashMap<String, String>, env: HashMap<String, String>) -> Self {
        Environment {
            sysprops,
            env: Some(env),
        }
    }

    pub fn env_var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// `System.getProperty`: `-D` values, then the JVM's standard properties we can answer.
    pub fn sysprop(&self, name: &str) -> Option<String> {
        if let Some(v) = self.sysprops.get(name) {
            return Some(v.clone());
        }
        let home = || self.env_var("HOME");
        match name {
            "user.home" => home(),
            "user.name" => self.env_var("USER").or_else(|| self.env_var("LOGNAME")),
            "user.dir" => std::env::current_dir()
                .ok()
                .map(|p| p.display().to_string()),
            "java.io.tmpdir" => Some("/tmp".into()),
            "os.name" => Some(os_name().into()),
            "os.arch" => Some(java_arch().into()),
            "file.separator" => Some("/".into()),
            "path.separator" => Some(":".into()),
            "line.separator" => Some("\n".into()),
            "file.encoding" => Some("UTF-8".into()),
            _ => None,
        }
    }

    fn env_var_resolver(&self) -> bool {
        self.sysprops
            .get("propertiesImplementation")
            .is_some_and(|v| v.trim() == ENV_VAR_RESOLVER)
    }
}

fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Mac OS X",
        other => other,
    }
}

fn java_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    }
}

/// A lookup of `StringSubstitutor`'s interpolator (`prefix:name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Environment,
    SystemProperties,
    Java,
    Date,
}

/// The lookup table: Flume's default `lookups.properties`, or the file named by `-Dlookups`.
fn lookup_table(env: &Environment, diags: &mut Vec<Diagnostic>) -> HashMap<String, Lookup> {
    let mut table = HashMap::new();
    let Some(file) = env.sysprops.get("lookups") else {
        table.insert("env".to_string(), Lookup::Environment);
        table.insert("sys".to_string(), Lookup::SystemProperties);
        table.insert("java".to_string(), Lookup::Java);
        table.insert("date".to_string(), Lookup::Date);
        return table;
    };
    let props = match super::properties::read_file(std::path::Path::new(file)) {
        Ok(p) => p,
        Err(error) => {
            diags.push(Diagnostic::new(
                Severity::Warning,
                None,
                "-Dlookups",
                format!("{error}: no ${{prefix:…}} lookup is available"),
            ));
            return table;
        }
    };
    const DEFAULT_LOOKUP: &str = "org.apache.commons.text.lookup.DefaultStringLookup.";
    for p in props {
        let value = p.value.trim();
        let lookup = match value.strip_prefix(DEFAULT_LOOKUP) {
            Some("ENVIRONMENT") => Some(Lookup::Environment),
            Some("SYSTEM_PROPERTIES") => Some(Lookup::SystemProperties),
            Some("JAVA") => Some(Lookup::Java),
            Some("DATE") => Some(Lookup::Date),
            _ => None,
        };
        match lookup {
            Some(l) => {
                table.insert(p.key.trim().to_lowercase(), l);
            }
            None => diags.push(Diagnostic::new(
                Severity::Warning,
                Some(p.origin.clone()),
                p.key.trim(),
                format!(
                    "lookup {value} is not available in flume-rs (only DefaultStringLookup.ENVIRONMENT, SYSTEM_PROPERTIES, JAVA and DATE; Java StringLookup classes cannot be loaded): ${{{}:…}} stays unresolved",
                    p.key.trim()
                ),
            )),
        }
    }
    table
}

/// What substituting every value produced, besides the values.
#[derive(Debug, Default)]
pub struct SubstitutionOutcome {
    pub diagnostics: Vec<Diagnostic>,
    /// Property keys some `${…}` resolved to (so variable-only keys are not "ignored").
    pub referenced: BTreeSet<String>,
}

struct Resolver<'a> {
    raw: HashMap<&'a str, &'a str>,
    env: &'a Environment,
    lookups: HashMap<String, Lookup>,
    env_var_resolver: bool,
    referenced: BTreeSet<String>,
    /// Notes about the value being substituted (unresolved names, 1.9 blanks).
    notes: Vec<String>,
}

/// Substitute `${…}` in every value, resolving other keys against the raw merged properties
/// (Flume reads the map it is filling, in hash order; the raw properties give the same result
/// wherever Flume's order happened to work).
pub fn substitute_all(props: &mut [RawProperty], env: &Environment) -> SubstitutionOutcome {
    let mut diagnostics = Vec::new();
    let lookups = lookup_table(env, &mut diagnostics);
    let raw_values: Vec<(String, String)> = props
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    let mut resolver = Resolver {
        raw: raw_values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        env,
        lookups,
        env_var_resolver: env.env_var_resolver(),
        referenced: BTreeSet::new(),
        notes: Vec::new(),
    };
    for p in props.iter_mut() {
        if !p.value.contains("${") {
            continue;
        }
        resolver.notes.clear();
        match resolver.replace(&p.value) {
            Ok(v) => p.value = v,
            Err(cycle) => resolver.notes.push(format!(
                "{cycle}: the value is left as written (Flume 1.11 leaves such references unresolved or fails to load)"
            )),
        }
        for note in resolver.notes.drain(..) {
            diagnostics.push(Diagnostic::new(
                Severity::Warning,
                Some(p.origin.clone()),
                p.key.trim(),
                note,
            ));
        }
    }
    SubstitutionOutcome {
        diagnostics,
        referenced: resolver.referenced,
    }
}

/// Substitute one value against `properties` (tests and tools).
pub fn substitute_value(
    value: &str,
    properties: &[(&str, &str)],
    env: &Environment,
) -> (String, Vec<String>) {
    let mut ignored = Vec::new();
    let mut resolver = Resolver {
        raw: properties.iter().copied().collect(),
        env,
        lookups: lookup_table(env, &mut ignored),
        env_var_resolver: env.env_var_resolver(),
        referenced: BTreeSet::new(),
        notes: Vec::new(),
    };
    let out = resolver
        .replace(value)
        .unwrap_or_else(|_| value.to_string());
    (out, resolver.notes)
}

impl Resolver<'_> {
    fn replace(&mut self, value: &str) -> Result<String, String> {
        let mut buf: Vec<char> = value.chars().collect();
        let len = buf.len();
        let mut prior = None;
        self.substitute(&mut buf, 0, len, &mut prior)?;
        Ok(buf.into_iter().collect())
    }

    /// `StringSubstitutor.substitute(builder, offset, length, priorVariables)`, with prefix
    /// `${`, suffix `}`, escape `$`, value delimiter `:-`, substitution in variable names and
    /// in values. Returns the change in length.
    fn substitute(
        &mut self,
        buf: &mut Vec<char>,
        offset: usize,
        length: usize,
        prior: &mut Option<Vec<String>>,
    ) -> Result<isize, String> {
        let is_prefix = |buf: &[char], pos: usize, end: usize| {
            pos + 1 < end && buf[pos] == '$' && buf[pos + 1] == '{'
        };
        let mut length_change: isize = 0;
        let mut pos = offset;
        let mut end = offset + length;
        while pos < end {
            if !is_prefix(buf, pos, end) {
                pos += 1;
                continue;
            }
            if pos > offset && buf[pos - 1] == '$' {
                // `$${x}`: drop the escape, keep `${x}` as text.
                buf.remove(pos - 1);
                length_change -= 1;
                end -= 1;
                continue;
            }
            let start_pos = pos;
            pos += 2;
            let mut nested = 0usize;
            while pos < end {
                if is_prefix(buf, pos, end) {
                    nested += 1;
                    pos += 2;
                    continue;
                }
                if buf[pos] != '}' {
                    pos += 1;
                    continue;
                }
                if nested > 0 {
                    nested -= 1;
                    pos += 1;
                    continue;
                }
                let mut name: Vec<char> = buf[start_pos + 2..pos].to_vec();
                let name_len = name.len();
                self.substitute(&mut name, 0, name_len, &mut None)?;
                let expr: String = name.iter().collect();
                pos += 1;
                let end_pos = pos;
                let (var_name, default) = match expr.find(":-") {
                    Some(i) => (expr[..i].to_string(), Some(expr[i + 2..].to_string())),
                    None => (expr.clone(), None),
                };
                let prior_list = prior.get_or_insert_with(|| {
                    vec![
                        buf[offset..(offset + length).min(buf.len())]
                            .iter()
                            .collect(),
                    ]
                });
                if prior_list.contains(&var_name) {
                    let chain = prior_list[1..].join(" -> ");
                    return Err(format!(
                        "cyclic reference ${{{var_name}}} ({chain} -> {var_name})"
                    ));
                }
                prior_list.push(var_name.clone());
                let value = self
                    .resolve(&var_name)
                    .or(default)
                    .or_else(|| self.blank_1_9(&var_name));
                match value {
                    Some(v) => {
                        let chars: Vec<char> = v.chars().collect();
                        let var_len = chars.len();
                        buf.splice(start_pos..end_pos, chars);
                        let mut change = self.substitute(buf, start_pos, var_len, prior)?;
                        change += var_len as isize - (end_pos - start_pos) as isize;
                        pos = (pos as isize + change) as usize;
                        end = (end as isize + change) as usize;
                        length_change += change;
                    }
                    // `${f1['key']}` is a config filter reference, resolved later.
                    None if is_filter_reference(&expr) => {}
                    None => self.notes.push(format!(
                        "${{{expr}}} is not resolved: left as written (Flume 1.10+ keeps unresolved references verbatim)"
                    )),
                }
                if let Some(list) = prior.as_mut() {
                    list.pop();
                }
                break;
            }
        }
        Ok(length_change)
    }

    /// The interpolator: `prefix:name` goes to the prefix's lookup; if that has no value (or
    /// the prefix is unknown) the name after the prefix goes to the default lookup.
    fn resolve(&mut self, var: &str) -> Option<String> {
        let mut name = var;
        if let Some(i) = var.find(':') {
            let prefix = var[..i].to_lowercase();
            let rest = &var[i + 1..];
            if let Some(lookup) = self.lookups.get(&prefix).copied()
                && let Some(v) = self.lookup(lookup, rest)
            {
                return Some(v);
            }
            name = rest;
        }
        if let Some(v) = self.raw.get(name) {
            self.referenced.insert(name.to_string());
            return Some(v.to_string());
        }
        if self.env_var_resolver {
            return self.env.env_var(name);
        }
        None
    }

    fn lookup(&mut self, lookup: Lookup, name: &str) -> Option<String> {
        match lookup {
            Lookup::Environment => self.env.env_var(name),
            Lookup::SystemProperties => self.env.sysprop(name),
            Lookup::Java => java_lookup(self.env, name),
            Lookup::Date => {
                let zone = self
                    .env
                    .sysprops
                    .get("user.timezone")
                    .and_then(|id| date::JavaZone::try_from_java_id(id))
                    .unwrap_or_else(date::default_zone);
                let now = chrono::Utc::now().timestamp_millis();
                match date::format_simple(name, now, &zone) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        self.notes
                            .push(format!("${{date:{name}}}: {e} (Flume fails to load)"));
                        None
                    }
                }
            }
        }
    }

    /// Flume 1.9's `EnvVarResolverProperties`: an unset `${NAME}` becomes empty.
    fn blank_1_9(&mut self, var: &str) -> Option<String> {
        let word = !var.is_empty() && var.chars().all(|c| c.is_alphanumeric() || c == '_');
        if self.env_var_resolver && word {
            self.notes.push(format!(
                "${{{var}}}: environment variable {var} is not set; replaced by an empty string (-DpropertiesImplementation={ENV_VAR_RESOLVER})"
            ));
            return Some(String::new());
        }
        None
    }
}

/// `name['key']`, `name["key"]` or `name[key]`: what a config filter reference looks like
/// inside `${…}`.
fn is_filter_reference(expr: &str) -> bool {
    let Some((name, rest)) = expr.split_once('[') else {
        return false;
    };
    let Some(inner) = rest.strip_suffix(']') else {
        return false;
    };
    let key = ["'", "\""]
        .iter()
        .find_map(|q| inner.strip_prefix(q).and_then(|k| k.strip_suffix(q)))
        .unwrap_or(inner);
    !name.is_empty()
        && !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Commons Text's `JavaPlatformStringLookup`; flume-rs runs without a JVM, so `java.*`
/// system properties (`-Djava.version=…`) stand in for the platform's.
fn java_lookup(env: &Environment, name: &str) -> Option<String> {
    let prop = |k: &str| env.sysprop(k).unwrap_or_else(|| "n/a (no JVM)".into());
    Some(match name {
        "version" => format!("Java version {}", prop("java.version")),
        "runtime" => format!("flume-rs {} (no Java runtime)", env!("CARGO_PKG_VERSION")),
        "vm" => "no Java VM (flume-rs is a native binary)".to_string(),
        "os" => format!(
            "{} {}, architecture: {}",
            os_name(),
            prop("os.version"),
            java_arch()
        ),
        "hardware" => format!(
            "processors: {}, architecture: {}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            java_arch()
        ),
        "locale" => "default locale: en_US, platform encoding: UTF-8".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::context::Origin;

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

    fn sub(value: &str, props: &[(&str, &str)], e: &Environment) -> String {
        substitute_value(value, props, e).0
    }

    #[test]
    fn lookups_and_properties() {
        let e = env(
            &[("HOME", "/home/f")],
            &[("name", "FLUME"), ("env", "PROD")],
        );
        let props = [("PROD_BIND", "10.0.0.1"), ("port", "44444")];
        assert_eq!(sub("${sys:name}", &props, &e), "FLUME");
        assert_eq!(sub("${env:HOME}/x", &props, &e), "/home/f/x");
        assert_eq!(sub("${${sys:env}_BIND}", &props, &e), "10.0.0.1");
        assert_eq!(sub("${port}", &props, &e), "44444");
        assert_eq!(sub("${SYS:name}", &props, &e), "FLUME");
        assert!(sub("${java:version}", &props, &e).starts_with("Java version"));
        assert_eq!(sub("${date:yyyy}", &props, &e).len(), 4);
    }

    #[test]
    fn unresolved_escaped_and_defaults() {
        let e = env(&[], &[]);
        assert_eq!(sub("x${env:NOPE}y", &[], &e), "x${env:NOPE}y");
        assert_eq!(sub("$${env:HOME}", &[], &e), "${env:HOME}");
        assert_eq!(sub("$$x ${", &[], &e), "$$x ${");
        assert_eq!(sub("${env:NOPE:-fallback}", &[], &e), "fallback");
        assert_eq!(
            sub("${const:org.X.C}", &[], &e),
            "${const:org.X.C}",
            "unknown prefixes are left verbatim"
        );
        // An unknown prefix falls back to the properties with the name after the prefix.
        assert_eq!(sub("${const:port}", &[("port", "1")], &e), "1");
        let (_, notes) = substitute_value("${env:NOPE}", &[], &e);
        assert!(notes[0].contains("not resolved"), "{notes:?}");
        let (out, notes) = substitute_value("${f1['k']}", &[], &e);
        assert_eq!(out, "${f1['k']}");
        assert!(
            notes.is_empty(),
            "filter references are not substitution mistakes"
        );
    }

    #[test]
    fn custom_lookups_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lookups.properties");
        std::fs::write(
            &file,
            "environment = org.apache.commons.text.lookup.DefaultStringLookup.ENVIRONMENT\n\
             props = org.apache.commons.text.lookup.DefaultStringLookup.SYSTEM_PROPERTIES\n\
             test = org.example.TestLookup\n",
        )
        .unwrap();
        let lookups = file.display().to_string();
        let e = env(&[("HOME", "/h")], &[("lookups", &lookups), ("x", "1")]);
        assert_eq!(sub("${environment:HOME}", &[], &e), "/h");
        assert_eq!(sub("${props:x}", &[], &e), "1");
        // The file replaces the table: env: is gone, and Java classes cannot be loaded.
        assert_eq!(sub("${env:HOME}", &[], &e), "${env:HOME}");
        assert_eq!(sub("${test:Value}", &[], &e), "${test:Value}");
        let mut props = vec![RawProperty {
            key: "k".into(),
            value: "${test:Value}".into(),
            origin: Origin {
                file: "f".into(),
                line: 1,
            },
        }];
        let outcome = substitute_all(&mut props, &e);
        assert!(
            outcome
                .diagnostics
                .iter()
                .any(|d| d.message.contains("org.example.TestLookup")),
            "{:?}",
            outcome.diagnostics
        );
    }

    #[test]
    fn values_of_other_keys_are_substituted_recursively() {
        let e = env(&[("D", "/data")], &[]);
        let props = [("base", "${env:D}/flume"), ("path", "${base}/events")];
        assert_eq!(sub("${path}", &props, &e), "/data/flume/events");
    }

    #[test]
    fn cycles_are_reported_not_looped() {
        let e = env(&[], &[]);
        let mut props = vec![
            RawProperty {
                key: "a".into(),
                value: "${b}".into(),
                origin: Origin {
                    file: "f".into(),
                    line: 1,
                },
            },
            RawProperty {
                key: "b".into(),
                value: "x${a}".into(),
                origin: Origin {
                    file: "f".into(),
                    line: 2,
                },
            },
        ];
        let outcome = substitute_all(&mut props, &e);
        assert_eq!(props[0].value, "${b}");
        assert!(
            outcome.diagnostics[0].message.contains("cyclic"),
            "{:?}",
            outcome.diagnostics
        );
    }

    #[test]
    fn flume_1_9_env_var_resolver() {
        let e = env(
            &[("NC_PORT", "6667")],
            &[("propertiesImplementation", ENV_VAR_RESOLVER)],
        );
        assert_eq!(sub("${NC_PORT}", &[], &e), "6667");
        assert_eq!(sub("x${NOPE}y", &[], &e), "xy");
        assert_eq!(sub("x${env:NOPE}y", &[], &e), "x${env:NOPE}y");
        let plain = env(&[("NC_PORT", "6667")], &[]);
        assert_eq!(sub("${NC_PORT}", &[], &plain), "${NC_PORT}");
    }
}
