//! [`ClientStream`]: the transport [`connect`](crate::connect) opens,
//! plain TCP for `ws://` or TLS over TCP for `wss://` (feature `rustls`),
//! directly or through an HTTP proxy's tunnel: one type whatever the URL.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The transport of a connection opened by [`connect`](crate::connect).
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientStream {
    /// `ws://`: plain TCP (to the server, or to the proxy tunnelling to it).
    Plain(TcpStream),
    /// `wss://`: TLS over TCP (boxed: rustls's connection state is large).
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// An HTTP/2 stream opened by an extended CONNECT (RFC 8441), over TCP
    /// or TLS; the HTTP/2 connection runs on a task of its own.
    #[cfg(feature = "http2")]
    Http2(Box<crate::Http2Stream>),
}

impl ClientStream {
    /// The TCP connection underneath (to the proxy, through one); `None`
    /// over HTTP/2, whose connection's task holds it.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            ClientStream::Plain(tcp) => Some(tcp),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Some(tls.get_ref().0),
            #[cfg(feature = "http2")]
            ClientStream::Http2(_) => None,
        }
    }

    /// The TLS connection, for `wss://`: the server's certificates, the
    /// protocol version, the ALPN protocol agreed on.
    #[cfg(feature = "rustls")]
    pub fn tls(&self) -> Option<&rustls::ClientConnection> {
        match self {
            ClientStream::Tls(tls) => Some(tls.get_ref().1),
            _ => None,
        }
    }
}

impl AsyncRead for ClientStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => Pin::new(h2.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => Pin::new(h2.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => Pin::new(h2.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => Pin::new(h2.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => Pin::new(h2.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ClientStream::Plain(tcp) => tcp.is_write_vectored(),
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => tls.is_write_vectored(),
            #[cfg(feature = "http2")]
            ClientStream::Http2(h2) => h2.is_write_vectored(),
        }
    }
}
