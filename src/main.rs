//! `flume-ng`: Flume's launcher words — agent, validate, avro-client, version, help.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use flume_rs::component::BuildEnv;
use flume_rs::config::{self, LoadOptions};
use flume_rs::metrics::{self, Registry};
use flume_rs::topology;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {error:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(args: Vec<String>) -> anyhow::Result<i32> {
    let Some(command) = args.first() else {
        eprintln!("Error: Unknown or unspecified command ''");
        print_help();
        return Ok(1);
    };
    match command.as_str() {
        "agent" | "node" => agent(&args[1..]),
        "avro-client" => {
            init_logging();
            Ok(flume_rs::client::avro::main(&args[1..]))
        }
        "version" => {
            println!("Flume 1.11.0");
            println!("flume-rs {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        "help" | "-h" | "--help" => {
            print_help();
            Ok(0)
        }
        other => {
            eprintln!("Error: Unknown or unspecified command '{other}'");
            print_help();
            Ok(1)
        }
    }
}

fn print_help() {
    println!(
        "Usage: flume-ng <command> [options]...

commands:
  help                      display this help text
  agent                     run a Flume agent
  validate                  check a configuration and report what Flume would drop or reject
  avro-client               run an avro Flume client
  version                   show Flume version info

global options:
  --conf,-c <conf>          use configs in <conf> directory
  -Dproperty=value          sets a Java system property value

agent options:
  --name,-n <name>          the name of this agent (required)
  --conf-file,-f <file>     specify a config file (required)
  --no-reload-conf          do not reload config file if changed
  --help,-h                 display help text"
    );
}

struct AgentArgs {
    name: Option<String>,
    conf_files: Vec<PathBuf>,
    conf_dir: Option<PathBuf>,
    sysprops: Vec<(String, String)>,
    reload: bool,
}

fn parse_agent_args(args: &[String]) -> anyhow::Result<AgentArgs> {
    let mut out = AgentArgs {
        name: None,
        conf_files: Vec::new(),
        conf_dir: None,
        sysprops: Vec::new(),
        reload: true,
    };
    let mut i = 0;
    let value = |i: &mut usize, opt: &str| -> anyhow::Result<String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .with_context(|| format!("Missing argument for option: {opt}"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-n" | "--name" => out.name = Some(value(&mut i, a)?),
            "-f" | "--conf-file" => out.conf_files.push(PathBuf::from(value(&mut i, a)?)),
            "-c" | "--conf" => out.conf_dir = Some(PathBuf::from(value(&mut i, a)?)),
            "--no-reload-conf" => out.reload = false,
            _ if a.starts_with("-D") => {
                let kv = if a.len() > 2 {
                    a[2..].to_string()
                } else {
                    value(&mut i, a)?
                };
                let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                out.sysprops.push((k.to_string(), v.to_string()));
            }
            _ => bail!("Unrecognized option: {a}"),
        }
        i += 1;
    }
    Ok(out)
}

fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn agent(args: &[String]) -> anyhow::Result<i32> {
    let parsed = parse_agent_args(args)?;
    init_logging();
    let Some(name) = parsed.name.clone() else {
        bail!("Missing required option: n")
    };
    if parsed.conf_files.is_empty() {
        bail!("No configuiration was provided");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_agent(name, parsed))
}

async fn run_agent(name: String, args: AgentArgs) -> anyhow::Result<i32> {
    let sysprops: std::collections::HashMap<String, String> =
        args.sysprops.iter().cloned().collect();
    let options = LoadOptions {
        sysprops: sysprops.clone(),
    };
    let cfg = config::load_agent(&args.conf_files, &name, &options)?;
    for d in &cfg.diagnostics {
        tracing::warn!("{d}");
    }
    let env = BuildEnv {
        agent: name.clone(),
        conf_dir: args.conf_dir.clone(),
        sysprops: sysprops.clone(),
    };
    let built = topology::build(&cfg, &env, &[])?;
    let registry = Registry::new();
    let running = topology::start(built, Arc::clone(&registry)).await;

    let shutdown = tokio_util::sync::CancellationToken::new();
    if let Some(kind) = sysprops.get("flume.monitoring.type") {
        let format = match kind.to_ascii_lowercase().as_str() {
            "http" | "org.apache.flume.instrumentation.http.httpmetricsserver" => {
                Some(metrics::http::Format::FlumeJson)
            }
            "prometheus" => Some(metrics::http::Format::Prometheus),
            _ => {
                tracing::error!("monitoring type {kind} is not supported (use http or prometheus)");
                None
            }
        };
        if let Some(format) = format {
            let port = sysprops
                .get("flume.monitoring.port")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(metrics::http::DEFAULT_PORT);
            let addr = std::net::SocketAddr::from(([0, 0, 0, 0], port));
            metrics::http::serve(addr, Arc::clone(&registry), format, shutdown.clone())
                .await
                .with_context(|| format!("monitoring server cannot bind port {port}"))?;
        }
    }

    wait_for_signal().await;
    tracing::info!("Stopping agent {name}");
    shutdown.cancel();
    running.stop(&[]).await;
    Ok(0)
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let term_fut = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term_fut => {}
    }
}
