//! `static` (`org.apache.flume.interceptor.StaticInterceptor$Builder`): sets one fixed header.
//! Unlike timestamp and host, it keeps an existing header by default.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;

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
            preserve_existing: ctx.bool("preserveExisting", true),
            key: ctx.string("key", "key"),
            value: ctx.string("value", "value"),
        })
    }
}

impl Interceptor for StaticInterceptor {
    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if self.preserve_existing && event.headers.contains_key(&self.key) {
            return Ok(Some(event));
        }
        event.headers.insert(self.key.clone(), self.value.clone());
        Ok(Some(event))
    }
}
