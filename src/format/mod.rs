//! Byte formats shared by several components.

pub mod avro_event;
pub mod bucket_path;
pub mod codec;
pub mod sequence_file;
