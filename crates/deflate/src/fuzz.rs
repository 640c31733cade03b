//! Fuzz target bodies, shared by `fuzz/` (cargo-fuzz) and the stable seed
//! replay test, and a helper the tests and benches share with them. Hidden:
//! not part of the API.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Rsv};
use noio_ws_registry::{Extension, ExtensionError, ExtensionOffer, parse_extensions};

use crate::{DeflateConfig, Params, PerMessageDeflate, WindowBits};

mod connection;
mod window_check;
pub use connection::connection_deflate;
pub use window_check::WindowCheck;

/// The message budget the inflate target allows.
const BUDGET: usize = 64 * 1024;

/// A message that decodes to "Hello" whatever came before it: one stored
/// block (RFC 7692 section 7.2.3.3), which refers to no earlier data.
const STORED_HELLO: [u8; 11] = [0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];

/// The `deflate_inflate` target. Byte 0 picks the negotiated parameters and
/// the piece size; the rest is a compressed message. Inflating never panics,
/// never exceeds the budget by more than the one byte that detects it, and
/// keeps the `Progress` contract. A refused message is refused with 1007 and
/// nothing after it is decoded; an accepted one ended where a message may,
/// so the next message decodes as sent. Then the rest is taken as two
/// messages' text: compressed and inflated again, in pieces and under
/// output limits that its own bytes pick (as small as one byte), it must
/// come back whole; with an 8-bit window it must also inflate within one
/// ([`WindowCheck`]).
pub fn deflate_inflate(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let mut receiver = negotiated(seed);
    let piece = usize::from(seed >> 2).max(1);
    let budget = |_: usize| BUDGET + 1;
    match inflate(&mut receiver, input, piece, budget) {
        Err(Stop::Refused(error)) => {
            assert_eq!(error.close_code, CloseCode::INVALID_PAYLOAD, "{error}");
            let next = inflate(&mut receiver, &STORED_HELLO, piece, budget);
            assert!(matches!(next, Err(Stop::Refused(_))), "decoded after a refusal: {next:?}");
        }
        Ok(_) => {
            let next = inflate(&mut receiver, &STORED_HELLO, piece, budget);
            assert_eq!(next.as_deref(), Ok(&b"Hello"[..]), "an accepted message left the stream broken");
        }
        Err(Stop::TooLong) => {} // the connection fails here with 1009
    }

    if input.len() > BUDGET {
        return; // a round trip would stop at the budget, as it should
    }
    let (mut sender, mut receiver) = (negotiated(seed), negotiated(seed));
    let limits =
        |call: usize| input.get(call % input.len().max(1)).map_or(BUDGET, |&b| usize::from(b % 64) + 1);
    let (no_context_takeover, eight_bits) = (seed & 1 != 0, seed & 2 != 0 && seed >> 5 == 0);
    let mut check = WindowCheck::new(8);
    for text in [input, input.get(..input.len() / 2).unwrap_or_default()] {
        let mut wire = BytesMut::new();
        sender.begin_encode(OpCode::BINARY, None).expect("a negotiated extension compresses");
        sender.encode(text, true, &mut wire).expect("compression cannot fail");
        let out = inflate(&mut receiver, &wire, piece, limits).expect("our own output inflates");
        assert_eq!(&out[..], text, "a round trip changed the message");
        if eight_bits {
            if no_context_takeover {
                check = WindowCheck::new(8);
            }
            let out = check.message(&wire).expect("an agreed 8-bit window is kept");
            assert_eq!(&out[..], text, "the 8-bit check read another message");
        }
    }
}

/// Why [`inflate`] stopped short of a message.
#[derive(Debug, PartialEq)]
enum Stop {
    /// The extension refused the input.
    Refused(ExtensionError),
    /// The output passed the budget.
    TooLong,
}

/// The extension as a server that accepted the offer `seed` picks.
fn negotiated(seed: u8) -> PerMessageDeflate {
    symmetric_server(seed & 1 != 0, (seed & 2 != 0).then(|| 8 + (seed >> 5)))
}

/// The extension as a server that accepted an offer asking the same of
/// both directions (and compressing every message, whatever its size): its
/// compressor uses the window its decompressor expects of the client, so
/// one such extension reads what another writes. `window_bits` is 8-15,
/// `None` for an offer that limits nothing (15 bits); the memory level is
/// the default. Shared with the tests and benches.
pub fn symmetric_server(no_context_takeover: bool, window_bits: Option<u8>) -> PerMessageDeflate {
    symmetric_server_with(DeflateConfig::DEFAULT.mem_level, no_context_takeover, window_bits)
}

/// [`symmetric_server`] with the compressor's memory level.
pub fn symmetric_server_with(
    mem_level: u8,
    no_context_takeover: bool,
    window_bits: Option<u8>,
) -> PerMessageDeflate {
    let mut offer = ExtensionOffer::new(crate::NAME);
    if no_context_takeover {
        offer = offer
            .with_param("client_no_context_takeover", None)
            .with_param("server_no_context_takeover", None);
    }
    if let Some(bits) = window_bits {
        let bits = bits.to_string();
        offer = offer
            .with_param("client_max_window_bits", Some(&bits))
            .with_param("server_max_window_bits", Some(&bits));
    }
    // Windows up to 15 bits as the offer asks, not the defaults' 13.
    let config = DeflateConfig { threshold: 0, mem_level, ..DeflateConfig::FULL_WINDOW };
    let mut deflate = PerMessageDeflate::new(config);
    deflate.server_accept(&[offer]).expect("valid parameters").expect("accepted");
    deflate
}

/// Inflates one message fed in pieces of `piece` bytes, call `n` allowed
/// `limit(n)` bytes of output, checking the `Progress` contract.
fn inflate(
    deflate: &mut PerMessageDeflate,
    input: &[u8],
    piece: usize,
    limit: impl Fn(usize) -> usize,
) -> Result<BytesMut, Stop> {
    let header = FrameHeader::new(OpCode::BINARY, input.len() as u64).with_rsv(Rsv::RSV1);
    assert!(deflate.begin_decode(&header).expect("a negotiated extension starts any message"));
    let mut out = BytesMut::new();
    let mut calls = 0;
    let pieces: Vec<&[u8]> = if input.is_empty() { vec![&[]] } else { input.chunks(piece).collect() };
    for (i, chunk) in pieces.iter().enumerate() {
        let end = i + 1 == pieces.len();
        let mut consumed = 0;
        loop {
            let room = limit(calls).min(BUDGET + 1 - out.len());
            calls += 1;
            let before = out.len();
            let progress = deflate.decode(&chunk[consumed..], end, &mut out, room).map_err(Stop::Refused)?;
            assert_eq!(out.len() - before, progress.produced);
            assert!(progress.produced <= room, "output beyond the room given");
            consumed += progress.consumed;
            if out.len() > BUDGET {
                return Err(Stop::TooLong); // the connection would fail here with 1009
            }
            if progress.drained && consumed == chunk.len() {
                break;
            }
            assert!(progress.consumed + progress.produced > 0, "no progress and not drained");
        }
    }
    Ok(out)
}

/// The `deflate_negotiation` target: the input as `Sec-WebSocket-Extensions`
/// values. A server's answer must be one a client that made that offer
/// accepts, and both ends must keep to what they agreed: each compressor
/// within the window agreed for it (8 bits too), resetting its context if
/// that was agreed. Every response a client accepts is likewise
/// one it keeps to. Nothing panics.
pub fn deflate_negotiation(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let Ok(offers) = parse_extensions(text) else { return };
    for config in [
        DeflateConfig::default(),
        DeflateConfig { server_max_window_bits: 9, client_max_window_bits: 10, ..DeflateConfig::default() },
        DeflateConfig { server_max_window_bits: 8, client_max_window_bits: 8, ..DeflateConfig::default() },
    ] {
        let mut server = PerMessageDeflate::new(config);
        let ours: Vec<ExtensionOffer> =
            offers.iter().filter(|o| o.name.eq_ignore_ascii_case(crate::NAME)).cloned().collect();
        if let Ok(Some(answer)) = server.server_accept(&ours) {
            let agreed = Params::parse(&answer).expect("our answer parses");
            // The offer the server took: the first valid one.
            let taken = ours.iter().find_map(|o| Params::parse(o).ok()).expect("an offer was taken");
            if taken.client_max_window_bits.is_none() {
                assert!(agreed.client_max_window_bits.is_none(), "limited a client that did not allow it");
            }
            if let Some(limit) = taken.server_max_window_bits {
                assert!(agreed.server_max_window_bits.is_some_and(|b| b <= limit), "{answer} for {limit}");
            }
            assert!(agreed.server_no_context_takeover || !taken.server_no_context_takeover);
            // Our server compresses with the window it answers.
            let window = agreed.server_max_window_bits.unwrap_or(15);
            let (reach, resets) = server.compressor_settings().expect("negotiated");
            keeps_within(window, reach, &answer.to_string());
            assert!(resets || !agreed.server_no_context_takeover, "{answer}, keeping its context");
            let mut client = PerMessageDeflate::new(DeflateConfig::default());
            client.client_accept(&answer).expect("a client accepts the answer");
            client_keeps_to(&client, DeflateConfig::default(), &agreed);
        }
        for offer in &offers {
            let mut client = PerMessageDeflate::new(config);
            if client.client_accept(offer).is_ok() {
                client_keeps_to(&client, config, &Params::parse(offer).expect("an accepted response parses"));
            }
        }
    }
}

/// A client with `config` that accepted `agreed` compresses as agreed,
/// within its own configured window too.
fn client_keeps_to(client: &PerMessageDeflate, config: DeflateConfig, agreed: &Params) {
    let limit = match agreed.client_max_window_bits {
        Some(WindowBits::Bits(limit)) => limit,
        _ => 15,
    };
    let window = limit.min(config.client_max_window_bits.clamp(8, 15));
    let (reach, resets) = client.compressor_settings().expect("negotiated");
    keeps_within(window, reach, &format!("{agreed:?}"));
    assert!(resets || !agreed.client_no_context_takeover, "{agreed:?}, keeping its context");
}

/// A compressor whose matches reach `reach` bytes back keeps to a window of
/// `2^window` bytes, and uses it: all of it but the 262 bytes of lookahead
/// zlib's matcher keeps (at 8 bits, 250 bytes of a 512-byte window).
fn keeps_within(window: u8, reach: usize, agreement: &str) {
    let expected = if window == 8 { 250 } else { (1 << window) - 262 };
    assert_eq!(reach, expected, "{agreement}: not {window} bits");
}
