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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::OnceLock;

use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    Ssl, SslAcceptor, SslConnector, SslContext, SslContextBuilder, SslMethod, SslOptions,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_openssl::SslStream;

use crate::component::BuildEnv;
use crate::config::{ConfigError, Context};
use crate::registry::{Prop, PropTable, Type};

const JKS_MAGIC: [u8; 4] = [0xfe, 0xed, 0xfe, 0xed];
const JCEKS_MAGIC: [u8; 4] = [0xce, 0xce, 0xce, 0xce];
/// OID 1.3.6.1.4.1.42.2.17.1.1 (Sun's `KeyProtector`), DER-encoded with its tag and length.
const SUN_KEY_PROTECTOR_OID: [u8; 12] = [
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01,
];
/// The store types Java's `KeyStore.getInstance` knows (case-insensitive).
const STORE_TYPES: [&str; 3] = ["JKS", "PKCS12", "JCEKS"];
/// TLS ≤ 1.2 suites of the server before any include/exclude list (the same list
/// `SslAcceptor::mozilla_intermediate_v5` sets).
const SERVER_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
/// TLS ≤ 1.2 suites of the client before any list: OpenSSL's defaults.
const CLIENT_CIPHERS: &str = "DEFAULT";
/// TLS 1.3 suites before any list (OpenSSL's defaults, same names in Java).
const TLS13_SUITES: [&str; 3] = [
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
];

const SSL_DOC: &str = "serve TLS with the keystore";

/// Flume's `SslContextAwareAbstractSource` keys (avro, thrift, syslogtcp, multiport_syslogtcp
/// sources), each falling back to the global `-Djavax.net.ssl.*` / `FLUME_SSL_*` settings.
pub const SERVER_PROPS: PropTable = PropTable::new(&[
    Prop::bool("ssl", false, SSL_DOC),
    KEYSTORE,
    Prop::text("keystore-password", "keystore (and key) password"),
    KEYSTORE_TYPE,
    Prop::new(
        "exclude-protocols",
        Type::List,
        crate::registry::Default::Str("SSLv3"),
        "TLS protocols not to use (SSLv3 always)",
    ),
    INCLUDE_PROTOCOLS,
    EXCLUDE_CIPHER_SUITES,
    INCLUDE_CIPHER_SUITES,
]);

/// [`SERVER_PROPS`] with the http source's deprecated names (`enableSSL`, `keystorePassword`,
/// `excludeProtocols`), read only when the new name is absent.
pub const HTTP_SERVER_PROPS: PropTable = PropTable::new(&[
    Prop::bool("ssl", false, SSL_DOC).legacy(&["enableSSL"]),
    KEYSTORE,
    Prop::text("keystore-password", "keystore (and key) password").legacy(&["keystorePassword"]),
    KEYSTORE_TYPE,
    Prop::new(
        "exclude-protocols",
        Type::List,
        crate::registry::Default::Str("SSLv3"),
        "TLS protocols not to use (SSLv3 always)",
    )
    .legacy(&["excludeProtocols"]),
    INCLUDE_PROTOCOLS,
    EXCLUDE_CIPHER_SUITES,
    INCLUDE_CIPHER_SUITES,
]);

/// The TLS client keys of the avro and thrift sinks.
pub const CLIENT_PROPS: PropTable = PropTable::new(&[
    Prop::bool("ssl", false, "connect with TLS"),
    Prop::bool(
        "trust-all-certs",
        false,
        "do not check the server's certificate",
    ),
    Prop::new(
        "truststore",
        Type::Path,
        crate::registry::Default::None,
        "truststore file (JKS or PKCS12); the system's CAs when unset",
    ),
    Prop::text("truststore-password", "truststore password"),
    Prop::string(
        "truststore-type",
        "JKS",
        "JKS, PKCS12 or JCEKS (the content decides)",
    ),
    Prop::new(
        "exclude-protocols",
        Type::List,
        crate::registry::Default::Str("SSLv3"),
        "TLS protocols not to use (SSLv3 always)",
    ),
    INCLUDE_PROTOCOLS,
    EXCLUDE_CIPHER_SUITES,
    INCLUDE_CIPHER_SUITES,
]);

const KEYSTORE: Prop = Prop::new(
    "keystore",
    Type::Path,
    crate::registry::Default::None,
    "keystore file (JKS or PKCS12)",
);
const KEYSTORE_TYPE: Prop = Prop::string(
    "keystore-type",
    "JKS",
    "JKS, PKCS12 or JCEKS (the content decides)",
);
const INCLUDE_PROTOCOLS: Prop = Prop::new(
    "include-protocols",
    Type::List,
    crate::registry::Default::None,
    "TLS protocols to use (all when empty)",
);
const EXCLUDE_CIPHER_SUITES: Prop = Prop::new(
    "exclude-cipher-suites",
    Type::List,
    crate::registry::Default::None,
    "cipher suites not to use (Java names)",
);
const INCLUDE_CIPHER_SUITES: Prop = Prop::new(
    "include-cipher-suites",
    Type::List,
    crate::registry::Default::None,
    "cipher suites to use (Java names; all defaults when empty)",
);

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

/// The protocol and cipher-suite lists Flume's components share (Java names: `TLSv1.2`,
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, …). An empty include list means "every default".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocols {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub include_ciphers: Vec<String>,
    pub exclude_ciphers: Vec<String>,
}

impl Default for Protocols {
    fn default() -> Self {
        Protocols {
            include: Vec::new(),
            exclude: vec!["SSLv3".to_string()],
            include_ciphers: Vec::new(),
            exclude_ciphers: Vec::new(),
        }
    }
}

/// Key names of one component: Flume's, plus the deprecated names the http source still reads
/// when the new one is absent (`enableSSL`, `keystorePassword`, `excludeProtocols`).
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    pub deprecated: &'static [(&'static str, &'static str)],
}

impl Keys {
    pub const FLUME: Keys = Keys { deprecated: &[] };
    pub const HTTP_SOURCE: Keys = Keys {
        deprecated: &[
            ("ssl", "enableSSL"),
            ("exclude-protocols", "excludeProtocols"),
            ("keystore-password", "keystorePassword"),
        ],
    };

    /// The value under `key`, else under its deprecated name; the name it was found under.
    fn get<'a>(&self, ctx: &'a Context, key: &'static str) -> Option<(&'static str, &'a str)> {
        if let Some(v) = ctx.get(key) {
            return Some((key, v));
        }
        self.deprecated
            .iter()
            .find(|(new, _)| *new == key)
            .and_then(|(_, old)| ctx.get(old).map(|v| (*old, v)))
    }
}

/// Flume's `SSLUtil` globals: the `-D` system property, else the environment variable.
fn global_value(env: &BuildEnv, sysprop: &str, var: &str) -> Option<String> {
    env.sysprops
        .get(sysprop)
        .cloned()
        .or_else(|| std::env::var(var).ok())
}

/// The agent's `-D` SSL properties, for the components whose settings are built without a
/// [`BuildEnv`] (the Kafka clients); Java keeps them as process-wide system properties too.
static GLOBAL_PROPERTIES: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Record the agent's `-D` properties that carry global SSL settings (once, at start).
pub fn init_global_properties(sysprops: &HashMap<String, String>) {
    let ssl = sysprops
        .iter()
        .filter(|(k, _)| k.starts_with("javax.net.ssl.") || k.starts_with("flume.ssl."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let _ = GLOBAL_PROPERTIES.set(ssl);
}

/// `SSLUtil`'s global keystore/truststore settings as Kafka property names
/// (`KafkaSSLUtil.addGlobalSSLParameters`): `ssl.keystore.location` from
/// `-Djavax.net.ssl.keyStore` or `FLUME_SSL_KEYSTORE_PATH`, and so on.
pub fn kafka_global_properties() -> Vec<(String, String)> {
    let empty = HashMap::new();
    let props = GLOBAL_PROPERTIES.get().unwrap_or(&empty);
    [
        (
            "ssl.keystore.location",
            "javax.net.ssl.keyStore",
            "FLUME_SSL_KEYSTORE_PATH",
        ),
        (
            "ssl.keystore.password",
            "javax.net.ssl.keyStorePassword",
            "FLUME_SSL_KEYSTORE_PASSWORD",
        ),
        (
            "ssl.keystore.type",
            "javax.net.ssl.keyStoreType",
            "FLUME_SSL_KEYSTORE_TYPE",
        ),
        (
            "ssl.truststore.location",
            "javax.net.ssl.trustStore",
            "FLUME_SSL_TRUSTSTORE_PATH",
        ),
        (
            "ssl.truststore.password",
            "javax.net.ssl.trustStorePassword",
            "FLUME_SSL_TRUSTSTORE_PASSWORD",
        ),
        (
            "ssl.truststore.type",
            "javax.net.ssl.trustStoreType",
            "FLUME_SSL_TRUSTSTORE_TYPE",
        ),
    ]
    .into_iter()
    .filter_map(|(key, sysprop, var)| {
        props
            .get(sysprop)
            .cloned()
            .or_else(|| std::env::var(var).ok())
            .map(|v| (key.to_string(), v))
    })
    .collect()
}

/// A value from the component's context, else the global (`-D` property, then environment).
fn global(ctx: &Context, key: &str, env: &BuildEnv, sysprop: &str, var: &str) -> Option<String> {
    ctx.get(key)
        .map(str::to_string)
        .or_else(|| global_value(env, sysprop, var))
}

/// One of the global lists (`flume.ssl.include.protocols` …), commas read as spaces.
fn global_list(env: &BuildEnv, sysprop: &str, var: &str) -> Option<String> {
    global_value(env, sysprop, var).map(|v| v.replace(',', " "))
}

fn words(v: &str) -> Vec<String> {
    v.split_whitespace().map(str::to_string).collect()
}

impl Protocols {
    /// Read `include-/exclude-protocols` and `include-/exclude-cipher-suites` with Flume's
    /// global fallbacks (`-Dflume.ssl.include.protocols`, `FLUME_SSL_INCLUDE_PROTOCOLS`, …).
    /// `SSLv3` is always excluded. Cipher names OpenSSL does not know are reported here.
    pub fn from_context(ctx: &Context, env: &BuildEnv) -> Self {
        Self::read(ctx, env, Keys::FLUME)
    }

    fn read(ctx: &Context, env: &BuildEnv, keys: Keys) -> Self {
        let list = |key: &'static str, sysprop: &str, var: &str| -> Vec<String> {
            keys.get(ctx, key)
                .map(|(_, v)| v.to_string())
                .or_else(|| global_list(env, sysprop, var))
                .map(|v| words(&v))
                .unwrap_or_default()
        };
        let mut exclude = vec!["SSLv3".to_string()];
        for p in list(
            "exclude-protocols",
            "flume.ssl.exclude.protocols",
            "FLUME_SSL_EXCLUDE_PROTOCOLS",
        ) {
            if !exclude.contains(&p) {
                exclude.push(p);
            }
        }
        let protocols = Protocols {
            include: list(
                "include-protocols",
                "flume.ssl.include.protocols",
                "FLUME_SSL_INCLUDE_PROTOCOLS",
            ),
            exclude,
            include_ciphers: list(
                "include-cipher-suites",
                "flume.ssl.include.cipherSuites",
                "FLUME_SSL_INCLUDE_CIPHERSUITES",
            ),
            exclude_ciphers: list(
                "exclude-cipher-suites",
                "flume.ssl.exclude.cipherSuites",
                "FLUME_SSL_EXCLUDE_CIPHERSUITES",
            ),
        };
        for (key, names) in [
            ("include-cipher-suites", &protocols.include_ciphers),
            ("exclude-cipher-suites", &protocols.exclude_ciphers),
        ] {
            for name in names {
                if openssl_cipher(name).is_none() {
                    tracing::warn!(
                        key = %ctx.full_key(key),
                        "cipher suite {name} is not one OpenSSL knows (Java name expected, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); ignored"
                    );
                }
            }
        }
        for (key, names) in [
            ("include-protocols", &protocols.include),
            ("exclude-protocols", &protocols.exclude),
        ] {
            for name in names {
                if ![
                    "SSLv3",
                    "SSLv2Hello",
                    "TLSv1",
                    "TLSv1.1",
                    "TLSv1.2",
                    "TLSv1.3",
                ]
                .contains(&name.as_str())
                {
                    tracing::warn!(
                        key = %ctx.full_key(key),
                        "protocol {name} is not one of TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; ignored"
                    );
                }
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

    /// The OpenSSL cipher string for TLS ≤ 1.2 (None: no such suite left) and the TLS 1.3
    /// suites, from `base` and the include/exclude lists.
    fn cipher_settings(&self, base: &str) -> (Option<String>, Vec<String>) {
        let known = |names: &[String]| -> Vec<(&'static str, bool)> {
            names.iter().filter_map(|n| openssl_cipher(n)).collect()
        };
        let include = known(&self.include_ciphers);
        let exclude = known(&self.exclude_ciphers);
        let mut tls13: Vec<String> = if self.include_ciphers.is_empty() {
            TLS13_SUITES.iter().map(|s| s.to_string()).collect()
        } else {
            include
                .iter()
                .filter(|(_, v13)| *v13)
                .map(|(n, _)| n.to_string())
                .collect()
        };
        tls13.retain(|s| !exclude.iter().any(|(n, _)| n == s));
        let mut list: Vec<String> = if self.include_ciphers.is_empty() {
            vec![base.to_string()]
        } else {
            include
                .iter()
                .filter(|(_, v13)| !*v13)
                .map(|(n, _)| n.to_string())
                .collect()
        };
        if list.is_empty() {
            return (None, tls13);
        }
        list.extend(
            exclude
                .iter()
                .filter(|(_, v13)| !*v13)
                .map(|(n, _)| format!("!{n}")),
        );
        (Some(list.join(":")), tls13)
    }

    fn apply(&self, ctx: &mut SslContextBuilder, base_ciphers: &str) -> Result<(), TlsError> {
        let mut versions = self.versions();
        let (list, tls13) = self.cipher_settings(base_ciphers);
        let list_ok = match &list {
            Some(list) => ctx.set_cipher_list(list).is_ok(),
            None => false,
        };
        if !list_ok {
            versions.retain(|v| *v == SslVersion::TLS1_3);
        }
        ctx.set_ciphersuites(&tls13.join(":"))?;
        if tls13.is_empty() {
            versions.retain(|v| *v != SslVersion::TLS1_3);
        }
        let (Some(min), Some(max)) = (versions.first(), versions.last()) else {
            return Err(TlsError::Config(
                "include-/exclude-protocols and include-/exclude-cipher-suites leave no TLS version with a cipher suite enabled".into(),
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

/// Java cipher-suite names (the IANA names; `SSL_…` for the oldest suites) → OpenSSL's name
/// and whether it is a TLS 1.3 suite. The table is OpenSSL's own: every two-byte suite code is
/// decoded and its standard (IANA) name kept, so it covers exactly what this OpenSSL can do.
fn cipher_table() -> &'static HashMap<String, (&'static str, bool)> {
    static TABLE: OnceLock<HashMap<String, (&'static str, bool)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        let Ok(ctx) = SslContext::builder(SslMethod::tls()).map(|b| b.build()) else {
            return table;
        };
        let Ok(ssl) = Ssl::new(&ctx) else {
            return table;
        };
        let codes: Vec<u8> = (0..=u16::MAX).flat_map(|c| c.to_be_bytes()).collect();
        if let Ok(lists) = ssl.bytes_to_cipher_list(&codes, false) {
            for cipher in &lists.suites {
                if let Some(standard) = cipher.standard_name() {
                    let tls13 = cipher.version() == "TLSv1.3";
                    table.insert(standard.to_string(), (cipher.name(), tls13));
                }
            }
        }
        table
    })
}

/// The OpenSSL name of a Java cipher suite, if this OpenSSL has it.
pub fn openssl_cipher(java_name: &str) -> Option<(&'static str, bool)> {
    let table = cipher_table();
    table.get(java_name).copied().or_else(|| {
        java_name
            .strip_prefix("SSL_")
            .and_then(|rest| table.get(&format!("TLS_{rest}")).copied())
    })
}

impl Store {
    /// `keystore`, `keystore-password`, `keystore-type` (with Flume's global fallbacks).
    pub fn keystore_from_context(ctx: &Context, env: &BuildEnv) -> Option<Store> {
        Self::keystore_with(ctx, env, Keys::FLUME)
    }

    fn keystore_with(ctx: &Context, env: &BuildEnv, keys: Keys) -> Option<Store> {
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

    fn read(&self) -> Result<Vec<u8>, TlsError> {
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

enum JksEntry {
    Key {
        alias: String,
        /// DER `EncryptedPrivateKeyInfo`.
        protected: Vec<u8>,
        chain: Vec<Vec<u8>>,
    },
    Cert {
        der: Vec<u8>,
    },
}

struct Jks {
    entries: Vec<JksEntry>,
}

/// Java's `char[]` password as the big-endian UTF-16 bytes JKS hashes.
fn jks_password(password: &str) -> Vec<u8> {
    password
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

const JCEKS_KEY: &str = "JCEKS key protection";

impl Jks {
    /// Parse a JKS/JCEKS store (`JavaKeyStore.engineLoad`): every length is bounded by what is
    /// left of the file. With a password, the closing SHA-1 digest over
    /// `password ‖ "Mighty Aphrodite" ‖ content` must match.
    fn parse(bytes: &[u8], password: Option<&str>) -> Result<Jks, String> {
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
            fn utf(&mut self) -> Result<String, String> {
                let b = self.take(2)?;
                let n = u16::from_be_bytes([b[0], b[1]]) as usize;
                self.take(n)
                    .map(|s| String::from_utf8_lossy(s).into_owned())
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
        let mut entries = Vec::new();
        let cert = |c: &mut Cursor<'_>| -> Result<Vec<u8>, String> {
            if version == 2 {
                c.utf()?; // certificate type, "X.509"
            }
            let n = c.u32()? as usize;
            Ok(c.take(n)?.to_vec())
        };
        for _ in 0..count {
            let tag = c.u32()?;
            let alias = c.utf()?;
            c.take(8)?; // creation time
            match tag {
                1 => {
                    let n = c.u32()? as usize;
                    let protected = c.take(n)?.to_vec();
                    let chain_len = c.u32()?;
                    let mut chain = Vec::new();
                    for _ in 0..chain_len {
                        chain.push(cert(&mut c)?);
                    }
                    entries.push(JksEntry::Key {
                        alias,
                        protected,
                        chain,
                    });
                }
                2 => entries.push(JksEntry::Cert { der: cert(&mut c)? }),
                3 => {
                    return Err(format!(
                        "entry \"{alias}\" is a JCEKS secret key, which a key or trust store for TLS does not hold"
                    ));
                }
                other => return Err(format!("unknown JKS entry tag {other}")),
            }
        }
        let body_end = c.1;
        let digest = c.take(20)?;
        if let Some(password) = password {
            let mut hasher = openssl::sha::Sha1::new();
            hasher.update(&jks_password(password));
            hasher.update(b"Mighty Aphrodite");
            hasher.update(&bytes[..body_end]);
            if hasher.finish() != digest {
                return Err(
                    "the password is wrong, or the file was altered (Java: \"Keystore was tampered with, or password was incorrect\")".into(),
                );
            }
        }
        Ok(Jks { entries })
    }
}

/// One DER element: (tag, content, rest). Lengths are bounded by the input.
fn der(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let bad = || "malformed DER in the protected key".to_string();
    let (&tag, rest) = bytes.split_first().ok_or_else(bad)?;
    let (&first, mut rest) = rest.split_first().ok_or_else(bad)?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad());
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        rest = &rest[n..];
        len
    };
    if len > rest.len() {
        return Err(bad());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// Sun's `KeyProtector.recover`: `salt(20) ‖ encrypted ‖ check(20)`; the key stream is
/// `SHA1(password ‖ previous)` from the salt on, and the check is `SHA1(password ‖ plain)`.
/// Returns the PKCS#8 `PrivateKeyInfo`.
fn recover_jks_key(protected: &[u8], password: &str) -> Result<Vec<u8>, String> {
    let (tag, info, _) = der(protected)?;
    if tag != 0x30 {
        return Err("the protected key is not a DER sequence".into());
    }
    let (tag, algorithm, rest) = der(info)?;
    if tag != 0x30 {
        return Err("the protected key has no algorithm".into());
    }
    if !algorithm.starts_with(&SUN_KEY_PROTECTOR_OID) {
        return Err(JCEKS_KEY.into());
    }
    let (tag, data, _) = der(rest)?;
    if tag != 0x04 || data.len() < 40 {
        return Err("the protected key is too short".into());
    }
    let (salt, rest) = data.split_at(20);
    let (encrypted, check) = rest.split_at(rest.len() - 20);
    let pw = jks_password(password);
    let mut plain = Vec::with_capacity(encrypted.len());
    let mut digest = [0u8; 20];
    digest.copy_from_slice(salt);
    for chunk in encrypted.chunks(20) {
        let mut h = openssl::sha::Sha1::new();
        h.update(&pw);
        h.update(&digest);
        digest = h.finish();
        plain.extend(chunk.iter().zip(digest.iter()).map(|(a, b)| a ^ b));
    }
    let mut h = openssl::sha::Sha1::new();
    h.update(&pw);
    h.update(&plain);
    if h.finish() != check {
        return Err(
            "cannot recover the private key: the password is wrong (Flume uses keystore-password for the key too)".into(),
        );
    }
    Ok(plain)
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
    use std::process::Command;

    fn store(dir: &Path, name: &str, bytes: &[u8], password: &str) -> Store {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Store {
            path,
            password: Some(password.into()),
            store_type: "PKCS12".into(),
        }
    }

    /// A keystore made by the JDK's `keytool` (the independent writer of JKS files).
    fn keytool_keystore(dir: &Path, name: &str, store_type: &str, keyalg: &str) -> PathBuf {
        let path = dir.join(name);
        let out = Command::new("keytool")
            .args(["-genkeypair", "-alias", "server", "-keyalg", keyalg])
            .args([
                "-dname",
                "CN=localhost",
                "-validity",
                "2",
                "-storetype",
                store_type,
            ])
            .arg("-keystore")
            .arg(&path)
            .args(["-storepass", "changeit", "-keypass", "changeit"])
            .output()
            .expect("keytool (JDK) on PATH");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        path
    }

    fn at(path: PathBuf, password: &str, store_type: &str) -> Store {
        Store {
            path,
            password: Some(password.into()),
            store_type: store_type.into(),
        }
    }

    #[test]
    fn pkcs12_keystore_builds_an_acceptor_and_a_wrong_password_is_named_without_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let (p12, _cert) = testing::self_signed("localhost", "secret");
        let ks = store(dir.path(), "server.p12", &p12, "secret");
        assert!(acceptor(&ks, &Protocols::default()).is_ok());
        let wrong = Store {
            password: Some("n0t-the-Pa55".into()),
            ..ks.clone()
        };
        let err = acceptor(&wrong, &Protocols::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("keystore-password is wrong"), "{err}");
        assert!(!err.contains("n0t-the-Pa55"), "{err}");
    }

    #[test]
    fn keytool_jks_keystores_open_with_their_key_and_chain() {
        let dir = tempfile::tempdir().unwrap();
        for (name, alg) in [("rsa.jks", "RSA"), ("ec.jks", "EC")] {
            let path = keytool_keystore(dir.path(), name, "JKS", alg);
            assert!(std::fs::read(&path).unwrap().starts_with(&JKS_MAGIC));
            let id = load_identity(&at(path.clone(), "changeit", "JKS"), None).unwrap();
            assert!(id.cert.public_key().unwrap().public_eq(&id.key));
            let cn = id.cert.subject_name().entries().next().unwrap();
            assert_eq!(cn.data().to_string().unwrap(), "localhost");
            assert!(acceptor(&at(path.clone(), "changeit", "JKS"), &Protocols::default()).is_ok());
            // keystore-type only has to name a type Java knows: the content decides.
            assert!(load_identity(&at(path.clone(), "changeit", "PKCS12"), None).is_ok());
            // The same file as a truststore yields the key's certificate.
            let trusted = trusted_certificates(&at(path.clone(), "changeit", "JKS")).unwrap();
            assert_eq!(trusted[0].to_der().unwrap(), id.cert.to_der().unwrap());
            let err = load_identity(&at(path.clone(), "s3cr3t-wrong", "JKS"), None)
                .err()
                .unwrap()
                .to_string();
            assert!(
                err.contains("password is wrong") && !err.contains("s3cr3t-wrong"),
                "{err}"
            );
            let err = load_identity(&at(path, "changeit", "BKS"), None)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains("\"BKS\" is not a keystore type"), "{err}");
        }
        // A key whose password differs from the store's: the store opens, the key does not.
        let path = dir.path().join("two.jks");
        let out = Command::new("keytool")
            .args([
                "-genkeypair",
                "-alias",
                "k",
                "-keyalg",
                "EC",
                "-dname",
                "CN=x",
            ])
            .args(["-storetype", "JKS", "-keystore"])
            .arg(&path)
            .args(["-storepass", "changeit", "-keypass", "otherpass"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let err = load_identity(&at(path.clone(), "changeit", "JKS"), None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("cannot recover the private key"), "{err}");
        assert!(load_identity(&at(path, "changeit", "JKS"), Some("otherpass")).is_ok());
    }

    #[test]
    fn keytool_pkcs12_keystore_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = keytool_keystore(dir.path(), "server.p12", "PKCS12", "RSA");
        let id = load_identity(&at(path.clone(), "changeit", "JKS"), None).unwrap();
        assert!(id.cert.public_key().unwrap().public_eq(&id.key));
        assert!(
            id.key_pem()
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        assert!(
            id.chain_pem()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
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
        let wrong = Store {
            password: Some("other".into()),
            ..jks.clone()
        };
        assert!(trusted_certificates(&wrong).is_err());
        let unchecked = Store {
            password: None,
            ..jks.clone()
        };
        assert_eq!(trusted_certificates(&unchecked).unwrap().len(), 1);
        let p = store(dir.path(), "trust.p12", &p12, "pw");
        assert_eq!(trusted_certificates(&p).unwrap()[0].to_der().unwrap(), cert);
        assert!(jks_certificates(&[0xfe, 0xed, 0xfe, 0xed, 0, 0]).is_err());
        // A length running past the end of the file is an error, not an allocation.
        let mut huge = testing::jks_truststore(&cert, "pw");
        huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(jks_certificates(&huge).is_err());
    }

    #[test]
    fn protocol_lists_narrow_the_versions() {
        let p = Protocols {
            exclude: vec!["SSLv3".into(), "TLSv1".into(), "TLSv1.1".into()],
            ..Protocols::default()
        };
        assert_eq!(p.versions(), vec![SslVersion::TLS1_2, SslVersion::TLS1_3]);
        let p = Protocols {
            include: vec!["TLSv1.2".into()],
            ..Protocols::default()
        };
        assert_eq!(p.versions(), vec![SslVersion::TLS1_2]);
    }

    #[test]
    fn global_protocol_and_cipher_lists_apply_when_the_component_sets_none() {
        let env = BuildEnv {
            agent: "a1".into(),
            conf_dir: None,
            sysprops: [
                ("flume.ssl.exclude.protocols", "TLSv1.1,TLSv1.2"),
                (
                    "flume.ssl.include.cipherSuites",
                    "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        };
        let none = Context::from_pairs("a1.sources.r1.", Vec::<(String, String)>::new());
        let p = Protocols::from_context(&none, &env);
        assert_eq!(p.exclude, vec!["SSLv3", "TLSv1.1", "TLSv1.2"]);
        assert_eq!(
            p.include_ciphers,
            vec![
                "TLS_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            ]
        );
        assert_eq!(p.versions(), vec![SslVersion::TLS1, SslVersion::TLS1_3]);
        let own = Context::from_pairs("a1.sources.r1.", [("exclude-protocols", "TLSv1")]);
        assert_eq!(
            Protocols::from_context(&own, &env).exclude,
            vec!["SSLv3", "TLSv1"]
        );
    }

    #[test]
    fn java_cipher_names_map_to_openssl_names() {
        assert_eq!(
            openssl_cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            Some(("ECDHE-RSA-AES128-GCM-SHA256", false))
        );
        assert_eq!(
            openssl_cipher("TLS_RSA_WITH_AES_256_CBC_SHA"),
            Some(("AES256-SHA", false))
        );
        assert_eq!(
            openssl_cipher("TLS_AES_128_GCM_SHA256"),
            Some(("TLS_AES_128_GCM_SHA256", true))
        );
        assert_eq!(openssl_cipher("TLS_NO_SUCH_SUITE"), None);
        let p = Protocols {
            include_ciphers: vec![
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
                "TLS_AES_256_GCM_SHA384".into(),
            ],
            exclude_ciphers: vec!["TLS_AES_256_GCM_SHA384".into()],
            ..Protocols::default()
        };
        let (list, tls13) = p.cipher_settings(SERVER_CIPHERS);
        assert_eq!(list.as_deref(), Some("ECDHE-RSA-AES256-GCM-SHA384"));
        assert!(tls13.is_empty());
        let p = Protocols {
            exclude_ciphers: vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()],
            ..Protocols::default()
        };
        let (list, tls13) = p.cipher_settings("DEFAULT");
        assert_eq!(
            list.as_deref(),
            Some("DEFAULT:!ECDHE-RSA-AES128-GCM-SHA256")
        );
        assert_eq!(tls13.len(), 3);
    }
}
