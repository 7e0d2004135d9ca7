//! `multiport_syslogtcp` (`MultiportSyslogTCPSource`): several ports, lines split on `\n` up
//! to `eventSize` bytes (longer ones are cut and marked `Incomplete`), decoded with the port's
//! charset and parsed by [`SyslogParser`]; up to `batchSize` events of one network read go to
//! the channel in one transaction, and a failed batch is dropped (reference §9.8).
//!
//! Differences from Flume, where Flume's behaviour depends on an unchecked exception:
//! an empty line is skipped (Flume's parser throws on it and the rest of that network read is
//! lost), and a stamp whose fraction runs to the end of the line is an `Invalid` event.
//! A port that cannot be bound is an error of the source (Flume logs it and serves the
//! others).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use openssl::ssl::SslAcceptor;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::parser::SyslogParser;
use super::tcp::MAX_CONNECTIONS;
use super::{
    ClientHeaders, EVENT_STATUS, HostnameCache, KeepFields, STATUS_INCOMPLETE, STATUS_INVALID,
};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::java::charset::{DecodeErrorPolicy, JavaCharset};
use crate::metrics::{MetricSource, SourceCounter};
use crate::registry::{self, Prefix, Prop, PropTable, Type};
use crate::source::deliver::Counting;
use crate::source::{Source, SourceContext, SourceError};

const MAX_READ_BUFFER: usize = 64 * 1024;

/// `LineSplitter`: cuts lines of at most `max` bytes (newline included) out of network reads,
/// keeping a partial line for the next read.
#[derive(Debug)]
pub struct LineSplitter {
    max: usize,
    saved: Vec<u8>,
}

/// A line without its newline; `incomplete` when it was cut at the maximum length.
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    pub bytes: Vec<u8>,
    pub incomplete: bool,
}

impl LineSplitter {
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            max: max.max(1),
            saved: Vec::new(),
        }
    }

    /// The next line from `buf` (advanced past what was used); `None` when `buf` ran out first
    /// (what was read is kept for the next call).
    pub fn parse_line(&mut self, buf: &mut &[u8]) -> Option<Line> {
        let room = self.max.saturating_sub(self.saved.len());
        let window = &buf[..buf.len().min(room)];
        if let Some(nl) = memchr::memchr(b'\n', window) {
            let mut bytes = std::mem::take(&mut self.saved);
            bytes.extend_from_slice(&window[..nl]);
            *buf = &buf[nl + 1..];
            return Some(Line {
                bytes,
                incomplete: false,
            });
        }
        let taken = window.len();
        if self.saved.len() + taken == self.max {
            let mut bytes = std::mem::take(&mut self.saved);
            bytes.extend_from_slice(window);
            *buf = &buf[taken..];
            tracing::warn!(
                "Event size larger than specified event size: {}. Consider increasing the max event size.",
                self.max
            );
            return Some(Line {
                bytes,
                incomplete: true,
            });
        }
        self.saved.extend_from_slice(window);
        *buf = &buf[taken..];
        None
    }
}

/// What every connection of the source shares.
struct Shared {
    name: String,
    event_size: usize,
    batch_size: usize,
    read_buffer: usize,
    port_header: Option<String>,
    default_charset: JavaCharset,
    port_charsets: HashMap<u16, JavaCharset>,
    keep: Option<KeepFields>,
    client: ClientHeaders,
    parser: SyslogParser,
    counter: Arc<SourceCounter>,
    cache: HostnameCache,
    tls: Option<Arc<SslAcceptor>>,
}

pub const PORTS: Prop = Prop::new(
    "ports",
    Type::List,
    registry::Default::None,
    "ports to listen on, separated by spaces",
)
.required();
pub const NUM_PROCESSORS: Prop = Prop::new(
    "numProcessors",
    Type::Int,
    registry::Default::None,
    "Mina I/O processors",
)
.default_computed("the number of processors")
.no_effect(
    "connections are served by the agent's async runtime, whose worker count is fixed at start",
);
pub const CHARSET_DEFAULT: Prop =
    Prop::string("charset.default", "UTF-8", "character set of the events");
pub const BATCH_SIZE: Prop = Prop::int(
    "batchSize",
    100,
    "events per channel transaction within one network read",
)
.batch_size();
pub const READ_BUFFER_BYTES: Prop = Prop::int(
    "readBufferBytes",
    1024,
    "bytes read from a connection at once (64 to 64 KiB)",
);
pub const PORT_HEADER: Prop = Prop::text("portHeader", "header to put the local port in");

/// `multiport_syslogtcp` keys.
pub const PROPS: PropTable = PropTable::new(&[
    PORTS,
    NUM_PROCESSORS,
    super::EVENT_SIZE,
    CHARSET_DEFAULT,
    BATCH_SIZE,
    READ_BUFFER_BYTES,
    PORT_HEADER,
])
.with_prefixes(&[Prefix::user_named(
    "charset.port.",
    "`charset.port.<port>`: character set of the events of one port",
)])
.including(&[&super::COMMON, &super::SSL_PROPS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "multiport_syslogtcp",
    props: &PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(MultiportSyslogTcpSource::from_context(name, ctx, env)?))
    },
};

pub struct MultiportSyslogTcpSource {
    host: Option<String>,
    ports: Vec<u16>,
    shared: Arc<Shared>,
}

impl MultiportSyslogTcpSource {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        env: &crate::component::BuildEnv,
    ) -> Result<Self, ConfigError> {
        let tls = super::tls_from_context(ctx, env, "Multiport Syslog TCP source")?;
        let ports_raw = ctx.value(&PORTS).map(str::to_string).ok_or_else(|| {
            ctx.error(
                PORTS.name,
                "Must define config parameter for MultiportSyslogTCPSource: ports",
            )
        })?;
        let mut ports = Vec::new();
        for p in ports_raw.split_whitespace() {
            let port = crate::java::parse_int(p)
                .and_then(|v| u16::try_from(v).ok())
                .ok_or_else(|| ctx.error("ports", format!("expected port numbers, got \"{p}\"")))?;
            ports.push(port);
        }
        let host = ctx.value(&super::HOST).map(str::to_string);
        ctx.mark_read(NUM_PROCESSORS.name);
        let event_size = ctx.get_int(&super::EVENT_SIZE)?;
        let charset_name = ctx.get_string(&CHARSET_DEFAULT);
        let default_charset = JavaCharset::for_name(&charset_name).ok_or_else(|| {
            ctx.error(
                "charset.default",
                format!("Unable to parse charset string ({charset_name}) from port configuration."),
            )
        })?;
        let mut port_charsets = HashMap::new();
        let sub = ctx.sub("charset.port.");
        for key in sub.keys() {
            let port = crate::java::parse_int(&key)
                .and_then(|v| u16::try_from(v).ok())
                .ok_or_else(|| sub.error(&key, format!("expected a port number, got \"{key}\"")))?;
            let value = sub.string(&key, "");
            let charset = JavaCharset::for_name(&value).ok_or_else(|| {
                sub.error(
                    &key,
                    format!("Unable to parse charset string ({value}) from port configuration."),
                )
            })?;
            port_charsets.insert(port, charset);
        }
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        let read_buffer = ctx.get_int(&READ_BUFFER_BYTES)?;
        let shared = Shared {
            name: name.to_string(),
            event_size: usize::try_from(event_size).unwrap_or(1).max(1),
            batch_size: usize::try_from(batch_size).unwrap_or(1).max(1),
            read_buffer: usize::try_from(read_buffer)
                .unwrap_or(1024)
                .clamp(64, MAX_READ_BUFFER),
            port_header: ctx.value(&PORT_HEADER).map(str::to_string),
            default_charset,
            port_charsets,
            keep: KeepFields::parse(&ctx.get_string(&super::KEEP_FIELDS)),
            client: ClientHeaders::from_context(ctx),
            parser: SyslogParser {
                clock: super::utils::system_clock(),
                zone: crate::java::date::default_zone(),
            },
            counter: SourceCounter::new(name),
            cache: HostnameCache::default(),
            tls,
        };
        Ok(MultiportSyslogTcpSource {
            host,
            ports,
            shared: Arc::new(shared),
        })
    }
}

#[async_trait]
impl Source for MultiportSyslogTcpSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let name = &self.shared.name;
        tracing::info!("Starting Multiport Syslog TCP source {name}...");
        let mut listeners = Vec::new();
        for &port in &self.ports {
            let addr = super::bind_address(self.host.as_deref(), port);
            let listener = TcpListener::bind(&addr).await.map_err(|e| {
                SourceError::Other(format!(
                    "Multiport Syslog TCP source {name}: Could not bind to address: {addr}: {e}"
                ))
            })?;
            listeners.push((port, listener));
        }
        tracing::info!("Multiport Syslog TCP source {name} started.");
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let mut acceptors = JoinSet::new();
        for (port, listener) in listeners {
            let shared = Arc::clone(&self.shared);
            let permits = Arc::clone(&permits);
            let cx = cx.clone();
            acceptors.spawn(accept_loop(port, listener, shared, permits, cx));
        }
        cx.shutdown.cancelled().await;
        while acceptors.join_next().await.is_some() {}
        tracing::info!("Multiport Syslog TCP source {name} stopped.");
        Ok(())
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.shared.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.shared.counter) as Arc<dyn MetricSource>)
    }
}

async fn accept_loop(
    port: u16,
    listener: TcpListener,
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
    cx: SourceContext,
) {
    let name = shared.name.clone();
    crate::net::serve_tcp(listener, permits, &cx.shutdown, &name, |stream, peer| {
        let shared = Arc::clone(&shared);
        let cx = cx.clone();
        async move {
            let name = shared.name.clone();
            if let Some(stream) =
                super::open_stream(shared.tls.as_deref(), stream, &name, peer).await
            {
                serve(stream, peer, port, shared, cx).await;
            }
        }
    })
    .await;
}

async fn serve(
    mut stream: super::Stream,
    peer: SocketAddr,
    port: u16,
    shared: Arc<Shared>,
    cx: SourceContext,
) {
    tracing::info!(source = %shared.name, %peer, port, "Session created");
    let charset = shared
        .port_charsets
        .get(&port)
        .unwrap_or(&shared.default_charset);
    let extra = if shared.client.is_empty() {
        Vec::new()
    } else {
        shared.client.values(peer, &shared.cache).await
    };
    let mut splitter = LineSplitter::new(shared.event_size);
    let mut buf = vec![0u8; shared.read_buffer];
    loop {
        let n = tokio::select! {
            _ = cx.shutdown.cancelled() => break,
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
        };
        let mut input = &buf[..n];
        while !input.is_empty() {
            let mut events = Vec::new();
            while events.len() < shared.batch_size && !input.is_empty() {
                let Some(line) = splitter.parse_line(&mut input) else {
                    continue;
                };
                if line.bytes.is_empty() && !line.incomplete {
                    continue;
                }
                let mut event = parse_event(&shared, &line, charset);
                if let Some(h) = &shared.port_header {
                    event.headers.insert(h.clone(), port.to_string());
                }
                for (k, v) in &extra {
                    event.headers.insert(k.clone(), v.clone());
                }
                events.push(event);
            }
            if events.is_empty() {
                break;
            }
            if let Err(error) = cx.deliver(&shared.counter, Counting::EVENTS, events).await {
                tracing::error!(source = %shared.name, %error, "Error writing to channel, event dropped");
            }
        }
        // Mina grows its read buffer when a read fills it.
        if n == buf.len() && buf.len() < MAX_READ_BUFFER {
            buf.resize((buf.len() * 2).min(MAX_READ_BUFFER), 0);
        }
    }
    tracing::info!(source = %shared.name, %peer, port, "Session closed");
}

/// `MultiportSyslogHandler.parseEvent`.
fn parse_event(shared: &Shared, line: &Line, charset: &JavaCharset) -> Event {
    // Mina's `IoBuffer.getString` stops at the first NUL byte.
    let text_bytes = match memchr::memchr(0, &line.bytes) {
        Some(nul) => &line.bytes[..nul],
        None => &line.bytes[..],
    };
    let msg = match charset.decode_with(text_bytes, DecodeErrorPolicy::Fail) {
        Ok(msg) => msg,
        Err(error) => {
            tracing::info!(source = %shared.name, %error, "Error decoding line with charset ({}).", charset.name());
            let mut headers = Headers::new();
            headers.insert(EVENT_STATUS.into(), STATUS_INVALID.into());
            return Event::with_headers(headers, Bytes::copy_from_slice(&line.bytes));
        }
    };
    match shared.parser.parse_message(&msg, shared.keep.as_ref()) {
        Ok(parsed) => {
            // SyslogParser builds a HashMap, then EventBuilder.withBody copies it.
            let mut headers = crate::java::hashmap_copy(&parsed.headers);
            if line.incomplete {
                headers.insert(EVENT_STATUS.into(), STATUS_INCOMPLETE.into());
            }
            Event::with_headers(
                headers,
                Bytes::from(charset.encode(&parsed.body).into_owned()),
            )
        }
        Err(error) => {
            tracing::debug!(source = %shared.name, %error, "Error parsing syslog event");
            let mut headers = Headers::new();
            headers.insert(EVENT_STATUS.into(), STATUS_INVALID.into());
            Event::with_headers(headers, Bytes::from(charset.encode(&msg).into_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(max: usize, reads: &[&[u8]]) -> Vec<(String, bool)> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for read in reads {
            let mut buf: &[u8] = read;
            while !buf.is_empty() {
                if let Some(l) = s.parse_line(&mut buf) {
                    out.push((String::from_utf8(l.bytes).unwrap(), l.incomplete));
                }
            }
        }
        out
    }

    #[test]
    fn splitter_joins_reads_and_cuts_long_lines() {
        assert_eq!(
            lines(100, &[b"<1>ab", b"c\n<2>d\n"]),
            vec![("<1>abc".into(), false), ("<2>d".into(), false)]
        );
        // Newline included in the count: 4 bytes + \n fits in 5.
        assert_eq!(lines(5, &[b"abcd\n"]), vec![("abcd".into(), false)]);
        assert_eq!(
            lines(5, &[b"abcdefg\n"]),
            vec![("abcde".into(), true), ("fg".into(), false)]
        );
        assert_eq!(
            lines(5, &[b"ab", b"cdefg\n"]),
            vec![("abcde".into(), true), ("fg".into(), false)]
        );
    }
}
