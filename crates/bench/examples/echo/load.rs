//! Our load generator, the same for every server: our sans-io core as the
//! client (masking every frame, as a client must), a task per connection on
//! one tokio current-thread runtime, so the whole generator is one thread on
//! the core it is pinned to.
//!
//! Each connection keeps up to its window of messages in flight: 1 in
//! ping-pong, [`WINDOW`] pipelined. New messages are queued only once the
//! previous ones are all written, at most [`BATCH_BYTES`] at a time, so the
//! generator holds little memory even with 64 connections of 64 KiB. A
//! message's latency runs from the moment it is queued to the moment its
//! echo is read (with a window, that includes waiting behind the messages
//! ahead of it). Messages echoed during the warmup are checked and not
//! counted; the run then counts and times those echoed in the measured
//! seconds, and stops.
//!
//! Every echo is checked: its length, the connection's sequence number
//! stamped at both ends (so a lost, repeated or reordered message is
//! caught) and every byte between (a `memcmp` against the pattern) for
//! echoes up to 4 KiB and one larger echo in 8, so that checking never
//! costs the generator more than the server's work. A server that echoes
//! wrongly fails the run rather than scoring.

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use noio_ws_codec::Role;
use noio_ws_codec::bytes::{Buf, BytesMut};
use noio_ws_connection::{Config, Connection, Event, EventRef};
use noio_ws_handshake::{ClientOutcome, ClientRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

use crate::Flags;
use crate::histogram::Histogram;

/// Messages in flight per connection when pipelined: enough that a server
/// which reads in large pieces sees many messages per read, few enough
/// that latency still means something.
pub(crate) const WINDOW: usize = 16;

/// The most bytes of new messages queued on a connection at once.
const BATCH_BYTES: usize = 256 << 10;

/// The smallest message: it carries the sequence number at both ends.
const MIN_SIZE: usize = 16;

/// XORed into the trailing copy of the sequence number, so that a
/// message's two ends differ.
const TAIL: u64 = 0xa5a5_5a5a_c3c3_3c3c;

/// Echoes up to this size are compared byte for byte, every one.
const FULL_CHECK_UP_TO: usize = 4 << 10;

/// Of larger echoes, every one's length and ends are checked, and one in
/// this many byte for byte.
const FULL_CHECK_EVERY: u64 = 8;

/// How long past the planned end the generator waits before giving up on a
/// server that stopped answering.
const GRACE: Duration = Duration::from_secs(15);

/// One run: connects every connection, loads them for the warmup and the
/// measured seconds, and prints the counts.
pub(crate) fn run(flags: &Flags) -> Result<(), String> {
    if flags.port == 0 {
        return Err("--port is needed".into());
    }
    if flags.size < MIN_SIZE {
        return Err(format!("--size {}: at least {MIN_SIZE} bytes", flags.size));
    }
    let window = if flags.pipelined { WINDOW } else { 1 };
    // A server that stops answering leaves a connection waiting for ever:
    // the whole generator ends instead, with an error.
    let limit = flags.warmup + flags.seconds + GRACE;
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("echo load: no end after {limit:?}; the server stopped answering");
        std::process::exit(1);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let template = pattern(flags.size);
    let (messages, latencies, cpu, server_cpu) = runtime.block_on(async {
        let mut connections = Vec::with_capacity(flags.connections);
        for _ in 0..flags.connections {
            connections.push(connect(flags.port).await.map_err(|e| format!("connecting: {e}"))?);
        }
        let started = Instant::now();
        let cpu_before = cpu_ns();
        let warm = started + flags.warmup;
        let plan = Plan { warm, end: warm + flags.seconds, window };
        let server = flags.server_pid.map(|pid| watch_server(pid, plan.warm, plan.end));
        let tasks: Vec<_> = connections
            .into_iter()
            .map(|(stream, conn)| {
                let template = template.clone();
                tokio::spawn(tokio::task::unconstrained(drive(stream, conn, plan, template)))
            })
            .collect();
        let mut messages = 0;
        let mut latencies = Histogram::new();
        for task in tasks {
            let tally = task.await.map_err(|e| format!("a connection's task: {e}"))??;
            messages += tally.messages;
            latencies.merge(&tally.latencies);
        }
        let busy = match (cpu_before, cpu_ns()) {
            (Some(before), Some(after)) => (after - before) as f64 / started.elapsed().as_nanos() as f64,
            _ => f64::NAN,
        };
        // Every task is done, so the measured window has ended: the
        // watcher is about to, or did.
        let server_cpu = match server.map(std::thread::JoinHandle::join) {
            Some(Ok(Some(ns))) => ns as f64 / flags.seconds.as_nanos() as f64,
            _ => f64::NAN,
        };
        Ok::<_, String>((messages, latencies, busy, server_cpu))
    })?;
    println!(
        "messages={messages} seconds={} p50_us={:.2} p99_us={:.2} cpu={cpu:.3} server_cpu={server_cpu:.3}",
        flags.seconds.as_secs_f64(),
        latencies.quantile_us(0.5),
        latencies.quantile_us(0.99)
    );
    Ok(())
}

/// When a connection's run ends, and how many messages it keeps in flight.
#[derive(Clone, Copy)]
struct Plan {
    /// Echoes read from here on are counted.
    warm: Instant,
    /// The run stops here.
    end: Instant,
    /// Messages in flight at most.
    window: usize,
}

/// What one connection measured.
struct Tally {
    messages: u64,
    latencies: Histogram,
}

/// Connects to the server on 127.0.0.1 and completes the handshake.
pub(crate) async fn connect(port: u16) -> io::Result<(TcpStream, Connection)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let url = format!("ws://127.0.0.1:{port}/");
    let mut handshake = ClientRequest::new(&url).and_then(|r| r.start()).map_err(io::Error::other)?;
    stream.write_all(handshake.request_bytes()).await?;
    let mut buf = [0; 2048];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(io::Error::other("the server closed the connection during the handshake"));
        }
        match handshake.recv(&buf[..n]).map_err(io::Error::other)? {
            None => continue,
            Some(ClientOutcome::Accepted { accepted, .. }) => {
                let mut conn = Connection::new(Role::Client, Config::default());
                conn.recv(&accepted.rest);
                return Ok((stream, conn));
            }
            Some(other) => return Err(io::Error::other(format!("the server refused: {other:?}"))),
        }
    }
}

/// The receiving side of a connection's state, apart from the connection
/// so that a message lent by it can be checked against it.
struct Expected<'a> {
    /// The pattern every payload is, but for the sequence numbers.
    template: &'a [u8],
    /// The sequence number of the next echo.
    next: u64,
    /// When each message in flight was queued, oldest first.
    sent_at: VecDeque<Instant>,
}

impl Expected<'_> {
    /// Checks the next echo and returns when its message was sent.
    fn take(&mut self, payload: &[u8]) -> Result<Instant, String> {
        let seq = self.next;
        let len = self.template.len();
        if payload.len() != len {
            return Err(format!("echo {seq} has {} bytes, not {len}", payload.len()));
        }
        let (head, rest) = payload.split_at(8);
        let (middle, tail) = rest.split_at(len - 16);
        if head != seq.to_le_bytes() || tail != (seq ^ TAIL).to_le_bytes() {
            return Err(format!("echo {seq} carries another message's sequence number"));
        }
        // Comparing every byte of every large echo would cost the generator
        // as much as a server's whole work on it: one in FULL_CHECK_EVERY.
        let full = len <= FULL_CHECK_UP_TO || seq.is_multiple_of(FULL_CHECK_EVERY);
        if full && middle != &self.template[8..len - 8] {
            return Err(format!("echo {seq} differs from the message sent"));
        }
        self.next += 1;
        self.sent_at.pop_front().ok_or_else(|| format!("echo {seq} of a message never sent"))
    }
}

/// Loads one connection until the plan's end: queue messages up to the
/// window, write them as the socket takes them, read and check the echoes.
async fn drive(
    stream: TcpStream,
    mut conn: Connection,
    plan: Plan,
    template: Vec<u8>,
) -> Result<Tally, String> {
    let mut tally = Tally { messages: 0, latencies: Histogram::new() };
    let mut expected =
        Expected { template: &template, next: 0, sent_at: VecDeque::with_capacity(plan.window) };
    let mut message = template.clone();
    let mut seq = 0u64;
    let batch = (BATCH_BYTES / template.len()).clamp(1, plan.window);
    let mut out = BytesMut::with_capacity(BATCH_BYTES.min(batch * (template.len() + 14)));
    let failed = |e: io::Error| format!("the connection failed: {e}");
    loop {
        let now = Instant::now();
        if now >= plan.end {
            return Ok(tally);
        }
        if out.is_empty() && expected.sent_at.len() < plan.window {
            for _ in 0..(plan.window - expected.sent_at.len()).min(batch) {
                stamp(&mut message, seq);
                seq += 1;
                conn.send_binary(&message).map_err(|e| e.to_string())?;
                expected.sent_at.push_back(now);
            }
            conn.poll_output_into(&mut out);
        }
        let interest =
            if out.is_empty() { Interest::READABLE } else { Interest::READABLE | Interest::WRITABLE };
        let ready = stream.ready(interest).await.map_err(failed)?;
        if ready.is_writable() && !out.is_empty() {
            match stream.try_write(&out) {
                Ok(n) => {
                    out.advance(n);
                    if out.is_empty() {
                        // Its room back at the front, for the next batch.
                        out.clear();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(failed(e)),
            }
        }
        if !ready.is_readable() {
            continue;
        }
        match conn.recv_with(|buf| stream.try_read(buf)) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(failed(e)),
        }
        let now = Instant::now();
        let counted = now >= plan.warm && now < plan.end;
        loop {
            let sent = match conn.next_event_ref() {
                Ok(EventRef::Message(m)) => expected.take(m.payload)?,
                Ok(EventRef::Event(Event::Message(m))) => expected.take(&m.payload)?,
                Ok(EventRef::Event(Event::NeedData)) => break,
                Ok(other) => return Err(format!("unexpected {other:?}")),
                Err(e) => return Err(format!("the server broke the protocol: {e}")),
            };
            if counted {
                tally.messages += 1;
                tally.latencies.record(now - sent);
            }
        }
    }
}

/// A payload of `len` bytes that differ from their neighbours.
pub(crate) fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(7) ^ (i >> 8)) as u8).collect()
}

/// Writes sequence number `seq` at both ends of `message`.
fn stamp(message: &mut [u8], seq: u64) {
    let len = message.len();
    message[..8].copy_from_slice(&seq.to_le_bytes());
    message[len - 8..].copy_from_slice(&(seq ^ TAIL).to_le_bytes());
}

/// The CPU time process `pid` spends in the measured window (`warm` to
/// `end`), in nanoseconds, read on a thread of its own: the generator's
/// runtime has no timers, and its tasks must not wait on this.
fn watch_server(pid: u32, warm: Instant, end: Instant) -> std::thread::JoinHandle<Option<u64>> {
    std::thread::spawn(move || {
        std::thread::sleep(warm.saturating_duration_since(Instant::now()));
        let before = process_cpu_ns(pid)?;
        std::thread::sleep(end.saturating_duration_since(Instant::now()));
        Some(process_cpu_ns(pid)?.saturating_sub(before))
    })
}

/// The time process `pid` has run on a CPU, in nanoseconds, threads that
/// ended included: user plus system time from `/proc/PID/stat` (Linux
/// only). Summing `/proc/PID/task/*/schedstat` instead misses a thread that
/// ended, and fails on one that ends between listing and reading it, as the
/// std server's thread for a connection does when the generator leaves.
fn process_cpu_ns(pid: u32) -> Option<u64> {
    cpu_ns_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Nanoseconds in one clock tick of `/proc`'s times: `USER_HZ` is 100 on
/// every Linux ABI, whatever the kernel's own tick rate.
const NS_PER_TICK: u64 = 10_000_000;

/// `utime + stime` of a `/proc/PID/stat` line, in nanoseconds. The command
/// name (the second field) is in parentheses and may hold spaces and
/// parentheses itself: the fields are counted after its last `)`.
fn cpu_ns_of_stat(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name come state (field 3) ... utime (14) and stime (15).
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    utime.checked_add(stime)?.checked_mul(NS_PER_TICK)
}

/// The time this thread has run on a CPU, in nanoseconds, from
/// `/proc/thread-self/schedstat` (Linux only); the tasks all run on it.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the std server's CPU per message showed as NaN or 0.00
    /// when a connection's thread ended during a run (the sum over
    /// `/proc/PID/task` failed on it, or lost its time).
    #[test]
    fn server_cpu_counts_from_the_process_stat_line() {
        // A name with a space and a parenthesis; utime 250 and stime 50 ticks.
        let line = "4242 (echo (x) y) S 1 4242 4242 0 -1 4194560 300 0 0 0 250 50 0 0 20 0 3 0 100 1000 200";
        assert_eq!(cpu_ns_of_stat(line), Some(300 * NS_PER_TICK));
        assert_eq!(cpu_ns_of_stat("4242 (echo) S 1 2"), None, "cut short");
        assert_eq!(cpu_ns_of_stat("no name here"), None);
    }

    #[test]
    fn this_process_cpu_time_is_read_and_grows() {
        let pid = std::process::id();
        let before = process_cpu_ns(pid).expect("Linux /proc");
        // Spins until the count moves on by a tick, however loaded the
        // machine: bounded, so a count that never moves fails.
        let start = Instant::now();
        let mut x = 0u64;
        while process_cpu_ns(pid).expect("Linux /proc") == before {
            assert!(start.elapsed() < Duration::from_secs(20), "CPU time never grew");
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
    }

    #[test]
    fn echoes_are_checked_end_to_end() {
        let template = pattern(40);
        let mut expected = Expected { template: &template, next: 0, sent_at: VecDeque::new() };
        let mut message = template.clone();
        for seq in 0..3 {
            stamp(&mut message, seq);
            expected.sent_at.push_back(Instant::now());
            expected.take(&message).unwrap();
        }
        // A repeat, a wrong byte, a short echo, one never sent.
        expected.sent_at.push_back(Instant::now());
        assert!(expected.take(&message).is_err());
        stamp(&mut message, 3);
        message[20] ^= 1;
        assert!(expected.take(&message).is_err());
        message[20] ^= 1;
        assert!(expected.take(&message[..39]).is_err());
        expected.take(&message).unwrap();
        stamp(&mut message, 4);
        assert!(expected.take(&message).is_err());
    }
}
