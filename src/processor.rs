//! Sink processors (`<agent>.sinkgroups.<g>.processor.*`): default, failover, load_balance
//! (reference §7). A processor owns its sinks; the sink runner calls `process()` in a loop.

use async_trait::async_trait;

use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::sink::{Sink, SinkError};

#[async_trait]
pub trait SinkProcessor: Send {
    async fn start(&mut self) -> Result<(), SinkError>;
    async fn process(&mut self) -> Result<Status, SinkError>;
    async fn stop(&mut self);
    /// Flume's runner thread name part: `DefaultSinkProcessor`, `FailoverSinkProcessor`, …
    fn kind(&self) -> &'static str;
}

/// One sink, delegated to directly.
pub struct DefaultSinkProcessor {
    sink: Box<dyn Sink>,
}

impl DefaultSinkProcessor {
    pub fn new(sink: Box<dyn Sink>) -> Self {
        DefaultSinkProcessor { sink }
    }
}

#[async_trait]
impl SinkProcessor for DefaultSinkProcessor {
    async fn start(&mut self) -> Result<(), SinkError> {
        self.sink.start().await
    }
    async fn process(&mut self) -> Result<Status, SinkError> {
        self.sink.process().await
    }
    async fn stop(&mut self) {
        self.sink.stop().await
    }
    fn kind(&self) -> &'static str {
        "DefaultSinkProcessor"
    }
}

pub const TYPES: &[(&str, &str)] = &[
    ("default", "org.apache.flume.sink.DefaultSinkProcessor"),
    ("failover", "org.apache.flume.sink.FailoverSinkProcessor"),
    (
        "load_balance",
        "org.apache.flume.sink.LoadBalancingSinkProcessor",
    ),
];

/// Build a sink group's processor from the group's context (`processor.*`) and its sinks in
/// group order. An error drops the group, and its sinks do not run at all (as in Flume).
pub fn build_group(
    ctx: &Context,
    sinks: Vec<Box<dyn Sink>>,
) -> Result<Box<dyn SinkProcessor>, ConfigError> {
    let Some(type_name) = ctx.get("processor.type").map(|t| t.trim().to_string()) else {
        return Err(ctx.error(
            "processor.type",
            "sink group has no processor.type: Flume removes the group and does not run its sinks",
        ));
    };
    match crate::registry::resolve(&type_name, TYPES) {
        Some("default") => {
            if sinks.len() != 1 {
                return Err(ctx.error("sinks", "DefaultSinkPolicy can only handle one sink: the group and its sinks are removed"));
            }
            let sink = sinks
                .into_iter()
                .next()
                .ok_or_else(|| ctx.error("sinks", "no sink"))?;
            Ok(Box::new(DefaultSinkProcessor::new(sink)))
        }
        Some(other) => Err(ctx.error(
            "processor.type",
            format!("sink processor {other} is not available in this build"),
        )),
        None => Err(ctx.error(
            "processor.type",
            crate::registry::unknown_type_message("sink processor", &type_name, TYPES),
        )),
    }
}
