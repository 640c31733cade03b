//! Extensions on the data path: negotiated transforms both ways, their
//! reserved bits only where allowed, control frames untouched, and decoded
//! output held to the message limit before the memory is spent.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Event, Frame, ProtocolError};
use noio_ws_registry::{
    Extension, ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError, Progress, Registry,
};
use noio_ws_test_support::{Pair, Xor, client_frame, drain, raw_frame, sent};

/// A client/server pair that negotiated the XOR extension (key 7).
fn negotiated_pair(config: Config) -> Pair {
    let mut client = Registry::new();
    client.extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let mut server = Registry::new();
    server.extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let responses = server.extensions.server_negotiate(&client.extensions.client_offers()).unwrap();
    client.extensions.client_negotiate(&responses).unwrap();
    Pair::with_registries(config, client, server)
}

#[test]
fn messages_pass_through_the_negotiated_extension() {
    let mut pair = negotiated_pair(Config::default());
    let wire = sent(&mut pair.client, Frame::text("secret")).unwrap();
    assert_eq!(wire[0], 0x80 | 0x10 | 0x01, "FIN, RSV3 and text");
    pair.server.recv(&wire);
    let (events, error) = drain(&mut pair.server);
    assert_eq!(error, None);
    match &events[..] {
        [Event::Message(m)] => assert_eq!((m.as_text(), m.rsv), (Some("secret"), Rsv::RSV3)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fragments_carry_the_bit_on_the_first_frame_only() {
    let mut pair = negotiated_pair(Config::default());
    let first = sent(&mut pair.client, Frame::binary(&b"abc"[..]).with_fin(false)).unwrap();
    let ping = sent(&mut pair.client, Frame::ping("untouched")).unwrap();
    let last = sent(&mut pair.client, Frame::continuation(&b"def"[..], true)).unwrap();
    assert_eq!((first[0] & 0x70, ping[0] & 0x70, last[0] & 0x70), (0x10, 0, 0));
    for bytes in [first, ping, last] {
        pair.server.recv(&bytes);
    }
    let (events, error) = drain(&mut pair.server);
    assert_eq!(error, None);
    assert!(matches!(&events[0], Event::Ping(p) if &p.payload[..] == b"untouched"));
    assert!(matches!(&events[1], Event::Message(m) if &m.payload[..] == b"abcdef"));
}

#[test]
fn the_bit_is_refused_where_the_extension_does_not_allow_it() {
    let key = Some([1, 2, 3, 4]);
    let on_continuation =
        [raw_frame(2, b"a", false, Rsv::NONE, key), raw_frame(0, b"b", true, Rsv::RSV3, key)];
    let on_control = [raw_frame(9, b"p", true, Rsv::RSV3, key)];
    for bytes in [&on_continuation[..], &on_control[..]] {
        let mut pair = negotiated_pair(Config::default());
        pair.server.recv(&bytes.concat());
        let (_, error) = drain(&mut pair.server);
        assert_eq!(error, Some(ProtocolError::ReservedBitsSet(Rsv::RSV3)));
    }
}

#[test]
fn a_declined_extension_leaves_its_bit_unowned() {
    let mut registry = Registry::new();
    registry.extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    // The client offered nothing, so the server declines and drops it.
    registry.extensions.server_negotiate(&[]).unwrap();
    let mut server = Connection::with_registry(Role::Server, Config::default(), registry);
    server.recv(&raw_frame(1, b"x", true, Rsv::RSV3, Some([1, 2, 3, 4])));
    assert_eq!(server.next_event(), Err(ProtocolError::ReservedBitsSet(Rsv::RSV3)));
}

#[test]
fn an_extension_pushed_but_not_negotiated_leaves_its_bit_unowned() {
    let mut registry = Registry::new();
    registry.extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    // No handshake ran: the XOR extension is a candidate only.
    let mut server = Connection::with_registry(Role::Server, Config::default(), registry);
    server.recv(&raw_frame(1, b"x", true, Rsv::RSV3, Some([1, 2, 3, 4])));
    let (events, error) = drain(&mut server);
    assert_eq!(events, []);
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(Rsv::RSV3)));
    assert_eq!(error.unwrap().close_code(), CloseCode::PROTOCOL_ERROR);
}

/// A decompression bomb in miniature: every input byte decodes to `factor`
/// copies, handed out at most `max_output` at a time.
struct Expand {
    factor: usize,
    /// Copies of the current byte still owed.
    owed: usize,
    byte: u8,
}

impl Extension for Expand {
    fn name(&self) -> &str {
        "expand"
    }
    fn rsv(&self) -> Rsv {
        Rsv::RSV1
    }
    fn client_offers(&self) -> Vec<ExtensionOffer> {
        vec![ExtensionOffer::new("expand")]
    }
    fn server_accept(&mut self, o: &[ExtensionOffer]) -> Result<Option<ExtensionResponse>, NegotiationError> {
        Ok(o.first().cloned())
    }
    fn client_accept(&mut self, _: &ExtensionResponse) -> Result<(), NegotiationError> {
        Ok(())
    }
    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError> {
        Ok(header.rsv.rsv1())
    }
    fn decode(
        &mut self,
        input: &[u8],
        _: bool,
        out: &mut BytesMut,
        max: usize,
    ) -> Result<Progress, ExtensionError> {
        let mut progress = Progress::default();
        loop {
            if self.owed == 0 {
                let Some(&byte) = input.get(progress.consumed) else { break };
                (self.byte, self.owed) = (byte, self.factor);
                progress.consumed += 1;
            }
            let n = self.owed.min(max - progress.produced);
            out.extend(std::iter::repeat_n(self.byte, n));
            (self.owed, progress.produced) = (self.owed - n, progress.produced + n);
            if progress.produced == max {
                break;
            }
        }
        progress.drained = self.owed == 0;
        Ok(progress)
    }
    fn begin_encode(&mut self, _: OpCode, _: Option<usize>) -> Result<Option<Rsv>, ExtensionError> {
        Ok(None)
    }
    fn encode(&mut self, input: &[u8], _: bool, out: &mut BytesMut) -> Result<(), ExtensionError> {
        out.extend_from_slice(input);
        Ok(())
    }
}

fn expanding_server(factor: usize, max_message_len: u64) -> Connection {
    let mut registry = Registry::new();
    // Agreed without a handshake: only negotiated extensions own RSV1.
    registry.extensions.push_negotiated(Expand { factor, owed: 0, byte: 0 }).unwrap();
    Connection::with_registry(Role::Server, Config { max_message_len, ..Config::default() }, registry)
}

#[test]
fn decoded_output_within_the_limit_is_delivered() {
    let mut server = expanding_server(1000, 10_000);
    server.recv(&raw_frame(2, b"ab", true, Rsv::RSV1, Some([0; 4])));
    match server.next_event().unwrap() {
        Event::Message(m) => assert_eq!(m.payload.len(), 2000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bomb_is_stopped_with_1009_before_the_memory_is_spent() {
    // 16 bytes that would decode to 16 GB.
    let mut server = expanding_server(1 << 30, 1 << 20);
    server.recv(&raw_frame(2, &[0x41; 16], true, Rsv::RSV1, Some([0; 4])));
    let error = server.next_event().unwrap_err();
    assert_eq!(error, ProtocolError::MessageTooLong { max: 1 << 20 });
    assert_eq!(error.close_code(), CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn the_limit_counts_all_fragments_after_decoding() {
    let mut server = expanding_server(100, 1000);
    let key = Some([0; 4]);
    server.recv(&raw_frame(2, &[1; 6], false, Rsv::RSV1, key));
    assert_eq!(server.next_event(), Ok(Event::NeedData));
    server.recv(&raw_frame(0, &[1; 5], true, Rsv::NONE, key));
    assert_eq!(server.next_event(), Err(ProtocolError::MessageTooLong { max: 1000 }));
}

#[test]
fn messages_without_the_bit_are_left_alone() {
    let mut server = expanding_server(1000, 1 << 20);
    server.recv(&client_frame(2, b"plain", true));
    assert!(matches!(server.next_event().unwrap(), Event::Message(m) if &m.payload[..] == b"plain"));
}
