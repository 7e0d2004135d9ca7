//! The `flume-ng` command line as Flume's users drive it.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

const SEQ_LOGGER: &str = "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
    a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 2\na1.sources.r1.channels = c1\n\
    a1.channels.c1.type = memory\na1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n";

#[test]
fn version_first_line_is_flume_version() {
    let (code, out, _) = run(&["version"]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("Flume 1.11.0"));
    assert!(lines.next().unwrap().starts_with("flume-rs "));
}

#[test]
fn help_and_unknown_commands() {
    let (code, out, _) = run(&["help"]);
    assert_eq!(code, 0);
    assert!(out.contains("agent") && out.contains("avro-client"));
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!(code, 1);
    assert!(err.contains("Unknown or unspecified command 'frobnicate'"));
    let (code, _, err) = run(&[]);
    assert_eq!(code, 1);
    assert!(err.contains("Unknown or unspecified command ''"));
}

#[test]
fn agent_requires_name_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(&conf, SEQ_LOGGER);
    let (code, _, err) = run(&[
        "agent",
        "-f",
        conf.to_str().unwrap(),
        "-Dflume.root.logger=INFO,console",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("Missing required option: n"), "{err}");
    let (code, _, err) = run(&["agent", "-n", "a1", "-Dflume.root.logger=INFO,console"]);
    assert_eq!(code, 1);
    assert!(err.contains("No configuration was provided"), "{err}");
    let (code, _, err) = run(&[
        "agent",
        "-n",
        "a1",
        "-f",
        "/nonexistent/agent.conf",
        "-Dflume.root.logger=INFO,console",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/agent.conf"), "{err}");
    let (code, _, err) = run(&["agent", "-n", "a1", "-f", conf.to_str().unwrap(), "--bogus"]);
    assert_eq!(code, 1);
    assert!(err.contains("Unrecognized option: --bogus"), "{err}");
}

#[test]
fn jvm_options_are_accepted_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(&conf, SEQ_LOGGER);
    let mut agent = Agent::start(
        "a1",
        &conf,
        &["-Xmx20m", "--classpath", "/opt/x.jar", "-javaagent:/x.jar"],
    );
    // No Java component in this configuration: no JVM, and the options say they are unused.
    agent.wait_for(
        "-Xmx20m: for Java plugins; this configuration has none, so no JVM was started",
        Duration::from_secs(10),
    );
    agent.wait_for(
        "--classpath /opt/x.jar: for Java plugins; this configuration has none",
        Duration::from_secs(10),
    );
    agent.wait_for("body: 31", Duration::from_secs(10));
    assert_eq!(agent.stop(), Some(0));
}

#[test]
fn default_logger_writes_logs_flume_log_like_flume() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(&conf, SEQ_LOGGER);
    let mut cmd = Command::new(flume_ng());
    cmd.current_dir(dir.path())
        .args(["agent", "-n", "a1", "-f", "a.conf", "--no-reload-conf"]);
    let mut agent = Agent::spawn(cmd);
    let log = dir.path().join("logs/flume.log");
    eventually(
        Duration::from_secs(10),
        "events in ./logs/flume.log",
        || {
            std::fs::read_to_string(&log)
                .map(|t| t.contains("body: 31"))
                .unwrap_or(false)
        },
    );
    assert_eq!(agent.stop(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("[INFO - org.apache.flume.sink.LoggerSink] Event: { headers:{} body: 30"),
        "{text}"
    );
    // -Dflume.log.dir / -Dflume.log.file move it.
    let mut cmd = Command::new(flume_ng());
    cmd.current_dir(dir.path()).args([
        "agent",
        "-n",
        "a1",
        "-f",
        "a.conf",
        "--no-reload-conf",
        "-Dflume.log.dir=custom",
        "-Dflume.log.file=agent.log",
    ]);
    let mut agent = Agent::spawn(cmd);
    eventually(Duration::from_secs(10), "custom log file", || {
        std::fs::read_to_string(dir.path().join("custom/agent.log"))
            .map(|t| t.contains("body: 31"))
            .unwrap_or(false)
    });
    agent.stop();
}

#[test]
fn custom_java_class_names_the_class_component_and_closest_type() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(
        &conf,
        &SEQ_LOGGER.replace(
            "a1.sinks.k1.type = logger",
            "a1.sinks.k1.type = com.example.flume.MyHdfsSink",
        ),
    );
    let (code, _, err) = run(&[
        "agent",
        "-n",
        "a1",
        "-f",
        conf.to_str().unwrap(),
        "--no-reload-conf",
        "-Dflume.root.logger=INFO,console",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("com.example.flume.MyHdfsSink"), "{err}");
    assert!(err.contains("a1.sinks.k1.type"), "{err}");
    assert!(err.contains("a.conf:8"), "{err}");
    assert!(err.contains("closest built-in type is \"hdfs\""), "{err}");
}

#[test]
fn reload_keeps_memory_channel_events() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    // First: a seq source fills c1, which has no sink draining it (k1 drains c2).
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1 c2\na1.sinks = k1 k2\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.channels.c2.type = memory\n\
         a1.sinks.k1.type = null\na1.sinks.k1.channel = c2\n\
         a1.sinks.k2.type = null\na1.sinks.k2.channel = c2\n",
    );
    let mut cmd = Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"]).arg(&conf).args([
        "-i",
        "1",
        "-Dflume.root.logger=INFO,console",
    ]);
    let mut agent = Agent::spawn(cmd);
    agent.wait_for("Starting Source r1", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    // Then: no source; a logger sink drains c1. The reused channel still holds 0, 1, 2.
    std::thread::sleep(Duration::from_millis(1100));
    write(
        &conf,
        "a1.channels = c1\na1.sinks = k1\na1.channels.c1.type = memory\na1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n",
    );
    agent.wait_for("Reloading configuration", Duration::from_secs(10));
    for body in ["body: 30", "body: 31", "body: 32"] {
        agent.wait_for(body, Duration::from_secs(10));
    }
    assert_eq!(agent.stop(), Some(0));
}

#[test]
fn sighup_reloads_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("a.conf");
    write(&conf, SEQ_LOGGER);
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for("body: 31", Duration::from_secs(10));
    write(
        &conf,
        &SEQ_LOGGER.replace("totalEvents = 2", "totalEvents = 4"),
    );
    let _ = Command::new("kill")
        .arg("-HUP")
        .arg(agent.child.id().to_string())
        .status();
    agent.wait_for("body: 33", Duration::from_secs(10));
    assert_eq!(agent.stop(), Some(0));
}
