//! `host` (`org.apache.flume.interceptor.HostInterceptor$Builder`): puts this host's address
//! (or canonical name) in a header. The value is resolved once, when the interceptor is built
//! (`InetAddress.getLocalHost()`); if that lookup fails the header is never set.

use super::{Interceptor, InterceptorError};
use crate::config::{ConfigError, Context};
use crate::event::Event;

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
        let preserve_existing = ctx.bool("preserveExisting", false);
        let use_ip = ctx.bool("useIP", true);
        let header = ctx.string("hostHeader", "host");
        let local = crate::format::bucket_path::local_host();
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
    fn intercept(&self, mut event: Event) -> Result<Option<Event>, InterceptorError> {
        if self.preserve_existing && event.headers.contains_key(&self.header) {
            return Ok(Some(event));
        }
        if let Some(host) = &self.host {
            event.headers.insert(self.header.clone(), host.clone());
        }
        Ok(Some(event))
    }
}
