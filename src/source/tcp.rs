//! The accept loop of the RPC sources (avro, thrift): a bounded number of connections (a
//! semaphore: beyond it, new connections wait in the listen backlog), a back-off on accept
//! errors (out of file descriptors and the like) instead of a busy loop, one task per
//! connection, and on stop a bounded wait for the calls in hand.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The connections a stopped accept loop leaves behind.
pub struct Connections {
    source: String,
    tracker: TaskTracker,
}

impl Connections {
    /// Wait up to `grace` for the connections to finish their call in hand.
    pub async fn wait(self, grace: Duration) {
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(source = %self.source, "connections still busy after {grace:?}; leaving them");
        }
    }
}

/// Accept connections until `shutdown`, running `handle(stream, peer)` for each on its own
/// task, at most `max_connections` at a time. The listener is closed on return.
pub async fn serve_tcp<H, F>(
    source: &str,
    listener: TcpListener,
    shutdown: &CancellationToken,
    max_connections: usize,
    mut handle: H,
) -> Connections
where
    H: FnMut(TcpStream, SocketAddr) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
    let tracker = TaskTracker::new();
    let mut accept_errors: u32 = 0;
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => { accept_errors = 0; a }
                Err(error) => {
                    accept_errors = accept_errors.saturating_add(1);
                    let wait = Duration::from_millis(10u64 << accept_errors.min(10));
                    tracing::warn!(%source, %error, "accept failed; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let connection = handle(tcp, peer);
        tracker.spawn(async move {
            connection.await;
            drop(permit);
        });
    }
    drop(listener);
    Connections {
        source: source.to_string(),
        tracker,
    }
}
