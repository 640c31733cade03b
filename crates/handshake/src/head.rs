//! Collects an HTTP head from bytes in any chunks, in time linear in the
//! input: each byte is looked at once to find the blank line that ends the
//! head, and the head is parsed once, when it is whole.

use noio_ws_codec::bytes::{Bytes, BytesMut};

use crate::HandshakeError;

/// A head being received.
#[derive(Debug, Default)]
pub(crate) struct HeadReader {
    head: Vec<u8>,
    /// Line ends seen in a row (a `\r` neither counts nor breaks the run).
    line_ends: u8,
}

/// A whole head and the bytes that came after it.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) bytes: Vec<u8>,
    pub(crate) rest: Bytes,
}

impl HeadReader {
    /// Takes the next bytes. Returns the head once its blank line has
    /// arrived; fails once the head is longer than `max` without one.
    pub(crate) fn push(&mut self, input: &[u8], max: usize) -> Result<Option<Head>, HandshakeError> {
        for (i, &byte) in input.iter().enumerate() {
            match byte {
                b'\n' => self.line_ends += 1,
                b'\r' => {}
                _ => self.line_ends = 0,
            }
            if self.line_ends == 2 {
                if self.head.len() + i + 1 > max {
                    return Err(HandshakeError::HeadTooLarge { max });
                }
                self.head.extend_from_slice(&input[..=i]);
                let bytes = core::mem::take(&mut self.head);
                let rest = BytesMut::from(&input[i + 1..]).freeze();
                return Ok(Some(Head { bytes, rest }));
            }
        }
        if self.head.len() + input.len() > max {
            return Err(HandshakeError::HeadTooLarge { max });
        }
        self.head.extend_from_slice(input);
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_across_chunks_and_keeps_the_rest() {
        let mut reader = HeadReader::default();
        assert!(reader.push(b"GET / HTTP/1.1\r\nHost: a\r", 100).unwrap().is_none());
        assert!(reader.push(b"\n\r", 100).unwrap().is_none());
        let head = reader.push(b"\nframes", 100).unwrap().unwrap();
        assert_eq!(head.bytes, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(&head.rest[..], b"frames");
    }

    #[test]
    fn refuses_a_head_past_the_limit() {
        let mut reader = HeadReader::default();
        assert!(reader.push(&[b'a'; 60], 100).unwrap().is_none());
        assert_eq!(reader.push(&[b'a'; 60], 100).unwrap_err(), HandshakeError::HeadTooLarge { max: 100 });
    }
}
