//! Byte formats shared by several components.

pub mod avro_event;
pub mod codec;
pub mod sequence_file;
