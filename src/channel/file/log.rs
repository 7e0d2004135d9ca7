//! Log segments: naming, the writer thread of each data directory (group commit), reading
//! events back for takes.
//!
//! Each data directory has one writer thread. Put and take transactions queue up for it;
//! the thread appends everything that is waiting, syncs once (`fdatasync`), then applies the
//! whole group to the queue and answers every waiter: concurrent transactions share one fsync.
//! With `fsyncPerTransaction = false` it answers after the write and syncs every
//! `fsyncInterval` instead (Flume's semantics: faster, loses the last seconds on power loss).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::Shared;
use super::config::FLOOR_MINIMUM_REQUIRED_SPACE;
use super::dirs;
use super::record::{self, EncodedPut, Pointer, SEGMENT_HEADER_LEN};
use crate::event::Event;

pub const SEGMENT_PREFIX: &str = "segment-";
pub const SEGMENT_SUFFIX: &str = ".flog";

pub fn segment_name(id: u32) -> String {
    format!("{SEGMENT_PREFIX}{id:010}{SEGMENT_SUFFIX}")
}

pub fn parse_segment_name(name: &str) -> Option<u32> {
    let digits = name
        .strip_prefix(SEGMENT_PREFIX)?
        .strip_suffix(SEGMENT_SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A segment known to the channel: where it is, and a handle to read events from it.
#[derive(Debug, Clone)]
pub struct SegmentFile {
    pub path: PathBuf,
    pub file: Arc<File>,
}

/// What a transaction asks the writer to log.
pub enum Op {
    Put(EncodedPut),
    Take { bytes: Vec<u8>, take_id: u64 },
}

impl Op {
    fn bytes(&self) -> &[u8] {
        match self {
            Op::Put(p) => &p.bytes,
            Op::Take { bytes, .. } => bytes,
        }
    }
}

pub struct Request {
    pub op: Op,
    /// `Ok` once the record is logged (durably, unless fsyncPerTransaction is off) and applied
    /// to the queue.
    pub reply: oneshot::Sender<Result<(), String>>,
}

pub enum Msg {
    Request(Request),
    Stop,
}

struct Active {
    id: u32,
    file: File,
    len: u64,
}

/// Failures injected into the writer's syncs, for tests of what follows a failed fsync. Empty
/// (and free) outside tests.
#[derive(Debug, Default)]
pub struct Faults {
    /// Fail this many of the next syncs.
    #[cfg(test)]
    pub fail_syncs: std::sync::atomic::AtomicU32,
    /// Syncs that succeeded.
    #[cfg(test)]
    pub good_syncs: std::sync::atomic::AtomicU32,
}

impl Faults {
    fn sync(&self, file: &File) -> io::Result<()> {
        #[cfg(test)]
        {
            use std::sync::atomic::Ordering;
            if self
                .fail_syncs
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(io::Error::other("injected fsync failure"));
            }
            file.sync_data()?;
            self.good_syncs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        #[cfg(not(test))]
        file.sync_data()
    }
}

/// After a failed periodic fsync, the next attempt comes this soon (or at `fsyncInterval` if
/// that is shorter).
const SYNC_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// At most this much is written per group before syncing.
const MAX_GROUP_BYTES: usize = 64 << 20;

pub struct Writer {
    shared: Arc<Shared>,
    dir: PathBuf,
    rx: Receiver<Msg>,
    active: Option<Active>,
    /// Written since the last successful sync (fsyncPerTransaction off).
    dirty: bool,
    /// A sync failed and none has succeeded since: the channel is unhealthy, and every write is
    /// synced before it is acknowledged until a sync succeeds again.
    sync_failed: bool,
    /// Sealed segments whose last sync failed; retried with the next sync.
    unsynced: Vec<Active>,
    last_sync: Instant,
}

impl Writer {
    pub fn new(shared: Arc<Shared>, dir: PathBuf, rx: Receiver<Msg>) -> Writer {
        Writer {
            shared,
            dir,
            rx,
            active: None,
            dirty: false,
            sync_failed: false,
            unsynced: Vec::new(),
            last_sync: Instant::now(),
        }
    }

    pub fn run(mut self) {
        let interval = self.shared.config.fsync_interval;
        loop {
            let first = if !self.needs_sync() {
                match self.rx.recv() {
                    Ok(m) => m,
                    Err(_) => Msg::Stop,
                }
            } else {
                let due = self.next_sync_due(interval);
                match self
                    .rx
                    .recv_timeout(due.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => {
                        self.sync_now();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => Msg::Stop,
                }
            };
            let mut group = Vec::new();
            let mut bytes = 0usize;
            let mut stop = false;
            match first {
                Msg::Request(r) => {
                    bytes += r.op.bytes().len();
                    group.push(r);
                }
                Msg::Stop => stop = true,
            }
            while !stop && bytes < MAX_GROUP_BYTES {
                match self.rx.try_recv() {
                    Ok(Msg::Request(r)) => {
                        bytes += r.op.bytes().len();
                        group.push(r);
                    }
                    Ok(Msg::Stop) => stop = true,
                    Err(_) => break,
                }
            }
            self.process(group);
            if self.needs_sync() && Instant::now() >= self.next_sync_due(interval) {
                self.sync_now();
            }
            if stop {
                self.sync_now();
                return;
            }
        }
    }

    fn set_sync_failed(&mut self, v: bool) {
        if v != self.sync_failed {
            self.sync_failed = v;
            let n = &self.shared.unsynced_writers;
            if v {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            } else {
                n.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    /// Something written is not known to be on disk: a periodic sync is due.
    fn needs_sync(&self) -> bool {
        self.dirty || !self.unsynced.is_empty() || self.sync_failed
    }

    fn next_sync_due(&self, interval: std::time::Duration) -> Instant {
        if self.sync_failed {
            self.last_sync + interval.min(SYNC_RETRY)
        } else {
            self.last_sync + interval
        }
    }

    /// Sync every segment with data not known to be on disk. A failure keeps them marked
    /// (retried soon), keeps the channel unhealthy, and makes every later write synced before
    /// it is acknowledged until a sync succeeds.
    fn sync_now(&mut self) {
        self.last_sync = Instant::now();
        let mut failed = None;
        let faults = &self.shared.faults;
        self.unsynced.retain(|a| match faults.sync(&a.file) {
            Ok(()) => false,
            Err(e) => {
                failed = Some((a.id, e));
                true
            }
        });
        if failed.is_none()
            && self.dirty
            && let Some(a) = &self.active
        {
            match faults.sync(&a.file) {
                Ok(()) => self.dirty = false,
                Err(e) => failed = Some((a.id, e)),
            }
        } else if failed.is_none() {
            self.dirty = false;
        }
        match failed {
            Some((segment, error)) => {
                tracing::error!(channel = %self.shared.name, %error, dir = %self.dir.display(), segment, "periodic fsync of the log failed; retrying, and syncing every write until it succeeds");
                self.set_sync_failed(true);
                self.shared.set_unhealthy(true);
            }
            None => {
                if self.sync_failed {
                    tracing::info!(channel = %self.shared.name, dir = %self.dir.display(), "fsync of the log succeeded again");
                    self.set_sync_failed(false);
                    self.shared.set_unhealthy(false);
                }
            }
        }
    }

    fn process(&mut self, group: Vec<Request>) {
        if group.is_empty() {
            return;
        }
        let min_space = self.shared.config.minimum_required_space;
        let max_file = self.shared.config.max_file_size;
        let mut usable = match dirs::usable_space(&self.dir) {
            Ok(u) => u,
            Err(error) => {
                tracing::warn!(channel = %self.shared.name, %error, dir = %self.dir.display(), "cannot read free space");
                u64::MAX
            }
        };
        let mut chunk: Vec<(Request, u64)> = Vec::new();
        let mut chunk_bytes: u64 = 0;
        for req in group {
            let size = req.op.bytes().len() as u64;
            // Puts keep minimumRequiredSpace free; takes only need the floor, so that draining
            // the channel (which is what frees space) still works on a nearly full disk.
            let floor = match req.op {
                Op::Put(_) => min_space,
                Op::Take { .. } => FLOOR_MINIMUM_REQUIRED_SPACE as u64,
            };
            let required = floor + size;
            if usable <= required {
                let _ = req.reply.send(Err(format!(
                    "Usable space exhausted, only {usable} bytes remaining, required {required} bytes"
                )));
                continue;
            }
            usable -= size;
            let needs_roll = match &self.active {
                None => true,
                Some(a) => {
                    let used = a.len + chunk_bytes;
                    used > SEGMENT_HEADER_LEN as u64 && used + size > max_file
                }
            };
            if needs_roll {
                self.flush(std::mem::take(&mut chunk));
                chunk_bytes = 0;
                if let Err(e) = self.roll() {
                    let _ = req.reply.send(Err(e));
                    continue;
                }
            }
            let base = self.active.as_ref().map(|a| a.len).unwrap_or(0) + chunk_bytes;
            chunk_bytes += size;
            chunk.push((req, base));
        }
        self.flush(chunk);
    }

    /// Append a chunk (all in the active segment), sync, apply, answer.
    fn flush(&mut self, chunk: Vec<(Request, u64)>) {
        if chunk.is_empty() {
            return;
        }
        let per_tx = self.shared.config.fsync_per_transaction;
        let Some(active) = self.active.as_mut() else {
            for (req, _) in chunk {
                let _ = req.reply.send(Err("no log segment to write to".into()));
            }
            return;
        };
        let good_len = active.len;
        let mut result: io::Result<()> = Ok(());
        for (req, _) in &chunk {
            result = active.file.write_all(req.op.bytes());
            if result.is_err() {
                break;
            }
        }
        // After a failed sync nothing more is acknowledged before it is on disk, whatever
        // fsyncPerTransaction says.
        let sync_each = per_tx || self.sync_failed;
        if result.is_ok() && sync_each {
            result = self.shared.faults.sync(&active.file);
        }
        match result {
            Ok(()) => {
                let written: u64 = chunk.iter().map(|(r, _)| r.op.bytes().len() as u64).sum();
                active.len += written;
                if !sync_each {
                    self.dirty = true;
                }
                let id = active.id;
                let end = active.len;
                self.shared.apply(id, end, &chunk);
                if sync_each && self.sync_failed && self.unsynced.is_empty() && !self.dirty {
                    // This write's sync covered everything written before it in the segment.
                    tracing::info!(channel = %self.shared.name, dir = %self.dir.display(), "fsync of the log succeeded again");
                    self.set_sync_failed(false);
                }
                if !self.sync_failed {
                    self.shared.set_unhealthy(false);
                }
                for (req, _) in chunk {
                    let _ = req.reply.send(Ok(()));
                }
            }
            Err(error) => {
                // Cut the partial write off so nothing follows garbage, and continue in a new
                // segment in any case: what is on disk after good_len is not ours to trust.
                tracing::error!(channel = %self.shared.name, %error, segment = active.id, "log write failed; continuing in a new segment");
                let cut = active
                    .file
                    .set_len(good_len)
                    .and_then(|()| self.shared.faults.sync(&active.file));
                self.shared.set_unhealthy(true);
                let failed = self.active.take();
                if let Err(cut_error) = cut {
                    // Frames after good_len are checksummed: if they reached the disk whole,
                    // a later replay may deliver a put that was reported failed (a duplicate,
                    // never a loss). The segment's earlier records still need their sync.
                    tracing::error!(channel = %self.shared.name, error = %cut_error, dir = %self.dir.display(), "cannot cut the failed write off the log segment; after a restart its events may be delivered although the put was reported failed");
                    self.set_sync_failed(true);
                    self.unsynced.extend(failed);
                } else if self.dirty {
                    // The earlier unsynced records of this segment were synced by the cut.
                    self.dirty = false;
                }
                for (req, _) in chunk {
                    let _ = req.reply.send(Err(format!("log write failed: {error}")));
                }
            }
        }
    }

    /// Seal the active segment (synced, no longer appended to) and start a new one.
    fn roll(&mut self) -> Result<(), String> {
        let old = self.active.take();
        let old_id = old.as_ref().map(|a| a.id);
        if let Some(a) = old
            && (self.dirty || self.sync_failed)
        {
            if let Err(e) = self.shared.faults.sync(&a.file) {
                tracing::error!(channel = %self.shared.name, error = %e, segment = a.id, "fsync on sealing a segment failed; retrying");
                self.set_sync_failed(true);
                self.shared.set_unhealthy(true);
                self.unsynced.push(a);
            }
            self.dirty = false;
        }
        let id = self.shared.allocate_segment(old_id);
        let path = self.dir.join(segment_name(id));
        match create_segment(&self.dir, &path, id) {
            Ok((file, read)) => {
                self.shared.add_segment(
                    id,
                    SegmentFile {
                        path,
                        file: Arc::new(read),
                    },
                );
                tracing::debug!(channel = %self.shared.name, segment = id, "new log segment");
                self.active = Some(Active {
                    id,
                    file,
                    len: SEGMENT_HEADER_LEN as u64,
                });
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                self.shared.drop_active(id);
                self.shared.set_unhealthy(true);
                Err(format!("cannot create log segment {}: {e}", path.display()))
            }
        }
    }
}

fn create_segment(dir: &Path, path: &Path, id: u32) -> io::Result<(File, File)> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(&record::segment_header(id))?;
    file.sync_data()?;
    super::checkpoint::sync_dir(dir)?;
    let read = File::open(path)?;
    Ok((file, read))
}

/// Why an event could not be read back.
#[derive(Debug)]
pub enum ReadError {
    /// The read itself failed (the take is rolled back and may be retried).
    Io(io::Error),
}

/// Read the events `pointers` address. Pointers next to each other in a segment are read
/// with one `pread`. A pointer whose bytes are missing or do not decode gives `Err` in its
/// place (the caller drops it with a warning); an I/O error fails the whole read.
pub fn read_events(
    segments: &dyn Fn(u32) -> Option<Arc<File>>,
    pointers: &[Pointer],
) -> Result<Vec<Result<Event, String>>, ReadError> {
    const MAX_GAP: u64 = 64 << 10;
    const MAX_RUN: u64 = 8 << 20;
    let mut out = Vec::with_capacity(pointers.len());
    let mut i = 0;
    while i < pointers.len() {
        let first = pointers[i];
        let start = first.offset as u64;
        let mut end = start + first.len as u64;
        let mut j = i + 1;
        while j < pointers.len() {
            let p = pointers[j];
            let p_start = p.offset as u64;
            let p_end = p_start + p.len as u64;
            if p.segment != first.segment || p_start < end || p_start - end > MAX_GAP {
                break;
            }
            if p_end - start > MAX_RUN {
                break;
            }
            end = p_end;
            j += 1;
        }
        let run = &pointers[i..j];
        match segments(first.segment) {
            None => out.extend(
                run.iter()
                    .map(|_| Err(format!("log segment {} is missing", first.segment))),
            ),
            Some(file) => {
                let mut buf = vec![0u8; (end - start) as usize];
                match read_full_at(&file, &mut buf, start) {
                    Ok(got) => {
                        let buf = Bytes::from(buf);
                        for p in run {
                            let from = (p.offset as u64 - start) as usize;
                            let to = from + p.len as usize;
                            if to > got {
                                out.push(Err(format!(
                                    "event at segment {} offset {} is beyond the end of its log segment",
                                    p.segment, p.offset
                                )));
                                continue;
                            }
                            out.push(record::decode_event(&buf.slice(from..to)).map_err(|e| {
                                format!(
                                    "event at segment {} offset {} is damaged: {e}",
                                    p.segment, p.offset
                                )
                            }));
                        }
                    }
                    Err(e) => return Err(ReadError::Io(e)),
                }
            }
        }
        i = j;
    }
    Ok(out)
}

/// `pread` until `buf` is full or the file ends; returns how many bytes were read.
pub fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip() {
        assert_eq!(segment_name(7), "segment-0000000007.flog");
        assert_eq!(
            parse_segment_name(&segment_name(4_000_000_000)),
            Some(4_000_000_000)
        );
        assert_eq!(parse_segment_name("segment-.flog"), None);
        assert_eq!(parse_segment_name("log-1"), None);
        assert_eq!(
            parse_segment_name("segment-0000000007.flog.damaged-16"),
            None
        );
    }
}
