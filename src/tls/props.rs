//! The TLS keys as property tables (server, http source, client) and the deprecated names
//! a component still reads.

use crate::config::Context;
use crate::registry::{Prop, PropTable, Type};

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
    pub(super) fn get<'a>(
        &self,
        ctx: &'a Context,
        key: &'static str,
    ) -> Option<(&'static str, &'a str)> {
        if let Some(v) = ctx.get(key) {
            return Some((key, v));
        }
        self.deprecated
            .iter()
            .find(|(new, _)| *new == key)
            .and_then(|(_, old)| ctx.get(old).map(|v| (*old, v)))
    }
}
