//! The event every component passes on: Flume's `Event` (headers + body).

use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use bytes::Bytes;
use indexmap::IndexMap;

/// The map behind [`Headers`].
pub type HeaderMap = IndexMap<String, String>;

static EMPTY: LazyLock<HeaderMap> = LazyLock::new(HeaderMap::new);

/// Event headers. Insertion order is kept so that logs show headers the way they were added;
/// where Flume's output depends on Java `HashMap` order, use [`crate::java::hashmap_order`],
/// which also needs the size of the Java table the headers live in ([`JavaTable`]).
///
/// Most events carry no headers (log lines, sequence numbers), so an empty map costs one
/// pointer: an [`Event`] is 40 bytes, which keeps a full 100 000-event memory channel small.
/// It dereferences to an `IndexMap<String, String>` for everything else.
#[derive(Clone, Default)]
pub struct Headers(Option<Box<Inner>>);

#[derive(Clone)]
struct Inner {
    map: HeaderMap,
    table: JavaTable,
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
            Headers(Some(Box::new(Inner {
                map: HeaderMap::with_capacity(n),
                table: JavaTable::CopyOfCurrent,
            })))
        }
    }

    pub fn into_map(self) -> HeaderMap {
        self.0.map(|b| b.map).unwrap_or_default()
    }

    /// The Java table these headers are kept in (see [`JavaTable`]).
    pub fn java_table(&self) -> JavaTable {
        self.0
            .as_ref()
            .map(|i| i.table)
            .unwrap_or(JavaTable::CopyOfCurrent)
    }

    /// Record the Java table from here on: later inserts grow it as `HashMap.put` does.
    pub fn set_java_table(&mut self, table: JavaTable) {
        if let Some(inner) = &mut self.0 {
            inner.table = table;
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
            Some(inner) => &inner.map,
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
                Box::new(Inner {
                    map: HeaderMap::new(),
                    table: JavaTable::NEW,
                })
            })
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
            Headers(Some(Box::new(Inner {
                map,
                table: JavaTable::CopyOfCurrent,
            })))
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
        self.headers.get(name).map(String::as_str)
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
        assert_eq!(Headers::new(), Headers::from(HeaderMap::new()));
    }
}
