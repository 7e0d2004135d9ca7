//! The hdfs sink's properties (reference §11.5): its property table, with Flume's defaults,
//! and Flume's checks (`HDFSEventSink.configure`).

use std::time::Duration;

use crate::bucket_path::{EscapeOptions, EscapePattern, RoundUnit, Rounding, Zone};
use crate::config::{ConfigError, Context};
use crate::format::codec::Codec;
use crate::format::sequence_file::ValueClass;
use crate::registry::{Kind, Prefix, Prop, PropTable, Type};
use crate::sink::serializer::SerializerFactory;
use crate::storage::kerberos::{self, KerberosUser, SettingsError};

pub const PATH: Prop = Prop::text(
    "hdfs.path",
    "directory URI (`hdfs://`, `file://`, `s3a://`, a plain path), escaped per event",
)
.required();
pub const FILE_PREFIX: Prop = Prop::string(
    "hdfs.filePrefix",
    "FlumeData",
    "file name prefix, escaped per event",
);
pub const FILE_SUFFIX: Prop = Prop::string(
    "hdfs.fileSuffix",
    "",
    "literal suffix (no dot added); when set, the codec extension is not added",
);
pub const IN_USE_PREFIX: Prop = Prop::string(
    "hdfs.inUsePrefix",
    "",
    "prefix of a file while it is written",
);
pub const IN_USE_SUFFIX: Prop = Prop::string(
    "hdfs.inUseSuffix",
    ".tmp",
    "suffix of a file while it is written",
);
pub const EMPTY_IN_USE_SUFFIX: Prop = Prop::bool(
    "hdfs.emptyInUseSuffix",
    false,
    "true: no in-use suffix (`hdfs.inUseSuffix` is ignored)",
);
pub const ROLL_INTERVAL: Prop = Prop::long(
    "hdfs.rollInterval",
    30,
    "seconds after which a file is rolled (0 = never)",
);
pub const ROLL_SIZE: Prop = Prop::long(
    "hdfs.rollSize",
    1024,
    "body bytes after which a file is rolled (0 = never)",
);
pub const ROLL_COUNT: Prop = Prop::long(
    "hdfs.rollCount",
    10,
    "events after which a file is rolled (0 = never)",
);
pub const IDLE_TIMEOUT: Prop = Prop::int(
    "hdfs.idleTimeout",
    0,
    "seconds without writes after which a file is closed (0 = never)",
);
pub const BATCH_SIZE: Prop = Prop::long(
    "hdfs.batchSize",
    100,
    "events per transaction and per-file flush threshold (> 0)",
)
.batch_size();
pub const CODEC: Prop = Prop::text(
    "hdfs.codeC",
    "compression codec: gzip, bzip2, deflate/default, snappy, lz4, zstandard, None …",
);
pub const FILE_TYPE: Prop = Prop::string(
    "hdfs.fileType",
    "SequenceFile",
    "file format (any case); other values fail every batch, as in Flume",
)
.typed(Type::Enum(&[
    "SequenceFile",
    "DataStream",
    "CompressedStream",
]));
pub const WRITE_FORMAT: Prop = Prop::string(
    "hdfs.writeFormat",
    "Writable",
    "SequenceFile value class: Writable (BytesWritable) or Text (case-sensitive)",
)
.typed(Type::Enum(&["Writable", "Text"]));
pub const MAX_OPEN_FILES: Prop = Prop::int(
    "hdfs.maxOpenFiles",
    5000,
    "open files kept; the least recently used is closed beyond it (> 0)",
);
pub const MIN_BLOCK_REPLICAS: Prop = Prop::text(
    "hdfs.minBlockReplicas",
    "replicas below which a file is rolled",
)
.typed(Type::Int)
.default_computed("the file system's replication")
.no_effect(
    "the HDFS client does not report a block's live replicas, so files are never rolled for \
     under-replication",
);
pub const THREADS_POOL_SIZE: Prop = Prop::int(
    "hdfs.threadsPoolSize",
    10,
    "threads of Flume's HDFS call pool (> 0)",
)
.no_effect("HDFS calls run on the agent's async runtime; the value is only checked to be > 0");
pub const ROLL_TIMER_POOL_SIZE: Prop = Prop::int(
    "hdfs.rollTimerPoolSize",
    1,
    "threads of Flume's roll-timer pool (> 0)",
)
.no_effect("roll timers run on the agent's async runtime; the value is only checked to be > 0");
pub const CALL_TIMEOUT: Prop = Prop::long(
    "hdfs.callTimeout",
    30_000,
    "ms allowed for each open/append/flush/close/rename (≤ 0 = no limit)",
);
pub const CLOSE_TRIES: Prop = Prop::int(
    "hdfs.closeTries",
    0,
    "attempts to close and rename a file (≤ 0 = unlimited)",
);
pub const RETRY_INTERVAL: Prop = Prop::long(
    "hdfs.retryInterval",
    180,
    "seconds between close attempts (≤ 0: one attempt only)",
);
pub const ROUND: Prop = Prop::bool(
    "hdfs.round",
    false,
    "round the event time down before escaping the path",
);
pub const ROUND_VALUE: Prop = Prop::int(
    "hdfs.roundValue",
    1,
    "round down to this multiple of `hdfs.roundUnit` (1–60, hours 1–24)",
);
pub const ROUND_UNIT: Prop = Prop::string(
    "hdfs.roundUnit",
    "second",
    "unit of rounding (any case; another unit disables rounding)",
)
.typed(Type::Enum(&["second", "minute", "hour"]));
pub const TIME_ZONE: Prop = Prop::text(
    "hdfs.timeZone",
    "zone of the path escapes (a Java zone id; unknown ids become GMT)",
)
.default_computed("the JVM default zone (`-Duser.timezone`, else the system's)");
pub const USE_LOCAL_TIME_STAMP: Prop = Prop::bool(
    "hdfs.useLocalTimeStamp",
    false,
    "escape the path with the sink's clock instead of the `timestamp` header",
);
pub const KERBEROS_PRINCIPAL: Prop = Prop::text(
    "hdfs.kerberosPrincipal",
    "Kerberos principal to log in as from the keytab (`_HOST`: this host's canonical name)",
);
pub const KERBEROS_KEYTAB: Prop =
    Prop::text("hdfs.kerberosKeytab", "keytab of the principal").typed(Type::Path);
pub const PROXY_USER: Prop = Prop::text(
    "hdfs.proxyUser",
    "user the HDFS calls act as (the login user is the real user)",
);
pub const USE_RAW_LOCAL_FILE_SYSTEM: Prop = Prop::bool(
    "hdfs.useRawLocalFileSystem",
    false,
    "write local paths without Hadoop's `.crc` checksum files",
)
.no_effect(
    "local files are always written without `.crc` checksum files, as with true; false does not \
     add them",
);
/// Beyond Flume.
pub const RECOVER_IN_USE_FILES: Prop = Prop::bool(
    "hdfs.recoverInUseFiles",
    true,
    "at start, close and rename in-use files a crash left (flume-rs only)",
);
pub const SERIALIZER: Prop = Prop::string(
    "serializer",
    "TEXT",
    "event serializer of DataStream and CompressedStream files (no `hdfs.` prefix)",
)
.typed(Type::Class);
pub const PROPS: PropTable = PropTable::new(&[
    PATH,
    FILE_PREFIX,
    FILE_SUFFIX,
    IN_USE_PREFIX,
    IN_USE_SUFFIX,
    EMPTY_IN_USE_SUFFIX,
    ROLL_INTERVAL,
    ROLL_SIZE,
    ROLL_COUNT,
    IDLE_TIMEOUT,
    BATCH_SIZE,
    CODEC,
    FILE_TYPE,
    WRITE_FORMAT,
    MAX_OPEN_FILES,
    MIN_BLOCK_REPLICAS,
    THREADS_POOL_SIZE,
    ROLL_TIMER_POOL_SIZE,
    CALL_TIMEOUT,
    CLOSE_TRIES,
    RETRY_INTERVAL,
    ROUND,
    ROUND_VALUE,
    ROUND_UNIT,
    TIME_ZONE,
    USE_LOCAL_TIME_STAMP,
    KERBEROS_PRINCIPAL,
    KERBEROS_KEYTAB,
    PROXY_USER,
    USE_RAW_LOCAL_FILE_SYSTEM,
    RECOVER_IN_USE_FILES,
    SERIALIZER,
])
.with_prefixes(&[
    Prefix::typed(
        "serializer.",
        Kind::Serializer,
        Some("serializer"),
        Some("TEXT"),
        "keys of the serializer",
    ),
    Prefix::pass_through(
        "writeFormat.",
        "keys of a custom SequenceFile serializer class (not run here: `hdfs.writeFormat` is \
         Writable or Text)",
    ),
]);

/// `hdfs.fileType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileType {
    SequenceFile,
    DataStream,
    CompressedStream,
    /// Flume accepts any value at configure time and fails every batch with
    /// `IOException("File type X not supported")`.
    Unsupported(String),
}

impl FileType {
    fn parse(s: &str) -> FileType {
        match s.to_ascii_lowercase().as_str() {
            "sequencefile" => FileType::SequenceFile,
            "datastream" => FileType::DataStream,
            "compressedstream" => FileType::CompressedStream,
            _ => FileType::Unsupported(s.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HdfsSinkConfig {
    /// `hdfs.path`, escaped per event.
    pub path: String,
    pub path_pattern: EscapePattern,
    /// `hdfs.filePrefix`, escaped per event.
    pub file_prefix: String,
    pub prefix_pattern: EscapePattern,
    /// `hdfs.fileSuffix`, literal.
    pub file_suffix: String,
    /// `hdfs.inUsePrefix`.
    pub in_use_prefix: String,
    /// `hdfs.inUseSuffix`, or "" with `hdfs.emptyInUseSuffix = true`.
    pub in_use_suffix: String,
    /// `hdfs.rollInterval` (`None` = off).
    pub roll_interval: Option<Duration>,
    /// `hdfs.rollSize` in body bytes (0 = off).
    pub roll_size: u64,
    /// `hdfs.rollCount` (0 = off).
    pub roll_count: u64,
    /// `hdfs.idleTimeout` (`None` = off).
    pub idle_timeout: Option<Duration>,
    /// `hdfs.batchSize`: events per transaction and per-bucket flush threshold.
    pub batch_size: usize,
    /// `hdfs.codeC` as given (`None` is a name too).
    pub codec_name: Option<String>,
    /// The codec, when one other than `None` was named.
    pub codec: Option<Codec>,
    /// `hdfs.fileType`.
    pub file_type: FileType,
    /// `hdfs.writeFormat` (case-sensitive): Err holds the bad value.
    pub write_format: Result<ValueClass, String>,
    /// `hdfs.maxOpenFiles`.
    pub max_open_files: usize,
    /// `hdfs.callTimeout` (`None` = no timeout).
    pub call_timeout: Option<Duration>,
    /// `hdfs.closeTries` (≤ 0 = unlimited, i.e. `Integer.MAX_VALUE`).
    pub close_tries: u32,
    /// `hdfs.retryInterval`.
    pub retry_interval: Duration,
    /// Path escaping: `hdfs.timeZone`, `hdfs.round*`, `hdfs.useLocalTimeStamp`.
    pub escape: EscapeOptions,
    /// `serializer` and `serializer.*`.
    pub serializer: SerializerFactory,
    /// Beyond Flume: close and rename in-use files left by a crash, at start
    /// (`hdfs.recoverInUseFiles`).
    pub recover_in_use_files: bool,
    /// `hdfs.kerberosPrincipal` (`_HOST` replaced) + `hdfs.kerberosKeytab`, checked.
    pub kerberos: Option<KerberosUser>,
    /// `hdfs.proxyUser` ("" = none): the user HDFS calls act as.
    pub proxy_user: Option<String>,
}

/// Flume's `Integer.MAX_VALUE` for "retry closing forever".
pub const UNLIMITED_CLOSE_TRIES: u32 = i32::MAX as u32;

impl HdfsSinkConfig {
    /// `user_timezone` is `-Duser.timezone`, the JVM default zone when `hdfs.timeZone` is unset.
    pub fn from_context(ctx: &Context, user_timezone: Option<&str>) -> Result<Self, ConfigError> {
        let path = ctx.get_required(&PATH)?;
        let file_prefix = ctx.get_string(&FILE_PREFIX);
        let file_suffix = ctx.get_string(&FILE_SUFFIX);
        let in_use_prefix = ctx.get_string(&IN_USE_PREFIX);
        let mut in_use_suffix = ctx.get_string(&IN_USE_SUFFIX);
        if ctx.get_bool(&EMPTY_IN_USE_SUFFIX) {
            if ctx.contains(IN_USE_SUFFIX.name) {
                tracing::warn!(
                    key = %ctx.full_key(IN_USE_SUFFIX.name),
                    "hdfs.emptyInUseSuffix is true: hdfs.inUseSuffix is ignored"
                );
            }
            in_use_suffix.clear();
        }
        let roll_interval = non_negative(ctx, &ROLL_INTERVAL)?;
        let roll_size = non_negative(ctx, &ROLL_SIZE)?;
        let roll_count = non_negative(ctx, &ROLL_COUNT)?;
        let idle_timeout = ctx.get_int(&IDLE_TIMEOUT)?;
        let batch_size = ctx.get_long(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(
                BATCH_SIZE.name,
                format!("batchSize must be greater than 0, got {batch_size}"),
            ));
        }
        let codec_name = ctx.value(&CODEC).map(str::to_string);
        let codec = match &codec_name {
            Some(name) => {
                Codec::from_flume_name(name).map_err(|e| ctx.error(CODEC.name, e.to_string()))?
            }
            None => None,
        };
        let file_type_name = ctx.get_string(&FILE_TYPE);
        let file_type = FileType::parse(&file_type_name);
        if file_type == FileType::DataStream && codec_name.is_some() {
            return Err(ctx.error(
                CODEC.name,
                format!(
                    "fileType: {file_type_name} which does NOT support compressed output. Please \
                     don't set codeC or change the fileType if compressed output is desired."
                ),
            ));
        }
        if file_type == FileType::CompressedStream && codec.is_none() {
            return Err(ctx.error(
                CODEC.name,
                format!("It's essential to set compress codec when fileType is: {file_type_name}"),
            ));
        }
        let write_format = match ctx.get_string(&WRITE_FORMAT).as_str() {
            "Writable" => Ok(ValueClass::BytesWritable),
            "Text" => Ok(ValueClass::Text),
            other => Err(other.to_string()),
        };
        if let (FileType::SequenceFile, Err(bad)) = (&file_type, &write_format) {
            // Flume fails only when the first file is opened; say so at start too.
            tracing::warn!(
                key = %ctx.full_key(WRITE_FORMAT.name),
                "hdfs.writeFormat \"{bad}\" is neither Writable nor Text (case-sensitive): \
                 every SequenceFile open will fail"
            );
        }
        let max_open_files = ctx.get_int(&MAX_OPEN_FILES)?;
        if max_open_files <= 0 {
            return Err(ctx.error(
                MAX_OPEN_FILES.name,
                format!("expected a positive number, got {max_open_files}"),
            ));
        }
        // Accepted without effect (see the table); the pool sizes are still checked as Flume's
        // thread pools would refuse them.
        ctx.value(&MIN_BLOCK_REPLICAS);
        for prop in [&THREADS_POOL_SIZE, &ROLL_TIMER_POOL_SIZE] {
            let n = ctx.get_int(prop)?;
            if n <= 0 {
                return Err(ctx.error(prop.name, format!("expected a positive number, got {n}")));
            }
        }
        let call_timeout = ctx.get_long(&CALL_TIMEOUT)?;
        let call_timeout = (call_timeout > 0).then(|| Duration::from_millis(call_timeout as u64));
        let mut close_tries = ctx.get_int(&CLOSE_TRIES)?;
        if close_tries <= 0 {
            close_tries = i32::MAX;
        }
        let retry_interval = ctx.get_long(&RETRY_INTERVAL)?;
        if retry_interval <= 0 {
            close_tries = 1;
        }
        let rounding = rounding(ctx)?;
        let zone = match ctx.value(&TIME_ZONE) {
            Some(id) => Zone::try_from_java_id(id).unwrap_or_else(|| {
                tracing::warn!(
                    key = %ctx.full_key(TIME_ZONE.name),
                    "unknown time zone \"{id}\": using GMT, as Flume does"
                );
                Zone::from_java_id(id)
            }),
            None => crate::java::date::jvm_default_zone(user_timezone),
        };
        let escape = EscapeOptions {
            zone,
            rounding,
            use_local_timestamp: ctx.get_bool(&USE_LOCAL_TIME_STAMP),
            now_ms: None,
        };
        let serializer_type = ctx.get_string(&SERIALIZER);
        let serializer =
            SerializerFactory::from_context(&serializer_type, &ctx.sub("serializer."))?;
        // Accepted without effect (see the table).
        ctx.value(&USE_RAW_LOCAL_FILE_SYSTEM);
        let (kerberos, proxy_user) = security(ctx)?;
        Ok(HdfsSinkConfig {
            path_pattern: EscapePattern::new(&path),
            path,
            prefix_pattern: EscapePattern::new(&file_prefix),
            file_prefix,
            file_suffix,
            in_use_prefix,
            in_use_suffix,
            roll_interval: (roll_interval > 0).then(|| Duration::from_secs(roll_interval)),
            roll_size,
            roll_count,
            idle_timeout: (idle_timeout > 0).then(|| Duration::from_secs(idle_timeout as u64)),
            batch_size: batch_size as usize,
            codec_name,
            codec,
            file_type,
            write_format,
            max_open_files: max_open_files as usize,
            call_timeout,
            close_tries: close_tries as u32,
            retry_interval: Duration::from_secs(retry_interval.max(0) as u64),
            escape,
            serializer,
            recover_in_use_files: ctx.get_bool(&RECOVER_IN_USE_FILES),
            kerberos,
            proxy_user,
        })
    }

    /// The codec of SequenceFile BLOCK compression: `hdfs.codeC`, or Hadoop's `DefaultCodec`
    /// when `hdfs.codeC = None` was given (BLOCK with no codec).
    pub fn sequence_file_codec(&self) -> Option<Codec> {
        match (&self.codec_name, self.codec) {
            (_, Some(codec)) => Some(codec),
            (Some(_), None) => Some(Codec::Default),
            (None, None) => None,
        }
    }

    /// `<fileName>.<counter>` + suffix or codec extension.
    pub fn file_name(&self, prefix: &str, counter: i64) -> String {
        let mut name = format!("{prefix}.{counter}");
        if !self.file_suffix.is_empty() {
            name.push_str(&self.file_suffix);
        } else if let Some(codec) = self.codec {
            name.push_str(codec.extension());
        }
        name
    }
}

/// `hdfs.kerberosPrincipal`, `hdfs.kerberosKeytab`, `hdfs.proxyUser`: Flume's checks
/// (`FlumeAuthenticationUtil.getAuthenticator`, `KerberosAuthenticator.authenticate`) that need
/// no KDC. The login itself happens when the sink starts.
fn security(ctx: &Context) -> Result<(Option<KerberosUser>, Option<String>), ConfigError> {
    const PRINCIPAL: &str = KERBEROS_PRINCIPAL.name;
    const KEYTAB: &str = KERBEROS_KEYTAB.name;
    let principal = ctx.get(PRINCIPAL);
    let keytab = ctx.get(KEYTAB);
    let kerberos = kerberos::check_settings(principal, keytab).map_err(|e| {
        let key = match e {
            SettingsError::PrincipalMissing
            | SettingsError::HostLookup { .. }
            | SettingsError::NotInKeytab(_)
            | SettingsError::MultiplePrincipals { .. } => PRINCIPAL,
            SettingsError::KeytabMissing
            | SettingsError::KeytabUnreadable { .. }
            | SettingsError::BadKeytab(..) => KEYTAB,
        };
        let key = if ctx.contains(key) {
            key
        } else if ctx.contains(PRINCIPAL) {
            PRINCIPAL
        } else {
            KEYTAB
        };
        ctx.error(key, e.to_string())
    })?;
    let proxy_user = ctx
        .value(&PROXY_USER)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    Ok((kerberos, proxy_user))
}

fn non_negative(ctx: &Context, prop: &Prop) -> Result<u64, ConfigError> {
    let v = ctx.get_long(prop)?;
    // Flume treats negative values like 0 (the checks are `> 0`).
    Ok(v.max(0) as u64)
}

/// `hdfs.round`, `hdfs.roundUnit`, `hdfs.roundValue`.
fn rounding(ctx: &Context) -> Result<Option<Rounding>, ConfigError> {
    if !ctx.get_bool(&ROUND) {
        return Ok(None);
    }
    let unit_name = ctx.get_string(&ROUND_UNIT);
    let unit = RoundUnit::parse(&unit_name);
    if unit.is_none() {
        tracing::warn!(
            key = %ctx.full_key(ROUND_UNIT.name),
            "Rounding unit is not valid, please set one of minute, hour, or second. Rounding will \
             be disabled (got \"{unit_name}\")"
        );
    }
    let value = ctx.get_int(&ROUND_VALUE)?;
    let max = unit.unwrap_or(RoundUnit::Second).max_value() as i32;
    if value <= 0 || value > max {
        return Err(ctx.error(
            ROUND_VALUE.name,
            format!("Round value must be > 0 and <= {max}, got {value}"),
        ));
    }
    Ok(unit.map(|unit| Rounding {
        unit,
        value: value as u32,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::vectors::{Case, Outcome};

    fn config(pairs: &[(&str, &str)]) -> Result<HdfsSinkConfig, ConfigError> {
        let mut all = vec![("hdfs.path", "/tmp/x")];
        all.extend_from_slice(pairs);
        HdfsSinkConfig::from_context(&Context::from_pairs("a1.sinks.k1.", all), Some("UTC"))
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.file_prefix, "FlumeData");
        assert_eq!(c.in_use_suffix, ".tmp");
        assert_eq!(c.roll_interval, Some(Duration::from_secs(30)));
        assert_eq!((c.roll_size, c.roll_count, c.batch_size), (1024, 10, 100));
        assert_eq!(c.file_type, FileType::SequenceFile);
        assert_eq!(c.write_format, Ok(ValueClass::BytesWritable));
        assert_eq!(c.call_timeout, Some(Duration::from_millis(30_000)));
        assert_eq!(c.close_tries, UNLIMITED_CLOSE_TRIES);
        assert_eq!(c.max_open_files, 5000);
        assert_eq!(c.escape.zone, Zone::utc());
    }

    /// The `hdfs_sink.json` configuration cases with a value to compare.
    pub(crate) fn check_vector(case: &Case) -> Outcome {
        let expected = case.expected();
        let mut ran = 0;
        {
            let Some(conf) = case.input()["config"].as_object() else {
                return Outcome::NotMine;
            };
            let pairs: Vec<(&str, &str)> = conf
                .iter()
                .filter(|(k, _)| *k != "hdfs.path")
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            let c = match config(&pairs) {
                Ok(c) => c,
                Err(e) => return Outcome::Fail(e.to_string()),
            };
            if let Some(tries) = expected["tryCount"].as_u64() {
                assert_eq!(c.close_tries as u64, tries);
                ran += 1;
            }
            if let Some(suffix) = expected["inUseSuffix"].as_str() {
                assert_eq!(c.in_use_suffix, suffix);
                ran += 1;
            }
        }
        if ran == 0 {
            Outcome::NotMine
        } else {
            Outcome::Pass
        }
    }

    /// The configuration cases of `round_down.json`, whose expectation is an effect.
    pub(crate) fn check_round_down_config(case: &Case) -> Outcome {
        if !case.input()["config"].is_object() {
            return Outcome::NotMine;
        }
        let pairs = crate::vectors::pairs(&case.input()["config"]);
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let result = config(&pairs);
        match case.id {
            // IllegalArgumentException at configure: the sink is dropped.
            "rd-derived-value-out-of-range" => Outcome::check(
                result
                    .as_ref()
                    .is_err_and(|e| e.key == "a1.sinks.k1.hdfs.roundValue"),
                || format!("{:?}", result.as_ref().map(|_| ())),
            ),
            // A warning, rounding off, the sink starts.
            "rd-derived-bad-unit-disables" => Outcome::check(
                result.as_ref().is_ok_and(|c| c.escape.rounding.is_none()),
                || format!("{:?}", result.as_ref().map(|c| c.escape.rounding)),
            ),
            _ => Outcome::NotMine,
        }
    }

    #[test]
    fn round_unit_in_any_case_and_24_hours() {
        let c = config(&[
            ("hdfs.round", "true"),
            ("hdfs.roundUnit", "HOUR"),
            ("hdfs.roundValue", "24"),
        ])
        .unwrap();
        assert_eq!(
            c.escape.rounding,
            Some(Rounding {
                unit: RoundUnit::Hour,
                value: 24
            })
        );
    }

    #[test]
    fn codec_and_file_type_rules() {
        assert!(config(&[("hdfs.fileType", "DataStream"), ("hdfs.codeC", "gzip")]).is_err());
        assert!(config(&[("hdfs.fileType", "DataStream"), ("hdfs.codeC", "None")]).is_err());
        assert!(config(&[("hdfs.fileType", "CompressedStream")]).is_err());
        assert!(
            config(&[
                ("hdfs.fileType", "CompressedStream"),
                ("hdfs.codeC", "None")
            ])
            .is_err()
        );
        assert!(config(&[("hdfs.codeC", "lzo")]).is_err());
        let c = config(&[
            ("hdfs.fileType", "compressedstream"),
            ("hdfs.codeC", "GzipCodec"),
        ])
        .unwrap();
        assert_eq!(c.file_type, FileType::CompressedStream);
        assert_eq!(c.file_name("FlumeData", 5), "FlumeData.5.gz");
        let c = config(&[("hdfs.codeC", "gzip"), ("hdfs.fileSuffix", ".foo")]).unwrap();
        assert_eq!(c.file_name("FlumeData", 5), "FlumeData.5.foo");
        let c = config(&[("hdfs.codeC", "None")]).unwrap();
        assert_eq!(c.sequence_file_codec(), Some(Codec::Default));
        assert_eq!(c.file_name("p", 1), "p.1");
        let c = config(&[("hdfs.fileType", "Parquet")]).unwrap();
        assert_eq!(c.file_type, FileType::Unsupported("Parquet".into()));
        let c = config(&[("hdfs.writeFormat", "text")]).unwrap();
        assert_eq!(c.write_format, Err("text".into()));
        assert!(config(&[("hdfs.batchSize", "0")]).is_err());
        let c = config(&[("hdfs.timeZone", "Mars/Base")]).unwrap();
        assert_eq!(c.escape.zone, Zone::gmt());
    }
}
