//! Start-up: rebuild the queue from the newest usable checkpoint plus the log written after
//! it; without a usable checkpoint, from every log segment (with a warning). A damaged frame
//! (torn by a crash mid-write, or flipped bytes) is detected by its checksum: the damaged
//! bytes are copied aside to `<segment>.damaged-<offset>` with a warning, and replay carries on
//! with the next intact frame.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::checkpoint::{self, Checkpoint};
use super::log::{self, read_full_at};
use super::record::{self, FRAME_HEADER_LEN, Pointer, Record, SEGMENT_HEADER_LEN};

#[derive(Debug, Default)]
pub struct Replayed {
    pub queue: VecDeque<Pointer>,
    pub next_segment: u32,
    pub next_seq: u64,
    pub segments: BTreeMap<u32, PathBuf>,
    /// Generation of the checkpoint used (None: full replay).
    pub checkpoint: Option<u64>,
    pub generation: u64,
    pub damaged_regions: usize,
    pub frames_replayed: u64,
    /// What the intact checkpoint files on disk need, per slot, and the backup's.
    pub slot_needs: [Option<checkpoint::Needs>; 2],
    pub backup_needs: Option<checkpoint::Needs>,
    /// The newest checkpoint was used and nothing was logged after it: it is exact as it is.
    pub clean: bool,
}

/// Segment files in the data directories: id → path. The same id twice is an error.
pub fn list_segments(
    data_dirs: &[PathBuf],
    channel: &str,
) -> Result<BTreeMap<u32, PathBuf>, String> {
    let mut out = BTreeMap::new();
    for dir in data_dirs {
        let entries = fs::read_dir(dir)
            .map_err(|e| format!("Cannot list {}: {e} [channel={channel}]", dir.display()))?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(log::parse_segment_name) else {
                continue;
            };
            if let Some(other) = out.insert(id, entry.path()) {
                return Err(format!(
                    "log segment {id} exists twice ({} and {}) [channel={channel}]",
                    other.display(),
                    entry.path().display()
                ));
            }
        }
    }
    Ok(out)
}

pub fn replay(
    channel: &str,
    checkpoint_dir: &Path,
    backup_dir: Option<&Path>,
    data_dirs: &[PathBuf],
) -> Result<Replayed, String> {
    let started = Instant::now();
    let segments = list_segments(data_dirs, channel)?;
    let lengths: HashMap<u32, u64> = segments
        .iter()
        .map(|(id, p)| (*id, fs::metadata(p).map(|m| m.len()).unwrap_or(0)))
        .collect();

    let found = checkpoint::find(checkpoint_dir, backup_dir);
    let mut usable: Vec<Checkpoint> = Vec::new();
    let mut slot_needs: [Option<checkpoint::Needs>; 2] = [None, None];
    let mut backup_needs = None;
    for f in found {
        match f.result {
            Ok(c) => {
                match f.slot {
                    Some(i) => slot_needs[i] = Some(c.needs()),
                    None => backup_needs = Some(c.needs()),
                }
                usable.push(c)
            }
            Err(error) => tracing::warn!(
                channel, path = %f.path.display(), %error,
                "checkpoint is damaged; ignoring it"
            ),
        }
    }
    usable.sort_by_key(|c| std::cmp::Reverse(c.generation));
    let highest_generation = usable.first().map(|c| c.generation).unwrap_or(0);
    // Prefer the newest checkpoint whose segments are all there.
    let chosen = usable
        .iter()
        .position(|c| {
            checkpoint::referenced_segments(&c.queue)
                .iter()
                .all(|s| segments.contains_key(s))
        })
        .or(if usable.is_empty() { None } else { Some(0) })
        .map(|i| usable.swap_remove(i));

    let mut out = Replayed {
        segments: segments.clone(),
        generation: highest_generation,
        slot_needs,
        backup_needs,
        ..Default::default()
    };
    let mut queue: Vec<Pointer>;
    // Where to start reading each segment; segments not listed are skipped.
    let mut from: BTreeMap<u32, u64> = BTreeMap::new();
    match &chosen {
        Some(c) => {
            tracing::info!(
                channel,
                generation = c.generation,
                events = c.queue.len(),
                "Replaying from checkpoint"
            );
            out.checkpoint = Some(c.generation);
            out.next_segment = c.next_segment;
            out.next_seq = c.next_seq;
            queue = c.queue.clone();
            for (seg, off) in &c.active {
                if segments.contains_key(seg) {
                    from.insert(*seg, *off as u64);
                }
            }
            for seg in segments.keys().filter(|s| **s >= c.next_segment) {
                from.insert(*seg, SEGMENT_HEADER_LEN as u64);
            }
        }
        None => {
            if !segments.is_empty() {
                tracing::warn!(
                    channel,
                    segments = segments.len(),
                    "no usable checkpoint; replaying every log segment (full replay)"
                );
            }
            queue = Vec::new();
            for seg in segments.keys() {
                from.insert(*seg, SEGMENT_HEADER_LEN as u64);
            }
        }
    }

    let mut taken: HashSet<u64> = HashSet::new();
    let mut puts: Vec<(u64, u32, Vec<Pointer>)> = Vec::new();
    for (seg, start) in &from {
        let path = &segments[seg];
        let scanned = scan_segment(
            channel,
            path,
            *seg,
            *start,
            &mut |rec, frame_start| match rec {
                Record::Put { seq, events } => {
                    let payload_start = frame_start + FRAME_HEADER_LEN as u64;
                    let ptrs = events
                        .into_iter()
                        .map(|(rel, len)| Pointer {
                            segment: *seg,
                            offset: (payload_start + rel as u64) as u32,
                            len,
                        })
                        .collect();
                    puts.push((seq, *seg, ptrs));
                }
                Record::Take { keys } => taken.extend(keys),
            },
        )
        .map_err(|e| format!("Cannot read {}: {e} [channel={channel}]", path.display()))?;
        out.damaged_regions += scanned.damaged;
        out.frames_replayed += scanned.frames;
    }
    // Tail puts in transaction order (seq), each transaction's events in order.
    puts.sort_by_key(|(seq, seg, _)| (*seq, *seg));
    for (seq, _, _) in &puts {
        out.next_seq = out.next_seq.max(seq + 1);
    }
    queue.extend(puts.into_iter().flat_map(|(_, _, p)| p));
    if !taken.is_empty() {
        queue.retain(|p| !taken.contains(&p.key()));
    }
    // Pointers into segments that are gone or too short cannot be read: say so, loudly.
    let before = queue.len();
    let mut last: Option<(u32, u64)> = None;
    queue.retain(|p| {
        let len = match last {
            Some((seg, len)) if seg == p.segment => len,
            _ => {
                let len = lengths.get(&p.segment).copied().unwrap_or(0);
                last = Some((p.segment, len));
                len
            }
        };
        p.offset as u64 + p.len as u64 <= len
    });
    let lost = before - queue.len();
    if lost > 0 {
        tracing::error!(
            channel,
            events = lost,
            "events listed by the checkpoint are missing from the log (segment files deleted or truncated by hand?); they cannot be delivered"
        );
    }
    out.next_segment = out
        .next_segment
        .max(segments.keys().next_back().map(|s| s + 1).unwrap_or(1))
        .max(1);
    out.clean = chosen
        .as_ref()
        .is_some_and(|c| c.generation == highest_generation)
        && out.frames_replayed == 0
        && out.damaged_regions == 0
        && lost == 0;
    out.queue = VecDeque::from(queue);
    tracing::info!(
        channel,
        events = out.queue.len(),
        frames = out.frames_replayed,
        millis = started.elapsed().as_millis() as u64,
        "replay done"
    );
    Ok(out)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    pub frames: u64,
    pub damaged: usize,
    /// Offset after the last intact frame.
    pub end: u64,
}

/// Buffered positional reads over one segment file.
struct SegmentReader {
    file: File,
    len: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

const READ_CHUNK: usize = 4 << 20;

impl SegmentReader {
    /// `n` bytes at `pos`, or None if the file ends first.
    fn get(&mut self, pos: u64, n: usize) -> io::Result<Option<&[u8]>> {
        if pos + n as u64 > self.len {
            return Ok(None);
        }
        let in_buf =
            pos >= self.buf_start && pos + n as u64 <= self.buf_start + self.buf.len() as u64;
        if !in_buf {
            let want = n.max(READ_CHUNK).min((self.len - pos) as usize);
            self.buf.resize(want, 0);
            let got = read_full_at(&self.file, &mut self.buf, pos)?;
            self.buf.truncate(got);
            self.buf_start = pos;
            if got < n {
                return Ok(None);
            }
        }
        let at = (pos - self.buf_start) as usize;
        Ok(Some(&self.buf[at..at + n]))
    }

    /// The frame at `pos` if it is intact: (record, frame length).
    fn frame_at(&mut self, pos: u64) -> io::Result<Result<(Record, u64), String>> {
        let header = match self.get(pos, FRAME_HEADER_LEN)? {
            None => return Ok(Err("torn frame header".into())),
            Some(h) => match record::parse_frame_header(h) {
                Ok(h) => h,
                Err(e) => return Ok(Err(e.to_string())),
            },
        };
        let payload = match self.get(pos + FRAME_HEADER_LEN as u64, header.len as usize)? {
            None => return Ok(Err("torn frame (ends before its length)".into())),
            Some(p) => p,
        };
        if let Err(e) = record::verify_frame(header, payload) {
            return Ok(Err(e.to_string()));
        }
        Ok(record::decode_payload(payload)
            .map(|r| (r, (FRAME_HEADER_LEN + header.len as usize) as u64))
            .map_err(|e| e.to_string()))
    }

    /// The next offset after `pos` where an intact frame starts.
    fn resync(&mut self, pos: u64) -> io::Result<Option<u64>> {
        let magic = record::FRAME_MAGIC.to_le_bytes();
        let mut at = pos + 1;
        while at + FRAME_HEADER_LEN as u64 <= self.len {
            let window = ((self.len - at) as usize).min(READ_CHUNK);
            let hits: Vec<u64> = match self.get(at, window)? {
                None => break,
                Some(bytes) => bytes
                    .windows(4)
                    .enumerate()
                    .filter(|(_, w)| *w == magic)
                    .map(|(i, _)| at + i as u64)
                    .collect(),
            };
            for candidate in hits {
                if self.frame_at(candidate)?.is_ok() {
                    return Ok(Some(candidate));
                }
            }
            at += (window.saturating_sub(3)).max(1) as u64;
        }
        Ok(None)
    }
}

/// Read the intact frames of a segment from `start`, handing each to `visit` with its offset.
pub fn scan_segment(
    channel: &str,
    path: &Path,
    segment: u32,
    start: u64,
    visit: &mut dyn FnMut(Record, u64),
) -> io::Result<Scanned> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut r = SegmentReader {
        file,
        len,
        buf: Vec::new(),
        buf_start: 0,
    };
    let mut out = Scanned::default();
    if len < SEGMENT_HEADER_LEN as u64 {
        // Created but its header never made it to disk: nothing was ever logged in it.
        out.end = len;
        return Ok(out);
    }
    match r
        .get(0, SEGMENT_HEADER_LEN as usize)?
        .map(record::parse_segment_header)
    {
        Some(Ok(id)) if id == segment => {}
        other => tracing::warn!(
            channel, path = %path.display(), header = ?other,
            "log segment header is damaged; reading its frames anyway"
        ),
    }
    let mut pos = start.max(SEGMENT_HEADER_LEN as u64);
    while pos < len {
        match r.frame_at(pos)? {
            Ok((rec, frame_len)) => {
                visit(rec, pos);
                out.frames += 1;
                pos += frame_len;
            }
            Err(why) => {
                let resume = r.resync(pos)?;
                let end = resume.unwrap_or(len);
                set_aside(channel, path, &mut r, pos, end, &why, resume.is_none());
                out.damaged += 1;
                pos = end;
            }
        }
    }
    out.end = pos;
    Ok(out)
}

fn set_aside(
    channel: &str,
    path: &Path,
    r: &mut SegmentReader,
    from: u64,
    to: u64,
    why: &str,
    is_tail: bool,
) {
    let aside = PathBuf::from(format!("{}.damaged-{from}", path.display()));
    let copied = (|| -> io::Result<()> {
        let mut buf = vec![0u8; (to - from) as usize];
        let got = read_full_at(&r.file, &mut buf, from)?;
        buf.truncate(got);
        fs::write(&aside, &buf)
    })();
    let what = if is_tail {
        "damaged log tail (a write torn by a crash, or damage)"
    } else {
        "damaged log region"
    };
    match copied {
        Ok(()) => tracing::warn!(
            channel, segment = %path.display(), offset = from, bytes = to - from, reason = why,
            set_aside = %aside.display(),
            "{what}: skipped and copied aside; everything intact before and after it is replayed"
        ),
        Err(error) => tracing::warn!(
            channel, segment = %path.display(), offset = from, bytes = to - from, reason = why,
            %error,
            "{what}: skipped (could not copy it aside); everything intact before and after it is replayed"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use std::io::Write;

    fn segment_with(dir: &Path, id: u32, frames: &[Vec<u8>]) -> PathBuf {
        let path = dir.join(log::segment_name(id));
        let mut f = File::create(&path).unwrap();
        f.write_all(&record::segment_header(id)).unwrap();
        for fr in frames {
            f.write_all(fr).unwrap();
        }
        path
    }

    fn put(seq: u64, bodies: &[&str]) -> Vec<u8> {
        let events: Vec<Event> = bodies.iter().map(|b| Event::new(b.to_string())).collect();
        record::encode_put(seq, &events).unwrap().bytes
    }

    fn collect(path: &Path, id: u32) -> (Vec<Record>, Scanned) {
        let mut recs = Vec::new();
        let s = scan_segment("c1", path, id, 0, &mut |r, _| recs.push(r)).unwrap();
        (recs, s)
    }

    #[test]
    fn torn_tail_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let full = put(2, &["c"]);
        let path = segment_with(
            dir.path(),
            1,
            &[put(1, &["a", "b"]), full[..full.len() - 3].to_vec()],
        );
        let (recs, s) = collect(&path, 1);
        assert_eq!(recs.len(), 1);
        assert_eq!(s.damaged, 1);
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            fs::metadata(aside[0].path()).unwrap().len(),
            full.len() as u64 - 3
        );
    }

    #[test]
    fn flipped_byte_loses_only_its_frame() {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = put(2, &["bbbbbbbb"]);
        let n = bad.len();
        bad[n - 2] ^= 0xff;
        let path = segment_with(dir.path(), 3, &[put(1, &["a"]), bad, put(3, &["c"])]);
        let (recs, s) = collect(&path, 3);
        let seqs: Vec<u64> = recs
            .iter()
            .map(|r| match r {
                Record::Put { seq, .. } => *seq,
                _ => 0,
            })
            .collect();
        assert_eq!(seqs, [1, 3]);
        assert_eq!(s.damaged, 1);
    }

    #[test]
    fn empty_and_headerless_segments_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(log::segment_name(5));
        File::create(&path).unwrap();
        let (recs, s) = collect(&path, 5);
        assert!(recs.is_empty());
        assert_eq!(s.damaged, 0);
    }
}
