//! A raw DEFLATE decoder (RFC 1951) that holds every match to a window of
//! `2^window_bits` bytes: the check that a compressor keeps to the window
//! it agreed.
//!
//! zlib-rs cannot be that check: asked to inflate with 8 bits, it still
//! keeps a 32 KiB window and reads matches reaching anywhere into it (as
//! zlib-ng does; C zlib keeps `2^window_bits` bytes, but checks only
//! matches reaching back before the current call's output). This decoder
//! is slow and simple, bit by bit, after zlib's `puff.c`.

/// Length bases and extra bits for symbols 257-285.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
    227, 258,
];
const LENGTH_EXTRA: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/// Distance bases and extra bits for symbols 0-29.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
    4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/// The order code length code lengths come in.
const CODE_LENGTH_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// Decodes raw DEFLATE, message by message, refusing any match that
/// reaches past its window. Shared with the tests.
pub struct WindowCheck {
    window: usize,
    /// The last `window` bytes of the earlier messages: the context a
    /// message may refer to.
    history: Vec<u8>,
}

impl WindowCheck {
    /// A check for a window of `2^window_bits` bytes, with context kept
    /// from one message to the next (make a new one per message for no
    /// context takeover).
    pub fn new(window_bits: u8) -> Self {
        WindowCheck { window: 1 << window_bits, history: Vec::new() }
    }

    /// Decodes one message's payload, its `00 00 ff ff` restored, or says
    /// why not: "distance N beyond the W-byte window" for a match reaching
    /// too far back.
    pub fn message(&mut self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let input = [payload, &[0x00, 0x00, 0xff, 0xff]].concat();
        let mut bits = Bits { input: &input, pos: 0 };
        let mut out = Vec::new();
        while !bits.at_end() {
            let last = bits.take(1)? == 1;
            match bits.take(2)? {
                0 => {
                    bits.align();
                    let len = bits.take(16)?;
                    if bits.take(16)? != !len & 0xffff {
                        return Err("stored block length check".into());
                    }
                    for _ in 0..len {
                        out.push(bits.take(8)? as u8);
                    }
                }
                1 => {
                    let mut lengths = [8u8; 288 + 30];
                    lengths[144..256].fill(9);
                    lengths[256..280].fill(7);
                    lengths[288..].fill(5);
                    self.codes(&mut bits, &lengths[..288], &lengths[288..], &mut out)?;
                }
                2 => {
                    let (lit, dist) = dynamic_lengths(&mut bits)?;
                    self.codes(&mut bits, &lit, &dist, &mut out)?;
                }
                _ => return Err("block type 3".into()),
            }
            if last {
                break; // the stream ends (RFC 7692 section 7.2.3.4)
            }
        }
        self.history.extend_from_slice(&out);
        let excess = self.history.len().saturating_sub(self.window);
        self.history.drain(..excess);
        Ok(out)
    }

    /// Decodes one Huffman-coded block into `out`.
    fn codes(&self, bits: &mut Bits<'_>, lit: &[u8], dist: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        let (lit, dist) = (Huffman::new(lit)?, Huffman::new(dist)?);
        loop {
            let symbol = usize::from(lit.decode(bits)?);
            match symbol {
                0..=255 => out.push(symbol as u8),
                256 => return Ok(()),
                257..=285 => {
                    let i = symbol - 257;
                    let len = usize::from(LENGTH_BASE[i]) + bits.take(LENGTH_EXTRA[i])? as usize;
                    let d = usize::from(dist.decode(bits)?);
                    let distance = usize::from(*DIST_BASE.get(d).ok_or("distance symbol 30 or 31")?)
                        + bits.take(*DIST_EXTRA.get(d).ok_or("distance symbol")?)? as usize;
                    if distance > self.window {
                        return Err(format!("distance {distance} beyond the {}-byte window", self.window));
                    }
                    if distance > out.len() + self.history.len() {
                        return Err(format!("distance {distance} before the start of the data"));
                    }
                    for _ in 0..len {
                        let byte = match out.len().checked_sub(distance) {
                            Some(at) => out[at],
                            None => self.history[self.history.len() + out.len() - distance],
                        };
                        out.push(byte);
                    }
                }
                _ => return Err(format!("length symbol {symbol}")),
            }
        }
    }
}

/// The literal/length and distance code lengths of a dynamic block.
fn dynamic_lengths(bits: &mut Bits<'_>) -> Result<(Vec<u8>, Vec<u8>), String> {
    let lit_count = bits.take(5)? as usize + 257;
    let dist_count = bits.take(5)? as usize + 1;
    let code_count = bits.take(4)? as usize + 4;
    let mut code_lengths = [0u8; 19];
    for &at in &CODE_LENGTH_ORDER[..code_count] {
        code_lengths[at] = bits.take(3)? as u8;
    }
    let code = Huffman::new(&code_lengths)?;
    let mut lengths = Vec::with_capacity(lit_count + dist_count);
    while lengths.len() < lit_count + dist_count {
        let (value, repeat) = match code.decode(bits)? {
            symbol @ 0..=15 => (symbol as u8, 1),
            16 => (*lengths.last().ok_or("repeat with no length before")?, 3 + bits.take(2)?),
            17 => (0, 3 + bits.take(3)?),
            _ => (0, 11 + bits.take(7)?),
        };
        lengths.extend(std::iter::repeat_n(value, repeat as usize));
    }
    if lengths.len() > lit_count + dist_count {
        return Err("code lengths overrun".into());
    }
    let dist = lengths.split_off(lit_count);
    Ok((lengths, dist))
}

/// A canonical Huffman code: how many codes of each length, and the
/// symbols in code order.
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Self, String> {
        let mut counts = [0u16; 16];
        for &len in lengths {
            counts[usize::from(len)] += 1;
        }
        // Over-subscribed lengths are no code; incomplete ones are allowed
        // (a single distance code is).
        let mut left = 1i32;
        for &count in &counts[1..] {
            left = 2 * left - i32::from(count);
            if left < 0 {
                return Err("over-subscribed code".into());
            }
        }
        let mut offsets = [0u16; 16];
        for len in 1..15 {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len != 0 {
                symbols[usize::from(offsets[usize::from(len)])] = symbol as u16;
                offsets[usize::from(len)] += 1;
            }
        }
        Ok(Huffman { counts, symbols })
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Result<u16, String> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.take(1)? as i32;
            let count = i32::from(self.counts[len]);
            if code - first < count {
                return Ok(self.symbols[(index + code - first) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("no such code".into())
    }
}

/// Bits, least significant first.
struct Bits<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: u8) -> Result<u32, String> {
        let mut value = 0;
        for i in 0..n {
            let byte = self.input.get(self.pos / 8).ok_or("cut off")?;
            value |= u32::from(byte >> (self.pos % 8) & 1) << i;
            self.pos += 1;
        }
        Ok(value)
    }

    fn align(&mut self) {
        self.pos = self.pos.next_multiple_of(8);
    }

    fn at_end(&self) -> bool {
        self.pos >= self.input.len() * 8
    }
}
