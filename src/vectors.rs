//! The one runner for the data-driven cases of `compat-fixtures/vectors/*.json` (Flume's own
//! test cases and behaviours derived from its source, one file per area).
//!
//! A file is run by handing [`run`] the checkers that understand its cases. Every case goes to
//! every checker: a checker answers [`Outcome::Pass`], [`Outcome::Fail`] (or panics, which
//! counts as a failure of that case), or [`Outcome::NotMine`] for a case shape it does not
//! handle. A case that no checker passes — failed, or understood by none — fails the run,
//! which lists every such case with its id and the reason; nothing is skipped silently and no
//! count is pinned. The file itself is checked first: `case_count` agrees with the cases, ids
//! are present and unique.
//!
//! [`FILES`] says which test runs each file (the library's `vector_cases` for what can be
//! checked in process, `tests/it` for what needs the `flume-ng` binary or an outside service);
//! a test checks that every file in the folder is listed there, so a new file fails until a
//! runner reads it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use serde_json::Value;

/// Where each vector file is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunBy {
    /// In process, by the library's tests (`src/vector_cases.rs`).
    Library,
    /// Through the `flume-ng` binary, by the named test of `tests/it`.
    Integration(&'static str),
}

/// Every vector file and its runner.
pub const FILES: &[(&str, RunBy)] = &[
    ("bucketpath.json", RunBy::Library),
    (
        "config_validation.json",
        RunBy::Integration("config::config_validation_vectors"),
    ),
    ("hdfs_sink.json", RunBy::Library),
    ("interceptors.json", RunBy::Library),
    (
        "json_handler.json",
        RunBy::Integration("vectors_http::json_handler_vectors"),
    ),
    (
        "kafka_and_avro_encoding.json",
        RunBy::Integration("kafka::kafka_and_avro_encoding_vectors"),
    ),
    (
        "metrics.json",
        RunBy::Integration("metrics::metrics_vectors"),
    ),
    ("round_down.json", RunBy::Library),
    ("routing.json", RunBy::Library),
    ("serializers_and_readers.json", RunBy::Library),
    (
        "substitution.json",
        RunBy::Integration("config::substitution_vectors"),
    ),
    ("syslog.json", RunBy::Library),
];

/// The folder of the vector files.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compat-fixtures/vectors")
}

/// A vector file, read and checked for shape.
pub fn load(file: &str) -> Value {
    let path = dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let cases = doc["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: no `cases` array"));
    if let Some(count) = doc["case_count"].as_u64() {
        assert_eq!(
            count as usize,
            cases.len(),
            "{file}: case_count says {count}, the file has {} cases",
            cases.len()
        );
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, case) in cases.iter().enumerate() {
        let id = case["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: case #{i} has no id"));
        assert!(ids.insert(id), "{file}: case id {id} appears twice");
    }
    doc
}

/// One case of a vector file.
pub struct Case<'a> {
    pub file: &'a str,
    pub id: &'a str,
    pub value: &'a Value,
}

impl<'a> Case<'a> {
    /// A top-level field of the case (`Value::Null` when absent).
    pub fn get(&self, key: &str) -> &'a Value {
        &self.value[key]
    }

    pub fn input(&self) -> &'a Value {
        self.get("input")
    }

    pub fn expected(&self) -> &'a Value {
        self.get("expected")
    }

    /// Whether the case has a top-level field `key`.
    pub fn has(&self, key: &str) -> bool {
        !self.value[key].is_null()
    }

    /// A case's `config` object as key/value pairs (values as strings, as Flume reads them).
    pub fn config_pairs(&self) -> Vec<(String, String)> {
        pairs(self.get("config"))
    }
}

/// The entries of a JSON object as strings (numbers and booleans as written).
pub fn pairs(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a checker made of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    /// Not a case shape this checker handles.
    NotMine,
    /// A known, documented difference from Flume, for the reason given (listed in every
    /// summary; only for a case flume-rs cannot express, never to hide a failure).
    Differs(String),
}

impl Outcome {
    /// `Pass` when `ok`, else a failure with `why`.
    pub fn check(ok: bool, why: impl FnOnce() -> String) -> Outcome {
        if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(why())
        }
    }

    /// `Pass` when the two are equal, else a failure showing both.
    pub fn eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> Outcome {
        if got == want {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("{what}: got {got:?}, want {want:?}"))
        }
    }

    /// The first failure of several checks of one case; `Pass` when all pass.
    pub fn all(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        for o in outcomes {
            if o != Outcome::Pass {
                return o;
            }
        }
        Outcome::Pass
    }
}

/// A named checker.
pub type Checker<'a> = (&'static str, &'a dyn Fn(&Case) -> Outcome);

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub file: String,
    /// Cases passed by at least one checker and failed by none.
    pub passed: Vec<String>,
    /// `(case id, reason)` for every case that did not pass.
    pub failed: Vec<(String, String)>,
    /// `(case id, reason)` for the known differences from Flume.
    pub differs: Vec<(String, String)>,
    /// `(checker, cases it passed)`.
    pub by_checker: Vec<(&'static str, usize)>,
}

impl Report {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: {} of {} cases passed",
            self.file,
            self.passed.len(),
            self.passed.len() + self.failed.len() + self.differs.len()
        );
        for (name, n) in &self.by_checker {
            s.push_str(&format!("; {name} {n}"));
        }
        for (id, why) in &self.differs {
            s.push_str(&format!("\n  DIFFERS FROM FLUME {id}: {why}"));
        }
        for (id, why) in &self.failed {
            s.push_str(&format!("\n  FAILED {id}: {why}"));
        }
        s
    }

    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// Panic with the summary unless every case passed.
    pub fn assert_ok(&self) {
        assert!(self.ok(), "{}", self.summary());
        println!("{}", self.summary());
    }
}

/// Run every case of `file` through `checkers`.
pub fn run(file: &str, checkers: &[Checker]) -> Report {
    let doc = load(file);
    let mut report = Report {
        file: file.to_string(),
        by_checker: checkers.iter().map(|(n, _)| (*n, 0)).collect(),
        ..Report::default()
    };
    for value in doc["cases"].as_array().into_iter().flatten() {
        let case = Case {
            file,
            id: value["id"].as_str().unwrap_or("?"),
            value,
        };
        let mut passes = 0;
        let mut failure = None;
        let mut differs = None;
        for (i, (name, check)) in checkers.iter().enumerate() {
            let outcome = catch_unwind(AssertUnwindSafe(|| check(&case))).unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".into());
                Outcome::Fail(format!("panicked: {msg}"))
            });
            match outcome {
                Outcome::Pass => {
                    passes += 1;
                    report.by_checker[i].1 += 1;
                }
                Outcome::Fail(why) => {
                    failure.get_or_insert(format!("{name}: {why}"));
                }
                Outcome::NotMine => {}
                Outcome::Differs(why) => {
                    differs.get_or_insert(format!("{name}: {why}"));
                }
            }
        }
        match (failure, passes) {
            (Some(why), _) => report.failed.push((case.id.to_string(), why)),
            (None, 0) if differs.is_some() => report
                .differs
                .push((case.id.to_string(), differs.unwrap_or_default())),
            (None, 0) => {
                let keys: Vec<&String> = value
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                report.failed.push((
                    case.id.to_string(),
                    format!("no checker handles this case (fields {keys:?})"),
                ));
            }
            (None, _) => report.passed.push(case.id.to_string()),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vector_file_has_a_runner() {
        let mut on_disk: Vec<String> = std::fs::read_dir(dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = FILES.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(on_disk, listed, "vector files and vectors::FILES differ");
        for (file, _) in FILES {
            load(file);
        }
    }

    #[test]
    fn a_case_no_checker_handles_fails_the_run() {
        let mine = |c: &Case| {
            if c.id == "ser-text-newline" {
                Outcome::Pass
            } else {
                Outcome::NotMine
            }
        };
        let report = run("serializers_and_readers.json", &[("one", &mine)]);
        assert_eq!(report.passed, ["ser-text-newline"]);
        assert!(!report.failed.is_empty());
        assert!(report.failed[0].1.contains("no checker handles"));
    }

    #[test]
    fn a_panicking_checker_fails_the_case_and_names_it() {
        let boom = |c: &Case| -> Outcome {
            if c.id == "rd-minutes-5" {
                panic!("boom")
            }
            Outcome::Pass
        };
        let report = run("round_down.json", &[("boom", &boom)]);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, "rd-minutes-5");
        assert!(report.failed[0].1.contains("boom: panicked: boom"));
    }
}
