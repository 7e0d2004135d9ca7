//! One followed file (`TailFile`): its open handle, committed position and read-ahead buffer.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::time::UNIX_EPOCH;

use bytes::{Bytes, BytesMut};

const BUFFER: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TaildirError {
    #[error("{0}")]
    Start(String),
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

pub(super) fn io_err(path: &str) -> impl FnOnce(io::Error) -> TaildirError + '_ {
    move |source| TaildirError::Io {
        path: path.to_string(),
        source,
    }
}

pub(super) fn mtime_ms(meta: &std::fs::Metadata) -> i64 {
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
    pub(super) group: usize,
    pub(super) file: Option<File>,
    /// Committed position: just after the last line the channel accepted.
    pub pos: u64,
    pub(super) last_updated: i64,
    pub(super) need_tail: bool,
    /// Matched by its group's pattern in the latest listing.
    pub(super) matched: bool,
    /// Read-ahead; event bodies are slices of it (no copy per line).
    pub(super) buf: Bytes,
    /// File offset of `buf[0]`.
    pub(super) buf_start: u64,
    pub(super) cursor: usize,
}

/// A line read from a file: its body and the offset where it starts.
pub(super) struct Line {
    pub(super) body: Bytes,
    pub(super) offset: u64,
}

impl TailFile {
    pub(super) fn open(
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

    pub(super) fn reopen(&mut self) -> Result<(), TaildirError> {
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
    pub(super) fn read_pos(&self) -> u64 {
        self.buf_start + self.cursor as u64
    }

    /// `updateFilePos`: read again from `pos`.
    pub(super) fn seek_to(&mut self, pos: u64) -> Result<(), TaildirError> {
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
    pub(super) fn set_pos(&mut self, pos: u64) -> Result<(), TaildirError> {
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
    pub(super) fn open_len(&self) -> Option<u64> {
        self.file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map(|m| m.len())
    }

    /// The next line; a last line without `\n` only when `backoff_without_nl` is false.
    pub(super) fn read_line(
        &mut self,
        backoff_without_nl: bool,
    ) -> Result<Option<Line>, TaildirError> {
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

    pub(super) fn close(&mut self) {
        self.file = None;
        self.buf = Bytes::new();
        self.buf_start = self.pos;
        self.cursor = 0;
    }
}
