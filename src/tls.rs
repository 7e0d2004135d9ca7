//! Keystores, truststores and TLS streams for every component that speaks TLS (the Avro RPC
//! source and client, the http sink; Flume's keys `ssl`, `keystore*`, `truststore*`,
//! `trust-all-certs`, `include-/exclude-protocols`), on the system OpenSSL: [`Store`] and
//! [`Protocols`] read the keys, [`acceptor`] / [`accept`] serve, [`connector`] / [`connect`]
//! dial.
//!
//! Keystores are read as PKCS12, which every Java since 9 writes by default. A Java `JKS`
//! keystore (private keys under Sun's proprietary protection) is refused with the `keytool`
//! command that converts it; a JKS *truststore* only holds certificates and is read directly.
//! As Flume's Netty client does, the client checks the server's certificate chain against the
//! truststore but not the host name (Java's `SSLEngine` has no endpoint identification there).

use std::path::{Path, PathBuf};
use std::pin::Pin;

use openssl::pkcs12::Pkcs12;
use openssl::ssl::{
    Ssl, SslAcceptor, SslConnector, SslMethod, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_openssl::SslStream;

use crate::component::BuildEnv;
use crate::config::Context;

const JKS_MAGIC: [u8; 4] = [0xfe, 0xed, 0xfe, 0xed];
const JCEKS_MAGIC: [u8; 4] = [0xce, 0xce, 0xce, 0xce];

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "keystore {path} is a Java JKS/JCEKS keystore, which flume-rs cannot read; convert it once with\n  keytool -importkeystore -srckeystore {path} -srcstoretype JKS -destkeystore {dest} -deststoretype PKCS12\nthen set keystore = {dest} and keystore-type = PKCS12"
    )]
    JksKeystore { path: String, dest: String },
    #[error("keystore {path}: {message}")]
    Keystore { path: String, message: String },
    #[error("truststore {path}: {message}")]
    Truststore { path: String, message: String },
    #[error("TLS setup failed: {0}")]
    Setup(#[from] openssl::error::ErrorStack),
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
}

/// A keystore or truststore file as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub path: PathBuf,
    pub password: Option<String>,
    /// `JKS` (Flume's default), `PKCS12`, … — the file's content decides in the end, as Java's
    /// keystore compatibility mode does.
    pub store_type: String,
}

/// `include-protocols` / `exclude-protocols` (Java names: `TLSv1.2`, `TLSv1.3`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocols {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Default for Protocols {
    fn default() -> Self {
        Protocols {
            include: Vec::new(),
            exclude: vec!["SSLv3".to_string()],
        }
    }
}

impl Protocols {
    /// Read the protocol keys Flume's components share. The cipher-suite keys are accepted
    /// too; OpenSSL's defaults apply to ciphers.
    pub fn from_context(ctx: &Context) -> Self {
        let list = |key: &str| -> Option<Vec<String>> {
            ctx.get(key)
                .map(|v| v.split_whitespace().map(str::to_string).collect())
        };
        let protocols = Protocols {
            include: list("include-protocols").unwrap_or_default(),
            exclude: list("exclude-protocols").unwrap_or_else(|| vec!["SSLv3".into()]),
        };
        for key in ["include-cipher-suites", "exclude-cipher-suites"] {
            if ctx.get(key).is_some() {
                tracing::warn!(
                    key = %ctx.full_key(key),
                    "cipher suite lists are not applied by flume-rs; OpenSSL's default suites are used"
                );
            }
        }
        protocols
    }

    fn versions(&self) -> Vec<SslVersion> {
        let all = [
            ("TLSv1", SslVersion::TLS1),
            ("TLSv1.1", SslVersion::TLS1_1),
            ("TLSv1.2", SslVersion::TLS1_2),
            ("TLSv1.3", SslVersion::TLS1_3),
        ];
        all.iter()
            .filter(|(name, _)| self.include.is_empty() || self.include.iter().any(|i| i == name))
            .filter(|(name, _)| !self.exclude.iter().any(|e| e == name))
            .map(|(_, v)| *v)
            .collect()
    }

    fn apply(&self, ctx: &mut openssl::ssl::SslContextBuilder) -> Result<(), TlsError> {
        let versions = self.versions();
        let (Some(min), Some(max)) = (versions.first(), versions.last()) else {
            return Err(TlsError::Handshake(
                "include-protocols/exclude-protocols leave no TLS version enabled".into(),
            ));
        };
        ctx.set_min_proto_version(Some(*min))?;
        ctx.set_max_proto_version(Some(*max))?;
        let holes = [
            (SslVersion::TLS1, SslOptions::NO_TLSV1),
            (SslVersion::TLS1_1, SslOptions::NO_TLSV1_1),
            (SslVersion::TLS1_2, SslOptions::NO_TLSV1_2),
            (SslVersion::TLS1_3, SslOptions::NO_TLSV1_3),
        ];
        for (v, option) in holes {
            if !versions.contains(&v) {
                ctx.set_options(option);
            }
        }
        Ok(())
    }
}

/// A value from the component's context, else the `-D` system property, else the environment
/// variable (Flume 1.10+'s global SSL settings).
fn global(ctx: &Context, key: &str, env: &BuildEnv, sysprop: &str, var: &str) -> Option<String> {
    ctx.get(key)
        .map(str::to_string)
        .or_else(|| env.sysprops.get(sysprop).cloned())
        .or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

impl Store {
    /// `keystore`, `keystore-password`, `keystore-type` (with Flume's global fallbacks).
    pub fn keystore_from_context(ctx: &Context, env: &BuildEnv) -> Option<Store> {
        let path = global(
            ctx,
            "keystore",
            env,
            "javax.net.ssl.keyStore",
            "FLUME_SSL_KEYSTORE_PATH",
        )?;
        Some(Store {
            path: PathBuf::from(path),
            password: global(
                ctx,
                "keystore-password",
                env,
                "javax.net.ssl.keyStorePassword",
                "FLUME_SSL_KEYSTORE_PASSWORD",
            ),
            store_type: global(
                ctx,
                "keystore-type",
                env,
                "javax.net.ssl.keyStoreType",
                "FLUME_SSL_KEYSTORE_TYPE",
            )
            .unwrap_or_else(|| "JKS".into()),
        })
    }

    /// `truststore`, `truststore-password`, `truststore-type` (with the global fallbacks).
    pub fn truststore_from_context(ctx: &Context, env: &BuildEnv) -> Option<Store> {
        let path = global(
            ctx,
            "truststore",
            env,
            "javax.net.ssl.trustStore",
            "FLUME_SSL_TRUSTSTORE_PATH",
        )?;
        Some(Store {
            path: PathBuf::from(path),
            password: global(
                ctx,
                "truststore-password",
                env,
                "javax.net.ssl.trustStorePassword",
                "FLUME_SSL_TRUSTSTORE_PASSWORD",
            ),
            store_type: global(
                ctx,
                "truststore-type",
                env,
                "javax.net.ssl.trustStoreType",
                "FLUME_SSL_TRUSTSTORE_TYPE",
            )
            .unwrap_or_else(|| "JKS".into()),
        })
    }

    fn read(&self) -> Result<Vec<u8>, TlsError> {
        std::fs::read(&self.path).map_err(|source| TlsError::Io {
            path: self.path.display().to_string(),
            source,
        })
    }
}

fn is_jks(bytes: &[u8]) -> bool {
    bytes.starts_with(&JKS_MAGIC) || bytes.starts_with(&JCEKS_MAGIC)
}

fn p12_destination(path: &Path) -> String {
    path.with_extension("p12").display().to_string()
}

/// The server side: a key and certificate chain from a PKCS12 keystore.
pub fn acceptor(keystore: &Store, protocols: &Protocols) -> Result<SslAcceptor, TlsError> {
    let path = keystore.path.display().to_string();
    let bytes = keystore.read()?;
    if is_jks(&bytes) {
        return Err(TlsError::JksKeystore {
            dest: p12_destination(&keystore.path),
            path,
        });
    }
    let bad = |message: String| TlsError::Keystore {
        path: path.clone(),
        message,
    };
    let parsed = Pkcs12::from_der(&bytes)
        .and_then(|p| p.parse2(keystore.password.as_deref().unwrap_or("")))
        .map_err(|e| {
            bad(format!(
                "not a readable PKCS12 keystore (wrong keystore-password, or a legacy encryption OpenSSL 3 refuses: re-export it with keytool -importkeystore … -deststoretype PKCS12): {e}"
            ))
        })?;
    let key = parsed
        .pkey
        .ok_or_else(|| bad("holds no private key".into()))?;
    let cert = parsed
        .cert
        .ok_or_else(|| bad("holds no certificate for its private key".into()))?;
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    builder.set_private_key(&key)?;
    builder.set_certificate(&cert)?;
    if let Some(chain) = parsed.ca {
        for c in chain {
            builder.add_extra_chain_cert(c)?;
        }
    }
    builder
        .check_private_key()
        .map_err(|e| bad(format!("private key does not match its certificate: {e}")))?;
    protocols.apply(&mut builder)?;
    Ok(builder.build())
}

/// The client side: `trust-all-certs`, else the truststore's certificates, else the system's.
pub fn connector(
    trust_all: bool,
    truststore: Option<&Store>,
    protocols: &Protocols,
) -> Result<SslConnector, TlsError> {
    let mut builder = SslConnector::builder(SslMethod::tls())?;
    protocols.apply(&mut builder)?;
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

/// Every certificate of a truststore (JKS trusted-certificate entries, or PKCS12).
pub fn trusted_certificates(store: &Store) -> Result<Vec<X509>, TlsError> {
    let path = store.path.display().to_string();
    let bytes = store.read()?;
    let bad = |message: String| TlsError::Truststore {
        path: path.clone(),
        message,
    };
    if is_jks(&bytes) {
        return jks_certificates(&bytes)
            .map_err(bad)?
            .iter()
            .map(|der| {
                X509::from_der(der).map_err(|e| TlsError::Truststore {
                    path: path.clone(),
                    message: format!("bad certificate: {e}"),
                })
            })
            .collect();
    }
    let parsed = Pkcs12::from_der(&bytes)
        .and_then(|p| p.parse2(store.password.as_deref().unwrap_or("")))
        .map_err(|e| bad(format!("neither JKS nor a readable PKCS12 file: {e}")))?;
    let mut out: Vec<X509> = parsed
        .ca
        .map(|s| s.into_iter().collect())
        .unwrap_or_default();
    out.extend(parsed.cert);
    Ok(out)
}

/// The certificates of a JKS (or JCEKS) store: trusted-certificate entries and the chains of
/// private-key entries. The store's integrity digest is not checked (Java skips it too when no
/// password is given).
pub fn jks_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    struct Cursor<'a>(&'a [u8], usize);
    impl<'a> Cursor<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            if n > self.0.len() - self.1 {
                return Err("truncated JKS file".into());
            }
            let s = &self.0[self.1..self.1 + n];
            self.1 += n;
            Ok(s)
        }
        fn u32(&mut self) -> Result<u32, String> {
            let b = self.take(4)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
        fn utf(&mut self) -> Result<(), String> {
            let b = self.take(2)?;
            let n = u16::from_be_bytes([b[0], b[1]]) as usize;
            self.take(n).map(|_| ())
        }
    }
    let mut c = Cursor(bytes, 0);
    let magic = c.take(4)?;
    if magic != JKS_MAGIC && magic != JCEKS_MAGIC {
        return Err("not a JKS file".into());
    }
    let version = c.u32()?;
    if version != 1 && version != 2 {
        return Err(format!("unsupported JKS version {version}"));
    }
    let count = c.u32()?;
    let mut certs = Vec::new();
    let mut cert = |c: &mut Cursor<'_>| -> Result<(), String> {
        if version == 2 {
            c.utf()?; // certificate type, "X.509"
        }
        let n = c.u32()? as usize;
        certs.push(c.take(n)?.to_vec());
        Ok(())
    };
    for _ in 0..count {
        let tag = c.u32()?;
        c.utf()?; // alias
        c.take(8)?; // creation time
        match tag {
            1 => {
                let n = c.u32()? as usize;
                c.take(n)?; // protected private key
                let chain = c.u32()?;
                for _ in 0..chain {
                    cert(&mut c)?;
                }
            }
            2 => cert(&mut c)?,
            3 => return Err("JCEKS secret-key entries are not supported".into()),
            other => return Err(format!("unknown JKS entry tag {other}")),
        }
    }
    Ok(certs)
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

/// Self-signed test material: a PKCS12 keystore and the certificate alone (DER).
#[doc(hidden)]
pub mod testing {
    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkcs12::Pkcs12;
    use openssl::pkey::PKey;
    use openssl::x509::{X509, X509NameBuilder};

    pub fn self_signed(common_name: &str, password: &str) -> (Vec<u8>, Vec<u8>) {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
        let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey");
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_text("CN", common_name).expect("cn");
        let name = name.build();
        let mut cert = X509::builder().expect("builder");
        cert.set_version(2).expect("version");
        let serial = BigNum::from_u32(1)
            .and_then(|b| b.to_asn1_integer())
            .expect("serial");
        cert.set_serial_number(&serial).expect("serial");
        cert.set_subject_name(&name).expect("subject");
        cert.set_issuer_name(&name).expect("issuer");
        cert.set_pubkey(&key).expect("pubkey");
        cert.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
            .expect("nb");
        cert.set_not_after(&Asn1Time::days_from_now(30).expect("time"))
            .expect("na");
        cert.sign(&key, MessageDigest::sha256()).expect("sign");
        let cert = cert.build();
        let p12 = Pkcs12::builder()
            .name("flume")
            .pkey(&key)
            .cert(&cert)
            .build2(password)
            .expect("pkcs12");
        (p12.to_der().expect("der"), cert.to_der().expect("der"))
    }

    /// A JKS truststore with one trusted-certificate entry (integrity digest computed as
    /// Java's `JavaKeyStore` does).
    pub fn jks_truststore(cert_der: &[u8], password: &str) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&super::JKS_MAGIC);
        body.extend_from_slice(&2u32.to_be_bytes());
        body.extend_from_slice(&1u32.to_be_bytes());
        body.extend_from_slice(&2u32.to_be_bytes());
        body.extend_from_slice(&(5u16).to_be_bytes());
        body.extend_from_slice(b"flume");
        body.extend_from_slice(&0u64.to_be_bytes());
        body.extend_from_slice(&(5u16).to_be_bytes());
        body.extend_from_slice(b"X.509");
        body.extend_from_slice(&(cert_der.len() as u32).to_be_bytes());
        body.extend_from_slice(cert_der);
        let mut digest_input: Vec<u8> = password
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        digest_input.extend_from_slice(b"Mighty Aphrodite");
        digest_input.extend_from_slice(&body);
        let digest = openssl::sha::sha1(&digest_input);
        body.extend_from_slice(&digest);
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path, name: &str, bytes: &[u8], password: &str) -> Store {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Store {
            path,
            password: Some(password.into()),
            store_type: "PKCS12".into(),
        }
    }

    #[test]
    fn pkcs12_keystore_builds_an_acceptor_and_jks_is_refused_with_the_keytool_command() {
        let dir = tempfile::tempdir().unwrap();
        let (p12, cert) = testing::self_signed("localhost", "secret");
        let ks = store(dir.path(), "server.p12", &p12, "secret");
        assert!(acceptor(&ks, &Protocols::default()).is_ok());

        let wrong = Store {
            password: Some("nope".into()),
            ..ks.clone()
        };
        let err = acceptor(&wrong, &Protocols::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("keystore"), "{err}");

        let jks = store(
            dir.path(),
            "server.jks",
            &testing::jks_truststore(&cert, "x"),
            "x",
        );
        let err = acceptor(&jks, &Protocols::default())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("keytool -importkeystore -srckeystore")
                && err.contains("-deststoretype PKCS12")
                && err.contains("server.p12"),
            "{err}"
        );
    }

    #[test]
    fn jks_and_pkcs12_truststores_yield_their_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let (p12, cert) = testing::self_signed("localhost", "pw");
        let jks = store(
            dir.path(),
            "trust.jks",
            &testing::jks_truststore(&cert, "pw"),
            "pw",
        );
        let certs = trusted_certificates(&jks).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].to_der().unwrap(), cert);
        let p = store(dir.path(), "trust.p12", &p12, "pw");
        assert_eq!(trusted_certificates(&p).unwrap()[0].to_der().unwrap(), cert);
        assert!(jks_certificates(&[0xfe, 0xed, 0xfe, 0xed, 0, 0]).is_err());
    }

    #[test]
    fn protocol_lists_narrow_the_versions() {
        let p = Protocols {
            include: vec![],
            exclude: vec!["SSLv3".into(), "TLSv1".into(), "TLSv1.1".into()],
        };
        assert_eq!(p.versions(), vec![SslVersion::TLS1_2, SslVersion::TLS1_3]);
        let p = Protocols {
            include: vec!["TLSv1.2".into()],
            exclude: vec![],
        };
        assert_eq!(p.versions(), vec![SslVersion::TLS1_2]);
    }
}
