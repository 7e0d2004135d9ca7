//! What every component kind shares: the build environment, the runner status, build errors.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::{ConfigError, Context};
use crate::registry::{self, Kind, Resolution, Row};

/// What a component may need from the agent when it is built.
#[derive(Debug, Clone, Default)]
pub struct BuildEnv {
    pub agent: String,
    /// `--conf` directory (where `core-site.xml` and friends are found).
    pub conf_dir: Option<PathBuf>,
    /// `-D` system properties.
    pub sysprops: HashMap<String, String>,
}

/// Flume's `Status` for pollable sources and sinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ready,
    Backoff,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    /// The type names no built-in component: Flume cannot load the class and rejects the whole
    /// configuration.
    #[error("{0}")]
    UnknownType(ConfigError),
    /// `configure()` failed: Flume drops this component (and what hangs off it).
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// The registry row a component of `kind` is built from. A type no row names rejects the
/// whole configuration (Flume cannot load the class); one of Flume's types that flume-rs does
/// not run drops the component.
pub fn native_row(kind: Kind, type_name: &str, ctx: &Context) -> Result<&'static Row, BuildError> {
    match registry::resolve(kind, type_name) {
        Resolution::Native(row) => Ok(row),
        Resolution::NotNative(row) => Err(not_native(row, ctx)),
        Resolution::Unknown(name) => Err(BuildError::UnknownType(
            ctx.error("type", registry::unknown_type_message(kind, name)),
        )),
    }
}

/// The error for one of Flume's types that flume-rs does not run.
pub fn not_native(row: &Row, ctx: &Context) -> BuildError {
    BuildError::Config(ctx.error("type", registry::not_native_message(row)))
}

/// Run blocking work (starting the JVM, loading Java classes) from async code: on the
/// multi-thread runtime the worker hands its other tasks away first.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Declares a kind's native types, one word per module: emits each `pub mod` line and
/// `NATIVES`, the list of the `NATIVE` entries those modules declare (type name, property
/// table, constructor). A module holding several types lists them as `module { a, b }`,
/// each `module::a` declaring its own `NATIVE`. An attribute (`#[cfg(..)]`) before a word
/// applies to its module and its entries.
macro_rules! native_types {
    (@entries $module:ident) => { &[$module::NATIVE] };
    (@entries $module:ident { $($sub:ident),* }) => { &[$($module::$sub::NATIVE),*] };
    ($($(#[$attr:meta])* $module:ident $({ $($sub:ident),* $(,)? })?),* $(,)?) => {
        $($(#[$attr])* pub mod $module;)*

        /// The native types' entries, grouped by the module that declares them.
        const NATIVES: &[&[Native]] = &[
            $($(#[$attr])* $crate::component::native_types!(@entries $module $({ $($sub),* })?),)*
        ];

        /// Every native type's entry.
        pub fn natives() -> impl Iterator<Item = &'static Native> {
            NATIVES.iter().flat_map(|group| group.iter())
        }

        /// The native type named `name` (its registry row's name).
        pub fn native(name: &str) -> Option<&'static Native> {
            natives().find(|n| n.name == name)
        }
    };
}
pub(crate) use native_types;

/// Checks a kind's native entries against the registry: every entry's name is the name of a
/// row of `kind` marked native, and every such row has exactly one entry.
#[cfg(test)]
pub(crate) fn check_native_entries<'a>(kind: Kind, names: impl IntoIterator<Item = &'a str>) {
    let names: Vec<&str> = names.into_iter().collect();
    for name in &names {
        match registry::resolve(kind, name) {
            Resolution::Native(row) if row.name() == *name => {}
            other => panic!(
                "{kind:?} entry {name:?} is not the name of a native row: {:?}",
                other.row().map(Row::name)
            ),
        }
    }
    for row in registry::ROWS.iter().filter(|r| r.kind == kind && r.native) {
        let n = names.iter().filter(|n| **n == row.name()).count();
        assert_eq!(n, 1, "{kind:?} row {} has {n} native entries", row.name());
    }
}
