//! The property reference (`docs/properties.md`), generated from the registry rows and the
//! property tables: one section per component type with every key, its legacy names, type,
//! default, description and status. `flume-ng properties-doc` prints it; a test keeps the
//! checked-in file current.

use std::fmt::Write;

use super::keys;
use crate::registry::{self, Kind, Prefix, Prop, PropTable, Status, Sub, TableLookup};

/// The whole reference page.
pub fn properties_markdown(lookup: TableLookup) -> String {
    let mut out = String::new();
    out.push_str(
        "# Property reference\n\n\
         Every key each component type of flume-rs reads: its name, the older names Flume still \
         reads, its type, Flume's default and what it does. Keys marked *no effect* are accepted \
         (as Flume accepts them) but change nothing here, for the reason given; `flume-ng \
         validate` and the agent's start-up log list them when they are set. A key that no table \
         declares is reported as unknown, with the closest declared key.\n\n\
         This page is generated from the property tables in the source (`pub const PROPS` next \
         to each component's configuration); do not edit it by hand. Regenerate it with \
         `flume-ng properties-doc > docs/properties.md` (or `FLUME_RS_WRITE_PROPERTIES_DOC=1 \
         cargo test --lib properties_reference`).\n\n",
    );
    out.push_str("## Keys of every component of a kind\n\n");
    for (title, table) in [
        ("Every source", &keys::SOURCE_COMMON),
        ("Every sink", &keys::SINK_COMMON),
        ("Every channel", &keys::CHANNEL_COMMON),
        ("Every sink group", &keys::GROUP_COMMON),
    ] {
        let _ = writeln!(out, "### {title}\n");
        table_markdown(&mut out, table);
    }
    for kind in Kind::ALL {
        let _ = writeln!(out, "## {}\n", kind_title(kind));
        for row in registry::rows(kind).filter(|r| r.native) {
            // Every native type has a table (`topology::tests::every_native_type_has_a_property_table`).
            let Some(table) = lookup(kind, row.name()) else {
                continue;
            };
            let _ = writeln!(out, "### {}\n", row.name());
            let _ = writeln!(out, "`{}`: {}\n", row.class(), row.doc);
            table_markdown(&mut out, table);
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn kind_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Source => "Sources",
        Kind::Channel => "Channels",
        Kind::Sink => "Sinks",
        Kind::SinkProcessor => "Sink processors",
        Kind::Selector => "Channel selectors",
        Kind::Interceptor => "Interceptors",
        Kind::Serializer => "Event serializers",
        Kind::Deserializer => "Event deserializers (spooldir)",
        Kind::HttpHandler => "HTTP source handlers",
        Kind::ConfigFilter => "Config filters",
    }
}

/// One more section of the page: a `## title`, a paragraph, and the keys of `table` (tables
/// that belong to no component kind, such as the `avro-client -P` file).
pub fn extra_section(title: &str, intro: &str, table: &PropTable) -> String {
    let mut out = format!("\n## {title}\n\n{intro}\n\n");
    table_markdown(&mut out, table);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn table_markdown(out: &mut String, table: &PropTable) {
    let props = table.all();
    let prefixes = table.all_prefixes();
    if props.is_empty() && prefixes.is_empty() {
        out.push_str("No keys.\n\n");
        return;
    }
    out.push_str("| key | legacy names | type | default | description | status |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for p in props {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            p.name,
            p.legacy
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(" "),
            cell(&p.ty.describe()),
            default_cell(p),
            cell(p.doc),
            status_cell(p.status)
        );
    }
    for prefix in prefixes {
        let _ = writeln!(
            out,
            "| `{}*` | | {} | | {} | {} |",
            prefix.prefix,
            prefix_kind(prefix),
            cell(prefix.doc),
            status_cell(prefix.status)
        );
    }
    out.push('\n');
}

fn status_cell(status: Status) -> String {
    match status {
        Status::Applied => String::new(),
        Status::NoEffect(why) => format!("no effect: {}", cell(why)),
    }
}

fn default_cell(p: &Prop) -> String {
    let d = cell(&p.default.describe());
    match (p.required, d.is_empty()) {
        (true, true) => "required".into(),
        (true, false) => format!("required; {d}"),
        (false, _) => d,
    }
}

fn prefix_kind(prefix: &Prefix) -> String {
    match prefix.sub {
        Sub::PassThrough => "passed on".into(),
        Sub::UserNamed => "user-named".into(),
        Sub::ByBuild => "checked when built".into(),
        Sub::Table(_) => "keys".into(),
        Sub::Typed { kind, .. } => format!("{kind} keys"),
        Sub::Named { kind, .. } => format!("{kind} keys"),
    }
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('\n', " ")
        .replace(" \\| ", "\u{1}")
        .replace('|', "\\|")
        .replace('\u{1}', " \\| ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_are_escaped_once() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(cell("a \\| b|c"), "a \\| b\\|c");
    }
}
