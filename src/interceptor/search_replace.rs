//! `search_replace` (`org.apache.flume.interceptor.SearchAndReplaceInterceptor$Builder`): the
//! body, decoded with `charset`, gets Java's `Matcher.replaceAll(replaceString)` (so `$1`,
//! `${name}` and `\` escapes apply) and is encoded back with the same charset.

use bytes::Bytes;

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::java::charset::JavaCharset;
use crate::java::regex::{JavaRegex, Replacement};
use crate::registry::{Prop, PropTable};

pub const SEARCH_PATTERN: Prop =
    Prop::text("searchPattern", "Java regex searched in the body").required();
pub const REPLACE_STRING: Prop = Prop::string(
    "replaceString",
    "",
    "replacement (Java `$1` group references)",
);
pub const CHARSET: Prop = Prop::string("charset", "UTF-8", "character set of the body");
pub const PROPS: PropTable = PropTable::new(&[SEARCH_PATTERN, REPLACE_STRING, CHARSET]);

pub struct SearchReplaceInterceptor {
    name: String,
    /// `searchPattern` (required)
    search: JavaRegex,
    /// `replaceString` (missing → empty)
    replacement: Replacement,
    /// `charset` (default UTF-8)
    charset: JavaCharset,
}

impl SearchReplaceInterceptor {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let Some(pattern) = ctx.value(&SEARCH_PATTERN).map(str::to_string) else {
            return Err(ctx.error(
                "searchPattern",
                "Must supply a valid search pattern searchPattern (may not be empty)",
            ));
        };
        let replace = ctx.get_string(&REPLACE_STRING);
        let search =
            JavaRegex::new(&pattern).map_err(|e| ctx.error("searchPattern", e.to_string()))?;
        let charset = match ctx.value(&CHARSET) {
            Some(c) => JavaCharset::for_name(c).ok_or_else(|| {
                ctx.error("charset", format!("unsupported character set \"{c}\""))
            })?,
            None => JavaCharset::Utf8,
        };
        let replacement = Replacement::parse(&replace, &search);
        if let Some(problem) = replacement.error() {
            // Java only fails when a body matches: such events fail their batch.
            tracing::warn!(
                interceptor = %name,
                replacement = %replace,
                "replaceString is not a valid Java replacement ({problem}); every event whose body matches will fail"
            );
        }
        Ok(SearchReplaceInterceptor {
            name: name.to_string(),
            search,
            replacement,
            charset,
        })
    }
}

impl Interceptor for SearchReplaceInterceptor {
    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        let text = self.charset.decode(&event.body);
        let replaced = self
            .search
            .replace_all(&text, &self.replacement)
            .map_err(|e| InterceptorError {
                interceptor: self.name.clone(),
                message: e.to_string(),
            })?;
        let unchanged = matches!(text, std::borrow::Cow::Borrowed(_))
            && matches!(replaced, std::borrow::Cow::Borrowed(_))
            && self.charset == JavaCharset::Utf8;
        if !unchanged {
            let body = Bytes::from(self.charset.encode(&replaced).into_owned());
            event.body = body;
        }
        Ok(Some(event))
    }
}
