//! The client side: [`Requester`], one per connection.

use super::*;

/// The client's side of Avro IPC, one per connection: serials, and the handshake the way
/// Java's `Requester` does it (hash only first; the protocol text only after a NONE).
#[derive(Debug)]
pub struct Requester {
    serial: i32,
    pub(super) connected: bool,
    send_protocol: bool,
    server_hash: [u8; 16],
}

impl Default for Requester {
    fn default() -> Self {
        Requester {
            serial: 0,
            connected: false,
            send_protocol: false,
            server_hash: PROTOCOL_HASH,
        }
    }
}

/// A request ready to send.
#[derive(Debug)]
pub struct OutgoingCall {
    pub serial: i32,
    pub frame: BytesMut,
    pub(super) with_handshake: bool,
}

/// What a reply said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(Status),
    /// The server did not know our protocol (NONE): send the same call again.
    Resend,
    /// The reply to a ping (no message).
    Pong,
}

impl Requester {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }

    fn request(&mut self, name: &str, params: &[u8]) -> OutgoingCall {
        // Java's first serial on a connection is 1.
        self.serial = self.serial.wrapping_add(1);
        let with_handshake = !self.connected;
        let mut head = BytesMut::with_capacity(64);
        if with_handshake {
            HandshakeRequest {
                client_hash: PROTOCOL_HASH,
                client_protocol: self.send_protocol.then(|| PROTOCOL_JSON.to_string()),
                server_hash: self.server_hash,
                // Java's requester sends an empty map here, not null.
                meta: Some(Vec::new()),
            }
            .encode(&mut head);
        }
        put_bytes_map(&mut head, &[]);
        put_string(&mut head, name);
        let mut buffers: Vec<&[u8]> = vec![&head];
        if !params.is_empty() {
            buffers.extend(java_chunks(params));
        }
        let mut frame = BytesMut::new();
        put_frame(&mut frame, self.serial, &buffers);
        OutgoingCall {
            serial: self.serial,
            frame,
            with_handshake,
        }
    }

    /// `appendBatch(events)`.
    pub fn append_batch(&mut self, events: &[Event]) -> OutgoingCall {
        let size: usize = events
            .iter()
            .map(|e| e.body.len() + 8 + e.headers.len() * 16)
            .sum();
        let mut params = BytesMut::with_capacity(size + 8);
        put_events(&mut params, events);
        self.request("appendBatch", &params)
    }

    /// `append(event)`.
    pub fn append(&mut self, event: &Event) -> OutgoingCall {
        let mut params = BytesMut::new();
        avro_event::encode_char_seq_map_into(&mut params, &event.headers, &event.body);
        self.request("append", &params)
    }

    /// A handshake ping (empty message name).
    pub fn ping(&mut self) -> OutgoingCall {
        self.request("", &[])
    }

    /// Read the reply to `call`.
    pub fn read_reply(
        &mut self,
        call: &OutgoingCall,
        payload: &[u8],
    ) -> Result<Reply, AvroRpcError> {
        let mut r = Reader::new(payload);
        if call.with_handshake && !payload.is_empty() {
            let response = HandshakeResponse::decode(&mut r)?;
            if let Some(hash) = response.server_hash {
                self.server_hash = hash;
            }
            if response.matched == HandshakeMatch::None {
                self.send_protocol = true;
                return Ok(Reply::Resend);
            }
            self.connected = true;
        }
        if r.remaining().is_empty() {
            return Ok(Reply::Pong);
        }
        let _meta = read_bytes_map(&mut r)?;
        match r.byte()? {
            0 => {
                let index = r.long()?;
                Status::from_index(index).map(Reply::Status).ok_or_else(|| {
                    AvroRpcError::BadResponse(format!("unknown Status index {index}"))
                })
            }
            _ => {
                let branch = r.long()?;
                if branch != 0 {
                    return Err(AvroRpcError::BadResponse(format!(
                        "unknown error union branch {branch}"
                    )));
                }
                Err(AvroRpcError::Remote(lossy(r.bytes()?)))
            }
        }
    }
}
