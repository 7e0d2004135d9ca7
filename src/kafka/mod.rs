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

/// Settings where librdkafka's default differs from the Java client Flume ships, in ways a
/// user can observe: which partition a key lands in (Java's murmur2, so Java Flume agents
/// and ours put the same key in the same partition), how long a send may take before it
/// fails (Java's `delivery.timeout.ms` of 2 minutes), and how long a record waits for
/// company: Java's `linger.ms` is 0 and batches what accumulates while a request is in
/// flight; librdkafka's 5 ms default delays every batch the sink and channel wait for (141 k
/// events/s against 360 k with 1 ms, and 232 k with 0, in `benches/kafka_throughput.sh`'s sink
/// flow). The user's own settings override them.
pub const JAVA_PRODUCER_DEFAULTS: &[(&str, &str)] = &[
    ("partitioner", "murmur2_random"),
    ("message.timeout.ms", "120000"),
    ("linger.ms", "1"),
];

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

/// Consumer properties: Flume's defaults for the component, then the user's
/// `kafka.consumer.*` (translated).
pub fn consumer_props(
    ctx: &Context,
    flume_defaults: &[(&str, &str)],
    extra: &[(String, String)],
) -> Result<ClientProps, ConfigError> {
    let sub = ctx.sub("kafka.consumer.");
    let user = client::translate(&sub, client::Role::Consumer, extra)?;
    let mut props = ClientProps::default();
    for (k, v) in flume_defaults {
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

#[cfg(test)]
mod tests {
    use super::*;

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
