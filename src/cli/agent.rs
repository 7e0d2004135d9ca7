//! `flume-ng agent`: Flume's launcher and `Application` options, then the agent's life:
//! load, start, poll for changes, stop on SIGTERM/SIGINT, reload on SIGHUP.
//!
//! The options are parsed by hand: Flume's launcher mixes JVM options (`-D…`, `-X…`,
//! `-javaagent:…`), multi-letter single-dash options (`-prov`, `-user`) and commons-cli prefix
//! matching, which clap cannot express (dependencies.md §4h).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::component::BuildEnv;
use crate::config::LoadOptions;
use crate::jvm::JavaSettings;
use crate::jvm::settings as java_settings;
use crate::metrics::{self, Registry};
use crate::topology::reload::{Agent, AgentError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentArgs {
    pub name: Option<String>,
    pub conf_files: Vec<PathBuf>,
    pub conf_dir: Option<PathBuf>,
    /// `-D` properties in order (later wins).
    pub sysprops: Vec<(String, String)>,
    pub reload: bool,
    pub poll_interval: Option<Duration>,
    pub help: bool,
    /// `--classpath`/`-C` values (for Java plugins), in order.
    pub classpath: Vec<String>,
    /// `--plugins-path` (colon-separated `plugins.d` directories).
    pub plugins_path: Option<String>,
    /// `-X…`, `-D…`, `-agentlib…`, `-javaagent…` in order: applied to the JVM when one starts.
    pub jvm_options: Vec<String>,
    /// One line each: options accepted for compatibility and ignored.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgsError {
    #[error("Missing argument for option: {0}")]
    MissingValue(String),
    #[error("Unrecognized option: {0}")]
    Unknown(String),
    #[error("option {option} is not supported by flume-rs: {why}")]
    Unsupported { option: String, why: String },
}

/// Options whose value is one argument and that flume-rs does not use.
const IGNORED_WITH_VALUE: &[&str] = &[
    "-a",
    "--auth-provider",
    "-user",
    "--conf-user",
    "-pwd",
    "--conf-password",
    "-b",
    "--backup-directory",
];

pub fn parse_args(args: &[String]) -> Result<AgentArgs, ArgsError> {
    let mut out = AgentArgs {
        reload: true,
        ..Default::default()
    };
    let mut i = 0;
    while i < args.len() {
        let raw = args[i].as_str();
        // `--opt=value` form.
        let (opt, inline) = match raw.split_once('=') {
            Some((o, v)) if raw.starts_with("--") => (o, Some(v.to_string())),
            _ => (raw, None),
        };
        let value = |i: &mut usize| -> Result<String, ArgsError> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| ArgsError::MissingValue(opt.to_string()))
        };
        match opt {
            "-n" | "--name" => out.name = Some(value(&mut i)?),
            "-f" | "--conf-file" => out.conf_files.push(PathBuf::from(value(&mut i)?)),
            "-u" | "--conf-uri" => {
                let uri = value(&mut i)?;
                match uri
                    .strip_prefix("file://")
                    .or_else(|| uri.strip_prefix("file:"))
                {
                    Some(path) => out.conf_files.push(PathBuf::from(path)),
                    None => {
                        return Err(ArgsError::Unsupported {
                            option: format!("--conf-uri {uri}"),
                            why: "only file: URIs are supported; use --conf-file".into(),
                        });
                    }
                }
            }
            "-c" | "--conf" => out.conf_dir = Some(PathBuf::from(value(&mut i)?)),
            "--no-reload-conf" => out.reload = false,
            "-i" | "--poll-interval" => {
                let v = value(&mut i)?;
                let secs: u64 = v
                    .trim()
                    .parse()
                    .map_err(|_| ArgsError::Unknown(format!("{opt} {v} (expected seconds)")))?;
                out.poll_interval = Some(Duration::from_secs(secs.max(1)));
            }
            "-h" | "--help" => out.help = true,
            "-z" | "--zkConnString" | "-p" | "--zkBasePath" => {
                let _ = value(&mut i)?;
                return Err(ArgsError::Unsupported {
                    option: opt.into(),
                    why: "ZooKeeper-stored configuration is not supported; use --conf-file".into(),
                });
            }
            "-prov" | "--conf-provider" => {
                let v = value(&mut i)?;
                return Err(ArgsError::Unsupported {
                    option: format!("{opt} {v}"),
                    why: "custom Java configuration providers cannot run in flume-rs".into(),
                });
            }
            "-C" | "--classpath" => out.classpath.push(value(&mut i)?),
            "--plugins-path" => out.plugins_path = Some(value(&mut i)?),
            "-d" | "--dryrun" => out
                .notes
                .push(format!("{opt}: there is no java command to print; ignored")),
            _ if IGNORED_WITH_VALUE.contains(&opt) => {
                let v = value(&mut i)?;
                out.notes
                    .push(format!("{opt} {v}: a Java-only option, ignored"));
            }
            _ if raw.starts_with("-D") => {
                let kv = if raw.len() > 2 {
                    raw[2..].to_string()
                } else {
                    value(&mut i)?
                };
                out.jvm_options.push(format!("-D{kv}"));
                let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                out.sysprops.push((k.to_string(), v.to_string()));
            }
            _ if raw.starts_with("-X")
                || raw.starts_with("-agentlib")
                || raw.starts_with("-agentpath")
                || raw.starts_with("-javaagent") =>
            {
                out.jvm_options.push(raw.to_string());
            }
            _ => return Err(ArgsError::Unknown(raw.to_string())),
        }
        i += 1;
    }
    Ok(out)
}

/// What `<conf>/flume-env.sh` gives the agent: the `-D` options of `JAVA_OPTS` and
/// `FLUME_JAVA_OPTS`, and what went wrong while sourcing it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EnvSh {
    pub sysprops: Vec<(String, String)>,
    /// Reported, the agent starts anyway (as the launcher goes on after a failed `source`).
    pub warnings: Vec<String>,
    /// The script ended the launcher (`exit`): Java Flume would not start either.
    pub fatal: Option<String>,
}

/// Sources `<conf>/flume-env.sh` in bash the way the `flume-ng` launcher does (`JAVA_OPTS`
/// starts as `-Xmx20m`), then lets bash split `$JAVA_OPTS $FLUME_JAVA_OPTS` exactly as the
/// launcher's unquoted expansion does: word splitting on the script's `IFS` and pathname
/// expansion, no quote removal (`-Dx='a b'` gives the words `-Dx='a` and `b'`, as `java`
/// receives them). A failing script (syntax error, non-zero status) is reported with its
/// stderr; a script that exits ends the start, as it ends the launcher.
pub fn read_env_sh(conf_dir: &Path) -> EnvSh {
    let script = conf_dir.join("flume-env.sh");
    let mut out = EnvSh::default();
    if !script.is_file() {
        return out;
    }
    let shown = script.display();
    const MARK: &str = "\\0flume-rs-env-sh-status:%s\\0";
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "JAVA_OPTS=-Xmx20m; FLUME_JAVA_OPTS=; source \"$1\" >/dev/null; printf '{MARK}' \"$?\"; \
             for w in $JAVA_OPTS $FLUME_JAVA_OPTS; do printf '%s\\0' \"$w\"; done"
        ))
        .arg("flume-env")
        .arg(&script)
        .stdin(std::process::Stdio::null())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            out.warnings.push(format!(
                "{shown}: cannot run bash to source it: {e}; its options are not applied"
            ));
            return out;
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut parts = stdout.split('\0');
    // Output: NUL, the status mark, NUL, then every word followed by NUL.
    let _ = parts.next();
    let status = parts
        .next()
        .and_then(|m| m.strip_prefix("flume-rs-env-sh-status:"));
    let Some(status) = status else {
        let code = output
            .status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        out.fatal = Some(format!(
            "{shown} ended the launcher with {code} while being sourced{}",
            if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            }
        ));
        return out;
    };
    if status != "0" || !stderr.is_empty() {
        out.warnings.push(format!(
            "{shown} failed while being sourced (status {status}){}; the options it set before the failure apply, as with the flume-ng launcher",
            if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
        ));
    }
    for word in parts.filter(|w| !w.is_empty()) {
        if let Some(kv) = word.strip_prefix("-D") {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            out.sysprops.push((k.to_string(), v.to_string()));
        } else if !word.starts_with('-') {
            out.warnings.push(format!(
                "{shown}: JAVA_OPTS/FLUME_JAVA_OPTS word \"{word}\" is not an option (quotes inside the variable are not removed by the launcher's expansion); java would take it as its main class and Java Flume would not start; ignored"
            ));
        }
    }
    out
}

/// What a JVM for Java plugins would be started with (nothing is started here): the
/// launcher's classpath inputs and JVM options, `flume-env.sh` first, then the command line.
pub fn java_settings(args: &AgentArgs, env_sh: &java_settings::EnvSh) -> JavaSettings {
    let conf_dir = args
        .conf_dir
        .as_ref()
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()));
    let flume_home = std::env::var_os("FLUME_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|e| e.parent().and_then(Path::parent).map(Path::to_path_buf))
        });
    let java_home_env = std::env::var_os("JAVA_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let mut jvm_options = env_sh.java_opts.clone();
    jvm_options.extend(args.jvm_options.iter().cloned());
    JavaSettings {
        conf_dir,
        flume_home,
        classpath: args.classpath.clone(),
        plugins_path: args.plugins_path.clone(),
        flume_classpath: env_sh.flume_classpath.clone(),
        java_library_path: env_sh.java_library_path.clone(),
        java_home_env,
        java_home_env_sh: env_sh.java_home.as_ref().map(PathBuf::from),
        jvm_options,
    }
}

pub const USAGE: &str = "usage: flume-ng agent -n <name> -f <file> [options]
 -n,--name <name>             the name of this agent (required)
 -f,--conf-file <file>        specify a config file (may be repeated; later files override)
 -u,--conf-uri <uri>          a file: URI of a config file
 -c,--conf <dir>              configuration directory (flume-env.sh, core-site.xml)
 -i,--poll-interval <secs>    seconds between checks for a changed config (default 30)
    --no-reload-conf          do not reload the config file if it changes
 -D<property>=<value>         a system property (flume.root.logger, flume.monitoring.type, ...)
 -C,--classpath <cp>          classpath for Java plugins (prepended to FLUME_CLASSPATH)
    --plugins-path <dirs>     colon-separated plugins.d directories (default $FLUME_HOME/plugins.d)
 -X<option>                   an option of the JVM that runs Java plugins (e.g. -Xmx512m)
 -h,--help                    display help text";

/// Run the agent; returns the process exit code.
pub fn main(args: &[String]) -> i32 {
    let parsed = match parse_args(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: {e}");
            eprintln!("{USAGE}");
            return 1;
        }
    };
    if parsed.help {
        println!("{USAGE}");
        return 0;
    }
    let mut sysprops: HashMap<String, String> = HashMap::new();
    let mut env_warnings = Vec::new();
    match &parsed.conf_dir {
        Some(dir) => {
            let env = read_env_sh(dir);
            if let Some(fatal) = env.fatal {
                eprintln!("Error: {fatal}");
                return 1;
            }
            for w in &env.warnings {
                eprintln!("Warning: {w}");
            }
            env_warnings = env.warnings;
            sysprops.extend(env.sysprops);
        }
        None => eprintln!("Warning: No configuration directory set! Use --conf <dir> to override."),
    }
    // The JVM's view of flume-env.sh (JAVA_OPTS, FLUME_CLASSPATH, JAVA_HOME, …).
    let env_sh = java_settings::read_env_sh(parsed.conf_dir.as_deref());
    sysprops.extend(parsed.sysprops.iter().cloned());
    // Recorded only: a JVM starts when (and if) a configuration names a Java class.
    crate::jvm::configure(java_settings(&parsed, &env_sh));

    let settings = super::logging::LogSettings::from_sysprops(&sysprops);
    if let Err(e) = super::logging::init(&settings) {
        eprintln!("Error: cannot open the log: {e}");
        return 1;
    }
    for note in &parsed.notes {
        tracing::info!("{note}");
    }
    for w in &env_warnings {
        tracing::warn!("{w}");
    }
    let Some(name) = parsed.name.clone() else {
        tracing::error!(
            "A fatal error occurred while running. Exception follows. Missing required option: n"
        );
        eprintln!("Error: Missing required option: n\n{USAGE}");
        return 1;
    };
    if parsed.conf_files.is_empty() {
        tracing::error!(
            "A fatal error occurred while running. Exception follows. No configuiration was provided"
        );
        eprintln!("Error: No configuration was provided: use --conf-file <file>");
        return 1;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("flume-worker")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(run(name, parsed, sysprops))
}

async fn run(name: String, args: AgentArgs, sysprops: HashMap<String, String>) -> i32 {
    // The JVM default time zone: -Duser.timezone, else TZ, else /etc/localtime.
    crate::java::date::init_default_zone(sysprops.get("user.timezone").map(String::as_str));
    crate::tls::init_global_properties(&sysprops);
    crate::source::budget::configure(&sysprops);
    let registry = Registry::new();
    let env = BuildEnv {
        agent: name.clone(),
        conf_dir: args.conf_dir.clone(),
        sysprops: sysprops.clone(),
    };
    let options = LoadOptions {
        sysprops: sysprops.clone(),
    };
    let files: Vec<PathBuf> = args
        .conf_files
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
        .collect();
    let mut agent = Agent::new(name.clone(), files, options, env, Arc::clone(&registry));
    if let Err(error) = agent.load().await {
        match error {
            // A configuration Flume rejects as a whole (a component class it cannot load, …):
            // with polling on, Flume keeps running with nothing started and runs the file once
            // it is fixed.
            AgentError::Fatal(_) if args.reload => {
                tracing::error!(
                    "Failed to load configuration data. Exception follows. {error}; nothing runs until the configuration file is fixed"
                );
            }
            // With --no-reload-conf Flume exits (with status 0); a non-zero status tells a
            // service manager that nothing runs.
            AgentError::Fatal(_) | AgentError::Load(_) => {
                tracing::error!("A fatal error occurred while running. Exception follows. {error}");
                eprintln!("Error: {error}");
                return 1;
            }
        }
    }
    note_unused_java_options(&args);

    let shutdown = tokio_util::sync::CancellationToken::new();
    if let Some(kind) = sysprops.get("flume.monitoring.type") {
        let format = match kind.trim().to_ascii_lowercase().as_str() {
            "http" | "org.apache.flume.instrumentation.http.httpmetricsserver" => {
                Some(metrics::http::Format::FlumeJson)
            }
            "prometheus" => Some(metrics::http::Format::Prometheus),
            other => {
                tracing::error!(
                    "monitoring type {other} is not supported by flume-rs (use http or prometheus); no monitoring server started"
                );
                None
            }
        };
        if let Some(format) = format {
            let port = sysprops
                .get("flume.monitoring.port")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(metrics::http::DEFAULT_PORT);
            let addr = std::net::SocketAddr::from(([0, 0, 0, 0], port));
            let ready_fill_percentage = match sysprops.get(metrics::health::READY_FILL_PROPERTY) {
                None => metrics::health::DEFAULT_READY_FILL_PERCENTAGE,
                Some(v) => match metrics::health::parse_ready_fill(v) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::error!(
                            "{e}; /ready uses the default, {}%",
                            metrics::health::DEFAULT_READY_FILL_PERCENTAGE
                        );
                        metrics::health::DEFAULT_READY_FILL_PERCENTAGE
                    }
                },
            };
            let options = metrics::http::Options {
                format,
                agent: name.clone(),
                ready_fill_percentage,
            };
            if let Err(error) =
                metrics::http::serve(addr, Arc::clone(&registry), options, shutdown.clone()).await
            {
                tracing::error!(
                    "A fatal error occurred while running. Exception follows. monitoring server cannot bind port {port}: {error}"
                );
                eprintln!("Error: monitoring server cannot bind port {port}: {error}");
                agent.stop().await;
                return 1;
            }
        }
    }

    let reload_now = Arc::new(tokio::sync::Notify::new());
    spawn_signal_watch(shutdown.clone(), Arc::clone(&reload_now));
    if args.reload {
        agent
            .poll(
                args.poll_interval.unwrap_or(Duration::from_secs(30)),
                &shutdown,
                &reload_now,
            )
            .await;
    } else {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = reload_now.notified() => agent.reload().await,
            }
        }
    }
    tracing::info!("Stopping agent {name}");
    registry.health.set_phase(metrics::health::Phase::Stopping);
    agent.stop().await;
    // The Kerberos tickets of the hdfs sinks' login go with the agent.
    crate::storage::kerberos::remove_credentials();
    tracing::info!("Agent {name} stopped");
    0
}

/// Java options only matter once a JVM runs: say so when the configuration needed none.
fn note_unused_java_options(args: &AgentArgs) {
    if jvm_started() {
        return;
    }
    let mut unused: Vec<String> = args
        .jvm_options
        .iter()
        .filter(|o| !o.starts_with("-D"))
        .cloned()
        .collect();
    for cp in &args.classpath {
        unused.push(format!("--classpath {cp}"));
    }
    if let Some(p) = &args.plugins_path {
        unused.push(format!("--plugins-path {p}"));
    }
    for option in unused {
        tracing::info!(
            "{option}: for Java plugins; this configuration has none, so no JVM was started and the option is not used"
        );
    }
}

fn jvm_started() -> bool {
    crate::jvm::is_needed()
}

/// SIGTERM/SIGINT → shutdown; SIGHUP → reload at once (used by `systemctl reload`).
fn spawn_signal_watch(
    shutdown: tokio_util::sync::CancellationToken,
    reload_now: Arc<tokio::sync::Notify>,
) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        loop {
            tokio::select! {
                _ = next(&mut term) => break,
                _ = next(&mut int) => break,
                _ = next(&mut hup) => {
                    tracing::info!("SIGHUP received: reloading the configuration");
                    reload_now.notify_one();
                }
            }
        }
        shutdown.cancel();
    });
}

#[cfg(test)]
mod tests {

    fn env_sh(text: &str) -> EnvSh {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flume-env.sh"), text).unwrap();
        read_env_sh(dir.path())
    }

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The launcher expands `$JAVA_OPTS` unquoted: bash splits it, quotes stay.
    #[test]
    fn env_sh_options_are_split_as_the_launcher_expands_them() {
        let env = env_sh(
            "JAVA_OPTS=\"$JAVA_OPTS -Dx='a b' -Dy=\\\"c d\\\" -Dz=\\\"e\\\"\"\nFLUME_JAVA_OPTS='-Dw=1\t-Dv'\n",
        );
        assert_eq!(
            env.sysprops,
            props(&[
                ("x", "'a"),
                ("y", "\"c"),
                ("z", "\"e\""),
                ("w", "1"),
                ("v", "")
            ])
        );
        assert!(env.fatal.is_none());
        assert_eq!(env.warnings.len(), 2, "{:?}", env.warnings);
        assert!(
            env.warnings[0].contains("\"b'\" is not an option"),
            "{:?}",
            env.warnings
        );
        // A script that changes IFS changes the splitting, as in the launcher.
        let env = env_sh("IFS=,\nJAVA_OPTS='-Da=1 2,-Db=3'\n");
        assert_eq!(env.sysprops, props(&[("a", "1 2"), ("b", "3")]));
        assert!(env.warnings.is_empty(), "{:?}", env.warnings);
    }

    #[test]
    fn env_sh_failures_are_reported() {
        let env = env_sh("JAVA_OPTS=\"-Da=1\"\nif then fi (\n");
        assert!(env.fatal.is_none());
        assert_eq!(env.sysprops, props(&[("a", "1")]));
        assert!(
            env.warnings[0].contains("failed while being sourced"),
            "{:?}",
            env.warnings
        );
        assert!(
            env.warnings[0].contains("syntax error"),
            "{:?}",
            env.warnings
        );
        let env = env_sh("JAVA_OPTS=\"-Da=1\"\nfalse\n");
        assert!(env.warnings[0].contains("status 1"), "{:?}", env.warnings);
        let env = env_sh("echo bye >&2\nexit 3\n");
        let fatal = env.fatal.unwrap();
        assert!(
            fatal.contains("status 3") && fatal.contains("bye"),
            "{fatal}"
        );
    }
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flume_launcher_options() {
        let a = parse_args(&args("--conf conf --conf-file a.conf -f b.conf --name a1 -Dflume.root.logger=DEBUG,console -Xmx20m --no-reload-conf -C /x.jar")).unwrap();
        assert_eq!(a.name.as_deref(), Some("a1"));
        assert_eq!(
            a.conf_files,
            [PathBuf::from("a.conf"), PathBuf::from("b.conf")]
        );
        assert_eq!(a.conf_dir, Some(PathBuf::from("conf")));
        assert_eq!(
            a.sysprops,
            [("flume.root.logger".to_string(), "DEBUG,console".to_string())]
        );
        assert!(!a.reload);
        assert_eq!(a.classpath, ["/x.jar"]);
        assert_eq!(
            a.jvm_options,
            ["-Dflume.root.logger=DEBUG,console", "-Xmx20m"]
        );
        assert!(a.notes.is_empty(), "{:?}", a.notes);
        assert!(matches!(
            parse_args(&args("--bogus")),
            Err(ArgsError::Unknown(_))
        ));
        assert!(matches!(
            parse_args(&args("-n")),
            Err(ArgsError::MissingValue(_))
        ));
        let a = parse_args(&args("--name=a1 -u file:///etc/flume.conf")).unwrap();
        assert_eq!(a.conf_files, [PathBuf::from("/etc/flume.conf")]);
    }
}
