//! Avro RPC clients: [`rpc`] is Flume's `NettyAvroRpcClient` (used by the avro sink), [`avro`]
//! is `flume-ng avro-client`.

pub mod avro;
pub mod rpc;
