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

/// An agent whose hdfs sink(s) carry `sink_keys` (each line prefixed `a1.sinks.k1.` unless it
/// names another sink).
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
             a1.sinks.{name}.hdfs.path = hdfs://127.0.0.1:1/flume/{name}\n\
             a1.sinks.{name}.hdfs.callTimeout = 2000\n"
        ));
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
