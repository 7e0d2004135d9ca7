//! The logger sink's lines against the lines a real Java Flume 1.9 logged for the same events
//! (golden/logger/logger_sink_odd.log, events from golden/input_events.json).

use flume_rs::sink::logger::dump_event;
use flume_rs::{Event, Headers};

use crate::support::shared_reference;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn logger_lines_match_java_flume() {
    let golden = shared_reference().join("golden");
    let (Ok(events), Ok(log)) = (
        std::fs::read_to_string(golden.join("input_events.json")),
        std::fs::read_to_string(golden.join("logger/logger_sink_odd.log")),
    ) else {
        eprintln!("skipped: golden files not found under {}", golden.display());
        return;
    };
    let events: serde_json::Value = serde_json::from_str(&events).unwrap();
    let expected: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, m)| m))
        .collect();
    let odd = events["odd"].as_array().unwrap();
    assert_eq!(odd.len(), expected.len());
    for (e, want) in odd.iter().zip(expected) {
        let mut headers = Headers::new();
        for (k, v) in e["headers"].as_object().unwrap() {
            headers.insert(k.clone(), v.as_str().unwrap().to_string());
        }
        // The events reached the sink through an avro source (`avro_map_headers`).
        let event = Event::with_headers(
            flume_rs::java::avro_map_headers(headers),
            hex(e["body_hex"].as_str().unwrap()),
        );
        assert_eq!(format!("Event: {}", dump_event(&event)), want);
    }
}

#[test]
fn user_guide_sample_line() {
    // serializers_and_readers.json `logger-derived-dump`.
    assert_eq!(
        format!("Event: {}", dump_event(&Event::new("Hello world!\r"))),
        "Event: { headers:{} body: 48 65 6C 6C 6F 20 77 6F 72 6C 64 21 0D          Hello world!. }"
    );
}
