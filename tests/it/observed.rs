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

// §18 "A class that cannot be loaded", by where it is named. No plugin host resolves the
// classes below (none exists), so each case shows Flume's rule for that place.

fn seq_to_logger(sink_type: &str) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = {sink_type}\na1.sinks.k1.channel = c1\n"
    )
}

/// A component `type` naming a class that cannot be loaded rejects the whole configuration;
/// with config polling on (the default) the agent stays up with nothing running and runs the
/// file once it is fixed.
#[test]
fn unloadable_component_type_rejects_the_configuration_until_the_file_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(&conf, &seq_to_logger("com.example.NoSuchSink"));
    let mut cmd = std::process::Command::new(flume_ng());
    cmd.args([
        "agent",
        "-n",
        "a1",
        "-i",
        "1",
        "-Dflume.root.logger=INFO,console",
        "-f",
    ])
    .arg(&conf);
    let mut agent = Agent::spawn(cmd);
    agent.wait_for("Failed to load configuration data", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        agent.child.try_wait().unwrap().is_none(),
        "the agent stays up: {}",
        agent.log()
    );
    let log = agent.log();
    assert!(log.contains("com.example.NoSuchSink"), "{log}");
    assert!(!log.contains("Starting Channel"), "nothing runs: {log}");
    // Fixed: the next poll runs it (mtime granularity: make sure it moves).
    std::thread::sleep(Duration::from_millis(1100));
    write(&conf, &seq_to_logger("logger"));
    agent.wait_for("Starting Source r1", Duration::from_secs(20));
    agent.wait_for(
        "body: 32                                              2 }",
        Duration::from_secs(20),
    );
    assert_eq!(agent.stop(), Some(0));
}

/// The same with `--no-reload-conf`: Flume exits (status 0, "A fatal error occurred while
/// running"); flume-rs exits with status 1 (a documented difference) and names the class.
#[test]
fn unloadable_component_type_with_no_reload_conf_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(&conf, &seq_to_logger("com.example.NoSuchSink"));
    let (code, _, err) = run(&[
        "agent",
        "-n",
        "a1",
        "--no-reload-conf",
        "-Dflume.root.logger=INFO,console",
        "-f",
        conf.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("A fatal error occurred while running"),
        "{err}"
    );
    assert!(err.contains("com.example.NoSuchSink"), "{err}");
    assert!(!err.contains("Starting Channel"), "{err}");
}

/// An interceptor builder class that cannot be loaded: "Builder class not found", its source
/// is removed, the rest of the agent runs.
#[test]
fn unloadable_interceptor_builder_removes_only_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        "a1.sources = r1 r2\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
         a1.sources.r1.interceptors = i1\n\
         a1.sources.r1.interceptors.i1.type = com.example.NoSuchInterceptor$Builder\n\
         a1.sources.r2.type = seq\na1.sources.r2.totalEvents = 2\na1.sources.r2.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n",
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for(
        "body: 31                                              1 }",
        Duration::from_secs(20),
    );
    agent.stop();
    let log = agent.log();
    assert!(log.contains("Builder class not found"), "{log}");
    assert!(
        log.contains("com.example.NoSuchInterceptor$Builder"),
        "{log}"
    );
    assert!(
        log.contains("Source r1 has been removed due to an error during configuration"),
        "{log}"
    );
    assert!(!log.contains("Starting Source r1"), "{log}");
    assert!(log.contains("Starting Source r2"), "{log}");
    assert_eq!(log.matches("Event: { headers:{} body:").count(), 2, "{log}");
}

/// An HTTP source `handler` class that cannot be loaded: "Error while configuring HTTPSource",
/// the source is removed, the rest runs.
#[test]
fn unloadable_http_handler_removes_only_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1 r2\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.port = {port}\n\
             a1.sources.r1.handler = com.example.NoSuchHandler\na1.sources.r1.channels = c1\n\
             a1.sources.r2.type = seq\na1.sources.r2.totalEvents = 2\na1.sources.r2.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n"
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for(
        "body: 31                                              1 }",
        Duration::from_secs(20),
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    agent.stop();
    let log = agent.log();
    assert!(log.contains("Error while configuring HTTPSource"), "{log}");
    assert!(log.contains("com.example.NoSuchHandler"), "{log}");
    assert!(
        log.contains("Source r1 has been removed due to an error during configuration"),
        "{log}"
    );
    assert!(log.contains("Starting Source r2"), "{log}");
}

/// A sink whose serializer class cannot be loaded starts (start lines, counters); opening a
/// file fails on every delivery ("Class not found", "Unable to deliver event") and the events
/// stay in the channel.
fn assert_sink_starts_and_keeps_events(
    sink_keys: &str,
    class: &str,
    failure_line: &str,
    leftover: &std::path::Path,
) {
    let dir = tempfile::tempdir().unwrap();
    let mon_port = free_port();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.channel = c1\n{sink_keys}"
        ),
    );
    let mut agent = monitored(&conf, mon_port);
    agent.wait_for(failure_line, Duration::from_secs(20));
    let mut m = serde_json::Value::Null;
    eventually(Duration::from_secs(20), "3 events in the channel", || {
        m = metrics(mon_port);
        m["CHANNEL.c1"]["ChannelSize"] == "3"
    });
    assert_eq!(m["CHANNEL.c1"]["EventTakeSuccessCount"], "0", "{m}");
    assert!(
        m.get("SINK.k1").is_some(),
        "the sink's counters are up: {m}"
    );
    agent.stop();
    let log = agent.log();
    assert!(log.contains("Starting Sink k1"), "{log}");
    assert!(
        log.contains("Component type: SINK, name: k1 started"),
        "{log}"
    );
    assert!(log.contains(&format!("Class not found: {class}")), "{log}");
    let written: Vec<_> = walk(leftover)
        .into_iter()
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect();
    assert!(written.is_empty(), "nothing written: {written:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn unloadable_file_roll_serializer_fails_every_delivery_and_keeps_the_events() {
    let out = tempfile::tempdir().unwrap();
    let class = "com.example.NoSuchSerializer$Builder";
    assert_sink_starts_and_keeps_events(
        &format!(
            "a1.sinks.k1.type = file_roll\na1.sinks.k1.sink.directory = {}\n\
             a1.sinks.k1.sink.serializer = {class}\n",
            out.path().display()
        ),
        class,
        "Unable to deliver event",
        out.path(),
    );
}

/// (Flume's hdfs sink reports the failed open through its own error path; the observable
/// part is the same: start lines and counters, "Class not found", events kept.)
#[test]
fn unloadable_hdfs_serializer_fails_every_delivery_and_keeps_the_events() {
    let out = tempfile::tempdir().unwrap();
    let class = "com.example.ParquetSerializer$Builder";
    assert_sink_starts_and_keeps_events(
        &format!(
            "a1.sinks.k1.type = hdfs\na1.sinks.k1.hdfs.path = file://{}/%Y\n\
             a1.sinks.k1.hdfs.useLocalTimeStamp = true\na1.sinks.k1.hdfs.fileType = DataStream\n\
             a1.sinks.k1.serializer = {class}\n",
            out.path().display()
        ),
        class,
        "HDFS IO error",
        out.path(),
    );
}

/// §18 "Header order after `EventBuilder.withBody(body, headers)`": the http source's events
/// live in `new HashMap<>(headers)` (table from the header count, not 16), interceptors put
/// into it and resize it past 0.75; the logger sink and `header_and_text` iterate that table.
/// The expected orders come from a Java program run here on the same key sets.
#[test]
fn header_order_follows_the_hashmap_event_builder_copies() {
    let dir = tempfile::tempdir().unwrap();
    // Request key sets of 0–20 headers, each sent to four sources whose interceptors add
    // none, one, two or four keys (put in this order).
    let key_sets: Vec<Vec<String>> = (0..=20)
        .map(|n| {
            (0..n)
                .map(|i| match i % 4 {
                    0 => format!("k{i}"),
                    1 => format!("header-{}", i * 37),
                    2 => format!("X{}y", i * 101),
                    _ => ["region", "app", "dc", "env", "zone"][i % 5].to_string(),
                })
                .collect()
        })
        .collect();
    let interceptors: [&[(&str, &str)]; 4] = [
        &[],
        &[("static", "key")],
        &[("static", "key"), ("host", "host")],
        &[
            ("static", "key"),
            ("host", "host"),
            (
                "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder",
                "id",
            ),
            ("timestamp", "timestamp"),
        ],
    ];

    // Java's orders: a LinkedHashMap (Gson's map keeps the request order), `new
    // HashMap<>(m)`, then the interceptors' puts. One line per (source, key set).
    let java = dir.path().join("java");
    std::fs::create_dir_all(&java).unwrap();
    let array = |keys: &mut dyn Iterator<Item = &str>| {
        let quoted: Vec<String> = keys.map(|k| format!("\"{k}\"")).collect();
        format!("new String[]{{{}}}", quoted.join(","))
    };
    let sets: Vec<String> = key_sets
        .iter()
        .map(|s| array(&mut s.iter().map(String::as_str)))
        .collect();
    let added: Vec<String> = interceptors
        .iter()
        .map(|i| array(&mut i.iter().map(|(_, k)| *k)))
        .collect();
    write(
        &java.join("Order.java"),
        &format!(
            "import java.util.*;\n\
             public class Order {{\n\
               public static void main(String[] a) {{\n\
                 String[][] sets = {{ {} }};\n\
                 String[][] added = {{ {} }};\n\
                 for (String[] add : added) for (String[] set : sets) {{\n\
                   Map<String, String> request = new LinkedHashMap<>();\n\
                   for (String k : set) request.put(k, \"v\");\n\
                   Map<String, String> headers = new HashMap<>(request);\n\
                   for (String k : add) headers.put(k, \"v\");\n\
                   System.out.println(String.join(\",\", headers.keySet()));\n\
                 }}\n\
               }}\n\
             }}\n",
            sets.join(",\n"),
            added.join(",\n")
        ),
    );
    let javac = std::process::Command::new("javac")
        .arg("-d")
        .arg(&java)
        .arg(java.join("Order.java"))
        .output()
        .expect("javac (JDK 17, .ci/apt-packages)");
    assert!(
        javac.status.success(),
        "{}",
        String::from_utf8_lossy(&javac.stderr)
    );
    let out = std::process::Command::new("java")
        .arg("-cp")
        .arg(&java)
        .arg("Order")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(expected.len(), key_sets.len() * interceptors.len());

    let ports: Vec<u16> = interceptors.iter().map(|_| free_port()).collect();
    let rolled = dir.path().join("rolled");
    std::fs::create_dir_all(&rolled).unwrap();
    let mut conf_text = String::from(
        "a1.sources = r0 r1 r2 r3\na1.channels = c1 c2\na1.sinks = k1 k2\n\
         a1.channels.c1.type = memory\na1.channels.c1.capacity = 1000\n\
         a1.channels.c2.type = memory\na1.channels.c2.capacity = 1000\n\
         a1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n\
         a1.sinks.k2.type = file_roll\na1.sinks.k2.channel = c2\n\
         a1.sinks.k2.sink.rollInterval = 0\na1.sinks.k2.sink.serializer = header_and_text\n",
    );
    conf_text.push_str(&format!(
        "a1.sinks.k2.sink.directory = {}\n",
        rolled.display()
    ));
    for (s, chain) in interceptors.iter().enumerate() {
        conf_text.push_str(&format!(
            "a1.sources.r{s}.type = http\na1.sources.r{s}.port = {}\na1.sources.r{s}.channels = c1 c2\n",
            ports[s]
        ));
        let names: Vec<String> = (0..chain.len()).map(|i| format!("i{i}")).collect();
        if !names.is_empty() {
            conf_text.push_str(&format!(
                "a1.sources.r{s}.interceptors = {}\n",
                names.join(" ")
            ));
        }
        for (i, (kind, _)) in chain.iter().enumerate() {
            conf_text.push_str(&format!(
                "a1.sources.r{s}.interceptors.i{i}.type = {kind}\n"
            ));
        }
    }
    let conf = dir.path().join("agent.conf");
    write(&conf, &conf_text);
    let mut agent = Agent::start("a1", &conf, &[]);
    for port in &ports {
        wait_port(*port, Duration::from_secs(20));
    }
    for (s, port) in ports.iter().enumerate() {
        for (n, set) in key_sets.iter().enumerate() {
            let headers: Vec<String> = set.iter().map(|k| format!("\"{k}\": \"v\"")).collect();
            let body = format!(
                "[{{\"headers\": {{{}}}, \"body\": \"#{}\"}}]",
                headers.join(", "),
                s * key_sets.len() + n
            );
            let (status, _, _) = http(
                "POST",
                *port,
                "/",
                Some("application/json"),
                body.as_bytes(),
            );
            assert_eq!(status, 200, "{body}");
        }
    }
    // Per event (numbered by its body `#i`): the key order inside `{k=v, …}`.
    let orders = |text: &str, marker: &str| -> Vec<String> {
        let mut found = vec![String::new(); expected.len()];
        for line in text.lines() {
            let Some(at) = line.find(marker) else {
                continue;
            };
            let rest = &line[at + marker.len()..];
            let Some(end) = rest.find('}') else { continue };
            let Some(hash) = rest[end..].find('#') else {
                continue;
            };
            let digits: String = rest[end + hash + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let Ok(i) = digits.parse::<usize>() else {
                continue;
            };
            let keys: Vec<&str> = rest[..end]
                .split(", ")
                .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
                .collect();
            found[i] = keys.join(",");
        }
        found
    };
    eventually(Duration::from_secs(30), "every event logged", || {
        orders(&agent.log(), "headers:{")
            .iter()
            .zip(&expected)
            .all(|(got, want)| got.is_empty() == want.is_empty())
    });
    assert_eq!(orders(&agent.log(), "headers:{"), expected, "logger sink");
    agent.stop();
    let file = walk(&rolled).pop().expect("a rolled file");
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(orders(&text, "{"), expected, "header_and_text");
}
