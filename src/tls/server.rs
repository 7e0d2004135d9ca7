//! The server side: an acceptor from a keystore, the sources' `ssl` keys, the handshake.

use std::pin::Pin;

use openssl::ssl::{Ssl, SslAcceptor, SslMethod};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_openssl::SslStream;

use super::{Keys, Protocols, Store, TlsError, load_identity};
use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};

/// TLS ≤ 1.2 suites of the server before any include/exclude list (the same list
/// `SslAcceptor::mozilla_intermediate_v5` sets).
pub(super) const SERVER_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

/// The server side: the key and certificate chain of a JKS or PKCS12 keystore.
pub fn acceptor(keystore: &Store, protocols: &Protocols) -> Result<SslAcceptor, TlsError> {
    let identity = load_identity(keystore, None)?;
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    builder.set_private_key(&identity.key)?;
    builder.set_certificate(&identity.cert)?;
    for c in identity.chain {
        builder.add_extra_chain_cert(c)?;
    }
    builder
        .check_private_key()
        .map_err(|e| TlsError::Keystore {
            path: keystore.path.display().to_string(),
            message: format!("private key does not match its certificate: {e}"),
        })?;
    protocols.apply(&mut builder, SERVER_CIPHERS)?;
    Ok(builder.build())
}

/// Flume's `SslContextAwareAbstractSource.configureSsl` for a source: `ssl` off → None; on →
/// the keystore and its password are required and the keystore must open, else the source is
/// not configured (`what` names it in the message, e.g. "Avro source").
pub fn server_from_context(
    ctx: &Context,
    env: &BuildEnv,
    what: &str,
    keys: Keys,
) -> Result<Option<SslAcceptor>, ConfigError> {
    let protocols = Protocols::read(ctx, env, keys);
    let keystore = Store::keystore_with(ctx, env, keys);
    let ssl = keys
        .get(ctx, "ssl")
        .is_some_and(|(_, v)| crate::java::parse_boolean(v));
    if !ssl {
        return Ok(None);
    }
    let Some(keystore) = keystore else {
        return Err(ctx.error("keystore", "keystore must be specified when SSL is enabled"));
    };
    if keystore.password.is_none() {
        return Err(ctx.error(
            "keystore-password",
            "keystore-password must be specified when SSL is enabled",
        ));
    }
    let acceptor = acceptor(&keystore, &protocols).map_err(|e| {
        ctx.error(
            "keystore",
            format!("{what} configured with invalid keystore: {e}"),
        )
    })?;
    tracing::info!(
        keystore = %keystore.path.display(),
        "{what} {}: TLS on, protocols {:?}",
        ctx.component(),
        protocols
            .versions()
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
    );
    Ok(Some(acceptor))
}

/// Server side of the TLS handshake.
pub async fn accept<S>(acceptor: &SslAcceptor, stream: S) -> Result<SslStream<S>, TlsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ssl = Ssl::new(acceptor.context())?;
    let mut tls = SslStream::new(ssl, stream)?;
    Pin::new(&mut tls)
        .accept()
        .await
        .map_err(|e| TlsError::Handshake(e.to_string()))?;
    Ok(tls)
}
