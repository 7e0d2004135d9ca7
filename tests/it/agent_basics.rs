//! The agent runs a config end to end: seq → memory → logger, with Flume's lifecycle lines.

use std::time::Duration;

use crate::support::*;

#[test]
fn seq_to_logger_prints_flume_lines_and_shutdown_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n",
    );
    let mut agent = Agent::start("a1", &conf, &[]);
    agent.wait_for(
        "Event: { headers:{} body: 32                                              2 }",
        Duration::from_secs(10),
    );
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    let channel = log.find("Starting Channel c1").expect("channel start line");
    let sink = log.find("Starting Sink k1").expect("sink start line");
    let source = log.find("Starting Source r1").expect("source start line");
    assert!(
        channel < sink && sink < source,
        "start order channels → sinks → sources:\n{log}"
    );
    assert!(
        log.contains("Shutdown Metric for type: SOURCE, name: r1. src.events.accepted == 3"),
        "{log}"
    );
    assert!(
        log.contains(
            "Shutdown Metric for type: CHANNEL, name: c1. channel.event.take.success == 3"
        ),
        "{log}"
    );
}
