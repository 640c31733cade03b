//! Test helpers for noio-ws: a client and a server [`Connection`] wired
//! together in memory, builders for raw (possibly malformed) frames, and
//! the tests every echo server example passes ([`echo_examples`]).

pub mod echo_examples;

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, Mask, OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Event, Frame, ProtocolError, UsageError};
use noio_ws_registry::{
    Extension, ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError, Progress, Registry,
};

/// Runs a fuzz target's body over each committed seed in
/// `fuzz/seeds/<target>`, so `cargo test` checks every seed on stable.
pub fn replay_fuzz_seeds(target: &str, run: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        run(&std::fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 5, "expected the committed seeds of {target}, found {count}");
}

/// `len` bytes that do not compress (xorshift64), the same for every run.
pub fn incompressible(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

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

/// Everything `conn` has queued to write, in wire order: each part
/// [`Connection::poll_output`] hands out until it returns `None`, joined.
pub fn drain_output(conn: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    while let Some(part) = conn.poll_output() {
        wire.extend_from_slice(&part);
    }
    wire
}

/// Queues `frame` on `conn` with [`Connection::send`], then takes
/// everything queued with [`drain_output`]: the frame's bytes, after
/// whatever was queued before it (automatic pongs and close replies).
pub fn sent(conn: &mut Connection, frame: Frame) -> Result<Vec<u8>, UsageError> {
    conn.send(frame)?;
    Ok(drain_output(conn))
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
        exchange(&mut self.client, &mut self.server, frame)
    }

    /// The server sends `frame`; the client receives it. Returns the
    /// client's events (its automatic replies are delivered to the server).
    pub fn server_sends(&mut self, frame: Frame) -> Result<Vec<Event>, UsageError> {
        exchange(&mut self.server, &mut self.client, frame)
    }
}

/// `sender` sends `frame` to `receiver`, whose events are returned and whose
/// automatic replies go back to `sender`.
fn exchange(
    sender: &mut Connection,
    receiver: &mut Connection,
    frame: Frame,
) -> Result<Vec<Event>, UsageError> {
    let bytes = sent(sender, frame)?;
    receiver.recv(&bytes);
    let (events, _) = drain(receiver);
    let replies = drain_output(receiver);
    if !replies.is_empty() {
        sender.recv(&replies);
    }
    Ok(events)
}

/// A small but complete extension for tests: XORs payloads with a key
/// negotiated as `key=N` (the client offers 7, with a key-less fallback), and
/// marks the messages it transformed with its reserved bits. Its decode hands
/// out at most `max_output` bytes per call, like a real decompressor.
pub struct Xor {
    name: &'static str,
    rsv: Rsv,
    key: Option<u8>,
}

impl Xor {
    /// An extension called `name` claiming `rsv`, not yet negotiated.
    pub fn new(name: &'static str, rsv: Rsv) -> Self {
        Xor { name, rsv, key: None }
    }

    fn key_param(offer: &ExtensionOffer) -> Option<u8> {
        offer.params_named("key").next()?.value.as_deref()?.parse().ok()
    }
}

impl Extension for Xor {
    fn name(&self) -> &str {
        self.name
    }

    fn rsv(&self) -> Rsv {
        self.rsv
    }

    fn client_offers(&self) -> Vec<ExtensionOffer> {
        vec![ExtensionOffer::new(self.name).with_param("key", Some("7")), ExtensionOffer::new(self.name)]
    }

    fn server_accept(
        &mut self,
        offers: &[ExtensionOffer],
    ) -> Result<Option<ExtensionResponse>, NegotiationError> {
        let Some(key) = offers.iter().find_map(Xor::key_param) else {
            return Ok(None);
        };
        self.key = Some(key);
        Ok(Some(ExtensionOffer::new(self.name).with_param("key", Some(&key.to_string()))))
    }

    fn client_accept(&mut self, response: &ExtensionResponse) -> Result<(), NegotiationError> {
        let key = Xor::key_param(response).ok_or_else(|| NegotiationError::refused(self.name, "no key"))?;
        self.key = Some(key);
        Ok(())
    }

    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError> {
        Ok(header.rsv.intersects(self.rsv))
    }

    fn decode(
        &mut self,
        input: &[u8],
        _end: bool,
        output: &mut BytesMut,
        max: usize,
    ) -> Result<Progress, ExtensionError> {
        let n = input.len().min(max);
        output.extend(input[..n].iter().map(|b| b ^ self.key.unwrap_or(0)));
        Ok(Progress { consumed: n, produced: n, drained: n == input.len() })
    }

    fn begin_encode(&mut self, _opcode: OpCode, _len: Option<usize>) -> Result<Option<Rsv>, ExtensionError> {
        Ok(Some(self.rsv))
    }

    fn encode(&mut self, input: &[u8], _end: bool, output: &mut BytesMut) -> Result<(), ExtensionError> {
        output.extend(input.iter().map(|b| b ^ self.key.unwrap_or(0)));
        Ok(())
    }
}
