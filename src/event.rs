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
    /// Packed, with the map built from them on the first read through `Deref`.
    Packed(PackedHeaders, OnceLock<Box<Inner>>),
}

#[derive(Clone)]
struct Inner {
    map: HeaderMap,
    table: JavaTable,
}

/// Headers in one allocation: the Java table, then every (key, value) as length-prefixed
/// UTF-8, in insertion order; the table and the lengths as LEB128 varints (one byte each for
/// the usual short keys and values). What a memory channel keeps per queued event instead of a
/// map (a map of a few headers takes about 8 allocations and 400 bytes; this one, their
/// length: `timestamp` and `level` = INFO take 35 bytes, a 48-byte malloc chunk).
#[derive(Clone, PartialEq, Eq)]
pub struct PackedHeaders(Box<[u8]>);

fn varint_len(mut v: u32) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(data: &[u8], at: &mut usize) -> Option<u32> {
    let mut v = 0u32;
    let mut shift = 0;
    loop {
        let b = *data.get(*at)?;
        *at += 1;
        v |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

impl PackedHeaders {
    fn pack(map: &HeaderMap, table: JavaTable) -> PackedHeaders {
        let table = match table {
            JavaTable::CopyOfCurrent => 0u32,
            JavaTable::Started(slots) => slots.max(1),
        };
        // Header text longer than 4 GiB cannot be packed; such lengths are clamped (a header
        // map that large does not fit a channel anyway).
        let field = |s: &str| u32::try_from(s.len()).unwrap_or(u32::MAX);
        let len = varint_len(table)
            + map
                .iter()
                .map(|(k, v)| varint_len(field(k)) + k.len() + varint_len(field(v)) + v.len())
                .sum::<usize>();
        let mut out = Vec::with_capacity(len);
        put_varint(&mut out, table);
        for (k, v) in map {
            put_varint(&mut out, field(k));
            out.extend_from_slice(k.as_bytes());
            put_varint(&mut out, field(v));
            out.extend_from_slice(v.as_bytes());
        }
        PackedHeaders(out.into_boxed_slice())
    }

    fn table(&self) -> JavaTable {
        match get_varint(&self.0, &mut 0) {
            None | Some(0) => JavaTable::CopyOfCurrent,
            Some(slots) => JavaTable::Started(slots),
        }
    }

    /// (key, value) pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let data = &self.0[..];
        let mut at = 0;
        let _table = get_varint(data, &mut at);
        let next = move |at: &mut usize| -> Option<&str> {
            let len = get_varint(data, at)? as usize;
            let bytes = data.get(*at..at.checked_add(len)?)?;
            *at += len;
            // Written from `String`s by `pack`.
            std::str::from_utf8(bytes).ok()
        };
        std::iter::from_fn(move || {
            let k = next(&mut at)?;
            let v = next(&mut at)?;
            Some((k, v))
        })
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn unpack(&self) -> Inner {
        let mut map = HeaderMap::with_capacity_and_hasher(8, Default::default());
        for (k, v) in self.iter() {
            map.insert(k.to_string(), v.to_string());
        }
        Inner {
            map,
            table: self.table(),
        }
    }
}

impl Repr {
    fn inner(&self) -> &Inner {
        match self {
            Repr::Map(inner) => inner,
            Repr::Packed(p, built) => built.get_or_init(|| Box::new(p.unpack())),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        if let Repr::Packed(p, built) = self {
            let inner = match built.take() {
                Some(b) => *b,
                None => p.unpack(),
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
                None => p.unpack(),
            },
        }
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
            Repr::Packed(p, _) => Some(p),
            Repr::Map(inner) => Some(PackedHeaders::pack(&inner.map, inner.table)),
        }
    }

    /// Headers read from a packed form; the map is built only if something needs it.
    pub fn from_packed(packed: Option<PackedHeaders>) -> Headers {
        Headers(packed.map(|p| Box::new(Repr::Packed(p, OnceLock::new()))))
    }

    /// The value of `key` (packed headers are read without building their map).
    pub fn value(&self, key: &str) -> Option<&str> {
        match self.0.as_deref()? {
            Repr::Map(inner) => inner.map.get(key).map(String::as_str),
            Repr::Packed(_, built) if built.get().is_some() => {
                built.get()?.map.get(key).map(String::as_str)
            }
            Repr::Packed(p, _) => p.get(key),
        }
    }

    /// The Java table these headers are kept in (see [`JavaTable`]).
    pub fn java_table(&self) -> JavaTable {
        match self.0.as_deref() {
            Some(Repr::Map(inner)) => inner.table,
            Some(Repr::Packed(p, _)) => p.table(),
            None => JavaTable::CopyOfCurrent,
        }
    }

    /// Record the Java table from here on: later inserts grow it as `HashMap.put` does.
    pub fn set_java_table(&mut self, table: JavaTable) {
        if let Some(repr) = &mut self.0 {
            repr.inner_mut().table = table;
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
    fn packed_lengths_are_varints() {
        let mut h = Headers::new();
        h.insert("timestamp".into(), "1700000000000".into());
        h.insert("level".into(), "INFO".into());
        let packed = h.clone().into_packed().unwrap();
        // table, then length + text of each key and value.
        assert_eq!(packed.0.len(), 1 + (1 + 9) + (1 + 13) + (1 + 5) + (1 + 4));
        // Lengths and tables past one, two and four varint bytes come back whole.
        for len in [127, 128, 16_383, 16_384, 2_097_152] {
            let mut h = Headers::new();
            h.insert("k".repeat(len % 300 + 1), "v".repeat(len));
            h.insert("after".into(), "x".into());
            h.set_java_table(JavaTable::Started(len as u32 * 2));
            let original = h.clone();
            let packed = Headers::from_packed(h.into_packed());
            assert_eq!(packed.value("after"), Some("x"));
            assert_eq!(packed.java_table(), JavaTable::Started(len as u32 * 2));
            assert_eq!(packed, original);
        }
        let mut h = Headers::new();
        h.insert("k".into(), "v".into());
        h.set_java_table(JavaTable::Started(u32::MAX));
        let packed = Headers::from_packed(h.into_packed());
        assert_eq!(packed.java_table(), JavaTable::Started(u32::MAX));
        assert_eq!(packed.value("k"), Some("v"));
    }
}
