//! Java Flume file channel files as found on disk (taken over at start, or dumped): log
//! records, in-flight files, checkpoint metadata. Reading arbitrary bytes never panics and
//! never allocates more than the input holds.
#![no_main]

use flume_rs::channel::file::java::{
    EventSource, JavaLayout, LogReader, decode_record, parse_inflights, replay,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_record(data);
    let _ = parse_inflights(data);
    let dir = std::env::temp_dir().join(format!("flume-fuzz-javafc-{}", std::process::id()));
    let data_dir = dir.join("data");
    let ck = dir.join("checkpoint");
    let _ = std::fs::create_dir_all(&data_dir);
    let _ = std::fs::create_dir_all(&ck);
    let log = data_dir.join("log-1");
    if std::fs::write(&log, data).is_err() {
        return;
    }
    if let Ok(mut r) = LogReader::open(&log, 1, 0) {
        while r.next_record().is_some() {}
    }
    // The same bytes as the log's meta file and as checkpoint.meta.
    let _ = std::fs::write(data_dir.join("log-1.meta"), data);
    let _ = std::fs::write(ck.join("checkpoint.meta"), data);
    if let Ok(layout) = JavaLayout::find(&ck, &[data_dir]) {
        if let Ok(q) = replay(&layout) {
            if let Ok(src) = EventSource::open(&layout) {
                for p in q.queue.iter().take(1000) {
                    let _ = src.get(*p);
                }
            }
        }
    }
});
