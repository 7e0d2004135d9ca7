//! `regex_filter` (`org.apache.flume.interceptor.RegexFilteringInterceptor$Builder`): keeps (or,
//! with `excludeEvents`, drops) events whose body contains a match of `regex`
//! (`Matcher.find()`, a substring match). The body is decoded with the JVM default charset,
//! UTF-8 on the systems Flume runs on.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::java::charset::decode_utf8;
use crate::java::regex::JavaRegex;
use crate::registry::{Prop, PropTable};

pub const REGEX: Prop = Prop::string("regex", ".*", "Java regex searched in the body");
pub const EXCLUDE_EVENTS: Prop = Prop::bool(
    "excludeEvents",
    false,
    "drop the events that match instead of keeping them",
);
pub const PROPS: PropTable = PropTable::new(&[REGEX, EXCLUDE_EVENTS]);

pub struct RegexFilterInterceptor {
    name: String,
    /// `regex` (default `.*`)
    regex: JavaRegex,
    /// `excludeEvents` (default false)
    exclude: bool,
}

impl RegexFilterInterceptor {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let pattern = ctx.get_string(&REGEX);
        let regex = JavaRegex::new(&pattern).map_err(|e| ctx.error("regex", e.to_string()))?;
        Ok(RegexFilterInterceptor {
            name: name.to_string(),
            regex,
            exclude: ctx.get_bool(&EXCLUDE_EVENTS),
        })
    }
}

impl Interceptor for RegexFilterInterceptor {
    fn intercept(&self, event: Event) -> Result<Option<Event>, InterceptorError> {
        let found = self
            .regex
            .find(&decode_utf8(&event.body))
            .map_err(|e| InterceptorError {
                interceptor: self.name.clone(),
                message: e.to_string(),
            })?;
        Ok(if found != self.exclude {
            Some(event)
        } else {
            None
        })
    }
}
