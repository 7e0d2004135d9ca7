//! Small pieces of Java behaviour that Flume's observable output depends on.
//!
//! Written by hand: there is no crate for "iterate like a java.util.HashMap" or
//! "parse like java.lang.Boolean"; these are exact re-statements of the JDK rules.

pub mod charset;
pub mod date;
pub mod regex;

use crate::event::{Headers, JavaTable};

/// `String.hashCode()` over UTF-16 code units.
pub fn string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(unit as i32);
    }
    h
}

/// Order in which the `java.util.HashMap` holding these headers iterates them: by bucket of
/// its table (sized by [`Headers::java_table`]: the table the map started with, grown by the
/// puts since, or a copy of the headers as they are), then by insertion order (a resize keeps
/// the order within a bucket). Tree bins need ≥ 8 collisions in one bucket and do not occur
/// with real header sets.
pub fn hashmap_order(headers: &Headers) -> Vec<(&str, &str)> {
    let capacity = headers.java_table().slots(headers.len());
    let mut entries: Vec<(usize, usize, &str, &str)> = headers
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let h = string_hash(k);
            let spread = (h ^ ((h as u32) >> 16) as i32) as u32 as usize;
            (spread & (capacity - 1), i, k.as_str(), v.as_str())
        })
        .collect();
    entries.sort_by_key(|&(bucket, i, _, _)| (bucket, i));
    entries.into_iter().map(|(_, _, k, v)| (k, v)).collect()
}

/// The headers put, in the iteration order of the Java map holding them, into an empty map
/// whose table is `table` (`putAll`, or a loop of `put`s).
pub fn put_all_into(headers: &Headers, table: JavaTable) -> Headers {
    let mut out: Headers = hashmap_order(headers)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.set_java_table(table);
    out
}

/// `EventBuilder.withBody(body, headers)` of a `java.util.HashMap` (built with `new
/// HashMap<>()` and puts: the syslog parsers, the HTTP BlobHandler): `new HashMap<>(headers)`.
pub fn hashmap_copy(headers: &Headers) -> Headers {
    put_all_into(headers, JavaTable::copy_of(headers.len()))
}

/// The headers of an `AvroFlumeEvent` (entries in wire order) as Flume's avro source and
/// Kafka channel hand them on: Avro reads the map into `new HashMap<>(n)`, `toStringMap` puts
/// them into a `new HashMap<>()`, and `EventBuilder.withBody` copies that.
pub fn avro_map_headers(mut wire: Headers) -> Headers {
    let n = wire.len();
    wire.set_java_table(JavaTable::with_capacity(n));
    let string_map = put_all_into(&wire, JavaTable::NEW);
    hashmap_copy(&string_map)
}

/// The headers of a `ThriftFlumeEvent` (entries in wire order) as Flume's thrift source hands
/// them on: the generated reader puts them into `new HashMap<>(2 * n)`, and
/// `EventBuilder.withBody` copies that.
pub fn thrift_map_headers(mut wire: Headers) -> Headers {
    let n = wire.len();
    wire.set_java_table(JavaTable::with_capacity(2 * n));
    hashmap_copy(&wire)
}

/// Indexes of `names` in the iteration order of a `java.util.HashSet` (or `HashMap` keys)
/// filled with them in this order: Flume keeps source channels, sink-group members and
/// failover sinks in such sets, and some behaviour follows that order.
pub fn hash_set_order<S: AsRef<str>>(names: &[S]) -> Vec<usize> {
    let headers: Headers = names
        .iter()
        .map(|n| (n.as_ref().to_string(), String::new()))
        .collect();
    hashmap_order(&headers)
        .into_iter()
        .filter_map(|(k, _)| names.iter().position(|n| n.as_ref() == k))
        .collect()
}

/// Table size of a HashMap holding `n` entries, as `new HashMap<>(map)` sizes it
/// (`tableSizeFor((int) (n / 0.75f + 1))`, at least 1).
///
/// The captures from a real Flume in `golden/` pin it: four headers `a=b, sp ace, eq, br`
/// copied by `EventBuilder.withBody(body, headers)` print as `{br=.., eq=.., a=b=.., sp ace=..}`,
/// which an 8-slot table gives and a 16-slot one does not.
#[cfg(test)]
fn hashmap_capacity(n: usize) -> usize {
    if n == 0 {
        return 1;
    }
    crate::event::JavaTable::copy_of(n).slots(n)
}

/// Order of a `java.util.HashMap` created empty (`new HashMap<>()`, 16 slots, load factor
/// 0.75) and filled by `put` in the order given. A resize keeps insertion order within a
/// bucket, so the order is (bucket in the final table, insertion order).
///
/// Flume's Kafka sink and channel write the AvroFlumeEvent headers from such a map: their
/// `toCharSeqMap` copies the event's headers, in the event map's own iteration order, into a
/// fresh `HashMap` before Avro writes it.
pub fn hashmap_put_order<'a>(entries: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut capacity = 16usize;
    while entries.len() as f64 > capacity as f64 * 0.75 {
        capacity *= 2;
    }
    let mut ordered: Vec<(usize, usize, &'a str, &'a str)> = entries
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let h = string_hash(k);
            let spread = (h ^ ((h as u32) >> 16) as i32) as u32 as usize;
            (spread & (capacity - 1), i, *k, *v)
        })
        .collect();
    ordered.sort_by_key(|&(bucket, i, _, _)| (bucket, i));
    ordered.into_iter().map(|(_, _, k, v)| (k, v)).collect()
}

/// `HashMap.toString()`: `{k1=v1, k2=v2}` in iteration order.
pub fn hashmap_to_string(headers: &Headers) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in hashmap_order(headers).into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out.push('}');
    out
}

/// `Boolean.parseBoolean`: only a case-insensitive "true" is true.
pub fn parse_boolean(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

/// `Integer.parseInt` / `Long.parseLong` after Flume's trim: optional sign, decimal digits.
pub fn parse_long(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t
        .strip_prefix('+')
        .or_else(|| t.strip_prefix('-'))
        .unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i64>().ok()
}

pub fn parse_int(s: &str) -> Option<i32> {
    parse_long(s).and_then(|v| i32::try_from(v).ok())
}

/// `Double.toString` for the values metrics produce (percentages, `Double.MAX_VALUE`).
pub fn double_to_string(v: f64) -> String {
    if v == f64::MAX {
        return "1.7976931348623157E308".to_string();
    }
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let abs = v.abs();
    if abs == 0.0 || (1e-3..1e7).contains(&abs) {
        let s = format!("{v}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        // Computerized scientific notation: d.dddE±n
        let s = format!("{v:E}");
        let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn hash_matches_java() {
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("timestamp"), 55126294);
        assert_eq!(string_hash("host"), 3208616);
    }

    #[test]
    fn flume_serializer_test_order() {
        // TestHeaderAndBodyTextEventSerializer fixes {header2=value2, header1=value1}.
        let h = headers(&[("header1", "value1"), ("header2", "value2")]);
        assert_eq!(hashmap_to_string(&h), "{header2=value2, header1=value1}");
    }

    #[test]
    fn golden_orders() {
        let h = headers(&[("timestamp", "1"), ("host", "web01")]);
        assert_eq!(hashmap_order(&h)[0].0, "host");
        let h = headers(&[("timestamp", "1"), ("level", "WARN")]);
        assert_eq!(hashmap_order(&h)[0].0, "level");
    }

    #[test]
    fn copied_map_order_matches_java_capture() {
        // golden/serializers/file_roll_header_and_text_odd.bin (avro source → file_roll).
        let h = headers(&[
            ("a=b", "c,d"),
            ("sp ace", "{x} y"),
            ("eq", "1=2, 3=4"),
            ("br", "}{"),
        ]);
        assert_eq!(
            hashmap_to_string(&h),
            "{br=}{, eq=1=2, 3=4, a=b=c,d, sp ace={x} y}"
        );
        assert_eq!(hashmap_capacity(0), 1);
        assert_eq!(hashmap_capacity(2), 4);
        assert_eq!(hashmap_capacity(6), 16);
        assert_eq!(hashmap_capacity(12), 32);
    }

    #[test]
    fn put_order_of_the_kafka_source_headers() {
        // The five headers Flume's Kafka source sets, as its Kafka channel writes them
        // (bucket 3, 4, 9, 14, 15 of a 16-slot table).
        let h = headers(&[
            ("timestamp", "1"),
            ("topic", "t"),
            ("partition", "0"),
            ("offset", "5"),
            ("key", "k"),
        ]);
        let names: Vec<&str> = hashmap_put_order(&hashmap_order(&h))
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(names, ["partition", "offset", "topic", "key", "timestamp"]);
    }

    #[test]
    fn booleans_and_numbers() {
        assert!(parse_boolean("TRUE"));
        assert!(!parse_boolean("true  # local time"));
        assert_eq!(parse_long(" 10 "), Some(10));
        assert_eq!(parse_long("1e3"), None);
        assert_eq!(parse_int("99999999999"), None);
        assert_eq!(double_to_string(f64::MAX), "1.7976931348623157E308");
        assert_eq!(double_to_string(0.0), "0.0");
        assert_eq!(double_to_string(50.0), "50.0");
    }
}
