//! Sources: one file per type; this module has the [`Source`] trait, the pollable-source
//! runner with Flume's back-off, and the registry (alias / FQCN → constructor).

pub mod avro;
pub mod blocking;
pub mod budget;
pub mod channel_processor;
pub mod deliver;
pub mod exec;
pub mod gson;
pub mod http;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod netcat;
pub mod netcat_udp;
pub mod seq;
pub mod spooldir;
pub mod syslog;
pub mod taildir;
pub mod thrift;

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

/// A native source type: its property table (where declared) and its constructor.
pub struct Native {
    pub props: Option<&'static PropTable>,
    build: Constructor,
}

fn native_type(props: Option<&'static PropTable>, build: Constructor) -> Native {
    Native { props, build }
}

/// The native source types, by registry name: one arm per type.
pub fn native(name: &str) -> Option<Native> {
    Some(match name {
        "seq" => native_type(Some(&seq::PROPS), |name, ctx, _| {
            Ok(Box::new(Pollable(seq::SeqSource::from_context(name, ctx)?)))
        }),
        "avro" => native_type(None, |name, ctx, env| {
            Ok(Box::new(avro::AvroSource::from_context(name, ctx, env)?))
        }),
        "spooldir" => native_type(Some(&spooldir::PROPS), |name, ctx, _| {
            Ok(Box::new(spooldir::SpoolDirectorySource::from_context(
                name, ctx,
            )?))
        }),
        "taildir" => native_type(Some(&taildir::config::PROPS), |name, ctx, env| {
            Ok(Box::new(taildir::TaildirSource::from_context(
                name, ctx, env,
            )?))
        }),
        "syslogtcp" => native_type(Some(&syslog::tcp::PROPS), |name, ctx, env| {
            Ok(Box::new(syslog::tcp::SyslogTcpSource::from_context(
                name, ctx, env,
            )?))
        }),
        "syslogudp" => native_type(Some(&syslog::udp::PROPS), |name, ctx, _| {
            Ok(Box::new(syslog::udp::SyslogUdpSource::from_context(
                name, ctx,
            )?))
        }),
        "multiport_syslogtcp" => native_type(Some(&syslog::multiport::PROPS), |name, ctx, env| {
            Ok(Box::new(
                syslog::multiport::MultiportSyslogTcpSource::from_context(name, ctx, env)?,
            ))
        }),
        #[cfg(feature = "kafka")]
        "org.apache.flume.source.kafka.KafkaSource" => native_type(None, |name, ctx, _| {
            Ok(Box::new(Pollable(kafka::KafkaSource::from_context(
                name, ctx,
            )?)))
        }),
        "netcat" => native_type(Some(&netcat::PROPS), |name, ctx, _| {
            Ok(Box::new(netcat::NetcatSource::from_context(name, ctx)?))
        }),
        "netcatudp" => native_type(Some(&netcat_udp::PROPS), |name, ctx, _| {
            Ok(Box::new(netcat_udp::NetcatUdpSource::from_context(
                name, ctx,
            )?))
        }),
        "exec" => native_type(Some(&exec::PROPS), |name, ctx, _| {
            Ok(Box::new(exec::ExecSource::from_context(name, ctx)?))
        }),
        "http" => native_type(Some(&http::PROPS), |name, ctx, env| {
            Ok(Box::new(http::HttpSource::from_context(name, ctx, env)?))
        }),
        "thrift" => native_type(None, |name, ctx, env| {
            Ok(Box::new(thrift::ThriftSource::from_context(
                name, ctx, env,
            )?))
        }),
        _ => return None,
    })
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
