//! Split halves in two tasks: the reader keeps receiving while the writer
//! waits for a full socket, automatic replies go out while only the reader
//! runs, and the halves reunite.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{SOON, ours_pair, ours_server_raw_client};
use noio_ws_tokio::noio_ws::Frame;
use noio_ws_tokio::{ClientBuilder, Config, Event, ServerBuilder, reunite};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;

#[tokio::test]
async fn the_reader_keeps_receiving_while_the_writer_waits_for_a_full_socket() {
    let config = Config { output_high_water: 16 << 10, ..Config::default() };
    let (server, mut peer) = ours_server_raw_client(8 << 10, ServerBuilder::new().config(config)).await;
    let (mut read, mut write) = server.split();
    let sent = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn({
        let sent = Arc::clone(&sent);
        async move {
            while write.send_binary(&[1; 4096]).await.is_ok() {
                sent.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    // The peer reads nothing: the writer fills the pipe and waits.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stuck_at = sent.load(Ordering::SeqCst);
    assert!((1..10).contains(&stuck_at), "{stuck_at} sends went through a pipe of 8 KiB");

    for i in 0..200 {
        peer.conn.send(Frame::text(format!("message {i}"))).unwrap();
    }
    peer.flush().await;
    for i in 0..200 {
        let message = timeout(SOON, read.recv()).await.expect("the reader is not held up").unwrap().unwrap();
        assert_eq!(message.as_text(), Some(format!("message {i}").as_str()));
    }
    assert_eq!(sent.load(Ordering::SeqCst), stuck_at, "the writer still waits");

    // The peer reads now: the writer goes on.
    let mut sink = vec![0; 64 << 10];
    while sent.load(Ordering::SeqCst) < stuck_at + 20 {
        timeout(SOON, peer.io.read(&mut sink)).await.unwrap().unwrap();
    }
    writer.abort();
}

#[tokio::test]
async fn pings_are_answered_while_only_the_reader_runs() {
    let (server, mut peer) = ours_server_raw_client(64 << 10, ServerBuilder::new()).await;
    let (mut read, write) = server.split();
    let reader = tokio::spawn(async move {
        let mut texts = Vec::new();
        while let Some(message) = read.recv().await {
            texts.push(message.unwrap().as_text().unwrap().to_owned());
        }
        texts
    });
    for i in 0..3 {
        peer.send(Frame::ping(format!("ping {i}"))).await;
        match timeout(SOON, peer.next_event()).await.unwrap() {
            Some(Event::Pong(pong)) => assert_eq!(pong.payload, format!("ping {i}")),
            other => panic!("expected a pong, got {other:?}"),
        }
    }
    peer.send(Frame::text("last")).await;
    peer.send(Frame::close(noio_ws_tokio::CloseCode::NORMAL, "").unwrap()).await;
    match timeout(SOON, peer.next_event()).await.unwrap() {
        Some(Event::Close(close)) => assert_eq!(close.code, noio_ws_tokio::CloseCode::NORMAL),
        other => panic!("expected the close reply, got {other:?}"),
    }
    assert_eq!(timeout(SOON, peer.next_event()).await.unwrap(), None, "the server closed the transport");
    drop(peer);
    assert_eq!(reader.await.unwrap(), ["last"]);
    assert!(write.is_closed(), "the writer sees the closed transport");
}

#[tokio::test]
async fn halves_in_two_tasks_exchange_and_reunite() {
    let (client, mut server) = ours_pair(4 << 10, ClientBuilder::new(), ServerBuilder::new()).await;
    let echo = tokio::spawn(async move {
        while let Some(message) = server.recv().await {
            let message = message.unwrap();
            server.send(Frame::new(message.opcode, message.payload)).await.unwrap();
        }
    });
    let (mut read, mut write) = client.split();
    let writer = tokio::spawn(async move {
        for i in 0..500u32 {
            write.send_binary(&i.to_be_bytes().repeat(100)).await.unwrap();
        }
        write
    });
    let reader = tokio::spawn(async move {
        for i in 0..500u32 {
            let message = read.recv().await.unwrap().unwrap();
            assert_eq!(message.payload, i.to_be_bytes().repeat(100));
        }
        read
    });
    let (read, write) = (reader.await.unwrap(), writer.await.unwrap());
    let mut client = reunite(read, write).unwrap();
    client.close(noio_ws_tokio::CloseCode::NORMAL, "").await.unwrap();
    echo.await.unwrap();
}

#[tokio::test]
async fn halves_of_two_connections_do_not_reunite() {
    let (a, _a_peer) = ours_pair(4096, ClientBuilder::new(), ServerBuilder::new()).await;
    let (b, _b_peer) = ours_pair(4096, ClientBuilder::new(), ServerBuilder::new()).await;
    let ((a_read, a_write), (b_read, b_write)) = (a.split(), b.split());
    let error = reunite(a_read, b_write).unwrap_err();
    assert!(error.0.is_pair_of(&a_write) && !error.0.is_pair_of(&error.1));
    assert!(error.0.reunite(a_write).is_ok());
    assert!(reunite(b_read, error.1).is_ok());
}

#[tokio::test]
async fn a_writers_broken_transport_is_an_error_for_the_reader() {
    // The peer is gone: the writer's send fails. The reader must not end
    // with a plain `None`, which reads as a clean close.
    let (server, peer) = ours_server_raw_client(4096, ServerBuilder::new()).await;
    let (mut read, mut write) = server.split();
    drop(peer);
    let sent = write.send_text("anyone?").await;
    assert!(matches!(sent, Err(noio_ws_tokio::Error::Io(_))), "{sent:?}");
    let end = timeout(SOON, read.recv()).await.unwrap();
    assert!(matches!(end, Some(Err(_))), "the reader saw {end:?}");
    assert!(timeout(SOON, read.recv()).await.unwrap().is_none());
}

#[tokio::test]
async fn messages_received_before_the_writer_fails_are_still_handed_out() {
    // Three messages arrive in one read; the application takes the first,
    // then the writer finds the transport broken. The other two were
    // received whole: the reader hands them out before the error.
    let (server, mut peer) = ours_server_raw_client(4096, ServerBuilder::new()).await;
    let (mut read, mut write) = server.split();
    for i in 0..3 {
        peer.conn.send(Frame::text(format!("message {i}"))).unwrap();
    }
    peer.flush().await;
    let first = timeout(SOON, read.recv()).await.unwrap().unwrap().unwrap();
    assert_eq!(first.as_text(), Some("message 0"));
    drop(peer);
    assert!(write.send_text("anyone?").await.is_err());
    for i in 1..3 {
        let message = timeout(SOON, read.recv()).await.unwrap();
        let text = message.map(|m| m.map(|m| m.as_text().map(str::to_owned)));
        assert!(matches!(&text, Some(Ok(Some(t))) if *t == format!("message {i}")), "message {i}: {text:?}");
    }
    assert!(matches!(timeout(SOON, read.recv()).await.unwrap(), Some(Err(_))));
}
