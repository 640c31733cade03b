//! The echo examples as a new user runs them, over loopback: the client
//! against the echo server, bad handshakes that get a 4xx while the server
//! keeps serving good clients, and the bounds the server keeps on peers that
//! are slow, silent, too many or broken. The time limits are set small by
//! flag, so every test ends in a few seconds.
//!
//! Both echo servers, the blocking one of `noio-ws` (`echo_server_blocking`)
//! and the async one of `noio-ws-tokio` (`echo_server`), keep the same
//! promises, so one set of tests checks both: a crate's `tests/examples.rs`
//! names its examples in an [`Examples`] and expands
//! [`echo_example_tests!`](crate::echo_example_tests) with it.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A crate's echo server and client examples.
#[derive(Clone, Copy, Debug)]
pub struct Examples {
    /// The package the examples are in.
    pub package: &'static str,
    /// The echo server example, which also names its log lines.
    pub server: &'static str,
    /// The client example.
    pub client: &'static str,
    /// The package's features to build them with (none: the defaults).
    pub features: &'static [&'static str],
}

impl Examples {
    /// The examples' directory, built once (in this test's profile, with
    /// `features`) on first use. Once per process: a test binary checks one
    /// crate's `Examples`, as `echo_example_tests!` expands in one crate's
    /// `tests/examples.rs`.
    pub fn dir(&self) -> &'static PathBuf {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf();
            let mut build = Command::new(env!("CARGO"));
            build.args(["build", "-p", self.package, "--example", self.server, "--example", self.client]);
            if !self.features.is_empty() {
                build.args(["--features", &self.features.join(",")]);
            }
            if profile_dir.ends_with("release") {
                build.arg("--release");
            }
            let status = build.status().unwrap();
            assert!(status.success(), "building the examples failed");
            profile_dir.join("examples")
        })
    }
}

/// An echo_server on a free port, stopped when dropped; its standard error
/// is kept for the tests to read.
struct EchoServer {
    examples: Examples,
    child: Child,
    port: u16,
    log: StderrLog,
}

/// The opening handshake's request, without its closing blank line.
const GOOD: &str = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

impl EchoServer {
    /// Starts the server with `flags` (besides `--addr`).
    fn start(examples: &Examples, flags: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(examples.dir().join(examples.server))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The server prints its address once it listens; waiting for that
        // instead of probing the port leaves no probe holding a connection
        // slot when a test starts.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with("echo server on"), "{} did not start: {line:?}", examples.server);
        let log = StderrLog::collect(child.stderr.take().unwrap());
        EchoServer { examples: *examples, child, port, log }
    }

    /// The first line of the server's standard error containing every one of
    /// `parts`, waiting up to 10 s for it.
    fn log_line(&self, parts: &[&str]) -> String {
        self.log.line(parts, Duration::from_secs(10))
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream
    }

    /// A connection through the opening handshake, past the 101's head.
    fn upgraded(&self) -> TcpStream {
        let mut stream = self.connect();
        stream.write_all(format!("{GOOD}\r\n").as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0];
        // A byte at a time, so no frame byte after the head is taken.
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101 "), "{}", String::from_utf8_lossy(&head));
        stream
    }

    /// Runs the client example with `input` on its standard input.
    fn client(&self, input: &[u8]) -> Output {
        let mut child = Command::new(self.examples.dir().join(self.examples.client))
            .arg(format!("ws://127.0.0.1:{}/chat", self.port))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = output_within(child, Duration::from_secs(60));
        // A client refused at once may exit before it reads its input.
        let written = writer.join().unwrap();
        if output.status.success() {
            written.unwrap();
        }
        output
    }

    /// Sends `request` on a raw socket and returns the status line of the answer.
    fn raw(&self, request: &[u8]) -> String {
        let mut stream = self.connect();
        // The server may answer and close before a huge request is all written.
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        text.lines().next().unwrap_or_default().to_string() + "\n" + &text
    }
}

/// A child's standard error, collected line by line while it runs.
#[derive(Clone, Debug)]
pub struct StderrLog(Arc<Mutex<String>>);

impl StderrLog {
    /// Starts collecting `stderr` on a thread of its own.
    pub fn collect(stderr: ChildStderr) -> Self {
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        StderrLog(log)
    }

    /// The first line containing every one of `parts`, waiting up to
    /// `patience` for it; panics with the whole log if none comes.
    pub fn line(&self, parts: &[&str], patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let log = self.0.lock().unwrap().clone();
            if let Some(line) = log.lines().find(|line| parts.iter().all(|part| line.contains(part))) {
                return line.to_string();
            }
            assert!(Instant::now() < deadline, "no log line with {parts:?} in:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `child`'s output once it exits, collected while it runs (a full pipe
/// would stall it); killed, and a panic, after `patience`.
pub fn output_within(child: Child, patience: Duration) -> Output {
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match finished.recv_timeout(patience) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("{pid} did not finish within {patience:?}");
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client's frame: FIN, `opcode`, masked with a fixed key.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
    frame
}

/// The next frame from the server (unmasked, under 126 bytes) as its first
/// byte and payload; `None` if `until` comes first.
fn next_frame(stream: &mut TcpStream, until: Instant) -> Option<(u8, Vec<u8>)> {
    let left = until.checked_duration_since(Instant::now()).filter(|left| !left.is_zero())?;
    stream.set_read_timeout(Some(left)).unwrap();
    let mut head = [0; 2];
    match stream.read(&mut head[..1]) {
        Ok(0) => panic!("the server closed the connection"),
        Ok(_) => {}
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return None,
        Err(e) => panic!("{e}"),
    }
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.read_exact(&mut head[1..]).unwrap();
    assert!(head[1] < 126, "a masked or long frame: {head:?}");
    let mut payload = vec![0; usize::from(head[1])];
    stream.read_exact(&mut payload).unwrap();
    Some((head[0], payload))
}

/// Everything the server sends until it closes, and how long that took;
/// fails on a reset (which would have lost what came before it).
fn read_to_close(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).expect("a graceful close, not a reset or a hang");
    (got, started.elapsed())
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn the_client_echoes_lines_through_the_server_and_closes_cleanly(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let big = "x".repeat(1 << 20);
    let input = format!("hello\nwörld\n{big}\nlast line\n");
    let output = server.client(input.as_bytes());
    assert!(output.status.success(), "client failed: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), input);
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn bad_handshakes_get_a_4xx_and_the_server_keeps_serving(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let good = GOOD;
    let huge = format!("{good}X-Padding: {}\r\n\r\n", "a".repeat(64 << 10));
    let cases = [
        (good.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "") + "\r\n", "400"),
        (good.replace("Version: 13", "Version: 8") + "\r\n", "426"),
        (good.replace("GET", "POST") + "\r\n", "405"),
        (huge, "431"),
    ];
    for (request, status) in cases {
        let answer = server.raw(request.as_bytes());
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "expected {status}, got {answer}");
        if status == "426" {
            assert!(answer.contains("sec-websocket-version: 13\r\n"), "{answer}");
        }
    }
    let output = server.client(b"still serving\n");
    assert!(output.status.success(), "client failed: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.stdout, b"still serving\n");
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_browser_gets_the_page(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let answer = server.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\n"), "{answer}");
    assert!(answer.contains("new WebSocket("), "{answer}");
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_slow_handshake_is_cut_off_at_the_deadline_with_408(examples: &Examples) {
    let server = EchoServer::start(examples, &["--handshake-timeout", "1"]);
    let mut stream = server.connect();
    // One byte every 200 ms: the head would take half a minute, and every
    // byte comes well before any per-read timeout.
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let started = Instant::now();
    let mut request = GOOD.as_bytes().iter();
    let mut answer = Vec::new();
    loop {
        assert!(started.elapsed() < Duration::from_secs(10), "still connected after 10 s");
        if let Some(byte) = request.next() {
            // Once the server has answered, it discards what still comes.
            let _ = stream.write_all(&[*byte]);
        }
        let mut buf = [0; 1024];
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("a reset instead of a close: {e}"),
        }
    }
    let elapsed = started.elapsed();
    assert!(request.len() > 0, "the whole head went out");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "cut off after {elapsed:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    server.log_line(&["408"]);
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn an_idle_connection_gets_a_ping_then_a_1001_close(examples: &Examples) {
    let server = EchoServer::start(examples, &["--idle-timeout", "1"]);
    let mut stream = server.upgraded();
    let (got, elapsed) = read_to_close(&mut stream);
    // The keepalive ping carries its number; then the close.
    let mut expected = vec![0x89, 0x04, 0, 0, 0, 1, 0x88, 14, 0x03, 0xe9];
    expected.extend_from_slice(b"idle timeout");
    assert_eq!(got, expected, "{}", String::from_utf8_lossy(&got));
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "closed after {elapsed:?}"
    );
    server.log_line(&["1001", "idle"]);
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn an_idle_client_that_answers_pings_stays_connected(examples: &Examples) {
    let server = EchoServer::start(examples, &["--idle-timeout", "1"]);
    let mut stream = server.upgraded();
    let quiet_until = Instant::now() + Duration::from_millis(2500);
    let mut pings = 0;
    while let Some((opcode, payload)) = next_frame(&mut stream, quiet_until) {
        assert_eq!(opcode, 0x89, "only pings while we say nothing");
        pings += 1;
        // A pong echoes its ping's payload (RFC 6455 section 5.5.3).
        stream.write_all(&masked(0xa, &payload)).unwrap();
    }
    assert!(pings >= 3, "{pings} pings in 2.5 s");
    stream.write_all(&masked(0x1, b"still here")).unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let echo = std::iter::from_fn(|| next_frame(&mut stream, until)).find(|frame| frame.0 != 0x89);
    assert_eq!(echo, Some((0x81, b"still here".to_vec())));
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_connection_over_the_cap_gets_503_while_the_others_are_served(examples: &Examples) {
    let server = EchoServer::start(examples, &["--max-connections", "2"]);
    let mut held = [server.upgraded(), server.upgraded()];
    let answer = server.raw(format!("{GOOD}\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    server.log_line(&["503", "already 2 connections"]);
    for stream in &mut held {
        stream.write_all(&masked(0x1, b"served")).unwrap();
        let frame = next_frame(stream, Instant::now() + Duration::from_secs(10));
        assert_eq!(frame, Some((0x81, b"served".to_vec())));
    }
    // Closing one frees its place for a new client.
    let [mut first, _second] = held;
    first.write_all(&masked(0x8, &1000u16.to_be_bytes())).unwrap();
    let (got, _) = read_to_close(&mut first);
    assert_eq!(got, [0x88, 0x02, 0x03, 0xe8]);
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let output = server.client(b"a place again\n");
        if output.status.success() {
            assert_eq!(output.stdout, b"a place again\n");
            break;
        }
        // The server may not have seen the first connection end yet.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("503"), "{stderr}");
        assert!(Instant::now() < deadline, "no place after 10 s: {stderr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_malformed_subprotocol_header_gets_400(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let answer = server.raw(format!("{GOOD}Sec-WebSocket-Protocol: echo, chat/2\r\n\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    assert!(answer.contains("sec-websocket-protocol"), "{answer}");
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_request_with_a_key_but_no_upgrade_gets_400_not_the_page(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let request = GOOD.replace("Upgrade: websocket\r\nConnection: Upgrade\r\n", "") + "\r\n";
    let answer = server.raw(request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    assert!(!answer.contains("new WebSocket("), "{answer}");
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_protocol_violation_with_more_bytes_behind_it_still_gets_its_1002_close(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let mut stream = server.upgraded();
    // An unmasked text frame, then far more than the server reads at once:
    // dropping the socket with these unread would reset the connection and
    // lose the close frame.
    let mut bytes = vec![0x81, 0x02, b'h', b'i'];
    bytes.resize(bytes.len() + (256 << 10), 0x55);
    stream.write_all(&bytes).unwrap();
    let (got, _) = read_to_close(&mut stream);
    assert_eq!(got, [0x88, 0x02, 0x03, 0xea]);
}

/// One of the tests [`echo_example_tests!`](crate::echo_example_tests) runs.
pub fn a_failed_connection_is_logged_with_the_peer_the_code_and_the_reason(examples: &Examples) {
    let server = EchoServer::start(examples, &[]);
    let mut stream = server.upgraded();
    let peer = stream.local_addr().unwrap().to_string();
    stream.write_all(&[0x81, 0x02, b'h', b'i']).unwrap();
    let (got, _) = read_to_close(&mut stream);
    assert_eq!(got, [0x88, 0x02, 0x03, 0xea]);
    let line = server.log_line(&[&peer]);
    assert!(line.starts_with(&format!("{}: {peer}: ", examples.server)), "{line}");
    assert!(line.contains("1002") && line.contains("unmasked"), "{line}");
    let answer = server.raw(format!("{GOOD}Sec-WebSocket-Protocol: a b\r\n\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    server.log_line(&["handshake refused with 400 Bad Request", "sec-websocket-protocol"]);
}

/// Expands, in a crate's `tests/examples.rs`, to one `#[test]` for each of
/// this module's tests, run against `$examples` (an [`Examples`]).
#[macro_export]
macro_rules! echo_example_tests {
    ($examples:expr) => {
        $crate::echo_example_tests!(@each $examples; the_client_echoes_lines_through_the_server_and_closes_cleanly, bad_handshakes_get_a_4xx_and_the_server_keeps_serving, a_browser_gets_the_page, a_slow_handshake_is_cut_off_at_the_deadline_with_408, an_idle_connection_gets_a_ping_then_a_1001_close, an_idle_client_that_answers_pings_stays_connected, a_connection_over_the_cap_gets_503_while_the_others_are_served, a_malformed_subprotocol_header_gets_400, a_request_with_a_key_but_no_upgrade_gets_400_not_the_page, a_protocol_violation_with_more_bytes_behind_it_still_gets_its_1002_close, a_failed_connection_is_logged_with_the_peer_the_code_and_the_reason);
    };
    (@each $examples:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                $crate::echo_examples::$name(&$examples)
            }
        )*
    };
}
