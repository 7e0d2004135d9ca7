//! `${…}` substitution (Flume 1.10+ rules) and config filters (`env`, `external`).

use super::properties::RawProperty;
use super::{AgentConfig, LoadOptions};

/// Substitute `${…}` in every value.
pub fn substitute_all(_props: &mut [RawProperty], _options: &LoadOptions) {}

/// Apply the agent's `configfilters` to every component value.
pub fn apply_config_filters(_cfg: &mut AgentConfig, _props: &[RawProperty]) {}
