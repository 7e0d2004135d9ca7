//! Fault tests: outside services and downstream agents fail in the middle of a stream; each
//! test counts the events sent, delivered, lost (must be 0) and duplicated (only from batches
//! in flight) and prints a `FIGURES` line (the numbers in docs/reliability.md come from them).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{Agent, eventually, free_port, wait_port, write};

/// `GET /metrics` of an agent started with `-Dflume.monitoring.type=http`.
fn metrics(port: u16) -> serde_json::Value {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return serde_json::Value::Null;
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

fn metric(port: u16, component: &str, attr: &str) -> u64 {
    metrics(port)[component][attr]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn start_with_metrics(name: &str, conf: &Path, port: u16, extra: &[&str]) -> Agent {
    let mut args = vec![
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let agent = Agent::start(name, conf, &args);
    eventually(Duration::from_secs(20), "metrics server up", || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    agent
}

/// Lines of every file under `dir` (file_roll output), in no particular order.
fn rolled_lines(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                out.extend(text.lines().map(str::to_string));
            }
        }
    }
    out
}

/// What arrived of the events numbered `0..sent`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    sent: u64,
    /// Distinct events that arrived.
    delivered: u64,
    lost: u64,
    /// Extra copies.
    duplicated: u64,
    /// Lines that are not one of the events sent (torn or foreign).
    foreign: u64,
}

impl Tally {
    fn of<I: IntoIterator<Item = String>>(sent: u64, lines: I) -> Tally {
        let mut seen = vec![0u32; sent as usize];
        let mut foreign = 0;
        for l in lines {
            match l.trim().parse::<u64>() {
                Ok(n) if n < sent => seen[n as usize] += 1,
                _ => foreign += 1,
            }
        }
        Tally {
            sent,
            delivered: seen.iter().filter(|c| **c > 0).count() as u64,
            lost: seen.iter().filter(|c| **c == 0).count() as u64,
            duplicated: seen.iter().map(|c| c.saturating_sub(1) as u64).sum(),
            foreign,
        }
    }

    fn print(&self, test: &str, recover: Duration) {
        eprintln!(
            "FIGURES {test}: sent {} delivered {} lost {} duplicated {} foreign {} recovered in {:.1} s",
            self.sent,
            self.delivered,
            self.lost,
            self.duplicated,
            self.foreign,
            recover.as_secs_f64()
        );
    }
}

/// POST `body` to the http source on `port`: the status, or `None` when the request failed.
fn post(port: u16, body: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    // A refusal may come before the body is read: the status counts, not the write.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// A JSON array of events whose bodies are the numbers `from..to`.
fn json_batch(from: u64, to: u64) -> Vec<u8> {
    let events: Vec<String> = (from..to)
        .map(|n| format!("{{\"body\":\"{n}\"}}"))
        .collect();
    format!("[{}]", events.join(",")).into_bytes()
}

/// A stream of numbered events POSTed to an http source: `batch` events every `pause`, each
/// batch retried until it is answered 200, until [`Feeder::stop`]. `sent()` counts the events
/// of the batches answered 200.
struct Feeder {
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Feeder {
    fn start(port: u16, batch: u64, pause: Duration) -> Feeder {
        use std::sync::atomic::Ordering;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (sent, stop) = (sent.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut next = 0;
                while !stop.load(Ordering::SeqCst) {
                    let body = json_batch(next, next + batch);
                    if post(port, &body) == Some(200) {
                        next += batch;
                        sent.store(next, Ordering::SeqCst);
                    }
                    std::thread::sleep(pause);
                }
            })
        };
        Feeder {
            sent,
            stop,
            thread: Some(thread),
        }
    }

    fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stop sending; the number of events sent.
    fn stop(&mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.sent()
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The lines of an http source on `port` feeding channel `c1` of agent `a`.
fn http_source(port: u16) -> String {
    format!(
        "a.sources.s1.type = http\na.sources.s1.bind = 127.0.0.1\na.sources.s1.port = {port}\na.sources.s1.channels = c1\n"
    )
}

// ---------------------------------------------------------------------------------------
// Downstream collectors killed -9 and restarted behind sink groups.

/// A collector agent `b`: an avro or thrift source on `port` → file channel (acknowledged
/// events survive kill -9) → file_roll.
fn durable_collector(dir: &Path, name: &str, rpc: &str, port: u16) -> PathBuf {
    let conf = dir.join(format!("{name}.conf"));
    let d = dir.join(name);
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = {rpc}\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n\
             b.channels.c1.type = file\nb.channels.c1.checkpointDir = {cp}\nb.channels.c1.dataDirs = {data}\n\
             b.channels.c1.capacity = 1000000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {out}\n\
             b.sinks.k1.sink.rollInterval = 0\nb.sinks.k1.sink.batchSize = 100\n",
            cp = d.join("cp").display(),
            data = d.join("data").display(),
            out = d.join("out").display(),
        ),
    );
    std::fs::create_dir_all(d.join("out")).unwrap();
    conf
}

/// http (numbered events from the test) → memory → two `rpc` sinks in a `processor` group, to two durable collectors; the
/// preferred collector is killed -9 in the middle of the stream and started again 2 s later.
fn collector_killed_and_restarted(rpc: &str, processor: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2, ma) = (free_port(), free_port(), free_port());
    let hp = free_port();
    let batch: u64 = 100;
    let b1_conf = durable_collector(dir.path(), "b1", rpc, p1);
    let b2_conf = durable_collector(dir.path(), "b2", rpc, p2);
    let mut b1 = Agent::start("b", &b1_conf, &[]);
    let _b2 = Agent::start("b", &b2_conf, &[]);
    wait_port(p1, Duration::from_secs(20));
    wait_port(p2, Duration::from_secs(20));
    let group = match processor {
        "failover" => "a.sinkgroups.g1.processor.type = failover\n\
             a.sinkgroups.g1.processor.priority.k1 = 10\na.sinkgroups.g1.processor.priority.k2 = 5\n\
             a.sinkgroups.g1.processor.maxpenalty = 2000\n"
            .to_string(),
        _ => "a.sinkgroups.g1.processor.type = load_balance\n\
             a.sinkgroups.g1.processor.selector = round_robin\na.sinkgroups.g1.processor.backoff = true\n\
             a.sinkgroups.g1.processor.selector.maxTimeOut = 2000\n"
            .to_string(),
    };
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1 k2\na.sinkgroups = g1\n{source}\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = {rpc}\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {p1}\na.sinks.k1.batch-size = {batch}\na.sinks.k1.channel = c1\n\
             a.sinks.k2.type = {rpc}\na.sinks.k2.hostname = 127.0.0.1\na.sinks.k2.port = {p2}\na.sinks.k2.batch-size = {batch}\na.sinks.k2.channel = c1\n\
             a.sinkgroups.g1.sinks = k1 k2\n{group}",
            source = http_source(hp),
        ),
    );
    let out1 = dir.path().join("b1/out");
    let out2 = dir.path().join("b2/out");
    let _a = start_with_metrics("a", &a, ma, &[]);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start(hp, 500, Duration::from_millis(50));
    eventually(
        Duration::from_secs(60),
        "collector 1 receives events",
        || rolled_lines(&out1).len() >= 5_000,
    );
    b1.kill9();
    let killed = Instant::now();
    let at_kill = rolled_lines(&out1).len();
    std::thread::sleep(Duration::from_secs(2));
    let _b1 = Agent::start("b", &b1_conf, &[]);
    // The restarted collector takes traffic again (failover: once k1's penalty ends).
    eventually(
        Duration::from_secs(60),
        "collector 1 receives events again",
        || rolled_lines(&out1).len() > at_kill + 1_000,
    );
    let recovered = killed.elapsed();
    let total = feeder.stop();
    eventually(
        Duration::from_secs(180),
        "the group delivered everything",
        || {
            metric(ma, "SINK.k1", "EventDrainSuccessCount")
                + metric(ma, "SINK.k2", "EventDrainSuccessCount")
                >= total
        },
    );
    let lines = || rolled_lines(&out1).into_iter().chain(rolled_lines(&out2));
    eventually(Duration::from_secs(120), "every event written out", || {
        Tally::of(total, lines()).lost == 0
    });
    let tally = Tally::of(total, lines());
    tally.print(&format!("collector_{rpc}_{processor}"), recovered);
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.foreign, 0, "torn or foreign lines");
    // In flight at the kill: one batch of the sink to the killed collector, one batch of the
    // collector's file_roll sink.
    assert!(
        tally.duplicated <= 2 * batch,
        "{} duplicates, more than the batches in flight",
        tally.duplicated
    );
    assert!(
        metric(ma, "SINK.k2", "EventDrainSuccessCount") > 0,
        "the second sink never took over"
    );
}

#[test]
fn fault_avro_collector_killed_behind_failover() {
    collector_killed_and_restarted("avro", "failover");
}

#[test]
fn fault_avro_collector_killed_behind_load_balance() {
    collector_killed_and_restarted("avro", "load_balance");
}

#[test]
fn fault_thrift_collector_killed_behind_failover() {
    collector_killed_and_restarted("thrift", "failover");
}

#[test]
fn fault_thrift_collector_killed_behind_load_balance() {
    collector_killed_and_restarted("thrift", "load_balance");
}
