//! `SyslogUtils`: the parser of `syslogtcp` and `syslogudp` (reference §9.6, §9.7).
//!
//! A byte-level state machine cuts the stream into events (`\n`-terminated, at most
//! `eventSize` bytes), then the text is matched against Flume's RFC 5424 and RFC 3164 regexes
//! and the stamp is parsed the way Flume's `SimpleDateFormat` list parses it — quirks included:
//! with a fraction the offset is ignored and the fraction is read as a plain number of
//! milliseconds (`.5` → 5 ms); RFC 3164 stamps get the current UTC year, are read in the JVM
//! default zone and are moved a year back or forward when they look a month ahead or eleven
//! months behind.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{Datelike, Months, NaiveDateTime};

use super::{EVENT_STATUS, KeepFields, STATUS_INCOMPLETE, STATUS_INVALID, add_fields_to_body};
use crate::event::{Event, Headers};
use crate::java::charset::decode_utf8;
use crate::java::date::{Dialect, JavaDateFormat, JavaZone};
use crate::java::regex::{JavaRegex, Replacement};

pub const DEFAULT_SIZE: usize = 2500;
pub const MIN_SIZE: usize = 10;
/// UDP: the largest datagram RFC 5426 allows.
pub const UDP_MAX_SIZE: usize = 1 << 16;

/// Current time in epoch milliseconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(crate::metrics::now_millis)
}

/// Java's `.` (no DOTALL): anything but a line terminator.
const DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

/// Flume's `SYSLOG_MSG_RFC5424_0`, with Java's ASCII `\d \s \w` and `.`, matched in full.
fn rfc5424_regex() -> String {
    format!(
        r"\A(?:<([0-9]{{1,3}})>)(?:([0-9]?)[ \t\n\x0B\x0C\r]?)(?:([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]{{1,6}})?(?:[+-][0-9]{{2}}:[0-9]{{2}}|Z)?)|-)[ \t\n\x0B\x0C\r](?:([a-zA-Z0-9_][a-zA-Z0-9_.@\-]*)|-)[ \t\n\x0B\x0C\r]({DOT}*)\z"
    )
}

/// Flume's `SYSLOG_MSG_RFC3164_0`, translated the same way.
fn rfc3164_regex() -> String {
    format!(
        r"\A(?:<([0-9]{{1,3}})>)(?:([0-9])?[ \t\n\x0B\x0C\r]?)([A-Z][a-z][a-z][ \t\n\x0B\x0C\r]{{1,2}}[0-9]{{1,2}}[ \t\n\x0B\x0C\r][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}})[ \t\n\x0B\x0C\r]([a-zA-Z0-9_][a-zA-Z0-9_.@-]*)[ \t\n\x0B\x0C\r]({DOT}*)\z"
    )
}

#[derive(Debug)]
enum Matcher {
    Builtin(regex::Regex),
    /// `format.regex`: Java syntax, matched in full (`Matcher.matches()`).
    Custom(Box<JavaRegex>),
}

impl Matcher {
    /// Groups 1.. of a full match (`None` for groups that did not take part).
    fn captures(&self, text: &str) -> Option<Vec<Option<String>>> {
        match self {
            Matcher::Builtin(re) => {
                let caps = re.captures(text)?;
                Some(
                    (1..caps.len())
                        .map(|i| caps.get(i).map(|m| m.as_str().to_string()))
                        .collect(),
                )
            }
            Matcher::Custom(re) => {
                let groups = re.captures(text).ok()??;
                Some(
                    (1..groups.len())
                        .map(|i| groups.get(text, i).map(str::to_string))
                        .collect(),
                )
            }
        }
    }
}

/// One entry of Flume's formatter list: a regex, replacements applied to the stamp, the
/// `SimpleDateFormat`s tried in order.
#[derive(Debug)]
struct Format {
    matcher: Matcher,
    replacements: Vec<(JavaRegex, Replacement)>,
    dates: Vec<JavaDateFormat>,
    add_year: bool,
}

/// The formatter list shared by the handlers of one source (built once from the config).
#[derive(Debug)]
pub struct Formats {
    formats: Vec<Format>,
}

/// `format.*` keys that cannot be honoured.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("format.regex: {0}")]
    Regex(String),
    #[error("format.search: {0}")]
    Search(String),
    #[error("format.dateFormat: {0}")]
    DateFormat(String),
}

fn replacement(search: &str, replace: &str) -> Result<(JavaRegex, Replacement), String> {
    let re = JavaRegex::new(search).map_err(|e| e.to_string())?;
    let r = Replacement::parse(replace, &re);
    Ok((re, r))
}

fn builtin_date(pattern: &str) -> JavaDateFormat {
    JavaDateFormat::simple(pattern).unwrap_or_else(|e| unreachable!("{pattern}: {e}"))
}

impl Formats {
    /// Flume's two built-in formats (`initHeaderFormats`).
    pub fn builtin() -> Formats {
        let fixed = |search: &str, replace: &str| {
            replacement(search, replace).unwrap_or_else(|e| unreachable!("{search}: {e}"))
        };
        let rfc5424 = Format {
            matcher: Matcher::Builtin(
                regex::Regex::new(&rfc5424_regex()).unwrap_or_else(|e| unreachable!("{e}")),
            ),
            replacements: vec![
                // 'Z' means UTC: +0000 for SimpleDateFormat's Z.
                fixed("Z", "+0000"),
                // +hh:mm → +hhmm.
                fixed("([+-])(\\d{2})[:](\\d{2})", "$1$2$3"),
                // FLUME-2497: more than three fraction digits are cut.
                fixed("(T\\d{2}:\\d{2}:\\d{2}\\.\\d{3})(\\d*)", "$1"),
            ],
            dates: vec![
                builtin_date("yyyy-MM-dd'T'HH:mm:ss.S"),
                builtin_date("yyyy-MM-dd'T'HH:mm:ss.SZ"),
                builtin_date("yyyy-MM-dd'T'HH:mm:ssZ"),
                builtin_date("yyyy-MM-dd'T'HH:mm:ss"),
            ],
            add_year: false,
        };
        let rfc3164 = Format {
            matcher: Matcher::Builtin(
                regex::Regex::new(&rfc3164_regex()).unwrap_or_else(|e| unreachable!("{e}")),
            ),
            // A one-digit day has two spaces before it.
            replacements: vec![fixed("  ", " ")],
            dates: vec![builtin_date("yyyyMMM d HH:mm:ss")],
            add_year: true,
        };
        Formats {
            formats: vec![rfc5424, rfc3164],
        }
    }

    /// The built-ins preceded by the custom format (`SyslogUtils.addFormats`): `format.regex`,
    /// `format.search` / `format.replace`, `format.dateFormat`.
    pub fn with_custom(
        regex: Option<&str>,
        search: Option<&str>,
        replace: Option<&str>,
        date_format: Option<&str>,
    ) -> Result<Formats, FormatError> {
        let mut formats = Formats::builtin();
        let Some(regex) = regex else {
            return Ok(formats);
        };
        let matcher = JavaRegex::new(&format!(r"\A(?:{regex})\z"))
            .map_err(|e| FormatError::Regex(e.to_string()))?;
        let mut replacements = Vec::new();
        if let Some(search) = search {
            replacements
                .push(replacement(search, replace.unwrap_or("")).map_err(FormatError::Search)?);
        }
        let mut dates = Vec::new();
        if let Some(pattern) = date_format {
            dates.push(
                JavaDateFormat::for_parsing(pattern, Dialect::Simple)
                    .map_err(|e| FormatError::DateFormat(e.to_string()))?,
            );
        }
        formats.formats.insert(
            0,
            Format {
                matcher: Matcher::Custom(Box::new(matcher)),
                replacements,
                dates,
                add_year: false,
            },
        );
        Ok(formats)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Start,
    Prio,
    Data,
}

/// Settings of a `SyslogUtils` instance.
#[derive(Clone)]
pub struct UtilsConfig {
    pub event_size: usize,
    pub keep: Option<KeepFields>,
    pub udp: bool,
    pub formats: Arc<Formats>,
    pub zone: JavaZone,
    pub clock: Clock,
}

impl UtilsConfig {
    pub fn new(event_size: usize, keep: Option<KeepFields>, udp: bool) -> UtilsConfig {
        UtilsConfig {
            event_size: event_size.max(MIN_SIZE),
            keep,
            udp,
            formats: Arc::new(Formats::builtin()),
            zone: JavaZone::utc(),
            clock: system_clock(),
        }
    }
}

/// One `SyslogUtils`: per TCP connection, or one for a whole UDP source.
pub struct SyslogUtils {
    config: UtilsConfig,
    mode: Mode,
    prio: String,
    buf: Vec<u8>,
    bad: bool,
    incomplete: bool,
    // Flume never resets these two between events (stale values can reach a following
    // unparsable event's headers); kept that way.
    priority: Option<String>,
    version: Option<String>,
    timestamp: Option<String>,
    host: Option<String>,
    msg_body: Option<String>,
}

impl SyslogUtils {
    pub fn new(config: UtilsConfig) -> SyslogUtils {
        SyslogUtils {
            buf: Vec::with_capacity(config.event_size.min(DEFAULT_SIZE)),
            config,
            mode: Mode::Start,
            prio: String::new(),
            bad: false,
            incomplete: false,
            priority: None,
            version: None,
            timestamp: None,
            host: None,
            msg_body: None,
        }
    }

    /// `extractEvent`: consume bytes from `input` until an event is complete. TCP: `None` means
    /// the input ran out mid-event (the rest comes with the next read). UDP: the event is built
    /// from what there is, and the rest of the datagram is left unread.
    pub fn extract_event(&mut self, input: &mut &[u8]) -> Option<Event> {
        let mut event = None;
        let mut done = false;
        while !done && !input.is_empty() {
            let b = input[0];
            *input = &input[1..];
            match self.mode {
                Mode::Start => {
                    if b == b'<' {
                        self.buf.push(b);
                        self.mode = Mode::Prio;
                    } else if b == b'\n' {
                        // A delimiter right after a full-size event, or empty lines: ignored.
                    } else {
                        self.bad = true;
                        self.buf.push(b);
                        self.mode = Mode::Data;
                    }
                }
                Mode::Prio => {
                    self.buf.push(b);
                    if b == b'>' {
                        if self.prio.is_empty() {
                            self.bad = true;
                        }
                        self.mode = Mode::Data;
                    } else {
                        // Only ASCII digits can make a valid priority; anything else is bad.
                        self.prio.push(if b.is_ascii() { b as char } else { '?' });
                        if !b.is_ascii_digit() || self.prio.len() > 3 {
                            self.bad = true;
                            self.mode = Mode::Data;
                        }
                    }
                }
                Mode::Data => {
                    if b == b'\n' {
                        event = self.build_event();
                        done = true;
                    } else {
                        self.buf.push(b);
                    }
                    if !done && self.buf.len() == self.config.event_size {
                        self.incomplete = true;
                        event = self.build_event();
                        done = true;
                    }
                }
            }
        }
        if event.is_none() && !done && self.config.udp {
            event = self.build_event();
        }
        event
    }

    fn build_event(&mut self) -> Option<Event> {
        let result = self.build_event_inner();
        self.reset();
        result
    }

    fn build_event_inner(&mut self) -> Option<Event> {
        let (mut facility, mut severity) = (0, 0);
        if !self.bad {
            let Ok(pri) = self.prio.parse::<u32>() else {
                // Integer.parseInt("") throws (a UDP datagram that is just "<"): Flume loses it.
                tracing::warn!("syslog event with an empty priority dropped");
                return None;
            };
            severity = pri % 8;
            facility = pri / 8;
            self.format_headers();
        }
        let mut headers = Headers::new();
        headers.insert(super::SYSLOG_FACILITY.into(), facility.to_string());
        headers.insert(super::SYSLOG_SEVERITY.into(), severity.to_string());
        if let Some(p) = self.priority.as_ref().filter(|p| !p.is_empty()) {
            headers.insert("priority".into(), p.clone());
        }
        if let Some(v) = self.version.as_ref().filter(|v| !v.is_empty()) {
            headers.insert("version".into(), v.clone());
        }
        if let Some(t) = self.timestamp.as_ref().filter(|t| !t.is_empty()) {
            headers.insert("timestamp".into(), t.clone());
        }
        if let Some(h) = self.host.as_ref().filter(|h| !h.is_empty()) {
            headers.insert("host".into(), h.clone());
        }
        if self.bad {
            tracing::warn!("Event created from Invalid Syslog data.");
            headers.insert(EVENT_STATUS.into(), STATUS_INVALID.into());
        } else if self.incomplete {
            tracing::warn!(
                "Event size larger than specified event size: {}. You should consider increasing your event size.",
                self.config.event_size
            );
            headers.insert(EVENT_STATUS.into(), STATUS_INCOMPLETE.into());
        }
        let body = match &self.msg_body {
            Some(m) if !m.is_empty() && !KeepFields::keep_all(self.config.keep.as_ref()) => {
                Bytes::copy_from_slice(m.as_bytes())
            }
            _ => Bytes::copy_from_slice(&self.buf),
        };
        // SyslogUtils builds a HashMap, then EventBuilder.withBody copies it.
        Some(Event::with_headers(
            crate::java::hashmap_copy(&headers),
            body,
        ))
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.mode = Mode::Start;
        self.prio.clear();
        self.bad = false;
        self.incomplete = false;
        self.host = None;
        self.timestamp = None;
        self.msg_body = None;
    }

    /// `formatHeaders`: the first format whose regex matches the whole text sets the fields.
    fn format_headers(&mut self) {
        let text = decode_utf8(&self.buf).into_owned();
        let formats = Arc::clone(&self.config.formats);
        for format in &formats.formats {
            let Some(groups) = format.matcher.captures(&text) else {
                continue;
            };
            let mut stamp_text: Option<String> = None;
            for (i, value) in groups.into_iter().enumerate() {
                match i + 1 {
                    1 => self.priority = value,
                    2 => self.version = value,
                    3 => {
                        stamp_text = value.clone();
                        if let Some(stamp) = value
                            && let Some(ms) = self.parse_stamp(format, &stamp)
                        {
                            self.timestamp = Some(ms.to_string());
                        }
                    }
                    4 => self.host = value,
                    5 => {
                        self.msg_body = value.map(|body| {
                            add_fields_to_body(
                                self.config.keep.as_ref(),
                                &body,
                                self.priority.as_deref(),
                                self.version.as_deref(),
                                stamp_text.as_deref(),
                                self.host.as_deref(),
                            )
                        });
                    }
                    _ => {}
                }
            }
            break;
        }
    }

    fn parse_stamp(&self, format: &Format, stamp: &str) -> Option<i64> {
        let mut value = stamp.to_string();
        for (re, replacement) in &format.replacements {
            value = re.replace_all(&value, replacement).ok()?.into_owned();
        }
        let now = (self.config.clock)();
        if format.add_year {
            let year = chrono::DateTime::from_timestamp_millis(now)
                .map(|t| t.year())
                .unwrap_or(1970);
            value = format!("{year}{value}");
        }
        // `SimpleDateFormat.parse(String)`: the first pattern that parses a prefix wins.
        let zone = &self.config.zone;
        let parsed = format
            .dates
            .iter()
            .find_map(|d| d.parse_prefix(&value, zone).ok().map(|(ms, _)| ms))?;
        Some(if format.add_year {
            guess_year(parsed, now, zone)
        } else {
            parsed
        })
    }
}

/// The year fix-up of `formatHeaders` for RFC 3164 stamps: a stamp more than a month ahead of
/// now goes a year back, one more than eleven months behind a year forward (`Calendar.add`
/// in the default zone).
fn guess_year(parsed: i64, now: i64, zone: &JavaZone) -> i64 {
    let local = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms + zone.offset_ms_at(ms)).map(|t| t.naive_utc())
    };
    let at = |t: NaiveDateTime| {
        zone.local_to_utc(t.and_utc().timestamp_millis(), Dialect::Simple)
            .unwrap_or_else(|_| t.and_utc().timestamp_millis())
    };
    let Some(wall) = local(parsed) else {
        return parsed;
    };
    let shift = |months: i32| -> NaiveDateTime {
        let moved = if months >= 0 {
            wall.checked_add_months(Months::new(months as u32))
        } else {
            wall.checked_sub_months(Months::new(months.unsigned_abs()))
        };
        moved.unwrap_or(wall)
    };
    if parsed > now && at(shift(-1)) > now {
        at(shift(-12))
    } else if parsed < now && at(shift(11)) < now {
        at(shift(12))
    } else {
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utils(event_size: usize, keep: Option<KeepFields>, now: i64) -> SyslogUtils {
        let mut config = UtilsConfig::new(event_size, keep, false);
        config.clock = Arc::new(move || now);
        SyslogUtils::new(config)
    }

    fn extract_all(u: &mut SyslogUtils, input: &[u8]) -> Vec<Event> {
        let mut rest = input;
        let mut out = Vec::new();
        while !rest.is_empty() {
            if let Some(e) = u.extract_event(&mut rest) {
                out.push(e);
            }
        }
        out
    }

    #[test]
    fn fraction_and_offset_quirks() {
        let mut u = utils(DEFAULT_SIZE, None, 0);
        let e = extract_all(&mut u, b"<10>2014-10-03T17:20:01.123456-07:00 h m\n");
        assert_eq!(e[0].header("timestamp"), Some("1412356801123"));
        let e = extract_all(&mut u, b"<10>1 2012-04-13T11:11:11.5 host1 msg\n");
        assert_eq!(e[0].header("timestamp"), Some("1334315471005"));
        assert_eq!(e[0].header("version"), Some("1"));
        assert_eq!(&e[0].body[..], b"msg");
    }

    #[test]
    fn stale_version_leaks_into_unparsable_event() {
        let mut u = utils(DEFAULT_SIZE, None, 0);
        let e = extract_all(&mut u, b"<10>1 2012-04-13T11:11:11Z h m\n<11>junk\n");
        assert_eq!(e[1].header("version"), Some("1"));
        assert_eq!(e[1].header("priority"), Some("10"));
        assert_eq!(e[1].header("host"), None);
        assert_eq!(&e[1].body[..], b"<11>junk");
    }

    #[test]
    fn trailing_cr_defeats_the_regexes() {
        let mut u = utils(DEFAULT_SIZE, None, 0);
        let e = extract_all(&mut u, b"<10>1 2012-04-13T11:11:11Z h m\r\n");
        assert_eq!(e[0].header("host"), None);
        assert_eq!(&e[0].body[..], b"<10>1 2012-04-13T11:11:11Z h m\r");
    }

    #[test]
    fn kept_null_stamp_prints_null() {
        let keep = KeepFields::parse("timestamp");
        let mut u = utils(DEFAULT_SIZE, keep, 0);
        let e = extract_all(&mut u, b"<10>1 - h m\n");
        assert_eq!(&e[0].body[..], b"null m");
        assert_eq!(e[0].header("timestamp"), None);
    }

    #[test]
    fn udp_mode_reads_one_event() {
        let mut config = UtilsConfig::new(UDP_MAX_SIZE, None, true);
        config.clock = Arc::new(|| 0);
        let mut u = SyslogUtils::new(config);
        let mut input: &[u8] = b"<10>first\n<10>second\n";
        let e = u.extract_event(&mut input).unwrap();
        assert_eq!(&e.body[..], b"<10>first");
        let mut input: &[u8] = b"<10>no newline";
        let e = u.extract_event(&mut input).unwrap();
        assert_eq!(&e.body[..], b"<10>no newline");
    }

    proptest::proptest! {
        /// Whatever arrives on the socket, the parser never panics and never loses bytes
        /// silently: TCP input comes out as events or stays buffered.
        #[test]
        fn never_panics(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
                        size in 1usize..64, udp in proptest::prelude::any::<bool>()) {
            let mut config = UtilsConfig::new(size, KeepFields::parse("all"), udp);
            config.clock = Arc::new(|| 1_700_000_000_000);
            let mut u = SyslogUtils::new(config);
            let mut rest = &input[..];
            while !rest.is_empty() {
                let _ = u.extract_event(&mut rest);
            }
        }

        #[test]
        fn stamps_never_panic(stamp in "[0-9A-Za-z :.+-]{0,40}") {
            let mut u = utils(DEFAULT_SIZE, None, 1_700_000_000_000);
            let line = format!("<13>1 {stamp} host body\n<13>{stamp} host body\n");
            let _ = extract_all(&mut u, line.as_bytes());
        }
    }

    #[test]
    fn custom_format_with_date() {
        let mut config = UtilsConfig::new(DEFAULT_SIZE, None, false);
        config.formats = Arc::new(
            Formats::with_custom(
                Some(r"<(\d+)>(\d*)\s*(\d{2}/\d{2}/\d{4} \d{2}:\d{2})\s(\S+)\s(.*)"),
                None,
                None,
                Some("MM/dd/yyyy HH:mm"),
            )
            .unwrap(),
        );
        config.clock = Arc::new(|| 0);
        let mut u = SyslogUtils::new(config);
        let e = extract_all(&mut u, b"<13>04/13/2012 11:11 myhost the body\n");
        assert_eq!(e[0].header("timestamp"), Some("1334315460000"));
        assert_eq!(e[0].header("host"), Some("myhost"));
        assert_eq!(&e[0].body[..], b"the body");
    }
}
