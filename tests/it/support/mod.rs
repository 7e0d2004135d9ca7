//! Shared helpers for integration tests: run `flume-ng`, write configs, pick ports, find the
//! shared reference material.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod kdc;
pub mod s3;

/// Path of the `flume-ng` binary under test.
pub fn flume_ng() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flume-ng"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/reference` (or `$FLUME_SHARED_REFERENCE`): Flume's configs, vectors, goldens.
pub fn shared_reference() -> PathBuf {
    if let Ok(p) = std::env::var("FLUME_SHARED_REFERENCE") {
        return PathBuf::from(p);
    }
    // `shared/` sits beside the checkout (CI) or beside a folder holding several checkouts.
    let repo = repo();
    repo.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/reference"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| repo.join("../shared/reference"))
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind port 0")
}

pub fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A running `flume-ng agent`; killed on drop. Its stderr (the log) is collected.
pub struct Agent {
    pub child: Child,
    log: Arc<Mutex<String>>,
}

impl Agent {
    /// `flume-ng agent -n <name> -f <conf> --no-reload-conf <extra…>`.
    pub fn start(name: &str, conf: &Path, extra: &[&str]) -> Agent {
        let mut cmd = Command::new(flume_ng());
        cmd.args(["agent", "-n", name, "-f"])
            .arg(conf)
            .arg("--no-reload-conf")
            .arg("-Dflume.root.logger=INFO,console")
            .args(extra);
        Agent::spawn(cmd)
    }

    pub fn spawn(mut cmd: Command) -> Agent {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        );
        cmd.env("NO_COLOR", "1");
        let mut child = cmd.spawn().expect("spawn flume-ng");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        Agent { child, log }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Wait until the log contains `needle`; panics with the log after `timeout`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.log().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {needle:?}; log:\n{}", self.log());
    }

    /// SIGTERM and wait for exit; returns the exit status code.
    pub fn stop(&mut self) -> Option<i32> {
        unsafe_kill(self.child.id(), 15);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(50));
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_kill(pid: u32, signal: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Wait until `f` returns true, or panic with `what` after `timeout`.
pub fn eventually(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("timed out: {what}");
}

/// Run `flume-ng <args>` to completion: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(flume_ng())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run flume-ng");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Python of `.venv-tools` (fastavro, boto3, pyspark …), installed by `.ci/setup-tools`.
pub fn tools_python() -> PathBuf {
    let python = repo().join(".venv-tools/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash .ci/setup-tools` first",
        python.display()
    );
    python
}

/// Run a Python script with the tools venv; returns stdout, panics with stderr on failure.
pub fn run_python(script: &str, args: &[&str]) -> String {
    run_python_env(script, args, &[])
}

/// [`run_python`] with extra environment variables.
pub fn run_python_env(script: &str, args: &[&str], env: &[(&str, String)]) -> String {
    let out = Command::new(tools_python())
        .arg("-c")
        .arg(script)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A minimal HTTP/1.1 client for tests: one request, `Connection: close`; returns
/// (status, headers as lowercase `name: value` lines, body).
pub fn http(
    method: &str,
    port: u16,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        req.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("http response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = head
        .lines()
        .skip(1)
        .map(|l| l.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    if headers.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// Wait until something accepts TCP connections on `port`.
pub fn wait_port(port: u16, timeout: Duration) {
    eventually(timeout, &format!("port {port} accepting"), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

#[cfg(feature = "kafka")]
pub mod kafka;
