//! Kerberos for the hdfs sink through the real `flume-ng` binary, against a real MIT KDC the
//! test starts on loopback (`support::kdc`): the keytab login into a private credential cache
//! (read back with MIT's `klist`), `_HOST` substitution, renewal before expiry, and the errors
//! of a wrong, stale or missing keytab in `validate` and the agent log. No NameNode can run
//! here, so the sink points at a closed port: the login is what is checked, not HDFS RPC.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::kdc::{self, Kdc, REALM};
use crate::support::*;

/// An agent whose hdfs sinks carry the given keys (`hdfs.path` defaults to a closed port).
fn conf(dir: &Path, sinks: &[(&str, &str)]) -> std::path::PathBuf {
    let names: Vec<&str> = sinks.iter().map(|(n, _)| *n).collect();
    let mut text = format!(
        "a1.sources = r1\na1.channels = c1\na1.sinks = {}\n\
         a1.sources.r1.type = netcat\na1.sources.r1.bind = 127.0.0.1\n\
         a1.sources.r1.port = {}\na1.sources.r1.channels = c1\n\
         a1.channels.c1.type = memory\n",
        names.join(" "),
        free_port()
    );
    for (name, keys) in sinks {
        text.push_str(&format!(
            "a1.sinks.{name}.type = hdfs\na1.sinks.{name}.channel = c1\n\
             a1.sinks.{name}.hdfs.callTimeout = 2000\n"
        ));
        if !keys.contains("hdfs.path") {
            text.push_str(&format!(
                "a1.sinks.{name}.hdfs.path = hdfs://127.0.0.1:1/flume/{name}\n"
            ));
        }
        for line in keys.lines().filter(|l| !l.trim().is_empty()) {
            text.push_str(&format!("a1.sinks.{name}.{}\n", line.trim()));
        }
    }
    let path = dir.join("agent.conf");
    write(&path, &text);
    path
}

fn validate(kdc: &Kdc, conf: &Path) -> (i32, String) {
    let out = Command::new(flume_ng())
        .args(["validate", "--conf-file"])
        .arg(conf)
        .args(["--name", "a1"])
        .envs(kdc.env())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn agent(kdc: &Kdc, conf: &Path) -> Agent {
    let mut cmd = Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(conf)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .envs(kdc.env());
    Agent::spawn(cmd)
}

/// The credential cache the agent logged (`FILE:/…/krb5cc`).
fn logged_ccache(log: &str) -> String {
    let at = log
        .find("into credential cache FILE:")
        .unwrap_or_else(|| panic!("no credential cache in the log:\n{log}"));
    log[at + "into credential cache ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The "Valid starting" time of the TGT line in `klist` output.
fn tgt_start(klist: &str) -> String {
    let line = klist
        .lines()
        .find(|l| l.contains(&format!("krbtgt/{REALM}@{REALM}")))
        .unwrap_or_else(|| panic!("no TGT in:\n{klist}"));
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn keytab_login_host_substitution_private_cache_and_renewal() {
    // 30 s tickets: renewed at 80%, 24 s after each login.
    let kdc = Kdc::start(Duration::from_secs(30));
    let host = kdc::canonical_host();
    let principal = format!("flume/{host}@{REALM}");
    let keytab = kdc.dir.path().join("flume.keytab");
    kdc.add_principal(&principal);
    kdc.export_keytab(&principal, &keytab);
    let work = tempfile::tempdir().unwrap();
    let conf = conf(
        work.path(),
        &[(
            "k1",
            &format!(
                "hdfs.kerberosPrincipal = flume/_HOST@{REALM}\n\
                 hdfs.kerberosKeytab = {}\nhdfs.proxyUser = alice\n",
                keytab.display()
            ),
        )],
    );
    let (code, out) = validate(&kdc, &conf);
    assert_eq!(code, 0, "{out}");

    let mut a = agent(&kdc, &conf);
    a.wait_for(
        &format!("Kerberos login as principal ({principal}) from keytab file"),
        Duration::from_secs(20),
    );
    let ccache = logged_ccache(&a.log());
    let (code, first) = kdc.klist(&ccache);
    assert_eq!(code, 0, "{first}");
    assert!(
        first.contains(&format!("Default principal: {principal}")),
        "{first}"
    );
    // Private: the directory 0700, the cache 0600.
    use std::os::unix::fs::PermissionsExt;
    let file = Path::new(ccache.strip_prefix("FILE:").unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    // The keytab's contents never reach the log.
    let secret = std::fs::read(&keytab).unwrap();
    assert!(
        !a.log()
            .as_bytes()
            .windows(16)
            .any(|w| secret.windows(16).any(|s| s == w))
    );

    a.wait_for("renewed from keytab", Duration::from_secs(45));
    let (code, second) = kdc.klist(&ccache);
    assert_eq!(code, 0, "{second}");
    assert!(second.contains(&format!("Default principal: {principal}")));
    assert_ne!(tgt_start(&first), tgt_start(&second), "{first}\n{second}");

    assert_eq!(a.stop(), Some(0), "{}", a.log());
    // The tickets go with the agent.
    assert!(!file.exists(), "{} left behind", file.display());
}

#[test]
fn wrong_stale_and_missing_keytabs_are_clear_errors() {
    let kdc = Kdc::start(Duration::from_secs(300));
    let principal = format!("flume@{REALM}");
    let other = format!("other@{REALM}");
    kdc.add_principal(&principal);
    kdc.add_principal(&other);
    let work = tempfile::tempdir().unwrap();
    let other_keytab = work.path().join("other.keytab");
    kdc.export_keytab(&other, &other_keytab);

    // A keytab without the principal: validate names the file and line, the key and the keytab.
    let conf_path = conf(
        work.path(),
        &[(
            "k1",
            &format!(
                "hdfs.kerberosPrincipal = {principal}\nhdfs.kerberosKeytab = {}\n",
                other_keytab.display()
            ),
        )],
    );
    let (code, out) = validate(&kdc, &conf_path);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "agent.conf:13: dropped: a1.sinks.k1: a1.sinks.k1.hdfs.kerberosPrincipal: keytab {} holds no key for principal {principal}",
            other_keytab.display()
        )),
        "{out}"
    );

    // Principal without keytab, as Flume: a configuration error.
    let conf_path = conf(
        work.path(),
        &[("k1", &format!("hdfs.kerberosPrincipal = {principal}"))],
    );
    let (code, out) = validate(&kdc, &conf_path);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a1.sinks.k1.hdfs.kerberosPrincipal: hdfs.kerberosKeytab is required"),
        "{out}"
    );

    // A file that is no keytab: named, its contents not shown.
    let junk = work.path().join("junk.keytab");
    std::fs::write(&junk, b"TOP-SECRET-BYTES").unwrap();
    let conf_path = conf(
        work.path(),
        &[(
            "k1",
            &format!(
                "hdfs.kerberosPrincipal = {principal}\nhdfs.kerberosKeytab = {}\n",
                junk.display()
            ),
        )],
    );
    let (code, out) = validate(&kdc, &conf_path);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("keytab {} cannot be read", junk.display())),
        "{out}"
    );
    assert!(!out.contains("TOP-SECRET"), "{out}");

    // A stale keytab (the key was changed at the KDC since): validate cannot know, the login
    // at start fails with the KDC's reason, and the sink takes nothing until it succeeds.
    let stale = work.path().join("stale.keytab");
    kdc.export_keytab(&principal, &stale);
    kdc.export_keytab(&principal, &work.path().join("newer.keytab"));
    let conf_path = conf(
        work.path(),
        &[(
            "k1",
            &format!(
                "hdfs.kerberosPrincipal = {principal}\nhdfs.kerberosKeytab = {}\n",
                stale.display()
            ),
        )],
    );
    let (code, out) = validate(&kdc, &conf_path);
    assert_eq!(code, 0, "{out}");
    let mut a = agent(&kdc, &conf_path);
    a.wait_for(
        &format!(
            "Authentication error while attempting to login as kerberos principal ({principal}) using keytab ({})",
            stale.display()
        ),
        Duration::from_secs(20),
    );
    let log = a.log();
    assert!(log.contains("getting initial credentials"), "{log}");
    assert!(!log.contains("Kerberos login as principal"), "{log}");
    // Retried before each batch (the sink runner backs off 5 s after an error).
    eventually(Duration::from_secs(20), "login attempts go on", || {
        a.log()
            .matches("HDFSEventSink] Authentication error while attempting")
            .count()
            >= 3
    });
    a.stop();
}

#[test]
fn one_principal_per_agent() {
    let kdc = Kdc::start(Duration::from_secs(300));
    let work = tempfile::tempdir().unwrap();
    let mut keys = Vec::new();
    for user in ["one", "two"] {
        let principal = format!("{user}@{REALM}");
        let keytab = work.path().join(format!("{user}.keytab"));
        kdc.add_principal(&principal);
        kdc.export_keytab(&principal, &keytab);
        keys.push(format!(
            "hdfs.kerberosPrincipal = {principal}\nhdfs.kerberosKeytab = {}\n",
            keytab.display()
        ));
    }
    let conf_path = conf(work.path(), &[("k1", &keys[0]), ("k2", &keys[1])]);
    let (code, out) = validate(&kdc, &conf_path);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Cannot use multiple kerberos principals in the same agent."),
        "{out}"
    );
    assert_eq!(
        out.matches("has been removed").count(),
        1,
        "one of the two sinks is dropped: {out}"
    );
}

// ---- what the HDFS client sends: a fake NameNode that speaks the start of Hadoop RPC --------

/// Protobuf varint.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_bytes(field: u64, data: &[u8], out: &mut Vec<u8>) {
    varint(field << 3 | 2, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

fn delimited(msg: &[u8], out: &mut Vec<u8>) {
    varint(msg.len() as u64, out);
    out.extend_from_slice(msg);
}

/// The NameNode's SASL NEGOTIATE answer offering Kerberos for `nn/<host>`
/// (`RpcResponseHeaderProto{callId = -33, status = SUCCESS}` + `RpcSaslProto{state = NEGOTIATE,
/// auths = [{KERBEROS, GSSAPI, nn, host}]}`, Hadoop's `RpcHeader.proto`), hand-encoded.
fn negotiate_offer(host: &str) -> Vec<u8> {
    let mut header = Vec::new();
    varint(1 << 3, &mut header);
    varint((-33i32) as u32 as u64, &mut header);
    varint(2 << 3, &mut header);
    varint(0, &mut header);
    let mut auth = Vec::new();
    field_bytes(1, b"KERBEROS", &mut auth);
    field_bytes(2, b"GSSAPI", &mut auth);
    field_bytes(3, b"nn", &mut auth);
    field_bytes(4, host.as_bytes(), &mut auth);
    let mut sasl = Vec::new();
    varint(2 << 3, &mut sasl);
    varint(1, &mut sasl); // NEGOTIATE
    field_bytes(4, &auth, &mut sasl);
    let mut payload = Vec::new();
    delimited(&header, &mut payload);
    delimited(&sasl, &mut payload);
    let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    frame
}

/// Accept one connection on `listener`, answer per `reply` after the 7-byte connection header,
/// and return (the header, everything else the client sent within `wait`).
fn fake_namenode(
    listener: std::net::TcpListener,
    reply: Option<Vec<u8>>,
    wait: Duration,
) -> std::thread::JoinHandle<(Vec<u8>, Vec<u8>)> {
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut header = [0u8; 7];
        s.read_exact(&mut header).unwrap();
        let mut rest = Vec::new();
        let start = std::time::Instant::now();
        let mut replied = false;
        while start.elapsed() < wait {
            let mut buf = [0u8; 4096];
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => rest.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
            // The client's NEGOTIATE is one frame; answer once it is in.
            if !replied && rest.len() >= 4 {
                let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                if let Some(r) = reply.as_ref().filter(|_| rest.len() >= 4 + len) {
                    s.write_all(r).unwrap();
                    replied = true;
                    rest.clear();
                }
            }
        }
        (header.to_vec(), rest)
    })
}

#[test]
fn the_hdfs_client_authenticates_with_the_login_and_names_the_proxy_user() {
    let kdc = Kdc::start(Duration::from_secs(300));
    let principal = format!("flume@{REALM}");
    let keytab = kdc.dir.path().join("flume.keytab");
    kdc.add_principal(&principal);
    kdc.export_keytab(&principal, &keytab);
    // The NameNode's service principal, for which the client asks the KDC a ticket.
    kdc.add_principal(&format!("nn/localhost@{REALM}"));
    let work = tempfile::tempdir().unwrap();

    // Kerberos: core-site.xml says nothing, the keytab login alone turns SASL on (as Flume's
    // KerberosAuthenticator does); the client's GSSAPI uses the login's private cache.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let nn = fake_namenode(
        listener,
        Some(negotiate_offer("localhost")),
        Duration::from_secs(4),
    );
    let conf_path = conf(
        work.path(),
        &[(
            "k1",
            &format!(
                "hdfs.path = hdfs://127.0.0.1:{port}/flume\n\
                 hdfs.kerberosPrincipal = {principal}\nhdfs.kerberosKeytab = {}\n",
                keytab.display()
            ),
        )],
    );
    let mut a = agent(&kdc, &conf_path);
    let (header, sent) = nn.join().unwrap();
    assert_eq!(&header[..4], b"hrpc");
    assert_eq!(header[6], 0xDF, "auth protocol byte: SASL (-33) expected");
    // INITIATE (state 2) with the GSSAPI token, mechanism GSSAPI.
    assert!(sent.len() > 100, "no GSSAPI token sent: {sent:?}");
    assert!(sent.windows(6).any(|w| w == b"GSSAPI"), "{sent:?}");
    let ccache = logged_ccache(&a.log());
    let (code, klist) = kdc.klist(&ccache);
    assert_eq!(code, 0, "{klist}");
    assert!(
        klist.contains(&format!("nn/localhost@{REALM}")),
        "the service ticket is in the login's cache:\n{klist}"
    );
    a.stop();

    // Simple authentication: the proxy user is the connection's effective user.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let nn = fake_namenode(listener, None, Duration::from_secs(3));
    let conf_path = conf(
        work.path(),
        &[(
            "k1",
            &format!("hdfs.path = hdfs://127.0.0.1:{port}/flume\nhdfs.proxyUser = alice-proxy\n"),
        )],
    );
    let mut a = agent(&kdc, &conf_path);
    let (header, sent) = nn.join().unwrap();
    assert_eq!(&header[..4], b"hrpc");
    assert_eq!(header[6], 0, "auth protocol byte: none (simple) expected");
    assert!(
        sent.windows(11).any(|w| w == b"alice-proxy"),
        "effective user not in the connection context: {sent:?}"
    );
    a.stop();
}

/// `hadoop.security.authentication = kerberos` in core-site.xml and no principal: the client
/// uses the environment's ticket cache (`KRB5CCNAME`), as Hadoop uses the ambient login.
#[test]
fn without_a_principal_the_ambient_ticket_cache_is_used() {
    let kdc = Kdc::start(Duration::from_secs(300));
    let principal = format!("ambient@{REALM}");
    let keytab = kdc.dir.path().join("ambient.keytab");
    kdc.add_principal(&principal);
    kdc.export_keytab(&principal, &keytab);
    kdc.add_principal(&format!("nn/localhost@{REALM}"));
    let work = tempfile::tempdir().unwrap();
    let ccache = format!("FILE:{}", work.path().join("ambient.cc").display());
    let out = Command::new("kinit")
        .arg("-kt")
        .arg(&keytab)
        .arg(&principal)
        .env("KRB5CCNAME", &ccache)
        .envs(kdc.env())
        .output()
        .expect("kinit (krb5-user)");
    assert!(out.status.success(), "{out:?}");

    let conf_dir = work.path().join("conf");
    write(
        &conf_dir.join("core-site.xml"),
        "<configuration><property><name>hadoop.security.authentication</name>\
         <value>kerberos</value></property></configuration>",
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let nn = fake_namenode(
        listener,
        Some(negotiate_offer("localhost")),
        Duration::from_secs(4),
    );
    let conf_path = conf(
        work.path(),
        &[("k1", &format!("hdfs.path = hdfs://127.0.0.1:{port}/flume"))],
    );
    let mut cmd = Command::new(flume_ng());
    cmd.args(["agent", "-n", "a1", "-f"])
        .arg(&conf_path)
        .arg("--conf")
        .arg(&conf_dir)
        .args(["--no-reload-conf", "-Dflume.root.logger=INFO,console"])
        .env("KRB5CCNAME", &ccache)
        .envs(kdc.env());
    let mut a = Agent::spawn(cmd);
    let (header, sent) = nn.join().unwrap();
    assert_eq!(header[6], 0xDF, "auth protocol byte: SASL (-33) expected");
    assert!(sent.windows(6).any(|w| w == b"GSSAPI"), "{sent:?}");
    let log = a.log();
    assert!(
        log.contains("no hdfs.kerberosPrincipal: HDFS is reached with the tickets of the environment's credential cache"),
        "{log}"
    );
    assert!(!log.contains("into credential cache"), "{log}");
    let (code, klist) = kdc.klist(&ccache);
    assert_eq!(code, 0, "{klist}");
    assert!(klist.contains(&format!("nn/localhost@{REALM}")), "{klist}");
    a.stop();
}
