//! The examples as a new user runs them, over loopback: the client against
//! the echo server, and bad handshakes that get a 4xx while the server keeps
//! serving good clients.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The examples' directory, built once (in this test's profile) on first use.
fn examples_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf();
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "-p", "noio-ws", "--example", "echo_server", "--example", "client"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().unwrap();
        assert!(status.success(), "building the examples failed");
        profile_dir.join("examples")
    })
}

/// An echo_server on a free port, stopped when dropped.
struct EchoServer {
    child: Child,
    port: u16,
}

impl EchoServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(examples_dir().join("echo_server"))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "echo_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        EchoServer { child, port }
    }

    /// Runs the client example with `input` on its standard input.
    fn client(&self, input: &[u8]) -> Output {
        let mut child = Command::new(examples_dir().join("client"))
            .arg(format!("ws://127.0.0.1:{}/chat", self.port))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        // Collect the output while the client runs: a full pipe would stall it.
        let pid = child.id();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        let output = match finished.recv_timeout(Duration::from_secs(60)) {
            Ok(output) => output.unwrap(),
            Err(_) => {
                let _ = Command::new("kill").arg(pid.to_string()).status();
                panic!("the client did not finish within 60 s");
            }
        };
        writer.join().unwrap().unwrap();
        output
    }

    /// Sends `request` on a raw socket and returns the status line of the answer.
    fn raw(&self, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // The server may answer and close before a huge request is all written.
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        text.lines().next().unwrap_or_default().to_string() + "\n" + &text
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_client_echoes_lines_through_the_server_and_closes_cleanly() {
    let server = EchoServer::start();
    let big = "x".repeat(1 << 20);
    let input = format!("hello\nwörld\n{big}\nlast line\n");
    let output = server.client(input.as_bytes());
    assert!(output.status.success(), "client failed: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), input);
}

#[test]
fn bad_handshakes_get_a_4xx_and_the_server_keeps_serving() {
    let server = EchoServer::start();
    let good = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
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

#[test]
fn a_browser_gets_the_page() {
    let server = EchoServer::start();
    let answer = server.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\n"), "{answer}");
    assert!(answer.contains("new WebSocket("), "{answer}");
}
