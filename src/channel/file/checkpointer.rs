//! The checkpoint thread: writes a checkpoint every `checkpointInterval` (and on close) and
//! deletes the log segments no kept checkpoint needs.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};

use super::record::Pointer;
use super::{Shared, checkpoint, log};

/// Writes checkpoints and deletes the segments no kept checkpoint needs.
pub(super) struct Checkpointer {
    pub(super) generation: u64,
    /// What the checkpoints in the two slots need.
    pub(super) retained: [Option<checkpoint::Needs>; 2],
    pub(super) backup_retained: Option<checkpoint::Needs>,
}

impl Checkpointer {
    pub(super) fn spawn(
        self,
        shared: Arc<Shared>,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<Checkpointer>) {
        let (stop, rx) = mpsc::channel::<()>();
        let interval = shared.config.checkpoint_interval;
        let name = shared.name.clone();
        let handle = std::thread::Builder::new()
            .name(format!("file-channel-{name}-checkpoint"))
            .spawn(move || {
                let mut ck = self;
                loop {
                    match rx.recv_timeout(interval) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            if let Err(error) = ck.checkpoint(&shared) {
                                tracing::error!(channel = %shared.name, %error, "checkpoint failed");
                            }
                        }
                        _ => return ck,
                    }
                }
            });
        match handle {
            Ok(h) => (stop, h),
            Err(e) => {
                tracing::error!(channel = %name, error = %e, "cannot start the checkpoint thread; no periodic checkpoints");
                // A thread that returns at once keeps the types simple.
                let (stop, _rx) = mpsc::channel::<()>();
                let ck = Checkpointer {
                    generation: 0,
                    retained: [None, None],
                    backup_retained: None,
                };
                (stop, std::thread::spawn(move || ck))
            }
        }
    }

    pub(super) fn checkpoint(&mut self, shared: &Shared) -> Result<(), String> {
        self.generation += 1;
        let snapshot = {
            let s = shared.lock();
            let mut queue: Vec<Pointer> = Vec::with_capacity(s.queue.len() + s.inflight_count);
            for ptrs in s.inflight.values() {
                queue.extend_from_slice(ptrs);
            }
            queue.extend(s.queue.iter().copied());
            checkpoint::Checkpoint {
                generation: self.generation,
                next_segment: s.next_segment,
                next_seq: 0,
                active: s.active.iter().map(|(k, v)| (*k, *v)).collect(),
                queue,
            }
        };
        let snapshot = checkpoint::Checkpoint {
            next_seq: shared.next_seq.load(Ordering::Relaxed),
            ..snapshot
        };
        // With fsyncPerTransaction off, applied records may not be on disk yet: the
        // checkpoint must not get ahead of the log.
        if shared.unsynced_writers.load(Ordering::SeqCst) > 0 {
            return Err("the log has records whose fsync failed and is not yet retried successfully; checkpoint postponed".into());
        }
        {
            let segments = shared.segments();
            for (seg, _) in &snapshot.active {
                if let Some(f) = segments.get(seg)
                    && let Err(e) = f.file.sync_data()
                {
                    shared
                        .file_counters
                        .checkpoint_write_error
                        .fetch_add(1, Ordering::Relaxed);
                    return Err(format!(
                        "fsync of segment {seg} before the checkpoint failed: {e}"
                    ));
                }
            }
        }
        let cfg = &shared.config;
        let slot_index = (self.generation % 2) as usize;
        let slot = checkpoint::SLOT_NAMES[slot_index];
        if let Err(e) = checkpoint::write_atomic(&cfg.checkpoint_dir, slot, &snapshot.encode()) {
            shared
                .file_counters
                .checkpoint_write_error
                .fetch_add(1, Ordering::Relaxed);
            return Err(format!(
                "cannot write checkpoint {}: {e}",
                cfg.checkpoint_dir.join(slot).display()
            ));
        }
        let needs = snapshot.needs();
        self.retained[slot_index] = Some(needs.clone());
        if let Some(backup) = &cfg.backup_checkpoint_dir {
            let bytes = if cfg.compress_backup_checkpoint {
                snapshot.encode_compressed().map_err(|e| e.to_string())
            } else {
                Ok(snapshot.encode())
            };
            match bytes.and_then(|b| {
                checkpoint::write_atomic(backup, checkpoint::BACKUP_NAME, &b)
                    .map_err(|e| e.to_string())
            }) {
                Ok(()) => self.backup_retained = Some(needs),
                Err(e) => {
                    shared
                        .file_counters
                        .checkpoint_backup_write_error
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(channel = %shared.name, error = %e, "cannot write the backup checkpoint");
                }
            }
        }
        self.delete_unneeded(shared);
        Ok(())
    }

    /// Delete sealed segments that neither kept checkpoint (nor the backup) could need.
    fn delete_unneeded(&self, shared: &Shared) {
        let active: BTreeSet<u32> = shared.lock().active.keys().copied().collect();
        let needed = |seg: u32| {
            active.contains(&seg)
                || self
                    .retained
                    .iter()
                    .flatten()
                    .chain(self.backup_retained.iter())
                    .any(|n| n.contains(seg))
        };
        let doomed: Vec<(u32, log::SegmentFile)> = {
            let mut segments = shared.segments();
            let ids: Vec<u32> = segments.keys().copied().filter(|s| !needed(*s)).collect();
            ids.into_iter()
                .filter_map(|id| segments.remove(&id).map(|f| (id, f)))
                .collect()
        };
        for (id, f) in doomed {
            match std::fs::remove_file(&f.path) {
                Ok(()) => {
                    tracing::debug!(channel = %shared.name, segment = id, "deleted log segment no longer needed")
                }
                Err(e) => {
                    tracing::warn!(channel = %shared.name, segment = id, error = %e, "cannot delete log segment")
                }
            }
        }
    }
}
