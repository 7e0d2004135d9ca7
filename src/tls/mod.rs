//! Keystores, truststores and TLS streams for every component that speaks TLS: the avro,
//! thrift, http and syslog TCP sources (Flume's `SslContextAwareAbstractSource` keys `ssl`,
//! `keystore`, `keystore-password`, `keystore-type`, `include-/exclude-protocols`,
//! `include-/exclude-cipher-suites`), the avro and thrift clients (`trust-all-certs`,
//! `truststore*`), the http sink, and the Kafka components (JKS/PKCS12 stores handed to
//! librdkafka as PEM). Everything runs on the system OpenSSL: [`Store`] and [`Protocols`] read
//! the keys, [`server_from_context`] / [`acceptor`] / [`accept`] serve, [`connector`] /
//! [`connect`] dial.
//!
//! Stores are read as Java does with `keystore.type.compat`: the file's content decides
//! between JKS (and JCEKS's certificate entries) and PKCS12, whatever `keystore-type` says, as
//! long as it names a type Java knows. PKCS12 goes through OpenSSL. JKS is read here by hand:
//! the format is a short sequence of length-prefixed records closed by a SHA-1 integrity
//! digest, and its private keys use Sun's `KeyProtector` (a SHA-1 key stream). The `jks`
//! crate (0.3, one author) brings a second PKCS12 stack next to OpenSSL's for what is ~150
//! lines on top of OpenSSL's SHA-1. JCEKS private keys (PBEWithMD5AndTripleDES) are refused
//! with the `keytool` command that converts them.
//!
//! As Flume's Netty client does, the client checks the server's certificate chain against the
//! truststore but not the host name (Java's `SSLEngine` has no endpoint identification there).

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("keystore {path}: {message}")]
    Keystore { path: String, message: String },
    #[error("truststore {path}: {message}")]
    Truststore { path: String, message: String },
    #[error("TLS setup failed: {0}")]
    Setup(#[from] openssl::error::ErrorStack),
    #[error("{0}")]
    Config(String),
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
}

mod client;
mod jks;
mod props;
mod protocols;
mod server;
mod store;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod tests;

pub use client::*;
pub use props::*;
pub use protocols::*;
pub use server::*;
pub use store::*;
