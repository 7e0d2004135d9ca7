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
