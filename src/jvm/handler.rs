//! A Java HTTP source handler (`HTTPSourceHandler` class): made and configured as Flume's
//! HTTPSource does (`configure` with the source's `handler.` keys), then each request crosses
//! as one JNI call (method, path, query, headers, body and addresses in; the events out) and
//! the handler gets a `javax.servlet.http.HttpServletRequest` answering from it. Requests run
//! on a few JVM threads of the source's own, so a slow handler does not serialise a busy
//! source (Jetty calls handlers from many threads too). `HTTPBadRequestException` → 400, any
//! other exception → 500, as in Flume.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::host::{Jvm, Worker};
use super::wire::{self, In, Out};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::source::http::{HandlerError, HostedHandler, RequestParts};

/// JVM threads per hosted handler.
const THREADS: usize = 4;

pub struct JavaHandler {
    class: String,
    jvm: Arc<Jvm>,
    workers: Vec<Worker>,
    next: AtomicUsize,
    handle: i64,
}

impl std::fmt::Debug for JavaHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JavaHandler")
            .field("class", &self.class)
            .finish()
    }
}

impl JavaHandler {
    /// Load `class`, make one and configure it with `handler` (the `handler.` keys). Errors
    /// are Flume's "Error while configuring HTTPSource" (the source is removed), naming the
    /// class, the key and why (no JVM, class not found, wrong kind, no servlet API,
    /// `configure` threw).
    pub fn build(class: &str, source: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let class = class.trim();
        let what = "HTTP source handler";
        // The log line of a removed source does not repeat the key's location: say it here.
        let at = ctx
            .origin("handler")
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        let fail = |why: String| {
            ctx.error(
                "handler",
                format!("Error while configuring HTTPSource {source}. {why}{at}"),
            )
        };
        let jvm =
            super::get().map_err(|e| fail(format!("cannot load {what} class {class}: {e}")))?;
        let sub = ctx.sub("handler.");
        let pairs = sub.pairs();
        let mut payload = Out::default();
        payload
            .str(class)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let workers: Vec<Worker> = (0..THREADS)
            .map(|i| jvm.worker(&format!("http-{source}-{i}")))
            .collect();
        let answer = jvm
            .call_blocking(&workers[0], wire::OP_NEW_HANDLER, 0, payload.into_vec())
            .map_err(|e| {
                if e.kind == wire::ERR_EXCEPTION {
                    tracing::error!(
                        "HTTP source {source}: handler {class} failed to configure: {e}\n{}",
                        e.stack
                    );
                }
                fail(jvm.describe(&e, what, class))
            })?;
        let handle = In::new(&answer).i64().map_err(|e| fail(e.to_string()))?;
        tracing::info!("HTTP source {source}: Java handler {class} loaded");
        Ok(JavaHandler {
            class: class.to_string(),
            jvm,
            workers,
            next: AtomicUsize::new(0),
            handle,
        })
    }

    /// For `source::http::install_hosted_handlers`.
    pub fn create(
        class: &str,
        source: &str,
        ctx: &Context,
    ) -> Result<Arc<dyn HostedHandler>, ConfigError> {
        Ok(Arc::new(Self::build(class, source, ctx)?))
    }
}

#[async_trait::async_trait]
impl HostedHandler for JavaHandler {
    /// The handler's events for one request.
    async fn events(&self, req: &RequestParts, body: &[u8]) -> Result<Vec<Event>, HandlerError> {
        let mut payload = Out::with_capacity(256 + body.len());
        payload
            .str(&req.method)
            .str(&req.path)
            .opt_str(req.query.as_deref());
        payload
            .str(&req.protocol)
            .str(&req.remote.ip().to_string())
            .i32(i32::from(req.remote.port()))
            .str(&req.local.ip().to_string())
            .i32(i32::from(req.local.port()))
            .i32(req.headers.len() as i32);
        for (k, v) in &req.headers {
            payload.str(k).str(v);
        }
        payload.bytes(body);
        let worker = &self.workers[self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len()];
        let answer = self
            .jvm
            .call(worker, wire::OP_HANDLE, self.handle, payload.into_vec())
            .await
            .map_err(|e| {
                tracing::warn!("{} threw {e}\n{}", self.class, e.stack);
                if e.kind == wire::ERR_BAD_REQUEST {
                    HandlerError::BadRequest(e.message)
                } else {
                    HandlerError::Internal(e.message)
                }
            })?;
        In::new(&answer)
            .events()
            .map_err(|e| HandlerError::Internal(e.to_string()))
    }
}

impl Drop for JavaHandler {
    fn drop(&mut self) {
        self.jvm
            .send(&self.workers[0], wire::OP_CLOSE, self.handle, Vec::new());
    }
}
