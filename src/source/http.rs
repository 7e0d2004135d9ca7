//! `http` source (`HTTPSource`): every request to any path is turned into events by a handler
//! (JSONHandler by default, BlobHandler) and put in one batch; 200 on success, 400 for a bad
//! request, 503 when the channel is full, 500 otherwise; TRACE/OPTIONS are forbidden
//! (reference §9.9). With `ssl = true` it serves HTTPS with a JKS or PKCS12 keystore and
//! Flume's `SslContextAwareAbstractSource` keys (`keystore`, `keystore-password`,
//! `keystore-type`, `include-/exclude-protocols`, `include-/exclude-cipher-suites`, and the
//! deprecated `enableSSL`, `keystorePassword`, `excludeProtocols`; see [`crate::tls`]).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use openssl::ssl::SslAcceptor;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::budget::{MemoryBudget, Refusal, Reservation};
use super::deliver::{Call, Counting, Failure};
use super::{Source, SourceContext, SourceError};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{self, Prefix, Prop, PropTable, Type};

const MAX_CONNECTIONS: usize = 1024;

/// Why a handler could not turn a request into events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// Flume's `HTTPBadRequestException` → 400.
    #[error("{0}")]
    BadRequest(String),
    /// Any other handler exception → 500.
    #[error("{0}")]
    Internal(String),
}

#[derive(Debug, Clone)]
pub enum Handler {
    Json,
    Blob {
        max_blob_length: usize,
    },
    /// A handler class of the plugin host (a Java `HTTPSourceHandler`).
    Hosted(Arc<dyn HostedHandler>),
}

/// An HTTP source handler the plugin host runs (a Java `HTTPSourceHandler` class).
#[async_trait]
pub trait HostedHandler: std::fmt::Debug + Send + Sync {
    async fn events(&self, req: &RequestParts, body: &[u8]) -> Result<Vec<Event>, HandlerError>;
}

/// Makes a hosted handler from its class, the source's name and the source's context
/// (`handler.` keys); the error is Flume's "Error while configuring HTTPSource". The plugin
/// host installs it ([`install_hosted_handlers`]) when an agent is built, so that the source
/// does not depend on the host.
pub type HostedHandlers = fn(&str, &str, &Context) -> Result<Arc<dyn HostedHandler>, ConfigError>;

static HOSTED_HANDLERS: std::sync::OnceLock<HostedHandlers> = std::sync::OnceLock::new();

/// Install the plugin host's handler factory (the first one installed stays).
pub fn install_hosted_handlers(create: HostedHandlers) {
    let _ = HOSTED_HANDLERS.set(create);
}

/// What a handler may read of a request besides its body.
#[derive(Debug, Clone)]
pub struct RequestParts {
    pub method: String,
    /// The path, as sent (not decoded).
    pub path: String,
    pub query: Option<String>,
    pub protocol: String,
    /// Header names as sent, every value in order.
    pub headers: Vec<(String, String)>,
    pub remote: std::net::SocketAddr,
    pub local: std::net::SocketAddr,
}

const JSON_HANDLER: &str = "org.apache.flume.source.http.JSONHandler";
const BLOB_HANDLER: &str = "org.apache.flume.sink.solr.morphline.BlobHandler";

/// `JSONHandler` has no keys.
pub const JSON_HANDLER_PROPS: PropTable = PropTable::EMPTY;
pub const MAX_BLOB_LENGTH: Prop = Prop::long(
    "maxBlobLength",
    100_000_000,
    "largest request body in bytes; a longer body is cut to this length (> 0)",
);
pub const BLOB_HANDLER_PROPS: PropTable = PropTable::new(&[MAX_BLOB_LENGTH]);

/// The property table of a handler, by registry name.
pub fn handler_props(name: &str) -> Option<&'static PropTable> {
    match name {
        JSON_HANDLER => Some(&JSON_HANDLER_PROPS),
        BLOB_HANDLER => Some(&BLOB_HANDLER_PROPS),
        _ => None,
    }
}

pub const BIND: Prop = Prop::string("bind", "0.0.0.0", "address to listen on");
pub const HANDLER: Prop = Prop::new(
    "handler",
    Type::Class,
    registry::Default::Str(JSON_HANDLER),
    "turns a request into events",
);

const NO_JETTY: &str = "flume-rs does not run Jetty; its HTTP server has no such setting";
const NOT_FLUME_19: &str = "not read by Flume 1.9's http source either (its deprecated names are enableSSL, keystorePassword and excludeProtocols); use the dashed name";

/// flume-rs's own: the largest request body; unset, `-Dflume.sources.maxRequestBytes`.
pub const MAX_REQUEST_BYTES: Prop = Prop::new(
    "maxRequestBytes",
    Type::Long,
    registry::Default::Computed("-Dflume.sources.maxRequestBytes, 134217728 (128 MiB) unless set"),
    "largest request body in bytes; a larger request is answered 413 before it is read (flume-rs only)",
);

/// `http` source keys: Flume's TLS keys with the http source's deprecated names
/// ([`crate::tls::HTTP_SERVER_PROPS`]).
pub const PROPS: PropTable = PropTable::new(&[
    crate::net::PORT,
    BIND,
    HANDLER,
    MAX_REQUEST_BYTES,
    Prop::string("keystoreType", "JKS", "use keystore-type").no_effect(NOT_FLUME_19),
    Prop::text("includeProtocols", "use include-protocols").no_effect(NOT_FLUME_19),
    Prop::text("excludeCipherSuites", "use exclude-cipher-suites").no_effect(NOT_FLUME_19),
    Prop::text("includeCipherSuites", "use include-cipher-suites").no_effect(NOT_FLUME_19),
])
.including(&[&crate::tls::HTTP_SERVER_PROPS])
.with_prefixes(&[
    Prefix::typed(
        "handler.",
        registry::Kind::HttpHandler,
        Some("handler"),
        Some(JSON_HANDLER),
        "the handler's keys",
    ),
    Prefix::pass_through("QueuedThreadPool.", "Jetty thread pool bean setters").no_effect(NO_JETTY),
    Prefix::pass_through(
        "HttpConfiguration.",
        "Jetty HTTP configuration bean setters",
    )
    .no_effect(NO_JETTY),
    Prefix::pass_through("SslContextFactory.", "Jetty TLS bean setters").no_effect(NO_JETTY),
    Prefix::pass_through("ServerConnector.", "Jetty connector bean setters").no_effect(NO_JETTY),
]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "http",
    props: &PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(HttpSource::from_context(name, ctx, env)?))
    },
};

impl Handler {
    pub fn from_context(source: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let name = ctx.get_string(&HANDLER);
        let sub = ctx.sub("handler.");
        let resolution = registry::resolve(registry::Kind::HttpHandler, &name);
        match resolution.row().map(registry::Row::name) {
            Some(JSON_HANDLER) => Ok(Handler::Json),
            Some(BLOB_HANDLER) => {
                let max = sub.get_long(&MAX_BLOB_LENGTH)?;
                if max <= 0 {
                    return Err(sub.error(MAX_BLOB_LENGTH.name, "must be greater than 0"));
                }
                Ok(Handler::Blob { max_blob_length: max as usize })
            }
            _ if crate::plugin::is_class_name(&name) && HOSTED_HANDLERS.get().is_some() => {
                HOSTED_HANDLERS.get().expect("checked")(&name, source, ctx).map(Handler::Hosted)
            }
            _ => match crate::plugin::load(crate::plugin::ClassRole::HttpHandler, &name) {
                Ok(hosted) => match hosted {},
                // Flume: "Error while configuring HTTPSource", and the source is removed.
                Err(missing) => Err(ctx.error(
                    HANDLER.name,
                    format!("Error while configuring HTTPSource. {missing} (built-in handlers are {JSON_HANDLER} and {BLOB_HANDLER})"),
                )),
            },
        }
    }

    /// Turn a request into events.
    pub async fn handle(
        &self,
        req: &RequestParts,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<Event>, HandlerError> {
        match self {
            Handler::Hosted(hosted) => hosted.events(req, body).await,
            _ => self.events(content_type, req.query.as_deref(), body),
        }
    }

    /// Turn a request (content type, query string, body) into events (built-in handlers).
    pub fn events(
        &self,
        content_type: Option<&str>,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<Event>, HandlerError> {
        match self {
            Handler::Json => json_events(content_type, body),
            Handler::Blob { max_blob_length } => {
                if body.len() > *max_blob_length {
                    return Err(HandlerError::BadRequest(format!(
                        "blob exceeds maxBlobLength {max_blob_length}"
                    )));
                }
                let mut headers = Headers::new();
                for (k, v) in query.map(parse_query).unwrap_or_default() {
                    headers.insert(k, v);
                }
                Ok(vec![Event::with_headers(
                    crate::java::hashmap_copy(&headers),
                    Bytes::copy_from_slice(body),
                )])
            }
            Handler::Hosted(_) => Err(HandlerError::Internal(
                "a hosted handler is called through Handler::handle".into(),
            )),
        }
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request charset: `charset=` of the Content-Type, UTF-8 when absent.
fn request_charset(content_type: Option<&str>) -> Option<String> {
    let ct = content_type?;
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unicode {
    Utf8,
    Utf16,
    Utf32,
}

/// JSONHandler: a JSON array of `{"headers": {…}, "body": "…"}`; bodies are re-encoded with the
/// request charset (only UTF-8, UTF-16 and UTF-32 are accepted, as in Flume).
pub fn json_events(content_type: Option<&str>, body: &[u8]) -> Result<Vec<Event>, HandlerError> {
    let charset = match request_charset(content_type) {
        None => Unicode::Utf8,
        Some(c) if c.eq_ignore_ascii_case("UTF-8") => Unicode::Utf8,
        Some(c) if c.eq_ignore_ascii_case("UTF-16") => Unicode::Utf16,
        Some(c) if c.eq_ignore_ascii_case("UTF-32") => Unicode::Utf32,
        Some(c) => {
            return Err(HandlerError::Internal(format!(
                "java.nio.charset.UnsupportedCharsetException: {c}"
            )));
        }
    };
    let text = decode(charset, body).ok_or_else(|| {
        HandlerError::BadRequest("request body is not valid text in the request charset".into())
    })?;
    let parsed = super::gson::events(&text).map_err(|e| match e {
        super::gson::GsonError::Syntax(m) => HandlerError::BadRequest(m),
        super::gson::GsonError::Internal(m) => HandlerError::Internal(m),
    })?;
    let mut events = Vec::with_capacity(parsed.len());
    for parsed in parsed {
        let mut headers = Headers::new();
        // A Java null header value has no place in an event here; it is left out.
        for (k, v) in parsed.headers.into_iter().flatten() {
            if let Some(v) = v {
                headers.insert(k, v);
            }
        }
        let body = parsed.body.unwrap_or_default();
        // Gson's map keeps the request's order; EventBuilder.withBody copies it.
        events.push(Event::with_headers(
            headers.java_copy(),
            encode(charset, &body),
        ));
    }
    Ok(events)
}

fn decode(charset: Unicode, body: &[u8]) -> Option<String> {
    match charset {
        Unicode::Utf8 => String::from_utf8(body.to_vec()).ok(),
        Unicode::Utf16 => {
            // Java's UTF-16 decoder: a BOM picks the byte order, big-endian otherwise.
            let (le, rest) = match body {
                [0xFF, 0xFE, rest @ ..] => (true, rest),
                [0xFE, 0xFF, rest @ ..] => (false, rest),
                _ => (false, body),
            };
            if rest.len() % 2 != 0 {
                return None;
            }
            let units = rest.chunks(2).map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        Unicode::Utf32 => {
            if !body.len().is_multiple_of(4) {
                return None;
            }
            body.chunks(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
    }
}

/// `String.getBytes(charset)`: UTF-16 writes a big-endian BOM, UTF-32 big-endian without BOM.
fn encode(charset: Unicode, s: &str) -> Vec<u8> {
    match charset {
        Unicode::Utf8 => s.as_bytes().to_vec(),
        Unicode::Utf16 => {
            let mut out = vec![0xFE, 0xFF];
            for u in s.encode_utf16() {
                out.extend_from_slice(&u.to_be_bytes());
            }
            out
        }
        Unicode::Utf32 => s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect(),
    }
}

pub struct HttpSource {
    name: String,
    bind: String,
    port: u16,
    handler: Handler,
    tls: Option<Arc<SslAcceptor>>,
    /// Largest request body (`maxRequestBytes`); `None`: the budget's default.
    max_request: Option<u64>,
    counter: Arc<SourceCounter>,
}

impl HttpSource {
    pub fn from_context(name: &str, ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        // HTTPSource.configure: configureSsl first (with the deprecated names), then the rest.
        // The Jetty bean setters (`QueuedThreadPool.*`, …) are accepted and reported as
        // without effect by the key check (validate, start-up log).
        let tls = crate::tls::server_from_context(
            ctx,
            env,
            "HTTP source",
            crate::tls::Keys::HTTP_SOURCE,
        )?
        .map(Arc::new);
        let port = crate::net::port(ctx, crate::net::PORT.name)?;
        let bind = ctx.get_string(&BIND);
        let max_request = match ctx.value(&MAX_REQUEST_BYTES) {
            None => None,
            Some(_) => match ctx.get_long(&MAX_REQUEST_BYTES)? {
                n if n > 0 => Some(n as u64),
                _ => {
                    return Err(ctx.error("maxRequestBytes", "expected a positive number of bytes"));
                }
            },
        };
        Ok(HttpSource {
            name: name.to_string(),
            bind,
            port,
            handler: Handler::from_context(name, ctx)?,
            tls,
            max_request,
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl Source for HttpSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let addr = crate::net::resolve(&self.bind, self.port).await?;
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            SourceError::Other(format!("source {}: cannot bind {addr}: {e}", self.name))
        })?;
        let scheme = if self.tls.is_some() { "HTTPS" } else { "HTTP" };
        tracing::info!(source = %self.name, "{scheme} source listening on {addr}");
        let budget = super::budget::global();
        let max_request = self.max_request.unwrap_or(budget.max_request());
        let shared = Arc::new(Shared {
            handler: self.handler.clone(),
            counter: Arc::clone(&self.counter),
            cx: cx.clone(),
            budget,
            max_request,
        });
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let name = self.name.clone();
        crate::net::serve_tcp(listener, permits, &cx.shutdown, &self.name, |stream, peer| {
            let shared = Arc::clone(&shared);
            let shutdown = cx.shutdown.clone();
            let tls = self.tls.clone();
            let name = name.clone();
            let local = stream.local_addr().unwrap_or(addr);
            async move {
                match tls {
                    None => serve_connection(stream, shared, shutdown, peer, local).await,
                    Some(acceptor) => {
                        let handshake = tokio::time::timeout(
                            TLS_HANDSHAKE_TIMEOUT,
                            crate::tls::accept(&acceptor, stream),
                        );
                        match handshake.await {
                            Ok(Ok(tls)) => {
                                serve_connection(tls, shared, shutdown, peer, local).await
                            }
                            Ok(Err(e)) => {
                                tracing::warn!(source = %name, %peer, "{e}");
                            }
                            Err(_) => {
                                tracing::warn!(source = %name, %peer, "TLS handshake timed out");
                            }
                        }
                    }
                }
            }
        })
        .await;
        Ok(())
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

/// How long a client may take to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serve HTTP/1.1 requests on one connection (plain or TLS) until it closes or the source stops.
async fn serve_connection<S>(
    stream: S,
    shared: Arc<Shared>,
    shutdown: tokio_util::sync::CancellationToken,
    peer: std::net::SocketAddr,
    local: std::net::SocketAddr,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(shared.serve(req, peer, local).await) }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

struct Shared {
    handler: Handler,
    counter: Arc<SourceCounter>,
    cx: SourceContext,
    budget: Arc<MemoryBudget>,
    max_request: u64,
}

/// Why a request body was not read to its end.
enum BodyError {
    Refused(Refusal),
    Read(hyper::Error),
}

impl Shared {
    /// Read the body, holding its bytes from the budget as they arrive (the declared
    /// `Content-Length` up front, so that a request that cannot fit is refused unread).
    async fn read_body(
        &self,
        declared: Option<u64>,
        mut body: Incoming,
        held: &mut Reservation,
    ) -> Result<Bytes, BodyError> {
        if let Some(size) = declared {
            held.try_grow_to(size, self.max_request, &self.budget)
                .map_err(BodyError::Refused)?;
        }
        let mut buf = bytes::BytesMut::with_capacity(declared.unwrap_or(0).min(1 << 20) as usize);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(BodyError::Read)?;
            if let Ok(data) = frame.into_data() {
                let size = (buf.len() + data.len()) as u64;
                held.try_grow_to(size, self.max_request, &self.budget)
                    .map_err(BodyError::Refused)?;
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf.freeze())
    }

    fn refusal(&self, refusal: Refusal) -> Response<Full<Bytes>> {
        tracing::warn!(source = %self.cx.name, "HTTP request refused: {refusal}");
        let status = match refusal {
            Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Exhausted { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut r = error_page(status, &refusal.to_string());
        // The body was not read: the connection cannot carry another request.
        if let Ok(v) = "close".parse() {
            r.headers_mut().insert(hyper::header::CONNECTION, v);
        }
        r
    }
}

impl Shared {
    async fn serve(
        &self,
        req: Request<Incoming>,
        remote: std::net::SocketAddr,
        local: std::net::SocketAddr,
    ) -> Response<Full<Bytes>> {
        if req.method() == Method::TRACE || req.method() == Method::OPTIONS {
            return error_page(StatusCode::FORBIDDEN, "Forbidden");
        }
        let content_type = req
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let parts = RequestParts {
            method: req.method().as_str().to_string(),
            path: req.uri().path().to_string(),
            query: req.uri().query().map(str::to_string),
            protocol: format!("{:?}", req.version()),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        header_name(k.as_str()),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            remote,
            local,
        };
        let declared = req
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        // Held until the channel put ends: the body and the events made from it.
        let mut held = self.budget.empty();
        let body = match self.read_body(declared, req.into_body(), &mut held).await {
            Ok(b) => b,
            Err(BodyError::Refused(refusal)) => return self.refusal(refusal),
            Err(BodyError::Read(e)) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    &format!("could not read the request body: {e}"),
                );
            }
        };
        let events = self
            .handler
            .handle(&parts, content_type.as_deref(), &body)
            .await;
        if events.is_err() {
            // Flume's doPost counts every request its handler rejects (400 and 500 alike).
            self.counter.event_read_fail.fetch_add(1, Ordering::Relaxed);
        }
        let events = match events {
            Ok(events) => events,
            Err(HandlerError::BadRequest(msg)) => {
                tracing::warn!("Received bad request from client. {msg}");
                return error_page(
                    StatusCode::BAD_REQUEST,
                    &format!("Bad request from client. {msg}"),
                );
            }
            Err(HandlerError::Internal(msg)) => {
                tracing::warn!("Deserializer threw unexpected exception. {msg}");
                return error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("Deserializer threw unexpected exception. {msg}"),
                );
            }
        };
        let counting = Counting::EVENTS.call(Call::AppendBatch).failures(
            Some(Failure::ChannelWrite),
            Some(Failure::GenericProcessing),
        );
        match self.cx.deliver(&self.counter, counting, events).await {
            Ok(()) => {
                let mut r = Response::new(Full::new(Bytes::new()));
                *r.status_mut() = StatusCode::OK;
                r
            }
            Err(e) if matches!(e, super::ProcessError::Channel { .. }) => {
                tracing::warn!(
                    "Error appending event to channel. Channel might be full. Consider increasing the channel capacity or make sure the sinks perform faster. {e}"
                );
                error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("Error appending event to channel. Channel might be full.{e}"),
                )
            }
            Err(e) => {
                tracing::warn!("Unexpected error appending event to channel. {e}");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("Unexpected error while appending event to channel. {e}"),
                )
            }
        }
    }
}

/// A header name as a servlet sees it: hyper keeps names lower-cased; Jetty gives the
/// canonical spelling for the headers it knows, which handlers may compare case-sensitively
/// (`getHeaderNames`). Each word is capitalised (`content-type` → `Content-Type`).
fn header_name(lower: &str) -> String {
    lower
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// An error response shaped like Jetty's `sendError` page.
fn error_page(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let code = status.as_u16();
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=iso-8859-1\"/>\n<title>Error {code} {escaped}</title>\n</head>\n<body><h2>HTTP ERROR {code}</h2>\n<p>Problem accessing /. Reason:\n<pre>    {escaped}</pre></p>\n</body>\n</html>\n"
    );
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = "text/html;charset=iso-8859-1".parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSONHandler reads requests with Gson 2.2.2's lenient reader. Each row was run through
    /// Flume 1.9.0's own `JSONHandler.getEvents` (Gson 2.2.2 from its lib/): the answer (200,
    /// 400 for `HTTPBadRequestException`, 500 for any other exception) and, for 200, each
    /// event's headers in the iteration order of its `HashMap` and its body.
    /// (request, Flume's status, events: headers in iteration order and body)
    type Row = (
        &'static str,
        u16,
        &'static [(&'static [(&'static str, &'static str)], &'static str)],
    );

    #[test]
    fn json_handler_accepts_what_gsons_lenient_reader_accepts() {
        #[rustfmt::skip]
        const MEASURED: &[Row] = &[
            ("[{headers:{k: v}, body: 'text'}]", 200, &[(&[("k", "v")], "text")]),
            ("[{'headers':{'a':'b'},'body':'x'}]", 200, &[(&[("a", "b")], "x")]),
            ("[{\"headers\":{\"a\":\"b\"},\"body\":\"x\"}]", 200, &[(&[("a", "b")], "x")]),
            ("[{body: hello world}]", 400, &[]),
            ("// c\n[{\"body\":\"a\"}]", 200, &[(&[], "a")]),
            ("# c\n[{\"body\":\"a\"}]", 200, &[(&[], "a")]),
            ("/* c */[{\"body\":/* x */\"a\"}]", 200, &[(&[], "a")]),
            ("[{\"body\"=\"a\"}]", 200, &[(&[], "a")]),
            ("[{\"body\"=>\"a\"}]", 200, &[(&[], "a")]),
            ("[{\"headers\":{\"a\":\"b\"};\"body\":\"x\"}]", 200, &[(&[("a", "b")], "x")]),
            ("[{\"body\":\"a\"};{\"body\":\"b\"}]", 200, &[(&[], "a"), (&[], "b")]),
            ("[{\"body\":\"a\"},]", 500, &[]),
            ("[,{\"body\":\"a\"}]", 500, &[]),
            ("[]", 200, &[]),
            ("{\"body\":\"x\"}", 400, &[]),
            ("[{\"body\":\"x\"}] [1]", 400, &[]),
            ("[{\"body\":\"x\"}]   ", 200, &[(&[], "x")]),
            ("[{\"body\":\"x\"}] // trailing comment", 400, &[]),
            ("null", 500, &[]),
            ("   ", 500, &[]),
            ("[{\"body\": 123}]", 200, &[(&[], "123")]),
            ("[{\"body\": 1.50e+3}]", 200, &[(&[], "1.50e+3")]),
            ("[{\"body\": true}]", 200, &[(&[], "true")]),
            ("[{\"body\": TRUE}]", 200, &[(&[], "true")]),
            ("[{\"body\": NULL}]", 200, &[(&[], "")]),
            ("[{\"body\": null}]", 200, &[(&[], "")]),
            ("[{\"body\": {\"a\":1}}]", 400, &[]),
            ("[{\"headers\":{\"a\":\"1\",\"a\":\"2\"},\"body\":\"x\"}]", 400, &[]),
            ("[{\"headers\":{\"a\":null,\"a\":\"2\"},\"body\":\"x\"}]", 200, &[(&[("a", "2")], "x")]),
            ("[{\"headers\":[[\"a\",\"b\"],[\"c\",\"d\"]],\"body\":\"x\"}]", 200, &[(&[("a", "b"), ("c", "d")], "x")]),
            ("[{\"foo\":{\"bar\":[1,2,{}]},\"body\":\"x\"}]", 200, &[(&[], "x")]),
            ("[{\"body\":\"a\",\"body\":\"b\"}]", 200, &[(&[], "b")]),
            (")]}'\n[{\"body\":\"x\"}]", 200, &[(&[], "x")]),
            ("[{\"body\":\"\\x41\"}]", 200, &[(&[], "x41")]),
            ("[{\"body\":\"\\u0041\\t\"}]", 200, &[(&[], "A\t")]),
            ("[{\"body\":\"\\uZZZZ\"}]", 500, &[]),
            ("[{\"body\":\"a", 400, &[]),
            ("[{\"body\":'it\\'s'}]", 200, &[(&[], "it's")]),
            ("[{\"headers\":{k1:v1,k2:0x1F,k3:-1},\"body\":NaN}]", 200, &[(&[("k3", "-1"), ("k1", "v1"), ("k2", "0x1F")], "NaN")]),
            ("[{\"headers\":{\"a\":[1]},\"body\":\"x\"}]", 400, &[]),
            ("[[]]", 400, &[]),
            ("[{\"Body\":\"x\"}]", 200, &[(&[], "")]),
            ("[{\"body\":\"x\"}", 400, &[]),
            ("[{\"body\":\"x\"}]]", 400, &[]),
            ("[{: \"x\"}]", 400, &[]),
            ("[{\"body\" \"x\"}]", 400, &[]),
            ("[null]", 500, &[]),
            ("\"abc\"", 400, &[]),
            ("[{\"body\":a/b}]", 400, &[]),
            ("[{\"body\":a#b}]", 400, &[]),
            ("[{\"headers\":{\"a b\":\"c\"},\"body\":\"x\"}]", 200, &[(&[("a b", "c")], "x")]),
            ("[{\"headers\":{a b:\"c\"},\"body\":\"x\"}]", 400, &[]),
            ("[{\"body\":\"\\uD83D\\uDE00\"}]", 200, &[(&[], "😀")]),
            ("[{\"headers\":{\"t\":true,\"f\":False,\"n\":5},\"body\":\"x\"}]", 200, &[(&[("t", "true"), ("f", "false"), ("n", "5")], "x")]),
        ];
        for (input, status, events) in MEASURED {
            let got = json_events(None, input.as_bytes());
            match (status, &got) {
                (200, Ok(got)) => {
                    let got: Vec<(Vec<(&str, &str)>, String)> = got
                        .iter()
                        .map(|e| {
                            (
                                crate::java::hashmap_order(&e.headers),
                                String::from_utf8_lossy(&e.body).into_owned(),
                            )
                        })
                        .collect();
                    let want: Vec<(Vec<(&str, &str)>, String)> = events
                        .iter()
                        .map(|(h, b)| (h.to_vec(), b.to_string()))
                        .collect();
                    assert_eq!(got, want, "{input:?}");
                }
                (400, Err(HandlerError::BadRequest(_))) | (500, Err(HandlerError::Internal(_))) => {
                }
                _ => panic!("{input:?}: Flume answers {status}, we give {got:?}"),
            }
        }
    }

    #[test]
    fn json_handler_basics() {
        let ev = json_events(
            None,
            br#"[{"headers":{"a":"b"},"body":"x"},{"body":"y"},{"headers":{"n":1}}]"#,
        )
        .unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].header("a"), Some("b"));
        assert_eq!(&ev[1].body[..], b"y");
        assert_eq!(ev[2].header("n"), Some("1"));
        assert_eq!(&ev[2].body[..], b"");
        assert!(matches!(
            json_events(None, b"{\"a\":1}"),
            Err(HandlerError::BadRequest(_))
        ));
        assert!(matches!(
            json_events(None, b""),
            Err(HandlerError::Internal(_))
        ));
        assert!(matches!(
            json_events(Some("application/json; charset=ISO-8859-1"), b"[]"),
            Err(HandlerError::Internal(_))
        ));
    }

    #[test]
    fn utf16_bodies_carry_a_bom() {
        let req = encode(Unicode::Utf16, r#"[{"body":"hi"}]"#);
        let ev = json_events(Some("application/json;charset=UTF-16"), &req).unwrap();
        assert_eq!(&ev[0].body[..], &[0xFE, 0xFF, 0, b'h', 0, b'i']);
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("a=b%20c&d=e+f&g"),
            vec![
                ("a".into(), "b c".into()),
                ("d".into(), "e f".into()),
                ("g".into(), "".into())
            ]
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
