//! `timestamp` (`org.apache.flume.interceptor.TimestampInterceptor$Builder`): puts the time of
//! interception, in epoch milliseconds, in a header.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};

pub const HEADER_NAME: Prop = Prop::string("headerName", "timestamp", "the header to set");
pub const PRESERVE_EXISTING: Prop = Prop::bool(
    "preserveExisting",
    false,
    "keep a header that is already there",
);
pub const PROPS: PropTable = PropTable::new(&[HEADER_NAME, PRESERVE_EXISTING]);

pub struct TimestampInterceptor {
    /// `headerName` (the guide's prose says `header`; the key Flume reads is `headerName`).
    header: String,
    /// `preserveExisting`: keep a header that is already there, whatever its value.
    preserve_existing: bool,
}

impl TimestampInterceptor {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(TimestampInterceptor {
            header: ctx.get_string(&HEADER_NAME),
            preserve_existing: ctx.get_bool(&PRESERVE_EXISTING),
        })
    }
}

/// `System.currentTimeMillis()`.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Interceptor for TimestampInterceptor {
    fn headers_added(&self) -> usize {
        1
    }

    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        let mut buf = itoa::Buffer::new();
        self.stamp(&mut event, buf.format(now_millis()));
        Ok(Some(event))
    }

    /// The clock is read per event, as Flume does; the text is formatted again only when the
    /// millisecond changed.
    fn intercept_batch(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let mut buf = itoa::Buffer::new();
        let mut last = i64::MIN;
        let mut text = String::new();
        for event in &mut events {
            let now = now_millis();
            if now != last {
                last = now;
                text.clear();
                text.push_str(buf.format(now));
            }
            self.stamp(event, &text);
        }
        Ok(events)
    }
}

impl TimestampInterceptor {
    fn stamp(&self, event: &mut Event, now: &str) {
        if self.preserve_existing && event.headers.contains(&self.header) {
            return;
        }
        event.headers.put(&self.header, now);
    }
}
