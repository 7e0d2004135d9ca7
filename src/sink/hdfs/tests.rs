//! The sink end to end over a memory channel and local files, with injected storage failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use super::HdfsSink;
use super::config::HdfsSinkConfig;
use crate::channel::memory::MemoryChannel;
use crate::channel::{Channel, ChannelRef};
use crate::component::Status;
use crate::config::Context;
use crate::config::hadoop::HadoopConf;
use crate::event::Event;
use crate::sink::{Sink, SinkError};
use crate::storage::local::LocalFileSystem;
use crate::storage::{Entry, FileSystem, OutputFile, Storage, StorageError};
use crate::vectors::{Case, Outcome};

/// Switches that make the local file system fail or hang.
#[derive(Default)]
struct Faults {
    create: AtomicBool,
    write: AtomicBool,
    close: AtomicU32,
    rename: AtomicBool,
    hang_write: AtomicBool,
}

struct FaultyFs {
    faults: Arc<Faults>,
}

fn injected(path: &str, what: &str) -> StorageError {
    StorageError::io(
        path,
        std::io::Error::other(format!("injected {what} failure")),
    )
}

#[async_trait]
impl FileSystem for FaultyFs {
    async fn create(&self, path: &str) -> Result<Box<dyn OutputFile>, StorageError> {
        if self.faults.create.load(Ordering::SeqCst) {
            return Err(injected(path, "create"));
        }
        let inner = LocalFileSystem.create(path).await?;
        Ok(Box::new(FaultyFile {
            path: path.to_string(),
            inner,
            faults: Arc::clone(&self.faults),
        }))
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        if self.faults.rename.load(Ordering::SeqCst) {
            return Err(injected(from, "rename"));
        }
        LocalFileSystem.rename(from, to).await
    }

    async fn exists(&self, path: &str) -> Result<bool, StorageError> {
        LocalFileSystem.exists(path).await
    }

    async fn list(&self, dir: &str) -> Result<Vec<Entry>, StorageError> {
        LocalFileSystem.list(dir).await
    }
}

struct FaultyFile {
    path: String,
    inner: Box<dyn OutputFile>,
    faults: Arc<Faults>,
}

#[async_trait]
impl OutputFile for FaultyFile {
    async fn write(&mut self, data: Bytes) -> Result<(), StorageError> {
        if self.faults.hang_write.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self.faults.write.load(Ordering::SeqCst) {
            return Err(injected(&self.path, "write"));
        }
        self.inner.write(data).await
    }

    async fn hflush(&mut self) -> Result<(), StorageError> {
        self.inner.hflush().await
    }

    async fn close(&mut self) -> Result<(), StorageError> {
        if self.faults.close.load(Ordering::SeqCst) > 0 {
            self.faults.close.fetch_sub(1, Ordering::SeqCst);
            return Err(injected(&self.path, "close"));
        }
        self.inner.close().await
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    channel: Arc<MemoryChannel>,
    sink: HdfsSink,
    faults: Arc<Faults>,
}

fn fixture(pairs: &[(&str, &str)]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = format!("file://{}/out", dir.path().display());
    let mut all: Vec<(String, String)> = vec![
        ("hdfs.path".into(), path),
        ("hdfs.fileType".into(), "DataStream".into()),
        ("hdfs.rollInterval".into(), "0".into()),
        ("hdfs.rollSize".into(), "0".into()),
        ("hdfs.rollCount".into(), "0".into()),
        ("hdfs.timeZone".into(), "UTC".into()),
    ];
    // `{dir}` in a value is the test's directory.
    let root = dir.path().display().to_string();
    for (k, v) in pairs {
        all.retain(|(key, _)| key != k);
        all.push((k.to_string(), v.replace("{dir}", &root)));
    }
    let config =
        HdfsSinkConfig::from_context(&Context::from_pairs("a1.sinks.k1.", all), None).unwrap();
    let channel = Arc::new(
        MemoryChannel::from_context(
            "c1",
            &Context::from_pairs(
                "a1.channels.c1.",
                [("capacity", "100000"), ("transactionCapacity", "10000")],
            ),
        )
        .unwrap(),
    );
    let faults = Arc::new(Faults::default());
    let storage = Arc::new(Storage::new(HadoopConf::default()));
    storage.insert(
        "file://",
        Arc::new(FaultyFs {
            faults: Arc::clone(&faults),
        }),
    );
    let channel_ref: ChannelRef = channel.clone();
    let sink = HdfsSink::new("k1", config, storage, channel_ref);
    Fixture {
        dir,
        channel,
        sink,
        faults,
    }
}

fn event(body: &str, headers: &[(&str, &str)]) -> Event {
    let mut e = Event::new(body.to_string());
    for (k, v) in headers {
        e.headers.insert(k.to_string(), v.to_string());
    }
    e
}

impl Fixture {
    async fn put(&self, events: Vec<Event>) {
        self.channel.put_batch(events).await.unwrap();
    }

    /// Every file under the output directory: (path relative to it, content).
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        let root = self.dir.path().join("out");
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    fn count(&self, field: &std::sync::atomic::AtomicU64) -> u64 {
        field.load(Ordering::Relaxed)
    }
}

fn ts() -> (&'static str, &'static str) {
    ("timestamp", "1700000000000")
}

#[tokio::test]
async fn paths_from_headers_and_one_flush_per_bucket() {
    let path = "file://{dir}/out/%Y/%m/%d/%{level}";
    let mut f = fixture(&[
        ("hdfs.path", path),
        ("hdfs.batchSize", "100"),
        ("hdfs.filePrefix", "ev-%{host}"),
    ]);
    let mut events = Vec::new();
    for i in 0..100 {
        let level = if i < 60 { "INFO" } else { "WARN" };
        events.push(event(
            &format!("e{i}"),
            &[ts(), ("level", level), ("host", "h1")],
        ));
    }
    f.put(events).await;
    f.sink.process().await.unwrap();
    // Flushed before commit: both in-use files hold their events already.
    let open = f.files();
    assert_eq!(open.len(), 2);
    assert!(open[0].0.starts_with("2023/11/14/INFO/ev-h1.") && open[0].0.ends_with(".tmp"));
    assert_eq!(open[0].1.iter().filter(|&&b| b == b'\n').count(), 60);
    assert_eq!(open[1].1.iter().filter(|&&b| b == b'\n').count(), 40);
    f.sink.stop().await;
    assert!(f.files().iter().all(|(n, _)| !n.ends_with(".tmp")));
}

async fn missing_timestamp_is_a_poison_event_kept_in_the_channel() {
    let path = "file://{dir}/out/%Y";
    let mut f = fixture(&[("hdfs.path", path)]);
    f.put(vec![event("no ts", &[("host", "a")]), event("x", &[ts()])])
        .await;
    for _ in 0..2 {
        match f.sink.process().await {
            Err(SinkError::Delivery(msg)) => {
                assert!(
                    msg.contains("Expected timestamp in the Flume event headers"),
                    "{msg}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.channel.len(), 2, "rolled back");
    }
    assert!(f.files().is_empty());
    assert_eq!(f.count(&f.sink.counter().event_drain_success), 0);
}

async fn storage_failures_roll_back_and_retry_without_loss() {
    let mut f = fixture(&[("hdfs.batchSize", "10")]);
    f.put((0..10).map(|i| event(&format!("e{i}"), &[])).collect())
        .await;
    // open fails
    f.faults.create.store(true, Ordering::SeqCst);
    assert_eq!(f.sink.process().await.unwrap(), Status::Backoff);
    assert_eq!(f.channel.len(), 10);
    f.faults.create.store(false, Ordering::SeqCst);
    // write fails: the file is closed, the batch rolled back
    f.faults.write.store(true, Ordering::SeqCst);
    assert_eq!(f.sink.process().await.unwrap(), Status::Backoff);
    assert_eq!(f.channel.len(), 10);
    f.faults.write.store(false, Ordering::SeqCst);
    assert_eq!(f.sink.process().await.unwrap(), Status::Ready);
    assert_eq!(f.channel.len(), 0);
    f.sink.stop().await;
    let all: Vec<u8> = f.files().into_iter().flat_map(|(_, c)| c).collect();
    let expected: String = (0..10).map(|i| format!("e{i}\n")).collect();
    assert_eq!(String::from_utf8(all).unwrap(), expected);
    let c = f.sink.counter();
    assert_eq!(f.count(&c.event_write_fail), 2);
    assert!(f.count(&c.connection_failed) >= 2);
}

#[tokio::test]
async fn a_hanging_store_times_out() {
    let mut f = fixture(&[("hdfs.callTimeout", "200")]);
    f.put(vec![event("a", &[])]).await;
    f.faults.hang_write.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    assert_eq!(f.sink.process().await.unwrap(), Status::Backoff);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(f.channel.len(), 1);
    f.faults.hang_write.store(false, Ordering::SeqCst);
    assert_eq!(f.sink.process().await.unwrap(), Status::Ready);
    // A stop while the store hangs still finishes.
    f.put(vec![event("b", &[])]).await;
    f.sink.process().await.unwrap();
    f.faults.hang_write.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    f.sink.stop().await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn close_and_rename_failures_are_retried() {
    let mut f = fixture(&[("hdfs.closeTries", "3"), ("hdfs.retryInterval", "1")]);
    f.put(vec![event("a", &[])]).await;
    f.sink.process().await.unwrap();
    f.faults.close.store(1, Ordering::SeqCst);
    f.sink.stop().await; // waits for the background retry (1 s)
    let files = f.files();
    assert_eq!(files.len(), 1);
    assert!(!files[0].0.ends_with(".tmp"), "{files:?}");

    let mut f = fixture(&[("hdfs.closeTries", "2"), ("hdfs.retryInterval", "1")]);
    f.put(vec![event("a", &[])]).await;
    f.sink.process().await.unwrap();
    f.faults.rename.store(true, Ordering::SeqCst);
    let faults = Arc::clone(&f.faults);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        faults.rename.store(false, Ordering::SeqCst);
    });
    f.sink.stop().await;
    let files = f.files();
    assert!(!files[0].0.ends_with(".tmp"), "{files:?}");
}

async fn interval_and_idle_rolls_start_new_buckets() {
    let mut f = fixture(&[("hdfs.rollInterval", "1")]);
    f.put(vec![event("a", &[])]).await;
    f.sink.process().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    f.put(vec![event("b", &[])]).await;
    f.sink.process().await.unwrap();
    let files = f.files();
    assert_eq!(files.len(), 2);
    assert!(!files[0].0.ends_with(".tmp") && files[1].0.ends_with(".tmp"));
    f.sink.stop().await;

    let mut f = fixture(&[("hdfs.idleTimeout", "1")]);
    f.put(vec![event("a", &[])]).await;
    f.sink.process().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(f.sink.process().await.unwrap(), Status::Backoff);
    let files = f.files();
    assert_eq!(files.len(), 1);
    assert!(!files[0].0.ends_with(".tmp"));
}

#[tokio::test]
async fn max_open_files_closes_the_least_recently_used() {
    let path = "file://{dir}/out/%{b}";
    let mut f = fixture(&[("hdfs.path", path), ("hdfs.maxOpenFiles", "2")]);
    for b in ["x", "y", "x", "z"] {
        f.put(vec![event(b, &[("b", b)])]).await;
        f.sink.process().await.unwrap();
    }
    let open: Vec<String> = f.sink.open_files();
    assert_eq!(open.len(), 2);
    assert!(
        open.iter().any(|p| p.contains("/out/x/")) && open.iter().any(|p| p.contains("/out/z/"))
    );
    let files = f.files();
    assert!(
        files
            .iter()
            .any(|(n, _)| n.starts_with("y/") && !n.ends_with(".tmp"))
    );
}

#[tokio::test]
async fn leftover_in_use_files_are_recovered_at_start() {
    let path = "file://{dir}/out/%Y/%m";
    let mut f = fixture(&[("hdfs.path", path), ("hdfs.filePrefix", "ev-%{host}")]);
    let dir = f.dir.path().join("out/2023/11");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ev-a.1700000000001.tmp"), b"left\n").unwrap();
    std::fs::write(dir.join("other.1.tmp"), b"not ours\n").unwrap();
    f.sink.start().await.unwrap();
    let names: Vec<String> = f.files().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec!["2023/11/ev-a.1700000000001", "2023/11/other.1.tmp"]
    );
}

#[tokio::test]
async fn sequence_file_and_compressed_outputs() {
    let mut f = fixture(&[
        ("hdfs.fileType", "SequenceFile"),
        ("hdfs.writeFormat", "Text"),
    ]);
    f.put(vec![event("first", &[ts()])]).await;
    f.sink.process().await.unwrap();
    f.sink.stop().await;
    let files = f.files();
    assert!(files[0].1.starts_with(b"SEQ\x06"));

    let mut f = fixture(&[
        ("hdfs.fileType", "CompressedStream"),
        ("hdfs.codeC", "gzip"),
    ]);
    f.put(vec![event("first", &[ts()])]).await;
    f.sink.process().await.unwrap();
    f.sink.stop().await;
    let files = f.files();
    assert!(files[0].0.ends_with(".gz"));
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&files[0].1[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "first\n");
}

async fn bad_write_format_fails_each_batch_and_keeps_events() {
    let mut f = fixture(&[
        ("hdfs.fileType", "SequenceFile"),
        ("hdfs.writeFormat", "text"),
    ]);
    f.put(vec![event("a", &[])]).await;
    assert!(matches!(
        f.sink.process().await,
        Err(SinkError::Delivery(_))
    ));
    assert_eq!(f.channel.len(), 1);
    let mut f = fixture(&[("hdfs.fileType", "Parquet")]);
    f.put(vec![event("a", &[])]).await;
    assert_eq!(f.sink.process().await.unwrap(), Status::Backoff);
    assert_eq!(f.channel.len(), 1);
}

/// Hadoop security settings the HDFS client does not apply are noted (validate, start log);
/// the proxy user reaches the storage's identity.
#[test]
fn security_settings_hdfs_native_does_not_apply_are_noted() {
    let build = |core: &str, pairs: &[(&str, &str)]| {
        let conf = tempfile::tempdir().unwrap();
        std::fs::write(
            conf.path().join("core-site.xml"),
            format!("<configuration>{core}</configuration>"),
        )
        .unwrap();
        std::fs::write(
            conf.path().join("hdfs-site.xml"),
            "<configuration><property><name>dfs.namenode.kerberos.principal</name>\
             <value>nn/_HOST@R</value></property></configuration>",
        )
        .unwrap();
        let mut all = vec![("hdfs.path", "hdfs://nn:8020/x")];
        all.extend_from_slice(pairs);
        let ctx = Context::from_pairs("a1.sinks.k1.", all);
        let channel: ChannelRef = Arc::new(
            MemoryChannel::from_context(
                "c1",
                &Context::from_pairs("a1.channels.c1.", [("capacity", "100")]),
            )
            .unwrap(),
        );
        let env = crate::component::BuildEnv {
            agent: "a1".into(),
            conf_dir: Some(conf.path().to_path_buf()),
            ..Default::default()
        };
        let sink = HdfsSink::from_context("k1", &ctx, channel, &env).unwrap();
        (ctx.notes(), sink.shared.storage.auth().clone())
    };
    let kerberos = "<property><name>hadoop.security.authentication</name>\
                    <value>kerberos</value></property>";
    let (notes, auth) = build(kerberos, &[("hdfs.proxyUser", "alice")]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].message.contains("dfs.namenode.kerberos.principal"));
    assert_eq!(auth.proxy_user.as_deref(), Some("alice"));
    assert!(auth.login.is_none());

    let (notes, auth) = build("", &[("hdfs.proxyUser", "alice")]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].key, "a1.sinks.k1.hdfs.proxyUser");
    assert!(notes[0].message.contains("hadoop.proxyuser"));
    assert_eq!(auth.proxy_user.as_deref(), Some("alice"));

    let (notes, auth) = build("", &[("hdfs.proxyUser", "  ")]);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(auth.proxy_user, None);
}

// ---- hdfs_sink.json: the cases about the sink's behaviour -----------------------------------

/// The `hdfs_sink.json` cases about writing, rolling and failing, run through the sink with a
/// memory channel and a local file system (the configuration and naming cases are checked by
/// `config::tests::check_vector` and `bucket::tests::check_names`).
pub(crate) fn check_vector(case: &Case) -> Outcome {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let input = case.input();
    let expected = case.expected();
    match case.id {
        "hdfs-roll-count" | "hdfs-roll-size" => rt.block_on(vector_roll(input, expected)),
        "hdfs-text-append-rollcount" => rt.block_on(vector_text_append(input, expected)),
        "hdfs-empty-channel-backoff" => rt.block_on(async {
            let mut f = fixture(&[]);
            let status = f.sink.process().await.unwrap();
            Outcome::eq(
                format!("{status:?}").to_uppercase(),
                expected["status"].as_str().unwrap_or("?").to_string(),
                "status",
            )
        }),
        "hdfs-derived-batch-flush-two-buckets" => {
            rt.block_on(vector_flush_per_bucket(input, expected))
        }
        "hdfs-derived-seqfile-classes-writable" | "hdfs-derived-seqfile-classes-text" => {
            rt.block_on(vector_sequence_file(input, expected))
        }
        // Cases whose expectation is an effect (prose): each has its routine.
        "hdfs-roll-interval" => {
            rt.block_on(interval_and_idle_rolls_start_new_buckets());
            Outcome::Pass
        }
        "hdfs-close-callback" => rt.block_on(async {
            // Flume's close callback removes the writer from the sink's open writers.
            let mut f = fixture(&[("hdfs.idleTimeout", "1")]);
            f.put(vec![event("a", &[])]).await;
            f.sink.process().await.unwrap();
            let open_before = f.sink.open_files().len();
            tokio::time::sleep(Duration::from_millis(1100)).await;
            f.sink.process().await.unwrap();
            Outcome::eq(
                (open_before, f.sink.open_files().len()),
                (1, 0),
                "open writers before and after the close",
            )
        }),
        "hdfs-derived-unknown-filetype" | "hdfs-derived-writeformat-case-sensitive" => {
            rt.block_on(bad_write_format_fails_each_batch_and_keeps_events());
            Outcome::Pass
        }
        "hdfs-derived-io-error-backoff" => {
            rt.block_on(storage_failures_roll_back_and_retry_without_loss());
            Outcome::Pass
        }
        "hdfs-derived-missing-timestamp" => {
            rt.block_on(missing_timestamp_is_a_poison_event_kept_in_the_channel());
            Outcome::Pass
        }
        _ => Outcome::NotMine,
    }
}

fn num(v: &serde_json::Value) -> usize {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0) as usize
}

/// `TestBucketWriter` rollers: `events` × `body` with rollCount / rollSize / rollInterval.
async fn vector_roll(input: &serde_json::Value, expected: &serde_json::Value) -> Outcome {
    let (count, size, interval) = (
        num(&input["rollCount"]).to_string(),
        num(&input["rollSize"]).to_string(),
        num(&input["rollInterval"]).to_string(),
    );
    let n = num(&input["events"]);
    let body = input["body"].as_str().unwrap_or_default();
    let mut f = fixture(&[
        ("hdfs.rollCount", &count),
        ("hdfs.rollSize", &size),
        ("hdfs.rollInterval", &interval),
        ("hdfs.batchSize", &n.to_string()),
    ]);
    f.put((0..n).map(|_| event(body, &[])).collect()).await;
    f.sink.process().await.unwrap();
    f.sink.stop().await;
    let files = f.files();
    let lines: usize = files
        .iter()
        .map(|(_, c)| c.iter().filter(|&&b| b == b'\n').count())
        .sum();
    let body_bytes: usize = files.iter().map(|(_, c)| c.len()).sum::<usize>() - lines;
    Outcome::all([
        Outcome::eq(files.len(), num(&expected["files_opened"]), "files"),
        Outcome::eq(lines, num(&expected["events_written"]), "events written"),
        Outcome::eq(body_bytes, num(&expected["bytes_written"]), "body bytes"),
    ])
}

/// `TestHDFSEventSink#testTextAppend`: process calls of `events_per_call` events.
async fn vector_text_append(input: &serde_json::Value, expected: &serde_json::Value) -> Outcome {
    let pairs: Vec<(String, String)> = crate::vectors::pairs(&input["config"])
        .into_iter()
        .filter(|(k, _)| k != "hdfs.path")
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut f = fixture(&refs);
    let (calls, per_call) = (num(&input["process_calls"]), num(&input["events_per_call"]));
    for i in 0..calls {
        f.put(
            (0..per_call)
                .map(|j| event(&format!("Test.{i}.{j}"), &[]))
                .collect(),
        )
        .await;
        if f.sink.process().await.unwrap() != Status::Ready {
            return Outcome::Fail(format!("process call {i} did not return READY"));
        }
    }
    f.sink.stop().await;
    let files = f.files();
    let all: String = files
        .iter()
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        .collect();
    let want: String = (0..calls)
        .flat_map(|i| (0..per_call).map(move |j| format!("Test.{i}.{j}\n")))
        .collect();
    Outcome::all([
        Outcome::eq(files.len(), num(&expected["files"]), "files"),
        Outcome::eq(all, want, "bodies, one per line"),
    ])
}

/// One batch split over buckets: every bucket's events are flushed before the commit.
async fn vector_flush_per_bucket(
    input: &serde_json::Value,
    expected: &serde_json::Value,
) -> Outcome {
    let split: Vec<usize> = input["bucket_split"]
        .as_array()
        .into_iter()
        .flatten()
        .map(num)
        .collect();
    let batch = input["config"]["hdfs.batchSize"].as_str().unwrap_or("100");
    let mut f = fixture(&[
        ("hdfs.path", "file://{dir}/out/%{bucket}"),
        ("hdfs.batchSize", batch),
    ]);
    let mut events = Vec::new();
    for (b, n) in split.iter().enumerate() {
        for i in 0..*n {
            events.push(event(&format!("e{i}"), &[("bucket", &format!("b{b}"))]));
        }
    }
    f.put(events).await;
    f.sink.process().await.unwrap();
    // Before any close: each bucket's in-use file holds its events (flushed once each).
    let open = f.files();
    let per_file: Vec<usize> = open
        .iter()
        .map(|(_, c)| c.iter().filter(|&&b| b == b'\n').count())
        .collect();
    f.sink.stop().await;
    Outcome::all([
        Outcome::eq(open.len(), num(&expected["sync_calls"]), "buckets flushed"),
        Outcome::eq(per_file, split, "events per bucket before commit"),
    ])
}

/// A Hadoop `Text` string (vint length, UTF-8) at `pos`.
fn hadoop_text(data: &[u8], pos: &mut usize) -> Option<String> {
    let len = data.get(*pos).copied()? as usize; // class names are < 128 bytes: one-byte vint
    *pos += 1;
    let s = std::str::from_utf8(data.get(*pos..*pos + len)?)
        .ok()?
        .to_string();
    *pos += len;
    Some(s)
}

/// The SequenceFile classes and the record of one event.
async fn vector_sequence_file(input: &serde_json::Value, expected: &serde_json::Value) -> Outcome {
    let pairs: Vec<(String, String)> = crate::vectors::pairs(&input["config"]);
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut f = fixture(&refs);
    let headers: Vec<(String, String)> = crate::vectors::pairs(&input["event"]["headers"]);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = input["event"]["body"].as_str().unwrap_or_default();
    f.put(vec![event(body, &headers)]).await;
    let before = crate::metrics::now_millis();
    f.sink.process().await.unwrap();
    let after = crate::metrics::now_millis();
    f.sink.stop().await;
    let files = f.files();
    let Some((_, data)) = files.first() else {
        return Outcome::Fail("no file written".into());
    };
    if !data.starts_with(b"SEQ\x06") {
        return Outcome::Fail("not a SequenceFile v6".into());
    }
    let mut pos = 4;
    let key_class = hadoop_text(data, &mut pos).unwrap_or_default();
    let value_class = hadoop_text(data, &mut pos).unwrap_or_default();
    // compression flag, block flag, metadata count (int, no entries), 16-byte sync.
    if data[pos] != 0 || data[pos + 1] != 0 {
        return Outcome::Fail("the file is compressed: the case is about plain records".into());
    }
    pos += 2 + 4 + 16;
    let int = |p: usize| i32::from_be_bytes(data[p..p + 4].try_into().unwrap()) as usize;
    let (_record_len, key_len) = (int(pos), int(pos + 4));
    let key = &data[pos + 8..pos + 8 + key_len];
    let value = &data[pos + 8 + key_len..pos + 8 + int(pos)];
    let key_ms = i64::from_be_bytes(key.try_into().unwrap_or([0; 8]));
    let record = &expected["record"];
    let key_ok = match record["key"].as_i64() {
        Some(k) => Outcome::eq(key_ms, k, "key"),
        // No timestamp header: System.currentTimeMillis() at write.
        None => Outcome::check((before..=after).contains(&key_ms), || {
            format!("key {key_ms} not within [{before}, {after}]")
        }),
    };
    let value_ok = if let Some(bytes) = record["value_bytes_utf8"].as_str() {
        // BytesWritable: int length, bytes.
        Outcome::eq(&value[4..], bytes.as_bytes(), "BytesWritable value")
    } else {
        // Text: vint length, bytes.
        let text = record["value_text"].as_str().unwrap_or_default();
        Outcome::eq(&value[1..], text.as_bytes(), "Text value")
    };
    Outcome::all([
        Outcome::eq(
            key_class.as_str(),
            expected["key_class"].as_str().unwrap_or("?"),
            "key class",
        ),
        Outcome::eq(
            value_class.as_str(),
            expected["value_class"].as_str().unwrap_or("?"),
            "value class",
        ),
        key_ok,
        value_ok,
    ])
}
