//! Self-signed test material: a PKCS12 keystore and the certificate alone (DER).

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
    body.extend_from_slice(&super::jks::JKS_MAGIC);
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
