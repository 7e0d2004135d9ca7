//! The file_roll sink through the real binary: Flume's file names, rolling (empty files
//! included), and the three serializers' bytes (avro_event read back by fastavro).

use std::path::Path;
use std::time::Duration;

use flume_rs::sink::file_roll::read_dir_sorted;

use crate::support::*;

fn config(dir: &Path, source: &str, sink_extra: &str) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n{source}\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\na1.sinks.k1.sink.directory = {}\n{sink_extra}\n",
        dir.display()
    )
}

fn all_bytes(dir: &Path) -> Vec<u8> {
    read_dir_sorted(dir)
        .unwrap()
        .into_iter()
        .flat_map(|(_, b)| b)
        .collect()
}

#[test]
fn text_serializer_and_default_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let conf = tmp.path().join("a.conf");
    let before = flume_rs::metrics::now_millis();
    write(
        &conf,
        &config(
            &out,
            "a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3",
            "a1.sinks.k1.sink.rollInterval = 0",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(Duration::from_secs(10), "three lines written", || {
        all_bytes(&out) == b"0\n1\n2\n"
    });
    assert_eq!(agent.stop(), Some(0));
    let files = read_dir_sorted(&out).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    // <ms when the sink was configured>-1
    let (series, n) = files[0].0.split_once('-').unwrap();
    assert_eq!(n, "1");
    let series: i64 = series.parse().unwrap();
    assert!(series >= before && series <= flume_rs::metrics::now_millis());
}

#[test]
fn header_and_text_with_prefix_and_extension() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &config(
            &out,
            &format!(
                "a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}"
            ),
            "a1.sinks.k1.sink.rollInterval = 0\na1.sinks.k1.sink.serializer = header_and_text\n\
             a1.sinks.k1.sink.pathManager.prefix = web-\na1.sinks.k1.sink.pathManager.extension = log",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    let body =
        br#"[{"headers":{"header1":"value1","header2":"value2"},"body":"text"},{"body":"plain"}]"#;
    assert_eq!(http("POST", port, "/", None, body).0, 200);
    // Java HashMap order, as Flume's TestHeaderAndBodyTextEventSerializer pins it.
    eventually(Duration::from_secs(10), "header_and_text output", || {
        all_bytes(&out) == b"{header2=value2, header1=value1} text\n{} plain\n"
    });
    assert_eq!(agent.stop(), Some(0));
    let name = &read_dir_sorted(&out).unwrap()[0].0;
    assert!(
        name.starts_with("web-") && name.ends_with("-1.log"),
        "{name}"
    );
}

#[test]
fn idle_sink_rolls_into_empty_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &config(
            &out,
            "a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 1",
            "a1.sinks.k1.sink.rollInterval = 1",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(Duration::from_secs(15), "three files", || {
        read_dir_sorted(&out).map(|f| f.len() >= 3).unwrap_or(false)
    });
    assert_eq!(agent.stop(), Some(0));
    let files = read_dir_sorted(&out).unwrap();
    assert_eq!(files[0].1, b"0\n");
    assert!(
        files[1..].iter().all(|(_, b)| b.is_empty()),
        "later files are empty: {files:?}"
    );
    let numbers: Vec<String> = files
        .iter()
        .map(|(n, _)| n.split('-').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(numbers[..3], ["1", "2", "3"]);
}

#[test]
fn missing_directory_retries_without_losing_events() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("later");
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &config(
            &out,
            "a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 2",
            "a1.sinks.k1.sink.rollInterval = 0",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("Failed to open file", Duration::from_secs(10));
    std::fs::create_dir(&out).unwrap();
    eventually(
        Duration::from_secs(15),
        "events after the directory appeared",
        || {
            read_dir_sorted(&out)
                .map(|_| all_bytes(&out) == b"0\n1\n")
                .unwrap_or(false)
        },
    );
    agent.stop();
}

#[test]
fn avro_event_files_are_read_by_fastavro() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &config(
            &out,
            &format!(
                "a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}"
            ),
            "a1.sinks.k1.sink.rollInterval = 0\na1.sinks.k1.sink.serializer = avro_event\na1.sinks.k1.sink.serializer.compressionCodec = deflate",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    assert_eq!(http("POST", port, "/", None, r#"[{"headers":{"host":"web01","timestamp":"1700000000000"},"body":"first event"},{"body":"ünïcode"}]"#.as_bytes()).0, 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    let file = &read_dir_sorted(&out).unwrap()[0].0;
    let script = r#"
import json, sys, fastavro
with open(sys.argv[1], "rb") as f:
    r = fastavro.reader(f)
    print(json.dumps({"codec": r.codec, "records": [{"headers": x["headers"], "body": x["body"].decode("utf-8")} for x in r]}))
"#;
    let text = run_python(script, &[out.join(file).to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["codec"], "deflate");
    assert_eq!(v["records"][0]["headers"]["host"], "web01");
    assert_eq!(v["records"][0]["body"], "first event");
    assert_eq!(v["records"][1]["body"], "ünïcode");
}
