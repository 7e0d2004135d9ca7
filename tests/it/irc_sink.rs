//! The irc sink through the real `flume-ng` binary against a tiny IRC server the test runs on
//! loopback (`support/irc_server.py`), which records every line a client sends: the
//! registration sequence IRCLib sends for Flume, one PRIVMSG per event (per line with
//! `splitlines`, split as Java's `String.split`), PING answered, reconnection after the server
//! drops the connection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;

struct IrcServer {
    child: Child,
    log: PathBuf,
}

impl IrcServer {
    fn start(port: u16, dir: &Path, drop_after: usize) -> IrcServer {
        let log = dir.join("irc.jsonl");
        let child = Command::new(tools_python())
            .arg(repo().join("tests/it/support/irc_server.py"))
            .args([
                &port.to_string(),
                log.to_str().unwrap(),
                &drop_after.to_string(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the IRC server");
        wait_port(port, Duration::from_secs(20));
        IrcServer { child, log }
    }

    /// Lines received, by connection number (accept order).
    fn lines(&self) -> BTreeMap<u64, Vec<String>> {
        let mut by_conn: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for l in std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
        {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            by_conn
                .entry(v["conn"].as_u64().unwrap())
                .or_default()
                .push(v["line"].as_str().unwrap().to_string());
        }
        by_conn
    }

    /// Lines of the connection that registered with `nick` (the first such connection).
    fn lines_of(&self, nick: &str) -> Vec<String> {
        self.lines()
            .into_values()
            .find(|ls| ls.iter().any(|l| *l == format!("NICK {nick}")))
            .unwrap_or_default()
    }
}

impl Drop for IrcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn privmsgs(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("PRIVMSG "))
        .cloned()
        .collect()
}

#[test]
fn irc_sink_registers_joins_and_sends_one_privmsg_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = IrcServer::start(port, dir.path(), 0);
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = irc\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.hostname = 127.0.0.1\na1.sinks.k1.port = {port}\n\
             a1.sinks.k1.nick = flumebot\na1.sinks.k1.password = s3cret\n\
             a1.sinks.k1.user = fuser\na1.sinks.k1.name = Flume Bot\na1.sinks.k1.chan = flume\n"
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    eventually(Duration::from_secs(20), "three messages and a PONG", || {
        let ls = server.lines_of("flumebot");
        privmsgs(&ls).len() >= 3 && ls.iter().any(|l| l == "PONG :tok0")
    });
    let lines = server.lines_of("flumebot");
    // What IRCLib 1.10 sends for Flume: PASS, NICK, USER with the local address as Java
    // prints it and the server's host name, then a lowercase join (no wait for the welcome).
    assert_eq!(
        lines[..4],
        [
            "PASS s3cret",
            "NICK flumebot",
            "USER fuser /127.0.0.1 127.0.0.1 :Flume Bot",
            "join #flume",
        ],
        "{lines:?}"
    );
    assert_eq!(
        privmsgs(&lines),
        [
            "PRIVMSG #flume :0",
            "PRIVMSG #flume :1",
            "PRIVMSG #flume :2"
        ]
    );
    assert_eq!(server.lines().len(), 1, "one connection");
    let log = agent.log();
    assert!(log.contains("IRC sink starting"), "{log}");
    assert!(!log.contains("s3cret"), "the password is never logged");
    assert_eq!(agent.stop(), Some(0));
    assert!(agent.log().contains("IRC sink k1 stopping"));
}

/// `splitlines` sends one PRIVMSG per part of Java's `body.split(splitchars)` (a regular
/// expression; trailing empty parts dropped, inner ones kept); without it the body goes in one
/// message, line breaks included. Unset `user`/`name` are sent as `null`, as Java does.
#[test]
fn irc_sink_splitlines_with_java_split() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = IrcServer::start(port, dir.path(), 0);
    let http_port = free_port();
    let sink = |k: &str, c: &str, extra: &str| {
        format!(
            "a1.sinks.{k}.type = irc\na1.sinks.{k}.channel = {c}\n\
             a1.sinks.{k}.hostname = 127.0.0.1\na1.sinks.{k}.port = {port}\n\
             a1.sinks.{k}.nick = nick{k}\na1.sinks.{k}.chan = logs\n{extra}"
        )
    };
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1 c2 c3\na1.sinks = k1 k2 k3\n\
             a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\n\
             a1.sources.r1.port = {http_port}\na1.sources.r1.channels = c1 c2 c3\n\
             a1.channels.c1.type = memory\na1.channels.c2.type = memory\na1.channels.c3.type = memory\n\
             {}{}{}",
            sink(
                "k1",
                "c1",
                "a1.sinks.k1.splitlines = true\na1.sinks.k1.user = u1\na1.sinks.k1.name = n1\n"
            ),
            sink(
                "k2",
                "c2",
                "a1.sinks.k2.splitlines = true\na1.sinks.k2.splitchars = [|;]+\n"
            ),
            sink("k3", "c3", ""),
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(http_port, Duration::from_secs(20));
    let json = serde_json::json!([
        {"headers": {}, "body": "a\nb\n\nc\n"},
        {"headers": {}, "body": "x|y;;z"},
    ])
    .to_string();
    let (status, _, _) = http(
        "POST",
        http_port,
        "/",
        Some("application/json"),
        json.as_bytes(),
    );
    assert_eq!(status, 200);
    eventually(Duration::from_secs(20), "all messages", || {
        privmsgs(&server.lines_of("nickk1")).len() >= 5
            && privmsgs(&server.lines_of("nickk2")).len() >= 4
            && privmsgs(&server.lines_of("nickk3")).len() >= 2
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        privmsgs(&server.lines_of("nickk1")),
        [
            "PRIVMSG #logs :a",
            "PRIVMSG #logs :b",
            "PRIVMSG #logs :",
            "PRIVMSG #logs :c",
            "PRIVMSG #logs :x|y;;z"
        ]
    );
    assert_eq!(
        privmsgs(&server.lines_of("nickk2")),
        [
            "PRIVMSG #logs :a\nb\n\nc\n",
            "PRIVMSG #logs :x",
            "PRIVMSG #logs :y",
            "PRIVMSG #logs :z"
        ]
    );
    assert_eq!(
        privmsgs(&server.lines_of("nickk3")),
        ["PRIVMSG #logs :a\nb\n\nc\n", "PRIVMSG #logs :x|y;;z"]
    );
    assert!(
        server
            .lines_of("nickk2")
            .contains(&"USER null /127.0.0.1 127.0.0.1 :null".to_string())
    );
    assert!(
        server
            .lines_of("nickk1")
            .contains(&"USER u1 /127.0.0.1 127.0.0.1 :n1".to_string())
    );
    assert_eq!(agent.stop(), Some(0));
}

/// The server closes the connection 0.3 s after the third message: the sink notices, and the
/// next events go out on a new connection, registered again, in order, none lost. (IRC
/// acknowledges nothing: what a client writes while the server is closing is lost whatever the
/// client does; Java Flume, which keeps its dead connection, loses every later event.)
#[test]
fn irc_sink_reconnects_after_the_server_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let http_port = free_port();
    let server = IrcServer::start(port, dir.path(), 3);
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\n\
             a1.sources.r1.port = {http_port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = irc\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.hostname = 127.0.0.1\na1.sinks.k1.port = {port}\n\
             a1.sinks.k1.nick = bot\na1.sinks.k1.chan = flume\n"
        ),
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    wait_port(http_port, Duration::from_secs(20));
    let send = |from: u64, to: u64| {
        let events: Vec<serde_json::Value> = (from..to)
            .map(|i| serde_json::json!({"headers": {}, "body": i.to_string()}))
            .collect();
        let json = serde_json::Value::Array(events).to_string();
        let (status, _, _) = http(
            "POST",
            http_port,
            "/",
            Some("application/json"),
            json.as_bytes(),
        );
        assert_eq!(status, 200);
    };
    send(0, 3);
    agent.wait_for("IRC sink disconnected", Duration::from_secs(20));
    send(3, 10);
    eventually(Duration::from_secs(30), "the last event", || {
        server
            .lines()
            .get(&1)
            .is_some_and(|ls| ls.contains(&"PRIVMSG #flume :9".to_string()))
    });
    let lines = server.lines();
    assert_eq!(
        privmsgs(&lines[&0]),
        [
            "PRIVMSG #flume :0",
            "PRIVMSG #flume :1",
            "PRIVMSG #flume :2"
        ]
    );
    let second = &lines[&1];
    assert_eq!(
        second[..3],
        [
            "NICK bot",
            "USER null /127.0.0.1 127.0.0.1 :null",
            "join #flume"
        ]
    );
    let expected: Vec<String> = (3..10).map(|i| format!("PRIVMSG #flume :{i}")).collect();
    assert_eq!(privmsgs(second), expected);
    assert!(
        agent
            .log()
            .contains("IRC sink error: Closing Link: test drop"),
        "{}",
        agent.log()
    );
    assert_eq!(agent.stop(), Some(0));
}
