//! A real S3-protocol server for tests: SeaweedFS (`weed mini` from `.venv-tools`), started once
//! per test process and shared; each test makes its own bucket. The server dies with the test
//! process (parent-death signal). Objects are checked with boto3, an independent client.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{eventually, repo, run_python_env};

pub const ACCESS_KEY: &str = "AKIATESTKEY0001";
pub const SECRET_KEY: &str = "flume-rs-test-secret-0001";

pub struct S3Server {
    pub endpoint: String,
}

/// A port that is free, and whose +10000 gRPC companion is free too.
fn free_pair() -> u16 {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().unwrap().port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// The command line of a `weed mini` on `data`, every port of it chosen here (none of the
/// defaults, so that several instances can run side by side).
struct WeedSetup {
    data: PathBuf,
    args: Vec<String>,
    s3: u16,
}

impl WeedSetup {
    fn new(data: PathBuf) -> WeedSetup {
        let [s3, master, volume, filer, admin] = [(); 5].map(|_| free_pair());
        let metrics = super::free_port();
        let args: Vec<String> = vec![
            "mini".into(),
            format!("-dir={}", data.display()),
            "-ip=127.0.0.1".into(),
            "-ip.bind=127.0.0.1".into(),
            format!("-s3.port={s3}"),
            format!("-master.port={master}"),
            format!("-volume.port={volume}"),
            format!("-filer.port={filer}"),
            format!("-admin.port={admin}"),
            format!("-metricsPort={metrics}"),
            "-s3.port.iceberg=0".into(),
            "-s3.port.lance=0".into(),
            "-webdav=false".into(),
            "-master.telemetry=false".into(),
            "-admin.ui=false".into(),
        ];
        WeedSetup { data, args, s3 }
    }

    fn command(&self, log_name: &str) -> Command {
        let weed = repo().join(".venv-tools/bin/weed");
        assert!(
            weed.exists(),
            "{} is missing: run `bash .ci/setup-tools` first",
            weed.display()
        );
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.join(log_name))
            .unwrap();
        let mut cmd = Command::new(weed);
        cmd.args(&self.args)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        cmd
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3)
    }

    /// Wait until the S3 gateway answers and its filer takes buckets.
    fn wait_ready(&self, probe: &str) {
        let s3 = self.s3;
        let endpoint = self.endpoint();
        eventually(Duration::from_secs(60), "SeaweedFS S3 answering", || {
            std::net::TcpStream::connect(("127.0.0.1", s3)).is_ok()
        });
        // The S3 gateway answers before the filer is ready: wait until a bucket can be made.
        eventually(
            Duration::from_secs(60),
            "SeaweedFS accepting buckets",
            || {
                run_python_env(
                    &format!(
                        "{CLIENT}\ntry:\n    s3.create_bucket(Bucket='{probe}')\n    print('ok')\n\
                         except Exception as e:\n    print('ok' if 'BucketAlready' in repr(e) else e)"
                    ),
                    &[],
                    &env(&endpoint),
                )
                .trim()
                    == "ok"
            },
        );
    }
}

fn start() -> S3Server {
    let data: PathBuf = tempfile::tempdir().unwrap().keep();
    let setup = WeedSetup::new(data);
    let mut cmd = setup.command("weed.log");
    // Spawned from a thread that never ends: the parent-death signal follows the spawning
    // thread, and must fire only when the whole test process goes.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("start weed");
        tx.send(child.id()).unwrap();
        // Reap it if it ever exits; this thread must outlive the tests either way.
        let _ = child.wait();
        loop {
            std::thread::park();
        }
    });
    let _pid = rx.recv().unwrap();
    setup.wait_ready(&format!("probe-{}", std::process::id()));
    S3Server {
        endpoint: setup.endpoint(),
    }
}

/// A SeaweedFS of one test alone, which the test may stop (SIGKILL or SIGTERM) and start again
/// on the same data directory and ports. It is killed when dropped, and (parent-death signal)
/// when the thread that started it ends.
pub struct PrivateS3 {
    setup: WeedSetup,
    child: Option<std::process::Child>,
    pub server: S3Server,
    _data: tempfile::TempDir,
}

impl PrivateS3 {
    pub fn start() -> PrivateS3 {
        let data = tempfile::tempdir().unwrap();
        let setup = WeedSetup::new(data.path().to_path_buf());
        let server = S3Server {
            endpoint: setup.endpoint(),
        };
        let mut s = PrivateS3 {
            setup,
            child: None,
            server,
            _data: data,
        };
        s.resume();
        s
    }

    /// Start the server (again) and wait until it takes requests; how long that took.
    pub fn resume(&mut self) -> Duration {
        use std::os::unix::process::CommandExt;
        assert!(self.child.is_none(), "the server is running");
        let started = std::time::Instant::now();
        let mut cmd = self.setup.command("weed.log");
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.child = Some(cmd.spawn().expect("start weed"));
        self.setup.wait_ready("probe");
        started.elapsed()
    }

    /// Stop the server with `signal` (`libc::SIGKILL`, `libc::SIGTERM`) and wait until it is
    /// gone (a SIGTERM that has not ended it after 20 s is followed by SIGKILL).
    pub fn stop(&mut self, signal: libc::c_int) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill(2) on the pid of a child not yet reaped.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while child.try_wait().ok().flatten().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PrivateS3 {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The boto3 client preamble (`s3`), from the environment `env()` sets.
pub const CLIENT: &str = r#"
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=os.environ["S3_KEY"], aws_secret_access_key=os.environ["S3_SECRET"],
                  config=botocore.config.Config(s3={"addressing_style": "path"}))
"#;

fn env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("S3_ENDPOINT", endpoint.to_string()),
        ("S3_KEY", ACCESS_KEY.to_string()),
        ("S3_SECRET", SECRET_KEY.to_string()),
    ]
}

pub fn server() -> &'static S3Server {
    static SERVER: OnceLock<S3Server> = OnceLock::new();
    SERVER.get_or_init(start)
}

impl S3Server {
    /// A new, empty bucket for one test.
    pub fn bucket(&self, hint: &str) -> String {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("{hint}-{}-{n}", std::process::id());
        self.python(&format!("s3.create_bucket(Bucket='{name}')"));
        name
    }

    /// Run a boto3 script (`s3` is the client); returns stdout.
    pub fn python(&self, body: &str) -> String {
        run_python_env(&format!("{CLIENT}\n{body}"), &[], &env(&self.endpoint))
    }

    /// Every object of a bucket: (key, size, etag).
    pub fn objects(&self, bucket: &str) -> Vec<(String, u64, String)> {
        let out = self.python(&format!(
            "import json\nr = s3.list_objects_v2(Bucket='{bucket}')\n\
             print(json.dumps([[o['Key'], o['Size'], o['ETag']] for o in r.get('Contents', [])]))"
        ));
        let v: Vec<(String, u64, String)> = serde_json::from_str(out.trim()).unwrap();
        v
    }

    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let out = self.python(&format!(
            "import sys\nsys.stdout.write(s3.get_object(Bucket='{bucket}', Key='{key}')['Body'].read().hex())"
        ));
        (0..out.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&out[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Multipart uploads not completed (should be none after a clean stop).
    pub fn pending_uploads(&self, bucket: &str) -> usize {
        let out = self.python(&format!(
            "r = s3.list_multipart_uploads(Bucket='{bucket}')\nprint(len(r.get('Uploads', [])))"
        ));
        out.trim().parse().unwrap()
    }

    /// [`S3Server::core_site`] with `fs.s3a.buffer.dir` (where the sink journals its open
    /// files) set to `buffer`.
    pub fn core_site_with_buffer(&self, buffer: &std::path::Path) -> String {
        self.core_site().replace(
            "</configuration>",
            &format!(
                "<property><name>fs.s3a.buffer.dir</name><value>{}</value></property>\n</configuration>",
                buffer.display()
            ),
        )
    }

    /// `core-site.xml` text for this server.
    pub fn core_site(&self) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<configuration>\n\
             <property><name>fs.s3a.endpoint</name><value>{}</value></property>\n\
             <property><name>fs.s3a.access.key</name><value>{ACCESS_KEY}</value></property>\n\
             <property><name>fs.s3a.secret.key</name><value>{SECRET_KEY}</value></property>\n\
             <property><name>fs.s3a.path.style.access</name><value>true</value></property>\n\
             </configuration>\n",
            self.endpoint
        )
    }
}
