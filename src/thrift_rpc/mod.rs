//! Flume's Thrift RPC (`flume-ng-sdk/src/main/thrift/flume.thrift`): the wire format the thrift
//! source serves and the thrift sink speaks.
//!
//! ```text
//! struct ThriftFlumeEvent { 1: required map<string,string> headers, 2: required binary body }
//! enum Status { OK, FAILED, ERROR, UNKNOWN }
//! service ThriftSourceProtocol {
//!   Status append(1: ThriftFlumeEvent event),
//!   Status appendBatch(1: list<ThriftFlumeEvent> events),
//! }
//! ```
//!
//! Every message travels in a frame (a 4-byte big-endian length, then the message), as
//! Flume's `TFastFramedTransport` on both ends; the message is in the compact (default) or
//! binary protocol.
//!
//! The protocol encodings are the `thrift` crate's (`TCompactInputProtocol`,
//! `TBinaryOutputProtocol`, …). That crate's transports and servers are synchronous, one
//! thread per connection; here the sockets are tokio's instead: frames are cut by
//! [`FrameDecoder`] (bounded: at most [`MAX_FRAME_BYTES`], Flume's `TFastFramedTransport`
//! limit) and each whole frame is decoded in memory by the crate's protocol, configured so that
//! no string or container may claim more than the frame holds. The two structs and the two
//! calls are written out here by hand (no Thrift compiler is needed to build), following
//! what the Thrift compiler generates for `flume.thrift`: unknown fields are skipped, missing
//! required fields are protocol errors.

pub mod client;

use bytes::{Buf, Bytes, BytesMut};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol,
    TFieldIdentifier, TInputProtocol, TListIdentifier, TMapIdentifier, TMessageIdentifier,
    TMessageType, TOutputProtocol, TStructIdentifier, TType,
};
use thrift::{ApplicationError, ApplicationErrorKind, TConfiguration};

use crate::event::{Event, Headers};

/// `TFastFramedTransport.DEFAULT_MAX_LENGTH` in libthrift 0.9.3 (Flume 1.9's): the largest
/// frame either side accepts.
pub const MAX_FRAME_BYTES: usize = 16_384_000;

pub const APPEND: &str = "append";
pub const APPEND_BATCH: &str = "appendBatch";

/// The `protocol` key: `compact` (Flume's default) or `binary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Compact,
    Binary,
}

impl Protocol {
    /// The class name Flume logs when it picks the protocol (`Using TCompactProtocol`).
    pub fn java_name(self) -> &'static str {
        match self {
            Protocol::Compact => "TCompactProtocol",
            Protocol::Binary => "TBinaryProtocol",
        }
    }
}

/// `org.apache.flume.thrift.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    Error,
    Unknown,
}

impl Status {
    pub fn value(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Error => 2,
            Status::Unknown => 3,
        }
    }

    pub fn from_value(v: i32) -> Option<Status> {
        Some(match v {
            0 => Status::Ok,
            1 => Status::Failed,
            2 => Status::Error,
            3 => Status::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Failed => "FAILED",
            Status::Error => "ERROR",
            Status::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThriftError {
    #[error(
        "Read an invalid frame size of {0}. Are you using TFramedTransport on the client side?"
    )]
    BadFrameSize(i32),
    #[error("Frame size ({size}) larger than max length ({max})!")]
    FrameTooLarge { size: usize, max: usize },
    /// The message could not be read at all (bad protocol header, truncated frame): the
    /// connection is closed, as libthrift closes it.
    #[error("{0}")]
    Malformed(String),
    /// The server answered with a `TApplicationException`.
    #[error("{kind:?}: {message}")]
    Remote {
        kind: ApplicationErrorKind,
        message: String,
    },
    #[error("{0}")]
    BadReply(String),
}

/// Cuts frames off a byte stream: 4-byte big-endian length, then that many bytes.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max: usize,
}

impl FrameDecoder {
    pub fn new(max: usize) -> Self {
        FrameDecoder { max }
    }

    /// The next whole frame, `None` if more bytes are needed. A length that is zero,
    /// negative or over the limit is an error at once, before anything is buffered for it.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Bytes>, ThriftError> {
        if buf.len() < 4 {
            return Ok(None);
        }
        let size = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if size <= 0 {
            return Err(ThriftError::BadFrameSize(size));
        }
        let size = size as usize;
        if size > self.max {
            return Err(ThriftError::FrameTooLarge {
                size,
                max: self.max,
            });
        }
        if buf.len() < 4 + size {
            buf.reserve(4 + size - buf.len());
            return Ok(None);
        }
        buf.advance(4);
        Ok(Some(buf.split_to(size).freeze()))
    }
}

/// Append `message` to `out` as one frame.
fn frame(message: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
}

/// Limits for decoding one frame of `len` bytes: nothing inside can be longer than the frame.
fn limits(len: usize) -> TConfiguration {
    TConfiguration::builder()
        .max_message_size(Some(MAX_FRAME_BYTES.max(len)))
        .max_frame_size(Some(MAX_FRAME_BYTES.max(len)))
        .max_string_size(Some(len))
        .max_container_size(Some(len))
        .build()
        .unwrap_or_default()
}

fn input(protocol: Protocol, frame: &[u8]) -> Box<dyn TInputProtocol + '_> {
    let config = limits(frame.len());
    match protocol {
        Protocol::Compact => Box::new(TCompactInputProtocol::with_config(frame, config)),
        // libthrift's `TBinaryProtocol.Factory()` reads both strict and old-style messages.
        Protocol::Binary => Box::new(TBinaryInputProtocol::with_config(frame, false, config)),
    }
}

fn output(protocol: Protocol, out: &mut Vec<u8>) -> Box<dyn TOutputProtocol + '_> {
    match protocol {
        Protocol::Compact => Box::new(TCompactOutputProtocol::new(out)),
        Protocol::Binary => Box::new(TBinaryOutputProtocol::new(out, true)),
    }
}

/// A call the source executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Append(Event),
    AppendBatch(Vec<Event>),
}

/// One decoded request frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Call {
        name: String,
        seq: i32,
        call: Call,
    },
    /// Answered with a `TApplicationException` (unknown method, unreadable arguments); the
    /// connection stays open.
    Refuse {
        name: String,
        seq: i32,
        kind: ApplicationErrorKind,
        message: String,
    },
}

/// Map the crate's errors: a protocol error inside the arguments is answered, anything else
/// (running off the end of the frame) closes the connection.
fn args_error(name: &str, seq: i32, e: thrift::Error) -> Result<Request, ThriftError> {
    match e {
        thrift::Error::Protocol(p) => Ok(Request::Refuse {
            name: name.to_string(),
            seq,
            kind: ApplicationErrorKind::ProtocolError,
            message: p.message,
        }),
        other => Err(ThriftError::Malformed(format!(
            "{name} call {seq}: {other}"
        ))),
    }
}

/// Decode one request frame, as `ThriftSourceProtocol.Processor` reads it.
pub fn read_request(protocol: Protocol, frame: &[u8]) -> Result<Request, ThriftError> {
    let mut i = input(protocol, frame);
    let message = i
        .read_message_begin()
        .map_err(|e| ThriftError::Malformed(format!("cannot read the message header: {e}")))?;
    let name = message.name;
    let seq = message.sequence_number;
    let parsed = match name.as_str() {
        APPEND => read_args(&mut *i, |i| read_event(i).map(Call::Append)),
        APPEND_BATCH => read_args(&mut *i, |i| read_events(i).map(Call::AppendBatch)),
        _ => {
            // libthrift skips the arguments, then answers UNKNOWN_METHOD.
            if let Err(e) = i.skip(TType::Struct) {
                return Err(ThriftError::Malformed(format!("{name} call {seq}: {e}")));
            }
            return Ok(Request::Refuse {
                message: format!("Invalid method name: '{name}'"),
                name,
                seq,
                kind: ApplicationErrorKind::UnknownMethod,
            });
        }
    };
    match parsed {
        Ok(Some(call)) => Ok(Request::Call { name, seq, call }),
        // Generated code leaves an absent argument null and the handler's NullPointerException
        // closes the connection.
        Ok(None) => Err(ThriftError::Malformed(format!(
            "{name} call {seq}: no argument"
        ))),
        Err(e) => args_error(&name, seq, e),
    }
}

/// `<method>_args { 1: … }`: the one argument, other fields skipped.
fn read_args<T>(
    i: &mut dyn TInputProtocol,
    read_arg: impl Fn(&mut dyn TInputProtocol) -> thrift::Result<T>,
) -> thrift::Result<Option<T>> {
    i.read_struct_begin()?;
    let mut arg = None;
    loop {
        let field = i.read_field_begin()?;
        if field.field_type == TType::Stop {
            break;
        }
        let expected = if arg.is_none() && field.id == Some(1) {
            // append's argument is a struct, appendBatch's a list.
            Some(field.field_type)
        } else {
            None
        };
        match expected {
            Some(TType::Struct) | Some(TType::List) => arg = Some(read_arg(i)?),
            _ => i.skip(field.field_type)?,
        }
        i.read_field_end()?;
    }
    i.read_struct_end()?;
    i.read_message_end()?;
    Ok(arg)
}

fn protocol_error(message: String) -> thrift::Error {
    thrift::Error::Protocol(thrift::ProtocolError::new(
        thrift::ProtocolErrorKind::InvalidData,
        message,
    ))
}

/// Java decodes Thrift strings as UTF-8 with replacement characters; so do we.
fn read_text(i: &mut dyn TInputProtocol) -> thrift::Result<String> {
    let bytes = i.read_bytes()?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `list<ThriftFlumeEvent>`.
fn read_events(i: &mut dyn TInputProtocol) -> thrift::Result<Vec<Event>> {
    let list = i.read_list_begin()?;
    let count = usize::try_from(list.size).unwrap_or(0);
    if count > 0 && list.element_type != TType::Struct {
        return Err(protocol_error(format!(
            "appendBatch: expected a list of ThriftFlumeEvent structs, got a list of {:?}",
            list.element_type
        )));
    }
    // The count is checked against the frame length, but an event decodes to far more than
    // one byte: grow as events arrive rather than trusting it.
    let mut events = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        events.push(read_event(i)?);
    }
    i.read_list_end()?;
    Ok(events)
}

/// `ThriftFlumeEvent`, its headers ordered as Flume's `EventBuilder.withBody` leaves them
/// ([`crate::java::thrift_map_headers`]).
fn read_event(i: &mut dyn TInputProtocol) -> thrift::Result<Event> {
    i.read_struct_begin()?;
    let mut headers: Option<Headers> = None;
    let mut body: Option<Bytes> = None;
    loop {
        let field = i.read_field_begin()?;
        if field.field_type == TType::Stop {
            break;
        }
        match (field.id, field.field_type) {
            (Some(1), TType::Map) => headers = Some(read_headers(i)?),
            (Some(2), TType::String) => body = Some(Bytes::from(i.read_bytes()?)),
            (_, other) => i.skip(other)?,
        }
        i.read_field_end()?;
    }
    i.read_struct_end()?;
    let (Some(headers), Some(body)) = (&headers, &body) else {
        // libthrift's `validate()`: headers are checked first; the message shows the struct.
        let missing = if headers.is_none() { "headers" } else { "body" };
        return Err(protocol_error(format!(
            "Required field '{missing}' was not present! Struct: {}",
            java_struct_text(headers.as_ref(), body.as_deref())
        )));
    };
    let (headers, body) = (headers.clone(), body.clone());
    let headers = crate::java::thrift_map_headers(headers);
    Ok(Event { headers, body })
}

/// `ThriftFlumeEvent.toString()`: `ThriftFlumeEvent(headers:{k=v}, body:68 69)`, the body as
/// libthrift's `TBaseHelper.toString(ByteBuffer)` prints it (at most 128 bytes, then `...`).
fn java_struct_text(headers: Option<&Headers>, body: Option<&[u8]>) -> String {
    let headers = match headers {
        None => "null".to_string(),
        Some(h) => {
            let mut table = h.clone();
            table.set_java_table(crate::event::JavaTable::with_capacity(2 * h.len()));
            crate::java::hashmap_to_string(&table)
        }
    };
    let body = match body {
        None => "null".to_string(),
        Some(b) => {
            let text: Vec<String> = b.iter().take(128).map(|x| format!("{x:02X}")).collect();
            let more = if b.len() > 128 { "..." } else { "" };
            format!("{}{more}", text.join(" "))
        }
    };
    format!("ThriftFlumeEvent(headers:{headers}, body:{body})")
}

fn read_headers(i: &mut dyn TInputProtocol) -> thrift::Result<Headers> {
    let map = i.read_map_begin()?;
    let count = usize::try_from(map.size).unwrap_or(0);
    if count > 0 && (map.key_type != Some(TType::String) || map.value_type != Some(TType::String)) {
        return Err(protocol_error(format!(
            "ThriftFlumeEvent.headers: expected map<string,string>, got map<{:?},{:?}>",
            map.key_type, map.value_type
        )));
    }
    let mut headers = Headers::with_capacity(count.min(64));
    for _ in 0..count {
        let key = read_text(i)?;
        let value = read_text(i)?;
        headers.insert(key, value);
    }
    i.read_map_end()?;
    Ok(headers)
}

fn write_event(o: &mut dyn TOutputProtocol, event: &Event) -> thrift::Result<()> {
    o.write_struct_begin(&TStructIdentifier::new("ThriftFlumeEvent"))?;
    o.write_field_begin(&TFieldIdentifier::new("headers", TType::Map, 1))?;
    o.write_map_begin(&TMapIdentifier::new(
        TType::String,
        TType::String,
        event.headers.len() as i32,
    ))?;
    for (k, v) in event.headers.iter() {
        o.write_string(k)?;
        o.write_string(v)?;
    }
    o.write_map_end()?;
    o.write_field_end()?;
    o.write_field_begin(&TFieldIdentifier::new("body", TType::String, 2))?;
    o.write_bytes(&event.body)?;
    o.write_field_end()?;
    o.write_field_stop()?;
    o.write_struct_end()
}

/// The `<method>_result { 0: Status success }` reply to a call, framed into `out`.
pub fn write_reply(protocol: Protocol, name: &str, seq: i32, status: Status, out: &mut Vec<u8>) {
    let mut message = Vec::with_capacity(32);
    let written: thrift::Result<()> = (|| {
        let mut o = output(protocol, &mut message);
        o.write_message_begin(&TMessageIdentifier::new(name, TMessageType::Reply, seq))?;
        o.write_struct_begin(&TStructIdentifier::new(format!("{name}_result")))?;
        o.write_field_begin(&TFieldIdentifier::new("success", TType::I32, 0))?;
        o.write_i32(status.value())?;
        o.write_field_end()?;
        o.write_field_stop()?;
        o.write_struct_end()?;
        o.write_message_end()?;
        o.flush()
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    frame(&message, out);
}

/// A `TApplicationException` reply, framed into `out`.
pub fn write_exception(
    protocol: Protocol,
    name: &str,
    seq: i32,
    kind: ApplicationErrorKind,
    text: &str,
    out: &mut Vec<u8>,
) {
    let mut message = Vec::with_capacity(64 + text.len());
    let written: thrift::Result<()> = (|| {
        let mut o = output(protocol, &mut message);
        o.write_message_begin(&TMessageIdentifier::new(name, TMessageType::Exception, seq))?;
        thrift::Error::write_application_error_to_out_protocol(
            &ApplicationError::new(kind, text),
            &mut *o,
        )?;
        o.write_message_end()?;
        o.flush()
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    frame(&message, out);
}

/// A client call, framed into `out`: `append` for one event, else `appendBatch`.
pub fn write_call(protocol: Protocol, call: OutgoingCall<'_>, seq: i32, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let written: thrift::Result<()> = (|| {
        let mut o = output(protocol, out);
        o.write_message_begin(&TMessageIdentifier::new(
            call.name(),
            TMessageType::Call,
            seq,
        ))?;
        o.write_struct_begin(&TStructIdentifier::new(format!("{}_args", call.name())))?;
        match call {
            OutgoingCall::Append(event) => {
                o.write_field_begin(&TFieldIdentifier::new("event", TType::Struct, 1))?;
                write_event(&mut *o, event)?;
            }
            OutgoingCall::AppendBatch(events) => {
                o.write_field_begin(&TFieldIdentifier::new("events", TType::List, 1))?;
                o.write_list_begin(&TListIdentifier::new(TType::Struct, events.len() as i32))?;
                for event in events {
                    write_event(&mut *o, event)?;
                }
                o.write_list_end()?;
            }
        }
        o.write_field_end()?;
        o.write_field_stop()?;
        o.write_struct_end()?;
        o.write_message_end()?;
        o.flush()
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
}

/// What a client sends.
#[derive(Debug, Clone, Copy)]
pub enum OutgoingCall<'a> {
    Append(&'a Event),
    AppendBatch(&'a [Event]),
}

impl OutgoingCall<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            OutgoingCall::Append(_) => APPEND,
            OutgoingCall::AppendBatch(_) => APPEND_BATCH,
        }
    }
}

/// Read the reply to call `seq` of `name`, as libthrift's `TServiceClient.receiveBase`.
pub fn read_reply(
    protocol: Protocol,
    frame: &[u8],
    name: &str,
    seq: i32,
) -> Result<Status, ThriftError> {
    let bad = |e: thrift::Error| ThriftError::BadReply(format!("{name}: {e}"));
    let mut i = input(protocol, frame);
    let message = i.read_message_begin().map_err(bad)?;
    if message.message_type == TMessageType::Exception {
        let e = thrift::Error::read_application_error_from_in_protocol(&mut *i).map_err(bad)?;
        return Err(ThriftError::Remote {
            kind: e.kind,
            message: e.message,
        });
    }
    if message.sequence_number != seq {
        return Err(ThriftError::Remote {
            kind: ApplicationErrorKind::BadSequenceId,
            message: format!("{name} failed: out of sequence response"),
        });
    }
    i.read_struct_begin().map_err(bad)?;
    let mut success = None;
    loop {
        let field = i.read_field_begin().map_err(bad)?;
        if field.field_type == TType::Stop {
            break;
        }
        match (field.id, field.field_type) {
            (Some(0), TType::I32) => success = Some(i.read_i32().map_err(bad)?),
            (_, other) => i.skip(other).map_err(bad)?,
        }
        i.read_field_end().map_err(bad)?;
    }
    let Some(value) = success else {
        return Err(ThriftError::Remote {
            kind: ApplicationErrorKind::MissingResult,
            message: format!("{name} failed: unknown result"),
        });
    };
    Status::from_value(value)
        .ok_or_else(|| ThriftError::BadReply(format!("{name}: unknown Status value {value}")))
}

#[cfg(test)]
mod tests;
