//! The http sink through the real `flume-ng` binary against a real HTTP server (Python's
//! `http.server`, started by the test) that answers with scripted status codes and records
//! every request: per-status overrides resolved as Flume does, Flume's defaults for 2XX
//! (reference §18), timeouts, refused connections, nothing lost.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;

/// The recording server; killed on drop.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(port: u16, dir: &Path, script: &str) -> Server {
        let log = dir.join(format!("requests-{port}.jsonl"));
        let child = Command::new(tools_python())
            .arg(repo().join("tests/it/support/http_recorder.py"))
            .args([&port.to_string(), log.to_str().unwrap(), script])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the HTTP server");
        wait_port(port, Duration::from_secs(20));
        Server { child, log }
    }

    /// Requests received so far, in arrival order.
    fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn bodies(&self) -> Vec<String> {
        use std::io::Read;
        self.requests()
            .iter()
            .map(|r| {
                let b64 = r["body"].as_str().unwrap();
                let bytes = decode_base64(b64);
                let mut s = String::new();
                bytes.as_slice().read_to_string(&mut s).unwrap();
                s
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | A.iter().position(|a| *a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// seq source (`events` events: bodies "0", "1", …) → memory channel → http sink.
fn config(endpoint: &str, events: u64, sink_extra: &str) -> String {
    let mut c = format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = {events}\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = http\na1.sinks.k1.channel = c1\na1.sinks.k1.endpoint = {endpoint}\n"
    );
    for line in sink_extra.lines().filter(|l| !l.trim().is_empty()) {
        c.push_str(&format!("a1.sinks.k1.{}\n", line.trim()));
    }
    c
}

fn start_agent(dir: &Path, conf_text: &str) -> (Agent, u16) {
    let conf = dir.join("agent.conf");
    write(&conf, conf_text);
    let metrics_port = free_port();
    let mon = format!("-Dflume.monitoring.port={metrics_port}");
    let agent = Agent::start("a1", &conf, &["-Dflume.monitoring.type=http", &mon]);
    (agent, metrics_port)
}

fn sink_counters(metrics_port: u16) -> serde_json::Value {
    let (status, _, json) = http("GET", metrics_port, "/metrics", None, b"");
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    json["SINK.k1"].clone()
}

/// Exact code, then NXX class, then default, for each of backoff, rollback and
/// incrementMetrics; the request carries the configured headers and path.
#[test]
fn http_sink_per_status_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(port, dir.path(), "503,500,404");
    let endpoint = format!("http://127.0.0.1:{port}/ingest?src=flume");
    let (mut agent, metrics_port) = start_agent(
        dir.path(),
        &config(
            &endpoint,
            3,
            "contentTypeHeader = application/json\n\
             acceptHeader = application/json\n\
             backoff.503 = false\n\
             backoff.4XX = false\n\
             rollback.404 = false\n\
             backoff.2XX = false\n\
             rollback.2XX = false\n\
             incrementMetrics.2XX = true\n",
        ),
    );
    eventually(Duration::from_secs(30), "five requests", || {
        server.requests().len() >= 5
    });
    // 503: rolled back, no back-off (exact code) → again; 500: rolled back and backed off
    // (defaults) → again; 404: committed (exact code), so "0" is not sent again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.bodies(), ["0", "0", "0", "1", "2"]);
    for r in server.requests() {
        assert_eq!(r["method"], "POST");
        assert_eq!(r["path"], "/ingest?src=flume");
        assert_eq!(r["headers"]["content-type"], "application/json");
        assert_eq!(r["headers"]["accept"], "application/json");
        assert_eq!(r["headers"]["host"], format!("127.0.0.1:{port}"));
    }
    let log = agent.log();
    assert!(
        log.contains("Got status code 503 from HTTP server. Rolled back event for retry."),
        "{log}"
    );
    assert!(
        log.contains("Got status code 500 from HTTP server. Rolled back event and backed off."),
        "{log}"
    );
    assert!(!log.contains("Got status code 404"), "{log}");
    assert!(!log.contains("Got status code 200"), "{log}");
    assert!(
        log.contains("Read backoff value for status code 4XX as false"),
        "{log}"
    );
    assert!(log.contains("Starting HttpSink"), "{log}");
    let k1 = sink_counters(metrics_port);
    assert_eq!(k1["EventDrainAttemptCount"], "5", "{k1}");
    // Only the two 2XX answers count (incrementMetrics.2XX); the default is false.
    assert_eq!(k1["EventDrainSuccessCount"], "2", "{k1}");
    assert_eq!(k1["EventWriteFail"], "0", "{k1}");
    assert_eq!(agent.stop(), Some(0));
    assert!(agent.log().contains("Stopping HttpSink"));
}

/// Reference §18: with only `endpoint` set, a 200 answer is rolled back and backed off too —
/// the same event is sent again and again, and nothing counts as drained.
#[test]
fn http_sink_defaults_roll_back_and_back_off_on_2xx() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(port, dir.path(), "");
    let (mut agent, metrics_port) = start_agent(
        dir.path(),
        &config(&format!("http://127.0.0.1:{port}"), 2, ""),
    );
    eventually(Duration::from_secs(30), "three requests", || {
        server.requests().len() >= 3
    });
    let bodies = server.bodies();
    assert!(bodies.iter().all(|b| b == "0"), "{bodies:?}");
    assert_eq!(server.requests()[0]["path"], "/");
    assert_eq!(
        server.requests()[0]["headers"]["content-type"],
        "text/plain"
    );
    assert_eq!(server.requests()[0]["headers"]["accept"], "text/plain");
    let log = agent.log();
    assert!(
        log.contains("Got status code 200 from HTTP server. Rolled back event and backed off."),
        "{log}"
    );
    let k1 = sink_counters(metrics_port);
    assert_eq!(k1["EventDrainSuccessCount"], "0", "{k1}");
    assert_eq!(agent.stop(), Some(0));
}

/// Nothing listening: connection refused → rolled back, backed off, EventWriteFail. Then a
/// server that answers the first request after `requestTimeout`: the event is rolled back and
/// sent again. In the end every event was answered 200, in order, none lost.
#[test]
fn http_sink_timeouts_and_refused_connections_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut agent, metrics_port) = start_agent(
        dir.path(),
        &config(
            &format!("http://127.0.0.1:{port}/"),
            5,
            "requestTimeout = 1000\nconnectTimeout = 1000\n\
             backoff.2XX = false\nrollback.2XX = false\nincrementMetrics.2XX = true\n",
        ),
    );
    agent.wait_for(
        "Error opening connection, or request timed out",
        Duration::from_secs(20),
    );
    let refused = sink_counters(metrics_port);
    assert_ne!(refused["EventWriteFail"], "0", "{refused}");
    let server = Server::start(port, dir.path(), "sleep2500:200");
    eventually(Duration::from_secs(30), "all events answered", || {
        server.bodies().len() >= 6
    });
    std::thread::sleep(Duration::from_millis(1500));
    // "0" timed out once (its late 200 came after the sink had given up) and was sent again.
    assert_eq!(server.bodies(), ["0", "0", "1", "2", "3", "4"]);
    let log = agent.log();
    assert!(
        log.matches("Error opening connection, or request timed out")
            .count()
            >= 2,
        "{log}"
    );
    let k1 = sink_counters(metrics_port);
    assert_eq!(k1["EventDrainSuccessCount"], "5", "{k1}");
    assert_eq!(agent.stop(), Some(0));
}
