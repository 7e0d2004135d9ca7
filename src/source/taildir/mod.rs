//! `taildir` (`TaildirSource` + `ReliableTaildirEventReader` + `TailFile`, reference §9.3):
//! follows the files whose names match each group's regex, line by line, tracking each by
//! inode; the byte position after the last committed line is kept in Flume's JSON position file
//! (`[{"inode":…,"pos":…,"file":"…"}]`), written every `writePosInterval` and at stop, and read
//! at start — a position file written by Java Flume is resumed exactly.
//!
//! Lines end at `\n` (one `\r` before it is removed); a last line without `\n` is held back
//! until the file goes idle. Positions advance only after the channel accepted the batch.
//!
//! Where Flume re-reads or loses data on rotation, this source follows the inode instead:
//! - a file renamed while it is open (and still matching) keeps its position under the new name
//!   (Flume reopens it from 0 and reads it twice);
//! - a file renamed out of the pattern, or deleted, while open is read to its end before it is
//!   closed (Flume reads it only when it goes idle, and loses it if the agent stops first);
//! - at start, a position entry whose file was renamed while the agent was down is found again
//!   by inode in the same directory and resumed (Flume re-reads or skips it).
//!
//! A file that was idle-closed and then shows up under another name is treated as Flume does
//! (read from the start): without an open handle its inode may belong to a new file.

pub mod config;
mod positions;
mod reader;
mod tail_file;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SourceCounter, now_millis};
use crate::source::blocking::BlockingContext;
use crate::source::deliver::{Call, ChannelBackoff, Counting};
use crate::source::{Source, SourceContext, SourceError};

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "taildir",
    props: &config::PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(TaildirSource::from_context(name, ctx, env)?))
    },
};

pub use config::{FileGroup, TaildirConfig};
pub use positions::{PositionEntry, parse_positions, position_json};
pub use reader::TaildirReader;
pub use tail_file::{TailFile, TaildirError};

/// Flume's idle check period and first position-file write delay.
const CHECK_IDLE_INTERVAL: Duration = Duration::from_millis(5000);
const WRITE_POS_INIT_DELAY: Duration = Duration::from_millis(5000);

/// The `taildir` source.
pub struct TaildirSource {
    name: String,
    cfg: Arc<TaildirConfig>,
    counter: Arc<SourceCounter>,
}

impl TaildirSource {
    pub fn from_context(name: &str, ctx: &Context, env: &BuildEnv) -> Result<Self, ConfigError> {
        Ok(TaildirSource {
            name: name.to_string(),
            cfg: Arc::new(TaildirConfig::from_context(ctx, env)?),
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl Source for TaildirSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let groups: Vec<String> = self
            .cfg
            .groups
            .iter()
            .map(|g| format!("{}={}/{}", g.name, g.dir.display(), g.pattern_text))
            .collect();
        tracing::info!(
            "{} TaildirSource source starting with directory: {{{}}}",
            self.name,
            groups.join(", ")
        );
        let cfg = Arc::clone(&self.cfg);
        let counter = Arc::clone(&self.counter);
        cx.run_blocking(move |rt| Worker { cfg, counter, rt }.run())
            .await
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.cfg.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

struct Worker {
    cfg: Arc<TaildirConfig>,
    counter: Arc<SourceCounter>,
    rt: BlockingContext,
}

/// `process()` outcome.
enum Outcome {
    Ready,
    Backoff,
    Stopped,
}

impl Worker {
    fn run(self) -> Result<(), SourceError> {
        let mut reader = TaildirReader::new(Arc::clone(&self.cfg)).map_err(|e| {
            SourceError::Other(format!(
                "Error instantiating ReliableTaildirEventReader: {e}"
            ))
        })?;
        let started = Instant::now();
        let mut next_pos_write = started + WRITE_POS_INIT_DELAY;
        let mut next_idle_check = started + self.cfg.idle_timeout;
        let mut idle: Vec<u64> = Vec::new();
        let mut backoffs: u32 = 0;
        while !self.rt.is_stopping() {
            let outcome = self.process(&mut reader, &mut idle);
            let sleep = match outcome {
                Ok(Outcome::Stopped) => break,
                Ok(Outcome::Ready) => {
                    backoffs = 0;
                    Duration::ZERO
                }
                Ok(Outcome::Backoff) => {
                    backoffs = backoffs.saturating_add(1);
                    (self.cfg.backoff_increment * backoffs).min(self.cfg.max_backoff)
                }
                Err(error) => {
                    tracing::error!(source = %self.rt.name(), %error, "Unable to tail files");
                    self.counter.event_read_fail.fetch_add(1, Ordering::Relaxed);
                    backoffs = backoffs.saturating_add(1);
                    (self.cfg.backoff_increment * backoffs).min(self.cfg.max_backoff)
                }
            };
            let now = Instant::now();
            if now >= next_pos_write {
                if let Err(error) = reader.write_positions() {
                    tracing::error!(source = %self.rt.name(), %error, "Failed writing positionFile");
                }
                next_pos_write = now + self.cfg.write_pos_interval.max(Duration::from_millis(1));
            }
            if now >= next_idle_check {
                idle = reader.idle_inodes(now_millis());
                next_idle_check = now + CHECK_IDLE_INTERVAL;
            }
            let until_timer = next_pos_write
                .min(next_idle_check)
                .saturating_duration_since(Instant::now());
            if !self.rt.sleep(sleep.min(until_timer)) {
                break;
            }
        }
        if let Err(error) = reader.write_positions() {
            tracing::error!(source = %self.rt.name(), %error, "Failed writing positionFile");
        }
        tracing::info!("Taildir source {} stopped.", self.rt.name());
        Ok(())
    }

    /// `TaildirSource.process()`.
    fn process(
        &self,
        reader: &mut TaildirReader,
        idle: &mut Vec<u64>,
    ) -> Result<Outcome, TaildirError> {
        let mut status = Outcome::Backoff;
        let inodes = reader.update_tail_files(false)?;
        for inode in inodes {
            if !reader.needs_tail(inode) {
                continue;
            }
            match self.tail_file(reader, inode, true)? {
                Some(true) => status = Outcome::Ready,
                Some(false) => {}
                None => return Ok(Outcome::Stopped),
            }
        }
        for inode in std::mem::take(idle) {
            if reader.is_open(inode) {
                if self.tail_file(reader, inode, false)?.is_none() {
                    return Ok(Outcome::Stopped);
                }
                reader.close_file(inode);
            }
        }
        Ok(status)
    }

    /// `tailFileProcess`: batches from one file until it is drained (`Some(false)`), or
    /// `maxBatchCount` batches were sent (`Some(true)`); `None` when the source is stopping.
    fn tail_file(
        &self,
        reader: &mut TaildirReader,
        inode: u64,
        backoff_without_nl: bool,
    ) -> Result<Option<bool>, TaildirError> {
        let mut batches = 0u64;
        let mut retry =
            ChannelBackoff::new(Duration::from_millis(1000), Duration::from_millis(5000));
        loop {
            if self.rt.is_stopping() {
                return Ok(None);
            }
            let events = reader.read_events(inode, self.cfg.batch_size, backoff_without_nl)?;
            if events.is_empty() {
                return Ok(Some(false));
            }
            let n = events.len();
            let counting = Counting::EVENTS.call(Call::AppendBatch);
            if let Err(error) = self.rt.deliver(&self.counter, counting, events) {
                let wait = retry.next_wait();
                tracing::warn!(
                    source = %self.rt.name(), %error,
                    "The channel is full or unexpected failure. The source will try again after {} ms",
                    wait.as_millis()
                );
                if !self.rt.sleep(wait) {
                    return Ok(None);
                }
                continue;
            }
            reader.commit();
            retry.reset();
            if n < self.cfg.batch_size {
                return Ok(Some(false));
            }
            batches += 1;
            if batches >= self.cfg.max_batch_count {
                return Ok(Some(true));
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
