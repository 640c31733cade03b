//! Guards on what a connection costs: its size, the memory it holds idle
//! (before and after traffic), and that it can move between threads.
//!
//! A plain `main` (`harness = false`), so no other thread allocates while
//! the counting allocator watches: libtest's own threads made the held
//! bytes vary from run to run.

use noio_ws_codec::Role;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_connection::{Config, Connection, Event, Frame};
use noio_ws_test_support::{Pair, drain};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Bytes currently allocated.
fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    fn assert_send<T: Send>() {}
    assert_send::<Connection>();

    let size = size_of::<Connection>();
    println!("size_of::<Connection>() = {size} bytes");
    // 648 since the receiver keeps the bytes after a frame's end in a buffer
    // of their own (32 bytes), so they are never moved when it is split off;
    // 688 since that buffer has a decoder of its own (40 bytes), so a frame
    // starting there is unmasked as it is copied in.
    assert!(size <= 696, "the connection grew to {size} bytes");
    let event = size_of::<Event>();
    println!("size_of::<Event>() = {event} bytes");
    assert!(event <= 96, "the event grew to {event} bytes");

    for role in [Role::Server, Role::Client] {
        let before = live();
        let conn = Connection::new(role, Config::default());
        assert_eq!(live(), before, "a new {role:?} connection allocates nothing");
        drop(conn);
    }

    // After traffic, with every event drained and every output taken, the
    // connection holds no buffer but a small read buffer kept for the next
    // read (at most the first read's 4 KiB each).
    let mut pair = Pair::new(Config::default());
    let before = live();
    for i in 0..100 {
        let events = pair.client_sends(Frame::binary(vec![i as u8; 10_000])).unwrap();
        drop(events);
        pair.client_sends(Frame::ping("p")).unwrap();
    }
    let (events, _) = drain(&mut pair.client);
    drop(events);
    assert_eq!(pair.client.next_event(), Ok(Event::NeedData));
    assert_eq!(pair.server.poll_output(), None);
    assert_eq!(pair.client.poll_output(), None);
    let held = live() as isize - before as isize;
    println!("held after traffic by an idle client and server: {held} bytes");
    assert!((0..=2 * (4 << 10)).contains(&held), "{held}");
    drop(pair);

    // A server's zero-copy sends, drained part by part: nothing kept.
    let mut server = Connection::new(Role::Server, Config::default());
    let before = live();
    for _ in 0..10 {
        server.send(Frame::binary(vec![1; 100_000])).unwrap();
        while server.poll_output().is_some() {}
    }
    let held = live() as isize - before as isize;
    println!("held by a server after zero-copy sends: {held} bytes");
    assert_eq!(held, 0);

    // Drained into the caller's buffer: the connection keeps at most 4 KiB
    // of room for the next frames (so a warm one allocates nothing), and
    // nothing of a large buffer.
    let mut dst = BytesMut::new();
    let before = live();
    for len in [10, 100_000, 10] {
        server.send(Frame::binary(vec![1; len])).unwrap();
        server.poll_output_into(&mut dst);
        dst = BytesMut::new();
    }
    let held = live() as isize - before as isize;
    println!("held by a server drained with poll_output_into: {held} bytes");
    assert!((0..=4 << 10).contains(&held), "{held}");

    // Pipelined batches grow the output buffer past 4 KiB, and it is kept
    // while they last; the first small batch after them lets it go, however
    // it is written out.
    for small_with in [true, false] {
        let mut server = Connection::new(Role::Server, Config::default());
        let before = live();
        for _ in 0..10 {
            for _ in 0..64 {
                server.send_binary(&[7; 100]).unwrap();
            }
            server.poll_output_vectored(|slices| Ok::<_, ()>(slices.iter().map(|s| s.len()).sum())).unwrap();
        }
        let busy = live() - before;
        server.send_text("small").unwrap();
        if small_with {
            server.poll_output_with(|bytes| Ok::<_, ()>(bytes.len())).unwrap();
        } else {
            server.poll_output_vectored(|slices| Ok::<_, ()>(slices.iter().map(|s| s.len()).sum())).unwrap();
        }
        let held = live() as isize - before as isize;
        println!(
            "held by a server after pipelined batches ({busy} bytes), then a small message: {held} bytes"
        );
        assert!(busy > 4 << 10, "the batches grew the buffer: {busy}");
        assert_eq!(held, 0, "a small batch lets the grown buffer go");
    }
}
