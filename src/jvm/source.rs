//! A Java source (`org.apache.flume.Source`): created, named and configured as Flume's
//! configuration provider does, with a Flume `ChannelProcessor` whose only channel feeds our
//! channel processor (interceptors, selector, the real channels): each committed put
//! transaction crosses as one batch, and a refusal comes back to the source as a
//! `ChannelException`, as in Flume.
//!
//! A `PollableSource` is driven here with Flume's `PollableSourceRunner` back-off (its own
//! `getBackOffSleepIncrement`/`getMaxBackOffSleepInterval`), `process()` on the source's JVM
//! thread; an `EventDrivenSource` runs its own threads between `start` and `stop`. A source
//! that fails to start is restarted by the supervisor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::host::{self, JavaError, Jvm, Upcalls, Worker};
use super::wire::{self, In, Out};
use crate::component::BuildError;
use crate::config::Context;
use crate::source::{ChannelProcessor, Source, SourceContext, SourceError};

pub struct JavaSource {
    name: String,
    class: String,
    jvm: Arc<Jvm>,
    worker: Worker,
    handle: i64,
    bridge: Arc<SourceBridge>,
    bridge_id: i64,
    pollable: bool,
    increment: Duration,
    max_backoff: Duration,
}

impl JavaSource {
    /// Load `class` (an `org.apache.flume.Source`) and configure it with the source's keys.
    /// A class that cannot be loaded rejects the whole configuration, as in Flume;
    /// `configure` throwing drops the source.
    pub fn build(class: &str, name: &str, ctx: &Context) -> Result<Self, BuildError> {
        let class = class.trim();
        let at = ctx
            .origin("type")
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        let jvm = super::get().map_err(|e| {
            BuildError::UnknownType(ctx.error(
                "type",
                format!("cannot load source class {class} (source {name}){at}: {e}"),
            ))
        })?;
        let bridge = Arc::new(SourceBridge {
            runtime: std::sync::OnceLock::new(),
            processor: Mutex::new(None),
        });
        let bridge_id = host::register_upcalls(Arc::clone(&bridge) as Arc<dyn Upcalls>);
        let pairs = ctx.pairs();
        let mut payload = Out::default();
        payload
            .str(class)
            .str(name)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .i64(bridge_id);
        let worker = jvm.worker(&format!("source-{name}"));
        let answer = jvm
            .call_blocking(&worker, wire::OP_NEW_SOURCE, 0, payload.into_vec())
            .map_err(|e| {
                host::unregister_upcalls(bridge_id);
                let mut message = format!("{}{at}", jvm.describe(&e, "source", class));
                if let Some(alias) = crate::registry::closest(crate::registry::Kind::Source, class)
                {
                    message.push_str(&format!("; the closest built-in type is \"{alias}\""));
                }
                match e.kind {
                    wire::ERR_CLASS_NOT_FOUND | wire::ERR_WRONG_KIND | wire::ERR_LINKAGE => {
                        BuildError::UnknownType(ctx.error("type", message))
                    }
                    _ => {
                        tracing::error!(
                            "Source {name} ({class}) failed to configure: {e}\n{}",
                            e.stack
                        );
                        BuildError::Config(ctx.error("type", message))
                    }
                }
            })?;
        let mut i = In::new(&answer);
        let parsed = (|| -> Result<(i64, bool, i64, i64), wire::Malformed> {
            Ok((i.i64()?, i.u8()? == 1, i.i64()?, i.i64()?))
        })();
        let (handle, pollable, increment, max_backoff) =
            parsed.map_err(|e| BuildError::Config(ctx.error("type", e.to_string())))?;
        if pollable {
            tracing::info!(
                "Source {name}: Java class {class} loaded (pollable); back-off {increment} ms steps up to {max_backoff} ms"
            );
        } else {
            tracing::info!("Source {name}: Java class {class} loaded (event-driven)");
        }
        Ok(JavaSource {
            name: name.to_string(),
            class: class.to_string(),
            jvm,
            worker,
            handle,
            bridge,
            bridge_id,
            pollable,
            increment: Duration::from_millis(increment.max(0) as u64),
            max_backoff: Duration::from_millis(max_backoff.max(0) as u64),
        })
    }

    async fn call(&self, op: i32) -> Result<Vec<u8>, JavaError> {
        self.jvm
            .call(&self.worker, op, self.handle, Vec::new())
            .await
    }

    fn failed(&self, what: &str, e: JavaError) -> SourceError {
        tracing::error!(source = %self.name, "{} {what}: {e}\n{}", self.class, e.stack);
        SourceError::Other(format!("{} {what}: {e}", self.class))
    }
}

#[async_trait]
impl Source for JavaSource {
    fn metrics(&self) -> Option<Arc<dyn crate::metrics::MetricSource>> {
        Some(super::metrics::HostedMetrics::new(
            "SOURCE",
            &self.name,
            Arc::clone(&self.jvm),
        ))
    }

    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let _ = self.bridge.runtime.set(tokio::runtime::Handle::current());
        *self
            .bridge
            .processor
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&cx.processor));
        if let Err(e) = self.call(wire::OP_START).await {
            let _ = self.call(wire::OP_STOP).await;
            return Err(self.failed("failed to start", e));
        }
        if self.pollable {
            // Flume's PollableSourceRunner.
            let mut consecutive: u32 = 0;
            while !cx.shutdown.is_cancelled() {
                let sleep = match self.call(wire::OP_SOURCE_PROCESS).await {
                    Ok(answer) if In::new(&answer).u8() == Ok(1) => {
                        consecutive = consecutive.saturating_add(1);
                        (self.increment * consecutive).min(self.max_backoff)
                    }
                    Ok(_) => {
                        consecutive = 0;
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(
                            source = %self.name,
                            "Unhandled exception, logging and sleeping for {}ms: {e}\n{}",
                            self.max_backoff.as_millis(),
                            e.stack
                        );
                        self.max_backoff
                    }
                };
                tokio::select! {
                    _ = cx.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(sleep) => {}
                }
            }
        } else {
            cx.shutdown.cancelled().await;
        }
        if let Err(e) = self.call(wire::OP_STOP).await {
            tracing::warn!(source = %self.name, "{} failed to stop: {e}\n{}", self.class, e.stack);
        }
        Ok(())
    }
}

impl Drop for JavaSource {
    fn drop(&mut self) {
        self.jvm
            .send(&self.worker, wire::OP_CLOSE, self.handle, Vec::new());
        host::unregister_upcalls(self.bridge_id);
    }
}

/// Puts of a Java source's ChannelProcessor, on whatever Java thread made them.
struct SourceBridge {
    /// The agent's runtime, known once the source runs.
    runtime: std::sync::OnceLock<tokio::runtime::Handle>,
    processor: Mutex<Option<Arc<ChannelProcessor>>>,
}

impl Upcalls for SourceBridge {
    fn upcall(&self, op: i32, input: &[u8]) -> Result<Vec<u8>, String> {
        if op != wire::UP_PUT {
            return Err(format!("a source's channel has no operation {op}"));
        }
        let processor = self
            .processor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or("the source is not running")?;
        let events = In::new(input).events().map_err(|e| e.to_string())?;
        let runtime = self.runtime.get().ok_or("the source is not running")?;
        runtime
            .block_on(processor.process_batch(events))
            .map(|()| Vec::new())
            .map_err(|e| e.to_string())
    }
}
