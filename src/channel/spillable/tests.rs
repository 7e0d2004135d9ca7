//! The spillable memory channel over a real file channel in a temporary directory: put order
//! across memory and overflow, rollbacks, Flume's capacity rules, crash survival of the
//! overflow, counters; and a property test of the drain order against a plain queue.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::channel::Channel;

fn ctx(dir: &Path, extra: &[(&str, &str)]) -> Context {
    let mut pairs: Vec<(String, String)> = vec![
        (
            "checkpointDir".into(),
            dir.join("checkpoint").display().to_string(),
        ),
        ("dataDirs".into(), dir.join("data").display().to_string()),
        ("minimumRequiredSpace".into(), "1048576".into()),
        ("memoryCapacity".into(), "3".into()),
        ("overflowCapacity".into(), "100".into()),
        ("transactionCapacity".into(), "10".into()),
        ("overflowTimeout".into(), "0".into()),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Context::from_pairs("a1.channels.c1.", pairs)
}

async fn open(dir: &Path, extra: &[(&str, &str)]) -> SpillableMemoryChannel {
    // A channel dropped without stop releases its locks when its threads end.
    for _ in 0..100 {
        let ch =
            SpillableMemoryChannel::from_context("c1", &ctx(dir, extra), "/nonexistent").unwrap();
        match ch.start().await {
            Ok(()) => return ch,
            Err(e) if e.to_string().contains("already locked") => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the overflow's directories stayed locked");
}

fn events(range: std::ops::Range<u64>) -> Vec<Event> {
    range.map(|i| Event::new(format!("e{i}"))).collect()
}

fn bodies(take: &Take) -> Vec<String> {
    take.events()
        .iter()
        .map(|e| String::from_utf8_lossy(&e.body).into_owned())
        .collect()
}

fn names(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|i| format!("e{i}")).collect()
}

async fn take_commit(ch: &SpillableMemoryChannel, max: usize) -> Vec<String> {
    let take = ch.take(max).await.unwrap();
    let b = bodies(&take);
    take.commit().await.unwrap();
    b
}

#[tokio::test]
async fn takes_follow_put_order_across_memory_and_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap(); // memory (full now)
    ch.put_batch(events(3..5)).await.unwrap(); // overflow
    assert_eq!(ch.overflow_len(), 2);
    // A take never mixes the two: the memory run first, then the overflow run.
    assert_eq!(take_commit(&ch, 10).await, names(0..3));
    ch.put_batch(events(5..7)).await.unwrap(); // memory has room again
    assert_eq!(ch.overflow_len(), 2);
    assert_eq!(take_commit(&ch, 10).await, names(3..5));
    assert_eq!(take_commit(&ch, 10).await, names(5..7));
    assert!(ch.is_empty());
    ch.stop().await;
}

#[tokio::test]
async fn rollbacks_return_events_to_the_head_of_their_part() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..6)).await.unwrap();
    let t = ch.take(2).await.unwrap();
    assert_eq!(bodies(&t), names(0..2));
    drop(t);
    assert_eq!(take_commit(&ch, 10).await, names(0..3));
    let t = ch.take(2).await.unwrap();
    assert_eq!(bodies(&t), names(3..5));
    t.rollback();
    assert_eq!(ch.overflow_len(), 3);
    assert_eq!(take_commit(&ch, 10).await, names(3..6));
    ch.stop().await;
}

#[tokio::test]
async fn overflow_capacity_zero_is_a_memory_channel() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[("overflowCapacity", "0")]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    let err = ch.put_batch(events(3..4)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Full(m) if m.contains("overflow is disabled")),
        "{err}"
    );
    assert_eq!(ch.overflow_len(), 0);
    // Capacity as Flume reports it: memoryCapacity + overflowCapacity.
    let attrs = ch.metrics().unwrap().attributes();
    let get = |k: &str| attrs.iter().find(|(a, _)| *a == k).unwrap().1.clone();
    assert_eq!(get("ChannelCapacity"), "3");
    assert_eq!(get("ChannelSize"), "3");
    ch.stop().await;
}

#[tokio::test]
async fn memory_capacity_zero_is_a_file_channel_that_survives_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[("memoryCapacity", "0")]).await;
    ch.put_batch(events(0..4)).await.unwrap();
    assert_eq!(ch.overflow_len(), 4);
    let t = ch.take(1).await.unwrap();
    t.commit().await.unwrap();
    drop(ch); // no stop: as after kill -9
    let ch = open(dir.path(), &[("memoryCapacity", "0")]).await;
    assert_eq!(ch.overflow_len(), 3);
    assert_eq!(take_commit(&ch, 10).await, names(1..4));
    ch.stop().await;
}

#[tokio::test]
async fn the_memory_part_is_lost_on_a_crash_the_overflow_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..8)).await.unwrap();
    drop(ch);
    let ch = open(dir.path(), &[]).await;
    assert_eq!(ch.len(), 5);
    assert_eq!(take_commit(&ch, 10).await, names(3..8));
    ch.stop().await;
}

#[tokio::test]
async fn overflow_deactivates_once_enough_memory_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        ("memoryCapacity", "10"),
        ("overflowDeactivationThreshold", "50"),
        ("overflowTimeout", "1"),
    ];
    let ch = open(dir.path(), &extra).await;
    ch.put_batch(events(0..10)).await.unwrap();
    ch.put_batch(events(10..11)).await.unwrap(); // waits 1 s for memory, then spills
    assert!(ch.inner.lock().overflow_activated);
    // Active overflow: a put that does not fit spills at once.
    assert_eq!(take_commit(&ch, 2).await, names(0..2));
    assert!(ch.inner.lock().overflow_activated);
    ch.put_batch(events(11..14)).await.unwrap();
    assert_eq!(ch.overflow_len(), 4);
    assert_eq!(take_commit(&ch, 4).await, names(2..6));
    // (10 - 4 + 4) / 10 = 100 % "free" by Flume's count: deactivated.
    assert!(!ch.inner.lock().overflow_activated);
    ch.stop().await;
}

#[tokio::test]
async fn full_overflow_is_retried_once_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let extra = [("overflowCapacity", "2"), ("transactionCapacity", "2")];
    let ch = open(dir.path(), &extra).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..5)).await.unwrap();
    let err = ch.put_batch(events(5..6)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Full(_)), "{err}");
    // A batch larger than the file channel's transactionCapacity cannot spill.
    let err = ch.put_batch(events(6..9)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Failed(_)), "{err}");
    ch.stop().await;
}

#[tokio::test]
async fn counters_are_flumes() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..5)).await.unwrap();
    take_commit(&ch, 10).await; // 3 from memory: 3 + 1 attempts
    take_commit(&ch, 2).await; // 2 from overflow: 2 attempts
    take_commit(&ch, 2).await; // empty: 1 attempt
    let attrs = ch.metrics().unwrap().attributes();
    let get = |k: &str| attrs.iter().find(|(a, _)| *a == k).unwrap().1.clone();
    assert_eq!(get("EventPutAttemptCount"), "5");
    assert_eq!(get("EventPutSuccessCount"), "5");
    assert_eq!(get("EventTakeAttemptCount"), "7");
    assert_eq!(get("EventTakeSuccessCount"), "5");
    assert_eq!(get("ChannelCapacity"), "103");
    assert!(attrs.iter().all(|(k, _)| *k != "Open"), "{attrs:?}");
    ch.stop().await;
}

#[test]
fn config_rules() {
    let dir = Path::new("/tmp/unused");
    let cfg = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("checkpointDir", "/c"), ("dataDirs", "/d")];
        pairs.extend_from_slice(extra);
        SpillableConfig::from_context(
            "c1",
            &Context::from_pairs("a1.channels.c1.", pairs),
            dir.to_str().unwrap(),
        )
    };
    let c = cfg(&[]).unwrap();
    assert_eq!(c.memory_capacity, 10_000);
    assert_eq!(c.overflow_capacity, 100_000_000);
    assert_eq!(c.overflow.capacity, 100_000_000);
    assert_eq!(c.overflow.keep_alive, Duration::ZERO);
    assert_eq!(c.overflow.transaction_capacity, 10_000);
    assert_eq!(c.overflow_timeout, Duration::from_secs(3));
    assert_eq!(c.deactivation_threshold, 0.05);
    assert_eq!(c.byte_slots, u64::MAX);
    // The user's capacity and keep-alive are replaced, as Flume puts them into the context.
    let c = cfg(&[("capacity", "5"), ("keep-alive", "9")]).unwrap();
    assert_eq!(c.overflow.capacity, 100_000_000);
    assert_eq!(c.overflow.keep_alive, Duration::ZERO);
    // Both 0: overflowCapacity goes back to its default.
    let c = cfg(&[("memoryCapacity", "0"), ("overflowCapacity", "0")]).unwrap();
    assert_eq!((c.memory_capacity, c.overflow_capacity), (0, 100_000_000));
    assert!(!c.overflow_disabled);
    // overflowCapacity 0: disabled, the file channel gets its default capacity.
    let c = cfg(&[("overflowCapacity", "0")]).unwrap();
    assert!(c.overflow_disabled);
    assert_eq!(c.overflow.capacity, 1_000_000);
    // Unparsable values fall back to the defaults, as Flume catches NumberFormatException.
    let c = cfg(&[("memoryCapacity", "x"), ("overflowTimeout", "1e3")]).unwrap();
    assert_eq!(c.memory_capacity, 10_000);
    assert_eq!(c.overflow_timeout, Duration::from_secs(3));
    // transactionCapacity above the overflow's capacity: the file channel refuses it.
    assert!(cfg(&[("overflowCapacity", "500")]).is_err());
    // byteCapacity in avgEventSize slots: 10000 * 0.8 / 500 = 16.
    let c = cfg(&[("byteCapacity", "10000")]).unwrap();
    assert_eq!(c.byte_slots, 16);
    // File channel keys that are wrong drop the channel.
    assert!(cfg(&[("checkpointInterval", "soon")]).is_err());
}

#[tokio::test]
async fn byte_capacity_spills_large_bodies() {
    let dir = tempfile::tempdir().unwrap();
    // 1000 bytes * 0.8 / 100 = 8 slots of 100 bytes.
    let extra = [
        ("memoryCapacity", "100"),
        ("byteCapacity", "1000"),
        ("avgEventSize", "100"),
    ];
    let ch = open(dir.path(), &extra).await;
    ch.put_batch(vec![Event::new(vec![b'a'; 700])])
        .await
        .unwrap();
    ch.put_batch(vec![Event::new(vec![b'b'; 200])])
        .await
        .unwrap();
    assert_eq!(ch.overflow_len(), 1);
    ch.put_batch(vec![Event::new(vec![b'c'; 100])])
        .await
        .unwrap();
    assert_eq!(ch.overflow_len(), 1);
    ch.stop().await;
}

#[tokio::test]
async fn reload_keeps_memory_and_applies_new_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..5)).await.unwrap();
    // A batch larger than memory goes to the overflow whole.
    ch.put_batch(events(5..9)).await.unwrap();
    assert_eq!(ch.overflow_len(), 6);
    // Shrinking below what memory holds is refused (kept at 3); the rest applies.
    assert!(
        ch.reconfigure(&ctx(dir.path(), &[("memoryCapacity", "1")]))
            .unwrap()
    );
    assert_eq!(ch.inner.lock().config.memory_capacity, 3);
    assert!(
        ch.reconfigure(&ctx(dir.path(), &[("memoryCapacity", "20")]))
            .unwrap()
    );
    ch.start().await.unwrap();
    assert_eq!(ch.len(), 9);
    ch.put_batch(events(9..19)).await.unwrap();
    assert_eq!(ch.overflow_len(), 6);
    assert_eq!(take_commit(&ch, 100).await, names(0..3));
    assert_eq!(take_commit(&ch, 100).await, names(3..9));
    assert_eq!(take_commit(&ch, 100).await, names(9..19));
    ch.stop().await;
}

#[derive(Debug, Clone)]
enum Op {
    Put(usize),
    Take(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1usize..5).prop_map(Op::Put),
        (1usize..6, any::<bool>()).prop_map(|(n, c)| Op::Take(n, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever mix of memory and overflow the puts land in, takes come out in put order, and
    /// rolled-back takes come again first.
    #[test]
    fn takes_come_out_in_put_order(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let ch = open(dir.path(), &[("memoryCapacity", "4")]).await;
            let mut model: VecDeque<String> = VecDeque::new();
            let mut next = 0u64;
            for op in ops {
                match op {
                    Op::Put(n) => {
                        ch.put_batch(events(next..next + n as u64)).await.unwrap();
                        model.extend(names(next..next + n as u64));
                        next += n as u64;
                    }
                    Op::Take(n, commit) => {
                        let take = ch.take(n).await.unwrap();
                        let got = bodies(&take);
                        assert!(got.len() <= n);
                        assert!(model.len() < n || !got.is_empty() || model.is_empty());
                        let expected: Vec<String> = model.iter().take(got.len()).cloned().collect();
                        assert_eq!(got, expected);
                        if commit {
                            take.commit().await.unwrap();
                            model.drain(..got.len());
                        } else {
                            take.rollback();
                        }
                    }
                }
                assert_eq!(ch.len(), model.len());
            }
            ch.stop().await;
        });
    }
}

#[tokio::test]
async fn reload_with_new_directories_reopens_the_overflow_and_keeps_memory() {
    let dir = tempfile::tempdir().unwrap();
    let ch = open(dir.path(), &[]).await;
    ch.put_batch(events(0..3)).await.unwrap();
    ch.put_batch(events(3..5)).await.unwrap();
    let moved = dir.path().join("moved");
    let (cp, dd) = (
        moved.join("checkpoint").display().to_string(),
        moved.join("data").display().to_string(),
    );
    let new_dirs = [("checkpointDir", cp.as_str()), ("dataDirs", dd.as_str())];
    assert!(ch.reconfigure(&ctx(dir.path(), &new_dirs)).unwrap());
    ch.start().await.unwrap();
    // The new overflow starts empty; the memory part is kept; new spills go to the new dirs.
    assert_eq!(ch.overflow_len(), 0);
    ch.put_batch(events(5..7)).await.unwrap();
    assert_eq!(take_commit(&ch, 10).await, names(0..3));
    assert_eq!(take_commit(&ch, 10).await, names(5..7));
    assert!(moved.join("data").exists());
    ch.stop().await;
    // The events of the old directories are still there for a channel configured on them.
    let old = open(dir.path(), &[]).await;
    assert_eq!(take_commit(&old, 10).await, names(3..5));
    old.stop().await;
}
