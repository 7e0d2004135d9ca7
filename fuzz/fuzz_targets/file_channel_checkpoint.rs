//! The file channel's checkpoint reader on arbitrary bytes (plain, snappy-wrapped, and with a
//! matching checksum so the field decoder is reached).
#![no_main]

use flume_rs::channel::file::checkpoint::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Checkpoint::decode(data);
    let mut snappy = b"FRSCKSNP".to_vec();
    snappy.extend_from_slice(data);
    let _ = Checkpoint::decode(&snappy);
    let mut framed = b"FRSCKPT1".to_vec();
    framed.extend_from_slice(&(data.len() as u64).to_le_bytes());
    framed.extend_from_slice(&crc32(data).to_le_bytes());
    framed.extend_from_slice(data);
    if let Ok(c) = Checkpoint::decode(&framed) {
        assert_eq!(Checkpoint::decode(&c.encode()).ok(), Some(c));
    }
});

fn crc32(data: &[u8]) -> u32 {
    // Same polynomial as crc32fast (IEEE), bitwise: no extra dependency for the target.
    let mut crc = !0u32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
