//! Byte formats shared by several components.

pub mod avro_event;
pub mod avro_rpc;
pub mod bucket_path;
pub mod codec;
pub mod sequence_file;
