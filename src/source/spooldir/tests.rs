//! Reader-level tests: the LINE deserializer and spooldir cases of
//! `compat-fixtures/vectors/serializers_and_readers.json`, Flume's tracker file (golden), the
//! completion checks, and the AVRO deserializer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::deserializer::{Deserializer, DeserializerKind, ResettableFile};
use super::tracker::{self, PositionTracker};
use super::*;
use crate::vectors::{Case, Outcome};

fn ctx(pairs: &[(&str, &str)]) -> Context {
    Context::from_pairs("a1.sources.r1.", pairs.iter().copied())
}

fn config(dir: &Path, extra: &[(&str, &str)]) -> Arc<SpoolConfig> {
    let dir = dir.to_string_lossy().into_owned();
    let mut pairs = vec![("spoolDir", dir.as_str())];
    pairs.extend_from_slice(extra);
    Arc::new(SpoolConfig::from_context(&ctx(&pairs)).unwrap())
}

/// Everything the reader yields, committing every batch.
fn drain(reader: &mut SpoolReader, batch: usize) -> Vec<Event> {
    let mut out = Vec::new();
    loop {
        let events = reader.read_events(batch).unwrap();
        if events.is_empty() {
            return out;
        }
        reader.commit().unwrap();
        out.extend(events);
    }
}

fn bodies(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| String::from_utf8_lossy(&e.body).into_owned())
        .collect()
}

/// A LINE deserializer over `bytes` with a fresh tracker.
fn line_deserializer(dir: &Path, bytes: &[u8], extra: &[(&str, &str)]) -> Box<dyn Deserializer> {
    let file = dir.join("input");
    std::fs::write(&file, bytes).unwrap();
    let meta = dir.join("meta");
    let _ = std::fs::remove_file(&meta);
    let tracker = PositionTracker::open(&meta, &file.to_string_lossy()).unwrap();
    let reader = ResettableFile::open(file, tracker).unwrap();
    let kind = DeserializerKind::from_context(&ctx(extra)).unwrap();
    let policy = ctx(extra)
        .get("decodeErrorPolicy")
        .and_then(DecodeErrorPolicy::parse)
        .unwrap_or(DecodeErrorPolicy::Fail);
    kind.build(reader, &JavaCharset::Utf8, policy).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The line-deserializer and spooling-reader cases of `serializers_and_readers.json`.
pub(crate) fn check_reader(case: &Case) -> Outcome {
    let id = case.id;
    let case = case.value;
    {
        if !(id.starts_with("des-line") || id.starts_with("spool-")) {
            return Outcome::NotMine;
        }
        let tmp = tempfile::tempdir().unwrap();
        let input = &case["input"];
        let expected = &case["expected"];
        match id {
            "des-line-batch" => {
                let mut d = line_deserializer(
                    tmp.path(),
                    input["file_text"].as_str().unwrap().as_bytes(),
                    &[],
                );
                let mut batches = Vec::new();
                for n in input["reads"].as_array().unwrap() {
                    batches.push(bodies(
                        &d.read_events(n.as_u64().unwrap() as usize).unwrap(),
                    ));
                }
                let want: Vec<Vec<String>> = expected["batches"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(strings)
                    .collect();
                assert_eq!(batches, want, "{id}");
            }
            "des-line-reset-redelivers" => {
                let mut d = line_deserializer(
                    tmp.path(),
                    input["file_text"].as_str().unwrap().as_bytes(),
                    &[],
                );
                let mut reads = Vec::new();
                for op in strings(&input["ops"]) {
                    match op.as_str() {
                        "read" => reads.extend(bodies(&d.read_events(1).unwrap())),
                        "mark" => d.mark().unwrap(),
                        "reset" => d.reset().unwrap(),
                        other => panic!("{id}: unknown op {other}"),
                    }
                }
                assert_eq!(reads, strings(&expected["reads"]), "{id}");
            }
            "des-line-derived-crlf" | "spool-derived-empty-file-one-empty-event" => {
                let spool = tmp.path().join("spool");
                std::fs::create_dir(&spool).unwrap();
                std::fs::write(spool.join("f.log"), input["file_text"].as_str().unwrap()).unwrap();
                let mut reader = SpoolReader::new(config(&spool, &[])).unwrap();
                let events = drain(&mut reader, 10);
                assert_eq!(bodies(&events), strings(&expected["events"]), "{id}");
                assert!(spool.join("f.log.COMPLETED").exists(), "{id}: completed");
            }
            "spool-derived-headers" => {
                // Adapted: the file lives under a temporary spool directory instead of /spool.
                let spool = tmp.path().join("spool");
                let file: PathBuf = input["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("/spool/")
                    .into();
                std::fs::create_dir_all(spool.join(file.parent().unwrap())).unwrap();
                std::fs::write(spool.join(&file), "x\n").unwrap();
                let mut reader = SpoolReader::new(config(
                    &spool,
                    &[
                        ("fileHeader", "true"),
                        ("basenameHeader", "true"),
                        ("recursiveDirectorySearch", "true"),
                    ],
                ))
                .unwrap();
                let events = drain(&mut reader, 10);
                let abs = spool.join(&file).to_string_lossy().into_owned();
                assert_eq!(events[0].header("file"), Some(abs.as_str()), "{id}");
                assert_eq!(
                    events[0].header("basename"),
                    expected["headers"]["basename"].as_str(),
                    "{id}"
                );
            }
            _ => return Outcome::NotMine,
        }
        Outcome::Pass
    }
}

#[test]
fn line_of_exactly_max_length_adds_an_empty_event() {
    let tmp = tempfile::tempdir().unwrap();
    let extra = [("deserializer.maxLineLength", "5")];
    let mut d = line_deserializer(tmp.path(), b"abcde\nabcdefghijkl\nxy", &extra);
    let got = bodies(&d.read_events(100).unwrap());
    assert_eq!(got, vec!["abcde", "", "abcde", "fghij", "kl", "xy"]);
    // The legacy key does the same for LINE.
    let extra = [("bufferMaxLineLength", "3")];
    let mut d = line_deserializer(tmp.path(), b"abcd\n", &extra);
    assert_eq!(bodies(&d.read_events(100).unwrap()), vec!["abc", "d"]);
}

#[test]
fn max_length_counts_utf16_units() {
    let tmp = tempfile::tempdir().unwrap();
    let extra = [("deserializer.maxLineLength", "3")];
    let mut d = line_deserializer(tmp.path(), "éé😀x\n".as_bytes(), &extra);
    // é é are 2 units; the emoji's high surrogate ends the first line (written as '?'), its low
    // surrogate starts the second.
    assert_eq!(bodies(&d.read_events(100).unwrap()), vec!["éé?", "?x"]);
}

#[test]
fn decode_error_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let input = b"a\xed\xa0\x80b\n\xc0\xafc\n";
    let mut d = line_deserializer(tmp.path(), input, &[("decodeErrorPolicy", "REPLACE")]);
    assert_eq!(
        bodies(&d.read_events(10).unwrap()),
        vec!["a\u{fffd}b", "\u{fffd}\u{fffd}c"]
    );
    let mut d = line_deserializer(tmp.path(), input, &[("decodeErrorPolicy", "IGNORE")]);
    assert_eq!(bodies(&d.read_events(10).unwrap()), vec!["ab", "c"]);
    let mut d = line_deserializer(tmp.path(), input, &[]);
    let err = d.read_events(10).unwrap_err();
    assert!(
        err.to_string()
            .contains("MalformedInputException: Input length = 3 at byte 1"),
        "{err}"
    );
}

fn golden_meta() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/compat-fixtures/golden/spooldir-taildir/flumespool-main.meta"
    );
    std::fs::read(path).expect("golden flumespool-main.meta")
}

/// The golden file with its `file` metadata pointing elsewhere; every other byte (sync marker,
/// blocks) is Java's.
pub(crate) fn transplant_meta(golden: &[u8], target: &str) -> Vec<u8> {
    let old = tracker::parse(golden).unwrap().target;
    let mut old_entry = b"\x08file".to_vec();
    tracker::write_long(&mut old_entry, old.len() as i64);
    old_entry.extend_from_slice(old.as_bytes());
    let mut new_entry = b"\x08file".to_vec();
    tracker::write_long(&mut new_entry, target.len() as i64);
    new_entry.extend_from_slice(target.as_bytes());
    let at = golden
        .windows(old_entry.len())
        .position(|w| w == old_entry)
        .unwrap();
    let mut out = golden[..at].to_vec();
    out.extend_from_slice(&new_entry);
    out.extend_from_slice(&golden[at + old_entry.len()..]);
    out
}

#[test]
fn golden_meta_is_read_by_us_and_by_apache_avro() {
    let golden = golden_meta();
    let meta = tracker::parse(&golden).unwrap();
    assert_eq!(meta.target, "/tmp/golden/run_st/spool/big.log");
    assert_eq!(meta.position, Some(3100));
    // Independent reader: the records are 310, 620, …, 3100.
    let reader = apache_avro::Reader::new(&golden[..]).unwrap();
    assert_eq!(
        reader.writer_schema().name().map(|n| n.fullname(None)),
        Some("org.apache.flume.serialization.TransferStateFileMeta".to_string())
    );
    let offsets: Vec<i64> = reader
        .map(|r| match r.unwrap() {
            apache_avro::types::Value::Record(fields) => match &fields[0].1 {
                apache_avro::types::Value::Long(v) => *v,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(offsets, (1..=10).map(|i| i * 310).collect::<Vec<_>>());
    // Our header for the same target is byte-identical to Java's, up to the random sync.
    let ours = tracker::header(&meta.target, &meta.sync);
    assert_eq!(&golden[..ours.len()], &ours[..]);
}

fn big_log() -> String {
    (0..1000)
        .map(|i| format!("line {i:05} of the spooled file\n"))
        .collect()
}

#[test]
fn resumes_from_a_java_tracker_mid_file() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir_all(spool.join(".flumespool")).unwrap();
    std::fs::write(spool.join("big.log"), big_log()).unwrap();
    let target = spool.join("big.log").to_string_lossy().into_owned();
    let meta_path = spool.join(".flumespool").join(tracker::META_FILE_NAME);
    std::fs::write(&meta_path, transplant_meta(&golden_meta(), &target)).unwrap();

    let mut reader = SpoolReader::new(config(&spool, &[("batchSize", "10")])).unwrap();
    let first = reader.read_events(10).unwrap();
    assert_eq!(bodies(&first)[0], "line 00100 of the spooled file");
    reader.commit().unwrap();
    // Our appended record is readable by an independent Avro reader.
    let bytes = std::fs::read(&meta_path).unwrap();
    let records = apache_avro::Reader::new(&bytes[..]).unwrap().count();
    assert_eq!(records, 2, "compacted Java record + our record");
    assert_eq!(tracker::parse(&bytes).unwrap().position, Some(3410));
    let rest = drain(&mut reader, 10);
    let all: Vec<String> = bodies(&first).into_iter().chain(bodies(&rest)).collect();
    let want: Vec<String> = (100..1000)
        .map(|i| format!("line {i:05} of the spooled file"))
        .collect();
    assert_eq!(all, want);
    assert!(spool.join("big.log.COMPLETED").exists());
    assert!(
        !meta_path.exists(),
        "the meta file is deleted on completion"
    );
}

#[test]
fn uncommitted_batch_is_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("a"), "1\n2\n3\n").unwrap();
    let mut reader = SpoolReader::new(config(&spool, &[])).unwrap();
    assert_eq!(bodies(&reader.read_events(2).unwrap()), vec!["1", "2"]);
    assert_eq!(bodies(&reader.read_events(2).unwrap()), vec!["1", "2"]);
    reader.commit().unwrap();
    assert_eq!(bodies(&drain(&mut reader, 2)), vec!["3"]);
}

#[test]
fn empty_file_event_is_redelivered_after_a_failed_put() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("empty"), "").unwrap();
    let mut reader = SpoolReader::new(config(&spool, &[])).unwrap();
    assert_eq!(bodies(&reader.read_events(5).unwrap()), vec![""]);
    assert_eq!(bodies(&reader.read_events(5).unwrap()), vec![""]);
    reader.commit().unwrap();
    assert!(reader.read_events(5).unwrap().is_empty());
    assert!(spool.join("empty.COMPLETED").exists());
}

#[test]
fn order_patterns_and_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir_all(spool.join("sub")).unwrap();
    std::fs::create_dir_all(spool.join(".hidden")).unwrap();
    let set_mtime = |p: &Path, secs: u64| {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    };
    for (name, body, t) in [
        ("b.log", "b\n", 100),
        ("a.log", "a\n", 100),
        ("c.log", "c\n", 50),
        ("skip.tmp", "tmp\n", 10),
        ("sub/d.log", "d\n", 200),
        (".hidden/e.log", "e\n", 1),
    ] {
        let p = spool.join(name);
        std::fs::write(&p, body).unwrap();
        set_mtime(&p, t);
    }
    let cfg = config(
        &spool,
        &[
            ("ignorePattern", ".*\\.tmp"),
            ("recursiveDirectorySearch", "true"),
            ("deletePolicy", "immediate"),
        ],
    );
    let mut reader = SpoolReader::new(cfg).unwrap();
    assert_eq!(bodies(&drain(&mut reader, 10)), vec!["c", "a", "b", "d"]);
    assert!(!spool.join("a.log").exists() && !spool.join("a.log.COMPLETED").exists());
    assert!(spool.join("skip.tmp").exists() && spool.join(".hidden/e.log").exists());

    // Youngest first, tracker-directory markers instead of renames.
    let spool2 = tmp.path().join("spool2");
    std::fs::create_dir(&spool2).unwrap();
    for (name, t) in [("x", 10), ("y", 20)] {
        let p = spool2.join(name);
        std::fs::write(&p, format!("{name}\n")).unwrap();
        set_mtime(&p, t);
    }
    let cfg = config(
        &spool2,
        &[
            ("consumeOrder", "youngest"),
            ("trackingPolicy", "tracker_dir"),
        ],
    );
    let mut reader = SpoolReader::new(Arc::clone(&cfg)).unwrap();
    assert_eq!(bodies(&drain(&mut reader, 10)), vec!["y", "x"]);
    assert!(spool2.join(".flumespool/x.COMPLETED").exists());
    assert!(spool2.join("x").exists());
    // Marked files are not read again.
    let mut reader = SpoolReader::new(cfg).unwrap();
    assert!(drain(&mut reader, 10).is_empty());
}

#[test]
fn modified_and_reused_files_are_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("f"), "1\n").unwrap();
    let mut reader = SpoolReader::new(config(&spool, &[])).unwrap();
    reader.read_events(10).unwrap();
    reader.commit().unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(spool.join("f"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"2\n"))
        .unwrap();
    let err = reader.read_events(10).unwrap_err().to_string();
    assert!(err.contains("since being read"), "{err}");

    let spool = tmp.path().join("spool2");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("g"), "1\n").unwrap();
    std::fs::write(spool.join("g.COMPLETED"), "old\n").unwrap();
    let mut reader = SpoolReader::new(config(&spool, &[])).unwrap();
    reader.read_events(10).unwrap();
    reader.commit().unwrap();
    let err = reader.read_events(10).unwrap_err().to_string();
    assert!(
        err.contains("File name has been re-used with different files"),
        "{err}"
    );
}

#[test]
fn start_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let err = SpoolReader::new(config(&missing, &[]))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("Directory does not exist"), "{err}");
    let cfg = SpoolConfig::from_context(&ctx(&[("spoolDir", "/x"), ("deletePolicy", "later")]));
    assert!(cfg.is_err());
    assert_eq!(java_file_path("/a//b/"), "/a/b");
}

fn avro_container(blocks: &[&[i64]]) -> (Vec<u8>, apache_avro::Schema) {
    let schema = apache_avro::Schema::parse_str(
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"long"},{"name":"tags","type":{"type":"map","values":"string"}},{"name":"o","type":["null","string"]}]}"#,
    )
    .unwrap();
    let mut writer = apache_avro::Writer::new(&schema, Vec::new()).unwrap();
    for block in blocks {
        for n in *block {
            let mut r = apache_avro::types::Record::new(&schema).unwrap();
            r.put("n", *n);
            r.put(
                "tags",
                apache_avro::types::Value::Map(
                    [(
                        "k".to_string(),
                        apache_avro::types::Value::String(n.to_string()),
                    )]
                    .into(),
                ),
            );
            r.put(
                "o",
                apache_avro::types::Value::Union(
                    1,
                    Box::new(apache_avro::types::Value::String("x".into())),
                ),
            );
            writer.append_value(r).unwrap();
        }
        writer.flush().unwrap();
    }
    (writer.into_inner().unwrap(), schema)
}

#[test]
fn avro_deserializer_reads_records_and_resets_to_the_block() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let (bytes, schema) = avro_container(&[&[1, 2, 3], &[4, 5]]);
    std::fs::write(spool.join("data.avro"), &bytes).unwrap();
    let mut reader = SpoolReader::new(config(&spool, &[("deserializer", "AVRO")])).unwrap();
    let first = reader.read_events(2).unwrap();
    assert_eq!(first.len(), 2);
    reader.commit().unwrap();
    // The mark is the start of the block holding the next record: after a failed put the
    // whole block is read again, committed records included (Flume's behaviour).
    let second = reader.read_events(2).unwrap();
    let again = reader.read_events(2).unwrap();
    assert_eq!(again, first);
    let decode = |e: &Event| {
        let v = apache_avro::reader::datum::GenericDatumReader::builder(&schema)
            .build()
            .unwrap()
            .read_value(&mut &e.body[..])
            .unwrap();
        match v {
            apache_avro::types::Value::Record(f) => match f[0].1 {
                apache_avro::types::Value::Long(n) => n,
                _ => panic!(),
            },
            _ => panic!(),
        }
    };
    assert_eq!(first.iter().map(decode).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(second.iter().map(decode).collect::<Vec<_>>(), vec![3, 4]);
    let fp = schema.fingerprint::<apache_avro::rabin::Rabin>();
    let hex: String = fp.bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(first[0].header(avro::HEADER_HASH), Some(hex.as_str()));
    reader.commit().unwrap();
    let rest = drain(&mut reader, 10);
    assert_eq!(rest.iter().map(decode).collect::<Vec<_>>(), vec![3, 4, 5]);
}

/// Flume's LINE rules for ASCII text: lines end at `\n`; a line is cut into `max`-character
/// pieces; a line whose length is a non-zero multiple of `max` and that ends with `\n` leaves
/// that `\n` for an extra empty event.
fn line_model(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut segments: Vec<&str> = text.split('\n').collect();
    let ends_with_nl = text.ends_with('\n');
    if ends_with_nl || text.is_empty() {
        segments.pop();
    }
    let n = segments.len();
    for (i, line) in segments.into_iter().enumerate() {
        let terminated = i + 1 < n || ends_with_nl;
        let bytes = line.as_bytes();
        if bytes.is_empty() {
            out.push(String::new());
            continue;
        }
        for chunk in bytes.chunks(max) {
            out.push(String::from_utf8(chunk.to_vec()).unwrap());
        }
        if terminated && bytes.len() % max == 0 {
            out.push(String::new());
        }
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn line_deserializer_follows_the_model(text in "[a-c\n\r]{0,60}", max in 1usize..8, batch in 1usize..5) {
        let tmp = tempfile::tempdir().unwrap();
        let max_s = max.to_string();
        let extra = [("deserializer.maxLineLength", max_s.as_str())];
        let mut d = line_deserializer(tmp.path(), text.as_bytes(), &extra);
        let mut got = Vec::new();
        loop {
            let events = d.read_events(batch).unwrap();
            if events.is_empty() {
                break;
            }
            // Every other batch fails once and is read again from the mark.
            if got.len() % 2 == 1 {
                d.reset().unwrap();
                let again = d.read_events(batch).unwrap();
                proptest::prop_assert_eq!(&again, &events);
            }
            d.mark().unwrap();
            got.extend(bodies(&events));
        }
        proptest::prop_assert_eq!(got, line_model(&text, max));
    }
}

#[test]
fn blob_deserializer_cuts_at_max_blob_length() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("blob.bin"), b"0123456789\n\x00\xff").unwrap();
    let cfg = config(
        &spool,
        &[
            (
                "deserializer",
                "org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder",
            ),
            ("deserializer.maxBlobLength", "5"),
        ],
    );
    let mut reader = SpoolReader::new(cfg).unwrap();
    let events = drain(&mut reader, 2);
    let blobs: Vec<&[u8]> = events.iter().map(|e| &e.body[..]).collect();
    assert_eq!(blobs, vec![&b"01234"[..], b"56789", b"\n\x00\xff"]);
    assert!(spool.join("blob.bin.COMPLETED").exists());
}

/// A container header whose metadata says `len` bytes follow (20 bytes in all).
fn avro_header_claiming(len: i64) -> Vec<u8> {
    let mut b = b"Obj\x01".to_vec();
    tracker::write_long(&mut b, 1);
    tracker::write_long(&mut b, len);
    b.extend_from_slice(b"avro.schema");
    b
}

#[test]
fn avro_lengths_from_the_file_are_bounded_by_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.avro");
    for len in [i64::MAX, 1 << 40, 1 << 31, 100] {
        std::fs::write(&path, avro_header_claiming(len)).unwrap();
        let err = avro::read_file_events(&path, tmp.path(), 10)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("runs past the end of the file"),
            "{len}: {err}"
        );
        assert!(err.contains("bad.avro"), "{err}");
    }
    // A metadata block count of i64::MIN (negative: a byte size follows) cannot be negated.
    let mut b = b"Obj\x01".to_vec();
    tracker::write_long(&mut b, i64::MIN);
    tracker::write_long(&mut b, 0);
    std::fs::write(&path, &b).unwrap();
    let err = avro::read_file_events(&path, tmp.path(), 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad metadata block count"), "{err}");
}

#[test]
fn avro_block_lengths_and_counts_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("d.avro");
    let (good, _) = avro_container(&[&[1, 2]]);
    // The header ends with the 16-byte sync marker; the first block follows.
    let sync = &good[good.len() - 16..];
    let header_end = good.windows(16).position(|w| w == sync).unwrap() + 16;
    for (count, size) in [(1i64, 1i64 << 40), (i64::MAX, 4), (2, i64::MIN)] {
        let mut b = good[..header_end].to_vec();
        tracker::write_long(&mut b, count);
        tracker::write_long(&mut b, size);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(sync);
        std::fs::write(&path, &b).unwrap();
        let err = avro::read_file_events(&path, tmp.path(), 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("d.avro"), "{err}");
    }
    // An array of nulls claiming 2^62 items in a 12-byte datum.
    let schema = r#"{"type":"array","items":"null"}"#;
    let mut b = b"Obj\x01".to_vec();
    tracker::write_long(&mut b, 1);
    tracker::write_long(&mut b, 11);
    b.extend_from_slice(b"avro.schema");
    tracker::write_long(&mut b, schema.len() as i64);
    b.extend_from_slice(schema.as_bytes());
    tracker::write_long(&mut b, 0);
    b.extend_from_slice(&[7; 16]);
    let mut datum = Vec::new();
    tracker::write_long(&mut datum, 1 << 62);
    datum.push(0);
    tracker::write_long(&mut b, 1);
    tracker::write_long(&mut b, datum.len() as i64);
    b.extend_from_slice(&datum);
    b.extend_from_slice(&[7; 16]);
    std::fs::write(&path, &b).unwrap();
    let err = avro::read_file_events(&path, tmp.path(), 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("items"), "{err}");
}

/// A damaged file in the spooling directory: the source logs it, leaves it where it is (it was
/// not consumed, so it is neither renamed nor deleted) and goes on with the other files.
#[test]
fn bad_avro_file_is_left_in_place_and_others_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("a-bad.avro"), avro_header_claiming(1 << 40)).unwrap();
    let (good, _) = avro_container(&[&[1, 2, 3]]);
    std::fs::write(spool.join("b-good.avro"), &good).unwrap();
    let mut reader = SpoolReader::new(config(
        &spool,
        &[("deserializer", "AVRO"), ("consumeOrder", "random")],
    ))
    .unwrap();
    let mut got = 0;
    for _ in 0..20 {
        let events = reader.read_events(10).unwrap();
        got += events.len();
        reader.commit().unwrap();
        if got == 3 && spool.join("b-good.avro.COMPLETED").exists() {
            break;
        }
    }
    assert_eq!(got, 3);
    assert!(spool.join("b-good.avro.COMPLETED").exists());
    assert!(spool.join("a-bad.avro").exists());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Any bytes after the magic, and any damage to a valid file: an error or events, never a
    /// panic or an allocation beyond the file's size.
    #[test]
    fn avro_reader_never_panics_on_damage(
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        flips in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>()), 0..6),
        cut in 0usize..4096,
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f.avro");
        let mut b = b"Obj\x01".to_vec();
        b.extend_from_slice(&tail);
        std::fs::write(&path, &b).unwrap();
        let _ = avro::read_file_events(&path, tmp.path(), 1000);
        let (mut good, _) = avro_container(&[&[1, 2, 3], &[4, 5]]);
        for (at, x) in flips {
            let n = good.len();
            good[at % n] ^= x;
        }
        good.truncate(cut.max(4));
        std::fs::write(&path, &good).unwrap();
        let _ = std::fs::remove_file(tmp.path().join("avro-read.meta"));
        if let Ok(events) = avro::read_file_events(&path, tmp.path(), 1000) {
            proptest::prop_assert!(events.len() <= 5 + (1 << 20));
        }
    }

    /// Undamaged files give back every record, in order.
    #[test]
    fn avro_reader_reads_every_record(blocks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<i64>(), 0..5), 0..4)) {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f.avro");
        let refs: Vec<&[i64]> = blocks.iter().map(|b| b.as_slice()).collect();
        let (bytes, schema) = avro_container(&refs);
        std::fs::write(&path, &bytes).unwrap();
        let events = avro::read_file_events(&path, tmp.path(), 1000).unwrap();
        let got: Vec<i64> = events.iter().map(|e| {
            match apache_avro::reader::datum::GenericDatumReader::builder(&schema).build().unwrap().read_value(&mut &e.body[..]).unwrap() {
                apache_avro::types::Value::Record(f) => match f[0].1 { apache_avro::types::Value::Long(n) => n, _ => panic!() },
                _ => panic!(),
            }
        }).collect();
        let want: Vec<i64> = blocks.concat();
        proptest::prop_assert_eq!(got, want);
    }
}
