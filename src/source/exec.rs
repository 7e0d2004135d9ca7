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
use crate::registry::{Prop, PropTable};

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

pub const COMMAND: Prop = Prop::text("command", "the command to run").required();
pub const SHELL: Prop = Prop::text(
    "shell",
    "shell that runs the command (`/bin/sh -c`); unset: the command split on white space",
);
pub const RESTART: Prop = Prop::bool("restart", false, "run the command again when it ends");
pub const RESTART_THROTTLE: Prop =
    Prop::long("restartThrottle", 10000, "milliseconds before a restart");
pub const LOG_STD_ERR: Prop =
    Prop::bool("logStdErr", false, "log what the command prints on stderr");
pub const BATCH_SIZE: Prop =
    Prop::int("batchSize", 20, "lines per channel transaction (> 0)").batch_size();
pub const BATCH_TIMEOUT: Prop = Prop::long(
    "batchTimeout",
    3000,
    "milliseconds after which an incomplete batch is put anyway",
);
pub const CHARSET: Prop = Prop::string("charset", "UTF-8", "character set of the command's output");
pub const PROPS: PropTable = PropTable::new(&[
    COMMAND,
    SHELL,
    RESTART,
    RESTART_THROTTLE,
    LOG_STD_ERR,
    BATCH_SIZE,
    BATCH_TIMEOUT,
    CHARSET,
]);

/// This type's entry in `source::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::source::Native = crate::source::Native {
    name: "exec",
    props: &PROPS,
    build: |name, ctx, _| {
        Ok(Box::new(ExecSource::from_context(name, ctx)?))
    },
};

impl ExecConfig {
    pub fn from_context(ctx: &Context) -> Result<Self, ConfigError> {
        let command = ctx.get_required(&COMMAND)?;
        let batch_size = ctx.get_int(&BATCH_SIZE)?;
        if batch_size <= 0 {
            return Err(ctx.error(BATCH_SIZE.name, "must be greater than 0"));
        }
        let charset_name = ctx.get_string(&CHARSET);
        let charset =
            encoding_rs::Encoding::for_label(charset_name.trim().as_bytes()).ok_or_else(|| {
                ctx.error(
                    CHARSET.name,
                    format!("unsupported character set \"{charset_name}\""),
                )
            })?;
        Ok(ExecConfig {
            command,
            shell: ctx.value(&SHELL).map(str::to_string),
            restart: ctx.get_bool(&RESTART),
            restart_throttle: Duration::from_millis(ctx.get_long(&RESTART_THROTTLE)?.max(0) as u64),
            log_stderr: ctx.get_bool(&LOG_STD_ERR),
            batch_size: batch_size as usize,
            batch_timeout: Duration::from_millis(ctx.get_long(&BATCH_TIMEOUT)?.max(1) as u64),
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
            // A full batch that the channel refused is kept and retried at every tick; no more
            // output is read meanwhile, so the command is held back by its pipe instead of
            // events being dropped.
            let blocked = batch.len() >= self.config.batch_size;
            tokio::select! {
                _ = cx.shutdown.cancelled() => {
                    self.flush_before_stop(cx, &mut batch).await;
                    break RunEnd::Shutdown;
                }
                _ = ticker.tick() => {
                    if !batch.is_empty() && (blocked || last_flush.elapsed() >= self.config.batch_timeout) {
                        // The batch stays in `batch` when the put fails and is retried at the
                        // next tick or flush.
                        if let Err(error) = self.flush(cx, &mut batch).await {
                            tracing::error!(source = %self.name, %error, "Exception occurred when processing event batch");
                        } else {
                            last_flush = tokio::time::Instant::now();
                        }
                    }
                }
                line = reader.next_line(), if !blocked => match line {
                    Ok(Some(line)) => {
                        self.counter.event_received.fetch_add(1, Ordering::Relaxed);
                        let (text, _) = self.config.charset.decode_without_bom_handling(&line);
                        let (bytes, _, _) = self.config.charset.encode(&text);
                        let body = bytes.into_owned();
                        batch.push(Event::new(body));
                        if batch.len() >= self.config.batch_size || last_flush.elapsed() >= self.config.batch_timeout {
                            if let Err(error) = self.flush(cx, &mut batch).await {
                                tracing::error!(source = %self.name, command = %self.config.command, %error, "Exception occurred when processing event batch; keeping it and retrying");
                            } else {
                                last_flush = tokio::time::Instant::now();
                            }
                        }
                    }
                    Ok(None) => {
                        // The command ended: its last lines are delivered before it is
                        // restarted or the source ends, however long the channel stays full.
                        loop {
                            match self.flush(cx, &mut batch).await {
                                Ok(()) => break,
                                Err(error) => {
                                    tracing::error!(source = %self.name, %error, "Exception occurred when processing event batch; keeping it and retrying");
                                }
                            }
                            tokio::select! {
                                _ = cx.shutdown.cancelled() => {
                                    self.flush_before_stop(cx, &mut batch).await;
                                    break;
                                }
                                _ = ticker.tick() => {}
                            }
                        }
                        break if cx.shutdown.is_cancelled() { RunEnd::Shutdown } else { RunEnd::Exited };
                    }
                    Err(error) => {
                        tracing::error!(source = %self.name, command = %self.config.command, %error, "Failed while running command");
                        self.flush_before_stop(cx, &mut batch).await;
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

    /// Put `batch` into the channels; it is emptied only when the put succeeded, so a failed
    /// put leaves every event in place for the next attempt.
    async fn flush(&self, cx: &SourceContext, batch: &mut Vec<Event>) -> Result<(), SourceError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Lines are counted as received when read; the batch is kept when the put fails.
        let counting = Counting::EVENTS.not_received();
        cx.deliver(&self.counter, counting, batch.clone()).await?;
        batch.clear();
        Ok(())
    }

    /// The last flush when the source stops: retried while the agent's stop allows (sinks are
    /// still draining the channels then); events still undelivered are reported, never dropped
    /// silently.
    async fn flush_before_stop(&self, cx: &SourceContext, batch: &mut Vec<Event>) {
        let deadline = tokio::time::Instant::now() + FINAL_FLUSH_TIME;
        loop {
            match self.flush(cx, batch).await {
                Ok(()) => return,
                Err(error) => {
                    if tokio::time::Instant::now() >= deadline {
                        tracing::error!(source = %self.name, %error, "{} events read from the command could not be put into the channel before stop; they are lost", batch.len());
                        batch.clear();
                        return;
                    }
                    tracing::error!(source = %self.name, %error, "Exception occurred when processing event batch at stop; retrying");
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// How long the flush at stop keeps retrying: less than the agent's stop deadline, so the
/// outcome is logged before the source task would be abandoned.
const FINAL_FLUSH_TIME: Duration = Duration::from_secs(15);

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

    use crate::channel::ChannelRef;
    use crate::channel::memory::MemoryChannel;
    use crate::interceptor::InterceptorChain;
    use tokio_util::sync::CancellationToken;

    fn full_channel_setup(
        command: &str,
        batch_size: &str,
    ) -> (ExecSource, SourceContext, ChannelRef) {
        let channel: ChannelRef = Arc::new(
            MemoryChannel::from_context(
                "c1",
                &Context::from_pairs(
                    "a.channels.c1.",
                    [
                        ("capacity", "10"),
                        ("transactionCapacity", "10"),
                        ("keep-alive", "0"),
                    ],
                ),
            )
            .unwrap(),
        );
        let selector = crate::selector::build(
            &Context::from_pairs("a.sources.r.selector.", [] as [(&str, &str); 0]),
            &["c1".to_string()],
        )
        .unwrap();
        let processor = Arc::new(crate::source::ChannelProcessor::new(
            vec![Arc::clone(&channel)],
            InterceptorChain::default(),
            selector,
        ));
        let source = ExecSource::from_context(
            "r",
            &Context::from_pairs(
                "a.sources.r.",
                [
                    ("command", command),
                    ("shell", "/bin/sh -c"),
                    ("batchSize", batch_size),
                    ("batchTimeout", "50"),
                ],
            ),
        )
        .unwrap();
        let cx = SourceContext {
            name: "r".into(),
            processor,
            shutdown: CancellationToken::new(),
        };
        (source, cx, channel)
    }

    async fn take_all(channel: &ChannelRef, into: &mut Vec<String>) {
        loop {
            let take = channel.take(3).await.unwrap();
            if take.events().is_empty() {
                return;
            }
            into.extend(
                take.events()
                    .iter()
                    .map(|e| String::from_utf8_lossy(&e.body).into_owned()),
            );
            take.commit().await.unwrap();
        }
    }

    /// The channel holds 10 events and nobody takes for a while: every batch put (size and
    /// timer flushes) fails for some time; every line must still arrive once, in order.
    #[tokio::test]
    async fn full_channel_loses_nothing() {
        let (mut source, cx, channel) = full_channel_setup("seq 1 200", "4");
        let cx = Arc::new(cx);
        let run = {
            let cx = Arc::clone(&cx);
            tokio::spawn(async move { source.run(&cx).await })
        };
        tokio::time::sleep(Duration::from_millis(800)).await;
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while got.len() < 200 && tokio::time::Instant::now() < deadline {
            take_all(&channel, &mut got).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let want: Vec<String> = (1..=200).map(|n| n.to_string()).collect();
        assert_eq!(got, want);
        cx.shutdown.cancel();
        run.await.unwrap().unwrap();
    }

    /// At stop the pending batch is retried while the channel is still drained.
    #[tokio::test]
    async fn final_flush_at_stop_is_retried() {
        let (mut source, cx, channel) =
            full_channel_setup("seq 1 10; sleep 0.3; seq 11 13; sleep 30", "100");
        let cx = Arc::new(cx);
        let run = {
            let cx = Arc::clone(&cx);
            tokio::spawn(async move { source.run(&cx).await })
        };
        // 10 lines fill the channel at a timer flush; 3 more wait in the batch.
        tokio::time::sleep(Duration::from_millis(800)).await;
        cx.shutdown.cancel();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while got.len() < 13 && tokio::time::Instant::now() < deadline {
            take_all(&channel, &mut got).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        run.await.unwrap().unwrap();
        take_all(&channel, &mut got).await;
        let want: Vec<String> = (1..=13).map(|n| n.to_string()).collect();
        assert_eq!(got, want);
    }
}
