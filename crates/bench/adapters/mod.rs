//! The code driving each library through a measurement, shared by the
//! criterion bench, the instruction counter and the tests (each includes this
//! directory with `#[path]`: the peers are dev-dependencies, which only
//! those targets may use).
//!
//! Every library reads from and writes to the same in-memory transport
//! ([`Memory`]: reads of at most [`READ_LEN`] bytes, copied out as a socket
//! read would, and writes appended to a `Vec`), through its fastest natural
//! API: the one its documentation points a server or client at, with no
//! options beyond the defaults except where a message size needs it. The
//! async libraries are polled by [`block_on`], which only polls: the
//! transport is never pending.

mod embedded;
mod fastws;
mod ours;
mod tokio_ws;
mod tung;

use std::future::Future;
use std::io::{self, IoSlice, Read, Write};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use noio_ws_bench::{Input, READ_LEN, Tally, Workload};

/// A library measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Library {
    /// noio-ws's `Connection`, given the bytes with `recv`.
    NoioWs,
    /// noio-ws's `Connection` reading the transport itself with
    /// `recv_with` (decoding only: encoding has one path).
    NoioWsRecvWith,
    /// tokio-websockets' `WebSocketStream` (async).
    TokioWebsockets,
    /// fastwebsockets' `WebSocket` (async), messages through its `FragmentCollector`.
    Fastwebsockets,
    /// embedded-websocket's `WebSocket`, sans-io on caller buffers.
    EmbeddedWebsocket,
    /// tungstenite's `WebSocket`, blocking IO.
    Tungstenite,
}

impl Library {
    /// Every library, noio-ws first; not every one does every workload
    /// (see [`does`](Library::does)).
    pub(crate) const ALL: [Library; 6] = [
        Library::NoioWs,
        Library::NoioWsRecvWith,
        Library::TokioWebsockets,
        Library::Fastwebsockets,
        Library::EmbeddedWebsocket,
        Library::Tungstenite,
    ];

    /// The name in reports and on command lines; ours starts with `noio-ws`,
    /// which is how `cargo xtask bench` tells ours from the peers.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Library::NoioWs => "noio-ws",
            Library::NoioWsRecvWith => "noio-ws recv_with",
            Library::TokioWebsockets => "tokio-websockets",
            Library::Fastwebsockets => "fastwebsockets",
            Library::EmbeddedWebsocket => "embedded-websocket",
            Library::Tungstenite => "tungstenite",
        }
    }

    /// True when the library is measured on `workload`.
    pub(crate) fn does(self, workload: Workload) -> bool {
        self != Library::NoioWsRecvWith || workload != Workload::EncodeBinary
    }

    /// Decodes every message of `input.wire` as a server, handing each
    /// payload (for text, the bytes of the validated `str`) to `on_message`.
    fn decode(self, input: &Input, on_message: &mut impl FnMut(&[u8])) {
        match self {
            Library::NoioWs => ours::decode(input, on_message),
            Library::NoioWsRecvWith => ours::decode_recv_with(input, on_message),
            Library::TokioWebsockets => tokio_ws::decode(input, on_message),
            Library::Fastwebsockets => fastws::decode(input, on_message),
            Library::EmbeddedWebsocket => embedded::decode(input, on_message),
            Library::Tungstenite => tung::decode(input, on_message),
        }
    }

    /// Encodes every payload of `input` as a client's masked binary message,
    /// written to a transport that appends to `out`.
    fn encode(self, input: &Input, out: &mut Vec<u8>) {
        match self {
            Library::NoioWs | Library::NoioWsRecvWith => ours::encode(input, out),
            Library::TokioWebsockets => tokio_ws::encode(input, out),
            Library::Fastwebsockets => fastws::encode(input, out),
            Library::EmbeddedWebsocket => embedded::encode(input, out),
            Library::Tungstenite => tung::encode(input, out),
        }
    }

    /// One measured run: a fresh connection handles all of `input` (`out`
    /// is the encoders' transport, cleared first and kept between runs so
    /// its growth is not measured). The tally counts what was handed out
    /// (decoding) or the messages and bytes written (encoding).
    #[inline(never)]
    pub(crate) fn run(self, input: &Input, out: &mut Vec<u8>) -> Tally {
        match input.workload {
            Workload::DecodeBinary | Workload::DecodeText => {
                let mut tally = Tally::default();
                self.decode(input, &mut |payload| tally.add(payload));
                tally
            }
            Workload::EncodeBinary => {
                out.clear();
                self.encode(input, out);
                Tally { messages: input.count(), bytes: out.len() }
            }
        }
    }

    /// Checks the library's output on `input` in full (every payload, in
    /// order; an encoder's output read back by a noio-ws server) and returns
    /// the tally every [`run`](Library::run) on it must come to.
    pub(crate) fn check(self, input: &Input) -> Result<Tally, String> {
        let name = self.name();
        match input.workload {
            Workload::DecodeBinary | Workload::DecodeText => {
                let mut index = 0;
                let mut first_error = None;
                self.decode(input, &mut |payload| {
                    if let Err(e) = input.check_message(name, index, payload) {
                        first_error.get_or_insert(e);
                    }
                    index += 1;
                });
                match first_error {
                    Some(e) => Err(e),
                    None if index != input.count() => {
                        Err(format!("{name}: {index} messages of {} handed out", input.count()))
                    }
                    None => Ok(input.expected_tally()),
                }
            }
            Workload::EncodeBinary => {
                let mut out = Vec::new();
                let tally = self.run(input, &mut out);
                input.check_encoded(name, &out)?;
                Ok(tally)
            }
        }
    }
}

/// The in-memory transport: reads copy out of `input`, at most
/// [`READ_LEN`] bytes at a time; writes (vectored too, as a socket takes
/// them) append to `output`. It implements both `std::io` and tokio's IO
/// traits and never blocks nor is pending.
pub(crate) struct Memory<'a> {
    input: &'a [u8],
    output: &'a mut Vec<u8>,
}

impl<'a> Memory<'a> {
    /// A transport that reads `input` and appends what is written to `output`.
    pub(crate) fn new(input: &'a [u8], output: &'a mut Vec<u8>) -> Self {
        Memory { input, output }
    }

    /// The next `n` bytes (or what is left) to read, lent rather than
    /// copied: for a library that takes bytes already in memory.
    pub(crate) fn lend(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.input.len());
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        head
    }

    fn read_into(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(READ_LEN).min(self.input.len());
        let (head, rest) = self.input.split_at(n);
        buf[..n].copy_from_slice(head);
        self.input = rest;
        n
    }

    fn write_all_of(&mut self, bufs: &[IoSlice<'_>]) -> usize {
        let n = bufs.iter().map(|b| b.len()).sum();
        self.output.reserve(n);
        for buf in bufs {
            self.output.extend_from_slice(buf);
        }
        n
    }
}

impl Read for Memory<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.read_into(buf))
    }
}

impl Write for Memory<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        Ok(self.write_all_of(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Memory<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let n = buf.remaining().min(READ_LEN).min(this.input.len());
        let (head, rest) = this.input.split_at(n);
        buf.put_slice(head);
        this.input = rest;
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Memory<'_> {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().output.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(self.get_mut().write_all_of(bufs)))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Runs `future` to completion by polling it with a waker that does
/// nothing: over [`Memory`] nothing is ever pending, so one poll finishes
/// it, and no runtime's cost is measured beside the library's.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a future over the in-memory transport was pending"),
    }
}
