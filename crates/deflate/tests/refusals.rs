//! What a connection with permessage-deflate refuses, and how: reserved
//! bits it never negotiated (1002), and compressed data that cannot be
//! decompressed whole (1007), never delivering what the sender did not send.

use noio_ws_codec::{CloseCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, ProtocolError};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Registry;
use noio_ws_test_support::{drain, raw_frame};

/// A client's masking key for the raw frames below.
const KEY: Option<[u8; 4]> = Some([0x11, 0x22, 0x33, 0x44]);

/// "Hello", compressed as in RFC 7692 section 7.2.3.1.
const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

#[test]
fn rsv1_without_negotiated_deflate_fails_with_1002() {
    let mut registry = Registry::new();
    // Pushed, but no handshake negotiated it.
    registry.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    let mut server = Connection::with_registry(Role::Server, Config::default(), registry);
    server.recv(&raw_frame(1, &HELLO, true, Rsv::RSV1, KEY));
    let (events, error) = drain(&mut server);
    assert_eq!(events, [], "the payload is not passed on, decoded or not");
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(Rsv::RSV1)));
    assert_eq!(error.unwrap().close_code(), CloseCode::PROTOCOL_ERROR);
}
