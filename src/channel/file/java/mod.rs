//! Reading a file channel written by Java Flume (format v3), to take it over.
//!
//! What is read, and how (written from Flume 1.9's sources and the files it leaves; the
//! protobuf messages are decoded by `prost`, see [`proto`], everything around them is
//! Flume-specific and implemented here):
//!
//! - `checkpointDir/checkpoint`: big-endian longs; index 0 the version (3), 1 the write-order id
//!   of the checkpoint, 4 the "complete" marker (0); from long 1029 on, a ring of `capacity`
//!   event pointers (`fileID << 32 | offset`). `checkpoint.meta` (one length-delimited
//!   `Checkpoint` message) gives the ring's size and head and must carry the same write-order id.
//! - `inflightputs`, `inflighttakes`: an MD5 of the rest, then longs: transaction id, count,
//!   that many pointers, repeated.
//! - `dataDirs/log-N`: records `0x7f` (OP_RECORD), a big-endian int length, then a
//!   length-delimited `TransactionEventHeader`, the record's message (`Put`, `Take`,
//!   `Rollback`, `Commit`) and an empty `TransactionEventFooter`; `0x00` marks a record
//!   skipped on purpose (OP_NOOP, length and bytes follow), `0x80` (OP_EOF) the end of what was
//!   written (Java preallocates with it). `log-N.meta` is one length-delimited
//!   `LogFileMetaData`: where the last checkpoint left each file, and whether it is encrypted.
//!
//! The queue is rebuilt as Flume's replay does: start from the checkpoint's queue (a missing or
//! inconsistent checkpoint means a full replay from empty, as in Flume), read every log from the
//! position its meta file names for that checkpoint, merge the records of all logs by
//! write-order id, skip those the checkpoint covers, and apply them per transaction: committed
//! puts are appended in their order, committed takes removed, rolled-back and unfinished
//! transactions ignored (an unfinished take leaves its events where they were). Takes that were
//! in flight at the checkpoint and not committed since are put back at the head. A record that
//! cannot be read (a torn tail after a crash) ends the reading of that file, with a warning.
//!
//! Every length read from these files is checked against what is left of the file before
//! anything is allocated for it.

pub mod migrate;
pub mod proto;

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};
use prost::Message;

use crate::event::{Event, Headers};

pub const OP_RECORD: u8 = 0x7f;
pub const OP_NOOP: u8 = 0x00;
pub const OP_EOF: u8 = 0x80;
/// Longs before the ring of pointers in `checkpoint`.
pub const HEADER_LONGS: u64 = 1029;
const INDEX_VERSION: u64 = 0;
const INDEX_WRITE_ORDER_ID: u64 = 1;
const INDEX_CHECKPOINT_MARKER: u64 = 4;
pub const VERSION_3: i64 = 3;
pub const VERSION_2: i64 = 2;

pub const TYPE_PUT: i32 = 1;
pub const TYPE_TAKE: i32 = 2;
pub const TYPE_ROLLBACK: i32 = 3;
pub const TYPE_COMMIT: i32 = 4;

/// Where an event is: `log-<file>` at byte `offset` (the OP_RECORD byte of its put).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JavaPointer {
    pub file: i32,
    pub offset: i32,
}

impl JavaPointer {
    pub fn from_long(v: i64) -> JavaPointer {
        JavaPointer {
            file: (v >> 32) as i32,
            offset: v as i32,
        }
    }

    pub fn to_long(self) -> i64 {
        ((self.file as i64) << 32) | (self.offset as u32 as i64)
    }
}

/// One record of a log, as replay needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    Put(Box<Event>),
    Take(JavaPointer),
    Rollback,
    Commit { of: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub transaction_id: i64,
    pub write_order_id: i64,
    pub kind: RecordKind,
}

/// Decode one record's bytes (what follows OP_RECORD and the length).
pub fn decode_record(bytes: &[u8]) -> Result<Record, String> {
    let mut buf = bytes;
    let header = proto::TransactionEventHeader::decode_length_delimited(&mut buf)
        .map_err(|e| format!("record header: {e}"))?;
    let kind = match header.r#type {
        TYPE_PUT => {
            let put = proto::Put::decode_length_delimited(&mut buf)
                .map_err(|e| format!("put record: {e}"))?;
            if let Some(expected) = put.checksum {
                let actual = crc32fast::hash(&put.event.body) as i64;
                if actual != expected {
                    return Err(format!(
                        "event body checksum is {actual}, the record says {expected}"
                    ));
                }
            }
            let mut headers = Headers::with_capacity(put.event.headers.len());
            for h in put.event.headers {
                headers.insert(h.key, h.value.unwrap_or_default());
            }
            RecordKind::Put(Box::new(Event::with_headers(
                headers,
                Bytes::from(put.event.body),
            )))
        }
        TYPE_TAKE => {
            let take = proto::Take::decode_length_delimited(&mut buf)
                .map_err(|e| format!("take record: {e}"))?;
            RecordKind::Take(JavaPointer {
                file: take.file_id,
                offset: take.offset,
            })
        }
        TYPE_ROLLBACK => {
            proto::Rollback::decode_length_delimited(&mut buf)
                .map_err(|e| format!("rollback record: {e}"))?;
            RecordKind::Rollback
        }
        TYPE_COMMIT => {
            let c = proto::Commit::decode_length_delimited(&mut buf)
                .map_err(|e| format!("commit record: {e}"))?;
            RecordKind::Commit { of: c.r#type }
        }
        other => return Err(format!("unknown record type {other}")),
    };
    proto::TransactionEventFooter::decode_length_delimited(&mut buf)
        .map_err(|e| format!("record footer: {e}"))?;
    Ok(Record {
        transaction_id: header.transaction_id,
        write_order_id: header.write_order_id,
        kind,
    })
}

/// What the checkpoint files say.
#[derive(Debug, Default, Clone)]
pub struct CheckpointState {
    pub write_order_id: i64,
    pub capacity: u64,
    pub queue: Vec<JavaPointer>,
    pub inflight_puts: Vec<(i64, Vec<JavaPointer>)>,
    pub inflight_takes: Vec<(i64, Vec<JavaPointer>)>,
}

/// A Java file channel's files, found in the configured directories.
#[derive(Debug, Clone, Default)]
pub struct JavaLayout {
    pub checkpoint_dir: PathBuf,
    /// `log-N` → its path.
    pub logs: Vec<(i32, PathBuf)>,
}

impl JavaLayout {
    pub fn find(checkpoint_dir: &Path, data_dirs: &[PathBuf]) -> Result<JavaLayout, String> {
        let mut logs = Vec::new();
        let mut seen = HashMap::new();
        for dir in data_dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                let Some(id) = name
                    .to_str()
                    .and_then(|n| n.strip_prefix("log-"))
                    .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse::<i32>().ok())
                else {
                    continue;
                };
                if let Some(other) = seen.insert(id, entry.path()) {
                    return Err(format!(
                        "log-{id} exists twice ({} and {})",
                        other.display(),
                        entry.path().display()
                    ));
                }
                logs.push((id, entry.path()));
            }
        }
        logs.sort();
        Ok(JavaLayout {
            checkpoint_dir: checkpoint_dir.to_path_buf(),
            logs,
        })
    }
}

/// The result of reading a Java channel: its events' pointers in take order.
#[derive(Debug, Default)]
pub struct JavaQueue {
    pub queue: Vec<JavaPointer>,
    /// Whether the checkpoint was used (false: full replay of the logs).
    pub from_checkpoint: bool,
    /// Why the checkpoint was not used.
    pub checkpoint_problem: Option<String>,
    pub records_read: u64,
    pub records_skipped: u64,
    /// Files whose reading ended early at a damaged record: (file, offset, why).
    pub damaged: Vec<(PathBuf, u64, String)>,
    /// Takes committed for events not in the queue (Flume warns about the same).
    pub pending_takes: usize,
    /// Takes in flight at the checkpoint, put back at the head.
    pub restored_inflight_takes: usize,
}

fn io_err(path: &Path, e: io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Reads `n` bytes at `pos`, refusing (before allocating) what the file cannot hold.
fn read_exact_at(file: &File, path: &Path, pos: u64, n: u64, len: u64) -> Result<Vec<u8>, String> {
    if pos.checked_add(n).is_none_or(|end| end > len) {
        return Err(format!(
            "{}: {n} bytes at offset {pos} run past the end of the file ({len} bytes)",
            path.display()
        ));
    }
    let mut buf = vec![0u8; n as usize];
    file.read_exact_at(&mut buf, pos)
        .map_err(|e| io_err(path, e))?;
    Ok(buf)
}

fn be_long(b: &[u8]) -> i64 {
    i64::from_be_bytes(b[..8].try_into().expect("8 bytes"))
}

/// A delimited message file (`checkpoint.meta`, `log-N.meta`): bounded by the file's size.
fn read_delimited<M: Message + Default>(path: &Path) -> Result<M, String> {
    let len = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    if len > 1 << 20 {
        return Err(format!(
            "{}: {len} bytes is too large for a meta file",
            path.display()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    if bytes.is_empty() {
        return Err(format!("{}: empty", path.display()));
    }
    M::decode_length_delimited(&bytes[..]).map_err(|e| format!("{}: {e}", path.display()))
}

/// `inflightputs` / `inflighttakes`.
pub fn parse_inflights(bytes: &[u8]) -> Result<Vec<(i64, Vec<JavaPointer>)>, String> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    if bytes.len() < 16 {
        return Err("shorter than its checksum".into());
    }
    let (sum, rest) = bytes.split_at(16);
    if Md5::digest(rest).as_slice() != sum {
        return Err("checksum differs from the contents".into());
    }
    let longs: Vec<i64> = rest.chunks_exact(8).map(be_long).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 <= longs.len() {
        let tx = longs[i];
        let n = longs[i + 1];
        i += 2;
        let left = (longs.len() - i) as i64;
        // Java reads `(int) count` pointers and stops at the end of the buffer.
        let n = (n as i32).clamp(0, left.min(i32::MAX as i64) as i32) as usize;
        let ptrs: Vec<JavaPointer> = longs[i..i + n]
            .iter()
            .map(|v| JavaPointer::from_long(*v))
            .collect();
        i += n;
        if !ptrs.is_empty() {
            match out.iter_mut().find(|(t, _)| *t == tx) {
                Some((_, v)) => {
                    let v: &mut Vec<JavaPointer> = v;
                    for p in ptrs {
                        if !v.contains(&p) {
                            v.push(p);
                        }
                    }
                }
                None => out.push((tx, ptrs)),
            }
        }
    }
    Ok(out)
}

/// Reads `checkpoint`, `checkpoint.meta` and the in-flight files. `Err` means Flume would find
/// the checkpoint bad and replay every log from the start. `Ok(None)`: there is no checkpoint.
pub fn read_checkpoint(dir: &Path) -> Result<Option<CheckpointState>, String> {
    let path = dir.join("checkpoint");
    let meta_path = dir.join("checkpoint.meta");
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if meta_path.exists() {
                return Err("checkpoint.meta exists but checkpoint does not".into());
            }
            return Ok(None);
        }
        Err(e) => return Err(io_err(&path, e)),
    };
    let len = file.metadata().map_err(|e| io_err(&path, e))?.len();
    if len == 0 {
        return Ok(None);
    }
    if len % 8 != 0 || len / 8 <= HEADER_LONGS {
        return Err(format!(
            "{}: {len} bytes is not a checkpoint",
            path.display()
        ));
    }
    let capacity = len / 8 - HEADER_LONGS;
    let header = read_exact_at(&file, &path, 0, 8 * 5, len)?;
    let version = be_long(&header[(INDEX_VERSION * 8) as usize..]);
    let write_order_id = be_long(&header[(INDEX_WRITE_ORDER_ID * 8) as usize..]);
    let marker = be_long(&header[(INDEX_CHECKPOINT_MARKER * 8) as usize..]);
    if version == VERSION_2 && !meta_path.exists() {
        return Err(unsupported_v2(&path));
    }
    if version != VERSION_3 {
        return Err(format!("{}: version {version}, expected 3", path.display()));
    }
    if marker != 0 {
        return Err(
            "the checkpoint was not completed (the agent stopped while checkpointing)".into(),
        );
    }
    let meta: proto::Checkpoint = read_delimited(&meta_path)?;
    if meta.version as i64 != VERSION_3 {
        return Err(format!("{}: version {}", meta_path.display(), meta.version));
    }
    if meta.write_order_id != write_order_id {
        return Err(format!(
            "checkpoint and checkpoint.meta have differing write-order ids {write_order_id} and {}",
            meta.write_order_id
        ));
    }
    let (size, head) = (meta.queue_size as i64, meta.queue_head as i64);
    if size < 0 || size as u64 > capacity || head < 0 || head as u64 >= capacity.max(1) {
        return Err(format!(
            "{}: queue size {size} / head {head} do not fit capacity {capacity}",
            meta_path.display()
        ));
    }
    // The ring, read in one pass (its size is bounded by the file's).
    let mut ring = Vec::new();
    BufReader::new(&file)
        .take(len)
        .read_to_end(&mut ring)
        .map_err(|e| io_err(&path, e))?;
    let ring_start = (HEADER_LONGS * 8) as usize;
    let mut queue = Vec::with_capacity(size as usize);
    for i in 0..size as u64 {
        let slot = (head as u64 + i) % capacity;
        let at = ring_start + (slot * 8) as usize;
        let v = ring
            .get(at..at + 8)
            .map(be_long)
            .ok_or_else(|| format!("{}: truncated", path.display()))?;
        queue.push(JavaPointer::from_long(v));
    }
    let read_inflight = |name: &str| -> Result<Vec<(i64, Vec<JavaPointer>)>, String> {
        let p = dir.join(name);
        match std::fs::metadata(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io_err(&p, e)),
            Ok(m) if m.len() > len.saturating_mul(4).max(1 << 20) => Err(format!(
                "{}: {} bytes is more than a channel of capacity {capacity} can have in flight",
                p.display(),
                m.len()
            )),
            Ok(_) => {
                let bytes = std::fs::read(&p).map_err(|e| io_err(&p, e))?;
                parse_inflights(&bytes).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    };
    Ok(Some(CheckpointState {
        write_order_id,
        capacity,
        queue,
        inflight_puts: read_inflight("inflightputs")?,
        inflight_takes: read_inflight("inflighttakes")?,
    }))
}

fn unsupported_v2(path: &Path) -> String {
    format!(
        "{} is a version 2 (Flume ≤ 1.3) file channel; only version 3 can be taken over: start Java Flume 1.9 on it once (it upgrades the files) or drain it with Java Flume",
        path.display()
    )
}

/// `log-N.meta`: where to start reading `log-N` for a checkpoint of `checkpoint_woid`.
pub struct LogMeta {
    pub file_id: i32,
    pub start: u64,
}

pub fn read_log_meta(log: &Path, checkpoint_woid: i64) -> Result<LogMeta, String> {
    let meta_path = PathBuf::from(format!("{}.meta", log.display()));
    if !meta_path.exists() {
        return Err(unsupported_v2(log));
    }
    let meta: proto::LogFileMetaData = read_delimited(&meta_path)?;
    if meta.encryption.is_some() {
        return Err(format!(
            "{} is encrypted (encryption.* was set for this channel in Java Flume); flume-rs cannot read Java key stores, so it cannot take this channel over: drain it with Java Flume first",
            log.display()
        ));
    }
    if meta.version as i64 == VERSION_2 {
        return Err(unsupported_v2(log));
    }
    if meta.version as i64 != VERSION_3 {
        return Err(format!("{}: version {}", meta_path.display(), meta.version));
    }
    if meta.log_file_id < 0 {
        return Err(format!(
            "{}: log file id {}",
            meta_path.display(),
            meta.log_file_id
        ));
    }
    // LogFile.SequentialReader.skipToLastCheckpointPosition
    let mut start = 0i64;
    if meta.checkpoint_position > 0 {
        let backup_pos = meta.backup_checkpoint_position.unwrap_or(0);
        let backup_woid = meta.backup_checkpoint_write_order_id.unwrap_or(0);
        if meta.checkpoint_write_order_id <= checkpoint_woid {
            start = meta.checkpoint_position;
        } else if backup_woid <= checkpoint_woid && backup_pos > 0 {
            start = backup_pos;
        }
    }
    Ok(LogMeta {
        file_id: meta.log_file_id,
        start: start.max(0) as u64,
    })
}

/// Reads the records of one log file in order.
pub struct LogReader {
    path: PathBuf,
    file_id: i32,
    reader: BufReader<File>,
    pos: u64,
    len: u64,
    /// Set when reading ended at something that is not a clean end.
    pub damage: Option<(u64, String)>,
}

impl LogReader {
    pub fn open(path: &Path, file_id: i32, start: u64) -> Result<LogReader, String> {
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let len = file.metadata().map_err(|e| io_err(path, e))?.len();
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let start = start.min(len);
        reader
            .seek(SeekFrom::Start(start))
            .map_err(|e| io_err(path, e))?;
        Ok(LogReader {
            path: path.to_path_buf(),
            file_id,
            reader,
            pos: start,
            len,
            damage: None,
        })
    }

    fn read_n(&mut self, n: u64) -> Result<Vec<u8>, String> {
        if self.pos + n > self.len {
            return Err(format!("record of {n} bytes runs past the end of the file"));
        }
        let mut buf = vec![0u8; n as usize];
        self.reader
            .read_exact(&mut buf)
            .map_err(|e| e.to_string())?;
        self.pos += n;
        Ok(buf)
    }

    /// The next record and its offset; `None` at the end (clean or not: see `damage`).
    pub fn next_record(&mut self) -> Option<(u32, Record)> {
        loop {
            if self.pos >= self.len {
                return None;
            }
            let offset = self.pos;
            let op = match self.read_n(1) {
                Ok(b) => b[0],
                Err(e) => {
                    self.damage = Some((offset, e));
                    return None;
                }
            };
            match op {
                OP_EOF => return None,
                OP_RECORD | OP_NOOP => {}
                other => {
                    self.damage = Some((offset, format!("unknown operation byte {other:#04x}")));
                    return None;
                }
            }
            let body = self.read_n(4).and_then(|b| {
                let n = i32::from_be_bytes(b[..4].try_into().expect("4 bytes"));
                if n < 0 {
                    return Err(format!("negative record length {n}"));
                }
                self.read_n(n as u64)
            });
            let body = match body {
                Ok(b) => b,
                Err(e) => {
                    self.damage = Some((offset, e));
                    return None;
                }
            };
            if op == OP_NOOP {
                continue;
            }
            if offset > i32::MAX as u64 {
                self.damage = Some((offset, "offset beyond 2 GiB".into()));
                return None;
            }
            match decode_record(&body) {
                Ok(r) => return Some((offset as u32, r)),
                Err(e) => {
                    self.damage = Some((offset, e));
                    return None;
                }
            }
        }
    }
}

/// Reads one event by its pointer.
pub fn read_event(file: &File, path: &Path, offset: u64) -> Result<Event, String> {
    let len = file.metadata().map_err(|e| io_err(path, e))?.len();
    let head = read_exact_at(file, path, offset, 5, len)?;
    if head[0] == OP_NOOP {
        return Err(format!(
            "{} at {offset}: the event was marked unreadable by Java Flume",
            path.display()
        ));
    }
    if head[0] != OP_RECORD {
        return Err(format!("{} at {offset}: no record there", path.display()));
    }
    let n = i32::from_be_bytes(head[1..5].try_into().expect("4 bytes"));
    if n < 0 {
        return Err(format!(
            "{} at {offset}: negative record length",
            path.display()
        ));
    }
    let body = read_exact_at(file, path, offset + 5, n as u64, len)?;
    match decode_record(&body).map_err(|e| format!("{} at {offset}: {e}", path.display()))? {
        Record {
            kind: RecordKind::Put(e),
            ..
        } => Ok(*e),
        _ => Err(format!("{} at {offset}: not a put record", path.display())),
    }
}

/// Flume's queue during replay: order kept, removal anywhere.
#[derive(Default)]
struct ReplayQueue {
    items: VecDeque<JavaPointer>,
    live: HashSet<JavaPointer>,
}

impl ReplayQueue {
    fn add_tail(&mut self, p: JavaPointer) {
        if self.live.insert(p) {
            self.items.push_back(p);
        }
    }

    fn add_head(&mut self, p: JavaPointer) {
        if self.live.insert(p) {
            self.items.push_front(p);
        }
    }

    fn remove(&mut self, p: JavaPointer) -> bool {
        // Removed pointers stay in `items` until the end and are skipped then.
        self.live.remove(&p)
    }

    fn into_vec(mut self) -> Vec<JavaPointer> {
        self.items
            .drain(..)
            .filter(|p| self.live.remove(p))
            .collect()
    }
}

struct Pending {
    woid: i64,
    reader: usize,
    offset: u32,
    record: Record,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.woid == o.woid && self.reader == o.reader
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    /// Reversed: the heap pops the lowest write-order id first.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.woid.cmp(&self.woid).then(o.reader.cmp(&self.reader))
    }
}

/// Rebuild the queue of a Java channel (see the module documentation).
pub fn replay(layout: &JavaLayout) -> Result<JavaQueue, String> {
    let mut out = JavaQueue::default();
    let checkpoint = match read_checkpoint(&layout.checkpoint_dir) {
        Ok(c) => c,
        Err(why) if why.contains("version 2") => return Err(why),
        Err(why) => {
            out.checkpoint_problem = Some(why);
            None
        }
    };
    let (mut queue, last, inflight_puts, mut inflight_takes) = match checkpoint {
        Some(c) => {
            out.from_checkpoint = true;
            let mut q = ReplayQueue::default();
            for p in c.queue {
                q.add_tail(p);
            }
            (q, c.write_order_id, c.inflight_puts, c.inflight_takes)
        }
        None => (ReplayQueue::default(), 0, Vec::new(), Vec::new()),
    };
    let mut tx_map: HashMap<i64, Vec<JavaPointer>> = HashMap::new();
    for (tx, ptrs) in inflight_puts {
        tx_map.entry(tx).or_default().extend(ptrs);
    }
    let mut readers = Vec::new();
    let mut heap = BinaryHeap::new();
    for (id, path) in &layout.logs {
        let meta = read_log_meta(path, last)?;
        if meta.file_id != *id {
            return Err(format!(
                "{}: its meta file names log {}",
                path.display(),
                meta.file_id
            ));
        }
        let mut r = LogReader::open(path, *id, meta.start)?;
        if let Some((offset, record)) = r.next_record() {
            heap.push(Pending {
                woid: record.write_order_id,
                reader: readers.len(),
                offset,
                record,
            });
        }
        readers.push(r);
    }
    let mut pending_takes: HashSet<JavaPointer> = HashSet::new();
    while let Some(p) = heap.pop() {
        let reader = &mut readers[p.reader];
        let file_id = reader.file_id;
        if let Some((offset, record)) = reader.next_record() {
            heap.push(Pending {
                woid: record.write_order_id,
                reader: p.reader,
                offset,
                record,
            });
        }
        out.records_read += 1;
        let record = p.record;
        if record.write_order_id <= last {
            out.records_skipped += 1;
            continue;
        }
        let tx = record.transaction_id;
        match record.kind {
            RecordKind::Put(_) => tx_map.entry(tx).or_default().push(JavaPointer {
                file: file_id,
                offset: p.offset as i32,
            }),
            RecordKind::Take(ptr) => tx_map.entry(tx).or_default().push(ptr),
            RecordKind::Rollback => {
                tx_map.remove(&tx);
            }
            RecordKind::Commit { of } => {
                let mut ptrs = tx_map.remove(&tx).unwrap_or_default();
                if of == TYPE_TAKE
                    && let Some(i) = inflight_takes.iter().position(|(t, _)| *t == tx)
                {
                    ptrs.extend(inflight_takes.swap_remove(i).1);
                }
                match of {
                    TYPE_PUT => {
                        for ptr in ptrs {
                            queue.add_tail(ptr);
                            if pending_takes.remove(&ptr) {
                                queue.remove(ptr);
                            }
                        }
                    }
                    TYPE_TAKE => {
                        for ptr in ptrs {
                            if !queue.remove(ptr) {
                                pending_takes.insert(ptr);
                            }
                        }
                    }
                    other => {
                        return Err(format!(
                            "{}: commit of unknown record type {other}",
                            readers[p.reader].path.display()
                        ));
                    }
                }
            }
        }
    }
    for r in &readers {
        if let Some((offset, why)) = &r.damage {
            out.damaged.push((r.path.clone(), *offset, why.clone()));
        }
    }
    // Takes in flight at the checkpoint and never committed: back at the head. Flume puts them
    // back in hash-set order; here in log order (file, offset), which is the order they were
    // put in within each log file.
    let mut restored: Vec<JavaPointer> = inflight_takes.into_iter().flat_map(|(_, v)| v).collect();
    restored.sort();
    restored.dedup();
    out.restored_inflight_takes = restored.len();
    for p in restored.into_iter().rev() {
        queue.add_head(p);
    }
    out.pending_takes = pending_takes.len();
    out.queue = queue.into_vec();
    Ok(out)
}

/// Opened log files, to read events by pointer.
pub struct EventSource {
    files: HashMap<i32, (PathBuf, File)>,
}

impl EventSource {
    pub fn open(layout: &JavaLayout) -> Result<EventSource, String> {
        let mut files = HashMap::new();
        for (id, path) in &layout.logs {
            let f = File::open(path).map_err(|e| io_err(path, e))?;
            files.insert(*id, (path.clone(), f));
        }
        Ok(EventSource { files })
    }

    pub fn get(&self, p: JavaPointer) -> Result<Event, String> {
        let (path, file) = self.files.get(&p.file).ok_or_else(|| {
            format!(
                "log-{} is missing (an event queued in it cannot be read)",
                p.file
            )
        })?;
        if p.offset < 0 {
            return Err(format!("{}: negative offset {}", path.display(), p.offset));
        }
        read_event(file, path, p.offset as u64)
    }
}

#[cfg(test)]
pub(crate) mod tests;
