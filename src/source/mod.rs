//! Sources: one file per type; this module has the [`Source`] trait, the pollable-source
//! runner with Flume's back-off, and the registry (alias / FQCN → constructor).

pub mod blocking;
pub mod budget;
pub mod channel_processor;
pub mod deliver;
pub mod gson;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

pub use channel_processor::{ChannelProcessor, ProcessError};

use crate::component::{BuildEnv, BuildError, Status};
use crate::config::{ComponentConfig, Context};
use crate::metrics::MetricSource;
use crate::registry::{Kind, PropTable};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("{0}")]
    Other(String),
}

/// What a running source gets from the agent.
#[derive(Clone)]
pub struct SourceContext {
    pub name: String,
    pub processor: Arc<ChannelProcessor>,
    pub shutdown: CancellationToken,
}

#[async_trait]
pub trait Source: Send {
    /// Run until `cx.shutdown` is cancelled. An error is logged and the source is restarted
    /// after a back-off (Flume's lifecycle supervisor).
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError>;

    /// Batch size, for Flume's check against the channel's transaction capacity.
    fn batch_size(&self) -> Option<usize> {
        None
    }

    /// Metrics under `SOURCE.<name>`, for source kinds Flume counts.
    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        None
    }
}

/// A source polled in a loop (seq, taildir, kafka, spooldir): Flume's `PollableSourceRunner`.
#[async_trait]
pub trait PollableSource: Send {
    async fn process(&mut self, cx: &SourceContext) -> Result<Status, SourceError>;

    /// `backoffSleepIncrement` and `maxBackoffSleep` (defaults 1000 / 5000 ms).
    fn backoff(&self) -> (Duration, Duration) {
        (Duration::from_millis(1000), Duration::from_millis(5000))
    }

    fn batch_size(&self) -> Option<usize> {
        None
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        None
    }

    /// Called once when the runner stops (flush state, close files).
    async fn stop(&mut self) {}
}

/// Runs a [`PollableSource`]: on BACKOFF sleeps `min(n × increment, max)`, on error `max`.
pub struct Pollable<P>(pub P);

#[async_trait]
impl<P: PollableSource> Source for Pollable<P> {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let (increment, max) = self.0.backoff();
        let mut consecutive: u32 = 0;
        while !cx.shutdown.is_cancelled() {
            let sleep = match self.0.process(cx).await {
                Ok(Status::Ready) => {
                    consecutive = 0;
                    continue;
                }
                Ok(Status::Backoff) => {
                    consecutive = consecutive.saturating_add(1);
                    (increment * consecutive).min(max)
                }
                Err(error) => {
                    tracing::error!(source = %cx.name, %error, "Unhandled exception, logging and sleeping for {}ms", max.as_millis());
                    max
                }
            };
            tokio::select! {
                _ = cx.shutdown.cancelled() => break,
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        self.0.stop().await;
        Ok(())
    }

    fn batch_size(&self) -> Option<usize> {
        self.0.batch_size()
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        self.0.metrics()
    }
}

/// A native source type's constructor.
type Constructor = fn(&str, &Context, &BuildEnv) -> Result<Box<dyn Source>, BuildError>;

/// A native source type, declared as `pub const NATIVE: Native` in its own file.
pub struct Native {
    /// The name of its registry row.
    pub name: &'static str,
    pub props: &'static PropTable,
    build: Constructor,
}

// The native source types: one word per module, whose file declares its `NATIVE`.
crate::component::native_types! {
    seq,
    avro,
    spooldir,
    taildir,
    syslog { tcp, udp, multiport },
    #[cfg(feature = "kafka")]
    kafka,
    netcat,
    netcat_udp,
    exec,
    http,
    thrift,
}

/// Build a source from its configuration.
pub fn build(config: &ComponentConfig, env: &BuildEnv) -> Result<Box<dyn Source>, BuildError> {
    let type_name = config.type_name.as_deref().unwrap_or("");
    let ctx = &config.context;
    let row = crate::component::native_row(Kind::Source, type_name, ctx)?;
    match native(row.name()) {
        Some(n) => (n.build)(&config.name, ctx, env),
        None => Err(crate::component::not_native(row, ctx)),
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    /// Every native entry names a native source row, and every native source row has one entry.
    #[test]
    fn native_entries_match_registry_rows() {
        crate::component::check_native_entries(Kind::Source, natives().map(|n| n.name));
    }

    /// The keys a native source type needs to build, and the keys other keys are read only
    /// after (`ipFilter`, `fileHeader`, …).
    fn minimal(name: &str, dir: &std::path::Path) -> Vec<(&'static str, String)> {
        let d = |s: &str| dir.join(s).display().to_string();
        let listen = |extra: &[(&'static str, &str)]| {
            let mut v = vec![("bind", "127.0.0.1".to_string()), ("port", "0".into())];
            v.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            v
        };
        match name {
            // `keystore` set: the other store keys are read only then (`ssl` is off, so the
            // store is not opened).
            "avro" => listen(&[
                ("ipFilter", "true"),
                ("ipFilterRules", "allow:ip:*"),
                ("keystore", "/nonexistent"),
            ]),
            "thrift" | "http" => listen(&[("keystore", "/nonexistent")]),
            "netcat" | "netcatudp" => listen(&[]),
            "syslogtcp" => vec![
                ("host", "127.0.0.1".into()),
                ("port", "0".into()),
                ("keystore", "/nonexistent".into()),
            ],
            "syslogudp" => vec![("host", "127.0.0.1".into()), ("port", "0".into())],
            "multiport_syslogtcp" => vec![
                ("host", "127.0.0.1".into()),
                ("ports", "0".into()),
                ("keystore", "/nonexistent".into()),
            ],
            "exec" => vec![("command", "true".into())],
            "spooldir" => vec![
                ("spoolDir", d("spool")),
                ("fileHeader", "true".into()),
                ("basenameHeader", "true".into()),
            ],
            "taildir" => vec![
                ("fileHeader", "true".into()),
                ("filegroups", "f1".into()),
                ("filegroups.f1", d("logs/.*")),
                ("positionFile", d("pos.json")),
            ],
            "org.apache.flume.source.kafka.KafkaSource" => vec![
                ("kafka.bootstrap.servers", "127.0.0.1:9".into()),
                ("kafka.topics", "t".into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Every key a native source's build asks for is declared in its property table, and
    /// every declared key is one the build asks for (or lies under a declared prefix, or is
    /// declared only to be reported as having no effect). A native type without a
    /// constructor fails here; one without a table does not compile.
    #[test]
    fn source_tables_declare_every_key_read() {
        let dir = tempfile::tempdir().unwrap();
        let rows = crate::registry::ROWS
            .iter()
            .filter(|r| r.kind == Kind::Source && r.native);
        let mut checked = 0;
        let mut wrong = Vec::new();
        for row in rows {
            let native = native(row.name()).unwrap_or_else(|| {
                panic!("source {} is native but has no constructor", row.name())
            });
            let table = native.props;
            let ctx = Context::from_pairs("a1.sources.r1.", minimal(row.name(), dir.path()));
            let built = match (native.build)("r1", &ctx, &BuildEnv::default()) {
                Ok(built) => built,
                Err(e) => panic!("{}: {e}", row.name()),
            };
            // A batch-size mismatch with a channel is shown at the table's batch-size key (a
            // fixed batch of one never exceeds a capacity).
            if built.batch_size().is_some_and(|b| b > 1) && table.batch_key().is_none() {
                wrong.push(format!("source {}: no key marked batch_size()", row.name()));
            }
            let asked = ctx.asked();
            for key in asked.iter().filter(|k| !table.declares(k)) {
                wrong.push(format!("source {}: reads {key}, not declared", row.name()));
            }
            for prop in table.all() {
                let passed = table.prefix_of(prop.name).is_some();
                let reported_only = matches!(prop.status, crate::registry::Status::NoEffect(_));
                if !passed && !reported_only && !prop.names().any(|n| asked.iter().any(|a| a == n))
                {
                    let name = prop.name;
                    wrong.push(format!("source {}: declares {name}, not read", row.name()));
                }
            }
            checked += 1;
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert!(checked >= 13, "{checked}");
    }
}
