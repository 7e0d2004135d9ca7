//! `regex_extractor` (`org.apache.flume.interceptor.RegexExtractorInterceptor$Builder`): one
//! `Matcher.find()` over the body (decoded as UTF-8); group *i* goes to the header named by the
//! *i*-th serializer, through that serializer. Groups beyond the serializer list are ignored;
//! no match leaves the event as it is.
//!
//! Serializer types follow `Class.forName`: `DEFAULT` (exactly, upper case) or an omitted
//! `type` is the pass-through serializer; anything else is a class name, case-sensitive. The
//! user guide's lower-case `default` is therefore an unknown class, and Flume removes the
//! source.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::java::charset::decode_utf8;
use crate::java::date::{Dialect, JavaDateFormat, JavaZone, ParseCache};
use crate::java::regex::{CaptureBuffer, JavaRegex};
use crate::registry::{self, Prefix, Prop, PropTable, Type};

const PASS_THROUGH_CLASS: &str =
    "org.apache.flume.interceptor.RegexExtractorInterceptorPassThroughSerializer";
const MILLIS_CLASS: &str = "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer";

/// `RegexExtractorInterceptorMillisSerializer`: parses the group with a Joda-Time pattern in
/// the JVM default zone (unless the pattern carries a zone) and gives epoch milliseconds.
pub struct MillisSerializer {
    format: JavaDateFormat,
    zone: JavaZone,
}

impl MillisSerializer {
    pub fn from_context(ctx: &Context, zone: &JavaZone) -> Result<Self, ConfigError> {
        let Some(pattern) = ctx.get("pattern").map(str::to_string) else {
            return Err(ctx.error("pattern", "Must configure with a valid pattern"));
        };
        let format = JavaDateFormat::for_parsing(&pattern, Dialect::Joda)
            .map_err(|e| ctx.error("pattern", e.to_string()))?;
        Ok(MillisSerializer {
            format,
            zone: zone.clone(),
        })
    }

    pub fn serialize(&self, value: &str) -> Result<String, String> {
        self.millis(value)
            .map(|ms| itoa::Buffer::new().format(ms).to_string())
    }

    /// The epoch milliseconds of `value`.
    pub fn millis(&self, value: &str) -> Result<i64, String> {
        self.millis_cached(value, &mut ParseCache::default())
    }

    /// [`MillisSerializer::millis`], reusing the last parse kept in `cache`.
    pub fn millis_cached(&self, value: &str, cache: &mut ParseCache) -> Result<i64, String> {
        self.format
            .parse_cached(value, &self.zone, cache)
            .map_err(|e| e.to_string())
    }
}

pub enum Serializer {
    PassThrough,
    Millis(MillisSerializer),
}

impl Serializer {
    /// The serializer for a `type` value (`None`: omitted) and its context.
    pub fn from_type(
        type_name: Option<&str>,
        ctx: &Context,
        zone: &JavaZone,
    ) -> Result<Serializer, ConfigError> {
        match type_name {
            None | Some("DEFAULT") | Some(PASS_THROUGH_CLASS) => Ok(Serializer::PassThrough),
            Some(MILLIS_CLASS) => Ok(Serializer::Millis(MillisSerializer::from_context(
                ctx, zone,
            )?)),
            Some(other) => {
                let hint = if other.eq_ignore_ascii_case("DEFAULT") {
                    " (only the exact, upper-case DEFAULT selects the pass-through serializer; Flume loads \"default\" as a class name, fails and removes the source)".to_string()
                } else if let Some(class) = [PASS_THROUGH_CLASS, MILLIS_CLASS]
                    .into_iter()
                    .find(|c| c.eq_ignore_ascii_case(other))
                {
                    format!(" (class names are case-sensitive: {class})")
                } else {
                    format!(" (built-in serializers: DEFAULT, {MILLIS_CLASS})")
                };
                Err(ctx.error(
                    "type",
                    format!(
                        "Could not instantiate event serializer: class {other} not found{hint}"
                    ),
                ))
            }
        }
    }

    /// `serialize(matcher.group(i))`; `None` is a group that did not take part in the match.
    /// The text is `value` itself or formatted in `buf`.
    fn serialize<'v>(
        &self,
        value: Option<&'v str>,
        buf: &'v mut itoa::Buffer,
        cache: &mut ParseCache,
    ) -> Result<Option<&'v str>, String> {
        match self {
            Serializer::PassThrough => Ok(value),
            Serializer::Millis(m) => match value {
                Some(v) => m.millis_cached(v, cache).map(|ms| Some(buf.format(ms))),
                // Joda throws a NullPointerException, which fails the batch.
                None => Err("cannot parse a date from a group that did not match (null)".into()),
            },
        }
    }
}

pub const REGEX: Prop = Prop::text("regex", "Java regex matched against the body").required();
pub const SERIALIZERS: Prop = Prop::new(
    "serializers",
    Type::List,
    registry::Default::None,
    "one name per regex group, in order",
)
.required();
/// `regex_extractor` keys.
pub const PROPS: PropTable =
    PropTable::new(&[REGEX, SERIALIZERS]).with_prefixes(&[Prefix::by_build(
        "serializers.",
        "`serializers.<name>.name` (the header), `.type` and the serializer's keys",
    )]);

pub struct RegexExtractorInterceptor {
    name: String,
    regex: JavaRegex,
    /// (header name, serializer), in the order of `serializers`.
    serializers: Vec<(String, Serializer)>,
}

impl RegexExtractorInterceptor {
    pub fn from_context(name: &str, ctx: &Context, zone: &JavaZone) -> Result<Self, ConfigError> {
        let Some(pattern) = ctx.value(&REGEX).map(str::to_string) else {
            return Err(ctx.error("regex", "Must supply a valid regex string"));
        };
        let regex = JavaRegex::new(&pattern).map_err(|e| ctx.error("regex", e.to_string()))?;
        let Some(list) = ctx.value(&SERIALIZERS).map(str::to_string) else {
            return Err(ctx.error(
                "serializers",
                "Must supply at least one name and serializer",
            ));
        };
        let all = ctx.sub("serializers.");
        let mut serializers = Vec::new();
        for s in list.split_whitespace() {
            let sctx = all.sub(&format!("{s}."));
            let type_name = sctx.get("type").map(str::to_string);
            let Some(header) = sctx.get("name").map(str::to_string) else {
                return Err(sctx.error("name", "Supplied name cannot be empty."));
            };
            let serializer = Serializer::from_type(type_name.as_deref(), &sctx, zone)?;
            serializers.push((header, serializer));
        }
        Ok(RegexExtractorInterceptor {
            name: name.to_string(),
            regex,
            serializers,
        })
    }

    fn error(&self, message: String) -> InterceptorError {
        InterceptorError {
            interceptor: self.name.clone(),
            message,
        }
    }
}

impl Interceptor for RegexExtractorInterceptor {
    fn headers_added(&self) -> usize {
        self.serializers.len()
    }

    fn intercept(&self, event: Event) -> Result<Option<Event>, InterceptorError> {
        let mut caches = self.caches();
        self.extract(event, &mut caches, &mut CaptureBuffer::default())
            .map(Some)
    }

    /// Dates are parsed with one cache per serializer for the whole batch (log lines of the
    /// same second or minute parse once); one capture buffer serves the whole batch.
    fn intercept_batch(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let mut caches = self.caches();
        let mut buf = CaptureBuffer::default();
        for event in &mut events {
            *event = self.extract(std::mem::take(event), &mut caches, &mut buf)?;
        }
        Ok(events)
    }
}

impl RegexExtractorInterceptor {
    fn caches(&self) -> Vec<ParseCache> {
        self.serializers
            .iter()
            .map(|_| ParseCache::default())
            .collect()
    }

    fn extract(
        &self,
        mut event: Event,
        caches: &mut [ParseCache],
        buf: &mut CaptureBuffer,
    ) -> Result<Event, InterceptorError> {
        let body = decode_utf8(&event.body);
        let Some(groups) = self
            .regex
            .captures_in(&body, buf)
            .map_err(|e| self.error(e.to_string()))?
        else {
            return Ok(event);
        };
        let count = self.regex.group_count().min(self.serializers.len());
        let mut buf = itoa::Buffer::new();
        for (i, ((header, serializer), cache)) in self
            .serializers
            .iter()
            .zip(caches.iter_mut())
            .take(count)
            .enumerate()
        {
            let value = serializer
                .serialize(groups.get(&body, i + 1), &mut buf, cache)
                .map_err(|m| self.error(m))?;
            match value {
                Some(v) => event.headers.put(header, v),
                // Java puts a null value; a header map here cannot hold one, so the header
                // is removed (reads see it as absent, as `get` does in Java).
                None => {
                    event.headers.delete(header);
                }
            }
        }
        Ok(event)
    }
}
