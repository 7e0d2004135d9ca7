//! Kafka source, sink and channel through the real `flume-ng` binary, against a real
//! Kafka-protocol broker (tansu) and, for broker discovery, a real ZooKeeper. What the agent
//! writes is read back with an independent client (confluent-kafka) and decoded with fastavro;
//! what Java Flume would write is produced with them and read by the agent.

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::kafka::*;
use crate::support::*;

/// Consumer settings tansu needs for a quick group join (see infra.md).
const FAST_GROUP: &str =
    "kafka.consumer.session.timeout.ms = 6000\nkafka.consumer.max.poll.interval.ms = 10000\n";

fn consumer_keys(prefix: &str) -> String {
    FAST_GROUP
        .lines()
        .map(|l| format!("{prefix}.{l}\n"))
        .collect()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

fn metrics(port: u16) -> Option<Value> {
    serde_json::from_str(&http_get(port, "/metrics")?).ok()
}

fn afe(rec: &Value) -> (Value, Vec<u8>) {
    let ev = rec
        .get("avro_event")
        .unwrap_or_else(|| panic!("not an AvroFlumeEvent: {rec}"));
    (
        ev["headers"].clone(),
        unhex(ev["body_hex"].as_str().unwrap()),
    )
}

fn body(rec: &Value) -> String {
    String::from_utf8(unhex(rec["value_hex"].as_str().unwrap())).unwrap()
}

fn count_lines(agent: &Agent, needle: &str) -> usize {
    agent.log().matches(needle).count()
}

/// seq → memory → kafka sink: every event arrives once, as the raw body, and the sink's
/// counters carry Flume's names.
#[test]
fn seq_to_kafka_sink_is_read_back_by_an_independent_client() {
    let broker = broker();
    let topic = unique_topic("sink-seq");
    broker.create_topic(&topic, 3);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 200\na1.sources.r1.batchSize = 50\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 1000\na1.channels.c1.transactionCapacity = 100\n\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {}\na1.sinks.k1.kafka.topic = {topic}\n\
             a1.sinks.k1.flumeBatchSize = 100\na1.sinks.k1.kafka.producer.acks = all\n\
             a1.sinks.k1.kafka.producer.linger.ms = 1\n",
            broker.bootstrap
        ),
    );
    let port = free_port();
    let mut agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    eventually(Duration::from_secs(60), "200 events drained", || {
        metrics(port).is_some_and(|m| m["SINK.k1"]["EventDrainSuccessCount"] == "200")
    });
    let m = metrics(port).unwrap();
    let sink = m["SINK.k1"].as_object().unwrap();
    let mut names: Vec<&str> = sink.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "BatchCompleteCount",
            "BatchEmptyCount",
            "BatchUnderflowCount",
            "ConnectionClosedCount",
            "ConnectionCreatedCount",
            "ConnectionFailedCount",
            "EventDrainAttemptCount",
            "EventDrainSuccessCount",
            "KafkaEventSendTimer",
            "RollbackCount",
            "StartTime",
            "StopTime",
            "Type"
        ]
    );
    assert_eq!(sink["RollbackCount"], "0");
    assert_eq!(sink["Type"], "SINK");
    assert_eq!(agent.stop(), Some(0));

    let records = broker.consume(&topic, &unique_topic("check"), 200, Duration::from_secs(60));
    let mut bodies: Vec<u64> = records.iter().map(|r| body(r).parse().unwrap()).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        (0..200).collect::<Vec<u64>>(),
        "every event exactly once"
    );
    assert!(records.iter().all(|r| r["key"].is_null()));
    let partitions: std::collections::BTreeSet<i64> = records
        .iter()
        .map(|r| r["partition"].as_i64().unwrap())
        .collect();
    assert!(
        partitions.len() > 1,
        "keyless records spread over partitions: {partitions:?}"
    );
}

/// Records as Java Flume's Kafka channel writes them (AvroFlumeEvent datums, key = `key`
/// header) are read by our channel with no source at all, and our sink writes them out with
/// key, partition header, `%{header}` topic escaping and useFlumeEventFormat; one record that
/// is not an AvroFlumeEvent is passed over, as Flume does. Offsets are committed once the sink
/// delivered.
#[test]
fn kafka_channel_without_source_feeds_kafka_sink_java_compatible() {
    let broker = broker();
    let channel_topic = unique_topic("chan-in");
    let out_prefix = unique_topic("chan-out");
    let out_topic = format!("{out_prefix}-web");
    broker.create_topic(&channel_topic, 2);
    broker.create_topic(&out_topic, 3);
    let mut records = Vec::new();
    for i in 0..12 {
        let key = format!("user-{i}");
        let part = (i % 3).to_string();
        records.push(json!({
            "key": key,
            "partition": i % 2,
            "avro_event": {"headers": {"key": key, "part": part, "app": "web"}, "body_hex": hex(format!("event {i}").as_bytes())},
        }));
        if i == 5 {
            records.push(json!({"partition": 1, "value_hex": "ffffff"}));
        }
    }
    broker.produce(&channel_topic, &records);

    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.channels = c1\na1.sinks = k1\n\
             a1.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a1.channels.c1.kafka.bootstrap.servers = {b}\na1.channels.c1.kafka.topic = {channel_topic}\n\
             a1.channels.c1.kafka.consumer.group.id = drain\n{fast}\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {b}\na1.sinks.k1.kafka.topic = {out_prefix}-%{{app}}\n\
             a1.sinks.k1.partitionIdHeader = part\na1.sinks.k1.useFlumeEventFormat = true\n\
             a1.sinks.k1.flumeBatchSize = 5\n",
            b = broker.bootstrap,
            fast = consumer_keys("a1.channels.c1"),
        ),
    );
    let port = free_port();
    let mut agent = Agent::start(
        "a1",
        &conf,
        &[
            "-Dflume.monitoring.type=http",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    eventually(
        Duration::from_secs(90),
        "12 events drained and committed",
        || {
            metrics(port).is_some_and(|m| {
                m["SINK.k1"]["EventDrainSuccessCount"] == "12"
                    && m["CHANNEL.c1"]["EventTakeSuccessCount"] == "12"
            })
        },
    );
    let m = metrics(port).unwrap();
    let ch = &m["CHANNEL.c1"];
    assert_eq!(ch["ChannelFillPercentage"], "1.7976931348623157E308");
    assert_eq!(ch["ChannelCapacity"], "0");
    assert_eq!(ch["EventTakeSuccessCount"], "12");
    assert!(ch.get("KafkaCommitTimer").is_some() && ch.get("RollbackCount").is_some());
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert!(
        log.contains("Error while getting events from Kafka"),
        "the unreadable record is reported:\n{log}"
    );

    let out = broker.consume(
        &out_topic,
        &unique_topic("check"),
        12,
        Duration::from_secs(60),
    );
    assert_eq!(out.len(), 12, "{out:?}");
    for rec in &out {
        let (headers, body) = afe(rec);
        let i: usize = String::from_utf8(body).unwrap()[6..].parse().unwrap();
        assert_eq!(rec["key"], format!("user-{i}"));
        assert_eq!(
            rec["partition"],
            (i % 3) as i64,
            "partitionIdHeader routes: {rec}"
        );
        assert_eq!(headers["app"], "web");
        assert_eq!(headers["key"], format!("user-{i}"));
    }
    // All 13 records of the channel topic are behind the committed offsets of the group.
    let committed: i64 = broker
        .committed(&channel_topic, "drain")
        .iter()
        .map(|(_, o)| *o)
        .sum();
    assert_eq!(committed, 13);
}

/// The pipeline users run to replay a topic: kafka source with the pre-1.7 names (`topic`,
/// `groupId`, `kafka.auto.offset.reset = smallest`) → memory → kafka sink with its old names
/// (`brokerList`, `topic`, `requiredAcks`, `batchSize`). Headers follow Flume 1.11; offsets
/// are committed; a second agent with a new group reads everything again.
#[test]
fn kafka_source_with_old_names_replays_with_a_fresh_group() {
    let broker = broker();
    let input = unique_topic("src-in");
    broker.create_topic(&input, 2);
    let records: Vec<Value> = (0..30)
        .map(|i| {
            json!({"key": format!("k{i}"), "partition": i % 2, "value_hex": hex(format!("line {i}").as_bytes()),
                   "headers": [["trace-id", format!("t{i}")]]})
        })
        .collect();
    broker.produce(&input, &records);
    let produced = broker.consume(&input, &unique_topic("peek"), 30, Duration::from_secs(60));
    assert_eq!(produced.len(), 30);

    let run = |group: &str| -> (Vec<Value>, String) {
        let out = unique_topic("src-out");
        broker.create_topic(&out, 1);
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("a.conf");
        write(
            &conf,
            &format!(
                "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
                 a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.r1.channels = c1\n\
                 a1.sources.r1.kafka.bootstrap.servers = {b}\na1.sources.r1.topic = {input}\n\
                 a1.sources.r1.groupId = {group}\na1.sources.r1.kafka.auto.offset.reset = smallest\n\
                 a1.sources.r1.batchSize = 10\na1.sources.r1.batchDurationMillis = 500\n\
                 a1.sources.r1.header.traceId = trace-id\n{fast}\
                 a1.channels.c1.type = memory\na1.channels.c1.capacity = 1000\na1.channels.c1.transactionCapacity = 10\n\
                 a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
                 a1.sinks.k1.brokerList = {b}\na1.sinks.k1.topic = {out}\na1.sinks.k1.requiredAcks = -1\n\
                 a1.sinks.k1.batchSize = 10\na1.sinks.k1.useFlumeEventFormat = true\na1.sinks.k1.allowTopicOverride = false\n",
                b = broker.bootstrap,
                fast = consumer_keys("a1.sources.r1"),
            ),
        );
        let mut agent = Agent::start("a1", &conf, &[]);
        let got = broker.consume(&out, &unique_topic("check"), 30, Duration::from_secs(90));
        assert_eq!(agent.stop(), Some(0));
        (got, agent.log())
    };

    let (first, log) = run("g1");
    assert_eq!(first.len(), 30, "log:\n{log}");
    for old in [
        "topic",
        "groupId",
        "kafka.auto.offset.reset",
        "brokerList",
        "requiredAcks",
        "batchSize",
    ] {
        assert!(
            log.contains(&format!(".{old} is deprecated. Please use the parameter")),
            "warning for {old}:\n{log}"
        );
    }
    for rec in &first {
        let (headers, body) = afe(rec);
        let body = String::from_utf8(body).unwrap();
        let i: usize = body[5..].parse().unwrap();
        let src = produced
            .iter()
            .find(|p| body_of(p) == body)
            .expect("a produced record");
        assert_eq!(headers["topic"], input.as_str());
        assert_eq!(headers["key"], format!("k{i}"));
        assert_eq!(headers["traceId"], format!("t{i}"));
        assert_eq!(
            headers["partition"],
            src["partition"].as_i64().unwrap().to_string()
        );
        assert_eq!(
            headers["offset"],
            src["offset"].as_i64().unwrap().to_string()
        );
        assert_eq!(
            headers["timestamp"],
            src["timestamp"].as_i64().unwrap().to_string()
        );
        assert_eq!(
            rec["key"],
            format!("k{i}"),
            "the key header becomes the record key"
        );
    }
    assert_eq!(broker.committed(&input, "g1"), vec![(0, 15), (1, 15)]);

    let (replay, log) = run("g2");
    assert_eq!(
        replay.len(),
        30,
        "a new group reads the topic from the start:\n{log}"
    );
}

fn java_bool(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

fn body_of(rec: &Value) -> String {
    body(rec)
}

/// Our channel's records are what Java Flume's channel writes: the AvroFlumeEvent datum with
/// the headers in Java HashMap order (checked against fastavro's encoding of that order) and
/// the `key` header as the record key.
#[test]
fn kafka_channel_writes_java_flume_bytes() {
    let broker = broker();
    let input = unique_topic("put-in");
    let channel_topic = unique_topic("put-chan");
    broker.create_topic(&input, 1);
    broker.create_topic(&channel_topic, 1);
    let records: Vec<Value> = (0..5)
        .map(|i| json!({"key": format!("key{i}"), "value_hex": hex(format!("payload {i}").as_bytes())}))
        .collect();
    broker.produce(&input, &records);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\n\
             a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.kafka.bootstrap.servers = {b}\na1.sources.r1.kafka.topics = {input}\n\
             a1.sources.r1.kafka.consumer.group.id = put\na1.sources.r1.kafka.consumer.auto.offset.reset = earliest\n{fast}\
             a1.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a1.channels.c1.kafka.bootstrap.servers = {b}\na1.channels.c1.kafka.topic = {channel_topic}\n",
            b = broker.bootstrap,
            fast = consumer_keys("a1.sources.r1"),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    let got = broker.consume(
        &channel_topic,
        &unique_topic("check"),
        5,
        Duration::from_secs(90),
    );
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(got.len(), 5, "log:\n{}", agent.log());
    for rec in &got {
        let (headers, body) = afe(rec);
        let headers: flume_rs::Headers = headers
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(rec["key"].as_str(), headers.get("key").map(String::as_str));
        // The event's map (copied by EventBuilder), then toCharSeqMap's fresh HashMap.
        let java_order: Vec<(&str, &str)> =
            flume_rs::java::hashmap_put_order(&flume_rs::java::hashmap_order(&headers));
        assert_eq!(
            java_order.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["partition", "offset", "topic", "key", "timestamp"],
            "Java HashMap order of these five names"
        );
        assert_eq!(
            hex(&fastavro_encode(&java_order, &body)),
            rec["value_hex"].as_str().unwrap(),
            "byte-identical to the datum Java writes"
        );
    }
}

/// A config written for Flume 1.6: only `zookeeperConnect` (with a chroot) says where Kafka
/// is; the brokers are read from a real ZooKeeper in which the test registered the broker as
/// Kafka does.
#[test]
fn zookeeper_connect_only_discovers_the_brokers() {
    let broker = broker();
    let zk = ZooKeeper::start();
    zk.register_broker("/kafka", 0, "127.0.0.1", broker.port);
    let input = unique_topic("zk-in");
    broker.create_topic(&input, 1);
    let records: Vec<Value> = (0..5)
        .map(|i| json!({"value_hex": hex(format!("zk event {i}").as_bytes())}))
        .collect();
    broker.produce(&input, &records);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.zookeeperConnect = {zk}/kafka\na1.sources.r1.topic = {input}\n\
             a1.sources.r1.groupId = zk\na1.sources.r1.kafka.auto.offset.reset = smallest\na1.sources.r1.batchSize = 5\n{fast}\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n",
            zk = zk.connect,
            fast = consumer_keys("a1.sources.r1"),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(Duration::from_secs(60), "5 events logged", || {
        count_lines(&agent, "Event: { headers:{") >= 5
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert!(
        log.contains(&format!("bootstrap={}", broker.bootstrap)),
        "{log}"
    );
    assert!(
        log.contains("zookeeperConnect is deprecated. Please use the parameter"),
        "{log}"
    );
    assert!(log.contains(&format!("topic={input}")), "{log}");
}

/// The data-driven vectors of `kafka_and_avro_encoding.json`, through the library functions
/// the components use; cases that describe behaviour checked end to end elsewhere are listed
/// as covered there.
#[test]
fn kafka_and_avro_encoding_vectors() {
    use flume_rs::config::Context;
    use flume_rs::event::{Event, Headers};
    use flume_rs::format::avro_event;

    let headers_of = |v: &Value| -> Headers {
        match v {
            Value::Array(pairs) => pairs
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect(),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().into()))
                .collect(),
            _ => Headers::new(),
        }
    };
    let ctx_of = |prefix: &str, cfg: &Value, extra: &[(&str, &str)]| {
        let mut pairs: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in cfg.as_object().unwrap() {
            pairs.push((k.clone(), v.as_str().unwrap().to_string()));
        }
        Context::from_pairs(prefix, pairs)
    };
    let check = |case: &flume_rs::vectors::Case| -> flume_rs::vectors::Outcome {
        let id = case.id;
        let case = case.value;
        let input = &case["input"];
        let expected = &case["expected"];
        match id {
            _ if id.starts_with("afe-") => {
                let event = Event::with_headers(
                    headers_of(&input["headers"]),
                    input["body_utf8"].as_str().unwrap().as_bytes().to_vec(),
                );
                let ours = avro_event::encode(&event);
                let want = unhex(expected["bytes_hex"].as_str().unwrap());
                // fastavro writes the entries in the order given (the vector's order); Java
                // writes them in HashMap order. Both decode to the same event.
                let order: Vec<(&str, &str)> = event
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(
                    fastavro_encode(&order, &event.body),
                    want,
                    "{id}: fastavro agrees with the vector"
                );
                let java: Vec<(&str, &str)> = flume_rs::java::hashmap_order(&event.headers);
                assert_eq!(
                    fastavro_encode(&java, &event.body),
                    ours.to_vec(),
                    "{id}: ours = Java's order"
                );
                assert_eq!(avro_event::decode(&want).unwrap(), event, "{id}");
                assert_eq!(avro_event::decode(&ours).unwrap(), event, "{id}");
            }
            "kc-parse-as-flume-event-true" | "kc-parse-as-flume-event-false" => {
                let parse = java_bool(case["config"]["parseAsFlumeEvent"].as_str().unwrap());
                let key = input["kafka_record_key"].as_str();
                let mut inner = Headers::new();
                inner.insert("h".into(), "v".into());
                let value = match input.get("kafka_record_value_utf8").and_then(Value::as_str) {
                    Some(text) => bytes::Bytes::copy_from_slice(text.as_bytes()),
                    None => avro_event::encode(&Event::with_headers(inner.clone(), "datum body")),
                };
                let record = flume_rs::kafka::consumer::Record {
                    topic: "t".into(),
                    partition: 0,
                    offset: 0,
                    timestamp: None,
                    key: key.map(|k| bytes::Bytes::copy_from_slice(k.as_bytes())),
                    value: value.clone(),
                    headers: Vec::new(),
                };
                let event = flume_rs::channel::kafka::event_of(&record, parse).unwrap();
                if let Some(want) = expected["event"].as_object() {
                    assert_eq!(event.headers, headers_of(&want["headers"]), "{id}");
                    assert_eq!(
                        &event.body[..],
                        want["body_utf8"].as_str().unwrap().as_bytes(),
                        "{id}"
                    );
                } else {
                    // Headers and body from the datum, plus `key` from the record key.
                    let mut want = inner;
                    want.insert("key".into(), key.unwrap().into());
                    assert_eq!(event.headers, want, "{id}");
                    assert_eq!(&event.body[..], b"datum body", "{id}");
                }
            }
            "kc-derived-put-record" | "kc-derived-bad-partition" => {
                let ctx = ctx_of(
                    "a1.channels.c1.",
                    &case["config"],
                    &[("kafka.bootstrap.servers", "h:1")],
                );
                let cfg = flume_rs::channel::kafka::KafkaChannelConfig::from_context(&ctx).unwrap();
                let topic: std::sync::Arc<str> = cfg.topic.as_str().into();
                let event = Event::with_headers(headers_of(&input["event_headers"]), Vec::new());
                let result = flume_rs::channel::kafka::record_of(&event, &cfg, &topic);
                if let Some(rec) = expected.get("producer_record") {
                    let r = result.unwrap();
                    assert_eq!(&*r.topic, rec["topic"].as_str().unwrap(), "{id}");
                    assert_eq!(
                        r.partition,
                        rec["partition"].as_i64().map(|p| p as i32),
                        "{id}"
                    );
                    assert_eq!(r.key, rec["key"].as_str(), "{id}");
                    assert_eq!(avro_event::decode(&r.value).unwrap(), event, "{id}");
                } else {
                    let err = result.unwrap_err();
                    assert!(
                        expected["error"].as_str().unwrap().contains(&err),
                        "{id}: {err}"
                    );
                }
            }
            _ if id.starts_with("ks-") => {
                let ctx = ctx_of(
                    "a1.sinks.k1.",
                    &case["config"],
                    &[("kafka.bootstrap.servers", "h:1")],
                );
                let cfg = flume_rs::sink::kafka::KafkaSinkConfig::from_context(&ctx).unwrap();
                if let Some(n) = expected.get("effective_batch_size") {
                    assert_eq!(cfg.batch_size as i64, n.as_i64().unwrap(), "{id}");
                }
                for (i, ev) in input.as_array().into_iter().flatten().enumerate() {
                    let event = Event::with_headers(headers_of(&ev["headers"]), Vec::new());
                    let r = flume_rs::sink::kafka::record_of(&event, &cfg).unwrap();
                    if let Some(topics) = expected.get("topics") {
                        assert_eq!(&*r.topic, topics[i].as_str().unwrap(), "{id}");
                    }
                    if let Some(recs) = expected.get("records") {
                        assert_eq!(r.key, recs[i]["key"].as_str(), "{id}");
                        assert_eq!(
                            r.partition,
                            recs[i]["partition"].as_i64().map(|p| p as i32),
                            "{id}"
                        );
                    }
                }
            }
            "ksrc-derived-headers" => {
                let ctx = ctx_of(
                    "a1.sources.r1.",
                    &case["config"],
                    &[("kafka.bootstrap.servers", "h:1"), ("kafka.topics", "t1")],
                );
                let cfg = flume_rs::source::kafka::KafkaSourceConfig::from_context(&ctx).unwrap();
                let r = &input["record"];
                let record = flume_rs::kafka::consumer::Record {
                    topic: r["topic"].as_str().unwrap().into(),
                    partition: r["partition"].as_i64().unwrap() as i32,
                    offset: r["offset"].as_i64().unwrap(),
                    timestamp: r["timestamp"].as_i64(),
                    key: r["key"]
                        .as_str()
                        .map(|k| bytes::Bytes::copy_from_slice(k.as_bytes())),
                    value: bytes::Bytes::copy_from_slice(
                        r["value_utf8"].as_str().unwrap().as_bytes(),
                    ),
                    headers: Vec::new(),
                };
                let event = flume_rs::source::kafka::event_of(&record, &cfg).unwrap();
                assert_eq!(
                    event.headers,
                    headers_of(&expected["event"]["headers"]),
                    "{id}"
                );
                assert_eq!(
                    &event.body[..],
                    expected["event"]["body_utf8"].as_str().unwrap().as_bytes()
                );
            }
            "ksrc-derived-topics-split" => {
                let topics = flume_rs::kafka::topic_list(
                    case["config"]["kafka.topics"].as_str().unwrap().trim(),
                );
                let want: Vec<String> = expected["topics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect();
                assert_eq!(topics, want, "{id}");
            }
            _ => return flume_rs::vectors::Outcome::NotMine,
        }
        flume_rs::vectors::Outcome::Pass
    };
    flume_rs::vectors::run(
        "kafka_and_avro_encoding.json",
        &[("kafka and avro encoding", &check)],
    )
    .assert_ok();
}

/// The distinct bodies in `topic`, polled until `want` distinct ones are there.
fn wait_distinct_bodies(
    broker: &Broker,
    topic: &str,
    want: usize,
    flume_event: bool,
) -> (std::collections::BTreeSet<String>, usize) {
    let start = std::time::Instant::now();
    loop {
        let recs = broker.consume_all(
            topic,
            &unique_topic("all"),
            Duration::from_secs(3),
            Duration::from_secs(60),
        );
        let bodies: std::collections::BTreeSet<String> = recs
            .iter()
            .map(|r| {
                if flume_event {
                    String::from_utf8(afe(r).1).unwrap()
                } else {
                    body(r)
                }
            })
            .collect();
        if bodies.len() >= want || start.elapsed() > Duration::from_secs(120) {
            return (bodies, recs.len());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn metric(port: u16, component: &str, attr: &str) -> u64 {
    metrics(port)
        .and_then(|m| m[component][attr].as_str().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// kill -9 mid-stream with the Kafka source feeding a durable (file) channel, then a restart
/// with the same group: every produced record arrives at least once (offsets were committed
/// only after the channel put, and the sink acknowledged before its channel transaction
/// committed). With a memory channel the events in it are lost on kill -9, as in Flume.
#[test]
fn kafka_source_survives_kill_9_at_least_once() {
    let broker = broker();
    let input = unique_topic("k9-in");
    let out = unique_topic("k9-out");
    broker.create_topic(&input, 2);
    broker.create_topic(&out, 1);
    let records: Vec<Value> = (0..400)
        .map(|i| json!({"partition": i % 2, "value_hex": hex(format!("r{i}").as_bytes())}))
        .collect();
    broker.produce(&input, &records);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.kafka.bootstrap.servers = {b}\na1.sources.r1.kafka.topics = {input}\n\
             a1.sources.r1.kafka.consumer.group.id = k9\na1.sources.r1.kafka.consumer.auto.offset.reset = earliest\n\
             a1.sources.r1.batchSize = 10\na1.sources.r1.batchDurationMillis = 200\n{fast}\
             a1.channels.c1.type = file\na1.channels.c1.checkpointDir = {dir}/checkpoint\na1.channels.c1.dataDirs = {dir}/data\n\
             a1.channels.c1.capacity = 100\na1.channels.c1.transactionCapacity = 10\n\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {b}\na1.sinks.k1.kafka.topic = {out}\n\
             a1.sinks.k1.flumeBatchSize = 10\na1.sinks.k1.allowTopicOverride = false\n",
            b = broker.bootstrap,
            fast = consumer_keys("a1.sources.r1"),
            dir = dir.path().display(),
        ),
    );
    let port = free_port();
    let mon = [
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ];
    let mon: Vec<&str> = mon.iter().map(String::as_str).collect();
    let mut agent = Agent::start("a1", &conf, &mon);
    eventually(Duration::from_secs(60), "some events delivered", || {
        metric(port, "SINK.k1", "EventDrainSuccessCount") >= 30
    });
    agent.kill9();
    let before = metric(port, "SINK.k1", "EventDrainSuccessCount");
    assert_eq!(before, 0, "the agent is gone");
    let mut agent = Agent::start("a1", &conf, &mon);
    let (bodies, total) = wait_distinct_bodies(broker, &out, 400, false);
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    let tail = &log[log.len().saturating_sub(6000)..];
    assert_eq!(
        bodies.len(),
        400,
        "every record at least once ({total} records written); log:\n{tail}"
    );
    let committed: i64 = broker.committed(&input, "k9").iter().map(|(_, o)| *o).sum();
    assert_eq!(committed, 400);
}

/// kill -9 with the Kafka channel: events the sink had taken but not committed are read again
/// after the restart; nothing is lost.
#[test]
fn kafka_channel_survives_kill_9_at_least_once() {
    let broker = broker();
    let channel_topic = unique_topic("k9c-chan");
    let out = unique_topic("k9c-out");
    broker.create_topic(&channel_topic, 2);
    broker.create_topic(&out, 1);
    let records: Vec<Value> = (0..300)
        .map(|i| json!({"partition": i % 2, "avro_event": {"headers": {"n": i.to_string()}, "body_hex": hex(format!("c{i}").as_bytes())}}))
        .collect();
    broker.produce(&channel_topic, &records);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.channels = c1\na1.sinks = k1\n\
             a1.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a1.channels.c1.kafka.bootstrap.servers = {b}\na1.channels.c1.kafka.topic = {channel_topic}\n\
             a1.channels.c1.kafka.consumer.group.id = k9c\n{fast}\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {b}\na1.sinks.k1.kafka.topic = {out}\n\
             a1.sinks.k1.flumeBatchSize = 10\n",
            b = broker.bootstrap,
            fast = consumer_keys("a1.channels.c1"),
        ),
    );
    let port = free_port();
    let mon = [
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ];
    let mon: Vec<&str> = mon.iter().map(String::as_str).collect();
    let mut agent = Agent::start("a1", &conf, &mon);
    eventually(Duration::from_secs(60), "some events delivered", || {
        metric(port, "SINK.k1", "EventDrainSuccessCount") >= 30
    });
    agent.kill9();
    let mut agent = Agent::start("a1", &conf, &mon);
    let (bodies, total) = wait_distinct_bodies(broker, &out, 300, false);
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        bodies.len(),
        300,
        "every event at least once ({total} records written)"
    );
}

/// Two agents in one group share the partitions (the second one's arrival rebalances the
/// first, which commits what it delivered and gives back the rest); together they deliver
/// every record.
#[test]
fn two_agents_in_one_group_share_the_partitions() {
    let broker = broker();
    let input = unique_topic("grp-in");
    let out = unique_topic("grp-out");
    broker.create_topic(&input, 4);
    broker.create_topic(&out, 1);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.kafka.bootstrap.servers = {b}\na1.sources.r1.kafka.topics = {input}\n\
             a1.sources.r1.kafka.consumer.group.id = shared\na1.sources.r1.kafka.consumer.auto.offset.reset = earliest\n\
             a1.sources.r1.batchSize = 20\na1.sources.r1.batchDurationMillis = 200\n{fast}\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 100\na1.channels.c1.transactionCapacity = 20\n\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {b}\na1.sinks.k1.kafka.topic = {out}\n\
             a1.sinks.k1.useFlumeEventFormat = true\na1.sinks.k1.flumeBatchSize = 20\n\
             # The source's `topic` header would send every event back to the input topic.\n\
             a1.sinks.k1.allowTopicOverride = false\n",
            b = broker.bootstrap,
            fast = consumer_keys("a1.sources.r1"),
        ),
    );
    let ports = [free_port(), free_port()];
    let start = |port: u16| {
        Agent::start(
            "a1",
            &conf,
            &[
                "-Dflume.monitoring.type=http",
                &format!("-Dflume.monitoring.port={port}"),
            ],
        )
    };
    let mut first = start(ports[0]);
    let batch = |from: usize| -> Vec<Value> {
        (from..from + 200)
            .map(|i| json!({"partition": i % 4, "value_hex": hex(format!("g{i}").as_bytes())}))
            .collect()
    };
    broker.produce(&input, &batch(0));
    eventually(Duration::from_secs(60), "the first agent delivers", || {
        metric(ports[0], "SINK.k1", "EventDrainSuccessCount") > 0
    });
    let mut second = start(ports[1]);
    eventually(Duration::from_secs(60), "the group rebalances", || {
        first.log().contains("revoked.") && second.log().contains("assigned.")
    });
    broker.produce(&input, &batch(200));
    let (bodies, total) = wait_distinct_bodies(broker, &out, 400, true);
    let delivered = [
        metric(ports[0], "SINK.k1", "EventDrainSuccessCount"),
        metric(ports[1], "SINK.k1", "EventDrainSuccessCount"),
    ];
    assert_eq!(first.stop(), Some(0));
    assert_eq!(second.stop(), Some(0));
    assert_eq!(
        bodies.len(),
        400,
        "every record delivered ({total} written)"
    );
    assert!(
        delivered[0] > 0 && delivered[1] > 0,
        "both agents delivered: {delivered:?}"
    );
}

/// Kafka client defaults are kafka-clients 2.0.1's where librdkafka's differ: with no
/// `session.timeout.ms` configured, an agent restarted after `kill -9` waits out its dead
/// group member for Java's 10 s session timeout, not librdkafka's 45 s, before its sink
/// delivers again from the Kafka channel.
#[test]
fn kafka_channel_restarted_after_kill_9_delivers_within_the_java_session_timeout() {
    let broker = broker();
    let channel_topic = unique_topic("sess-chan");
    let out = unique_topic("sess-out");
    broker.create_topic(&channel_topic, 1);
    broker.create_topic(&out, 1);
    let first: Vec<Value> = (0..50)
        .map(
            |i| json!({"avro_event": {"headers": {}, "body_hex": hex(format!("a{i}").as_bytes())}}),
        )
        .collect();
    broker.produce(&channel_topic, &first);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.channels = c1\na1.sinks = k1\n\
             a1.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel\n\
             a1.channels.c1.kafka.bootstrap.servers = {b}\na1.channels.c1.kafka.topic = {channel_topic}\n\
             a1.channels.c1.kafka.consumer.group.id = sess\n\
             a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.kafka.bootstrap.servers = {b}\na1.sinks.k1.kafka.topic = {out}\n\
             a1.sinks.k1.flumeBatchSize = 10\n",
            b = broker.bootstrap,
        ),
    );
    let port = free_port();
    let mon = [
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ];
    let mon: Vec<&str> = mon.iter().map(String::as_str).collect();
    let mut agent = Agent::start("a1", &conf, &mon);
    eventually(
        Duration::from_secs(60),
        "the first events delivered",
        || metric(port, "SINK.k1", "EventDrainSuccessCount") >= 50,
    );
    agent.kill9();
    let second: Vec<Value> = (0..20)
        .map(
            |i| json!({"avro_event": {"headers": {}, "body_hex": hex(format!("b{i}").as_bytes())}}),
        )
        .collect();
    broker.produce(&channel_topic, &second);
    let restarted = std::time::Instant::now();
    let mut agent = Agent::start("a1", &conf, &mon);
    eventually(
        Duration::from_secs(60),
        "the restarted agent delivers",
        || metric(port, "SINK.k1", "EventDrainSuccessCount") > 0,
    );
    let waited = restarted.elapsed();
    assert_eq!(agent.stop(), Some(0));
    // The group waits out the dead member for the session timeout (10 s) plus a rebalance:
    // about 23 s here; with `session.timeout.ms = 45000` (librdkafka's default) nothing was
    // delivered within 60 s.
    assert!(
        waited < Duration::from_secs(40),
        "first delivery {waited:?} after the restart"
    );
    eprintln!("first delivery {waited:?} after the restart");
}
