//! Old property names → current ones, per component type: the names Flume 1.6 and earlier
//! used (and Flume 1.7–1.11 still translate, FLUME-2896), so that configurations written for
//! those versions run unchanged. A deprecated name is used only when the current name is
//! absent, and reading it warns once, naming the current key — Flume's
//! `<old> is deprecated. Please use the parameter <new>`.
//!
//! Not every old setting is a rename: `zookeeperConnect` (broker discovery) and
//! `migrateZookeeperOffsets` are read by the Kafka components themselves.

use std::collections::BTreeSet;
use std::sync::Mutex;

use super::context::{ConfigError, Context};
use crate::java;

/// Component types that have deprecated names (their registry aliases).
pub const KAFKA_SOURCE: &str = "org.apache.flume.source.kafka.KafkaSource";
pub const KAFKA_SINK: &str = "org.apache.flume.sink.kafka.KafkaSink";
pub const KAFKA_CHANNEL: &str = "org.apache.flume.channel.kafka.KafkaChannel";

/// One deprecated name.
pub struct Rename {
    /// The component type (registry alias) the name belongs to.
    pub component: &'static str,
    pub old: &'static str,
    pub new: &'static str,
    /// How an old value reads under the new name (e.g. `smallest` → `earliest`).
    pub value: fn(&str) -> String,
}

fn same(v: &str) -> String {
    v.to_string()
}

/// Kafka 0.8's `auto.offset.reset` values, as Flume 1.6 passed them to the old consumer.
fn old_offset_reset(v: &str) -> String {
    match v.trim() {
        "smallest" => "earliest".into(),
        "largest" => "latest".into(),
        other => other.to_string(),
    }
}

/// `readSmallestOffset` is a boolean (`Context.getBoolean`): true → earliest, else latest.
fn read_smallest_offset(v: &str) -> String {
    if java::parse_boolean(v) {
        "earliest".into()
    } else {
        "latest".into()
    }
}

/// The table. Flume's sources of truth: `KafkaSource.translateOldProperties`,
/// `KafkaSink.translateOldProps`, `KafkaChannel.translateOldProps` (Flume 1.7–1.11), and the
/// Flume 1.6 Kafka source, which passed every `kafka.*` key to Kafka 0.8's consumer.
pub const RENAMES: &[Rename] = &[
    // Kafka source.
    Rename {
        component: KAFKA_SOURCE,
        old: "topic",
        new: "kafka.topics",
        value: same,
    },
    Rename {
        component: KAFKA_SOURCE,
        old: "groupId",
        new: "kafka.consumer.group.id",
        value: same,
    },
    Rename {
        component: KAFKA_SOURCE,
        old: "kafka.auto.offset.reset",
        new: "kafka.consumer.auto.offset.reset",
        value: old_offset_reset,
    },
    // Kafka sink.
    Rename {
        component: KAFKA_SINK,
        old: "topic",
        new: "kafka.topic",
        value: same,
    },
    Rename {
        component: KAFKA_SINK,
        old: "brokerList",
        new: "kafka.bootstrap.servers",
        value: same,
    },
    Rename {
        component: KAFKA_SINK,
        old: "batchSize",
        new: "flumeBatchSize",
        value: same,
    },
    Rename {
        component: KAFKA_SINK,
        old: "requiredAcks",
        new: "kafka.producer.acks",
        value: same,
    },
    // Kafka channel.
    Rename {
        component: KAFKA_CHANNEL,
        old: "topic",
        new: "kafka.topic",
        value: same,
    },
    Rename {
        component: KAFKA_CHANNEL,
        old: "brokerList",
        new: "kafka.bootstrap.servers",
        value: same,
    },
    Rename {
        component: KAFKA_CHANNEL,
        old: "groupId",
        new: "kafka.consumer.group.id",
        value: same,
    },
    Rename {
        component: KAFKA_CHANNEL,
        old: "readSmallestOffset",
        new: "kafka.consumer.auto.offset.reset",
        value: read_smallest_offset,
    },
];

/// The deprecated names of one component type.
pub fn renames(component: &str) -> impl Iterator<Item = &'static Rename> + '_ {
    RENAMES.iter().filter(move |r| r.component == component)
}

/// For the components' table tests: the deprecated names `component` reads are exactly the
/// legacy names of its property table, each under the key it renames to. `not_renames` are
/// legacy names the table has for another reason (a spelling of the user guide).
#[cfg(test)]
pub fn assert_table_matches_renames(
    component: &str,
    table: &crate::registry::PropTable,
    not_renames: &[&str],
) {
    let renames: Vec<_> = renames(component).collect();
    assert!(!renames.is_empty(), "{component} has no renames");
    for r in &renames {
        let prop = table
            .find(r.new)
            .unwrap_or_else(|| panic!("{} is not in the table", r.new));
        assert!(prop.legacy.contains(&r.old), "{} lacks {}", r.new, r.old);
    }
    for prop in table.all() {
        for old in prop.legacy.iter().filter(|o| !not_renames.contains(o)) {
            assert!(
                renames.iter().any(|r| r.old == *old && r.new == prop.name),
                "{old} → {} is not a rename",
                prop.name
            );
        }
    }
}

/// A value found under its current or its deprecated name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The key it was read from (relative to the component), for error messages.
    pub key: String,
    pub value: String,
}

/// Reads a component's properties, falling back to the deprecated names of its type.
pub struct Legacy<'a> {
    ctx: &'a Context,
    component: &'static str,
}

static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

impl<'a> Legacy<'a> {
    pub fn new(ctx: &'a Context, component: &'static str) -> Self {
        Legacy { ctx, component }
    }

    pub fn context(&self) -> &'a Context {
        self.ctx
    }

    /// The value of `new_key`, else of its deprecated name (translated, with a warning).
    pub fn get(&self, new_key: &str) -> Option<Found> {
        if let Some(v) = self.ctx.get(new_key) {
            return Some(Found {
                key: new_key.to_string(),
                value: v.to_string(),
            });
        }
        for rename in renames(self.component).filter(|r| r.new == new_key) {
            if let Some(v) = self.ctx.get(rename.old) {
                self.warn_once(rename.old, new_key);
                return Some(Found {
                    key: rename.old.to_string(),
                    value: (rename.value)(v),
                });
            }
        }
        None
    }

    /// Flume's deprecation warning, once per full key per process (reloads do not repeat it).
    pub fn warn_once(&self, old_key: &str, new_key: &str) {
        let full = self.ctx.full_key(old_key);
        let first = WARNED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(full.clone());
        if first {
            tracing::warn!(
                "{full} is deprecated. Please use the parameter {}",
                self.ctx.full_key(new_key)
            );
        }
    }

    pub fn string(&self, new_key: &str, default: &str) -> String {
        self.get(new_key)
            .map(|f| f.value)
            .unwrap_or_else(|| default.to_string())
    }

    /// `Context.getInteger` under either name.
    pub fn int(&self, new_key: &str, default: i32) -> Result<i32, ConfigError> {
        match self.get(new_key) {
            None => Ok(default),
            Some(found) => java::parse_int(&found.value).ok_or_else(|| {
                self.ctx.error(
                    &found.key,
                    format!("expected an integer, got \"{}\"", found.value),
                )
            }),
        }
    }

    /// Every current key a deprecated name of this component maps into, with its value, for
    /// keys under `prefix` (e.g. `kafka.producer.`), with the prefix stripped. Used to merge
    /// `requiredAcks` into the producer properties when `kafka.producer.acks` is absent.
    pub fn renamed_under(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for rename in renames(self.component).filter(|r| r.new.starts_with(prefix)) {
            if self.ctx.contains(rename.new) {
                continue;
            }
            if let Some(found) = self.get(rename.new) {
                out.push((rename.new[prefix.len()..].to_string(), found.value));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_name_wins_old_name_is_translated() {
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [
                ("topic", "old"),
                ("brokerList", "h:1"),
                ("kafka.topic", "new"),
            ],
        );
        let l = Legacy::new(&ctx, KAFKA_SINK);
        assert_eq!(l.string("kafka.topic", "d"), "new");
        assert_eq!(
            l.get("kafka.bootstrap.servers"),
            Some(Found {
                key: "brokerList".into(),
                value: "h:1".into()
            })
        );
        // The old key was read, so it is not reported as unknown.
        let _ = ctx.get("topic");
        assert!(ctx.unread().is_empty(), "{:?}", ctx.unread());
    }

    #[test]
    fn values_are_translated() {
        let ctx = Context::from_pairs("a1.sources.r1.", [("kafka.auto.offset.reset", "smallest")]);
        let l = Legacy::new(&ctx, KAFKA_SOURCE);
        assert_eq!(l.string("kafka.consumer.auto.offset.reset", ""), "earliest");
        let ctx = Context::from_pairs("a1.channels.c1.", [("readSmallestOffset", "TRUE")]);
        let l = Legacy::new(&ctx, KAFKA_CHANNEL);
        assert_eq!(l.string("kafka.consumer.auto.offset.reset", ""), "earliest");
        let ctx = Context::from_pairs("a1.channels.c1.", [("readSmallestOffset", "yes")]);
        let l = Legacy::new(&ctx, KAFKA_CHANNEL);
        assert_eq!(l.string("kafka.consumer.auto.offset.reset", ""), "latest");
    }

    #[test]
    fn names_are_per_component_type() {
        // `batchSize` is the current name for the source, a deprecated one for the sink.
        let ctx = Context::from_pairs("a1.sinks.k1.", [("batchSize", "7")]);
        assert_eq!(
            Legacy::new(&ctx, KAFKA_SINK).int("flumeBatchSize", 100),
            Ok(7)
        );
        let ctx = Context::from_pairs("a1.sources.r1.", [("batchSize", "7")]);
        assert_eq!(
            Legacy::new(&ctx, KAFKA_SOURCE).int("flumeBatchSize", 100),
            Ok(100)
        );
    }

    #[test]
    fn bad_old_value_names_the_old_key() {
        let ctx = Context::from_pairs("a1.sinks.k1.", [("batchSize", "x")]);
        let err = Legacy::new(&ctx, KAFKA_SINK)
            .int("flumeBatchSize", 100)
            .unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.batchSize");
    }

    #[test]
    fn acks_merge_into_producer_properties() {
        let ctx = Context::from_pairs("a1.sinks.k1.", [("requiredAcks", "-1")]);
        let l = Legacy::new(&ctx, KAFKA_SINK);
        assert_eq!(
            l.renamed_under("kafka.producer."),
            vec![("acks".to_string(), "-1".to_string())]
        );
        let ctx = Context::from_pairs(
            "a1.sinks.k1.",
            [("requiredAcks", "-1"), ("kafka.producer.acks", "1")],
        );
        assert!(
            Legacy::new(&ctx, KAFKA_SINK)
                .renamed_under("kafka.producer.")
                .is_empty()
        );
    }
}
