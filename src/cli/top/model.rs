//! What `flume-ng top` shows: a snapshot of an agent's counters (Flume's JSON from
//! `/metrics`, or our Prometheus text), rates from the deltas between two snapshots, and the
//! rows of the three tables.

use std::collections::BTreeMap;
use std::time::Duration;

/// `"SOURCE.r1"` → attribute → value, as Flume's JSON has them (every value a string).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub components: BTreeMap<String, BTreeMap<String, String>>,
}

impl Snapshot {
    /// Flume's JSON (`{"SOURCE.r1": {"EventReceivedCount": "3", …}, …}`) or the Prometheus
    /// text of `-Dflume.monitoring.type=prometheus`.
    pub fn parse(body: &str) -> Result<Snapshot, String> {
        let trimmed = body.trim_start();
        if trimmed.starts_with('{') {
            return Self::parse_json(trimmed);
        }
        Self::parse_prometheus(body)
    }

    fn parse_json(body: &str) -> Result<Snapshot, String> {
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|e| format!("the metrics are not JSON: {e}"))?;
        let root = value
            .as_object()
            .ok_or("the metrics JSON is not an object")?;
        let mut components = BTreeMap::new();
        for (component, attrs) in root {
            let Some(attrs) = attrs.as_object() else {
                continue;
            };
            let attrs = attrs
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect();
            components.insert(component.clone(), attrs);
        }
        Ok(Snapshot { components })
    }

    /// `flume_<kind>_<snake_attribute>{…,name="c1"} value`: the attribute's Flume name is the
    /// snake-case words capitalised (`event_received_count` → `EventReceivedCount`).
    fn parse_prometheus(body: &str) -> Result<Snapshot, String> {
        let mut components: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut lines = 0;
        for line in body.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(rest) = line.strip_prefix("flume_") else {
                continue;
            };
            let Some((metric, rest)) = rest.split_once('{') else {
                continue;
            };
            let Some((labels, value)) = rest.rsplit_once('}') else {
                continue;
            };
            let Some((kind, attr)) = metric.split_once('_') else {
                continue;
            };
            let Some(name) = label(labels, "name") else {
                continue;
            };
            let attr: String = attr
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            let value = match value.trim() {
                "+Inf" => "1.7976931348623157E308".to_string(),
                v => v.to_string(),
            };
            components
                .entry(format!("{}.{name}", kind.to_ascii_uppercase()))
                .or_default()
                .insert(attr, value);
            lines += 1;
        }
        if lines == 0 && !body.trim().is_empty() {
            return Err(
                "the metrics are neither Flume's JSON nor flume-rs' Prometheus text".into(),
            );
        }
        Ok(Snapshot { components })
    }

    fn of_kind<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a BTreeMap<String, String>)> + 'a {
        self.components.iter().filter_map(move |(key, attrs)| {
            let (k, name) = key.split_once('.')?;
            (k == kind).then_some((name, attrs))
        })
    }
}

/// A label's value in `a="x",name="c1"` (escapes undone).
fn label(labels: &str, key: &str) -> Option<String> {
    let mut rest = labels;
    while !rest.is_empty() {
        let (k, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => {}
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end?;
        if k.trim().trim_start_matches(',').trim() == key {
            return Some(value);
        }
        rest = after[end + 1..].trim_start_matches(',');
    }
    None
}

fn number(attrs: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    attrs.get(key).and_then(|v| v.trim().parse::<f64>().ok())
}

fn count(attrs: &BTreeMap<String, String>, key: &str) -> u64 {
    number(attrs, key).map_or(0, |v| v.max(0.0) as u64)
}

fn sum(attrs: &BTreeMap<String, String>, keys: &[&str]) -> u64 {
    keys.iter().map(|k| count(attrs, k)).sum()
}

/// Events per second of a counter between two snapshots. A counter that went down, or whose
/// component has a new `StartTime`, restarted (the agent reloaded): what it counts now was
/// counted since the restart. `None` on the first snapshot.
fn rate(
    previous: Option<&BTreeMap<String, String>>,
    current: &BTreeMap<String, String>,
    key: &str,
    elapsed: Duration,
) -> Option<f64> {
    let previous = previous?;
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return None;
    }
    let now = count(current, key);
    let before = count(previous, key);
    let restarted = previous.get("StartTime") != current.get("StartTime") || now < before;
    let delta = if restarted { now } else { now - before };
    Some(delta as f64 / secs)
}

/// One table: its title, column headers and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// The fill (0–100) of each row, for the channel table's bar.
    pub fills: Vec<Option<f64>>,
}

fn show_rate(r: Option<f64>) -> String {
    match r {
        None => "-".to_string(),
        Some(r) if r >= 100.0 => format!("{r:.0}"),
        Some(r) => format!("{r:.1}"),
    }
}

/// A text bar of `width` cells for a fill percentage: `[#####.....]`.
pub fn bar(fill: f64, width: usize) -> String {
    let filled = ((fill.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

/// How rows are ordered within each table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By component name.
    #[default]
    Name,
    /// Busiest first: by the table's first rate (received/s, put/s, out/s), then by name.
    Rate,
}

/// The three tables (sources, channels, sinks), rows ordered by `sort`. Rates are blank
/// (`-`) without a previous snapshot.
pub fn tables(
    current: &Snapshot,
    previous: Option<&Snapshot>,
    elapsed: Duration,
    sort: Sort,
) -> Vec<Table> {
    let mut out = unsorted(current, previous, elapsed);
    if sort == Sort::Rate {
        for t in &mut out {
            // The first rate column: 1 for sources and sinks, PUT/s for channels.
            let col = t
                .headers
                .iter()
                .position(|h| h.ends_with("/s"))
                .unwrap_or(1);
            let key = |row: &Vec<String>| row[col].parse::<f64>().unwrap_or(-1.0);
            let mut rows: Vec<(Vec<String>, Option<f64>)> =
                t.rows.drain(..).zip(t.fills.drain(..)).collect();
            rows.sort_by(|(a, _), (b, _)| key(b).total_cmp(&key(a)).then_with(|| a[0].cmp(&b[0])));
            (t.rows, t.fills) = rows.into_iter().unzip();
        }
    }
    out
}

fn unsorted(current: &Snapshot, previous: Option<&Snapshot>, elapsed: Duration) -> Vec<Table> {
    let prev =
        |kind: &str, name: &str| previous.and_then(|p| p.components.get(&format!("{kind}.{name}")));
    let mut sources = Table {
        title: "SOURCES",
        headers: vec![
            "NAME",
            "RECEIVED/s",
            "ACCEPTED/s",
            "RECEIVED",
            "ACCEPTED",
            "CONNECTIONS",
            "ERRORS",
        ],
        rows: Vec::new(),
        fills: Vec::new(),
    };
    for (name, a) in current.of_kind("SOURCE") {
        let p = prev("SOURCE", name);
        sources.rows.push(vec![
            name.to_string(),
            show_rate(rate(p, a, "EventReceivedCount", elapsed)),
            show_rate(rate(p, a, "EventAcceptedCount", elapsed)),
            count(a, "EventReceivedCount").to_string(),
            count(a, "EventAcceptedCount").to_string(),
            count(a, "OpenConnectionCount").to_string(),
            sum(
                a,
                &["ChannelWriteFail", "EventReadFail", "GenericProcessingFail"],
            )
            .to_string(),
        ]);
        sources.fills.push(None);
    }
    let mut channels = Table {
        title: "CHANNELS",
        headers: vec!["NAME", "FILL", "", "SIZE", "CAPACITY", "PUT/s", "TAKE/s"],
        rows: Vec::new(),
        fills: Vec::new(),
    };
    for (name, a) in current.of_kind("CHANNEL") {
        let p = prev("CHANNEL", name);
        let size = count(a, "ChannelSize");
        let capacity = count(a, "ChannelCapacity");
        // Kafka channels report no capacity (Flume's fill is then Double.MAX_VALUE).
        let fill = (capacity > 0).then(|| size as f64 * 100.0 / capacity as f64);
        channels.rows.push(vec![
            name.to_string(),
            fill.map_or_else(|| "n/a".to_string(), |f| format!("{f:.1}%")),
            fill.map_or_else(String::new, |f| bar(f, 20)),
            size.to_string(),
            capacity.to_string(),
            show_rate(rate(p, a, "EventPutSuccessCount", elapsed)),
            show_rate(rate(p, a, "EventTakeSuccessCount", elapsed)),
        ]);
        channels.fills.push(fill);
    }
    let mut sinks = Table {
        title: "SINKS",
        headers: vec!["NAME", "OUT/s", "DRAINED", "CONN FAILED", "ERRORS"],
        rows: Vec::new(),
        fills: Vec::new(),
    };
    for (name, a) in current.of_kind("SINK") {
        let p = prev("SINK", name);
        sinks.rows.push(vec![
            name.to_string(),
            show_rate(rate(p, a, "EventDrainSuccessCount", elapsed)),
            count(a, "EventDrainSuccessCount").to_string(),
            count(a, "ConnectionFailedCount").to_string(),
            sum(a, &["EventWriteFail", "ChannelReadFail"]).to_string(),
        ]);
        sinks.fills.push(None);
    }
    vec![sources, channels, sinks]
}

/// Plain text: the tables with columns padded, one line per row (names left-aligned, numbers
/// right-aligned).
pub fn plain(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        let mut widths: Vec<usize> = t.headers.iter().map(|h| h.len()).collect();
        for row in &t.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        out.push_str(t.title);
        out.push('\n');
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if widths[i] == 0 {
                    continue;
                }
                if i > 0 {
                    s.push_str("  ");
                }
                let pad = widths[i] - cell.chars().count();
                if i == 0 || cell.starts_with('[') {
                    s.push_str(cell);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(cell);
                }
            }
            s.trim_end().to_string()
        };
        let headers: Vec<String> = t.headers.iter().map(|h| h.to_string()).collect();
        out.push_str(&line(&headers));
        out.push('\n');
        if t.rows.is_empty() {
            out.push_str("(none)\n");
        }
        for row in &t.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(json: &str) -> Snapshot {
        Snapshot::parse(json).unwrap()
    }

    #[test]
    fn rates_come_from_deltas_and_survive_restarts() {
        let a = snap(
            r#"{"SOURCE.r1":{"EventReceivedCount":"100","EventAcceptedCount":"90","StartTime":"1"}}"#,
        );
        let b = snap(
            r#"{"SOURCE.r1":{"EventReceivedCount":"300","EventAcceptedCount":"290","StartTime":"1"}}"#,
        );
        let t = tables(&b, Some(&a), Duration::from_secs(2), Sort::Name);
        assert_eq!(t[0].rows[0][..5], ["r1", "100", "100", "300", "290"]);
        let t = tables(&b, None, Duration::from_secs(2), Sort::Name);
        assert_eq!(t[0].rows[0][1], "-");
        // A reload restarts the counters: the new values count from the restart.
        let c = snap(
            r#"{"SOURCE.r1":{"EventReceivedCount":"10","EventAcceptedCount":"10","StartTime":"5"}}"#,
        );
        let t = tables(&c, Some(&b), Duration::from_secs(1), Sort::Name);
        assert_eq!(t[0].rows[0][1], "10.0");
        // A new StartTime with a higher count is still a restart.
        let d = snap(
            r#"{"SOURCE.r1":{"EventReceivedCount":"400","EventAcceptedCount":"400","StartTime":"9"}}"#,
        );
        let t = tables(&d, Some(&b), Duration::from_secs(1), Sort::Name);
        assert_eq!(t[0].rows[0][1], "400");
    }

    #[test]
    fn prometheus_text_reads_as_flume_json() {
        let text = "# TYPE flume_channel_channel_size gauge\n\
            flume_channel_channel_size{agent=\"a1\",name=\"c1\"} 5\n\
            flume_channel_channel_capacity{agent=\"a1\",name=\"c1\"} 10\n\
            flume_channel_channel_fill_percentage{agent=\"a1\",name=\"c1\"} 50.0\n\
            flume_sink_event_drain_success_count{agent=\"a\\\"b\",name=\"k\\\\1\"} 3\n";
        let s = snap(text);
        assert_eq!(s.components["CHANNEL.c1"]["ChannelSize"], "5");
        assert_eq!(s.components["CHANNEL.c1"]["ChannelFillPercentage"], "50.0");
        assert_eq!(s.components["SINK.k\\1"]["EventDrainSuccessCount"], "3");
        let t = tables(&s, None, Duration::from_secs(1), Sort::Name);
        assert_eq!(
            t[1].rows[0][..5],
            ["c1", "50.0%", "[##########..........]", "5", "10"]
        );
        assert!(Snapshot::parse("<html>").is_err());
    }

    #[test]
    fn sorted_by_name_or_busiest_first() {
        let a = snap(
            r#"{"SOURCE.a":{"EventReceivedCount":"0"},"SOURCE.b":{"EventReceivedCount":"0"},"SOURCE.c":{"EventReceivedCount":"0"},
               "CHANNEL.x":{"EventPutSuccessCount":"0","ChannelSize":"1","ChannelCapacity":"10"},"CHANNEL.y":{"EventPutSuccessCount":"0","ChannelSize":"5","ChannelCapacity":"10"}}"#,
        );
        let b = snap(
            r#"{"SOURCE.a":{"EventReceivedCount":"1"},"SOURCE.b":{"EventReceivedCount":"9"},"SOURCE.c":{"EventReceivedCount":"1"},
               "CHANNEL.x":{"EventPutSuccessCount":"1","ChannelSize":"1","ChannelCapacity":"10"},"CHANNEL.y":{"EventPutSuccessCount":"2","ChannelSize":"5","ChannelCapacity":"10"}}"#,
        );
        let names = |t: &Table| t.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
        let t = tables(&b, Some(&a), Duration::from_secs(1), Sort::Name);
        assert_eq!(names(&t[0]), ["a", "b", "c"]);
        let t = tables(&b, Some(&a), Duration::from_secs(1), Sort::Rate);
        assert_eq!(names(&t[0]), ["b", "a", "c"]);
        assert_eq!(names(&t[1]), ["y", "x"]);
        assert_eq!(
            t[1].fills,
            [Some(50.0), Some(10.0)],
            "fills follow their rows"
        );
    }

    #[test]
    fn kafka_channel_without_capacity_has_no_fill() {
        let s = snap(
            r#"{"CHANNEL.k":{"ChannelSize":"0","ChannelCapacity":"0","ChannelFillPercentage":"1.7976931348623157E308"}}"#,
        );
        let t = tables(&s, None, Duration::from_secs(1), Sort::Name);
        assert_eq!(t[1].rows[0][1], "n/a");
        assert_eq!(t[1].fills[0], None);
    }

    #[test]
    fn plain_text_pads_columns() {
        let s = snap(
            r#"{"SINK.k1":{"EventDrainSuccessCount":"12345","ConnectionFailedCount":"2","EventWriteFail":"1","ChannelReadFail":"1"}}"#,
        );
        let text = plain(&tables(&s, None, Duration::from_secs(1), Sort::Name));
        assert!(text.contains("SINKS\nNAME  OUT/s  DRAINED  CONN FAILED  ERRORS\nk1        -    12345            2       2\n"), "{text}");
        assert!(text.contains("SOURCES\nNAME"), "{text}");
        assert!(text.contains("(none)"), "{text}");
    }
}
