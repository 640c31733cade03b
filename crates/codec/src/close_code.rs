//! The two-byte status code of a close frame (RFC 6455 section 7.4).

use core::fmt;

/// A close status code.
///
/// An open newtype: any `u16` can be held (a peer may send codes from the
/// registered or private ranges that this crate does not name), and
/// [`CloseCode::is_allowed_on_wire`] says whether a code may appear in a close
/// frame at all.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

macro_rules! close_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $label:literal;)*) => {
        impl CloseCode {
            $($(#[$doc])* pub const $name: CloseCode = CloseCode($value);)*

            /// The IANA name of a code in 1000-1015 (`"NORMAL"` ...), `None` for others.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($label),)*
                    _ => None,
                }
            }
        }
    };
}

close_codes! {
    /// 1000: the purpose of the connection was fulfilled.
    NORMAL = 1000, "NORMAL";
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    GOING_AWAY = 1001, "GOING_AWAY";
    /// 1002: the peer broke the protocol.
    PROTOCOL_ERROR = 1002, "PROTOCOL_ERROR";
    /// 1003: the endpoint received a type of data it cannot accept.
    UNSUPPORTED_DATA = 1003, "UNSUPPORTED_DATA";
    /// 1004: reserved; never sent.
    RESERVED = 1004, "RESERVED";
    /// 1005: no status code was present (never sent; reported locally).
    NO_STATUS_RECEIVED = 1005, "NO_STATUS_RECEIVED";
    /// 1006: the connection closed without a close frame (never sent; reported locally).
    ABNORMAL_CLOSURE = 1006, "ABNORMAL_CLOSURE";
    /// 1007: a message's data did not match its type (for example, invalid UTF-8 in text).
    INVALID_PAYLOAD = 1007, "INVALID_PAYLOAD";
    /// 1008: a message violated the endpoint's policy.
    POLICY_VIOLATION = 1008, "POLICY_VIOLATION";
    /// 1009: a frame or message was too big to process.
    MESSAGE_TOO_BIG = 1009, "MESSAGE_TOO_BIG";
    /// 1010: the client expected the server to negotiate an extension it did not.
    MANDATORY_EXTENSION = 1010, "MANDATORY_EXTENSION";
    /// 1011: the server met an unexpected condition.
    INTERNAL_ERROR = 1011, "INTERNAL_ERROR";
    /// 1012: the service is restarting.
    SERVICE_RESTART = 1012, "SERVICE_RESTART";
    /// 1013: the service is overloaded; try again later.
    TRY_AGAIN_LATER = 1013, "TRY_AGAIN_LATER";
    /// 1014: a gateway or proxy received an invalid response upstream.
    BAD_GATEWAY = 1014, "BAD_GATEWAY";
    /// 1015: the TLS handshake failed (never sent; reported locally).
    TLS_HANDSHAKE = 1015, "TLS_HANDSHAKE";
}

impl CloseCode {
    /// Whether this code may be sent in, or accepted from, a close frame.
    ///
    /// RFC 6455 section 7.4.1: 1004 is reserved and 1005, 1006 and 1015 "MUST
    /// NOT be set as a status code in a Close control frame by an endpoint";
    /// section 7.4.2: codes below 1000 are unused, 1016-2999 are reserved for
    /// future revisions, 3000-3999 are registered with IANA and 4000-4999 are
    /// private. Nothing from 5000 up is defined.
    pub const fn is_allowed_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> CloseCode {
        CloseCode(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "CloseCode({} {name})", self.0),
            None => write!(f, "CloseCode({})", self.0),
        }
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_rule_matches_rfc_6455_section_7_4() {
        let forbidden = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
        for code in forbidden {
            assert!(!CloseCode(code).is_allowed_on_wire(), "{code}");
        }
        let allowed = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
        for code in allowed.into_iter().chain([3000, 3999, 4000, 4999]) {
            assert!(CloseCode(code).is_allowed_on_wire(), "{code}");
        }
    }

    #[test]
    fn names_cover_1000_to_1015() {
        for code in 1000..=1015 {
            assert!(CloseCode(code).name().is_some(), "{code}");
        }
        assert_eq!(CloseCode(1016).name(), None);
        assert_eq!(format!("{:?}", CloseCode::NORMAL), "CloseCode(1000 NORMAL)");
        assert_eq!(format!("{}", CloseCode(4321)), "4321");
    }
}
