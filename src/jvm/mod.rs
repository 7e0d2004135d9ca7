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
pub mod channel;
#[cfg(feature = "jvm")]
pub mod handler;
#[cfg(feature = "jvm")]
mod host;
#[cfg(feature = "jvm")]
pub mod interceptor;
#[cfg(feature = "jvm")]
mod jars;
#[cfg(feature = "jvm")]
pub mod jarscan;
#[cfg(feature = "jvm")]
mod log;
#[cfg(feature = "jvm")]
pub mod metrics;
#[cfg(feature = "jvm")]
pub mod serializer;
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

static NEEDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A configuration named a Java class that is loaded later (a serializer, at the first file).
pub fn note_needed() {
    NEEDED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// True when a JVM runs or a configured Java class will start one.
pub fn is_needed() -> bool {
    NEEDED.load(std::sync::atomic::Ordering::Relaxed) || {
        #[cfg(feature = "jvm")]
        {
            is_started()
        }
        #[cfg(not(feature = "jvm"))]
        {
            false
        }
    }
}

/// Kinds whose Java classes this build can host.
pub fn hosts(kind: crate::registry::Kind) -> bool {
    use crate::registry::Kind;
    cfg!(feature = "jvm") && matches!(kind, Kind::Sink | Kind::Source | Kind::Channel)
}

/// The Java class to host for a configured type of `kind`: a class name no built-in type
/// has, or one of Flume's types that flume-rs does not run natively (`elasticsearch`,
/// `hbase`, …) when Flume's own jars or that type's class are on the classpath. Native types
/// always win.
#[cfg(feature = "jvm")]
pub fn hosted_class(kind: crate::registry::Kind, type_name: &str) -> Option<String> {
    use crate::registry::{self, Resolution};
    if !hosts(kind) {
        return None;
    }
    match registry::resolve(kind, type_name) {
        Resolution::Native(_) => None,
        Resolution::Unknown(name) => is_class_name(name).then(|| name.to_string()),
        Resolution::NotNative(row) => {
            let classpath = planned_classpath();
            (classpath.has_flume_jars() || on_classpath(&classpath, row.class()))
                .then(|| row.class().to_string())
        }
    }
}

/// True when `class` is a file of the site's classpath (found without starting a JVM).
#[cfg(feature = "jvm")]
pub fn on_classpath(classpath: &settings::Classpath, class: &str) -> bool {
    let file = format!("{}.class", class.replace('.', "/"));
    jarscan::find(&classpath.entries, &[file.as_str()])[0]
}

pub use crate::plugin::is_class_name;
