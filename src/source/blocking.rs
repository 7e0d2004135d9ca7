//! Sources whose work blocks (file reading: spooldir, taildir) run on a thread of their own, as
//! Flume's do: [`SourceContext::run_blocking`] starts it, [`BlockingContext`] is what it has
//! there (the source context, sleeping that ends at stop, delivery).

use std::time::Duration;

use tokio::runtime::Handle;

use super::deliver::Counting;
use super::{ProcessError, SourceContext, SourceError};
use crate::event::Event;
use crate::metrics::SourceCounter;

/// What a source's own thread has: its [`SourceContext`] and the runtime to wait on.
pub struct BlockingContext {
    pub cx: SourceContext,
    handle: Handle,
}

impl BlockingContext {
    pub fn name(&self) -> &str {
        &self.cx.name
    }

    pub fn is_stopping(&self) -> bool {
        self.cx.shutdown.is_cancelled()
    }

    /// Sleep for `d` unless the source stops first; false when it is stopping.
    pub fn sleep(&self, d: Duration) -> bool {
        if d.is_zero() {
            return !self.is_stopping();
        }
        let shutdown = self.cx.shutdown.clone();
        self.handle.block_on(async move {
            tokio::select! {
                _ = shutdown.cancelled() => false,
                _ = tokio::time::sleep(d) => true,
            }
        })
    }

    /// Block until the source is stopped.
    pub fn wait_for_stop(&self) {
        self.handle.block_on(self.cx.shutdown.cancelled());
    }

    /// [`SourceContext::deliver`], waited for on this thread.
    pub fn deliver(
        &self,
        counter: &SourceCounter,
        counting: Counting,
        events: Vec<Event>,
    ) -> Result<(), ProcessError> {
        self.handle
            .block_on(self.cx.deliver(counter, counting, events))
    }
}

impl SourceContext {
    /// Run `work` on a thread of its own until it returns (it should return soon after the
    /// source is stopped: [`BlockingContext::sleep`] and [`BlockingContext::is_stopping`]).
    pub async fn run_blocking<F>(&self, work: F) -> Result<(), SourceError>
    where
        F: FnOnce(BlockingContext) -> Result<(), SourceError> + Send + 'static,
    {
        let bcx = BlockingContext {
            cx: self.clone(),
            handle: Handle::current(),
        };
        tokio::task::spawn_blocking(move || work(bcx))
            .await
            .map_err(|e| {
                SourceError::Other(format!("source {}: worker thread failed: {e}", self.name))
            })?
    }
}
