//! What every component kind shares: the build environment, the runner status, build errors.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::ConfigError;

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
