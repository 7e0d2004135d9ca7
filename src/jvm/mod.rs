//! The embedded JVM plugin host: Java components a configuration names (custom interceptors,
//! sinks, sources, …) run unchanged in a JVM started inside the agent, while every built-in
//! type stays native.
//!
//! - [`settings`]: the classpath, library path and JVM options as Flume's launcher builds
//!   them; [`locate`]: where `libjvm.so` is (`JAVA_HOME`, `flume-env.sh`, `java` on `PATH`,
//!   `/usr/lib/jvm/default-java`). Both are plain Rust and always compiled.
//! - With the `jvm` feature: the JVM itself (loaded at run time with `libloading`, never
//!   linked, started only when a configuration names a Java class), the bridge protocol
//!   (whole batches per JNI call), and one adapter per hosted kind.

pub mod locate;
pub mod settings;

#[cfg(feature = "jvm")]
mod host;
#[cfg(feature = "jvm")]
pub mod interceptor;
#[cfg(feature = "jvm")]
mod jars;
#[cfg(feature = "jvm")]
mod log;
#[cfg(feature = "jvm")]
pub mod sink;
#[cfg(feature = "jvm")]
pub mod source;
#[cfg(feature = "jvm")]
pub mod wire;

#[cfg(feature = "jvm")]
pub use host::{JavaError, Jvm, JvmError, configure, get, is_started, planned_classpath};
pub use settings::JavaSettings;

/// Without the `jvm` feature there is nothing to configure.
#[cfg(not(feature = "jvm"))]
pub fn configure(_settings: JavaSettings) {}

/// True when `type_name` names a Java class (a dotted name) rather than an alias.
pub fn is_class_name(type_name: &str) -> bool {
    let t = type_name.trim();
    t.contains('.') && !t.starts_with('.') && !t.ends_with('.') && !t.contains(char::is_whitespace)
}
