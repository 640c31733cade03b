//! The examples of RFC 7692 section 7.2.3 as known answers, decoded by a
//! client connection that negotiated permessage-deflate, and our own output
//! checked against them.

use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Event, Frame};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::{ExtensionOffer, Registry};
use noio_ws_test_support::{drain, sent};

/// A connection for `role` that negotiated permessage-deflate with no
/// parameters (context takeover both ways, 15-bit windows), as the full
/// window configuration does.
fn negotiated(role: Role) -> Connection {
    let config = DeflateConfig { threshold: 0, ..DeflateConfig::FULL_WINDOW };
    let mut registry = Registry::new();
    registry.extensions.push(PerMessageDeflate::new(config)).unwrap();
    match role {
        Role::Client => {
            registry.extensions.client_negotiate(&[ExtensionOffer::new("permessage-deflate")]).unwrap()
        }
        Role::Server => {
            let responses =
                registry.extensions.server_negotiate(&[ExtensionOffer::new("permessage-deflate")]).unwrap();
            assert_eq!(responses, [ExtensionOffer::new("permessage-deflate")]);
        }
    }
    Connection::with_registry(role, Config::default(), registry).with_mask_seed(1)
}

fn texts(wire: &[&[u8]]) -> Vec<String> {
    let texts = texts_at(negotiated(Role::Client), wire);
    // The same at the defaults, a server having agreed to 13-bit windows.
    assert_eq!(texts_at(negotiated_at_the_defaults(), wire), texts);
    texts
}

/// A client at the default configuration whose offer a server accepted.
fn negotiated_at_the_defaults() -> Connection {
    let mut registry = Registry::new();
    registry.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    let response = ExtensionOffer::new("permessage-deflate")
        .with_param("server_max_window_bits", Some("13"))
        .with_param("client_max_window_bits", Some("13"));
    registry.extensions.client_negotiate(&[response]).unwrap();
    Connection::with_registry(Role::Client, Config::default(), registry).with_mask_seed(1)
}

fn texts_at(mut client: Connection, wire: &[&[u8]]) -> Vec<String> {
    for bytes in wire {
        client.recv(bytes);
    }
    let (events, error) = drain(&mut client);
    assert_eq!(error, None);
    events
        .into_iter()
        .map(|e| match e {
            Event::Message(m) => m.as_text().unwrap().to_string(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn section_7_2_3_1_a_message_compressed() {
    assert_eq!(texts(&[&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]]), ["Hello"]);
}

#[test]
fn section_7_2_3_1_fragmented() {
    assert_eq!(texts(&[&[0x41, 0x03, 0xf2, 0x48, 0xcd], &[0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00]]), ["Hello"]);
}

#[test]
fn section_7_2_3_2_sharing_the_window() {
    let first: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let second: &[u8] = &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
    assert_eq!(texts(&[first, second]), ["Hello", "Hello"]);
}

#[test]
fn section_7_2_3_3_a_block_with_no_compression() {
    let wire = [0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
    assert_eq!(texts(&[&wire]), ["Hello"]);
}

#[test]
fn section_7_2_3_4_a_block_with_bfinal_set() {
    let wire = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    // After a final block the next message starts a fresh stream.
    let again = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(texts(&[&wire, &again]), ["Hello", "Hello"]);
}

#[test]
fn section_7_2_3_5_two_blocks_in_one_message() {
    let wire = [0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(texts(&[&wire]), ["Hello"]);
}

#[test]
fn our_output_matches_the_rfc() {
    let mut server = negotiated(Role::Server);
    let first = sent(&mut server, Frame::text("Hello")).unwrap();
    assert_eq!(&first[..], [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    let second = sent(&mut server, Frame::text("Hello")).unwrap();
    assert_eq!(&second[..], [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00], "the shared window of 7.2.3.2");
    let control = sent(&mut server, Frame::ping("Hello")).unwrap();
    assert_eq!(control[0], 0x89, "control frames are never compressed");
    assert_eq!(texts(&[&first, &second]), ["Hello", "Hello"]);
}
