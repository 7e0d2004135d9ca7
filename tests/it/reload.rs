//! Reload without a gap: a reload (SIGHUP) restarts only the components whose configuration
//! changed. Clients keep sending to unchanged http and netcat sources across reloads that
//! change another source's interceptor, an unrelated sink and a channel's capacity, and that
//! remove a source: no connection is refused, no event is lost, the unchanged sources' counters
//! keep counting. A slow external config filter during a reload does not stall the pipeline.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::support::{Agent, eventually, free_port, http, wait_port, write};

/// Every line the file_roll sink wrote under `out` (all files).
fn lines_in(out: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        // Complete lines only.
        let complete = text.rfind('\n').map_or("", |i| &text[..i]);
        lines.extend(complete.lines().map(str::to_string));
    }
    lines
}

fn sighup(agent: &Agent) {
    let status = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(agent.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Rewrite the configuration, send SIGHUP and wait for the `n`-th reload to be applied.
fn reload(agent: &Agent, conf: &Path, text: &str, n: usize) {
    write(conf, text);
    sighup(agent);
    eventually(
        Duration::from_secs(60),
        &format!("reload {n} applied"),
        || agent.log().matches("Reload applied").count() >= n,
    );
}

fn metrics(port: u16) -> serde_json::Value {
    let (status, _, body) = http("GET", port, "/metrics", None, b"");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

fn counter(json: &serde_json::Value, component: &str, key: &str) -> u64 {
    json[component][key]
        .as_str()
        .unwrap_or_else(|| panic!("{component}.{key} missing in {json}"))
        .parse()
        .unwrap()
}

/// What a continuous client saw.
#[derive(Default)]
struct Tally {
    /// Bodies acknowledged by the source (HTTP 200, netcat `OK`).
    acked: Vec<String>,
    /// Connections refused or dropped, and answers other than success.
    failures: Vec<String>,
}

/// A client sending until `stop`: one event per HTTP request, each on a new connection.
fn http_client(port: u16, stop: Arc<AtomicBool>) -> JoinHandle<Tally> {
    std::thread::spawn(move || {
        let mut tally = Tally::default();
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let body = format!("h{i:06}");
            match crate::file_channel::post(port, std::slice::from_ref(&body)) {
                Some(200) => tally.acked.push(body),
                other => tally.failures.push(format!("{body}: {other:?}")),
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        tally
    })
}

/// A netcat client sending until `stop`: a new connection every 10 lines, each line waiting
/// for its `OK`.
fn netcat_client(port: u16, stop: Arc<AtomicBool>) -> JoinHandle<Tally> {
    std::thread::spawn(move || {
        let mut tally = Tally::default();
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let mut s = match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => s,
                Err(e) => {
                    tally.failures.push(format!("connect: {e}"));
                    i += 1;
                    continue;
                }
            };
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut reader = BufReader::new(s.try_clone().unwrap());
            for _ in 0..10 {
                let body = format!("n{i:06}");
                i += 1;
                let mut answer = String::new();
                let ok = s.write_all(format!("{body}\n").as_bytes()).is_ok()
                    && reader.read_line(&mut answer).is_ok();
                if ok && answer == "OK\n" {
                    tally.acked.push(body);
                } else {
                    tally.failures.push(format!("{body}: {answer:?}"));
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        tally
    })
}

struct Setup {
    dir: PathBuf,
    http_port: u16,
    netcat_port: u16,
    other_port: u16,
}

impl Setup {
    fn out(&self, sink: &str) -> PathBuf {
        self.dir.join(sink)
    }

    /// `rh` (http) → `ch` → `kh`, `rn` (netcat) → `cn` → `kn`, and, when `other`, `rx`
    /// (netcat, static interceptor `tag = tag`) → `cx` → `kx` (header_and_text, `kx_batch`).
    fn config(&self, ch_capacity: u32, other: Option<(&str, u32)>) -> String {
        let mut c = format!(
            "a1.sources = rh rn{rx}\na1.channels = ch cn{cx}\na1.sinks = kh kn{kx}\n\
             a1.sources.rh.type = http\na1.sources.rh.bind = 127.0.0.1\na1.sources.rh.port = {hp}\n\
             a1.sources.rh.channels = ch\n\
             a1.sources.rn.type = netcat\na1.sources.rn.bind = 127.0.0.1\na1.sources.rn.port = {np}\n\
             a1.sources.rn.channels = cn\n\
             a1.channels.ch.type = memory\na1.channels.ch.capacity = {ch_capacity}\n\
             a1.channels.ch.transactionCapacity = 1000\n\
             a1.channels.cn.type = memory\na1.channels.cn.capacity = 100000\n\
             a1.channels.cn.transactionCapacity = 1000\n\
             a1.sinks.kh.type = file_roll\na1.sinks.kh.channel = ch\n\
             a1.sinks.kh.sink.directory = {oh}\na1.sinks.kh.sink.rollInterval = 0\n\
             a1.sinks.kn.type = file_roll\na1.sinks.kn.channel = cn\n\
             a1.sinks.kn.sink.directory = {on}\na1.sinks.kn.sink.rollInterval = 0\n",
            rx = if other.is_some() { " rx" } else { "" },
            cx = if other.is_some() { " cx" } else { "" },
            kx = if other.is_some() { " kx" } else { "" },
            hp = self.http_port,
            np = self.netcat_port,
            oh = self.out("kh").display(),
            on = self.out("kn").display(),
        );
        if let Some((tag, kx_batch)) = other {
            c.push_str(&format!(
                "a1.sources.rx.type = netcat\na1.sources.rx.bind = 127.0.0.1\n\
                 a1.sources.rx.port = {xp}\na1.sources.rx.channels = cx\n\
                 a1.sources.rx.interceptors = i1\na1.sources.rx.interceptors.i1.type = static\n\
                 a1.sources.rx.interceptors.i1.key = tag\n\
                 a1.sources.rx.interceptors.i1.value = {tag}\n\
                 a1.channels.cx.type = memory\n\
                 a1.sinks.kx.type = file_roll\na1.sinks.kx.channel = cx\n\
                 a1.sinks.kx.sink.directory = {ox}\na1.sinks.kx.sink.rollInterval = 0\n\
                 a1.sinks.kx.sink.serializer = header_and_text\n\
                 a1.sinks.kx.sink.batchSize = {kx_batch}\n",
                xp = self.other_port,
                ox = self.out("kx").display(),
            ));
        }
        c
    }
}

/// Send one line to a netcat source and wait for its `OK`.
fn send_line(port: u16, line: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    BufReader::new(s).read_line(&mut answer).unwrap();
    assert_eq!(answer, "OK\n");
}

#[test]
fn reload_restarts_only_what_changed_and_unchanged_sources_never_stop() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup {
        dir: dir.path().to_path_buf(),
        http_port: free_port(),
        netcat_port: free_port(),
        other_port: free_port(),
    };
    let monitoring = free_port();
    for sink in ["kh", "kn", "kx"] {
        std::fs::create_dir_all(setup.out(sink)).unwrap();
    }
    let conf = dir.path().join("agent.conf");
    write(&conf, &setup.config(100_000, Some(("v1", 100))));
    let mut agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={monitoring}"),
        ],
    );
    for port in [
        setup.http_port,
        setup.netcat_port,
        setup.other_port,
        monitoring,
    ] {
        wait_port(port, Duration::from_secs(20));
    }
    send_line(setup.other_port, "x-before");

    let stop = Arc::new(AtomicBool::new(false));
    let http_sender = http_client(setup.http_port, Arc::clone(&stop));
    let netcat_sender = netcat_client(setup.netcat_port, Arc::clone(&stop));
    eventually(Duration::from_secs(30), "clients under way", || {
        lines_in(&setup.out("kh")).len() >= 20 && lines_in(&setup.out("kn")).len() >= 20
    });
    let before = metrics(monitoring);
    // The netcat source has no counters (as in Flume 1.9): its channel's puts stand for it.
    let accepted = |json: &serde_json::Value, source: &str| match source {
        "rn" => counter(json, "CHANNEL.cn", "EventPutSuccessCount"),
        _ => counter(json, &format!("SOURCE.{source}"), "EventAcceptedCount"),
    };

    // 1. Another source's interceptor changes: rx restarts with it, nothing else.
    reload(&agent, &conf, &setup.config(100_000, Some(("v2", 100))), 1);
    send_line(setup.other_port, "x-after");
    eventually(Duration::from_secs(30), "rx's new interceptor", || {
        lines_in(&setup.out("kx")).contains(&"{tag=v2} x-after".to_string())
    });
    // 2. An unrelated sink changes (kx's batch size) and ch's capacity changes: kx restarts;
    // ch is a memory channel, reused and resized in place (Flume's rule), so rh and kh on it
    // keep running.
    reload(&agent, &conf, &setup.config(50_000, Some(("v2", 10))), 2);
    // 3. rx, cx and kx are removed: they stop.
    reload(&agent, &conf, &setup.config(50_000, None), 3);
    eventually(Duration::from_secs(20), "rx stopped listening", || {
        TcpStream::connect(("127.0.0.1", setup.other_port)).is_err()
    });
    eventually(
        Duration::from_secs(20),
        "more events after reload 3",
        || {
            let json = metrics(monitoring);
            accepted(&json, "rh") > accepted(&before, "rh") + 20
                && accepted(&json, "rn") > accepted(&before, "rn") + 20
        },
    );

    stop.store(true, Ordering::Relaxed);
    let http_tally = http_sender.join().unwrap();
    let netcat_tally = netcat_sender.join().unwrap();
    let log = agent.log();
    eprintln!(
        "across 3 reloads: http {} acknowledged, {} failed; netcat {} acknowledged, {} failed",
        http_tally.acked.len(),
        http_tally.failures.len(),
        netcat_tally.acked.len(),
        netcat_tally.failures.len()
    );
    assert!(
        http_tally.failures.is_empty(),
        "http client: {:?}\n{log}",
        http_tally.failures
    );
    assert!(
        netcat_tally.failures.is_empty(),
        "netcat client: {:?}\n{log}",
        netcat_tally.failures
    );

    // Every acknowledged event is delivered, once.
    for (sink, tally) in [("kh", &http_tally), ("kn", &netcat_tally)] {
        eventually(
            Duration::from_secs(30),
            &format!("{sink} caught up"),
            || lines_in(&setup.out(sink)).len() >= tally.acked.len(),
        );
        let got = lines_in(&setup.out(sink));
        assert_eq!(got.len(), tally.acked.len(), "{sink} duplicated events");
        assert_eq!(
            got.iter().collect::<BTreeSet<_>>(),
            tally.acked.iter().collect::<BTreeSet<_>>(),
            "{sink}"
        );
    }

    // Unchanged components kept running: their counters went on from where they were, and
    // their start time is the first one.
    let after = metrics(monitoring);
    for key in [
        "SOURCE.rh",
        "CHANNEL.ch",
        "CHANNEL.cn",
        "SINK.kh",
        "SINK.kn",
    ] {
        assert_eq!(
            counter(&after, key, "StartTime"),
            counter(&before, key, "StartTime"),
            "{key}"
        );
    }
    assert_eq!(
        counter(&after, "SINK.kh", "EventDrainSuccessCount"),
        http_tally.acked.len() as u64
    );
    assert_eq!(
        accepted(&after, "rh"),
        http_tally.acked.len() as u64,
        "rh's counter was reset"
    );
    assert_eq!(
        accepted(&after, "rn"),
        netcat_tally.acked.len() as u64,
        "rn's counter was reset"
    );
    assert_eq!(counter(&after, "CHANNEL.ch", "ChannelCapacity"), 50_000);
    assert!(after.get("SOURCE.rx").is_none(), "{after}");
    assert!(after.get("CHANNEL.cx").is_none(), "{after}");

    // What the log says was touched, and what was not.
    for untouched in [
        "Stopping Source rh",
        "Stopping Source rn",
        "Stopping Sink kh",
        "Stopping Sink kn",
        "Stopping Channel ch",
        "Stopping Channel cn",
    ] {
        assert!(!log.contains(untouched), "{untouched}:\n{log}");
    }
    assert_eq!(log.matches("Stopping Source rx").count(), 2, "{log}");
    assert_eq!(log.matches("Starting Source rx").count(), 2, "{log}");
    assert_eq!(log.matches("Stopping Sink kx").count(), 2, "{log}");
    assert_eq!(log.matches("Starting Sink kx").count(), 2, "{log}");
    assert_eq!(log.matches("Stopping Channel cx").count(), 1, "{log}");
    assert_eq!(log.matches("Starting Source rh").count(), 1, "{log}");
    assert_eq!(agent.stop(), Some(0));
}

/// Flume's rule for a memory channel whose capacity changes: the same instance is reused and
/// resized in place, so the events it holds survive the reload.
#[test]
fn reload_resizes_a_memory_channel_in_place_and_keeps_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let monitoring = free_port();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = dir.path().join("agent.conf");
    let config = |capacity: u32, sink: bool| {
        let mut c = format!(
            "a1.sources = r1\na1.channels = c1\n\
             a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\n\
             a1.sources.r1.port = {port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = {capacity}\n"
        );
        if sink {
            c.push_str(&format!(
                "a1.sinks = k1\na1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
                 a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n",
                out.display()
            ));
        }
        c
    };
    write(&conf, &config(1000, false));
    let mut agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={monitoring}"),
        ],
    );
    wait_port(port, Duration::from_secs(20));
    wait_port(monitoring, Duration::from_secs(20));
    let sent: Vec<String> = (0..50).map(|i| format!("m{i:03}")).collect();
    for line in &sent {
        send_line(port, line);
    }
    assert_eq!(
        counter(&metrics(monitoring), "CHANNEL.c1", "ChannelSize"),
        50
    );
    reload(&agent, &conf, &config(2000, true), 1);
    eventually(Duration::from_secs(30), "queued events delivered", || {
        lines_in(&out).len() >= sent.len()
    });
    assert_eq!(lines_in(&out), sent);
    let json = metrics(monitoring);
    assert_eq!(counter(&json, "CHANNEL.c1", "ChannelCapacity"), 2000);
    // The channel counted its puts before the reload, and its takes after.
    assert_eq!(counter(&json, "CHANNEL.c1", "EventPutSuccessCount"), 50);
    let log = agent.log();
    assert!(!log.contains("Stopping Channel c1"), "{log}");
    assert!(!log.contains("Stopping Source r1"), "{log}");
    assert_eq!(agent.stop(), Some(0));
}

/// A reload whose configuration runs a slow external config filter (the command waits until
/// the test lets it go) does not stall the running pipeline: events sent meanwhile are
/// delivered before the filter returns. Counted, not timed.
#[test]
fn slow_config_filter_during_reload_does_not_stall_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let gate = dir.path().join("gate");
    let started = dir.path().join("filter-started");
    let filter = dir.path().join("filter.sh");
    // The command answers at once on the first load; on the reload it waits for the gate.
    write(
        &filter,
        &format!(
            "#!/bin/sh\nif [ -e {flag} ]; then touch {started}; \
             i=0; while [ ! -e {gate} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi\n\
             echo \"$1-value\"\n",
            flag = dir.path().join("slow").display(),
            started = started.display(),
            gate = gate.display(),
        ),
    );
    std::fs::set_permissions(&filter, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = dir.path().join("agent.conf");
    let config = |tag: &str| {
        format!(
            "a1.configfilters = f1\na1.configfilters.f1.type = external\n\
             a1.configfilters.f1.command = {filter}\n\
             a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\n\
             a1.sources.r1.port = {port}\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = i1\na1.sources.r1.interceptors.i1.type = static\n\
             a1.sources.r1.interceptors.i1.key = tag\n\
             a1.sources.r1.interceptors.i1.value = {tag}\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {out}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = header_and_text\n",
            filter = filter.display(),
            out = out.display(),
        )
    };
    write(&conf, &config("${f1['first']}"));
    // One async worker: blocking work on it would stall every component.
    let mut cmd = std::process::Command::new(crate::support::flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .arg("--no-reload-conf")
        .arg("-Dflume.root.logger=INFO,console")
        .env("TOKIO_WORKER_THREADS", "1");
    let mut agent = Agent::spawn(cmd);
    wait_port(port, Duration::from_secs(20));

    // The reload: the filter now blocks until the gate opens.
    write(&dir.path().join("slow"), "");
    write(&conf, &config("${f1['second']}"));
    sighup(&agent);
    eventually(Duration::from_secs(20), "the filter is running", || {
        started.exists()
    });
    let sent: Vec<String> = (0..100).map(|i| format!("s{i:03}")).collect();
    for line in &sent {
        send_line(port, line);
    }
    eventually(
        Duration::from_secs(30),
        "events delivered while the filter runs",
        || lines_in(&out).len() >= sent.len(),
    );
    // The reload is still waiting on the filter: nothing was applied yet.
    assert!(!gate.exists());
    assert_eq!(agent.log().matches("Reload applied").count(), 0);
    let expected: Vec<String> = sent
        .iter()
        .map(|s| format!("{{tag=first-value}} {s}"))
        .collect();
    assert_eq!(lines_in(&out), expected);

    write(&gate, "");
    eventually(Duration::from_secs(30), "reload applied", || {
        agent.log().contains("Reload applied")
    });
    send_line(port, "after");
    eventually(Duration::from_secs(30), "new interceptor value", || {
        lines_in(&out).contains(&"{tag=second-value} after".to_string())
    });
    assert_eq!(agent.stop(), Some(0));
}
