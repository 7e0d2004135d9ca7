//! Java date patterns and time zones, as Flume's users wrote them.
//!
//! Two pattern languages exist in Flume configurations:
//! * `java.text.SimpleDateFormat` ([`Dialect::Simple`]): the HDFS sink's `%Y`-style escapes, the
//!   syslog sources' timestamp parsing and their `format.dateFormat`. Parsing is lenient
//!   (out-of-range values roll over), accepts a prefix of the text, and skips blanks before
//!   fields.
//! * Joda-Time `DateTimeFormat` ([`Dialect::Joda`]): the regex extractor's millis serializer.
//!   Parsing is strict (field ranges checked), must consume the whole text, and a missing year
//!   defaults to 2000 when a month or day was parsed.
//!
//! Names are the English (`en_US`) ones, whatever the machine's locale. The JVM default time
//! zone is resolved like the JVM does it (`-Duser.timezone`, else `TZ`, else `/etc/localtime`),
//! see [`default_zone`]; components take a [`JavaZone`] explicitly so tests can inject one.
//!
//! Dates use the proleptic Gregorian calendar (Java switches to the Julian calendar before
//! 1582-10-15; no Flume timestamp is that old).

use std::sync::{OnceLock, RwLock};

use chrono::{NaiveDateTime, Offset, TimeZone};

const MS_PER_DAY: i64 = 86_400_000;

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
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Monday first (ISO numbering, index 0 = Monday).
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DateError {
    /// A letter the pattern language does not know (`SimpleDateFormat`: "Illegal pattern
    /// character", Joda: "Illegal pattern component").
    #[error("{message} in date pattern \"{pattern}\"")]
    IllegalLetter {
        pattern: String,
        letter: char,
        message: String,
    },
    /// A letter Java knows but flume-rs cannot honour in this use (e.g. week-based fields when
    /// parsing).
    #[error(
        "pattern letter '{letter}' ({what}) in date pattern \"{pattern}\" is not supported for {usage} by flume-rs"
    )]
    Unsupported {
        pattern: String,
        letter: char,
        what: &'static str,
        usage: &'static str,
    },
    #[error("Unterminated quote in date pattern \"{0}\"")]
    UnterminatedQuote(String),
    #[error("Invalid pattern specification (empty pattern)")]
    Empty,
    /// The text does not match the pattern; the message is the one Java gives.
    #[error("{0}")]
    Parse(String),
}

/// Which Java class the pattern is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `java.text.SimpleDateFormat`
    Simple,
    /// `org.joda.time.format.DateTimeFormat`
    Joda,
}

#[cfg(test)]
pub(crate) mod bucketpath_vectors;
mod calendar;
mod format;
mod parse;
pub use parse::ParseCache;
mod pattern;
#[cfg(test)]
mod tests;
mod zone;

pub use calendar::{civil_from_days, days_from_civil};
pub use format::format_simple;
pub use zone::{JavaZone, default_zone, init_default_zone, jvm_default_zone, set_default_zone};
#[allow(unused_imports)]
use {calendar::*, format::*, parse::*, pattern::*, zone::*};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(String),
    Field {
        field: Field,
        letter: char,
        count: usize,
        /// SimpleDateFormat: the next item is a field, so a number takes exactly `count`
        /// characters. Joda: the next item is a numeric field (limits year digits).
        abutting: bool,
    },
}

/// A compiled Java date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDateFormat {
    pattern: String,
    dialect: Dialect,
    items: Vec<Item>,
}
