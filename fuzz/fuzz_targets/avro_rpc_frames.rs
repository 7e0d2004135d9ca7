//! Arbitrary bytes as an Avro RPC connection's input, server side and client side: the Netty
//! frame decoder (sizes bounded before anything is buffered), the responder (handshake, call
//! metadata, `append`/`appendBatch` decoding), the requester's reply reader and the zlib
//! inflater. Nothing may panic, and no decoded frame may exceed the decoder's limit.
#![no_main]

use bytes::{Bytes, BytesMut};
use flume_rs::avro_rpc::{
    Connection, Frame, FrameDecoder, Inflater, Requester, Responder,
};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let responder = Responder::new();
    let mut conn = Connection::default();
    let mut decoder = FrameDecoder::new(LIMIT);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        assert!(frame.payload.len() <= LIMIT);
        let _ = responder.respond(&mut conn, &frame);
    }
    let frame = Frame {
        serial: 1,
        payload: Bytes::copy_from_slice(data),
    };
    let _ = responder.respond(&mut Connection::default(), &frame);
    let mut requester = Requester::new();
    let call = requester.append_batch(&[]);
    let _ = requester.read_reply(&call, data);
    let mut out = BytesMut::new();
    let _ = Inflater::new().inflate(data, &mut out, LIMIT);
    assert!(out.len() <= LIMIT + 64 * 1024);
});
