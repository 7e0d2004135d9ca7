//! `file_roll` sink (`RollingFileSink`): events serialized into files in `sink.directory`, a new
//! file every `sink.rollInterval` seconds — opened even when no event comes, so an idle sink
//! leaves empty files as Flume does (reference §11.3).

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;

use super::serializer::{EventSerializer, SerializerFactory};
use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SinkCounter};
use crate::registry::{Kind, Prefix, Prop, PropTable, Type};

pub const DIRECTORY: Prop = Prop::text(
    "sink.directory",
    "directory the files are written in (not created when missing)",
)
.typed(Type::Path)
.required();
pub const ROLL_INTERVAL: Prop = Prop::long(
    "sink.rollInterval",
    30,
    "seconds between new files (0 = one file, never rolled)",
);
pub const BATCH_SIZE: Prop =
    Prop::int("sink.batchSize", 100, "events per transaction (> 0)").batch_size();
pub const SERIALIZER: Prop = Prop::string(
    "sink.serializer",
    "TEXT",
    "event serializer: text, header_and_text, avro_event or a class",
)
.typed(Type::Class);
pub const PATH_MANAGER: Prop = Prop::string(
    "sink.pathManager",
    "DEFAULT",
    "file naming: DEFAULT (`<prefix><start ms>-<n>`) or ROLLTIME (`<prefix><yyyyMMddHHmmss>-<n>`)",
)
.typed(Type::Enum(&["DEFAULT", "ROLLTIME"]));
pub const PATH_MANAGER_PREFIX: Prop =
    Prop::string("sink.pathManager.prefix", "", "file name prefix");
pub const PATH_MANAGER_EXTENSION: Prop = Prop::string(
    "sink.pathManager.extension",
    "",
    "file name extension (the dot is added)",
);
pub const PROPS: PropTable = PropTable::new(&[
    DIRECTORY,
    ROLL_INTERVAL,
    BATCH_SIZE,
    SERIALIZER,
    PATH_MANAGER,
    PATH_MANAGER_PREFIX,
    PATH_MANAGER_EXTENSION,
])
.with_prefixes(&[Prefix::typed(
    "sink.serializer.",
    Kind::Serializer,
    Some("sink.serializer"),
    Some("TEXT"),
    "keys of the serializer",
)]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "file_roll",
    props: &PROPS,
    build: |name, ctx, channel, _| {
        Ok(Box::new(FileRollSink::from_context(name, ctx, channel)?))
    },
};

/// How files are named (`sink.pathManager`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathManager {
    /// `<prefix><series ms>-<n>[.<ext>]`, n = 1, 2, 3 …
    Default { series: i64 },
    /// `<prefix><yyyyMMddHHmmss>-<n>[.<ext>]` in local time; n restarts at each new second.
    RollTime { last: String },
}

#[derive(Debug, Clone)]
pub struct FileRollConfig {
    pub directory: PathBuf,
    pub roll_interval: Option<Duration>,
    pub batch_size: usize,
    pub prefix: String,
    pub extension: String,
    pub path_manager: PathManager,
}

impl FileRollConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let directory = PathBuf::from(ctx.get_required(&DIRECTORY)?);
        let roll = ctx.get_long(&ROLL_INTERVAL)?;
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "must be greater than 0"));
        }
        let manager = ctx.get_string(&PATH_MANAGER);
        let path_manager = match manager.trim().to_ascii_uppercase().as_str() {
            "DEFAULT" | "ORG.APACHE.FLUME.FORMATTER.OUTPUT.DEFAULTPATHMANAGER$BUILDER" => {
                PathManager::Default {
                    series: crate::metrics::now_millis(),
                }
            }
            "ROLLTIME" | "ORG.APACHE.FLUME.FORMATTER.OUTPUT.ROLLTIMEPATHMANAGER$BUILDER" => {
                PathManager::RollTime {
                    last: String::new(),
                }
            }
            _ => {
                return Err(ctx.error(
                    PATH_MANAGER.name,
                    format!("cannot load path manager class {manager}: custom Java classes cannot run in flume-rs (built-in: DEFAULT, ROLLTIME)"),
                ));
            }
        };
        Ok(FileRollConfig {
            directory,
            roll_interval: (roll > 0).then(|| Duration::from_secs(roll as u64)),
            batch_size: batch_size as usize,
            prefix: ctx.get_string(&PATH_MANAGER_PREFIX),
            extension: ctx.get_string(&PATH_MANAGER_EXTENSION),
            path_manager,
        })
    }
}

struct OpenFile {
    path: PathBuf,
    out: BufWriter<File>,
    serializer: Box<dyn EventSerializer>,
    /// Length of the file once the last committed batch was flushed.
    committed: u64,
}

pub struct FileRollSink {
    name: String,
    channel: ChannelRef,
    config: FileRollConfig,
    serializers: SerializerFactory,
    index: u64,
    current: Option<OpenFile>,
    next_roll: Option<tokio::time::Instant>,
    counter: Arc<SinkCounter>,
}

impl FileRollSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, ConfigError> {
        let config = FileRollConfig::from_context(ctx)?;
        let serializer_type = ctx.get_string(&SERIALIZER);
        let serializers =
            SerializerFactory::from_context(&serializer_type, &ctx.sub("sink.serializer."))?;
        Ok(FileRollSink {
            name: name.to_string(),
            channel,
            config,
            serializers,
            index: 0,
            current: None,
            next_roll: None,
            counter: SinkCounter::new(name),
        })
    }

    fn next_path(&mut self) -> PathBuf {
        let stamp = match &mut self.config.path_manager {
            PathManager::Default { series } => series.to_string(),
            PathManager::RollTime { last } => {
                let now = chrono::Local::now().format("%Y%m%d%H%M%S").to_string();
                if *last != now {
                    *last = now.clone();
                    self.index = 0;
                }
                now
            }
        };
        self.index += 1;
        let mut name = format!("{}{}-{}", self.config.prefix, stamp, self.index);
        if !self.config.extension.is_empty() {
            name.push('.');
            name.push_str(&self.config.extension);
        }
        self.config.directory.join(name)
    }

    async fn open(&mut self) -> Result<(), SinkError> {
        // The serializer first: a class that cannot be loaded fails every opening, and no
        // file is left behind for it.
        let mut serializer = self.serializers.create()?;
        let path = self.next_path();
        let opened = on_file_thread(move || {
            let file = File::create(&path).map_err(|e| {
                SinkError::Delivery(format!("Failed to open file {}: {e}", path.display()))
            })?;
            let mut out = BufWriter::with_capacity(64 * 1024, file);
            let created = serializer.after_create(&mut out).map_err(SinkError::from);
            Ok((path, created, out, serializer))
        })
        .await
        .and_then(|r| r);
        let (path, created, out, serializer) = opened.inspect_err(|_| {
            self.counter
                .connection_failed
                .fetch_add(1, Ordering::Relaxed);
        })?;
        self.counter
            .connection_created
            .fetch_add(1, Ordering::Relaxed);
        created?;
        self.current = Some(OpenFile {
            path,
            out,
            serializer,
            committed: 0,
        });
        Ok(())
    }

    async fn close(&mut self) {
        if let Some(mut f) = self.current.take() {
            let path = f.path.clone();
            let result = on_file_thread(move || {
                f.serializer
                    .flush(&mut f.out)
                    .and_then(|_| f.serializer.before_close(&mut f.out))
                    .and_then(|_| f.out.flush())
                    .map_err(SinkError::from)
            })
            .await
            .and_then(|r| r);
            match result {
                Ok(()) => {
                    self.counter
                        .connection_closed
                        .fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => {
                    self.counter
                        .connection_failed
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::error!(sink = %self.name, file = %path.display(), %error, "Unable to close output stream");
                }
            }
        }
    }

    /// After a failed write: drop what the file holds beyond the last committed batch (its
    /// buffered bytes and any part already written) and close it; the retried batch goes to a
    /// new file, so no event is written twice and no line is torn.
    fn discard_failed_batch(&mut self) {
        let Some(f) = self.current.take() else {
            return;
        };
        let (file, _unwritten) = f.out.into_parts();
        if let Err(error) = file.set_len(f.committed) {
            tracing::error!(sink = %self.name, file = %f.path.display(), %error, "Unable to cut a failed batch off the file");
        }
        self.counter
            .connection_closed
            .fetch_add(1, Ordering::Relaxed);
        if f.committed == 0 {
            // Nothing of it was committed: no empty file is left behind.
            let _ = std::fs::remove_file(&f.path);
        }
    }

    fn roll_due(&mut self) -> bool {
        let Some(interval) = self.config.roll_interval else {
            return false;
        };
        let now = tokio::time::Instant::now();
        match self.next_roll {
            None => {
                self.next_roll = Some(now + interval);
                false
            }
            Some(at) if now >= at => {
                self.next_roll = Some(now + interval);
                true
            }
            Some(_) => false,
        }
    }
}

#[async_trait]
impl Sink for FileRollSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        self.roll_due();
        tracing::info!(sink = %self.name, "RollingFileSink {} started.", self.name);
        Ok(())
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        if self.roll_due() && self.current.is_some() {
            tracing::debug!(sink = %self.name, "Time to rotate");
            self.close().await;
        }
        if self.current.is_none() {
            self.open().await?;
        }
        let take = self.channel.take(self.config.batch_size).await?;
        let n = take.len() as u64;
        self.counter
            .event_drain_attempt
            .fetch_add(n, Ordering::Relaxed);
        if n > 0 {
            let Some(mut f) = self.current.take() else {
                return Err(SinkError::Delivery("no open file".into()));
            };
            // Serializing, writing and flushing a batch (up to megabytes) is blocking work:
            // done on a blocking thread, once per batch. A failed batch is rolled back when
            // `take` is dropped.
            let (f, take, written) = on_file_thread(move || {
                let written = write_batch(&mut f, take.events());
                (f, take, written)
            })
            .await?;
            self.current = Some(f);
            if let Err(error) = written {
                // The batch goes back to the channel: none of it may stay in the file (a full
                // disk would otherwise leave part of it there, and the retry write it again).
                self.discard_failed_batch();
                return Err(error);
            }
            take.commit().await?;
        } else {
            take.commit().await?;
        }
        self.counter
            .event_drain_success
            .fetch_add(n, Ordering::Relaxed);
        Ok(if n == 0 {
            Status::Backoff
        } else {
            Status::Ready
        })
    }

    async fn stop(&mut self) {
        self.close().await;
        tracing::info!(sink = %self.name, "RollingFile sink {} stopped.", self.name);
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

/// Run file work (create, serialize, write, flush, close) on a blocking thread, off the async
/// workers.
async fn on_file_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SinkError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SinkError::Delivery(format!("file writer failed: {e}")))
}

/// Serialize one batch into the open file and flush it to the file.
fn write_batch(f: &mut OpenFile, events: &[crate::event::Event]) -> Result<(), SinkError> {
    for event in events {
        f.serializer
            .write(event, &mut f.out)
            .map_err(|e| SinkError::Delivery(format!("Failed to process transaction: {e}")))?;
    }
    f.serializer.flush(&mut f.out)?;
    f.out.flush()?;
    f.committed = f.out.get_mut().stream_position()?;
    Ok(())
}

/// Files in `dir` in creation order, for tests and tools: `(name, bytes)`.
pub fn read_dir_sorted(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path())?,
        ));
    }
    out.sort_by_key(|(name, _)| {
        let n: u64 = name
            .rsplit('-')
            .next()
            .and_then(|s| s.split('.').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (name.split('-').next().unwrap_or("").to_string(), n)
    });
    Ok(out)
}
