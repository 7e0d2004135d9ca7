//! Beyond Flume: in-use files left by a crash (`FlumeData.1700000000001.tmp`) are renamed to
//! their final names when the sink starts, so their data becomes visible. Flume leaves them
//! forever. Only files this sink could have written are touched: under the fixed part of
//! `hdfs.path`, at the depth the escapes allow, named `<inUsePrefix><filePrefix>.<n><suffix>
//! <inUseSuffix>`. Object stores have no in-use files: there the files an earlier run left
//! unfinished are finished from the store's local journal
//! ([`crate::storage::FileSystem::recover_unfinished`]).

use std::collections::VecDeque;

use super::bucket::Shared;
use crate::storage::redact;

/// Directories listed at most, to bound the start-up time on large trees.
const MAX_DIRECTORIES: usize = 10_000;

/// The fixed directory before the first escape of `path`, and how many directory levels the
/// escaped part adds.
fn static_root(path: &str) -> (String, usize) {
    let Some(first) = path.find('%') else {
        return (path.trim_end_matches('/').to_string(), 0);
    };
    let fixed = &path[..first];
    let root_end = fixed.rfind('/').unwrap_or(0);
    let root = path[..root_end].to_string();
    let depth = path[root_end..].trim_end_matches('/').matches('/').count();
    (root, depth)
}

pub async fn recover_in_use_files(shared: &Shared) {
    let config = &shared.config;
    let (root, depth) = static_root(&config.path);
    if let Ok((fs, _)) = shared.storage.resolve(&root)
        && fs.publishes_on_close()
    {
        fs.recover_unfinished(config.call_timeout).await;
        return;
    }
    if config.in_use_prefix.is_empty() && config.in_use_suffix.is_empty() {
        return;
    }
    // The root must name a directory, not part of a scheme or bucket.
    if root.is_empty() || root.ends_with(':') || root.ends_with("//") || !root.contains('/') {
        return;
    }
    let (fs, fs_root) = match shared.storage.resolve(&root) {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!("no in-use file recovery under {}: {e}", redact(&root));
            return;
        }
    };
    if fs.publishes_on_close() {
        return;
    }
    let extension = if !config.file_suffix.is_empty() {
        regex::escape(&config.file_suffix)
    } else {
        config
            .codec
            .map(|c| regex::escape(c.extension()))
            .unwrap_or_default()
    };
    let pattern = format!(
        "^{}({}\\.[0-9]+{}){}$",
        regex::escape(&config.in_use_prefix),
        config.prefix_pattern.to_regex(),
        extension,
        regex::escape(&config.in_use_suffix)
    );
    let Ok(name_re) = regex::Regex::new(&pattern) else {
        return;
    };
    let mut queue = VecDeque::from([(fs_root, 0usize)]);
    let mut listed = 0;
    while let Some((dir, level)) = queue.pop_front() {
        listed += 1;
        if listed > MAX_DIRECTORIES {
            tracing::warn!(
                "in-use file recovery stopped after {MAX_DIRECTORIES} directories under {}",
                redact(&root)
            );
            return;
        }
        let entries = match shared.call(&dir, fs.list(&dir)).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("cannot list {} for in-use file recovery: {e}", redact(&dir));
                continue;
            }
        };
        for entry in entries {
            let name = entry.path.rsplit('/').next().unwrap_or(&entry.path);
            if entry.is_dir {
                if level < depth {
                    queue.push_back((entry.path.clone(), level + 1));
                }
                continue;
            }
            if level != depth {
                continue;
            }
            let Some(caps) = name_re.captures(name) else {
                continue;
            };
            let final_name = &caps[1];
            let parent = &entry.path[..entry.path.len() - name.len()];
            let target = format!("{parent}{final_name}");
            if target == entry.path {
                continue;
            }
            match shared.call(&target, fs.exists(&target)).await {
                Ok(false) => {}
                Ok(true) => {
                    tracing::warn!(
                        "in-use file {} was left by an earlier run, but {} exists: left as is",
                        redact(&entry.path),
                        redact(&target)
                    );
                    continue;
                }
                Err(_) => continue,
            }
            tracing::warn!(
                "Recovering {} left in use by an earlier run: renaming it to {}",
                redact(&entry.path),
                redact(&target)
            );
            if let Err(e) = shared
                .call(&entry.path, fs.rename(&entry.path, &target))
                .await
            {
                tracing::warn!("recovery rename of {} failed: {e}", redact(&entry.path));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_depths() {
        assert_eq!(static_root("/flume/logs"), ("/flume/logs".into(), 0));
        assert_eq!(static_root("/flume/logs/"), ("/flume/logs".into(), 0));
        assert_eq!(static_root("/flume/%Y/%m/%d"), ("/flume".into(), 3));
        assert_eq!(
            static_root("file:///tmp/x/%{host}/%Y%m%d/raw"),
            ("file:///tmp/x".into(), 3)
        );
        assert_eq!(static_root("/a/pre%Y/b"), ("/a".into(), 2));
    }
}
