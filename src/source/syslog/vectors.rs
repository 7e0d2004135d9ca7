//! The checker of `compat-fixtures/vectors/syslog.json`: every case against both parsers
//! (run by `vector_cases`).

use std::sync::Arc;

use serde_json::Value;

use super::KeepFields;
use super::parser::{SyslogParser, parse_rfc5424_date};
use super::utils::{DEFAULT_SIZE, SyslogUtils, UDP_MAX_SIZE, UtilsConfig};
use crate::event::Event;
use crate::java::date::JavaZone;
use crate::vectors::{Case, Outcome};

fn keep(case: &Value) -> Option<KeepFields> {
    KeepFields::parse(case["config"]["keepFields"].as_str().unwrap_or("none"))
}

fn zone(case: &Value) -> JavaZone {
    case["jvm_default_tz"]
        .as_str()
        .and_then(JavaZone::try_from_java_id)
        .unwrap_or_else(JavaZone::utc)
}

fn clock(case: &Value) -> i64 {
    case["input"]["clock_now_ms"]
        .as_i64()
        .unwrap_or(1_700_000_000_000)
}

fn body_str(e: &Event) -> String {
    String::from_utf8_lossy(&e.body).into_owned()
}

/// SyslogUtils over the raw stream: every event it produces.
fn run_utils(case: &Value) -> Vec<Event> {
    let input = &case["input"];
    let udp = input.get("datagram_utf8").is_some();
    let text = input["bytes_utf8"]
        .as_str()
        .or_else(|| input["datagram_utf8"].as_str())
        .expect("input bytes");
    let size = if udp {
        UDP_MAX_SIZE
    } else {
        input["eventSize"]
            .as_u64()
            .or_else(|| case["eventSize"].as_u64())
            .map(|s| s as usize)
            .unwrap_or(DEFAULT_SIZE)
    };
    let mut config = UtilsConfig::new(size, keep(case), udp);
    config.zone = zone(case);
    let now = clock(case);
    config.clock = Arc::new(move || now);
    let mut utils = SyslogUtils::new(config);
    let mut rest = text.as_bytes();
    let mut events = Vec::new();
    if udp {
        events.extend(utils.extract_event(&mut rest));
        return events;
    }
    while !rest.is_empty() {
        events.extend(utils.extract_event(&mut rest));
    }
    events
}

fn check_event(id: &str, event: &Event, expected: &Value) {
    if let Some(ts) = expected["timestamp"].as_str() {
        assert_eq!(event.header("timestamp"), Some(ts), "{id}: timestamp");
    }
    if expected["timestamp_absent"].as_bool() == Some(true) {
        assert_eq!(event.header("timestamp"), None, "{id}: timestamp absent");
    }
    if let Some(host) = expected["host"].as_str() {
        assert_eq!(event.header("host"), Some(host), "{id}: host");
    }
    if expected["host_absent"].as_bool() == Some(true) {
        assert_eq!(event.header("host"), None, "{id}: host absent");
    }
    if let Some(body) = expected["body"].as_str() {
        assert_eq!(body_str(event), body, "{id}: body");
    }
    if let Some(body) = expected["derived_body"].as_str() {
        assert_eq!(body_str(event), body, "{id}: derived body");
    }
    if let Some(body) = expected["body_trimmed"].as_str() {
        assert_eq!(body_str(event).trim(), body, "{id}: body (trimmed)");
    }
    for key in ["derived_headers", "headers_subset"] {
        if let Some(map) = expected[key].as_object() {
            for (k, v) in map {
                assert_eq!(event.header(k), v.as_str(), "{id}: header {k}");
            }
        }
    }
    if let Some(absent) = expected["headers_absent"].as_array() {
        for k in absent {
            let k = k.as_str().unwrap_or_default();
            assert_eq!(event.header(k), None, "{id}: header {k} must be absent");
        }
    }
    if let Some(h) = expected["body_contains_header"].as_str() {
        let value = event
            .header(h)
            .unwrap_or_else(|| panic!("{id}: header {h}"));
        assert!(body_str(event).contains(value), "{id}: body contains {h}");
    }
    if let Some(rules) = expected["header_rules"].as_object() {
        for (k, rule) in rules {
            assert_eq!(
                rule.as_str(),
                Some("current time millis"),
                "{id}: unknown rule"
            );
            let v: i64 = event.header(k).and_then(|v| v.parse().ok()).unwrap_or(-1);
            let now = crate::metrics::now_millis();
            assert!(
                (now - 60_000..=now).contains(&v),
                "{id}: {k} = {v} is not the current time"
            );
        }
    }
}

/// A `syslog.json` case, by the Flume method it tests.
pub(crate) fn check(case: &Case) -> Outcome {
    let Some(parser) = case.get("parser").as_str() else {
        return Outcome::NotMine;
    };
    let id = case.id;
    let case = case.value;
    let expected = &case["expected"];
    if parser.starts_with("SyslogUtils.getIP") || parser.starts_with("SyslogUtils.getHostname") {
        let peer = match case["input"]["socket_address"].as_str() {
            Some(addr) => {
                use std::net::ToSocketAddrs;
                let Some(resolved) = addr
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.find(|a| a.is_ipv4()))
                else {
                    return Outcome::Fail(format!("{addr} does not resolve to IPv4"));
                };
                Some(resolved)
            }
            None => None,
        };
        let got = if parser.starts_with("SyslogUtils.getIP") {
            super::peer_ip(peer)
        } else {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            rt.block_on(super::peer_hostname(peer, &super::HostnameCache::default()))
        };
        return Outcome::eq(
            got.as_str(),
            expected["output"].as_str().unwrap_or(""),
            parser,
        );
    }
    if parser.starts_with("SyslogUtils") {
        let events = run_utils(case);
        if let Some(list) = expected["events"].as_array() {
            if events.len() < list.len() {
                return Outcome::Fail(format!("{} events, expected {}", events.len(), list.len()));
            }
            for (event, exp) in events.iter().zip(list) {
                check_event(id, event, exp);
            }
        } else {
            if events.len() != 1 {
                return Outcome::Fail(format!("{} events, expected one", events.len()));
            }
            check_event(id, &events[0], expected);
        }
        return Outcome::Pass;
    }
    if parser.starts_with("SyslogParser.parseRfc5424Date") {
        let stamp = case["input"]["stamp"].as_str().unwrap_or("");
        return Outcome::eq(
            parse_rfc5424_date(stamp).ok(),
            expected["epoch_ms"].as_i64(),
            "epoch ms",
        );
    }
    if parser.starts_with("SyslogParser") {
        let now = clock(case);
        let p = SyslogParser {
            clock: if expected["header_rules"].is_object() {
                super::utils::system_clock()
            } else {
                Arc::new(move || now)
            },
            zone: zone(case),
        };
        let msg = case["input"]["message"].as_str().unwrap_or("");
        let k = keep(case);
        let parsed = match p.parse_message(msg, k.as_ref()) {
            Ok(parsed) => parsed,
            Err(e) => return Outcome::Fail(e.to_string()),
        };
        let event = Event::with_headers(parsed.headers, parsed.body.into_bytes());
        check_event(id, &event, expected);
        return Outcome::Pass;
    }
    Outcome::NotMine
}
