//! `flume-ng top`: a live view of a running agent's counters, read from its monitoring port
//! (`GET /metrics`: Flume's JSON, as Java Flume's `HTTPMetricsServer` serves it, or our
//! Prometheus text). A full-screen table on a terminal (ratatui); plain text blocks otherwise.

pub mod model;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use model::{Snapshot, Table};

pub const USAGE: &str = "usage: flume-ng top [--host <host>] [--port <port>] [options]
       flume-ng top --name <agent> [--conf-file <file>] [--conf <dir>] [-D<property>=<value>]
 -H,--host <host>          the agent's host (default 127.0.0.1)
 -p,--port <port>          its monitoring port (default: found as below, else 41414)
 -n,--name <agent>         find the port of this agent: the -Dflume.monitoring.port of a
                           running `flume-ng agent`/Java Flume process with this name (and
                           --conf-file, when given), else the one --conf's flume-env.sh and
                           -D options give (the command line wins, as for the agent)
 -f,--conf-file <file>     the agent's configuration file (picks the process)
 -c,--conf <dir>           the agent's configuration directory (flume-env.sh)
 -D<property>=<value>      the agent's -D options (flume.monitoring.port)
 -i,--interval <secs>      seconds between refreshes (default 1)
 -s,--sort name|rate       order of the rows in each table: by name (default) or busiest
                           first (received/s, put/s, out/s)
    --once                 print one block (rates over one interval) and exit
 -h,--help                 display help text
Keys: q, Esc or Ctrl-C quit; s switches the sort. When standard output is not a terminal, one block of plain
lines is printed per refresh.";

#[derive(Debug, Default, Clone, PartialEq)]
pub struct TopArgs {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub name: Option<String>,
    pub conf_file: Option<PathBuf>,
    pub conf_dir: Option<PathBuf>,
    pub sysprops: Vec<(String, String)>,
    pub interval: Option<Duration>,
    pub sort: model::Sort,
    pub once: bool,
    pub help: bool,
}

pub fn parse_args(args: &[String]) -> Result<TopArgs, String> {
    let mut out = TopArgs::default();
    let mut i = 0;
    while i < args.len() {
        let raw = args[i].as_str();
        let (opt, inline) = match raw.split_once('=') {
            Some((o, v)) if raw.starts_with("--") => (o, Some(v.to_string())),
            _ => (raw, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("Missing argument for option: {opt}"))
        };
        match opt {
            "-H" | "--host" => out.host = Some(value()?),
            "-p" | "--port" => {
                let v = value()?;
                out.port = Some(
                    v.trim()
                        .parse()
                        .map_err(|_| format!("--port {v}: expected a port number"))?,
                );
            }
            "-n" | "--name" => out.name = Some(value()?),
            "-f" | "--conf-file" => out.conf_file = Some(PathBuf::from(value()?)),
            "-c" | "--conf" => out.conf_dir = Some(PathBuf::from(value()?)),
            "-i" | "--interval" => {
                let v = value()?;
                let secs: f64 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.1 && *s <= 3600.0)
                    .ok_or_else(|| format!("--interval {v}: expected seconds (0.1 to 3600)"))?;
                out.interval = Some(Duration::from_secs_f64(secs));
            }
            "-s" | "--sort" => {
                out.sort = match value()?.as_str() {
                    "name" => model::Sort::Name,
                    "rate" => model::Sort::Rate,
                    other => return Err(format!("--sort {other}: expected name or rate")),
                }
            }
            "--once" => out.once = true,
            "-h" | "--help" => out.help = true,
            _ if raw.starts_with("-D") => {
                let kv = if raw.len() > 2 {
                    raw[2..].to_string()
                } else {
                    value()?
                };
                let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                out.sysprops.push((k.to_string(), v.to_string()));
            }
            _ => return Err(format!("Unrecognized option: {raw}")),
        }
        i += 1;
    }
    Ok(out)
}

/// Where `top` connects, and how that was decided (shown in the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub origin: String,
}

/// The port and where it came from: `--port`; else, with `--name`, a running agent process
/// (its -D options, after its flume-env.sh); else `--conf`'s flume-env.sh and the -D options
/// given to `top` (the command line wins); else 41414.
pub fn resolve_target(args: &TopArgs) -> Target {
    let host = args.host.clone().unwrap_or_else(|| "127.0.0.1".to_string());
    let default = crate::metrics::http::DEFAULT_PORT;
    if let Some(port) = args.port {
        return Target {
            host,
            port,
            origin: "--port".into(),
        };
    }
    if let Some(name) = &args.name
        && let Some((pid, props)) = find_agent_process(name, args.conf_file.as_deref())
    {
        let (port, mut origin) = match monitoring_port(&props) {
            Some(p) => (p, format!("-Dflume.monitoring.port of process {pid}")),
            None => (
                default,
                format!("process {pid} has no -Dflume.monitoring.port: the default"),
            ),
        };
        if !props.iter().any(|(k, _)| k == "flume.monitoring.type") {
            origin.push_str(", but it has no -Dflume.monitoring.type: no monitoring server");
        }
        return Target { host, port, origin };
    }
    let mut props = Vec::new();
    if let Some(dir) = &args.conf_dir {
        props.extend(super::agent::read_env_sh(dir).sysprops);
    }
    let from_env = monitoring_port(&props).is_some();
    props.extend(args.sysprops.iter().cloned());
    match monitoring_port(&props) {
        Some(port) => {
            let given = args
                .sysprops
                .iter()
                .any(|(k, _)| k == "flume.monitoring.port");
            let origin = if given || !from_env {
                "-Dflume.monitoring.port".to_string()
            } else {
                "flume.monitoring.port in flume-env.sh".to_string()
            };
            Target { host, port, origin }
        }
        None => Target {
            host,
            port: default,
            origin: "the default port".into(),
        },
    }
}

/// The last `flume.monitoring.port` (later options win, as in the JVM and our agent).
fn monitoring_port(props: &[(String, String)]) -> Option<u16> {
    props
        .iter()
        .rev()
        .find(|(k, _)| k == "flume.monitoring.port")
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// A running agent named `name` (and reading `conf_file`, when given): a `flume-ng agent`
/// process of ours, whose properties are its `--conf` flume-env.sh then its -D options, or a
/// Java Flume (`org.apache.flume.node.Application`), whose -D options are on its command line.
fn find_agent_process(
    name: &str,
    conf_file: Option<&Path>,
) -> Option<(u32, Vec<(String, String)>)> {
    let want_file = conf_file.map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf()));
    let mut found: Vec<(u32, Vec<(String, String)>)> = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let words: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
        let (before, agent_args, ours) = if let Some(at) = words
            .iter()
            .position(|w| w == "org.apache.flume.node.Application")
        {
            (&words[..at], &words[at + 1..], false)
        } else if words.len() > 1
            && matches!(words[1].as_str(), "agent" | "node")
            && Path::new(&words[0])
                .file_name()
                .is_some_and(|f| f == "flume-ng")
        {
            (&words[..0], &words[2..], true)
        } else {
            continue;
        };
        let Ok(parsed) = super::agent::parse_args(agent_args) else {
            continue;
        };
        if parsed.name.as_deref() != Some(name) {
            continue;
        }
        if let Some(want) = &want_file {
            let matches = parsed.conf_files.iter().any(|f| {
                let f = cwd.join(f);
                std::fs::canonicalize(&f).unwrap_or(f) == *want
            });
            if !matches {
                continue;
            }
        }
        let mut props = Vec::new();
        if ours {
            if let Some(dir) = &parsed.conf_dir {
                props.extend(super::agent::read_env_sh(&cwd.join(dir)).sysprops);
            }
        } else {
            props.extend(before.iter().filter_map(|w| {
                let kv = w.strip_prefix("-D")?;
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                Some((k.to_string(), v.to_string()))
            }));
        }
        props.extend(parsed.sysprops);
        found.push((pid, props));
    }
    // The launcher script of a Java agent is a process too; the newest process wins.
    found.into_iter().max_by_key(|(pid, _)| *pid)
}

/// One poll: the body of `GET /metrics`, within `timeout`.
async fn fetch(target: &Target, timeout: Duration) -> Result<Snapshot, String> {
    use http_body_util::BodyExt;
    let work = async {
        let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let request = hyper::Request::get("/metrics")
            .header(
                hyper::header::HOST,
                format!("{}:{}", target.host, target.port),
            )
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if !status.is_success() {
            return Err(format!("GET /metrics answered {status}"));
        }
        Snapshot::parse(&String::from_utf8_lossy(&body))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs_f64())),
    }
}

/// What the screen shows after each poll.
struct View {
    target: Target,
    sort: model::Sort,
    /// The last answer, kept to re-sort without waiting for the next poll.
    rates: Option<(Snapshot, Option<Snapshot>, Duration)>,
    previous: Option<(Snapshot, Instant)>,
    /// The last error, while the agent cannot be read.
    unreachable: Option<String>,
    tables: Vec<Table>,
    updated: String,
}

impl View {
    fn new(target: Target, sort: model::Sort) -> Self {
        View {
            target,
            sort,
            rates: None,
            previous: None,
            unreachable: None,
            tables: model::tables(&Snapshot::default(), None, Duration::ZERO, sort),
            updated: String::new(),
        }
    }

    fn update(&mut self, polled: Result<Snapshot, String>) {
        let now = Instant::now();
        self.updated = chrono::Local::now().format("%H:%M:%S").to_string();
        match polled {
            Ok(snapshot) => {
                let previous = self.previous.take();
                let elapsed = previous
                    .as_ref()
                    .map_or(Duration::ZERO, |(_, at)| now - *at);
                self.rates = Some((snapshot.clone(), previous.map(|(s, _)| s), elapsed));
                self.previous = Some((snapshot, now));
                self.unreachable = None;
                self.retable();
            }
            Err(error) => {
                // Rates restart from the next answer; the last totals stay on screen.
                self.unreachable = Some(error);
                self.previous = None;
            }
        }
    }

    fn retable(&mut self) {
        if let Some((current, previous, elapsed)) = &self.rates {
            self.tables = model::tables(current, previous.as_ref(), *elapsed, self.sort);
        }
    }

    fn toggle_sort(&mut self) {
        self.sort = match self.sort {
            model::Sort::Name => model::Sort::Rate,
            model::Sort::Rate => model::Sort::Name,
        };
        self.retable();
    }

    fn header(&self) -> String {
        let t = &self.target;
        let state = match &self.unreachable {
            None => "ok".to_string(),
            Some(e) => format!("unreachable ({e}); retrying"),
        };
        format!(
            "flume-ng top  {}:{} ({})  {}  {state}",
            t.host, t.port, t.origin, self.updated
        )
    }

    fn plain(&self) -> String {
        format!("{}\n{}", self.header(), model::plain(&self.tables))
    }
}

pub fn main(args: &[String]) -> i32 {
    let parsed = match parse_args(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: {e}\n{USAGE}");
            return 1;
        }
    };
    if parsed.help {
        println!("{USAGE}");
        return 0;
    }
    let target = resolve_target(&parsed);
    let interval = parsed.interval.unwrap_or(Duration::from_secs(1));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return 1;
        }
    };
    let timeout = interval.max(Duration::from_secs(1));
    let mut view = View::new(target.clone(), parsed.sort);
    let poll = |view: &mut View| view.update(runtime.block_on(fetch(&target, timeout)));

    if parsed.once {
        poll(&mut view);
        if view.unreachable.is_none() {
            std::thread::sleep(interval);
            poll(&mut view);
        }
        print!("{}", view.plain());
        return if view.unreachable.is_some() { 1 } else { 0 };
    }
    if !std::io::stdout().is_terminal() {
        // One block per refresh, separated by a blank line, until killed.
        let mut out = std::io::stdout();
        loop {
            let started = Instant::now();
            poll(&mut view);
            if writeln!(out, "{}", view.plain())
                .and_then(|_| out.flush())
                .is_err()
            {
                return 0;
            }
            std::thread::sleep(interval.saturating_sub(started.elapsed()));
        }
    }
    match tui::run(&mut view, interval, poll) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: terminal: {e}");
            1
        }
    }
}

mod tui {
    use std::time::{Duration, Instant};

    use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    use ratatui::layout::{Constraint, Layout};
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Line;
    use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

    use super::View;

    pub fn run(
        view: &mut View,
        interval: Duration,
        poll: impl Fn(&mut View),
    ) -> std::io::Result<()> {
        let mut terminal = ratatui::try_init()?;
        let result = (|| {
            loop {
                poll(view);
                terminal.draw(|frame| draw(frame, view))?;
                let deadline = Instant::now() + interval;
                loop {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    if !event::poll(left)? {
                        break;
                    }
                    match event::read()? {
                        Event::Key(key) if key.kind != KeyEventKind::Release => {
                            let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL)
                                && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'));
                            if ctrl_c
                                || matches!(
                                    key.code,
                                    KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc
                                )
                            {
                                return Ok(());
                            }
                            if matches!(key.code, KeyCode::Char('s') | KeyCode::Char('S')) {
                                view.toggle_sort();
                                terminal.draw(|frame| draw(frame, view))?;
                            }
                        }
                        Event::Resize(..) => {
                            terminal.draw(|frame| draw(frame, view))?;
                        }
                        _ => {}
                    }
                }
            }
        })();
        ratatui::try_restore()?;
        result
    }

    fn draw(frame: &mut ratatui::Frame, view: &View) {
        let heights: Vec<Constraint> = std::iter::once(Constraint::Length(1))
            .chain(
                view.tables
                    .iter()
                    .map(|t| Constraint::Length(t.rows.len().max(1) as u16 + 3)),
            )
            .chain(std::iter::once(Constraint::Min(0)))
            .collect();
        let areas = Layout::vertical(heights).split(frame.area());
        let header_style = if view.unreachable.is_some() {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(
                    "{}   (q: quit, s: sort by {})",
                    view.header(),
                    match view.sort {
                        super::model::Sort::Name => "rate",
                        super::model::Sort::Rate => "name",
                    }
                ),
                header_style,
            )),
            areas[0],
        );
        for (i, t) in view.tables.iter().enumerate() {
            let widths: Vec<Constraint> = t
                .headers
                .iter()
                .enumerate()
                .map(|(c, h)| {
                    let w = t
                        .rows
                        .iter()
                        .map(|r| r[c].chars().count())
                        .chain(std::iter::once(h.len()))
                        .max()
                        .unwrap_or(0);
                    Constraint::Length(w as u16)
                })
                .collect();
            let rows = t.rows.iter().zip(&t.fills).map(|(r, fill)| {
                Row::new(r.iter().enumerate().map(|(c, cell)| {
                    let mut cell_style = Style::new();
                    if c == 2
                        && let Some(f) = fill
                    {
                        cell_style = cell_style.fg(if *f > 90.0 {
                            Color::Red
                        } else if *f > 50.0 {
                            Color::Yellow
                        } else {
                            Color::Green
                        });
                    }
                    let text = if c == 0 || cell.starts_with('[') || cell.is_empty() {
                        Line::from(cell.as_str())
                    } else {
                        Line::from(cell.as_str()).right_aligned()
                    };
                    Cell::from(text).style(cell_style)
                }))
            });
            let rows: Vec<Row> = if t.rows.is_empty() {
                vec![Row::new(vec![Cell::from("(none)")])]
            } else {
                rows.collect()
            };
            let table = Table::new(rows, widths)
                .header(
                    Row::new(t.headers.iter().map(|h| Cell::from(*h)))
                        .style(Style::new().add_modifier(Modifier::BOLD)),
                )
                .column_spacing(2)
                .block(Block::bordered().title(t.title));
            frame.render_widget(table, areas[i + 1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options() {
        let a = parse_args(&args(
            "--host h --port=9 -n a1 -f x.conf -c conf -Dflume.monitoring.port=7 -i 0.5 --once",
        ))
        .unwrap();
        assert_eq!(a.host.as_deref(), Some("h"));
        assert_eq!(a.port, Some(9));
        assert_eq!(a.name.as_deref(), Some("a1"));
        assert_eq!(a.interval, Some(Duration::from_millis(500)));
        assert!(a.once);
        assert_eq!(
            a.sysprops,
            [("flume.monitoring.port".to_string(), "7".to_string())]
        );
        assert!(
            parse_args(&args("--port x"))
                .unwrap_err()
                .contains("port number")
        );
        assert!(
            parse_args(&args("--bogus"))
                .unwrap_err()
                .contains("Unrecognized")
        );
        assert!(parse_args(&args("-i 0")).is_err());
    }

    #[test]
    fn port_from_env_sh_and_command_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flume-env.sh"),
            "JAVA_OPTS=\"-Dflume.monitoring.type=http -Dflume.monitoring.port=34545\"\n",
        )
        .unwrap();
        let mut a = TopArgs {
            conf_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let t = resolve_target(&a);
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 34545));
        assert_eq!(t.origin, "flume.monitoring.port in flume-env.sh");
        // As for the agent, the command line wins over flume-env.sh.
        a.sysprops = vec![("flume.monitoring.port".into(), "41000".into())];
        assert_eq!(resolve_target(&a).port, 41000);
        a.port = Some(5);
        assert_eq!(resolve_target(&a).port, 5);
        assert_eq!(resolve_target(&TopArgs::default()).port, 41414);
    }
}
