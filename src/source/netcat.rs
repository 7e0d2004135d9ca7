//! `netcat` source (`NetcatSource`): a TCP server turning each line into an event, answering
//! `OK` per event (reference §9.4). Lines end at `\n`; a `\r` stays in the body; the length
//! limit counts characters including the newline; one channel transaction per event.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::{ChannelProcessor, Source, SourceContext, SourceError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::net::{BIND, PORT};
use crate::registry::{Prop, PropTable};

pub const MAX_LINE_LENGTH: Prop = Prop::int(
    "max-line-length",
    512,
    "longest line in characters, newline included (> 0); longer: `FAILED` and the connection closed",
);
pub const ACK_EVERY_EVENT: Prop = Prop::bool("ack-every-event", true, "answer `OK` per event");
pub const ENCODING: Prop = Prop::string("encoding", "utf-8", "character set of the input lines");
pub const PROPS: PropTable =
    PropTable::new(&[BIND, PORT, MAX_LINE_LENGTH, ACK_EVERY_EVENT, ENCODING]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "netcat",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(NetcatSource::from_context(name, ctx)?))
    },
};

/// Connections served at once; more wait in the accept queue.
const MAX_CONNECTIONS: usize = 1024;

#[derive(Debug, Clone)]
pub struct NetcatConfig {
    pub bind: String,
    pub port: u16,
    pub max_line_length: usize,
    pub ack_every_event: bool,
    pub encoding: &'static encoding_rs::Encoding,
}

impl NetcatConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let bind = ctx.get_required(&BIND)?;
        let port = crate::net::port(ctx, PORT.name)?;
        let max_line_length = ctx.get_int(&MAX_LINE_LENGTH)?;
        if max_line_length <= 0 {
            return Err(ctx.error(MAX_LINE_LENGTH.name, "must be greater than 0"));
        }
        let encoding_name = ctx.get_string(&ENCODING);
        let encoding = encoding_rs::Encoding::for_label(encoding_name.trim().as_bytes())
            .ok_or_else(|| {
                ctx.error(
                    ENCODING.name,
                    format!("unsupported character set \"{encoding_name}\""),
                )
            })?;
        Ok(NetcatConfig {
            bind,
            port,
            max_line_length: max_line_length as usize,
            ack_every_event: ctx.get_bool(&ACK_EVERY_EVENT),
            encoding,
        })
    }
}

pub struct NetcatSource {
    name: String,
    config: NetcatConfig,
}

impl NetcatSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(NetcatSource {
            name: name.to_string(),
            config: NetcatConfig::from_context(ctx)?,
        })
    }
}

#[async_trait]
impl Source for NetcatSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        let addr = crate::net::resolve(&self.config.bind, self.config.port).await?;
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            SourceError::Other(format!("source {}: cannot bind {addr}: {e}", self.name))
        })?;
        tracing::info!("Created serverSocket:{addr}");
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        crate::net::serve_tcp(listener, permits, &cx.shutdown, &self.name, |stream, peer| {
            let config = self.config.clone();
            let processor = Arc::clone(&cx.processor);
            let shutdown = cx.shutdown.clone();
            async move {
                tokio::select! {
                    _ = shutdown.cancelled() => {}
                    r = handle(stream, &config, &processor) => {
                        if let Err(error) = r {
                            tracing::debug!(%peer, %error, "netcat connection ended with an error");
                        }
                    }
                }
            }
        })
        .await;
        Ok(())
    }
}

/// Serve one connection: split lines, one event each, answer per event.
async fn handle(
    mut stream: TcpStream,
    config: &NetcatConfig,
    processor: &ChannelProcessor,
) -> std::io::Result<()> {
    let mut pending: Vec<u8> = Vec::with_capacity(config.max_line_length + 1);
    let mut buf = vec![0u8; 8192];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            // Bytes after the last newline are discarded, as in Flume.
            return Ok(());
        }
        let mut start = 0;
        for i in 0..n {
            if buf[i] != b'\n' {
                continue;
            }
            pending.extend_from_slice(&buf[start..i]);
            start = i + 1;
            let (line, _) = config.encoding.decode_without_bom_handling(&pending);
            if line.chars().count() + 1 > config.max_line_length {
                return too_long(&mut stream, config).await;
            }
            let reply = match processor
                .process_event(Event::new(line.into_owned().into_bytes()))
                .await
            {
                Ok(()) => "OK\n".to_string(),
                Err(e) => {
                    tracing::warn!(%e, "Error processing event");
                    format!("FAILED: {e}\n")
                }
            };
            pending.clear();
            if config.ack_every_event {
                stream.write_all(reply.as_bytes()).await?;
            }
        }
        pending.extend_from_slice(&buf[start..n]);
        // The buffer holds max-line-length characters; a line that fills it without a newline
        // can never fit.
        if pending.len() >= config.max_line_length {
            let (partial, _) = config.encoding.decode_without_bom_handling(&pending);
            if partial.chars().count() >= config.max_line_length {
                return too_long(&mut stream, config).await;
            }
        }
    }
}

async fn too_long(stream: &mut TcpStream, config: &NetcatConfig) -> std::io::Result<()> {
    let msg = format!(
        "FAILED: Event exceeds the maximum length ({} chars, including newline)\n",
        config.max_line_length
    );
    tracing::warn!("Client sent event exceeding the maximum length");
    stream.write_all(msg.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::channel::memory::MemoryChannel;
    use crate::channel::{Channel, ChannelRef};
    use crate::interceptor::InterceptorChain;
    use crate::vectors::{Case, Outcome};

    /// `serializers_and_readers.json`'s netcat cases: a client sends bytes to a connection
    /// served by the source; the events and the server's replies are compared.
    pub(crate) fn check_vector(case: &Case) -> Outcome {
        if !case.id.starts_with("netcat-") {
            return Outcome::NotMine;
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(run_vector(case))
    }

    async fn run_vector(case: &Case<'_>) -> Outcome {
        let mut pairs = case.config_pairs();
        pairs.push(("bind".into(), "127.0.0.1".into()));
        pairs.push(("port".into(), "1".into()));
        let config = match NetcatConfig::from_context(&Context::from_pairs("a.sources.r.", pairs)) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(e.to_string()),
        };
        let channel = Arc::new(
            MemoryChannel::from_context(
                "c1",
                &Context::from_pairs("a.channels.c1.", [("capacity", "100")]),
            )
            .unwrap(),
        );
        let channel_ref: ChannelRef = channel.clone();
        let selector = crate::selector::build(
            &Context::from_pairs("a.sources.r.selector.", [] as [(&str, &str); 0]),
            &["c1".to_string()],
        )
        .unwrap();
        let processor =
            ChannelProcessor::new(vec![channel_ref], InterceptorChain::default(), selector);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sends = case.input()["tcp_client_sends"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let client = tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(sends.as_bytes()).await.unwrap();
            c.shutdown().await.unwrap();
            let mut replies = Vec::new();
            c.read_to_end(&mut replies).await.unwrap();
            String::from_utf8_lossy(&replies).into_owned()
        });
        let (stream, _) = listener.accept().await.unwrap();
        handle(stream, &config, &processor).await.unwrap();
        let replies = client.await.unwrap();
        let take = channel.take(100).await.unwrap();
        let bodies: Vec<String> = take
            .events()
            .iter()
            .map(|e| String::from_utf8_lossy(&e.body).into_owned())
            .collect();
        take.commit().await.unwrap();
        let want: Vec<String> = case.expected()["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        Outcome::all([
            Outcome::eq(bodies, want, "events"),
            Outcome::eq(
                replies.as_str(),
                case.expected()["server_replies"].as_str().unwrap_or("?"),
                "server replies",
            ),
        ])
    }
}
