//! Avro's `NettyTransportCodec` framing (serial, buffer count, length-prefixed buffers) and
//! the zlib stream that `compression-type = deflate` puts under the frames.

use super::*;

/// One decoded frame: the serial and the concatenation of its buffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub serial: i32,
    pub payload: Bytes,
}

/// Incremental decoder of `serial:i32 count:i32 (len:i32 bytes){count}` frames. Sizes are
/// checked against the limit as soon as they are read, before anything is buffered for them.
#[derive(Debug)]
pub struct FrameDecoder {
    max_payload: usize,
    partial: Option<Partial>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Partial {
    serial: i32,
    count: usize,
    seen: usize,
    /// Bytes of the frame scanned so far (header and complete buffers).
    cursor: usize,
    payload_len: usize,
}

pub(super) fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl FrameDecoder {
    pub fn new(max_payload: usize) -> Self {
        FrameDecoder {
            max_payload,
            partial: None,
        }
    }

    /// Bytes a buffered but incomplete frame may still need at most: callers use it to bound
    /// what they keep in memory.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Take one complete frame off the front of `src`, if there is one.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, AvroRpcError> {
        let mut p = match self.partial.take() {
            Some(p) => p,
            None => {
                if src.len() < 8 {
                    return Ok(None);
                }
                let serial = be_i32(src, 0);
                let count = be_i32(src, 4);
                if count < 0 {
                    return Err(AvroRpcError::NegativeCount(count));
                }
                // Every buffer costs at least its 4-byte length.
                if count as u64 * 4 > self.max_payload as u64 {
                    return Err(AvroRpcError::FrameTooLarge {
                        size: count as u64 * 4,
                        limit: self.max_payload,
                    });
                }
                Partial {
                    serial,
                    count: count as usize,
                    seen: 0,
                    cursor: 8,
                    payload_len: 0,
                }
            }
        };
        while p.seen < p.count {
            if src.len() < p.cursor + 4 {
                self.partial = Some(p);
                return Ok(None);
            }
            let len = be_i32(src, p.cursor);
            if len < 0 {
                return Err(AvroRpcError::NegativeLength(len));
            }
            let total = p.payload_len as u64 + len as u64;
            if total > self.max_payload as u64 {
                return Err(AvroRpcError::FrameTooLarge {
                    size: total,
                    limit: self.max_payload,
                });
            }
            if src.len() < p.cursor + 4 + len as usize {
                self.partial = Some(p);
                return Ok(None);
            }
            p.cursor += 4 + len as usize;
            p.payload_len = total as usize;
            p.seen += 1;
        }
        let frame = src.split_to(p.cursor).freeze();
        let payload = if p.count == 1 {
            frame.slice(12..)
        } else {
            let mut payload = BytesMut::with_capacity(p.payload_len);
            let mut at = 8;
            for _ in 0..p.count {
                let len = be_i32(&frame, at) as usize;
                payload.extend_from_slice(&frame[at + 4..at + 4 + len]);
                at += 4 + len;
            }
            payload.freeze()
        };
        Ok(Some(Frame {
            serial: p.serial,
            payload,
        }))
    }
}

/// Append one frame made of `buffers` to `out`.
pub fn put_frame(out: &mut BytesMut, serial: i32, buffers: &[&[u8]]) {
    let size: usize = 8 + buffers.iter().map(|b| 4 + b.len()).sum::<usize>();
    out.reserve(size);
    out.put_i32(serial);
    out.put_i32(buffers.len() as i32);
    for b in buffers {
        out.put_i32(b.len() as i32);
        out.put_slice(b);
    }
}

/// Split a payload as Java's `ByteBufferOutputStream` does: chunks of 8 KiB.
pub(super) fn java_chunks(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.chunks(JAVA_BUFFER_SIZE)
}

/// The sending half of `compression-type = deflate`: one zlib stream per connection, each
/// write followed by a SYNC_FLUSH, as Netty's `ZlibEncoder` does.
pub struct Deflater {
    inner: flate2::Compress,
}

impl Deflater {
    pub fn new(level: u32) -> Self {
        Deflater {
            inner: flate2::Compress::new(flate2::Compression::new(level.min(9)), true),
        }
    }

    fn run(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        flush: flate2::FlushCompress,
    ) -> Result<(), AvroRpcError> {
        let mut consumed = 0usize;
        loop {
            out.reserve((input.len() - consumed) / 2 + 64);
            let before = self.inner.total_in();
            let status = self
                .inner
                .compress_vec(&input[consumed..], out, flush)
                .map_err(|e| AvroRpcError::Inflate(e.to_string()))?;
            consumed += (self.inner.total_in() - before) as usize;
            let done = match status {
                flate2::Status::StreamEnd => true,
                _ => consumed == input.len() && out.len() < out.capacity(),
            };
            if done {
                return Ok(());
            }
        }
    }

    /// Compress `input` and flush (SYNC_FLUSH), appending the bytes to `out`.
    pub fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), AvroRpcError> {
        self.run(input, out, flate2::FlushCompress::Sync)
    }

    /// End the stream (what Java writes when it closes the connection).
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), AvroRpcError> {
        self.run(&[], out, flate2::FlushCompress::Finish)
    }
}

/// The receiving half of `compression-type = deflate`.
pub struct Inflater {
    inner: flate2::Decompress,
    scratch: Vec<u8>,
    ended: bool,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            inner: flate2::Decompress::new(true),
            scratch: vec![0; 64 * 1024],
            ended: false,
        }
    }
}

impl Inflater {
    pub fn new() -> Self {
        Self::default()
    }

    /// Inflate from `input` into `out` until `max_out` bytes were produced or the input is
    /// used up; returns how much input was used. Callers decode frames between calls, so a
    /// small compressed input cannot balloon into an unbounded buffer.
    pub fn inflate(
        &mut self,
        input: &[u8],
        out: &mut BytesMut,
        max_out: usize,
    ) -> Result<usize, AvroRpcError> {
        let mut consumed = 0usize;
        let mut produced = 0usize;
        while consumed < input.len() && produced < max_out && !self.ended {
            let (in0, out0) = (self.inner.total_in(), self.inner.total_out());
            let status = self
                .inner
                .decompress(
                    &input[consumed..],
                    &mut self.scratch,
                    flate2::FlushDecompress::None,
                )
                .map_err(|e| AvroRpcError::Inflate(e.to_string()))?;
            let used = (self.inner.total_in() - in0) as usize;
            let made = (self.inner.total_out() - out0) as usize;
            out.extend_from_slice(&self.scratch[..made]);
            consumed += used;
            produced += made;
            if status == flate2::Status::StreamEnd {
                self.ended = true;
            }
            if used == 0 && made == 0 {
                break;
            }
        }
        if self.ended {
            // Whatever follows the end of the stream is not part of it.
            consumed = input.len();
        }
        Ok(consumed)
    }
}
