//! Avro RPC through the real `flume-ng` binary: captured Java client bytes replayed into our
//! avro source, `flume-ng avro-client`, the Python Avro IPC tools, and agent tiers (seq →
//! avro sink → avro source) in clear, deflate and TLS, with a failing downstream.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::*;

fn golden(name: &str) -> Vec<u8> {
    let path = repo().join("compat-fixtures/golden/avro-ipc").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tools_python() -> PathBuf {
    let python = repo().join(".venv-tools/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash .ci/setup-tools` first",
        python.display()
    );
    python
}

/// The `Event: { … }` parts of the logger sink's lines, in order.
fn logged_events(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.find("Event: { ").map(|i| l[i..].to_string()))
        .collect()
}

/// Bodies of logged events whose body is short printable text (seq numbers).
fn logged_bodies(log: &str) -> Vec<String> {
    logged_events(log)
        .iter()
        .filter_map(|e| {
            e.strip_suffix(" }")
                .and_then(|s| s.rsplit(' ').next())
                .map(str::to_string)
        })
        .collect()
}

/// `GET /metrics` of an agent started with `-Dflume.monitoring.type=http`.
fn metrics(port: u16) -> serde_json::Value {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

fn metric(port: u16, component: &str, attr: &str) -> u64 {
    metrics(port)[component][attr]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn monitoring(port: u16) -> [String; 2] {
    [
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ]
}

fn start_with_metrics(name: &str, conf: &Path, port: u16) -> Agent {
    let m = monitoring(port);
    let agent = Agent::start(name, conf, &[&m[0], &m[1]]);
    eventually(Duration::from_secs(10), "metrics server up", || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    agent
}

fn wait_port(port: u16) {
    eventually(Duration::from_secs(10), "avro source listening", || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// Agent `b`: avro source on `port` → memory → logger, with extra source lines.
fn collector(dir: &Path, name: &str, port: u16, source_extra: &str) -> PathBuf {
    let conf = dir.join(format!("{name}.conf"));
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n\
             b.sources.r1.channels = c1\n{source_extra}\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 10000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = logger\nb.sinks.k1.channel = c1\n"
        ),
    );
    conf
}

/// Agent `a`: seq (`total` events) → memory → avro sink to `port`, with extra sink lines.
fn sender(dir: &Path, name: &str, total: u64, port: u16, sink_extra: &str) -> PathBuf {
    let conf = dir.join(format!("{name}.conf"));
    write(
        &conf,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n\
             a.sources.s1.type = seq\na.sources.s1.totalEvents = {total}\na.sources.s1.batchSize = 50\n\
             a.sources.s1.channels = c1\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = 100000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = avro\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {port}\n\
             a.sinks.k1.batch-size = 100\na.sinks.k1.channel = c1\n{sink_extra}"
        ),
    );
    conf
}

/// Every body 0..total arrived (at least once).
fn assert_all_arrived(agent: &Agent, total: u64) {
    let start = Instant::now();
    loop {
        let bodies = logged_bodies(&agent.log());
        let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
        for b in &bodies {
            if let Ok(n) = b.parse::<u64>() {
                *seen.entry(n).or_default() += 1;
            }
        }
        if (0..total).all(|i| seen.contains_key(&i)) {
            assert!(seen.keys().all(|k| *k < total), "unexpected bodies");
            return;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let missing: Vec<u64> = (0..total)
                .filter(|i| !seen.contains_key(i))
                .take(20)
                .collect();
            panic!(
                "missing events {missing:?}…; log tail:\n{}",
                tail(&agent.log())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Write `c2s` on a fresh connection and read until `expect` bytes came back.
fn exchange(port: u16, c2s: &[u8], expect: usize) -> (TcpStream, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.write_all(c2s).unwrap();
    let mut got = vec![0u8; expect];
    s.read_exact(&mut got)
        .unwrap_or_else(|e| panic!("reading {expect} bytes: {e}"));
    (s, got)
}

#[test]
fn java_client_captures_replayed_into_our_source_get_the_java_replies() {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2, p3) = (free_port(), free_port(), free_port());
    // Agent b of the capture set-up: r1 plain, r2 deflate, r3 before a capacity-1 channel.
    let conf = dir.path().join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r1 r2 r3\nb.channels = c1 c2 c3\nb.sinks = k1 k2\n\
             b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {p1}\nb.sources.r1.channels = c1\n\
             b.sources.r2.type = avro\nb.sources.r2.bind = 127.0.0.1\nb.sources.r2.port = {p2}\n\
             b.sources.r2.compression-type = deflate\nb.sources.r2.channels = c2\n\
             b.sources.r3.type = avro\nb.sources.r3.bind = 127.0.0.1\nb.sources.r3.port = {p3}\nb.sources.r3.channels = c3\n\
             b.channels.c1.type = memory\nb.channels.c2.type = memory\n\
             b.channels.c3.type = memory\nb.channels.c3.capacity = 1\nb.channels.c3.transactionCapacity = 1\n\
             b.sinks.k1.type = logger\nb.sinks.k1.channel = c1\nb.sinks.k2.type = logger\nb.sinks.k2.channel = c2\n"
        ),
    );
    let mut agent = Agent::start("b", &conf, &[]);
    for p in [p1, p2, p3] {
        wait_port(p);
    }
    for name in [
        "a_avroclient_one_event",
        "b_avroclient_three_events_headerfile",
        "c_avrosink_batch5",
        "f_python_none_client_ping_unknown",
        "g_avroclient_20000_byte_body",
    ] {
        let s2c = golden(&format!("{name}.s2c.bin"));
        let (_s, got) = exchange(p1, &golden(&format!("{name}.c2s.bin")), s2c.len());
        assert_eq!(got, s2c, "{name}");
    }
    // Call 1 fills the channel (OK), call 2 is refused after the keep-alive (FAILED).
    let s2c = golden("e_channel_full.s2c.bin");
    let (_s, got) = exchange(p3, &golden("e_channel_full.c2s.bin"), s2c.len());
    assert_eq!(got, s2c, "e_channel_full");
    // deflate: the sync-flushed reply now, the end of the zlib stream when the agent stops.
    let s2c = golden("d_avrosink_deflate.s2c.bin");
    let (mut s, got) = exchange(p2, &golden("d_avrosink_deflate.c2s.bin"), 27);
    assert_eq!(got[..], s2c[..27], "d_avrosink_deflate");
    agent.wait_for(
        "Event: { headers:{origin=seq2} body: 34",
        Duration::from_secs(10),
    );
    assert_eq!(agent.stop(), Some(0));
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(rest[..], s2c[27..], "end of the zlib stream");
    let log = agent.log();
    for expected in [
        "Event: { headers:{} body: 68 65 6C 6C 6F 20 66 6C 75 6D 65                hello flume }",
        "Event: { headers:{host=web01, topic=test} body: 65 76 65 6E 74 20 74 68 72 65 65                event three }",
        "Event: { headers:{origin=seq1} body: 30                                              0 }",
        "Event: { headers:{a=b} body: 68 69                                           hi }",
    ] {
        assert!(log.contains(expected), "{expected}\n{}", tail(&log));
    }
}

#[test]
fn avro_client_sends_a_file_with_headers_and_the_source_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (port, mport) = (free_port(), free_port());
    let conf = collector(dir.path(), "b", port, "");
    let agent = start_with_metrics("b", &conf, mport);
    wait_port(port);
    let input = dir.path().join("three.txt");
    std::fs::write(
        &input,
        "event one\nevent two\r\nevent three\rlast without newline",
    )
    .unwrap();
    let headers = dir.path().join("headers.txt");
    std::fs::write(&headers, "host=web01\ntopic=test\n").unwrap();
    let (code, _out, err) = run(&[
        "avro-client",
        "-Dflume.root.logger=INFO,console",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-F",
        input.to_str().unwrap(),
        "-R",
        headers.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    agent.wait_for("last without", Duration::from_secs(10));
    let events = logged_events(&agent.log());
    assert_eq!(
        events,
        [
            "Event: { headers:{host=web01, topic=test} body: 65 76 65 6E 74 20 6F 6E 65                      event one }",
            "Event: { headers:{host=web01, topic=test} body: 65 76 65 6E 74 20 74 77 6F                      event two }",
            "Event: { headers:{host=web01, topic=test} body: 65 76 65 6E 74 20 74 68 72 65 65                event three }",
            "Event: { headers:{host=web01, topic=test} body: 6C 61 73 74 20 77 69 74 68 6F 75 74 20 6E 65 77 last without new }",
        ]
    );
    // Four lines in batches of five: one appendBatch.
    assert_eq!(metric(mport, "SOURCE.r1", "AppendBatchReceivedCount"), 1);
    assert_eq!(metric(mport, "SOURCE.r1", "AppendBatchAcceptedCount"), 1);
    assert_eq!(metric(mport, "SOURCE.r1", "EventAcceptedCount"), 4);
    assert_eq!(metric(mport, "SOURCE.r1", "ChannelWriteFail"), 0);
    assert_eq!(metrics(mport)["SOURCE.r1"]["OpenConnectionCount"], "0");

    // Standard input, 12 lines: batches of 5, 5, 2.
    let mut child = Command::new(flume_ng())
        .args([
            "avro-client",
            "-Dflume.root.logger=INFO,console",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines: String = (0..12).map(|i| format!("stdin {i}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    agent.wait_for("stdin 11", Duration::from_secs(10));
    assert_eq!(metric(mport, "SOURCE.r1", "AppendBatchReceivedCount"), 4);
    assert_eq!(metric(mport, "SOURCE.r1", "EventAcceptedCount"), 16);
}

#[test]
fn avro_client_stops_on_failed_status_and_exits_zero_like_flume() {
    // Capture (e): batch-size 1 from an rpc properties file, a capacity-1 channel, no sink.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r3\nb.channels = c3\n\
             b.sources.r3.type = avro\nb.sources.r3.bind = 127.0.0.1\nb.sources.r3.port = {port}\nb.sources.r3.channels = c3\n\
             b.channels.c3.type = memory\nb.channels.c3.capacity = 1\nb.channels.c3.transactionCapacity = 1\nb.channels.c3.keep-alive = 1\n"
        ),
    );
    let _agent = Agent::start("b", &conf, &[]);
    wait_port(port);
    let props = dir.path().join("rpc.properties");
    std::fs::write(
        &props,
        format!("client.type = default\nhosts = h1\nhosts.h1 = 127.0.0.1:{port}\nbatch-size = 1\n"),
    )
    .unwrap();
    let input = dir.path().join("three.txt");
    std::fs::write(&input, "event one\nevent two\nevent three\n").unwrap();
    let (code, _out, err) = run(&[
        "avro-client",
        "-Dflume.root.logger=INFO,console",
        "-P",
        props.to_str().unwrap(),
        "-F",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Unable to deliver events to Flume")
            && err.contains("Avro RPC call returned Status: FAILED"),
        "{err}"
    );
}

/// The `-P` file's keys are checked against its table: a misspelt key is reported with its
/// `file:line` and the closest key, a key without effect here with the reason; a bad value
/// stops the client with its `file:line`.
#[test]
fn avro_client_reports_rpc_properties_keys_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = dir.path().join("rpc.properties");
    std::fs::write(
        &props,
        format!("hosts = h1\nhosts.h1 = 127.0.0.1:{port}\nbatch-sise = 5\nmax-attempts = 3\n"),
    )
    .unwrap();
    let input = dir.path().join("one.txt");
    std::fs::write(&input, "event one\n").unwrap();
    let args = |props: &std::path::Path| {
        run(&[
            "avro-client",
            "-Dflume.root.logger=INFO,console",
            "-P",
            props.to_str().unwrap(),
            "-F",
            input.to_str().unwrap(),
        ])
    };
    let (_code, _out, err) = args(&props);
    let at = |line: u32| format!("{}:{line}: ", props.display());
    assert!(
        err.contains(&format!(
            "{}batch-sise: unknown property, ignored (did you mean batch-size?)",
            at(3)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}max-attempts: accepted, no effect here", at(4))),
        "{err}"
    );
    std::fs::write(&props, "hosts = h1\nhosts.h1 = 127.0.0.1\n").unwrap();
    let (code, _out, err) = args(&props);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("{}hosts.h1: expected host:port", at(2))),
        "{err}"
    );
}

#[test]
fn python_avro_ipc_client_and_injector_against_our_source() {
    let python = tools_python();
    let tools = repo().join("compat-fixtures/golden/tools");
    let dir = tempfile::tempdir().unwrap();
    let (port, proxy_port) = (free_port(), free_port());
    let conf = collector(dir.path(), "b", port, "");
    let agent = Agent::start("b", &conf, &[]);
    wait_port(port);

    // The recording proxy between the Python client and our source, as in capture (f).
    let rec = dir.path().join("rec");
    let mut proxy = Killed(
        Command::new(&python)
            .current_dir(&tools)
            .args(["proxy.py", &proxy_port.to_string(), &port.to_string()])
            .arg(&rec)
            .arg("f")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // It prints "listening …" once bound (probing the port would record a connection).
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(proxy.0.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with("listening"), "{first}");
    let out = Command::new(&python)
        .current_dir(&tools)
        .args(["pyclient.py", &proxy_port.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s2c_path = rec.join("f-c1-s2c.bin");
    let expected = golden("f_python_none_client_ping_unknown.s2c.bin");
    eventually(
        Duration::from_secs(10),
        "proxy recorded the replies",
        || {
            std::fs::metadata(&s2c_path)
                .map(|m| m.len() as usize >= expected.len())
                .unwrap_or(false)
        },
    );
    drop(proxy);
    assert_eq!(
        std::fs::read(&s2c_path).unwrap(),
        expected,
        "NONE, CLIENT, ping, system error"
    );
    assert_eq!(
        std::fs::read(rec.join("f-c1-c2s.bin")).unwrap(),
        golden("f_python_none_client_ping_unknown.c2s.bin")
    );

    // The injector's odd events reach the logger sink exactly as Java's logger printed them.
    let out = Command::new(&python)
        .current_dir(&tools)
        .args(["inject.py", &port.to_string(), "odd"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "response payload 00000000000000"
    );
    let java: Vec<String> = logged_events(
        &std::fs::read_to_string(repo().join("compat-fixtures/golden/logger/logger_sink_odd.log"))
            .unwrap(),
    );
    assert_eq!(java.len(), 6);
    eventually(Duration::from_secs(10), "six odd events logged", || {
        logged_events(&agent.log()).len() >= 7
    });
    let ours = logged_events(&agent.log());
    assert_eq!(ours.len(), 7);
    assert_eq!(ours[1..], java[..], "logger lines of the odd events");
}

/// A child process killed when the test ends, even by a panic.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tier(sink_extra: &str, source_extra: &str, total: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (port, ma) = (free_port(), free_port());
    let b = collector(dir.path(), "b", port, source_extra);
    let collector_agent = Agent::start("b", &b, &[]);
    wait_port(port);
    let a = sender(dir.path(), "a", total, port, sink_extra);
    let mut sender_agent = start_with_metrics("a", &a, ma);
    assert_all_arrived(&collector_agent, total);
    eventually(Duration::from_secs(10), "sink counted every event", || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount") == total
    });
    assert_eq!(metric(ma, "SINK.k1", "EventDrainAttemptCount"), total);
    assert_eq!(metric(ma, "SINK.k1", "EventWriteFail"), 0);
    assert!(metric(ma, "SINK.k1", "ConnectionCreatedCount") >= 1);
    assert_eq!(sender_agent.stop(), Some(0));
    assert!(sender_agent.log().contains("Rpc sink k1 started."));
}

#[test]
fn tier_seq_avro_sink_to_avro_source() {
    tier("", "", 1000);
}

#[test]
fn tier_with_deflate_both_ways() {
    tier(
        "a.sinks.k1.compression-type = deflate\na.sinks.k1.compression-level = 9\n",
        "b.sources.r1.compression-type = deflate\n",
        1000,
    );
}

#[test]
fn tier_with_tls_pkcs12_keystore_and_trust_all_certs() {
    let dir = tempfile::tempdir().unwrap();
    let (p12, _cert) = flume_rs::tls::testing::self_signed("collector", "changeit");
    let ks = dir.path().join("server.p12");
    std::fs::write(&ks, p12).unwrap();
    tier(
        "a.sinks.k1.ssl = true\na.sinks.k1.trust-all-certs = true\na.sinks.k1.compression-type = deflate\n",
        &format!(
            "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = changeit\nb.sources.r1.keystore-type = PKCS12\nb.sources.r1.compression-type = deflate\n",
            ks.display()
        ),
        300,
    );
}

#[test]
fn tier_with_tls_and_a_jks_truststore() {
    let dir = tempfile::tempdir().unwrap();
    let (p12, cert) = flume_rs::tls::testing::self_signed("collector", "changeit");
    let ks = dir.path().join("server.p12");
    std::fs::write(&ks, p12).unwrap();
    let ts = dir.path().join("trust.jks");
    std::fs::write(
        &ts,
        flume_rs::tls::testing::jks_truststore(&cert, "changeit"),
    )
    .unwrap();
    tier(
        &format!(
            "a.sinks.k1.ssl = true\na.sinks.k1.truststore = {}\na.sinks.k1.truststore-password = changeit\n",
            ts.display()
        ),
        &format!(
            "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = changeit\n",
            ks.display()
        ),
        300,
    );
}

/// A JKS file holding only a trusted certificate (a truststore) given as a keystore: the
/// source is dropped with a message saying what is missing.
#[test]
fn tls_source_with_a_jks_truststore_as_keystore_is_dropped_naming_the_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_p12, cert) = flume_rs::tls::testing::self_signed("collector", "changeit");
    let ks = dir.path().join("server.jks");
    std::fs::write(
        &ks,
        flume_rs::tls::testing::jks_truststore(&cert, "changeit"),
    )
    .unwrap();
    let port = free_port();
    let conf = collector(
        dir.path(),
        "b",
        port,
        &format!(
            "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = changeit\n",
            ks.display()
        ),
    );
    let agent = Agent::start("b", &conf, &[]);
    agent.wait_for("holds no private key entry", Duration::from_secs(10));
    assert!(
        agent
            .log()
            .contains("Avro source configured with invalid keystore"),
        "{}",
        agent.log()
    );
}

#[test]
fn tier_with_an_untrusted_server_certificate_does_not_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let (p12, _) = flume_rs::tls::testing::self_signed("collector", "pw");
    let (_, other) = flume_rs::tls::testing::self_signed("someone-else", "pw");
    let ks = dir.path().join("server.p12");
    std::fs::write(&ks, p12).unwrap();
    let ts = dir.path().join("trust.jks");
    std::fs::write(&ts, flume_rs::tls::testing::jks_truststore(&other, "pw")).unwrap();
    let (port, ma) = (free_port(), free_port());
    let b = collector(
        dir.path(),
        "b",
        port,
        &format!(
            "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = pw\n",
            ks.display()
        ),
    );
    let collector_agent = Agent::start("b", &b, &[]);
    wait_port(port);
    let a = sender(
        dir.path(),
        "a",
        10,
        port,
        &format!(
            "a.sinks.k1.ssl = true\na.sinks.k1.truststore = {}\n",
            ts.display()
        ),
    );
    let _sender = start_with_metrics("a", &a, ma);
    eventually(
        Duration::from_secs(15),
        "connection failures counted",
        || metric(ma, "SINK.k1", "ConnectionFailedCount") >= 1,
    );
    assert_eq!(metric(ma, "SINK.k1", "EventDrainSuccessCount"), 0);
    assert!(logged_events(&collector_agent.log()).is_empty());
}

#[test]
fn failing_downstream_rolls_back_and_retries_until_everything_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ma) = (free_port(), free_port());
    // First collector: its channel takes 5 events per transaction, the sink sends 10 → every
    // batch is answered FAILED.
    let refusing = dir.path().join("b1.conf");
    write(
        &refusing,
        &format!(
            "b.sources = r1\nb.channels = c1\n\
             b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 5\nb.channels.c1.transactionCapacity = 5\n"
        ),
    );
    let mut b1 = Agent::start("b", &refusing, &[]);
    wait_port(port);
    let a = sender(dir.path(), "a", 300, port, "a.sinks.k1.batch-size = 10\n");
    let _a = start_with_metrics("a", &a, ma);
    eventually(
        Duration::from_secs(20),
        "FAILED replies rolled back",
        || metric(ma, "SINK.k1", "EventWriteFail") >= 1,
    );
    assert_eq!(metric(ma, "SINK.k1", "EventDrainSuccessCount"), 0);
    assert!(
        b1.log().contains("Unable to process event batch"),
        "{}",
        b1.log()
    );
    assert_eq!(b1.stop(), Some(0));

    // The collector comes back healthy on the same port: the sink reconnects, nothing is lost.
    let b2 = collector(dir.path(), "b2", port, "");
    let b2 = Agent::start("b", &b2, &[]);
    assert_all_arrived(&b2, 300);
    eventually(Duration::from_secs(10), "all drained", || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount") == 300
    });
    assert!(metric(ma, "SINK.k1", "ConnectionCreatedCount") >= 2);
    assert!(metric(ma, "SINK.k1", "ConnectionClosedCount") >= 1);
}

#[test]
fn sink_started_before_its_collector_connects_later() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ma) = (free_port(), free_port());
    let a = sender(
        dir.path(),
        "a",
        200,
        port,
        "a.sinks.k1.reset-connection-interval = 1\n",
    );
    let sender_agent = start_with_metrics("a", &a, ma);
    sender_agent.wait_for("Unable to create Rpc client", Duration::from_secs(10));
    eventually(
        Duration::from_secs(10),
        "failed connections counted",
        || metric(ma, "SINK.k1", "ConnectionFailedCount") >= 1,
    );
    let b = collector(dir.path(), "b", port, "");
    let b = Agent::start("b", &b, &[]);
    assert_all_arrived(&b, 200);
    // reset-connection-interval = 1 s: the sink reconnects while idle too.
    let created = metric(ma, "SINK.k1", "ConnectionCreatedCount");
    eventually(Duration::from_secs(15), "periodic reconnects", || {
        metric(ma, "SINK.k1", "ConnectionCreatedCount") > created
    });
}

#[test]
fn random_garbage_never_takes_the_source_down() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = collector(dir.path(), "b", port, "");
    let agent = Agent::start("b", &conf, &[]);
    wait_port(port);
    // A small deterministic generator: no external randomness, reproducible failures.
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut payloads: Vec<Vec<u8>> = vec![
        vec![0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff],
        vec![0, 0, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff],
        vec![0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe],
        golden("a_avroclient_one_event.c2s.bin")[..40].to_vec(),
    ];
    for _ in 0..60 {
        let len = (next() % 300) as usize;
        let mut p: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if next() % 2 == 0 && p.len() >= 12 {
            // A well-formed frame header around random contents.
            let body = (p.len() - 12) as u32;
            p[..4].copy_from_slice(&1u32.to_be_bytes());
            p[4..8].copy_from_slice(&1u32.to_be_bytes());
            p[8..12].copy_from_slice(&body.to_be_bytes());
        }
        payloads.push(p);
    }
    for p in &payloads {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(p);
            let _ = s.shutdown(std::net::Shutdown::Write);
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }
    let input = dir.path().join("one.txt");
    std::fs::write(&input, "still alive\n").unwrap();
    let (code, _, err) = run(&[
        "avro-client",
        "-Dflume.root.logger=INFO,console",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-F",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    agent.wait_for("still alive", Duration::from_secs(10));
    assert!(!agent.log().contains("panicked"), "{}", tail(&agent.log()));
}

/// Lines of every file in `dir` (file_roll output).
fn rolled_lines(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                out.extend(text.lines().map(str::to_string));
            }
        }
    }
    out
}

/// A collector with a file channel (acknowledged events survive a kill) and file_roll output.
fn durable_collector(dir: &Path, name: &str, port: u16) -> PathBuf {
    let conf = dir.join(format!("{name}.conf"));
    let d = dir.join(name);
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n\
             b.channels.c1.type = file\nb.channels.c1.checkpointDir = {cp}\nb.channels.c1.dataDirs = {data}\n\
             b.channels.c1.capacity = 1000000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {out}\n\
             b.sinks.k1.sink.rollInterval = 0\nb.sinks.k1.sink.batchSize = 1000\n",
            cp = d.join("cp").display(),
            data = d.join("data").display(),
            out = d.join("out").display(),
        ),
    );
    std::fs::create_dir_all(d.join("out")).unwrap();
    conf
}

#[test]
fn failover_group_over_two_collectors_survives_a_killed_collector() {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2, ma) = (free_port(), free_port(), free_port());
    let total: u64 = 200_000;
    let b1_conf = durable_collector(dir.path(), "b1", p1);
    let b2_conf = durable_collector(dir.path(), "b2", p2);
    let mut b1 = Agent::start("b", &b1_conf, &[]);
    let _b2 = Agent::start("b", &b2_conf, &[]);
    wait_port(p1);
    wait_port(p2);
    let a = dir.path().join("a.conf");
    write(
        &a,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1 k2\na.sinkgroups = g1\n\
             a.sources.s1.type = seq\na.sources.s1.totalEvents = {total}\na.sources.s1.batchSize = 100\na.sources.s1.channels = c1\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = {total}\na.channels.c1.transactionCapacity = 100\n\
             a.sinks.k1.type = avro\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {p1}\na.sinks.k1.batch-size = 100\na.sinks.k1.channel = c1\n\
             a.sinks.k2.type = avro\na.sinks.k2.hostname = 127.0.0.1\na.sinks.k2.port = {p2}\na.sinks.k2.batch-size = 100\na.sinks.k2.channel = c1\n\
             a.sinkgroups.g1.sinks = k1 k2\na.sinkgroups.g1.processor.type = failover\n\
             a.sinkgroups.g1.processor.priority.k1 = 10\na.sinkgroups.g1.processor.priority.k2 = 5\n"
        ),
    );
    let _a = start_with_metrics("a", &a, ma);
    // Kill the preferred collector once it has written part of the stream.
    eventually(
        Duration::from_secs(60),
        "collector 1 receives events",
        || rolled_lines(&dir.path().join("b1/out")).len() >= 1000,
    );
    b1.kill9();
    let sent = || {
        metric(ma, "SINK.k1", "EventDrainSuccessCount")
            + metric(ma, "SINK.k2", "EventDrainSuccessCount")
    };
    eventually(
        Duration::from_secs(120),
        "the group delivered everything",
        || sent() >= total,
    );
    assert!(
        metric(ma, "SINK.k2", "EventDrainSuccessCount") > 0,
        "failover to k2 never happened"
    );
    // Collector 1 comes back on its file channel and writes out what it had acknowledged.
    let _b1 = Agent::start("b", &b1_conf, &[]);
    eventually(
        Duration::from_secs(120),
        "every event written at least once",
        || {
            let mut seen = vec![false; total as usize];
            for l in rolled_lines(&dir.path().join("b1/out"))
                .into_iter()
                .chain(rolled_lines(&dir.path().join("b2/out")))
            {
                if let Ok(n) = l.parse::<usize>()
                    && n < seen.len()
                {
                    seen[n] = true;
                }
            }
            seen.iter().all(|s| *s)
        },
    );
}
