//! Counters of hosted components: the `SourceCounter`/`SinkCounter`/`ChannelCounter` a Java
//! component registers are Flume's JMX MBeans (`org.apache.flume.<kind>:type=<name>`); they are
//! read when the metrics are (JSON, Prometheus, the shutdown lines), under the component's
//! name, as Java Flume's HTTP reporter shows them.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use super::host::Jvm;
use super::wire::{self, In, Out};
use crate::metrics::MetricSource;

pub struct HostedMetrics {
    kind: &'static str,
    name: String,
    jvm: Arc<Jvm>,
}

impl HostedMetrics {
    /// `kind` is SOURCE, SINK or CHANNEL.
    pub fn new(kind: &'static str, name: &str, jvm: Arc<Jvm>) -> Arc<Self> {
        Arc::new(HostedMetrics {
            kind,
            name: name.to_string(),
            jvm,
        })
    }
}

/// Attribute names as `&'static str` (what [`MetricSource`] returns): interned once each; the
/// set is bounded by the distinct attribute names of the plugins' counters.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl MetricSource for HostedMetrics {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut payload = Out::default();
        payload.str(&self.kind.to_ascii_lowercase()).str(&self.name);
        let answer = crate::component::blocking(|| {
            self.jvm
                .call_blocking(self.jvm.admin(), wire::OP_METRICS, 0, payload.into_vec())
        });
        let Ok(answer) = answer else {
            return Vec::new();
        };
        let mut i = In::new(&answer);
        let Ok(n) = i.i32() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for _ in 0..n.max(0) {
            let (Ok(k), Ok(v)) = (i.str(), i.str()) else {
                break;
            };
            out.push((intern(&k), v));
        }
        out
    }

    fn start(&self) {}

    fn stop(&self) {}
}
