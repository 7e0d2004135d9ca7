//! Integration tests: they run the real `flume-ng` binary on configs, and talk to real
//! services (Kafka-protocol broker, S3 server) started by `support`.

mod support;

mod agent_basics;
mod avro_rpc;
