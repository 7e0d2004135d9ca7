//! The rows: every component type of Flume 1.9–1.11 by kind, in the order messages list them
//! (reference §2.5, §8, §10–§12). `native: false` rows are Flume's own types that flume-rs
//! does not run: they keep Flume's names so a configuration naming them gets a precise error.

use super::{Kind, Reuse, Row};

const NA: Reuse = Reuse::NotApplicable;

const fn row(
    kind: Kind,
    alias: &'static str,
    class: &'static [&'static str],
    native: bool,
    doc: &'static str,
) -> Row {
    Row {
        kind,
        alias: Some(alias),
        classes: class,
        native,
        reuse: NA,
        doc,
    }
}

/// A type Flume only knows by its class name.
const fn class_only(
    kind: Kind,
    class: &'static [&'static str],
    native: bool,
    doc: &'static str,
) -> Row {
    Row {
        kind,
        alias: None,
        classes: class,
        native,
        reuse: NA,
        doc,
    }
}

const fn channel(
    alias: Option<&'static str>,
    class: &'static [&'static str],
    native: bool,
    reuse: Reuse,
    doc: &'static str,
) -> Row {
    Row {
        kind: Kind::Channel,
        alias,
        classes: class,
        native,
        reuse,
        doc,
    }
}

use Kind::*;

pub const ROWS: &[Row] = &[
    // Sources (reference §9).
    row(
        Source,
        "seq",
        &["org.apache.flume.source.SequenceGeneratorSource"],
        true,
        "counter events 0, 1, 2, …",
    ),
    row(
        Source,
        "netcat",
        &["org.apache.flume.source.NetcatSource"],
        true,
        "one event per line of a TCP connection",
    ),
    row(
        Source,
        "netcatudp",
        &["org.apache.flume.source.NetcatUdpSource"],
        true,
        "one event per UDP datagram",
    ),
    row(
        Source,
        "exec",
        &["org.apache.flume.source.ExecSource"],
        true,
        "one event per line a command prints",
    ),
    row(
        Source,
        "avro",
        &["org.apache.flume.source.AvroSource"],
        true,
        "Avro RPC server (Flume's avro sink and RPC clients)",
    ),
    row(
        Source,
        "syslogtcp",
        &["org.apache.flume.source.SyslogTcpSource"],
        true,
        "syslog over TCP",
    ),
    row(
        Source,
        "multiport_syslogtcp",
        &["org.apache.flume.source.MultiportSyslogTCPSource"],
        true,
        "syslog over TCP on several ports",
    ),
    row(
        Source,
        "syslogudp",
        &["org.apache.flume.source.SyslogUDPSource"],
        true,
        "syslog over UDP",
    ),
    row(
        Source,
        "spooldir",
        &["org.apache.flume.source.SpoolDirectorySource"],
        true,
        "files dropped into a directory",
    ),
    row(
        Source,
        "http",
        &["org.apache.flume.source.http.HTTPSource"],
        true,
        "HTTP POST/GET requests turned into events by a handler",
    ),
    row(
        Source,
        "thrift",
        &["org.apache.flume.source.ThriftSource"],
        true,
        "Thrift RPC server",
    ),
    row(
        Source,
        "jms",
        &["org.apache.flume.source.jms.JMSSource"],
        false,
        "JMS queue or topic",
    ),
    row(
        Source,
        "taildir",
        &["org.apache.flume.source.taildir.TaildirSource"],
        true,
        "follows files matching patterns, with a position file",
    ),
    class_only(
        Source,
        &["org.apache.flume.source.kafka.KafkaSource"],
        cfg!(feature = "kafka"),
        "Kafka consumer",
    ),
    // Channels (reference §10); reuse across reloads per §2.6.
    channel(
        Some("memory"),
        &["org.apache.flume.channel.MemoryChannel"],
        true,
        Reuse::Recyclable,
        "bounded in-memory queue",
    ),
    channel(
        Some("file"),
        &["org.apache.flume.channel.file.FileChannel"],
        true,
        Reuse::Disposable,
        "durable write-ahead log with checkpoints",
    ),
    channel(
        Some("jdbc"),
        &["org.apache.flume.channel.jdbc.JdbcChannel"],
        false,
        Reuse::Disposable,
        "embedded Derby database",
    ),
    channel(
        Some("spillablememory"),
        &["org.apache.flume.channel.SpillableMemoryChannel"],
        true,
        Reuse::Recyclable,
        "memory queue that overflows to a file channel",
    ),
    channel(
        None,
        &["org.apache.flume.channel.kafka.KafkaChannel"],
        cfg!(feature = "kafka"),
        Reuse::Recyclable,
        "a Kafka topic as the channel",
    ),
    // Sinks (reference §11).
    row(
        Sink,
        "null",
        &["org.apache.flume.sink.NullSink"],
        true,
        "discards events",
    ),
    row(
        Sink,
        "logger",
        &["org.apache.flume.sink.LoggerSink"],
        true,
        "logs events at INFO",
    ),
    row(
        Sink,
        "file_roll",
        &["org.apache.flume.sink.RollingFileSink"],
        true,
        "files in a local directory, rolled by time",
    ),
    row(
        Sink,
        "avro",
        &["org.apache.flume.sink.AvroSink"],
        true,
        "Avro RPC client (to an avro source)",
    ),
    row(
        Sink,
        "thrift",
        &["org.apache.flume.sink.ThriftSink"],
        true,
        "Thrift RPC client",
    ),
    row(
        Sink,
        "irc",
        &["org.apache.flume.sink.irc.IRCSink"],
        true,
        "IRC channel",
    ),
    row(
        Sink,
        "hdfs",
        &["org.apache.flume.sink.hdfs.HDFSEventSink"],
        true,
        "files on HDFS, S3 (s3a://) or the local file system",
    ),
    row(
        Sink,
        "hbase",
        &["org.apache.flume.sink.hbase.HBaseSink"],
        false,
        "HBase 1",
    ),
    row(
        Sink,
        "hbase2",
        &["org.apache.flume.sink.hbase2.HBase2Sink"],
        false,
        "HBase 2",
    ),
    row(
        Sink,
        "asynchbase",
        &["org.apache.flume.sink.hbase.AsyncHBaseSink"],
        false,
        "HBase through asynchbase",
    ),
    row(
        Sink,
        "elasticsearch",
        &["org.apache.flume.sink.elasticsearch.ElasticSearchSink"],
        false,
        "Elasticsearch",
    ),
    row(
        Sink,
        "morphline_solr",
        &["org.apache.flume.sink.solr.morphline.MorphlineSolrSink"],
        false,
        "Solr through Morphlines",
    ),
    row(
        Sink,
        "hive",
        &["org.apache.flume.sink.hive.HiveSink"],
        false,
        "Hive streaming",
    ),
    row(
        Sink,
        "http",
        &["org.apache.flume.sink.http.HttpSink"],
        true,
        "HTTP POST per event",
    ),
    class_only(
        Sink,
        &["org.apache.flume.sink.kafka.KafkaSink"],
        cfg!(feature = "kafka"),
        "Kafka producer",
    ),
    // Sink processors (reference §12).
    row(
        SinkProcessor,
        "default",
        &["org.apache.flume.sink.DefaultSinkProcessor"],
        true,
        "one sink",
    ),
    row(
        SinkProcessor,
        "failover",
        &["org.apache.flume.sink.FailoverSinkProcessor"],
        true,
        "highest-priority live sink, failed sinks penalised",
    ),
    row(
        SinkProcessor,
        "load_balance",
        &["org.apache.flume.sink.LoadBalancingSinkProcessor"],
        true,
        "round robin or random over the sinks",
    ),
    // Channel selectors (reference §8).
    row(
        Selector,
        "replicating",
        &["org.apache.flume.channel.ReplicatingChannelSelector"],
        true,
        "every event to every channel",
    ),
    row(
        Selector,
        "multiplexing",
        &["org.apache.flume.channel.MultiplexingChannelSelector"],
        true,
        "channels chosen by a header value",
    ),
    row(
        Selector,
        "load_balancing",
        &["org.apache.flume.channel.LoadBalancingChannelSelector"],
        true,
        "one channel per event, round robin or random",
    ),
    // Interceptors (reference §8): aliases in any case, builder classes exact.
    row(
        Interceptor,
        "timestamp",
        &["org.apache.flume.interceptor.TimestampInterceptor$Builder"],
        true,
        "adds the time of interception",
    ),
    row(
        Interceptor,
        "host",
        &["org.apache.flume.interceptor.HostInterceptor$Builder"],
        true,
        "adds the agent's host name or IP",
    ),
    row(
        Interceptor,
        "static",
        &["org.apache.flume.interceptor.StaticInterceptor$Builder"],
        true,
        "adds a fixed header",
    ),
    row(
        Interceptor,
        "remove_header",
        &["org.apache.flume.interceptor.RemoveHeaderInterceptor$Builder"],
        true,
        "removes headers by name, list or pattern",
    ),
    row(
        Interceptor,
        "regex_filter",
        &["org.apache.flume.interceptor.RegexFilteringInterceptor$Builder"],
        true,
        "keeps or drops events whose body matches",
    ),
    row(
        Interceptor,
        "regex_extractor",
        &["org.apache.flume.interceptor.RegexExtractorInterceptor$Builder"],
        true,
        "headers from regex groups of the body",
    ),
    row(
        Interceptor,
        "search_replace",
        &["org.apache.flume.interceptor.SearchAndReplaceInterceptor$Builder"],
        true,
        "rewrites the body with a regex",
    ),
    class_only(
        Interceptor,
        &["org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder"],
        true,
        "adds a random UUID header",
    ),
    // Event serializers (hdfs and file_roll sinks).
    row(
        Serializer,
        "text",
        &["org.apache.flume.serialization.BodyTextEventSerializer$Builder"],
        true,
        "the body, then a newline",
    ),
    row(
        Serializer,
        "header_and_text",
        &["org.apache.flume.serialization.HeaderAndBodyTextEventSerializer$Builder"],
        true,
        "the headers map, a space, the body, a newline",
    ),
    row(
        Serializer,
        "avro_event",
        &["org.apache.flume.serialization.FlumeEventAvroEventSerializer$Builder"],
        true,
        "Avro container of Flume events",
    ),
    // Event deserializers (spooldir source).
    row(
        Deserializer,
        "LINE",
        &["org.apache.flume.serialization.LineDeserializer$Builder"],
        true,
        "one event per line",
    ),
    row(
        Deserializer,
        "AVRO",
        &["org.apache.flume.serialization.AvroEventDeserializer$Builder"],
        true,
        "one event per Avro record",
    ),
    class_only(
        Deserializer,
        &["org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder"],
        true,
        "one event per file",
    ),
    // HTTP source handlers: class names only, in any case.
    class_only(
        HttpHandler,
        &["org.apache.flume.source.http.JSONHandler"],
        true,
        "a JSON array of {headers, body}",
    ),
    class_only(
        HttpHandler,
        &["org.apache.flume.sink.solr.morphline.BlobHandler"],
        true,
        "the request body as one event",
    ),
    // Config filters (reference §3.3).
    row(
        ConfigFilter,
        "env",
        &["org.apache.flume.configfilter.EnvironmentVariableConfigFilter"],
        true,
        "values from environment variables",
    ),
    row(
        ConfigFilter,
        "external",
        &["org.apache.flume.configfilter.ExternalProcessConfigFilter"],
        true,
        "values printed by a command",
    ),
    row(
        ConfigFilter,
        "hadoop",
        &["org.apache.flume.configfilter.HadoopCredentialStoreConfigFilter"],
        false,
        "values from a Hadoop credential store",
    ),
];
