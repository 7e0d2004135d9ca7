//! Interceptors (`<source>.interceptors = i1 i2`): the chain runs in configuration order over a
//! batch before channel selection (reference §8).

use crate::config::{ConfigError, Context};
use crate::event::Event;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("interceptor {interceptor}: {message}")]
pub struct InterceptorError {
    pub interceptor: String,
    pub message: String,
}

pub trait Interceptor: Send + Sync {
    /// `None` drops the event.
    fn intercept(&self, event: Event) -> Result<Option<Event>, InterceptorError>;

    fn intercept_batch(&self, events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            if let Some(e) = self.intercept(event)? {
                out.push(e);
            }
        }
        Ok(out)
    }
}

/// The interceptors of one source, in order.
#[derive(Default)]
pub struct InterceptorChain {
    interceptors: Vec<Box<dyn Interceptor>>,
}

impl InterceptorChain {
    pub fn new(interceptors: Vec<Box<dyn Interceptor>>) -> Self {
        InterceptorChain { interceptors }
    }

    pub fn is_empty(&self) -> bool {
        self.interceptors.is_empty()
    }

    /// Build the chain from a source's context (`interceptors`, `interceptors.<name>.*`).
    /// Any error drops the owning source, as in Flume.
    pub fn from_source_context(ctx: &Context) -> Result<Self, ConfigError> {
        let Some(list) = ctx.get("interceptors").map(str::to_string) else {
            return Ok(InterceptorChain::default());
        };
        let mut interceptors = Vec::new();
        for name in list.split_whitespace() {
            let sub = ctx.sub(&format!("interceptors.{name}."));
            let Some(type_name) = sub.get("type").map(|t| t.trim().to_string()) else {
                return Err(ctx.error(
                    &format!("interceptors.{name}.type"),
                    format!("Interceptor.Type not specified for {name}"),
                ));
            };
            interceptors.push(build(&type_name, name, &sub)?);
        }
        Ok(InterceptorChain { interceptors })
    }

    /// Run the chain; an empty batch skips the remaining interceptors.
    pub fn intercept(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        for interceptor in &self.interceptors {
            if events.is_empty() {
                break;
            }
            events = interceptor.intercept_batch(events)?;
        }
        Ok(events)
    }
}

/// Built-in interceptor types: alias and the FQCN users write (the `$Builder` class).
pub const TYPES: &[(&str, &str)] = &[
    (
        "timestamp",
        "org.apache.flume.interceptor.TimestampInterceptor$Builder",
    ),
    (
        "host",
        "org.apache.flume.interceptor.HostInterceptor$Builder",
    ),
    (
        "static",
        "org.apache.flume.interceptor.StaticInterceptor$Builder",
    ),
    (
        "remove_header",
        "org.apache.flume.interceptor.RemoveHeaderInterceptor$Builder",
    ),
    (
        "regex_filter",
        "org.apache.flume.interceptor.RegexFilteringInterceptor$Builder",
    ),
    (
        "regex_extractor",
        "org.apache.flume.interceptor.RegexExtractorInterceptor$Builder",
    ),
    (
        "search_replace",
        "org.apache.flume.interceptor.SearchAndReplaceInterceptor$Builder",
    ),
    (
        "uuid",
        "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder",
    ),
];

/// Build one interceptor from its type (alias or FQCN) and its `interceptors.<name>.` context.
pub fn build(
    type_name: &str,
    name: &str,
    ctx: &Context,
) -> Result<Box<dyn Interceptor>, ConfigError> {
    let _ = name;
    match crate::registry::resolve(type_name, TYPES) {
        Some(alias) => Err(ctx.error(
            "type",
            format!("interceptor type {alias} is not available in this build"),
        )),
        None => Err(ctx.error(
            "type",
            crate::registry::unknown_type_message("interceptor", type_name, TYPES),
        )),
    }
}
