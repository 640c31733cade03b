//! Raw DEFLATE decompression (RFC 1951), fed in pieces, its output bounded
//! per call, holding a window of exactly the size agreed for the peer.
//!
//! zlib-rs keeps a 32 KiB window and about 14 KiB of state whatever window
//! it is asked for (and reads matches anywhere in those 32 KiB), which is
//! most of a connection's budget at a small window, so this crate inflates
//! with its own code: `2^window_bits` bytes of window and under 3 KiB of
//! tables. It refuses what zlib refuses, a match reaching further back than
//! the window or the data included.
//!
//! Every symbol is decoded only once all its bits (up to 48: a length code,
//! its extra bits, a distance code and its extra bits) have arrived, so
//! running out of input between pieces leaves nothing half-decoded.

use noio_ws_codec::bytes::BytesMut;

use crate::tables::{
    CODE_LENGTH_ORDER, DIST_BASE, DIST_CODES, DIST_EXTRA, END_OF_BLOCK, LENGTH_BASE, LENGTH_EXTRA, LIT_CODES,
    fixed_lit_len,
};

/// Where the decoder is in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Before a block's three header bits.
    Header,
    /// After a stored block's header: padding to a byte, then LEN and NLEN.
    StoredLen,
    /// Inside a stored block, with this many bytes left.
    Stored(u16),
    /// Before a dynamic block's HLIT, HDIST and HCLEN.
    Table,
    /// Reading the code length code's lengths.
    CodeLens,
    /// Reading the literal/length and distance code lengths.
    Lens,
    /// Huffman-coded data.
    Codes,
    /// A match with this many bytes left to copy, from this far back.
    Copy(u16, u16),
    /// A block with BFINAL set ended the stream.
    End,
}

/// A canonical Huffman decoding table: codes of up to `log2(FAST)` bits are
/// looked up at once, longer ones decoded bit by bit (after zlib's
/// `puff.c`). `N` symbols at most.
struct Table<const N: usize, const FAST: usize> {
    /// For each `log2(FAST)`-bit string: the symbol whose code it starts
    /// with and the code's length (`symbol << 4 | length`), 0 if that code
    /// is longer, or if no code starts so.
    fast: [u16; FAST],
    /// How many codes of each length.
    count: [u16; 16],
    /// The symbols in code order.
    symbol: [u16; N],
}

/// Why a set of code lengths makes no code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The code length code: must be complete.
    CodeLengths,
    /// Literal/length or distance codes: may also be a single one-bit code
    /// (or, for distances, none), as zlib allows.
    Symbols,
}

impl<const N: usize, const FAST: usize> Table<N, FAST> {
    const FAST_BITS: u32 = FAST.trailing_zeros();

    fn new() -> Self {
        Table { fast: [0; FAST], count: [0; 16], symbol: [0; N] }
    }

    /// Builds the table for `lengths` (at most `N`); false if they are no
    /// code zlib would accept.
    fn build(&mut self, lengths: &[u8], kind: Kind) -> bool {
        let mut count = [0u16; 16];
        for &len in lengths {
            count[usize::from(len)] += 1;
        }
        count[0] = 0;
        let max = (1..16).rev().find(|&len| count[len] != 0).unwrap_or(0);
        let mut left = 1i32;
        for &n in &count[1..] {
            left = 2 * left - i32::from(n);
            if left < 0 {
                return false; // over-subscribed
            }
        }
        if left > 0 && (kind == Kind::CodeLengths || max > 1) {
            return false; // incomplete, and more than a single one-bit code
        }
        let mut offset = [0u16; 16];
        for len in 1..15 {
            offset[len + 1] = offset[len] + count[len];
        }
        for (symbol, &len) in lengths.iter().enumerate() {
            if len != 0 {
                let at = &mut offset[usize::from(len)];
                self.symbol[usize::from(*at)] = symbol as u16;
                *at += 1;
            }
        }
        self.count = count;
        // Codes of up to FAST_BITS bits fill the fast table, each entry for
        // every string that starts with the code; what they leave is for
        // longer codes (or none), marked 0.
        let bits = Self::FAST_BITS as usize;
        let filled: usize = (1..=bits).map(|len| usize::from(count[len]) << (bits - len)).sum();
        if filled < FAST {
            self.fast = [0; FAST];
        }
        // The canonical codes in order, bit-reversed: counting up from the
        // code's first bit, which DEFLATE sends first (zlib's inflate_table).
        let (mut code, mut next) = (0usize, 0usize);
        for (len, &n) in count.iter().enumerate().take(bits + 1).skip(1) {
            for _ in 0..n {
                let entry = self.symbol[next] << 4 | len as u16;
                next += 1;
                let mut i = code;
                while i < FAST {
                    self.fast[i] = entry;
                    i += 1 << len;
                }
                let mut bit = 1 << (len - 1);
                while code & bit != 0 {
                    code ^= bit;
                    bit >>= 1;
                }
                code |= bit;
            }
        }
        true
    }

    /// Decodes the symbol at the start of `bits` (`count` of them valid):
    /// `Ok(None)` when its code needs more bits than there are, an error
    /// when no code starts so.
    #[inline]
    fn decode(&self, bits: u64, count: u32) -> Result<Option<(usize, u32)>, &'static str> {
        let entry = self.fast[(bits as usize) & (FAST - 1)];
        if entry != 0 {
            let len = u32::from(entry & 15);
            return Ok((len <= count).then_some((usize::from(entry >> 4), len)));
        }
        // A code longer than the table's bits (or none): bit by bit.
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16u32 {
            if len > count {
                return Ok(None);
            }
            code |= ((bits >> (len - 1)) & 1) as i32;
            let n = i32::from(self.count[len as usize]);
            if code - first < n {
                return Ok(Some((usize::from(self.symbol[(index + code - first) as usize]), len)));
            }
            index += n;
            first = (first + n) << 1;
            code <<= 1;
        }
        Err("invalid code")
    }
}

/// What one call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    /// Input bytes taken (some may wait in the bit buffer).
    pub(crate) consumed: usize,
    /// Output bytes appended.
    pub(crate) produced: usize,
    /// It stopped with output to give and no room left for it.
    pub(crate) full: bool,
}

/// A streaming raw DEFLATE decoder.
pub(crate) struct Decompressor {
    /// The last `window.len()` bytes of output, circularly.
    window: Vec<u8>,
    /// Where the next byte goes in `window`.
    wpos: usize,
    /// Where output not yet copied out starts in `window`.
    flushed: usize,
    /// How many bytes of `window` are output (for the distance check).
    whave: usize,
    bitbuf: u64,
    bitcnt: u32,
    mode: Mode,
    /// The current block has BFINAL set.
    last: bool,
    /// The last block to end was a stored block of no bytes.
    empty_stored: bool,
    /// The literal/length, distance and code length codes.
    lit: Table<288, 512>,
    dist: Table<32, 256>,
    code_lengths: Table<19, 128>,
    /// `lit` and `dist` hold the fixed codes.
    fixed: bool,
    /// A dynamic header's code lengths, literal/length then distance.
    lens: [u8; LIT_CODES + DIST_CODES],
    lit_count: usize,
    dist_count: usize,
    /// Code lengths read so far in `CodeLens` (of `code_count`) or `Lens`.
    have: usize,
    code_count: usize,
}

impl Decompressor {
    /// A decoder for data whose matches reach at most `2^window_bits` bytes
    /// back (9-15; others are brought into that range).
    pub(crate) fn new(window_bits: u8) -> Self {
        Decompressor {
            window: vec![0; 1 << window_bits.clamp(9, 15)],
            wpos: 0,
            flushed: 0,
            whave: 0,
            bitbuf: 0,
            bitcnt: 0,
            mode: Mode::Header,
            last: false,
            empty_stored: false,
            lit: Table::new(),
            dist: Table::new(),
            code_lengths: Table::new(),
            fixed: false,
            lens: [0; LIT_CODES + DIST_CODES],
            lit_count: 0,
            dist_count: 0,
            have: 0,
            code_count: 0,
        }
    }

    /// A block with BFINAL set has ended the stream.
    pub(crate) fn stream_ended(&self) -> bool {
        self.mode == Mode::End
    }

    /// The decoder is between blocks with no bits held, the last block an
    /// empty stored one: where a sync flush leaves a stream.
    pub(crate) fn at_sync_point(&self) -> bool {
        matches!(self.mode, Mode::Header | Mode::End) && self.bitcnt == 0 && self.empty_stored
    }

    /// Once the stream ended: the whole bytes taken from the input after
    /// its final block (up to 7), which belong to the message after it.
    pub(crate) fn take_after_end(&mut self) -> ([u8; 8], usize) {
        let bytes = self.bitcnt as usize / 8;
        let held = (self.bitbuf >> (self.bitcnt % 8)).to_le_bytes();
        self.bitbuf = 0;
        self.bitcnt = 0;
        (held, bytes)
    }

    /// Takes whole bytes of `input` into the bit buffer while it has room.
    #[inline]
    fn refill(&mut self, input: &[u8], pos: &mut usize) {
        if self.bitcnt > 56 {
            return;
        }
        if let Some(next) = input.get(*pos..*pos + 8) {
            let word = u64::from_le_bytes(next.try_into().expect("8 bytes"));
            let bytes = (63 - self.bitcnt) / 8;
            self.bitbuf |= (word & ((1u64 << (bytes * 8)) - 1)) << self.bitcnt;
            self.bitcnt += bytes * 8;
            *pos += bytes as usize;
        } else {
            while self.bitcnt <= 56 && *pos < input.len() {
                self.bitbuf |= u64::from(input[*pos]) << self.bitcnt;
                self.bitcnt += 8;
                *pos += 1;
            }
        }
    }

    /// Whether `n` bits are there, refilling first.
    #[inline]
    fn need(&mut self, n: u32, input: &[u8], pos: &mut usize) -> bool {
        if self.bitcnt < n {
            self.refill(input, pos);
        }
        self.bitcnt >= n
    }

    /// Takes `n` bits (they must be there).
    #[inline]
    fn take(&mut self, n: u32) -> u32 {
        let value = (self.bitbuf & ((1u64 << n) - 1)) as u32;
        self.drop_bits(n);
        value
    }

    #[inline]
    fn drop_bits(&mut self, n: u32) {
        self.bitbuf >>= n;
        self.bitcnt -= n;
    }

    /// Appends `byte` to the window, copying the window out when it wraps.
    #[inline]
    fn emit(&mut self, byte: u8, out: &mut BytesMut) {
        self.window[self.wpos] = byte;
        self.wpos += 1;
        if self.wpos == self.window.len() {
            self.flush_out(out);
        }
    }

    /// Copies the output not yet copied out of the window to `out`.
    fn flush_out(&mut self, out: &mut BytesMut) {
        out.extend_from_slice(&self.window[self.flushed..self.wpos]);
        self.whave = (self.whave + self.wpos - self.flushed).min(self.window.len());
        if self.wpos == self.window.len() {
            self.wpos = 0;
        }
        self.flushed = self.wpos;
    }

    /// How far back a match may reach now.
    fn history(&self) -> usize {
        (self.whave + self.wpos - self.flushed).min(self.window.len())
    }

    fn block_done(&mut self, empty_stored: bool) {
        self.empty_stored = empty_stored;
        self.mode = if self.last { Mode::End } else { Mode::Header };
    }

    /// Inflates a prefix of `input` onto `out`, at most `room` bytes of
    /// output. It stops when the input runs out, the room does, or the
    /// stream ends; an error names what is wrong with the data.
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut BytesMut,
        room: usize,
    ) -> Result<Step, &'static str> {
        let mut pos = 0;
        let start = out.len();
        let result = self.run(input, &mut pos, out, room);
        self.flush_out(out);
        let full = result?;
        Ok(Step { consumed: pos, produced: out.len() - start, full })
    }

    /// The decoding loop; whether it stopped for want of room.
    fn run(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        out: &mut BytesMut,
        room: usize,
    ) -> Result<bool, &'static str> {
        let mut left = room;
        loop {
            match self.mode {
                Mode::Header => {
                    if !self.need(3, input, pos) {
                        return Ok(false);
                    }
                    let header = self.take(3);
                    self.last = header & 1 != 0;
                    self.mode = match header >> 1 {
                        0 => Mode::StoredLen,
                        1 => {
                            self.fixed_tables();
                            Mode::Codes
                        }
                        2 => Mode::Table,
                        _ => return Err("invalid block type"),
                    };
                }
                Mode::StoredLen => {
                    self.drop_bits(self.bitcnt % 8);
                    if !self.need(32, input, pos) {
                        return Ok(false);
                    }
                    let len = self.take(16) as u16;
                    if self.take(16) as u16 != !len {
                        return Err("invalid stored block lengths");
                    }
                    if len == 0 {
                        self.block_done(true);
                    } else {
                        self.mode = Mode::Stored(len);
                    }
                }
                Mode::Stored(remaining) => {
                    let mut remaining = usize::from(remaining);
                    // Whole bytes already in the bit buffer come first.
                    while remaining > 0 && left > 0 && self.bitcnt >= 8 {
                        let byte = self.take(8) as u8;
                        self.emit(byte, out);
                        remaining -= 1;
                        left -= 1;
                    }
                    if self.bitcnt < 8 {
                        let n = remaining.min(left).min(input.len() - *pos);
                        self.write_slice(&input[*pos..*pos + n], out);
                        *pos += n;
                        remaining -= n;
                        left -= n;
                    }
                    if remaining == 0 {
                        self.block_done(false);
                    } else {
                        self.mode = Mode::Stored(remaining as u16);
                        return Ok(left == 0);
                    }
                }
                Mode::Table => {
                    if !self.need(14, input, pos) {
                        return Ok(false);
                    }
                    self.lit_count = self.take(5) as usize + 257;
                    self.dist_count = self.take(5) as usize + 1;
                    self.code_count = self.take(4) as usize + 4;
                    if self.lit_count > LIT_CODES || self.dist_count > DIST_CODES {
                        return Err("too many length or distance symbols");
                    }
                    self.lens[..19].fill(0);
                    self.have = 0;
                    self.mode = Mode::CodeLens;
                }
                Mode::CodeLens => {
                    while self.have < self.code_count {
                        if !self.need(3, input, pos) {
                            return Ok(false);
                        }
                        self.lens[CODE_LENGTH_ORDER[self.have]] = self.take(3) as u8;
                        self.have += 1;
                    }
                    let lengths: [u8; 19] = self.lens[..19].try_into().expect("19 lengths");
                    if !self.code_lengths.build(&lengths, Kind::CodeLengths) {
                        return Err("invalid code lengths set");
                    }
                    self.have = 0;
                    self.mode = Mode::Lens;
                }
                Mode::Lens => {
                    if !self.read_lengths(input, pos)? {
                        return Ok(false);
                    }
                    if self.lens[END_OF_BLOCK] == 0 {
                        return Err("invalid code -- missing end-of-block");
                    }
                    let lens = self.lens;
                    let (lit, dist) = lens[..self.lit_count + self.dist_count].split_at(self.lit_count);
                    self.fixed = false;
                    if !self.lit.build(lit, Kind::Symbols) {
                        return Err("invalid literal/lengths set");
                    }
                    if !self.dist.build(dist, Kind::Symbols) {
                        return Err("invalid distances set");
                    }
                    self.mode = Mode::Codes;
                }
                Mode::Codes => {
                    if self.codes(input, pos, out, &mut left)? {
                        return Ok(true);
                    }
                    if self.mode == Mode::Codes {
                        return Ok(false);
                    }
                }
                Mode::Copy(len, dist) => {
                    let n = usize::from(len).min(left);
                    self.copy_match(n, usize::from(dist), out);
                    left -= n;
                    if n < usize::from(len) {
                        self.mode = Mode::Copy(len - n as u16, dist);
                        return Ok(true);
                    }
                    self.mode = Mode::Codes;
                }
                Mode::End => return Ok(false),
            }
        }
    }

    /// Reads code lengths in `Lens` until all are in (true) or the input
    /// runs out (false).
    fn read_lengths(&mut self, input: &[u8], pos: &mut usize) -> Result<bool, &'static str> {
        let total = self.lit_count + self.dist_count;
        while self.have < total {
            self.refill(input, pos);
            let Some((symbol, len)) = self.code_lengths.decode(self.bitbuf, self.bitcnt)? else {
                return Ok(false);
            };
            let (extra, base) = match symbol {
                0..=15 => {
                    self.drop_bits(len);
                    self.lens[self.have] = symbol as u8;
                    self.have += 1;
                    continue;
                }
                16 => (2, 3),
                17 => (3, 3),
                _ => (7, 11),
            };
            if self.bitcnt < len + extra {
                return Ok(false);
            }
            self.drop_bits(len);
            let repeat = base + self.take(extra) as usize;
            let value = if symbol == 16 {
                match self.have.checked_sub(1) {
                    Some(at) => self.lens[at],
                    None => return Err("invalid bit length repeat"),
                }
            } else {
                0
            };
            if self.have + repeat > total {
                return Err("invalid bit length repeat");
            }
            self.lens[self.have..self.have + repeat].fill(value);
            self.have += repeat;
        }
        Ok(true)
    }

    /// Decodes Huffman-coded symbols until the block ends (the mode then
    /// changes), the input runs out (false) or the room does (true).
    fn codes(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        out: &mut BytesMut,
        left: &mut usize,
    ) -> Result<bool, &'static str> {
        loop {
            if *left == 0 {
                return Ok(true);
            }
            self.refill(input, pos);
            let (bits, count) = (self.bitbuf, self.bitcnt);
            let Some((symbol, len)) = self.lit.decode(bits, count)? else {
                return Ok(false);
            };
            if symbol < END_OF_BLOCK {
                self.drop_bits(len);
                self.emit(symbol as u8, out);
                *left -= 1;
                continue;
            }
            if symbol == END_OF_BLOCK {
                self.drop_bits(len);
                self.block_done(false);
                return Ok(false);
            }
            let index = symbol - END_OF_BLOCK - 1;
            if index >= LENGTH_BASE.len() {
                return Err("invalid literal/length code");
            }
            let extra = u32::from(LENGTH_EXTRA[index]);
            if count < len + extra {
                return Ok(false);
            }
            let length = usize::from(LENGTH_BASE[index]) + ((bits >> len) & ((1 << extra) - 1)) as usize;
            let used = len + extra;
            let Some((code, dist_len)) = self.dist.decode(bits >> used, count - used)? else {
                return Ok(false);
            };
            if code >= DIST_CODES {
                return Err("invalid distance code");
            }
            let dist_extra = u32::from(DIST_EXTRA[code]);
            if count - used < dist_len + dist_extra {
                return Ok(false);
            }
            let distance = usize::from(DIST_BASE[code])
                + ((bits >> (used + dist_len)) & ((1 << dist_extra) - 1)) as usize;
            if distance > self.history() {
                return Err("invalid distance too far back");
            }
            self.drop_bits(used + dist_len + dist_extra);
            let n = length.min(*left);
            self.copy_match(n, distance, out);
            *left -= n;
            if n < length {
                self.mode = Mode::Copy((length - n) as u16, distance as u16);
                return Ok(true);
            }
        }
    }

    /// Copies `n` bytes from `distance` back.
    #[inline]
    fn copy_match(&mut self, mut n: usize, distance: usize, out: &mut BytesMut) {
        let size = self.window.len();
        while n > 0 {
            let from = (self.wpos + size - distance) & (size - 1);
            let chunk = n.min(size - self.wpos).min(size - from);
            if from < self.wpos && distance < chunk {
                // The match repeats bytes it makes itself: one at a time.
                for i in 0..chunk {
                    self.window[self.wpos + i] = self.window[from + i];
                }
            } else {
                self.window.copy_within(from..from + chunk, self.wpos);
            }
            self.wpos += chunk;
            n -= chunk;
            if self.wpos == size {
                self.flush_out(out);
            }
        }
    }

    /// Appends `data` to the window (and out), as many wraps as it takes.
    fn write_slice(&mut self, mut data: &[u8], out: &mut BytesMut) {
        while !data.is_empty() {
            let n = data.len().min(self.window.len() - self.wpos);
            self.window[self.wpos..self.wpos + n].copy_from_slice(&data[..n]);
            self.wpos += n;
            data = &data[n..];
            if self.wpos == self.window.len() {
                self.flush_out(out);
            }
        }
    }

    /// The fixed codes of section 3.2.6.
    fn fixed_tables(&mut self) {
        if self.fixed {
            return;
        }
        self.fixed = true;
        let mut lit = [0u8; 288];
        for (symbol, len) in lit.iter_mut().enumerate() {
            *len = fixed_lit_len(symbol);
        }
        let built = self.lit.build(&lit, Kind::Symbols) && self.dist.build(&[5; 32], Kind::Symbols);
        debug_assert!(built, "the fixed codes are complete");
    }
}

#[cfg(test)]
mod tests {
    //! The decoder against zlib-rs's: on streams zlib-rs makes at every
    //! level and strategy, then damaged, both finish a stream or neither
    //! does, with the same output; and fed in pieces under small output
    //! limits it gives what it gives whole.

    use super::*;
    use proptest::prelude::*;
    use zlib_rs::{DeflateConfig, DeflateFlush, Inflate, InflateFlush, Status, Strategy as ZStrategy};

    /// A whole raw DEFLATE stream (ending in BFINAL) from zlib-rs.
    fn zlib_stream(data: &[u8], level: i32, bits: u8, mem_level: i32, strategy: ZStrategy) -> Vec<u8> {
        let config = DeflateConfig {
            level,
            window_bits: -i32::from(bits),
            mem_level,
            strategy,
            ..DeflateConfig::default()
        };
        let mut deflate = zlib_rs::Deflate::new_with_config(config);
        let mut out = vec![0; data.len() * 2 + 1024];
        deflate.compress(data, &mut out, DeflateFlush::Finish).unwrap();
        out.truncate(deflate.total_out() as usize);
        out
    }

    /// zlib-rs's output if it finishes the stream.
    fn zlib_inflate(stream: &[u8], bits: u8) -> Option<Vec<u8>> {
        let mut inflate = Inflate::new(false, bits);
        let mut out = vec![0; 1 << 20];
        match inflate.decompress(stream, &mut out, InflateFlush::SyncFlush) {
            Ok(Status::StreamEnd) => Some(out[..inflate.total_out() as usize].to_vec()),
            _ => None,
        }
    }

    /// Ours, fed in pieces of `piece` bytes, each call allowed `room`
    /// bytes: the output if it finishes the stream.
    fn ours(stream: &[u8], bits: u8, piece: usize, room: usize) -> Option<Vec<u8>> {
        let mut d = Decompressor::new(bits);
        let mut out = BytesMut::new();
        for chunk in stream.chunks(piece.max(1)) {
            let mut rest = chunk;
            loop {
                let step = d.inflate(rest, &mut out, room).ok()?;
                rest = &rest[step.consumed..];
                if out.len() > 1 << 20 {
                    return None;
                }
                if d.stream_ended() {
                    return Some(out.to_vec());
                }
                if !step.full && rest.is_empty() {
                    break;
                }
            }
        }
        None
    }

    fn strategy(n: u8) -> ZStrategy {
        match n % 5 {
            0 => ZStrategy::Default,
            1 => ZStrategy::Filtered,
            2 => ZStrategy::HuffmanOnly,
            3 => ZStrategy::Rle,
            _ => ZStrategy::Fixed,
        }
    }

    fn data() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b"the quick ".to_vec()),
                Just(vec![b'a'; 40]),
                prop::collection::vec(any::<u8>(), 0..60)
            ],
            0..60,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_zlib_rs_on_damaged_streams(
            data in data(),
            level in 0i32..=9,
            bits in 9u8..=15,
            mem_level in 1i32..=9,
            strategy_n in any::<u8>(),
            damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..4),
            piece in 1usize..64,
            room in 1usize..300,
        ) {
            let mut stream = zlib_stream(&data, level, bits, mem_level, strategy(strategy_n));
            let whole = ours(&stream, bits, usize::MAX, usize::MAX);
            prop_assert_eq!(whole.as_deref(), Some(&data[..]), "an undamaged stream");
            for (at, byte, how) in damage {
                if stream.is_empty() { break; }
                let i = at.index(stream.len());
                match how {
                    0 => stream[i] ^= byte | 1,
                    1 => stream.truncate(i),
                    _ => stream.insert(i, byte),
                }
            }
            // zlib-rs reads matches anywhere in 32 KiB whatever its window,
            // so damaged data is compared at 15 bits, and ours at the
            // stream's own window may only refuse more.
            let theirs = zlib_inflate(&stream, 15);
            let whole = ours(&stream, 15, usize::MAX, usize::MAX);
            prop_assert_eq!(&whole, &theirs, "ours and zlib-rs's differ");
            prop_assert_eq!(ours(&stream, 15, piece, room), whole.clone(), "in pieces, under a limit");
            let within = ours(&stream, bits, piece, room);
            prop_assert!(within.is_none() || within == whole, "at {} bits", bits);
        }
    }
}
