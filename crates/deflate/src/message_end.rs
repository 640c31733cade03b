//! Where a compressed message may end (RFC 7692 section 7.2): at the empty
//! stored block of a sync flush, whose last four octets the sender removed
//! and the receiver restores, or at a block with BFINAL set. Data that ends
//! anywhere else is refused with 1007: decoded on, the rest of a cut block
//! would be taken from the restored tail and the next message, and would
//! come out as bytes the sender never sent.

use noio_ws_codec::CloseCode;
use noio_ws_registry::ExtensionError;
use zlib_rs::{Inflate, InflateError, InflateFlush, Status};

/// What the sender removed from the end of each message (section 7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The tail and one byte past it. zlib, asked to stop at block boundaries
/// ([`InflateFlush::Block`]), leaves the extra byte unread exactly when the
/// tail ends a block; any other state reads it (or fails, or inflates the
/// tail into output).
const TAIL_PROBE: [u8; 5] = [0x00, 0x00, 0xff, 0xff, 0x00];

/// A whole empty stored block, BFINAL clear: it inflates to nothing and
/// leaves the window as it was. Fed after the tail, it goes through whole
/// only from a byte-aligned boundary with no bits held back, which is
/// where the next message must start; and if the block the tail ended was
/// the final one, zlib reports the stream's end instead of reading it.
const EMPTY_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// Ends a message whose stream did not end in a BFINAL block: restores the
/// tail (section 7.2.2, "Append 4 octets of 0x00 0x00 0xff 0xff to the tail
/// end of the payload of the message") and checks that it completes the
/// empty stored block whose header bits end the payload (section 7.2.1:
/// "the last octet of the compressed data contains (possibly part of) the
/// DEFLATE header bits with the "BTYPE" bits set to 00"). All output of the
/// payload must have been collected first: the tail itself inflates to
/// nothing. Returns whether that block had BFINAL set, ending the stream.
pub(crate) fn feed_tail(decompress: &mut Inflate, payload_len: u64) -> Result<bool, ExtensionError> {
    if payload_len == 0 {
        // Section 7.2.1 leaves at least the octet holding the empty block's
        // header (an empty message is the single octet 0x00, section
        // 7.2.3.6), and the tail alone is no complete block: taken as the
        // start of one, it would swallow the next message.
        return Err(invalid("a compressed message with an empty payload"));
    }
    let mut scratch = [0u8; 1];
    let (before_in, before_out) = (decompress.total_in(), decompress.total_out());
    let status = decompress
        .decompress(&TAIL_PROBE, &mut scratch, InflateFlush::Block)
        .map_err(|e| zlib_error(decompress, e))?;
    let used = decompress.total_in() - before_in;
    if decompress.total_out() != before_out || used != TAIL.len() as u64 {
        return Err(invalid("the compressed data does not end at a DEFLATE block boundary"));
    }
    if status == Status::StreamEnd {
        return Ok(true);
    }
    // Block flush stops at the boundary before it looks past it, so zlib
    // has not said yet whether the block it finished was the final one, nor
    // whether the boundary is clean: the empty block finds out both.
    let (before_in, before_out) = (decompress.total_in(), decompress.total_out());
    let status = decompress
        .decompress(&EMPTY_BLOCK, &mut scratch, InflateFlush::Block)
        .map_err(|e| zlib_error(decompress, e))?;
    let used = decompress.total_in() - before_in;
    match (status, used, decompress.total_out() - before_out) {
        (Status::StreamEnd, 0, 0) => Ok(true),
        (Status::Ok, 5, 0) => Ok(false),
        _ => Err(invalid("the compressed data does not end at a DEFLATE block boundary")),
    }
}

/// Checks `bytes`, the next payload bytes of a message whose stream ended
/// in a BFINAL block; `seen` counts those already checked. Section 7.2.3.4:
/// such a sender follows the final block with one octet, "the header bits
/// with BFINAL set to 0 and BTYPE set to 00" and padding, that the restored
/// tail completes into an empty stored block, so that the payload decodes
/// as every other does. That octet, or nothing, may follow the final block;
/// anything else is data no decompressor reads, refused rather than skipped.
pub(crate) fn check_after_final(seen: &mut usize, bytes: &[u8]) -> Result<(), ExtensionError> {
    for &byte in bytes {
        // Bit 0 is BFINAL and bits 1-2 BTYPE; the other five are padding.
        if *seen > 0 || byte & 0b111 != 0 {
            return Err(invalid("data after the final DEFLATE block"));
        }
        *seen += 1;
    }
    Ok(())
}

/// zlib refused the data: 1007, with zlib's reason when it gave one.
pub(crate) fn zlib_error(decompress: &Inflate, error: InflateError) -> ExtensionError {
    invalid(decompress.error_message().unwrap_or(error.as_str()))
}

/// Undecodable compressed data: close code 1007.
pub(crate) fn invalid(reason: &str) -> ExtensionError {
    ExtensionError::new(CloseCode::INVALID_PAYLOAD, format!("permessage-deflate: {reason}"))
}
