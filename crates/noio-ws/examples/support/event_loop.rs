//! The examples' event loop over a blocking socket: read, hand each data
//! event (a message, a frame or a piece, as the connection's delivery mode
//! says) to a callback, write its reply and whatever the connection queued,
//! until the closing handshake is done, the peer breaks the protocol or goes
//! silent.

use std::fmt;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use noio_ws::{CloseCode, Connection, Event, Frame, OpCode, ProtocolError, Timeout, TransportAction};

use crate::deadline;

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// The close frame a silent peer gets.
const IDLE_CLOSE: (CloseCode, &str) = (CloseCode::GOING_AWAY, "idle timeout");

/// How a connection's event loop ended. Whatever it ended with has been
/// written; closing the transport is left to the caller
/// (`graceful_close::close` with the connection's `transport_action()`).
#[derive(Debug)]
pub(crate) enum Ending {
    /// The closing handshake is done.
    Closed,
    /// The peer broke the protocol: the connection failed and our close
    /// frame carries the violation's code.
    Failed(ProtocolError),
    /// Nothing came from the peer for this long, not even a pong to our
    /// ping; our close frame carries [`IDLE_CLOSE`].
    Idle(Duration),
    /// The peer closed the transport without the closing handshake (1006).
    Abnormal,
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Closed => write!(f, "closed cleanly"),
            Ending::Failed(violation) => write!(f, "failed with {}: {violation}", violation.close_code()),
            Ending::Idle(after) => {
                write!(f, "silent for {after:?}: closed with {}: {}", IDLE_CLOSE.0, IDLE_CLOSE.1)
            }
            Ending::Abnormal => {
                write!(f, "ended without a closing handshake: {}", CloseCode::ABNORMAL_CLOSURE)
            }
        }
    }
}

/// Runs `conn` over `stream` until the transport should close; `on_data`
/// may answer each data event (`Message`, `Frame` or `Chunk`) with a frame.
/// Pings are answered and closes echoed by the connection itself.
///
/// Answers are only queued; after each pass over the events everything the
/// connection queued, answers, pongs and close replies alike, is written in
/// wire order. While the queue is past the connection's `output_high_water`
/// (`output_is_full()`), no more events are taken and nothing more is read:
/// the queue is written out first, the blocking write waiting for the peer
/// to read, so a peer that sends without reading cannot make us queue its
/// echoes without bound.
///
/// The connection's own timers (its `Config`'s `ping_interval`,
/// `idle_timeout`, `close_timeout` ...) run on this loop's clock: each read
/// waits at most until `poll_timeout()`, and `handle_timeout` then sends the
/// keepalive ping, closes an idle connection with 1001, or gives up on a
/// closing handshake. Any byte from the peer counts, so a peer trickling a
/// message slowly is not idle; `Config`'s limits bound what it can make us
/// hold.
pub(crate) fn run(
    stream: &mut TcpStream,
    conn: &mut Connection,
    mut on_data: impl FnMut(Event) -> Option<Frame>,
) -> Result<Ending, Error> {
    let start = Instant::now();
    conn.handle_timeout(Duration::ZERO);
    loop {
        // Drain first: bytes that came with the handshake are already buffered.
        let mut violation = None;
        let mut abnormal = false;
        let mut need_data = false;
        loop {
            match conn.next_event() {
                Ok(event @ (Event::Message(_) | Event::Frame(_) | Event::Chunk(_))) => {
                    // After our close nothing more may be sent, answers included.
                    if let Some(reply) = on_data(event).filter(|_| conn.state().can_send_data()) {
                        conn.send(reply)?;
                    }
                    if conn.output_is_full() {
                        break; // write before taking more
                    }
                }
                Ok(Event::NeedData) => {
                    need_data = true;
                    break;
                }
                Ok(Event::AbnormalClosure) => {
                    abnormal = true;
                    break;
                }
                Ok(_) => {}
                // The connection queued a close frame with the right code.
                Err(error) => {
                    violation = Some(error);
                    break;
                }
            }
        }
        write_output(stream, conn)?;
        if abnormal {
            return Ok(Ending::Abnormal);
        }
        if let Some(violation) = violation {
            return Ok(Ending::Failed(violation));
        }
        if conn.transport_action() != TransportAction::Keep {
            return Ok(Ending::Closed);
        }
        if !need_data {
            // The output was full: events are still waiting, and come before
            // any more reading.
            continue;
        }
        // Straight into the connection's buffer; a read of 0 ends the stream.
        let deadline = conn.poll_timeout().map(|at| start + at);
        match deadline {
            Some(deadline) => {
                deadline::read_by(stream, deadline, |s| conn.recv_with(|buf| s.read(buf)))?;
            }
            None => {
                conn.recv_with(|buf| stream.read(buf))?;
            }
        }
        // Bytes just read count as heard now; a deadline reached runs its
        // timer. A keepalive ping is written on the next pass, a pong timeout
        // fails the connection and a close timeout ends it there too.
        if conn.handle_timeout(start.elapsed()) == Some(Timeout::Idle) {
            // The peer's answer to our close is read, and dropped, by
            // graceful_close: nothing it could still say matters now.
            write_output(stream, conn)?;
            return Ok(Ending::Idle(conn.config().idle_timeout.unwrap_or_default()));
        }
    }
}

/// Writes everything `conn` queued, part by part in wire order: a server's
/// large payload is a part of its own, written without a copy.
fn write_output(stream: &mut TcpStream, conn: &mut Connection) -> std::io::Result<()> {
    while let Some(part) = conn.poll_output() {
        stream.write_all(&part)?;
    }
    Ok(())
}

/// Whole messages come back as they came; frames and streamed pieces come
/// back as frames of one message, with its type on the first, so the peer
/// gets the same messages whichever way they were delivered.
pub(crate) fn echo(stream: &mut TcpStream, conn: &mut Connection) -> Result<Ending, Error> {
    // True once the first frame of the message being echoed piecewise is out.
    let mut started = false;
    let mut piece = move |message: OpCode, payload, fin: bool| {
        let opcode = if started { OpCode::CONTINUATION } else { message };
        started = !fin;
        Some(Frame::new(opcode, payload).with_fin(fin))
    };
    run(stream, conn, |event| match event {
        Event::Message(m) => Some(Frame::new(m.opcode, m.payload)),
        Event::Frame(f) => piece(f.message_opcode, f.payload, f.fin && f.frame_end),
        Event::Chunk(c) => piece(c.opcode, c.payload, c.fin),
        _ => None,
    })
}
