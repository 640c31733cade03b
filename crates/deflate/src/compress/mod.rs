//! Raw DEFLATE compression (RFC 1951), written for permessage-deflate's
//! memory budget: zlib's algorithm and its tuning per level, with zlib's two
//! knobs on memory, the window (`window_bits`) and the hash table and block
//! size (`mem_level`), both honoured. zlib-rs fixes its hash table at 64 Ki
//! entries (128 KiB) whatever `mem_level` asks, which alone is twice the
//! budget of a connection, so this crate compresses with its own code.
//!
//! The LZ77 half is zlib's `deflate.c` (hash chains, lazy matching for
//! levels 4-9, greedy for 1-3, stored blocks at 0), the Huffman half picks
//! a stored, fixed or dynamic block by size as zlib's `trees.c` does. What
//! it holds, for `W = 2^window_bits` and `M = mem_level`: a `2W`-byte
//! window, `2W` bytes of hash chains, a hash table of `2^(M+8)` bytes and a
//! block of `3 * 2^(M+6)` bytes of symbols. Each message ends with the empty
//! stored block of a sync flush, less the four octets RFC 7692 removes.

mod huffman;

use noio_ws_codec::bytes::BytesMut;

use crate::tables::{
    CODE_LENGTH_ORDER, DIST_BASE, DIST_CODES, DIST_EXTRA, END_OF_BLOCK, LENGTH_BASE, LENGTH_EXTRA, LIT_CODES,
    MAX_MATCH, MIN_MATCH, fixed_lit_len,
};
use huffman::{Code, canonical};

/// The lookahead the matcher keeps, but at the end of the input: room for
/// the longest match and the hash of the string after it.
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;

/// Length-3 matches further back than this are not worth their distance
/// code (zlib's `TOO_FAR`).
const TOO_FAR: usize = 4096;

/// The longest stored block.
const MAX_STORED: usize = 65_535;

/// How a level compresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Level 0: stored blocks only.
    Stored,
    /// Levels 1-3: greedy matching (zlib's `deflate_fast`).
    Fast,
    /// Levels 4-9: lazy matching (zlib's `deflate_slow`).
    Lazy,
}

/// zlib's tuning per level: reduce the search once a match is this long,
/// do not look for a better match after one this long (for `Fast`: insert
/// only matches up to this long into the hash table), stop at one this
/// long, and follow at most this many hash chain links.
struct Tuning {
    good: usize,
    lazy: usize,
    nice: usize,
    chain: usize,
    kind: Kind,
}

const fn tuning(good: usize, lazy: usize, nice: usize, chain: usize, kind: Kind) -> Tuning {
    Tuning { good, lazy, nice, chain, kind }
}

/// zlib's `configuration_table`.
const TUNING: [Tuning; 10] = [
    tuning(0, 0, 0, 0, Kind::Stored),
    tuning(4, 4, 8, 4, Kind::Fast),
    tuning(4, 5, 16, 8, Kind::Fast),
    tuning(4, 6, 32, 32, Kind::Fast),
    tuning(4, 4, 16, 16, Kind::Lazy),
    tuning(8, 16, 32, 32, Kind::Lazy),
    tuning(8, 16, 128, 128, Kind::Lazy),
    tuning(8, 32, 128, 256, Kind::Lazy),
    tuning(32, 128, 258, 1024, Kind::Lazy),
    tuning(32, 258, 258, 4096, Kind::Lazy),
];

/// The length code (0-28, for symbols 257-285) of each match length less 3.
const LENGTH_CODE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut code = 0;
    while code < 28 {
        let base = LENGTH_BASE[code] as usize - MIN_MATCH;
        let mut i = 0;
        while i < 1 << LENGTH_EXTRA[code] {
            table[base + i] = code as u8;
            i += 1;
        }
        code += 1;
    }
    // 258 has its own symbol, 285, though 284 with 31 extra could say it.
    table[255] = 28;
    table
};

/// The fixed code's lengths and codes (section 3.2.6).
const FIXED_LIT_LENGTHS: [u8; 288] = {
    let mut lengths = [0u8; 288];
    let mut symbol = 0;
    while symbol < 288 {
        lengths[symbol] = fixed_lit_len(symbol);
        symbol += 1;
    }
    lengths
};
const FIXED_LIT_CODES: [u16; 288] = canonical(&FIXED_LIT_LENGTHS);
const FIXED_DIST_CODES: [u16; 30] = canonical(&[5; 30]);

/// The distance code (0-29) of a distance less 1.
fn dist_code(d: usize) -> usize {
    if d < 4 {
        d
    } else {
        let bits = usize::BITS - 1 - d.leading_zeros();
        (2 * bits + ((d >> (bits - 1)) & 1) as u32) as usize
    }
}

/// The window bits and memory level zlib accepts.
pub(crate) const MIN_MEM_LEVEL: u8 = 1;
pub(crate) const MAX_MEM_LEVEL: u8 = 9;

/// Bits on their way out, least significant first.
#[derive(Default)]
struct Bits {
    buf: u64,
    count: u32,
}

impl Bits {
    /// Writes the low `n` bits of `value` (`n` at most 32, no bits above).
    #[inline]
    fn put(&mut self, out: &mut BytesMut, value: u32, n: u32) {
        self.buf |= u64::from(value) << self.count;
        self.count += n;
        if self.count >= 32 {
            out.extend_from_slice(&(self.buf as u32).to_le_bytes());
            self.buf >>= 32;
            self.count -= 32;
        }
    }

    /// Writes what is held, padded with zero bits to a byte boundary.
    fn align(&mut self, out: &mut BytesMut) {
        let bytes = self.count.div_ceil(8) as usize;
        out.extend_from_slice(&self.buf.to_le_bytes()[..bytes]);
        *self = Bits::default();
    }
}

/// A raw DEFLATE compressor with its window kept from one message to the
/// next.
pub(crate) struct Compressor {
    kind: Kind,
    good: usize,
    lazy: usize,
    nice: usize,
    max_chain: usize,
    w_size: usize,
    w_mask: usize,
    /// The furthest back a match may reach: the window less the lookahead
    /// (zlib's `MAX_DIST`), and never more than the agreed window.
    max_dist: usize,
    hash_mask: usize,
    hash_shift: u32,
    /// Twice the window: the data matched against, then the lookahead.
    window: Vec<u8>,
    /// For each position in the window, the previous one with its hash.
    prev: Vec<u16>,
    /// For each hash, the latest position with it.
    head: Vec<u16>,
    strstart: usize,
    /// Where the current block's data starts in the window; negative once
    /// it has slid out (then the block cannot be stored).
    block_start: isize,
    lookahead: usize,
    /// Positions before `strstart` still to be hashed once more data comes.
    insert: usize,
    ins_h: usize,
    match_length: usize,
    match_start: usize,
    prev_length: usize,
    prev_match: usize,
    match_available: bool,
    /// The block's symbols, three bytes each: distance (0 for a literal),
    /// then the literal or the length less 3.
    syms: Vec<u8>,
    sym_next: usize,
    lit_freq: [u16; LIT_CODES],
    dist_freq: [u16; DIST_CODES],
    bits: Bits,
    /// A stored block being written in this call's output: where its LEN
    /// goes, and how many bytes it holds so far. Blocks that do not
    /// compress are stored one after the other in it, up to 64 KiB, so
    /// incompressible data costs 5 bytes per 64 KiB, not per block of
    /// symbols (2 KiB at memory level 5).
    open_stored: Option<(usize, usize)>,
}

impl Compressor {
    /// A compressor at `level` (0-9) that keeps every match within
    /// `2^window_bits` bytes (8-15) and uses `mem_level` (1-9) as zlib does;
    /// values out of range are brought into it.
    pub(crate) fn new(level: u32, window_bits: u8, mem_level: u8) -> Self {
        let tuning = &TUNING[level.min(9) as usize];
        let agreed = 1usize << window_bits.clamp(8, 15);
        // zlib's matcher cannot keep a 256-byte window (its limit would be
        // below zero): 8 bits runs in 9, every match within 250 bytes.
        let w_bits = window_bits.clamp(9, 15);
        let w_size = 1usize << w_bits;
        let mem_level = mem_level.clamp(MIN_MEM_LEVEL, MAX_MEM_LEVEL);
        let hash_bits = u32::from(mem_level) + 7;
        let lit_bufsize = 1usize << (mem_level + 6);
        let stored = tuning.kind == Kind::Stored;
        let held = |n: usize| if stored { 0 } else { n };
        Compressor {
            kind: tuning.kind,
            good: tuning.good,
            lazy: tuning.lazy,
            nice: tuning.nice,
            max_chain: tuning.chain,
            w_size,
            w_mask: w_size - 1,
            max_dist: (w_size - MIN_LOOKAHEAD).min(agreed),
            hash_mask: (1 << hash_bits) - 1,
            hash_shift: hash_bits.div_ceil(MIN_MATCH as u32),
            window: vec![0; held(2 * w_size)],
            prev: vec![0; held(w_size)],
            head: vec![0; held(1 << hash_bits)],
            strstart: 0,
            block_start: 0,
            lookahead: 0,
            insert: 0,
            ins_h: 0,
            match_length: MIN_MATCH - 1,
            match_start: 0,
            prev_length: MIN_MATCH - 1,
            prev_match: 0,
            match_available: false,
            syms: vec![0; held(3 * lit_bufsize)],
            sym_next: 0,
            lit_freq: [0; LIT_CODES],
            dist_freq: [0; DIST_CODES],
            bits: Bits::default(),
            open_stored: None,
        }
    }

    /// The furthest back this compressor's matches reach.
    #[cfg(feature = "fuzz")]
    pub(crate) fn max_distance(&self) -> usize {
        if self.kind == Kind::Stored { 0 } else { self.max_dist }
    }

    /// Compresses `input` onto `out`. With `end`, everything goes out and
    /// the message ends as RFC 7692 section 7.2.1 has it: a sync flush's
    /// empty stored block, of which only the header bits and their padding
    /// are written (the `00 00 ff ff` after them is removed).
    pub(crate) fn compress(&mut self, mut input: &[u8], end: bool, out: &mut BytesMut) {
        if self.kind == Kind::Stored {
            for chunk in input.chunks(MAX_STORED) {
                self.stored_block(chunk, out);
            }
        } else {
            loop {
                self.fill(&mut input);
                let flush = end && input.is_empty();
                match self.kind {
                    Kind::Fast => self.run_fast(flush, out),
                    _ => self.run_lazy(flush, out),
                }
                if input.is_empty() {
                    break;
                }
            }
            if end && self.sym_next > 0 {
                self.flush_block(out);
            }
            // Its LEN is written into this output, which the next call's
            // does not follow.
            self.close_stored(out);
        }
        if end {
            self.bits.put(out, 0, 3);
            self.bits.align(out);
        }
    }

    /// Slides the window if the lookahead runs short of room, then takes as
    /// much of `input` as fits.
    fn fill(&mut self, input: &mut &[u8]) {
        if self.strstart >= 2 * self.w_size - MIN_LOOKAHEAD {
            self.slide();
        }
        let at = self.strstart + self.lookahead;
        let n = (self.window.len() - at).min(input.len());
        if n == 0 {
            return;
        }
        self.window[at..at + n].copy_from_slice(&input[..n]);
        *input = &input[n..];
        self.lookahead += n;
        // Hash the strings the end of the last input left unhashed.
        if self.lookahead + self.insert >= MIN_MATCH {
            let mut s = self.strstart - self.insert;
            self.ins_h = usize::from(self.window[s]);
            self.ins_h = self.update_hash(self.ins_h, self.window[s + 1]);
            while self.insert > 0 {
                self.ins_h = self.update_hash(self.ins_h, self.window[s + MIN_MATCH - 1]);
                self.prev[s & self.w_mask] = self.head[self.ins_h];
                self.head[self.ins_h] = s as u16;
                s += 1;
                self.insert -= 1;
                if self.lookahead + self.insert < MIN_MATCH {
                    break;
                }
            }
        }
    }

    /// Moves the upper half of the window down, and every position with it.
    fn slide(&mut self) {
        let w = self.w_size;
        let end = self.strstart + self.lookahead;
        self.window.copy_within(w..end, 0);
        self.match_start = self.match_start.saturating_sub(w);
        self.strstart -= w;
        self.block_start -= w as isize;
        self.insert = self.insert.min(self.strstart);
        let w = w as u16;
        for p in self.head.iter_mut().chain(self.prev.iter_mut()) {
            *p = p.saturating_sub(w);
        }
    }

    #[inline]
    fn update_hash(&self, h: usize, c: u8) -> usize {
        ((h << self.hash_shift) ^ usize::from(c)) & self.hash_mask
    }

    /// Hashes the string at `s` into the table; the previous position with
    /// its hash (0 for none).
    #[inline]
    fn insert_string(&mut self, s: usize) -> usize {
        self.ins_h = self.update_hash(self.ins_h, self.window[s + MIN_MATCH - 1]);
        let head = self.head[self.ins_h];
        self.prev[s & self.w_mask] = head;
        self.head[self.ins_h] = s as u16;
        usize::from(head)
    }

    /// The longest match at `strstart` along the hash chain from
    /// `cur_match`, longer than `prev_length` (else `prev_length`), at most
    /// the lookahead; its start goes in `match_start`.
    fn longest_match(&mut self, mut cur_match: usize) -> usize {
        let scan = self.strstart;
        let max_len = MAX_MATCH.min(self.lookahead);
        let mut best_len = self.prev_length;
        if best_len >= max_len {
            return max_len;
        }
        let mut chain = self.max_chain;
        if self.prev_length >= self.good {
            chain >>= 2;
        }
        let nice = self.nice.min(self.lookahead);
        let limit = scan.saturating_sub(self.max_dist);
        let window = &self.window[..];
        let target = &window[scan..scan + max_len];
        // The two bytes ending a match as long as the best, and the two
        // starting any: a candidate failing either cannot do better.
        let pair = |s: &[u8], at: usize| u16::from_le_bytes([s[at], s[at + 1]]);
        let mut scan_end = pair(target, best_len - 1);
        let scan_start = pair(target, 0);
        loop {
            let m = cur_match;
            if pair(window, m + best_len - 1) == scan_end && pair(window, m) == scan_start {
                let len = common_prefix(&window[m..m + max_len], target);
                if len > best_len {
                    self.match_start = m;
                    best_len = len;
                    if len >= nice {
                        break;
                    }
                    scan_end = pair(target, best_len - 1);
                }
            }
            cur_match = usize::from(self.prev[cur_match & self.w_mask]);
            chain -= 1;
            if cur_match <= limit || chain == 0 {
                break;
            }
        }
        best_len
    }

    /// zlib's `deflate_slow`: a match is taken only if the next position
    /// has no longer one. Runs until the lookahead is short (all of it
    /// with `flush`).
    fn run_lazy(&mut self, flush: bool, out: &mut BytesMut) {
        loop {
            if self.lookahead < MIN_LOOKAHEAD {
                if !flush {
                    return;
                }
                if self.lookahead == 0 {
                    break;
                }
            }
            let hash_head = if self.lookahead >= MIN_MATCH { self.insert_string(self.strstart) } else { 0 };
            self.prev_length = self.match_length;
            self.prev_match = self.match_start;
            self.match_length = MIN_MATCH - 1;
            if hash_head != 0 && self.prev_length < self.lazy && self.strstart - hash_head <= self.max_dist {
                self.match_length = self.longest_match(hash_head);
                if self.match_length == MIN_MATCH && self.strstart - self.match_start > TOO_FAR {
                    self.match_length = MIN_MATCH - 1;
                }
            }
            if self.prev_length >= MIN_MATCH && self.match_length <= self.prev_length {
                // The previous match is as good: emit it.
                let max_insert = self.strstart + self.lookahead - MIN_MATCH;
                let full = self.tally_match(self.strstart - 1 - self.prev_match, self.prev_length);
                self.lookahead -= self.prev_length - 1;
                for _ in 0..self.prev_length - 2 {
                    self.strstart += 1;
                    if self.strstart <= max_insert {
                        self.insert_string(self.strstart);
                    }
                }
                self.match_available = false;
                self.match_length = MIN_MATCH - 1;
                self.strstart += 1;
                if full {
                    self.flush_block(out);
                }
            } else if self.match_available {
                // No match at the previous position better than this one's:
                // it goes out as a literal.
                let full = self.tally_literal(self.window[self.strstart - 1]);
                if full {
                    self.flush_block(out);
                }
                self.strstart += 1;
                self.lookahead -= 1;
            } else {
                self.match_available = true;
                self.strstart += 1;
                self.lookahead -= 1;
            }
        }
        if self.match_available {
            self.tally_literal(self.window[self.strstart - 1]);
            self.match_available = false;
        }
        self.insert = self.strstart.min(MIN_MATCH - 1);
    }

    /// zlib's `deflate_fast`: every match is taken at once.
    fn run_fast(&mut self, flush: bool, out: &mut BytesMut) {
        loop {
            if self.lookahead < MIN_LOOKAHEAD {
                if !flush {
                    return;
                }
                if self.lookahead == 0 {
                    break;
                }
            }
            let hash_head = if self.lookahead >= MIN_MATCH { self.insert_string(self.strstart) } else { 0 };
            if hash_head != 0 && self.strstart - hash_head <= self.max_dist {
                self.match_length = self.longest_match(hash_head);
            }
            let full = if self.match_length >= MIN_MATCH {
                let full = self.tally_match(self.strstart - self.match_start, self.match_length);
                self.lookahead -= self.match_length;
                if self.match_length <= self.lazy && self.lookahead >= MIN_MATCH {
                    // A short match: hash every string in it.
                    for _ in 0..self.match_length - 1 {
                        self.strstart += 1;
                        self.insert_string(self.strstart);
                    }
                    self.strstart += 1;
                } else {
                    self.strstart += self.match_length;
                    // At the end of the input these are past the data: the
                    // hash is only a guess, and is made again when more comes.
                    let at = |i: usize| self.window.get(i).copied().unwrap_or(0);
                    self.ins_h = usize::from(at(self.strstart));
                    let next = at(self.strstart + 1);
                    self.ins_h = self.update_hash(self.ins_h, next);
                }
                self.match_length = 0;
                full
            } else {
                let full = self.tally_literal(self.window[self.strstart]);
                self.lookahead -= 1;
                self.strstart += 1;
                full
            };
            if full {
                self.flush_block(out);
            }
        }
        self.insert = self.strstart.min(MIN_MATCH - 1);
    }

    /// Records a literal; whether the block is full.
    #[inline]
    fn tally_literal(&mut self, c: u8) -> bool {
        self.syms[self.sym_next..self.sym_next + 3].copy_from_slice(&[0, 0, c]);
        self.sym_next += 3;
        self.lit_freq[usize::from(c)] += 1;
        self.sym_next + 3 >= self.syms.len()
    }

    /// Records a match of `len` bytes `dist` back; whether the block is full.
    #[inline]
    fn tally_match(&mut self, dist: usize, len: usize) -> bool {
        let lc = len - MIN_MATCH;
        self.syms[self.sym_next..self.sym_next + 3].copy_from_slice(&[
            dist as u8,
            (dist >> 8) as u8,
            lc as u8,
        ]);
        self.sym_next += 3;
        self.lit_freq[END_OF_BLOCK + 1 + usize::from(LENGTH_CODE[lc])] += 1;
        self.dist_freq[dist_code(dist - 1)] += 1;
        self.sym_next + 3 >= self.syms.len()
    }

    /// One stored block, BFINAL clear.
    fn stored_block(&mut self, data: &[u8], out: &mut BytesMut) {
        self.bits.put(out, 0, 3);
        self.bits.align(out);
        let len = data.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(data);
    }

    /// Writes the block of the symbols tallied, stored, fixed or dynamic,
    /// whichever is smallest (zlib's `_tr_flush_block`), and starts the next.
    fn flush_block(&mut self, out: &mut BytesMut) {
        self.lit_freq[END_OF_BLOCK] = 1;
        let lit = Code::build(&self.lit_freq, 15);
        let dist = Code::build(&self.dist_freq, 15);
        let header = TreeHeader::new(&lit.lengths, &dist.lengths);

        let (mut extra, mut dynamic, mut fixed) = (0u64, 0u64, 0u64);
        for (symbol, &freq) in self.lit_freq.iter().enumerate() {
            let freq = u64::from(freq);
            dynamic += freq * u64::from(lit.lengths[symbol]);
            fixed += freq * u64::from(fixed_lit_len(symbol));
            if symbol > END_OF_BLOCK {
                extra += freq * u64::from(LENGTH_EXTRA[symbol - END_OF_BLOCK - 1]);
            }
        }
        for (code, &freq) in self.dist_freq.iter().enumerate() {
            let freq = u64::from(freq);
            dynamic += freq * u64::from(dist.lengths[code]);
            fixed += freq * 5;
            extra += freq * u64::from(DIST_EXTRA[code]);
        }
        let dynamic_bytes = (3 + header.bits + dynamic + extra).div_ceil(8);
        let fixed_bytes = (3 + fixed + extra).div_ceil(8);
        let best = dynamic_bytes.min(fixed_bytes);
        let stored_len = self.strstart as isize - self.block_start;

        out.reserve(best as usize + 8);
        if self.block_start >= 0 && stored_len as u64 + 4 <= best {
            self.append_stored(self.block_start as usize, out);
        } else if fixed_bytes == best {
            self.close_stored(out);
            self.bits.put(out, 0b010, 3);
            self.write_symbols(&FIXED_LIT_LENGTHS, &FIXED_LIT_CODES, &[5; 30], &FIXED_DIST_CODES, out);
        } else {
            self.close_stored(out);
            self.bits.put(out, 0b100, 3);
            header.write(&mut self.bits, out);
            let (lit_codes, dist_codes) = (canonical(&lit.lengths), canonical(&dist.lengths));
            self.write_symbols(&lit.lengths, &lit_codes, &dist.lengths, &dist_codes, out);
        }

        self.lit_freq = [0; LIT_CODES];
        self.dist_freq = [0; DIST_CODES];
        self.sym_next = 0;
        self.block_start = self.strstart as isize;
    }

    /// Stores the window from `start` to `strstart`, in the open stored
    /// block while it has room.
    fn append_stored(&mut self, mut start: usize, out: &mut BytesMut) {
        while start < self.strstart {
            let (at, len) = match self.open_stored {
                Some(open) => open,
                None => {
                    self.bits.put(out, 0, 3);
                    self.bits.align(out);
                    let at = out.len();
                    out.extend_from_slice(&[0; 4]);
                    (at, 0)
                }
            };
            let n = (self.strstart - start).min(MAX_STORED - len);
            out.extend_from_slice(&self.window[start..start + n]);
            start += n;
            self.open_stored = Some((at, len + n));
            if len + n == MAX_STORED {
                self.close_stored(out);
            }
        }
    }

    /// Writes the open stored block's LEN and NLEN.
    fn close_stored(&mut self, out: &mut BytesMut) {
        if let Some((at, len)) = self.open_stored.take() {
            let len = len as u16;
            out[at..at + 2].copy_from_slice(&len.to_le_bytes());
            out[at + 2..at + 4].copy_from_slice(&(!len).to_le_bytes());
        }
    }

    /// Writes the block's symbols and its end with the given codes.
    fn write_symbols(
        &mut self,
        lit_lengths: &[u8],
        lit_codes: &[u16],
        dist_lengths: &[u8],
        dist_codes: &[u16],
        out: &mut BytesMut,
    ) {
        let bits = &mut self.bits;
        for sym in self.syms[..self.sym_next].chunks_exact(3) {
            let dist = usize::from(sym[0]) | usize::from(sym[1]) << 8;
            let lc = usize::from(sym[2]);
            if dist == 0 {
                bits.put(out, u32::from(lit_codes[lc]), u32::from(lit_lengths[lc]));
                continue;
            }
            let code = usize::from(LENGTH_CODE[lc]);
            let symbol = END_OF_BLOCK + 1 + code;
            bits.put(out, u32::from(lit_codes[symbol]), u32::from(lit_lengths[symbol]));
            let extra = u32::from(LENGTH_EXTRA[code]);
            if extra != 0 {
                bits.put(out, (lc + MIN_MATCH - usize::from(LENGTH_BASE[code])) as u32, extra);
            }
            let d = dist - 1;
            let code = dist_code(d);
            bits.put(out, u32::from(dist_codes[code]), u32::from(dist_lengths[code]));
            let extra = u32::from(DIST_EXTRA[code]);
            if extra != 0 {
                bits.put(out, (d + 1 - usize::from(DIST_BASE[code])) as u32, extra);
            }
        }
        bits.put(out, u32::from(lit_codes[END_OF_BLOCK]), u32::from(lit_lengths[END_OF_BLOCK]));
    }
}

/// The length of the common prefix of `a` and `b`.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().expect("8 bytes"))
            ^ u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// A dynamic block's code lengths as written (section 3.2.7): run-length
/// coded with symbols 16-18 as zlib's `scan_tree` does, in the code length
/// code.
struct TreeHeader {
    lit_count: usize,
    dist_count: usize,
    /// Code length symbols (0-18) and their extra bits' value.
    tokens: [(u8, u8); LIT_CODES + DIST_CODES],
    token_count: usize,
    code: Code<19>,
    /// How many of the code length code's lengths are written (4-19).
    code_count: usize,
    /// The header's size in bits, after the block type.
    bits: u64,
}

impl TreeHeader {
    fn new(lit: &[u8; LIT_CODES], dist: &[u8; DIST_CODES]) -> Self {
        let lit_count = lit.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1).max(END_OF_BLOCK + 1);
        let dist_count = dist.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1).max(1);
        let mut tokens = [(0u8, 0u8); LIT_CODES + DIST_CODES];
        let mut token_count = 0;
        for lengths in [&lit[..lit_count], &dist[..dist_count]] {
            scan(lengths, |symbol, extra| {
                tokens[token_count] = (symbol, extra);
                token_count += 1;
            });
        }
        let mut freqs = [0u16; 19];
        for &(symbol, _) in &tokens[..token_count] {
            freqs[usize::from(symbol)] += 1;
        }
        let code = Code::build(&freqs, 7);
        let code_count =
            CODE_LENGTH_ORDER.iter().rposition(|&s| code.lengths[s] != 0).map_or(0, |i| i + 1).max(4);
        let mut bits = 5 + 5 + 4 + 3 * code_count as u64;
        for &(symbol, _) in &tokens[..token_count] {
            bits += u64::from(code.lengths[usize::from(symbol)]) + u64::from(repeat_bits(symbol));
        }
        TreeHeader { lit_count, dist_count, tokens, token_count, code, code_count, bits }
    }

    fn write(&self, bits: &mut Bits, out: &mut BytesMut) {
        let codes = canonical(&self.code.lengths);
        bits.put(out, (self.lit_count - 257) as u32, 5);
        bits.put(out, (self.dist_count - 1) as u32, 5);
        bits.put(out, (self.code_count - 4) as u32, 4);
        for &symbol in &CODE_LENGTH_ORDER[..self.code_count] {
            bits.put(out, u32::from(self.code.lengths[symbol]), 3);
        }
        for &(symbol, extra) in &self.tokens[..self.token_count] {
            let s = usize::from(symbol);
            bits.put(out, u32::from(codes[s]), u32::from(self.code.lengths[s]));
            let n = repeat_bits(symbol);
            if n != 0 {
                bits.put(out, u32::from(extra), n);
            }
        }
    }
}

/// The extra bits after a code length symbol.
fn repeat_bits(symbol: u8) -> u32 {
    match symbol {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

/// Run-length codes `lengths` as zlib's `scan_tree`/`send_tree` do.
fn scan(lengths: &[u8], mut emit: impl FnMut(u8, u8)) {
    let mut prev: Option<u8> = None;
    let mut i = 0;
    while i < lengths.len() {
        let len = lengths[i];
        let mut run = 1;
        while i + run < lengths.len() && lengths[i + run] == len {
            run += 1;
        }
        i += run;
        let mut left = run;
        if len == 0 {
            while left >= 11 {
                let n = left.min(138);
                emit(18, (n - 11) as u8);
                left -= n;
            }
            if left >= 3 {
                emit(17, (left - 3) as u8);
                left = 0;
            }
        } else {
            if prev != Some(len) {
                emit(len, 0);
                left -= 1;
            }
            while left >= 3 {
                let n = left.min(6);
                emit(16, (n - 3) as u8);
                left -= n;
            }
        }
        for _ in 0..left {
            emit(len, 0);
        }
        prev = Some(len);
    }
}

#[cfg(test)]
mod tests {
    //! Our output read by zlib-rs (and by our decoder held to the window),
    //! at every level, window and memory level, messages in pieces with
    //! the context kept.

    use proptest::prelude::*;
    use zlib_rs::{Inflate, InflateFlush};

    use super::*;
    use crate::decompress::Decompressor;

    fn data() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b"the quick brown fox ".to_vec()),
                Just(vec![b'a'; 300]),
                prop::collection::vec(any::<u8>(), 0..400),
                prop::collection::vec(0u8..4, 0..2000),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn zlib_rs_reads_what_we_write(
            messages in prop::collection::vec(data(), 1..4),
            level in 0u32..=9,
            bits in 9u8..=15,
            mem_level in 1u8..=9,
            piece in 1usize..5000,
        ) {
            let mut compressor = Compressor::new(level, bits, mem_level);
            let mut zlib = Inflate::new(false, 15);
            let mut ours = Decompressor::new(bits);
            for message in &messages {
                let mut wire = BytesMut::new();
                let pieces: Vec<&[u8]> = message.chunks(piece).collect();
                for (i, p) in pieces.iter().enumerate() {
                    compressor.compress(p, i + 1 == pieces.len(), &mut wire);
                }
                if pieces.is_empty() {
                    compressor.compress(&[], true, &mut wire);
                }
                let input = [&wire[..], &[0, 0, 0xff, 0xff]].concat();
                let mut out = vec![0; message.len() + 16];
                let before = (zlib.total_in(), zlib.total_out());
                zlib.decompress(&input, &mut out, InflateFlush::SyncFlush).unwrap();
                prop_assert_eq!(zlib.total_in() - before.0, input.len() as u64);
                prop_assert_eq!(&out[..(zlib.total_out() - before.1) as usize], &message[..]);
                let mut mine = BytesMut::new();
                ours.inflate(&input, &mut mine, usize::MAX).expect("within the window");
                prop_assert_eq!(&mine[..], &message[..]);
                prop_assert!(ours.at_sync_point());
            }
        }
    }
}
