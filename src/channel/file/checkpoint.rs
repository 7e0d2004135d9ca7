//! The checkpoint: the queue of pointers as of a log position, so that start-up replays only
//! what was logged after it (replay cost follows channel content, not history).
//!
//! ```text
//! file    = "FRSCKPT1" | payload length (u64 LE) | crc32(payload) (u32 LE) | payload
//!         | "FRSCKSNP" | snappy(raw) of the whole plain file above            (compressed backup)
//! payload = generation (u64) | next segment id (u32) | next put seq (u64)
//!         | active count (u32) | (segment u32, applied offset u32) × n
//!         | queue length (u64) | (segment u32, offset u32, length u32) × n
//! ```
//!
//! Two slots in `checkpointDir` are written in turn (write a temporary file, fsync, rename,
//! fsync the directory), so a damaged newest checkpoint falls back to the one before it; the
//! backup directory (`useDualCheckpoints`) holds a copy of the newest.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::BufMut;

use super::record::Pointer;

const MAGIC: &[u8; 8] = b"FRSCKPT1";
const MAGIC_SNAPPY: &[u8; 8] = b"FRSCKSNP";
const HEADER_LEN: usize = 8 + 8 + 4;
pub const SLOT_NAMES: [&str; 2] = ["flume-rs-checkpoint.0", "flume-rs-checkpoint.1"];
pub const BACKUP_NAME: &str = "flume-rs-checkpoint.backup";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checkpoint {
    /// Increases with every checkpoint written.
    pub generation: u64,
    /// Segments with this id or above were created after the checkpoint: replayed in full.
    pub next_segment: u32,
    pub next_seq: u64,
    /// Segments being appended to, and how far their records are reflected in `queue`.
    /// Every other segment below `next_segment` is reflected entirely.
    pub active: Vec<(u32, u32)>,
    /// Queued events, head first (taken-but-uncommitted events included, at the head).
    pub queue: Vec<Pointer>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("truncated checkpoint ({0})")]
    Truncated(&'static str),
    #[error("not a flume-rs checkpoint")]
    BadMagic,
    #[error("checkpoint checksum mismatch")]
    Checksum,
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("compressed checkpoint does not decompress: {0}")]
    Snappy(String),
}

impl Checkpoint {
    /// Segments a replay from this checkpoint needs besides those created after it.
    pub fn needed_segments(&self) -> BTreeSet<u32> {
        let mut s = referenced_segments(&self.queue);
        s.extend(self.active.iter().map(|(seg, _)| *seg));
        s
    }

    /// What a replay from this checkpoint needs: every segment from `next_segment` on, and
    /// these.
    pub fn needs(&self) -> Needs {
        Needs {
            next_segment: self.next_segment,
            segments: self.needed_segments(),
        }
    }
}

/// The segments a kept checkpoint needs (see [`Checkpoint::needs`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs {
    pub next_segment: u32,
    pub segments: BTreeSet<u32>,
}

impl Needs {
    pub fn contains(&self, segment: u32) -> bool {
        segment >= self.next_segment || self.segments.contains(&segment)
    }
}

/// Segments that pointers point into (queues are long runs of one segment: cheap).
pub fn referenced_segments(queue: &[Pointer]) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let mut last = None;
    for p in queue {
        if last != Some(p.segment) {
            out.insert(p.segment);
            last = Some(p.segment);
        }
    }
    out
}

impl Checkpoint {
    pub fn encode(&self) -> Vec<u8> {
        let payload_len = 8 + 4 + 8 + 4 + 8 * self.active.len() + 8 + 12 * self.queue.len();
        let mut out = Vec::with_capacity(HEADER_LEN + payload_len);
        out.put_slice(MAGIC);
        out.put_u64_le(payload_len as u64);
        out.put_u32_le(0);
        out.put_u64_le(self.generation);
        out.put_u32_le(self.next_segment);
        out.put_u64_le(self.next_seq);
        out.put_u32_le(self.active.len() as u32);
        for (seg, off) in &self.active {
            out.put_u32_le(*seg);
            out.put_u32_le(*off);
        }
        out.put_u64_le(self.queue.len() as u64);
        for p in &self.queue {
            out.put_u32_le(p.segment);
            out.put_u32_le(p.offset);
            out.put_u32_le(p.len);
        }
        let crc = crc32fast::hash(&out[HEADER_LEN..]);
        out[16..20].copy_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn encode_compressed(&self) -> Result<Vec<u8>, CheckpointError> {
        let plain = self.encode();
        let packed = snap::raw::Encoder::new()
            .compress_vec(&plain)
            .map_err(|e| CheckpointError::Snappy(e.to_string()))?;
        let mut out = Vec::with_capacity(8 + packed.len());
        out.extend_from_slice(MAGIC_SNAPPY);
        out.extend_from_slice(&packed);
        Ok(out)
    }

    /// Decode a checkpoint file (plain or snappy-compressed). Never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        if let Some(packed) = bytes.strip_prefix(MAGIC_SNAPPY.as_slice()) {
            let len = snap::raw::decompress_len(packed)
                .map_err(|e| CheckpointError::Snappy(e.to_string()))?;
            // Snappy cannot expand more than ~21× (a 64-byte copy in 3 bytes): a larger claim
            // is damage, and must not become an allocation.
            if len > packed.len().saturating_mul(32).saturating_add(64) {
                return Err(CheckpointError::Malformed("compressed length"));
            }
            let plain = snap::raw::Decoder::new()
                .decompress_vec(packed)
                .map_err(|e| CheckpointError::Snappy(e.to_string()))?;
            if plain.starts_with(MAGIC_SNAPPY) {
                return Err(CheckpointError::Malformed("nested compression"));
            }
            return Checkpoint::decode(&plain);
        }
        if bytes.len() < HEADER_LEN {
            return Err(CheckpointError::Truncated("header"));
        }
        if &bytes[..8] != MAGIC {
            return Err(CheckpointError::BadMagic);
        }
        let mut len8 = [0u8; 8];
        len8.copy_from_slice(&bytes[8..16]);
        let payload_len = u64::from_le_bytes(len8);
        let payload = &bytes[HEADER_LEN..];
        if payload.len() as u64 != payload_len {
            return Err(CheckpointError::Truncated("payload"));
        }
        let stored = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        if crc32fast::hash(payload) != stored {
            return Err(CheckpointError::Checksum);
        }
        let mut r = Reader { buf: payload };
        let generation = r.u64()?;
        let next_segment = r.u32()?;
        let next_seq = r.u64()?;
        let n_active = r.u32()? as usize;
        if n_active > r.buf.len() / 8 {
            return Err(CheckpointError::Malformed("active count"));
        }
        let mut active = Vec::with_capacity(n_active);
        for _ in 0..n_active {
            active.push((r.u32()?, r.u32()?));
        }
        let n_queue = r.u64()?;
        if n_queue.checked_mul(12) != Some(r.buf.len() as u64) {
            return Err(CheckpointError::Malformed("queue length"));
        }
        let mut queue = Vec::with_capacity(n_queue as usize);
        for _ in 0..n_queue {
            queue.push(Pointer {
                segment: r.u32()?,
                offset: r.u32()?,
                len: r.u32()?,
            });
        }
        Ok(Checkpoint {
            generation,
            next_segment,
            next_seq,
            active,
            queue,
        })
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], CheckpointError> {
        if self.buf.len() < N {
            return Err(CheckpointError::Truncated("field"));
        }
        let mut a = [0u8; N];
        a.copy_from_slice(&self.buf[..N]);
        self.buf = &self.buf[N..];
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32, CheckpointError> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }
    fn u64(&mut self) -> Result<u64, CheckpointError> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }
}

/// Write `bytes` to `dir/name` atomically and durably.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A checkpoint file found at start-up.
#[derive(Debug)]
pub struct Found {
    pub path: PathBuf,
    /// Slot index in the checkpoint directory, None for the backup.
    pub slot: Option<usize>,
    pub result: Result<Checkpoint, CheckpointError>,
}

/// Every checkpoint file in the checkpoint and backup directories (missing ones skipped).
pub fn find(checkpoint_dir: &Path, backup_dir: Option<&Path>) -> Vec<Found> {
    let mut paths: Vec<(PathBuf, Option<usize>)> = SLOT_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (checkpoint_dir.join(n), Some(i)))
        .collect();
    if let Some(b) = backup_dir {
        paths.push((b.join(BACKUP_NAME), None));
    }
    paths
        .into_iter()
        .filter_map(|(path, slot)| match fs::read(&path) {
            Ok(bytes) => Some(Found {
                result: Checkpoint::decode(&bytes),
                path,
                slot,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => Some(Found {
                result: Err(CheckpointError::Snappy(format!("unreadable: {e}"))),
                path,
                slot,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            generation: 9,
            next_segment: 5,
            next_seq: 77,
            active: vec![(4, 1000), (3, 16)],
            queue: (0..10)
                .map(|i| Pointer {
                    segment: 2 + i % 2,
                    offset: 16 + i * 20,
                    len: 20,
                })
                .collect(),
        }
    }

    #[test]
    fn round_trip_plain_and_compressed() {
        let c = sample();
        assert_eq!(Checkpoint::decode(&c.encode()).unwrap(), c);
        assert_eq!(
            Checkpoint::decode(&c.encode_compressed().unwrap()).unwrap(),
            c
        );
    }

    #[test]
    fn damage_is_detected() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(Checkpoint::decode(&b).is_err(), "flip at {i}");
        }
        for n in 0..bytes.len() {
            assert!(Checkpoint::decode(&bytes[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn compressed_length_claims_are_bounded() {
        // Found by the fuzz target: a damaged snappy header claiming ~2.9 GB must be refused,
        // not allocated. 0xFF 0xFF 0xFF 0xFF 0x0A is the varint 2952790015.
        let mut b = MAGIC_SNAPPY.to_vec();
        b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0a, 0, 0, 0]);
        assert_eq!(
            Checkpoint::decode(&b),
            Err(CheckpointError::Malformed("compressed length"))
        );
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = Checkpoint::decode(&bytes);
            let mut snappy = MAGIC_SNAPPY.to_vec();
            snappy.extend_from_slice(&bytes);
            let _ = Checkpoint::decode(&snappy);
        }

        #[test]
        fn garbage_with_valid_crc_never_panics(body in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut b = MAGIC.to_vec();
            b.put_u64_le(body.len() as u64);
            b.put_u32_le(crc32fast::hash(&body));
            b.extend_from_slice(&body);
            let _ = Checkpoint::decode(&b);
        }
    }
}
