//! The checks of `AgentConfiguration.isValid`, one function per kind of component: channels,
//! sources, sinks, sink groups and config filters, in Flume's order.

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::registry;

/// `createConfigFilters` and their application to every component value.
pub(super) fn apply_config_filters(
    agent: &str,
    raw: &mut RawAgent,
    env: &Environment,
    cfg: &mut AgentConfig,
) {
    let filters = config_filters(agent, raw, cfg);
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
}

/// `validateChannels`: a channel needs a type; no valid channel invalidates the agent.
pub(super) fn validate_channels(
    agent: &str,
    raw: &mut RawAgent,
    cfg: &mut AgentConfig,
) -> Result<(), Diagnostic> {
    let channel_names = raw.listed(Kind::Channel);
    if channel_names.is_empty() {
        return Err(Diagnostic::new(
            Severity::Fatal,
            raw.list_origin(Kind::Channel),
            format!("{agent}.channels"),
            format!("Agent configuration for '{agent}' does not contain any channels. Marking it as invalid."),
        )
        .flume(FlumeErrorType::PropertyValueNull));
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
        let Some(comp) = typed_component(Kind::Channel, agent, name, entries, cfg) else {
            continue;
        };
        cfg.channels.push(comp);
    }
    if cfg.channels.is_empty() {
        return Err(Diagnostic::new(
            Severity::Fatal,
            raw.list_origin(Kind::Channel),
            format!("{agent}.channels"),
            format!("Agent configuration for '{agent}' does not contain any valid channels. Marking it as invalid."),
        )
        .flume(FlumeErrorType::PropertyValueNull));
    }

    Ok(())
}

/// `validateSources`: a source needs a type and at least one active channel.
pub(super) fn validate_sources(agent: &str, raw: &mut RawAgent, cfg: &mut AgentConfig) {
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
        let Some(comp) = typed_component(Kind::Source, agent, &name, entries, cfg) else {
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
}

/// `validateSinks`: a sink needs a type and an active channel.
pub(super) fn validate_sinks(agent: &str, raw: &mut RawAgent, cfg: &mut AgentConfig) {
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
        let Some(comp) = typed_component(Kind::Sink, agent, &name, entries, cfg) else {
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
}

/// `validateGroups`, in HashSet order: an earlier group keeps a sink listed twice. `Err` is
/// the mistake that makes Flume load no agent of the file.
pub(super) fn validate_sink_groups(
    agent: &str,
    raw: &mut RawAgent,
    cfg: &mut AgentConfig,
) -> Result<(), Diagnostic> {
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
            return Err(failure);
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

    Ok(())
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

pub(super) fn report_unlisted(agent: &str, raw: &RawAgent, cfg: &mut AgentConfig) {
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
        check_filter_keys(&subject, &type_name, &entries, cfg);
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

/// The keys of a native config filter checked against its table: unknown keys are warned
/// about, with the closest declared key (the filters are not components, so the agent-wide
/// key check does not see them).
fn check_filter_keys(
    subject: &str,
    type_name: &str,
    entries: &BTreeMap<String, Entry>,
    cfg: &mut AgentConfig,
) {
    let Some(row) = registry::resolve(registry::Kind::ConfigFilter, type_name).native() else {
        return;
    };
    let Some(table) = filters::props(row.name()) else {
        return;
    };
    let ctx = crate::config::Context::new(format!("{subject}."), entries.clone());
    let checked = super::super::keys::check(&ctx, &[&filters::COMMON_PROPS, table], |_, _| None);
    for unknown in checked.unknown {
        let mut message =
            "the config filter does not read this property; Flume ignores it".to_string();
        if let Some(s) = &unknown.suggestion {
            message.push_str(&format!(" (did you mean {s}?)"));
        }
        cfg.push(Severity::Warning, unknown.origin, unknown.key, message);
    }
}
