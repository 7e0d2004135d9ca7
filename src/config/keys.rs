//! A component's keys checked against its property table without building it: keys no table
//! declares (with a "did you mean" from the table's vocabulary), keys that are accepted but
//! have no effect here, and keys of sub-components that are not native (Java classes: those
//! are left to the build-time check, [`Context::unread`]).
//!
//! The tables sit next to the components, which `config` may not import: callers pass a
//! [`TableLookup`] (`topology::property_table`). The keys Flume's framework reads for every
//! component of a kind (`type`, `channels`, `selector.*`, `interceptors.*`, `processor.*`) are
//! declared here, in the `*_COMMON` tables.

use std::collections::BTreeSet;
use std::fmt;

use super::context::{Context, Origin, UnreadKey, suggest};
use super::model::{AgentConfig, Kind};
use crate::registry::{
    self, Default, Kind as RKind, Prefix, Prop, PropTable, Status, Sub, TableLookup, Type,
};

pub const TYPE: Prop = Prop::new(
    "type",
    Type::Class,
    Default::None,
    "the component type: a built-in alias or a class name",
)
.required();
pub const SOURCE_CHANNELS: Prop = Prop::new(
    "channels",
    Type::List,
    Default::None,
    "the channels the source puts its events into",
)
.required();
pub const SELECTOR_TYPE: Prop = Prop::new(
    "selector.type",
    Type::Class,
    Default::Str("replicating"),
    "the channel selector: which of the channels get each event",
);
pub const INTERCEPTORS: Prop = Prop::new(
    "interceptors",
    Type::List,
    Default::None,
    "interceptor names, run in this order on every batch",
);

/// Keys every source takes (Flume's `SourceConfiguration` and `ChannelProcessor`).
pub const SOURCE_COMMON: PropTable =
    PropTable::new(&[TYPE, SOURCE_CHANNELS, SELECTOR_TYPE, INTERCEPTORS]).with_prefixes(&[
        Prefix::typed(
            "selector.",
            RKind::Selector,
            Some("selector.type"),
            Some("replicating"),
            "the channel selector's keys",
        ),
        Prefix::named(
            "interceptors.",
            RKind::Interceptor,
            "interceptors",
            "`interceptors.<name>.type` and the keys of each listed interceptor",
        ),
    ]);

pub const SINK_CHANNEL: Prop = Prop::new(
    "channel",
    Type::String,
    Default::None,
    "the channel the sink takes events from",
)
.required();

/// Keys every sink takes.
pub const SINK_COMMON: PropTable = PropTable::new(&[TYPE, SINK_CHANNEL]);

/// Keys every channel takes.
pub const CHANNEL_COMMON: PropTable = PropTable::new(&[TYPE]);

pub const GROUP_SINKS: Prop =
    Prop::new("sinks", Type::List, Default::None, "the sinks of the group").required();
pub const PROCESSOR_TYPE: Prop = Prop::new(
    "processor.type",
    Type::Class,
    Default::None,
    "the sink processor: how the group's sinks share the work (without it Flume removes the group)",
)
.required();

/// Keys of every sink group.
pub const GROUP_COMMON: PropTable =
    PropTable::new(&[GROUP_SINKS, PROCESSOR_TYPE]).with_prefixes(&[Prefix::typed(
        "processor.",
        RKind::SinkProcessor,
        Some("processor.type"),
        None,
        "the sink processor's keys",
    )]);

/// The common table of a configuration kind.
pub fn common(kind: Kind) -> &'static PropTable {
    match kind {
        Kind::Source => &SOURCE_COMMON,
        Kind::Channel => &CHANNEL_COMMON,
        Kind::Sink => &SINK_COMMON,
        Kind::SinkGroup => &GROUP_COMMON,
        Kind::ConfigFilter => &super::filters::COMMON_PROPS,
    }
}

/// The registry kind of a configuration kind's `type` (sink groups name a sink processor in
/// `processor.type` instead).
pub fn registry_kind(kind: Kind) -> Option<RKind> {
    match kind {
        Kind::Source => Some(RKind::Source),
        Kind::Channel => Some(RKind::Channel),
        Kind::Sink => Some(RKind::Sink),
        Kind::SinkGroup => None,
        Kind::ConfigFilter => Some(RKind::ConfigFilter),
    }
}

/// The property table of a component of `kind` whose type is `type_name`, when the type is
/// native and has one.
pub fn table_of(kind: Kind, type_name: &str, tables: TableLookup) -> Option<&'static PropTable> {
    let rkind = registry_kind(kind)?;
    let row = registry::resolve(rkind, type_name).native()?;
    tables(rkind, row.name())
}

/// A key that is set, accepted, and changes nothing here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoEffectKey {
    /// The full key (`a1.sources.r1.keepAlive`).
    pub key: String,
    pub origin: Option<Origin>,
    pub reason: &'static str,
}

impl fmt::Display for NoEffectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{o}: ")?;
        }
        write!(f, "{}: accepted, no effect here: {}", self.key, self.reason)
    }
}

/// What the tables say about one component's keys.
#[derive(Debug, Default)]
pub struct Checked {
    pub unknown: Vec<UnreadKey>,
    pub no_effect: Vec<NoEffectKey>,
    /// Local keys of sub-components that have no table (or are Java classes): the build-time
    /// check decides.
    pub undecided: BTreeSet<String>,
}

enum Verdict {
    Known(Status),
    Unknown,
    Undecided,
}

struct Walker<'a> {
    ctx: &'a Context,
    tables: TableLookup,
}

impl Walker<'_> {
    /// `key`, relative to `at` (a prefix within the component), against `table`.
    fn classify(&self, table: &PropTable, at: &str, key: &str) -> Verdict {
        if let Some(p) = table.find(key) {
            return Verdict::Known(p.status);
        }
        let Some(prefix) = table.prefix_of(key) else {
            return Verdict::Unknown;
        };
        let rest = &key[prefix.prefix.len()..];
        let below = format!("{at}{}", prefix.prefix);
        match prefix.sub {
            Sub::PassThrough | Sub::UserNamed => Verdict::Known(prefix.status),
            Sub::ByBuild => Verdict::Undecided,
            Sub::Table(t) => self.classify(t, &below, rest),
            Sub::Typed {
                kind,
                type_key,
                default_type,
            } => {
                if type_key.is_none() && rest == "type" {
                    return Verdict::Known(Status::Applied);
                }
                let ty = self.typed_type(at, prefix, type_key, default_type);
                self.sub(kind, ty, &below, rest)
            }
            Sub::Named { kind, list_key } => {
                let Some((name, sub)) = rest.split_once('.') else {
                    return Verdict::Unknown;
                };
                if !self.listed(at, list_key, name) {
                    return Verdict::Unknown;
                }
                if sub == "type" {
                    return Verdict::Known(Status::Applied);
                }
                let ty = self.ctx.peek(&format!("{below}{name}.type"));
                self.sub(kind, ty, &format!("{below}{name}."), sub)
            }
        }
    }

    fn typed_type(
        &self,
        at: &str,
        prefix: &Prefix,
        type_key: Option<&str>,
        default_type: Option<&'static str>,
    ) -> Option<&str> {
        let key = match type_key {
            Some(k) => format!("{at}{k}"),
            None => format!("{at}{}type", prefix.prefix),
        };
        self.ctx
            .peek(&key)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .or(default_type)
    }

    fn listed(&self, at: &str, list_key: &str, name: &str) -> bool {
        self.ctx
            .peek(&format!("{at}{list_key}"))
            .is_some_and(|l| l.split_whitespace().any(|n| n == name))
    }

    fn sub_table(&self, kind: RKind, ty: Option<&str>) -> Option<&'static PropTable> {
        let row = registry::resolve(kind, ty?).native()?;
        (self.tables)(kind, row.name())
    }

    fn sub(&self, kind: RKind, ty: Option<&str>, at: &str, rest: &str) -> Verdict {
        match self.sub_table(kind, ty) {
            Some(t) => self.classify(t, at, rest),
            None => Verdict::Undecided,
        }
    }

    /// Every key `table` (and the sub-components configured under it) declares, relative to
    /// the component: the vocabulary for "did you mean".
    fn vocabulary(&self, table: &PropTable, at: &str, out: &mut Vec<String>) {
        out.extend(table.all().iter().map(|p| format!("{at}{}", p.name)));
        for prefix in table.all_prefixes() {
            let below = format!("{at}{}", prefix.prefix);
            match prefix.sub {
                Sub::Table(t) => self.vocabulary(t, &below, out),
                Sub::Typed {
                    kind,
                    type_key,
                    default_type,
                } => {
                    let ty = self.typed_type(at, prefix, type_key, default_type);
                    if let Some(t) = self.sub_table(kind, ty) {
                        self.vocabulary(t, &below, out);
                    }
                }
                Sub::Named { kind, list_key } => {
                    let list = self.ctx.peek(&format!("{at}{list_key}")).unwrap_or("");
                    for name in list.split_whitespace() {
                        out.push(format!("{below}{name}.type"));
                        let ty = self.ctx.peek(&format!("{below}{name}.type"));
                        if let Some(t) = self.sub_table(kind, ty) {
                            self.vocabulary(t, &format!("{below}{name}."), out);
                        }
                    }
                }
                Sub::PassThrough | Sub::UserNamed | Sub::ByBuild => {}
            }
        }
    }
}

/// Check every key of a component context against `tables` (the kind's common table first,
/// then the type's): nothing is built and nothing is marked read.
pub fn check(ctx: &Context, tables_here: &[&PropTable], lookup: TableLookup) -> Checked {
    let walker = Walker {
        ctx,
        tables: lookup,
    };
    let mut vocabulary = Vec::new();
    for t in tables_here {
        walker.vocabulary(t, "", &mut vocabulary);
    }
    let mut out = Checked::default();
    for key in ctx.keys() {
        // The first table that declares the key (or a prefix of it) owns it.
        let owner = tables_here
            .iter()
            .find(|t| t.find(&key).is_some() || t.prefix_of(&key).is_some());
        let verdict = match owner {
            Some(t) => walker.classify(t, "", &key),
            None => Verdict::Unknown,
        };
        match verdict {
            Verdict::Known(Status::NoEffect(reason)) => out.no_effect.push(NoEffectKey {
                key: ctx.full_key(&key),
                origin: ctx.origin(&key),
                reason,
            }),
            Verdict::Known(Status::Applied) => {}
            Verdict::Undecided => {
                out.undecided.insert(key);
            }
            Verdict::Unknown => out.unknown.push(UnreadKey {
                key: ctx.full_key(&key),
                origin: ctx.origin(&key),
                suggestion: suggest(&key, vocabulary.iter().map(String::as_str))
                    .map(|s| ctx.full_key(&s)),
            }),
        }
    }
    out
}

/// What the key check found in an agent's components.
#[derive(Debug, Default)]
pub struct KeyFindings {
    /// Keys no component reads, each with a "did you mean" when one is close.
    pub unknown: Vec<UnreadKey>,
    /// Keys accepted with no effect here, and why.
    pub no_effect: Vec<NoEffectKey>,
}

/// Check the keys of every component of `cfg`. A component whose type has a property table is
/// checked against it (and its kind's common table) without being built; the keys of a type
/// without a table, and of sub-components without one, are those nothing read when the
/// component was built (so call this after `topology::build` for those to be found).
pub fn findings(cfg: &AgentConfig, lookup: TableLookup) -> KeyFindings {
    let mut out = KeyFindings::default();
    let components = cfg
        .sources
        .iter()
        .map(|s| &s.component)
        .chain(cfg.channels.iter())
        .chain(cfg.sinks.iter().map(|k| &k.component))
        .chain(cfg.sinkgroups.iter().map(|g| &g.component));
    for c in components {
        let ctx = &c.context;
        let own = match c.kind {
            // A sink group's type is its processor's, reached through `processor.type`.
            Kind::SinkGroup => Some(&PropTable::EMPTY),
            kind => table_of(kind, c.type_name.as_deref().unwrap_or(""), lookup),
        };
        let Some(own) = own else {
            out.unknown.extend(ctx.unread());
            continue;
        };
        let checked = check(ctx, &[common(c.kind), own], lookup);
        // A key the build read is known whatever the table says (the completeness tests of the
        // tables, `{source,sink,channel}::table_tests`, keep this from hiding anything).
        out.unknown.extend(
            checked
                .unknown
                .into_iter()
                .filter(|u| !ctx.was_read(&local_key(ctx, &u.key))),
        );
        out.unknown.extend(
            ctx.unread()
                .into_iter()
                .filter(|u| checked.undecided.contains(&local_key(ctx, &u.key))),
        );
        out.no_effect.extend(checked.no_effect);
    }
    out
}

/// Keys the build read that the component's property table (or a sub-component's) does not
/// declare: gaps in a table. Call after `topology::build`.
pub fn table_gaps(cfg: &AgentConfig, lookup: TableLookup) -> Vec<String> {
    let mut out = Vec::new();
    let components = cfg
        .sources
        .iter()
        .map(|s| &s.component)
        .chain(cfg.channels.iter())
        .chain(cfg.sinks.iter().map(|k| &k.component))
        .chain(cfg.sinkgroups.iter().map(|g| &g.component));
    for c in components {
        let ctx = &c.context;
        let own = match c.kind {
            Kind::SinkGroup => Some(&PropTable::EMPTY),
            kind => table_of(kind, c.type_name.as_deref().unwrap_or(""), lookup),
        };
        let Some(own) = own else { continue };
        let checked = check(ctx, &[common(c.kind), own], lookup);
        out.extend(
            checked
                .unknown
                .into_iter()
                .filter(|u| ctx.was_read(&local_key(ctx, &u.key)))
                .map(|u| u.key),
        );
    }
    out
}

fn local_key(ctx: &Context, full: &str) -> String {
    full.strip_prefix(&ctx.full_key(""))
        .unwrap_or(full)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INNER: PropTable = PropTable::new(&[Prop::int("maxLength", 5, "x")]);
    const OWN: PropTable = PropTable::new(&[
        Prop::int("batchSize", 100, "events per batch"),
        Prop::bool("keepAlive", true, "x").no_effect("not here"),
    ])
    .with_prefixes(&[Prefix::pass_through("kafka.producer.", "to the client")]);

    fn lookup(kind: RKind, name: &str) -> Option<&'static PropTable> {
        match (kind, name) {
            (RKind::Interceptor, "static") => Some(&INNER),
            _ => None,
        }
    }

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        Context::from_pairs("a1.sources.r1.", pairs.iter().copied())
    }

    #[test]
    fn unknown_keys_get_suggestions_from_the_table() {
        let c = ctx(&[
            ("type", "x"),
            ("channels", "c1"),
            ("batchsize", "1"),
            ("kafka.producer.acks", "all"),
            ("selector.type", "multiplexing"),
            ("keepAlive", "false"),
        ]);
        let checked = check(&c, &[&SOURCE_COMMON, &OWN], lookup);
        let unknown: Vec<String> = checked.unknown.iter().map(|u| u.to_string()).collect();
        assert_eq!(
            unknown,
            [
                "a1.sources.r1.batchsize: unknown property, ignored (did you mean a1.sources.r1.batchSize?)"
            ]
        );
        assert_eq!(
            checked.no_effect[0].to_string(),
            "a1.sources.r1.keepAlive: accepted, no effect here: not here"
        );
        assert!(checked.undecided.is_empty(), "{:?}", checked.undecided);
    }

    #[test]
    fn named_sub_components_use_their_tables() {
        let c = ctx(&[
            ("interceptors", "i1 i2"),
            ("interceptors.i1.type", "static"),
            ("interceptors.i1.maxLenght", "1"),
            ("interceptors.i1.maxLength", "1"),
            ("interceptors.i2.type", "timestamp"),
            ("interceptors.i2.header", "t"),
            ("interceptors.i3.type", "static"),
            ("selector.header", "h"),
        ]);
        let checked = check(&c, &[&SOURCE_COMMON, &OWN], lookup);
        let unknown: Vec<String> = checked.unknown.iter().map(|u| u.key.clone()).collect();
        assert_eq!(
            unknown,
            [
                "a1.sources.r1.interceptors.i1.maxLenght",
                "a1.sources.r1.interceptors.i3.type"
            ]
        );
        assert_eq!(
            checked.unknown[0].suggestion.as_deref(),
            Some("a1.sources.r1.interceptors.i1.maxLength")
        );
        // No table for timestamp or replicating in this lookup: the build decides.
        assert_eq!(
            checked.undecided.iter().collect::<Vec<_>>(),
            ["interceptors.i2.header", "selector.header"]
        );
    }
}
