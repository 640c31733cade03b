//! The `connection_deflate` fuzz target: a [`Connection`] with negotiated
//! permessage-deflate, configured from the input at the extremes, fed a
//! peer's traffic that mixes our own compressed messages with raw bytes.

use noio_ws_codec::{MAX_HEADER_LEN, Role};
use noio_ws_connection::{Config, Connection, Delivery, Event, Frame, UsageError};
use noio_ws_registry::Registry;

use crate::{DeflateConfig, PerMessageDeflate};

/// Limit values the configuration draws from: the extremes and a few in between.
const LIMITS: [u64; 8] = [0, 1, 2, 7, 100, 4096, 1 << 20, u64::MAX];

/// Chunk and read sizes drawn from.
const SIZES: [usize; 8] = [0, 1, 2, 3, 16, 1000, 64 << 10, usize::MAX];

/// The most decompressed bytes one input may make the connection hand out,
/// so a bomb under unlimited limits keeps the target fast.
const DELIVERED: usize = 4 << 20;

/// The `connection_deflate` target. Bytes 0-2 pick the role, the delivery
/// mode, the limits, the chunk and read sizes and the window; the rest is a
/// script of what the peer does: send a message compressed by its own
/// deflate (whole or in two fragments), send a ping, or send raw bytes. The
/// connection must never panic, every event must move on (no empty piece
/// that is not the message's end), what it hands out keeps its limits, and it
/// never holds more than the peer sent.
pub fn connection_deflate(data: &[u8]) {
    let [a, b, c, script @ ..] = data else {
        return;
    };
    let role = if a & 1 == 0 { Role::Server } else { Role::Client };
    let delivery = match (a & 2 != 0, c & 0x40 != 0) {
        (false, false) => Delivery::WholeMessages,
        (false, true) => Delivery::Frames,
        (true, _) => Delivery::Streaming,
    };
    let config = Config {
        max_frame_len: LIMITS[usize::from(a >> 2 & 7)],
        max_message_len: LIMITS[usize::from(a >> 5)],
        max_chunk_len: SIZES[usize::from(b & 7)],
        max_read_len: SIZES[usize::from(b >> 3 & 7)],
        auto_pong: b & 0x40 == 0,
        auto_close: b & 0x80 == 0,
        delivery,
        ..Config::DEFAULT
    };
    let window = 9 + c % 7;
    let deflate = DeflateConfig {
        client_max_window_bits: window,
        server_max_window_bits: window,
        client_no_context_takeover: c & 0x10 != 0,
        server_no_context_takeover: c & 0x20 != 0,
        threshold: 0,
        ..DeflateConfig::default()
    };
    let (mut peer, mut conn) = negotiated(role, config, deflate, u64::from(*c));
    // A read lends at most this much.
    let read = config.max_read_len.max(1);
    let (mut fed, mut delivered) = (0usize, 0usize);
    let mut rest = script;
    while let [op, len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (body, after) = tail.split_at(take);
        rest = after;
        let wire = match op % 5 {
            0 => sent(&mut peer, Frame::binary(body.to_vec())),
            1 => sent(&mut peer, Frame::text(String::from_utf8_lossy(body).into_owned())),
            2 => two_fragments(&mut peer, body),
            3 => sent(&mut peer, Frame::ping(body[..body.len().min(125)].to_vec())),
            _ => Ok(body.to_vec()),
        };
        let Ok(wire) = wire else { continue };
        fed += wire.len();
        let mut input = &wire[..];
        while !input.is_empty() {
            let n = conn
                .recv_with(|buf| {
                    let n = buf.len().min(input.len());
                    buf[..n].copy_from_slice(&input[..n]);
                    Ok::<_, ()>(n)
                })
                .expect("an in-memory read cannot fail");
            input = &input[n..];
            if !drain(&mut conn, &config, &mut delivered) {
                return;
            }
            // A frame is buffered whole only when uncompressed and delivered
            // whole, so within both limits; a control frame within 125 bytes.
            let frame = config.max_frame_len.min(config.max_message_len.max(125));
            let bound = usize::try_from(frame)
                .unwrap_or(usize::MAX)
                .saturating_add(MAX_HEADER_LEN)
                .saturating_add(read);
            let held = conn.buffered();
            assert!(held <= fed && held <= bound, "holds {held} bytes of the {fed} sent (bound {bound})");
            let reply = output(&mut conn);
            if !reply.is_empty() {
                peer.recv(&reply);
                while let Ok(event) = peer.next_event() {
                    if event == Event::NeedData {
                        break;
                    }
                }
            }
        }
        if delivered > DELIVERED {
            return;
        }
    }
    conn.recv_eof();
    drain(&mut conn, &config, &mut delivered);
}

/// A message sent as two fragments, the first half then the rest.
fn two_fragments(peer: &mut Connection, body: &[u8]) -> Result<Vec<u8>, UsageError> {
    let (first, second) = body.split_at(body.len() / 2);
    peer.send(Frame::binary(first.to_vec()).with_fin(false))?;
    sent(peer, Frame::continuation(second.to_vec(), true))
}

/// Queues `frame` on `peer` and takes everything queued: its bytes, after
/// anything queued before.
fn sent(peer: &mut Connection, frame: Frame) -> Result<Vec<u8>, UsageError> {
    peer.send(frame)?;
    Ok(output(peer))
}

/// Everything `conn` has queued to write, in wire order.
fn output(conn: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    while let Some(part) = conn.poll_output() {
        wire.extend_from_slice(&part);
    }
    wire
}

/// Hands out every ready event, checking each; false once the connection
/// failed or handed out more than [`DELIVERED`].
fn drain(conn: &mut Connection, config: &Config, delivered: &mut usize) -> bool {
    loop {
        match conn.next_event() {
            Ok(Event::NeedData) => return true,
            Ok(Event::Message(m)) => {
                assert!(m.payload.len() as u64 <= config.max_message_len);
                *delivered += m.payload.len();
            }
            Ok(Event::Chunk(c)) => {
                assert!(!c.payload.is_empty() || c.fin, "an empty piece that is not the end");
                let most = config.max_chunk_len.max(config.max_read_len).max(1);
                assert!(c.payload.len() <= most, "a {}-byte piece", c.payload.len());
                *delivered += c.payload.len();
            }
            Ok(Event::Frame(f)) => {
                assert!(!f.payload.is_empty() || f.frame_end, "an empty piece that does not end its frame");
                let most = config
                    .max_chunk_len
                    .max(1)
                    .max(usize::try_from(config.max_frame_len).unwrap_or(usize::MAX));
                assert!(f.payload.len() <= most, "a {}-byte frame piece", f.payload.len());
                *delivered += f.payload.len();
            }
            Ok(Event::Ping(c) | Event::Pong(c) | Event::Control(c)) => assert!(c.payload.len() <= 125),
            Ok(_) => {}
            Err(first) => {
                assert_eq!(conn.next_event(), Err(first), "a failure is final");
                return false;
            }
        }
        if *delivered > DELIVERED {
            return false;
        }
    }
}

/// The connection under test, for `role` with `config`, and its peer (with
/// the defaults: it only sends), having negotiated `deflate`.
fn negotiated(role: Role, config: Config, deflate: DeflateConfig, seed: u64) -> (Connection, Connection) {
    let mut client = Registry::new();
    client.extensions.push(PerMessageDeflate::new(deflate)).expect("RSV1 is free");
    let mut server = Registry::new();
    server.extensions.push(PerMessageDeflate::new(deflate)).expect("RSV1 is free");
    let offers = client.extensions.client_offers();
    let responses = server.extensions.server_negotiate(&offers).expect("our own offers are valid");
    client.extensions.client_negotiate(&responses).expect("our own answer is valid");
    let (client_config, server_config) = match role {
        Role::Server => (Config::default(), config),
        Role::Client => (config, Config::default()),
    };
    let client = Connection::with_registry(Role::Client, client_config, client).with_mask_seed(seed);
    let server = Connection::with_registry(Role::Server, server_config, server);
    match role {
        Role::Server => (client, server),
        Role::Client => (server, client),
    }
}
