//! The text-like input every deflate benchmark compresses, shared by the
//! criterion bench and the backend comparison (`backends/`).

/// Pseudo-English: words from a small vocabulary in a repeatable order.
pub(crate) fn text(len: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "the ",
        "quick ",
        "brown ",
        "fox ",
        "jumps ",
        "over ",
        "lazy ",
        "dog ",
        "and ",
        "runs ",
        "away ",
        "from ",
        "a ",
        "websocket ",
        "message ",
        "frame ",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(WORDS[(state % 16) as usize].as_bytes());
    }
    out.truncate(len);
    out
}
