//! The connection's timers on tokio's (paused) clock: keepalive pings,
//! the dead peer, the idle close and the closing handshake's timeout.

mod common;

use std::time::Duration;

use common::ours_server_raw_client;
use noio_ws_tokio::{CloseCode, Config, Error, Event, ProtocolError, ServerBuilder};
use tokio::time::Instant;

/// `elapsed` is `expected`, give or take the timer wheel's millisecond.
fn about(elapsed: Duration, expected: Duration) -> bool {
    elapsed >= expected && elapsed <= expected + Duration::from_millis(5)
}

#[tokio::test(start_paused = true)]
async fn a_silent_peer_is_pinged_and_a_dead_one_fails_with_1011() {
    let config = Config {
        ping_interval: Some(Duration::from_secs(30)),
        pong_timeout: Some(Duration::from_secs(20)),
        ..Config::default()
    };
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new().config(config)).await;
    let started = Instant::now();
    let server = tokio::spawn(async move { server.recv().await });

    let Some(Event::Ping(_)) = peer.next_event().await else { panic!("expected a keepalive ping") };
    assert!(about(started.elapsed(), Duration::from_secs(30)), "{:?}", started.elapsed());
    peer.flush().await; // the peer's automatic pong

    // Answered, so the next ping comes after another 30 s of silence;
    // this time the peer stays silent.
    let Some(Event::Ping(_)) = peer.next_event().await else { panic!("expected a second ping") };
    assert!(about(started.elapsed(), Duration::from_secs(60)), "{:?}", started.elapsed());
    match peer.next_event().await {
        Some(Event::Close(close)) => assert_eq!(close.code, CloseCode::INTERNAL_ERROR),
        other => panic!("expected the 1011 close, got {other:?}"),
    }
    assert!(about(started.elapsed(), Duration::from_secs(80)), "{:?}", started.elapsed());
    assert_eq!(peer.next_event().await, None, "then our end of the stream");
    drop(peer);
    let result = server.await.unwrap();
    assert!(matches!(result, Some(Err(Error::Protocol(ProtocolError::PongTimeout)))), "{result:?}");
}

#[tokio::test(start_paused = true)]
async fn an_idle_peer_is_closed_with_1001() {
    let config = Config { idle_timeout: Some(Duration::from_secs(10)), ..Config::default() };
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new().config(config)).await;
    let started = Instant::now();
    let server = tokio::spawn(async move { server.recv().await.map(|r| r.map(|m| m.payload)) });
    match peer.next_event().await {
        Some(Event::Close(close)) => assert_eq!(close.code, CloseCode::GOING_AWAY),
        other => panic!("expected the idle close, got {other:?}"),
    }
    assert!(about(started.elapsed(), Duration::from_secs(10)), "{:?}", started.elapsed());
    peer.flush().await; // the peer's close reply
    assert_eq!(peer.next_event().await, None);
    drop(peer);
    // The server closed the transport without waiting for that reply, and
    // says why.
    let ended = server.await.unwrap();
    assert!(
        matches!(ended, Some(Err(Error::IdleTimeout(idle))) if idle == Duration::from_secs(10)),
        "{ended:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_close_the_peer_never_answers_times_out() {
    let config = Config { close_timeout: Some(Duration::from_secs(5)), ..Config::default() };
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new().config(config)).await;
    let started = Instant::now();
    let server = tokio::spawn(async move { server.close(CloseCode::NORMAL, "bye").await });
    match peer.next_event().await {
        Some(Event::Close(close)) => {
            assert_eq!((close.code, close.reason.as_str()), (CloseCode::NORMAL, "bye"))
        }
        other => panic!("expected our close, got {other:?}"),
    }
    // The peer never writes its reply: after 5 s the server closes the transport.
    assert_eq!(peer.next_event().await, None);
    assert!(about(started.elapsed(), Duration::from_secs(5)), "{:?}", started.elapsed());
    drop(peer);
    assert_eq!(server.await.unwrap().unwrap(), None, "no close came back");
}

#[tokio::test(start_paused = true)]
async fn a_connection_without_timers_waits_quietly() {
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new()).await;
    let quiet = tokio::time::timeout(Duration::from_secs(3600), server.recv()).await;
    assert!(quiet.is_err(), "nothing happened in an hour");
    peer.send(noio_ws_tokio::Frame::text("still here")).await;
    assert_eq!(server.recv().await.unwrap().unwrap().as_text(), Some("still here"));
}

#[tokio::test(start_paused = true)]
async fn a_close_after_an_hour_of_silence_still_waits_for_the_reply() {
    // The default 10 s close timeout counts from the close, not from the
    // last byte read an hour before.
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new()).await;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let server = tokio::spawn(async move { server.close(CloseCode::NORMAL, "").await });
    let Some(Event::Close(_)) = peer.next_event().await else { panic!("expected our close") };
    tokio::time::sleep(Duration::from_secs(1)).await;
    peer.flush().await; // the reply, a second later
    assert_eq!(peer.next_event().await, None);
    drop(peer);
    let reply = server.await.unwrap().unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
}

#[tokio::test(start_paused = true)]
async fn a_send_blocked_by_a_dead_peer_ends_after_the_pong_timeout() {
    // The peer neither reads nor answers pings: the pipe fills, `send`
    // waits to flush, the keepalive ping goes unanswered. The pong timeout
    // fails the connection; the waiting `send` must end too, within the
    // linger time, not wait for the dead peer forever.
    let config = Config {
        ping_interval: Some(Duration::from_secs(1)),
        pong_timeout: Some(Duration::from_secs(1)),
        ..Config::default()
    };
    let (mut server, _peer) = ours_server_raw_client(4 << 10, ServerBuilder::new().config(config)).await;
    let started = Instant::now();
    let sending = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Err(error) = server.send_binary(&[7; 1024]).await {
                return error;
            }
        }
    })
    .await;
    let error: Error = sending.expect("the send waited for a dead peer for a minute");
    assert!(matches!(error, Error::Closed | Error::Io(_)), "{error:?}");
    assert!(started.elapsed() <= Duration::from_secs(5), "{:?}", started.elapsed());
    // The receiver still learns why.
    let result = server.recv().await;
    assert!(matches!(result, Some(Err(Error::Protocol(ProtocolError::PongTimeout)))), "{result:?}");
    assert!(server.recv().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_close_after_an_overdue_idle_timeout_sends_our_close() {
    // The idle timeout passed while nobody polled the connection; closing
    // now is no usage error, and our close (not the timer's) goes out.
    let config = Config { idle_timeout: Some(Duration::from_secs(10)), ..Config::default() };
    let (mut server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new().config(config)).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    let server = tokio::spawn(async move { server.close(CloseCode::NORMAL, "bye").await });
    match peer.next_event().await {
        Some(Event::Close(close)) => {
            assert_eq!((close.code, close.reason.as_str()), (CloseCode::NORMAL, "bye"))
        }
        other => panic!("expected our close, got {other:?}"),
    }
    peer.flush().await; // the reply
    assert_eq!(peer.next_event().await, None);
    drop(peer);
    let reply = server.await.unwrap().expect("close() is no error");
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
}
