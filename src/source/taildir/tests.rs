//! Reader-level tests: the taildir cases of `serializers_and_readers.json`, the golden position
//! file, rotation by rename (in and out of the pattern), truncation.

use std::io::Write;
use std::os::unix::fs::MetadataExt;

use serde_json::Value;

use std::path::Path;

use super::*;
use crate::event::Event;
use crate::vectors::{Case, Outcome};

fn config(dir: &Path, pattern: &str, extra: &[(&str, &str)]) -> Arc<TaildirConfig> {
    let group = format!("{}/{pattern}", dir.display());
    let pos = dir
        .join("state/taildir_position.json")
        .to_string_lossy()
        .into_owned();
    let mut pairs = vec![
        ("filegroups", "g1".to_string()),
        ("filegroups.g1", group),
        ("positionFile", pos),
    ];
    for (k, v) in extra {
        pairs.push((k, v.to_string()));
    }
    let ctx = Context::from_pairs("a1.sources.r1.", pairs);
    Arc::new(TaildirConfig::from_context(&ctx, &BuildEnv::default()).unwrap())
}

/// One poll over every file, committing each batch; `idle` also closes everything (emitting
/// held-back last lines).
fn poll(reader: &mut TaildirReader, idle: bool) -> Vec<Event> {
    let mut out = Vec::new();
    for inode in reader.update_tail_files(false).unwrap() {
        if !reader.needs_tail(inode) {
            continue;
        }
        loop {
            let events = reader.read_events(inode, 100, true).unwrap();
            if events.is_empty() {
                break;
            }
            reader.commit();
            out.extend(events);
        }
    }
    if idle {
        let inodes: Vec<u64> = reader.files().keys().copied().collect();
        for inode in inodes {
            if reader.is_open(inode) {
                let events = reader.read_events(inode, 100, false).unwrap();
                reader.commit();
                out.extend(events);
                reader.close_file(inode);
            }
        }
    }
    out
}

fn bodies(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| String::from_utf8_lossy(&e.body).into_owned())
        .collect()
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

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The taildir cases of `serializers_and_readers.json`.
pub(crate) fn check_reader(case: &Case) -> Outcome {
    let id = case.id;
    let case = case.value;
    {
        if !id.starts_with("taildir-") {
            return Outcome::NotMine;
        }
        let input = &case["input"];
        let expected = &case["expected"];
        if id == "taildir-derived-position-json" {
            let files = input["files"].as_array().unwrap();
            let text = position_json(files.iter().map(|f| {
                (
                    f["inode"].as_u64().unwrap(),
                    f["pos"].as_u64().unwrap(),
                    f["file"].as_str().unwrap(),
                )
            }));
            return Outcome::eq(
                text.as_str(),
                expected["position_file_text"].as_str().unwrap(),
                "position file",
            );
        }
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("f.log"),
            input["file_bytes_utf8"].as_str().unwrap(),
        )
        .unwrap();
        let extra: Vec<(&str, &str)> = case["config"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let mut reader = TaildirReader::new(config(tmp.path(), ".*\\.log", &extra)).unwrap();
        match id {
            "taildir-derived-crlf-stripped" => {
                assert_eq!(
                    bodies(&poll(&mut reader, false)),
                    strings(&expected["events"]),
                    "{id}"
                );
            }
            "taildir-derived-partial-line-held" => {
                assert_eq!(
                    bodies(&poll(&mut reader, false)),
                    strings(&expected["events_while_active"]),
                    "{id}"
                );
                assert_eq!(
                    bodies(&poll(&mut reader, true)),
                    strings(&expected["events_when_idle_closed"]),
                    "{id}"
                );
            }
            "taildir-derived-byteoffset" => {
                let events = poll(&mut reader, false);
                let want = expected["events"].as_array().unwrap();
                assert_eq!(events.len(), want.len(), "{id}");
                for (e, w) in events.iter().zip(want) {
                    assert_eq!(
                        String::from_utf8_lossy(&e.body),
                        w["body"].as_str().unwrap(),
                        "{id}"
                    );
                    assert_eq!(
                        e.header("byteoffset"),
                        w["headers"]["byteoffset"].as_str(),
                        "{id}"
                    );
                }
            }
            _ => return Outcome::NotMine,
        }
        Outcome::Pass
    }
}

#[test]
fn resumes_from_the_golden_position_file() {
    let golden = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/compat-fixtures/golden/spooldir-taildir/taildir_position.json"
    ))
    .unwrap();
    let entries = parse_positions(&golden).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].pos, entries[1].pos), (6, 9));
    // Java's file, re-pointed at this machine's files (inodes are machine-specific).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("a.log"), "a1\na2\na3\n").unwrap();
    std::fs::write(dir.join("b.log"), "b1\nb2\npartial-no-newline").unwrap();
    let ino = |n: &str| std::fs::metadata(dir.join(n)).unwrap().ino().to_string();
    let text = golden
        .replace("10330199", &ino("b.log"))
        .replace("10330198", &ino("a.log"))
        .replace("/tmp/golden/run_st/tail", &dir.to_string_lossy());
    std::fs::create_dir_all(dir.join("state")).unwrap();
    std::fs::write(dir.join("state/taildir_position.json"), &text).unwrap();

    let mut reader = TaildirReader::new(config(dir, ".*\\.log", &[])).unwrap();
    assert!(poll(&mut reader, false).is_empty(), "nothing read twice");
    append(&dir.join("a.log"), "a4\n");
    append(&dir.join("b.log"), " now ends\n");
    let got = bodies(&poll(&mut reader, false));
    assert!(
        got.contains(&"a4".to_string()) && got.contains(&"partial-no-newline now ends".to_string()),
        "{got:?}"
    );
    assert_eq!(got.len(), 2);
    // Our file has Java's shape: one line, keys in order, no spaces.
    let json = reader.positions_json();
    assert!(
        json.starts_with("[{\"inode\":") && !json.contains(' ') && !json.contains('\n'),
        "{json}"
    );
    let ours = parse_positions(&json).unwrap();
    let a = ours.iter().find(|e| e.file.ends_with("a.log")).unwrap();
    assert_eq!(a.pos, 12);
}

#[test]
fn rename_within_the_pattern_is_not_read_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    append(&dir.join("app.log"), "1\n2\n");
    let mut reader = TaildirReader::new(config(dir, "app\\.log.*", &[])).unwrap();
    assert_eq!(bodies(&poll(&mut reader, false)), vec!["1", "2"]);
    append(&dir.join("app.log"), "3\n");
    std::fs::rename(dir.join("app.log"), dir.join("app.log.1")).unwrap();
    append(&dir.join("app.log"), "new1\n");
    let mut got = bodies(&poll(&mut reader, false));
    got.sort();
    assert_eq!(got, vec!["3", "new1"]);
    // The position file names the rotated file under its new name.
    let json = reader.positions_json();
    assert!(
        json.contains("app.log.1\",") || json.contains("app.log.1\"}"),
        "{json}"
    );
}

#[test]
fn rename_out_of_the_pattern_is_read_to_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    append(&dir.join("app.log"), "1\n");
    let mut reader = TaildirReader::new(config(dir, "app\\.log", &[])).unwrap();
    assert_eq!(bodies(&poll(&mut reader, false)), vec!["1"]);
    append(&dir.join("app.log"), "2\n");
    std::fs::rename(dir.join("app.log"), dir.join("app.log.1")).unwrap();
    append(&dir.join("app.log.1"), "3\n");
    append(&dir.join("app.log"), "new1\n");
    let mut got = bodies(&poll(&mut reader, false));
    got.sort();
    assert_eq!(got, vec!["2", "3", "new1"]);
    // Once idle, the rotated file is closed and forgotten.
    poll(&mut reader, true);
    assert_eq!(reader.files().len(), 1);
}

#[test]
fn restart_after_rotation_while_down_resumes_by_inode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    append(&dir.join("app.log"), "1\n2\n");
    {
        let mut reader = TaildirReader::new(config(dir, "app\\.log", &[])).unwrap();
        assert_eq!(bodies(&poll(&mut reader, false)), vec!["1", "2"]);
        reader.write_positions().unwrap();
    }
    append(&dir.join("app.log"), "3\n");
    std::fs::rename(dir.join("app.log"), dir.join("app.log.1")).unwrap();
    append(&dir.join("app.log"), "new1\n");
    let mut reader = TaildirReader::new(config(dir, "app\\.log", &[])).unwrap();
    let mut got = bodies(&poll(&mut reader, false));
    got.sort();
    assert_eq!(got, vec!["3", "new1"]);
}

#[test]
fn truncation_restarts_from_zero_and_skip_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    append(&dir.join("t.log"), "old1\nold2\n");
    let mut reader = TaildirReader::new(config(dir, "t\\.log", &[("skipToEnd", "true")])).unwrap();
    assert!(poll(&mut reader, false).is_empty());
    std::fs::write(dir.join("t.log"), "x\n").unwrap();
    assert_eq!(bodies(&poll(&mut reader, false)), vec!["x"]);
}

#[test]
fn uncommitted_batch_is_read_again_and_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    append(&dir.join("h.log"), "a\r\nb\n");
    let cfg = config(
        dir,
        "h\\.log",
        &[
            ("headers.g1.topic", "t1"),
            ("fileHeader", "true"),
            ("fileHeaderKey", "path"),
        ],
    );
    let mut reader = TaildirReader::new(cfg).unwrap();
    let inode = reader.update_tail_files(false).unwrap()[0];
    let first = reader.read_events(inode, 1, true).unwrap();
    let again = reader.read_events(inode, 5, true).unwrap();
    assert_eq!(bodies(&first), vec!["a"]);
    assert_eq!(bodies(&again), vec!["a", "b"]);
    assert_eq!(again[0].header("topic"), Some("t1"));
    assert!(again[0].header("path").unwrap().ends_with("/h.log"));
}

#[test]
fn gson_escaping_and_empty_listing() {
    let json = position_json([(1, 2, "/a b/x=y'<&>\"\\\u{1}")]);
    assert_eq!(
        json,
        r#"[{"inode":1,"pos":2,"file":"/a b/x\u003dy\u0027\u003c\u0026\u003e\"\\\u0001"}]"#
    );
    assert_eq!(
        parse_positions(&json).unwrap()[0].file,
        "/a b/x=y'<&>\"\\\u{1}"
    );
    assert_eq!(
        parse_positions(r#"[{"pos":"5","inode":"7","file":"f"}]"#).unwrap(),
        vec![PositionEntry {
            inode: 7,
            pos: 5,
            file: "f".into()
        }]
    );
    assert!(parse_positions(r#"[{"inode":7,"file":"f"}]"#).is_err());
    let tmp = tempfile::tempdir().unwrap();
    let reader = TaildirReader::new(config(tmp.path(), "none\\.log", &[])).unwrap();
    reader.write_positions().unwrap();
    let written = std::fs::read(tmp.path().join("state/taildir_position.json")).unwrap();
    assert!(
        written.is_empty(),
        "an empty listing writes an empty file, as Flume"
    );
}
