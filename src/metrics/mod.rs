//! Component counters under Flume's names (`SOURCE.r1`, `CHANNEL.c1`, `SINK.k1`) with Flume's
//! attribute sets, and the registry that `-Dflume.monitoring.type=http|prometheus` serves.

pub mod health;
pub mod http;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::java;

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Something that reports Flume attributes: `(name, value as Flume prints it)`.
pub trait MetricSource: Send + Sync {
    /// `SOURCE`, `CHANNEL` or `SINK`.
    fn kind(&self) -> &'static str;
    fn name(&self) -> &str;
    fn attributes(&self) -> Vec<(&'static str, String)>;
    /// Reset counters and set StartTime (Flume does this on every start, i.e. every reload).
    fn start(&self);
    fn stop(&self);
}

/// Start/stop times shared by every counter set.
#[derive(Debug, Default)]
pub struct Lifetime {
    start: AtomicI64,
    stop: AtomicI64,
}

impl Lifetime {
    pub fn start(&self) {
        self.start.store(now_millis(), Ordering::Relaxed);
        self.stop.store(0, Ordering::Relaxed);
    }
    pub fn stop(&self) {
        self.stop.store(now_millis(), Ordering::Relaxed);
    }
    /// `StartTime`, `StopTime` and `Type`, as every counter set reports them.
    pub fn push(&self, out: &mut Vec<(&'static str, String)>, kind: &'static str) {
        out.push(("StartTime", self.start.load(Ordering::Relaxed).to_string()));
        out.push(("StopTime", self.stop.load(Ordering::Relaxed).to_string()));
        out.push(("Type", kind.to_string()));
    }
}

macro_rules! counter_set {
    ($(#[$doc:meta])* $name:ident, $kind:literal, [$($field:ident => $attr:literal),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Default)]
        pub struct $name {
            name: String,
            lifetime: Lifetime,
            $(pub $field: AtomicU64,)*
        }

        impl $name {
            pub fn new(name: &str) -> Arc<Self> {
                Arc::new($name { name: name.to_string(), ..Default::default() })
            }
        }

        impl $name {
            fn counter_attributes(&self, out: &mut Vec<(&'static str, String)>) {
                $(out.push(($attr, self.$field.load(Ordering::Relaxed).to_string()));)*
                self.lifetime.push(out, $kind);
            }
            fn reset(&self) {
                $(self.$field.store(0, Ordering::Relaxed);)*
            }
        }
    };
}

counter_set!(
    /// Flume's `SourceCounter`.
    SourceCounter, "SOURCE", [
    append_accepted => "AppendAcceptedCount",
    append_batch_accepted => "AppendBatchAcceptedCount",
    append_batch_received => "AppendBatchReceivedCount",
    append_received => "AppendReceivedCount",
    channel_write_fail => "ChannelWriteFail",
    event_accepted => "EventAcceptedCount",
    event_read_fail => "EventReadFail",
    event_received => "EventReceivedCount",
    generic_processing_fail => "GenericProcessingFail",
    open_connections => "OpenConnectionCount",
]);

counter_set!(
    /// Flume's `SinkCounter`.
    SinkCounter, "SINK", [
    batch_complete => "BatchCompleteCount",
    batch_empty => "BatchEmptyCount",
    batch_underflow => "BatchUnderflowCount",
    channel_read_fail => "ChannelReadFail",
    connection_closed => "ConnectionClosedCount",
    connection_created => "ConnectionCreatedCount",
    connection_failed => "ConnectionFailedCount",
    event_drain_attempt => "EventDrainAttemptCount",
    event_drain_success => "EventDrainSuccessCount",
    event_write_fail => "EventWriteFail",
]);

counter_set!(
    /// Flume's `ChannelCounter` (size and capacity are reported by the channel).
    ChannelCounter, "CHANNEL", [
    put_attempt => "EventPutAttemptCount",
    put_success => "EventPutSuccessCount",
    take_attempt => "EventTakeAttemptCount",
    take_success => "EventTakeSuccessCount",
]);

impl MetricSource for SourceCounter {
    fn kind(&self) -> &'static str {
        "SOURCE"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        self.counter_attributes(&mut out);
        out
    }
    fn start(&self) {
        self.reset();
        self.lifetime.start();
    }
    fn stop(&self) {
        self.lifetime.stop();
    }
}

/// How full a batch a sink took was, as Flume's sinks count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchFill {
    /// `BatchEmptyCount`: nothing to take.
    Empty,
    /// `BatchUnderflowCount`: fewer events than the batch size.
    Underflow,
    /// `BatchCompleteCount`: a full batch.
    Complete,
}

impl BatchFill {
    pub fn of(taken: usize, batch_size: usize) -> BatchFill {
        match taken {
            0 => BatchFill::Empty,
            n if n < batch_size => BatchFill::Underflow,
            _ => BatchFill::Complete,
        }
    }
}

impl SinkCounter {
    pub fn count_batch(&self, fill: BatchFill) {
        let counter = match fill {
            BatchFill::Empty => &self.batch_empty,
            BatchFill::Underflow => &self.batch_underflow,
            BatchFill::Complete => &self.batch_complete,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl MetricSource for SinkCounter {
    fn kind(&self) -> &'static str {
        "SINK"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        self.counter_attributes(&mut out);
        out
    }
    fn start(&self) {
        self.reset();
        self.lifetime.start();
    }
    fn stop(&self) {
        self.lifetime.stop();
    }
}

impl ChannelCounter {
    pub fn add(&self, counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A channel's metrics: the counter plus live size/capacity, and extra attributes for channel
/// kinds that have them (file channel's `Open`, Kafka timers).
pub struct ChannelMetrics {
    pub counter: Arc<ChannelCounter>,
    size: Box<dyn Fn() -> (u64, u64) + Send + Sync>,
    extra: Box<dyn Fn() -> Vec<(&'static str, String)> + Send + Sync>,
}

impl ChannelMetrics {
    pub fn new(
        counter: Arc<ChannelCounter>,
        size: impl Fn() -> (u64, u64) + Send + Sync + 'static,
    ) -> Self {
        ChannelMetrics {
            counter,
            size: Box::new(size),
            extra: Box::new(Vec::new),
        }
    }

    pub fn with_extra(
        mut self,
        extra: impl Fn() -> Vec<(&'static str, String)> + Send + Sync + 'static,
    ) -> Self {
        self.extra = Box::new(extra);
        self
    }
}

impl MetricSource for ChannelMetrics {
    fn kind(&self) -> &'static str {
        "CHANNEL"
    }
    fn name(&self) -> &str {
        &self.counter.name
    }
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let (size, capacity) = (self.size)();
        let fill = if capacity == 0 {
            f64::MAX
        } else {
            size as f64 / capacity as f64 * 100.0
        };
        let mut out = vec![
            ("ChannelCapacity", capacity.to_string()),
            ("ChannelFillPercentage", java::double_to_string(fill)),
            ("ChannelSize", size.to_string()),
        ];
        self.counter.counter_attributes(&mut out);
        out.extend((self.extra)());
        out.sort_by_key(|(k, _)| *k);
        out
    }
    fn start(&self) {
        self.counter.reset();
        self.counter.lifetime.start();
    }
    fn stop(&self) {
        self.counter.lifetime.stop();
    }
}

/// Every component's metrics, as the JMX server would list them.
#[derive(Default)]
pub struct Registry {
    entries: Mutex<Vec<Arc<dyn MetricSource>>>,
    /// Component statuses for `/ready`.
    pub health: health::Health,
}

impl Registry {
    pub fn new() -> Arc<Self> {
        Arc::new(Registry::default())
    }

    /// Register (or replace, on reload) a component's metrics.
    pub fn register(&self, source: Arc<dyn MetricSource>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| !(e.kind() == source.kind() && e.name() == source.name()));
        entries.push(source);
    }

    pub fn unregister(&self, kind: &str, name: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| !(e.kind() == kind && e.name() == name));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn snapshot(&self) -> Vec<Arc<dyn MetricSource>> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Flume's JSON: `{"SINK.k1": {"Attr": "value", …}, …}` — every value a string.
    pub fn to_json(&self) -> String {
        let mut root = serde_json::Map::new();
        for source in self.snapshot() {
            let mut attrs = serde_json::Map::new();
            for (k, v) in source.attributes() {
                attrs.insert(k.to_string(), serde_json::Value::String(v));
            }
            root.insert(
                format!("{}.{}", source.kind(), source.name()),
                serde_json::Value::Object(attrs),
            );
        }
        serde_json::Value::Object(root).to_string()
    }

    /// The same counters in Prometheus text format:
    /// `flume_<kind>_<attribute>{agent="a1",name="<component>"}` (non-numeric attributes left out).
    pub fn to_prometheus(&self, agent: &str) -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let agent = label_value(agent);
        for source in self.snapshot() {
            let kind = source.kind().to_ascii_lowercase();
            let name = label_value(source.name());
            for (attr, value) in source.attributes() {
                let Ok(v) = value.parse::<f64>() else {
                    continue;
                };
                let metric = format!("flume_{kind}_{}", snake_case(attr));
                if seen.insert(metric.clone()) {
                    lines.push(format!("# TYPE {metric} gauge"));
                }
                let v = if v == f64::MAX {
                    "+Inf".to_string()
                } else {
                    value
                };
                lines.push(format!("{metric}{{agent=\"{agent}\",name=\"{name}\"}} {v}"));
            }
        }
        lines.push(String::new());
        lines.join("\n")
    }

    /// Flume's `Shutdown Metric for type: …` log lines (one per counter, Flume's internal
    /// counter names in sorted order, start and stop time first), written at stop.
    pub fn shutdown_lines(source: &dyn MetricSource) -> Vec<String> {
        let kind = source.kind();
        let head = format!(
            "Shutdown Metric for type: {kind}, name: {}. ",
            source.name()
        );
        let lower = match kind {
            "SOURCE" => "source",
            "SINK" => "sink",
            _ => "channel",
        };
        let attrs = source.attributes();
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(a, _)| *a == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "0".into())
        };
        let mut lines = vec![
            format!("{head}{lower}.start.time == {}", get("StartTime")),
            format!("{head}{lower}.stop.time == {}", get("StopTime")),
        ];
        let mut counters: Vec<(&str, String)> = attrs
            .iter()
            .filter_map(|(a, v)| internal_counter_name(kind, a).map(|n| (n, v.clone())))
            .collect();
        counters.sort();
        lines.extend(
            counters
                .into_iter()
                .map(|(n, v)| format!("{head}{n} == {v}")),
        );
        lines
    }
}

/// Flume's internal counter keys (`MonitoredCounterGroup`), spelling mistakes included.
fn internal_counter_name(kind: &str, attribute: &str) -> Option<&'static str> {
    // KafkaChannelCounter names its timers under `channel.` (KafkaSourceCounter: `source.`).
    if kind == "CHANNEL" {
        match attribute {
            "KafkaEventGetTimer" => return Some("channel.kafka.event.get.time"),
            "KafkaCommitTimer" => return Some("channel.kafka.commit.time"),
            _ => {}
        }
    }
    Some(match attribute {
        "EventReceivedCount" => "src.events.received",
        "EventAcceptedCount" => "src.events.accepted",
        "AppendReceivedCount" => "src.append.received",
        "AppendAcceptedCount" => "src.append.accepted",
        "AppendBatchReceivedCount" => "src.append-batch.received",
        "AppendBatchAcceptedCount" => "src.append-batch.accepted",
        "OpenConnectionCount" => "src.open-connection.count",
        "EventReadFail" => "src.event.read.fail",
        "ChannelWriteFail" => "src.channel.write.fail",
        "GenericProcessingFail" => "src.generic.processing.fail",
        "KafkaEventGetTimer" => "source.kafka.event.get.time",
        "KafkaCommitTimer" => "source.kafka.commit.time",
        "KafkaEmptyCount" => "source.kafka.empty.count",
        "ConnectionCreatedCount" => "sink.connection.creation.count",
        "ConnectionClosedCount" => "sink.connection.closed.count",
        "ConnectionFailedCount" => "sink.connection.failed.count",
        "BatchEmptyCount" => "sink.batch.empty",
        "BatchUnderflowCount" => "sink.batch.underflow",
        "BatchCompleteCount" => "sink.batch.complete",
        "EventDrainAttemptCount" => "sink.event.drain.attempt",
        "EventDrainSuccessCount" => "sink.event.drain.sucess",
        "ChannelReadFail" => "sink.channel.read.fail",
        "EventWriteFail" => "sink.event.write.fail",
        "KafkaEventSendTimer" => "channel.kafka.event.send.time",
        "RollbackCount" => "channel.rollback.count",
        "ChannelSize" => "channel.current.size",
        "ChannelCapacity" => "channel.capacity",
        "EventPutAttemptCount" => "channel.event.put.attempt",
        "EventPutSuccessCount" => "channel.event.put.success",
        "EventTakeAttemptCount" => "channel.event.take.attempt",
        "EventTakeSuccessCount" => "channel.event.take.success",
        "EventPutErrorCount" => "channel.file.event.put.error",
        "EventTakeErrorCount" => "channel.file.event.take.error",
        "CheckpointWriteErrorCount" => "channel.file.checkpoint.write.error",
        "CheckpointBackupWriteErrorCount" => "channel.file.checkpoint.backup.write.error",
        _ => return None,
    })
}

/// A Prometheus label value: backslash, double quote and line feed escaped.
fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_are_strings() {
        let reg = Registry::new();
        let c = SourceCounter::new("r1");
        c.start();
        c.event_received.fetch_add(3, Ordering::Relaxed);
        reg.register(c);
        let v: serde_json::Value = serde_json::from_str(&reg.to_json()).unwrap();
        assert_eq!(v["SOURCE.r1"]["EventReceivedCount"], "3");
        assert_eq!(v["SOURCE.r1"]["Type"], "SOURCE");
        assert_eq!(v["SOURCE.r1"]["StopTime"], "0");
    }

    #[test]
    fn zero_capacity_fill_is_double_max() {
        let m = ChannelMetrics::new(ChannelCounter::new("c1"), || (0, 0));
        let attrs = m.attributes();
        let fill = attrs
            .iter()
            .find(|(k, _)| *k == "ChannelFillPercentage")
            .unwrap();
        assert_eq!(fill.1, "1.7976931348623157E308");
    }
}
