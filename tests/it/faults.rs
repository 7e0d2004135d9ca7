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

/// A JSON array of events whose bodies are the numbers `from..to`, each followed by a space
/// and `pad` letters `x` when `pad` is not 0 (see [`padded_body`]).
fn json_batch(from: u64, to: u64, pad: usize) -> Vec<u8> {
    let events: Vec<String> = (from..to)
        .map(|n| format!("{{\"body\":\"{}\"}}", padded_body(n, pad)))
        .collect();
    format!("[{}]", events.join(",")).into_bytes()
}

/// The body of event `n`: `n`, or `n xxx…` with `pad` letters.
fn padded_body(n: u64, pad: usize) -> String {
    if pad == 0 {
        n.to_string()
    } else {
        format!("{n} {}", "x".repeat(pad))
    }
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
        Feeder::start_padded(port, batch, pause, 0)
    }

    /// [`Feeder::start`] with bodies padded to `pad` more bytes ([`padded_body`]).
    fn start_padded(port: u16, batch: u64, pause: Duration, pad: usize) -> Feeder {
        use std::sync::atomic::Ordering;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (sent, stop) = (sent.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut next = 0;
                while !stop.load(Ordering::SeqCst) {
                    let body = json_batch(next, next + batch, pad);
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

// ---------------------------------------------------------------------------------------
// Overload: 500 clients into a full channel.

fn varint(n: i64) -> Vec<u8> {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    let mut out = Vec::new();
    loop {
        if z & !0x7f != 0 {
            out.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        } else {
            out.push(z as u8);
            return out;
        }
    }
}

fn avro_string(b: &[u8]) -> Vec<u8> {
    let mut out = varint(b.len() as i64);
    out.extend_from_slice(b);
    out
}

/// One Netty-framed Avro `appendBatch` call with the Java client's handshake (as
/// compat-fixtures/golden/tools/inject.py builds it), events without headers.
fn avro_append_batch(bodies: &[String]) -> Vec<u8> {
    let hash = [
        0x86, 0xaa, 0xda, 0xe2, 0xc4, 0x54, 0x74, 0xc0, 0xfe, 0x93, 0xff, 0xd0, 0xf2, 0x35, 0x0a,
        0x65,
    ];
    let mut p = Vec::new();
    p.extend_from_slice(&hash);
    p.push(0);
    p.extend_from_slice(&hash);
    p.extend_from_slice(&[2, 0, 0]);
    p.extend(avro_string(b"appendBatch"));
    p.extend(varint(bodies.len() as i64));
    for b in bodies {
        p.push(0); // no headers
        p.extend(avro_string(b.as_bytes()));
    }
    p.push(0);
    let mut frame = Vec::new();
    frame.extend_from_slice(&1i32.to_be_bytes());
    frame.extend_from_slice(&1i32.to_be_bytes());
    frame.extend_from_slice(&(p.len() as i32).to_be_bytes());
    frame.extend(p);
    frame
}

/// Send one appendBatch on a new connection: `Some(true)` for OK, `Some(false)` for FAILED,
/// `None` when no answer came.
fn avro_send(port: u16, bodies: &[String]) -> Option<bool> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    s.write_all(&avro_append_batch(bodies)).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // serial, count, then (length, data) per buffer; the status is the payload's last byte.
        if buf.len() >= 12 {
            let count = u32::from_be_bytes(buf[4..8].try_into().unwrap()) as usize;
            let mut at = 8;
            let mut payload = Vec::new();
            let mut complete = true;
            for _ in 0..count {
                if buf.len() < at + 4 {
                    complete = false;
                    break;
                }
                let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
                if buf.len() < at + 4 + len {
                    complete = false;
                    break;
                }
                payload.extend_from_slice(&buf[at + 4..at + 4 + len]);
                at += 4 + len;
            }
            if complete {
                // Status enum: OK = 0, FAILED = 1 (zig-zag 2).
                return payload.last().map(|s| *s == 0);
            }
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Peak resident set (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A refused 400 MB POST: answered 413 before its body is read, whatever the budget holds.
fn huge_post(port: u16) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let size: u64 = 400_000_000;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).ok()?;
    let chunk = vec![b' '; 1 << 20];
    // Write until the server answers and closes (at most the whole body).
    for _ in 0..(size >> 20) {
        if s.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw)
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn fault_overload_500_clients_into_a_full_channel() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    const PER_TYPE: u64 = 125;
    const EVENTS: u64 = 20;
    const PAD: usize = 256 << 10;
    let dir = tempfile::tempdir().unwrap();
    let (hp, np, yp, vp, cp, ma) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = h n y v\na.channels = c1\na.sinks = k1\n\
             a.sources.h.type = http\na.sources.h.bind = 127.0.0.1\na.sources.h.port = {hp}\na.sources.h.channels = c1\n\
             a.sources.n.type = netcat\na.sources.n.bind = 127.0.0.1\na.sources.n.port = {np}\na.sources.n.channels = c1\n\
             a.sources.y.type = syslogtcp\na.sources.y.host = 127.0.0.1\na.sources.y.port = {yp}\na.sources.y.channels = c1\n\
             a.sources.v.type = avro\na.sources.v.bind = 127.0.0.1\na.sources.v.port = {vp}\na.sources.v.channels = c1\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000\na.channels.c1.transactionCapacity = 100\na.channels.c1.keep-alive = 1\n\
             a.sinks.k1.type = avro\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {cp}\na.sinks.k1.batch-size = 100\na.sinks.k1.channel = c1\n"
        ),
    );
    let budget = 8u64 << 20;
    let agent = start_with_metrics(
        "a",
        &a,
        ma,
        &[&format!("-Dflume.sources.memoryBudget={budget}")],
    );
    for p in [hp, np, yp, vp] {
        wait_port(p, Duration::from_secs(20));
    }
    assert_eq!(huge_post(hp), Some(413), "a 400 MB POST");

    // Five hundred clients; each sends its events until every one of them is accepted
    // (syslog has no reply: it sends once, and the source drops what the channel refuses,
    // as Flume's does).
    let refused = Arc::new([0, 0, 0, 0].map(|_: i32| AtomicU64::new(0)));
    let id = |t: u64, c: u64, i: u64| (t * PER_TYPE + c) * EVENTS + i;
    let mut clients = Vec::new();
    for c in 0..PER_TYPE {
        let r = Arc::clone(&refused);
        clients.push(std::thread::spawn(move || {
            // http: one batch, a large field the JSON handler reads and drops.
            let events: Vec<String> = (0..EVENTS)
                .map(|i| format!("{{\"body\":\"{}\"}}", id(0, c, i)))
                .collect();
            let body = format!(
                "[{{\"pad\":\"{}\",{}]",
                "p".repeat(PAD),
                &events.join(",")[1..]
            );
            while post(hp, body.as_bytes()) != Some(200) {
                r[0].fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(200));
            }
        }));
        let r = Arc::clone(&refused);
        clients.push(std::thread::spawn(move || {
            let mut s = TcpStream::connect(("127.0.0.1", np)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
            for i in 0..EVENTS {
                loop {
                    s.write_all(format!("{}\n", id(1, c, i)).as_bytes())
                        .unwrap();
                    let mut reply = String::new();
                    std::io::BufRead::read_line(&mut reader, &mut reply).unwrap();
                    if reply == "OK\n" {
                        break;
                    }
                    assert!(reply.starts_with("FAILED"), "netcat reply {reply:?}");
                    r[1].fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }));
        let r = Arc::clone(&refused);
        clients.push(std::thread::spawn(move || {
            let bodies: Vec<String> = (0..EVENTS).map(|i| id(2, c, i).to_string()).collect();
            loop {
                match avro_send(vp, &bodies) {
                    Some(true) => break,
                    Some(false) => {
                        r[2].fetch_add(1, Ordering::Relaxed);
                    }
                    None => {
                        r[3].fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }));
        clients.push(std::thread::spawn(move || {
            let mut s = TcpStream::connect(("127.0.0.1", yp)).unwrap();
            for i in 0..EVENTS {
                let _ = s.write_all(format!("<13>{}\n", id(3, c, i)).as_bytes());
            }
        }));
    }
    // Every kind of client meets the full channel.
    eventually(Duration::from_secs(120), "refusals of each kind", || {
        (0..3).all(|t| refused[t].load(Ordering::Relaxed) >= 10)
    });
    // Then the downstream collector comes up and the channel drains: every client gets through.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let b = dir.path().join("b.conf");
    write(
        &b,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {cp}\nb.sources.r1.channels = c1\n\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 100000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {}\nb.sinks.k1.sink.rollInterval = 0\n",
            out.display()
        ),
    );
    let started = Instant::now();
    let _b = Agent::start("b", &b, &[]);
    let deadline = Instant::now() + Duration::from_secs(240);
    for c in clients {
        while !c.is_finished() {
            assert!(Instant::now() < deadline, "a client never got through");
            std::thread::sleep(Duration::from_millis(50));
        }
        c.join().expect("client");
    }
    let recovered = started.elapsed();
    let rss = peak_rss_kib(agent.child.id());
    let acked = 3 * PER_TYPE * EVENTS;
    eventually(
        Duration::from_secs(60),
        "acknowledged events written",
        || Tally::of(acked, rolled_lines(&out)).lost == 0,
    );
    std::thread::sleep(Duration::from_secs(1));
    let lines = rolled_lines(&out);
    let syslog: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            // Syslog bodies keep the line as sent when it has no syslog header.
            let n: u64 = l.trim().trim_start_matches("<13>").parse().ok()?;
            (n >= acked).then(|| (n - acked).to_string())
        })
        .collect();
    let tally = Tally::of(acked, lines.into_iter().filter(|l| !l.starts_with("<13>")));
    let syslog = Tally::of(PER_TYPE * EVENTS, syslog);
    tally.print("overload_http_netcat_avro", recovered);
    syslog.print("overload_syslog_dropped_when_full", recovered);
    eprintln!(
        "FIGURES overload: refusals http {} netcat {} avro {} (avro unanswered {}); peak RSS {} MiB with a {} MiB budget",
        refused[0].load(Ordering::Relaxed),
        refused[1].load(Ordering::Relaxed),
        refused[2].load(Ordering::Relaxed),
        refused[3].load(Ordering::Relaxed),
        rss / 1024,
        budget >> 20
    );
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.duplicated, 0);
    assert_eq!(tally.foreign, 0);
    assert_eq!(syslog.duplicated, 0);
    // Without the budget, 125 requests in flight hold 125 × 256 KiB and the events parsed
    // from them; with it, at most the budget.
    assert!(
        rss < 160 * 1024,
        "peak RSS {} MiB with a {} MiB budget",
        rss / 1024,
        budget >> 20
    );
    assert!(agent.log().contains("HTTP request refused"));
}

// ---------------------------------------------------------------------------------------
// Local disk full.

/// A full disk for one agent: a small tmpfs the test mounts (root with the right to mount),
/// else the agent's file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored so writes fail with EFBIG)
/// lowered to 0 and raised again on the running process.
enum FullDisk {
    Tmpfs { mount: PathBuf },
    FileSizeLimit,
}

impl FullDisk {
    fn prepare(dir: &Path) -> FullDisk {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if mounted {
            FullDisk::Tmpfs {
                mount: dir.to_path_buf(),
            }
        } else {
            eprintln!(
                "cannot mount a tmpfs here: the agent's file-size limit stands for a full disk"
            );
            FullDisk::FileSizeLimit
        }
    }

    /// Start the agent so that its file-size limit can be changed (SIGXFSZ ignored).
    fn start_agent(&self, conf: &Path, metrics_port: u16) -> Agent {
        use std::os::unix::process::CommandExt;
        let mut cmd = std::process::Command::new(crate::support::flume_ng());
        cmd.args(["agent", "-n", "a", "-f"])
            .arg(conf)
            .args([
                "--no-reload-conf",
                "-Dflume.root.logger=INFO,console",
                "-Dflume.monitoring.type=http",
            ])
            .arg(format!("-Dflume.monitoring.port={metrics_port}"));
        // SAFETY: signal() is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
        let agent = Agent::spawn(cmd);
        eventually(Duration::from_secs(20), "metrics server up", || {
            TcpStream::connect(("127.0.0.1", metrics_port)).is_ok()
        });
        agent
    }

    fn fill(&self, agent: &Agent) {
        match self {
            FullDisk::Tmpfs { mount } => {
                let mut f = std::fs::File::create(mount.join("filler")).unwrap();
                let block = vec![0u8; 64 * 1024];
                while f.write_all(&block).is_ok() {}
                let _ = f.flush();
            }
            FullDisk::FileSizeLimit => set_fsize(agent.child.id(), 0),
        }
    }

    fn free(&self, agent: &Agent) {
        match self {
            FullDisk::Tmpfs { mount } => std::fs::remove_file(mount.join("filler")).unwrap(),
            FullDisk::FileSizeLimit => set_fsize(agent.child.id(), libc::RLIM_INFINITY),
        }
    }
}

fn set_fsize(pid: u32, limit: libc::rlim_t) {
    let new = libc::rlimit {
        rlim_cur: limit,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscall on a process of the same user; `new` outlives the call.
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &new,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        if let FullDisk::Tmpfs { mount } = self {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&*mount)
                .status();
        }
    }
}

/// Lines of every file under `dir` and its subfolders.
fn lines_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(lines_under(&p));
            } else if p.file_name().is_some_and(|n| n != "filler")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                out.extend(text.lines().map(str::to_string));
            }
        }
    }
    out
}

/// http (numbered events) → memory → `sink` writing under a disk that fills up for ~4 s;
/// at most `max_duplicates` events may be written twice.
fn disk_full(test: &str, sink: &str, max_duplicates: u64) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let disk = FullDisk::prepare(&out);
    let (hp, ma) = (free_port(), free_port());
    let a = dir.path().join("a.conf");
    let sink = sink.replace("{out}", &out.display().to_string());
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n{source}\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.channel = c1\n{sink}",
            source = http_source(hp),
        ),
    );
    let mut agent = disk.start_agent(&a, ma);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start(hp, 200, Duration::from_millis(50));
    eventually(Duration::from_secs(30), "events written", || {
        lines_under(&out).len() >= 2_000
    });
    disk.fill(&agent);
    eventually(
        Duration::from_secs(30),
        "the sink meets the full disk",
        || metric(ma, "CHANNEL.c1", "ChannelSize") >= 2_000,
    );
    let written = lines_under(&out).len();
    let failed_at = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let queued = metric(ma, "CHANNEL.c1", "ChannelSize");
    assert!(queued >= 2_000, "events wait in the channel: {queued}");
    disk.free(&agent);
    let freed = Instant::now();
    eventually(Duration::from_secs(60), "writing again", || {
        lines_under(&out).len() > written + 1_000
    });
    let recovered = freed.elapsed();
    let total = feeder.stop();
    eventually(Duration::from_secs(60), "the channel drains", || {
        metric(ma, "CHANNEL.c1", "ChannelSize") == 0
    });
    assert_eq!(agent.stop(), Some(0), "{}", agent.log());
    let tally = Tally::of(total, lines_under(&out));
    tally.print(test, recovered);
    eprintln!(
        "FIGURES {test}: {queued} events queued in the channel after the disk was full for {:.1} s",
        (freed - failed_at).as_secs_f64()
    );
    assert_eq!(tally.lost, 0, "{}", agent.log());
    assert_eq!(tally.foreign, 0, "torn lines");
    assert!(
        tally.duplicated <= max_duplicates,
        "{} events written twice",
        tally.duplicated
    );
}

#[test]
fn fault_disk_full_file_roll() {
    disk_full(
        "disk_full_file_roll",
        "a.sinks.k1.type = file_roll\na.sinks.k1.sink.directory = {out}\na.sinks.k1.sink.rollInterval = 0\na.sinks.k1.sink.batchSize = 100\n",
        // A failed batch is cut off the file before it is retried.
        0,
    );
}

#[test]
fn fault_disk_full_hdfs_local() {
    disk_full(
        "disk_full_hdfs_local",
        "a.sinks.k1.type = hdfs\na.sinks.k1.hdfs.path = file://{out}/events\na.sinks.k1.hdfs.fileType = DataStream\n\
         a.sinks.k1.hdfs.rollInterval = 0\na.sinks.k1.hdfs.rollSize = 0\na.sinks.k1.hdfs.rollCount = 0\na.sinks.k1.hdfs.batchSize = 100\n",
        // As in Flume's HDFS sink, what an output stream took of a failed batch stays (an HDFS
        // file cannot be cut back) and the batch is written again: one batch at most.
        100,
    );
}

// ---------------------------------------------------------------------------------------
// Kafka broker stopped and restarted.

/// A tansu broker of this test alone, storing its topics in a bucket of the shared S3 server
/// (durable mode: what it acknowledged survives its restart), so that it can be stopped.
#[cfg(feature = "kafka")]
struct DurableBroker {
    port: u16,
    bucket: String,
    child: Option<std::process::Child>,
}

#[cfg(feature = "kafka")]
impl DurableBroker {
    fn start() -> DurableBroker {
        let s3 = crate::support::s3::server();
        let bucket = s3.bucket("tansu");
        let mut b = DurableBroker {
            port: free_port(),
            bucket,
            child: None,
        };
        b.resume();
        b
    }

    fn resume(&mut self) {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let child = std::process::Command::new(crate::support::kafka::tansu())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .arg("--storage-engine")
            .arg(format!("s3://{}/", self.bucket))
            .env("AWS_ENDPOINT", &crate::support::s3::server().endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", crate::support::s3::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", crate::support::s3::SECRET_KEY)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start tansu");
        self.child = Some(child);
        wait_port(self.port, Duration::from_secs(30));
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn client(&self) -> crate::support::kafka::Broker {
        crate::support::kafka::Broker {
            bootstrap: format!("127.0.0.1:{}", self.port),
            port: self.port,
        }
    }
}

#[cfg(feature = "kafka")]
impl Drop for DurableBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(feature = "kafka")]
#[test]
fn fault_kafka_broker_stopped_20s_under_the_kafka_sink() {
    let mut broker = DurableBroker::start();
    let client = broker.client();
    let topic = crate::support::kafka::unique_topic("fault-sink");
    client.create_topic(&topic, 3);
    let dir = tempfile::tempdir().unwrap();
    let (hp, ma) = (free_port(), free_port());
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n{source}\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na.sinks.k1.channel = c1\n\
             a.sinks.k1.kafka.bootstrap.servers = {bootstrap}\na.sinks.k1.kafka.topic = {topic}\n\
             a.sinks.k1.flumeBatchSize = 100\na.sinks.k1.kafka.producer.acks = all\n",
            source = http_source(hp),
            bootstrap = client.bootstrap,
        ),
    );
    let _agent = start_with_metrics("a", &a, ma, &[]);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start(hp, 100, Duration::from_millis(50));
    eventually(Duration::from_secs(60), "events reach Kafka", || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount") >= 2_000
    });
    broker.kill();
    let stopped_at = metric(ma, "SINK.k1", "EventDrainSuccessCount");
    std::thread::sleep(Duration::from_secs(20));
    let queued = metric(ma, "CHANNEL.c1", "ChannelSize");
    broker.resume();
    let resumed = Instant::now();
    // Recovered: what waited in the channel during the outage has reached the broker.
    eventually(Duration::from_secs(120), "the sink delivers again", || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount") > stopped_at + queued
    });
    let recovered = resumed.elapsed();
    let total = feeder.stop();
    eventually(Duration::from_secs(120), "the channel drains", || {
        metric(ma, "CHANNEL.c1", "ChannelSize") == 0
            && metric(ma, "SINK.k1", "EventDrainSuccessCount") >= total
    });
    let records = client.consume_all(
        &topic,
        "fault-check",
        Duration::from_secs(5),
        Duration::from_secs(120),
    );
    let values = records.iter().map(|r| {
        String::from_utf8(crate::support::kafka::unhex(
            r["value_hex"].as_str().unwrap_or(""),
        ))
        .unwrap_or_default()
    });
    let tally = Tally::of(total, values);
    tally.print("kafka_sink_broker_stopped_20s", recovered);
    eprintln!(
        "FIGURES kafka_sink_broker_stopped_20s: {queued} events queued in the channel during the outage"
    );
    assert!(queued > 0, "the outage held nothing back");
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.foreign, 0);
    // A batch the broker had written when it stopped, without the acknowledgement reaching
    // the sink, is sent again.
    assert!(tally.duplicated <= 100, "{} duplicates", tally.duplicated);
}

#[cfg(feature = "kafka")]
#[test]
fn fault_kafka_broker_stopped_20s_under_the_kafka_source() {
    let mut broker = DurableBroker::start();
    let client = broker.client();
    let topic = crate::support::kafka::unique_topic("fault-source");
    client.create_topic(&topic, 3);
    let total: u64 = 60_000;
    let records: Vec<serde_json::Value> = (0..total)
        .map(|n| serde_json::json!({"value_hex": crate::support::kafka::hex(n.to_string().as_bytes())}))
        .collect();
    client.produce(&topic, &records);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let ma = free_port();
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n\
             a.sources.s1.type = org.apache.flume.source.kafka.KafkaSource\na.sources.s1.channels = c1\n\
             a.sources.s1.kafka.bootstrap.servers = {bootstrap}\na.sources.s1.kafka.topics = {topic}\n\
             a.sources.s1.kafka.consumer.group.id = fault\na.sources.s1.kafka.consumer.auto.offset.reset = earliest\n\
             a.sources.s1.kafka.consumer.session.timeout.ms = 6000\na.sources.s1.batchSize = 100\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = file_roll\na.sinks.k1.channel = c1\na.sinks.k1.sink.directory = {out}\n\
             a.sinks.k1.sink.rollInterval = 0\na.sinks.k1.sink.batchSize = 100\n",
            bootstrap = client.bootstrap,
            out = out.display(),
        ),
    );
    let _agent = start_with_metrics("a", &a, ma, &[]);
    eventually(Duration::from_secs(120), "the source reads", || {
        rolled_lines(&out).len() >= 2_000
    });
    broker.kill();
    let at_stop = rolled_lines(&out).len();
    std::thread::sleep(Duration::from_secs(20));
    broker.resume();
    let resumed = Instant::now();
    eventually(Duration::from_secs(180), "every record read", || {
        Tally::of(total, rolled_lines(&out)).lost == 0
    });
    let recovered = resumed.elapsed();
    let tally = Tally::of(total, rolled_lines(&out));
    tally.print("kafka_source_broker_stopped_20s", recovered);
    assert!(
        at_stop < total as usize / 2,
        "the source had read {at_stop} of {total} before the stop"
    );
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.foreign, 0);
    // Records whose offsets were not committed when the broker stopped are read again.
    assert!(
        tally.duplicated <= 3 * 100,
        "{} duplicates",
        tally.duplicated
    );
}

#[cfg(feature = "kafka")]
#[test]
fn fault_kafka_broker_stopped_20s_under_the_kafka_channel() {
    let mut broker = DurableBroker::start();
    let client = broker.client();
    let topic = crate::support::kafka::unique_topic("fault-channel");
    client.create_topic(&topic, 3);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (hp, ma) = (free_port(), free_port());
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n{source}\
             a.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a.channels.c1.kafka.bootstrap.servers = {bootstrap}\na.channels.c1.kafka.topic = {topic}\n\
             a.channels.c1.kafka.consumer.group.id = fault\na.channels.c1.kafka.consumer.session.timeout.ms = 6000\n\
             a.sinks.k1.type = file_roll\na.sinks.k1.channel = c1\na.sinks.k1.sink.directory = {out}\n\
             a.sinks.k1.sink.rollInterval = 0\na.sinks.k1.sink.batchSize = 100\n",
            source = http_source(hp),
            bootstrap = client.bootstrap,
            out = out.display(),
        ),
    );
    let _agent = start_with_metrics("a", &a, ma, &[]);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start(hp, 100, Duration::from_millis(50));
    eventually(
        Duration::from_secs(120),
        "events through the channel",
        || rolled_lines(&out).len() >= 2_000,
    );
    broker.kill();
    let at_stop = feeder.sent();
    std::thread::sleep(Duration::from_secs(20));
    let during = feeder.sent() - at_stop;
    broker.resume();
    let resumed = Instant::now();
    eventually(
        Duration::from_secs(120),
        "the channel takes puts again",
        || feeder.sent() > at_stop + during + 2_000,
    );
    let recovered = resumed.elapsed();
    let total = feeder.stop();
    eventually(Duration::from_secs(180), "every event written", || {
        Tally::of(total, rolled_lines(&out)).lost == 0
    });
    let tally = Tally::of(total, rolled_lines(&out));
    tally.print("kafka_channel_broker_stopped_20s", recovered);
    eprintln!(
        "FIGURES kafka_channel_broker_stopped_20s: {during} events accepted by the source while the broker was down"
    );
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.foreign, 0);
    // A put the broker wrote without its answer reaching the channel is retried by the client
    // (a 503); a take not committed when the broker stopped is taken again.
    assert!(
        tally.duplicated <= 5 * 100,
        "{} duplicates",
        tally.duplicated
    );
}

// ---------------------------------------------------------------------------------------
// S3 server stopped and restarted under the hdfs sink (`s3a://`).

/// Every object of `bucket`, read with boto3: the event numbers of its lines (one entry per
/// copy), the lines that are not a whole event `n xxx…` (`pad` letters), and the objects.
#[cfg(feature = "s3")]
fn s3_events(
    server: &crate::support::s3::S3Server,
    bucket: &str,
    pad: usize,
) -> (Vec<String>, u64, Vec<String>) {
    let out = server.python(&format!(
        r#"
import json
pad = "x" * {pad}
numbers, bad, keys = [], 0, []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="{bucket}"):
    for o in page.get("Contents", []):
        keys.append(o["Key"])
        body = s3.get_object(Bucket="{bucket}", Key=o["Key"])["Body"].read().decode("latin-1")
        if not body.endswith("\n"):
            bad += 1
        for line in body.split("\n")[:-1]:
            n, _, rest = line.partition(" ")
            if n.isdigit() and rest == pad:
                numbers.append(n)
            else:
                bad += 1
print(json.dumps({{"numbers": numbers, "bad": bad, "keys": keys}}))
"#
    ));
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("verifier output");
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    (
        strings("numbers"),
        v["bad"].as_u64().unwrap(),
        strings("keys"),
    )
}

/// The ids of the multipart uploads open in `bucket`.
#[cfg(feature = "s3")]
fn s3_open_uploads(server: &crate::support::s3::S3Server, bucket: &str) -> Vec<String> {
    let out = server.python(&format!(
        "import json\nr = s3.list_multipart_uploads(Bucket='{bucket}')\n\
         print(json.dumps([u['UploadId'] for u in r.get('Uploads', [])]))"
    ));
    serde_json::from_str(out.trim()).unwrap_or_default()
}

/// http (numbered events of ~1 KiB, 100 every 50 ms) → memory → hdfs sink writing
/// `s3a://<bucket>/fault/` (DataStream, files rolled at 11 MB: multipart uploads of 5 MiB
/// parts) on a SeaweedFS of this test alone. While a multipart upload is open the server is
/// stopped with `signal`, and started again 15 s later on the same data and ports.
#[cfg(feature = "s3")]
fn s3_server_stopped_under_the_hdfs_sink(test: &str, signal: libc::c_int) {
    use crate::support::s3::PrivateS3;
    const PAD: usize = 1000;
    let mut s3 = PrivateS3::start();
    let bucket = s3.server.bucket("fault-s3");
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = dir.path().join("conf");
    write(
        &conf_dir.join("core-site.xml"),
        &s3.server
            .core_site_with_buffer(&dir.path().join("s3-buffer")),
    );
    let (hp, ma) = (free_port(), free_port());
    let a = conf_dir.join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n{source}\
             a.channels.c1.type = memory\na.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = hdfs\na.sinks.k1.channel = c1\n\
             a.sinks.k1.hdfs.path = s3a://{bucket}/fault\na.sinks.k1.hdfs.fileType = DataStream\n\
             a.sinks.k1.hdfs.rollInterval = 0\na.sinks.k1.hdfs.rollCount = 0\n\
             a.sinks.k1.hdfs.rollSize = 11000000\na.sinks.k1.hdfs.batchSize = 100\n\
             a.sinks.k1.hdfs.callTimeout = 10000\na.sinks.k1.hdfs.retryInterval = 2\n",
            source = http_source(hp),
        ),
    );
    let conf_arg = conf_dir.to_str().unwrap();
    let mut agent = start_with_metrics("a", &a, ma, &["--conf", conf_arg]);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start_padded(hp, 100, Duration::from_millis(50), PAD);
    eventually(Duration::from_secs(60), "a first object written", || {
        metric(ma, "SINK.k1", "ConnectionClosedCount") >= 1
    });
    // Stop the server while a multipart upload is open (its first part stored).
    let mut open_at_stop = Vec::new();
    eventually(Duration::from_secs(30), "a multipart upload open", || {
        open_at_stop = s3_open_uploads(&s3.server, &bucket);
        !open_at_stop.is_empty()
    });
    s3.stop(signal);
    let sent_at_stop = feeder.sent();
    let stopped = Instant::now();
    std::thread::sleep(Duration::from_secs(15));
    let queued = metric(ma, "CHANNEL.c1", "ChannelSize");
    let failures = metric(ma, "SINK.k1", "ConnectionFailedCount");
    let sent_during = feeder.sent() - sent_at_stop;
    let resumed = Instant::now();
    let startup = s3.resume();
    let outage = stopped.elapsed();
    // Recovered (from the restart of the server): the files the outage left unfinished are
    // closed (only the current one is open) and the channel holds less than one batch.
    eventually(Duration::from_secs(60), "the sink catches up", || {
        let created = metric(ma, "SINK.k1", "ConnectionCreatedCount");
        let closed = metric(ma, "SINK.k1", "ConnectionClosedCount");
        closed + 1 >= created && metric(ma, "CHANNEL.c1", "ChannelSize") < 100
    });
    let recovered = resumed.elapsed();
    // The uploads open at the stop were completed (or aborted): none is left behind.
    let still_open = s3_open_uploads(&s3.server, &bucket);
    let leftover: Vec<&String> = open_at_stop
        .iter()
        .filter(|id| still_open.contains(id))
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let total = feeder.stop();
    eventually(Duration::from_secs(60), "the channel drains", || {
        metric(ma, "CHANNEL.c1", "ChannelSize") == 0
            && metric(ma, "SINK.k1", "EventDrainSuccessCount") >= total
    });
    let failures = metric(ma, "SINK.k1", "ConnectionFailedCount").max(failures);
    assert_eq!(agent.stop(), Some(0), "{}", agent.log());
    let (numbers, bad, keys) = s3_events(&s3.server, &bucket, PAD);
    let mut tally = Tally::of(total, numbers);
    tally.foreign += bad;
    tally.print(test, recovered);
    eprintln!(
        "FIGURES {test}: {} objects; {sent_during} events accepted during the outage of {:.1} s \
         (server start to ready {:.1} s), {queued} in the channel at its end; {failures} failed storage \
         calls; uploads open at the stop {}, left after recovery {}, after the agent stopped {}",
        keys.len(),
        outage.as_secs_f64(),
        startup.as_secs_f64(),
        open_at_stop.len(),
        leftover.len(),
        s3.server.pending_uploads(&bucket),
    );
    assert_eq!(tally.lost, 0, "{}", agent.log());
    assert_eq!(tally.foreign, 0, "partial or torn objects");
    assert!(failures > 0, "the outage was not seen by the sink");
    assert!(leftover.is_empty(), "uploads left open: {leftover:?}");
    assert_eq!(s3.server.pending_uploads(&bucket), 0);
    // A batch that failed is rolled back and written again, while the file that held it is
    // closed with it when the server is back (as Flume's BucketWriter closes a file after a
    // failed flush): at most one batch of 100 per file abandoned in the outage.
    let abandoned = failures.min(keys.len() as u64);
    assert!(
        tally.duplicated <= 100 * abandoned.max(1),
        "{} duplicates for {abandoned} abandoned files",
        tally.duplicated
    );
}

#[cfg(feature = "s3")]
#[test]
fn s3_server_killed_15s_under_the_hdfs_sink() {
    s3_server_stopped_under_the_hdfs_sink("s3_server_killed_15s", libc::SIGKILL);
}

#[cfg(feature = "s3")]
#[test]
fn s3_server_terminated_15s_under_the_hdfs_sink() {
    s3_server_stopped_under_the_hdfs_sink("s3_server_terminated_15s", libc::SIGTERM);
}

/// http (numbered events of ~1 KiB) → file channel → hdfs sink writing `s3a://` as above, on
/// the shared SeaweedFS; the agent is killed -9 while a multipart upload is open and started
/// again. What the sink had acknowledged of the open file is in its local journal
/// (`fs.s3a.buffer.dir`); the restarted agent completes that upload from it.
#[cfg(feature = "s3")]
#[test]
fn s3_agent_killed_9_during_a_multipart_upload() {
    const PAD: usize = 1000;
    let server = crate::support::s3::server();
    let bucket = server.bucket("fault-kill");
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = dir.path().join("conf");
    let buffer = dir.path().join("s3-buffer");
    write(
        &conf_dir.join("core-site.xml"),
        &server.core_site_with_buffer(&buffer),
    );
    let (hp, ma) = (free_port(), free_port());
    let a = conf_dir.join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n{source}\
             a.channels.c1.type = file\na.channels.c1.checkpointDir = {dir}/cp\na.channels.c1.dataDirs = {dir}/data\n\
             a.channels.c1.capacity = 1000000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = hdfs\na.sinks.k1.channel = c1\n\
             a.sinks.k1.hdfs.path = s3a://{bucket}/fault\na.sinks.k1.hdfs.fileType = DataStream\n\
             a.sinks.k1.hdfs.rollInterval = 0\na.sinks.k1.hdfs.rollCount = 0\n\
             a.sinks.k1.hdfs.rollSize = 11000000\na.sinks.k1.hdfs.batchSize = 100\n",
            source = http_source(hp),
            dir = dir.path().display(),
        ),
    );
    let conf_arg = conf_dir.to_str().unwrap();
    let mut agent = start_with_metrics("a", &a, ma, &["--conf", conf_arg]);
    wait_port(hp, Duration::from_secs(20));
    let mut feeder = Feeder::start_padded(hp, 100, Duration::from_millis(50), PAD);
    eventually(Duration::from_secs(60), "a first object written", || {
        metric(ma, "SINK.k1", "ConnectionClosedCount") >= 1
    });
    let mut open_at_kill = Vec::new();
    eventually(Duration::from_secs(30), "a multipart upload open", || {
        open_at_kill = s3_open_uploads(server, &bucket);
        !open_at_kill.is_empty()
    });
    agent.kill9();
    let journals = |d: &Path| {
        std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "journal"))
                    .count()
            })
            .unwrap_or(0)
    };
    let left = journals(&buffer);
    std::thread::sleep(Duration::from_secs(2));
    let restarted = Instant::now();
    let mut agent = start_with_metrics("a", &a, ma, &["--conf", conf_arg]);
    eventually(
        Duration::from_secs(60),
        "the upload open at the kill completed",
        || {
            let open = s3_open_uploads(server, &bucket);
            open_at_kill.iter().all(|id| !open.contains(id))
        },
    );
    let recovered = restarted.elapsed();
    eventually(Duration::from_secs(30), "events flow again", || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount") >= 2_000
    });
    let total = feeder.stop();
    eventually(Duration::from_secs(60), "the channel drains", || {
        metric(ma, "CHANNEL.c1", "ChannelSize") == 0
    });
    let log = agent.log();
    assert_eq!(agent.stop(), Some(0), "{log}");
    let (numbers, bad, keys) = s3_events(server, &bucket, PAD);
    let mut tally = Tally::of(total, numbers);
    tally.foreign += bad;
    tally.print("s3_agent_killed_9", recovered);
    eprintln!(
        "FIGURES s3_agent_killed_9: {} objects; uploads open at the kill {}, journals left {left}, \
         uploads open after the restarted agent stopped {}, journals left then {}",
        keys.len(),
        open_at_kill.len(),
        server.pending_uploads(&bucket),
        journals(&buffer),
    );
    assert!(left >= 1, "no journal of the open file");
    assert!(
        log.contains("was left unfinished by an earlier run: its multipart upload is completed"),
        "{log}"
    );
    assert_eq!(tally.lost, 0, "{log}");
    assert_eq!(tally.foreign, 0, "partial or torn objects");
    assert_eq!(server.pending_uploads(&bucket), 0);
    assert_eq!(journals(&buffer), 0);
    // The batch the sink had taken and not committed is taken again; a batch the source had
    // put without its answer reaching the client is sent again.
    assert!(tally.duplicated <= 200, "{} duplicates", tally.duplicated);
}
