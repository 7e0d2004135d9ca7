use super::*;
use std::path::{Path, PathBuf};
use std::process::Command;

use openssl::ssl::SslVersion;

use super::jks::JKS_MAGIC;
use crate::component::BuildEnv;
use crate::config::Context;

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
