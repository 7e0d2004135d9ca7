//! The file channel's log readers on arbitrary bytes: a segment header, a frame, a payload
//! whose checksum is made to match (so the decoder itself is exercised), an event.
#![no_main]

use flume_rs::channel::file::record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = record::parse_segment_header(data);
    let _ = record::parse_frame(data);
    let _ = record::decode_payload(data);
    let _ = record::decode_event(&bytes::Bytes::copy_from_slice(data));
    // Frame the input correctly so that checksum checks do not hide the payload decoder.
    let framed = record::frame_for_tests(data);
    if let Ok((rec, used)) = record::parse_frame(&framed) {
        assert_eq!(used, framed.len());
        if let record::Record::Put { events, .. } = rec {
            for (off, len) in events {
                let from = off as usize;
                let ev = bytes::Bytes::copy_from_slice(&data[from..from + len as usize]);
                let _ = record::decode_event(&ev);
            }
        }
    }
});
