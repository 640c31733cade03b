//! The timers on the caller's clock: keepalive pings after silence, failure
//! when the pong does not come, idle closing, the closing handshake's
//! deadline, and nothing at all while a timer is off.

use std::time::Duration;

use noio_ws_codec::{CloseCode, Role};
use noio_ws_connection::{
    CloseState, Config, Connection, Event, Frame, ProtocolError, Timeout, TransportAction,
};
use noio_ws_test_support::{client_frame, drain, drain_output, sent};
use proptest::prelude::*;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The frames in `bytes` (from a server), as a client reads them.
fn frames_from_server(bytes: &[u8]) -> Vec<Event> {
    let mut client =
        Connection::new(Role::Client, Config { auto_pong: false, auto_close: false, ..Config::default() });
    client.recv(bytes);
    drain(&mut client).0
}

#[test]
fn a_keepalive_ping_goes_out_after_ping_interval_of_silence() {
    let config = Config { ping_interval: Some(secs(30)), ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    assert_eq!(server.poll_timeout(), None, "no time given yet");
    server.recv_at(&client_frame(1, b"hi", true), secs(100));
    drain(&mut server);
    assert_eq!(server.poll_timeout(), Some(secs(130)));
    assert_eq!(server.handle_timeout(secs(129)), None);
    assert_eq!(server.handle_timeout(secs(130)), Some(Timeout::KeepalivePing));
    let events = frames_from_server(&server.poll_output().unwrap());
    let Event::Ping(ping) = &events[0] else { panic!("{events:?}") };
    assert_eq!(ping.payload.len(), 4, "the keepalive's number");
    // Waiting for the pong now: the pong timeout (20 s by default) counts.
    assert_eq!(server.poll_timeout(), Some(secs(150)));
    // The pong comes back: the next ping is due an interval after it.
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(1);
    let pong = sent(&mut client, Frame::pong(ping.payload.clone())).unwrap();
    server.recv_at(&pong, secs(140));
    drain(&mut server);
    assert_eq!(server.poll_timeout(), Some(secs(170)));
}

#[test]
fn no_pong_within_pong_timeout_fails_the_connection_with_1011() {
    let config = Config { ping_interval: Some(secs(10)), pong_timeout: Some(secs(5)), ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.handle_timeout(secs(0));
    assert_eq!(server.handle_timeout(secs(10)), Some(Timeout::KeepalivePing));
    drop(server.poll_output());
    // Data is not a pong: the peer still has not answered.
    server.recv_at(&client_frame(2, b"data", true), secs(12));
    drain(&mut server);
    assert_eq!(server.handle_timeout(secs(15)), Some(Timeout::PongTimeout));
    assert_eq!(server.next_event(), Err(ProtocolError::PongTimeout));
    assert_eq!(server.state(), CloseState::Failed);
    assert_eq!(server.transport_action(), TransportAction::Close);
    let events = frames_from_server(&server.poll_output().unwrap());
    assert!(matches!(&events[..], [Event::Close(c)] if c.code == CloseCode::INTERNAL_ERROR), "{events:?}");
    assert_eq!(server.poll_timeout(), None, "nothing more to time");
}

#[test]
fn an_idle_connection_is_closed_with_1001() {
    let config = Config { idle_timeout: Some(secs(60)), ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.recv_at(&client_frame(9, b"", true), secs(0));
    drain(&mut server);
    drop(server.poll_output());
    assert_eq!(server.poll_timeout(), Some(secs(60)));
    assert_eq!(server.handle_timeout(secs(60)), Some(Timeout::Idle));
    assert_eq!(server.state(), CloseState::CloseSent);
    let events = frames_from_server(&server.poll_output().unwrap());
    assert!(
        matches!(&events[..], [Event::Close(c)] if c.code == CloseCode::GOING_AWAY && c.reason == "idle timeout")
    );
    // Now the closing handshake's own deadline runs.
    assert_eq!(server.poll_timeout(), Some(secs(70)));
}

#[test]
fn the_transport_is_released_when_the_closing_handshake_times_out() {
    for role in [Role::Server, Role::Client] {
        let mut conn = Connection::new(role, Config::default()).with_mask_seed(2);
        conn.handle_timeout(secs(5));
        conn.send(Frame::close(CloseCode::NORMAL, "bye").unwrap()).unwrap();
        assert_eq!(conn.transport_action(), TransportAction::Keep);
        assert_eq!(conn.poll_timeout(), Some(secs(15)));
        assert_eq!(conn.handle_timeout(secs(14)), None);
        assert_eq!(conn.handle_timeout(secs(15)), Some(Timeout::CloseTimeout));
        assert_eq!(conn.transport_action(), TransportAction::Close, "{role:?}");
        assert_eq!(conn.poll_timeout(), None);
    }
}

#[test]
fn a_client_waits_for_the_server_to_close_first_but_not_forever() {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(2);
    client.handle_timeout(secs(0));
    client.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    client.recv_at(&[0x88, 0x02, 0x03, 0xE8], secs(1));
    drain(&mut client);
    assert_eq!(client.transport_action(), TransportAction::AwaitPeerClose);
    assert_eq!(client.handle_timeout(secs(10)), Some(Timeout::CloseTimeout));
    assert_eq!(client.transport_action(), TransportAction::Close);
}

#[test]
fn untimed_bytes_count_as_heard_at_the_next_time_given() {
    let config = Config { ping_interval: Some(secs(30)), ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.handle_timeout(secs(0));
    server.recv(&client_frame(2, b"untimed", true));
    drain(&mut server);
    assert_eq!(server.handle_timeout(secs(20)), None);
    assert_eq!(server.poll_timeout(), Some(secs(50)), "heard at 20 s, the first time given after them");
}

#[test]
fn a_close_that_came_untimed_starts_its_timeout_at_the_next_time_given() {
    // A client (which waits for the server's end after the handshake) reads
    // the server's close with no time, long after the last time it was given:
    // the close timeout counts from the next time given, not from then,
    // which would have run it out at once.
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    client.handle_timeout(secs(0));
    client.recv(&[0x88, 0x02, 0x03, 0xE8]);
    let (events, _) = drain(&mut client);
    assert!(matches!(&events[..], [Event::Close(_)]), "{events:?}");
    assert_eq!(client.transport_action(), TransportAction::AwaitPeerClose);
    assert_eq!(client.handle_timeout(secs(100)), None, "dated at 100 s: 10 s to go");
    assert_eq!(client.poll_timeout(), Some(secs(110)));
    assert_eq!(client.handle_timeout(secs(110)), Some(Timeout::CloseTimeout));
}

#[test]
fn giving_the_time_with_no_bytes_dates_what_came_untimed() {
    let config = Config { ping_interval: Some(secs(30)), ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.handle_timeout(secs(0));
    server.recv(&client_frame(2, b"untimed", true));
    drain(&mut server);
    server.recv_at(&[], secs(20));
    assert_eq!(server.poll_timeout(), Some(secs(50)), "heard at 20 s");
    // A close we send after untimed bytes, with the time given first, counts from that time.
    server.recv(&client_frame(2, b"again", true));
    drain(&mut server);
    server.recv_at(&[], secs(25));
    server.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    assert_eq!(server.poll_timeout(), Some(secs(35)));
}

#[test]
fn timers_that_are_off_never_fire() {
    let config = Config {
        ping_interval: None,
        pong_timeout: None,
        close_timeout: None,
        idle_timeout: None,
        ..Config::default()
    };
    let mut server = Connection::new(Role::Server, config);
    for t in [0, 1, 1000, u64::MAX / 2] {
        assert_eq!(server.handle_timeout(secs(t)), None);
        assert_eq!(server.poll_timeout(), None);
    }
    server.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
    assert_eq!(server.handle_timeout(Duration::MAX), None);
    assert_eq!(server.transport_action(), TransportAction::Keep);
}

/// One step of the proptest: time passes, or the peer sends something.
#[derive(Clone, Debug)]
enum Step {
    Tick(u64),
    Data,
    Pong,
    Close,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u64..40).prop_map(Step::Tick),
        2 => Just(Step::Data),
        1 => Just(Step::Pong),
        1 => Just(Step::Close),
    ]
}

fn timer() -> impl Strategy<Value = Option<Duration>> {
    prop_oneof![Just(None), (1u64..50).prop_map(|s| Some(secs(s)))]
}

proptest! {
    /// Against a model of the rules: a ping exactly when `ping_interval` of
    /// silence has passed with none waiting, failure exactly when the pong
    /// is `pong_timeout` late, release exactly when the closing handshake is
    /// `close_timeout` old, and `poll_timeout` never later than what fires.
    #[test]
    fn timers_follow_the_rules_under_any_interleaving(
        ping_interval in timer(),
        pong_timeout in timer(),
        close_timeout in timer(),
        steps in proptest::collection::vec(step(), 1..60),
    ) {
        let config = Config { ping_interval, pong_timeout, close_timeout, ..Config::default() };
        let mut server = Connection::new(Role::Server, config);
        let mut client = Connection::new(Role::Client, Config { auto_pong: false, ..Config::default() }).with_mask_seed(3);
        let mut now = Duration::ZERO;
        server.handle_timeout(now);
        // The model: when the peer was last heard, our ping waiting for its
        // pong (sent when, with what), and when the closing handshake began.
        let mut heard = now;
        let mut ping_out: Option<(Duration, Vec<u8>)> = None;
        let mut closing: Option<Duration> = None;
        let mut done = false;
        for step in steps {
            match step {
                Step::Tick(s) => {
                    let deadline = server.poll_timeout();
                    now += secs(s);
                    let fired = server.handle_timeout(now);
                    if let Some(fired) = fired {
                        prop_assert!(deadline.is_some_and(|d| d <= now), "{fired:?} fired before poll_timeout {deadline:?}");
                    } else {
                        prop_assert!(deadline.is_none_or(|d| d > now) || done, "due at {deadline:?}, nothing fired at {now:?}");
                    }
                    let expected = if done {
                        None
                    } else if let Some(since) = closing {
                        close_timeout.filter(|&t| now >= since + t).map(|_| Timeout::CloseTimeout)
                    } else if let Some((sent, _)) = &ping_out {
                        pong_timeout.filter(|&t| now >= *sent + t).map(|_| Timeout::PongTimeout)
                    } else {
                        ping_interval.filter(|&t| now >= heard + t).map(|_| Timeout::KeepalivePing)
                    };
                    prop_assert_eq!(fired, expected, "at {:?}", now);
                    match fired {
                        Some(Timeout::KeepalivePing) => {
                            client.recv(&drain_output(&mut server));
                            let (events, _) = drain(&mut client);
                            let Some(Event::Ping(ping)) = events.last() else { panic!("{events:?}") };
                            ping_out = Some((now, ping.payload.to_vec()));
                        }
                        Some(Timeout::PongTimeout) => {
                            prop_assert_eq!(server.next_event(), Err(ProtocolError::PongTimeout));
                            done = true;
                        }
                        Some(Timeout::CloseTimeout) => {
                            prop_assert_eq!(server.transport_action(), TransportAction::Close);
                            done = true;
                        }
                        _ => {}
                    }
                }
                Step::Data if !done && closing.is_none() => {
                    server.recv_at(&sent(&mut client, Frame::binary(&b"data"[..])).unwrap(), now);
                    drain(&mut server);
                    heard = now;
                }
                Step::Pong if !done && closing.is_none() => {
                    if let Some((_, payload)) = ping_out.take() {
                        server.recv_at(&sent(&mut client, Frame::pong(payload)).unwrap(), now);
                        drain(&mut server);
                        heard = now;
                    }
                }
                Step::Close if !done && closing.is_none() => {
                    server.send(Frame::close(CloseCode::NORMAL, "").unwrap()).unwrap();
                    closing = Some(now);
                }
                _ => {}
            }
        }
    }
}
