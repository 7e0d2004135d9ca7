//! Log collection through the real binary: spooldir (a directory of files, resuming from Java
//! Flume's tracker file), taildir (rotation while a writer appends, restart from the position
//! file), and the three syslog sources fed over TCP/UDP (and by `logger`), each into a
//! `file_roll` sink whose `header_and_text` lines show the headers.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use flume_rs::sink::file_roll::read_dir_sorted;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(20);

/// `a1`: one source (given lines), memory channel, file_roll into `out`.
fn agent_conf(source: &str, out: &Path, serializer: &str, channel_extra: &str) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n{source}\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.channels.c1.capacity = 100000\na1.channels.c1.transactionCapacity = 1000\n{channel_extra}\n\
         a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\na1.sinks.k1.sink.directory = {}\n\
         a1.sinks.k1.sink.rollInterval = 0\na1.sinks.k1.sink.serializer = {serializer}\n",
        out.display()
    )
}

fn output(dir: &Path) -> String {
    let bytes: Vec<u8> = read_dir_sorted(dir)
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(_, b)| b)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn lines(dir: &Path) -> Vec<String> {
    output(dir).lines().map(str::to_string).collect()
}

/// `{k=v, k=v} body` → (headers, body).
fn header_and_text(line: &str) -> (BTreeMap<String, String>, String) {
    let (head, body) = line.split_once("} ").unwrap_or((line, ""));
    let head = head.trim_start_matches('{').trim_end_matches('}');
    let headers = head
        .split(", ")
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (headers, body.to_string())
}

fn set_mtime(path: &Path, secs: u64) {
    let t = std::time::UNIX_EPOCH + Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn spooldir_reads_a_directory_oldest_first_and_renames_files() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    for (name, body, t) in [
        ("b.log", "b1\nb2\n", 2000),
        ("a.log", "a1\r\na2", 1000),
        ("empty.log", "", 3000),
        ("c.txt", "ignored\n", 500),
    ] {
        std::fs::write(spool.join(name), body).unwrap();
        set_mtime(&spool.join(name), t);
    }
    let conf = tmp.path().join("a.conf");
    let source = format!(
        "a1.sources.r1.type = spooldir\na1.sources.r1.spoolDir = {}\na1.sources.r1.basenameHeader = true\n\
         a1.sources.r1.includePattern = .*\\\\.log\na1.sources.r1.batchSize = 2",
        spool.display()
    );
    write(&conf, &agent_conf(&source, &out, "header_and_text", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(WAIT, "all spooled files completed", || {
        spool.join("empty.log.COMPLETED").exists()
    });
    eventually(WAIT, "five events written", || lines(&out).len() == 5);
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        output(&out),
        "{basename=a.log} a1\r\n{basename=a.log} a2\n{basename=b.log} b1\n{basename=b.log} b2\n{basename=empty.log} \n"
    );
    assert_eq!(
        dir_names(&spool),
        vec![
            ".flumespool",
            "a.log.COMPLETED",
            "b.log.COMPLETED",
            "c.txt",
            "empty.log.COMPLETED"
        ]
    );
    assert!(dir_names(&spool.join(".flumespool")).is_empty());
    assert!(
        agent.log().contains("Preparing to move file"),
        "{}",
        agent.log()
    );
}

/// The golden tracker written by Java Flume 1.9 with 100 of `big.log`'s 1000 lines committed,
/// its `file` metadata re-pointed at this run's spool directory (every other byte is Java's).
fn transplanted_golden_meta(target: &str) -> Vec<u8> {
    let golden =
        std::fs::read(repo().join("compat-fixtures/golden/spooldir-taildir/flumespool-main.meta"))
            .unwrap();
    let old = b"/tmp/golden/run_st/spool/big.log";
    let at = golden.windows(old.len()).position(|w| w == old).unwrap();
    assert_eq!(
        golden[at - 1] as usize,
        old.len() * 2,
        "zig-zag length before the path"
    );
    let mut out = golden[..at - 1].to_vec();
    out.push((target.len() * 2) as u8);
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(&golden[at + old.len()..]);
    out
}

fn big_log() -> String {
    (0..1000)
        .map(|i| format!("line {i:05} of the spooled file\n"))
        .collect()
}

fn spooled_lines(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| format!("line {i:05} of the spooled file"))
        .collect()
}

#[test]
fn spooldir_resumes_where_java_flume_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(spool.join(".flumespool")).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(spool.join("big.log"), big_log()).unwrap();
    let target = format!("{}/big.log", spool.display());
    assert!(target.len() * 2 < 128, "one-byte zig-zag length");
    std::fs::write(
        spool.join(".flumespool/.flumespool-main.meta"),
        transplanted_golden_meta(&target),
    )
    .unwrap();
    let conf = tmp.path().join("a.conf");
    let source = format!(
        "a1.sources.r1.type = spooldir\na1.sources.r1.spoolDir = {}\na1.sources.r1.batchSize = 10",
        spool.display()
    );
    write(&conf, &agent_conf(&source, &out, "TEXT", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(WAIT, "big.log completed", || {
        spool.join("big.log.COMPLETED").exists()
    });
    eventually(WAIT, "900 lines", || lines(&out).len() >= 900);
    assert_eq!(agent.stop(), Some(0));
    // Java's tracker said 3100 bytes = 100 lines: nothing skipped, nothing repeated.
    assert_eq!(lines(&out), spooled_lines(100..1000));
    assert!(dir_names(&spool.join(".flumespool")).is_empty());
}

#[test]
fn spooldir_stopped_mid_file_leaves_a_tracker_fastavro_reads_and_resumes_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(spool.join("big.log"), big_log()).unwrap();
    let source = format!(
        "a1.sources.r1.type = spooldir\na1.sources.r1.spoolDir = {}\na1.sources.r1.batchSize = 10",
        spool.display()
    );
    // First run: as in the golden capture, a channel of 100 events with no sink fills after
    // ten batches and the source backs off; then the agent is stopped.
    let conf = tmp.path().join("full.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\n{source}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 100\na1.channels.c1.transactionCapacity = 10\n"
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("The channel is full", WAIT);
    assert_eq!(agent.stop(), Some(0));
    let meta = spool.join(".flumespool/.flumespool-main.meta");
    let script = r#"
import sys, fastavro
with open(sys.argv[1], 'rb') as f:
    r = fastavro.reader(f)
    recs = [x['offset'] for x in r]
    print(r.writer_schema['name'], r.metadata['file'], recs[-1], len(recs))
"#;
    let seen = run_python(script, &[meta.to_str().unwrap()]);
    let fields: Vec<&str> = seen.split_whitespace().collect();
    assert_eq!(
        fields[0],
        "org.apache.flume.serialization.TransferStateFileMeta"
    );
    assert_eq!(fields[1], format!("{}/big.log", spool.display()));
    assert_eq!(fields[2], "3100", "100 lines committed: {seen}");

    // Second run with a sink: resumes at line 100 and completes the file.
    let conf = tmp.path().join("resume.conf");
    write(&conf, &agent_conf(&source, &out, "TEXT", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(WAIT, "big.log completed", || {
        spool.join("big.log.COMPLETED").exists()
    });
    eventually(WAIT, "900 lines", || lines(&out).len() >= 900);
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(lines(&out), spooled_lines(100..1000));
}

#[test]
fn spooldir_file_modified_after_pickup_stops_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    // Large enough, one event per transaction, that it is still being read when it changes.
    let big: String = (0..300_000).map(|i| format!("line {i:07}\n")).collect();
    std::fs::write(spool.join("a.log"), big).unwrap();
    let source = format!(
        "a1.sources.r1.type = spooldir\na1.sources.r1.spoolDir = {}\na1.sources.r1.batchSize = 1",
        spool.display()
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out, "TEXT", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(WAIT, "reading started", || !lines(&out).is_empty());
    std::fs::OpenOptions::new()
        .append(true)
        .open(spool.join("a.log"))
        .expect("a.log is still being read (the machine read 300000 lines in no time?)")
        .write_all(b"late line\n")
        .unwrap();
    agent.wait_for(
        "File has been modified since being read",
        Duration::from_secs(120),
    );
    assert!(agent.log().contains("FATAL: Spool Directory source r1"));
    assert!(spool.join("a.log").exists(), "not renamed");
    assert_eq!(agent.stop(), Some(0));
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

#[test]
fn taildir_follows_rotation_and_restarts_from_its_position_file() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let out1 = tmp.path().join("out1");
    let out2 = tmp.path().join("out2");
    for d in [&logs, &out1, &out2] {
        std::fs::create_dir_all(d).unwrap();
    }
    let app = logs.join("app.log");
    let position = tmp.path().join("state/taildir_position.json");
    let source = format!(
        "a1.sources.r1.type = TAILDIR\na1.sources.r1.filegroups = g1\n\
         a1.sources.r1.filegroups.g1 = {}/app\\\\.log\n\
         a1.sources.r1.positionFile = {}\na1.sources.r1.writePosInterval = 200\n\
         a1.sources.r1.headers.g1.app = web\na1.sources.r1.batchSize = 7\n\
         a1.sources.r1.maxBackoffSleep = 200",
        logs.display(),
        position.display()
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out1, "header_and_text", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    // A writer appends while the agent runs, then rotates (rename + new file) mid-stream,
    // writing a few more lines into the renamed file before switching.
    let mut expected = Vec::new();
    for i in 0..300 {
        let line = format!("first {i:04}");
        append(&app, &format!("{line}\n"));
        expected.push(line);
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_millis(30));
        }
    }
    std::fs::rename(&app, logs.join("app.log.1")).unwrap();
    for i in 0..5 {
        let line = format!("late {i}");
        append(&logs.join("app.log.1"), &format!("{line}\n"));
        expected.push(line);
    }
    for i in 0..100 {
        let line = format!("second {i:04}");
        append(&app, &format!("{line}\n"));
        expected.push(line);
    }
    append(&app, "no newline yet");
    eventually(WAIT, "every line delivered", || {
        lines(&out1).len() >= expected.len()
    });
    assert_eq!(agent.stop(), Some(0));
    let mut got: Vec<String> = lines(&out1)
        .iter()
        .map(|l| {
            let (h, body) = header_and_text(l);
            assert_eq!(h.get("app").map(String::as_str), Some("web"), "{l}");
            body
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "each line exactly once, the partial line held back"
    );

    // Flume's position file: one line, keys in order, the new app.log at the end of its last
    // complete line.
    let text = std::fs::read_to_string(&position).unwrap();
    let ino = std::fs::metadata(&app).unwrap().ino();
    let complete = 100 * "second 0000\n".len();
    let entry = format!(
        "{{\"inode\":{ino},\"pos\":{complete},\"file\":\"{}\"}}",
        app.display()
    );
    assert!(text.starts_with('[') && text.contains(&entry), "{text}");

    // Restart: the held-back line is completed, more lines arrive; only they are delivered.
    append(&app, " - done\nthird 0\n");
    write(&conf, &agent_conf(&source, &out2, "TEXT", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(WAIT, "two new lines", || lines(&out2).len() >= 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(lines(&out2), vec!["no newline yet - done", "third 0"]);
}

#[test]
fn taildir_copytruncate_restarts_the_file_from_its_start() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let app = logs.join("app.log");
    let source = format!(
        "a1.sources.r1.type = taildir\na1.sources.r1.filegroups = g1\n\
         a1.sources.r1.filegroups.g1 = {}/app\\\\.log\n\
         a1.sources.r1.positionFile = {}/pos.json\na1.sources.r1.maxBackoffSleep = 200",
        logs.display(),
        tmp.path().display()
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out, "TEXT", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    let mut expected = Vec::new();
    for i in 0..200 {
        append(&app, &format!("before {i:03}\n"));
        expected.push(format!("before {i:03}"));
    }
    eventually(WAIT, "first lines", || lines(&out).len() >= 200);
    // logrotate's copytruncate: copy aside (not matched), truncate in place, writer goes on.
    std::fs::copy(&app, logs.join("app.log.1")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&app)
        .unwrap()
        .set_len(0)
        .unwrap();
    for i in 0..50 {
        append(&app, &format!("after {i:03}\n"));
        expected.push(format!("after {i:03}"));
    }
    eventually(WAIT, "lines after the truncation", || {
        lines(&out).len() >= 250
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(lines(&out), expected);
    assert!(
        agent
            .log()
            .contains("is larger than file size! Restarting from pos 0"),
        "{}",
        agent.log()
    );
}

#[test]
fn taildir_resumes_from_a_java_position_file() {
    let tmp = tempfile::tempdir().unwrap();
    let tail = tmp.path().join("tail");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&tail).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(tail.join("a.log"), "a1\na2\na3\n").unwrap();
    std::fs::write(tail.join("b.log"), "b1\nb2\npartial-no-newline").unwrap();
    let golden = std::fs::read_to_string(
        repo().join("compat-fixtures/golden/spooldir-taildir/taildir_position.json"),
    )
    .unwrap();
    let ino = |n: &str| std::fs::metadata(tail.join(n)).unwrap().ino().to_string();
    let position = tmp.path().join("taildir_position.json");
    std::fs::write(
        &position,
        golden
            .replace("10330199", &ino("b.log"))
            .replace("10330198", &ino("a.log"))
            .replace("/tmp/golden/run_st/tail", &tail.to_string_lossy()),
    )
    .unwrap();
    let source = format!(
        "a1.sources.r1.type = taildir\na1.sources.r1.filegroups = g1\n\
         a1.sources.r1.filegroups.g1 = {}/.*\\\\.log\na1.sources.r1.positionFile = {}\n\
         a1.sources.r1.byteOffsetHeader = true\na1.sources.r1.maxBackoffSleep = 200",
        tail.display(),
        position.display()
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out, "header_and_text", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("Updated position, file:", WAIT);
    std::thread::sleep(Duration::from_millis(500));
    append(&tail.join("b.log"), "\n");
    append(&tail.join("a.log"), "a4\n");
    eventually(WAIT, "two lines", || lines(&out).len() >= 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    let mut got = lines(&out);
    got.sort();
    assert_eq!(
        got,
        vec!["{byteoffset=6} partial-no-newline", "{byteoffset=9} a4"]
    );
}

fn syslog_out(out: &Path, n: usize) -> Vec<(BTreeMap<String, String>, String)> {
    eventually(WAIT, &format!("{n} syslog events"), || {
        lines(out).len() >= n
    });
    lines(out).iter().map(|l| header_and_text(l)).collect()
}

#[test]
fn syslogtcp_and_syslogudp_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let tcp = free_port();
    let udp = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1 r2\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = syslogtcp\na1.sources.r1.host = 127.0.0.1\na1.sources.r1.port = {tcp}\n\
             a1.sources.r1.clientIPHeader = ip\na1.sources.r1.channels = c1\n\
             a1.sources.r2.type = syslogudp\na1.sources.r2.host = 127.0.0.1\na1.sources.r2.port = {udp}\n\
             a1.sources.r2.keepFields = hostname\na1.sources.r2.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\na1.sinks.k1.sink.directory = {}\n\
             a1.sinks.k1.sink.rollInterval = 0\na1.sinks.k1.sink.serializer = header_and_text\n",
            out.display()
        ),
    );
    let mut agent = Agent::start("a1", &conf, &["-Duser.timezone=UTC"]);
    wait_port(tcp, WAIT);
    let mut s = TcpStream::connect(("127.0.0.1", tcp)).unwrap();
    // Two events split across writes, then an unparsable one.
    s.write_all(b"<10>1 2012-04-13T11:11:11.5+08:00 host1 hello")
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b" tcp\n<11>not syslog\n").unwrap();
    drop(s);
    let events = syslog_out(&out, 2);
    let (h, body) = &events[0];
    assert_eq!(body, "hello tcp");
    assert_eq!(h["priority"], "10");
    assert_eq!(h["version"], "1");
    assert_eq!(h["Facility"], "1");
    assert_eq!(h["Severity"], "2");
    assert_eq!(h["host"], "host1");
    // The offset is ignored and ".5" is 5 ms (Flume's SimpleDateFormat quirk).
    assert_eq!(h["timestamp"], "1334315471005");
    assert_eq!(h["ip"], "127.0.0.1");
    let (h, body) = &events[1];
    assert_eq!(body, "<11>not syslog");
    assert_eq!(h.get("host"), None);
    assert_eq!(
        h["priority"], "10",
        "Flume keeps the previous event's priority"
    );

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    // UDP: one event per datagram, cut at the first newline.
    eventually(WAIT, "udp event", || {
        sock.send_to(
            b"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!\nignored",
            ("127.0.0.1", udp),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        lines(&out).len() >= 3
    });
    assert_eq!(agent.stop(), Some(0));
    let events = syslog_out(&out, 3);
    let (h, body) = &events[2];
    assert_eq!(body, "10.0.0.99 Use the BFG!", "keepFields = hostname");
    assert_eq!(h["host"], "10.0.0.99");
    assert_eq!(h["Severity"], "5");
    assert!(h.contains_key("timestamp"));
    assert!(events[2..].iter().all(|e| e.1 == "10.0.0.99 Use the BFG!"));
}

#[test]
fn multiport_syslogtcp_headers_ports_and_charsets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (p1, p2) = (free_port(), free_port());
    let source = format!(
        "a1.sources.r1.type = multiport_syslogtcp\na1.sources.r1.host = 127.0.0.1\n\
         a1.sources.r1.ports = {p1} {p2}\na1.sources.r1.portHeader = port\n\
         a1.sources.r1.charset.port.{p2} = ISO-8859-1\na1.sources.r1.eventSize = 64"
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out, "header_and_text", ""));
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(p1, WAIT);
    wait_port(p2, WAIT);
    TcpStream::connect(("127.0.0.1", p1))
        .unwrap()
        .write_all(b"<13>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc msg\n")
        .unwrap();
    let events = syslog_out(&out, 1);
    TcpStream::connect(("127.0.0.1", p2))
        .unwrap()
        .write_all(
            &[
                &b"<13>2003-08-24T05:14:15Z h caf\xe9\n"[..],
                &[b'x'; 70],
                b"\n",
            ]
            .concat(),
        )
        .unwrap();
    let mut events2 = syslog_out(&out, 4);
    assert_eq!(agent.stop(), Some(0));
    let (h, body) = &events[0];
    assert_eq!(body, "myproc msg");
    assert_eq!(h["Priority"], "13");
    assert_eq!(h["Version"], "1");
    assert_eq!(h["timestamp"], "1061727255000");
    assert_eq!(h["port"], p1.to_string());
    assert!(!h.contains_key("priority"));
    events2.remove(0);
    let (h, body) = &events2[0];
    assert_eq!(h["host"], "h");
    assert_eq!(h["port"], p2.to_string());
    // ISO-8859-1 in and out: the byte comes back unchanged (read lossily here).
    assert_eq!(body, "caf\u{fffd}");
    // 70 bytes with eventSize 64: cut after 64 bytes; neither part parses.
    assert_eq!(events2.len(), 3, "{events2:?}");
    assert_eq!(events2[1].1, "x".repeat(64));
    assert_eq!(events2[2].1, "x".repeat(6));
    assert!(
        events2[1..]
            .iter()
            .all(|(h, _)| h["flume.syslog.status"] == "Invalid")
    );
}

#[test]
fn logger_command_to_syslogtcp() {
    let logger = std::path::Path::new("/usr/bin/logger");
    if !logger.exists() {
        println!("skipped: /usr/bin/logger (bsdutils) is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let port = free_port();
    let source = format!(
        "a1.sources.r1.type = syslogtcp\na1.sources.r1.host = 127.0.0.1\na1.sources.r1.port = {port}"
    );
    let conf = tmp.path().join("a.conf");
    write(&conf, &agent_conf(&source, &out, "header_and_text", ""));
    let mut agent = Agent::start("a1", &conf, &["-Duser.timezone=UTC"]);
    wait_port(port, WAIT);
    let status = std::process::Command::new(logger)
        .env("TZ", "UTC")
        .args([
            "--tcp",
            "-n",
            "127.0.0.1",
            "-P",
            &port.to_string(),
            "-p",
            "local3.warning",
            "-t",
            "flumetest",
            "hello from logger",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let events = syslog_out(&out, 1);
    assert_eq!(agent.stop(), Some(0));
    let (h, body) = &events[0];
    assert_eq!(h["priority"], "156", "local3 (19) * 8 + warning (4)");
    assert_eq!(h["Facility"], "19");
    assert_eq!(h["Severity"], "4");
    assert!(
        h.contains_key("host") && h.contains_key("timestamp"),
        "{h:?}"
    );
    assert!(
        body.starts_with("flumetest") && body.ends_with("hello from logger"),
        "{body}"
    );
}
