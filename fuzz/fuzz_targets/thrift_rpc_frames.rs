//! Arbitrary bytes as a Thrift connection's input, server side and client side, in both
//! protocols: the frame decoder (sizes bounded before anything is buffered), the request
//! reader (`append`/`appendBatch`, unknown methods, skipped fields) and the reply reader.
//! Nothing may panic, and no decoded frame may exceed the decoder's limit.
#![no_main]

use bytes::BytesMut;
use flume_rs::thrift_rpc::{FrameDecoder, Protocol, read_reply, read_request};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let decoder = FrameDecoder::new(LIMIT);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        assert!(frame.len() <= LIMIT);
        for protocol in [Protocol::Compact, Protocol::Binary] {
            let _ = read_request(protocol, &frame);
        }
    }
    for protocol in [Protocol::Compact, Protocol::Binary] {
        let _ = read_request(protocol, data);
        let _ = read_reply(protocol, data, "appendBatch", 1);
    }
});
