//! `org.apache.flume.source.kafka.KafkaSource` (pollable, no alias; reference §9.11).
//!
//! Each `process()` fills a batch of up to `batchSize` records within `batchDurationMillis`,
//! turns every record into an event (headers `timestamp`, `topic`, `partition`, `offset`,
//! `key`, mapped Kafka headers; or the whole event from an AvroFlumeEvent datum with
//! `useFlumeEventFormat`), puts the batch into the channels, and only then commits the next
//! offsets of the batch. A batch the channel refused is kept and offered again; records of
//! partitions that a rebalance takes away are given back (dropped uncommitted, so their new
//! owner reads them from the last committed offset).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{PollableSource, SourceContext, SourceError};
use crate::component::Status;
use crate::config::legacy::{KAFKA_SOURCE, Legacy};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::format::avro_event;
use crate::kafka::client::{self, ClientProps};
use crate::kafka::consumer::{ConsumerHandle, Record, Subscription};
use crate::kafka::metrics::{KafkaSourceCounter, add_millis};
use crate::kafka::{self as k, Brokers, MIGRATE_ZOOKEEPER_OFFSETS, ZOOKEEPER_CONNECT};
use crate::metrics::MetricSource;
use crate::registry::{self, Prefix, Prop, PropTable, Type};

pub const BOOTSTRAP_SERVERS: Prop = Prop::text(
    "kafka.bootstrap.servers",
    "brokers to connect to (host:port, comma-separated); else found through zookeeperConnect",
);
pub const TOPICS: Prop = Prop::new(
    "kafka.topics",
    Type::List,
    registry::Default::None,
    "topics to read, comma-separated (one of kafka.topics and kafka.topics.regex is required)",
)
.legacy(&["topic"]);
pub const TOPICS_REGEX: Prop = Prop::text(
    "kafka.topics.regex",
    "pattern of the topics to read (wins over kafka.topics)",
);
pub const GROUP_ID: Prop = Prop::string(
    "kafka.consumer.group.id",
    "flume",
    "consumer group of the source",
)
.legacy(&["groupId"]);
/// Declared for its Flume 1.6 name; the value goes to the consumer with the other
/// `kafka.consumer.*` keys (the client's default, `latest`, when unset).
pub const AUTO_OFFSET_RESET: Prop = Prop::string(
    "kafka.consumer.auto.offset.reset",
    "latest",
    "where a group without committed offsets starts (`smallest`/`largest` of the old name are translated)",
)
.legacy(&["kafka.auto.offset.reset"]);
pub const BATCH_SIZE: Prop = Prop::int(
    "batchSize",
    1000,
    "most events put into the channel at once",
)
.batch_size();
pub const BATCH_DURATION: Prop = Prop::int(
    "batchDurationMillis",
    1000,
    "ms a batch may take to fill before it is put",
);
pub const BACKOFF_INCREMENT: Prop = Prop::long(
    "backoffSleepIncrement",
    1000,
    "ms added to the pause after each empty poll or full channel",
);
pub const MAX_BACKOFF: Prop = Prop::long("maxBackoffSleep", 5000, "longest pause in ms");
pub const USE_FLUME_EVENT_FORMAT: Prop = Prop::bool(
    "useFlumeEventFormat",
    false,
    "record value = an AvroFlumeEvent datum (headers and body)",
);
pub const SET_TOPIC_HEADER: Prop = Prop::bool(
    "setTopicHeader",
    true,
    "put the record's topic into the topicHeader header",
);
pub const TOPIC_HEADER: Prop = Prop::string(
    "topicHeader",
    "topic",
    "header that gets the record's topic",
);

/// `org.apache.flume.source.kafka.KafkaSource` keys (legacy names: [`KAFKA_SOURCE`] renames).
pub const PROPS: PropTable = PropTable::new(&[
    BOOTSTRAP_SERVERS,
    TOPICS,
    TOPICS_REGEX,
    GROUP_ID,
    AUTO_OFFSET_RESET,
    BATCH_SIZE,
    BATCH_DURATION,
    BACKOFF_INCREMENT,
    MAX_BACKOFF,
    USE_FLUME_EVENT_FORMAT,
    SET_TOPIC_HEADER,
    TOPIC_HEADER,
    ZOOKEEPER_CONNECT,
    MIGRATE_ZOOKEEPER_OFFSETS,
])
.with_prefixes(&[
    Prefix::pass_through(
        "kafka.consumer.",
        "Kafka consumer settings, passed to the client",
    ),
    Prefix::user_named(
        "header.",
        "`header.<flumeHeader> = <kafkaHeader>`: a record header copied into an event header",
    ),
]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "org.apache.flume.source.kafka.KafkaSource",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(crate::source::Pollable(KafkaSource::from_context(name, ctx)?)))
    },
};

#[derive(Debug, Clone)]
pub struct KafkaSourceConfig {
    pub brokers: Brokers,
    pub subscription: Subscription,
    pub group_id: String,
    pub batch_size: usize,
    pub batch_duration: Duration,
    pub backoff_increment: Duration,
    pub max_backoff: Duration,
    pub use_flume_event_format: bool,
    pub set_topic_header: bool,
    pub topic_header: String,
    /// `header.<flumeHeader> = <kafkaHeader>`.
    pub header_map: Vec<(String, String)>,
    /// Consumer properties without `bootstrap.servers` (resolved at start).
    pub consumer: ClientProps,
}

impl KafkaSourceConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let legacy = Legacy::new(ctx, KAFKA_SOURCE);
        let subscription = match ctx.value(&TOPICS_REGEX) {
            Some(regex) => {
                // Java regex syntax is close to librdkafka's for topic patterns; reject what
                // neither can compile early.
                regex::Regex::new(regex).map_err(|e| {
                    ctx.error(
                        TOPICS_REGEX.name,
                        format!("invalid regular expression: {e}"),
                    )
                })?;
                let _ = legacy.get(TOPICS.name);
                Subscription::Pattern(regex.to_string())
            }
            None => match legacy.get(TOPICS.name) {
                Some(found) => {
                    let topics = k::topic_list(&found.value);
                    if topics.is_empty() {
                        return Err(
                            ctx.error(&found.key, "At least one Kafka topic must be specified.")
                        );
                    }
                    Subscription::Topics(topics)
                }
                None => {
                    return Err(
                        ctx.error(TOPICS.name, "At least one Kafka topic must be specified.")
                    );
                }
            },
        };
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(
                BATCH_SIZE.name,
                format!("expected a positive integer, got {batch_size}"),
            ));
        }
        let batch_duration = ctx.get_int(&BATCH_DURATION)?;
        let backoff_increment = ctx.get_long(&BACKOFF_INCREMENT)?;
        let max_backoff = ctx.get_long(&MAX_BACKOFF)?;
        let group_id = legacy
            .get(GROUP_ID.name)
            .map(|f| f.value)
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| {
                let group = GROUP_ID.default_str();
                tracing::info!("Group ID was not specified. Using {group} as the group id.");
                group.to_string()
            });
        let header_map = ctx.sub("header.").pairs();

        // `kafka.auto.offset.reset` (Flume 1.6) counts only when the current key is absent.
        let extra: Vec<(String, String)> = legacy.renamed_under("kafka.consumer.");
        let extra: Vec<(String, String)> =
            extra.into_iter().filter(|(k, _)| k != "group.id").collect();
        let mut consumer = k::consumer_props(ctx, &[], &extra)?;
        consumer.set("group.id", group_id.clone());
        client::validate(&consumer, &ctx.sub("kafka.consumer."))?;

        let brokers = k::brokers(&legacy, true, consumer.get("security.protocol"))?;
        if ctx.get_bool(&MIGRATE_ZOOKEEPER_OFFSETS) && matches!(brokers, Brokers::ZooKeeper { .. })
        {
            tracing::warn!(
                "{}: offsets stored in ZooKeeper by Flume 1.6 are not migrated; the group's offsets in Kafka (or auto.offset.reset) decide where reading starts",
                ctx.component()
            );
        }

        Ok(KafkaSourceConfig {
            brokers,
            subscription,
            group_id,
            batch_size: batch_size as usize,
            batch_duration: Duration::from_millis(batch_duration.max(0) as u64),
            backoff_increment: Duration::from_millis(backoff_increment.max(0) as u64),
            max_backoff: Duration::from_millis(max_backoff.max(0) as u64),
            use_flume_event_format: ctx.get_bool(&USE_FLUME_EVENT_FORMAT),
            set_topic_header: ctx.get_bool(&SET_TOPIC_HEADER),
            topic_header: ctx.get_string(&TOPIC_HEADER),
            header_map,
            consumer,
        })
    }
}

/// The records of the batch in hand (not yet committed to Kafka) and their events. The
/// events go to the channel by value; if the put fails they are built again from the records.
#[derive(Default)]
struct Batch {
    records: Vec<Record>,
    events: Vec<Event>,
}

pub struct KafkaSource {
    name: String,
    config: KafkaSourceConfig,
    consumer: Option<ConsumerHandle>,
    batch: Batch,
    counter: Arc<KafkaSourceCounter>,
}

#[derive(Debug, thiserror::Error)]
pub enum KafkaSourceError {
    #[error(transparent)]
    ZooKeeper(#[from] k::zookeeper::ZkError),
    #[error(transparent)]
    Consumer(#[from] k::consumer::ConsumerError),
}

impl KafkaSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(KafkaSource {
            name: name.to_string(),
            config: KafkaSourceConfig::from_context(ctx)?,
            consumer: None,
            batch: Batch::default(),
            counter: KafkaSourceCounter::new(name),
        })
    }

    async fn connect(&mut self) -> Result<(), KafkaSourceError> {
        let servers = self.config.brokers.resolve(&self.name).await?;
        let mut props = self.config.consumer.clone();
        props.set("bootstrap.servers", servers);
        tracing::info!(source = %self.name, "Starting KafkaSource {}... consumer properties: {}", self.name, props.redacted());
        let with_headers = !self.config.header_map.is_empty();
        let consumer =
            ConsumerHandle::spawn(&self.name, &props, &self.config.subscription, with_headers)
                .await?;
        tracing::info!("Kafka source {} started.", self.name);
        self.consumer = Some(consumer);
        Ok(())
    }

    async fn close(&mut self) {
        if let Some(consumer) = self.consumer.take() {
            consumer.close(k::CLOSE_BOUND).await;
        }
    }
}

/// The event Flume builds from a record (1.11 header rules; vector `ksrc-derived-headers`).
pub fn event_of(
    record: &Record,
    config: &KafkaSourceConfig,
) -> Result<Event, avro_event::DecodeError> {
    let (mut headers, body) = if config.use_flume_event_format {
        let event = avro_event::decode(&record.value)?;
        (event.headers, event.body)
    } else {
        (Headers::with_capacity(5), record.value.clone())
    };
    if !headers.contains_key("timestamp") {
        // Flume 1.10+: the record's timestamp (Java's -1 when the record has none).
        let ts = record.timestamp.unwrap_or(-1);
        headers.insert("timestamp".into(), ts.to_string());
    }
    if config.set_topic_header && !headers.contains_key(&config.topic_header) {
        headers.insert(config.topic_header.clone(), record.topic.to_string());
    }
    if !headers.contains_key("partition") {
        headers.insert("partition".into(), record.partition.to_string());
    }
    if !headers.contains_key("offset") {
        headers.insert("offset".into(), record.offset.to_string());
    }
    for (flume_header, kafka_header) in &config.header_map {
        let last = record
            .headers
            .iter()
            .rev()
            .find(|(name, _)| name == kafka_header);
        if let Some((_, Some(value))) = last {
            headers.insert(
                flume_header.clone(),
                String::from_utf8_lossy(value).into_owned(),
            );
        }
    }
    if let Some(key) = &record.key {
        headers.insert("key".into(), String::from_utf8_lossy(key).into_owned());
    }
    Ok(Event { headers, body })
}

/// The next offsets to read per partition, for a committed batch.
fn next_offsets(records: &[Record]) -> Vec<(Arc<str>, i32, i64)> {
    let mut next: BTreeMap<(Arc<str>, i32), i64> = BTreeMap::new();
    for p in records {
        let entry = next.entry((Arc::clone(&p.topic), p.partition)).or_insert(0);
        *entry = (*entry).max(p.offset + 1);
    }
    next.into_iter().map(|((t, p), o)| (t, p, o)).collect()
}

#[async_trait]
impl PollableSource for KafkaSource {
    async fn process(&mut self, cx: &SourceContext) -> Result<Status, SourceError> {
        if self.consumer.is_none()
            && let Err(e) = self.connect().await
        {
            return Err(SourceError::Other(format!(
                "Unable to create consumer: {e}"
            )));
        }
        let Some(consumer) = self.consumer.as_ref() else {
            return Ok(Status::Backoff);
        };
        let c = &self.counter;
        let started = Instant::now();
        let deadline = started + self.config.batch_duration;
        let batch_size = self.config.batch_size;

        let batch = &mut self.batch;
        if batch.events.len() < batch.records.len() {
            // The last put failed: build the events again (the records decoded before).
            batch.events = batch
                .records
                .iter()
                .filter_map(|r| event_of(r, &self.config).ok())
                .collect();
        }
        while batch.records.len() < batch_size {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let polled = match consumer
                .poll(batch_size - batch.records.len(), deadline - now)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    // The consumer thread is gone: start a new consumer next time.
                    self.consumer = None;
                    return Err(SourceError::Other(format!("KafkaSource EXCEPTION, {e}")));
                }
            };
            let rebalanced = !polled.revoked.is_empty();
            if rebalanced {
                let revoked = |r: &Record| {
                    polled
                        .revoked
                        .iter()
                        .any(|(t, part)| **t == *r.topic && *part == r.partition)
                };
                let before = batch.records.len();
                let (records, events): (Vec<Record>, Vec<Event>) =
                    std::mem::take(&mut batch.records)
                        .into_iter()
                        .zip(std::mem::take(&mut batch.events))
                        .filter(|(r, _)| !revoked(r))
                        .unzip();
                batch.records = records;
                batch.events = events;
                if before != batch.records.len() {
                    tracing::info!(source = %self.name, given_back = before - batch.records.len(), "records of revoked partitions given back uncommitted");
                }
            }
            let empty = polled.records.is_empty();
            let mut bad = false;
            for record in polled.records {
                match event_of(&record, &self.config) {
                    Ok(event) => {
                        batch.events.push(event);
                        batch.records.push(record);
                    }
                    Err(e) => {
                        // Flume logs the exception and goes on past the record.
                        tracing::error!(source = %self.name, topic = %record.topic, partition = record.partition, offset = record.offset, "KafkaSource EXCEPTION, {e}: the record is not an AvroFlumeEvent (useFlumeEventFormat = true); skipped");
                        bad = true;
                    }
                }
            }
            if rebalanced || bad {
                break;
            }
            if empty {
                // Flume increments this only when its debug logging is on.
                if tracing::enabled!(tracing::Level::DEBUG) {
                    c.kafka_empty.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
        }

        if batch.records.is_empty() {
            return Ok(Status::Backoff);
        }
        add_millis(&c.kafka_event_get_timer, started);
        let n = batch.records.len() as u64;
        c.event_received.fetch_add(n, Ordering::Relaxed);
        let events = std::mem::take(&mut batch.events);
        if let Err(e) = cx.processor.process_batch(events).await {
            // The records are kept: their events are offered again on the next process().
            tracing::error!(source = %self.name, "KafkaSource EXCEPTION, {e}");
            return Ok(Status::Backoff);
        }
        c.event_accepted.fetch_add(n, Ordering::Relaxed);
        let offsets = next_offsets(&batch.records);
        batch.records.clear();
        let commit_start = Instant::now();
        match consumer.commit(offsets).await {
            Ok(()) => {
                add_millis(&c.kafka_commit_timer, commit_start);
                Ok(Status::Ready)
            }
            Err(e) => {
                // The events are in the channel; they will be read again (at-least-once).
                tracing::error!(source = %self.name, "KafkaSource EXCEPTION, {e}");
                Ok(Status::Backoff)
            }
        }
    }

    fn backoff(&self) -> (Duration, Duration) {
        (self.config.backoff_increment, self.config.max_backoff)
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }

    async fn stop(&mut self) {
        self.close().await;
        tracing::info!("Kafka Source {} stopped.", self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    /// The deprecated names the source reads (`config::legacy`) are the table's legacy names.
    #[test]
    fn table_legacy_names_match_the_renames() {
        crate::config::legacy::assert_table_matches_renames(KAFKA_SOURCE, &PROPS, &[]);
    }

    fn config(pairs: &[(&str, &str)]) -> Result<KafkaSourceConfig, ConfigError> {
        let ctx = Context::from_pairs("a1.sources.r1.", pairs.iter().copied());
        KafkaSourceConfig::from_context(&ctx)
    }

    fn record() -> Record {
        Record {
            topic: Arc::from("t1"),
            partition: 2,
            offset: 77,
            timestamp: Some(1_700_000_000_000),
            key: Some(Bytes::from_static(b"k")),
            value: Bytes::from_static(b"body"),
            headers: vec![("trace".into(), Some(Bytes::from_static(b"abc")))],
        }
    }

    #[test]
    fn vector_ksrc_derived_headers() {
        let cfg = config(&[
            ("kafka.bootstrap.servers", "h:9092"),
            ("kafka.topics", "t1"),
            ("useFlumeEventFormat", "false"),
            ("setTopicHeader", "true"),
        ])
        .unwrap();
        let e = event_of(&record(), &cfg).unwrap();
        assert_eq!(e.body, Bytes::from_static(b"body"));
        let h: Vec<(&str, &str)> = e
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            h,
            [
                ("timestamp", "1700000000000"),
                ("topic", "t1"),
                ("partition", "2"),
                ("offset", "77"),
                ("key", "k")
            ]
        );
    }

    #[test]
    fn flume_event_format_keeps_its_headers_but_key_overwrites() {
        let cfg = config(&[
            ("kafka.bootstrap.servers", "h:9092"),
            ("kafka.topics", "t1"),
            ("useFlumeEventFormat", "true"),
            ("header.traceId", "trace"),
        ])
        .unwrap();
        let mut inner = Headers::new();
        inner.insert("timestamp".into(), "5".into());
        inner.insert("key".into(), "old".into());
        let mut r = record();
        r.value = avro_event::encode(&Event::with_headers(inner, "payload"));
        let e = event_of(&r, &cfg).unwrap();
        assert_eq!(e.header("timestamp"), Some("5"));
        assert_eq!(e.header("key"), Some("k"));
        assert_eq!(e.header("traceId"), Some("abc"));
        assert_eq!(e.body, Bytes::from_static(b"payload"));
        r.value = Bytes::from_static(b"\xffnot avro");
        assert!(event_of(&r, &cfg).is_err());
    }

    #[test]
    fn old_names_and_defaults() {
        let cfg = config(&[
            ("zookeeperConnect", "zk1:2181/kafka"),
            ("topic", "logs"),
            ("groupId", "new"),
            ("kafka.auto.offset.reset", "smallest"),
        ])
        .unwrap();
        assert_eq!(cfg.subscription, Subscription::Topics(vec!["logs".into()]));
        assert_eq!(cfg.group_id, "new");
        assert_eq!(cfg.consumer.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(cfg.consumer.get("group.id"), Some("new"));
        assert_eq!(
            cfg.brokers,
            Brokers::ZooKeeper {
                connect: "zk1:2181/kafka".into(),
                protocol: "PLAINTEXT".into()
            }
        );
        assert_eq!(cfg.batch_size, 1000);
        let cfg = config(&[("kafka.bootstrap.servers", "h:1"), ("kafka.topics", "a")]).unwrap();
        assert_eq!(cfg.group_id, "flume");
        // New names win over old ones.
        let cfg = config(&[
            ("kafka.bootstrap.servers", "h:1"),
            ("kafka.topics.regex", "^logs-.*"),
            ("topic", "x"),
            ("groupId", "old"),
            ("kafka.consumer.group.id", "g"),
        ])
        .unwrap();
        assert_eq!(cfg.subscription, Subscription::Pattern("^logs-.*".into()));
        assert_eq!(cfg.group_id, "g");
    }

    #[test]
    fn missing_topic_or_brokers_is_a_config_error() {
        let e = config(&[("kafka.bootstrap.servers", "h:1")]).unwrap_err();
        assert!(e.message.contains("At least one Kafka topic"), "{e}");
        let e = config(&[("kafka.topics", "t")]).unwrap_err();
        assert!(
            e.message.contains("Bootstrap Servers must be specified"),
            "{e}"
        );
    }

    #[test]
    fn commits_next_offset_per_partition() {
        let t: Arc<str> = Arc::from("t");
        let p = |partition, offset| Record {
            topic: Arc::clone(&t),
            partition,
            offset,
            timestamp: None,
            key: None,
            value: Bytes::new(),
            headers: Vec::new(),
        };
        let offsets = next_offsets(&[p(0, 5), p(1, 3), p(0, 6)]);
        assert_eq!(
            offsets,
            vec![(Arc::clone(&t), 0, 7), (Arc::clone(&t), 1, 4)]
        );
    }
}
