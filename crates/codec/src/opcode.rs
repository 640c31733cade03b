//! The four-bit frame opcode (RFC 6455 section 5.2).

use core::fmt;

/// A frame opcode: the low four bits of a frame's first byte.
///
/// An open newtype: every value 0-15 is representable, so the reserved opcodes
/// (3-7 for data, 11-15 for control) survive decoding and a registry can give
/// them meaning later. The codec never rejects an opcode; the connection does,
/// with the registry's help.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpCode(u8);

impl OpCode {
    /// `0x0`: a continuation of a fragmented data message.
    pub const CONTINUATION: OpCode = OpCode(0x0);
    /// `0x1`: a text data frame (UTF-8).
    pub const TEXT: OpCode = OpCode(0x1);
    /// `0x2`: a binary data frame.
    pub const BINARY: OpCode = OpCode(0x2);
    /// `0x8`: a close control frame.
    pub const CLOSE: OpCode = OpCode(0x8);
    /// `0x9`: a ping control frame.
    pub const PING: OpCode = OpCode(0x9);
    /// `0xA`: a pong control frame.
    pub const PONG: OpCode = OpCode(0xA);

    /// The opcode with this four-bit value, or `None` if `value` is above 15.
    #[inline]
    pub const fn new(value: u8) -> Option<OpCode> {
        if value <= 0xF { Some(OpCode(value)) } else { None }
    }

    /// The opcode in the low four bits of `byte`; the high bits are ignored.
    #[inline]
    pub const fn from_low_bits(byte: u8) -> OpCode {
        OpCode(byte & 0xF)
    }

    /// The four-bit wire value.
    #[inline]
    pub const fn value(self) -> u8 {
        self.0
    }

    /// True for control opcodes (8-15): close, ping, pong and the reserved 11-15.
    #[inline]
    pub const fn is_control(self) -> bool {
        self.0 & 0x8 != 0
    }

    /// True for data opcodes (0-7): continuation, text, binary and the reserved 3-7.
    #[inline]
    pub const fn is_data(self) -> bool {
        !self.is_control()
    }

    /// True for the opcodes RFC 6455 reserves for future use: 3-7 and 11-15.
    #[inline]
    pub const fn is_reserved(self) -> bool {
        matches!(self.0, 0x3..=0x7 | 0xB..=0xF)
    }

    /// The opcode's name, never failing: RFC 6455's for a defined opcode
    /// (`"continue"` for continuation frames, as the Python noio_ws calls
    /// them, `"text"`, `"binary"`, `"close"`, `"ping"`, `"pong"`), and
    /// `"reserved-N"` for a reserved one, which has a name only where a
    /// registry gives it one.
    pub const fn name(self) -> &'static str {
        match self.0 {
            0x0 => "continue",
            0x1 => "text",
            0x2 => "binary",
            0x8 => "close",
            0x9 => "ping",
            0xA => "pong",
            0x3 => "reserved-3",
            0x4 => "reserved-4",
            0x5 => "reserved-5",
            0x6 => "reserved-6",
            0x7 => "reserved-7",
            0xB => "reserved-11",
            0xC => "reserved-12",
            0xD => "reserved-13",
            0xE => "reserved-14",
            _ => "reserved-15",
        }
    }

    /// The defined opcode called `name` in RFC 6455's terms: the names
    /// [`OpCode::name`] gives, and `"continuation"` as well as `"continue"`.
    /// `None` for anything else, reserved names included (they are a
    /// registry's business).
    pub fn from_name(name: &str) -> Option<OpCode> {
        Some(match name {
            "continue" | "continuation" => OpCode::CONTINUATION,
            "text" => OpCode::TEXT,
            "binary" => OpCode::BINARY,
            "close" => OpCode::CLOSE,
            "ping" => OpCode::PING,
            "pong" => OpCode::PONG,
            _ => return None,
        })
    }
}

impl TryFrom<u8> for OpCode {
    type Error = InvalidOpCode;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        OpCode::new(value).ok_or(InvalidOpCode(value))
    }
}

impl From<OpCode> for u8 {
    fn from(opcode: OpCode) -> u8 {
        opcode.0
    }
}

impl fmt::Debug for OpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0x0 => f.write_str("Continuation"),
            0x1 => f.write_str("Text"),
            0x2 => f.write_str("Binary"),
            0x8 => f.write_str("Close"),
            0x9 => f.write_str("Ping"),
            0xA => f.write_str("Pong"),
            v => write!(f, "OpCode({v})"),
        }
    }
}

impl fmt::Display for OpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value above 15 was given where a four-bit opcode was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a four-bit opcode (0-15)")]
pub struct InvalidOpCode(pub u8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_partition_all_sixteen_values() {
        for v in 0..=15u8 {
            let op = OpCode::new(v).unwrap();
            assert_ne!(op.is_control(), op.is_data());
            assert_eq!(op.is_reserved(), op.name().starts_with("reserved-"), "value {v}");
            if !op.is_reserved() {
                assert_eq!(OpCode::from_name(op.name()), Some(op), "value {v}");
            }
        }
        assert_eq!(OpCode::new(16), None);
        assert_eq!(OpCode::try_from(200), Err(InvalidOpCode(200)));
    }

    #[test]
    fn debug_prints_names_and_keeps_unknown_values() {
        assert_eq!(format!("{:?}", OpCode::TEXT), "Text");
        assert_eq!(format!("{:?}", OpCode::PONG), "Pong");
        assert_eq!(format!("{:?}", OpCode::new(3).unwrap()), "OpCode(3)");
        assert_eq!(OpCode::from_low_bits(0xFB).value(), 0xB);
    }
}
