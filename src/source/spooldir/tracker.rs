//! Flume's `DurablePositionTracker`: the spooling directory's `.flumespool-main.meta`, an Avro
//! object container file with schema `TransferStateFileMeta{long offset}`, metadata `file` = the
//! path being read, and one block (one record) appended per committed batch. The last record is
//! the resume position. Written byte for byte as Java writes it, so either agent can resume from
//! the other's file (reference §9.2, golden `spooldir-taildir/flumespool-main.meta`).
//!
//! Hand-written rather than `apache_avro::Writer`: that writer adds an `avro.codec` entry Java
//! does not write, and cannot append to an existing file with its sync marker.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const META_FILE_NAME: &str = ".flumespool-main.meta";
pub const SCHEMA: &str = r#"{"type":"record","name":"TransferStateFileMeta","namespace":"org.apache.flume.serialization","fields":[{"name":"offset","type":"long"}]}"#;
const MAGIC: &[u8; 4] = b"Obj\x01";

#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a Flume position tracker file: {reason}")]
    Format { path: PathBuf, reason: String },
}

/// What a meta file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaContents {
    pub target: String,
    pub sync: [u8; 16],
    /// The last complete record; `None` when no position was stored yet.
    pub position: Option<u64>,
}

pub fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

pub fn write_long(out: &mut Vec<u8>, n: i64) {
    let mut v = zigzag(n);
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a zig-zag varint at `*pos`.
pub fn read_long(b: &[u8], pos: &mut usize) -> Option<i64> {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos)?;
        *pos += 1;
        if shift > 63 {
            return None;
        }
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    Some(((v >> 1) as i64) ^ -((v & 1) as i64))
}

fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_long(out, b.len() as i64);
    out.extend_from_slice(b);
}

/// The container header Java writes: magic, `avro.schema` then `file`, no codec, sync.
pub fn header(target: &str, sync: &[u8; 16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(200 + target.len());
    out.extend_from_slice(MAGIC);
    write_long(&mut out, 2);
    write_bytes(&mut out, b"avro.schema");
    write_bytes(&mut out, SCHEMA.as_bytes());
    write_bytes(&mut out, b"file");
    write_bytes(&mut out, target.as_bytes());
    write_long(&mut out, 0);
    out.extend_from_slice(sync);
    out
}

/// One block holding one record.
pub fn block(position: u64, sync: &[u8; 16]) -> Vec<u8> {
    let mut record = Vec::with_capacity(10);
    write_long(&mut record, position as i64);
    let mut out = Vec::with_capacity(32);
    write_long(&mut out, 1);
    write_long(&mut out, record.len() as i64);
    out.extend_from_slice(&record);
    out.extend_from_slice(sync);
    out
}

/// Reads a meta file's contents. A trailing block cut short (a crash mid-append) is ignored.
pub fn parse(bytes: &[u8]) -> Result<MetaContents, String> {
    if bytes.len() < 4 || &bytes[..4] != MAGIC {
        return Err("bad magic".into());
    }
    let mut pos = 4;
    let mut target = None;
    let mut codec = None;
    loop {
        let mut count = read_long(bytes, &mut pos).ok_or("truncated metadata")?;
        if count == 0 {
            break;
        }
        if count < 0 {
            count = -count;
            read_long(bytes, &mut pos).ok_or("truncated metadata")?;
        }
        for _ in 0..count {
            let key = read_string(bytes, &mut pos)?;
            let value = read_string(bytes, &mut pos)?;
            match key.as_str() {
                "file" => target = Some(value),
                "avro.codec" => codec = Some(value),
                _ => {}
            }
        }
    }
    if let Some(c) = codec.filter(|c| c != "null") {
        return Err(format!("unsupported codec {c}"));
    }
    let target = target.ok_or("no \"file\" metadata")?;
    let sync: [u8; 16] = bytes
        .get(pos..pos + 16)
        .and_then(|s| s.try_into().ok())
        .ok_or("no sync marker")?;
    pos += 16;
    let mut position = None;
    while pos < bytes.len() {
        let mut p = pos;
        let Some(count) = read_long(bytes, &mut p) else {
            break;
        };
        let Some(size) = read_long(bytes, &mut p) else {
            break;
        };
        let (Ok(count), Ok(size)) = (usize::try_from(count), usize::try_from(size)) else {
            break;
        };
        let Some(data) = bytes.get(p..p + size) else {
            break;
        };
        if bytes.get(p + size..p + size + 16) != Some(&sync[..]) {
            break;
        }
        let mut d = 0;
        for _ in 0..count {
            match read_long(data, &mut d) {
                Some(v) if v >= 0 => position = Some(v as u64),
                _ => return Err("bad record".into()),
            }
        }
        pos = p + size + 16;
    }
    Ok(MetaContents {
        target,
        sync,
        position,
    })
}

fn read_string(b: &[u8], pos: &mut usize) -> Result<String, String> {
    let len = read_long(b, pos).ok_or("truncated string")?;
    let len = usize::try_from(len).map_err(|_| "negative length")?;
    let s = b.get(*pos..*pos + len).ok_or("truncated string")?;
    *pos += len;
    Ok(String::from_utf8_lossy(s).into_owned())
}

/// An open tracker: its target, the last stored position, the file open for appending.
pub struct PositionTracker {
    path: PathBuf,
    target: String,
    position: u64,
    sync: [u8; 16],
    file: File,
}

impl std::fmt::Debug for PositionTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PositionTracker")
            .field("path", &self.path)
            .field("target", &self.target)
            .field("position", &self.position)
            .finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TrackerError + '_ {
    move |source| TrackerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl PositionTracker {
    /// `DurablePositionTracker.getInstance`: a new file for `target`, or — when the meta file
    /// exists — its own target and last position, rewritten compactly (one record, fresh sync
    /// marker, atomic rename) as Java does.
    pub fn open(path: &Path, target: &str) -> Result<PositionTracker, TrackerError> {
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(parse(&bytes).map_err(|reason| TrackerError::Format {
                path: path.to_path_buf(),
                reason,
            })?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(path)(e)),
        };
        let sync: [u8; 16] = rand::random();
        let (target, position) = match existing {
            None => {
                let mut file = OpenOptions::new()
                    .create_new(true)
                    .write(true)
                    .open(path)
                    .map_err(io_err(path))?;
                file.write_all(&header(target, &sync))
                    .map_err(io_err(path))?;
                (target.to_string(), 0)
            }
            Some(meta) => {
                let position = meta.position.unwrap_or(0);
                let dir = path.parent().unwrap_or(Path::new("."));
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(META_FILE_NAME);
                let tmp = dir.join(format!("{name}{}.tmp", rand::random::<u32>()));
                let mut bytes = header(&meta.target, &sync);
                bytes.extend_from_slice(&block(position, &sync));
                std::fs::write(&tmp, &bytes).map_err(io_err(&tmp))?;
                std::fs::rename(&tmp, path).map_err(io_err(path))?;
                (meta.target, position)
            }
        };
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        Ok(PositionTracker {
            path: path.to_path_buf(),
            target,
            position,
            sync,
            file,
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    /// `storePosition`: append one block (Java flushes but does not fsync).
    pub fn store(&mut self, position: u64) -> Result<(), TrackerError> {
        self.file
            .write_all(&block(position, &self.sync))
            .map_err(io_err(&self.path))?;
        self.position = position;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_java() {
        let sync = [7u8; 16];
        let mut bytes = header("/tmp/golden/run_st/spool/big.log", &sync);
        assert_eq!(bytes.len(), 4 + 1 + 12 + 2 + 136 + 5 + 1 + 32 + 1 + 16);
        bytes.extend_from_slice(&block(310, &sync));
        assert_eq!(
            &bytes[bytes.len() - 20..bytes.len() - 16],
            &[0x02, 0x04, 0xec, 0x04]
        );
        let meta = parse(&bytes).unwrap();
        assert_eq!(meta.position, Some(310));
        assert_eq!(meta.target, "/tmp/golden/run_st/spool/big.log");
    }

    #[test]
    fn truncated_last_block_is_ignored() {
        let sync = [1u8; 16];
        let mut bytes = header("f", &sync);
        bytes.extend_from_slice(&block(10, &sync));
        bytes.extend_from_slice(&block(20, &sync)[..5]);
        assert_eq!(parse(&bytes).unwrap().position, Some(10));
    }
}
