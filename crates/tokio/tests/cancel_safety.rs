//! Receiving is cancel safe: `recv` futures dropped by `select!` against a
//! timer, thousands of times and mid-message, lose no byte and no message.

mod common;

use std::time::Duration;

use common::{ours_server_raw_client, pattern};
use noio_ws_tokio::ServerBuilder;
use noio_ws_tokio::noio_ws::Frame;
use tokio::io::AsyncWriteExt;

const MESSAGES: u32 = 2000;

fn nth_message(i: u32) -> Frame {
    let payload = pattern((i as usize * 37) % 700 + 1, i);
    if i.is_multiple_of(3) {
        // Text: the payload in hex, valid UTF-8.
        Frame::text(payload.iter().map(|b| format!("{b:02x}")).collect::<String>())
    } else {
        Frame::binary(payload)
    }
}

#[tokio::test(start_paused = true)]
async fn recv_raced_against_a_timer_loses_nothing() {
    let (mut server, mut peer) = ours_server_raw_client(1 << 20, ServerBuilder::new()).await;
    // Every message, encoded (masked) by the raw peer, then dribbled over
    // the pipe in pieces of 1 to 13 bytes, 1 ms apart.
    let mut wire = Vec::new();
    for i in 0..MESSAGES {
        peer.conn.send(nth_message(i)).unwrap();
        while let Some(bytes) = peer.conn.poll_output() {
            wire.extend_from_slice(&bytes);
        }
    }
    let writer = tokio::spawn(async move {
        let mut rest = &wire[..];
        let mut step = 0;
        while !rest.is_empty() {
            let n = (1 + step % 13).min(rest.len());
            peer.io.write_all(&rest[..n]).await.unwrap();
            rest = &rest[n..];
            step += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        peer
    });

    let (mut received, mut cancelled) = (0, 0u32);
    while received < MESSAGES {
        tokio::select! {
            message = server.recv() => {
                let message = message.unwrap().unwrap();
                let expected = nth_message(received);
                assert_eq!((message.opcode, &message.payload[..]), (expected.opcode(), &expected.payload()[..]), "message {received}");
                received += 1;
            }
            () = tokio::time::sleep(Duration::from_micros(700)) => cancelled += 1,
        }
    }
    assert!(cancelled > MESSAGES, "only {cancelled} receives were dropped: the race did not bite");
    let _peer = writer.await.unwrap();
}
