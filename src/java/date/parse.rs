//! Parsing text with a compiled pattern: SimpleDateFormat's lenient rules and Joda's strict ones.

use super::*;

/// The last text [`JavaDateFormat::parse_cached`] parsed (one per thread or batch).
#[derive(Default)]
pub struct ParseCache {
    last: Option<CachedParse>,
}

/// Byte offset and value of a two-digit seconds field a parse result is linear in.
type SecondsField = (usize, i64);

struct CachedParse {
    text: String,
    ms: i64,
    seconds: Option<SecondsField>,
}

impl JavaDateFormat {
    /// Parse `text` completely (Joda's `parseMillis`; for `SimpleDateFormat` patterns, the whole
    /// text must be consumed too). Returns epoch milliseconds.
    pub fn parse(&self, text: &str, zone: &JavaZone) -> Result<i64, DateError> {
        let (ms, end) = self.parse_prefix(text, zone)?;
        if end < text.len() {
            return Err(self.parse_error(text, end));
        }
        Ok(ms)
    }

    /// Parse from the start of `text`, possibly stopping before its end
    /// (`SimpleDateFormat.parse(String)`). Returns epoch milliseconds and the byte length
    /// consumed.
    pub fn parse_prefix(&self, text: &str, zone: &JavaZone) -> Result<(i64, usize), DateError> {
        self.parse_prefix_spans(text, zone)
            .map(|(ms, end, _)| (ms, end))
    }

    /// [`JavaDateFormat::parse`] of texts that often repeat, or differ from the last one only
    /// in a two-digit seconds field (log lines of the same minute): the result is taken from
    /// `cache` when the text is the last one, or moved by whole seconds when only its seconds
    /// digits changed and the text carries its own UTC offset (so that the local time maps to
    /// the instant linearly); any other text is parsed in full.
    pub fn parse_cached(
        &self,
        text: &str,
        zone: &JavaZone,
        cache: &mut ParseCache,
    ) -> Result<i64, DateError> {
        if let Some(last) = &cache.last {
            if text == last.text {
                return Ok(last.ms);
            }
            if let Some((at, old)) = last.seconds
                && text.len() == last.text.len()
            {
                let (t, l) = (text.as_bytes(), last.text.as_bytes());
                if t[..at] == l[..at]
                    && t[at + 2..] == l[at + 2..]
                    && t[at].is_ascii_digit()
                    && t[at + 1].is_ascii_digit()
                {
                    let second = i64::from(t[at] - b'0') * 10 + i64::from(t[at + 1] - b'0');
                    if second <= 59 {
                        let ms = last.ms + (second - old) * 1000;
                        let last = cache.last.as_mut().expect("checked above");
                        last.text.clear();
                        last.text.push_str(text);
                        last.ms = ms;
                        last.seconds = Some((at, second));
                        return Ok(ms);
                    }
                }
            }
        }
        let (ms, end, seconds) = self.parse_prefix_spans(text, zone)?;
        if end < text.len() {
            return Err(self.parse_error(text, end));
        }
        let last = cache.last.get_or_insert_with(|| CachedParse {
            text: String::new(),
            ms: 0,
            seconds: None,
        });
        last.text.clear();
        last.text.push_str(text);
        last.ms = ms;
        last.seconds = seconds;
        Ok(ms)
    }

    /// [`JavaDateFormat::parse_prefix`], with where a two-digit seconds field was read and its
    /// value when the result is linear in it (the only seconds field of a text that gave its
    /// own UTC offset).
    fn parse_prefix_spans(
        &self,
        text: &str,
        zone: &JavaZone,
    ) -> Result<(i64, usize, Option<SecondsField>), DateError> {
        let mut p = Parsed::default();
        let mut pos = 0usize;
        let mut seconds: Option<(usize, usize)> = None;
        let mut seconds_fields = 0;
        for item in &self.items {
            match item {
                Item::Literal(lit) => {
                    pos = self
                        .match_literal(text, pos, lit)
                        .ok_or_else(|| self.parse_error(text, pos))?;
                }
                Item::Field {
                    field,
                    count,
                    abutting,
                    ..
                } => {
                    let start = pos;
                    pos = self
                        .parse_field(text, pos, *field, *count, *abutting, &mut p)
                        .map_err(|at| self.parse_error(text, at))?;
                    if *field == Field::Second {
                        seconds_fields += 1;
                        seconds = Some((start, pos));
                    }
                }
            }
        }
        let linear = seconds_fields == 1
            && p.offset.is_some()
            && p.zone.is_none()
            && p.range_error.is_none()
            && p.millis.is_none();
        let seconds = match (seconds, p.second) {
            (Some((start, end)), Some(value))
                if linear
                    && end == start + 2
                    && (0..=59).contains(&value)
                    && text.as_bytes()[start..end].iter().all(u8::is_ascii_digit) =>
            {
                Some((start, value))
            }
            _ => None,
        };
        let ms = match self.dialect {
            Dialect::Simple => p.resolve_simple(zone),
            Dialect::Joda => p
                .resolve_joda(zone)
                .map_err(|m| DateError::Parse(format!("Cannot parse \"{text}\": {m}")))?,
        };
        Ok((ms, pos, seconds))
    }

    pub(super) fn parse_error(&self, text: &str, at: usize) -> DateError {
        match self.dialect {
            Dialect::Simple => DateError::Parse(format!("Unparseable date: \"{text}\"")),
            Dialect::Joda => {
                // FormatUtils.createErrorMessage
                let char_pos = text[..at.min(text.len())].chars().count();
                let total = text.chars().count();
                let sample_len = char_pos + 32;
                let sample: String = if total <= sample_len + 3 {
                    text.to_string()
                } else {
                    let mut s: String = text.chars().take(sample_len).collect();
                    s.push_str("...");
                    s
                };
                if char_pos == 0 {
                    DateError::Parse(format!("Invalid format: \"{sample}\""))
                } else if char_pos >= total {
                    DateError::Parse(format!("Invalid format: \"{sample}\" is too short"))
                } else {
                    let rest: String = sample.chars().skip(char_pos).collect();
                    DateError::Parse(format!(
                        "Invalid format: \"{sample}\" is malformed at \"{rest}\""
                    ))
                }
            }
        }
    }

    pub(super) fn match_literal(&self, text: &str, pos: usize, lit: &str) -> Option<usize> {
        let rest = &text[pos..];
        match self.dialect {
            Dialect::Simple => rest.starts_with(lit).then(|| pos + lit.len()),
            Dialect::Joda => {
                // Joda compares literals ignoring case.
                if lit.is_ascii() {
                    let n = lit.len();
                    return (rest.len() >= n
                        && rest.as_bytes()[..n].eq_ignore_ascii_case(lit.as_bytes()))
                    .then_some(pos + n);
                }
                let mut it = rest.char_indices();
                for lc in lit.chars() {
                    let (_, tc) = it.next()?;
                    if !chars_eq_ignore_case(lc, tc) {
                        return None;
                    }
                }
                Some(pos + it.next().map(|(i, _)| i).unwrap_or(rest.len()))
            }
        }
    }

    /// Parse one field at `pos`; `Err(position)` where it failed.
    pub(super) fn parse_field(
        &self,
        text: &str,
        mut pos: usize,
        field: Field,
        count: usize,
        abutting: bool,
        p: &mut Parsed,
    ) -> Result<usize, usize> {
        let joda = self.dialect == Dialect::Joda;
        if !joda {
            // SimpleDateFormat skips blanks before every field.
            while text[pos..].starts_with([' ', '\t']) {
                pos += 1;
            }
            if pos >= text.len() {
                return Err(pos);
            }
        }
        match field {
            Field::Era => {
                let (idx, end) = match_names(text, pos, &[&["AD", "BC"]], joda).ok_or(pos)?;
                p.bc = idx == 1;
                p.mark(PField::Year);
                Ok(end)
            }
            Field::Month if count >= 3 => {
                let (idx, end) =
                    match_names(text, pos, &[&MONTHS, &SHORT_MONTHS], joda).ok_or(pos)?;
                p.month = Some(idx as i64 + 1);
                p.mark(PField::Month);
                Ok(end)
            }
            Field::DayName => {
                let (idx, end) = match_names(text, pos, &[&DAYS, &SHORT_DAYS], joda).ok_or(pos)?;
                p.dow = Some(idx as i64 + 1);
                p.mark(PField::DayOfWeek);
                Ok(end)
            }
            Field::AmPm => {
                let (idx, end) = match_names(text, pos, &[&["AM", "PM"]], joda).ok_or(pos)?;
                p.pm = Some(idx == 1);
                Ok(end)
            }
            Field::ZoneName | Field::Rfc822Zone | Field::IsoZone => {
                let (zone, end) = if joda {
                    parse_joda_zone_name(text, pos).ok_or(pos)?
                } else {
                    parse_simple_zone(text, pos, field, count).ok_or(pos)?
                };
                match zone {
                    ParsedZone::Offset(ms) => p.offset = Some(ms),
                    ParsedZone::Zone(z) => p.zone = Some(z),
                }
                Ok(end)
            }
            Field::JodaOffset => {
                let (ms, end) = parse_joda_offset(text, pos).ok_or(pos)?;
                p.offset = Some(ms);
                Ok(end)
            }
            Field::JodaZoneId => {
                let (zone, end) = parse_zone_id(text, pos).ok_or(pos)?;
                p.zone = Some(zone);
                Ok(end)
            }
            Field::Fraction => {
                let bytes = text.as_bytes();
                let mut value: i64 = 0;
                let mut unit: i64 = 10_000;
                let mut len = 0;
                while len < 9 && pos + len < bytes.len() && bytes[pos + len].is_ascii_digit() {
                    let digit = (bytes[pos + len] - b'0') as i64;
                    unit /= 10;
                    value += digit * unit;
                    len += 1;
                }
                if len == 0 {
                    return Err(pos);
                }
                p.millis = Some(value / 10);
                Ok(pos + len)
            }
            _ => {
                let (value, digits, end) = if joda {
                    let (max, signed) = joda_digits(field, count, abutting);
                    let sign = if signed { Sign::Both } else { Sign::None };
                    parse_number(text, pos, max, sign).ok_or(pos)?
                } else if abutting {
                    // obeyCount: exactly `count` characters hold the number.
                    let end = pos
                        .checked_add(count)
                        .filter(|e| *e <= text.len())
                        .ok_or(pos)?;
                    if !text.is_char_boundary(end) {
                        return Err(pos);
                    }
                    parse_number(&text[..end], pos, usize::MAX, Sign::Minus).ok_or(pos)?
                } else {
                    parse_number(text, pos, usize::MAX, Sign::Minus).ok_or(pos)?
                };
                self.store_number(field, count, value, digits, text, pos, p)
                    .map(|()| end)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn store_number(
        &self,
        field: Field,
        count: usize,
        mut value: i64,
        digits: usize,
        text: &str,
        start: usize,
        p: &mut Parsed,
    ) -> Result<(), usize> {
        let joda = self.dialect == Dialect::Joda;
        match field {
            Field::Year | Field::YearOfEra => {
                let two_plain_digits = digits == 2
                    && text.as_bytes()[start].is_ascii_digit()
                    && text.as_bytes()[start + 1].is_ascii_digit();
                let ambiguous = if joda { count == 2 } else { count <= 2 };
                if ambiguous && two_plain_digits {
                    value = if joda {
                        joda_two_digit_year(value, current_year() - 30)
                    } else {
                        simple_two_digit_year(value, current_year() - 80)
                    };
                }
                p.year = Some(value);
                p.mark(PField::Year);
            }
            Field::Month => {
                p.month = Some(value);
                p.mark(PField::Month);
            }
            Field::DayOfMonth => {
                p.day = Some(value);
                p.mark(PField::DayOfMonth);
            }
            Field::DayOfYear => {
                p.day_of_year = Some(value);
                p.mark(PField::DayOfYear);
            }
            Field::DayOfWeekInMonth => {
                p.dow_in_month = Some(value);
            }
            Field::DayNumber => {
                p.dow = Some(value);
                p.mark(PField::DayOfWeek);
            }
            Field::HourOfDay => p.hour_of_day = Some(value),
            Field::ClockHourOfDay => {
                if joda && !(1..=24).contains(&value) {
                    p.range_error = Some(range_message(value, "clockhourOfDay", 1, 24));
                }
                p.hour_of_day = Some(if value == 24 { 0 } else { value });
            }
            Field::HourOfHalfDay => p.hour_of_half_day = Some(value),
            Field::ClockHourOfHalfDay => {
                if joda && !(1..=12).contains(&value) {
                    p.range_error = Some(range_message(value, "clockhourOfHalfday", 1, 12));
                }
                p.hour_of_half_day = Some(if value == 12 { 0 } else { value });
            }
            Field::Minute => p.minute = Some(value),
            Field::Second => p.second = Some(value),
            Field::Millis => p.millis = Some(value),
            // Rejected by `check_parsable`; ignored if someone parses anyway.
            Field::WeekYear | Field::WeekOfYear | Field::WeekOfMonth | Field::Century => {}
            _ => {}
        }
        Ok(())
    }
}

pub(super) fn range_message(value: i64, name: &str, lo: i64, hi: i64) -> String {
    format!("Value {value} for {name} must be in the range [{lo},{hi}]")
}

/// Joda: (max digits, signed) of a numeric field.
pub(super) fn joda_digits(field: Field, count: usize, abutting: bool) -> (usize, bool) {
    match field {
        Field::Year | Field::WeekYear => {
            if count == 2 {
                // Lenient two-digit year: takes all digits unless a number follows.
                (if abutting { 2 } else { 9 }, !abutting)
            } else {
                (if abutting { count } else { 9 }, true)
            }
        }
        Field::YearOfEra => {
            if count == 2 {
                (if abutting { 2 } else { 9 }, false)
            } else {
                (if abutting { count } else { 9 }, false)
            }
        }
        Field::DayOfYear => (3, false),
        Field::DayNumber => (1, false),
        Field::Millis => (3, false),
        _ => (2, false),
    }
}

pub(super) fn chars_eq_ignore_case(a: char, b: char) -> bool {
    a == b || a.to_uppercase().eq(b.to_uppercase()) || a.to_lowercase().eq(b.to_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sign {
    None,
    /// `DecimalFormat` (SimpleDateFormat): a leading '-' only.
    Minus,
    /// Joda signed fields: '-' or '+'.
    Both,
}

/// Parse an optionally signed decimal number of at most `max` digits at `pos`:
/// (value, digit count, end).
pub(super) fn parse_number(
    text: &str,
    pos: usize,
    max: usize,
    sign: Sign,
) -> Option<(i64, usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = pos;
    let mut negative = false;
    let sign_ok = |b: u8| match sign {
        Sign::None => false,
        Sign::Minus => b == b'-',
        Sign::Both => b == b'-' || b == b'+',
    };
    if i < bytes.len() && sign_ok(bytes[i]) && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        negative = bytes[i] == b'-';
        i += 1;
    }
    let digits_start = i;
    let mut value: i64 = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - digits_start < max {
        value = value
            .checked_mul(10)?
            .checked_add((bytes[i] - b'0') as i64)?;
        i += 1;
    }
    let digits = i - digits_start;
    if digits == 0 {
        return None;
    }
    Some((if negative { -value } else { value }, digits, i))
}

/// Longest name (case-insensitive for SimpleDateFormat; exact, lower or upper case for Joda)
/// from the given lists at `pos`: (index in its list, end).
pub(super) fn match_names(
    text: &str,
    pos: usize,
    lists: &[&[&str]],
    joda: bool,
) -> Option<(usize, usize)> {
    let rest = &text[pos..];
    let first = rest.as_bytes().first()?.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for list in lists {
        for (idx, name) in list.iter().enumerate() {
            let n = name.len();
            if name.as_bytes()[0].to_ascii_lowercase() != first
                || rest.len() < n
                || !rest.is_char_boundary(n)
            {
                continue;
            }
            let cand = &rest[..n];
            let ok = if joda {
                // Joda accepts the name as written, all lower case or all upper case.
                cand == *name
                    || (cand.eq_ignore_ascii_case(name)
                        && (!cand.bytes().any(|b| b.is_ascii_uppercase())
                            || !cand.bytes().any(|b| b.is_ascii_lowercase())))
            } else {
                cand.eq_ignore_ascii_case(name)
            };
            if ok && best.is_none_or(|(_, len)| n > len) {
                best = Some((idx, n));
            }
        }
        // SimpleDateFormat tries long names first and takes the first list that matches.
        if !joda && best.is_some() {
            break;
        }
    }
    best.map(|(idx, n)| (idx, pos + n))
}

/// SimpleDateFormat's two-digit year: within 80 years before and 20 after now.
pub(super) fn simple_two_digit_year(value: i64, century_start: i64) -> i64 {
    let mut year = (century_start / 100) * 100 + value;
    if year < century_start {
        year += 100;
    }
    year
}

/// Joda's TwoDigitYear: the 100 years starting at `pivot - 50`.
pub(super) fn joda_two_digit_year(value: i64, pivot: i64) -> i64 {
    let low = pivot - 50;
    let t = if low >= 0 {
        low % 100
    } else {
        99 + ((low + 1) % 100)
    };
    value + low + if value < t { 100 } else { 0 } - t
}

pub(super) fn current_year() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Local::from_ms(now).year
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PField {
    Year,
    Month,
    DayOfMonth,
    DayOfYear,
    DayOfWeek,
}

/// What a parse collected, before it is turned into an instant.
#[derive(Default)]
pub(super) struct Parsed {
    pub(super) bc: bool,
    pub(super) year: Option<i64>,
    pub(super) month: Option<i64>,
    pub(super) day: Option<i64>,
    pub(super) day_of_year: Option<i64>,
    pub(super) dow: Option<i64>,
    pub(super) dow_in_month: Option<i64>,
    pub(super) pm: Option<bool>,
    pub(super) hour_of_day: Option<i64>,
    pub(super) hour_of_half_day: Option<i64>,
    pub(super) minute: Option<i64>,
    pub(super) second: Option<i64>,
    pub(super) millis: Option<i64>,
    pub(super) offset: Option<i64>,
    pub(super) zone: Option<JavaZone>,
    /// When each date field was last parsed (Calendar resolution uses the latest); 0 = never.
    pub(super) parsed_at: [u8; 5],
    pub(super) parsed_seq: u8,
    pub(super) range_error: Option<String>,
}

impl Parsed {
    pub(super) fn mark(&mut self, field: PField) {
        self.parsed_seq = self.parsed_seq.saturating_add(1);
        self.parsed_at[field as usize] = self.parsed_seq;
    }

    pub(super) fn last(&self, field: PField) -> Option<u8> {
        Some(self.parsed_at[field as usize]).filter(|&at| at > 0)
    }

    pub(super) fn hour(&self) -> i64 {
        if let Some(h) = self.hour_of_day {
            return h;
        }
        let base = self.hour_of_half_day.unwrap_or(0);
        base + if self.pm == Some(true) { 12 } else { 0 }
    }

    pub(super) fn time_ms(&self) -> i64 {
        self.hour() * 3_600_000
            + self.minute.unwrap_or(0) * 60_000
            + self.second.unwrap_or(0) * 1000
            + self.millis.unwrap_or(0)
    }

    /// Lenient `GregorianCalendar` resolution in `zone`.
    pub(super) fn resolve_simple(&self, zone: &JavaZone) -> i64 {
        let mut year = self.year.unwrap_or(1970);
        if self.bc {
            year = 1 - year;
        }
        let month0 = self.month.unwrap_or(1) - 1;
        let y = year + month0.div_euclid(12);
        let m = month0.rem_euclid(12) + 1;
        let dom_at = self.last(PField::DayOfMonth);
        let doy_at = self.last(PField::DayOfYear);
        let days = match (dom_at, doy_at) {
            (_, Some(d)) if dom_at.is_none_or(|m| d > m) => {
                days_from_civil(year, 1, 1) + self.day_of_year.unwrap_or(1) - 1
            }
            (Some(_), _) => days_from_civil(y, m, 1) + self.day.unwrap_or(1) - 1,
            _ => {
                let first = days_from_civil(y, m, 1);
                match self.dow {
                    // Day of week without a day of month: that weekday in the first
                    // (or n-th) week of the month.
                    Some(dow) => {
                        let first_dow = iso_dow(first);
                        let delta = (dow - first_dow).rem_euclid(7);
                        first + delta + 7 * (self.dow_in_month.unwrap_or(1) - 1)
                    }
                    None => first,
                }
            }
        };
        let local = days * MS_PER_DAY + self.time_ms();
        match (self.offset, &self.zone) {
            (Some(off), _) => local - off,
            (None, Some(z)) => z.local_to_utc(local, Dialect::Simple).unwrap_or(local),
            (None, None) => zone.local_to_utc(local, Dialect::Simple).unwrap_or(local),
        }
    }

    /// Joda's strict resolution in `zone`.
    pub(super) fn resolve_joda(&self, zone: &JavaZone) -> Result<i64, String> {
        if let Some(e) = &self.range_error {
            return Err(e.clone());
        }
        let has_year = self.year.is_some() || self.bc;
        let has_month_or_day = self.month.is_some() || self.day.is_some();
        let mut year = match self.year {
            Some(y) => y,
            // DateTimeParserBucket: a parse whose largest field is a month or day gets the
            // default year 2000.
            None if has_month_or_day => 2000,
            None => 1970,
        };
        if self.bc && has_year {
            year = 1 - year;
        }
        let month = self.month.unwrap_or(1);
        if !(1..=12).contains(&month) {
            return Err(range_message(month, "monthOfYear", 1, 12));
        }
        let mut days = if let Some(doy) = self.day_of_year {
            let max = if is_leap(year) { 366 } else { 365 };
            if !(1..=max).contains(&doy) {
                return Err(range_message(doy, "dayOfYear", 1, max));
            }
            days_from_civil(year, 1, 1) + doy - 1
        } else {
            let day = self.day.unwrap_or(1);
            let max = days_in_month(year, month);
            if !(1..=max).contains(&day) {
                return Err(range_message(day, "dayOfMonth", 1, max));
            }
            days_from_civil(year, month, 1) + day - 1
        };
        if let Some(dow) = self.dow {
            if !(1..=7).contains(&dow) {
                return Err(range_message(dow, "dayOfWeek", 1, 7));
            }
            // Joda sets the day of week last: same ISO week, that weekday.
            days += dow - iso_dow(days);
        }
        let hour = self.hour();
        for (v, name, hi) in [
            (self.hour_of_day.unwrap_or(0), "hourOfDay", 23),
            (self.hour_of_half_day.unwrap_or(0), "hourOfHalfday", 11),
            (hour, "hourOfDay", 23),
            (self.minute.unwrap_or(0), "minuteOfHour", 59),
            (self.second.unwrap_or(0), "secondOfMinute", 59),
            (self.millis.unwrap_or(0), "millisOfSecond", 999),
        ] {
            if !(0..=hi).contains(&v) {
                return Err(range_message(v, name, 0, hi));
            }
        }
        let local = days * MS_PER_DAY + self.time_ms();
        match (self.offset, &self.zone) {
            (Some(off), _) => Ok(local - off),
            (None, Some(z)) => z.local_to_utc(local, Dialect::Joda),
            (None, None) => zone.local_to_utc(local, Dialect::Joda),
        }
    }
}
