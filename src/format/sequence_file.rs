//! Hadoop SequenceFile version 6 writer (`org.apache.hadoop.io.SequenceFile.Writer`), as the
//! hdfs sink's `fileType = SequenceFile` writes it: key `LongWritable`, value `BytesWritable`
//! (`writeFormat = Writable`) or `Text` (`writeFormat = Text`), no compression or BLOCK
//! compression with a Hadoop codec, empty metadata, a random 16-byte sync marker.
//!
//! Layout: `SEQ` 6, key and value class names (Hadoop vint length + UTF-8), `compressed` and
//! `blockCompressed` flags, the codec class name when compressed, metadata count (int32 0),
//! the sync marker. Uncompressed records are `int32 record length, int32 key length, key,
//! value`; a sync (`ff ff ff ff` + marker) is written by [`SequenceFileWriter::sync`] when
//! anything was written since the last one, and before a record once 100 KiB were written
//! since the last. BLOCK compression buffers records and writes, per block: sync, vint record
//! count, then key lengths, keys, value lengths and values, each as a vint length and one
//! compressed unit; a block ends at `sync()`, at close, or when keys + values reach 1 000 000
//! bytes (`io.seqfile.compress.blocksize`).
//!
//! The writer produces bytes in memory; the caller drains them with
//! [`SequenceFileWriter::take_output`].

use std::io;

use super::codec::Codec;

/// `SequenceFile.SYNC_INTERVAL` (Hadoop 3: 5 × 1024 × (4 + 16) bytes).
pub const SYNC_INTERVAL: u64 = 5 * 1024 * 20;
/// `io.seqfile.compress.blocksize` default.
pub const COMPRESSION_BLOCK_SIZE: usize = 1_000_000;

const KEY_CLASS: &str = "org.apache.hadoop.io.LongWritable";

/// The value class (`hdfs.writeFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueClass {
    /// `BytesWritable`: int32 length + bytes.
    BytesWritable,
    /// `Text`: Hadoop vint length + bytes.
    Text,
}

impl ValueClass {
    pub fn class_name(self) -> &'static str {
        match self {
            ValueClass::BytesWritable => "org.apache.hadoop.io.BytesWritable",
            ValueClass::Text => "org.apache.hadoop.io.Text",
        }
    }

    fn serialize(self, body: &[u8], out: &mut Vec<u8>) {
        match self {
            ValueClass::BytesWritable => {
                out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            }
            ValueClass::Text => write_vlong(out, body.len() as i64),
        }
        out.extend_from_slice(body);
    }
}

/// `WritableUtils.writeVLong`.
pub fn write_vlong(out: &mut Vec<u8>, value: i64) {
    if (-112..=127).contains(&value) {
        out.push(value as u8);
        return;
    }
    let mut len: i32 = -112;
    let mut v = value;
    if v < 0 {
        v = !v;
        len = -120;
    }
    let mut tmp = v;
    while tmp != 0 {
        tmp >>= 8;
        len -= 1;
    }
    out.push(len as u8);
    let n = if len < -120 {
        -(len + 120)
    } else {
        -(len + 112)
    };
    for idx in (0..n).rev() {
        out.push((v >> (idx * 8)) as u8);
    }
}

/// `WritableUtils.readVLong` over a slice: (value, bytes used).
pub fn read_vlong(buf: &[u8]) -> Option<(i64, usize)> {
    let first = *buf.first()? as i8;
    if first >= -112 {
        return Some((first as i64, 1));
    }
    let (negative, n) = if first < -120 {
        (true, (-120 - first as i32) as usize)
    } else {
        (false, (-112 - first as i32) as usize)
    };
    let bytes = buf.get(1..1 + n)?;
    let mut v: i64 = 0;
    for &b in bytes {
        v = (v << 8) | b as i64;
    }
    Some((if negative { !v } else { v }, 1 + n))
}

/// Records of the BLOCK in progress.
#[derive(Default)]
struct Block {
    records: u64,
    key_lengths: Vec<u8>,
    keys: Vec<u8>,
    value_lengths: Vec<u8>,
    values: Vec<u8>,
}

/// A SequenceFile being written.
pub struct SequenceFileWriter {
    value_class: ValueClass,
    codec: Option<Codec>,
    sync_marker: [u8; 16],
    /// Bytes not yet taken by the caller.
    out: Vec<u8>,
    /// File position (bytes ever produced).
    pos: u64,
    last_sync_pos: u64,
    block: Block,
    scratch: Vec<u8>,
}

impl SequenceFileWriter {
    /// A new file: the header is produced at once. `codec` selects BLOCK compression.
    pub fn new(value_class: ValueClass, codec: Option<Codec>, sync_marker: [u8; 16]) -> Self {
        let mut w = SequenceFileWriter {
            value_class,
            codec,
            sync_marker,
            out: Vec::with_capacity(4096),
            pos: 0,
            last_sync_pos: 0,
            block: Block::default(),
            scratch: Vec::new(),
        };
        let mut header = Vec::with_capacity(128);
        header.extend_from_slice(b"SEQ\x06");
        write_text(&mut header, KEY_CLASS);
        write_text(&mut header, value_class.class_name());
        let compressed = codec.is_some();
        header.push(compressed as u8);
        header.push(compressed as u8);
        if let Some(codec) = codec {
            write_text(&mut header, codec.class_name());
        }
        header.extend_from_slice(&0u32.to_be_bytes());
        header.extend_from_slice(&sync_marker);
        w.emit(&header);
        w
    }

    /// A writer with a random sync marker (Hadoop: MD5 of a UID and the time).
    pub fn with_random_sync(value_class: ValueClass, codec: Option<Codec>) -> Self {
        SequenceFileWriter::new(value_class, codec, rand::random())
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.pos += bytes.len() as u64;
    }

    /// `Writer.append(LongWritable key, value)`.
    pub fn append(&mut self, key: i64, body: &[u8]) -> io::Result<()> {
        if self.codec.is_some() {
            return self.append_to_block(key, body);
        }
        if self.pos >= self.last_sync_pos + SYNC_INTERVAL {
            self.write_sync_marker();
        }
        let mut value = std::mem::take(&mut self.scratch);
        value.clear();
        self.value_class.serialize(body, &mut value);
        let mut head = [0u8; 16];
        head[..4].copy_from_slice(&((8 + value.len()) as u32).to_be_bytes());
        head[4..8].copy_from_slice(&8u32.to_be_bytes());
        head[8..].copy_from_slice(&key.to_be_bytes());
        self.emit(&head);
        self.emit(&value);
        self.scratch = value;
        Ok(())
    }

    fn append_to_block(&mut self, key: i64, body: &[u8]) -> io::Result<()> {
        let b = &mut self.block;
        b.keys.extend_from_slice(&key.to_be_bytes());
        write_vlong(&mut b.key_lengths, 8);
        let before = b.values.len();
        self.value_class.serialize(body, &mut b.values);
        write_vlong(&mut b.value_lengths, (b.values.len() - before) as i64);
        b.records += 1;
        if b.keys.len() + b.values.len() >= COMPRESSION_BLOCK_SIZE {
            self.sync()?;
        }
        Ok(())
    }

    /// `ff ff ff ff` + marker, unless nothing was written since the last one.
    fn write_sync_marker(&mut self) {
        if self.last_sync_pos != self.pos {
            let mut marker = [0u8; 20];
            marker[..4].copy_from_slice(&[0xff; 4]);
            marker[4..].copy_from_slice(&self.sync_marker);
            self.emit(&marker);
            self.last_sync_pos = self.pos;
        }
    }

    /// `Writer.sync()`: a sync marker (uncompressed), or the buffered block (BLOCK).
    pub fn sync(&mut self) -> io::Result<()> {
        let Some(codec) = self.codec else {
            self.write_sync_marker();
            return Ok(());
        };
        if self.block.records == 0 {
            return Ok(());
        }
        self.write_sync_marker();
        let block = std::mem::take(&mut self.block);
        let mut bytes = Vec::with_capacity((block.keys.len() + block.values.len()) / 2 + 64);
        write_vlong(&mut bytes, block.records as i64);
        for buffer in [
            &block.key_lengths,
            &block.keys,
            &block.value_lengths,
            &block.values,
        ] {
            let compressed = codec.compress(buffer)?;
            write_vlong(&mut bytes, compressed.len() as i64);
            bytes.extend_from_slice(&compressed);
        }
        self.emit(&bytes);
        Ok(())
    }

    /// `Writer.close()`: writes the pending block (BLOCK); no sync marker otherwise.
    pub fn close(&mut self) -> io::Result<()> {
        if self.codec.is_some() {
            self.sync()?;
        }
        Ok(())
    }

    /// Bytes produced since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Size of what [`SequenceFileWriter::take_output`] would return.
    pub fn output_len(&self) -> usize {
        self.out.len()
    }

    /// Bytes of the BLOCK in progress (not yet in the output).
    pub fn buffered(&self) -> usize {
        self.block.keys.len() + self.block.values.len()
    }

    pub fn sync_marker(&self) -> [u8; 16] {
        self.sync_marker
    }
}

/// `Text.writeString`: vint length + UTF-8.
fn write_text(out: &mut Vec<u8>, s: &str) {
    write_vlong(out, s.len() as i64);
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("compat-fixtures/golden/hdfs")
                .join(name),
        )
        .unwrap()
    }

    const TS: i64 = 1_700_000_000_000;
    const KNOWN: [&[u8]; 3] = [b"first event", b"second event", b"third"];

    /// The marker Java picked for a golden file: the 16 bytes that end its header.
    fn marker_of(file: &[u8], value: ValueClass, codec: Option<Codec>) -> [u8; 16] {
        let header_len = SequenceFileWriter::new(value, codec, [0; 16])
            .take_output()
            .len();
        file[header_len - 16..header_len].try_into().unwrap()
    }

    /// Flume's HDFSSequenceFile: append per event, `sync()` per transaction, close.
    fn flume_file(
        value: ValueClass,
        codec: Option<Codec>,
        batches: usize,
        marker: [u8; 16],
    ) -> Vec<u8> {
        let mut w = SequenceFileWriter::new(value, codec, marker);
        for _ in 0..batches {
            for body in KNOWN {
                w.append(TS, body).unwrap();
            }
            w.sync().unwrap();
        }
        w.close().unwrap();
        w.take_output()
    }

    #[test]
    fn java_identical_sequence_files() {
        for (value, codec, batches, name) in [
            (
                ValueClass::BytesWritable,
                None,
                1,
                "sequencefile_writable_known.seq",
            ),
            (ValueClass::Text, None, 1, "sequencefile_text_known.seq"),
            (
                ValueClass::BytesWritable,
                None,
                3,
                "sequencefile_writable_3batches.seq",
            ),
            (
                ValueClass::Text,
                Some(Codec::Gzip),
                3,
                "sequencefile_text_gzip_block_3batches.seq",
            ),
        ] {
            let expected = golden(name);
            let marker = marker_of(&expected, value, codec);
            assert_eq!(
                flume_file(value, codec, batches, marker),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn vlongs_match_hadoop() {
        for (v, bytes) in [
            (0i64, vec![0x00]),
            (127, vec![0x7f]),
            (-112, vec![0x90]),
            (128, vec![0x8f, 0x80]),
            (255, vec![0x8f, 0xff]),
            (256, vec![0x8e, 0x01, 0x00]),
            (-113, vec![0x87, 0x70]),
            (1_000_000, vec![0x8d, 0x0f, 0x42, 0x40]),
        ] {
            let mut out = Vec::new();
            write_vlong(&mut out, v);
            assert_eq!(out, bytes, "{v}");
            assert_eq!(read_vlong(&bytes), Some((v, bytes.len())));
        }
        for v in [i64::MIN, i64::MAX, -1, 1 << 40] {
            let mut out = Vec::new();
            write_vlong(&mut out, v);
            assert_eq!(read_vlong(&out), Some((v, out.len())));
        }
    }

    #[test]
    fn automatic_sync_every_100_kib() {
        let mut w = SequenceFileWriter::new(ValueClass::BytesWritable, None, [9; 16]);
        let body = vec![b'a'; 1000];
        for _ in 0..300 {
            w.append(TS, &body).unwrap();
        }
        let out = w.take_output();
        let mut expected_marker = vec![0xff; 4];
        expected_marker.extend_from_slice(&[9; 16]);
        let syncs = out
            .windows(20)
            .filter(|w| *w == expected_marker.as_slice())
            .count();
        // 300 records × 1020 bytes ≈ 306 KB: a marker before the record that crosses each
        // 102 400-byte interval.
        assert_eq!(syncs, 2);
        // A sync right after a sync writes nothing.
        w.sync().unwrap();
        let n = w.take_output().len();
        w.sync().unwrap();
        assert_eq!(n, 20);
        assert!(w.take_output().is_empty());
    }

    #[test]
    fn block_ends_at_a_million_bytes() {
        let mut w = SequenceFileWriter::new(ValueClass::Text, Some(Codec::Snappy), [1; 16]);
        let header = w.take_output().len();
        let body = vec![b'b'; 100_000];
        for _ in 0..10 {
            w.append(TS, &body).unwrap();
        }
        // 10 × (8 + 100 003) ≥ 1 000 000: the block was written by append.
        assert_eq!(w.buffered(), 0);
        let out = w.take_output();
        assert!(out.len() > header);
        assert_eq!(&out[..4], &[0xff; 4]);
        assert_eq!(out[20], 10, "record count");
    }
}
