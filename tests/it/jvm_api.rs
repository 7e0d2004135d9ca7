//! flume-rs-plugin-api.jar, our implementation of Flume's public plugin API (src/jvm/java):
//! built by build.sh; every public class's signatures compared with Flume 1.9's
//! (flume-1.9-signatures.txt); Java fixture plugins compiled against the jar and run on it by a
//! Java driver in a real JVM.

use crate::support;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn java_src() -> PathBuf {
    support::repo().join("src/jvm/java")
}

fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("jvm-api")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command and returns its stdout; panics with its output when it fails.
fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?}: {e} (a JDK is needed: openjdk-17-jdk-headless)")
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The API jar, built once per test run with build.sh.
fn api_jar() -> &'static Path {
    static JAR: OnceLock<PathBuf> = OnceLock::new();
    JAR.get_or_init(|| {
        let dir = work_dir("jar");
        sh(Command::new("sh")
            .arg(java_src().join("build.sh"))
            .arg(&dir));
        dir.join("flume-rs-plugin-api.jar")
    })
}

/// One class as signatures.sh prints it: its header and its members (key → declaration).
#[derive(Clone, Default)]
struct ClassSig {
    header: String,
    members: BTreeMap<String, String>,
}

fn parse_signatures(text: &str) -> BTreeMap<String, ClassSig> {
    let mut classes = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("class ") {
            current = Some(name.to_string());
            classes.insert(name.to_string(), ClassSig::default());
            continue;
        }
        let class = current
            .as_ref()
            .unwrap_or_else(|| panic!("line {}: member before any class", n + 1));
        let sig = classes.get_mut(class).unwrap();
        if let Some(header) = line.strip_prefix("  header ") {
            sig.header = header.to_string();
        } else {
            let (key, decl) = line
                .trim()
                .split_once(" | ")
                .unwrap_or_else(|| panic!("line {}: expected `key | declaration`: {line}", n + 1));
            sig.members.insert(key.to_string(), decl.to_string());
        }
    }
    classes
}

/// `<class> <key or "header"> | <declaration or "absent">` lines of signature-exceptions.txt.
fn parse_exceptions(text: &str) -> BTreeMap<(String, String), Option<String>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (left, ours) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("bad exception line: {l}"));
            let (class, key) = left
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad exception line: {l}"));
            let ours = (ours != "absent").then(|| ours.to_string());
            ((class.to_string(), key.to_string()), ours)
        })
        .collect()
}

/// Compares our classes with Flume's; returns the number of members (and headers) found
/// identical, and one line per difference not listed in `exceptions`. With `subset`, only
/// Flume's classes and members are required (ours may have more, exceptions may go unused).
fn compare_api(
    flume: &BTreeMap<String, ClassSig>,
    ours: &BTreeMap<String, ClassSig>,
    exceptions: &BTreeMap<(String, String), Option<String>>,
    subset: bool,
) -> (usize, Vec<String>) {
    let mut same = 0;
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    let mut missing_classes = Vec::new();
    let mut check = |class: &str, key: &str, theirs: Option<&String>, mine: Option<&String>| {
        if theirs == mine {
            same += 1;
            return;
        }
        let id = (class.to_string(), key.to_string());
        if exceptions
            .get(&id)
            .is_some_and(|allowed| allowed.as_ref() == mine)
        {
            used.insert(id);
            return;
        }
        problems.push(match (theirs, mine) {
            (Some(t), None) => format!("{class}: missing {key}  (Flume: `{t}`)"),
            (Some(t), Some(m)) => format!("{class}: {key} differs: Flume `{t}`, ours `{m}`"),
            (None, Some(m)) => format!("{class}: {key} is not in Flume 1.9: `{m}`"),
            (None, None) => unreachable!(),
        });
    };
    for (class, theirs) in flume {
        let Some(mine) = ours.get(class) else {
            missing_classes.push(format!("{class}: class missing from the jar"));
            continue;
        };
        check(class, "header", Some(&theirs.header), Some(&mine.header));
        for (key, decl) in &theirs.members {
            check(class, key, Some(decl), mine.members.get(key));
        }
        for (key, decl) in &mine.members {
            if !subset && !theirs.members.contains_key(key) {
                check(class, key, None, Some(decl));
            }
        }
    }
    problems.extend(missing_classes);
    if subset {
        return (same, problems);
    }
    for class in ours.keys().filter(|c| !flume.contains_key(*c)) {
        problems.push(format!(
            "{class}: public class not in flume-1.9-signatures.txt"
        ));
    }
    for (class, key) in exceptions.keys().filter(|k| !used.contains(*k)) {
        problems.push(format!(
            "signature-exceptions.txt: `{class} {key}` no longer applies"
        ));
    }
    (same, problems)
}

/// Our jar's public API, as signatures.sh prints it for every class in the jar.
fn our_signatures() -> BTreeMap<String, ClassSig> {
    let listing = sh(Command::new("jar").arg("tf").arg(api_jar()));
    let classes: Vec<String> = listing
        .lines()
        .filter_map(|l| l.strip_suffix(".class"))
        .map(|l| l.replace('/', "."))
        .collect();
    assert!(classes.len() > 50, "jar lists too few classes:\n{listing}");
    let text = sh(Command::new("sh")
        .arg(java_src().join("signatures.sh"))
        .arg(api_jar())
        .args(&classes));
    parse_signatures(&text)
}

#[test]
fn plugin_api_signatures_match_flume_1_9() {
    let flume = parse_signatures(
        &std::fs::read_to_string(java_src().join("flume-1.9-signatures.txt")).unwrap(),
    );
    let exceptions = parse_exceptions(
        &std::fs::read_to_string(java_src().join("signature-exceptions.txt")).unwrap(),
    );
    let ours = our_signatures();
    let (same, problems) = compare_api(&flume, &ours, &exceptions, false);
    assert!(
        problems.is_empty(),
        "{} differences from Flume 1.9's API:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let members: usize = flume.values().map(|c| c.members.len()).sum();
    eprintln!(
        "{} classes, {members} members: {same} identical (headers included), {} listed exceptions",
        flume.len(),
        exceptions.len()
    );
    assert!(
        flume.len() >= 80 && members >= 400,
        "reference file looks truncated"
    );

    // The comparison names the class and member of a change in our jar.
    let mut broken = ours.clone();
    let ctx = broken.get_mut("org.apache.flume.Context").unwrap();
    ctx.members
        .remove("getLong(Ljava/lang/String;)Ljava/lang/Long;");
    ctx.members.insert(
        "getString(Ljava/lang/String;)Ljava/lang/String;".into(),
        "public final java.lang.String getString(java.lang.String)".into(),
    );
    let (_, problems) = compare_api(&flume, &broken, &exceptions, false);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with(
        "org.apache.flume.Context: missing getLong(Ljava/lang/String;)Ljava/lang/Long;"
    ));
    assert!(problems[1].starts_with(
        "org.apache.flume.Context: getString(Ljava/lang/String;)Ljava/lang/String; differs"
    ));
}

/// Every member that Flume 1.6, 1.7, 1.8, 1.10 and 1.11 declare in these classes (taken from
/// their sources by update-release-signatures.sh) exists in the jar with the same declaration,
/// so plugins compiled against any of them link.
#[test]
fn plugin_api_covers_flume_1_6_to_1_11() {
    let exceptions = parse_exceptions(
        &std::fs::read_to_string(java_src().join("signature-exceptions.txt")).unwrap(),
    );
    let ours = our_signatures();
    let mut files: Vec<PathBuf> = std::fs::read_dir(java_src().join("releases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for version in ["1.6.0", "1.7.0", "1.8.0", "1.10.1", "1.11.0"] {
        let name = format!("flume-{version}-signatures.txt");
        assert!(names.contains(&name), "releases/{name} missing");
    }
    let mut report = Vec::new();
    for file in &files {
        let release = parse_signatures(&std::fs::read_to_string(file).unwrap());
        let members: usize = release.values().map(|c| c.members.len()).sum();
        assert!(
            release.len() >= 75 && members >= 380,
            "{} looks truncated",
            file.display()
        );
        let (same, problems) = compare_api(&release, &ours, &exceptions, true);
        assert!(
            problems.is_empty(),
            "{}: {} differences:\n{}",
            file.display(),
            problems.len(),
            problems.join("\n")
        );
        report.push(format!(
            "{}: {} classes, {members} members, {same} identical",
            file.display(),
            release.len()
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn plugin_api_jar_is_reproducible() {
    let again = work_dir("jar-again");
    sh(Command::new("sh")
        .arg(java_src().join("build.sh"))
        .arg(&again));
    let a = std::fs::read(api_jar()).unwrap();
    let b = std::fs::read(again.join("flume-rs-plugin-api.jar")).unwrap();
    assert!(a == b, "two builds of the API jar differ");
    // Only API classes are packed: no compile stubs.
    let listing = sh(Command::new("jar").arg("tf").arg(api_jar()));
    for line in listing.lines() {
        assert!(
            line.starts_with("META-INF/") || line.starts_with("org/apache/flume/"),
            "unexpected jar entry {line}"
        );
    }
}

/// Run-time jars the API's descriptors name (Debian: libguava-java, libservlet-api-java).
fn runtime_libs() -> Vec<PathBuf> {
    ["guava.jar", "servlet-api.jar"]
        .iter()
        .map(|jar| {
            let path = Path::new("/usr/share/java").join(jar);
            assert!(
                path.is_file(),
                "{} missing: install libguava-java and libservlet-api-java (.ci/apt-packages)",
                path.display()
            );
            path
        })
        .collect()
}

fn classpath(parts: &[&Path]) -> String {
    std::env::join_paths(parts).unwrap().into_string().unwrap()
}

fn java_sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "java") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no Java sources under {}", dir.display());
    out
}

/// `javac --release 8` of every source under `src` into a fresh `out`.
fn javac(src: &Path, classpath: &str, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    sh(Command::new("javac")
        .args([
            "--release",
            "8",
            "-Xlint:all,-options,-classfile,-path",
            "-Werror",
            "-encoding",
            "UTF-8",
        ])
        .arg("-cp")
        .arg(classpath)
        .arg("-d")
        .arg(out)
        .args(java_sources(src)));
}

const SCENARIOS: &[&str] = &[
    "context",
    "events",
    "interceptor",
    "selector",
    "transactions",
    "channel-utils",
    "pollable-source",
    "event-driven-source",
    "sink",
    "serializer",
    "http-handler",
    "sequence-file-serializer",
];

/// Runs the driver; asserts that every scenario passed.
fn run_driver(classpath: &str) {
    let out = Command::new("java")
        .arg("-cp")
        .arg(classpath)
        .arg("PluginDriver")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "PluginDriver failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for s in SCENARIOS {
        assert!(
            stdout.lines().any(|l| l == format!("PASS {s}")),
            "scenario {s} did not pass:\n{stdout}"
        );
    }
    let n = SCENARIOS.len();
    assert!(
        stdout.contains(&format!("{n} of {n} scenarios passed")),
        "{stdout}"
    );
}

/// Fixture plugins (an interceptor, an EventSerializer, a PollableSource, an event-driven
/// source, a Sink, an HTTPSourceHandler, a SequenceFileSerializer) compiled against the API jar
/// alone, loaded by class name and exercised by tests/java/driver/PluginDriver.java in a JVM
/// whose only Flume classes are the jar's.
#[test]
fn plugins_compiled_against_the_api_jar_run_on_it() {
    let dir = work_dir("compat");
    let libs = runtime_libs();
    let api = api_jar();
    let (plugins, driver) = (dir.join("plugins"), dir.join("driver"));
    let compile_cp = classpath(&[api, &libs[0], &libs[1]]);
    javac(
        &support::repo().join("tests/java/plugins"),
        &compile_cp,
        &plugins,
    );
    javac(
        &support::repo().join("tests/java/driver"),
        &classpath(&[api, &libs[0], &libs[1], &plugins]),
        &driver,
    );
    run_driver(&classpath(&[api, &libs[0], &libs[1], &plugins, &driver]));
}

/// A plugin compiled against Flume 1.10/1.11, where `Context.getParameters()` and
/// `getSubProperties` return `java.util.Map`, links against the jar's `Context`.
#[test]
fn plugins_built_for_flume_1_11_descriptors_link() {
    let dir = work_dir("compat-1.11");
    let libs = runtime_libs();
    let stub = dir.join("context-1.11");
    javac(
        &support::repo().join("tests/java/flume-1.11-context"),
        "",
        &stub,
    );
    let plugin = dir.join("plugin");
    javac(
        &support::repo().join("tests/java/plugins-1.11"),
        &classpath(&[&stub]),
        &plugin,
    );
    let javap = sh(Command::new("javap")
        .args(["-c", "-cp"])
        .arg(&plugin)
        .arg("com.example.flume.v111.MapContextCheck"));
    assert!(
        javap.contains(
            "org/apache/flume/Context.getSubProperties:(Ljava/lang/String;)Ljava/util/Map;"
        ),
        "fixture does not call the 1.11 descriptor:\n{javap}"
    );
    let out = sh(Command::new("java")
        .arg("-cp")
        .arg(classpath(&[api_jar(), &libs[0], &plugin]))
        .arg("com.example.flume.v111.MapContextCheck"));
    assert_eq!(
        out,
        "parameters={other=3, sub.a=1, sub.b=2}\nsub={a=1, b=2}\n"
    );
}

/// With `FLUME_19_LIB` pointing at a Flume 1.9 install's lib/ (not available in CI): the
/// fixtures compiled against Flume's own jars run on the API jar, and the fixtures and driver
/// compiled against the API jar run on Flume's jars (so the driver's expected values are
/// Flume's behaviour). Without the variable the test only says it was skipped.
#[test]
fn plugins_cross_compiled_with_real_flume_jars() {
    let Some(lib) = std::env::var_os("FLUME_19_LIB").map(PathBuf::from) else {
        eprintln!("FLUME_19_LIB not set: cross-check against real Flume 1.9 jars skipped");
        return;
    };
    let flume_cp = format!("{}/*", lib.display());
    let dir = work_dir("compat-flume");
    let libs = runtime_libs();
    let api = api_jar();
    let ours_cp = classpath(&[api, &libs[0], &libs[1]]);

    // Built against real Flume, run on ours.
    let flume_plugins = dir.join("flume-plugins");
    javac(
        &support::repo().join("tests/java/plugins"),
        &flume_cp,
        &flume_plugins,
    );
    let driver = dir.join("driver");
    javac(
        &support::repo().join("tests/java/driver"),
        &format!("{ours_cp}:{}", flume_plugins.display()),
        &driver,
    );
    run_driver(&format!(
        "{ours_cp}:{}:{}",
        flume_plugins.display(),
        driver.display()
    ));

    // Built against ours, run on real Flume.
    let our_plugins = dir.join("our-plugins");
    javac(
        &support::repo().join("tests/java/plugins"),
        &ours_cp,
        &our_plugins,
    );
    let our_driver = dir.join("our-driver");
    javac(
        &support::repo().join("tests/java/driver"),
        &format!("{ours_cp}:{}", our_plugins.display()),
        &our_driver,
    );
    run_driver(&format!(
        "{flume_cp}:{}:{}",
        our_plugins.display(),
        our_driver.display()
    ));
}
