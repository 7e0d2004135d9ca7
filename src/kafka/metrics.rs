//! Flume's `KafkaSourceCounter`, `KafkaSinkCounter` and `KafkaChannelCounter`: exactly the
//! attributes their MBeans expose (reference §13.1; no `*Fail` attributes on the source and
//! sink, `ChannelSize`/`ChannelCapacity` stay 0 on the channel).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::metrics::{BatchFill, ChannelCounter, ChannelMetrics, Lifetime, MetricSource};

fn load(c: &AtomicU64) -> String {
    c.load(Ordering::Relaxed).to_string()
}

/// Add the milliseconds elapsed since `start` to a timer (Flume's timers are cumulative ms).
pub fn add_millis(timer: &AtomicU64, start: Instant) {
    timer.fetch_add(start.elapsed().as_millis() as u64, Ordering::Relaxed);
}

#[derive(Debug, Default)]
pub struct KafkaSourceCounter {
    name: String,
    lifetime: Lifetime,
    pub append_accepted: AtomicU64,
    pub append_batch_accepted: AtomicU64,
    pub append_batch_received: AtomicU64,
    pub append_received: AtomicU64,
    pub event_accepted: AtomicU64,
    pub event_received: AtomicU64,
    pub kafka_commit_timer: AtomicU64,
    pub kafka_empty: AtomicU64,
    pub kafka_event_get_timer: AtomicU64,
    pub open_connections: AtomicU64,
}

impl KafkaSourceCounter {
    pub fn new(name: &str) -> Arc<Self> {
        Arc::new(KafkaSourceCounter {
            name: name.to_string(),
            ..Default::default()
        })
    }

    fn counters(&self) -> [(&'static str, &AtomicU64); 10] {
        [
            ("AppendAcceptedCount", &self.append_accepted),
            ("AppendBatchAcceptedCount", &self.append_batch_accepted),
            ("AppendBatchReceivedCount", &self.append_batch_received),
            ("AppendReceivedCount", &self.append_received),
            ("EventAcceptedCount", &self.event_accepted),
            ("EventReceivedCount", &self.event_received),
            ("KafkaCommitTimer", &self.kafka_commit_timer),
            ("KafkaEmptyCount", &self.kafka_empty),
            ("KafkaEventGetTimer", &self.kafka_event_get_timer),
            ("OpenConnectionCount", &self.open_connections),
        ]
    }
}

impl MetricSource for KafkaSourceCounter {
    fn kind(&self) -> &'static str {
        "SOURCE"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> = self.counters().iter().map(|(k, c)| (*k, load(c))).collect();
        self.lifetime.push(&mut out, "SOURCE");
        out
    }
    fn start(&self) {
        for (_, c) in self.counters() {
            c.store(0, Ordering::Relaxed);
        }
        self.lifetime.start();
    }
    fn stop(&self) {
        self.lifetime.stop();
    }
}

#[derive(Debug, Default)]
pub struct KafkaSinkCounter {
    name: String,
    lifetime: Lifetime,
    pub batch_complete: AtomicU64,
    pub batch_empty: AtomicU64,
    pub batch_underflow: AtomicU64,
    pub connection_closed: AtomicU64,
    pub connection_created: AtomicU64,
    pub connection_failed: AtomicU64,
    pub event_drain_attempt: AtomicU64,
    pub event_drain_success: AtomicU64,
    pub kafka_event_send_timer: AtomicU64,
    pub rollback: AtomicU64,
}

impl KafkaSinkCounter {
    /// Flume 1.9's `KafkaSink` counts empty and underflowing batches, never complete ones.
    pub fn count_batch(&self, fill: BatchFill) {
        let counter = match fill {
            BatchFill::Empty => &self.batch_empty,
            BatchFill::Underflow => &self.batch_underflow,
            BatchFill::Complete => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn new(name: &str) -> Arc<Self> {
        Arc::new(KafkaSinkCounter {
            name: name.to_string(),
            ..Default::default()
        })
    }

    fn counters(&self) -> [(&'static str, &AtomicU64); 10] {
        [
            ("BatchCompleteCount", &self.batch_complete),
            ("BatchEmptyCount", &self.batch_empty),
            ("BatchUnderflowCount", &self.batch_underflow),
            ("ConnectionClosedCount", &self.connection_closed),
            ("ConnectionCreatedCount", &self.connection_created),
            ("ConnectionFailedCount", &self.connection_failed),
            ("EventDrainAttemptCount", &self.event_drain_attempt),
            ("EventDrainSuccessCount", &self.event_drain_success),
            ("KafkaEventSendTimer", &self.kafka_event_send_timer),
            ("RollbackCount", &self.rollback),
        ]
    }
}

impl MetricSource for KafkaSinkCounter {
    fn kind(&self) -> &'static str {
        "SINK"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> = self.counters().iter().map(|(k, c)| (*k, load(c))).collect();
        self.lifetime.push(&mut out, "SINK");
        out
    }
    fn start(&self) {
        for (_, c) in self.counters() {
            c.store(0, Ordering::Relaxed);
        }
        self.lifetime.start();
    }
    fn stop(&self) {
        self.lifetime.stop();
    }
}

/// The Kafka channel's own counters, beside the common channel set.
#[derive(Debug, Default)]
pub struct KafkaChannelExtra {
    pub kafka_commit_timer: AtomicU64,
    pub kafka_event_get_timer: AtomicU64,
    pub kafka_event_send_timer: AtomicU64,
    pub rollback: AtomicU64,
}

impl KafkaChannelExtra {
    fn counters(&self) -> [(&'static str, &AtomicU64); 4] {
        [
            ("KafkaCommitTimer", &self.kafka_commit_timer),
            ("KafkaEventGetTimer", &self.kafka_event_get_timer),
            ("KafkaEventSendTimer", &self.kafka_event_send_timer),
            ("RollbackCount", &self.rollback),
        ]
    }
}

/// `CHANNEL.<name>` of a Kafka channel: the channel set (size and capacity 0, so the fill
/// percentage is `Double.MAX_VALUE`) plus the Kafka timers and rollback count.
pub struct KafkaChannelMetrics {
    pub counter: Arc<ChannelCounter>,
    pub extra: Arc<KafkaChannelExtra>,
    base: ChannelMetrics,
}

impl KafkaChannelMetrics {
    pub fn new(name: &str) -> Arc<Self> {
        let counter = ChannelCounter::new(name);
        let extra = Arc::new(KafkaChannelExtra::default());
        let shown = Arc::clone(&extra);
        let base = ChannelMetrics::new(Arc::clone(&counter), || (0, 0)).with_extra(move || {
            shown
                .counters()
                .iter()
                .map(|(k, c)| (*k, load(c)))
                .collect()
        });
        Arc::new(KafkaChannelMetrics {
            counter,
            extra,
            base,
        })
    }
}

impl MetricSource for KafkaChannelMetrics {
    fn kind(&self) -> &'static str {
        "CHANNEL"
    }
    fn name(&self) -> &str {
        self.base.name()
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        self.base.attributes()
    }
    fn start(&self) {
        for (_, c) in self.extra.counters() {
            c.store(0, Ordering::Relaxed);
        }
        self.base.start();
    }
    fn stop(&self) {
        self.base.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: &dyn MetricSource) -> Vec<&'static str> {
        let mut v: Vec<_> = m.attributes().into_iter().map(|(k, _)| k).collect();
        v.sort();
        v
    }

    #[test]
    fn attribute_sets_are_flumes() {
        assert_eq!(
            names(KafkaSourceCounter::new("r1").as_ref()),
            [
                "AppendAcceptedCount",
                "AppendBatchAcceptedCount",
                "AppendBatchReceivedCount",
                "AppendReceivedCount",
                "EventAcceptedCount",
                "EventReceivedCount",
                "KafkaCommitTimer",
                "KafkaEmptyCount",
                "KafkaEventGetTimer",
                "OpenConnectionCount",
                "StartTime",
                "StopTime",
                "Type"
            ]
        );
        assert_eq!(
            names(KafkaSinkCounter::new("k1").as_ref()),
            [
                "BatchCompleteCount",
                "BatchEmptyCount",
                "BatchUnderflowCount",
                "ConnectionClosedCount",
                "ConnectionCreatedCount",
                "ConnectionFailedCount",
                "EventDrainAttemptCount",
                "EventDrainSuccessCount",
                "KafkaEventSendTimer",
                "RollbackCount",
                "StartTime",
                "StopTime",
                "Type"
            ]
        );
        let ch = KafkaChannelMetrics::new("c1");
        assert_eq!(
            names(ch.as_ref()),
            [
                "ChannelCapacity",
                "ChannelFillPercentage",
                "ChannelSize",
                "EventPutAttemptCount",
                "EventPutSuccessCount",
                "EventTakeAttemptCount",
                "EventTakeSuccessCount",
                "KafkaCommitTimer",
                "KafkaEventGetTimer",
                "KafkaEventSendTimer",
                "RollbackCount",
                "StartTime",
                "StopTime",
                "Type"
            ]
        );
        let fill = ch
            .attributes()
            .into_iter()
            .find(|(k, _)| *k == "ChannelFillPercentage")
            .map(|(_, v)| v);
        assert_eq!(fill.as_deref(), Some("1.7976931348623157E308"));
    }

    #[test]
    fn shutdown_lines_use_flumes_counter_names() {
        let ch = KafkaChannelMetrics::new("c1");
        let lines = crate::metrics::Registry::shutdown_lines(ch.as_ref()).join("\n");
        for name in [
            "channel.kafka.event.get.time",
            "channel.kafka.event.send.time",
            "channel.kafka.commit.time",
            "channel.rollback.count",
        ] {
            assert!(lines.contains(&format!("name: c1. {name} == 0")), "{lines}");
        }
        let src = KafkaSourceCounter::new("r1");
        let lines = crate::metrics::Registry::shutdown_lines(src.as_ref()).join("\n");
        for name in [
            "source.kafka.event.get.time",
            "source.kafka.commit.time",
            "source.kafka.empty.count",
        ] {
            assert!(lines.contains(&format!("name: r1. {name} == 0")), "{lines}");
        }
    }

    #[test]
    fn start_resets_the_kafka_counters_too() {
        let ch = KafkaChannelMetrics::new("c1");
        ch.extra.rollback.fetch_add(3, Ordering::Relaxed);
        ch.start();
        assert_eq!(ch.extra.rollback.load(Ordering::Relaxed), 0);
    }
}
