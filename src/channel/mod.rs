//! Channels: where sources put events and sinks take them, with Flume's transaction semantics.
//!
//! A source puts a whole batch atomically ([`Channel::put_batch`], Flume's put transaction).
//! A sink takes a batch as a [`Take`]; [`Take::commit`] removes the events for good, and
//! dropping a `Take` without committing rolls them back to the head of the channel.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::component::{BuildEnv, BuildError};
use crate::config::{ComponentConfig, ConfigError, Context};
use crate::event::Event;
use crate::metrics::MetricSource;
use crate::registry::{Kind, PropTable};

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ChannelError {
    /// Flume's `ChannelFullException`: the put was refused, nothing was written.
    #[error("{0}")]
    Full(String),
    /// Any other `ChannelException`.
    #[error("{0}")]
    Failed(String),
    /// The channel is stopped or not yet open.
    #[error("channel {0} is closed")]
    Closed(String),
}

#[async_trait]
pub trait Channel: Send + Sync {
    fn name(&self) -> &str;

    /// Put every event or none (one put transaction).
    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError>;

    /// Take up to `max` events (waiting up to the channel's keep-alive for the first one).
    /// An empty `Take` means the channel is empty.
    async fn take(&self, max: usize) -> Result<Take, ChannelError>;

    /// `transactionCapacity` for channels that have one (memory, file): a source or sink with
    /// a larger batch size is dropped at start, as in Flume.
    /// True when one taker may hold a take open while it takes the next (the memory
    /// channel); a sink then overlaps a batch's delivery with the next take. Channels whose
    /// takes are tied to one transaction at a time (Kafka offsets, the file channel's log)
    /// keep the default.
    fn overlapping_takes(&self) -> bool {
        false
    }

    fn transaction_capacity(&self) -> Option<usize> {
        None
    }

    /// Re-read configuration on a reload, for channels Flume reuses across reloads (memory,
    /// Kafka). Returns false when the channel cannot be reused and must be recreated.
    fn reconfigure(&self, _context: &Context) -> Result<bool, ConfigError> {
        Ok(false)
    }

    async fn start(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    async fn stop(&self) {}

    /// Metrics under `CHANNEL.<name>`, if this channel kind has them.
    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        None
    }
}

/// The channel side of a take transaction.
#[async_trait]
pub trait TakeTransaction: Send {
    /// Make the take permanent. `events` are the taken events (some channels need them, e.g.
    /// to account for byte capacity).
    async fn commit(self: Box<Self>, events: &[Event]) -> Result<(), ChannelError>;

    /// Give the events back to the head of the channel, in order.
    fn rollback(self: Box<Self>, events: Vec<Event>);
}

/// A batch taken from a channel; rolled back when dropped without [`Take::commit`].
pub struct Take {
    events: Vec<Event>,
    tx: Option<Box<dyn TakeTransaction>>,
}

impl Take {
    pub fn new(events: Vec<Event>, tx: Box<dyn TakeTransaction>) -> Self {
        Take {
            events,
            tx: Some(tx),
        }
    }

    pub fn empty() -> Self {
        Take {
            events: Vec::new(),
            tx: None,
        }
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub async fn commit(mut self) -> Result<(), ChannelError> {
        match self.tx.take() {
            Some(tx) => {
                let result = tx.commit(&self.events).await;
                self.events.clear();
                result
            }
            None => Ok(()),
        }
    }

    /// The events and the transaction, for a channel that wraps another channel's take.
    pub(crate) fn into_parts(mut self) -> (Vec<Event>, Option<Box<dyn TakeTransaction>>) {
        (std::mem::take(&mut self.events), self.tx.take())
    }

    pub fn rollback(mut self) {
        if let Some(tx) = self.tx.take() {
            tx.rollback(std::mem::take(&mut self.events));
        }
    }
}

impl Drop for Take {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            tx.rollback(std::mem::take(&mut self.events));
        }
    }
}

pub type ChannelRef = Arc<dyn Channel>;

/// Wait up to `wait` until `check` succeeds on the state behind `state`, re-checking whenever
/// `changed` is notified (the blocking queue/semaphore waits of Flume's channels). After the
/// wait, `check` runs once more; `None` means it never succeeded.
pub(crate) async fn wait_until<S, T>(
    state: &Mutex<S>,
    changed: &tokio::sync::Notify,
    wait: Duration,
    mut check: impl FnMut(&mut S) -> Option<T>,
) -> Option<T> {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let notified = changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(v) = check(&mut lock()) {
            return Some(v);
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return check(&mut lock());
        }
    }
}

/// A native channel type's constructor.
type Constructor = fn(&ComponentConfig, &BuildEnv) -> Result<ChannelRef, BuildError>;

/// A native channel type, declared as `pub const NATIVE: Native` in its own file.
pub struct Native {
    /// The name of its registry row.
    pub name: &'static str,
    pub props: &'static PropTable,
    build: Constructor,
}

// The native channel types: one word per module, whose file declares its `NATIVE`.
crate::component::native_types! {
    memory,
    #[cfg(feature = "kafka")]
    kafka,
    spillable,
    file,
}

/// Build a channel from its configuration.
pub fn build(config: &ComponentConfig, env: &BuildEnv) -> Result<ChannelRef, BuildError> {
    let type_name = config.type_name.as_deref().unwrap_or("");
    let row = crate::component::native_row(Kind::Channel, type_name, &config.context)?;
    match native(row.name()) {
        Some(n) => (n.build)(config, env),
        None => Err(crate::component::not_native(row, &config.context)),
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::config::model::Kind as ConfigKind;

    /// Every native entry names a native channel row, and every native channel row has one entry.
    #[test]
    fn native_entries_match_registry_rows() {
        crate::component::check_native_entries(Kind::Channel, natives().map(|n| n.name));
    }

    /// The keys a native channel type is built with here: the directories in a temporary
    /// place, and the keys other keys are read only after.
    fn pairs(name: &str, dir: &std::path::Path) -> Vec<(&'static str, String)> {
        let d = |s: &str| dir.join(s).display().to_string();
        match name {
            "file" | "spillablememory" => vec![
                ("checkpointDir", d("cp")),
                ("dataDirs", d("data")),
                ("useDualCheckpoints", "true".into()),
                ("backupCheckpointDir", d("backup")),
                ("fsyncPerTransaction", "false".into()),
            ],
            "org.apache.flume.channel.kafka.KafkaChannel" => vec![
                ("kafka.bootstrap.servers", "127.0.0.1:9".into()),
                ("zookeeperConnect", "127.0.0.1:2181".into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Every key a native channel's build asks for is declared in its property table, and
    /// every declared key is one the build asks for.
    ///
    /// With the sinks' test (`sink::table_tests`) this is what keeps a table and its
    /// component's reads one list.
    #[test]
    fn channel_tables_declare_every_key_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut checked = 0;
        let mut wrong = Vec::new();
        let rows = crate::registry::ROWS
            .iter()
            .filter(|r| r.kind == Kind::Channel && r.native);
        for row in rows {
            let native = native(row.name()).unwrap_or_else(|| {
                panic!("channel {} is native but has no constructor", row.name())
            });
            let table = native.props;
            let entries = pairs(row.name(), dir.path())
                .into_iter()
                .map(|(k, v)| {
                    let entry = crate::config::context::Entry {
                        value: v,
                        origin: None,
                    };
                    (k.to_string(), entry)
                })
                .collect();
            let config = ComponentConfig::new(ConfigKind::Channel, "a1", "c1", entries);
            if let Err(e) = (native.build)(&config, &BuildEnv::default()) {
                panic!("{}: {e}", row.name());
            }
            let asked = config.context.asked();
            // `type` is read by the topology.
            for key in asked.iter().filter(|k| *k != "type" && !table.declares(k)) {
                wrong.push(format!("channel {}: reads {key}, not declared", row.name()));
            }
            for prop in table.all() {
                // A key under a pass-through prefix is read with the others under it (and
                // declared for its default).
                let passed = table.prefix_of(prop.name).is_some();
                if !passed && !prop.names().any(|n| asked.iter().any(|a| a == n)) {
                    let name = prop.name;
                    wrong.push(format!("channel {}: declares {name}, not read", row.name()));
                }
            }
            checked += 1;
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(checked >= 3, "{checked}");
    }
}
