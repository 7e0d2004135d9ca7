//! The proleptic Gregorian calendar: days from civil dates and back, weeks, local fields.

use super::*;

/// Days since 1970-01-01 of a civil date; `month` 1-12.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(super) fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(super) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap(year) {
                29
            } else {
                28
            }
        }
    }
}

/// ISO day of week, 1 = Monday … 7 = Sunday.
pub(super) fn iso_dow(days: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7) + 1
}

/// 0 = Sunday … 6 = Saturday.
pub(super) fn sunday_based_dow(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// en_US week of year (weeks start on Sunday, week 1 contains January 1): (week year, week).
pub(super) fn us_week_of_year(days: i64, year: i64) -> (i64, i64) {
    let week_start = days - sunday_based_dow(days);
    let next_jan1 = days_from_civil(year + 1, 1, 1);
    if week_start + 6 >= next_jan1 {
        return (year + 1, 1);
    }
    let jan1 = days_from_civil(year, 1, 1);
    let first_week_start = jan1 - sunday_based_dow(jan1);
    (year, (week_start - first_week_start) / 7 + 1)
}

/// ISO-8601 week (Joda): (week year, week).
pub(super) fn iso_week(days: i64) -> (i64, i64) {
    // The Thursday of this week decides the year.
    let thursday = days - iso_dow(days) + 4;
    let (y, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(y, 1, 1);
    (y, (thursday - jan1) / 7 + 1)
}

/// Local calendar fields of a local-time millisecond count.
pub(super) struct Local {
    pub(super) days: i64,
    pub(super) year: i64,
    pub(super) month: i64,
    pub(super) day: i64,
    pub(super) hour: i64,
    pub(super) minute: i64,
    pub(super) second: i64,
    pub(super) millis: i64,
}

impl Local {
    pub(super) fn from_ms(local_ms: i64) -> Local {
        let days = local_ms.div_euclid(MS_PER_DAY);
        let ms_of_day = local_ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Local {
            days,
            year,
            month,
            day,
            hour: ms_of_day / 3_600_000,
            minute: ms_of_day / 60_000 % 60,
            second: ms_of_day / 1000 % 60,
            millis: ms_of_day % 1000,
        }
    }

    pub(super) fn day_of_year(&self) -> i64 {
        self.days - days_from_civil(self.year, 1, 1) + 1
    }
}

// ---------------------------------------------------------------------------------------------
// Time zones.
