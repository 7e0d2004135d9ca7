//! The hdfs sink through the real `flume-ng` binary: Flume's paths and file names from event
//! headers, rolling, in-use names and renames, every file format read back by independent
//! readers (Hadoop's own through pyspark, fastavro), crash recovery, and S3 on a real
//! S3-protocol server (SeaweedFS) checked with boto3.

use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(feature = "s3")]
use crate::support::s3;
use crate::support::*;

/// Every file under `dir`, relative path → bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

fn http_agent_conf(port: u16, sink: &str) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\n\
         a1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.channels.c1.capacity = 10000\n\
         a1.channels.c1.transactionCapacity = 1000\n\
         a1.sinks.k1.type = hdfs\na1.sinks.k1.channel = c1\n{sink}\n"
    )
}

fn post(port: u16, events: &[(&[(&str, &str)], &str)]) {
    let json: Vec<serde_json::Value> = events
        .iter()
        .map(|(headers, body)| {
            let h: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                .collect();
            serde_json::json!({"headers": h, "body": body})
        })
        .collect();
    let body = serde_json::to_vec(&json).unwrap();
    let (status, _, _) = http("POST", port, "/", Some("application/json"), &body);
    assert_eq!(status, 200);
}

const TS_A: &str = "1700000000000"; // 2023-11-14T22:13:20Z
const TS_B: &str = "1700200000000"; // 2023-11-17T05:46:40Z

#[test]
fn dated_paths_file_names_rolls_and_renames() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("logs");
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = file://{}/%{{host}}/%Y/%m/%d\n\
                 a1.sinks.k1.hdfs.filePrefix = events-%{{host}}\n\
                 a1.sinks.k1.hdfs.fileType = DataStream\n\
                 a1.sinks.k1.hdfs.timeZone = UTC\n\
                 a1.sinks.k1.hdfs.rollCount = 3\n\
                 a1.sinks.k1.hdfs.rollSize = 0\n\
                 a1.sinks.k1.hdfs.rollInterval = 0\n\
                 a1.sinks.k1.hdfs.batchSize = 10",
                out.display()
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    let a: &[(&str, &str)] = &[("host", "web01"), ("timestamp", TS_A)];
    let b: &[(&str, &str)] = &[("host", "web02"), ("timestamp", TS_B)];
    post(
        port,
        &[
            (a, "a1"),
            (a, "a2"),
            (b, "b1"),
            (a, "a3"),
            (a, "a4"),
            (b, "b2"),
            (a, "a5"),
        ],
    );
    // Flushed at the end of the transaction, still under in-use names.
    eventually(Duration::from_secs(10), "7 events flushed", || {
        tree(&out)
            .iter()
            .map(|(_, c)| c.iter().filter(|&&x| x == b'\n').count())
            .sum::<usize>()
            == 7
    });
    let open = tree(&out);
    assert!(open.iter().any(|(n, _)| n.ends_with(".tmp")), "{open:?}");
    assert_eq!(agent.stop(), Some(0));
    let files = tree(&out);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| !n.ends_with(".tmp")));
    let a_files: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n.starts_with("web01/2023/11/14/events-web01."))
        .collect();
    assert_eq!(a_files.len(), 2);
    let counters: Vec<i64> = a_files
        .iter()
        .map(|(n, _)| n.rsplit('.').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        counters[1],
        counters[0] + 1,
        "a count roll keeps the bucket"
    );
    assert_eq!(a_files[0].1, b"a1\na2\na3\n");
    assert_eq!(a_files[1].1, b"a4\na5\n");
    let (b_name, b_bytes) = files
        .iter()
        .find(|(n, _)| n.starts_with("web02/2023/11/17/events-web02."))
        .unwrap();
    assert_eq!(b_bytes, b"b1\nb2\n", "{b_name}");
    // Flume's log lines.
    let log = agent.log();
    let a_final = out.join(&a_files[0].0);
    assert!(
        log.contains(&format!("Creating file://{}.tmp", a_final.display())),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "Renaming file:{}.tmp to file:{}",
            a_final.display(),
            a_final.display()
        )),
        "{log}"
    );
}

#[test]
fn missing_timestamp_keeps_the_event_and_explains() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("logs");
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = file://{}/%Y\na1.sinks.k1.hdfs.fileType = DataStream",
                out.display()
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &["-Dflume.monitoring.type=http"]);
    wait_port(port, Duration::from_secs(10));
    post(port, &[(&[("host", "web01")], "no time")]);
    agent.wait_for(
        "Expected timestamp in the Flume event headers",
        Duration::from_secs(10),
    );
    let log = agent.log();
    assert!(log.contains("needs the event's time for %Y"), "{log}");
    assert!(log.contains("{host=web01}"), "{log}");
    assert!(tree(&out).is_empty());
    agent.stop();
}

/// One sink per format, all fed by one seq source; read back by Hadoop (pyspark) and fastavro.
#[test]
fn every_format_is_read_by_hadoop_and_fastavro() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let sinks: &[(&str, &str)] = &[
        ("ds", "hdfs.fileType = DataStream"),
        ("gz", "hdfs.fileType = CompressedStream\nhdfs.codeC = gzip"),
        ("bz", "hdfs.fileType = CompressedStream\nhdfs.codeC = bzip2"),
        (
            "df",
            "hdfs.fileType = CompressedStream\nhdfs.codeC = deflate",
        ),
        (
            "sn",
            "hdfs.fileType = CompressedStream\nhdfs.codeC = snappy",
        ),
        ("l4", "hdfs.fileType = CompressedStream\nhdfs.codeC = lz4"),
        ("sw", "hdfs.fileType = SequenceFile"),
        (
            "st",
            "hdfs.fileType = SequenceFile\nhdfs.writeFormat = Text\nhdfs.codeC = gzip",
        ),
        ("ss", "hdfs.fileType = SequenceFile\nhdfs.codeC = snappy"),
        (
            "sb",
            "hdfs.fileType = SequenceFile\nhdfs.writeFormat = Text\nhdfs.codeC = bzip2",
        ),
        (
            "av",
            "hdfs.fileType = DataStream\nserializer = avro_event\nserializer.compressionCodec = snappy",
        ),
    ];
    let names: Vec<&str> = sinks.iter().map(|(n, _)| *n).collect();
    let mut text = format!(
        "a1.sources = r1\na1.channels = {}\na1.sinks = {}\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 1000\na1.sources.r1.batchSize = 100\n\
         a1.sources.r1.channels = {}\n\
         a1.sources.r1.interceptors = ts st\n\
         a1.sources.r1.interceptors.ts.type = timestamp\n\
         a1.sources.r1.interceptors.st.type = static\n\
         a1.sources.r1.interceptors.st.key = level\n\
         a1.sources.r1.interceptors.st.value = INFO\n",
        names
            .iter()
            .map(|n| format!("c{n}"))
            .collect::<Vec<_>>()
            .join(" "),
        names.join(" "),
        names
            .iter()
            .map(|n| format!("c{n}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    for (name, extra) in sinks {
        text.push_str(&format!(
            "a1.channels.c{name}.type = memory\na1.channels.c{name}.capacity = 10000\n\
             a1.channels.c{name}.transactionCapacity = 1000\n\
             a1.sinks.{name}.type = hdfs\na1.sinks.{name}.channel = c{name}\n\
             a1.sinks.{name}.hdfs.path = file://{}/{name}/%Y/%m/%d/%H/%{{level}}\n\
             a1.sinks.{name}.hdfs.timeZone = UTC\n\
             a1.sinks.{name}.hdfs.rollCount = 300\na1.sinks.{name}.hdfs.rollSize = 0\n\
             a1.sinks.{name}.hdfs.rollInterval = 0\na1.sinks.{name}.hdfs.batchSize = 100\n",
            out.display()
        ));
        for line in extra.lines() {
            text.push_str(&format!("a1.sinks.{name}.{line}\n"));
        }
    }
    let conf = tmp.path().join("a.conf");
    write(&conf, &text);
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(
        Duration::from_secs(30),
        "the DataStream sink has all events",
        || {
            tree(&out.join("ds"))
                .iter()
                .map(|(_, c)| c.iter().filter(|&&x| x == b'\n').count())
                .sum::<usize>()
                == 1000
        },
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert!(!log.contains(" ERROR "), "{log}");

    // Names: <prefix>.<counter><codec extension>; no in-use file left; hour directories.
    let hour_dir = regex::Regex::new(r"^\d{4}/\d{2}/\d{2}/\d{2}/INFO/FlumeData\.\d{13}").unwrap();
    for (name, _) in sinks {
        let files = tree(&out.join(name));
        assert!(files.len() >= 4, "{name}: {files:?}");
        for (f, _) in &files {
            assert!(hour_dir.is_match(f), "{name}: {f}");
            assert!(!f.ends_with(".tmp"), "{name}: {f}");
            let ext = match *name {
                "gz" => ".gz",
                "bz" => ".bz2",
                "df" => ".deflate",
                "sn" | "ss" => ".snappy",
                "l4" => ".lz4",
                "st" => ".gz",
                "sb" => ".bz2",
                _ => "",
            };
            let rest = f.rsplit("FlumeData.").next().unwrap();
            assert_eq!(&rest[13..], ext, "{name}: {f}");
        }
    }

    let script = r#"
import json, sys, glob, os
from pyspark import SparkConf, SparkContext
conf = (SparkConf().setMaster("local[1]").setAppName("flume-rs-hdfs-sink")
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
        .set("spark.driver.bindAddress", "127.0.0.1").set("spark.driver.host", "127.0.0.1"))
sc = SparkContext(conf=conf)
sc.setLogLevel("ERROR")
root = sys.argv[1]
out = {}
for name in ["ds", "gz", "bz", "df", "sn", "l4"]:
    out[name] = sc.textFile(root + "/" + name + "/*/*/*/*/*/*").collect()
for name in ["sw", "st", "ss", "sb"]:
    recs = sc.sequenceFile(root + "/" + name + "/*/*/*/*/*/*").collect()
    out[name] = [[k, v if isinstance(v, str) else bytes(v).decode()] for k, v in recs]
    f = sorted(glob.glob(root + "/" + name + "/*/*/*/*/*/*"))[0]
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(f)
    hconf = sc._jsc.hadoopConfiguration()
    reader = jvm.org.apache.hadoop.io.SequenceFile.Reader(path.getFileSystem(hconf), path, hconf)
    codec = reader.getCompressionCodec()
    out[name + "_classes"] = [reader.getKeyClassName(), reader.getValueClassName(),
                              codec.getClass().getName() if codec is not None else None,
                              reader.isBlockCompressed()]
    reader.close()
sc.stop()
print("RESULT " + json.dumps(out))
"#;
    let stdout = run_python(script, &[out.to_str().unwrap()]);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .expect("pyspark result");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let expected: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    for name in ["ds", "gz", "bz", "df", "sn", "l4"] {
        let mut got: Vec<String> = v[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        got.sort_by_key(|s| s.parse::<u32>().unwrap_or(u32::MAX));
        assert_eq!(got, expected, "{name} read by Hadoop");
    }
    let now = flume_rs::metrics::now_millis();
    for name in ["sw", "st", "ss", "sb"] {
        let recs = v[name].as_array().unwrap();
        let mut bodies: Vec<String> = recs
            .iter()
            .map(|r| r[1].as_str().unwrap().to_string())
            .collect();
        bodies.sort_by_key(|s| s.parse::<u32>().unwrap_or(u32::MAX));
        assert_eq!(bodies, expected, "{name} read by Hadoop");
        for r in recs {
            let key = r[0].as_i64().unwrap();
            assert!(
                key > now - 600_000 && key <= now,
                "{name}: key {key} is the timestamp header"
            );
        }
    }
    let classes = |n: &str| -> Vec<serde_json::Value> {
        v[format!("{n}_classes")].as_array().unwrap().clone()
    };
    assert_eq!(classes("sw")[1], "org.apache.hadoop.io.BytesWritable");
    assert_eq!(classes("sw")[3], false);
    assert_eq!(classes("st")[0], "org.apache.hadoop.io.LongWritable");
    assert_eq!(classes("st")[1], "org.apache.hadoop.io.Text");
    assert_eq!(classes("st")[2], "org.apache.hadoop.io.compress.GzipCodec");
    assert_eq!(classes("st")[3], true);
    assert_eq!(
        classes("ss")[2],
        "org.apache.hadoop.io.compress.SnappyCodec"
    );
    assert_eq!(classes("sb")[2], "org.apache.hadoop.io.compress.BZip2Codec");

    // avro_event files: fastavro.
    let avro_files: Vec<PathBuf> = tree(&out.join("av"))
        .into_iter()
        .map(|(n, _)| out.join("av").join(n))
        .collect();
    let args: Vec<&str> = avro_files.iter().map(|p| p.to_str().unwrap()).collect();
    let read = run_python(
        r#"
import sys, json, fastavro
bodies, codecs, levels = [], set(), set()
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        r = fastavro.reader(f)
        codecs.add(r.codec)
        for rec in r:
            bodies.append(rec["body"].decode())
            levels.add(rec["headers"]["level"])
print(json.dumps([sorted(bodies, key=int), sorted(codecs), sorted(levels)]))
"#,
        &args,
    );
    let v: serde_json::Value = serde_json::from_str(read.trim()).unwrap();
    let bodies: Vec<String> = v[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, expected);
    assert_eq!(v[1], serde_json::json!(["snappy"]));
    assert_eq!(v[2], serde_json::json!(["INFO"]));
}

#[test]
fn in_use_files_left_by_a_crash_are_recovered_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("logs");
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = file://{}/%Y/%m/%d\na1.sinks.k1.hdfs.fileType = DataStream\n\
                 a1.sinks.k1.hdfs.timeZone = UTC\na1.sinks.k1.hdfs.rollInterval = 0\n\
                 a1.sinks.k1.hdfs.rollCount = 0\na1.sinks.k1.hdfs.rollSize = 0",
                out.display()
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    post(port, &[(&[("timestamp", TS_A)], "before the crash")]);
    eventually(Duration::from_secs(10), "event flushed", || {
        tree(&out).iter().any(|(_, c)| c == b"before the crash\n")
    });
    agent.kill9();
    let left = tree(&out);
    assert_eq!(left.len(), 1);
    assert!(left[0].0.ends_with(".tmp"));

    let port2 = free_port();
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace(&format!("port = {port}"), &format!("port = {port2}"));
    write(&conf, &text);
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("left in use by an earlier run", Duration::from_secs(10));
    let files = tree(&out);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, left[0].0.trim_end_matches(".tmp"));
    assert_eq!(files[0].1, b"before the crash\n");
    agent.stop();
}

#[cfg(feature = "s3")]
#[test]
fn s3_objects_appear_at_close_under_flume_names() {
    let server = s3::server();
    let bucket = server.bucket("hdfs-sink");
    let tmp = tempfile::tempdir().unwrap();
    let conf_dir = tmp.path().join("conf");
    write(&conf_dir.join("core-site.xml"), &server.core_site());
    let port = free_port();
    let conf = conf_dir.join("a.conf");
    let text = http_agent_conf(
        port,
        &format!(
            "a1.sinks.k1.hdfs.path = s3a://{bucket}/raw/%{{host}}/%Y/%m/%d\n\
                 a1.sinks.k1.hdfs.fileType = CompressedStream\na1.sinks.k1.hdfs.codeC = gzip\n\
                 a1.sinks.k1.hdfs.timeZone = UTC\na1.sinks.k1.hdfs.rollInterval = 0\n\
                 a1.sinks.k1.hdfs.rollCount = 0\na1.sinks.k1.hdfs.rollSize = 0\n\
                 a1.sinks.k2.type = hdfs\na1.sinks.k2.channel = c2\n\
                 a1.sinks.k2.hdfs.path = s3a://{bucket}/big\n\
                 a1.sinks.k2.hdfs.fileType = DataStream\na1.sinks.k2.hdfs.filePrefix = big\n\
                 a1.sinks.k2.hdfs.rollInterval = 0\na1.sinks.k2.hdfs.rollCount = 0\n\
                 a1.sinks.k2.hdfs.rollSize = 0\na1.sinks.k2.hdfs.batchSize = 100"
        ),
    )
    .replace("a1.sinks = k1", "a1.sinks = k1 k2")
    .replace("a1.channels = c1", "a1.channels = c1 c2")
    .replace(
        "a1.sources.r1.channels = c1",
        "a1.sources.r1.channels = c1 c2",
    );
    let text = text
        + "a1.channels.c2.type = memory\na1.channels.c2.capacity = 10000\n\
               a1.channels.c2.transactionCapacity = 1000\n";
    write(&conf, &text);
    let mut agent = Agent::start("a1", &conf, &["--conf", conf_dir.to_str().unwrap()]);
    wait_port(port, Duration::from_secs(10));
    let h: &[(&str, &str)] = &[("host", "web01"), ("timestamp", TS_A)];
    // 12 batches of 10 events of ~64 KiB: the big file is ~7.7 MB, two multipart parts.
    let big_body = "x".repeat(64 * 1024);
    for _ in 0..12 {
        let events: Vec<(&[(&str, &str)], &str)> =
            (0..10).map(|_| (h, big_body.as_str())).collect();
        post(port, &events);
    }
    eventually(
        Duration::from_secs(20),
        "the agent took every event",
        || agent.log().matches("Creating s3a://").count() >= 2,
    );
    std::thread::sleep(Duration::from_secs(2));
    // Files still open: nothing visible in the bucket (no in-use objects either).
    assert!(
        server.objects(&bucket).is_empty(),
        "{:?}",
        server.objects(&bucket)
    );
    assert_eq!(agent.stop(), Some(0));
    let objects = server.objects(&bucket);
    assert_eq!(objects.len(), 2, "{objects:?}");
    let gz = objects
        .iter()
        .find(|(k, _, _)| k.starts_with("raw/web01/2023/11/14/FlumeData."))
        .unwrap();
    assert!(gz.0.ends_with(".gz"), "{}", gz.0);
    let big = objects
        .iter()
        .find(|(k, _, _)| k.starts_with("big/big."))
        .unwrap();
    assert_eq!(big.1, 120 * (64 * 1024 + 1));
    assert!(big.2.ends_with("-2\""), "multipart ETag: {}", big.2);
    assert_eq!(server.pending_uploads(&bucket), 0);
    let bytes = server.get(&bucket, &gz.0);
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text.lines().count(), 120);
    let log = agent.log();
    assert!(
        !log.contains(s3::SECRET_KEY),
        "the secret key is never logged"
    );
    assert!(!log.contains("Renaming"), "S3 files are written in place");
}

#[cfg(feature = "s3")]
#[test]
fn s3_credentials_in_the_uri_are_used_and_never_logged() {
    let server = s3::server();
    let bucket = server.bucket("uri-creds");
    let tmp = tempfile::tempdir().unwrap();
    let conf_dir = tmp.path().join("conf");
    // Endpoint only: the keys come from the path.
    write(
        &conf_dir.join("core-site.xml"),
        &format!(
            "<configuration><property><name>fs.s3a.endpoint</name><value>{}</value></property></configuration>",
            server.endpoint
        ),
    );
    let port = free_port();
    let conf = conf_dir.join("a.conf");
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = s3a://{}:{}@{bucket}/x\n\
                 a1.sinks.k1.hdfs.fileType = DataStream\na1.sinks.k1.hdfs.rollInterval = 0",
                s3::ACCESS_KEY,
                s3::SECRET_KEY
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &["--conf", conf_dir.to_str().unwrap()]);
    wait_port(port, Duration::from_secs(10));
    post(port, &[(&[], "hello")]);
    agent.wait_for("Creating s3a://***@", Duration::from_secs(10));
    assert_eq!(agent.stop(), Some(0));
    let objects = server.objects(&bucket);
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(server.get(&bucket, &objects[0].0), b"hello\n");
    assert!(!agent.log().contains(s3::SECRET_KEY));
}

/// Against a real HDFS: `FLUME_TEST_HDFS_URI=hdfs://namenode:8020/tmp/flume-test` (no NameNode
/// can run on the build machines, so this is skipped there, and says so).
#[cfg(feature = "hdfs")]
#[test]
fn real_hdfs_cluster_when_configured() {
    let Ok(uri) = std::env::var("FLUME_TEST_HDFS_URI") else {
        eprintln!("skipped: FLUME_TEST_HDFS_URI is not set (no HDFS cluster here)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = tmp.path().join("a.conf");
    let base = format!(
        "{}/flume-rs-it-{}",
        uri.trim_end_matches('/'),
        std::process::id()
    );
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = {base}/%Y/%m/%d\na1.sinks.k1.hdfs.fileType = DataStream\n\
                 a1.sinks.k1.hdfs.timeZone = UTC\na1.sinks.k1.hdfs.rollInterval = 0\n\
                 a1.sinks.k1.hdfs.callTimeout = 10000"
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    post(port, &[(&[("timestamp", TS_A)], "to hdfs")]);
    agent.wait_for("Creating hdfs://", Duration::from_secs(30));
    assert_eq!(agent.stop(), Some(0));
    assert!(agent.log().contains("Renaming hdfs://"), "{}", agent.log());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let location = flume_rs::storage::Location::parse(&base, "file:///");
        let client = hdfs_native::ClientBuilder::new()
            .with_url(format!("{}://{}", location.scheme, location.authority))
            .build()
            .unwrap();
        let dir = format!("{}/2023/11/14", location.path);
        let files = client.list_status(&dir, false).await.unwrap();
        assert_eq!(files.len(), 1);
        assert!(!files[0].path.ends_with(".tmp"));
        let mut reader = client.read(&files[0].path).await.unwrap();
        let bytes = reader.read_bytes(reader.file_length()).await.unwrap();
        assert_eq!(&bytes[..], b"to hdfs\n");
        let _ = client.delete(&location.path, true).await;
    });
}

/// Journals of S3 files an earlier run left unfinished (written here as the sink writes them,
/// the uploads made with boto3) are finished when the sink starts: a multipart upload whose
/// flushed length ends inside its third part is completed with exactly the flushed bytes, an
/// upload with nothing flushed is aborted, a file without an upload is PUT, and a journal of
/// another bucket is left alone.
#[cfg(feature = "s3")]
#[test]
fn s3_files_left_unfinished_are_finished_from_their_journal_at_start() {
    const PART: usize = 5 * 1024 * 1024;
    let server = s3::server();
    let bucket = server.bucket("s3-journal");
    let tmp = tempfile::tempdir().unwrap();
    let buffer = tmp.path().join("buffer");
    std::fs::create_dir_all(&buffer).unwrap();
    let lines = |n: usize| -> Vec<u8> {
        (0..n)
            .flat_map(|i| format!("{i:09} {}\n", "y".repeat(89)).into_bytes())
            .collect()
    };
    let header = |b: &str, key: &str| {
        serde_json::json!({"bucket": b, "endpoint": server.endpoint, "key": key}).to_string()
    };
    let journal = |id: &str, data: &[u8], records: &[String]| {
        std::fs::write(buffer.join(format!("{id}.data")), data).unwrap();
        std::fs::write(
            buffer.join(format!("{id}.journal")),
            records.join("\n") + "\n",
        )
        .unwrap();
    };
    // A: 2 parts stored, flushed up to a line 2 part sizes + 50 lines in, 30 more lines written.
    let a = lines(2 * PART / 99 + 200);
    let a_flushed = (2 * PART / 99 + 150) * 99;
    let b = lines(60_000);
    let c = lines(100);
    let c_flushed = 60 * 99;
    std::fs::write(tmp.path().join("a"), &a).unwrap();
    std::fs::write(tmp.path().join("b"), &b).unwrap();
    let ids = server.python(&format!(
        r#"
import json
P = {PART}
out = []
for name, parts in (("a", 2), ("b", 1)):
    data = open("{dir}/" + name, "rb").read()
    u = s3.create_multipart_upload(Bucket="{bucket}", Key="j/FlumeData." + name)["UploadId"]
    for n in range(1, parts + 1):
        s3.upload_part(Bucket="{bucket}", Key="j/FlumeData." + name, UploadId=u, PartNumber=n,
                       Body=data[(n - 1) * P:n * P])
    out.append(u)
print(json.dumps(out))
"#,
        dir = tmp.path().display()
    ));
    let ids: Vec<String> = serde_json::from_str(ids.trim()).unwrap();
    let upload = |id: &str| serde_json::json!({"upload": id}).to_string();
    let flushed = |n: usize| serde_json::json!({"flushed": n}).to_string();
    journal(
        "a",
        &a,
        &[
            header(&bucket, "j/FlumeData.a"),
            upload(&ids[0]),
            flushed(PART - 99),
            flushed(a_flushed),
        ],
    );
    journal(
        "b",
        &b,
        &[header(&bucket, "j/FlumeData.b"), upload(&ids[1])],
    );
    journal(
        "c",
        &c,
        &[header(&bucket, "j/FlumeData.c"), flushed(c_flushed)],
    );
    journal("d", &c, &[header("another-bucket", "j/x"), flushed(99)]);

    let conf_dir = tmp.path().join("conf");
    write(
        &conf_dir.join("core-site.xml"),
        &server.core_site_with_buffer(&buffer),
    );
    let port = free_port();
    let conf = conf_dir.join("a.conf");
    write(
        &conf,
        &http_agent_conf(
            port,
            &format!(
                "a1.sinks.k1.hdfs.path = s3a://{bucket}/j\na1.sinks.k1.hdfs.fileType = DataStream"
            ),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &["--conf", conf_dir.to_str().unwrap()]);
    eventually(Duration::from_secs(60), "three files finished", || {
        agent
            .log()
            .matches("was left unfinished by an earlier run")
            .count()
            >= 3
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert!(
        log.contains(
            "FlumeData.a was left unfinished by an earlier run: its multipart upload is completed"
        ),
        "{log}"
    );
    assert!(
        log.contains("FlumeData.b was left unfinished by an earlier run: nothing was flushed to it; its multipart upload is aborted"),
        "{log}"
    );
    let objects = server.objects(&bucket);
    let keys: Vec<&str> = objects.iter().map(|o| o.0.as_str()).collect();
    assert_eq!(keys, ["j/FlumeData.a", "j/FlumeData.c"], "{objects:?}");
    assert!(
        server.get(&bucket, "j/FlumeData.a") == a[..a_flushed],
        "A is its flushed bytes"
    );
    assert!(objects[0].2.ends_with("-3\""), "3 parts: {}", objects[0].2);
    assert_eq!(server.get(&bucket, "j/FlumeData.c"), c[..c_flushed]);
    assert_eq!(server.pending_uploads(&bucket), 0);
    let mut left: Vec<String> = std::fs::read_dir(&buffer)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["d.data", "d.journal"],
        "another bucket's journal stays"
    );
}
