//! What `/health` and `/ready` answer: whether the agent runs a configuration, whether each of
//! its components started, and how full its channels are.

use std::sync::Mutex;

use super::MetricSource;

/// Default of `-Dflume.monitoring.readyChannelFillPercentage`: `/ready` answers 503 while a
/// channel is fuller than this (in percent, as Flume's `ChannelFillPercentage`).
pub const DEFAULT_READY_FILL_PERCENTAGE: f64 = 90.0;

/// The system property that sets the readiness fill threshold.
pub const READY_FILL_PROPERTY: &str = "flume.monitoring.readyChannelFillPercentage";

/// Parse `-Dflume.monitoring.readyChannelFillPercentage`: a number from 0 to 100.
pub fn parse_ready_fill(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "-D{READY_FILL_PROPERTY}={value}: expected a percentage from 0 to 100"
        )),
    }
}

/// A component's life as the readiness check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentStatus {
    Starting,
    Running,
    Failed(String),
}

/// The agent as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Loading its first configuration.
    Starting,
    /// A configuration runs.
    Running,
    /// Nothing runs (the configuration was rejected or names no component of this agent).
    Idle(String),
    Stopping,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// `(kind, name, status)`; kind is `SOURCE`, `CHANNEL`, `SINK` or `SINKGROUP`.
    components: Vec<(&'static str, String, ComponentStatus)>,
}

/// Component statuses, updated by the topology as it starts and supervises components.
#[derive(Debug)]
pub struct Health {
    state: Mutex<State>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            state: Mutex::new(State {
                phase: Phase::Starting,
                components: Vec::new(),
            }),
        }
    }
}

/// The readiness verdict: `reasons` is empty when ready.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub reasons: Vec<String>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.reasons.is_empty()
    }

    /// `{"status":"ready"}` or `{"status":"not ready","reasons":[…]}`.
    pub fn to_json(&self) -> String {
        let mut root = serde_json::Map::new();
        root.insert(
            "status".into(),
            (if self.ready() { "ready" } else { "not ready" }).into(),
        );
        if !self.ready() {
            root.insert(
                "reasons".into(),
                serde_json::Value::Array(self.reasons.iter().map(|r| r.as_str().into()).collect()),
            );
        }
        serde_json::Value::Object(root).to_string()
    }
}

impl Health {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_phase(&self, phase: Phase) {
        self.lock().phase = phase;
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase.clone()
    }

    pub fn set(&self, kind: &'static str, name: &str, status: ComponentStatus) {
        let mut state = self.lock();
        match state
            .components
            .iter_mut()
            .find(|(k, n, _)| *k == kind && n == name)
        {
            Some(entry) => entry.2 = status,
            None => state.components.push((kind, name.to_string(), status)),
        }
    }

    pub fn remove(&self, kind: &str, name: &str) {
        self.lock()
            .components
            .retain(|(k, n, _)| !(*k == kind && n == name));
    }

    /// Ready when a configuration runs, every component of it started, and no channel is
    /// fuller than `max_fill` percent. Channels that report no capacity (Kafka) are not checked.
    pub fn readiness(
        &self,
        metrics: &[std::sync::Arc<dyn MetricSource>],
        max_fill: f64,
    ) -> Readiness {
        let mut reasons = Vec::new();
        {
            let state = self.lock();
            match &state.phase {
                Phase::Running => {}
                Phase::Starting => reasons.push("the agent is starting".to_string()),
                Phase::Idle(why) => reasons.push(format!("no configuration runs: {why}")),
                Phase::Stopping => reasons.push("the agent is stopping".to_string()),
            }
            for (kind, name, status) in &state.components {
                match status {
                    ComponentStatus::Running => {}
                    ComponentStatus::Starting => reasons.push(format!("{kind}.{name} is starting")),
                    ComponentStatus::Failed(why) => {
                        reasons.push(format!("{kind}.{name} is not running: {why}"))
                    }
                }
            }
        }
        for m in metrics.iter().filter(|m| m.kind() == "CHANNEL") {
            let attrs = m.attributes();
            let get = |key: &str| {
                attrs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .and_then(|(_, v)| v.parse::<u64>().ok())
            };
            let (Some(size), Some(capacity)) = (get("ChannelSize"), get("ChannelCapacity")) else {
                continue;
            };
            if capacity == 0 {
                continue;
            }
            let fill = size as f64 * 100.0 / capacity as f64;
            if fill > max_fill {
                reasons.push(format!(
                    "CHANNEL.{} is {fill:.1}% full ({size} of {capacity} events), above {max_fill}%",
                    m.name()
                ));
            }
        }
        Readiness { reasons }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::metrics::{ChannelCounter, ChannelMetrics};

    #[test]
    fn readiness_follows_phase_components_and_fill() {
        let health = Health::default();
        let size = Arc::new(AtomicU64::new(0));
        let s = Arc::clone(&size);
        let channel: Arc<dyn MetricSource> =
            Arc::new(ChannelMetrics::new(ChannelCounter::new("c1"), move || {
                (s.load(Ordering::Relaxed), 10)
            }));
        let metrics = vec![channel];
        let r = health.readiness(&metrics, 90.0);
        assert_eq!(r.reasons, ["the agent is starting"]);
        health.set_phase(Phase::Running);
        health.set("SINK", "k1", ComponentStatus::Starting);
        assert_eq!(
            health.readiness(&metrics, 90.0).reasons,
            ["SINK.k1 is starting"]
        );
        health.set("SINK", "k1", ComponentStatus::Running);
        assert!(health.readiness(&metrics, 90.0).ready());
        assert_eq!(
            health.readiness(&metrics, 90.0).to_json(),
            r#"{"status":"ready"}"#
        );
        size.store(9, Ordering::Relaxed);
        assert!(
            health.readiness(&metrics, 90.0).ready(),
            "90% is not above 90%"
        );
        size.store(10, Ordering::Relaxed);
        let r = health.readiness(&metrics, 90.0);
        assert_eq!(
            r.reasons,
            ["CHANNEL.c1 is 100.0% full (10 of 10 events), above 90%"]
        );
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["status"], "not ready");
        assert!(health.readiness(&metrics, 100.0).ready());
        health.set(
            "SOURCE",
            "r1",
            ComponentStatus::Failed("bind: in use".into()),
        );
        assert_eq!(
            health.readiness(&metrics, 100.0).reasons,
            ["SOURCE.r1 is not running: bind: in use"]
        );
        health.remove("SOURCE", "r1");
        health.set_phase(Phase::Idle("bad config".into()));
        assert_eq!(
            health.readiness(&metrics, 100.0).reasons,
            ["no configuration runs: bad config"]
        );
    }

    #[test]
    fn ready_fill_property_is_checked() {
        assert_eq!(parse_ready_fill(" 75.5"), Ok(75.5));
        assert_eq!(parse_ready_fill("100"), Ok(100.0));
        assert!(
            parse_ready_fill("101")
                .unwrap_err()
                .contains("from 0 to 100")
        );
        assert!(parse_ready_fill("0.9x").is_err());
    }
}
