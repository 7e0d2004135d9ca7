//! `/health` and `/ready` on the monitoring port (both monitoring types): a channel filling
//! up behind a sink that cannot deliver turns `/ready` to 503, and it drains back to 200.

use std::time::Duration;

use crate::support::*;

fn get(port: u16, path: &str) -> (u16, serde_json::Value) {
    let (status, headers, body) = http("GET", port, path, None, b"");
    assert!(
        headers.contains("content-type: application/json;charset=utf-8"),
        "{headers}"
    );
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

#[test]
fn ready_is_503_while_a_channel_is_full_and_200_once_it_drains() {
    let port = free_port();
    let avro_port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    // Nothing listens on avro_port yet: the avro sink cannot deliver and c1 fills up.
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 40\na1.sources.r1.batchSize = 5\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 10\na1.channels.c1.transactionCapacity = 5\n\
             a1.sinks.k1.type = avro\na1.sinks.k1.hostname = 127.0.0.1\na1.sinks.k1.port = {avro_port}\n\
             a1.sinks.k1.batch-size = 5\na1.sinks.k1.channel = c1\n"
        ),
    );
    let agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
            "-Dflume.monitoring.readyChannelFillPercentage=80",
        ],
    );
    wait_port(port, Duration::from_secs(10));
    let (status, body) = get(port, "/health");
    assert_eq!(
        (status, body.to_string()),
        (200, r#"{"status":"alive"}"#.into())
    );

    let mut last = serde_json::Value::Null;
    eventually(Duration::from_secs(20), "/ready 503 with c1 full", || {
        let (status, body) = get(port, "/ready");
        last = body.clone();
        status == 503
            && body["status"] == "not ready"
            && body["reasons"].as_array().is_some_and(|r| {
                r.iter().any(|r| {
                    r.as_str().is_some_and(|r| {
                        r.starts_with("CHANNEL.c1 is 100.0% full (10 of 10 events), above 80%")
                    })
                })
            })
    });
    // Only the channel is the reason: every component did start.
    assert_eq!(last["reasons"].as_array().unwrap().len(), 1, "{last}");

    // A receiver appears: the sink reconnects and drains c1.
    let receiver_conf = dir.path().join("receiver.conf");
    write(
        &receiver_conf,
        &format!(
            "a2.sources = r1\na2.channels = c1\na2.sinks = k1\n\
             a2.sources.r1.type = avro\na2.sources.r1.bind = 127.0.0.1\na2.sources.r1.port = {avro_port}\na2.sources.r1.channels = c1\n\
             a2.channels.c1.type = memory\na2.sinks.k1.type = null\na2.sinks.k1.channel = c1\n"
        ),
    );
    let _receiver = Agent::start("a2", &receiver_conf, &[]);
    eventually(
        Duration::from_secs(40),
        "/ready 200 after c1 drained",
        || {
            let (status, body) = get(port, "/ready");
            status == 200 && body == serde_json::json!({"status": "ready"})
        },
    );
    // Ready from the moment c1 is back under 80%; it stays ready as the rest drains.
    eventually(Duration::from_secs(40), "all 40 events drained", || {
        let (_, _, metrics) = http("GET", port, "/metrics", None, b"");
        let metrics: serde_json::Value = serde_json::from_slice(&metrics).unwrap();
        metrics["SINK.k1"]["EventDrainSuccessCount"] == "40"
            && metrics["CHANNEL.c1"]["ChannelSize"] == "0"
    });
    assert_eq!(get(port, "/ready").0, 200);
    assert!(
        agent.log().contains("/ready up to 80% channel fill"),
        "{}",
        agent.log()
    );
}

#[test]
fn prometheus_monitoring_serves_health_and_reports_a_source_that_cannot_start() {
    let port = free_port();
    // A port someone else holds: the netcat source cannot bind it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {taken_port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n"
        ),
    );
    let agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=prometheus",
            &format!("-Dflume.monitoring.port={port}"),
            "-Dflume.monitoring.readyChannelFillPercentage=150",
        ],
    );
    wait_port(port, Duration::from_secs(10));
    assert_eq!(get(port, "/health").0, 200);
    eventually(
        Duration::from_secs(10),
        "/ready 503: r1 not running",
        || {
            let (status, body) = get(port, "/ready");
            status == 503
                && body["reasons"][0]
                    .as_str()
                    .is_some_and(|r| r.starts_with("SOURCE.r1 is not running: failed ("))
        },
    );
    // The bad threshold is reported, and the default applies.
    assert!(
        agent.log().contains(
            "-Dflume.monitoring.readyChannelFillPercentage=150: expected a percentage from 0 to 100; /ready uses the default, 90%"
        ),
        "{}",
        agent.log()
    );
    // Once the port is free, the restarted source binds it and the agent is ready.
    drop(taken);
    eventually(Duration::from_secs(40), "/ready 200 once r1 runs", || {
        get(port, "/ready").0 == 200
    });
    let (_, _, text) = http("GET", port, "/metrics", None, b"");
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("flume_channel_channel_capacity{agent=\"a1\",name=\"c1\"} 100"),
        "{text}"
    );
}
