//! `SPILLABLEMEMORY` channel (`org.apache.flume.channel.SpillableMemoryChannel`, @Recyclable): a
//! memory queue of `memoryCapacity` events that spills to an embedded file channel when it is
//! full (user guide "Spillable Memory Channel"; Flume 1.9's class extends `FileChannel`).
//!
//! - Puts go to memory while it has room (waiting up to `overflowTimeout` seconds for room
//!   unless overflow is already active), else the whole batch goes to the overflow file
//!   channel — this channel's [`FileChannel`], configured from the same properties with
//!   `capacity = overflowCapacity` and `keep-alive = 0`. A full overflow is retried once after
//!   `overflowTimeout` seconds.
//! - A *drain order* (runs of "n from memory" / "n from overflow" in put order) makes takes
//!   come out in put order; one take never mixes the two.
//! - Overflow stays active until a take leaves `overflowDeactivationThreshold` % of memory free.
//! - `memoryCapacity = 0`: every put goes to the file channel. `overflowCapacity = 0`: overflow
//!   is disabled (a pure memory channel; the file channel is still opened, as Flume does, and
//!   what it holds from earlier runs is drained first).
//! - Durability is the file channel's for the overflowed part; the memory part is lost on a
//!   crash or a stop, as in Flume. A reload reuses the channel (the memory part survives).
//! - Counters: Flume's plain `ChannelCounter` (its counter replaces the file channel's on the
//!   `CHANNEL.<name>` MBean), capacity `memoryCapacity + overflowCapacity`.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::file::FileChannel;
use super::file::config::{FileChannelConfig, Overrides, STORAGE_PROPS};
use super::memory::byte_slots;
use super::{Channel, ChannelError, Take, TakeTransaction, wait_until};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{ChannelCounter, ChannelMetrics, MetricSource};
use crate::registry::{Prop, PropTable};

pub const MEMORY_CAPACITY: Prop = Prop::int(
    "memoryCapacity",
    10_000,
    "events held in memory (0: every put goes to the overflow; < 0 or not a number: the default)",
);
pub const OVERFLOW_CAPACITY: Prop = Prop::int(
    "overflowCapacity",
    100_000_000,
    "events held in the overflow file channel (0: no overflow)",
);
pub const OVERFLOW_TIMEOUT: Prop = Prop::int(
    "overflowTimeout",
    3,
    "seconds a put waits for room in memory before it overflows",
);
pub const OVERFLOW_DEACTIVATION_THRESHOLD: Prop = Prop::int(
    "overflowDeactivationThreshold",
    5,
    "percent of memory that must be free for the overflow to stop",
);
pub const BYTE_CAPACITY_BUFFER_PERCENTAGE: Prop = Prop::int(
    "byteCapacityBufferPercentage",
    20,
    "part of `byteCapacity` kept free for headers, in percent",
);
pub const BYTE_CAPACITY: Prop = Prop::text(
    "byteCapacity",
    "body bytes held in memory; unset: unlimited (only memoryCapacity bounds it)",
)
.typed(crate::registry::Type::Long)
.default_computed("unlimited (Flume: 80 % of the JVM heap)");
pub const AVG_EVENT_SIZE: Prop = Prop::int(
    "avgEventSize",
    500,
    "bytes per slot of the byte accounting (> 0)",
);
/// `spillablememory`: its own keys and the storage keys of the overflow file channel (its
/// `capacity` is `overflowCapacity` and its `keep-alive` 0, whatever the user sets).
pub const PROPS: PropTable = PropTable::new(&[
    MEMORY_CAPACITY,
    OVERFLOW_CAPACITY,
    OVERFLOW_TIMEOUT,
    OVERFLOW_DEACTIVATION_THRESHOLD,
    BYTE_CAPACITY_BUFFER_PERCENTAGE,
    BYTE_CAPACITY,
    AVG_EVENT_SIZE,
])
.including(&[&STORAGE_PROPS]);

/// This type's entry in `channel::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::channel::Native = crate::channel::Native {
    name: "spillablememory",
    props: &PROPS,
    build: |config, env| {
        Ok(Arc::new(SpillableMemoryChannel::from_context(&config.name, &config.context, &super::file::user_home(&env.sysprops))?))
    },
};

#[derive(Debug, Clone, PartialEq)]
pub struct SpillableConfig {
    pub memory_capacity: usize,
    /// As configured (Flume reports `memoryCapacity + overflowCapacity` as the capacity).
    pub overflow_capacity: i32,
    pub overflow_disabled: bool,
    pub overflow_timeout: Duration,
    /// Fraction of memory that must be free after a take to deactivate overflow.
    pub deactivation_threshold: f64,
    /// The unit of byte accounting (`avgEventSize` bytes per slot).
    pub avg_event_size: u64,
    /// Byte slots for bodies in memory (`u64::MAX` = unlimited).
    pub byte_slots: u64,
    pub overflow: FileChannelConfig,
}

/// `Context.getInteger` where Flume catches `NumberFormatException` and uses the default.
fn int_or_default(ctx: &Context, prop: &Prop, what: &str) -> i32 {
    let (key, default) = (prop.name, prop.default_int() as i32);
    let Some(v) = ctx.get(key) else {
        return default;
    };
    match crate::java::parse_int(v) {
        Some(n) => n,
        None => {
            tracing::warn!(
                "Incorrect value for {what}'s {key} setting. Using default value {default}"
            );
            ctx.note(
                key,
                format!(
                    "expected an integer, got {}: Flume ignores it and uses the default {default}",
                    ctx.shown(key, v)
                ),
            );
            default
        }
    }
}

impl SpillableConfig {
    /// `name`: the channel (for log lines); `home`: Java's `user.home` (file channel defaults).
    pub fn from_context(name: &str, ctx: &Context, home: &str) -> Result<Self, ConfigError> {
        let mut memory_capacity = int_or_default(ctx, &MEMORY_CAPACITY, name);
        if memory_capacity < 0 {
            let default = MEMORY_CAPACITY.default_int() as i32;
            tracing::warn!(
                "Invalid memoryCapacity specified, initializing {name} channel to default value of {default}"
            );
            ctx.note(
                MEMORY_CAPACITY.name,
                format!("must be >= 0: Flume uses the default {default}"),
            );
            memory_capacity = default;
        }
        // Thread.sleep and Semaphore.tryAcquire: a negative timeout does not wait.
        let overflow_timeout = int_or_default(ctx, &OVERFLOW_TIMEOUT, name).max(0);
        let threshold = int_or_default(ctx, &OVERFLOW_DEACTIVATION_THRESHOLD, name);
        let buffer_pct = int_or_default(ctx, &BYTE_CAPACITY_BUFFER_PERCENTAGE, name);
        let mut avg_event_size = int_or_default(ctx, &AVG_EVENT_SIZE, name);
        if avg_event_size <= 0 {
            let default = AVG_EVENT_SIZE.default_int() as i32;
            // Flume divides by it (0: every event takes all slots; < 0: a failing semaphore).
            tracing::warn!(
                "avgEventSize of {name} must be positive, got {avg_event_size}; using {default}"
            );
            ctx.note(
                AVG_EVENT_SIZE.name,
                format!("must be positive: flume-rs uses the default {default}"),
            );
            avg_event_size = default;
        }
        // Flume's default byteCapacity is 80 % of the JVM heap; there is no heap here, so by
        // default only memoryCapacity bounds the memory part (as for the memory channel).
        let byte_slots = match ctx.value(&BYTE_CAPACITY).map(crate::java::parse_long) {
            None => u64::MAX,
            Some(None) => {
                ctx.note(
                    BYTE_CAPACITY.name,
                    "expected an integer: Flume uses its default (80 % of the JVM heap); flume-rs leaves the byte capacity unlimited",
                );
                u64::MAX
            }
            Some(Some(bytes)) => {
                let slots = (bytes as f64 * (1.0 - buffer_pct as f64 * 0.01)
                    / avg_event_size as f64) as i64;
                // Java's (int) cast saturates; below one slot means unlimited.
                let slots = slots.min(i32::MAX as i64);
                if slots < 1 { u64::MAX } else { slots as u64 }
            }
        };
        let default_overflow = OVERFLOW_CAPACITY.default_int() as i32;
        let mut overflow_capacity = match ctx.value(&OVERFLOW_CAPACITY) {
            None => default_overflow,
            Some(v) => crate::java::parse_int(v).unwrap_or_else(|| {
                ctx.note(
                    OVERFLOW_CAPACITY.name,
                    format!(
                        "expected an integer, got {}: Flume uses the default {default_overflow}",
                        ctx.shown(OVERFLOW_CAPACITY.name, v)
                    ),
                );
                default_overflow
            }),
        };
        if memory_capacity < 1 && overflow_capacity < 1 {
            tracing::warn!(
                "For channel {name}overflowCapacity cannot be set to 0 if memoryCapacity is also 0. Using default value overflowCapacity = {default_overflow}"
            );
            overflow_capacity = default_overflow;
        }
        let overflow = FileChannelConfig::from_context_overridden(
            ctx,
            home,
            &Overrides {
                capacity: Some(overflow_capacity),
                keep_alive_secs: Some(0),
            },
        )
        .map_err(|mut e| {
            if e.key.ends_with(".transactionCapacity") {
                e.message.push_str(
                    " (the overflow file channel's capacity is overflowCapacity; its transactionCapacity defaults to 10000)",
                );
            }
            e
        })?;
        Ok(SpillableConfig {
            memory_capacity: memory_capacity as usize,
            overflow_capacity,
            overflow_disabled: overflow_capacity < 1,
            overflow_timeout: Duration::from_secs(overflow_timeout as u64),
            deactivation_threshold: threshold as f64 / 100.0,
            avg_event_size: avg_event_size as u64,
            byte_slots,
            overflow,
        })
    }
}

/// Runs of events in put order: `n > 0` events in memory, `n < 0` events in the overflow.
/// No run is ever 0.
#[derive(Debug, Default)]
struct DrainOrder {
    runs: VecDeque<i64>,
    overflow: u64,
}

impl DrainOrder {
    fn front(&self) -> Option<i64> {
        self.runs.front().copied()
    }

    fn put_primary(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.runs.back_mut() {
            Some(last) if *last > 0 => *last += n as i64,
            _ => self.runs.push_back(n as i64),
        }
    }

    fn put_overflow(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.runs.back_mut() {
            Some(last) if *last < 0 => *last -= n as i64,
            _ => self.runs.push_back(-(n as i64)),
        }
        self.overflow += n as u64;
    }

    fn put_first_primary(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.runs.front_mut() {
            Some(first) if *first > 0 => *first += n as i64,
            _ => self.runs.push_front(n as i64),
        }
    }

    fn put_first_overflow(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.runs.front_mut() {
            Some(first) if *first < 0 => *first -= n as i64,
            _ => self.runs.push_front(-(n as i64)),
        }
        self.overflow += n as u64;
    }

    /// Remove `n` from the head run, which must be a memory run of at least `n`.
    fn take_primary(&mut self, n: usize) {
        let Some(first) = self.runs.front_mut() else {
            return;
        };
        debug_assert!(*first >= n as i64);
        *first -= n as i64;
        if *first <= 0 {
            self.runs.pop_front();
        }
    }

    /// Remove `n` from the head run, which must be an overflow run of at least `n`.
    fn take_overflow(&mut self, n: usize) {
        let Some(first) = self.runs.front_mut() else {
            return;
        };
        debug_assert!(*first <= -(n as i64));
        *first += n as i64;
        if *first >= 0 {
            self.runs.pop_front();
        }
        self.overflow = self.overflow.saturating_sub(n as u64);
    }

    /// Forget the overflow runs (the overflow was replaced) and put `depth` overflow events
    /// first.
    fn reset_overflow(&mut self, depth: usize) {
        let memory: Vec<i64> = self.runs.iter().copied().filter(|r| *r > 0).collect();
        self.runs.clear();
        self.overflow = 0;
        for run in memory {
            self.put_primary(run as usize);
        }
        self.put_first_overflow(depth);
    }
}

#[derive(Debug)]
struct State {
    config: SpillableConfig,
    memory: VecDeque<Event>,
    /// Memory slots held by queued, taken-but-uncommitted and reserved events.
    memory_used: usize,
    bytes_used: u64,
    drain: DrainOrder,
    overflow_activated: bool,
    started: bool,
    /// A reload changed the file channel's settings: a new one replaces it at the next start.
    pending_overflow: Option<FileChannelConfig>,
}

struct Inner {
    name: String,
    state: Mutex<State>,
    /// Signalled when events are added (takers wait) or memory is freed (putters wait).
    changed: Notify,
    counter: Arc<ChannelCounter>,
    overflow: Mutex<Arc<FileChannel>>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn overflow(&self) -> Arc<FileChannel> {
        Arc::clone(&self.overflow.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// After a take of `taken` events committed: Flume's deactivation rule (free fraction of
    /// memory counted as `(memoryCapacity - queued + taken) / memoryCapacity`).
    fn maybe_deactivate(&self, s: &mut State, taken: usize) {
        let capacity = s.config.memory_capacity;
        let free = if capacity == 0 {
            0.0
        } else {
            (capacity as f64 - s.memory.len() as f64 + taken as f64) / capacity as f64
        };
        if s.overflow_activated && free >= s.config.deactivation_threshold {
            s.overflow_activated = false;
            tracing::info!(channel = %self.name, "Overflow Deactivated");
        }
    }
}

pub struct SpillableMemoryChannel {
    inner: Arc<Inner>,
    metrics: Arc<ChannelMetrics>,
    home: String,
}

impl SpillableMemoryChannel {
    pub fn new(name: &str, config: SpillableConfig, home: &str) -> Self {
        let counter = ChannelCounter::new(name);
        let overflow = Arc::new(FileChannel::new(name, config.overflow.clone()));
        let inner = Arc::new(Inner {
            name: name.to_string(),
            state: Mutex::new(State {
                config,
                memory: VecDeque::new(),
                memory_used: 0,
                bytes_used: 0,
                drain: DrainOrder::default(),
                overflow_activated: false,
                started: false,
                pending_overflow: None,
            }),
            changed: Notify::new(),
            counter: Arc::clone(&counter),
            overflow: Mutex::new(overflow),
        });
        let weak = Arc::downgrade(&inner);
        let metrics = Arc::new(ChannelMetrics::new(counter, move || match weak.upgrade() {
            Some(inner) => {
                let s = inner.lock();
                let size = s.memory.len() as u64 + s.drain.overflow;
                let capacity = s.config.memory_capacity as i64 + s.config.overflow_capacity as i64;
                (size, capacity.max(0) as u64)
            }
            None => (0, 0),
        }));
        SpillableMemoryChannel {
            inner,
            metrics,
            home: home.to_string(),
        }
    }

    /// `home`: Java's `user.home` for the file channel's default directories.
    pub fn from_context(name: &str, ctx: &Context, home: &str) -> Result<Self, ConfigError> {
        Ok(SpillableMemoryChannel::new(
            name,
            SpillableConfig::from_context(name, ctx, home)?,
            home,
        ))
    }

    /// Events in memory and in the overflow (not counting taken-but-uncommitted ones).
    pub fn len(&self) -> usize {
        let s = self.inner.lock();
        s.memory.len() + s.drain.overflow as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events queued in the overflow file channel.
    pub fn overflow_len(&self) -> usize {
        self.inner.lock().drain.overflow as usize
    }

    async fn put_overflow(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        let n = events.len();
        let timeout = self.inner.lock().config.overflow_timeout;
        let overflow = self.inner.overflow();
        // Flume retries once, after overflowTimeout, when the overflow is full.
        let mut result = overflow.put_events(&events).await;
        if let Err(ChannelError::Full(_)) = result {
            tokio::time::sleep(timeout).await;
            result = overflow.put_events(&events).await;
        }
        result?;
        self.inner.lock().drain.put_overflow(n);
        self.inner
            .counter
            .put_success
            .fetch_add(n as u64, Ordering::Relaxed);
        self.inner.changed.notify_waiters();
        Ok(())
    }

    /// Reserve memory slots and byte slots for `events`; `Ok(false)`: they go to the overflow.
    async fn reserve_memory(&self, events: &[Event]) -> Result<bool, ChannelError> {
        let n = events.len();
        let (memory_capacity, timeout, activated, avg, unlimited_bytes) = {
            let s = self.inner.lock();
            (
                s.config.memory_capacity,
                s.config.overflow_timeout,
                s.overflow_activated,
                s.config.avg_event_size,
                s.config.byte_slots == u64::MAX,
            )
        };
        if memory_capacity == 0 {
            return Ok(false);
        }
        let wait = if activated { Duration::ZERO } else { timeout };
        let slots = wait_until(&self.inner.state, &self.inner.changed, wait, |s| {
            (s.memory_used + n <= s.config.memory_capacity).then(|| s.memory_used += n)
        })
        .await;
        if slots.is_none() {
            let mut s = self.inner.lock();
            if s.config.overflow_disabled {
                return Err(ChannelError::Full(
                    "Spillable Memory Channel's memory capacity has been reached and overflow is disabled. Consider increasing memoryCapacity.".into(),
                ));
            }
            s.overflow_activated = true;
            return Ok(false);
        }
        if unlimited_bytes {
            return Ok(true);
        }
        let bytes: u64 = events.iter().map(|e| byte_slots(e, avg)).sum();
        let got = wait_until(&self.inner.state, &self.inner.changed, timeout, |s| {
            (s.config.byte_slots == u64::MAX
                || s.bytes_used.saturating_add(bytes) <= s.config.byte_slots)
                .then(|| s.bytes_used += bytes)
        })
        .await;
        if got.is_some() {
            return Ok(true);
        }
        let mut s = self.inner.lock();
        s.memory_used = s.memory_used.saturating_sub(n);
        let disabled = s.config.overflow_disabled;
        let free = s.config.byte_slots.saturating_sub(s.bytes_used) * s.config.avg_event_size;
        if !disabled {
            s.overflow_activated = true;
        }
        drop(s);
        self.inner.changed.notify_waiters();
        if disabled {
            return Err(ChannelError::Full(format!(
                "Spillable Memory Channel's memory capacity has been reached.  {free} bytes are free and overflow is disabled. Consider increasing byteCapacity or capacity."
            )));
        }
        Ok(false)
    }

    /// Apply a pending overflow replacement (a reload changed the file channel's settings).
    async fn replace_overflow(&self, config: FileChannelConfig) {
        let fresh = Arc::new(FileChannel::new(&self.inner.name, config));
        let old = std::mem::replace(
            &mut *self
                .inner
                .overflow
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
            Arc::clone(&fresh),
        );
        old.stop().await;
        if let Err(error) = fresh.start().await {
            tracing::error!(channel = %self.inner.name, %error, "the overflow file channel failed to start");
        }
        let depth = fresh.len();
        self.inner.lock().drain.reset_overflow(depth);
        self.inner.changed.notify_waiters();
    }
}

enum Picked {
    Memory(Vec<Event>, u64),
    Overflow(usize),
}

#[async_trait]
impl Channel for SpillableMemoryChannel {
    fn name(&self) -> &str {
        &self.inner.name
    }

    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        let n = events.len();
        if n == 0 {
            return Ok(());
        }
        self.inner
            .counter
            .put_attempt
            .fetch_add(n as u64, Ordering::Relaxed);
        if !self.reserve_memory(&events).await? {
            return self.put_overflow(events).await;
        }
        {
            let mut s = self.inner.lock();
            s.memory.extend(events);
            s.drain.put_primary(n);
        }
        self.inner
            .counter
            .put_success
            .fetch_add(n as u64, Ordering::Relaxed);
        self.inner.changed.notify_waiters();
        Ok(())
    }

    async fn take(&self, max: usize) -> Result<Take, ChannelError> {
        let counter = &self.inner.counter;
        let (timeout, limit, avg) = {
            let s = self.inner.lock();
            (
                s.config.overflow_timeout,
                max.min(s.config.overflow.transaction_capacity),
                s.config.avg_event_size,
            )
        };
        // Flume counts one attempt per event asked for, the last (empty) one included.
        let count_attempts = |taken: usize| {
            let attempts = taken as u64 + u64::from(taken < max);
            counter.take_attempt.fetch_add(attempts, Ordering::Relaxed);
        };
        if limit == 0 {
            count_attempts(0);
            return Ok(Take::empty());
        }
        let picked = wait_until(&self.inner.state, &self.inner.changed, timeout, |s| {
            let front = s.drain.front()?;
            if front > 0 {
                let k = limit.min(front as usize).min(s.memory.len());
                let events: Vec<Event> = s.memory.drain(..k).collect();
                s.drain.take_primary(k);
                let bytes = events.iter().map(|e| byte_slots(e, avg)).sum();
                Some(Picked::Memory(events, bytes))
            } else {
                let k = limit.min(front.unsigned_abs() as usize);
                s.drain.take_overflow(k);
                Some(Picked::Overflow(k))
            }
        })
        .await;
        match picked {
            None => {
                count_attempts(0);
                Ok(Take::empty())
            }
            Some(Picked::Memory(events, bytes)) => {
                count_attempts(events.len());
                let tx = SpillTake::Memory {
                    inner: Arc::clone(&self.inner),
                    bytes: if self.inner.lock().config.byte_slots == u64::MAX {
                        0
                    } else {
                        bytes
                    },
                };
                Ok(Take::new(events, Box::new(tx)))
            }
            Some(Picked::Overflow(reserved)) => {
                let taken = self.inner.overflow().take(reserved).await;
                let (events, tx) = match taken {
                    Ok(take) => take.into_parts(),
                    Err(e) => {
                        self.inner.lock().drain.put_first_overflow(reserved);
                        self.inner.changed.notify_waiters();
                        count_attempts(0);
                        return Err(e);
                    }
                };
                count_attempts(events.len());
                match tx {
                    // Nothing deliverable (the file channel already removed what it could
                    // not read): the reserved events are gone.
                    None => Ok(Take::empty()),
                    Some(file_tx) => Ok(Take::new(
                        events,
                        Box::new(SpillTake::Overflow {
                            inner: Arc::clone(&self.inner),
                            file_tx,
                            reserved,
                        }),
                    )),
                }
            }
        }
    }

    fn transaction_capacity(&self) -> Option<usize> {
        Some(self.inner.lock().config.overflow.transaction_capacity)
    }

    fn reconfigure(&self, ctx: &Context) -> Result<bool, ConfigError> {
        let config = SpillableConfig::from_context(&self.inner.name, ctx, &self.home)?;
        let mut s = self.inner.lock();
        let mut config = config;
        // Shrinking memory needs the slots to be free; otherwise Flume keeps the old size.
        if config.memory_capacity < s.config.memory_capacity
            && s.memory_used > config.memory_capacity
        {
            tracing::warn!(
                channel = %self.inner.name,
                "Memory buffer currently contains more events than the new size. Downsizing has been aborted."
            );
            config.memory_capacity = s.config.memory_capacity;
        }
        if config.byte_slots < s.config.byte_slots && s.bytes_used > config.byte_slots {
            tracing::warn!(
                channel = %self.inner.name,
                "Couldn't acquire permits to downsize the byte capacity, resizing has been aborted"
            );
            config.byte_slots = s.config.byte_slots;
        }
        if config.overflow_disabled {
            s.overflow_activated = false;
        }
        if config.overflow != s.config.overflow {
            s.pending_overflow = Some(config.overflow.clone());
        }
        s.config = config;
        drop(s);
        self.inner.changed.notify_waiters();
        Ok(true)
    }

    async fn start(&self) -> Result<(), ChannelError> {
        let (started, pending) = {
            let mut s = self.inner.lock();
            (s.started, s.pending_overflow.take())
        };
        if started {
            // Reused across a reload: only a changed file channel needs work.
            if let Some(config) = pending {
                self.replace_overflow(config).await;
            }
            return Ok(());
        }
        if let Some(config) = pending {
            *self
                .inner
                .overflow
                .lock()
                .unwrap_or_else(|e| e.into_inner()) =
                Arc::new(FileChannel::new(&self.inner.name, config));
        }
        let overflow = self.inner.overflow();
        let result = overflow.start().await;
        let depth = overflow.len();
        let mut s = self.inner.lock();
        if s.drain.runs.is_empty() {
            s.drain.put_overflow(depth);
        }
        s.started = true;
        drop(s);
        self.inner.changed.notify_waiters();
        result
    }

    async fn stop(&self) {
        let in_memory = {
            let mut s = self.inner.lock();
            s.started = false;
            s.memory.len()
        };
        self.inner.overflow().stop().await;
        if in_memory > 0 {
            tracing::warn!(
                channel = %self.inner.name,
                events = in_memory,
                "the spillable memory channel stops with events in memory; they are lost (only the overflow is durable)"
            );
        }
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.metrics) as Arc<dyn MetricSource>)
    }
}

enum SpillTake {
    Memory {
        inner: Arc<Inner>,
        bytes: u64,
    },
    Overflow {
        inner: Arc<Inner>,
        file_tx: Box<dyn TakeTransaction>,
        reserved: usize,
    },
}

#[async_trait]
impl TakeTransaction for SpillTake {
    async fn commit(self: Box<Self>, events: &[Event]) -> Result<(), ChannelError> {
        match *self {
            SpillTake::Memory { inner, bytes } => {
                let n = events.len();
                {
                    let mut s = inner.lock();
                    inner.maybe_deactivate(&mut s, n);
                    s.memory_used = s.memory_used.saturating_sub(n);
                    s.bytes_used = s.bytes_used.saturating_sub(bytes);
                }
                inner
                    .counter
                    .take_success
                    .fetch_add(n as u64, Ordering::Relaxed);
                inner.changed.notify_waiters();
                Ok(())
            }
            SpillTake::Overflow {
                inner,
                file_tx,
                reserved,
            } => {
                if let Err(e) = file_tx.commit(events).await {
                    // The file channel gave the events back to its queue.
                    inner.lock().drain.put_first_overflow(reserved);
                    inner.changed.notify_waiters();
                    return Err(e);
                }
                {
                    let mut s = inner.lock();
                    inner.maybe_deactivate(&mut s, events.len());
                }
                inner
                    .counter
                    .take_success
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                inner.changed.notify_waiters();
                Ok(())
            }
        }
    }

    fn rollback(self: Box<Self>, events: Vec<Event>) {
        match *self {
            SpillTake::Memory { inner, .. } => {
                let n = events.len();
                let mut s = inner.lock();
                for event in events.into_iter().rev() {
                    s.memory.push_front(event);
                }
                s.drain.put_first_primary(n);
                drop(s);
                inner.changed.notify_waiters();
            }
            SpillTake::Overflow {
                inner,
                file_tx,
                reserved,
            } => {
                file_tx.rollback(events);
                inner.lock().drain.put_first_overflow(reserved);
                inner.changed.notify_waiters();
            }
        }
    }
}

#[cfg(test)]
mod tests;
