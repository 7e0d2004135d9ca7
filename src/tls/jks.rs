//! JKS (and JCEKS certificate entries) read by hand: length-prefixed records closed by a
//! SHA-1 integrity digest; private keys under Sun's `KeyProtector` (a SHA-1 key stream).

pub(super) const JKS_MAGIC: [u8; 4] = [0xfe, 0xed, 0xfe, 0xed];
pub(super) const JCEKS_MAGIC: [u8; 4] = [0xce, 0xce, 0xce, 0xce];
/// OID 1.3.6.1.4.1.42.2.17.1.1 (Sun's `KeyProtector`), DER-encoded with its tag and length.
const SUN_KEY_PROTECTOR_OID: [u8; 12] = [
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01,
];

pub(super) enum JksEntry {
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

pub(super) struct Jks {
    pub(super) entries: Vec<JksEntry>,
}

/// Java's `char[]` password as the big-endian UTF-16 bytes JKS hashes.
fn jks_password(password: &str) -> Vec<u8> {
    password
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

pub(super) const JCEKS_KEY: &str = "JCEKS key protection";

impl Jks {
    /// Parse a JKS/JCEKS store (`JavaKeyStore.engineLoad`): every length is bounded by what is
    /// left of the file. With a password, the closing SHA-1 digest over
    /// `password ‖ "Mighty Aphrodite" ‖ content` must match.
    pub(super) fn parse(bytes: &[u8], password: Option<&str>) -> Result<Jks, String> {
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
pub(super) fn der(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
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
pub(super) fn recover_jks_key(protected: &[u8], password: &str) -> Result<Vec<u8>, String> {
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
