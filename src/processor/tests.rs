//! Sink processors driven with fake sinks and a fake clock, including the processor cases of
//! `compat-fixtures/vectors/routing.json`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::vectors::{Case, Outcome};

/// A shared queue of event numbers standing in for a channel.
type Queue = Arc<Mutex<VecDeque<u32>>>;

/// Flume's `ConsumeXSink`: takes one event per call, fails (leaving the event in the queue,
/// as a rollback would) once its capacity is used up.
struct FakeSink {
    name: String,
    queue: Queue,
    remaining: Arc<AtomicUsize>,
    written: Arc<AtomicUsize>,
    calls: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Sink for FakeSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        self.calls.lock().unwrap().push(self.name.clone());
        let mut q = self.queue.lock().unwrap();
        if q.is_empty() {
            return Ok(Status::Backoff);
        }
        if self.remaining.load(Ordering::SeqCst) == 0 {
            return Err(SinkError::Delivery(format!("{} is full", self.name)));
        }
        q.pop_front();
        self.remaining.fetch_sub(1, Ordering::SeqCst);
        self.written.fetch_add(1, Ordering::SeqCst);
        Ok(Status::Ready)
    }
}

struct Rig {
    queue: Queue,
    remaining: Vec<Arc<AtomicUsize>>,
    written: Vec<Arc<AtomicUsize>>,
    calls: Arc<Mutex<Vec<String>>>,
    now: Arc<AtomicI64>,
    sinks: Vec<Box<dyn Sink>>,
}

impl Rig {
    fn new(names: &[&str], capacities: &[usize]) -> Rig {
        let queue: Queue = Arc::new(Mutex::new(VecDeque::new()));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut remaining = Vec::new();
        let mut written = Vec::new();
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        for (name, cap) in names.iter().zip(capacities) {
            let r = Arc::new(AtomicUsize::new(*cap));
            let w = Arc::new(AtomicUsize::new(0));
            remaining.push(Arc::clone(&r));
            written.push(Arc::clone(&w));
            sinks.push(Box::new(FakeSink {
                name: name.to_string(),
                queue: Arc::clone(&queue),
                remaining: r,
                written: w,
                calls: Arc::clone(&calls),
            }));
        }
        Rig {
            queue,
            remaining,
            written,
            calls,
            now: Arc::new(AtomicI64::new(1_000_000)),
            sinks,
        }
    }

    fn clock(&self) -> Clock {
        let now = Arc::clone(&self.now);
        Arc::new(move || now.load(Ordering::SeqCst))
    }

    fn put(&self, n: u32) {
        let mut q = self.queue.lock().unwrap();
        for i in 0..n {
            q.push_back(i);
        }
    }

    fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    fn written(&self, i: usize) -> usize {
        self.written[i].load(Ordering::SeqCst)
    }

    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn processor(&mut self, pairs: &[(&str, &str)]) -> Box<dyn SinkProcessor> {
        let ctx = Context::from_pairs("a1.sinkgroups.g1.", pairs.iter().copied());
        let sinks = std::mem::take(&mut self.sinks);
        build_group_with_clock(&ctx, sinks, self.clock()).expect("processor")
    }
}

async fn until_backoff(p: &mut Box<dyn SinkProcessor>) {
    for _ in 0..10_000 {
        match p.process().await {
            Ok(Status::Backoff) => return,
            Ok(Status::Ready) => {}
            Err(e) => panic!("process failed: {e}"),
        }
    }
    panic!("never backed off");
}

/// The processor cases of `routing.json`, each by the routine that drives it.
pub(crate) fn check_vector(case: &Case) -> Outcome {
    if !case.has("processor") {
        return Outcome::NotMine;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let value = case.value.clone();
    match case.id {
        "fo-basic" => rt.block_on(vector_fo_basic(value)),
        "fo-derived-penalty-schedule" => rt.block_on(vector_fo_penalty_schedule(value)),
        "lb-derived-round-robin-order" => rt.block_on(vector_lb_round_robin_order(value)),
        "lb-derived-backoff-schedule" => rt.block_on(vector_lb_backoff_schedule(value)),
        _ => return Outcome::NotMine,
    }
    Outcome::Pass
}

fn config_pairs(case: &serde_json::Value) -> Vec<(String, String)> {
    case["config"]
        .as_object()
        .expect("config")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// routing.json `fo-basic` (Flume's TestFailoverSinkProcessor#testFailover).
async fn vector_fo_basic(case: serde_json::Value) {
    let caps = &case["input"]["sink_capacities_before_failing"];
    let cap = |s: &str| caps[s].as_u64().unwrap() as usize;
    let mut rig = Rig::new(&["s1", "s2", "s3"], &[cap("s1"), cap("s2"), cap("s3")]);
    let pairs = config_pairs(&case);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut p = rig.processor(&pairs);
    let exp = &case["expected"];
    let n = |phase: &str, s: &str| exp[phase][s].as_u64().map(|v| v as usize);

    rig.put(15);
    until_backoff(&mut p).await;
    assert_eq!(Some(rig.written(0)), n("after_phase1", "s1"));
    assert_eq!(Some(rig.written(1)), n("after_phase1", "s2"));

    rig.put(50);
    until_backoff(&mut p).await;
    assert_eq!(Some(rig.written(1)), n("after_phase2", "s2"));
    assert_eq!(Some(rig.written(2)), n("after_phase2", "s3"));

    rig.remaining[1].fetch_add(20, Ordering::SeqCst);
    rig.advance(5000);
    rig.put(100);
    until_backoff(&mut p).await;
    assert_eq!(Some(rig.written(0)), n("after_phase4", "s1"));
    assert_eq!(Some(rig.written(1)), n("after_phase4", "s2"));
    assert_eq!(Some(rig.written(2)), n("after_phase4", "s3"));
    assert!(rig.queue.lock().unwrap().is_empty(), "no event lost");
}

/// routing.json `fo-derived-penalty-schedule`: a failing sink is retried only once
/// `refresh < now`, its penalty doubling up to maxpenalty.
async fn vector_fo_penalty_schedule(case: serde_json::Value) {
    let schedule = case["expected"]["penalty_ms_after_consecutive_failures"]
        .as_object()
        .expect("schedule")
        .clone();
    // s1 (high priority) always fails; s2 always works.
    let mut rig = Rig::new(&["s1", "s2"], &[0, usize::MAX]);
    let pairs = config_pairs(&case);
    let mut pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.extend([
        ("processor.type", "failover"),
        ("processor.priority.s1", "10"),
        ("processor.priority.s2", "5"),
    ]);
    let mut p = rig.processor(&pairs);
    rig.put(1000);
    // First failure: s1 is active, fails, s2 takes the event.
    assert_eq!(p.process().await.unwrap(), Status::Ready);
    assert_eq!(rig.take_calls(), vec!["s1", "s2"]);
    let mut failed_at = rig.now.load(Ordering::SeqCst);
    for k in 1..=6 {
        let penalty = schedule[&k.to_string()].as_i64().expect("penalty");
        // Not yet: refresh == now is not "< now".
        rig.now.store(failed_at + penalty, Ordering::SeqCst);
        p.process().await.unwrap();
        assert_eq!(
            rig.take_calls(),
            vec!["s2"],
            "after failure {k}, at the penalty"
        );
        // One millisecond later s1 is retried (and fails again), then s2 works.
        rig.now.store(failed_at + penalty + 1, Ordering::SeqCst);
        p.process().await.unwrap();
        assert_eq!(
            rig.take_calls(),
            vec!["s1", "s2"],
            "after failure {k}, past the penalty"
        );
        failed_at += penalty + 1;
    }
}

#[tokio::test]
async fn failover_penalty_overflows_like_java_int() {
    let mut rig = Rig::new(&["s1"], &[0]);
    let p = FailoverSinkProcessor::from_context(
        &Context::from_pairs("p.", [("maxpenalty", "2147483647")]),
        std::mem::take(&mut rig.sinks),
        rig.clock(),
    );
    assert_eq!(p.penalty(1), 2000);
    assert_eq!(p.penalty(21), 2_097_152_000);
    // (1 << 22) * 1000 overflows an int: the penalty turns negative, as in Flume.
    assert!(p.penalty(22) < 0);
    // The shift count wraps at 32.
    assert_eq!(p.penalty(32), 1000);
}

#[tokio::test]
async fn failover_default_priorities_follow_hash_order_and_duplicates_are_left_out() {
    // No priorities: -1, -2, … in HashMap order of the names; the highest (-1) is active.
    let names = ["k1", "k2", "k3"];
    let first = names[crate::java::hash_set_order(&names)[0]];
    let mut rig = Rig::new(&names, &[usize::MAX; 3]);
    let mut p = rig.processor(&[("processor.type", "failover")]);
    rig.put(1);
    p.process().await.unwrap();
    assert_eq!(rig.take_calls(), vec![first]);

    // Equal priorities: the second sink is not added and never runs.
    let mut rig = Rig::new(&["a", "b"], &[0, usize::MAX]);
    let mut p = rig.processor(&[
        ("processor.type", "failover"),
        ("processor.priority.a", "5"),
        ("processor.priority.b", "5"),
    ]);
    rig.put(1);
    let err = p.process().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "All sinks failed to process, nothing left to failover to"
    );
    assert_eq!(rig.take_calls(), vec!["a"]);
}

#[tokio::test]
async fn failover_backoff_from_expired_failed_sink_preempts_active() {
    // Flume quirk: an expired failed sink returning BACKOFF keeps being called first.
    let mut rig = Rig::new(&["hi", "lo"], &[0, usize::MAX]);
    let mut p = rig.processor(&[
        ("processor.type", "failover"),
        ("processor.priority.hi", "2"),
        ("processor.priority.lo", "1"),
    ]);
    rig.put(1);
    p.process().await.unwrap();
    assert_eq!(rig.take_calls(), vec!["hi", "lo"]);
    rig.advance(2001);
    // Channel empty: hi answers BACKOFF and is put back; lo is not called.
    assert_eq!(p.process().await.unwrap(), Status::Backoff);
    assert_eq!(p.process().await.unwrap(), Status::Backoff);
    assert_eq!(rig.take_calls(), vec!["hi", "hi"]);
}

/// routing.json `lb-derived-round-robin-order`.
async fn vector_lb_round_robin_order(case: serde_json::Value) {
    let order: Vec<String> = case["input"]["group_sinks_order"]
        .as_array()
        .expect("order")
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    let names: Vec<&str> = order.iter().map(String::as_str).collect();
    // The vector's order is the group's HashSet order.
    assert_eq!(crate::java::hash_set_order(&names), vec![0, 1, 2]);
    let mut rig = Rig::new(&names, &[usize::MAX; 3]);
    let pairs = config_pairs(&case);
    let mut pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("processor.type", "load_balance"));
    let mut p = rig.processor(&pairs);
    rig.put(100);
    let calls = case["input"]["process_calls"].as_u64().unwrap();
    for _ in 0..calls {
        assert_eq!(p.process().await.unwrap(), Status::Ready);
    }
    let want: Vec<String> = case["expected"]["sink_used_per_call"]
        .as_array()
        .expect("expected")
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(rig.take_calls(), want);
}

/// routing.json `lb-derived-backoff-schedule`.
async fn vector_lb_backoff_schedule(case: serde_json::Value) {
    let schedule = case["expected"]["blacklist_ms_after_consecutive_failures"]
        .as_object()
        .expect("schedule")
        .clone();
    // A always fails, B works; with backoff A is skipped until its restore time.
    let mut rig = Rig::new(&["A", "B"], &[0, usize::MAX]);
    let pairs = config_pairs(&case);
    let mut pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("processor.type", "load_balance"));
    let mut p = rig.processor(&pairs);
    rig.put(1000);
    assert_eq!(p.process().await.unwrap(), Status::Ready);
    assert_eq!(rig.take_calls(), vec!["A", "B"]);
    let mut failed_at = rig.now.load(Ordering::SeqCst);
    for k in 1..=5 {
        let blacklist = schedule[&k.to_string()].as_i64().expect("ms");
        rig.now.store(failed_at + blacklist, Ordering::SeqCst);
        // Only B is active (two calls: the round-robin start moves but only B is there).
        p.process().await.unwrap();
        assert_eq!(rig.take_calls(), vec!["B"], "failure {k}: still backed off");
        rig.now.store(failed_at + blacklist + 1, Ordering::SeqCst);
        // A is back; try until it is picked and fails again.
        let mut tries = 0;
        loop {
            p.process().await.unwrap();
            let calls = rig.take_calls();
            tries += 1;
            if calls.first().map(String::as_str) == Some("A") {
                assert_eq!(calls, vec!["A", "B"]);
                break;
            }
            assert!(tries < 3, "A never tried");
        }
        failed_at = rig.now.load(Ordering::SeqCst);
    }
}

#[tokio::test]
async fn lb_sequential_failures_reset_after_an_hour() {
    let mut rig = Rig::new(&["A", "B"], &[0, usize::MAX]);
    let mut p = LoadBalancingSinkProcessor::from_context(
        &Context::from_pairs("p.", [("backoff", "true")]),
        std::mem::take(&mut rig.sinks),
        rig.clock(),
    )
    .unwrap();
    p.inform_failure(0);
    p.inform_failure(0);
    assert_eq!(p.states[0].sequential_fails, 2);
    rig.advance(4000 + 3_600_000 + 1);
    p.inform_failure(0);
    assert_eq!(p.states[0].sequential_fails, 1);
    assert_eq!(
        p.states[0].restore_time,
        rig.now.load(Ordering::SeqCst) + 2000
    );
}

#[tokio::test]
async fn lb_all_failed_errors() {
    let mut rig = Rig::new(&["A", "B"], &[0, 0]);
    let mut p = rig.processor(&[("processor.type", "load_balance")]);
    rig.put(3);
    let e = p.process().await.unwrap_err();
    assert_eq!(e.to_string(), "All configured sinks have failed");
    assert_eq!(
        rig.queue.lock().unwrap().len(),
        3,
        "events stay in the channel"
    );

    // random + backoff with every sink backed off: Random.nextInt(0).
    let mut rig = Rig::new(&["A", "B"], &[0, 0]);
    let mut p = rig.processor(&[
        ("processor.type", "load_balance"),
        ("processor.selector", "RANDOM"),
        ("processor.backoff", "true"),
    ]);
    rig.put(3);
    assert_eq!(
        p.process().await.unwrap_err().to_string(),
        "All configured sinks have failed"
    );
    let e = p.process().await.unwrap_err();
    assert!(e.to_string().contains("IllegalArgumentException"), "{e}");
    // round-robin + backoff with every sink backed off: no sink to try.
    let mut rig = Rig::new(&["A", "B"], &[0, 0]);
    let mut p = rig.processor(&[
        ("processor.type", "load_balance"),
        ("processor.backoff", "true"),
    ]);
    rig.put(3);
    p.process().await.unwrap_err();
    assert_eq!(rig.take_calls(), vec!["A", "B"]);
    assert_eq!(
        p.process().await.unwrap_err().to_string(),
        "All configured sinks have failed"
    );
    assert!(rig.take_calls().is_empty());
}

#[tokio::test]
async fn lb_random_spreads_and_backs_off() {
    let mut rig = Rig::new(&["A", "B", "C"], &[usize::MAX; 3]);
    let mut p = rig.processor(&[
        ("processor.type", "load_balance"),
        ("processor.selector", "random"),
    ]);
    rig.put(300);
    for _ in 0..300 {
        p.process().await.unwrap();
    }
    for i in 0..3 {
        assert!(rig.written(i) > 30, "sink {i} got {}", rig.written(i));
    }
}

#[test]
fn group_validation_quirks() {
    let build = |pairs: &[(&str, &str)], n: usize| {
        let rig = Rig::new(&["k1", "k2", "k3"][..n], &[1, 1, 1][..n]);
        let ctx = Context::from_pairs("a1.sinkgroups.g1.", pairs.iter().copied());
        build_group_with_clock(&ctx, rig.sinks, system_clock())
    };
    let e = build(&[("sinks", "k1 k2")], 2).err().expect("no type");
    assert!(e.message.contains("no processor.type"), "{}", e.message);
    let e = build(&[("processor.type", "default")], 2)
        .err()
        .expect("default");
    assert!(
        e.message
            .starts_with("DefaultSinkPolicy can only handle one sink")
    );
    assert!(build(&[("processor.type", "DEFAULT")], 1).is_ok());
    let e = build(&[("processor.type", "load_balance")], 1)
        .err()
        .expect("lb");
    assert!(
        e.message.contains("cannot be used for a single sink"),
        "{}",
        e.message
    );
    let e = build(
        &[
            ("processor.type", "load_balance"),
            ("processor.selector", "com.x.MySelector"),
        ],
        2,
    )
    .err()
    .expect("selector");
    assert!(
        e.message
            .starts_with("Unable to instantiate sink selector: com.x.MySelector")
    );
    let e = build(
        &[
            ("processor.type", "load_balance"),
            ("processor.selector.maxTimeOut", "1e3"),
        ],
        2,
    )
    .err()
    .expect("timeout");
    assert_eq!(e.key, "a1.sinkgroups.g1.processor.selector.maxTimeOut");
    let e = build(&[("processor.type", "weighted")], 2)
        .err()
        .expect("type");
    assert!(
        e.message
            .starts_with("Unable to load sink processor type: weighted")
    );
    // Unparsable maxpenalty falls back to the default.
    assert!(
        build(
            &[
                ("processor.type", "failover"),
                ("processor.maxpenalty", "x")
            ],
            2
        )
        .is_ok()
    );
    assert!(
        build(
            &[(
                "processor.type",
                "org.apache.flume.sink.FailoverSinkProcessor"
            )],
            3
        )
        .is_ok()
    );
}

/// Every key a native processor reads (relative to `processor.`) is declared in its table, and
/// every declared key is read.
#[test]
fn processor_tables_declare_every_key_read() {
    let rows = registry::ROWS
        .iter()
        .filter(|r| r.kind == Kind::SinkProcessor && r.native);
    let mut checked = 0;
    for row in rows {
        let table = props(row.name())
            .unwrap_or_else(|| panic!("processor {} has no property table", row.name()));
        let names: &[&str] = if row.name() == "default" {
            &["k1"]
        } else {
            &["k1", "k2"]
        };
        let mut rig = Rig::new(names, &[1, 1]);
        let ctx = Context::from_pairs(
            "a1.sinkgroups.g1.",
            [
                ("processor.type", row.name()),
                ("processor.priority.k1", "5"),
            ],
        );
        let sinks = std::mem::take(&mut rig.sinks);
        if let Err(e) = build_group_with_clock(&ctx, sinks, rig.clock()) {
            panic!("{}: {e}", row.name());
        }
        let asked: Vec<String> = ctx
            .asked()
            .into_iter()
            .filter_map(|k| k.strip_prefix("processor.").map(str::to_string))
            .filter(|k| k != "type")
            .collect();
        for key in &asked {
            assert!(
                table.declares(key),
                "processor {}: reads {key}, not declared",
                row.name()
            );
        }
        for prop in table.all() {
            assert!(
                asked.iter().any(|a| a == prop.name),
                "processor {}: declares {}, not read",
                row.name(),
                prop.name
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}
