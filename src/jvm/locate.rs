//! Finding `libjvm.so` without linking it: `JAVA_HOME` (of the environment, or as
//! `flume-env.sh` sets it), then `java` on `PATH`, then `/usr/lib/jvm/default-java`. Each
//! place looked at is remembered, so that "no JVM found" can say where it looked.

use std::path::{Path, PathBuf};

use super::settings::{DEFAULT_JAVA, JavaSettings, find_on_path};

/// Where `libjvm.so` sits under a Java home (JDK 9+, then JDK/JRE 8 layouts).
const LIBJVM_UNDER_HOME: &[&str] = &[
    "lib/server/libjvm.so",
    "jre/lib/amd64/server/libjvm.so",
    "lib/amd64/server/libjvm.so",
    "jre/lib/server/libjvm.so",
    "jre/lib/aarch64/server/libjvm.so",
    "lib/aarch64/server/libjvm.so",
    "lib/client/libjvm.so",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub libjvm: PathBuf,
    pub java_home: PathBuf,
    /// How it was found (`JAVA_HOME`, `java on PATH`, …).
    pub via: String,
}

/// The libjvm of a Java home, if it has one.
pub fn libjvm_of(home: &Path) -> Option<PathBuf> {
    LIBJVM_UNDER_HOME
        .iter()
        .map(|rel| home.join(rel))
        .find(|p| p.is_file())
}

/// Look for a JVM; on failure, the list of places looked at and why each failed.
pub fn find(settings: &JavaSettings) -> Result<Found, Vec<String>> {
    let mut looked = Vec::new();
    let from_env_sh = settings
        .java_home_env_sh
        .as_ref()
        .filter(|h| Some(*h) != settings.java_home_env.as_ref());
    let homes: [(&str, Option<&PathBuf>); 2] = [
        ("JAVA_HOME set in flume-env.sh", from_env_sh),
        ("JAVA_HOME", settings.java_home_env.as_ref()),
    ];
    for (what, home) in homes {
        match home {
            Some(home) => match libjvm_of(home) {
                Some(libjvm) => {
                    return Ok(Found {
                        libjvm,
                        java_home: home.clone(),
                        via: format!("{what}={}", home.display()),
                    });
                }
                None => looked.push(format!("{what}={}: no libjvm.so under it", home.display())),
            },
            None => looked.push(format!("{what}: not set")),
        }
    }
    match find_on_path("java") {
        Some(java) => {
            let real = std::fs::canonicalize(&java).unwrap_or(java.clone());
            let home = real.parent().and_then(Path::parent).map(Path::to_path_buf);
            match home.as_deref().and_then(|h| libjvm_of(h).map(|l| (h, l))) {
                Some((h, libjvm)) => {
                    return Ok(Found {
                        libjvm,
                        java_home: h.to_path_buf(),
                        via: format!("java on PATH ({})", real.display()),
                    });
                }
                None => looked.push(format!(
                    "java on PATH ({}): no libjvm.so beside it",
                    real.display()
                )),
            }
        }
        None => looked.push("java on PATH: not found".to_string()),
    }
    let default = std::env::var_os("FLUME_RS_DEFAULT_JAVA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_JAVA));
    match libjvm_of(&default) {
        Some(libjvm) => Ok(Found {
            libjvm,
            java_home: default.clone(),
            via: default.display().to_string(),
        }),
        None => {
            looked.push(format!("{}: no JVM there", default.display()));
            Err(looked)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_home_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let jdk8 = dir.path().join("jdk8");
        std::fs::create_dir_all(jdk8.join("jre/lib/amd64/server")).unwrap();
        std::fs::write(jdk8.join("jre/lib/amd64/server/libjvm.so"), b"").unwrap();
        assert_eq!(
            libjvm_of(&jdk8),
            Some(jdk8.join("jre/lib/amd64/server/libjvm.so"))
        );
        assert_eq!(libjvm_of(dir.path()), None);
        let s = JavaSettings {
            java_home_env: Some(dir.path().join("none")),
            java_home_env_sh: Some(jdk8.clone()),
            ..Default::default()
        };
        let found = find(&s).unwrap();
        assert_eq!(found.java_home, jdk8);
        assert!(found.via.starts_with("JAVA_HOME set in flume-env.sh"));
    }
}
