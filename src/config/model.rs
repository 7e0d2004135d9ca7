//! The agent configuration model: what `FlumeConfiguration` builds from the flat properties —
//! per agent, the listed sources, channels, sinks and sink groups, each with its `Context`.

use std::collections::BTreeMap;
use std::fmt;

use super::context::{Context, Entry, Origin};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Source,
    Channel,
    Sink,
    SinkGroup,
    ConfigFilter,
}

impl Kind {
    /// The key segment: `sources`, `channels`, …
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Source => "sources",
            Kind::Channel => "channels",
            Kind::Sink => "sinks",
            Kind::SinkGroup => "sinkgroups",
            Kind::ConfigFilter => "configfilters",
        }
    }

    /// Flume's metrics/log type word: `SOURCE`, `CHANNEL`, `SINK`.
    pub fn upper(self) -> &'static str {
        match self {
            Kind::Source => "SOURCE",
            Kind::Channel => "CHANNEL",
            Kind::Sink => "SINK",
            Kind::SinkGroup => "SINKGROUP",
            Kind::ConfigFilter => "CONFIGFILTER",
        }
    }

    pub const ALL: [Kind; 5] = [
        Kind::Source,
        Kind::Channel,
        Kind::Sink,
        Kind::SinkGroup,
        Kind::ConfigFilter,
    ];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Source => "source",
            Kind::Channel => "channel",
            Kind::Sink => "sink",
            Kind::SinkGroup => "sink group",
            Kind::ConfigFilter => "config filter",
        })
    }
}

/// One named component with all its properties.
#[derive(Debug, Clone)]
pub struct ComponentConfig {
    pub kind: Kind,
    pub name: String,
    /// `type`, trimmed (Flume trims type strings at load).
    pub type_name: Option<String>,
    pub context: Context,
}

impl ComponentConfig {
    pub fn new(kind: Kind, agent: &str, name: &str, entries: BTreeMap<String, Entry>) -> Self {
        let context = Context::new(format!("{agent}.{}.{name}.", kind.plural()), entries);
        let type_name = context.get("type").map(|t| t.trim().to_string());
        ComponentConfig {
            kind,
            name: name.to_string(),
            type_name,
            context,
        }
    }

    pub fn type_origin(&self) -> Option<Origin> {
        self.context.origin("type")
    }
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub component: ComponentConfig,
    /// Surviving channels of this source, in the order written.
    pub channels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SinkConfig {
    pub component: ComponentConfig,
    pub channel: String,
}

#[derive(Debug, Clone)]
pub struct SinkGroupConfig {
    pub component: ComponentConfig,
    pub sinks: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    /// The component named is dropped (the rest runs).
    Dropped,
    /// The whole agent configuration is rejected.
    Fatal,
}

/// Flume's `FlumeConfigurationErrorType`, for the mistakes Flume's validation records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlumeErrorType {
    AgentNameMissing,
    ConfigError,
    PropertyNameNull,
    PropertyValueNull,
    InvalidProperty,
    AttrsMissing,
    DuplicateProperty,
    PropertyPartOfAnotherGroup,
    AgentConfigurationInvalid,
}

impl FlumeErrorType {
    pub fn name(self) -> &'static str {
        match self {
            FlumeErrorType::AgentNameMissing => "AGENT_NAME_MISSING",
            FlumeErrorType::ConfigError => "CONFIG_ERROR",
            FlumeErrorType::PropertyNameNull => "PROPERTY_NAME_NULL",
            FlumeErrorType::PropertyValueNull => "PROPERTY_VALUE_NULL",
            FlumeErrorType::InvalidProperty => "INVALID_PROPERTY",
            FlumeErrorType::AttrsMissing => "ATTRS_MISSING",
            FlumeErrorType::DuplicateProperty => "DUPLICATE_PROPERTY",
            FlumeErrorType::PropertyPartOfAnotherGroup => "PROPERTY_PART_OF_ANOTHER_GROUP",
            FlumeErrorType::AgentConfigurationInvalid => "AGENT_CONFIGURATION_INVALID",
        }
    }
}

/// A `FlumeConfigurationError` as Flume records it: its type and level (`ERROR`/`WARNING`;
/// the level says nothing about the effect, e.g. an ignored property is an `ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlumeError {
    pub kind: FlumeErrorType,
    pub error_level: bool,
}

/// Something `validate` reports and the agent logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub origin: Option<Origin>,
    /// The component (`a1.sinks.k1`) or full key concerned.
    pub subject: String,
    pub message: String,
    /// The error Flume's own validation records for this mistake, if it records one.
    pub flume: Option<FlumeError>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        origin: Option<Origin>,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            origin,
            subject: subject.into(),
            message: message.into(),
            flume: None,
        }
    }

    /// Attach Flume's error type, at Flume's `ERROR` level.
    pub fn flume(mut self, kind: FlumeErrorType) -> Self {
        self.flume = Some(FlumeError {
            kind,
            error_level: true,
        });
        self
    }

    /// Attach Flume's error type, at Flume's `WARNING` level.
    pub fn flume_warning(mut self, kind: FlumeErrorType) -> Self {
        self.flume = Some(FlumeError {
            kind,
            error_level: false,
        });
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{o}: ")?;
        }
        let what = match self.severity {
            Severity::Warning => "warning",
            Severity::Dropped => "dropped",
            Severity::Fatal => "fatal",
        };
        write!(f, "{what}: {}: {}", self.subject, self.message)?;
        if let Some(e) = &self.flume {
            write!(f, " ({})", e.kind.name())?;
        }
        Ok(())
    }
}

/// One agent's validated configuration: only components that survive Flume's validation.
#[derive(Debug, Clone, Default)]
pub struct AgentConfig {
    pub name: String,
    pub sources: Vec<SourceConfig>,
    pub channels: Vec<ComponentConfig>,
    pub sinks: Vec<SinkConfig>,
    pub sinkgroups: Vec<SinkGroupConfig>,
    pub diagnostics: Vec<Diagnostic>,
    /// False when Flume would reject the agent as a whole (nothing runs).
    pub valid: bool,
    /// Values that came out of config filters (secrets, typically): never shown.
    pub sensitive: Vec<String>,
    /// Every agent name the configuration defines (for "no configuration for this host").
    pub agents_in_file: Vec<String>,
}

impl AgentConfig {
    pub fn channel(&self, name: &str) -> Option<&ComponentConfig> {
        self.channels.iter().find(|c| c.name == name)
    }

    pub fn warn(
        &mut self,
        origin: Option<Origin>,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, origin, subject, message);
    }

    pub fn push(
        &mut self,
        severity: Severity,
        origin: Option<Origin>,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(severity, origin, subject, message));
    }

    /// Every component context of the agent (sources, channels, sinks, sink groups).
    pub fn contexts(&self) -> impl Iterator<Item = &super::Context> {
        self.sources
            .iter()
            .map(|s| &s.component.context)
            .chain(self.channels.iter().map(|c| &c.context))
            .chain(self.sinks.iter().map(|k| &k.component.context))
            .chain(self.sinkgroups.iter().map(|g| &g.component.context))
    }
}
