//! `flume-ng top` used as a person would: in a real terminal (tmux), read back with
//! `capture-pane`, against a running agent and against Java Flume's `/metrics` JSON (a capture
//! from Flume 1.9 served by Python's http.server); and its plain-text mode.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// A tmux server of its own (`tmux -L <socket>`), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Run `command` in a detached 150×45 session.
    fn start(command: &str) -> Tmux {
        let socket = format!("flume-top-test-{}-{}", std::process::id(), free_port());
        let tmux = Tmux { socket };
        let status = tmux
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                "top",
                "-x",
                "150",
                "-y",
                "45",
                command,
            ])
            .status()
            .expect("tmux is installed (see .ci/apt-packages)");
        assert!(status.success());
        tmux
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c.env_remove("TMUX");
        c
    }

    fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p", "-t", "top"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen satisfies `f`; panics with the screen.
    fn wait(&self, timeout: Duration, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if f(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn session_alive(&self) -> bool {
        self.cmd(&["has-session", "-t", "top"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).stderr(Stdio::null()).status();
    }
}

/// The cells of the row of `name` in a table on screen (border characters removed).
fn row(screen: &str, name: &str) -> Option<Vec<String>> {
    screen.lines().find_map(|line| {
        let cells: Vec<String> = line
            .split(['│', '|'])
            .flat_map(|part| part.split_whitespace())
            .map(str::to_string)
            .collect();
        (cells.first().map(String::as_str) == Some(name)).then_some(cells)
    })
}

fn top_command(args: &str) -> String {
    format!("{} top {args}", flume_ng().display())
}

fn exec_agent_conf(dir: &Path) -> PathBuf {
    let conf = dir.join("agent.conf");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    write(
        &conf,
        &format!(
            "a1.sources = ticker idle\na1.channels = buffer\na1.sinks = roller\n\
             a1.sources.idle.type = http\na1.sources.idle.bind = 127.0.0.1\na1.sources.idle.port = {}\n\
             a1.sources.idle.channels = buffer\n\
             a1.sources.ticker.type = exec\na1.sources.ticker.shell = /bin/sh -c\n\
             a1.sources.ticker.command = while :; do echo tick; sleep 0.02; done\n\
             a1.sources.ticker.batchSize = 5\na1.sources.ticker.batchTimeout = 100\n\
             a1.sources.ticker.channels = buffer\n\
             a1.channels.buffer.type = memory\n\
             a1.sinks.roller.type = file_roll\na1.sinks.roller.sink.directory = {}\n\
             a1.sinks.roller.sink.rollInterval = 0\na1.sinks.roller.channel = buffer\n",
            free_port(),
            out.display()
        ),
    );
    conf
}

fn number(cells: &[String], i: usize) -> f64 {
    cells
        .get(i)
        .and_then(|c| c.trim_end_matches('%').parse().ok())
        .unwrap_or_else(|| panic!("cell {i} of {cells:?} is not a number"))
}

#[test]
fn top_in_a_terminal_shows_a_live_agent_and_survives_its_restart() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = exec_agent_conf(dir.path());
    let monitoring = [
        "-Dflume.monitoring.type=http".to_string(),
        format!("-Dflume.monitoring.port={port}"),
    ];
    let monitoring: Vec<&str> = monitoring.iter().map(String::as_str).collect();
    let mut agent = Agent::start("a1", &conf, &monitoring);
    wait_port(port, Duration::from_secs(10));

    let tmux = Tmux::start(&top_command(&format!("--port {port}")));
    let first = tmux.wait(
        Duration::from_secs(15),
        "three components with rates",
        |s| {
            row(s, "ticker").is_some_and(|r| r[1] != "-")
                && row(s, "buffer").is_some()
                && row(s, "roller").is_some()
        },
    );
    for title in [
        "SOURCES",
        "CHANNELS",
        "SINKS",
        "RECEIVED/s",
        "FILL",
        "OUT/s",
    ] {
        assert!(first.contains(title), "{title} missing:\n{first}");
    }
    assert!(
        first.contains(&format!("127.0.0.1:{port} (--port)")),
        "{first}"
    );
    std::thread::sleep(Duration::from_millis(2500));
    let second = tmux.screen();
    // SOURCES: NAME RECEIVED/s ACCEPTED/s RECEIVED ACCEPTED …; SINKS: NAME OUT/s DRAINED …
    let (a, b) = (
        row(&first, "ticker").unwrap(),
        row(&second, "ticker").unwrap(),
    );
    assert!(
        number(&b, 3) > number(&a, 3),
        "received did not move:\n{first}\n{second}"
    );
    assert!(number(&b, 1) > 0.0, "no received rate:\n{second}");
    let (a, b) = (
        row(&first, "roller").unwrap(),
        row(&second, "roller").unwrap(),
    );
    assert!(
        number(&b, 2) > number(&a, 2),
        "drained did not move:\n{first}\n{second}"
    );
    assert!(number(&b, 1) > 0.0, "no drain rate:\n{second}");
    let c = row(&second, "buffer").unwrap();
    assert!(
        c[1].ends_with('%') && c.iter().any(|x| x.starts_with('[')),
        "{c:?}"
    );

    // Sorted by name; `s` puts the busiest first.
    let order = |s: &str| s.find("│idle ").zip(s.find("│ticker ")).map(|(i, t)| i < t);
    assert_eq!(order(&second), Some(true), "{second}");
    tmux.cmd(&["send-keys", "-t", "top", "s"]).status().unwrap();
    tmux.wait(Duration::from_secs(5), "busiest first", |s| {
        order(s) == Some(false) && s.contains("s: sort by name")
    });

    // The agent goes away: top says so and keeps retrying; it comes back on the same port.
    agent.stop();
    tmux.wait(Duration::from_secs(10), "unreachable", |s| {
        s.contains("unreachable")
    });
    assert!(tmux.session_alive());
    let _agent = Agent::start("a1", &conf, &monitoring);
    let back = tmux.wait(Duration::from_secs(20), "the agent back with rates", |s| {
        !s.contains("unreachable") && row(s, "ticker").is_some_and(|r| r[1] != "-")
    });
    // Counters restarted with the agent: totals are small again, and rates are not negative.
    let r = row(&back, "ticker").unwrap();
    assert!(number(&r, 1) >= 0.0, "{back}");

    tmux.cmd(&["send-keys", "-t", "top", "q"]).status().unwrap();
    eventually(Duration::from_secs(5), "top quits on q", || {
        !tmux.session_alive()
    });
}

/// Serve `dir` over HTTP with Python's http.server (GET /metrics reads `dir/metrics`).
struct PyServer(Child);

impl PyServer {
    fn start(dir: &Path, port: u16) -> PyServer {
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        wait_port(port, Duration::from_secs(10));
        PyServer(child)
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn golden_metrics() -> serde_json::Value {
    let path = repo().join(
        "compat-fixtures/golden/metrics/metrics_http_memory_fileroll_and_http_file_logger.json",
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The cells `top` must show for each component of Flume's JSON, from the JSON itself.
fn expected_rows(json: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    let n =
        |attrs: &serde_json::Value, k: &str| -> u64 { attrs[k].as_str().unwrap().parse().unwrap() };
    let mut rows = Vec::new();
    for (key, a) in json.as_object().unwrap() {
        let (kind, name) = key.split_once('.').unwrap();
        let cells = match kind {
            // NAME RECEIVED/s ACCEPTED/s RECEIVED ACCEPTED CONNECTIONS ERRORS
            "SOURCE" => vec![
                name.to_string(),
                "0.0".into(),
                "0.0".into(),
                n(a, "EventReceivedCount").to_string(),
                n(a, "EventAcceptedCount").to_string(),
                n(a, "OpenConnectionCount").to_string(),
                (n(a, "ChannelWriteFail") + n(a, "EventReadFail") + n(a, "GenericProcessingFail"))
                    .to_string(),
            ],
            // NAME FILL [bar] SIZE CAPACITY PUT/s TAKE/s (Flume's own fill percentage)
            "CHANNEL" => {
                let fill: f64 = a["ChannelFillPercentage"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                vec![
                    name.to_string(),
                    format!("{fill:.1}%"),
                    format!("[{}]", ".".repeat(20)),
                    n(a, "ChannelSize").to_string(),
                    n(a, "ChannelCapacity").to_string(),
                    "0.0".into(),
                    "0.0".into(),
                ]
            }
            // NAME OUT/s DRAINED CONN-FAILED ERRORS
            "SINK" => vec![
                name.to_string(),
                "0.0".into(),
                n(a, "EventDrainSuccessCount").to_string(),
                n(a, "ConnectionFailedCount").to_string(),
                (n(a, "EventWriteFail") + n(a, "ChannelReadFail")).to_string(),
            ],
            other => panic!("unexpected kind {other}"),
        };
        rows.push((name.to_string(), cells));
    }
    rows
}

#[test]
fn top_renders_java_flume_metrics_as_captured() {
    let json = golden_metrics();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("metrics"), json.to_string()).unwrap();
    let port = free_port();
    let _server = PyServer::start(dir.path(), port);

    let tmux = Tmux::start(&top_command(&format!("--host 127.0.0.1 --port {port}")));
    let expected = expected_rows(&json);
    assert_eq!(
        expected.len(),
        5,
        "the capture has two sources, two channels, one sink"
    );
    let screen = tmux.wait(Duration::from_secs(15), "every component with rates", |s| {
        expected
            .iter()
            .all(|(name, _)| row(s, name).is_some_and(|r| r.get(1).is_some_and(|c| c != "-")))
    });
    for (name, cells) in &expected {
        assert_eq!(&row(&screen, name).unwrap(), cells, "row {name}:\n{screen}");
    }
    // Sorted by name within each table.
    let pos = |n: &str| {
        screen
            .find(&format!("│{n} "))
            .or_else(|| screen.find(n))
            .unwrap()
    };
    assert!(pos("r1") < pos("r2") && pos("c1") < pos("c2"), "{screen}");
    tmux.cmd(&["send-keys", "-t", "top", "C-c"])
        .status()
        .unwrap();
    eventually(Duration::from_secs(5), "top quits on Ctrl-C", || {
        !tmux.session_alive()
    });
}

#[test]
fn top_prints_plain_lines_when_not_on_a_terminal() {
    let json = golden_metrics();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("metrics"), json.to_string()).unwrap();
    let port = free_port();
    let _server = PyServer::start(dir.path(), port);

    // --once: one block, rates over one interval.
    let (code, out, err) = run(&["top", "--port", &port.to_string(), "--once", "-i", "0.3"]);
    assert_eq!(code, 0, "{err}");
    let header = out.lines().next().unwrap();
    assert!(
        header.starts_with(&format!("flume-ng top  127.0.0.1:{port} (--port)")),
        "{out}"
    );
    assert!(header.ends_with("  ok"), "{out}");
    for (name, cells) in expected_rows(&json) {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name} missing:\n{out}"));
        let got: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(got, cells, "{out}");
    }
    assert!(
        out.contains("SOURCES\nNAME  RECEIVED/s  ACCEPTED/s"),
        "{out}"
    );

    // Without --once and with stdout a pipe: one block per refresh.
    let mut child = Command::new(flume_ng())
        .args(["top", "--port", &port.to_string(), "-i", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = String::new();
        let mut buf = [0u8; 4096];
        while text.matches("flume-ng top ").count() < 3 {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        text
    });
    let start = Instant::now();
    while !reader.is_finished() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = reader.join().unwrap();
    assert!(text.matches("flume-ng top ").count() >= 3, "{text}");
    assert_eq!(
        text.matches("\nCHANNELS\n").count(),
        text.matches("flume-ng top ").count(),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no terminal escapes in plain mode: {text:?}"
    );

    // Nothing listening: --once says so and fails.
    drop(_server);
    let (code, out, _) = run(&["top", "--port", &port.to_string(), "--once"]);
    assert_eq!(code, 1);
    assert!(
        out.lines().next().unwrap().contains("unreachable ("),
        "{out}"
    );
}

#[test]
fn top_finds_the_port_of_a_running_agent_by_name() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = exec_agent_conf(dir.path());
    // flume-env.sh names another port; the agent's command line wins, as in the agent.
    let conf_dir = dir.path().join("conf");
    write(
        &conf_dir.join("flume-env.sh"),
        "JAVA_OPTS=\"-Dflume.monitoring.type=http -Dflume.monitoring.port=1\"\n",
    );
    let mut cmd = Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-c"])
        .arg(&conf_dir)
        .arg("-f")
        .arg(&conf)
        .args([
            "--no-reload-conf",
            "-Dflume.root.logger=INFO,console",
            &format!("-Dflume.monitoring.port={port}"),
        ]);
    let agent = Agent::spawn(cmd);
    wait_port(port, Duration::from_secs(10));
    let (code, out, err) = run(&[
        "top",
        "--name",
        "a1",
        "--conf-file",
        conf.to_str().unwrap(),
        "--once",
        "-i",
        "0.2",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let header = out.lines().next().unwrap();
    assert!(
        header.contains(&format!(
            "127.0.0.1:{port} (-Dflume.monitoring.port of process {})",
            agent.child.id()
        )),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("ticker ")), "{out}");

    // Without a running process of that name: --conf's flume-env.sh, then -D options.
    let (_, out, _) = run(&[
        "top",
        "-n",
        "nosuch",
        "-c",
        conf_dir.to_str().unwrap(),
        "--once",
    ]);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("127.0.0.1:1 (flume.monitoring.port in flume-env.sh)"),
        "{out}"
    );
    let (_, out, _) = run(&[
        "top",
        "-n",
        "nosuch",
        "-c",
        conf_dir.to_str().unwrap(),
        &format!("-Dflume.monitoring.port={port}"),
        "--once",
        "-i",
        "0.2",
    ]);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains(&format!("127.0.0.1:{port} (-Dflume.monitoring.port)  ")),
        "{out}"
    );
}
