//! The examples' event loop over a blocking socket: read, hand each message
//! to a callback, write its reply and whatever the connection queued, until
//! the closing handshake is done.

use std::io::{Read, Write};
use std::net::TcpStream;

use noio_ws::{Connection, Event, Frame, Message, TransportAction};

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs `conn` over `stream` until the transport should close; `on_message`
/// may answer each message with a frame. Pings are answered and closes echoed
/// by the connection itself.
pub(crate) fn run(
    stream: &mut TcpStream,
    conn: &mut Connection,
    mut on_message: impl FnMut(Message) -> Option<Frame>,
) -> Result<(), Error> {
    loop {
        // Drain first: bytes that came with the handshake are already buffered.
        loop {
            match conn.next_event() {
                Ok(Event::Message(message)) => {
                    if let Some(reply) = on_message(message) {
                        // A server's payload goes out without a copy.
                        for part in conn.send_parts(reply)? {
                            stream.write_all(&part)?;
                        }
                    }
                }
                Ok(Event::NeedData) => break,
                Ok(Event::AbnormalClosure) => return Ok(()),
                Ok(_) => {}
                // The connection queued a close frame with the right code.
                Err(_) => break,
            }
        }
        if let Some(queued) = conn.poll_output() {
            stream.write_all(&queued)?;
        }
        if conn.transport_action() != TransportAction::Keep {
            return Ok(());
        }
        // Straight into the connection's buffer; a read of 0 ends the stream.
        conn.recv_with(|buf| stream.read(buf))?;
    }
}

/// Echoes every message back with its type.
pub(crate) fn echo(stream: &mut TcpStream, conn: &mut Connection) -> Result<(), Error> {
    run(stream, conn, |message| Some(Frame::new(message.opcode, message.payload)))
}
