//! Fuzz target bodies, shared by `fuzz/` (cargo-fuzz) and the stable seed
//! replay test. Hidden: not part of the API.

use crate::{Accept, ClientOutcome, ClientRequest, Limits, ServerHandshake};

/// Small limits so the fuzzer reaches them.
const LIMITS: Limits =
    Limits { max_head_bytes: 2048, max_headers: 16, max_target_len: 256, max_body_bytes: 512 };

/// The `handshake_request` target: byte 0 picks a read size, the rest is a
/// request. Any read size gives the same outcome; accepting never panics.
pub fn handshake_request(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let whole = server_outcome(input, input.len().max(1));
    assert_eq!(whole, server_outcome(input, usize::from(seed % 32) + 1), "read size changed the outcome");
}

/// The bytes after the head: those in the `recv` call that ended it, then
/// the input not yet handed in. The same whatever the read size.
fn leftover(rest: &[u8], input: &[u8], read_so_far: usize) -> Vec<u8> {
    [rest, &input[read_so_far..]].concat()
}

fn server_outcome(input: &[u8], read: usize) -> String {
    let mut server = ServerHandshake::new(LIMITS);
    for (i, piece) in input.chunks(read).enumerate() {
        let read_so_far = (i * read + piece.len()).min(input.len());
        match server.recv(piece) {
            Ok(None) => {}
            Ok(Some(request)) => {
                let offered = request.protocols().ok().and_then(|p| p.first().map(|s| s.to_string()));
                return match request.accept(Accept { protocol: offered, ..Accept::default() }) {
                    Ok((response, accepted)) => {
                        format!("accepted {response:?} {:?}", leftover(&accepted.rest, input, read_so_far))
                    }
                    Err(e) => format!("refused {e:?} {}", e.status()),
                };
            }
            Err(e) => return format!("error {e:?} {}", e.status()),
        }
    }
    "incomplete".to_string()
}

/// The `handshake_response` target: byte 0 picks a read size, the rest is
/// a response to a fixed request. Any read size gives the same outcome.
pub fn handshake_response(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let whole = client_outcome(input, input.len().max(1));
    assert_eq!(whole, client_outcome(input, usize::from(seed % 32) + 1), "read size changed the outcome");
}

fn client_outcome(input: &[u8], read: usize) -> String {
    let mut client = ClientRequest::new("ws://example.com/chat")
        .expect("a valid URI")
        .protocol("chat")
        .nonce(*b"the sample nonce")
        .limits(LIMITS)
        .start()
        .expect("a valid request");
    for (i, piece) in input.chunks(read).enumerate() {
        let read_so_far = (i * read + piece.len()).min(input.len());
        match client.recv(piece) {
            Ok(None) => {}
            Ok(Some(ClientOutcome::Accepted { response, accepted })) => {
                let rest = leftover(&accepted.rest, input, read_so_far);
                return format!("accepted {response:?} {:?} {:?} {rest:?}", accepted.protocol, accepted.role);
            }
            Ok(Some(outcome)) => return format!("{outcome:?}"),
            Err(e) => return format!("error {e:?}"),
        }
    }
    "incomplete".to_string()
}
