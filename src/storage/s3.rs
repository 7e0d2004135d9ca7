//! S3 (`s3a://bucket/key`, `s3n://…`, `s3://…`) through `aws-sdk-s3`, configured as Hadoop's
//! S3A connector is: `fs.s3a.access.key`, `fs.s3a.secret.key`, `fs.s3a.session.token`,
//! `fs.s3a.endpoint`, `fs.s3a.endpoint.region`, `fs.s3a.path.style.access`,
//! `fs.s3a.connection.ssl.enabled` (each may be set per bucket as
//! `fs.s3a.bucket.<bucket>.<key>`), the legacy `fs.s3n.awsAccessKeyId` /
//! `fs.s3n.awsSecretAccessKey`, credentials embedded as `s3a://KEY:SECRET@bucket/`, else the
//! standard AWS chain (environment, profile, instance role).
//!
//! A file is buffered in memory and uploaded in 5 MiB parts of a multipart upload that is
//! completed at close; a file smaller than one part is a single PUT at close. Nothing is
//! visible before close, so the hdfs sink writes straight to the final key (no in-use object,
//! no copy-and-delete rename). Requests are retried by the SDK's standard retry policy
//! (throttling and 5xx, with back-off). Keys and secrets are never logged.
//!
//! Every byte of an open file is also written to a local journal under `fs.s3a.buffer.dir`
//! (Hadoop's disk buffer for S3A uploads; default `${hadoop.tmp.dir}/s3a`); at each `hflush`
//! the flushed length is recorded beside it, as is the upload id once there is one. These are
//! plain writes, not fsyncs: they outlive the agent's process (kill -9), not a crash of the
//! machine — an fsync per batch cut the sink's throughput from ~250 000 to ~10 000 small
//! events/s. A file the agent could not finish (killed, or stopped while S3 was unreachable)
//! is finished by the next start
//! ([`S3FileSystem::recover_unfinished`]): its flushed bytes are uploaded and the upload
//! completed, or the upload aborted when nothing was flushed, so no acknowledged event stays
//! in an upload nobody completes. A journal is locked (`flock`) by the process writing it, so
//! agents sharing the directory never take each other's files.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use tokio::sync::OnceCell;

use super::{Entry, FileSystem, Location, OutputFile, StorageError};
use crate::config::hadoop::HadoopConf;

/// Part size of multipart uploads (S3's minimum for every part but the last).
pub const PART_SIZE: usize = 5 * 1024 * 1024;

/// The client settings of one bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub path_style: bool,
    /// (access key, secret key, session token); `None` = the AWS default chain.
    pub credentials: Option<(String, String, Option<String>)>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `%XX` decoding of the user-info part of a URI.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl S3Settings {
    pub fn from_conf(conf: &HadoopConf, location: &Location) -> S3Settings {
        let bucket = location.authority.clone();
        let get = |key: &str| {
            let per_bucket = key
                .strip_prefix("fs.s3a.")
                .map(|rest| format!("fs.s3a.bucket.{bucket}.{rest}"));
            per_bucket
                .and_then(|k| conf.get(&k))
                .or_else(|| conf.get(key))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let from_uri = location.user_info.as_deref().and_then(|u| {
            let (k, s) = u.split_once(':')?;
            Some((percent_decode(k), percent_decode(s), None))
        });
        let from_conf = match location.scheme.as_str() {
            "s3n" => get("fs.s3n.awsAccessKeyId")
                .zip(get("fs.s3n.awsSecretAccessKey"))
                .map(|(k, s)| (k, s, None)),
            _ => None,
        }
        .or_else(|| {
            get("fs.s3a.access.key")
                .zip(get("fs.s3a.secret.key"))
                .map(|(k, s)| (k, s, get("fs.s3a.session.token")))
        });
        let ssl = conf.get_bool(
            &format!("fs.s3a.bucket.{bucket}.connection.ssl.enabled"),
            conf.get_bool("fs.s3a.connection.ssl.enabled", true),
        );
        let endpoint = get("fs.s3a.endpoint").map(|e| {
            if e.contains("://") {
                e
            } else if ssl {
                format!("https://{e}")
            } else {
                format!("http://{e}")
            }
        });
        let region = get("fs.s3a.endpoint.region")
            .or_else(|| get("fs.s3a.region"))
            .or_else(|| endpoint.as_deref().and_then(region_of_endpoint))
            .unwrap_or_else(|| "us-east-1".to_string());
        // Path style is needed for IP and localhost endpoints whatever the setting says.
        let local_endpoint = endpoint.as_deref().is_some_and(|e| {
            let host = e.split("://").nth(1).unwrap_or(e);
            let host = host.split(['/', ':']).next().unwrap_or(host);
            host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
        });
        let path_style = conf.get_bool("fs.s3a.path.style.access", false)
            || conf.get_bool(&format!("fs.s3a.bucket.{bucket}.path.style.access"), false)
            || local_endpoint;
        S3Settings {
            bucket,
            endpoint,
            region,
            path_style,
            credentials: from_uri.or(from_conf),
        }
    }
}

/// `s3.eu-west-1.amazonaws.com` → `eu-west-1`.
fn region_of_endpoint(endpoint: &str) -> Option<String> {
    let host = endpoint.split("://").nth(1).unwrap_or(endpoint);
    let rest = host
        .strip_prefix("s3.")
        .or_else(|| host.strip_prefix("s3-"))?;
    let region = rest.strip_suffix(".amazonaws.com")?;
    (!region.is_empty() && region != "dualstack").then(|| region.to_string())
}

pub struct S3FileSystem {
    settings: S3Settings,
    client: OnceCell<Client>,
    /// Where journals of open files go (`None`: no usable directory; files are then held in
    /// memory only, as warned at creation).
    journal_dir: Option<std::path::PathBuf>,
}

/// `fs.s3a.buffer.dir` (its first entry), else `${hadoop.tmp.dir}/s3a`, else
/// `/tmp/hadoop-<user>/s3a`, Hadoop's defaults.
fn buffer_dir(conf: &HadoopConf) -> std::path::PathBuf {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "flume".to_string());
    let dir = conf
        .get("fs.s3a.buffer.dir")
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find(|d| !d.is_empty())
                .map(str::to_string)
        })
        .or_else(|| {
            conf.get("hadoop.tmp.dir")
                .map(|t| format!("{}/s3a", t.trim()))
        })
        .unwrap_or_else(|| format!("/tmp/hadoop-{user}/s3a"));
    std::path::PathBuf::from(dir.replace("${user.name}", &user))
}

impl S3FileSystem {
    pub fn new(conf: &HadoopConf, location: &Location) -> Result<Self, StorageError> {
        if location.authority.is_empty() {
            return Err(StorageError::Config(format!(
                "{}:// path without a bucket name",
                location.scheme
            )));
        }
        let dir = buffer_dir(conf);
        let journal_dir = match std::fs::create_dir_all(&dir) {
            Ok(()) => Some(dir),
            Err(e) => {
                tracing::warn!(
                    "S3 buffer directory {} (fs.s3a.buffer.dir) cannot be used ({e}): open S3 \
                     files are held in memory only, and what an agent killed with files open \
                     had flushed to them is lost",
                    dir.display()
                );
                None
            }
        };
        Ok(S3FileSystem {
            settings: S3Settings::from_conf(conf, location),
            client: OnceCell::new(),
            journal_dir,
        })
    }

    /// The identity of this store in a journal: bucket and endpoint.
    fn journal_header(&self, key: &str) -> JournalHeader {
        JournalHeader {
            bucket: self.settings.bucket.clone(),
            endpoint: self.settings.endpoint.clone(),
            key: key.to_string(),
        }
    }

    /// Finish the files earlier runs left unfinished in this bucket (see the module doc):
    /// each journal not locked by a live writer is completed up to its flushed length (or its
    /// upload aborted when nothing was flushed) and removed. Every request is bounded by
    /// `limit`. Returns how many files were finished.
    pub async fn recover_unfinished(&self, limit: Option<std::time::Duration>) -> usize {
        let Some(dir) = &self.journal_dir else {
            return 0;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        let mut done = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("journal") {
                continue;
            }
            let Some(found) = Journal::take_over(&path) else {
                continue;
            };
            let me = self.journal_header(&found.header.key);
            if found.header.bucket != me.bucket || found.header.endpoint != me.endpoint {
                continue;
            }
            let uri = self.uri(&found.header.key);
            let work = self.finish(&found);
            let result = match limit {
                Some(l) => match tokio::time::timeout(l * 4, work).await {
                    Ok(r) => r,
                    Err(_) => Err(StorageError::remote(&uri, "timed out")),
                },
                None => work.await,
            };
            match result {
                Ok(what) => {
                    tracing::warn!(
                        target: "org.apache.flume.sink.hdfs.BucketWriter",
                        "{uri} was left unfinished by an earlier run: {what}"
                    );
                    found.remove();
                    done += 1;
                }
                Err(e) => tracing::warn!(
                    target: "org.apache.flume.sink.hdfs.BucketWriter",
                    "{uri} was left unfinished by an earlier run and cannot be finished now \
                     (tried again at the next start): {e}"
                ),
            }
        }
        done
    }

    /// Complete (or abort) the upload of a journal taken over; what was done, for the log.
    async fn finish(&self, j: &FoundJournal) -> Result<String, StorageError> {
        let client = self.client().await;
        let bucket = &self.settings.bucket;
        let key = &j.header.key;
        let uri = self.uri(key);
        let flushed = j.flushed;
        let read = |from: u64, to: u64| -> Result<Bytes, StorageError> {
            use std::os::unix::fs::FileExt;
            let mut buf = vec![0u8; (to - from) as usize];
            j.data
                .read_exact_at(&mut buf, from)
                .map_err(|e| StorageError::io(&j.data_path.display().to_string(), e))?;
            Ok(Bytes::from(buf))
        };
        let Some(upload_id) = &j.upload_id else {
            if flushed == 0 {
                return Ok("nothing was flushed to it; nothing to upload".into());
            }
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from(read(0, flushed)?))
                .send()
                .await
                .map_err(|e| err(&uri, e))?;
            return Ok(format!("its {flushed} flushed bytes are uploaded"));
        };
        if flushed == 0 {
            let _ = client
                .abort_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .send()
                .await;
            return Ok("nothing was flushed to it; its multipart upload is aborted".into());
        }
        // The parts the server holds (their ETags), from the first page on.
        let mut stored: std::collections::HashMap<i32, (i64, String)> = Default::default();
        let mut marker: Option<String> = None;
        loop {
            let page = match client
                .list_parts()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.clone())
                .send()
                .await
            {
                Ok(p) => p,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.meta().code() == Some("NoSuchUpload")) =>
                {
                    // Completed (the close succeeded before the journal was removed) or
                    // aborted: the object tells which.
                    if self.exists(key).await? {
                        return Ok("its upload had been completed".into());
                    }
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(key)
                        .body(ByteStream::from(read(0, flushed)?))
                        .send()
                        .await
                        .map_err(|e| err(&uri, e))?;
                    return Ok(format!(
                        "its upload was gone; its {flushed} flushed bytes are uploaded"
                    ));
                }
                Err(e) => return Err(err(&uri, e)),
            };
            for p in page.parts() {
                if let (Some(n), Some(tag)) = (p.part_number(), p.e_tag()) {
                    stored.insert(n, (p.size().unwrap_or(0), tag.to_string()));
                }
            }
            marker = page.next_part_number_marker().map(str::to_string);
            if !page.is_truncated().unwrap_or(false) || marker.is_none() {
                break;
            }
        }
        // Parts 1..last cover the flushed bytes; the last one (which may hold bytes past the
        // flushed length, of a batch that was not acknowledged) is uploaded again, cut there.
        let part = PART_SIZE as u64;
        let last = flushed.div_ceil(part) as i32;
        let mut parts = Vec::new();
        for n in 1..=last {
            let from = (n as u64 - 1) * part;
            let to = (n as u64 * part).min(flushed);
            let tag = match stored.get(&n) {
                Some((size, tag)) if n < last && *size as u64 == part => tag.clone(),
                _ => client
                    .upload_part()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(n)
                    .body(ByteStream::from(read(from, to)?))
                    .send()
                    .await
                    .map_err(|e| err(&uri, e))?
                    .e_tag()
                    .unwrap_or_default()
                    .to_string(),
            };
            parts.push(CompletedPart::builder().part_number(n).e_tag(tag).build());
        }
        client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| err(&uri, e))?;
        Ok(format!(
            "its multipart upload is completed with its {flushed} flushed bytes"
        ))
    }

    async fn client(&self) -> Client {
        self.client
            .get_or_init(|| async { build_client(&self.settings).await })
            .await
            .clone()
    }

    fn uri(&self, key: &str) -> String {
        format!("s3a://{}/{key}", self.settings.bucket)
    }
}

async fn build_client(settings: &S3Settings) -> Client {
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut builder = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .http_client(http.clone())
        .force_path_style(settings.path_style);
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    match &settings.credentials {
        Some((key, secret, token)) => {
            builder = builder.credentials_provider(Credentials::new(
                key,
                secret,
                token.clone(),
                None,
                "hadoop-configuration",
            ));
        }
        None => {
            let shared = aws_config::defaults(BehaviorVersion::latest())
                .http_client(http)
                .region(Region::new(settings.region.clone()))
                .load()
                .await;
            if let Some(provider) = shared.credentials_provider() {
                builder = builder.credentials_provider(provider);
            }
        }
    }
    Client::from_conf(builder.build())
}

fn err(uri: &str, e: impl std::error::Error) -> StorageError {
    StorageError::remote(uri, DisplayErrorContext(e).to_string())
}

#[async_trait]
impl FileSystem for S3FileSystem {
    async fn create(&self, key: &str) -> Result<Box<dyn OutputFile>, StorageError> {
        let journal = match &self.journal_dir {
            Some(dir) => Some(
                Journal::create(dir, &self.journal_header(key))
                    .map_err(|e| StorageError::io(&dir.display().to_string(), e))?,
            ),
            None => None,
        };
        Ok(Box::new(S3File {
            journal,
            client: self.client().await,
            bucket: self.settings.bucket.clone(),
            key: key.to_string(),
            uri: self.uri(key),
            buffer: BytesMut::new(),
            upload_id: None,
            parts: Vec::new(),
            done: false,
        }))
    }

    /// Server-side copy and delete (not used by the sink: S3 files are written in place).
    async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let client = self.client().await;
        let bucket = &self.settings.bucket;
        client
            .copy_object()
            .bucket(bucket)
            .key(to)
            .copy_source(format!("{bucket}/{from}"))
            .send()
            .await
            .map_err(|e| err(&self.uri(from), e))?;
        client
            .delete_object()
            .bucket(bucket)
            .key(from)
            .send()
            .await
            .map_err(|e| err(&self.uri(from), e))?;
        Ok(())
    }

    async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self
            .client()
            .await
            .head_object()
            .bucket(&self.settings.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(err(&self.uri(key), e)),
        }
    }

    async fn list(&self, dir: &str) -> Result<Vec<Entry>, StorageError> {
        let client = self.client().await;
        let prefix = if dir.is_empty() || dir.ends_with('/') {
            dir.to_string()
        } else {
            format!("{dir}/")
        };
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = client
                .list_objects_v2()
                .bucket(&self.settings.bucket)
                .prefix(&prefix)
                .delimiter("/")
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| err(&self.uri(dir), e))?;
            for p in page.common_prefixes() {
                if let Some(p) = p.prefix() {
                    out.push(Entry {
                        path: p.trim_end_matches('/').to_string(),
                        is_dir: true,
                    });
                }
            }
            for o in page.contents() {
                if let Some(k) = o.key() {
                    out.push(Entry {
                        path: k.to_string(),
                        is_dir: false,
                    });
                }
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    fn publishes_on_close(&self) -> bool {
        true
    }

    async fn recover_unfinished(&self, limit: Option<std::time::Duration>) -> usize {
        S3FileSystem::recover_unfinished(self, limit).await
    }
}

/// What a journal is about (its first line).
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Eq, Debug)]
struct JournalHeader {
    bucket: String,
    endpoint: Option<String>,
    key: String,
}

/// The later lines of a journal.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum JournalRecord {
    Upload(String),
    Flushed(u64),
}

/// The local copy of an open S3 file: `<id>.data` (every byte written) and `<id>.journal`
/// (JSON lines: the header, the upload id once there is one, the length at each flush). The
/// data file is `flock`ed while its writer lives; the journal is opened only to append a
/// record, so an open file costs one descriptor.
struct Journal {
    data: std::fs::File,
    data_path: std::path::PathBuf,
    meta_path: std::path::PathBuf,
    written: u64,
    flushed: u64,
}

fn lock(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock(2) on a descriptor this File owns.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Append one JSON line to the journal at `path`.
fn append_line(path: &std::path::Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    use std::io::Write;
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(&line)
}

impl Journal {
    fn create(dir: &std::path::Path, header: &JournalHeader) -> std::io::Result<Journal> {
        let id = uuid::Uuid::new_v4();
        let data_path = dir.join(format!("{id}.data"));
        let meta_path = dir.join(format!("{id}.journal"));
        // The data file first, locked: a journal is never seen without its locked data.
        let data = std::fs::File::create(&data_path)?;
        if !lock(&data) {
            return Err(std::io::Error::other("cannot lock a new journal"));
        }
        append_line(&meta_path, header)?;
        Ok(Journal {
            data,
            data_path,
            meta_path,
            written: 0,
            flushed: 0,
        })
    }

    fn record(&mut self, record: &JournalRecord) -> std::io::Result<()> {
        append_line(&self.meta_path, record)
    }

    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        // At the offset of what was written before: a failed write leaves nothing behind.
        self.data.write_all_at(bytes, self.written)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Record the length of what was written (handed to the OS: it outlives this process,
    /// though not a crash of the machine; see the module doc).
    fn sync(&mut self) -> std::io::Result<()> {
        if self.written == self.flushed {
            return Ok(());
        }
        self.record(&JournalRecord::Flushed(self.written))?;
        self.flushed = self.written;
        Ok(())
    }

    fn remove(self) {
        let _ = std::fs::remove_file(&self.meta_path);
        let _ = std::fs::remove_file(&self.data_path);
    }

    /// Open and lock a journal left by an earlier run; `None` when a live writer holds it or
    /// it cannot be read.
    fn take_over(meta_path: &std::path::Path) -> Option<FoundJournal> {
        let data_path = meta_path.with_extension("data");
        let data = std::fs::File::open(&data_path).ok()?;
        if !lock(&data) {
            return None;
        }
        let text = std::fs::read_to_string(meta_path).ok()?;
        // A line cut by a crash has no newline: it is ignored.
        let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
        let header: JournalHeader = serde_json::from_str(lines.next()?).ok()?;
        let (mut upload_id, mut flushed) = (None, 0);
        for l in lines {
            match serde_json::from_str(l) {
                Ok(JournalRecord::Upload(id)) => upload_id = Some(id),
                Ok(JournalRecord::Flushed(n)) => flushed = n,
                Err(_) => break,
            }
        }
        // Never read past what the data file holds.
        let flushed = flushed.min(data.metadata().ok()?.len());
        Some(FoundJournal {
            header,
            upload_id,
            flushed,
            data,
            data_path,
            meta_path: meta_path.to_path_buf(),
        })
    }
}

/// A journal of an earlier run, locked by this process (through `data`).
struct FoundJournal {
    header: JournalHeader,
    upload_id: Option<String>,
    flushed: u64,
    data: std::fs::File,
    data_path: std::path::PathBuf,
    meta_path: std::path::PathBuf,
}

impl FoundJournal {
    fn remove(self) {
        let _ = std::fs::remove_file(&self.meta_path);
        let _ = std::fs::remove_file(&self.data_path);
    }
}

fn journal_error(j: &Journal, e: std::io::Error) -> StorageError {
    StorageError::io(&j.data_path.display().to_string(), e)
}

struct S3File {
    /// The local journal (`None` without a usable buffer directory).
    journal: Option<Journal>,
    client: Client,
    bucket: String,
    key: String,
    uri: String,
    buffer: BytesMut,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    done: bool,
}

impl S3File {
    async fn upload_part(&mut self, body: Bytes) -> Result<(), StorageError> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .send()
                    .await
                    .map_err(|e| err(&self.uri, e))?;
                let id = created
                    .upload_id()
                    .ok_or_else(|| StorageError::remote(&self.uri, "no upload id in response"))?
                    .to_string();
                if let Some(j) = self.journal.as_mut() {
                    let record = JournalRecord::Upload(id.clone());
                    crate::component::blocking(|| j.record(&record))
                        .map_err(|e| journal_error(j, e))?;
                }
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = self.parts.len() as i32 + 1;
        let uploaded = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| err(&self.uri, e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag().map(str::to_string))
                .build(),
        );
        Ok(())
    }
}

#[async_trait]
impl OutputFile for S3File {
    /// Cancel-safe (a call dropped at its timeout loses nothing): bytes leave the buffer only
    /// once their part is stored.
    async fn write(&mut self, data: Bytes) -> Result<(), StorageError> {
        if let Some(j) = self.journal.as_mut() {
            crate::component::blocking(|| j.append(&data)).map_err(|e| journal_error(j, e))?;
        }
        self.buffer.extend_from_slice(&data);
        while self.buffer.len() >= PART_SIZE {
            let part = Bytes::copy_from_slice(&self.buffer[..PART_SIZE]);
            self.upload_part(part).await?;
            let _ = self.buffer.split_to(PART_SIZE);
        }
        Ok(())
    }

    /// S3 cannot show a file before it is complete: the flushed length is recorded in the
    /// local journal instead, from which the next start finishes the file if this one cannot.
    async fn hflush(&mut self) -> Result<(), StorageError> {
        if let Some(j) = self.journal.as_mut() {
            crate::component::blocking(|| j.sync()).map_err(|e| journal_error(j, e))?;
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<(), StorageError> {
        if self.done {
            return Ok(());
        }
        let Some(upload_id) = self.upload_id.clone() else {
            let body = Bytes::copy_from_slice(&self.buffer);
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| err(&self.uri, e))?;
            self.buffer.clear();
            self.done = true;
            if let Some(j) = self.journal.take() {
                j.remove();
            }
            return Ok(());
        };
        if !self.buffer.is_empty() {
            let last = Bytes::copy_from_slice(&self.buffer);
            self.upload_part(last).await?;
            self.buffer.clear();
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(self.parts.clone()))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| err(&self.uri, e))?;
        self.done = true;
        if let Some(j) = self.journal.take() {
            j.remove();
        }
        Ok(())
    }

    /// Abort the upload; the journal goes with it, unless the abort failed (the next start
    /// then finishes the file from it rather than leave the upload behind).
    async fn abort(&mut self) {
        let mut aborted = true;
        if let (Some(id), false) = (&self.upload_id, self.done) {
            aborted = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(id)
                .send()
                .await
                .is_ok();
        }
        if aborted && let Some(j) = self.journal.take() {
            j.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_keeps_what_was_flushed_and_is_taken_over_only_when_its_writer_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let header = JournalHeader {
            bucket: "logs".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            key: "raw/FlumeData.1".into(),
        };
        let mut j = Journal::create(dir.path(), &header).unwrap();
        j.append(b"one\n").unwrap();
        j.sync().unwrap();
        j.record(&JournalRecord::Upload("u-1".into())).unwrap();
        j.append(b"two\n").unwrap();
        j.sync().unwrap();
        // Written, never flushed: not acknowledged, not to be published.
        j.append(b"thr").unwrap();
        let meta_path = j.meta_path.clone();
        assert!(
            Journal::take_over(&meta_path).is_none(),
            "a live writer's journal is left alone"
        );
        // A record cut by a crash.
        {
            use std::io::Write;
            std::fs::OpenOptions::new()
                .append(true)
                .open(&meta_path)
                .unwrap()
                .write_all(b"{\"flushed\":99")
                .unwrap();
        }
        drop(j);
        let found = Journal::take_over(&meta_path).expect("taken over");
        assert_eq!(found.header, header);
        assert_eq!(found.upload_id.as_deref(), Some("u-1"));
        assert_eq!(found.flushed, 8);
        assert!(
            Journal::take_over(&meta_path).is_none(),
            "one taker at a time"
        );
        found.remove();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn buffer_dir_follows_hadoop() {
        let conf = HadoopConf::from_pairs([("fs.s3a.buffer.dir", " /data/a, /data/b")]);
        assert_eq!(buffer_dir(&conf), std::path::PathBuf::from("/data/a"));
        let conf = HadoopConf::from_pairs([("hadoop.tmp.dir", "/var/tmp/h")]);
        assert_eq!(
            buffer_dir(&conf),
            std::path::PathBuf::from("/var/tmp/h/s3a")
        );
        let conf = HadoopConf::from_pairs([("hadoop.tmp.dir", "/tmp/hadoop-${user.name}")]);
        assert!(!buffer_dir(&conf).display().to_string().contains('$'));
    }

    #[test]
    fn settings_from_hadoop_configuration() {
        let conf = HadoopConf::from_pairs([
            ("fs.s3a.access.key", "AKIAGLOBAL"),
            ("fs.s3a.secret.key", "global-secret"),
            ("fs.s3a.endpoint", "127.0.0.1:9000"),
            ("fs.s3a.connection.ssl.enabled", "false"),
            ("fs.s3a.bucket.special.access.key", "AKIASPECIAL"),
            ("fs.s3a.bucket.special.secret.key", "special-secret"),
            ("fs.s3n.awsAccessKeyId", "AKIAS3N"),
            ("fs.s3n.awsSecretAccessKey", "s3n-secret"),
        ]);
        let s = S3Settings::from_conf(&conf, &Location::parse("s3a://logs/x", "file:///"));
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s.path_style);
        assert_eq!(s.region, "us-east-1");
        assert_eq!(s.credentials.as_ref().unwrap().0, "AKIAGLOBAL");
        let s = S3Settings::from_conf(&conf, &Location::parse("s3a://special/x", "file:///"));
        assert_eq!(s.credentials.as_ref().unwrap().0, "AKIASPECIAL");
        let s = S3Settings::from_conf(&conf, &Location::parse("s3n://logs/x", "file:///"));
        assert_eq!(s.credentials.as_ref().unwrap().0, "AKIAS3N");
        let s = S3Settings::from_conf(
            &conf,
            &Location::parse("s3a://AKIAURI:se%2Fcret@logs/x", "file:///"),
        );
        assert_eq!(
            s.credentials.as_ref().map(|c| (c.0.as_str(), c.1.as_str())),
            Some(("AKIAURI", "se/cret"))
        );
        assert!(!format!("{s:?}").contains("cret"), "secrets never printed");
        let conf = HadoopConf::from_pairs([("fs.s3a.endpoint", "s3.eu-west-1.amazonaws.com")]);
        let s = S3Settings::from_conf(&conf, &Location::parse("s3a://b/x", "file:///"));
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(
            s.endpoint.as_deref(),
            Some("https://s3.eu-west-1.amazonaws.com")
        );
        assert!(!s.path_style);
        assert!(s.credentials.is_none());
    }
}
