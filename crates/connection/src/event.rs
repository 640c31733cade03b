//! What the peer did: the events [`Connection::next_event`](crate::Connection::next_event) hands out.

use alloc::string::String;
use core::time::Duration;

use noio_ws_codec::bytes::Bytes;
use noio_ws_codec::{CloseCode, OpCode, Rsv};

/// The next thing the peer did, or that nothing more can be said until more
/// bytes arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A whole data message ([`Delivery::WholeMessages`](crate::Delivery::WholeMessages)).
    Message(Message),
    /// A data frame ([`Delivery::Frames`](crate::Delivery::Frames)).
    Frame(DataFrame),
    /// A piece of a data message ([`Delivery::Streaming`](crate::Delivery::Streaming)).
    Chunk(MessageChunk),
    /// A ping; with `auto_pong` the pong is already queued.
    Ping(ControlFrame),
    /// A pong.
    Pong(ControlFrame),
    /// A control frame with a registered custom opcode (11-15).
    Control(ControlFrame),
    /// The peer's close frame; with `auto_close` the reply is already queued.
    Close(CloseFrame),
    /// The transport ended without a closing handshake (reported as 1006,
    /// which is never sent on the wire).
    AbnormalClosure,
    /// More bytes are needed before anything more can be said.
    NeedData,
}

/// A received data message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The opcode of its first frame: text, binary or a registered custom one.
    pub opcode: OpCode,
    /// The payload; for text it has been checked to be UTF-8.
    pub payload: Bytes,
    /// The reserved bits of its first frame (the Python noio_ws `.reserved`).
    pub rsv: Rsv,
    /// The time the caller gave with the bytes that completed it, if any.
    pub time: Option<Duration>,
}

impl Message {
    /// True for a text message.
    pub fn is_text(&self) -> bool {
        self.opcode == OpCode::TEXT
    }

    /// The payload as text, for a text message (already validated, so this
    /// only fails for other opcodes).
    pub fn as_text(&self) -> Option<&str> {
        if self.is_text() { core::str::from_utf8(&self.payload).ok() } else { None }
    }
}

/// A received data frame, as [`Delivery::Frames`](crate::Delivery::Frames)
/// hands them out (the Python noio_ws default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFrame {
    /// The frame's own opcode: [`OpCode::CONTINUATION`] for every frame of a
    /// message but its first.
    pub opcode: OpCode,
    /// The opcode of the message the frame belongs to (its first frame's).
    pub message_opcode: OpCode,
    /// The payload (decompressed, where an extension applies); a text
    /// message's frames may split a character, but all of them together have
    /// been checked to be UTF-8 as they came.
    pub payload: Bytes,
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// The frame's reserved bits.
    pub rsv: Rsv,
    /// True unless more of this frame's decompressed bytes come in the next
    /// event: always true for a frame no extension transformed.
    pub frame_end: bool,
    /// The time the caller gave with the bytes that completed it, if any.
    pub time: Option<Duration>,
}

/// A piece of a data message, handed out as it arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageChunk {
    /// The opcode of the message's first frame.
    pub opcode: OpCode,
    /// The bytes; a text message's pieces may split a character, but all the
    /// pieces together have been checked to be UTF-8 as they came.
    pub payload: Bytes,
    /// The reserved bits of the frame this piece came in.
    pub rsv: Rsv,
    /// True for the message's first piece.
    pub first: bool,
    /// True for the last piece of the frame it came in.
    pub frame_end: bool,
    /// True for the message's last piece (its final frame's last bytes).
    pub fin: bool,
    /// The time the caller gave with the bytes, if any.
    pub time: Option<Duration>,
}

/// A received control frame: ping, pong or a custom control opcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlFrame {
    /// The opcode.
    pub opcode: OpCode,
    /// The payload, at most 125 bytes.
    pub payload: Bytes,
    /// The frame's reserved bits.
    pub rsv: Rsv,
    /// The time the caller gave with the bytes, if any.
    pub time: Option<Duration>,
}

/// The peer's close frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code; [`CloseCode::NO_STATUS_RECEIVED`] (1005) when the
    /// frame carried none.
    pub code: CloseCode,
    /// The reason, checked to be UTF-8; empty when none was given.
    pub reason: String,
    /// The frame's reserved bits.
    pub rsv: Rsv,
    /// The time the caller gave with the bytes, if any.
    pub time: Option<Duration>,
}

/// An event from [`Connection::next_event_ref`](crate::Connection::next_event_ref):
/// a short message lent straight out of the connection's input buffer, or
/// any other event as [`Connection::next_event`](crate::Connection::next_event)
/// gives it.
#[derive(Debug, PartialEq, Eq)]
pub enum EventRef<'a> {
    /// A whole data message whose payload borrows the input buffer.
    Message(MessageRef<'a>),
    /// Every other event, owned.
    Event(Event),
}

/// A received data message lent out of the connection's input buffer until
/// the connection is next called: no copy, no allocation and no reference
/// counting for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRef<'a> {
    /// The opcode: text or binary.
    pub opcode: OpCode,
    /// The payload; for text it has been checked to be UTF-8.
    pub payload: &'a [u8],
    /// The reserved bits (none, on this path).
    pub rsv: Rsv,
    /// The time the caller gave with the bytes that completed it, if any.
    pub time: Option<Duration>,
}

impl<'a> MessageRef<'a> {
    /// True for a text message.
    pub fn is_text(&self) -> bool {
        self.opcode == OpCode::TEXT
    }

    /// The payload as text, for a text message (already validated, so this
    /// only fails for other opcodes).
    pub fn as_text(&self) -> Option<&'a str> {
        if self.is_text() { core::str::from_utf8(self.payload).ok() } else { None }
    }

    /// The message, owned: its payload copied into a [`Bytes`].
    pub fn to_owned(&self) -> Message {
        Message {
            opcode: self.opcode,
            payload: Bytes::copy_from_slice(self.payload),
            rsv: self.rsv,
            time: self.time,
        }
    }
}
