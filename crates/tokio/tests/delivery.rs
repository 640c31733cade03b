//! The core's other delivery modes through the adapter: frames and
//! streamed pieces via `recv_event` and the `events()` stream.

mod common;

use common::{ours_pair, pattern};
use futures_util::StreamExt;
use noio_ws_tokio::{ClientBuilder, Config, Delivery, Error, Event, Frame, OpCode, ServerBuilder};

#[tokio::test]
async fn streaming_hands_a_large_message_out_in_pieces() {
    let config = Config { delivery: Delivery::Streaming, ..Config::default() };
    let server = ServerBuilder::new().deflate(false).config(config);
    let (mut client, mut server) = ours_pair(64 << 10, ClientBuilder::new(), server).await;
    let big = pattern(4 << 20, 9);
    let sender = tokio::spawn({
        let big = big.clone();
        async move {
            client.send_binary(&big).await.unwrap();
            client
        }
    });
    // recv() takes whole messages only: it says so and takes nothing.
    assert!(matches!(server.recv().await, Some(Err(Error::NotWholeMessages(Delivery::Streaming)))));
    let (mut got, mut pieces) = (Vec::new(), 0);
    let mut events = server.events();
    while let Some(event) = events.next().await {
        let Event::Chunk(chunk) = event.unwrap() else { panic!("only pieces") };
        assert_eq!((chunk.opcode, chunk.first), (OpCode::BINARY, pieces == 0));
        got.extend_from_slice(&chunk.payload);
        pieces += 1;
        if chunk.fin {
            break;
        }
    }
    assert_eq!(got, big);
    assert!(pieces > 16, "{pieces} pieces: the message was not buffered whole");
    drop(sender.await.unwrap());
}

#[tokio::test]
async fn frame_delivery_keeps_the_fragments() {
    let config = Config { delivery: Delivery::Frames, ..Config::default() };
    // Without deflate: compression is free to cut a message into other frames.
    let server = ServerBuilder::new().deflate(false).config(config);
    let (mut client, mut server) = ours_pair(4096, ClientBuilder::new(), server).await;
    client.feed(Frame::text("a").with_fin(false)).await.unwrap();
    client.feed(Frame::continuation("b", false)).await.unwrap();
    client.send(Frame::continuation("c", true)).await.unwrap();
    let mut frames = Vec::new();
    while frames.len() < 3 {
        if let Event::Frame(frame) = server.recv_event().await.unwrap().unwrap() {
            frames.push((frame.opcode, frame.payload, frame.fin));
        }
    }
    assert_eq!(
        frames,
        [
            (OpCode::TEXT, "a".into(), false),
            (OpCode::CONTINUATION, "b".into(), false),
            (OpCode::CONTINUATION, "c".into(), true)
        ]
    );
    // Back to whole messages between messages.
    server.set_delivery(Delivery::WholeMessages).unwrap();
    client.send_text("whole").await.unwrap();
    assert_eq!(server.recv().await.unwrap().unwrap().as_text(), Some("whole"));
}
