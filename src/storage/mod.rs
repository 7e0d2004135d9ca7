//! Where the hdfs sink writes: a small file-system interface with three backends, chosen by the
//! path's scheme as Hadoop's `FileSystem.get` does.
//!
//! * [`local`]: `file://` paths, and scheme-less paths when `fs.defaultFS` is unset or `file:`.
//! * [`s3`] (feature `s3`): `s3a://`, `s3n://` and `s3://` with `aws-sdk-s3`. A file becomes
//!   visible only when it is closed (one multipart upload, or one PUT for small files), so the
//!   hdfs sink writes S3 files straight to their final key.
//! * [`hdfs`] (feature `hdfs`): `hdfs://` and `viewfs://` with `hdfs-native`; scheme-less paths
//!   when `fs.defaultFS` names a NameNode.
//!
//! Every call may hang on a remote service: callers bound each one with their own timeout
//! (`hdfs.callTimeout`), so backends do not add one.

#[cfg(feature = "hdfs")]
pub mod hdfs;
pub mod kerberos;
pub mod local;
#[cfg(feature = "s3")]
pub mod s3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;

use crate::config::hadoop::HadoopConf;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Remote { path: String, message: String },
    #[error("unsupported file system scheme \"{scheme}\" in {path}{hint}")]
    UnsupportedScheme {
        scheme: String,
        path: String,
        hint: &'static str,
    },
    #[error("{0}")]
    Config(String),
}

impl StorageError {
    pub fn io(path: &str, source: std::io::Error) -> Self {
        StorageError::Io {
            path: path.to_string(),
            source,
        }
    }

    pub fn remote(path: &str, message: impl Into<String>) -> Self {
        StorageError::Remote {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// A directory entry (for recovery scans).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Full path in the file system's own form (what `create`/`rename` take).
    pub path: String,
    pub is_dir: bool,
}

/// One file system (one scheme + authority).
#[async_trait]
pub trait FileSystem: Send + Sync {
    /// Create (or overwrite) a file, with its parent directories.
    async fn create(&self, path: &str) -> Result<Box<dyn OutputFile>, StorageError>;

    /// Rename `from` to `to`.
    async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError>;

    async fn exists(&self, path: &str) -> Result<bool, StorageError>;

    /// The entries of a directory (empty when it does not exist).
    async fn list(&self, dir: &str) -> Result<Vec<Entry>, StorageError>;

    /// True when a file becomes visible only at close (object stores): writing under an
    /// in-use name and renaming would only add a copy.
    fn publishes_on_close(&self) -> bool {
        false
    }

    /// Finish what earlier runs left unfinished in a store that keeps a local journal of its
    /// open files (S3); each request bounded by `limit`. Returns how many files were finished.
    async fn recover_unfinished(&self, _limit: Option<std::time::Duration>) -> usize {
        0
    }
}

/// A file being written.
#[async_trait]
pub trait OutputFile: Send {
    async fn write(&mut self, data: Bytes) -> Result<(), StorageError>;

    /// Write on the calling thread, for a caller that is already on a blocking thread and
    /// batches many files' writes into one hand-off (the hdfs sink). `None`: this store only
    /// writes asynchronously; use [`OutputFile::write`].
    fn write_blocking(&mut self, _data: &[u8]) -> Option<Result<(), StorageError>> {
        None
    }

    /// Make what was written visible to readers (`hflush`); a no-op where the store cannot.
    async fn hflush(&mut self) -> Result<(), StorageError>;

    /// Finish the file. After an error the file may be retried with `close` again.
    async fn close(&mut self) -> Result<(), StorageError>;

    /// Give up on the file (S3: abort the multipart upload). Best effort.
    async fn abort(&mut self) {}
}

/// A path split into its file system and the path within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `file`, `s3a`, `hdfs`, …
    pub scheme: String,
    /// `bucket`, `namenode:8020`, or empty.
    pub authority: String,
    /// Path within the file system, normalised (no `//`, no trailing `/`).
    pub path: String,
    /// `KEY:SECRET` embedded in an `s3a://KEY:SECRET@bucket/` URI (never logged).
    pub user_info: Option<String>,
}

impl Location {
    /// Parse a Hadoop path string, resolving a scheme-less path against `default_fs`.
    pub fn parse(uri: &str, default_fs: &str) -> Location {
        let (scheme, rest) = match split_scheme(uri) {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => {
                let default = Location::parse_with_scheme(default_fs);
                let path = if uri.starts_with('/') {
                    normalise(uri)
                } else {
                    uri.to_string()
                };
                return Location { path, ..default };
            }
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(after) => match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, "/"),
            },
            None => ("", rest),
        };
        let (user_info, authority) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, authority),
        };
        let mut location = Location {
            scheme,
            authority: authority.to_string(),
            path: normalise(path),
            user_info,
        };
        if location.authority.is_empty() && location.scheme != "file" {
            // `hdfs:///x`: the authority comes from fs.defaultFS when the schemes agree.
            let default = Location::parse_with_scheme(default_fs);
            if default.scheme == location.scheme {
                location.authority = default.authority;
            }
        }
        location
    }

    fn parse_with_scheme(default_fs: &str) -> Location {
        match split_scheme(default_fs) {
            Some(_) => Location::parse(default_fs, "file:///"),
            None => Location {
                scheme: "file".into(),
                authority: String::new(),
                path: "/".into(),
                user_info: None,
            },
        }
    }

    /// `scheme://authority`, the file-system cache key (no credentials).
    pub fn fs_key(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

/// `scheme:` prefix of a URI (letters, digits, `+.-`, starting with a letter).
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let colon = uri.find(':')?;
    let scheme = &uri[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    {
        return None;
    }
    // A one-letter "scheme" would be a Windows drive; Flume on Unix never sees one.
    (scheme.len() > 1).then_some((scheme, &uri[colon + 1..]))
}

/// Hadoop `Path` normalisation: collapse `//`, drop a trailing `/` (except the root).
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut last_slash = false;
    for c in path.chars() {
        if c == '/' {
            if last_slash {
                continue;
            }
            last_slash = true;
        } else {
            last_slash = false;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// How Hadoop's `Path.toString()` prints a path string (what Flume's `Renaming … to …` shows):
/// `file:///tmp/x` → `file:/tmp/x`, duplicate slashes collapsed.
pub fn hadoop_path_display(uri: &str) -> String {
    match split_scheme(uri) {
        None => normalise(uri),
        Some((scheme, rest)) => {
            let (authority, path) = match rest.strip_prefix("//") {
                Some(after) => match after.find('/') {
                    Some(i) => (&after[..i], &after[i..]),
                    None => (after, ""),
                },
                None => ("", rest),
            };
            let path = if path.is_empty() {
                String::new()
            } else {
                normalise(path)
            };
            if authority.is_empty() {
                format!("{scheme}:{path}")
            } else {
                format!("{scheme}://{authority}{path}")
            }
        }
    }
}

/// Hides `KEY:SECRET@` in a URI, for logs.
pub fn redact(uri: &str) -> String {
    if let Some((scheme, rest)) = split_scheme(uri)
        && let Some(after) = rest.strip_prefix("//")
    {
        let end = after.find('/').unwrap_or(after.len());
        if let Some(at) = after[..end].rfind('@') {
            return format!("{scheme}://***@{}", &after[at + 1..]);
        }
    }
    uri.to_string()
}

/// Who HDFS clients act as: the agent's Kerberos login (`hdfs.kerberosPrincipal` +
/// `hdfs.kerberosKeytab`) and the proxy user (`hdfs.proxyUser`).
#[derive(Debug, Clone, Default)]
pub struct HdfsAuth {
    pub login: Option<Arc<kerberos::Login>>,
    pub proxy_user: Option<String>,
}

/// Resolves paths to file systems, creating one client per scheme + authority (like Hadoop's
/// `FileSystem` cache).
pub struct Storage {
    conf: Arc<HadoopConf>,
    auth: HdfsAuth,
    cache: Mutex<HashMap<String, Arc<dyn FileSystem>>>,
}

impl Storage {
    pub fn new(conf: HadoopConf) -> Self {
        Storage::with_auth(conf, HdfsAuth::default())
    }

    pub fn with_auth(conf: HadoopConf, auth: HdfsAuth) -> Self {
        Storage {
            conf: Arc::new(conf),
            auth,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn auth(&self) -> &HdfsAuth {
        &self.auth
    }

    pub fn conf(&self) -> &HadoopConf {
        &self.conf
    }

    /// Use `fs` for every path of `scheme://authority` (tests: failing or slow file systems).
    pub fn insert(&self, fs_key: &str, fs: Arc<dyn FileSystem>) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fs_key.to_string(), fs);
    }

    /// The file system of `uri` and the path to hand it.
    pub fn resolve(&self, uri: &str) -> Result<(Arc<dyn FileSystem>, String), StorageError> {
        let location = Location::parse(uri, self.conf.default_fs());
        let key = location.fs_key();
        let inner_path = match location.scheme.as_str() {
            "s3a" | "s3n" | "s3" => location.path.trim_start_matches('/').to_string(),
            _ => location.path.clone(),
        };
        // Credentials embedded in the URI make a separate client.
        let cache_key = match &location.user_info {
            Some(user) => format!("{key}#{:x}", md5_of(user)),
            None => key,
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fs) = cache.get(&cache_key) {
            return Ok((Arc::clone(fs), inner_path));
        }
        let fs = self.connect(&location, uri)?;
        cache.insert(cache_key, Arc::clone(&fs));
        Ok((fs, inner_path))
    }

    fn connect(&self, location: &Location, uri: &str) -> Result<Arc<dyn FileSystem>, StorageError> {
        match location.scheme.as_str() {
            "file" => Ok(Arc::new(local::LocalFileSystem)),
            #[cfg(feature = "s3")]
            "s3a" | "s3n" | "s3" => Ok(Arc::new(s3::S3FileSystem::new(&self.conf, location)?)),
            #[cfg(feature = "hdfs")]
            "hdfs" | "viewfs" => Ok(Arc::new(hdfs::HdfsFileSystem::new(
                &self.conf, location, &self.auth,
            )?)),
            other => Err(StorageError::UnsupportedScheme {
                scheme: other.to_string(),
                path: redact(uri),
                hint: match other {
                    "s3a" | "s3n" | "s3" => " (this build has no S3 support: feature \"s3\")",
                    "hdfs" | "viewfs" => " (this build has no HDFS support: feature \"hdfs\")",
                    _ => "",
                },
            }),
        }
    }
}

fn md5_of(s: &str) -> u128 {
    use md5::Digest;
    u128::from_be_bytes(md5::Md5::digest(s.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let l = Location::parse("file:///tmp/a//b/", "file:///");
        assert_eq!((l.scheme.as_str(), l.path.as_str()), ("file", "/tmp/a/b"));
        let l = Location::parse("/tmp/x", "hdfs://nn:8020");
        assert_eq!(
            (l.scheme.as_str(), l.authority.as_str(), l.path.as_str()),
            ("hdfs", "nn:8020", "/tmp/x")
        );
        let l = Location::parse("/tmp/x", "file:///");
        assert_eq!(l.scheme, "file");
        let l = Location::parse("hdfs:///flume", "hdfs://ns1");
        assert_eq!(l.authority, "ns1");
        let l = Location::parse("s3a://AKIA:se/cret@bucket/logs/x", "file:///");
        // A secret with '/' is not valid in a URI; what parses is still kept out of the path.
        assert_eq!(l.scheme, "s3a");
        let l = Location::parse("s3a://AKIA:secret@bucket/logs//2024/", "file:///");
        assert_eq!(
            (
                l.authority.as_str(),
                l.path.as_str(),
                l.user_info.as_deref()
            ),
            ("bucket", "/logs/2024", Some("AKIA:secret"))
        );
        assert_eq!(l.fs_key(), "s3a://bucket");
    }

    #[test]
    fn hadoop_display_and_redaction() {
        assert_eq!(
            hadoop_path_display("file:///tmp/run/x.tmp"),
            "file:/tmp/run/x.tmp"
        );
        assert_eq!(
            hadoop_path_display("hdfs://nn:8020//a//b"),
            "hdfs://nn:8020/a/b"
        );
        assert_eq!(hadoop_path_display("/a//b/"), "/a/b");
        assert_eq!(
            redact("s3a://KEY:SECRET@bucket/x/y"),
            "s3a://***@bucket/x/y"
        );
        assert_eq!(redact("s3a://bucket/x@y"), "s3a://bucket/x@y");
    }

    #[test]
    fn unknown_scheme_is_an_error() {
        let storage = Storage::new(HadoopConf::default());
        let err = storage.resolve("ftp://host/x").err().unwrap();
        assert!(
            err.to_string()
                .contains("unsupported file system scheme \"ftp\"")
        );
        assert!(storage.resolve("file:///tmp/x").is_ok());
    }
}
