//! Java plugins in the embedded JVM against the same pipelines with built-in components,
//! through the real `flume-ng` binary: events per CPU-second (user + system time of the whole
//! agent process, JVM included, from start to the last event taken) and peak RSS.
//!
//!   cargo bench --bench java_plugins            # 2 000 000 events per pipeline
//!   BENCH_EVENTS=500000 cargo bench --bench java_plugins
//!   FLUME_NG=target/release/flume-ng cargo bench --bench java_plugins
//!
//! Pipelines: seq → [static | Java upper-case interceptor] → memory → null, and
//! seq → memory → [null | Java counting sink]; batches of 1000 throughout. The fixture plugins
//! (tests/java/host-plugins/) are compiled with javac against the bundled plugin API jar.
//! For reference, Java Flume 1.9 moves about 1.4 M events per CPU-second on seq → memory → null
//! with ~330 MiB RSS.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn flume_ng() -> PathBuf {
    std::env::var_os("FLUME_NG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_flume-ng")))
}

fn plugins_dir(root: &Path) -> PathBuf {
    let classes = root.join("classes");
    let lib = root.join("plugins.d/bench/lib");
    std::fs::create_dir_all(&classes).unwrap();
    std::fs::create_dir_all(&lib).unwrap();
    let api = concat!(env!("OUT_DIR"), "/jars/flume-rs-plugin-api.jar");
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/host-plugins/com/example/hosted");
    let ok = Command::new("javac")
        .args(["--release", "8", "-Xlint:-options", "-cp", api, "-d"])
        .arg(&classes)
        .arg(src.join("UpperCaseInterceptor.java"))
        .arg(src.join("CountingSink.java"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "javac failed (is the plugin API jar built?)");
    let ok = Command::new("jar")
        .arg("cf")
        .arg(lib.join("bench.jar"))
        .arg("-C")
        .arg(&classes)
        .arg(".")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    root.join("plugins.d")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn get_metrics(port: u16) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    serde_json::from_slice(&raw[at + 4..]).ok()
}

/// (CPU seconds, peak RSS in MiB) of a process.
fn usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15 (1-based over the whole line).
    let ticks: f64 = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    (ticks / hz, hwm_kb / 1024.0)
}

fn run(name: &str, dir: &Path, plugins: &Path, events: u64, interceptor: &str, sink: &str) {
    let conf = dir.join(format!("{name}.conf"));
    std::fs::write(
        &conf,
        format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = {events}\n\
             a1.sources.r1.batchSize = 1000\na1.sources.r1.channels = c1\n{interceptor}\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 100000\n\
             a1.channels.c1.transactionCapacity = 1000\n\
             a1.sinks.k1.channel = c1\na1.sinks.k1.batchSize = 1000\n{sink}"
        ),
    )
    .unwrap();
    let port = free_port();
    let mut child = Command::new(flume_ng())
        .args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .arg("--no-reload-conf")
        .arg("--plugins-path")
        .arg(plugins)
        .arg("-Dflume.monitoring.type=http")
        .arg(format!("-Dflume.monitoring.port={port}"))
        .arg("-Dflume.root.logger=WARN,console")
        .arg("-Xmx256m")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start flume-ng");
    let start = Instant::now();
    let pid = child.id();
    let mut done = false;
    while start.elapsed() < Duration::from_secs(600) {
        std::thread::sleep(Duration::from_millis(100));
        let taken = get_metrics(port)
            .and_then(|m| {
                m["CHANNEL.c1"]["EventTakeSuccessCount"]
                    .as_str()
                    .map(String::from)
            })
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if taken >= events {
            done = true;
            break;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let (cpu, rss) = usage(pid);
    let _ = child.kill();
    let _ = child.wait();
    if !done {
        println!("{name:<34} did not finish in 600 s");
        return;
    }
    println!(
        "{name:<34} {:>10.0} events/CPU-s  {cpu:>6.2} CPU-s  {wall:>6.2} s wall  {rss:>6.0} MiB peak RSS",
        events as f64 / cpu
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let events: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugins_dir(dir.path());
    println!("{events} events per pipeline, {}", flume_ng().display());
    let upper = "a1.sources.r1.interceptors = i1\n\
                 a1.sources.r1.interceptors.i1.type = com.example.hosted.UpperCaseInterceptor$Builder\n";
    let static_header = "a1.sources.r1.interceptors = i1\n\
                         a1.sources.r1.interceptors.i1.type = static\n";
    let null = "a1.sinks.k1.type = null\n";
    let counting = "a1.sinks.k1.type = com.example.hosted.CountingSink\n";
    run(
        "seq>memory>null (built-in)",
        dir.path(),
        &plugins,
        events,
        "",
        null,
    );
    run(
        "seq>static>memory>null (built-in)",
        dir.path(),
        &plugins,
        events,
        static_header,
        null,
    );
    run(
        "seq>Java upper-case>memory>null",
        dir.path(),
        &plugins,
        events,
        upper,
        null,
    );
    run(
        "seq>memory>Java counting sink",
        dir.path(),
        &plugins,
        events,
        "",
        counting,
    );
}
