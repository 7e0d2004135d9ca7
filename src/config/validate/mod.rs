//! Flume's configuration-time validation (`FlumeConfiguration`: `addRawProperty`,
//! `AgentConfiguration.addProperty` and `isValid`), reference §2.1–2.3: which properties are
//! ignored, which mistakes drop one component (and what hangs off it) and which reject the
//! agent. Runtime drops (unknown types, failing `configure`, batch sizes, sink group
//! processors) happen later, in `topology::build`.
//!
//! Flume validates every agent of the file, and one mistake in *another* agent stops them all:
//! a listed sink group with properties but no `sinks` throws a `NullPointerException` out of
//! the validation of the whole file. That is reproduced; everything else another agent gets
//! wrong is ignored for the agent selected with `--name`.

use std::collections::{BTreeMap, HashMap};

mod kinds;

use kinds::{
    apply_config_filters, report_unlisted, validate_channels, validate_sink_groups, validate_sinks,
    validate_sources,
};

use super::context::{Entry, Origin, suggest};
use super::filters::{self, ConfigFilter};
use super::model::*;
use super::properties::RawProperty;
use super::substitution::Environment;
use super::{Properties, Severity};

/// The properties of one agent, as `AgentConfiguration.addProperty` sorts them.
#[derive(Debug, Default)]
struct RawAgent {
    /// `sources`, `channels`, … → the list property.
    lists: HashMap<Kind, RawProperty>,
    /// (kind, component name) → its properties (keys relative to the component).
    components: BTreeMap<(Kind, String), BTreeMap<String, Entry>>,
    diagnostics: Vec<Diagnostic>,
}

impl RawAgent {
    fn list(&self, kind: Kind) -> Option<&RawProperty> {
        self.lists.get(&kind)
    }

    fn list_origin(&self, kind: Kind) -> Option<Origin> {
        self.list(kind).map(|p| p.origin.clone())
    }

    /// `split("\\s+")` of the list, duplicates removed, written order kept.
    fn listed(&self, kind: Kind) -> Vec<String> {
        let Some(p) = self.list(kind) else {
            return Vec::new();
        };
        let tokens: Vec<&str> = if kind == Kind::SinkGroup {
            // validateGroups uses a StringTokenizer on " " only.
            p.value.split(' ').filter(|s| !s.is_empty()).collect()
        } else {
            p.value.split_whitespace().collect()
        };
        let mut names: Vec<String> = Vec::new();
        for t in tokens {
            if !names.iter().any(|n| n == t) {
                names.push(t.to_string());
            }
        }
        names
    }

    fn take(&mut self, kind: Kind, name: &str) -> Option<BTreeMap<String, Entry>> {
        self.components.remove(&(kind, name.to_string()))
    }
}

/// The first line (in file order) of a component's properties.
fn first_origin(entries: &BTreeMap<String, Entry>) -> Option<Origin> {
    entries
        .values()
        .filter_map(|e| e.origin.clone())
        .min_by(|a, b| (a.file.as_ref(), a.line).cmp(&(b.file.as_ref(), b.line)))
}

/// Sort properties into agents (`FlumeConfiguration.addRawProperty`). Returns the agents and
/// the mistakes that belong to no agent.
fn partition(props: &Properties) -> (BTreeMap<String, RawAgent>, Vec<Diagnostic>) {
    let mut agents: BTreeMap<String, RawAgent> = BTreeMap::new();
    let mut global = Vec::new();
    for p in &props.entries {
        let agent_name = p
            .key
            .split_once('.')
            .map(|(a, _)| a)
            .filter(|a| !a.is_empty());
        if p.value.is_empty() {
            let d = Diagnostic::new(
                Severity::Warning,
                Some(p.origin.clone()),
                &p.key,
                "empty value: the property is ignored, as if it were not set",
            )
            .flume(FlumeErrorType::PropertyValueNull);
            match agent_name {
                Some(a) => agents.entry(a.to_string()).or_default().diagnostics.push(d),
                None => global.push(d),
            }
            continue;
        }
        let Some((agent, rest)) = p.key.split_once('.').filter(|(a, _)| !a.is_empty()) else {
            global.push(
                Diagnostic::new(
                    Severity::Warning,
                    Some(p.origin.clone()),
                    &p.key,
                    "not an agent property (no \"<agent>.\" prefix) and no ${…} refers to it: ignored",
                )
                .flume(FlumeErrorType::AgentNameMissing),
            );
            continue;
        };
        let raw = agents.entry(agent.to_string()).or_default();
        if rest.is_empty() {
            raw.diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    Some(p.origin.clone()),
                    &p.key,
                    "no property name after the agent name: ignored",
                )
                .flume(FlumeErrorType::PropertyNameNull),
            );
            continue;
        }
        if let Some(kind) = Kind::ALL.into_iter().find(|k| rest == k.plural()) {
            raw.lists.insert(kind, p.clone());
            continue;
        }
        let component = Kind::ALL
            .into_iter()
            .find_map(|k| parse_config_key(rest, k).map(|(n, key)| (k, n, key)));
        let Some((kind, name, key)) = component else {
            let suggestion = invalid_key_suggestion(rest)
                .map(|s| format!(" (did you mean {agent}.{s}?)"))
                .unwrap_or_default();
            raw.diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    Some(p.origin.clone()),
                    &p.key,
                    format!(
                        "invalid property: not one of sources, channels, sinks, sinkgroups, configfilters or <kind>.<name>.<key>; ignored{suggestion}"
                    ),
                )
                .flume(FlumeErrorType::InvalidProperty),
            );
            continue;
        };
        raw.components.entry((kind, name)).or_default().insert(
            key,
            Entry {
                value: p.value.clone(),
                origin: Some(p.origin.clone()),
            },
        );
    }
    (agents, global)
}

/// `AgentConfiguration.parseConfigKey`: `<kind>.<name>.<key>` with a non-empty name and key;
/// the name is trimmed.
fn parse_config_key(rest: &str, kind: Kind) -> Option<(String, String)> {
    let prefix = format!("{}.", kind.plural());
    let after = rest.strip_prefix(&prefix)?;
    // indexOf('.', prefix.length() + 1): the name has at least one character.
    let dot = after.char_indices().skip(1).find(|&(_, c)| c == '.')?.0;
    let name = &after[..dot];
    let key = &after[dot + 1..];
    if name.is_empty() || key.is_empty() {
        return None;
    }
    Some((name.trim().to_string(), key.to_string()))
}

/// `channel.c1.type` → `channels.c1.type`, `Sources` → `sources`.
fn invalid_key_suggestion(rest: &str) -> Option<String> {
    let (head, tail) = match rest.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (rest, None),
    };
    let plurals = Kind::ALL.map(|k| k.plural());
    let best = suggest(head, plurals.iter().copied()).or_else(|| {
        plurals
            .iter()
            .find(|p| p.trim_end_matches('s').eq_ignore_ascii_case(head))
            .map(|p| p.to_string())
    })?;
    Some(match tail {
        Some(t) => format!("{best}.{t}"),
        None => best,
    })
}

/// `java.util.HashSet` iteration order of `names` (Flume iterates sink groups and config
/// filters in this order, which decides who wins a sink claimed twice). Flume's sets start
/// with the default 16 buckets (`new HashSet<>()`, or `new HashSet<>(collection)` which sizes
/// to at least 16) and double past a load of 0.75; within a bucket, insertion order.
fn java_set_order(names: &[String]) -> Vec<String> {
    let mut capacity = 16usize;
    while names.len() as f64 > capacity as f64 * 0.75 {
        capacity *= 2;
    }
    let mut keyed: Vec<(usize, usize, &String)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let h = crate::java::string_hash(n);
            let spread = (h ^ ((h as u32) >> 16) as i32) as u32 as usize;
            (spread & (capacity - 1), i, n)
        })
        .collect();
    keyed.sort_by_key(|&(bucket, i, _)| (bucket, i));
    keyed.into_iter().map(|(_, _, n)| n.clone()).collect()
}

/// Build and validate the configuration of `agent`.
pub fn build_agent(agent: &str, props: &Properties, env: &Environment) -> AgentConfig {
    let (mut agents, global) = partition(props);
    let agents_in_file: Vec<String> = agents.keys().cloned().collect();

    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let prefix = format!("{agent}.");
    let relevant =
        |subject: &str| subject.starts_with(&prefix) || props.referenced.contains(subject);
    diagnostics.extend(
        props
            .diagnostics
            .iter()
            .filter(|d| relevant(&d.subject))
            .cloned(),
    );
    diagnostics.extend(
        global
            .into_iter()
            .filter(|d| !props.referenced.contains(&d.subject)),
    );

    // Another agent's sink group without `sinks` fails the whole file.
    let mut file_failure = None;
    for (name, raw) in agents.iter_mut().filter(|(n, _)| n.as_str() != agent) {
        let outcome = validate_agent(name, std::mem::take(raw), env, false);
        if let Some(d) = outcome.file_failure {
            file_failure = Some(d);
            break;
        }
    }

    let Some(raw) = agents.remove(agent) else {
        let defined = if agents_in_file.is_empty() {
            "it defines no agent".to_string()
        } else {
            format!("it defines {}", agents_in_file.join(", "))
        };
        diagnostics.push(Diagnostic::new(
            Severity::Fatal,
            None,
            agent,
            format!(
                "No configuration found for this host:{agent} (no property starts with \"{agent}.\"; {defined})"
            ),
        ));
        return AgentConfig {
            name: agent.to_string(),
            valid: false,
            diagnostics,
            agents_in_file,
            ..Default::default()
        };
    };

    let outcome = validate_agent(agent, raw, env, true);
    let mut cfg = outcome.config;
    diagnostics.append(&mut cfg.diagnostics);
    cfg.diagnostics = diagnostics;
    if let Some(d) = outcome.file_failure.or(file_failure) {
        cfg.diagnostics.push(d);
        invalidate(&mut cfg);
    }
    if !cfg.valid {
        cfg.diagnostics.push(Diagnostic::new(
            Severity::Fatal,
            None,
            agent,
            format!("No configuration found for this host:{agent}: Flume runs nothing"),
        ));
    }
    cfg.agents_in_file = agents_in_file;
    cfg
}

fn invalidate(cfg: &mut AgentConfig) {
    cfg.valid = false;
    cfg.sources.clear();
    cfg.channels.clear();
    cfg.sinks.clear();
    cfg.sinkgroups.clear();
}

struct Outcome {
    config: AgentConfig,
    /// A mistake that makes Flume fail to load the whole file (every agent).
    file_failure: Option<Diagnostic>,
}

/// `AgentConfiguration.isValid`. `run_filters` is false for agents other than the selected one
/// (their external filter commands are not run).
fn validate_agent(agent: &str, mut raw: RawAgent, env: &Environment, run_filters: bool) -> Outcome {
    let mut cfg = AgentConfig {
        name: agent.to_string(),
        valid: true,
        ..Default::default()
    };
    cfg.diagnostics.append(&mut raw.diagnostics);
    let fatal = |mut cfg: AgentConfig, d: Diagnostic| {
        cfg.diagnostics.push(d);
        invalidate(&mut cfg);
        Outcome {
            config: cfg,
            file_failure: None,
        }
    };

    // Components defined but not listed are ignored (Flume says nothing).
    report_unlisted(agent, &raw, &mut cfg);
    if run_filters {
        apply_config_filters(agent, &mut raw, env, &mut cfg);
    }
    if let Err(d) = validate_channels(agent, &mut raw, &mut cfg) {
        return fatal(cfg, d);
    }
    validate_sources(agent, &mut raw, &mut cfg);
    validate_sinks(agent, &mut raw, &mut cfg);
    if let Err(failure) = validate_sink_groups(agent, &mut raw, &mut cfg) {
        return Outcome {
            config: cfg,
            file_failure: Some(failure),
        };
    }
    if cfg.sources.is_empty() && cfg.sinks.is_empty() {
        return fatal(
            cfg,
            Diagnostic::new(
                Severity::Fatal,
                None,
                agent,
                format!("Agent configuration for '{agent}' has no sources or sinks. Will be marked invalid."),
            )
            .flume(FlumeErrorType::AgentConfigurationInvalid),
        );
    }
    Outcome {
        config: cfg,
        file_failure: None,
    }
}

#[cfg(test)]
mod tests;
