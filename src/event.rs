//! The event every component passes on: Flume's `Event` (headers + body).

use bytes::Bytes;
use indexmap::IndexMap;

/// Event headers. Insertion order is kept so that logs show headers the way they were added;
/// where Flume's output depends on Java `HashMap` order, use [`crate::java::hashmap_order`].
pub type Headers = IndexMap<String, String>;

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
