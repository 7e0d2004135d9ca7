//! Thrift RPC through the real `flume-ng` binary, checked with an independent Thrift
//! implementation (the Apache Thrift Python runtime, `support/flume_thrift.py`): its client
//! against our thrift source, our thrift sink against its server, our sink against our source,
//! TLS with a keystore made by `keytool`, and malformed frames.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;

const PROTOCOLS: [&str; 2] = ["compact", "binary"];

fn flume_thrift_py() -> PathBuf {
    repo().join("tests/it/support/flume_thrift.py")
}

/// Run the Python client: one JSON list of results (status names, exceptions, closed).
fn python_client(port: u16, protocol: &str, calls: &str, cafile: Option<&Path>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let calls_file = dir.path().join("calls.json");
    std::fs::write(&calls_file, calls).unwrap();
    let mut cmd = Command::new(tools_python());
    cmd.arg(flume_thrift_py())
        .args(["client", "localhost", &port.to_string(), protocol])
        .arg(&calls_file);
    if let Some(ca) = cafile {
        cmd.arg("--cafile").arg(ca);
    }
    let out = cmd.output().expect("run python");
    assert!(
        out.status.success(),
        "python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "client output {:?}: {e}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The Python recording server, killed on drop.
struct PythonServer {
    child: Child,
    record: PathBuf,
}

impl PythonServer {
    fn start(port: u16, protocol: &str, record: &Path, statuses: &[&str]) -> PythonServer {
        let mut child = Command::new(tools_python())
            .arg(flume_thrift_py())
            .args(["server", &port.to_string(), protocol])
            .arg(record)
            .args(statuses)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python server");
        let mut line = [0u8; 9];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut line)
            .expect("server says it is listening");
        assert_eq!(&line, b"listening");
        PythonServer {
            child,
            record: record.to_path_buf(),
        }
    }

    /// Every call recorded so far.
    fn calls(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bodies(call: &serde_json::Value) -> Vec<String> {
    use base64_decode as b64;
    call["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| String::from_utf8(b64(e["body_b64"].as_str().unwrap())).unwrap())
        .collect()
}

/// Standard base64 (the Python side's `b64encode`), decoded here to stay dependency-free.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|c| *c != b'=').collect();
        let mut acc = 0u32;
        for (i, c) in data.iter().enumerate() {
            acc |= value(*c) << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..data.len()]);
    }
    out
}

/// `GET /metrics` of an agent started with `-Dflume.monitoring.type=http`.
fn metric(port: u16, component: &str, attr: &str) -> u64 {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    json[component][attr]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn start_with_metrics(name: &str, conf: &Path, metrics_port: u16) -> Agent {
    let a = format!("-Dflume.monitoring.port={metrics_port}");
    let agent = Agent::start(name, conf, &["-Dflume.monitoring.type=http", &a]);
    wait_port(metrics_port, Duration::from_secs(20));
    agent
}

/// Lines of every file in `dir` (file_roll output).
fn rolled_lines(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// A thrift source → memory channel → file_roll (header_and_text) agent.
fn collector(dir: &Path, port: u16, source_extra: &str) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = dir.join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = thrift\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n{source_extra}\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 100000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {}\n\
             b.sinks.k1.sink.rollInterval = 0\nb.sinks.k1.sink.serializer = header_and_text\n",
            out.display()
        ),
    );
    (conf, out)
}

const CALLS: &str = r#"[
  {"method": "append", "events": [{"headers": {"host": "web01"}, "body": "one"}]},
  {"method": "appendBatch", "events": [
     {"headers": {"n": "2"}, "body": "two"},
     {"headers": {}, "body": "three"},
     {"headers": {"utf": "\u00e9t\u00e9"}, "body": "quatre \u00e0"}]},
  {"method": "appendBatch", "events": []},
  {"method": "nope", "events": [{"headers": {}, "body": "never"}]},
  {"method": "append", "events": [{"headers": {}, "body": "five"}]}
]"#;

#[test]
fn python_thrift_client_to_our_source_in_both_protocols() {
    for protocol in PROTOCOLS {
        let dir = tempfile::tempdir().unwrap();
        let (port, mp) = (free_port(), free_port());
        let (conf, out) = collector(
            dir.path(),
            port,
            &format!("b.sources.r1.protocol = {protocol}\n"),
        );
        let mut agent = start_with_metrics("b", &conf, mp);
        wait_port(port, Duration::from_secs(20));
        let results = python_client(port, protocol, CALLS, None);
        assert_eq!(
            results,
            [
                "OK",
                "OK",
                "OK",
                "exception: 1 Invalid method name: 'nope'",
                "OK"
            ],
            "{protocol}"
        );
        let expected = [
            "{host=web01} one",
            "{n=2} two",
            "{} three",
            "{utf=été} quatre à",
            "{} five",
        ];
        eventually(Duration::from_secs(20), "five events rolled", || {
            rolled_lines(&out).len() >= expected.len()
        });
        assert_eq!(rolled_lines(&out), expected, "{protocol}");
        eventually(Duration::from_secs(10), "counters", || {
            metric(mp, "SOURCE.r1", "EventAcceptedCount") == 5
        });
        assert_eq!(metric(mp, "SOURCE.r1", "AppendReceivedCount"), 2);
        assert_eq!(metric(mp, "SOURCE.r1", "AppendAcceptedCount"), 2);
        assert_eq!(metric(mp, "SOURCE.r1", "AppendBatchReceivedCount"), 2);
        assert_eq!(metric(mp, "SOURCE.r1", "AppendBatchAcceptedCount"), 2);
        assert_eq!(metric(mp, "SOURCE.r1", "EventReceivedCount"), 5);
        let log = agent.log();
        assert!(
            log.contains("Using TCompactProtocol") == (protocol == "compact"),
            "{log}"
        );
        assert!(log.contains("Started Thrift source."), "{log}");
        assert_eq!(agent.stop(), Some(0));
    }
}

#[test]
fn python_client_with_the_other_protocol_gets_a_closed_connection() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (conf, out) = collector(dir.path(), port, "");
    let agent = Agent::start("b", &conf, &[]);
    wait_port(port, Duration::from_secs(20));
    let results = python_client(port, "binary", CALLS, None);
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(results[0].starts_with("closed"), "{results:?}");
    agent.wait_for("closing Thrift connection", Duration::from_secs(10));
    // The source still serves the right protocol.
    assert_eq!(python_client(port, "compact", CALLS, None)[0], "OK");
    eventually(Duration::from_secs(20), "events rolled", || {
        rolled_lines(&out).len() == 5
    });
}

/// A full channel: the source answers FAILED (Flume's `ChannelException` → `Status.FAILED`)
/// and counts `ChannelWriteFail`; the connection stays usable.
#[test]
fn source_answers_failed_when_the_channel_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let (port, mp) = (free_port(), free_port());
    let conf = dir.path().join("b.conf");
    // No sink drains c1.
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\n\
             b.sources.r1.type = thrift\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 3\nb.channels.c1.transactionCapacity = 3\n"
        ),
    );
    let agent = start_with_metrics("b", &conf, mp);
    wait_port(port, Duration::from_secs(20));
    let calls = r#"[
      {"method": "appendBatch", "events": [{"headers": {}, "body": "1"}, {"headers": {}, "body": "2"}]},
      {"method": "appendBatch", "events": [{"headers": {}, "body": "3"}, {"headers": {}, "body": "4"}]},
      {"method": "append", "events": [{"headers": {}, "body": "3"}]},
      {"method": "append", "events": [{"headers": {}, "body": "4"}]}
    ]"#;
    assert_eq!(
        python_client(port, "compact", calls, None),
        ["OK", "FAILED", "OK", "FAILED"]
    );
    eventually(Duration::from_secs(10), "counters", || {
        metric(mp, "SOURCE.r1", "ChannelWriteFail") == 2
    });
    assert_eq!(metric(mp, "SOURCE.r1", "EventReceivedCount"), 6);
    assert_eq!(metric(mp, "SOURCE.r1", "EventAcceptedCount"), 3);
    assert_eq!(metric(mp, "SOURCE.r1", "AppendBatchAcceptedCount"), 1);
    assert!(
        agent
            .log()
            .contains("Thrift source r1 could not append events to the channel."),
        "{}",
        agent.log()
    );
}

fn sender(dir: &Path, total: u64, port: u16, sink_extra: &str) -> PathBuf {
    let conf = dir.join("a.conf");
    write(
        &conf,
        &format!(
            "a.sources = r1\na.channels = c1\na.sinks = k1\n\
             a.sources.r1.type = seq\na.sources.r1.totalEvents = {total}\na.sources.r1.batchSize = 50\na.sources.r1.channels = c1\n\
             a.sources.r1.interceptors = i1\na.sources.r1.interceptors.i1.type = static\n\
             a.sources.r1.interceptors.i1.key = tier\na.sources.r1.interceptors.i1.value = edge\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = 100000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.type = thrift\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {port}\na.sinks.k1.channel = c1\n{sink_extra}"
        ),
    );
    conf
}

/// Our sink against the Python server: every call within batch-size, the events in order with
/// their header, and a FAILED answer rolls the batch back and sends it again.
#[test]
fn our_sink_to_python_thrift_server_in_both_protocols() {
    for protocol in PROTOCOLS {
        let dir = tempfile::tempdir().unwrap();
        let (port, ma) = (free_port(), free_port());
        let server =
            PythonServer::start(port, protocol, &dir.path().join("calls.jsonl"), &["FAILED"]);
        let total = 250u64;
        let conf = sender(
            dir.path(),
            total,
            port,
            &format!("a.sinks.k1.protocol = {protocol}\na.sinks.k1.batch-size = 40\n"),
        );
        let mut agent = start_with_metrics("a", &conf, ma);
        eventually(Duration::from_secs(30), "sink delivered everything", || {
            metric(ma, "SINK.k1", "EventDrainSuccessCount") == total
        });
        let calls = server.calls();
        assert!(calls.len() >= 2, "{calls:?}");
        assert!(calls.iter().all(|c| c["method"] == "appendBatch"));
        assert!(calls.iter().all(|c| {
            let n = c["events"].as_array().unwrap().len();
            (1..=40).contains(&n)
        }));
        // The first call was answered FAILED: the same events come again, first.
        let failed = bodies(&calls[0]);
        assert_eq!(bodies(&calls[1])[..failed.len()], failed[..], "{protocol}");
        let delivered: Vec<String> = calls[1..].iter().flat_map(bodies).collect();
        let expected: Vec<String> = (0..total).map(|i| i.to_string()).collect();
        assert_eq!(delivered, expected, "{protocol}");
        for c in &calls {
            for e in c["events"].as_array().unwrap() {
                assert_eq!(e["headers"], serde_json::json!([["tier", "edge"]]));
            }
        }
        assert_eq!(metric(ma, "SINK.k1", "EventWriteFail"), 1);
        assert_eq!(metric(ma, "SINK.k1", "ConnectionClosedCount"), 1);
        assert_eq!(metric(ma, "SINK.k1", "ConnectionCreatedCount"), 2);
        assert_eq!(agent.stop(), Some(0));
        let log = agent.log();
        assert!(log.contains("Rpc sink k1 started."), "{log}");
        assert!(
            log.contains(&format!(
                "Starting RpcSink k1 {{ host: 127.0.0.1, port: {port} }}..."
            )),
            "{log}"
        );
    }
}

/// A thrift sink whose server is down starts cleanly (Flume's client connects on the first
/// call), fails its deliveries, and delivers once the server is up.
#[test]
fn our_sink_waits_for_a_server_that_comes_up_later() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ma) = (free_port(), free_port());
    let conf = sender(dir.path(), 30, port, "");
    let _agent = start_with_metrics("a", &conf, ma);
    eventually(Duration::from_secs(20), "a failed delivery", || {
        metric(ma, "SINK.k1", "EventWriteFail") >= 1
    });
    assert_eq!(metric(ma, "SINK.k1", "EventDrainSuccessCount"), 0);
    let server = PythonServer::start(port, "compact", &dir.path().join("calls.jsonl"), &[]);
    eventually(
        Duration::from_secs(30),
        "delivered after the server came up",
        || metric(ma, "SINK.k1", "EventDrainSuccessCount") == 30,
    );
    let delivered: Vec<String> = server.calls().iter().flat_map(bodies).collect();
    assert_eq!(
        delivered,
        (0..30).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

/// seq → thrift sink → thrift source → file_roll.
#[test]
fn tier_thrift_sink_to_thrift_source_in_both_protocols() {
    for protocol in PROTOCOLS {
        let dir = tempfile::tempdir().unwrap();
        let (port, ma, mb) = (free_port(), free_port(), free_port());
        let (b, out) = collector(
            dir.path(),
            port,
            &format!("b.sources.r1.protocol = {protocol}\nb.sources.r1.threads = 2\n"),
        );
        let mut collector_agent = start_with_metrics("b", &b, mb);
        wait_port(port, Duration::from_secs(20));
        let total = 2000u64;
        let a = sender(
            dir.path(),
            total,
            port,
            &format!("a.sinks.k1.protocol = {protocol}\na.sinks.k1.batch-size = 100\n"),
        );
        let mut sender_agent = start_with_metrics("a", &a, ma);
        eventually(Duration::from_secs(60), "every event rolled", || {
            rolled_lines(&out).len() as u64 >= total
        });
        let lines = rolled_lines(&out);
        let expected: Vec<String> = (0..total).map(|i| format!("{{tier=edge}} {i}")).collect();
        assert_eq!(lines, expected, "{protocol}");
        eventually(Duration::from_secs(10), "sink counters", || {
            metric(ma, "SINK.k1", "EventDrainSuccessCount") == total
        });
        assert_eq!(metric(ma, "SINK.k1", "EventWriteFail"), 0);
        assert_eq!(metric(mb, "SOURCE.r1", "EventAcceptedCount"), total);
        assert_eq!(
            metric(mb, "SOURCE.r1", "AppendBatchAcceptedCount"),
            metric(ma, "SINK.k1", "BatchCompleteCount")
                + metric(ma, "SINK.k1", "BatchUnderflowCount")
        );
        assert_eq!(sender_agent.stop(), Some(0));
        assert_eq!(collector_agent.stop(), Some(0));
    }
}

fn keytool(args: &[&str]) {
    let out = Command::new("keytool")
        .args(args)
        .output()
        .expect("run keytool");
    assert!(
        out.status.success(),
        "keytool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PKCS12 keystore made by Java's keytool, its certificate as PEM, and a PKCS12 truststore.
fn keytool_stores(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let ks = dir.join("server.p12");
    let pem = dir.join("server.pem");
    let ts = dir.join("trust.p12");
    let s = |p: &Path| p.display().to_string();
    keytool(&[
        "-genkeypair",
        "-alias",
        "collector",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype",
        "PKCS12",
        "-keystore",
        &s(&ks),
        "-storepass",
        "changeit",
    ]);
    keytool(&[
        "-exportcert",
        "-rfc",
        "-alias",
        "collector",
        "-keystore",
        &s(&ks),
        "-storepass",
        "changeit",
        "-file",
        &s(&pem),
    ]);
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "collector",
        "-file",
        &s(&pem),
        "-storetype",
        "PKCS12",
        "-keystore",
        &s(&ts),
        "-storepass",
        "changeit",
    ]);
    (ks, pem, ts)
}

/// TLS: a keytool-made PKCS12 keystore on the source; the Python client checks the
/// certificate (chain and host name) against the exported PEM; our sink trusts it through a
/// keytool-made PKCS12 truststore.
#[test]
fn tls_source_with_a_keytool_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let (ks, pem, ts) = keytool_stores(dir.path());
    let (port, ma) = (free_port(), free_port());
    let (b, out) = collector(
        dir.path(),
        port,
        &format!(
            "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = changeit\nb.sources.r1.keystore-type = PKCS12\nb.sources.r1.exclude-protocols = SSLv3 TLSv1 TLSv1.1\n",
            ks.display()
        ),
    );
    let agent = Agent::start("b", &b, &[]);
    wait_port(port, Duration::from_secs(20));
    assert_eq!(python_client(port, "compact", CALLS, Some(&pem))[0], "OK");
    // A client that does not trust the certificate gets no connection.
    let (_, other_pem, _) = keytool_stores(&dir.path().join("other"));
    std::fs::write(dir.path().join("calls.json"), CALLS).unwrap();
    let untrusted = Command::new(tools_python())
        .arg(flume_thrift_py())
        .args(["client", "localhost", &port.to_string(), "compact"])
        .arg(dir.path().join("calls.json"))
        .arg("--cafile")
        .arg(&other_pem)
        .output()
        .unwrap();
    assert!(!untrusted.status.success());
    let refused = String::from_utf8_lossy(&untrusted.stderr);
    assert!(refused.contains("CERTIFICATE_VERIFY_FAILED"), "{refused}");
    // Our sink, through a truststore.
    let a = sender(
        dir.path(),
        100,
        port,
        &format!(
            "a.sinks.k1.ssl = true\na.sinks.k1.truststore = {}\na.sinks.k1.truststore-password = changeit\na.sinks.k1.truststore-type = PKCS12\n",
            ts.display()
        ),
    );
    let _sender = start_with_metrics("a", &a, ma);
    eventually(Duration::from_secs(30), "TLS tier delivered", || {
        rolled_lines(&out).len() == 105
    });
    assert!(!agent.log().contains("panicked"));
}

fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got)
        .expect("the source closes the connection");
    got
}

/// Malformed input: an unframed message, a frame over the limit, a frame in the wrong
/// protocol, a frame cut short inside the message. Each connection is closed with a log line
/// naming the problem; the source keeps serving.
#[test]
fn malformed_frames_close_the_connection_and_the_source_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (conf, out) = collector(dir.path(), port, "");
    let agent = Agent::start("b", &conf, &[]);
    wait_port(port, Duration::from_secs(20));
    let cases: [(&[u8], &str); 4] = [
        // A strict binary message header where the frame length should be.
        (
            &[0x80, 0x01, 0x00, 0x01, 0, 0, 0, 6],
            "Read an invalid frame size of",
        ),
        (
            &[0x7f, 0xff, 0xff, 0xf0],
            "larger than max length (16384000)",
        ),
        (
            &[0, 0, 0, 6, 0x80, 0x01, 0x00, 0x01, 0, 0],
            "cannot read the message header",
        ),
        // Compact append header, then the frame ends inside the event.
        (
            &[
                0, 0, 0, 12, 0x82, 0x21, 0x01, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', 0x1c, 0x1b,
            ],
            "append call 1",
        ),
    ];
    for (bytes, logged) in cases {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(bytes).unwrap();
        let reply = read_until_closed(&mut s);
        assert!(reply.is_empty(), "{logged}: {reply:?}");
        agent.wait_for(logged, Duration::from_secs(10));
    }
    // A frame whose event lacks its required body is answered PROTOCOL_ERROR (7), and the
    // same connection goes on serving.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(&[
        0, 0, 0, 14, 0x82, 0x21, 0x05, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', 0x1c, 0x1b, 0x00,
        0x00, // headers {}, no body
    ])
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(head) as usize];
    s.read_exact(&mut reply).unwrap();
    // Compact EXCEPTION message (type 3) for seq 5.
    assert_eq!(&reply[..3], &[0x82, 0x61, 0x05]);
    let text = String::from_utf8_lossy(&reply);
    assert!(
        text.contains("Required field 'body' was not present"),
        "{text}"
    );
    drop(s);
    assert_eq!(python_client(port, "compact", CALLS, None)[0], "OK");
    eventually(Duration::from_secs(20), "events rolled", || {
        rolled_lines(&out).len() == 5
    });
    assert!(!agent.log().contains("panicked"));
}
