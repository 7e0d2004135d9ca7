//! Classes that no built-in type resolves, named where Flume loads a class by name (an
//! interceptor builder, an HTTP source handler, an event serializer): the one place where a
//! Java plugin host plugs in. [`load`] asks it; without a host in the build, or when the host
//! finds no such class, the answer is [`ClassNotFound`] and each caller applies Flume's rule
//! for where the class was named (reference §18 "A class that cannot be loaded"):
//!
//! | named as                        | Flume 1.9                                              |
//! |---------------------------------|--------------------------------------------------------|
//! | source / channel / sink `type`  | the whole configuration is rejected                    |
//! | interceptor builder             | "Builder class not found", the source is removed       |
//! | HTTP source `handler`           | "Error while configuring HTTPSource", source removed   |
//! | file_roll / hdfs serializer     | the sink starts; opening a file fails, events stay     |
//!
//! Component types (`type` of a source, channel or sink) are resolved by the registry, which
//! rejects the configuration when a type names no row and no hosted class.

use std::fmt;

/// Where the class was named, for messages and for the host (which adapter it would use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassRole {
    InterceptorBuilder,
    HttpHandler,
    Serializer,
}

impl fmt::Display for ClassRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClassRole::InterceptorBuilder => "interceptor builder",
            ClassRole::HttpHandler => "HTTP source handler",
            ClassRole::Serializer => "event serializer",
        })
    }
}

/// A class the plugin host loaded. This build has no host, so no value of it exists; a host
/// gives it variants (one per adapter) and the callers that match on it build the adapter.
#[derive(Debug)]
pub enum Hosted {}

/// Java's `ClassNotFoundException`, as Flume reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("java.lang.ClassNotFoundException: {class}")]
pub struct ClassNotFound {
    pub role: ClassRole,
    pub class: String,
}

/// Load `class` for `role` through the plugin host.
pub fn load(role: ClassRole, class: &str) -> Result<Hosted, ClassNotFound> {
    Err(ClassNotFound {
        role,
        class: class.trim().to_string(),
    })
}

/// True when `type_name` names a Java class (a dotted name) rather than an alias.
pub fn is_class_name(type_name: &str) -> bool {
    let t = type_name.trim();
    t.contains('.') && !t.starts_with('.') && !t.ends_with('.') && !t.contains(char::is_whitespace)
}
