//! Length-limited Huffman codes for a block's symbol frequencies (RFC 1951
//! section 3.2.2): optimal code lengths (Moffat and Katajainen's in-place
//! method), lengths over the limit brought down the way miniz does it, and
//! the canonical codes, bit-reversed for DEFLATE's least-significant-bit
//! first order.

/// A code's lengths by symbol, for up to `N` symbols ([`canonical`] makes
/// the codes).
pub(crate) struct Code<const N: usize> {
    pub(crate) lengths: [u8; N],
}

impl<const N: usize> Code<N> {
    /// The code for `freqs`, no length above `max_bits`. At least two
    /// symbols get a code, as zlib gives them: every decoder reads a code
    /// of two one-bit lengths, some refuse a single code.
    pub(crate) fn build(freqs: &[u16; N], max_bits: u8) -> Self {
        let mut lengths = [0u8; N];
        // (frequency, symbol) of the symbols in use, least frequent first.
        let mut used = [(0u32, 0u16); N];
        let mut n = 0;
        for (symbol, &freq) in freqs.iter().enumerate() {
            if freq != 0 {
                used[n] = (u32::from(freq), symbol as u16);
                n += 1;
            }
        }
        match n {
            0 => {
                lengths[0] = 1;
                lengths[1] = 1;
            }
            1 => {
                let only = usize::from(used[0].1);
                lengths[only] = 1;
                lengths[if only == 0 { 1 } else { 0 }] = 1;
            }
            _ => {
                let used = &mut used[..n];
                used.sort_unstable();
                let mut depth = [0u32; N];
                for (d, &(freq, _)) in depth.iter_mut().zip(used.iter()) {
                    *d = freq;
                }
                minimum_redundancy(&mut depth[..n]);
                let mut counts = [0u32; 64];
                for &d in &depth[..n] {
                    counts[(d as usize).min(63)] += 1;
                }
                enforce_max_bits(&mut counts, usize::from(max_bits));
                // The least frequent symbols take the longest codes.
                let mut next = 0;
                for len in (1..=usize::from(max_bits)).rev() {
                    for _ in 0..counts[len] {
                        lengths[usize::from(used[next].1)] = len as u8;
                        next += 1;
                    }
                }
            }
        }
        Code { lengths }
    }
}

/// Each byte with its bits in reverse order.
const REVERSED: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).reverse_bits();
        i += 1;
    }
    table
};

/// The canonical codes for `lengths` (section 3.2.2), bit-reversed.
pub(crate) const fn canonical<const N: usize>(lengths: &[u8; N]) -> [u16; N] {
    let mut count = [0u16; 16];
    let mut i = 0;
    while i < N {
        count[lengths[i] as usize] += 1;
        i += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    let mut bits = 1;
    while bits < 16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
        bits += 1;
    }
    let mut codes = [0u16; N];
    let mut symbol = 0;
    while symbol < N {
        let len = lengths[symbol] as usize;
        if len != 0 {
            let c = next[len];
            let reversed = ((REVERSED[(c & 0xff) as usize] as u16) << 8) | REVERSED[(c >> 8) as usize] as u16;
            codes[symbol] = reversed >> (16 - len);
            next[len] += 1;
        }
        symbol += 1;
    }
    codes
}

/// Turns `a`, frequencies sorted ascending (at least two), into the code
/// lengths of an optimal prefix code, in place (Moffat and Katajainen, "In-
/// place calculation of minimum-redundancy codes", 1995).
fn minimum_redundancy(a: &mut [u32]) {
    let n = a.len();
    // Phase 1: build the tree, internal nodes' weights then parents in a.
    a[0] += a[1];
    let (mut root, mut leaf) = (0usize, 2usize);
    for next in 1..n - 1 {
        if leaf >= n || a[root] < a[leaf] {
            a[next] = a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] = a[leaf];
            leaf += 1;
        }
        if leaf >= n || (root < next && a[root] < a[leaf]) {
            a[next] += a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] += a[leaf];
            leaf += 1;
        }
    }
    // Phase 2: internal nodes' depths.
    a[n - 2] = 0;
    for next in (0..n.saturating_sub(2)).rev() {
        a[next] = a[a[next] as usize] + 1;
    }
    // Phase 3: leaves' depths.
    let (mut avail, mut used, mut depth) = (1i64, 0i64, 0u32);
    let (mut root, mut next) = (n as isize - 2, n as isize - 1);
    while avail > 0 {
        while root >= 0 && a[root as usize] == depth {
            used += 1;
            root -= 1;
        }
        while avail > used {
            a[next as usize] = depth;
            next -= 1;
            avail -= 1;
        }
        avail = 2 * used;
        depth += 1;
        used = 0;
    }
}

/// Brings a code's length counts within `max` bits, keeping it complete:
/// longer codes are put at `max`, then codes moved down one length at a
/// time until the Kraft sum is one again (miniz's method).
fn enforce_max_bits(counts: &mut [u32; 64], max: usize) {
    for len in max + 1..counts.len() {
        counts[max] += counts[len];
        counts[len] = 0;
    }
    let mut total: u64 = (1..=max).map(|len| u64::from(counts[len]) << (max - len)).sum();
    while total > 1 << max {
        counts[max] -= 1;
        for len in (1..max).rev() {
            if counts[len] != 0 {
                counts[len] -= 1;
                counts[len + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft<const N: usize>(code: &Code<N>) -> f64 {
        code.lengths.iter().filter(|&&l| l != 0).map(|&l| 0.5f64.powi(i32::from(l))).sum()
    }

    #[test]
    fn codes_are_complete_and_within_their_limit() {
        // Fibonacci frequencies make the deepest unlimited trees.
        let mut freqs = [0u16; 30];
        let (mut a, mut b) = (1u16, 1u16);
        for f in freqs.iter_mut().take(24) {
            *f = a;
            (a, b) = (b, a.saturating_add(b));
        }
        for max in [7u8, 9, 15] {
            let code = Code::build(&freqs, max);
            assert!(code.lengths.iter().all(|&l| l <= max));
            assert_eq!(kraft(&code), 1.0, "max {max}");
        }
        // An unlimited optimum is kept as it is.
        let freqs = [8u16, 4, 2, 1, 1];
        assert_eq!(Code::build(&freqs, 15).lengths, [1, 2, 3, 4, 4]);
    }

    #[test]
    fn one_or_no_symbol_still_gets_two_codes() {
        let mut freqs = [0u16; 30];
        assert_eq!(&Code::build(&freqs, 15).lengths[..3], [1, 1, 0]);
        freqs[7] = 10;
        let code = Code::build(&freqs, 15);
        assert_eq!((code.lengths[0], code.lengths[7]), (1, 1));
    }

    #[test]
    fn canonical_codes_follow_section_3_2_2() {
        const { assert!(canonical(&[1u8, 1])[1] == 1) };
        // The example of section 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4).
        let codes = canonical(&[3u8, 3, 3, 3, 3, 2, 4, 4]);
        let plain: Vec<u16> = codes
            .iter()
            .zip([3u32, 3, 3, 3, 3, 2, 4, 4])
            .map(|(&c, len)| c.reverse_bits() >> (16 - len))
            .collect();
        assert_eq!(plain, [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111]);
    }
}
