//! The examples' echo loop over a blocking socket.

use std::io::{Read, Write};
use std::net::TcpStream;

use noio_ws::{Connection, Event, Frame, TransportAction};

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Bytes read from the socket per call.
const READ: usize = 64 * 1024;

/// Echoes every message back with its type until the closing handshake is
/// done (pings are answered and the close echoed by the connection itself).
pub(crate) fn echo(stream: &mut TcpStream, conn: &mut Connection) -> Result<(), Error> {
    loop {
        let n = stream.read(conn.receive_buffer(READ))?;
        conn.commit_received(READ, n);
        if n == 0 {
            conn.recv_eof();
        }
        loop {
            match conn.next_event() {
                Ok(Event::Message(message)) => {
                    for part in conn.send_parts(Frame::new(message.opcode, message.payload))? {
                        stream.write_all(&part)?;
                    }
                }
                Ok(Event::NeedData) => break,
                Ok(_) => {}
                // The connection queued a close frame with the right code.
                Err(_) => break,
            }
        }
        if let Some(queued) = conn.poll_output() {
            stream.write_all(&queued)?;
        }
        if conn.transport_action() != TransportAction::Keep || n == 0 {
            return Ok(());
        }
    }
}
