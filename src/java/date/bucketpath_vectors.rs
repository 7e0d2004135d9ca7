//! The derived `bucketpath.json` cases pin JDK `SimpleDateFormat` output (en_US) for every
//! single-escape pattern in three zones: a check of the formatter against Java itself.

use super::*;
use crate::vectors::{Case, Outcome};

fn escape_pattern(esc: char) -> Option<&'static str> {
    Some(match esc {
        'a' => "EEE",
        'A' => "EEEE",
        'b' => "MMM",
        'B' => "MMMM",
        'c' => "EEE MMM d HH:mm:ss yyyy",
        'd' => "dd",
        'e' => "d",
        'D' => "MM/dd/yy",
        'H' => "HH",
        'I' => "hh",
        'j' => "DDD",
        'k' => "H",
        'l' => "h",
        'm' => "MM",
        'M' => "mm",
        'n' => "M",
        'p' => "a",
        'S' => "ss",
        'y' => "yy",
        'Y' => "yyyy",
        'z' => "ZZZ",
        _ => return None,
    })
}

/// A `bucketpath.json` case whose pattern is one escape (and no rounding): the same time
/// formatted with the SimpleDateFormat pattern the escape stands for gives the expected text.
pub(crate) fn check(case: &Case) -> Outcome {
    let input = case.input();
    let pattern = input["pattern"].as_str().unwrap_or("");
    let mut chars = pattern.chars();
    let (Some('%'), Some(esc), None) = (chars.next(), chars.next(), chars.next()) else {
        return Outcome::NotMine;
    };
    let Some(java) = escape_pattern(esc) else {
        return Outcome::NotMine;
    };
    if input["round"].as_bool() == Some(true) {
        return Outcome::NotMine;
    }
    let Some(expected) = case.expected()["output"].as_str() else {
        return Outcome::NotMine;
    };
    let zone = match input["timeZone"].as_str() {
        Some(z) if z.starts_with("custom") => JavaZone::fixed("custom-timezone", 1),
        Some(z) => JavaZone::from_java_id(z),
        None => JavaZone::from_java_id(input["jvm_default_tz"].as_str().unwrap_or("UTC")),
    };
    let Some(ts) = input["headers"]["timestamp"]
        .as_str()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Outcome::NotMine;
    };
    Outcome::eq(
        format_simple(java, ts, &zone).as_deref(),
        Ok(expected),
        &format!("SimpleDateFormat {java:?}"),
    )
}
