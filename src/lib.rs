//! flume-rs: a drop-in replacement for the Apache Flume agent.
//!
//! Data flows one way: properties file → [`config`] → [`topology`] → sources →
//! [`source::ChannelProcessor`] (interceptors → selector) → [`channel`]s → sink processors →
//! [`sink`]s. See `docs/` and the module docs for the Flume behaviour each part mirrors.

pub mod avro_rpc;
pub mod bucket_path;
pub mod channel;
pub mod cli;
pub mod component;
pub mod config;
pub mod event;
pub mod format;
pub mod interceptor;
pub mod java;
pub mod jvm;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod metrics;
pub mod net;
pub mod plugin;
pub mod processor;
pub mod registry;
pub mod selector;
pub mod sink;
pub mod source;
pub mod storage;
pub mod thrift_rpc;
pub mod tls;
pub mod topology;
#[cfg(test)]
mod vector_cases;
#[doc(hidden)]
pub mod vectors;

pub use event::{Event, Headers};
