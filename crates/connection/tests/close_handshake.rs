//! The closing handshake in every order, automatic and by hand, and the end
//! of the transport.

use noio_ws_codec::{CloseCode, OpCode, Role};
use noio_ws_connection::{CloseState, Config, Connection, Event, Frame, TransportAction, UsageError};
use noio_ws_test_support::{Pair, client_frame, drain};

fn close_of(events: &[Event]) -> (CloseCode, String) {
    match events {
        [Event::Close(close)] => (close.code, close.reason.clone()),
        other => panic!("expected one close event, got {other:?}"),
    }
}

#[test]
fn server_closes_first_and_closes_the_transport_first() {
    let mut pair = Pair::new(Config::default());
    let events = pair.server_sends(Frame::close(CloseCode::GOING_AWAY, "restart").unwrap()).unwrap();
    assert_eq!(close_of(&events), (CloseCode::GOING_AWAY, "restart".to_string()));
    // The client echoed the code automatically; the server receives it.
    assert_eq!(pair.client.state(), CloseState::Closed);
    let (events, error) = drain(&mut pair.server);
    assert_eq!((close_of(&events).0, error), (CloseCode::GOING_AWAY, None));
    assert_eq!(pair.server.state(), CloseState::Closed);
    assert_eq!(pair.server.transport_action(), TransportAction::Close);
    assert_eq!(pair.client.transport_action(), TransportAction::AwaitPeerClose);
}

#[test]
fn client_closes_first() {
    let mut pair = Pair::new(Config::default());
    let events = pair.client_sends(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    assert_eq!(close_of(&events).0, CloseCode::NORMAL);
    assert_eq!(pair.server.state(), CloseState::Closed);
    assert_eq!(pair.client.state(), CloseState::CloseSent);
    let (events, _) = drain(&mut pair.client);
    assert_eq!(close_of(&events).0, CloseCode::NORMAL);
    assert_eq!(pair.client.state(), CloseState::Closed);
}

#[test]
fn empty_close_is_reported_as_1005_and_answered_empty() {
    let mut pair = Pair::new(Config::default());
    let events = pair.client_sends(Frame::close_empty()).unwrap();
    assert_eq!(close_of(&events).0, CloseCode::NO_STATUS_RECEIVED);
    let (events, _) = drain(&mut pair.client);
    assert_eq!(close_of(&events).0, CloseCode::NO_STATUS_RECEIVED);
}

#[test]
fn without_auto_close_the_application_answers() {
    let config = Config { auto_close: false, ..Config::default() };
    let mut pair = Pair::new(config);
    pair.client_sends(Frame::close(CloseCode::NORMAL, "done").unwrap()).unwrap();
    assert_eq!(pair.server.state(), CloseState::CloseReceived);
    assert_eq!(pair.server.poll_output(), None, "nothing was answered for us");
    // It may still finish sending before it answers (RFC 6455 section 5.5.1).
    pair.server.send(Frame::text("last words")).unwrap();
    pair.server.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    assert_eq!(pair.server.state(), CloseState::Closed);
}

#[test]
fn nothing_but_the_reply_after_our_close() {
    let mut conn = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    conn.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    assert_eq!(conn.send(Frame::text("late")), Err(UsageError::Closed(OpCode::TEXT)));
    assert_eq!(conn.send(Frame::ping("late")), Err(UsageError::Closed(OpCode::PING)));
    assert_eq!(conn.send(Frame::close_empty()), Err(UsageError::Closed(OpCode::CLOSE)));
}

#[test]
fn peer_data_after_our_close_is_still_delivered() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    server.recv(&client_frame(1, b"in flight", true));
    match server.next_event().unwrap() {
        Event::Message(m) => assert_eq!(m.as_text(), Some("in flight")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn eof_without_a_close_is_abnormal() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(1, b"half", false));
    server.recv_eof();
    assert_eq!(server.next_event(), Ok(Event::AbnormalClosure));
    assert_eq!(server.next_event(), Ok(Event::NeedData));
    assert_eq!(server.transport_action(), TransportAction::Close);
}

#[test]
fn eof_after_the_handshake_is_normal() {
    let mut pair = Pair::new(Config::default());
    pair.server_sends(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    pair.client.recv_eof();
    assert_eq!(pair.client.next_event(), Ok(Event::NeedData));
}

#[test]
fn ping_after_the_peer_closed_gets_no_automatic_pong() {
    let config = Config { auto_close: false, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    let mut bytes = client_frame(8, b"", true);
    bytes.extend(client_frame(9, b"late ping", true));
    server.recv(&bytes);
    let (events, _) = drain(&mut server);
    assert_eq!(events.len(), 1, "frames after the peer's close are not processed");
    assert_eq!(server.poll_output(), None);
}
