//! The library's side of the vector runner ([`crate::vectors`]): every vector file that can be
//! checked in process, with the checkers that understand its cases.

use crate::vectors::{self, Checker, RunBy};

fn checkers(file: &str) -> Vec<Checker<'static>> {
    match file {
        "bucketpath.json" => vec![
            (
                "BucketPath.escapeString",
                &crate::bucket_path::tests::check_bucketpath,
            ),
            (
                "SimpleDateFormat",
                &crate::java::date::bucketpath_vectors::check,
            ),
        ],
        "round_down.json" => vec![
            (
                "TimestampRoundDownUtil",
                &crate::bucket_path::tests::check_round_down,
            ),
            (
                "hdfs sink configure",
                &crate::sink::hdfs::config::tests::check_round_down_config,
            ),
        ],
        "hdfs_sink.json" => vec![
            (
                "BucketWriter names",
                &crate::sink::hdfs::bucket::tests::check_names,
            ),
            (
                "HDFSEventSink configure",
                &crate::sink::hdfs::config::tests::check_vector,
            ),
            (
                "HDFSEventSink process",
                &crate::sink::hdfs::tests::check_vector,
            ),
        ],
        "interceptors.json" => vec![("interceptors", &crate::interceptor::vectors::check)],
        "routing.json" => vec![
            ("channel selectors", &crate::selector::vectors::check),
            ("sink processors", &crate::processor::tests::check_vector),
        ],
        "serializers_and_readers.json" => vec![
            (
                "spooldir reader",
                &crate::source::spooldir::tests::check_reader,
            ),
            (
                "taildir reader",
                &crate::source::taildir::tests::check_reader,
            ),
            (
                "event serializers",
                &crate::sink::serializer::tests::check_vector,
            ),
            ("netcat source", &crate::source::netcat::tests::check_vector),
            ("logger sink", &crate::sink::logger::tests::check_vector),
        ],
        "syslog.json" => vec![("syslog parsers", &crate::source::syslog::vectors::check)],
        other => panic!(
            "{other}: vectors::FILES says the library runs it, but no checkers are listed here"
        ),
    }
}

/// Every library-run vector file, every case.
#[test]
fn compat_fixture_vectors() {
    let mut failed = Vec::new();
    for (file, by) in vectors::FILES {
        if *by != RunBy::Library {
            continue;
        }
        let report = vectors::run(file, &checkers(file));
        println!("{}", report.summary());
        if !report.ok() {
            failed.push(report.summary());
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
