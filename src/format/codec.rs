//! Hadoop compression codecs as the hdfs sink uses them (`hdfs.codeC`): gzip, bzip2,
//! deflate/DefaultCodec, snappy and lz4, producing the bytes Hadoop's pure-Java codecs write.
//!
//! * gzip (`GzipCodec`): one gzip member per `finish()`, header `1f 8b 08 00 00000000 00 00`
//!   (no name, MTIME 0, OS 0), zlib level 6.
//! * bzip2 (`BZip2Codec`): one `BZh9` stream per `finish()`; `close()` after a `finish()` adds an
//!   empty stream, as Hadoop's `BZip2CompressionOutputStream` does.
//! * deflate / default (`DeflateCodec`, `DefaultCodec`): one zlib stream per `finish()`.
//! * snappy, lz4 (`SnappyCodec`, `Lz4Codec`): Hadoop's `BlockCompressorStream` framing — per
//!   block, the uncompressed length (u32 BE), then the compressed chunk length (u32 BE) and the
//!   raw snappy / lz4 block. Blocks are cut where Hadoop cuts them: at `finish()`, and before a
//!   write that would take the block past the codec's input limit.
//!
//! [`CompressionStream`] mirrors Hadoop's `CompressionOutputStream` over an in-memory buffer that
//! the caller drains ([`CompressionStream::take_output`]).

use std::io::{self, Write};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// Flume's `IllegalArgumentException` from `HDFSEventSink.getCodec`.
    #[error(
        "Unsupported compression codec {0}.  Please choose from: [None, BZip2Codec, DefaultCodec, \
         DeflateCodec, GzipCodec, Lz4Codec, SnappyCodec]"
    )]
    Unsupported(String),
}

/// A Hadoop codec class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Bzip2,
    /// `DefaultCodec` (zlib).
    Default,
    /// `DeflateCodec` (zlib too; a separate class name).
    Deflate,
    Snappy,
    Lz4,
}

/// Hadoop's codec classes in `CompressionCodecFactory` order (Flume keeps the last match).
const CODECS: &[Codec] = &[
    Codec::Bzip2,
    Codec::Default,
    Codec::Deflate,
    Codec::Gzip,
    Codec::Lz4,
    Codec::Snappy,
];

/// `io.compression.codec.{snappy,lz4}.buffersize` default.
const BLOCK_BUFFER_SIZE: usize = 256 * 1024;

impl Codec {
    /// `HDFSEventSink.getCodec`: the class's simple name (any case), the simple name without
    /// `Codec`, or the full class name; `None` (any case) means no codec.
    pub fn from_flume_name(name: &str) -> Result<Option<Codec>, CodecError> {
        let name = name.trim();
        let mut found = None;
        for &codec in CODECS {
            let class = codec.class_name();
            let simple = class.rsplit('.').next().unwrap_or(class);
            let prefix = simple.strip_suffix("Codec").unwrap_or(simple);
            if class == name
                || simple.eq_ignore_ascii_case(name)
                || prefix.eq_ignore_ascii_case(name)
            {
                found = Some(codec);
            }
        }
        match found {
            Some(codec) => Ok(Some(codec)),
            None if name.eq_ignore_ascii_case("None") => Ok(None),
            None => Err(CodecError::Unsupported(name.to_string())),
        }
    }

    /// The codec's class name (written in SequenceFile headers).
    pub fn class_name(self) -> &'static str {
        match self {
            Codec::Gzip => "org.apache.hadoop.io.compress.GzipCodec",
            Codec::Bzip2 => "org.apache.hadoop.io.compress.BZip2Codec",
            Codec::Default => "org.apache.hadoop.io.compress.DefaultCodec",
            Codec::Deflate => "org.apache.hadoop.io.compress.DeflateCodec",
            Codec::Snappy => "org.apache.hadoop.io.compress.SnappyCodec",
            Codec::Lz4 => "org.apache.hadoop.io.compress.Lz4Codec",
        }
    }

    /// `getDefaultExtension()`: appended to file names when `hdfs.fileSuffix` is empty.
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => ".gz",
            Codec::Bzip2 => ".bz2",
            Codec::Default | Codec::Deflate => ".deflate",
            Codec::Snappy => ".snappy",
            Codec::Lz4 => ".lz4",
        }
    }

    /// A fresh `createOutputStream()`.
    pub fn stream(self) -> CompressionStream {
        CompressionStream {
            codec: self,
            state: State::Idle,
            out: Vec::new(),
            block: Vec::new(),
            block_limit: match self {
                // BlockCompressorStream: bufferSize - compressionOverhead.
                Codec::Snappy => BLOCK_BUFFER_SIZE - (BLOCK_BUFFER_SIZE / 6 + 32),
                Codec::Lz4 => BLOCK_BUFFER_SIZE - (BLOCK_BUFFER_SIZE / 255 + 16),
                _ => 0,
            },
            finished_once: false,
        }
    }

    /// Compress `data` as one complete unit (`resetState`, `write`, `finish`): how a
    /// SequenceFile block buffer is compressed.
    pub fn compress(self, data: &[u8]) -> io::Result<Vec<u8>> {
        let mut stream = self.stream();
        stream.write(data)?;
        stream.finish()?;
        Ok(stream.take_output())
    }
}

enum State {
    /// Nothing written since creation or the last finish.
    Idle,
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Zlib(flate2::write::ZlibEncoder<Vec<u8>>),
    Bzip2(bzip2::write::BzEncoder<Vec<u8>>),
    /// Snappy / lz4: input of the current block is in `block`.
    Block,
}

/// Hadoop's `CompressionOutputStream` for one file, writing into memory.
pub struct CompressionStream {
    codec: Codec,
    state: State,
    /// Compressed bytes not yet taken by the caller.
    out: Vec<u8>,
    /// Snappy / lz4: uncompressed input of the current block.
    block: Vec<u8>,
    block_limit: usize,
    /// A member was finished since the last write (bzip2's `needsReset`).
    finished_once: bool,
}

impl CompressionStream {
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Compress `data` (Hadoop `write`; after a `finish`, starts a new member).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.finished_once = false;
        match self.codec {
            Codec::Snappy | Codec::Lz4 => return self.write_block_input(data),
            _ => {}
        }
        if matches!(self.state, State::Idle) {
            self.state = match self.codec {
                Codec::Gzip => State::Gzip(
                    flate2::GzBuilder::new()
                        .operating_system(0)
                        .write(Vec::new(), flate2::Compression::new(6)),
                ),
                Codec::Default | Codec::Deflate => State::Zlib(flate2::write::ZlibEncoder::new(
                    Vec::new(),
                    flate2::Compression::new(6),
                )),
                Codec::Bzip2 => State::Bzip2(bzip2::write::BzEncoder::new(
                    Vec::new(),
                    bzip2::Compression::best(),
                )),
                Codec::Snappy | Codec::Lz4 => State::Block,
            };
        }
        match &mut self.state {
            State::Gzip(e) => e.write_all(data)?,
            State::Zlib(e) => e.write_all(data)?,
            State::Bzip2(e) => e.write_all(data)?,
            State::Idle | State::Block => {}
        }
        self.drain_encoder();
        Ok(())
    }

    /// Move what the streaming encoder produced so far into `out`.
    fn drain_encoder(&mut self) {
        let inner = match &mut self.state {
            State::Gzip(e) => e.get_mut(),
            State::Zlib(e) => e.get_mut(),
            State::Bzip2(e) => e.get_mut(),
            State::Idle | State::Block => return,
        };
        if self.out.is_empty() {
            std::mem::swap(&mut self.out, inner);
        } else {
            self.out.append(inner);
        }
    }

    /// `BlockCompressorStream.write`.
    fn write_block_input(&mut self, data: &[u8]) -> io::Result<()> {
        self.state = State::Block;
        if data.len() + self.block.len() > self.block_limit && !self.block.is_empty() {
            self.finish_block()?;
        }
        if data.len() > self.block_limit {
            // One block header for the whole write, then one chunk per segment.
            self.out
                .extend_from_slice(&(data.len() as u32).to_be_bytes());
            for segment in data.chunks(self.block_limit) {
                let compressed = self.compress_block(segment)?;
                self.out
                    .extend_from_slice(&(compressed.len() as u32).to_be_bytes());
                self.out.extend_from_slice(&compressed);
            }
            return Ok(());
        }
        self.block.extend_from_slice(data);
        Ok(())
    }

    fn finish_block(&mut self) -> io::Result<()> {
        self.out
            .extend_from_slice(&(self.block.len() as u32).to_be_bytes());
        if !self.block.is_empty() {
            let compressed = self.compress_block(&self.block)?;
            self.out
                .extend_from_slice(&(compressed.len() as u32).to_be_bytes());
            self.out.extend_from_slice(&compressed);
        }
        self.block.clear();
        Ok(())
    }

    fn compress_block(&self, input: &[u8]) -> io::Result<Vec<u8>> {
        match self.codec {
            Codec::Snappy => snap::raw::Encoder::new()
                .compress_vec(input)
                .map_err(io::Error::other),
            _ => Ok(lz4_flex::block::compress(input)),
        }
    }

    /// Hadoop `finish()`: end the current member so that the bytes so far are a complete
    /// compressed stream. A finish with nothing written since the last one writes nothing.
    pub fn finish(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => return Ok(()),
            State::Gzip(e) => self.out.extend_from_slice(&e.finish()?),
            State::Zlib(e) => self.out.extend_from_slice(&e.finish()?),
            State::Bzip2(e) => self.out.extend_from_slice(&e.finish()?),
            State::Block => self.finish_block()?,
        }
        self.finished_once = true;
        Ok(())
    }

    /// Hadoop `close()`: a last `finish()`. Hadoop's bzip2 stream starts a new (empty) stream
    /// when finished again after a finish, so bzip2 files end with a 14-byte empty stream.
    pub fn close(&mut self) -> io::Result<()> {
        let already_finished = self.finished_once || matches!(self.state, State::Idle);
        self.finish()?;
        if self.codec == Codec::Bzip2 && already_finished {
            let empty = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
            self.out.extend_from_slice(&empty.finish()?);
        }
        Ok(())
    }

    /// Compressed bytes produced since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Size of what [`CompressionStream::take_output`] would return.
    pub fn output_len(&self) -> usize {
        self.out.len()
    }

    /// Uncompressed bytes held back (snappy / lz4 block in progress).
    pub fn buffered_input(&self) -> usize {
        self.block.len()
    }
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

    const KNOWN: [&[u8]; 3] = [b"first event", b"second event", b"third"];

    /// What Flume's CompressedStream + TEXT serializer does for `batches` transactions of the
    /// `known` events: body and "\n" as separate writes, finish per flush, close at the end.
    fn flume_compressed(codec: Codec, batches: usize) -> Vec<u8> {
        let mut s = codec.stream();
        let mut file = Vec::new();
        for _ in 0..batches {
            for body in KNOWN {
                s.write(body).unwrap();
                s.write(b"\n").unwrap();
            }
            s.finish().unwrap();
            file.extend(s.take_output());
        }
        s.close().unwrap();
        file.extend(s.take_output());
        file
    }

    #[test]
    fn java_identical_compressed_streams() {
        for (codec, batches, name) in [
            (Codec::Gzip, 1, "compressed_gzip_known.gz"),
            (Codec::Gzip, 3, "compressed_gzip_3batches.gz"),
            (Codec::Bzip2, 1, "compressed_bzip2_known.bz2"),
            (Codec::Bzip2, 3, "compressed_bzip2_3batches.bz2"),
            (Codec::Snappy, 1, "compressed_snappy_known.snappy"),
            (Codec::Snappy, 3, "compressed_snappy_3batches.snappy"),
        ] {
            assert_eq!(flume_compressed(codec, batches), golden(name), "{name}");
        }
    }

    #[test]
    fn flume_codec_names() {
        for (name, codec) in [
            ("gzip", Some(Codec::Gzip)),
            ("GZIP", Some(Codec::Gzip)),
            ("GzipCodec", Some(Codec::Gzip)),
            ("org.apache.hadoop.io.compress.GzipCodec", Some(Codec::Gzip)),
            ("bzip2", Some(Codec::Bzip2)),
            ("deflate", Some(Codec::Deflate)),
            ("default", Some(Codec::Default)),
            ("snappy", Some(Codec::Snappy)),
            ("lz4", Some(Codec::Lz4)),
            ("None", None),
            ("none", None),
        ] {
            assert_eq!(Codec::from_flume_name(name), Ok(codec), "{name}");
        }
        assert!(Codec::from_flume_name("lzo").is_err());
        // The full class name must match exactly.
        assert!(Codec::from_flume_name("org.apache.hadoop.io.compress.gzipcodec").is_err());
        assert_eq!(Codec::Deflate.extension(), ".deflate");
    }

    #[test]
    fn block_framing_cuts_where_hadoop_does() {
        let limit = 218_422;
        let mut s = Codec::Snappy.stream();
        let big = vec![b'x'; limit - 10];
        s.write(&big).unwrap();
        // 20 more bytes would exceed the limit: the first block is written first.
        s.write(&[b'y'; 20]).unwrap();
        let out = s.take_output();
        assert_eq!(&out[..4], &((limit - 10) as u32).to_be_bytes());
        assert_eq!(s.buffered_input(), 20);
        // A write larger than the limit: one header, two chunks.
        let huge = vec![b'z'; limit + 5];
        s.write(&huge).unwrap();
        s.finish().unwrap();
        let out = s.take_output();
        let mut pos = 0;
        let next = |pos: &mut usize| {
            let v = u32::from_be_bytes(out[*pos..*pos + 4].try_into().unwrap()) as usize;
            *pos += 4;
            v
        };
        assert_eq!(next(&mut pos), 20);
        let c = next(&mut pos);
        pos += c;
        assert_eq!(next(&mut pos), limit + 5);
        let c1 = next(&mut pos);
        let first = snap::raw::Decoder::new()
            .decompress_vec(&out[pos..pos + c1])
            .unwrap();
        assert_eq!(first.len(), limit);
        pos += c1;
        let c2 = next(&mut pos);
        let second = snap::raw::Decoder::new()
            .decompress_vec(&out[pos..pos + c2])
            .unwrap();
        assert_eq!(second.len(), 5);
        pos += c2;
        // finish right after the big write: an empty block header.
        assert_eq!(next(&mut pos), 0);
        assert_eq!(pos, out.len());
    }

    #[test]
    fn every_codec_round_trips() {
        use std::io::Read;
        let data: Vec<u8> = (0..70_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for codec in CODECS {
            let mut s = codec.stream();
            for chunk in data.chunks(7000) {
                s.write(chunk).unwrap();
            }
            s.finish().unwrap();
            s.write(b"tail").unwrap();
            s.close().unwrap();
            let out = s.take_output();
            let mut back = Vec::new();
            match codec {
                Codec::Gzip => {
                    flate2::read::MultiGzDecoder::new(&out[..])
                        .read_to_end(&mut back)
                        .unwrap();
                }
                Codec::Bzip2 => {
                    bzip2::read::MultiBzDecoder::new(&out[..])
                        .read_to_end(&mut back)
                        .unwrap();
                }
                Codec::Default | Codec::Deflate => {
                    let mut r = &out[..];
                    while !r.is_empty() {
                        let mut d = flate2::bufread::ZlibDecoder::new(r);
                        d.read_to_end(&mut back).unwrap();
                        let used = d.total_in() as usize;
                        r = &r[used..];
                    }
                }
                Codec::Snappy | Codec::Lz4 => {
                    let mut r = &out[..];
                    while !r.is_empty() {
                        let total = u32::from_be_bytes(r[..4].try_into().unwrap()) as usize;
                        r = &r[4..];
                        let mut got = 0;
                        while got < total {
                            let clen = u32::from_be_bytes(r[..4].try_into().unwrap()) as usize;
                            let chunk = &r[4..4 + clen];
                            let plain = if *codec == Codec::Snappy {
                                snap::raw::Decoder::new().decompress_vec(chunk).unwrap()
                            } else {
                                lz4_flex::block::decompress(chunk, total - got).unwrap()
                            };
                            got += plain.len();
                            back.extend(plain);
                            r = &r[4 + clen..];
                        }
                    }
                }
            }
            let mut expected = data.clone();
            expected.extend_from_slice(b"tail");
            assert_eq!(back, expected, "{codec:?}");
        }
    }
}
