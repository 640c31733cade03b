//! A warm connection allocates nothing per message: an echo of 16-byte
//! messages between a client and a server, read with `recv_with` and
//! drained with `poll_output_into`, both through `next_event` (payloads split
//! off the input buffer as `Bytes` and sent back as they are) and through
//! `next_event_ref` (payloads lent, copied into the reply's static bytes);
//! and a server answering pipelined batches larger than the room an idle
//! connection keeps, written out (vectored, lent or appended), keeps its grown
//! output buffer from batch to batch instead of freeing and regrowing it.
//!
//! A plain `main` (`harness = false`): the counting allocator sees every
//! thread, and libtest's own would be counted too.

use noio_ws_codec::Role;
use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_connection::{Config, Connection, Event, EventRef, Frame};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Allocations made so far.
fn allocations() -> u64 {
    dhat::HeapStats::get().total_blocks
}

/// Moves everything `from` queued into `to`, through `wire` (the caller's
/// write buffer, kept warm).
fn deliver(from: &mut Connection, to: &mut Connection, wire: &mut BytesMut) {
    from.poll_output_into(wire);
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let n = to
            .recv_with(|buf| {
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                Ok::<_, ()>(n)
            })
            .expect("an in-memory read cannot fail");
        rest = &rest[n..];
    }
    wire.clear();
}

/// One round: the client sends, the server echoes, the client reads the echo.
fn round(client: &mut Connection, server: &mut Connection, wire: &mut BytesMut, lend: bool) {
    client.send(Frame::binary(Bytes::from_static(b"0123456789abcdef"))).unwrap();
    deliver(client, server, wire);
    if lend {
        loop {
            match server.next_event_ref().unwrap() {
                EventRef::Message(m) => {
                    assert_eq!(m.payload, b"0123456789abcdef");
                    server.send(Frame::binary(Bytes::from_static(b"0123456789abcdef"))).unwrap();
                }
                EventRef::Event(Event::NeedData) => break,
                other => panic!("{other:?}"),
            }
        }
    } else {
        loop {
            match server.next_event().unwrap() {
                Event::Message(m) => server.send(Frame::binary(m.payload)).unwrap(),
                Event::NeedData => break,
                other => panic!("{other:?}"),
            }
        }
    }
    deliver(server, client, wire);
    loop {
        match client.next_event_ref().unwrap() {
            EventRef::Message(m) => assert_eq!(m.payload, b"0123456789abcdef"),
            EventRef::Event(Event::NeedData) => break,
            other => panic!("{other:?}"),
        }
    }
}

/// How a batch is written out.
#[derive(Clone, Copy, Debug)]
enum Write {
    Vectored,
    With,
    Into,
}

/// One batch: the server queues 64 messages of 100 bytes (6,528 bytes on
/// the wire) and writes them all out, `wire` standing for the socket.
fn batch(server: &mut Connection, write: Write, wire: &mut BytesMut) {
    for _ in 0..64 {
        server.send_binary(&[7; 100]).unwrap();
    }
    while server.queued_output_len() > 0 {
        match write {
            Write::Vectored => {
                server.poll_output_vectored(|slices| Ok::<_, ()>(slices.iter().map(|s| s.len()).sum()))
            }
            Write::With => server.poll_output_with(|bytes| Ok::<_, ()>(bytes.len())),
            Write::Into => Ok(server.poll_output_into(wire)),
        }
        .unwrap();
        wire.clear();
    }
}

/// A regression: the fully written output buffer, cleared instead of
/// advanced, counted its whole room, past the 4 KiB an idle connection
/// keeps, so every batch freed it and grew it again: 7 allocations a batch
/// through `poll_output_vectored`, as `poll_output_with` and
/// `poll_output_into` had made already.
fn pipelined_batches_allocate_nothing() {
    for write in [Write::Vectored, Write::With, Write::Into] {
        let mut server = Connection::new(Role::Server, Config::default());
        let mut wire = BytesMut::with_capacity(8 << 10);
        for _ in 0..10 {
            batch(&mut server, write, &mut wire);
        }
        let before = allocations();
        for _ in 0..1_000 {
            batch(&mut server, write, &mut wire);
        }
        let made = allocations() - before;
        println!("allocations in 1,000 warm batches of 64 100 B messages written {write:?}: {made}");
        assert_eq!(made, 0, "a warm server writing pipelined batches ({write:?}) allocates nothing");
    }
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    pipelined_batches_allocate_nothing();
    for lend in [false, true] {
        let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
        let mut server = Connection::new(Role::Server, Config::default());
        let mut wire = BytesMut::with_capacity(1 << 10);
        for _ in 0..100 {
            round(&mut client, &mut server, &mut wire, lend);
        }
        let before = allocations();
        for _ in 0..10_000 {
            round(&mut client, &mut server, &mut wire, lend);
        }
        let made = allocations() - before;
        let path = if lend { "next_event_ref" } else { "next_event" };
        println!("allocations in 10,000 warm 16 B echo round trips through {path}: {made}");
        assert_eq!(made, 0, "a warm echo through {path} allocates nothing");
    }
}
