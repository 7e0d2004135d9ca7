//! The memory budget of the network sources: how many bytes the requests in flight of every
//! http, avro and thrift source of the agent may hold together, request bodies and frames
//! being read and the events made from them until the channel put ends. Flume has no such
//! bound (a large enough POST or Avro frame fills its heap); here a request is refused before
//! its bytes are read when it does not fit:
//!
//! - the http source answers 413 to a request larger than its `maxRequestBytes` and 503 when
//!   the budget has no room left for it (as for a full channel: the client retries);
//! - the avro and thrift sources close a connection whose frame is larger than the per-request
//!   limit, and stop reading from a connection while the budget has no room for its frame: the
//!   client is held back by TCP until earlier requests end, in arrival order (the semaphore
//!   behind the budget is fair), so no client waits forever while others are served.
//!
//! The budget is set for the whole agent with `-Dflume.sources.memoryBudget=<bytes>` (default
//! [`DEFAULT_BUDGET`]); `-Dflume.sources.maxRequestBytes=<bytes>` changes the default
//! per-request limit ([`DEFAULT_MAX_REQUEST`]), which a source's own `maxRequestBytes` key
//! overrides. Reservations are counted in KiB.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// Default budget shared by the network sources: 256 MiB.
pub const DEFAULT_BUDGET: u64 = 256 << 20;
/// Default largest single request (http body, Avro or Thrift frame): 128 MiB, above the
/// largest batch Flume's clients send by default and BlobHandler's default `maxBlobLength`
/// (100 000 000 bytes).
pub const DEFAULT_MAX_REQUEST: u64 = 128 << 20;

/// System property with the budget in bytes.
pub const BUDGET_PROPERTY: &str = "flume.sources.memoryBudget";
/// System property with the default per-request limit in bytes.
pub const MAX_REQUEST_PROPERTY: &str = "flume.sources.maxRequestBytes";

const UNIT: u64 = 1024;

/// The bytes the network sources may hold at once.
#[derive(Debug)]
pub struct MemoryBudget {
    semaphore: Arc<Semaphore>,
    /// Capacity in units.
    units: u64,
    max_request: u64,
}

/// Bytes held from the budget; given back on drop.
#[derive(Debug)]
pub struct Reservation {
    permit: Option<OwnedSemaphorePermit>,
    budget: Arc<Semaphore>,
    units: u64,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Larger than the per-request limit: refused whatever else is in flight (413).
    #[error("request of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    /// The budget has no room left now (503).
    #[error("the sources' memory budget of {budget} bytes is in use by other requests")]
    Exhausted { budget: u64 },
}

fn units(bytes: u64) -> u64 {
    bytes.div_ceil(UNIT)
}

impl MemoryBudget {
    pub fn new(budget: u64, max_request: u64) -> Arc<MemoryBudget> {
        let units = units(budget).clamp(1, u32::MAX as u64);
        Arc::new(MemoryBudget {
            semaphore: Arc::new(Semaphore::new(units as usize)),
            units,
            max_request: max_request.min(units * UNIT),
        })
    }

    /// The budget in bytes.
    pub fn bytes(&self) -> u64 {
        self.units * UNIT
    }

    /// The default per-request limit, in bytes (never above the budget).
    pub fn max_request(&self) -> u64 {
        self.max_request
    }

    /// Bytes held by requests in flight now.
    pub fn in_use(&self) -> u64 {
        (self.units - self.semaphore.available_permits() as u64) * UNIT
    }

    /// An empty reservation, to [`grow`](Reservation::try_grow) as bytes arrive.
    pub fn empty(&self) -> Reservation {
        Reservation {
            permit: None,
            budget: Arc::clone(&self.semaphore),
            units: 0,
        }
    }

    /// Check `size` against `limit` (the source's per-request limit, at most the budget).
    pub fn check_size(&self, size: u64, limit: u64) -> Result<(), Refusal> {
        let limit = limit.min(self.bytes());
        if size > limit {
            return Err(Refusal::TooLarge { size, limit });
        }
        Ok(())
    }

    /// Hold `size` bytes now, or refuse.
    pub fn try_reserve(&self, size: u64, limit: u64) -> Result<Reservation, Refusal> {
        self.check_size(size, limit)?;
        let mut r = self.empty();
        r.try_grow_to(size, limit, self)?;
        Ok(r)
    }
}

impl Reservation {
    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.units * UNIT
    }

    fn add(&mut self, permit: OwnedSemaphorePermit, units: u64) {
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.units += units;
    }

    /// Hold at least `size` bytes in all, without waiting.
    pub fn try_grow_to(
        &mut self,
        size: u64,
        limit: u64,
        budget: &MemoryBudget,
    ) -> Result<(), Refusal> {
        budget.check_size(size, limit)?;
        let want = units(size);
        if want <= self.units {
            return Ok(());
        }
        let more = want - self.units;
        match Arc::clone(&self.budget).try_acquire_many_owned(more as u32) {
            Ok(permit) => {
                self.add(permit, more);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) | Err(TryAcquireError::Closed) => {
                Err(Refusal::Exhausted {
                    budget: budget.bytes(),
                })
            }
        }
    }

    /// Hold at least `size` bytes in all, waiting (in arrival order) for room.
    pub async fn grow_to(
        &mut self,
        size: u64,
        limit: u64,
        budget: &MemoryBudget,
    ) -> Result<(), Refusal> {
        budget.check_size(size, limit)?;
        let want = units(size);
        if want <= self.units {
            return Ok(());
        }
        let more = want - self.units;
        let permit = Arc::clone(&self.budget)
            .acquire_many_owned(more as u32)
            .await
            .map_err(|_| Refusal::Exhausted {
                budget: budget.bytes(),
            })?;
        self.add(permit, more);
        Ok(())
    }

    /// Give back everything held.
    pub fn release(&mut self) {
        self.permit = None;
        self.units = 0;
    }
}

/// A size in bytes as a system property gives it (a plain non-negative integer).
fn property(sysprops: &HashMap<String, String>, key: &str, default: u64) -> u64 {
    match sysprops.get(key) {
        None => default,
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(v) if v > 0 => v,
            _ => {
                tracing::warn!(
                    "-D{key}={raw}: expected a positive number of bytes; using the default {default}"
                );
                default
            }
        },
    }
}

static GLOBAL: OnceLock<Arc<MemoryBudget>> = OnceLock::new();

/// Set the agent's budget from its system properties (once, at start; later calls keep the
/// first budget) and log it.
pub fn configure(sysprops: &HashMap<String, String>) -> Arc<MemoryBudget> {
    let budget = property(sysprops, BUDGET_PROPERTY, DEFAULT_BUDGET);
    let max_request = property(sysprops, MAX_REQUEST_PROPERTY, DEFAULT_MAX_REQUEST);
    let configured = GLOBAL.get_or_init(|| MemoryBudget::new(budget, max_request));
    tracing::info!(
        budget = configured.bytes(),
        max_request = configured.max_request(),
        "Network sources share a memory budget of {} bytes for requests in flight (-D{BUDGET_PROPERTY}), at most {} bytes per request by default (-D{MAX_REQUEST_PROPERTY})",
        configured.bytes(),
        configured.max_request()
    );
    Arc::clone(configured)
}

/// The agent's budget (the defaults when [`configure`] was not called).
pub fn global() -> Arc<MemoryBudget> {
    Arc::clone(GLOBAL.get_or_init(|| MemoryBudget::new(DEFAULT_BUDGET, DEFAULT_MAX_REQUEST)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_is_refused_whatever_is_free() {
        let b = MemoryBudget::new(1 << 20, 512 << 10);
        assert_eq!(
            b.try_reserve(600 << 10, b.max_request()).unwrap_err(),
            Refusal::TooLarge {
                size: 600 << 10,
                limit: 512 << 10
            }
        );
        // A source limit above the budget is capped by the budget.
        assert!(matches!(
            b.try_reserve(2 << 20, u64::MAX),
            Err(Refusal::TooLarge { limit, .. }) if limit == 1 << 20
        ));
    }

    #[test]
    fn reservations_share_the_budget_and_give_it_back() {
        let b = MemoryBudget::new(1 << 20, 1 << 20);
        let first = b.try_reserve(700 << 10, b.max_request()).unwrap();
        assert_eq!(b.in_use(), 700 << 10);
        assert!(matches!(
            b.try_reserve(400 << 10, b.max_request()),
            Err(Refusal::Exhausted { .. })
        ));
        let second = b.try_reserve(324 << 10, b.max_request()).unwrap();
        assert_eq!(b.in_use(), 1 << 20);
        drop(first);
        assert_eq!(b.in_use(), 324 << 10);
        drop(second);
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn a_reservation_grows_by_what_it_lacks() {
        let b = MemoryBudget::new(1 << 20, 1 << 20);
        let mut r = b.empty();
        r.try_grow_to(1000, b.max_request(), &b).unwrap();
        assert_eq!(r.bytes(), 1024);
        r.try_grow_to(5000, b.max_request(), &b).unwrap();
        r.try_grow_to(10, b.max_request(), &b).unwrap();
        assert_eq!(r.bytes(), 5120);
        assert_eq!(b.in_use(), 5120);
        r.release();
        assert_eq!(b.in_use(), 0);
    }

    #[tokio::test]
    async fn waiting_reservations_are_served_in_order() {
        let b = MemoryBudget::new(4096, 4096);
        let held = b.try_reserve(4096, 4096).unwrap();
        let b2 = Arc::clone(&b);
        let waiter = tokio::spawn(async move {
            let mut r = b2.empty();
            r.grow_to(2048, 4096, &b2).await.unwrap();
            r.bytes()
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(held);
        assert_eq!(waiter.await.unwrap(), 2048);
    }
}
