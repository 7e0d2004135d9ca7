//! Java plugins hosted in the embedded JVM, continued (see jvm.rs for the fixtures): HTTP
//! source handlers, the libraries Flume's lib always had (Guava, the servlet API), plugins'
//! log4j/slf4j output, Flume's Java-only component types by alias.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::jvm::{plugins_dir, start_agent};
use crate::support::*;

/// One HTTP/1.1 request with extra headers; (status, body).
fn request(port: u16, head: &str, body: &[u8]) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "{head}\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
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

/// Content-Type → `getCharacterEncoding()` under Flume 1.9.0 (Jetty 9.4.6).
const CHARSETS: &[(&str, &str)] = &[
    ("text/plain; charset=utf-8", "UTF-8"),
    ("text/plain;charset=\"UTF-8\"", "utf-8"),
    ("application/x-foo; charset=UTF-8", "utf-8"),
    ("application/x-foo; charset=Utf8", "utf-8"),
    ("application/x-foo;charset=Latin1", "Latin1"),
    ("text/plain; charset=iso-8859-1", "ISO-8859-1"),
    ("text/plain; charset=ISO_8859_1", "iso-8859-1"),
    ("application/json;charset=UTF-8", "UTF-8"),
    ("text/html; charset=windows-1252", "windows-1252"),
];

const LINES: &str = "com.example.hosted.LinesHandler";

fn http_conf(tmp: &Path, port: u16, handler: &str) -> PathBuf {
    let out = tmp.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = tmp.join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = http\na1.sources.r1.port = {port}\na1.sources.r1.bind = 127.0.0.1\n\
             a1.sources.r1.channels = c1\n\
             a1.sources.r1.handler = {handler}\na1.sources.r1.handler.prefix = >\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = header_and_text\n",
            out.display()
        ),
    );
    conf
}

/// A Java `HTTPSourceHandler` gets a servlet request answering from the real request (method,
/// path, query parameters, character encoding, headers, body through `getReader` in the
/// request's charset) and its events go through our channel; `HTTPBadRequestException` is a
/// 400, any other exception a 500 (the messages as Flume's servlet writes them), and neither
/// puts anything in the channel. Expected bodies follow from the handler's code.
#[test]
fn java_http_handler() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = http_conf(tmp.path(), port, LINES);
    let mut agent = start_agent("a1", &conf, &[]);
    wait_port(port, Duration::from_secs(40));
    let (status, _) = request(
        port,
        "POST /ingest?tag=t1&x=%20 HTTP/1.1\r\nContent-Type: text/plain; charset=UTF-8\r\nX-Tag: xv",
        b"one\ntwo\n",
    );
    assert_eq!(status, 200, "{}", agent.log());
    let (status, _) = request(port, "GET /?tag=g HTTP/1.1", b"three\n");
    assert_eq!(status, 200);
    let mut utf16 = vec![0xFE, 0xFF];
    for u in "été\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_be_bytes());
    }
    let (status, _) = request(
        port,
        "POST / HTTP/1.1\r\nContent-Type: text/plain; charset=UTF-16",
        &utf16,
    );
    assert_eq!(status, 200);
    // getCharacterEncoding as Jetty 9.4 answers it (measured on Flume 1.9.0 with this handler).
    let mut expected_charsets = String::new();
    for (i, (content_type, charset)) in CHARSETS.iter().enumerate() {
        let (status, _) = request(
            port,
            &format!("POST /c?tag={i} HTTP/1.1\r\nContent-Type: {content_type}"),
            b"x\n",
        );
        assert_eq!(status, 200);
        expected_charsets.push_str(&format!("{{h=1}} >POST|/c|{i}|{charset}|null|true|2|x\n"));
    }
    let (status, text) = request(port, "POST /?fail=bad HTTP/1.1", b"x\n");
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("Bad request from client. no lines in that"),
        "{text}"
    );
    let (status, text) = request(port, "POST /?fail=boom HTTP/1.1", b"x\n");
    assert_eq!(status, 500, "{text}");
    assert!(
        text.contains("Deserializer threw unexpected exception. boom in the handler"),
        "{text}"
    );
    let out = tmp.path().join("out");
    let total = 4 + CHARSETS.len();
    eventually(Duration::from_secs(20), "every event written", || {
        files_text(&out).lines().count() >= total
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(
        files_text(&out),
        "{h=1} >POST|/ingest|t1|UTF-8|xv|true|8|one\n\
         {h=1} >POST|/ingest|t1|UTF-8|xv|true|8|two\n\
         {h=1} >GET|/|g|null|null|false|6|three\n\
         {h=1} >POST|/|null|utf-16|null|true|10|été\n"
            .to_string()
            + &expected_charsets,
        "{log}"
    );
    assert!(
        log.contains("Java handler com.example.hosted.LinesHandler loaded"),
        "{log}"
    );
    // The handler's exception is logged with its Java stack trace.
    assert!(
        log.contains("at com.example.hosted.LinesHandler.getEvents"),
        "{log}"
    );
}

/// A handler class on no classpath: Flume's "Error while configuring HTTPSource", the source is
/// removed and the rest of the agent runs; the message names the class and where it was
/// searched.
#[test]
fn missing_http_handler_class_removes_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = http_conf(tmp.path(), port, "com.example.hosted.NoSuchHandler");
    let agent = start_agent("a1", &conf, &[]);
    agent.wait_for("Starting Sink k1", Duration::from_secs(40));
    let log = agent.log();
    for needle in [
        "Error while configuring HTTPSource",
        "com.example.hosted.NoSuchHandler not found on the Java classpath",
        "a.conf:8",
        "Source r1 has been removed",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
}

/// Without the servlet API anywhere (no jar on the classpath, none in the system's Java
/// library folder), a handler cannot be hosted: the error says which class is missing and
/// where to get it; the source is removed.
#[test]
fn http_handler_without_servlet_api_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = http_conf(tmp.path(), port, LINES);
    let mut cmd = std::process::Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .arg("--plugins-path")
        .arg(plugins_dir())
        .env("FLUME_RS_SYSTEM_JARS", tmp.path().join("no-share"));
    let agent = Agent::spawn(cmd);
    agent.wait_for("Starting Sink k1", Duration::from_secs(40));
    let log = agent.log();
    for needle in [
        "No servlet API (javax.servlet) on the Java classpath",
        "javax.servlet.http.HttpServletRequest is not on the Java classpath",
        "libservlet-api-java",
        "Source r1 has been removed",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
}

fn guava_conf(tmp: &Path) -> PathBuf {
    let out = tmp.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = tmp.join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 1\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = g\n\
             a1.sources.r1.interceptors.g.type = com.example.hosted.GuavaInterceptor$Builder\n\
             a1.sources.r1.interceptors.g.size = 3\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n\
             a1.sinks.k1.sink.serializer = header_and_text\n",
            out.display()
        ),
    );
    conf
}

/// A plugin calling `Context.getParameters()` (Guava's ImmutableMap) and using Guava itself
/// runs with the bundled plugin API: with no Guava on the site's classpath, the system's
/// (/usr/share/java/guava.jar) is added last, as Flume's lib always had one.
#[test]
fn plugin_using_guava_gets_a_guava() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = guava_conf(tmp.path());
    let mut agent = start_agent("a1", &conf, &[]);
    let out = tmp.path().join("out");
    eventually(Duration::from_secs(40), "the event written", || {
        !files_text(&out).is_empty()
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(
        files_text(&out),
        "{params=size=3,type=com.example.hosted.GuavaInterceptor$Builder} 0\n",
        "{log}"
    );
    assert!(
        log.contains(
            "No Guava (com.google.common) on the Java classpath: adding /usr/share/java/guava.jar"
        ),
        "{log}"
    );
}

/// No Guava anywhere: the interceptor cannot be configured, and the error names the missing
/// class, says it is Guava and where to get one; the source is removed, nothing panics.
#[test]
fn plugin_using_guava_without_one_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = guava_conf(tmp.path());
    let mut cmd = std::process::Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .arg("--plugins-path")
        .arg(plugins_dir())
        .env("FLUME_RS_SYSTEM_JARS", tmp.path().join("no-share"));
    let agent = Agent::spawn(cmd);
    agent.wait_for("Starting Sink k1", Duration::from_secs(40));
    let log = agent.log();
    for needle in [
        "No Guava (com.google.common) on the Java classpath and no",
        "com/google/common/collect/ImmutableMap",
        "that is Guava",
        "libguava-java",
        "a.conf:8",
        "Source r1 has been removed",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
    assert!(!log.contains("panicked"), "{log}");
}

/// A `plugins.d` with the fixtures' jar and `libext/` holding the given jars of the system's
/// Java library folder, as a site ships a plugin's dependencies.
fn plugins_with_libext(tmp: &Path, libext: &[&str]) -> PathBuf {
    let root = tmp.join("plugins.d");
    let lib = root.join("p/lib");
    let ext = root.join("p/libext");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::create_dir_all(&ext).unwrap();
    std::os::unix::fs::symlink(
        plugins_dir().join("fixtures/lib/fixtures.jar"),
        lib.join("fixtures.jar"),
    )
    .unwrap();
    for jar in libext {
        let src = Path::new(crate::jvm::SYSTEM_JARS).join(jar);
        assert!(
            src.is_file(),
            "{} missing (see .ci/apt-packages)",
            src.display()
        );
        let name = src.file_name().unwrap();
        std::os::unix::fs::symlink(&src, ext.join(name)).unwrap();
    }
    root
}

fn logging_agent(tmp: &Path, builder: &str, libext: &[&str]) -> Agent {
    let plugins = plugins_with_libext(tmp, libext);
    let out = tmp.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let conf = tmp.join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 3\na1.sources.r1.channels = c1\n\
             a1.sources.r1.interceptors = l\n\
             a1.sources.r1.interceptors.l.type = {builder}\n\
             a1.sources.r1.interceptors.l.word = hello\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n",
            out.display()
        ),
    );
    let mut cmd = std::process::Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .arg("--plugins-path")
        .arg(&plugins)
        .current_dir(tmp);
    Agent::spawn(cmd)
}

/// The line of `log` holding `needle`, which must also name `logger` and be at `level`.
fn assert_logged(log: &str, needle: &str, level: &str, logger: &str) {
    let line = log
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in:\n{log}"));
    assert!(line.contains(level), "{level} expected: {line}");
    assert!(line.contains(logger), "logger {logger} expected: {line}");
}

/// A plugin logging through slf4j with only slf4j-api in its libext/ (no binding, which Flume's
/// lib provided): flume-rs's binding is added and the lines reach the agent's log with their
/// logger name, level, slf4j's {} formatting and the exception's stack; DEBUG lines stay out at
/// INFO.
#[test]
fn plugin_slf4j_output_reaches_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = logging_agent(
        tmp.path(),
        "com.example.hosted.LoggingInterceptor$Builder",
        &["slf4j-api.jar"],
    );
    agent.wait_for("slf4j-stack-marker", Duration::from_secs(40));
    std::thread::sleep(Duration::from_millis(300));
    let log = agent.log();
    assert!(log.contains("slf4j-api 1.x without a binding"), "{log}");
    let logger = "com.example.hosted.LoggingInterceptor";
    assert_logged(&log, "slf4j says hello and 42", "INFO", logger);
    assert_logged(&log, "slf4j warning with an exception", "WARN", logger);
    assert!(
        log.contains("java.lang.IllegalStateException: slf4j-stack-marker"),
        "{log}"
    );
    assert!(!log.contains("slf4j debug line"), "{log}");
    assert!(!log.contains("StaticLoggerBinder"), "{log}");
}

/// slf4j-api 2.x (the real jar that pyspark in `.venv-tools` ships), as a plugin's libext/.
fn slf4j2_api_jar() -> PathBuf {
    let lib = repo().join(".venv-tools/lib");
    let mut found = Vec::new();
    for py in std::fs::read_dir(&lib).into_iter().flatten().flatten() {
        let jars = py.path().join("site-packages/pyspark/jars");
        for e in std::fs::read_dir(&jars).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("slf4j-api-2.") && name.ends_with(".jar") {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "no slf4j-api-2.*.jar under {}/python*/site-packages/pyspark/jars (see .ci/setup-tools)",
            lib.display()
        )
    })
}

/// The same plugin with slf4j-api 2.x and no provider (slf4j 2 finds providers with
/// ServiceLoader and ignores 1.x bindings): flume-rs adds its 2.x provider and the lines reach
/// the agent's log as with 1.x; slf4j does not fall back to its no-operation logger.
#[test]
fn plugin_slf4j_2_output_reaches_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let api2 = slf4j2_api_jar();
    let agent = logging_agent(
        tmp.path(),
        "com.example.hosted.LoggingInterceptor$Builder",
        &[api2.to_str().unwrap()],
    );
    agent.wait_for("slf4j-stack-marker", Duration::from_secs(40));
    std::thread::sleep(Duration::from_millis(300));
    let log = agent.log();
    assert!(log.contains("slf4j-api 2.x without a provider"), "{log}");
    let logger = "com.example.hosted.LoggingInterceptor";
    assert_logged(&log, "slf4j says hello and 42", "INFO", logger);
    assert_logged(&log, "slf4j warning with an exception", "WARN", logger);
    assert!(
        log.contains("java.lang.IllegalStateException: slf4j-stack-marker"),
        "{log}"
    );
    assert!(!log.contains("slf4j debug line"), "{log}");
    assert!(!log.contains("No SLF4J providers were found"), "{log}");
    assert!(!log.contains("NOP"), "{log}");
}

/// A plugin logging through the log4j 1.x API (log4j in its libext/): the lines reach the
/// agent's log with their logger name and level; log4j writes no file of its own.
#[test]
fn plugin_log4j_output_reaches_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = logging_agent(
        tmp.path(),
        "com.example.hosted.Log4jInterceptor$Builder",
        &["log4j-1.2.jar"],
    );
    agent.wait_for("log4j-stack-marker", Duration::from_secs(40));
    std::thread::sleep(Duration::from_millis(300));
    let log = agent.log();
    let logger = "com.example.log4j.Plugin";
    assert_logged(&log, "log4j says hello", "INFO", logger);
    assert_logged(&log, "log4j error with an exception", "ERROR", logger);
    assert!(
        log.contains("java.lang.IllegalStateException: log4j-stack-marker"),
        "{log}"
    );
    assert!(!log.contains("log4j debug line"), "{log}");
    assert!(!log.contains("log4j:WARN"), "{log}");
    assert!(!tmp.path().join("logs").exists(), "log4j wrote files");
}

/// Flume's own arrangement (slf4j-api, slf4j-log4j12 and log4j, as in Flume's lib): slf4j goes
/// to log4j, whose output reaches the agent's log; flume-rs's binding is not added.
#[test]
fn plugin_slf4j_through_log4j_reaches_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = logging_agent(
        tmp.path(),
        "com.example.hosted.LoggingInterceptor$Builder",
        &["slf4j-api.jar", "slf4j-log4j12.jar", "log4j-1.2.jar"],
    );
    agent.wait_for("slf4j-stack-marker", Duration::from_secs(40));
    std::thread::sleep(Duration::from_millis(300));
    let log = agent.log();
    assert!(!log.contains("without a binding"), "{log}");
    let logger = "com.example.hosted.LoggingInterceptor";
    assert_logged(&log, "slf4j says hello and 42", "INFO", logger);
    assert_logged(&log, "slf4j warning with an exception", "WARN", logger);
    assert!(!log.contains("slf4j debug line"), "{log}");
    assert!(!log.contains("log4j:WARN"), "{log}");
}

/// `plugins.d/named/lib/named.jar`: the classes of tests/java/flume-named, compiled against
/// the bundled plugin API (classes under Flume's own names for its Java-only components).
fn flume_named_plugins(tmp: &Path) -> PathBuf {
    let classes = tmp.join("named-classes");
    let lib = tmp.join("plugins.d/named/lib");
    std::fs::create_dir_all(&classes).unwrap();
    std::fs::create_dir_all(&lib).unwrap();
    let api = PathBuf::from(concat!(env!("OUT_DIR"), "/jars/flume-rs-plugin-api.jar"));
    let src = repo()
        .join("tests/java/flume-named/org/apache/flume/sink/elasticsearch/ElasticSearchSink.java");
    let out = std::process::Command::new("javac")
        .args([
            "--release",
            "8",
            "-Xlint:-options",
            "-encoding",
            "UTF-8",
            "-cp",
        ])
        .arg(&api)
        .arg("-d")
        .arg(&classes)
        .arg(&src)
        .output()
        .expect("run javac");
    assert!(
        out.status.success(),
        "javac failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = std::process::Command::new("jar")
        .arg("cf")
        .arg(lib.join("named.jar"))
        .arg("-C")
        .arg(&classes)
        .arg(".")
        .status()
        .expect("run jar");
    assert!(status.success());
    tmp.join("plugins.d")
}

fn alias_conf(tmp: &Path, sink_type: &str, channel_type: &str) -> PathBuf {
    let conf = tmp.join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = seq\na1.sources.r1.totalEvents = 5\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = {channel_type}\n\
             a1.sinks.k1.type = {sink_type}\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.indexName = logs\na1.sinks.k1.file = {}\n",
            tmp.join("out.txt").display()
        ),
    );
    conf
}

fn agent_with_plugins(conf: &Path, plugins: &Path) -> Agent {
    let mut cmd = std::process::Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .arg("--plugins-path")
        .arg(plugins);
    Agent::spawn(cmd)
}

/// One of Flume's Java-only types named by its alias (`elasticsearch`), with a jar holding its
/// class (`org.apache.flume.sink.elasticsearch.ElasticSearchSink`) in plugins.d but no Flume
/// install: the class is hosted, configured with the sink's keys, and gets every event.
#[test]
fn flume_java_only_alias_hosted_when_its_class_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = flume_named_plugins(tmp.path());
    let conf = alias_conf(tmp.path(), "elasticsearch", "memory");
    let mut agent = agent_with_plugins(&conf, &plugins);
    let out = tmp.path().join("out.txt");
    eventually(Duration::from_secs(40), "5 events written", || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.lines().count() >= 5)
    });
    assert_eq!(agent.stop(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "logs:0\nlogs:1\nlogs:2\nlogs:3\nlogs:4\n",
        "{}",
        agent.log()
    );
}

/// The same alias without its class anywhere: the sink is removed with a message saying which
/// class would be hosted and how to provide it; likewise a Java-only channel type (`jdbc`).
/// No JVM is started for either.
#[test]
fn flume_java_only_types_without_their_class_are_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty-plugins.d");
    std::fs::create_dir_all(&empty).unwrap();
    let conf = alias_conf(tmp.path(), "elasticsearch", "memory");
    let agent = agent_with_plugins(&conf, &empty);
    agent.wait_for("Starting Source r1", Duration::from_secs(40));
    let log = agent.log();
    for needle in [
        "a1.sinks.k1.type: sink type elasticsearch is not supported by this build of flume-rs",
        "a jar holding org.apache.flume.sink.elasticsearch.ElasticSearchSink",
        "Sink k1 has been removed",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
    assert!(!log.contains("JVM started"), "{log}");
    drop(agent);
    let (code, stdout, stderr) = run(&[
        "validate",
        "-n",
        "a1",
        "-f",
        alias_conf(tmp.path(), "null", "jdbc").to_str().unwrap(),
    ]);
    let text = format!("{stdout}{stderr}");
    for needle in [
        "channel type jdbc is not supported by this build of flume-rs",
        "a jar holding org.apache.flume.channel.jdbc.JdbcChannel",
    ] {
        assert!(
            text.contains(needle),
            "exit {code}: missing {needle:?} in {text}"
        );
    }
}

/// A pollable source compiled against Flume 1.6 (whose PollableSource had no back-off
/// getters) runs with Flume's default back-off (1000 ms steps up to 5000 ms) instead of
/// failing with AbstractMethodError.
#[test]
fn pollable_source_built_for_flume_1_6_gets_default_backoff() {
    let tmp = tempfile::tempdir().unwrap();
    let classes = tmp.path().join("classes");
    let lib = tmp.path().join("plugins.d/old/lib");
    std::fs::create_dir_all(&classes).unwrap();
    std::fs::create_dir_all(&lib).unwrap();
    let api = PathBuf::from(concat!(env!("OUT_DIR"), "/jars/flume-rs-plugin-api.jar"));
    let dir = repo().join("tests/java/flume-1.6");
    let out = std::process::Command::new("javac")
        .args([
            "--release",
            "8",
            "-Xlint:-options",
            "-encoding",
            "UTF-8",
            "-cp",
        ])
        .arg(&api)
        .arg("-d")
        .arg(&classes)
        .arg(dir.join("api/org/apache/flume/PollableSource.java"))
        .arg(dir.join("plugins/com/example/old/OldPollableSource.java"))
        .output()
        .expect("run javac");
    assert!(
        out.status.success(),
        "javac failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only the plugin goes in its jar: at run time it meets the current PollableSource.
    let status = std::process::Command::new("jar")
        .arg("cf")
        .arg(lib.join("old.jar"))
        .arg("-C")
        .arg(&classes)
        .arg("com")
        .status()
        .expect("run jar");
    assert!(status.success());
    let roll = tmp.path().join("roll");
    std::fs::create_dir_all(&roll).unwrap();
    let conf = tmp.path().join("a.conf");
    write(
        &conf,
        &format!(
            "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
             a1.sources.r1.type = com.example.old.OldPollableSource\na1.sources.r1.channels = c1\n\
             a1.channels.c1.type = memory\n\
             a1.sinks.k1.type = file_roll\na1.sinks.k1.channel = c1\n\
             a1.sinks.k1.sink.directory = {}\na1.sinks.k1.sink.rollInterval = 0\n",
            roll.display()
        ),
    );
    let mut agent = agent_with_plugins(&conf, &tmp.path().join("plugins.d"));
    eventually(Duration::from_secs(40), "three events", || {
        files_text(&roll).lines().count() >= 3
    });
    assert_eq!(agent.stop(), Some(0));
    let log = agent.log();
    assert_eq!(files_text(&roll), "old-0\nold-1\nold-2\n", "{log}");
    assert!(
        log.contains("com.example.old.OldPollableSource loaded (pollable); back-off 1000 ms steps up to 5000 ms"),
        "{log}"
    );
    assert!(!log.contains("AbstractMethodError"), "{log}");
}
