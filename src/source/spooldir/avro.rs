//! The spooling directory's `AVRO` deserializer (`AvroEventDeserializer`): one event per record
//! of an Avro container file, the body being the record's binary datum as Java's
//! `GenericDatumWriter` re-encodes it (arrays and maps as one block), with header
//! `flume.avro.schema.hash` (CRC-64-AVRO fingerprint of the schema's canonical form, hex) or
//! `flume.avro.schema.literal` (the schema text).
//!
//! The mark is the sync marker before the block holding the next unread record, as Java's
//! `previousSync() - 16`: after a failed put or a restart the whole block is read again
//! (Flume's at-least-once window for this deserializer).

use std::collections::HashMap;
use std::str::FromStr;

use apache_avro::Schema;
use apache_avro::schema::{InnerDecimalSchema, Name, ResolvedSchema, UuidSchema};
use bytes::Bytes;

use super::deserializer::{Deserializer, DeserializerError, ResettableFile};
use super::tracker::read_long;
use crate::event::{Event, Headers};

pub const HEADER_HASH: &str = "flume.avro.schema.hash";
pub const HEADER_LITERAL: &str = "flume.avro.schema.literal";
const MAGIC: &[u8; 4] = b"Obj\x01";

pub struct AvroDeserializer {
    file: ResettableFile,
    schema: Schema,
    names: HashMap<Name, Schema>,
    sync: [u8; 16],
    codec: apache_avro::Codec,
    header: (&'static str, String),
    block: Vec<u8>,
    block_pos: usize,
    block_remaining: u64,
    /// Java's `blockStart`: just after the sync marker that precedes the current block (or the
    /// next one, once the current block is used up).
    block_start: u64,
}

impl AvroDeserializer {
    pub fn open(
        mut file: ResettableFile,
        literal: bool,
    ) -> Result<AvroDeserializer, DeserializerError> {
        let start = file.tell();
        file.seek(0)?;
        let bad = |file: &ResettableFile, reason: String| DeserializerError::Avro {
            path: file.path().clone(),
            reason,
        };
        if file.read_bytes(4)? != MAGIC {
            return Err(bad(&file, "bad magic".into()));
        }
        let mut schema_text = None;
        let mut codec_name = "null".to_string();
        loop {
            let mut count = read_file_long(&mut file)?;
            if count == 0 {
                break;
            }
            if count < 0 {
                count = count
                    .checked_neg()
                    .ok_or_else(|| bad(&file, format!("bad metadata block count {count}")))?;
                read_file_long(&mut file)?;
            }
            for _ in 0..count {
                let key = read_file_bytes(&mut file)?;
                let value = read_file_bytes(&mut file)?;
                match key.as_slice() {
                    b"avro.schema" => {
                        schema_text = Some(String::from_utf8_lossy(&value).into_owned())
                    }
                    b"avro.codec" => codec_name = String::from_utf8_lossy(&value).into_owned(),
                    _ => {}
                }
            }
        }
        let sync: [u8; 16] = file
            .read_bytes(16)?
            .try_into()
            .map_err(|_| bad(&file, "no sync marker".into()))?;
        let schema_text = schema_text.ok_or_else(|| bad(&file, "no avro.schema".into()))?;
        let schema = Schema::parse_str(&schema_text).map_err(|e| bad(&file, e.to_string()))?;
        let names = ResolvedSchema::try_from(&schema)
            .map_err(|e| bad(&file, e.to_string()))?
            .get_names()
            .iter()
            .map(|(n, s)| (n.clone(), (*s).clone()))
            .collect();
        let codec = apache_avro::Codec::from_str(&codec_name)
            .map_err(|_| bad(&file, format!("unsupported codec {codec_name}")))?;
        let header = if literal {
            (HEADER_LITERAL, schema_text)
        } else {
            let fp = schema.fingerprint::<apache_avro::rabin::Rabin>();
            let hex: String = fp.bytes.iter().map(|b| format!("{b:02x}")).collect();
            (HEADER_HASH, hex)
        };
        let mut d = AvroDeserializer {
            file,
            schema,
            names,
            sync,
            codec,
            header,
            block: Vec::new(),
            block_pos: 0,
            block_remaining: 0,
            block_start: 0,
        };
        d.sync_to(start)?;
        Ok(d)
    }

    /// `DataFileReader.sync(pos)`: move to just after the first sync marker at or after `pos`
    /// (the end of the file if there is none).
    fn sync_to(&mut self, pos: u64) -> Result<(), DeserializerError> {
        self.file.seek(pos)?;
        self.block.clear();
        self.block_pos = 0;
        self.block_remaining = 0;
        loop {
            let avail = self.file.fill(16)?;
            if avail.len() < 16 {
                let n = avail.len();
                self.file.consume(n);
                self.block_start = self.file.tell();
                return Ok(());
            }
            if avail[..16] == self.sync {
                self.file.consume(16);
                self.block_start = self.file.tell();
                return Ok(());
            }
            match memchr::memchr(self.sync[0], &avail[1..]) {
                Some(i) => self.file.consume(i + 1),
                None => {
                    let n = avail.len() - 15;
                    self.file.consume(n);
                }
            }
        }
    }

    fn has_next(&mut self) -> Result<bool, DeserializerError> {
        if self.block_remaining > 0 {
            return Ok(true);
        }
        if self.file.fill(1)?.is_empty() {
            return Ok(false);
        }
        let bad = |file: &ResettableFile, reason: &str| DeserializerError::Avro {
            path: file.path().clone(),
            reason: reason.to_string(),
        };
        let count = read_file_long(&mut self.file)?;
        let size = read_file_long(&mut self.file)?;
        let (Ok(count), Ok(size)) = (u64::try_from(count), usize::try_from(size)) else {
            return Err(bad(&self.file, "negative block count or size"));
        };
        let left = remaining(&self.file)?;
        if size as u64 > left {
            return Err(bad(
                &self.file,
                &format!("block of {size} bytes runs past the end of the file ({left} bytes left)"),
            ));
        }
        // Every record takes at least one byte unless its schema is empty; a count far beyond
        // the block's size would only make events out of nothing.
        if count > size as u64 && count > MAX_EMPTY_ITEMS {
            return Err(bad(
                &self.file,
                &format!("block claims {count} records in {size} bytes"),
            ));
        }
        let mut data = self.file.read_bytes(size)?;
        if data.len() != size {
            return Err(bad(&self.file, "truncated block"));
        }
        if self.file.read_bytes(16)? != self.sync {
            return Err(bad(&self.file, "Invalid sync!"));
        }
        check_snappy_length(self.codec, &data).map_err(|reason| bad(&self.file, &reason))?;
        self.codec
            .decompress(&mut data)
            .map_err(|e| bad(&self.file, &e.to_string()))?;
        self.block = data;
        self.block_pos = 0;
        self.block_remaining = count;
        if count == 0 {
            self.block_start = self.file.tell();
            return self.has_next();
        }
        Ok(true)
    }

    fn read_record(&mut self) -> Result<Event, DeserializerError> {
        let mut out = Vec::new();
        let mut pos = self.block_pos;
        transcode(&self.schema, &self.names, &self.block, &mut pos, &mut out).map_err(
            |reason| DeserializerError::Avro {
                path: self.file.path().clone(),
                reason,
            },
        )?;
        self.block_pos = pos;
        self.block_remaining -= 1;
        if self.block_remaining == 0 {
            // Java's blockFinished(): the next block starts where the stream is now.
            self.block_start = self.file.tell();
        }
        let mut headers = Headers::new();
        headers.insert(self.header.0.to_string(), self.header.1.clone());
        Ok(Event::with_headers(headers, Bytes::from(out)))
    }
}

impl Deserializer for AvroDeserializer {
    fn read_events(&mut self, n: usize) -> Result<Vec<Event>, DeserializerError> {
        let mut events = Vec::new();
        while events.len() < n && self.has_next()? {
            events.push(self.read_record()?);
        }
        Ok(events)
    }

    fn mark(&mut self) -> Result<(), DeserializerError> {
        let pos = self.block_start.saturating_sub(16);
        self.file.mark_position(pos)
    }

    fn reset(&mut self) -> Result<(), DeserializerError> {
        let pos = self.file.mark_value();
        self.sync_to(pos)
    }
}

fn read_file_long(file: &mut ResettableFile) -> Result<i64, DeserializerError> {
    let avail = file.fill(10)?;
    let mut pos = 0;
    let v = read_long(avail, &mut pos).ok_or_else(|| DeserializerError::Avro {
        path: file.path().clone(),
        reason: "truncated varint".into(),
    })?;
    file.consume(pos);
    Ok(v)
}

/// Bytes between the read position and the end of the file: no length read from the file may
/// ask for more.
fn remaining(file: &ResettableFile) -> Result<u64, DeserializerError> {
    Ok(file.length()?.saturating_sub(file.tell()))
}

fn read_file_bytes(file: &mut ResettableFile) -> Result<Vec<u8>, DeserializerError> {
    let len = read_file_long(file)?;
    let len = usize::try_from(len).map_err(|_| DeserializerError::Avro {
        path: file.path().clone(),
        reason: "negative length".into(),
    })?;
    let left = remaining(file)?;
    if len as u64 > left {
        return Err(DeserializerError::Avro {
            path: file.path().clone(),
            reason: format!(
                "metadata length {len} runs past the end of the file ({left} bytes left)"
            ),
        });
    }
    let b = file.read_bytes(len)?;
    if b.len() != len {
        return Err(DeserializerError::Avro {
            path: file.path().clone(),
            reason: "truncated metadata".into(),
        });
    }
    Ok(b)
}

/// Items (records of a block, array or map entries) allowed beyond one per byte of data: only
/// items of an empty schema (`null`, a record without fields) take no bytes.
const MAX_EMPTY_ITEMS: u64 = 1 << 20;

/// A snappy block states its decompressed length up front; the decoder would allocate that
/// much at once. Snappy never expands more than 32 times (a 2-byte copy of 64 bytes), so a
/// larger claim is damage.
fn check_snappy_length(codec: apache_avro::Codec, data: &[u8]) -> Result<(), String> {
    if !matches!(codec, apache_avro::Codec::Snappy) {
        return Ok(());
    }
    let body = &data[..data.len().saturating_sub(4)];
    let mut claimed = 0u64;
    for (i, b) in body.iter().take(5).enumerate() {
        claimed |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            break;
        }
    }
    let bound = (body.len() as u64).saturating_mul(32).saturating_add(64);
    if claimed > bound {
        return Err(format!(
            "snappy block of {} bytes claims {claimed} bytes decompressed",
            body.len()
        ));
    }
    Ok(())
}

/// Every event of an Avro container file as the spooling source would read it (for fuzzing and
/// tests of this reader): the file is read through a scratch tracker in `scratch`, at most
/// `max_events` events.
pub fn read_file_events(
    path: &std::path::Path,
    scratch: &std::path::Path,
    max_events: usize,
) -> Result<Vec<Event>, DeserializerError> {
    let target = path.to_string_lossy().into_owned();
    let tracker = super::tracker::PositionTracker::open(&scratch.join("avro-read.meta"), &target)
        .map_err(|e| DeserializerError::Avro {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let file = ResettableFile::open(path.to_path_buf(), tracker)?;
    let mut d = AvroDeserializer::open(file, false)?;
    let mut out = Vec::new();
    while out.len() < max_events {
        let events = d.read_events(16)?;
        if events.is_empty() {
            break;
        }
        out.extend(events);
    }
    Ok(out)
}

fn zigzag_out(out: &mut Vec<u8>, v: i64) {
    super::tracker::write_long(out, v);
}

fn take<'a>(input: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let s = input
        .get(*pos..pos.checked_add(n).ok_or("length overflow")?)
        .ok_or("datum runs past its block")?;
    *pos += n;
    Ok(s)
}

fn long(input: &[u8], pos: &mut usize) -> Result<i64, String> {
    read_long(input, pos).ok_or_else(|| "bad varint".to_string())
}

fn length(input: &[u8], pos: &mut usize) -> Result<usize, String> {
    usize::try_from(long(input, pos)?).map_err(|_| "negative length".to_string())
}

/// Reads one datum of `schema` and writes it the way Java's `GenericDatumWriter` would.
fn transcode(
    schema: &Schema,
    names: &HashMap<Name, Schema>,
    input: &[u8],
    pos: &mut usize,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    match schema {
        Schema::Null => {}
        Schema::Boolean => {
            let b = take(input, pos, 1)?[0];
            out.push((b == 1) as u8);
        }
        Schema::Int
        | Schema::Long
        | Schema::Date
        | Schema::TimeMillis
        | Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => {
            let v = long(input, pos)?;
            zigzag_out(out, v);
        }
        Schema::Enum(_) => {
            let v = long(input, pos)?;
            zigzag_out(out, v);
        }
        Schema::Float => out.extend_from_slice(take(input, pos, 4)?),
        Schema::Double => out.extend_from_slice(take(input, pos, 8)?),
        Schema::Bytes
        | Schema::String
        | Schema::BigDecimal
        | Schema::Uuid(UuidSchema::String)
        | Schema::Uuid(UuidSchema::Bytes) => {
            let n = length(input, pos)?;
            zigzag_out(out, n as i64);
            out.extend_from_slice(take(input, pos, n)?);
        }
        Schema::Decimal(d) => match &d.inner {
            InnerDecimalSchema::Bytes => {
                let n = length(input, pos)?;
                zigzag_out(out, n as i64);
                out.extend_from_slice(take(input, pos, n)?);
            }
            InnerDecimalSchema::Fixed(f) => out.extend_from_slice(take(input, pos, f.size)?),
        },
        Schema::Fixed(f) | Schema::Duration(f) | Schema::Uuid(UuidSchema::Fixed(f)) => {
            out.extend_from_slice(take(input, pos, f.size)?)
        }
        Schema::Array(a) => {
            let mut items = Vec::new();
            let count = blocks(input, pos, |input, pos| {
                transcode(&a.items, names, input, pos, &mut items)
            })?;
            if count > 0 {
                zigzag_out(out, count as i64);
                out.extend_from_slice(&items);
            }
            out.push(0);
        }
        Schema::Map(m) => {
            let mut items = Vec::new();
            let count = blocks(input, pos, |input, pos| {
                let n = length(input, pos)?;
                zigzag_out(&mut items, n as i64);
                items.extend_from_slice(take(input, pos, n)?);
                transcode(&m.types, names, input, pos, &mut items)
            })?;
            if count > 0 {
                zigzag_out(out, count as i64);
                out.extend_from_slice(&items);
            }
            out.push(0);
        }
        Schema::Union(u) => {
            let index = long(input, pos)?;
            let variant = usize::try_from(index)
                .ok()
                .and_then(|i| u.variants().get(i))
                .ok_or_else(|| format!("union index {index} out of range"))?;
            zigzag_out(out, index);
            transcode(variant, names, input, pos, out)?;
        }
        Schema::Record(r) => {
            for field in &r.fields {
                transcode(&field.schema, names, input, pos, out)?;
            }
        }
        Schema::Ref { name } => {
            let target = names
                .get(name)
                .or_else(|| {
                    names
                        .iter()
                        .find(|(n, _)| n.name() == name.name())
                        .map(|(_, s)| s)
                })
                .ok_or_else(|| format!("unknown type {name}"))?;
            transcode(target, names, input, pos, out)?;
        }
    }
    Ok(())
}

/// Avro array/map blocks: calls `item` for every item, returns the item count.
fn blocks(
    input: &[u8],
    pos: &mut usize,
    mut item: impl FnMut(&[u8], &mut usize) -> Result<(), String>,
) -> Result<u64, String> {
    let mut total = 0u64;
    loop {
        let mut count = long(input, pos)?;
        if count == 0 {
            return Ok(total);
        }
        if count < 0 {
            count = count.checked_neg().ok_or("bad block count")?;
            long(input, pos)?;
        }
        let left = input.len().saturating_sub(*pos) as u64;
        if count as u64 > left && count as u64 > MAX_EMPTY_ITEMS {
            return Err(format!("block claims {count} items in {left} bytes"));
        }
        for _ in 0..count {
            item(input, pos)?;
        }
        total += count as u64;
    }
}
