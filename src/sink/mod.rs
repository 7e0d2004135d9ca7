//! Sinks: one file per type; this module has the [`Sink`] trait and the registry.
//! A sink takes one batch from its channel per `process()`, delivers it, then commits.

pub mod rpc;
pub mod serializer;

use std::sync::Arc;

use async_trait::async_trait;

use crate::channel::{ChannelError, ChannelRef};
use crate::component::{BuildEnv, BuildError, Status};
use crate::config::{ComponentConfig, Context};
use crate::metrics::MetricSource;
use crate::registry::{Kind, PropTable};

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Flume's `EventDeliveryException`.
    #[error("{0}")]
    Delivery(String),
}

#[async_trait]
pub trait Sink: Send {
    fn name(&self) -> &str;

    async fn start(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Take one batch, deliver it, commit. `Backoff` when the channel was empty.
    async fn process(&mut self) -> Result<Status, SinkError>;

    /// Finish what is in hand and close outputs.
    async fn stop(&mut self) {}

    fn batch_size(&self) -> Option<usize> {
        None
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        None
    }
}

/// A native sink type's constructor.
type Constructor = fn(&str, &Context, ChannelRef, &BuildEnv) -> Result<Box<dyn Sink>, BuildError>;

/// A native sink type, declared as `pub const NATIVE: Native` in its own file.
pub struct Native {
    /// The name of its registry row.
    pub name: &'static str,
    pub props: &'static PropTable,
    build: Constructor,
}

// The native sink types: one word per module, whose file declares its `NATIVE`.
crate::component::native_types! {
    null,
    logger,
    avro,
    thrift,
    #[cfg(feature = "kafka")]
    kafka,
    file_roll,
    hdfs,
    http,
    irc,
}

/// Build a sink from its configuration, taking from `channel`.
pub fn build(
    config: &ComponentConfig,
    channel: ChannelRef,
    env: &BuildEnv,
) -> Result<Box<dyn Sink>, BuildError> {
    let type_name = config.type_name.as_deref().unwrap_or("");
    let ctx = &config.context;
    let row = crate::component::native_row(Kind::Sink, type_name, ctx)?;
    match native(row.name()) {
        Some(n) => (n.build)(&config.name, ctx, channel, env),
        None => Err(crate::component::not_native(row, ctx)),
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::channel::memory::MemoryChannel;

    /// Every native entry names a native sink row, and every native sink row has one entry.
    #[test]
    fn native_entries_match_registry_rows() {
        crate::component::check_native_entries(Kind::Sink, natives().map(|n| n.name));
    }

    /// The keys a native sink type needs to build, and the sinks that take a sub-component.
    fn minimal(name: &str, dir: &std::path::Path) -> Vec<(&'static str, String)> {
        let dir = dir.display().to_string();
        match name {
            // `truststore` set: the other store keys are read only then.
            "avro" | "thrift" => vec![
                ("hostname", "127.0.0.1".into()),
                ("port", "9".into()),
                ("truststore", "/nonexistent".into()),
            ],
            "org.apache.flume.sink.kafka.KafkaSink" => {
                vec![("kafka.bootstrap.servers", "127.0.0.1:9".into())]
            }
            "file_roll" => vec![("sink.directory", dir)],
            // `hdfs.round` set: the rounding keys are read only then.
            "hdfs" => vec![
                ("hdfs.path", format!("file://{dir}")),
                ("hdfs.round", "true".into()),
            ],
            "http" => vec![("endpoint", "http://127.0.0.1:9/".into())],
            "irc" => vec![
                ("hostname", "127.0.0.1".into()),
                ("nick", "n".into()),
                ("chan", "c".into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Every key a native sink's build asks for is declared in its property table, and every
    /// declared key is one the build asks for (or lies under a declared prefix).
    #[tokio::test]
    async fn sink_tables_declare_every_key_read() {
        let dir = tempfile::tempdir().unwrap();
        let rows = crate::registry::ROWS
            .iter()
            .filter(|r| r.kind == Kind::Sink && r.native);
        let mut checked = 0;
        let mut wrong = Vec::new();
        for row in rows {
            let native = native(row.name())
                .unwrap_or_else(|| panic!("sink {} is native but has no constructor", row.name()));
            let table = native.props;
            let ctx = Context::from_pairs("a1.sinks.k1.", minimal(row.name(), dir.path()));
            let channel: ChannelRef =
                Arc::new(MemoryChannel::from_context("c1", &Context::default()).unwrap());
            let env = BuildEnv::default();
            let built = match (native.build)("k1", &ctx, channel, &env) {
                Ok(built) => built,
                Err(e) => panic!("{}: {e}", row.name()),
            };
            // A batch-size mismatch with a channel is shown at the table's batch-size key (a
            // fixed batch of one never exceeds a capacity).
            if built.batch_size().is_some_and(|b| b > 1) && table.batch_key().is_none() {
                wrong.push(format!("sink {}: no key marked batch_size()", row.name()));
            }
            let asked = ctx.asked();
            for key in asked.iter().filter(|k| !table.declares(k)) {
                wrong.push(format!("sink {}: reads {key}, not declared", row.name()));
            }
            for prop in table.all() {
                if !prop.names().any(|n| asked.iter().any(|a| a == n)) {
                    wrong.push(format!(
                        "sink {}: declares {}, not read",
                        row.name(),
                        prop.name
                    ));
                }
            }
            checked += 1;
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(checked >= 8, "{checked}");
    }
}
