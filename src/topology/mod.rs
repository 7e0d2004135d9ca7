//! From a validated [`AgentConfig`] to running components: Flume's materialisation rules
//! (what is dropped at build time, reference §2.4), start order channels → sinks → sources,
//! stop in reverse, supervision with restart back-off, and reload with channel reuse.

mod build;
pub mod reload;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::channel::{self, ChannelRef};
use crate::component::{BuildEnv, BuildError, Status};
use crate::config::{AgentConfig, ConfigError, Diagnostic, Severity};
use crate::interceptor::InterceptorChain;
use crate::metrics::health::ComponentStatus;
use crate::metrics::{MetricSource, Registry};
use crate::processor::{self, DefaultSinkProcessor, SinkProcessor};
use crate::registry;
use crate::selector;
use crate::sink::{self, Sink};
use crate::source::{self, ChannelProcessor, Source, SourceContext};
use build::{
    build_channels, build_sink_runners, build_sinks, build_sources, remove_unconnected_channels,
};

/// A channel as built, with what identifies it for reuse across reloads.
#[derive(Clone)]
pub struct BuiltChannel {
    pub name: String,
    /// Resolved alias (`memory`, `file`, …).
    pub alias: &'static str,
    pub channel: ChannelRef,
}

pub struct BuiltSource {
    pub name: String,
    pub source: Box<dyn Source>,
    pub processor: Arc<ChannelProcessor>,
}

pub struct BuiltSinkRunner {
    /// The group name, or the sink name for a stand-alone sink.
    pub name: String,
    pub sinks: Vec<String>,
    pub processor: Box<dyn SinkProcessor>,
    pub metrics: Vec<Arc<dyn MetricSource>>,
}

/// Everything built from one configuration, not yet started.
pub struct Built {
    pub channels: Vec<BuiltChannel>,
    pub sources: Vec<BuiltSource>,
    pub sink_runners: Vec<BuiltSinkRunner>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Build failures that reject the whole configuration (nothing of it runs).
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    #[error("{0}")]
    UnknownType(ConfigError),
    #[error("agent {0}: configuration is invalid, nothing to run")]
    InvalidAgent(String),
    #[error(
        "sink group {group}: sink {sink} could not be created, so the whole configuration is rejected (Flume's InstantiationException)"
    )]
    GroupSinkMissing { group: String, sink: String },
}

/// Record a component Flume removes at build time: Flume's log line, the diagnostic, and its
/// context marked so that its half-read keys are not reported as unknown.
fn dropped(
    diags: &mut Vec<Diagnostic>,
    what: &str,
    name: &str,
    subject: String,
    error: impl std::fmt::Display,
    origin: Option<crate::config::Origin>,
    context: &crate::config::Context,
) {
    tracing::error!(%error, "{what} {name} has been removed due to an error during configuration");
    context.mark_dropped();
    let origin = origin
        .or_else(|| context.origin("type"))
        .or_else(|| context.first_origin());
    diags.push(Diagnostic::new(
        Severity::Dropped,
        origin,
        subject,
        format!("{error}; {what} {name} has been removed"),
    ));
}

/// Build every component Flume would build from `cfg`. `reuse` holds the running channels of
/// the previous configuration (reload); reusable ones with the same name and type are kept.
pub fn build(
    cfg: &AgentConfig,
    env: &BuildEnv,
    reuse: &[BuiltChannel],
) -> Result<Built, FatalError> {
    if !cfg.valid {
        return Err(FatalError::InvalidAgent(cfg.name.clone()));
    }
    check_types(cfg)?;
    #[cfg(feature = "jvm")]
    sink::serializer::install_java_serializers(|class, context| {
        Ok(Box::new(crate::jvm::serializer::JavaSerializer::create(
            class, context,
        )?))
    });
    let mut diags = Vec::new();
    let mut channels = build_channels(cfg, env, reuse, &mut diags)?;
    let sources = build_sources(cfg, env, &channels, &mut diags)?;
    let sinks = build_sinks(cfg, env, &channels, &mut diags)?;
    let configured_sinks = sinks.order.clone();
    let sink_runners = build_sink_runners(cfg, sinks, &mut diags)?;
    remove_unconnected_channels(cfg, &mut channels, &sources, &configured_sinks, &mut diags);
    Ok(Built {
        channels,
        sources,
        sink_runners,
        diagnostics: diags,
    })
}

pub use crate::component::blocking;

/// Unknown types anywhere reject the whole configuration, before anything is built.
fn check_types(cfg: &AgentConfig) -> Result<(), FatalError> {
    let channels = cfg.channels.iter().map(|c| (registry::Kind::Channel, c));
    let sources = cfg
        .sources
        .iter()
        .map(|s| (registry::Kind::Source, &s.component));
    let sinks = cfg
        .sinks
        .iter()
        .map(|k| (registry::Kind::Sink, &k.component));
    for (kind, component) in channels.chain(sources).chain(sinks) {
        let type_name = component.type_name.as_deref().unwrap_or("");
        if let registry::Resolution::Unknown(name) = registry::resolve(kind, type_name) {
            // A Java class: the build loads it from the Java classpath (and rejects the whole
            // configuration if it cannot).
            if crate::jvm::hosts(kind) && crate::jvm::is_class_name(name) {
                continue;
            }
            return Err(FatalError::UnknownType(
                component
                    .context
                    .error("type", registry::unknown_type_message(kind, name)),
            ));
        }
    }
    Ok(())
}

/// Where a batch-size mismatch is best shown: the batch-size key of the component's property
/// table (any of its names) if written, else the type.
fn batch_origin(
    kind: crate::config::Kind,
    type_name: Option<&str>,
    ctx: &crate::config::Context,
) -> Option<crate::config::Origin> {
    crate::config::keys::table_of(kind, type_name.unwrap_or(""), property_table)
        .and_then(|t| t.batch_key())
        .map(|p| p.names().find_map(|k| ctx.origin(k)))
        .unwrap_or_else(|| {
            // Types whose property table is still to be written.
            [
                "batchSize",
                "batch-size",
                "sink.batchSize",
                "hdfs.batchSize",
                "flumeBatchSize",
            ]
            .iter()
            .find_map(|k| ctx.origin(k))
        })
        .or_else(|| ctx.origin("type"))
}

/// The property table of the native type `name` of `kind` (see [`registry::TableLookup`]):
/// each kind's module pairs its types with their tables; `None` when a type has none yet.
pub fn property_table(kind: registry::Kind, name: &str) -> Option<&'static registry::PropTable> {
    use registry::Kind;
    match kind {
        Kind::Source => source::native(name)?.props,
        Kind::Channel => channel::native(name)?.props,
        Kind::Sink => sink::native(name)?.props,
        // No tables yet.
        Kind::Selector
        | Kind::Interceptor
        | Kind::Deserializer
        | Kind::HttpHandler
        | Kind::ConfigFilter
        | Kind::Serializer
        | Kind::SinkProcessor => None,
    }
}

/// How long a stop may take before in-flight work is abandoned (and rolled back).
pub const STOP_DEADLINE: Duration = Duration::from_secs(20);

/// The components of one configuration, running.
pub struct Running {
    pub channels: Vec<BuiltChannel>,
    source_shutdown: CancellationToken,
    sink_shutdown: CancellationToken,
    source_tasks: Vec<(String, JoinHandle<()>)>,
    sink_tasks: Vec<(String, JoinHandle<()>)>,
    metrics: Vec<Arc<dyn MetricSource>>,
    registry: Arc<Registry>,
    /// `(kind, name)` of every component whose status `/ready` follows.
    statuses: Vec<(&'static str, String)>,
}

/// Start in Flume's order: channels, then sinks, then sources.
pub async fn start(built: Built, registry: Arc<Registry>) -> Running {
    let mut metrics: Vec<Arc<dyn MetricSource>> = Vec::new();
    let mut statuses: Vec<(&'static str, String)> = Vec::new();
    for c in &built.channels {
        tracing::info!("Starting Channel {}", c.name);
        let status = match c.channel.start().await {
            Ok(()) => ComponentStatus::Running,
            Err(error) => {
                tracing::error!(channel = %c.name, %error, "channel failed to start");
                ComponentStatus::Failed(format!("failed to start: {error}"))
            }
        };
        registry.health.set("CHANNEL", &c.name, status);
        statuses.push(("CHANNEL", c.name.clone()));
        if let Some(m) = c.channel.metrics() {
            m.start();
            registry.register(Arc::clone(&m));
            metrics.push(m);
            tracing::info!("Component type: CHANNEL, name: {} started", c.name);
        }
    }

    let sink_shutdown = CancellationToken::new();
    let mut sink_tasks = Vec::new();
    for runner in built.sink_runners {
        // One runner per group, named after it (Flume's SinkRunner): one line, not one per member.
        tracing::info!("Starting Sink {}", runner.name);
        for m in &runner.metrics {
            m.start();
            registry.register(Arc::clone(m));
            metrics.push(Arc::clone(m));
            tracing::info!("Component type: SINK, name: {} started", m.name());
        }
        let token = sink_shutdown.clone();
        let name = runner.name.clone();
        let kind = if runner.sinks == [runner.name.as_str()] {
            "SINK"
        } else {
            "SINKGROUP"
        };
        registry
            .health
            .set(kind, &runner.name, ComponentStatus::Starting);
        statuses.push((kind, runner.name.clone()));
        let status = StatusReport {
            registry: Arc::clone(&registry),
            kind,
        };
        sink_tasks.push((
            name,
            tokio::spawn(run_sink(runner.name, runner.processor, token, status)),
        ));
    }

    let source_shutdown = CancellationToken::new();
    let mut source_tasks = Vec::new();
    for s in built.sources {
        tracing::info!("Starting Source {}", s.name);
        if let Some(m) = s.source.metrics() {
            m.start();
            registry.register(Arc::clone(&m));
            metrics.push(m);
            tracing::info!("Component type: SOURCE, name: {} started", s.name);
        }
        let cx = SourceContext {
            name: s.name.clone(),
            processor: s.processor,
            shutdown: source_shutdown.clone(),
        };
        registry
            .health
            .set("SOURCE", &s.name, ComponentStatus::Starting);
        statuses.push(("SOURCE", s.name.clone()));
        let status = StatusReport {
            registry: Arc::clone(&registry),
            kind: "SOURCE",
        };
        source_tasks.push((s.name, tokio::spawn(run_source(s.source, cx, status))));
    }

    Running {
        channels: built.channels,
        source_shutdown,
        sink_shutdown,
        source_tasks,
        sink_tasks,
        metrics,
        registry,
        statuses,
    }
}

/// Where a supervised component reports its status for `/ready`.
struct StatusReport {
    registry: Arc<Registry>,
    kind: &'static str,
}

impl StatusReport {
    fn set(&self, name: &str, status: ComponentStatus) {
        self.registry.health.set(self.kind, name, status);
    }
}

/// Supervise a source: restart it with a back-off when it fails or panics.
async fn run_source(mut source: Box<dyn Source>, cx: SourceContext, status: StatusReport) {
    let mut delay = Duration::from_secs(1);
    loop {
        status.set(&cx.name, ComponentStatus::Running);
        let outcome = AssertUnwindSafe(source.run(&cx)).catch_unwind().await;
        if cx.shutdown.is_cancelled() {
            return;
        }
        match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => {
                tracing::error!(source = %cx.name, %error, "source failed; restarting in {}s", delay.as_secs());
                status.set(
                    &cx.name,
                    ComponentStatus::Failed(format!(
                        "failed ({error}); restarting in {}s",
                        delay.as_secs()
                    )),
                );
            }
            Err(_) => {
                tracing::error!(source = %cx.name, "source panicked; restarting in {}s", delay.as_secs());
                status.set(
                    &cx.name,
                    ComponentStatus::Failed(format!(
                        "panicked; restarting in {}s",
                        delay.as_secs()
                    )),
                );
            }
        }
        tokio::select! {
            _ = cx.shutdown.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

/// Flume's `SinkRunner`: BACKOFF sleeps `min(n × 1 s, 5 s)`, an error 5 s. On shutdown the
/// runner keeps going until its channel is empty or a delivery fails, so that events already
/// in the channel are delivered rather than lost (bounded by the stop deadline).
async fn run_sink(
    name: String,
    mut processor: Box<dyn SinkProcessor>,
    shutdown: CancellationToken,
    status: StatusReport,
) {
    match processor.start().await {
        Ok(()) => status.set(&name, ComponentStatus::Running),
        Err(error) => {
            tracing::error!(sink = %name, %error, "sink failed to start");
            status.set(
                &name,
                ComponentStatus::Failed(format!("failed to start: {error}")),
            );
        }
    }
    let mut backoffs: u32 = 0;
    loop {
        let outcome = AssertUnwindSafe(processor.process()).catch_unwind().await;
        let sleep = match outcome {
            Ok(Ok(Status::Ready)) => {
                backoffs = 0;
                continue;
            }
            Ok(Ok(Status::Backoff)) => {
                if shutdown.is_cancelled() {
                    break;
                }
                backoffs = backoffs.saturating_add(1);
                Duration::from_millis((backoffs as u64 * 1000).min(5000))
            }
            Ok(Err(error)) => {
                tracing::error!(sink = %name, %error, "Unable to deliver event. Exception follows.");
                if shutdown.is_cancelled() {
                    break;
                }
                Duration::from_secs(5)
            }
            Err(_) => {
                tracing::error!(sink = %name, "sink panicked while processing; retrying in 5s");
                if shutdown.is_cancelled() {
                    break;
                }
                Duration::from_secs(5)
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
    processor.stop().await;
}

impl Running {
    /// Stop sources, then sinks (after they drain), then channels. `keep` names channels that
    /// the next configuration reuses: they are not stopped.
    pub async fn stop(self, keep: &[String]) {
        let deadline = tokio::time::Instant::now() + STOP_DEADLINE;
        self.source_shutdown.cancel();
        for (name, task) in self.source_tasks {
            tracing::info!("Stopping Source {name}");
            join_by(task, deadline, &name).await;
        }
        self.sink_shutdown.cancel();
        for (name, task) in self.sink_tasks {
            tracing::info!("Stopping Sink {name}");
            join_by(task, deadline, &name).await;
        }
        for c in &self.channels {
            if !keep.contains(&c.name) {
                tracing::info!("Stopping Channel {}", c.name);
                c.channel.stop().await;
            }
        }
        for m in &self.metrics {
            m.stop();
            for line in Registry::shutdown_lines(m.as_ref()) {
                tracing::info!("{line}");
            }
            self.registry.unregister(m.kind(), m.name());
        }
        for (kind, name) in &self.statuses {
            self.registry.health.remove(kind, name);
        }
    }
}

async fn join_by(mut task: JoinHandle<()>, deadline: tokio::time::Instant, name: &str) {
    if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
        tracing::warn!(component = %name, "did not stop before the deadline; abandoning its work in flight (it will be rolled back)");
        task.abort();
    }
}
