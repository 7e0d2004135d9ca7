//! Interceptors (`<source>.interceptors = i1 i2`): the chain runs in configuration order over a
//! batch before channel selection (reference §8).

pub mod host;
pub mod regex_extractor;
pub mod regex_filter;
pub mod remove_header;
pub mod search_replace;
pub mod static_header;
pub mod timestamp;
pub mod uuid;

#[cfg(test)]
pub(crate) mod vectors;

use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("interceptor {interceptor}: {message}")]
pub struct InterceptorError {
    pub interceptor: String,
    pub message: String,
}

pub trait Interceptor: Send + Sync {
    /// `None` drops the event.
    fn intercept(&self, event: Event) -> Result<Option<Event>, InterceptorError>;

    /// How many headers this interceptor may add to an event: the chain reserves room for
    /// all of them at once instead of growing each event's map several times.
    fn headers_added(&self) -> usize {
        0
    }

    /// [`Interceptor::intercept`] over a batch, in place (kept events move down).
    fn intercept_batch(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let mut kept = 0;
        for i in 0..events.len() {
            let event = std::mem::take(&mut events[i]);
            if let Some(e) = self.intercept(event)? {
                events[kept] = e;
                kept += 1;
            }
        }
        events.truncate(kept);
        Ok(events)
    }
}

/// An interceptor that runs elsewhere (a Java interceptor on its JVM thread): the chain
/// awaits it instead of calling it inline.
#[async_trait::async_trait]
pub trait HostedInterceptor: Send + Sync {
    async fn intercept_batch(&self, events: Vec<Event>) -> Result<Vec<Event>, InterceptorError>;
}

/// Builds a hosted interceptor from a builder class name. The agent passes the plugin host's
/// ([`InterceptorChain::from_source_context_with`]), so that this module does not depend on it.
pub type HostedBuilder =
    fn(&str, &str, &Context) -> Result<Box<dyn HostedInterceptor>, ConfigError>;

/// One link of a chain.
pub enum Link {
    Native(Box<dyn Interceptor>),
    Hosted(Box<dyn HostedInterceptor>),
}

/// The interceptors of one source, in order.
#[derive(Default)]
pub struct InterceptorChain {
    interceptors: Vec<Box<dyn Interceptor>>,
    /// The whole chain when it has hosted links (then `interceptors` is empty).
    links: Vec<Link>,
    /// Headers the whole chain may add to one event.
    headers_added: usize,
}

impl InterceptorChain {
    pub fn new(interceptors: Vec<Box<dyn Interceptor>>) -> Self {
        let headers_added = interceptors.iter().map(|i| i.headers_added()).sum();
        InterceptorChain {
            interceptors,
            links: Vec::new(),
            headers_added,
        }
    }

    /// A chain of native and hosted links, in configuration order.
    pub fn from_links(links: Vec<Link>) -> Self {
        if links.iter().all(|l| matches!(l, Link::Native(_))) {
            let natives = links
                .into_iter()
                .filter_map(|l| match l {
                    Link::Native(i) => Some(i),
                    Link::Hosted(_) => None,
                })
                .collect();
            return InterceptorChain::new(natives);
        }
        let headers_added = links
            .iter()
            .map(|l| match l {
                Link::Native(i) => i.headers_added(),
                Link::Hosted(_) => 0,
            })
            .sum();
        InterceptorChain {
            interceptors: Vec::new(),
            links,
            headers_added,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.interceptors.is_empty() && self.links.is_empty()
    }

    /// Build the chain from a source's context (`interceptors`, `interceptors.<name>.*`).
    /// Any error drops the owning source, as in Flume.
    pub fn from_source_context(ctx: &Context) -> Result<Self, ConfigError> {
        Self::from_source_context_with(ctx, None)
    }

    /// [`InterceptorChain::from_source_context`], with the builder of hosted (Java)
    /// interceptors for class names no built-in type has.
    pub fn from_source_context_with(
        ctx: &Context,
        hosted: Option<HostedBuilder>,
    ) -> Result<Self, ConfigError> {
        let Some(list) = ctx.get("interceptors").map(str::to_string) else {
            return Ok(InterceptorChain::default());
        };
        let mut links = Vec::new();
        for name in list.split_whitespace() {
            let sub = ctx.sub(&format!("interceptors.{name}."));
            let Some(type_name) = sub.get("type").map(|t| t.trim().to_string()) else {
                return Err(ctx.error(
                    &format!("interceptors.{name}.type"),
                    format!("Interceptor.Type not specified for {name}"),
                ));
            };
            links.push(build_link(&type_name, name, &sub, hosted)?);
        }
        Ok(InterceptorChain::from_links(links))
    }

    /// Run the chain, awaiting hosted links; an empty batch skips the remaining interceptors.
    pub async fn intercept_async(
        &self,
        mut events: Vec<Event>,
    ) -> Result<Vec<Event>, InterceptorError> {
        if self.links.is_empty() {
            return self.intercept(events);
        }
        if self.headers_added > 0 {
            for e in &mut events {
                e.headers.reserve_for(self.headers_added);
            }
        }
        for link in &self.links {
            if events.is_empty() {
                break;
            }
            events = match link {
                Link::Native(i) => i.intercept_batch(events)?,
                Link::Hosted(h) => h.intercept_batch(events).await?,
            };
        }
        Ok(events)
    }

    /// Run a chain of native interceptors; an empty batch skips the remaining interceptors.
    /// (A chain with hosted links runs through [`Self::intercept_async`].)
    pub fn intercept(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        if !self.links.is_empty() {
            return Err(InterceptorError {
                interceptor: String::new(),
                message: "a chain with Java interceptors runs asynchronously".into(),
            });
        }
        if self.headers_added > 0 {
            for e in &mut events {
                e.headers.reserve_for(self.headers_added);
            }
        }
        for interceptor in &self.interceptors {
            if events.is_empty() {
                break;
            }
            events = interceptor.intercept_batch(events)?;
        }
        Ok(events)
    }
}

/// Resolve a type as `InterceptorBuilderFactory` does: an alias in any case, else an exact
/// builder class name. Returns the registry name; `Err` carries the reason Flume would drop
/// the source.
pub fn resolve(type_name: &str) -> Result<&'static str, String> {
    let t = type_name.trim();
    if let Some(row) = registry::resolve(registry::Kind::Interceptor, t).row() {
        return Ok(row.name());
    }
    // Flume's `Class.forName`: only the plugin host can still resolve the name.
    let missing = match crate::plugin::load(crate::plugin::ClassRole::InterceptorBuilder, t) {
        Ok(hosted) => match hosted {},
        Err(missing) => missing,
    };
    let not_found = format!("Builder class not found. {missing}");
    // Near misses Flume would not load either: say what the exact name is.
    let near = registry::rows(registry::Kind::Interceptor)
        .map(|r| r.class())
        .find(|c| {
            c.eq_ignore_ascii_case(t) || c.trim_end_matches("$Builder").eq_ignore_ascii_case(t)
        });
    if let Some(class) = near {
        return Err(format!(
            "{not_found}: Flume loads the exact class name {class} (case-sensitive, with $Builder), so it removes the source"
        ));
    }
    if t.eq_ignore_ascii_case("uuid") {
        return Err(format!(
            "{not_found}: Flume has no \"uuid\" interceptor alias (the source is removed); use org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder"
        ));
    }
    Err(format!(
        "{not_found} ({}); Flume removes the source",
        registry::unknown_type_message(registry::Kind::Interceptor, t)
    ))
}

/// One link: a built-in interceptor, else (when `hosted` is given) a Java
/// `Interceptor$Builder` class on the Java classpath.
pub fn build_link(
    type_name: &str,
    name: &str,
    ctx: &Context,
    hosted: Option<HostedBuilder>,
) -> Result<Link, ConfigError> {
    match resolve(type_name) {
        Ok(_) => Ok(Link::Native(build(type_name, name, ctx)?)),
        Err(message) => {
            if let Some(build_hosted) = hosted
                && crate::plugin::is_class_name(type_name)
                && !is_near_miss(type_name)
            {
                let hosted = build_hosted(type_name, name, ctx).map_err(|mut e| {
                    e.message.push_str("; Flume removes the source");
                    e
                })?;
                return Ok(Link::Hosted(hosted));
            }
            Err(ctx.error("type", message))
        }
    }
}

/// A built-in builder class written in another case or without `$Builder`: Flume would not
/// load it, and neither is it a plugin of the site's.
fn is_near_miss(type_name: &str) -> bool {
    let t = type_name.trim();
    registry::rows(registry::Kind::Interceptor)
        .map(|r| r.class())
        .any(|c| {
            c.eq_ignore_ascii_case(t) || c.trim_end_matches("$Builder").eq_ignore_ascii_case(t)
        })
}

/// The property table of an interceptor type, by registry name.
pub fn props(name: &str) -> Option<&'static crate::registry::PropTable> {
    Some(match name {
        "timestamp" => &timestamp::PROPS,
        "host" => &host::PROPS,
        "static" => &static_header::PROPS,
        "remove_header" => &remove_header::PROPS,
        "regex_filter" => &regex_filter::PROPS,
        "regex_extractor" => &regex_extractor::PROPS,
        "search_replace" => &search_replace::PROPS,
        "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder" => &uuid::PROPS,
        _ => return None,
    })
}

/// Build one interceptor from its type (alias or builder class) and its
/// `interceptors.<name>.` context. An error drops the owning source, as in Flume.
pub fn build(
    type_name: &str,
    name: &str,
    ctx: &Context,
) -> Result<Box<dyn Interceptor>, ConfigError> {
    build_in_zone(type_name, name, ctx, &crate::java::date::default_zone())
}

/// [`build`] with an explicit JVM default time zone (used by the millis serializer).
pub fn build_in_zone(
    type_name: &str,
    name: &str,
    ctx: &Context,
    zone: &crate::java::date::JavaZone,
) -> Result<Box<dyn Interceptor>, ConfigError> {
    let kind = resolve(type_name).map_err(|m| ctx.error("type", m))?;
    Ok(match kind {
        "timestamp" => Box::new(timestamp::TimestampInterceptor::from_context(ctx)?),
        "host" => Box::new(host::HostInterceptor::from_context(name, ctx)?),
        "static" => Box::new(static_header::StaticInterceptor::from_context(ctx)?),
        "remove_header" => Box::new(remove_header::RemoveHeaderInterceptor::from_context(
            name, ctx,
        )?),
        "regex_filter" => Box::new(regex_filter::RegexFilterInterceptor::from_context(
            name, ctx,
        )?),
        "regex_extractor" => Box::new(regex_extractor::RegexExtractorInterceptor::from_context(
            name, ctx, zone,
        )?),
        "search_replace" => Box::new(search_replace::SearchReplaceInterceptor::from_context(
            name, ctx,
        )?),
        "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder" => {
            Box::new(uuid::UuidInterceptor::from_context(ctx)?)
        }
        other => {
            return Err(ctx.error(
                "type",
                format!("interceptor type {other} has no constructor"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::java::date::JavaZone;

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        Context::from_pairs("a1.sources.r1.interceptors.i1.", pairs.iter().copied())
    }

    fn one(type_name: &str, pairs: &[(&str, &str)]) -> Box<dyn Interceptor> {
        build_in_zone(type_name, "i1", &ctx(pairs), &JavaZone::utc())
            .unwrap_or_else(|e| panic!("{type_name}: {e}"))
    }

    #[test]
    fn types_resolve_like_flume() {
        assert_eq!(resolve("TIMESTAMP"), Ok("timestamp"));
        assert_eq!(resolve("Regex_Extractor"), Ok("regex_extractor"));
        assert_eq!(
            resolve("org.apache.flume.interceptor.HostInterceptor$Builder"),
            Ok("host")
        );
        assert_eq!(
            resolve("org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder"),
            Ok("org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder")
        );
        // Class names are exact and need $Builder; "uuid" is not an alias.
        let e = resolve("org.apache.flume.interceptor.HostInterceptor").unwrap_err();
        assert!(e.contains("HostInterceptor$Builder"), "{e}");
        assert!(resolve("org.apache.flume.interceptor.hostinterceptor$builder").is_err());
        assert!(
            resolve("uuid")
                .unwrap_err()
                .contains("UUIDInterceptor$Builder")
        );
        let e = resolve("com.example.MyInterceptor$Builder").unwrap_err();
        assert!(e.contains("removes the source"), "{e}");
    }

    #[test]
    fn millis_serializer_failure_fails_the_batch() {
        let i = one(
            "regex_extractor",
            &[
                ("regex", r"^(\S+) (\S+)"),
                ("serializers", "t m"),
                (
                    "serializers.t.type",
                    "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer",
                ),
                ("serializers.t.name", "timestamp"),
                ("serializers.t.pattern", "yyyy-MM-dd"),
                ("serializers.m.name", "msg"),
            ],
        );
        let chain = InterceptorChain::new(vec![i]);
        let ok = chain
            .intercept(vec![Event::new("2012-10-17 hello")])
            .unwrap();
        assert_eq!(ok[0].header("timestamp"), Some("1350432000000"));
        assert_eq!(ok[0].header("msg"), Some("hello"));
        let err = chain
            .intercept(vec![Event::new("2012-10-17 a"), Event::new("yesterday b")])
            .unwrap_err();
        assert_eq!(err.interceptor, "i1");
        assert!(
            err.message.contains("Invalid format: \"yesterday\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn unmatched_optional_group_clears_the_header() {
        let i = one(
            "regex_extractor",
            &[
                ("regex", "(a)|(b)"),
                ("serializers", "x y"),
                ("serializers.x.name", "x"),
                ("serializers.y.name", "y"),
            ],
        );
        let mut e = Event::new("b");
        e.headers.insert("x".into(), "old".into());
        let out = i.intercept(e).unwrap().unwrap();
        assert_eq!(out.header("x"), None);
        assert_eq!(out.header("y"), Some("b"));
    }

    #[test]
    fn millis_serializer_bad_pattern_names_the_letter() {
        let e = build_in_zone(
            "regex_extractor",
            "i1",
            &ctx(&[
                ("regex", "(.*)"),
                ("serializers", "s"),
                (
                    "serializers.s.type",
                    "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer",
                ),
                ("serializers.s.name", "t"),
                ("serializers.s.pattern", "yyyy-MM-dd Q"),
            ]),
            &JavaZone::utc(),
        )
        .err()
        .expect("error");
        assert_eq!(e.key, "a1.sources.r1.interceptors.i1.serializers.s.pattern");
        assert!(
            e.message.contains("Illegal pattern component: Q"),
            "{}",
            e.message
        );
    }

    #[test]
    fn search_replace_uses_java_replacement_and_charset() {
        let i = one(
            "search_replace",
            &[
                ("searchPattern", r"(\w+)@(\w+)"),
                ("replaceString", "$2 at \\$1"),
            ],
        );
        let out = i
            .intercept(Event::new("mail bob@example"))
            .unwrap()
            .unwrap();
        assert_eq!(&out.body[..], b"mail example at $1");
        let latin1 = one(
            "search_replace",
            &[
                ("searchPattern", "caf."),
                ("replaceString", "tea"),
                ("charset", "ISO-8859-1"),
            ],
        );
        let out = latin1
            .intercept(Event::new(&b"un caf\xE9 \xFF"[..]))
            .unwrap()
            .unwrap();
        assert_eq!(&out.body[..], b"un tea \xFF");
        // A replacement naming a missing group fails only events that match.
        let bad = one(
            "search_replace",
            &[("searchPattern", "x"), ("replaceString", "$2")],
        );
        assert!(bad.intercept(Event::new("abc")).unwrap().is_some());
        assert!(bad.intercept(Event::new("xyz")).is_err());
    }

    #[test]
    fn bad_regexes_name_key_pattern_and_reason() {
        for (t, key) in [
            ("regex_filter", "regex"),
            ("regex_extractor", "regex"),
            ("search_replace", "searchPattern"),
            ("remove_header", "matching"),
        ] {
            let e = build_in_zone(
                t,
                "i1",
                &ctx(&[
                    (key, "a(b"),
                    ("serializers", "s"),
                    ("serializers.s.name", "n"),
                ]),
                &JavaZone::utc(),
            )
            .err()
            .expect("error");
            assert_eq!(e.key, format!("a1.sources.r1.interceptors.i1.{key}"));
            assert!(e.message.contains("\"a(b\""), "{}", e.message);
            assert!(e.message.contains("Unclosed group"), "{}", e.message);
        }
    }

    #[test]
    fn timestamp_and_uuid_values() {
        let ts = one("timestamp", &[]);
        let out = ts.intercept(Event::new("x")).unwrap().unwrap();
        let v: i64 = out.header("timestamp").unwrap().parse().unwrap();
        assert!(v > 1_600_000_000_000);
        let id = one(
            "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder",
            &[("prefix", "p-"), ("headerName", "eid")],
        );
        let a = id.intercept(Event::new("x")).unwrap().unwrap();
        let b = id.intercept(Event::new("x")).unwrap().unwrap();
        assert!(a.header("eid").unwrap().starts_with("p-"));
        assert_eq!(a.header("eid").unwrap().len(), 38);
        assert_ne!(a.header("eid"), b.header("eid"));
    }
}
