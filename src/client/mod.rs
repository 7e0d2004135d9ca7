//! Avro RPC clients: [`rpc`] is Flume's `NettyAvroRpcClient` (used by the avro sink and by
//! `flume-ng avro-client`, see `cli::avro_client`).

pub mod rpc;
