//! The three reserved bits of a frame header (RFC 6455 section 5.2).

use core::{fmt, ops};

/// The RSV1, RSV2 and RSV3 bits of a frame, as a three-bit set.
///
/// Bit values follow the header layout shifted down by four: [`Rsv::RSV1`] is
/// `0b100`, [`Rsv::RSV3`] is `0b001`. The codec accepts any combination; the
/// connection checks them against what extensions (or the application) claimed.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Rsv(u8);

impl Rsv {
    /// No reserved bit set.
    pub const NONE: Rsv = Rsv(0);
    /// RSV1 (used by permessage-deflate).
    pub const RSV1: Rsv = Rsv(0b100);
    /// RSV2.
    pub const RSV2: Rsv = Rsv(0b010);
    /// RSV3.
    pub const RSV3: Rsv = Rsv(0b001);
    /// All three bits.
    pub const ALL: Rsv = Rsv(0b111);

    /// The set with these bits, or `None` if `bits` uses more than the low three.
    #[inline]
    pub const fn from_bits(bits: u8) -> Option<Rsv> {
        if bits & !0b111 == 0 { Some(Rsv(bits)) } else { None }
    }

    /// The set from the three flags in wire order.
    #[inline]
    pub const fn from_flags(rsv1: bool, rsv2: bool, rsv3: bool) -> Rsv {
        Rsv(((rsv1 as u8) << 2) | ((rsv2 as u8) << 1) | rsv3 as u8)
    }

    /// The bits, in the low three bits of the result.
    #[inline]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// True when no bit is set.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every bit of `other` is set in `self`.
    #[inline]
    pub const fn contains(self, other: Rsv) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when `self` and `other` share a bit.
    #[inline]
    pub const fn intersects(self, other: Rsv) -> bool {
        self.0 & other.0 != 0
    }

    /// The bits of `self` not in `other`.
    #[inline]
    pub const fn difference(self, other: Rsv) -> Rsv {
        Rsv(self.0 & !other.0)
    }

    /// RSV1 as a flag.
    #[inline]
    pub const fn rsv1(self) -> bool {
        self.contains(Rsv::RSV1)
    }

    /// RSV2 as a flag.
    #[inline]
    pub const fn rsv2(self) -> bool {
        self.contains(Rsv::RSV2)
    }

    /// RSV3 as a flag.
    #[inline]
    pub const fn rsv3(self) -> bool {
        self.contains(Rsv::RSV3)
    }

    /// The bits as `[rsv1, rsv2, rsv3]`, each 0 or 1 (the Python noio_ws `.reserved`).
    #[inline]
    pub const fn to_array(self) -> [u8; 3] {
        [(self.0 >> 2) & 1, (self.0 >> 1) & 1, self.0 & 1]
    }
}

impl ops::BitOr for Rsv {
    type Output = Rsv;

    fn bitor(self, rhs: Rsv) -> Rsv {
        Rsv(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for Rsv {
    fn bitor_assign(&mut self, rhs: Rsv) {
        self.0 |= rhs.0;
    }
}

impl ops::BitAnd for Rsv {
    type Output = Rsv;

    fn bitand(self, rhs: Rsv) -> Rsv {
        Rsv(self.0 & rhs.0)
    }
}

impl fmt::Debug for Rsv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("Rsv(NONE)");
        }
        f.write_str("Rsv(")?;
        let mut sep = "";
        for (flag, name) in [(Rsv::RSV1, "RSV1"), (Rsv::RSV2, "RSV2"), (Rsv::RSV3, "RSV3")] {
            if self.contains(flag) {
                write!(f, "{sep}{name}")?;
                sep = " | ";
            }
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_array_agree() {
        let r = Rsv::from_flags(true, false, true);
        assert_eq!(r, Rsv::RSV1 | Rsv::RSV3);
        assert_eq!(r.to_array(), [1, 0, 1]);
        assert!(r.rsv1() && !r.rsv2() && r.rsv3());
        assert_eq!(r.difference(Rsv::RSV1), Rsv::RSV3);
        assert_eq!(Rsv::from_bits(8), None);
        assert_eq!(format!("{r:?}"), "Rsv(RSV1 | RSV3)");
        assert_eq!(format!("{:?}", Rsv::NONE), "Rsv(NONE)");
    }
}
