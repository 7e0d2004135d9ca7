use super::*;

fn event(headers: &[(&str, &str)], body: &str) -> Event {
    Event::with_headers(
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body.to_string(),
    )
}

fn unframe(bytes: &[u8]) -> Bytes {
    let mut buf = BytesMut::from(bytes);
    let frame = FrameDecoder::new(MAX_FRAME_BYTES)
        .decode(&mut buf)
        .unwrap()
        .unwrap();
    assert!(buf.is_empty());
    frame
}

#[test]
fn calls_round_trip_in_both_protocols() {
    let events = vec![
        event(&[("host", "web01"), ("ts", "1")], "hello"),
        event(&[], ""),
        Event::new(vec![0u8, 255, 10]),
    ];
    for protocol in [Protocol::Compact, Protocol::Binary] {
        let mut out = Vec::new();
        write_call(protocol, OutgoingCall::AppendBatch(&events), 7, &mut out);
        write_call(protocol, OutgoingCall::Append(&events[0]), 8, &mut out);
        let mut buf = BytesMut::from(&out[..]);
        let decoder = FrameDecoder::new(MAX_FRAME_BYTES);
        let first = decoder.decode(&mut buf).unwrap().unwrap();
        let second = decoder.decode(&mut buf).unwrap().unwrap();
        assert_eq!(
            read_request(protocol, &first).unwrap(),
            Request::Call {
                name: APPEND_BATCH.into(),
                seq: 7,
                call: Call::AppendBatch(events.clone())
            }
        );
        assert_eq!(
            read_request(protocol, &second).unwrap(),
            Request::Call {
                name: APPEND.into(),
                seq: 8,
                call: Call::Append(events[0].clone())
            }
        );
        let mut reply = Vec::new();
        write_reply(protocol, APPEND_BATCH, 7, Status::Failed, &mut reply);
        assert_eq!(
            read_reply(protocol, &unframe(&reply), APPEND_BATCH, 7).unwrap(),
            Status::Failed
        );
        let err = read_reply(protocol, &unframe(&reply), APPEND_BATCH, 9).unwrap_err();
        assert!(err.to_string().contains("out of sequence"), "{err}");
    }
}

/// Bytes libthrift writes for `append(ThriftFlumeEvent({"a":"b"}, "hi"))`, seq 1.
#[test]
fn compact_bytes_match_libthrift() {
    let mut out = Vec::new();
    write_call(
        Protocol::Compact,
        OutgoingCall::Append(&event(&[("a", "b")], "hi")),
        1,
        &mut out,
    );
    let expected: &[u8] = &[
        0x82, 0x21, 0x01, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', // header, seq 1, name
        0x1c, // field 1, struct
        0x1b, 0x01, 0x88, 0x01, b'a', 0x01, b'b', // field 1 map, 1 entry string→string
        0x18, 0x02, b'h', b'i', // field 2 binary
        0x00, // end of event
        0x00, // end of args
    ];
    assert_eq!(&out[4..], expected);
    assert_eq!(&out[..4], &(expected.len() as u32).to_be_bytes());
}

#[test]
fn bad_frames_are_errors_not_allocations() {
    let decoder = FrameDecoder::new(MAX_FRAME_BYTES);
    let mut buf = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff, 0][..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(ThriftError::FrameTooLarge { .. })
    ));
    let mut buf = BytesMut::from(&[0x80, 0x01, 0x00, 0x01][..]);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert!(err.to_string().contains("TFramedTransport"), "{err}");
    let mut buf = BytesMut::from(&[0, 0, 0, 9, 1, 2][..]);
    assert!(decoder.decode(&mut buf).unwrap().is_none());
}

#[test]
fn oversized_lengths_inside_a_frame_are_refused() {
    // appendBatch with a list claiming 2^28 events, then nothing.
    let frame: &[u8] = &[
        0x82, 0x21, 0x01, 0x0b, b'a', b'p', b'p', b'e', b'n', b'd', b'B', b'a', b't', b'c', b'h',
        0x19, 0xfc, 0xff, 0xff, 0xff, 0x01,
    ];
    let outcome = read_request(Protocol::Compact, frame);
    match outcome {
        Ok(Request::Refuse { kind, .. }) => {
            assert_eq!(kind, ApplicationErrorKind::ProtocolError)
        }
        Err(ThriftError::Malformed(_)) => {}
        other => panic!("unexpected {other:?}"),
    }
    // append with a body claiming 100 MB.
    let frame: &[u8] = &[
        0x82, 0x21, 0x01, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', 0x1c, 0x1b, 0x00, 0x18, 0x80,
        0x80, 0x80, 0x30,
    ];
    assert!(matches!(
        read_request(Protocol::Compact, frame),
        Ok(Request::Refuse { .. })
    ));
}

#[test]
fn missing_required_field_is_a_protocol_error_reply() {
    // append(ThriftFlumeEvent{body only})
    let frame: &[u8] = &[
        0x82, 0x21, 0x05, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', 0x1c, 0x28, 0x01, b'x', 0x00,
        0x00,
    ];
    match read_request(Protocol::Compact, frame).unwrap() {
        Request::Refuse {
            seq, kind, message, ..
        } => {
            assert_eq!(seq, 5);
            assert_eq!(kind, ApplicationErrorKind::ProtocolError);
            assert_eq!(
                message,
                "Required field 'headers' was not present! Struct: ThriftFlumeEvent(headers:null, body:78)"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_method_is_answered() {
    let mut out = Vec::new();
    write_call(
        Protocol::Binary,
        OutgoingCall::Append(&event(&[], "x")),
        3,
        &mut out,
    );
    // Rename "append" to "appenx" in the strict binary header (name after 8 bytes).
    out[4 + 8 + 5] = b'x';
    match read_request(Protocol::Binary, &out[4..]).unwrap() {
        Request::Refuse { kind, message, .. } => {
            assert_eq!(kind, ApplicationErrorKind::UnknownMethod);
            assert_eq!(message, "Invalid method name: 'appenx'");
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut reply = Vec::new();
    write_exception(
        Protocol::Binary,
        "appenx",
        3,
        ApplicationErrorKind::UnknownMethod,
        "Invalid method name: 'appenx'",
        &mut reply,
    );
    let err = read_reply(Protocol::Binary, &unframe(&reply), "appenx", 3).unwrap_err();
    assert!(matches!(
        err,
        ThriftError::Remote {
            kind: ApplicationErrorKind::UnknownMethod,
            ..
        }
    ));
}

#[test]
fn invalid_utf8_headers_are_replaced_as_java_does() {
    let frame: &[u8] = &[
        0x82, 0x21, 0x01, 0x06, b'a', b'p', b'p', b'e', b'n', b'd', 0x1c, 0x1b, 0x01, 0x88, 0x01,
        b'k', 0x01, 0xff, 0x18, 0x00, 0x00, 0x00,
    ];
    match read_request(Protocol::Compact, frame).unwrap() {
        Request::Call {
            call: Call::Append(e),
            ..
        } => assert_eq!(e.header("k"), Some("\u{fffd}")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn wrong_protocol_closes() {
    let mut out = Vec::new();
    write_call(
        Protocol::Binary,
        OutgoingCall::Append(&event(&[], "x")),
        3,
        &mut out,
    );
    assert!(matches!(
        read_request(Protocol::Compact, &out[4..]),
        Err(ThriftError::Malformed(_))
    ));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn events() -> impl Strategy<Value = Vec<Event>> {
        let header = ("[a-z]{0,6}", "\\PC{0,8}");
        let event = (
            proptest::collection::vec(header, 0..4),
            proptest::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(h, body)| {
                let headers: Headers = h.into_iter().collect();
                Event::with_headers(headers, body)
            });
        proptest::collection::vec(event, 0..8)
    }

    proptest! {
        /// Whatever arrives, decoding neither panics nor allocates beyond the frame.
        #[test]
        fn arbitrary_frames_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            for protocol in [Protocol::Compact, Protocol::Binary] {
                let _ = read_request(protocol, &data);
                let _ = read_reply(protocol, &data, APPEND_BATCH, 1);
            }
            let mut buf = BytesMut::from(&data[..]);
            let decoder = FrameDecoder::new(256);
            while let Ok(Some(frame)) = decoder.decode(&mut buf) {
                prop_assert!(frame.len() <= 256);
            }
        }

        /// A well-formed call with any bytes flipped still decodes or fails cleanly.
        #[test]
        fn corrupted_calls_fail_cleanly(events in events(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            for protocol in [Protocol::Compact, Protocol::Binary] {
                let mut out = Vec::new();
                write_call(protocol, OutgoingCall::AppendBatch(&events), 3, &mut out);
                let frame = &mut out[4..];
                if !frame.is_empty() {
                    let i = at.index(frame.len());
                    frame[i] = byte;
                }
                let _ = read_request(protocol, frame);
            }
        }

        /// Calls decode to exactly the events that were written, in both protocols.
        #[test]
        fn calls_round_trip(events in events()) {
            for protocol in [Protocol::Compact, Protocol::Binary] {
                let mut out = Vec::new();
                write_call(protocol, OutgoingCall::AppendBatch(&events), 9, &mut out);
                let request = read_request(protocol, &out[4..]).unwrap();
                prop_assert_eq!(request, Request::Call {
                    name: APPEND_BATCH.into(),
                    seq: 9,
                    call: Call::AppendBatch(events.clone()),
                });
            }
        }
    }
}
