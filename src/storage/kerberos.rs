//! Kerberos login for the hdfs sink (`hdfs.kerberosPrincipal` + `hdfs.kerberosKeytab`), as
//! Flume's `KerberosAuthenticator` does it with Hadoop's `UserGroupInformation`:
//!
//! * `_HOST` in `service/_HOST@REALM` becomes this host's canonical name, lower-cased
//!   (Hadoop's `SecurityUtil.getServerPrincipal(principal, "")`).
//! * One login per agent: a second principal or keytab is refused until the agent restarts
//!   ("Cannot use multiple kerberos principals in the same agent"), as Flume refuses it per JVM.
//! * The login is a kinit from the keytab into a private credential cache
//!   (`FILE:<private dir>/krb5cc`, directory 0700, file 0600), replaced atomically (written
//!   next to it, then renamed). It is renewed by a background task at 80% of the ticket's
//!   lifetime, again from the keytab (Hadoop's `reloginFromKeytab`). `hdfs-native` is handed the
//!   principal, the keytab and this cache, so its GSSAPI SASL uses these tickets (and can itself
//!   take new ones from the keytab if the cache ever runs out).
//!
//! MIT Kerberos (`libkrb5.so.3`, Debian `libkrb5-3`, already a dependency of the
//! `libgssapi-krb5-2` that `hdfs-native` loads) is loaded at run time, as `hdfs-native` loads
//! GSSAPI: the binary does not link it and runs where it is missing until a login is needed.
//! The few krb5 calls of a kinit are declared here by hand: the crates that wrap MIT Kerberos
//! expose only GSSAPI (which cannot report a login failure before a NameNode is contacted) and
//! need its headers and bindgen at build time.
//!
//! Nothing here prints a keytab's contents or a ticket; messages name the principal, the keytab
//! file and what MIT Kerberos said.

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The principal and keytab of a login (Flume's `KerberosUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosUser {
    /// With `_HOST` replaced.
    pub principal: String,
    pub keytab: PathBuf,
}

impl fmt::Display for KerberosUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ principal: {}, keytab: {} }}",
            self.principal,
            self.keytab.display()
        )
    }
}

/// `SecurityUtil.getServerPrincipal(principal, "")`: `a/_HOST@R` → `a/<fqdn>@R` with the
/// canonical host name lower-cased; any other form is returned unchanged. `None` when
/// `_HOST` must be replaced and this host's name does not resolve.
pub fn resolve_host_pattern(principal: &str, canonical_host: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = principal.split(['/', '@']).collect();
    if parts.len() != 3 || parts[1] != "_HOST" {
        return Some(principal.to_string());
    }
    let host = canonical_host?;
    Some(format!("{}/{}@{}", parts[0], host.to_lowercase(), parts[2]))
}

/// This host's canonical name as `InetAddress.getLocalHost().getCanonicalHostName()` gives it.
pub fn canonical_host_name() -> Option<&'static str> {
    crate::interceptor::host::local_host().canonical.as_deref()
}

/// Flume's checks of `KerberosAuthenticator.authenticate` that need no KDC: both keys or
/// neither, neither empty, the keytab a readable file, `_HOST` resolvable, and (beyond Flume,
/// which learns it only from the KDC) the keytab holding a key for the principal.
pub fn check_settings(
    principal: Option<&str>,
    keytab: Option<&str>,
) -> Result<Option<KerberosUser>, SettingsError> {
    let (principal, keytab) = match (principal, keytab) {
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(SettingsError::KeytabMissing),
        (None, Some(_)) => return Err(SettingsError::PrincipalMissing),
        (Some(p), Some(k)) => (p.trim(), k.trim()),
    };
    if principal.is_empty() {
        return Err(SettingsError::PrincipalMissing);
    }
    if keytab.is_empty() {
        return Err(SettingsError::KeytabMissing);
    }
    let keytab_path = PathBuf::from(keytab);
    if let Err(e) = std::fs::File::open(&keytab_path).and_then(|f| {
        if f.metadata()?.is_file() {
            Ok(())
        } else {
            Err(std::io::Error::other("not a regular file"))
        }
    }) {
        return Err(SettingsError::KeytabUnreadable {
            keytab: keytab_path,
            reason: e.to_string(),
        });
    }
    let resolved = resolve_host_pattern(principal, canonical_host_name()).ok_or_else(|| {
        SettingsError::HostLookup {
            principal: principal.to_string(),
        }
    })?;
    let user = KerberosUser {
        principal: resolved,
        keytab: keytab_path,
    };
    match keytab_has_principal(&user) {
        Ok(true) => {}
        Ok(false) => return Err(SettingsError::NotInKeytab(user)),
        Err(Krb5Error::Unavailable(why)) => {
            tracing::warn!("cannot check keytab {}: {why}", user.keytab.display());
        }
        Err(e) => return Err(SettingsError::BadKeytab(user, e.to_string())),
    }
    Ok(Some(user))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(
        "hdfs.kerberosKeytab is required with hdfs.kerberosPrincipal (Flume: \"Keytab can not be null when Principal is provided\")"
    )]
    KeytabMissing,
    #[error(
        "hdfs.kerberosPrincipal is required with hdfs.kerberosKeytab (Flume: \"Principal can not be null when keytab is provided\")"
    )]
    PrincipalMissing,
    #[error("Keytab is not a readable file: {} ({reason})", keytab.display())]
    KeytabUnreadable { keytab: PathBuf, reason: String },
    #[error(
        "Host lookup error resolving kerberos principal ({principal}): this host's name does not resolve"
    )]
    HostLookup { principal: String },
    #[error("keytab {} holds no key for principal {}", .0.keytab.display(), .0.principal)]
    NotInKeytab(KerberosUser),
    #[error("keytab {} cannot be read as a Kerberos keytab (principal {}): {}", .0.keytab.display(), .0.principal, .1)]
    BadKeytab(KerberosUser, String),
    #[error(
        "Cannot use multiple kerberos principals in the same agent.  Must restart agent to use new principal or keytab. Previous = {previous}, New = {new}"
    )]
    MultiplePrincipals {
        previous: KerberosUser,
        new: KerberosUser,
    },
}

// ---------------------------------------------------------------------------------------------
// The agent's one login.

/// The agent's login: one per process, as Flume's is one per JVM (it outlives reloads).
static AGENT_LOGIN: Mutex<Option<Arc<Login>>> = Mutex::new(None);

/// The login of `user`, created on first use; another user is refused as Flume refuses it.
pub fn agent_login(user: &KerberosUser) -> Result<Arc<Login>, SettingsError> {
    let mut slot = AGENT_LOGIN.lock().unwrap_or_else(|e| e.into_inner());
    claim(&mut slot, user)
}

/// Delete the private credential cache (agent stop). A later login makes a new one.
pub fn remove_credentials() {
    let login = AGENT_LOGIN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if let Some(login) = login {
        let mut state = login.state.lock().unwrap_or_else(|e| e.into_inner());
        state.ticket = None;
        if let Some(dir) = state.dir.take() {
            let _ = dir.close();
        }
    }
}

fn claim(slot: &mut Option<Arc<Login>>, user: &KerberosUser) -> Result<Arc<Login>, SettingsError> {
    match slot {
        Some(login) if login.user == *user => Ok(Arc::clone(login)),
        Some(login) => Err(SettingsError::MultiplePrincipals {
            previous: login.user.clone(),
            new: user.clone(),
        }),
        None => {
            let login = Arc::new(Login::new(user.clone()));
            *slot = Some(Arc::clone(&login));
            Ok(login)
        }
    }
}

/// A ticket-granting ticket held in the private cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub client: String,
    /// Seconds since the epoch.
    pub start: i64,
    pub end: i64,
}

impl Ticket {
    /// When to renew: 80% of the way from start to end.
    pub fn renew_at(&self) -> i64 {
        self.start + (self.end - self.start) * 4 / 5
    }
}

/// A keytab login into a private credential cache, renewed in the background.
pub struct Login {
    pub user: KerberosUser,
    state: Mutex<LoginState>,
    /// Serialises logins (the first one, renewals, retries after a failure).
    login_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct LoginState {
    dir: Option<tempfile::TempDir>,
    ticket: Option<Ticket>,
    renewer: bool,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login").field("user", &self.user).finish()
    }
}

/// Margin before a ticket's end under which it is not used any more.
const EXPIRY_MARGIN_SECS: i64 = 5;
/// Retry delay after a failed renewal (bounded by what is left of the ticket).
const RENEW_RETRY: Duration = Duration::from_secs(30);

impl Login {
    fn new(user: KerberosUser) -> Login {
        Login {
            user,
            state: Mutex::new(LoginState::default()),
            login_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// `FILE:<private dir>/krb5cc`, the credential cache hdfs-native is given.
    pub fn ccache_name(&self) -> Result<String, LoginError> {
        Ok(format!("FILE:{}", self.ccache_path()?.display()))
    }

    /// The private cache file (its directory is made, 0700, on first use).
    pub fn ccache_path(&self) -> Result<PathBuf, LoginError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.dir.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("flume-rs-krb5-")
                .tempdir()
                .map_err(|e| LoginError::Cache(format!("cannot make a private directory: {e}")))?;
            // tempfile makes it 0700 already; say so explicitly.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(|e| LoginError::Cache(format!("{}: {e}", dir.path().display())))?;
            state.dir = Some(dir);
        }
        Ok(state
            .dir
            .as_ref()
            .map(|d| d.path().join("krb5cc"))
            .unwrap_or_default())
    }

    /// The current ticket, if one was acquired.
    pub fn ticket(&self) -> Option<Ticket> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ticket
            .clone()
    }

    /// A valid ticket: the one held, or a new login from the keytab. The first success starts
    /// the renewal task (on the current tokio runtime).
    pub async fn ensure(self: &Arc<Self>) -> Result<Ticket, LoginError> {
        let _guard = self.login_lock.lock().await;
        if let Some(t) = self
            .ticket()
            .filter(|t| t.end - EXPIRY_MARGIN_SECS > now_secs())
        {
            return Ok(t);
        }
        let renewal = self.ticket().is_some();
        let ticket = self.login_now().await?;
        self.log_login(&ticket, renewal);
        let start_renewer = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            !std::mem::replace(&mut state.renewer, true)
        };
        if start_renewer {
            let weak = Arc::downgrade(self);
            tokio::spawn(async move { renew_loop(weak).await });
        }
        Ok(ticket)
    }

    fn log_login(&self, ticket: &Ticket, renewal: bool) {
        if renewal {
            tracing::info!(
                target: "org.apache.flume.auth.KerberosAuthenticator",
                "Kerberos ticket of {} renewed from keytab {}: valid until {}",
                ticket.client,
                self.user.keytab.display(),
                format_time(ticket.end)
            );
        } else {
            tracing::info!(
                target: "org.apache.flume.auth.KerberosAuthenticator",
                "Kerberos login as principal ({}) from keytab file ({}): ticket valid until {}",
                ticket.client,
                self.user.keytab.display(),
                format_time(ticket.end)
            );
        }
    }

    /// kinit from the keytab into the private cache (replacing it atomically).
    async fn login_now(&self) -> Result<Ticket, LoginError> {
        let target = self.ccache_path()?;
        let user = self.user.clone();
        let ticket = tokio::task::spawn_blocking(move || {
            let staging = target.with_file_name("krb5cc.new");
            let _ = std::fs::remove_file(&staging);
            let result = kinit_keytab(
                &user.principal,
                &user.keytab,
                &format!("FILE:{}", staging.display()),
            );
            match result {
                Ok(ticket) => {
                    std::fs::rename(&staging, &target)
                        .map_err(|e| LoginError::Cache(format!("{}: {e}", target.display())))?;
                    Ok(ticket)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&staging);
                    Err(LoginError::Kdc {
                        user: user.clone(),
                        message: e.to_string(),
                    })
                }
            }
        })
        .await
        .map_err(|e| LoginError::Cache(format!("login task failed: {e}")))??;
        self.state.lock().unwrap_or_else(|e| e.into_inner()).ticket = Some(ticket.clone());
        Ok(ticket)
    }
}

async fn renew_loop(login: std::sync::Weak<Login>) {
    loop {
        let Some(wait) = login.upgrade().map(|l| match l.ticket() {
            Some(t) => Duration::from_secs((t.renew_at() - now_secs()).max(1) as u64),
            None => RENEW_RETRY,
        }) else {
            return;
        };
        tokio::time::sleep(wait).await;
        let Some(l) = login.upgrade() else { return };
        let _guard = l.login_lock.lock().await;
        if l.ticket().is_some_and(|t| t.renew_at() > now_secs()) {
            continue; // renewed meanwhile
        }
        match l.login_now().await {
            Ok(t) => l.log_login(&t, true),
            Err(e) => {
                let left = l.ticket().map(|t| t.end - now_secs()).unwrap_or(0);
                tracing::warn!(
                    target: "org.apache.flume.auth.KerberosAuthenticator",
                    "Kerberos renewal failed ({e}); the current ticket has {left} s left, retrying"
                );
                drop(_guard);
                let retry = RENEW_RETRY.min(Duration::from_secs((left / 2).max(1) as u64));
                tokio::time::sleep(retry).await;
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("Authentication error while attempting to login as kerberos principal ({}) using keytab ({}): {message}", user.principal, user.keytab.display())]
    Kdc { user: KerberosUser, message: String },
    #[error("Kerberos credential cache: {0}")]
    Cache(String),
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn format_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| secs.to_string())
}

// ---------------------------------------------------------------------------------------------
// MIT krb5, loaded at run time. Declarations follow <krb5/krb5.h> (MIT krb5 1.x, stable ABI).

type Krb5Context = *mut c_void;
type Krb5Principal = *mut c_void;
type Krb5Keytab = *mut c_void;
type Krb5Ccache = *mut c_void;
type Krb5InitCredsOpt = c_void;
type Krb5ErrorCode = i32;

#[repr(C)]
struct Krb5Keyblock {
    magic: i32,
    enctype: i32,
    length: c_uint,
    contents: *mut u8,
}

#[repr(C)]
struct Krb5Data {
    magic: i32,
    length: c_uint,
    data: *mut c_char,
}

#[repr(C)]
struct Krb5TicketTimes {
    authtime: i32,
    starttime: i32,
    endtime: i32,
    renew_till: i32,
}

#[repr(C)]
struct Krb5Creds {
    magic: i32,
    client: Krb5Principal,
    server: Krb5Principal,
    keyblock: Krb5Keyblock,
    times: Krb5TicketTimes,
    is_skey: c_uint,
    ticket_flags: i32,
    addresses: *mut c_void,
    ticket: Krb5Data,
    second_ticket: Krb5Data,
    authdata: *mut c_void,
}

#[repr(C)]
struct Krb5KeytabEntry {
    magic: i32,
    principal: Krb5Principal,
    timestamp: u32,
    vno: u32,
    key: Krb5Keyblock,
}

struct Krb5 {
    init_context: unsafe extern "C" fn(*mut Krb5Context) -> Krb5ErrorCode,
    free_context: unsafe extern "C" fn(Krb5Context),
    get_error_message: unsafe extern "C" fn(Krb5Context, Krb5ErrorCode) -> *const c_char,
    free_error_message: unsafe extern "C" fn(Krb5Context, *const c_char),
    parse_name:
        unsafe extern "C" fn(Krb5Context, *const c_char, *mut Krb5Principal) -> Krb5ErrorCode,
    unparse_name:
        unsafe extern "C" fn(Krb5Context, Krb5Principal, *mut *mut c_char) -> Krb5ErrorCode,
    free_unparsed_name: unsafe extern "C" fn(Krb5Context, *mut c_char),
    free_principal: unsafe extern "C" fn(Krb5Context, Krb5Principal),
    kt_resolve: unsafe extern "C" fn(Krb5Context, *const c_char, *mut Krb5Keytab) -> Krb5ErrorCode,
    kt_close: unsafe extern "C" fn(Krb5Context, Krb5Keytab) -> Krb5ErrorCode,
    kt_get_entry: unsafe extern "C" fn(
        Krb5Context,
        Krb5Keytab,
        Krb5Principal,
        c_uint,
        i32,
        *mut Krb5KeytabEntry,
    ) -> Krb5ErrorCode,
    kt_free_entry: unsafe extern "C" fn(Krb5Context, *mut Krb5KeytabEntry) -> Krb5ErrorCode,
    cc_resolve: unsafe extern "C" fn(Krb5Context, *const c_char, *mut Krb5Ccache) -> Krb5ErrorCode,
    cc_close: unsafe extern "C" fn(Krb5Context, Krb5Ccache) -> Krb5ErrorCode,
    opt_alloc: unsafe extern "C" fn(Krb5Context, *mut *mut Krb5InitCredsOpt) -> Krb5ErrorCode,
    opt_free: unsafe extern "C" fn(Krb5Context, *mut Krb5InitCredsOpt),
    opt_set_out_ccache:
        unsafe extern "C" fn(Krb5Context, *mut Krb5InitCredsOpt, Krb5Ccache) -> Krb5ErrorCode,
    get_init_creds_keytab: unsafe extern "C" fn(
        Krb5Context,
        *mut Krb5Creds,
        Krb5Principal,
        Krb5Keytab,
        i32,
        *const c_char,
        *mut Krb5InitCredsOpt,
    ) -> Krb5ErrorCode,
    free_cred_contents: unsafe extern "C" fn(Krb5Context, *mut Krb5Creds),
    _lib: libloading::Library,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Krb5Error {
    #[error("MIT Kerberos (libkrb5.so.3) is not available: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Call(String),
}

fn krb5() -> Result<&'static Krb5, Krb5Error> {
    static LIB: OnceLock<Result<Krb5, String>> = OnceLock::new();
    LIB.get_or_init(|| load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Krb5Error::Unavailable(e.clone()))
}

fn load() -> Result<Krb5, libloading::Error> {
    // SAFETY: libkrb5 has no load-time side effects beyond its own initialisation; every
    // symbol is declared with the signature of MIT krb5's public header.
    unsafe {
        let lib = libloading::Library::new("libkrb5.so.3")?;
        macro_rules! sym {
            ($name:literal) => {
                *lib.get(concat!($name, "\0").as_bytes())?
            };
        }
        Ok(Krb5 {
            init_context: sym!("krb5_init_context"),
            free_context: sym!("krb5_free_context"),
            get_error_message: sym!("krb5_get_error_message"),
            free_error_message: sym!("krb5_free_error_message"),
            parse_name: sym!("krb5_parse_name"),
            unparse_name: sym!("krb5_unparse_name"),
            free_unparsed_name: sym!("krb5_free_unparsed_name"),
            free_principal: sym!("krb5_free_principal"),
            kt_resolve: sym!("krb5_kt_resolve"),
            kt_close: sym!("krb5_kt_close"),
            kt_get_entry: sym!("krb5_kt_get_entry"),
            kt_free_entry: sym!("krb5_kt_free_entry"),
            cc_resolve: sym!("krb5_cc_resolve"),
            cc_close: sym!("krb5_cc_close"),
            opt_alloc: sym!("krb5_get_init_creds_opt_alloc"),
            opt_free: sym!("krb5_get_init_creds_opt_free"),
            opt_set_out_ccache: sym!("krb5_get_init_creds_opt_set_out_ccache"),
            get_init_creds_keytab: sym!("krb5_get_init_creds_keytab"),
            free_cred_contents: sym!("krb5_free_cred_contents"),
            _lib: lib,
        })
    }
}

/// A krb5 context with the handles opened in it, all released on drop.
struct Session {
    k: &'static Krb5,
    ctx: Krb5Context,
    principal: Krb5Principal,
    keytab: Krb5Keytab,
    ccache: Krb5Ccache,
    opt: *mut Krb5InitCredsOpt,
}

impl Session {
    fn new() -> Result<Session, Krb5Error> {
        let k = krb5()?;
        let mut ctx: Krb5Context = std::ptr::null_mut();
        // SAFETY: out-pointer to a context handle.
        let code = unsafe { (k.init_context)(&mut ctx) };
        if code != 0 {
            return Err(Krb5Error::Call(format!(
                "cannot initialise Kerberos (krb5.conf?): error {code}"
            )));
        }
        Ok(Session {
            k,
            ctx,
            principal: std::ptr::null_mut(),
            keytab: std::ptr::null_mut(),
            ccache: std::ptr::null_mut(),
            opt: std::ptr::null_mut(),
        })
    }

    fn check(&self, code: Krb5ErrorCode, what: &str) -> Result<(), Krb5Error> {
        if code == 0 {
            return Ok(());
        }
        // SAFETY: ctx is live; the message is freed with the matching call.
        let message = unsafe {
            let m = (self.k.get_error_message)(self.ctx, code);
            if m.is_null() {
                format!("error {code}")
            } else {
                let s = CStr::from_ptr(m).to_string_lossy().into_owned();
                (self.k.free_error_message)(self.ctx, m);
                s
            }
        };
        Err(Krb5Error::Call(format!("{what}: {message}")))
    }

    fn parse_principal(&mut self, principal: &str) -> Result<(), Krb5Error> {
        let name = c_string(principal)?;
        // SAFETY: live context, NUL-terminated name, out-pointer.
        let code = unsafe { (self.k.parse_name)(self.ctx, name.as_ptr(), &mut self.principal) };
        self.check(code, &format!("principal {principal}"))
    }

    fn open_keytab(&mut self, keytab: &Path) -> Result<(), Krb5Error> {
        let name = c_string(&format!("FILE:{}", keytab.display()))?;
        // SAFETY: as above.
        let code = unsafe { (self.k.kt_resolve)(self.ctx, name.as_ptr(), &mut self.keytab) };
        self.check(code, &format!("keytab {}", keytab.display()))
    }

    fn unparse(&self, principal: Krb5Principal) -> String {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: principal is a live handle from this context; out is freed below.
        unsafe {
            if (self.k.unparse_name)(self.ctx, principal, &mut out) != 0 || out.is_null() {
                return String::new();
            }
            let s = CStr::from_ptr(out).to_string_lossy().into_owned();
            (self.k.free_unparsed_name)(self.ctx, out);
            s
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: each handle is either null or was opened in this context, and is released
        // once, before the context.
        unsafe {
            if !self.opt.is_null() {
                (self.k.opt_free)(self.ctx, self.opt);
            }
            if !self.ccache.is_null() {
                (self.k.cc_close)(self.ctx, self.ccache);
            }
            if !self.keytab.is_null() {
                (self.k.kt_close)(self.ctx, self.keytab);
            }
            if !self.principal.is_null() {
                (self.k.free_principal)(self.ctx, self.principal);
            }
            (self.k.free_context)(self.ctx);
        }
    }
}

fn c_string(s: &str) -> Result<CString, Krb5Error> {
    CString::new(s).map_err(|_| Krb5Error::Call(format!("{s:?} contains a NUL character")))
}

/// Whether `keytab` has a key for `principal` (no KDC involved).
pub fn keytab_has_principal(user: &KerberosUser) -> Result<bool, Krb5Error> {
    let mut s = Session::new()?;
    s.parse_principal(&user.principal)?;
    s.open_keytab(&user.keytab)?;
    // SAFETY: zeroed entry filled by the library and released with kt_free_entry.
    let mut entry: Krb5KeytabEntry = unsafe { std::mem::zeroed() };
    let code = unsafe { (s.k.kt_get_entry)(s.ctx, s.keytab, s.principal, 0, 0, &mut entry) };
    if code == 0 {
        unsafe { (s.k.kt_free_entry)(s.ctx, &mut entry) };
        return Ok(true);
    }
    // KRB5_KT_NOTFOUND (-1765328203): no such principal. Other codes (bad format, no file)
    // are errors.
    const KRB5_KT_NOTFOUND: c_int = -1765328203;
    if code == KRB5_KT_NOTFOUND {
        return Ok(false);
    }
    s.check(code, &format!("keytab {}", user.keytab.display()))
        .map(|_| false)
}

/// `kinit -k -t keytab principal` into `ccache` (which it initialises).
pub fn kinit_keytab(principal: &str, keytab: &Path, ccache: &str) -> Result<Ticket, Krb5Error> {
    let mut s = Session::new()?;
    s.parse_principal(principal)?;
    s.open_keytab(keytab)?;
    let cc = c_string(ccache)?;
    // SAFETY: live context; out-pointers to handles released in Drop.
    let code = unsafe { (s.k.cc_resolve)(s.ctx, cc.as_ptr(), &mut s.ccache) };
    s.check(code, "credential cache")?;
    let code = unsafe { (s.k.opt_alloc)(s.ctx, &mut s.opt) };
    s.check(code, "init creds options")?;
    let code = unsafe { (s.k.opt_set_out_ccache)(s.ctx, s.opt, s.ccache) };
    s.check(code, "init creds options")?;
    // SAFETY: zeroed creds filled by the library and released with free_cred_contents.
    let mut creds: Krb5Creds = unsafe { std::mem::zeroed() };
    let code = unsafe {
        (s.k.get_init_creds_keytab)(
            s.ctx,
            &mut creds,
            s.principal,
            s.keytab,
            0,
            std::ptr::null(),
            s.opt,
        )
    };
    s.check(code, "getting initial credentials")?;
    let start = if creds.times.starttime != 0 {
        creds.times.starttime
    } else {
        creds.times.authtime
    };
    let ticket = Ticket {
        client: s.unparse(creds.client),
        // krb5 timestamps are unsigned 32-bit seconds stored in an int32.
        start: start as u32 as i64,
        end: creds.times.endtime as u32 as i64,
    };
    unsafe { (s.k.free_cred_contents)(s.ctx, &mut creds) };
    Ok(ticket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_pattern() {
        assert_eq!(
            resolve_host_pattern("flume/_HOST@EXAMPLE.COM", Some("Node1.Example.com")).unwrap(),
            "flume/node1.example.com@EXAMPLE.COM"
        );
        // Only the exact `_HOST` instance of a three-part name is replaced, as in Hadoop.
        for p in [
            "flume@EXAMPLE.COM",
            "flume/_HOST",
            "flume/host1@EXAMPLE.COM",
            "flume/_host@EXAMPLE.COM",
            "a/b/_HOST@R",
        ] {
            assert_eq!(resolve_host_pattern(p, Some("h")).unwrap(), p);
        }
        assert_eq!(resolve_host_pattern("flume/_HOST@R", None), None);
        assert_eq!(resolve_host_pattern("flume@R", None).unwrap(), "flume@R");
    }

    #[test]
    fn both_or_neither() {
        assert_eq!(check_settings(None, None), Ok(None));
        assert_eq!(
            check_settings(Some("a@R"), None),
            Err(SettingsError::KeytabMissing)
        );
        assert_eq!(
            check_settings(None, Some("/k")),
            Err(SettingsError::PrincipalMissing)
        );
        assert_eq!(
            check_settings(Some(""), Some("/k")),
            Err(SettingsError::PrincipalMissing)
        );
        let err = check_settings(Some("a@R"), Some("/nonexistent/flume.keytab")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Keytab is not a readable file: /nonexistent/flume.keytab"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = check_settings(Some("a@R"), Some(dir.path().to_str().unwrap())).unwrap_err();
        assert!(
            matches!(err, SettingsError::KeytabUnreadable { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_no_keytab_is_refused_without_showing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.keytab");
        std::fs::write(&path, b"SECRET-NOT-A-KEYTAB").unwrap();
        let err = check_settings(Some("a@R"), Some(path.to_str().unwrap())).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, SettingsError::BadKeytab(..)), "{text}");
        assert!(
            text.contains("bad.keytab") && !text.contains("SECRET"),
            "{text}"
        );
    }

    #[test]
    fn one_principal_per_agent() {
        let a = KerberosUser {
            principal: "a@R".into(),
            keytab: "/k1".into(),
        };
        let b = KerberosUser {
            principal: "b@R".into(),
            keytab: "/k1".into(),
        };
        let mut slot = None;
        let first = claim(&mut slot, &a).unwrap();
        assert!(Arc::ptr_eq(&first, &claim(&mut slot, &a).unwrap()));
        let err = claim(&mut slot, &b).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot use multiple kerberos principals in the same agent.  Must restart agent to \
             use new principal or keytab. Previous = { principal: a@R, keytab: /k1 }, New = { \
             principal: b@R, keytab: /k1 }"
        );
        let other_keytab = KerberosUser {
            keytab: "/k2".into(),
            ..a.clone()
        };
        assert!(claim(&mut slot, &other_keytab).is_err());
    }

    #[test]
    fn renewal_point() {
        let t = Ticket {
            client: "a@R".into(),
            start: 1000,
            end: 1100,
        };
        assert_eq!(t.renew_at(), 1080);
    }
}
