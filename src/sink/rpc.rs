//! Flume's `AbstractRpcSink`, shared by the avro and thrift sinks: take up to `batch-size`
//! events in one transaction, hand them to the RPC client, commit only when every call was
//! answered `OK`. Anything else rolls the batch back, closes the client and fails the call
//! (the sink runner or sink group backs off; the next attempt builds a new client): events
//! may repeat, never vanish. `reset-connection-interval` (s) closes and rebuilds the client
//! that often.
//!
//! A sink type supplies a [`RpcConnector`] (how to build a client, the target it names in
//! logs, its batch size) and nothing else.

use std::fmt::Display;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{BatchFill, MetricSource, SinkCounter};
use crate::registry::Prop;

pub const RESET_CONNECTION_INTERVAL: Prop = Prop::long(
    "reset-connection-interval",
    0,
    "seconds after which the connection is closed and opened again (≤ 0 = never)",
);

/// A connected (or ready-to-connect) RPC client, as `org.apache.flume.api.RpcClient`.
#[async_trait]
pub trait RpcSinkClient: Display + Send {
    /// False once a call failed or the server closed the connection.
    fn is_active(&self) -> bool;

    /// Deliver `events` (in calls of at most the batch size); every call must be answered OK.
    async fn append_batch(&mut self, events: &[Event]) -> Result<(), String>;

    async fn close(self);
}

/// What differs between the RPC sinks: how a client is built.
#[async_trait]
pub trait RpcConnector: Send {
    type Client: RpcSinkClient;

    /// `initializeRpcClient`: build a client (the avro client connects here; the thrift
    /// client connects on its first call, as Flume's do).
    async fn connect(&self) -> Result<Self::Client, String>;

    fn hostname(&self) -> &str;

    fn port(&self) -> u16;

    fn batch_size(&self) -> usize;
}

pub struct RpcSink<C: RpcConnector> {
    name: String,
    channel: ChannelRef,
    connector: C,
    reset_interval: Option<Duration>,
    client: Option<C::Client>,
    reset_at: Option<Instant>,
    counter: Arc<SinkCounter>,
}

impl<C: RpcConnector> RpcSink<C> {
    /// `reset-connection-interval` is read here; everything else by the connector.
    pub fn new(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        connector: C,
    ) -> Result<Self, ConfigError> {
        let reset = ctx.get_long(&RESET_CONNECTION_INTERVAL)?;
        if reset == 0 {
            tracing::info!("Connection reset is set to 0. Will not reset connection to next hop");
        }
        Ok(RpcSink {
            name: name.to_string(),
            channel,
            connector,
            reset_interval: (reset > 0).then(|| Duration::from_secs(reset as u64)),
            client: None,
            reset_at: None,
            counter: SinkCounter::new(name),
        })
    }

    async fn create_connection(&mut self) -> Result<(), SinkError> {
        if self.client.is_some() {
            return Ok(());
        }
        tracing::info!(
            "Rpc sink {}: Building RpcClient with hostname: {}, port: {}",
            self.name,
            self.connector.hostname(),
            self.connector.port()
        );
        match self.connector.connect().await {
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

    /// `RpcSink k1 { host: h, port: p }`, as `AbstractRpcSink.toString()`.
    fn describe(&self) -> String {
        format!(
            "RpcSink {} {{ host: {}, port: {} }}",
            self.name,
            self.connector.hostname(),
            self.connector.port()
        )
    }
}

#[async_trait]
impl<C: RpcConnector> Sink for RpcSink<C> {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        tracing::info!("Starting {}...", self.describe());
        if let Err(error) = self.create_connection().await {
            tracing::warn!(
                "Unable to create Rpc client using hostname: {}, port: {}: {error}",
                self.connector.hostname(),
                self.connector.port()
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
        let batch_size = self.connector.batch_size();
        let take = match self.channel.take(batch_size).await {
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
        let fill = BatchFill::of(n, batch_size);
        c.count_batch(fill);
        if fill == BatchFill::Empty {
            take.commit().await?;
            return Ok(Status::Backoff);
        }
        c.event_drain_attempt.fetch_add(n as u64, Ordering::Relaxed);
        let sent = match self.client.as_mut() {
            Some(client) => client.append_batch(take.events()).await,
            // verify_connection succeeded, so there is a client.
            None => Err("no connection".to_string()),
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
        Some(self.connector.batch_size())
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}
