//! Directory duties: `in_use.lock` (one channel per directory, across processes and within
//! one), refusing directories that hold Java Flume's file channel, free space.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "in_use.lock";

/// A held `in_use.lock`; released when dropped (the file itself stays, as Flume's does).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Lock `dir/in_use.lock` with an open-file-description lock: it conflicts with Java Flume's
/// lock on the same file (`FileChannel.tryLock`, a POSIX lock), with another flume-rs process,
/// and with a second channel of this process, which Flume reports the same way.
pub fn lock(dir: &Path, channel: &str) -> Result<DirLock, String> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("Cannot create {}: {e} [channel={channel}]", path.display()))?;
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    // SAFETY: fcntl on a descriptor we own, with a properly initialised flock struct.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        let holder = holder_of(&mut file);
        return Err(match err.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) => format!(
                "Cannot lock {}. The directory is already locked{holder}: another agent or another channel uses it [channel={channel}]",
                dir.display()
            ),
            _ => format!("Cannot lock {}: {err} [channel={channel}]", dir.display()),
        });
    }
    // Tell operators who holds it (best effort: the lock is what matters).
    let _ = file
        .set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| writeln!(file, "{}", std::process::id()));
    Ok(DirLock { _file: file })
}

fn holder_of(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.read_to_string(&mut s);
    match s.trim().parse::<u32>() {
        Ok(pid) => format!(" (by process {pid})"),
        Err(_) => String::new(),
    }
}

/// Files that show a directory was written by Java Flume's file channel.
pub fn java_layout(dir: &Path, is_checkpoint_dir: bool) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let name = std::str::from_utf8(name.as_bytes()).ok()?.to_string();
            let java = if is_checkpoint_dir {
                matches!(
                    name.as_str(),
                    "checkpoint"
                        | "checkpoint.meta"
                        | "inflightputs"
                        | "inflighttakes"
                        | "queueset"
                        | "backupComplete"
                )
            } else {
                is_java_log_name(&name)
            };
            java.then_some(name)
        })
        .collect();
    found.sort();
    found
}

fn is_java_log_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("log-") else {
        return false;
    };
    let digits = rest.strip_suffix(".meta").unwrap_or(rest);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Bytes available to an unprivileged user on the file system of `dir` (Java's
/// `File.getUsableSpace`).
pub fn usable_space(dir: &Path) -> io::Result<u64> {
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains NUL"))?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid NUL-terminated path and an out-parameter of the right type.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

pub fn create(dir: &Path, channel: &str) -> Result<PathBuf, String> {
    fs::create_dir_all(dir).map_err(|e| {
        format!(
            "Cannot create directory {}: {e} [channel={channel}]",
            dir.display()
        )
    })?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_log_names() {
        assert!(is_java_log_name("log-1"));
        assert!(is_java_log_name("log-12.meta"));
        assert!(!is_java_log_name("log-"));
        assert!(!is_java_log_name("log-1x"));
        assert!(!is_java_log_name("segment-0000000001.flog"));
    }
}
