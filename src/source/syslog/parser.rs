//! `SyslogParser`: the parser of `multiport_syslogtcp` (reference §9.8).
//!
//! Unlike [`super::utils`], it walks the line by hand: `<pri>`, an optional `1 ` version, a
//! stamp (`-` = now, a capital letter = 15-character RFC 3164 stamp read as UTC, anything else
//! = RFC 5424 up to the next space, offset applied), then the host up to the next space.
//! Headers are `Priority`, `Facility`, `Severity`, `Version`, `timestamp`, `host`.
//!
//! RFC 3164 year guessing copies Flume 1.11's Joda code, bug included: the stamp is parsed with
//! Joda's default year 2000, and the roll-back / roll-forward branches shift *that* date, so a
//! stamp more than a month ahead of now gets year 1999 and one more than a month behind gets
//! 2001. Stamps within a month of now get the current year.

use std::sync::LazyLock;

use chrono::{Datelike, Months, NaiveDateTime};

use super::{
    KeepFields, SYSLOG_FACILITY, SYSLOG_PRIORITY, SYSLOG_SEVERITY, SYSLOG_VERSION,
    add_fields_to_body,
};
use crate::event::Headers;
use crate::java::date::{JavaDateFormat, JavaZone};

const RFC3164_LEN: usize = 15;
const RFC5424_PREFIX_LEN: usize = 19;

/// Why a line is not a syslog message (Flume's `IllegalArgumentException` messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn bad(msg: impl Into<String>) -> ParseError {
    ParseError(msg.into())
}

/// A parsed message: headers and the body text (to be encoded in the port's charset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub headers: Headers,
    pub body: String,
}

/// The clock and zone the parser reads "now" from (the JVM default zone only decides the
/// current year for RFC 3164 stamps).
#[derive(Clone)]
pub struct SyslogParser {
    pub clock: super::utils::Clock,
    pub zone: JavaZone,
}

impl Default for SyslogParser {
    fn default() -> Self {
        SyslogParser {
            clock: super::utils::system_clock(),
            zone: JavaZone::utc(),
        }
    }
}

/// Byte index of the position `units` UTF-16 code units after byte index `from`, if the text
/// is that long (Java indexes strings in UTF-16 units).
fn advance_units(s: &str, from: usize, units: usize) -> Option<usize> {
    if units == 0 {
        return Some(from);
    }
    let mut count = 0;
    for (i, c) in s[from..].char_indices() {
        count += c.len_utf16();
        if count >= units {
            return Some(from + i + c.len_utf8());
        }
    }
    None
}

/// Whether `s` has more than `units` UTF-16 code units after byte index `from`
/// (`msgLen > curPos + units`).
fn longer_than(s: &str, from: usize, units: usize) -> bool {
    advance_units(s, from, units + 1).is_some()
}

impl SyslogParser {
    /// `parseMessage`: `Err` is Flume's IllegalArgumentException (the caller makes an
    /// `Invalid` event of the line).
    pub fn parse_message(
        &self,
        msg: &str,
        keep: Option<&KeepFields>,
    ) -> Result<Parsed, ParseError> {
        let mut headers = Headers::new();
        if !msg.starts_with('<') {
            return Err(bad(format!(
                "Bad format: invalid priority: cannot find open bracket '<' ({msg})"
            )));
        }
        let end_bracket = match msg.find('>') {
            Some(p) if p > 0 && advance_units(msg, 0, 7).is_none_or(|limit| p < limit) => p,
            _ => {
                return Err(bad(format!(
                    "Bad format: invalid priority: cannot find end bracket '>' ({msg})"
                )));
            }
        };
        let priority = &msg[1..end_bracket];
        let pri: i32 = crate::java::parse_int(priority)
            .filter(|_| !priority.trim().is_empty() && priority.trim() == priority)
            .ok_or_else(|| bad(format!("For input string: \"{priority}\"")))?;
        headers.insert(SYSLOG_PRIORITY.into(), priority.to_string());
        // Java's integer division and remainder keep the sign.
        headers.insert(SYSLOG_FACILITY.into(), (pri / 8).to_string());
        headers.insert(SYSLOG_SEVERITY.into(), (pri % 8).to_string());

        let mut cur = end_bracket + 1;
        if cur >= msg.len() {
            return Err(bad(format!("Bad format: no data except priority ({msg})")));
        }
        let mut version = None;
        if longer_than(msg, cur, 2) && msg[cur..].starts_with("1 ") {
            version = Some("1");
            headers.insert(SYSLOG_VERSION.into(), "1".into());
            cur += 2;
        }

        let unparsable = |e: ParseError| bad(format!("Unable to parse message: {msg} ({e})"));
        let first = msg[cur..]
            .chars()
            .next()
            .ok_or_else(|| bad("bad timestamp format"))?;
        let (ts, ts_string): (i64, &str) = if first == '-' {
            if !longer_than(msg, cur, 2) {
                return Err(unparsable(bad("bad syslog format (missing hostname)")));
            }
            let stamp = &msg[cur..cur + 1];
            cur += 2;
            ((self.clock)(), stamp)
        } else if first.is_ascii_uppercase() {
            if !longer_than(msg, cur, RFC3164_LEN) {
                return Err(unparsable(bad("bad timestamp format")));
            }
            let end =
                advance_units(msg, cur, RFC3164_LEN).ok_or_else(|| bad("bad timestamp format"))?;
            let stamp = &msg[cur..end];
            let ts = self.parse_rfc3164_time(stamp);
            cur = advance_units(msg, end, 1).unwrap_or(msg.len());
            (ts, stamp)
        } else {
            let Some(space) = msg[cur..].find(' ').map(|p| cur + p) else {
                return Err(unparsable(bad("bad timestamp format")));
            };
            let stamp = &msg[cur..space];
            let ts = parse_rfc5424_date(stamp).map_err(unparsable)?;
            cur = space + 1;
            (ts, stamp)
        };
        headers.insert("timestamp".into(), ts.to_string());

        let Some(next_space) = msg[cur..].find(' ').map(|p| cur + p) else {
            return Err(bad("bad syslog format (missing hostname)"));
        };
        let hostname = &msg[cur..next_space];
        headers.insert("host".into(), hostname.to_string());

        let body = if next_space + 1 < msg.len() && !KeepFields::keep_all(keep) {
            add_fields_to_body(
                keep,
                &msg[next_space + 1..],
                Some(priority),
                version,
                Some(ts_string),
                Some(hostname),
            )
        } else {
            msg.to_string()
        };
        Ok(Parsed { headers, body })
    }

    /// `parseRfc3164Time`: Joda `MMM d HH:mm:ss` in UTC (default year 2000), then the year
    /// guess described in the module docs. An unparsable stamp gives 0.
    pub fn parse_rfc3164_time(&self, stamp: &str) -> i64 {
        let now_ms = (self.clock)();
        let now_year =
            chrono::DateTime::from_timestamp_millis(now_ms + self.zone.offset_ms_at(now_ms))
                .map(|t| t.year())
                .unwrap_or(1970);
        let collapsed = stamp.replacen("  ", " ", 1);
        let Some(date) = joda_rfc3164(&collapsed) else {
            tracing::debug!("rfc3164 date parse failed on ({collapsed}): invalid format");
            return 0;
        };
        let ms = |t: NaiveDateTime| t.and_utc().timestamp_millis();
        let fixed = with_year(date, now_year);
        let shifted = |t: NaiveDateTime, months: i32| {
            if months >= 0 {
                t.checked_add_months(Months::new(months as u32))
            } else {
                t.checked_sub_months(Months::new(months.unsigned_abs()))
            }
            .unwrap_or(t)
        };
        let chosen = if ms(fixed) > now_ms && ms(shifted(fixed, -1)) > now_ms {
            shifted(date, -12)
        } else if ms(fixed) < now_ms && ms(shifted(fixed, 1)) < now_ms {
            shifted(date, 12)
        } else {
            fixed
        };
        ms(chosen)
    }
}

/// Joda's `withYear`: Feb 29 moves to Feb 28 in a common year.
fn with_year(t: NaiveDateTime, year: i32) -> NaiveDateTime {
    t.with_year(year)
        .or_else(|| t.with_day(28).and_then(|d| d.with_year(year)))
        .unwrap_or(t)
}

static JODA_RFC3164: LazyLock<JavaDateFormat> = LazyLock::new(|| {
    JavaDateFormat::joda("MMM d HH:mm:ss").unwrap_or_else(|e| unreachable!("{e}"))
});
static JODA_RFC5424_PREFIX: LazyLock<JavaDateFormat> = LazyLock::new(|| {
    JavaDateFormat::joda("yyyy-MM-dd'T'HH:mm:ss").unwrap_or_else(|e| unreachable!("{e}"))
});

/// Joda's strict `MMM d HH:mm:ss` in UTC; the year is Joda's default, 2000.
fn joda_rfc3164(s: &str) -> Option<NaiveDateTime> {
    let ms = JODA_RFC3164.parse(s, &JavaZone::utc()).ok()?;
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

/// Joda's strict `yyyy-MM-dd'T'HH:mm:ss` in UTC (the cached 19-character prefix).
fn joda_iso_prefix(prefix: &str) -> Option<i64> {
    JODA_RFC5424_PREFIX.parse(prefix, &JavaZone::utc()).ok()
}

/// Flume 1.9's milliseconds of an RFC 5424 fraction (`digits` without the dot): the digits as
/// a `long` (`None` past its range: Java's NumberFormatException), scaled to three digits the
/// way Java's `long *= / /= Math.pow(10, n)` does — through a `double`, so that up to 15 digits
/// this is the exact truncation (`.251` → 251, `.5` → 500, `.251999` → 251) and beyond that
/// it carries the `double`'s rounding (`.9999999999999999` → 1000), as Flume does.
fn fraction_millis(digits: &str) -> Option<i64> {
    let value: i64 = digits.parse().ok()?;
    let n = digits.len() as i32;
    Some(match n.cmp(&3) {
        std::cmp::Ordering::Equal => value,
        std::cmp::Ordering::Greater => (value as f64 / 10f64.powi(n - 3)) as i64,
        std::cmp::Ordering::Less => (value as f64 * 10f64.powi(3 - n)) as i64,
    })
}

/// `parseRfc5424Date`: the first 19 characters strictly as `yyyy-MM-dd'T'HH:mm:ss` (UTC),
/// then an optional fraction ([`fraction_millis`]), then `Z` or `±hh:mm`.
pub fn parse_rfc5424_date(stamp: &str) -> Result<i64, ParseError> {
    if !longer_than(stamp, 0, RFC5424_PREFIX_LEN) {
        return Err(bad(format!(
            "Bad format: Not a valid RFC5424 timestamp: {stamp}"
        )));
    }
    let prefix_end = advance_units(stamp, 0, RFC5424_PREFIX_LEN).unwrap_or(stamp.len());
    let prefix = &stamp[..prefix_end];
    let mut ts = joda_iso_prefix(prefix).ok_or_else(|| bad("bad timestamp format"))?;

    let mut cur = prefix_end;
    let bytes = stamp.as_bytes();
    if bytes.get(cur) == Some(&b'.') {
        let digits = bytes[cur + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = cur + 1 + digits;
        if end >= bytes.len() {
            // Java runs off the end of the string here (an unchecked exception); treated as
            // an unparsable message.
            return Err(bad("bad timestamp format (no TZ)"));
        }
        if digits == 0 {
            return Err(bad(format!(
                "Bad format: Invalid timestamp (fractional portion): {stamp}"
            )));
        }
        ts += fraction_millis(&stamp[cur + 1..end]).ok_or_else(|| {
            bad(format!(
                "Bad format: Invalid timestamp (fractional portion): {stamp}"
            ))
        })?;
        cur = end;
    }
    match bytes.get(cur) {
        Some(b'+') | Some(b'-') => {
            let sign: i64 = if bytes[cur] == b'+' { 1 } else { -1 };
            if !longer_than(stamp, cur, 5) {
                return Err(bad(format!("Bad format: Invalid timezone ({stamp})")));
            }
            let h = &bytes[cur + 1..cur + 6];
            let ok = h[0].is_ascii_digit()
                && h[1].is_ascii_digit()
                && h[2] == b':'
                && h[3].is_ascii_digit()
                && h[4].is_ascii_digit();
            if !ok {
                return Err(bad(format!("Bad format: Invalid timezone: {stamp}")));
            }
            let hours = ((h[0] - b'0') * 10 + (h[1] - b'0')) as i64;
            let minutes = ((h[3] - b'0') * 10 + (h[4] - b'0')) as i64;
            ts -= sign * (hours * 60 + minutes) * 60_000;
        }
        // `Z`, or anything else: no offset.
        _ => {}
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parser(now: i64) -> SyslogParser {
        SyslogParser {
            clock: Arc::new(move || now),
            zone: JavaZone::utc(),
        }
    }

    #[test]
    fn joda_year_bug() {
        // now = 2024-06-15T00:00:00Z
        let p = parser(1718409600000);
        // Within a month: current year.
        assert_eq!(p.parse_rfc3164_time("Jun  1 00:00:00"), 1717200000000);
        // More than a month behind: Joda's default year 2000, plus one.
        assert_eq!(p.parse_rfc3164_time("Feb  1 00:00:00"), 980985600000); // 2001-02-01
        // More than a month ahead: 1999.
        assert_eq!(p.parse_rfc3164_time("Sep  1 00:00:00"), 936144000000); // 1999-09-01
        assert_eq!(p.parse_rfc3164_time("Foo  1 00:00:00"), 0);
    }

    #[test]
    fn rfc5424_needs_more_than_the_prefix() {
        assert!(parse_rfc5424_date("2012-04-13T11:11:11").is_err());
        assert_eq!(
            parse_rfc5424_date("2012-04-13T11:11:11Z"),
            Ok(1334315471000)
        );
        assert!(parse_rfc5424_date("2012-04-13T11:11:11.123").is_err());
        assert!(parse_rfc5424_date("2012-13-13T11:11:11Z").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(msg in "\\PC{0,80}", keep in proptest::prelude::any::<bool>()) {
            let p = parser(1_700_000_000_000);
            let k = if keep { KeepFields::parse("priority version timestamp hostname") } else { None };
            let _ = p.parse_message(&msg, k.as_ref());
            let _ = parse_rfc5424_date(&msg);
        }

        #[test]
        fn shaped_lines_never_panic(stamp in "[0-9A-Za-z :.+-]{0,40}", rest in "\\PC{0,20}") {
            let p = parser(1_700_000_000_000);
            let _ = p.parse_message(&format!("<13>1 {stamp} {rest}"), None);
            let _ = p.parse_message(&format!("<1>{stamp}"), None);
        }
    }

    #[test]
    fn invalid_lines() {
        let p = parser(0);
        assert!(p.parse_message("", None).is_err());
        assert!(p.parse_message("no bracket", None).is_err());
        assert!(p.parse_message("<1234567>x", None).is_err());
        assert!(p.parse_message("<13>", None).is_err());
        assert!(
            p.parse_message("<13>2003-08-24T05:14:15Z nohostspace", None)
                .is_err()
        );
    }
}
