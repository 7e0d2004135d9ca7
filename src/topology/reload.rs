//! The running agent across reloads: initial load, polling the configuration files' mtimes
//! (30 s by default, Flume's `-i`), rebuilding on change with Flume's reuse rules (memory and
//! Kafka channels keep their instance and events) while restarting only what changed, and the
//! final stop (reference §2.6, §4).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{FatalError, Running};
use crate::component::BuildEnv;
use crate::config::{self, AgentConfig, LoadError, LoadOptions, Severity};
use crate::metrics::Registry;
use crate::metrics::health::Phase;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Fatal(#[from] FatalError),
}

pub struct Agent {
    pub name: String,
    files: Vec<PathBuf>,
    options: LoadOptions,
    env: BuildEnv,
    registry: Arc<Registry>,
    running: Option<Running>,
    mtimes: Vec<Option<SystemTime>>,
}

fn mtimes(files: &[PathBuf]) -> Vec<Option<SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

fn log_diagnostics(cfg: &AgentConfig) {
    for d in &cfg.diagnostics {
        match d.severity {
            Severity::Warning => tracing::warn!("{d}"),
            Severity::Dropped | Severity::Fatal => tracing::error!("{d}"),
        }
    }
}

impl Agent {
    pub fn new(
        name: String,
        files: Vec<PathBuf>,
        options: LoadOptions,
        env: BuildEnv,
        registry: Arc<Registry>,
    ) -> Self {
        let mtimes = mtimes(&files);
        Agent {
            name,
            files,
            options,
            env,
            registry,
            running: None,
            mtimes,
        }
    }

    /// Load, build and start. On error nothing from this configuration runs (the previous one,
    /// if any, keeps running).
    pub async fn load(&mut self) -> Result<(), AgentError> {
        let result = self.load_inner().await;
        let health = &self.registry.health;
        match &result {
            Ok(()) if self.running.is_some() => health.set_phase(Phase::Running),
            Ok(()) => health.set_phase(Phase::Idle(format!(
                "no configuration for agent {}",
                self.name
            ))),
            // A failed reload keeps the running configuration.
            Err(_) if self.running.is_some() => {}
            Err(error) => health.set_phase(Phase::Idle(error.to_string())),
        }
        result
    }

    async fn load_inner(&mut self) -> Result<(), AgentError> {
        self.mtimes = mtimes(&self.files);
        let reuse = self
            .running
            .as_ref()
            .map(|r| r.channels.clone())
            .unwrap_or_default();
        // Reading the files may run external config-filter commands (up to 30 s each) and
        // building may start the JVM and load Java classes: blocking work, kept off the async
        // workers so that the running components carry on meanwhile.
        let (files, name, options, env) = (
            self.files.clone(),
            self.name.clone(),
            self.options.clone(),
            self.env.clone(),
        );
        let loaded = tokio::task::spawn_blocking(move || -> Result<_, AgentError> {
            let cfg = config::load_agent(&files, &name, &options)?;
            log_diagnostics(&cfg);
            if !cfg.valid {
                tracing::warn!("No configuration found for this host:{name}");
                return Ok(None);
            }
            let built = super::build(&cfg, &env, &reuse)?;
            let keys = config::key_findings(&cfg, super::property_table);
            for key in keys.unknown {
                tracing::warn!("{key}");
            }
            for key in keys.no_effect {
                tracing::warn!("{key}");
            }
            for note in config::value_notes(&cfg) {
                tracing::warn!("{note}");
            }
            Ok(Some(built))
        })
        .await;
        let built = match loaded {
            Ok(result) => result?,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        };
        let reload = self.running.is_some();
        let running = match self.running.take() {
            Some(running) => running,
            None => super::Running::empty(Arc::clone(&self.registry)),
        };
        match built {
            Some(built) => self.running = Some(running.apply(built, reload).await),
            None => running.stop().await,
        }
        Ok(())
    }

    /// True when any configuration file's modification time changed since the last load.
    pub fn changed(&self) -> bool {
        mtimes(&self.files) != self.mtimes
    }

    /// Reload after a change: errors are logged and the running configuration is kept.
    pub async fn reload(&mut self) {
        tracing::info!(
            "Reloading configuration file(s): {}",
            self.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Err(error) = self.load().await {
            tracing::error!(%error, "Failed to load configuration data; the running configuration is kept");
        }
    }

    /// Poll every `interval` until `shutdown`; a `reload_now` notification (SIGHUP) reloads at once.
    pub async fn poll(
        &mut self,
        interval: Duration,
        shutdown: &tokio_util::sync::CancellationToken,
        reload_now: &tokio::sync::Notify,
    ) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = reload_now.notified() => self.reload().await,
                _ = tokio::time::sleep(interval) => {
                    if self.changed() {
                        self.reload().await;
                    }
                }
            }
        }
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}
