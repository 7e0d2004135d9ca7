//! The reader against channels written by Java Flume 1.9 (compat-fixtures/golden), against
//! channels written here in the same format (a model-based property test), and on garbage.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use prost::Message;

use super::*;

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-fixtures/golden/java-file-channel-1.9")
}

/// Extracts a golden archive; returns the channel's root (holding checkpoint/, data1/, data2/).
pub fn extract(state: &str, into: &Path) -> PathBuf {
    let archive = golden_dir().join(format!("{state}.tar.gz"));
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
    into.join(state)
}

/// `expected.jsonl` as (headers sorted, body) per line.
pub fn expected(state: &str) -> Vec<(Vec<(String, String)>, String)> {
    let text =
        std::fs::read_to_string(golden_dir().join(format!("{state}.expected.jsonl"))).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut h: Vec<(String, String)> = v["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            h.sort();
            (h, v["body"].as_str().unwrap().to_string())
        })
        .collect()
}

fn summary(e: &Event) -> (Vec<(String, String)>, String) {
    let mut h: Vec<(String, String)> = e
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    h.sort();
    (h, String::from_utf8(e.body.to_vec()).unwrap())
}

fn read_all(root: &Path) -> (JavaQueue, Vec<Event>) {
    let layout = JavaLayout::find(
        &root.join("checkpoint"),
        &[root.join("data1"), root.join("data2")],
    )
    .unwrap();
    let q = replay(&layout).unwrap();
    let src = EventSource::open(&layout).unwrap();
    let events = q.queue.iter().map(|p| src.get(*p).unwrap()).collect();
    (q, events)
}

#[test]
fn golden_channels_read_exactly_as_expected() {
    for (state, from_checkpoint) in [
        ("queued", true),
        ("partly-taken", true),
        ("killed-in-flight", true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = extract(state, tmp.path());
        let (q, events) = read_all(&root);
        assert_eq!(
            q.from_checkpoint, from_checkpoint,
            "{state}: {:?}",
            q.checkpoint_problem
        );
        assert!(q.damaged.is_empty(), "{state}: {:?}", q.damaged);
        let got: Vec<_> = events.iter().map(summary).collect();
        let want = expected(state);
        assert_eq!(got.len(), want.len(), "{state}");
        assert_eq!(got, want, "{state}");
    }
}

// ---- a writer of the same format, for synthetic channels ----

pub struct JavaLogWriter {
    pub path: PathBuf,
    pub id: i32,
    pub bytes: Vec<u8>,
}

pub fn delimited<M: Message>(m: &M, out: &mut Vec<u8>) {
    m.encode_length_delimited(out).unwrap();
}

impl JavaLogWriter {
    pub fn new(dir: &Path, id: i32) -> JavaLogWriter {
        std::fs::create_dir_all(dir).unwrap();
        JavaLogWriter {
            path: dir.join(format!("log-{id}")),
            id,
            bytes: Vec::new(),
        }
    }

    /// Appends a record; returns its offset.
    pub fn record(&mut self, ty: i32, tx: i64, woid: i64, body: &[u8]) -> i32 {
        let mut rec = Vec::new();
        delimited(
            &proto::TransactionEventHeader {
                r#type: ty,
                transaction_id: tx,
                write_order_id: woid,
            },
            &mut rec,
        );
        rec.extend_from_slice(body);
        delimited(&proto::TransactionEventFooter {}, &mut rec);
        let offset = self.bytes.len() as i32;
        self.bytes.push(OP_RECORD);
        self.bytes
            .extend_from_slice(&(rec.len() as i32).to_be_bytes());
        self.bytes.extend_from_slice(&rec);
        offset
    }

    pub fn put(&mut self, tx: i64, woid: i64, e: &Event) -> i32 {
        let mut b = Vec::new();
        delimited(
            &proto::Put {
                event: proto::FlumeEvent {
                    headers: e
                        .headers
                        .iter()
                        .map(|(k, v)| proto::FlumeEventHeader {
                            key: k.clone(),
                            value: Some(v.clone()),
                        })
                        .collect(),
                    body: e.body.to_vec(),
                },
                checksum: Some(crc32fast::hash(&e.body) as i64),
            },
            &mut b,
        );
        self.record(TYPE_PUT, tx, woid, &b)
    }

    pub fn take(&mut self, tx: i64, woid: i64, p: JavaPointer) {
        let mut b = Vec::new();
        delimited(
            &proto::Take {
                file_id: p.file,
                offset: p.offset,
            },
            &mut b,
        );
        self.record(TYPE_TAKE, tx, woid, &b);
    }

    pub fn commit(&mut self, tx: i64, woid: i64, of: i32) {
        let mut b = Vec::new();
        delimited(&proto::Commit { r#type: of }, &mut b);
        self.record(TYPE_COMMIT, tx, woid, &b);
    }

    pub fn rollback(&mut self, tx: i64, woid: i64) {
        let mut b = Vec::new();
        delimited(&proto::Rollback {}, &mut b);
        self.record(TYPE_ROLLBACK, tx, woid, &b);
    }

    /// Writes the log (with `fill` bytes of OP_EOF after it, as Java preallocates) and its meta.
    pub fn finish(&self, fill: usize) {
        let mut b = self.bytes.clone();
        b.extend(std::iter::repeat_n(OP_EOF, fill));
        std::fs::write(&self.path, b).unwrap();
        let mut meta = Vec::new();
        delimited(
            &proto::LogFileMetaData {
                version: 3,
                log_file_id: self.id,
                checkpoint_position: 0,
                checkpoint_write_order_id: 0,
                encryption: None,
                backup_checkpoint_position: None,
                backup_checkpoint_write_order_id: None,
            },
            &mut meta,
        );
        std::fs::write(format!("{}.meta", self.path.display()), meta).unwrap();
    }
}

fn event(n: u64, size: usize) -> Event {
    let mut e = Event::new(format!("e{n}-{}", "x".repeat(size)));
    e.headers.insert("n".into(), n.to_string());
    e
}

#[derive(Debug, Clone)]
pub enum Op {
    Put { n: usize, end: End },
    Take { n: usize, end: End },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    Commit,
    Rollback,
    /// Only as the last transaction: the writer died.
    Unfinished,
}

/// Writes `ops` as Java Flume would into two data directories (transactions alternate between
/// them), and returns what must be read back: the model's queue.
pub fn write_model(root: &Path, ops: &[Op]) -> Vec<String> {
    let mut logs = [
        JavaLogWriter::new(&root.join("data1"), 1),
        JavaLogWriter::new(&root.join("data2"), 2),
    ];
    std::fs::create_dir_all(root.join("checkpoint")).unwrap();
    let mut model: VecDeque<(JavaPointer, String)> = VecDeque::new();
    let mut woid = 100i64;
    let mut next_event = 0u64;
    for (i, op) in ops.iter().enumerate() {
        let tx = 1000 + i as i64;
        let w = &mut logs[i % 2];
        let end = match op {
            Op::Put { end, .. } | Op::Take { end, .. } => *end,
        };
        let end = if end == End::Unfinished && i + 1 < ops.len() {
            End::Rollback
        } else {
            end
        };
        match op {
            Op::Put { n, .. } => {
                let mut added = Vec::new();
                for _ in 0..*n {
                    let e = event(next_event, (next_event % 5) as usize * 7);
                    next_event += 1;
                    woid += 1;
                    let off = w.put(tx, woid, &e);
                    added.push((
                        JavaPointer {
                            file: w.id,
                            offset: off,
                        },
                        String::from_utf8(e.body.to_vec()).unwrap(),
                    ));
                }
                woid += 1;
                match end {
                    End::Commit => {
                        w.commit(tx, woid, TYPE_PUT);
                        model.extend(added);
                    }
                    End::Rollback => w.rollback(tx, woid),
                    End::Unfinished => {}
                }
            }
            Op::Take { n, .. } => {
                let n = (*n).min(model.len());
                for (p, _) in model.iter().take(n) {
                    woid += 1;
                    w.take(tx, woid, *p);
                }
                woid += 1;
                match end {
                    End::Commit => {
                        w.commit(tx, woid, TYPE_TAKE);
                        model.drain(..n);
                    }
                    End::Rollback => w.rollback(tx, woid),
                    End::Unfinished => {}
                }
            }
        }
    }
    for w in &logs {
        w.finish(64);
    }
    model.into_iter().map(|(_, b)| b).collect()
}

fn bodies_of(root: &Path) -> Vec<String> {
    let (_, events) = read_all(root);
    events
        .iter()
        .map(|e| String::from_utf8(e.body.to_vec()).unwrap())
        .collect()
}

fn op_strategy() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let end = prop_oneof![
        6 => Just(End::Commit),
        2 => Just(End::Rollback),
        1 => Just(End::Unfinished)
    ];
    (any::<bool>(), 1usize..6, end).prop_map(|(put, n, end)| {
        if put {
            Op::Put { n, end }
        } else {
            Op::Take { n, end }
        }
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Committed puts minus committed takes, in order, whatever the mix of rolled-back and
    /// unfinished transactions.
    #[test]
    fn replay_matches_the_model(ops in proptest::collection::vec(op_strategy(), 0..30)) {
        let tmp = tempfile::tempdir().unwrap();
        let want = write_model(tmp.path(), &ops);
        proptest::prop_assert_eq!(bodies_of(tmp.path()), want);
    }

    /// A torn tail (the log cut anywhere): every transaction committed before the cut is
    /// there, nothing after it, and no panic.
    #[test]
    fn torn_tail_keeps_what_was_committed_before_it(ops in proptest::collection::vec(op_strategy(), 1..20), cut in 0usize..4000) {
        let tmp = tempfile::tempdir().unwrap();
        write_model(tmp.path(), &ops);
        let log = tmp.path().join("data1/log-1");
        let mut bytes = std::fs::read(&log).unwrap();
        bytes.truncate(cut.min(bytes.len()));
        std::fs::write(&log, &bytes).unwrap();
        let layout = JavaLayout::find(&tmp.path().join("checkpoint"), &[tmp.path().join("data1"), tmp.path().join("data2")]).unwrap();
        let q = replay(&layout).unwrap();
        let src = EventSource::open(&layout).unwrap();
        for p in q.queue {
            src.get(p).unwrap();
        }
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let _ = decode_record(&bytes);
        let _ = parse_inflights(&bytes);
        let tmp = tempfile::tempdir().unwrap();
        let w = JavaLogWriter::new(&tmp.path().join("data1"), 1);
        w.finish(0);
        std::fs::write(&w.path, &bytes).unwrap();
        std::fs::create_dir_all(tmp.path().join("checkpoint")).unwrap();
        std::fs::write(tmp.path().join("checkpoint/checkpoint.meta"), &bytes).unwrap();
        let mut ck = vec![0u8; 8 * 1031];
        ck[7] = 3;
        let n = bytes.len().min(ck.len() - 40);
        ck[40..40 + n].copy_from_slice(&bytes[..n]);
        std::fs::write(tmp.path().join("checkpoint/checkpoint"), &ck).unwrap();
        let layout = JavaLayout::find(&tmp.path().join("checkpoint"), &[tmp.path().join("data1")]).unwrap();
        if let Ok(q) = replay(&layout) {
            let src = EventSource::open(&layout).unwrap();
            for p in q.queue {
                let _ = src.get(p);
            }
        }
    }
}

#[test]
fn huge_lengths_are_refused_before_allocating() {
    let tmp = tempfile::tempdir().unwrap();
    let w = JavaLogWriter::new(&tmp.path().join("data1"), 1);
    w.finish(0);
    let mut bytes = vec![OP_RECORD];
    bytes.extend_from_slice(&i32::MAX.to_be_bytes());
    bytes.extend_from_slice(&[0; 16]);
    std::fs::write(&w.path, &bytes).unwrap();
    let mut r = LogReader::open(&w.path, 1, 0).unwrap();
    assert!(r.next_record().is_none());
    let (at, why) = r.damage.unwrap();
    assert_eq!(at, 0);
    assert!(why.contains("runs past the end"), "{why}");
}

#[test]
fn encrypted_channel_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let w = JavaLogWriter::new(&tmp.path().join("data1"), 1);
    w.finish(0);
    let mut meta = Vec::new();
    delimited(
        &proto::LogFileMetaData {
            version: 3,
            log_file_id: 1,
            checkpoint_position: 0,
            checkpoint_write_order_id: 0,
            encryption: Some(proto::LogFileEncryption {
                cipher_provider: "AESCTRNOPADDING".into(),
                key_alias: "key-0".into(),
                parameters: Some(vec![1, 2, 3]),
            }),
            backup_checkpoint_position: None,
            backup_checkpoint_write_order_id: None,
        },
        &mut meta,
    );
    std::fs::write(tmp.path().join("data1/log-1.meta"), meta).unwrap();
    let layout =
        JavaLayout::find(&tmp.path().join("checkpoint"), &[tmp.path().join("data1")]).unwrap();
    let err = replay(&layout).unwrap_err();
    assert!(
        err.contains("is encrypted") && err.contains("log-1"),
        "{err}"
    );
}

#[test]
fn inflight_files_are_checked() {
    let mut body = Vec::new();
    for v in [7i64, 2, (3i64 << 32) | 10, (3i64 << 32) | 20, 0, 0] {
        body.extend_from_slice(&v.to_be_bytes());
    }
    let mut file = Md5::digest(&body).to_vec();
    file.extend_from_slice(&body);
    let parsed = parse_inflights(&file).unwrap();
    assert_eq!(
        parsed,
        vec![(
            7,
            vec![
                JavaPointer {
                    file: 3,
                    offset: 10
                },
                JavaPointer {
                    file: 3,
                    offset: 20
                }
            ]
        )]
    );
    file[20] ^= 1;
    assert!(parse_inflights(&file).unwrap_err().contains("checksum"));
    // What Java writes for no transaction in flight.
    let golden = std::fs::read(extract_once().join("checkpoint/inflighttakes")).unwrap();
    assert!(parse_inflights(&golden).unwrap().is_empty());
}

fn extract_once() -> PathBuf {
    let tmp = tempfile::tempdir().unwrap().keep();
    extract("queued", &tmp)
}
