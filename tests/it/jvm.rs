//! Java plugins hosted in the embedded JVM, through the real `flume-ng`: the fixture plugins
//! of tests/java/host-plugins/ are compiled here with `javac --release 8` against the plugin API
//! jar this build embeds, and installed in a `plugins.d` folder as a site would. Expected
//! outputs follow from each plugin's logic and Flume's rules (checked once against Java Flume
//! 1.9 running the same plugin), never from our own output.
//!
//! `FLUME_RS_TEST_FLUME_LIB=<Flume's lib dir>` compiles and runs the fixtures against a real
//! Flume install's jars instead (the same tests, Flume's own API classes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::support::*;

/// The plugin API jar `build.rs` built and the binary embeds.
fn api_jar() -> PathBuf {
    PathBuf::from(concat!(env!("OUT_DIR"), "/jars/flume-rs-plugin-api.jar"))
}

/// Where Debian installs Java libraries.
pub const SYSTEM_JARS: &str = "/usr/share/java";
const SYSTEM_COMPILE_JARS: &[&str] = &[
    "servlet-api.jar",
    "guava.jar",
    "slf4j-api.jar",
    "log4j-1.2.jar",
];

fn flume_lib() -> Option<PathBuf> {
    std::env::var_os("FLUME_RS_TEST_FLUME_LIB").map(PathBuf::from)
}

/// `plugins.d` holding `fixtures/lib/fixtures.jar`, compiled once per test run.
pub fn plugins_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under target/ (rebuilt by each test run), not left behind in /tmp.
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jvm-host-fixtures");
        let _ = std::fs::remove_dir_all(&root);
        let classes = root.join("classes");
        let lib = root.join("plugins.d/fixtures/lib");
        std::fs::create_dir_all(&classes).unwrap();
        std::fs::create_dir_all(&lib).unwrap();
        let mut compile_cp = match flume_lib() {
            Some(l) => format!("{}/*", l.display()),
            None => {
                let api = api_jar();
                assert!(
                    std::fs::metadata(&api)
                        .map(|m| m.len() > 0)
                        .unwrap_or(false),
                    "{} is empty: this build has no plugin API jar (javac missing at build time?)",
                    api.display()
                );
                api.display().to_string()
            }
        };
        // Third-party APIs some fixtures compile against (the servlet API for the HTTP
        // handler, Guava, slf4j, log4j 1.x): Debian's jars (.ci/apt-packages).
        for jar in SYSTEM_COMPILE_JARS {
            let path = Path::new(SYSTEM_JARS).join(jar);
            assert!(
                path.is_file(),
                "{} missing (see .ci/apt-packages)",
                path.display()
            );
            compile_cp.push(':');
            compile_cp.push_str(&path.display().to_string());
        }
        let mut sources = Vec::new();
        collect_java(&repo().join("tests/java/host-plugins"), &mut sources);
        let out = Command::new("javac")
            .args([
                "--release",
                "8",
                "-Xlint:-options",
                "-encoding",
                "UTF-8",
                "-cp",
            ])
            .arg(&compile_cp)
            .arg("-d")
            .arg(&classes)
            .args(&sources)
            .output()
            .expect("run javac");
        assert!(
            out.status.success(),
            "javac failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status = Command::new("jar")
            .arg("cf")
            .arg(lib.join("fixtures.jar"))
            .arg("-C")
            .arg(&classes)
            .arg(".")
            .status()
            .expect("run jar");
        assert!(status.success());
        root.join("plugins.d")
    })
}

fn collect_java(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_java(&p, out);
        } else if p.extension().is_some_and(|x| x == "java") {
            out.push(p);
        }
    }
}

/// `flume-ng agent` with the fixtures' plugins.d (and Flume's lib when testing against it).
pub fn start_agent(name: &str, conf: &Path, extra: &[&str]) -> Agent {
    let plugins = plugins_dir().display().to_string();
    let mut args: Vec<String> = vec!["--plugins-path".into(), plugins];
    if let Some(l) = flume_lib() {
        args.push("-C".into());
        args.push(format!("{}/*", l.display()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Agent::start(name, conf, &refs)
}

fn files_text(dir: &Path) -> String {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

fn interceptor_conf(tmp: &Path, input: &str, interceptor_type: &str) -> PathBuf {
    let input_file = tmp.join("in.txt");
    std::fs::write(&input_file, input).unwrap();
    let out = tmp.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = tmp.join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = exec\na1.sources.r1.command = cat {}\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = i1 t\n\
             a1.sources.r1.interceptors.i1.type = {interceptor_type}\n\
             a1.sources.r1.interceptors.i1.header = u\n\
             a1.sources.r1.interceptors.t.type = static\na1.sources.r1.interceptors.t.key = k\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = header_and_text\n",
            input_file.display(),
            out.display()
        ),
    );
    conf
}

const UPPER: &str = "com.example.hosted.UpperCaseInterceptor$Builder";

/// A Java interceptor chained with a native one, in config order: bodies upper-cased, its
/// header added (with the `header` key it was configured with), "drop" dropped (null), then
/// the static interceptor's header. header_and_text prints the headers in Java HashMap order
/// (`u` before `k` in any table size), as Java Flume 1.9 writes this pipeline.
#[test]
fn java_interceptor_chained_with_native_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = interceptor_conf(tmp.path(), "alpha\ndrop\nBeta gamma\n", UPPER);
    let mut agent = start_agent("a1", &conf, &[]);
    let out = tmp.path().join("out");
    eventually(Duration::from_secs(30), "two events written", || {
        files_text(&out).lines().count() >= 2
    });
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        files_text(&out),
        "{u=yes, k=value} ALPHA\n{u=yes, k=value} BETA GAMMA\n",
        "{}",
        agent.log()
    );
    let log = agent.log();
    assert!(log.contains("JVM started"), "{log}");
}

/// An exception in a Java interceptor fails the batch back to the source (nothing of it is
/// written) and is logged with its Java stack trace.
#[test]
fn java_interceptor_exception_fails_the_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = interceptor_conf(tmp.path(), "boom\n", UPPER);
    let agent = start_agent("a1", &conf, &[]);
    agent.wait_for("boom in the interceptor", Duration::from_secs(30));
    agent.wait_for(
        "at com.example.hosted.UpperCaseInterceptor.intercept",
        Duration::from_secs(5),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(files_text(&tmp.path().join("out")), "", "{}", agent.log());
}

/// A builder class that is on no classpath: the source is removed (Flume's "Builder class not
/// found"), the error names the class and where it was searched, the rest of the agent runs.
#[test]
fn missing_interceptor_class_removes_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = interceptor_conf(tmp.path(), "x\n", "com.example.hosted.Missing$Builder");
    let agent = start_agent("a1", &conf, &[]);
    agent.wait_for("Starting Sink k1", Duration::from_secs(30));
    let log = agent.log();
    assert!(
        log.contains("class com.example.hosted.Missing$Builder not found on the Java classpath"),
        "{log}"
    );
    assert!(log.contains("plugins.d folders:"), "{log}");
    assert!(log.contains("fixtures.jar"), "{log}");
    assert!(log.contains("a.conf:8"), "{log}");
    assert!(log.contains("Source r1 has been removed"), "{log}");
    assert!(!log.contains("Starting Source r1"), "{log}");
}

/// No Java anywhere: the error names the class, the key (file:line), every place looked at
/// and how to point to a JVM; the source is removed, nothing panics.
#[test]
fn no_java_on_the_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = interceptor_conf(tmp.path(), "x\n", UPPER);
    let mut cmd = Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .env_remove("JAVA_HOME")
        .env("PATH", tmp.path().join("no-bin"))
        .env("FLUME_RS_DEFAULT_JAVA", tmp.path().join("no-java"));
    let agent = Agent::spawn(cmd);
    agent.wait_for("Starting Sink k1", Duration::from_secs(30));
    let log = agent.log();
    for needle in [
        "a.conf:8",
        "com.example.hosted.UpperCaseInterceptor$Builder",
        "no Java runtime found",
        "JAVA_HOME: not set",
        "java on PATH: not found",
        "no-java: no JVM there",
        "point to one with JAVA_HOME",
        "Source r1 has been removed",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
    assert!(!log.contains("panicked"), "{log}");
}

fn maps_and_threads(pid: u32) -> (String, Vec<String>, u64) {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|r| {
            r.flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                .map(|c| c.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (maps, threads, rss_kb)
}

fn is_jvm_thread(name: &str) -> bool {
    [
        "VM Thread",
        "GC Thread",
        "C1 CompilerThre",
        "C2 CompilerThre",
        "Finalizer",
        "Reference Handl",
    ]
    .iter()
    .any(|t| name.starts_with(t))
}

/// A configuration of built-in types only starts no JVM: libjvm is not even mapped and no JVM
/// thread exists, while the same agent with a Java interceptor has both (and more RSS).
#[test]
fn builtin_only_configuration_starts_no_jvm() {
    let tmp = tempfile::tempdir().unwrap();
    let native = tmp.path().join("native.conf");
    write(
        &native,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
         a1.sources.r1.interceptors = t\na1.sources.r1.interceptors.t.type = timestamp\n\
         a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n",
    );
    let agent = start_agent("a1", &native, &["-Xmx64m"]);
    agent.wait_for("Starting Source r1", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1500));
    let (maps, threads, native_rss) = maps_and_threads(agent.child.id());
    assert!(!maps.contains("libjvm"), "libjvm mapped:\n{maps}");
    assert!(
        !threads.iter().any(|t| is_jvm_thread(t)),
        "JVM threads: {threads:?}"
    );
    drop(agent);

    let java = tmp.path().join("java.conf");
    write(
        &java,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = u\na1.sources.r1.interceptors.u.type = {UPPER}\n\
             a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n"
        ),
    );
    let agent = start_agent("a1", &java, &["-Xmx64m"]);
    agent.wait_for("Starting Source r1", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1500));
    let (maps, threads, java_rss) = maps_and_threads(agent.child.id());
    assert!(
        maps.contains("libjvm"),
        "libjvm not mapped with a Java interceptor"
    );
    assert!(
        threads.iter().any(|t| is_jvm_thread(t)),
        "no JVM threads with a Java interceptor: {threads:?}"
    );
    assert!(
        java_rss > native_rss + 10 * 1024,
        "RSS without JVM {native_rss} kB, with {java_rss} kB"
    );
}

fn numbers(n: usize) -> String {
    (0..n).map(|i| format!("{i}\n")).collect()
}

const FLAKY: &str = "com.example.hosted.FlakySink";

/// A Java sink whose first transaction throws EventDeliveryException (after rolling back):
/// the events return to the channel head, the runner backs off as Flume's SinkRunner does, and
/// the sink then delivers every event exactly once, in order. The sink's transactions are
/// served from batches fetched from our channel; what it does not take stays for its next one.
#[test]
fn java_sink_delivery_exception_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.txt");
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 50\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = {FLAKY}\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.file = {}\na1.sinks.k1.batchSize = 7\na1.sinks.k1.failTimes = 1\n",
            out.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(40), "50 events delivered", || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.lines().count() >= 50)
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), numbers(50), "{log}");
    assert!(log.contains("destination refused a batch of 7"), "{log}");
    assert!(
        log.contains("at com.example.hosted.FlakySink.process"),
        "{log}"
    );
    assert!(log.contains("Unable to deliver event"), "{log}");
}

/// Under a failover group a Java sink that always fails hands over to the next sink: every
/// event reaches the backup (a native file_roll) exactly once, in order; none reaches the
/// Java sink's file.
#[test]
fn java_sink_under_failover() {
    let tmp = tempfile::tempdir().unwrap();
    let java_out = tmp.path().join("java.txt");
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1 k2\na1.sinkgroups = g1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 30\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = {FLAKY}\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.file = {}\na1.sinks.k1.batchSize = 4\na1.sinks.k1.failTimes = -1\n\
             a1.sinks.k2.type = file_roll\na1.sinks.k2.channel = c1\n\
             a1.sinks.k2.sink.directory = {}\na1.sinks.k2.sink.rollInterval = 0\n\
             a1.sinkgroups.g1.sinks = k1 k2\na1.sinkgroups.g1.processor.type = failover\n\
             a1.sinkgroups.g1.processor.priority.k1 = 10\na1.sinkgroups.g1.processor.priority.k2 = 5\n",
            java_out.display(),
            roll.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(40), "30 events at the backup", || {
        files_text(&roll).lines().count() >= 30
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(files_text(&roll), numbers(30), "{log}");
    assert_eq!(
        std::fs::read_to_string(&java_out).unwrap_or_default(),
        "",
        "{log}"
    );
    assert!(log.contains("destination refused a batch of 4"), "{log}");
}

/// A Java pollable source feeding our channel processor: a native interceptor runs on its
/// events, the multiplexing selector routes on the header it set, and when a required channel
/// refuses (c2 holds one event) Flume's ChannelException reaches the source, which counts it
/// (the `refused` header of its later events).
#[test]
fn java_pollable_source_through_our_channel_processor() {
    let tmp = tempfile::tempdir().unwrap();
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1 c2\na1.sinks = k1\n\
             a1.sources.r1.type = com.example.hosted.WordsSource\na1.sources.r1.channels = c1 c2\n\
             a1.sources.r1.words = a,!,b,!,c\na1.sources.r1.batch = 1\n\
             a1.sources.r1.backoffIncrement = 100\na1.sources.r1.maxBackoff = 200\n\
             a1.sources.r1.interceptors = t\na1.sources.r1.interceptors.t.type = static\n\
             a1.sources.r1.interceptors.t.key = src\na1.sources.r1.interceptors.t.value = words\n\
             a1.sources.r1.selector.type = multiplexing\na1.sources.r1.selector.header = dest\n\
             a1.sources.r1.selector.mapping.full = c2\na1.sources.r1.selector.default = c1\n\
             a1.channels.c1.type = memory\n\
             a1.channels.c2.type = memory\na1.channels.c2.capacity = 1\na1.channels.c2.transactionCapacity = 1\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = header_and_text\n",
            roll.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(30), "three events", || {
        files_text(&roll).lines().count() >= 3
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    // HashMap order of {refused, src} in a 4-slot table (1 header copied by EventBuilder,
    // then one put): refused (bucket 0) before src (bucket 1).
    assert_eq!(
        files_text(&roll),
        "{src=words} a\n{src=words} b\n{refused=1, src=words} c\n",
        "{log}"
    );
    assert!(
        log.contains("com.example.hosted.WordsSource loaded (pollable)"),
        "{log}"
    );
}

/// A Java event-driven source: its own thread sends events one by one through
/// `processEvent` between start() and stop().
#[test]
fn java_event_driven_source() {
    let tmp = tempfile::tempdir().unwrap();
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = com.example.hosted.TickSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.count = 5\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n",
            roll.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(30), "five events", || {
        files_text(&roll).lines().count() >= 5
    });
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        files_text(&roll),
        "tick-0\ntick-1\ntick-2\ntick-3\ntick-4\n",
        "{}",
        agent.log()
    );
}

/// A source type that is a class on no classpath rejects the whole configuration (Flume 1.9:
/// "A fatal error occurred while running"), naming the class and where it was searched.
#[test]
fn missing_source_class_rejects_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = com.example.hosted.NoSuchSource\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n",
    );
    let mut agent = start_agent("a1", &conf, &[]);
    let start = std::time::Instant::now();
    // The agent ends (nothing of the configuration runs).
    loop {
        if let Ok(Some(_)) = agent.child.try_wait() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{}", agent.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let log = agent.log();
    assert!(
        log.contains("A fatal error occurred while running"),
        "{log}"
    );
    assert!(
        log.contains(
            "source class com.example.hosted.NoSuchSource not found on the Java classpath"
        ),
        "{log}"
    );
    assert!(!log.contains("Starting Channel c1"), "{log}");
}

/// A Java event serializer for file_roll: built per file with its `sink.serializer.` keys;
/// its afterCreate, per-event and beforeClose bytes land in the file in order.
#[test]
fn java_serializer_for_file_roll() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.txt");
    std::fs::write(&input, "alpha\nbeta\n").unwrap();
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = exec\na1.sources.r1.command = cat {}\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = t\na1.sources.r1.interceptors.t.type = static\n\
             a1.sources.r1.interceptors.t.key = k\na1.sources.r1.interceptors.t.value = v\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = com.example.hosted.CsvSerializer$Builder\n\
             a1.sinks.k1.sink.serializer.delimiter = ;\n",
            input.display(),
            roll.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(30), "two lines", || {
        files_text(&roll).lines().count() >= 3
    });
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        files_text(&roll),
        "# csv\nv;alpha\nv;beta\n# end\n",
        "{}",
        agent.log()
    );
}

/// `flume-ng validate` resolves Java classes as the agent does (it starts a JVM for that):
/// plugins found in plugins.d are fine, a missing sink class is Flume's whole-configuration
/// failure, with the class and the class path searched.
#[test]
fn validate_resolves_java_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("a.conf");
    let text = format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = com.example.hosted.WordsSource\na1.sources.r1.channels = c1\n\
         a1.sources.r1.interceptors = i1\na1.sources.r1.interceptors.i1.type = {UPPER}\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = {FLAKY}\na1.sinks.k1.channel = c1\na1.sinks.k1.file = {}\n",
        tmp.path().join("out.txt").display()
    );
    write(&conf, &text);
    let plugins = plugins_dir().display().to_string();
    let conf_s = conf.display().to_string();
    let mut args = vec![
        "validate",
        "-n",
        "a1",
        "-f",
        &conf_s,
        "--plugins-path",
        &plugins,
    ];
    let lib;
    if let Some(l) = flume_lib() {
        lib = format!("{}/*", l.display());
        args.extend(["-C", &lib]);
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("OK: Flume would run every component"),
        "{out}{err}"
    );

    write(&conf, &text.replace(FLAKY, "com.example.hosted.NoSuchSink"));
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("sink class com.example.hosted.NoSuchSink not found on the Java classpath"),
        "{out}{err}"
    );
    assert!(out.contains("a.conf:9"), "{out}{err}");
    assert!(out.contains("fixtures.jar"), "{out}{err}");
}

/// A Java sink's SinkCounter (Flume's JMX MBean) is in our /metrics JSON under the sink's
/// name, and its java.util.logging output reaches the agent's log with the logger name.
#[test]
fn java_sink_counters_and_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
         a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 40\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n\
         a1.sinks.k1.type = com.example.hosted.CountingSink\na1.sinks.k1.channel = c1\n\
         a1.sinks.k1.batchSize = 10\na1.sinks.k1.logEvery = 40\n",
    );
    let port = free_port();
    let port_arg = format!("-Dflume.monitoring.port={port}");
    let mut agent = start_agent("a1", &conf, &["-Dflume.monitoring.type=http", &port_arg]);
    let mut json = serde_json::Value::Null;
    eventually(Duration::from_secs(30), "40 events counted", || {
        let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        drop(s);
        let (status, _, body) = http("GET", port, "/metrics", None, b"");
        json = serde_json::from_slice(&body).unwrap_or_default();
        status == 200 && json["SINK.k1"]["EventDrainSuccessCount"] == "40"
    });
    let sink = &json["SINK.k1"];
    assert_eq!(sink["Type"], "SINK", "{json}");
    assert_eq!(sink["EventDrainAttemptCount"], "40", "{json}");
    assert!(
        sink["BatchCompleteCount"]
            .as_str()
            .is_some_and(|c| c.parse::<u64>().unwrap() >= 4),
        "{json}"
    );
    agent.wait_for("counted 40 events", Duration::from_secs(10));
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    let line = log
        .lines()
        .find(|l| l.contains("counted 40 events"))
        .unwrap_or_default();
    assert!(line.contains("com.example.hosted.CountingSink"), "{log}");
}

/// The same Java serializer for the hdfs sink (DataStream): one serializer per file, the
/// `serializer.` keys, its header, lines and trailer in the closed file.
#[test]
fn java_serializer_for_hdfs_data_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.txt");
    std::fs::write(&input, "alpha\nbeta\n").unwrap();
    let out = tmp.path().join("hdfs");
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = exec\na1.sources.r1.command = cat {}\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = t\na1.sources.r1.interceptors.t.type = static\n\
             a1.sources.r1.interceptors.t.key = k\na1.sources.r1.interceptors.t.value = v\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = hdfs\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.hdfs.path = file://{}\na1.sinks.k1.hdfs.fileType = DataStream\n\
             a1.sinks.k1.hdfs.rollCount = 0\na1.sinks.k1.hdfs.rollInterval = 0\n\
             a1.sinks.k1.hdfs.rollSize = 0\na1.sinks.k1.hdfs.batchSize = 2\n\
             a1.sinks.k1.serializer = com.example.hosted.CsvSerializer$Builder\n\
             a1.sinks.k1.serializer.delimiter = |\n",
            input.display(),
            out.display()
        ),
    );
    let mut agent = start_agent("a1", &conf, &[]);
    // The file is closed (renamed from .tmp, beforeClose written) when the agent stops: a
    // count roll happens only when a third event arrives, as in Flume's BucketWriter.
    let closed = || -> Option<String> {
        let entries: Vec<PathBuf> = std::fs::read_dir(&out)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| !p.to_string_lossy().ends_with(".tmp"))
            .collect();
        (entries.len() == 1).then(|| std::fs::read_to_string(&entries[0]).unwrap_or_default())
    };
    agent.wait_for("Creating file://", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        closed().unwrap_or_default(),
        "# csv\nv|alpha\nv|beta\n# end\n",
        "{}",
        agent.log()
    );
}

/// A reload restarts a Java source only when its own properties change: a reload that changes
/// another source leaves it running (its events are not sent again), one that changes its
/// `prefix` restarts it with the new value.
#[test]
fn reload_keeps_an_unchanged_java_source_running() {
    let tmp = tempfile::tempdir().unwrap();
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    let config = |prefix: &str, other: &str| {
        format!(
            "a1.sources = r1 r2\na1.channels = c1 c2\na1.sinks = k1 k2\n\
             a1.sources.r1.type = com.example.hosted.TickSource\na1.sources.r1.channels = c1\n\
             a1.sources.r1.count = 5\na1.sources.r1.prefix = {prefix}\n\
             a1.sources.r2.type = seq\na1.sources.r2.totalEvents = 1\na1.sources.r2.channels = c2\n\
             a1.sources.r2.interceptors = i1\na1.sources.r2.interceptors.i1.type = static\n\
             a1.sources.r2.interceptors.i1.value = {other}\n\
             a1.channels.c1.type = memory\na1.channels.c2.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k2.type = null\na1.sinks.k2.channel = c2\n",
            roll.display()
        )
    };
    write(&conf, &config("tick", "v1"));
    let mut agent = start_agent("a1", &conf, &[]);
    eventually(Duration::from_secs(30), "five ticks", || {
        files_text(&roll).lines().count() >= 5
    });
    let hup = |n: usize| {
        let _ = Command::new("kill")
            .arg("-HUP")
            .arg(agent.child.id().to_string())
            .status();
        eventually(Duration::from_secs(30), "reload applied", || {
            agent.log().matches("Reload applied").count() >= n
        });
    };
    write(&conf, &config("tick", "v2"));
    hup(1);
    let log = agent.log();
    assert!(log.contains("Stopping Source r2"), "{log}");
    assert!(!log.contains("Stopping Source r1"), "{log}");
    write(&conf, &config("tock", "v2"));
    hup(2);
    eventually(Duration::from_secs(30), "five tocks", || {
        files_text(&roll).lines().count() >= 10
    });
    assert_eq!(agent.stop(), Some(0));
    let ticks: String = (0..5).map(|i| format!("tick-{i}\n")).collect();
    let tocks: String = (0..5).map(|i| format!("tock-{i}\n")).collect();
    assert_eq!(
        files_text(&roll),
        format!("{ticks}{tocks}"),
        "{}",
        agent.log()
    );
}
