//! `-Dflume.monitoring.type=http` (Flume's `HTTPMetricsServer`): `GET /metrics` answers the
//! JSON of every component's counters; `prometheus` serves the same counters as text. Both
//! also answer `/health` (the agent is alive) and `/ready` (see [`super::health`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    FlumeJson,
    Prometheus,
}

/// Default port of Flume's HTTP monitoring.
pub const DEFAULT_PORT: u16 = 41414;

/// What the monitoring server serves.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    /// The agent's name: the `agent` label of the Prometheus metrics.
    pub agent: String,
    /// `/ready` answers 503 while a channel is fuller than this (percent).
    pub ready_fill_percentage: f64,
}

/// Bind and serve until `shutdown`. Bind errors are returned to the caller.
pub async fn serve(
    addr: SocketAddr,
    registry: Arc<Registry>,
    options: Options,
    shutdown: CancellationToken,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(
        "Started monitoring server on {addr} ({:?}; /ready up to {}% channel fill)",
        options.format,
        options.ready_fill_percentage
    );
    let options = Arc::new(options);
    Ok(tokio::spawn(async move {
        let permits = crate::net::unlimited();
        crate::net::serve_tcp(listener, permits, &shutdown, "metrics", |stream, _| {
            let registry = Arc::clone(&registry);
            let options = Arc::clone(&options);
            let shutdown = shutdown.clone();
            async move {
                let service = hyper::service::service_fn(move |req| {
                    let registry = Arc::clone(&registry);
                    let options = Arc::clone(&options);
                    async move { Ok::<_, Infallible>(respond(&req, &registry, &options)) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = shutdown.cancelled() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
            }
        })
        .await;
    }))
}

fn respond(
    req: &Request<Incoming>,
    registry: &Registry,
    options: &Options,
) -> Response<Full<Bytes>> {
    let build = |status: StatusCode, content_type: &str, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        if let Ok(v) = content_type.parse() {
            r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        r
    };
    if req.method() == Method::TRACE || req.method() == Method::OPTIONS {
        return build(
            StatusCode::FORBIDDEN,
            "text/html;charset=iso-8859-1",
            String::new(),
        );
    }
    let path = req.uri().path();
    if path.eq_ignore_ascii_case("/metrics") {
        return match options.format {
            Format::FlumeJson => build(
                StatusCode::OK,
                "application/json;charset=utf-8",
                registry.to_json(),
            ),
            Format::Prometheus => build(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                registry.to_prometheus(&options.agent),
            ),
        };
    }
    const JSON: &str = "application/json;charset=utf-8";
    if path == "/health" {
        return build(StatusCode::OK, JSON, r#"{"status":"alive"}"#.to_string());
    }
    if path == "/ready" {
        let readiness = registry
            .health
            .readiness(&registry.snapshot(), options.ready_fill_percentage);
        let status = if readiness.ready() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return build(status, JSON, readiness.to_json());
    }
    if path == "/" {
        return build(
            StatusCode::OK,
            "text/html;charset=utf-8",
            "For Flume metrics please click <a href = \"./metrics\"> here</a>.".to_string(),
        );
    }
    build(
        StatusCode::NOT_FOUND,
        "text/html;charset=iso-8859-1",
        String::new(),
    )
}
