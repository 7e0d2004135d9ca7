//! `-Dflume.monitoring.type=http|prometheus`: Flume's JSON on /metrics, statuses, attribute sets.

use std::time::Duration;

use crate::support::*;

const GOLDEN_SOURCE_ATTRS: &[&str] = &[
    "AppendAcceptedCount",
    "AppendBatchAcceptedCount",
    "AppendBatchReceivedCount",
    "AppendReceivedCount",
    "ChannelWriteFail",
    "EventAcceptedCount",
    "EventReadFail",
    "EventReceivedCount",
    "GenericProcessingFail",
    "OpenConnectionCount",
    "StartTime",
    "StopTime",
    "Type",
];
const GOLDEN_CHANNEL_ATTRS: &[&str] = &[
    "ChannelCapacity",
    "ChannelFillPercentage",
    "ChannelSize",
    "EventPutAttemptCount",
    "EventPutSuccessCount",
    "EventTakeAttemptCount",
    "EventTakeSuccessCount",
    "StartTime",
    "StopTime",
    "Type",
];

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn http_metrics_json_matches_flume() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 5\na1.sources.r1.batchSize = 5\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n",
    );
    let _agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    wait_port(port, Duration::from_secs(10));
    let mut json = serde_json::Value::Null;
    eventually(Duration::from_secs(10), "5 events taken", || {
        let (status, headers, body) = http("GET", port, "/metrics", None, b"");
        assert_eq!(status, 200);
        assert!(
            headers.contains("content-type: application/json;charset=utf-8"),
            "{headers}"
        );
        json = serde_json::from_slice(&body).unwrap();
        json["CHANNEL.c1"]["EventTakeSuccessCount"] == "5"
    });
    // The attribute sets are exactly Flume's (compare with golden/metrics/*.json).
    assert_eq!(keys(&json["SOURCE.r1"]), GOLDEN_SOURCE_ATTRS);
    assert_eq!(keys(&json["CHANNEL.c1"]), GOLDEN_CHANNEL_ATTRS);
    // Every value is a string; null sink has no entry, as in Flume.
    for (_, attrs) in json.as_object().unwrap() {
        for (_, v) in attrs.as_object().unwrap() {
            assert!(v.is_string());
        }
    }
    assert!(json.get("SINK.k1").is_none());
    assert_eq!(json["SOURCE.r1"]["EventAcceptedCount"], "5");
    assert_eq!(json["SOURCE.r1"]["AppendBatchAcceptedCount"], "1");
    assert_eq!(json["CHANNEL.c1"]["ChannelFillPercentage"], "0.0");
    assert_eq!(json["CHANNEL.c1"]["ChannelCapacity"], "100");
    assert_eq!(json["CHANNEL.c1"]["StopTime"], "0");

    assert_eq!(http("GET", port, "/METRICS", None, b"").0, 200);
    assert_eq!(http("TRACE", port, "/metrics", None, b"").0, 403);
    assert_eq!(http("OPTIONS", port, "/metrics", None, b"").0, 403);
    assert_eq!(http("GET", port, "/foo", None, b"").0, 404);
    let (status, _, body) = http("GET", port, "/", None, b"");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("For Flume metrics please click"));
}

#[test]
fn golden_metrics_attribute_names_are_ours() {
    // Every attribute name Java Flume served for a memory channel and an avro-fed source.
    let golden = shared_reference()
        .join("golden/metrics/metrics_http_memory_fileroll_and_http_file_logger.json");
    let Ok(text) = std::fs::read_to_string(&golden) else {
        eprintln!("skipped: {} not found", golden.display());
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&v["SOURCE.r1"]), GOLDEN_SOURCE_ATTRS);
    assert_eq!(keys(&v["CHANNEL.c1"]), GOLDEN_CHANNEL_ATTRS);
}

#[test]
fn prometheus_serves_the_same_counters() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 7\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n",
    );
    let _agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=prometheus",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    wait_port(port, Duration::from_secs(10));
    eventually(Duration::from_secs(10), "prometheus counters", || {
        let (status, _, body) = http("GET", port, "/metrics", None, b"");
        let text = String::from_utf8_lossy(&body).to_string();
        status == 200
            && text.contains("flume_source_event_accepted_count{agent=\"a1\",name=\"r1\"} 7")
            && text.contains("# TYPE flume_channel_channel_size gauge")
    });
}

/// Every case of `metrics.json`, against one agent with the components the cases name: two
/// memory channels, a file channel, and the Kafka source, sink and channel (on a real broker).
#[cfg(feature = "kafka")]
#[test]
fn metrics_vectors() {
    use crate::support::kafka::*;
    use flume_rs::vectors::{Case, Outcome};
    let broker = broker();
    let topic = unique_topic("metrics-vectors");
    let channel_topic = unique_topic("metrics-vectors-channel");
    broker.create_topic(&topic, 1);
    broker.create_topic(&channel_topic, 1);
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    let fc = dir.path().join("fc");
    write(
        &conf,
        &format!(
            "a1.sources = r1 rk\na1.channels = memChannel pmemChannel cf ck\na1.sinks = kk n1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 5\na1.sources.r1.channels = memChannel cf ck\n\
             a1.sources.rk.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.rk.channels = pmemChannel\n\
             a1.sources.rk.kafka.bootstrap.servers = {bs}\na1.sources.rk.kafka.topics = {topic}\n\
             a1.sources.rk.kafka.consumer.auto.offset.reset = earliest\na1.sources.rk.batchSize = 100\n\
             a1.channels.memChannel.type = memory\na1.channels.pmemChannel.type = memory\n\
             a1.channels.cf.type = file\na1.channels.cf.checkpointDir = {fc}/cp\na1.channels.cf.dataDirs = {fc}/data\n\
             a1.channels.ck.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a1.channels.ck.kafka.bootstrap.servers = {bs}\na1.channels.ck.kafka.topic = {channel_topic}\n\
             a1.sinks.kk.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.kk.channel = memChannel\n\
             a1.sinks.kk.kafka.bootstrap.servers = {bs}\na1.sinks.kk.kafka.topic = {topic}\n\
             a1.sinks.n1.type = null\na1.sinks.n1.channel = cf\n",
            bs = broker.bootstrap,
            fc = fc.display(),
        ),
    );
    let _agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    wait_port(port, Duration::from_secs(10));
    let mut json = serde_json::Value::Null;
    eventually(Duration::from_secs(60), "every component reports", || {
        let (_, _, body) = http("GET", port, "/metrics", None, b"");
        json = serde_json::from_slice(&body).unwrap_or_default();
        ["SOURCE.rk", "SINK.kk", "CHANNEL.cf", "CHANNEL.ck"]
            .iter()
            .all(|k| json.get(k).is_some())
            && json["SINK.kk"]["EventDrainSuccessCount"] == "5"
    });
    let component = |label: &str| match label {
        "KafkaSource" => Some("SOURCE.rk"),
        "KafkaSink" => Some("SINK.kk"),
        "CHANNEL (file)" => Some("CHANNEL.cf"),
        "CHANNEL (kafka)" => Some("CHANNEL.ck"),
        _ => None,
    };
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect()
    };
    let check = |case: &Case| -> Outcome {
        let input = case.input();
        let expected = case.expected();
        if let Some(label) = input["component"].as_str() {
            let Some(key) = component(label) else {
                return Outcome::Fail(format!("no component of this agent is a {label}"));
            };
            return Outcome::eq(keys(&json[key]), strings(&expected["attributes"]), key);
        }
        let Some((method, path)) = input["request"].as_str().and_then(|r| r.split_once(' ')) else {
            return Outcome::NotMine;
        };
        let (status, headers, body) = http(method, port, path, None, b"");
        let mut checks = vec![Outcome::eq(
            u64::from(status),
            expected["http_status"].as_u64().unwrap_or(200),
            "status",
        )];
        if let Some(ct) = expected["content_type"].as_str() {
            checks.push(Outcome::check(
                headers.contains(&format!("content-type: {ct}")),
                || format!("content type {ct} not in {headers}"),
            ));
        }
        if expected["json_top_level_keys_include"].is_array() {
            let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let channels: Vec<String> = strings(&input["channels"])
                .iter()
                .map(|c| format!("CHANNEL.{}", c.split(' ').next().unwrap_or_default()))
                .collect();
            checks.push(Outcome::eq(
                channels.clone(),
                strings(&expected["json_top_level_keys_include"]),
                "channel keys",
            ));
            for c in &channels {
                let have = keys(&doc[c.as_str()]);
                for attr in strings(&expected["each_has"]) {
                    checks.push(Outcome::check(have.contains(&attr), || {
                        format!("{c} has no {attr}: {have:?}")
                    }));
                }
            }
        }
        Outcome::all(checks)
    };
    flume_rs::vectors::run("metrics.json", &[("HTTP metrics server", &check)]).assert_ok();
}
