//! `remove_header` (`org.apache.flume.interceptor.RemoveHeaderInterceptor$Builder`): removes the
//! header `withName`, then every header named in `fromList` (split by the regex
//! `fromListSeparator`) or whose whole name matches `matching`.

use std::collections::HashSet;

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::java::regex::JavaRegex;
use crate::registry::{Prop, PropTable};

pub const WITH_NAME: Prop = Prop::text("withName", "a header to remove");
pub const FROM_LIST: Prop = Prop::text(
    "fromList",
    "headers to remove, separated by `fromListSeparator`",
);
pub const FROM_LIST_SEPARATOR: Prop = Prop::string(
    "fromListSeparator",
    r"\s*,\s*",
    "Java regex separating `fromList`",
);
pub const MATCHING: Prop = Prop::text(
    "matching",
    "Java regex: headers whose name matches are removed",
);
pub const PROPS: PropTable = PropTable::new(&[WITH_NAME, FROM_LIST, FROM_LIST_SEPARATOR, MATCHING]);

pub struct RemoveHeaderInterceptor {
    name: String,
    /// `withName`
    with_name: Option<String>,
    /// `fromList`, split by `fromListSeparator` (default `\s*,\s*`)
    from_list: Option<HashSet<String>>,
    /// `matching`: a full match of the header name (`Matcher.matches()`)
    matching: Option<JavaRegex>,
}

impl RemoveHeaderInterceptor {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let with_name = ctx.value(&WITH_NAME).map(str::to_string);
        let from_list = ctx.value(&FROM_LIST).map(str::to_string);
        let separator = ctx.get_string(&FROM_LIST_SEPARATOR);
        let from_list = match from_list {
            Some(list) => {
                let sep = JavaRegex::new(&separator)
                    .map_err(|e| ctx.error("fromListSeparator", e.to_string()))?;
                let parts = sep
                    .split(&list)
                    .map_err(|e| ctx.error("fromListSeparator", e.to_string()))?;
                Some(parts.into_iter().map(str::to_string).collect())
            }
            None => None,
        };
        let matching = match ctx.value(&MATCHING) {
            Some(p) => Some(JavaRegex::new(p).map_err(|e| ctx.error("matching", e.to_string()))?),
            None => None,
        };
        Ok(RemoveHeaderInterceptor {
            name: name.to_string(),
            with_name,
            from_list,
            matching,
        })
    }
}

impl Interceptor for RemoveHeaderInterceptor {
    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if let Some(n) = &self.with_name {
            event.headers.shift_remove(n);
        }
        if self.from_list.is_none() && self.matching.is_none() {
            return Ok(Some(event));
        }
        let mut failure = None;
        event.headers.retain(|key, _| {
            if self.from_list.as_ref().is_some_and(|l| l.contains(key)) {
                return false;
            }
            match &self.matching {
                Some(re) => match re.matches(key) {
                    Ok(m) => !m,
                    Err(e) => {
                        failure.get_or_insert(e);
                        true
                    }
                },
                None => true,
            }
        });
        if let Some(error) = failure {
            // Flume logs the exception and passes the event on.
            tracing::error!(interceptor = %self.name, %error, "Failed to process event");
        }
        Ok(Some(event))
    }
}
