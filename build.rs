//! Builds the Java side of the JVM plugin host (src/jvm/java/) when the `jvm` feature is on
//! and a JDK is found: the plugin API jar (`src/jvm/java/build.sh OUTDIR`) and the bridge jar,
//! both with `javac --release 8`. The binary embeds them (src/jvm/jars.rs). Without javac the
//! jars are left empty: the crate still builds, and the agent says the jars are absent when a
//! configuration needs Java.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/jvm/java");
    println!("cargo:rerun-if-env-changed=JAVA_HOME");
    println!("cargo:rerun-if-env-changed=JAVAC");
    println!("cargo:rerun-if-env-changed=FLUME_RS_API_CLASSPATH");
    println!("cargo:rerun-if-env-changed=FLUME_RS_API_JAR");
    println!("cargo:rerun-if-env-changed=FLUME_RS_NO_PIE");
    link_without_pie_if_asked();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let jars = out.join("jars");
    std::fs::create_dir_all(&jars).expect("create OUT_DIR/jars");
    let api = jars.join("flume-rs-plugin-api.jar");
    let bridge = jars.join("flume-rs-bridge.jar");
    let slf4j = jars.join("flume-rs-slf4j.jar");
    let slf4j2 = jars.join("flume-rs-slf4j2.jar");
    for jar in [&api, &bridge, &slf4j, &slf4j2] {
        let _ = std::fs::remove_file(jar);
    }
    if std::env::var_os("CARGO_FEATURE_JVM").is_some() {
        match find_javac() {
            Some(javac) => {
                build_jars(&javac, &jars, &api, &bridge);
                if bridge.exists() {
                    build_slf4j(&javac, &jars, &slf4j, &slf4j2);
                }
            }
            None => println!(
                "cargo:warning=javac not found (JAVAC, JAVA_HOME, PATH): the Java plugin jars are not built; Java plugins will not run"
            ),
        }
    }
    for jar in [&api, &bridge, &slf4j, &slf4j2] {
        if !jar.exists() {
            std::fs::write(jar, b"").expect("write empty jar placeholder");
        }
    }
}

/// `FLUME_RS_NO_PIE=1` at build time links `flume-ng` at a fixed address (`-no-pie`, Linux/glibc
/// only). The default stays a position-independent executable, as distributions build network
/// daemons (the executable's own address is then randomized too). The trade: as a PIE it
/// carries ~80 000 relative relocations (2 MB of `.rela.dyn`, read at every start) that the
/// loader applies to 2 MB of `.data.rel.ro` (tables of `&'static str`, vtables, panic
/// locations), which then stay resident as private copies: about 4 MiB of every agent's
/// resident memory, and a few milliseconds of start-up (docs/memory.md). Packed relative
/// relocations (`-z pack-relative-relocs`) would remove most of that cost but need glibc 2.36,
/// newer than the 2.28 the packages target.
fn link_without_pie_if_asked() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" && std::env::var("FLUME_RS_NO_PIE").as_deref() == Ok("1") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

fn find_javac() -> Option<PathBuf> {
    if let Some(j) = std::env::var_os("JAVAC") {
        return Some(PathBuf::from(j));
    }
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let j = PathBuf::from(home).join("bin/javac");
        if j.is_file() {
            return Some(j);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("javac"))
        .find(|p| p.is_file())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

fn java_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            java_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "java") {
            out.push(p);
        }
    }
}

fn build_jars(javac: &Path, jars: &Path, api: &Path, bridge: &Path) {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let java = root.join("src/jvm/java");
    let script = java.join("build.sh");
    let javac_dir = javac.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(prebuilt) = std::env::var_os("FLUME_RS_API_JAR").filter(|p| !p.is_empty()) {
        // A plugin API jar built elsewhere (same sources, or a site's own build of them).
        println!(
            "cargo:rerun-if-changed={}",
            PathBuf::from(&prebuilt).display()
        );
        if std::fs::copy(&prebuilt, api).is_err() {
            println!(
                "cargo:warning=FLUME_RS_API_JAR cannot be read: the plugin API jar is not built"
            );
        }
    } else if script.is_file() && java.join("api").is_dir() {
        let status = Command::new("bash")
            .arg(&script)
            .arg(jars)
            .env("PATH", path_with(&javac_dir))
            .status();
        if !matches!(status, Ok(s) if s.success()) || !api.exists() {
            println!("cargo:warning=src/jvm/java/build.sh failed: the plugin API jar is not built");
            let _ = std::fs::remove_file(api);
        }
    }
    // What the bridge compiles against: the API jar, or (to build against a site's Flume
    // jars instead) FLUME_RS_API_CLASSPATH.
    let compile_cp = match std::env::var("FLUME_RS_API_CLASSPATH") {
        Ok(cp) if !cp.is_empty() => cp,
        _ if api.exists() => api.display().to_string(),
        _ => {
            println!(
                "cargo:warning=no plugin API jar to compile the JVM bridge against: the bridge jar is not built"
            );
            return;
        }
    };
    let mut sources = Vec::new();
    java_files(&java.join("bridge"), &mut sources);
    let stubs = java.join("compile-only");
    let mut stub_sources = Vec::new();
    java_files(&stubs, &mut stub_sources);
    let classes = jars.join("bridge-classes");
    let stub_classes = jars.join("compile-only-classes");
    let _ = std::fs::remove_dir_all(&classes);
    let _ = std::fs::remove_dir_all(&stub_classes);
    std::fs::create_dir_all(&classes).expect("bridge classes dir");
    let mut cp = compile_cp.clone();
    if !stub_sources.is_empty() {
        // Interfaces the bridge is compiled against but never ships (the servlet API, log4j):
        // at run time they come from the site's classpath, when present.
        std::fs::create_dir_all(&stub_classes).expect("stub classes dir");
        let ok = Command::new(javac)
            .args(["--release", "8", "-nowarn", "-Xlint:-options", "-d"])
            .arg(&stub_classes)
            .args(&stub_sources)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("cargo:warning=compiling src/jvm/java/compile-only failed");
            return;
        }
        cp = format!("{cp}:{}", stub_classes.display());
    }
    let ok = Command::new(javac)
        .args([
            "--release",
            "8",
            "-Xlint:-options",
            "-encoding",
            "UTF-8",
            "-cp",
        ])
        .arg(&cp)
        .arg("-d")
        .arg(&classes)
        .args(&sources)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("cargo:warning=compiling the JVM bridge failed: the bridge jar is not built");
        return;
    }
    let jar_tool = javac_dir.join("jar");
    let ok = Command::new(&jar_tool)
        .arg("cf")
        .arg(bridge)
        .arg("-C")
        .arg(&classes)
        .arg(".")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("cargo:warning=`jar` failed: the bridge jar is not built");
        let _ = std::fs::remove_file(bridge);
    }
}

/// The slf4j 1.x binding (src/jvm/java/slf4j/) and the slf4j 2.x provider (src/jvm/java/slf4j2/,
/// the same loggers and a `META-INF/services` entry), compiled against the bridge's classes and
/// the compile-only slf4j stand-ins; one of them is added to the classpath only when a site
/// brings slf4j-api (1.x or 2.x) without a binding.
fn build_slf4j(javac: &Path, jars: &Path, out: &Path, out2: &Path) {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let java = root.join("src/jvm/java");
    let mut stubs = Vec::new();
    java_files(&java.join("slf4j-stubs"), &mut stubs);
    let mut sources = Vec::new();
    java_files(&java.join("slf4j"), &mut sources);
    if sources.is_empty() {
        return;
    }
    let stub_classes = jars.join("slf4j-stub-classes");
    let classes = jars.join("slf4j-classes");
    let _ = std::fs::remove_dir_all(&stub_classes);
    let _ = std::fs::remove_dir_all(&classes);
    std::fs::create_dir_all(&stub_classes).expect("slf4j stub classes dir");
    std::fs::create_dir_all(&classes).expect("slf4j classes dir");
    let ok = Command::new(javac)
        .args(["--release", "8", "-nowarn", "-Xlint:-options", "-d"])
        .arg(&stub_classes)
        .args(&stubs)
        .status()
        .is_ok_and(|s| s.success());
    let cp = format!(
        "{}:{}",
        jars.join("bridge-classes").display(),
        stub_classes.display()
    );
    let ok = ok
        && Command::new(javac)
            .args([
                "--release",
                "8",
                "-Xlint:-options",
                "-encoding",
                "UTF-8",
                "-cp",
            ])
            .arg(&cp)
            .arg("-d")
            .arg(&classes)
            .args(&sources)
            .status()
            .is_ok_and(|s| s.success());
    let jar_tool = javac.parent().map(|d| d.join("jar")).unwrap_or_default();
    let ok = ok
        && Command::new(&jar_tool)
            .arg("cf")
            .arg(out)
            .arg("-C")
            .arg(&classes)
            .arg(".")
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        println!("cargo:warning=compiling the slf4j binding failed: it is not built");
        let _ = std::fs::remove_file(out);
        return;
    }
    // slf4j 2.x: the provider, the same loggers (not the 1.x binder) and the service entry.
    let mut sources2 = Vec::new();
    java_files(&java.join("slf4j2"), &mut sources2);
    let classes2 = jars.join("slf4j2-classes");
    let _ = std::fs::remove_dir_all(&classes2);
    std::fs::create_dir_all(&classes2).expect("slf4j2 classes dir");
    let cp2 = format!("{cp}:{}", classes.display());
    let ok = Command::new(javac)
        .args([
            "--release",
            "8",
            "-Xlint:-options",
            "-encoding",
            "UTF-8",
            "-cp",
        ])
        .arg(&cp2)
        .arg("-d")
        .arg(&classes2)
        .args(&sources2)
        .status()
        .is_ok_and(|s| s.success());
    let ok = ok
        && Command::new(&jar_tool)
            .arg("cf")
            .arg(out2)
            .arg("-C")
            .arg(&classes)
            .arg("org/flumers")
            .arg("-C")
            .arg(&classes2)
            .arg(".")
            .arg("-C")
            .arg(java.join("slf4j2"))
            .arg("META-INF/services")
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        println!("cargo:warning=compiling the slf4j 2.x provider failed: it is not built");
        let _ = std::fs::remove_file(out2);
    }
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap_or_default()
}
