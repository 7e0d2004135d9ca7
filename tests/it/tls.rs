//! TLS through the real `flume-ng` binary with keystores and truststores made by the JDK's
//! `keytool` (JKS and PKCS12): every TLS-capable source checked by an independent client that
//! verifies the certificate (Python's `ssl`, `support/tls_probe.py`, and the Apache Thrift
//! Python client), our avro and thrift sinks trusting through JKS truststores, protocol and
//! cipher-suite lists, Flume's global `-Djavax.net.ssl.*` keystore, bad stores named without
//! their password, and Kafka's JKS stores handed to librdkafka (checked against
//! `openssl s_server`, which demands and verifies the client certificate).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::*;

const PASSWORD: &str = "changeit";

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

/// A keystore (RSA key, `CN=<cn>`, SAN localhost/127.0.0.1), its certificate as PEM and a
/// truststore holding that certificate, all of `store_type` (JKS or PKCS12), made by keytool.
struct Stores {
    keystore: PathBuf,
    pem: PathBuf,
    truststore: PathBuf,
}

fn stores(dir: &Path, tag: &str, store_type: &str, cn: &str) -> Stores {
    std::fs::create_dir_all(dir).unwrap();
    let ext = if store_type == "JKS" { "jks" } else { "p12" };
    let keystore = dir.join(format!("{tag}-keystore.{ext}"));
    let pem = dir.join(format!("{tag}-cert.pem"));
    let truststore = dir.join(format!("{tag}-truststore.{ext}"));
    let s = |p: &Path| p.display().to_string();
    keytool(&[
        "-genkeypair",
        "-alias",
        tag,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        &format!("CN={cn}"),
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype",
        store_type,
        "-keystore",
        &s(&keystore),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD,
    ]);
    keytool(&[
        "-exportcert",
        "-rfc",
        "-alias",
        tag,
        "-keystore",
        &s(&keystore),
        "-storepass",
        PASSWORD,
        "-file",
        &s(&pem),
    ]);
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        tag,
        "-file",
        &s(&pem),
        "-storetype",
        store_type,
        "-keystore",
        &s(&truststore),
        "-storepass",
        PASSWORD,
    ]);
    if store_type == "JKS" {
        let magic = std::fs::read(&keystore).unwrap();
        assert_eq!(&magic[..4], &[0xfe, 0xed, 0xfe, 0xed], "keytool wrote JKS");
    }
    Stores {
        keystore,
        pem,
        truststore,
    }
}

/// What `tls_probe.py` saw.
fn probe(port: u16, cafile: &Path, extra: &[&str]) -> serde_json::Value {
    let script = repo().join("tests/it/support/tls_probe.py");
    let out = Command::new(tools_python())
        .arg(script)
        .arg(port.to_string())
        .arg(cafile)
        .args(extra)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "tls_probe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_verified(p: &serde_json::Value, cn: &str) {
    assert_eq!(p["ok"], true, "{p}");
    assert_eq!(p["subject_cn"], cn, "{p}");
}

/// A source block → memory channel → file_roll agent named `b`.
fn collector(dir: &Path, source: &str) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = dir.join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r1\nb.channels = c1\nb.sinks = k1\nb.sources.r1.channels = c1\n{source}\
             b.channels.c1.type = memory\nb.channels.c1.capacity = 100000\nb.channels.c1.transactionCapacity = 1000\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {}\n\
             b.sinks.k1.sink.rollInterval = 0\n",
            out.display()
        ),
    );
    (conf, out)
}

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

/// A seq source → memory → `sink` agent named `a`.
fn sender(dir: &Path, total: u64, sink: &str) -> PathBuf {
    let conf = dir.join("a.conf");
    write(
        &conf,
        &format!(
            "a.sources = s1\na.channels = c1\na.sinks = k1\n\
             a.sources.s1.type = seq\na.sources.s1.totalEvents = {total}\na.sources.s1.batchSize = 50\n\
             a.sources.s1.channels = c1\n\
             a.channels.c1.type = memory\na.channels.c1.capacity = 100000\na.channels.c1.transactionCapacity = 1000\n\
             a.sinks.k1.channel = c1\n{sink}"
        ),
    );
    conf
}

fn seq_delivered(out: &Path, total: u64) -> bool {
    let lines = rolled_lines(out);
    let mut seen: Vec<u64> = lines.iter().filter_map(|l| l.parse().ok()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() as u64 == total && seen.last() == Some(&(total - 1))
}

fn server_keys(prefix: &str, s: &Stores, store_type: Option<&str>) -> String {
    let mut keys = format!(
        "{prefix}.ssl = true\n{prefix}.keystore = {}\n{prefix}.keystore-password = {PASSWORD}\n",
        s.keystore.display()
    );
    if let Some(t) = store_type {
        keys.push_str(&format!("{prefix}.keystore-type = {t}\n"));
    }
    keys
}

/// Avro: a JKS keystore on the source (keystore-type left at Flume's default JKS), checked by
/// Python; our avro sink trusts it through a keytool JKS truststore and delivers every event;
/// a client trusting another certificate is refused.
#[test]
fn avro_source_with_a_jks_keystore_and_avro_sink_with_a_jks_truststore() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "collector", "JKS", "avro-collector");
    let port = free_port();
    let (b, out) = collector(
        dir.path(),
        &format!(
            "b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n{}",
            server_keys("b.sources.r1", &s, None)
        ),
    );
    let collector_agent = Agent::start("b", &b, &[]);
    wait_port(port, Duration::from_secs(20));
    assert_verified(&probe(port, &s.pem, &[]), "avro-collector");
    let other = stores(&dir.path().join("other"), "other", "JKS", "someone-else");
    let refused = probe(port, &other.pem, &[]);
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("CERTIFICATE_VERIFY_FAILED"),
        "{refused}"
    );
    let a = sender(
        dir.path(),
        300,
        &format!(
            "a.sinks.k1.type = avro\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {port}\n\
             a.sinks.k1.ssl = true\na.sinks.k1.truststore = {}\na.sinks.k1.truststore-password = {PASSWORD}\n",
            s.truststore.display()
        ),
    );
    let _sender = Agent::start("a", &a, &[]);
    eventually(Duration::from_secs(60), "300 events over TLS", || {
        seq_delivered(&out, 300)
    });
    assert!(!collector_agent.log().contains("panicked"));
}

/// Avro with keytool PKCS12 stores, and the keystore taken from Flume's global
/// `-Djavax.net.ssl.keyStore*` properties (no keystore key on the source).
#[test]
fn avro_source_with_a_pkcs12_keystore_from_the_global_system_properties() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "collector", "PKCS12", "global-collector");
    let port = free_port();
    let (b, _out) = collector(
        dir.path(),
        &format!(
            "b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.ssl = true\n"
        ),
    );
    let agent = Agent::start(
        "b",
        &b,
        &[
            &format!("-Djavax.net.ssl.keyStore={}", s.keystore.display()),
            &format!("-Djavax.net.ssl.keyStorePassword={PASSWORD}"),
            "-Djavax.net.ssl.keyStoreType=PKCS12",
        ],
    );
    wait_port(port, Duration::from_secs(20));
    assert_verified(&probe(port, &s.pem, &[]), "global-collector");
    assert!(!agent.log().contains(PASSWORD), "{}", agent.log());
}

/// Thrift: a JKS keystore on the source, checked by the Apache Thrift Python client
/// (certificate and host name); our thrift sink trusts it through a JKS truststore.
#[test]
fn thrift_source_with_a_jks_keystore_and_thrift_sink_with_a_jks_truststore() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "collector", "JKS", "thrift-collector");
    let port = free_port();
    let (b, out) = collector(
        dir.path(),
        &format!(
            "b.sources.r1.type = thrift\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n{}",
            server_keys("b.sources.r1", &s, Some("JKS"))
        ),
    );
    let _collector = Agent::start("b", &b, &[]);
    wait_port(port, Duration::from_secs(20));
    let calls = dir.path().join("calls.json");
    std::fs::write(
        &calls,
        r#"[{"method": "appendBatch", "events": [{"headers": {}, "body": "thrift-over-tls"}]}]"#,
    )
    .unwrap();
    let client = Command::new(tools_python())
        .arg(repo().join("tests/it/support/flume_thrift.py"))
        .args(["client", "localhost", &port.to_string(), "compact"])
        .arg(&calls)
        .arg("--cafile")
        .arg(&s.pem)
        .output()
        .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let results: Vec<String> = serde_json::from_slice(&client.stdout).unwrap();
    assert_eq!(results, vec!["OK".to_string()]);
    let a = sender(
        dir.path(),
        200,
        &format!(
            "a.sinks.k1.type = thrift\na.sinks.k1.hostname = 127.0.0.1\na.sinks.k1.port = {port}\n\
             a.sinks.k1.ssl = true\na.sinks.k1.truststore = {}\na.sinks.k1.truststore-password = {PASSWORD}\na.sinks.k1.truststore-type = JKS\n",
            s.truststore.display()
        ),
    );
    let _sender = Agent::start("a", &a, &[]);
    eventually(Duration::from_secs(60), "200 events over TLS", || {
        seq_delivered(&out, 200) && rolled_lines(&out).contains(&"thrift-over-tls".to_string())
    });
}

/// HTTPS on the http source with a JKS keystore: a verifying client posts JSON events (200,
/// events rolled); a plain-HTTP request gets no answer; the deprecated names `enableSSL` and
/// `keystorePassword` work with a PKCS12 keystore as in Flume 1.9.
#[test]
fn http_source_serves_https_with_jks_and_pkcs12_keystores() {
    let dir = tempfile::tempdir().unwrap();
    let jks = stores(dir.path(), "web", "JKS", "http-collector");
    let p12 = stores(&dir.path().join("p12"), "web", "PKCS12", "http-deprecated");
    let (port, port2) = (free_port(), free_port());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = dir.path().join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r1 r2\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = http\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n{}\
             b.sources.r2.type = http\nb.sources.r2.bind = 127.0.0.1\nb.sources.r2.port = {port2}\nb.sources.r2.channels = c1\n\
             b.sources.r2.enableSSL = true\nb.sources.r2.keystore = {}\nb.sources.r2.keystorePassword = {PASSWORD}\nb.sources.r2.keystore-type = PKCS12\n\
             b.channels.c1.type = memory\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {}\nb.sinks.k1.sink.rollInterval = 0\n",
            server_keys("b.sources.r1", &jks, None),
            p12.keystore.display(),
            out.display()
        ),
    );
    let agent = Agent::start("b", &conf, &[]);
    wait_port(port, Duration::from_secs(20));
    wait_port(port2, Duration::from_secs(20));
    let body = dir.path().join("body.json");
    std::fs::write(
        &body,
        r#"[{"headers": {"h": "1"}, "body": "over-https"}, {"body": "second"}]"#,
    )
    .unwrap();
    let posted = probe(port, &jks.pem, &["--http-post", body.to_str().unwrap()]);
    assert_verified(&posted, "http-collector");
    assert_eq!(posted["http_status"], 200, "{posted}");
    std::fs::write(&body, r#"[{"body": "deprecated-keys"}]"#).unwrap();
    let posted = probe(port2, &p12.pem, &["--http-post", body.to_str().unwrap()]);
    assert_verified(&posted, "http-deprecated");
    assert_eq!(posted["http_status"], 200, "{posted}");
    eventually(Duration::from_secs(20), "posted events rolled", || {
        let lines = rolled_lines(&out);
        ["over-https", "second", "deprecated-keys"]
            .iter()
            .all(|b| lines.contains(&b.to_string()))
    });
    // Plain HTTP to the HTTPS port: no HTTP answer.
    let plain = {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]")
            .unwrap();
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        got
    };
    assert!(
        !plain.starts_with(b"HTTP/1.1 200"),
        "plain HTTP answered on an HTTPS port: {}",
        String::from_utf8_lossy(&plain)
    );
    assert!(
        agent.log().contains("HTTPS source listening"),
        "{}",
        agent.log()
    );
}

/// `exclude-protocols = TLSv1.2`: a client that can only speak TLS 1.2 is refused; TLS 1.3
/// still works.
#[test]
fn an_excluded_protocol_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "web", "JKS", "no-tls12");
    let port = free_port();
    let (b, _out) = collector(
        dir.path(),
        &format!(
            "b.sources.r1.type = http\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n{}b.sources.r1.exclude-protocols = TLSv1.2\n",
            server_keys("b.sources.r1", &s, Some("JKS"))
        ),
    );
    let _agent = Agent::start("b", &b, &[]);
    wait_port(port, Duration::from_secs(20));
    let ok = probe(port, &s.pem, &[]);
    assert_verified(&ok, "no-tls12");
    assert_eq!(ok["version"], "TLSv1.3", "{ok}");
    let refused = probe(port, &s.pem, &["--max-version", "TLSv1_2"]);
    assert_eq!(refused["ok"], false, "{refused}");
}

/// `include-cipher-suites` (Java names) is honoured: only the listed TLS 1.2 suite is
/// negotiated, and a client offering none of the listed suites is refused.
#[test]
fn a_cipher_suite_include_list_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "collector", "JKS", "ciphers");
    let port = free_port();
    let (b, _out) = collector(
        dir.path(),
        &format!(
            "b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n{}\
             b.sources.r1.include-cipher-suites = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 TLS_NOT_A_SUITE\n",
            server_keys("b.sources.r1", &s, None)
        ),
    );
    let agent = Agent::start("b", &b, &[]);
    wait_port(port, Duration::from_secs(20));
    let ok = probe(port, &s.pem, &[]);
    assert_verified(&ok, "ciphers");
    assert_eq!(ok["version"], "TLSv1.2", "{ok}");
    assert_eq!(ok["cipher"], "ECDHE-RSA-AES256-GCM-SHA384", "{ok}");
    let refused = probe(
        port,
        &s.pem,
        &[
            "--max-version",
            "TLSv1_2",
            "--ciphers",
            "ECDHE-RSA-AES128-GCM-SHA256",
        ],
    );
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(
        agent
            .log()
            .contains("cipher suite TLS_NOT_A_SUITE is not one OpenSSL knows"),
        "{}",
        agent.log()
    );
}

/// The syslog TCP sources over TLS (Flume 1.9's `ssl` on syslogtcp and multiport_syslogtcp).
#[test]
fn syslog_tcp_sources_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "syslog", "JKS", "syslog-collector");
    let (port, port2) = (free_port(), free_port());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = dir.path().join("b.conf");
    write(
        &conf,
        &format!(
            "b.sources = r1 r2\nb.channels = c1\nb.sinks = k1\n\
             b.sources.r1.type = syslogtcp\nb.sources.r1.host = 127.0.0.1\nb.sources.r1.port = {port}\nb.sources.r1.channels = c1\n{}\
             b.sources.r2.type = multiport_syslogtcp\nb.sources.r2.host = 127.0.0.1\nb.sources.r2.ports = {port2}\nb.sources.r2.channels = c1\n{}\
             b.channels.c1.type = memory\n\
             b.sinks.k1.type = file_roll\nb.sinks.k1.channel = c1\nb.sinks.k1.sink.directory = {}\nb.sinks.k1.sink.rollInterval = 0\n",
            server_keys("b.sources.r1", &s, None),
            server_keys("b.sources.r2", &s, None),
            out.display()
        ),
    );
    let _agent = Agent::start("b", &conf, &[]);
    wait_port(port, Duration::from_secs(20));
    wait_port(port2, Duration::from_secs(20));
    for (p, word) in [(port, "single-port"), (port2, "multi-port")] {
        let msg = dir.path().join(format!("{word}.txt"));
        std::fs::write(
            &msg,
            format!("<13>Dec  7 12:00:00 host app: {word} over tls\n"),
        )
        .unwrap();
        let sent = probe(p, &s.pem, &["--send-file", msg.to_str().unwrap()]);
        assert_verified(&sent, "syslog-collector");
    }
    eventually(Duration::from_secs(20), "syslog lines rolled", || {
        let lines = rolled_lines(&out);
        ["single-port", "multi-port"]
            .iter()
            .all(|w| lines.iter().any(|l| l.contains(&format!("{w} over tls"))))
    });
}

/// A wrong keystore password or an unknown keystore type: `validate` exits 1 naming the file,
/// line and key, and neither it nor the agent prints the password.
#[test]
fn a_wrong_password_or_type_is_named_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let s = stores(dir.path(), "collector", "JKS", "bad");
    let secret = "Wr0ng-Secret-9";
    for (extra, expect) in [
        (
            format!(
                "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = {secret}\n",
                s.keystore.display()
            ),
            "password is wrong",
        ),
        (
            format!(
                "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = {PASSWORD}\nb.sources.r1.keystore-type = PEM\n",
                s.keystore.display()
            ),
            "\"PEM\" is not a keystore type",
        ),
        (
            format!(
                "b.sources.r1.ssl = true\nb.sources.r1.keystore = {}\nb.sources.r1.keystore-password = {secret}\n",
                s.pem.display()
            ),
            "neither a JKS nor a PKCS12 keystore",
        ),
    ] {
        let port = free_port();
        let (conf, _) = collector(
            dir.path(),
            &format!(
                "b.sources.r1.type = avro\nb.sources.r1.bind = 127.0.0.1\nb.sources.r1.port = {port}\n{extra}"
            ),
        );
        let (code, stdout, stderr) = run(&["validate", "-f", conf.to_str().unwrap(), "-n", "b"]);
        let text = format!("{stdout}{stderr}");
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(expect), "{text}");
        assert!(text.contains("b.conf:"), "{text}");
        assert!(text.contains("b.sources.r1.keystore"), "{text}");
        assert!(!text.contains(secret), "{text}");
        let agent = Agent::start("b", &conf, &[]);
        agent.wait_for("configured with invalid keystore", Duration::from_secs(20));
        assert!(agent.log().contains(expect), "{}", agent.log());
        assert!(!agent.log().contains(secret), "{}", agent.log());
    }
}

/// `openssl s_server` standing in for a Kafka broker: it demands a client certificate and
/// verifies it against `client_ca`; killed on drop.
#[cfg(feature = "kafka")]
struct TlsPeer {
    child: std::process::Child,
    out: PathBuf,
}

#[cfg(feature = "kafka")]
impl TlsPeer {
    fn start(dir: &Path, port: u16, cert: &Path, key: &Path, client_ca: &Path) -> TlsPeer {
        let out = dir.join(format!("s_server-{port}.out"));
        let file = std::fs::File::create(&out).unwrap();
        let child = Command::new("openssl")
            .args(["s_server", "-accept", &port.to_string(), "-Verify", "1"])
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .arg("-CAfile")
            .arg(client_ca)
            // stdin stays open (s_server ends at end of input).
            .stdin(std::process::Stdio::piped())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("openssl s_server");
        wait_port(port, Duration::from_secs(10));
        TlsPeer { child, out }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

#[cfg(feature = "kafka")]
impl Drop for TlsPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kafka over TLS with Java keystores: the sink's JKS truststore and JKS keystore (keytool)
/// reach librdkafka as PEM. The broker is `openssl s_server` (the test broker has no TLS
/// listener): it receives and verifies the client certificate only after librdkafka accepted
/// the server's certificate through the truststore. With a truststore that does not hold the
/// server's certificate, no client certificate arrives. No key or password is logged.
#[cfg(feature = "kafka")]
#[test]
fn kafka_sink_hands_jks_stores_to_librdkafka() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("broker.pem"), dir.path().join("broker.key"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let trust = dir.path().join("broker-trust.jks");
    let s = |p: &Path| p.display().to_string();
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        &s(&cert),
        "-storetype",
        "JKS",
        "-keystore",
        &s(&trust),
        "-storepass",
        PASSWORD,
    ]);
    let client = stores(
        &dir.path().join("client"),
        "client",
        "JKS",
        "flume-kafka-client",
    );
    let other = stores(&dir.path().join("other"), "other", "JKS", "not-the-broker");
    let client_pem = std::fs::read_to_string(&client.pem).unwrap();
    let client_b64: String = client_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();

    for (truststore, trusted) in [(&trust, true), (&other.truststore, false)] {
        let port = free_port();
        let peer = TlsPeer::start(dir.path(), port, &cert, &key, &client.pem);
        let conf = dir.path().join(format!("a-{trusted}.conf"));
        write(
            &conf,
            &format!(
                "a.sources = s1\na.channels = c1\na.sinks = k1\n\
                 a.sources.s1.type = seq\na.sources.s1.totalEvents = 3\na.sources.s1.channels = c1\n\
                 a.channels.c1.type = memory\n\
                 a.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink\na.sinks.k1.channel = c1\n\
                 a.sinks.k1.kafka.bootstrap.servers = localhost:{port}\na.sinks.k1.kafka.topic = t\n\
                 a.sinks.k1.kafka.producer.security.protocol = SSL\n\
                 a.sinks.k1.kafka.producer.ssl.truststore.location = {}\n\
                 a.sinks.k1.kafka.producer.ssl.truststore.password = {PASSWORD}\n\
                 a.sinks.k1.kafka.producer.ssl.keystore.location = {}\n\
                 a.sinks.k1.kafka.producer.ssl.keystore.password = {PASSWORD}\n",
                truststore.display(),
                client.keystore.display()
            ),
        );
        let agent = Agent::start("a", &conf, &[]);
        if trusted {
            eventually(
                Duration::from_secs(30),
                "client certificate verified",
                || peer.output().contains("Client certificate"),
            );
            let seen = peer.output();
            assert!(seen.contains("depth=0 CN = flume-kafka-client"), "{seen}");
            assert!(seen.contains("verify return:1"), "{seen}");
            let seen_b64: String = seen.lines().map(str::trim).collect();
            assert!(seen_b64.contains(&client_b64), "{seen}");
        } else {
            agent.wait_for("certificate verify failed", Duration::from_secs(30));
            assert!(
                !peer.output().contains("Client certificate"),
                "{}",
                peer.output()
            );
        }
        let log = agent.log();
        assert!(log.contains("ssl.key.pem=******"), "{log}");
        assert!(
            !log.contains("PRIVATE KEY") && !log.contains(PASSWORD),
            "{log}"
        );
    }
}
