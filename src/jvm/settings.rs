//! What the embedded JVM is started with, gathered the way Flume's launcher (`bin/flume-ng`)
//! gathers it: the classpath (`--conf`, `$FLUME_HOME/lib/*`, `-C`, `FLUME_CLASSPATH`,
//! `plugins.d`, `hadoop classpath`, `hbase classpath`, Hive and HCatalog), the native library
//! path and the JVM options (`JAVA_OPTS`/`FLUME_JAVA_OPTS` of `flume-env.sh`, then `-X…`/`-D…`
//! of the command line). Nothing here starts a JVM or needs one: these are paths and strings,
//! computed only when a configuration names a Java class.

use std::path::{Path, PathBuf};

/// Plugin directories the packages add after `--plugins-path` (or `$FLUME_HOME/plugins.d`).
pub const PACKAGE_PLUGIN_DIRS: &[&str] =
    &["/etc/flume-rs/plugins.d", "/usr/lib/flume-rs/plugins.d"];

/// Where Debian's `default-jre` puts its JVM: the last place looked at for Java.
pub const DEFAULT_JAVA: &str = "/usr/lib/jvm/default-java";

/// The launcher's inputs, as read from the command line, the environment and `flume-env.sh`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JavaSettings {
    /// `--conf` (made absolute).
    pub conf_dir: Option<PathBuf>,
    /// `$FLUME_HOME`, else the directory above the binary's directory.
    pub flume_home: Option<PathBuf>,
    /// `--classpath`/`-C` values, in order.
    pub classpath: Vec<String>,
    /// `--plugins-path` (colon-separated).
    pub plugins_path: Option<String>,
    /// `FLUME_CLASSPATH` after sourcing `flume-env.sh`.
    pub flume_classpath: Option<String>,
    /// `FLUME_JAVA_LIBRARY_PATH` after sourcing `flume-env.sh`.
    pub java_library_path: Option<String>,
    /// `JAVA_HOME` of the environment the agent was started in.
    pub java_home_env: Option<PathBuf>,
    /// `JAVA_HOME` after sourcing `flume-env.sh`, when the script set or changed it.
    pub java_home_env_sh: Option<PathBuf>,
    /// `JAVA_OPTS` and `FLUME_JAVA_OPTS` of `flume-env.sh` (default `-Xmx20m`, as the
    /// launcher's), then the `-X…`, `-D…` and agent options of the command line, in order.
    pub jvm_options: Vec<String>,
}

/// Values of `flume-env.sh` that matter to the JVM, read by sourcing it with bash as the
/// launcher does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSh {
    pub java_opts: Vec<String>,
    pub flume_classpath: Option<String>,
    pub java_library_path: Option<String>,
    pub java_home: Option<String>,
}

/// Source `<conf>/flume-env.sh` in bash (with `JAVA_OPTS=-Xmx20m` first, as the launcher
/// sets it) and read back what the JVM needs. Without the script: the launcher's defaults.
pub fn read_env_sh(conf_dir: Option<&Path>) -> EnvSh {
    let default = EnvSh {
        java_opts: vec!["-Xmx20m".to_string()],
        flume_classpath: non_empty(std::env::var("FLUME_CLASSPATH").ok()),
        java_library_path: non_empty(std::env::var("FLUME_JAVA_LIBRARY_PATH").ok()),
        java_home: non_empty(std::env::var("JAVA_HOME").ok()),
    };
    let Some(script) = conf_dir
        .map(|d| d.join("flume-env.sh"))
        .filter(|s| s.is_file())
    else {
        return default;
    };
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            "JAVA_OPTS=-Xmx20m; FLUME_JAVA_OPTS=; . \"$1\" >/dev/null 2>&1; \
             printf '%s\\0%s\\0%s\\0%s\\0%s\\0' \"$JAVA_OPTS\" \"$FLUME_JAVA_OPTS\" \
             \"$FLUME_CLASSPATH\" \"$FLUME_JAVA_LIBRARY_PATH\" \"$JAVA_HOME\"",
        )
        .arg("flume-env")
        .arg(&script)
        .output();
    let Ok(output) = output else {
        return default;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split('\0').collect();
    if fields.len() < 5 {
        return default;
    }
    EnvSh {
        java_opts: fields[0]
            .split_whitespace()
            .chain(fields[1].split_whitespace())
            .map(str::to_string)
            .collect(),
        flume_classpath: non_empty(Some(fields[2].to_string())),
        java_library_path: non_empty(Some(fields[3].to_string())),
        java_home: non_empty(Some(fields[4].to_string())),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// The classpath and native library path, resolved to files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classpath {
    /// Directories and jars, in the launcher's order, wildcards expanded.
    pub entries: Vec<PathBuf>,
    /// `java.library.path` entries (plugins' `native/`, `FLUME_JAVA_LIBRARY_PATH`).
    pub library_path: Vec<PathBuf>,
    /// The `plugins.d` directories looked at (for error messages).
    pub plugin_dirs: Vec<PathBuf>,
    /// Lines worth logging (hadoop found, …).
    pub notes: Vec<String>,
}

impl Classpath {
    /// True when the classpath holds Flume's own jars (an existing Java Flume install): the
    /// bundled plugin API jar is then not added.
    pub fn has_flume_jars(&self) -> bool {
        self.entries.iter().any(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name.starts_with("flume-ng-core-") || name.starts_with("flume-ng-sdk-"))
                && name.ends_with(".jar")
        })
    }

    pub fn joined(&self) -> String {
        join(&self.entries)
    }
}

pub fn join(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

impl JavaSettings {
    /// The `plugins.d` directories: `--plugins-path` or `$FLUME_HOME/plugins.d`, then the
    /// packages' directories.
    pub fn plugin_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = match &self.plugins_path {
            Some(p) => p
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => self
                .flume_home
                .iter()
                .map(|h| h.join("plugins.d"))
                .collect(),
        };
        for d in PACKAGE_PLUGIN_DIRS {
            let d = PathBuf::from(d);
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
        dirs
    }

    /// The classpath in `bin/flume-ng`'s order: conf dir, `$FLUME_HOME/lib/*`, `-C`,
    /// `FLUME_CLASSPATH`, every plugin's `lib/*`, then every plugin's `libext/*`, then
    /// `hadoop classpath`, `hbase classpath` and `$HBASE_HOME/conf`, `$HIVE_HOME/lib/*`,
    /// `$HCAT_HOME/share/hcatalog/*`.
    pub fn classpath(&self) -> Classpath {
        let mut cp = Classpath::default();
        let mut raw: Vec<String> = Vec::new();
        if let Some(conf) = &self.conf_dir {
            raw.push(conf.to_string_lossy().into_owned());
        }
        if let Some(home) = &self.flume_home {
            raw.push(format!("{}/lib/*", home.display()));
        }
        raw.extend(self.classpath.iter().cloned());
        raw.extend(self.flume_classpath.iter().cloned());
        let mut libs = Vec::new();
        let mut libexts = Vec::new();
        for dir in self.plugin_dirs() {
            cp.plugin_dirs.push(dir.clone());
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut plugins: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
            plugins.sort();
            for plugin in plugins {
                if plugin.join("lib").is_dir() {
                    libs.push(format!("{}/lib/*", plugin.display()));
                }
                if plugin.join("libext").is_dir() {
                    libexts.push(format!("{}/libext/*", plugin.display()));
                }
                if plugin.join("native").is_dir() {
                    cp.library_path.push(plugin.join("native"));
                }
            }
        }
        raw.extend(libs);
        raw.extend(libexts);
        let hadoop_home =
            std::env::var_os("HADOOP_HOME").or_else(|| std::env::var_os("HADOOP_PREFIX"));
        if let Some(out) = tool_classpath("hadoop", hadoop_home.as_deref().map(Path::new)) {
            cp.notes
                .push("Including Hadoop libraries found via (hadoop) for HDFS access".into());
            raw.push(out);
        }
        let hbase_home = std::env::var_os("HBASE_HOME").map(PathBuf::from);
        if let Some(out) = tool_classpath("hbase", hbase_home.as_deref()) {
            cp.notes
                .push("Including HBASE libraries found via (hbase) for HBASE access".into());
            raw.push(out);
            if let Some(h) = &hbase_home {
                raw.push(format!("{}/conf", h.display()));
            }
        }
        if let Some(hive) = std::env::var_os("HIVE_HOME").map(PathBuf::from)
            && hive.join("lib").is_dir()
        {
            raw.push(format!("{}/lib/*", hive.display()));
        }
        if let Some(hcat) = std::env::var_os("HCAT_HOME").map(PathBuf::from)
            && hcat.join("share/hcatalog").is_dir()
        {
            raw.push(format!("{}/share/hcatalog/*", hcat.display()));
        }
        for part in raw.iter().flat_map(|r| r.split(':')) {
            expand(part, &mut cp.entries);
        }
        if let Some(lp) = &self.java_library_path {
            cp.library_path
                .extend(lp.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
        }
        cp
    }
}

/// `<tool> classpath` when the tool is found in `<home>/bin` or on `PATH`.
fn tool_classpath(tool: &str, home: Option<&Path>) -> Option<String> {
    let candidate = home
        .map(|h| h.join("bin").join(tool))
        .filter(|p| p.is_file())
        .or_else(|| find_on_path(tool))?;
    let out = std::process::Command::new(candidate)
        .arg("classpath")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(line.trim().to_string())
}

pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// One classpath element: `dir/*` becomes the directory's jars (sorted, as the JVM's own
/// launcher expansion does not happen for an embedded JVM); anything else is kept as is.
fn expand(part: &str, out: &mut Vec<PathBuf>) {
    let part = part.trim();
    if part.is_empty() {
        return;
    }
    if let Some(dir) = part
        .strip_suffix("/*")
        .or_else(|| (part == "*").then_some("."))
    {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        let mut jars: Vec<PathBuf> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jar")))
            .collect();
        jars.sort();
        for j in jars {
            if !out.contains(&j) {
                out.push(j);
            }
        }
        return;
    }
    let p = PathBuf::from(part);
    if !out.contains(&p) {
        out.push(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launcher_order_and_wildcards() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("flume");
        std::fs::create_dir_all(home.join("lib")).unwrap();
        std::fs::write(home.join("lib/b.jar"), b"").unwrap();
        std::fs::write(home.join("lib/a.jar"), b"").unwrap();
        std::fs::write(home.join("lib/readme.txt"), b"").unwrap();
        let plugins = dir.path().join("plugins.d");
        for p in ["p2", "p1"] {
            std::fs::create_dir_all(plugins.join(p).join("lib")).unwrap();
            std::fs::write(plugins.join(p).join("lib").join(format!("{p}.jar")), b"").unwrap();
        }
        std::fs::create_dir_all(plugins.join("p1/libext")).unwrap();
        std::fs::write(plugins.join("p1/libext/dep.jar"), b"").unwrap();
        std::fs::create_dir_all(plugins.join("p1/native")).unwrap();
        let s = JavaSettings {
            conf_dir: Some(dir.path().join("conf")),
            flume_home: Some(home.clone()),
            classpath: vec!["/x/c.jar".into()],
            plugins_path: Some(plugins.to_string_lossy().into_owned()),
            flume_classpath: Some("/y/d.jar".into()),
            ..Default::default()
        };
        let cp = s.classpath();
        let names: Vec<String> = cp
            .entries
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| p.to_string_lossy().into_owned())
            })
            .collect();
        assert_eq!(
            names,
            [
                "conf",
                "flume/lib/a.jar",
                "flume/lib/b.jar",
                "/x/c.jar",
                "/y/d.jar",
                "plugins.d/p1/lib/p1.jar",
                "plugins.d/p2/lib/p2.jar",
                "plugins.d/p1/libext/dep.jar",
            ]
        );
        assert_eq!(cp.library_path, [plugins.join("p1/native")]);
        assert!(!cp.has_flume_jars());
        assert_eq!(cp.plugin_dirs[0], plugins);
        assert!(
            cp.plugin_dirs
                .iter()
                .any(|d| d == Path::new("/etc/flume-rs/plugins.d"))
        );
    }
}
