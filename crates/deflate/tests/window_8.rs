//! An agreed 8-bit window is kept: what this end compresses within it
//! decodes with every match within 256 bytes, for either role, text-like
//! and random data, message after message with context takeover. zlib's
//! matcher cannot run in a 256-byte window (it keeps 262 bytes of
//! lookahead); ours runs in 512 bytes with every match within 250.
//!
//! Two readers: `WindowCheck`, a plain DEFLATE decoder that refuses any
//! match reaching past the window, and zlib-rs's raw inflate created with
//! 8 window bits, as a zlib-rs peer that agreed to 8 reads. zlib-rs alone
//! would prove nothing: it keeps a 32 KiB window whatever it is asked for
//! (`the_8_bit_check_refuses_a_10_bit_window_which_zlib_rs_reads`).

use noio_ws_codec::OpCode;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_deflate::fuzz::WindowCheck;
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::{Extension, parse_extensions};
use zlib_rs::{Inflate, InflateFlush};

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

/// Messages for one connection: text-like and random, large and small, and
/// runs of one byte across a message boundary (where a match refers back into
/// the previous message, still one byte back).
fn messages() -> Vec<Vec<u8>> {
    let mut text = text_like::text(64 * 1024);
    text.extend_from_slice(&[b'x'; 300]);
    vec![
        text,
        [&[b'x'; 300][..], b" and then some text after the run"].concat(),
        random(64 * 1024, 0x9e37_79b9_7f4a_7c15),
        text_like::text(1000),
        random(700, 7),
        b"the quick brown fox jumps over the lazy dog, the quick brown fox jumps over the lazy dog".to_vec(),
    ]
}

/// Compresses `message` as `sender` sends it, in pieces of 4 KiB.
fn compress(sender: &mut PerMessageDeflate, message: &[u8]) -> BytesMut {
    let mut wire = BytesMut::new();
    let rsv = sender.begin_encode(OpCode::BINARY, Some(message.len())).unwrap();
    assert!(rsv.is_some(), "compressed");
    let pieces: Vec<&[u8]> = message.chunks(4096).collect();
    for (i, piece) in pieces.iter().enumerate() {
        sender.encode(piece, i + 1 == pieces.len(), &mut wire).unwrap();
    }
    wire
}

/// Inflates one message's payload with zlib-rs, its tail restored.
fn zlib_rs_inflate(inflate: &mut Inflate, payload: &[u8]) -> Vec<u8> {
    let input = [payload, &[0x00, 0x00, 0xff, 0xff]].concat();
    let mut out = vec![0; 256 * 1024];
    let (before_in, before_out) = (inflate.total_in(), inflate.total_out());
    inflate.decompress(&input, &mut out, InflateFlush::SyncFlush).unwrap();
    assert_eq!(inflate.total_in() - before_in, input.len() as u64, "all read");
    out.truncate((inflate.total_out() - before_out) as usize);
    out
}

/// Sends every message from `sender`, checking each decodes within
/// `2^window_bits` bytes, the context kept from one message to the next.
fn assert_kept_within(window_bits: u8, mut sender: PerMessageDeflate) {
    let mut check = WindowCheck::new(window_bits);
    let mut zlib_rs = Inflate::new(false, window_bits);
    for (i, message) in messages().iter().enumerate() {
        let wire = compress(&mut sender, message);
        let out = check.message(&wire).unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert!(out == *message, "message {i} decoded to something else");
        assert!(
            zlib_rs_inflate(&mut zlib_rs, &wire) == *message,
            "zlib-rs inflated message {i} to something else"
        );
    }
}

fn server_accepting(offer: &str) -> PerMessageDeflate {
    let mut server = PerMessageDeflate::new(DeflateConfig::default());
    let answer = server.server_accept(&parse_extensions(offer).unwrap()).unwrap().unwrap();
    assert_eq!(answer.to_string(), offer, "the offer is accepted as made");
    server
}

fn client_told(response: &str) -> PerMessageDeflate {
    let mut client = PerMessageDeflate::new(DeflateConfig::default());
    client.client_accept(&parse_extensions(response).unwrap()[0]).unwrap();
    client
}

#[test]
fn a_server_that_accepted_server_max_window_bits_8_compresses_within_256_bytes() {
    assert_kept_within(8, server_accepting("permessage-deflate; server_max_window_bits=8"));
}

#[test]
fn a_client_told_client_max_window_bits_8_compresses_within_256_bytes() {
    assert_kept_within(8, client_told("permessage-deflate; client_max_window_bits=8"));
}

#[test]
fn without_context_takeover_each_8_bit_message_decodes_alone() {
    let mut server =
        server_accepting("permessage-deflate; server_no_context_takeover; server_max_window_bits=8");
    for message in messages() {
        let out = WindowCheck::new(8).message(&compress(&mut server, &message)).unwrap();
        assert!(out == message);
    }
}

#[test]
fn the_8_bit_check_refuses_a_10_bit_window_which_zlib_rs_reads() {
    // The check is not vacuous: zlib at 10 bits matches up to 762 bytes
    // back, and text-like data soon makes it.
    let text = text_like::text(64 * 1024);
    let wire = compress(&mut server_accepting("permessage-deflate; server_max_window_bits=10"), &text);
    match WindowCheck::new(8).message(&wire) {
        Err(refused) => assert!(refused.contains("beyond the 256-byte window"), "{refused}"),
        Ok(_) => panic!("a 10-bit window passed for 8"),
    }
    assert!(WindowCheck::new(10).message(&wire).is_ok_and(|out| out == text));
    // zlib-rs created with 8 bits reads it all the same: it keeps a 32 KiB
    // window whatever it is asked for, and so cannot check one.
    assert!(zlib_rs_inflate(&mut Inflate::new(false, 8), &wire) == text);
}

#[test]
fn every_level_keeps_an_8_bit_window() {
    let run = random(400, 3);
    let data =
        [text_like::text(20_000), [&run[..], &run[..]].concat(), random(3000, 9), vec![b'z'; 1000]].concat();
    for level in 0..=9 {
        let mut server = PerMessageDeflate::new(DeflateConfig { level, ..DeflateConfig::default() });
        let offer = parse_extensions("permessage-deflate; server_max_window_bits=8").unwrap();
        server.server_accept(&offer).unwrap().unwrap();
        let mut check = WindowCheck::new(8);
        for _ in 0..3 {
            let out =
                check.message(&compress(&mut server, &data)).unwrap_or_else(|e| panic!("level {level}: {e}"));
            assert!(out == data);
        }
    }
}

#[test]
fn an_8_bit_window_compresses_text_as_9_bits_nearly_does() {
    // Both reach 250 bytes back (9 bits less zlib's 262 bytes of
    // lookahead), so they differ only where a block's window would.
    let text = text_like::text(64 * 1024);
    let eight = compress(&mut server_accepting("permessage-deflate; server_max_window_bits=8"), &text).len();
    let nine = compress(&mut server_accepting("permessage-deflate; server_max_window_bits=9"), &text).len();
    assert!(
        eight < text.len() / 3 && eight <= nine * 11 / 10,
        "9 bits {nine}, 8 bits {eight} of {}",
        text.len()
    );
}
