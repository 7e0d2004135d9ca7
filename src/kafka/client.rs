//! Java Kafka client property names → librdkafka.
//!
//! Users' `kafka.producer.*` / `kafka.consumer.*` keys are Java client names (Flume hands them
//! to `KafkaProducer`/`KafkaConsumer`). Most are librdkafka names too and pass through; the ones
//! that differ are translated; Java-only tuning knobs with no effect here are ignored with a
//! warning; JKS and PKCS12 stores are read here and handed over as PEM in memory; anything that
//! needs Java (a class name, a Kerberos JAAS login) fails at
//! configure time naming the key, what it would need, and the nearest supported alternative.
//! Every resulting setting is checked by librdkafka's own configuration parser before the
//! component is accepted, so a bad name or value is a configuration error, not a start failure.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use crate::config::{ConfigError, Context};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Producer,
    Consumer,
}

/// librdkafka properties, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProps {
    pub entries: BTreeMap<String, String>,
}

impl ClientProps {
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.entries.insert(key.to_string(), value.into());
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    pub fn to_client_config(&self) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        for (k, v) in &self.entries {
            cfg.set(k, v);
        }
        cfg
    }

    /// `key=value, …` with secrets masked, for logs.
    pub fn redacted(&self) -> String {
        self.entries
            .iter()
            .map(|(k, v)| {
                if is_secret(k) {
                    format!("{k}=******")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Keys whose values must never reach a log.
pub fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password")
        || k.contains("secret")
        || k.contains("jaas")
        || k.ends_with(".pem")
        || k == "ssl.keystore.key"
        || k.contains("token")
}

/// What the table does with one Java key.
enum Rule {
    /// Same name and meaning in librdkafka.
    Same,
    /// Another librdkafka name, same value.
    Rename(&'static str),
    /// Java-only tuning with no librdkafka counterpart and no effect on what is delivered.
    Ignore(&'static str),
    /// Needs Java: fail, saying what it would need and what to use instead.
    Unsupported(&'static str),
    /// Handled by [`translate`] itself.
    Special,
}

fn rule(key: &str) -> Rule {
    use Rule::*;
    match key {
        "max.request.size" => Rename("message.max.bytes"),
        "receive.buffer.bytes" => Rename("socket.receive.buffer.bytes"),
        "send.buffer.bytes" => Rename("socket.send.buffer.bytes"),
        "fetch.max.wait.ms" => Rename("fetch.wait.max.ms"),
        "buffer.memory"
        | "partition.assignment.strategy"
        | "partitioner.class"
        | "key.serializer"
        | "value.serializer"
        | "key.deserializer"
        | "value.deserializer"
        | "ssl.truststore.location"
        | "ssl.truststore.type"
        | "ssl.truststore.password"
        | "ssl.truststore.certificates"
        | "ssl.keystore.location"
        | "ssl.keystore.type"
        | "ssl.keystore.password"
        | "ssl.keystore.key"
        | "ssl.keystore.certificate.chain"
        | "sasl.jaas.config"
        | "ssl.disableTLSHostnameVerification"
        | "ssl.endpoint.identification.algorithm"
        | "enable.auto.commit"
        | "bootstrap.servers"
        | "group.id" => Special,
        "max.block.ms" => Ignore(
            "librdkafka never blocks a send; a full queue is retried by the sink, so this has no effect",
        ),
        "max.poll.records" => Ignore("records per poll are bounded by the component's batch size"),
        "default.api.timeout.ms" | "metadata.fetch.timeout.ms" | "timeout.ms" => {
            Ignore("librdkafka has no such timeout; request.timeout.ms applies")
        }
        "ssl.protocol"
        | "ssl.enabled.protocols"
        | "ssl.keymanager.algorithm"
        | "ssl.trustmanager.algorithm"
        | "ssl.secure.random.implementation"
        | "ssl.provider" => Ignore("OpenSSL negotiates the TLS version and algorithms itself"),
        "metrics.num.samples"
        | "metrics.sample.window.ms"
        | "metrics.recording.level"
        | "auto.include.jmx.reporter"
        | "exclude.internal.topics"
        | "block.on.buffer.full"
        | "metadata.max.idle.ms"
        | "internal.leave.group.on.close" => {
            Ignore("a Java client setting with no librdkafka counterpart")
        }
        "interceptor.classes" => Unsupported(
            "loads Java classes into the client; flume-rs cannot run Java code. Use a Flume interceptor on the source instead",
        ),
        "metric.reporters" => Unsupported(
            "loads Java metric reporter classes; use the agent's HTTP /metrics endpoint (-Dflume.monitoring.type=http) instead",
        ),
        "security.providers"
        | "sasl.login.class"
        | "sasl.login.callback.handler.class"
        | "sasl.client.callback.handler.class"
        | "ssl.engine.factory.class" => Unsupported(
            "names a Java class; flume-rs uses librdkafka's built-in SASL/TLS. Use sasl.jaas.config with PLAIN or SCRAM, or PEM/PKCS12 stores",
        ),
        _ => Same,
    }
}

/// Java assignor class → librdkafka `partition.assignment.strategy` name.
fn assignor(class: &str) -> Result<&'static str, String> {
    let simple = class.rsplit('.').next().unwrap_or(class);
    match simple {
        "RangeAssignor" | "range" => Ok("range"),
        "RoundRobinAssignor" | "roundrobin" => Ok("roundrobin"),
        "CooperativeStickyAssignor" | "cooperative-sticky" => Ok("cooperative-sticky"),
        "StickyAssignor" => Err(
            "the Java StickyAssignor has no librdkafka counterpart; use org.apache.kafka.clients.consumer.CooperativeStickyAssignor (librdkafka's cooperative-sticky) or RoundRobinAssignor".into(),
        ),
        _ => Err(format!(
            "{class} is a Java class; librdkafka supports RangeAssignor, RoundRobinAssignor and CooperativeStickyAssignor"
        )),
    }
}

/// Serializers that put the bytes Flume's defaults put on the wire (String keys as UTF-8,
/// byte-array values).
fn serde_class_ok(key: &str, class: &str) -> bool {
    let simple = class.rsplit('.').next().unwrap_or(class);
    let is_key = key.starts_with("key.");
    match simple {
        "ByteArraySerializer" | "ByteArrayDeserializer" => true,
        "StringSerializer" | "StringDeserializer" => is_key,
        _ => false,
    }
}

/// A `sasl.jaas.config` value: `<LoginModule class> required k="v" …;`.
fn parse_jaas(text: &str) -> Option<(String, BTreeMap<String, String>)> {
    let text = text.trim().trim_end_matches(';').trim();
    let (module, rest) = text.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let rest = ["required", "requisite", "sufficient", "optional"]
        .iter()
        .find_map(|flag| rest.strip_prefix(flag))
        .unwrap_or(rest);
    let mut options = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        if name.is_empty() {
            break;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            if !closed {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        options.insert(name, value);
    }
    Some((module.to_string(), options))
}

/// Translate the Java-named properties under `ctx` (a `kafka.producer.` / `kafka.consumer.`
/// sub-context, or the Flume 1.6 `kafka.` pass-through) into librdkafka's. `extra` holds
/// values from deprecated names (`requiredAcks`) that apply only when the user did not set
/// the current key. Errors name the user's key.
pub fn translate(
    ctx: &Context,
    role: Role,
    extra: &[(String, String)],
) -> Result<ClientProps, ConfigError> {
    let mut user: BTreeMap<String, String> = extra.iter().cloned().collect();
    for (k, v) in ctx.pairs() {
        user.insert(k, v);
    }
    // Flume's global SSL settings fill in the store keys a TLS client did not set.
    let protocol = user
        .get("security.protocol")
        .map(|p| p.trim().to_ascii_uppercase());
    if matches!(protocol.as_deref(), Some("SSL" | "SASL_SSL")) {
        for (k, v) in crate::tls::kafka_global_properties() {
            user.entry(k).or_insert(v);
        }
    }
    let mut out = ClientProps::default();
    let get = |k: &str| user.get(k).map(String::as_str);

    for (key, value) in &user {
        match rule(key) {
            Rule::Same => out.set(key, value.clone()),
            Rule::Rename(to) => out.set(to, value.clone()),
            Rule::Ignore(why) => {
                tracing::warn!(key = %ctx.full_key(key), "ignored: {why}");
            }
            Rule::Unsupported(why) => return Err(ctx.error(key, why.to_string())),
            Rule::Special => {}
        }
    }

    // Memory for unsent records: bytes in Java, kilobytes in librdkafka.
    if let Some(v) = get("buffer.memory") {
        let bytes: u64 = v.trim().parse().map_err(|_| {
            ctx.error(
                "buffer.memory",
                format!("expected a number of bytes, got \"{v}\""),
            )
        })?;
        out.set(
            "queue.buffering.max.kbytes",
            bytes.div_ceil(1024).max(1).to_string(),
        );
    }

    if let Some(v) = get("partition.assignment.strategy") {
        let mut names = Vec::new();
        for class in v.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            names.push(assignor(class).map_err(|m| ctx.error("partition.assignment.strategy", m))?);
        }
        out.set("partition.assignment.strategy", names.join(","));
    }

    if let Some(v) = get("partitioner.class") {
        let simple = v.rsplit('.').next().unwrap_or(v);
        match simple {
            // Java's default: murmur2 of the key, spread over partitions when there is none.
            "DefaultPartitioner" | "UniformStickyPartitioner" => {}
            "RoundRobinPartitioner" => out.set("partitioner", "random"),
            _ => {
                return Err(ctx.error(
                    "partitioner.class",
                    format!("{v} is a Java class; flume-rs partitions like Java's DefaultPartitioner (murmur2 of the key). Route records with partitionIdHeader / defaultPartitionId instead"),
                ));
            }
        }
    }

    for key in [
        "key.serializer",
        "value.serializer",
        "key.deserializer",
        "value.deserializer",
    ] {
        if let Some(class) = get(key)
            && !serde_class_ok(key, class)
        {
            return Err(ctx.error(
                key,
                format!("{class} is a Java class; flume-rs writes Flume's bytes (String keys, byte-array values). Use useFlumeEventFormat / parseAsFlumeEvent for Avro events"),
            ));
        }
    }

    // Trust store: PEM as is; JKS and PKCS12 are read here and handed over as PEM in memory
    // (`ssl.ca.pem`, never logged).
    if let Some(pem) = get("ssl.truststore.certificates") {
        out.set("ssl.ca.pem", pem);
    }
    if let Some(location) = get("ssl.truststore.location") {
        let kind = get("ssl.truststore.type").unwrap_or("JKS");
        if kind.eq_ignore_ascii_case("PEM") {
            out.set("ssl.ca.location", location);
        } else {
            let store = crate::tls::Store {
                path: location.into(),
                password: get("ssl.truststore.password").map(str::to_string),
                store_type: kind.to_string(),
            };
            let pem = crate::tls::trusted_certificates(&store)
                .and_then(|certs| crate::tls::certs_pem(&certs))
                .map_err(|e| ctx.error("ssl.truststore.location", e.to_string()))?;
            out.set("ssl.ca.pem", pem);
        }
    }

    // Key store: PEM files as is; JKS and PKCS12 are read here (the key with
    // `ssl.key.password`, else the store's password, as Java does) and handed over as PEM in
    // memory (`ssl.key.pem`, `ssl.certificate.pem`, never logged).
    if let Some(location) = get("ssl.keystore.location") {
        let kind = get("ssl.keystore.type").unwrap_or("JKS");
        if kind.eq_ignore_ascii_case("PEM") {
            // One file holding the private key and the certificate chain.
            out.set("ssl.certificate.location", location);
            out.set("ssl.key.location", location);
            if let Some(p) = get("ssl.key.password") {
                out.set("ssl.key.password", p);
            }
        } else {
            let store = crate::tls::Store {
                path: location.into(),
                password: get("ssl.keystore.password").map(str::to_string),
                store_type: kind.to_string(),
            };
            let identity = crate::tls::load_identity(&store, get("ssl.key.password"))
                .map_err(|e| ctx.error("ssl.keystore.location", e.to_string()))?;
            let key = identity
                .key_pem()
                .map_err(|e| ctx.error("ssl.keystore.location", e.to_string()))?;
            let chain = identity
                .chain_pem()
                .map_err(|e| ctx.error("ssl.keystore.location", e.to_string()))?;
            out.set("ssl.key.pem", key);
            out.set("ssl.certificate.pem", chain);
        }
    }
    if let Some(key) = get("ssl.keystore.key") {
        out.set("ssl.key.pem", key);
    }
    if let Some(chain) = get("ssl.keystore.certificate.chain") {
        out.set("ssl.certificate.pem", chain);
    }

    if let Some(alg) = get("ssl.endpoint.identification.algorithm") {
        out.set(
            "ssl.endpoint.identification.algorithm",
            if alg.trim().is_empty() { "none" } else { alg },
        );
    }
    // Flume 1.10+: `<prefix>ssl.disableTLSHostnameVerification = true` with SSL enabled.
    if get("ssl.disableTLSHostnameVerification").is_some_and(crate::java::parse_boolean) {
        let protocol = get("security.protocol").unwrap_or("").to_ascii_uppercase();
        if protocol == "SSL" || protocol == "SASL_SSL" {
            out.set("ssl.endpoint.identification.algorithm", "none");
        }
    }

    if let Some(jaas) = get("sasl.jaas.config") {
        let Some((module, options)) = parse_jaas(jaas) else {
            return Err(ctx.error(
                "sasl.jaas.config",
                "expected `<LoginModule> required username=\"…\" password=\"…\";`",
            ));
        };
        let simple = module.rsplit('.').next().unwrap_or(&module);
        match simple {
            "PlainLoginModule" | "ScramLoginModule" => {
                if let Some(u) = options.get("username") {
                    out.set("sasl.username", u.clone());
                }
                if let Some(p) = options.get("password") {
                    out.set("sasl.password", p.clone());
                }
            }
            "Krb5LoginModule" => {
                return Err(ctx.error(
                    "sasl.jaas.config",
                    "Kerberos (GSSAPI) needs a build of flume-rs with librdkafka's GSSAPI support, which this one does not have; use SASL/SCRAM-SHA-512 or PLAIN over SASL_SSL",
                ));
            }
            _ => {
                return Err(ctx.error(
                    "sasl.jaas.config",
                    format!("{module} is a Java login module; librdkafka supports PlainLoginModule and ScramLoginModule credentials here"),
                ));
            }
        }
    }

    if role == Role::Consumer && user.contains_key("enable.auto.commit") {
        // Flume forces enable.auto.commit=false: offsets are committed after the channel.
        ctx.mark_read("enable.auto.commit");
    }
    Ok(out)
}

/// Check every property with librdkafka's own parser (no I/O). The error names the key as the
/// user wrote it when it can.
pub fn validate(props: &ClientProps, ctx: &Context) -> Result<(), ConfigError> {
    match props.to_client_config().create_native_config() {
        Ok(_) => Ok(()),
        Err(rdkafka::error::KafkaError::ClientConfig(_, desc, key, _value)) => {
            // librdkafka's description never contains the value, so secrets stay out of it.
            Err(ctx.error(
                &reverse_name(&key),
                format!("rejected by librdkafka: {desc}"),
            ))
        }
        Err(e) => Err(ctx.error("", format!("rejected by librdkafka: {e}"))),
    }
}

/// The Java name a librdkafka key came from (for messages).
fn reverse_name(key: &str) -> String {
    match key {
        "message.max.bytes" => "max.request.size".into(),
        "socket.receive.buffer.bytes" => "receive.buffer.bytes".into(),
        "socket.send.buffer.bytes" => "send.buffer.bytes".into(),
        "fetch.wait.max.ms" => "fetch.max.wait.ms".into(),
        "queue.buffering.max.kbytes" => "buffer.memory".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)], role: Role) -> Result<ClientProps, ConfigError> {
        let ctx = Context::from_pairs("a1.sinks.k1.", pairs.iter().copied());
        translate(&ctx.sub("kafka.producer."), role, &[])
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (format!("kafka.producer.{k}"), v.to_string()))
            .collect()
    }

    fn tr(pairs: &[(&str, &str)]) -> Result<ClientProps, ConfigError> {
        let owned = p(pairs);
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        props(&refs, Role::Producer)
    }

    #[test]
    fn same_names_pass_and_different_ones_translate() {
        let out = tr(&[
            ("acks", "all"),
            ("linger.ms", "3"),
            ("compression.type", "snappy"),
            ("max.request.size", "2000000"),
            ("buffer.memory", "33554432"),
            ("receive.buffer.bytes", "65536"),
        ])
        .unwrap();
        assert_eq!(out.get("acks"), Some("all"));
        assert_eq!(out.get("linger.ms"), Some("3"));
        assert_eq!(out.get("compression.type"), Some("snappy"));
        assert_eq!(out.get("message.max.bytes"), Some("2000000"));
        assert_eq!(out.get("queue.buffering.max.kbytes"), Some("32768"));
        assert_eq!(out.get("socket.receive.buffer.bytes"), Some("65536"));
        assert_eq!(out.get("max.request.size"), None);
        let ctx = Context::default();
        validate(&out, &ctx).unwrap();
    }

    #[test]
    fn sasl_jaas_becomes_username_and_password_and_is_never_shown() {
        let out = tr(&[
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            (
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr\"et";"#,
            ),
        ])
        .unwrap();
        assert_eq!(out.get("sasl.username"), Some("alice"));
        assert_eq!(out.get("sasl.password"), Some("s3cr\"et"));
        assert!(!out.redacted().contains("s3cr"), "{}", out.redacted());
        let err = tr(&[(
            "sasl.jaas.config",
            "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;",
        )])
        .unwrap_err();
        assert!(err.message.contains("GSSAPI"), "{err}");
        assert_eq!(err.key, "a1.sinks.k1.kafka.producer.sasl.jaas.config");
    }

    #[test]
    fn stores_pem_stay_files_jks_and_pkcs12_become_pem_in_memory() {
        let out = tr(&[
            ("ssl.truststore.location", "/etc/ca.pem"),
            ("ssl.truststore.type", "PEM"),
            ("ssl.keystore.location", "/etc/client.pem"),
            ("ssl.keystore.type", "PEM"),
        ])
        .unwrap();
        assert_eq!(out.get("ssl.ca.location"), Some("/etc/ca.pem"));
        assert_eq!(out.get("ssl.certificate.location"), Some("/etc/client.pem"));
        let dir = tempfile::tempdir().unwrap();
        let (p12, cert) = crate::tls::testing::self_signed("client", "pw");
        let ks = dir.path().join("client.p12");
        std::fs::write(&ks, p12).unwrap();
        let ts = dir.path().join("trust.jks");
        std::fs::write(&ts, crate::tls::testing::jks_truststore(&cert, "pw")).unwrap();
        let out = tr(&[
            ("ssl.truststore.location", ts.to_str().unwrap()),
            ("ssl.truststore.password", "pw"),
            ("ssl.keystore.location", ks.to_str().unwrap()),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.password", "pw"),
        ])
        .unwrap();
        let ca = openssl::x509::X509::from_pem(out.get("ssl.ca.pem").unwrap().as_bytes()).unwrap();
        assert_eq!(ca.to_der().unwrap(), cert);
        let key =
            openssl::pkey::PKey::private_key_from_pem(out.get("ssl.key.pem").unwrap().as_bytes())
                .unwrap();
        let chain =
            openssl::x509::X509::from_pem(out.get("ssl.certificate.pem").unwrap().as_bytes())
                .unwrap();
        assert!(chain.public_key().unwrap().public_eq(&key));
        assert!(out.get("ssl.keystore.location").is_none());
        assert!(!out.redacted().contains("PRIVATE KEY"));
        let err = tr(&[
            ("ssl.keystore.location", ks.to_str().unwrap()),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.password", "Wr0ngPa55"),
        ])
        .unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.kafka.producer.ssl.keystore.location");
        assert!(
            err.message.contains("keystore-password is wrong") || err.message.contains("password"),
            "{err}"
        );
        assert!(!err.to_string().contains("Wr0ngPa55"), "{err}");
        let err = tr(&[("ssl.truststore.location", "/nonexistent/truststore.jks")]).unwrap_err();
        assert!(err.message.contains("/nonexistent/truststore.jks"), "{err}");
    }

    #[test]
    fn java_classes_fail_with_the_key() {
        let err = tr(&[("interceptor.classes", "com.acme.Audit")]).unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.kafka.producer.interceptor.classes");
        let err = tr(&[("partitioner.class", "com.acme.MyPartitioner")]).unwrap_err();
        assert!(err.message.contains("partitionIdHeader"));
        let err = tr(&[("value.serializer", "io.confluent.KafkaAvroSerializer")]).unwrap_err();
        assert!(err.message.contains("Java class"));
        tr(&[
            (
                "key.serializer",
                "org.apache.kafka.common.serialization.StringSerializer",
            ),
            (
                "value.serializer",
                "org.apache.kafka.common.serialization.ByteArraySerializer",
            ),
            (
                "partitioner.class",
                "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
            ),
        ])
        .unwrap();
    }

    #[test]
    fn assignors_map_to_librdkafka_names() {
        let out = tr(&[(
            "partition.assignment.strategy",
            "org.apache.kafka.clients.consumer.RoundRobinAssignor, org.apache.kafka.clients.consumer.RangeAssignor",
        )])
        .unwrap();
        assert_eq!(
            out.get("partition.assignment.strategy"),
            Some("roundrobin,range")
        );
    }

    #[test]
    fn librdkafka_rejects_unknown_names_at_configure_time() {
        let out = tr(&[("no.such.property", "1")]).unwrap();
        let ctx = Context::from_pairs("a1.sinks.k1.", [("kafka.producer.no.such.property", "1")]);
        let err = validate(&out, &ctx.sub("kafka.producer.")).unwrap_err();
        assert_eq!(err.key, "a1.sinks.k1.kafka.producer.no.such.property");
    }

    #[test]
    fn hostname_verification_switch() {
        let out = tr(&[
            ("security.protocol", "SSL"),
            ("ssl.disableTLSHostnameVerification", "true"),
        ])
        .unwrap();
        assert_eq!(
            out.get("ssl.endpoint.identification.algorithm"),
            Some("none")
        );
    }

    #[test]
    fn jaas_parser() {
        let (m, o) = parse_jaas(
            "org.apache.kafka.common.security.plain.PlainLoginModule required\n  username=\"u\"  password=pw;",
        )
        .unwrap();
        assert!(m.ends_with("PlainLoginModule"));
        assert_eq!(o["username"], "u");
        assert_eq!(o["password"], "pw");
        assert!(parse_jaas("X required username=\"open").is_none());
    }
}
