//! One connection whose peer never stops sending does not starve the other
//! tasks on its runtime thread, even run `unconstrained` (where tokio's
//! cooperative budget does not make it yield): the receiver yields once
//! every few reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use noio_ws_tokio::noio_ws::{Connection, Frame, Role};
use noio_ws_tokio::{Config, WebSocket};
use tokio::io::AsyncWriteExt;

/// The messages the peer sends.
const COUNT: usize = 2_000;

#[tokio::test(flavor = "current_thread")]
async fn a_flooded_receiver_lets_the_other_tasks_run() {
    // 2,000 messages of 4 KiB, all written before the receiver starts (the
    // duplex's buffer holds the whole stream): 8 MiB, well over a hundred
    // reads of at most 64 KiB (`Config::max_read_len`).
    let mut client = Connection::new(Role::Client, Config::default());
    let mut wire = Vec::new();
    for i in 0..COUNT as u32 {
        client.send(Frame::binary(i.to_be_bytes().repeat(1024))).unwrap();
        while let Some(out) = client.poll_output() {
            wire.extend_from_slice(&out);
        }
    }
    let (mut peer, ours) = tokio::io::duplex(wire.len() + 1);
    peer.write_all(&wire).await.unwrap();

    let received = Arc::new(AtomicUsize::new(0));
    let other_ran_at = Arc::new(AtomicUsize::new(usize::MAX));
    let done = Arc::new(AtomicBool::new(false));
    let receiver = {
        let received = Arc::clone(&received);
        let done = Arc::clone(&done);
        tokio::spawn(tokio::task::unconstrained(async move {
            let mut ws = WebSocket::from_connection(Connection::new(Role::Server, Config::default()), ours);
            while received.load(Ordering::Relaxed) < COUNT {
                ws.recv().await.unwrap().unwrap();
                received.fetch_add(1, Ordering::Relaxed);
            }
            done.store(true, Ordering::Relaxed);
        }))
    };
    let other = {
        let received = Arc::clone(&received);
        let other_ran_at = Arc::clone(&other_ran_at);
        tokio::spawn(async move {
            other_ran_at.store(received.load(Ordering::Relaxed), Ordering::Relaxed);
        })
    };
    receiver.await.unwrap();
    other.await.unwrap();
    assert!(done.load(Ordering::Relaxed));
    let at = other_ran_at.load(Ordering::Relaxed);
    // Without the yield the other task runs only once all of them are in.
    assert!(at < COUNT, "the other task ran only after {at} messages");
}
