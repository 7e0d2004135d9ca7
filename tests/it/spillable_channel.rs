//! The spillable memory channel through the real `flume-ng` binary: the overflowed part
//! survives `kill -9` (the memory part is lost, as in Flume), takes follow put order across
//! memory and overflow, a reload keeps both parts, counters under `CHANNEL.<name>`.
//!
//! Bodies are unique (`e` + 7 digits), sent by an HTTP client that knows which batches were
//! acknowledged; a file_roll sink writes what the channel delivers.

use std::path::Path;
use std::time::Duration;

use crate::file_channel::{body, delivered, post, wait_delivered};
use crate::support::*;

const MEMORY: u64 = 100;
const BATCH: u64 = 20;

/// http source → spillable channel (→ file_roll sink writing `out` if `sink`).
fn config(port: u16, root: &Path, sink: bool) -> String {
    let mut c = format!(
        "a1.sources = r1\na1.channels = c1\n\
         a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\n\
         a1.sources.r1.channels = c1\n\
         a1.channels.c1.type = SPILLABLEMEMORY\n\
         a1.channels.c1.memoryCapacity = {MEMORY}\n\
         a1.channels.c1.overflowCapacity = 100000\n\
         a1.channels.c1.overflowTimeout = 0\n\
         a1.channels.c1.transactionCapacity = 1000\n\
         a1.channels.c1.checkpointDir = {}\na1.channels.c1.dataDirs = {}\n\
         a1.channels.c1.minimumRequiredSpace = 1048576\n\
         a1.channels.c1.checkpointInterval = 1000\n\
         a1.channels.c1.maxFileSize = 100000\n",
        root.join("checkpoint").display(),
        root.join("data").display()
    );
    if sink {
        c.push_str(&format!(
            "a1.sinks = k1\na1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.batchSize = 50\n",
            root.join("out").display()
        ));
    }
    c
}

/// Send `batches` batches of `BATCH` bodies from `first`, one after the other; every one must
/// be acknowledged.
fn send(port: u16, first: u64, batches: u64) -> Vec<String> {
    let mut acked = Vec::new();
    for b in 0..batches {
        let from = first + b * BATCH;
        let bodies: Vec<String> = (from..from + BATCH).map(body).collect();
        assert_eq!(post(port, &bodies), Some(200), "batch from {from}");
        acked.extend(bodies);
    }
    acked
}

fn setup() -> (tempfile::TempDir, u16, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    let conf = dir.path().join("agent.conf");
    (dir, free_port(), conf)
}

/// Memory fills with the first `memoryCapacity` events (no sink drains it), the rest spill to
/// the file channel. After `kill -9` and a restart with a sink, every spilled event comes out,
/// in put order, none missing; the in-memory ones are gone, as with Java Flume.
#[test]
fn spillable_overflow_survives_kill9_and_memory_part_is_lost() {
    let (dir, port, conf) = setup();
    write(&conf, &config(port, dir.path(), false));
    let metrics_port = free_port();
    let mon = format!("-Dflume.monitoring.port={metrics_port}");
    let mut agent = Agent::start("a1", &conf, &["-Dflume.monitoring.type=http", &mon]);
    wait_port(port, Duration::from_secs(20));
    let acked = send(port, 0, 50);
    assert_eq!(acked.len(), 1000);
    // Counters under Flume's names: the plain ChannelCounter set.
    let (status, _, json) = http("GET", metrics_port, "/metrics", None, b"");
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let c = &json["CHANNEL.c1"];
    assert_eq!(c["ChannelSize"], "1000", "{json}");
    assert_eq!(c["ChannelCapacity"], "100100", "{json}");
    assert_eq!(c["EventPutSuccessCount"], "1000", "{json}");
    assert_eq!(c["EventPutAttemptCount"], "1000", "{json}");
    assert!(c.get("Open").is_none(), "{json}");
    agent.kill9();

    write(&conf, &config(port, dir.path(), true));
    let mut agent = Agent::start("a1", &conf, &[]);
    let out = dir.path().join("out");
    let got = wait_delivered(&out, 900, Duration::from_secs(60));
    assert_eq!(got, acked[MEMORY as usize..].to_vec(), "{}", agent.log());
    assert_eq!(agent.stop(), Some(0));
}

/// With both parts in use, a reload (SIGHUP) reuses the channel: memory and overflow keep
/// their events, and the new sink drains them in put order.
#[test]
fn spillable_reload_keeps_both_parts_in_put_order() {
    let (dir, port, conf) = setup();
    write(&conf, &config(port, dir.path(), false));
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(20));
    let acked = send(port, 0, 15);
    write(&conf, &config(port, dir.path(), true));
    let _ = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(agent.child.id().to_string())
        .status();
    eventually(Duration::from_secs(30), "all events delivered", || {
        delivered(&dir.path().join("out")).len() >= acked.len()
    });
    let more = send(port, 10_000, 3);
    eventually(Duration::from_secs(30), "later events delivered", || {
        delivered(&dir.path().join("out")).len() >= acked.len() + more.len()
    });
    let mut expected = acked;
    expected.extend(more);
    assert_eq!(delivered(&dir.path().join("out")), expected);
    let log = agent.log();
    // The file channel inside is started once per start, as in Flume.
    assert!(log.contains("Starting FileChannel c1"), "{log}");
    assert_eq!(agent.stop(), Some(0));
}
