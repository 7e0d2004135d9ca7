//! `thrift` source (`org.apache.flume.source.ThriftSource`): a Thrift server for
//! `ThriftSourceProtocol` ([`crate::thrift_rpc`]), framed transport, compact (default) or
//! binary protocol. A call is answered `OK` only once the channel put committed, `FAILED`
//! when the channels refused it (full channel and the like), as Flume's handler does.
//! Unreadable arguments and unknown methods are answered with a `TApplicationException`
//! (PROTOCOL_ERROR, UNKNOWN_METHOD); a frame that cannot be read (bad length, wrong protocol,
//! truncated message) closes the connection with a log line, and the source keeps serving.
//!
//! Keys: [`PROPS`] (the TLS keys from [`tls::SERVER_PROPS`]). `kerberos = true` is refused:
//! SASL/GSSAPI is not implemented.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::BytesMut;
use openssl::ssl::SslAcceptor;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::deliver::{Call as Calls, Counting, Failure};
use super::{Source, SourceContext, SourceError};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{self, Prop, PropTable, Type};
use crate::thrift_rpc::client::{PROTOCOL, protocol_from};
use crate::thrift_rpc::{
    Call, FrameDecoder, MAX_FRAME_BYTES, Protocol, Request, Status, ThriftError, write_exception,
    write_reply,
};
use crate::tls;

pub const THREADS: Prop = Prop::int(
    "threads",
    0,
    "the most calls executed at once (≤ 0 or not a number: no limit)",
);
pub const KERBEROS: Prop = Prop::bool(
    "kerberos",
    false,
    "SASL/GSSAPI authentication of clients (true is refused: not implemented)",
);
pub const AGENT_PRINCIPAL: Prop = Prop::text("agent-principal", "Kerberos principal of the source")
    .no_effect("Kerberos is not implemented for thrift (reported when set)");
pub const AGENT_KEYTAB: Prop = Prop::new(
    "agent-keytab",
    Type::Path,
    registry::Default::None,
    "keytab of agent-principal",
)
.no_effect("Kerberos is not implemented for thrift (reported when set)");
pub const MAX_CONNECTIONS: Prop = Prop::long(
    "max-connections",
    4096,
    "connections served at once (flume-rs's own; more wait to be accepted)",
);

/// `thrift` source keys (`ThriftSource.configure`, TLS from `SslContextAwareAbstractSource`).
pub const PROPS: PropTable = PropTable::new(&[
    crate::net::BIND,
    crate::net::PORT,
    PROTOCOL,
    THREADS,
    KERBEROS,
    AGENT_PRINCIPAL,
    AGENT_KEYTAB,
    MAX_CONNECTIONS,
])
.including(&[&tls::SERVER_PROPS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "thrift",
    props: &PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(ThriftSource::from_context(name, ctx, env)?))
    },
};

pub struct ThriftSource {
    name: String,
    bind: String,
    port: u16,
    protocol: Protocol,
    threads: Option<usize>,
    tls: Option<SslAcceptor>,
    max_connections: usize,
    counter: Arc<SourceCounter>,
}

impl ThriftSource {
    pub fn from_context(name: &str, ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        // SslContextAwareAbstractSource.configureSsl runs first.
        let tls = tls::server_from_context(ctx, env, "Thrift source", tls::Keys::FLUME)?;
        tracing::info!("Configuring thrift source.");
        let port = crate::net::PORT.name;
        if ctx.value(&crate::net::PORT).is_none() {
            return Err(ctx.error(port, "Port must be specified for Thrift Source."));
        }
        let port = crate::net::port(ctx, port)?;
        let bind = ctx.value(&crate::net::BIND).ok_or_else(|| {
            ctx.error(
                crate::net::BIND.name,
                "Bind address must be specified for Thrift Source.",
            )
        })?;
        let bind = bind.to_string();
        let threads = match ctx.value(&THREADS) {
            None => None,
            Some(v) => match crate::java::parse_int(v) {
                Some(n) if n > 0 => Some(n as usize),
                Some(_) => None,
                None => {
                    tracing::warn!(
                        key = %ctx.full_key(THREADS.name),
                        "Thrift source's \"threads\" property must specify an integer value: {v}"
                    );
                    None
                }
            },
        };
        let protocol = protocol_from(ctx, true)?;
        if ctx.get_bool(&KERBEROS) {
            return Err(ctx.error(
                KERBEROS.name,
                "Kerberos (SASL/GSSAPI) for the thrift source is not supported by flume-rs",
            ));
        }
        for prop in [&AGENT_PRINCIPAL, &AGENT_KEYTAB] {
            if ctx.value(prop).is_some() {
                tracing::warn!(key = %ctx.full_key(prop.name), "not used: Kerberos is off (kerberos = false)");
            }
        }
        let max_connections = match ctx.get_long(&MAX_CONNECTIONS)? {
            n if n >= 1 => n as usize,
            n => {
                return Err(ctx.error(
                    MAX_CONNECTIONS.name,
                    format!("expected a positive number, got {n}"),
                ));
            }
        };
        Ok(ThriftSource {
            name: name.to_string(),
            bind,
            port,
            protocol,
            threads,
            tls,
            max_connections,
            counter: SourceCounter::new(name),
        })
    }
}

/// What every connection of one source shares.
struct Shared {
    cx: SourceContext,
    protocol: Protocol,
    counter: Arc<SourceCounter>,
    /// `threads`: calls executing at once.
    workers: Option<Semaphore>,
}

impl Shared {
    /// `ThriftSourceHandler`: `OK` once the put committed, `FAILED` when the channels refused
    /// it (`ChannelWriteFail`).
    async fn execute(&self, call: Call) -> Status {
        let _worker = match &self.workers {
            Some(w) => w.acquire().await.ok(),
            None => None,
        };
        let name = &self.cx.name;
        // Flume counts ChannelWriteFail for a ChannelException only.
        let counting = Counting::EVENTS.failures(Some(Failure::ChannelWrite), None);
        let delivered = match call {
            Call::Append(event) => {
                let counting = counting.call(Calls::Append);
                self.cx.deliver(&self.counter, counting, vec![event]).await.map_err(|error| {
                    tracing::warn!(%error, "Thrift source {name} could not append events to the channel.");
                })
            }
            Call::AppendBatch(events) => {
                let counting = counting.call(Calls::AppendBatch);
                self.cx.deliver(&self.counter, counting, events).await.map_err(|error| {
                    // Flume's line, "%s" and all (an SLF4J call with a printf pattern).
                    tracing::warn!(source = %name, %error, "Thrift source %s could not append events to the channel.");
                })
            }
        };
        match delivered {
            Ok(()) => Status::Ok,
            Err(()) => Status::Failed,
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Thrift(#[from] ThriftError),
}

/// One client connection: read frames, answer each in turn.
async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let budget = crate::source::budget::global();
    let decoder = FrameDecoder::new(MAX_FRAME_BYTES.min(budget.max_request() as usize));
    let mut frames = BytesMut::with_capacity(64 * 1024);
    let mut out = Vec::with_capacity(64);
    // The bytes read and not yet answered, held from the agent's memory budget.
    let mut held = budget.empty();
    let result = async {
        loop {
            while let Some(frame) = decoder.decode(&mut frames)? {
                out.clear();
                match crate::thrift_rpc::read_request(shared.protocol, &frame)? {
                    Request::Call { name, seq, call } => {
                        let status = shared.execute(call).await;
                        write_reply(shared.protocol, &name, seq, status, &mut out);
                    }
                    Request::Refuse {
                        name,
                        seq,
                        kind,
                        message,
                    } => {
                        tracing::warn!(source = %shared.cx.name, method = %name, "refusing a call: {message}");
                        write_exception(shared.protocol, &name, seq, kind, &message, &mut out);
                    }
                }
                stream.write_all(&out).await?;
                stream.flush().await?;
            }
            if frames.is_empty() {
                held.release();
            }
            frames.reserve(64 * 1024);
            let n = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                n = stream.read_buf(&mut frames) => n?,
            };
            if n == 0 {
                return Ok(());
            }
            // No more reading from this client until the budget has room for what it sent.
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                r = held.grow_to(frames.len() as u64, budget.bytes(), &budget) => {
                    r.map_err(|refusal| std::io::Error::other(refusal.to_string()))?
                }
            }
        }
    }
    .await;
    let _ = stream.shutdown().await;
    result
}

#[async_trait]
impl Source for ThriftSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        tracing::info!("Starting thrift source");
        let listener = TcpListener::bind((self.bind.as_str(), self.port))
            .await
            .map_err(|e| {
                SourceError::Other(format!(
                    "Cannot start Thrift source: {}:{}: {e}",
                    self.bind, self.port
                ))
            })?;
        tracing::info!("Using {}", self.protocol.java_name());
        tracing::info!("Started Thrift source.");
        let shared = Arc::new(Shared {
            cx: cx.clone(),
            protocol: self.protocol,
            counter: Arc::clone(&self.counter),
            workers: self.threads.map(Semaphore::new),
        });
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let server = format!("Thrift source {}", self.name);
        crate::net::serve_tcp(listener, permits, &cx.shutdown, &server, |tcp, peer| {
            let shared = Arc::clone(&shared);
            let tls = self.tls.clone();
            async move {
                let _ = tcp.set_nodelay(true);
                let name = shared.cx.name.clone();
                let shutdown = shared.cx.shutdown.clone();
                let outcome = match tls {
                    None => serve_connection(tcp, shared, shutdown).await,
                    Some(acceptor) => match tls::accept(&acceptor, tcp).await {
                        Ok(stream) => serve_connection(stream, shared, shutdown).await,
                        Err(error) => {
                            tracing::warn!(source = %name, %peer, %error, "TLS handshake failed");
                            Ok(())
                        }
                    },
                };
                if let Err(error) = outcome {
                    tracing::warn!(source = %name, %peer, %error, "closing Thrift connection");
                }
            }
        })
        .await;
        tracing::info!("Thrift source {} stopped.", self.name);
        Ok(())
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_name_the_key() {
        let env = BuildEnv::default();
        let build = |pairs: &[(&str, &str)]| {
            let ctx = Context::from_pairs("a1.sources.r1.", pairs.iter().copied());
            ThriftSource::from_context("r1", &ctx, &env).map(|s| s.protocol)
        };
        assert_eq!(
            build(&[("bind", "0.0.0.0")]).err().unwrap().key,
            "a1.sources.r1.port"
        );
        assert_eq!(
            build(&[("port", "4141")]).err().unwrap().key,
            "a1.sources.r1.bind"
        );
        let base = [("bind", "0.0.0.0"), ("port", "4141")];
        let with = |extra: (&str, &str)| {
            let mut v = base.to_vec();
            v.push(extra);
            build(&v)
        };
        assert_eq!(build(&base).unwrap(), Protocol::Compact);
        assert_eq!(with(("protocol", "binary")).unwrap(), Protocol::Binary);
        // Validated ignoring case, selected with `equals`: BINARY means compact in Flume.
        assert_eq!(with(("protocol", "BINARY")).unwrap(), Protocol::Compact);
        assert_eq!(
            with(("protocol", "json")).err().unwrap().key,
            "a1.sources.r1.protocol"
        );
        assert_eq!(
            with(("ssl", "true")).err().unwrap().key,
            "a1.sources.r1.keystore"
        );
        let err = with(("kerberos", "true")).err().unwrap();
        assert_eq!(err.key, "a1.sources.r1.kerberos");
        assert!(err.to_string().contains("not supported"), "{err}");
    }
}
