//! The file channel's properties (reference §10.2): its property table, with Flume's defaults,
//! and Flume's rules.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ConfigError, Context};
use crate::registry::{Prefix, Prop, PropTable, Type};

pub const CHECKPOINT_DIR: Prop = Prop::text("checkpointDir", "directory of the checkpoint")
    .typed(Type::Path)
    .default_computed("`<user.home>/.flume/file-channel/checkpoint`");
pub const DATA_DIRS: Prop = Prop::text("dataDirs", "directories of the log files, comma-separated")
    .typed(Type::Path)
    .default_computed("`<user.home>/.flume/file-channel/data`");
pub const USE_DUAL_CHECKPOINTS: Prop = Prop::bool(
    "useDualCheckpoints",
    false,
    "keep a copy of each checkpoint in `backupCheckpointDir`",
);
pub const BACKUP_CHECKPOINT_DIR: Prop = Prop::text(
    "backupCheckpointDir",
    "directory of the checkpoint copy (required with useDualCheckpoints, ≠ checkpointDir)",
)
.typed(Type::Path);
pub const COMPRESS_BACKUP_CHECKPOINT: Prop = Prop::bool(
    "compressBackupCheckpoint",
    false,
    "compress the checkpoint copy",
);
pub const CAPACITY: Prop = Prop::int(
    "capacity",
    1_000_000,
    "events the channel holds (≤ 0: the default)",
);
pub const TRANSACTION_CAPACITY: Prop = Prop::int(
    "transactionCapacity",
    10_000,
    "events per put or take transaction (≤ 0: the default); at most `capacity`",
);
pub const CHECKPOINT_INTERVAL: Prop = Prop::long(
    "checkpointInterval",
    30_000,
    "ms between checkpoints (≤ 0: the default)",
);
/// `Integer.MAX_VALUE - 1 MiB`: also the upper bound of `maxFileSize`.
pub const MAX_FILE_SIZE: Prop = Prop::long(
    "maxFileSize",
    2_146_435_071,
    "bytes after which a log file is rolled (at most the default)",
);
pub const MINIMUM_REQUIRED_SPACE: Prop = Prop::long(
    "minimumRequiredSpace",
    524_288_000,
    "free bytes below which puts and takes fail (at least 1048576)",
);
pub const KEEP_ALIVE: Prop = Prop::int("keep-alive", 3, "seconds a put waits for room");
pub const USE_LOG_REPLAY_V1: Prop =
    Prop::bool("use-log-replay-v1", false, "Java Flume's old replay")
        .no_effect("flume-rs has one replay (checkpoint plus log tail)");
pub const USE_FAST_REPLAY: Prop = Prop::bool(
    "use-fast-replay",
    false,
    "Java Flume's replay without the checkpoint",
)
.no_effect("flume-rs has one replay (checkpoint plus log tail)");
pub const CHECKPOINT_ON_CLOSE: Prop = Prop::bool(
    "checkpointOnClose",
    true,
    "write a checkpoint when the channel stops",
);
pub const FSYNC_PER_TRANSACTION: Prop = Prop::bool(
    "fsyncPerTransaction",
    true,
    "fsync every commit (false: every `fsyncInterval`)",
);
pub const FSYNC_INTERVAL: Prop = Prop::int(
    "fsyncInterval",
    5,
    "seconds between fsyncs with fsyncPerTransaction = false (≤ 0: the default)",
);
/// The lower bound of `minimumRequiredSpace`.
pub const FLOOR_MINIMUM_REQUIRED_SPACE: i64 = 1_048_576;

/// The keys of the file channel's storage, which the spillable memory channel reads too.
pub const STORAGE_PROPS: PropTable = PropTable::new(&[
    CHECKPOINT_DIR,
    DATA_DIRS,
    USE_DUAL_CHECKPOINTS,
    BACKUP_CHECKPOINT_DIR,
    COMPRESS_BACKUP_CHECKPOINT,
    TRANSACTION_CAPACITY,
    CHECKPOINT_INTERVAL,
    MAX_FILE_SIZE,
    MINIMUM_REQUIRED_SPACE,
    USE_LOG_REPLAY_V1,
    USE_FAST_REPLAY,
    CHECKPOINT_ON_CLOSE,
    FSYNC_PER_TRANSACTION,
    FSYNC_INTERVAL,
])
.with_prefixes(&[Prefix::pass_through(
    "encryption.",
    "log encryption (activeKey, cipherProvider, keyProvider …): refused at start, the Java key \
     store cannot be read here",
)]);
/// `file` (`FileChannel`).
pub const PROPS: PropTable = PropTable::new(&[CAPACITY, KEEP_ALIVE]).including(&[&STORAGE_PROPS]);

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
                ctx.key_of(&CHECKPOINT_DIR),
                &format!("{home}/.flume/file-channel/checkpoint"),
            )
            .trim(),
        );
        let data_dirs: Vec<PathBuf> = ctx
            .string(
                ctx.key_of(&DATA_DIRS),
                &format!("{home}/.flume/file-channel/data"),
            )
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        if data_dirs.is_empty() {
            return Err(ctx.error(DATA_DIRS.name, "expected at least one directory, got none"));
        }

        let use_dual = ctx.get_bool(&USE_DUAL_CHECKPOINTS);
        let backup = ctx.get_string(&BACKUP_CHECKPOINT_DIR).trim().to_string();
        let compress_backup_checkpoint = ctx.get_bool(&COMPRESS_BACKUP_CHECKPOINT);
        let backup_checkpoint_dir = if use_dual {
            if backup.is_empty() {
                return Err(ctx.error(
                    BACKUP_CHECKPOINT_DIR.name,
                    "Dual checkpointing is enabled, but the backup directory is not set. Please set backupCheckpointDir to enable dual checkpointing",
                ));
            }
            let backup = PathBuf::from(backup);
            if backup == checkpoint_dir {
                return Err(ctx.error(
                    BACKUP_CHECKPOINT_DIR.name,
                    "The checkpoint backup directory and the checkpoint directory are configured to be the same.",
                ));
            }
            Some(backup)
        } else {
            None
        };

        let mut capacity = match overrides.capacity {
            Some(c) => c,
            None => ctx.get_int(&CAPACITY)?,
        };
        if capacity <= 0 {
            let default = CAPACITY.default_int() as i32;
            tracing::warn!(
                "Invalid capacity specified, initializing channel to default capacity of {default}"
            );
            capacity = default;
        }
        let keep_alive = match overrides.keep_alive_secs {
            Some(k) => k,
            None => ctx.get_int(&KEEP_ALIVE)?,
        }
        .max(0);
        let mut transaction_capacity = ctx.get_int(&TRANSACTION_CAPACITY)?;
        if transaction_capacity <= 0 {
            let default = TRANSACTION_CAPACITY.default_int() as i32;
            tracing::warn!(
                "Invalid transaction capacity specified, initializing channel to default capacity of {default}"
            );
            transaction_capacity = default;
        }
        if transaction_capacity > capacity {
            return Err(ctx.error(
                TRANSACTION_CAPACITY.name,
                format!("File Channel transaction capacity cannot be greater than the capacity of the channel: {transaction_capacity} > {capacity}"),
            ));
        }
        let mut checkpoint_interval = ctx.get_long(&CHECKPOINT_INTERVAL)?;
        if checkpoint_interval <= 0 {
            let default = CHECKPOINT_INTERVAL.default_int();
            tracing::warn!(
                "Checkpoint interval is invalid: {checkpoint_interval}, using default: {default}"
            );
            checkpoint_interval = default;
        }
        let max_file_size = ctx
            .get_long(&MAX_FILE_SIZE)?
            .clamp(0, MAX_FILE_SIZE.default_int()) as u64;
        let minimum_required_space = ctx
            .get_long(&MINIMUM_REQUIRED_SPACE)?
            .max(FLOOR_MINIMUM_REQUIRED_SPACE) as u64;
        // Our replay is always what Flume calls fast (checkpoint + tail): these choose between
        // Java replay implementations and have nothing to select here.
        for prop in [&USE_LOG_REPLAY_V1, &USE_FAST_REPLAY] {
            if ctx.get_bool(prop) {
                tracing::info!(
                    key = %ctx.full_key(prop.name),
                    "selects one of Java Flume's replay implementations; flume-rs has one replay (checkpoint plus log tail), so it has no effect"
                );
            }
        }
        let checkpoint_on_close = ctx.get_bool(&CHECKPOINT_ON_CLOSE);
        let fsync_per_transaction = ctx.get_bool(&FSYNC_PER_TRANSACTION);
        let mut fsync_interval = ctx.get_int(&FSYNC_INTERVAL)?;
        if fsync_interval <= 0 {
            let default = FSYNC_INTERVAL.default_int() as i32;
            tracing::warn!("fsyncInterval must be positive, got {fsync_interval}; using {default}");
            fsync_interval = default;
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
