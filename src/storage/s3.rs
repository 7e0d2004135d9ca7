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
}

impl S3FileSystem {
    pub fn new(conf: &HadoopConf, location: &Location) -> Result<Self, StorageError> {
        if location.authority.is_empty() {
            return Err(StorageError::Config(format!(
                "{}:// path without a bucket name",
                location.scheme
            )));
        }
        Ok(S3FileSystem {
            settings: S3Settings::from_conf(conf, location),
            client: OnceCell::new(),
        })
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
        Ok(Box::new(S3File {
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
}

struct S3File {
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
        self.buffer.extend_from_slice(&data);
        while self.buffer.len() >= PART_SIZE {
            let part = Bytes::copy_from_slice(&self.buffer[..PART_SIZE]);
            self.upload_part(part).await?;
            let _ = self.buffer.split_to(PART_SIZE);
        }
        Ok(())
    }

    /// S3 cannot show a file before it is complete.
    async fn hflush(&mut self) -> Result<(), StorageError> {
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
        Ok(())
    }

    async fn abort(&mut self) {
        if let (Some(id), false) = (&self.upload_id, self.done) {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(id)
                .send()
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
