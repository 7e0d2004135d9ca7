//! `hdfs` sink (`org.apache.flume.sink.hdfs.HDFSEventSink`): writes events into files under a
//! per-event path on HDFS, S3 or the local file system (reference §11.5).
//!
//! Per transaction: take up to `hdfs.batchSize` events; for each, escape `hdfs.path` and
//! `hdfs.filePrefix` ([`crate::bucket_path`]) and append it to that bucket's file
//! ([`bucket::BucketWriter`]); flush every touched bucket; commit. A storage failure (or a call
//! over `hdfs.callTimeout`) rolls the transaction back and backs off; an event whose path cannot
//! be escaped (no `timestamp` header for a `%Y`) rolls back and fails — the event stays at the
//! head of the channel, as in Flume, with a clear error logged at most every 30 s.
//!
//! Files roll on `rollCount`/`rollSize` (new file, same bucket), and on `rollInterval` /
//! `idleTimeout` (the bucket is closed and forgotten; the next event starts a new one). These
//! two timers are checked at every `process()` call, which the sink runner makes at least
//! every 5 s. At most `maxOpenFiles` buckets stay open (least recently used closed first).
//! Stop closes and renames every file.
//!
//! Beyond Flume: at start, in-use files (`….tmp`) left in this sink's directories by a crash
//! are renamed to their final names (`hdfs.recoverInUseFiles`, default true), so their data
//! does not stay invisible.

pub mod bucket;
pub mod config;
pub mod writer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use self::bucket::{BucketError, BucketWriter, Shared, Step};
use self::config::HdfsSinkConfig;
use super::{Sink, SinkError};
use crate::bucket_path::{EscapeError, EscapePattern};
use crate::channel::ChannelRef;
use crate::component::{BuildEnv, Status};
use crate::config::hadoop::HadoopConf;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{BatchFill, MetricSource, SinkCounter};
use crate::storage::{HdfsAuth, Storage, kerberos, redact};

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "hdfs",
    props: &config::PROPS,
    build: |name, ctx, channel, env| {
        Ok(Box::new(HdfsSink::from_context(name, ctx, channel, env)?))
    },
};

async fn ensure_login(login: Option<Arc<kerberos::Login>>, name: String) -> Result<(), SinkError> {
    let Some(login) = login else {
        return Ok(());
    };
    login.ensure().await.map(|_| ()).map_err(|e| {
        tracing::error!(
            target: "org.apache.flume.sink.hdfs.HDFSEventSink",
            sink = %name,
            "{e}"
        );
        SinkError::Delivery(e.to_string())
    })
}

/// The agent's Kerberos login (one per agent, as in Flume), the proxy user, and what of the
/// Hadoop security settings `hdfs-native` does not apply (noted for `validate` and the log).
fn security(
    ctx: &Context,
    config: &HdfsSinkConfig,
    hadoop: &HadoopConf,
) -> Result<HdfsAuth, ConfigError> {
    let login = match &config.kerberos {
        Some(user) => Some(
            kerberos::agent_login(user)
                .map_err(|e| ctx.error("hdfs.kerberosPrincipal", e.to_string()))?,
        ),
        None => None,
    };
    let hadoop_kerberos = hadoop
        .get("hadoop.security.authentication")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("kerberos"));
    if login.is_none() && hadoop_kerberos {
        tracing::info!(
            target: "org.apache.flume.sink.hdfs.HDFSEventSink",
            "hadoop.security.authentication = kerberos and no hdfs.kerberosPrincipal: HDFS is \
             reached with the tickets of the environment's credential cache ({})",
            std::env::var("KRB5CCNAME").unwrap_or_else(|_| "the default cache".to_string())
        );
    }
    if (login.is_some() || hadoop_kerberos)
        && hadoop.get("dfs.namenode.kerberos.principal").is_some()
    {
        let key = if login.is_some() {
            "hdfs.kerberosPrincipal"
        } else {
            "hdfs.path"
        };
        ctx.note(
            key,
            "dfs.namenode.kerberos.principal (hdfs-site.xml) is not consulted: the HDFS client \
             requests a ticket for the service principal the NameNode names in its SASL \
             negotiation, and does not check it against this pattern",
        );
    }
    if let Some(user) = &config.proxy_user
        && login.is_none()
        && !hadoop_kerberos
    {
        ctx.note(
            "hdfs.proxyUser",
            format!(
                "with simple authentication the HDFS client connects as \"{user}\" itself (no \
                 real user in the connection header), so the NameNode's hadoop.proxyuser.* \
                 rules are not checked as they are for Flume"
            ),
        );
    }
    Ok(HdfsAuth {
        login,
        proxy_user: config.proxy_user.clone(),
    })
}

/// Events between cooperative yields while a batch is encoded.
const YIELD_EVERY: usize = 256;
/// The missing-timestamp explanation is logged at most this often.
const TIMESTAMP_LOG_EVERY: Duration = Duration::from_secs(30);

pub struct HdfsSink {
    name: String,
    channel: ChannelRef,
    shared: Arc<Shared>,
    buckets: HashMap<String, BucketWriter>,
    access_clock: u64,
    tx_counter: u64,
    last_escape_log: Option<Instant>,
    suppressed_escape_logs: u64,
}

impl HdfsSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
        env: &BuildEnv,
    ) -> Result<Self, ConfigError> {
        let user_timezone = env.sysprops.get("user.timezone").map(String::as_str);
        let config = HdfsSinkConfig::from_context(ctx, user_timezone)?;
        let hadoop = HadoopConf::load(env.conf_dir.as_deref()).map_err(|e| {
            ctx.error(
                "hdfs.path",
                format!("cannot read Hadoop configuration: {e}"),
            )
        })?;
        let auth = security(ctx, &config, &hadoop)?;
        Ok(HdfsSink::new(
            name,
            config,
            Arc::new(Storage::with_auth(hadoop, auth)),
            channel,
        ))
    }

    /// The Kerberos login, when there is one: a valid ticket, or the login error (logged).
    fn ensure_login(&self) -> impl std::future::Future<Output = Result<(), SinkError>> + use<> {
        let login = self.shared.storage.auth().login.clone();
        let name = self.name.clone();
        async move { ensure_login(login, name).await }
    }

    /// A sink over an explicit storage (tests inject failing file systems).
    pub fn new(
        name: &str,
        config: HdfsSinkConfig,
        storage: Arc<Storage>,
        channel: ChannelRef,
    ) -> Self {
        HdfsSink {
            name: name.to_string(),
            channel,
            shared: Arc::new(Shared {
                config,
                storage,
                counter: SinkCounter::new(name),
                background: Mutex::new(tokio::task::JoinSet::new()),
            }),
            buckets: HashMap::new(),
            access_clock: 0,
            tx_counter: 0,
            last_escape_log: None,
            suppressed_escape_logs: 0,
        }
    }

    pub fn counter(&self) -> &Arc<SinkCounter> {
        &self.shared.counter
    }

    /// Paths of the files open right now (final names).
    pub fn open_files(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .buckets
            .values()
            .filter_map(|b| b.target().map(str::to_string))
            .collect();
        v.sort();
        v
    }

    /// Close buckets whose rollInterval or idleTimeout has passed.
    async fn close_expired(&mut self) {
        let now = Instant::now();
        let expired: Vec<(String, &'static str)> = self
            .buckets
            .iter()
            .filter_map(|(k, b)| {
                b.expired(&self.shared.config, now)
                    .map(|why| (k.clone(), why))
            })
            .collect();
        for (key, why) in expired {
            if let Some(mut bucket) = self.buckets.remove(&key) {
                if why == "idle" {
                    tracing::info!(
                        target: "org.apache.flume.sink.hdfs.BucketWriter",
                        "Closing idle bucketWriter {} at {}",
                        redact(bucket.target().unwrap_or(&key)),
                        crate::metrics::now_millis()
                    );
                }
                bucket.close(&self.shared).await;
            }
        }
    }

    /// The rate-limited explanation of an event whose path cannot be built.
    fn log_escape_error(&mut self, error: &EscapeError, event: &Event, key: &str, pattern: &str) {
        let now = Instant::now();
        if let Some(last) = self.last_escape_log
            && now.duration_since(last) < TIMESTAMP_LOG_EVERY
        {
            self.suppressed_escape_logs += 1;
            return;
        }
        let escape = EscapePattern::new(pattern)
            .first_time_escape()
            .unwrap_or_default();
        let hint = if error.is_timestamp_error() {
            format!(
                " {key} = \"{pattern}\" needs the event's time for {escape}: add a timestamp \
                 interceptor to the source, or set hdfs.useLocalTimeStamp = true."
            )
        } else {
            format!(" (while escaping {key} = \"{pattern}\")")
        };
        tracing::error!(
            sink = %self.name,
            "Cannot choose a file for an event: {error}.{hint} The event stays at the head of the \
             channel and is retried; nothing behind it is delivered meanwhile. Event headers: {}{}",
            crate::java::hashmap_to_string(&event.headers),
            if self.suppressed_escape_logs > 0 {
                format!(" ({} similar errors not logged)", self.suppressed_escape_logs)
            } else {
                String::new()
            }
        );
        self.last_escape_log = Some(now);
        self.suppressed_escape_logs = 0;
    }

    /// The bucket for `key` (`<realPath>/<realName>`, `path_len` bytes of it the path),
    /// created (and the LRU trimmed) if new; `events` is the batch (an evicted bucket writes
    /// what it was given of it first).
    async fn bucket_for(
        &mut self,
        key: &str,
        path_len: usize,
        events: &[Event],
    ) -> &mut BucketWriter {
        self.access_clock += 1;
        if !self.buckets.contains_key(key) {
            let bucket = BucketWriter::new(
                key[..path_len].to_string(),
                key[path_len + 1..].to_string(),
                crate::metrics::now_millis(),
            );
            self.buckets.insert(key.to_string(), bucket);
            self.evict_except(key, events).await;
        }
        let clock = self.access_clock;
        let bucket = self
            .buckets
            .get_mut(key)
            .expect("inserted above and protected from eviction");
        bucket.last_access = clock;
        bucket
    }

    async fn evict_except(&mut self, keep: &str, events: &[Event]) {
        if self.buckets.len() <= self.shared.config.max_open_files {
            return;
        }
        if let Some(b) = self.buckets.get_mut(keep) {
            b.last_access = u64::MAX;
        }
        while self.buckets.len() > self.shared.config.max_open_files {
            let Some(key) = self
                .buckets
                .iter()
                .min_by_key(|(_, b)| b.last_access)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(mut bucket) = self.buckets.remove(&key) {
                bucket.close_with(&self.shared, events).await;
            }
        }
        if let Some(b) = self.buckets.get_mut(keep) {
            b.last_access = self.access_clock;
        }
    }

    /// Append a batch; flush touched buckets. Errors leave the transaction to be rolled back.
    ///
    /// Per event only the bucket is chosen (paths escaped into one reused buffer, files
    /// opened or rolled); then one hand-off to a blocking thread encodes every touched
    /// bucket's events and writes each bucket's bytes with one call, so the cost per event
    /// does not grow with the number of open buckets.
    async fn write_batch(&mut self, events: &[Event]) -> Result<(), ProcessError> {
        self.tx_counter += 1;
        let tx = self.tx_counter;
        let shared = Arc::clone(&self.shared);
        let mut touched: Vec<String> = Vec::new();
        let admitted = self.admit_batch(events, tx, &mut touched).await;
        let flushed = match admitted {
            Ok(()) => self.flush_touched(&shared, events, &touched).await,
            Err(e) => Err(e),
        };
        if flushed.is_err() {
            for key in &touched {
                if let Some(b) = self.buckets.get_mut(key) {
                    b.clear_pending();
                }
            }
        }
        flushed
    }

    /// Choose and prepare every event's bucket; `touched` gets each bucket's key once.
    async fn admit_batch(
        &mut self,
        events: &[Event],
        tx: u64,
        touched: &mut Vec<String>,
    ) -> Result<(), ProcessError> {
        let shared = Arc::clone(&self.shared);
        let config = &shared.config;
        let mut key = String::new();
        for (i, event) in events.iter().enumerate() {
            key.clear();
            if let Err(e) =
                config
                    .path_pattern
                    .escape_into(&event.headers, &config.escape, &mut key)
            {
                self.log_escape_error(&e, event, "hdfs.path", &config.path);
                return Err(ProcessError::Escape(e));
            }
            let path_len = key.len();
            key.push('/');
            if config.prefix_pattern.is_literal() {
                key.push_str(&config.file_prefix);
            } else if let Err(e) =
                config
                    .prefix_pattern
                    .escape_into(&event.headers, &config.escape, &mut key)
            {
                self.log_escape_error(&e, event, "hdfs.filePrefix", &config.file_prefix);
                return Err(ProcessError::Escape(e));
            }
            let bucket = self.bucket_for(&key, path_len, events).await;
            if bucket.touched_tx != tx {
                bucket.touched_tx = tx;
                touched.push(key.clone());
            }
            bucket.admit(&shared, events, i).await?;
            if i % YIELD_EVERY == YIELD_EVERY - 1 {
                tokio::task::yield_now().await;
            }
        }
        Ok(())
    }

    /// Encode and write every touched bucket in one blocking hand-off (repeated only for
    /// stores that write asynchronously and have more than a write-through's worth), then
    /// hflush each. The first error is returned after every bucket was tried.
    async fn flush_touched(
        &mut self,
        shared: &Shared,
        events: &[Event],
        touched: &[String],
    ) -> Result<(), ProcessError> {
        let mut first_error: Option<BucketError> = None;
        let mut round: Vec<&str> = touched.iter().map(String::as_str).collect();
        while !round.is_empty() {
            let buckets = &mut self.buckets;
            let steps: Vec<(&str, Result<Step, BucketError>)> = crate::component::blocking(|| {
                round
                    .iter()
                    .filter_map(|key| {
                        let bucket = buckets.get_mut(*key)?;
                        Some((*key, bucket.encode_step(events)))
                    })
                    .collect()
            });
            round.clear();
            for (key, step) in steps {
                let Some(bucket) = self.buckets.get_mut(key) else {
                    continue;
                };
                let result = match step {
                    Ok(Step::Chunk(data)) => {
                        let r = bucket.write_step(shared, data).await;
                        if r.is_ok() {
                            round.push(key);
                        }
                        r
                    }
                    Ok(Step::Flush(data)) => match bucket.write_step(shared, data).await {
                        Ok(()) => bucket.finish_flush(shared).await,
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    bucket.fail(shared, &e).await;
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(ProcessError::Bucket(e)),
            None => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ProcessError {
    #[error(transparent)]
    Bucket(#[from] BucketError),
    #[error(transparent)]
    Escape(EscapeError),
}

#[async_trait]
impl Sink for HdfsSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        if let Some(login) = &self.shared.storage.auth().login {
            tracing::info!(
                target: "org.apache.flume.auth.KerberosAuthenticator",
                sink = %self.name,
                "Attempting kerberos login as principal ({}) from keytab file ({}) into credential cache {}",
                login.user.principal,
                login.user.keytab.display(),
                login.ccache_name().unwrap_or_default()
            );
        }
        // A failed login is logged and retried at every process() call (nothing is taken
        // meanwhile), as a failing HDFS is: the sink is running, not failed for good.
        let _ = self.ensure_login().await;
        if self.shared.config.recover_in_use_files {
            recover::recover_in_use_files(&self.shared).await;
        }
        Ok(())
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        self.ensure_login().await?;
        self.close_expired().await;
        let counter = Arc::clone(&self.shared.counter);
        let take = match self.channel.take(self.shared.config.batch_size).await {
            Ok(t) => t,
            Err(e) => {
                bump(&counter.channel_read_fail);
                return Err(e.into());
            }
        };
        let n = take.len();
        if n == 0 {
            counter.count_batch(BatchFill::Empty);
            take.commit().await?;
            return Ok(Status::Backoff);
        }
        match self.write_batch(take.events()).await {
            Ok(()) => {}
            Err(ProcessError::Bucket(BucketError::Io(e))) => {
                take.rollback();
                tracing::warn!(target: "org.apache.flume.sink.hdfs.HDFSEventSink", sink = %self.name, "HDFS IO error: {e}");
                bump(&counter.event_write_fail);
                return Ok(Status::Backoff);
            }
            Err(ProcessError::Bucket(BucketError::Delivery(e))) => {
                take.rollback();
                bump(&counter.event_write_fail);
                return Err(SinkError::Delivery(format!("process failed: {e}")));
            }
            Err(ProcessError::Escape(e)) => {
                take.rollback();
                bump(&counter.event_write_fail);
                return Err(SinkError::Delivery(format!("process failed: {e}")));
            }
        }
        counter.count_batch(BatchFill::of(n, self.shared.config.batch_size));
        take.commit().await?;
        counter
            .event_drain_success
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(Status::Ready)
    }

    async fn stop(&mut self) {
        let keys: Vec<String> = self.buckets.keys().cloned().collect();
        for key in keys {
            if let Some(mut bucket) = self.buckets.remove(&key) {
                bucket.close(&self.shared).await;
            }
        }
        // Close/rename retries still running: give them a moment, then stop them (their
        // in-use files are recovered at the next start).
        let mut background = std::mem::take(
            &mut *self
                .shared
                .background
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        if !background.is_empty() {
            let deadline = tokio::time::sleep(Duration::from_secs(5));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => {
                        tracing::warn!(sink = %self.name, "{} close retries still pending at stop; their files stay in use until the next start", background.len());
                        background.abort_all();
                        break;
                    }
                    next = background.join_next() => if next.is_none() { break },
                }
            }
        }
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.shared.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.shared.counter) as Arc<dyn MetricSource>)
    }
}

fn bump(counter: &std::sync::atomic::AtomicU64) {
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

mod recover;

#[cfg(test)]
pub(crate) mod tests;
