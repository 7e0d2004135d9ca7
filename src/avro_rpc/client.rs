//! Flume's `NettyAvroRpcClient`: one connection to an avro source, `appendBatch` in chunks of
//! `batch-size`, each waited for with `request-timeout`; any failure marks the client dead
//! (the avro sink then closes it and builds a new one). Used by the avro sink and
//! `flume-ng avro-client`; its properties are Flume's `RpcClientConfigurationConstants`.
//!
//! A background task reads the connection: replies are matched to their calls by serial, and a
//! connection the server closed is noticed before the next call is attempted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use openssl::ssl::SslConnector;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::avro_rpc::{
    AvroRpcError, DEFAULT_MAX_FRAME_BYTES, Deflater, FrameDecoder, Inflater, OutgoingCall, Reply,
    Requester, Status,
};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prefix, Prop, PropTable, Type};
use crate::tls::{self, Protocols, Store, TlsError};

// The RPC client keys (`RpcClientConfigurationConstants`), shared by the avro and thrift sinks
// and `flume-ng avro-client`.
pub const HOSTNAME: Prop = Prop::text("hostname", "host of the source to send to").required();
pub const PORT: Prop = Prop::text("port", "port of the source to send to")
    .typed(Type::Int)
    .required();
pub const BATCH_SIZE: Prop = Prop::int(
    "batch-size",
    100,
    "events per transaction and per call (< 1 or not a number: the default)",
)
.batch_size();
pub const CONNECT_TIMEOUT: Prop = Prop::long(
    "connect-timeout",
    20_000,
    "ms allowed to connect (< 1000 or not a number: the default)",
);
pub const REQUEST_TIMEOUT: Prop = Prop::long(
    "request-timeout",
    20_000,
    "ms allowed for each call's answer (< 1000 or not a number: the default)",
);
pub const COMPRESSION_TYPE: Prop = Prop::string(
    "compression-type",
    "none",
    "deflate: compress the calls (the source must have the same setting)",
)
.typed(Type::Enum(&["none", "deflate"]));
pub const COMPRESSION_LEVEL: Prop = Prop::int(
    "compression-level",
    6,
    "zlib level 0–9 with compression-type = deflate",
);
pub const MAX_IO_WORKERS: Prop = Prop::text("maxIoWorkers", "Netty I/O threads")
    .typed(Type::Int)
    .no_effect("ignored, as in Flume 1.11: the client runs on the agent's async runtime");

const FAILOVER: &str = "flume-rs's client tries the hosts in order on each connect; it has no attempt count, back-off or selector";

/// The keys of an RPC client properties file (`flume-ng avro-client -P`,
/// `RpcClientFactory.getInstance(Properties)`).
pub const PROPERTIES_FILE_PROPS: PropTable = PropTable::new(&[
    Prop::string(
        "client.type",
        "default",
        "default, default_failover or default_loadbalance (thrift is refused)",
    ),
    Prop::new(
        "hosts",
        Type::List,
        crate::registry::Default::None,
        "host aliases, each given as hosts.<alias> = host:port",
    )
    .required(),
    BATCH_SIZE,
    CONNECT_TIMEOUT,
    REQUEST_TIMEOUT,
    COMPRESSION_TYPE,
    COMPRESSION_LEVEL,
    MAX_IO_WORKERS,
    Prop::text("max-attempts", "failover: hosts tried per call")
        .typed(Type::Int)
        .no_effect(FAILOVER),
    Prop::text(
        "host-selector",
        "load balancing: round_robin, random or a class",
    )
    .no_effect(FAILOVER),
    Prop::bool(
        "backoff",
        false,
        "load balancing: back off from a failed host",
    )
    .no_effect(FAILOVER),
    Prop::text("maxBackoff", "load balancing: longest back-off in ms")
        .typed(Type::Long)
        .no_effect(FAILOVER),
])
.including(&[&crate::tls::CLIENT_PROPS])
.with_prefixes(&[Prefix::user_named("hosts.", "`hosts.<alias> = host:port`")]);

pub const DEFAULT_BATCH_SIZE: usize = BATCH_SIZE.int_default() as usize;
pub const DEFAULT_CONNECT_TIMEOUT: Duration =
    Duration::from_millis(CONNECT_TIMEOUT.int_default() as u64);
pub const DEFAULT_REQUEST_TIMEOUT: Duration =
    Duration::from_millis(REQUEST_TIMEOUT.int_default() as u64);
pub const DEFAULT_COMPRESSION_LEVEL: u32 = COMPRESSION_LEVEL.int_default() as u32;

#[derive(Debug, thiserror::Error)]
pub enum RpcClientError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot connect to {addr}: timed out after {ms} ms")]
    ConnectTimeout { addr: String, ms: u128 },
    #[error("TLS with {addr}: {source}")]
    Tls { addr: String, source: TlsError },
    #[error("{addr}: RPC request timed out after {ms} ms")]
    Timeout { addr: String, ms: u128 },
    #[error("{addr}: Avro RPC call returned Status: {}", .status.as_str())]
    Status { addr: String, status: Status },
    #[error("{addr}: connection closed")]
    Closed { addr: String },
    #[error("{addr}: {source}")]
    Protocol { addr: String, source: AvroRpcError },
    #[error("{addr}: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
}

/// How to reach the server and how to talk to it.
#[derive(Clone)]
pub struct RpcClientConfig {
    /// `hosts` in order (the default client uses the first; failover-type clients go on down
    /// the list).
    pub hosts: Vec<(String, u16)>,
    pub batch_size: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// `compression-type = deflate` with its `compression-level`.
    pub compression_level: Option<u32>,
    pub tls: Option<SslConnector>,
    pub max_frame: usize,
}

impl std::fmt::Debug for RpcClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcClientConfig")
            .field("hosts", &self.hosts)
            .field("batch_size", &self.batch_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("compression_level", &self.compression_level)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

fn parse_host_port(ctx: &Context, key: &str, value: &str) -> Result<(String, u16), ConfigError> {
    let (host, port) = value
        .rsplit_once(':')
        .ok_or_else(|| ctx.error(key, format!("expected host:port, got \"{value}\"")))?;
    let port = port
        .trim()
        .parse::<u16>()
        .map_err(|_| ctx.error(key, format!("expected host:port, got \"{value}\"")))?;
    Ok((host.trim().to_string(), port))
}

/// `batch-size` as `AbstractRpcClient.parseBatchSize` reads it: anything but a positive
/// integer → the default, with a warning.
pub(crate) fn batch_size_from(ctx: &Context) -> usize {
    match ctx.value(&BATCH_SIZE).map(crate::java::parse_int) {
        None => DEFAULT_BATCH_SIZE,
        Some(Some(n)) if n >= 1 => n as usize,
        Some(other) => {
            tracing::warn!(
                key = %ctx.full_key(BATCH_SIZE.name),
                "Invalid value for batchSize: {other:?}; Using default value."
            );
            DEFAULT_BATCH_SIZE
        }
    }
}

/// A timeout in ms ([`CONNECT_TIMEOUT`], [`REQUEST_TIMEOUT`]): under 1 s → the default.
pub(crate) fn timeout_from(ctx: &Context, prop: &Prop) -> Duration {
    let default = Duration::from_millis(prop.default_int() as u64);
    let key = ctx.key_of(prop);
    match ctx.get(key) {
        None => default,
        Some(v) => match crate::java::parse_long(v) {
            Some(ms) if ms >= 1000 => Duration::from_millis(ms as u64),
            Some(_) => {
                tracing::warn!(key = %ctx.full_key(key), "timeout specified less than 1s. Using default value instead.");
                default
            }
            None => {
                tracing::error!(key = %ctx.full_key(key), "Invalid timeout specified: {v}");
                default
            }
        },
    }
}

/// `hostname` and `port` of an RPC sink (`AbstractRpcSink.configure`).
pub(crate) fn sink_target(ctx: &Context) -> Result<(String, u16), ConfigError> {
    let hostname = ctx.get_required(&HOSTNAME)?;
    let port = ctx
        .value(&PORT)
        .ok_or_else(|| ctx.error(PORT.name, "No port specified"))?;
    let port = crate::java::parse_int(port)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| ctx.error(PORT.name, format!("expected a port number, got \"{port}\"")))?;
    Ok((hostname, port))
}

impl RpcClientConfig {
    /// The avro sink's keys: `hostname`, `port` and the client keys.
    pub fn from_sink_context(ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        let target = sink_target(ctx)?;
        Self::with_hosts(ctx, env, vec![target])
    }

    /// An RPC client properties file (`flume-ng avro-client -P`): `hosts`, `hosts.<h>`,
    /// `client.type` and the client keys.
    pub fn from_properties(ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        let client_type = ctx.string("client.type", "default");
        let checked = crate::config::keys::check(ctx, &[&PROPERTIES_FILE_PROPS], |_, _| None);
        for unknown in &checked.unknown {
            tracing::warn!("{unknown}");
        }
        for key in &checked.no_effect {
            tracing::warn!("{key}");
        }
        match client_type.to_ascii_lowercase().as_str() {
            "default" | "default_failover" | "default_loadbalance" => {}
            "thrift" => {
                return Err(ctx.error(
                    "client.type",
                    "the thrift RPC client is not available in flume-rs",
                ));
            }
            other => {
                return Err(ctx.error(
                    "client.type",
                    format!(
                        "expected default, default_failover or default_loadbalance, got \"{other}\""
                    ),
                ));
            }
        }
        let aliases = ctx.get("hosts").unwrap_or("").to_string();
        let mut hosts = Vec::new();
        for alias in aliases.split_whitespace() {
            let key = format!("hosts.{alias}");
            let value = ctx
                .get(&key)
                .ok_or_else(|| ctx.error(&key, "Host not found"))?
                .to_string();
            hosts.push(parse_host_port(ctx, &key, &value)?);
        }
        if hosts.is_empty() {
            return Err(ctx.error("hosts", "Hosts list is invalid"));
        }
        Self::with_hosts(ctx, env, hosts)
    }

    fn with_hosts(
        ctx: &Context,
        env: &BuildEnv,
        hosts: Vec<(String, u16)>,
    ) -> Result<Self, ConfigError> {
        let batch_size = batch_size_from(ctx);
        let connect_timeout = timeout_from(ctx, &CONNECT_TIMEOUT);
        let request_timeout = timeout_from(ctx, &REQUEST_TIMEOUT);
        let deflate = ctx
            .value(&COMPRESSION_TYPE)
            .is_some_and(|t| t.eq_ignore_ascii_case("deflate"));
        let level = ctx.value(&COMPRESSION_LEVEL);
        let compression_level = if deflate {
            let level = match level {
                None => DEFAULT_COMPRESSION_LEVEL as i32,
                Some(v) => crate::java::parse_int(v).unwrap_or_else(|| {
                    tracing::error!("Invalid compression level: {v}");
                    DEFAULT_COMPRESSION_LEVEL as i32
                }),
            };
            if !(0..=9).contains(&level) {
                return Err(ctx.error(
                    COMPRESSION_LEVEL.name,
                    format!("expected a zlib level from 0 to 9, got {level}"),
                ));
            }
            Some(level as u32)
        } else {
            None
        };
        if ctx.value(&MAX_IO_WORKERS).is_some() {
            tracing::warn!(
                key = %ctx.full_key(MAX_IO_WORKERS.name),
                "maxIoWorkers is ignored, as in Flume 1.11"
            );
        }
        let ssl = ctx.bool("ssl", false);
        let trust_all = ctx.bool("trust-all-certs", false);
        let truststore = Store::truststore_from_context(ctx, env);
        let protocols = Protocols::from_context(ctx, env);
        let tls = if ssl {
            let connector = tls::connector(trust_all, truststore.as_ref(), &protocols)
                .map_err(|e| ctx.error("truststore", e.to_string()))?;
            Some(connector)
        } else {
            None
        };
        Ok(RpcClientConfig {
            hosts,
            batch_size,
            connect_timeout,
            request_timeout,
            compression_level,
            tls,
            max_frame: DEFAULT_MAX_FRAME_BYTES,
        })
    }

    /// A plain client for `host:port` with Flume's defaults.
    pub fn new(host: &str, port: u16, batch_size: usize) -> Self {
        RpcClientConfig {
            hosts: vec![(host.to_string(), port)],
            batch_size: batch_size.max(1),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            compression_level: None,
            tls: None,
            max_frame: DEFAULT_MAX_FRAME_BYTES,
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}
type BoxStream = Box<dyn Stream>;

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<Bytes>>>>;

/// A connected client.
pub struct RpcClient {
    addr: String,
    batch_size: usize,
    request_timeout: Duration,
    writer: WriteHalf<BoxStream>,
    deflater: Option<Deflater>,
    wire: Vec<u8>,
    requester: Requester,
    pending: Pending,
    alive: Arc<AtomicBool>,
    reader: JoinHandle<()>,
}

impl std::fmt::Display for RpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NettyAvroRpcClient {{ host: {} }}", self.addr)
    }
}

impl RpcClient {
    /// Connect to the first host that answers, in `hosts` order.
    pub async fn connect(cfg: &RpcClientConfig) -> Result<RpcClient, RpcClientError> {
        let mut last = None;
        for (host, port) in &cfg.hosts {
            match Self::connect_to(cfg, host, *port).await {
                Ok(c) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(RpcClientError::Closed {
            addr: "no hosts".into(),
        }))
    }

    async fn connect_to(
        cfg: &RpcClientConfig,
        host: &str,
        port: u16,
    ) -> Result<RpcClient, RpcClientError> {
        let addr = format!("{host}:{port}");
        let ms = cfg.connect_timeout.as_millis();
        let tcp = match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect((host, port)))
            .await
        {
            Err(_) => return Err(RpcClientError::ConnectTimeout { addr, ms }),
            Ok(Err(source)) => return Err(RpcClientError::Connect { addr, source }),
            Ok(Ok(tcp)) => tcp,
        };
        // Netty's transceiver sets TCP_NODELAY.
        let _ = tcp.set_nodelay(true);
        let stream: BoxStream = match &cfg.tls {
            None => Box::new(tcp),
            Some(connector) => {
                match tokio::time::timeout(cfg.connect_timeout, tls::connect(connector, host, tcp))
                    .await
                {
                    Err(_) => return Err(RpcClientError::ConnectTimeout { addr, ms }),
                    Ok(Err(source)) => return Err(RpcClientError::Tls { addr, source }),
                    Ok(Ok(s)) => Box::new(s),
                }
            }
        };
        let (read_half, writer) = tokio::io::split(stream);
        let pending: Pending = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        let reader = tokio::spawn(read_replies(
            read_half,
            cfg.compression_level.is_some(),
            cfg.max_frame,
            Arc::clone(&pending),
            Arc::clone(&alive),
            addr.clone(),
        ));
        Ok(RpcClient {
            addr,
            batch_size: cfg.batch_size,
            request_timeout: cfg.request_timeout,
            writer,
            deflater: cfg.compression_level.map(Deflater::new),
            wire: Vec::new(),
            requester: Requester::new(),
            pending,
            alive,
            reader,
        })
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// False once a call failed or the server closed the connection.
    pub fn is_active(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    /// Send `events` as `appendBatch` calls of at most `batch-size` events, one after the
    /// other; every call must be answered OK.
    pub async fn append_batch(&mut self, events: &[Event]) -> Result<(), RpcClientError> {
        for chunk in events.chunks(self.batch_size) {
            self.expect_ok(|r| r.append_batch(chunk)).await?;
        }
        Ok(())
    }

    /// Send one event as an `append` call.
    pub async fn append(&mut self, event: &Event) -> Result<(), RpcClientError> {
        self.expect_ok(|r| r.append(event)).await
    }

    async fn expect_ok(
        &mut self,
        make: impl Fn(&mut Requester) -> OutgoingCall,
    ) -> Result<(), RpcClientError> {
        let result = match self.call(make).await {
            Ok(Reply::Status(Status::Ok)) => Ok(()),
            Ok(Reply::Status(status)) => Err(RpcClientError::Status {
                addr: self.addr.clone(),
                status,
            }),
            Ok(other) => Err(RpcClientError::Protocol {
                addr: self.addr.clone(),
                source: AvroRpcError::BadResponse(format!("unexpected reply {other:?}")),
            }),
            Err(e) => Err(e),
        };
        if result.is_err() {
            // Java marks the client DEAD on any failure; the owner closes and reconnects.
            self.alive.store(false, Ordering::Relaxed);
        }
        result
    }

    async fn call(
        &mut self,
        make: impl Fn(&mut Requester) -> OutgoingCall,
    ) -> Result<Reply, RpcClientError> {
        if !self.is_active() {
            return Err(RpcClientError::Closed {
                addr: self.addr.clone(),
            });
        }
        let deadline = tokio::time::Instant::now() + self.request_timeout;
        // A NONE handshake reply asks for the same call again, with our protocol text.
        for _ in 0..2 {
            let call = make(&mut self.requester);
            let (tx, rx) = oneshot::channel();
            self.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(call.serial, tx);
            let exchange = async {
                self.send(&call.frame).await?;
                rx.await.map_err(|_| RpcClientError::Closed {
                    addr: self.addr.clone(),
                })
            };
            let payload = match tokio::time::timeout_at(deadline, exchange).await {
                Ok(Ok(payload)) => payload,
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    self.pending
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&call.serial);
                    return Err(RpcClientError::Timeout {
                        addr: self.addr.clone(),
                        ms: self.request_timeout.as_millis(),
                    });
                }
            };
            let reply =
                self.requester
                    .read_reply(&call, &payload)
                    .map_err(|source| match source {
                        AvroRpcError::Remote(_) => RpcClientError::Protocol {
                            addr: self.addr.clone(),
                            source,
                        },
                        source => RpcClientError::Protocol {
                            addr: self.addr.clone(),
                            source,
                        },
                    })?;
            if reply != Reply::Resend {
                return Ok(reply);
            }
        }
        Err(RpcClientError::Protocol {
            addr: self.addr.clone(),
            source: AvroRpcError::BadResponse("server refused our protocol twice".into()),
        })
    }

    async fn send(&mut self, frame: &BytesMut) -> Result<(), RpcClientError> {
        let io = |source| RpcClientError::Io {
            addr: self.addr.clone(),
            source,
        };
        match &mut self.deflater {
            None => self.writer.write_all(frame).await.map_err(io)?,
            Some(deflater) => {
                self.wire.clear();
                deflater.compress(frame, &mut self.wire).map_err(|source| {
                    RpcClientError::Protocol {
                        addr: self.addr.clone(),
                        source,
                    }
                })?;
                self.writer.write_all(&self.wire).await.map_err(io)?;
            }
        }
        self.writer.flush().await.map_err(io)
    }

    /// Close the connection.
    pub async fn close(mut self) {
        let _ = self.writer.shutdown().await;
        self.reader.abort();
    }
}

impl Drop for RpcClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Read replies and hand each to the call waiting for its serial. Ends (marking the client
/// dead and failing every waiting call) when the server closes or sends garbage.
async fn read_replies(
    mut reader: ReadHalf<BoxStream>,
    deflate: bool,
    max_frame: usize,
    pending: Pending,
    alive: Arc<AtomicBool>,
    addr: String,
) {
    let mut raw = vec![0u8; 64 * 1024];
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut decoder = FrameDecoder::new(max_frame);
    let mut inflater = deflate.then(Inflater::new);
    let dispatch = |buf: &mut BytesMut, decoder: &mut FrameDecoder| -> Result<(), AvroRpcError> {
        while let Some(frame) = decoder.decode(buf)? {
            let waiter = pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&frame.serial);
            match waiter {
                Some(tx) => {
                    let _ = tx.send(frame.payload);
                }
                None => {
                    tracing::warn!(%addr, serial = frame.serial, "reply for a call nobody waits for (timed out?); ignored")
                }
            }
        }
        Ok(())
    };
    let outcome: Result<(), AvroRpcError> = async {
        loop {
            let n = match reader.read(&mut raw).await {
                Ok(0) | Err(_) => return Ok(()),
                Ok(n) => n,
            };
            match &mut inflater {
                None => {
                    buf.extend_from_slice(&raw[..n]);
                    dispatch(&mut buf, &mut decoder)?;
                }
                Some(inflater) => {
                    let mut rest = &raw[..n];
                    while !rest.is_empty() {
                        let used = inflater.inflate(rest, &mut buf, 1 << 20)?;
                        rest = &rest[used..];
                        dispatch(&mut buf, &mut decoder)?;
                        if used == 0 {
                            break;
                        }
                    }
                }
            }
        }
    }
    .await;
    if let Err(error) = outcome {
        tracing::warn!(%addr, %error, "closing the connection: bad data from the server");
    }
    alive.store(false, Ordering::Relaxed);
    pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The properties-file table declares every key `from_properties` reads, and a misspelt
    /// key is found with the right suggestion.
    #[test]
    fn properties_file_table_matches_what_is_read() {
        let ctx = Context::from_pairs(
            "",
            [
                ("client.type", "default_failover"),
                ("hosts", "h1 h2"),
                ("hosts.h1", "127.0.0.1:9"),
                ("hosts.h2", "127.0.0.1:10"),
                ("compression-type", "deflate"),
                ("truststore", "/nonexistent"),
                ("max-attempts", "3"),
                ("batch-sise", "7"),
            ],
        );
        let config = RpcClientConfig::from_properties(&ctx, &BuildEnv::default()).unwrap();
        assert_eq!(config.hosts.len(), 2);
        for key in ctx.asked() {
            assert!(
                PROPERTIES_FILE_PROPS.declares(&key),
                "{key} is read, not declared"
            );
        }
        let checked = crate::config::keys::check(&ctx, &[&PROPERTIES_FILE_PROPS], |_, _| None);
        let unknown: Vec<String> = checked.unknown.iter().map(|u| u.to_string()).collect();
        assert_eq!(
            unknown,
            ["batch-sise: unknown property, ignored (did you mean batch-size?)"]
        );
        let no_effect: Vec<&str> = checked.no_effect.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(no_effect, ["max-attempts"]);
    }
}
