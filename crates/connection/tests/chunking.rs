//! Property: however the byte stream of a session is cut into reads, the
//! receiving connection produces the same events, in both roles and every
//! delivery mode (streamed pieces and frames compared after joining them per
//! message; frames also one by one, since cuts must not change them).

use noio_ws_codec::bytes::BufMut;
use noio_ws_codec::{CloseCode, OpCode, Role};
use noio_ws_connection::{Config, Connection, Delivery, Event, EventRef, Frame};
use noio_ws_test_support::{drain, sent};
use proptest::prelude::*;

/// What the sending side does.
#[derive(Clone, Debug)]
enum Action {
    Text(String, usize),
    Binary(Vec<u8>, usize),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        ("\\PC{0,300}", 1usize..4).prop_map(|(s, parts)| Action::Text(s, parts)),
        (prop::collection::vec(any::<u8>(), 0..2000), 1usize..4)
            .prop_map(|(b, parts)| Action::Binary(b, parts)),
        prop::collection::vec(any::<u8>(), 0..125).prop_map(Action::Ping),
        prop::collection::vec(any::<u8>(), 0..125).prop_map(Action::Pong),
    ]
}

/// The bytes `role` sends for `actions`, data split into `parts` fragments
/// (text split on byte boundaries, so fragments may cut characters), ending
/// with a close.
fn session(role: Role, actions: &[Action]) -> Vec<u8> {
    let mut sender = Connection::new(role, Config::default()).with_mask_seed(99);
    let mut wire = Vec::new();
    let mut send = |frame: Frame| wire.extend_from_slice(&sent(&mut sender, frame).unwrap());
    for action in actions {
        match action {
            Action::Text(_, parts) | Action::Binary(_, parts) if *parts > 1 => {
                let (bytes, first) = match action {
                    Action::Text(t, _) => (t.as_bytes().to_vec(), OpCode::TEXT),
                    Action::Binary(b, _) => (b.clone(), OpCode::BINARY),
                    _ => unreachable!("matched above"),
                };
                let size = bytes.len().div_ceil(*parts).max(1);
                let pieces: Vec<&[u8]> =
                    if bytes.is_empty() { vec![&[]] } else { bytes.chunks(size).collect() };
                for (i, piece) in pieces.iter().enumerate() {
                    let fin = i + 1 == pieces.len();
                    let op = if i == 0 { first } else { OpCode::CONTINUATION };
                    send(Frame::new(op, piece.to_vec()).with_fin(fin));
                }
            }
            Action::Text(text, _) => send(Frame::text(text.clone())),
            Action::Binary(bytes, _) => send(Frame::binary(bytes.clone())),
            Action::Ping(p) => send(Frame::ping(p.clone())),
            Action::Pong(p) => send(Frame::pong(p.clone())),
        }
    }
    send(Frame::close(CloseCode::NORMAL, "done").unwrap());
    wire
}

/// How a test hands the receiver its reads.
#[derive(Clone, Copy, Debug)]
enum Input {
    /// `recv`: copied in.
    Copied,
    /// `recv_with_buf`: put into the room the connection lends, as many
    /// reads as that takes.
    Lent,
}

fn feed(receiver: &mut Connection, input: Input, mut bytes: &[u8]) {
    match input {
        Input::Copied => receiver.recv(bytes),
        Input::Lent => {
            while !bytes.is_empty() {
                let n = receiver
                    .recv_with_buf(|buf| {
                        let n = bytes.len().min(buf.remaining_mut());
                        buf.put_slice(&bytes[..n]);
                        Ok::<_, ()>(())
                    })
                    .unwrap();
                bytes = &bytes[n..];
            }
        }
    }
}

/// Events with streamed pieces joined into messages, so sessions cut
/// differently compare equal.
fn receive(role: Role, delivery: Delivery, wire: &[u8], cuts: &[usize]) -> Vec<String> {
    receive_by(role, delivery, Input::Copied, wire, cuts)
}

fn receive_by(role: Role, delivery: Delivery, input: Input, wire: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut receiver = Connection::new(role, Config { delivery, ..Config::default() });
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.extend([0, wire.len()]);
    cuts.sort_unstable();
    let mut seen = Vec::new();
    let mut joined: Vec<u8> = Vec::new();
    for window in cuts.windows(2) {
        feed(&mut receiver, input, &wire[window[0]..window[1]]);
        let (events, error) = drain(&mut receiver);
        assert_eq!(error, None);
        for event in events {
            match event {
                Event::Chunk(chunk) => {
                    joined.extend_from_slice(&chunk.payload);
                    if chunk.fin {
                        seen.push(format!("message {:?} {:?}", chunk.opcode, std::mem::take(&mut joined)));
                    }
                }
                Event::Frame(frame) => {
                    joined.extend_from_slice(&frame.payload);
                    if frame.fin && frame.frame_end {
                        let payload = std::mem::take(&mut joined);
                        seen.push(format!("message {:?} {:?}", frame.message_opcode, payload));
                    }
                }
                Event::Message(m) => seen.push(format!("message {:?} {:?}", m.opcode, m.payload.to_vec())),
                other => seen.push(format!("{other:?}")),
            }
        }
    }
    seen
}

/// Like [`receive`] in whole-message delivery, taking events with
/// `next_event_ref`, which lends short messages out of the input buffer.
fn receive_ref(role: Role, wire: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut receiver = Connection::new(role, Config::default());
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.extend([0, wire.len()]);
    cuts.sort_unstable();
    let mut seen = Vec::new();
    for window in cuts.windows(2) {
        receiver.recv(&wire[window[0]..window[1]]);
        loop {
            let buffered = receiver.buffered();
            match receiver.next_event_ref().expect("a valid session") {
                EventRef::Message(m) => {
                    assert!(buffered >= m.payload.len(), "lent from what was buffered");
                    seen.push(format!("message {:?} {:?}", m.opcode, m.payload.to_vec()));
                }
                EventRef::Event(Event::NeedData) => break,
                EventRef::Event(Event::Message(m)) => {
                    seen.push(format!("message {:?} {:?}", m.opcode, m.payload.to_vec()))
                }
                EventRef::Event(other) => seen.push(format!("{other:?}")),
            }
        }
    }
    seen
}

/// Every event of a session received in [`Delivery::Frames`], as it comes.
fn frames(role: Role, wire: &[u8], cuts: &[usize]) -> Vec<Event> {
    let mut receiver = Connection::new(role, Config { delivery: Delivery::Frames, ..Config::default() });
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.extend([0, wire.len()]);
    cuts.sort_unstable();
    let mut seen = Vec::new();
    for window in cuts.windows(2) {
        receiver.recv(&wire[window[0]..window[1]]);
        seen.extend(drain(&mut receiver).0);
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_cuts_give_the_same_events(actions in prop::collection::vec(action(), 0..8),
                                     cuts in prop::collection::vec(any::<usize>(), 0..30),
                                     server_receives in any::<bool>()) {
        let (sender, receiver) = if server_receives { (Role::Client, Role::Server) } else { (Role::Server, Role::Client) };
        let wire = session(sender, &actions);
        let whole = receive(receiver, Delivery::WholeMessages, &wire, &[]);
        prop_assert_eq!(whole.len(), actions.len() + 1);
        prop_assert_eq!(&receive(receiver, Delivery::WholeMessages, &wire, &cuts), &whole);
        prop_assert_eq!(&receive(receiver, Delivery::Streaming, &wire, &cuts), &whole);
        prop_assert_eq!(&receive(receiver, Delivery::Frames, &wire, &cuts), &whole);
        for delivery in [Delivery::WholeMessages, Delivery::Streaming] {
            prop_assert_eq!(&receive_by(receiver, delivery, Input::Lent, &wire, &cuts), &whole);
        }
        prop_assert_eq!(&receive_ref(receiver, &wire, &cuts), &whole);
        prop_assert_eq!(frames(receiver, &wire, &cuts), frames(receiver, &wire, &[]));
    }
}

/// Regression: a read that ends one frame and carries the next frame's
/// header alone. The header was taken by the decoder of the buffer for the
/// bytes after the frame, which stayed empty, and an empty buffer was taken
/// for "nothing after the frame": the header was lost and the payload after
/// it read as frames (a fragmented control frame, here).
#[test]
fn a_header_alone_after_a_frames_end_is_kept() {
    let actions = [Action::Binary(vec![7; 40], 1), Action::Binary(vec![8; 40], 1)];
    let wire = session(Role::Client, &actions);
    let whole = receive(Role::Server, Delivery::WholeMessages, &wire, &[]);
    // Masked frames of 6 + 40 bytes: the second read ends the first frame
    // and holds the second's header exactly.
    for delivery in [Delivery::WholeMessages, Delivery::Streaming, Delivery::Frames] {
        assert_eq!(receive(Role::Server, delivery, &wire, &[6, 52]), whole, "{delivery:?}");
    }
    assert_eq!(receive_ref(Role::Server, &wire, &[6, 52]), whole);
}
