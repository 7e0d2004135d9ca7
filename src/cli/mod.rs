//! The `flume-ng` command line: one module per command.

pub mod agent;
pub mod avro_client;
pub mod file_channel;
pub mod logging;
pub mod top;
pub mod validate;

/// `flume-ng version`: the first line is what scripts written for Flume parse.
pub fn version() -> String {
    format!("Flume 1.11.0\nflume-rs {}\n", env!("CARGO_PKG_VERSION"))
}

/// `flume-ng properties-doc` (not in the help text): the property reference,
/// `docs/properties.md`, generated from the property tables.
pub fn properties_doc() -> String {
    use crate::config::reference;
    let mut page = reference::properties_markdown(crate::topology::property_table);
    page.push_str(&reference::extra_section(
        "`flume-ng avro-client -P` file",
        "The RPC client properties file of `avro-client --rpcProps` (Flume's \
         `RpcClientConfigurationConstants`). Unknown keys and keys without effect are logged \
         as warnings when the file is read.",
        &crate::avro_rpc::client::PROPERTIES_FILE_PROPS,
    ));
    page
}

pub const HELP: &str = "Usage: flume-ng <command> [options]...

commands:
  help                      display this help text
  agent                     run a Flume agent
  validate                  check a configuration: what Flume would drop or reject, and why
  avro-client               run an avro Flume client
  file-channel dump         print the events of a Java Flume file channel (reads only)
  top                       a live view of a running agent's metrics (flume-ng top --help)
  version                   show Flume version info

global options:
  --conf,-c <conf>          use configs in <conf> directory
  -Dproperty=value          sets a system property value (flume.root.logger, flume.monitoring.*)
  -X<option>                an option of the JVM that runs Java plugins (started only if needed)
  --classpath,-C <cp>       classpath for Java plugins
  --plugins-path <dirs>     colon-separated plugins.d directories (default $FLUME_HOME/plugins.d)

agent options:
  --name,-n <name>          the name of this agent (required)
  --conf-file,-f <file>     specify a config file (required if -u missing)
  --conf-uri,-u <uri>       specify a config file as a file: URI
  --no-reload-conf          do not reload config file if changed
  --poll-interval,-i <s>    seconds between config checks (default 30)
  --help,-h                 display help text

validate options:
  --conf-file,-f <file>     the config file to check (may be repeated)
  --name,-n <name>          the agent to check
  exit status 0 when Flume would run every component, 1 otherwise

avro-client options:
  --rpcProps,-P <file>      RPC client properties file with server connection params
  --host,-H <host>          hostname to which events will be sent
  --port,-p <port>          port of the avro source
  --dirname <dir>           directory to stream to avro source
  --filename,-F <file>      text file to stream to avro source (default: std input)
  --headerFile,-R <file>    file containing headers as key/value pairs on each new line
  --help,-h                 display help text

  Either --rpcProps or both --host and --port must be specified.

file-channel dump options:
  --checkpointDir <dir>     the Java channel's checkpointDir
  --dataDirs <dir>[,<dir>]  its dataDirs
  prints one JSON line per event, in take order: {\"headers\": {...}, \"body\": \"...\"}
  (\"bodyBase64\" when the body is not UTF-8)
";

#[cfg(test)]
mod tests {
    /// `docs/properties.md` is what the tables generate. Set FLUME_RS_WRITE_PROPERTIES_DOC=1
    /// to rewrite it.
    #[test]
    fn properties_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/properties.md");
        let generated = super::properties_doc();
        if std::env::var_os("FLUME_RS_WRITE_PROPERTIES_DOC").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "docs/properties.md is stale: regenerate it with `cargo run -- properties-doc > docs/properties.md` or `FLUME_RS_WRITE_PROPERTIES_DOC=1 cargo test --lib properties_reference`"
        );
    }
}
