//! Local files (`file://` and plain paths without an HDFS `fs.defaultFS`), like Hadoop's
//! `LocalFileSystem`. Blocking calls run on tokio's blocking pool (or, for
//! [`OutputFile::write_blocking`], on the blocking thread of a caller that batches them). `hflush` hands the bytes to
//! the operating system (readers see them), as Hadoop's local `hflush` does; it does not fsync.

use std::io::Write;
use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;

use super::{Entry, FileSystem, OutputFile, StorageError};

pub struct LocalFileSystem;

async fn blocking<T: Send + 'static>(
    path: &str,
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, StorageError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(|e| StorageError::io(path, e)),
        Err(join) => Err(StorageError::io(path, std::io::Error::other(join))),
    }
}

#[async_trait]
impl FileSystem for LocalFileSystem {
    async fn create(&self, path: &str) -> Result<Box<dyn OutputFile>, StorageError> {
        let p = PathBuf::from(path);
        let file = blocking(path, move || {
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::File::create(&p)
        })
        .await?;
        Ok(Box::new(LocalFile {
            path: path.to_string(),
            file: Some(file),
        }))
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let (a, b) = (PathBuf::from(from), PathBuf::from(to));
        blocking(from, move || {
            // Hadoop's rename does not replace an existing file.
            if b.exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("rename destination {} exists", b.display()),
                ));
            }
            std::fs::rename(a, b)
        })
        .await
    }

    async fn exists(&self, path: &str) -> Result<bool, StorageError> {
        let p = PathBuf::from(path);
        blocking(path, move || p.try_exists()).await
    }

    async fn list(&self, dir: &str) -> Result<Vec<Entry>, StorageError> {
        let p = PathBuf::from(dir);
        blocking(dir, move || {
            let mut out = Vec::new();
            let read = match std::fs::read_dir(&p) {
                Ok(r) => r,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                Err(e) => return Err(e),
            };
            for entry in read {
                let entry = entry?;
                out.push(Entry {
                    path: entry.path().to_string_lossy().into_owned(),
                    is_dir: entry.file_type()?.is_dir(),
                });
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        })
        .await
    }
}

struct LocalFile {
    path: String,
    /// Moved to the blocking pool for each call and back.
    file: Option<std::fs::File>,
}

impl LocalFile {
    async fn with_file(
        &mut self,
        f: impl FnOnce(&mut std::fs::File) -> std::io::Result<()> + Send + 'static,
    ) -> Result<(), StorageError> {
        let Some(mut file) = self.file.take() else {
            return Err(StorageError::io(
                &self.path,
                std::io::Error::other("file is closed"),
            ));
        };
        let (file, result) = tokio::task::spawn_blocking(move || {
            let r = f(&mut file);
            (file, r)
        })
        .await
        .map_err(|e| StorageError::io(&self.path, std::io::Error::other(e)))?;
        self.file = Some(file);
        result.map_err(|e| StorageError::io(&self.path, e))
    }
}

#[async_trait]
impl OutputFile for LocalFile {
    async fn write(&mut self, data: Bytes) -> Result<(), StorageError> {
        if data.is_empty() {
            return Ok(());
        }
        self.with_file(move |f| f.write_all(&data)).await
    }

    fn write_blocking(&mut self, data: &[u8]) -> Option<Result<(), StorageError>> {
        let result = match self.file.as_mut() {
            Some(file) => file.write_all(data),
            None => Err(std::io::Error::other("file is closed")),
        };
        Some(result.map_err(|e| StorageError::io(&self.path, e)))
    }

    async fn hflush(&mut self) -> Result<(), StorageError> {
        // Writes go straight to the OS (no user-space buffer): nothing to push.
        Ok(())
    }

    async fn close(&mut self) -> Result<(), StorageError> {
        if self.file.is_none() {
            return Ok(());
        }
        self.with_file(|f| f.flush()).await?;
        self.file = None;
        Ok(())
    }
}
