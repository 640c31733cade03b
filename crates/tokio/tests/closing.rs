//! Closing the transport: the lingering close after a violation (the peer
//! reads our close code, not a reset), an abnormal closure, a client
//! waiting for the server to close first, and the Sink's close.

mod common;

use std::time::Duration;

use common::{RawPeer, SOON, ours_pair, tcp_pair};
use futures_util::SinkExt;
use noio_ws_tokio::noio_ws::{Accept, ServerHandshake};
use noio_ws_tokio::{
    ClientBuilder, CloseCode, Config, Error, Event, Frame, ProtocolError, Role, ServerBuilder, accept,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, timeout};

const REQUEST: &str = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

#[tokio::test]
async fn a_violation_is_answered_with_its_code_and_the_transport_lingers() {
    let (mut client, server_tcp) = tcp_pair().await;
    let server = tokio::spawn(async move {
        let mut ws = accept(server_tcp).await.unwrap();
        let first = ws.recv().await;
        let after = ws.recv().await;
        (first, after.is_none())
    });
    client.write_all(REQUEST.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(client.read_u8().await.unwrap());
    }
    // An unmasked frame from a client (1002), then 1 MiB more the server
    // has not read when it fails: closing with those unread would reset the
    // connection, and the reset may destroy our close frame.
    client.write_all(&[0x81, 0x01, b'x']).await.unwrap();
    client.write_all(&vec![0x82; 1 << 20]).await.unwrap();
    client.shutdown().await.unwrap();
    let mut rest = Vec::new();
    timeout(SOON, client.read_to_end(&mut rest)).await.unwrap().expect("an orderly end, no reset");
    assert_eq!(rest, [0x88, 0x02, 0x03, 0xea], "the close frame with 1002, then the end");
    let (first, then_none) = server.await.unwrap();
    assert!(matches!(first, Some(Err(Error::Protocol(ProtocolError::UnmaskedFrame)))), "{first:?}");
    assert!(then_none);
}

#[tokio::test]
async fn a_transport_that_just_ends_is_an_abnormal_closure() {
    let (client, mut server) = ours_pair(4096, ClientBuilder::new(), ServerBuilder::new()).await;
    drop(client);
    let error = server.recv().await.unwrap().unwrap_err();
    assert!(matches!(error, Error::AbnormalClosure));
    assert_eq!(error.close_code(), Some(CloseCode::ABNORMAL_CLOSURE));
    assert!(server.recv().await.is_none());
    assert!(matches!(server.send_text("late").await, Err(Error::Closed)));
}

/// A raw server on `io`: the handshake by hand, then the core's connection.
async fn raw_server(mut io: tokio::io::DuplexStream) -> RawPeer<tokio::io::DuplexStream> {
    let mut handshake = ServerHandshake::default();
    let request = loop {
        let mut buf = [0; 1024];
        let n = io.read(&mut buf).await.unwrap();
        if let Some(request) = handshake.recv(&buf[..n]).unwrap() {
            break request;
        }
    };
    let (response, _) = request.accept(Accept::default()).unwrap();
    io.write_all(&response).await.unwrap();
    RawPeer::new(Role::Server, Config::default(), io)
}

#[tokio::test(start_paused = true)]
async fn our_client_waits_for_the_server_to_close_the_transport_first() {
    let (client_io, server_io) = tokio::io::duplex(4096);
    let client = tokio::spawn(async move {
        let (mut ws, _) =
            ClientBuilder::new().deflate(false).client_async("ws://x/", client_io).await.unwrap();
        let reply = ws.close(CloseCode::NORMAL, "").await.unwrap();
        (reply.map(|close| close.code), ws.is_closed())
    });
    let mut server = raw_server(server_io).await;
    let Some(Event::Close(_)) = server.next_event().await else { panic!("expected the client's close") };
    server.flush().await; // the reply
    let replied = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!client.is_finished(), "the client waits for the server's end of the transport");
    drop(server); // the server closes TCP first
    let (code, closed) = client.await.unwrap();
    assert_eq!(code, Some(CloseCode::NORMAL));
    assert!(closed);
    assert!(replied.elapsed() < Duration::from_millis(1100));
}

/// Regression: with no timer running, the adapter does not read the clock
/// for every read, so the server's close arrives with no time; its close
/// timeout must count from when it came, not from the last time the
/// connection was given (the handshake, a minute before), which would have
/// run it out at once and ended the client's side first.
#[tokio::test(start_paused = true)]
async fn a_client_closed_after_a_long_silence_still_waits_for_the_servers_end() {
    let (client_io, server_io) = tokio::io::duplex(4096);
    let client = tokio::spawn(async move {
        let (mut ws, _) =
            ClientBuilder::new().deflate(false).client_async("ws://x/", client_io).await.unwrap();
        let close = ws.recv_event().await;
        let end = ws.recv_event().await;
        (close, end.is_none(), ws.is_closed())
    });
    let mut server = raw_server(server_io).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    server.send(Frame::close(CloseCode::NORMAL, "bye").unwrap()).await;
    let Some(Event::Close(_)) = server.next_event().await else { panic!("expected the client's reply") };
    let mut more = [0; 16];
    let read = timeout(Duration::from_secs(1), server.io.read(&mut more)).await;
    assert!(read.is_err(), "the client ends its side only after the server's end: {read:?}");
    drop(server);
    let (close, then_none, closed) = client.await.unwrap();
    assert!(matches!(&close, Some(Ok(Event::Close(c))) if c.code == CloseCode::NORMAL), "{close:?}");
    assert!(then_none && closed);
}

#[tokio::test]
async fn the_sinks_close_is_the_closing_handshake() {
    let (mut client, mut server) = ours_pair(4096, ClientBuilder::new(), ServerBuilder::new()).await;
    let server = tokio::spawn(async move {
        let mut got = Vec::new();
        while let Some(message) = server.recv().await {
            got.push(message.unwrap().payload);
        }
        (got, server.close_frame().map(|c| c.code))
    });
    SinkExt::<Frame>::send(&mut client, Frame::text("one")).await.unwrap();
    SinkExt::<Frame>::close(&mut client).await.unwrap();
    assert!(client.is_closed());
    assert_eq!(client.close_frame().map(|c| c.code), Some(CloseCode::NORMAL));
    let (got, code) = server.await.unwrap();
    assert_eq!(got, ["one"]);
    assert_eq!(code, Some(CloseCode::NORMAL));
    // Closing again is no error, and sends nothing.
    SinkExt::<Frame>::close(&mut client).await.unwrap();
}

#[tokio::test]
async fn nothing_is_sent_after_our_close() {
    let (mut client, mut server) = ours_pair(4096, ClientBuilder::new(), ServerBuilder::new()).await;
    client.feed(Frame::close(CloseCode::NORMAL, "").unwrap()).await.unwrap();
    assert!(matches!(client.send_text("late").await, Err(Error::Closed)));
    assert!(matches!(client.feed(Frame::close_empty()).await, Err(Error::Closed)));
    client.flush().await.unwrap();
    let (server_end, client_end) = tokio::join!(server.recv(), client.recv());
    assert!(server_end.is_none() && client_end.is_none());
    // Misuse is an error, never a panic: an invalid close code.
    assert!(matches!(server.close(CloseCode(1005), "").await, Err(Error::Usage(_))));
}

#[tokio::test(start_paused = true)]
async fn draining_after_a_close_timeout_keeps_none_of_what_it_reads() {
    // The peer ignores our close and streams data. After the close timeout
    // the transport is shut down and drained for the linger time; what is
    // read then is dropped, not buffered in the connection (it is never
    // decoded, so no frame limit bounds it).
    let config = Config { close_timeout: Some(Duration::from_secs(1)), ..Config::default() };
    let (mut server, mut peer) =
        common::ours_server_raw_client(64 << 10, ServerBuilder::new().config(config)).await;
    let streamer = tokio::spawn(async move {
        let frame = vec![7; 8 << 10];
        loop {
            peer.conn.send(Frame::binary(frame.clone())).unwrap();
            while let Some(bytes) = peer.conn.poll_output() {
                if peer.io.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    server.feed(Frame::close(CloseCode::NORMAL, "").unwrap()).await.unwrap();
    // Receiving for 2.5 s: the data before the close timeout (1 s), then
    // the drain, which the linger time (2 s) ends at 3 s.
    let receiving = timeout(Duration::from_millis(2500), async {
        while let Some(event) = server.recv_event().await {
            assert!(matches!(event, Ok(Event::Message(_))), "{event:?}");
        }
    });
    assert!(receiving.await.is_err(), "still draining");
    let buffered = server.connection().buffered();
    assert!(buffered < 64 << 10, "{buffered} bytes kept from the drain");
    assert!(timeout(SOON, server.recv_event()).await.unwrap().is_none());
    streamer.abort();
}
