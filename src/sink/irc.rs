//! `irc` sink (`org.apache.flume.sink.irc.IRCSink`): sends each event's body to an IRC
//! channel as `PRIVMSG #<chan> :<body>` (one message per line with `splitlines`), one event
//! per transaction.
//!
//! The connection speaks what Flume's IRCLib 1.10 connection sends, byte for byte: `PASS`
//! (when a password is set), `NICK`, `USER <user> /<local address> <hostname> :<name>` (an
//! unset `user`/`name` is the text `null`, as Java appends a null string), then `join #<chan>`
//! — without waiting for the server's welcome —, UTF-8, `\r\n` line ends; `PING` is answered
//! with `PONG :<token>`; error replies are logged.
//!
//! Unlike Flume (whose connection object outlives a dropped socket, so that later events are
//! silently lost), a dropped connection is noticed and opened again before the next event; an
//! event whose write fails is rolled back. IRC acknowledges nothing, so a message written just
//! before the server closes the connection can still be lost.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::Mutex;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::java::regex::JavaRegex;
use crate::registry::{Prop, PropTable};

const LOG: &str = "org.apache.flume.sink.irc.IRCSink";

pub const HOSTNAME: Prop = Prop::text("hostname", "IRC server to connect to").required();
pub const PORT: Prop = Prop::int("port", 6667, "IRC server port");
pub const NICK: Prop = Prop::text("nick", "nick name").required();
pub const PASSWORD: Prop = Prop::text("password", "server password (sent as PASS when set)");
pub const USER: Prop = Prop::text("user", "user name of the USER command (`null` when unset)");
pub const NAME: Prop = Prop::text("name", "real name of the USER command (`null` when unset)");
pub const CHAN: Prop = Prop::text("chan", "channel to join and write to, without the #").required();
pub const SPLITLINES: Prop = Prop::bool(
    "splitlines",
    false,
    "send one message per part of the body split on splitchars",
);
pub const SPLITCHARS: Prop = Prop::string(
    "splitchars",
    "\n",
    "Java regular expression the body is split on (String.split)",
);
pub const PROPS: PropTable = PropTable::new(&[
    HOSTNAME, PORT, NICK, PASSWORD, USER, NAME, CHAN, SPLITLINES, SPLITCHARS,
]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "irc",
    props: &PROPS,
    build: |name, ctx, channel, _| {
        Ok(Box::new(IrcSink::from_context(name, ctx, channel)?))
    },
};
const CHANNEL_PREFIX: &str = "#";
/// Longest server line kept; longer ones are cut (IRC allows 512 bytes).
const MAX_LINE: usize = 64 * 1024;
/// Java's `new Socket(host, port)` has no connect timeout of its own; bound ours.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct IrcSinkConfig {
    pub hostname: String,
    pub port: u16,
    pub nick: String,
    pub password: Option<String>,
    pub user: Option<String>,
    pub name: Option<String>,
    pub chan: String,
    pub split_lines: bool,
    pub split_chars: JavaRegex,
}

impl IrcSinkConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let hostname = ctx.value(&HOSTNAME).map(str::to_string);
        let port = match ctx.value(&PORT) {
            None => PORT.default_int() as u16,
            Some(p) => crate::java::parse_int(p)
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    ctx.error(
                        "port",
                        format!("expected a port number (1-65535), got \"{p}\""),
                    )
                })?,
        };
        let nick = ctx.value(&NICK).map(str::to_string);
        let password = ctx.value(&PASSWORD).map(str::to_string);
        let user = ctx.value(&USER).map(str::to_string);
        let name = ctx.value(&NAME).map(str::to_string);
        let chan = ctx.value(&CHAN).map(str::to_string);
        let split_lines = ctx.get_bool(&SPLITLINES);
        let split_text = ctx.get_string(&SPLITCHARS);
        let Some(hostname) = hostname else {
            return Err(ctx.error("hostname", "No hostname specified"));
        };
        let Some(nick) = nick else {
            return Err(ctx.error("nick", "No nick specified"));
        };
        let Some(chan) = chan else {
            return Err(ctx.error("chan", "No chan specified"));
        };
        // Flume compiles it (String.split) only when an event is split; a bad pattern is
        // reported here rather than failing every delivery.
        let split_chars =
            JavaRegex::new(&split_text).map_err(|e| ctx.error("splitchars", e.to_string()))?;
        Ok(IrcSinkConfig {
            hostname,
            port,
            nick,
            password: password.filter(|p| !p.is_empty()),
            user,
            name,
            chan,
            split_lines,
            split_chars,
        })
    }
}

/// `InetAddress.toString()` of an unresolved address: `/127.0.0.1`, `/0:0:0:0:0:0:0:1`.
fn java_inet_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("/{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("/{v4}"),
            None => {
                let segments: Vec<String> =
                    v6.segments().iter().map(|s| format!("{s:x}")).collect();
                format!("/{}", segments.join(":"))
            }
        },
    }
}

/// An open IRC connection: the write half, and a reader task that answers PINGs, logs
/// errors and notices the end of the connection.
struct Connection {
    writer: Arc<Mutex<OwnedWriteHalf>>,
    alive: Arc<AtomicBool>,
    reader: tokio::task::JoinHandle<()>,
}

impl Connection {
    async fn open(cfg: &IrcSinkConfig) -> std::io::Result<Connection> {
        tracing::debug!(
            "Creating new connection to hostname:{} port:{}",
            cfg.hostname,
            cfg.port
        );
        let stream = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((cfg.hostname.as_str(), cfg.port)),
        )
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
        let local = stream.local_addr()?.ip();
        let (read, write) = stream.into_split();
        let writer = Arc::new(Mutex::new(write));
        let alive = Arc::new(AtomicBool::new(true));
        let reader = tokio::spawn(read_loop(read, Arc::clone(&writer), Arc::clone(&alive)));
        let connection = Connection {
            writer,
            alive,
            reader,
        };
        let mut lines = Vec::new();
        if let Some(pass) = &cfg.password {
            lines.push(format!("PASS {pass}"));
        }
        lines.push(format!("NICK {}", cfg.nick));
        lines.push(format!(
            "USER {} {} {} :{}",
            cfg.user.as_deref().unwrap_or("null"),
            java_inet_address(local),
            cfg.hostname,
            cfg.name.as_deref().unwrap_or("null")
        ));
        lines.push(format!("join {CHANNEL_PREFIX}{}", cfg.chan));
        connection.send(&lines).await?;
        Ok(connection)
    }

    fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    async fn send(&self, lines: &[String]) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        for line in lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        let mut w = self.writer.lock().await;
        w.write_all(&bytes).await?;
        w.flush().await
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Read server lines until the connection ends: PING → PONG, errors logged.
async fn read_loop(
    mut read: tokio::net::tcp::OwnedReadHalf,
    writer: Arc<Mutex<OwnedWriteHalf>>,
    alive: Arc<AtomicBool>,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = match read.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Some(eol) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=eol).collect();
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if let Some(pong) = handle_line(text) {
                let mut w = writer.lock().await;
                let _ = w.write_all(format!("{pong}\r\n").as_bytes()).await;
                let _ = w.flush().await;
            }
        }
        if buf.len() > MAX_LINE {
            buf.clear();
        }
    }
    alive.store(false, Ordering::Relaxed);
    tracing::error!(target: LOG, "IRC sink disconnected");
}

/// React to one server line; returns the answer to send, if any.
fn handle_line(line: &str) -> Option<String> {
    let rest = match line.strip_prefix(':') {
        Some(prefixed) => prefixed.split_once(' ').map(|(_, r)| r).unwrap_or(""),
        None => line,
    };
    let (command, params) = rest.split_once(' ').unwrap_or((rest, ""));
    let trailing = match params.split_once(':') {
        Some((_, t)) if params.starts_with(':') || params.contains(" :") => t,
        _ => params.rsplit(' ').next().unwrap_or(""),
    };
    if command.eq_ignore_ascii_case("PING") {
        return Some(format!("PONG :{trailing}"));
    }
    if command.eq_ignore_ascii_case("ERROR") {
        tracing::error!(target: LOG, "IRC sink error: {trailing}");
    } else if let Ok(num) = command.parse::<u16>()
        && num >= 400
    {
        tracing::error!(target: LOG, "IRC sink error: {num} - {trailing}");
    }
    None
}

pub struct IrcSink {
    name: String,
    channel: ChannelRef,
    config: IrcSinkConfig,
    connection: Option<Connection>,
}

impl IrcSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, ConfigError> {
        Ok(IrcSink {
            name: name.to_string(),
            channel,
            config: IrcSinkConfig::from_context(ctx)?,
            connection: None,
        })
    }

    /// The open connection, opening one if there is none or the server closed it.
    async fn connection(&mut self) -> std::io::Result<&Connection> {
        if self.connection.as_ref().is_some_and(|c| !c.is_alive()) {
            self.destroy_connection();
        }
        if self.connection.is_none() {
            self.connection = Some(Connection::open(&self.config).await?);
        }
        self.connection
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no connection"))
    }

    fn destroy_connection(&mut self) {
        if self.connection.take().is_some() {
            tracing::debug!(
                "Destroying connection to: {}:{}",
                self.config.hostname,
                self.config.port
            );
        }
    }

    /// The PRIVMSG lines for one body (`new String(body)`, split on `splitchars` with Java's
    /// `String.split` when `splitlines`).
    fn messages(&self, body: &[u8]) -> Vec<String> {
        let text = crate::java::charset::decode_utf8(body);
        let target = format!("{CHANNEL_PREFIX}{}", self.config.chan);
        let parts: Vec<&str> = if self.config.split_lines {
            self.config
                .split_chars
                .split(&text)
                .unwrap_or_else(|_| vec![text.as_ref()])
        } else {
            vec![text.as_ref()]
        };
        parts
            .into_iter()
            .map(|p| format!("PRIVMSG {target} :{p}"))
            .collect()
    }
}

#[async_trait]
impl Sink for IrcSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        tracing::info!(target: LOG, "IRC sink starting");
        if let Err(error) = self.connection().await {
            tracing::error!(
                target: LOG,
                %error,
                "Unable to create irc client using hostname:{} port:{}. Exception follows.",
                self.config.hostname,
                self.config.port
            );
            self.destroy_connection();
        }
        Ok(())
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        if let Err(error) = self.connection().await {
            tracing::error!(target: LOG, %error, "Unable to communicate with IRC server. Exception follows.");
            self.destroy_connection();
            return Ok(Status::Backoff);
        }
        let take = match self.channel.take(1).await {
            Ok(t) => t,
            Err(error) => {
                tracing::error!(target: LOG, %error, "Unable to get event from channel. Exception follows.");
                return Ok(Status::Backoff);
            }
        };
        let Some(event) = take.events().first() else {
            take.commit().await?;
            return Ok(Status::Backoff);
        };
        let lines = self.messages(&event.body);
        let sent = match self.connection.as_ref() {
            Some(c) if c.is_alive() => c.send(&lines).await,
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the server closed the connection",
            )),
        };
        if let Err(error) = sent {
            take.rollback();
            tracing::error!(target: LOG, %error, "Unable to communicate with IRC server. Exception follows.");
            self.destroy_connection();
            return Ok(Status::Backoff);
        }
        take.commit().await?;
        Ok(Status::Ready)
    }

    async fn stop(&mut self) {
        tracing::info!(target: LOG, "IRC sink {} stopping", self.name);
        if let Some(c) = self.connection.take() {
            let _ = c.writer.lock().await.shutdown().await;
        }
    }

    fn batch_size(&self) -> Option<usize> {
        Some(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<IrcSinkConfig, ConfigError> {
        IrcSinkConfig::from_context(&Context::from_pairs("a1.sinks.k1.", pairs.iter().copied()))
    }

    #[test]
    fn required_keys_and_defaults() {
        assert!(config(&[("nick", "n"), ("chan", "c")]).is_err());
        assert!(config(&[("hostname", "h"), ("chan", "c")]).is_err());
        assert!(config(&[("hostname", "h"), ("nick", "n")]).is_err());
        let base = [("hostname", "h"), ("nick", "n"), ("chan", "c")];
        let c = config(&base).unwrap();
        assert_eq!(c.port, 6667);
        assert!(!c.split_lines);
        assert_eq!(c.split_chars.as_str(), "\n");
        let mut bad = base.to_vec();
        bad.push(("port", "irc"));
        assert!(config(&bad).is_err());
        let mut bad = base.to_vec();
        bad.push(("splitchars", "("));
        assert!(config(&bad).is_err());
    }

    #[test]
    fn addresses_print_as_java_does() {
        assert_eq!(
            java_inet_address("127.0.0.1".parse().unwrap()),
            "/127.0.0.1"
        );
        assert_eq!(
            java_inet_address("::1".parse().unwrap()),
            "/0:0:0:0:0:0:0:1"
        );
        assert_eq!(
            java_inet_address("::ffff:10.0.0.1".parse().unwrap()),
            "/10.0.0.1"
        );
    }

    #[test]
    fn server_lines() {
        assert_eq!(handle_line("PING :abc"), Some("PONG :abc".into()));
        assert_eq!(handle_line(":srv PING :x y"), Some("PONG :x y".into()));
        assert_eq!(handle_line("PING tok"), Some("PONG :tok".into()));
        assert_eq!(
            handle_line(":srv 433 * n :Nickname is already in use"),
            None
        );
        assert_eq!(handle_line(":srv 001 n :Welcome"), None);
    }
}
