//! The derived `bucketpath.json` cases pin JDK `SimpleDateFormat` output (en_US) for every
//! single-escape pattern in three zones: a check of the formatter against Java itself.

use super::*;

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

#[test]
fn derived_single_escape_cases_match_jdk() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/compat-fixtures/vectors/bucketpath.json"
    );
    let text = std::fs::read_to_string(path).expect("bucketpath.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut checked = 0;
    for case in doc["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or("");
        let input = &case["input"];
        let pattern = input["pattern"].as_str().unwrap_or("");
        let mut chars = pattern.chars();
        let (Some('%'), Some(esc), None) = (chars.next(), chars.next(), chars.next()) else {
            continue;
        };
        let Some(java) = escape_pattern(esc) else {
            continue;
        };
        if input["round"].as_bool() == Some(true) {
            continue;
        }
        let Some(expected) = case["expected"]["output"].as_str() else {
            continue;
        };
        let zone = match input["timeZone"].as_str() {
            Some(z) if z.starts_with("custom") => JavaZone::fixed("custom-timezone", 1),
            Some(z) => JavaZone::from_java_id(z),
            None => JavaZone::from_java_id(input["jvm_default_tz"].as_str().unwrap_or("UTC")),
        };
        let ts: i64 = input["headers"]["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        let got = format_simple(java, ts, &zone).unwrap();
        assert_eq!(got, expected, "{id}");
        checked += 1;
    }
    assert!(checked >= 140, "only {checked} cases checked");
}
