//! The component types flume-rs knows: one [`Row`] per type of every kind (source, channel,
//! sink, sink processor, channel selector, interceptor, serializer, deserializer, HTTP handler,
//! config filter) — Flume's alias, its class names, whether flume-rs implements it natively and,
//! for channels, whether a reload reuses it — and the property-table types ([`props`]) each
//! component declares next to its config struct.
//!
//! This module depends on nothing but the standard library and `strsim`: `config` reads it to
//! validate, every component kind reads it to build, and nothing here reads them back.
//!
//! # Adding a component type
//! 1. Write the component in its own file (e.g. `src/sink/thrift.rs`) with its config struct
//!    and, next to it, `pub const PROPS: PropTable` listing every key it reads (see [`props`]);
//!    read keys with the `Context` getters that take a [`props::Prop`].
//! 2. Add (or flip to `native: true`) its row in [`rows::ROWS`].
//! 3. For a source, sink or channel: declare `pub const NATIVE: Native` in its file (the row's
//!    name, `&PROPS`, the constructor) and add its module's name to the kind's
//!    `native_types! { … }` list, which is its `mod` line. For the other kinds: add one arm to
//!    the kind's constructor match (`processor.rs`, `selector.rs`, …).
//!
//! `cargo test --lib registry` checks the rows.
//!
//! Resolution ([`resolve`]) gives [`Resolution::Native`] for a type flume-rs runs,
//! [`Resolution::NotNative`] for a Flume built-in it does not run (hbase, hive, …), and
//! [`Resolution::Unknown`] for anything else (a custom class or a misspelt alias). A host for
//! Java plugins can take over both non-native cases: [`Resolution::java_class`] names the class
//! it would load.

pub mod props;
pub mod rows;

pub use props::{Default, Prefix, Prop, PropTable, Status, Sub, Type};
pub use rows::ROWS;

use std::fmt;

/// The kinds of pluggable component Flume names by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Source,
    Channel,
    Sink,
    SinkProcessor,
    Selector,
    Interceptor,
    Serializer,
    Deserializer,
    HttpHandler,
    ConfigFilter,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Source,
        Kind::Channel,
        Kind::Sink,
        Kind::SinkProcessor,
        Kind::Selector,
        Kind::Interceptor,
        Kind::Serializer,
        Kind::Deserializer,
        Kind::HttpHandler,
        Kind::ConfigFilter,
    ];

    /// How Flume matches a type string to a class for this kind.
    fn matching(self) -> Matching {
        match self {
            // InterceptorBuilderFactory: enum name in any case, else Class.forName (exact).
            Kind::Interceptor => Matching::ExactClass,
            // EventDeserializerFactory: enum name in any case, else the builder class; the
            // `$Builder` suffix may be left out.
            Kind::Deserializer => Matching::ExactClassBuilderOptional,
            _ => Matching::AnyCase,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Source => "source",
            Kind::Channel => "channel",
            Kind::Sink => "sink",
            Kind::SinkProcessor => "sink processor",
            Kind::Selector => "channel selector",
            Kind::Interceptor => "interceptor",
            Kind::Serializer => "serializer",
            Kind::Deserializer => "deserializer",
            Kind::HttpHandler => "HTTP source handler",
            Kind::ConfigFilter => "config filter",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matching {
    /// Alias and class name in any case; a class's `$Builder` suffix may be left out (what
    /// Flume's configuration validation accepts for sources, channels, sinks, …).
    AnyCase,
    /// Alias in any case; the class name exactly as written, `$Builder` included.
    ExactClass,
    /// Alias in any case; the class name exactly, with or without `$Builder`.
    ExactClassBuilderOptional,
}

/// What a reload does with a running channel of this type (reference §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Not a channel: the question does not arise.
    NotApplicable,
    /// `@Recyclable` (and un-annotated classes): kept, reconfigured in place, events kept.
    Recyclable,
    /// `@Disposable`: closed and created again.
    Disposable,
}

/// One component type.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub kind: Kind,
    /// Flume's short name (`memory`, `hdfs`), matched in any case; `None` when Flume has none
    /// and only the class name works (the Kafka components, the UUID interceptor).
    pub alias: Option<&'static str>,
    /// Flume's class names; the first is the one Flume documents (a builder class keeps its
    /// `$Builder`).
    pub classes: &'static [&'static str],
    /// flume-rs runs this type. A row that is not native keeps Flume's names so that a
    /// configuration naming it gets the same error as before (and a Java host may load it).
    pub native: bool,
    pub reuse: Reuse,
    /// One line for the generated reference.
    pub doc: &'static str,
}

impl Row {
    /// The name the type goes by in messages and in its kind's constructor match: the alias,
    /// or the class name when Flume has no alias.
    pub fn name(&self) -> &'static str {
        self.alias.unwrap_or(self.classes[0])
    }

    pub fn class(&self) -> &'static str {
        self.classes[0]
    }

    /// Flume reuses a running channel of this type across a reload.
    pub fn is_reusable(&self) -> bool {
        self.reuse == Reuse::Recyclable
    }

    fn matches(&self, type_name: &str) -> bool {
        let t = type_name.trim();
        if self.alias.is_some_and(|a| a.eq_ignore_ascii_case(t)) {
            return true;
        }
        self.classes.iter().any(|class| match self.kind.matching() {
            Matching::AnyCase => {
                class.eq_ignore_ascii_case(t)
                    || class.trim_end_matches("$Builder").eq_ignore_ascii_case(t)
            }
            Matching::ExactClass => *class == t,
            Matching::ExactClassBuilderOptional => {
                class.trim_end_matches("$Builder") == t.trim_end_matches("$Builder")
            }
        })
    }
}

/// What a type string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// A type flume-rs runs.
    Native(&'static Row),
    /// One of Flume's own types that flume-rs does not run.
    NotNative(&'static Row),
    /// No row: a custom class (if it has a dot) or a misspelt alias, as written.
    Unknown(&'a str),
}

impl<'a> Resolution<'a> {
    pub fn row(&self) -> Option<&'static Row> {
        match *self {
            Resolution::Native(row) | Resolution::NotNative(row) => Some(row),
            Resolution::Unknown(_) => None,
        }
    }

    pub fn native(&self) -> Option<&'static Row> {
        match *self {
            Resolution::Native(row) => Some(row),
            _ => None,
        }
    }

    /// The class a Java plugin host would load instead: Flume's class for a type that is not
    /// native, the name as written when it looks like a class name.
    pub fn java_class(&self) -> Option<&'a str> {
        match *self {
            Resolution::Native(_) => None,
            Resolution::NotNative(row) => Some(row.class()),
            Resolution::Unknown(name) => name.contains('.').then_some(name),
        }
    }
}

/// Finds the property table of a native type from its kind and registry name ([`Row::name`]).
/// Tables sit next to each component's config struct, which neither this module nor `config`
/// may import, so the top of the crate (`topology::property_table`) hands this lookup down to
/// the key check and the reference generator in `config`. `None`: not a native type (a Java
/// class: its keys are checked by what the plugin host reads). Every native type has a table
/// (`topology::tests::every_native_type_has_a_property_table`).
pub type TableLookup = fn(Kind, &str) -> Option<&'static PropTable>;

/// Every row of one kind, in the order of [`ROWS`].
pub fn rows(kind: Kind) -> impl Iterator<Item = &'static Row> {
    ROWS.iter().filter(move |r| r.kind == kind)
}

/// The row of `kind` named `name` as it appears in its kind's constructor match.
pub fn row(kind: Kind, name: &str) -> Option<&'static Row> {
    rows(kind).find(|r| r.name() == name)
}

/// Resolve a configured type string (trimmed) the way Flume does for `kind`.
pub fn resolve(kind: Kind, type_name: &str) -> Resolution<'_> {
    let t = type_name.trim();
    match rows(kind).find(|r| r.matches(t)) {
        Some(row) if row.native => Resolution::Native(row),
        Some(row) => Resolution::NotNative(row),
        None => Resolution::Unknown(t),
    }
}

/// The built-in type of `kind` closest to an unknown one, for the error message.
pub fn closest(kind: Kind, type_name: &str) -> Option<&'static str> {
    let simple = type_name
        .rsplit('.')
        .next()
        .unwrap_or(type_name)
        .trim_end_matches("$Builder")
        .to_ascii_lowercase();
    let mut best: Option<(f64, &'static str)> = None;
    for row in rows(kind) {
        let alias = row.name();
        let class = row
            .class()
            .rsplit('.')
            .next()
            .unwrap_or(row.class())
            .trim_end_matches("$Builder")
            .to_ascii_lowercase();
        let score = strsim::jaro_winkler(&simple, &class).max(strsim::jaro_winkler(&simple, alias));
        let score = if simple.contains(alias.trim_end_matches('_')) || class.contains(&simple) {
            score.max(0.9)
        } else {
            score
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, alias));
        }
    }
    best.filter(|(s, _)| *s >= 0.6).map(|(_, a)| a)
}

/// The message for a type of `kind` that resolves to no row: what Flume fails to load, the
/// closest built-in type, and every built-in type of the kind.
pub fn unknown_type_message(kind: Kind, type_name: &str) -> String {
    let mut msg = if type_name.contains('.') {
        format!("cannot load {kind} class {type_name}: custom Java classes cannot run in flume-rs")
    } else {
        format!("unknown {kind} type \"{type_name}\"")
    };
    if let Some(alias) = closest(kind, type_name) {
        msg.push_str(&format!("; the closest built-in type is \"{alias}\""));
    }
    let names: Vec<&str> = rows(kind).map(Row::name).collect();
    msg.push_str(&format!(" (built-in types: {})", names.join(", ")));
    msg
}

/// The message for one of Flume's types that flume-rs does not run.
pub fn not_native_message(row: &Row) -> String {
    let how = match row.kind {
        Kind::Source | Kind::Sink | Kind::Channel if cfg!(feature = "jvm") => format!(
            "; it runs in the embedded JVM when Flume's jars (FLUME_HOME pointing at a Flume install, or -C) or a jar holding {} are on the Java classpath (e.g. in a plugins.d/<plugin>/lib folder)",
            row.class()
        ),
        Kind::Channel => {
            "; this build has no embedded JVM for Java channels (use a native channel: memory, file or spillablememory)".to_string()
        }
        _ => String::new(),
    };
    format!(
        "{} type {} is not supported by this build of flume-rs{how}",
        row.kind,
        row.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_kind() {
        for kind in Kind::ALL {
            let mut names: Vec<&str> = rows(kind)
                .map(|r| r.name().to_ascii_lowercase().leak() as &str)
                .collect();
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "{kind}: duplicate names");
            assert!(n > 0, "{kind} has no rows");
        }
    }

    #[test]
    fn only_channels_say_whether_they_are_reused() {
        for row in ROWS {
            assert_eq!(
                row.kind == Kind::Channel,
                row.reuse != Reuse::NotApplicable,
                "{}",
                row.name()
            );
        }
    }

    #[test]
    fn flume_matching_rules() {
        let native = |k, t| resolve(k, t).native().map(Row::name);
        assert_eq!(native(Kind::Channel, "MEMORY"), Some("memory"));
        assert_eq!(
            native(Kind::Sink, "ORG.APACHE.FLUME.SINK.LOGGERSINK"),
            Some("logger")
        );
        assert_eq!(native(Kind::Source, " SpoolDir "), Some("spooldir"));
        assert_eq!(
            native(
                Kind::Interceptor,
                "org.apache.flume.interceptor.HostInterceptor$Builder"
            ),
            Some("host")
        );
        assert_eq!(
            native(
                Kind::Interceptor,
                "org.apache.flume.interceptor.HostInterceptor"
            ),
            None
        );
        assert_eq!(native(Kind::Interceptor, "HOST"), Some("host"));
        assert!(matches!(
            resolve(Kind::Sink, "hbase"),
            Resolution::NotNative(_)
        ));
        assert_eq!(
            resolve(Kind::Sink, "hbase").java_class(),
            Some("org.apache.flume.sink.hbase.HBaseSink")
        );
        assert_eq!(
            resolve(Kind::Sink, "com.example.S").java_class(),
            Some("com.example.S")
        );
        assert_eq!(resolve(Kind::Sink, "nul").java_class(), None);
    }

    #[test]
    fn channel_reuse_follows_flume_annotations() {
        let reusable = |t| {
            resolve(Kind::Channel, t)
                .row()
                .is_some_and(Row::is_reusable)
        };
        assert!(reusable("memory"));
        assert!(reusable("spillablememory"));
        assert!(reusable("org.apache.flume.channel.kafka.KafkaChannel"));
        assert!(!reusable("file"));
        assert!(!reusable("jdbc"));
    }
}
