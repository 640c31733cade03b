//! Masking keys for the frames a client sends.
//!
//! RFC 6455 section 5.3 wants each key "derived from a strong source of
//! entropy" so that script in a browser cannot predict it. A sans-io library
//! has no entropy source of its own: the caller seeds the generator
//! ([`Connection::with_mask_seed`](crate::Connection::with_mask_seed)); with
//! the `std` feature the seed comes from the operating system through
//! `RandomState` by default. Keys are then drawn from xoshiro256++, fast enough
//! to cost nothing per frame.

/// A stream of masking keys.
#[derive(Clone, Debug)]
pub(crate) struct MaskKeys {
    state: [u64; 4],
}

impl MaskKeys {
    /// A generator seeded with `seed`, expanded by SplitMix64 as the
    /// xoshiro authors recommend.
    pub(crate) fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        MaskKeys { state: [next(), next(), next(), next()] }
    }

    /// A generator seeded from the best source this build has.
    pub(crate) fn from_environment() -> Self {
        MaskKeys::new(environment_seed())
    }

    /// The next key.
    pub(crate) fn next_key(&mut self) -> [u8; 4] {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        ((result >> 32) as u32).to_ne_bytes()
    }
}

#[cfg(feature = "std")]
fn environment_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState's keys come from the operating system's random source.
    std::collections::hash_map::RandomState::new().build_hasher().finish()
}

#[cfg(not(feature = "std"))]
fn environment_seed() -> u64 {
    // Without std there is no entropy source; address-space layout
    // randomisation is the best available, and callers should seed explicitly.
    let local = 0u8;
    let stack = core::ptr::addr_of!(local) as usize as u64;
    let code = environment_seed as *const () as usize as u64;
    stack.rotate_left(32) ^ code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_vary_and_repeat_for_a_seed() {
        let mut a = MaskKeys::new(42);
        let mut b = MaskKeys::new(42);
        let keys: Vec<[u8; 4]> = (0..64).map(|_| a.next_key()).collect();
        assert_eq!(keys, (0..64).map(|_| b.next_key()).collect::<Vec<_>>());
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), 64);
        assert_ne!(MaskKeys::from_environment().next_key(), MaskKeys::from_environment().next_key());
    }
}
