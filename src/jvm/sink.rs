//! A Java sink (`org.apache.flume.Sink`): created, named and configured as Flume's
//! configuration provider does, started and stopped with the runner, and driven by our sink
//! processors (default, failover, load_balance) like any sink. Its `process()` runs on its own
//! JVM thread; `getChannel().getTransaction()` is a take transaction on our channel:
//!
//! - the first `take()` of a transaction fetches a whole batch from the channel in one call
//!   (as many events as the sink took last time, first its configured batch size);
//! - `commit` removes exactly the events the sink took; what it did not take stays in hand
//!   for its next transaction (so nothing is taken twice and nothing is lost);
//! - `rollback` gives the events back to the head of the channel, where another sink of a
//!   failover group takes them.
//!
//! `Status.BACKOFF` is our back-off; an `EventDeliveryException` (or any exception) is a
//! failed delivery: logged with its Java stack trace, the runner backs off, nothing is lost.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::host::{self, Jvm, Upcalls, Worker};
use super::wire::{self, In, Out};
use crate::channel::{ChannelRef, Take};
use crate::component::{BuildError, Status};
use crate::config::Context;
use crate::sink::{Sink, SinkError};

/// Batch size keys of Flume's sinks, for the first fetch.
const BATCH_KEYS: &[&str] = &[
    "batchSize",
    "batch-size",
    "batch_size",
    "hdfs.batchSize",
    "sink.batchSize",
    "flumeBatchSize",
];

/// Flume's sinks take 100 events per transaction by default.
const DEFAULT_FETCH: usize = 100;

pub struct JavaSink {
    name: String,
    class: String,
    jvm: Arc<Jvm>,
    worker: Worker,
    handle: i64,
    bridge: Arc<SinkBridge>,
    bridge_id: i64,
}

impl JavaSink {
    /// Load `class` (an `org.apache.flume.Sink`), configure it with the sink's keys. A class
    /// that cannot be loaded rejects the whole configuration, as in Flume; `configure`
    /// throwing drops the sink.
    pub fn build(
        class: &str,
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, BuildError> {
        let class = class.trim();
        let at = ctx
            .origin("type")
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        let jvm = super::get().map_err(|e| {
            BuildError::UnknownType(ctx.error(
                "type",
                format!("cannot load sink class {class} (sink {name}){at}: {e}"),
            ))
        })?;
        let fetch = BATCH_KEYS
            .iter()
            .find_map(|k| ctx.peek(k).and_then(|v| v.trim().parse::<usize>().ok()))
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_FETCH);
        let bridge = Arc::new(SinkBridge {
            channel,
            runtime: std::sync::OnceLock::new(),
            state: Mutex::new(TakeState {
                slots: VecDeque::new(),
                fetch,
            }),
        });
        let bridge_id = host::register_upcalls(Arc::clone(&bridge) as Arc<dyn Upcalls>);
        let pairs = ctx.pairs();
        let mut payload = Out::default();
        payload
            .str(class)
            .str(name)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .i64(bridge_id);
        let worker = jvm.worker(&format!("sink-{name}"));
        let answer = jvm
            .call_blocking(&worker, wire::OP_NEW_SINK, 0, payload.into_vec())
            .map_err(|e| {
                host::unregister_upcalls(bridge_id);
                let mut message = format!("{}{at}", jvm.describe(&e, "sink", class));
                if let Some(alias) = crate::registry::closest(crate::registry::Kind::Sink, class) {
                    message.push_str(&format!("; the closest built-in type is \"{alias}\""));
                }
                match e.kind {
                    wire::ERR_CLASS_NOT_FOUND | wire::ERR_WRONG_KIND | wire::ERR_LINKAGE => {
                        BuildError::UnknownType(ctx.error("type", message))
                    }
                    _ => {
                        tracing::error!(
                            "Sink {name} ({class}) failed to configure: {e}\n{}",
                            e.stack
                        );
                        BuildError::Config(ctx.error("type", message))
                    }
                }
            })?;
        let handle = In::new(&answer)
            .i64()
            .map_err(|e| BuildError::Config(ctx.error("type", e.to_string())))?;
        tracing::info!("Sink {name}: Java class {class} loaded");
        Ok(JavaSink {
            name: name.to_string(),
            class: class.to_string(),
            jvm,
            worker,
            handle,
            bridge,
            bridge_id,
        })
    }
}

#[async_trait]
impl Sink for JavaSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        let _ = self.bridge.runtime.set(tokio::runtime::Handle::current());
        self.jvm
            .call(&self.worker, wire::OP_START, self.handle, Vec::new())
            .await
            .map(|_| ())
            .map_err(|e| {
                tracing::error!(sink = %self.name, "{} failed to start: {e}\n{}", self.class, e.stack);
                SinkError::Delivery(format!("{}: {e}", self.class))
            })
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        let answer = self
            .jvm
            .call(&self.worker, wire::OP_SINK_PROCESS, self.handle, Vec::new())
            .await
            .map_err(|e| {
                tracing::error!(sink = %self.name, "{} threw {e}\n{}", self.class, e.stack);
                SinkError::Delivery(format!("{}: {e}", self.class))
            })?;
        match In::new(&answer).u8() {
            Ok(1) => Ok(Status::Backoff),
            Ok(_) => Ok(Status::Ready),
            Err(e) => Err(SinkError::Delivery(e.to_string())),
        }
    }

    fn metrics(&self) -> Option<Arc<dyn crate::metrics::MetricSource>> {
        Some(super::metrics::HostedMetrics::new(
            "SINK",
            &self.name,
            Arc::clone(&self.jvm),
        ))
    }

    async fn stop(&mut self) {
        if let Err(e) = self
            .jvm
            .call(&self.worker, wire::OP_CLOSE, self.handle, Vec::new())
            .await
        {
            tracing::warn!(sink = %self.name, "{} failed to stop: {e}\n{}", self.class, e.stack);
        }
        self.bridge.release();
    }
}

impl Drop for JavaSink {
    fn drop(&mut self) {
        host::unregister_upcalls(self.bridge_id);
        self.bridge.release();
    }
}

/// One channel take, as handed to the Java sink.
struct Slot {
    take: Take,
    /// Events the sink took and committed.
    committed: usize,
    /// Events handed to the Java side (committed or in its open transaction).
    handed: usize,
}

struct TakeState {
    slots: VecDeque<Slot>,
    /// How many events the next fetch asks for.
    fetch: usize,
}

/// The channel side of a Java sink's transactions (runs on the sink's JVM thread).
struct SinkBridge {
    channel: ChannelRef,
    /// The agent's runtime, known once the sink starts.
    runtime: std::sync::OnceLock<tokio::runtime::Handle>,
    state: Mutex<TakeState>,
}

impl SinkBridge {
    fn block_on<F: std::future::Future>(&self, f: F) -> Result<F::Output, String> {
        let handle = self.runtime.get().ok_or("the sink is not started")?;
        Ok(handle.block_on(f))
    }

    fn take(&self) -> Result<Vec<u8>, String> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Out::default();
        if let Some(slot) = st.slots.iter_mut().find(|s| s.handed < s.take.len()) {
            let rest = &slot.take.events()[slot.handed..];
            out.events(rest);
            slot.handed = slot.take.len();
            return Ok(out.into_vec());
        }
        let fetch = st.fetch;
        let take = self
            .block_on(self.channel.take(fetch))?
            .map_err(|e| e.to_string())?;
        out.events(take.events());
        if !take.is_empty() {
            let handed = take.len();
            st.slots.push_back(Slot {
                take,
                committed: 0,
                handed,
            });
        }
        Ok(out.into_vec())
    }

    fn commit(&self, taken: usize) -> Result<Vec<u8>, String> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut left = taken;
        for slot in st.slots.iter_mut() {
            let n = left.min(slot.handed - slot.committed);
            slot.committed += n;
            left -= n;
            // What the sink did not take goes to its next transaction.
            slot.handed = slot.committed;
        }
        let partly_used = st.slots.iter().any(|s| s.committed < s.take.len());
        if partly_used && taken > 0 {
            // The sink stops before what we fetched: fetch its batch next time.
            st.fetch = taken;
        }
        let mut result = Ok(Vec::new());
        while st
            .slots
            .front()
            .is_some_and(|s| s.committed == s.take.len())
        {
            let Some(slot) = st.slots.pop_front() else {
                break;
            };
            match self.block_on(slot.take.commit()) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e.to_string()),
                Err(e) => result = Err(e),
            }
        }
        result
    }

    fn rollback(&self) -> Result<Vec<u8>, String> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for slot in st.slots.iter_mut() {
            slot.handed = slot.committed;
        }
        // Untouched takes go back to the channel head (another sink may take them); a take
        // the sink already committed part of stays in hand for its next transaction.
        let (kept, back): (VecDeque<Slot>, VecDeque<Slot>) =
            st.slots.drain(..).partition(|s| s.committed > 0);
        st.slots = kept;
        for slot in back.into_iter().rev() {
            slot.take.rollback();
        }
        Ok(Vec::new())
    }

    /// The sink stopped: give back whatever is still in hand.
    fn release(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for slot in st.slots.drain(..).rev() {
            if slot.committed > 0 {
                tracing::warn!(
                    "a Java sink stopped with {} of {} events of a take delivered: the whole take returns to the channel (the delivered ones may be delivered again)",
                    slot.committed,
                    slot.take.len()
                );
            }
            slot.take.rollback();
        }
    }
}

impl Upcalls for SinkBridge {
    fn upcall(&self, op: i32, input: &[u8]) -> Result<Vec<u8>, String> {
        let mut i = In::new(input);
        match op {
            wire::UP_TAKE => self.take(),
            wire::UP_COMMIT => {
                let taken = i.i32().map_err(|e| e.to_string())?.max(0) as usize;
                self.commit(taken)
            }
            wire::UP_ROLLBACK => self.rollback(),
            other => Err(format!("a sink's channel has no operation {other}")),
        }
    }
}
