//! Event processing through the real binary: interceptor chains, channel selectors and sink
//! groups, with the outputs read back by an independent Avro reader (fastavro).

use std::path::Path;
use std::time::Duration;

use flume_rs::sink::file_roll::read_dir_sorted;

use crate::support::*;

const READ_AVRO: &str = r#"
import json, sys, os, fastavro
records = []
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name), "rb") as f:
        if os.path.getsize(f.name) == 0:
            continue
        for rec in fastavro.reader(f):
            records.append({"headers": rec["headers"], "body": rec["body"].decode("utf-8")})
print(json.dumps(records))
"#;

fn avro_records(dir: &Path) -> Vec<serde_json::Value> {
    let out = run_python(READ_AVRO, &[dir.to_str().unwrap()]);
    serde_json::from_str::<Vec<serde_json::Value>>(&out).expect("fastavro json")
}

fn text_lines(dir: &Path) -> Vec<String> {
    read_dir_sorted(dir)
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(_, b)| {
            String::from_utf8_lossy(&b)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn post(port: u16, events: &[(&str, &str)]) {
    let json: Vec<serde_json::Value> = events
        .iter()
        .map(|(headers, body)| {
            let h: serde_json::Value = serde_json::from_str(headers).unwrap();
            serde_json::json!({"headers": h, "body": body})
        })
        .collect();
    let body = serde_json::to_vec(&json).unwrap();
    let (status, _, text) = http("POST", port, "/", Some("application/json"), &body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&text));
}

/// http → timestamp, host, static, regex_extractor (millis + DEFAULT), search_replace,
/// regex_filter → multiplexing (with an optional channel) → two file_roll sinks writing
/// avro_event containers; every header and body checked with fastavro.
#[test]
fn interceptor_chain_and_multiplexing_into_avro_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (main_dir, alert_dir) = (tmp.path().join("main"), tmp.path().join("alerts"));
    std::fs::create_dir_all(&main_dir).unwrap();
    std::fs::create_dir_all(&alert_dir).unwrap();
    let port = free_port();
    let conf = tmp.path().join("agent.conf");
    write(
        &conf,
        &format!(
            r#"a1.sources = r1
a1.channels = cmain calert
a1.sinks = kmain kalert
a1.sources.r1.type = http
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = {port}
a1.sources.r1.channels = cmain calert
a1.sources.r1.interceptors = ts hostname dc rx mask drop
a1.sources.r1.interceptors.ts.type = timestamp
a1.sources.r1.interceptors.hostname.type = org.apache.flume.interceptor.HostInterceptor$Builder
a1.sources.r1.interceptors.hostname.hostHeader = agent_host
a1.sources.r1.interceptors.dc.type = STATIC
a1.sources.r1.interceptors.dc.key = datacenter
a1.sources.r1.interceptors.dc.value = NYC_01
a1.sources.r1.interceptors.rx.type = regex_extractor
a1.sources.r1.interceptors.rx.regex = ^(\\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) (\\w+)
a1.sources.r1.interceptors.rx.serializers = t lvl
a1.sources.r1.interceptors.rx.serializers.t.type = org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer
a1.sources.r1.interceptors.rx.serializers.t.name = logtime
a1.sources.r1.interceptors.rx.serializers.t.pattern = yyyy-MM-dd HH:mm:ss
a1.sources.r1.interceptors.rx.serializers.lvl.name = level
a1.sources.r1.interceptors.mask.type = search_replace
a1.sources.r1.interceptors.mask.searchPattern = (password)=\\S+
a1.sources.r1.interceptors.mask.replaceString = $1=***
a1.sources.r1.interceptors.drop.type = regex_filter
a1.sources.r1.interceptors.drop.regex = (?<= )DEBUG
a1.sources.r1.interceptors.drop.excludeEvents = true
a1.sources.r1.selector.type = multiplexing
a1.sources.r1.selector.header = level
a1.sources.r1.selector.mapping.WARN = calert
a1.sources.r1.selector.mapping.ERROR = calert
a1.sources.r1.selector.optional.ERROR = cmain
a1.sources.r1.selector.default = cmain
a1.channels.cmain.type = memory
a1.channels.calert.type = memory
a1.sinks.kmain.type = file_roll
a1.sinks.kmain.channel = cmain
a1.sinks.kmain.sink.directory = {}
a1.sinks.kmain.sink.rollInterval = 0
a1.sinks.kmain.sink.serializer = avro_event
a1.sinks.kalert.type = file_roll
a1.sinks.kalert.channel = calert
a1.sinks.kalert.sink.directory = {}
a1.sinks.kalert.sink.rollInterval = 0
a1.sinks.kalert.sink.serializer = avro_event
"#,
            main_dir.display(),
            alert_dir.display()
        ),
    );
    let before = flume_rs::metrics::now_millis();
    let mut agent = Agent::start("a1", &conf, &["-Duser.timezone=America/Los_Angeles"]);
    wait_port(port, Duration::from_secs(10));
    post(
        port,
        &[
            (
                r#"{"app":"web"}"#,
                "2012-10-18 18:47:57 INFO login password=secret1 ok",
            ),
            (r#"{}"#, "2012-10-18 18:48:00 WARN disk 91% full"),
            (
                r#"{"app":"db"}"#,
                "2012-10-18 18:49:00 ERROR failed password=hunter2 retry",
            ),
            (r#"{}"#, "2012-10-18 18:50:00 DEBUG noise"),
            (r#"{"level":"stale"}"#, "no timestamp here"),
        ],
    );
    let after = flume_rs::metrics::now_millis();
    // Stop so that the containers are flushed and closed.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();

    let host = flume_rs::interceptor::host::local_host()
        .address
        .clone()
        .expect("this host resolves");
    let check_common = |rec: &serde_json::Value| {
        let h = &rec["headers"];
        let ts: i64 = h["timestamp"].as_str().unwrap().parse().unwrap();
        assert!(ts >= before && ts <= after, "timestamp {ts}");
        assert_eq!(h["agent_host"], host.as_str());
        assert_eq!(h["datacenter"], "NYC_01");
    };

    // Main: required INFO and the unmatched event, then the ERROR event as optional.
    let main = avro_records(&main_dir);
    let bodies: Vec<&str> = main.iter().map(|r| r["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        vec![
            "2012-10-18 18:47:57 INFO login password=*** ok",
            "no timestamp here",
            "2012-10-18 18:49:00 ERROR failed password=*** retry",
        ],
        "{log}"
    );
    for r in &main {
        check_common(r);
    }
    // 18:47:57 in Los Angeles (PDT) is 01:47:57 UTC the next day.
    assert_eq!(main[0]["headers"]["logtime"], "1350611277000");
    assert_eq!(main[0]["headers"]["level"], "INFO");
    assert_eq!(main[0]["headers"]["app"], "web");
    assert_eq!(main[0]["headers"].as_object().unwrap().len(), 6);
    // No match: the extractor leaves the event (and its own "level") alone.
    assert_eq!(main[1]["headers"]["level"], "stale");
    assert!(main[1]["headers"].get("logtime").is_none());
    assert_eq!(main[1]["headers"].as_object().unwrap().len(), 4);
    assert_eq!(main[2]["headers"]["logtime"], "1350611340000");

    let alerts = avro_records(&alert_dir);
    let bodies: Vec<&str> = alerts.iter().map(|r| r["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        vec![
            "2012-10-18 18:48:00 WARN disk 91% full",
            "2012-10-18 18:49:00 ERROR failed password=*** retry",
        ]
    );
    for r in &alerts {
        check_common(r);
    }
    assert_eq!(alerts[0]["headers"]["level"], "WARN");
    assert_eq!(alerts[0]["headers"]["logtime"], "1350611280000");
    assert_eq!(alerts[1]["headers"]["level"], "ERROR");
    assert_eq!(alerts[1]["headers"]["app"], "db");
    // The same event in both channels carries the same headers.
    assert_eq!(alerts[1]["headers"], main[2]["headers"]);
}

fn group_config(port: u16, k1_dir: &Path, k2_dir: &Path, group: &str) -> String {
    format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1 k2\na1.sinkgroups = g1\n\
         a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\n\
         a1.sources.r1.channels = c1\n\
         a1.sources.r1.interceptors = seq\na1.sources.r1.interceptors.seq.type = static\n\
         a1.sources.r1.interceptors.seq.key = via\na1.sources.r1.interceptors.seq.value = http\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\na1.sinks.k1.sink.directory = {}\n\
         a1.sinks.k1.sink.rollInterval = 0\n\
         a1.sinks.k2.type = file_roll\na1.sinks.k2.channel = c1\na1.sinks.k2.sink.directory = {}\n\
         a1.sinks.k2.sink.rollInterval = 0\n\
         a1.sinkgroups.g1.sinks = k1 k2\n{group}\n",
        k1_dir.display(),
        k2_dir.display()
    )
}

fn post_numbered(port: u16, range: std::ops::Range<u32>) {
    let events: Vec<(String, String)> =
        range.map(|i| ("{}".into(), format!("event {i}"))).collect();
    let refs: Vec<(&str, &str)> = events
        .iter()
        .map(|(h, b)| (h.as_str(), b.as_str()))
        .collect();
    post(port, &refs);
}

/// A sink that fails on demand: its directory path goes through a regular file (ENOTDIR,
/// even for root) until the test replaces the file with a directory.
fn broken_dir(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let blocker = tmp.join("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    (blocker.clone(), blocker.join("out"))
}

fn repair(blocker: &Path) {
    std::fs::remove_file(blocker).unwrap();
    std::fs::create_dir_all(blocker.join("out")).unwrap();
}

#[test]
fn failover_group_moves_to_the_backup_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (blocker, k1_dir) = broken_dir(tmp.path());
    let k2_dir = tmp.path().join("k2");
    std::fs::create_dir_all(&k2_dir).unwrap();
    let port = free_port();
    let conf = tmp.path().join("agent.conf");
    write(
        &conf,
        &group_config(
            port,
            &k1_dir,
            &k2_dir,
            "a1.sinkgroups.g1.processor.type = failover\n\
             a1.sinkgroups.g1.processor.priority.k1 = 10\n\
             a1.sinkgroups.g1.processor.priority.k2 = 5\n\
             a1.sinkgroups.g1.processor.maxpenalty = 1000",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    post_numbered(port, 0..20);
    eventually(Duration::from_secs(15), "backup sink wrote phase 1", || {
        text_lines(&k2_dir).len() == 20
    });
    agent.wait_for(
        "Sink k1 failed and has been sent to failover list",
        Duration::from_secs(5),
    );

    // Repair k1: once its penalty is over it is retried; it opens its file and, being the
    // higher priority, takes all later events.
    repair(&blocker);
    eventually(
        Duration::from_secs(20),
        "k1 retried after its penalty",
        || {
            read_dir_sorted(&k1_dir)
                .map(|f| !f.is_empty())
                .unwrap_or(false)
        },
    );
    post_numbered(port, 20..50);
    eventually(Duration::from_secs(15), "k1 wrote phase 2", || {
        text_lines(&k1_dir).len() == 30
    });
    assert_eq!(agent.stop(), Some(0));
    let k1 = text_lines(&k1_dir);
    let k2 = text_lines(&k2_dir);
    let want =
        |r: std::ops::Range<u32>| -> Vec<String> { r.map(|i| format!("event {i}")).collect() };
    assert_eq!(k2, want(0..20), "backup got exactly phase 1");
    assert_eq!(k1, want(20..50), "primary got exactly phase 2");
}

#[test]
fn load_balance_with_backoff_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (blocker, k1_dir) = broken_dir(tmp.path());
    let k2_dir = tmp.path().join("k2");
    std::fs::create_dir_all(&k2_dir).unwrap();
    let port = free_port();
    let conf = tmp.path().join("agent.conf");
    write(
        &conf,
        &group_config(
            port,
            &k1_dir,
            &k2_dir,
            "a1.sinkgroups.g1.processor.type = load_balance\n\
             a1.sinkgroups.g1.processor.backoff = true\n\
             a1.sinkgroups.g1.processor.selector = round_robin\n\
             a1.sinkgroups.g1.processor.selector.maxTimeOut = 1000",
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    for batch in 0..5 {
        post_numbered(port, batch * 10..batch * 10 + 10);
    }
    eventually(
        Duration::from_secs(15),
        "healthy sink took everything",
        || text_lines(&k2_dir).len() == 50,
    );
    agent.wait_for(
        "Sink failed to consume event. Attempting next sink if available.",
        Duration::from_secs(5),
    );
    repair(&blocker);
    // Keep posting until the repaired sink is back in the rotation.
    let mut next = 50;
    eventually(Duration::from_secs(30), "repaired sink used again", || {
        post_numbered(port, next..next + 5);
        next += 5;
        std::thread::sleep(Duration::from_millis(300));
        !text_lines(&k1_dir).is_empty()
    });
    let total = next;
    eventually(Duration::from_secs(15), "every event delivered", || {
        text_lines(&k1_dir).len() + text_lines(&k2_dir).len() == total as usize
    });
    assert_eq!(agent.stop(), Some(0));
    let mut all: Vec<String> = text_lines(&k1_dir);
    all.extend(text_lines(&k2_dir));
    all.sort();
    let mut want: Vec<String> = (0..total).map(|i| format!("event {i}")).collect();
    want.sort();
    assert_eq!(all, want, "each event exactly once");
}

/// Bad configurations: each is dropped as Flume drops it, with a message naming the
/// component, the key and the reason; the rest of the agent runs.
#[test]
fn bad_interceptor_selector_and_group_configs_drop_components() {
    let tmp = tempfile::tempdir().unwrap();
    let ok_dir = tmp.path().join("ok");
    let grp_dir = tmp.path().join("grp");
    std::fs::create_dir_all(&ok_dir).unwrap();
    std::fs::create_dir_all(&grp_dir).unwrap();
    let conf = tmp.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = badre badser badsel good\na1.channels = c1 c2\na1.sinks = k1 k2 k3\n\
             a1.sinkgroups = g1\n\
             a1.sources.badre.type = seq\na1.sources.badre.channels = c1\n\
             a1.sources.badre.interceptors = f\na1.sources.badre.interceptors.f.type = regex_filter\n\
             a1.sources.badre.interceptors.f.regex = (unclosed\n\
             a1.sources.badser.type = seq\na1.sources.badser.channels = c1\n\
             a1.sources.badser.interceptors = x\na1.sources.badser.interceptors.x.type = regex_extractor\n\
             a1.sources.badser.interceptors.x.regex = (\\\\d+)\n\
             a1.sources.badser.interceptors.x.serializers = s\n\
             a1.sources.badser.interceptors.x.serializers.s.type = default\n\
             a1.sources.badser.interceptors.x.serializers.s.name = n\n\
             a1.sources.badsel.type = seq\na1.sources.badsel.channels = c1 c2\n\
             a1.sources.badsel.selector.type = multiplexing\n\
             a1.sources.badsel.selector.mapping.a = c1 c9\n\
             a1.sources.good.type = seq\na1.sources.good.totalEvents = 3\na1.sources.good.channels = c1\n\
             a1.sources.good.interceptors = u\n\
             a1.sources.good.interceptors.u.type = org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder\n\
             a1.channels.c1.type = memory\na1.channels.c2.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\na1.sinks.k1.sink.directory = {}\n\
             a1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k2.type = file_roll\na1.sinks.k2.channel = c2\na1.sinks.k2.sink.directory = {}\n\
             a1.sinks.k3.type = null\na1.sinks.k3.channel = c2\n\
             a1.sinkgroups.g1.sinks = k2 k3\n",
            ok_dir.display(),
            grp_dir.display()
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(Duration::from_secs(10), "good source delivered", || {
        text_lines(&ok_dir).len() == 3
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert!(
        log.contains(
            "a1.sources.badre.interceptors.f.regex: invalid regular expression \"(unclosed\""
        ),
        "{log}"
    );
    assert!(
        log.contains("a1.sources.badser.interceptors.x.serializers.s.type: Could not instantiate event serializer: class default not found"),
        "{log}"
    );
    assert!(
        log.contains("a1.sources.badsel.selector.mapping.a: Selector channel not found: c9"),
        "{log}"
    );
    assert!(
        log.contains(
            "sink group has no processor.type: Flume removes the group and does not run its sinks"
        ),
        "{log}"
    );
    for dropped in ["badre", "badser", "badsel"] {
        assert!(
            !log.contains(&format!("Starting Source {dropped}")),
            "{dropped}: {log}"
        );
    }
    assert!(log.contains("Starting Source good"), "{log}");
    // The group's sinks do not run: k2 never opened a file.
    assert!(read_dir_sorted(&grp_dir).unwrap().is_empty());
    assert_eq!(text_lines(&ok_dir), vec!["0", "1", "2"]);
}
