//! Flume's syslog sources and their two parsers (reference §9.6–9.8):
//!
//! - [`utils::SyslogUtils`] — the byte-level state machine and regex parser behind `syslogtcp`
//!   and `syslogudp` (headers `priority`, `version`, `timestamp`, `host`; RFC 3164 stamps in the
//!   JVM default zone; RFC 5424 offsets ignored when a fraction is present).
//! - [`parser::SyslogParser`] — the hand-written parser behind `multiport_syslogtcp` (headers
//!   `Priority`, `Version`; UTC; Joda's year-guess bug).
//!
//! Both add `Facility`/`Severity` and mark unparsable input with `flume.syslog.status`.

pub mod multiport;
pub mod parser;
pub mod tcp;
pub mod udp;
pub mod utils;
#[cfg(test)]
pub(crate) mod vectors;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use crate::config::{ConfigError, Context};
use crate::registry::{Prop, PropTable};

pub const SYSLOG_FACILITY: &str = "Facility";
pub const SYSLOG_SEVERITY: &str = "Severity";
pub const SYSLOG_PRIORITY: &str = "Priority";
pub const SYSLOG_VERSION: &str = "Version";
pub const EVENT_STATUS: &str = "flume.syslog.status";
pub const STATUS_INVALID: &str = "Invalid";
pub const STATUS_INCOMPLETE: &str = "Incomplete";

/// `SyslogUtils.chooseFieldsToKeep`: which header fields stay in the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepFields {
    pub all: bool,
    pub priority: bool,
    pub version: bool,
    pub timestamp: bool,
    pub hostname: bool,
}

impl KeepFields {
    /// `none`/`false` → `None`; `all`/`true` → everything; otherwise each of the words
    /// `priority`, `version`, `timestamp`, `hostname` found as a substring.
    pub fn parse(value: &str) -> Option<KeepFields> {
        let v = value.trim().to_lowercase();
        if v == "false" || v == "none" {
            return None;
        }
        if v == "true" || v == "all" {
            return Some(KeepFields {
                all: true,
                ..Default::default()
            });
        }
        Some(KeepFields {
            all: false,
            priority: v.contains("priority"),
            version: v.contains("version"),
            timestamp: v.contains("timestamp"),
            hostname: v.contains("hostname"),
        })
    }

    pub fn keep_all(keep: Option<&KeepFields>) -> bool {
        keep.is_some_and(|k| k.all)
    }
}

/// `SyslogUtils.addFieldsToBody`: prepend the kept fields in the order
/// `<pri>` `version ` `timestamp ` `hostname `. Java string concatenation prints a missing
/// value as `null`.
pub fn add_fields_to_body(
    keep: Option<&KeepFields>,
    body: &str,
    priority: Option<&str>,
    version: Option<&str>,
    timestamp: Option<&str>,
    hostname: Option<&str>,
) -> String {
    let Some(keep) = keep else {
        return body.to_string();
    };
    let mut prefix = String::new();
    if keep.priority {
        prefix.push('<');
        prefix.push_str(priority.unwrap_or("null"));
        prefix.push('>');
    }
    if keep.version
        && let Some(v) = version.filter(|v| !v.is_empty())
    {
        prefix.push_str(v);
        prefix.push(' ');
    }
    if keep.timestamp {
        prefix.push_str(timestamp.unwrap_or("null"));
        prefix.push(' ');
    }
    if keep.hostname {
        prefix.push_str(hostname.unwrap_or("null"));
        prefix.push(' ');
    }
    prefix.push_str(body);
    prefix
}

pub const HOST: Prop = Prop::text("host", "address to listen on; all interfaces when unset");
pub const KEEP_FIELDS: Prop = Prop::string(
    "keepFields",
    "none",
    "`none`/`false`, `all`/`true`, or the words priority, version, timestamp, hostname: header fields kept in the body",
);
pub const CLIENT_IP_HEADER: Prop =
    Prop::text("clientIPHeader", "header to put the client's IP address in");
pub const CLIENT_HOSTNAME_HEADER: Prop = Prop::text(
    "clientHostnameHeader",
    "header to put the client's host name in",
);
pub const EVENT_SIZE: Prop = Prop::int(
    "eventSize",
    utils::DEFAULT_SIZE as i64,
    "longest event in bytes; a longer line is cut and marked `Incomplete`",
);

/// Keys of every syslog source.
pub const COMMON: PropTable =
    PropTable::new(&[HOST, KEEP_FIELDS, CLIENT_IP_HEADER, CLIENT_HOSTNAME_HEADER]);

/// Flume's SSL keys of the syslog TCP sources ([`crate::tls::SERVER_PROPS`]).
pub const SSL_PROPS: PropTable = crate::tls::SERVER_PROPS;

/// `clientIPHeader` / `clientHostnameHeader`, shared by the three syslog sources.
#[derive(Debug, Clone, Default)]
pub struct ClientHeaders {
    pub ip: Option<String>,
    pub hostname: Option<String>,
}

impl ClientHeaders {
    pub fn from_context(ctx: &Context) -> ClientHeaders {
        ClientHeaders {
            ip: ctx.value(&CLIENT_IP_HEADER).map(str::to_string),
            hostname: ctx.value(&CLIENT_HOSTNAME_HEADER).map(str::to_string),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ip.is_none() && self.hostname.is_none()
    }

    /// The header values for a peer (the host name is looked up, blocking, once per address).
    pub async fn values(&self, peer: SocketAddr, cache: &HostnameCache) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(key) = &self.ip {
            out.push((key.clone(), peer_ip(Some(peer))));
        }
        if let Some(key) = &self.hostname {
            out.push((key.clone(), peer_hostname(Some(peer), cache).await));
        }
        out
    }
}

/// `SyslogUtils.getIP`: the peer's address as text, empty when the peer is unknown.
pub fn peer_ip(peer: Option<SocketAddr>) -> String {
    peer.map(|p| java_host_address(p.ip())).unwrap_or_default()
}

/// `SyslogUtils.getHostname`: the peer's host name (reverse lookup, cached), empty when the
/// peer is unknown.
pub async fn peer_hostname(peer: Option<SocketAddr>, cache: &HostnameCache) -> String {
    match peer {
        Some(p) => cache.lookup(p.ip()).await,
        None => String::new(),
    }
}

/// `InetAddress.getHostAddress()`: dotted quad, or eight uncompressed hex groups for IPv6
/// (`0:0:0:0:0:0:0:1`); IPv4-mapped addresses are shown as IPv4, as Java converts them.
pub fn java_host_address(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// Reverse lookups for `clientHostnameHeader` (`InetSocketAddress.getHostName()`), cached per
/// address like the JVM's address cache. A failed lookup gives the address text, as in Java.
#[derive(Default, Clone)]
pub struct HostnameCache {
    names: Arc<Mutex<HashMap<IpAddr, String>>>,
}

const HOSTNAME_CACHE_MAX: usize = 4096;

impl HostnameCache {
    pub async fn lookup(&self, ip: IpAddr) -> String {
        let ip = ip.to_canonical();
        if let Some(name) = self
            .names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&ip)
        {
            return name.clone();
        }
        let name = tokio::task::spawn_blocking(move || reverse_lookup(ip))
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| java_host_address(ip));
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if names.len() >= HOSTNAME_CACHE_MAX {
            names.clear();
        }
        names.insert(ip, name.clone());
        name
    }
}

/// `getnameinfo(NI_NAMEREQD)`: the host name of an address, if it has one.
fn reverse_lookup(ip: IpAddr) -> Option<String> {
    let addr = SocketAddr::new(ip, 0);
    let (storage, len) = socket_addr_to_raw(&addr);
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: `storage` holds a valid sockaddr of length `len`; `host` is a writable buffer of
    // the length passed; no service buffer is requested.
    let rc = unsafe {
        libc::getnameinfo(
            &storage as *const libc::sockaddr_storage as *const libc::sockaddr,
            len,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: getnameinfo wrote a NUL-terminated string into `host` on success.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

fn socket_addr_to_raw(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid (empty) value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in,
                    sin,
                )
            };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in6.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in6,
                    sin6,
                )
            };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// Where a syslog server listens: `host` (all interfaces when absent) and a port.
pub fn bind_address(host: Option<&str>, port: u16) -> String {
    match host {
        Some(h) if h.contains(':') && !h.starts_with('[') => format!("[{h}]:{port}"),
        Some(h) => format!("{h}:{port}"),
        None => format!("0.0.0.0:{port}"),
    }
}

/// The TLS side of the syslog TCP sources (Flume's `SslContextAwareAbstractSource` keys, see
/// [`crate::tls::server_from_context`]).
pub fn tls_from_context(
    ctx: &Context,
    env: &crate::component::BuildEnv,
    what: &str,
) -> Result<Option<std::sync::Arc<openssl::ssl::SslAcceptor>>, ConfigError> {
    Ok(
        crate::tls::server_from_context(ctx, env, what, crate::tls::Keys::FLUME)?
            .map(std::sync::Arc::new),
    )
}

/// A connection's byte stream, plain or TLS.
pub type Stream = std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>>;

/// The stream to read: the socket itself, or its TLS session once the handshake is done (a
/// failed or stalled handshake is logged and the connection dropped).
pub async fn open_stream(
    tls: Option<&openssl::ssl::SslAcceptor>,
    stream: tokio::net::TcpStream,
    source: &str,
    peer: std::net::SocketAddr,
) -> Option<Stream> {
    let Some(acceptor) = tls else {
        return Some(Box::pin(stream));
    };
    match tokio::time::timeout(
        std::time::Duration::from_secs(30),
        crate::tls::accept(acceptor, stream),
    )
    .await
    {
        Ok(Ok(tls)) => Some(Box::pin(tls)),
        Ok(Err(e)) => {
            tracing::warn!(source = %source, %peer, "{e}");
            None
        }
        Err(_) => {
            tracing::warn!(source = %source, %peer, "TLS handshake timed out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_fields_words() {
        assert_eq!(KeepFields::parse("none"), None);
        assert_eq!(KeepFields::parse(" FALSE "), None);
        assert!(KeepFields::parse("true").unwrap().all);
        let k = KeepFields::parse("hostname timestamp").unwrap();
        assert!(k.hostname && k.timestamp && !k.priority && !k.version && !k.all);
        let body = add_fields_to_body(Some(&k), "msg", Some("10"), Some("1"), None, Some("h"));
        assert_eq!(body, "null h msg");
    }

    /// RFC 5424 fractions to milliseconds, as Flume 1.9 computes them, for every fraction
    /// length each parser accepts. Measured with Flume 1.9.0's `SyslogParser` (multiport) and
    /// `SyslogUtils` (syslogtcp/udp); `None`: the stamp is not parsed (no `timestamp` header,
    /// or an invalid event). No floating point in between: `.251` is 251 ms.
    #[test]
    fn rfc5424_fraction_milliseconds_are_exact_to_the_digit_flume_keeps() {
        #[rustfmt::skip]
        const MEASURED: &[(&str, Option<i64>, Option<i64>)] = &[
            // fraction, SyslogParser (multiport), SyslogUtils (syslogtcp / syslogudp)
            ("", Some(0), Some(0)),
            (".5", Some(500), Some(5)),
            (".1", Some(100), Some(1)),
            (".3", Some(300), Some(3)),
            (".7", Some(700), Some(7)),
            (".05", Some(50), Some(5)),
            (".07", Some(70), Some(7)),
            (".12", Some(120), Some(12)),
            (".25", Some(250), Some(25)),
            (".29", Some(290), Some(29)),
            (".57", Some(570), Some(57)),
            (".58", Some(580), Some(58)),
            (".001", Some(1), Some(1)),
            (".009", Some(9), Some(9)),
            (".123", Some(123), Some(123)),
            (".251", Some(251), Some(251)),
            (".999", Some(999), Some(999)),
            (".2519", Some(251), Some(251)),
            (".5000", Some(500), Some(500)),
            (".9999", Some(999), Some(999)),
            (".99999", Some(999), Some(999)),
            (".123456", Some(123), Some(123)),
            (".251999", Some(251), Some(251)),
            (".999999", Some(999), Some(999)),
            (".000001", Some(0), Some(0)),
            (".1234567", Some(123), None),
            (".9999999", Some(999), None),
            (".999999999999999", Some(999), None),
            // Past 15 digits Flume's `long /= Math.pow(…)` goes through a double.
            (".9999999999999999", Some(1000), None),
            (".99999999999999999", Some(1000), None),
            (".999999999999999999", Some(1000), None),
            (".9223372036854775807", Some(922), None),
            (".1234567890123456789", Some(123), None),
            (".0000000000000000001", Some(0), None),
            // Past a long: NumberFormatException, an invalid event.
            (".9223372036854775808", None, None),
        ];
        const EPOCH: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        for (fraction, multiport, tcp) in MEASURED {
            let stamp = format!("2026-01-01T00:00:00{fraction}Z");
            let got = parser::parse_rfc5424_date(&stamp).ok().map(|t| t - EPOCH);
            assert_eq!(got, *multiport, "SyslogParser {stamp}");

            let mut config = utils::UtilsConfig::new(2500, None, false);
            config.clock = std::sync::Arc::new(|| 0);
            let mut u = utils::SyslogUtils::new(config);
            let line = format!("<34>1 {stamp} host app - - - hello\n");
            let mut input = line.as_bytes();
            let event = u.extract_event(&mut input).expect("one event");
            let got = event
                .header("timestamp")
                .map(|t| t.parse::<i64>().unwrap() - EPOCH);
            assert_eq!(got, *tcp, "SyslogUtils {stamp}");
        }
        // Every fraction of 1 to 5 digits (Flume 1.9 checked the same up to 7 digits):
        // the first three digits, right-padded with zeros.
        for len in 1..=5u32 {
            for v in 0..10i64.pow(len) {
                let digits = format!("{v:0width$}", width = len as usize);
                let exact: i64 = format!("{digits}00")[..3].parse().unwrap();
                let stamp = format!("2026-01-01T00:00:00.{digits}Z");
                assert_eq!(
                    parser::parse_rfc5424_date(&stamp),
                    Ok(EPOCH + exact),
                    "{stamp}"
                );
            }
        }
    }

    #[test]
    fn java_addresses() {
        assert_eq!(java_host_address("127.0.0.1".parse().unwrap()), "127.0.0.1");
        assert_eq!(java_host_address("::1".parse().unwrap()), "0:0:0:0:0:0:0:1");
        assert_eq!(
            java_host_address("::ffff:10.0.0.1".parse().unwrap()),
            "10.0.0.1"
        );
    }
}
