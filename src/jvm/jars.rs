//! The jars flume-rs brings to the JVM, built from `src/jvm/java/` by `build.rs` (with
//! `javac --release 8`) and embedded in the binary: the plugin API jar (Flume's public plugin
//! API, used when no Flume jars are on the classpath) and the bridge jar (always). They are
//! written once, named by content hash, to a cache directory at first use.

use std::path::{Path, PathBuf};

static API_JAR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jars/flume-rs-plugin-api.jar"));
static BRIDGE_JAR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jars/flume-rs-bridge.jar"));
static SLF4J_JAR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jars/flume-rs-slf4j.jar"));
static SLF4J2_JAR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jars/flume-rs-slf4j2.jar"));

pub const API_JAR_NAME: &str = "flume-rs-plugin-api.jar";
pub const BRIDGE_JAR_NAME: &str = "flume-rs-bridge.jar";
pub const SLF4J_JAR_NAME: &str = "flume-rs-slf4j.jar";
pub const SLF4J2_JAR_NAME: &str = "flume-rs-slf4j2.jar";

/// The bundled API jar, on disk; `Err` says why it is not available.
pub fn api_jar() -> Result<PathBuf, String> {
    extract(API_JAR_NAME, API_JAR)
}

/// The bundled bridge jar, on disk.
pub fn bridge_jar() -> Result<PathBuf, String> {
    extract(BRIDGE_JAR_NAME, BRIDGE_JAR)
}

/// The bundled slf4j 1.x binding (forwarding to the agent's log), on disk.
pub fn slf4j_jar() -> Result<PathBuf, String> {
    extract(SLF4J_JAR_NAME, SLF4J_JAR)
}

/// The bundled slf4j 2.x provider (the same forwarding loggers), on disk.
pub fn slf4j2_jar() -> Result<PathBuf, String> {
    extract(SLF4J2_JAR_NAME, SLF4J2_JAR)
}

fn cache_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("FLUME_RS_JAR_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        dirs.push(PathBuf::from(d).join("flume-rs/jars"));
    }
    if let Some(d) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(d).join(".cache/flume-rs/jars"));
    }
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    dirs.push(std::env::temp_dir().join(format!("flume-rs-{uid}/jars")));
    dirs
}

fn extract(name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    if bytes.is_empty() {
        return Err(format!(
            "{name} is not in this build of flume-ng (it was built without javac; install a JDK and rebuild)"
        ));
    }
    use md5::{Digest, Md5};
    let hash: String = Md5::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = format!("{hash}-{name}");
    let mut errors = Vec::new();
    for dir in cache_dirs() {
        let path = dir.join(&file);
        if std::fs::read(&path).is_ok_and(|b| b == bytes) {
            return Ok(path);
        }
        match write_atomically(&dir, &path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    Err(format!("cannot write {name}: {}", errors.join("; ")))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}",
        std::process::id(),
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
