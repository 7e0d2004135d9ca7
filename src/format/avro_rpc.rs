//! Avro IPC as Flume's avro source, avro sink, `flume-ng avro-client` and log4j appender speak
//! it (reference §9.10 "Avro IPC wire protocol"): Avro's `NettyTransportCodec` framing, the
//! handshake, call metadata, `append` / `appendBatch` of `AvroFlumeEvent`, `Status` replies and
//! system errors, and the zlib stream that `compression-type = deflate` puts under the frames.
//!
//! Bytes only: no sockets here. The server side is [`Responder`] (one per source, shared by its
//! connections) with a [`Connection`] per TCP connection; the client side is [`Requester`].
//! Both lay out their buffers the way Avro's Java `Responder` / `Requester` do, so that our
//! frames are byte-identical to the captured Java ones (`compat-fixtures/golden/avro-ipc`).

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

// ---------------------------------------------------------------------------------------------
// Framing

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
struct Partial {
    serial: i32,
    count: usize,
    seen: usize,
    /// Bytes of the frame scanned so far (header and complete buffers).
    cursor: usize,
    payload_len: usize,
}

fn be_i32(b: &[u8], at: usize) -> i32 {
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
fn java_chunks(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.chunks(JAVA_BUFFER_SIZE)
}

// ---------------------------------------------------------------------------------------------
// deflate (zlib stream under the framing)

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

// ---------------------------------------------------------------------------------------------
// Avro pieces of the protocol

fn put_string(out: &mut BytesMut, s: &str) {
    put_bytes(out, s.as_bytes());
}

fn put_bool(out: &mut BytesMut, b: bool) {
    out.put_u8(b as u8);
}

fn hash16(r: &mut Reader<'_>) -> Result<[u8; 16], DecodeError> {
    let b = r.fixed(16)?;
    let mut h = [0u8; 16];
    h.copy_from_slice(b);
    Ok(h)
}

/// A union `["null", T]`: false for null.
fn union_present(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.long()? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(DecodeError::BadLength(other)),
    }
}

/// `map<bytes>` (call metadata, handshake meta).
fn read_bytes_map(r: &mut Reader<'_>) -> Result<Vec<(String, Bytes)>, DecodeError> {
    let mut out = Vec::new();
    loop {
        let mut count = r.long()?;
        if count == 0 {
            return Ok(out);
        }
        if count < 0 {
            count = count.checked_neg().ok_or(DecodeError::BadLength(count))?;
            let _block_size = r.long()?;
        }
        for _ in 0..count {
            let k = lossy(r.bytes()?);
            let v = Bytes::copy_from_slice(r.bytes()?);
            out.push((k, v));
        }
    }
}

fn put_bytes_map(out: &mut BytesMut, map: &[(String, Bytes)]) {
    if !map.is_empty() {
        put_long(out, map.len() as i64);
        for (k, v) in map {
            put_string(out, k);
            put_bytes(out, v);
        }
    }
    put_long(out, 0);
}

/// Avro's Java `Utf8.toString()` replaces malformed UTF-8 rather than failing.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `org.apache.avro.ipc.HandshakeRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeRequest {
    pub client_hash: [u8; 16],
    pub client_protocol: Option<String>,
    pub server_hash: [u8; 16],
    pub meta: Option<Vec<(String, Bytes)>>,
}

impl HandshakeRequest {
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_slice(&self.client_hash);
        match &self.client_protocol {
            None => put_long(out, 0),
            Some(p) => {
                put_long(out, 1);
                put_string(out, p);
            }
        }
        out.put_slice(&self.server_hash);
        match &self.meta {
            None => put_long(out, 0),
            Some(m) => {
                put_long(out, 1);
                put_bytes_map(out, m);
            }
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let client_hash = hash16(r)?;
        let client_protocol = if union_present(r)? {
            Some(lossy(r.bytes()?))
        } else {
            None
        };
        let server_hash = hash16(r)?;
        let meta = if union_present(r)? {
            Some(read_bytes_map(r)?)
        } else {
            None
        };
        Ok(HandshakeRequest {
            client_hash,
            client_protocol,
            server_hash,
            meta,
        })
    }
}

/// `org.apache.avro.ipc.HandshakeMatch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeMatch {
    Both,
    Client,
    None,
}

/// `org.apache.avro.ipc.HandshakeResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeResponse {
    pub matched: HandshakeMatch,
    pub server_protocol: Option<String>,
    pub server_hash: Option<[u8; 16]>,
    pub meta: Option<Vec<(String, Bytes)>>,
}

impl HandshakeResponse {
    pub fn encode(&self, out: &mut BytesMut) {
        put_long(
            out,
            match self.matched {
                HandshakeMatch::Both => 0,
                HandshakeMatch::Client => 1,
                HandshakeMatch::None => 2,
            },
        );
        match &self.server_protocol {
            None => put_long(out, 0),
            Some(p) => {
                put_long(out, 1);
                put_string(out, p);
            }
        }
        match &self.server_hash {
            None => put_long(out, 0),
            Some(h) => {
                put_long(out, 1);
                out.put_slice(h);
            }
        }
        match &self.meta {
            None => put_long(out, 0),
            Some(m) => {
                put_long(out, 1);
                put_bytes_map(out, m);
            }
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let matched = match r.long()? {
            0 => HandshakeMatch::Both,
            1 => HandshakeMatch::Client,
            2 => HandshakeMatch::None,
            other => return Err(DecodeError::BadLength(other)),
        };
        let server_protocol = if union_present(r)? {
            Some(lossy(r.bytes()?))
        } else {
            None
        };
        let server_hash = if union_present(r)? {
            Some(hash16(r)?)
        } else {
            None
        };
        let meta = if union_present(r)? {
            Some(read_bytes_map(r)?)
        } else {
            None
        };
        Ok(HandshakeResponse {
            matched,
            server_protocol,
            server_hash,
            meta,
        })
    }
}

/// One `AvroFlumeEvent`, its body sliced out of `payload` without a copy.
fn read_event(r: &mut Reader<'_>, payload: &Bytes) -> Result<Event, DecodeError> {
    let mut headers = Headers::new();
    loop {
        let mut count = r.long()?;
        if count == 0 {
            break;
        }
        if count < 0 {
            count = count.checked_neg().ok_or(DecodeError::BadLength(count))?;
            let _block_size = r.long()?;
        }
        for _ in 0..count {
            let k = lossy(r.bytes()?);
            let v = lossy(r.bytes()?);
            headers.insert(k, v);
        }
    }
    let body = payload.slice_ref(r.bytes()?);
    let headers = crate::java::avro_map_headers(headers);
    Ok(Event { headers, body })
}

/// `array<AvroFlumeEvent>`.
fn read_events(r: &mut Reader<'_>, payload: &Bytes) -> Result<Vec<Event>, DecodeError> {
    let mut events = Vec::new();
    loop {
        let mut count = r.long()?;
        if count == 0 {
            return Ok(events);
        }
        if count < 0 {
            count = count.checked_neg().ok_or(DecodeError::BadLength(count))?;
            let _block_size = r.long()?;
        }
        // An event takes at least two bytes: never reserve more than the data can hold.
        events.reserve((count as usize).min(r.remaining().len() / 2));
        for _ in 0..count {
            events.push(read_event(r, payload)?);
        }
    }
}

fn put_events(out: &mut BytesMut, events: &[Event]) {
    if !events.is_empty() {
        put_long(out, events.len() as i64);
        for e in events {
            avro_event::encode_char_seq_map_into(out, &e.headers, &e.body);
        }
    }
    put_long(out, 0);
}

/// The text of the Java exception a decoding failure raises, as `Throwable.toString()` prints
/// it in a system-error reply.
fn java_exception_text(e: &DecodeError) -> String {
    match e {
        DecodeError::Truncated => "java.io.EOFException".to_string(),
        DecodeError::BadVarint => {
            "org.apache.avro.InvalidNumberEncodingException: Invalid long encoding".to_string()
        }
        DecodeError::BadLength(n) => {
            format!("org.apache.avro.AvroRuntimeException: Malformed data. Length is negative: {n}")
        }
        DecodeError::BadUtf8 => "org.apache.avro.AvroRuntimeException: Malformed data".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Server side

/// What the server knows of a client's protocol: the message names it declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProtocol {
    messages: Vec<String>,
}

impl RemoteProtocol {
    fn local() -> Self {
        RemoteProtocol {
            messages: MESSAGES.iter().map(|m| m.to_string()).collect(),
        }
    }

    /// Parse a client's protocol text (`Protocol.parse`): only its message names matter here,
    /// the request layouts of a Flume client are the ones this server reads.
    fn parse(text: &str) -> Result<Self, String> {
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("org.apache.avro.SchemaParseException: {e}"))?;
        let messages = match json.get("messages") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            Some(_) => {
                return Err(
                    "org.apache.avro.SchemaParseException: Messages not an object".to_string(),
                );
            }
        };
        Ok(RemoteProtocol { messages })
    }

    fn has(&self, name: &str) -> bool {
        self.messages.iter().any(|m| m == name)
    }
}

/// The server's side of Avro IPC for `AvroSourceProtocol`: one per source, shared by all its
/// connections (the protocols it has learned from clients, like Java's `Responder`).
pub struct Responder {
    known: Mutex<HashMap<[u8; 16], Arc<RemoteProtocol>>>,
}

impl Default for Responder {
    fn default() -> Self {
        let mut known = HashMap::new();
        // Java clients of this protocol send its hash and no text: knowing it up front answers
        // them BOTH at once, as a Java server does.
        known.insert(PROTOCOL_HASH, Arc::new(RemoteProtocol::local()));
        Responder {
            known: Mutex::new(known),
        }
    }
}

/// Per-connection state: the client's protocol once the handshake succeeded.
#[derive(Debug, Default)]
pub struct Connection {
    remote: Option<Arc<RemoteProtocol>>,
}

impl Connection {
    pub fn is_connected(&self) -> bool {
        self.remote.is_some()
    }
}

/// A call the source must execute before it can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Append(Event),
    AppendBatch(Vec<Event>),
}

/// What to do with one request frame.
#[derive(Debug)]
pub enum Step {
    /// Send this frame back now (handshake refusal, ping, system error).
    Reply(BytesMut),
    /// Run the call, then send `pending.finish(status)`.
    Execute(Call, PendingReply),
}

/// The reply to an executed call, waiting for its status.
#[derive(Debug)]
pub struct PendingReply {
    serial: i32,
    handshake: Option<BytesMut>,
}

impl PendingReply {
    pub fn serial(&self) -> i32 {
        self.serial
    }

    /// The reply frame: `[handshake | empty] [meta] [error=false, status]`, Java's buffers.
    pub fn finish(self, status: Status) -> BytesMut {
        let mut payload = BytesMut::with_capacity(2);
        put_bool(&mut payload, false);
        put_long(&mut payload, status.index());
        reply_frame(self.serial, self.handshake.as_deref(), &payload)
    }
}

/// Java's response layout: the handshake buffer (an empty one when there was no handshake),
/// then the response metadata (`00`), then the payload.
fn reply_frame(serial: i32, handshake: Option<&[u8]>, payload: &[u8]) -> BytesMut {
    let mut out = BytesMut::new();
    let handshake = handshake.unwrap_or(&[]);
    let mut buffers: Vec<&[u8]> = Vec::with_capacity(3);
    buffers.push(handshake);
    buffers.push(&[0u8]);
    buffers.extend(java_chunks(payload));
    put_frame(&mut out, serial, &buffers);
    out
}

fn system_error(serial: i32, handshake: Option<&[u8]>, message: &str) -> BytesMut {
    let mut payload = BytesMut::with_capacity(message.len() + 8);
    put_bool(&mut payload, true);
    put_long(&mut payload, 0); // union ["string"], branch 0
    put_string(&mut payload, message);
    reply_frame(serial, handshake, &payload)
}

impl Responder {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Responder.handshake`: returns the encoded response and the client's protocol (None →
    /// the answer was NONE and the call must not run).
    fn handshake(
        &self,
        r: &mut Reader<'_>,
    ) -> Result<(BytesMut, Option<Arc<RemoteProtocol>>), String> {
        let request = HandshakeRequest::decode(r).map_err(|e| java_exception_text(&e))?;
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let mut remote = known.get(&request.client_hash).cloned();
        if remote.is_none()
            && let Some(text) = &request.client_protocol
        {
            let parsed = Arc::new(RemoteProtocol::parse(text)?);
            if known.len() < MAX_KNOWN_PROTOCOLS {
                known.insert(request.client_hash, Arc::clone(&parsed));
            }
            remote = Some(parsed);
        }
        drop(known);
        let matched = match (&remote, request.server_hash == PROTOCOL_HASH) {
            (None, _) => HandshakeMatch::None,
            (Some(_), true) => HandshakeMatch::Both,
            (Some(_), false) => HandshakeMatch::Client,
        };
        let full = matched != HandshakeMatch::Both;
        let response = HandshakeResponse {
            matched,
            server_protocol: full.then(|| PROTOCOL_JSON.to_string()),
            server_hash: full.then_some(PROTOCOL_HASH),
            meta: None,
        };
        let mut out = BytesMut::new();
        response.encode(&mut out);
        Ok((out, remote))
    }

    /// Handle one request frame on `conn`.
    pub fn respond(&self, conn: &mut Connection, frame: &Frame) -> Step {
        let serial = frame.serial;
        let payload = &frame.payload;
        let mut r = Reader::new(payload);
        let mut handshake: Option<BytesMut> = None;
        let remote = match conn.remote.clone() {
            Some(remote) => remote,
            None => match self.handshake(&mut r) {
                Ok((response, Some(remote))) => {
                    conn.remote = Some(Arc::clone(&remote));
                    handshake = Some(response);
                    remote
                }
                Ok((response, None)) => {
                    let mut out = BytesMut::new();
                    put_frame(&mut out, serial, &[&response]);
                    return Step::Reply(out);
                }
                Err(message) => return Step::Reply(system_error(serial, None, &message)),
            },
        };
        let hs = handshake.as_deref();
        let name = match read_bytes_map(&mut r).and_then(|_meta| r.bytes()) {
            Ok(name) => lossy(name),
            Err(e) => return Step::Reply(system_error(serial, hs, &java_exception_text(&e))),
        };
        if name.is_empty() {
            // A handshake ping: the reply is the handshake buffer alone.
            let mut out = BytesMut::new();
            put_frame(&mut out, serial, &[hs.unwrap_or(&[])]);
            return Step::Reply(out);
        }
        if !remote.has(&name) {
            let message =
                format!("org.apache.avro.AvroRuntimeException: No such remote message: {name}");
            return Step::Reply(system_error(serial, hs, &message));
        }
        if !MESSAGES.contains(&name.as_str()) {
            let message = format!(
                "org.apache.avro.AvroRuntimeException: No message named {name} in {PROTOCOL_JSON}"
            );
            return Step::Reply(system_error(serial, hs, &message));
        }
        let call = if name == "append" {
            read_event(&mut r, payload).map(Call::Append)
        } else {
            read_events(&mut r, payload).map(Call::AppendBatch)
        };
        match call {
            Ok(call) => Step::Execute(call, PendingReply { serial, handshake }),
            Err(e) => Step::Reply(system_error(serial, hs, &java_exception_text(&e))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client side

/// The client's side of Avro IPC, one per connection: serials, and the handshake the way
/// Java's `Requester` does it (hash only first; the protocol text only after a NONE).
#[derive(Debug)]
pub struct Requester {
    serial: i32,
    connected: bool,
    send_protocol: bool,
    server_hash: [u8; 16],
}

impl Default for Requester {
    fn default() -> Self {
        Requester {
            serial: 0,
            connected: false,
            send_protocol: false,
            server_hash: PROTOCOL_HASH,
        }
    }
}

/// A request ready to send.
#[derive(Debug)]
pub struct OutgoingCall {
    pub serial: i32,
    pub frame: BytesMut,
    with_handshake: bool,
}

/// What a reply said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(Status),
    /// The server did not know our protocol (NONE): send the same call again.
    Resend,
    /// The reply to a ping (no message).
    Pong,
}

impl Requester {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }

    fn request(&mut self, name: &str, params: &[u8]) -> OutgoingCall {
        // Java's first serial on a connection is 1.
        self.serial = self.serial.wrapping_add(1);
        let with_handshake = !self.connected;
        let mut head = BytesMut::with_capacity(64);
        if with_handshake {
            HandshakeRequest {
                client_hash: PROTOCOL_HASH,
                client_protocol: self.send_protocol.then(|| PROTOCOL_JSON.to_string()),
                server_hash: self.server_hash,
                // Java's requester sends an empty map here, not null.
                meta: Some(Vec::new()),
            }
            .encode(&mut head);
        }
        put_bytes_map(&mut head, &[]);
        put_string(&mut head, name);
        let mut buffers: Vec<&[u8]> = vec![&head];
        if !params.is_empty() {
            buffers.extend(java_chunks(params));
        }
        let mut frame = BytesMut::new();
        put_frame(&mut frame, self.serial, &buffers);
        OutgoingCall {
            serial: self.serial,
            frame,
            with_handshake,
        }
    }

    /// `appendBatch(events)`.
    pub fn append_batch(&mut self, events: &[Event]) -> OutgoingCall {
        let size: usize = events
            .iter()
            .map(|e| e.body.len() + 8 + e.headers.len() * 16)
            .sum();
        let mut params = BytesMut::with_capacity(size + 8);
        put_events(&mut params, events);
        self.request("appendBatch", &params)
    }

    /// `append(event)`.
    pub fn append(&mut self, event: &Event) -> OutgoingCall {
        let mut params = BytesMut::new();
        avro_event::encode_char_seq_map_into(&mut params, &event.headers, &event.body);
        self.request("append", &params)
    }

    /// A handshake ping (empty message name).
    pub fn ping(&mut self) -> OutgoingCall {
        self.request("", &[])
    }

    /// Read the reply to `call`.
    pub fn read_reply(
        &mut self,
        call: &OutgoingCall,
        payload: &[u8],
    ) -> Result<Reply, AvroRpcError> {
        let mut r = Reader::new(payload);
        if call.with_handshake && !payload.is_empty() {
            let response = HandshakeResponse::decode(&mut r)?;
            if let Some(hash) = response.server_hash {
                self.server_hash = hash;
            }
            if response.matched == HandshakeMatch::None {
                self.send_protocol = true;
                return Ok(Reply::Resend);
            }
            self.connected = true;
        }
        if r.remaining().is_empty() {
            return Ok(Reply::Pong);
        }
        let _meta = read_bytes_map(&mut r)?;
        match r.byte()? {
            0 => {
                let index = r.long()?;
                Status::from_index(index).map(Reply::Status).ok_or_else(|| {
                    AvroRpcError::BadResponse(format!("unknown Status index {index}"))
                })
            }
            _ => {
                let branch = r.long()?;
                if branch != 0 {
                    return Err(AvroRpcError::BadResponse(format!(
                        "unknown error union branch {branch}"
                    )));
                }
                Err(AvroRpcError::Remote(lossy(r.bytes()?)))
            }
        }
    }
}

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
