//! Java channels hosted in the embedded JVM, through the real `flume-ng`: the fixture
//! `com.example.hosted.BoundedChannel` (a bounded in-memory channel on Flume's
//! `BasicChannelSemantics`, tests/java/host-plugins/) between native and Java sources and
//! sinks. Expected outputs follow from the plugins' logic and Flume's rules (the same
//! configurations were run once on Java Flume 1.9 with the same fixture, see
//! docs/java-plugins.md), never from our own output.

use std::path::Path;
use std::time::Duration;

use crate::jvm::{plugins_dir, start_agent};
use crate::support::*;

const BOUNDED: &str = "com.example.hosted.BoundedChannel";

fn numbers(n: usize) -> String {
    (0..n).map(|i| format!("{i}\n")).collect()
}

fn files_text(dir: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

/// seq → Java channel → file_roll: every event once, in order; the channel's ChannelCounter
/// (Flume's MBean) is in /metrics under the channel's name.
#[test]
fn java_channel_between_native_source_and_sink() {
    let tmp = tempfile::tempdir().unwrap();
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 1000\n\
             a1.sources.r1.batchSize = 50\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = {BOUNDED}\na1.channels.c1.capacity = 2000\n\
             a1.channels.c1.transactionCapacity = 100\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.batchSize = 100\n",
            roll.display()
        ),
    );
    let port = free_port();
    let port_arg = format!("-Dflume.monitoring.port={port}");
    let mut agent = start_agent("a1", &conf, &["-Dflume.monitoring.type=http", &port_arg]);
    let mut json = serde_json::Value::Null;
    eventually(Duration::from_secs(40), "1000 events taken", || {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return false;
        }
        let (status, _, body) = http("GET", port, "/metrics", None, b"");
        json = serde_json::from_slice(&body).unwrap_or_default();
        status == 200 && json["CHANNEL.c1"]["EventTakeSuccessCount"] == "1000"
    });
    let ch = &json["CHANNEL.c1"];
    assert_eq!(ch["Type"], "CHANNEL", "{json}");
    assert_eq!(ch["EventPutSuccessCount"], "1000", "{json}");
    assert_eq!(ch["ChannelCapacity"], "2000", "{json}");
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(files_text(&roll), numbers(1000), "{log}");
    assert!(
        log.contains(&format!("Channel c1: Java class {BOUNDED} loaded")),
        "{log}"
    );
}

/// A full Java channel (ChannelFullException at commit) makes the source back off and retry,
/// as a full native channel does: the sink's first transactions fail (its runner backs off
/// meanwhile, so the 10-event channel fills), then every event arrives once, in order.
#[test]
fn full_java_channel_source_backs_off_nothing_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.txt");
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 60\n\
             a1.sources.r1.batchSize = 5\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = {BOUNDED}\na1.channels.c1.capacity = 10\n\
             a1.channels.c1.transactionCapacity = 5\na1.channels.c1.keepAliveMs = 20\n\
             a1.sinks.k1.type = com.example.hosted.FlakySink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.file = {}\na1.sinks.k1.batchSize = 5\na1.sinks.k1.failTimes = 2\n",
            out.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(60), "60 events delivered", || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.lines().count() >= 60)
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), numbers(60), "{log}");
    assert!(log.contains("destination refused a batch of 5"), "{log}");
    // The source met the full channel (Flume's ChannelWriteFail counter of the source).
    let fails: u64 = log
        .lines()
        .find_map(|l| l.split("src.channel.write.fail == ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(fails > 0, "the source never met a full channel:\n{log}");
}

/// Java source → Java channel → Java sink: all three hosted, events in order.
#[test]
fn java_source_java_channel_java_sink() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.txt");
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = com.example.hosted.TickSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.count = 25\n\
             a1.channels.c1.type = {BOUNDED}\n\
             a1.sinks.k1.type = com.example.hosted.FlakySink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.file = {}\na1.sinks.k1.batchSize = 4\n",
            out.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(40), "25 events delivered", || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.lines().count() >= 25)
    });
    assert_eq!(agent.stop(), Some(0));
    let expected: String = (0..25).map(|i| format!("tick-{i}\n")).collect();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        expected,
        "{}",
        agent.log()
    );
}

/// A source batch larger than the Java channel's transaction capacity
/// (`TransactionCapacitySupported`) drops the source at start, as Flume 1.9 does.
#[test]
fn source_batch_above_java_channel_transaction_capacity() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.batchSize = 50\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = {BOUNDED}\na1.channels.c1.transactionCapacity = 10\n\
             a1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n"
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    agent.wait_for("transaction capacity = 10", Duration::from_secs(30));
    assert_eq!(agent.stop(), Some(0));
}

/// `flume-ng validate` loads a Java channel class as the agent does; a missing one is Flume's
/// whole-configuration failure, naming the class, the key's line and the class path searched.
#[test]
fn validate_resolves_java_channel_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("a.conf");
    let text = format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = {BOUNDED}\n\
         a1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n"
    );
    write(&conf, &text);
    let plugins = plugins_dir().display().to_string();
    let conf_s = conf.display().to_string();
    let args = [
        "validate",
        "-n",
        "a1",
        "-f",
        &conf_s,
        "--plugins-path",
        &plugins,
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("OK: Flume would run every component"),
        "{out}{err}"
    );

    write(
        &conf,
        &text.replace(BOUNDED, "com.example.hosted.NoSuchChannel"),
    );
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(
            "channel class com.example.hosted.NoSuchChannel not found on the Java classpath"
        ),
        "{out}{err}"
    );
    assert!(out.contains("a.conf:6"), "{out}{err}");
    assert!(out.contains("fixtures.jar"), "{out}{err}");

    // A class that is not a channel.
    write(
        &conf,
        &text.replace(BOUNDED, "com.example.hosted.FlakySink"),
    );
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("does not implement org.apache.flume.Channel"),
        "{out}{err}"
    );
}
