//! A peer that never reads cannot make us buffer without bound: sending
//! waits once the output passes its high-water mark, and goes on when the
//! peer reads.

mod common;

use std::time::Duration;

use common::{SOON, ours_server_raw_client};
use noio_ws_tokio::{Config, Frame, ServerBuilder};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;

const HIGH_WATER: usize = 64 << 10;
const MESSAGE: usize = 8 << 10;

#[tokio::test]
async fn feeding_a_peer_that_never_reads_waits_at_the_high_water_mark() {
    // The raw peer never answers our close: give up on it soon.
    let close_timeout = Some(Duration::from_millis(200));
    let config = Config { output_high_water: HIGH_WATER, close_timeout, ..Config::default() };
    let (mut server, mut peer) = ours_server_raw_client(16 << 10, ServerBuilder::new().config(config)).await;
    let mut fed = 0;
    while timeout(Duration::from_millis(100), server.feed(Frame::binary(vec![7; MESSAGE]))).await.is_ok() {
        fed += 1;
        assert!(fed < 1000, "feeding never waits");
    }
    let queued = server.connection().queued_output_len();
    // What the pipe took (16 KiB) is out of the queue; the queue stopped at
    // the mark, passing it by one message at most.
    assert!((HIGH_WATER..HIGH_WATER + MESSAGE + 16).contains(&queued), "{queued} bytes queued");
    assert!(fed * (MESSAGE + 4) <= queued + (16 << 10) + MESSAGE + 4, "{fed} messages fed");

    // `send` waits too (for its flush), and a Sink's poll_ready likewise.
    assert!(timeout(Duration::from_millis(100), server.send_text("more")).await.is_err());
    assert_eq!(server.connection().queued_output_len(), queued, "nothing more was queued");

    // The peer reads: the queue drains and sending goes on.
    let reader = tokio::spawn(async move {
        let mut total = 0;
        let mut buf = vec![0; 64 << 10];
        while let Ok(n) = peer.io.read(&mut buf).await {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    timeout(SOON, server.send_text("more")).await.unwrap().unwrap();
    assert_eq!(server.connection().queued_output_len(), 0);
    let reply = server.close(noio_ws_tokio::CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(reply, None, "the peer never answered");
    let total = reader.await.unwrap();
    assert!(total > fed * MESSAGE, "the peer got everything: {total} bytes");
}
