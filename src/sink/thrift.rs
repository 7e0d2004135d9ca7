//! `thrift` sink (`org.apache.flume.sink.ThriftSink` / `AbstractRpcSink`): the shared RPC sink
//! ([`super::rpc`]) with Flume's `ThriftRpcClient` ([`crate::thrift_rpc::client`]):
//! `appendBatch` calls to a thrift source, committed only when every call was answered `OK`.
//!
//! As in Flume, building the client does no I/O: the connection is opened by the first batch,
//! so a sink whose target is down starts cleanly and counts the failure at its first delivery.
//!
//! Keys: [`PROPS`]. `connect-timeout` is applied although Flume's thrift client has none;
//! `trust-all-certs` is reported and not applied, as Flume's thrift client ignores it;
//! `kerberos = true` is refused (no SASL here).

use async_trait::async_trait;

use super::rpc::{RESET_CONNECTION_INTERVAL, RpcConnector, RpcSink, RpcSinkClient};
use crate::avro_rpc::client::{BATCH_SIZE, CONNECT_TIMEOUT, HOSTNAME, PORT, REQUEST_TIMEOUT};
use crate::channel::ChannelRef;
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};
use crate::thrift_rpc::client::{
    CLIENT_KEYTAB, CLIENT_PRINCIPAL, COMPRESSION_TYPE, KERBEROS, PROTOCOL, SERVER_PRINCIPAL,
    ThriftClientConfig, ThriftRpcClient,
};

pub const PROPS: PropTable = PropTable::new(&[
    HOSTNAME,
    PORT,
    PROTOCOL,
    BATCH_SIZE,
    CONNECT_TIMEOUT,
    REQUEST_TIMEOUT,
    RESET_CONNECTION_INTERVAL,
    COMPRESSION_TYPE,
    KERBEROS,
    CLIENT_PRINCIPAL,
    CLIENT_KEYTAB,
    SERVER_PRINCIPAL,
    TRUST_ALL_CERTS_THRIFT,
])
.including(&[&crate::tls::CLIENT_PROPS]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "thrift",
    props: &PROPS,
    build: |name, ctx, channel, env| {
        Ok(Box::new(ThriftSink::from_context(name, ctx, channel, env)?))
    },
};

/// Flume's `ThriftRpcClient` reads `trust-all-certs` and checks the certificate anyway (this
/// replaces the key of the TLS client table).
const TRUST_ALL_CERTS_THRIFT: Prop = Prop::bool(
    "trust-all-certs",
    false,
    "do not check the server's certificate",
)
.no_effect("Flume's thrift client checks the server certificate regardless (reported when set)");

pub type ThriftSink = RpcSink<ThriftConnector>;

pub struct ThriftConnector {
    config: ThriftClientConfig,
}

impl ThriftSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        env: &BuildEnv,
    ) -> Result<Self, ConfigError> {
        let config = ThriftClientConfig::from_sink_context(ctx, env)?;
        RpcSink::new(name, ctx, channel, ThriftConnector { config })
    }
}

#[async_trait]
impl RpcConnector for ThriftConnector {
    type Client = ThriftRpcClient;

    async fn connect(&self) -> Result<ThriftRpcClient, String> {
        Ok(ThriftRpcClient::new(self.config.clone()))
    }

    fn hostname(&self) -> &str {
        &self.config.hostname
    }

    fn port(&self) -> u16 {
        self.config.port
    }

    fn batch_size(&self) -> usize {
        self.config.batch_size
    }
}

#[async_trait]
impl RpcSinkClient for ThriftRpcClient {
    fn is_active(&self) -> bool {
        ThriftRpcClient::is_active(self)
    }

    async fn append_batch(&mut self, events: &[Event]) -> Result<(), String> {
        ThriftRpcClient::append_batch(self, events)
            .await
            .map_err(|e| e.to_string())
    }

    async fn close(self) {
        ThriftRpcClient::close(self).await
    }
}
