//! The `avro_event` serializer's containers, read back by an independent reader (fastavro),
//! for every block codec.

use flume_rs::sink::serializer::SerializerFactory;
use flume_rs::{Event, Headers};

use crate::support::run_python;

const READ: &str = r#"
import json, sys, fastavro
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        r = fastavro.reader(f)
        out.append({"codec": r.codec, "schema": r.writer_schema["name"],
                    "records": [{"headers": rec["headers"], "body": rec["body"].hex()} for rec in r]})
print(json.dumps(out))
"#;

fn events() -> Vec<Event> {
    (0..300)
        .map(|i| {
            let mut h = Headers::new();
            h.insert("n".into(), i.to_string());
            h.insert("ключ".into(), "значение ✓".into());
            h.insert("timestamp".into(), "1700000000000".into());
            let body: Vec<u8> = format!("event {i} ").repeat(i % 7).into_bytes();
            Event::with_headers(h, body)
        })
        .collect()
}

#[test]
fn fastavro_reads_every_codec() {
    let dir = tempfile::tempdir().unwrap();
    let events = events();
    let mut paths = Vec::new();
    for codec in ["null", "deflate", "snappy", "bzip2"] {
        let ctx = flume_rs::config::Context::from_pairs(
            "a1.sinks.k1.",
            [
                ("serializer.compressionCodec", codec),
                ("serializer.syncIntervalBytes", "4096"),
            ],
        )
        .sub("serializer.");
        let mut ser = SerializerFactory::from_context("avro_event", &ctx)
            .unwrap()
            .create()
            .unwrap();
        let mut out = Vec::new();
        ser.after_create(&mut out).unwrap();
        // Three "transactions": each flush ends a block.
        for chunk in events.chunks(100) {
            for e in chunk {
                ser.write(e, &mut out).unwrap();
            }
            ser.flush(&mut out).unwrap();
        }
        ser.before_close(&mut out).unwrap();
        let path = dir.path().join(format!("{codec}.avro"));
        std::fs::write(&path, out).unwrap();
        paths.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let files: serde_json::Value = serde_json::from_str(&run_python(READ, &args)).unwrap();
    for (file, codec) in files
        .as_array()
        .unwrap()
        .iter()
        .zip(["null", "deflate", "snappy", "bzip2"])
    {
        assert_eq!(file["codec"], codec);
        assert_eq!(file["schema"], "Event");
        let records = file["records"].as_array().unwrap();
        assert_eq!(records.len(), events.len(), "{codec}");
        for (rec, e) in records.iter().zip(&events) {
            let body: String = e.body.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(rec["body"], body.as_str(), "{codec}");
            for (k, v) in &e.headers {
                assert_eq!(rec["headers"][k], v.as_str(), "{codec}");
            }
        }
    }
}
