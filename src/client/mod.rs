//! `flume-ng avro-client` ([`avro`]); the Avro RPC client it uses is [`crate::avro_rpc::client`].

pub mod avro;
