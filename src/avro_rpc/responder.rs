//! The server side: [`Responder`] (one per source, shared by its connections) and a
//! [`Connection`] per TCP connection.

use super::*;

/// What the server knows of a client's protocol: the message names it declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProtocol {
    messages: Vec<String>,
}

impl RemoteProtocol {
    pub(super) fn local() -> Self {
        RemoteProtocol {
            messages: MESSAGES.iter().map(|m| m.to_string()).collect(),
        }
    }

    /// Parse a client's protocol text (`Protocol.parse`): only its message names matter here,
    /// the request layouts of a Flume client are the ones this server reads.
    fn parse(text: &str) -> Result<Self, String> {
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("org.apache.avro.SchemaParseException: {e}"))?;
        let messages = match json.get("messages") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            Some(_) => {
                return Err(
                    "org.apache.avro.SchemaParseException: Messages not an object".to_string(),
                );
            }
        };
        Ok(RemoteProtocol { messages })
    }

    fn has(&self, name: &str) -> bool {
        self.messages.iter().any(|m| m == name)
    }
}

/// The server's side of Avro IPC for `AvroSourceProtocol`: one per source, shared by all its
/// connections (the protocols it has learned from clients, like Java's `Responder`).
pub struct Responder {
    known: Mutex<HashMap<[u8; 16], Arc<RemoteProtocol>>>,
}

impl Default for Responder {
    fn default() -> Self {
        let mut known = HashMap::new();
        // Java clients of this protocol send its hash and no text: knowing it up front answers
        // them BOTH at once, as a Java server does.
        known.insert(PROTOCOL_HASH, Arc::new(RemoteProtocol::local()));
        Responder {
            known: Mutex::new(known),
        }
    }
}

/// Per-connection state: the client's protocol once the handshake succeeded.
#[derive(Debug, Default)]
pub struct Connection {
    pub(super) remote: Option<Arc<RemoteProtocol>>,
}

impl Connection {
    pub fn is_connected(&self) -> bool {
        self.remote.is_some()
    }
}

/// A call the source must execute before it can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Append(Event),
    AppendBatch(Vec<Event>),
}

/// What to do with one request frame.
#[derive(Debug)]
pub enum Step {
    /// Send this frame back now (handshake refusal, ping, system error).
    Reply(BytesMut),
    /// Run the call, then send `pending.finish(status)`.
    Execute(Call, PendingReply),
}

/// The reply to an executed call, waiting for its status.
#[derive(Debug)]
pub struct PendingReply {
    serial: i32,
    handshake: Option<BytesMut>,
}

impl PendingReply {
    pub fn serial(&self) -> i32 {
        self.serial
    }

    /// The reply frame: `[handshake | empty] [meta] [error=false, status]`, Java's buffers.
    pub fn finish(self, status: Status) -> BytesMut {
        let mut payload = BytesMut::with_capacity(2);
        put_bool(&mut payload, false);
        put_long(&mut payload, status.index());
        reply_frame(self.serial, self.handshake.as_deref(), &payload)
    }
}

/// Java's response layout: the handshake buffer (an empty one when there was no handshake),
/// then the response metadata (`00`), then the payload.
pub(super) fn reply_frame(serial: i32, handshake: Option<&[u8]>, payload: &[u8]) -> BytesMut {
    let mut out = BytesMut::new();
    let handshake = handshake.unwrap_or(&[]);
    let mut buffers: Vec<&[u8]> = Vec::with_capacity(3);
    buffers.push(handshake);
    buffers.push(&[0u8]);
    buffers.extend(java_chunks(payload));
    put_frame(&mut out, serial, &buffers);
    out
}

pub(super) fn system_error(serial: i32, handshake: Option<&[u8]>, message: &str) -> BytesMut {
    let mut payload = BytesMut::with_capacity(message.len() + 8);
    put_bool(&mut payload, true);
    put_long(&mut payload, 0); // union ["string"], branch 0
    put_string(&mut payload, message);
    reply_frame(serial, handshake, &payload)
}

impl Responder {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Responder.handshake`: returns the encoded response and the client's protocol (None →
    /// the answer was NONE and the call must not run).
    fn handshake(
        &self,
        r: &mut Reader<'_>,
    ) -> Result<(BytesMut, Option<Arc<RemoteProtocol>>), String> {
        let request = HandshakeRequest::decode(r).map_err(|e| java_exception_text(&e))?;
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let mut remote = known.get(&request.client_hash).cloned();
        if remote.is_none()
            && let Some(text) = &request.client_protocol
        {
            let parsed = Arc::new(RemoteProtocol::parse(text)?);
            if known.len() < MAX_KNOWN_PROTOCOLS {
                known.insert(request.client_hash, Arc::clone(&parsed));
            }
            remote = Some(parsed);
        }
        drop(known);
        let matched = match (&remote, request.server_hash == PROTOCOL_HASH) {
            (None, _) => HandshakeMatch::None,
            (Some(_), true) => HandshakeMatch::Both,
            (Some(_), false) => HandshakeMatch::Client,
        };
        let full = matched != HandshakeMatch::Both;
        let response = HandshakeResponse {
            matched,
            server_protocol: full.then(|| PROTOCOL_JSON.to_string()),
            server_hash: full.then_some(PROTOCOL_HASH),
            meta: None,
        };
        let mut out = BytesMut::new();
        response.encode(&mut out);
        Ok((out, remote))
    }

    /// Handle one request frame on `conn`.
    pub fn respond(&self, conn: &mut Connection, frame: &Frame) -> Step {
        let serial = frame.serial;
        let payload = &frame.payload;
        let mut r = Reader::new(payload);
        let mut handshake: Option<BytesMut> = None;
        let remote = match conn.remote.clone() {
            Some(remote) => remote,
            None => match self.handshake(&mut r) {
                Ok((response, Some(remote))) => {
                    conn.remote = Some(Arc::clone(&remote));
                    handshake = Some(response);
                    remote
                }
                Ok((response, None)) => {
                    let mut out = BytesMut::new();
                    put_frame(&mut out, serial, &[&response]);
                    return Step::Reply(out);
                }
                Err(message) => return Step::Reply(system_error(serial, None, &message)),
            },
        };
        let hs = handshake.as_deref();
        let name = match read_bytes_map(&mut r).and_then(|_meta| r.bytes()) {
            Ok(name) => lossy(name),
            Err(e) => return Step::Reply(system_error(serial, hs, &java_exception_text(&e))),
        };
        if name.is_empty() {
            // A handshake ping: the reply is the handshake buffer alone.
            let mut out = BytesMut::new();
            put_frame(&mut out, serial, &[hs.unwrap_or(&[])]);
            return Step::Reply(out);
        }
        if !remote.has(&name) {
            let message =
                format!("org.apache.avro.AvroRuntimeException: No such remote message: {name}");
            return Step::Reply(system_error(serial, hs, &message));
        }
        if !MESSAGES.contains(&name.as_str()) {
            let message = format!(
                "org.apache.avro.AvroRuntimeException: No message named {name} in {PROTOCOL_JSON}"
            );
            return Step::Reply(system_error(serial, hs, &message));
        }
        let call = if name == "append" {
            read_event(&mut r, payload).map(Call::Append)
        } else {
            read_events(&mut r, payload).map(Call::AppendBatch)
        };
        match call {
            Ok(call) => Step::Execute(call, PendingReply { serial, handshake }),
            Err(e) => Step::Reply(system_error(serial, hs, &java_exception_text(&e))),
        }
    }
}
