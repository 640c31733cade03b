//! embedded-websocket: the sans-io `WebSocket::read` and `write` on caller
//! buffers, driven as its `Framer` drives them but keeping a frame header
//! split across two reads (the `Framer` fails on one: it never keeps the
//! unread tail of its read buffer).

use std::io::{Read, Write};

use embedded_websocket::{
    Error, WebSocketClient, WebSocketReceiveMessageType, WebSocketSendMessageType, WebSocketServer,
    WebSocketState,
};
use noio_ws_bench::{Input, READ_LEN};

use super::Memory;

/// Reads the transport into a 64 KiB read buffer and decodes from it into a
/// message buffer as large as the messages (unmasking as it copies); text
/// is checked with `core::str::from_utf8`, as its `Framer` does.
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let mut memory = Memory::new(&input.wire, &mut discard);
    let mut ws = WebSocketServer::new_server();
    ws.state = WebSocketState::Open; // the opening handshake is done
    let mut read_buf = vec![0; READ_LEN];
    let mut message = vec![0; input.len.max(1)];
    let (mut start, mut end, mut filled) = (0, 0, 0);
    let text = input.workload.is_text();
    let expected = if text { WebSocketReceiveMessageType::Text } else { WebSocketReceiveMessageType::Binary };
    let mut left = input.count();
    while left > 0 {
        let result = if start == end {
            None
        } else {
            match ws.read(&read_buf[start..end], &mut message[filled..]) {
                Ok(result) => Some(result),
                Err(Error::ReadFrameIncomplete) => None,
                Err(e) => panic!("embedded-websocket: {e:?}"),
            }
        };
        let Some(result) = result else {
            // Keep what is left (a partial header) and read more behind it.
            read_buf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            let n = memory.read(&mut read_buf[end..]).expect("memory reads never fail");
            assert!(n > 0, "embedded-websocket: the stream ended with {left} messages to go");
            end += n;
            continue;
        };
        start += result.len_from;
        filled += result.len_to;
        assert_eq!(result.message_type, expected, "embedded-websocket: a message of the wrong type");
        if result.end_of_message {
            let payload = &message[..filled];
            if text {
                on_message(
                    core::str::from_utf8(payload).expect("embedded-websocket: invalid UTF-8").as_bytes(),
                );
            } else {
                on_message(payload);
            }
            filled = 0;
            left -= 1;
        }
    }
}

/// Encodes each payload into a frame buffer (masking as it copies, the key
/// from the generator given to the client) and writes it to the transport.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let mut memory = Memory::new(&[], out);
    let mut ws = WebSocketClient::new_client(XorShift(0x9e37_79b9_7f4a_7c15));
    ws.state = WebSocketState::Open; // the opening handshake is done
    let mut frame = vec![0; input.len + 14];
    for payload in &input.payloads {
        let n = ws
            .write(WebSocketSendMessageType::Binary, true, payload, &mut frame)
            .expect("the frame buffer fits a frame");
        memory.write_all(&frame[..n]).expect("memory writes never fail");
    }
}

/// The masking keys' generator a client is given: xorshift64, as cheap as
/// noio-ws's own (embedded-websocket leaves the choice to the caller).
struct XorShift(u64);

impl rand_core::RngCore for XorShift {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
