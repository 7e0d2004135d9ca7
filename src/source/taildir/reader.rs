//! `ReliableTaildirEventReader`: matches each group's files, follows them by inode, reads
//! batches of lines and commits positions.

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::event::{Event, Headers};
use crate::metrics::now_millis;

use super::config::TaildirConfig;
use super::positions::{PositionEntry, parse_positions, position_json};
use super::tail_file::{TailFile, TaildirError, io_err, mtime_ms};

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
