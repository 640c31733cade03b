//! What a successful handshake leaves for the connection.

use noio_ws_codec::Role;
use noio_ws_codec::bytes::Bytes;
use noio_ws_registry::ExtensionStack;

/// A finished handshake: everything a connection needs to start.
#[derive(Debug)]
pub struct Accepted {
    /// This end's role.
    pub role: Role,
    /// The subprotocol both ends agreed on, if any.
    pub protocol: Option<String>,
    /// The negotiated extensions (those the peer did not accept are gone
    /// from the stack). Custom opcodes are not negotiated: register them on
    /// the connection.
    pub extensions: ExtensionStack,
    /// Bytes that arrived after the head: the first WebSocket frames.
    pub rest: Bytes,
}
