//! Behaviour measured on a running Flume 1.9.0 (reference §18), one test per behaviour, each
//! named after it and asserting what the Java agent showed.

use std::time::Duration;

use crate::support::*;

/// `/metrics` of an agent started with the http monitoring server, as JSON.
fn metrics(port: u16) -> serde_json::Value {
    let (status, _, body) = http("GET", port, "/metrics", None, b"");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

fn monitored(conf: &std::path::Path, port: u16) -> Agent {
    let agent = Agent::start(
        "a1",
        conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    wait_port(port, Duration::from_secs(20));
    agent
}

/// §18 "Sink groups on the log": one runner per group, logged as `Starting Sink <group>`.
#[test]
fn sink_group_logs_one_starting_sink_line_for_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1 k2 k3\na1.sinkgroups = g1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n\
         a1.sinks.k2.type = null\na1.sinks.k2.channel = c1\n\
         a1.sinks.k3.type = null\na1.sinks.k3.channel = c1\n\
         a1.sinkgroups.g1.sinks = k1 k2\na1.sinkgroups.g1.processor.type = failover\n",
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("Starting Source r1", Duration::from_secs(20));
    agent.stop();
    let log = agent.log();
    let starting: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once("Starting Sink ").map(|(_, n)| n.trim()))
        .collect();
    // The group once, the stand-alone sink once, no line per member.
    assert_eq!(starting, ["g1", "k3"], "{log}");
}

/// §18 "Memory channel put attempts": an attempt is counted before each event's put, so a
/// batch of 5 into a transaction capacity of 3 counts 4 attempts and 0 successes.
#[test]
fn memory_channel_put_attempts_count_up_to_the_event_that_overflows_the_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (src_port, mon_port) = (free_port(), free_port());
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.port = {src_port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.transactionCapacity = 3\n\
             a1.sinks.k1.type = null\na1.sinks.k1.batchSize = 1\na1.sinks.k1.channel = c1\n"
        ),
    );
    let _agent = monitored(&conf, mon_port);
    wait_port(src_port, Duration::from_secs(20));
    let batch = br#"[{"body":"1"},{"body":"2"},{"body":"3"},{"body":"4"},{"body":"5"}]"#;
    let (status, _, _) = http("POST", src_port, "/", Some("application/json"), batch);
    assert_eq!(status, 503);
    let m = metrics(mon_port);
    assert_eq!(m["CHANNEL.c1"]["EventPutAttemptCount"], "4", "{m}");
    assert_eq!(m["CHANNEL.c1"]["EventPutSuccessCount"], "0", "{m}");
    assert_eq!(m["SOURCE.r1"]["ChannelWriteFail"], "1", "{m}");
    assert_eq!(m["SOURCE.r1"]["EventReceivedCount"], "5", "{m}");
}

/// §18 "seq source counters (1.9)": only the accepted counters move.
#[test]
fn seq_source_moves_only_the_accepted_counters() {
    for (batch, total, batches) in [(1, 7, "0"), (5, 12, "3")] {
        let dir = tempfile::tempdir().unwrap();
        let mon_port = free_port();
        let conf = dir.path().join("agent.conf");
        write(
            &conf,
            &format!(
                "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
                 a1.sources.r1.type = seq\na1.sources.r1.totalEvents = {total}\n\
                 a1.sources.r1.batchSize = {batch}\na1.sources.r1.channels = c1\n\
                 a1.channels.c1.type = memory\n\
                 a1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n"
            ),
        );
        let _agent = monitored(&conf, mon_port);
        let mut m = serde_json::Value::Null;
        eventually(Duration::from_secs(20), "all events taken", || {
            m = metrics(mon_port);
            m["CHANNEL.c1"]["EventTakeSuccessCount"] == total.to_string().as_str()
        });
        let r1 = &m["SOURCE.r1"];
        assert_eq!(r1["EventAcceptedCount"], total.to_string().as_str(), "{m}");
        assert_eq!(r1["AppendBatchAcceptedCount"], batches, "{m}");
        for zero in [
            "EventReceivedCount",
            "AppendBatchReceivedCount",
            "AppendReceivedCount",
            "AppendAcceptedCount",
        ] {
            assert_eq!(r1[zero], "0", "batchSize {batch}: {zero}: {m}");
        }
    }
}

/// §18 "http source EventReadFail": every request the handler rejects counts (400 for bad
/// JSON, 500 for a handler exception), and nothing is counted as received.
#[test]
fn http_source_counts_event_read_fail_on_a_rejected_request() {
    let dir = tempfile::tempdir().unwrap();
    let (src_port, mon_port) = (free_port(), free_port());
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.port = {src_port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = null\na1.sinks.k1.batchSize = 1\na1.sinks.k1.channel = c1\n"
        ),
    );
    let _agent = monitored(&conf, mon_port);
    wait_port(src_port, Duration::from_secs(20));
    let post = |body: &[u8]| http("POST", src_port, "/", Some("application/json"), body).0;
    assert_eq!(post(b"[{\"body\": \"a\""), 400);
    assert_eq!(post(b"{\"body\": \"not a list\"}"), 400);
    let m = metrics(mon_port);
    assert_eq!(m["SOURCE.r1"]["EventReadFail"], "2", "{m}");
    assert_eq!(m["SOURCE.r1"]["AppendBatchReceivedCount"], "0", "{m}");
    assert_eq!(post(b"[{\"body\": \"ok\"}]"), 200);
    let m = metrics(mon_port);
    assert_eq!(m["SOURCE.r1"]["EventReadFail"], "2", "{m}");
    assert_eq!(m["SOURCE.r1"]["EventAcceptedCount"], "1", "{m}");
}
