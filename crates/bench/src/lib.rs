//! # noio-ws-bench
//!
//! Benchmarks of noio-ws beside its peers: tokio-websockets, fastwebsockets,
//! embedded-websocket and tungstenite, each through its fastest natural API
//! over an in-memory transport.
//!
//! This library holds what every measurement shares and only noio-ws is
//! needed for: the [`Workload`]s and message sizes ([`SIZES`]), how many
//! messages a measurement handles ([`message_count`]), the input each gets
//! ([`Input`]: the payloads and the masked client stream built from them)
//! and the checks of every library's output ([`Input::check_message`],
//! [`Input::check_encoded`]). The peers are dev-dependencies only, so a
//! `cargo build --workspace` never builds them; the code driving them lives in
//! `adapters/`, included by the targets that use it:
//!
//! - `benches/peers.rs`: criterion, one group per workload and size
//!   (`decode/binary/16B` ...), `noio-ws` first in each
//!   (`cargo bench -p noio-ws-bench`, or `cargo xtask bench` for ratios);
//! - `examples/instructions.rs`: one (library, workload, size) per run, for
//!   `cargo xtask bench --instructions` to count under callgrind;
//! - `tests/peers.rs`: every library's output checked on small inputs, in
//!   `cargo test`.

use noio_ws_codec::Role;
use noio_ws_codec::bytes::Bytes;
use noio_ws_connection::{Config, Connection, Event, Frame};

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// A server decoding a client's masked binary messages: unmasking,
    /// every protocol check, each message handed to the application.
    DecodeBinary,
    /// The same with text messages, each checked to be UTF-8 (by the library
    /// where it checks, by the adapter with `core::str::from_utf8` where it
    /// does not, as that library's own higher-level API does).
    DecodeText,
    /// A client encoding binary messages, masked, and writing them to the
    /// transport; the payloads are the application's and stay intact.
    EncodeBinary,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 3] = [Workload::DecodeBinary, Workload::DecodeText, Workload::EncodeBinary];

    /// The criterion group's prefix and the name on the command line:
    /// `decode/binary`, `decode/text`, `encode/binary`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::DecodeBinary => "decode/binary",
            Workload::DecodeText => "decode/text",
            Workload::EncodeBinary => "encode/binary",
        }
    }

    /// The workload named `name` (see [`Workload::name`]).
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// True for the text workload.
    pub fn is_text(self) -> bool {
        self == Workload::DecodeText
    }
}

/// The message sizes measured, in bytes: a 7-bit, a 16-bit and a 64-bit
/// length each appear, 125 B is the largest payload with a 2-byte header.
pub const SIZES: [usize; 6] = [16, 125, 1 << 10, 16 << 10, 64 << 10, 1 << 20];

/// The name of a size in group names: `16B`, `125B`, `1KiB`, `16KiB`,
/// `64KiB`, `1MiB`.
pub fn size_name(len: usize) -> String {
    match len {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{}MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// The size named `name` (see [`size_name`]), or a plain number of bytes.
pub fn size_from_name(name: &str) -> Option<usize> {
    SIZES.into_iter().find(|&len| size_name(len) == name).or_else(|| name.parse().ok())
}

/// How many messages of `len` bytes one measurement handles: 512 KiB of
/// payload, at least 4 and at most 16384 messages, so that one iteration
/// takes about a millisecond for every size.
pub fn message_count(len: usize) -> usize {
    ((512 << 10) / len.max(1)).clamp(4, 16384)
}

/// The bytes a read from the in-memory transport hands out at most, as a
/// socket read into a 64 KiB buffer would.
pub const READ_LEN: usize = 64 << 10;

/// What one measurement works on: `count` payloads of `len` bytes and, for
/// the decoders, the stream of masked client frames carrying them, the same
/// bytes for every library.
#[derive(Clone, Debug)]
pub struct Input {
    /// The workload the input is for.
    pub workload: Workload,
    /// The payload length of every message.
    pub len: usize,
    /// The payloads, shared: an encoder gets each as the application's
    /// `Bytes`, which it must leave intact.
    pub payloads: Vec<Bytes>,
    /// The masked client frames (one per payload) a decoder reads; empty for
    /// the encode workload.
    pub wire: Vec<u8>,
}

impl Input {
    /// The input for `workload` with `count` messages of `len` bytes.
    pub fn new(workload: Workload, len: usize, count: usize) -> Input {
        let payloads: Vec<Bytes> = (0..count).map(|i| payload(i, len, workload.is_text())).collect();
        let wire = match workload {
            Workload::EncodeBinary => Vec::new(),
            Workload::DecodeBinary | Workload::DecodeText => client_stream(&payloads, workload.is_text()),
        };
        Input { workload, len, payloads, wire }
    }

    /// The input for `workload` at `len`, with [`message_count`] messages.
    pub fn measured(workload: Workload, len: usize) -> Input {
        Input::new(workload, len, message_count(len))
    }

    /// How many messages.
    pub fn count(&self) -> usize {
        self.payloads.len()
    }

    /// The payload bytes of all the messages: the throughput criterion reports.
    pub fn payload_bytes(&self) -> u64 {
        (self.count() * self.len) as u64
    }

    /// What a decoder's tally must come to: every message, every byte.
    pub fn expected_tally(&self) -> Tally {
        Tally { messages: self.count(), bytes: self.count() * self.len }
    }

    /// Checks the `index`th message a decoder handed out (its payload bytes,
    /// for text the bytes of the validated `str`).
    pub fn check_message(&self, library: &str, index: usize, payload: &[u8]) -> Result<(), String> {
        match self.payloads.get(index) {
            None => Err(format!("{library}: message {index} of {} handed out", self.count())),
            Some(expected) if expected[..] != *payload => Err(format!(
                "{library}: message {index} is {} bytes, not the {} sent, or differs",
                payload.len(),
                expected.len()
            )),
            Some(_) => Ok(()),
        }
    }

    /// Checks what an encoder wrote: a noio-ws server reads it back (which
    /// refuses unmasked frames) and must find exactly the payloads, in order,
    /// as binary messages.
    pub fn check_encoded(&self, library: &str, wire: &[u8]) -> Result<(), String> {
        let config = Config { max_frame_len: 1 << 30, max_message_len: 1 << 30, ..Config::default() };
        let mut server = Connection::new(Role::Server, config);
        server.recv(wire);
        let mut index = 0;
        loop {
            match server.next_event() {
                Ok(Event::Message(m)) => {
                    if m.is_text() {
                        return Err(format!("{library}: message {index} sent as text"));
                    }
                    self.check_message(library, index, &m.payload)?;
                    index += 1;
                }
                Ok(Event::NeedData) if server.buffered() == 0 => break,
                Ok(other) => return Err(format!("{library}: unexpected {other:?} after {index} messages")),
                Err(e) => {
                    return Err(format!("{library}: the output fails a server after {index} messages: {e}"));
                }
            }
        }
        if index != self.count() {
            return Err(format!("{library}: {index} messages written, not {}", self.count()));
        }
        Ok(())
    }
}

/// What a decoder handed out, counted as it went: the cheap check of every
/// timed run, and what keeps the work from being optimised away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages handed out.
    pub messages: usize,
    /// Their payload bytes.
    pub bytes: usize,
}

impl Tally {
    /// Counts one message.
    #[inline]
    pub fn add(&mut self, payload: &[u8]) {
        self.messages += 1;
        self.bytes += payload.len();
    }
}

/// The `index`th payload of `len` bytes: for text, English-like ASCII
/// words; for binary, bytes that differ from message to message.
pub fn payload(index: usize, len: usize, text: bool) -> Bytes {
    if text {
        const WORDS: &[u8] = b"the quick brown fox jumps over the lazy dog, {\"id\": 42, \"ok\": true} ";
        let start = index % WORDS.len();
        WORDS.iter().cycle().skip(start).take(len).copied().collect::<Vec<u8>>().into()
    } else {
        (0..len).map(|j| (index.wrapping_mul(31) ^ j.wrapping_mul(7)) as u8).collect::<Vec<u8>>().into()
    }
}

/// What a noio-ws client sends for `payloads`: one masked frame each.
pub fn client_stream(payloads: &[Bytes], text: bool) -> Vec<u8> {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(0x5eed);
    let mut wire = Vec::with_capacity(payloads.iter().map(|p| p.len() + 14).sum());
    for payload in payloads {
        let frame = if text {
            Frame::text(core::str::from_utf8(payload).expect("text payloads are ASCII"))
        } else {
            Frame::binary(payload.clone())
        };
        client.send(frame).expect("a client may send data frames while open");
        while let Some(part) = client.poll_output() {
            wire.extend_from_slice(&part);
        }
    }
    wire
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_named_both_ways() {
        let names: Vec<String> = SIZES.into_iter().map(size_name).collect();
        assert_eq!(names, ["16B", "125B", "1KiB", "16KiB", "64KiB", "1MiB"]);
        for len in SIZES {
            assert_eq!(size_from_name(&size_name(len)), Some(len));
        }
        assert_eq!(size_from_name("300"), Some(300));
    }

    #[test]
    fn workloads_are_named_both_ways() {
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
    }

    #[test]
    fn the_client_stream_reads_back() {
        for workload in [Workload::DecodeBinary, Workload::DecodeText] {
            let input = Input::new(workload, 200, 5);
            let mut server = Connection::new(Role::Server, Config::default());
            server.recv(&input.wire);
            for i in 0..5 {
                let Ok(Event::Message(m)) = server.next_event() else { panic!("message {i}") };
                assert_eq!(m.is_text(), workload.is_text());
                input.check_message("noio-ws", i, &m.payload).unwrap();
            }
        }
    }

    #[test]
    fn unmasked_output_is_refused() {
        let input = Input::new(Workload::EncodeBinary, 3, 1);
        let unmasked = [&[0x82, 3][..], &input.payloads[0]].concat();
        assert!(input.check_encoded("x", &unmasked).is_err());
        let masked = client_stream(&input.payloads, false);
        input.check_encoded("x", &masked).unwrap();
        assert!(input.check_encoded("x", &masked[..masked.len() - 1]).is_err());
    }
}
