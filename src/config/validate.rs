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

use super::context::{Entry, Origin, suggest};
use super::filters::{self, ConfigFilter};
use super::model::*;
use super::properties::RawProperty;
use super::substitution::Environment;
use super::{Properties, Severity};
use crate::registry;

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

    // Config filters, then their application to every component value.
    let filters = if run_filters {
        config_filters(agent, &mut raw, &mut cfg)
    } else {
        Vec::new()
    };
    if !filters.is_empty() {
        for ((kind, name), entries) in raw.components.iter_mut() {
            if *kind == Kind::ConfigFilter {
                continue;
            }
            let (notes, produced) = filters::filter_component(&filters, entries, env);
            for note in notes {
                cfg.warn(
                    note.origin,
                    format!("{agent}.{}.{name}.{}", kind.plural(), note.key),
                    note.message,
                );
            }
            cfg.sensitive.extend(produced);
        }
    }

    // Channels.
    let channel_names = raw.listed(Kind::Channel);
    if channel_names.is_empty() {
        return fatal(
            cfg,
            Diagnostic::new(
                Severity::Fatal,
                raw.list_origin(Kind::Channel),
                format!("{agent}.channels"),
                format!("Agent configuration for '{agent}' does not contain any channels. Marking it as invalid."),
            )
            .flume(FlumeErrorType::PropertyValueNull),
        );
    }
    for name in &channel_names {
        let subject = format!("{agent}.channels.{name}");
        let Some(entries) = raw.take(Kind::Channel, name) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    raw.list_origin(Kind::Channel),
                    subject,
                    format!("channel {name} is listed in {agent}.channels but has no properties: removed"),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        };
        let Some(comp) = typed_component(Kind::Channel, agent, name, entries, &mut cfg) else {
            continue;
        };
        cfg.channels.push(comp);
    }
    if cfg.channels.is_empty() {
        return fatal(
            cfg,
            Diagnostic::new(
                Severity::Fatal,
                raw.list_origin(Kind::Channel),
                format!("{agent}.channels"),
                format!("Agent configuration for '{agent}' does not contain any valid channels. Marking it as invalid."),
            )
            .flume(FlumeErrorType::PropertyValueNull),
        );
    }

    // Sources.
    if raw.list(Kind::Source).is_none() {
        cfg.diagnostics.push(
            Diagnostic::new(
                Severity::Warning,
                None,
                format!("{agent}.sources"),
                format!("Agent configuration for '{agent}' has no sources."),
            )
            .flume_warning(FlumeErrorType::PropertyValueNull),
        );
    }
    for name in raw.listed(Kind::Source) {
        let subject = format!("{agent}.sources.{name}");
        let Some(entries) = raw.take(Kind::Source, &name) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    raw.list_origin(Kind::Source),
                    subject,
                    format!("Configuration empty for: {name}. Removed. (source {name} is listed in {agent}.sources but has no properties)"),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        };
        let Some(comp) = typed_component(Kind::Source, agent, &name, entries, &mut cfg) else {
            continue;
        };
        let Some(list) = comp.context.get("channels").map(str::to_string) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    comp.type_origin(),
                    subject,
                    format!("No channels set for {name}: the source is removed"),
                )
                .flume(FlumeErrorType::PropertyValueNull),
            );
            continue;
        };
        let mut channels: Vec<String> = Vec::new();
        for ch in list.split_whitespace() {
            if channels.iter().any(|c| c == ch) {
                continue;
            }
            if cfg.channel(ch).is_some() {
                channels.push(ch.to_string());
            } else {
                cfg.warn(
                    comp.context.origin("channels"),
                    format!("{subject}.channels"),
                    format!("channel {ch} is not an active channel of agent {agent}: Flume removes it from the source's channels"),
                );
            }
        }
        if channels.is_empty() {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("channels"),
                subject,
                format!("No Channels configured for {name}: none of \"{list}\" is an active channel; the source is removed"),
            );
            continue;
        }
        cfg.sources.push(SourceConfig {
            component: comp,
            channels,
        });
    }

    // Sinks.
    if raw.list(Kind::Sink).is_none() {
        cfg.diagnostics.push(
            Diagnostic::new(
                Severity::Warning,
                None,
                format!("{agent}.sinks"),
                format!("Agent configuration for '{agent}' has no sinks."),
            )
            .flume_warning(FlumeErrorType::PropertyValueNull),
        );
    }
    for name in raw.listed(Kind::Sink) {
        let subject = format!("{agent}.sinks.{name}");
        let Some(entries) = raw.take(Kind::Sink, &name) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    raw.list_origin(Kind::Sink),
                    subject,
                    format!(
                        "sink {name} is listed in {agent}.sinks but has no properties: removed"
                    ),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        };
        let Some(comp) = typed_component(Kind::Sink, agent, &name, entries, &mut cfg) else {
            continue;
        };
        let Some(channel) = comp.context.get("channel").map(str::to_string) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    comp.type_origin(),
                    subject,
                    format!("No channel configured for sink: {name}; the sink is removed"),
                )
                .flume(FlumeErrorType::AttrsMissing),
            );
            continue;
        };
        if cfg.channel(&channel).is_none() {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("channel"),
                subject,
                format!("Channel {channel} not in active set: the sink is removed"),
            );
            continue;
        }
        cfg.sinks.push(SinkConfig {
            component: comp,
            channel,
        });
    }

    // Sink groups, in HashSet order: an earlier group keeps a sink listed twice.
    let mut claimed: HashMap<String, String> = HashMap::new();
    for name in java_set_order(&raw.listed(Kind::SinkGroup)) {
        let subject = format!("{agent}.sinkgroups.{name}");
        let Some(entries) = raw.take(Kind::SinkGroup, &name) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    raw.list_origin(Kind::SinkGroup),
                    subject,
                    format!("Configuration error for: {name}. Removed. (sink group {name} is listed in {agent}.sinkgroups but has no properties)"),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        };
        let comp = ComponentConfig::new(Kind::SinkGroup, agent, &name, entries);
        let Some(list) = comp.context.get("sinks").map(str::to_string) else {
            let failure = Diagnostic::new(
                Severity::Fatal,
                first_origin(&comp_entries(&comp)),
                subject,
                "sink group has properties but no \"sinks\": Flume's validation throws a NullPointerException and loads no agent from this configuration",
            );
            return Outcome {
                config: cfg,
                file_failure: Some(failure),
            };
        };
        let mut sinks: Vec<String> = Vec::new();
        for s in java_set_order(
            &list
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ) {
            if let Some(owner) = claimed.get(&s) {
                cfg.diagnostics.push(
                    Diagnostic::new(
                        Severity::Warning,
                        comp.context.origin("sinks"),
                        format!("{subject}.sinks"),
                        format!("Agent configuration for '{agent}' sinkgroup '{name}' sink '{s}' in use by another group: '{owner}', sink not added"),
                    )
                    .flume(FlumeErrorType::PropertyPartOfAnotherGroup),
                );
            } else if cfg.sinks.iter().any(|k| k.component.name == s) {
                claimed.insert(s.clone(), name.clone());
                sinks.push(s);
            } else {
                cfg.diagnostics.push(
                    Diagnostic::new(
                        Severity::Warning,
                        comp.context.origin("sinks"),
                        format!("{subject}.sinks"),
                        format!("Agent configuration for '{agent}' sinkgroup '{name}' sink not found: '{s}', sink not added"),
                    )
                    .flume(FlumeErrorType::InvalidProperty),
                );
            }
        }
        if sinks.is_empty() {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    comp.context.origin("sinks"),
                    subject,
                    format!("No available sinks for sinkgroup: {name}. Sinkgroup will be removed"),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        }
        // Keep the written order for running; membership is what validation decides.
        let written: Vec<String> = list
            .split_whitespace()
            .filter(|s| sinks.iter().any(|k| k == s))
            .fold(Vec::new(), |mut acc, s| {
                if !acc.iter().any(|a: &String| a == s) {
                    acc.push(s.to_string());
                }
                acc
            });
        cfg.sinkgroups.push(SinkGroupConfig {
            component: comp,
            sinks: written,
        });
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

fn comp_entries(comp: &ComponentConfig) -> BTreeMap<String, Entry> {
    comp.context
        .keys()
        .into_iter()
        .map(|k| {
            let origin = comp.context.origin(&k);
            (
                k,
                Entry {
                    value: String::new(),
                    origin,
                },
            )
        })
        .collect()
}

/// `ComponentConfiguration.configure`: a component needs a `type`; an unknown type with an
/// unknown `config` stub name fails too.
fn typed_component(
    kind: Kind,
    agent: &str,
    name: &str,
    entries: BTreeMap<String, Entry>,
    cfg: &mut AgentConfig,
) -> Option<ComponentConfig> {
    let subject = format!("{agent}.{}.{name}", kind.plural());
    let first = first_origin(&entries);
    let comp = ComponentConfig::new(kind, agent, name, entries);
    if comp.type_name.as_deref().is_none_or(str::is_empty) {
        cfg.diagnostics.push(
            Diagnostic::new(
                Severity::Dropped,
                first,
                subject,
                format!("Component has no type. Cannot configure. {name} (the {kind} is removed)"),
            )
            .flume(FlumeErrorType::AttrsMissing),
        );
        return None;
    }
    if let Some(stub) = comp.context.get("config").map(str::to_string) {
        let rkind = registry_kind(kind);
        let type_known = registry::resolve(rkind, comp.type_name.as_deref().unwrap_or(""))
            .row()
            .is_some();
        let stub_known = stub.eq_ignore_ascii_case("other")
            || registry::rows(rkind).any(|row| row.name().eq_ignore_ascii_case(&stub));
        if !type_known && !stub_known {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("config"),
                subject,
                format!("Component type of {name} is invalid: config stub \"{stub}\" is not a known configuration type; the {kind} is removed"),
            );
            return None;
        }
    }
    Some(comp)
}

/// The registry kind of what an agent lists under `kind`.
fn registry_kind(kind: Kind) -> registry::Kind {
    match kind {
        Kind::Source => registry::Kind::Source,
        Kind::Channel => registry::Kind::Channel,
        Kind::Sink => registry::Kind::Sink,
        Kind::SinkGroup => registry::Kind::SinkProcessor,
        Kind::ConfigFilter => registry::Kind::ConfigFilter,
    }
}

/// A listed component name one or two typos away (`ri` for `r1`).
fn closest_name<'a>(name: &str, listed: &'a [String]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    listed
        .iter()
        .map(|n| (strsim::levenshtein(name, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.as_str())
}

fn report_unlisted(agent: &str, raw: &RawAgent, cfg: &mut AgentConfig) {
    for ((kind, name), entries) in &raw.components {
        let listed = raw.listed(*kind);
        if listed.contains(name) {
            continue;
        }
        let close = closest_name(name, &listed)
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        let list_key = format!("{agent}.{}", kind.plural());
        let why = if raw.list(*kind).is_some() {
            format!("not listed in {list_key}")
        } else {
            format!("{list_key} is not set")
        };
        cfg.warn(
            first_origin(entries),
            format!("{agent}.{}.{name}", kind.plural()),
            format!("{kind} {name} is configured but {why}: Flume ignores it{close}"),
        );
    }
}

/// `validateConfigFilterSet` + `createConfigFilters`: the filters that will run, in Flume's
/// order. A filter that cannot be created is left out (Flume logs the error and goes on).
fn config_filters(agent: &str, raw: &mut RawAgent, cfg: &mut AgentConfig) -> Vec<ConfigFilter> {
    let mut out = Vec::new();
    for name in java_set_order(&raw.listed(Kind::ConfigFilter)) {
        let subject = format!("{agent}.configfilters.{name}");
        let Some(entries) = raw.take(Kind::ConfigFilter, &name) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    raw.list_origin(Kind::ConfigFilter),
                    subject,
                    format!("Configuration empty for: {name}. Removed. (config filter {name} has no properties; ${{{name}[…]}} references stay unresolved)"),
                )
                .flume(FlumeErrorType::ConfigError),
            );
            continue;
        };
        let origin = first_origin(&entries);
        let Some(type_name) = entries.get("type").map(|e| e.value.trim().to_string()) else {
            cfg.diagnostics.push(
                Diagnostic::new(
                    Severity::Dropped,
                    origin,
                    subject,
                    format!("Component has no type. Cannot configure. {name} (the config filter is removed)"),
                )
                .flume(FlumeErrorType::AttrsMissing),
            );
            continue;
        };
        match filters::create_filter(&name, &type_name, &entries) {
            Ok(f) => out.push(f),
            Err(e) => {
                let at = entries
                    .get("type")
                    .and_then(|e| e.origin.clone())
                    .or(origin);
                cfg.push(
                    Severity::Dropped,
                    at,
                    subject,
                    format!("Error while creating config filter {name}: {e}; ${{{name}[…]}} references stay unresolved"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::properties;

    fn load(text: &str, agent: &str) -> AgentConfig {
        load_env(text, agent, &[])
    }

    fn load_env(text: &str, agent: &str, vars: &[(&str, &str)]) -> AgentConfig {
        let env = Environment::fixed(
            HashMap::new(),
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        let props = crate::config::merge(
            vec![properties::parse_bytes(text.as_bytes(), "t.conf").unwrap()],
            &env,
        );
        build_agent(agent, &props, &env)
    }

    fn names(cfg: &AgentConfig) -> (Vec<&str>, Vec<&str>, Vec<&str>, Vec<&str>) {
        (
            cfg.sources
                .iter()
                .map(|s| s.component.name.as_str())
                .collect(),
            cfg.channels.iter().map(|c| c.name.as_str()).collect(),
            cfg.sinks
                .iter()
                .map(|k| k.component.name.as_str())
                .collect(),
            cfg.sinkgroups
                .iter()
                .map(|g| g.component.name.as_str())
                .collect(),
        )
    }

    fn has(cfg: &AgentConfig, severity: Severity, needle: &str) -> bool {
        cfg.diagnostics
            .iter()
            .any(|d| d.severity == severity && d.to_string().contains(needle))
    }

    const BASE: &str = "a.sources = r1\na.channels = c1\na.sinks = k1\n\
        a.sources.r1.type = seq\na.sources.r1.channels = c1\n\
        a.channels.c1.type = memory\na.sinks.k1.type = null\na.sinks.k1.channel = c1\n";

    #[test]
    fn a_valid_agent_survives_whole() {
        let cfg = load(BASE, "a");
        assert!(cfg.valid);
        assert_eq!(names(&cfg), (vec!["r1"], vec!["c1"], vec!["k1"], vec![]));
        assert!(
            cfg.diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning),
            "{:?}",
            cfg.diagnostics
        );
    }

    #[test]
    fn unknown_agent_names_the_agents_defined() {
        let cfg = load(BASE, "a9");
        assert!(!cfg.valid);
        assert!(has(
            &cfg,
            Severity::Fatal,
            "No configuration found for this host:a9"
        ));
        assert!(has(&cfg, Severity::Fatal, "it defines a"));
    }

    #[test]
    fn typo_in_kind_is_an_invalid_property_with_a_suggestion() {
        let cfg = load(&format!("{BASE}a.channel.c1.capacity = 10\n"), "a");
        assert!(has(
            &cfg,
            Severity::Warning,
            "did you mean a.channels.c1.capacity?"
        ));
        assert!(
            cfg.diagnostics
                .iter()
                .any(|d| d.flume.map(|f| f.kind) == Some(FlumeErrorType::InvalidProperty))
        );
    }

    #[test]
    fn unlisted_components_are_ignored_with_a_note() {
        let cfg = load(&format!("{BASE}a.sources.ri.maxBatchCount = 1000\n"), "a");
        assert!(has(
            &cfg,
            Severity::Warning,
            "a.sources.ri: source ri is configured but not listed in a.sources: Flume ignores it (did you mean r1?)"
        ));
    }

    #[test]
    fn source_channels_are_intersected() {
        let cfg = load(
            &BASE.replace("r1.channels = c1", "r1.channels = c9 c1 c1"),
            "a",
        );
        assert_eq!(cfg.sources[0].channels, vec!["c1"]);
        let cfg = load(&BASE.replace("r1.channels = c1", "r1.channels = c9"), "a");
        assert!(cfg.sources.is_empty());
        assert!(has(
            &cfg,
            Severity::Dropped,
            "No Channels configured for r1"
        ));
    }

    #[test]
    fn sink_group_claims_follow_java_hash_order() {
        let text = format!(
            "{BASE}a.sinks = k1 k2\na.sinks.k2.type = null\na.sinks.k2.channel = c1\n\
             a.sinkgroups = g2 g1\na.sinkgroups.g1.sinks = k1 k2\na.sinkgroups.g2.sinks = k2\n\
             a.sinkgroups.g1.processor.type = failover\na.sinkgroups.g2.processor.type = failover\n"
        );
        let cfg = load(&text, "a");
        // HashSet order: g1 before g2, so g1 takes k1 and k2, and g2 is left with nothing.
        assert_eq!(names(&cfg).3, vec!["g1"]);
        assert_eq!(cfg.sinkgroups[0].sinks, vec!["k1", "k2"]);
        assert!(has(
            &cfg,
            Severity::Dropped,
            "No available sinks for sinkgroup: g2"
        ));
    }

    #[test]
    fn sink_group_without_sinks_fails_every_agent_of_the_file() {
        let other = "b.channels = c\nb.channels.c.type = memory\nb.sinks = k\nb.sinks.k.type = null\n\
                     b.sinks.k.channel = c\nb.sinkgroups = g\nb.sinkgroups.g.processor.type = failover\n";
        let cfg = load(&format!("{BASE}{other}"), "a");
        assert!(!cfg.valid);
        assert!(has(&cfg, Severity::Fatal, "NullPointerException"));
        // Without valid channels b never reaches its groups: a is fine.
        let cfg = load(
            &format!("{BASE}{}", other.replace("b.channels = c\n", "")),
            "a",
        );
        assert!(cfg.valid);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Any mix of plausible and broken lines validates without panicking, and what
        /// survives is consistent: sources use surviving channels, sinks a surviving channel,
        /// groups surviving sinks.
        #[test]
        fn validation_never_panics_and_stays_consistent(
            lines in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "a", "a.sources", "a.channels", "a.sinks", "a.sinkgroups", "a.configfilters",
                        "a.sources.r1.type", "a.sources.r1.channels", "a.sources.r2.channels",
                        "a.channels.c1.type", "a.channels.c2.type", "a.channels.c1.capacity",
                        "a.sinks.k1.type", "a.sinks.k1.channel", "a.sinks.k2.channel",
                        "a.sinks.k2.type", "a.sinkgroups.g1.sinks", "a.sinkgroups.g2.sinks",
                        "a.sinkgroups.g1.processor.type", "a.configfilters.f.type",
                        "a.sources.r1.x", "a.", ".a", "b.sinkgroups", "b.sinkgroups.g.x",
                        "b.channels", "b.channels.c.type", "b.sinks", "a.channel.c1.type",
                    ]),
                    proptest::sample::select(vec![
                        "", "r1", "r1 r2", "c1", "c1 c2", "c2", "k1", "k1 k2", "g1", "g1 g2",
                        "memory", "seq", "null", "env", "hadoop", "${f['x']}", "${a.x}",
                        "c", "g", "k2 k1", "failover", " c1 ",
                    ]),
                ),
                0..30,
            )
        ) {
            let text: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
            let cfg = load(&text, "a");
            if cfg.valid {
                for s in &cfg.sources {
                    proptest::prop_assert!(!s.channels.is_empty());
                    for c in &s.channels {
                        proptest::prop_assert!(cfg.channel(c).is_some());
                    }
                }
                for k in &cfg.sinks {
                    proptest::prop_assert!(cfg.channel(&k.channel).is_some());
                }
                for g in &cfg.sinkgroups {
                    for s in &g.sinks {
                        proptest::prop_assert!(cfg.sinks.iter().any(|k| &k.component.name == s));
                    }
                }
                proptest::prop_assert!(!cfg.sources.is_empty() || !cfg.sinks.is_empty());
            } else {
                proptest::prop_assert!(cfg.sources.is_empty() && cfg.sinks.is_empty());
                proptest::prop_assert!(cfg.diagnostics.iter().any(|d| d.severity == Severity::Fatal));
            }
        }
    }

    #[test]
    fn java_hash_set_order() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // "lb".hashCode() = 3446 (bucket 6), "fo" = 3273 (bucket 9).
        assert_eq!(java_set_order(&names(&["fo", "lb"])), names(&["lb", "fo"]));
        assert_eq!(java_set_order(&names(&["g2", "g1"])), names(&["g1", "g2"]));
    }

    #[test]
    fn config_filters_apply_to_component_values_only() {
        let text = format!(
            "{BASE}a.configfilters = f1\na.configfilters.f1.type = env\n\
             a.sources.r1.keystorePassword = ${{f1['PW']}}\na.sinks.k1.x = a${{f1[PW]}}b\n"
        );
        let cfg = load_env(&text, "a", &[("PW", "s3cret")]);
        let ctx = &cfg.sources[0].component.context;
        assert_eq!(ctx.get("keystorePassword"), Some("s3cret"));
        assert_eq!(cfg.sinks[0].component.context.get("x"), Some("as3cretb"));
        assert_eq!(
            cfg.sensitive,
            vec!["s3cret".to_string(), "s3cret".to_string()]
        );
    }

    #[test]
    fn broken_config_filters_are_dropped() {
        let text = format!(
            "{BASE}a.configfilters = f1 f2 f3\na.configfilters.f1.type = hadoop\n\
             a.configfilters.f2.type = com.example.Vault\na.sources.r1.pw = ${{f1[x]}}\n"
        );
        let cfg = load(&text, "a");
        assert!(cfg.valid);
        assert!(has(&cfg, Severity::Dropped, "hadoop config filter"));
        assert!(has(&cfg, Severity::Dropped, "com.example.Vault"));
        assert!(has(&cfg, Severity::Dropped, "Configuration empty for: f3"));
        assert_eq!(cfg.sources[0].component.context.get("pw"), Some("${f1[x]}"));
    }
}
