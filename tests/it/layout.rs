//! The module layout as `docs/architecture.md` states it: among the top-level modules of
//! `src/` (a file `src/x.rs` or a folder `src/x/`) the imports form no cycle, and each module
//! imports only what the table "What each folder may import" allows. Imports are read from the
//! source text: every `crate::…` path (`use crate::a::b`, `use crate::{a, b::c}`, and paths in
//! code) outside comments and outside `#[cfg(test)]` code, which may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and `#[cfg(test)] mod x { … }` blocks, and the names of
/// the `#[cfg(test)] mod x;` files it declares.
fn production_code(text: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut code = String::new();
    let mut test_files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line == "#[cfg(test)]" && i + 1 < lines.len() {
            let next = lines[i + 1].trim();
            let decl = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            if let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) {
                test_files.push(name.trim().to_string());
                i += 2;
                continue;
            }
            if decl.starts_with("mod ") && decl.ends_with('{') {
                let mut depth = 0i32;
                let mut j = i + 1;
                while j < lines.len() {
                    depth += lines[j].matches('{').count() as i32;
                    depth -= lines[j].matches('}').count() as i32;
                    if depth <= 0 && lines[j].contains('}') {
                        break;
                    }
                    j += 1;
                }
                i = j + 1;
                continue;
            }
        }
        if !line.starts_with("//") {
            let without_comment = match lines[i].find("//") {
                // `//` inside a string (a URL) is rare in paths; cutting there only loses text.
                Some(at) => &lines[i][..at],
                None => lines[i],
            };
            code.push_str(without_comment);
        }
        code.push('\n');
        i += 1;
    }
    (code, test_files)
}

/// The top-level module names a piece of code refers to with `crate::`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        // `$crate::` in macros and `flume_rs_crate::` are not ours.
        let before = rest[..at].chars().last();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            if let Some(group) = after.strip_prefix('{') {
                // Nested groups (`{a::{b, c}, d}`) only add paths below the first name.
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.insert(ident(item.trim()));
                            item.clear();
                        }
                        _ if depth == 0 => item.push(c),
                        _ => {}
                    }
                }
                out.insert(ident(item.trim()));
            } else {
                out.insert(ident(after));
            }
        }
        rest = &rest[at + "crate::".len()..];
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// Top-level module → modules it imports → the files that do.
fn import_graph() -> Graph {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut test_only: BTreeSet<PathBuf> = BTreeSet::new();
    let mut parsed = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (code, tests) = production_code(&text);
        // `mod x;` in `a/mod.rs` (or `lib.rs`) is `a/x.rs`; in `a/b.rs` it is `a/b/x.rs`.
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let dir = if name == "mod.rs" || name == "lib.rs" || name == "main.rs" {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        for t in tests {
            test_only.insert(dir.join(format!("{t}.rs")));
            test_only.insert(dir.join(&t).join("mod.rs"));
        }
        parsed.push((file.clone(), code));
    }
    let mut graph = Graph::new();
    for (file, code) in parsed {
        if test_only
            .iter()
            .any(|t| file.starts_with(t.with_extension("")) || &file == t)
        {
            continue;
        }
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let node = graph.entry(top.clone()).or_default();
        for target in crate_references(&code) {
            if target != top {
                node.entry(target)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    graph
}

/// Groups of modules that import each other (strongly connected components larger than one).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|e| e.keys()))
        .collect();
    let reaches = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in graph.get(&n).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        let group: Vec<String> = nodes
            .iter()
            .filter(|m| reach[*n].contains(**m) && reach[**m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        if group.len() > 1 && !out.contains(&group) {
            out.push(group);
        }
    }
    out
}

/// The table of `docs/architecture.md`: module → the modules it may import.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let section = text
        .split("## What each folder may import")
        .nth(1)
        .expect("docs/architecture.md has a section \"What each folder may import\"");
    let names = |cell: &str| -> BTreeSet<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(|n| n.trim_end_matches('/').trim_end_matches(".rs").to_string())
            .collect()
    };
    let mut out = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').collect();
        if cells.len() < 4 || cells[1].contains("---") || !cells[1].contains('`') {
            continue;
        }
        for module in names(cells[1]) {
            out.insert(module, names(cells[cells.len() - 2]));
        }
    }
    out
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = import_graph();
    for must in [
        "config", "registry", "source", "sink", "channel", "topology", "cli",
    ] {
        assert!(graph.contains_key(must), "{must} not found: {graph:?}");
    }
    let found = cycles(&graph);
    let explain: Vec<String> = found
        .iter()
        .map(|group| {
            let edges: Vec<String> = group
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|(b, _)| group.contains(b))
                        .map(move |(b, files)| {
                            format!(
                                "  {a} → {b} ({})",
                                files.iter().cloned().collect::<Vec<_>>().join(", ")
                            )
                        })
                })
                .collect();
            format!("{}:\n{}", group.join(" ⇄ "), edges.join("\n"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "import cycles among top-level modules:\n{}",
        explain.join("\n")
    );
}

#[test]
fn top_level_modules_import_only_what_the_architecture_table_allows() {
    let graph = import_graph();
    let allowed = allowed();
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        let Some(may) = allowed.get(module) else {
            wrong.push(format!(
                "{module}: not in docs/architecture.md's table \"What each folder may import\" (add a row)"
            ));
            continue;
        };
        for (target, files) in imports {
            if !may.contains(target) {
                wrong.push(format!(
                    "{module} imports {target} ({}), which the table does not allow",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The check itself: an import from configuration back to a component kind is caught.
#[test]
fn a_config_to_source_import_is_caught() {
    let mut graph = import_graph();
    assert!(cycles(&graph).is_empty());
    graph
        .entry("config".into())
        .or_default()
        .entry("source".into())
        .or_default()
        .insert("src/config/validate.rs".into());
    let found = cycles(&graph);
    assert!(
        found
            .iter()
            .any(|g| g.contains(&"config".to_string()) && g.contains(&"source".to_string())),
        "{found:?}"
    );
    assert!(!allowed()["config"].contains("source"));
}

#[test]
fn references_are_read_from_code_not_comments_or_tests() {
    let (code, tests) = production_code(
        "use crate::{a, b::{c, d}, e::f};\n// crate::g\nfn x() { crate::h::y(); } // crate::i\n\
         #[cfg(test)]\nmod vectors;\n#[cfg(test)]\nmod tests {\n    use crate::j;\n}\n",
    );
    assert_eq!(
        crate_references(&code),
        ["a", "b", "e", "h"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(tests, vec!["vectors".to_string()]);
}
