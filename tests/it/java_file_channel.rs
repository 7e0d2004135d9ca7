//! Taking over file channels written by Java Flume 1.9 (compat-fixtures/golden/
//! java-file-channel-1.9): `flume-ng agent` started on the Java directories drains them through
//! a file_roll sink, exactly as `expected.jsonl` says; `flume-ng file-channel dump` prints the
//! same events without changing anything.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::*;

const STATES: [&str; 3] = ["queued", "partly-taken", "killed-in-flight"];

fn golden() -> PathBuf {
    repo().join("compat-fixtures/golden/java-file-channel-1.9")
}

fn extract(state: &str, into: &Path) -> PathBuf {
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(golden().join(format!("{state}.tar.gz")))
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
    into.join(state)
}

type Summary = (Vec<(String, String)>, String);

fn expected(state: &str) -> Vec<Summary> {
    std::fs::read_to_string(golden().join(format!("{state}.expected.jsonl")))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            json_summary(&v)
        })
        .collect()
}

fn json_summary(v: &serde_json::Value) -> Summary {
    let mut h: Vec<(String, String)> = v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    h.sort();
    (h, v["body"].as_str().unwrap().to_string())
}

/// A `header_and_text` line: `{k=v, k=v} body` (Java's `HashMap.toString()`; the golden
/// headers hold no `, ` or `=` in values).
fn parse_header_and_text(line: &str) -> Summary {
    let end = line.find("} ").expect("headers then body");
    let mut h: Vec<(String, String)> = line[1..end]
        .split(", ")
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    h.sort();
    (h, line[end + 2..].to_string())
}

fn delivered(out: &Path) -> Vec<Summary> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // file_roll names files <start-millis>-<n>; n counts up within one run.
    files.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (a, b) = name.split_once('-').unwrap();
        (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap())
    });
    let mut lines = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        lines.extend(text.lines().map(parse_header_and_text));
    }
    lines
}

fn agent_config(root: &Path, out: &Path, port: u16) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\n\
         a1.sources.r1.channels = c1\n\
         a1.channels.c1.type = file\n\
         a1.channels.c1.checkpointDir = {ck}\n\
         a1.channels.c1.dataDirs = {d1},{d2}\n\
         a1.channels.c1.capacity = 10000\na1.channels.c1.transactionCapacity = 500\n\
         a1.channels.c1.minimumRequiredSpace = 1048576\n\
         a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
         a1.sinks.k1.sink.directory = {out}\na1.sinks.k1.sink.rollInterval = 0\n\
         a1.sinks.k1.sink.serializer = header_and_text\na1.sinks.k1.sink.batchSize = 100\n",
        ck = root.join("checkpoint").display(),
        d1 = root.join("data1").display(),
        d2 = root.join("data2").display(),
        out = out.display(),
    )
}

#[test]
fn golden_java_channels_drain_through_flume_ng() {
    for state in STATES {
        let tmp = tempfile::tempdir().unwrap();
        let root = extract(state, tmp.path());
        let out = tmp.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let conf = tmp.path().join("agent.properties");
        write(&conf, &agent_config(&root, &out, free_port()));
        let want = expected(state);
        let started = Instant::now();
        let mut agent = Agent::start("a1", &conf, &[]);
        agent.wait_for(
            "took over the Java Flume file channel",
            Duration::from_secs(60),
        );
        eventually(Duration::from_secs(60), "every event delivered", || {
            delivered(&out).len() >= want.len()
        });
        let took = started.elapsed();
        assert_eq!(agent.stop(), Some(0), "{}", agent.log());
        let log = agent.log();
        assert!(
            log.contains(&format!("{} events now in this channel's log", want.len())),
            "{log}"
        );
        assert_eq!(delivered(&out), want, "{state}");
        for d in ["checkpoint", "data1", "data2"] {
            let backups: Vec<_> = std::fs::read_dir(root.join(d))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("flume-java-backup-"))
                .collect();
            assert_eq!(backups.len(), 1, "{state} {d}: {backups:?}");
        }
        eprintln!(
            "{state}: {} events taken over and drained in {took:?}",
            want.len()
        );

        // A second start: nothing again (no duplicate), no second take-over.
        let out2 = tmp.path().join("out2");
        std::fs::create_dir_all(&out2).unwrap();
        write(&conf, &agent_config(&root, &out2, free_port()));
        let mut agent = Agent::start("a1", &conf, &[]);
        agent.wait_for("Queue Size after replay: 0", Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(agent.stop(), Some(0));
        assert!(!agent.log().contains("took over"), "{}", agent.log());
        assert!(delivered(&out2).is_empty());
    }
}

#[test]
fn file_channel_dump_prints_the_java_events_and_changes_nothing() {
    for state in STATES {
        let tmp = tempfile::tempdir().unwrap();
        let root = extract(state, tmp.path());
        let before = snapshot(&root);
        let ck = root.join("checkpoint").display().to_string();
        let dd = format!(
            "{},{}",
            root.join("data1").display(),
            root.join("data2").display()
        );
        let (code, out, err) = run(&[
            "file-channel",
            "dump",
            "--checkpointDir",
            &ck,
            "--dataDirs",
            &dd,
        ]);
        assert_eq!(code, 0, "{err}");
        let got: Vec<Summary> = out
            .lines()
            .map(|l| json_summary(&serde_json::from_str(l).unwrap()))
            .collect();
        assert_eq!(got, expected(state), "{state}");
        assert!(err.contains(&format!("{} events", got.len())), "{err}");
        assert_eq!(snapshot(&root), before, "{state}: dump changed the files");
    }
    // Bad use: clear errors.
    let (code, _, err) = run(&["file-channel", "dump", "--checkpointDir", "/nonexistent"]);
    assert_eq!(code, 1);
    assert!(err.contains("--dataDirs is required"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().display().to_string();
    let (code, _, err) = run(&[
        "file-channel",
        "dump",
        "--checkpointDir",
        &d,
        "--dataDirs",
        &d,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("no Java Flume log files"), "{err}");
}

#[test]
fn file_channel_dump_writes_non_utf8_bodies_as_base64() {
    // A channel of one put of bytes that are not UTF-8, in Java's format (log record framing
    // and protobuf messages written by hand here: OP_RECORD, length, header, put, footer).
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ck = tmp.path().join("checkpoint");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&ck).unwrap();
    let body: &[u8] = &[0xff, 0x00, 0xfe, b'a'];
    let crc = crc32(body) as i64;
    let header = |ty: i32, woid: i64| {
        let mut m = vec![0x0d];
        m.extend_from_slice(&ty.to_le_bytes());
        m.push(0x11);
        m.extend_from_slice(&7i64.to_le_bytes());
        m.push(0x19);
        m.extend_from_slice(&woid.to_le_bytes());
        let mut d = vec![m.len() as u8];
        d.extend(m);
        d
    };
    let mut event = vec![0x0a, 0x08, 0x0a, 0x01, b'k', 0x12, 0x03, b'v', b'a', b'l'];
    event.push(0x12);
    event.push(body.len() as u8);
    event.extend_from_slice(body);
    let mut put = vec![0x0a, event.len() as u8];
    put.extend(event);
    put.push(0x11);
    put.extend_from_slice(&crc.to_le_bytes());
    let mut rec = header(1, 10);
    rec.push(put.len() as u8);
    rec.extend(put);
    rec.push(0); // footer
    let mut commit = header(4, 11);
    commit.extend_from_slice(&[5, 0x0d, 1, 0, 0, 0]);
    commit.push(0);
    let mut log = Vec::new();
    for r in [rec, commit] {
        log.push(0x7f);
        log.extend_from_slice(&(r.len() as i32).to_be_bytes());
        log.extend(r);
    }
    log.extend([0x80; 16]);
    std::fs::write(data.join("log-1"), log).unwrap();
    // LogFileMetaData{version 3, id 1, position 0, woid 0}
    let mut meta = vec![0x0d, 3, 0, 0, 0, 0x15, 1, 0, 0, 0, 0x19];
    meta.extend_from_slice(&[0; 8]);
    meta.push(0x21);
    meta.extend_from_slice(&[0; 8]);
    let mut m = vec![meta.len() as u8];
    m.extend(meta);
    std::fs::write(data.join("log-1.meta"), m).unwrap();
    let (code, out, err) = run(&[
        "file-channel",
        "dump",
        &format!("--checkpointDir={}", ck.display()),
        &format!("--dataDirs={}", data.display()),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"headers":{"k":"val"},"bodyBase64":"/wD+YQ=="}"#
    );
    assert!(err.contains("full replay"), "{err}");
}

fn crc32(b: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &x in b {
        c ^= x as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
                out.push((p, Vec::new()));
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}
