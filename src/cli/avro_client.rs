//! `flume-ng avro-client` (Flume's `AvroCLIClient`, reference §1.7): sends the lines of a file
//! (or of standard input) to an avro source, `appendBatch` by `appendBatch`, in batches of 5
//! (or the `batch-size` of an `--rpcProps` file).
//!
//! Lines are split as `BufferedReader.readLine` splits them (`\n`, `\r`, `\r\n`; a last line
//! without terminator counts; the terminators are dropped), and every event carries the
//! headers of `--headerFile` (a Java properties file). As in Flume, a failure is logged and the
//! command still exits with status 0.
//!
//! `--dirname` sends every file of a spooling directory (oldest first, hidden files and
//! `*.COMPLETED` skipped), with the LINE deserializer's rules (`\n` only, lines cut at 2048
//! characters), and renames each file to `<name>.COMPLETED` once all its events were accepted.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::avro_rpc::client::{RpcClient, RpcClientConfig, RpcClientError};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};

/// Events per `appendBatch` of the default client (`AvroCLIClient.BATCH_SIZE`).
pub const BATCH_SIZE: usize = 5;
/// The spooling reader's LINE deserializer default `maxLineLength`.
const SPOOL_MAX_LINE_LENGTH: usize = 2048;
const COMPLETED_SUFFIX: &str = ".COMPLETED";

#[derive(Debug, thiserror::Error)]
pub enum AvroClientError {
    #[error("Unable to parse command line options - {0}")]
    Usage(String),
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Unable to open connection to Flume. {0}")]
    Connect(RpcClientError),
    #[error("Unable to deliver events to Flume. {0}")]
    Deliver(RpcClientError),
    #[error("{0}")]
    Spool(String),
}

/// The command line, as `AvroCLIClient.parseCommandLine` reads it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Args {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub filename: Option<PathBuf>,
    pub dirname: Option<PathBuf>,
    pub header_file: Option<PathBuf>,
    pub rpc_props: Option<PathBuf>,
    pub help: bool,
    /// `-D` system properties given to the launcher (for SSL settings).
    pub sysprops: Vec<(String, String)>,
}

pub const USAGE: &str = "usage: flume-ng avro-client [--dirname <arg>] [-F <arg>] [-H <arg>] [-h] [-p <arg>] [-P <arg>] [-R <arg>]
    --dirname <arg>        Directory to stream to avro source
 -F,--filename <arg>       Text file to stream to avro source [default: std input]
 -H,--host <arg>           hostname of the avro source
 -h,--help                 display help text
 -p,--port <arg>           port of the avro source
 -P,--rpcProps <arg>       RPC client properties file with server connection params
 -R,--headerFile <arg>     Headers file to be sent along with events.
The --dirname option assumes that a spooling directory exists where immutable log files are dropped.";

impl Args {
    pub fn parse(argv: &[String]) -> Result<Args, AvroClientError> {
        let mut args = Args::default();
        let mut i = 0;
        let usage = |m: String| AvroClientError::Usage(m);
        while i < argv.len() {
            let a = argv[i].as_str();
            // `--opt=value` and `-Xvalue` forms, as commons-cli accepts them.
            let (opt, inline) = match a.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (a, None),
            };
            let known_short = ["-H", "-p", "-F", "-R", "-P", "-c", "-C"];
            let (opt, inline) = match known_short
                .iter()
                .find(|s| opt.starts_with(*s) && opt.len() > 2 && !opt.starts_with("--"))
            {
                Some(s) if inline.is_none() => (*s, Some(opt[s.len()..].to_string())),
                _ => (opt, inline),
            };
            let mut value = |name: &str| -> Result<String, AvroClientError> {
                if let Some(v) = inline.clone() {
                    return Ok(v);
                }
                i += 1;
                argv.get(i)
                    .cloned()
                    .ok_or_else(|| usage(format!("Missing argument for option: {name}")))
            };
            match opt {
                "-H" | "--host" => args.host = Some(value("H")?),
                "-p" | "--port" => {
                    let v = value("p")?;
                    let port = crate::java::parse_int(&v)
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or_else(|| usage(format!("For input string: \"{v}\"")))?;
                    args.port = Some(port);
                }
                "-F" | "--filename" => args.filename = Some(PathBuf::from(value("F")?)),
                "--dirname" => args.dirname = Some(PathBuf::from(value("dirname")?)),
                "-R" | "--headerFile" => args.header_file = Some(PathBuf::from(value("R")?)),
                "-P" | "--rpcProps" => args.rpc_props = Some(PathBuf::from(value("P")?)),
                "-h" | "--help" => args.help = true,
                // Launcher options (`flume-ng`'s own): configuration directory and classpath
                // mean nothing here.
                "-c" | "--conf" | "-C" | "--classpath" => {
                    value(opt)?;
                }
                "-d" | "--dryrun" => {}
                _ if a.starts_with("-D") => {
                    let kv = &a[2..];
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    args.sysprops.push((k.to_string(), v.to_string()));
                }
                _ if a.starts_with("-X") => {}
                _ => return Err(usage(format!("Unrecognized option: {a}"))),
            }
            i += 1;
        }
        if args.help {
            return Ok(args);
        }
        if args.filename.is_some() && args.dirname.is_some() {
            return Err(usage(
                "--filename and --dirname options cannot be used simultaneously".into(),
            ));
        }
        if args.rpc_props.is_none() && (args.host.is_none() || args.port.is_none()) {
            return Err(usage(
                "Either we have to specify host and port or rpc properties".into(),
            ));
        }
        if let Some(p) = &args.rpc_props
            && !p.exists()
        {
            return Err(usage(format!(
                "RPC properties file specified does not exist: {}",
                p.display()
            )));
        }
        Ok(args)
    }
}

/// Java `Properties` from a file, as a flat context (for `--rpcProps`) or as headers.
fn read_properties(path: &Path) -> Result<Vec<(String, String)>, AvroClientError> {
    let props = crate::config::properties::read_file(path).map_err(|e| AvroClientError::Read {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut out: Vec<(String, String)> = Vec::new();
    for p in props {
        match out.iter_mut().find(|(k, _)| *k == p.key) {
            Some(entry) => entry.1 = p.value,
            None => out.push((p.key, p.value)),
        }
    }
    Ok(out)
}

/// The `--rpcProps` file as a context whose keys carry their `file:line` (the last line of a
/// key written twice wins, as in Java's `Properties`).
fn rpc_properties(path: &Path) -> Result<Context, AvroClientError> {
    let props = crate::config::properties::read_file(path).map_err(|e| AvroClientError::Read {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let entries = props
        .into_iter()
        .map(|p| {
            let entry = crate::config::context::Entry {
                value: p.value,
                origin: Some(p.origin),
            };
            (p.key, entry)
        })
        .collect();
    Ok(Context::new("", entries))
}

/// `BufferedReader.readLine` over bytes: splits on `\n`, `\r` and `\r\n`.
pub struct Lines<R> {
    inner: R,
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R) -> Self {
        Lines { inner }
    }

    pub fn next_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(any.then_some(line));
            }
            any = true;
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    line.extend_from_slice(buf);
                    let n = buf.len();
                    self.inner.consume(n);
                }
                Some(at) => {
                    let cr = buf[at] == b'\r';
                    line.extend_from_slice(&buf[..at]);
                    self.inner.consume(at + 1);
                    if cr {
                        let next = self.inner.fill_buf()?;
                        if next.first() == Some(&b'\n') {
                            self.inner.consume(1);
                        }
                    }
                    return Ok(Some(line));
                }
            }
        }
    }
}

/// The LINE deserializer's `readLine`: up to `max` characters, `\n` ends a line (and is not
/// kept), a longer line is cut and its rest becomes the next line.
fn spool_lines(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let mut count = 0usize;
    for ch in text.chars() {
        count += 1;
        if ch == '\n' {
            out.push(std::mem::take(&mut line));
            count = 0;
            continue;
        }
        line.push(ch);
        if count >= max {
            tracing::warn!("Line length exceeds max ({max}), truncating line!");
            out.push(std::mem::take(&mut line));
            count = 0;
        }
    }
    if count > 0 {
        out.push(line);
    }
    out
}

fn event(headers: &Headers, line: &[u8]) -> Event {
    // Java decodes the input with the platform charset (UTF-8) and sends the line's UTF-8.
    let body = match std::str::from_utf8(line) {
        Ok(_) => Bytes::copy_from_slice(line),
        Err(_) => Bytes::from(String::from_utf8_lossy(line).into_owned()),
    };
    Event::with_headers(headers.clone(), body)
}

/// Read `input` in batches of `batch` events on a thread of its own (standard input may block
/// for ever), handing each batch over once it is full or the input ended.
fn spawn_line_batches(
    input: Box<dyn Read + Send>,
    headers: Headers,
    batch: usize,
) -> mpsc::Receiver<std::io::Result<Vec<Event>>> {
    let (tx, rx) = mpsc::channel(1);
    std::thread::spawn(move || {
        let mut lines = Lines::new(BufReader::with_capacity(64 * 1024, input));
        loop {
            let mut events = Vec::with_capacity(batch);
            let mut ended = false;
            while events.len() < batch {
                match lines.next_line() {
                    Ok(Some(line)) => events.push(event(&headers, &line)),
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
            if !events.is_empty() && tx.blocking_send(Ok(events)).is_err() {
                return;
            }
            if ended {
                return;
            }
        }
    });
    rx
}

/// Spool directory files not yet sent, oldest first.
fn spool_files(dir: &Path) -> Result<Vec<PathBuf>, AvroClientError> {
    let read = |e: std::io::Error| AvroClientError::Read {
        path: dir.display().to_string(),
        source: e,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(COMPLETED_SUFFIX) {
            continue;
        }
        let meta = entry.metadata().map_err(read)?;
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        files.push((modified, entry.path()));
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

/// Run the client; `Ok` also when Flume would only have logged an error and exited 0.
pub async fn run(args: &Args) -> Result<(), AvroClientError> {
    let env = BuildEnv {
        sysprops: args.sysprops.iter().cloned().collect(),
        ..BuildEnv::default()
    };
    let config = match &args.rpc_props {
        Some(path) => {
            let ctx = rpc_properties(path)?;
            RpcClientConfig::from_properties(&ctx, &env)?
        }
        None => RpcClientConfig::new(
            args.host.as_deref().unwrap_or("localhost"),
            args.port.unwrap_or(41414),
            BATCH_SIZE,
        ),
    };
    let mut headers = Headers::new();
    if let Some(path) = &args.header_file {
        headers.extend(read_properties(path)?);
    }
    let mut client = RpcClient::connect(&config)
        .await
        .map_err(AvroClientError::Connect)?;
    let batch = client.batch_size();
    let outcome = match &args.dirname {
        Some(dir) => send_spool_dir(&mut client, dir, &headers, batch).await,
        None => {
            let input: Box<dyn Read + Send> =
                match &args.filename {
                    Some(path) => Box::new(std::fs::File::open(path).map_err(|source| {
                        AvroClientError::Read {
                            path: path.display().to_string(),
                            source,
                        }
                    })?),
                    None => Box::new(std::io::stdin()),
                };
            let mut batches = spawn_line_batches(input, headers, batch);
            let mut sent = 0u64;
            let mut result = Ok(());
            while let Some(events) = batches.recv().await {
                let events = match events {
                    Ok(e) => e,
                    Err(source) => {
                        result = Err(AvroClientError::Read {
                            path: args
                                .filename
                                .as_ref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_else(|| "standard input".into()),
                            source,
                        });
                        break;
                    }
                };
                if let Err(e) = client.append_batch(&events).await {
                    result = Err(AvroClientError::Deliver(e));
                    break;
                }
                sent += events.len() as u64;
            }
            tracing::debug!("Finished: {sent} events sent");
            result
        }
    };
    client.close().await;
    outcome
}

async fn send_spool_dir(
    client: &mut RpcClient,
    dir: &Path,
    headers: &Headers,
    batch: usize,
) -> Result<(), AvroClientError> {
    for file in spool_files(dir)? {
        let bytes = std::fs::read(&file).map_err(|source| AvroClientError::Read {
            path: file.display().to_string(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let events: Vec<Event> = spool_lines(&text, SPOOL_MAX_LINE_LENGTH)
            .iter()
            .map(|l| event(headers, l.as_bytes()))
            .collect();
        for chunk in events.chunks(batch) {
            client
                .append_batch(chunk)
                .await
                .map_err(AvroClientError::Deliver)?;
        }
        let mut done = file.clone().into_os_string();
        done.push(COMPLETED_SUFFIX);
        let done = PathBuf::from(done);
        if done.exists() {
            return Err(AvroClientError::Spool(format!(
                "File name has been re-used with different files. Spooling assumptions violated for {}",
                done.display()
            )));
        }
        std::fs::rename(&file, &done).map_err(|source| AvroClientError::Read {
            path: file.display().to_string(),
            source,
        })?;
        tracing::info!(
            "Preparing to move file {} to {}",
            file.display(),
            done.display()
        );
    }
    Ok(())
}

/// `flume-ng avro-client …`: returns the process exit status (0, as Flume's client, also when
/// it logged a failure; 1 only for a missing configuration file).
pub fn main(argv: &[String]) -> i32 {
    // Logging first (Flume's log4j settings: `-Dflume.root.logger`, default to ./logs), so
    // that even a usage error is logged where Flume logs it.
    let sysprops: std::collections::HashMap<String, String> = argv
        .iter()
        .filter_map(|a| a.strip_prefix("-D"))
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let settings = crate::cli::logging::LogSettings::from_sysprops(&sysprops);
    if let Err(e) = crate::cli::logging::init(&settings) {
        eprintln!("Error: cannot open the log: {e}");
        return 1;
    }
    let args = match Args::parse(argv) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("{e}");
            return 0;
        }
    };
    if args.help {
        println!("{USAGE}");
        return 0;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => {}
        Err(AvroClientError::Config(e)) => {
            tracing::error!("{e}");
            return 1;
        }
        Err(e) => tracing::error!("{e}"),
    }
    tracing::debug!("Exiting");
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Vec<u8>> {
        let mut r = Lines::new(BufReader::with_capacity(2, input));
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l);
        }
        out
    }

    #[test]
    fn lines_split_like_buffered_reader() {
        assert_eq!(lines(b""), Vec::<Vec<u8>>::new());
        assert_eq!(lines(b"a\nb"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            lines(b"a\r\nb\rc\n\n"),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"".to_vec()]
        );
        assert_eq!(lines(b"\r\n"), vec![b"".to_vec()]);
        assert_eq!(lines(b"x\r"), vec![b"x".to_vec()]);
    }

    #[test]
    fn spool_lines_follow_the_line_deserializer() {
        assert_eq!(spool_lines("a\r\nb", 10), vec!["a\r", "b"]);
        // A line of exactly max characters then \n: the line and an empty one (§18).
        assert_eq!(spool_lines("abc\n", 3), vec!["abc", ""]);
        assert_eq!(spool_lines("abcdefg\n", 3), vec!["abc", "def", "g"]);
        assert!(spool_lines("", 3).is_empty());
    }

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn command_line_follows_avro_cli_client() {
        let a = Args::parse(&argv("-H localhost -p 41414 -F /tmp/x -R /tmp/h --conf conf -Dflume.root.logger=INFO,console")).unwrap();
        assert_eq!(a.host.as_deref(), Some("localhost"));
        assert_eq!(a.port, Some(41414));
        assert_eq!(a.filename, Some(PathBuf::from("/tmp/x")));
        assert_eq!(a.header_file, Some(PathBuf::from("/tmp/h")));
        let a = Args::parse(&argv("--host=h --port=1 --dirname d")).unwrap();
        assert_eq!((a.host.as_deref(), a.port), (Some("h"), Some(1)));
        assert!(Args::parse(&argv("-H h")).is_err());
        assert!(Args::parse(&argv("-H h -p 1 -F a --dirname b")).is_err());
        assert!(Args::parse(&argv("-H h -p x")).is_err());
        assert!(Args::parse(&argv("-h")).unwrap().help);
    }
}
