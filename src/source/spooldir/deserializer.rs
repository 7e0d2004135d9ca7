//! What turns a spooled file into events: Flume's `ResettableFileInputStream` (a buffered file
//! with a durable mark) and the `LINE`, `AVRO` and `BlobDeserializer` deserializers, each with
//! `mark()` (the position is stored in the tracker after a channel commit) and `reset()` (go
//! back to the last mark after a failed put).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};

use super::tracker::{PositionTracker, TrackerError};
use crate::config::{ConfigError, Context};
use crate::event::{Event, Headers};
use crate::java::charset::{DecodeErrorPolicy, JavaCharset, Step};
use crate::registry::{self, Prefix, Prop, PropTable, Type};

#[derive(Debug, thiserror::Error)]
pub enum DeserializerError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// `decodeErrorPolicy = FAIL` met bad input (fatal for the source, as in Flume).
    #[error("{path}: {error} at byte {offset}")]
    Malformed {
        path: PathBuf,
        offset: u64,
        error: crate::java::charset::Malformed,
    },
    #[error("{path}: not a valid Avro container: {reason}")]
    Avro { path: PathBuf, reason: String },
}

const BUFFER: usize = 64 * 1024;

/// A file read through a buffer, with an absolute position, a mark stored durably in the
/// tracker, and reset to the mark. The buffer is shared: event bodies are slices of it, so a
/// line is not copied on its way to the channel.
pub struct ResettableFile {
    path: PathBuf,
    file: File,
    buf: Bytes,
    /// File offset of `buf[0]`.
    buf_pos: u64,
    cursor: usize,
    eof: bool,
    tracker: PositionTracker,
}

impl ResettableFile {
    /// Opens `path` at the tracker's position.
    pub fn open(
        path: PathBuf,
        tracker: PositionTracker,
    ) -> Result<ResettableFile, DeserializerError> {
        let file = File::open(&path).map_err(|source| DeserializerError::Io {
            path: path.clone(),
            source,
        })?;
        let mut r = ResettableFile {
            path,
            file,
            buf: Bytes::new(),
            buf_pos: 0,
            cursor: 0,
            eof: false,
            tracker,
        };
        let start = r.tracker.position();
        r.seek(start)?;
        Ok(r)
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    fn io(&self, source: io::Error) -> DeserializerError {
        DeserializerError::Io {
            path: self.path.clone(),
            source,
        }
    }

    pub fn tell(&self) -> u64 {
        self.buf_pos + self.cursor as u64
    }

    pub fn seek(&mut self, pos: u64) -> Result<(), DeserializerError> {
        let end = self.buf_pos + self.buf.len() as u64;
        if pos >= self.buf_pos && pos <= end {
            self.cursor = (pos - self.buf_pos) as usize;
            if pos < end {
                self.eof = false;
            }
            return Ok(());
        }
        self.file
            .seek(SeekFrom::Start(pos))
            .map_err(|e| self.io(e))?;
        self.buf.clear();
        self.buf_pos = pos;
        self.cursor = 0;
        self.eof = false;
        Ok(())
    }

    /// The unread bytes in the buffer, reading more until there are at least `want` of them or
    /// the file ends. Empty means end of file.
    pub fn fill(&mut self, want: usize) -> Result<&[u8], DeserializerError> {
        if self.buf.len() - self.cursor < want && !self.eof {
            // A fresh buffer with what is left unread, then as much as the file gives. The old
            // buffer lives on in the events that still point into it.
            let left = &self.buf[self.cursor..];
            let mut next = BytesMut::with_capacity(BUFFER.max(want + left.len()));
            next.extend_from_slice(left);
            self.buf_pos += self.cursor as u64;
            self.cursor = 0;
            while next.len() < want && !self.eof {
                let old = next.len();
                let room = next.capacity() - old;
                next.resize(old + room.max(BUFFER / 4), 0);
                let n = loop {
                    match self.file.read(&mut next[old..]) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            next.truncate(old);
                            self.buf = next.freeze();
                            return Err(self.io(e));
                        }
                    }
                };
                next.truncate(old + n);
                if n == 0 {
                    self.eof = true;
                }
            }
            self.buf = next.freeze();
        }
        Ok(&self.buf[self.cursor..])
    }

    /// The next `len` unread bytes as a shared slice (no copy); does not consume them.
    pub fn slice(&self, len: usize) -> Bytes {
        let end = (self.cursor + len).min(self.buf.len());
        self.buf.slice(self.cursor..end)
    }

    pub fn consume(&mut self, n: usize) {
        self.cursor = (self.cursor + n).min(self.buf.len());
    }

    /// Exactly `n` bytes (fewer only at end of file).
    /// `n` comes from the file itself in some formats: never more than the file still holds
    /// is asked for (and allocated).
    pub fn read_bytes(&mut self, n: usize) -> Result<Vec<u8>, DeserializerError> {
        let buffered = self.buf.len() - self.cursor;
        let n = if n > buffered {
            let left = self.length()?.saturating_sub(self.tell());
            n.min(usize::try_from(left).unwrap_or(usize::MAX))
        } else {
            n
        };
        let avail = self.fill(n)?;
        let take = avail.len().min(n);
        let out = avail[..take].to_vec();
        self.consume(take);
        Ok(out)
    }

    /// `mark()`: the current position, stored durably.
    pub fn mark(&mut self) -> Result<(), DeserializerError> {
        let pos = self.tell();
        self.mark_position(pos)
    }

    /// `RemoteMarkable.markPosition`: store a position other than the current one.
    pub fn mark_position(&mut self, pos: u64) -> Result<(), DeserializerError> {
        self.tracker.store(pos)?;
        Ok(())
    }

    pub fn mark_value(&self) -> u64 {
        self.tracker.position()
    }

    pub fn reset(&mut self) -> Result<(), DeserializerError> {
        let pos = self.tracker.position();
        self.seek(pos)
    }

    pub fn length(&self) -> Result<u64, DeserializerError> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| self.io(e))
    }
}

/// A deserializer as the spooling reader uses it.
pub trait Deserializer: Send {
    /// Up to `n` events; empty at the end of the file.
    fn read_events(&mut self, n: usize) -> Result<Vec<Event>, DeserializerError>;
    fn mark(&mut self) -> Result<(), DeserializerError>;
    fn reset(&mut self) -> Result<(), DeserializerError>;
}

/// Which deserializer `deserializer` names (`EventDeserializerType` or a class name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeserializerKind {
    Line {
        max_line_length: usize,
        output_charset: JavaCharset,
    },
    Avro {
        literal_schema: bool,
    },
    Blob {
        max_blob_length: usize,
    },
}

pub const DESERIALIZER: Prop = Prop::new(
    "deserializer",
    Type::Class,
    registry::Default::Str("LINE"),
    "turns a file into events: `LINE`, `AVRO` or a builder class",
);
pub const BUFFER_MAX_LINE_LENGTH: Prop = Prop::new(
    "bufferMaxLineLength",
    Type::Int,
    registry::Default::None,
    "older name of `deserializer.maxLineLength`, read for `LINE` only when set",
);
pub const BUFFER_MAX_LINES: Prop = Prop::new(
    "bufferMaxLines",
    Type::Int,
    registry::Default::None,
    "obsolete line buffer size",
)
.no_effect("Flume reads it and ignores it too");

/// The spooling directory source's keys that choose and configure its deserializer.
pub const SOURCE_PROPS: PropTable =
    PropTable::new(&[DESERIALIZER, BUFFER_MAX_LINE_LENGTH, BUFFER_MAX_LINES]).with_prefixes(&[
        Prefix::typed(
            "deserializer.",
            registry::Kind::Deserializer,
            Some("deserializer"),
            Some("LINE"),
            "the deserializer's keys",
        ),
    ]);

pub const MAX_LINE_LENGTH: Prop = Prop::int(
    "maxLineLength",
    2048,
    "longest line in characters; a longer one is split into several events",
);
pub const OUTPUT_CHARSET: Prop = Prop::string(
    "outputCharset",
    "UTF-8",
    "character set of the event bodies",
);
/// `LINE` keys.
pub const LINE_PROPS: PropTable = PropTable::new(&[MAX_LINE_LENGTH, OUTPUT_CHARSET]);

pub const SCHEMA_TYPE: Prop = Prop::new(
    "schemaType",
    Type::Enum(&["HASH", "LITERAL"]),
    registry::Default::Str("HASH"),
    "the schema header: its fingerprint (`flume.avro.schema.hash`) or its text",
);
/// `AVRO` keys.
pub const AVRO_PROPS: PropTable = PropTable::new(&[SCHEMA_TYPE]);

pub const MAX_BLOB_LENGTH: Prop = Prop::int(
    "maxBlobLength",
    100_000_000,
    "largest event in bytes; a longer file is cut into several events (> 0)",
);
/// `BlobDeserializer` keys.
pub const BLOB_PROPS: PropTable = PropTable::new(&[MAX_BLOB_LENGTH]);

/// The property table of a deserializer type, by registry name.
pub fn props(name: &str) -> Option<&'static PropTable> {
    match name {
        "LINE" => Some(&LINE_PROPS),
        "AVRO" => Some(&AVRO_PROPS),
        "org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder" => Some(&BLOB_PROPS),
        _ => None,
    }
}

impl DeserializerKind {
    /// `deserializer` and its `deserializer.*` keys (`ctx` is the source context).
    pub fn from_context(ctx: &Context) -> Result<DeserializerKind, ConfigError> {
        let name = ctx.get_string(&DESERIALIZER);
        let sub = ctx.sub("deserializer.");
        let upper = name.to_ascii_uppercase();
        let resolution = registry::resolve(registry::Kind::Deserializer, &name);
        let kind = resolution.row().map(registry::Row::name);
        if kind == Some("LINE") {
            // `bufferMaxLineLength`: the old name, honoured only for LINE.
            let legacy = ctx.int(BUFFER_MAX_LINE_LENGTH.name, -1)?;
            ctx.mark_read(BUFFER_MAX_LINES.name);
            let max = if legacy >= 0 && upper == "LINE" {
                legacy
            } else {
                sub.get_int(&MAX_LINE_LENGTH)?
            };
            let charset_name = sub.get_string(&OUTPUT_CHARSET);
            let output_charset = JavaCharset::for_name(&charset_name).ok_or_else(|| {
                sub.error(
                    "outputCharset",
                    format!("unsupported charset \"{charset_name}\""),
                )
            })?;
            return Ok(DeserializerKind::Line {
                max_line_length: usize::try_from(max).unwrap_or(0).max(1),
                output_charset,
            });
        }
        if kind == Some("AVRO") {
            let schema_type = sub.get_string(&SCHEMA_TYPE).to_ascii_uppercase();
            let literal_schema = match schema_type.as_str() {
                "HASH" => false,
                "LITERAL" => {
                    tracing::warn!(
                        "schemaType set to LITERAL, so storing full Avro schema in the header of each event, which may be inefficient. Consider using the hash of the schema instead of the literal schema."
                    );
                    true
                }
                other => {
                    return Err(sub.error(
                        "schemaType",
                        format!("expected HASH or LITERAL, got \"{other}\""),
                    ));
                }
            };
            return Ok(DeserializerKind::Avro { literal_schema });
        }
        if kind == Some("org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder") {
            let max = sub.get_int(&MAX_BLOB_LENGTH)?;
            if max <= 0 {
                return Err(sub.error("maxBlobLength", "maxBlobLength must be greater than zero"));
            }
            return Ok(DeserializerKind::Blob {
                max_blob_length: max as usize,
            });
        }
        Err(ctx.error(
            "deserializer",
            format!(
                "cannot load deserializer {name}: built-in deserializers are LINE, AVRO and org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder"
            ),
        ))
    }

    pub fn build(
        &self,
        file: ResettableFile,
        input_charset: &JavaCharset,
        policy: DecodeErrorPolicy,
    ) -> Result<Box<dyn Deserializer>, DeserializerError> {
        Ok(match self {
            DeserializerKind::Line {
                max_line_length,
                output_charset,
            } => Box::new(LineDeserializer {
                file,
                max_line_length: *max_line_length,
                input_charset: *input_charset,
                output_charset: *output_charset,
                policy,
                pending_low_surrogate: false,
            }),
            DeserializerKind::Avro { literal_schema } => {
                Box::new(super::avro::AvroDeserializer::open(file, *literal_schema)?)
            }
            DeserializerKind::Blob { max_blob_length } => Box::new(BlobDeserializer {
                file,
                max_blob_length: *max_blob_length,
            }),
        })
    }
}

/// `LineDeserializer`: lines end at `\n` only (a `\r` stays in the body); a line longer than
/// `maxLineLength` characters (UTF-16 units, as Java counts) is cut into several events; a line
/// of exactly `maxLineLength` characters leaves its `\n` unread, which then makes an extra empty
/// event (reference §18).
pub struct LineDeserializer {
    file: ResettableFile,
    max_line_length: usize,
    input_charset: JavaCharset,
    output_charset: JavaCharset,
    policy: DecodeErrorPolicy,
    /// A line was cut between the two halves of a surrogate pair: the next line starts with the
    /// low half (which Java's encoder turns into `?`).
    pending_low_surrogate: bool,
}

impl LineDeserializer {
    pub fn read_line(&mut self) -> Result<Option<Bytes>, DeserializerError> {
        let max = self.max_line_length;
        if !self.pending_low_surrogate && self.input_charset == JavaCharset::Utf8 {
            let avail = self.file.fill(max + 1)?;
            if avail.is_empty() {
                return Ok(None);
            }
            let window = &avail[..avail.len().min(max)];
            // Fast path: a complete, well-formed line shorter (in bytes, hence in characters)
            // than the limit.
            if let Some(nl) = memchr::memchr(b'\n', window)
                && simdutf8::basic::from_utf8(&window[..nl]).is_ok()
            {
                let line = &window[..nl];
                let body = if self.output_charset == JavaCharset::Utf8 {
                    self.file.slice(nl)
                } else {
                    let text = std::str::from_utf8(line).unwrap_or_default();
                    Bytes::from(self.output_charset.encode(text).into_owned())
                };
                self.file.consume(nl + 1);
                return Ok(Some(body));
            }
        }
        self.read_line_slow()
    }

    /// Character by character, as `LineDeserializer.readLine` over Java's decoder.
    fn read_line_slow(&mut self) -> Result<Option<Bytes>, DeserializerError> {
        let max = self.max_line_length;
        let mut text = String::new();
        let mut read_chars = 0usize;
        if self.pending_low_surrogate {
            self.pending_low_surrogate = false;
            text.push('?');
            read_chars += 1;
        }
        while read_chars < max {
            let width = self.input_charset.max_bytes_per_char();
            let offset = self.file.tell();
            let avail = self.file.fill(width)?;
            if avail.is_empty() {
                break;
            }
            if avail[0] == b'\n' {
                self.file.consume(1);
                read_chars += 1;
                break;
            }
            match self.input_charset.step(avail) {
                Step::Char { ch, len, units } => {
                    self.file.consume(len);
                    if units == 2 && read_chars + 1 == max {
                        // Java returns the high surrogate now and the low one with the next line.
                        text.push('?');
                        self.pending_low_surrogate = true;
                        read_chars += 1;
                    } else {
                        text.push(ch);
                        read_chars += units;
                    }
                }
                Step::Malformed { len } => {
                    match self.policy {
                        DecodeErrorPolicy::Fail => {
                            return Err(DeserializerError::Malformed {
                                path: self.file.path().clone(),
                                offset,
                                error: crate::java::charset::Malformed {
                                    offset: 0,
                                    length: len,
                                },
                            });
                        }
                        DecodeErrorPolicy::Replace => {
                            text.push('\u{fffd}');
                            read_chars += 1;
                        }
                        DecodeErrorPolicy::Ignore => {}
                    }
                    self.file.consume(len);
                }
            }
            if read_chars >= max {
                tracing::warn!("Line length exceeds max ({max}), truncating line!");
                break;
            }
        }
        if read_chars == 0 {
            return Ok(None);
        }
        Ok(Some(Bytes::from(
            self.output_charset.encode(&text).into_owned(),
        )))
    }
}

impl Deserializer for LineDeserializer {
    fn read_events(&mut self, n: usize) -> Result<Vec<Event>, DeserializerError> {
        let mut events = Vec::with_capacity(n.min(1024));
        while events.len() < n {
            match self.read_line()? {
                Some(body) => events.push(Event::new(body)),
                None => break,
            }
        }
        Ok(events)
    }

    fn mark(&mut self) -> Result<(), DeserializerError> {
        self.file.mark()
    }

    fn reset(&mut self) -> Result<(), DeserializerError> {
        self.pending_low_surrogate = false;
        self.file.reset()
    }
}

/// `BlobDeserializer`: the whole file (up to `maxBlobLength` bytes per event) as one event.
pub struct BlobDeserializer {
    file: ResettableFile,
    max_blob_length: usize,
}

impl Deserializer for BlobDeserializer {
    fn read_events(&mut self, n: usize) -> Result<Vec<Event>, DeserializerError> {
        let mut events = Vec::new();
        while events.len() < n {
            let blob = self.file.read_bytes(self.max_blob_length)?;
            if blob.is_empty() {
                break;
            }
            if blob.len() >= self.max_blob_length {
                tracing::warn!(
                    "File length exceeds maxBlobLength ({}), truncating BLOB event!",
                    self.max_blob_length
                );
            }
            events.push(Event::with_headers(Headers::new(), Bytes::from(blob)));
        }
        Ok(events)
    }

    fn mark(&mut self) -> Result<(), DeserializerError> {
        self.file.mark()
    }

    fn reset(&mut self) -> Result<(), DeserializerError> {
        self.file.reset()
    }
}
