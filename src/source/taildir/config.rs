//! The taildir source's keys, with Flume's defaults.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::java::regex::JavaRegex;
use crate::registry::{self, Prefix, Prop, PropTable, Type};
use crate::source::spooldir::java_file_path;

#[derive(Debug)]
pub struct FileGroup {
    pub name: String,
    /// The directory part, literal.
    pub dir: PathBuf,
    /// The file-name part, a Java regex matched against the whole name.
    pub pattern: JavaRegex,
    pub pattern_text: String,
    pub headers: Vec<(String, String)>,
}

/// Every key of the taildir source, with Flume's defaults.
#[derive(Debug)]
pub struct TaildirConfig {
    pub groups: Vec<FileGroup>,
    pub position_file: PathBuf,
    pub skip_to_end: bool,
    pub byte_offset_header: bool,
    pub idle_timeout: Duration,
    pub write_pos_interval: Duration,
    pub batch_size: usize,
    pub max_batch_count: u64,
    pub backoff_increment: Duration,
    pub max_backoff: Duration,
    pub cache_pattern_matching: bool,
    pub file_header: Option<String>,
}

pub const FILEGROUPS: Prop = Prop::new(
    "filegroups",
    Type::List,
    registry::Default::None,
    "file group names, separated by spaces",
)
.required();
pub const POSITION_FILE: Prop = Prop::new(
    "positionFile",
    Type::Path,
    registry::Default::Computed("`~/.flume/taildir_position.json`"),
    "JSON file keeping each file's position",
);
pub const SKIP_TO_END: Prop = Prop::bool(
    "skipToEnd",
    false,
    "start files without a saved position at their end",
);
pub const BYTE_OFFSET_HEADER: Prop = Prop::bool(
    "byteOffsetHeader",
    false,
    "add the line's byte offset as the `byteoffset` header",
);
pub const IDLE_TIMEOUT: Prop = Prop::long(
    "idleTimeout",
    120_000,
    "milliseconds without change after which a file is closed",
);
pub const WRITE_POS_INTERVAL: Prop = Prop::long(
    "writePosInterval",
    3000,
    "milliseconds between writes of the position file",
);
pub const BATCH_SIZE: Prop =
    Prop::int("batchSize", 100, "lines per channel transaction (> 0)").batch_size();
pub const MAX_BATCH_COUNT: Prop = Prop::long(
    "maxBatchCount",
    i64::MAX,
    "batches read from one file before moving to the next (> 0)",
);
pub const BACKOFF_SLEEP_INCREMENT: Prop = Prop::long(
    "backoffSleepIncrement",
    1000,
    "milliseconds added to the wait after each poll that found nothing",
);
pub const MAX_BACKOFF_SLEEP: Prop = Prop::long(
    "maxBackoffSleep",
    5000,
    "longest wait in milliseconds between polls",
);
pub const CACHE_PATTERN_MATCHING: Prop = Prop::bool(
    "cachePatternMatching",
    true,
    "list a directory again only when its modification time changes",
);
pub const FILE_HEADER: Prop = Prop::bool(
    "fileHeader",
    false,
    "add the file's absolute path as a header",
);
pub const FILE_HEADER_KEY: Prop = Prop::string("fileHeaderKey", "file", "that header's name");

/// `taildir` keys.
pub const PROPS: PropTable = PropTable::new(&[
    FILEGROUPS,
    POSITION_FILE,
    SKIP_TO_END,
    BYTE_OFFSET_HEADER,
    IDLE_TIMEOUT,
    WRITE_POS_INTERVAL,
    BATCH_SIZE,
    MAX_BATCH_COUNT,
    BACKOFF_SLEEP_INCREMENT,
    MAX_BACKOFF_SLEEP,
    CACHE_PATTERN_MATCHING,
    FILE_HEADER,
    FILE_HEADER_KEY,
])
.with_prefixes(&[
    Prefix::user_named(
        "filegroups.",
        "`filegroups.<group>`: the group's absolute path; the file name part is a regex",
    ),
    Prefix::user_named(
        "headers.",
        "`headers.<group>.<header>`: a fixed header for the group's events",
    ),
]);

impl TaildirConfig {
    pub fn from_context(ctx: &Context, env: &BuildEnv) -> Result<TaildirConfig, ConfigError> {
        let groups_text = ctx
            .value(&FILEGROUPS)
            .map(str::to_string)
            .ok_or_else(|| ctx.error(FILEGROUPS.name, "Missing param: filegroups"))?;
        let mut header_table: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let headers = ctx.sub("headers.");
        for key in headers.keys() {
            let Some((group, header)) = key.split_once('.') else {
                return Err(headers.error(&key, "expected headers.<group>.<header>"));
            };
            let value = headers.string(&key, "");
            header_table
                .entry(group.to_string())
                .or_default()
                .push((header.to_string(), value));
        }
        let mut groups = Vec::new();
        let sub = ctx.sub("filegroups.");
        for name in groups_text.split_whitespace() {
            let Some(path) = sub.get(name).map(str::to_string) else {
                continue;
            };
            let path = java_file_path(&path);
            let (dir, pattern_text) = match path.rfind('/') {
                Some(0) => ("/".to_string(), path[1..].to_string()),
                Some(i) => (path[..i].to_string(), path[i + 1..].to_string()),
                None => (".".to_string(), path.clone()),
            };
            let pattern = JavaRegex::new(&pattern_text).map_err(|e| {
                sub.error(
                    name,
                    format!("the file name part must be a Java regular expression: {e}"),
                )
            })?;
            groups.push(FileGroup {
                name: name.to_string(),
                dir: PathBuf::from(dir),
                pattern,
                pattern_text,
                headers: header_table.get(name).cloned().unwrap_or_default(),
            });
        }
        if groups.is_empty() {
            return Err(ctx.error(
                "filegroups",
                "Mapping for tailing files is empty or invalid: 'filegroups.'",
            ));
        }
        let home = env
            .sysprops
            .get("user.home")
            .cloned()
            .or_else(|| std::env::var("HOME").ok())
            .unwrap_or_else(|| "/root".to_string());
        let default_position = format!("{home}/.flume/taildir_position.json");
        let position_file = PathBuf::from(ctx.string(POSITION_FILE.name, &default_position));
        let millis = |prop: &Prop| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(
                u64::try_from(ctx.get_long(prop)?).unwrap_or(0),
            ))
        };
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "batchSize must be greater than 0"));
        }
        let max_batch_count = ctx.get_long(&MAX_BATCH_COUNT)?;
        if max_batch_count <= 0 {
            return Err(ctx.error(MAX_BATCH_COUNT.name, "maxBatchCount must be greater than 0"));
        }
        Ok(TaildirConfig {
            groups,
            position_file,
            skip_to_end: ctx.get_bool(&SKIP_TO_END),
            byte_offset_header: ctx.get_bool(&BYTE_OFFSET_HEADER),
            idle_timeout: millis(&IDLE_TIMEOUT)?,
            write_pos_interval: millis(&WRITE_POS_INTERVAL)?,
            batch_size: batch_size as usize,
            max_batch_count: max_batch_count as u64,
            backoff_increment: millis(&BACKOFF_SLEEP_INCREMENT)?,
            max_backoff: millis(&MAX_BACKOFF_SLEEP)?,
            cache_pattern_matching: ctx.get_bool(&CACHE_PATTERN_MATCHING),
            file_header: ctx
                .get_bool(&FILE_HEADER)
                .then(|| ctx.get_string(&FILE_HEADER_KEY)),
        })
    }
}
