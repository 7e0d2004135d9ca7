//! The taildir source's keys, with Flume's defaults.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::java::regex::JavaRegex;
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

impl TaildirConfig {
    pub fn from_context(ctx: &Context, env: &BuildEnv) -> Result<TaildirConfig, ConfigError> {
        let groups_text = ctx
            .get("filegroups")
            .map(str::to_string)
            .ok_or_else(|| ctx.error("filegroups", "Missing param: filegroups"))?;
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
        let position_file = PathBuf::from(ctx.string("positionFile", &default_position));
        let millis = |key: &str, default: i64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(
                u64::try_from(ctx.long(key, default)?).unwrap_or(0),
            ))
        };
        let batch_size = ctx.int("batchSize", 100)?;
        if batch_size <= 0 {
            return Err(ctx.error("batchSize", "batchSize must be greater than 0"));
        }
        let max_batch_count = ctx.long("maxBatchCount", i64::MAX)?;
        if max_batch_count <= 0 {
            return Err(ctx.error("maxBatchCount", "maxBatchCount must be greater than 0"));
        }
        Ok(TaildirConfig {
            groups,
            position_file,
            skip_to_end: ctx.bool("skipToEnd", false),
            byte_offset_header: ctx.bool("byteOffsetHeader", false),
            idle_timeout: millis("idleTimeout", 120_000)?,
            write_pos_interval: millis("writePosInterval", 3000)?,
            batch_size: batch_size as usize,
            max_batch_count: max_batch_count as u64,
            backoff_increment: millis("backoffSleepIncrement", 1000)?,
            max_backoff: millis("maxBackoffSleep", 5000)?,
            cache_pattern_matching: ctx.bool("cachePatternMatching", true),
            file_header: ctx
                .bool("fileHeader", false)
                .then(|| ctx.string("fileHeaderKey", "file")),
        })
    }
}
