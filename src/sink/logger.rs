//! `logger` sink (`LoggerSink`): one event per transaction, logged at INFO as
//! `Event: { headers:{…} body: <hex dump of the first 16 bytes> }` (reference §11.1, §18:
//! Flume ignores `maxBytesToLog` and always shows 16 bytes).

use async_trait::async_trait;

use super::{Sink, SinkError};
use crate::channel::ChannelRef;
use crate::component::Status;
use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::registry::{Prop, PropTable};

/// Bytes Flume's logger sink shows, whatever `maxBytesToLog` says.
const BYTES_TO_LOG: usize = 16;

pub const MAX_BYTES_TO_LOG: Prop = Prop::int("maxBytesToLog", 16, "body bytes shown per event")
    .no_effect("Flume 1.9 ignores it and always shows 16 bytes (reference §18); so does flume-rs");
pub const PROPS: PropTable = PropTable::new(&[MAX_BYTES_TO_LOG]);

/// This type's entry in `sink::native_types!`: registry name, property table, constructor.
pub const NATIVE: crate::sink::Native = crate::sink::Native {
    name: "logger",
    props: &PROPS,
    build: |name, ctx, channel, _| {
        Ok(Box::new(LoggerSink::from_context(name, ctx, channel)?))
    },
};

pub struct LoggerSink {
    name: String,
    channel: ChannelRef,
}

impl LoggerSink {
    pub fn from_context(
        name: &str,
        ctx: &Context,
        channel: ChannelRef,
    ) -> Result<Self, ConfigError> {
        // Accepted as valid configuration, but Flume never applies it (see §18).
        ctx.mark_read(MAX_BYTES_TO_LOG.name);
        Ok(LoggerSink {
            name: name.to_string(),
            channel,
        })
    }
}

/// The text after `Event: ` — Flume's `EventHelper.dumpEvent`.
pub fn dump_event(event: &Event) -> String {
    let headers = crate::java::hashmap_to_string(&event.headers);
    let body = &event.body[..event.body.len().min(BYTES_TO_LOG)];
    format!("{{ headers:{headers} body:{} }}", hex_dump(body))
}

/// commons-io `HexDump.dump` of at most one 16-byte row, without the offset column and the
/// line break: ` 61 62 …` padded to 16 columns, then the printable characters. Empty → "".
/// Written by hand: the exact commons-io layout is the output operators grep for.
fn hex_dump(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(1 + 16 * 3 + 16);
    out.push(' ');
    for i in 0..BYTES_TO_LOG {
        match bytes.get(i) {
            Some(&b) => {
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
                out.push(' ');
            }
            None => out.push_str("   "),
        }
    }
    for &b in bytes {
        out.push(if (0x20..0x7f).contains(&b) {
            b as char
        } else {
            '.'
        });
    }
    out
}

#[async_trait]
impl Sink for LoggerSink {
    fn name(&self) -> &str {
        &self.name
    }

    async fn process(&mut self) -> Result<Status, SinkError> {
        let take = self.channel.take(1).await?;
        let Some(event) = take.events().first() else {
            take.commit().await?;
            return Ok(Status::Backoff);
        };
        tracing::info!(target: "org.apache.flume.sink.LoggerSink", "Event: {}", dump_event(event));
        take.commit().await?;
        Ok(Status::Ready)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::Headers;
    use crate::vectors::{Case, Outcome};

    /// `serializers_and_readers.json`'s logger case: the line the logger sink writes.
    pub(crate) fn check_vector(case: &Case) -> Outcome {
        if !case.id.starts_with("logger-") {
            return Outcome::NotMine;
        }
        let input = case.input();
        let headers: Headers = crate::vectors::pairs(&input["headers"])
            .into_iter()
            .collect();
        let event = Event::with_headers(
            headers,
            input["body"].as_str().unwrap_or_default().to_string(),
        );
        Outcome::eq(
            format!("Event: {}", dump_event(&event)),
            case.expected()["log_line"]
                .as_str()
                .unwrap_or("?")
                .to_string(),
            "log line",
        )
    }

    #[test]
    fn matches_flume_lines() {
        assert_eq!(dump_event(&Event::new("")), "{ headers:{} body: }");
        let mut h = Headers::new();
        h.insert("k".into(), "v".into());
        assert_eq!(
            dump_event(&Event::with_headers(h, "abcdefghijklmnopqrst")),
            "{ headers:{k=v} body: 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 abcdefghijklmnop }"
        );
        let body: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x0d, 0x09, 0x41];
        assert_eq!(
            dump_event(&Event::new(body.to_vec())),
            "{ headers:{} body: 00 01 7F 80 FF FE 0A 0D 09 41                   .........A }"
        );
    }
}
