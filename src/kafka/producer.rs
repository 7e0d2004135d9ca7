//! Sending a batch of records and waiting until every one is acknowledged — what the Kafka
//! sink's and the Kafka channel's commits wait for (Flume: `send` all, `flush()`, then every
//! future's `get()`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::task::AtomicWaker;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{
    BaseRecord, DeliveryResult, Producer as _, ProducerContext, ThreadedProducer,
};

use super::client::ClientProps;

/// One record to send, borrowing what it can from the event it is made of (key, header
/// names and values): building it allocates nothing per record unless the value is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRecord<'a> {
    pub topic: Arc<str>,
    pub partition: Option<i32>,
    pub key: Option<&'a str>,
    pub value: Bytes,
    pub timestamp: Option<i64>,
    pub headers: Vec<(&'a str, &'a str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    #[error("{0}")]
    Kafka(#[from] KafkaError),
    #[error("the producer was closed before the record was acknowledged")]
    Canceled,
}

/// The acknowledgement state of one queued batch, shared by every record of it: each record
/// carries a reference as its delivery opaque (no allocation per record), the delivery
/// callback counts it down, and the batch's waiter is woken once — when the last record is
/// acknowledged or at the first failure.
struct BatchState {
    remaining: AtomicUsize,
    failed: AtomicBool,
    error: Mutex<Option<KafkaError>>,
    waker: AtomicWaker,
}

/// Routes librdkafka's delivery reports to their batch.
struct BatchDelivery;

impl ClientContext for BatchDelivery {}

impl ProducerContext for BatchDelivery {
    type DeliveryOpaque = Arc<BatchState>;

    fn delivery(&self, result: &DeliveryResult<'_>, batch: Arc<BatchState>) {
        if let Err((e, _)) = result {
            let mut first = batch.error.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_none() {
                *first = Some(e.clone());
            }
            drop(first);
            batch.failed.store(true, Ordering::Release);
            batch.waker.wake();
        }
        if batch.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            batch.waker.wake();
        }
    }
}

pub struct Producer {
    inner: ThreadedProducer<BatchDelivery>,
}

/// The acknowledgements of one queued batch (see [`Producer::send`]).
pub struct Acks(Arc<BatchState>);

impl Acks {
    fn check(&self) -> Option<Result<(), ProduceError>> {
        let state = &self.0;
        if state.failed.load(Ordering::Acquire) {
            let e = state.error.lock().unwrap_or_else(|p| p.into_inner());
            return Some(Err(match &*e {
                Some(e) => ProduceError::Kafka(e.clone()),
                None => ProduceError::Canceled,
            }));
        }
        if state.remaining.load(Ordering::Acquire) == 0 {
            return Some(Ok(()));
        }
        // Every record's reference is gone without a report: the producer dropped them.
        if Arc::strong_count(state) == 1 {
            return Some(Err(ProduceError::Canceled));
        }
        None
    }
}

impl Future for Acks {
    type Output = Result<(), ProduceError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(done) = self.check() {
            return Poll::Ready(done);
        }
        self.0.waker.register(cx.waker());
        match self.check() {
            Some(done) => Poll::Ready(done),
            None => Poll::Pending,
        }
    }
}

impl Producer {
    pub fn create(props: &ClientProps) -> Result<Producer, KafkaError> {
        Ok(Producer {
            inner: props
                .to_client_config()
                .create_with_context(BatchDelivery)?,
        })
    }

    /// Send every record and wait for all acknowledgements. On an error the records already
    /// queued may still be delivered (the caller retries the whole batch: duplicates, never
    /// losses — Flume's behaviour).
    pub async fn send_all(&self, records: &[OutRecord<'_>]) -> Result<(), ProduceError> {
        self.send(records).await?.await
    }

    /// Queue every record; the returned future resolves when all of them are acknowledged
    /// (or at the first failure). It can be polled by reference and dropped at any point
    /// (the records stay queued), so a caller can queue the next batch meanwhile.
    pub async fn send(&self, records: &[OutRecord<'_>]) -> Result<Acks, ProduceError> {
        let state = Arc::new(BatchState {
            remaining: AtomicUsize::new(records.len()),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            waker: AtomicWaker::new(),
        });
        for r in records {
            let mut record: BaseRecord<'_, str, [u8], Arc<BatchState>> =
                BaseRecord::with_opaque_to(&r.topic, Arc::clone(&state)).payload(&r.value[..]);
            if let Some(k) = r.key {
                record = record.key(k);
            }
            if let Some(p) = r.partition {
                record = record.partition(p);
            }
            if let Some(ts) = r.timestamp {
                record = record.timestamp(ts);
            }
            if !r.headers.is_empty() {
                let mut h = OwnedHeaders::new_with_capacity(r.headers.len());
                for (k, v) in &r.headers {
                    h = h.insert(Header {
                        key: k,
                        value: Some(v.as_bytes()),
                    });
                }
                record = record.headers(h);
            }
            loop {
                match self.inner.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // librdkafka's queue is full: let it drain (its own thread sends).
                        record = back;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    // The records queued so far are still reported to `state`, which nobody
                    // waits for any more.
                    Err((e, _)) => return Err(e.into()),
                }
            }
        }
        Ok(Acks(state))
    }

    /// Deliver what is queued (bounded wait) and drop the producer, off the async workers.
    pub async fn close(self, bound: Duration) {
        let inner = self.inner;
        let flushed = tokio::task::spawn_blocking(move || {
            let result = inner.flush(bound);
            drop(inner);
            result
        });
        match tokio::time::timeout(bound + Duration::from_secs(1), flushed).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "Kafka producer flush at close failed"),
            _ => tracing::warn!("Kafka producer did not close in time; abandoning it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::mocking::MockCluster;
    use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

    fn producer(mock: &MockCluster<'_, rdkafka::producer::DefaultProducerContext>) -> Producer {
        let mut props = ClientProps::default();
        for (k, v) in super::super::JAVA_PRODUCER_DEFAULTS {
            props.set(k, *v);
        }
        props.set("acks", "all");
        props.set("bootstrap.servers", mock.bootstrap_servers());
        Producer::create(&props).unwrap()
    }

    fn records(n: usize) -> Vec<OutRecord<'static>> {
        let topic: Arc<str> = Arc::from("t");
        (0..n)
            .map(|i| OutRecord {
                topic: Arc::clone(&topic),
                partition: None,
                key: None,
                value: Bytes::from(i.to_string()),
                timestamp: None,
                headers: Vec::new(),
            })
            .collect()
    }

    /// The batch's future is pending while acknowledgements are outstanding and resolves
    /// once all of them are in; two batches in flight resolve independently.
    #[tokio::test]
    async fn acks_resolve_when_every_record_of_the_batch_is_acknowledged() {
        let mock = MockCluster::new(1).unwrap();
        mock.create_topic("t", 1, 1).unwrap();
        let p = producer(&mock);
        p.send_all(&records(10)).await.unwrap(); // metadata known from here on
        mock.broker_round_trip_time(1, Duration::from_millis(300))
            .unwrap();
        let mut first = p.send(&records(700)).await.unwrap();
        let mut second = p.send(&records(300)).await.unwrap();
        assert!(
            futures::poll!(&mut first).is_pending(),
            "resolved before the broker answered"
        );
        assert!(first.0.remaining.load(Ordering::Acquire) > 0);
        tokio::time::timeout(Duration::from_secs(20), &mut first)
            .await
            .expect("acknowledged")
            .unwrap();
        assert_eq!(first.0.remaining.load(Ordering::Acquire), 0);
        tokio::time::timeout(Duration::from_secs(20), &mut second)
            .await
            .expect("acknowledged")
            .unwrap();
        // Every record's reference to the batch came back through its delivery report.
        assert_eq!(Arc::strong_count(&first.0), 1);
        p.close(Duration::from_secs(5)).await;
    }

    /// A record the broker refuses fails its batch (retries = 0, as in Flume's client).
    #[tokio::test]
    async fn a_refused_record_fails_the_batch() {
        let mock = MockCluster::new(1).unwrap();
        mock.create_topic("t", 1, 1).unwrap();
        let p = producer(&mock);
        p.send_all(&records(1)).await.unwrap();
        mock.request_errors(
            RDKafkaApiKey::Produce,
            &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS],
        );
        let acks = p.send(&records(50)).await.unwrap();
        let err = tokio::time::timeout(Duration::from_secs(20), acks)
            .await
            .expect("reported")
            .unwrap_err();
        assert!(
            matches!(err, ProduceError::Kafka(_)) && err.to_string().contains("replicas"),
            "{err}"
        );
        p.close(Duration::from_secs(5)).await;
    }

    /// A record for a partition the topic does not have is reported as failed; the batch
    /// fails even though its other records are acknowledged.
    #[tokio::test]
    async fn one_undeliverable_record_fails_a_batch_of_good_ones() {
        let mock = MockCluster::new(1).unwrap();
        mock.create_topic("t", 1, 1).unwrap();
        let p = producer(&mock);
        p.send_all(&records(1)).await.unwrap();
        let mut batch = records(20);
        batch[13].partition = Some(7);
        let err = tokio::time::timeout(Duration::from_secs(20), p.send_all(&batch))
            .await
            .expect("reported")
            .unwrap_err();
        assert!(
            err.to_string().to_lowercase().contains("partition"),
            "{err}"
        );
        p.close(Duration::from_secs(5)).await;
    }
}
