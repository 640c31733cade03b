//! Which end of the connection this is, and what that means for masking.

/// The side of a WebSocket connection.
///
/// RFC 6455 section 5.1: "a client MUST mask all frames that it sends to the
/// server" and "a server MUST NOT mask any frames that it sends to the client".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that opened the connection; masks every frame it sends.
    Client,
    /// The end that accepted the connection; never masks.
    Server,
}

impl Role {
    /// True when frames this role sends must carry a masking key.
    #[inline]
    pub const fn masks_outgoing(self) -> bool {
        matches!(self, Role::Client)
    }

    /// True when frames this role receives must carry a masking key.
    #[inline]
    pub const fn expects_masked_incoming(self) -> bool {
        matches!(self, Role::Server)
    }

    /// The other side.
    #[inline]
    pub const fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}
