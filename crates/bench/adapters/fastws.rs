//! fastwebsockets: `WebSocket::after_handshake` over the transport; a
//! server reads whole messages through `FragmentCollector` (as its docs
//! direct for messages, which may be fragmented), a client writes each
//! frame with `write_frame`.

use fastwebsockets::{FragmentCollector, Frame, OpCode, Payload, Role, WebSocket};
use noio_ws_bench::Input;

use super::{Memory, block_on};

/// Reads each message; fastwebsockets unmasks in its read buffer and checks
/// a text message's UTF-8 itself.
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let memory = Memory::new(&input.wire, &mut discard);
    let mut socket = FragmentCollector::new(WebSocket::after_handshake(memory, Role::Server));
    let opcode = if input.workload.is_text() { OpCode::Text } else { OpCode::Binary };
    block_on(async {
        for _ in 0..input.count() {
            let frame = socket.read_frame().await.expect("fastwebsockets reads every message");
            assert!(frame.opcode == opcode && frame.fin, "fastwebsockets: unexpected frame");
            on_message(&frame.payload);
        }
    });
}

/// Writes each payload as a binary frame. fastwebsockets masks a payload in
/// place, so the application's borrowed payload is copied first (its
/// `Payload::Borrowed` does that itself); frames over its 1 KiB threshold
/// go out as a vectored write of header and payload.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let memory = Memory::new(&[], out);
    let mut socket = WebSocket::after_handshake(memory, Role::Client);
    block_on(async {
        for payload in &input.payloads {
            let frame = Frame::binary(Payload::Borrowed(payload));
            socket.write_frame(frame).await.expect("fastwebsockets writes to memory");
        }
        socket.flush().await.expect("fastwebsockets flushes to memory");
    });
}
