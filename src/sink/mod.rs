//! Sinks: one file per type; this module has the [`Sink`] trait and the registry.
//! A sink takes one batch from its channel per `process()`, delivers it, then commits.

pub mod avro;
pub mod file_roll;
pub mod hdfs;
pub mod http;
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
use crate::config::ComponentConfig;
use crate::metrics::MetricSource;

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

pub const TYPES: &[(&str, &str)] = &[
    ("null", "org.apache.flume.sink.NullSink"),
    ("logger", "org.apache.flume.sink.LoggerSink"),
    ("file_roll", "org.apache.flume.sink.RollingFileSink"),
    ("avro", "org.apache.flume.sink.AvroSink"),
    ("thrift", "org.apache.flume.sink.ThriftSink"),
    ("irc", "org.apache.flume.sink.irc.IRCSink"),
    ("hdfs", "org.apache.flume.sink.hdfs.HDFSEventSink"),
    ("hbase", "org.apache.flume.sink.hbase.HBaseSink"),
    ("hbase2", "org.apache.flume.sink.hbase2.HBase2Sink"),
    ("asynchbase", "org.apache.flume.sink.hbase.AsyncHBaseSink"),
    (
        "elasticsearch",
        "org.apache.flume.sink.elasticsearch.ElasticSearchSink",
    ),
    (
        "morphline_solr",
        "org.apache.flume.sink.solr.morphline.MorphlineSolrSink",
    ),
    ("hive", "org.apache.flume.sink.hive.HiveSink"),
    ("http", "org.apache.flume.sink.http.HttpSink"),
    (
        "org.apache.flume.sink.kafka.KafkaSink",
        "org.apache.flume.sink.kafka.KafkaSink",
    ),
];

pub fn build(
    config: &ComponentConfig,
    channel: ChannelRef,
    env: &BuildEnv,
) -> Result<Box<dyn Sink>, BuildError> {
    let type_name = config.type_name.as_deref().unwrap_or("");
    let ctx = &config.context;
    let name = config.name.as_str();
    let Some(alias) = crate::registry::resolve(type_name, TYPES) else {
        return Err(BuildError::UnknownType(ctx.error(
            "type",
            crate::registry::unknown_type_message("sink", type_name, TYPES),
        )));
    };
    Ok(match alias {
        "null" => Box::new(null::NullSink::from_context(name, ctx, channel)?),
        "logger" => Box::new(logger::LoggerSink::from_context(name, ctx, channel)?),
        "avro" => Box::new(avro::AvroSink::from_context(name, ctx, channel, env)?),
        "thrift" => Box::new(thrift::ThriftSink::from_context(name, ctx, channel, env)?),
        #[cfg(feature = "kafka")]
        "org.apache.flume.sink.kafka.KafkaSink" => {
            Box::new(kafka::KafkaSink::from_context(name, ctx, channel)?)
        }
        "file_roll" => Box::new(file_roll::FileRollSink::from_context(name, ctx, channel)?),
        "hdfs" => Box::new(hdfs::HdfsSink::from_context(name, ctx, channel, env)?),
        "http" => Box::new(http::HttpSink::from_context(name, ctx, channel, env)?),
        other => {
            return Err(BuildError::Config(ctx.error(
                "type",
                format!("sink type {other} is not supported by this build of flume-rs"),
            )));
        }
    })
}
