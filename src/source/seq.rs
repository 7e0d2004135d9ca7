//! `seq` source (`SequenceGeneratorSource`): bodies are the decimal counter 0, 1, 2, …; the
//! counter only advances after the channel accepted the batch (reference §9.5).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};

use super::deliver::{Call, Counting};
use super::{PollableSource, SourceContext, SourceError};
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{Prop, PropTable};

pub const BATCH_SIZE: Prop =
    Prop::int("batchSize", 1, "events per channel transaction (> 0)").batch_size();
pub const TOTAL_EVENTS: Prop = Prop::long(
    "totalEvents",
    i64::MAX,
    "events generated before the source stops producing",
);
pub const PROPS: PropTable = PropTable::new(&[BATCH_SIZE, TOTAL_EVENTS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "seq",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(crate::source::Pollable(SeqSource::from_context(name, ctx)?)))
    },
};

pub struct SeqSource {
    batch_size: usize,
    total_events: u64,
    next: u64,
    counter: Arc<SourceCounter>,
}

impl SeqSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "batchSize must be greater than 0"));
        }
        let total_events = ctx.get_long(&TOTAL_EVENTS)?;
        Ok(SeqSource {
            batch_size: batch_size as usize,
            total_events: total_events.max(0) as u64,
            next: 0,
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl PollableSource for SeqSource {
    async fn process(&mut self, cx: &SourceContext) -> Result<Status, SourceError> {
        if self.next >= self.total_events {
            return Ok(Status::Backoff);
        }
        let n = (self.total_events - self.next).min(self.batch_size as u64);
        // All bodies of the batch share one allocation.
        let mut digits = itoa::Buffer::new();
        let widest = digits.format(self.next + n).len();
        let mut buf = BytesMut::with_capacity(n as usize * widest);
        let mut ends = Vec::with_capacity(n as usize);
        for i in self.next..self.next + n {
            buf.extend_from_slice(digits.format(i).as_bytes());
            ends.push(buf.len());
        }
        let all: Bytes = buf.freeze();
        let mut start = 0;
        let events: Vec<Event> = ends
            .into_iter()
            .map(|end| {
                let body = all.slice(start..end);
                start = end;
                Event::new(body)
            })
            .collect();
        // Flume 1.9 moves only the accepted counters: EventAcceptedCount for single events,
        // plus AppendBatchAcceptedCount for batches; the received counters stay 0.
        let call = if self.batch_size == 1 {
            Call::Events
        } else {
            Call::AppendBatch
        };
        let counting = Counting::EVENTS.not_received().call(call);
        match cx.deliver(&self.counter, counting, events).await {
            Ok(()) => {
                self.next += n;
                Ok(Status::Ready)
            }
            Err(e) if e.is_full() => Ok(Status::Backoff),
            Err(e) => Err(e.into()),
        }
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}
