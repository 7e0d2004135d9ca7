//! Raw-library baseline for `benches/hdfs_sink.sh`: the bytes the hdfs sink writes for N seq
//! events in batches of 1000, produced with nothing but the libraries (plain file writes,
//! flate2 gzip members, the SequenceFile encoder), to compare with the whole agent; and for
//! `benches/hdfs_buckets.sh`, the same lines spread over 1 100 files by the `regex` crate
//! (`(\d{1,3})$` of the body), one write per file per batch.
//!
//!   cargo bench --bench hdfs_sink_baseline -- [EVENTS]

use std::io::Write;
use std::time::Instant;

use flume_rs::format::sequence_file::{SequenceFileWriter, ValueClass};

const BATCH: u64 = 1000;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn measure(name: &str, events: u64, f: impl FnOnce()) {
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    f();
    let (cpu, wall) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    println!(
        "baseline {name:<16} wall {wall:6.2} s  CPU {cpu:6.2} s  {:>10.0} events/s  {:>10.0} events per CPU-s",
        events as f64 / wall,
        events as f64 / cpu
    );
}

fn main() -> std::io::Result<()> {
    // `cargo bench` passes --bench; `cargo test --all-targets` passes nothing: run only as a bench.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let events: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let dir = tempfile::tempdir()?;
    let ts = flume_rs::metrics::now_millis();

    measure("plain writes", events, || {
        let mut file = std::fs::File::create(dir.path().join("plain")).unwrap();
        let mut buf = Vec::new();
        for start in (0..events).step_by(BATCH as usize) {
            buf.clear();
            for n in start..(start + BATCH).min(events) {
                let _ = writeln!(buf, "{n}");
            }
            file.write_all(&buf).unwrap();
        }
    });

    measure("flate2 gzip", events, || {
        let mut file = std::fs::File::create(dir.path().join("gzip")).unwrap();
        let mut buf = Vec::new();
        for start in (0..events).step_by(BATCH as usize) {
            buf.clear();
            for n in start..(start + BATCH).min(events) {
                let _ = writeln!(buf, "{n}");
            }
            let mut gz = flate2::GzBuilder::new()
                .operating_system(0)
                .write(Vec::new(), flate2::Compression::new(6));
            gz.write_all(&buf).unwrap();
            file.write_all(&gz.finish().unwrap()).unwrap();
        }
    });

    measure("SequenceFile", events, || {
        let mut file = std::fs::File::create(dir.path().join("seq")).unwrap();
        let mut w = SequenceFileWriter::with_random_sync(ValueClass::BytesWritable, None);
        let mut body = String::new();
        for start in (0..events).step_by(BATCH as usize) {
            for n in start..(start + BATCH).min(events) {
                body.clear();
                let _ = std::fmt::Write::write_fmt(&mut body, format_args!("{n}"));
                w.append(ts, body.as_bytes()).unwrap();
            }
            w.sync().unwrap();
            file.write_all(&w.take_output()).unwrap();
        }
    });
    measure("1100 buckets", events, || {
        let re = regex::Regex::new(r"(\d{1,3})$").unwrap();
        let mut files: std::collections::HashMap<String, (std::fs::File, Vec<u8>)> =
            std::collections::HashMap::new();
        let mut line = String::new();
        for start in (0..events).step_by(BATCH as usize) {
            for n in start..(start + BATCH).min(events) {
                line.clear();
                let _ = std::fmt::Write::write_fmt(&mut line, format_args!("{n}"));
                let b = re.captures(&line).unwrap().get(1).unwrap().as_str();
                if !files.contains_key(b) {
                    let f = std::fs::File::create(dir.path().join(format!("b{b}"))).unwrap();
                    files.insert(b.to_string(), (f, Vec::new()));
                }
                let (_, buf) = files.get_mut(b).unwrap();
                buf.extend_from_slice(line.as_bytes());
                buf.push(b'\n');
            }
            for (file, buf) in files.values_mut() {
                if !buf.is_empty() {
                    file.write_all(buf).unwrap();
                    buf.clear();
                }
            }
        }
    });
    Ok(())
}
