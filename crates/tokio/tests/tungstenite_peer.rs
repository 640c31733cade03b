//! Interoperability with tokio-tungstenite as the peer, both ways: text,
//! binary, 16 MiB, fragmented, ping/pong and close codes.

mod common;

use common::{pattern, tcp_pair, tungstenite_config};
use futures_util::{SinkExt, StreamExt};
use noio_ws_tokio::{CloseCode, Event, Frame, Message, OpCode, accept, client_async};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode as TOpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame as TCloseFrame, Frame as TFrame};
use tokio_tungstenite::tungstenite::{Bytes, Message as TMessage};

const BIG: usize = 16 << 20;

/// Our server echoes every message until the closing handshake; returns
/// the peer's close code.
async fn our_echo_server(tcp: tokio::net::TcpStream) -> Option<CloseCode> {
    let mut ws = accept(tcp).await.unwrap();
    while let Some(message) = ws.recv().await {
        let message: Message = message.unwrap();
        ws.send(Frame::new(message.opcode, message.payload)).await.unwrap();
    }
    assert!(ws.is_closed());
    ws.close_frame().map(|close| close.code)
}

#[tokio::test]
async fn tungstenite_client_against_our_server() {
    let (client_tcp, server_tcp) = tcp_pair().await;
    let server = tokio::spawn(our_echo_server(server_tcp));
    let (mut peer, _) = tokio_tungstenite::client_async_with_config(
        "ws://127.0.0.1/",
        client_tcp,
        Some(tungstenite_config()),
    )
    .await
    .unwrap();

    peer.send(TMessage::text("hello")).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::text("hello"));

    let binary: Vec<u8> = (0..=255).collect();
    peer.send(TMessage::binary(binary.clone())).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::binary(binary));

    let big = pattern(BIG, 1);
    peer.send(TMessage::binary(big.clone())).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap().into_data(), big);

    // A text message in three frames, "frag" "men" "ted"; the echo comes whole.
    for (piece, opcode, fin) in [
        ("frag", TOpCode::Data(Data::Text), false),
        ("men", TOpCode::Data(Data::Continue), false),
        ("ted", TOpCode::Data(Data::Continue), true),
    ] {
        peer.send(TMessage::Frame(TFrame::message(piece, opcode, fin))).await.unwrap();
    }
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::text("fragmented"));

    // Our connection answers the ping by itself.
    peer.send(TMessage::Ping(Bytes::from_static(b"are you there"))).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::Pong(Bytes::from_static(b"are you there")));

    peer.close(Some(TCloseFrame { code: 4000.into(), reason: "done".into() })).await.unwrap();
    match peer.next().await {
        Some(Ok(TMessage::Close(Some(close)))) => assert_eq!(u16::from(close.code), 4000),
        other => panic!("expected the echo of our close, got {other:?}"),
    }
    assert!(peer.next().await.is_none(), "the server closed the transport");
    drop(peer); // our server drains until the client's end (or the linger time)
    assert_eq!(server.await.unwrap(), Some(CloseCode(4000)));
}

#[tokio::test]
async fn our_client_against_a_tungstenite_server() {
    let (client_tcp, server_tcp) = tcp_pair().await;
    let server = tokio::spawn(async move {
        let mut ws = tokio_tungstenite::accept_async_with_config(server_tcp, Some(tungstenite_config()))
            .await
            .unwrap();
        // A ping first: our client answers it while it only reads.
        ws.send(TMessage::Ping(Bytes::from_static(b"heartbeat"))).await.unwrap();
        let mut close_code = None;
        let mut pong = None;
        while let Some(message) = ws.next().await {
            match message.unwrap() {
                message @ (TMessage::Text(_) | TMessage::Binary(_)) => ws.send(message).await.unwrap(),
                TMessage::Pong(payload) => pong = Some(payload),
                TMessage::Close(close) => close_code = close.map(|c| u16::from(c.code)),
                _ => {}
            }
        }
        (pong, close_code)
    });
    let (mut ws, response) = client_async("ws://127.0.0.1/", client_tcp).await.unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(ws.protocol(), None);

    ws.send_text("hello").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello"));

    ws.send_binary(&[0, 1, 2, 255]).await.unwrap();
    let echo = ws.recv().await.unwrap().unwrap();
    assert_eq!((echo.opcode, &echo.payload[..]), (OpCode::BINARY, &[0, 1, 2, 255][..]));

    let big = pattern(BIG, 2);
    ws.send(Frame::binary(big.clone())).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().payload, big);

    // Fragments sent through the Sink; tungstenite joins them and echoes the whole.
    let mut sink = &mut ws;
    SinkExt::<Frame>::feed(&mut sink, Frame::text("frag").with_fin(false)).await.unwrap();
    SinkExt::<Frame>::feed(&mut sink, Frame::continuation("men", false)).await.unwrap();
    SinkExt::<Frame>::send(&mut sink, Frame::continuation("ted", true)).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("fragmented"));

    // Our ping; tungstenite's pong comes back as an event.
    ws.send(Frame::ping("ping?")).await.unwrap();
    loop {
        match ws.recv_event().await.unwrap().unwrap() {
            Event::Pong(pong) => {
                assert_eq!(&pong.payload[..], b"ping?");
                break;
            }
            Event::Ping(_) => {} // the server's heartbeat, answered already
            other => panic!("unexpected {other:?}"),
        }
    }

    let reply = ws.close(CloseCode(4001), "bye").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode(4001)), "tungstenite echoes the code");
    assert!(ws.is_closed());
    assert!(ws.recv().await.is_none());
    let (pong, close_code) = server.await.unwrap();
    assert_eq!(pong.as_deref(), Some(&b"heartbeat"[..]), "the heartbeat was answered");
    assert_eq!(close_code, Some(4001));
}

#[tokio::test]
async fn a_tungstenite_peer_sees_our_close_code_when_we_close_first() {
    let (client_tcp, server_tcp) = tcp_pair().await;
    let server = tokio::spawn(async move {
        let mut ws = accept(server_tcp).await.unwrap();
        let reply = ws.close(CloseCode::POLICY_VIOLATION, "go away").await.unwrap();
        reply.map(|close| close.code)
    });
    let (mut peer, _) = tokio_tungstenite::client_async("ws://127.0.0.1/", client_tcp).await.unwrap();
    match peer.next().await {
        Some(Ok(TMessage::Close(Some(close)))) => {
            assert_eq!(u16::from(close.code), 1008);
            assert_eq!(close.reason.as_str(), "go away");
        }
        other => panic!("expected our close, got {other:?}"),
    }
    // tungstenite queued its reply as it read our close; it goes out here.
    while peer.next().await.is_some() {}
    drop(peer);
    assert_eq!(server.await.unwrap(), Some(CloseCode::POLICY_VIOLATION));
}
