use super::*;
use crate::config::properties;

fn load(text: &str, agent: &str) -> AgentConfig {
    load_env(text, agent, &[])
}

fn load_env(text: &str, agent: &str, vars: &[(&str, &str)]) -> AgentConfig {
    let env = Environment::fixed(
        HashMap::new(),
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let props = crate::config::merge(
        vec![properties::parse_bytes(text.as_bytes(), "t.conf").unwrap()],
        &env,
    );
    build_agent(agent, &props, &env)
}

fn names(cfg: &AgentConfig) -> (Vec<&str>, Vec<&str>, Vec<&str>, Vec<&str>) {
    (
        cfg.sources
            .iter()
            .map(|s| s.component.name.as_str())
            .collect(),
        cfg.channels.iter().map(|c| c.name.as_str()).collect(),
        cfg.sinks
            .iter()
            .map(|k| k.component.name.as_str())
            .collect(),
        cfg.sinkgroups
            .iter()
            .map(|g| g.component.name.as_str())
            .collect(),
    )
}

fn has(cfg: &AgentConfig, severity: Severity, needle: &str) -> bool {
    cfg.diagnostics
        .iter()
        .any(|d| d.severity == severity && d.to_string().contains(needle))
}

const BASE: &str = "a.sources = r1\na.channels = c1\na.sinks = k1\n\
    a.sources.r1.type = seq\na.sources.r1.channels = c1\n\
    a.channels.c1.type = memory\na.sinks.k1.type = null\na.sinks.k1.channel = c1\n";

#[test]
fn a_valid_agent_survives_whole() {
    let cfg = load(BASE, "a");
    assert!(cfg.valid);
    assert_eq!(names(&cfg), (vec!["r1"], vec!["c1"], vec!["k1"], vec![]));
    assert!(
        cfg.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning),
        "{:?}",
        cfg.diagnostics
    );
}

#[test]
fn unknown_agent_names_the_agents_defined() {
    let cfg = load(BASE, "a9");
    assert!(!cfg.valid);
    assert!(has(
        &cfg,
        Severity::Fatal,
        "No configuration found for this host:a9"
    ));
    assert!(has(&cfg, Severity::Fatal, "it defines a"));
}

#[test]
fn typo_in_kind_is_an_invalid_property_with_a_suggestion() {
    let cfg = load(&format!("{BASE}a.channel.c1.capacity = 10\n"), "a");
    assert!(has(
        &cfg,
        Severity::Warning,
        "did you mean a.channels.c1.capacity?"
    ));
    assert!(
        cfg.diagnostics
            .iter()
            .any(|d| d.flume.map(|f| f.kind) == Some(FlumeErrorType::InvalidProperty))
    );
}

#[test]
fn unlisted_components_are_ignored_with_a_note() {
    let cfg = load(&format!("{BASE}a.sources.ri.maxBatchCount = 1000\n"), "a");
    assert!(has(
        &cfg,
        Severity::Warning,
        "a.sources.ri: source ri is configured but not listed in a.sources: Flume ignores it (did you mean r1?)"
    ));
}

#[test]
fn source_channels_are_intersected() {
    let cfg = load(
        &BASE.replace("r1.channels = c1", "r1.channels = c9 c1 c1"),
        "a",
    );
    assert_eq!(cfg.sources[0].channels, vec!["c1"]);
    let cfg = load(&BASE.replace("r1.channels = c1", "r1.channels = c9"), "a");
    assert!(cfg.sources.is_empty());
    assert!(has(
        &cfg,
        Severity::Dropped,
        "No Channels configured for r1"
    ));
}

#[test]
fn sink_group_claims_follow_java_hash_order() {
    let text = format!(
        "{BASE}a.sinks = k1 k2\na.sinks.k2.type = null\na.sinks.k2.channel = c1\n\
         a.sinkgroups = g2 g1\na.sinkgroups.g1.sinks = k1 k2\na.sinkgroups.g2.sinks = k2\n\
         a.sinkgroups.g1.processor.type = failover\na.sinkgroups.g2.processor.type = failover\n"
    );
    let cfg = load(&text, "a");
    // HashSet order: g1 before g2, so g1 takes k1 and k2, and g2 is left with nothing.
    assert_eq!(names(&cfg).3, vec!["g1"]);
    assert_eq!(cfg.sinkgroups[0].sinks, vec!["k1", "k2"]);
    assert!(has(
        &cfg,
        Severity::Dropped,
        "No available sinks for sinkgroup: g2"
    ));
}

#[test]
fn sink_group_without_sinks_fails_every_agent_of_the_file() {
    let other = "b.channels = c\nb.channels.c.type = memory\nb.sinks = k\nb.sinks.k.type = null\n\
                 b.sinks.k.channel = c\nb.sinkgroups = g\nb.sinkgroups.g.processor.type = failover\n";
    let cfg = load(&format!("{BASE}{other}"), "a");
    assert!(!cfg.valid);
    assert!(has(&cfg, Severity::Fatal, "NullPointerException"));
    // Without valid channels b never reaches its groups: a is fine.
    let cfg = load(
        &format!("{BASE}{}", other.replace("b.channels = c\n", "")),
        "a",
    );
    assert!(cfg.valid);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Any mix of plausible and broken lines validates without panicking, and what
    /// survives is consistent: sources use surviving channels, sinks a surviving channel,
    /// groups surviving sinks.
    #[test]
    fn validation_never_panics_and_stays_consistent(
        lines in proptest::collection::vec(
            (
                proptest::sample::select(vec![
                    "a", "a.sources", "a.channels", "a.sinks", "a.sinkgroups", "a.configfilters",
                    "a.sources.r1.type", "a.sources.r1.channels", "a.sources.r2.channels",
                    "a.channels.c1.type", "a.channels.c2.type", "a.channels.c1.capacity",
                    "a.sinks.k1.type", "a.sinks.k1.channel", "a.sinks.k2.channel",
                    "a.sinks.k2.type", "a.sinkgroups.g1.sinks", "a.sinkgroups.g2.sinks",
                    "a.sinkgroups.g1.processor.type", "a.configfilters.f.type",
                    "a.sources.r1.x", "a.", ".a", "b.sinkgroups", "b.sinkgroups.g.x",
                    "b.channels", "b.channels.c.type", "b.sinks", "a.channel.c1.type",
                ]),
                proptest::sample::select(vec![
                    "", "r1", "r1 r2", "c1", "c1 c2", "c2", "k1", "k1 k2", "g1", "g1 g2",
                    "memory", "seq", "null", "env", "hadoop", "${f['x']}", "${a.x}",
                    "c", "g", "k2 k1", "failover", " c1 ",
                ]),
            ),
            0..30,
        )
    ) {
        let text: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let cfg = load(&text, "a");
        if cfg.valid {
            for s in &cfg.sources {
                proptest::prop_assert!(!s.channels.is_empty());
                for c in &s.channels {
                    proptest::prop_assert!(cfg.channel(c).is_some());
                }
            }
            for k in &cfg.sinks {
                proptest::prop_assert!(cfg.channel(&k.channel).is_some());
            }
            for g in &cfg.sinkgroups {
                for s in &g.sinks {
                    proptest::prop_assert!(cfg.sinks.iter().any(|k| &k.component.name == s));
                }
            }
            proptest::prop_assert!(!cfg.sources.is_empty() || !cfg.sinks.is_empty());
        } else {
            proptest::prop_assert!(cfg.sources.is_empty() && cfg.sinks.is_empty());
            proptest::prop_assert!(cfg.diagnostics.iter().any(|d| d.severity == Severity::Fatal));
        }
    }
}

#[test]
fn java_hash_set_order() {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // "lb".hashCode() = 3446 (bucket 6), "fo" = 3273 (bucket 9).
    assert_eq!(java_set_order(&names(&["fo", "lb"])), names(&["lb", "fo"]));
    assert_eq!(java_set_order(&names(&["g2", "g1"])), names(&["g1", "g2"]));
}

#[test]
fn config_filters_apply_to_component_values_only() {
    let text = format!(
        "{BASE}a.configfilters = f1\na.configfilters.f1.type = env\n\
         a.sources.r1.keystorePassword = ${{f1['PW']}}\na.sinks.k1.x = a${{f1[PW]}}b\n"
    );
    let cfg = load_env(&text, "a", &[("PW", "s3cret")]);
    let ctx = &cfg.sources[0].component.context;
    assert_eq!(ctx.get("keystorePassword"), Some("s3cret"));
    assert_eq!(cfg.sinks[0].component.context.get("x"), Some("as3cretb"));
    assert_eq!(
        cfg.sensitive,
        vec!["s3cret".to_string(), "s3cret".to_string()]
    );
}

#[test]
fn broken_config_filters_are_dropped() {
    let text = format!(
        "{BASE}a.configfilters = f1 f2 f3\na.configfilters.f1.type = hadoop\n\
         a.configfilters.f2.type = com.example.Vault\na.sources.r1.pw = ${{f1[x]}}\n"
    );
    let cfg = load(&text, "a");
    assert!(cfg.valid);
    assert!(has(&cfg, Severity::Dropped, "hadoop config filter"));
    assert!(has(&cfg, Severity::Dropped, "com.example.Vault"));
    assert!(has(&cfg, Severity::Dropped, "Configuration empty for: f3"));
    assert_eq!(cfg.sources[0].component.context.get("pw"), Some("${f1[x]}"));
}

#[test]
fn config_filter_keys_are_checked_against_their_tables() {
    let text = format!(
        "{BASE}a.configfilters = f1 f2\na.configfilters.f1.type = external\n\
         a.configfilters.f1.command = /bin/echo\na.configfilters.f1.charst = UTF-8\n\
         a.configfilters.f2.type = env\na.configfilters.f2.prefix = X_\n"
    );
    let cfg = load(&text, "a");
    assert!(cfg.valid);
    assert!(has(
        &cfg,
        Severity::Warning,
        "the config filter does not read this property; Flume ignores it (did you mean a.configfilters.f1.charset?)"
    ));
    let unknown: Vec<&str> = cfg
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("does not read this property"))
        .map(|d| d.subject.as_str())
        .collect();
    assert_eq!(
        unknown,
        ["a.configfilters.f1.charst", "a.configfilters.f2.prefix"]
    );
}
