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

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::java::regex::JavaRegex;
use crate::metrics::{MetricSource, SourceCounter, now_millis};
use crate::source::spooldir::java_file_path;
use crate::source::{ChannelProcessor, Source, SourceContext, SourceError};

const BUFFER: usize = 64 * 1024;
/// Flume's idle check period and first position-file write delay.
const CHECK_IDLE_INTERVAL: Duration = Duration::from_millis(5000);
const WRITE_POS_INIT_DELAY: Duration = Duration::from_millis(5000);

#[derive(Debug)]
pub struct FileGroup {
    pub name: String,
    /// The directory part, literal.
    pub dir: PathBuf,
    /// The file-name part, a Java regex matched against the whole name.
    pub pattern: JavaRegex,
    pub pattern_text: String,
    pub headers: Vec<(String, String)>,
}

/// Every key of the taildir source, with Flume's defaults.
#[derive(Debug)]
pub struct TaildirConfig {
    pub groups: Vec<FileGroup>,
    pub position_file: PathBuf,
    pub skip_to_end: bool,
    pub byte_offset_header: bool,
    pub idle_timeout: Duration,
    pub write_pos_interval: Duration,
    pub batch_size: usize,
    pub max_batch_count: u64,
    pub backoff_increment: Duration,
    pub max_backoff: Duration,
    pub cache_pattern_matching: bool,
    pub file_header: Option<String>,
}

impl TaildirConfig {
    pub fn from_context(ctx: &Context, env: &BuildEnv) -> Result<TaildirConfig, ConfigError> {
        let groups_text = ctx
            .get("filegroups")
            .map(str::to_string)
            .ok_or_else(|| ctx.error("filegroups", "Missing param: filegroups"))?;
        let mut header_table: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let headers = ctx.sub("headers.");
        for key in headers.keys() {
            let Some((group, header)) = key.split_once('.') else {
                return Err(headers.error(&key, "expected headers.<group>.<header>"));
            };
            let value = headers.string(&key, "");
            header_table
                .entry(group.to_string())
                .or_default()
                .push((header.to_string(), value));
        }
        let mut groups = Vec::new();
        let sub = ctx.sub("filegroups.");
        for name in groups_text.split_whitespace() {
            let Some(path) = sub.get(name).map(str::to_string) else {
                continue;
            };
            let path = java_file_path(&path);
            let (dir, pattern_text) = match path.rfind('/') {
                Some(0) => ("/".to_string(), path[1..].to_string()),
                Some(i) => (path[..i].to_string(), path[i + 1..].to_string()),
                None => (".".to_string(), path.clone()),
            };
            let pattern = JavaRegex::new(&pattern_text).map_err(|e| {
                sub.error(
                    name,
                    format!("the file name part must be a Java regular expression: {e}"),
                )
            })?;
            groups.push(FileGroup {
                name: name.to_string(),
                dir: PathBuf::from(dir),
                pattern,
                pattern_text,
                headers: header_table.get(name).cloned().unwrap_or_default(),
            });
        }
        if groups.is_empty() {
            return Err(ctx.error(
                "filegroups",
                "Mapping for tailing files is empty or invalid: 'filegroups.'",
            ));
        }
        let home = env
            .sysprops
            .get("user.home")
            .cloned()
            .or_else(|| std::env::var("HOME").ok())
            .unwrap_or_else(|| "/root".to_string());
        let default_position = format!("{home}/.flume/taildir_position.json");
        let position_file = PathBuf::from(ctx.string("positionFile", &default_position));
        let millis = |key: &str, default: i64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(
                u64::try_from(ctx.long(key, default)?).unwrap_or(0),
            ))
        };
        let batch_size = ctx.int("batchSize", 100)?;
        if batch_size <= 0 {
            return Err(ctx.error("batchSize", "batchSize must be greater than 0"));
        }
        let max_batch_count = ctx.long("maxBatchCount", i64::MAX)?;
        if max_batch_count <= 0 {
            return Err(ctx.error("maxBatchCount", "maxBatchCount must be greater than 0"));
        }
        Ok(TaildirConfig {
            groups,
            position_file,
            skip_to_end: ctx.bool("skipToEnd", false),
            byte_offset_header: ctx.bool("byteOffsetHeader", false),
            idle_timeout: millis("idleTimeout", 120_000)?,
            write_pos_interval: millis("writePosInterval", 3000)?,
            batch_size: batch_size as usize,
            max_batch_count: max_batch_count as u64,
            backoff_increment: millis("backoffSleepIncrement", 1000)?,
            max_backoff: millis("maxBackoffSleep", 5000)?,
            cache_pattern_matching: ctx.bool("cachePatternMatching", true),
            file_header: ctx
                .bool("fileHeader", false)
                .then(|| ctx.string("fileHeaderKey", "file")),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TaildirError {
    #[error("{0}")]
    Start(String),
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

fn io_err(path: &str) -> impl FnOnce(io::Error) -> TaildirError + '_ {
    move |source| TaildirError::Io {
        path: path.to_string(),
        source,
    }
}

fn mtime_ms(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One followed file (`TailFile`).
pub struct TailFile {
    pub path: String,
    pub inode: u64,
    group: usize,
    file: Option<File>,
    /// Committed position: just after the last line the channel accepted.
    pub pos: u64,
    last_updated: i64,
    need_tail: bool,
    /// Matched by its group's pattern in the latest listing.
    matched: bool,
    /// Read-ahead; event bodies are slices of it (no copy per line).
    buf: Bytes,
    /// File offset of `buf[0]`.
    buf_start: u64,
    cursor: usize,
}

/// A line read from a file: its body and the offset where it starts.
struct Line {
    body: Bytes,
    offset: u64,
}

impl TailFile {
    fn open(
        path: String,
        inode: u64,
        group: usize,
        pos: u64,
        now: i64,
    ) -> Result<TailFile, TaildirError> {
        tracing::info!("Opening file: {path}, inode: {inode}, pos: {pos}");
        let mut tf = TailFile {
            file: None,
            path,
            inode,
            group,
            pos,
            last_updated: now,
            need_tail: true,
            matched: false,
            buf: Bytes::new(),
            buf_start: pos,
            cursor: 0,
        };
        tf.reopen()?;
        Ok(tf)
    }

    fn reopen(&mut self) -> Result<(), TaildirError> {
        let mut file = File::open(&self.path).map_err(io_err(&self.path))?;
        file.seek(SeekFrom::Start(self.pos))
            .map_err(io_err(&self.path))?;
        self.file = Some(file);
        self.buf = Bytes::new();
        self.buf_start = self.pos;
        self.cursor = 0;
        Ok(())
    }

    /// Where the next line starts.
    fn read_pos(&self) -> u64 {
        self.buf_start + self.cursor as u64
    }

    /// `updateFilePos`: read again from `pos`.
    fn seek_to(&mut self, pos: u64) -> Result<(), TaildirError> {
        let end = self.buf_start + self.buf.len() as u64;
        if pos >= self.buf_start && pos <= end {
            self.cursor = (pos - self.buf_start) as usize;
            return Ok(());
        }
        if let Some(f) = self.file.as_mut() {
            f.seek(SeekFrom::Start(pos)).map_err(io_err(&self.path))?;
        }
        self.buf = Bytes::new();
        self.buf_start = pos;
        self.cursor = 0;
        Ok(())
    }

    /// `updatePos`: a new committed position; whatever was buffered is dropped (the file may
    /// have been truncated).
    fn set_pos(&mut self, pos: u64) -> Result<(), TaildirError> {
        self.pos = pos;
        self.buf = Bytes::new();
        self.buf_start = pos;
        self.cursor = 0;
        if let Some(f) = self.file.as_mut() {
            f.seek(SeekFrom::Start(pos)).map_err(io_err(&self.path))?;
        }
        Ok(())
    }

    /// Size of the open file (through the handle, so a renamed or deleted file still counts).
    fn open_len(&self) -> Option<u64> {
        self.file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map(|m| m.len())
    }

    /// The next line; a last line without `\n` only when `backoff_without_nl` is false.
    fn read_line(&mut self, backoff_without_nl: bool) -> Result<Option<Line>, TaildirError> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.cursor..]) {
                let start = self.cursor;
                let end = start + i;
                let body_end = if end > start && self.buf[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                let line = Line {
                    body: self.buf.slice(start..body_end),
                    offset: self.buf_start + start as u64,
                };
                self.cursor = end + 1;
                return Ok(Some(line));
            }
            let Some(file) = self.file.as_mut() else {
                return Ok(None);
            };
            // A fresh buffer: the unread rest of the old one, then what the file has now.
            let left = &self.buf[self.cursor..];
            let mut next = BytesMut::with_capacity(left.len() + BUFFER);
            next.extend_from_slice(left);
            self.buf_start += self.cursor as u64;
            self.cursor = 0;
            let old = next.len();
            next.resize(old + BUFFER, 0);
            let n = loop {
                match file.read(&mut next[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        next.truncate(old);
                        self.buf = next.freeze();
                        return Err(io_err(&self.path)(e));
                    }
                }
            };
            next.truncate(old + n);
            self.buf = next.freeze();
            if n > 0 {
                continue;
            }
            // End of file for now.
            if self.cursor == self.buf.len() {
                return Ok(None);
            }
            if backoff_without_nl {
                tracing::debug!(
                    "Backing off in file without newline: {}, inode: {}, pos: {}",
                    self.path,
                    self.inode,
                    self.read_pos()
                );
                return Ok(None);
            }
            let line = Line {
                body: self.buf.slice(self.cursor..),
                offset: self.read_pos(),
            };
            self.cursor = self.buf.len();
            return Ok(Some(line));
        }
    }

    fn close(&mut self) {
        self.file = None;
        self.buf = Bytes::new();
        self.buf_start = self.pos;
        self.cursor = 0;
    }
}

/// Gson's string escaping (HTML-safe, as `new Gson()` writes).
fn gson_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '=' | '\'' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The position file text: `[{"inode":…,"pos":…,"file":"…"},…]`, no spaces, no newline.
pub fn position_json<'a>(entries: impl IntoIterator<Item = (u64, u64, &'a str)>) -> String {
    let mut out = String::from("[");
    for (i, (inode, pos, file)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"inode\":{inode},\"pos\":{pos},\"file\":"));
        gson_string(&mut out, file);
        out.push('}');
    }
    out.push(']');
    out
}

/// One entry of a position file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionEntry {
    pub inode: u64,
    pub pos: u64,
    pub file: String,
}

/// Reads a position file as Gson's `JsonReader` does (numbers may also be quoted).
pub fn parse_positions(text: &str) -> Result<Vec<PositionEntry>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let array = value.as_array().ok_or("expected a JSON array")?;
    let number = |v: &serde_json::Value| -> Option<u64> {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    };
    let mut out = Vec::new();
    for entry in array {
        let inode = number(&entry["inode"]);
        let pos = number(&entry["pos"]);
        let file = entry["file"].as_str().map(str::to_string);
        match (inode, pos, file) {
            (Some(inode), Some(pos), Some(file)) => out.push(PositionEntry { inode, pos, file }),
            (inode, pos, file) => {
                return Err(format!(
                    "Detected missing value in position file. inode: {inode:?}, pos: {pos:?}, path: {file:?}"
                ));
            }
        }
    }
    Ok(out)
}

/// A group's cached directory listing (`TaildirMatcher`).
#[derive(Default)]
struct MatchCache {
    last_seen_dir_mtime: i64,
    last_checked: i64,
    files: Vec<(String, u64, i64)>,
}

/// `ReliableTaildirEventReader`.
pub struct TaildirReader {
    cfg: Arc<TaildirConfig>,
    files: HashMap<u64, TailFile>,
    /// Inodes in the order they were matched in the last listing (position-file order).
    order: Vec<u64>,
    caches: Vec<MatchCache>,
    update_time: i64,
    current: Option<u64>,
    committed: bool,
}

impl TaildirReader {
    /// Opens every matching file (at its end with `skipToEnd`), then applies the position file.
    pub fn new(cfg: Arc<TaildirConfig>) -> Result<TaildirReader, TaildirError> {
        for g in &cfg.groups {
            if !g.dir.is_dir() {
                let abs = std::path::absolute(&g.dir).unwrap_or_else(|_| g.dir.clone());
                return Err(TaildirError::Start(format!(
                    "Directory does not exist: {}",
                    abs.display()
                )));
            }
        }
        if let Some(parent) = cfg.position_file.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                TaildirError::Start(format!(
                    "Error creating positionFile parent directories: {e}"
                ))
            })?;
        }
        let mut reader = TaildirReader {
            caches: cfg.groups.iter().map(|_| MatchCache::default()).collect(),
            cfg,
            files: HashMap::new(),
            order: Vec::new(),
            update_time: 0,
            current: None,
            committed: true,
        };
        let skip = reader.cfg.skip_to_end;
        reader.update_tail_files(skip)?;
        tracing::info!(
            "Updating position from position file: {}",
            reader.cfg.position_file.display()
        );
        reader.load_position_file()?;
        Ok(reader)
    }

    pub fn files(&self) -> &HashMap<u64, TailFile> {
        &self.files
    }

    fn load_position_file(&mut self) -> Result<(), TaildirError> {
        let path = self.cfg.position_file.clone();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tracing::info!("File not found: {}, not updating position", path.display());
                return Ok(());
            }
            Err(e) => {
                tracing::error!("Failed loading positionFile: {}: {e}", path.display());
                return Ok(());
            }
        };
        if text.trim().is_empty() {
            return Ok(());
        }
        let entries = parse_positions(&text).map_err(|e| {
            TaildirError::Start(format!(
                "Failed loading positionFile: {}: {e}",
                path.display()
            ))
        })?;
        let now = now_millis();
        for entry in entries {
            let PositionEntry { inode, pos, file } = entry;
            if let Some(tf) = self.files.get_mut(&inode) {
                if tf.path == file {
                    tf.set_pos(pos)?;
                    tracing::info!("Updated position, file: {file}, inode: {inode}, pos: {pos}");
                    continue;
                }
                // Renamed while the agent was down: same directory, and the old name now
                // holds another file (or nothing).
                let same_dir = Path::new(&tf.path).parent() == Path::new(&file).parent();
                let old_name_moved = std::fs::metadata(&file)
                    .map(|m| m.ino() != inode)
                    .unwrap_or(true);
                let long_enough = tf.open_len().is_some_and(|len| len >= pos);
                if same_dir && old_name_moved && long_enough {
                    tracing::info!(
                        "Updated position, file: {} (was {file}), inode: {inode}, pos: {pos}",
                        tf.path
                    );
                    tf.set_pos(pos)?;
                    continue;
                }
                tracing::info!("Missing file: {file}, inode: {inode}, pos: {pos}");
                continue;
            }
            // Not matched any more: look for the inode next to its old name, to finish it.
            if let Some(found) = find_inode_near(&file, inode) {
                let len = std::fs::metadata(&found).map(|m| m.len()).unwrap_or(0);
                if len >= pos {
                    let found = found.to_string_lossy().into_owned();
                    tracing::info!(
                        "Finishing rotated file: {found} (was {file}), inode: {inode}, pos: {pos}"
                    );
                    let tf = TailFile::open(found, inode, 0, pos, now)?;
                    self.files.insert(inode, tf);
                    continue;
                }
            }
            tracing::info!("Missing file: {file}, inode: {inode}, pos: {pos}");
        }
        Ok(())
    }

    /// The files of a group, oldest modification first (`TaildirMatcher.getMatchingFiles`).
    fn matching_files(&mut self, group: usize) -> Vec<(String, u64, i64)> {
        let g = &self.cfg.groups[group];
        let cache = &mut self.caches[group];
        let now = now_millis() / 1000 * 1000;
        let dir_mtime = std::fs::metadata(&g.dir).map(|m| mtime_ms(&m)).unwrap_or(0);
        if self.cfg.cache_pattern_matching
            && cache.last_seen_dir_mtime >= dir_mtime
            && dir_mtime < cache.last_checked
        {
            return cache.files.clone();
        }
        let abs_dir = std::path::absolute(&g.dir).unwrap_or_else(|_| g.dir.clone());
        let mut files = Vec::new();
        match std::fs::read_dir(&g.dir) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !g.pattern.matches(&name).unwrap_or(false) {
                        continue;
                    }
                    let path = abs_dir.join(entry.file_name());
                    let Ok(meta) = std::fs::metadata(&path) else {
                        continue;
                    };
                    if meta.is_dir() {
                        continue;
                    }
                    files.push((
                        path.to_string_lossy().into_owned(),
                        meta.ino(),
                        mtime_ms(&meta),
                    ));
                }
            }
            Err(error) => {
                tracing::error!(
                    "I/O exception occurred while listing parent directory. Files already matched will be returned. {}: {error}",
                    g.dir.display()
                );
                return cache.files.clone();
            }
        }
        files.sort_by_key(|(_, _, m)| *m);
        cache.files = files.clone();
        cache.last_seen_dir_mtime = dir_mtime;
        cache.last_checked = now;
        files
    }

    /// `updateTailFiles`: open new files, note which ones grew; returns the inodes to visit.
    pub fn update_tail_files(&mut self, skip_to_end: bool) -> Result<Vec<u64>, TaildirError> {
        self.update_time = now_millis();
        let now = self.update_time;
        for tf in self.files.values_mut() {
            tf.matched = false;
        }
        let mut visit = Vec::new();
        for group in 0..self.cfg.groups.len() {
            for (path, _, _) in self.matching_files(group) {
                // Fresh stat: the cached listing may be older than the file.
                let meta = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(_) => {
                        tracing::info!("File has been deleted in the meantime: {path}");
                        continue;
                    }
                };
                let inode = meta.ino();
                let len = meta.len();
                let follow = match self.files.get_mut(&inode) {
                    Some(tf) if tf.path == path => true,
                    Some(tf) if tf.file.is_some() => {
                        tracing::info!(
                            "File renamed: {} -> {path}, inode: {inode}, pos: {}",
                            tf.path,
                            tf.pos
                        );
                        tf.path = path.clone();
                        true
                    }
                    _ => false,
                };
                if !follow {
                    let start = if skip_to_end { len } else { 0 };
                    let tf = TailFile::open(path.clone(), inode, group, start, now)?;
                    self.files.insert(inode, tf);
                } else if let Some(tf) = self.files.get_mut(&inode) {
                    let updated = tf.last_updated < mtime_ms(&meta) || tf.pos != len;
                    if updated {
                        if tf.file.is_none() {
                            tracing::info!("Opening file: {path}, inode: {inode}, pos: {}", tf.pos);
                            tf.reopen()?;
                        }
                        if len < tf.pos {
                            tracing::info!(
                                "Pos {} is larger than file size! Restarting from pos 0, file: {path}, inode: {inode}",
                                tf.pos
                            );
                            tf.set_pos(0)?;
                        }
                    }
                    tf.need_tail = updated;
                }
                if let Some(tf) = self.files.get_mut(&inode) {
                    if !tf.matched {
                        visit.push(inode);
                    }
                    tf.matched = true;
                    tf.group = group;
                }
            }
        }
        self.order = visit.clone();
        // Files renamed away or deleted while open: read on until their end.
        for (inode, tf) in self.files.iter_mut() {
            if !tf.matched && tf.file.is_some() {
                tf.need_tail = tf
                    .open_len()
                    .is_some_and(|len| len != tf.read_pos() || len != tf.pos);
                visit.push(*inode);
            }
        }
        Ok(visit)
    }

    /// Up to `n` events from `inode` (after an uncommitted read, from the committed position).
    pub fn read_events(
        &mut self,
        inode: u64,
        n: usize,
        backoff_without_nl: bool,
    ) -> Result<Vec<Event>, TaildirError> {
        if !self.committed
            && let Some(current) = self.current.and_then(|c| self.files.get_mut(&c))
        {
            tracing::info!("Last read was never committed - resetting position");
            let pos = current.pos;
            current.seek_to(pos)?;
        }
        self.current = Some(inode);
        let Some(tf) = self.files.get_mut(&inode) else {
            return Ok(Vec::new());
        };
        let group = &self.cfg.groups[tf.group.min(self.cfg.groups.len() - 1)];
        let mut events = Vec::new();
        while events.len() < n {
            let Some(line) = tf.read_line(backoff_without_nl)? else {
                break;
            };
            let mut headers = Headers::new();
            if self.cfg.byte_offset_header {
                headers.insert("byteoffset".into(), line.offset.to_string());
            }
            for (k, v) in &group.headers {
                headers.insert(k.clone(), v.clone());
            }
            if let Some(key) = &self.cfg.file_header {
                headers.insert(key.clone(), tf.path.clone());
            }
            events.push(Event::with_headers(headers, line.body));
        }
        if !events.is_empty() {
            self.committed = false;
        }
        Ok(events)
    }

    /// The last read reached the channel: its end becomes the file's position.
    pub fn commit(&mut self) {
        if !self.committed
            && let Some(tf) = self.current.and_then(|c| self.files.get_mut(&c))
        {
            tf.pos = tf.read_pos();
            tf.last_updated = self.update_time;
            self.committed = true;
        }
    }

    /// Files open and not written to for `idleTimeout`.
    pub fn idle_inodes(&self, now: i64) -> Vec<u64> {
        let timeout = self.cfg.idle_timeout.as_millis() as i64;
        self.files
            .iter()
            .filter(|(_, tf)| tf.file.is_some() && tf.last_updated + timeout < now)
            .map(|(inode, _)| *inode)
            .collect()
    }

    pub fn close_file(&mut self, inode: u64) {
        if let Some(tf) = self.files.get_mut(&inode) {
            tf.close();
            tracing::info!("Closed file: {}, inode: {inode}, pos: {}", tf.path, tf.pos);
            if !tf.matched {
                self.files.remove(&inode);
            }
        }
    }

    pub fn is_open(&self, inode: u64) -> bool {
        self.files.get(&inode).is_some_and(|tf| tf.file.is_some())
    }

    pub fn needs_tail(&self, inode: u64) -> bool {
        self.files.get(&inode).is_some_and(|tf| tf.need_tail)
    }

    /// The position file text: the files of the last listing, then files still being finished.
    pub fn positions_json(&self) -> String {
        let matched = self.order.iter().filter_map(|i| self.files.get(i));
        let finishing = self
            .files
            .values()
            .filter(|tf| !tf.matched && tf.file.is_some());
        position_json(
            matched
                .chain(finishing)
                .map(|tf| (tf.inode, tf.pos, tf.path.as_str())),
        )
    }

    /// Writes the position file (atomically); an empty listing writes an empty file, as Flume.
    pub fn write_positions(&self) -> Result<(), TaildirError> {
        let text = if self
            .files
            .values()
            .any(|tf| tf.matched || tf.file.is_some())
        {
            self.positions_json()
        } else {
            String::new()
        };
        let path = &self.cfg.position_file;
        let shown = path.to_string_lossy().into_owned();
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, text).map_err(io_err(&shown))?;
        std::fs::rename(&tmp, path).map_err(io_err(&shown))
    }
}

/// A file with this inode in the directory of `old_path`.
fn find_inode_near(old_path: &str, inode: u64) -> Option<PathBuf> {
    let dir = Path::new(old_path).parent()?;
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.metadata().is_ok_and(|m| m.ino() == inode && m.is_file()))
        .map(|e| e.path())
}

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
        let worker = Worker {
            name: self.name.clone(),
            cfg: Arc::clone(&self.cfg),
            counter: Arc::clone(&self.counter),
            processor: Arc::clone(&cx.processor),
            shutdown: cx.shutdown.clone(),
            handle: Handle::current(),
        };
        tokio::task::spawn_blocking(move || worker.run())
            .await
            .map_err(|e| SourceError::Other(format!("taildir worker failed: {e}")))?
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.cfg.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

struct Worker {
    name: String,
    cfg: Arc<TaildirConfig>,
    counter: Arc<SourceCounter>,
    processor: Arc<ChannelProcessor>,
    shutdown: CancellationToken,
    handle: Handle,
}

/// `process()` outcome.
enum Outcome {
    Ready,
    Backoff,
    Stopped,
}

impl Worker {
    fn sleep(&self, d: Duration) -> bool {
        if d.is_zero() {
            return !self.shutdown.is_cancelled();
        }
        let shutdown = self.shutdown.clone();
        self.handle.block_on(async move {
            tokio::select! {
                _ = shutdown.cancelled() => false,
                _ = tokio::time::sleep(d) => true,
            }
        })
    }

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
        while !self.shutdown.is_cancelled() {
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
                    tracing::error!(source = %self.name, %error, "Unable to tail files");
                    self.counter.event_read_fail.fetch_add(1, Ordering::Relaxed);
                    backoffs = backoffs.saturating_add(1);
                    (self.cfg.backoff_increment * backoffs).min(self.cfg.max_backoff)
                }
            };
            let now = Instant::now();
            if now >= next_pos_write {
                if let Err(error) = reader.write_positions() {
                    tracing::error!(source = %self.name, %error, "Failed writing positionFile");
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
            if !self.sleep(sleep.min(until_timer)) {
                break;
            }
        }
        if let Err(error) = reader.write_positions() {
            tracing::error!(source = %self.name, %error, "Failed writing positionFile");
        }
        tracing::info!("Taildir source {} stopped.", self.name);
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
        let c = &self.counter;
        let mut batches = 0u64;
        let mut retry = Duration::from_millis(1000);
        loop {
            if self.shutdown.is_cancelled() {
                return Ok(None);
            }
            let events = reader.read_events(inode, self.cfg.batch_size, backoff_without_nl)?;
            if events.is_empty() {
                return Ok(Some(false));
            }
            let n = events.len();
            c.event_received.fetch_add(n as u64, Ordering::Relaxed);
            c.append_batch_received.fetch_add(1, Ordering::Relaxed);
            match self.handle.block_on(self.processor.process_batch(events)) {
                Ok(()) => reader.commit(),
                Err(error) => {
                    c.channel_write_fail.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        source = %self.name, %error,
                        "The channel is full or unexpected failure. The source will try again after {} ms",
                        retry.as_millis()
                    );
                    if !self.sleep(retry) {
                        return Ok(None);
                    }
                    retry = (retry * 2).min(Duration::from_millis(5000));
                    continue;
                }
            }
            retry = Duration::from_millis(1000);
            c.event_accepted.fetch_add(n as u64, Ordering::Relaxed);
            c.append_batch_accepted.fetch_add(1, Ordering::Relaxed);
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
mod tests;
