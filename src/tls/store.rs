//! Keystores and truststores: the configured file, its type (the content decides, as Java's
//! `keystore.type.compat`), the private key and chain of a keystore, the certificates of a
//! truststore. PKCS12 goes through OpenSSL; JKS through [`super::jks`].

use std::path::{Path, PathBuf};

use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use super::jks::{JCEKS_KEY, JCEKS_MAGIC, JKS_MAGIC, Jks, JksEntry, recover_jks_key};
use super::{Keys, TlsError, global, global_value};
use crate::component::BuildEnv;
use crate::config::Context;

/// The store types Java's `KeyStore.getInstance` knows (case-insensitive).
const STORE_TYPES: [&str; 3] = ["JKS", "PKCS12", "JCEKS"];

/// A keystore or truststore file as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct Store {
    pub path: PathBuf,
    pub password: Option<String>,
    /// `JKS` (Flume's default), `PKCS12` or `JCEKS`: checked to be a type Java knows; the
    /// file's content decides how it is read, as Java's keystore compatibility mode does.
    pub store_type: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field(
                "password",
                &self.password.as_ref().map(|_| crate::config::context::MASK),
            )
            .field("store_type", &self.store_type)
            .finish()
    }
}

impl Store {
    /// `keystore`, `keystore-password`, `keystore-type` (with Flume's global fallbacks).
    pub fn keystore_from_context(ctx: &Context, env: &BuildEnv) -> Option<Store> {
        Self::keystore_with(ctx, env, Keys::FLUME)
    }

    pub(super) fn keystore_with(ctx: &Context, env: &BuildEnv, keys: Keys) -> Option<Store> {
        let path = global(
            ctx,
            "keystore",
            env,
            "javax.net.ssl.keyStore",
            "FLUME_SSL_KEYSTORE_PATH",
        )?;
        let password = keys
            .get(ctx, "keystore-password")
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                global_value(
                    env,
                    "javax.net.ssl.keyStorePassword",
                    "FLUME_SSL_KEYSTORE_PASSWORD",
                )
            });
        Some(Store {
            path: PathBuf::from(path),
            password,
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

    pub(super) fn read(&self) -> Result<Vec<u8>, TlsError> {
        std::fs::read(&self.path).map_err(|source| TlsError::Io {
            path: self.path.display().to_string(),
            source,
        })
    }

    fn check_type(&self) -> Result<(), String> {
        if STORE_TYPES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(self.store_type.trim()))
        {
            Ok(())
        } else {
            Err(format!(
                "type \"{}\" is not a keystore type Java knows (JKS, PKCS12, JCEKS)",
                self.store_type
            ))
        }
    }
}

fn is_jks(bytes: &[u8]) -> bool {
    bytes.starts_with(&JKS_MAGIC) || bytes.starts_with(&JCEKS_MAGIC)
}

fn p12_destination(path: &Path) -> String {
    path.with_extension("p12").display().to_string()
}

/// A private key with its certificate and the rest of its chain.
pub struct Identity {
    pub key: PKey<Private>,
    pub cert: X509,
    pub chain: Vec<X509>,
}

impl Identity {
    /// The private key as PKCS#8 PEM (for librdkafka's `ssl.key.pem`).
    pub fn key_pem(&self) -> Result<String, TlsError> {
        Ok(String::from_utf8_lossy(&self.key.private_key_to_pem_pkcs8()?).into_owned())
    }

    /// The certificate then its chain, PEM (for librdkafka's `ssl.certificate.pem`).
    pub fn chain_pem(&self) -> Result<String, TlsError> {
        certs_pem(std::iter::once(&self.cert).chain(&self.chain))
    }
}

/// Certificates as concatenated PEM.
pub fn certs_pem<'a>(certs: impl IntoIterator<Item = &'a X509>) -> Result<String, TlsError> {
    let mut out = String::new();
    for c in certs {
        out.push_str(&String::from_utf8_lossy(&c.to_pem()?));
    }
    Ok(out)
}

/// The private key and certificate chain of a keystore (JKS or PKCS12). `key_password` is the
/// password of the key entry (Flume uses the keystore password for both).
pub fn load_identity(keystore: &Store, key_password: Option<&str>) -> Result<Identity, TlsError> {
    let path = keystore.path.display().to_string();
    let bad = |message: String| TlsError::Keystore {
        path: path.clone(),
        message,
    };
    keystore.check_type().map_err(bad)?;
    let bytes = keystore.read()?;
    let password = keystore.password.as_deref().unwrap_or("");
    if is_jks(&bytes) {
        let store = Jks::parse(&bytes, keystore.password.as_deref()).map_err(bad)?;
        let Some((alias, protected, chain)) = store.entries.iter().find_map(|e| match e {
            JksEntry::Key {
                alias,
                protected,
                chain,
            } => Some((alias, protected, chain)),
            JksEntry::Cert { .. } => None,
        }) else {
            return Err(bad(
                "holds no private key entry (is it a truststore?)".into()
            ));
        };
        let der = recover_jks_key(protected, key_password.unwrap_or(password)).map_err(|m| {
            if m == JCEKS_KEY {
                bad(format!(
                    "the key \"{alias}\" is protected with JCEKS's PBEWithMD5AndTripleDES, which flume-rs does not read; convert the store once with\n  keytool -importkeystore -srckeystore {path} -srcstoretype JCEKS -destkeystore {dest} -deststoretype PKCS12\nthen set keystore = {dest} and keystore-type = PKCS12",
                    dest = p12_destination(&keystore.path)
                ))
            } else {
                bad(format!("key \"{alias}\": {m}"))
            }
        })?;
        let key = PKey::private_key_from_pkcs8(&der)
            .map_err(|e| bad(format!("key \"{alias}\" is not a PKCS#8 private key: {e}")))?;
        let mut certs = chain
            .iter()
            .map(|c| X509::from_der(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("key \"{alias}\": bad certificate: {e}")))?
            .into_iter();
        let cert = certs
            .next()
            .ok_or_else(|| bad(format!("key \"{alias}\" has no certificate")))?;
        return Ok(Identity {
            key,
            cert,
            chain: certs.collect(),
        });
    }
    let parsed = Pkcs12::from_der(&bytes)
        .map_err(|e| bad(format!("neither a JKS nor a PKCS12 keystore: {e}")))?
        .parse2(password)
        .map_err(|e| {
            bad(format!(
                "cannot open the PKCS12 keystore: the keystore-password is wrong, or it uses a legacy encryption OpenSSL 3 refuses (re-export it with keytool -importkeystore … -deststoretype PKCS12): {e}"
            ))
        })?;
    let key = parsed
        .pkey
        .ok_or_else(|| bad("holds no private key (is it a truststore?)".into()))?;
    let cert = parsed
        .cert
        .ok_or_else(|| bad("holds no certificate for its private key".into()))?;
    Ok(Identity {
        key,
        cert,
        chain: parsed
            .ca
            .map(|s| s.into_iter().collect())
            .unwrap_or_default(),
    })
}

/// Every certificate of a truststore (JKS trusted-certificate entries and key chains, or
/// PKCS12). With a password, a JKS store's integrity digest must match it, as in Java.
pub fn trusted_certificates(store: &Store) -> Result<Vec<X509>, TlsError> {
    let path = store.path.display().to_string();
    let bad = |message: String| TlsError::Truststore {
        path: path.clone(),
        message,
    };
    store.check_type().map_err(bad)?;
    let bytes = store.read()?;
    if is_jks(&bytes) {
        let jks = Jks::parse(&bytes, store.password.as_deref()).map_err(bad)?;
        let mut out = Vec::new();
        for entry in &jks.entries {
            let ders: &[Vec<u8>] = match entry {
                JksEntry::Cert { der } => std::slice::from_ref(der),
                JksEntry::Key { chain, .. } => chain,
            };
            for der in ders {
                out.push(X509::from_der(der).map_err(|e| bad(format!("bad certificate: {e}")))?);
            }
        }
        return Ok(out);
    }
    let parsed = Pkcs12::from_der(&bytes)
        .and_then(|p| p.parse2(store.password.as_deref().unwrap_or("")))
        .map_err(|e| {
            bad(format!(
                "neither JKS nor a PKCS12 file that opens with truststore-password: {e}"
            ))
        })?;
    let mut out: Vec<X509> = parsed
        .ca
        .map(|s| s.into_iter().collect())
        .unwrap_or_default();
    out.extend(parsed.cert);
    Ok(out)
}

/// The certificates of a JKS (or JCEKS) store as DER, without checking its digest.
pub fn jks_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    Ok(Jks::parse(bytes, None)?
        .entries
        .into_iter()
        .flat_map(|e| match e {
            JksEntry::Cert { der } => vec![der],
            JksEntry::Key { chain, .. } => chain,
        })
        .collect())
}
