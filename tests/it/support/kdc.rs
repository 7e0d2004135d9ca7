//! A real MIT Kerberos KDC (Debian `krb5-kdc`, `krb5-admin-server`, `krb5-user`) started on
//! loopback for one test: private `krb5.conf`, `kdc.conf` and database in a temp dir, a free
//! port for both UDP and TCP, stopped (by its PID) on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "FLUME.TEST";

pub struct Kdc {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{name} is missing: install krb5-kdc, krb5-admin-server and krb5-user (.ci/apt-packages)"
    );
}

impl Kdc {
    /// A KDC whose tickets live at most `max_life` (renewable for 10 minutes).
    pub fn start(max_life: Duration) -> Kdc {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let port = super::free_port();
        let life = max_life.as_secs();
        super::write(
            &d.join("krb5.conf"),
            &format!(
                "[libdefaults]\n  default_realm = {REALM}\n  dns_lookup_kdc = false\n  \
                 dns_lookup_realm = false\n  rdns = false\n  udp_preference_limit = 1\n\
                 [realms]\n  {REALM} = {{\n    kdc = 127.0.0.1:{port}\n  }}\n"
            ),
        );
        super::write(
            &d.join("kdc.conf"),
            &format!(
                "[kdcdefaults]\n  kdc_ports = {port}\n  kdc_tcp_ports = {port}\n[realms]\n  {REALM} = {{\n    \
                 database_name = {db}\n    key_stash_file = {stash}\n    max_life = {life}s\n    \
                 max_renewable_life = 10m\n    acl_file = {acl}\n  }}\n[logging]\n  kdc = FILE:{log}\n",
                db = d.join("principal").display(),
                stash = d.join("stash").display(),
                acl = d.join("kadm5.acl").display(),
                log = d.join("kdc.log").display(),
            ),
        );
        admin_tool(
            d,
            "kdb5_util",
            &["create", "-s", "-r", REALM, "-P", "master-pw"],
        );
        let child = Command::new(tool("krb5kdc"))
            .args(["-n", "-r", REALM])
            .env("KRB5_CONFIG", d.join("krb5.conf"))
            .env("KRB5_KDC_PROFILE", d.join("kdc.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start krb5kdc");
        let kdc = Kdc { dir, port, child };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "krb5kdc did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        kdc
    }

    /// `KRB5_CONFIG` for clients of this KDC (the agent, klist).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![(
            "KRB5_CONFIG",
            self.dir.path().join("krb5.conf").display().to_string(),
        )]
    }

    fn kadmin(&self, query: &str) -> String {
        let text = admin_tool(self.dir.path(), "kadmin.local", &["-r", REALM, "-q", query]);
        assert!(
            !text.contains("rror") && !text.contains("while "),
            "kadmin.local -q {query:?}: {text}"
        );
        text
    }

    /// `addprinc -randkey`.
    pub fn add_principal(&self, principal: &str) {
        self.kadmin(&format!("addprinc -randkey {principal}"));
    }

    /// `ktadd -k keytab principal` (a new random key, so older keytabs go stale).
    pub fn export_keytab(&self, principal: &str, keytab: &Path) {
        self.kadmin(&format!("ktadd -k {} {principal}", keytab.display()));
    }

    /// `klist -c <ccache>`: (exit code, output).
    pub fn klist(&self, ccache: &str) -> (i32, String) {
        let out = Command::new(tool("klist"))
            .args(["-c", ccache])
            .envs(self.env())
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
}

/// A KDC administration tool (kdb5_util, kadmin.local) on the database in `dir`.
fn admin_tool(dir: &Path, name: &str, args: &[&str]) -> String {
    let out = Command::new(tool(name))
        .args(args)
        .env("KRB5_CONFIG", dir.join("krb5.conf"))
        .env("KRB5_KDC_PROFILE", dir.join("kdc.conf"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} {args:?}: {text}");
    text
}

impl Drop for Kdc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This host's canonical name as Java's `InetAddress.getLocalHost().getCanonicalHostName()`
/// finds it (host name → address → reverse lookup), lower-cased: what `_HOST` becomes.
/// Computed with Python's resolver, independently of flume-ng.
pub fn canonical_host() -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import socket\nn=socket.gethostname()\na=socket.gethostbyname(n)\n\
             try:\n  print(socket.gethostbyaddr(a)[0].lower())\nexcept OSError:\n  print(a)",
        ])
        .output()
        .expect("python3");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
