//! The `AvroFlumeEvent` binary datum (`{map<string> headers; bytes body}`), as Java's
//! `SpecificDatumWriter` writes it: on Kafka (channel, `useFlumeEventFormat`), inside Avro RPC
//! calls, and as the record layout of the `avro_event` serializer.
//!
//! Encoded by hand rather than through `apache_avro::types::Value`, because Flume's bytes put
//! map entries in Java `HashMap` iteration order and the crate's map is a `HashMap` with random
//! order; decoding accepts any order. The encoding is Avro's: zig-zag varints, one map block
//! followed by a zero count.

use bytes::{BufMut, Bytes, BytesMut};

use crate::event::{Event, Headers};

/// The Avro schema of the record (RPC protocol and Kafka).
pub const AVRO_FLUME_EVENT_SCHEMA: &str = r#"{"type":"record","name":"AvroFlumeEvent","namespace":"org.apache.flume.source.avro","fields":[{"name":"headers","type":{"type":"map","values":"string"}},{"name":"body","type":"bytes"}]}"#;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("truncated Avro datum")]
    Truncated,
    #[error("invalid Avro varint")]
    BadVarint,
    #[error("invalid length {0} in Avro datum")]
    BadLength(i64),
    #[error("header is not valid UTF-8")]
    BadUtf8,
}

pub fn put_long(out: &mut BytesMut, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.put_u8((z as u8) | 0x80);
        z >>= 7;
    }
    out.put_u8(z as u8);
}

pub fn put_bytes(out: &mut BytesMut, b: &[u8]) {
    put_long(out, b.len() as i64);
    out.put_slice(b);
}

/// Append the datum of `headers` + `body` to `out`.
pub fn encode_into(out: &mut BytesMut, headers: &Headers, body: &[u8]) {
    if !headers.is_empty() {
        put_long(out, headers.len() as i64);
        for (k, v) in crate::java::hashmap_order(headers) {
            put_bytes(out, k.as_bytes());
            put_bytes(out, v.as_bytes());
        }
    }
    put_long(out, 0);
    put_bytes(out, body);
}

pub fn encode(event: &Event) -> Bytes {
    let mut out = BytesMut::with_capacity(event.body.len() + 16 + event.headers.len() * 24);
    encode_into(&mut out, &event.headers, &event.body);
    out.freeze()
}

/// The datum as Flume's Kafka sink (`useFlumeEventFormat`) and Kafka channel
/// (`parseAsFlumeEvent`) write it: their `toCharSeqMap` copies the event's headers, in the
/// event map's iteration order, into a fresh `HashMap` whose order Avro then writes.
pub fn encode_kafka(event: &Event) -> Bytes {
    let mut out = BytesMut::with_capacity(event.body.len() + 16 + event.headers.len() * 24);
    encode_char_seq_map_into(&mut out, &event.headers, &event.body);
    out.freeze()
}

/// Append the datum with the headers in `toCharSeqMap` order: the event map's iteration order
/// put into a fresh `HashMap`. Flume's Kafka sink and channel and its Avro RPC client
/// (`NettyAvroRpcClient`) build the Avro record this way.
pub fn encode_char_seq_map_into(out: &mut BytesMut, headers: &Headers, body: &[u8]) {
    let entries = crate::java::hashmap_put_order(&crate::java::hashmap_order(headers));
    if !entries.is_empty() {
        put_long(out, entries.len() as i64);
        for (k, v) in entries {
            put_bytes(out, k.as_bytes());
            put_bytes(out, v.as_bytes());
        }
    }
    put_long(out, 0);
    put_bytes(out, body);
}

/// A cursor over Avro binary data.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub fn long(&mut self) -> Result<i64, DecodeError> {
        let mut z: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or(DecodeError::Truncated)?;
            self.pos += 1;
            z |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(((z >> 1) as i64) ^ -((z & 1) as i64));
            }
        }
        Err(DecodeError::BadVarint)
    }

    /// `n` raw bytes (an Avro `fixed`).
    pub fn fixed(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() - self.pos {
            return Err(DecodeError::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One raw byte (Avro `boolean`).
    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.buf.get(self.pos).ok_or(DecodeError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.long()?;
        if len < 0 || len as usize > self.buf.len() - self.pos {
            return Err(if len < 0 {
                DecodeError::BadLength(len)
            } else {
                DecodeError::Truncated
            });
        }
        let s = &self.buf[self.pos..self.pos + len as usize];
        self.pos += len as usize;
        Ok(s)
    }

    pub fn string(&mut self) -> Result<String, DecodeError> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_string)
            .map_err(|_| DecodeError::BadUtf8)
    }

    /// A `map<string>` (any number of blocks; negative counts carry a byte size).
    pub fn string_map(&mut self) -> Result<Headers, DecodeError> {
        let mut headers = Headers::new();
        loop {
            let mut count = self.long()?;
            if count == 0 {
                return Ok(headers);
            }
            if count < 0 {
                count = count.checked_neg().ok_or(DecodeError::BadLength(count))?;
                let _size = self.long()?;
            }
            for _ in 0..count {
                let k = self.string()?;
                let v = self.string()?;
                headers.insert(k, v);
            }
        }
    }

    /// One `AvroFlumeEvent` datum.
    pub fn event(&mut self) -> Result<Event, DecodeError> {
        let headers = self.string_map()?;
        let body = Bytes::copy_from_slice(self.bytes()?);
        Ok(Event { headers, body })
    }
}

/// Decode a whole buffer holding one datum.
pub fn decode(buf: &[u8]) -> Result<Event, DecodeError> {
    Reader::new(buf).event()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn flume_vectors() {
        assert_eq!(hex(&encode(&Event::new("hello"))), "000a68656c6c6f");
        let mut h = Headers::new();
        h.insert("a".into(), "b".into());
        assert_eq!(
            hex(&encode(&Event::with_headers(h, "hi"))),
            "020261026200046869"
        );
        let mut h = Headers::new();
        h.insert("timestamp".into(), "1700000000000".into());
        h.insert("host".into(), "w1".into());
        let bytes = encode(&Event::with_headers(h.clone(), ""));
        // The vector `afe-two-headers` lists the entries in insertion order; Java writes them in
        // HashMap order (host: bucket 8, timestamp: bucket 15), as the golden captures from a
        // real Flume show. Same entries, Java's order.
        assert_eq!(
            hex(&bytes),
            "0408686f73740477311274696d657374616d701a313730303030303030303030300000"
        );
        assert_eq!(decode(&bytes).unwrap().headers, h);
    }

    #[test]
    fn garbage_never_panics() {
        for input in [&[][..], &[0x80], &[0x02, 0x7f], &[0x01, 0x00], &[0xff; 12]] {
            let _ = decode(input);
        }
    }
}
