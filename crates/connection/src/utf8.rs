//! Incremental UTF-8 validation of text messages and close reasons, fed
//! payload pieces as they arrive so invalid text fails as early as the bytes
//! show it (RFC 6455 section 8.1; Autobahn section 6 checks the timing).

/// Validates UTF-8 split at arbitrary points.
///
/// Each piece is checked by `core::str::from_utf8`, which already rejects a
/// sequence at the first byte that cannot continue it (a surrogate or an
/// overlong form fails at its second byte), so the only bytes carried from
/// one piece to the next are the up to three bytes of a valid but unfinished
/// code point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Utf8Validator {
    /// The start of an unfinished code point.
    pending: [u8; 4],
    pending_len: u8,
}

/// The text is not UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

impl Utf8Validator {
    /// Checks one whole text at once.
    pub(crate) fn check_whole(text: &[u8]) -> Result<(), InvalidUtf8> {
        let mut validator = Utf8Validator::default();
        validator.feed(text)?;
        validator.finish()
    }

    /// Checks the next piece of text.
    pub(crate) fn feed(&mut self, mut input: &[u8]) -> Result<(), InvalidUtf8> {
        if self.pending_len > 0 {
            let have = usize::from(self.pending_len);
            let need = sequence_len(self.pending[0]);
            let take = (need - have).min(input.len());
            self.pending[have..have + take].copy_from_slice(&input[..take]);
            self.pending_len += take as u8;
            input = &input[take..];
            match core::str::from_utf8(&self.pending[..usize::from(self.pending_len)]) {
                Ok(_) => self.pending_len = 0,
                Err(e) if e.error_len().is_some() => return Err(InvalidUtf8),
                // Still unfinished: then all of `input` went into it.
                Err(_) => return Ok(()),
            }
        }
        // Most text is ASCII, and checking for it costs far less than
        // from_utf8's set-up on short input.
        if input.is_ascii() {
            return Ok(());
        }
        match core::str::from_utf8(input) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(InvalidUtf8),
            Err(e) => {
                let tail = &input[e.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// True when no code point is unfinished: the text so far ends on a
    /// character boundary.
    pub(crate) fn is_idle(&self) -> bool {
        self.pending_len == 0
    }

    /// Checks that the text did not end inside a code point, and resets.
    pub(crate) fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let complete = self.pending_len == 0;
        *self = Utf8Validator::default();
        if complete { Ok(()) } else { Err(InvalidUtf8) }
    }
}

/// The length of the sequence a valid lead byte starts; 1 for anything else,
/// which `from_utf8` then rejects.
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(bytes: &[u8], cut: usize) -> Result<(), InvalidUtf8> {
        let mut v = Utf8Validator::default();
        v.feed(&bytes[..cut])?;
        v.feed(&bytes[cut..])?;
        v.finish()
    }

    #[test]
    fn every_split_of_valid_text_is_valid() {
        let text = "κόσμε aé€𝄞 Hello-µ@ßöäüàá-UTF-8!!".as_bytes();
        for cut in 0..=text.len() {
            assert_eq!(feed_split(text, cut), Ok(()), "cut at {cut}");
        }
    }

    #[test]
    fn fails_fast_on_impossible_prefixes() {
        // Each is rejected by the piece that shows it, before the text ends.
        for bad in [&[0xF5][..], &[0xED, 0xA0], &[0xE0, 0x80], &[0xF4, 0x90], &[0xC0], &[0x80]] {
            let mut v = Utf8Validator::default();
            assert_eq!(v.feed(b"ok"), Ok(()));
            let split = bad.len() - 1;
            let first = v.feed(&bad[..split]);
            let second = v.feed(&bad[split..]);
            assert!(first.is_err() || second.is_err(), "{bad:x?}");
        }
    }

    #[test]
    fn a_truncated_code_point_fails_at_the_end() {
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&[0xF0, 0x9D, 0x84]), Ok(()));
        assert_eq!(v.finish(), Err(InvalidUtf8));
        assert_eq!(v.finish(), Ok(()), "finish resets");
    }

    #[test]
    fn one_byte_at_a_time() {
        let text = "𝄞€é".as_bytes();
        let mut v = Utf8Validator::default();
        for b in text {
            v.feed(core::slice::from_ref(b)).unwrap();
        }
        v.finish().unwrap();
    }
}
