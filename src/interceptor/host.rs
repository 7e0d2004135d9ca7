//! `host` (`org.apache.flume.interceptor.HostInterceptor$Builder`): puts this host's address
//! (or canonical name) in a header. The value is resolved once, when the interceptor is built
//! (`InetAddress.getLocalHost()`); if that lookup fails the header is never set.

use std::sync::OnceLock;

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};

pub const PRESERVE_EXISTING: Prop = Prop::bool(
    "preserveExisting",
    false,
    "keep a header that is already there",
);
pub const USE_IP: Prop = Prop::bool("useIP", true, "the IP address rather than the host name");
pub const HOST_HEADER: Prop = Prop::string("hostHeader", "host", "the header to set");
pub const PROPS: PropTable = PropTable::new(&[PRESERVE_EXISTING, USE_IP, HOST_HEADER]);

pub struct HostInterceptor {
    /// `hostHeader` (default "host")
    header: String,
    /// `preserveExisting` (default false)
    preserve_existing: bool,
    /// The resolved value; `None` when the local host could not be resolved.
    host: Option<String>,
}

impl HostInterceptor {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let preserve_existing = ctx.get_bool(&PRESERVE_EXISTING);
        let use_ip = ctx.get_bool(&USE_IP);
        let header = ctx.get_string(&HOST_HEADER);
        let local = local_host();
        let host = if use_ip {
            local.address.clone()
        } else {
            local.canonical.clone()
        };
        if host.is_none() {
            tracing::warn!(
                interceptor = %name,
                host = %local.name,
                "Could not get local host address. Exception follows. (the host header will not be set)"
            );
        }
        Ok(HostInterceptor {
            header,
            preserve_existing,
            host,
        })
    }

    /// The value this interceptor sets (for tests and diagnostics).
    pub fn value(&self) -> Option<&str> {
        self.host.as_deref()
    }
}

impl Interceptor for HostInterceptor {
    fn headers_added(&self) -> usize {
        1
    }

    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if self.preserve_existing && event.headers.contains(&self.header) {
            return Ok(Some(event));
        }
        if let Some(host) = &self.host {
            event.headers.put(&self.header, host);
        }
        Ok(Some(event))
    }

    fn intercept_batch(&self, mut events: Vec<Event>) -> Result<Vec<Event>, InterceptorError> {
        let Some(host) = &self.host else {
            return Ok(events);
        };
        for event in &mut events {
            if self.preserve_existing && event.headers.contains(&self.header) {
                continue;
            }
            event.headers.put(&self.header, host);
        }
        Ok(events)
    }
}

/// This host as `InetAddress.getLocalHost()` sees it: (host name, address, canonical name).
pub struct LocalHost {
    pub name: String,
    pub address: Option<String>,
    pub canonical: Option<String>,
}

/// Resolved once per process (also used by path escaping: `%[localhost]`, `%[IP]`, `%[FQDN]`).
pub fn local_host() -> &'static LocalHost {
    static LOCAL: OnceLock<LocalHost> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let name = gethostname::gethostname().to_string_lossy().into_owned();
        let ip = resolve_host(&name);
        let canonical = ip.map(|ip| reverse_lookup(ip).unwrap_or_else(|| ip.to_string()));
        LocalHost {
            address: ip.map(|ip| ip.to_string()),
            canonical,
            name,
        }
    })
}

/// The first address of `name`, IPv4 preferred (Java's default `preferIPv6Addresses=false`).
pub(crate) fn resolve_host(name: &str) -> Option<std::net::IpAddr> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<std::net::IpAddr> = (name, 0).to_socket_addrs().ok()?.map(|a| a.ip()).collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
}

/// `getnameinfo(NI_NAMEREQD)` of an address.
fn reverse_lookup(ip: std::net::IpAddr) -> Option<String> {
    let sockaddr: std::net::SocketAddr = (ip, 0).into();
    let (storage, len) = match sockaddr {
        std::net::SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in,
                    sin,
                )
            };
            (storage, std::mem::size_of::<libc::sockaddr_in>())
        }
        std::net::SocketAddr::V6(v6) => {
            let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: v6.ip().octets(),
            };
            let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in6.
            unsafe {
                std::ptr::write(
                    &mut storage as *mut libc::sockaddr_storage as *mut libc::sockaddr_in6,
                    sin6,
                )
            };
            (storage, std::mem::size_of::<libc::sockaddr_in6>())
        }
    };
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: the pointers are valid for the given lengths for the duration of the call.
    let rc = unsafe {
        libc::getnameinfo(
            &storage as *const libc::sockaddr_storage as *const libc::sockaddr,
            len as libc::socklen_t,
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
    // SAFETY: getnameinfo wrote a NUL-terminated string into `host`.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}
