//! UUID interceptor (`org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder`, no alias):
//! sets a header to a prefix plus a random (version 4) UUID.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};

pub const HEADER_NAME: Prop = Prop::string("headerName", "id", "the header to set");
pub const PRESERVE_EXISTING: Prop = Prop::bool(
    "preserveExisting",
    true,
    "keep a header that is already there",
);
pub const PREFIX: Prop = Prop::string("prefix", "", "text put before the UUID");
pub const PROPS: PropTable = PropTable::new(&[HEADER_NAME, PRESERVE_EXISTING, PREFIX]);

pub struct UuidInterceptor {
    /// `headerName` (default "id")
    header: String,
    /// `preserveExisting` (default **true**)
    preserve_existing: bool,
    /// `prefix` (default "")
    prefix: String,
}

impl UuidInterceptor {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(UuidInterceptor {
            header: ctx.get_string(&HEADER_NAME),
            preserve_existing: ctx.get_bool(&PRESERVE_EXISTING),
            prefix: ctx.get_string(&PREFIX),
        })
    }
}

impl Interceptor for UuidInterceptor {
    fn headers_added(&self) -> usize {
        1
    }

    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if self.preserve_existing && event.headers.contains(&self.header) {
            return Ok(Some(event));
        }
        let mut value = String::with_capacity(self.prefix.len() + 36);
        value.push_str(&self.prefix);
        // `UUID.randomUUID().toString()`: 8-4-4-4-12 lower-case hex.
        value.push_str(
            ::uuid::Uuid::new_v4()
                .hyphenated()
                .encode_lower(&mut ::uuid::Uuid::encode_buffer()),
        );
        event.headers.put(&self.header, &value);
        Ok(Some(event))
    }
}
