//! From a validated [`AgentConfig`] to running components: Flume's materialisation rules
//! (what is dropped at build time, reference §2.4), start order channels → sinks → sources,
//! stop in reverse, supervision with restart back-off, and reload: channels reused per Flume's
//! rules, and only the components whose configuration changed ([`Fingerprint`]) restarted.

mod build;
pub mod reload;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// What a component was built from: its properties (after substitution and config filters)
/// and the channel instances it is wired to, for itself and, for a sink group, for each member.
/// A reload keeps a running component whose fingerprint did not change. Values may be secrets:
/// compared, never shown (no `Debug`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    parts: Vec<FingerprintPart>,
}

/// One component's `(key, value)` pairs and the identities of its channels.
type FingerprintPart = (Vec<(String, String)>, Vec<usize>);

impl Fingerprint {
    pub fn of(context: &crate::config::Context, channels: &[ChannelRef]) -> Self {
        Fingerprint {
            parts: vec![(
                context.all_values(),
                channels.iter().map(channel_identity).collect(),
            )],
        }
    }

    /// A sink group: its own properties, then each member's fingerprint in order.
    pub fn group(context: &crate::config::Context, members: &[Fingerprint]) -> Self {
        let mut f = Fingerprint::of(context, &[]);
        for m in members {
            f.parts.extend(m.parts.iter().cloned());
        }
        f
    }

    /// The identities of the channels this component is wired to.
    fn channels(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts.iter().flat_map(|(_, c)| c.iter().copied())
    }
}

/// A channel instance's identity: its address, stable while the instance is alive (the
/// running configuration holds every channel a fingerprint of it names).
fn channel_identity(channel: &ChannelRef) -> usize {
    Arc::as_ptr(channel) as *const () as usize
}

/// A channel as built, with what identifies it for reuse across reloads.
#[derive(Clone)]
pub struct BuiltChannel {
    pub name: String,
    /// Resolved alias (`memory`, `file`, …).
    pub alias: &'static str,
    pub channel: ChannelRef,
    /// The properties it was configured with.
    pub fingerprint: Fingerprint,
}

pub struct BuiltSource {
    pub name: String,
    pub source: Box<dyn Source>,
    pub processor: Arc<ChannelProcessor>,
    pub fingerprint: Fingerprint,
}

pub struct BuiltSinkRunner {
    /// The group name, or the sink name for a stand-alone sink.
    pub name: String,
    pub sinks: Vec<String>,
    pub processor: Box<dyn SinkProcessor>,
    pub metrics: Vec<Arc<dyn MetricSource>>,
    pub fingerprint: Fingerprint,
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
    crate::source::http::install_hosted_handlers(crate::jvm::handler::JavaHandler::create);
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
/// table (any of its names) if written, else the type (a Java class: which of its keys is the
/// batch size is not known here).
fn batch_origin(
    kind: crate::config::Kind,
    type_name: Option<&str>,
    ctx: &crate::config::Context,
) -> Option<crate::config::Origin> {
    crate::config::keys::table_of(kind, type_name.unwrap_or(""), property_table)
        .and_then(|t| t.batch_key())
        .and_then(|p| p.names().find_map(|k| ctx.origin(k)))
        .or_else(|| ctx.origin("type"))
}

/// The property table of the native type `name` of `kind` (see [`registry::TableLookup`]):
/// each kind's module pairs its types with their tables; `None` for a type that is not native.
pub fn property_table(kind: registry::Kind, name: &str) -> Option<&'static registry::PropTable> {
    use registry::Kind;
    match kind {
        Kind::Source => Some(source::native(name)?.props),
        Kind::Channel => Some(channel::native(name)?.props),
        Kind::Sink => Some(sink::native(name)?.props),
        Kind::Serializer => sink::serializer::props(name),
        Kind::SinkProcessor => crate::processor::props(name),
        Kind::HttpHandler => source::http::handler_props(name),
        Kind::Selector => selector::props(name),
        Kind::Interceptor => crate::interceptor::props(name),
        Kind::Deserializer => source::spooldir::deserializer::props(name),
        Kind::ConfigFilter => crate::config::filters::props(name),
    }
}

/// How long a stop may take before in-flight work is abandoned (and rolled back).
pub const STOP_DEADLINE: Duration = Duration::from_secs(20);

/// One supervised task, a source or a sink runner, with what it was built from.
struct Task {
    /// `SOURCE`, `SINK` or `SINKGROUP` (health and log wording).
    kind: &'static str,
    name: String,
    fingerprint: Fingerprint,
    shutdown: CancellationToken,
    /// Sink runners: after `shutdown`, keep delivering until the channel is empty. Off when the
    /// channel outlives the runner (a reload that keeps it): the next runner takes from it.
    drain: Arc<AtomicBool>,
    task: JoinHandle<()>,
    metrics: Vec<Arc<dyn MetricSource>>,
}

/// The components of one configuration, running.
pub struct Running {
    pub channels: Vec<BuiltChannel>,
    sources: Vec<Task>,
    sink_runners: Vec<Task>,
    registry: Arc<Registry>,
}

/// What a reload did, by kind: for the log line that tells operators what was touched.
#[derive(Default)]
struct Changes {
    kept: Vec<String>,
    stopped: Vec<String>,
    started: Vec<String>,
}

impl Changes {
    fn line(what: &str, names: &[String]) -> Option<String> {
        (!names.is_empty()).then(|| format!("{what}: {}", names.join(", ")))
    }
}

/// Start in Flume's order: channels, then sinks, then sources.
pub async fn start(built: Built, registry: Arc<Registry>) -> Running {
    Running::empty(registry).apply(built, false).await
}

impl Running {
    /// Nothing running yet.
    pub fn empty(registry: Arc<Registry>) -> Running {
        Running {
            channels: Vec::new(),
            sources: Vec::new(),
            sink_runners: Vec::new(),
            registry,
        }
    }

    /// Move to the components of `built`: a source, sink (runner) or channel whose fingerprint
    /// is unchanged keeps running untouched (same sockets, same counters); the others stop —
    /// sources, then sinks, then channels — and the new ones start — channels, then sinks, then
    /// sources. Reused channels (the same instance in `built`) are not stopped.
    pub async fn apply(mut self, built: Built, reload: bool) -> Running {
        let Built {
            channels,
            sources,
            sink_runners,
            ..
        } = built;
        let mut changes = Changes::default();

        // Which running tasks survive: same name, same kind, same fingerprint. The new
        // instances built for them are dropped unstarted.
        let mut new_sources: Vec<BuiltSource> = sources;
        let mut kept_sources = Vec::new();
        let mut stop_sources = Vec::new();
        for old in std::mem::take(&mut self.sources) {
            match new_sources
                .iter()
                .position(|n| n.name == old.name && n.fingerprint == old.fingerprint)
            {
                Some(i) => {
                    new_sources.remove(i);
                    changes.kept.push(format!("source {}", old.name));
                    kept_sources.push(old);
                }
                None => stop_sources.push(old),
            }
        }
        let mut new_runners: Vec<BuiltSinkRunner> = sink_runners;
        let mut kept_runners = Vec::new();
        let mut stop_runners = Vec::new();
        for old in std::mem::take(&mut self.sink_runners) {
            match new_runners.iter().position(|n| {
                n.name == old.name && runner_kind(n) == old.kind && n.fingerprint == old.fingerprint
            }) {
                Some(i) => {
                    new_runners.remove(i);
                    changes
                        .kept
                        .push(format!("{} {}", old.kind.to_lowercase(), old.name));
                    kept_runners.push(old);
                }
                None => stop_runners.push(old),
            }
        }
        let is_kept =
            |c: &BuiltChannel| channels.iter().any(|n| Arc::ptr_eq(&n.channel, &c.channel));
        let (kept_channels, stop_channels): (Vec<BuiltChannel>, Vec<BuiltChannel>) =
            std::mem::take(&mut self.channels)
                .into_iter()
                .partition(is_kept);
        for c in &kept_channels {
            changes.kept.push(format!("channel {}", c.name));
        }
        let surviving: Vec<usize> = channels
            .iter()
            .map(|c| channel_identity(&c.channel))
            .collect();

        // Stop what changed or went away.
        let deadline = tokio::time::Instant::now() + STOP_DEADLINE;
        let mut finished: Vec<Arc<dyn MetricSource>> = Vec::new();
        let mut statuses: Vec<(&'static str, String)> = Vec::new();
        for t in &stop_sources {
            t.shutdown.cancel();
        }
        for t in stop_sources {
            tracing::info!("Stopping Source {}", t.name);
            changes.stopped.push(format!("source {}", t.name));
            join_by(t.task, deadline, &t.name).await;
            finished.extend(t.metrics);
            statuses.push((t.kind, t.name));
        }
        for t in &stop_runners {
            let drain = t.fingerprint.channels().any(|c| !surviving.contains(&c));
            t.drain.store(drain, Ordering::Relaxed);
            t.shutdown.cancel();
        }
        let mut sink_metrics = Vec::new();
        for t in stop_runners {
            tracing::info!("Stopping Sink {}", t.name);
            changes
                .stopped
                .push(format!("{} {}", t.kind.to_lowercase(), t.name));
            join_by(t.task, deadline, &t.name).await;
            sink_metrics.extend(t.metrics);
            statuses.push((t.kind, t.name));
        }
        let mut channel_metrics = Vec::new();
        for c in &stop_channels {
            tracing::info!("Stopping Channel {}", c.name);
            changes.stopped.push(format!("channel {}", c.name));
            c.channel.stop().await;
            channel_metrics.extend(c.channel.metrics());
            statuses.push(("CHANNEL", c.name.clone()));
        }
        // Flume's order for the shutdown lines: channels, sinks, sources.
        let source_metrics = std::mem::replace(&mut finished, channel_metrics);
        finished.extend(sink_metrics);
        finished.extend(source_metrics);
        for m in &finished {
            m.stop();
            for line in Registry::shutdown_lines(m.as_ref()) {
                tracing::info!("{line}");
            }
            self.registry.unregister(m.kind(), m.name());
        }
        for (kind, name) in &statuses {
            self.registry.health.remove(kind, name);
        }

        // Start what is new: channels, then sinks, then sources.
        for c in channels.iter().filter(|c| {
            !kept_channels
                .iter()
                .any(|k| Arc::ptr_eq(&k.channel, &c.channel))
        }) {
            changes.started.push(format!("channel {}", c.name));
            start_channel(c, &self.registry).await;
        }
        self.channels = channels;
        self.sink_runners = kept_runners;
        for runner in new_runners {
            changes.started.push(format!(
                "{} {}",
                runner_kind(&runner).to_lowercase(),
                runner.name
            ));
            self.sink_runners
                .push(start_sink_runner(runner, &self.registry));
        }
        self.sources = kept_sources;
        for s in new_sources {
            changes.started.push(format!("source {}", s.name));
            self.sources.push(start_source(s, &self.registry));
        }
        if reload {
            let parts: Vec<String> = [
                Changes::line("kept running", &changes.kept),
                Changes::line("stopped", &changes.stopped),
                Changes::line("started", &changes.started),
            ]
            .into_iter()
            .flatten()
            .collect();
            tracing::info!("Reload applied; {}", parts.join("; "));
        }
        self
    }

    /// Stop everything: sources, then sinks (after they drain), then channels.
    pub async fn stop(self) {
        let nothing = Built {
            channels: Vec::new(),
            sources: Vec::new(),
            sink_runners: Vec::new(),
            diagnostics: Vec::new(),
        };
        self.apply(nothing, false).await;
    }
}

fn runner_kind(runner: &BuiltSinkRunner) -> &'static str {
    if runner.sinks == [runner.name.as_str()] {
        "SINK"
    } else {
        "SINKGROUP"
    }
}

async fn start_channel(c: &BuiltChannel, registry: &Arc<Registry>) {
    tracing::info!("Starting Channel {}", c.name);
    let status = match c.channel.start().await {
        Ok(()) => ComponentStatus::Running,
        Err(error) => {
            tracing::error!(channel = %c.name, %error, "channel failed to start");
            ComponentStatus::Failed(format!("failed to start: {error}"))
        }
    };
    registry.health.set("CHANNEL", &c.name, status);
    if let Some(m) = c.channel.metrics() {
        m.start();
        registry.register(m);
        tracing::info!("Component type: CHANNEL, name: {} started", c.name);
    }
}

fn start_sink_runner(runner: BuiltSinkRunner, registry: &Arc<Registry>) -> Task {
    // One runner per group, named after it (Flume's SinkRunner): one line, not one per member.
    tracing::info!("Starting Sink {}", runner.name);
    for m in &runner.metrics {
        m.start();
        registry.register(Arc::clone(m));
        tracing::info!("Component type: SINK, name: {} started", m.name());
    }
    let kind = runner_kind(&runner);
    registry
        .health
        .set(kind, &runner.name, ComponentStatus::Starting);
    let status = StatusReport {
        registry: Arc::clone(registry),
        kind,
    };
    let shutdown = CancellationToken::new();
    let drain = Arc::new(AtomicBool::new(true));
    let task = tokio::spawn(run_sink(
        runner.name.clone(),
        runner.processor,
        shutdown.clone(),
        Arc::clone(&drain),
        status,
    ));
    Task {
        kind,
        name: runner.name,
        fingerprint: runner.fingerprint,
        shutdown,
        drain,
        task,
        metrics: runner.metrics,
    }
}

fn start_source(s: BuiltSource, registry: &Arc<Registry>) -> Task {
    tracing::info!("Starting Source {}", s.name);
    let metrics: Vec<Arc<dyn MetricSource>> = s.source.metrics().into_iter().collect();
    for m in &metrics {
        m.start();
        registry.register(Arc::clone(m));
        tracing::info!("Component type: SOURCE, name: {} started", s.name);
    }
    let shutdown = CancellationToken::new();
    let cx = SourceContext {
        name: s.name.clone(),
        processor: s.processor,
        shutdown: shutdown.clone(),
    };
    registry
        .health
        .set("SOURCE", &s.name, ComponentStatus::Starting);
    let status = StatusReport {
        registry: Arc::clone(registry),
        kind: "SOURCE",
    };
    Task {
        kind: "SOURCE",
        name: s.name,
        fingerprint: s.fingerprint,
        shutdown,
        drain: Arc::new(AtomicBool::new(false)),
        task: tokio::spawn(run_source(s.source, cx, status)),
        metrics,
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
/// in the channel are delivered rather than lost (bounded by the stop deadline) — unless
/// `drain` is off (the channel outlives the runner): then it stops after the batch in hand.
async fn run_sink(
    name: String,
    mut processor: Box<dyn SinkProcessor>,
    shutdown: CancellationToken,
    drain: Arc<AtomicBool>,
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
                if shutdown.is_cancelled() && !drain.load(Ordering::Relaxed) {
                    break;
                }
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

async fn join_by(mut task: JoinHandle<()>, deadline: tokio::time::Instant, name: &str) {
    if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
        tracing::warn!(component = %name, "did not stop before the deadline; abandoning its work in flight (it will be rolled back)");
        task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every native type of every kind has a property table: a new type without one fails
    /// here (and its keys would otherwise be checked only by what its build reads).
    #[test]
    fn every_native_type_has_a_property_table() {
        let missing: Vec<String> = registry::ROWS
            .iter()
            .filter(|r| r.native && property_table(r.kind, r.name()).is_none())
            .map(|r| format!("{} {}", r.kind, r.name()))
            .collect();
        assert!(missing.is_empty(), "no property table: {missing:?}");
    }
    use crate::config::LoadOptions;

    const BASE: &str = "a1.sources = r1 r2\na1.channels = c1 c2 f1\na1.sinks = k1 k2 k3 k4\n\
        a1.sinkgroups = g1\n\
        a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
        a1.sources.r2.type = seq\na1.sources.r2.channels = c2 f1\n\
        a1.sources.r2.interceptors = i1\na1.sources.r2.interceptors.i1.type = static\n\
        a1.sources.r2.interceptors.i1.value = v1\n\
        a1.channels.c1.type = memory\na1.channels.c1.capacity = 100\n\
        a1.channels.c2.type = memory\n\
        a1.channels.f1.type = file\na1.channels.f1.checkpointDir = CK\na1.channels.f1.dataDirs = DATA\n\
        a1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n\
        a1.sinks.k2.type = null\na1.sinks.k2.channel = c2\n\
        a1.sinks.k3.type = null\na1.sinks.k3.channel = c2\n\
        a1.sinks.k4.type = null\na1.sinks.k4.channel = f1\n\
        a1.sinkgroups.g1.sinks = k2 k3\na1.sinkgroups.g1.processor.type = failover\n";

    fn build_text(dir: &std::path::Path, text: &str, reuse: &[BuiltChannel]) -> Built {
        let text = text
            .replace("CK", &dir.join("ck").display().to_string())
            .replace("DATA", &dir.join("data").display().to_string());
        let file = dir.join("agent.conf");
        std::fs::write(&file, text).unwrap();
        let cfg = crate::config::load_agent(&[file], "a1", &LoadOptions::default()).unwrap();
        build(&cfg, &BuildEnv::default(), reuse).unwrap()
    }

    fn source<'a>(b: &'a Built, name: &str) -> &'a Fingerprint {
        &b.sources
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .fingerprint
    }

    fn runner<'a>(b: &'a Built, name: &str) -> &'a Fingerprint {
        &b.sink_runners
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .fingerprint
    }

    fn channel<'a>(b: &'a Built, name: &str) -> &'a ChannelRef {
        &b.channels.iter().find(|c| c.name == name).unwrap().channel
    }

    /// Which components a reload from `BASE` to `changed` restarts: `(sources, runners)` whose
    /// fingerprint differs, and channels that are new instances.
    fn changes(changed: &str) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
        let dir = tempfile::tempdir().unwrap();
        let old = build_text(dir.path(), BASE, &[]);
        let new = build_text(dir.path(), changed, &old.channels);
        let sources = ["r1", "r2"]
            .into_iter()
            .filter(|s| source(&old, s) != source(&new, s))
            .collect();
        let runners = ["k1", "g1", "k4"]
            .into_iter()
            .filter(|r| runner(&old, r) != runner(&new, r))
            .collect();
        let channels = ["c1", "c2", "f1"]
            .into_iter()
            .filter(|c| !Arc::ptr_eq(channel(&old, c), channel(&new, c)))
            .collect();
        (sources, runners, channels)
    }

    #[test]
    fn the_same_configuration_changes_nothing() {
        let none: Vec<&str> = Vec::new();
        assert_eq!(changes(BASE), (none.clone(), none.clone(), none));
    }

    #[test]
    fn an_interceptor_change_restarts_only_its_source() {
        let text = BASE.replace("i1.value = v1", "i1.value = v2");
        assert_eq!(changes(&text), (vec!["r2"], vec![], vec![]));
    }

    #[test]
    fn a_member_sink_change_restarts_its_group_only() {
        let text = BASE.replace(
            "a1.sinks.k3.type = null\n",
            "a1.sinks.k3.type = null\na1.sinks.k3.batchSize = 10\n",
        );
        assert_eq!(changes(&text), (vec![], vec!["g1"], vec![]));
    }

    #[test]
    fn a_memory_channel_capacity_change_reuses_the_channel_and_restarts_nothing() {
        let text = BASE.replace("c1.capacity = 100", "c1.capacity = 200");
        assert_eq!(changes(&text), (vec![], vec![], vec![]));
    }

    #[test]
    fn a_file_channel_change_recreates_it_and_restarts_what_uses_it() {
        let text = BASE.replace(
            "a1.channels.f1.type = file\n",
            "a1.channels.f1.type = file\na1.channels.f1.keep-alive = 2\n",
        );
        assert_eq!(changes(&text), (vec!["r2"], vec!["k4"], vec!["f1"]));
    }

    #[test]
    fn a_source_moved_to_another_channel_restarts_with_its_sinks_untouched() {
        let text = BASE.replace(
            "a1.sources.r1.channels = c1\n",
            "a1.sources.r1.channels = c2\n",
        );
        // c1 loses its only source but keeps its sink, so it stays.
        assert_eq!(changes(&text), (vec!["r1"], vec![], vec![]));
    }
}
