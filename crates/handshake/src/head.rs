//! Collects an HTTP head from bytes in any chunks, in time linear in the
//! input: each byte is looked at once to find the blank line that ends the
//! head, and the head is parsed once, when it is whole.

use noio_ws_codec::bytes::Bytes;

use crate::HandshakeError;

/// A head being received. Once it has returned a head it is as new: the
/// next byte starts the next head.
///
/// Empty lines (CRLF or bare LF) before the start line are skipped in the
/// search, as RFC 9112 section 2.2 asks of a server ("SHOULD ignore at least
/// one empty line (CRLF) received prior to the request-line"), so they are
/// not taken for the blank line ending the head. They stay in the head's
/// bytes, which bounds them by the head limit and lets httparse (which skips
/// them too) reject a bare CR among them.
#[derive(Debug, Default)]
pub(crate) struct HeadReader {
    head: Vec<u8>,
    scan: Scan,
}

/// Where the search for the blank line stands. A state rather than a count
/// of line ends, so no run of bytes can overflow it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scan {
    /// Before the start line: only empty lines so far.
    #[default]
    Preamble,
    /// Inside a line.
    Line,
    /// Just after a line end: another one ends the head. A `\r` neither
    /// counts nor breaks the run (httparse then checks that each `\r` is
    /// followed by `\n`).
    LineEnd,
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
            self.scan = match (self.scan, byte) {
                (Scan::LineEnd, b'\n') => return self.finish(input, i + 1, max).map(Some),
                (Scan::Preamble, b'\n' | b'\r') => Scan::Preamble,
                (_, b'\n') => Scan::LineEnd,
                (scan, b'\r') => scan,
                _ => Scan::Line,
            };
        }
        if self.head.len().saturating_add(input.len()) > max {
            return Err(HandshakeError::HeadTooLarge { max });
        }
        self.head.extend_from_slice(input);
        Ok(None)
    }

    /// The head ending at `input[..end]`, the rest of `input` after it; the
    /// reader starts over.
    fn finish(&mut self, input: &[u8], end: usize, max: usize) -> Result<Head, HandshakeError> {
        if self.head.len().saturating_add(end) > max {
            return Err(HandshakeError::HeadTooLarge { max });
        }
        let mut bytes = core::mem::take(self).head;
        bytes.extend_from_slice(&input[..end]);
        Ok(Head { bytes, rest: Bytes::copy_from_slice(&input[end..]) })
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

    #[test]
    fn limits_of_zero_and_usize_max_hold() {
        assert!(HeadReader::default().push(b"", 0).unwrap().is_none());
        assert_eq!(HeadReader::default().push(b"G", 0).unwrap_err(), HandshakeError::HeadTooLarge { max: 0 });
        let mut reader = HeadReader::default();
        assert!(reader.push(b"GET / HTTP/1.1\r\n", usize::MAX).unwrap().is_none());
        assert!(reader.push(b"\r\n", usize::MAX).unwrap().is_some());
    }

    #[test]
    fn a_reader_starts_over_after_returning_a_head() {
        let mut reader = HeadReader::default();
        let head = reader.push(b"GET / HTTP/1.1\r\n\r\nrest", 100).unwrap().unwrap();
        assert_eq!(&head.rest[..], b"rest");
        assert!(reader.head.is_empty() && reader.scan == Scan::Preamble, "{reader:?}");
        let next = reader.push(b"GET /next HTTP/1.1\r\n\r\n", 100).unwrap().unwrap();
        assert_eq!(next.bytes, b"GET /next HTTP/1.1\r\n\r\n");
    }

    #[test]
    fn leading_empty_lines_are_not_the_end_of_the_head() {
        for preamble in [&b"\r\n"[..], b"\n", b"\r\n\r\n", b"\n\n\n", b"\r\n\n\r\r\n"] {
            let input = [preamble, b"GET / HTTP/1.1\r\n\r\nrest"].concat();
            let head = HeadReader::default().push(&input, 100).unwrap().expect("a whole head");
            assert_eq!(head.bytes, &input[..input.len() - 4]);
            assert_eq!(&head.rest[..], b"rest");
        }
    }

    #[test]
    fn leading_empty_lines_count_against_the_limit() {
        let mut reader = HeadReader::default();
        assert!(reader.push(&[b'\n'; 100], 100).unwrap().is_none());
        assert_eq!(reader.push(b"\n", 100).unwrap_err(), HandshakeError::HeadTooLarge { max: 100 });
    }
}
