//! `memory` channel (`org.apache.flume.channel.MemoryChannel`): a bounded in-memory queue with
//! Flume's capacity, transaction capacity, byte capacity and keep-alive rules (reference §10.1).
//! Reused across reloads: a reload resizes it in place and its events survive.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{Channel, ChannelError, Take, TakeTransaction};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers, PackedHeaders};
use crate::metrics::{ChannelCounter, ChannelMetrics, MetricSource};
use crate::registry::{Prop, PropTable};

pub const CAPACITY: Prop = Prop::long(
    "capacity",
    100,
    "events the channel holds (≤ 0 or not a number: the default)",
);
pub const TRANSACTION_CAPACITY: Prop = Prop::long(
    "transactionCapacity",
    100,
    "events per put or take transaction; at most `capacity`",
);
pub const KEEP_ALIVE: Prop = Prop::long(
    "keep-alive",
    3,
    "seconds a put waits for room (and a take for an event)",
);
pub const BYTE_CAPACITY_BUFFER_PERCENTAGE: Prop = Prop::long(
    "byteCapacityBufferPercentage",
    20,
    "part of `byteCapacity` kept free for headers, in percent",
);
pub const BYTE_CAPACITY: Prop = Prop::long(
    "byteCapacity",
    0,
    "body bytes the channel holds; unset or ≤ 0: unlimited (only `capacity` bounds it)",
)
.default_computed("unlimited (Flume: 80 % of the JVM heap)");
pub const PROPS: PropTable = PropTable::new(&[
    CAPACITY,
    TRANSACTION_CAPACITY,
    KEEP_ALIVE,
    BYTE_CAPACITY_BUFFER_PERCENTAGE,
    BYTE_CAPACITY,
]);

/// This type's entry in `channel::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::channel::Native = crate::channel::Native {
    name: "memory",
    props: &PROPS,
    build: |config, _| {
        Ok(Arc::new(MemoryChannel::from_context(&config.name, &config.context)?))
    },
};
/// Flume counts body bytes in slots of this size.
const BYTE_SLOT: u64 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryChannelConfig {
    pub capacity: usize,
    pub transaction_capacity: usize,
    pub keep_alive: Duration,
    /// Byte slots available for bodies (`u64::MAX` = unlimited).
    pub byte_slots: u64,
}

impl MemoryChannelConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        // MemoryChannel catches NumberFormatException and falls back to its defaults.
        let positive = |prop: &Prop| match ctx.get_long_lenient(prop) {
            v if v <= 0 => prop.default_int(),
            v => v,
        };
        let capacity = positive(&CAPACITY);
        let transaction_capacity = positive(&TRANSACTION_CAPACITY);
        if transaction_capacity > capacity {
            return Err(ctx.error(
                TRANSACTION_CAPACITY.name,
                format!("Transaction Capacity of Memory Channel cannot be higher than the capacity: {transaction_capacity} > {capacity}"),
            ));
        }
        let keep_alive = ctx.get_long_lenient(&KEEP_ALIVE).max(0);
        let buffer_pct = ctx
            .get_long_lenient(&BYTE_CAPACITY_BUFFER_PERCENTAGE)
            .clamp(0, 100);
        // Flume's default is 80 % of the JVM heap; we have no heap, so the default is unlimited
        // (only `capacity` bounds the channel) unless byteCapacity is set.
        let byte_slots = match ctx.value(&BYTE_CAPACITY).and_then(crate::java::parse_long) {
            Some(bytes) if bytes > 0 => {
                let effective = (bytes as f64 * (1.0 - buffer_pct as f64 / 100.0)) as u64;
                (effective / BYTE_SLOT).max(1)
            }
            _ => u64::MAX,
        };
        Ok(MemoryChannelConfig {
            capacity: capacity as usize,
            transaction_capacity: transaction_capacity as usize,
            keep_alive: Duration::from_secs(keep_alive as u64),
            byte_slots,
        })
    }
}

fn byte_slots_of(event: &Event) -> u64 {
    byte_slots(event, BYTE_SLOT)
}

/// The slots of `slot_size` bytes an event's body takes in Flume's byte-capacity accounting:
/// `ceil(body length / slot_size)`, an empty body counting as one byte (memory channel: 100-byte
/// slots; spillable memory channel: `avgEventSize`).
pub(crate) fn byte_slots(event: &Event, slot_size: u64) -> u64 {
    let len = (event.body.len() as u64).max(1);
    len.div_ceil(slot_size.max(1))
}

/// A queued event: its body and its headers packed into one allocation (a header map of a
/// few entries takes ~8 allocations and ~400 bytes; packed, about its text's length). The
/// map is built again only if a taker reads the headers as a map.
struct Stored {
    body: bytes::Bytes,
    headers: Option<PackedHeaders>,
}

impl Stored {
    fn of(event: Event) -> Stored {
        Stored {
            body: event.body,
            headers: event.headers.into_packed(),
        }
    }

    fn into_event(self) -> Event {
        Event::with_headers(Headers::from_packed(self.headers), self.body)
    }
}

/// The queue grows by doubling up to this many slots; a channel of at most this capacity
/// reserves its whole capacity at the first put instead (no doubling copies, no slack).
const RESERVE_UP_TO: usize = 1 << 20;

struct State {
    config: MemoryChannelConfig,
    queue: VecDeque<Stored>,
    /// Slots held by queued events and by taken-but-uncommitted events.
    used: usize,
    used_bytes: u64,
}

struct Inner {
    name: String,
    state: Mutex<State>,
    /// Signalled when events are added (takers wait) or space is freed (putters wait).
    changed: Notify,
    counter: Arc<ChannelCounter>,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct MemoryChannel {
    inner: Arc<Inner>,
    metrics: Arc<ChannelMetrics>,
}

impl MemoryChannel {
    pub fn new(name: &str, config: MemoryChannelConfig) -> Self {
        let counter = ChannelCounter::new(name);
        let inner = Arc::new(Inner {
            name: name.to_string(),
            state: Mutex::new(State {
                config,
                queue: VecDeque::new(),
                used: 0,
                used_bytes: 0,
            }),
            changed: Notify::new(),
            counter: Arc::clone(&counter),
        });
        let weak = Arc::downgrade(&inner);
        let metrics = Arc::new(ChannelMetrics::new(counter, move || match weak.upgrade() {
            Some(inner) => {
                let s = inner.lock();
                (s.queue.len() as u64, s.config.capacity as u64)
            }
            None => (0, 0),
        }));
        MemoryChannel { inner, metrics }
    }

    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(MemoryChannel::new(
            name,
            MemoryChannelConfig::from_context(ctx)?,
        ))
    }

    pub fn len(&self) -> usize {
        self.inner.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    async fn wait_until<T>(
        &self,
        keep_alive: Duration,
        check: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        super::wait_until(&self.inner.state, &self.inner.changed, keep_alive, check).await
    }
}

#[async_trait]
impl Channel for MemoryChannel {
    fn name(&self) -> &str {
        &self.inner.name
    }

    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        let n = events.len();
        if n == 0 {
            return Ok(());
        }
        let counter = &self.inner.counter;
        let (tx_capacity, keep_alive) = {
            let s = self.inner.lock();
            (s.config.transaction_capacity, s.config.keep_alive)
        };
        // Flume counts an attempt before each event's put into the transaction: a batch that
        // overflows the transaction counts up to and including the first event that did not fit.
        let attempts = n.min(tx_capacity + 1);
        counter
            .put_attempt
            .fetch_add(attempts as u64, Ordering::Relaxed);
        if n > tx_capacity {
            return Err(ChannelError::Failed(format!(
                "Put queue for MemoryTransaction of capacity {tx_capacity} full, consider committing more frequently, increasing capacity or increasing thread count"
            )));
        }
        let bytes: u64 = events.iter().map(byte_slots_of).sum();
        let mut events = Some(events.into_iter().map(Stored::of).collect::<Vec<_>>());
        let outcome = self
            .wait_until(keep_alive, |s| {
                if s.used + n > s.config.capacity {
                    return None;
                }
                if s.config.byte_slots != u64::MAX && s.used_bytes + bytes > s.config.byte_slots {
                    return None;
                }
                s.used += n;
                s.used_bytes = s.used_bytes.saturating_add(bytes);
                if s.queue.capacity() == 0 && s.config.capacity <= RESERVE_UP_TO {
                    let capacity = s.config.capacity;
                    s.queue.reserve_exact(capacity);
                }
                s.queue.extend(events.take().unwrap_or_default());
                Some(())
            })
            .await;
        match outcome {
            Some(()) => {
                counter.put_success.fetch_add(n as u64, Ordering::Relaxed);
                self.inner.changed.notify_waiters();
                Ok(())
            }
            None => {
                let s = self.inner.lock();
                if s.used + n > s.config.capacity {
                    Err(ChannelError::Full(format!(
                        "Space for commit to queue couldn't be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight (channel {})",
                        self.inner.name
                    )))
                } else {
                    Err(ChannelError::Full(format!(
                        "Cannot commit transaction. Byte capacity allocated to store event body {} reached. Please increase heap space/byte capacity allocated to the channel as the sinks may not be keeping up with the sources",
                        s.config.byte_slots.saturating_mul(BYTE_SLOT)
                    )))
                }
            }
        }
    }

    async fn take(&self, max: usize) -> Result<Take, ChannelError> {
        let keep_alive = self.inner.lock().config.keep_alive;
        self.inner
            .counter
            .take_attempt
            .fetch_add(1, Ordering::Relaxed);
        let taken = self
            .wait_until(keep_alive, |s| {
                if s.queue.is_empty() {
                    return None;
                }
                let n = max.min(s.config.transaction_capacity).min(s.queue.len());
                Some(s.queue.drain(..n).collect::<Vec<_>>())
            })
            .await;
        match taken {
            Some(stored) if !stored.is_empty() => {
                let events = stored.into_iter().map(Stored::into_event).collect();
                let tx = MemoryTake {
                    inner: Arc::clone(&self.inner),
                };
                Ok(Take::new(events, Box::new(tx)))
            }
            _ => Ok(Take::empty()),
        }
    }

    fn overlapping_takes(&self) -> bool {
        true
    }

    fn transaction_capacity(&self) -> Option<usize> {
        Some(self.inner.lock().config.transaction_capacity)
    }

    fn reconfigure(&self, ctx: &Context) -> Result<bool, ConfigError> {
        let config = MemoryChannelConfig::from_context(ctx)?;
        let mut s = self.inner.lock();
        if config.capacity < s.used {
            tracing::warn!(
                channel = %self.inner.name,
                "Couldn't acquire permits to downsize the queue, resizing has been aborted"
            );
            let capacity = s.config.capacity;
            s.config = MemoryChannelConfig { capacity, ..config };
        } else {
            s.config = config;
        }
        drop(s);
        self.inner.changed.notify_waiters();
        Ok(true)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.metrics) as Arc<dyn MetricSource>)
    }
}

struct MemoryTake {
    inner: Arc<Inner>,
}

#[async_trait]
impl TakeTransaction for MemoryTake {
    async fn commit(self: Box<Self>, events: &[Event]) -> Result<(), ChannelError> {
        let bytes: u64 = events.iter().map(byte_slots_of).sum();
        {
            let mut s = self.inner.lock();
            s.used = s.used.saturating_sub(events.len());
            s.used_bytes = s.used_bytes.saturating_sub(bytes);
        }
        self.inner
            .counter
            .take_success
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        self.inner.changed.notify_waiters();
        Ok(())
    }

    fn rollback(self: Box<Self>, events: Vec<Event>) {
        let stored: Vec<Stored> = events.into_iter().map(Stored::of).collect();
        let mut s = self.inner.lock();
        for event in stored.into_iter().rev() {
            s.queue.push_front(event);
        }
        drop(s);
        self.inner.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(pairs: &[(&str, &str)]) -> MemoryChannel {
        MemoryChannel::from_context(
            "c1",
            &Context::from_pairs("a1.channels.c1.", pairs.iter().copied()),
        )
        .unwrap()
    }

    fn events(n: usize) -> Vec<Event> {
        (0..n).map(|i| Event::new(i.to_string())).collect()
    }

    #[tokio::test]
    async fn rollback_returns_events_to_head_in_order() {
        let ch = channel(&[]);
        ch.put_batch(events(5)).await.unwrap();
        let take = ch.take(3).await.unwrap();
        assert_eq!(take.len(), 3);
        drop(take);
        let take = ch.take(5).await.unwrap();
        let bodies: Vec<_> = take.events().iter().map(|e| e.body.clone()).collect();
        assert_eq!(bodies, ["0", "1", "2", "3", "4"]);
        take.commit().await.unwrap();
        assert!(ch.is_empty());
    }

    #[tokio::test]
    async fn headers_come_back_as_put() {
        let ch = channel(&[]);
        let mut e = Event::new("b");
        e.headers.insert("timestamp".into(), "17".into());
        e.headers.insert("level".into(), "INFO".into());
        e.headers
            .set_java_table(crate::event::JavaTable::Started(32));
        ch.put_batch(vec![e.clone(), Event::new("plain")])
            .await
            .unwrap();
        let take = ch.take(1).await.unwrap();
        assert_eq!(take.events()[0].header("level"), Some("INFO"));
        assert_eq!(take.events()[0], e);
        // A rolled-back event is kept packed again and comes back the same.
        drop(take);
        let take = ch.take(2).await.unwrap();
        assert_eq!(take.events()[0], e);
        assert_eq!(
            take.events()[0].headers.java_table(),
            crate::event::JavaTable::Started(32)
        );
        assert_eq!(take.events()[1], Event::new("plain"));
        take.commit().await.unwrap();
    }

    #[tokio::test]
    async fn full_channel_refuses_after_keep_alive() {
        let ch = channel(&[
            ("capacity", "3"),
            ("transactionCapacity", "3"),
            ("keep-alive", "0"),
        ]);
        ch.put_batch(events(3)).await.unwrap();
        assert!(matches!(
            ch.put_batch(events(1)).await,
            Err(ChannelError::Full(_))
        ));
        // Taken but not committed events still hold their slots.
        let take = ch.take(3).await.unwrap();
        assert!(matches!(
            ch.put_batch(events(1)).await,
            Err(ChannelError::Full(_))
        ));
        take.commit().await.unwrap();
        ch.put_batch(events(1)).await.unwrap();
    }

    #[tokio::test]
    async fn transaction_capacity_limits_batches() {
        let ch = channel(&[("capacity", "10"), ("transactionCapacity", "2")]);
        assert!(matches!(
            ch.put_batch(events(3)).await,
            Err(ChannelError::Failed(_))
        ));
        ch.put_batch(events(2)).await.unwrap();
        ch.put_batch(events(2)).await.unwrap();
        assert_eq!(ch.take(10).await.unwrap().len(), 2);
    }

    #[test]
    fn config_rules() {
        let ctx = Context::from_pairs(
            "a.channels.c.",
            [("capacity", "10"), ("transactionCapacity", "20")],
        );
        assert!(MemoryChannelConfig::from_context(&ctx).is_err());
        let ctx = Context::from_pairs(
            "a.channels.c.",
            [("capacity", "-1"), ("transactionCapacity", "x")],
        );
        let c = MemoryChannelConfig::from_context(&ctx).unwrap();
        assert_eq!((c.capacity, c.transaction_capacity), (100, 100));
    }

    #[tokio::test]
    async fn byte_capacity_counts_100_byte_slots() {
        // 1000 bytes, 20 % buffer → 800 bytes → 8 slots.
        let ch = channel(&[("byteCapacity", "1000"), ("keep-alive", "0")]);
        ch.put_batch(vec![Event::new(vec![0u8; 700])])
            .await
            .unwrap();
        assert!(
            ch.put_batch(vec![Event::new(vec![0u8; 101])])
                .await
                .is_err()
        );
        ch.put_batch(vec![Event::new(vec![0u8; 100])])
            .await
            .unwrap();
        assert!(ch.put_batch(vec![Event::new(vec![0u8; 1])]).await.is_err());
    }
}
