//! The client side: a connector from `trust-all-certs` / a truststore, the handshake (no host
//! name check, as Flume's Netty client).

use std::pin::Pin;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_openssl::SslStream;

use super::{Protocols, Store, TlsError, trusted_certificates};

/// TLS ≤ 1.2 suites of the client before any list: OpenSSL's defaults.
const CLIENT_CIPHERS: &str = "DEFAULT";

/// The client side: `trust-all-certs`, else the truststore's certificates, else the system's.
pub fn connector(
    trust_all: bool,
    truststore: Option<&Store>,
    protocols: &Protocols,
) -> Result<SslConnector, TlsError> {
    let mut builder = SslConnector::builder(SslMethod::tls())?;
    protocols.apply(&mut builder, CLIENT_CIPHERS)?;
    if trust_all {
        builder.set_verify(SslVerifyMode::NONE);
    } else if let Some(store) = truststore {
        let certs = trusted_certificates(store)?;
        let path = store.path.display().to_string();
        if certs.is_empty() {
            return Err(TlsError::Truststore {
                path,
                message: "holds no certificate".into(),
            });
        }
        for c in certs {
            builder.cert_store_mut().add_cert(c)?;
        }
        builder.set_verify(SslVerifyMode::PEER);
    } else {
        builder.set_default_verify_paths()?;
        builder.set_verify(SslVerifyMode::PEER);
    }
    Ok(builder.build())
}

/// Client side of the TLS handshake (no host name check, as Flume's Netty client).
pub async fn connect<S>(
    connector: &SslConnector,
    host: &str,
    stream: S,
) -> Result<SslStream<S>, TlsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ssl = connector
        .configure()?
        .verify_hostname(false)
        .into_ssl(host)?;
    let mut tls = SslStream::new(ssl, stream)?;
    Pin::new(&mut tls)
        .connect()
        .await
        .map_err(|e| TlsError::Handshake(e.to_string()))?;
    Ok(tls)
}
