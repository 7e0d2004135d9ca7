//! Flume's JSONHandler cases (compat-fixtures/vectors/json_handler.json), data-driven: handler
//! cases call the handler; request-level cases go through a running agent's http source.

use std::time::Duration;

use flume_rs::source::http::{HandlerError, json_events};

use flume_rs::vectors::{Case, Outcome};

use crate::support::*;

fn encode(charset: &str, s: &str) -> Vec<u8> {
    match charset.to_ascii_uppercase().as_str() {
        "UTF-16" => {
            let mut out = vec![0xFE, 0xFF];
            s.encode_utf16()
                .for_each(|u| out.extend_from_slice(&u.to_be_bytes()));
            out
        }
        "UTF-32" => s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect(),
        _ => s.as_bytes().to_vec(),
    }
}

/// A handler-level case: the body through `JSONHandler.getEvents`.
fn check_handler(case: &Case) -> Outcome {
    {
        let id = case.id;
        let input = case.input();
        let expected = case.expected();
        if input.get("method").is_some() {
            return Outcome::NotMine;
        }
        let charset = input["content_type_charset"].as_str();
        let content_type = charset.map(|c| format!("application/json; charset={c}"));
        let body = encode(charset.unwrap_or("UTF-8"), input["body"].as_str().unwrap());
        let result = json_events(content_type.as_deref(), &body);
        match expected.get("http_status").and_then(|s| s.as_u64()) {
            Some(400) => assert!(
                matches!(result, Err(HandlerError::BadRequest(_))),
                "{id}: {result:?}"
            ),
            Some(500) => assert!(
                matches!(result, Err(HandlerError::Internal(_))),
                "{id}: {result:?}"
            ),
            Some(other) => panic!("{id}: unexpected status {other}"),
            None => {
                let events = result.unwrap_or_else(|e| panic!("{id}: {e}"));
                let want = expected["events"].as_array().unwrap();
                assert_eq!(events.len(), want.len(), "{id}");
                let body_charset = expected["body_encoding"].as_str().unwrap_or("UTF-8");
                for (got, want) in events.iter().zip(want) {
                    let want_headers: Vec<(String, String)> = want["headers"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect();
                    let got_headers: Vec<(String, String)> = got
                        .headers
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    assert_eq!(got_headers, want_headers, "{id}");
                    assert_eq!(
                        &got.body[..],
                        &encode(body_charset, want["body_text"].as_str().unwrap())[..],
                        "{id}"
                    );
                }
            }
        }
        Outcome::Pass
    }
}

/// Every case of `json_handler.json`: handler-level cases call the handler, request-level
/// cases go to a running agent's http source.
#[test]
fn json_handler_vectors() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("agent.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.bind = 127.0.0.1\na1.sources.r1.port = {port}\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\na1.sinks.k1.type = logger\na1.sinks.k1.channel = c1\n"
        ),
    );
    let agent = Agent::start("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(10));
    let check_request = |case: &Case| -> Outcome {
        let Some(method) = case.input().get("method").and_then(|m| m.as_str()) else {
            return Outcome::NotMine;
        };
        let id = case.id;
        let case = case.value;
        let body = case["input"]
            .get("body")
            .and_then(|b| b.as_str())
            .unwrap_or("");
        let methods: Vec<&str> = if method == "TRACE or OPTIONS" {
            vec!["TRACE", "OPTIONS"]
        } else {
            vec![method]
        };
        let want_status = match &case["expected"]["http_status"] {
            serde_json::Value::Number(n) => n.as_u64().unwrap() as u16,
            serde_json::Value::String(s) => s[..3].parse().unwrap(),
            other => panic!("{id}: {other}"),
        };
        for m in methods {
            assert_eq!(
                http(m, port, "/", Some("application/json"), body.as_bytes()).0,
                want_status,
                "{id} {m}"
            );
        }
        for e in case["expected"]
            .get("events")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            let text = e["body_text"].as_str().unwrap();
            agent.wait_for(&format!("{text} }}"), Duration::from_secs(10));
        }
        Outcome::Pass
    };
    flume_rs::vectors::run(
        "json_handler.json",
        &[
            ("JSONHandler", &check_handler),
            ("http source", &check_request),
        ],
    )
    .assert_ok();
}
