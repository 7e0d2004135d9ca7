//! The broker's own limit, for `benches/kafka_throughput.sh`: a plain librdkafka producer or
//! consumer with nothing of flume-rs around it.
//!
//!   kafka_baseline produce BOOTSTRAP TOPIC COUNT ACKS   # bodies "0".."COUNT-1", like seq
//!   kafka_baseline consume BOOTSTRAP TOPIC COUNT GROUP  # from the earliest offset
//!
//! The producer has the settings the Kafka sink gives its producer by default
//! (`flume_rs::kafka::JAVA_PRODUCER_DEFAULTS`: linger.ms, partitioner, retries, …), with `acks`
//! from the command line, so both sides of the comparison run librdkafka alike; it prints them.
//! Prints `events/s` from the first send (or poll) to the last acknowledgement (or record).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Message};

struct Counting {
    acked: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.acked.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failed.fetch_add(1, Ordering::Relaxed),
        };
    }
}

fn produce(bootstrap: &str, topic: &str, count: u64, acks: &str) -> Result<f64, String> {
    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut config = ClientConfig::new();
    for (k, v) in flume_rs::kafka::JAVA_PRODUCER_DEFAULTS {
        config.set(*k, *v);
    }
    config.set("acks", acks);
    eprintln!(
        "producer settings: {}",
        config
            .config_map()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    config.set("bootstrap.servers", bootstrap);
    let producer: ThreadedProducer<Counting> = config
        .create_with_context(Counting {
            acked: Arc::clone(&acked),
            failed: Arc::clone(&failed),
        })
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut buf = itoa::Buffer::new();
    for i in 0..count {
        let body = buf.format(i).as_bytes().to_vec();
        let mut record = BaseRecord::to(topic).payload(&body[..]);
        loop {
            match producer.send::<[u8], [u8]>(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
    }
    while acked.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < count {
        std::thread::sleep(Duration::from_millis(1));
    }
    let secs = start.elapsed().as_secs_f64();
    if failed.load(Ordering::Relaxed) > 0 {
        return Err(format!(
            "{} deliveries failed",
            failed.load(Ordering::Relaxed)
        ));
    }
    Ok(secs)
}

fn consume(bootstrap: &str, topic: &str, count: u64, group: &str) -> Result<f64, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("session.timeout.ms", "6000")
        .set("max.poll.interval.ms", "10000")
        .create()
        .map_err(|e| e.to_string())?;
    consumer.subscribe(&[topic]).map_err(|e| e.to_string())?;
    let mut got = 0u64;
    let mut start: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    while got < count && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            start.get_or_insert_with(Instant::now);
            // Touch the payload as a consumer that copies it out would.
            std::hint::black_box(m.payload().map(<[u8]>::to_vec));
            got += 1;
        }
    }
    if got < count {
        return Err(format!("only {got} of {count} records"));
    }
    Ok(start.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: kafka_baseline produce BOOTSTRAP TOPIC COUNT ACKS | consume BOOTSTRAP TOPIC COUNT GROUP";
    if args.len() != 6 {
        eprintln!("{usage}");
        std::process::exit(2);
    }
    let count: u64 = args[4].parse().unwrap_or(0);
    let result = match args[1].as_str() {
        "produce" => produce(&args[2], &args[3], count, &args[5]),
        "consume" => consume(&args[2], &args[3], count, &args[5]),
        _ => Err(usage.to_string()),
    };
    match result {
        Ok(secs) => println!(
            "{count} records in {secs:.2} s: {:.0} events/s",
            count as f64 / secs
        ),
        Err(e) => {
            eprintln!("kafka_baseline: {e}");
            std::process::exit(1);
        }
    }
}
