//! Flume's configuration: properties files → substitution and filters → per-agent model →
//! validation. See flume-reference §2–4.

pub mod context;
pub mod filters;
pub mod legacy;
pub mod model;
pub mod properties;
pub mod validate;

use std::collections::HashMap;
use std::path::PathBuf;

pub use context::{ConfigError, Context, Origin};
pub use model::{
    AgentConfig, ComponentConfig, Diagnostic, Kind, Severity, SinkConfig, SinkGroupConfig,
    SourceConfig,
};
use properties::{PropertiesError, RawProperty};

/// Settings that affect how configuration files are read (system properties given with `-D`).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub sysprops: HashMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Properties(#[from] PropertiesError),
}

/// Read every file in order (later files override earlier keys), then apply Flume's
/// load-time rules: trim keys and values, drop empty values, substitute `${…}`.
pub fn read_properties(
    files: &[PathBuf],
    options: &LoadOptions,
) -> Result<Vec<RawProperty>, LoadError> {
    let mut merged: Vec<RawProperty> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for file in files {
        for mut p in properties::read_file(file)? {
            p.key = p.key.trim().to_string();
            p.value = p.value.trim().to_string();
            if p.value.is_empty() {
                // PROPERTY_VALUE_NULL: Flume ignores the property, as if unset; an earlier
                // occurrence is also discarded by last-wins followed by the empty check.
                if let Some(&i) = index.get(&p.key) {
                    merged[i].value.clear();
                }
                continue;
            }
            match index.get(&p.key) {
                Some(&i) => merged[i] = p,
                None => {
                    index.insert(p.key.clone(), merged.len());
                    merged.push(p);
                }
            }
        }
    }
    merged.retain(|p| !p.value.is_empty());
    filters::substitute_all(&mut merged, options);
    Ok(merged)
}

/// Load the configuration of one agent.
pub fn load_agent(
    files: &[PathBuf],
    agent: &str,
    options: &LoadOptions,
) -> Result<AgentConfig, LoadError> {
    let props = read_properties(files, options)?;
    let mut cfg = validate::build_agent(agent, &props);
    filters::apply_config_filters(&mut cfg, &props);
    Ok(cfg)
}

/// Keys of the agent's components that nothing read (call after the topology was built),
/// each with a "did you mean" suggestion when one is close.
pub fn unread_keys(cfg: &AgentConfig) -> Vec<context::UnreadKey> {
    let mut out = Vec::new();
    for s in &cfg.sources {
        out.extend(s.component.context.unread());
    }
    for c in &cfg.channels {
        out.extend(c.context.unread());
    }
    for k in &cfg.sinks {
        out.extend(k.component.context.unread());
    }
    for g in &cfg.sinkgroups {
        out.extend(g.component.context.unread());
    }
    out
}
