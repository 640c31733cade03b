//! tokio-websockets: a `WebSocketStream` over the transport (the server's
//! `ServerBuilder::serve`, the client's `ClientBuilder::take_over`, no
//! handshake), read as a `Stream` and written as a `Sink`: `feed` for each
//! message (it flushes by itself past its threshold) and one `flush`.

use futures_util::{SinkExt, StreamExt};
use noio_ws_bench::Input;
use tokio_websockets::{ClientBuilder, Message, ServerBuilder};

use super::{Memory, block_on};

/// Takes each message from the stream; text through `as_text`, which is
/// free for a message tokio-websockets has validated.
pub(super) fn decode(input: &Input, on_message: &mut impl FnMut(&[u8])) {
    let mut discard = Vec::new();
    let memory = Memory::new(&input.wire, &mut discard);
    let mut stream = ServerBuilder::new().serve(memory);
    let text = input.workload.is_text();
    block_on(async {
        for _ in 0..input.count() {
            let message =
                stream.next().await.expect("more messages").expect("tokio-websockets reads every message");
            if text {
                on_message(message.as_text().expect("a text message").as_bytes());
            } else {
                assert!(message.is_binary(), "tokio-websockets: not binary");
                on_message(message.as_payload());
            }
        }
    });
}

/// Feeds each payload as a binary message (from the shared `Bytes`; the
/// library copies it to mask it) and flushes once.
pub(super) fn encode(input: &Input, out: &mut Vec<u8>) {
    let memory = Memory::new(&[], out);
    let mut stream = ClientBuilder::new().take_over(memory);
    block_on(async {
        for payload in &input.payloads {
            stream.feed(Message::binary(payload.clone())).await.expect("tokio-websockets writes to memory");
        }
        stream.flush().await.expect("tokio-websockets flushes to memory");
    });
}
