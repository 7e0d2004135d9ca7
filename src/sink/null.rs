//! `null` sink (`NullSink`): takes up to `batchSize` events per transaction and discards them.

use async_trait::async_trait;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::registry::{Prop, PropTable};

pub const BATCH_SIZE: Prop =
    Prop::int("batchSize", 100, "events taken per transaction (> 0)").batch_size();
pub const LOG_EVERY_N_EVENTS: Prop = Prop::long(
    "logEveryNEvents",
    10000,
    "log a progress line every this many events (> 0)",
);
pub const PROPS: PropTable = PropTable::new(&[BATCH_SIZE, LOG_EVERY_N_EVENTS]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "null",
    props: &PROPS,
    build: |name, ctx, channel, _| {
        Ok(Box::new(NullSink::from_context(name, ctx, channel)?))
    },
};

pub struct NullSink {
    name: String,
    channel: ChannelRef,
    batch_size: usize,
    log_every: u64,
    /// Flume's counter also counts empty takes; we count events.
    processed: u64,
}

impl NullSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, ConfigError> {
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "batchSize must be greater than 0"));
        }
        let log_every = ctx.get_long(&LOG_EVERY_N_EVENTS)?;
        if log_every <= 0 {
            return Err(ctx.error(
                LOG_EVERY_N_EVENTS.name,
                "logEveryNEvents must be greater than 0",
            ));
        }
        Ok(NullSink {
            name: name.to_string(),
            channel,
            batch_size: batch_size as usize,
            log_every: log_every as u64,
            processed: 0,
        })
    }
}

#[async_trait]
impl Sink for NullSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        let take = self.channel.take(self.batch_size).await?;
        let n = take.len() as u64;
        take.commit().await?;
        if n == 0 {
            return Ok(Status::Backoff);
        }
        let before = self.processed / self.log_every;
        self.processed += n;
        if self.processed / self.log_every != before {
            tracing::info!(
                "Null sink {} successful processed {} events.",
                self.name,
                self.processed
            );
        }
        Ok(Status::Ready)
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.batch_size)
    }
}
