//! netcat, exec and http sources through the real binary, observed through the logger sink.

use std::io::{Read, Write};
use std::time::Duration;

use crate::support::*;

fn agent_with_source(source: &str) -> (tempfile::TempDir, Agent) {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n{source}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n"
        ),
    );
    let agent = Agent::start("a1", &conf, &[]);
    (dir, agent)
}

#[test]
fn netcat_acks_each_line_and_keeps_cr() {
    let port = free_port();
    let (_dir, agent) = agent_with_source(&format!(
        "a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}"
    ));
    wait_port(port, Duration::from_secs(10));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"hello\r\nworld\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reply = [0u8; 6];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"OK\nOK\n");
    agent.wait_for(
        "body: 68 65 6C 6C 6F 0D                               hello. }",
        Duration::from_secs(10),
    );
    agent.wait_for(
        "body: 77 6F 72 6C 64                                  world }",
        Duration::from_secs(10),
    );
}

#[test]
fn netcat_rejects_overlong_lines_and_closes() {
    let port = free_port();
    let (_dir, agent) = agent_with_source(&format!(
        "a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\na1.sources.r1.max-line-length = 5"
    ));
    wait_port(port, Duration::from_secs(10));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"abcd\nabcdefgh\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    assert_eq!(
        all,
        "OK\nFAILED: Event exceeds the maximum length (5 chars, including newline)\n"
    );
    agent.wait_for("abcd }", Duration::from_secs(10));
    assert!(!agent.log().contains("abcdefgh"));
}

#[test]
fn exec_without_shell_splits_on_whitespace_like_flume() {
    // Flume passes the quotes through: printf gets the argument 'x\ny\n' with its quotes, so
    // the output lines are `'x`, `y` and `'`.
    let (_dir, agent) = agent_with_source(
        "a1.sources.r1.type = exec\na1.sources.r1.command = printf 'x\\\\ny\\\\n'\na1.sources.r1.batchTimeout = 100",
    );
    agent.wait_for(
        "body: 27 78                                           'x }",
        Duration::from_secs(10),
    );
    agent.wait_for(
        "body: 79                                              y }",
        Duration::from_secs(10),
    );
    agent.wait_for(
        "body: 27                                              ' }",
        Duration::from_secs(10),
    );
}

#[test]
fn exec_with_shell_reads_lines_and_restarts() {
    let (_dir, agent) = agent_with_source(
        "a1.sources.r1.type = exec\na1.sources.r1.shell = /bin/sh -c\na1.sources.r1.command = echo one; echo two\n\
         a1.sources.r1.restart = true\na1.sources.r1.restartThrottle = 200\na1.sources.r1.batchSize = 1",
    );
    agent.wait_for(
        "Command [echo one; echo two] exited with 0",
        Duration::from_secs(10),
    );
    eventually(Duration::from_secs(10), "the command ran twice", || {
        agent.log().matches("6F 6E 65").count() >= 2
    });
    assert!(agent.log().contains("74 77 6F"));
}

#[test]
fn http_json_handler_statuses() {
    let port = free_port();
    let (_dir, agent) = agent_with_source(&format!(
        "a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}"
    ));
    wait_port(port, Duration::from_secs(10));
    let (status, _, _) = http(
        "POST",
        port,
        "/",
        Some("application/json"),
        br#"[{"headers":{"h":"v"},"body":"json body"}]"#,
    );
    assert_eq!(status, 200);
    agent.wait_for(
        "Event: { headers:{h=v} body: 6A 73 6F 6E 20 62 6F 64 79",
        Duration::from_secs(10),
    );
    assert_eq!(http("POST", port, "/any/path", None, b"not json").0, 400);
    assert_eq!(
        http(
            "POST",
            port,
            "/",
            Some("application/json; charset=ISO-8859-1"),
            b"[]"
        )
        .0,
        500
    );
    assert_eq!(http("POST", port, "/", None, b"").0, 500);
    assert_eq!(http("TRACE", port, "/", None, b"").0, 403);
    assert_eq!(http("OPTIONS", port, "/", None, b"").0, 403);
    assert_eq!(
        http("GET", port, "/", None, br#"[{"body":"via get"}]"#).0,
        200
    );
    agent.wait_for("via get", Duration::from_secs(10));
}

#[test]
fn http_answers_503_when_the_channel_is_full() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    // No sink drains the channel: the second request cannot fit.
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1 c2\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.channels.c1.capacity = 2\na1.channels.c1.transactionCapacity = 2\na1.channels.c1.keep-alive = 0\n\
             a1.channels.c2.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c2\n"
        ),
    );
    let _agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    assert_eq!(
        http("POST", port, "/", None, br#"[{"body":"1"},{"body":"2"}]"#).0,
        200
    );
    assert_eq!(http("POST", port, "/", None, br#"[{"body":"3"}]"#).0, 503);
}

#[test]
fn port_in_use_is_reported_and_retried() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let (_dir, agent) = agent_with_source(&format!(
        "a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}"
    ));
    agent.wait_for(
        &format!("cannot bind 127.0.0.1:{port}"),
        Duration::from_secs(10),
    );
    drop(blocker);
    wait_port(port, Duration::from_secs(15));
}

#[test]
fn netcatudp_one_event_per_datagram() {
    let port = free_port();
    let (_dir, agent) = agent_with_source(&format!(
        "a1.sources.r1.type = netcatudp\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\na1.sources.r1.remoteAddressHeader = peer"
    ));
    agent.wait_for("Starting Source r1", Duration::from_secs(10));
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = sock.local_addr().unwrap();
    eventually(Duration::from_secs(10), "datagram delivered", || {
        sock.send_to(b"dgram\nrest is dropped", ("127.0.0.1", port))
            .unwrap();
        agent.log().contains(&format!(
            "headers:{{peer=/127.0.0.1:{}}} body: 64 67 72 61 6D",
            me.port()
        ))
    });
    assert!(!agent.log().contains("rest is dropped"));
}
