//! The event every component passes on: Flume's `Event` (headers + body).

use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use bytes::Bytes;
use indexmap::IndexMap;

/// The map behind [`Headers`].
pub type HeaderMap = IndexMap<String, String>;

static EMPTY: LazyLock<HeaderMap> = LazyLock::new(HeaderMap::new);

/// Event headers. Insertion order is kept so that logs show headers the way they were added;
/// where Flume's output depends on Java `HashMap` order, use [`crate::java::hashmap_order`].
///
/// Most events carry no headers (log lines, sequence numbers), so an empty map costs one
/// pointer: an [`Event`] is 40 bytes, which keeps a full 100 000-event memory channel small.
/// It dereferences to an `IndexMap<String, String>` for everything else.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Option<Box<HeaderMap>>);

impl Headers {
    pub fn new() -> Self {
        Headers(None)
    }

    pub fn with_capacity(n: usize) -> Self {
        if n == 0 {
            Headers(None)
        } else {
            Headers(Some(Box::new(HeaderMap::with_capacity(n))))
        }
    }

    pub fn into_map(self) -> HeaderMap {
        self.0.map(|b| *b).unwrap_or_default()
    }
}

impl Deref for Headers {
    type Target = HeaderMap;

    fn deref(&self) -> &HeaderMap {
        match &self.0 {
            Some(map) => map,
            None => &EMPTY,
        }
    }
}

impl DerefMut for Headers {
    fn deref_mut(&mut self) -> &mut HeaderMap {
        self.0.get_or_insert_with(Box::default)
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
            Headers(Some(Box::new(map)))
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
            headers: headers.into(),
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
