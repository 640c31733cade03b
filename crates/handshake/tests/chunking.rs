//! Property: however a request or response is cut into reads, the outcome is
//! the same; and replays of the committed fuzz seeds.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x80abcd";
const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi";

proptest! {
    #[test]
    fn any_read_size_gives_the_same_request_outcome(seed in any::<u8>(), cut in 0usize..REQUEST.len()) {
        // The fuzz body compares a whole read with reads of the seed's size.
        noio_ws_handshake::fuzz::handshake_request(&[&[seed][..], REQUEST].concat());
        let mut mangled = REQUEST.to_vec();
        mangled.insert(cut, b'\n');
        noio_ws_handshake::fuzz::handshake_request(&[&[seed][..], &mangled].concat());
    }

    #[test]
    fn any_read_size_gives_the_same_response_outcome(seed in any::<u8>(), cut in 0usize..RESPONSE.len()) {
        noio_ws_handshake::fuzz::handshake_response(&[&[seed][..], RESPONSE].concat());
        let mut mangled = RESPONSE.to_vec();
        mangled.remove(cut);
        noio_ws_handshake::fuzz::handshake_response(&[&[seed][..], &mangled].concat());
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
        noio_ws_handshake::fuzz::handshake_request(&data);
        noio_ws_handshake::fuzz::handshake_response(&data);
    }
}

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        run(&fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 5, "expected the committed seeds, found {count}");
}

#[test]
fn request_seeds() {
    replay("handshake_request", noio_ws_handshake::fuzz::handshake_request);
}

#[test]
fn response_seeds() {
    replay("handshake_response", noio_ws_handshake::fuzz::handshake_response);
}
