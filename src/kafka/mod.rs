//! What the Kafka source, sink and channel share: Java client properties → librdkafka
//! ([`client`]), a group consumer on its own thread ([`consumer`]), batch sending that waits
//! for every acknowledgement ([`producer`]), broker discovery from ZooKeeper ([`zookeeper`]),
//! their counters with Flume's attribute names ([`metrics`]), and the small rules the three
//! components have in common (topic lists, partition headers, where the brokers are).

pub mod client;
pub mod consumer;
pub mod metrics;
pub mod producer;
pub mod zookeeper;

use std::time::Duration;

use crate::config::{ConfigError, Context};
use crate::event::Headers;
use crate::registry::Prop;
use client::ClientProps;

/// How long a consumer or producer may take to close before it is abandoned.
pub const CLOSE_BOUND: Duration = Duration::from_secs(10);

/// Where the brokers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Brokers {
    /// `kafka.bootstrap.servers` (or `brokerList`).
    Bootstrap(String),
    /// Only `zookeeperConnect` was given: read the registrations at start.
    ZooKeeper { connect: String, protocol: String },
}

impl Brokers {
    /// `bootstrap.servers`, asking ZooKeeper when that is how the brokers are configured.
    pub async fn resolve(&self, component: &str) -> Result<String, zookeeper::ZkError> {
        match self {
            Brokers::Bootstrap(s) => Ok(s.clone()),
            Brokers::ZooKeeper { connect, protocol } => {
                let servers =
                    zookeeper::lookup_bootstrap(connect, protocol, Duration::from_secs(10)).await?;
                tracing::info!(%component, zookeeper = %connect, bootstrap = %servers, "Kafka brokers found in ZooKeeper");
                Ok(servers)
            }
        }
    }
}

/// Flume's topic list split (`^\s+|\s*,\s*|\s+$`, on an already trimmed value).
pub fn topic_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The partition for an event: the `partitionIdHeader` value if the event has it, else
/// `defaultPartitionId`, else none (the partitioner decides). A header value that is not an
/// integer is Flume's "Non integer partition id specified".
pub fn partition_for(
    headers: &Headers,
    partition_header: Option<&str>,
    default_partition: Option<i32>,
) -> Result<Option<i32>, String> {
    if let Some(name) = partition_header
        && let Some(value) = headers.get(name)
    {
        return crate::java::parse_int(value)
            .map(Some)
            .ok_or_else(|| "Non integer partition id specified".to_string());
    }
    Ok(default_partition)
}

/// Producer settings where librdkafka's default differs from that of the Java client Flume
/// 1.9 ships (kafka-clients 2.0.1) in ways a user can observe (the full list, with the ones
/// that agree, is in docs/kafka.md):
/// * `partitioner`: Java's murmur2, so Java Flume agents and ours put a key in one partition;
/// * `acks`: Java's `1` (librdkafka: all); Flume's sink and channel set their own;
/// * `retries`: Java 2.0.1's `0` (librdkafka: 2147483647): a failed send fails the batch and
///   the sink or channel takes it again, as in Flume, instead of retrying inside the client;
/// * `message.timeout.ms`: 2.0.1 has no `delivery.timeout.ms`; a batch that cannot be sent
///   expires after `request.timeout.ms` (30 s; librdkafka's own local timeout is 300 s);
/// * `linger.ms = 1` instead of Java's 0: Java sends at once and batches what accumulates
///   while a request is in flight; librdkafka's 5 ms default delays every batch the sink and
///   channel wait for (141 k events/s against 360 k with 1 ms, and 232 k with 0, in
///   `benches/kafka_throughput.sh`'s sink flow), and at 0 it sends many tiny requests. The
///   records, their order and partitions are the same; a send waits at most 1 ms longer.
/// * `sticky.partitioning.linger.ms = 0`: kafka-clients 2.0.1 spreads records without a key
///   over the partitions one by one; librdkafka (like Java clients from 2.4) sticks to one
///   partition for 10 ms, so a whole Flume batch of keyless events lands in one partition.
///
/// The user's own settings override them.
pub const JAVA_PRODUCER_DEFAULTS: &[(&str, &str)] = &[
    ("partitioner", "murmur2_random"),
    ("acks", "1"),
    ("retries", "0"),
    ("message.timeout.ms", "30000"),
    ("linger.ms", "1"),
    ("sticky.partitioning.linger.ms", "0"),
];

/// Consumer settings where librdkafka's default differs from kafka-clients 2.0.1's: the group
/// session timeout (Java 10 s, librdkafka 45 s) decides how long a group waits for a member
/// that died (an agent killed with -9) before its partitions go to the others or to the
/// restarted agent. (`heartbeat.interval.ms` 3000, `max.poll.interval.ms` 300000,
/// `auto.offset.reset` latest agree; Flume sets `enable.auto.commit = false` itself.)
pub const JAVA_CONSUMER_DEFAULTS: &[(&str, &str)] = &[("session.timeout.ms", "10000")];

/// Producer properties: Java defaults, then Flume's defaults for the component, then the
/// user's `kafka.producer.*` (translated), then what the component forces.
pub fn producer_props(
    ctx: &Context,
    flume_defaults: &[(&str, &str)],
    extra: &[(String, String)],
) -> Result<ClientProps, ConfigError> {
    let sub = ctx.sub("kafka.producer.");
    let user = client::translate(&sub, client::Role::Producer, extra)?;
    let mut props = ClientProps::default();
    for (k, v) in JAVA_PRODUCER_DEFAULTS.iter().chain(flume_defaults) {
        props.set(k, *v);
    }
    for (k, v) in user.entries {
        props.set(&k, v);
    }
    Ok(props)
}

/// Consumer properties: Java defaults, then Flume's defaults for the component, then the
/// user's `kafka.consumer.*` (translated).
pub fn consumer_props(
    ctx: &Context,
    flume_defaults: &[(&str, &str)],
    extra: &[(String, String)],
) -> Result<ClientProps, ConfigError> {
    let sub = ctx.sub("kafka.consumer.");
    let user = client::translate(&sub, client::Role::Consumer, extra)?;
    let mut props = ClientProps::default();
    for (k, v) in JAVA_CONSUMER_DEFAULTS.iter().chain(flume_defaults) {
        props.set(k, *v);
    }
    for (k, v) in user.entries {
        props.set(&k, v);
    }
    Ok(props)
}

/// Where the brokers are, from `kafka.bootstrap.servers` (or its deprecated name) or, failing
/// that, `zookeeperConnect`. `allow_zookeeper` is false for the sink, which never accepted it.
pub fn brokers(
    legacy: &crate::config::legacy::Legacy<'_>,
    allow_zookeeper: bool,
    security_protocol: Option<&str>,
) -> Result<Brokers, ConfigError> {
    let ctx = legacy.context();
    if let Some(found) = legacy.get("kafka.bootstrap.servers") {
        // zookeeperConnect is still read (Flume reads it for offset migration).
        if allow_zookeeper {
            ctx.mark_read("zookeeperConnect");
        }
        return Ok(Brokers::Bootstrap(found.value));
    }
    if allow_zookeeper && let Some(connect) = ctx.get("zookeeperConnect") {
        legacy.warn_once("zookeeperConnect", "kafka.bootstrap.servers");
        return Ok(Brokers::ZooKeeper {
            connect: connect.to_string(),
            protocol: security_protocol
                .unwrap_or("PLAINTEXT")
                .to_ascii_uppercase(),
        });
    }
    Err(ctx.error(
        "kafka.bootstrap.servers",
        "Bootstrap Servers must be specified",
    ))
}

/// Keys of the Kafka source and channel (both consume with a group) from Flume 1.6's
/// ZooKeeper-based client.
pub const ZOOKEEPER_CONNECT: Prop = Prop::text(
    "zookeeperConnect",
    "ZooKeeper to find the brokers in when kafka.bootstrap.servers is unset (deprecated)",
);
pub const MIGRATE_ZOOKEEPER_OFFSETS: Prop = Prop::bool(
    "migrateZookeeperOffsets",
    true,
    "copy the group's offsets from ZooKeeper (Flume 1.6) to Kafka",
)
.no_effect(
    "offsets in ZooKeeper are not migrated: the group's offsets in Kafka (or auto.offset.reset) \
     decide where reading starts (warned at start)",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The client properties a component gets when the configuration sets none: Java's
    /// kafka-clients 2.0.1 defaults where librdkafka's differ, then Flume's own.
    #[test]
    fn kafka_client_defaults_are_java_2_0_1s_unless_configured() {
        let ctx = Context::from_pairs("a1.channels.c1.", Vec::<(String, String)>::new());
        let consumer = consumer_props(&ctx, &[("auto.offset.reset", "earliest")], &[]).unwrap();
        assert_eq!(consumer.get("session.timeout.ms"), Some("10000"));
        assert_eq!(consumer.get("auto.offset.reset"), Some("earliest"));
        let producer = producer_props(&ctx, &[("acks", "all")], &[]).unwrap();
        assert_eq!(producer.get("retries"), Some("0"));
        assert_eq!(producer.get("message.timeout.ms"), Some("30000"));
        assert_eq!(producer.get("partitioner"), Some("murmur2_random"));
        assert_eq!(producer.get("linger.ms"), Some("1"));
        assert_eq!(
            producer.get("acks"),
            Some("all"),
            "Flume's component default wins"
        );
        let sink = producer_props(&ctx, &[], &[]).unwrap();
        assert_eq!(sink.get("acks"), Some("1"), "Java's default");

        // What the configuration sets wins.
        let ctx = Context::from_pairs(
            "a1.channels.c1.",
            [
                ("kafka.consumer.session.timeout.ms", "30000"),
                ("kafka.producer.retries", "3"),
                ("kafka.producer.linger.ms", "0"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let consumer = consumer_props(&ctx, &[], &[]).unwrap();
        assert_eq!(consumer.get("session.timeout.ms"), Some("30000"));
        let producer = producer_props(&ctx, &[], &[]).unwrap();
        assert_eq!(producer.get("retries"), Some("3"));
        assert_eq!(producer.get("linger.ms"), Some("0"));
    }

    #[test]
    fn topics_split_like_flume() {
        // Vector ksrc-derived-topics-split (the value is trimmed at load, as Flume does).
        assert_eq!(
            topic_list("test1, test2 ,test3"),
            ["test1", "test2", "test3"]
        );
        assert_eq!(topic_list("one"), ["one"]);
    }

    #[test]
    fn partition_header_overrides_default() {
        let mut h = Headers::new();
        h.insert("part".into(), "4".into());
        assert_eq!(partition_for(&h, Some("part"), Some(1)), Ok(Some(4)));
        assert_eq!(
            partition_for(&Headers::new(), Some("part"), Some(1)),
            Ok(Some(1))
        );
        assert_eq!(partition_for(&Headers::new(), None, None), Ok(None));
        h.insert("part".into(), "x".into());
        assert_eq!(
            partition_for(&h, Some("part"), None),
            Err("Non integer partition id specified".into())
        );
    }
}
