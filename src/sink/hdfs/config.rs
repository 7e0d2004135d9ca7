//! The hdfs sink's properties (reference §11.5), with Flume's defaults and checks
//! (`HDFSEventSink.configure`).

use std::time::Duration;

use crate::bucket_path::{EscapeOptions, EscapePattern, RoundUnit, Rounding, Zone};
use crate::config::{ConfigError, Context};
use crate::format::codec::Codec;
use crate::format::sequence_file::ValueClass;
use crate::sink::serializer::SerializerFactory;
use crate::storage::kerberos::{self, KerberosUser, SettingsError};

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
    /// `hdfs.path` (required), escaped per event.
    pub path: String,
    pub path_pattern: EscapePattern,
    /// `hdfs.filePrefix` ("FlumeData"), escaped per event.
    pub file_prefix: String,
    pub prefix_pattern: EscapePattern,
    /// `hdfs.fileSuffix` (""), literal.
    pub file_suffix: String,
    /// `hdfs.inUsePrefix` ("").
    pub in_use_prefix: String,
    /// `hdfs.inUseSuffix` (".tmp"), or "" with `hdfs.emptyInUseSuffix = true`.
    pub in_use_suffix: String,
    /// `hdfs.rollInterval` (30 s; 0 = off).
    pub roll_interval: Option<Duration>,
    /// `hdfs.rollSize` (1024 body bytes; 0 = off).
    pub roll_size: u64,
    /// `hdfs.rollCount` (10 events; 0 = off).
    pub roll_count: u64,
    /// `hdfs.idleTimeout` (0 = off).
    pub idle_timeout: Option<Duration>,
    /// `hdfs.batchSize` (100): events per transaction and per-bucket flush threshold.
    pub batch_size: usize,
    /// `hdfs.codeC` as given (`None` is a name too).
    pub codec_name: Option<String>,
    /// The codec, when one other than `None` was named.
    pub codec: Option<Codec>,
    /// `hdfs.fileType` ("SequenceFile").
    pub file_type: FileType,
    /// `hdfs.writeFormat` ("Writable"; case-sensitive): Err holds the bad value.
    pub write_format: Result<ValueClass, String>,
    /// `hdfs.maxOpenFiles` (5000).
    pub max_open_files: usize,
    /// `hdfs.callTimeout` (30000 ms; ≤ 0 = no timeout).
    pub call_timeout: Option<Duration>,
    /// `hdfs.closeTries` (≤ 0 = unlimited, i.e. `Integer.MAX_VALUE`).
    pub close_tries: u32,
    /// `hdfs.retryInterval` (180 s).
    pub retry_interval: Duration,
    /// Path escaping: `hdfs.timeZone`, `hdfs.round*`, `hdfs.useLocalTimeStamp`.
    pub escape: EscapeOptions,
    /// `serializer` ("TEXT") and `serializer.*`.
    pub serializer: SerializerFactory,
    /// Beyond Flume: close and rename in-use files left by a crash, at start
    /// (`hdfs.recoverInUseFiles`, true).
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
        let path = ctx.required("hdfs.path")?;
        let file_prefix = ctx.string("hdfs.filePrefix", "FlumeData");
        let file_suffix = ctx.string("hdfs.fileSuffix", "");
        let in_use_prefix = ctx.string("hdfs.inUsePrefix", "");
        let mut in_use_suffix = ctx.string("hdfs.inUseSuffix", ".tmp");
        if ctx.bool("hdfs.emptyInUseSuffix", false) {
            if ctx.contains("hdfs.inUseSuffix") {
                tracing::warn!(
                    key = %ctx.full_key("hdfs.inUseSuffix"),
                    "hdfs.emptyInUseSuffix is true: hdfs.inUseSuffix is ignored"
                );
            }
            in_use_suffix.clear();
        }
        let roll_interval = non_negative(ctx, "hdfs.rollInterval", 30)?;
        let roll_size = non_negative(ctx, "hdfs.rollSize", 1024)?;
        let roll_count = non_negative(ctx, "hdfs.rollCount", 10)?;
        let idle_timeout = ctx.int("hdfs.idleTimeout", 0)?;
        let batch_size = ctx.long("hdfs.batchSize", 100)?;
        if batch_size <= 0 {
            return Err(ctx.error(
                "hdfs.batchSize",
                format!("batchSize must be greater than 0, got {batch_size}"),
            ));
        }
        let codec_name = ctx.get("hdfs.codeC").map(str::to_string);
        let codec = match &codec_name {
            Some(name) => {
                Codec::from_flume_name(name).map_err(|e| ctx.error("hdfs.codeC", e.to_string()))?
            }
            None => None,
        };
        let file_type_name = ctx.string("hdfs.fileType", "SequenceFile");
        let file_type = FileType::parse(&file_type_name);
        if file_type == FileType::DataStream && codec_name.is_some() {
            return Err(ctx.error(
                "hdfs.codeC",
                format!(
                    "fileType: {file_type_name} which does NOT support compressed output. Please \
                     don't set codeC or change the fileType if compressed output is desired."
                ),
            ));
        }
        if file_type == FileType::CompressedStream && codec.is_none() {
            return Err(ctx.error(
                "hdfs.codeC",
                format!("It's essential to set compress codec when fileType is: {file_type_name}"),
            ));
        }
        let write_format = match ctx.string("hdfs.writeFormat", "Writable").as_str() {
            "Writable" => Ok(ValueClass::BytesWritable),
            "Text" => Ok(ValueClass::Text),
            other => Err(other.to_string()),
        };
        if let (FileType::SequenceFile, Err(bad)) = (&file_type, &write_format) {
            // Flume fails only when the first file is opened; say so at start too.
            tracing::warn!(
                key = %ctx.full_key("hdfs.writeFormat"),
                "hdfs.writeFormat \"{bad}\" is neither Writable nor Text (case-sensitive): \
                 every SequenceFile open will fail"
            );
        }
        let max_open_files = ctx.int("hdfs.maxOpenFiles", 5000)?;
        if max_open_files <= 0 {
            return Err(ctx.error(
                "hdfs.maxOpenFiles",
                format!("expected a positive number, got {max_open_files}"),
            ));
        }
        ctx.mark_read("hdfs.minBlockReplicas");
        for key in ["hdfs.threadsPoolSize", "hdfs.rollTimerPoolSize"] {
            let default = if key == "hdfs.threadsPoolSize" { 10 } else { 1 };
            let n = ctx.int(key, default)?;
            if n <= 0 {
                return Err(ctx.error(key, format!("expected a positive number, got {n}")));
            }
        }
        let call_timeout = ctx.long("hdfs.callTimeout", 30_000)?;
        let call_timeout = (call_timeout > 0).then(|| Duration::from_millis(call_timeout as u64));
        let mut close_tries = ctx.int("hdfs.closeTries", 0)?;
        if close_tries <= 0 {
            close_tries = i32::MAX;
        }
        let retry_interval = ctx.long("hdfs.retryInterval", 180)?;
        if retry_interval <= 0 {
            close_tries = 1;
        }
        let rounding = rounding(ctx)?;
        let zone = match ctx.get("hdfs.timeZone") {
            Some(id) => Zone::try_from_java_id(id).unwrap_or_else(|| {
                tracing::warn!(
                    key = %ctx.full_key("hdfs.timeZone"),
                    "unknown time zone \"{id}\": using GMT, as Flume does"
                );
                Zone::from_java_id(id)
            }),
            None => crate::java::date::jvm_default_zone(user_timezone),
        };
        let escape = EscapeOptions {
            zone,
            rounding,
            use_local_timestamp: ctx.bool("hdfs.useLocalTimeStamp", false),
            now_ms: None,
        };
        let serializer_type = ctx.string("serializer", "TEXT");
        let serializer =
            SerializerFactory::from_context(&serializer_type, &ctx.sub("serializer."))?;
        ctx.mark_read("hdfs.useRawLocalFileSystem");
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
            recover_in_use_files: ctx.bool("hdfs.recoverInUseFiles", true),
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
    const PRINCIPAL: &str = "hdfs.kerberosPrincipal";
    const KEYTAB: &str = "hdfs.kerberosKeytab";
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
        .get("hdfs.proxyUser")
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    Ok((kerberos, proxy_user))
}

fn non_negative(ctx: &Context, key: &str, default: i64) -> Result<u64, ConfigError> {
    let v = ctx.long(key, default)?;
    // Flume treats negative values like 0 (the checks are `> 0`).
    Ok(v.max(0) as u64)
}

/// `hdfs.round`, `hdfs.roundUnit`, `hdfs.roundValue`.
fn rounding(ctx: &Context) -> Result<Option<Rounding>, ConfigError> {
    if !ctx.bool("hdfs.round", false) {
        return Ok(None);
    }
    let unit_name = ctx.string("hdfs.roundUnit", "second");
    let unit = RoundUnit::parse(&unit_name);
    if unit.is_none() {
        tracing::warn!(
            key = %ctx.full_key("hdfs.roundUnit"),
            "Rounding unit is not valid, please set one of minute, hour, or second. Rounding will \
             be disabled (got \"{unit_name}\")"
        );
    }
    let value = ctx.int("hdfs.roundValue", 1)?;
    let max = unit.unwrap_or(RoundUnit::Second).max_value() as i32;
    if value <= 0 || value > max {
        return Err(ctx.error(
            "hdfs.roundValue",
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
