//! The Avro pieces of the protocol: handshake request and response, call metadata, `append`
//! / `appendBatch` parameters and `Status` replies.

use super::*;

pub(super) fn put_string(out: &mut BytesMut, s: &str) {
    put_bytes(out, s.as_bytes());
}

pub(super) fn put_bool(out: &mut BytesMut, b: bool) {
    out.put_u8(b as u8);
}

pub(super) fn hash16(r: &mut Reader<'_>) -> Result<[u8; 16], DecodeError> {
    let b = r.fixed(16)?;
    let mut h = [0u8; 16];
    h.copy_from_slice(b);
    Ok(h)
}

/// A union `["null", T]`: false for null.
pub(super) fn union_present(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.long()? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(DecodeError::BadLength(other)),
    }
}

/// `map<bytes>` (call metadata, handshake meta).
pub(super) fn read_bytes_map(r: &mut Reader<'_>) -> Result<Vec<(String, Bytes)>, DecodeError> {
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

pub(super) fn put_bytes_map(out: &mut BytesMut, map: &[(String, Bytes)]) {
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
pub(super) fn lossy(b: &[u8]) -> String {
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
pub(super) fn read_event(r: &mut Reader<'_>, payload: &Bytes) -> Result<Event, DecodeError> {
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
pub(super) fn read_events(r: &mut Reader<'_>, payload: &Bytes) -> Result<Vec<Event>, DecodeError> {
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

pub(super) fn put_events(out: &mut BytesMut, events: &[Event]) {
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
pub(super) fn java_exception_text(e: &DecodeError) -> String {
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
