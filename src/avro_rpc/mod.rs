//! Avro IPC as Flume's avro source, avro sink, `flume-ng avro-client` and log4j appender speak
//! it (reference §9.10 "Avro IPC wire protocol"): Avro's `NettyTransportCodec` framing, the
//! handshake, call metadata, `append` / `appendBatch` of `AvroFlumeEvent`, `Status` replies and
//! system errors, and the zlib stream that `compression-type = deflate` puts under the frames.
//!
//! - `framing`: frames and the deflate stream; `handshake`: the Avro records of the protocol;
//! - `responder`: the server side, [`Responder`] (one per source, shared by its connections)
//!   with a [`Connection`] per TCP connection; `requester`: the client side, [`Requester`].
//!   These are bytes only, no sockets; both lay out their buffers the way Avro's Java
//!   `Responder` / `Requester` do, so that our frames are byte-identical to the captured Java
//!   ones (`compat-fixtures/golden/avro-ipc`).
//! - [`client`]: Flume's `NettyAvroRpcClient` over TCP (and TLS from [`crate::tls`]), used by
//!   the avro sink and `flume-ng avro-client`. The avro source (`source/avro.rs`) serves
//!   connections with the responder.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::{BufMut, Bytes, BytesMut};

use crate::event::{Event, Headers};
use crate::format::avro_event::{self, DecodeError, Reader, put_bytes, put_long};

/// `AvroSourceProtocol` as Java's `Protocol.toString()` prints it (what a Java server sends in
/// a NONE/CLIENT handshake), byte for byte.
pub const PROTOCOL_JSON: &str = include_str!("AvroSourceProtocol.json");

/// MD5 of [`PROTOCOL_JSON`]: the hash every Java Flume client sends.
pub const PROTOCOL_HASH: [u8; 16] = [
    0x86, 0xaa, 0xda, 0xe2, 0xc4, 0x54, 0x74, 0xc0, 0xfe, 0x93, 0xff, 0xd0, 0xf2, 0x35, 0x0a, 0x65,
];

/// Java's `ByteBufferOutputStream` chunk size: request parameters travel in buffers of at most
/// this many bytes.
pub const JAVA_BUFFER_SIZE: usize = 8192;

/// Largest call payload a peer may send (the Java server's bound is 10 % of its heap).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 128 << 20;

/// Protocols learned from clients that sent their text; bounded so that a client cycling
/// through hashes cannot grow the table without end.
const MAX_KNOWN_PROTOCOLS: usize = 256;

const MESSAGES: [&str; 2] = ["append", "appendBatch"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvroRpcError {
    #[error("frame declares a negative buffer count ({0})")]
    NegativeCount(i32),
    #[error("frame declares a negative buffer length ({0})")]
    NegativeLength(i32),
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge { size: u64, limit: usize },
    #[error("corrupt deflate stream: {0}")]
    Inflate(String),
    #[error("malformed Avro data: {0}")]
    Decode(#[from] DecodeError),
    #[error("malformed response: {0}")]
    BadResponse(String),
    /// The server answered with an Avro system error (an exception text).
    #[error("{0}")]
    Remote(String),
}

/// `org.apache.flume.source.avro.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    Unknown,
}

impl Status {
    fn index(self) -> i64 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Unknown => 2,
        }
    }

    fn from_index(i: i64) -> Option<Status> {
        match i {
            0 => Some(Status::Ok),
            1 => Some(Status::Failed),
            2 => Some(Status::Unknown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Failed => "FAILED",
            Status::Unknown => "UNKNOWN",
        }
    }
}

pub mod client;
mod framing;
mod handshake;
mod requester;
mod responder;

pub use framing::*;
pub use handshake::*;
pub use requester::*;
pub use responder::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("compat-fixtures/golden/avro-ipc")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut buf = BytesMut::from(bytes);
        let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_BYTES);
        let mut out = Vec::new();
        while let Some(f) = d.decode(&mut buf).unwrap() {
            out.push(f);
        }
        assert!(buf.is_empty(), "trailing bytes");
        out
    }

    /// Feed every client→server frame of a capture to a fresh responder, executing calls with
    /// `status`, and return what we would have sent back.
    fn replay(c2s: &[u8], statuses: &[Status]) -> (Vec<u8>, Vec<Call>) {
        let responder = Responder::new();
        let mut conn = Connection::default();
        let mut out = Vec::new();
        let mut calls = Vec::new();
        let mut statuses = statuses.iter();
        for f in frames(c2s) {
            match responder.respond(&mut conn, &f) {
                Step::Reply(b) => out.extend_from_slice(&b),
                Step::Execute(call, pending) => {
                    calls.push(call);
                    out.extend_from_slice(&pending.finish(*statuses.next().unwrap()));
                }
            }
        }
        (out, calls)
    }

    #[test]
    fn protocol_hash_is_md5_of_the_protocol_text() {
        use md5::Digest;
        let digest = md5::Md5::digest(PROTOCOL_JSON.as_bytes());
        assert_eq!(digest.as_slice(), PROTOCOL_HASH);
        assert_eq!(PROTOCOL_JSON.len(), 1334);
    }

    #[test]
    fn server_replies_match_java_captures() {
        for (name, statuses) in [
            ("a_avroclient_one_event", &[Status::Ok][..]),
            ("b_avroclient_three_events_headerfile", &[Status::Ok]),
            ("c_avrosink_batch5", &[Status::Ok]),
            ("d_avrosink_deflate.c2s.inflated", &[Status::Ok]),
            ("e_channel_full", &[Status::Ok, Status::Failed]),
            ("f_python_none_client_ping_unknown", &[Status::Ok]),
            ("g_avroclient_20000_byte_body", &[Status::Ok]),
        ] {
            let (c2s, s2c) = match name.strip_suffix(".c2s.inflated") {
                Some(base) => (
                    golden(&format!("{base}.c2s.inflated.bin")),
                    golden(&format!("{base}.s2c.inflated.bin")),
                ),
                None => (
                    golden(&format!("{name}.c2s.bin")),
                    golden(&format!("{name}.s2c.bin")),
                ),
            };
            let (ours, _) = replay(&c2s, statuses);
            assert_eq!(ours, s2c, "{name}");
        }
    }

    #[test]
    fn captured_calls_decode_to_the_sent_events() {
        let (_, calls) = replay(
            &golden("b_avroclient_three_events_headerfile.c2s.bin"),
            &[Status::Ok],
        );
        let Call::AppendBatch(events) = &calls[0] else {
            panic!("expected appendBatch")
        };
        let bodies: Vec<&[u8]> = events.iter().map(|e| &e.body[..]).collect();
        assert_eq!(bodies, [&b"event one"[..], b"event two", b"event three"]);
        assert_eq!(events[0].header("host"), Some("web01"));
        assert_eq!(events[0].header("topic"), Some("test"));

        let (_, calls) = replay(
            &golden("g_avroclient_20000_byte_body.c2s.bin"),
            &[Status::Ok],
        );
        let Call::AppendBatch(events) = &calls[0] else {
            panic!("expected appendBatch")
        };
        assert_eq!(events[0].body.len(), 20000);
        assert!(events[0].body.starts_with(b"abcdefghijklmnopqrstuvwxyzabc"));
        assert_eq!(&events[1].body[..], b"short");

        let (_, calls) = replay(
            &golden("f_python_none_client_ping_unknown.c2s.bin"),
            &[Status::Ok],
        );
        let mut h = Headers::new();
        h.insert("a".into(), "b".into());
        assert_eq!(calls, vec![Call::Append(Event::with_headers(h, "hi"))]);
    }

    fn seq_events(origin: &str) -> Vec<Event> {
        (0..5)
            .map(|i| {
                let mut h = Headers::new();
                h.insert("origin".into(), origin.into());
                Event::with_headers(h, i.to_string())
            })
            .collect()
    }

    #[test]
    fn client_requests_match_java_captures() {
        let mut r = Requester::new();
        let call = r.append_batch(&[Event::new("hello flume")]);
        assert_eq!(
            &call.frame[..],
            &golden("a_avroclient_one_event.c2s.bin")[..]
        );

        let mut headers = Headers::new();
        // Properties iteration order differs from HashMap order; Java's wire order is the
        // HashMap's whatever order the headers were added in.
        headers.insert("topic".into(), "test".into());
        headers.insert("host".into(), "web01".into());
        let events: Vec<Event> = ["event one", "event two", "event three"]
            .iter()
            .map(|b| Event::with_headers(headers.clone(), *b))
            .collect();
        let mut r = Requester::new();
        let call = r.append_batch(&events);
        assert_eq!(
            &call.frame[..],
            &golden("b_avroclient_three_events_headerfile.c2s.bin")[..]
        );

        let mut r = Requester::new();
        let call = r.append_batch(&seq_events("seq1"));
        assert_eq!(&call.frame[..], &golden("c_avrosink_batch5.c2s.bin")[..]);

        // The 20 000-byte body crosses two 8 KiB buffer boundaries, as Java splits it.
        let line: String = "abcdefghijklmnopqrstuvwxyz"
            .chars()
            .cycle()
            .take(20000)
            .collect();
        let mut r = Requester::new();
        let call = r.append_batch(&[Event::new(line), Event::new("short")]);
        assert_eq!(
            &call.frame[..],
            &golden("g_avroclient_20000_byte_body.c2s.bin")[..]
        );

        // Second call on a connection: no handshake, serial 2.
        let c2s = golden("e_channel_full.c2s.bin");
        let mut r = Requester::new();
        let first = r.append_batch(&[Event::new("event one")]);
        let reply = r.read_reply(
            &first,
            &frames(&golden("e_channel_full.s2c.bin"))[0].payload,
        );
        assert_eq!(reply, Ok(Reply::Status(Status::Ok)));
        let second = r.append_batch(&[Event::new("event two")]);
        let mut both = first.frame.to_vec();
        both.extend_from_slice(&second.frame);
        assert_eq!(both, c2s);
        let reply = r.read_reply(
            &second,
            &frames(&golden("e_channel_full.s2c.bin"))[1].payload,
        );
        assert_eq!(reply, Ok(Reply::Status(Status::Failed)));
    }

    #[test]
    fn deflate_matches_java_bytes() {
        let mut r = Requester::new();
        let call = r.append_batch(&seq_events("seq2"));
        assert_eq!(
            &call.frame[..],
            &golden("d_avrosink_deflate.c2s.inflated.bin")[..]
        );
        let mut wire = Vec::new();
        Deflater::new(6).compress(&call.frame, &mut wire).unwrap();
        assert_eq!(wire, golden("d_avrosink_deflate.c2s.bin"));

        // The server's reply, then the end of the stream written when the connection closed.
        let (reply, _) = replay(
            &golden("d_avrosink_deflate.c2s.inflated.bin"),
            &[Status::Ok],
        );
        let mut server = Deflater::new(6);
        let mut wire = Vec::new();
        server.compress(&reply, &mut wire).unwrap();
        server.finish(&mut wire).unwrap();
        assert_eq!(wire, golden("d_avrosink_deflate.s2c.bin"));

        let mut inflated = BytesMut::new();
        let raw = golden("d_avrosink_deflate.s2c.bin");
        let mut inflater = Inflater::new();
        let used = inflater.inflate(&raw, &mut inflated, 1 << 20).unwrap();
        assert_eq!(used, raw.len());
        assert_eq!(
            &inflated[..],
            &golden("d_avrosink_deflate.s2c.inflated.bin")[..]
        );
    }

    #[test]
    fn client_follows_none_then_client_handshake() {
        let s2c = frames(&golden("f_python_none_client_ping_unknown.s2c.bin"));
        let mut r = Requester::new();
        let first = r.append(&Event::new("x"));
        assert_eq!(r.read_reply(&first, &s2c[0].payload), Ok(Reply::Resend));
        let again = r.append(&Event::new("x"));
        // The resend carries our protocol text.
        let responder = Responder::new();
        let mut conn = Connection::default();
        let f = frames(&again.frame).remove(0);
        assert!(matches!(
            responder.respond(&mut conn, &f),
            Step::Execute(..)
        ));
        assert_eq!(
            r.read_reply(&again, &s2c[1].payload),
            Ok(Reply::Status(Status::Ok))
        );
        assert!(r.is_connected());
        let ping = r.ping();
        assert_eq!(r.read_reply(&ping, &s2c[2].payload), Ok(Reply::Pong));
        let call = r.append(&Event::new("x"));
        assert_eq!(
            r.read_reply(&call, &s2c[3].payload),
            Err(AvroRpcError::Remote(
                "org.apache.avro.AvroRuntimeException: No such remote message: nosuch".into()
            ))
        );
    }

    #[test]
    fn frames_split_anywhere_decode_the_same() {
        let bytes = golden("e_channel_full.c2s.bin");
        let whole = frames(&bytes);
        for step in [1, 3, 7, 50] {
            let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_BYTES);
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for chunk in bytes.chunks(step) {
                buf.extend_from_slice(chunk);
                while let Some(f) = d.decode(&mut buf).unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(got, whole, "chunks of {step}");
        }
    }

    #[test]
    fn oversized_and_negative_sizes_are_refused_before_buffering() {
        let mut d = FrameDecoder::new(1024);
        let mut buf = BytesMut::from(&[0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            d.decode(&mut buf),
            Err(AvroRpcError::FrameTooLarge { .. })
        ));
        let mut d = FrameDecoder::new(1024);
        let mut buf = BytesMut::from(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 8, 0][..]);
        assert!(matches!(
            d.decode(&mut buf),
            Err(AvroRpcError::FrameTooLarge { size: 2048, .. })
        ));
        let mut d = FrameDecoder::new(1024);
        let mut buf = BytesMut::from(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff][..]);
        assert_eq!(d.decode(&mut buf), Err(AvroRpcError::NegativeCount(-1)));
    }

    #[test]
    fn garbage_payloads_get_system_errors() {
        let responder = Responder::new();
        for payload in [&[][..], &[0x86; 40], &PROTOCOL_HASH, &[0xff; 64]] {
            let mut conn = Connection::default();
            let f = Frame {
                serial: 9,
                payload: Bytes::copy_from_slice(payload),
            };
            match responder.respond(&mut conn, &f) {
                Step::Reply(b) => assert!(!b.is_empty()),
                Step::Execute(..) => panic!("garbage executed"),
            }
        }
        // A connected client sending an array that claims 2^62 events.
        let mut conn = Connection::default();
        let mut hs = BytesMut::new();
        let call = Requester::new().append_batch(&[]);
        let f = frames(&call.frame).remove(0);
        assert!(matches!(
            responder.respond(&mut conn, &f),
            Step::Execute(..)
        ));
        put_long(&mut hs, 0);
        put_string(&mut hs, "appendBatch");
        put_long(&mut hs, 1 << 62);
        let f = Frame {
            serial: 2,
            payload: hs.freeze(),
        };
        let Step::Reply(reply) = responder.respond(&mut conn, &f) else {
            panic!("expected an error reply")
        };
        let mut r = Requester::new();
        r.connected = true;
        let fake = OutgoingCall {
            serial: 2,
            frame: BytesMut::new(),
            with_handshake: false,
        };
        let payload = frames(&reply).remove(0).payload;
        assert_eq!(
            r.read_reply(&fake, &payload),
            Err(AvroRpcError::Remote("java.io.EOFException".into()))
        );
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// Random bytes through the frame decoder and the responder never panic, and the
            /// decoder never buffers a frame larger than its limit.
            #[test]
            fn random_frames_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512),
                                         connected in any::<bool>()) {
                let responder = Responder::new();
                let mut conn = Connection::default();
                if connected {
                    conn.remote = Some(Arc::new(RemoteProtocol::local()));
                }
                let mut d = FrameDecoder::new(4096);
                let mut buf = BytesMut::from(&bytes[..]);
                while let Ok(Some(f)) = d.decode(&mut buf) {
                    prop_assert!(f.payload.len() <= 4096);
                    let _ = responder.respond(&mut conn, &f);
                }
                // The payload alone, as if framed.
                let f = Frame { serial: 1, payload: Bytes::copy_from_slice(&bytes) };
                let _ = responder.respond(&mut conn, &f);
                let mut r = Requester::new();
                let call = r.append_batch(&[]);
                let _ = r.read_reply(&call, &bytes);
                let mut out = BytesMut::new();
                let _ = Inflater::new().inflate(&bytes, &mut out, 1 << 16);
            }

            /// Valid calls with random events survive the round trip client → server.
            #[test]
            fn events_round_trip(events in proptest::collection::vec(
                (proptest::collection::vec(("[a-z]{0,6}", "\\PC{0,6}"), 0..4),
                 proptest::collection::vec(any::<u8>(), 0..40)), 0..6)) {
                let events: Vec<Event> = events.into_iter().map(|(h, b)| {
                    Event::with_headers(h.into_iter().collect::<crate::event::Headers>(), b)
                }).collect();
                let mut r = Requester::new();
                let call = r.append_batch(&events);
                let f = frames(&call.frame).remove(0);
                let responder = Responder::new();
                let mut conn = Connection::default();
                match responder.respond(&mut conn, &f) {
                    Step::Execute(Call::AppendBatch(got), _) => prop_assert_eq!(got, events),
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }
    }
}
