//! Flume's configuration-time validation (`FlumeConfiguration.AgentConfiguration.isValid`):
//! which mistakes drop one component (and what hangs off it) and which reject the agent.
//! Runtime drops (unknown types, failing `configure`, batch size checks) are in `topology`.

use std::collections::BTreeMap;

use super::context::{Entry, Origin};
use super::model::*;
use super::properties::RawProperty;

/// Build and validate the configuration of `agent` from merged, trimmed properties.
pub fn build_agent(agent: &str, props: &[RawProperty]) -> AgentConfig {
    let mut cfg = AgentConfig {
        name: agent.to_string(),
        valid: true,
        ..Default::default()
    };
    let prefix = format!("{agent}.");

    let mut lists: BTreeMap<Kind, (String, Option<Origin>)> = BTreeMap::new();
    let mut components: BTreeMap<(Kind, String), BTreeMap<String, Entry>> = BTreeMap::new();

    for p in props.iter().filter(|p| p.key.starts_with(&prefix)) {
        let rest = &p.key[prefix.len()..];
        if rest.is_empty() {
            cfg.warn(
                Some(p.origin.clone()),
                &p.key,
                "property name is empty (PROPERTY_NAME_NULL), ignored",
            );
            continue;
        }
        if let Some(kind) = Kind::ALL.iter().copied().find(|k| rest == k.plural()) {
            lists.insert(kind, (p.value.clone(), Some(p.origin.clone())));
            continue;
        }
        let Some(kind) = Kind::ALL
            .iter()
            .copied()
            .find(|k| rest.starts_with(&format!("{}.", k.plural())))
        else {
            cfg.warn(Some(p.origin.clone()), &p.key, "invalid property (INVALID_PROPERTY): not a sources/channels/sinks/sinkgroups key, ignored");
            continue;
        };
        let local = &rest[kind.plural().len() + 1..];
        let Some((name, key)) = local.split_once('.') else {
            cfg.warn(
                Some(p.origin.clone()),
                &p.key,
                "invalid property (INVALID_PROPERTY): no component key, ignored",
            );
            continue;
        };
        if name.is_empty() || key.is_empty() {
            cfg.warn(
                Some(p.origin.clone()),
                &p.key,
                "invalid property (INVALID_PROPERTY), ignored",
            );
            continue;
        }
        components
            .entry((kind, name.to_string()))
            .or_default()
            .insert(
                key.to_string(),
                Entry {
                    value: p.value.clone(),
                    origin: Some(p.origin.clone()),
                },
            );
    }

    let listed = |kind: Kind| -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some((v, _)) = lists.get(&kind) {
            for n in v.split_whitespace() {
                if !names.iter().any(|x| x == n) {
                    names.push(n.to_string());
                }
            }
        }
        names
    };
    let list_origin = |kind: Kind| lists.get(&kind).and_then(|(_, o)| o.clone());

    // Components defined but not listed are ignored (left-overs), with a note.
    for (kind, name) in components.keys() {
        if *kind != Kind::ConfigFilter && !listed(*kind).contains(name) {
            let first = components[&(*kind, name.clone())]
                .values()
                .next()
                .and_then(|e| e.origin.clone());
            cfg.warn(
                first,
                format!("{agent}.{}.{name}", kind.plural()),
                format!(
                    "{kind} is configured but not listed in {agent}.{}, ignored",
                    kind.plural()
                ),
            );
        }
    }

    // Channels.
    let channel_names = listed(Kind::Channel);
    if channel_names.is_empty() {
        cfg.valid = false;
        cfg.push(Severity::Fatal, list_origin(Kind::Channel), format!("{agent}.channels"), "no channels configured: the agent is invalid and runs nothing (AGENT_CONFIGURATION_INVALID)");
        return cfg;
    }
    for name in &channel_names {
        let subject = format!("{agent}.channels.{name}");
        let Some(entries) = components.remove(&(Kind::Channel, name.clone())) else {
            cfg.push(
                Severity::Dropped,
                list_origin(Kind::Channel),
                subject,
                "channel has no properties (CONFIG_ERROR), dropped",
            );
            continue;
        };
        let comp = ComponentConfig::new(Kind::Channel, agent, name, entries);
        if comp.type_name.is_none() {
            cfg.push(
                Severity::Dropped,
                None,
                subject,
                "channel has no type (ATTRS_MISSING), dropped",
            );
            continue;
        }
        comp.context.mark_read("type");
        cfg.channels.push(comp);
    }
    if cfg.channels.is_empty() {
        cfg.valid = false;
        cfg.push(
            Severity::Fatal,
            list_origin(Kind::Channel),
            format!("{agent}.channels"),
            "no valid channel: the agent is invalid and runs nothing",
        );
        return cfg;
    }

    // Sources.
    for name in listed(Kind::Source) {
        let subject = format!("{agent}.sources.{name}");
        let Some(entries) = components.remove(&(Kind::Source, name.clone())) else {
            cfg.push(
                Severity::Dropped,
                list_origin(Kind::Source),
                subject,
                "source has no properties (CONFIG_ERROR), dropped",
            );
            continue;
        };
        let comp = ComponentConfig::new(Kind::Source, agent, &name, entries);
        if comp.type_name.is_none() {
            cfg.push(
                Severity::Dropped,
                None,
                subject,
                "source has no type (ATTRS_MISSING), dropped",
            );
            continue;
        }
        let Some(list) = comp.context.get("channels").map(str::to_string) else {
            cfg.push(
                Severity::Dropped,
                comp.type_origin(),
                subject,
                "source has no channels (ATTRS_MISSING), dropped",
            );
            continue;
        };
        let mut channels = Vec::new();
        for ch in list.split_whitespace() {
            if cfg.channel(ch).is_some() {
                if !channels.iter().any(|c| c == ch) {
                    channels.push(ch.to_string());
                }
            } else {
                cfg.warn(
                    comp.context.origin("channels"),
                    format!("{subject}.channels"),
                    format!(
                        "channel {ch} is not a valid channel of this agent, removed from the source"
                    ),
                );
            }
        }
        if channels.is_empty() {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("channels"),
                subject,
                "no valid channels configured for the source, dropped",
            );
            continue;
        }
        comp.context.mark_read("type");
        cfg.sources.push(SourceConfig {
            component: comp,
            channels,
        });
    }

    // Sinks.
    for name in listed(Kind::Sink) {
        let subject = format!("{agent}.sinks.{name}");
        let Some(entries) = components.remove(&(Kind::Sink, name.clone())) else {
            cfg.push(
                Severity::Dropped,
                list_origin(Kind::Sink),
                subject,
                "sink has no properties (CONFIG_ERROR), dropped",
            );
            continue;
        };
        let comp = ComponentConfig::new(Kind::Sink, agent, &name, entries);
        if comp.type_name.is_none() {
            cfg.push(
                Severity::Dropped,
                None,
                subject,
                "sink has no type (ATTRS_MISSING), dropped",
            );
            continue;
        }
        let Some(channel) = comp.context.get("channel").map(|c| c.trim().to_string()) else {
            cfg.push(
                Severity::Dropped,
                comp.type_origin(),
                subject,
                "sink has no channel (ATTRS_MISSING), dropped",
            );
            continue;
        };
        if cfg.channel(&channel).is_none() {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("channel"),
                subject,
                format!("sink's channel {channel} is not a valid channel of this agent, dropped"),
            );
            continue;
        }
        comp.context.mark_read("type");
        cfg.sinks.push(SinkConfig {
            component: comp,
            channel,
        });
    }

    // Sink groups.
    let mut claimed: Vec<String> = Vec::new();
    for name in listed(Kind::SinkGroup) {
        let subject = format!("{agent}.sinkgroups.{name}");
        let Some(entries) = components.remove(&(Kind::SinkGroup, name.clone())) else {
            cfg.push(
                Severity::Dropped,
                list_origin(Kind::SinkGroup),
                subject,
                "sink group has no properties (CONFIG_ERROR), dropped",
            );
            continue;
        };
        let comp = ComponentConfig::new(Kind::SinkGroup, agent, &name, entries);
        let Some(list) = comp.context.get("sinks").map(str::to_string) else {
            // Flume 1.11 throws a NullPointerException here: the whole configuration fails.
            cfg.valid = false;
            cfg.push(
                Severity::Fatal,
                None,
                subject,
                "sink group has no sinks property: Flume fails to load the whole configuration",
            );
            return cfg;
        };
        let mut sinks = Vec::new();
        for s in list.split_whitespace() {
            if claimed.iter().any(|c| c == s) {
                cfg.warn(
                    comp.context.origin("sinks"),
                    format!("{subject}.sinks"),
                    format!(
                        "sink {s} already belongs to another sink group, removed from this group"
                    ),
                );
            } else if cfg.sinks.iter().any(|k| k.component.name == s) {
                if !sinks.iter().any(|x| x == s) {
                    sinks.push(s.to_string());
                }
            } else {
                cfg.warn(
                    comp.context.origin("sinks"),
                    format!("{subject}.sinks"),
                    format!("sink {s} is not a valid sink of this agent, removed from the group"),
                );
            }
        }
        if sinks.is_empty() {
            cfg.push(
                Severity::Dropped,
                comp.context.origin("sinks"),
                subject,
                "sink group has no valid sinks, dropped",
            );
            continue;
        }
        claimed.extend(sinks.iter().cloned());
        cfg.sinkgroups.push(SinkGroupConfig {
            component: comp,
            sinks,
        });
    }

    if cfg.sources.is_empty() && cfg.sinks.is_empty() {
        cfg.valid = false;
        cfg.push(
            Severity::Fatal,
            None,
            agent,
            "no valid source and no valid sink: the agent is invalid and runs nothing",
        );
    } else if cfg.sources.is_empty() {
        cfg.warn(None, agent, "agent has no sources");
    } else if cfg.sinks.is_empty() {
        cfg.warn(None, agent, "agent has no sinks");
    }
    cfg
}
