//! Incremental UTF-8 validation of text messages and close reasons, fed
//! payload pieces as they arrive so invalid text fails as early as the bytes
//! show it (RFC 6455 section 8.1; Autobahn section 6 checks the timing).

/// Validates UTF-8 split at arbitrary points.
///
/// Each piece is checked by simdutf8 (short ones by `core::str::from_utf8`,
/// which costs less to set up), and both reject a sequence at the first byte
/// that cannot continue it (a surrogate or an overlong form fails at its
/// second byte), so the only bytes carried from one piece to the next are the
/// up to three bytes of a valid but unfinished code point.
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
    #[inline]
    pub(crate) fn check_whole(text: &[u8]) -> Result<(), InvalidUtf8> {
        // An unfinished last code point is as invalid as a bad byte here.
        validate(text).map_err(|_| InvalidUtf8)
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
        match validate(input) {
            Ok(()) => Ok(()),
            Err(Unfinished::Invalid) => Err(InvalidUtf8),
            Err(Unfinished::At(valid_up_to)) => {
                let tail = &input[valid_up_to..];
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

/// Why a piece is not whole UTF-8.
enum Unfinished {
    /// A byte that no valid text could have there.
    Invalid,
    /// Valid up to here, then the start of a code point the piece cuts off.
    At(usize),
}

/// The input size from which simdutf8's vector loop beats
/// `core::str::from_utf8` after its set-up.
const SIMD_MIN: usize = 64;

/// Checks one piece: whole UTF-8, or valid but for an unfinished last code
/// point, or invalid.
#[inline]
fn validate(input: &[u8]) -> Result<(), Unfinished> {
    if input.len() < SIMD_MIN {
        // Most short text is ASCII, and checking for it costs far less than
        // from_utf8's set-up.
        if input.is_ascii() {
            return Ok(());
        }
        return match core::str::from_utf8(input) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(Unfinished::Invalid),
            Err(e) => Err(Unfinished::At(e.valid_up_to())),
        };
    }
    // Most text is ASCII, and the codec's vector scan passes over it in
    // about half the instructions and time of simdutf8's full check (see
    // `noio_ws_codec::is_ascii`). Scanned a block at a time, so text that
    // stops being ASCII costs at most one block scanned for nothing.
    let ascii = ascii_prefix(input);
    let rest = &input[ascii..];
    if rest.is_empty() {
        return Ok(());
    }
    // `rest` starts after an ASCII byte: on a character boundary. The basic
    // check is the fastest; only a failure needs to know where.
    if simdutf8::basic::from_utf8(rest).is_ok() {
        return Ok(());
    }
    match simdutf8::compat::from_utf8(rest) {
        Ok(_) => Ok(()),
        Err(e) if e.error_len().is_some() => Err(Unfinished::Invalid),
        Err(e) => Err(Unfinished::At(ascii + e.valid_up_to())),
    }
}

/// The blocks [`ascii_prefix`] scans at a time: long enough for the vector
/// loop, short enough that the block scanned for nothing when text turns
/// non-ASCII costs little.
const ASCII_BLOCK: usize = 1024;

/// How many of `input`'s first bytes are known ASCII, in whole blocks (all
/// of `input` when it is ASCII through to its end).
#[inline]
fn ascii_prefix(input: &[u8]) -> usize {
    let mut at = 0;
    for block in input.chunks(ASCII_BLOCK) {
        if !noio_ws_codec::is_ascii(block) {
            break;
        }
        at += block.len();
    }
    at
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

    /// Valid and invalid text, long enough for the vector path, with a
    /// non-ASCII character or a bad byte anywhere.
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let valid =
            "[a-z \u{80}-\u{7ff}\u{800}-\u{ffff}\u{10000}-\u{10ffff}]{0,200}".prop_map(String::into_bytes);
        (valid, proptest::option::of((any::<prop::sample::Index>(), any::<u8>()))).prop_map(
            |(mut text, bad)| {
                if let Some((at, byte)) = bad.filter(|_| !text.is_empty()) {
                    let at = at.index(text.len());
                    text[at] = byte;
                }
                text
            },
        )
    }

    proptest::proptest! {
        #[test]
        fn any_split_judges_as_the_whole_text_does(text in mixed_text(), cuts in proptest::collection::vec(0usize..300, 0..4)) {
            let expected = core::str::from_utf8(&text).map(drop).map_err(|_| InvalidUtf8);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            cuts.sort_unstable();
            let mut v = Utf8Validator::default();
            let mut start = 0;
            let mut result = Ok(());
            for cut in cuts.into_iter().chain([text.len()]) {
                result = result.and_then(|()| v.feed(&text[start..cut]));
                start = cut;
            }
            let result = result.and_then(|()| v.finish());
            proptest::prop_assert_eq!(result, expected);
            proptest::prop_assert_eq!(Utf8Validator::check_whole(&text), expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn text_past_an_ascii_run_is_judged_as_the_whole_text_is(
            ascii_len in 0usize..3 * ASCII_BLOCK,
            tail in mixed_text(),
            cut in 0usize..4000,
        ) {
            // ASCII through one or more blocks, then anything: the
            // ASCII-block scan hands the rest to simdutf8 at the right place.
            let mut text = b"ascii ".iter().cycle().take(ascii_len).copied().collect::<Vec<u8>>();
            text.extend_from_slice(&tail);
            let expected = core::str::from_utf8(&text).map(drop).map_err(|_| InvalidUtf8);
            proptest::prop_assert_eq!(Utf8Validator::check_whole(&text), expected);
            let cut = cut.min(text.len());
            proptest::prop_assert_eq!(feed_split(&text, cut), expected);
        }
    }

    #[test]
    fn an_unfinished_end_after_an_ascii_block_is_carried_to_the_next_piece() {
        // A regression guard for the ASCII-block scan: the position of the
        // unfinished code point counts the ASCII bytes before it.
        let mut text = vec![b'a'; ASCII_BLOCK + 5];
        text.push(0xE2);
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&text), Ok(()));
        assert_eq!(v.feed(&[0x82, 0xAC]), Ok(()));
        assert_eq!(v.finish(), Ok(()));
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&text), Ok(()));
        assert_eq!(v.feed(&[0x41]), Err(InvalidUtf8));
    }

    #[test]
    fn the_vector_path_finds_errors_and_unfinished_ends() {
        let mut long = "é".repeat(40).into_bytes();
        assert!(long.len() >= SIMD_MIN);
        assert_eq!(Utf8Validator::check_whole(&long), Ok(()));
        long.push(0xE2); // the start of a three-byte sequence
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&long), Ok(()), "unfinished, not invalid");
        assert_eq!(v.feed(&[0x82, 0xAC]), Ok(()), "€ completed");
        assert_eq!(v.finish(), Ok(()));
        long[10] = 0xFF;
        assert_eq!(Utf8Validator::default().feed(&long), Err(InvalidUtf8));
    }
}
