//! `avro` sink (`org.apache.flume.sink.AvroSink` / `AbstractRpcSink`, reference §11.4): takes
//! up to `batch-size` events in one transaction, sends them with `appendBatch` to an avro
//! source, and commits only when the source answered `OK`. Anything else rolls the batch back,
//! closes the connection and fails the call (the sink runner or sink group backs off and the
//! next attempt reconnects): events may repeat, never vanish.
//!
//! Keys: `hostname`, `port`, `batch-size`, `connect-timeout`, `request-timeout` (< 1000 ms →
//! default), `reset-connection-interval` (s), `compression-type`/`compression-level`, `ssl`,
//! `trust-all-certs`, `truststore*`, `include-/exclude-protocols`, `maxIoWorkers` (ignored, as
//! in 1.11).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::client::rpc::{RpcClient, RpcClientConfig};
use crate::component::{BuildEnv, Status};
use crate::config::{ConfigError, Context};
use crate::metrics::{BatchFill, MetricSource, SinkCounter};

pub struct AvroSink {
    name: String,
    channel: ChannelRef,
    config: RpcClientConfig,
    reset_interval: Option<Duration>,
    client: Option<RpcClient>,
    reset_at: Option<Instant>,
    counter: Arc<SinkCounter>,
}

impl AvroSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        env: &BuildEnv,
    ) -> Result<Self, ConfigError> {
        let config = RpcClientConfig::from_sink_context(ctx, env)?;
        let reset = ctx.long("reset-connection-interval", 0)?;
        Ok(AvroSink {
            name: name.to_string(),
            channel,
            config,
            reset_interval: (reset > 0).then(|| Duration::from_secs(reset as u64)),
            client: None,
            reset_at: None,
            counter: SinkCounter::new(name),
        })
    }

    fn target(&self) -> String {
        self.config
            .hosts
            .first()
            .map(|(h, p)| format!("hostname: {h}, port: {p}"))
            .unwrap_or_default()
    }

    async fn create_connection(&mut self) -> Result<(), SinkError> {
        if self.client.is_some() {
            return Ok(());
        }
        tracing::info!(
            "Rpc sink {}: Building RpcClient with {}",
            self.name,
            self.target()
        );
        match RpcClient::connect(&self.config).await {
            Ok(client) => {
                self.counter
                    .connection_created
                    .fetch_add(1, Ordering::Relaxed);
                tracing::debug!("Rpc sink {}: Created RpcClient: {client}", self.name);
                self.reset_at = self.reset_interval.map(|d| Instant::now() + d);
                self.client = Some(client);
                Ok(())
            }
            Err(error) => {
                self.counter
                    .connection_failed
                    .fetch_add(1, Ordering::Relaxed);
                Err(SinkError::Delivery(format!(
                    "Failed to send events: {error}"
                )))
            }
        }
    }

    async fn destroy_connection(&mut self) {
        if let Some(client) = self.client.take() {
            tracing::debug!("Rpc sink {} closing Rpc client: {client}", self.name);
            client.close().await;
            self.counter
                .connection_closed
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Flume's `verifyConnection`: build a client if there is none or the current one died.
    async fn verify_connection(&mut self) -> Result<(), SinkError> {
        if self.client.as_ref().is_some_and(|c| !c.is_active()) {
            self.destroy_connection().await;
        }
        self.create_connection().await
    }
}

#[async_trait]
impl Sink for AvroSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        tracing::info!(
            "Starting RpcSink {} {{ host: {} }}...",
            self.name,
            self.target()
        );
        if let Err(error) = self.create_connection().await {
            tracing::warn!(
                "Unable to create Rpc client using {}: {error}",
                self.target()
            );
            self.destroy_connection().await;
        }
        tracing::info!("Rpc sink {} started.", self.name);
        Ok(())
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        if self.reset_at.is_some_and(|at| Instant::now() >= at) {
            self.destroy_connection().await;
            if let Err(error) = self.create_connection().await {
                tracing::error!(sink = %self.name, %error, "Error while trying to expire connection");
            }
        }
        if let Err(error) = self.verify_connection().await {
            self.destroy_connection().await;
            return Err(error);
        }
        let take = match self.channel.take(self.config.batch_size).await {
            Ok(take) => take,
            Err(error) => {
                tracing::error!(%error, "Rpc Sink {}: Unable to get event from channel {}. Exception follows.", self.name, self.channel.name());
                self.counter
                    .channel_read_fail
                    .fetch_add(1, Ordering::Relaxed);
                return Ok(Status::Backoff);
            }
        };
        let n = take.len();
        let c = &self.counter;
        let fill = BatchFill::of(n, self.config.batch_size);
        c.count_batch(fill);
        if fill == BatchFill::Empty {
            take.commit().await?;
            return Ok(Status::Backoff);
        }
        c.event_drain_attempt.fetch_add(n as u64, Ordering::Relaxed);
        let sent = match self.client.as_mut() {
            Some(client) => client.append_batch(take.events()).await,
            None => unreachable_client(),
        };
        if let Err(error) = sent {
            // Dropping `take` rolls the batch back to the head of the channel.
            drop(take);
            self.counter
                .event_write_fail
                .fetch_add(1, Ordering::Relaxed);
            self.destroy_connection().await;
            return Err(SinkError::Delivery(format!(
                "Failed to send events: {error}"
            )));
        }
        if let Err(error) = take.commit().await {
            tracing::error!(%error, "Rpc Sink {}: Unable to commit the channel transaction.", self.name);
            self.counter
                .channel_read_fail
                .fetch_add(1, Ordering::Relaxed);
            return Ok(Status::Backoff);
        }
        self.counter
            .event_drain_success
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(Status::Ready)
    }

    async fn stop(&mut self) {
        tracing::info!("Rpc sink {} stopping...", self.name);
        self.destroy_connection().await;
        tracing::info!("Rpc sink {} stopped.", self.name);
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

/// `verify_connection` succeeded, so there is a client; kept out of line so that `process`
/// reads straight.
fn unreachable_client() -> Result<(), crate::client::rpc::RpcClientError> {
    Err(crate::client::rpc::RpcClientError::Closed {
        addr: "no connection".into(),
    })
}
