//! `syslogudp` (`SyslogUDPSource`): one event per datagram (up to the first `\n`, at most
//! 64 KiB), one [`SyslogUtils`] for the whole source, one channel transaction per event; a
//! channel failure drops the event (reference §9.7).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::net::UdpSocket;

use super::utils::{SyslogUtils, UDP_MAX_SIZE, UtilsConfig};
use super::{ClientHeaders, HOST, HostnameCache};
use crate::config::{ConfigError, Context};
use crate::metrics::{MetricSource, SourceCounter};
use crate::net::PORT;
use crate::registry::PropTable;
use crate::source::deliver::{Counting, Failure};
use crate::source::{ProcessError, Source, SourceContext, SourceError};

/// `syslogudp` keys (no `eventSize`: a datagram is one event of at most 64 KiB).
pub const PROPS: PropTable = PropTable::new(&[
    PORT,
    super::tcp::FORMAT_REGEX,
    super::tcp::FORMAT_SEARCH,
    super::tcp::FORMAT_REPLACE,
    super::tcp::FORMAT_DATE_FORMAT,
])
.including(&[&super::COMMON]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "syslogudp",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(SyslogUdpSource::from_context(name, ctx)?))
    },
};

pub struct SyslogUdpSource {
    name: String,
    bind: String,
    utils: UtilsConfig,
    client: ClientHeaders,
    counter: Arc<SourceCounter>,
}

impl SyslogUdpSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let port = crate::net::port(ctx, PORT.name)?;
        let host = ctx.value(&HOST).map(str::to_string);
        Ok(SyslogUdpSource {
            name: name.to_string(),
            bind: super::bind_address(host.as_deref(), port),
            utils: super::tcp::utils_config(ctx, true)?,
            client: ClientHeaders::from_context(ctx),
            counter: SourceCounter::new(name),
        })
    }
}

#[async_trait]
impl Source for SyslogUdpSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let socket = UdpSocket::bind(&self.bind).await.map_err(|e| {
            SourceError::Other(format!(
                "Syslog UDP source {}: cannot bind to {}: {e}",
                self.name, self.bind
            ))
        })?;
        tracing::info!(source = %self.name, address = %self.bind, "Syslog UDP Source starting...");
        let mut utils = SyslogUtils::new(self.utils.clone());
        let cache = HostnameCache::default();
        let mut buf = vec![0u8; UDP_MAX_SIZE];
        loop {
            let (n, peer) = tokio::select! {
                _ = cx.shutdown.cancelled() => break,
                r = socket.recv_from(&mut buf) => match r {
                    Ok(r) => r,
                    Err(error) => {
                        tracing::warn!(source = %self.name, %error, "receive failed");
                        continue;
                    }
                },
            };
            let mut input = &buf[..n];
            let Some(mut event) = utils.extract_event(&mut input) else {
                continue;
            };
            for (k, v) in self.client.values(peer, &cache).await {
                event.headers.insert(k, v);
            }
            let counting =
                Counting::EVENTS.failures(Some(Failure::ChannelWrite), Some(Failure::EventRead));
            match cx.deliver(&self.counter, counting, vec![event]).await {
                Ok(()) => {}
                Err(error @ ProcessError::Channel { .. }) => {
                    tracing::error!(source = %self.name, %error, "Error writting to channel");
                }
                Err(error) => {
                    tracing::error!(source = %self.name, %error, "Error parsing event from syslog stream, event dropped");
                }
            }
        }
        tracing::info!(source = %self.name, "Syslog UDP Source stopping...");
        Ok(())
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}
