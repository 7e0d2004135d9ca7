//! HDFS through `hdfs-native` (`hdfs://namenode:port/…`, `hdfs://nameservice/…` with HA
//! settings from `hdfs-site.xml`, `viewfs://…`). A thin layer: the Hadoop properties found by
//! [`crate::config::hadoop`] are handed to the client, plus fail-fast retry settings so that a
//! dead NameNode errors at once instead of retrying for minutes (the sink bounds every call
//! with `hdfs.callTimeout` anyway: a NameNode that accepts but never answers hangs forever).
//! `hflush` is HDFS `hsync` (the client has no hflush; hsync is the stronger guarantee).

use async_trait::async_trait;
use bytes::Bytes;
use hdfs_native::{Client, ClientBuilder, HdfsError, WriteOptions};

use super::{Entry, FileSystem, HdfsAuth, Location, OutputFile, StorageError};
use crate::config::hadoop::HadoopConf;

pub struct HdfsFileSystem {
    client: Client,
    url: String,
}

/// Retry settings applied unless the configuration sets them.
fn fail_fast(conf: &HadoopConf, authority: &str) -> Vec<(String, String)> {
    let ha = conf.get(&format!("dfs.ha.namenodes.{authority}")).is_some();
    [
        // One failover attempt lets an HA client try the other NameNode.
        (
            "dfs.client.failover.max.attempts",
            if ha { "1" } else { "0" },
        ),
        ("dfs.client.failover.sleep.base.millis", "100"),
        ("dfs.client.failover.sleep.max.millis", "1000"),
    ]
    .into_iter()
    .filter(|(k, _)| conf.get(k).is_none())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl HdfsFileSystem {
    pub fn new(
        conf: &HadoopConf,
        location: &Location,
        auth: &HdfsAuth,
    ) -> Result<Self, StorageError> {
        let url = format!("{}://{}", location.scheme, location.authority);
        let mut settings: Vec<(String, String)> = conf
            .pairs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        settings.extend(fail_fast(conf, &location.authority));
        if auth.login.is_some() {
            // A keytab login turns Kerberos on whatever core-site.xml says, as Flume's
            // KerberosAuthenticator switches UserGroupInformation to kerberos.
            settings.retain(|(k, _)| k != "hadoop.security.authentication");
            settings.push((
                "hadoop.security.authentication".to_string(),
                "kerberos".to_string(),
            ));
        }
        let mut builder = ClientBuilder::new()
            .with_url(url.clone())
            .with_config(settings);
        if let Some(dir) = conf.dir() {
            builder = builder.with_config_dir(dir.to_string_lossy().into_owned());
        }
        if let Some(login) = &auth.login {
            // hdfs-native's GSSAPI takes its tickets from the private cache the login fills
            // (and could take new ones from the keytab itself).
            let cache = login
                .ccache_name()
                .map_err(|e| StorageError::Config(e.to_string()))?;
            builder = builder
                .with_kerberos_principal(login.user.principal.clone())
                .with_kerberos_keytab(login.user.keytab.to_string_lossy().into_owned())
                .with_kerberos_cache(cache);
        }
        if let Some(user) = &auth.proxy_user {
            // The RPC connection header's effective user (Hadoop's doAs of a proxy user).
            builder = builder.with_user(user.clone());
        }
        let client = builder
            .build()
            .map_err(|e| StorageError::Config(format!("HDFS client for {url}: {e}")))?;
        Ok(HdfsFileSystem { client, url })
    }

    fn error(&self, path: &str, e: HdfsError) -> StorageError {
        StorageError::remote(&format!("{}{path}", self.url), e.to_string())
    }
}

#[async_trait]
impl FileSystem for HdfsFileSystem {
    async fn create(&self, path: &str) -> Result<Box<dyn OutputFile>, StorageError> {
        let options = WriteOptions {
            overwrite: true,
            create_parent: true,
            ..WriteOptions::default()
        };
        let writer = self
            .client
            .create(path, options)
            .await
            .map_err(|e| self.error(path, e))?;
        Ok(Box::new(HdfsFile {
            writer: Some(writer),
            path: format!("{}{path}", self.url),
        }))
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        self.client
            .rename(from, to, false)
            .await
            .map_err(|e| self.error(from, e))
    }

    async fn exists(&self, path: &str) -> Result<bool, StorageError> {
        match self.client.get_file_info(path).await {
            Ok(_) => Ok(true),
            Err(HdfsError::FileNotFound(_)) => Ok(false),
            Err(e) => Err(self.error(path, e)),
        }
    }

    async fn list(&self, dir: &str) -> Result<Vec<Entry>, StorageError> {
        match self.client.list_status(dir, false).await {
            Ok(statuses) => Ok(statuses
                .into_iter()
                .map(|s| Entry {
                    path: s.path,
                    is_dir: s.isdir,
                })
                .collect()),
            Err(HdfsError::FileNotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(self.error(dir, e)),
        }
    }
}

struct HdfsFile {
    writer: Option<hdfs_native::file::FileWriter>,
    path: String,
}

impl HdfsFile {
    fn writer(&mut self) -> Result<&mut hdfs_native::file::FileWriter, StorageError> {
        self.writer
            .as_mut()
            .ok_or_else(|| StorageError::remote(&self.path, "file is closed"))
    }
}

#[async_trait]
impl OutputFile for HdfsFile {
    async fn write(&mut self, data: Bytes) -> Result<(), StorageError> {
        let path = self.path.clone();
        self.writer()?
            .write_bytes(data)
            .await
            .map(|_| ())
            .map_err(|e| StorageError::remote(&path, e.to_string()))
    }

    async fn hflush(&mut self) -> Result<(), StorageError> {
        let path = self.path.clone();
        self.writer()?
            .hsync()
            .await
            .map_err(|e| StorageError::remote(&path, e.to_string()))
    }

    async fn close(&mut self) -> Result<(), StorageError> {
        let path = self.path.clone();
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        writer
            .close()
            .await
            .map_err(|e| StorageError::remote(&path, e.to_string()))?;
        self.writer = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_fast_settings_respect_the_configuration() {
        let conf = HadoopConf::from_pairs([("dfs.ha.namenodes.ns1", "nn1,nn2")]);
        let s = fail_fast(&conf, "ns1");
        assert!(s.contains(&("dfs.client.failover.max.attempts".into(), "1".into())));
        let conf = HadoopConf::from_pairs([("dfs.client.failover.max.attempts", "5")]);
        let s = fail_fast(&conf, "nn:8020");
        assert!(
            !s.iter()
                .any(|(k, _)| k == "dfs.client.failover.max.attempts")
        );
    }

    /// Building a client does no I/O; a nameservice without HA settings fails at once.
    #[tokio::test]
    async fn client_construction() {
        let conf = HadoopConf::default();
        let ok = HdfsFileSystem::new(
            &conf,
            &Location::parse("hdfs://127.0.0.1:1/x", "file:///"),
            &HdfsAuth::default(),
        );
        assert!(ok.is_ok());
        let fs = ok.unwrap();
        // A closed port fails fast (well under the callTimeout) instead of retrying.
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(std::time::Duration::from_secs(20), fs.exists("/x")).await;
        assert!(matches!(r, Ok(Err(_))), "{:?}", r.map(|r| r.is_ok()));
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    /// Against a real cluster: `FLUME_TEST_HDFS_URI=hdfs://namenode:8020/tmp/flume-test`.
    #[tokio::test]
    async fn real_cluster_round_trip() {
        let Ok(uri) = std::env::var("FLUME_TEST_HDFS_URI") else {
            eprintln!("skipped: FLUME_TEST_HDFS_URI is not set (no HDFS cluster here)");
            return;
        };
        let location = Location::parse(&uri, "file:///");
        let fs = HdfsFileSystem::new(
            &HadoopConf::load(None).unwrap(),
            &location,
            &HdfsAuth::default(),
        )
        .unwrap();
        let dir = format!("{}/flume-rs-{}", location.path, std::process::id());
        let tmp = format!("{dir}/f.tmp");
        let mut f = fs.create(&tmp).await.unwrap();
        f.write(Bytes::from_static(b"hello\n")).await.unwrap();
        f.hflush().await.unwrap();
        f.close().await.unwrap();
        fs.rename(&tmp, &format!("{dir}/f")).await.unwrap();
        assert!(fs.exists(&format!("{dir}/f")).await.unwrap());
        assert!(!fs.exists(&tmp).await.unwrap());
        let names: Vec<String> = fs
            .list(&dir)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(names.len(), 1);
    }
}
