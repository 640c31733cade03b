//! Windows below 15 bits, as the defaults agree to: each compressor keeps
//! to its window, each decompressor holds exactly its window and refuses a
//! match reaching past it (as C zlib does), and a default client whose
//! offer of 13 bits a server declined reads that server's 15-bit data.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Rsv};
use noio_ws_deflate::fuzz::{WindowCheck, symmetric_server};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::{Extension, ExtensionError, parse_extensions};

#[path = "../benches/support/text_like.rs"]
mod text_like;

/// Bytes from a xorshift generator: nothing for LZ77 to find.
fn random(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Random data repeated `distance` bytes later: compressible only by a
/// window that reaches that far.
fn repeated_at(distance: usize) -> Vec<u8> {
    let block = random(distance, distance as u64);
    [&block[..], &block[..]].concat()
}

fn compress(sender: &mut PerMessageDeflate, message: &[u8]) -> BytesMut {
    let mut wire = BytesMut::new();
    assert!(sender.begin_encode(OpCode::BINARY, Some(message.len())).unwrap().is_some());
    sender.encode(message, true, &mut wire).unwrap();
    wire
}

fn inflate(receiver: &mut PerMessageDeflate, wire: &[u8]) -> Result<BytesMut, ExtensionError> {
    let header = FrameHeader::new(OpCode::BINARY, wire.len() as u64).with_rsv(Rsv::RSV1);
    assert!(receiver.begin_decode(&header).unwrap());
    let mut out = BytesMut::new();
    receiver.decode(wire, true, &mut out, usize::MAX).map(|_| out)
}

#[test]
fn every_window_keeps_to_itself_and_uses_itself() {
    for bits in 9..=15u8 {
        let (mut sender, mut receiver) =
            (symmetric_server(false, Some(bits)), symmetric_server(false, Some(bits)));
        let mut check = WindowCheck::new(bits);
        // zlib's reach (its window less 262 bytes of lookahead) less one:
        // a match exactly at the reach is taken only as a hash chain's
        // first link, as in zlib.
        let reach = (1usize << bits) - 263;
        // Repeats within the reach compress; the text and the repeats just
        // past it decode within the window all the same.
        for message in [repeated_at(reach), repeated_at(reach + 300), text_like::text(40_000)] {
            let wire = compress(&mut sender, &message);
            assert!(check.message(&wire).is_ok_and(|out| out == message), "{bits} bits");
            assert!(inflate(&mut receiver, &wire).is_ok_and(|out| out == message), "{bits} bits");
        }
        let within = compress(&mut symmetric_server(false, Some(bits)), &repeated_at(reach)).len();
        assert!(within < reach * 11 / 10, "{bits} bits: {within} bytes for {reach} repeated");
    }
}

#[test]
fn a_match_past_the_agreed_window_fails_with_1007() {
    // A full-window sender, a receiver that agreed to 13 bits with it.
    let message = repeated_at(20_000);
    let wire = compress(&mut symmetric_server(false, Some(15)), &message);
    assert!(WindowCheck::new(13).message(&wire).is_err(), "the data reaches past 8 KiB");
    let mut receiver = symmetric_server(false, Some(13));
    let error = inflate(&mut receiver, &wire).unwrap_err();
    assert_eq!(error.close_code, CloseCode::INVALID_PAYLOAD);
    assert!(error.reason.contains("too far back"), "{error}");
    // 15 bits reads it.
    assert!(inflate(&mut symmetric_server(false, Some(15)), &wire).is_ok_and(|out| out == message));
}

#[test]
fn a_default_client_reads_a_server_that_took_its_plain_fallback() {
    let mut client = PerMessageDeflate::new(DeflateConfig::default());
    let offers = client.client_offers();
    // A server that cannot limit its window declines the first offer and
    // takes the fallback: no server_max_window_bits, so up to 15 bits.
    let mut server = PerMessageDeflate::new(DeflateConfig { threshold: 0, ..DeflateConfig::FULL_WINDOW });
    let answer = server.server_accept(&offers[1..]).unwrap().unwrap();
    assert_eq!(answer.to_string(), "permessage-deflate");
    client.client_accept(&answer).unwrap();
    let message = repeated_at(20_000);
    let wire = compress(&mut server, &message);
    assert!(WindowCheck::new(13).message(&wire).is_err(), "the data reaches past 8 KiB");
    assert!(inflate(&mut client, &wire).is_ok_and(|out| out == message));
    // The same client told 13 bits holds the server to them.
    let mut client = PerMessageDeflate::new(DeflateConfig::default());
    client
        .client_accept(&parse_extensions("permessage-deflate; server_max_window_bits=13").unwrap()[0])
        .unwrap();
    assert!(inflate(&mut client, &wire).is_err());
}
