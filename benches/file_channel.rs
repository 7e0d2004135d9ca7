//! File channel benchmark: throughput and CPU through the real `flume-ng`, and replay time.
//!
//! ```text
//! cargo bench --no-default-features --bench file_channel            # all of it
//! FC_BENCH_DIR=/data/bench cargo bench --no-default-features --bench file_channel
//! FC_BENCH_EVENTS=2000000 FC_BENCH_HTTP_EVENTS=1000000 FC_BENCH_REPLAY_EVENTS=1000000 …
//! FC_BENCH_ONLY=seq,http,replay                                      # a subset
//! ```
//!
//! (a) seq (batch 1000) → file channel (transactionCapacity 1000) → null, 2 M events;
//! (b) http source, 4 concurrent clients posting batches of 100 → file channel → null;
//! (c) replay of 1 M queued 100-byte events: from the checkpoint, and full (no checkpoint);
//! (d) seq (batch 1000) → spillable memory channel (memoryCapacity 10 000, overflowTimeout 0)
//! → null, 2 M events, the sink added (by a reload) only once every event is in the channel:
//! 10 000 stay in memory, the rest overflow to the file channel, then drain in put order
//! (`FC_BENCH_ONLY=seq,spill` prints it beside (a));
//! plus the raw fsync rate of the same disk (write 4 KiB + fdatasync, one at a time), which
//! bounds what any durable channel can do per transaction.
//! Java Flume 1.x on the same kind of machine: 17–18 k events/s, 47 CPU-seconds per million
//! events (the baseline the figures are compared with).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flume_rs::channel::Channel;
use flume_rs::channel::file::FileChannel;
use flume_rs::config::Context;
use flume_rs::event::Event;

const JAVA_EVENTS_PER_SEC: f64 = 17_500.0;
const JAVA_CPU_SECS_PER_MILLION: f64 = 47.0;

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench_root() -> PathBuf {
    let base = std::env::var("FC_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    let dir = base.join(format!("fc-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields after the command: state is 0, utime 11, stime 12.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct Agent {
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Agent {
    fn start(conf: &Path) -> Agent {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flume-ng"));
        cmd.args([
            "agent",
            "-n",
            "a1",
            "--no-reload-conf",
            "-Dflume.root.logger=INFO,console",
            "-f",
        ])
        .arg(conf);
        Agent::start_command(cmd)
    }

    fn start_command(mut cmd: Command) -> Agent {
        let mut child = cmd
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn flume-ng");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push((Instant::now(), line));
            }
        });
        Agent { child, lines }
    }

    fn wait_for(&self, needle: &str, timeout: Duration) -> Instant {
        let start = Instant::now();
        loop {
            if let Some((t, _)) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|(_, l)| l.contains(needle))
            {
                return *t;
            }
            if start.elapsed() > timeout {
                let log: Vec<String> = self
                    .lines
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(_, l)| l.clone())
                    .collect();
                panic!("timed out waiting for {needle:?}:\n{}", log.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn stop(mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

struct Figures {
    name: String,
    events: u64,
    secs: f64,
    cpu: f64,
    rss_mib: f64,
}

impl Figures {
    fn print(&self) {
        let rate = self.events as f64 / self.secs;
        let cpu_per_m = self.cpu / (self.events as f64 / 1e6);
        println!(
            "{:<44} {:>10.0} ev/s ({:>5.1}× Java)  {:>6.2} CPU-s/M ({:>5.1}× less than Java)  peak RSS {:>6.1} MiB  [{} events in {:.2} s, {:.2} CPU-s]",
            self.name,
            rate,
            rate / JAVA_EVENTS_PER_SEC,
            cpu_per_m,
            JAVA_CPU_SECS_PER_MILLION / cpu_per_m,
            self.rss_mib,
            self.events,
            self.secs,
            self.cpu
        );
    }
}

fn channel_conf(root: &Path, tx: u64) -> String {
    format!(
        "a1.channels.c1.type = file\n\
         a1.channels.c1.checkpointDir = {}\na1.channels.c1.dataDirs = {}\n\
         a1.channels.c1.transactionCapacity = {tx}\na1.channels.c1.capacity = 1000000\n",
        root.join("checkpoint").display(),
        root.join("data").display()
    )
}

fn bench_seq(root: &Path, events: u64) -> Figures {
    let conf = root.join("seq.conf");
    std::fs::write(
        &conf,
        format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.batchSize = 1000\na1.sources.r1.totalEvents = {events}\n\
             a1.sources.r1.channels = c1\n{}\
             a1.sinks.k1.type = null\na1.sinks.k1.batchSize = 1000\na1.sinks.k1.logEveryNEvents = {events}\n\
             a1.sinks.k1.channel = c1\n",
            channel_conf(&root.join("seq"), 1000)
        ),
    )
    .unwrap();
    let agent = Agent::start(&conf);
    let t0 = agent.wait_for("Queue Size after replay", Duration::from_secs(60));
    let cpu0 = cpu_secs(agent.child.id());
    let t1 = agent.wait_for(
        &format!("processed {events} events"),
        Duration::from_secs(3600),
    );
    let cpu1 = cpu_secs(agent.child.id());
    let rss = peak_rss_mib(agent.child.id());
    agent.stop();
    Figures {
        name: "(a) seq(batch 1000) → file → null".into(),
        events,
        secs: (t1 - t0).as_secs_f64(),
        cpu: cpu1 - cpu0,
        rss_mib: rss,
    }
}

/// JSON metrics of the agent on `port`, if it answers.
fn metrics(port: u16) -> Option<serde_json::Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let body = raw.split_once("\r\n\r\n")?.1;
    serde_json::from_str(body).ok()
}

fn bench_spillable(root: &Path, events: u64) -> Figures {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = root.join("spill");
    let channel = format!(
        "a1.channels = c1
a1.channels.c1.type = SPILLABLEMEMORY
\
         a1.channels.c1.memoryCapacity = 10000
a1.channels.c1.overflowCapacity = {events}
\
         a1.channels.c1.overflowTimeout = 0
a1.channels.c1.transactionCapacity = 1000
\
         a1.channels.c1.checkpointDir = {}
a1.channels.c1.dataDirs = {}
",
        dir.join("checkpoint").display(),
        dir.join("data").display()
    );
    let conf = root.join("spill.conf");
    std::fs::write(
        &conf,
        format!(
            "a1.sources = r1
\
             a1.sources.r1.type = seq
a1.sources.r1.batchSize = 1000
a1.sources.r1.totalEvents = {events}
\
             a1.sources.r1.channels = c1
{channel}"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flume-ng"));
    child
        .args([
            "agent",
            "-n",
            "a1",
            "-Dflume.root.logger=INFO,console",
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
            "-f",
        ])
        .arg(&conf);
    let agent = Agent::start_command(child);
    let t0 = agent.wait_for("Queue Size after replay", Duration::from_secs(60));
    let cpu0 = cpu_secs(agent.child.id());
    // Every event in the channel (10 000 in memory, the rest in the overflow).
    loop {
        let put = metrics(port).and_then(|m| {
            m["CHANNEL.c1"]["EventPutSuccessCount"]
                .as_str()?
                .parse::<u64>()
                .ok()
        });
        if put.is_some_and(|p| p >= events) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let filled = Instant::now();
    // The sink arrives: a reload keeps the channel (memory and overflow) and adds it.
    std::fs::write(
        &conf,
        format!(
            "a1.sinks = k1
{channel}\
             a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.logEveryNEvents = {events}
\
             a1.sinks.k1.channel = c1
"
        ),
    )
    .unwrap();
    unsafe {
        libc::kill(agent.child.id() as i32, libc::SIGHUP);
    }
    let t1 = agent.wait_for(
        &format!("processed {events} events"),
        Duration::from_secs(3600),
    );
    let cpu1 = cpu_secs(agent.child.id());
    let rss = peak_rss_mib(agent.child.id());
    agent.stop();
    println!(
        "    (d) fill {:.2} s, drain after the reload {:.2} s",
        (filled - t0).as_secs_f64(),
        (t1 - filled).as_secs_f64()
    );
    Figures {
        name: "(d) seq → spillable (10 000 in memory) → null".into(),
        events,
        secs: (t1 - t0).as_secs_f64(),
        cpu: cpu1 - cpu0,
        rss_mib: rss,
    }
}

fn post_keepalive(stream: &mut TcpStream, body: &str) -> bool {
    let req = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(req.as_bytes()).is_err() {
        return false;
    }
    // Read the head, then Content-Length bytes.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read_exact(&mut byte).is_err() {
            return false;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut rest = vec![0u8; len];
    if stream.read_exact(&mut rest).is_err() {
        return false;
    }
    head.split_whitespace().nth(1) == Some("200")
}

fn bench_http(root: &Path, events: u64) -> Figures {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = root.join("http.conf");
    std::fs::write(
        &conf,
        format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\n\
             a1.sources.r1.channels = c1\n{}\
             a1.sinks.k1.type = null\na1.sinks.k1.batchSize = 1000\na1.sinks.k1.logEveryNEvents = {events}\n\
             a1.sinks.k1.channel = c1\n",
            channel_conf(&root.join("http"), 1000)
        ),
    )
    .unwrap();
    let agent = Agent::start(&conf);
    agent.wait_for("Queue Size after replay", Duration::from_secs(60));
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "http source never listened"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // 100 events of ~100 bytes per request.
    let batch: String = format!(
        "[{}]",
        (0..100)
            .map(|_| format!("{{\"headers\":{{}},\"body\":\"{}\"}}", "x".repeat(100)))
            .collect::<Vec<_>>()
            .join(",")
    );
    let batches = events / 100;
    let next = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let cpu0 = cpu_secs(agent.child.id());
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (next, batch) = (Arc::clone(&next), batch.clone());
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_nodelay(true).unwrap();
                while next.fetch_add(1, Ordering::Relaxed) < batches {
                    while !post_keepalive(&mut stream, &batch) {
                        std::thread::sleep(Duration::from_millis(5));
                        stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let t1 = agent.wait_for(
        &format!("processed {} events", batches * 100),
        Duration::from_secs(3600),
    );
    let cpu1 = cpu_secs(agent.child.id());
    let rss = peak_rss_mib(agent.child.id());
    agent.stop();
    Figures {
        name: "(b) http(4 clients × batch 100) → file → null".into(),
        events: batches * 100,
        secs: (t1 - t0).as_secs_f64(),
        cpu: cpu1 - cpu0,
        rss_mib: rss,
    }
}

fn file_channel(root: &Path) -> FileChannel {
    let ctx = Context::from_pairs(
        "a1.channels.c1.",
        [
            (
                "checkpointDir",
                root.join("checkpoint").display().to_string(),
            ),
            ("dataDirs", root.join("data").display().to_string()),
            ("capacity", "2000000".to_string()),
            ("transactionCapacity", "1000".to_string()),
            ("checkpointInterval", "3600000".to_string()),
        ],
    );
    FileChannel::from_context("c1", &ctx, "/nonexistent").unwrap()
}

fn bench_replay(root: &Path, events: u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let root = root.join("replay");
        let ch = file_channel(&root);
        ch.start().await.unwrap();
        let body = bytes::Bytes::from(vec![b'r'; 100]);
        let t = Instant::now();
        for _ in 0..events / 1000 {
            let batch: Vec<Event> = (0..1000).map(|_| Event::new(body.clone())).collect();
            ch.put_batch(batch).await.unwrap();
        }
        let fill = t.elapsed().as_secs_f64();
        println!(
            "(c) filled {events} events of 100 bytes in {fill:.2} s ({:.0} ev/s, put only, batches of 1000)",
            events as f64 / fill
        );
        ch.stop().await; // checkpoint on close

        let ch = file_channel(&root);
        let t = Instant::now();
        ch.start().await.unwrap();
        let from_checkpoint = t.elapsed().as_secs_f64();
        assert_eq!(ch.len() as u64, events);
        // No checkpoint on close this time (as after kill -9): the next start has the
        // start-up checkpoint plus an empty tail.
        drop(ch);

        for slot in flume_rs::channel::file::checkpoint::SLOT_NAMES {
            let _ = std::fs::remove_file(root.join("checkpoint").join(slot));
        }
        let ch = file_channel(&root);
        let t = Instant::now();
        ch.start().await.unwrap();
        let full = t.elapsed().as_secs_f64();
        assert_eq!(ch.len() as u64, events);
        ch.stop().await;
        println!(
            "(c) replay of {events} queued 100-byte events: {from_checkpoint:.3} s from the checkpoint, {full:.3} s full replay (no checkpoint)"
        );
    });
}

fn bench_fsync(root: &Path) -> f64 {
    let path = root.join("fsync-probe");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![7u8; 4096];
    let n = 500;
    let t = Instant::now();
    for _ in 0..n {
        f.write_all(&block).unwrap();
        f.sync_data().unwrap();
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    rate
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only as a bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let root = bench_root();
    let events = env_u64("FC_BENCH_EVENTS", 2_000_000);
    let http_events = env_u64("FC_BENCH_HTTP_EVENTS", 1_000_000);
    let replay_events = env_u64("FC_BENCH_REPLAY_EVENTS", 1_000_000);
    println!("file channel benchmark in {}", root.display());
    let fsync = bench_fsync(&root);
    println!(
        "raw disk: {fsync:.0} fsyncs/s (4 KiB write + fdatasync, one at a time) = {:.2} ms each",
        1000.0 / fsync
    );
    println!(
        "Java Flume baseline: {JAVA_EVENTS_PER_SEC:.0} ev/s, {JAVA_CPU_SECS_PER_MILLION:.0} CPU-s per million events"
    );
    let only = std::env::var("FC_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only.split(',').any(|p| p == part);
    if run("seq") {
        bench_seq(&root, events).print();
    }
    if run("http") {
        bench_http(&root, http_events).print();
    }
    if run("spill") {
        bench_spillable(&root, events).print();
    }
    if run("replay") {
        bench_replay(&root, replay_events);
    }
    let _ = std::fs::remove_dir_all(&root);
}
