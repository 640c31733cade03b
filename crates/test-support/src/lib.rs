//! Test helpers for noio-ws: a client and a server [`Connection`] wired
//! together in memory, and builders for raw (possibly malformed) frames.

use noio_ws_codec::{Mask, OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Event, Frame, ProtocolError, UsageError};
use noio_ws_registry::Registry;

/// Every event `conn` has ready, up to (not including) `NeedData`, or the
/// error that failed it (with the events before it).
pub fn drain(conn: &mut Connection) -> (Vec<Event>, Option<ProtocolError>) {
    let mut events = Vec::new();
    loop {
        match conn.next_event() {
            Ok(Event::NeedData) => return (events, None),
            Ok(event) => events.push(event),
            Err(e) => return (events, Some(e)),
        }
    }
}

/// The bytes of one frame with any header at all, masked with `mask` if
/// given: for feeding a connection what a misbehaving peer would send. The
/// length is always in its minimal encoding; everything else is as asked,
/// even where the protocol forbids it (a fragmented or long control frame).
pub fn raw_frame(opcode: u8, payload: &[u8], fin: bool, rsv: Rsv, mask: Option<[u8; 4]>) -> Vec<u8> {
    let opcode = OpCode::new(opcode).expect("a four-bit opcode");
    let mut out = vec![u8::from(fin) << 7 | rsv.bits() << 4 | opcode.value()];
    let mask_bit = u8::from(mask.is_some()) << 7;
    match payload.len() {
        len @ 0..=125 => out.push(mask_bit | len as u8),
        len @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    let start = out.len() + mask.map_or(0, |k| k.len());
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        Mask(key).apply(&mut out[start..], 0);
    }
    out
}

/// A frame as a client sends it: masked.
pub fn client_frame(opcode: u8, payload: &[u8], fin: bool) -> Vec<u8> {
    raw_frame(opcode, payload, fin, Rsv::NONE, Some([0x12, 0x34, 0x56, 0x78]))
}

/// A frame as a server sends it: unmasked.
pub fn server_frame(opcode: u8, payload: &[u8], fin: bool) -> Vec<u8> {
    raw_frame(opcode, payload, fin, Rsv::NONE, None)
}

/// A client and a server connected in memory.
#[derive(Debug)]
pub struct Pair {
    /// The client end.
    pub client: Connection,
    /// The server end.
    pub server: Connection,
}

impl Pair {
    /// Both ends with `config` and empty registries.
    pub fn new(config: Config) -> Self {
        Pair::with_registries(config, Registry::new(), Registry::new())
    }

    /// Both ends with `config` and their own registries.
    pub fn with_registries(config: Config, client: Registry, server: Registry) -> Self {
        Pair {
            client: Connection::with_registry(Role::Client, config, client).with_mask_seed(7),
            server: Connection::with_registry(Role::Server, config, server),
        }
    }

    /// The client sends `frame`; the server receives it. Returns the server's
    /// events (its automatic replies are delivered back to the client).
    pub fn client_sends(&mut self, frame: Frame) -> Result<Vec<Event>, UsageError> {
        let bytes = self.client.send(frame)?;
        self.server.recv(&bytes);
        let (events, _) = drain(&mut self.server);
        if let Some(replies) = self.server.poll_output() {
            self.client.recv(&replies);
        }
        Ok(events)
    }

    /// The server sends `frame`; the client receives it. Returns the
    /// client's events (its automatic replies are delivered to the server).
    pub fn server_sends(&mut self, frame: Frame) -> Result<Vec<Event>, UsageError> {
        let bytes = self.server.send(frame)?;
        self.client.recv(&bytes);
        let (events, _) = drain(&mut self.client);
        if let Some(replies) = self.client.poll_output() {
            self.server.recv(&replies);
        }
        Ok(events)
    }
}
