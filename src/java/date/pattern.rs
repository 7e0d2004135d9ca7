//! Compiling a pattern: letters to fields, quoted literals, the abutting-field rule.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Era,
    Year,
    /// SimpleDateFormat `Y`, Joda `x`.
    WeekYear,
    /// Joda `Y`.
    YearOfEra,
    /// Joda `C`.
    Century,
    Month,
    WeekOfYear,
    WeekOfMonth,
    DayOfYear,
    DayOfMonth,
    DayOfWeekInMonth,
    DayName,
    /// SimpleDateFormat `u`, Joda `e`: 1 = Monday … 7 = Sunday.
    DayNumber,
    AmPm,
    /// `H` 0-23
    HourOfDay,
    /// `k` 1-24
    ClockHourOfDay,
    /// `K` 0-11
    HourOfHalfDay,
    /// `h` 1-12
    ClockHourOfHalfDay,
    Minute,
    Second,
    /// SimpleDateFormat `S`: a count of milliseconds.
    Millis,
    /// Joda `S`: a decimal fraction of the second.
    Fraction,
    /// `z`: a zone name.
    ZoneName,
    /// SimpleDateFormat `Z`: `-0800`.
    Rfc822Zone,
    /// SimpleDateFormat `X`: `Z`, `-08`, `-0800`, `-08:00`.
    IsoZone,
    /// Joda `Z` / `ZZ`: `-0800` / `-08:00`.
    JodaOffset,
    /// Joda `ZZZ`: a zone id.
    JodaZoneId,
}

impl Field {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Field::WeekYear => "week year",
            Field::Century => "century of era",
            Field::WeekOfYear => "week of year",
            Field::WeekOfMonth => "week of month",
            _ => "field",
        }
    }

    pub(super) fn is_numeric(self, count: usize) -> bool {
        match self {
            Field::Month => count <= 2,
            Field::Era
            | Field::DayName
            | Field::AmPm
            | Field::ZoneName
            | Field::Rfc822Zone
            | Field::IsoZone
            | Field::JodaOffset
            | Field::JodaZoneId => false,
            _ => true,
        }
    }
}

impl JavaDateFormat {
    /// Compile a `SimpleDateFormat` pattern (`new SimpleDateFormat(pattern)`).
    pub fn simple(pattern: &str) -> Result<Self, DateError> {
        Self::compile(pattern, Dialect::Simple)
    }

    /// Compile a Joda-Time pattern (`DateTimeFormat.forPattern(pattern)`).
    pub fn joda(pattern: &str) -> Result<Self, DateError> {
        Self::compile(pattern, Dialect::Joda)
    }

    /// Compile a pattern that will be used to parse: also rejects letters flume-rs cannot
    /// parse (week-based fields), so that the mistake shows at start-up.
    pub fn for_parsing(pattern: &str, dialect: Dialect) -> Result<Self, DateError> {
        let f = Self::compile(pattern, dialect)?;
        f.check_parsable()?;
        Ok(f)
    }

    pub fn compile(pattern: &str, dialect: Dialect) -> Result<Self, DateError> {
        if dialect == Dialect::Joda && pattern.is_empty() {
            return Err(DateError::Empty);
        }
        let chars: Vec<char> = pattern.chars().collect();
        let mut items: Vec<Item> = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // '' is a quote; otherwise quoted text up to the next single quote.
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            literal.push('\'');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i += 1;
                        break;
                    }
                    literal.push(chars[i]);
                    i += 1;
                }
                if !closed {
                    match dialect {
                        Dialect::Simple => {
                            return Err(DateError::UnterminatedQuote(pattern.to_string()));
                        }
                        // Joda takes an unterminated quote as quoting to the end.
                        Dialect::Joda => {}
                    }
                }
                continue;
            }
            if c.is_ascii_alphabetic() {
                let mut count = 1;
                while chars.get(i + count) == Some(&c) {
                    count += 1;
                }
                let field = letter_field(dialect, c, count).ok_or_else(|| {
                    let message = match dialect {
                        Dialect::Simple => format!("Illegal pattern character '{c}'"),
                        Dialect::Joda => {
                            format!("Illegal pattern component: {}", c.to_string().repeat(count))
                        }
                    };
                    DateError::IllegalLetter {
                        pattern: pattern.to_string(),
                        letter: c,
                        message,
                    }
                })?;
                if !literal.is_empty() {
                    items.push(Item::Literal(std::mem::take(&mut literal)));
                }
                items.push(Item::Field {
                    field,
                    letter: c,
                    count,
                    abutting: false,
                });
                i += count;
                continue;
            }
            literal.push(c);
            i += 1;
        }
        if !literal.is_empty() {
            items.push(Item::Literal(literal));
        }
        // Adjacency, which changes how numbers are parsed.
        let next_kinds: Vec<Option<(Field, usize)>> = items
            .iter()
            .map(|it| match it {
                Item::Field { field, count, .. } => Some((*field, *count)),
                Item::Literal(_) => None,
            })
            .collect();
        for (idx, item) in items.iter_mut().enumerate() {
            if let Item::Field { abutting, .. } = item {
                let next = next_kinds.get(idx + 1).copied().flatten();
                *abutting = match dialect {
                    Dialect::Simple => next.is_some(),
                    Dialect::Joda => next.is_some_and(|(f, n)| f.is_numeric(n)),
                };
            }
        }
        Ok(JavaDateFormat {
            pattern: pattern.to_string(),
            dialect,
            items,
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Fail now (at start-up) if the pattern uses letters flume-rs cannot parse.
    pub fn check_parsable(&self) -> Result<(), DateError> {
        for item in &self.items {
            if let Item::Field { field, letter, .. } = item
                && matches!(
                    field,
                    Field::WeekYear | Field::WeekOfYear | Field::WeekOfMonth | Field::Century
                )
            {
                return Err(DateError::Unsupported {
                    pattern: self.pattern.clone(),
                    letter: *letter,
                    what: field.describe(),
                    usage: "parsing",
                });
            }
        }
        Ok(())
    }
}

pub(super) fn letter_field(dialect: Dialect, c: char, count: usize) -> Option<Field> {
    Some(match dialect {
        Dialect::Simple => match c {
            'G' => Field::Era,
            'y' => Field::Year,
            'Y' => Field::WeekYear,
            'M' | 'L' => Field::Month,
            'w' => Field::WeekOfYear,
            'W' => Field::WeekOfMonth,
            'D' => Field::DayOfYear,
            'd' => Field::DayOfMonth,
            'F' => Field::DayOfWeekInMonth,
            'E' => Field::DayName,
            'u' => Field::DayNumber,
            'a' => Field::AmPm,
            'H' => Field::HourOfDay,
            'k' => Field::ClockHourOfDay,
            'K' => Field::HourOfHalfDay,
            'h' => Field::ClockHourOfHalfDay,
            'm' => Field::Minute,
            's' => Field::Second,
            'S' => Field::Millis,
            'z' => Field::ZoneName,
            'Z' => Field::Rfc822Zone,
            'X' => {
                if count > 3 {
                    return None;
                }
                Field::IsoZone
            }
            _ => return None,
        },
        Dialect::Joda => match c {
            'G' => Field::Era,
            'C' => Field::Century,
            'Y' => Field::YearOfEra,
            'x' => Field::WeekYear,
            'w' => Field::WeekOfYear,
            'e' => Field::DayNumber,
            'E' => Field::DayName,
            'y' => Field::Year,
            'D' => Field::DayOfYear,
            'M' => Field::Month,
            'd' => Field::DayOfMonth,
            'a' => Field::AmPm,
            'K' => Field::HourOfHalfDay,
            'h' => Field::ClockHourOfHalfDay,
            'H' => Field::HourOfDay,
            'k' => Field::ClockHourOfDay,
            'm' => Field::Minute,
            's' => Field::Second,
            'S' => Field::Fraction,
            'z' => Field::ZoneName,
            'Z' => {
                if count >= 3 {
                    Field::JodaZoneId
                } else {
                    Field::JodaOffset
                }
            }
            _ => return None,
        },
    })
}
