//! Flume's `ChannelProcessor`: interceptors, then the selector, then one put transaction per
//! required channel (a failure fails the batch back to the source), then the optional ones
//! (failures logged and ignored). Reference §5.3.

use crate::channel::{ChannelError, ChannelRef};
use crate::event::Event;
use crate::interceptor::{InterceptorChain, InterceptorError};
use crate::selector::ChannelSelector;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProcessError {
    #[error("unable to put batch on required channel {channel}: {source}")]
    Channel {
        channel: String,
        source: ChannelError,
    },
    #[error(transparent)]
    Interceptor(#[from] InterceptorError),
}

impl ProcessError {
    /// True for Flume's `ChannelFullException` (the source should back off and retry).
    pub fn is_full(&self) -> bool {
        matches!(
            self,
            ProcessError::Channel {
                source: ChannelError::Full(_),
                ..
            }
        )
    }
}

pub struct ChannelProcessor {
    channels: Vec<ChannelRef>,
    interceptors: InterceptorChain,
    selector: Box<dyn ChannelSelector>,
}

impl ChannelProcessor {
    pub fn new(
        channels: Vec<ChannelRef>,
        interceptors: InterceptorChain,
        selector: Box<dyn ChannelSelector>,
    ) -> Self {
        ChannelProcessor {
            channels,
            interceptors,
            selector,
        }
    }

    pub fn channels(&self) -> &[ChannelRef] {
        &self.channels
    }

    pub async fn process_event(&self, event: Event) -> Result<(), ProcessError> {
        self.process_batch(vec![event]).await
    }

    pub async fn process_batch(&self, events: Vec<Event>) -> Result<(), ProcessError> {
        let events = self.interceptors.intercept_async(events).await?;
        if events.is_empty() {
            return Ok(());
        }
        let n = self.channels.len();
        if let Some(fixed) = self.selector.fixed() {
            // Every event goes to the same channels: no per-event selection, and no copy for
            // the last channel written.
            let targets: Vec<(usize, bool)> = fixed
                .required
                .iter()
                .map(|&i| (i, true))
                .chain(fixed.optional.iter().map(|&i| (i, false)))
                .collect();
            let mut events = Some(events);
            for (k, &(i, required)) in targets.iter().enumerate() {
                if !required && let Some(name) = &fixed.unknown_optional {
                    return Err(null_optional_channel(name));
                }
                let batch = if k + 1 == targets.len() {
                    events.take().unwrap_or_default()
                } else {
                    events.clone().unwrap_or_default()
                };
                self.put(i, batch, required).await?;
            }
            if let Some(name) = &fixed.unknown_optional {
                return Err(null_optional_channel(name));
            }
            return Ok(());
        }
        let mut required: Vec<Vec<Event>> = vec![Vec::new(); n];
        let mut optional: Vec<Vec<Event>> = vec![Vec::new(); n];
        let mut unknown_optional: Option<String> = None;
        for event in events {
            let selection = self.selector.select(&event);
            if unknown_optional.is_none() {
                unknown_optional.clone_from(&selection.unknown_optional);
            }
            for &i in &selection.required {
                required[i].push(event.clone());
            }
            for &i in &selection.optional {
                optional[i].push(event.clone());
            }
        }
        for (i, batch) in required.into_iter().enumerate() {
            if !batch.is_empty() {
                self.put(i, batch, true).await?;
            }
        }
        if let Some(name) = unknown_optional {
            return Err(null_optional_channel(&name));
        }
        for (i, batch) in optional.into_iter().enumerate() {
            if !batch.is_empty() {
                self.put(i, batch, false).await?;
            }
        }
        Ok(())
    }

    async fn put(
        &self,
        index: usize,
        batch: Vec<Event>,
        required: bool,
    ) -> Result<(), ProcessError> {
        let channel = &self.channels[index];
        match channel.put_batch(batch).await {
            Ok(()) => Ok(()),
            Err(source) if required => Err(ProcessError::Channel {
                channel: channel.name().to_string(),
                source,
            }),
            Err(error) => {
                tracing::warn!(channel = %channel.name(), %error, "Unable to put event on optional channel");
                Ok(())
            }
        }
    }
}

/// The replicating selector's `optional` named a channel the source does not have: Flume
/// holds a null channel and fails with a NullPointerException once the required channels
/// have the batch.
fn null_optional_channel(name: &str) -> ProcessError {
    ProcessError::Channel {
        channel: name.to_string(),
        source: ChannelError::Failed(format!(
            "NullPointerException: optional channel {name} is not a channel of this source"
        )),
    }
}
