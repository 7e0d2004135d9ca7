//! A librdkafka group consumer on a thread of its own, driven from async code.
//!
//! Polls and commits are blocking librdkafka calls, and dropping a consumer can hang inside
//! `rd_kafka_destroy` (rust-rdkafka #509, seen against tansu): so the consumer lives on a
//! dedicated thread, the async side sends it commands, and [`ConsumerHandle::close`] waits a
//! bounded time for the thread to finish — a consumer that does not let go is abandoned with a
//! warning instead of stalling the agent's shutdown.
//!
//! Offsets are committed only when asked ([`ConsumerHandle::commit`], explicit offsets):
//! `enable.auto.commit` and `enable.auto.offset.store` are off, so nothing is committed for a
//! record that has not reached its destination.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::client::ClientProps;

/// One record, copied out of librdkafka's buffers.
#[derive(Debug, Clone)]
pub struct Record {
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch (create or log-append time), if the record has one.
    pub timestamp: Option<i64>,
    pub key: Option<Bytes>,
    /// A null value reads as empty.
    pub value: Bytes,
    pub headers: Vec<(String, Option<Bytes>)>,
}

/// What to consume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    Topics(Vec<String>),
    /// A Java regex that must match the whole topic name.
    Pattern(String),
}

impl Subscription {
    fn librdkafka_topics(&self) -> Vec<String> {
        match self {
            Subscription::Topics(t) => t.clone(),
            // librdkafka treats a name starting with `^` as a regex (searched, so anchor both
            // ends to get Java's `matches()`).
            Subscription::Pattern(p) => vec![format!("^({p})$")],
        }
    }
}

/// The result of one poll.
#[derive(Debug, Default)]
pub struct Polled {
    pub records: Vec<Record>,
    /// Partitions taken away by a rebalance during this poll. Records of these partitions that
    /// the caller holds uncommitted must be given back (dropped): their new owner reads them
    /// from the last committed offset.
    pub revoked: Vec<(String, i32)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    #[error("{0}")]
    Kafka(#[from] KafkaError),
    #[error("the consumer thread of {0} has stopped")]
    Gone(String),
}

struct Ctx {
    name: String,
    revoked: Mutex<Vec<(String, i32)>>,
}

impl ClientContext for Ctx {}

impl ConsumerContext for Ctx {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(tpl) => {
                let mut revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
                for e in tpl.elements() {
                    tracing::info!(component = %self.name, "topic {} - partition {} revoked.", e.topic(), e.partition());
                    revoked.push((e.topic().to_string(), e.partition()));
                }
            }
            Rebalance::Assign(tpl) => {
                for e in tpl.elements() {
                    tracing::info!(component = %self.name, "topic {} - partition {} assigned.", e.topic(), e.partition());
                }
            }
            Rebalance::Error(e) => {
                tracing::warn!(component = %self.name, error = %e, "consumer group rebalance failed");
            }
        }
    }
}

enum Command {
    Poll {
        max: usize,
        wait: Duration,
        reply: oneshot::Sender<Polled>,
    },
    Commit {
        offsets: Vec<(Arc<str>, i32, i64)>,
        reply: oneshot::Sender<Result<(), KafkaError>>,
    },
    Close {
        done: oneshot::Sender<()>,
    },
}

/// The async side of a consumer thread.
pub struct ConsumerHandle {
    name: String,
    tx: Option<mpsc::Sender<Command>>,
}

impl ConsumerHandle {
    /// Create the consumer (on its own thread) and subscribe. `with_headers`: copy the Kafka
    /// record headers out (only the source's `header.*` mapping needs them).
    pub async fn spawn(
        name: &str,
        props: &ClientProps,
        subscription: &Subscription,
        with_headers: bool,
    ) -> Result<ConsumerHandle, ConsumerError> {
        let mut config = props.to_client_config();
        config.set("enable.auto.commit", "false");
        config.set("enable.auto.offset.store", "false");
        let topics = subscription.librdkafka_topics();
        let (tx, rx) = mpsc::channel::<Command>();
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), KafkaError>>();
        let thread_name = format!("kafka-consumer-{name}");
        let ctx_name = name.to_string();
        std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let ctx = Ctx {
                    name: ctx_name,
                    revoked: Mutex::new(Vec::new()),
                };
                let consumer: BaseConsumer<Ctx> = match config.create_with_context(ctx) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
                if let Err(e) = consumer.subscribe(&refs) {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
                let _ = ready_tx.send(Ok(()));
                serve(consumer, rx, with_headers);
            })
            .map_err(|e| ConsumerError::Kafka(KafkaError::ClientCreation(e.to_string())))?;
        match ready_rx.await {
            Ok(Ok(())) => Ok(ConsumerHandle {
                name: name.to_string(),
                tx: Some(tx),
            }),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(ConsumerError::Gone(name.to_string())),
        }
    }

    fn send(&self, cmd: Command) -> Result<(), ConsumerError> {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(cmd).ok())
            .ok_or_else(|| ConsumerError::Gone(self.name.clone()))
    }

    /// Up to `max` records: waits up to `wait` for the first one, then takes what is already
    /// fetched without waiting further.
    pub async fn poll(&self, max: usize, wait: Duration) -> Result<Polled, ConsumerError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Poll { max, wait, reply })?;
        rx.await.map_err(|_| ConsumerError::Gone(self.name.clone()))
    }

    /// Commit `(topic, partition, next offset to read)` synchronously.
    pub async fn commit(&self, offsets: Vec<(Arc<str>, i32, i64)>) -> Result<(), ConsumerError> {
        if offsets.is_empty() {
            return Ok(());
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Commit { offsets, reply })?;
        match rx.await {
            Ok(result) => result.map_err(ConsumerError::from),
            Err(_) => Err(ConsumerError::Gone(self.name.clone())),
        }
    }

    /// Leave the group and destroy the consumer, waiting at most `bound`.
    pub async fn close(mut self, bound: Duration) {
        let Some(tx) = self.tx.take() else { return };
        let (done, rx) = oneshot::channel();
        if tx.send(Command::Close { done }).is_err() {
            return;
        }
        if tokio::time::timeout(bound, rx).await.is_err() {
            tracing::warn!(component = %self.name, "the Kafka consumer did not close within {}s; abandoning it", bound.as_secs());
        }
    }
}

impl Drop for ConsumerHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let (done, _rx) = oneshot::channel();
            let _ = tx.send(Command::Close { done });
        }
    }
}

fn record_of<M: Message>(m: &M, topic: &Arc<str>, with_headers: bool) -> Record {
    let headers = match m.headers() {
        Some(h) if with_headers => h
            .iter()
            .map(|hd| (hd.key.to_string(), hd.value.map(Bytes::copy_from_slice)))
            .collect(),
        _ => Vec::new(),
    };
    Record {
        topic: Arc::clone(topic),
        partition: m.partition(),
        offset: m.offset(),
        timestamp: m.timestamp().to_millis(),
        key: m.key().map(Bytes::copy_from_slice),
        value: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
        headers,
    }
}

/// Logs a poll error at most once per 30 s per distinct message.
struct ErrorLog {
    last: Option<(String, Instant)>,
}

impl ErrorLog {
    fn log(&mut self, name: &str, error: &KafkaError) {
        let text = error.to_string();
        let repeat = self
            .last
            .as_ref()
            .is_some_and(|(t, at)| *t == text && at.elapsed() < Duration::from_secs(30));
        if !repeat {
            tracing::warn!(component = %name, error = %text, "Kafka consumer error");
            self.last = Some((text, Instant::now()));
        }
    }
}

fn serve(consumer: BaseConsumer<Ctx>, rx: mpsc::Receiver<Command>, with_headers: bool) {
    let name = consumer.context().name.clone();
    let mut errors = ErrorLog { last: None };
    let mut topic_names: Vec<Arc<str>> = Vec::new();
    let mut intern = |t: &str| -> Arc<str> {
        if let Some(a) = topic_names.iter().find(|a| &***a == t) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(t);
        topic_names.push(Arc::clone(&a));
        a
    };
    let mut closed: Option<oneshot::Sender<()>> = None;
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::Poll { max, wait, reply } => {
                let deadline = Instant::now() + wait;
                let mut polled = Polled::default();
                while polled.records.len() < max {
                    let timeout = if polled.records.is_empty() {
                        deadline.saturating_duration_since(Instant::now())
                    } else {
                        Duration::ZERO
                    };
                    let message = consumer.poll(timeout);
                    let revoked = std::mem::take(
                        &mut *consumer
                            .context()
                            .revoked
                            .lock()
                            .unwrap_or_else(|e| e.into_inner()),
                    );
                    if !revoked.is_empty() {
                        polled.records.retain(|r| {
                            !revoked
                                .iter()
                                .any(|(t, p)| *t == *r.topic && *p == r.partition)
                        });
                        polled.revoked.extend(revoked);
                    }
                    match message {
                        Some(Ok(m)) => {
                            let topic = intern(m.topic());
                            polled.records.push(record_of(&m, &topic, with_headers));
                        }
                        Some(Err(e)) => {
                            errors.log(&name, &e);
                            if Instant::now() >= deadline {
                                break;
                            }
                        }
                        None => {
                            if !polled.records.is_empty() || Instant::now() >= deadline {
                                break;
                            }
                        }
                    }
                    if !polled.revoked.is_empty() {
                        break;
                    }
                }
                let _ = reply.send(polled);
            }
            Command::Commit { offsets, reply } => {
                let mut tpl = TopicPartitionList::with_capacity(offsets.len());
                let mut result = Ok(());
                for (topic, partition, offset) in &offsets {
                    if let Err(e) =
                        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                    {
                        result = Err(e);
                    }
                }
                if result.is_ok() {
                    result = consumer.commit(&tpl, CommitMode::Sync);
                }
                let _ = reply.send(result);
            }
            Command::Close { done } => {
                closed = Some(done);
                break;
            }
        }
    }
    // Leave the group, then destroy (the part that can hang; the async side stops waiting).
    consumer.unsubscribe();
    drop(consumer);
    if let Some(done) = closed {
        let _ = done.send(());
    }
}
