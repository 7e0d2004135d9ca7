//! Every case of `compat-fixtures/vectors/interceptors.json` (Flume 1.11's interceptor tests
//! and behaviours derived from its source) run against the interceptors.

use std::collections::BTreeMap;

use serde_json::Value;

use super::regex_extractor::{MillisSerializer, Serializer};
use super::{InterceptorChain, build_in_zone};
use crate::config::Context;
use crate::event::{Event, Headers};
use crate::java::date::JavaZone;
use crate::vectors::{Case, Outcome};

fn context(config: &Value, prefix: &str) -> Context {
    let pairs: Vec<(String, String)> = config
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                // Flume's loader trims values and drops empty ones.
                .map(|(k, v)| (k, v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Context::from_pairs(prefix, pairs)
}

fn event(input: &Value) -> Event {
    let mut headers = Headers::new();
    if let Some(h) = input["headers"].as_object() {
        for (k, v) in h {
            headers.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    Event::with_headers(
        headers,
        input["body"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
    )
}

fn now_ms() -> i64 {
    super::timestamp::now_millis()
}

/// Check a `header_rules` value; `Err` says why not.
fn check_rule(rule: &str, value: Option<&str>, before: i64, after: i64) -> Result<(), String> {
    let value = value.ok_or_else(|| format!("header missing (rule: {rule})"))?;
    let local = crate::interceptor::host::local_host();
    if rule.contains("millis") {
        let ms: i64 = value
            .parse()
            .map_err(|_| format!("{value} is not millis"))?;
        if ms < before || ms > after {
            return Err(format!("{ms} not within [{before}, {after}]"));
        }
        return Ok(());
    }
    if rule.contains("UUID") {
        let ok = value.len() == 36
            && value.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_digit() || ('a'..='f').contains(&c)
                }
            });
        return if ok {
            Ok(())
        } else {
            Err(format!("{value} is not a UUID"))
        };
    }
    if rule.contains("CanonicalHostName") {
        return if Some(value) == local.canonical.as_deref() {
            Ok(())
        } else {
            Err(format!("{value} != canonical {:?}", local.canonical))
        };
    }
    if rule.contains("IP") || rule.contains("getHostAddress") {
        return if Some(value) == local.address.as_deref() {
            Ok(())
        } else {
            Err(format!("{value} != address {:?}", local.address))
        };
    }
    Err(format!("rule not understood: {rule}"))
}

fn run_case(case: &Value) -> Result<Option<String>, String> {
    let kind = case["interceptor"].as_str().unwrap_or_default();
    let config = &case["config"];
    let expected = &case["expected"];
    let zone = JavaZone::from_java_id(case["jvm_default_tz"].as_str().unwrap_or("UTC"));
    let prefix = "a1.sources.r1.interceptors.i1.";

    // Serializer-level cases.
    if kind == "regex_extractor.millis_serializer"
        || kind == "regex_extractor.passthrough_serializer"
    {
        let ctx = context(config, prefix);
        let built = if kind.ends_with("millis_serializer") {
            MillisSerializer::from_context(&ctx, &zone).map(Serializer::Millis)
        } else {
            Serializer::from_type(None, &ctx, &zone)
        };
        if let Some(err) = expected["config_error"].as_str() {
            return match built {
                Err(_) => Ok(None),
                Ok(_) => Err(format!("expected config error {err}")),
            };
        }
        let s = built.map_err(|e| e.to_string())?;
        let value = case["input"]["value"].as_str().unwrap_or_default();
        let out = match &s {
            Serializer::PassThrough => value.to_string(),
            Serializer::Millis(m) => m.serialize(value)?,
        };
        let want = expected["output"].as_str().unwrap_or_default();
        return if out == want {
            Ok(None)
        } else {
            Err(format!("got {out}, want {want}"))
        };
    }

    let chain = if kind == "chain" {
        InterceptorChain::from_source_context(&context(config, "a1.sources.r1."))
    } else {
        let ctx = context(config, prefix);
        build_in_zone(kind, "i1", &ctx, &zone).map(|i| InterceptorChain::new(vec![i]))
    };
    if let Some(err) = expected["config_error"].as_str() {
        return match chain {
            Err(e) => Ok(Some(format!("config error as expected: {e}"))),
            Ok(_) => Err(format!("expected config error {err}")),
        };
    }
    let chain = chain.map_err(|e| format!("build failed: {e}"))?;
    let input = event(&case["input"]);
    let before = now_ms();
    let out = chain
        .intercept(vec![input])
        .map_err(|e| format!("intercept failed: {e}"))?;
    let after = now_ms();

    if let Some(dropped) = expected["dropped"].as_bool() {
        return if out.is_empty() == dropped {
            Ok(None)
        } else {
            Err(format!("dropped = {}, want {dropped}", out.is_empty()))
        };
    }
    let [got] = out.as_slice() else {
        return Err(format!("expected one event, got {}", out.len()));
    };
    if let Some(body) = expected["body"].as_str()
        && got.body != body.as_bytes()
    {
        return Err(format!(
            "body {:?}, want {body:?}",
            String::from_utf8_lossy(&got.body)
        ));
    }
    let got_headers: BTreeMap<&str, &str> = got
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if let Some(want) = expected["headers"].as_object() {
        let want: BTreeMap<&str, &str> = want
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
            .collect();
        if got_headers != want {
            return Err(format!("headers {got_headers:?}, want {want:?}"));
        }
    }
    if let Some(rules) = expected["header_rules"].as_object() {
        let exact = expected["headers_exact"].as_object();
        let mut keys: Vec<&str> = rules.keys().map(String::as_str).collect();
        if let Some(exact) = exact {
            for (k, v) in exact {
                if got_headers.get(k.as_str()) != Some(&v.as_str().unwrap_or_default()) {
                    return Err(format!(
                        "header {k}: {:?}, want {v}",
                        got_headers.get(k.as_str())
                    ));
                }
                keys.push(k);
            }
        }
        for (k, rule) in rules {
            check_rule(
                rule.as_str().unwrap_or_default(),
                got_headers.get(k.as_str()).copied(),
                before,
                after,
            )
            .map_err(|e| format!("header {k}: {e}"))?;
        }
        keys.sort();
        let got_keys: Vec<&str> = got_headers.keys().copied().collect();
        if got_keys != keys {
            return Err(format!("header names {got_keys:?}, want {keys:?}"));
        }
    }
    Ok(None)
}

/// An `interceptors.json` case: build the interceptor (or chain, or serializer) from the case's
/// configuration, run the input event through it, compare with what Flume gives.
pub(crate) fn check(case: &Case) -> Outcome {
    if !case.has("interceptor") {
        return Outcome::NotMine;
    }
    // Flume's host interceptor sets nothing when the local host name does not resolve (its
    // own tests need a resolvable host): on such a machine, check exactly that.
    if case.get("interceptor") == "host"
        && crate::interceptor::host::local_host().address.is_none()
        && case.expected()["config_error"].is_null()
    {
        return host_unresolvable(case.value);
    }
    match run_case(case.value) {
        Ok(_) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

fn host_unresolvable(case: &Value) -> Outcome {
    let ctx = context(&case["config"], "a1.sources.r1.interceptors.i1.");
    let zone = JavaZone::from_java_id("UTC");
    let chain = match build_in_zone("host", "i1", &ctx, &zone) {
        Ok(i) => InterceptorChain::new(vec![i]),
        Err(e) => return Outcome::Fail(format!("build failed: {e}")),
    };
    let input = event(&case["input"]);
    let want = input.headers.clone();
    match chain.intercept(vec![input]) {
        Ok(out) if out.len() == 1 => Outcome::eq(&out[0].headers, &want, "headers"),
        Ok(out) => Outcome::Fail(format!("{} events out of one", out.len())),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}
