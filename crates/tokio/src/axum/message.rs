//! The messages of the axum socket, shaped as axum's own (`Message`,
//! `Utf8Bytes`, `CloseFrame`, `CloseCode`, `close_code`), and their
//! translation to and from the connection's events and frames.

use std::fmt;
use std::ops::Deref;
use std::str::Utf8Error;

use noio_ws::bytes::Bytes;
use noio_ws::{CloseCode as WireCloseCode, Event, Frame, OpCode, UsageError};

/// Text as shared bytes, always UTF-8, as axum's `Utf8Bytes` is.
///
/// Received text is shared with the connection's buffer, not copied. This
/// crate has no `unsafe` code, so [`as_str`](Utf8Bytes::as_str) (and every
/// `str` method through `Deref`) checks the bytes again on each call, with
/// simdutf8 (under one instruction a byte); hold on to the `&str` when one
/// large text is read many times.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Text from a static `str`, with no copy.
    #[must_use]
    pub const fn from_static(text: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(text.as_bytes()))
    }

    /// Bytes the connection has already checked to be UTF-8 (a text
    /// message's payload).
    pub(crate) fn from_checked(bytes: Bytes) -> Self {
        Utf8Bytes(bytes)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Every constructor checked the bytes, so this never falls back.
        simdutf8::basic::from_utf8(&self.0).unwrap_or_default()
    }

    /// The text's bytes, shared.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = Utf8Error;

    fn try_from(bytes: Bytes) -> Result<Self, Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Utf8Bytes(bytes))
    }
}

impl TryFrom<Vec<u8>> for Utf8Bytes {
    type Error = Utf8Error;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Utf8Error> {
        Utf8Bytes::try_from(Bytes::from(bytes))
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Utf8Bytes(Bytes::from(text))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<&String> for Utf8Bytes {
    fn from(text: &String) -> Self {
        Utf8Bytes::from(text.as_str())
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(text: Utf8Bytes) -> Self {
        text.0
    }
}

/// Compares as `str` compares: `text == "hello"`, `text == some_string`.
impl<T> PartialEq<T> for Utf8Bytes
where
    for<'a> &'a str: PartialEq<T>,
{
    fn eq(&self, other: &T) -> bool {
        self.as_str() == *other
    }
}

/// A close status code, as axum names it: a plain `u16` (see
/// [`close_code`] for the named ones).
pub type CloseCode = u16;

/// The close status codes by axum's names.
pub mod close_code {
    /// 1000: the purpose of the connection was fulfilled.
    pub const NORMAL: u16 = 1000;
    /// 1001: the endpoint is going away.
    pub const AWAY: u16 = 1001;
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL: u16 = 1002;
    /// 1003: a type of data the endpoint cannot accept.
    pub const UNSUPPORTED: u16 = 1003;
    /// 1005: no status code was present (never sent).
    pub const STATUS: u16 = 1005;
    /// 1006: the connection closed without a close frame (never sent).
    pub const ABNORMAL: u16 = 1006;
    /// 1007: a message's data did not match its type.
    pub const INVALID: u16 = 1007;
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY: u16 = 1008;
    /// 1009: a message was too big.
    pub const SIZE: u16 = 1009;
    /// 1010: the client expected an extension the server did not agree to.
    pub const EXTENSION: u16 = 1010;
    /// 1011: the server met an unexpected condition.
    pub const ERROR: u16 = 1011;
    /// 1012: the service is restarting.
    pub const RESTART: u16 = 1012;
    /// 1013: the service is overloaded; try again later.
    pub const AGAIN: u16 = 1013;
}

/// A close frame's status code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// The reason (at most 123 bytes when sent).
    pub reason: Utf8Bytes,
}

/// A WebSocket message as axum's socket gives and takes it.
///
/// Received pings are answered by the connection before they are handed
/// out, and a received close is replied to, so an application needs to do
/// nothing with `Ping` and `Close` but may look at them. Sending `Close`
/// starts the closing handshake: keep receiving until `None` to see the
/// peer's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping, with at most 125 bytes of payload.
    Ping(Bytes),
    /// A pong, with at most 125 bytes of payload.
    Pong(Bytes),
    /// A close frame: its code and reason, or none (no status code).
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Message::Binary(data.into())
    }

    /// The payload: the text's bytes, the data, or a close's reason.
    pub fn into_data(self) -> Bytes {
        match self {
            Message::Text(text) => text.into(),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => data,
            Message::Close(None) => Bytes::new(),
            Message::Close(Some(frame)) => frame.reason.into(),
        }
    }

    /// The payload as text: the text, the data if it is UTF-8, or a close's
    /// reason.
    pub fn into_text(self) -> Result<Utf8Bytes, Utf8Error> {
        match self {
            Message::Text(text) => Ok(text),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => Utf8Bytes::try_from(data),
            Message::Close(None) => Ok(Utf8Bytes::default()),
            Message::Close(Some(frame)) => Ok(frame.reason),
        }
    }

    /// The payload as a `str`, as [`into_text`](Message::into_text) gives it.
    pub fn to_text(&self) -> Result<&str, Utf8Error> {
        match self {
            Message::Text(text) => Ok(text.as_str()),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => std::str::from_utf8(data),
            Message::Close(None) => Ok(""),
            Message::Close(Some(frame)) => Ok(frame.reason.as_str()),
        }
    }

    /// The message an event of a whole-message connection is, if it is one
    /// (custom control frames, which nothing registers here, are not).
    pub(crate) fn from_event(event: Event) -> Option<Self> {
        match event {
            Event::Message(message) if message.opcode == OpCode::TEXT => {
                Some(Message::Text(Utf8Bytes::from_checked(message.payload)))
            }
            Event::Message(message) => Some(Message::Binary(message.payload)),
            Event::Ping(ping) => Some(Message::Ping(ping.payload)),
            Event::Pong(pong) => Some(Message::Pong(pong.payload)),
            Event::Close(close) if close.code == WireCloseCode::NO_STATUS_RECEIVED => {
                Some(Message::Close(None))
            }
            Event::Close(close) => Some(Message::Close(Some(CloseFrame {
                code: close.code.0,
                reason: Utf8Bytes::from(close.reason),
            }))),
            _ => None,
        }
    }

    /// The frame that sends this message; a close code that may not be
    /// sent or a reason over 123 bytes is a usage error.
    pub(crate) fn into_frame(self) -> Result<Frame, UsageError> {
        Ok(match self {
            // UTF-8 by its type: sent without a second check.
            Message::Text(text) => Frame::text_unchecked(text.0),
            Message::Binary(data) => Frame::binary(data),
            Message::Ping(data) => Frame::ping(data),
            Message::Pong(data) => Frame::pong(data),
            Message::Close(Some(close)) => Frame::close(WireCloseCode(close.code), close.reason.as_str())?,
            Message::Close(None) => Frame::close_empty(),
        })
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text.into())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.into())
    }
}

impl From<&[u8]> for Message {
    fn from(data: &[u8]) -> Self {
        Message::Binary(Bytes::copy_from_slice(data))
    }
}

impl From<Bytes> for Message {
    fn from(data: Bytes) -> Self {
        Message::Binary(data)
    }
}

impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Self {
        Message::Binary(data.into())
    }
}

impl From<Message> for Vec<u8> {
    fn from(message: Message) -> Self {
        message.into_data().into()
    }
}

#[cfg(test)]
mod tests {
    use noio_ws::{CloseFrame as WireCloseFrame, ControlFrame, Rsv};

    use super::*;

    fn close_event(code: WireCloseCode, reason: &str) -> Event {
        Event::Close(WireCloseFrame { code, reason: reason.to_owned(), rsv: Rsv::NONE, time: None })
    }

    #[test]
    fn utf8_bytes_compare_and_convert_as_str_does() {
        let text = Utf8Bytes::from_static("héllo");
        assert_eq!(text, "héllo");
        assert_eq!(text, "héllo".to_owned());
        assert_eq!(text.len(), 6);
        assert_eq!(text.to_string(), "héllo");
        assert_eq!(format!("{text:?}"), "\"héllo\"");
        assert_eq!(Utf8Bytes::from("héllo"), text);
        assert_eq!(Utf8Bytes::try_from(Bytes::from_static("héllo".as_bytes())), Ok(text.clone()));
        assert!(Utf8Bytes::try_from(vec![0xc3]).is_err());
        assert_eq!(Bytes::from(text), Bytes::from_static("héllo".as_bytes()));
    }

    #[test]
    fn payloads_come_out_as_axum_gives_them() {
        assert_eq!(Message::text("hi").into_data(), Bytes::from_static(b"hi"));
        assert!(Message::binary(vec![0xff]).to_text().is_err());
        assert_eq!(Message::Ping(Bytes::from_static(b"p")).into_text().unwrap(), "p");
        assert_eq!(Message::Close(None).to_text(), Ok(""));
        let close = Message::Close(Some(CloseFrame { code: close_code::AWAY, reason: "bye".into() }));
        assert_eq!(close.to_text(), Ok("bye"));
        assert_eq!(Vec::<u8>::from(close), b"bye");
        assert_eq!(Message::from("a"), Message::Text("a".into()));
        assert_eq!(Message::from(&b"a"[..]), Message::Binary(Bytes::from_static(b"a")));
    }

    #[test]
    fn events_become_messages() {
        let text = noio_ws::Message {
            opcode: OpCode::TEXT,
            payload: Bytes::from_static(b"hi"),
            rsv: Rsv::NONE,
            time: None,
        };
        assert_eq!(Message::from_event(Event::Message(text)), Some(Message::text("hi")));
        let ping = ControlFrame {
            opcode: OpCode::PING,
            payload: Bytes::from_static(b"p"),
            rsv: Rsv::NONE,
            time: None,
        };
        assert_eq!(Message::from_event(Event::Ping(ping)), Some(Message::Ping(Bytes::from_static(b"p"))));
        assert_eq!(
            Message::from_event(close_event(WireCloseCode::GOING_AWAY, "later")),
            Some(Message::Close(Some(CloseFrame { code: 1001, reason: "later".into() })))
        );
        // An empty close payload is axum's `Close(None)`.
        assert_eq!(
            Message::from_event(close_event(WireCloseCode::NO_STATUS_RECEIVED, "")),
            Some(Message::Close(None))
        );
        assert_eq!(Message::from_event(Event::AbnormalClosure), None);
    }

    #[test]
    fn messages_become_frames() {
        let frame = Message::text("hi").into_frame().unwrap();
        assert_eq!((frame.opcode(), frame.payload().as_ref()), (OpCode::TEXT, &b"hi"[..]));
        let close = Message::Close(Some(CloseFrame { code: close_code::NORMAL, reason: "done".into() }));
        assert_eq!(close.into_frame().unwrap(), Frame::close(WireCloseCode::NORMAL, "done").unwrap());
        assert_eq!(Message::Close(None).into_frame().unwrap(), Frame::close_empty());
        // 1005 is reported locally, never sent.
        let forbidden = Message::Close(Some(CloseFrame { code: close_code::STATUS, reason: "".into() }));
        assert!(forbidden.into_frame().is_err());
    }
}
