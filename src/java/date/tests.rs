//! Formatting and parsing against values Java gives.

use super::*;

fn la() -> JavaZone {
    JavaZone::from_java_id("America/Los_Angeles")
}

#[test]
fn civil_round_trip() {
    for days in [-800_000i64, -1, 0, 1, 15_000, 19_000, 2_932_896] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(civil_from_days(15_514), (2012, 6, 23));
}

#[test]
fn bucketpath_escapes_format_like_simpledateformat() {
    let ts = 1_340_459_193_234; // 2012-06-23 13:46:33.234 UTC
    let utc = JavaZone::utc();
    let cases = [
        ("EEE", "Sat"),
        ("EEEE", "Saturday"),
        ("MMM", "Jun"),
        ("MMMM", "June"),
        ("EEE MMM d HH:mm:ss yyyy", "Sat Jun 23 13:46:33 2012"),
        ("dd", "23"),
        ("d", "23"),
        ("MM/dd/yy", "06/23/12"),
        ("HH", "13"),
        ("hh", "01"),
        ("DDD", "175"),
        ("H", "13"),
        ("h", "1"),
        ("MM", "06"),
        ("mm", "46"),
        ("M", "6"),
        ("a", "PM"),
        ("ss", "33"),
        ("yy", "12"),
        ("yyyy", "2012"),
        ("ZZZ", "+0000"),
        ("SSS", "234"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2012-06-23T13:46:33.234+0000"),
        ("'o''clock' h", "o'clock 1"),
        ("XXX", "Z"),
        ("z", "UTC"),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            format_simple(pattern, ts, &utc).unwrap(),
            expected,
            "{pattern}"
        );
    }
    assert_eq!(
        format_simple("ZZZ", 1_415_886_393_000, &la()).unwrap(),
        "-0800"
    );
    assert_eq!(format_simple("z", 1_415_886_393_000, &la()).unwrap(), "PST");
    assert_eq!(format_simple("z", ts, &la()).unwrap(), "PDT");
    assert_eq!(format_simple("XXX", ts, &la()).unwrap(), "-07:00");
    let kolkata = JavaZone::from_java_id("Asia/Kolkata");
    assert_eq!(
        format_simple("HH:mm Z", ts, &kolkata).unwrap(),
        "19:16 +0530"
    );
}

#[test]
fn custom_raw_offset_zone() {
    let z = JavaZone::fixed("custom-timezone", 1);
    assert_eq!(format_simple("SSS", 1_340_459_193_234, &z).unwrap(), "235");
}

#[test]
fn week_fields_use_us_rules() {
    let utc = JavaZone::utc();
    // 2012-12-31 is a Monday: week 1 of 2013 in en_US.
    let ms = days_from_civil(2012, 12, 31) * MS_PER_DAY;
    assert_eq!(format_simple("w Y", ms, &utc).unwrap(), "1 2013");
    // 2012-06-23: Saturday of week 25.
    assert_eq!(
        format_simple("w W F u", 1_340_459_193_234, &utc).unwrap(),
        "25 4 4 6"
    );
}

#[test]
fn illegal_letters_are_named() {
    let err = JavaDateFormat::simple("yyyy-qq").unwrap_err();
    assert!(
        err.to_string().contains("Illegal pattern character 'q'"),
        "{err}"
    );
    let err = JavaDateFormat::joda("ABCDEFG").unwrap_err();
    assert!(
        err.to_string().contains("Illegal pattern component: A"),
        "{err}"
    );
    assert!(matches!(
        JavaDateFormat::simple("'abc").unwrap_err(),
        DateError::UnterminatedQuote(_)
    ));
    let err = JavaDateFormat::joda("xxxx-ww")
        .unwrap()
        .check_parsable()
        .unwrap_err();
    assert!(err.to_string().contains("'x'"), "{err}");
}

#[test]
fn joda_parses_millis_serializer_patterns() {
    let utc = JavaZone::utc();
    let f = JavaDateFormat::joda("yyyy-MM-dd HH:mm").unwrap();
    assert_eq!(
        f.parse("2012-10-17 14:34", &utc).unwrap(),
        1_350_484_440_000
    );
    assert_eq!(
        f.parse("2012-10-18 18:47", &la()).unwrap(),
        1_350_611_220_000
    );
    let f = JavaDateFormat::joda("yyyy-MM-dd HH:mm:ss").unwrap();
    assert_eq!(
        f.parse("2013-05-02 23:26:33", &utc).unwrap(),
        1_367_537_193_000
    );
    // Whole text must match.
    let err = f.parse("2013-05-02 23:26:33 extra", &utc).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid format: \"2013-05-02 23:26:33 extra\" is malformed at \" extra\""
    );
    let err = f.parse("2013-05-02", &utc).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid format: \"2013-05-02\" is too short"
    );
    // Strict ranges.
    let err = f.parse("2013-13-02 23:26:33", &utc).unwrap_err();
    assert!(
        err.to_string().contains("Value 13 for monthOfYear"),
        "{err}"
    );
    let err = f.parse("2013-02-30 23:26:33", &utc).unwrap_err();
    assert!(err.to_string().contains("dayOfMonth"), "{err}");
}

#[test]
fn joda_offsets_fractions_names_and_default_year() {
    let utc = JavaZone::utc();
    let f = JavaDateFormat::joda("yyyy-MM-dd'T'HH:mm:ss.SSSZZ").unwrap();
    assert_eq!(
        f.parse("2012-04-13T11:11:11.500+08:00", &utc).unwrap(),
        1_334_286_671_500
    );
    let f = JavaDateFormat::joda("yyyy-MM-dd HH:mm:ss.SZ").unwrap();
    assert_eq!(
        f.parse("2012-04-13 11:11:11.5-0000", &utc).unwrap(),
        1_334_315_471_500
    );
    let f = JavaDateFormat::joda("dd/MMM/yyyy:HH:mm:ss Z").unwrap();
    assert_eq!(
        f.parse("10/Oct/2000:13:55:36 -0700", &utc).unwrap(),
        971_211_336_000
    );
    // Joda text fields: exact, lower or upper case only.
    assert!(f.parse("10/OCT/2000:13:55:36 -0700", &utc).is_ok());
    assert!(f.parse("10/oCt/2000:13:55:36 -0700", &utc).is_err());
    // No year but a month: year 2000.
    let f = JavaDateFormat::joda("MMM d HH:mm:ss").unwrap();
    let ms = f.parse("Aug 24 05:34:00", &utc).unwrap();
    assert_eq!(
        format_simple("yyyy-MM-dd HH:mm:ss", ms, &utc).unwrap(),
        "2000-08-24 05:34:00"
    );
    // Only a time: 1970.
    let f = JavaDateFormat::joda("HH:mm").unwrap();
    assert_eq!(f.parse("01:02", &utc).unwrap(), 3_720_000);
    // Half-day clock.
    let f = JavaDateFormat::joda("hh:mm a").unwrap();
    assert_eq!(f.parse("12:30 AM", &utc).unwrap(), 30 * 60_000);
    assert_eq!(
        f.parse("12:30 PM", &utc).unwrap(),
        12 * 3_600_000 + 30 * 60_000
    );
    // Zone id.
    let f = JavaDateFormat::joda("yyyy-MM-dd HH:mm ZZZ").unwrap();
    assert_eq!(
        f.parse("2012-10-18 18:47 America/Los_Angeles", &utc)
            .unwrap(),
        1_350_611_220_000
    );
}

#[test]
fn dst_gap_and_overlap() {
    let simple = JavaDateFormat::simple("yyyy-MM-dd HH:mm").unwrap();
    let joda = JavaDateFormat::joda("yyyy-MM-dd HH:mm").unwrap();
    // Spring forward 2012-03-11 02:00 → 03:00 in Los Angeles.
    let gap = "2012-03-11 02:30";
    let ms = simple.parse(gap, &la()).unwrap();
    assert_eq!(format_simple("HH:mm z", ms, &la()).unwrap(), "03:30 PDT");
    let err = joda.parse(gap, &la()).unwrap_err();
    assert!(err.to_string().contains("Illegal instant"), "{err}");
    // Fall back 2012-11-04 02:00 → 01:00.
    let overlap = "2012-11-04 01:30";
    let java = simple.parse(overlap, &la()).unwrap();
    let jo = joda.parse(overlap, &la()).unwrap();
    assert_eq!(java - jo, 3_600_000);
    assert_eq!(format_simple("HH:mm z", java, &la()).unwrap(), "01:30 PST");
    assert_eq!(format_simple("HH:mm z", jo, &la()).unwrap(), "01:30 PDT");
}

#[test]
fn simpledateformat_parsing_is_lenient_and_takes_prefixes() {
    let utc = JavaZone::utc();
    // Syslog's RFC 5424 patterns: a one-digit fraction is 5 ms; trailing offset ignored.
    let f = JavaDateFormat::simple("yyyy-MM-dd'T'HH:mm:ss.S").unwrap();
    let (ms, end) = f.parse_prefix("2012-04-13T11:11:11.5+0800", &utc).unwrap();
    assert_eq!(ms, 1_334_315_471_005);
    assert_eq!(end, 21);
    let f = JavaDateFormat::simple("yyyy-MM-dd'T'HH:mm:ssZ").unwrap();
    assert_eq!(
        f.parse("2012-04-13T11:11:11+0800", &utc).unwrap(),
        1_334_286_671_000
    );
    // RFC 3164 as SyslogUtils builds it.
    let f = JavaDateFormat::simple("yyyyMMM d HH:mm:ss").unwrap();
    assert_eq!(
        f.parse("2012Apr 13 11:11:11", &utc).unwrap(),
        1_334_315_471_000
    );
    // Lenient roll-over: month 13 is January of the next year.
    let f = JavaDateFormat::simple("yyyy-MM-dd").unwrap();
    assert_eq!(
        f.parse("2012-13-01", &utc).unwrap(),
        days_from_civil(2013, 1, 1) * MS_PER_DAY
    );
    // Abutting numeric fields take exactly their width.
    let f = JavaDateFormat::simple("yyyyMMddHHmm").unwrap();
    assert_eq!(f.parse("201206231346", &utc).unwrap(), 1_340_459_160_000);
    // Zone names, GMT offsets and names case-insensitively.
    let f = JavaDateFormat::simple("MMM d yyyy HH:mm z").unwrap();
    assert_eq!(
        f.parse("jun 23 2012 06:46 PDT", &utc).unwrap(),
        1_340_459_160_000
    );
    assert_eq!(
        f.parse("Jun 23 2012 14:46 GMT+01:00", &utc).unwrap(),
        1_340_459_160_000
    );
    let err = f.parse("nonsense", &utc).unwrap_err();
    assert_eq!(err.to_string(), "Unparseable date: \"nonsense\"");
}

#[test]
fn zone_ids_follow_java() {
    assert_eq!(JavaZone::from_java_id("Nowhere/City"), JavaZone::gmt());
    assert_eq!(JavaZone::from_java_id("GMT+8").id(), "GMT+08:00");
    assert_eq!(
        JavaZone::from_java_id("GMT-0530").offset_ms_at(0),
        -19_800_000
    );
    assert_eq!(JavaZone::from_java_id("PST").offset_ms_at(0), -28_800_000);
    assert_eq!(
        JavaZone::from_java_id("EST").offset_ms_at(1_340_459_193_234),
        -18_000_000
    );
    assert_eq!(JavaZone::from_java_id("UTC").offset_ms_at(0), 0);
}

#[test]
fn default_zone_is_injectable() {
    // Only this test touches the process-wide default.
    init_default_zone(Some("Asia/Kolkata"));
    assert_eq!(default_zone().id(), "Asia/Kolkata");
    set_default_zone(JavaZone::utc());
    assert_eq!(default_zone().id(), "UTC");
}

#[test]
fn cached_parse_gives_what_a_full_parse_gives() {
    let zone = la();
    for (pattern, texts) in [
        (
            "dd/MMM/yyyy:HH:mm:ss Z",
            vec![
                "10/Oct/2023:01:59:58 -0700",
                "10/Oct/2023:01:59:58 -0700",
                "10/Oct/2023:01:59:59 -0700",
                "10/Oct/2023:01:59:00 -0700",
                "10/Oct/2023:02:00:00 -0700",
                "10/Oct/2023:02:00:07 +0530",
                "10/Oct/2023:02:00:60 +0530",
                "10/Oct/2023:02:00:5x +0530",
                "10/Oct/2023:02:00:05 +0530",
                "10/Oct/2023:02:00:1 +0530",
                "11/Oct/2023:02:00:15 +0530",
            ],
        ),
        (
            // No offset in the text: only repeats are taken from the cache (the zone's
            // transitions make the result non-linear in the seconds).
            "yyyy-MM-dd HH:mm:ss",
            vec![
                "2023-03-12 01:59:58",
                "2023-03-12 01:59:59",
                "2023-03-12 02:00:00",
                "2023-03-12 02:00:00",
                "2023-11-05 01:30:00",
                "2023-11-05 01:30:59",
                "2023-11-05 01:30:61",
            ],
        ),
    ] {
        let format = JavaDateFormat::for_parsing(pattern, Dialect::Joda).unwrap();
        let mut cache = ParseCache::default();
        for text in texts {
            let full = format.parse(text, &zone).map_err(|e| e.to_string());
            let cached = format
                .parse_cached(text, &zone, &mut cache)
                .map_err(|e| e.to_string());
            assert_eq!(cached, full, "{pattern} {text}");
        }
    }
}
