//! `avro` source (`org.apache.flume.source.AvroSource`, reference §9.10): an Avro RPC server
//! for `AvroSourceProtocol`. A batch is answered `OK` only once the channel put committed, and
//! `FAILED` otherwise (the client retries); malformed calls get Avro system errors, malformed
//! frames close the connection.
//!
//! Keys: `bind`, `port` (required), `threads` (accepted, unused as in 1.11), `compression-type`
//! (`deflate` = zlib stream), `ssl` + `keystore`/`keystore-password`/`keystore-type` (PKCS12;
//! a JKS keystore is refused with the `keytool` command that converts it),
//! `include-/exclude-protocols`, `ipFilter` + `ipFilterRules`, and flume-rs's
//! `max-connections` (default 4096: beyond it, new connections wait in the accept backlog).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use bytes::BytesMut;
use openssl::ssl::SslAcceptor;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::budget::{MemoryBudget, Reservation};
use super::deliver::{Call as Calls, Counting};
use super::{Source, SourceContext, SourceError};
use crate::avro_rpc::{
    AvroRpcError, Call, Connection, DEFAULT_MAX_FRAME_BYTES, Deflater, FrameDecoder, Inflater,
    Responder, Status, Step,
};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{self, Prop, PropTable, Type};
use crate::tls;

pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Deflate level of the server's zlib stream (Netty's `ZlibEncoder` default in Flume).
const SERVER_DEFLATE_LEVEL: u32 = 6;

/// One `allow|deny:ip|name:<pattern>` rule (Netty's `PatternRule`).
#[derive(Debug, Clone)]
pub struct IpRule {
    allow: bool,
    by_name: bool,
    localhost: bool,
    pattern: Option<regex::Regex>,
}

/// `ipFilterRules`: the first rule that matches decides; no match → allowed.
#[derive(Debug, Clone)]
pub struct IpFilter {
    rules: Vec<IpRule>,
}

impl IpFilter {
    pub fn parse(rules: &str) -> Result<Self, String> {
        let rules = rules
            .split(',')
            .map(|r| IpRule::parse(r.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IpFilter { rules })
    }

    /// Whether a client at `ip` may connect. Name rules look the address up (reverse DNS).
    pub async fn allows(&self, ip: IpAddr) -> bool {
        let mut name: Option<String> = None;
        for rule in &self.rules {
            if rule.localhost && ip.is_loopback() {
                return rule.allow;
            }
            let Some(pattern) = &rule.pattern else {
                continue;
            };
            let text = if rule.by_name {
                if name.is_none() {
                    name = Some(reverse_lookup(ip).await);
                }
                name.clone().unwrap_or_default()
            } else {
                java_host_address(ip)
            };
            if pattern.is_match(&text) {
                return rule.allow;
            }
        }
        true
    }
}

impl IpRule {
    /// Flume's `generateRule`, then Netty's `PatternRule` glob → regex translation.
    fn parse(definition: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "Invalid ipFilter patternRule '{definition}' should look like <'allow'  or 'deny'>:<'ip' or 'name'>:<pattern>"
            )
        };
        let (access, rest) = definition.split_once(':').ok_or_else(invalid)?;
        let (kind, pattern) = rest.split_once(':').ok_or_else(invalid)?;
        let allow = match access {
            "allow" => true,
            "deny" => false,
            _ => return Err(invalid()),
        };
        let by_name = match kind {
            "ip" => false,
            "name" => true,
            _ => return Err(invalid()),
        };
        let localhost = by_name && pattern == "localhost";
        let pattern = if localhost || pattern.is_empty() {
            None
        } else {
            let translated = pattern
                .replace('.', "\\.")
                .replace('*', ".*")
                .replace('?', ".");
            Some(
                regex::Regex::new(&format!("^(?:{translated})$"))
                    .map_err(|e| format!("ipFilter pattern '{pattern}': {e}"))?,
            )
        };
        tracing::info!(
            "Adding ipFilter PatternRule: {} {}:{}",
            if allow { "Allow" } else { "deny" },
            if by_name { "n" } else { "i" },
            definition.splitn(3, ':').nth(2).unwrap_or("")
        );
        Ok(IpRule {
            allow,
            by_name,
            localhost,
            pattern,
        })
    }
}

/// `InetAddress.getHostAddress()`: dotted IPv4, or IPv6 in full uncompressed hex groups.
fn java_host_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6
                .segments()
                .iter()
                .map(|s| format!("{s:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
    }
}

/// `InetAddress.getHostName()`: the reverse-DNS name, or the address text when there is none.
async fn reverse_lookup(ip: IpAddr) -> String {
    tokio::task::spawn_blocking(move || {
        let addr = std::net::SocketAddr::new(ip, 0);
        let (storage, len) = socket_addr_to_c(&addr);
        let mut host = [0 as libc::c_char; 1025];
        // SAFETY: `storage` holds a valid sockaddr of `len` bytes; `host` is a writable
        // buffer whose length is passed; getnameinfo writes a NUL-terminated string.
        let rc = unsafe {
            libc::getnameinfo(
                &storage as *const libc::sockaddr_storage as *const libc::sockaddr,
                len,
                host.as_mut_ptr(),
                host.len() as libc::socklen_t,
                std::ptr::null_mut(),
                0,
                libc::NI_NAMEREQD,
            )
        };
        if rc != 0 {
            return java_host_address(ip);
        }
        // SAFETY: getnameinfo succeeded, so `host` is NUL-terminated.
        unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    })
    .await
    .unwrap_or_else(|_| java_host_address(ip))
}

fn socket_addr_to_c(addr: &std::net::SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        std::net::SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large enough for sockaddr_in.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in,
                    sin,
                )
            };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        std::net::SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: 0,
            };
            // SAFETY: sockaddr_storage is large enough for sockaddr_in6.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in6,
                    sin6,
                )
            };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

pub const COMPRESSION_TYPE: Prop = Prop::new(
    "compression-type",
    Type::Enum(&["none", "deflate"]),
    registry::Default::Str("none"),
    "`deflate`: the whole connection is a zlib stream (the sink must say the same)",
);
pub const THREADS: Prop = Prop::new(
    "threads",
    Type::Int,
    registry::Default::None,
    "worker threads of Avro's Netty server",
)
.no_effect("connections are served by the agent's async runtime (`max-connections` bounds them)");
pub const IP_FILTER: Prop = Prop::bool("ipFilter", false, "accept or refuse clients by address");
pub const IP_FILTER_RULES: Prop = Prop::text(
    "ipFilterRules",
    "`allow|deny:ip|name:<pattern>`, comma separated, first match wins",
);
pub const MAX_CONNECTIONS: Prop = Prop::long(
    "max-connections",
    DEFAULT_MAX_CONNECTIONS as i64,
    "connections served at once (flume-rs's own; more wait to be accepted)",
);

/// `avro` source keys.
pub const PROPS: PropTable = PropTable::new(&[
    crate::net::BIND,
    crate::net::PORT,
    COMPRESSION_TYPE,
    THREADS,
    IP_FILTER,
    IP_FILTER_RULES,
    MAX_CONNECTIONS,
])
.including(&[&tls::SERVER_PROPS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "avro",
    props: &PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(AvroSource::from_context(name, ctx, env)?))
    },
};

pub struct AvroSource {
    name: String,
    bind: String,
    port: u16,
    deflate: bool,
    tls: Option<SslAcceptor>,
    ip_filter: Option<IpFilter>,
    max_connections: usize,
    max_frame: usize,
    counter: Arc<SourceCounter>,
}

impl AvroSource {
    pub fn from_context(name: &str, ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        let bind = ctx.value(&crate::net::BIND);
        let port = ctx.value(&crate::net::PORT);
        let (Some(bind), Some(_)) = (bind, port) else {
            let missing = if bind.is_none() { "bind" } else { "port" };
            return Err(ctx.error(
                missing,
                "Required parameter is missing: bind and port must both be set",
            ));
        };
        let bind = bind.to_string();
        let port = crate::net::port(ctx, crate::net::PORT.name)?;
        let deflate = ctx
            .value(&COMPRESSION_TYPE)
            .is_some_and(|t| t.eq_ignore_ascii_case("deflate"));
        if let Some(threads) = ctx.value(&THREADS)
            && crate::java::parse_int(threads).is_none()
        {
            tracing::warn!(key = %ctx.full_key("threads"), "AVRO source '{name}' 'threads' parameter is not an integer: {threads}");
        }
        let ip_filter = if ctx.get_bool(&IP_FILTER) {
            let rules = ctx.value(&IP_FILTER_RULES).unwrap_or("").trim().to_string();
            if rules.is_empty() {
                return Err(ctx.error(
                    "ipFilterRules",
                    "ipFilter is configured with true but ipFilterRules is not defined",
                ));
            }
            Some(IpFilter::parse(&rules).map_err(|e| ctx.error("ipFilterRules", e))?)
        } else {
            None
        };
        let tls = tls::server_from_context(ctx, env, "Avro source", tls::Keys::FLUME)?;
        let max_connections = match ctx.get_long(&MAX_CONNECTIONS)? {
            n if n >= 1 => n as usize,
            n => {
                return Err(ctx.error(
                    "max-connections",
                    format!("expected a positive number, got {n}"),
                ));
            }
        };
        Ok(AvroSource {
            name: name.to_string(),
            bind,
            port,
            deflate,
            tls,
            ip_filter,
            max_connections,
            max_frame: DEFAULT_MAX_FRAME_BYTES,
            counter: SourceCounter::new(name),
        })
    }
}

/// What every connection of one source shares.
struct Shared {
    cx: SourceContext,
    counter: Arc<SourceCounter>,
    responder: Responder,
    deflate: bool,
    max_frame: usize,
}

impl Shared {
    /// Run a call against the channels: `OK` once the put committed, `FAILED` otherwise.
    async fn execute(&self, call: Call) -> Status {
        let name = &self.cx.name;
        let delivered = match call {
            Call::AppendBatch(events) => {
                tracing::debug!(
                    "Avro source {name}: Received avro event batch of {} events.",
                    events.len()
                );
                let counting = Counting::EVENTS.call(Calls::AppendBatch);
                self.cx.deliver(&self.counter, counting, events).await.map_err(|error| {
                    tracing::error!(%error, "Avro source {name}: Unable to process event batch. Exception follows.");
                })
            }
            Call::Append(event) => {
                let counting = Counting::EVENTS.call(Calls::Append);
                self.cx.deliver(&self.counter, counting, vec![event]).await.map_err(|error| {
                    tracing::warn!(%error, "Avro source {name}: Unable to process event. Exception follows.");
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
    Rpc(#[from] AvroRpcError),
}

/// One client connection: read frames, answer each in turn.
struct ConnectionTask<S> {
    stream: S,
    shared: Arc<Shared>,
    conn: Connection,
    decoder: FrameDecoder,
    frames: BytesMut,
    deflater: Option<Deflater>,
    wire: Vec<u8>,
    /// The bytes read and not yet answered, held from the agent's memory budget.
    held: Reservation,
    budget: Arc<MemoryBudget>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ConnectionTask<S> {
    fn new(stream: S, shared: Arc<Shared>) -> Self {
        let deflate = shared.deflate;
        let budget = crate::source::budget::global();
        let max_frame = shared.max_frame.min(budget.max_request() as usize);
        ConnectionTask {
            stream,
            shared,
            conn: Connection::default(),
            decoder: FrameDecoder::new(max_frame),
            frames: BytesMut::with_capacity(64 * 1024),
            deflater: deflate.then(|| Deflater::new(SERVER_DEFLATE_LEVEL)),
            wire: Vec::new(),
            held: budget.empty(),
            budget,
        }
    }

    async fn run(mut self, shutdown: CancellationToken) -> Result<(), ServeError> {
        let mut inflater = self.shared.deflate.then(Inflater::new);
        let mut raw = vec![0u8; if inflater.is_some() { 64 * 1024 } else { 0 }];
        let result: Result<(), ServeError> = async {
            loop {
                match &mut inflater {
                    None => {
                        self.frames.reserve(64 * 1024);
                        let n = tokio::select! {
                            _ = shutdown.cancelled() => return Ok(()),
                            n = self.stream.read_buf(&mut self.frames) => n?,
                        };
                        if n == 0 {
                            return Ok(());
                        }
                        tokio::select! {
                            _ = shutdown.cancelled() => return Ok(()),
                            r = self.hold_frames() => r?,
                        }
                        self.answer_frames().await?;
                    }
                    Some(inflater) => {
                        let n = tokio::select! {
                            _ = shutdown.cancelled() => return Ok(()),
                            n = self.stream.read(&mut raw) => n?,
                        };
                        if n == 0 {
                            return Ok(());
                        }
                        let mut rest = &raw[..n];
                        while !rest.is_empty() {
                            let used = inflater.inflate(rest, &mut self.frames, 1 << 20)?;
                            rest = &rest[used..];
                            tokio::select! {
                                _ = shutdown.cancelled() => return Ok(()),
                                r = self.hold_frames() => r?,
                            }
                            self.answer_frames().await?;
                            if used == 0 {
                                break;
                            }
                        }
                    }
                }
            }
        }
        .await;
        if let Some(deflater) = &mut self.deflater {
            // Java's ZlibEncoder ends the stream when the channel closes.
            self.wire.clear();
            if deflater.finish(&mut self.wire).is_ok() {
                let _ = self.stream.write_all(&self.wire).await;
            }
        }
        let _ = self.stream.shutdown().await;
        result
    }

    /// Hold what was read and not yet answered from the budget; until it has room, nothing
    /// more is read from this client (TCP holds it back).
    async fn hold_frames(&mut self) -> Result<(), ServeError> {
        let size = self.frames.len() as u64;
        let limit = self.budget.bytes();
        self.held
            .grow_to(size, limit, &self.budget)
            .await
            .map_err(|refusal| ServeError::Io(std::io::Error::other(refusal.to_string())))
    }

    async fn answer_frames(&mut self) -> Result<(), ServeError> {
        while let Some(frame) = self.decoder.decode(&mut self.frames)? {
            let reply = match self.shared.responder.respond(&mut self.conn, &frame) {
                Step::Reply(reply) => reply,
                Step::Execute(call, pending) => pending.finish(self.shared.execute(call).await),
            };
            match &mut self.deflater {
                None => self.stream.write_all(&reply).await?,
                Some(deflater) => {
                    self.wire.clear();
                    deflater.compress(&reply, &mut self.wire)?;
                    self.stream.write_all(&self.wire).await?;
                }
            }
            self.stream.flush().await?;
        }
        if self.frames.is_empty() {
            self.held.release();
        }
        Ok(())
    }
}

#[async_trait]
impl Source for AvroSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        tracing::info!(
            "Starting Avro source {}: {{ bindAddress: {}, port: {} }}...",
            self.name,
            self.bind,
            self.port
        );
        let listener = TcpListener::bind((self.bind.as_str(), self.port)).await?;
        tracing::info!("Avro source {} started.", self.name);
        let shared = Arc::new(Shared {
            cx: cx.clone(),
            counter: Arc::clone(&self.counter),
            responder: Responder::new(),
            deflate: self.deflate,
            max_frame: self.max_frame,
        });
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let server = format!("Avro source {}", self.name);
        let ip_filter = self.ip_filter.clone().map(Arc::new);
        crate::net::serve_tcp(listener, permits, &cx.shutdown, &server, |tcp, peer| {
            let shared = Arc::clone(&shared);
            let ip_filter = ip_filter.clone();
            let tls = self.tls.clone();
            async move {
                if let Some(filter) = &ip_filter
                    && !filter.allows(peer.ip()).await
                {
                    tracing::debug!(source = %shared.cx.name, %peer, "connection refused by ipFilterRules");
                    return;
                }
                let _ = tcp.set_nodelay(true);
                let counter = Arc::clone(&shared.counter);
                let shutdown = shared.cx.shutdown.clone();
                counter.open_connections.fetch_add(1, Ordering::Relaxed);
                let outcome = match tls {
                    None => ConnectionTask::new(tcp, shared).run(shutdown).await,
                    Some(acceptor) => match tls::accept(&acceptor, tcp).await {
                        Ok(stream) => ConnectionTask::new(stream, shared).run(shutdown).await,
                        Err(error) => {
                            tracing::warn!(%peer, %error, "TLS handshake failed");
                            Ok(())
                        }
                    },
                };
                if let Err(error) = outcome {
                    tracing::warn!(%peer, %error, "closing Avro RPC connection");
                }
                counter.open_connections.fetch_sub(1, Ordering::Relaxed);
            }
        })
        .await;
        tracing::info!(
            "Avro source {} stopping: {}:{}",
            self.name,
            self.bind,
            self.port
        );
        tracing::info!("Avro source {} stopped.", self.name);
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
    fn ip_rules_follow_netty_pattern_rule() {
        let f = IpFilter::parse("allow:ip:127.*,deny:ip:*").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(f.allows("127.0.0.1".parse().unwrap())));
        assert!(!rt.block_on(f.allows("10.1.2.3".parse().unwrap())));
        let f = IpFilter::parse("deny:name:localhost,allow:ip:*").unwrap();
        assert!(!rt.block_on(f.allows("127.0.0.1".parse().unwrap())));
        assert!(rt.block_on(f.allows("10.0.0.1".parse().unwrap())));
        // No rule matches: allowed, as Netty's IpFilterRuleHandler does.
        let f = IpFilter::parse("deny:ip:10.?.0.1").unwrap();
        assert!(!rt.block_on(f.allows("10.5.0.1".parse().unwrap())));
        assert!(rt.block_on(f.allows("10.15.0.1".parse().unwrap())));
        assert!(IpFilter::parse("permit:ip:*").is_err());
        assert!(IpFilter::parse("allow:host:*").is_err());
        assert!(IpFilter::parse("allow").is_err());
        assert_eq!(java_host_address("::1".parse().unwrap()), "0:0:0:0:0:0:0:1");
    }

    #[test]
    fn configuration_errors_name_the_key() {
        let env = BuildEnv::default();
        let ctx = Context::from_pairs("a1.sources.r1.", [("bind", "0.0.0.0")]);
        let err = AvroSource::from_context("r1", &ctx, &env).err().unwrap();
        assert_eq!(err.key, "a1.sources.r1.port");
        let ctx = Context::from_pairs(
            "a1.sources.r1.",
            [("bind", "0.0.0.0"), ("port", "4141"), ("ipFilter", "true")],
        );
        let err = AvroSource::from_context("r1", &ctx, &env).err().unwrap();
        assert_eq!(err.key, "a1.sources.r1.ipFilterRules");
        let ctx = Context::from_pairs(
            "a1.sources.r1.",
            [("bind", "0.0.0.0"), ("port", "4141"), ("ssl", "true")],
        );
        let err = AvroSource::from_context("r1", &ctx, &env).err().unwrap();
        assert_eq!(err.key, "a1.sources.r1.keystore");
        let ctx = Context::from_pairs(
            "a1.sources.r1.",
            [
                ("bind", "0.0.0.0"),
                ("port", "4141"),
                ("threads", "5"),
                ("compression-type", "DEFLATE"),
            ],
        );
        let src = AvroSource::from_context("r1", &ctx, &env).unwrap();
        assert!(src.deflate);
        assert!(ctx.unread().is_empty());
    }
}
