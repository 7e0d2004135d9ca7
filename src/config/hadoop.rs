//! Hadoop client configuration: `core-site.xml` and `hdfs-site.xml`, found where a Flume agent's
//! classpath would find them — the `--conf` directory first, then `$HADOOP_CONF_DIR`, then
//! `/etc/hadoop/conf`. The first directory that has a file wins for that file (Java loads the
//! first classpath resource of that name).
//!
//! Read: `fs.defaultFS` (where scheme-less `hdfs.path` values go) and everything the storage
//! backends look up (`fs.s3a.*`, `fs.s3n.*`, `dfs.*`). Values are never logged: they hold
//! secrets.
//!
//! The files are Hadoop's simple XML (`<configuration><property><name/><value/>…`); a small
//! reader is written here rather than pulling in an XML crate. `${name}` references to other
//! properties and to `env.NAME` are expanded as Hadoop's `Configuration.get` does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct HadoopConfError {
    pub file: String,
    pub message: String,
}

/// Merged Hadoop properties (core-site, then hdfs-site over it).
#[derive(Debug, Clone, Default)]
pub struct HadoopConf {
    props: HashMap<String, String>,
    /// The directory the configuration came from (for `hdfs-native`'s own loading).
    dir: Option<PathBuf>,
    /// Files that were read, for the start-up log.
    files: Vec<PathBuf>,
}

impl HadoopConf {
    /// Search `conf_dir`, `$HADOOP_CONF_DIR`, `/etc/hadoop/conf`.
    pub fn load(conf_dir: Option<&Path>) -> Result<HadoopConf, HadoopConfError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        dirs.extend(conf_dir.map(Path::to_path_buf));
        if let Some(d) = std::env::var_os("HADOOP_CONF_DIR").filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(d));
        }
        dirs.push(PathBuf::from("/etc/hadoop/conf"));
        HadoopConf::load_from(&dirs)
    }

    /// The first `core-site.xml` and the first `hdfs-site.xml` among `dirs`.
    pub fn load_from(dirs: &[PathBuf]) -> Result<HadoopConf, HadoopConfError> {
        let mut conf = HadoopConf::default();
        for name in ["core-site.xml", "hdfs-site.xml"] {
            let Some(path) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(|e| HadoopConfError {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
            let props = parse(&text).map_err(|message| HadoopConfError {
                file: path.display().to_string(),
                message,
            })?;
            conf.props.extend(props);
            if conf.dir.is_none() {
                conf.dir = path.parent().map(Path::to_path_buf);
            }
            conf.files.push(path);
        }
        Ok(conf)
    }

    /// From in-memory pairs (tests).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> HadoopConf {
        HadoopConf {
            props: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            ..Default::default()
        }
    }

    /// A property, with `${…}` expanded.
    pub fn get(&self, key: &str) -> Option<String> {
        self.props.get(key).map(|v| self.expand(v, 0))
    }

    pub fn get_bool(&self, key: &str, default: bool) -> bool {
        self.get(key)
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(default)
    }

    /// `fs.defaultFS` (or the deprecated `fs.default.name`), `file:///` when unset.
    pub fn default_fs(&self) -> &str {
        self.props
            .get("fs.defaultFS")
            .or_else(|| self.props.get("fs.default.name"))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .unwrap_or("file:///")
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Every property (for clients that take the whole configuration, e.g. hdfs-native).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.props.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn expand(&self, value: &str, depth: usize) -> String {
        if depth > 20 || !value.contains("${") {
            return value.to_string();
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start + 2..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &rest[start + 2..start + 2 + len];
            let replacement = if let Some(env) = name.strip_prefix("env.") {
                std::env::var(env).ok()
            } else {
                self.props
                    .get(name)
                    .map(|v| self.expand(v, depth + 1))
                    .or_else(|| std::env::var(name).ok().filter(|_| name == "user.name"))
            };
            match replacement {
                Some(r) => out.push_str(&r),
                None => out.push_str(&rest[start..start + 3 + len]),
            }
            rest = &rest[start + 3 + len..];
        }
        out.push_str(rest);
        out
    }
}

/// `<property><name>n</name><value>v</value></property>` pairs of a Hadoop XML file.
fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let text = strip_comments(text);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<property") {
        let after = &rest[start + "<property".len()..];
        let Some(end) = after.find("</property>") else {
            return Err("unterminated <property>".into());
        };
        let body = &after[..end];
        rest = &after[end + "</property>".len()..];
        let Some(name) = element(body, "name") else {
            continue;
        };
        let value = element(body, "value").unwrap_or_default();
        out.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(out)
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The text of `<tag>…</tag>` in `body` (entities and CDATA decoded); `<tag/>` is empty.
fn element(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}");
    let mut search = body;
    loop {
        let i = search.find(&open)?;
        let after = &search[i + open.len()..];
        // Make sure this is <tag> / <tag ...> / <tag/>, not <tagfoo>.
        match after.chars().next() {
            Some('>') | Some(' ') | Some('\t') | Some('\n') | Some('\r') | Some('/') => {}
            _ => {
                search = after;
                continue;
            }
        }
        let gt = after.find('>')?;
        if after[..gt].ends_with('/') {
            return Some(String::new());
        }
        let content = &after[gt + 1..];
        let close = content.find(&format!("</{tag}>"))?;
        return Some(decode_text(&content[..close]));
    }
}

fn decode_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            out.push_str(&after[..end]);
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == '&'
            && let Some(semi) = rest.find(';')
        {
            let entity = &rest[1..semi];
            let decoded = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ if entity.starts_with("#x") => u32::from_str_radix(&entity[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                _ if entity.starts_with('#') => {
                    entity[1..].parse::<u32>().ok().and_then(char::from_u32)
                }
                _ => None,
            };
            if let Some(d) = decoded {
                out.push(d);
                rest = &rest[semi + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORE_SITE: &str = r#"<?xml version="1.0"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- a comment <property><name>commented</name><value>x</value></property> -->
<configuration>
  <property>
    <name>fs.defaultFS</name>
    <value>hdfs://nn1:8020</value>
    <description>the default</description>
  </property>
  <property><name>fs.s3a.secret.key</name><value><![CDATA[a&b<c]]></value></property>
  <property><name>fs.s3a.endpoint</name><value> http://127.0.0.1:9000 </value></property>
  <property><name>amp</name><value>x&amp;y&#65;</value><final>true</final></property>
  <property><name>ref</name><value>${fs.defaultFS}/flume</value></property>
  <property><name>empty</name><value/></property>
</configuration>"#;

    #[test]
    fn reads_hadoop_xml() {
        let conf = HadoopConf::from_pairs(parse(CORE_SITE).unwrap());
        assert_eq!(conf.default_fs(), "hdfs://nn1:8020");
        assert_eq!(conf.get("fs.s3a.secret.key").as_deref(), Some("a&b<c"));
        assert_eq!(
            conf.get("fs.s3a.endpoint").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(conf.get("amp").as_deref(), Some("x&yA"));
        assert_eq!(conf.get("ref").as_deref(), Some("hdfs://nn1:8020/flume"));
        assert_eq!(conf.get("empty").as_deref(), Some(""));
        assert_eq!(conf.get("commented"), None);
    }

    #[test]
    fn first_directory_wins_per_file() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(
            a.path().join("core-site.xml"),
            "<configuration><property><name>fs.defaultFS</name><value>hdfs://a</value></property></configuration>",
        )
        .unwrap();
        std::fs::write(
            b.path().join("core-site.xml"),
            "<configuration><property><name>fs.defaultFS</name><value>hdfs://b</value></property></configuration>",
        )
        .unwrap();
        std::fs::write(
            b.path().join("hdfs-site.xml"),
            "<configuration><property><name>dfs.nameservices</name><value>ns</value></property></configuration>",
        )
        .unwrap();
        let conf =
            HadoopConf::load_from(&[a.path().to_path_buf(), b.path().to_path_buf()]).unwrap();
        assert_eq!(conf.default_fs(), "hdfs://a");
        assert_eq!(conf.get("dfs.nameservices").as_deref(), Some("ns"));
        assert_eq!(conf.files().len(), 2);
        assert_eq!(HadoopConf::default().default_fs(), "file:///");
    }
}
