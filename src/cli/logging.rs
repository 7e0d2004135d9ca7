//! Logging set up the way Flume's log4j configuration behaves for operators:
//! `-Dflume.root.logger=LEVEL,console|LOGFILE` (default `INFO,LOGFILE`), `-Dflume.log.dir`
//! (default `./logs`), `-Dflume.log.file` (default `flume.log`), lines shaped like Flume's
//! `%d (%t) [%p - %c] %m%n` pattern. `RUST_LOG` overrides the level filter.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// log4j's RollingFileAppender settings in Flume 1.9's `log4j.properties`.
const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
const MAX_BACKUPS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Console,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    pub level: String,
    pub target: Target,
}

impl LogSettings {
    pub fn from_sysprops(sysprops: &HashMap<String, String>) -> Self {
        let root = sysprops
            .get("flume.root.logger")
            .map(String::as_str)
            .unwrap_or("INFO,LOGFILE");
        let mut parts = root.split(',').map(str::trim);
        let level = parts
            .next()
            .filter(|l| !l.is_empty())
            .unwrap_or("INFO")
            .to_ascii_lowercase();
        let appender = parts.next().unwrap_or("LOGFILE");
        let target = if appender.eq_ignore_ascii_case("console") {
            Target::Console
        } else {
            let dir = sysprops
                .get("flume.log.dir")
                .map(String::as_str)
                .unwrap_or("./logs");
            let file = sysprops
                .get("flume.log.file")
                .map(String::as_str)
                .unwrap_or("flume.log");
            Target::File(Path::new(dir).join(file))
        };
        let level = match level.as_str() {
            "all" => "trace".to_string(),
            "fatal" => "error".to_string(),
            "off" => "off".to_string(),
            other => other.to_string(),
        };
        LogSettings { level, target }
    }
}

/// Install the global subscriber. Returns an error if the log file cannot be opened.
pub fn init(settings: &LogSettings) -> io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{},librdkafka=warn,aws=warn,hyper=warn,h2=warn",
            settings.level
        ))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .event_format(FlumeFormat);
    let result = match &settings.target {
        Target::Console => builder.with_writer(io::stderr).try_init(),
        Target::File(path) => {
            let writer = RollingFile::open(path)?;
            builder.with_writer(move || writer.clone()).try_init()
        }
    };
    result.map_err(|e| io::Error::other(e.to_string()))
}

/// The target of log lines of hosted Java code (src/jvm/log.rs), which carry a `logger` field.
pub const JAVA_TARGET: &str = "java";

/// The `logger` and `message` of a hosted Java log line.
#[derive(Default)]
struct JavaLine {
    logger: String,
    message: String,
}

impl tracing::field::Visit for JavaLine {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "logger" => self.logger = value.to_string(),
            "message" => self.message = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        match field.name() {
            "logger" => self.logger = format!("{value:?}"),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

/// `2026-11-26 14:44:52,962 (thread) [INFO - target] message key=value`
struct FlumeFormat;

impl<S, N> FormatEvent<S, N> for FlumeFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = chrono::Local::now();
        let meta = event.metadata();
        let thread = std::thread::current();
        if meta.target() == JAVA_TARGET {
            // Hosted Java code: its logger name where Flume's layout has the location.
            let mut java = JavaLine::default();
            event.record(&mut java);
            return writeln!(
                writer,
                "{} ({}) [{} - {}] {}",
                now.format("%Y-%m-%d %H:%M:%S,%3f"),
                thread.name().unwrap_or("main"),
                meta.level(),
                java.logger,
                java.message
            );
        }
        write!(
            writer,
            "{} ({}) [{} - {}] ",
            now.format("%Y-%m-%d %H:%M:%S,%3f"),
            thread.name().unwrap_or("main"),
            meta.level(),
            meta.target()
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// A size-rolled log file: `flume.log`, then `flume.log.1` … `flume.log.10`.
#[derive(Clone)]
struct RollingFile {
    inner: Arc<Mutex<RollingState>>,
}

struct RollingState {
    path: PathBuf,
    file: File,
    size: u64,
}

impl RollingFile {
    fn open(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RollingFile {
            inner: Arc::new(Mutex::new(RollingState {
                path: path.to_path_buf(),
                file,
                size,
            })),
        })
    }
}

impl RollingState {
    fn roll(&mut self) -> io::Result<()> {
        let name = |i: u32| PathBuf::from(format!("{}.{i}", self.path.display()));
        let _ = std::fs::remove_file(name(MAX_BACKUPS));
        for i in (1..MAX_BACKUPS).rev() {
            let _ = std::fs::rename(name(i), name(i + 1));
        }
        std::fs::rename(&self.path, name(1))?;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RollingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if s.size + buf.len() as u64 > MAX_FILE_BYTES && s.size > 0 {
            let _ = s.roll();
        }
        s.file.write_all(buf)?;
        s.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .file
            .flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn root_logger_forms() {
        assert_eq!(
            LogSettings::from_sysprops(&props(&[])),
            LogSettings {
                level: "info".into(),
                target: Target::File("./logs/flume.log".into())
            }
        );
        let s = LogSettings::from_sysprops(&props(&[("flume.root.logger", "DEBUG,console")]));
        assert_eq!(
            s,
            LogSettings {
                level: "debug".into(),
                target: Target::Console
            }
        );
        let s = LogSettings::from_sysprops(&props(&[
            ("flume.log.dir", "/var/log/x"),
            ("flume.log.file", "a.log"),
        ]));
        assert_eq!(s.target, Target::File("/var/log/x/a.log".into()));
    }
}
