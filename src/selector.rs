//! Channel selectors (`<source>.selector.*`): replicating (default), multiplexing and
//! load_balancing (reference §6). A selector picks, per event, the required and optional
//! channels among the source's channels (as indexes into the source's channel list).
//!
//! Every selection is computed when the selector is built; `select` only looks one up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{self, Kind, Prefix, Prop, PropTable, Type};

pub const OPTIONAL: Prop = Prop::new(
    "optional",
    Type::List,
    registry::Default::None,
    "channels whose put failures are ignored",
);
/// `replicating` keys.
pub const REPLICATING_PROPS: PropTable = PropTable::new(&[OPTIONAL]);

pub const HEADER: Prop = Prop::string(
    "header",
    "flume.selector.header",
    "the header whose value picks the channels",
);
pub const DEFAULT: Prop = Prop::new(
    "default",
    Type::List,
    registry::Default::None,
    "channels for a value no mapping names",
);
/// `multiplexing` keys.
pub const MULTIPLEXING_PROPS: PropTable = PropTable::new(&[HEADER, DEFAULT]).with_prefixes(&[
    Prefix::user_named(
        "mapping.",
        "`mapping.<value>`: the channels for a header value",
    ),
    Prefix::user_named(
        "optional.",
        "`optional.<value>`: channels for a header value whose put failures are ignored",
    ),
]);

pub const POLICY: Prop = Prop::new(
    "policy",
    Type::Enum(&["round_robin", "random"]),
    registry::Default::Str("round_robin"),
    "how the channel of each event is picked",
);
/// `load_balancing` keys.
pub const LOAD_BALANCING_PROPS: PropTable = PropTable::new(&[POLICY]);

/// The property table of a selector type, by registry name.
pub fn props(name: &str) -> Option<&'static PropTable> {
    match name {
        "replicating" => Some(&REPLICATING_PROPS),
        "multiplexing" => Some(&MULTIPLEXING_PROPS),
        "load_balancing" => Some(&LOAD_BALANCING_PROPS),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Channels whose put failure fails the batch, in order (a channel listed twice gets the
    /// event twice, as in Flume).
    pub required: Vec<usize>,
    /// Channels whose put failures are logged and ignored.
    pub optional: Vec<usize>,
    /// A name in the replicating selector's `optional` that is not one of the source's
    /// channels. Flume keeps a null channel for it: every batch is put on the required
    /// channels, then fails with a NullPointerException.
    pub unknown_optional: Option<String>,
}

pub trait ChannelSelector: Send + Sync {
    fn select(&self, event: &Event) -> &Selection;

    /// The selection when it is the same for every event (replicating): lets the channel
    /// processor skip per-event selection on the hot path.
    fn fixed(&self) -> Option<&Selection> {
        None
    }
}

/// Replicating: every event to every channel; `optional` (whitespace separated) names channels
/// whose failures are ignored.
pub struct Replicating {
    selection: Selection,
}

impl Replicating {
    pub fn from_context(ctx: &Context, channels: &[String]) -> Result<Self, ConfigError> {
        let mut required: Vec<usize> = (0..channels.len()).collect();
        let mut optional: Vec<usize> = Vec::new();
        let mut unknown_optional = None;
        if let Some(list) = ctx.value(&OPTIONAL) {
            for name in list.split_whitespace() {
                match channels.iter().position(|c| c == name) {
                    Some(i) => {
                        if let Some(at) = required.iter().position(|r| *r == i) {
                            required.remove(at);
                        }
                        if !optional.contains(&i) {
                            optional.push(i);
                        }
                    }
                    None => {
                        tracing::warn!(
                            "{}: optional channel {name} is not a channel of this source; Flume keeps a null channel and every batch will fail after the required channels got it",
                            ctx.full_key("optional")
                        );
                        unknown_optional.get_or_insert_with(|| name.to_string());
                    }
                }
            }
        }
        Ok(Replicating {
            selection: Selection {
                required,
                optional,
                unknown_optional,
            },
        })
    }
}

impl ChannelSelector for Replicating {
    fn select(&self, _event: &Event) -> &Selection {
        &self.selection
    }

    fn fixed(&self) -> Option<&Selection> {
        Some(&self.selection)
    }
}

/// Multiplexing: the value of header `header` picks `mapping.<value>` as required channels
/// (`default` when the header is missing, blank or unmapped) and `optional.<value>` (minus the
/// required ones) as optional channels. Values match exactly and case-sensitively.
pub struct Multiplexing {
    header: String,
    /// Selections for every value named in `mapping.*` or `optional.*`.
    by_value: HashMap<String, Selection>,
    /// Missing header or any other value: the default channels, no optional ones.
    fallback: Selection,
}

/// `AbstractChannelSelector.getChannelListFromNames`: split on single spaces (two spaces make
/// an empty name, which is not found).
fn channel_list(
    ctx: &Context,
    key: &str,
    value: Option<&str>,
    channels: &[String],
) -> Result<Vec<usize>, ConfigError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    // Java's split drops trailing empty strings.
    let mut names: Vec<&str> = value.split(' ').collect();
    while names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    names
        .into_iter()
        .map(|name| {
            channels
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| ctx.error(key, format!("Selector channel not found: {name}")))
        })
        .collect()
}

impl Multiplexing {
    pub fn from_context(ctx: &Context, channels: &[String]) -> Result<Self, ConfigError> {
        let header = ctx.get_string(&HEADER);
        let default = channel_list(ctx, DEFAULT.name, ctx.value(&DEFAULT), channels)?;

        let mapping_ctx = ctx.sub("mapping.");
        let mut mapping: HashMap<String, Vec<usize>> = HashMap::new();
        for value in mapping_ctx.keys() {
            let list = channel_list(&mapping_ctx, &value, mapping_ctx.get(&value), channels)?;
            if list.is_empty() {
                return Err(mapping_ctx.error(
                    &value,
                    format!("No channel configured for when header value is: {value}"),
                ));
            }
            mapping.insert(value, list);
        }

        let optional_ctx = ctx.sub("optional.");
        let mut optional: HashMap<String, Vec<usize>> = HashMap::new();
        for value in optional_ctx.keys() {
            let mut list = channel_list(&optional_ctx, &value, optional_ctx.get(&value), channels)?;
            let required = match mapping.get(&value) {
                Some(r) if !r.is_empty() => r,
                _ => &default,
            };
            for r in required {
                if let Some(at) = list.iter().position(|c| c == r) {
                    list.remove(at);
                }
            }
            optional.insert(value, list);
        }

        let required_for = |value: &str| -> Vec<usize> {
            // Java's `trim()`: characters up to U+0020.
            if value.chars().all(|c| c <= ' ') {
                return default.clone();
            }
            mapping
                .get(value)
                .cloned()
                .unwrap_or_else(|| default.clone())
        };
        let mut by_value = HashMap::new();
        for value in mapping.keys().chain(optional.keys()) {
            by_value.insert(
                value.clone(),
                Selection {
                    required: required_for(value),
                    optional: optional.get(value).cloned().unwrap_or_default(),
                    unknown_optional: None,
                },
            );
        }
        Ok(Multiplexing {
            header,
            by_value,
            fallback: Selection {
                required: default.clone(),
                optional: Vec::new(),
                unknown_optional: None,
            },
        })
    }
}

impl ChannelSelector for Multiplexing {
    fn select(&self, event: &Event) -> &Selection {
        match event.header(&self.header) {
            Some(value) => self.by_value.get(value).unwrap_or(&self.fallback),
            None => &self.fallback,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    RoundRobin,
    Random,
}

/// Load balancing (Flume 1.10+): each event goes to exactly one channel, picked round-robin
/// (the default) or at random. The channels are taken in the order Flume holds them (the
/// `HashSet` order of their names).
pub struct LoadBalancing {
    policy: Policy,
    /// One selection per channel, in picking order.
    choices: Vec<Selection>,
    next: AtomicUsize,
}

impl LoadBalancing {
    pub fn from_context(ctx: &Context, channels: &[String]) -> Result<Self, ConfigError> {
        let policy_name = ctx.get_string(&POLICY);
        let policy = match policy_name.to_ascii_uppercase().as_str() {
            "ROUND_ROBIN" => Policy::RoundRobin,
            "RANDOM" => Policy::Random,
            _ => {
                return Err(ctx.error(
                    "policy",
                    format!("Invalid policy: {policy_name} (expected round_robin or random)"),
                ));
            }
        };
        let choices = crate::java::hash_set_order(channels)
            .into_iter()
            .map(|i| Selection {
                required: vec![i],
                optional: Vec::new(),
                unknown_optional: None,
            })
            .collect();
        Ok(LoadBalancing {
            policy,
            choices,
            next: AtomicUsize::new(0),
        })
    }
}

impl ChannelSelector for LoadBalancing {
    fn select(&self, _event: &Event) -> &Selection {
        let n = self.choices.len();
        let i = match self.policy {
            // AtomicInteger.getAndAccumulate(size, (x, y) -> ++x < y ? x : 0)
            Policy::RoundRobin => self
                .next
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| {
                    Some(if x + 1 < n { x + 1 } else { 0 })
                })
                .unwrap_or(0),
            Policy::Random => rand::random_range(0..n.max(1)),
        };
        &self.choices[i.min(n.saturating_sub(1))]
    }
}

/// Build the selector from the source's `selector.` sub-context.
pub fn build(ctx: &Context, channels: &[String]) -> Result<Box<dyn ChannelSelector>, ConfigError> {
    let type_name = ctx.get("type").map(str::trim).unwrap_or("").to_string();
    if type_name.is_empty() {
        return Ok(Box::new(Replicating::from_context(ctx, channels)?));
    }
    match registry::resolve(Kind::Selector, &type_name)
        .native()
        .map(registry::Row::name)
    {
        Some("replicating") => Ok(Box::new(Replicating::from_context(ctx, channels)?)),
        Some("multiplexing") => Ok(Box::new(Multiplexing::from_context(ctx, channels)?)),
        Some("load_balancing") => Ok(Box::new(LoadBalancing::from_context(ctx, channels)?)),
        _ => Err(ctx.error(
            "type",
            format!(
                "{}; Flume removes the source",
                registry::unknown_type_message(Kind::Selector, &type_name)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn sel(
        pairs: &[(&str, &str)],
        channels: &[&str],
    ) -> Result<Box<dyn ChannelSelector>, ConfigError> {
        let ctx = Context::from_pairs("a1.sources.r1.", pairs.iter().copied());
        build(&ctx.sub("selector."), &names(channels))
    }

    #[test]
    fn multiplexing_list_quirks_drop_the_source() {
        let e = sel(
            &[
                ("selector.type", "multiplexing"),
                ("selector.mapping.a", "c1  c2"),
            ],
            &["c1", "c2"],
        )
        .err()
        .expect("error");
        assert_eq!(e.message, "Selector channel not found: ");
        assert_eq!(e.key, "a1.sources.r1.selector.mapping.a");
        let e = sel(
            &[
                ("selector.type", "multiplexing"),
                ("selector.default", "c3"),
            ],
            &["c1", "c2"],
        )
        .err()
        .expect("error");
        assert_eq!(e.message, "Selector channel not found: c3");
        let e = sel(
            &[
                ("selector.type", "multiplexing"),
                ("selector.optional.x", "c1 nope"),
            ],
            &["c1", "c2"],
        )
        .err()
        .expect("error");
        assert_eq!(e.message, "Selector channel not found: nope");
        let e = sel(&[("selector.type", "nosuch")], &["c1"])
            .err()
            .expect("error");
        assert!(e.message.contains("removes the source"), "{}", e.message);
    }

    #[test]
    fn multiplexing_keys_with_dots_blank_values_and_duplicates() {
        let s = sel(
            &[
                ("selector.type", "MULTIPLEXING"),
                ("selector.header", "h"),
                ("selector.mapping.a.b", "c2"),
                ("selector.mapping.x", "c1 c1"),
                ("selector.default", "c1"),
            ],
            &["c1", "c2"],
        )
        .unwrap();
        let mut e = Event::new("x");
        e.headers.insert("h".into(), "a.b".into());
        assert_eq!(s.select(&e).required, vec![1]);
        e.headers.insert("h".into(), "   ".into());
        assert_eq!(s.select(&e).required, vec![0]);
        e.headers.insert("h".into(), "x".into());
        assert_eq!(s.select(&e).required, vec![0, 0]);
    }

    #[test]
    fn replicating_with_an_unknown_optional_channel() {
        let s = sel(&[("selector.optional", "c2 ghost")], &["c1", "c2"]).unwrap();
        let got = s.select(&Event::new("x"));
        assert_eq!(got.required, vec![0]);
        assert_eq!(got.optional, vec![1]);
        assert_eq!(got.unknown_optional.as_deref(), Some("ghost"));
    }

    #[test]
    fn load_balancing_round_robin_and_random() {
        let s = sel(&[("selector.type", "load_balancing")], &["c1", "c2", "c3"]).unwrap();
        let order = crate::java::hash_set_order(&names(&["c1", "c2", "c3"]));
        let picks: Vec<usize> = (0..6)
            .map(|_| s.select(&Event::new("x")).required[0])
            .collect();
        let expected: Vec<usize> = (0..6).map(|i| order[i % 3]).collect();
        assert_eq!(picks, expected);
        let r = sel(
            &[
                ("selector.type", "load_balancing"),
                ("selector.policy", "RANDOM"),
            ],
            &["c1", "c2"],
        )
        .unwrap();
        let mut seen = [0; 2];
        for _ in 0..200 {
            let s = r.select(&Event::new("x"));
            assert!(s.optional.is_empty());
            seen[s.required[0]] += 1;
        }
        assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
        let e = sel(
            &[
                ("selector.type", "load_balancing"),
                ("selector.policy", "weighted"),
            ],
            &["c1", "c2"],
        )
        .err()
        .expect("error");
        assert!(
            e.message.starts_with("Invalid policy: weighted"),
            "{}",
            e.message
        );
    }
}

#[cfg(test)]
mod through_channel_processor {
    //! Selections applied by the channel processor to real memory channels.
    use super::*;
    use crate::channel::ChannelRef;
    use crate::channel::memory::MemoryChannel;
    use crate::interceptor::InterceptorChain;
    use crate::source::ChannelProcessor;
    use std::sync::Arc;

    fn channels(names: &[&str]) -> Vec<ChannelRef> {
        names
            .iter()
            .map(|n| {
                Arc::new(
                    MemoryChannel::from_context(
                        n,
                        &Context::from_pairs("c.", [("keep-alive", "0")]),
                    )
                    .unwrap(),
                ) as ChannelRef
            })
            .collect()
    }

    async fn drain(c: &ChannelRef) -> Vec<String> {
        let take = c.take(1000).await.unwrap();
        let bodies = take
            .events()
            .iter()
            .map(|e| String::from_utf8_lossy(&e.body).into_owned())
            .collect();
        take.commit().await.unwrap();
        bodies
    }

    fn event(level: &str, body: &str) -> Event {
        let mut e = Event::new(body.to_string());
        e.headers.insert("level".into(), level.into());
        e
    }

    #[tokio::test]
    async fn multiplexing_routes_a_batch() {
        let names = ["c1", "c2"];
        let chans = channels(&names);
        let ctx = Context::from_pairs(
            "a1.sources.r1.selector.",
            [
                ("type", "multiplexing"),
                ("header", "level"),
                ("mapping.ERROR", "c2"),
                ("optional.ERROR", "c1"),
                ("default", "c1"),
            ],
        );
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let p = ChannelProcessor::new(
            chans.clone(),
            InterceptorChain::default(),
            build(&ctx, &names).unwrap(),
        );
        p.process_batch(vec![
            event("INFO", "a"),
            event("ERROR", "b"),
            event("INFO", "c"),
        ])
        .await
        .unwrap();
        // Required puts first (c1: a c), then optional ones (c1: b).
        assert_eq!(drain(&chans[0]).await, vec!["a", "c", "b"]);
        assert_eq!(drain(&chans[1]).await, vec!["b"]);
    }

    #[tokio::test]
    async fn unknown_optional_channel_fails_after_required_puts() {
        let names = ["c1", "c2"];
        let chans = channels(&names);
        let ctx = Context::from_pairs("a1.sources.r1.selector.", [("optional", "c2 ghost")]);
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let p = ChannelProcessor::new(
            chans.clone(),
            InterceptorChain::default(),
            build(&ctx, &names).unwrap(),
        );
        let err = p.process_batch(vec![Event::new("x")]).await.unwrap_err();
        assert!(err.to_string().contains("NullPointerException"), "{err}");
        // Flume committed the required channel before failing; the optional one got nothing.
        assert_eq!(drain(&chans[0]).await, vec!["x"]);
        assert!(drain(&chans[1]).await.is_empty());
    }
}

#[cfg(test)]
pub(crate) mod vectors {
    //! The selector cases of `compat-fixtures/vectors/routing.json`.
    use super::*;
    use crate::vectors::{Case, Outcome};

    /// The selector cases of `routing.json`: build the selector, select for the event.
    pub(crate) fn check(case: &Case) -> Outcome {
        let id = case.id;
        let case = case.value;
        {
            let Some(kind) = case["selector"].as_str() else {
                return Outcome::NotMine;
            };
            let channels: Vec<String> = case["source_channels"]
                .as_array()
                .expect("channels")
                .iter()
                .map(|c| c.as_str().unwrap_or_default().to_string())
                .collect();
            let mut pairs = vec![("type".to_string(), kind.to_string())];
            for (k, v) in case["config"].as_object().expect("config") {
                pairs.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
            let ctx = Context::from_pairs("a1.sources.r1.selector.", pairs);
            let s = build(&ctx, &channels).unwrap_or_else(|e| panic!("{id}: {e}"));
            let mut event = Event::new("body");
            for (k, v) in case["input"]["headers"].as_object().expect("headers") {
                event
                    .headers
                    .insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
            let got = s.select(&event);
            let to_names =
                |ix: &[usize]| -> Vec<String> { ix.iter().map(|i| channels[*i].clone()).collect() };
            let want = |key: &str| -> Vec<String> {
                case["expected"][key]
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect()
            };
            assert_eq!(to_names(&got.required), want("required"), "{id} required");
            assert_eq!(to_names(&got.optional), want("optional"), "{id} optional");
            Outcome::Pass
        }
    }
}
