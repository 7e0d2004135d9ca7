//! `flume-ng file-channel dump`: prints the events a Java Flume file channel holds, in take
//! order, without changing anything (for operators who want to look before switching).
//!
//! One JSON object per line: `{"headers": {...}, "body": "..."}`; a body that is not UTF-8 is
//! given as `"bodyBase64"` instead of `"body"`.

use std::io::Write;
use std::path::PathBuf;

use base64::Engine;

use crate::channel::file::java::{EventSource, JavaLayout, replay};

pub const USAGE: &str =
    "usage: flume-ng file-channel dump --checkpointDir <dir> --dataDirs <dir>[,<dir>...]
  Prints the events queued in a Java Flume file channel (format v3), in the order a sink would
  take them, as JSON lines: {\"headers\": {...}, \"body\": \"...\"} (\"bodyBase64\" when the body
  is not UTF-8). Reads only; stop the Java agent first for a consistent picture.
";

pub fn main(args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some("dump") => dump(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            print!("{USAGE}");
            0
        }
        _ => {
            eprintln!("Error: expected a file-channel command (dump)");
            eprint!("{USAGE}");
            1
        }
    }
}

fn dump(args: &[String]) -> i32 {
    let mut checkpoint_dir: Option<PathBuf> = None;
    let mut data_dirs: Vec<PathBuf> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = match args[i].split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (args[i].as_str(), None),
        };
        let mut value = || -> Option<String> {
            if inline.is_some() {
                return inline.clone();
            }
            i += 1;
            args.get(i).cloned()
        };
        match opt {
            "--checkpointDir" | "--checkpoint-dir" => match value() {
                Some(v) => checkpoint_dir = Some(PathBuf::from(v)),
                None => return usage_error(&format!("{opt} needs a directory")),
            },
            "--dataDirs" | "--data-dirs" => match value() {
                Some(v) => data_dirs.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(PathBuf::from),
                ),
                None => return usage_error(&format!("{opt} needs directories")),
            },
            "-h" | "--help" => {
                print!("{USAGE}");
                return 0;
            }
            other => return usage_error(&format!("unknown option {other}")),
        }
        i += 1;
    }
    let Some(checkpoint_dir) = checkpoint_dir else {
        return usage_error("--checkpointDir is required");
    };
    if data_dirs.is_empty() {
        return usage_error("--dataDirs is required");
    }
    for d in std::iter::once(&checkpoint_dir).chain(&data_dirs) {
        if !d.is_dir() {
            eprintln!("Error: {} is not a directory", d.display());
            return 1;
        }
    }
    let layout = match JavaLayout::find(&checkpoint_dir, &data_dirs) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    if layout.logs.is_empty() {
        eprintln!(
            "Error: no Java Flume log files (log-N) in {}",
            data_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return 1;
    }
    let q = match replay(&layout) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    if let Some(why) = &q.checkpoint_problem {
        eprintln!(
            "Warning: the checkpoint is not usable ({why}); the logs were replayed from the start, as Java Flume would"
        );
    }
    for (path, offset, why) in &q.damaged {
        eprintln!(
            "Warning: {} ends in a damaged record at offset {offset} ({why}); what follows is not used",
            path.display()
        );
    }
    let src = match EventSource::open(&layout) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut n = 0u64;
    for p in &q.queue {
        let e = match src.get(*p) {
            Ok(e) => e,
            Err(e) => {
                let _ = out.flush();
                eprintln!("Error: {e}");
                return 1;
            }
        };
        let headers: serde_json::Map<String, serde_json::Value> = e
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut line = serde_json::Map::new();
        line.insert("headers".into(), serde_json::Value::Object(headers));
        match std::str::from_utf8(&e.body) {
            Ok(text) => line.insert("body".into(), text.into()),
            Err(_) => line.insert(
                "bodyBase64".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(&e.body)
                    .into(),
            ),
        };
        if writeln!(out, "{}", serde_json::Value::Object(line)).is_err() {
            // The reader went away (`| head`): not an error.
            return 0;
        }
        n += 1;
    }
    if out.flush().is_err() {
        return 0;
    }
    eprintln!(
        "{n} events ({}{})",
        if q.from_checkpoint {
            "checkpoint and log tail"
        } else {
            "full replay of the logs"
        },
        if q.restored_inflight_takes > 0 {
            format!(
                ", {} taken but uncommitted put back at the head",
                q.restored_inflight_takes
            )
        } else {
            String::new()
        }
    );
    0
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("Error: {msg}");
    eprint!("{USAGE}");
    1
}
