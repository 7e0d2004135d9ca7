//! A Java channel (`org.apache.flume.Channel`, e.g. a class extending Flume's
//! `BasicChannelSemantics`, or Flume's `jdbc` channel with Flume's jars): created, named and
//! configured as Flume's configuration provider does, started and stopped with the agent, and
//! used by our sources and sinks like any channel.
//!
//! Batches cross the boundary, not events: a put batch is one call (one Java put transaction:
//! begin, every put, commit, close); a take is one call that opens a Java transaction and takes
//! up to the asked number of events, and the transaction stays open until our commit or
//! rollback. Flume's transactions are bound to the thread that made them, so each open take
//! keeps its JVM thread until it ends: calls run on a pool of threads attached to the JVM
//! (one per concurrent put or take, never the async workers).
//!
//! A `ChannelFullException` from Java is our [`ChannelError::Full`] (the source backs off and
//! retries, as with a full native channel); any other exception a [`ChannelError::Failed`].

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::host::{JavaError, Jvm, Worker};
use super::wire::{self, In, Out};
use crate::channel::{Channel, ChannelError, Take, TakeTransaction};
use crate::component::BuildError;
use crate::config::Context;
use crate::event::Event;

pub struct JavaChannel {
    name: String,
    class: String,
    jvm: Arc<Jvm>,
    handle: i64,
    /// Runs configure, start and stop.
    lifecycle: Worker,
    pool: Arc<Pool>,
    transaction_capacity: Option<usize>,
}

/// JVM threads for puts and takes; a take holds its thread until it is committed or rolled
/// back (its Java transaction lives in that thread).
struct Pool {
    name: String,
    jvm: Arc<Jvm>,
    idle: Mutex<Vec<Worker>>,
    made: std::sync::atomic::AtomicUsize,
}

impl Pool {
    fn acquire(&self) -> Worker {
        if let Some(w) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return w;
        }
        let n = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.jvm.worker(&format!("channel-{}-{n}", self.name))
    }

    fn release(&self, worker: Worker) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(worker);
    }
}

impl JavaChannel {
    /// Load `class` (an `org.apache.flume.Channel`) and configure it with the channel's keys.
    /// A class that cannot be loaded rejects the whole configuration, as in Flume;
    /// `configure` throwing drops the channel.
    pub fn build(class: &str, name: &str, ctx: &Context) -> Result<Self, BuildError> {
        let class = class.trim();
        let at = ctx
            .origin("type")
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        let jvm = super::get().map_err(|e| {
            BuildError::UnknownType(ctx.error(
                "type",
                format!("cannot load channel class {class} (channel {name}){at}: {e}"),
            ))
        })?;
        let pairs = ctx.pairs();
        let mut payload = Out::default();
        payload
            .str(class)
            .str(name)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let lifecycle = jvm.worker(&format!("channel-{name}"));
        let answer = jvm
            .call_blocking(&lifecycle, wire::OP_NEW_CHANNEL, 0, payload.into_vec())
            .map_err(|e| {
                let mut message = format!("{}{at}", jvm.describe(&e, "channel", class));
                if let Some(alias) = crate::registry::closest(crate::registry::Kind::Channel, class)
                {
                    message.push_str(&format!("; the closest built-in type is \"{alias}\""));
                }
                match e.kind {
                    wire::ERR_CLASS_NOT_FOUND | wire::ERR_WRONG_KIND | wire::ERR_LINKAGE => {
                        BuildError::UnknownType(ctx.error("type", message))
                    }
                    _ => {
                        tracing::error!(
                            "Channel {name} ({class}) failed to configure: {e}\n{}",
                            e.stack
                        );
                        BuildError::Config(ctx.error("type", message))
                    }
                }
            })?;
        let mut i = In::new(&answer);
        let parsed = (|| -> Result<(i64, i64), wire::Malformed> { Ok((i.i64()?, i.i64()?)) })();
        let (handle, capacity) =
            parsed.map_err(|e| BuildError::Config(ctx.error("type", e.to_string())))?;
        tracing::info!("Channel {name}: Java class {class} loaded");
        let pool = Arc::new(Pool {
            name: name.to_string(),
            jvm: Arc::clone(&jvm),
            idle: Mutex::new(Vec::new()),
            made: std::sync::atomic::AtomicUsize::new(0),
        });
        Ok(JavaChannel {
            name: name.to_string(),
            class: class.to_string(),
            jvm,
            handle,
            lifecycle,
            pool,
            transaction_capacity: usize::try_from(capacity).ok().filter(|c| *c > 0),
        })
    }

    fn refused(&self, e: JavaError) -> ChannelError {
        let message = format!("{}: {e}", self.class);
        match e.kind {
            wire::ERR_CHANNEL_FULL => ChannelError::Full(message),
            wire::ERR_CHANNEL => {
                tracing::debug!(channel = %self.name, "{message}\n{}", e.stack);
                ChannelError::Failed(message)
            }
            _ => {
                tracing::error!(channel = %self.name, "{} threw {e}\n{}", self.class, e.stack);
                ChannelError::Failed(message)
            }
        }
    }
}

#[async_trait]
impl Channel for JavaChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut payload = Out::with_capacity(wire::batch_size_hint(&events));
        payload.events(&events);
        let worker = self.pool.acquire();
        let result = self
            .jvm
            .call(
                &worker,
                wire::OP_CHANNEL_PUT,
                self.handle,
                payload.into_vec(),
            )
            .await;
        self.pool.release(worker);
        result.map(|_| ()).map_err(|e| self.refused(e))
    }

    async fn take(&self, max: usize) -> Result<Take, ChannelError> {
        let worker = self.pool.acquire();
        let mut payload = Out::default();
        payload.i32(i32::try_from(max).unwrap_or(i32::MAX));
        let (reply, answer) = tokio::sync::oneshot::channel();
        let (jvm, again, handle) = (Arc::clone(&self.jvm), worker.clone(), self.handle);
        self.jvm.call_then(
            &worker,
            wire::OP_CHANNEL_TAKE,
            self.handle,
            payload.into_vec(),
            move |r| {
                // Nobody waits any more (the taker was cancelled): the events go back.
                if let Err(Ok(_)) = reply.send(r) {
                    jvm.send(&again, wire::OP_CHANNEL_ROLLBACK, handle, Vec::new());
                }
            },
        );
        let answer = answer
            .await
            .unwrap_or_else(|_| Err(JavaError::bridge("the JVM thread has stopped")));
        let events = match answer {
            Ok(bytes) => In::shared(&bytes::Bytes::from(bytes)).events(),
            Err(e) => {
                self.pool.release(worker);
                return Err(self.refused(e));
            }
        };
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                // The transaction is open on that thread: end it before the thread is reused.
                self.jvm
                    .send(&worker, wire::OP_CHANNEL_ROLLBACK, self.handle, Vec::new());
                self.pool.release(worker);
                return Err(ChannelError::Failed(e.to_string()));
            }
        };
        if events.is_empty() {
            // Committed and closed on the Java side already.
            self.pool.release(worker);
            return Ok(Take::empty());
        }
        let tx = JavaTake {
            channel: self.name.clone(),
            class: self.class.clone(),
            jvm: Arc::clone(&self.jvm),
            handle: self.handle,
            worker: Some(worker),
            pool: Arc::clone(&self.pool),
        };
        Ok(Take::new(events, Box::new(tx)))
    }

    fn transaction_capacity(&self) -> Option<usize> {
        self.transaction_capacity
    }

    async fn start(&self) -> Result<(), ChannelError> {
        self.jvm
            .call(&self.lifecycle, wire::OP_START, self.handle, Vec::new())
            .await
            .map(|_| ())
            .map_err(|e| {
                tracing::error!(channel = %self.name, "{} failed to start: {e}\n{}", self.class, e.stack);
                ChannelError::Failed(format!("{}: {e}", self.class))
            })
    }

    async fn stop(&self) {
        if let Err(e) = self
            .jvm
            .call(&self.lifecycle, wire::OP_STOP, self.handle, Vec::new())
            .await
        {
            tracing::warn!(channel = %self.name, "{} failed to stop: {e}\n{}", self.class, e.stack);
        }
    }

    fn metrics(&self) -> Option<Arc<dyn crate::metrics::MetricSource>> {
        Some(super::metrics::HostedMetrics::new(
            "CHANNEL",
            &self.name,
            Arc::clone(&self.jvm),
        ))
    }
}

impl Drop for JavaChannel {
    fn drop(&mut self) {
        self.jvm
            .send(&self.lifecycle, wire::OP_CLOSE, self.handle, Vec::new());
    }
}

/// An open Java take transaction, on the JVM thread that opened it.
struct JavaTake {
    channel: String,
    class: String,
    jvm: Arc<Jvm>,
    handle: i64,
    worker: Option<Worker>,
    pool: Arc<Pool>,
}

#[async_trait]
impl TakeTransaction for JavaTake {
    async fn commit(mut self: Box<Self>, _events: &[Event]) -> Result<(), ChannelError> {
        let Some(worker) = self.worker.take() else {
            return Ok(());
        };
        let result = self
            .jvm
            .call(&worker, wire::OP_CHANNEL_COMMIT, self.handle, Vec::new())
            .await;
        self.pool.release(worker);
        result.map(|_| ()).map_err(|e| {
            tracing::error!(channel = %self.channel, "{} failed to commit a take: {e}\n{}", self.class, e.stack);
            ChannelError::Failed(format!("{}: {e}", self.class))
        })
    }

    fn rollback(mut self: Box<Self>, _events: Vec<Event>) {
        if let Some(worker) = self.worker.take() {
            // Queued on the transaction's thread; the thread runs it before any later call.
            self.jvm
                .send(&worker, wire::OP_CHANNEL_ROLLBACK, self.handle, Vec::new());
            self.pool.release(worker);
        }
    }
}

impl Drop for JavaTake {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.jvm
                .send(&worker, wire::OP_CHANNEL_ROLLBACK, self.handle, Vec::new());
            self.pool.release(worker);
        }
    }
}
