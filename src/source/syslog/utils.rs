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
use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, TimeDelta};

use super::{EVENT_STATUS, KeepFields, STATUS_INCOMPLETE, STATUS_INVALID, add_fields_to_body};
use crate::event::{Event, Headers};
use crate::format::bucket_path::Zone;
use crate::java::charset::{Charset, DecodeErrorPolicy};

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

fn rfc5424_regex() -> String {
    format!(
        r"\A(?:<([0-9]{{1,3}})>)(?:([0-9]?)[ \t\n\x0B\x0C\r]?)(?:([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]{{1,6}})?(?:[+-][0-9]{{2}}:[0-9]{{2}}|Z)?)|-)[ \t\n\x0B\x0C\r](?:([a-zA-Z0-9_][a-zA-Z0-9_.@\-]*)|-)[ \t\n\x0B\x0C\r]({DOT}*)\z"
    )
}

fn rfc3164_regex() -> String {
    format!(
        r"\A(?:<([0-9]{{1,3}})>)(?:([0-9])?[ \t\n\x0B\x0C\r]?)([A-Z][a-z][a-z][ \t\n\x0B\x0C\r]{{1,2}}[0-9]{{1,2}}[ \t\n\x0B\x0C\r][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}})[ \t\n\x0B\x0C\r]([a-zA-Z0-9_][a-zA-Z0-9_.@-]*)[ \t\n\x0B\x0C\r]({DOT}*)\z"
    )
}

#[derive(Debug, Clone)]
enum Matcher {
    Builtin(regex::Regex),
    /// `format.regex`: Java syntax, so the backtracking engine; matched in full.
    Custom(fancy_regex::Regex),
}

impl Matcher {
    /// Groups 1..=5 of a full match (`None` for groups that did not take part).
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
                let caps = re.captures(text).ok()??;
                Some(
                    (1..caps.len())
                        .map(|i| caps.get(i).map(|m| m.as_str().to_string()))
                        .collect(),
                )
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFormat {
    /// `yyyy-MM-dd'T'HH:mm:ss.S` (a prefix parse: what follows the fraction is ignored).
    Rfc5424Fraction,
    /// `yyyy-MM-dd'T'HH:mm:ss.SZ`
    Rfc5424FractionZone,
    /// `yyyy-MM-dd'T'HH:mm:ssZ`
    Rfc5424Zone,
    /// `yyyy-MM-dd'T'HH:mm:ss`
    Rfc5424Plain,
    /// `yyyyMMM d HH:mm:ss`
    Rfc3164,
}

/// One entry of Flume's formatter list: a regex, replacements applied to the stamp, the date
/// formats tried in order.
#[derive(Debug, Clone)]
struct Format {
    matcher: Matcher,
    replacements: Vec<(regex::Regex, String)>,
    dates: Vec<DateFormat>,
    add_year: bool,
}

/// The formatter list shared by the handlers of one source (built once from the config).
#[derive(Debug, Clone)]
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
}

impl Formats {
    /// Flume's two built-in formats.
    pub fn builtin() -> Formats {
        let rfc5424 = Format {
            matcher: Matcher::Builtin(
                regex::Regex::new(&rfc5424_regex()).unwrap_or_else(|e| unreachable!("{e}")),
            ),
            replacements: vec![
                (literal_regex("Z"), "+0000".to_string()),
                (
                    regex::Regex::new(r"([+-])([0-9]{2}):([0-9]{2})")
                        .unwrap_or_else(|e| unreachable!("{e}")),
                    "${1}${2}${3}".to_string(),
                ),
                (
                    regex::Regex::new(r"(T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})([0-9]*)")
                        .unwrap_or_else(|e| unreachable!("{e}")),
                    "${1}".to_string(),
                ),
            ],
            dates: vec![
                DateFormat::Rfc5424Fraction,
                DateFormat::Rfc5424FractionZone,
                DateFormat::Rfc5424Zone,
                DateFormat::Rfc5424Plain,
            ],
            add_year: false,
        };
        let rfc3164 = Format {
            matcher: Matcher::Builtin(
                regex::Regex::new(&rfc3164_regex()).unwrap_or_else(|e| unreachable!("{e}")),
            ),
            replacements: vec![(literal_regex("  "), " ".to_string())],
            dates: vec![DateFormat::Rfc3164],
            add_year: true,
        };
        Formats {
            formats: vec![rfc5424, rfc3164],
        }
    }

    /// The built-ins preceded by the custom `format.regex` / `format.search` /
    /// `format.replace` format (`SyslogUtils.addFormats`). `format.dateFormat` needs Java's
    /// `SimpleDateFormat` language: until that lands the custom format sets no timestamp.
    pub fn with_custom(
        regex: Option<&str>,
        search: Option<&str>,
        replace: Option<&str>,
    ) -> Result<Formats, FormatError> {
        let mut formats = Formats::builtin();
        let Some(regex) = regex else {
            return Ok(formats);
        };
        let matcher = fancy_regex::Regex::new(&format!(r"\A(?:{regex})\z"))
            .map_err(|e| FormatError::Regex(e.to_string()))?;
        let mut replacements = Vec::new();
        if let Some(search) = search {
            let re = regex::Regex::new(search).map_err(|e| FormatError::Search(e.to_string()))?;
            replacements.push((re, java_replacement(replace.unwrap_or(""))));
        }
        formats.formats.insert(
            0,
            Format {
                matcher: Matcher::Custom(matcher),
                replacements,
                dates: Vec::new(),
                add_year: false,
            },
        );
        Ok(formats)
    }
}

fn literal_regex(s: &str) -> regex::Regex {
    regex::Regex::new(&regex::escape(s)).unwrap_or_else(|e| unreachable!("{e}"))
}

/// Java's `Matcher.replaceAll` replacement syntax (`$1`, `${name}`, `\$`) in the `regex`
/// crate's syntax.
fn java_replacement(java: &str) -> String {
    let mut out = String::new();
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    if next == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(next);
                    }
                }
            }
            '$' => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    out.push_str(&format!("${{{name}}}"));
                } else {
                    let digits: String =
                        std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_digit())).collect();
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            other => out.push(other),
        }
    }
    out
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
    pub zone: Zone,
    pub clock: Clock,
}

impl UtilsConfig {
    pub fn new(event_size: usize, keep: Option<KeepFields>, udp: bool) -> UtilsConfig {
        UtilsConfig {
            event_size: event_size.max(MIN_SIZE),
            keep,
            udp,
            formats: Arc::new(Formats::builtin()),
            zone: Zone::UTC,
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
        Some(Event::with_headers(headers, body))
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
        let text = Charset::Utf8
            .decode(&self.buf, DecodeErrorPolicy::Replace)
            .unwrap_or_default()
            .into_owned();
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
            value = re.replace_all(&value, replacement.as_str()).into_owned();
        }
        let now = (self.config.clock)();
        if format.add_year {
            let year = chrono::DateTime::from_timestamp_millis(now)
                .map(|t| t.year())
                .unwrap_or(1970);
            value = format!("{year}{value}");
        }
        for date in &format.dates {
            let parsed = match date {
                DateFormat::Rfc5424Fraction => {
                    parse_rfc5424(&value, true, false, &self.config.zone)
                }
                DateFormat::Rfc5424FractionZone => {
                    parse_rfc5424(&value, true, true, &self.config.zone)
                }
                DateFormat::Rfc5424Zone => parse_rfc5424(&value, false, true, &self.config.zone),
                DateFormat::Rfc5424Plain => parse_rfc5424(&value, false, false, &self.config.zone),
                DateFormat::Rfc3164 => {
                    parse_rfc3164(&value).map(|t| guess_year(t, now, &self.config.zone))
                }
            };
            if let Some(ms) = parsed {
                return Some(ms);
            }
        }
        None
    }
}

/// A decimal number at the start of `s` (SimpleDateFormat reads as many digits as there are).
fn number(s: &str) -> Option<(i64, &str)> {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 || end > 18 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

fn literal<'a>(s: &'a str, lit: &str) -> Option<&'a str> {
    s.strip_prefix(lit)
}

/// Lenient `GregorianCalendar` field arithmetic: out-of-range fields roll over.
fn lenient(
    year: i64,
    month: i64,
    day: i64,
    h: i64,
    m: i64,
    s: i64,
    ms: i64,
) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, 1, 1)?;
    let months = month - 1;
    let date = if months >= 0 {
        base.checked_add_months(Months::new(u32::try_from(months).ok()?))?
    } else {
        base.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
    };
    date.and_hms_opt(0, 0, 0)?
        .checked_add_signed(TimeDelta::try_days(day - 1)?)?
        .checked_add_signed(TimeDelta::try_hours(h)?)?
        .checked_add_signed(TimeDelta::try_minutes(m)?)?
        .checked_add_signed(TimeDelta::try_seconds(s)?)?
        .checked_add_signed(TimeDelta::try_milliseconds(ms)?)
}

/// `Z` in SimpleDateFormat parsing: an RFC 822 offset `+hhmm` (or a general `GMT+hh:mm`).
fn rfc822_zone(s: &str) -> Option<(i64, &str)> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &s[1..];
    if digits.len() < 4 || !digits.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let hh: i64 = digits[..2].parse().ok()?;
    let mm: i64 = digits[2..4].parse().ok()?;
    if hh > 23 || mm > 59 {
        return None;
    }
    Some((sign * (hh * 60 + mm), &digits[4..]))
}

/// The four RFC 5424 `SimpleDateFormat` patterns, each parsing a prefix of `value`.
fn parse_rfc5424(value: &str, fraction: bool, zone_field: bool, zone: &Zone) -> Option<i64> {
    let (year, s) = number(value)?;
    let s = literal(s, "-")?;
    let (month, s) = number(s)?;
    let s = literal(s, "-")?;
    let (day, s) = number(s)?;
    let s = literal(s, "T")?;
    let (h, s) = number(s)?;
    let s = literal(s, ":")?;
    let (m, s) = number(s)?;
    let s = literal(s, ":")?;
    let (sec, mut s) = number(s)?;
    let mut ms = 0;
    if fraction {
        s = literal(s, ".")?;
        let (f, rest) = number(s)?;
        ms = f;
        s = rest;
    }
    let local = lenient(year, month, day, h, m, sec, ms)?;
    if zone_field {
        let (offset_minutes, _) = rfc822_zone(s)?;
        let utc = local - TimeDelta::try_minutes(offset_minutes)?;
        return Some(utc.and_utc().timestamp_millis());
    }
    Some(zone.wall_to_utc(local.and_utc().timestamp_millis()))
}

/// `yyyyMMM d HH:mm:ss` (English month names, lenient): the wall-clock time.
fn parse_rfc3164(value: &str) -> Option<NaiveDateTime> {
    let (year, s) = number(value)?;
    let (month, s) = month_name(s)?;
    let s = literal(s, " ")?;
    let (day, s) = number(s)?;
    let s = literal(s, " ")?;
    let (h, s) = number(s)?;
    let s = literal(s, ":")?;
    let (m, s) = number(s)?;
    let s = literal(s, ":")?;
    let (sec, _) = number(s)?;
    lenient(year, month, day, h, m, sec, 0)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// SimpleDateFormat `MMM` parsing: the longest full or abbreviated English month name,
/// case-insensitive.
fn month_name(s: &str) -> Option<(i64, &str)> {
    let lower = s.to_ascii_lowercase();
    let mut best: Option<(usize, i64)> = None;
    for (i, name) in MONTHS.iter().enumerate() {
        for candidate in [*name, &name[..3]] {
            if lower.starts_with(candidate) && best.is_none_or(|(len, _)| candidate.len() > len) {
                best = Some((candidate.len(), i as i64 + 1));
            }
        }
    }
    // "Sept" is CLDR's other English abbreviation for September.
    if lower.starts_with("sept") && best.is_none_or(|(len, _)| len < 4) {
        best = Some((4, 9));
    }
    best.map(|(len, month)| (month, &s[len..]))
}

/// The year fix-up of `formatHeaders` for RFC 3164 stamps: `Calendar.add` in the default zone.
fn guess_year(parsed: NaiveDateTime, now: i64, zone: &Zone) -> i64 {
    let at = |t: NaiveDateTime| zone.wall_to_utc(t.and_utc().timestamp_millis());
    let shift = |t: NaiveDateTime, months: i32| -> NaiveDateTime {
        let moved = if months >= 0 {
            t.checked_add_months(Months::new(months as u32))
        } else {
            t.checked_sub_months(Months::new(months.unsigned_abs()))
        };
        moved.unwrap_or(t)
    };
    let parsed_ms = at(parsed);
    if parsed_ms > now && at(shift(parsed, -1)) > now {
        at(shift(parsed, -12))
    } else if parsed_ms < now && at(shift(parsed, 11)) < now {
        at(shift(parsed, 12))
    } else {
        parsed_ms
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
    fn java_replacement_syntax() {
        assert_eq!(java_replacement("$1$2$3"), "${1}${2}${3}");
        assert_eq!(java_replacement("x\\$y${n}"), "x$$y${n}");
    }
}
