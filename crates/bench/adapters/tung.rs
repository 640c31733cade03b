//! tungstenite: `WebSocket::from_raw_socket` over the transport as a
//! blocking stream; `read` for each message, `write` for each (buffered in
//! tungstenite's write buffer) and one `flush` at the end.

use noio_ws_bench::Input;
use tungstenite::Message;
use tungstenite::protocol::{Role, WebSocket};

use super::Memory;

/// Reads each message; text comes as `Utf8Bytes`, checked by tungstenite.
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let memory = Memory::new(&input.wire, &mut discard);
    let mut socket = WebSocket::from_raw_socket(memory, Role::Server, None);
    let text = input.workload.is_text();
    for _ in 0..input.count() {
        match socket.read().expect("tungstenite reads every message") {
            Message::Binary(payload) if !text => on_message(&payload),
            Message::Text(payload) if text => on_message(payload.as_bytes()),
            other => panic!("tungstenite: unexpected {other:?}"),
        }
    }
}

/// Writes each payload as a binary message (the `Bytes` is shared; the
/// masked copy is made into tungstenite's write buffer) and flushes once.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let memory = Memory::new(&[], out);
    let mut socket = WebSocket::from_raw_socket(memory, Role::Client, None);
    for payload in &input.payloads {
        socket.write(Message::Binary(payload.clone())).expect("tungstenite writes to memory");
    }
    socket.flush().expect("tungstenite flushes to memory");
}
