//! noio-ws: a server `Connection` given the bytes with `recv` (and, as a
//! second entry, reading them itself with `recv_with`), taking messages with
//! `next_event_ref` (a message under 64 KiB in one frame is lent out of the
//! input buffer; others come owned), and a client `Connection` drained with
//! `poll_output_with`.

use std::io::{Read, Write};

use noio_ws_bench::{Input, READ_LEN};
use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Event, EventRef};

use super::Memory;

/// Hands the transport's bytes to the connection with `recv`, a 64 KiB
/// piece at a time: the bytes are in memory already, and `recv` copies them
/// into the connection's buffer, the one copy each peer's transport read
/// makes. `recv_with` over the transport is [`decode_recv_with`].
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let mut memory = Memory::new(&input.wire, &mut discard);
    decode_from(input, on_message, |server| {
        let piece = memory.lend(READ_LEN);
        server.recv(piece);
        piece.len()
    });
}

/// Reads the transport straight into the connection's buffer with
/// `recv_with`, as a driver reading a socket does (the connection lends a
/// zeroed slice of its buffer to each read).
pub(super) fn decode_recv_with(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let mut memory = Memory::new(&input.wire, &mut discard);
    decode_from(input, on_message, |server| {
        server.recv_with(|buf| memory.read(buf)).expect("memory reads never fail")
    });
}

/// A server connection fed by `feed` (which returns how many bytes it
/// gave) until every message is out; each message's payload is taken
/// already unmasked and, for text, checked to be UTF-8 as it arrived
/// (`Message::as_text` would check it again: the payload is what an
/// application that asked for text gets).
fn decode_from(
    input: &Input,
    on_message: &mut impl FnMut(&[u8]),
    mut feed: impl FnMut(&mut Connection) -> usize,
) {
    let mut server = Connection::new(Role::Server, Config::default());
    let text = input.workload.is_text();
    let mut left = input.count();
    while left > 0 {
        assert!(feed(&mut server) > 0, "noio-ws: the stream ended with {left} messages to go");
        loop {
            match server.next_event_ref() {
                Ok(EventRef::Message(m)) => {
                    assert_eq!(m.is_text(), text, "noio-ws: a message of the wrong type");
                    on_message(m.payload);
                    left -= 1;
                }
                Ok(EventRef::Event(Event::Message(m))) => {
                    assert_eq!(m.is_text(), text, "noio-ws: a message of the wrong type");
                    on_message(&m.payload);
                    left -= 1;
                }
                Ok(EventRef::Event(Event::NeedData)) => break,
                other => panic!("noio-ws: {other:?}"),
            }
        }
    }
}

/// Queues each payload with `send_binary` (masked while copied into the
/// queue, no `Bytes` or `Frame` made) and writes it to the transport with
/// `poll_output_with`, which lends the queue to the write: one copy, into
/// the transport, as each frame is made.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let mut memory = Memory::new(&[], out);
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(0x006b_6579);
    for payload in &input.payloads {
        client.send_binary(payload).expect("a client may send while open");
        client.poll_output_with(|bytes| memory.write(bytes)).expect("memory writes never fail");
    }
}
