//! The `axum_chat` example as a user runs it: the page, a message from one
//! client broadcast to every client, and the connection cap's 503.
#![cfg(feature = "axum")]

use std::io::{BufRead, BufReader};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use noio_ws_tokio::{ClientStream, Error};
use noio_ws_tokio::{CloseCode, WebSocket, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// The example, on a free port with at most two clients; killed when dropped.
struct Chat {
    child: Child,
    port: u16,
}

impl Chat {
    fn start() -> Self {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf();
        // Built with this test's own features, so nothing is built twice.
        let features: Vec<&str> = [
            ("deflate", cfg!(feature = "deflate")),
            ("rustls", cfg!(feature = "rustls")),
            ("rustls-webpki-roots", cfg!(feature = "rustls-webpki-roots")),
            ("rustls-native-roots", cfg!(feature = "rustls-native-roots")),
            ("hyper", cfg!(feature = "hyper")),
            ("axum", cfg!(feature = "axum")),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "-p", "noio-ws-tokio", "--example", "axum_chat", "--no-default-features"]);
        build.args(["--features", &features.join(",")]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        assert!(build.status().unwrap().success(), "building axum_chat failed");
        let port = StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(profile_dir.join("examples").join("axum_chat"))
            .args([&format!("127.0.0.1:{port}"), "--max-connections", "2"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        stderr.read_line(&mut line).unwrap();
        assert!(line.starts_with("axum_chat: http://"), "axum_chat did not start: {line:?}");
        // Keep reading: with the pipe closed, the example's next eprintln!
        // (a client's error) would panic its connection's task on EPIPE.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("{line}");
            }
        });
        Chat { child, port }
    }

    async fn join(&self) -> Result<WebSocket<ClientStream>, Error> {
        Ok(connect(format!("ws://127.0.0.1:{}/ws", self.port)).await?.0)
    }
}

impl Drop for Chat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The next text a client gets, within 5 s.
async fn next_text(ws: &mut WebSocket<ClientStream>) -> String {
    let message = timeout(Duration::from_secs(5), ws.recv()).await.unwrap().unwrap().unwrap();
    message.as_text().unwrap().to_owned()
}

#[tokio::test]
async fn the_chat_serves_its_page_broadcasts_and_turns_away_a_third_client() {
    let chat = Chat::start();

    let mut tcp = TcpStream::connect(("127.0.0.1", chat.port)).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut page = String::new();
    tcp.read_to_string(&mut page).await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("new WebSocket("), "{page}");

    let mut first = chat.join().await.unwrap();
    assert_eq!(next_text(&mut first).await, "* client 1 joined");
    let mut second = chat.join().await.unwrap();
    assert_eq!(next_text(&mut second).await, "* client 2 joined");
    assert_eq!(next_text(&mut first).await, "* client 2 joined");

    second.send_text("hello, room").await.unwrap();
    assert_eq!(next_text(&mut first).await, "2: hello, room");
    assert_eq!(next_text(&mut second).await, "2: hello, room");

    // The room holds two: a third is refused before any upgrade.
    match chat.join().await {
        Err(Error::HandshakeRefused { status, body }) => {
            assert_eq!((status.as_u16(), &body[..]), (503, &b"the room is full\n"[..]));
        }
        other => panic!("expected a 503, got {:?}", other.map(|_| ())),
    }

    second.close(CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(next_text(&mut first).await, "* client 2 left");
    first.close(CloseCode::NORMAL, "").await.unwrap();
}
