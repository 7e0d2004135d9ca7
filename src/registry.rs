//! Type resolution shared by every component kind: Flume's aliases (case-insensitive) and the
//! fully qualified class names of the built-in types (also case-insensitive, as Flume's
//! validation accepts them).

/// The alias of `type_name` in `table` (`(alias, FQCN)` rows), if it names a built-in type.
pub fn resolve(type_name: &str, table: &[(&'static str, &'static str)]) -> Option<&'static str> {
    let t = type_name.trim();
    table
        .iter()
        .find(|(alias, fqcn)| {
            alias.eq_ignore_ascii_case(t)
                || fqcn.eq_ignore_ascii_case(t)
                || fqcn.trim_end_matches("$Builder").eq_ignore_ascii_case(t)
        })
        .map(|(alias, _)| *alias)
}

/// The closest built-in type to an unknown one, for the error message.
pub fn closest(type_name: &str, table: &[(&'static str, &'static str)]) -> Option<&'static str> {
    let simple = type_name
        .rsplit('.')
        .next()
        .unwrap_or(type_name)
        .trim_end_matches("$Builder")
        .to_ascii_lowercase();
    let mut best: Option<(f64, &'static str)> = None;
    for (alias, fqcn) in table {
        let class = fqcn
            .rsplit('.')
            .next()
            .unwrap_or(fqcn)
            .trim_end_matches("$Builder")
            .to_ascii_lowercase();
        let score = strsim::jaro_winkler(&simple, &class).max(strsim::jaro_winkler(&simple, alias));
        let score = if simple.contains(alias.trim_end_matches('_')) || class.contains(&simple) {
            score.max(0.9)
        } else {
            score
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, alias));
        }
    }
    best.filter(|(s, _)| *s >= 0.6).map(|(_, a)| a)
}

pub fn unknown_type_message(
    kind: &str,
    type_name: &str,
    table: &[(&'static str, &'static str)],
) -> String {
    let mut msg = if type_name.contains('.') {
        format!("cannot load {kind} class {type_name}: custom Java classes cannot run in flume-rs")
    } else {
        format!("unknown {kind} type \"{type_name}\"")
    };
    if let Some(alias) = closest(type_name, table) {
        msg.push_str(&format!("; the closest built-in type is \"{alias}\""));
    }
    let names: Vec<&str> = table.iter().map(|(a, _)| *a).collect();
    msg.push_str(&format!(" (built-in types: {})", names.join(", ")));
    msg
}
