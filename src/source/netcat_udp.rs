//! `netcatudp` source (`NetcatUdpSource`): one event per datagram, the bytes up to the first
//! `\n`; optionally the sender's address (Java's `InetSocketAddress.toString()`, `/ip:port`) in
//! the header named by `remoteAddressHeader`. No acknowledgement, no metrics (as in Flume).

use async_trait::async_trait;
use tokio::net::UdpSocket;

use super::{Source, SourceContext, SourceError};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::net::{BIND, PORT};
use crate::registry::{Prop, PropTable};

pub const REMOTE_ADDRESS_HEADER: Prop = Prop::text(
    "remoteAddressHeader",
    "header to put the sender's address (`/ip:port`) in",
);
pub const PROPS: PropTable = PropTable::new(&[BIND, PORT, REMOTE_ADDRESS_HEADER]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "netcatudp",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(NetcatUdpSource::from_context(name, ctx)?))
    },
};

/// Largest datagram read.
const MAX_DATAGRAM: usize = 65536;

pub struct NetcatUdpSource {
    name: String,
    bind: String,
    port: u16,
    remote_address_header: Option<String>,
}

impl NetcatUdpSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(NetcatUdpSource {
            name: name.to_string(),
            bind: ctx.get_required(&BIND)?,
            port: crate::net::port(ctx, PORT.name)?,
            remote_address_header: ctx.value(&REMOTE_ADDRESS_HEADER).map(str::to_string),
        })
    }
}

#[async_trait]
impl Source for NetcatUdpSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let addr = crate::net::resolve(&self.bind, self.port).await?;
        let socket = UdpSocket::bind(addr).await.map_err(|e| {
            SourceError::Other(format!("source {}: cannot bind {addr}: {e}", self.name))
        })?;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let (n, peer) = tokio::select! {
                _ = cx.shutdown.cancelled() => return Ok(()),
                r = socket.recv_from(&mut buf) => match r {
                    Ok(r) => r,
                    Err(error) => {
                        tracing::warn!(source = %self.name, %error, "receive failed");
                        continue;
                    }
                },
            };
            let line = &buf[..n];
            let body = match line.iter().position(|&b| b == b'\n') {
                Some(i) => &line[..i],
                None => line,
            };
            let mut headers = Headers::new();
            if let Some(h) = &self.remote_address_header {
                headers.insert(h.clone(), format!("/{}:{}", peer.ip(), peer.port()));
            }
            if let Err(error) = cx
                .processor
                .process_event(Event::with_headers(headers, body.to_vec()))
                .await
            {
                tracing::warn!(source = %self.name, %error, "Error processing event; the datagram is dropped");
            }
        }
    }
}
