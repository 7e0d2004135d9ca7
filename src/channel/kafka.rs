//! `org.apache.flume.channel.kafka.KafkaChannel` (no alias; reused across reloads; reference
//! §10.3). The topic is the buffer.
//!
//! * put: one record per event — with `parseAsFlumeEvent` (default) the value is the
//!   AvroFlumeEvent datum of the whole event, byte-compatible with Java Flume; otherwise the
//!   raw body (headers lost except `key`) — sent with `acks=all`; the put returns only when
//!   every record is acknowledged (Flume: send, `flush()`, every future's `get()`).
//! * take: from a group consumer (one per concurrent taker, like Flume's consumer per sink
//!   thread); the next offsets are committed when the taker's transaction commits (a failed
//!   offset commit is only logged, as in Flume); a rollback keeps the events and hands them
//!   out again first, in order, without committing anything past them.
//! * A reload with a changed configuration swaps the clients; the channel itself is reused.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Channel, ChannelError, Take, TakeTransaction};
use crate::config::legacy::{KAFKA_CHANNEL, Legacy};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::format::avro_event;
use crate::kafka::client::{self, ClientProps};
use crate::kafka::consumer::{ConsumerHandle, Record, Subscription};
use crate::kafka::metrics::{KafkaChannelMetrics, add_millis};
use crate::kafka::producer::{OutRecord, Producer};
use crate::kafka::{self as k, Brokers, MIGRATE_ZOOKEEPER_OFFSETS, ZOOKEEPER_CONNECT};
use crate::metrics::MetricSource;
use crate::registry::{Prefix, Prop, PropTable, Type};

pub const BOOTSTRAP_SERVERS: Prop = Prop::text(
    "kafka.bootstrap.servers",
    "brokers to connect to (host:port, comma-separated); else found through zookeeperConnect",
)
.legacy(&["brokerList"]);
pub const TOPIC: Prop = Prop::string(
    "kafka.topic",
    "flume-channel",
    "topic that holds the channel's events",
)
.legacy(&["topic"]);
pub const GROUP_ID: Prop = Prop::string(
    "kafka.consumer.group.id",
    "flume",
    "consumer group of the takers",
)
.legacy(&["groupId"]);
/// Flume reads `kafka.pollTimeout`; the user guide's `pollTimeout` is accepted too.
pub const POLL_TIMEOUT: Prop =
    Prop::long("kafka.pollTimeout", 500, "ms a take waits for records").legacy(&["pollTimeout"]);
/// The code's default, not the guide's `latest` (reference §10.3).
pub const AUTO_OFFSET_RESET: Prop = Prop::string(
    "kafka.consumer.auto.offset.reset",
    "earliest",
    "where a group without committed offsets starts",
)
.legacy(&["readSmallestOffset"]);
/// `KafkaChannelConfiguration.DEFAULT_ACKS`: every in-sync replica.
pub const ACKS: Prop = Prop::string(
    "kafka.producer.acks",
    "all",
    "acknowledgements a put waits for",
);
pub const PARSE_AS_FLUME_EVENT: Prop = Prop::bool(
    "parseAsFlumeEvent",
    true,
    "record value = the event as an AvroFlumeEvent datum (false: the body only)",
);
pub const DEFAULT_PARTITION_ID: Prop = Prop::text(
    "defaultPartitionId",
    "partition of every record (else the producer's partitioner)",
)
.typed(Type::Int);
pub const PARTITION_ID_HEADER: Prop = Prop::text(
    "partitionIdHeader",
    "header whose integer value is the record's partition",
);
pub const PROPS: PropTable = PropTable::new(&[
    BOOTSTRAP_SERVERS,
    TOPIC,
    GROUP_ID,
    POLL_TIMEOUT,
    AUTO_OFFSET_RESET,
    ACKS,
    PARSE_AS_FLUME_EVENT,
    DEFAULT_PARTITION_ID,
    PARTITION_ID_HEADER,
    ZOOKEEPER_CONNECT,
    MIGRATE_ZOOKEEPER_OFFSETS,
])
.with_prefixes(&[
    Prefix::pass_through(
        "kafka.producer.",
        "Kafka producer settings, passed to the client",
    ),
    Prefix::pass_through(
        "kafka.consumer.",
        "Kafka consumer settings, passed to the client",
    ),
]);

/// This type's entry in `channel::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::channel::Native = crate::channel::Native {
    name: "org.apache.flume.channel.kafka.KafkaChannel",
    props: &PROPS,
    build: |config, _| {
        Ok(Arc::new(KafkaChannel::from_context(&config.name, &config.context)?))
    },
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaChannelConfig {
    pub brokers: Brokers,
    pub topic: String,
    pub group_id: String,
    pub parse_as_flume_event: bool,
    pub poll_timeout: Duration,
    pub default_partition: Option<i32>,
    pub partition_header: Option<String>,
    /// Without `bootstrap.servers` (resolved at first use).
    pub producer: ClientProps,
    pub consumer: ClientProps,
}

impl KafkaChannelConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let legacy = Legacy::new(ctx, KAFKA_CHANNEL);
        let topic = legacy.get(TOPIC.name).map(|f| f.value).unwrap_or_else(|| {
            let topic = TOPIC.default_str();
            tracing::info!("Topic was not specified. Using {topic} as the topic.");
            topic.to_string()
        });
        let group_id = legacy
            .get(GROUP_ID.name)
            .map(|f| f.value)
            .unwrap_or_else(|| {
                let group = GROUP_ID.default_str();
                tracing::info!("Group ID was not specified. Using {group} as the group id.");
                group.to_string()
            });
        let poll_timeout = ctx.get_long(&POLL_TIMEOUT)?;
        let default_partition = match ctx.value(&DEFAULT_PARTITION_ID) {
            None => None,
            Some(v) => Some(crate::java::parse_int(v).ok_or_else(|| {
                ctx.error(
                    DEFAULT_PARTITION_ID.name,
                    format!("expected an integer, got \"{v}\""),
                )
            })?),
        };
        let mut producer = k::producer_props(ctx, &[("acks", ACKS.default_str())], &[])?;
        producer.entries.remove("bootstrap.servers");
        client::validate(&producer, &ctx.sub("kafka.producer."))?;
        let extra: Vec<(String, String)> = legacy
            .renamed_under("kafka.consumer.")
            .into_iter()
            .filter(|(k, _)| k != "group.id")
            .collect();
        let mut consumer = k::consumer_props(
            ctx,
            &[("auto.offset.reset", AUTO_OFFSET_RESET.default_str())],
            &extra,
        )?;
        consumer.set("group.id", group_id.clone());
        client::validate(&consumer, &ctx.sub("kafka.consumer."))?;
        let brokers = k::brokers(&legacy, true, consumer.get("security.protocol"))?;
        if ctx.contains(ZOOKEEPER_CONNECT.name) && ctx.get_bool(&MIGRATE_ZOOKEEPER_OFFSETS) {
            tracing::warn!(
                "{}: migrateZookeeperOffsets: offsets stored in ZooKeeper by Flume 1.6 are not migrated; the group's offsets in Kafka (or auto.offset.reset) decide where reading starts",
                ctx.component()
            );
        }
        Ok(KafkaChannelConfig {
            brokers,
            topic,
            group_id,
            parse_as_flume_event: ctx.get_bool(&PARSE_AS_FLUME_EVENT),
            poll_timeout: Duration::from_millis(poll_timeout.max(0) as u64),
            default_partition,
            partition_header: ctx.value(&PARTITION_ID_HEADER).map(str::to_string),
            producer,
            consumer,
        })
    }
}

/// The record a put sends for an event (vector `kc-derived-put-record`).
pub fn record_of<'a>(
    event: &'a Event,
    config: &KafkaChannelConfig,
    topic: &Arc<str>,
) -> Result<OutRecord<'a>, String> {
    let partition = k::partition_for(
        &event.headers,
        config.partition_header.as_deref(),
        config.default_partition,
    )?;
    Ok(OutRecord {
        topic: Arc::clone(topic),
        partition,
        key: event.header("key"),
        value: if config.parse_as_flume_event {
            avro_event::encode_kafka(event)
        } else {
            event.body.clone()
        },
        timestamp: None,
        headers: Vec::new(),
    })
}

/// The event a take hands out for a record (vectors `kc-parse-as-flume-event-*`).
pub fn event_of(
    record: &Record,
    parse_as_flume_event: bool,
) -> Result<Event, avro_event::DecodeError> {
    let mut event = if parse_as_flume_event {
        let mut event = avro_event::decode(&record.value)?;
        event.headers = crate::java::avro_map_headers(std::mem::take(&mut event.headers));
        event
    } else {
        Event::with_headers(Headers::new(), record.value.clone())
    };
    if let Some(key) = &record.key {
        event
            .headers
            .insert("key".into(), String::from_utf8_lossy(key).into_owned());
    }
    Ok(event)
}

/// Where a taken event came from.
#[derive(Debug, Clone)]
struct Origin {
    topic: Arc<str>,
    partition: i32,
    offset: i64,
}

/// One consumer and the events it handed out that were rolled back.
struct Slot {
    generation: u64,
    consumer: ConsumerHandle,
    failed: VecDeque<(Origin, Event)>,
}

struct Clients {
    generation: u64,
    config: Arc<KafkaChannelConfig>,
    bootstrap: Option<String>,
    producer: Option<Arc<Producer>>,
}

struct Inner {
    name: String,
    clients: tokio::sync::Mutex<Clients>,
    /// Mirrors `clients.config`/`generation` for synchronous readers.
    current: Mutex<(u64, Arc<KafkaChannelConfig>)>,
    idle: Mutex<Vec<Slot>>,
    stopped: AtomicBool,
    metrics: Arc<KafkaChannelMetrics>,
    consumers_created: AtomicU64,
}

impl Inner {
    fn current(&self) -> (u64, Arc<KafkaChannelConfig>) {
        let c = self.current.lock().unwrap_or_else(|e| e.into_inner());
        (c.0, Arc::clone(&c.1))
    }

    async fn bootstrap(&self, clients: &mut Clients) -> Result<String, ChannelError> {
        if let Some(b) = &clients.bootstrap {
            return Ok(b.clone());
        }
        let servers = clients
            .config
            .brokers
            .resolve(&self.name)
            .await
            .map_err(|e| ChannelError::Failed(format!("Unable to connect to Kafka: {e}")))?;
        clients.bootstrap = Some(servers.clone());
        Ok(servers)
    }

    async fn producer(&self) -> Result<(Arc<KafkaChannelConfig>, Arc<Producer>), ChannelError> {
        let mut clients = self.clients.lock().await;
        if let Some(p) = &clients.producer {
            return Ok((Arc::clone(&clients.config), Arc::clone(p)));
        }
        let servers = self.bootstrap(&mut clients).await?;
        let mut props = clients.config.producer.clone();
        props.set("bootstrap.servers", servers);
        tracing::info!(channel = %self.name, "Kafka producer properties: {}", props.redacted());
        let producer = Arc::new(Producer::create(&props).map_err(|e| {
            ChannelError::Failed(format!("Unable to create the Kafka producer: {e}"))
        })?);
        clients.producer = Some(Arc::clone(&producer));
        Ok((Arc::clone(&clients.config), producer))
    }

    /// An idle consumer of the current configuration, or a new one.
    async fn checkout(&self) -> Result<(Arc<KafkaChannelConfig>, Slot), ChannelError> {
        let (generation, config) = self.current();
        let found = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let stale: Vec<Slot> = {
                let (keep, stale): (Vec<Slot>, Vec<Slot>) =
                    idle.drain(..).partition(|s| s.generation == generation);
                *idle = keep;
                stale
            };
            drop(stale);
            idle.pop()
        };
        if let Some(slot) = found {
            return Ok((config, slot));
        }
        let mut clients = self.clients.lock().await;
        let servers = self.bootstrap(&mut clients).await?;
        let config = Arc::clone(&clients.config);
        let generation = clients.generation;
        drop(clients);
        let mut props = config.consumer.clone();
        props.set("bootstrap.servers", servers);
        let n = self.consumers_created.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}-{n}", self.name);
        let consumer = ConsumerHandle::spawn(
            &name,
            &props,
            &Subscription::Topics(vec![config.topic.clone()]),
            false,
        )
        .await
        .map_err(|e| ChannelError::Failed(format!("Unable to connect to Kafka: {e}")))?;
        tracing::info!(channel = %self.name, topic = %config.topic, "Created new consumer to connect to Kafka");
        Ok((
            config,
            Slot {
                generation,
                consumer,
                failed: VecDeque::new(),
            },
        ))
    }

    fn give_back(&self, slot: Slot) {
        let (generation, _) = self.current();
        if self.stopped.load(Ordering::Relaxed) || slot.generation != generation {
            // Dropping the handle closes the consumer on its own thread.
            return;
        }
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(slot);
    }
}

pub struct KafkaChannel {
    name: String,
    inner: Arc<Inner>,
}

impl KafkaChannel {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let config = Arc::new(KafkaChannelConfig::from_context(ctx)?);
        Ok(KafkaChannel {
            name: name.to_string(),
            inner: Arc::new(Inner {
                name: name.to_string(),
                clients: tokio::sync::Mutex::new(Clients {
                    generation: 0,
                    config: Arc::clone(&config),
                    bootstrap: None,
                    producer: None,
                }),
                current: Mutex::new((0, config)),
                idle: Mutex::new(Vec::new()),
                stopped: AtomicBool::new(false),
                metrics: KafkaChannelMetrics::new(name),
                consumers_created: AtomicU64::new(0),
            }),
        })
    }
}

/// The offsets to commit after a take: per partition, the next offset after the taken
/// events, but never past an event of that partition still waiting in the rolled-back list.
fn commit_offsets(
    taken: &[Origin],
    failed: &VecDeque<(Origin, Event)>,
) -> Vec<(Arc<str>, i32, i64)> {
    let mut next: BTreeMap<(Arc<str>, i32), i64> = BTreeMap::new();
    for o in taken {
        let e = next.entry((Arc::clone(&o.topic), o.partition)).or_insert(0);
        *e = (*e).max(o.offset + 1);
    }
    for (o, _) in failed {
        if let Some(e) = next.get_mut(&(Arc::clone(&o.topic), o.partition)) {
            *e = (*e).min(o.offset);
        }
    }
    next.into_iter().map(|((t, p), o)| (t, p, o)).collect()
}

struct KafkaTake {
    inner: Arc<Inner>,
    slot: Option<Slot>,
    origins: Vec<Origin>,
}

#[async_trait]
impl TakeTransaction for KafkaTake {
    async fn commit(mut self: Box<Self>, events: &[Event]) -> Result<(), ChannelError> {
        let Some(slot) = self.slot.take() else {
            return Ok(());
        };
        let m = &self.inner.metrics;
        let offsets = commit_offsets(&self.origins, &slot.failed);
        let started = Instant::now();
        if let Err(e) = slot.consumer.commit(offsets).await {
            // Flume only logs a failed offset commit: the events are delivered and may be
            // read again (at-least-once).
            tracing::info!(channel = %self.inner.name, error = %e, "Error committing offsets.");
        }
        add_millis(&m.extra.kafka_commit_timer, started);
        m.counter
            .take_success
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        self.inner.give_back(slot);
        Ok(())
    }

    fn rollback(mut self: Box<Self>, events: Vec<Event>) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        self.inner
            .metrics
            .extra
            .rollback
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        let origins = std::mem::take(&mut self.origins);
        for pair in origins.into_iter().zip(events).rev() {
            slot.failed.push_front(pair);
        }
        self.inner.give_back(slot);
    }
}

impl Drop for KafkaTake {
    fn drop(&mut self) {
        // A take dropped without commit or rollback (e.g. an aborted task): the events are
        // gone from memory but not committed, so they are read again from Kafka.
        if let Some(slot) = self.slot.take() {
            drop(slot);
        }
    }
}

#[async_trait]
impl Channel for KafkaChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        let n = events.len() as u64;
        if n == 0 {
            return Ok(());
        }
        let m = &self.inner.metrics;
        m.counter.put_attempt.fetch_add(n, Ordering::Relaxed);
        let (config, producer) = self.inner.producer().await?;
        let topic: Arc<str> = Arc::from(config.topic.as_str());
        let mut records = Vec::with_capacity(events.len());
        for event in &events {
            records.push(record_of(event, &config, &topic).map_err(ChannelError::Failed)?);
        }
        let started = Instant::now();
        if let Err(e) = producer.send_all(&records).await {
            tracing::warn!(channel = %self.name, error = %e, "Sending events to Kafka failed");
            return Err(ChannelError::Failed(format!(
                "Commit failed as send to Kafka failed: {e}"
            )));
        }
        add_millis(&m.extra.kafka_event_send_timer, started);
        m.counter.put_success.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }

    async fn take(&self, max: usize) -> Result<Take, ChannelError> {
        let m = &self.inner.metrics;
        m.counter.take_attempt.fetch_add(1, Ordering::Relaxed);
        if max == 0 {
            return Ok(Take::empty());
        }
        let (config, mut slot) = self.inner.checkout().await?;
        let started = Instant::now();
        let mut taken: Vec<(Origin, Event)> = Vec::new();
        while taken.len() < max {
            let Some(pair) = slot.failed.pop_front() else {
                break;
            };
            taken.push(pair);
        }
        let mut bad = 0usize;
        while taken.len() < max {
            let polled = match slot
                .consumer
                .poll(max - taken.len(), config.poll_timeout)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    // The consumer is gone; what it had is uncommitted and will be read again.
                    return Err(ChannelError::Failed(format!(
                        "Error while getting events from Kafka: {e}"
                    )));
                }
            };
            if !polled.revoked.is_empty() {
                let revoked = |o: &Origin| {
                    polled
                        .revoked
                        .iter()
                        .any(|(t, p)| **t == *o.topic && *p == o.partition)
                };
                taken.retain(|(o, _)| !revoked(o));
                slot.failed.retain(|(o, _)| !revoked(o));
                break;
            }
            if polled.records.is_empty() {
                break;
            }
            for record in polled.records {
                match event_of(&record, config.parse_as_flume_event) {
                    Ok(event) => taken.push((
                        Origin {
                            topic: record.topic,
                            partition: record.partition,
                            offset: record.offset,
                        },
                        event,
                    )),
                    Err(e) => {
                        bad += 1;
                        tracing::warn!(channel = %self.name, topic = %record.topic, partition = record.partition, offset = record.offset, error = %e, "Error while getting events from Kafka. This is usually caused by trying to read a non-flume event. Ensure the setting for parseAsFlumeEvent is correct");
                    }
                }
            }
            if bad > 0 {
                break;
            }
        }
        add_millis(&m.extra.kafka_event_get_timer, started);
        if bad > 0 {
            // Flume's take throws; the sink rolls back what it had taken, which is handed out
            // again first. The unreadable records are passed over.
            m.extra
                .rollback
                .fetch_add(taken.len() as u64, Ordering::Relaxed);
            for pair in taken.into_iter().rev() {
                slot.failed.push_front(pair);
            }
            self.inner.give_back(slot);
            return Err(ChannelError::Failed(
                "Error while getting events from Kafka".to_string(),
            ));
        }
        if taken.is_empty() {
            self.inner.give_back(slot);
            return Ok(Take::empty());
        }
        let (origins, events): (Vec<Origin>, Vec<Event>) = taken.into_iter().unzip();
        Ok(Take::new(
            events,
            Box::new(KafkaTake {
                inner: Arc::clone(&self.inner),
                slot: Some(slot),
                origins,
            }),
        ))
    }

    fn reconfigure(&self, ctx: &Context) -> Result<bool, ConfigError> {
        let config = Arc::new(KafkaChannelConfig::from_context(ctx)?);
        let mut current = self.inner.current.lock().unwrap_or_else(|e| e.into_inner());
        if *current.1 == *config {
            return Ok(true);
        }
        tracing::info!(channel = %self.name, "configuration changed; the channel reconnects to Kafka with the new settings");
        let generation = current.0 + 1;
        *current = (generation, Arc::clone(&config));
        drop(current);
        // Clients of the old configuration are replaced at their next use.
        if let Ok(mut clients) = self.inner.clients.try_lock() {
            *clients = Clients {
                generation,
                config,
                bootstrap: None,
                producer: None,
            };
        } else {
            let inner = Arc::clone(&self.inner);
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let mut clients = inner.clients.lock().await;
                    *clients = Clients {
                        generation,
                        config,
                        bootstrap: None,
                        producer: None,
                    };
                });
            }
        }
        self.inner
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(true)
    }

    async fn start(&self) -> Result<(), ChannelError> {
        self.inner.stopped.store(false, Ordering::Relaxed);
        let (_, config) = self.inner.current();
        tracing::info!("Starting Kafka Channel: {}", self.name);
        tracing::info!("Topic = {}", config.topic);
        Ok(())
    }

    async fn stop(&self) {
        self.inner.stopped.store(true, Ordering::Relaxed);
        let slots: Vec<Slot> = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for slot in slots {
            slot.consumer.close(k::CLOSE_BOUND).await;
        }
        let producer = self.inner.clients.lock().await.producer.take();
        if let Some(p) = producer {
            match Arc::try_unwrap(p) {
                Ok(p) => p.close(k::CLOSE_BOUND).await,
                Err(shared) => drop(shared),
            }
        }
        tracing::info!("Kafka channel {} stopped.", self.name);
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.inner.metrics) as Arc<dyn MetricSource>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    /// The deprecated names the channel reads (`config::legacy`) are the table's legacy names
    /// (the table also has `pollTimeout`, the user guide's name, which is no rename).
    #[test]
    fn table_legacy_names_match_the_renames() {
        crate::config::legacy::assert_table_matches_renames(KAFKA_CHANNEL, &PROPS, &["pollTimeout"]);
    }

    fn config(pairs: &[(&str, &str)]) -> Result<KafkaChannelConfig, ConfigError> {
        let ctx = Context::from_pairs("a1.channels.c1.", pairs.iter().copied());
        KafkaChannelConfig::from_context(&ctx)
    }

    fn record(value: Bytes, key: Option<&'static [u8]>) -> Record {
        Record {
            topic: Arc::from("t"),
            partition: 0,
            offset: 0,
            timestamp: None,
            key: key.map(Bytes::from_static),
            value,
            headers: Vec::new(),
        }
    }

    #[test]
    fn defaults_are_the_codes() {
        let cfg = config(&[("kafka.bootstrap.servers", "h:1")]).unwrap();
        assert_eq!(cfg.topic, "flume-channel");
        assert_eq!(cfg.group_id, "flume");
        assert!(cfg.parse_as_flume_event);
        assert_eq!(cfg.poll_timeout, Duration::from_millis(500));
        assert_eq!(cfg.producer.get("acks"), Some("all"));
        assert_eq!(cfg.consumer.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(cfg.consumer.get("group.id"), Some("flume"));
    }

    #[test]
    fn old_names() {
        let cfg = config(&[
            ("brokerList", "b:1"),
            ("topic", "t"),
            ("groupId", "g"),
            ("readSmallestOffset", "false"),
        ])
        .unwrap();
        assert_eq!(cfg.brokers, Brokers::Bootstrap("b:1".into()));
        assert_eq!((cfg.topic.as_str(), cfg.group_id.as_str()), ("t", "g"));
        assert_eq!(cfg.consumer.get("auto.offset.reset"), Some("latest"));
        let cfg = config(&[("zookeeperConnect", "zk:2181")]).unwrap();
        assert!(matches!(cfg.brokers, Brokers::ZooKeeper { .. }));
    }

    #[test]
    fn vector_put_record() {
        let cfg = config(&[
            ("kafka.bootstrap.servers", "h:1"),
            ("kafka.topic", "t"),
            ("partitionIdHeader", "p"),
            ("defaultPartitionId", "0"),
        ])
        .unwrap();
        let mut h = Headers::new();
        h.insert("key".into(), "user42".into());
        h.insert("p".into(), "3".into());
        let e = Event::with_headers(h, "x");
        let r = record_of(&e, &cfg, &Arc::from("t")).unwrap();
        assert_eq!(
            (&*r.topic, r.partition, r.key),
            ("t", Some(3), Some("user42"))
        );
        assert_eq!(avro_event::decode(&r.value).unwrap(), e);
        let mut h = Headers::new();
        h.insert("p".into(), "x".into());
        assert_eq!(
            record_of(&Event::with_headers(h, ""), &cfg, &Arc::from("t")).unwrap_err(),
            "Non integer partition id specified"
        );
    }

    #[test]
    fn vectors_parse_as_flume_event() {
        let mut h = Headers::new();
        h.insert("a".into(), "b".into());
        let datum = avro_event::encode(&Event::with_headers(h, "body"));
        let e = event_of(&record(datum, Some(b"k1")), true).unwrap();
        assert_eq!(e.header("a"), Some("b"));
        assert_eq!(e.header("key"), Some("k1"));
        let e = event_of(&record(Bytes::from_static(b"raw text"), None), false).unwrap();
        assert!(e.headers.is_empty());
        assert_eq!(e.body, Bytes::from_static(b"raw text"));
        assert!(event_of(&record(Bytes::from_static(b"raw text"), None), true).is_err());
    }

    #[test]
    fn commits_stop_before_rolled_back_events() {
        let t: Arc<str> = Arc::from("t");
        let o = |partition, offset| Origin {
            topic: Arc::clone(&t),
            partition,
            offset,
        };
        let mut failed = VecDeque::new();
        failed.push_back((o(0, 12), Event::new("")));
        let offsets = commit_offsets(&[o(0, 10), o(0, 11), o(1, 4)], &failed);
        assert_eq!(
            offsets,
            vec![(Arc::clone(&t), 0, 12), (Arc::clone(&t), 1, 5)]
        );
    }
}
