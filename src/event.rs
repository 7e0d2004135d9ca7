//! The event every component passes on: Flume's `Event` (headers + body).

use std::ops::{Deref, DerefMut};
use std::sync::{LazyLock, OnceLock};

use bytes::Bytes;
use indexmap::IndexMap;

/// The map behind [`Headers`]. Hashed with foldhash (randomly seeded per process): an event
/// has a few short keys, for which SipHash costs more than the rest of a lookup.
pub type HeaderMap = IndexMap<String, String, foldhash::fast::RandomState>;

static EMPTY: LazyLock<HeaderMap> = LazyLock::new(HeaderMap::default);

/// Event headers. Insertion order is kept so that logs show headers the way they were added;
/// where Flume's output depends on Java `HashMap` order, use [`crate::java::hashmap_order`],
/// which also needs the size of the Java table the headers live in ([`JavaTable`]).
///
/// Most events carry no headers (log lines, sequence numbers), so an empty map costs one
/// pointer: an [`Event`] is 40 bytes, which keeps a full 100 000-event memory channel small.
/// It dereferences to an `IndexMap<String, String>` for everything else. Headers a channel
/// kept packed ([`PackedHeaders`]) build that map on the first such read; [`Headers::value`]
/// and [`Event::header`] read them without building it.
#[derive(Clone, Default)]
pub struct Headers(Option<Box<Repr>>);

#[derive(Clone)]
enum Repr {
    Map(Inner),
    /// The packed layout of [`PackedHeaders`], which [`Headers::put`] appends to in place, with
    /// the map built from it on the first read through `Deref`.
    Packed(Vec<u8>, OnceLock<Box<Inner>>),
}

#[derive(Clone)]
struct Inner {
    map: HeaderMap,
    table: JavaTable,
}

/// Headers in one allocation: the Java table, then every (key, value) as length-prefixed
/// UTF-8, in insertion order. What a memory channel keeps per queued event instead of a map
/// (a map of a few headers takes about 8 allocations and 400 bytes; this one, their length).
#[derive(Clone, PartialEq, Eq)]
pub struct PackedHeaders(Box<[u8]>);

/// Packed headers grown by [`Headers::put`] turn into a map past this many entries (a lookup
/// in the packed form is a scan).
const PACKED_MAX_ENTRIES: usize = 24;

/// Bytes reserved per header an interceptor chain may add ([`Headers::reserve_for`]).
const PACKED_RESERVE_PER_HEADER: usize = 40;

fn encode_table(table: JavaTable) -> [u8; 4] {
    let slots = match table {
        JavaTable::CopyOfCurrent => 0u32,
        JavaTable::Started(slots) => slots.max(1),
    };
    slots.to_le_bytes()
}

fn packed_new(table: JavaTable, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + capacity);
    out.extend_from_slice(&encode_table(table));
    out
}

fn packed_push(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value.as_bytes());
}

fn packed_table(data: &[u8]) -> JavaTable {
    match data.get(..4) {
        Some(&[a, b, c, d]) => match u32::from_le_bytes([a, b, c, d]) {
            0 => JavaTable::CopyOfCurrent,
            slots => JavaTable::Started(slots),
        },
        _ => JavaTable::CopyOfCurrent,
    }
}

/// One entry of a packed buffer: where it starts, where its value's bytes are, where it ends.
/// Key and value are UTF-8 (written from `str`s by `packed_push`); they are compared as bytes
/// and turned into `str` only where one is handed out ([`PackedEntry::text`]).
struct PackedEntry<'a> {
    start: usize,
    key: &'a [u8],
    value: &'a [u8],
    value_at: usize,
    end: usize,
}

impl<'a> PackedEntry<'a> {
    fn text(&self) -> Option<(&'a str, &'a str)> {
        Some((
            std::str::from_utf8(self.key).ok()?,
            std::str::from_utf8(self.value).ok()?,
        ))
    }
}

fn packed_entries(data: &[u8]) -> impl Iterator<Item = PackedEntry<'_>> {
    let mut at = 4;
    let field = move |at: &mut usize| -> Option<(usize, &[u8])> {
        let len_bytes = data.get(*at..*at + 4)?;
        let len =
            u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
        let bytes = data.get(*at + 4..*at + 4 + len)?;
        let text_at = *at + 4;
        *at += 4 + len;
        Some((text_at, bytes))
    };
    std::iter::from_fn(move || {
        let start = at;
        let (_, key) = field(&mut at)?;
        let (value_at, value) = field(&mut at)?;
        Some(PackedEntry {
            start,
            key,
            value,
            value_at,
            end: at,
        })
    })
}

fn packed_get<'a>(data: &'a [u8], key: &str) -> Option<&'a str> {
    packed_entries(data)
        .find(|e| e.key == key.as_bytes())
        .and_then(|e| std::str::from_utf8(e.value).ok())
}

/// `put` into a packed buffer: a new key goes at the end, an existing one keeps its place and
/// takes the new value. `false` (nothing changed): the buffer is full, use a map.
fn packed_put(buf: &mut Vec<u8>, key: &str, value: &str) -> bool {
    let mut count = 0;
    let mut found = None;
    for e in packed_entries(buf) {
        if e.key == key.as_bytes() {
            found = Some((e.value_at, e.value.len()));
            break;
        }
        count += 1;
    }
    match found {
        Some((at, old_len)) => {
            if old_len == value.len() {
                buf[at..at + old_len].copy_from_slice(value.as_bytes());
            } else {
                buf.splice(at..at + old_len, value.bytes());
                buf[at - 4..at].copy_from_slice(&(value.len() as u32).to_le_bytes());
            }
            true
        }
        None if count >= PACKED_MAX_ENTRIES => false,
        None => {
            packed_push(buf, key, value);
            true
        }
    }
}

fn packed_remove(buf: &mut Vec<u8>, key: &str) -> bool {
    let Some((start, end)) = packed_entries(buf)
        .find(|e| e.key == key.as_bytes())
        .map(|e| (e.start, e.end))
    else {
        return false;
    };
    buf.drain(start..end);
    true
}

fn unpack(data: &[u8]) -> Inner {
    let mut map = HeaderMap::with_capacity_and_hasher(8, Default::default());
    for (k, v) in packed_entries(data).filter_map(|e| e.text()) {
        map.insert(k.to_string(), v.to_string());
    }
    Inner {
        map,
        table: packed_table(data),
    }
}

impl PackedHeaders {
    fn pack(map: &HeaderMap, table: JavaTable) -> PackedHeaders {
        let len = map
            .iter()
            .map(|(k, v)| 8 + k.len() + v.len())
            .sum::<usize>();
        let mut out = packed_new(table, len);
        for (k, v) in map {
            packed_push(&mut out, k, v);
        }
        PackedHeaders(out.into_boxed_slice())
    }

    /// Packed headers built pair by pair, kept as [`JavaTable::CopyOfCurrent`] (what a map of
    /// them would be); `capacity` is the expected total of `8 + key + value` bytes. Keys must
    /// be distinct (they come from a map).
    pub fn builder(capacity: usize) -> PackedHeadersBuilder {
        PackedHeadersBuilder(packed_new(JavaTable::CopyOfCurrent, capacity))
    }

    /// (key, value) pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        packed_entries(&self.0).filter_map(|e| e.text())
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        packed_get(&self.0, key)
    }
}

impl Repr {
    fn inner(&self) -> &Inner {
        match self {
            Repr::Map(inner) => inner,
            Repr::Packed(p, built) => built.get_or_init(|| Box::new(unpack(p))),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        if let Repr::Packed(p, built) = self {
            let inner = match built.take() {
                Some(b) => *b,
                None => unpack(p),
            };
            *self = Repr::Map(inner);
        }
        match self {
            Repr::Map(inner) => inner,
            Repr::Packed(..) => unreachable!("converted above"),
        }
    }

    fn into_inner(self) -> Inner {
        match self {
            Repr::Map(inner) => inner,
            Repr::Packed(p, built) => match built.into_inner() {
                Some(b) => *b,
                None => unpack(&p),
            },
        }
    }
}

/// See [`PackedHeaders::builder`].
pub struct PackedHeadersBuilder(Vec<u8>);

impl PackedHeadersBuilder {
    pub fn push(&mut self, key: &str, value: &str) {
        packed_push(&mut self.0, key, value);
    }

    pub fn finish(self) -> Headers {
        Headers(Some(Box::new(Repr::Packed(self.0, OnceLock::new()))))
    }
}

/// The `java.util.HashMap` Flume keeps an event's headers in, as far as its iteration order
/// depends on it: the table it started with; every put since grows it (doubling) once the
/// size passes 0.75 of it, and it never shrinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JavaTable {
    /// Not recorded: rendered as `new HashMap<>(headers)` of the headers as they are now (the
    /// copy Flume makes before most outputs).
    CopyOfCurrent,
    /// A table of this many slots at creation: 16 for `new HashMap<>()` (an event built
    /// without headers, e.g. `EventBuilder.withBody(body)`, to which interceptors then put),
    /// `tableSizeFor(n / 0.75 + 1)` for `new HashMap<>(headers)` of `n` entries.
    Started(u32),
}

impl JavaTable {
    /// `new HashMap<>()`.
    pub const NEW: JavaTable = JavaTable::Started(16);

    /// The table `new HashMap<>(m)` makes for a map of `n` entries (an empty copy allocates
    /// nothing, and its first put makes the default 16 slots).
    pub fn copy_of(n: usize) -> JavaTable {
        if n == 0 {
            return JavaTable::NEW;
        }
        let wanted = (n as f32 / 0.75f32 + 1.0f32) as usize;
        JavaTable::Started(wanted.max(1).next_power_of_two() as u32)
    }

    /// `new HashMap<>(n)`: `tableSizeFor(n)` slots at the first put.
    pub fn with_capacity(n: usize) -> JavaTable {
        JavaTable::Started(n.max(1).next_power_of_two() as u32)
    }

    /// Slots of the table once it holds `n` entries.
    pub fn slots(self, n: usize) -> usize {
        let mut slots = match self {
            JavaTable::CopyOfCurrent => return JavaTable::copy_of(n).slots(n),
            JavaTable::Started(s) => s.max(1) as usize,
        };
        // HashMap.putVal: `if (++size > threshold) resize()`, threshold = (int) (slots * 0.75).
        while n > (slots as f32 * 0.75f32) as usize {
            slots *= 2;
        }
        slots
    }
}

impl Headers {
    pub fn new() -> Self {
        Headers(None)
    }

    /// Room for `n` more headers put with [`Headers::put`] (an interceptor chain reserves what
    /// it may add once per event). Empty headers start a Java table as `DerefMut` does.
    pub fn reserve_for(&mut self, n: usize) {
        match &mut self.0 {
            None => {
                self.0 = Some(Box::new(Repr::Packed(
                    packed_new(JavaTable::NEW, n * PACKED_RESERVE_PER_HEADER),
                    OnceLock::new(),
                )))
            }
            Some(repr) => match &mut **repr {
                Repr::Map(inner) => inner.map.reserve(n),
                Repr::Packed(buf, _) => buf.reserve(n * PACKED_RESERVE_PER_HEADER),
            },
        }
    }

    /// Java's `headers.put(key, value)`: a new key goes last, an existing key keeps its place
    /// and takes the new value. Headers with few entries are kept packed (no allocation per
    /// key or value); the map is built only if something reads through `Deref`.
    pub fn put(&mut self, key: &str, value: &str) {
        let repr = self.0.get_or_insert_with(|| {
            Box::new(Repr::Packed(
                packed_new(JavaTable::NEW, 8 + key.len() + value.len()),
                OnceLock::new(),
            ))
        });
        if let Repr::Packed(buf, built) = &mut **repr
            && packed_put(buf, key, value)
        {
            built.take();
            return;
        }
        let map = &mut repr.inner_mut().map;
        match map.get_mut(key) {
            Some(v) => {
                v.clear();
                v.push_str(value);
            }
            None => {
                map.insert(key.to_string(), value.to_string());
            }
        }
    }

    /// Java's `headers.remove(key)`: true when the key was there (the others keep their order).
    pub fn delete(&mut self, key: &str) -> bool {
        let Some(repr) = &mut self.0 else {
            return false;
        };
        match &mut **repr {
            Repr::Packed(buf, built) => {
                let removed = packed_remove(buf, key);
                if removed {
                    built.take();
                }
                removed
            }
            Repr::Map(inner) => inner.map.shift_remove(key).is_some(),
        }
    }

    /// Whether `key` is there (packed headers are read without building their map).
    pub fn contains(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    pub fn with_capacity(n: usize) -> Self {
        if n == 0 {
            Headers(None)
        } else {
            Headers(Some(Box::new(Repr::Map(Inner {
                map: HeaderMap::with_capacity_and_hasher(n, Default::default()),
                table: JavaTable::CopyOfCurrent,
            }))))
        }
    }

    pub fn into_map(self) -> HeaderMap {
        self.0.map(|b| b.into_inner().map).unwrap_or_default()
    }

    /// These headers packed into one allocation (`None` when there are none), for a queue
    /// that keeps many events.
    pub fn into_packed(self) -> Option<PackedHeaders> {
        let repr = self.0?;
        match *repr {
            Repr::Packed(p, _) => Some(PackedHeaders(p.into_boxed_slice())),
            Repr::Map(inner) => Some(PackedHeaders::pack(&inner.map, inner.table)),
        }
    }

    /// Headers read from a packed form; the map is built only if something needs it.
    pub fn from_packed(packed: Option<PackedHeaders>) -> Headers {
        Headers(packed.map(|p| Box::new(Repr::Packed(p.0.into_vec(), OnceLock::new()))))
    }

    /// The value of `key` (packed headers are read without building their map).
    pub fn value(&self, key: &str) -> Option<&str> {
        match self.0.as_deref()? {
            Repr::Map(inner) => inner.map.get(key).map(String::as_str),
            Repr::Packed(p, _) => packed_get(p, key),
        }
    }

    /// The Java table these headers are kept in (see [`JavaTable`]).
    pub fn java_table(&self) -> JavaTable {
        match self.0.as_deref() {
            Some(Repr::Map(inner)) => inner.table,
            Some(Repr::Packed(p, _)) => packed_table(p),
            None => JavaTable::CopyOfCurrent,
        }
    }

    /// Record the Java table from here on: later inserts grow it as `HashMap.put` does.
    pub fn set_java_table(&mut self, table: JavaTable) {
        match self.0.as_deref_mut() {
            Some(Repr::Map(inner)) => inner.table = table,
            Some(Repr::Packed(p, built)) => {
                p[..4].copy_from_slice(&encode_table(table));
                if let Some(b) = built.get_mut() {
                    b.table = table;
                }
            }
            None => {}
        }
    }

    /// Flume's `EventBuilder.withBody(body, headers)` of a map that iterates in insertion order
    /// (Gson's map, a `LinkedHashMap`): copied with `new HashMap<>(headers)`, into whose table
    /// interceptors then put. For a `HashMap` source use [`crate::java::hashmap_copy`].
    pub fn java_copy(mut self) -> Self {
        let table = JavaTable::copy_of(self.len());
        self.set_java_table(table);
        self
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        **self == **other
    }
}

impl Eq for Headers {}

impl Deref for Headers {
    type Target = HeaderMap;

    fn deref(&self) -> &HeaderMap {
        match &self.0 {
            Some(repr) => &repr.inner().map,
            None => &EMPTY,
        }
    }
}

impl DerefMut for Headers {
    /// Headers that were empty start a table as Java's first put into an empty `HashMap`
    /// does (16 slots), whether the map came from `new HashMap<>()` or from a copy of an
    /// empty one; [`Headers::java_copy`] records a copy of headers built here.
    fn deref_mut(&mut self) -> &mut HeaderMap {
        &mut self
            .0
            .get_or_insert_with(|| {
                Box::new(Repr::Map(Inner {
                    map: HeaderMap::default(),
                    table: JavaTable::NEW,
                }))
            })
            .inner_mut()
            .map
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl From<HeaderMap> for Headers {
    fn from(map: HeaderMap) -> Self {
        if map.is_empty() {
            Headers(None)
        } else {
            Headers(Some(Box::new(Repr::Map(Inner {
                map,
                table: JavaTable::CopyOfCurrent,
            }))))
        }
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Headers::from(iter.into_iter().collect::<HeaderMap>())
    }
}

impl Extend<(String, String)> for Headers {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Headers {
    type Item = (String, String);
    type IntoIter = indexmap::map::IntoIter<String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_map().into_iter()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a String, &'a String);
    type IntoIter = indexmap::map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq<HeaderMap> for Headers {
    fn eq(&self, other: &HeaderMap) -> bool {
        **self == *other
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub headers: Headers,
    pub body: Bytes,
}

impl Event {
    pub fn new(body: impl Into<Bytes>) -> Self {
        Event {
            headers: Headers::new(),
            body: body.into(),
        }
    }

    pub fn with_headers(headers: Headers, body: impl Into<Bytes>) -> Self {
        Event {
            headers,
            body: body.into(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.value(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_headers_cost_one_pointer() {
        assert_eq!(std::mem::size_of::<Event>(), 40);
        let mut e = Event::new("x");
        assert!(e.headers.is_empty());
        e.headers.insert("a".into(), "b".into());
        assert_eq!(e.header("a"), Some("b"));
        let h: Headers = [("k".to_string(), "v".to_string())].into_iter().collect();
        assert_eq!(h.len(), 1);
        assert_eq!(Headers::new(), Headers::from(HeaderMap::default()));
    }

    #[test]
    fn packed_headers_read_and_rebuild_the_same_map() {
        let mut h = Headers::new();
        h.insert("timestamp".into(), "1700000000000".into());
        h.insert("level".into(), "INFO".into());
        h.insert("".into(), "é ünïcode".into());
        h.set_java_table(JavaTable::Started(64));
        let original = h.clone();
        let packed = Headers::from_packed(h.into_packed());
        assert_eq!(packed.value("level"), Some("INFO"));
        assert_eq!(packed.value(""), Some("é ünïcode"));
        assert_eq!(packed.value("missing"), None);
        assert_eq!(packed.java_table(), JavaTable::Started(64));
        assert_eq!(packed, original);
        let keys: Vec<&String> = packed.keys().collect();
        assert_eq!(keys, ["timestamp", "level", ""]);
        let mut changed = packed.clone();
        changed.insert("host".into(), "h1".into());
        assert_eq!(changed.len(), 4);
        assert_eq!(changed.java_table(), JavaTable::Started(64));
        assert_eq!(packed.len(), 3);
        assert!(Headers::new().into_packed().is_none());
        let emptied = Headers::from(HeaderMap::default()).into_packed();
        assert!(emptied.is_none());
        let mut cleared = original.clone();
        cleared.clear();
        let kept = Headers::from_packed(cleared.into_packed());
        assert!(kept.is_empty());
        assert_eq!(kept.java_table(), JavaTable::Started(64));
        assert_eq!(Headers::from_packed(None), Headers::new());
    }

    #[test]
    fn put_keeps_headers_packed_with_map_semantics() {
        let mut h = Headers::new();
        h.put("timestamp", "1700000000000");
        h.put("host", "10.0.0.1");
        h.put("level", "INFO");
        assert_eq!(h.java_table(), JavaTable::NEW);
        assert_eq!(h.value("host"), Some("10.0.0.1"));
        // Same length in place, then a longer and a shorter value: the key keeps its place.
        h.put("host", "10.0.0.2");
        h.put("timestamp", "1");
        h.put("host", "a-much-longer-host-name.example.com");
        assert!(h.contains("timestamp"));
        assert!(!h.contains("missing"));
        let keys: Vec<&String> = h.keys().collect();
        assert_eq!(keys, ["timestamp", "host", "level"]);
        assert_eq!(h.value("timestamp"), Some("1"));
        assert_eq!(h.value("host"), Some("a-much-longer-host-name.example.com"));
        // The map read through Deref follows later puts.
        h.put("level", "WARN");
        assert_eq!(h.get("level").map(String::as_str), Some("WARN"));
        assert!(h.delete("host"));
        assert!(!h.delete("host"));
        assert_eq!(h.len(), 2);
        let mut expected = HeaderMap::default();
        expected.insert("timestamp".into(), "1".into());
        expected.insert("level".into(), "WARN".into());
        assert_eq!(h, expected);
        // Through the channel's packed form and back, then put again.
        let mut back = Headers::from_packed(h.clone().into_packed());
        assert_eq!(back, h);
        back.put("extra", "é");
        assert_eq!(back.value("extra"), Some("é"));
        assert_eq!(back.java_table(), JavaTable::NEW);
        back.set_java_table(JavaTable::Started(64));
        assert_eq!(back.java_table(), JavaTable::Started(64));
        assert_eq!(back.len(), 3);
    }

    #[test]
    fn put_into_many_headers_moves_to_a_map_and_reserve_starts_a_table() {
        let mut h = Headers::new();
        h.reserve_for(3);
        assert!(h.is_empty());
        assert_eq!(h.java_table(), JavaTable::NEW);
        for i in 0..100 {
            h.put(&format!("k{i}"), &i.to_string());
        }
        h.put("k7", "seven");
        assert_eq!(h.len(), 100);
        assert_eq!(h.value("k99"), Some("99"));
        assert_eq!(h.value("k7"), Some("seven"));
        assert_eq!(h.keys().nth(7).map(String::as_str), Some("k7"));
        assert!(h.delete("k0"));
        assert_eq!(h.keys().next().map(String::as_str), Some("k1"));
        let mut m = Headers::from(HeaderMap::default());
        m.insert("a".into(), "b".into());
        m.put("a", "c");
        m.reserve_for(2);
        assert_eq!(m.value("a"), Some("c"));
    }
}
