//! `http` sink (`org.apache.flume.sink.http.HttpSink`): POSTs each event's body to `endpoint`,
//! one event per transaction, and decides from the answer's status code whether to roll the
//! event back, back off and count it (user guide "HTTP Sink"; reference §18: the defaults —
//! roll back, back off, don't count — apply to every status, 2XX included).
//!
//! Per-status overrides `backoff.<code>`, `rollback.<code>`, `incrementMetrics.<code>` are
//! looked up as Flume does: the exact code (`503`), then its class (`5XX`), then the default.
//! A connection or timeout error rolls back and backs off (and counts `EventWriteFail`); an
//! answer that is not HTTP rolls back and backs off. Events with an empty body are committed
//! without a request ("Processed empty event", as Flume logs it also for an empty channel).
//!
//! The client is hyper's HTTP/1.1 connection API over one kept-alive connection (TLS through
//! OpenSSL for `https://`, trusting `-Djavax.net.ssl.trustStore` if set, else the system's CAs).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::{BuildEnv, Status};
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SinkCounter};
use crate::registry::{Prefix, Prop, PropTable};

const LOG: &str = "org.apache.flume.sink.http.HttpSink";

pub const ENDPOINT: Prop = Prop::text(
    "endpoint",
    "URL each event body is POSTed to (http:// or https://)",
)
.required();
pub const CONNECT_TIMEOUT: Prop =
    Prop::int("connectTimeout", 5000, "TCP connect timeout in ms (> 0)");
pub const REQUEST_TIMEOUT: Prop = Prop::int(
    "requestTimeout",
    5000,
    "how long to wait for the answer, in ms (> 0)",
);
pub const CONTENT_TYPE_HEADER: Prop = Prop::string(
    "contentTypeHeader",
    "text/plain",
    "Content-Type of the requests",
);
pub const ACCEPT_HEADER: Prop = Prop::string(
    "acceptHeader",
    "text/plain",
    "Accept header of the requests",
);
pub const DEFAULT_BACKOFF: Prop = Prop::bool(
    "defaultBackoff",
    true,
    "back off after an answer whose status no backoff.* key names (2XX included)",
);
pub const DEFAULT_ROLLBACK: Prop = Prop::bool(
    "defaultRollback",
    true,
    "roll the event back after an answer whose status no rollback.* key names (2XX included)",
);
pub const DEFAULT_INCREMENT_METRICS: Prop = Prop::bool(
    "defaultIncrementMetrics",
    false,
    "count EventDrainSuccessCount for an answer whose status no incrementMetrics.* key names",
);
pub const PROPS: PropTable = PropTable::new(&[
    ENDPOINT,
    CONNECT_TIMEOUT,
    REQUEST_TIMEOUT,
    CONTENT_TYPE_HEADER,
    ACCEPT_HEADER,
    DEFAULT_BACKOFF,
    DEFAULT_ROLLBACK,
    DEFAULT_INCREMENT_METRICS,
])
.with_prefixes(&[
    Prefix::user_named(
        "backoff.",
        "back off (true/false) for one status code (`503`) or class (`5XX`)",
    ),
    Prefix::user_named(
        "rollback.",
        "roll back (true/false) for one status code (`200`) or class (`2XX`)",
    ),
    Prefix::user_named(
        "incrementMetrics.",
        "count the event as drained (true/false) for one status code or class",
    ),
]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "http",
    props: &PROPS,
    build: |name, ctx, channel, env| {
        Ok(Box::new(HttpSink::from_context(name, ctx, channel, env)?))
    },
};

/// Per-status-code values of one setting (`backoff`, `rollback`, `incrementMetrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRule {
    default: bool,
    /// Keys as written after `<setting>.`: a code (`503`) or a class (`5XX`).
    overrides: HashMap<String, bool>,
}

impl StatusRule {
    fn from_context(ctx: &Context, setting: &str, default: &Prop) -> Self {
        let default = ctx.get_bool(default);
        let sub = ctx.sub(&format!("{setting}."));
        let mut overrides = HashMap::new();
        for (code, value) in sub.pairs() {
            tracing::info!(target: LOG, "Read {setting} value for status code {code} as {value}");
            overrides.insert(code, crate::java::parse_boolean(&value));
        }
        StatusRule { default, overrides }
    }

    /// The exact code, then its `NXX` class, then the default.
    pub fn resolve(&self, status: u16) -> bool {
        let code = status.to_string();
        if let Some(v) = self.overrides.get(&code) {
            return *v;
        }
        let class = format!("{}XX", &code[..1]);
        self.overrides.get(&class).copied().unwrap_or(self.default)
    }
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// `Host` header value.
    pub authority: String,
    pub path_and_query: String,
}

impl Endpoint {
    fn parse(text: &str) -> Option<Endpoint> {
        let uri: hyper::Uri = text.parse().ok()?;
        let https = match uri.scheme_str()?.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return None;
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let authority = match uri.port_u16() {
            Some(p) => format!("{}:{p}", uri.host()?),
            None => uri.host()?.to_string(),
        };
        let path_and_query = match uri.path_and_query().map(|p| p.as_str()) {
            None | Some("") => "/".to_string(),
            Some(p) => p.to_string(),
        };
        Some(Endpoint {
            https,
            host: host.to_string(),
            port,
            authority,
            path_and_query,
        })
    }
}

#[derive(Debug, Clone)]
pub struct HttpSinkConfig {
    pub endpoint: Endpoint,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub content_type: String,
    pub accept: String,
    pub backoff: StatusRule,
    pub rollback: StatusRule,
    pub increment_metrics: StatusRule,
}

impl HttpSinkConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let endpoint_text = ctx.get_string(&ENDPOINT);
        tracing::info!(target: LOG, "Read endpoint URL from configuration : {endpoint_text}");
        let endpoint = Endpoint::parse(&endpoint_text).ok_or_else(|| {
            ctx.error(
                "endpoint",
                format!(
                    "Endpoint URL invalid: expected an http:// or https:// URL, got \"{endpoint_text}\""
                ),
            )
        })?;
        let connect = ctx.get_int(&CONNECT_TIMEOUT)?;
        if connect <= 0 {
            return Err(ctx.error(
                "connectTimeout",
                "Connect timeout must be a non-zero and positive",
            ));
        }
        tracing::info!(target: LOG, "Using connect timeout : {connect}");
        let request = ctx.get_int(&REQUEST_TIMEOUT)?;
        if request <= 0 {
            return Err(ctx.error(
                "requestTimeout",
                "Request timeout must be a non-zero and positive",
            ));
        }
        tracing::info!(target: LOG, "Using request timeout : {request}");
        let accept = ctx.get_string(&ACCEPT_HEADER);
        tracing::info!(target: LOG, "Using Accept header value : {accept}");
        let content_type = ctx.get_string(&CONTENT_TYPE_HEADER);
        tracing::info!(target: LOG, "Using Content-Type header value : {content_type}");
        let backoff = StatusRule::from_context(ctx, "backoff", &DEFAULT_BACKOFF);
        tracing::info!(target: LOG, "Channel backoff by default is {}", backoff.default);
        let rollback = StatusRule::from_context(ctx, "rollback", &DEFAULT_ROLLBACK);
        tracing::info!(target: LOG, "Transaction rollback by default is {}", rollback.default);
        let increment_metrics =
            StatusRule::from_context(ctx, "incrementMetrics", &DEFAULT_INCREMENT_METRICS);
        tracing::info!(target: LOG, "Incrementing metrics by default is {}", increment_metrics.default);
        Ok(HttpSinkConfig {
            endpoint,
            connect_timeout: Duration::from_millis(connect as u64),
            request_timeout: Duration::from_millis(request as u64),
            content_type,
            accept,
            backoff,
            rollback,
            increment_metrics,
        })
    }
}

/// What one POST came to.
#[derive(Debug)]
enum Outcome {
    Status(u16),
    /// The answer was not HTTP (Java: status -1).
    Malformed(String),
    /// Connecting, sending or reading failed or timed out (Java: an IOException).
    Failed(String),
}

pub struct HttpSink {
    name: String,
    channel: ChannelRef,
    config: HttpSinkConfig,
    counter: Arc<SinkCounter>,
    tls: Option<openssl::ssl::SslConnector>,
    connection: Option<SendRequest<Full<Bytes>>>,
}

impl HttpSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        env: &BuildEnv,
    ) -> Result<Self, ConfigError> {
        let config = HttpSinkConfig::from_context(ctx)?;
        let tls = if config.endpoint.https {
            // HttpsURLConnection trusts the JVM's truststore: -Djavax.net.ssl.trustStore, else
            // the default CAs.
            let store = crate::tls::Store::truststore_from_context(&Context::default(), env);
            let connector =
                crate::tls::connector(false, store.as_ref(), &crate::tls::Protocols::default())
                    .map_err(|e| ctx.error("endpoint", format!("cannot set up TLS: {e}")))?;
            Some(connector)
        } else {
            None
        };
        Ok(HttpSink {
            name: name.to_string(),
            channel,
            config,
            counter: SinkCounter::new(name),
            tls,
            connection: None,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let ep = &self.config.endpoint;
        let tcp = tokio::time::timeout(
            self.config.connect_timeout,
            TcpStream::connect((ep.host.as_str(), ep.port)),
        )
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("Connection refused or failed: {e}"))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => handshake(tcp).await,
            Some(connector) => {
                let ssl = connector
                    .configure()
                    .and_then(|c| c.into_ssl(&ep.host))
                    .map_err(|e| e.to_string())?;
                let mut stream =
                    tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
                tokio::time::timeout(
                    self.config.request_timeout,
                    std::pin::Pin::new(&mut stream).connect(),
                )
                .await
                .map_err(|_| "TLS handshake timed out".to_string())?
                .map_err(|e| format!("TLS handshake failed: {e}"))?;
                handshake(stream).await
            }
        }
    }

    fn request(&self, body: Bytes) -> hyper::Request<Full<Bytes>> {
        let ep = &self.config.endpoint;
        let len = body.len();
        let mut req = hyper::Request::new(Full::new(body));
        *req.method_mut() = hyper::Method::POST;
        if let Ok(uri) = ep.path_and_query.parse() {
            *req.uri_mut() = uri;
        }
        let headers = req.headers_mut();
        let mut put = |name: hyper::header::HeaderName, value: &str| {
            if let Ok(v) = hyper::header::HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        };
        put(hyper::header::CONTENT_TYPE, &self.config.content_type);
        put(hyper::header::ACCEPT, &self.config.accept);
        put(hyper::header::HOST, &ep.authority);
        put(hyper::header::CONTENT_LENGTH, &len.to_string());
        req
    }

    /// POST `body`, on the kept-alive connection if there is one. A request that fails on a
    /// reused connection before any answer is sent again once on a new connection (the
    /// server may have closed it while idle), as Java's HttpURLConnection does.
    async fn post(&mut self, body: Bytes) -> Outcome {
        for attempt in 0..2 {
            let reused = self.connection.as_ref().is_some_and(|c| !c.is_closed());
            let mut sender = match self.connection.take().filter(|c| !c.is_closed()) {
                Some(s) => s,
                None => match self.connect().await {
                    Ok(s) => s,
                    Err(e) => return Outcome::Failed(e),
                },
            };
            if sender.ready().await.is_err() {
                if reused && attempt == 0 {
                    continue;
                }
                return Outcome::Failed("the connection closed".into());
            }
            let timeout = self.config.request_timeout;
            let sent =
                tokio::time::timeout(timeout, sender.send_request(self.request(body.clone())))
                    .await;
            let response = match sent {
                Err(_) => return Outcome::Failed("Read timed out".into()),
                Ok(Err(e)) if e.is_parse() => return Outcome::Malformed(e.to_string()),
                Ok(Err(e)) => {
                    if reused && attempt == 0 && (e.is_incomplete_message() || e.is_canceled()) {
                        continue;
                    }
                    return Outcome::Failed(e.to_string());
                }
                Ok(Ok(r)) => r,
            };
            let status = response.status().as_u16();
            // Read the answer to its end (discarding it) so the connection can be reused.
            let mut body = response.into_body();
            loop {
                match tokio::time::timeout(timeout, body.frame()).await {
                    Err(_) => return Outcome::Failed("Read timed out".into()),
                    Ok(None) => break,
                    Ok(Some(Ok(_))) => {}
                    Ok(Some(Err(e))) => return Outcome::Failed(e.to_string()),
                }
            }
            self.connection = Some(sender);
            return Outcome::Status(status);
        }
        Outcome::Failed("the connection closed".into())
    }
}

async fn handshake<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "http sink connection ended");
        }
    });
    Ok(sender)
}

#[async_trait]
impl Sink for HttpSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        tracing::info!(target: LOG, "Starting HttpSink");
        Ok(())
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        let take = match self.channel.take(1).await {
            Ok(t) => t,
            Err(error) => {
                tracing::error!(target: LOG, %error, "Error sending HTTP request, retrying");
                self.counter
                    .channel_read_fail
                    .fetch_add(1, Ordering::Relaxed);
                return Ok(Status::Backoff);
            }
        };
        let body = match take.events().first() {
            Some(e) if !e.body.is_empty() => e.body.clone(),
            _ => {
                take.commit().await?;
                tracing::warn!(target: LOG, "Processed empty event");
                return Ok(Status::Backoff);
            }
        };
        self.counter
            .event_drain_attempt
            .fetch_add(1, Ordering::Relaxed);
        let code = match self.post(body).await {
            Outcome::Status(code) => code,
            Outcome::Malformed(why) => {
                take.rollback();
                tracing::warn!(target: LOG, error = %why, "Malformed response returned from server, retrying");
                return Ok(Status::Backoff);
            }
            Outcome::Failed(why) => {
                take.rollback();
                self.connection = None;
                tracing::error!(target: LOG, error = %why, "Error opening connection, or request timed out");
                self.counter
                    .event_write_fail
                    .fetch_add(1, Ordering::Relaxed);
                return Ok(Status::Backoff);
            }
        };
        let rollback = self.config.rollback.resolve(code);
        if rollback {
            take.rollback();
        } else {
            take.commit().await?;
        }
        let backoff = self.config.backoff.resolve(code);
        if self.config.increment_metrics.resolve(code) {
            self.counter
                .event_drain_success
                .fetch_add(1, Ordering::Relaxed);
        }
        if rollback {
            if backoff {
                tracing::info!(target: LOG, "Got status code {code} from HTTP server. Rolled back event and backed off.");
            } else {
                tracing::info!(target: LOG, "Got status code {code} from HTTP server. Rolled back event for retry.");
            }
        }
        Ok(if backoff {
            Status::Backoff
        } else {
            Status::Ready
        })
    }

    async fn stop(&mut self) {
        tracing::info!(target: LOG, "Stopping HttpSink");
        self.connection = None;
    }

    fn batch_size(&self) -> Option<usize> {
        Some(1)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        Context::from_pairs("a1.sinks.k1.", pairs.iter().copied())
    }

    #[test]
    fn overrides_resolve_code_then_class_then_default() {
        let c = HttpSinkConfig::from_context(&ctx(&[
            ("endpoint", "http://localhost:8080/x?y=1"),
            ("backoff.4XX", "false"),
            ("backoff.404", "true"),
            ("rollback.200", "false"),
            ("incrementMetrics.5XX", "TRUE"),
            ("incrementMetrics.2xx", "true"),
        ]))
        .unwrap();
        assert!(c.backoff.resolve(404));
        assert!(!c.backoff.resolve(400));
        assert!(c.backoff.resolve(200));
        assert!(!c.rollback.resolve(200));
        assert!(c.rollback.resolve(201));
        assert!(c.increment_metrics.resolve(503));
        // Keys are compared as written: "2xx" is not the class 2XX.
        assert!(!c.increment_metrics.resolve(200));
        assert_eq!(c.endpoint.path_and_query, "/x?y=1");
        assert_eq!(c.endpoint.authority, "localhost:8080");
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(
            (c.content_type.as_str(), c.accept.as_str()),
            ("text/plain", "text/plain")
        );
    }

    #[test]
    fn bad_settings_drop_the_sink() {
        for pairs in [
            vec![],
            vec![("endpoint", "localhost:8080")],
            vec![("endpoint", "ftp://host/x")],
            vec![("endpoint", "http://h/"), ("connectTimeout", "0")],
            vec![("endpoint", "http://h/"), ("requestTimeout", "-1")],
            vec![("endpoint", "http://h/"), ("requestTimeout", "5s")],
        ] {
            assert!(
                HttpSinkConfig::from_context(&ctx(&pairs)).is_err(),
                "{pairs:?}"
            );
        }
        let c = HttpSinkConfig::from_context(&ctx(&[("endpoint", "HTTPS://h")])).unwrap();
        assert!(c.endpoint.https);
        assert_eq!(
            (c.endpoint.port, c.endpoint.path_and_query.as_str()),
            (443, "/")
        );
    }
}
