//! Property tables: every key a component type reads, declared once next to its config
//! struct. A table drives parsing (the `Context` getters take a [`Prop`] and use its name,
//! legacy names and default); its status and prefixes are what the "unknown property" check,
//! the "accepted, no effect here" report and a generated reference are to be built from.
//!
//! ```ignore
//! pub const BATCH_SIZE: Prop = Prop::int("batchSize", 100, "events per transaction");
//! pub const PROPS: PropTable = PropTable::new(&[BATCH_SIZE]);
//! let batch = ctx.get_int(&BATCH_SIZE)?;
//! ```

/// How a value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `Boolean.parseBoolean`: only `true` in any case is true.
    Bool,
    /// A 32-bit integer (`Context.getInteger`).
    Int,
    /// A 64-bit integer (`Context.getLong`).
    Long,
    /// A decimal number.
    Float,
    String,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    /// Names separated by white space.
    List,
    /// A file or directory.
    Path,
    /// A Java class name or a built-in alias.
    Class,
}

impl Type {
    pub fn describe(self) -> String {
        match self {
            Type::Bool => "boolean".into(),
            Type::Int => "int".into(),
            Type::Long => "long".into(),
            Type::Float => "number".into(),
            Type::String => "string".into(),
            Type::Enum(words) => words.join(" \\| "),
            Type::List => "list".into(),
            Type::Path => "path".into(),
            Type::Class => "type or class".into(),
        }
    }
}

/// A key's default, written once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    /// No default: unset means "not used" (or the key is required, see [`Prop::required`]).
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
    /// A default that is computed (`the host name`, `80 % of the heap`): described only.
    Computed(&'static str),
}

impl Default {
    pub fn describe(&self) -> String {
        match self {
            Default::None => String::new(),
            Default::Bool(b) => b.to_string(),
            Default::Int(n) => n.to_string(),
            Default::Float(x) => x.to_string(),
            Default::Str(s) => format!("`{s}`"),
            Default::Computed(s) => (*s).to_string(),
        }
    }
}

/// Whether setting the key changes what flume-rs does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Applied,
    /// Flume accepts the key; flume-rs accepts it too but it changes nothing here, for the
    /// reason given (reported by `validate` and at start-up).
    NoEffect(&'static str),
}

/// One key of a component.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    /// The key relative to the component (`hdfs.rollSize`).
    pub name: &'static str,
    /// Older names Flume still reads when `name` is absent, first match wins.
    pub legacy: &'static [&'static str],
    pub ty: Type,
    pub default: Default,
    pub required: bool,
    pub doc: &'static str,
    pub status: Status,
    /// The component's batch size: where a batch-size mismatch with a channel is shown.
    pub batch: bool,
}

impl Prop {
    pub const fn new(name: &'static str, ty: Type, default: Default, doc: &'static str) -> Prop {
        Prop {
            name,
            legacy: &[],
            ty,
            default,
            required: false,
            doc,
            status: Status::Applied,
            batch: false,
        }
    }

    pub const fn bool(name: &'static str, default: bool, doc: &'static str) -> Prop {
        Prop::new(name, Type::Bool, Default::Bool(default), doc)
    }

    pub const fn int(name: &'static str, default: i64, doc: &'static str) -> Prop {
        Prop::new(name, Type::Int, Default::Int(default), doc)
    }

    pub const fn long(name: &'static str, default: i64, doc: &'static str) -> Prop {
        Prop::new(name, Type::Long, Default::Int(default), doc)
    }

    pub const fn string(name: &'static str, default: &'static str, doc: &'static str) -> Prop {
        Prop::new(name, Type::String, Default::Str(default), doc)
    }

    /// A string key without a default.
    pub const fn text(name: &'static str, doc: &'static str) -> Prop {
        Prop::new(name, Type::String, Default::None, doc)
    }

    pub const fn legacy(mut self, names: &'static [&'static str]) -> Prop {
        self.legacy = names;
        self
    }

    pub const fn required(mut self) -> Prop {
        self.required = true;
        self
    }

    pub const fn typed(mut self, ty: Type) -> Prop {
        self.ty = ty;
        self
    }

    pub const fn default_computed(mut self, what: &'static str) -> Prop {
        self.default = Default::Computed(what);
        self
    }

    /// Accepted and read, but without effect in flume-rs, because of `reason`.
    pub const fn no_effect(mut self, reason: &'static str) -> Prop {
        self.status = Status::NoEffect(reason);
        self
    }

    /// Marks the key as the component's batch size (checked against channel capacities).
    pub const fn batch_size(mut self) -> Prop {
        self.batch = true;
        self
    }

    /// Every name this key may be written as: the current name first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.name).chain(self.legacy.iter().copied())
    }

    pub fn default_int(&self) -> i64 {
        match self.default {
            Default::Int(n) => n,
            _ => panic!("{}: the table gives no integer default", self.name),
        }
    }

    /// [`Prop::default_int`] usable in a `const` (a Rust constant derived from the table).
    pub const fn int_default(&self) -> i64 {
        match self.default {
            Default::Int(n) => n,
            _ => panic!("the table gives no integer default"),
        }
    }

    pub fn default_bool(&self) -> bool {
        match self.default {
            Default::Bool(b) => b,
            _ => panic!("{}: the table gives no boolean default", self.name),
        }
    }

    pub fn default_str(&self) -> &'static str {
        match self.default {
            Default::Str(s) => s,
            _ => panic!("{}: the table gives no string default", self.name),
        }
    }
}

/// What keys under a prefix are.
#[derive(Debug, Clone, Copy)]
pub enum Sub {
    /// Passed on as they are (`kafka.producer.*` to the Kafka client, `hdfs.*` Hadoop keys):
    /// any key is accepted.
    PassThrough,
    /// Keys of another table (a fixed sub-component).
    Table(&'static PropTable),
    /// Keys of the component of `kind` named by the value of `type_key` (relative to the
    /// owner; `None` = the key `<prefix>type`), e.g. `serializer.*` after `serializer`.
    Typed {
        kind: super::Kind,
        type_key: Option<&'static str>,
        default_type: Option<&'static str>,
    },
    /// Named sub-components listed by `list_key` (`interceptors = i1 i2`): keys
    /// `<prefix><name>.*` belong to the component of `kind` given by `<prefix><name>.type`.
    Named {
        kind: super::Kind,
        list_key: &'static str,
    },
    /// Keys checked by what the component's build reads (they have no table).
    ByBuild,
    /// Keys whose last part is a user-chosen name (`selector.mapping.<value>`,
    /// `processor.priority.<sink>`, `headers.<group>.<header>`): accepted as they are.
    UserNamed,
}

/// A family of keys sharing a prefix.
#[derive(Debug, Clone, Copy)]
pub struct Prefix {
    /// With the trailing dot: `kafka.producer.`.
    pub prefix: &'static str,
    pub sub: Sub,
    pub doc: &'static str,
    /// Whether keys under the prefix change anything here.
    pub status: Status,
}

impl Prefix {
    /// Keys under the prefix are accepted but change nothing here, because of `reason`.
    pub const fn no_effect(mut self, reason: &'static str) -> Prefix {
        self.status = Status::NoEffect(reason);
        self
    }

    pub const fn pass_through(prefix: &'static str, doc: &'static str) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::PassThrough,
            doc,
            status: Status::Applied,
        }
    }

    pub const fn user_named(prefix: &'static str, doc: &'static str) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::UserNamed,
            doc,
            status: Status::Applied,
        }
    }

    /// Named sub-components listed by `list_key` (see [`Sub::Named`]).
    pub const fn named(
        prefix: &'static str,
        kind: super::Kind,
        list_key: &'static str,
        doc: &'static str,
    ) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::Named { kind, list_key },
            doc,
            status: Status::Applied,
        }
    }

    /// Keys checked by what the build reads (see [`Sub::ByBuild`]).
    pub const fn by_build(prefix: &'static str, doc: &'static str) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::ByBuild,
            doc,
            status: Status::Applied,
        }
    }

    /// Keys of a fixed sub-table.
    pub const fn table(
        prefix: &'static str,
        table: &'static PropTable,
        doc: &'static str,
    ) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::Table(table),
            doc,
            status: Status::Applied,
        }
    }

    pub const fn typed(
        prefix: &'static str,
        kind: super::Kind,
        type_key: Option<&'static str>,
        default_type: Option<&'static str>,
        doc: &'static str,
    ) -> Prefix {
        Prefix {
            prefix,
            sub: Sub::Typed {
                kind,
                type_key,
                default_type,
            },
            doc,
            status: Status::Applied,
        }
    }
}

/// The keys of one component type.
#[derive(Debug)]
pub struct PropTable {
    pub props: &'static [Prop],
    pub prefixes: &'static [Prefix],
    /// Other tables whose keys this component also reads (shared groups of keys, e.g. the TLS
    /// keys of the Avro source and sink). A key the table declares itself replaces an
    /// included key of the same name (e.g. a component on which an included key has no effect).
    pub includes: &'static [&'static PropTable],
}

impl PropTable {
    pub const fn new(props: &'static [Prop]) -> PropTable {
        PropTable {
            props,
            prefixes: &[],
            includes: &[],
        }
    }

    pub const fn with_prefixes(mut self, prefixes: &'static [Prefix]) -> PropTable {
        self.prefixes = prefixes;
        self
    }

    pub const fn including(mut self, tables: &'static [&'static PropTable]) -> PropTable {
        self.includes = tables;
        self
    }

    pub const EMPTY: PropTable = PropTable::new(&[]);

    /// Every key, included tables' too, in declaration order.
    pub fn all(&self) -> Vec<&'static Prop> {
        let mut out: Vec<&'static Prop> = self.props.iter().collect();
        for t in self.includes {
            for p in t.all() {
                if !out.iter().any(|o| o.name == p.name) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Every prefix, included tables' too.
    pub fn all_prefixes(&self) -> Vec<&'static Prefix> {
        let mut out: Vec<&'static Prefix> = self.prefixes.iter().collect();
        for t in self.includes {
            out.extend(t.all_prefixes());
        }
        out
    }

    /// The key declared under `name` (current or legacy name).
    pub fn find(&self, name: &str) -> Option<&'static Prop> {
        self.all()
            .into_iter()
            .find(|p| p.names().any(|n| n == name))
    }

    /// Whether `key` is declared: a key of the table (current or legacy name) or under one of
    /// its prefixes.
    pub fn declares(&self, key: &str) -> bool {
        self.find(key).is_some() || self.prefix_of(key).is_some()
    }

    /// The key marked [`Prop::batch_size`], if any.
    pub fn batch_key(&self) -> Option<&'static Prop> {
        self.all().into_iter().find(|p| p.batch)
    }

    /// The longest prefix `key` starts with.
    pub fn prefix_of(&self, key: &str) -> Option<&'static Prefix> {
        self.all_prefixes()
            .into_iter()
            .filter(|p| key.starts_with(p.prefix))
            .max_by_key(|p| p.prefix.len())
    }
}
