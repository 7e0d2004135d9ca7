//! The protobuf messages of Java Flume's file channel (format v3), written by hand from
//! `flume-ng-channels/flume-file-channel/src/main/proto/filechannel.proto` (Flume 1.9) so that
//! no `protoc` is needed to build: field numbers, wire types and labels are the .proto's.
//! Decoding is `prost`'s; only the framing around these messages is Flume-specific (see the
//! parent module).

/// `checkpoint.meta`: the queue's size, head and write-order id as of the checkpoint.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Checkpoint {
    #[prost(sfixed32, required, tag = "1")]
    pub version: i32,
    #[prost(sfixed64, required, tag = "2")]
    pub write_order_id: i64,
    #[prost(sfixed32, required, tag = "3")]
    pub queue_size: i32,
    #[prost(sfixed32, required, tag = "4")]
    pub queue_head: i32,
    #[prost(message, repeated, tag = "5")]
    pub active_logs: Vec<ActiveLog>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ActiveLog {
    #[prost(sfixed32, required, tag = "1")]
    pub log_file_id: i32,
    #[prost(sfixed32, required, tag = "2")]
    pub count: i32,
}

/// `log-N.meta`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LogFileMetaData {
    #[prost(sfixed32, required, tag = "1")]
    pub version: i32,
    #[prost(sfixed32, required, tag = "2")]
    pub log_file_id: i32,
    #[prost(sfixed64, required, tag = "3")]
    pub checkpoint_position: i64,
    #[prost(sfixed64, required, tag = "4")]
    pub checkpoint_write_order_id: i64,
    #[prost(message, optional, tag = "5")]
    pub encryption: Option<LogFileEncryption>,
    #[prost(sfixed64, optional, tag = "6")]
    pub backup_checkpoint_position: Option<i64>,
    #[prost(sfixed64, optional, tag = "7")]
    pub backup_checkpoint_write_order_id: Option<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LogFileEncryption {
    #[prost(string, required, tag = "1")]
    pub cipher_provider: String,
    #[prost(string, required, tag = "2")]
    pub key_alias: String,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub parameters: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TransactionEventHeader {
    #[prost(sfixed32, required, tag = "1")]
    pub r#type: i32,
    #[prost(sfixed64, required, tag = "2")]
    pub transaction_id: i64,
    #[prost(sfixed64, required, tag = "3")]
    pub write_order_id: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Put {
    #[prost(message, required, tag = "1")]
    pub event: FlumeEvent,
    #[prost(sfixed64, optional, tag = "2")]
    pub checksum: Option<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Take {
    #[prost(sfixed32, required, tag = "1")]
    pub file_id: i32,
    #[prost(sfixed32, required, tag = "2")]
    pub offset: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Rollback {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Commit {
    #[prost(sfixed32, required, tag = "1")]
    pub r#type: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TransactionEventFooter {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FlumeEvent {
    #[prost(message, repeated, tag = "1")]
    pub headers: Vec<FlumeEventHeader>,
    #[prost(bytes = "vec", required, tag = "2")]
    pub body: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FlumeEventHeader {
    #[prost(string, required, tag = "1")]
    pub key: String,
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}
