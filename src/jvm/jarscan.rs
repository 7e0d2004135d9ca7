//! Which classes a classpath holds, without a JVM: the entry names of each jar's central
//! directory (nothing is decompressed), or the files of a class directory. Used once when the
//! JVM starts, to add a Guava, a servlet API or an slf4j binding only when the site's
//! classpath has none.
//!
//! Hand-written: only the central directory's entry names are needed (about fifty lines of
//! the ZIP format), and no zip crate is among the dependencies.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Largest central directory read (a jar of ~500 000 entries).
const MAX_DIRECTORY: u64 = 64 * 1024 * 1024;

/// For each of `classes` (`a/b/C.class`), whether some entry of `classpath` holds it.
pub fn find(classpath: &[impl AsRef<Path>], classes: &[&str]) -> Vec<bool> {
    let mut found = vec![false; classes.len()];
    for entry in classpath {
        let entry = entry.as_ref();
        if found.iter().all(|f| *f) {
            break;
        }
        if entry.is_dir() {
            for (i, c) in classes.iter().enumerate() {
                found[i] |= entry.join(c).is_file();
            }
        } else if let Ok(names) = jar_entries(entry) {
            for (i, c) in classes.iter().enumerate() {
                found[i] |= names.iter().any(|n| n == c);
            }
        }
    }
    found
}

fn u16_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as u64)
}

fn u32_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as u64)
}

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

/// The entry names of a jar (ZIP, ZIP64) from its central directory.
pub fn jar_entries(path: &Path) -> std::io::Result<Vec<String>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not a jar");
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let tail_len = len.min(65_557);
    f.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact(&mut tail)?;
    // End of central directory: signature PK\5\6, searched from the end (a comment may follow).
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(bad)?;
    let mut size = u32_at(&tail, eocd + 12).ok_or_else(bad)?;
    let mut offset = u32_at(&tail, eocd + 16).ok_or_else(bad)?;
    if (size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF) && eocd >= 20 {
        // ZIP64: the locator just before gives the ZIP64 end record's offset.
        let loc = eocd - 20;
        if tail[loc..loc + 4] == [0x50, 0x4b, 0x06, 0x07] {
            let at = u64_at(&tail, loc + 8).ok_or_else(bad)?;
            let mut rec = [0u8; 56];
            f.seek(SeekFrom::Start(at))?;
            f.read_exact(&mut rec)?;
            if rec[..4] != [0x50, 0x4b, 0x06, 0x06] {
                return Err(bad());
            }
            size = u64_at(&rec, 40).ok_or_else(bad)?;
            offset = u64_at(&rec, 48).ok_or_else(bad)?;
        }
    }
    if size > MAX_DIRECTORY || offset.checked_add(size).is_none_or(|end| end > len) {
        return Err(bad());
    }
    let mut dir = vec![0u8; size as usize];
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(&mut dir)?;
    let mut names = Vec::new();
    let mut i = 0usize;
    while dir.get(i..i + 4) == Some(&[0x50, 0x4b, 0x01, 0x02]) {
        let name_len = u16_at(&dir, i + 28).ok_or_else(bad)? as usize;
        let extra = u16_at(&dir, i + 30).ok_or_else(bad)? as usize;
        let comment = u16_at(&dir, i + 32).ok_or_else(bad)? as usize;
        let name = dir.get(i + 46..i + 46 + name_len).ok_or_else(bad)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        i += 46 + name_len + extra + comment;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A jar made by the JDK's `jar` tool lists what it holds; a file that is no jar is an
    /// error, not a panic.
    #[test]
    fn reads_a_jar_made_by_the_jdk() {
        let tmp = tempfile::tempdir().unwrap();
        let classes = tmp.path().join("c/org/x");
        std::fs::create_dir_all(&classes).unwrap();
        std::fs::write(classes.join("A.class"), b"not really").unwrap();
        let jar = tmp.path().join("a.jar");
        let made = std::process::Command::new("jar")
            .arg("cf")
            .arg(&jar)
            .arg("-C")
            .arg(tmp.path().join("c"))
            .arg(".")
            .status();
        assert!(made.is_ok_and(|s| s.success()), "the JDK's jar tool failed");
        let names = jar_entries(&jar).unwrap();
        assert!(names.contains(&"org/x/A.class".to_string()), "{names:?}");
        assert_eq!(
            find(
                std::slice::from_ref(&jar),
                &["org/x/A.class", "org/x/B.class"]
            ),
            vec![true, false]
        );
        assert_eq!(
            find(&[tmp.path().join("c")], &["org/x/A.class"]),
            vec![true]
        );
        let junk = tmp.path().join("junk.jar");
        std::fs::write(&junk, b"PK\x05\x06 short").unwrap();
        assert!(jar_entries(&junk).is_err());
        std::fs::write(&junk, vec![0u8; 100]).unwrap();
        assert!(jar_entries(&junk).is_err());
    }
}
