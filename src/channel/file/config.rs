//! The file channel's properties (reference §10.2), with Flume's defaults and rules.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ConfigError, Context};

pub const DEFAULT_CAPACITY: i32 = 1_000_000;
pub const DEFAULT_TRANSACTION_CAPACITY: i32 = 10_000;
pub const DEFAULT_CHECKPOINT_INTERVAL_MS: i64 = 30_000;
/// `Integer.MAX_VALUE - 1 MiB`: also the upper bound of `maxFileSize`.
pub const DEFAULT_MAX_FILE_SIZE: i64 = 2_146_435_071;
pub const DEFAULT_MINIMUM_REQUIRED_SPACE: i64 = 524_288_000;
pub const FLOOR_MINIMUM_REQUIRED_SPACE: i64 = 1_048_576;
pub const DEFAULT_KEEP_ALIVE_SECS: i32 = 3;
pub const DEFAULT_FSYNC_INTERVAL_SECS: i32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChannelConfig {
    pub checkpoint_dir: PathBuf,
    pub backup_checkpoint_dir: Option<PathBuf>,
    pub compress_backup_checkpoint: bool,
    pub data_dirs: Vec<PathBuf>,
    pub capacity: usize,
    pub transaction_capacity: usize,
    pub checkpoint_interval: Duration,
    pub max_file_size: u64,
    pub minimum_required_space: u64,
    pub keep_alive: Duration,
    pub checkpoint_on_close: bool,
    pub fsync_per_transaction: bool,
    pub fsync_interval: Duration,
}

impl FileChannelConfig {
    /// `home` is Java's `user.home` (`-Duser.home`, else `$HOME`): the default directories live
    /// under `<home>/.flume/file-channel/`.
    pub fn from_context(ctx: &Context, home: &str) -> Result<Self, ConfigError> {
        Self::from_context_overridden(ctx, home, &Overrides::default())
    }

    /// As [`FileChannelConfig::from_context`], with some keys' values replaced (a channel that
    /// embeds a file channel, as the spillable memory channel does, `put`s them into the
    /// context before Flume's file channel reads it; the user's values of those keys are not read).
    pub fn from_context_overridden(
        ctx: &Context,
        home: &str,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        reject_encryption(ctx)?;
        let home = home.replace('\\', "/");
        let checkpoint_dir = PathBuf::from(
            ctx.string(
                "checkpointDir",
                &format!("{home}/.flume/file-channel/checkpoint"),
            )
            .trim(),
        );
        let data_dirs: Vec<PathBuf> = ctx
            .string("dataDirs", &format!("{home}/.flume/file-channel/data"))
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        if data_dirs.is_empty() {
            return Err(ctx.error("dataDirs", "expected at least one directory, got none"));
        }

        let use_dual = ctx.bool("useDualCheckpoints", false);
        let backup = ctx.string("backupCheckpointDir", "").trim().to_string();
        let compress_backup_checkpoint = ctx.bool("compressBackupCheckpoint", false);
        let backup_checkpoint_dir = if use_dual {
            if backup.is_empty() {
                return Err(ctx.error(
                    "backupCheckpointDir",
                    "Dual checkpointing is enabled, but the backup directory is not set. Please set backupCheckpointDir to enable dual checkpointing",
                ));
            }
            let backup = PathBuf::from(backup);
            if backup == checkpoint_dir {
                return Err(ctx.error(
                    "backupCheckpointDir",
                    "The checkpoint backup directory and the checkpoint directory are configured to be the same.",
                ));
            }
            Some(backup)
        } else {
            None
        };

        let mut capacity = match overrides.capacity {
            Some(c) => c,
            None => ctx.int("capacity", DEFAULT_CAPACITY)?,
        };
        if capacity <= 0 {
            tracing::warn!(
                "Invalid capacity specified, initializing channel to default capacity of {DEFAULT_CAPACITY}"
            );
            capacity = DEFAULT_CAPACITY;
        }
        let keep_alive = match overrides.keep_alive_secs {
            Some(k) => k,
            None => ctx.int("keep-alive", DEFAULT_KEEP_ALIVE_SECS)?,
        }
        .max(0);
        let mut transaction_capacity =
            ctx.int("transactionCapacity", DEFAULT_TRANSACTION_CAPACITY)?;
        if transaction_capacity <= 0 {
            tracing::warn!(
                "Invalid transaction capacity specified, initializing channel to default capacity of {DEFAULT_TRANSACTION_CAPACITY}"
            );
            transaction_capacity = DEFAULT_TRANSACTION_CAPACITY;
        }
        if transaction_capacity > capacity {
            return Err(ctx.error(
                "transactionCapacity",
                format!("File Channel transaction capacity cannot be greater than the capacity of the channel: {transaction_capacity} > {capacity}"),
            ));
        }
        let mut checkpoint_interval =
            ctx.long("checkpointInterval", DEFAULT_CHECKPOINT_INTERVAL_MS)?;
        if checkpoint_interval <= 0 {
            tracing::warn!(
                "Checkpoint interval is invalid: {checkpoint_interval}, using default: {DEFAULT_CHECKPOINT_INTERVAL_MS}"
            );
            checkpoint_interval = DEFAULT_CHECKPOINT_INTERVAL_MS;
        }
        let max_file_size = ctx
            .long("maxFileSize", DEFAULT_MAX_FILE_SIZE)?
            .clamp(0, DEFAULT_MAX_FILE_SIZE) as u64;
        let minimum_required_space = ctx
            .long("minimumRequiredSpace", DEFAULT_MINIMUM_REQUIRED_SPACE)?
            .max(FLOOR_MINIMUM_REQUIRED_SPACE) as u64;
        // Our replay is always what Flume calls fast (checkpoint + tail): these choose between
        // Java replay implementations and have nothing to select here.
        for key in ["use-log-replay-v1", "use-fast-replay"] {
            if ctx.bool(key, false) {
                tracing::info!(
                    key = %ctx.full_key(key),
                    "selects one of Java Flume's replay implementations; flume-rs has one replay (checkpoint plus log tail), so it has no effect"
                );
            }
        }
        let checkpoint_on_close = ctx.bool("checkpointOnClose", true);
        let fsync_per_transaction = ctx.bool("fsyncPerTransaction", true);
        let mut fsync_interval = ctx.int("fsyncInterval", DEFAULT_FSYNC_INTERVAL_SECS)?;
        if fsync_interval <= 0 {
            tracing::warn!(
                "fsyncInterval must be positive, got {fsync_interval}; using {DEFAULT_FSYNC_INTERVAL_SECS}"
            );
            fsync_interval = DEFAULT_FSYNC_INTERVAL_SECS;
        }
        Ok(FileChannelConfig {
            checkpoint_dir,
            backup_checkpoint_dir,
            compress_backup_checkpoint,
            data_dirs,
            capacity: capacity as usize,
            transaction_capacity: transaction_capacity as usize,
            checkpoint_interval: Duration::from_millis(checkpoint_interval as u64),
            max_file_size,
            minimum_required_space,
            keep_alive: Duration::from_secs(keep_alive as u64),
            checkpoint_on_close,
            fsync_per_transaction,
            fsync_interval: Duration::from_secs(fsync_interval as u64),
        })
    }
}

/// Values that replace the user's (see [`FileChannelConfig::from_context_overridden`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub capacity: Option<i32>,
    pub keep_alive_secs: Option<i32>,
}

/// Flume encrypts its log with keys read from a Java keystore (`JCEKSFILE`, AES/CTR through the
/// JCE). That key store format and provider chain exist only in a JVM, so any `encryption.*`
/// property stops the channel at start rather than writing events in clear text.
fn reject_encryption(ctx: &Context) -> Result<(), ConfigError> {
    let encryption = ctx.sub("encryption.");
    let keys: Vec<String> = encryption.pairs().into_iter().map(|(k, _)| k).collect();
    let Some(first) = keys.first() else {
        return Ok(());
    };
    Err(encryption.error(
        first,
        "file channel encryption is not supported: Java Flume reads its keys from a Java keystore (JCEKS, encryption.keyProvider = JCEKSFILE) through the JVM's crypto providers, which flume-rs cannot open, and it will not silently write events unencrypted. Remove the encryption.* properties and protect dataDirs with disk encryption (e.g. LUKS/dm-crypt) instead; drain a channel Java Flume wrote encrypted with Java Flume first",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<FileChannelConfig, ConfigError> {
        FileChannelConfig::from_context(
            &Context::from_pairs("a1.channels.c1.", pairs.iter().copied()),
            "/home/flume",
        )
    }

    #[test]
    fn defaults_are_flumes() {
        let c = cfg(&[]).unwrap();
        assert_eq!(
            c.checkpoint_dir,
            PathBuf::from("/home/flume/.flume/file-channel/checkpoint")
        );
        assert_eq!(
            c.data_dirs,
            vec![PathBuf::from("/home/flume/.flume/file-channel/data")]
        );
        assert_eq!(c.capacity, 1_000_000);
        assert_eq!(c.transaction_capacity, 10_000);
        assert_eq!(c.checkpoint_interval, Duration::from_secs(30));
        assert_eq!(c.max_file_size, 2_146_435_071);
        assert_eq!(c.minimum_required_space, 524_288_000);
        assert_eq!(c.keep_alive, Duration::from_secs(3));
        assert!(c.checkpoint_on_close && c.fsync_per_transaction);
        assert_eq!(c.fsync_interval, Duration::from_secs(5));
        assert_eq!(c.backup_checkpoint_dir, None);
    }

    #[test]
    fn data_dirs_split_on_commas_only() {
        let c = cfg(&[("dataDirs", " /d1 , /d2,,/d 3 ")]).unwrap();
        assert_eq!(
            c.data_dirs,
            vec![
                PathBuf::from("/d1"),
                PathBuf::from("/d2"),
                PathBuf::from("/d 3")
            ]
        );
    }

    #[test]
    fn limits_and_floors() {
        let c = cfg(&[
            ("maxFileSize", "99999999999"),
            ("minimumRequiredSpace", "10"),
            ("capacity", "-5"),
            ("transactionCapacity", "0"),
            ("checkpointInterval", "0"),
        ])
        .unwrap();
        assert_eq!(c.max_file_size, 2_146_435_071);
        assert_eq!(c.minimum_required_space, 1_048_576);
        assert_eq!(c.capacity, 1_000_000);
        assert_eq!(c.transaction_capacity, 10_000);
        assert_eq!(c.checkpoint_interval, Duration::from_millis(30_000));
        assert!(cfg(&[("capacity", "10"), ("transactionCapacity", "11")]).is_err());
        assert!(cfg(&[("capacity", "1e3")]).is_err());
    }

    #[test]
    fn dual_checkpoints_need_a_distinct_backup_dir() {
        assert!(cfg(&[("useDualCheckpoints", "true")]).is_err());
        assert!(
            cfg(&[
                ("useDualCheckpoints", "true"),
                ("checkpointDir", "/c"),
                ("backupCheckpointDir", "/c")
            ])
            .is_err()
        );
        let c = cfg(&[
            ("useDualCheckpoints", "true"),
            ("backupCheckpointDir", "/b"),
        ])
        .unwrap();
        assert_eq!(c.backup_checkpoint_dir, Some(PathBuf::from("/b")));
        // Without useDualCheckpoints the backup dir is not used.
        let c = cfg(&[("backupCheckpointDir", "/b")]).unwrap();
        assert_eq!(c.backup_checkpoint_dir, None);
    }

    #[test]
    fn encryption_is_refused_with_the_reason() {
        let e = cfg(&[
            ("encryption.activeKey", "key-0"),
            ("encryption.keyProvider", "JCEKSFILE"),
        ])
        .unwrap_err();
        assert!(e.key.starts_with("a1.channels.c1.encryption."), "{e}");
        assert!(e.message.contains("not supported"), "{e}");
        assert!(e.message.contains("Java keystore"), "{e}");
    }
}
