//! Formatting epoch milliseconds with a compiled pattern.

use super::*;

impl JavaDateFormat {
    /// Format epoch milliseconds in `zone`, with English names.
    pub fn format(&self, epoch_ms: i64, zone: &JavaZone) -> String {
        let mut out = String::with_capacity(self.pattern.len() + 8);
        self.format_into(epoch_ms, zone, &mut out);
        out
    }

    pub fn format_into(&self, epoch_ms: i64, zone: &JavaZone, out: &mut String) {
        let offset = zone.offset_ms_at(epoch_ms);
        let local = Local::from_ms(epoch_ms + offset);
        for item in &self.items {
            match item {
                Item::Literal(s) => out.push_str(s),
                Item::Field { field, count, .. } => {
                    self.format_field(*field, *count, &local, epoch_ms, offset, zone, out)
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn format_field(
        &self,
        field: Field,
        count: usize,
        t: &Local,
        epoch_ms: i64,
        offset: i64,
        zone: &JavaZone,
        out: &mut String,
    ) {
        let joda = self.dialect == Dialect::Joda;
        match field {
            Field::Era => out.push_str(if t.year > 0 { "AD" } else { "BC" }),
            Field::Year | Field::YearOfEra => {
                let year = if field == Field::YearOfEra || !joda {
                    // SimpleDateFormat's y is the year of era.
                    if t.year > 0 { t.year } else { 1 - t.year }
                } else {
                    t.year
                };
                if count == 2 {
                    pad(out, year.rem_euclid(100), 2);
                } else {
                    pad(out, year, count);
                }
            }
            Field::WeekYear => {
                let (wy, _) = if joda {
                    iso_week(t.days)
                } else {
                    us_week_of_year(t.days, t.year)
                };
                if count == 2 {
                    pad(out, wy.rem_euclid(100), 2);
                } else {
                    pad(out, wy, count);
                }
            }
            Field::Century => pad(out, t.year.abs() / 100, count),
            Field::Month => {
                if count >= 4 {
                    out.push_str(MONTHS[(t.month - 1) as usize]);
                } else if count == 3 {
                    out.push_str(SHORT_MONTHS[(t.month - 1) as usize]);
                } else {
                    pad(out, t.month, count);
                }
            }
            Field::WeekOfYear => {
                let (_, w) = if joda {
                    iso_week(t.days)
                } else {
                    us_week_of_year(t.days, t.year)
                };
                pad(out, w, count);
            }
            Field::WeekOfMonth => {
                let first = t.days - (t.day - 1);
                let offset = sunday_based_dow(first);
                pad(out, (t.day - 1 + offset) / 7 + 1, count);
            }
            Field::DayOfYear => pad(out, t.day_of_year(), count),
            Field::DayOfMonth => pad(out, t.day, count),
            Field::DayOfWeekInMonth => pad(out, (t.day - 1) / 7 + 1, count),
            Field::DayName => {
                let idx = iso_dow(t.days) as usize - 1;
                out.push_str(if count >= 4 {
                    DAYS[idx]
                } else {
                    SHORT_DAYS[idx]
                });
            }
            Field::DayNumber => pad(out, iso_dow(t.days), count),
            Field::AmPm => out.push_str(if t.hour < 12 { "AM" } else { "PM" }),
            Field::HourOfDay => pad(out, t.hour, count),
            Field::ClockHourOfDay => pad(out, if t.hour == 0 { 24 } else { t.hour }, count),
            Field::HourOfHalfDay => pad(out, t.hour % 12, count),
            Field::ClockHourOfHalfDay => {
                let h = t.hour % 12;
                pad(out, if h == 0 { 12 } else { h }, count)
            }
            Field::Minute => pad(out, t.minute, count),
            Field::Second => pad(out, t.second, count),
            Field::Millis => pad(out, t.millis, count),
            Field::Fraction => {
                // Joda prints the fraction truncated to `count` digits.
                let digits = format!("{:03}", t.millis);
                let mut s: String = digits.chars().take(count).collect();
                while s.len() < count {
                    s.push('0');
                }
                out.push_str(&s);
            }
            Field::ZoneName => {
                if count >= 4 {
                    out.push_str(&zone.long_name(epoch_ms));
                } else {
                    out.push_str(&zone.short_name(epoch_ms));
                }
            }
            Field::Rfc822Zone => write_offset(out, offset, false, true),
            Field::IsoZone => {
                if offset == 0 {
                    out.push('Z');
                } else {
                    match count {
                        1 => {
                            let sign = if offset < 0 { '-' } else { '+' };
                            out.push(sign);
                            pad(out, offset.abs() / 3_600_000, 2);
                        }
                        2 => write_offset(out, offset, false, true),
                        _ => write_offset(out, offset, true, true),
                    }
                }
            }
            // "Z" is accepted for a zero offset when parsing only; printing gives +0000.
            Field::JodaOffset => write_offset(out, offset, count >= 2, true),
            Field::JodaZoneId => out.push_str(zone.id()),
        }
    }
}

pub(super) fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push('-');
    }
    let digits = value.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

pub(super) fn write_offset(out: &mut String, offset_ms: i64, colon: bool, always_sign: bool) {
    let sign = if offset_ms < 0 { '-' } else { '+' };
    if always_sign || offset_ms != 0 {
        out.push(sign);
    }
    let total_minutes = offset_ms.abs() / 60_000;
    pad(out, total_minutes / 60, 2);
    if colon {
        out.push(':');
    }
    pad(out, total_minutes % 60, 2);
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, days since 1970-01-01).

/// Format epoch milliseconds with a `SimpleDateFormat` pattern in `zone` (convenience for
/// one-off uses; compile once with [`JavaDateFormat::simple`] in hot paths).
pub fn format_simple(pattern: &str, epoch_ms: i64, zone: &JavaZone) -> Result<String, DateError> {
    Ok(JavaDateFormat::simple(pattern)?.format(epoch_ms, zone))
}
