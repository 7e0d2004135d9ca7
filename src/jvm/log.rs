//! Log lines of hosted Java code (java.util.logging, and log4j/slf4j when Flume's jars are on
//! the classpath), forwarded by the bridge into the agent's log with their logger name.

use super::wire::In;

/// Levels as the bridge sends them.
const ERROR: i32 = 1;
const WARN: i32 = 2;
const INFO: i32 = 3;
const DEBUG: i32 = 4;

pub fn java_log(input: &[u8]) {
    let mut i = In::new(input);
    let (Ok(level), Ok(logger), Ok(message)) = (i.i32(), i.str(), i.str()) else {
        return;
    };
    match level {
        ERROR => tracing::error!(target: "java", logger = %logger, "{message}"),
        WARN => tracing::warn!(target: "java", logger = %logger, "{message}"),
        INFO => tracing::info!(target: "java", logger = %logger, "{message}"),
        DEBUG => tracing::debug!(target: "java", logger = %logger, "{message}"),
        _ => tracing::trace!(target: "java", logger = %logger, "{message}"),
    }
}
