//! Byte formats shared by several components.

pub mod avro_event;
pub mod bucket_path;
