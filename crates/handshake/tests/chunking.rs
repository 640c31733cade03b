//! Properties: however a request or response is cut into reads, the outcome
//! (and the bytes left for the connection) is the same; and replays of the
//! committed fuzz seeds.

use noio_ws_handshake::{Accept, ClientOutcome, ClientRequest, ServerHandshake};
use noio_ws_test_support::replay_fuzz_seeds;
use proptest::prelude::*;

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x80abcd";
const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi";

/// `input` cut at `cuts` (taken modulo its length), in order.
fn pieces<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.extend([0, input.len()]);
    cuts.sort_unstable();
    cuts.windows(2).map(|w| &input[w[0]..w[1]]).collect()
}

/// The server's response and everything after the request head, however
/// the request arrived.
fn serve(cuts: &[usize]) -> (Vec<u8>, Vec<u8>) {
    serve_bytes(REQUEST, cuts)
}

fn serve_bytes(request: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<u8>) {
    let mut server = ServerHandshake::default();
    let pieces = pieces(request, cuts);
    for (i, piece) in pieces.iter().enumerate() {
        if let Some(request) = server.recv(piece).unwrap() {
            let (response, accepted) =
                request.accept(Accept { protocol: Some("chat".into()), ..Accept::default() }).unwrap();
            let rest = [&accepted.rest[..], &pieces[i + 1..].concat()].concat();
            return (response.to_vec(), rest);
        }
    }
    panic!("the request never completed");
}

/// The protocol the client agreed on and everything after the response head.
fn connect(cuts: &[usize]) -> (Option<String>, Vec<u8>) {
    connect_bytes(RESPONSE, cuts)
}

fn connect_bytes(response: &[u8], cuts: &[usize]) -> (Option<String>, Vec<u8>) {
    let mut client = ClientRequest::new("ws://example.com/chat")
        .unwrap()
        .protocol("chat")
        .nonce(*b"the sample nonce")
        .start()
        .unwrap();
    let pieces = pieces(response, cuts);
    for (i, piece) in pieces.iter().enumerate() {
        if let Some(outcome) = client.recv(piece).unwrap() {
            let ClientOutcome::Accepted { accepted, .. } = outcome else { panic!("{outcome:?}") };
            return (accepted.protocol, [&accepted.rest[..], &pieces[i + 1..].concat()].concat());
        }
    }
    panic!("the response never completed");
}

proptest! {
    #[test]
    fn any_cuts_of_a_request_give_the_same_result(cuts in prop::collection::vec(any::<usize>(), 0..20)) {
        prop_assert_eq!(serve(&cuts), serve(&[]));
    }

    #[test]
    fn any_cuts_of_a_response_give_the_same_result(cuts in prop::collection::vec(any::<usize>(), 0..20)) {
        let (protocol, rest) = connect(&cuts);
        prop_assert_eq!(protocol.as_deref(), Some("chat"));
        prop_assert_eq!(rest, b"\x81\x02hi".to_vec());
    }

    #[test]
    fn leading_empty_lines_cut_anywhere_change_nothing(
        preamble in "(\r\n|\n){0,6}",
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let request = [preamble.as_bytes(), REQUEST].concat();
        prop_assert_eq!(serve_bytes(&request, &cuts), serve(&[]));
        let response = [preamble.as_bytes(), RESPONSE].concat();
        prop_assert_eq!(connect_bytes(&response, &cuts), connect(&[]));
    }

    #[test]
    fn any_read_size_gives_the_same_request_outcome(seed in any::<u8>(), cut in 0usize..REQUEST.len()) {
        // The fuzz body compares a whole read with reads of the seed's size.
        noio_ws_handshake::fuzz::handshake_request(&[&[seed][..], REQUEST].concat());
        let mut mangled = REQUEST.to_vec();
        mangled.insert(cut, b'\n');
        noio_ws_handshake::fuzz::handshake_request(&[&[seed][..], &mangled].concat());
        // Empty lines before the request line, and a bare CR among them.
        for preamble in [&b"\r\n\n"[..], b"\n\r", b"\r\r\n"] {
            noio_ws_handshake::fuzz::handshake_request(&[&[seed][..], preamble, REQUEST].concat());
        }
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

#[test]
fn request_seeds() {
    replay_fuzz_seeds("handshake_request", noio_ws_handshake::fuzz::handshake_request);
}

#[test]
fn response_seeds() {
    replay_fuzz_seeds("handshake_response", noio_ws_handshake::fuzz::handshake_response);
}
