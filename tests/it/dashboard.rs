//! The Grafana dashboard (packaging/grafana/flume-rs.json) queries only what a running agent
//! serves: every metric name and label of its PromQL is checked against a real scrape.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::support::*;

/// Every PromQL expression of the dashboard: panel targets and template variable queries.
fn queries(dashboard: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("expr", serde_json::Value::String(s)) => out.push(s.clone()),
                        ("query", serde_json::Value::String(s)) if s.contains("flume_") => {
                            out.push(s.clone())
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(dashboard, &mut out);
    out
}

/// What one query uses: metric names, `__name__` regexes, and label names (in selectors,
/// `by (…)`/`without (…)` and `label_values(…, label)`).
#[derive(Debug, Default)]
struct Uses {
    metrics: BTreeSet<String>,
    name_regexes: Vec<String>,
    labels: BTreeSet<String>,
}

fn uses(query: &str) -> Uses {
    let mut u = Uses::default();
    let metric = regex::Regex::new(r#"\bflume_[a-z_]+"#).unwrap();
    let selector = regex::Regex::new(r#"\{([^{}]*)\}"#).unwrap();
    let matcher =
        regex::Regex::new(r#"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)""#)
            .unwrap();
    let grouping = regex::Regex::new(r#"\b(?:by|without)\s*\(([^)]*)\)"#).unwrap();
    let label_values =
        regex::Regex::new(r#"label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$"#).unwrap();
    // Names outside selectors' quoted values.
    let unquoted = regex::Regex::new(r#""(?:[^"\\]|\\.)*""#)
        .unwrap()
        .replace_all(query, "\"\"");
    for m in metric.find_iter(&unquoted) {
        u.metrics.insert(m.as_str().to_string());
    }
    for sel in selector.captures_iter(query) {
        for m in matcher.captures_iter(&sel[1]) {
            if &m[1] == "__name__" {
                u.name_regexes.push(m[3].to_string());
            } else {
                u.labels.insert(m[1].to_string());
            }
        }
    }
    for g in grouping.captures_iter(query) {
        for l in g[1].split(',').map(str::trim).filter(|l| !l.is_empty()) {
            u.labels.insert(l.to_string());
        }
    }
    if let Some(c) = label_values.captures(query.trim()) {
        u.labels.insert(c[2].to_string());
    }
    u
}

/// metric name → its label names, from Prometheus text.
fn served(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let line = regex::Regex::new(r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+\S+$"#).unwrap();
    let label = regex::Regex::new(r#"([A-Za-z_][A-Za-z0-9_]*)="#).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(c) = line.captures(l) {
            let labels = out.entry(c[1].to_string()).or_default();
            labels.extend(label.captures_iter(&c[2]).map(|m| m[1].to_string()));
        }
    }
    out
}

#[test]
fn every_metric_and_label_the_dashboard_queries_is_served() {
    let path = repo().join("packaging/grafana/flume-rs.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let queries = queries(&dashboard);
    assert!(queries.len() >= 15, "{queries:?}");
    let used: Vec<(String, Uses)> = queries.iter().map(|q| (q.clone(), uses(q))).collect();
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        variables.contains(&"agent") && variables.contains(&"component"),
        "{variables:?}"
    );

    // Every component kind whose metrics the dashboard reads: a source, a channel and a sink
    // with counters (seq, memory, file_roll).
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    write(
        &conf,
        &format!(
            "dash.sources = r1\ndash.channels = c1\ndash.sinks = k1\n\
             dash.sources.r1.type = seq\ndash.sources.r1.totalEvents = 10\ndash.sources.r1.channels = c1\n\
             dash.channels.c1.type = memory\n\
             dash.sinks.k1.type = file_roll\ndash.sinks.k1.sink.directory = {}\ndash.sinks.k1.channel = c1\n",
            out.display()
        ),
    );
    let _agent = Agent::start(
        "dash",
        &conf,
        &[
            "-Dflume.monitoring.type=prometheus",
            &format!("-Dflume.monitoring.port={port}"),
        ],
    );
    wait_port(port, Duration::from_secs(10));
    let mut text = String::new();
    eventually(
        Duration::from_secs(10),
        "all three components scraped",
        || {
            let (status, _, body) = http("GET", port, "/metrics", None, b"");
            text = String::from_utf8_lossy(&body).into_owned();
            status == 200
                && text
                    .contains("flume_sink_event_drain_success_count{agent=\"dash\",name=\"k1\"} 10")
        },
    );
    let served = served(&text);
    assert!(served.len() > 20, "{text}");

    let mut checked_metrics = BTreeSet::new();
    for (query, u) in &used {
        let mut metrics: Vec<&String> = u.metrics.iter().collect();
        for re in &u.name_regexes {
            let re = regex::Regex::new(&format!("^(?:{re})$")).unwrap();
            let matching: Vec<&String> = served.keys().filter(|m| re.is_match(m)).collect();
            assert!(
                !matching.is_empty(),
                "__name__=~{re} matches no served metric: {query}"
            );
            metrics.extend(matching);
        }
        assert!(!metrics.is_empty(), "no metric in {query}");
        for m in &metrics {
            let labels = served
                .get(*m)
                .unwrap_or_else(|| panic!("{m} is not served (query {query})\n{text}"));
            for l in &u.labels {
                assert!(labels.contains(l), "{m} has no label {l} (query {query})");
            }
            checked_metrics.insert(m.to_string());
        }
    }
    // The dashboard covers throughput, fill, errors and back-offs.
    for m in [
        "flume_source_event_received_count",
        "flume_source_event_accepted_count",
        "flume_channel_channel_size",
        "flume_channel_channel_capacity",
        "flume_sink_event_drain_success_count",
        "flume_sink_connection_failed_count",
        "flume_sink_batch_empty_count",
    ] {
        assert!(
            checked_metrics.contains(m),
            "the dashboard does not query {m}"
        );
    }
}

#[test]
fn the_query_reader_finds_names_and_labels() {
    let u = uses(
        r#"sum by (agent, name) (rate(flume_source_event_received_count{agent=~"$agent",name=~"a\"b"}[5m])) / flume_x"#,
    );
    assert_eq!(
        u.metrics.iter().collect::<Vec<_>>(),
        ["flume_source_event_received_count", "flume_x"]
    );
    assert_eq!(u.labels.iter().collect::<Vec<_>>(), ["agent", "name"]);
    let u = uses(r#"label_values({__name__=~"flume_(a|b)",agent=~"$agent"}, name)"#);
    assert!(u.metrics.is_empty());
    assert_eq!(u.name_regexes, ["flume_(a|b)"]);
    assert_eq!(u.labels.iter().collect::<Vec<_>>(), ["agent", "name"]);
}
