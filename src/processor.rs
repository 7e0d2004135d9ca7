//! Sink processors (`<agent>.sinkgroups.<g>.processor.*`): default, failover, load_balance
//! (reference §7). A processor owns its sinks; the sink runner calls `process()` in a loop.
//!
//! A group's sinks are held in the order Flume holds them (the `HashSet` order of their
//! names, not the configured order): that order decides the round-robin sequence and the
//! default failover priorities.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::registry::{self, Kind, Prefix, Prop, PropTable, Type};
use crate::sink::{Sink, SinkError};

// Keys relative to the group's `processor.`.

/// `default`: one sink, no keys.
pub const DEFAULT_PROPS: PropTable = PropTable::EMPTY;

pub const MAX_PENALTY: Prop = Prop::int(
    "maxpenalty",
    30_000,
    "longest back-off of a failed sink, in ms (not a number: the default)",
);
/// `failover`.
pub const FAILOVER_PROPS: PropTable =
    PropTable::new(&[MAX_PENALTY]).with_prefixes(&[Prefix::user_named(
        "priority.",
        "`priority.<sink> = <n>`: the live sink with the highest priority does the work \
         (unset: -1, -2, … in Flume's order of the group's sinks)",
    )]);

pub const SELECTOR: Prop = Prop::string(
    "selector",
    "round_robin",
    "order in which sinks are tried: round_robin or random (any case)",
)
.typed(Type::Enum(&["round_robin", "random"]));
pub const BACKOFF: Prop = Prop::bool(
    "backoff",
    false,
    "leave a failed sink out for an exponentially growing time",
);
pub const SELECTOR_MAX_TIME_OUT: Prop = Prop::long(
    "selector.maxTimeOut",
    30_000,
    "longest back-off of a failed sink, in ms (0: the default)",
);
/// `load_balance`.
pub const LOAD_BALANCE_PROPS: PropTable =
    PropTable::new(&[SELECTOR, BACKOFF, SELECTOR_MAX_TIME_OUT]);

/// The property table of a native sink processor type, by registry name.
pub fn props(name: &str) -> Option<&'static PropTable> {
    match name {
        "default" => Some(&DEFAULT_PROPS),
        "failover" => Some(&FAILOVER_PROPS),
        "load_balance" => Some(&LOAD_BALANCE_PROPS),
        _ => None,
    }
}

#[async_trait]
pub trait SinkProcessor: Send {
    async fn start(&mut self) -> Result<(), SinkError>;
    async fn process(&mut self) -> Result<Status, SinkError>;
    async fn stop(&mut self);
    /// Flume's runner thread name part: `DefaultSinkProcessor`, `FailoverSinkProcessor`, …
    fn kind(&self) -> &'static str;
}

/// Milliseconds since the epoch (`System.currentTimeMillis()`); injectable for tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })
}

/// Start every sink; the first error (if any) is returned after all were tried.
async fn start_all(sinks: &mut [Box<dyn Sink>]) -> Result<(), SinkError> {
    let mut first = None;
    for s in sinks.iter_mut() {
        if let Err(e) = s.start().await {
            tracing::error!(sink = %s.name(), error = %e, "sink failed to start");
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

async fn stop_all(sinks: &mut [Box<dyn Sink>]) {
    for s in sinks.iter_mut() {
        s.stop().await;
    }
}

/// One sink, delegated to directly.
pub struct DefaultSinkProcessor {
    sink: Box<dyn Sink>,
}

impl DefaultSinkProcessor {
    pub fn new(sink: Box<dyn Sink>) -> Self {
        DefaultSinkProcessor { sink }
    }
}

#[async_trait]
impl SinkProcessor for DefaultSinkProcessor {
    async fn start(&mut self) -> Result<(), SinkError> {
        self.sink.start().await
    }
    async fn process(&mut self) -> Result<Status, SinkError> {
        self.sink.process().await
    }
    async fn stop(&mut self) {
        self.sink.stop().await
    }
    fn kind(&self) -> &'static str {
        "DefaultSinkProcessor"
    }
}

// ---------------------------------------------------------------------------------------------
// failover

/// `FailoverSinkProcessor.FailedSink`.
#[derive(Debug, Clone)]
struct FailedSink {
    priority: i32,
    sink: usize,
    refresh: i64,
    failures: i32,
    /// Insertion order, to break ties between equal refresh times deterministically.
    seq: u64,
}

/// Failover: the live sink with the highest priority does the work; a sink that fails is
/// penalised (`min(maxpenalty, (1 << failures) * 1000)` ms, Java `int` arithmetic) and
/// retried once its penalty is over, before the active sink.
pub struct FailoverSinkProcessor {
    sinks: Vec<Box<dyn Sink>>,
    /// priority → sink; the highest key is the active sink.
    live: BTreeMap<i32, usize>,
    failed: Vec<FailedSink>,
    active: Option<usize>,
    /// `processor.maxpenalty` (unparsable → the default)
    max_penalty: i32,
    clock: Clock,
    seq: u64,
}

impl FailoverSinkProcessor {
    /// `ctx` is the group's `processor.` context; `sinks` in the group's order.
    pub fn from_context(ctx: &Context, sinks: Vec<Box<dyn Sink>>, clock: Clock) -> Self {
        let default = MAX_PENALTY.default_int() as i32;
        let max_penalty = match ctx.value(&MAX_PENALTY) {
            None => default,
            Some(v) => crate::java::parse_int(v).unwrap_or_else(|| {
                tracing::warn!(
                    "{}: {v} is not an integer; using the default maxpenalty {default}",
                    ctx.full_key(MAX_PENALTY.name)
                );
                default
            }),
        };
        // Flume walks a HashMap of the sinks by name: unprioritised sinks get -1, -2, … in
        // that order, and a sink whose priority is taken is left out.
        let names: Vec<String> = sinks.iter().map(|s| s.name().to_string()).collect();
        let mut live = BTreeMap::new();
        let mut next_priority: i32 = 0;
        for i in crate::java::hash_set_order(&names) {
            let name = &names[i];
            let priority = match ctx
                .get(&format!("priority.{name}"))
                .and_then(crate::java::parse_int)
            {
                Some(p) => p,
                None => {
                    next_priority -= 1;
                    next_priority
                }
            };
            if let Some(&holder) = live.get(&priority) {
                let holder: usize = holder;
                tracing::warn!(
                    "Sink {name} not added to FailverSinkProcessor as priority duplicates that of sink {}",
                    names[holder]
                );
                continue;
            }
            live.insert(priority, i);
        }
        let active = live.last_key_value().map(|(_, &s)| s);
        FailoverSinkProcessor {
            sinks,
            live,
            failed: Vec::new(),
            active,
            max_penalty,
            clock,
            seq: 0,
        }
    }

    /// `min(maxPenalty, (1 << failures) * FAILURE_PENALTY)` in Java `int` arithmetic (the
    /// shift count wraps at 32 and the product overflows after 21 failures, as in Flume).
    fn penalty(&self, failures: i32) -> i64 {
        let raw = 1i32.wrapping_shl(failures as u32).wrapping_mul(1000);
        self.max_penalty.min(raw) as i64
    }

    fn next_failed(&self, now: i64) -> Option<usize> {
        self.failed
            .iter()
            .enumerate()
            .min_by_key(|(_, f)| (f.refresh, f.seq))
            .filter(|(_, f)| f.refresh < now)
            .map(|(i, _)| i)
    }

    fn push_failed(&mut self, mut f: FailedSink) {
        self.seq += 1;
        f.seq = self.seq;
        self.failed.push(f);
    }

    fn move_active_to_dead(&mut self) -> Option<usize> {
        let (&key, &sink) = self.live.last_key_value()?;
        let refresh = (self.clock)() + self.penalty(1);
        self.push_failed(FailedSink {
            priority: key,
            sink,
            refresh,
            failures: 1,
            seq: 0,
        });
        self.live.remove(&key);
        self.live.last_key_value().map(|(_, &s)| s)
    }
}

#[async_trait]
impl SinkProcessor for FailoverSinkProcessor {
    async fn start(&mut self) -> Result<(), SinkError> {
        start_all(&mut self.sinks).await
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        // Retry failed sinks whose penalty is over, in refresh order.
        let now = (self.clock)();
        while let Some(at) = self.next_failed(now) {
            let mut cur = self.failed.remove(at);
            match self.sinks[cur.sink].process().await {
                Ok(Status::Ready) => {
                    self.live.insert(cur.priority, cur.sink);
                    self.active = self.live.last_key_value().map(|(_, &s)| s);
                    tracing::debug!(
                        "Sink {} was recovered from the fail list",
                        self.sinks[cur.sink].name()
                    );
                    return Ok(Status::Ready);
                }
                Ok(Status::Backoff) => {
                    // Not penalised; it stays first in line, so the next call tries it again.
                    self.push_failed(cur);
                    return Ok(Status::Backoff);
                }
                Err(_) => {
                    cur.failures = cur.failures.wrapping_add(1);
                    cur.refresh = (self.clock)() + self.penalty(cur.failures);
                    self.push_failed(cur);
                }
            }
        }
        while let Some(active) = self.active {
            match self.sinks[active].process().await {
                Ok(status) => return Ok(status),
                Err(error) => {
                    tracing::warn!(
                        %error,
                        "Sink {} failed and has been sent to failover list",
                        self.sinks[active].name()
                    );
                    self.active = self.move_active_to_dead();
                }
            }
        }
        Err(SinkError::Delivery(
            "All sinks failed to process, nothing left to failover to".into(),
        ))
    }

    async fn stop(&mut self) {
        stop_all(&mut self.sinks).await
    }

    fn kind(&self) -> &'static str {
        "FailoverSinkProcessor"
    }
}

// ---------------------------------------------------------------------------------------------
// load_balance

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorKind {
    RoundRobin,
    Random,
}

/// `OrderSelector.FailureState`.
#[derive(Debug, Clone, Copy, Default)]
struct FailureState {
    last_fail: i64,
    restore_time: i64,
    sequential_fails: u32,
}

/// Load balancing: each `process()` tries the sinks in the selector's order (round-robin
/// rotates the start by one per call; random shuffles) until one does not fail.
pub struct LoadBalancingSinkProcessor {
    sinks: Vec<Box<dyn Sink>>,
    selector: SelectorKind,
    /// `processor.backoff`
    backoff: bool,
    /// `processor.selector.maxTimeOut` (0 keeps the default)
    max_timeout: i64,
    states: Vec<FailureState>,
    next_head: usize,
    clock: Clock,
}

const EXP_BACKOFF_COUNTER_LIMIT: u32 = 16;
const CONSIDER_SEQUENTIAL_RANGE: i64 = 3_600_000;

impl LoadBalancingSinkProcessor {
    pub fn from_context(
        ctx: &Context,
        sinks: Vec<Box<dyn Sink>>,
        clock: Clock,
    ) -> Result<Self, ConfigError> {
        if sinks.len() < 2 {
            return Err(ctx.error(
                "type",
                "The LoadBalancingSinkProcessor cannot be used for a single sink. Please configure more than one sinks and try again.",
            ));
        }
        let name = ctx.get_string(&SELECTOR);
        let selector = if name.eq_ignore_ascii_case("round_robin") {
            SelectorKind::RoundRobin
        } else if name.eq_ignore_ascii_case("random") {
            SelectorKind::Random
        } else {
            return Err(ctx.error(
                SELECTOR.name,
                format!(
                    "Unable to instantiate sink selector: {name} (custom Java selector classes cannot run in flume-rs; use round_robin or random)"
                ),
            ));
        };
        let backoff = ctx.get_bool(&BACKOFF);
        // 0 keeps the selector's default, as in Flume.
        let timeout = ctx.get_long(&SELECTOR_MAX_TIME_OUT)?;
        let max_timeout = if timeout != 0 {
            timeout
        } else {
            SELECTOR_MAX_TIME_OUT.default_int()
        };
        let states = vec![FailureState::default(); sinks.len()];
        Ok(LoadBalancingSinkProcessor {
            sinks,
            selector,
            backoff,
            max_timeout,
            states,
            next_head: 0,
            clock,
        })
    }

    /// `OrderSelector.getIndexList`: sinks not backed off.
    fn active_indexes(&self) -> Vec<usize> {
        let now = (self.clock)();
        (0..self.sinks.len())
            .filter(|&i| !self.backoff || self.states[i].restore_time < now)
            .collect()
    }

    /// The order to try the sinks in for one `process()` call.
    fn order(&mut self) -> Result<Vec<usize>, SinkError> {
        let active = self.active_indexes();
        let size = active.len();
        match self.selector {
            SelectorKind::RoundRobin => {
                if self.next_head >= size {
                    self.next_head = 0;
                }
                let begin = self.next_head;
                self.next_head += 1;
                if self.next_head == size {
                    self.next_head = 0;
                }
                Ok((0..size).map(|i| active[(begin + i) % size]).collect())
            }
            SelectorKind::Random => {
                if size == 0 {
                    // RandomOrderSelector calls Random.nextInt(0).
                    return Err(SinkError::Delivery(
                        "java.lang.IllegalArgumentException: bound must be positive".into(),
                    ));
                }
                let mut pool = active;
                let mut order = vec![0; size];
                while pool.len() > 1 {
                    let pick = rand::random_range(0..pool.len());
                    let slot = pool.len() - 1;
                    order[slot] = pool.remove(pick);
                }
                order[0] = pool[0];
                Ok(order)
            }
        }
    }

    /// `OrderSelector.informFailure`.
    fn inform_failure(&mut self, sink: usize) {
        if !self.backoff {
            return;
        }
        let now = (self.clock)();
        let max_timeout = self.max_timeout;
        let state = &mut self.states[sink];
        let delta = now - state.last_fail;
        let last_backoff = max_timeout.min(1000 * (1i64 << state.sequential_fails));
        if last_backoff + CONSIDER_SEQUENTIAL_RANGE > delta {
            if state.sequential_fails < EXP_BACKOFF_COUNTER_LIMIT {
                state.sequential_fails += 1;
            }
        } else {
            state.sequential_fails = 1;
        }
        state.last_fail = now;
        state.restore_time = now + max_timeout.min(1000 * (1i64 << state.sequential_fails));
    }
}

#[async_trait]
impl SinkProcessor for LoadBalancingSinkProcessor {
    async fn start(&mut self) -> Result<(), SinkError> {
        start_all(&mut self.sinks).await
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        for i in self.order()? {
            match self.sinks[i].process().await {
                Ok(status) => return Ok(status),
                Err(error) => {
                    self.inform_failure(i);
                    tracing::warn!(
                        sink = %self.sinks[i].name(),
                        %error,
                        "Sink failed to consume event. Attempting next sink if available."
                    );
                }
            }
        }
        Err(SinkError::Delivery(
            "All configured sinks have failed".into(),
        ))
    }

    async fn stop(&mut self) {
        stop_all(&mut self.sinks).await
    }

    fn kind(&self) -> &'static str {
        "LoadBalancingSinkProcessor"
    }
}

// ---------------------------------------------------------------------------------------------
// registry

/// Build a sink group's processor from the group's context (`processor.*`) and its sinks.
/// An error drops the group, and its sinks do not run at all (as in Flume).
pub fn build_group(
    ctx: &Context,
    sinks: Vec<Box<dyn Sink>>,
) -> Result<Box<dyn SinkProcessor>, ConfigError> {
    build_group_with_clock(ctx, sinks, system_clock())
}

/// [`build_group`] with an explicit clock.
pub fn build_group_with_clock(
    ctx: &Context,
    sinks: Vec<Box<dyn Sink>>,
    clock: Clock,
) -> Result<Box<dyn SinkProcessor>, ConfigError> {
    let pctx = ctx.sub("processor.");
    let Some(type_name) = pctx.get("type").map(|t| t.trim().to_string()) else {
        return Err(ctx.error(
            "processor.type",
            "sink group has no processor.type: Flume removes the group and does not run its sinks",
        ));
    };
    // The group's sinks in Flume's (HashSet) order.
    let names: Vec<String> = sinks.iter().map(|s| s.name().to_string()).collect();
    let order = crate::java::hash_set_order(&names);
    let mut slots: Vec<Option<Box<dyn Sink>>> = sinks.into_iter().map(Some).collect();
    let sinks: Vec<Box<dyn Sink>> = order.into_iter().filter_map(|i| slots[i].take()).collect();
    let resolution = registry::resolve(Kind::SinkProcessor, &type_name);
    match resolution.native().map(registry::Row::name) {
        Some("default") => {
            if sinks.len() != 1 {
                return Err(ctx.error(
                    "sinks",
                    "DefaultSinkPolicy can only handle one sink: the group and its sinks are removed",
                ));
            }
            let sink = sinks
                .into_iter()
                .next()
                .ok_or_else(|| ctx.error("sinks", "no sink"))?;
            Ok(Box::new(DefaultSinkProcessor::new(sink)))
        }
        Some("failover") => Ok(Box::new(FailoverSinkProcessor::from_context(
            &pctx, sinks, clock,
        ))),
        Some("load_balance") => Ok(Box::new(LoadBalancingSinkProcessor::from_context(
            &pctx, sinks, clock,
        )?)),
        _ => Err(ctx.error(
            "processor.type",
            format!(
                "Unable to load sink processor type: {type_name}; {}",
                registry::unknown_type_message(Kind::SinkProcessor, &type_name)
            ),
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests;
