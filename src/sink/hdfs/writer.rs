//! The three `hdfs.fileType` writers (Flume's `HDFSDataStream`, `HDFSCompressedDataStream`,
//! `HDFSSequenceFile`), producing a file's bytes in memory; the bucket writer pushes them to
//! storage at each flush.
//!
//! * DataStream: the event serializer writes straight into the file.
//! * CompressedStream: the serializer writes into the codec stream; every `sync` finishes the
//!   compressed member, so each flushed batch is complete on its own.
//! * SequenceFile: key = the `timestamp` header (or now), value = the body; `sync` writes a
//!   sync marker (or the BLOCK).

use std::io::{self, Write};

use super::config::{FileType, HdfsSinkConfig};
use crate::event::Event;
use crate::format::codec::CompressionStream;
use crate::format::sequence_file::{SequenceFileWriter, ValueClass};
use crate::sink::serializer::EventSerializer;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Flume's `IOException("File type X not supported")`: the batch is retried.
    #[error("File type {0} not supported")]
    UnsupportedFileType(String),
    /// `hdfs.writeFormat` names no serializer: Flume's NullPointerException at open.
    #[error(
        "hdfs.writeFormat \"{0}\" is not a SequenceFile serializer (Writable or Text, \
         case-sensitive)"
    )]
    BadWriteFormat(String),
    /// An event the format cannot take (e.g. an unparsable `timestamp` for the SequenceFile key).
    #[error("{0}")]
    BadEvent(String),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// One open file's encoder.
pub trait FileFormat: Send {
    fn append(&mut self, event: &Event) -> Result<(), FormatError>;

    /// Flume's `HDFSWriter.sync()` (minus the hflush, which the caller does).
    fn sync(&mut self) -> Result<(), FormatError>;

    /// Last bytes of the file (`HDFSWriter.close()` minus the stream close).
    fn close(&mut self) -> Result<(), FormatError>;

    /// Bytes produced and not yet taken.
    fn take_output(&mut self) -> Vec<u8>;

    /// Size of what [`FileFormat::take_output`] would return.
    fn output_len(&self) -> usize;
}

/// A new file's encoder for the sink's `hdfs.fileType`.
pub fn open(config: &HdfsSinkConfig) -> Result<Box<dyn FileFormat>, FormatError> {
    match &config.file_type {
        FileType::DataStream => {
            let mut serializer = config.serializer.create()?;
            let mut out = Vec::new();
            serializer.after_create(&mut out)?;
            Ok(Box::new(DataStream { serializer, out }))
        }
        FileType::CompressedStream => {
            let codec = config
                .codec
                .ok_or_else(|| FormatError::UnsupportedFileType("CompressedStream".into()))?;
            let mut serializer = config.serializer.create()?;
            let mut stream = codec.stream();
            serializer.after_create(&mut StreamWriter(&mut stream))?;
            Ok(Box::new(CompressedStream {
                serializer,
                stream,
                finished: false,
            }))
        }
        FileType::SequenceFile => {
            let value_class = config
                .write_format
                .clone()
                .map_err(FormatError::BadWriteFormat)?;
            Ok(Box::new(SequenceFile {
                writer: SequenceFileWriter::with_random_sync(
                    value_class,
                    config.sequence_file_codec(),
                ),
            }))
        }
        FileType::Unsupported(name) => Err(FormatError::UnsupportedFileType(name.clone())),
    }
}

struct DataStream {
    serializer: Box<dyn EventSerializer>,
    out: Vec<u8>,
}

impl FileFormat for DataStream {
    fn append(&mut self, event: &Event) -> Result<(), FormatError> {
        self.serializer.write(event, &mut self.out)?;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), FormatError> {
        self.serializer.flush(&mut self.out)?;
        Ok(())
    }

    fn close(&mut self) -> Result<(), FormatError> {
        self.serializer.flush(&mut self.out)?;
        self.serializer.before_close(&mut self.out)?;
        Ok(())
    }

    fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    fn output_len(&self) -> usize {
        self.out.len()
    }
}

/// Serializer writes → codec writes, one Hadoop `write()` per call.
struct StreamWriter<'a>(&'a mut CompressionStream);

impl Write for StreamWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct CompressedStream {
    serializer: Box<dyn EventSerializer>,
    stream: CompressionStream,
    finished: bool,
}

impl FileFormat for CompressedStream {
    fn append(&mut self, event: &Event) -> Result<(), FormatError> {
        // `resetState()` after a finish is implicit: the next write starts a new member.
        self.finished = false;
        self.serializer
            .write(event, &mut StreamWriter(&mut self.stream))?;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), FormatError> {
        self.serializer.flush(&mut StreamWriter(&mut self.stream))?;
        if !self.finished {
            self.stream.finish()?;
            self.finished = true;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), FormatError> {
        let mut w = StreamWriter(&mut self.stream);
        self.serializer.flush(&mut w)?;
        self.serializer.before_close(&mut w)?;
        if !self.finished {
            self.stream.finish()?;
            self.finished = true;
        }
        self.stream.close()?;
        Ok(())
    }

    fn take_output(&mut self) -> Vec<u8> {
        self.stream.take_output()
    }

    fn output_len(&self) -> usize {
        self.stream.output_len() + self.stream.buffered_input()
    }
}

struct SequenceFile {
    writer: SequenceFileWriter,
}

/// `HDFSWritableSerializer` / `HDFSTextSerializer` key: the `timestamp` header or now.
fn sequence_key(event: &Event) -> Result<i64, FormatError> {
    match event.header("timestamp") {
        None => Ok(crate::metrics::now_millis()),
        Some(ts) => {
            let digits = ts.strip_prefix(['+', '-']).unwrap_or(ts);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FormatError::BadEvent(format!(
                    "the timestamp header \"{ts}\" is not a number: it is the SequenceFile key"
                )));
            }
            ts.parse()
                .map_err(|_| FormatError::BadEvent(format!("timestamp \"{ts}\" is out of range")))
        }
    }
}

impl FileFormat for SequenceFile {
    fn append(&mut self, event: &Event) -> Result<(), FormatError> {
        let key = sequence_key(event)?;
        self.writer.append(key, &event.body)?;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), FormatError> {
        self.writer.sync()?;
        Ok(())
    }

    fn close(&mut self) -> Result<(), FormatError> {
        self.writer.close()?;
        Ok(())
    }

    fn take_output(&mut self) -> Vec<u8> {
        self.writer.take_output()
    }

    fn output_len(&self) -> usize {
        self.writer.output_len() + self.writer.buffered()
    }
}

/// The value class written for a config (for tests and logs).
pub fn value_class(config: &HdfsSinkConfig) -> Option<ValueClass> {
    config.write_format.clone().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Context;

    fn config(pairs: &[(&str, &str)]) -> HdfsSinkConfig {
        let mut all = vec![("hdfs.path", "/tmp/x")];
        all.extend_from_slice(pairs);
        HdfsSinkConfig::from_context(&Context::from_pairs("a1.sinks.k1.", all), Some("UTC"))
            .unwrap()
    }

    /// The golden `known` events (timestamp first, then host / level).
    fn known() -> Vec<Event> {
        [
            ("first event", Some(("host", "web01"))),
            ("second event", Some(("level", "WARN"))),
            ("third", None),
        ]
        .iter()
        .map(|(b, extra)| {
            let mut e = Event::new(b.to_string());
            e.headers.insert("timestamp".into(), "1700000000000".into());
            if let Some((k, v)) = extra {
                e.headers.insert(k.to_string(), v.to_string());
            }
            e
        })
        .collect()
    }

    fn golden(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("compat-fixtures/golden/hdfs")
                .join(name),
        )
        .unwrap()
    }

    /// One transaction per batch, as the golden agents z and g ran.
    fn write_file(config: &HdfsSinkConfig, batches: usize) -> Vec<u8> {
        let mut f = open(config).unwrap();
        let mut out = Vec::new();
        for _ in 0..batches {
            for e in known() {
                f.append(&e).unwrap();
            }
            f.sync().unwrap();
            out.extend(f.take_output());
        }
        f.close().unwrap();
        out.extend(f.take_output());
        out
    }

    #[test]
    fn streams_match_java_golden() {
        for (pairs, batches, name) in [
            (
                vec![("hdfs.fileType", "DataStream")],
                1,
                "datastream_text_known.txt",
            ),
            (
                vec![
                    ("hdfs.fileType", "CompressedStream"),
                    ("hdfs.codeC", "gzip"),
                ],
                3,
                "compressed_gzip_3batches.gz",
            ),
            (
                vec![
                    ("hdfs.fileType", "CompressedStream"),
                    ("hdfs.codeC", "bzip2"),
                ],
                3,
                "compressed_bzip2_3batches.bz2",
            ),
            (
                vec![
                    ("hdfs.fileType", "CompressedStream"),
                    ("hdfs.codeC", "snappy"),
                ],
                3,
                "compressed_snappy_3batches.snappy",
            ),
        ] {
            assert_eq!(write_file(&config(&pairs), batches), golden(name), "{name}");
        }
    }

    #[test]
    fn sequence_file_structure() {
        // The sync marker is random: compare everything else with Java's file.
        let expected = golden("sequencefile_writable_3batches.seq");
        let ours = write_file(&config(&[]), 3);
        assert_eq!(ours.len(), expected.len());
        let header = 4 + 34 + 35 + 2 + 4;
        let marker = &ours[header..header + 16];
        let java_marker = &expected[header..header + 16];
        let normalised: Vec<u8> = {
            let mut v = ours.clone();
            for i in 0..v.len().saturating_sub(15) {
                if &ours[i..i + 16] == marker {
                    v[i..i + 16].copy_from_slice(java_marker);
                }
            }
            v
        };
        assert_eq!(normalised, expected);
    }

    #[test]
    fn bad_settings_fail_at_open() {
        assert!(matches!(
            open(&config(&[("hdfs.fileType", "Parquet")])).err(),
            Some(FormatError::UnsupportedFileType(_))
        ));
        assert!(matches!(
            open(&config(&[("hdfs.writeFormat", "TEXT")])).err(),
            Some(FormatError::BadWriteFormat(_))
        ));
        let mut f = open(&config(&[])).unwrap();
        let mut e = Event::new("x");
        e.headers.insert("timestamp".into(), "12x".into());
        assert!(matches!(f.append(&e), Err(FormatError::BadEvent(_))));
    }

    #[test]
    fn avro_event_over_datastream_matches_java() {
        let expected =
            std::fs::read(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
                "compat-fixtures/golden/avro-container/hdfs_datastream_avro_event_known.avro",
            ))
            .unwrap();
        let c = config(&[
            ("hdfs.fileType", "DataStream"),
            ("serializer", "avro_event"),
        ]);
        let ours = write_file(&c, 1);
        assert_eq!(ours.len(), expected.len());
        // Header up to the sync marker, and the data block, are identical.
        let sync_at = ours.len() - 16;
        assert_eq!(ours[..0xa9], expected[..0xa9]);
        assert_eq!(ours[0xb9..sync_at], expected[0xb9..sync_at]);
    }
}
