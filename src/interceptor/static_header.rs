//! `static` (`org.apache.flume.interceptor.StaticInterceptor$Builder`): sets one fixed header.
//! Unlike timestamp and host, it keeps an existing header by default.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};

pub const PRESERVE_EXISTING: Prop = Prop::bool(
    "preserveExisting",
    true,
    "keep a header that is already there",
);
pub const KEY: Prop = Prop::string("key", "key", "the header's name");
pub const VALUE: Prop = Prop::string("value", "value", "the header's value");
pub const PROPS: PropTable = PropTable::new(&[PRESERVE_EXISTING, KEY, VALUE]);

pub struct StaticInterceptor {
    /// `key` (default "key")
    key: String,
    /// `value` (default "value")
    value: String,
    /// `preserveExisting` (default **true**)
    preserve_existing: bool,
}

impl StaticInterceptor {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(StaticInterceptor {
            preserve_existing: ctx.get_bool(&PRESERVE_EXISTING),
            key: ctx.get_string(&KEY),
            value: ctx.get_string(&VALUE),
        })
    }
}

impl Interceptor for StaticInterceptor {
    fn headers_added(&self) -> usize {
        1
    }

    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if self.preserve_existing && event.headers.contains(&self.key) {
            return Ok(Some(event));
        }
        event.headers.put(&self.key, &self.value);
        Ok(Some(event))
    }
}
