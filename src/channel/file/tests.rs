//! Channel-level tests: transactions, durability across restarts (clean and not), capacity,
//! space, locks, damage, deletion, and a model-based property test.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::channel::Channel;

fn ctx(dir: &Path, extra: &[(&str, &str)]) -> Context {
    let mut pairs: Vec<(String, String)> = vec![
        (
            "checkpointDir".into(),
            dir.join("checkpoint").display().to_string(),
        ),
        ("dataDirs".into(), dir.join("data").display().to_string()),
        ("keep-alive".into(), "0".into()),
        ("minimumRequiredSpace".into(), "1048576".into()),
        ("capacity".into(), "1000".into()),
        ("transactionCapacity".into(), "100".into()),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Context::from_pairs("a1.channels.c1.", pairs)
}

fn channel(dir: &Path, extra: &[(&str, &str)]) -> FileChannel {
    FileChannel::from_context("c1", &ctx(dir, extra), "/nonexistent-home").unwrap()
}

async fn open(dir: &Path, extra: &[(&str, &str)]) -> FileChannel {
    // A channel dropped without stop (a simulated crash) releases its directory locks when its
    // writer thread notices; a process that dies releases them at once. Wait for that here.
    for _ in 0..100 {
        let ch = channel(dir, extra);
        match ch.start().await {
            Ok(()) => return ch,
            Err(e) if e.to_string().contains("already locked") => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the channel's directories stayed locked");
}

fn events(range: std::ops::Range<u64>) -> Vec<Event> {
    range
        .map(|i| {
            let mut e = Event::new(format!("event-{i}"));
            e.headers.insert("i".into(), i.to_string());
            e
        })
        .collect()
}

fn bodies(take: &Take) -> Vec<String> {
    take.events()
        .iter()
        .map(|e| String::from_utf8_lossy(&e.body).into_owned())
        .collect()
}

async fn drain(ch: &FileChannel) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let t = ch.take(100).await.unwrap();
        if t.is_empty() {
            return out;
        }
        out.extend(bodies(&t));
        t.commit().await.unwrap();
    }
}

fn names(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|i| format!("event-{i}")).collect()
}

#[tokio::test]
async fn put_take_commit_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..5)).await.unwrap();
    let t = ch.take(3).await.unwrap();
    assert_eq!(bodies(&t), names(0..3));
    assert_eq!(t.events()[1].header("i"), Some("1"));
    drop(t); // rollback
    let t = ch.take(10).await.unwrap();
    assert_eq!(bodies(&t), names(0..5));
    t.commit().await.unwrap();
    assert!(ch.is_empty());
    ch.stop().await;
}

#[tokio::test]
async fn committed_state_survives_clean_and_unclean_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..10)).await.unwrap();
    ch.take(4).await.unwrap().commit().await.unwrap();
    let inflight = ch.take(2).await.unwrap(); // never committed
    ch.stop().await;
    drop(inflight);

    let ch = open(dir.path(), &[]).await;
    assert_eq!(ch.len(), 6);
    ch.put_batch(events(10..12)).await.unwrap();
    ch.take(1).await.unwrap().commit().await.unwrap();
    drop(ch); // no stop: no checkpoint on close, like a crash after fsync

    let ch = open(dir.path(), &[]).await;
    assert_eq!(drain(&ch).await, names(5..12));
    ch.stop().await;
}

#[tokio::test]
async fn capacity_and_transaction_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(
        dir.path(),
        &[("capacity", "5"), ("transactionCapacity", "5")],
    )
    .await;
    assert!(matches!(
        ch.put_batch(events(0..6)).await,
        Err(ChannelError::Failed(m)) if m.contains("Put queue for FileBackedTransaction of capacity 5 full")
    ));
    ch.put_batch(events(0..5)).await.unwrap();
    assert!(matches!(
        ch.put_batch(events(5..6)).await,
        Err(ChannelError::Full(m)) if m.contains("reached it's capacity")
    ));
    // Taken but uncommitted events still hold their slots.
    let t = ch.take(2).await.unwrap();
    assert!(ch.put_batch(events(5..6)).await.is_err());
    t.commit().await.unwrap();
    ch.put_batch(events(5..7)).await.unwrap();
    ch.stop().await;
}

#[tokio::test]
async fn minimum_required_space_refuses_puts_but_not_takes() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.stop().await;
    // More than any disk here has free: every put is refused, nothing is written.
    let ch = open(
        dir.path(),
        &[("minimumRequiredSpace", "9223372036854775807")],
    )
    .await;
    let err = ch.put_batch(events(3..4)).await.unwrap_err();
    assert!(err.to_string().contains("Usable space exhausted"), "{err}");
    assert_eq!(
        ch.metrics()
            .unwrap()
            .attributes()
            .iter()
            .find(|(k, _)| *k == "EventPutErrorCount")
            .unwrap()
            .1,
        "1"
    );
    assert_eq!(drain(&ch).await, names(0..3));
    ch.stop().await;
    let ch = open(dir.path(), &[]).await;
    assert!(ch.is_empty());
    ch.put_batch(events(4..5)).await.unwrap();
    assert_eq!(drain(&ch).await, names(4..5));
    ch.stop().await;
}

#[tokio::test]
async fn second_channel_on_the_same_dirs_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path(), &[]).await;
    let second = channel(dir.path(), &[]);
    let err = second.start().await.unwrap_err().to_string();
    assert!(err.contains("already locked"), "{err}");
    let put = second
        .put_batch(events(0..1))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        put.contains("Channel closed [channel=c1]. Due to Cannot lock"),
        "{put}"
    );
    let attrs: BTreeMap<_, _> = second.metrics().unwrap().attributes().into_iter().collect();
    assert_eq!(attrs["Open"], "false");
    assert_eq!(attrs["Closed"], "1");
    assert_eq!(attrs["Unhealthy"], "1");
    first.stop().await;
    second.start().await.unwrap();
    second.stop().await;
}

#[tokio::test]
async fn unreadable_java_layout_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/log-3"), b"java").unwrap();
    std::fs::write(dir.path().join("data/log-3.meta"), b"java").unwrap();
    let ch = channel(dir.path(), &[]);
    let err = ch.start().await.unwrap_err().to_string();
    assert!(
        err.contains("Cannot take over the Java Flume file channel")
            && err.contains("log-3.meta")
            && err.contains("Nothing was changed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("data/log-3")).unwrap(),
        b"java"
    );
    assert!(
        segment_files(dir.path())
            .iter()
            .all(|f| !f.starts_with("segment-"))
    );
}

fn java_ctx(root: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "checkpointDir",
            root.join("checkpoint").display().to_string(),
        ),
        (
            "dataDirs",
            format!(
                "{},{}",
                root.join("data1").display(),
                root.join("data2").display()
            ),
        ),
        ("capacity", "10000".into()),
        ("transactionCapacity", "1000".into()),
    ]
}

async fn open_java(root: &Path) -> FileChannel {
    let pairs = java_ctx(root);
    let extra: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    open(root, &extra).await
}

async fn drain_summaries(ch: &FileChannel) -> Vec<(Vec<(String, String)>, String)> {
    let mut out = Vec::new();
    loop {
        let t = ch.take(1000).await.unwrap();
        if t.is_empty() {
            return out;
        }
        for e in t.events() {
            let mut h: Vec<(String, String)> = e
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            h.sort();
            out.push((h, String::from_utf8(e.body.to_vec()).unwrap()));
        }
        t.commit().await.unwrap();
    }
}

fn backups(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("flume-java-backup-")
        })
        .map(|e| e.path())
        .collect()
}

/// The Java channel's events come out of this channel, in order, once; the Java files are kept
/// aside; a restart finds the take-over done.
#[tokio::test]
async fn java_channel_is_taken_over_once() {
    use super::java::tests::{expected, extract};
    for state in ["queued", "partly-taken", "killed-in-flight"] {
        let tmp = tempfile::tempdir().unwrap();
        let root = extract(state, tmp.path());
        let ch = open_java(&root).await;
        let want = expected(state);
        let got = drain_summaries(&ch).await;
        assert_eq!(got, want, "{state}");
        ch.stop().await;
        for d in ["checkpoint", "data1", "data2"] {
            let b = backups(&root.join(d));
            assert_eq!(b.len(), 1, "{state} {d}");
            assert!(std::fs::read_dir(&b[0]).unwrap().count() > 0);
        }
        assert!(
            !std::fs::read_dir(root.join("data1")).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("log-"))
        );
        let ch = open_java(&root).await;
        assert!(drain_summaries(&ch).await.is_empty(), "{state}");
        ch.stop().await;
    }
}

/// A take-over interrupted after its marker is finished at the next start; one interrupted
/// before it is done again from the Java files. Either way every event comes out once.
#[tokio::test]
async fn interrupted_take_over_loses_and_duplicates_nothing() {
    use super::java::tests::{expected, extract};
    let want = expected("partly-taken");
    let tmp = tempfile::tempdir().unwrap();
    let root = extract("partly-taken", tmp.path());
    let ch = open_java(&root).await;
    ch.stop().await;
    drop(ch);
    // Back to "segments written, marker written, nothing moved yet".
    let mut backup_name = String::new();
    for d in ["checkpoint", "data1", "data2"] {
        let dir = root.join(d);
        let b = backups(&dir).pop().unwrap();
        backup_name = b.file_name().unwrap().to_string_lossy().into_owned();
        for e in std::fs::read_dir(&b).unwrap() {
            let e = e.unwrap();
            std::fs::rename(e.path(), dir.join(e.file_name())).unwrap();
        }
        std::fs::remove_dir(&b).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("segment-") {
                std::fs::rename(e.path(), dir.join(format!("{name}.migrating"))).unwrap();
            }
            if name.starts_with("flume-rs-checkpoint") {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    let marker = root.join("checkpoint").join(super::java::migrate::MARKER);
    std::fs::write(&marker, format!("backup={backup_name}\nevents=1800\n")).unwrap();
    let ch = open_java(&root).await;
    assert!(!marker.exists());
    assert_eq!(drain_summaries(&ch).await, want);
    ch.stop().await;
    drop(ch);

    // Interrupted before the marker: stray .migrating files, Java files in place.
    let tmp = tempfile::tempdir().unwrap();
    let root = extract("partly-taken", tmp.path());
    std::fs::write(
        root.join("data1/segment-0000000001.flog.migrating"),
        b"partial",
    )
    .unwrap();
    let ch = open_java(&root).await;
    assert_eq!(drain_summaries(&ch).await, want);
    ch.stop().await;
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| log::parse_segment_name(n).is_some())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn segments_roll_and_unneeded_ones_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[("maxFileSize", "2000")]).await;
    for i in 0..50 {
        ch.put_batch(events(i * 10..i * 10 + 10)).await.unwrap();
        ch.take(10).await.unwrap().commit().await.unwrap();
    }
    assert!(segment_files(dir.path()).len() > 8);
    ch.checkpoint_now().await.unwrap();
    ch.checkpoint_now().await.unwrap();
    let left = segment_files(dir.path());
    assert!(left.len() <= 2, "{left:?}");
    // A queued event keeps its segment.
    ch.put_batch(events(1000..1001)).await.unwrap();
    for i in 0..30 {
        ch.put_batch(events(i * 10..i * 10 + 10)).await.unwrap();
        let t = ch.take(10).await.unwrap();
        t.commit().await.unwrap();
    }
    ch.checkpoint_now().await.unwrap();
    ch.checkpoint_now().await.unwrap();
    ch.stop().await;
    let ch = open(dir.path(), &[("maxFileSize", "2000")]).await;
    assert_eq!(ch.len(), 1);
    ch.stop().await;
}

#[tokio::test]
async fn damaged_checkpoints_fall_back_to_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..20)).await.unwrap();
    ch.take(5).await.unwrap().commit().await.unwrap();
    ch.stop().await;
    for slot in checkpoint::SLOT_NAMES {
        let p = dir.path().join("checkpoint").join(slot);
        let mut b = std::fs::read(&p).unwrap();
        let n = b.len();
        b[n / 2] ^= 0x55;
        std::fs::write(&p, b).unwrap();
    }
    let ch = open(dir.path(), &[]).await;
    assert_eq!(drain(&ch).await, names(5..20));
    ch.stop().await;
    // Missing altogether.
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(20..22)).await.unwrap();
    drop(ch);
    for slot in checkpoint::SLOT_NAMES {
        std::fs::remove_file(dir.path().join("checkpoint").join(slot)).unwrap();
    }
    let ch = open(dir.path(), &[]).await;
    assert_eq!(drain(&ch).await, names(20..22));
    ch.stop().await;
}

#[tokio::test]
async fn backup_checkpoint_is_used_when_the_primary_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup").display().to_string();
    let extra = [
        ("useDualCheckpoints", "true"),
        ("backupCheckpointDir", backup.as_str()),
        ("compressBackupCheckpoint", "true"),
    ];
    let ch = open(dir.path(), &extra).await;
    ch.put_batch(events(0..7)).await.unwrap();
    ch.take(2).await.unwrap().commit().await.unwrap();
    ch.stop().await;
    std::fs::remove_dir_all(dir.path().join("checkpoint")).unwrap();
    let ch = open(dir.path(), &extra).await;
    assert_eq!(drain(&ch).await, names(2..7));
    ch.stop().await;
}

#[tokio::test]
async fn torn_tail_after_a_crash_keeps_everything_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..6)).await.unwrap();
    drop(ch);
    let files = segment_files(dir.path());
    let last = dir.path().join("data").join(files.last().unwrap());
    let len = std::fs::metadata(&last).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(len - 5).unwrap();
    let ch = open(dir.path(), &[]).await;
    assert_eq!(drain(&ch).await, names(0..3));
    ch.stop().await;
    let aside = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains(".damaged-"));
    assert!(aside);
}

#[tokio::test]
async fn fsync_interval_mode_works() {
    let dir = tempfile::tempdir().unwrap();
    let extra = [("fsyncPerTransaction", "false"), ("fsyncInterval", "1")];
    let ch = open(dir.path(), &extra).await;
    ch.put_batch(events(0..4)).await.unwrap();
    ch.take(1).await.unwrap().commit().await.unwrap();
    ch.stop().await;
    let ch = open(dir.path(), &extra).await;
    assert_eq!(drain(&ch).await, names(1..4));
    ch.stop().await;
}

#[tokio::test]
async fn concurrent_puts_share_fsyncs_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ch = Arc::new(open(dir.path(), &[("capacity", "100000")]).await);
    let mut tasks = Vec::new();
    for w in 0..8u64 {
        let ch = Arc::clone(&ch);
        tasks.push(tokio::spawn(async move {
            for b in 0..20u64 {
                let base = w * 10_000 + b * 10;
                ch.put_batch(events(base..base + 10)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(ch.len(), 1600);
    drop(ch);
    let ch = open(dir.path(), &[("capacity", "100000")]).await;
    let mut got = drain(&ch).await;
    got.sort();
    let mut want: Vec<String> = (0..8u64)
        .flat_map(|w| names(w * 10_000..w * 10_000 + 200))
        .collect();
    want.sort();
    assert_eq!(got, want);
    ch.stop().await;
}

#[tokio::test]
async fn metrics_have_flumes_file_channel_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..2)).await.unwrap();
    let m = ch.metrics().unwrap();
    m.start();
    let attrs: BTreeMap<_, _> = m.attributes().into_iter().collect();
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-fixtures/vectors/metrics.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "metrics-derived-file-channel-attrs")
        .unwrap();
    let want: Vec<&str> = case["expected"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(attrs.keys().copied().collect::<Vec<_>>(), want);
    assert_eq!(attrs["Open"], "true");
    assert_eq!(attrs["Closed"], "0");
    assert_eq!(attrs["Unhealthy"], "0");
    assert_eq!(attrs["ChannelSize"], "2");
    assert_eq!(attrs["ChannelCapacity"], "1000");
    ch.stop().await;
}

// ---- model-based property test -------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Put(u8),
    Take(u8),
    Commit(u8),
    Rollback(u8),
    Checkpoint,
    Restart { clean: bool },
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (1u8..12).prop_map(Op::Put),
        3 => (1u8..12).prop_map(Op::Take),
        3 => any::<u8>().prop_map(Op::Commit),
        1 => any::<u8>().prop_map(Op::Rollback),
        1 => Just(Op::Checkpoint),
        1 => any::<bool>().prop_map(|clean| Op::Restart { clean }),
    ]
}

async fn run_model(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let extra = [("maxFileSize", "600"), ("capacity", "100000")];
    let mut ch = open(dir.path(), &extra).await;
    // The model: queued events in order, and open takes (channel side, model side).
    let mut model: VecDeque<String> = VecDeque::new();
    let mut open_takes: Vec<(Take, Vec<String>)> = Vec::new();
    let mut next = 0u64;
    for op in ops {
        match op {
            Op::Put(n) => {
                let n = n as u64;
                ch.put_batch(events(next..next + n)).await.unwrap();
                model.extend(names(next..next + n));
                next += n;
            }
            Op::Take(n) => {
                let t = ch.take(n as usize).await.unwrap();
                let want: Vec<String> = model.drain(..(n as usize).min(model.len())).collect();
                assert_eq!(bodies(&t), want);
                if !t.is_empty() {
                    open_takes.push((t, want));
                }
            }
            Op::Commit(i) if !open_takes.is_empty() => {
                let (t, _) = open_takes.remove(i as usize % open_takes.len());
                t.commit().await.unwrap();
            }
            Op::Rollback(i) if !open_takes.is_empty() => {
                let (t, taken) = open_takes.remove(i as usize % open_takes.len());
                drop(t);
                for b in taken.into_iter().rev() {
                    model.push_front(b);
                }
            }
            Op::Commit(_) | Op::Rollback(_) => {}
            Op::Checkpoint => ch.checkpoint_now().await.unwrap(),
            Op::Restart { clean } => {
                // Open takes die with the process: their events are back after restart (at
                // the head, oldest take first).
                let mut back: Vec<String> = Vec::new();
                for (t, taken) in open_takes.drain(..) {
                    drop(t);
                    back.extend(taken);
                }
                for b in back.into_iter().rev() {
                    model.push_front(b);
                }
                if clean {
                    ch.stop().await;
                }
                drop(ch);
                ch = open(dir.path(), &extra).await;
                // Order after a restart follows commit order, which can differ from memory
                // order after interleaved rollbacks: compare contents, then adopt its order.
                let mut got = drain_keep(&ch).await;
                let mut want: Vec<String> = model.iter().cloned().collect();
                let order = got.clone();
                got.sort();
                want.sort();
                assert_eq!(got, want);
                model = order.into();
            }
        }
    }
    for (t, taken) in open_takes.into_iter().rev() {
        drop(t);
        for b in taken.into_iter().rev() {
            model.push_front(b);
        }
    }
    let mut got = drain(&ch).await;
    let mut want: Vec<String> = model.into_iter().collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    ch.stop().await;
}

/// Everything in the channel, in order, left in place (taken and rolled back).
async fn drain_keep(ch: &FileChannel) -> Vec<String> {
    let mut takes = Vec::new();
    let mut out = Vec::new();
    loop {
        let t = ch.take(100).await.unwrap();
        if t.is_empty() {
            break;
        }
        out.extend(bodies(&t));
        takes.push(t);
    }
    while let Some(t) = takes.pop() {
        drop(t);
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
    #[test]
    fn channel_matches_model(ops in proptest::collection::vec(op(), 1..60)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run_model(ops));
    }
}

fn unhealthy(ch: &FileChannel) -> bool {
    ch.shared
        .file_counters
        .unhealthy
        .load(std::sync::atomic::Ordering::SeqCst)
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// fsyncPerTransaction off: a periodic fsync that fails is retried until it succeeds; the
/// channel is unhealthy meanwhile, and healthy again after.
#[tokio::test]
async fn failed_periodic_fsync_is_retried_until_it_succeeds() {
    use std::sync::atomic::Ordering::SeqCst;
    let tmp = tempfile::tempdir().unwrap();
    let extra = [("fsyncPerTransaction", "false"), ("fsyncInterval", "1")];
    let ch = open(tmp.path(), &extra).await;
    ch.shared.faults.fail_syncs.store(2, SeqCst);
    ch.put_batch(events(0..10)).await.unwrap();
    wait_for("the failed fsync", || unhealthy(&ch)).await;
    wait_for("a successful retry", || {
        ch.shared.faults.good_syncs.load(SeqCst) > 0 && !unhealthy(&ch)
    })
    .await;
    assert_eq!(ch.shared.faults.fail_syncs.load(SeqCst), 0);
    assert_eq!(ch.shared.unsynced_writers.load(SeqCst), 0);
    ch.stop().await;
    let ch = open(tmp.path(), &extra).await;
    assert_eq!(drain(&ch).await, names(0..10));
    ch.stop().await;
}

/// After a failed fsync no put is acknowledged before it is on disk: while syncs keep failing,
/// puts fail (and are not replayed); once a sync succeeds, puts work again.
#[tokio::test]
async fn no_put_is_acknowledged_unsynced_after_a_failed_fsync() {
    use std::sync::atomic::Ordering::SeqCst;
    let tmp = tempfile::tempdir().unwrap();
    let extra = [("fsyncPerTransaction", "false"), ("fsyncInterval", "1")];
    let ch = open(tmp.path(), &extra).await;
    ch.put_batch(events(0..5)).await.unwrap();
    ch.shared.faults.fail_syncs.store(1_000_000, SeqCst);
    wait_for("the failed fsync", || unhealthy(&ch)).await;
    let err = ch.put_batch(events(5..10)).await.unwrap_err().to_string();
    assert!(err.contains("injected fsync failure"), "{err}");
    // No checkpoint may claim records whose sync failed.
    assert!(ch.shared.unsynced_writers.load(SeqCst) > 0);
    ch.shared.faults.fail_syncs.store(0, SeqCst);
    wait_for("recovery", || !unhealthy(&ch)).await;
    ch.put_batch(events(10..15)).await.unwrap();
    ch.stop().await;
    let ch = open(tmp.path(), &extra).await;
    let mut want = names(0..5);
    want.extend(names(10..15));
    assert_eq!(drain(&ch).await, want);
    ch.stop().await;
}
