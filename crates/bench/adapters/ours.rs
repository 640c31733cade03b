//! noio-ws: a server `Connection` reading straight into its own buffer with
//! `recv_with`, a client `Connection` drained with `poll_output_into`.

use std::io::{Read, Write};

use noio_ws_bench::Input;
use noio_ws_codec::Role;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_connection::{Config, Connection, Event, Frame};

use super::Memory;

/// Reads the transport into the connection's buffer (no copy beyond the
/// read's own) and takes each message's payload, already unmasked and, for
/// text, checked to be UTF-8 as it arrived (`Message::as_text` would check
/// it again: the payload is what an application that asked for text gets).
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let mut memory = Memory::new(&input.wire, &mut discard);
    let mut server = Connection::new(Role::Server, Config::default());
    let text = input.workload.is_text();
    let mut left = input.count();
    while left > 0 {
        let read = server.recv_with(|buf| memory.read(buf)).expect("memory reads never fail");
        assert!(read > 0, "noio-ws: the stream ended with {left} messages to go");
        loop {
            match server.next_event() {
                Ok(Event::Message(m)) => {
                    assert_eq!(m.is_text(), text, "noio-ws: a message of the wrong type");
                    on_message(&m.payload);
                    left -= 1;
                }
                Ok(Event::NeedData) => break,
                other => panic!("noio-ws: {other:?}"),
            }
        }
    }
}

/// Queues each payload as a binary frame (the payload is shared, not
/// copied) and moves the masked bytes out with `poll_output_into`, which
/// hands the connection's buffer over when `dst` is empty; each frame is
/// written to the transport as it is made, and `dst` cleared for the next.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let mut memory = Memory::new(&[], out);
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(0x006b_6579);
    let mut dst = BytesMut::new();
    for payload in &input.payloads {
        client.send(Frame::binary(payload.clone())).expect("a client may send while open");
        client.poll_output_into(&mut dst);
        memory.write_all(&dst).expect("memory writes never fail");
        dst.clear();
    }
}
