//! `org.apache.flume.sink.kafka.KafkaSink` (no alias; reference §11.6).
//!
//! Takes up to `flumeBatchSize` events in one channel transaction, sends one record per event
//! (topic from the `topic` header when `allowTopicOverride`, else the configured topic with
//! `%{header}` escapes; key from the `key` header; partition from `partitionIdHeader` or
//! `defaultPartitionId`; value = the body, or the whole event as an AvroFlumeEvent datum with
//! `useFlumeEventFormat`), waits until every record is acknowledged, and only then commits the
//! channel transaction. Any failure rolls the batch back to the channel.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;

use super::{Sink, SinkError};
use crate::channel::{ChannelRef, Take};
use crate::component::Status;
use crate::config::legacy::{KAFKA_SINK, Legacy};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::format::avro_event;
use crate::kafka::client::{self, ClientProps};
use crate::kafka::metrics::{KafkaSinkCounter, add_millis};
use crate::kafka::producer::{Acks, OutRecord, ProduceError, Producer};
use crate::kafka::{self as k, Brokers};
use crate::metrics::{BatchFill, MetricSource};
use crate::registry::{Prefix, Prop, PropTable, Type};

pub const BOOTSTRAP_SERVERS: Prop = Prop::text(
    "kafka.bootstrap.servers",
    "brokers to connect to (host:port, comma-separated)",
)
.legacy(&["brokerList"])
.required();
pub const TOPIC: Prop = Prop::string(
    "kafka.topic",
    "default-flume-topic",
    "topic of the records (`%{header}` and time escapes allowed)",
)
.legacy(&["topic"]);
pub const FLUME_BATCH_SIZE: Prop = Prop::int("flumeBatchSize", 100, "events per transaction (> 0)")
    .legacy(&["batchSize"])
    .batch_size();
/// `KafkaSinkConstants.DEFAULT_ACKS`.
pub const ACKS: Prop = Prop::string(
    "kafka.producer.acks",
    "1",
    "acknowledgements the producer waits for",
)
.legacy(&["requiredAcks"]);
pub const USE_FLUME_EVENT_FORMAT: Prop = Prop::bool(
    "useFlumeEventFormat",
    false,
    "record value = the event as an AvroFlumeEvent datum (headers kept)",
);
pub const ALLOW_TOPIC_OVERRIDE: Prop = Prop::bool(
    "allowTopicOverride",
    true,
    "a `topicHeader` header picks the topic",
);
pub const TOPIC_HEADER: Prop = Prop::string(
    "topicHeader",
    "topic",
    "header naming the topic when `allowTopicOverride`",
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
pub const TIMESTAMP_HEADER: Prop = Prop::text(
    "timestampHeader",
    "header whose long value is the record timestamp (Flume 1.10+)",
);
pub const SERIALIZER_CLASS: Prop = Prop::text("serializer.class", "Kafka 0.8 value serializer")
    .typed(Type::Class)
    .no_effect("deprecated, only warned about (as in Flume): use kafka.producer.value.serializer");
pub const KEY_SERIALIZER_CLASS: Prop =
    Prop::text("key.serializer.class", "Kafka 0.8 key serializer")
        .typed(Type::Class)
        .no_effect(
            "deprecated, only warned about (as in Flume): use kafka.producer.key.serializer",
        );
pub const PROPS: PropTable = PropTable::new(&[
    BOOTSTRAP_SERVERS,
    TOPIC,
    FLUME_BATCH_SIZE,
    ACKS,
    USE_FLUME_EVENT_FORMAT,
    ALLOW_TOPIC_OVERRIDE,
    TOPIC_HEADER,
    DEFAULT_PARTITION_ID,
    PARTITION_ID_HEADER,
    TIMESTAMP_HEADER,
    SERIALIZER_CLASS,
    KEY_SERIALIZER_CLASS,
])
.with_prefixes(&[
    Prefix::pass_through(
        "kafka.producer.",
        "Kafka producer settings, passed to the client",
    ),
    Prefix::user_named(
        "header.",
        "`header.<flume header> = <kafka header>`: copied to record headers (Flume 1.10+)",
    ),
]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "org.apache.flume.sink.kafka.KafkaSink",
    props: &PROPS,
    build: |name, ctx, channel, _| {
        Ok(Box::new(KafkaSink::from_context(name, ctx, channel)?))
    },
};

#[derive(Debug, Clone)]
pub struct KafkaSinkConfig {
    pub topic: String,
    /// `topic`, shared by every record that goes to it unchanged.
    pub topic_arc: Arc<str>,
    pub batch_size: usize,
    pub use_flume_event_format: bool,
    pub partition_header: Option<String>,
    pub default_partition: Option<i32>,
    pub allow_topic_override: bool,
    pub topic_header: String,
    /// 1.10+: header whose long value becomes the record timestamp.
    pub timestamp_header: Option<String>,
    /// 1.10+: `header.<flumeHeader> = <kafkaHeader>`.
    pub header_map: Vec<(String, String)>,
    /// Producer properties, `bootstrap.servers` included.
    pub producer: ClientProps,
}

impl KafkaSinkConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let legacy = Legacy::new(ctx, KAFKA_SINK);
        let topic = match legacy.get(TOPIC.name) {
            Some(found) => {
                tracing::info!(
                    "Using the static topic {}. This may be overridden by event headers",
                    found.value
                );
                found.value
            }
            None => {
                let topic = TOPIC.default_str();
                tracing::warn!("Topic was not specified. Using {topic} as the topic.");
                topic.to_string()
            }
        };
        let batch_size =
            legacy.int(FLUME_BATCH_SIZE.name, FLUME_BATCH_SIZE.int_default() as i32)?;
        if batch_size <= 0 {
            return Err(ctx.error(
                FLUME_BATCH_SIZE.name,
                format!("expected a positive integer, got {batch_size}"),
            ));
        }
        let default_partition = match ctx.value(&DEFAULT_PARTITION_ID) {
            None => None,
            Some(v) => Some(crate::java::parse_int(v).ok_or_else(|| {
                ctx.error(
                    DEFAULT_PARTITION_ID.name,
                    format!("expected an integer, got \"{v}\""),
                )
            })?),
        };
        for old in [SERIALIZER_CLASS.name, KEY_SERIALIZER_CLASS.name] {
            if ctx.get(old).is_some() {
                tracing::warn!(
                    "{} is deprecated. Flume now uses the latest Kafka producer which implements a different interface for serializers. Please use the parameter {}",
                    ctx.full_key(old),
                    ctx.full_key(if old.starts_with("key") {
                        "kafka.producer.key.serializer"
                    } else {
                        "kafka.producer.value.serializer"
                    })
                );
            }
        }
        let Brokers::Bootstrap(servers) = k::brokers(&legacy, false, None)? else {
            return Err(ctx.error(
                BOOTSTRAP_SERVERS.name,
                "Bootstrap Servers must be specified",
            ));
        };
        let extra = legacy.renamed_under("kafka.producer.");
        let acks = ACKS.default_str();
        let mut producer = k::producer_props(ctx, &[("acks", acks)], &extra)?;
        producer.set("bootstrap.servers", servers);
        client::validate(&producer, &ctx.sub("kafka.producer."))?;
        Ok(KafkaSinkConfig {
            topic_arc: Arc::from(topic.as_str()),
            topic,
            batch_size: batch_size as usize,
            use_flume_event_format: ctx.get_bool(&USE_FLUME_EVENT_FORMAT),
            partition_header: ctx.value(&PARTITION_ID_HEADER).map(str::to_string),
            default_partition,
            allow_topic_override: ctx.get_bool(&ALLOW_TOPIC_OVERRIDE),
            topic_header: ctx.get_string(&TOPIC_HEADER),
            timestamp_header: ctx.value(&TIMESTAMP_HEADER).map(str::to_string),
            header_map: ctx.sub("header.").pairs(),
            producer,
        })
    }
}

/// The record Flume's sink sends for an event (vectors `ks-derived-*`).
pub fn record_of<'a>(
    event: &'a Event,
    config: &'a KafkaSinkConfig,
) -> Result<OutRecord<'a>, String> {
    let topic: Arc<str> = if config.allow_topic_override {
        match event.header(&config.topic_header) {
            Some(t) => Arc::from(t),
            None if !config.topic.contains('%') => Arc::clone(&config.topic_arc),
            // Flume escapes the topic with BucketPath: `%{header}`, and `%Y`-style escapes that
            // need the event's `timestamp` header (a missing one fails the batch, as in Flume).
            None => Arc::from(
                crate::bucket_path::escape(&config.topic, &event.headers, &Default::default())
                    .map_err(|e| format!("kafka.topic {}: {e}", config.topic))?,
            ),
        }
    } else {
        // Used verbatim: no escaping (Flume's behaviour).
        Arc::clone(&config.topic_arc)
    };
    let partition = k::partition_for(
        &event.headers,
        config.partition_header.as_deref(),
        config.default_partition,
    )?;
    let value: Bytes = if config.use_flume_event_format {
        avro_event::encode_kafka(event)
    } else {
        event.body.clone()
    };
    let timestamp = config.timestamp_header.as_deref().and_then(|h| {
        let raw = event.header(h)?;
        match crate::java::parse_long(raw) {
            Some(ts) => Some(ts),
            None => {
                tracing::warn!(header = %h, value = %raw, "timestamp header is not a long; the record gets the producer's timestamp");
                None
            }
        }
    });
    let headers = config
        .header_map
        .iter()
        .filter_map(|(flume, kafka)| event.header(flume).map(|v| (kafka.as_str(), v)))
        .collect();
    Ok(OutRecord {
        topic,
        partition,
        key: event.header("key"),
        value,
        timestamp,
        headers,
    })
}

pub struct KafkaSink {
    name: String,
    channel: ChannelRef,
    config: KafkaSinkConfig,
    producer: Option<Producer>,
    counter: Arc<KafkaSinkCounter>,
    /// Batches sent and not acknowledged yet, oldest first (at most [`IN_FLIGHT_BATCHES`]
    /// between two `process()` calls): each is committed (or rolled back) once its
    /// acknowledgements are in, while the next batches are already being taken and produced.
    in_flight: VecDeque<InFlight>,
}

/// How many sent batches may wait for their acknowledgements while the sink takes and sends
/// the next one (memory channel only). Each keeps its take open — its events count against
/// the channel's capacity and go back to the channel if the batch fails — so this bounds the
/// events held outside the channel to `IN_FLIGHT_BATCHES + 1` batches. It lets the producer
/// fill its requests across batch boundaries, as a plain producer does, instead of
/// idling for one round trip per batch (`benches/kafka_throughput.sh`, acks=all: 52 % of a
/// plain producer's events/s with one batch in flight, 75 % with 4, 99 % with 16).
pub const IN_FLIGHT_BATCHES: usize = 16;

/// A sent batch and its channel transaction.
struct InFlight {
    take: Take,
    acks: Acks,
    n: usize,
    started: Instant,
}

impl KafkaSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, ConfigError> {
        Ok(KafkaSink {
            name: name.to_string(),
            channel,
            config: KafkaSinkConfig::from_context(ctx)?,
            producer: None,
            counter: KafkaSinkCounter::new(name),
            in_flight: VecDeque::new(),
        })
    }

    fn rollback(&self, why: String) -> SinkError {
        rollback(&self.name, &self.counter, why)
    }
}

fn rollback(name: &str, counter: &KafkaSinkCounter, why: String) -> SinkError {
    counter.rollback.fetch_add(1, Ordering::Relaxed);
    tracing::error!(sink = %name, "Failed to publish events: {why}");
    SinkError::Delivery(format!("Failed to publish events: {why}"))
}

/// A sent batch's end, once its acknowledgements are in: commit, or on a failure roll back
/// every batch still in flight, newest first, and then this one, so that the channel holds
/// their events in the order they were taken (records of the later batches that did arrive
/// are sent again: duplicates, never losses).
async fn finish(
    name: &str,
    counter: &KafkaSinkCounter,
    in_flight: &mut VecDeque<InFlight>,
    batch: InFlight,
    acked: Result<(), ProduceError>,
) -> Result<(), SinkError> {
    match acked {
        Ok(()) => {
            add_millis(&counter.kafka_event_send_timer, batch.started);
            counter
                .event_drain_success
                .fetch_add(batch.n as u64, Ordering::Relaxed);
            batch.take.commit().await?;
            Ok(())
        }
        Err(e) => {
            while let Some(later) = in_flight.pop_back() {
                counter.rollback.fetch_add(1, Ordering::Relaxed);
                later.take.rollback();
            }
            batch.take.rollback();
            Err(rollback(name, counter, e.to_string()))
        }
    }
}

#[async_trait]
impl Sink for KafkaSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        tracing::info!(sink = %self.name, "Kafka producer properties: {}", self.config.producer.redacted());
        let producer = Producer::create(&self.config.producer)
            .map_err(|e| SinkError::Delivery(format!("cannot create the Kafka producer: {e}")))?;
        self.producer = Some(producer);
        Ok(())
    }

    /// Flume's process(): take a batch, send it, commit once every record is acknowledged.
    /// On a memory channel the acknowledgements of the last batches are awaited while the
    /// next one is taken and sent (up to [`IN_FLIGHT_BATCHES`] of them); a batch still leaves
    /// the channel only after all of its records are acknowledged, and batches are committed
    /// in the order they were taken.
    async fn process(&mut self) -> Result<Status, SinkError> {
        if self.producer.is_none() {
            self.start().await?;
        }
        let channel = Arc::clone(&self.channel);
        let take = {
            let take_fut = channel.take(self.config.batch_size);
            tokio::pin!(take_fut);
            loop {
                let Some(oldest) = self.in_flight.front_mut() else {
                    break take_fut.await?;
                };
                tokio::select! {
                    biased;
                    acked = &mut oldest.acks => {
                        let batch = self.in_flight.pop_front().expect("in flight");
                        if let Err(e) = finish(&self.name, &self.counter, &mut self.in_flight, batch, acked).await {
                            take_fut.await?.rollback();
                            return Err(e);
                        }
                    }
                    taken = &mut take_fut => break taken?,
                }
            }
        };
        let c = Arc::clone(&self.counter);
        let n = take.len();
        let fill = BatchFill::of(n, self.config.batch_size);
        c.count_batch(fill);
        if fill == BatchFill::Empty {
            take.commit().await?;
            if let Some(mut oldest) = self.in_flight.pop_front() {
                let acked = (&mut oldest.acks).await;
                finish(
                    &self.name,
                    &self.counter,
                    &mut self.in_flight,
                    oldest,
                    acked,
                )
                .await?;
                return Ok(Status::Ready);
            }
            return Ok(Status::Backoff);
        }
        c.event_drain_attempt.fetch_add(n as u64, Ordering::Relaxed);
        let started = Instant::now();
        let records: Result<Vec<_>, String> = take
            .events()
            .iter()
            .map(|e| record_of(e, &self.config))
            .collect();
        let records = match records {
            Ok(r) => r,
            Err(why) => {
                take.rollback();
                return Err(self.rollback(why));
            }
        };
        let sent = match self.producer.as_ref() {
            Some(producer) => producer.send(&records).await,
            None => {
                take.rollback();
                return Err(self.rollback("no producer".into()));
            }
        };
        drop(records);
        let acks = match sent {
            Ok(acks) => acks,
            Err(e) => {
                take.rollback();
                return Err(self.rollback(e.to_string()));
            }
        };
        self.in_flight.push_back(InFlight {
            take,
            acks,
            n,
            started,
        });
        let keep = if self.channel.overlapping_takes() {
            IN_FLIGHT_BATCHES
        } else {
            0
        };
        while self.in_flight.len() > keep {
            let mut oldest = self.in_flight.pop_front().expect("in flight");
            let acked = (&mut oldest.acks).await;
            finish(
                &self.name,
                &self.counter,
                &mut self.in_flight,
                oldest,
                acked,
            )
            .await?;
        }
        Ok(Status::Ready)
    }

    async fn stop(&mut self) {
        let deadline = tokio::time::Instant::now() + k::CLOSE_BOUND;
        while let Some(mut batch) = self.in_flight.pop_front() {
            match tokio::time::timeout_at(deadline, &mut batch.acks).await {
                Ok(acked) => {
                    if let Err(e) =
                        finish(&self.name, &self.counter, &mut self.in_flight, batch, acked).await
                    {
                        tracing::warn!(sink = %self.name, "a batch was not delivered at stop: {e}");
                    }
                }
                Err(_) => {
                    tracing::warn!(sink = %self.name, "a batch was not acknowledged in time at stop; it stays in the channel");
                    batch.take.rollback();
                }
            }
        }
        if let Some(producer) = self.producer.take() {
            producer.close(k::CLOSE_BOUND).await;
        }
        tracing::info!("Kafka Sink {} stopped.", self.name);
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Headers;

    /// The deprecated names the sink reads (`config::legacy`) are the table's legacy names.
    #[test]
    fn table_legacy_names_match_the_renames() {
        crate::config::legacy::assert_table_matches_renames(KAFKA_SINK, &PROPS, &[]);
    }

    fn config(pairs: &[(&str, &str)]) -> Result<KafkaSinkConfig, ConfigError> {
        let mut all = vec![("kafka.bootstrap.servers", "h:9092")];
        all.extend_from_slice(pairs);
        let ctx = Context::from_pairs("a1.sinks.k1.", all);
        KafkaSinkConfig::from_context(&ctx)
    }

    fn event(headers: &[(&str, &str)], body: &str) -> Event {
        let h: Headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Event::with_headers(h, body.as_bytes().to_vec())
    }

    #[test]
    fn vector_topic_override_disabled_uses_topic_verbatim() {
        let cfg = config(&[
            ("kafka.topic", "static-%{app}"),
            ("allowTopicOverride", "false"),
        ])
        .unwrap();
        let e = event(&[("topic", "override"), ("app", "web")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(&*r.topic, "static-%{app}");
    }

    #[test]
    fn topic_header_wins_else_escaped_topic() {
        let cfg = config(&[("kafka.topic", "logs-%{app}")]).unwrap();
        let e = event(&[("topic", "override"), ("app", "web")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(&*r.topic, "override");
        let e = event(&[("app", "web")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(&*r.topic, "logs-web");
        let e = event(&[], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(&*r.topic, "logs-");
    }

    #[test]
    fn topic_time_escapes_need_the_timestamp_header() {
        // BucketPath rules: `%s` is epoch seconds of the `timestamp` header (zone-independent);
        // without the header the batch fails, as Flume's escapeString throws.
        let cfg = config(&[("kafka.topic", "logs-%{app}-%s")]).unwrap();
        let e = event(&[("app", "web"), ("timestamp", "1340459193234")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(&*r.topic, "logs-web-1340459193");
        let err = record_of(&event(&[("app", "web")], ""), &cfg).unwrap_err();
        assert!(err.contains("kafka.topic logs-%{app}-%s"), "{err}");
    }

    #[test]
    fn vector_key_partition() {
        let cfg = config(&[("defaultPartitionId", "1"), ("partitionIdHeader", "part")]).unwrap();
        let e = event(&[("key", "k"), ("part", "4")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!((r.key, r.partition), (Some("k"), Some(4)));
        let e = event(&[("key", "k")], "");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!((r.key, r.partition), (Some("k"), Some(1)));
        let err = record_of(&event(&[("part", "x")], ""), &cfg).unwrap_err();
        assert_eq!(err, "Non integer partition id specified");
    }

    #[test]
    fn vector_doc_kafka_flume_batch_size_is_ignored() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [
                ("kafka.bootstrap.servers", "h:1"),
                ("kafka.flumeBatchSize", "20"),
            ],
        );
        let cfg = KafkaSinkConfig::from_context(&ctx).unwrap();
        assert_eq!(cfg.batch_size, 100);
        let unread: Vec<String> = ctx.unread().into_iter().map(|u| u.key).collect();
        assert_eq!(unread, ["a1.sinks.k1.kafka.flumeBatchSize"]);
    }

    #[test]
    fn old_names() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [
                ("brokerList", "b:1"),
                ("topic", "t"),
                ("batchSize", "7"),
                ("requiredAcks", "-1"),
            ],
        );
        let cfg = KafkaSinkConfig::from_context(&ctx).unwrap();
        assert_eq!(cfg.topic, "t");
        assert_eq!(cfg.batch_size, 7);
        assert_eq!(cfg.producer.get("acks"), Some("-1"));
        assert_eq!(cfg.producer.get("bootstrap.servers"), Some("b:1"));
        assert!(ctx.unread().is_empty());
        let cfg = config(&[]).unwrap();
        assert_eq!(cfg.producer.get("acks"), Some("1"));
        assert_eq!(cfg.topic, "default-flume-topic");
        assert_eq!(cfg.producer.get("partitioner"), Some("murmur2_random"));
    }

    #[test]
    fn flume_event_format_and_kafka_headers() {
        let cfg = config(&[
            ("useFlumeEventFormat", "true"),
            ("timestampHeader", "ts"),
            ("header.app", "application"),
        ])
        .unwrap();
        let e = event(&[("ts", "1700000000000"), ("app", "web")], "hi");
        let r = record_of(&e, &cfg).unwrap();
        assert_eq!(avro_event::decode(&r.value).unwrap(), e);
        assert_eq!(r.timestamp, Some(1_700_000_000_000));
        assert_eq!(r.headers, vec![("application", "web")]);
    }
}
