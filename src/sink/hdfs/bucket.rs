//! One bucket: the files of one escaped `hdfs.path` + `hdfs.filePrefix` (Flume's
//! `BucketWriter`). It names files `<prefix>.<counter><suffix>`, where the counter starts at the
//! bucket's creation time in milliseconds and goes up by one before each file; it rolls on
//! `rollCount`/`rollSize` (checked before each append) and flushes every `batchSize` events.
//!
//! States of the current file: none open → `Open` (created under its in-use name, e.g.
//! `….tmp`; events are encoded in memory and written at each flush) → closing (last bytes,
//! close, retried every `retryInterval` up to `closeTries` in the background) → renamed to its
//! final name. Every storage call is bounded by `hdfs.callTimeout`.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::config::HdfsSinkConfig;
use super::writer::{self, FileFormat, FormatError};
use crate::event::Event;
use crate::metrics::SinkCounter;
use crate::storage::{FileSystem, OutputFile, Storage, StorageError, hadoop_path_display, redact};

/// Flume's logger name for the lines operators grep (`Creating …`, `Renaming … to …`).
const BUCKET_WRITER: &str = "org.apache.flume.sink.hdfs.BucketWriter";

/// Encoded bytes above this are written out before the flush (bounds memory per bucket).
const WRITE_THROUGH_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// Flume's IOException: storage failure or timeout. The transaction is rolled back and
    /// the sink backs off.
    #[error("{0}")]
    Io(String),
    /// Anything else (bad event, bad writeFormat): rolled back, `EventDeliveryException`.
    #[error("{0}")]
    Delivery(String),
}

impl From<FormatError> for BucketError {
    fn from(e: FormatError) -> Self {
        match e {
            FormatError::UnsupportedFileType(_) | FormatError::Io(_) => {
                BucketError::Io(e.to_string())
            }
            FormatError::BadWriteFormat(_) | FormatError::BadEvent(_) => {
                BucketError::Delivery(e.to_string())
            }
        }
    }
}

/// What every bucket of a sink shares.
pub struct Shared {
    pub config: HdfsSinkConfig,
    pub storage: Arc<Storage>,
    pub counter: Arc<SinkCounter>,
    /// Close and rename retries running in the background.
    pub background: Mutex<tokio::task::JoinSet<()>>,
}

impl Shared {
    /// One storage call under `hdfs.callTimeout`; failures count as ConnectionFailed.
    pub async fn call<T>(
        &self,
        path: &str,
        fut: impl Future<Output = Result<T, StorageError>>,
    ) -> Result<T, BucketError> {
        let result = match self.config.call_timeout {
            Some(limit) => match tokio::time::timeout(limit, fut).await {
                Ok(r) => r.map_err(|e| BucketError::Io(e.to_string())),
                Err(_) => Err(BucketError::Io(format!(
                    "Callable timed out after {} ms on file: {}",
                    limit.as_millis(),
                    redact(path)
                ))),
            },
            None => fut.await.map_err(|e| BucketError::Io(e.to_string())),
        };
        if result.is_err() {
            self.counter.add_connection_failed();
        }
        result
    }

    fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        self.background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .spawn(fut);
    }
}

trait CounterExt {
    fn add_connection_failed(&self);
}

impl CounterExt for SinkCounter {
    fn add_connection_failed(&self) {
        self.connection_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn bump(counter: &std::sync::atomic::AtomicU64) {
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Where a file is written and where it goes at close.
#[derive(Clone)]
struct Paths {
    fs: Arc<dyn FileSystem>,
    /// Path strings as Flume builds them (`<realPath>/<inUsePrefix><name><inUseSuffix>`).
    in_use: String,
    target: String,
    /// The same, as the file system takes them.
    fs_in_use: String,
    fs_target: String,
}

/// The file currently open in a bucket.
struct OpenFile {
    paths: Paths,
    file: Box<dyn OutputFile>,
    format: Box<dyn FileFormat>,
}

pub struct BucketWriter {
    pub real_path: String,
    pub real_name: String,
    /// Flume's `fileExtensionCounter`.
    counter: i64,
    open: Option<OpenFile>,
    events: u64,
    body_bytes: u64,
    unflushed: usize,
    /// When the current file was opened (rollInterval).
    pub opened_at: Option<Instant>,
    /// Last flush with data (idleTimeout).
    pub last_flush: Option<Instant>,
    /// LRU order for maxOpenFiles.
    pub last_access: u64,
    /// Last transaction that appended here.
    pub touched_tx: u64,
    /// Events of the current batch admitted here and not encoded yet (indices into the batch).
    pending: Vec<u32>,
}

/// What one encoding step of a bucket left to do (see [`BucketWriter::encode_step`]).
pub enum Step {
    /// Every admitted event is encoded and the format synced; these bytes (if any) still
    /// have to be written with [`OutputFile::write`] (stores that only write asynchronously),
    /// then the file hflushed.
    Flush(Vec<u8>),
    /// Encoded bytes past the write-through bound on a store that only writes asynchronously:
    /// write them, then take the next step.
    Chunk(Vec<u8>),
}

impl BucketWriter {
    /// A new bucket; its file counter starts at `now_ms`.
    pub fn new(real_path: String, real_name: String, now_ms: i64) -> Self {
        BucketWriter {
            real_path,
            real_name,
            counter: now_ms,
            open: None,
            events: 0,
            body_bytes: 0,
            unflushed: 0,
            opened_at: None,
            last_flush: None,
            last_access: 0,
            touched_tx: 0,
            pending: Vec::new(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// The final path of the file being written, if one is open.
    pub fn target(&self) -> Option<&str> {
        self.open.as_ref().map(|f| f.paths.target.as_str())
    }

    /// The (in-use, final) path strings of the next file: increments the counter.
    pub fn next_paths(&mut self, config: &HdfsSinkConfig) -> (String, String) {
        self.counter += 1;
        let name = config.file_name(&self.real_name, self.counter);
        let in_use = format!(
            "{}/{}{}{}",
            self.real_path, config.in_use_prefix, name, config.in_use_suffix
        );
        let target = format!("{}/{}", self.real_path, name);
        (in_use, target)
    }

    fn should_rotate(&self, config: &HdfsSinkConfig) -> bool {
        (config.roll_count > 0 && self.events >= config.roll_count)
            || (config.roll_size > 0 && self.body_bytes >= config.roll_size)
    }

    /// True when rollInterval or idleTimeout has expired at `now`.
    pub fn expired(&self, config: &HdfsSinkConfig, now: Instant) -> Option<&'static str> {
        self.open.as_ref()?;
        if let (Some(interval), Some(at)) = (config.roll_interval, self.opened_at)
            && now >= at + interval
        {
            return Some("interval");
        }
        if let (Some(idle), Some(at)) = (config.idle_timeout, self.last_flush)
            && self.unflushed == 0
            && now >= at + idle
        {
            return Some("idle");
        }
        None
    }

    async fn open_file(&mut self, shared: &Shared) -> Result<(), BucketError> {
        let config = &shared.config;
        let (in_use, target) = self.next_paths(config);
        let format =
            writer::open(config).inspect_err(|_| shared.counter.add_connection_failed())?;
        let (fs, fs_target) = shared
            .storage
            .resolve(&target)
            .map_err(|e| BucketError::Io(e.to_string()))?;
        // Object stores show a file only when it is complete: write it under its final name.
        let (in_use, fs_in_use) = if fs.publishes_on_close() {
            (target.clone(), fs_target.clone())
        } else {
            let (_, p) = shared
                .storage
                .resolve(&in_use)
                .map_err(|e| BucketError::Io(e.to_string()))?;
            (in_use, p)
        };
        tracing::info!(
            target: BUCKET_WRITER,
            "Creating {}", redact(&in_use));
        let file = shared.call(&in_use, fs.create(&fs_in_use)).await?;
        bump(&shared.counter.connection_created);
        self.open = Some(OpenFile {
            paths: Paths {
                fs,
                in_use,
                target,
                fs_in_use,
                fs_target,
            },
            file,
            format,
        });
        self.events = 0;
        self.body_bytes = 0;
        self.unflushed = 0;
        self.opened_at = Some(Instant::now());
        Ok(())
    }

    /// `BucketWriter.append`, first half: open or roll as needed and admit event `idx` of
    /// `events` (the batch); it is encoded by [`BucketWriter::encode_step`], which the sink
    /// runs for every touched bucket at once, off the async workers.
    pub async fn admit(
        &mut self,
        shared: &Shared,
        events: &[Event],
        idx: usize,
    ) -> Result<(), BucketError> {
        if self.open.is_none() {
            self.open_file(shared).await?;
        } else if self.should_rotate(&shared.config) {
            self.close_with(shared, events).await;
            self.open_file(shared).await?;
        }
        bump(&shared.counter.event_drain_attempt);
        self.pending.push(idx as u32);
        self.body_bytes += events[idx].body.len() as u64;
        self.events += 1;
        self.unflushed += 1;
        Ok(())
    }

    /// True when events of the current batch wait here to be encoded.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Forget the admitted events (the batch is rolled back).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    /// `BucketWriter.append`, second half, and the sync of `flush` — blocking work (encoding,
    /// compression, local file writes): encode the admitted events of `events`, writing out
    /// every [`WRITE_THROUGH_BYTES`] of output, then sync the format. A file that can write on
    /// this thread ([`OutputFile::write_blocking`]) gets its bytes here; otherwise they come
    /// back in the [`Step`]. An error leaves the rest of the admitted events unencoded.
    pub fn encode_step(&mut self, events: &[Event]) -> Result<Step, BucketError> {
        let Some(open) = self.open.as_mut() else {
            self.pending.clear();
            return Ok(Step::Flush(Vec::new()));
        };
        let mut done = 0;
        let result = (|| {
            for &idx in &self.pending {
                open.format.append(&events[idx as usize])?;
                done += 1;
                if open.format.output_len() >= WRITE_THROUGH_BYTES {
                    let data = open.format.take_output();
                    match open.file.write_blocking(&data) {
                        Some(r) => r.map_err(|e| BucketError::Io(e.to_string()))?,
                        None => return Ok(Some(data)),
                    }
                }
            }
            Ok(None)
        })();
        match result {
            Ok(Some(chunk)) => {
                self.pending.drain(..done);
                return Ok(Step::Chunk(chunk));
            }
            Ok(None) => self.pending.clear(),
            Err(e) => {
                self.pending.clear();
                return Err(e);
            }
        }
        if self.unflushed == 0 {
            return Ok(Step::Flush(Vec::new()));
        }
        open.format.sync()?;
        let data = open.format.take_output();
        if data.is_empty() {
            return Ok(Step::Flush(data));
        }
        match open.file.write_blocking(&data) {
            Some(r) => {
                r.map_err(|e| BucketError::Io(e.to_string()))?;
                Ok(Step::Flush(Vec::new()))
            }
            None => Ok(Step::Flush(data)),
        }
    }

    /// Write bytes a [`Step`] returned (asynchronous stores).
    pub async fn write_step(&mut self, shared: &Shared, data: Vec<u8>) -> Result<(), BucketError> {
        match self.open.as_mut() {
            Some(open) => write(shared, open, data).await,
            None => Ok(()),
        }
    }

    /// The end of `flush` after the last [`Step::Flush`]: hflush and mark the bucket flushed.
    pub async fn finish_flush(&mut self, shared: &Shared) -> Result<(), BucketError> {
        if self.unflushed == 0 {
            return Ok(());
        }
        if let Some(open) = self.open.as_mut() {
            shared.call(&open.paths.in_use, open.file.hflush()).await?;
        }
        self.unflushed = 0;
        self.last_flush = Some(Instant::now());
        Ok(())
    }

    /// After a failed write, flush or encoding: log as Flume does, close what can be closed
    /// (an I/O error) and keep the bucket for a fresh file.
    pub async fn fail(&mut self, shared: &Shared, e: &BucketError) {
        self.pending.clear();
        if matches!(e, BucketError::Io(_)) {
            tracing::warn!(
                target: BUCKET_WRITER,
                "Caught IOException while flushing ({e}). Closing file ({}) and rethrowing \
                 exception.",
                self.open
                    .as_ref()
                    .map(|o| redact(&o.paths.in_use))
                    .unwrap_or_default()
            );
            self.abandon(shared).await;
        }
    }

    /// Encode, write and flush what is admitted here (on a rotation or eviction in the middle
    /// of a batch).
    async fn flush_pending(
        &mut self,
        shared: &Shared,
        events: &[Event],
    ) -> Result<(), BucketError> {
        loop {
            match crate::component::blocking(|| self.encode_step(events))? {
                Step::Chunk(data) => self.write_step(shared, data).await?,
                Step::Flush(data) => {
                    self.write_step(shared, data).await?;
                    return self.finish_flush(shared).await;
                }
            }
        }
    }

    /// `BucketWriter.flush`: sync the format, write its bytes, hflush — if anything was
    /// appended since the last flush. On failure the file is closed (a fresh one is opened for
    /// the next event) and the error returned.
    pub async fn flush(&mut self, shared: &Shared) -> Result<(), BucketError> {
        match self.flush_inner(shared).await {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::warn!(
                    target: BUCKET_WRITER,
                    "Caught IOException while flushing ({e}). Closing file ({}) and rethrowing \
                     exception.",
                    self.open
                        .as_ref()
                        .map(|o| redact(&o.paths.in_use))
                        .unwrap_or_default()
                );
                self.abandon(shared).await;
                Err(e)
            }
        }
    }

    async fn flush_inner(&mut self, shared: &Shared) -> Result<(), BucketError> {
        if self.unflushed == 0 {
            return Ok(());
        }
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        // Ending a batch compresses or encodes what the format holds (a compressed member, a
        // SequenceFile block: up to megabytes): blocking work, off the async workers.
        crate::component::blocking(|| open.format.sync())?;
        let data = open.format.take_output();
        write(shared, open, data).await?;
        shared.call(&open.paths.in_use, open.file.hflush()).await?;
        self.unflushed = 0;
        self.last_flush = Some(Instant::now());
        Ok(())
    }

    /// After a failed write: close what can be closed, keep the bucket for a fresh file.
    async fn abandon(&mut self, shared: &Shared) {
        self.unflushed = 0;
        self.close_file(shared).await;
    }

    /// `BucketWriter.close`: flush, write the last bytes, close (retried in the background on
    /// failure), rename the in-use file to its final name.
    pub async fn close(&mut self, shared: &Shared) {
        self.close_with(shared, &[]).await
    }

    /// [`BucketWriter::close`] in the middle of a batch: events of `events` admitted here are
    /// written first.
    pub async fn close_with(&mut self, shared: &Shared, events: &[Event]) {
        if self.has_pending() {
            if events.is_empty() {
                self.pending.clear();
            } else if let Err(e) = self.flush_pending(shared, events).await {
                tracing::warn!(
                    target: BUCKET_WRITER,
                    "pre-close flush failed: {e}");
                self.unflushed = 0;
            }
        }
        if let Err(e) = self.flush_inner(shared).await {
            tracing::warn!(
            target: BUCKET_WRITER,
            "pre-close flush failed: {e}");
            self.unflushed = 0;
        }
        self.close_file(shared).await;
    }

    async fn close_file(&mut self, shared: &Shared) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        self.opened_at = None;
        self.last_flush = None;
        tracing::info!(
            target: BUCKET_WRITER,
            "Closing {}", redact(&open.paths.in_use));
        let first = close_once(shared, &mut open).await;
        match first {
            Ok(()) => rename(shared, &open.paths).await,
            Err(e) if shared.config.close_tries > 1 => {
                tracing::warn!(
                    target: BUCKET_WRITER,
                    "Closing file: {} failed. Will retry again in {} seconds. ({e})",
                    redact(&open.paths.in_use),
                    shared.config.retry_interval.as_secs()
                );
                let retry = CloseRetry {
                    open,
                    tries_left: shared.config.close_tries - 1,
                    interval: shared.config.retry_interval,
                };
                shared.spawn(retry.run(SharedRef::of(shared)));
            }
            Err(e) => {
                tracing::warn!(
                    target: BUCKET_WRITER,
                    "Closing file: {} failed ({e}); hdfs.closeTries = 1, giving up",
                    redact(&open.paths.in_use)
                );
                open.file.abort().await;
            }
        }
    }
}

/// The parts of [`Shared`] a background retry needs ('static).
#[derive(Clone)]
struct SharedRef {
    counter: Arc<SinkCounter>,
    call_timeout: Option<Duration>,
}

impl SharedRef {
    fn of(shared: &Shared) -> Self {
        SharedRef {
            counter: Arc::clone(&shared.counter),
            call_timeout: shared.config.call_timeout,
        }
    }
}

async fn write(shared: &Shared, open: &mut OpenFile, data: Vec<u8>) -> Result<(), BucketError> {
    if data.is_empty() {
        return Ok(());
    }
    shared
        .call(&open.paths.in_use, open.file.write(Bytes::from(data)))
        .await
}

/// Last bytes + close of the storage file.
async fn close_once(shared: &Shared, open: &mut OpenFile) -> Result<(), BucketError> {
    open.format.close()?;
    let data = open.format.take_output();
    write(shared, open, data).await?;
    shared.call(&open.paths.in_use, open.file.close()).await?;
    bump(&shared.counter.connection_closed);
    Ok(())
}

/// `renameBucket`: in-use → final, if they differ and the in-use file exists.
async fn rename(shared: &Shared, paths: &Paths) {
    if let Err(e) = rename_paths(&SharedRef::of(shared), paths).await {
        tracing::warn!(
            target: BUCKET_WRITER,
            "failed to rename() file ({}). Exception follows. {e}",
            redact(&paths.in_use)
        );
        shared.counter.add_connection_failed();
        let retry = RenameRetry {
            paths: paths.clone(),
            tries_left: shared.config.close_tries.saturating_sub(1),
            interval: shared.config.retry_interval,
        };
        shared.spawn(retry.run(SharedRef::of(shared)));
    }
}

async fn timed<T>(
    limit: Option<Duration>,
    path: &str,
    fut: impl Future<Output = Result<T, StorageError>>,
) -> Result<T, String> {
    match limit {
        Some(limit) => match tokio::time::timeout(limit, fut).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "Callable timed out after {} ms on file: {}",
                limit.as_millis(),
                redact(path)
            )),
        },
        None => fut.await.map_err(|e| e.to_string()),
    }
}

async fn rename_paths(shared: &SharedRef, paths: &Paths) -> Result<(), String> {
    if paths.in_use == paths.target {
        return Ok(());
    }
    let exists = timed(
        shared.call_timeout,
        &paths.in_use,
        paths.fs.exists(&paths.fs_in_use),
    )
    .await?;
    if exists {
        tracing::info!(
            target: BUCKET_WRITER,
            "Renaming {} to {}",
            redact(&hadoop_path_display(&paths.in_use)),
            redact(&hadoop_path_display(&paths.target))
        );
        timed(
            shared.call_timeout,
            &paths.in_use,
            paths.fs.rename(&paths.fs_in_use, &paths.fs_target),
        )
        .await?;
    }
    Ok(())
}

struct CloseRetry {
    open: OpenFile,
    tries_left: u32,
    interval: Duration,
}

impl CloseRetry {
    async fn run(mut self, shared: SharedRef) {
        while self.tries_left > 0 {
            tokio::time::sleep(self.interval).await;
            self.tries_left -= 1;
            let paths = self.open.paths.clone();
            let path = paths.in_use.clone();
            match timed(shared.call_timeout, &path, self.open.file.close()).await {
                Ok(()) => {
                    bump(&shared.counter.connection_closed);
                    if let Err(e) = rename_paths(&shared, &paths).await {
                        tracing::warn!(
                            target: BUCKET_WRITER,
                            "failed to rename() file ({}) after closing it: {e}",
                            redact(&path)
                        );
                    }
                    return;
                }
                Err(e) => {
                    shared.counter.add_connection_failed();
                    tracing::warn!(
                        target: BUCKET_WRITER,
                        "Closing file: {} failed. Will retry again in {} seconds. ({e})",
                        redact(&path),
                        self.interval.as_secs()
                    );
                }
            }
        }
        tracing::error!(
            target: BUCKET_WRITER,
            "Unsuccessfully attempted to close {} {} times. File may be open, or may not have \
             been renamed.",
            redact(&self.open.paths.in_use),
            "hdfs.closeTries"
        );
        self.open.file.abort().await;
    }
}

struct RenameRetry {
    paths: Paths,
    tries_left: u32,
    interval: Duration,
}

impl RenameRetry {
    async fn run(mut self, shared: SharedRef) {
        while self.tries_left > 0 {
            tokio::time::sleep(self.interval).await;
            self.tries_left -= 1;
            match rename_paths(&shared, &self.paths).await {
                Ok(()) => return,
                Err(e) => {
                    shared.counter.add_connection_failed();
                    tracing::warn!(
            target: BUCKET_WRITER,
            "Renaming file: {} failed ({e})", redact(&self.paths.in_use));
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Context;
    use crate::vectors::{Case, Outcome};

    fn config(pairs: &[(&str, &str)]) -> HdfsSinkConfig {
        HdfsSinkConfig::from_context(
            &Context::from_pairs("a1.sinks.k1.", pairs.iter().copied()),
            Some("UTC"),
        )
        .unwrap()
    }

    /// The `hdfs_sink.json` cases about file names: open and final paths.
    pub(crate) fn check_names(case: &Case) -> Outcome {
        let id = case.id;
        let case = case.value;
        let mut ran = 0;
        {
            let input = &case["input"];
            let expected = &case["expected"];
            let mut pairs: Vec<(String, String)> = vec![("hdfs.path".into(), "/d".into())];
            for (k, flume_key) in [
                ("filePrefix", "hdfs.filePrefix"),
                ("fileSuffix", "hdfs.fileSuffix"),
                ("codeC", "hdfs.codeC"),
                ("inUsePrefix", "hdfs.inUsePrefix"),
            ] {
                if let Some(v) = input[k].as_str() {
                    pairs.push((flume_key.into(), v.into()));
                }
            }
            if let Some(conf) = input["config"].as_object() {
                for (k, v) in conf {
                    pairs.push((k.clone(), v.as_str().unwrap().to_string()));
                }
            }
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let Ok(c) = HdfsSinkConfig::from_context(
                &Context::from_pairs("a1.sinks.k1.", refs),
                Some(input["timeZone"].as_str().unwrap_or("UTC")),
            ) else {
                return Outcome::NotMine;
            };
            let created = input["clock_ms"]
                .as_i64()
                .or(input["bucketwriter_created_at_ms"].as_i64())
                .unwrap_or(0);
            if let Some(end) = expected["open_path_endswith"].as_str() {
                let mut b = BucketWriter::new("/d".into(), "FlumeData".into(), created);
                let (in_use, _) = b.next_paths(&c);
                assert!(in_use.ends_with(end), "{id}: {in_use}");
                ran += 1;
            }
            if let Some(part) = expected["open_path_contains"].as_str() {
                let mut b = BucketWriter::new("/d".into(), "FlumeData".into(), created);
                assert!(b.next_paths(&c).0.contains(part), "{id}");
                ran += 1;
            }
            if let Some(names) = expected["final_names"].as_array() {
                let mut b = BucketWriter::new("/d".into(), c.file_prefix.clone(), created);
                for name in names {
                    let (_, target) = b.next_paths(&c);
                    assert_eq!(target, format!("/d/{}", name.as_str().unwrap()), "{id}");
                }
                ran += 1;
            }
            if let Some(final_path) = expected["final_path"].as_str() {
                let headers: crate::event::Headers = input["event_headers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                let real_path = c.path_pattern.escape(&headers, &c.escape).unwrap();
                let real_name = c.prefix_pattern.escape(&headers, &c.escape).unwrap();
                assert_eq!(
                    format!("{real_path}/{real_name}"),
                    expected["writer_lookup_key"].as_str().unwrap(),
                    "{id}"
                );
                let mut b = BucketWriter::new(real_path, real_name, created);
                let (in_use, target) = b.next_paths(&c);
                assert_eq!(in_use, expected["in_use_path"].as_str().unwrap(), "{id}");
                assert_eq!(target, final_path, "{id}");
                ran += 1;
            }
        }
        if ran == 0 {
            Outcome::NotMine
        } else {
            Outcome::Pass
        }
    }

    #[test]
    fn rolling_checks() {
        let c = config(&[
            ("hdfs.path", "/d"),
            ("hdfs.rollCount", "2"),
            ("hdfs.rollSize", "0"),
        ]);
        let mut b = BucketWriter::new("/d".into(), "F".into(), 0);
        b.events = 1;
        assert!(!b.should_rotate(&c));
        b.events = 2;
        assert!(b.should_rotate(&c));
        let c = config(&[
            ("hdfs.path", "/d"),
            ("hdfs.rollCount", "0"),
            ("hdfs.rollSize", "300"),
        ]);
        b.body_bytes = 299;
        assert!(!b.should_rotate(&c));
        b.body_bytes = 300;
        assert!(b.should_rotate(&c));
    }
}
