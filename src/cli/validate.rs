//! `flume-ng validate --conf-file F --name A [-Dk=v…] [--conf DIR]`: load a configuration the
//! way the agent does, build its components without starting anything, and print — with
//! file:line — every component Flume would drop or reject and why, every property nothing
//! reads (with a "did you mean"), and every value Flume reads differently from what it says.
//! Exit 0 when Flume would run everything, 1 otherwise. Secrets are never printed.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::component::BuildEnv;
use crate::config::context::{MASK, is_secret_key};
use crate::config::substitution::Environment;
use crate::config::{
    AgentConfig, LoadError, LoadOptions, Origin, Properties, Severity, key_findings,
    read_properties, validate, value_notes,
};
use crate::topology;

pub const USAGE: &str = "Usage: flume-ng validate --conf-file <file> --name <agent> [-D<property>=<value>]... [--conf <dir>]

Checks a configuration the way `flume-ng agent` loads it (nothing is started) and prints, with
file:line, every component Flume would drop or reject, every property nothing reads, and every
value Flume reads differently from what it says. Exit status 0 when Flume would run every
component, 1 otherwise. Takes the agent's options (-f, -u file:, -n, -c, -D…; the -D options
of <conf>/flume-env.sh apply as for the agent).
";

/// What `validate` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Finding lines (sorted by file and line), then the summary lines.
    pub lines: Vec<String>,
    pub exit_code: i32,
}

struct Finding {
    origin: Option<Origin>,
    text: String,
    blocking: bool,
}

/// Load, validate and build (without starting) agent `agent` of `files`.
pub fn validate_files(
    files: &[PathBuf],
    agent: &str,
    options: &LoadOptions,
    conf_dir: Option<PathBuf>,
) -> Result<Report, LoadError> {
    let env = Environment::from_options(options);
    let props = read_properties(files, &env)?;
    let cfg = validate::build_agent(agent, &props, &env);
    // `..Default::default()`: fields other parts of the agent may add stay at their defaults.
    #[allow(clippy::needless_update)]
    let build_env = BuildEnv {
        agent: agent.to_string(),
        conf_dir,
        sysprops: options.sysprops.clone(),
        ..Default::default()
    };
    Ok(report(&cfg, &props, &build_env, files))
}

/// The report for a loaded configuration: build it (no I/O, nothing started) and collect.
pub fn report(
    cfg: &AgentConfig,
    props: &Properties,
    build_env: &BuildEnv,
    files: &[PathBuf],
) -> Report {
    let mut findings: Vec<Finding> = cfg
        .diagnostics
        .iter()
        .map(|d| Finding {
            origin: d.origin.clone(),
            text: d.to_string(),
            blocking: d.severity != Severity::Warning,
        })
        .collect();
    let mut runs: Option<Running> = None;
    if cfg.valid {
        // An unloadable type rejects everything; to show what else is wrong, the report goes
        // on without that component (the verdict stays "runs nothing").
        let mut current = cfg.clone();
        let mut rejected = false;
        for _ in 0..64 {
            match topology::build(&current, build_env, &[]) {
                Ok(built) => {
                    findings.extend(built.diagnostics.iter().map(|d| Finding {
                        origin: d.origin.clone(),
                        text: d.to_string(),
                        blocking: d.severity != Severity::Warning,
                    }));
                    findings.extend(unread_and_notes(&current));
                    if !rejected {
                        runs = Some(Running::of(&built));
                    }
                    break;
                }
                Err(fatal) => {
                    rejected = true;
                    let (origin, what) = match &fatal {
                        topology::FatalError::UnknownType(e) => {
                            (e.origin.clone(), format!("{}: {}", e.key, e.message))
                        }
                        other => (None, other.to_string()),
                    };
                    let mut text = String::new();
                    if let Some(o) = &origin {
                        text.push_str(&format!("{o}: "));
                    }
                    text.push_str(&format!(
                        "fatal: {what}: Flume fails to load the configuration and runs nothing"
                    ));
                    findings.push(Finding {
                        origin,
                        text,
                        blocking: true,
                    });
                    let next = match &fatal {
                        topology::FatalError::UnknownType(e) => without_component(&current, &e.key),
                        _ => None,
                    };
                    match next {
                        Some(n) => current = n,
                        None => break,
                    }
                }
            }
        }
    }

    // Sort by file (in the order given), then line; unlocated findings last.
    let file_rank: HashMap<String, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.display().to_string(), i))
        .collect();
    findings.sort_by_key(|f| match &f.origin {
        Some(o) => (
            0,
            file_rank
                .get(o.file.as_ref())
                .copied()
                .unwrap_or(usize::MAX),
            o.line,
        ),
        None => (1, 0, 0),
    });
    let blocking = findings.iter().filter(|f| f.blocking).count();
    let mut lines: Vec<String> = findings.into_iter().map(|f| f.text).collect();
    dedup_keep_order(&mut lines);

    let agent = &cfg.name;
    match &runs {
        Some(r) => lines.push(format!(
            "agent {agent} runs: sources [{}], channels [{}], sinks [{}], sink groups [{}]",
            r.sources.join(" "),
            r.channels.join(" "),
            r.sinks.join(" "),
            r.groups.join(" ")
        )),
        None => lines.push(format!("agent {agent} runs nothing")),
    }
    let exit_code = if blocking == 0 { 0 } else { 1 };
    lines.push(if exit_code == 0 {
        format!("OK: Flume would run every component of agent {agent}")
    } else if runs.is_none() {
        format!("NOT OK: Flume would reject the configuration of agent {agent}")
    } else {
        format!(
            "NOT OK: Flume would drop part of agent {agent} ({blocking} problem{} above)",
            if blocking == 1 { "" } else { "s" }
        )
    });

    let secrets = secrets(cfg, props);
    for line in &mut lines {
        *line = mask(line, &secrets);
    }
    Report { lines, exit_code }
}

/// Unknown keys (with suggestions), keys accepted without effect here, and values read
/// differently from what they say.
fn unread_and_notes(cfg: &AgentConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let keys = key_findings(cfg, topology::property_table);
    for key in keys.unknown {
        let mut text = String::new();
        if let Some(o) = &key.origin {
            text.push_str(&format!("{o}: "));
        }
        text.push_str(&format!(
            "unknown: {}: no component reads this property; Flume ignores it",
            key.key
        ));
        if let Some(s) = &key.suggestion {
            text.push_str(&format!(" (did you mean {s}?)"));
        }
        out.push(Finding {
            origin: key.origin,
            text,
            blocking: false,
        });
    }
    for key in keys.no_effect {
        let mut text = String::new();
        if let Some(o) = &key.origin {
            text.push_str(&format!("{o}: "));
        }
        text.push_str(&format!(
            "warning: {}: accepted, no effect here: {}",
            key.key, key.reason
        ));
        out.push(Finding {
            origin: key.origin,
            text,
            blocking: false,
        });
    }
    for note in value_notes(cfg) {
        let mut text = String::new();
        if let Some(o) = &note.origin {
            text.push_str(&format!("{o}: "));
        }
        text.push_str(&format!("warning: {}: {}", note.key, note.message));
        out.push(Finding {
            origin: note.origin,
            text,
            blocking: false,
        });
    }
    out
}

/// `cfg` without the component whose property `key` (its `type`) is named, for reporting past
/// a rejection. `None` when no component matches.
fn without_component(cfg: &AgentConfig, key: &str) -> Option<AgentConfig> {
    let mut next = cfg.clone();
    let is = |ctx: &crate::config::Context| key.starts_with(&format!("{}.", ctx.component()));
    let before = next.sources.len() + next.channels.len() + next.sinks.len();
    for s in next.sources.iter().filter(|s| is(&s.component.context)) {
        s.component.context.mark_dropped();
    }
    for c in next.channels.iter().filter(|c| is(&c.context)) {
        c.context.mark_dropped();
    }
    for k in next.sinks.iter().filter(|k| is(&k.component.context)) {
        k.component.context.mark_dropped();
    }
    next.sources.retain(|s| !is(&s.component.context));
    next.channels.retain(|c| !is(&c.context));
    let removed_sinks: Vec<String> = next
        .sinks
        .iter()
        .filter(|k| is(&k.component.context))
        .map(|k| k.component.name.clone())
        .collect();
    next.sinks.retain(|k| !is(&k.component.context));
    // Keep groups consistent with the removal (their other sinks are still checked).
    for g in &mut next.sinkgroups {
        g.sinks.retain(|s| !removed_sinks.contains(s));
    }
    next.sinkgroups.retain(|g| !g.sinks.is_empty());
    let after = next.sources.len() + next.channels.len() + next.sinks.len();
    (after < before).then_some(next)
}

struct Running {
    sources: Vec<String>,
    channels: Vec<String>,
    sinks: Vec<String>,
    groups: Vec<String>,
}

impl Running {
    fn of(built: &topology::Built) -> Self {
        Running {
            sources: built.sources.iter().map(|s| s.name.clone()).collect(),
            channels: built.channels.iter().map(|c| c.name.clone()).collect(),
            sinks: built
                .sink_runners
                .iter()
                .flat_map(|r| r.sinks.iter().cloned())
                .collect(),
            groups: built
                .sink_runners
                .iter()
                .filter(|r| !r.sinks.contains(&r.name))
                .map(|r| r.name.clone())
                .collect(),
        }
    }
}

fn dedup_keep_order(lines: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    lines.retain(|l| seen.insert(l.clone()));
}

/// Every value that must not be shown: values of secret-named properties anywhere in the
/// configuration, and whatever config filters produced.
fn secrets(cfg: &AgentConfig, props: &Properties) -> Vec<String> {
    let mut out: Vec<String> = props
        .entries
        .iter()
        .filter(|p| is_secret_key(&p.key))
        .map(|p| p.value.clone())
        .chain(cfg.contexts().flat_map(|ctx| {
            ctx.keys()
                .into_iter()
                .filter(|k| is_secret_key(k))
                .filter_map(|k| ctx.peek(&k).map(str::to_string))
                .collect::<Vec<_>>()
        }))
        .chain(cfg.sensitive.iter().cloned())
        .filter(|v| !v.is_empty())
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Replace secrets in a line: always where quoted, anywhere when 4 characters or longer
/// (shorter ones would garble unrelated text).
fn mask(line: &str, secrets: &[String]) -> String {
    let mut out = line.to_string();
    for s in secrets {
        out = out.replace(&format!("\"{s}\""), &format!("\"{MASK}\""));
        if s.chars().count() >= 4 {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// `flume-ng validate …`: print the report, return the exit status. The arguments are the
/// agent's (same parser, same `flume-env.sh` handling), so a command line can be checked by
/// changing `agent` to `validate`.
pub fn main(args: &[String]) -> i32 {
    let parsed = match crate::cli::agent::parse_args(args) {
        Ok(p) => p,
        Err(error) => {
            eprintln!("Error: {error}");
            eprint!("{USAGE}");
            return 1;
        }
    };
    if parsed.help {
        print!("{USAGE}");
        return 0;
    }
    let Some(name) = parsed.name.clone() else {
        eprintln!("Error: Missing required option: n");
        eprint!("{USAGE}");
        return 1;
    };
    if parsed.conf_files.is_empty() {
        eprintln!("Error: No configuration file was provided (use --conf-file)");
        eprint!("{USAGE}");
        return 1;
    }
    let mut sysprops: HashMap<String, String> = HashMap::new();
    if let Some(dir) = &parsed.conf_dir {
        let env = crate::cli::agent::read_env_sh(dir);
        if let Some(fatal) = env.fatal {
            eprintln!("Error: {fatal}");
            return 1;
        }
        for w in &env.warnings {
            eprintln!("Warning: {w}");
        }
        sysprops.extend(env.sysprops);
    }
    sysprops.extend(parsed.sysprops.iter().cloned());
    // Java classes are resolved as the agent resolves them (a JVM starts if one is named).
    let env_sh = crate::jvm::settings::read_env_sh(parsed.conf_dir.as_deref());
    crate::jvm::configure(crate::cli::agent::java_settings(&parsed, &env_sh));
    let options = LoadOptions { sysprops };
    match validate_files(&parsed.conf_files, &name, &options, parsed.conf_dir.clone()) {
        Ok(report) => {
            for line in &report.lines {
                println!("{line}");
            }
            report.exit_code
        }
        Err(error) => {
            eprintln!("Error: {error}");
            1
        }
    }
}

/// Used by tests: the report of a configuration given as text.
pub fn validate_text(text: &str, file: &str, agent: &str, sysprops: &[(&str, &str)]) -> Report {
    let options = LoadOptions {
        sysprops: sysprops
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let env = Environment::from_options(&options);
    let parsed = match crate::config::properties::parse_bytes(text.as_bytes(), file) {
        Ok(p) => p,
        Err(e) => {
            return Report {
                lines: vec![format!("Error: {e}")],
                exit_code: 1,
            };
        }
    };
    let props = crate::config::merge(vec![parsed], &env);
    let cfg = validate::build_agent(agent, &props, &env);
    #[allow(clippy::needless_update)]
    let build_env = BuildEnv {
        agent: agent.to_string(),
        sysprops: options.sysprops.clone(),
        ..Default::default()
    };
    report(&cfg, &props, &build_env, &[PathBuf::from(file)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "a1.sources = r1\na1.channels = c1\na1.sinks = k1\n\
        a1.sources.r1.type = seq\na1.sources.r1.channels = c1\n\
        a1.channels.c1.type = memory\na1.sinks.k1.type = null\na1.sinks.k1.channel = c1\n";

    #[test]
    fn a_clean_configuration_exits_0() {
        let r = validate_text(OK, "agent.conf", "a1", &[]);
        assert_eq!(r.exit_code, 0, "{:#?}", r.lines);
        assert_eq!(
            r.lines,
            vec![
                "agent a1 runs: sources [r1], channels [c1], sinks [k1], sink groups []",
                "OK: Flume would run every component of agent a1"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_drops_are_located() {
        let text = format!(
            "{OK}a1.channels.c1.transactionCapactiy = 10\na1.sinks = k1 k2\na1.sinks.k2.channel = c1\n"
        );
        let r = validate_text(&text, "agent.conf", "a1", &[]);
        assert_eq!(r.exit_code, 1);
        let all = r.lines.join("\n");
        assert!(
            all.contains("agent.conf:9: unknown: a1.channels.c1.transactionCapactiy: no component reads this property; Flume ignores it (did you mean a1.channels.c1.transactionCapacity?)"),
            "{all}"
        );
        assert!(
            all.contains("agent.conf:11: dropped: a1.sinks.k2: Component has no type."),
            "{all}"
        );
    }

    #[test]
    fn secrets_are_masked() {
        let text = format!(
            "{OK}a1.sources.r1.keystorePassword = hunter2hunter2\na1.sources.r1.batchSize = hunter2hunter2\n"
        );
        let r = validate_text(&text, "agent.conf", "a1", &[]);
        let all = r.lines.join("\n");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains(MASK), "{all}");
    }

    #[test]
    fn mask_rules() {
        let secrets = vec!["longsecret".to_string(), "ab".to_string()];
        assert_eq!(
            mask("x \"ab\" y longsecret about", &secrets),
            format!("x \"{MASK}\" y {MASK} about")
        );
    }
}
