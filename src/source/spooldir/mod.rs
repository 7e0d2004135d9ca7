//! `spooldir` (`SpoolDirectorySource` + `ReliableSpoolingFileEventReader`, reference §9.2):
//! reads the files dropped into a directory, oldest first, one batch per channel transaction;
//! the read position is stored in Flume's own tracker file after every committed batch, so a
//! restart — of flume-rs or of Java Flume on the same directory — resumes exactly there. A
//! finished file is renamed `<name>.COMPLETED` (or deleted, or marked in the tracker
//! directory). A file changed after it was picked up, or a completed name that already exists,
//! stops the source until it is restarted, as in Flume.

pub mod avro;
pub mod deserializer;
pub mod tracker;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;

use self::deserializer::{Deserializer, DeserializerError, DeserializerKind, ResettableFile};
use self::tracker::{META_FILE_NAME, PositionTracker, TrackerError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::java::charset::{DecodeErrorPolicy, JavaCharset};
use crate::java::regex::JavaRegex;
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{self, Prop, PropTable, Type};
use crate::source::blocking::BlockingContext;
use crate::source::deliver::{Call, ChannelBackoff, Counting, Failure};
use crate::source::{ProcessError, Source, SourceContext, SourceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOrder {
    Oldest,
    Youngest,
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingPolicy {
    Rename,
    TrackerDir,
}

/// Every key of the spooling directory source, with Flume's defaults.
#[derive(Debug)]
pub struct SpoolConfig {
    pub spool_dir: PathBuf,
    /// The spool directory as Java's `File` prints it (the prefix of tracker targets).
    pub spool_dir_text: String,
    pub file_suffix: String,
    pub delete_immediately: bool,
    pub tracking_policy: TrackingPolicy,
    pub tracker_dir: PathBuf,
    pub file_header: Option<String>,
    pub basename_header: Option<String>,
    pub include_pattern: JavaRegex,
    pub ignore_pattern: JavaRegex,
    pub consume_order: ConsumeOrder,
    pub poll_delay: Duration,
    pub recursive: bool,
    pub max_backoff: Duration,
    pub batch_size: usize,
    pub input_charset: JavaCharset,
    pub decode_error_policy: DecodeErrorPolicy,
    pub deserializer: DeserializerKind,
}

pub const SPOOL_DIR: Prop = Prop::new(
    "spoolDir",
    Type::Path,
    registry::Default::None,
    "the directory to read files from",
)
.required();
pub const FILE_SUFFIX: Prop = Prop::string(
    "fileSuffix",
    ".COMPLETED",
    "appended to the name of a file read completely",
);
pub const DELETE_POLICY: Prop = Prop::new(
    "deletePolicy",
    Type::Enum(&["never", "immediate"]),
    registry::Default::Str("never"),
    "delete files once read (`immediate`) instead of renaming them",
);
pub const TRACKING_POLICY: Prop = Prop::new(
    "trackingPolicy",
    Type::Enum(&["rename", "tracker_dir"]),
    registry::Default::Str("rename"),
    "mark a read file by renaming it, or by a marker file in `trackerDir`",
);
pub const TRACKER_DIR: Prop = Prop::new(
    "trackerDir",
    Type::Path,
    registry::Default::Str(".flumespool"),
    "where the position file (and tracker_dir markers) live; relative to `spoolDir`",
);
pub const FILE_HEADER: Prop = Prop::bool(
    "fileHeader",
    false,
    "add the file's absolute path as a header",
);
pub const FILE_HEADER_KEY: Prop = Prop::string("fileHeaderKey", "file", "that header's name");
pub const BASENAME_HEADER: Prop =
    Prop::bool("basenameHeader", false, "add the file's name as a header");
pub const BASENAME_HEADER_KEY: Prop =
    Prop::string("basenameHeaderKey", "basename", "that header's name");
pub const INCLUDE_PATTERN: Prop =
    Prop::string("includePattern", "^.*$", "Java regex file names must match");
pub const IGNORE_PATTERN: Prop = Prop::string(
    "ignorePattern",
    "^$",
    "Java regex of file (and directory) names to skip",
);
pub const CONSUME_ORDER: Prop = Prop::new(
    "consumeOrder",
    Type::Enum(&["oldest", "youngest", "random"]),
    registry::Default::Str("oldest"),
    "which file is read next",
);
pub const POLL_DELAY: Prop = Prop::int("pollDelay", 500, "milliseconds between directory scans");
pub const RECURSIVE: Prop = Prop::bool(
    "recursiveDirectorySearch",
    false,
    "read files in sub-directories too",
);
pub const MAX_BACKOFF: Prop = Prop::int(
    "maxBackoff",
    4000,
    "longest wait in milliseconds when the channel is full",
);
pub const BATCH_SIZE: Prop =
    Prop::int("batchSize", 100, "events per channel transaction (> 0)").batch_size();
pub const INPUT_CHARSET: Prop = Prop::string("inputCharset", "UTF-8", "character set of the files");
pub const DECODE_ERROR_POLICY: Prop = Prop::new(
    "decodeErrorPolicy",
    Type::Enum(&["FAIL", "REPLACE", "IGNORE"]),
    registry::Default::Str("FAIL"),
    "what a byte sequence invalid in `inputCharset` does",
);

/// `spooldir` keys.
pub const PROPS: PropTable = PropTable::new(&[
    SPOOL_DIR,
    FILE_SUFFIX,
    DELETE_POLICY,
    TRACKING_POLICY,
    TRACKER_DIR,
    FILE_HEADER,
    FILE_HEADER_KEY,
    BASENAME_HEADER,
    BASENAME_HEADER_KEY,
    INCLUDE_PATTERN,
    IGNORE_PATTERN,
    CONSUME_ORDER,
    POLL_DELAY,
    RECURSIVE,
    MAX_BACKOFF,
    BATCH_SIZE,
    INPUT_CHARSET,
    DECODE_ERROR_POLICY,
])
.including(&[&deserializer::SOURCE_PROPS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "spooldir",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(SpoolDirectorySource::from_context(name, ctx)?))
    },
};

/// A Java regex for `Matcher.matches()` on file names.
fn file_pattern(ctx: &Context, prop: &Prop) -> Result<JavaRegex, ConfigError> {
    let pattern = ctx.get_string(prop);
    JavaRegex::new(&pattern).map_err(|e| ctx.error(prop.name, e.to_string()))
}

/// `new File(path).getPath()`: duplicate and trailing separators removed.
pub fn java_file_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut last_slash = false;
    for c in path.chars() {
        if c == '/' {
            if !last_slash {
                out.push(c);
            }
            last_slash = true;
        } else {
            out.push(c);
            last_slash = false;
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

impl SpoolConfig {
    pub fn from_context(ctx: &Context) -> Result<SpoolConfig, ConfigError> {
        let dir_text = ctx.value(&SPOOL_DIR).map(str::to_string).ok_or_else(|| {
            ctx.error(
                SPOOL_DIR.name,
                "Configuration must specify a spooling directory",
            )
        })?;
        let spool_dir_text = java_file_path(&dir_text);
        let spool_dir = PathBuf::from(&spool_dir_text);
        let delete_policy = ctx.get_string(&DELETE_POLICY);
        let delete_immediately = match delete_policy.to_ascii_lowercase().as_str() {
            "never" => false,
            "immediate" => true,
            _ => {
                return Err(ctx.error(
                    "deletePolicy",
                    "Delete policies other than NEVER and IMMEDIATE are not yet supported",
                ));
            }
        };
        let tracking = ctx.get_string(&TRACKING_POLICY);
        let tracking_policy = match tracking.to_ascii_uppercase().as_str() {
            "RENAME" => TrackingPolicy::Rename,
            "TRACKER_DIR" => TrackingPolicy::TrackerDir,
            other => {
                return Err(ctx.error(
                    "trackingPolicy",
                    format!("expected rename or tracker_dir, got \"{other}\""),
                ));
            }
        };
        let tracker_text = ctx.get_string(&TRACKER_DIR);
        let tracker_dir = if Path::new(&tracker_text).is_absolute() {
            PathBuf::from(java_file_path(&tracker_text))
        } else {
            spool_dir.join(&tracker_text)
        };
        let file_header = ctx
            .get_bool(&FILE_HEADER)
            .then(|| ctx.get_string(&FILE_HEADER_KEY));
        let basename_header = ctx
            .get_bool(&BASENAME_HEADER)
            .then(|| ctx.get_string(&BASENAME_HEADER_KEY));
        let order = ctx.get_string(&CONSUME_ORDER);
        let consume_order = match order.to_ascii_uppercase().as_str() {
            "OLDEST" => ConsumeOrder::Oldest,
            "YOUNGEST" => ConsumeOrder::Youngest,
            "RANDOM" => ConsumeOrder::Random,
            other => {
                return Err(ctx.error(
                    "consumeOrder",
                    format!("expected oldest, youngest or random, got \"{other}\""),
                ));
            }
        };
        let millis = |prop: &Prop| -> Result<Duration, ConfigError> {
            let v = ctx.get_int(prop)?;
            Ok(Duration::from_millis(u64::try_from(v).unwrap_or(0)))
        };
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "batchSize must be greater than 0"));
        }
        let charset_name = ctx.get_string(&INPUT_CHARSET);
        let input_charset = JavaCharset::for_name(&charset_name).filter(JavaCharset::can_step).ok_or_else(|| {
            ctx.error(
                "inputCharset",
                format!("unsupported charset \"{charset_name}\" (flume-rs reads UTF-8, US-ASCII, ISO-8859-1 and the single-byte charsets)"),
            )
        })?;
        let policy_name = ctx.get_string(&DECODE_ERROR_POLICY);
        let decode_error_policy = DecodeErrorPolicy::parse(&policy_name).ok_or_else(|| {
            ctx.error(
                "decodeErrorPolicy",
                format!("expected FAIL, REPLACE or IGNORE, got \"{policy_name}\""),
            )
        })?;
        Ok(SpoolConfig {
            spool_dir,
            spool_dir_text,
            file_suffix: ctx.get_string(&FILE_SUFFIX),
            delete_immediately,
            tracking_policy,
            tracker_dir,
            file_header,
            basename_header,
            include_pattern: file_pattern(ctx, &INCLUDE_PATTERN)?,
            ignore_pattern: file_pattern(ctx, &IGNORE_PATTERN)?,
            consume_order,
            poll_delay: millis(&POLL_DELAY)?,
            recursive: ctx.get_bool(&RECURSIVE),
            max_backoff: millis(&MAX_BACKOFF)?,
            batch_size: batch_size as usize,
            input_charset,
            decode_error_policy,
            deserializer: DeserializerKind::from_context(ctx)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("{0}")]
    Start(String),
    #[error(transparent)]
    Deserializer(#[from] DeserializerError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// Flume's `IllegalStateException`s about the spooling assumptions.
    #[error("{0}")]
    Assumption(String),
    #[error("{0}")]
    Io(String),
}

/// The file being read.
struct CurrentFile {
    path: PathBuf,
    /// Path relative to the spool directory (tracker-directory markers).
    relative: PathBuf,
    length: u64,
    modified_ms: i64,
    deserializer: Box<dyn Deserializer>,
}

fn modified_ms(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `ReliableSpoolingFileEventReader`.
pub struct SpoolReader {
    cfg: Arc<SpoolConfig>,
    meta_file: PathBuf,
    current: Option<CurrentFile>,
    committed: bool,
    first_time_read: bool,
    /// The synthetic empty event of an empty file was handed out but not committed yet.
    empty_event_pending: bool,
    random_candidates: Vec<PathBuf>,
}

impl SpoolReader {
    /// Start-up checks: the directory exists, a canary file can be written, read and deleted,
    /// the tracker directory exists (created if needed); an empty meta file is removed.
    pub fn new(cfg: Arc<SpoolConfig>) -> Result<SpoolReader, SpoolError> {
        let dir = &cfg.spool_dir;
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        if !dir.exists() {
            return Err(SpoolError::Start(format!(
                "Directory does not exist: {}",
                abs.display()
            )));
        }
        if !dir.is_dir() {
            return Err(SpoolError::Start(format!(
                "Path is not a directory: {}",
                abs.display()
            )));
        }
        canary(dir).map_err(|e| {
            SpoolError::Start(format!(
                "Unable to read and modify files in the spooling directory: {}: {e}",
                dir.display()
            ))
        })?;
        if !cfg.tracker_dir.exists() {
            std::fs::create_dir(&cfg.tracker_dir).map_err(|e| {
                SpoolError::Start(format!(
                    "Unable to mkdir nonexistent meta directory {}: {e}",
                    cfg.tracker_dir.display()
                ))
            })?;
        }
        if !cfg.tracker_dir.is_dir() {
            return Err(SpoolError::Start(format!(
                "Specified meta directory is not a directory{}",
                cfg.tracker_dir.display()
            )));
        }
        let meta_file = cfg.tracker_dir.join(META_FILE_NAME);
        if std::fs::metadata(&meta_file).is_ok_and(|m| m.len() == 0) {
            delete_file(&meta_file)?;
        }
        Ok(SpoolReader {
            cfg,
            meta_file,
            current: None,
            committed: true,
            first_time_read: false,
            empty_event_pending: false,
            random_candidates: Vec::new(),
        })
    }

    /// `readEvents`: the next batch, from the current file or the next one; after an
    /// uncommitted batch, the same events again from the last mark.
    pub fn read_events(&mut self, n: usize) -> Result<Vec<Event>, SpoolError> {
        if !self.committed {
            let Some(current) = self.current.as_mut() else {
                return Err(SpoolError::Assumption(
                    "File should not roll when commit is outstanding.".into(),
                ));
            };
            tracing::info!("Last read was never committed - resetting mark position.");
            current.deserializer.reset()?;
            if self.empty_event_pending {
                self.first_time_read = true;
            }
        } else {
            if self.current.is_none() {
                self.current = self.next_file()?;
            }
            if self.current.is_none() {
                return Ok(Vec::new());
            }
        }
        let mut events = self.read_deserializer_events(n)?;
        while events.is_empty() {
            tracing::info!(
                "Last read took us just up to a file boundary. Rolling to the next file, if there is one."
            );
            self.retire_current_file()?;
            self.current = self.next_file()?;
            if self.current.is_none() {
                return Ok(Vec::new());
            }
            events = self.read_deserializer_events(n)?;
        }
        if let Some(current) = &self.current {
            if let Some(key) = &self.cfg.file_header {
                let abs =
                    std::path::absolute(&current.path).unwrap_or_else(|_| current.path.clone());
                let value = abs.to_string_lossy().into_owned();
                for e in &mut events {
                    e.headers.insert(key.clone(), value.clone());
                }
            }
            if let Some(key) = &self.cfg.basename_header {
                let value = current
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                for e in &mut events {
                    e.headers.insert(key.clone(), value.clone());
                }
            }
        }
        self.committed = false;
        Ok(events)
    }

    fn read_deserializer_events(&mut self, n: usize) -> Result<Vec<Event>, SpoolError> {
        let Some(current) = self.current.as_mut() else {
            return Ok(Vec::new());
        };
        let mut events = current.deserializer.read_events(n)?;
        self.empty_event_pending = false;
        if events.is_empty() && self.first_time_read {
            // An empty file still makes one (empty) event.
            events.push(Event::new(Bytes::new()));
            self.empty_event_pending = true;
        }
        self.first_time_read = false;
        Ok(events)
    }

    /// `commit`: the last batch reached the channel; store the position.
    pub fn commit(&mut self) -> Result<(), SpoolError> {
        if !self.committed
            && let Some(current) = self.current.as_mut()
        {
            current.deserializer.mark()?;
            self.committed = true;
            self.empty_event_pending = false;
        }
        Ok(())
    }

    /// Candidate files: regular files, not hidden, not completed, matching includePattern and
    /// not ignorePattern; sub-directories too when recursive (unless hidden or ignored).
    fn candidates(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut dirs = vec![self.cfg.spool_dir.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(error) => {
                    tracing::error!(dir = %dir.display(), %error, "I/O exception occurred while listing directories. Files already matched will be returned.");
                    continue;
                }
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = dir.join(entry.file_name());
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
                    if self.cfg.recursive
                        && !is_link
                        && !name.starts_with('.')
                        && !self.cfg.ignore_pattern.matches(&name).unwrap_or(false)
                    {
                        dirs.push(path);
                    }
                    continue;
                }
                if name.ends_with(&self.cfg.file_suffix)
                    || name.starts_with('.')
                    || !self.cfg.include_pattern.matches(&name).unwrap_or(false)
                    || self.cfg.ignore_pattern.matches(&name).unwrap_or(false)
                {
                    continue;
                }
                if self.cfg.tracking_policy == TrackingPolicy::TrackerDir
                    && !self.cfg.delete_immediately
                    && self.marker_for(&path).exists()
                {
                    continue;
                }
                out.push(path);
            }
        }
        out
    }

    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.cfg.spool_dir)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| PathBuf::from(path.file_name().unwrap_or_default()))
    }

    fn marker_for(&self, path: &Path) -> PathBuf {
        let mut marker = self
            .cfg
            .tracker_dir
            .join(self.relative(path))
            .into_os_string();
        marker.push(&self.cfg.file_suffix);
        PathBuf::from(marker)
    }

    /// `getNextFile`: by consume order (oldest/youngest by modification time, ties by the
    /// smaller file name), then opened at the tracker's position.
    fn next_file(&mut self) -> Result<Option<CurrentFile>, SpoolError> {
        let selected = match self.cfg.consume_order {
            ConsumeOrder::Random => {
                if self.random_candidates.is_empty() {
                    self.random_candidates = self.candidates();
                    self.random_candidates.reverse();
                }
                self.random_candidates.pop()
            }
            order => {
                let mut best: Option<(i64, String, PathBuf)> = None;
                for path in self.candidates() {
                    let Ok(meta) = std::fs::metadata(&path) else {
                        continue;
                    };
                    let mtime = modified_ms(&meta);
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let better = match &best {
                        None => true,
                        Some((m, n, _)) if mtime == *m => name < *n,
                        Some((m, _, _)) => match order {
                            ConsumeOrder::Youngest => mtime > *m,
                            _ => mtime < *m,
                        },
                    };
                    if better {
                        best = Some((mtime, name, path));
                    }
                }
                best.map(|(_, _, p)| p)
            }
        };
        let Some(path) = selected else {
            return Ok(None);
        };
        self.first_time_read = true;
        self.open_file(path)
    }

    /// `openFile`: the tracker is reused when it names this file, else replaced.
    fn open_file(&mut self, path: PathBuf) -> Result<Option<CurrentFile>, SpoolError> {
        let target = path.to_string_lossy().into_owned();
        let opened = (|| -> Result<CurrentFile, SpoolError> {
            let mut tracker = PositionTracker::open(&self.meta_file, &target)?;
            if tracker.target() != target {
                drop(tracker);
                delete_file(&self.meta_file)?;
                tracker = PositionTracker::open(&self.meta_file, &target)?;
            }
            if tracker.position() > 0 {
                tracing::info!(file = %target, position = tracker.position(), "resuming spooled file at the tracked position");
            }
            let file = ResettableFile::open(path.clone(), tracker)?;
            let deserializer = self.cfg.deserializer.build(
                file,
                &self.cfg.input_charset,
                self.cfg.decode_error_policy,
            )?;
            let meta =
                std::fs::metadata(&path).map_err(|e| SpoolError::Io(format!("{target}: {e}")))?;
            Ok(CurrentFile {
                relative: self.relative(&path),
                path: path.clone(),
                length: meta.len(),
                modified_ms: modified_ms(&meta),
                deserializer,
            })
        })();
        match opened {
            Ok(c) => Ok(Some(c)),
            Err(SpoolError::Deserializer(DeserializerError::Io { source, .. }))
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                tracing::warn!("Could not find file: {target}");
                Ok(None)
            }
            Err(error) => {
                tracing::error!(%error, "Exception opening file: {target}");
                Ok(None)
            }
        }
    }

    /// `retireCurrentFile`: check the file did not change, then rename / delete / mark it.
    fn retire_current_file(&mut self) -> Result<(), SpoolError> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        let path = current.path.clone();
        drop(current.deserializer);
        let shown = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| SpoolError::Io(format!("{shown}: {e}")))?;
        if modified_ms(&meta) != current.modified_ms {
            return Err(SpoolError::Assumption(format!(
                "File has been modified since being read: {shown}"
            )));
        }
        if meta.len() != current.length {
            return Err(SpoolError::Assumption(format!(
                "File has changed size since being read: {shown}"
            )));
        }
        if self.cfg.delete_immediately {
            tracing::info!("Preparing to delete file {shown}");
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::warn!("Unable to delete nonexistent file: {shown}");
                    return Ok(());
                }
                Err(e) => {
                    return Err(SpoolError::Io(format!(
                        "Unable to delete spool file: {shown}: {e}"
                    )));
                }
            }
            return delete_file(&self.meta_file);
        }
        match self.cfg.tracking_policy {
            TrackingPolicy::Rename => {
                let mut dest = path.clone().into_os_string();
                dest.push(&self.cfg.file_suffix);
                let dest = PathBuf::from(dest);
                tracing::info!("Preparing to move file {shown} to {}", dest.display());
                if dest.exists() {
                    return Err(SpoolError::Assumption(format!(
                        "File name has been re-used with different files. Spooling assumptions violated for {}",
                        dest.display()
                    )));
                }
                std::fs::rename(&path, &dest).map_err(|e| {
                    SpoolError::Io(format!(
                        "Unable to move {shown} to {}. This will likely cause duplicate events. Please verify that flume has sufficient permissions to perform these operations. ({e})",
                        dest.display()
                    ))
                })?;
            }
            TrackingPolicy::TrackerDir => {
                let marker = {
                    let mut m = self
                        .cfg
                        .tracker_dir
                        .join(&current.relative)
                        .into_os_string();
                    m.push(&self.cfg.file_suffix);
                    PathBuf::from(m)
                };
                tracing::info!(
                    "Preparing to mark file {shown} as completed in {}",
                    marker.display()
                );
                if marker.exists() {
                    return Err(SpoolError::Assumption(format!(
                        "File name has been re-used with different files. Spooling assumptions violated for {}",
                        marker.display()
                    )));
                }
                if let Some(parent) = marker.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| SpoolError::Io(format!("{}: {e}", parent.display())))?;
                }
                std::fs::File::create(&marker)
                    .map_err(|e| SpoolError::Io(format!("{}: {e}", marker.display())))?;
            }
        }
        delete_file(&self.meta_file)
    }
}

fn delete_file(path: &Path) -> Result<(), SpoolError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SpoolError::Io(format!(
            "Unable to delete old meta file {}: {e}",
            path.display()
        ))),
    }
}

/// The permission check Flume does at start: create, write, read back and delete a file.
fn canary(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(
        "flume-spooldir-perm-check-{}.canary",
        rand::random::<u64>()
    ));
    std::fs::write(&path, "testing flume file permissions\n")?;
    let text = std::fs::read_to_string(&path)?;
    if text.is_empty() {
        return Err(std::io::Error::other(format!(
            "Empty canary file {}",
            path.display()
        )));
    }
    std::fs::remove_file(&path)
}

/// The `spooldir` source.
pub struct SpoolDirectorySource {
    cfg: Arc<SpoolConfig>,
    counter: Arc<SourceCounter>,
}

impl SpoolDirectorySource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(SpoolDirectorySource {
            cfg: Arc::new(SpoolConfig::from_context(ctx)?),
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl Source for SpoolDirectorySource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        tracing::info!(
            "SpoolDirectorySource source starting with directory: {}",
            self.cfg.spool_dir_text
        );
        let cfg = Arc::clone(&self.cfg);
        let counter = Arc::clone(&self.counter);
        // File reading blocks: the source runs on a thread of its own, as Flume's does.
        cx.run_blocking(move |rt| Worker { cfg, counter, rt }.run())
            .await
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.cfg.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

struct Worker {
    cfg: Arc<SpoolConfig>,
    counter: Arc<SourceCounter>,
    rt: BlockingContext,
}

impl Worker {
    fn run(self) -> Result<(), SourceError> {
        let mut reader = SpoolReader::new(Arc::clone(&self.cfg)).map_err(|e| {
            SourceError::Other(format!("Error instantiating spooling event parser: {e}"))
        })?;
        while !self.rt.is_stopping() {
            if let Err(error) = self.drain(&mut reader) {
                tracing::error!(
                    %error,
                    "FATAL: Spool Directory source {}: {{ spoolDir: {} }}: Uncaught exception in SpoolDirectorySource thread. Restart or reconfigure Flume to continue processing.",
                    self.rt.name(),
                    self.cfg.spool_dir_text
                );
                // Flume's runner stops for good; so does this source, until the agent is
                // restarted or reconfigured.
                self.rt.wait_for_stop();
                break;
            }
            if !self.rt.sleep(self.cfg.poll_delay) {
                break;
            }
        }
        Ok(())
    }

    /// One run of Flume's `SpoolDirectoryRunnable`: batches until no file has data left.
    fn drain(&self, reader: &mut SpoolReader) -> Result<(), SpoolError> {
        let mut backoff = ChannelBackoff::new(Duration::from_millis(250), self.cfg.max_backoff);
        let counting = Counting::EVENTS
            .call(Call::AppendBatch)
            .failures(Some(Failure::ChannelWrite), None);
        while !self.rt.is_stopping() {
            let events = reader.read_events(self.cfg.batch_size)?;
            if events.is_empty() {
                break;
            }
            match self.rt.deliver(&self.counter, counting, events) {
                Ok(()) => {
                    reader.commit()?;
                    backoff.reset();
                }
                Err(error @ ProcessError::Channel { .. }) => {
                    let wait = backoff.next_wait();
                    tracing::warn!(
                        source = %self.rt.name(), %error,
                        "The channel is full, and cannot write data now. The source will try again after {} milliseconds",
                        wait.as_millis()
                    );
                    if !self.rt.sleep(wait) {
                        break;
                    }
                }
                Err(error) => return Err(SpoolError::Io(error.to_string())),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
