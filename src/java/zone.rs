//! The JVM's default time zone (`TimeZone.getDefault()`), which Flume uses wherever a date has
//! no zone of its own (syslog RFC 3164 stamps, RFC 5424 stamps without offset): `-Duser.timezone`,
//! else `$TZ`, else `/etc/localtime`, else UTC (reference §16).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};

/// A zone as Java resolves its id: a region (`Europe/Paris`) or a fixed offset
/// (`GMT+08:00`, `UTC`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Fixed(FixedOffset),
    Region(chrono_tz::Tz),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()))
    }

    /// `TimeZone.getTimeZone(id)` for the ids flume-rs understands; `None` for unknown ids
    /// (Java silently falls back to GMT for those).
    pub fn parse(id: &str) -> Option<Zone> {
        let id = id.trim();
        if id.eq_ignore_ascii_case("UTC") || id.eq_ignore_ascii_case("GMT") || id == "Z" {
            return Some(Zone::utc());
        }
        for prefix in ["GMT", "UTC"] {
            if let Some(rest) = id.strip_prefix(prefix)
                && let Some(offset) = parse_offset(rest)
            {
                return Some(Zone::Fixed(offset));
            }
        }
        id.parse::<chrono_tz::Tz>().ok().map(Zone::Region)
    }

    /// The JVM default zone for an agent started with these `-D` properties.
    pub fn jvm_default(sysprops: &HashMap<String, String>) -> Zone {
        if let Some(id) = sysprops
            .get("user.timezone")
            .filter(|s| !s.trim().is_empty())
        {
            return Zone::parse(id).unwrap_or_else(Zone::utc);
        }
        if let Ok(tz) = std::env::var("TZ") {
            let tz = tz.trim_start_matches(':');
            if !tz.is_empty() {
                return Zone::parse(tz).unwrap_or_else(Zone::utc);
            }
        }
        local_zone().unwrap_or_else(Zone::utc)
    }

    /// The instant of a wall-clock time in this zone. A time in a DST gap is read with the
    /// offset in force before the gap (as `GregorianCalendar` does); an ambiguous time takes the
    /// earlier instant.
    pub fn instant_of(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Fixed(offset) => resolve(offset.from_local_datetime(&local), local, |t| {
                offset.offset_from_utc_datetime(&t).fix()
            }),
            Zone::Region(tz) => resolve(tz.from_local_datetime(&local), local, |t| {
                tz.offset_from_utc_datetime(&t).fix()
            }),
        }
    }

    /// The wall-clock time of an instant in this zone.
    pub fn local_of(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Fixed(offset) => instant.with_timezone(offset).naive_local(),
            Zone::Region(tz) => instant.with_timezone(tz).naive_local(),
        }
    }
}

fn resolve<T: TimeZone>(
    result: LocalResult<DateTime<T>>,
    local: NaiveDateTime,
    offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
) -> DateTime<Utc> {
    match result {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // In a gap: use the offset valid a day before (i.e. before the transition).
            let before = offset_at(local - chrono::Duration::days(1));
            (local - chrono::Duration::seconds(before.local_minus_utc() as i64)).and_utc()
        }
    }
}

/// `+8`, `+08`, `+0800`, `+08:00`, `-5:30`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() > 2 => rest.split_at(rest.len() - 2),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The zone named by `/etc/localtime` (a link into the zoneinfo tree) or `/etc/timezone`.
fn local_zone() -> Option<Zone> {
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let target = target.to_string_lossy().into_owned();
        if let Some(idx) = target.find("zoneinfo/") {
            let name = &target[idx + "zoneinfo/".len()..];
            let name = name
                .strip_prefix("posix/")
                .or_else(|| name.strip_prefix("right/"))
                .unwrap_or(name);
            if let Some(zone) = Zone::parse(name) {
                return Some(zone);
            }
        }
    }
    std::fs::read_to_string("/etc/timezone")
        .ok()
        .and_then(|s| Zone::parse(s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn ids() {
        assert_eq!(Zone::parse("UTC"), Some(Zone::utc()));
        assert_eq!(
            Zone::parse("GMT+08:00"),
            Some(Zone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap()))
        );
        assert!(matches!(Zone::parse("Europe/Paris"), Some(Zone::Region(_))));
        assert_eq!(Zone::parse("Not/AZone"), None);
        let mut props = HashMap::new();
        props.insert("user.timezone".to_string(), "Asia/Tokyo".to_string());
        assert!(matches!(
            Zone::jvm_default(&props),
            Zone::Region(chrono_tz::Tz::Asia__Tokyo)
        ));
    }

    #[test]
    fn gap_uses_offset_before() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        // 2024-03-31 02:30 does not exist in Paris; Java reads it as 03:30 CEST = 01:30Z.
        let local = NaiveDate::from_ymd_opt(2024, 3, 31)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        let t = paris.instant_of(local);
        assert_eq!(t.to_rfc3339(), "2024-03-31T01:30:00+00:00");
    }
}
