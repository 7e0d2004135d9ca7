//! The byte format of what crosses the JNI boundary (`Wire.java` has the other half):
//! big-endian integers; a string is a length (-1 for null) and UTF-8 bytes; an event is its
//! header count, header key/value strings and its body; a batch is a count of events. One
//! array per batch each way, so a batch costs one JNI call whatever its size.

use bytes::Bytes;

use crate::event::{Event, Headers};

// Operations of `Host.call` (Host.java has the same numbers).
pub const OP_INIT: i32 = 1;
pub const OP_CLOSE: i32 = 2;
pub const OP_CHECK_CLASS: i32 = 3;
pub const OP_START: i32 = 4;
pub const OP_STOP: i32 = 5;
pub const OP_NEW_INTERCEPTOR: i32 = 10;
pub const OP_INTERCEPT: i32 = 11;
pub const OP_NEW_SINK: i32 = 20;
pub const OP_SINK_PROCESS: i32 = 21;
pub const OP_NEW_SOURCE: i32 = 30;
pub const OP_SOURCE_PROCESS: i32 = 31;
pub const OP_NEW_SERIALIZER: i32 = 40;
pub const OP_SERIALIZER_CALL: i32 = 41;
pub const OP_METRICS: i32 = 50;
pub const OP_NEW_HANDLER: i32 = 60;
pub const OP_HANDLE: i32 = 61;
pub const OP_NEW_CHANNEL: i32 = 70;
pub const OP_CHANNEL_PUT: i32 = 71;
pub const OP_CHANNEL_TAKE: i32 = 72;
pub const OP_CHANNEL_COMMIT: i32 = 73;
pub const OP_CHANNEL_ROLLBACK: i32 = 74;

// Upcalls from Java.
pub const UP_LOG: i32 = 1;
pub const UP_TAKE: i32 = 10;
pub const UP_COMMIT: i32 = 11;
pub const UP_ROLLBACK: i32 = 12;
pub const UP_PUT: i32 = 20;

// Error kinds.
pub const ERR_CLASS_NOT_FOUND: i32 = 1;
pub const ERR_WRONG_KIND: i32 = 2;
pub const ERR_LINKAGE: i32 = 3;
pub const ERR_EXCEPTION: i32 = 4;
pub const ERR_DELIVERY: i32 = 5;
pub const ERR_CHANNEL: i32 = 6;
pub const ERR_BAD_REQUEST: i32 = 7;
pub const ERR_CHANNEL_FULL: i32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed answer from the JVM bridge")]
pub struct Malformed;

#[derive(Default)]
pub struct Out(Vec<u8>);

impl Out {
    pub fn with_capacity(n: usize) -> Self {
        Out(Vec::with_capacity(n))
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }

    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A string that may be Java's null.
    pub fn opt_str(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.str(s),
            None => self.i32(-1),
        }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.i32(b.len() as i32);
        self.0.extend_from_slice(b);
        self
    }

    pub fn map<'a>(
        &mut self,
        pairs: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
    ) -> &mut Self {
        self.i32(pairs.len() as i32);
        for (k, v) in pairs {
            self.str(k);
            self.str(v);
        }
        self
    }

    pub fn event(&mut self, e: &Event) -> &mut Self {
        self.map(e.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.bytes(&e.body)
    }

    pub fn events(&mut self, events: &[Event]) -> &mut Self {
        self.i32(events.len() as i32);
        for e in events {
            self.event(e);
        }
        self
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

/// Size hint for a batch's encoding.
pub fn batch_size_hint(events: &[Event]) -> usize {
    4 + events
        .iter()
        .map(|e| {
            8 + e.body.len()
                + e.headers
                    .iter()
                    .map(|(k, v)| 8 + k.len() + v.len())
                    .sum::<usize>()
        })
        .sum::<usize>()
}

pub struct In<'a> {
    b: &'a [u8],
    p: usize,
    /// The same bytes, when event bodies may be slices of them rather than copies.
    shared: Option<&'a Bytes>,
}

impl<'a> In<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        In {
            b,
            p: 0,
            shared: None,
        }
    }

    /// Reading from `b`, whose event bodies are slices of `b` (one allocation for a whole
    /// batch instead of one per event).
    pub fn shared(b: &'a Bytes) -> Self {
        In {
            b,
            p: 0,
            shared: Some(b),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.p.checked_add(n).ok_or(Malformed)?;
        let s = self.b.get(self.p..end).ok_or(Malformed)?;
        self.p = end;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    pub fn i32(&mut self) -> Result<i32, Malformed> {
        let s = self.take(4)?;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    pub fn i64(&mut self) -> Result<i64, Malformed> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_be_bytes(a))
    }

    /// A length, checked against what is left (a count never exceeds the bytes remaining).
    fn len(&mut self) -> Result<Option<usize>, Malformed> {
        let n = self.i32()?;
        if n < 0 {
            return Ok(None);
        }
        let n = n as usize;
        if n > self.b.len() - self.p {
            return Err(Malformed);
        }
        Ok(Some(n))
    }

    pub fn opt_str(&mut self) -> Result<Option<String>, Malformed> {
        match self.len()? {
            None => Ok(None),
            Some(n) => Ok(Some(String::from_utf8_lossy(self.take(n)?).into_owned())),
        }
    }

    pub fn str(&mut self) -> Result<String, Malformed> {
        Ok(self.opt_str()?.unwrap_or_default())
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.len()?.unwrap_or(0);
        self.take(n)
    }

    /// A string that is not copied (lossy only when it is not UTF-8, which Java's encoder
    /// never writes); null is "".
    fn str_ref(&mut self) -> Result<std::borrow::Cow<'a, str>, Malformed> {
        let Some(n) = self.len()? else {
            return Ok(std::borrow::Cow::Borrowed(""));
        };
        let bytes = self.take(n)?;
        Ok(match std::str::from_utf8(bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(bytes),
        })
    }

    pub fn event(&mut self) -> Result<Event, Malformed> {
        let n = self.len()?.unwrap_or(0);
        let headers = if n == 0 {
            Headers::new()
        } else {
            // Packed straight from the wire (one allocation; the map is built only if a later
            // component reads it as one). The wire's header bytes are the packed size.
            let mut probe = In::new(&self.b[self.p..]);
            for _ in 0..2 * n {
                probe.opt_str()?;
            }
            let mut packed = crate::event::PackedHeaders::builder(probe.p);
            for _ in 0..n {
                // The keys of a Java map: distinct.
                let k = self.str_ref()?;
                // Flume allows null header values; they have no place in our map: "" keeps the
                // key.
                let v = self.str_ref()?;
                packed.push(&k, &v);
            }
            packed.finish()
        };
        let body = match self.shared {
            Some(all) => {
                let n = self.len()?.unwrap_or(0);
                let at = self.p;
                self.take(n)?;
                all.slice(at..at + n)
            }
            None => Bytes::copy_from_slice(self.bytes()?),
        };
        Ok(Event { headers, body })
    }

    pub fn events(&mut self) -> Result<Vec<Event>, Malformed> {
        let n = self.len()?.unwrap_or(0);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.event()?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let mut e = Event::new("body ☃");
        e.headers.insert("k".into(), "v".into());
        e.headers.insert("é".into(), "".into());
        let batch = vec![e, Event::new("")];
        let mut out = Out::default();
        out.events(&batch);
        let bytes = out.into_vec();
        assert!(batch_size_hint(&batch) >= bytes.len());
        let back = In::new(&bytes).events().unwrap();
        assert_eq!(back, batch);
    }

    /// Bodies read from shared bytes are slices of them; headers come out packed and read
    /// back as the map they were (null values as "").
    #[test]
    fn shared_events_round_trip() {
        let mut e = Event::new("body ☃");
        e.headers.insert("k".into(), "v".into());
        e.headers.insert("é".into(), "".into());
        let batch = vec![e, Event::new(""), Event::new("x")];
        let mut out = Out::default();
        out.events(&batch);
        let bytes = Bytes::from(out.into_vec());
        let back = In::shared(&bytes).events().unwrap();
        assert_eq!(back, batch);
        assert_eq!(back[0].headers.value("é"), Some(""));
        assert_eq!(back[0].header("k"), Some("v"));
        let range = bytes.as_ptr_range();
        assert!(range.contains(&back[0].body.as_ptr()));
        // A null value (Java's null) reads as "".
        let mut out = Out::default();
        out.i32(1).i32(1).str("n").opt_str(None).bytes(b"b");
        let back = In::new(&out.into_vec()).events().unwrap();
        assert_eq!(back[0].headers.value("n"), Some(""));
        for cut in 0..bytes.len() {
            assert!(In::shared(&bytes.slice(..cut)).events().is_err());
        }
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut out = Out::default();
        out.events(&[Event::new("abc")]);
        let bytes = out.into_vec();
        for cut in 0..bytes.len() {
            assert!(In::new(&bytes[..cut]).events().is_err());
        }
        // A huge count with no bytes behind it is refused before allocating.
        assert!(In::new(&[0x7f, 0xff, 0xff, 0xff]).events().is_err());
    }
}
