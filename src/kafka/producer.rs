//! Sending a batch of records and waiting until every one is acknowledged — what the Kafka
//! sink's and the Kafka channel's commits wait for (Flume: `send` all, `flush()`, then every
//! future's `get()`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};

use super::client::ClientProps;

/// One record to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRecord {
    pub topic: Arc<str>,
    pub partition: Option<i32>,
    pub key: Option<String>,
    pub value: Bytes,
    pub timestamp: Option<i64>,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    #[error("{0}")]
    Kafka(#[from] KafkaError),
    #[error("the producer was closed before the record was acknowledged")]
    Canceled,
}

pub struct Producer {
    inner: FutureProducer,
}

/// The acknowledgements of one queued batch (see [`Producer::send`]).
pub struct Acks(Pin<Box<dyn Future<Output = Result<(), ProduceError>> + Send>>);

impl Future for Acks {
    type Output = Result<(), ProduceError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl Producer {
    pub fn create(props: &ClientProps) -> Result<Producer, KafkaError> {
        Ok(Producer {
            inner: props.to_client_config().create()?,
        })
    }

    /// Send every record and wait for all acknowledgements. On an error the records already
    /// queued may still be delivered (the caller retries the whole batch: duplicates, never
    /// losses — Flume's behaviour).
    pub async fn send_all(&self, records: &[OutRecord]) -> Result<(), ProduceError> {
        self.send(records).await?.await
    }

    /// Queue every record; the returned future resolves when all of them are acknowledged
    /// (or at the first failure). It can be polled by reference and dropped at any point
    /// (the records stay queued), so a caller can queue the next batch meanwhile.
    pub async fn send(&self, records: &[OutRecord]) -> Result<Acks, ProduceError> {
        let mut pending = Vec::with_capacity(records.len());
        for r in records {
            let mut record: FutureRecord<'_, str, [u8]> =
                FutureRecord::to(&r.topic).payload(&r.value[..]);
            if let Some(k) = &r.key {
                record = record.key(k.as_str());
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
                match self.inner.send_result(record) {
                    Ok(delivery) => {
                        pending.push(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // librdkafka's queue is full: let it drain (its own thread sends).
                        record = back;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err((e, _)) => return Err(e.into()),
                }
            }
        }
        Ok(Acks(Box::pin(async move {
            for delivery in pending {
                match delivery.await {
                    Ok(Ok(_)) => {}
                    Ok(Err((e, _))) => return Err(e.into()),
                    Err(_) => return Err(ProduceError::Canceled),
                }
            }
            Ok(())
        })))
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
