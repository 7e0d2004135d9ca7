//! The embedded JVM: started once, on first need, from [`JavaSettings`]; dedicated threads
//! attached to it run every JNI call (never the async workers); the bridge's `Host.call` is
//! the one method called, and `Host.upcall` the one native method Java calls back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use jni::objects::{JByteArray, JClass, JValueOwned};
use jni::refs::Global;
use jni::signature::ReturnType;
use jni::sys::{jint, jlong, jvalue};
use jni::{AttachConfig, Env, EnvUnowned, JNIVersion, JavaVM, jni_sig, jni_str};

use super::jars;
use super::locate::{self, Found};
use super::settings::{Classpath, JavaSettings, join};
use super::wire::{self, In, Out};

/// Why no JVM could be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JvmError {
    #[error("no Java runtime found (looked at: {}); install a JRE 8 or later, or point to one with JAVA_HOME (in the environment, in <conf>/flume-env.sh, or in /etc/default/flume-rs-agent for the service)", looked.join("; "))]
    NoJava { looked: Vec<String> },
    #[error("{0}")]
    Jar(String),
    #[error("cannot start the JVM ({libjvm}): {why}")]
    Start { libjvm: String, why: String },
    #[error("this build of flume-ng has no JVM support (the `jvm` feature is off)")]
    Disabled,
}

/// An exception thrown by hosted code (or a bridge failure), with its Java stack trace.
impl From<jni::errors::Error> for JavaError {
    fn from(e: jni::errors::Error) -> Self {
        JavaError::bridge(e.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class}: {message}{}", if *.kind == wire::ERR_LINKAGE || .class.contains("NoClassDefFound") { missing_hint(.message) } else { "" })]
pub struct JavaError {
    pub kind: i32,
    pub class: String,
    pub message: String,
    pub stack: String,
}

impl JavaError {
    pub fn bridge(message: impl Into<String>) -> Self {
        JavaError {
            kind: wire::ERR_EXCEPTION,
            class: "flume-rs bridge".into(),
            message: message.into(),
            stack: String::new(),
        }
    }
}

pub struct Jvm {
    vm: JavaVM,
    host: Global<JClass<'static>>,
    pub classpath: Classpath,
    /// The classpath as given to the JVM (with the bundled jars).
    pub class_path_string: String,
    pub java: Found,
    pub java_version: String,
    /// Where `org.apache.flume.Event` was loaded from (Flume's jars or the bundled API jar).
    pub api_origin: String,
    admin: Worker,
}

static SETTINGS: Mutex<Option<JavaSettings>> = Mutex::new(None);
static JVM: Mutex<Option<Arc<Jvm>>> = Mutex::new(None);

/// Record what a JVM would be started with. Starts nothing.
pub fn configure(settings: JavaSettings) {
    *SETTINGS.lock().unwrap_or_else(|e| e.into_inner()) = Some(settings);
}

/// True once a JVM runs in this process.
pub fn is_started() -> bool {
    JVM.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// The JVM, started now if it is not running yet. A failure is not remembered: a later
/// configuration (after Java was installed) tries again.
pub fn get() -> Result<Arc<Jvm>, JvmError> {
    let mut slot = JVM.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(jvm) = slot.as_ref() {
        return Ok(Arc::clone(jvm));
    }
    let settings = SETTINGS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(JavaSettings::from_environment);
    let jvm = start(&settings)?;
    *slot = Some(Arc::clone(&jvm));
    Ok(jvm)
}

/// The classpath a JVM would get, for messages when none can start.
pub fn planned_classpath() -> Classpath {
    SETTINGS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(JavaSettings::from_environment)
        .classpath()
}

impl JavaSettings {
    /// Settings from the environment only (no command line, no flume-env.sh).
    pub fn from_environment() -> Self {
        let env_sh = super::settings::read_env_sh(None);
        JavaSettings {
            flume_home: std::env::var_os("FLUME_HOME").map(Into::into),
            java_home_env: std::env::var_os("JAVA_HOME")
                .filter(|v| !v.is_empty())
                .map(Into::into),
            flume_classpath: env_sh.flume_classpath,
            java_library_path: env_sh.java_library_path,
            jvm_options: env_sh.java_opts,
            ..Default::default()
        }
    }
}

fn start(settings: &JavaSettings) -> Result<Arc<Jvm>, JvmError> {
    let found = locate::find(settings).map_err(|looked| JvmError::NoJava { looked })?;
    let classpath = settings.classpath();
    let mut entries = classpath.entries.clone();
    if !classpath.has_flume_jars() {
        entries.push(jars::api_jar().map_err(JvmError::Jar)?);
    }
    entries.push(jars::bridge_jar().map_err(JvmError::Jar)?);
    entries.extend(system_jars(&classpath.entries));
    let class_path_string = join(&entries);
    let mut options: Vec<String> = vec![
        // Signals stay the agent's: SIGTERM/SIGINT/SIGHUP are not the JVM's to handle.
        "-Xrs".to_string(),
        format!("-Djava.class.path={class_path_string}"),
        // Hosted code's log lines above the agent's level are not sent (Logs.java).
        format!("-Dflume.rs.log.level={}", log_level()),
    ];
    if !classpath.library_path.is_empty() {
        options.push(format!(
            "-Djava.library.path={}",
            join(&classpath.library_path)
        ));
    }
    options.extend(
        settings
            .jvm_options
            .iter()
            .filter(|o| is_jvm_option(o))
            .cloned(),
    );
    for note in &classpath.notes {
        tracing::info!("{note}");
    }
    tracing::info!(
        "Starting the JVM for Java plugins: {} ({}), options {}, {} classpath entries",
        found.libjvm.display(),
        found.via,
        options
            .iter()
            .filter(|o| !o.starts_with("-Djava.class.path="))
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        entries.len()
    );
    tracing::debug!("JVM classpath: {class_path_string}");
    let (tx, rx) = std::sync::mpsc::channel();
    let libjvm = found.libjvm.clone();
    // The JVM is created on its own thread, which then serves the build-time calls (class
    // loading, construction, configuration) for the life of the process.
    let spawned = std::thread::Builder::new()
        .name("flume-jvm".into())
        .spawn(move || {
            let created = create(&libjvm, &options);
            match created {
                Ok((vm, host, version, origin)) => {
                    let (jobs_tx, jobs_rx) = std::sync::mpsc::channel::<Job>();
                    let _ = tx.send(Ok((vm.clone(), host, version, origin, jobs_tx)));
                    let _ = vm.attach_current_thread(|env| -> jni::errors::Result<()> {
                        serve(env, jobs_rx);
                        Ok(())
                    });
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    if let Err(e) = spawned {
        return Err(JvmError::Start {
            libjvm: found.libjvm.display().to_string(),
            why: e.to_string(),
        });
    }
    let (vm, host, java_version, api_origin, jobs) = rx
        .recv()
        .map_err(|_| JvmError::Start {
            libjvm: found.libjvm.display().to_string(),
            why: "the JVM thread ended".into(),
        })?
        .map_err(|why| JvmError::Start {
            libjvm: found.libjvm.display().to_string(),
            why,
        })?;
    tracing::info!(
        "JVM started: Java {java_version}, {} from {api_origin}",
        "Flume plugin API"
    );
    Ok(Arc::new(Jvm {
        vm,
        host,
        classpath,
        class_path_string,
        java: found,
        java_version,
        api_origin,
        admin: Worker { jobs },
    }))
}

/// Where Debian-style distributions install Java libraries (`FLUME_RS_SYSTEM_JARS` overrides).
pub const SYSTEM_JARS: &str = "/usr/share/java";

/// Libraries Flume's lib always had, which plugins count on: added last on the classpath from
/// the system's Java library folder when the site's classpath has none (a site's own copy
/// always wins), else a warning saying what will fail. Returns the jars to append.
fn system_jars(site: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    const NEEDS: &[(&str, &str, &str, &str)] = &[
        (
            "com/google/common/collect/ImmutableMap.class",
            "guava.jar",
            "Guava (com.google.common)",
            "Context.getParameters()/getSubProperties() and plugins using Guava fail with NoClassDefFoundError: com/google/common/…; put a guava jar in the plugin's libext/ or install Guava (Debian: libguava-java)",
        ),
        (
            "javax/servlet/http/HttpServletRequest.class",
            "servlet-api.jar",
            "servlet API (javax.servlet)",
            "HTTP source handler classes cannot be hosted; put a servlet-api jar in the plugin's libext/ or install it (Debian: libservlet-api-java)",
        ),
    ];
    let dir = std::env::var_os("FLUME_RS_SYSTEM_JARS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| SYSTEM_JARS.into());
    let mut classes: Vec<&str> = NEEDS.iter().map(|n| n.0).collect();
    classes.extend([SLF4J_API, SLF4J_BINDING, SLF4J_PROVIDER]);
    let present = super::jarscan::find(site, &classes);
    let mut add = Vec::new();
    let (api, binding, provider) = (
        present[NEEDS.len()],
        present[NEEDS.len() + 1],
        present[NEEDS.len() + 2],
    );
    // slf4j-api without a binding (Flume's lib had slf4j-log4j12): ours forwards to the log.
    let ours = match api.then(|| slf4j_major(site)) {
        Some(2) if !provider => Some(("2.x", "provider", jars::slf4j2_jar())),
        Some(1) if !binding => Some(("1.x", "binding", jars::slf4j_jar())),
        _ => None,
    };
    if let Some((version, what, jar)) = ours {
        match jar {
            Ok(jar) => {
                tracing::info!(
                    "slf4j-api {version} without a {what} on the Java classpath: adding flume-rs's ({}), so plugins' slf4j output reaches this log",
                    jar.display()
                );
                add.push(jar);
            }
            Err(e) => tracing::warn!("plugins' slf4j output is lost: {e}"),
        }
    }
    for ((_, jar, what, without), present) in NEEDS.iter().zip(present) {
        if present {
            continue;
        }
        let path = dir.join(jar);
        if path.is_file() {
            tracing::info!(
                "No {what} on the Java classpath: adding {} (last, as Flume's lib always had one)",
                path.display()
            );
            add.push(path);
        } else {
            tracing::warn!(
                "No {what} on the Java classpath and no {}: {without}",
                path.display()
            );
        }
    }
    add
}

const SLF4J_API: &str = "org/slf4j/LoggerFactory.class";
/// slf4j 1.x bindings.
const SLF4J_BINDING: &str = "org/slf4j/impl/StaticLoggerBinder.class";
/// slf4j 2.x providers (found with `ServiceLoader`).
const SLF4J_PROVIDER: &str = "META-INF/services/org.slf4j.spi.SLF4JServiceProvider";
/// Only in slf4j-api 2.x.
const SLF4J2_API: &str = "org/slf4j/spi/SLF4JServiceProvider.class";

/// The major version of the slf4j-api the JVM will load: that of the first classpath entry
/// holding `LoggerFactory` (the class loader takes the first).
fn slf4j_major(site: &[std::path::PathBuf]) -> u8 {
    for entry in site {
        let found = super::jarscan::find(std::slice::from_ref(entry), &[SLF4J_API, SLF4J2_API]);
        if found[0] {
            return if found[1] { 2 } else { 1 };
        }
    }
    0
}

/// The agent's most verbose level, as the bridge numbers levels (1 error … 5 trace).
fn log_level() -> u8 {
    use tracing::level_filters::LevelFilter;
    match LevelFilter::current() {
        LevelFilter::OFF | LevelFilter::ERROR => 1,
        LevelFilter::WARN => 2,
        LevelFilter::INFO => 3,
        LevelFilter::DEBUG => 4,
        _ => 5,
    }
}

/// Options a JVM takes (the launcher passes these on; anything else is for the agent).
fn is_jvm_option(o: &str) -> bool {
    o.starts_with("-X")
        || o.starts_with("-D")
        || o.starts_with("-agentlib")
        || o.starts_with("-agentpath")
        || o.starts_with("-javaagent")
        || o.starts_with("-verbose")
        || o.starts_with("-ea")
        || o.starts_with("-da")
        || o.starts_with("-enableassertions")
        || o.starts_with("-disableassertions")
}

type Created = (JavaVM, Global<JClass<'static>>, String, String);

fn create(libjvm: &std::path::Path, options: &[String]) -> Result<Created, String> {
    let mut builder = jni::InitArgsBuilder::new().version(JNIVersion::V1_8);
    for o in options {
        builder = builder.option(o.clone());
    }
    let args = builder.build().map_err(|e| e.to_string())?;
    let path = libjvm.to_path_buf();
    let vm = JavaVM::with_libjvm(args, || Ok(path)).map_err(|e| e.to_string())?;
    type Loaded = Result<Global<JClass<'static>>, String>;
    let result = vm.attach_current_thread(|env| -> jni::errors::Result<Loaded> {
        let class = match env.find_class(jni_str!("org/flumers/bridge/Host")) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Err(format!(
                    "the bridge class org.flumers.bridge.Host cannot be loaded: {e}"
                )));
            }
        };
        let methods = [unsafe {
            jni::NativeMethod::from_raw_parts(
                jni_str!("upcall"),
                jni_str!("(IJ[B)[B"),
                upcall as *mut std::ffi::c_void,
            )
        }];
        // SAFETY: `upcall` is a static native method with exactly this signature.
        if let Err(e) = unsafe { env.register_native_methods(&class, &methods) } {
            return Ok(Err(format!(
                "cannot register the bridge's native method: {e}"
            )));
        }
        let host = env.new_global_ref(&class)?;
        Ok(Ok(host))
    });
    let host = match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(e),
        Err(e) => return Err(e.to_string()),
    };
    let mut init = Vec::new();
    let answer = vm
        .attach_current_thread(|env| -> jni::errors::Result<_> {
            Ok(invoke(env, &host, wire::OP_INIT, 0, &[]))
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{e}\n{}", e.stack))?;
    init.extend_from_slice(&answer);
    let mut input = In::new(&init);
    let version = input.str().map_err(|e| e.to_string())?;
    let origin = input.str().map_err(|e| e.to_string())?;
    Ok((vm, host, version, origin))
}

/// One JNI call of `Host.call(op, handle, payload)`.
fn invoke(
    env: &mut Env,
    host: &Global<JClass<'static>>,
    op: i32,
    handle: i64,
    payload: &[u8],
) -> Result<Vec<u8>, JavaError> {
    static CALL: OnceLock<jni::ids::JStaticMethodID> = OnceLock::new();
    let bridge_err = |e: jni::errors::Error| JavaError::bridge(e.to_string());
    env.with_local_frame(8, |env| -> Result<Vec<u8>, JavaError> {
        let method = match CALL.get() {
            Some(m) => *m,
            None => {
                let m = env
                    .get_static_method_id(host, jni_str!("call"), jni_sig!("(IJ[B)[B"))
                    .map_err(bridge_err)?;
                *CALL.get_or_init(|| m)
            }
        };
        let array = env.byte_array_from_slice(payload).map_err(bridge_err)?;
        let args = [
            jvalue { i: op },
            jvalue { j: handle },
            jvalue { l: array.as_raw() },
        ];
        // SAFETY: `call` is `static byte[] call(int, long, byte[])` on the bridge class.
        let ret =
            unsafe { env.call_static_method_unchecked(host, method, ReturnType::Array, &args) };
        let value: JValueOwned = match ret {
            Ok(v) => v,
            Err(e) => {
                // `call` catches everything; an exception here is the JVM's (out of memory).
                if env.exception_check() {
                    env.exception_describe();
                    env.exception_clear();
                }
                return Err(bridge_err(e));
            }
        };
        let obj = value.l().map_err(bridge_err)?;
        let array = env.cast_local::<JByteArray>(obj).map_err(bridge_err)?;
        let bytes = env.convert_byte_array(&array).map_err(bridge_err)?;
        decode_answer(bytes)
    })
}

/// `[0] payload` or `[1] kind class message stack`.
fn decode_answer(mut bytes: Vec<u8>) -> Result<Vec<u8>, JavaError> {
    match bytes.first() {
        Some(0) => {
            bytes.remove(0);
            Ok(bytes)
        }
        Some(1) => {
            let mut input = In::new(&bytes[1..]);
            let parsed = (|| -> Result<JavaError, wire::Malformed> {
                Ok(JavaError {
                    kind: input.i32()?,
                    class: input.str()?,
                    message: input.str()?,
                    stack: input.str()?,
                })
            })();
            Err(parsed.unwrap_or_else(|e| JavaError::bridge(e.to_string())))
        }
        _ => Err(JavaError::bridge("empty answer from the bridge")),
    }
}

type Job = Box<dyn FnOnce(&mut Env) + Send>;

fn serve(env: &mut Env, jobs: std::sync::mpsc::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        job(env);
    }
}

/// A thread attached to the JVM that runs one hosted component's calls in order.
#[derive(Clone)]
pub struct Worker {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Worker {
    fn submit(
        &self,
        host: Arc<Jvm>,
        op: i32,
        handle: i64,
        payload: Vec<u8>,
        reply: impl FnOnce(Result<Vec<u8>, JavaError>) + Send + 'static,
    ) {
        let job: Job = Box::new(move |env| {
            let result = invoke(env, &host.host, op, handle, &payload);
            reply(result);
        });
        if let Err(e) = self.jobs.send(job) {
            // The thread is gone: run the reply with an error so that no caller waits forever.
            let _ = e;
        }
    }
}

impl Jvm {
    /// A new dedicated thread for one hosted component.
    pub fn worker(self: &Arc<Self>, name: &str) -> Worker {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let vm = self.vm.clone();
        let thread_name = name.to_string();
        let spawned = std::thread::Builder::new()
            .name(truncate(name, 15))
            .spawn(move || {
                let jname = jni::strings::JNIString::from(thread_name.as_str());
                let _ = vm.attach_current_thread_with_config(
                    || AttachConfig::new().thread_name(&jname),
                    Some(64),
                    |env| -> jni::errors::Result<()> {
                        serve(env, rx);
                        Ok(())
                    },
                );
            });
        if let Err(e) = spawned {
            tracing::error!(%e, "cannot start a JVM thread for {name}");
        }
        Worker { jobs: tx }
    }

    /// The thread that created the JVM, for build-time calls.
    pub fn admin(&self) -> &Worker {
        &self.admin
    }

    /// Call on `worker` and wait (build time, or from a dedicated thread).
    pub fn call_blocking(
        self: &Arc<Self>,
        worker: &Worker,
        op: i32,
        handle: i64,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, JavaError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        worker.submit(Arc::clone(self), op, handle, payload, move |r| {
            let _ = tx.send(r);
        });
        rx.recv()
            .unwrap_or_else(|_| Err(JavaError::bridge("the JVM thread has stopped")))
    }

    /// Call on `worker` from async code: the async worker waits without blocking.
    pub async fn call(
        self: &Arc<Self>,
        worker: &Worker,
        op: i32,
        handle: i64,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, JavaError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        worker.submit(Arc::clone(self), op, handle, payload, move |r| {
            let _ = tx.send(r);
        });
        rx.await
            .unwrap_or_else(|_| Err(JavaError::bridge("the JVM thread has stopped")))
    }

    /// Call on `worker`; `reply` runs on the worker's thread with the answer.
    pub fn call_then(
        self: &Arc<Self>,
        worker: &Worker,
        op: i32,
        handle: i64,
        payload: Vec<u8>,
        reply: impl FnOnce(Result<Vec<u8>, JavaError>) + Send + 'static,
    ) {
        worker.submit(Arc::clone(self), op, handle, payload, reply);
    }

    /// Fire and forget (close at drop).
    pub fn send(self: &Arc<Self>, worker: &Worker, op: i32, handle: i64, payload: Vec<u8>) {
        worker.submit(Arc::clone(self), op, handle, payload, |r| {
            if let Err(e) = r {
                tracing::warn!("closing a Java component failed: {e}\n{}", e.stack);
            }
        });
    }

    /// A clear message for a class that could not be loaded or is of the wrong kind.
    pub fn describe(&self, e: &JavaError, what: &str, class: &str) -> String {
        match e.kind {
            wire::ERR_CLASS_NOT_FOUND => format!(
                "{what} class {class} not found on the Java classpath (searched: {}, and flume-rs's bundled jars; plugins.d folders: {})",
                if self.classpath.entries.is_empty() {
                    "no folder or jar of the site's".to_string()
                } else {
                    summarize(&self.classpath.joined())
                },
                self.classpath
                    .plugin_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            wire::ERR_WRONG_KIND => format!("{what} class {class}: {}", e.message),
            wire::ERR_LINKAGE => format!(
                "{what} class {class} cannot be loaded: a class it needs is missing from the classpath ({}: {}){}",
                e.class,
                e.message,
                missing_hint(&e.message)
            ),
            _ => format!("{what} {class}: {}: {}", e.class, e.message),
        }
    }
}

/// What to do about a missing class of a library plugins commonly expect.
pub fn missing_hint(message: &str) -> &'static str {
    let m = message.replace('.', "/");
    if m.contains("com/google/common/") {
        "; that is Guava, which Flume's lib always had: put a guava jar in the plugin's libext/ or install Guava (Debian: libguava-java, /usr/share/java/guava.jar)"
    } else if m.contains("javax/servlet/") {
        "; that is the servlet API: put a servlet-api jar in the plugin's libext/ or install it (Debian: libservlet-api-java, /usr/share/java/servlet-api.jar)"
    } else if m.contains("org/slf4j/") {
        "; that is slf4j-api, which Flume's lib always had: put slf4j-api in the plugin's libext/"
    } else if m.contains("org/apache/log4j/") {
        "; that is log4j 1.2, which Flume's lib always had: put log4j-1.2 in the plugin's libext/"
    } else {
        ""
    }
}

/// A classpath for a message: runs of jars in one directory are shortened to
/// `dir/{a.jar, b.jar}` or, past three, `dir/*.jar (N jars)`.
pub fn summarize(classpath: &str) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for entry in classpath.split(':').filter(|e| !e.is_empty()) {
        let (dir, file) = match entry.rsplit_once('/') {
            Some((d, f)) if f.ends_with(".jar") => (d.to_string(), f.to_string()),
            _ => (entry.to_string(), String::new()),
        };
        match groups.last_mut() {
            Some((d, files)) if *d == dir && !file.is_empty() && !files.is_empty() => {
                files.push(file)
            }
            _ => groups.push((
                dir,
                if file.is_empty() {
                    Vec::new()
                } else {
                    vec![file]
                },
            )),
        }
    }
    groups
        .into_iter()
        .map(|(dir, files)| match files.len() {
            0 => dir,
            1 => format!("{dir}/{}", files[0]),
            2 | 3 => format!("{dir}/{{{}}}", files.join(", ")),
            n => format!("{dir}/*.jar ({n} jars)"),
        })
        .collect::<Vec<_>>()
        .join(":")
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// What handles calls from Java for one hosted component (a sink's channel, a source's
/// channel processor). Runs on the Java thread that called.
pub trait Upcalls: Send + Sync {
    fn upcall(&self, op: i32, input: &[u8]) -> Result<Vec<u8>, String>;
}

static UPCALLS: OnceLock<RwLock<HashMap<i64, Arc<dyn Upcalls>>>> = OnceLock::new();
static NEXT_UPCALL: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

fn upcalls() -> &'static RwLock<HashMap<i64, Arc<dyn Upcalls>>> {
    UPCALLS.get_or_init(|| RwLock::new(HashMap::new()))
}

/// Register an upcall target; its id is what the Java side passes back.
pub fn register_upcalls(target: Arc<dyn Upcalls>) -> i64 {
    let id = NEXT_UPCALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    upcalls()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, target);
    id
}

pub fn unregister_upcalls(id: i64) {
    upcalls()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
}

fn dispatch_upcall(op: i32, id: i64, input: &[u8]) -> Vec<u8> {
    if op == wire::UP_LOG {
        super::log::java_log(input);
        let mut out = Out::default();
        out.u8(0);
        return out.into_vec();
    }
    let target = upcalls()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned();
    let result = match target {
        Some(t) => t.upcall(op, input),
        None => Err(format!(
            "no flume-rs component with id {id} (it was stopped)"
        )),
    };
    match result {
        Ok(mut payload) => {
            payload.insert(0, 0);
            payload
        }
        Err(message) => {
            let mut out = Out::default();
            out.u8(1).str(&message);
            out.into_vec()
        }
    }
}

/// `static native byte[] upcall(int op, long id, byte[] payload)` of the bridge's Host.
extern "system" fn upcall<'local>(
    mut unowned: EnvUnowned<'local>,
    _class: JClass<'local>,
    op: jint,
    id: jlong,
    payload: JByteArray<'local>,
) -> JByteArray<'local> {
    unowned
        .with_env(|env| -> jni::errors::Result<JByteArray<'local>> {
            let input = if payload.is_null() {
                Vec::new()
            } else {
                env.convert_byte_array(&payload)?
            };
            let answer = dispatch_upcall(op, id, &input);
            env.byte_array_from_slice(&answer)
        })
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}
