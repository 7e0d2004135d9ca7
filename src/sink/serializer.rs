//! Flume's event serializers (`org.apache.flume.serialization.EventSerializer`): how the
//! file_roll sink (`sink.serializer`) and the hdfs sink (`serializer`, DataStream and
//! CompressedStream) turn events into file bytes.
//!
//! * `text` (`BodyTextEventSerializer`): the body, then `\n` unless `appendNewline = false`.
//! * `header_and_text` (`HeaderAndBodyTextEventSerializer`): Java `HashMap.toString()` of the
//!   headers, one space, the body, then `\n` unless `appendNewline = false`.
//! * `avro_event` (`FlumeEventAvroEventSerializer`): an Avro object container file with Java's
//!   exact header (metadata `avro.schema`, `avro.codec` in Java `HashMap` order), one block per
//!   flush or per `syncIntervalBytes`, and the block codec `compressionCodec`.
//!
//! A serializer writes into whatever `std::io::Write` its owner hands it on each call, so one
//! type serves a buffered local file (file_roll) and an in-memory buffer that the hdfs sink
//! pushes to HDFS or S3 at each flush. One serializer instance belongs to one file: build a new
//! one (with [`SerializerFactory::create`]) for every file you open, as Flume does.
//!
//! The lifecycle mirrors Flume's: `after_create` on a new file (writes the Avro header),
//! `after_reopen` when appending to an existing file (only `text` and `header_and_text`
//! support it), `write` per event, `flush` at the end of every batch (ends the Avro block),
//! `before_close` before the file is closed.

use std::io::{self, Write};

use crate::config::{ConfigError, Context};
use crate::event::Event;
use crate::format::avro_event;
use crate::registry::{self, Prop, PropTable, Type};

pub const APPEND_NEWLINE: Prop = Prop::bool("appendNewline", true, "write `\\n` after each event");
/// `text` (`BodyTextEventSerializer`).
pub const TEXT_PROPS: PropTable = PropTable::new(&[APPEND_NEWLINE]);
/// `header_and_text` (`HeaderAndBodyTextEventSerializer`).
pub const HEADER_AND_TEXT_PROPS: PropTable = PropTable::new(&[APPEND_NEWLINE]);

/// `AvroEventSerializerConfigurationConstants.SYNC_INTERVAL_BYTES`.
pub const SYNC_INTERVAL_BYTES: Prop = Prop::int(
    "syncIntervalBytes",
    2_048_000,
    "bytes after which an Avro block ends (32 to 1073741824)",
);
pub const COMPRESSION_CODEC: Prop = Prop::string(
    "compressionCodec",
    "null",
    "Avro block codec (case-sensitive; an unknown name disables compression, as in Flume)",
)
.typed(Type::Enum(&["null", "deflate", "snappy", "bzip2"]));
/// `avro_event` (`FlumeEventAvroEventSerializer`).
pub const AVRO_EVENT_PROPS: PropTable = PropTable::new(&[SYNC_INTERVAL_BYTES, COMPRESSION_CODEC]);

/// The property table of a native serializer type, by registry name.
pub fn props(name: &str) -> Option<&'static PropTable> {
    match name {
        "text" => Some(&TEXT_PROPS),
        "header_and_text" => Some(&HEADER_AND_TEXT_PROPS),
        "avro_event" => Some(&AVRO_EVENT_PROPS),
        _ => None,
    }
}

/// One file's serializer.
pub trait EventSerializer: Send {
    /// A new, empty file was opened: write whatever starts it (the Avro container header).
    fn after_create(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// An existing file was reopened for append. Fails for formats that cannot be appended to
    /// (Flume's `UnsupportedOperationException`); check [`EventSerializer::supports_reopen`].
    fn after_reopen(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this serializer does not support reopening an existing file",
        ))
    }

    /// Serialize one event.
    fn write(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()>;

    /// End of a batch: write out anything held back (the Avro block in progress).
    fn flush(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// The file is about to be closed (called after a final `flush`).
    fn before_close(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// Whether [`EventSerializer::after_reopen`] works.
    fn supports_reopen(&self) -> bool;
}

/// Creates a Java serializer (an `EventSerializer$Builder` class, its `serializer.` keys) for a
/// new file. The plugin host installs it ([`install_java_serializers`]) when an agent is built,
/// so that the sinks do not depend on the host.
pub type JavaSerializers = fn(&str, &[(String, String)]) -> io::Result<Box<dyn EventSerializer>>;

static JAVA_SERIALIZERS: std::sync::OnceLock<JavaSerializers> = std::sync::OnceLock::new();

/// Install the plugin host's serializer factory (the first one installed stays).
pub fn install_java_serializers(create: JavaSerializers) {
    let _ = JAVA_SERIALIZERS.set(create);
}

/// The Avro schema `avro_event` writes (`FlumeEventAvroEventSerializer.SCHEMA`, as Java's
/// `Schema.toString()` prints it: record `Event`, no namespace).
pub const AVRO_EVENT_SCHEMA: &str = r#"{"type":"record","name":"Event","fields":[{"name":"headers","type":{"type":"map","values":"string"}},{"name":"body","type":"bytes"}]}"#;

/// Avro container block codecs (`CodecFactory.fromString`, case-sensitive names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvroCodec {
    Null,
    Deflate,
    Snappy,
    Bzip2,
}

impl AvroCodec {
    /// The value of the `avro.codec` metadata entry.
    pub fn name(self) -> &'static str {
        match self {
            AvroCodec::Null => "null",
            AvroCodec::Deflate => "deflate",
            AvroCodec::Snappy => "snappy",
            AvroCodec::Bzip2 => "bzip2",
        }
    }

    fn compress(self, block: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        match self {
            AvroCodec::Null => out.extend_from_slice(block),
            AvroCodec::Deflate => {
                // Java: `new Deflater(DEFAULT_COMPRESSION, nowrap = true)` — raw deflate.
                let mut enc = flate2::write::DeflateEncoder::new(out, flate2::Compression::new(6));
                enc.write_all(block)?;
                enc.finish()?;
            }
            AvroCodec::Snappy => {
                // Raw snappy followed by the CRC32 of the uncompressed block, big-endian.
                let compressed = snap::raw::Encoder::new()
                    .compress_vec(block)
                    .map_err(io::Error::other)?;
                out.extend_from_slice(&compressed);
                out.extend_from_slice(&crc32fast::hash(block).to_be_bytes());
            }
            AvroCodec::Bzip2 => {
                let mut enc = bzip2::write::BzEncoder::new(out, bzip2::Compression::best());
                enc.write_all(block)?;
                enc.finish()?;
            }
        }
        Ok(())
    }
}

/// What a serializer needs to be instantiated once per file: the parsed `serializer.*` keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerializerFactory {
    Text {
        append_newline: bool,
    },
    HeaderAndText {
        append_newline: bool,
    },
    AvroEvent {
        /// `None` when `compressionCodec` named no codec Flume knows: no `avro.codec` entry.
        codec: Option<AvroCodec>,
        sync_interval: usize,
    },
    /// A class neither a built-in type nor the plugin host resolves: creating fails.
    Unloadable {
        class: String,
    },
    /// A Java `EventSerializer$Builder` class, built for each file with its keys (the
    /// `serializer.` sub-context, prefix stripped).
    Java {
        class: String,
        context: Vec<(String, String)>,
    },
}

impl SerializerFactory {
    /// Resolve `type_name` (an alias in any case or a builder class name) and read its keys
    /// from `ctx`, the `serializer.` sub-context (`sink.serializer.` for file_roll).
    pub fn from_context(type_name: &str, ctx: &Context) -> Result<Self, ConfigError> {
        let resolution = registry::resolve(registry::Kind::Serializer, type_name);
        let Some(alias) = resolution.row().map(registry::Row::name) else {
            #[cfg(feature = "jvm")]
            if crate::plugin::is_class_name(type_name) {
                // Loaded on the Java classpath when a file is opened, as Flume does; a class
                // that is not there fails that opening and the events stay in the channel.
                return Ok(SerializerFactory::Java {
                    class: type_name.trim().to_string(),
                    context: ctx.pairs(),
                });
            }
            // Flume loads the class when a file is opened: the sink starts and every delivery
            // fails while the events stay in the channel (reference §18).
            return match crate::plugin::load(crate::plugin::ClassRole::Serializer, type_name) {
                Ok(hosted) => match hosted {},
                Err(missing) => {
                    tracing::warn!(
                        key = %type_error(ctx, String::new()).key,
                        "{}; the sink starts, but opening a file fails (\"Class not found\") and its events stay in the channel",
                        registry::unknown_type_message(registry::Kind::Serializer, type_name),
                    );
                    Ok(SerializerFactory::Unloadable {
                        class: missing.class,
                    })
                }
            };
        };
        Ok(match alias {
            "text" => SerializerFactory::Text {
                append_newline: ctx.get_bool(&APPEND_NEWLINE),
            },
            "header_and_text" => SerializerFactory::HeaderAndText {
                append_newline: ctx.get_bool(&APPEND_NEWLINE),
            },
            _ => {
                let sync_interval = ctx.get_int(&SYNC_INTERVAL_BYTES)?;
                // DataFileWriter.setSyncInterval's own bounds.
                if !(32..=(1 << 30)).contains(&sync_interval) {
                    return Err(ctx.error(
                        SYNC_INTERVAL_BYTES.name,
                        format!("expected a value between 32 and 1073741824, got {sync_interval}"),
                    ));
                }
                let codec_name = ctx.get_string(&COMPRESSION_CODEC);
                let codec = match codec_name.as_str() {
                    "null" => Some(AvroCodec::Null),
                    "deflate" => Some(AvroCodec::Deflate),
                    "snappy" => Some(AvroCodec::Snappy),
                    "bzip2" => Some(AvroCodec::Bzip2),
                    "xz" | "zstandard" => {
                        return Err(ctx.error(
                            COMPRESSION_CODEC.name,
                            format!(
                                "the Avro codec {codec_name} is not supported by this build \
                                 (supported: null, deflate, snappy, bzip2)"
                            ),
                        ));
                    }
                    other => {
                        tracing::warn!(
                            key = %ctx.full_key(COMPRESSION_CODEC.name),
                            "Unable to instantiate avro codec with name ({other}). Compression disabled."
                        );
                        None
                    }
                };
                SerializerFactory::AvroEvent {
                    codec,
                    sync_interval: sync_interval as usize,
                }
            }
        })
    }

    /// A fresh serializer for one file; fails for a class that cannot be loaded (Flume's
    /// `EventSerializerFactory` logs "Class not found" and the file's opening fails).
    pub fn create(&self) -> io::Result<Box<dyn EventSerializer>> {
        Ok(match *self {
            SerializerFactory::Text { append_newline } => {
                Box::new(BodyTextSerializer { append_newline })
            }
            SerializerFactory::HeaderAndText { append_newline } => {
                Box::new(HeaderAndTextSerializer { append_newline })
            }
            SerializerFactory::AvroEvent {
                codec,
                sync_interval,
            } => Box::new(AvroEventSerializer::new(
                codec,
                sync_interval,
                random_sync(),
            )),
            SerializerFactory::Java {
                ref class,
                ref context,
            } => match JAVA_SERIALIZERS.get() {
                Some(create) => create(class, context)?,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("Class not found: {class} (this build cannot run Java plugins)"),
                    ));
                }
            },
            SerializerFactory::Unloadable { ref class } => {
                tracing::error!("Class not found: {class}");
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("Class not found: {class} (java.lang.ClassNotFoundException)"),
                ));
            }
        })
    }

    /// Whether files written by this serializer can be reopened for append.
    pub fn supports_reopen(&self) -> bool {
        !matches!(self, SerializerFactory::AvroEvent { .. })
    }
}

/// Build one serializer: `type_name` as configured (`serializer` / `sink.serializer`), `ctx`
/// the `serializer.` sub-context.
pub fn build(type_name: &str, ctx: &Context) -> Result<Box<dyn EventSerializer>, ConfigError> {
    SerializerFactory::from_context(type_name, ctx)?
        .create()
        .map_err(|e| type_error(ctx, e.to_string()))
}

fn type_error(ctx: &Context, message: String) -> ConfigError {
    let key = ctx.full_key("");
    ConfigError {
        origin: None,
        key: key.trim_end_matches('.').to_string(),
        message,
    }
}

/// `BodyTextEventSerializer`.
#[derive(Debug)]
pub struct BodyTextSerializer {
    append_newline: bool,
}

impl EventSerializer for BodyTextSerializer {
    fn after_reopen(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn write(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&event.body)?;
        if self.append_newline {
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn supports_reopen(&self) -> bool {
        true
    }
}

/// `HeaderAndBodyTextEventSerializer`.
#[derive(Debug)]
pub struct HeaderAndTextSerializer {
    append_newline: bool,
}

impl EventSerializer for HeaderAndTextSerializer {
    fn after_reopen(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn write(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()> {
        let mut head = crate::java::hashmap_to_string(&event.headers);
        head.push(' ');
        out.write_all(head.as_bytes())?;
        out.write_all(&event.body)?;
        if self.append_newline {
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn supports_reopen(&self) -> bool {
        true
    }
}

/// `FlumeEventAvroEventSerializer` over Avro's `DataFileWriter`.
#[derive(Debug)]
pub struct AvroEventSerializer {
    codec: Option<AvroCodec>,
    sync_interval: usize,
    sync: [u8; 16],
    /// Encoded records of the block in progress.
    block: Vec<u8>,
    block_count: i64,
    /// Scratch space for the compressed block.
    compressed: Vec<u8>,
}

impl AvroEventSerializer {
    /// A serializer with a fixed sync marker (tests pin it to compare with Java's bytes).
    pub fn new(codec: Option<AvroCodec>, sync_interval: usize, sync: [u8; 16]) -> Self {
        AvroEventSerializer {
            codec,
            sync_interval,
            sync,
            block: Vec::new(),
            block_count: 0,
            compressed: Vec::new(),
        }
    }

    /// The container header: magic, metadata map (one block, in Java `HashMap` order), sync.
    fn header(&self) -> Vec<u8> {
        // DataFileWriter keeps its metadata in a default-sized HashMap: `avro.schema` (bucket 0)
        // iterates before `avro.codec` (bucket 4).
        let mut meta: Vec<(&str, &str)> = vec![("avro.schema", AVRO_EVENT_SCHEMA)];
        if let Some(codec) = self.codec {
            meta.push(("avro.codec", codec.name()));
        }
        let mut out = bytes::BytesMut::with_capacity(256);
        out.extend_from_slice(b"Obj\x01");
        avro_event::put_long(&mut out, meta.len() as i64);
        for (k, v) in meta {
            avro_event::put_bytes(&mut out, k.as_bytes());
            avro_event::put_bytes(&mut out, v.as_bytes());
        }
        avro_event::put_long(&mut out, 0);
        out.extend_from_slice(&self.sync);
        out.to_vec()
    }

    /// `DataFileWriter.writeBlock`: count, size, (compressed) records, sync marker.
    fn write_block(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.block_count == 0 {
            return Ok(());
        }
        self.compressed.clear();
        let codec = self.codec.unwrap_or(AvroCodec::Null);
        let data: &[u8] = if codec == AvroCodec::Null {
            &self.block
        } else {
            codec.compress(&self.block, &mut self.compressed)?;
            &self.compressed
        };
        let mut prefix = bytes::BytesMut::with_capacity(20);
        avro_event::put_long(&mut prefix, self.block_count);
        avro_event::put_long(&mut prefix, data.len() as i64);
        out.write_all(&prefix)?;
        out.write_all(data)?;
        out.write_all(&self.sync)?;
        self.block.clear();
        self.block_count = 0;
        Ok(())
    }
}

impl EventSerializer for AvroEventSerializer {
    fn after_create(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.header())
    }

    fn write(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()> {
        let mut datum =
            bytes::BytesMut::with_capacity(event.body.len() + 8 + event.headers.len() * 32);
        avro_event::encode_into(&mut datum, &event.headers, &event.body);
        self.block.extend_from_slice(&datum);
        self.block_count += 1;
        if self.block.len() >= self.sync_interval {
            self.write_block(out)?;
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.write_block(out)
    }

    fn supports_reopen(&self) -> bool {
        false
    }
}

/// A random 16-byte sync marker, as `DataFileWriter.generateSync` makes one per file.
fn random_sync() -> [u8; 16] {
    rand::random()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::Headers;
    use crate::vectors::{Case, Outcome};

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        Context::from_pairs("a1.sinks.k1.", pairs.iter().copied()).sub("serializer.")
    }

    /// Every key a native serializer reads is declared in its table, and every declared key
    /// is read.
    #[test]
    fn serializer_tables_declare_every_key_read() {
        let rows = registry::ROWS
            .iter()
            .filter(|r| r.kind == registry::Kind::Serializer && r.native);
        let mut checked = 0;
        for row in rows {
            let table = props(row.name())
                .unwrap_or_else(|| panic!("serializer {} has no property table", row.name()));
            let top = Context::from_pairs("a1.sinks.k1.", Vec::<(String, String)>::new());
            SerializerFactory::from_context(row.name(), &top.sub("serializer.")).unwrap();
            let asked: Vec<String> = top
                .asked()
                .into_iter()
                .filter_map(|k| k.strip_prefix("serializer.").map(str::to_string))
                .collect();
            for key in &asked {
                assert!(table.declares(key), "{}: reads {key}", row.name());
            }
            for prop in table.all() {
                assert!(
                    asked.contains(&prop.name.to_string()),
                    "{}: {}",
                    row.name(),
                    prop.name
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    fn run(ser: &mut dyn EventSerializer, events: &[Event]) -> Vec<u8> {
        let mut out = Vec::new();
        ser.after_create(&mut out).unwrap();
        for e in events {
            ser.write(e, &mut out).unwrap();
        }
        ser.flush(&mut out).unwrap();
        ser.before_close(&mut out).unwrap();
        out
    }

    fn fixtures() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compat-fixtures")
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The golden input sets (`known`, `odd`) as events, headers in insertion order.
    fn golden_events(set: &str) -> Vec<Event> {
        let text = std::fs::read_to_string(fixtures().join("golden/input_events.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v[set]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let headers: Headers = e["headers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                Event::with_headers(headers, unhex(e["body_hex"].as_str().unwrap()))
            })
            .collect()
    }

    /// The serializer cases of `serializers_and_readers.json`.
    pub(crate) fn check_vector(case: &Case) -> Outcome {
        let case = case.value;
        {
            let Some(kind) = case["serializer"].as_str() else {
                return Outcome::NotMine;
            };
            let id = case["id"].as_str().unwrap();
            let pairs: Vec<(String, String)> = case["config"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (format!("serializer.{k}"), v.as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let ctx = Context::from_pairs("a1.sinks.k1.", pairs).sub("serializer.");
            let factory = SerializerFactory::from_context(kind, &ctx).unwrap();
            let expected = &case["expected"];
            if let Some(output) = expected["output_text"].as_str() {
                let events: Vec<Event> = case["input"]["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let headers: Headers = e["headers_insertion_order"]
                            .as_array()
                            .map(|pairs| {
                                pairs
                                    .iter()
                                    .map(|p| {
                                        (
                                            p[0].as_str().unwrap().to_string(),
                                            p[1].as_str().unwrap().to_string(),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        Event::with_headers(headers, e["body"].as_str().unwrap().to_string())
                    })
                    .collect();
                let out = run(factory.create().unwrap().as_mut(), &events);
                assert_eq!(String::from_utf8(out).unwrap(), output, "case {id}");
            } else {
                // ser-avro-event-schema: the container header and the defaults.
                assert_eq!(
                    factory,
                    SerializerFactory::AvroEvent {
                        codec: Some(AvroCodec::Null),
                        sync_interval: expected["syncIntervalBytes_default"].as_u64().unwrap()
                            as usize
                    },
                    "case {id}"
                );
                let out = run(factory.create().unwrap().as_mut(), &[]);
                assert_eq!(
                    out[..4],
                    unhex(expected["container_magic_hex"].as_str().unwrap())[..]
                );
                let reader = apache_avro::Reader::new(&out[..]).unwrap();
                let meta = reader.user_metadata();
                assert!(meta.is_empty());
                assert_eq!(
                    reader.writer_schema().canonical_form(),
                    apache_avro::Schema::parse_str(
                        expected["meta"]["avro.schema"].as_str().unwrap()
                    )
                    .unwrap()
                    .canonical_form()
                );
                let header = String::from_utf8_lossy(&out);
                assert!(header.contains(expected["meta"]["avro.schema"].as_str().unwrap()));
            }
            Outcome::Pass
        }
    }

    #[test]
    fn text_serializers_match_java_golden() {
        let odd = golden_events("odd");
        for (kind, golden) in [
            ("TEXT", "file_roll_text_odd.bin"),
            ("header_and_text", "file_roll_header_and_text_odd.bin"),
        ] {
            let expected =
                std::fs::read(fixtures().join("golden/serializers").join(golden)).unwrap();
            let out = run(build(kind, &ctx(&[])).unwrap().as_mut(), &odd);
            assert_eq!(out, expected, "{kind}");
        }
    }

    #[test]
    fn avro_event_matches_java_golden() {
        for (set, golden) in [
            ("known", "file_roll_avro_event_known.avro"),
            ("odd", "file_roll_avro_event_odd.avro"),
            ("known", "hdfs_datastream_avro_event_known.avro"),
        ] {
            let expected =
                std::fs::read(fixtures().join("golden/avro-container").join(golden)).unwrap();
            // The only random bytes are the sync marker: take Java's, after the header.
            let header_len = AvroEventSerializer::new(Some(AvroCodec::Null), 32, [0; 16])
                .header()
                .len();
            let sync: [u8; 16] = expected[header_len - 16..header_len].try_into().unwrap();
            let mut ser = AvroEventSerializer::new(
                Some(AvroCodec::Null),
                SYNC_INTERVAL_BYTES.default_int() as usize,
                sync,
            );
            let out = run(&mut ser, &golden_events(set));
            assert_eq!(out, expected, "{golden}");
        }
    }

    #[test]
    fn avro_blocks_per_flush_and_sync_interval() {
        let events: Vec<Event> = (0..10).map(|i| Event::new(format!("event {i}"))).collect();
        let mut ser = AvroEventSerializer::new(Some(AvroCodec::Null), 32, [7; 16]);
        let mut out = Vec::new();
        ser.after_create(&mut out).unwrap();
        let header = out.len();
        // Each datum is 9 bytes: a block is written once 32 bytes are buffered (4 records).
        for e in &events[..5] {
            ser.write(e, &mut out).unwrap();
        }
        assert_eq!(out[header], 8, "first block holds 4 records");
        ser.flush(&mut out).unwrap();
        for e in &events[5..] {
            ser.write(e, &mut out).unwrap();
        }
        ser.flush(&mut out).unwrap();
        ser.flush(&mut out).unwrap(); // an empty flush writes nothing
        let reader = apache_avro::Reader::new(&out[..]).unwrap();
        let bodies: Vec<Vec<u8>> = reader
            .map(|r| match r.unwrap() {
                apache_avro::types::Value::Record(fields) => match &fields[1].1 {
                    apache_avro::types::Value::Bytes(b) => b.clone(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bodies.len(), 10);
        assert_eq!(bodies[9], b"event 9");
        // The header's sync marker, then one after each block (4, 1, 4 and 1 records).
        assert_eq!(out.windows(16).filter(|w| *w == [7; 16]).count(), 5);
    }

    #[test]
    fn avro_codecs_are_readable() {
        let events: Vec<Event> = (0..50)
            .map(|i| {
                let mut h = Headers::new();
                h.insert("n".into(), i.to_string());
                Event::with_headers(h, format!("body number {i} ").repeat(5))
            })
            .collect();
        for codec in ["null", "deflate", "snappy", "bzip2"] {
            let factory = SerializerFactory::from_context(
                "avro_event",
                &ctx(&[("serializer.compressionCodec", codec)]),
            )
            .unwrap();
            let out = run(factory.create().unwrap().as_mut(), &events);
            let reader = apache_avro::Reader::new(&out[..]).unwrap();
            assert_eq!(reader.count(), 50, "{codec}");
            let needle = format!("\u{14}avro.codec{}{codec}", (codec.len() * 2) as u8 as char);
            assert!(
                String::from_utf8_lossy(&out).contains(&needle),
                "{codec}: avro.codec entry"
            );
        }
    }

    #[test]
    fn unknown_avro_codec_disables_compression_without_codec_entry() {
        let factory = SerializerFactory::from_context(
            "avro_event",
            &ctx(&[("serializer.compressionCodec", "Snappy")]),
        )
        .unwrap();
        let out = run(factory.create().unwrap().as_mut(), &[Event::new("x")]);
        assert!(!String::from_utf8_lossy(&out).contains("avro.codec"));
        assert_eq!(out[4], 2, "one metadata entry");
        assert_eq!(apache_avro::Reader::new(&out[..]).unwrap().count(), 1);
    }

    #[test]
    fn type_names_and_errors() {
        let empty = ctx(&[]);
        for name in [
            "text",
            "TEXT",
            "Text",
            "org.apache.flume.serialization.BodyTextEventSerializer$Builder",
        ] {
            assert_eq!(
                SerializerFactory::from_context(name, &empty).unwrap(),
                SerializerFactory::Text {
                    append_newline: true
                }
            );
        }
        // An unknown name is a class Flume looks up when a file is opened.
        let unloadable = SerializerFactory::from_context("json", &empty).unwrap();
        let err = unloadable.create().err().unwrap();
        assert!(err.to_string().contains("Class not found: json"), "{err}");
        let err = SerializerFactory::from_context(
            "avro_event",
            &ctx(&[("serializer.syncIntervalBytes", "10")]),
        )
        .unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.serializer.syncIntervalBytes");
        assert!(
            !SerializerFactory::from_context("avro_event", &empty)
                .unwrap()
                .supports_reopen()
        );
        let mut avro = build("avro_event", &empty).unwrap();
        assert!(avro.after_reopen(&mut Vec::new()).is_err());
        let mut text = build("text", &ctx(&[("serializer.appendNewline", "false")])).unwrap();
        assert!(text.supports_reopen());
        let mut out = Vec::new();
        text.after_reopen(&mut out).unwrap();
        text.write(&Event::new("a"), &mut out).unwrap();
        assert_eq!(out, b"a");
    }
}
