//! Integration tests: they run the real `flume-ng` binary on configs, and talk to real
//! services (Kafka-protocol broker, S3 server) started by `support`.

mod support;

mod agent_basics;
mod avro_container;
mod avro_rpc;
mod cli;
mod config;
mod dashboard;
mod events;
mod faults;
mod file_channel;
mod file_roll;
mod golden_logger;
#[cfg(feature = "hdfs")]
mod hdfs_kerberos;
mod hdfs_sink;
mod health;
mod http_sink;
mod irc_sink;
mod java_file_channel;
#[cfg(feature = "jvm")]
mod jvm;
mod jvm_api;
#[cfg(feature = "jvm")]
mod jvm_channel;
#[cfg(feature = "jvm")]
mod jvm_extras;
#[cfg(feature = "kafka")]
mod kafka;
mod layout;
mod log_sources;
mod metrics;
mod observed;
mod reload;
mod sources;
mod spillable_channel;
mod thrift_rpc;
mod tls;
mod top;
mod vectors_http;
