//! Channel selectors (`<source>.selector.*`): replicating (default), multiplexing and
//! load_balancing (reference §6). A selector picks, per event, the required and optional
//! channels among the source's channels (as indexes into the source's channel list).

use crate::config::{ConfigError, Context};
use crate::event::Event;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub required: Vec<usize>,
    pub optional: Vec<usize>,
}

pub trait ChannelSelector: Send + Sync {
    fn select(&self, event: &Event) -> Selection;

    /// The selection when it is the same for every event (replicating): lets the channel
    /// processor skip per-event selection on the hot path.
    fn fixed(&self) -> Option<&Selection> {
        None
    }
}

pub const TYPES: &[(&str, &str)] = &[
    (
        "replicating",
        "org.apache.flume.channel.ReplicatingChannelSelector",
    ),
    (
        "multiplexing",
        "org.apache.flume.channel.MultiplexingChannelSelector",
    ),
    (
        "load_balancing",
        "org.apache.flume.channel.LoadBalancingChannelSelector",
    ),
];

/// Replicating: every event to every channel; `optional` names channels whose failures are
/// ignored.
pub struct Replicating {
    selection: Selection,
}

impl Replicating {
    pub fn from_context(ctx: &Context, channels: &[String]) -> Result<Self, ConfigError> {
        let optional: Vec<usize> = match ctx.get("optional") {
            Some(list) => list
                .split_whitespace()
                .filter_map(|n| channels.iter().position(|c| c == n))
                .collect(),
            None => Vec::new(),
        };
        let required = (0..channels.len())
            .filter(|i| !optional.contains(i))
            .collect();
        Ok(Replicating {
            selection: Selection { required, optional },
        })
    }
}

impl ChannelSelector for Replicating {
    fn select(&self, _event: &Event) -> Selection {
        self.selection.clone()
    }

    fn fixed(&self) -> Option<&Selection> {
        Some(&self.selection)
    }
}

/// Build the selector from the source's `selector.` sub-context.
pub fn build(ctx: &Context, channels: &[String]) -> Result<Box<dyn ChannelSelector>, ConfigError> {
    let type_name = ctx.get("type").map(str::trim).unwrap_or("").to_string();
    if type_name.is_empty() {
        return Ok(Box::new(Replicating::from_context(ctx, channels)?));
    }
    match crate::registry::resolve(&type_name, TYPES) {
        Some("replicating") => Ok(Box::new(Replicating::from_context(ctx, channels)?)),
        Some(other) => Err(ctx.error(
            "type",
            format!("channel selector {other} is not available in this build"),
        )),
        None => Err(ctx.error(
            "type",
            crate::registry::unknown_type_message("channel selector", &type_name, TYPES),
        )),
    }
}
