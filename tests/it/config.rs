//! Configuration: Flume's test vectors (config_validation, substitution), Flume's own example
//! configurations, the `compat-fixtures/config/<case>/` folders, and `flume-ng validate` /
//! `flume-ng agent` through the real binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use flume_rs::component::BuildEnv;
use flume_rs::config::filters;
use flume_rs::config::properties::{self, RawProperty};
use flume_rs::config::substitution::{self, Environment};
use flume_rs::config::{self, AgentConfig, Origin, Properties, Severity, validate};
use flume_rs::topology::{self, Built, FatalError};
use serde_json::Value;

use crate::support::*;

// ---------------------------------------------------------------------------------------------
// Helpers

fn fixed_env(sysprops: &[(String, String)], vars: &[(String, String)]) -> Environment {
    Environment::fixed(
        sysprops.iter().cloned().collect(),
        vars.iter().cloned().collect(),
    )
}

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn raw(pairs: &[(String, String)]) -> Vec<RawProperty> {
    let file: Arc<str> = Arc::from("vector");
    pairs
        .iter()
        .enumerate()
        .map(|(i, (k, v))| RawProperty {
            key: k.clone(),
            value: v.clone(),
            origin: Origin {
                file: Arc::clone(&file),
                line: i as u32 + 1,
            },
        })
        .collect()
}

fn build(cfg: &AgentConfig) -> Result<Built, FatalError> {
    let env = BuildEnv {
        agent: cfg.name.clone(),
        ..Default::default()
    };
    topology::build(cfg, &env, &[])
}

/// Text of every build diagnostic, for "not in this build" checks and messages.
fn build_text(built: &Result<Built, FatalError>) -> String {
    match built {
        Ok(b) => b
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => e.to_string(),
    }
}

fn unavailable(text: &str) -> Option<String> {
    text.lines()
        .find(|l| {
            l.contains("not supported by this build") || l.contains("not available in this build")
        })
        .map(str::to_string)
}

fn names_of(cfg: &AgentConfig, kind: &str) -> Vec<String> {
    let mut v: Vec<String> = match kind {
        "sources" => cfg
            .sources
            .iter()
            .map(|s| s.component.name.clone())
            .collect(),
        "channels" => cfg.channels.iter().map(|c| c.name.clone()).collect(),
        "sinks" => cfg.sinks.iter().map(|k| k.component.name.clone()).collect(),
        "sinkgroups" => cfg
            .sinkgroups
            .iter()
            .map(|g| g.component.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    v.sort();
    v
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Flume test cases sometimes give only the part of an agent they are about; add what makes
/// it a runnable agent (lists from the names used, seq/memory/null types, first channel).
fn complete(props: &mut Vec<(String, String)>, agent: &str) -> bool {
    let list_key = |kind: &str| format!("{agent}.{kind}");
    if props.iter().any(|(k, _)| *k == list_key("channels")) {
        return false;
    }
    let mut names: HashMap<&str, Vec<String>> = HashMap::new();
    fn add(names: &mut HashMap<&str, Vec<String>>, kind: &'static str, name: &str) {
        let list = names.entry(kind).or_default();
        if !name.is_empty() && !list.iter().any(|n| n == name) {
            list.push(name.to_string());
        }
    }
    for (k, v) in props.iter() {
        let Some(rest) = k.strip_prefix(&format!("{agent}.")) else {
            continue;
        };
        let parts: Vec<&str> = rest.splitn(3, '.').collect();
        if parts.len() < 3 {
            continue;
        }
        let kind = match parts[0] {
            "sources" => "sources",
            "channels" => "channels",
            "sinks" => "sinks",
            "sinkgroups" => "sinkgroups",
            _ => continue,
        };
        add(&mut names, kind, parts[1]);
        match (kind, parts[2]) {
            ("sources", "channels") => v
                .split_whitespace()
                .for_each(|c| add(&mut names, "channels", c)),
            ("sinks", "channel") => add(&mut names, "channels", v.trim()),
            ("sinkgroups", "sinks") => v
                .split_whitespace()
                .for_each(|s| add(&mut names, "sinks", s)),
            _ => {}
        }
    }
    if names.get("channels").is_none_or(Vec::is_empty) {
        add(&mut names, "channels", "c1");
    }
    if names.get("sources").is_none_or(Vec::is_empty)
        && names.get("sinks").is_none_or(Vec::is_empty)
    {
        add(&mut names, "sources", "r1");
        add(&mut names, "sinks", "k1");
    }
    let first_channel = names["channels"][0].clone();
    let has = |props: &Vec<(String, String)>, k: &str| props.iter().any(|(x, _)| x == k);
    for (kind, default_type) in [
        ("sources", "seq"),
        ("channels", "memory"),
        ("sinks", "null"),
        ("sinkgroups", ""),
    ] {
        let Some(list) = names.get(kind) else {
            continue;
        };
        if !has(props, &list_key(kind)) {
            props.push((list_key(kind), list.join(" ")));
        }
        for n in list {
            let type_key = format!("{agent}.{kind}.{n}.type");
            if !default_type.is_empty() && !has(props, &type_key) {
                props.push((type_key, default_type.to_string()));
            }
            let link = match kind {
                "sources" => Some(format!("{agent}.sources.{n}.channels")),
                "sinks" => Some(format!("{agent}.sinks.{n}.channel")),
                _ => None,
            };
            if let Some(link) = link
                && !has(props, &link)
            {
                props.push((link, first_channel.clone()));
            }
        }
    }
    true
}

/// `<class whose configure() throws>`: a Java test class. Stand in a built-in whose configure
/// fails, so that the drop rules can be checked.
fn substitute_throwing_types(props: &mut Vec<(String, String)>) -> Vec<String> {
    let mut notes = Vec::new();
    let mut extra = Vec::new();
    for (k, v) in props.iter_mut() {
        if !(k.ends_with(".type") && v.starts_with('<')) {
            continue;
        }
        let component = k.trim_end_matches(".type").to_string();
        let (ty, key, val) = if component.contains(".sources.") {
            ("seq", "batchSize", "not-a-number")
        } else if component.contains(".channels.") {
            ("memory", "transactionCapacity", "1000000")
        } else {
            ("null", "batchSize", "not-a-number")
        };
        notes.push(format!(
            "{component}: {v} stood in by {ty} with {key} = {val}"
        ));
        *v = ty.to_string();
        extra.push((format!("{component}.{key}"), val.to_string()));
    }
    for (k, v) in extra {
        props.retain(|(x, _)| *x != k);
        props.push((k, v));
    }
    notes
}

// ---------------------------------------------------------------------------------------------
// config_validation.json

#[test]
fn config_validation_vectors() {
    let check = |case: &flume_rs::vectors::Case| match run_validation_case(case.value) {
        Ok(()) => flume_rs::vectors::Outcome::Pass,
        Err(Skip(reason)) => flume_rs::vectors::Outcome::Fail(format!("not run: {reason}")),
    };
    flume_rs::vectors::run("config_validation.json", &[("flume configuration", &check)])
        .assert_ok();
}

struct Skip(String);

fn run_validation_case(case: &Value) -> Result<(), Skip> {
    let id = case["id"].as_str().unwrap();
    let expected = &case["expected"];
    let mut props = pairs(case["input"].get("properties"));
    let agent = props
        .iter()
        .find_map(|(k, _)| k.split_once('.').map(|(a, _)| a.to_string()))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "agent".to_string());
    let substituted = substitute_throwing_types(&mut props);
    for n in &substituted {
        println!("note: {id}: {n}");
    }
    let completed = match id {
        // These restate one component's rule; the rest of the agent is implied.
        "cv-derived-load-balance-single-sink"
        | "cv-derived-multiplex-unknown-channel"
        | "cv-derived-multiplex-double-space"
        | "cv-derived-memory-txcap-gt-capacity"
        | "cv-derived-type-alias-case" => complete(&mut props, &agent),
        _ => false,
    };
    if completed {
        println!("note: {id}: completed into a runnable agent: {props:?}");
    }
    let env = fixed_env(&[], &[]);
    let merged = config::merge(vec![raw(&props)], &env);
    let cfg = validate::build_agent(&agent, &merged, &env);
    let built = if cfg.valid { Some(build(&cfg)) } else { None };
    let context = format!("case {id}\ndiagnostics: {:#?}", cfg.diagnostics);

    let flume_errors: Vec<(String, &str, bool)> = cfg
        .diagnostics
        .iter()
        .filter_map(|d| {
            d.flume
                .map(|f| (d.subject.clone(), f.kind.name(), f.error_level))
        })
        .collect();

    for (key, want) in expected.as_object().unwrap() {
        match key.as_str() {
            "errors" => {
                for e in want.as_array().unwrap() {
                    let ty = e["type"].as_str().unwrap();
                    let component = e["component"].as_str().unwrap();
                    let error_level = e["level"].as_str() == Some("ERROR");
                    assert!(
                        flume_errors
                            .iter()
                            .any(|(s, t, l)| s == component && *t == ty && *l == error_level),
                        "expected {ty} for {component}\n{context}"
                    );
                }
            }
            "errors_nonempty" => {
                assert_eq!(
                    !flume_errors.is_empty(),
                    want.as_bool().unwrap(),
                    "{context}"
                )
            }
            "error_count_level_ERROR" => assert_eq!(
                flume_errors.iter().filter(|(_, _, l)| *l).count() as u64,
                want.as_u64().unwrap(),
                "{context}"
            ),
            "errors_include" => {
                for item in want.as_array().unwrap() {
                    let item = item.as_str().unwrap();
                    let (ty, name) = match item.split_once(" for ") {
                        Some((t, n)) => (t, Some(n)),
                        None => (item, None),
                    };
                    assert!(
                        flume_errors.iter().any(|(s, t, _)| *t == ty
                            && name.is_none_or(|n| s.ends_with(&format!(".{n}")))),
                        "expected {item}\n{context}"
                    );
                }
            }
            "agent_present" | "agent_a_present" => {
                assert_eq!(cfg.valid, want.as_bool().unwrap(), "{context}")
            }
            "sources" | "sinks" | "sinkgroups" => {
                assert_eq!(names_of(&cfg, key), strings(want), "{key}\n{context}")
            }
            "channels" if want.is_array() => {
                assert_eq!(names_of(&cfg, key), strings(want), "{key}\n{context}")
            }
            "source_channels" => {
                for (source, channels) in want.as_object().unwrap() {
                    let s = cfg
                        .sources
                        .iter()
                        .find(|s| s.component.name == *source)
                        .unwrap_or_else(|| panic!("source {source} missing\n{context}"));
                    let mut got = s.channels.clone();
                    got.sort();
                    assert_eq!(got, strings(channels), "{context}");
                }
            }
            "source_runners" | "sink_runners" | "channels" => {
                let text = built.as_ref().map(build_text).unwrap_or_default();
                if let Some(line) = unavailable(&text) {
                    return Err(Skip(format!(
                        "a component it needs is not in this build yet: {line}"
                    )));
                }
                let count = match &built {
                    Some(Ok(b)) => match key.as_str() {
                        "source_runners" => b.sources.len(),
                        "sink_runners" => b.sink_runners.len(),
                        _ => b.channels.len(),
                    },
                    _ => 0,
                };
                assert_eq!(
                    count as u64,
                    want.as_u64().unwrap(),
                    "{key}\nbuild: {text}\n{context}"
                );
            }
            "agent_b" | "notes" => {}
            "effect" | "on_reload" | "value" => effect(id, &cfg, &built, &merged)?,
            other => panic!("{id}: unhandled expectation {other}"),
        }
    }
    Ok(())
}

/// The prose `effect` of derived cases, restated as checks.
fn effect(
    id: &str,
    cfg: &AgentConfig,
    built: &Option<Result<Built, FatalError>>,
    merged: &Properties,
) -> Result<(), Skip> {
    let text = built.as_ref().map(build_text).unwrap_or_default();
    let context = format!("case {id}\nconfig: {:#?}\nbuild: {text}", cfg.diagnostics);
    let ok = || match built {
        Some(Ok(b)) => b,
        _ => panic!("expected the agent to build\n{context}"),
    };
    let needs = |what: &str| -> Result<(), Skip> {
        match unavailable(&text) {
            Some(line) => Err(Skip(format!("{what} is not in this build yet: {line}"))),
            None => Ok(()),
        }
    };
    match id {
        "cv-mat-disposable-vs-recyclable" => {
            use flume_rs::registry::{Kind, Row, resolve};
            let is_reusable = |t| {
                resolve(Kind::Channel, t)
                    .row()
                    .is_some_and(Row::is_reusable)
            };
            assert!(is_reusable("memory"));
            assert!(is_reusable("org.apache.flume.channel.kafka.KafkaChannel"));
            assert!(!is_reusable("file"));
        }
        "cv-derived-unknown-type-class-missing" => match built {
            Some(Err(FatalError::UnknownType(e))) => {
                assert!(e.to_string().contains("com.example.Missing"), "{context}")
            }
            _ => panic!("expected the whole configuration to be rejected\n{context}"),
        },
        "cv-derived-sinkgroup-no-processor-type" => {
            let b = ok();
            assert!(b.sink_runners.is_empty(), "{context}");
            assert!(text.contains("a.sinkgroups.g1"), "{context}");
        }
        "cv-derived-load-balance-single-sink" => {
            needs("the load_balance sink processor")?;
            let b = ok();
            assert!(b.sink_runners.is_empty(), "{context}");
            assert!(text.contains("single sink"), "{context}");
        }
        "cv-derived-multiplex-unknown-channel" | "cv-derived-multiplex-double-space" => {
            needs("the multiplexing selector")?;
            let b = ok();
            assert!(b.sources.is_empty(), "{context}");
            assert!(text.contains("Selector channel not found"), "{context}");
        }
        "cv-derived-memory-txcap-gt-capacity" => {
            let b = ok();
            assert!(
                b.channels.is_empty() && b.sources.is_empty() && b.sink_runners.is_empty(),
                "{context}"
            );
            assert!(text.contains("Transaction Capacity"), "{context}");
        }
        "cv-derived-type-alias-case" => {
            use flume_rs::registry::{Kind, Row};
            let resolve = |t, kind| flume_rs::registry::resolve(kind, t).row().map(Row::name);
            let ctx = |n: &str| {
                cfg.channels
                    .iter()
                    .map(|c| c.type_name.clone())
                    .chain(cfg.sinks.iter().map(|k| k.component.type_name.clone()))
                    .chain(cfg.sources.iter().map(|s| s.component.type_name.clone()))
                    .flatten()
                    .any(|t| t == n)
            };
            assert!(
                ctx("MEMORY") && ctx("Logger") && ctx("SpoolDir"),
                "{context}"
            );
            assert_eq!(resolve("MEMORY", Kind::Channel), Some("memory"));
            assert_eq!(resolve("Logger", Kind::Sink), Some("logger"));
            assert_eq!(resolve("SpoolDir", Kind::Source), Some("spooldir"));
            assert_eq!(
                resolve("ORG.APACHE.FLUME.SINK.LOGGERSINK", Kind::Sink),
                Some("logger")
            );
        }
        "cv-derived-trailing-whitespace" => {
            let v = merged
                .entries
                .iter()
                .find(|p| p.key == "a.sinks.k1.hdfs.path")
                .map(|p| p.value.as_str());
            assert_eq!(v, Some("/x"));
        }
        other => panic!("{other}: effect not restated as a check"),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// substitution.json

#[test]
fn substitution_vectors() {
    let check = |case: &flume_rs::vectors::Case| match run_substitution_case(case.value) {
        Ok(()) => flume_rs::vectors::Outcome::Pass,
        Err(Skip(reason)) => flume_rs::vectors::Outcome::Differs(reason),
    };
    flume_rs::vectors::run("substitution.json", &[("substitution", &check)]).assert_ok();
}

fn run_substitution_case(case: &Value) -> Result<(), Skip> {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let expected = &case["expected"];
    let mechanism = case["mechanism"].as_str().unwrap_or_default();
    let mut sysprops = pairs(input.get("sysprops"));
    if mechanism.contains("EnvVarResolverProperties")
        && !sysprops
            .iter()
            .any(|(k, _)| k == "propertiesImplementation")
    {
        sysprops.push((
            "propertiesImplementation".into(),
            substitution::ENV_VAR_RESOLVER.into(),
        ));
    }
    if sysprops.iter().any(|(k, _)| k == "lookups") {
        return Err(Skip(
            "custom lookups name a Java StringLookup class of Flume's test suite; flume-rs supports only DefaultStringLookup entries in -Dlookups files".into(),
        ));
    }
    let env = fixed_env(&sysprops, &pairs(input.get("env")));

    if let Some(value) = input["value"].as_str() {
        let (out, _) = substitution::substitute_value(value, &[], &env);
        assert_eq!(out, expected["output"].as_str().unwrap(), "{id}");
        return Ok(());
    }
    if let Some(values) = input["values"].as_array() {
        let f = filters::create_filter("f1", "env", &Default::default()).unwrap();
        for (v, want) in values.iter().zip(expected["outputs"].as_array().unwrap()) {
            assert_eq!(
                f.apply(v.as_str().unwrap(), &env).0,
                want.as_str().unwrap(),
                "{id}"
            );
        }
        return Ok(());
    }
    let text = if let Some(line) = input["line"].as_str() {
        // Written literally, Java's parser ends the key at the ':' of "${env:X}"; escape it so
        // that the line has the key the case is about.
        let (key, value) = line.split_once(" = ").unwrap();
        println!("note: {id}: ':' in the key escaped as '\\:' (Java ends a key at ':')");
        format!("{} = {value}\n", key.replace(':', "\\:"))
    } else if let Some(line) = input["file_line"].as_str() {
        format!("{line}\n")
    } else if let Some(lines) = input["file_lines"].as_array() {
        lines
            .iter()
            .map(|l| format!("{}\n", l.as_str().unwrap()))
            .collect()
    } else {
        String::new()
    };
    if !text.is_empty() {
        let parsed = properties::parse_text(&text, "vector").unwrap();
        let merged = config::merge(vec![parsed], &env);
        let get = |k: &str| {
            merged
                .entries
                .iter()
                .find(|p| p.key == k)
                .map(|p| p.value.clone())
        };
        for (key, want) in expected.as_object().unwrap() {
            if key == "key" {
                assert!(get(want.as_str().unwrap()).is_some(), "{id}: {merged:?}");
            } else if let Some(k) = key.strip_suffix("_not_contains") {
                let v = get(k).unwrap();
                assert!(!v.contains(want.as_str().unwrap()), "{id}: {v}");
            } else if let Some(k) = key.strip_suffix("_contains") {
                let v = get(k).unwrap();
                assert!(v.contains(want.as_str().unwrap()), "{id}: {v}");
            } else {
                assert_eq!(get(key).as_deref(), want.as_str(), "{id}");
            }
        }
        return Ok(());
    }
    if input.get("properties").is_some() {
        let mut props = pairs(input.get("properties"));
        complete(&mut props, "a1");
        let merged = config::merge(vec![raw(&props)], &env);
        let cfg = validate::build_agent("a1", &merged, &env);
        for (key, want) in expected.as_object().unwrap() {
            let local = key.strip_prefix("a1.sources.r1.").unwrap();
            let got = cfg.sources[0].component.context.peek(local);
            assert_eq!(got, want.as_str(), "{id}: {:#?}", cfg.diagnostics);
        }
        return Ok(());
    }
    panic!("{id}: input form not handled");
}

// ---------------------------------------------------------------------------------------------
// Flume's own example configurations (read in place, never copied)

fn reference_config(name: &str) -> PathBuf {
    shared_reference().join("flume-configs").join(name)
}

fn load_reference(
    name: &str,
    agent: &str,
    sysprops: &[(&str, &str)],
    vars: &[(&str, &str)],
) -> (AgentConfig, Properties) {
    let to_owned = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let env = fixed_env(&to_owned(sysprops), &to_owned(vars));
    let props = config::read_properties(&[reference_config(name)], &env).unwrap();
    let cfg = validate::build_agent(agent, &props, &env);
    (cfg, props)
}

fn fatal(cfg: &AgentConfig, needle: &str) -> bool {
    cfg.diagnostics
        .iter()
        .any(|d| d.severity == Severity::Fatal && d.message.contains(needle))
}

fn diag(cfg: &AgentConfig, severity: Severity, subject: &str, needle: &str) -> bool {
    cfg.diagnostics
        .iter()
        .any(|d| d.severity == severity && d.subject == subject && d.message.contains(needle))
}

fn no_drops(cfg: &AgentConfig) -> bool {
    cfg.diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning)
}

#[test]
fn flume_reference_configs_load_as_in_flume() {
    let dir = shared_reference().join("flume-configs");
    let mut seen: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "README.md")
        .collect();
    seen.sort();

    // 01: the shipped template runs seq → memory → logger.
    let (cfg, _) = load_reference(
        "01-apache-flume-conf-template.properties",
        "agent",
        &[],
        &[],
    );
    assert!(cfg.valid && no_drops(&cfg), "{:#?}", cfg.diagnostics);
    assert_eq!(names_of(&cfg, "sources"), vec!["seqGenSrc"]);
    let built = build(&cfg).unwrap();
    assert_eq!(
        (
            built.sources.len(),
            built.channels.len(),
            built.sink_runners.len()
        ),
        (1, 1, 1)
    );

    // 02: host1 is valid; host2..host4 are invalid; host5 passes validation but its types
    // (abc, def, foo, bar) cannot be loaded, which rejects the whole configuration.
    let f = "02-apache-flume-node-test-multiagent.properties";
    let (h1, _) = load_reference(f, "host1", &[], &[]);
    assert!(h1.valid && no_drops(&h1), "{:#?}", h1.diagnostics);
    let built = build(&h1).unwrap();
    assert_eq!((built.sources.len(), built.sink_runners.len()), (1, 1));
    let (h2, _) = load_reference(f, "host2", &[], &[]);
    assert!(!h2.valid && fatal(&h2, "does not contain any channels"));
    let (h3, _) = load_reference(f, "host3", &[], &[]);
    assert!(!h3.valid && fatal(&h3, "does not contain any valid channels"));
    assert!(diag(
        &h3,
        Severity::Dropped,
        "host3.channels.ch1",
        "no properties"
    ));
    assert!(diag(
        &h3,
        Severity::Dropped,
        "host3.channels.ch2",
        "Component has no type"
    ));
    let (h4, _) = load_reference(f, "host4", &[], &[]);
    assert!(!h4.valid && fatal(&h4, "has no sources or sinks"));
    assert!(diag(
        &h4,
        Severity::Dropped,
        "host4.sources.src2",
        "Configuration empty"
    ));
    let (h5, _) = load_reference(f, "host5", &[], &[]);
    assert!(h5.valid, "{:#?}", h5.diagnostics);
    assert_eq!(names_of(&h5, "sinks"), vec!["sink1", "sink2"]);
    assert_eq!(h5.sinkgroups[0].sinks, vec!["sink1", "sink2"]);
    assert!(diag(
        &h5,
        Severity::Dropped,
        "host5.sinks.sink3",
        "no properties"
    ));
    assert!(matches!(build(&h5), Err(FatalError::UnknownType(_))));

    // 03: ${${sys:env}_BIND} resolves through -Denv; the duplicate channel list is noted.
    let f = "03-apache-flume-recursive-lookup.properties";
    let (cfg, _) = load_reference(f, "a1", &[("env", "PROD")], &[]);
    assert!(cfg.valid && no_drops(&cfg), "{:#?}", cfg.diagnostics);
    assert_eq!(
        cfg.sources[0].component.context.peek("bind"),
        Some("192.168.10.110")
    );
    assert!(
        cfg.diagnostics
            .iter()
            .any(|d| d.subject == "a1.channels" && d.message.contains("duplicate key")),
        "{:#?}",
        cfg.diagnostics
    );
    assert!(
        cfg.diagnostics.iter().any(|d| d.subject == "DEV_BIND"),
        "the unused variable is noted"
    );
    assert!(!cfg.diagnostics.iter().any(|d| d.subject == "PROD_BIND"));
    let (cfg, _) = load_reference(f, "a1", &[("env", "DEV")], &[]);
    assert_eq!(
        cfg.sources[0].component.context.peek("bind"),
        Some("192.168.11.101")
    );
    let (cfg, _) = load_reference(f, "a1", &[], &[]);
    assert_eq!(
        cfg.sources[0].component.context.peek("bind"),
        Some("${${sys:env}_BIND}")
    );

    // 04: ${NC_PORT} needs -DpropertiesImplementation=…EnvVarResolverProperties.
    let f = "04-apache-flume-envvars.properties";
    let (cfg, _) = load_reference(
        f,
        "a1",
        &[("propertiesImplementation", substitution::ENV_VAR_RESOLVER)],
        &[("NC_PORT", "6667")],
    );
    assert_eq!(cfg.sources[0].component.context.peek("port"), Some("6667"));
    let (cfg, _) = load_reference(f, "a1", &[], &[("NC_PORT", "6667")]);
    assert_eq!(
        cfg.sources[0].component.context.peek("port"),
        Some("${NC_PORT}")
    );

    // 05: a source-only agent is valid (a warning that it has no sinks).
    let (cfg, _) = load_reference(
        "05-apache-flume-rpc-client-test.properties",
        "rpccagent",
        &[],
        &[],
    );
    assert!(cfg.valid && no_drops(&cfg), "{:#?}", cfg.diagnostics);
    assert!(diag(
        &cfg,
        Severity::Warning,
        "rpccagent.sinks",
        "has no sinks"
    ));
    // Its avro source has no port (Flume's test injects one): configure fails, the source is
    // dropped and its channel, now unconnected, is removed.
    let built = build(&cfg);
    let text = build_text(&built);
    let built = built.unwrap();
    assert!(
        built.sources.is_empty() && built.channels.is_empty(),
        "{text}"
    );
    assert!(text.contains("rpccagent.sources.src1"), "{text}");

    // 06: the user guide's first example is valid.
    let (cfg, _) = load_reference("06-userguide-example-netcat-logger.conf", "a1", &[], &[]);
    assert!(cfg.valid && no_drops(&cfg), "{:#?}", cfg.diagnostics);

    // 07–11: fragments printed in the guide; each is invalid as written.
    let (cfg, _) = load_reference(
        "07-userguide-multiplexing-fanout.conf",
        "agent_foo",
        &[],
        &[],
    );
    assert!(!cfg.valid && fatal(&cfg, "does not contain any valid channels"));
    for (file, subject) in [
        ("08-userguide-taildir.conf", "a1.channels.c1"),
        ("09-userguide-hdfs-round.conf", "a1.channels.c1"),
        ("10-userguide-interceptor-chain.conf", "a1.channels.c1"),
    ] {
        let (cfg, _) = load_reference(file, "a1", &[], &[]);
        assert!(!cfg.valid, "{file}");
        assert!(
            diag(&cfg, Severity::Dropped, subject, "no properties"),
            "{file}: {:#?}",
            cfg.diagnostics
        );
    }
    let (cfg, _) = load_reference("08-userguide-taildir.conf", "a1", &[], &[]);
    assert!(
        diag(&cfg, Severity::Warning, "a1.sources.ri", "did you mean r1?"),
        "{:#?}",
        cfg.diagnostics
    );
    let (cfg, _) = load_reference("11-userguide-kafka-sink.conf", "a1", &[], &[]);
    assert!(!cfg.valid && fatal(&cfg, "does not contain any channels"));

    let covered = [
        "01-apache-flume-conf-template.properties",
        "02-apache-flume-node-test-multiagent.properties",
        "03-apache-flume-recursive-lookup.properties",
        "04-apache-flume-envvars.properties",
        "05-apache-flume-rpc-client-test.properties",
        "06-userguide-example-netcat-logger.conf",
        "07-userguide-multiplexing-fanout.conf",
        "08-userguide-taildir.conf",
        "09-userguide-hdfs-round.conf",
        "10-userguide-interceptor-chain.conf",
        "11-userguide-kafka-sink.conf",
    ];
    for name in &seen {
        assert!(
            covered.contains(&name.as_str()),
            "{name} has no expected outcome here"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// compat-fixtures/config/<case>/

/// Every `compat-fixtures/config/<case>/` folder: `agent.conf` (plus `agent2.conf`… when there),
/// `args` (the `validate` arguments after `-f`, default `-n a1`), optional `env` (KEY=VALUE
/// lines) and either
/// * `expected.txt`: the exact output of `flume-ng validate` (the real binary, run in the case
///   folder), whose last line decides the exit status; or
/// * `expected-config.txt`: the outcome of Flume's configuration stage alone (what
///   `FlumeConfiguration` keeps and says), for components not built here yet, plus
///   `value <key> = <value>` lines checked against the loaded values.
///
/// `FLUME_BLESS=1` rewrites the expected files from the current output.
#[test]
fn compat_fixture_cases() {
    let root = repo().join("compat-fixtures/config");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "fixtures missing in {}", root.display());
    let bless = std::env::var("FLUME_BLESS").is_ok();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_fixture(case, bless) {
            failures.push(format!("{}: {e}", case.display()));
        }
    }
    println!("config fixtures: {} cases", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every key a component's build reads is declared in its property table (or a
/// sub-component's), for every `compat-fixtures/config/<case>/`: the key check then never
/// calls a key that is read unknown.
#[test]
fn tables_cover_every_key_the_build_reads() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("compat-fixtures/config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("agent.conf").exists())
        .collect();
    cases.sort();
    let mut gaps = Vec::new();
    let mut built = 0;
    for case in &cases {
        let args = fixture_args(case);
        let Ok(parsed) = flume_rs::cli::agent::parse_args(&args) else {
            continue;
        };
        let Some(agent) = parsed.name.clone() else {
            continue;
        };
        let env = fixed_env(&parsed.sysprops, &fixture_env(case));
        let files: Vec<PathBuf> = fixture_files(case).iter().map(|f| case.join(f)).collect();
        let Ok(props) = config::read_properties(&files, &env) else {
            continue;
        };
        let cfg = validate::build_agent(&agent, &props, &env);
        let build_env = BuildEnv {
            agent: agent.clone(),
            ..Default::default()
        };
        if topology::build(&cfg, &build_env, &[]).is_ok() {
            built += 1;
        }
        for gap in config::keys::table_gaps(&cfg, topology::property_table) {
            gaps.push(format!("{}: {gap}", case.display()));
        }
    }
    assert!(built >= 10, "only {built} fixtures built");
    assert!(
        gaps.is_empty(),
        "keys read by the build but missing from the property table:\n{}",
        gaps.join("\n")
    );
}

fn fixture_files(case: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".conf") || n.ends_with(".properties"))
        .collect();
    files.sort();
    files
}

fn fixture_args(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("args"))
        .unwrap_or_else(|_| "-n a1".into())
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn fixture_env(case: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(case.join("env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect()
}

fn run_fixture(case: &Path, bless: bool) -> Result<(), String> {
    let files = fixture_files(case);
    let args = fixture_args(case);
    let vars = fixture_env(case);
    if case.join("expected.txt").exists() {
        let mut cmd = Command::new(flume_ng());
        cmd.current_dir(case).arg("validate");
        for f in &files {
            cmd.args(["-f", f]);
        }
        cmd.args(&args).envs(vars.iter().cloned());
        let out = cmd.output().map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        if bless {
            std::fs::write(case.join("expected.txt"), &stdout).unwrap();
        }
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        if stdout != expected {
            return Err(format!(
                "validate output differs\n--- expected\n{expected}--- actual\n{stdout}--- stderr\n{stderr}"
            ));
        }
        let want_code = if expected.lines().last().unwrap_or("").starts_with("OK:") {
            0
        } else {
            1
        };
        if code != want_code {
            return Err(format!("exit status {code}, expected {want_code}"));
        }
        return Ok(());
    }
    // Configuration stage only.
    let parsed = flume_rs::cli::agent::parse_args(&args).map_err(|e| e.to_string())?;
    let agent = parsed.name.clone().ok_or("args: no -n")?;
    let env = fixed_env(&parsed.sysprops, &vars);
    let props = config::read_properties(
        &files.iter().map(|f| case.join(f)).collect::<Vec<_>>(),
        &env,
    )
    .map_err(|e| e.to_string())?;
    let cfg = validate::build_agent(&agent, &props, &env);
    let prefix = format!("{}/", case.display());
    let mut diags: Vec<_> = cfg.diagnostics.clone();
    diags.sort_by_key(|d| {
        d.origin
            .as_ref()
            .map_or((1, String::new(), 0), |o| (0, o.file.to_string(), o.line))
    });
    let mut actual: Vec<String> = diags
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .collect();
    actual.push(format!(
        "configuration keeps: sources [{}], channels [{}], sinks [{}], sink groups [{}]{}",
        cfg.sources
            .iter()
            .map(|s| format!("{}->{}", s.component.name, s.channels.join(",")))
            .collect::<Vec<_>>()
            .join(" "),
        names_of(&cfg, "channels").join(" "),
        cfg.sinks
            .iter()
            .map(|k| format!("{}<-{}", k.component.name, k.channel))
            .collect::<Vec<_>>()
            .join(" "),
        cfg.sinkgroups
            .iter()
            .map(|g| format!("{}({})", g.component.name, g.sinks.join(",")))
            .collect::<Vec<_>>()
            .join(" "),
        if cfg.valid {
            ""
        } else {
            " (agent invalid: runs nothing)"
        }
    ));
    let path = case.join("expected-config.txt");
    let expected_text = std::fs::read_to_string(&path).unwrap_or_default();
    let value_lines: Vec<&str> = expected_text
        .lines()
        .filter(|l| l.starts_with("value "))
        .collect();
    for line in &value_lines {
        let (key, want) = line["value ".len()..]
            .split_once(" = ")
            .ok_or_else(|| format!("bad line {line}"))?;
        let got = cfg.contexts().find_map(|c| {
            key.strip_prefix(&format!("{}.", c.component()))
                .and_then(|k| c.peek(k))
        });
        if got != Some(want) {
            return Err(format!("{key}: expected {want:?}, got {got:?}"));
        }
    }
    if bless {
        let mut text = actual.join("\n");
        text.push('\n');
        for l in &value_lines {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        return Ok(());
    }
    let expected: Vec<&str> = expected_text
        .lines()
        .filter(|l| !l.starts_with("value "))
        .collect();
    if expected != actual {
        return Err(format!(
            "configuration stage differs\n--- expected\n{}\n--- actual\n{}",
            expected.join("\n"),
            actual.join("\n")
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// flume-ng validate / agent through the binary

const GOOD: &str = "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
    a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
    a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n";

fn conf(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    write(&p, text);
    p.display().to_string()
}

#[test]
fn validate_exit_status_and_locations() {
    let dir = tempfile::tempdir().unwrap();
    let good = conf(dir.path(), "good.conf", GOOD);
    let (code, out, _) = run(&["validate", "--conf-file", &good, "--name", "a1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("OK: Flume would run every component of agent a1\n"),
        "{out}"
    );

    let bad = conf(
        dir.path(),
        "bad.conf",
        &format!("{GOOD}a1.sinks.k1.batchSize = 10k\na1.sinks.k1.bachSize = 10\n"),
    );
    let (code, out, _) = run(&["validate", "-f", &bad, "-n", "a1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{bad}:9: dropped: a1.sinks.k1: a1.sinks.k1.batchSize: expected an integer, got \"10k\"; Sink k1 has been removed")),
        "{out}"
    );
    assert!(
        out.contains("agent a1 runs: sources [r1], channels [c1], sinks [], sink groups []"),
        "{out}"
    );
}

#[test]
fn validate_reports_unknown_keys_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let f = conf(
        dir.path(),
        "agent.conf",
        &format!("{GOOD}a1.channels.c1.transactionCapactiy = 10\na1.sources.r1.totalevents = 5\n"),
    );
    let (code, out, _) = run(&["validate", "-f", &f, "-n", "a1"]);
    assert_eq!(code, 0, "unknown keys do not stop Flume: {out}");
    assert!(out.contains(&format!(
        "{f}:9: unknown: a1.channels.c1.transactionCapactiy: no component reads this property; Flume ignores it (did you mean a1.channels.c1.transactionCapacity?)"
    )), "{out}");
    assert!(
        out.contains("(did you mean a1.sources.r1.totalEvents?)"),
        "{out}"
    );
}

#[test]
fn validate_never_prints_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let f = conf(
        dir.path(),
        "agent.conf",
        &format!(
            "{GOOD}a1.sources.r1.keystorePassword = Pa55w0rd!\na1.sinks.k1.batchSize = Pa55w0rd!\n\
             a1.configfilters = f1\na1.configfilters.f1.type = env\na1.channels.c1.capacity = ${{f1['FROM_VAULT']}}\n"
        ),
    );
    let out = Command::new(flume_ng())
        .args(["validate", "-f", &f, "-n", "a1"])
        .env("FROM_VAULT", "v4ultv4lue")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("Pa55w0rd"), "{stdout}");
    assert!(!stdout.contains("v4ultv4lue"), "{stdout}");
    assert!(stdout.contains("******"), "{stdout}");
}

#[test]
fn validate_substitutes_with_system_properties_and_env() {
    let dir = tempfile::tempdir().unwrap();
    let f = conf(
        dir.path(),
        "agent.conf",
        &GOOD
            .replace(
                "a1.sinks.k1.channel = c1",
                "a1.sinks.k1.channel = ${sys:ch}",
            )
            .replace(
                "a1.sources.r1.type = seq",
                "a1.sources.r1.type = ${SRC_TYPE}",
            ),
    );
    let (code, out, _) = run(&["validate", "-f", &f, "-n", "a1", "-Dch=c1"]);
    assert_eq!(
        code, 1,
        "${{SRC_TYPE}} is left as written without the 1.9 switch: {out}"
    );
    // -D options of <conf>/flume-env.sh apply, as for the agent.
    let conf_dir = dir.path().join("conf");
    write(
        &conf_dir.join("flume-env.sh"),
        "export JAVA_OPTS=\"-Xmx20m -Dch=c1 -DpropertiesImplementation=org.apache.flume.node.EnvVarResolverProperties\"\n",
    );
    let with_env_sh = Command::new(flume_ng())
        .args(["validate", "-f", &f, "-n", "a1", "--conf"])
        .arg(&conf_dir)
        .env("SRC_TYPE", "seq")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&with_env_sh.stdout);
    assert_eq!(with_env_sh.status.code(), Some(0), "{stdout}");
    assert!(out.contains("${SRC_TYPE} is not resolved"), "{out}");
    let out = Command::new(flume_ng())
        .args([
            "validate",
            "-f",
            &f,
            "-n",
            "a1",
            "-Dch=c1",
            "-DpropertiesImplementation=org.apache.flume.node.EnvVarResolverProperties",
        ])
        .env("SRC_TYPE", "seq")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn validate_bad_input_is_named_without_panics() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.conf").display().to_string();
    let (code, out, err) = run(&["validate", "-f", &missing, "-n", "a1"]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err,
        format!("Error: {missing}: configuration file does not exist\n")
    );

    let as_dir = dir.path().display().to_string();
    let (code, _, err) = run(&["validate", "-f", &as_dir, "-n", "a1"]);
    assert_eq!(code, 1);
    assert!(err.contains("is a directory"), "{err}");

    let escape = conf(
        dir.path(),
        "escape.conf",
        "a1.channels = c1\na1.x = C:\\users\\x\n",
    );
    let (code, _, err) = run(&["validate", "-f", &escape, "-n", "a1"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!(
            "Error: {escape}:2: malformed \\uxxxx escape \"\\users\""
        )),
        "{err}"
    );

    let good = conf(dir.path(), "good.conf", GOOD);
    let (code, out, _) = run(&["validate", "-f", &good, "-n", "a2"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("fatal: a2: No configuration found for this host:a2 (no property starts with \"a2.\"; it defines a1)"),
        "{out}"
    );
    assert!(
        err_free(&run(&["validate", "-f", &good])),
        "missing -n is an error"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = conf(dir.path(), "locked.conf", GOOD);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_ok() {
            println!("skipped: unreadable file check: running as root, permissions do not apply");
        } else {
            let (code, _, err) = run(&["validate", "-f", &locked, "-n", "a1"]);
            assert_eq!(code, 1);
            assert!(err.contains("cannot read configuration file"), "{err}");
        }
    }
}

fn err_free(r: &(i32, String, String)) -> bool {
    r.0 == 1 && r.2.contains("Missing required option: n")
}

#[test]
fn validate_does_not_start_anything() {
    // Every component that binds a port or touches files when it starts: validate builds
    // them all and must leave no trace (the port stays free, no directory appears).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let f = conf(
        dir.path(),
        "agent.conf",
        &format!(
            "a1.sources = net http spool tail\na1.channels = mem fc\na1.sinks = roll hdfs\n\
             a1.sources.net.type = netcat\na1.sources.net.bind = 127.0.0.1\na1.sources.net.port = {port}\n\
             a1.sources.net.channels = mem\n\
             a1.sources.http.type = http\na1.sources.http.port = {port}\na1.sources.http.channels = mem\n\
             a1.sources.spool.type = spooldir\na1.sources.spool.spoolDir = {d}/spool\n\
             a1.sources.spool.channels = fc\n\
             a1.sources.tail.type = taildir\na1.sources.tail.positionFile = {d}/pos/p.json\n\
             a1.sources.tail.filegroups = f1\na1.sources.tail.filegroups.f1 = {d}/logs/.*\n\
             a1.sources.tail.channels = fc\n\
             a1.channels.mem.type = memory\n\
             a1.channels.fc.type = file\na1.channels.fc.checkpointDir = {d}/cp\n\
             a1.channels.fc.dataDirs = {d}/data\n\
             a1.sinks.roll.type = file_roll\na1.sinks.roll.channel = mem\n\
             a1.sinks.roll.sink.directory = {d}/roll\n\
             a1.sinks.hdfs.type = hdfs\na1.sinks.hdfs.channel = fc\n\
             a1.sinks.hdfs.hdfs.path = file://{d}/hdfs/%Y\na1.sinks.hdfs.hdfs.useLocalTimeStamp = true\n"
        ),
    );
    let (code, out, err) = run(&["validate", "-f", &f, "-n", "a1"]);
    // The port is held by this test (and shared by two sources): only a start would notice.
    assert_eq!(code, 0, "{out}{err}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        left,
        vec!["agent.conf".to_string()],
        "validate wrote files:\n{out}"
    );
    drop(listener);
}

#[test]
fn agent_warns_about_unknown_keys_once_after_build() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("agent.conf");
    write(
        &f,
        &format!("{GOOD}a1.channels.c1.transactionCapactiy = 10\na1.sources.r1.totalEvents = 1\n"),
    );
    let mut agent = Agent::start("a1", &f, &[]);
    agent.wait_for(
        "a1.channels.c1.transactionCapactiy: unknown property, ignored (did you mean a1.channels.c1.transactionCapacity?)",
        Duration::from_secs(10),
    );
    agent.wait_for("Starting Source r1", Duration::from_secs(10));
    agent.stop();
    let log = agent.log();
    assert_eq!(log.matches("transactionCapactiy").count(), 1, "{log}");
    assert!(!log.contains("a1.sources.r1.type: unknown"), "{log}");
    assert!(!log.contains("a1.sinks.k1.channel: unknown"), "{log}");
}

/// Keys a property table marks as accepted without effect are logged once at start-up, with
/// the reason; a typo inside an interceptor is found from the interceptor's table.
#[test]
fn agent_logs_keys_without_effect_and_sub_component_typos() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("agent.conf");
    write(
        &f,
        &format!(
            "{GOOD}a1.sinks.k1.type = logger\na1.sinks.k1.maxBytesToLog = 64\n\
             a1.sources.r1.interceptors = i1\na1.sources.r1.interceptors.i1.type = static\n\
             a1.sources.r1.interceptors.i1.preserveExistng = false\n"
        ),
    );
    let mut agent = Agent::start("a1", &f, &[]);
    agent.wait_for(
        "a1.sinks.k1.maxBytesToLog: accepted, no effect here: Flume 1.9 ignores it",
        Duration::from_secs(10),
    );
    agent.wait_for(
        "a1.sources.r1.interceptors.i1.preserveExistng: unknown property, ignored (did you mean a1.sources.r1.interceptors.i1.preserveExisting?)",
        Duration::from_secs(10),
    );
    agent.wait_for("Starting Source r1", Duration::from_secs(10));
    agent.stop();
    let log = agent.log();
    assert_eq!(log.matches("maxBytesToLog").count(), 1, "{log}");
    assert_eq!(log.matches("preserveExistng").count(), 1, "{log}");
}

// ---------------------------------------------------------------------------------------------
// Start lines: `compat-fixtures/start-lines/<case>/` holds a configuration (`agent.conf`, or
// `reference` + `replace`, see below), the
// command-line arguments (`args`), optional environment variables (`env`, `NAME=value` lines)
// and `expected-start-lines.txt`: the lifecycle lines Flume 1.9.0 logged when started on the
// same configuration. `@FREE_PORT@` and `@TMPDIR@` in `agent.conf` and `env` become a free port
// and a fresh temporary folder for each run.

const START_KINDS: [&str; 3] = ["CHANNEL", "SINK", "SOURCE"];

/// The lifecycle line in a log line, and its kind, if it is one.
fn start_line(line: &str) -> Option<(usize, String)> {
    for (kind, word) in START_KINDS.iter().zip(["Channel", "Sink", "Source"]) {
        let starting = format!("Starting {word} ");
        if let Some(at) = line.find(&starting) {
            return Some((
                START_KINDS.iter().position(|k| k == kind)?,
                line[at..].to_string(),
            ));
        }
        let started = format!("Component type: {kind}, name: ");
        if let Some(at) = line.find(&started)
            && line.ends_with(" started")
        {
            return Some((
                START_KINDS.iter().position(|k| k == kind)?,
                line[at..].to_string(),
            ));
        }
    }
    None
}

fn start_line_sets(lines: &[(usize, String)]) -> Vec<std::collections::BTreeSet<String>> {
    let mut sets = vec![std::collections::BTreeSet::new(); START_KINDS.len()];
    for (kind, line) in lines {
        sets[*kind].insert(line.clone());
    }
    sets
}

fn run_start_lines_case(case: &Path) -> Result<(), String> {
    let read =
        |name: &str| std::fs::read_to_string(case.join(name)).map_err(|e| format!("{name}: {e}"));
    let expected_text = read("expected-start-lines.txt")?;
    let mut expected = Vec::new();
    for (n, line) in expected_text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        expected.push(start_line(line).ok_or_else(|| {
            format!(
                "expected-start-lines.txt:{}: not a lifecycle line: {line:?}",
                n + 1
            )
        })?);
    }
    let args: Vec<String> = read("args")?
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !args.iter().any(|a| a == "-n" || a == "--name") {
        return Err("args: no -n AGENT".into());
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = free_port().to_string();
    let fill = |text: &str| {
        text.replace("@FREE_PORT@", &port)
            .replace("@TMPDIR@", &tmp.path().join("data").display().to_string())
    };
    std::fs::create_dir_all(tmp.path().join("data")).map_err(|e| e.to_string())?;
    let conf = tmp.path().join("agent.conf");
    // Either the case's own `agent.conf`, or `reference`: a file under the shared reference
    // folder (Flume's example configurations), with the `replace` lines (`FROM => TO`) applied.
    // `fixture` names a `compat-fixtures/config/` folder whose `agent.conf` is used the same way.
    let source = if let Ok(rel) = read("reference") {
        Some(shared_reference().join(rel.trim()))
    } else if let Ok(name) = read("fixture") {
        Some(
            repo()
                .join("compat-fixtures/config")
                .join(name.trim())
                .join("agent.conf"),
        )
    } else {
        None
    };
    let mut text = match source {
        Some(path) => {
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => read("agent.conf")?,
    };
    for line in std::fs::read_to_string(case.join("replace"))
        .unwrap_or_default()
        .lines()
    {
        if line.trim().is_empty() {
            continue;
        }
        let (from, to) = line
            .split_once(" => ")
            .ok_or_else(|| format!("replace: not `FROM => TO`: {line:?}"))?;
        if !text.contains(from) {
            return Err(format!("replace: {from:?} is not in the configuration"));
        }
        text = text.replace(from, to);
    }
    std::fs::write(&conf, fill(&text)).map_err(|e| e.to_string())?;
    let env_text = std::fs::read_to_string(case.join("env")).unwrap_or_default();
    let mut cmd = Command::new(flume_ng());
    cmd.current_dir(tmp.path())
        .args(["agent", "-f"])
        .arg(&conf)
        .arg("--no-reload-conf")
        .arg("-Dflume.root.logger=INFO,console")
        .args(&args);
    for line in env_text.lines().filter(|l| !l.trim().is_empty()) {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("env: not NAME=value: {line:?}"))?;
        cmd.env(k.trim(), fill(v));
    }
    let mut agent = Agent::spawn(cmd);
    // Wait for every expected line, then a little longer for lines that should not come.
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let log = agent.log();
        if expected.iter().all(|(_, l)| log.contains(l.as_str())) {
            break;
        }
        if let Ok(Some(_)) = agent.child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let exited_alone = matches!(agent.child.try_wait(), Ok(Some(_)));
    agent.stop();
    let log = agent.log();
    // The signal handler is installed once start-up is over: its line proves no start was cut.
    if !exited_alone && !log.contains("Stopping agent") {
        return Err(format!("agent did not finish starting; log:\n{log}"));
    }
    let actual: Vec<(usize, String)> = log.lines().filter_map(start_line).collect();
    let mut problems = Vec::new();
    let (want, got) = (start_line_sets(&expected), start_line_sets(&actual));
    for (k, kind) in START_KINDS.iter().enumerate() {
        let missing: Vec<_> = want[k].difference(&got[k]).collect();
        let extra: Vec<_> = got[k].difference(&want[k]).collect();
        if !missing.is_empty() || !extra.is_empty() {
            problems.push(format!("{kind}: missing {missing:?}, unexpected {extra:?}"));
        }
    }
    if let Some(w) = actual.windows(2).find(|w| w[1].0 < w[0].0) {
        problems.push(format!(
            "order: {:?} after {:?} (Flume starts channels, then sinks, then sources)",
            w[1].1, w[0].1
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n--- log\n{log}", problems.join("\n")))
    }
}

#[test]
fn config_start_lines_match_flume() {
    let root = repo().join("compat-fixtures/start-lines");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 12,
        "start-line cases missing in {}",
        root.display()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_start_lines_case(case)
                .err()
                .map(|e| format!("{}: {e}", case.display()))
        })
        .collect();
    println!("start-line cases: {}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
