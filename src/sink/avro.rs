//! `avro` sink (`org.apache.flume.sink.AvroSink` / `AbstractRpcSink`, reference §11.4): the
//! shared RPC sink ([`super::rpc`]) with Flume's Netty Avro client: `appendBatch` to an avro
//! source, committed only when the source answered `OK`.
//!
//! Keys: [`PROPS`].

use async_trait::async_trait;

use super::rpc::{RESET_CONNECTION_INTERVAL, RpcConnector, RpcSink, RpcSinkClient};
use crate::avro_rpc::client::{
    BATCH_SIZE, COMPRESSION_LEVEL, COMPRESSION_TYPE, CONNECT_TIMEOUT, HOSTNAME, MAX_IO_WORKERS,
    PORT, REQUEST_TIMEOUT, RpcClient, RpcClientConfig,
};
use crate::channel::ChannelRef;
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::PropTable;

pub const PROPS: PropTable = PropTable::new(&[
    HOSTNAME,
    PORT,
    BATCH_SIZE,
    CONNECT_TIMEOUT,
    REQUEST_TIMEOUT,
    RESET_CONNECTION_INTERVAL,
    COMPRESSION_TYPE,
    COMPRESSION_LEVEL,
    MAX_IO_WORKERS,
])
.including(&[&crate::tls::CLIENT_PROPS]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "avro",
    props: &PROPS,
    build: |name, ctx, channel, env| {
        Ok(Box::new(AvroSink::from_context(name, ctx, channel, env)?))
    },
};

pub type AvroSink = RpcSink<AvroConnector>;

/// Builds `NettyAvroRpcClient`s: connected when built, as Flume's.
pub struct AvroConnector {
    config: RpcClientConfig,
}

impl AvroSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        env: &BuildEnv,
    ) -> Result<Self, ConfigError> {
        let config = RpcClientConfig::from_sink_context(ctx, env)?;
        RpcSink::new(name, ctx, channel, AvroConnector { config })
    }
}

#[async_trait]
impl RpcConnector for AvroConnector {
    type Client = RpcClient;

    async fn connect(&self) -> Result<RpcClient, String> {
        RpcClient::connect(&self.config)
            .await
            .map_err(|e| e.to_string())
    }

    fn hostname(&self) -> &str {
        self.config.hosts.first().map_or("", |(h, _)| h.as_str())
    }

    fn port(&self) -> u16 {
        self.config.hosts.first().map_or(0, |(_, p)| *p)
    }

    fn batch_size(&self) -> usize {
        self.config.batch_size
    }
}

#[async_trait]
impl RpcSinkClient for RpcClient {
    fn is_active(&self) -> bool {
        RpcClient::is_active(self)
    }

    async fn append_batch(&mut self, events: &[Event]) -> Result<(), String> {
        RpcClient::append_batch(self, events)
            .await
            .map_err(|e| e.to_string())
    }

    async fn close(self) {
        RpcClient::close(self).await
    }
}
