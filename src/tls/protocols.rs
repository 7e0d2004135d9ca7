//! The protocol and cipher-suite lists (Java names) of a component, with Flume's `SSLUtil`
//! globals (`-D` system properties, then environment variables) as fallback, and their
//! translation to OpenSSL settings.

use std::collections::HashMap;
use std::sync::OnceLock;

use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslVersion};

use super::{Keys, TlsError};
use crate::component::BuildEnv;
use crate::config::Context;

/// TLS 1.3 suites before any list (OpenSSL's defaults, same names in Java).
const TLS13_SUITES: [&str; 3] = [
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
];

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

/// Flume's `SSLUtil` globals: the `-D` system property, else the environment variable.
pub(super) fn global_value(env: &BuildEnv, sysprop: &str, var: &str) -> Option<String> {
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
pub(super) fn global(
    ctx: &Context,
    key: &str,
    env: &BuildEnv,
    sysprop: &str,
    var: &str,
) -> Option<String> {
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

    pub(super) fn read(ctx: &Context, env: &BuildEnv, keys: Keys) -> Self {
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

    pub(super) fn versions(&self) -> Vec<SslVersion> {
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
    pub(super) fn cipher_settings(&self, base: &str) -> (Option<String>, Vec<String>) {
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

    pub(super) fn apply(
        &self,
        ctx: &mut SslContextBuilder,
        base_ciphers: &str,
    ) -> Result<(), TlsError> {
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
