//! `java.text.SimpleDateFormat` formatting (US locale, Gregorian calendar) and the JVM's default
//! time zone. Used where Flume formats dates with a user-written pattern, such as the
//! `${date:yyyy-MM-dd}` configuration lookup.

use chrono::{DateTime, Datelike, Offset, Timelike};
use chrono_tz::{OffsetName, Tz};

/// The JVM default zone: `-Duser.timezone`, else `TZ`, else `/etc/timezone` or the
/// `/etc/localtime` link, else UTC.
pub fn default_zone(sysprops: &std::collections::HashMap<String, String>) -> Tz {
    let candidates = [
        sysprops.get("user.timezone").cloned(),
        std::env::var("TZ")
            .ok()
            .map(|t| t.trim_start_matches(':').to_string()),
        std::fs::read_to_string("/etc/timezone")
            .ok()
            .map(|s| s.trim().to_string()),
        std::fs::read_link("/etc/localtime").ok().and_then(|p| {
            let s = p.to_string_lossy().to_string();
            s.split_once("zoneinfo/").map(|(_, z)| z.to_string())
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|name| name.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Format `at` with a `SimpleDateFormat` pattern. An unknown pattern letter is an error, as in
/// Java (`Illegal pattern character 'x'`); an unterminated quote likewise.
pub fn format(pattern: &str, at: &DateTime<Tz>) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a literal quote; 'text' is literal text.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(format!("Unterminated quote in pattern \"{pattern}\"")),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&t) => {
                        out.push(t);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut count = 1;
        while chars.get(i + count) == Some(&c) {
            count += 1;
        }
        field(&mut out, c, count, at)?;
        i += count;
    }
    Ok(out)
}

fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push('-');
    }
    let digits = value.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

fn text(out: &mut String, full: &str, count: usize) {
    if count >= 4 {
        out.push_str(full);
    } else {
        out.extend(full.chars().take(3));
    }
}

/// Week of year with the US rules (weeks start on Sunday, week 1 contains January 1).
fn us_week_of_year(at: &DateTime<Tz>) -> i64 {
    let date = at.date_naive();
    let sunday_based = |d: chrono::NaiveDate| d.weekday().num_days_from_sunday() as i64;
    let week_start = date - chrono::Duration::days(sunday_based(date));
    let week_end = week_start + chrono::Duration::days(6);
    if week_end.year() > date.year() {
        return 1;
    }
    let jan1 = chrono::NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date);
    (date.ordinal0() as i64 + sunday_based(jan1)) / 7 + 1
}

fn field(out: &mut String, letter: char, count: usize, at: &DateTime<Tz>) -> Result<(), String> {
    let offset_secs = at.offset().fix().local_minus_utc() as i64;
    match letter {
        'G' => out.push_str(if at.year() > 0 { "AD" } else { "BC" }),
        'y' | 'Y' => {
            let year = if letter == 'Y' {
                at.iso_week().year() as i64
            } else {
                at.year() as i64
            };
            if count == 2 {
                pad(out, year.rem_euclid(100), 2);
            } else {
                pad(out, year, count);
            }
        }
        'M' | 'L' => {
            let m = at.month() as usize;
            if count >= 3 {
                text(out, MONTHS[m - 1], count);
            } else {
                pad(out, m as i64, count);
            }
        }
        'w' => pad(out, us_week_of_year(at), count),
        'W' => {
            let first = at
                .with_day(1)
                .map(|d| d.weekday().num_days_from_sunday())
                .unwrap_or(0);
            pad(out, ((at.day0() + first) / 7 + 1) as i64, count)
        }
        'D' => pad(out, at.ordinal() as i64, count),
        'd' => pad(out, at.day() as i64, count),
        'F' => pad(out, (at.day0() / 7 + 1) as i64, count),
        'E' => text(
            out,
            DAYS[at.weekday().num_days_from_monday() as usize],
            count,
        ),
        'u' => pad(out, at.weekday().number_from_monday() as i64, count),
        'a' => out.push_str(if at.hour() < 12 { "AM" } else { "PM" }),
        'H' => pad(out, at.hour() as i64, count),
        'k' => pad(
            out,
            if at.hour() == 0 { 24 } else { at.hour() as i64 },
            count,
        ),
        'K' => pad(out, (at.hour() % 12) as i64, count),
        'h' => {
            let h = at.hour() % 12;
            pad(out, if h == 0 { 12 } else { h as i64 }, count)
        }
        'm' => pad(out, at.minute() as i64, count),
        's' => pad(out, at.second() as i64, count),
        'S' => pad(out, (at.nanosecond() / 1_000_000).min(999) as i64, count),
        'z' => match at.offset().abbreviation() {
            Some(abbr) if count < 4 && !abbr.starts_with(['+', '-']) => out.push_str(abbr),
            _ => {
                out.push_str("GMT");
                offset(out, offset_secs, true);
            }
        },
        'Z' => offset(out, offset_secs, false),
        'X' => {
            if count > 3 {
                return Err("invalid ISO 8601 format: length=4".to_string());
            }
            if offset_secs == 0 {
                out.push('Z');
            } else {
                let sign = if offset_secs < 0 { '-' } else { '+' };
                let abs = offset_secs.abs();
                out.push(sign);
                pad(out, abs / 3600, 2);
                if count >= 2 {
                    if count == 3 {
                        out.push(':');
                    }
                    pad(out, abs % 3600 / 60, 2);
                }
            }
        }
        other => return Err(format!("Illegal pattern character '{other}'")),
    }
    Ok(())
}

fn offset(out: &mut String, secs: i64, colon: bool) {
    out.push(if secs < 0 { '-' } else { '+' });
    let abs = secs.abs();
    pad(out, abs / 3600, 2);
    if colon {
        out.push(':');
    }
    pad(out, abs % 3600 / 60, 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Tz> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap()
    }

    #[test]
    fn common_patterns() {
        let t = at(chrono_tz::UTC, 2024, 3, 5, 14, 7, 9);
        assert_eq!(format("yyyy-MM-dd", &t).unwrap(), "2024-03-05");
        assert_eq!(
            format("yy/M/d H:mm:ss.SSS", &t).unwrap(),
            "24/3/5 14:07:09.000"
        );
        assert_eq!(
            format("EEE, d MMM yyyy hh:mm a", &t).unwrap(),
            "Tue, 5 Mar 2024 02:07 PM"
        );
        assert_eq!(format("EEEE MMMM", &t).unwrap(), "Tuesday March");
        assert_eq!(
            format("'at' HH 'o''clock' ''", &t).unwrap(),
            "at 14 o'clock '"
        );
        assert_eq!(format("Z XXX X z", &t).unwrap(), "+0000 Z Z UTC");
        assert_eq!(format("D w", &t).unwrap(), "65 10");
    }

    #[test]
    fn zones_and_errors() {
        let t = at(chrono_tz::America::Los_Angeles, 2024, 1, 2, 0, 30, 0);
        assert_eq!(format("Z XXX z k", &t).unwrap(), "-0800 -08:00 PST 24");
        assert_eq!(
            format("yyyy-bb", &t).unwrap_err(),
            "Illegal pattern character 'b'"
        );
        assert!(format("'open", &t).is_err());
    }

    #[test]
    fn week_of_year_wraps_like_the_us_calendar() {
        // 2024-12-31 is a Tuesday in the week of 2025-01-01: week 1.
        let t = at(chrono_tz::UTC, 2024, 12, 31, 0, 0, 0);
        assert_eq!(format("w", &t).unwrap(), "1");
        let t = at(chrono_tz::UTC, 2024, 1, 1, 0, 0, 0);
        assert_eq!(format("w", &t).unwrap(), "1");
    }
}
