//! Fuzz target bodies, shared by `fuzz/` (cargo-fuzz) and the stable seed
//! replay test. Hidden: not part of the API.

use noio_ws_codec::{MAX_HEADER_LEN, Role};

use crate::{Config, Connection, Delivery, Event, EventRef};

const MAX_FRAME: u64 = 4096;
const MAX_MESSAGE: u64 = 8192;

/// The `connection_recv` target. Byte 0 picks the role, delivery mode (bits
/// 1 and 5), automatic replies, whether bytes are copied in (`recv`) or read
/// straight into the connection (`recv_with`), and whether events are taken
/// with `next_event` or `next_event_ref` (bit 6); byte 1 the read size; the
/// rest is what the peer sent.
/// Checks that nothing panics, that every message and the buffered input stay
/// within the configured limits, and that a failure is final.
pub fn connection_recv(data: &[u8]) {
    let [flags, read, stream @ ..] = data else {
        return;
    };
    let role = if flags & 1 == 0 { Role::Server } else { Role::Client };
    let delivery = match (flags & 2 != 0, flags & 32 != 0) {
        (false, false) => Delivery::WholeMessages,
        (false, true) => Delivery::Frames,
        (true, _) => Delivery::Streaming,
    };
    let config = Config {
        max_frame_len: MAX_FRAME,
        max_message_len: MAX_MESSAGE,
        auto_pong: flags & 4 == 0,
        auto_close: flags & 8 == 0,
        delivery,
        ..Config::DEFAULT
    };
    let read_size = usize::from(*read).max(1);
    let mut conn = Connection::new(role, config).with_mask_seed(u64::from(*flags));
    let mut failed = None;
    for piece in stream.chunks(read_size) {
        if flags & 16 == 0 {
            conn.recv(piece);
        } else {
            let mut rest = piece;
            while !rest.is_empty() {
                let n = conn
                    .recv_with(|buf| {
                        let n = buf.len().min(rest.len());
                        buf[..n].copy_from_slice(&rest[..n]);
                        Ok::<_, ()>(n)
                    })
                    .expect("an in-memory read cannot fail");
                rest = &rest[n..];
            }
        }
        loop {
            // Bit 6: take events by reference, as a zero-copy driver does.
            let event = if flags & 64 == 0 {
                conn.next_event()
            } else {
                match conn.next_event_ref() {
                    Ok(EventRef::Message(m)) => Ok(Event::Message(m.to_owned())),
                    Ok(EventRef::Event(event)) => Ok(event),
                    Err(e) => Err(e),
                }
            };
            match event {
                Ok(Event::NeedData) => break,
                Ok(Event::Message(m)) => assert!(m.payload.len() as u64 <= MAX_MESSAGE),
                Ok(Event::Chunk(c)) => assert!(c.payload.len() as u64 <= MAX_FRAME),
                Ok(Event::Frame(f)) => assert!(f.payload.len() as u64 <= MAX_FRAME && f.frame_end),
                Ok(Event::Ping(c) | Event::Pong(c) | Event::Control(c)) => assert!(c.payload.len() <= 125),
                Ok(_) => {}
                Err(e) => {
                    if let Some(first) = &failed {
                        assert_eq!(first, &e, "a failure is final");
                    }
                    failed = Some(e);
                    break;
                }
            }
        }
        // Undecoded input: at most one frame being assembled plus one read.
        assert!(conn.buffered() <= MAX_FRAME as usize + MAX_HEADER_LEN + read_size);
        // Write out everything queued, as a driver does after each read.
        while conn.poll_output().is_some() {}
        assert_eq!(conn.queued_output_len(), 0);
    }
    conn.recv_eof();
    let _ = conn.next_event();
}
