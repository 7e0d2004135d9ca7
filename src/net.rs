//! Network plumbing shared by the servers (network sources, the monitoring server): the
//! `port` key as Flume reads it, address resolution, and [`serve_tcp`], the one TCP accept
//! loop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{ConfigError, Context};
use crate::registry::{self, Prop, Type};

/// `bind`: the address a server listens on (required where Flume requires it).
pub const BIND: Prop = Prop::text("bind", "address or host name to listen on").required();
/// `port`: the port a server listens on.
pub const PORT: Prop = Prop::new(
    "port",
    Type::Int,
    registry::Default::None,
    "port to listen on",
)
.required();

/// A required port key (`Context.getInteger`, then 0–65535).
pub fn port(ctx: &Context, key: &str) -> Result<u16, ConfigError> {
    let raw = ctx.required(key)?;
    crate::java::parse_int(&raw)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| {
            ctx.error(
                key,
                format!("expected a port number (0-65535), got \"{raw}\""),
            )
        })
}

/// Resolve `bind` + `port` to a socket address (host names allowed).
pub async fn resolve(bind: &str, port: u16) -> std::io::Result<SocketAddr> {
    tokio::net::lookup_host((bind.trim(), port))
        .await?
        .next()
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("cannot resolve {bind}"),
            )
        })
}

/// How long a stopping server waits for its open connections to end.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The longest pause after failed accepts (out of file descriptors and the like).
const MAX_ACCEPT_PAUSE: Duration = Duration::from_secs(1);

/// Accept connections on `listener` until `shutdown`, each served by the future `serve`
/// returns, on a task of its own. At most as many connections as `permits` has are open at
/// once (the next accept waits for one to end); servers of several ports may share one
/// semaphore. A failed accept is logged and retried after a pause that doubles while accepts
/// keep failing. At stop the listener is closed first, then the open connections get
/// [`STOP_GRACE`] to end (`serve` should watch `shutdown`). `name` is the server, for logs.
pub async fn serve_tcp<F, Fut>(
    listener: TcpListener,
    permits: Arc<Semaphore>,
    shutdown: &CancellationToken,
    name: &str,
    mut serve: F,
) where
    F: FnMut(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let connections = TaskTracker::new();
    let mut pause = Duration::ZERO;
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(error) => {
                    pause = (pause * 2).clamp(Duration::from_millis(20), MAX_ACCEPT_PAUSE);
                    tracing::warn!(server = %name, %error, "accept failed; retrying in {pause:?}");
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(pause) => {}
                    }
                    continue;
                }
            },
        };
        pause = Duration::ZERO;
        let connection = serve(stream, peer);
        connections.spawn(async move {
            connection.await;
            drop(permit);
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(STOP_GRACE, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(server = %name, "connections still busy after {STOP_GRACE:?}; leaving them");
    }
}

/// A semaphore with no practical limit, for servers Flume does not limit.
pub fn unlimited() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(Semaphore::MAX_PERMITS))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[test]
    fn ports_are_read_as_flume_reads_integers() {
        let ctx = Context::from_pairs(
            "a1.sources.r1.",
            [
                ("port", " 4141"),
                ("hex", "0x10"),
                ("big", "70000"),
                ("bad", "41x"),
            ],
        );
        assert_eq!(port(&ctx, "port").unwrap(), 4141);
        for key in ["big", "bad"] {
            let err = port(&ctx, key).unwrap_err();
            assert_eq!(err.key, format!("a1.sources.r1.{key}"));
            assert!(err.to_string().contains("port number"), "{err}");
        }
        assert!(
            port(&ctx, "missing")
                .unwrap_err()
                .to_string()
                .contains("required")
        );
        // `Integer.parseInt` has no hex form.
        assert!(port(&ctx, "hex").is_err());
    }

    #[tokio::test]
    async fn one_connection_at_a_time_when_the_limit_is_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            serve_tcp(
                listener,
                Arc::new(Semaphore::new(1)),
                &stop,
                "test",
                |mut s, _| async move {
                    let mut byte = [0u8; 1];
                    while s.read(&mut byte).await.is_ok_and(|n| n == 1) {
                        let _ = s.write_all(&byte).await;
                    }
                },
            )
            .await
        });
        let mut first = TcpStream::connect(addr).await.unwrap();
        first.write_all(b"a").await.unwrap();
        let mut echo = [0u8; 1];
        first.read_exact(&mut echo).await.unwrap();
        // The second connection is queued by the kernel but not served while the first is open.
        let mut second = TcpStream::connect(addr).await.unwrap();
        second.write_all(b"b").await.unwrap();
        let waited =
            tokio::time::timeout(Duration::from_millis(300), second.read_exact(&mut echo)).await;
        assert!(
            waited.is_err(),
            "second connection served while the first was open"
        );
        drop(first);
        second.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"b");
        drop(second);
        shutdown.cancel();
        server.await.unwrap();
    }
}
