//! A Java interceptor (`Interceptor$Builder` class): built and configured as Flume's
//! `InterceptorChain` does (`configure` with the `interceptors.<name>.` keys, `build`,
//! `initialize`), run on its own JVM thread, one JNI call per batch; `close` when the source
//! stops. An exception fails the batch back to the source, as in Flume.

use std::sync::Arc;

use async_trait::async_trait;

use super::host::{Jvm, Worker};
use super::wire::{self, In, Out};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::interceptor::{HostedInterceptor, InterceptorError};

pub struct JavaInterceptor {
    name: String,
    class: String,
    jvm: Arc<Jvm>,
    worker: Worker,
    handle: i64,
}

impl JavaInterceptor {
    /// Load, configure and build `class` (an `Interceptor$Builder`). Errors name the key and
    /// why (no JVM, class not found, wrong kind, `configure` threw); Flume drops the source.
    pub fn build(class: &str, name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let class = class.trim();
        let what = "interceptor builder";
        // The log line of a removed source does not repeat the key's location: say it here.
        let at = ctx
            .origin("type")
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        let jvm = super::get().map_err(|e| {
            ctx.error(
                "type",
                format!("cannot load {what} class {class} (interceptor {name}){at}: {e}"),
            )
        })?;
        let pairs = ctx.pairs();
        let mut payload = Out::default();
        payload
            .str(class)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let worker = jvm.worker(&format!("intercept-{name}"));
        let answer = jvm
            .call_blocking(&worker, wire::OP_NEW_INTERCEPTOR, 0, payload.into_vec())
            .map_err(|e| {
                if e.kind == wire::ERR_EXCEPTION {
                    tracing::error!(
                        "Interceptor {name} ({class}) failed to configure: {e}\n{}",
                        e.stack
                    );
                }
                // Flume's words first ("Builder class not found"), then where it was searched.
                let flume = if e.kind == wire::ERR_CLASS_NOT_FOUND {
                    "Builder class not found. "
                } else {
                    ""
                };
                ctx.error(
                    "type",
                    format!("{flume}{}{at}", jvm.describe(&e, what, class)),
                )
            })?;
        let handle = In::new(&answer)
            .i64()
            .map_err(|e| ctx.error("type", e.to_string()))?;
        tracing::info!("Interceptor {name}: Java class {class} loaded");
        Ok(JavaInterceptor {
            name: name.to_string(),
            class: class.to_string(),
            jvm,
            worker,
            handle,
        })
    }
}

#[async_trait]
impl HostedInterceptor for JavaInterceptor {
    async fn intercept_batch(&self, events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let mut payload = Out::with_capacity(wire::batch_size_hint(&events));
        payload.events(&events);
        drop(events);
        let answer = self
            .jvm
            .call(
                &self.worker,
                wire::OP_INTERCEPT,
                self.handle,
                payload.into_vec(),
            )
            .await
            .map_err(|e| {
                tracing::error!(interceptor = %self.name, "{} threw {e}\n{}", self.class, e.stack);
                InterceptorError {
                    interceptor: self.name.clone(),
                    message: format!("{}: {e}", self.class),
                }
            })?;
        let answer = bytes::Bytes::from(answer);
        In::shared(&answer).events().map_err(|e| InterceptorError {
            interceptor: self.name.clone(),
            message: e.to_string(),
        })
    }
}

impl Drop for JavaInterceptor {
    fn drop(&mut self) {
        self.jvm
            .send(&self.worker, wire::OP_CLOSE, self.handle, Vec::new());
    }
}
