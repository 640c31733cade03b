//! The client's opening handshake over HTTP/2 (RFC 8441, feature `http2`):
//! an HTTP/2 connection on a transport already open (TCP for `ws://`, with
//! prior knowledge; TLS for `wss://` where ALPN chose `h2`), a wait for the
//! server's SETTINGS, and the extended CONNECT that
//! [`ClientRequest::extended_connect`] builds, on one stream.
//!
//! A client may send an extended CONNECT only once the server has
//! advertised `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 section 3); ALPN
//! `h2` says nothing about it. The server's SETTINGS is the first frame it
//! sends (RFC 9113 section 3.4), so once a PING sent after our preface has
//! come back, the server's settings are known. Where the setting is off
//! (or, over `ws://`, where the server does not speak HTTP/2 at all) the
//! caller opens a new connection and upgrades over HTTP/1.1.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use h2::client::SendRequest;
use noio_ws::bytes::{Buf, Bytes, BytesMut};
use noio_ws::handshake::http::{Request, Response, Version};
use noio_ws::{ConnectProtocol, from_handshake};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::{ClientBuilder, ClientStream, Error, Http2Stream, WebSocket};

/// The receive window of the stream and of the connection: a peer may have
/// this much in flight before it waits for us to read (h2's default is
/// 64 KiB, RFC 9113's initial window, which caps a stream at 64 KiB per
/// round trip).
const WINDOW: u32 = 1 << 20;

/// What trying HTTP/2 came to.
pub(crate) enum Outcome {
    /// The WebSocket, open over an HTTP/2 stream, and the server's response.
    Open(Box<(WebSocket<ClientStream>, Response<()>)>),
    /// The server does not take an extended CONNECT on this connection:
    /// upgrade over HTTP/1.1 on a new one. Nothing was sent but the
    /// connection preface and a PING.
    UseHttp1,
}

/// Opens an HTTP/2 connection over `io` (after `early`, bytes already
/// read from it) and, if the server allows extended CONNECT, the WebSocket
/// of `request` with `builder`'s settings. `prior_knowledge` (`ws://`):
/// the server was not asked whether it speaks HTTP/2, so a connection that
/// fails before the PING comes back means it does not.
pub(crate) async fn connect<S>(
    builder: &ClientBuilder,
    request: Request<()>,
    io: S,
    early: Bytes,
    prior_knowledge: bool,
) -> Result<Outcome, Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send_request, mut connection) = h2::client::Builder::new()
        .initial_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        .enable_push(false)
        .handshake::<_, Bytes>(EarlyThen { early, io })
        .await
        .map_err(Error::Http2)?;
    let mut ping_pong = connection.ping_pong().expect("the first call gives the PingPong");
    // The connection runs on its own task for as long as a stream (ours)
    // or a `SendRequest` is alive; its end is seen through the stream.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    match ping_pong.ping(h2::Ping::opaque()).await {
        Ok(_) => {}
        Err(_) if prior_knowledge => return Ok(Outcome::UseHttp1),
        Err(error) => return Err(Error::Http2(error)),
    }
    let mut send_request = send_request.ready().await.map_err(Error::Http2)?;
    if !send_request.is_extended_connect_protocol_enabled() {
        return Ok(Outcome::UseHttp1);
    }
    extended_connect(builder, request, &mut send_request).await.map(|open| Outcome::Open(Box::new(open)))
}

/// Sends the extended CONNECT and checks the answer.
async fn extended_connect(
    builder: &ClientBuilder,
    request: Request<()>,
    send_request: &mut SendRequest<Bytes>,
) -> Result<(WebSocket<ClientStream>, Response<()>), Error> {
    let (request, pending) = builder.client_request(request)?.extended_connect(Version::HTTP_2)?;
    let (mut parts, ()) = request.into_parts();
    let protocol = parts.extensions.remove::<ConnectProtocol>().unwrap_or(ConnectProtocol::WEBSOCKET);
    parts.extensions.insert(h2::ext::Protocol::from(protocol.as_str()));
    let (response, send) =
        send_request.send_request(Request::from_parts(parts, ()), false).map_err(Error::Http2)?;
    let (head, mut recv) = response.await.map_err(Error::Http2)?.into_parts();
    let head = Response::from_parts(head, ());
    let accepted = match pending.check_response(&head) {
        Ok(accepted) => accepted,
        Err(noio_ws::HandshakeError::ConnectRefused(status)) => {
            let body = read_body(&mut recv, builder.options.limits.max_body_bytes).await;
            return Err(Error::HandshakeRefused { status, body });
        }
        Err(error) => return Err(error.into()),
    };
    let protocol = accepted.protocol.clone();
    let connection = from_handshake(accepted, builder.options.config);
    let stream = ClientStream::Http2(Box::new(Http2Stream::new(send, recv)));
    Ok((WebSocket::from_handshake(connection, stream, builder.options.linger, protocol), head))
}

/// The body of a refusal, up to `limit` bytes (what arrived of it, if the
/// stream fails on the way).
async fn read_body(recv: &mut h2::RecvStream, limit: usize) -> Bytes {
    let mut body = BytesMut::new();
    while body.len() < limit {
        match recv.data().await {
            Some(Ok(data)) => {
                let _ = recv.flow_control().release_capacity(data.len());
                body.extend_from_slice(&data[..data.len().min(limit - body.len())]);
            }
            _ => break,
        }
    }
    body.freeze()
}

/// A transport whose first bytes were already read (the bytes after a
/// proxy's answer to `CONNECT`, which may hold the server's SETTINGS):
/// reads give them first.
struct EarlyThen<S> {
    early: Bytes,
    io: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for EarlyThen<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.early.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = this.early.len().min(buf.remaining());
        buf.put_slice(&this.early[..n]);
        this.early.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for EarlyThen<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
