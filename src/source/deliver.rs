//! Handing events to the channels, written once for every source: [`SourceContext::deliver`]
//! puts a batch through the [`ChannelProcessor`](super::ChannelProcessor) and moves the
//! source's counters the way its Flume class does; [`ChannelBackoff`] is the sleep-and-double
//! wait of the sources that retry a batch the channel refused.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{ProcessError, SourceContext};
use crate::event::Event;
use crate::metrics::SourceCounter;

/// The call counters a delivery moves besides the event counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// None: the source counts events only.
    Events,
    /// `AppendReceivedCount` / `AppendAcceptedCount` (an RPC `append`).
    Append,
    /// `AppendBatchReceivedCount` / `AppendBatchAcceptedCount`.
    AppendBatch,
}

/// A counter a failed delivery moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `ChannelWriteFail`.
    ChannelWrite,
    /// `EventReadFail`.
    EventRead,
    /// `GenericProcessingFail`.
    GenericProcessing,
}

impl Failure {
    fn counter(self, c: &SourceCounter) -> &AtomicU64 {
        match self {
            Failure::ChannelWrite => &c.channel_write_fail,
            Failure::EventRead => &c.event_read_fail,
            Failure::GenericProcessing => &c.generic_processing_fail,
        }
    }
}

/// Which of Flume's source counters one delivery moves. Flume's source classes differ (and
/// §18 measured them): each source states its own, starting from [`Counting::EVENTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counting {
    /// `EventReceivedCount` (and the call's received counter) before the put; false where
    /// the source counts events as it reads them, or not at all.
    pub received: bool,
    pub call: Call,
    /// Moved when the channel refused the batch (`ChannelException`).
    pub channel_failure: Option<Failure>,
    /// Moved when something else failed (an interceptor).
    pub other_failure: Option<Failure>,
}

impl Counting {
    /// Events received and accepted; `ChannelWriteFail` for any failure.
    pub const EVENTS: Counting = Counting {
        received: true,
        call: Call::Events,
        channel_failure: Some(Failure::ChannelWrite),
        other_failure: Some(Failure::ChannelWrite),
    };

    pub const fn call(self, call: Call) -> Counting {
        Counting { call, ..self }
    }

    /// Received counters are not moved here.
    pub const fn not_received(self) -> Counting {
        Counting {
            received: false,
            ..self
        }
    }

    pub const fn failures(self, channel: Option<Failure>, other: Option<Failure>) -> Counting {
        Counting {
            channel_failure: channel,
            other_failure: other,
            ..self
        }
    }
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl SourceContext {
    /// Put `events` on the channels (interceptors, selector, one transaction per channel),
    /// counting them in `counter` as `counting` says. The error is the caller's to log, to
    /// answer (RPC sources) or to back off on ([`ProcessError::is_full`]).
    pub async fn deliver(
        &self,
        counter: &SourceCounter,
        counting: Counting,
        events: Vec<Event>,
    ) -> Result<(), ProcessError> {
        let n = events.len() as u64;
        if counting.received {
            add(&counter.event_received, n);
            match counting.call {
                Call::Events => {}
                Call::Append => add(&counter.append_received, 1),
                Call::AppendBatch => add(&counter.append_batch_received, 1),
            }
        }
        match self.processor.process_batch(events).await {
            Ok(()) => {
                add(&counter.event_accepted, n);
                match counting.call {
                    Call::Events => {}
                    Call::Append => add(&counter.append_accepted, 1),
                    Call::AppendBatch => add(&counter.append_batch_accepted, 1),
                }
                Ok(())
            }
            Err(error) => {
                let failure = match error {
                    ProcessError::Channel { .. } => counting.channel_failure,
                    _ => counting.other_failure,
                };
                if let Some(f) = failure {
                    add(f.counter(counter), 1);
                }
                Err(error)
            }
        }
    }
}

/// The wait of a source that retries a batch the channel refused: `first`, doubled after each
/// refusal up to `max`, back to `first` after a success.
#[derive(Debug, Clone)]
pub struct ChannelBackoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl ChannelBackoff {
    pub fn new(first: Duration, max: Duration) -> ChannelBackoff {
        ChannelBackoff {
            first,
            max,
            next: first,
        }
    }

    /// How long to wait now; the next wait doubles.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::channel::ChannelRef;
    use crate::channel::memory::MemoryChannel;
    use crate::config::Context;
    use crate::interceptor::InterceptorChain;
    use crate::source::ChannelProcessor;

    fn context(capacity: &str) -> SourceContext {
        let pairs = [
            ("capacity", capacity),
            ("transactionCapacity", capacity),
            ("keep-alive", "0"),
        ];
        let channel = MemoryChannel::from_context("c1", &Context::from_pairs("c.", pairs)).unwrap();
        let selector = crate::selector::build(
            &Context::from_pairs("s.", [] as [(&str, &str); 0]),
            &["c1".into()],
        )
        .unwrap();
        SourceContext {
            name: "r1".into(),
            processor: Arc::new(ChannelProcessor::new(
                vec![Arc::new(channel) as ChannelRef],
                InterceptorChain::default(),
                selector,
            )),
            shutdown: CancellationToken::new(),
        }
    }

    fn counts(c: &SourceCounter) -> Vec<(&'static str, String)> {
        use crate::metrics::MetricSource;
        c.attributes()
            .into_iter()
            .filter(|(k, v)| v != "0" && !matches!(*k, "StartTime" | "StopTime" | "Type"))
            .collect()
    }

    #[tokio::test]
    async fn counts_as_the_source_says_and_reports_a_full_channel() {
        let cx = context("2");
        let c = SourceCounter::new("r1");
        let batch = Counting::EVENTS.call(Call::AppendBatch);
        cx.deliver(&c, batch, vec![Event::new("a"), Event::new("b")])
            .await
            .unwrap();
        let full = cx
            .deliver(&c, batch, vec![Event::new("c")])
            .await
            .unwrap_err();
        assert!(full.is_full(), "{full}");
        let uncounted = Counting::EVENTS.not_received().failures(None, None);
        assert!(
            cx.deliver(&c, uncounted, vec![Event::new("d")])
                .await
                .is_err()
        );
        assert_eq!(
            counts(&c),
            [
                ("AppendBatchAcceptedCount", "1".to_string()),
                ("AppendBatchReceivedCount", "2".to_string()),
                ("ChannelWriteFail", "1".to_string()),
                ("EventAcceptedCount", "2".to_string()),
                ("EventReceivedCount", "3".to_string()),
            ]
        );
    }

    #[test]
    fn backoff_doubles_to_the_maximum_and_resets() {
        let ms = Duration::from_millis;
        let mut b = ChannelBackoff::new(ms(250), ms(1000));
        let waits: Vec<_> = (0..4).map(|_| b.next_wait()).collect();
        assert_eq!(waits, [ms(250), ms(500), ms(1000), ms(1000)]);
        b.reset();
        assert_eq!(b.next_wait(), ms(250));
    }
}
