//! permessage-deflate between our own client and server: negotiated by
//! default, compressing on the wire, and off when either end says so.
#![cfg(feature = "deflate")]

mod common;

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use noio_ws_tokio::{ClientBuilder, Frame, ServerBuilder, WebSocket};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream that counts the bytes written through it.
struct Counting<S> {
    inner: S,
    written: Arc<AtomicUsize>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counting<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counting<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            self.written.fetch_add(n, Ordering::Relaxed);
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A client and an echo server; returns the client, whether the server
/// agreed to deflate, and the counter of the bytes the client writes.
async fn echo_pair(
    client: ClientBuilder,
    server: ServerBuilder,
) -> (WebSocket<Counting<tokio::io::DuplexStream>>, bool, Arc<AtomicUsize>) {
    let (client_io, server_io) = tokio::io::duplex(64 << 10);
    let written = Arc::new(AtomicUsize::new(0));
    let client_io = Counting { inner: client_io, written: Arc::clone(&written) };
    tokio::spawn(async move {
        let mut ws = server.accept(server_io).await.unwrap();
        while let Some(message) = ws.recv().await {
            let message = message.unwrap();
            ws.send(Frame::new(message.opcode, message.payload)).await.unwrap();
        }
    });
    let (ws, response) = client.client_async("ws://localhost/", client_io).await.unwrap();
    let deflate = response
        .headers()
        .get("sec-websocket-extensions")
        .is_some_and(|value| value.to_str().unwrap().starts_with("permessage-deflate"));
    (ws, deflate, written)
}

/// 1 MiB of text that compresses well.
fn text() -> String {
    (0..1 << 20).map(|i| ["alpha ", "beta ", "gamma ", "delta\n"][i % 4]).collect::<String>()[..1 << 20]
        .to_owned()
}

#[tokio::test]
async fn deflate_is_negotiated_by_default_and_compresses() {
    let (mut ws, deflate, written) = echo_pair(ClientBuilder::new(), ServerBuilder::new()).await;
    assert!(deflate, "both ends offer and accept permessage-deflate by default");
    let before = written.load(Ordering::Relaxed);
    let text = text();
    for _ in 0..3 {
        ws.send_text(&text).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some(text.as_str()));
    }
    let on_wire = written.load(Ordering::Relaxed) - before;
    assert!(on_wire < 3 * text.len() / 20, "{on_wire} bytes on the wire for 3 MiB of text");
    // Small messages, binary and fragmented ones pass through too.
    ws.send_binary(b"tiny").await.unwrap();
    assert_eq!(&ws.recv().await.unwrap().unwrap().payload[..], b"tiny");
    ws.feed(Frame::text("frag").with_fin(false)).await.unwrap();
    ws.send(Frame::continuation("mented", true)).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("fragmented"));
    ws.close(noio_ws_tokio::CloseCode::NORMAL, "").await.unwrap();
}

#[tokio::test]
async fn either_end_turns_deflate_off() {
    for (client, server) in [
        (ClientBuilder::new().deflate(false), ServerBuilder::new()),
        (ClientBuilder::new(), ServerBuilder::new().deflate(false)),
    ] {
        let (mut ws, deflate, written) = echo_pair(client, server).await;
        assert!(!deflate);
        let before = written.load(Ordering::Relaxed);
        let text = text();
        ws.send_text(&text).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some(text.as_str()));
        assert!(written.load(Ordering::Relaxed) - before > text.len(), "sent as it is");
        ws.close(noio_ws_tokio::CloseCode::NORMAL, "").await.unwrap();
    }
}
