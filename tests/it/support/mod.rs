//! Shared helpers for integration tests: run `flume-ng`, write configs, pick ports, find the
//! shared reference material.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    repo().join("../shared/reference")
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
#[cfg(feature = "kafka")]
pub mod kafka;
