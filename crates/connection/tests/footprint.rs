//! Guards on what a connection costs: its size, the memory it holds idle
//! (before and after traffic), and that it can move between threads.
//!
//! One test in this binary, so the counting allocator sees only this test.

use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Event, Frame};
use noio_ws_test_support::{Pair, drain};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Bytes currently allocated.
fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

#[test]
fn footprint() {
    let _profiler = dhat::Profiler::builder().testing().build();
    fn assert_send<T: Send>() {}
    assert_send::<Connection>();

    let size = size_of::<Connection>();
    println!("size_of::<Connection>() = {size} bytes");
    assert!(size <= 640, "the connection grew to {size} bytes");
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
    // connection holds no buffer.
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
    assert_eq!(held, 0);
}
