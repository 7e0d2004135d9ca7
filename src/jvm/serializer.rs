//! A Java event serializer (`EventSerializer$Builder` class) for file_roll (`sink.serializer`)
//! and hdfs (`serializer`, DataStream/CompressedStream): one Java serializer per file, built
//! with the `serializer.` keys, writing into a buffer whose bytes we write to the real output
//! in order. Events of a batch cross in one call at the batch's flush.

use std::io::{self, Write};
use std::sync::Arc;

use super::host::{Jvm, Worker};
use super::wire::{self, In, Out};
use crate::event::Event;
use crate::sink::serializer::EventSerializer;

const AFTER_CREATE: i32 = 1;
const AFTER_REOPEN: i32 = 2;
const WRITE_AND_FLUSH: i32 = 3;
const FLUSH: i32 = 4;
const BEFORE_CLOSE: i32 = 5;
const SUPPORTS_REOPEN: i32 = 6;

pub struct JavaSerializer {
    class: String,
    jvm: Arc<Jvm>,
    worker: Worker,
    handle: i64,
    pending: Vec<Event>,
}

impl JavaSerializer {
    /// A serializer for a new file. Fails as Flume's factory does when the class cannot be
    /// loaded: the file is not opened and the sink's events stay in the channel.
    pub fn create(class: &str, pairs: &[(String, String)]) -> io::Result<Self> {
        let jvm = crate::component::blocking(super::get).map_err(|e| {
            io::Error::other(format!("cannot load event serializer class {class}: {e}"))
        })?;
        let mut payload = Out::default();
        payload
            .str(class)
            .map(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let worker = jvm.worker("serializer");
        let answer = crate::component::blocking(|| {
            jvm.call_blocking(&worker, wire::OP_NEW_SERIALIZER, 0, payload.into_vec())
        })
        .map_err(|e| {
            tracing::error!("Class not found: {class}: {e}\n{}", e.stack);
            io::Error::other(jvm.describe(&e, "event serializer", class))
        })?;
        let handle = In::new(&answer).i64().map_err(io::Error::other)?;
        Ok(JavaSerializer {
            class: class.to_string(),
            jvm,
            worker,
            handle,
            pending: Vec::new(),
        })
    }

    fn call(&self, what: i32, events: &[Event]) -> io::Result<Vec<u8>> {
        let mut payload = Out::with_capacity(8 + wire::batch_size_hint(events));
        payload.i32(what);
        if what == WRITE_AND_FLUSH {
            payload.events(events);
        }
        let answer = crate::component::blocking(|| {
            self.jvm.call_blocking(
                &self.worker,
                wire::OP_SERIALIZER_CALL,
                self.handle,
                payload.into_vec(),
            )
        })
        .map_err(|e| {
            tracing::error!("{} threw {e}\n{}", self.class, e.stack);
            io::Error::other(format!("{}: {e}", self.class))
        })?;
        Ok(answer)
    }

    fn call_bytes(&self, what: i32, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        let answer = self.call(what, events)?;
        let bytes = In::new(&answer).bytes().map_err(io::Error::other)?;
        out.write_all(bytes)
    }
}

impl EventSerializer for JavaSerializer {
    fn after_create(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.call_bytes(AFTER_CREATE, &[], out)
    }

    fn after_reopen(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.call_bytes(AFTER_REOPEN, &[], out)
    }

    fn write(&mut self, event: &Event, _out: &mut dyn Write) -> io::Result<()> {
        // Written with the rest of the batch at its flush: one JNI call per batch.
        self.pending.push(event.clone());
        Ok(())
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let events = std::mem::take(&mut self.pending);
        let what = if events.is_empty() {
            FLUSH
        } else {
            WRITE_AND_FLUSH
        };
        self.call_bytes(what, &events, out)
    }

    fn before_close(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.flush(out)?;
        }
        self.call_bytes(BEFORE_CLOSE, &[], out)
    }

    fn supports_reopen(&self) -> bool {
        self.call(SUPPORTS_REOPEN, &[])
            .ok()
            .and_then(|a| In::new(&a).u8().ok())
            == Some(1)
    }
}

impl Drop for JavaSerializer {
    fn drop(&mut self) {
        self.jvm
            .send(&self.worker, wire::OP_CLOSE, self.handle, Vec::new());
    }
}
