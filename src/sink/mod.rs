//! Sinks: one file per type; this module has the [`Sink`] trait and the registry.
//! A sink takes one batch from its channel per `process()`, delivers it, then commits.

pub mod avro;
pub mod file_roll;
pub mod hdfs;
pub mod http;
pub mod irc;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod logger;
pub mod null;
pub mod rpc;
pub mod serializer;
pub mod thrift;

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

/// A native sink type: its property table (where declared) and its constructor.
pub struct Native {
    pub props: Option<&'static PropTable>,
    build: Constructor,
}

fn native_type(props: Option<&'static PropTable>, build: Constructor) -> Native {
    Native { props, build }
}

/// The native sink types, by registry name: one arm per type.
pub fn native(name: &str) -> Option<Native> {
    Some(match name {
        "null" => native_type(Some(&null::PROPS), |name, ctx, channel, _| {
            Ok(Box::new(null::NullSink::from_context(name, ctx, channel)?))
        }),
        "logger" => native_type(Some(&logger::PROPS), |name, ctx, channel, _| {
            Ok(Box::new(logger::LoggerSink::from_context(
                name, ctx, channel,
            )?))
        }),
        "avro" => native_type(None, |name, ctx, channel, env| {
            Ok(Box::new(avro::AvroSink::from_context(
                name, ctx, channel, env,
            )?))
        }),
        "thrift" => native_type(None, |name, ctx, channel, env| {
            Ok(Box::new(thrift::ThriftSink::from_context(
                name, ctx, channel, env,
            )?))
        }),
        #[cfg(feature = "kafka")]
        "org.apache.flume.sink.kafka.KafkaSink" => native_type(None, |name, ctx, channel, _| {
            Ok(Box::new(kafka::KafkaSink::from_context(
                name, ctx, channel,
            )?))
        }),
        "file_roll" => native_type(Some(&file_roll::PROPS), |name, ctx, channel, _| {
            Ok(Box::new(file_roll::FileRollSink::from_context(
                name, ctx, channel,
            )?))
        }),
        "hdfs" => native_type(Some(&hdfs::config::PROPS), |name, ctx, channel, env| {
            Ok(Box::new(hdfs::HdfsSink::from_context(
                name, ctx, channel, env,
            )?))
        }),
        "http" => native_type(Some(&http::PROPS), |name, ctx, channel, env| {
            Ok(Box::new(http::HttpSink::from_context(
                name, ctx, channel, env,
            )?))
        }),
        "irc" => native_type(Some(&irc::PROPS), |name, ctx, channel, _| {
            Ok(Box::new(irc::IrcSink::from_context(name, ctx, channel)?))
        }),
        _ => return None,
    })
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
