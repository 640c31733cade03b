//! Where a compressed message may end (RFC 7692 section 7.2): at the empty
//! stored block of a sync flush, whose last four octets the sender removed
//! and the receiver restores, or at a block with BFINAL set. Data that ends
//! anywhere else is refused with 1007: decoded on, the rest of a cut block
//! would be taken from the restored tail and the next message, and would
//! come out as bytes the sender never sent.

use noio_ws_codec::CloseCode;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::ExtensionError;

use crate::decompress::Decompressor;

/// What the sender removed from the end of each message (section 7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Ends a message whose stream did not end in a BFINAL block: restores the
/// tail (section 7.2.2, "Append 4 octets of 0x00 0x00 0xff 0xff to the tail
/// end of the payload of the message") and checks that it completes the
/// empty stored block whose header bits end the payload (section 7.2.1:
/// "the last octet of the compressed data contains (possibly part of) the
/// DEFLATE header bits with the "BTYPE" bits set to 00"): decoded with no
/// room for output, the tail must leave the decoder between blocks with no
/// bit left over, the block it ended an empty stored one. All output of the
/// payload must have been collected first. Returns whether that block had
/// BFINAL set, ending the stream.
pub(crate) fn feed_tail(decompress: &mut Decompressor, payload_len: u64) -> Result<bool, ExtensionError> {
    if payload_len == 0 {
        // Section 7.2.1 leaves at least the octet holding the empty block's
        // header (an empty message is the single octet 0x00, section
        // 7.2.3.6), and the tail alone is no complete block: taken as the
        // start of one, it would swallow the next message.
        return Err(invalid("a compressed message with an empty payload"));
    }
    let step = decompress.inflate(&TAIL, &mut BytesMut::new(), 0).map_err(invalid)?;
    if step.produced != 0 || step.consumed != TAIL.len() || !decompress.at_sync_point() {
        return Err(invalid("the compressed data does not end at a DEFLATE block boundary"));
    }
    Ok(decompress.stream_ended())
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

/// Undecodable compressed data: close code 1007.
pub(crate) fn invalid(reason: &str) -> ExtensionError {
    ExtensionError::new(CloseCode::INVALID_PAYLOAD, format!("permessage-deflate: {reason}"))
}
