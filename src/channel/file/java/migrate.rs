//! Taking over a Java Flume file channel at start: its queued events are written into this
//! channel's own log, in their order, and its files are moved aside into
//! `<dir>/flume-java-backup-<time>/` in every directory that held some.
//!
//! Crash safety: the new segments are written as `segment-N.flog.migrating` and synced; then a
//! marker (`checkpointDir/flume-rs-java-migration`, naming the backup directory) is written and
//! synced — the point of no return. After it, the Java files are moved aside and the new
//! segments renamed into place; a start that finds the marker finishes exactly that (moves are
//! idempotent). A start that finds `.migrating` files without the marker deletes them and
//! reads the Java channel again. So the events are either still in the Java files, or in
//! ours, never in both or neither.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{EventSource, JavaLayout, replay};
use crate::channel::file::config::FileChannelConfig;
use crate::channel::file::{checkpoint, dirs, log, record};
use crate::event::Event;

pub const MARKER: &str = "flume-rs-java-migration";
const MIGRATING_SUFFIX: &str = ".migrating";
/// Events per put frame written, and bytes at most.
const BATCH_EVENTS: usize = 1000;
const BATCH_BYTES: usize = 4 << 20;

#[derive(Debug, Default)]
pub struct Migration {
    pub events: u64,
    pub backup: String,
    pub moved_to: Vec<PathBuf>,
    pub elapsed: Duration,
}

fn sync_dir(dir: &Path) -> Result<(), String> {
    checkpoint::sync_dir(dir).map_err(|e| format!("Cannot sync {}: {e}", dir.display()))
}

/// Every directory of the channel, with whether it is a checkpoint directory.
fn all_dirs(cfg: &FileChannelConfig) -> Vec<(PathBuf, bool)> {
    let mut v = vec![(cfg.checkpoint_dir.clone(), true)];
    if let Some(b) = &cfg.backup_checkpoint_dir {
        v.push((b.clone(), true));
    }
    v.extend(cfg.data_dirs.iter().map(|d| (d.clone(), false)));
    v
}

fn migrating_files(data_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in data_dirs {
        if let Ok(entries) = fs::read_dir(d) {
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name();
                if name
                    .to_str()
                    .and_then(|n| n.strip_suffix(MIGRATING_SUFFIX))
                    .and_then(log::parse_segment_name)
                    .is_some()
                {
                    out.push(e.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// Called at start, with every directory locked. `Ok(None)`: no Java channel there.
pub fn take_over(cfg: &FileChannelConfig, channel: &str) -> Result<Option<Migration>, String> {
    let started = Instant::now();
    let marker = cfg.checkpoint_dir.join(MARKER);
    if marker.exists() {
        let text = fs::read_to_string(&marker)
            .map_err(|e| format!("Cannot read {}: {e} [channel={channel}]", marker.display()))?;
        let backup = text
            .lines()
            .find_map(|l| l.strip_prefix("backup="))
            .filter(|b| b.starts_with("flume-java-backup-") && !b.contains('/'))
            .ok_or_else(|| {
                format!(
                    "{} does not name a backup directory; it was written by an interrupted take-over of a Java channel: look at {} and the data directories, then remove it [channel={channel}]",
                    marker.display(),
                    cfg.checkpoint_dir.display()
                )
            })?
            .to_string();
        tracing::warn!(
            channel,
            "finishing an interrupted take-over of a Java Flume file channel"
        );
        let mut m = finish(cfg, channel, &backup, &marker)?;
        m.events = text
            .lines()
            .find_map(|l| l.strip_prefix("events="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        m.elapsed = started.elapsed();
        return Ok(Some(m));
    }
    let java: Vec<(PathBuf, Vec<String>)> = all_dirs(cfg)
        .into_iter()
        .map(|(d, ck)| {
            let found = dirs::java_layout(&d, ck);
            (d, found)
        })
        .filter(|(_, f)| !f.is_empty())
        .collect();
    if java.is_empty() {
        // Left by a take-over that stopped before its marker: the Java files are gone, so
        // these are not the only copy of anything.
        for f in migrating_files(&cfg.data_dirs) {
            let _ = fs::remove_file(&f);
        }
        return Ok(None);
    }
    let ours = crate::channel::file::replay::list_segments(&cfg.data_dirs, channel)?;
    let our_checkpoints = checkpoint::find(&cfg.checkpoint_dir, None);
    if !ours.is_empty() || !our_checkpoints.is_empty() {
        return Err(format!(
            "the directories hold both a Java Flume file channel ({}) and this channel's own log; refusing to mix them: move one of them away [channel={channel}]",
            java.iter()
                .map(|(d, _)| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for f in migrating_files(&cfg.data_dirs) {
        fs::remove_file(&f)
            .map_err(|e| format!("Cannot remove {}: {e} [channel={channel}]", f.display()))?;
    }
    for (d, found) in &java {
        tracing::info!(channel, dir = %d.display(), files = %found.join(", "), "found a Java Flume file channel; taking it over");
    }
    let layout = JavaLayout::find(&cfg.checkpoint_dir, &cfg.data_dirs)
        .map_err(|e| format!("{e} [channel={channel}]"))?;
    let q = replay(&layout).map_err(|e| {
        format!("Cannot take over the Java Flume file channel: {e}. Nothing was changed [channel={channel}]")
    })?;
    if let Some(why) = &q.checkpoint_problem {
        tracing::warn!(
            channel,
            "the Java channel's checkpoint is not usable ({why}); its logs were replayed from the start, as Java Flume does (events taken before the logs' start may come again)"
        );
    }
    for (path, offset, why) in &q.damaged {
        tracing::warn!(channel, file = %path.display(), offset, "the Java log ends in a damaged record ({why}); what follows it in that file is not used (a write torn by a crash)");
    }
    if q.pending_takes > 0 {
        tracing::warn!(
            channel,
            takes = q.pending_takes,
            "the Java logs hold committed takes of events that are not in the queue; ignored, as Java Flume does"
        );
    }
    let written = write_segments(cfg, channel, &layout, &q.queue).inspect_err(|_| {
        for f in migrating_files(&cfg.data_dirs) {
            let _ = fs::remove_file(&f);
        }
    })?;
    let backup = format!(
        "flume-java-backup-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    );
    // The point of no return.
    let mut f = File::create(&marker).map_err(|e| {
        format!(
            "Cannot create {}: {e} [channel={channel}]",
            marker.display()
        )
    })?;
    writeln!(f, "backup={backup}")
        .and_then(|()| writeln!(f, "events={written}"))
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("Cannot write {}: {e} [channel={channel}]", marker.display()))?;
    drop(f);
    sync_dir(&cfg.checkpoint_dir)?;
    let mut m = finish(cfg, channel, &backup, &marker)?;
    m.events = written;
    m.elapsed = started.elapsed();
    tracing::info!(
        channel,
        events = written,
        from_checkpoint = q.from_checkpoint,
        restored_inflight_takes = q.restored_inflight_takes,
        millis = m.elapsed.as_millis() as u64,
        "took over the Java Flume file channel: {written} events now in this channel's log; the Java files are kept in {}",
        m.moved_to
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(Some(m))
}

/// Writes the events as this channel's segments (`.migrating` until [`finish`]), spread over
/// the data directories. Returns how many were written.
fn write_segments(
    cfg: &FileChannelConfig,
    channel: &str,
    layout: &JavaLayout,
    queue: &[super::JavaPointer],
) -> Result<u64, String> {
    let src = EventSource::open(layout).map_err(|e| format!("{e} [channel={channel}]"))?;
    let mut out: Option<(File, PathBuf, u64)> = None;
    let mut next_id = 1u32;
    let mut seq = 1u64;
    let mut written = 0u64;
    let close = |out: &mut Option<(File, PathBuf, u64)>| -> Result<(), String> {
        if let Some((f, p, _)) = out.take() {
            f.sync_all()
                .map_err(|e| format!("Cannot sync {}: {e} [channel={channel}]", p.display()))?;
        }
        Ok(())
    };
    for chunk in queue.chunks(BATCH_EVENTS) {
        let mut events: Vec<Event> = Vec::with_capacity(chunk.len());
        let mut bytes = 0usize;
        let mut frames = Vec::new();
        for p in chunk {
            let e = src.get(*p).map_err(|e| {
                format!("Cannot take over the Java Flume file channel: {e}. Nothing was changed [channel={channel}]")
            })?;
            bytes += record::encoded_event_len(&e);
            events.push(e);
            if bytes >= BATCH_BYTES {
                frames.push(std::mem::take(&mut events));
                bytes = 0;
            }
        }
        if !events.is_empty() {
            frames.push(events);
        }
        for events in frames {
            let put = record::encode_put(seq, &events)
                .map_err(|e| format!("Cannot encode migrated events: {e} [channel={channel}]"))?;
            seq += 1;
            let needs_roll = match &out {
                None => true,
                Some((_, _, len)) => {
                    *len > record::SEGMENT_HEADER_LEN as u64
                        && *len + put.bytes.len() as u64 > cfg.max_file_size
                }
            };
            if needs_roll {
                close(&mut out)?;
                let id = next_id;
                next_id += 1;
                let dir = &cfg.data_dirs[(id as usize - 1) % cfg.data_dirs.len()];
                let path = dir.join(format!("{}{MIGRATING_SUFFIX}", log::segment_name(id)));
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| {
                        format!("Cannot create {}: {e} [channel={channel}]", path.display())
                    })?;
                f.write_all(&record::segment_header(id)).map_err(|e| {
                    format!("Cannot write {}: {e} [channel={channel}]", path.display())
                })?;
                out = Some((f, path, record::SEGMENT_HEADER_LEN as u64));
            }
            let (f, path, len) = out.as_mut().expect("a segment is open");
            f.write_all(&put.bytes)
                .map_err(|e| format!("Cannot write {}: {e} [channel={channel}]", path.display()))?;
            *len += put.bytes.len() as u64;
            written += events.len() as u64;
        }
    }
    close(&mut out)?;
    for d in &cfg.data_dirs {
        sync_dir(d)?;
    }
    Ok(written)
}

/// After the marker: move the Java files aside, put the new segments in place, drop the marker.
fn finish(
    cfg: &FileChannelConfig,
    channel: &str,
    backup: &str,
    marker: &Path,
) -> Result<Migration, String> {
    let mut m = Migration {
        backup: backup.to_string(),
        ..Default::default()
    };
    for (dir, is_checkpoint) in all_dirs(cfg) {
        let found = dirs::java_layout(&dir, is_checkpoint);
        if found.is_empty() {
            continue;
        }
        let target = dir.join(backup);
        fs::create_dir_all(&target).map_err(|e| {
            format!(
                "Cannot create {}: {e} [channel={channel}]",
                target.display()
            )
        })?;
        for name in found {
            let from = dir.join(&name);
            let to = target.join(&name);
            fs::rename(&from, &to).map_err(|e| {
                format!(
                    "Cannot move {} to {}: {e} [channel={channel}]",
                    from.display(),
                    to.display()
                )
            })?;
        }
        sync_dir(&target)?;
        sync_dir(&dir)?;
        tracing::info!(
            channel,
            "Java Flume file channel files moved to {}",
            target.display()
        );
        m.moved_to.push(target);
    }
    for f in migrating_files(&cfg.data_dirs) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let to = f.with_file_name(name.trim_end_matches(MIGRATING_SUFFIX));
        fs::rename(&f, &to).map_err(|e| {
            format!(
                "Cannot rename {} to {}: {e} [channel={channel}]",
                f.display(),
                to.display()
            )
        })?;
    }
    for d in &cfg.data_dirs {
        sync_dir(d)?;
    }
    fs::remove_file(marker).map_err(|e| {
        format!(
            "Cannot remove {}: {e} [channel={channel}]",
            marker.display()
        )
    })?;
    sync_dir(&cfg.checkpoint_dir)?;
    Ok(m)
}
