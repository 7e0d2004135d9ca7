//! `file` channel (`org.apache.flume.channel.file.FileChannel`, @Disposable): a durable queue.
//! Reference §10.2, §5.2.
//!
//! - [`record`]: the log's byte format (checksummed frames, one per transaction).
//! - [`log`]: segments, the per-data-directory writer thread with group commit, reading back.
//! - [`checkpoint`]: the queue of pointers as of a log position, written every
//!   `checkpointInterval` (and on close).
//! - [`replay`]: start-up from the newest usable checkpoint plus the log tail.
//! - [`dirs`]: `in_use.lock`, Java-layout detection, free space.
//! - `checkpointer`: the checkpoint thread; `take`: a take transaction.
//!
//! Contract (Flume's): `put_batch` returns once its transaction is logged and fsynced (unless
//! `fsyncPerTransaction = false`); a take's `commit` likewise; replay restores exactly the
//! committed puts not yet removed by a committed take. The queue in memory holds 12-byte
//! pointers; bodies are read back from the log (usually the page cache) on take.

pub mod checkpoint;
mod checkpointer;
pub mod config;
pub mod dirs;
pub mod java;
pub mod log;
pub mod record;
pub mod replay;
mod take;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::{Notify, oneshot};

use super::{Channel, ChannelError, Take, TakeTransaction};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{ChannelCounter, ChannelMetrics, MetricSource};
use checkpointer::Checkpointer;
pub use config::FileChannelConfig;
use record::Pointer;
use take::FileTake;

/// This type's entry in `channel::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::channel::Native = crate::channel::Native {
    name: "file",
    props: &config::PROPS,
    build: |config, env| {
        Ok(Arc::new(FileChannel::from_context(&config.name, &config.context, &user_home(&env.sysprops))?))
    },
};

/// Counters only the file channel has (`FileChannelCounter`).
#[derive(Debug, Default)]
struct FileCounters {
    put_error: AtomicU64,
    take_error: AtomicU64,
    checkpoint_write_error: AtomicU64,
    checkpoint_backup_write_error: AtomicU64,
    unhealthy: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    open: bool,
    /// Why the channel could not start (every put and take reports it).
    startup_error: Option<String>,
    queue: VecDeque<Pointer>,
    /// Taken but not committed, by take id (they still count against capacity, and a
    /// checkpoint lists them at the head of the queue).
    inflight: BTreeMap<u64, Vec<Pointer>>,
    inflight_count: usize,
    /// Slots reserved by puts on their way to the log.
    reserved: usize,
    /// Segments being appended to → offset up to which their records are applied.
    active: BTreeMap<u32, u32>,
    next_segment: u32,
    next_take_id: u64,
}

impl State {
    fn used(&self) -> usize {
        self.queue.len() + self.inflight_count + self.reserved
    }
}

/// What the channel's tasks and threads share.
pub struct Shared {
    name: String,
    config: FileChannelConfig,
    state: Mutex<State>,
    /// Signalled when events become available or capacity is freed.
    changed: Notify,
    counter: Arc<ChannelCounter>,
    file_counters: FileCounters,
    segments: Mutex<BTreeMap<u32, log::SegmentFile>>,
    next_seq: AtomicU64,
    /// Injected I/O failures (tests only; empty otherwise).
    faults: log::Faults,
    /// Writers whose last fsync failed: no checkpoint may claim their records meanwhile.
    unsynced_writers: std::sync::atomic::AtomicU32,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn segments(&self) -> MutexGuard<'_, BTreeMap<u32, log::SegmentFile>> {
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_unhealthy(&self, v: bool) {
        self.file_counters.unhealthy.store(v, Ordering::Relaxed);
    }

    /// A group was logged in `segment` up to `end`: make it visible.
    fn apply(&self, segment: u32, end: u64, chunk: &[(log::Request, u64)]) {
        let mut s = self.lock();
        for (req, base) in chunk {
            match &req.op {
                log::Op::Put(p) => {
                    s.queue.extend(p.events.iter().map(|(rel, len)| Pointer {
                        segment,
                        offset: (*base + *rel as u64) as u32,
                        len: *len,
                    }));
                    s.reserved = s.reserved.saturating_sub(p.events.len());
                }
                log::Op::Take { take_id, .. } => {
                    if let Some(ptrs) = s.inflight.remove(take_id) {
                        s.inflight_count -= ptrs.len();
                    }
                }
            }
        }
        s.active.insert(segment, end as u32);
        drop(s);
        self.changed.notify_waiters();
    }

    /// A new segment id, registered as active (so no checkpoint lets it be deleted or
    /// skipped), and `sealed` no longer active.
    fn allocate_segment(&self, sealed: Option<u32>) -> u32 {
        let mut s = self.lock();
        let id = s.next_segment;
        s.next_segment += 1;
        if let Some(old) = sealed {
            s.active.remove(&old);
        }
        s.active.insert(id, record::SEGMENT_HEADER_LEN);
        id
    }

    fn drop_active(&self, id: u32) {
        self.lock().active.remove(&id);
    }

    fn add_segment(&self, id: u32, file: log::SegmentFile) {
        self.segments().insert(id, file);
    }

    fn release(&self, n: usize) {
        let mut s = self.lock();
        s.reserved = s.reserved.saturating_sub(n);
        drop(s);
        self.changed.notify_waiters();
    }

    /// Give taken events back to the head of the queue, in order.
    fn rollback_take(&self, take_id: u64) {
        let mut s = self.lock();
        if let Some(ptrs) = s.inflight.remove(&take_id) {
            s.inflight_count -= ptrs.len();
            for p in ptrs.into_iter().rev() {
                s.queue.push_front(p);
            }
        }
        drop(s);
        self.changed.notify_waiters();
    }

    fn descriptor(&self) -> String {
        format!("[channel={}]", self.name)
    }

    fn closed_error(&self, s: &State) -> ChannelError {
        match &s.startup_error {
            Some(why) => ChannelError::Failed(format!(
                "Channel closed {}. Due to {why}",
                self.descriptor()
            )),
            None => ChannelError::Closed(self.name.clone()),
        }
    }
}

/// What runs while the channel is open.
struct Running {
    writers: Vec<mpsc::Sender<log::Msg>>,
    writer_threads: Vec<std::thread::JoinHandle<()>>,
    checkpointer: Option<(mpsc::Sender<()>, std::thread::JoinHandle<Checkpointer>)>,
    _locks: Vec<dirs::DirLock>,
}

pub struct FileChannel {
    shared: Arc<Shared>,
    metrics: Arc<ChannelMetrics>,
    running: Mutex<Option<Running>>,
    next_writer: AtomicUsize,
}

impl FileChannel {
    pub fn new(name: &str, config: FileChannelConfig) -> Self {
        let counter = ChannelCounter::new(name);
        let shared = Arc::new(Shared {
            faults: log::Faults::default(),
            unsynced_writers: std::sync::atomic::AtomicU32::new(0),
            name: name.to_string(),
            config,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            counter: Arc::clone(&counter),
            file_counters: FileCounters::default(),
            segments: Mutex::new(BTreeMap::new()),
            next_seq: AtomicU64::new(0),
        });
        let size_of = Arc::downgrade(&shared);
        let extra_of = Arc::downgrade(&shared);
        let metrics = ChannelMetrics::new(counter, move || match size_of.upgrade() {
            Some(sh) => {
                let s = sh.lock();
                (s.queue.len() as u64, sh.config.capacity as u64)
            }
            None => (0, 0),
        })
        .with_extra(move || {
            let Some(sh) = extra_of.upgrade() else {
                return Vec::new();
            };
            let open = sh.lock().open;
            let c = &sh.file_counters;
            let n = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
            vec![
                ("Open", open.to_string()),
                ("Closed", if open { "0" } else { "1" }.to_string()),
                (
                    "Unhealthy",
                    if c.unhealthy.load(Ordering::Relaxed) {
                        "1"
                    } else {
                        "0"
                    }
                    .to_string(),
                ),
                ("EventPutErrorCount", n(&c.put_error)),
                ("EventTakeErrorCount", n(&c.take_error)),
                ("CheckpointWriteErrorCount", n(&c.checkpoint_write_error)),
                (
                    "CheckpointBackupWriteErrorCount",
                    n(&c.checkpoint_backup_write_error),
                ),
            ]
        });
        FileChannel {
            shared,
            metrics: Arc::new(metrics),
            running: Mutex::new(None),
            next_writer: AtomicUsize::new(0),
        }
    }

    /// `home`: Java's `user.home` for the default directories.
    pub fn from_context(name: &str, ctx: &Context, home: &str) -> Result<Self, ConfigError> {
        Ok(FileChannel::new(
            name,
            FileChannelConfig::from_context(ctx, home)?,
        ))
    }

    pub fn config(&self) -> &FileChannelConfig {
        &self.shared.config
    }

    /// Events in the queue (not counting taken-but-uncommitted ones).
    pub fn len(&self) -> usize {
        self.shared.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Write a checkpoint now (tests and benchmarks; the channel does this on its own).
    pub async fn checkpoint_now(&self) -> Result<(), String> {
        let shared = Arc::clone(&self.shared);
        let ck = self.take_checkpointer();
        let Some(mut ck) = ck else {
            return Err("channel is not open".into());
        };
        let (ck, result) = tokio::task::spawn_blocking(move || {
            let r = ck.checkpoint(&shared);
            (ck, r)
        })
        .await
        .map_err(|e| e.to_string())?;
        self.give_back_checkpointer(ck);
        result
    }

    fn take_checkpointer(&self) -> Option<Checkpointer> {
        // The checkpoint thread owns the checkpointer; for an on-demand checkpoint stop the
        // thread, use it, start it again.
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let r = running.as_mut()?;
        let (stop, handle) = r.checkpointer.take()?;
        let _ = stop.send(());
        handle.join().ok()
    }

    fn give_back_checkpointer(&self, ck: Checkpointer) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = running.as_mut() {
            r.checkpointer = Some(ck.spawn(Arc::clone(&self.shared)));
        }
    }

    fn open_blocking(shared: &Arc<Shared>) -> Result<(Running, u64), String> {
        let cfg = &shared.config;
        let name = &shared.name;
        let mut all_dirs: Vec<(PathBuf, bool)> = vec![(cfg.checkpoint_dir.clone(), true)];
        if let Some(b) = &cfg.backup_checkpoint_dir {
            all_dirs.push((b.clone(), true));
        }
        all_dirs.extend(cfg.data_dirs.iter().map(|d| (d.clone(), false)));
        let mut seen = BTreeSet::new();
        for (d, _) in &all_dirs {
            if !seen.insert(d.clone()) {
                return Err(format!(
                    "{} is configured twice (checkpointDir, backupCheckpointDir and every dataDirs entry must be distinct directories) [channel={name}]",
                    d.display()
                ));
            }
        }
        let mut locks = Vec::new();
        for (d, _) in &all_dirs {
            dirs::create(d, name)?;
            locks.push(dirs::lock(d, name)?);
        }
        // A Java Flume file channel in these directories is taken over first.
        java::migrate::take_over(cfg, name)?;
        let replayed = replay::replay(
            name,
            &cfg.checkpoint_dir,
            cfg.backup_checkpoint_dir.as_deref(),
            &cfg.data_dirs,
        )?;
        let mut segments = BTreeMap::new();
        for (id, path) in &replayed.segments {
            let file = std::fs::File::open(path)
                .map_err(|e| format!("Cannot open {}: {e} [channel={name}]", path.display()))?;
            segments.insert(
                *id,
                log::SegmentFile {
                    path: path.clone(),
                    file: Arc::new(file),
                },
            );
        }
        let events = replayed.queue.len() as u64;
        if replayed.queue.len() > cfg.capacity {
            tracing::warn!(
                channel = %name,
                events,
                capacity = cfg.capacity,
                "the channel holds more events than its capacity; puts wait until sinks drain it below capacity"
            );
        }
        *shared.segments() = segments;
        shared.next_seq.store(replayed.next_seq, Ordering::Relaxed);
        {
            let mut s = shared.lock();
            s.queue = replayed.queue;
            s.next_segment = replayed.next_segment;
            s.active.clear();
            s.inflight.clear();
            s.inflight_count = 0;
            s.reserved = 0;
        }
        // After an unclean stop, a fresh checkpoint: the next start replays from here, and
        // the old segments the replayed queue no longer needs can go. After a clean stop the
        // newest checkpoint is exact already.
        let mut ck = Checkpointer {
            generation: replayed.generation,
            retained: replayed.slot_needs.clone(),
            backup_retained: replayed.backup_needs.clone(),
        };
        if !replayed.clean {
            ck.checkpoint(shared)?;
        }

        let mut writers = Vec::new();
        let mut writer_threads = Vec::new();
        for dir in &cfg.data_dirs {
            let (tx, rx) = mpsc::channel();
            let w = log::Writer::new(Arc::clone(shared), dir.clone(), rx);
            let handle = std::thread::Builder::new()
                .name(format!("file-channel-{name}-writer"))
                .spawn(move || w.run())
                .map_err(|e| format!("cannot start the log writer: {e}"))?;
            writers.push(tx);
            writer_threads.push(handle);
        }
        let checkpointer = Some(ck.spawn(Arc::clone(shared)));
        Ok((
            Running {
                writers,
                writer_threads,
                checkpointer,
                _locks: locks,
            },
            events,
        ))
    }

    fn writer(&self) -> Option<mpsc::Sender<log::Msg>> {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let r = running.as_ref()?;
        let i = self.next_writer.fetch_add(1, Ordering::Relaxed) % r.writers.len();
        Some(r.writers[i].clone())
    }

    /// Log `op` and wait until it is durable and applied.
    async fn log(&self, op: log::Op) -> Result<(), String> {
        let Some(writer) = self.writer() else {
            return Err("the channel is closed".into());
        };
        let (reply, rx) = oneshot::channel();
        writer
            .send(log::Msg::Request(log::Request { op, reply }))
            .map_err(|_| "the log writer has stopped".to_string())?;
        rx.await
            .map_err(|_| "the log writer has stopped".to_string())?
    }

    async fn wait_until<T>(&self, check: impl FnMut(&mut State) -> Option<T>) -> Option<T> {
        super::wait_until(
            &self.shared.state,
            &self.shared.changed,
            self.shared.config.keep_alive,
            check,
        )
        .await
    }
}

impl FileChannel {
    /// One put transaction of `events` (what [`Channel::put_batch`] does, without taking
    /// ownership: the log record is encoded from the slice).
    pub async fn put_events(&self, events: &[Event]) -> Result<(), ChannelError> {
        let n = events.len();
        if n == 0 {
            return Ok(());
        }
        let sh = &self.shared;
        sh.counter
            .put_attempt
            .fetch_add(n as u64, Ordering::Relaxed);
        {
            let s = sh.lock();
            if !s.open {
                return Err(sh.closed_error(&s));
            }
        }
        let tx_capacity = sh.config.transaction_capacity;
        if n > tx_capacity {
            return Err(ChannelError::Failed(format!(
                "Put queue for FileBackedTransaction of capacity {tx_capacity} full, consider committing more frequently, increasing capacity or increasing thread count. {}",
                sh.descriptor()
            )));
        }
        let capacity = sh.config.capacity;
        let reserved = self
            .wait_until(|s| {
                if !s.open {
                    return Some(false);
                }
                if s.used() + n > capacity {
                    return None;
                }
                s.reserved += n;
                Some(true)
            })
            .await;
        match reserved {
            Some(true) => {}
            Some(false) => return Err(sh.closed_error(&sh.lock())),
            None => {
                return Err(ChannelError::Full(format!(
                    "The channel has reached it's capacity. This might be the result of a sink on the channel having too low of batch size, a downstream system running slower than normal, or that the channel capacity is just too low. {}",
                    sh.descriptor()
                )));
            }
        }
        let seq = sh.next_seq.fetch_add(1, Ordering::Relaxed);
        let outcome = match record::encode_put(seq, events) {
            Ok(encoded) => self.log(log::Op::Put(encoded)).await,
            Err(e) => Err(format!("the batch cannot be logged: {e}")),
        };
        match outcome {
            Ok(()) => {
                sh.counter
                    .put_success
                    .fetch_add(n as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(why) => {
                sh.release(n);
                sh.file_counters
                    .put_error
                    .fetch_add(n as u64, Ordering::Relaxed);
                Err(ChannelError::Failed(format!(
                    "Put failed due to IO error {}: {why}",
                    sh.descriptor()
                )))
            }
        }
    }
}

#[async_trait]
impl Channel for FileChannel {
    fn name(&self) -> &str {
        &self.shared.name
    }

    async fn put_batch(&self, events: Vec<Event>) -> Result<(), ChannelError> {
        self.put_events(&events).await
    }

    async fn take(&self, max: usize) -> Result<Take, ChannelError> {
        let sh = &self.shared;
        sh.counter.take_attempt.fetch_add(1, Ordering::Relaxed);
        if max == 0 {
            return Ok(Take::empty());
        }
        let tx_capacity = sh.config.transaction_capacity;
        let taken = self
            .wait_until(|s| {
                if !s.open {
                    return Some(None);
                }
                if s.queue.is_empty() {
                    return None;
                }
                let n = max.min(tx_capacity).min(s.queue.len());
                let ptrs: Vec<Pointer> = s.queue.drain(..n).collect();
                let id = s.next_take_id;
                s.next_take_id += 1;
                s.inflight_count += ptrs.len();
                s.inflight.insert(id, ptrs.clone());
                Some(Some((id, ptrs)))
            })
            .await;
        let (take_id, ptrs) = match taken {
            None => return Ok(Take::empty()),
            Some(None) => return Err(sh.closed_error(&sh.lock())),
            Some(Some(t)) => t,
        };
        let reader = Arc::clone(sh);
        let to_read = ptrs.clone();
        let read = tokio::task::spawn_blocking(move || {
            let segments = reader.segments();
            let lookup = |id: u32| segments.get(&id).map(|s| Arc::clone(&s.file));
            let files: HashMap<u32, Option<Arc<std::fs::File>>> = to_read
                .iter()
                .map(|p| (p.segment, lookup(p.segment)))
                .collect();
            drop(segments);
            log::read_events(&|id| files.get(&id).cloned().flatten(), &to_read)
        })
        .await;
        let results = match read {
            Ok(Ok(r)) => r,
            Ok(Err(log::ReadError::Io(e))) => {
                sh.rollback_take(take_id);
                sh.file_counters.take_error.fetch_add(1, Ordering::Relaxed);
                return Err(ChannelError::Failed(format!(
                    "Take failed due to IO error {}: {e}",
                    sh.descriptor()
                )));
            }
            Err(e) => {
                sh.rollback_take(take_id);
                return Err(ChannelError::Failed(format!(
                    "Take failed {}: {e}",
                    sh.descriptor()
                )));
            }
        };
        let mut events = Vec::with_capacity(results.len());
        for (ptr, r) in ptrs.iter().zip(results) {
            match r {
                Ok(e) => events.push(e),
                Err(why) => {
                    // The event cannot be delivered; it is removed with this take's commit
                    // (or, if the take rolls back, reported again next time).
                    sh.file_counters.take_error.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(channel = %sh.name, segment = ptr.segment, offset = ptr.offset, "{why}; skipping the event");
                }
            }
        }
        let tx = FileTake {
            channel: self.handle(),
            take_id,
            pointers: ptrs,
        };
        if events.is_empty() {
            // Only undeliverable events: remove them now, or they would come back forever.
            let _ = Box::new(tx).commit(&[]).await;
            return Ok(Take::empty());
        }
        Ok(Take::new(events, Box::new(tx)))
    }

    fn transaction_capacity(&self) -> Option<usize> {
        Some(self.shared.config.transaction_capacity)
    }

    async fn start(&self) -> Result<(), ChannelError> {
        let shared = Arc::clone(&self.shared);
        let dirs: Vec<String> = shared
            .config
            .data_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        tracing::info!(
            "Starting FileChannel {} {{ dataDirs: [{}] }}...",
            shared.name,
            dirs.join(", ")
        );
        let opened = tokio::task::spawn_blocking(move || {
            let r = FileChannel::open_blocking(&shared);
            (shared, r)
        })
        .await;
        let (shared, result) = match opened {
            Ok(v) => v,
            Err(e) => {
                let why = format!("start-up panicked: {e}");
                let mut s = self.shared.lock();
                s.startup_error = Some(why.clone());
                self.shared.set_unhealthy(true);
                return Err(ChannelError::Failed(why));
            }
        };
        match result {
            Ok((running, events)) => {
                *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
                let mut s = shared.lock();
                s.open = true;
                s.startup_error = None;
                drop(s);
                shared.set_unhealthy(false);
                tracing::info!(
                    "Queue Size after replay: {events} [channel={}]",
                    shared.name
                );
                Ok(())
            }
            Err(why) => {
                tracing::error!(channel = %shared.name, "Failed to start the file channel [channel={}]: {why}", shared.name);
                let mut s = shared.lock();
                s.startup_error = Some(why.clone());
                drop(s);
                shared.set_unhealthy(true);
                Err(ChannelError::Failed(why))
            }
        }
    }

    async fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        {
            let mut s = self.shared.lock();
            s.open = false;
        }
        self.shared.changed.notify_waiters();
        let Some(running) = running else {
            return;
        };
        let shared = Arc::clone(&self.shared);
        let stopped = tokio::task::spawn_blocking(move || {
            let mut ck = running.checkpointer.and_then(|(stop, handle)| {
                let _ = stop.send(());
                handle.join().ok()
            });
            for w in &running.writers {
                let _ = w.send(log::Msg::Stop);
            }
            for t in running.writer_threads {
                let _ = t.join();
            }
            if shared.config.checkpoint_on_close
                && let Some(ck) = ck.as_mut()
                && let Err(error) = ck.checkpoint(&shared)
            {
                tracing::warn!(channel = %shared.name, %error, "checkpoint on close failed; the next start replays the log tail");
            }
            drop(running._locks);
        })
        .await;
        if let Err(error) = stopped {
            tracing::error!(channel = %self.shared.name, %error, "file channel stop failed");
        }
        tracing::info!("FileChannel {} stopped", self.shared.name);
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.metrics) as Arc<dyn MetricSource>)
    }
}

/// Dropped without `stop` (tests simulating a crash, an aborted start): end the threads
/// before the locks go, so that nothing of this instance touches the directories after, but
/// write no checkpoint — like a crash after the last fsync.
impl Drop for FileChannel {
    fn drop(&mut self) {
        let running = self
            .running
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(running) = running else {
            return;
        };
        if let Some((stop, handle)) = running.checkpointer {
            let _ = stop.send(());
            let _ = handle.join();
        }
        for w in &running.writers {
            let _ = w.send(log::Msg::Stop);
        }
        for t in running.writer_threads {
            let _ = t.join();
        }
    }
}

/// Java's `user.home`: `-Duser.home`, else `$HOME`.
pub fn user_home(sysprops: &std::collections::HashMap<String, String>) -> String {
    sysprops
        .get("user.home")
        .cloned()
        .or_else(|| std::env::var("HOME").ok())
        .unwrap_or_else(|| "/".to_string())
}

#[cfg(test)]
mod tests;
