//! A take transaction of the file channel: its commit writes a take record and waits for it,
//! its rollback puts the pointers back at the head of the queue.

use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};

use async_trait::async_trait;
use tokio::sync::oneshot;

use super::record::{self, Pointer};
use super::{FileChannel, Shared, log};
use crate::channel::{ChannelError, TakeTransaction};
use crate::event::Event;

impl FileChannel {
    pub(super) fn handle(&self) -> ChannelHandle {
        ChannelHandle {
            shared: Arc::clone(&self.shared),
            writer: self.writer(),
        }
    }
}

/// What a take transaction keeps of its channel.
pub(super) struct ChannelHandle {
    shared: Arc<Shared>,
    writer: Option<mpsc::Sender<log::Msg>>,
}

pub(super) struct FileTake {
    pub(super) channel: ChannelHandle,
    pub(super) take_id: u64,
    pub(super) pointers: Vec<Pointer>,
}

#[async_trait]
impl TakeTransaction for FileTake {
    async fn commit(self: Box<Self>, events: &[Event]) -> Result<(), ChannelError> {
        let sh = Arc::clone(&self.channel.shared);
        let bytes = record::encode_take(&self.pointers);
        let outcome = match &self.channel.writer {
            None => Err("the channel is closed".to_string()),
            Some(w) => {
                let (reply, rx) = oneshot::channel();
                match w.send(log::Msg::Request(log::Request {
                    op: log::Op::Take {
                        bytes,
                        take_id: self.take_id,
                    },
                    reply,
                })) {
                    Err(_) => Err("the log writer has stopped".to_string()),
                    Ok(()) => rx
                        .await
                        .unwrap_or_else(|_| Err("the log writer has stopped".to_string())),
                }
            }
        };
        match outcome {
            Ok(()) => {
                sh.counter
                    .take_success
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(why) => {
                sh.rollback_take(self.take_id);
                sh.file_counters.take_error.fetch_add(1, Ordering::Relaxed);
                Err(ChannelError::Failed(format!(
                    "Take commit failed {}: {why}",
                    sh.descriptor()
                )))
            }
        }
    }

    fn rollback(self: Box<Self>, _events: Vec<Event>) {
        self.channel.shared.rollback_take(self.take_id);
    }
}
