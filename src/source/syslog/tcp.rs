//! `syslogtcp` (`SyslogTcpSource`): one [`SyslogUtils`] per connection, one channel
//! transaction per event; a channel failure drops that event (ChannelWriteFail), as in Flume
//! (reference §9.6).

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use openssl::ssl::SslAcceptor;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::utils::{Formats, SyslogUtils, UtilsConfig};
use super::{ClientHeaders, EVENT_SIZE, HOST, HostnameCache, KEEP_FIELDS, KeepFields};
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SourceCounter};
use crate::net::PORT;
use crate::registry::{Prop, PropTable};
use crate::source::deliver::{Counting, Failure};
use crate::source::{ProcessError, Source, SourceContext, SourceError};

/// Connections served at once; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 1024;
const READ_BUFFER: usize = 64 * 1024;

pub const FORMAT_REGEX: Prop = Prop::text(
    "format.regex",
    "a custom format tried before RFC 5424 and 3164 (Java regex)",
);
pub const FORMAT_SEARCH: Prop = Prop::text(
    "format.search",
    "text to replace in the custom format's time stamp",
);
pub const FORMAT_REPLACE: Prop = Prop::text("format.replace", "what replaces `format.search`");
pub const FORMAT_DATE_FORMAT: Prop = Prop::text(
    "format.dateFormat",
    "SimpleDateFormat pattern of the custom format's time stamp",
);

/// `syslogtcp` keys.
pub const PROPS: PropTable = PropTable::new(&[
    PORT,
    EVENT_SIZE,
    FORMAT_REGEX,
    FORMAT_SEARCH,
    FORMAT_REPLACE,
    FORMAT_DATE_FORMAT,
])
.including(&[&super::COMMON, &super::SSL_PROPS]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "syslogtcp",
    props: &PROPS,
    build: |name, ctx, env| {
        Ok(Box::new(SyslogTcpSource::from_context(name, ctx, env)?))
    },
};

/// The `SyslogUtils` settings of `syslogtcp` / `syslogudp` from their keys (`eventSize`,
/// `keepFields`, `format.*`).
pub(super) fn utils_config(ctx: &Context, udp: bool) -> Result<UtilsConfig, ConfigError> {
    let event_size = if udp {
        super::utils::UDP_MAX_SIZE
    } else {
        let raw = ctx.get_int(&EVENT_SIZE)?;
        usize::try_from(raw).unwrap_or(0)
    };
    let keep = KeepFields::parse(&ctx.get_string(&KEEP_FIELDS));
    let regex = ctx.value(&FORMAT_REGEX).map(str::to_string);
    let search = ctx.value(&FORMAT_SEARCH).map(str::to_string);
    let replace = ctx.value(&FORMAT_REPLACE).map(str::to_string);
    let date_format = ctx.value(&FORMAT_DATE_FORMAT).map(str::to_string);
    let formats = Formats::with_custom(
        regex.as_deref(),
        search.as_deref(),
        replace.as_deref(),
        date_format.as_deref(),
    )
    .map_err(|e| ctx.error(FORMAT_REGEX.name, e.to_string()))?;
    let mut config = UtilsConfig::new(event_size, keep, udp);
    config.formats = Arc::new(formats);
    config.zone = crate::java::date::default_zone();
    Ok(config)
}

pub struct SyslogTcpSource {
    name: String,
    bind: String,
    utils: UtilsConfig,
    client: ClientHeaders,
    tls: Option<Arc<SslAcceptor>>,
    counter: Arc<SourceCounter>,
}

impl SyslogTcpSource {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        env: &crate::component::BuildEnv,
    ) -> Result<Self, ConfigError> {
        let tls = super::tls_from_context(ctx, env, "Syslog TCP source")?;
        let port = crate::net::port(ctx, PORT.name)?;
        let host = ctx.value(&HOST).map(str::to_string);
        Ok(SyslogTcpSource {
            name: name.to_string(),
            bind: super::bind_address(host.as_deref(), port),
            utils: utils_config(ctx, false)?,
            client: ClientHeaders::from_context(ctx),
            tls,
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl Source for SyslogTcpSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let listener = TcpListener::bind(&self.bind).await.map_err(|e| {
            SourceError::Other(format!(
                "Syslog TCP source {}: cannot bind to {}: {e}",
                self.name, self.bind
            ))
        })?;
        tracing::info!(source = %self.name, address = %self.bind, "Syslog TCP Source starting...");
        let cache = HostnameCache::default();
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        crate::net::serve_tcp(
            listener,
            permits,
            &cx.shutdown,
            &self.name,
            |stream, peer| {
                let handler = Connection {
                    utils: SyslogUtils::new(self.utils.clone()),
                    client: self.client.clone(),
                    cache: cache.clone(),
                    counter: Arc::clone(&self.counter),
                    cx: cx.clone(),
                };
                let tls = self.tls.clone();
                let name = self.name.clone();
                async move {
                    if let Some(stream) =
                        super::open_stream(tls.as_deref(), stream, &name, peer).await
                    {
                        handler.serve(stream, peer).await;
                    }
                }
            },
        )
        .await;
        tracing::info!(source = %self.name, "Syslog TCP Source stopping...");
        Ok(())
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

struct Connection {
    utils: SyslogUtils,
    client: ClientHeaders,
    cache: HostnameCache,
    counter: Arc<SourceCounter>,
    cx: SourceContext,
}

impl Connection {
    async fn serve(mut self, mut stream: super::Stream, peer: SocketAddr) {
        let extra = if self.client.is_empty() {
            Vec::new()
        } else {
            self.client.values(peer, &self.cache).await
        };
        let mut buf = vec![0u8; READ_BUFFER];
        loop {
            let n = tokio::select! {
                _ = self.cx.shutdown.cancelled() => return,
                r = stream.read(&mut buf) => match r {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                },
            };
            let mut input = &buf[..n];
            while !input.is_empty() {
                let Some(mut event) = self.utils.extract_event(&mut input) else {
                    continue;
                };
                for (k, v) in &extra {
                    event.headers.insert(k.clone(), v.clone());
                }
                let counting = Counting::EVENTS
                    .failures(Some(Failure::ChannelWrite), Some(Failure::EventRead));
                match self.cx.deliver(&self.counter, counting, vec![event]).await {
                    Ok(()) => {}
                    Err(error @ ProcessError::Channel { .. }) => {
                        tracing::error!(source = %self.cx.name, %error, "Error writting to channel, event dropped");
                    }
                    Err(error) => {
                        tracing::error!(source = %self.cx.name, %error, "Error parsing event from syslog stream, event dropped");
                        break;
                    }
                }
            }
        }
    }
}
