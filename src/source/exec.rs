//! `exec` source (`ExecSource`): runs a command and turns each output line into an event,
//! flushing batches by size or time (reference §9.1, §18). Without `shell` the command is split
//! on whitespace with no quote handling, exactly as Flume does.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use super::deliver::Counting;
use super::{Source, SourceContext, SourceError};
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::metrics::{MetricSource, SourceCounter};

#[derive(Debug, Clone)]
pub struct ExecConfig {
    pub command: String,
    pub shell: Option<String>,
    pub restart: bool,
    pub restart_throttle: Duration,
    pub log_stderr: bool,
    pub batch_size: usize,
    pub batch_timeout: Duration,
    pub charset: &'static encoding_rs::Encoding,
}

impl ExecConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let command = ctx.required("command")?;
        let batch_size = ctx.int("batchSize", 20)?;
        if batch_size <= 0 {
            return Err(ctx.error("batchSize", "must be greater than 0"));
        }
        let charset_name = ctx.string("charset", "UTF-8");
        let charset =
            encoding_rs::Encoding::for_label(charset_name.trim().as_bytes()).ok_or_else(|| {
                ctx.error(
                    "charset",
                    format!("unsupported character set \"{charset_name}\""),
                )
            })?;
        Ok(ExecConfig {
            command,
            shell: ctx.get("shell").map(str::to_string),
            restart: ctx.bool("restart", false),
            restart_throttle: Duration::from_millis(
                ctx.long("restartThrottle", 10000)?.max(0) as u64
            ),
            log_stderr: ctx.bool("logStdErr", false),
            batch_size: batch_size as usize,
            batch_timeout: Duration::from_millis(ctx.long("batchTimeout", 3000)?.max(1) as u64),
            charset,
        })
    }

    /// The argument vector Flume builds: `shell` split on whitespace plus the whole command as
    /// one argument, or the command split on whitespace.
    pub fn argv(&self) -> Vec<String> {
        match &self.shell {
            Some(shell) => {
                let mut v: Vec<String> = shell.split_whitespace().map(str::to_string).collect();
                v.push(self.command.clone());
                v
            }
            None => self
                .command
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        }
    }
}

pub struct ExecSource {
    name: String,
    config: ExecConfig,
    counter: Arc<SourceCounter>,
}

impl ExecSource {
    pub fn from_context(name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        Ok(ExecSource {
            name: name.to_string(),
            config: ExecConfig::from_context(ctx)?,
            counter: SourceCounter::new(name),
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RunEnd {
    Exited,
    ChannelFailed,
    Shutdown,
}

#[async_trait]
impl Source for ExecSource {
    async fn run(&mut self, cx: &SourceContext) -> Result<(), SourceError> {
        loop {
            let end = self.run_once(cx).await;
            if end == RunEnd::Shutdown || cx.shutdown.is_cancelled() {
                return Ok(());
            }
            if !self.config.restart {
                return Ok(());
            }
            tracing::info!(
                "Restarting in {}ms, exit code will be logged",
                self.config.restart_throttle.as_millis()
            );
            tokio::select! {
                _ = cx.shutdown.cancelled() => return Ok(()),
                _ = tokio::time::sleep(self.config.restart_throttle) => {}
            }
        }
    }

    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch_size)
    }

    fn metrics(&self) -> Option<Arc<dyn MetricSource>> {
        Some(Arc::clone(&self.counter) as Arc<dyn MetricSource>)
    }
}

impl ExecSource {
    async fn run_once(&mut self, cx: &SourceContext) -> RunEnd {
        let argv = self.config.argv();
        let Some((program, args)) = argv.split_first() else {
            tracing::error!(source = %self.name, "Failed while running command: empty command");
            return RunEnd::Exited;
        };
        let mut child = match Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(error) => {
                tracing::error!(source = %self.name, command = %self.config.command, %error, "Failed while running command");
                return RunEnd::Exited;
            }
        };
        if let Some(stderr) = child.stderr.take() {
            let log = self.config.log_stderr;
            let charset = self.config.charset;
            tokio::spawn(async move {
                let mut n = 0u64;
                let _ = for_each_line(stderr, |line| {
                    n += 1;
                    if log {
                        let (text, _) = charset.decode_without_bom_handling(&line);
                        tracing::info!("StderrLogger[{n}] = '{text}'");
                    }
                    true
                })
                .await;
            });
        }
        let Some(stdout) = child.stdout.take() else {
            return RunEnd::Exited;
        };

        let mut batch: Vec<Event> = Vec::with_capacity(self.config.batch_size);
        let mut last_flush = tokio::time::Instant::now();
        let mut reader = LineReader::new(stdout);
        let mut ticker = tokio::time::interval(self.config.batch_timeout);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let end = loop {
            tokio::select! {
                _ = cx.shutdown.cancelled() => {
                    let _ = self.flush(cx, &mut batch).await;
                    break RunEnd::Shutdown;
                }
                _ = ticker.tick() => {
                    if !batch.is_empty() && last_flush.elapsed() >= self.config.batch_timeout {
                        // A failed timer flush is logged and retried at the next flush.
                        if let Err(error) = self.flush(cx, &mut batch).await {
                            tracing::error!(source = %self.name, %error, "Exception occurred when processing event batch");
                        } else {
                            last_flush = tokio::time::Instant::now();
                        }
                    }
                }
                line = reader.next_line() => match line {
                    Ok(Some(line)) => {
                        self.counter.event_received.fetch_add(1, Ordering::Relaxed);
                        let (text, _) = self.config.charset.decode_without_bom_handling(&line);
                        let body = match self.config.charset.encode(&text) {
                            (bytes, _, _) => bytes.into_owned(),
                        };
                        batch.push(Event::new(body));
                        if batch.len() >= self.config.batch_size || last_flush.elapsed() >= self.config.batch_timeout {
                            if let Err(error) = self.flush(cx, &mut batch).await {
                                tracing::error!(source = %self.name, command = %self.config.command, %error, "Failed while running command");
                                break RunEnd::ChannelFailed;
                            }
                            last_flush = tokio::time::Instant::now();
                        }
                    }
                    Ok(None) => {
                        if let Err(error) = self.flush(cx, &mut batch).await {
                            tracing::error!(source = %self.name, %error, "Exception occurred when processing event batch");
                        }
                        break RunEnd::Exited;
                    }
                    Err(error) => {
                        tracing::error!(source = %self.name, command = %self.config.command, %error, "Failed while running command");
                        break RunEnd::Exited;
                    }
                }
            }
        };
        if end != RunEnd::Exited {
            let _ = child.start_kill();
        }
        match child.wait().await {
            Ok(status) => tracing::info!(
                "Command [{}] exited with {}",
                self.config.command,
                status.code().unwrap_or(-1)
            ),
            Err(error) => tracing::warn!(%error, "could not read the command's exit status"),
        }
        end
    }

    async fn flush(&self, cx: &SourceContext, batch: &mut Vec<Event>) -> Result<(), SourceError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Lines are counted as received when read.
        let counting = Counting::EVENTS.not_received();
        cx.deliver(&self.counter, counting, std::mem::take(batch))
            .await
            .map_err(Into::into)
    }
}

/// Java `BufferedReader.readLine` over bytes: lines end at `\n`, `\r` or `\r\n`, terminators
/// removed; a last line without a terminator is returned at EOF.
pub struct LineReader<R> {
    inner: BufReader<R>,
    /// A `\r` ended the previous line: skip a `\n` that follows it.
    skip_lf: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner: BufReader::new(inner),
            skip_lf: false,
        }
    }

    pub async fn next_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                return Ok(if line.is_empty() { None } else { Some(line) });
            }
            let mut start = 0;
            if self.skip_lf {
                self.skip_lf = false;
                if buf[0] == b'\n' {
                    start = 1;
                }
            }
            match buf[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    let end = start + i;
                    line.extend_from_slice(&buf[start..end]);
                    self.skip_lf = buf[end] == b'\r';
                    self.inner.consume(end + 1);
                    return Ok(Some(line));
                }
                None => {
                    line.extend_from_slice(&buf[start..]);
                    let len = buf.len();
                    self.inner.consume(len);
                }
            }
        }
    }
}

async fn for_each_line<R: AsyncRead + Unpin>(
    r: R,
    mut f: impl FnMut(Vec<u8>) -> bool,
) -> std::io::Result<()> {
    let mut reader = LineReader::new(r);
    while let Some(line) = reader.next_line().await? {
        if !f(line) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_splits_like_flume() {
        let ctx = Context::from_pairs("a.sources.r.", [("command", "printf 'a\\nb\\n'")]);
        assert_eq!(
            ExecConfig::from_context(&ctx).unwrap().argv(),
            ["printf", "'a\\nb\\n'"]
        );
        let ctx = Context::from_pairs(
            "a.sources.r.",
            [
                ("command", "tail -F /x | grep y"),
                ("shell", "/bin/bash  -c"),
            ],
        );
        assert_eq!(
            ExecConfig::from_context(&ctx).unwrap().argv(),
            ["/bin/bash", "-c", "tail -F /x | grep y"]
        );
    }

    #[tokio::test]
    async fn read_line_terminators() {
        let data: &[u8] = b"a\r\nb\rc\n\nd";
        let mut r = LineReader::new(data);
        let mut lines = Vec::new();
        while let Some(l) = r.next_line().await.unwrap() {
            lines.push(String::from_utf8(l).unwrap());
        }
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
    }
}
