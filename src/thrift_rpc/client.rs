//! Flume's `ThriftRpcClient`, as the thrift sink uses it: one connection (a pool of one),
//! opened on the first call, framed transport, compact or binary protocol; `appendBatch` in
//! chunks of `batch-size`, each waited for with `request-timeout`. Any failure marks the client
//! dead (the sink then closes it and builds a new one).
//!
//! Calls are strictly one at a time on the connection, as libthrift's synchronous client
//! makes them, so there is no reply matching beyond the sequence-id check.

use std::time::Duration;

use bytes::BytesMut;
use openssl::ssl::SslConnector;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{FrameDecoder, MAX_FRAME_BYTES, OutgoingCall, Protocol, Status, ThriftError};
use crate::avro_rpc::client::{
    CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, REQUEST_TIMEOUT,
    batch_size_from, sink_target, timeout_from,
};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, Type};
use crate::tls::{self, Protocols, Store, TlsError};

pub const PROTOCOL: Prop = Prop::string(
    "protocol",
    "compact",
    "Thrift protocol: `binary` (exactly so) or compact",
)
.typed(Type::Enum(&["compact", "binary"]));
pub const KERBEROS: Prop = Prop::bool(
    "kerberos",
    false,
    "SASL/GSSAPI authentication (true is refused: not implemented)",
);
pub const CLIENT_PRINCIPAL: Prop =
    Prop::text("client-principal", "Kerberos principal of the client")
        .no_effect("Kerberos is not implemented for thrift (reported when set)");
pub const CLIENT_KEYTAB: Prop = Prop::text("client-keytab", "keytab of the client principal")
    .typed(Type::Path)
    .no_effect("Kerberos is not implemented for thrift (reported when set)");
pub const COMPRESSION_TYPE: Prop = Prop::text("compression-type", "compression of the calls")
    .no_effect("Flume's thrift client has no compression (reported when set)");
pub const SERVER_PRINCIPAL: Prop =
    Prop::text("server-principal", "Kerberos principal of the source")
        .no_effect("Kerberos is not implemented for thrift (reported when set)");

#[derive(Debug, thiserror::Error)]
pub enum ThriftClientError {
    #[error("Could not connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("Could not connect to {addr}: timed out after {ms} ms")]
    ConnectTimeout { addr: String, ms: u128 },
    #[error("TLS with {addr}: {source}")]
    Tls { addr: String, source: TlsError },
    #[error("Append call timeout ({addr}: no reply after {ms} ms)")]
    Timeout { addr: String, ms: u128 },
    #[error("Failed to deliver events. Server returned status : {}", .status.as_str())]
    Status { status: Status },
    #[error("{addr}: connection closed by the server")]
    Closed { addr: String },
    #[error("Client was closed due to error. Please create a new client")]
    Dead,
    #[error("{addr}: {source}")]
    Protocol { addr: String, source: ThriftError },
    #[error("{addr}: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
}

/// The thrift sink's client keys.
#[derive(Clone)]
pub struct ThriftClientConfig {
    pub hostname: String,
    pub port: u16,
    pub protocol: Protocol,
    pub batch_size: usize,
    /// Flume's thrift client has no connect timeout (`new TSocket(host, port)`); flume-rs
    /// applies `connect-timeout` (default 20 s) rather than wait on the operating system.
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub tls: Option<SslConnector>,
}

impl std::fmt::Debug for ThriftClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThriftClientConfig")
            .field("hostname", &self.hostname)
            .field("port", &self.port)
            .field("protocol", &self.protocol)
            .field("batch_size", &self.batch_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// `protocol` as both Flume thrift components pick it: `binary` only when spelled exactly
/// so (`ThriftSource` and `ThriftRpcClient` compare with `equals`), compact otherwise.
pub fn protocol_from(ctx: &Context, strict: bool) -> Result<Protocol, ConfigError> {
    let Some(value) = ctx.value(&PROTOCOL) else {
        return Ok(Protocol::Compact);
    };
    if value == "binary" {
        return Ok(Protocol::Binary);
    }
    if value.eq_ignore_ascii_case("binary") || value.eq_ignore_ascii_case("compact") {
        if value.eq_ignore_ascii_case("binary") {
            tracing::warn!(
                key = %ctx.full_key(PROTOCOL.name),
                "protocol \"{value}\" selects the compact protocol, as in Flume (only \"binary\" in lower case selects binary)"
            );
        }
        return Ok(Protocol::Compact);
    }
    if strict {
        return Err(ctx.error(
            PROTOCOL.name,
            "binary or compact are the only valid Thrift protocol types to choose from.",
        ));
    }
    tracing::warn!(
        key = %ctx.full_key(PROTOCOL.name),
        "'binary' or 'compact' are the only valid Thrift protocol types to choose from. Defaulting to 'compact'."
    );
    Ok(Protocol::Compact)
}

impl ThriftClientConfig {
    /// The thrift sink's keys (`AbstractRpcSink` + `ThriftRpcClient`).
    pub fn from_sink_context(ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        let (hostname, port) = sink_target(ctx)?;
        if ctx.get_bool(&KERBEROS) {
            return Err(ctx.error(
                KERBEROS.name,
                "Kerberos (SASL/GSSAPI) for the thrift sink is not supported by flume-rs",
            ));
        }
        for prop in [&CLIENT_PRINCIPAL, &CLIENT_KEYTAB, &SERVER_PRINCIPAL] {
            if ctx.value(prop).is_some() {
                tracing::warn!(key = %ctx.full_key(prop.name), "not used: Kerberos is off (kerberos = false)");
            }
        }
        if ctx.value(&COMPRESSION_TYPE).is_some() {
            tracing::warn!(
                key = %ctx.full_key(COMPRESSION_TYPE.name),
                "Flume's thrift client has no compression; the key is ignored"
            );
        }
        let protocol = protocol_from(ctx, false)?;
        let batch_size = batch_size_from(ctx);
        let connect_timeout = timeout_from(ctx, &CONNECT_TIMEOUT);
        let request_timeout = timeout_from(ctx, &REQUEST_TIMEOUT);
        let trust_all = ctx.bool("trust-all-certs", false);
        let truststore = Store::truststore_from_context(ctx, env);
        let protocols = Protocols::from_context(ctx, env);
        let tls = if ctx.bool("ssl", false) {
            if trust_all {
                tracing::warn!(
                    key = %ctx.full_key("trust-all-certs"),
                    "not applied: Flume's thrift client checks the server certificate against the truststore (or the system's) regardless"
                );
            }
            let connector = tls::connector(false, truststore.as_ref(), &protocols)
                .map_err(|e| ctx.error("truststore", e.to_string()))?;
            Some(connector)
        } else {
            None
        };
        Ok(ThriftClientConfig {
            hostname,
            port,
            protocol,
            batch_size,
            connect_timeout,
            request_timeout,
            tls,
        })
    }

    /// A plain client for `host:port` with Flume's defaults.
    pub fn new(host: &str, port: u16, protocol: Protocol, batch_size: usize) -> Self {
        ThriftClientConfig {
            hostname: host.to_string(),
            port,
            protocol,
            batch_size: batch_size.max(1),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            tls: None,
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}
type BoxStream = Box<dyn Stream>;

pub struct ThriftRpcClient {
    config: ThriftClientConfig,
    addr: String,
    stream: Option<BoxStream>,
    alive: bool,
    seq: i32,
    out: Vec<u8>,
    replies: BytesMut,
    decoder: FrameDecoder,
}

impl std::fmt::Display for ThriftRpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ThriftRpcClient {{ host: {} }}", self.addr)
    }
}

impl ThriftRpcClient {
    /// A client that connects on its first call.
    pub fn new(config: ThriftClientConfig) -> Self {
        let addr = format!("{}:{}", config.hostname, config.port);
        ThriftRpcClient {
            config,
            addr,
            stream: None,
            alive: true,
            seq: 0,
            out: Vec::new(),
            replies: BytesMut::new(),
            decoder: FrameDecoder::new(MAX_FRAME_BYTES),
        }
    }

    pub fn is_active(&self) -> bool {
        self.alive
    }

    pub fn batch_size(&self) -> usize {
        self.config.batch_size
    }

    async fn connect(&mut self) -> Result<BoxStream, ThriftClientError> {
        let addr = self.addr.clone();
        let cfg = &self.config;
        let ms = cfg.connect_timeout.as_millis();
        let host = cfg.hostname.as_str();
        let tcp =
            match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect((host, cfg.port)))
                .await
            {
                Err(_) => return Err(ThriftClientError::ConnectTimeout { addr, ms }),
                Ok(Err(source)) => return Err(ThriftClientError::Connect { addr, source }),
                Ok(Ok(tcp)) => tcp,
            };
        let _ = tcp.set_nodelay(true);
        let stream: BoxStream = match &cfg.tls {
            None => Box::new(tcp),
            Some(connector) => {
                match tokio::time::timeout(cfg.connect_timeout, tls::connect(connector, host, tcp))
                    .await
                {
                    Err(_) => return Err(ThriftClientError::ConnectTimeout { addr, ms }),
                    Ok(Err(source)) => return Err(ThriftClientError::Tls { addr, source }),
                    Ok(Ok(s)) => Box::new(s),
                }
            }
        };
        tracing::info!("Using {}", cfg.protocol.java_name());
        Ok(stream)
    }

    /// Send `events` as `appendBatch` calls of at most `batch-size` events; every call must be
    /// answered OK.
    pub async fn append_batch(&mut self, events: &[Event]) -> Result<(), ThriftClientError> {
        for chunk in events.chunks(self.config.batch_size) {
            self.call(OutgoingCall::AppendBatch(chunk)).await?;
        }
        Ok(())
    }

    /// Send one event as an `append` call.
    pub async fn append(&mut self, event: &Event) -> Result<(), ThriftClientError> {
        self.call(OutgoingCall::Append(event)).await
    }

    async fn call(&mut self, call: OutgoingCall<'_>) -> Result<(), ThriftClientError> {
        if !self.alive {
            return Err(ThriftClientError::Dead);
        }
        let result = self.exchange(call).await;
        if result.is_err() {
            self.alive = false;
            if let Some(mut stream) = self.stream.take() {
                let _ = stream.shutdown().await;
            }
        }
        result
    }

    async fn exchange(&mut self, call: OutgoingCall<'_>) -> Result<(), ThriftClientError> {
        if self.stream.is_none() {
            self.stream = Some(self.connect().await?);
        }
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.out.clear();
        super::write_call(self.config.protocol, call, seq, &mut self.out);
        let timeout = self.config.request_timeout;
        let reply = tokio::time::timeout(timeout, self.round_trip()).await;
        let frame = match reply {
            Err(_) => {
                return Err(ThriftClientError::Timeout {
                    addr: self.addr.clone(),
                    ms: timeout.as_millis(),
                });
            }
            Ok(frame) => frame?,
        };
        let status = super::read_reply(self.config.protocol, &frame, call.name(), seq).map_err(
            |source| ThriftClientError::Protocol {
                addr: self.addr.clone(),
                source,
            },
        )?;
        match status {
            Status::Ok => Ok(()),
            status => Err(ThriftClientError::Status { status }),
        }
    }

    /// Write the framed call in `out`, read one reply frame.
    async fn round_trip(&mut self) -> Result<bytes::Bytes, ThriftClientError> {
        let addr = &self.addr;
        let io = |source| ThriftClientError::Io {
            addr: addr.clone(),
            source,
        };
        let Some(stream) = self.stream.as_mut() else {
            return Err(ThriftClientError::Dead);
        };
        stream.write_all(&self.out).await.map_err(io)?;
        stream.flush().await.map_err(io)?;
        self.replies.clear();
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.replies).map_err(|source| {
                ThriftClientError::Protocol {
                    addr: addr.clone(),
                    source,
                }
            })? {
                return Ok(frame);
            }
            self.replies.reserve(4096);
            let n = stream.read_buf(&mut self.replies).await.map_err(io)?;
            if n == 0 {
                return Err(ThriftClientError::Closed { addr: addr.clone() });
            }
        }
    }

    /// Close the connection.
    pub async fn close(mut self) {
        self.alive = false;
        if let Some(mut stream) = self.stream.take() {
            let _ = stream.shutdown().await;
        }
    }
}
