//! Flume's path escaping (`org.apache.flume.formatter.output.BucketPath.escapeString`), used by
//! the hdfs sink for `hdfs.path` and `hdfs.filePrefix` and by the Kafka sink for `kafka.topic`.
//!
//! The pattern is scanned left to right for Flume's regex `%(\w|%)|%\{([\w.-]+)\}|%\[(\w+)\]`
//! (`\w` = ASCII letters, digits, `_`):
//! * `%{name}`: the header's value (missing → empty), inserted literally; needs no timestamp.
//! * `%[localhost]`, `%[IP]`, `%[FQDN]` (any case): this host's name, address and canonical
//!   name, resolved once per process; any other name is an error.
//! * `%x`: **first** the timestamp is obtained (header `timestamp`, or the clock read once per
//!   call with `useLocalTimeStamp`); a missing or unparsable header is an error even for `%%`
//!   and unknown letters. Then rounding (`hdfs.round*`, calendar-field based, in the zone), then
//!   the `SimpleDateFormat` pattern of the letter, formatted in the zone with English names.
//!
//! Written by hand: no crate implements Flume's rules. Dates, patterns and zones are Java's
//! time model of [`crate::java::date`] (the same formatter as the syslog sources' and the
//! regex extractor's); time zones are resolved as `java.util.TimeZone.getTimeZone` does
//! (unknown ids become GMT).

use std::sync::OnceLock;

use crate::event::Headers;
use crate::java::date::{Dialect, JavaDateFormat};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscapeError {
    /// Flume's `NullPointerException` from `Preconditions.checkNotNull`.
    #[error("Expected timestamp in the Flume event headers, but it was null")]
    MissingTimestamp,
    #[error(
        "Flume wasn't able to parse timestamp header in the event to resolve time based \
         bucketing. Please check that you're correctly populating timestamp header (for example \
         using TimestampInterceptor source interceptor). (timestamp header: \"{0}\")"
    )]
    BadTimestamp(String),
    /// `TimestampRoundDownUtil`'s precondition.
    #[error("Timestamp must be positive (got {0}); cannot round it down")]
    NonPositiveTimestamp(i64),
    #[error(
        "The static escape string '{0}' was provided but does not match any of (localhost,IP,FQDN)"
    )]
    UnknownStatic(String),
    #[error(
        "Flume wasn't able to parse the static escape  sequence '{0}' due to UnkownHostException."
    )]
    UnknownHost(String),
}

impl EscapeError {
    /// Whether the error comes from the event's `timestamp` header (missing or unusable).
    pub fn is_timestamp_error(&self) -> bool {
        matches!(
            self,
            EscapeError::MissingTimestamp
                | EscapeError::BadTimestamp(_)
                | EscapeError::NonPositiveTimestamp(_)
        )
    }
}

/// `hdfs.roundUnit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundUnit {
    Second,
    Minute,
    Hour,
}

impl RoundUnit {
    /// Flume's names, any case; `None` for anything else (Flume then disables rounding).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "second" => Some(RoundUnit::Second),
            "minute" => Some(RoundUnit::Minute),
            "hour" => Some(RoundUnit::Hour),
            _ => None,
        }
    }

    /// The largest `roundValue` the unit allows (`HDFSEventSink.configure`).
    pub fn max_value(self) -> u32 {
        match self {
            RoundUnit::Second | RoundUnit::Minute => 60,
            RoundUnit::Hour => 24,
        }
    }
}

/// `hdfs.round = true` with its unit and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounding {
    pub unit: RoundUnit,
    pub value: u32,
}

/// Zones are Java's ([`JavaZone`]): `hdfs.timeZone` is read with
/// [`JavaZone::from_java_id`] (unknown ids become GMT), its absence means the JVM default zone
/// ([`crate::java::date::jvm_default_zone`]).
pub use crate::java::date::JavaZone as Zone;

/// How `%x` escapes get and treat their time.
#[derive(Debug, Clone)]
pub struct EscapeOptions {
    /// `hdfs.timeZone` (or the JVM default zone).
    pub zone: Zone,
    /// `hdfs.round*` when rounding is on.
    pub rounding: Option<Rounding>,
    /// `hdfs.useLocalTimeStamp`.
    pub use_local_timestamp: bool,
    /// A fixed clock for tests; `None` reads the system clock.
    pub now_ms: Option<i64>,
}

impl Default for EscapeOptions {
    /// The JVM default zone of this process, no rounding, the event's timestamp.
    fn default() -> Self {
        EscapeOptions {
            zone: crate::java::date::default_zone(),
            rounding: None,
            use_local_timestamp: false,
            now_ms: None,
        }
    }
}

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Header(String),
    Static(String),
    /// `%x` where x is a word character or `%`.
    Time(u8),
}

/// A pattern parsed once, escaped per event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapePattern {
    parts: Vec<Part>,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl EscapePattern {
    pub fn new(pattern: &str) -> Self {
        let bytes = pattern.as_bytes();
        let mut parts = Vec::new();
        let mut literal_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'%' || i + 1 >= bytes.len() {
                i += 1;
                continue;
            }
            let next = bytes[i + 1];
            let matched: Option<(Part, usize)> = if is_word(next) || next == b'%' {
                Some((Part::Time(next), 2))
            } else if next == b'{' {
                let name_len = bytes[i + 2..]
                    .iter()
                    .take_while(|&&b| is_word(b) || b == b'.' || b == b'-')
                    .count();
                let close = i + 2 + name_len;
                (name_len > 0 && bytes.get(close) == Some(&b'}')).then(|| {
                    (
                        Part::Header(pattern[i + 2..close].to_string()),
                        name_len + 3,
                    )
                })
            } else if next == b'[' {
                let name_len = bytes[i + 2..].iter().take_while(|&&b| is_word(b)).count();
                let close = i + 2 + name_len;
                (name_len > 0 && bytes.get(close) == Some(&b']')).then(|| {
                    (
                        Part::Static(pattern[i + 2..close].to_string()),
                        name_len + 3,
                    )
                })
            } else {
                None
            };
            match matched {
                Some((part, len)) => {
                    if literal_start < i {
                        parts.push(Part::Literal(pattern[literal_start..i].to_string()));
                    }
                    parts.push(part);
                    i += len;
                    literal_start = i;
                }
                None => i += 1,
            }
        }
        if literal_start < bytes.len() {
            parts.push(Part::Literal(pattern[literal_start..].to_string()));
        }
        EscapePattern { parts }
    }

    /// True when the pattern has no escapes at all.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// True when escaping needs a timestamp (a `%x` escape).
    pub fn needs_timestamp(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Time(_)))
    }

    /// A regular expression matching every string this pattern can produce (escapes match
    /// anything but `/`).
    pub fn to_regex(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => regex::escape(s),
                _ => "[^/]*".to_string(),
            })
            .collect()
    }

    /// The first `%x` escape, for error messages (`%Y`).
    pub fn first_time_escape(&self) -> Option<String> {
        self.parts.iter().find_map(|p| match p {
            Part::Time(c) => Some(format!("%{}", *c as char)),
            _ => None,
        })
    }

    /// Escape for one event.
    pub fn escape(&self, headers: &Headers, opts: &EscapeOptions) -> Result<String, EscapeError> {
        let mut out = String::new();
        self.escape_into(headers, opts, &mut out)?;
        Ok(out)
    }

    /// Escape for one event, appending to `out`.
    pub fn escape_into(
        &self,
        headers: &Headers,
        opts: &EscapeOptions,
        out: &mut String,
    ) -> Result<(), EscapeError> {
        let mut time: Option<TimeFields> = None;
        let now = opts.now_ms.unwrap_or_else(crate::metrics::now_millis);
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Header(name) => {
                    if let Some(v) = headers.value(name) {
                        out.push_str(v);
                    }
                }
                Part::Static(key) => out.push_str(static_value(key)?),
                Part::Time(c) => {
                    // Flume re-reads the timestamp for every escape; the result is the same.
                    let t = match &time {
                        Some(t) => t,
                        None => time.insert(TimeFields::new(headers, opts, now)?),
                    };
                    t.format(*c, &opts.zone, out);
                }
            }
        }
        Ok(())
    }
}

/// `BucketPath.escapeString(pattern, headers, …)`.
pub fn escape(
    pattern: &str,
    headers: &Headers,
    opts: &EscapeOptions,
) -> Result<String, EscapeError> {
    EscapePattern::new(pattern).escape(headers, opts)
}

/// `Long.valueOf`: optional sign, ASCII digits, no spaces.
fn parse_java_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The `SimpleDateFormat` pattern of each `%x` letter that formats a date (reference §11.5.1).
const LETTER_PATTERNS: &[(u8, &str)] = &[
    (b'a', "EEE"),
    (b'A', "EEEE"),
    (b'b', "MMM"),
    (b'B', "MMMM"),
    (b'c', "EEE MMM d HH:mm:ss yyyy"),
    (b'd', "dd"),
    (b'e', "d"),
    (b'D', "MM/dd/yy"),
    (b'H', "HH"),
    (b'I', "hh"),
    (b'j', "DDD"),
    (b'k', "H"),
    (b'l', "h"),
    (b'm', "MM"),
    (b'M', "mm"),
    (b'n', "M"),
    (b'p', "a"),
    (b'S', "ss"),
    (b'y', "yy"),
    (b'Y', "yyyy"),
    (b'z', "ZZZ"),
];

/// The compiled format of a `%x` letter, or `None` for the letters that are not dates.
fn letter_format(c: u8) -> Option<&'static JavaDateFormat> {
    static FORMATS: OnceLock<Vec<(u8, JavaDateFormat)>> = OnceLock::new();
    FORMATS
        .get_or_init(|| {
            LETTER_PATTERNS
                .iter()
                .filter_map(|&(c, p)| JavaDateFormat::simple(p).ok().map(|f| (c, f)))
                .collect()
        })
        .iter()
        .find(|(l, _)| *l == c)
        .map(|(_, f)| f)
}

/// The timestamp of one event, after rounding.
struct TimeFields {
    /// `%t`: the header text (or the clock value).
    raw: String,
    /// Rounded instant, ms.
    utc_ms: i64,
}

impl TimeFields {
    fn new(headers: &Headers, opts: &EscapeOptions, now: i64) -> Result<Self, EscapeError> {
        let (raw, ts) = if opts.use_local_timestamp {
            (now.to_string(), now)
        } else {
            let header = headers
                .value("timestamp")
                .ok_or(EscapeError::MissingTimestamp)?;
            let ts = parse_java_long(header)
                .ok_or_else(|| EscapeError::BadTimestamp(header.to_string()))?;
            (header.to_string(), ts)
        };
        let utc_ms = match opts.rounding {
            Some(rounding) => round_down(ts, rounding, &opts.zone)?,
            None => ts,
        };
        Ok(TimeFields { raw, utc_ms })
    }

    fn format(&self, c: u8, zone: &Zone, out: &mut String) {
        match c {
            b'%' => out.push('%'),
            b's' => out.push_str(&(self.utc_ms / 1000).to_string()),
            b't' => out.push_str(&self.raw),
            // Unknown letters expand to nothing (after the timestamp was required).
            c => {
                if let Some(f) = letter_format(c) {
                    f.format_into(self.utc_ms, zone, out);
                }
            }
        }
    }
}

/// `TimestampRoundDownUtil.roundDownTimeStamp{Seconds,Minutes,Hours}`: in the zone, the unit's
/// calendar field becomes `field - field % value` and the smaller fields become zero.
pub fn round_down(ts: i64, rounding: Rounding, zone: &Zone) -> Result<i64, EscapeError> {
    if ts <= 0 {
        return Err(EscapeError::NonPositiveTimestamp(ts));
    }
    let value = rounding.value.max(1) as i64;
    let wall_ms = ts + zone.offset_ms_at(ts);
    let ms_of_day = wall_ms.rem_euclid(86_400_000);
    let (hour, minute, second) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
    );
    let day_start = wall_ms - ms_of_day;
    let rounded_wall = match rounding.unit {
        RoundUnit::Second => {
            day_start + hour * 3_600_000 + minute * 60_000 + (second - second % value) * 1000
        }
        RoundUnit::Minute => day_start + hour * 3_600_000 + (minute - minute % value) * 60_000,
        RoundUnit::Hour => day_start + (hour - hour % value) * 3_600_000,
    };
    // A lenient `GregorianCalendar`: standard time in an overlap, the offset before a gap.
    Ok(zone
        .local_to_utc(rounded_wall, Dialect::Simple)
        .unwrap_or(rounded_wall))
}

fn static_value(key: &str) -> Result<&'static str, EscapeError> {
    let host = crate::interceptor::host::local_host();
    match key.to_ascii_lowercase().as_str() {
        "localhost" => Ok(&host.name),
        "ip" => host
            .address
            .as_deref()
            .ok_or_else(|| EscapeError::UnknownHost(key.to_string())),
        "fqdn" => host
            .canonical
            .as_deref()
            .ok_or_else(|| EscapeError::UnknownHost(key.to_string())),
        _ => Err(EscapeError::UnknownStatic(key.to_string())),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::vectors::{Case, Outcome};

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A vector's zone: an id, `null` (the JVM default given by `jvm_default_tz`), or Flume's
    /// test-only `SimpleTimeZone(1, …)` written as "custom: raw UTC offset +1 ms".
    fn vector_zone(input: &serde_json::Value) -> Zone {
        match input["timeZone"].as_str() {
            Some(s) if s.starts_with("custom: raw UTC offset +1 ms") => {
                Zone::fixed("custom-timezone", 1)
            }
            Some(id) => Zone::from_java_id(id),
            None => Zone::from_java_id(input["jvm_default_tz"].as_str().unwrap_or("UTC")),
        }
    }

    /// A `bucketpath.json` case: the escaped path, the error, or the local host's names.
    pub(crate) fn check_bucketpath(case: &Case) -> Outcome {
        let input = case.input();
        let Some(pattern) = input["pattern"].as_str() else {
            return Outcome::NotMine;
        };
        let h: Headers = input["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        let rounding = if input["round"].as_bool() == Some(true) {
            Some(Rounding {
                unit: RoundUnit::parse(input["roundUnit"].as_str().unwrap()).unwrap(),
                value: input["roundValue"].as_u64().unwrap() as u32,
            })
        } else {
            None
        };
        let opts = EscapeOptions {
            zone: vector_zone(input),
            rounding,
            use_local_timestamp: input["useLocalTimeStamp"].as_bool().unwrap_or(false),
            now_ms: input["clock_ms"].as_i64(),
        };
        let result = escape(pattern, &h, &opts);
        let expected = case.expected();
        if let Some(output) = expected["output"].as_str() {
            Outcome::eq(result.as_deref(), Ok(output), "escaped path")
        } else if let Some(error) = expected["error"].as_str() {
            let Err(err) = result else {
                return Outcome::Fail(format!("no error, want {error}"));
            };
            let err = err.to_string();
            let java_text = error.split_once(": ").map_or(error, |(_, t)| t);
            let java_text = java_text.trim_end_matches("...");
            Outcome::check(err.starts_with(java_text), || {
                format!("error {err:?}, want {java_text:?}")
            })
        } else if expected["output_rule"].is_string() {
            // The local host's names: compare with what the OS says.
            let host = crate::interceptor::host::local_host();
            let out = match result {
                Ok(out) => out,
                Err(e) => return Outcome::Fail(e.to_string()),
            };
            let parts: Vec<&str> = out.split('/').collect();
            let ip: Option<std::net::IpAddr> = parts.get(1).and_then(|p| p.parse().ok());
            Outcome::all([
                Outcome::eq(parts[0], host.name.as_str(), "host name"),
                Outcome::eq(ip, crate::interceptor::host::resolve_host(&host.name), "IP"),
                Outcome::check(parts.get(2).is_some_and(|p| !p.is_empty()), || {
                    format!("no canonical name in {out}")
                }),
            ])
        } else {
            Outcome::NotMine
        }
    }

    /// A `round_down.json` case that rounds a timestamp (the configuration cases are the
    /// hdfs sink's).
    pub(crate) fn check_round_down(case: &Case) -> Outcome {
        let input = case.input();
        if input["config"].is_object() {
            return Outcome::NotMine;
        }
        let rounding = Rounding {
            unit: RoundUnit::parse(input["unit"].as_str().unwrap()).unwrap(),
            value: input["value"].as_u64().unwrap() as u32,
        };
        let zone = Zone::from_java_id(input["tz"].as_str().unwrap());
        let out = round_down(input["timestamp"].as_i64().unwrap(), rounding, &zone);
        Outcome::eq(
            out,
            Ok(case.expected()["output"].as_i64().unwrap()),
            "rounded",
        )
    }

    #[test]
    fn timestamp_errors() {
        let opts = EscapeOptions {
            zone: Zone::utc(),
            ..Default::default()
        };
        for pattern in ["%%", "%Q", "/x/%Y"] {
            assert_eq!(
                escape(pattern, &headers(&[]), &opts),
                Err(EscapeError::MissingTimestamp)
            );
        }
        assert!(matches!(
            escape("%Y", &headers(&[("timestamp", " 1")]), &opts),
            Err(EscapeError::BadTimestamp(_))
        ));
        assert_eq!(
            escape("%Y", &headers(&[("timestamp", "+1000")]), &opts).as_deref(),
            Ok("1970")
        );
        let round = EscapeOptions {
            rounding: Some(Rounding {
                unit: RoundUnit::Hour,
                value: 1,
            }),
            ..opts.clone()
        };
        assert_eq!(
            escape("%H", &headers(&[("timestamp", "0")]), &round),
            Err(EscapeError::NonPositiveTimestamp(0))
        );
        // Header escapes never need the timestamp; missing headers become "".
        assert_eq!(
            escape("a/%{x}/%{y}", &headers(&[("x", "1")]), &opts).as_deref(),
            Ok("a/1/")
        );
        assert!(!EscapePattern::new("%{a}%[IP]").needs_timestamp());
        assert_eq!(
            EscapePattern::new("/p/%{a}/%Y")
                .first_time_escape()
                .as_deref(),
            Some("%Y")
        );
    }

    #[test]
    fn parsing_edges() {
        let opts = EscapeOptions {
            zone: Zone::utc(),
            ..Default::default()
        };
        let h = headers(&[("timestamp", "1340459193234"), ("h", "v")]);
        for (pattern, expected) in [
            ("%", "%"),
            ("abc%", "abc%"),
            ("%{", "%{"),
            ("%{}", "%{}"),
            ("%[]", "%[]"),
            ("%{h", "%{h"),
            ("%%{h}", "%{h}"),
            ("%{h}%Y", "v2012"),
            ("é%Y€", "é2012€"),
            ("%é", "%é"),
            ("%{h}}", "v}"),
        ] {
            assert_eq!(
                escape(pattern, &h, &opts).as_deref(),
                Ok(expected),
                "{pattern}"
            );
        }
        assert!(EscapePattern::new("/plain/path").is_literal());
    }

    #[test]
    fn java_time_zones() {
        let offset = |id: &str| Zone::from_java_id(id).offset_ms_at(0);
        let region = |id: &str| match Zone::from_java_id(id) {
            Zone::Region { tz, .. } => Some(tz),
            Zone::Fixed { .. } => None,
        };
        assert_eq!(Zone::from_java_id("UTC"), Zone::utc());
        assert_eq!(Zone::from_java_id("No/Such_Zone"), Zone::gmt());
        assert_eq!(
            Zone::from_java_id("utc"),
            Zone::gmt(),
            "ids are case-sensitive"
        );
        assert_eq!(offset("GMT+05:30"), 19_800_000);
        assert_eq!(offset("GMT-8"), -28_800_000);
        assert_eq!(offset("GMT+0530"), 19_800_000);
        assert_eq!(Zone::from_java_id("GMT+24"), Zone::gmt());
        assert_eq!(region("PST"), Some(chrono_tz::Tz::America__Los_Angeles));
        assert_eq!(region("IST"), Some(chrono_tz::Tz::Asia__Kolkata));
        assert_eq!(
            crate::java::date::jvm_default_zone(Some("Asia/Tokyo")).id(),
            "Asia/Tokyo"
        );
        let h = headers(&[("timestamp", "1340459193234")]);
        let opts = EscapeOptions {
            zone: Zone::from_java_id("GMT+05:30"),
            ..Default::default()
        };
        assert_eq!(escape("%H:%M %z", &h, &opts).as_deref(), Ok("19:16 +0530"));
    }

    #[test]
    fn rounding_across_dst() {
        // Los Angeles, 2014-11-02: 01:00–02:00 local happens twice (PDT 08:00Z–09:00Z, then
        // PST 09:00Z–10:00Z). Rounding to the hour sets the wall clock to 01:00, which a
        // lenient GregorianCalendar reads as standard time (09:00Z) — also for 01:30 PDT.
        let la = Zone::from_java_id("America/Los_Angeles");
        let hour = Rounding {
            unit: RoundUnit::Hour,
            value: 1,
        };
        assert_eq!(
            round_down(1_414_920_600_000, hour, &la),
            Ok(1_414_918_800_000)
        );
        assert_eq!(
            round_down(1_414_917_000_000, hour, &la),
            Ok(1_414_918_800_000)
        );
    }

    #[test]
    fn local_timestamp_and_t() {
        let opts = EscapeOptions {
            zone: Zone::utc(),
            use_local_timestamp: true,
            now_ms: Some(1_583_020_799_000),
            ..Default::default()
        };
        assert_eq!(
            escape("%t %s %Y%m%d", &headers(&[]), &opts).as_deref(),
            Ok("1583020799000 1583020799 20200229")
        );
        let opts = EscapeOptions {
            zone: Zone::utc(),
            rounding: Some(Rounding {
                unit: RoundUnit::Minute,
                value: 10,
            }),
            ..Default::default()
        };
        // %t is the header text, never rounded; %s is rounded.
        assert_eq!(
            escape("%t %s", &headers(&[("timestamp", "+1340459193234")]), &opts).as_deref(),
            Ok("+1340459193234 1340458800")
        );
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// Any pattern escapes without panicking, and a model of Flume's rules (header escapes
        /// only, so no time is needed) gives the same string.
        #[test]
        fn escaping_matches_a_model(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-z/ .{}%\\[\\]-]{0,6}".prop_map(|s| (s, None)),
                    "[a-z]{1,3}".prop_map(|n| (format!("%{{{n}}}"), Some(n))),
                ],
                0..8,
            ),
            value in "[a-z$\\\\]{0,4}",
        ) {
            let pattern: String = parts.iter().map(|(p, _)| p.as_str()).collect();
            let mut h = Headers::new();
            h.insert("ab".into(), value.clone());
            h.insert("timestamp".into(), "1340459193234".into());
            let opts = EscapeOptions { zone: Zone::utc(), ..Default::default() };
            let out = escape(&pattern, &h, &opts);
            // Literal parts that form escapes themselves make the model inapplicable.
            if parts.iter().all(|(p, name)| name.is_some() || !p.contains('%')) {
                let expected: String = parts
                    .iter()
                    .map(|(p, name)| match name {
                        Some(n) => h.get(n.as_str()).cloned().unwrap_or_default(),
                        None => p.clone(),
                    })
                    .collect();
                proptest::prop_assert_eq!(out.unwrap(), expected);
            }
        }

        #[test]
        fn arbitrary_patterns_never_panic(pattern in "\\PC{0,40}", ts in proptest::option::of(-5i64..5_000_000_000_000)) {
            let mut h = Headers::new();
            if let Some(ts) = ts {
                h.insert("timestamp".into(), ts.to_string());
            }
            for rounding in [None, Some(Rounding { unit: RoundUnit::Hour, value: 5 })] {
                for zone in [Zone::utc(), Zone::from_java_id("America/Los_Angeles"), Zone::fixed("custom-timezone", 1)] {
                    let opts = EscapeOptions { zone, rounding, ..Default::default() };
                    let _ = escape(&pattern, &h, &opts);
                }
            }
        }
    }
}
