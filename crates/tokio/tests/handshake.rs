//! The handshake helpers: accept, accept_with's callback, subprotocols,
//! the bytes after a head, refusals, timeouts and unsupported schemes
//! (wss:// itself is in tls.rs).

mod common;

use std::time::Duration;

use common::{ours_pair, tcp_pair};
use noio_ws_tokio::http::{HeaderName, HeaderValue, StatusCode};
use noio_ws_tokio::{
    ClientBuilder, Error, Reject, ServerBuilder, Upgrade, accept, accept_with, client_async,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

#[tokio::test]
async fn the_frames_sent_with_the_request_are_not_lost() {
    let (mut client, server) = tokio::io::duplex(4096);
    // The head and a masked "Hello" (RFC 6455 section 5.7) in one write.
    let mut bytes = REQUEST.as_bytes().to_vec();
    bytes.extend_from_slice(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    client.write_all(&bytes).await.unwrap();
    let mut ws = accept(server).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("Hello"));
    let mut response = vec![0; 12];
    client.read_exact(&mut response).await.unwrap();
    assert_eq!(&response, b"HTTP/1.1 101");
}

#[tokio::test]
async fn a_rejection_reaches_the_client_with_its_status_and_body() {
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move {
        accept_with(server_io, |request| {
            assert_eq!(request.uri().path(), "/secret");
            Err(Reject::new(StatusCode::FORBIDDEN, "not for you\n"))
        })
        .await
    });
    let error = client_async("ws://localhost/secret", client_io).await.unwrap_err();
    match error {
        Error::HandshakeRefused { status, body } => {
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(&body[..], b"not for you\n");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let server_error = server.await.unwrap().unwrap_err();
    assert_eq!(server_error.status(), Some(StatusCode::FORBIDDEN));
}

#[tokio::test]
async fn the_callback_picks_the_subprotocol_and_adds_headers() {
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move {
        accept_with(server_io, |request| {
            let offered = request.headers()["sec-websocket-protocol"].to_str().unwrap().to_owned();
            assert_eq!(offered, "v1, v2");
            Ok(Upgrade::new()
                .protocol("v2")
                .header(HeaderName::from_static("x-server"), HeaderValue::from_static("noio")))
        })
        .await
        .unwrap()
    });
    let client = ClientBuilder::new()
        .protocol("v1")
        .protocol("v2")
        .header(HeaderName::from_static("x-client"), HeaderValue::from_static("test"));
    let (ws, response) = client.client_async("ws://localhost/", client_io).await.unwrap();
    assert_eq!(ws.protocol(), Some("v2"));
    assert_eq!(response.headers()["x-server"], "noio");
    assert_eq!(server.await.unwrap().protocol(), Some("v2"));
}

#[tokio::test]
async fn the_builder_picks_the_clients_first_subprotocol_it_speaks() {
    let server = ServerBuilder::new().protocols(["b", "c"]);
    let client = ClientBuilder::new().protocol("a").protocol("c").protocol("b");
    let (client, server) = ours_pair(4096, client, server).await;
    assert_eq!((client.protocol(), server.protocol()), (Some("c"), Some("c")));
    let (client, server) = ours_pair(4096, ClientBuilder::new().protocol("z"), ServerBuilder::new()).await;
    assert_eq!((client.protocol(), server.protocol()), (None, None));
}

#[tokio::test]
async fn a_request_that_is_no_upgrade_is_answered_400() {
    let (mut client, server_io) = tokio::io::duplex(4096);
    client.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let error = accept(server_io).await.unwrap_err();
    assert!(matches!(error, Error::Handshake(_)), "{error:?}");
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_request_head_times_out_with_408() {
    let (mut client, server_io) = tokio::io::duplex(4096);
    client.write_all(b"GET / HTTP/1.1\r\nHost: loc").await.unwrap();
    let started = tokio::time::Instant::now();
    let server = ServerBuilder::new().handshake_timeout(Some(Duration::from_secs(3)));
    let error = server.accept(server_io).await.unwrap_err();
    assert!(matches!(error, Error::HandshakeTimeout(t) if t == Duration::from_secs(3)), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_the_client_out() {
    let (client_io, _server_io) = tokio::io::duplex(4096);
    let client = ClientBuilder::new().handshake_timeout(Some(Duration::from_secs(2)));
    let error = client.client_async("ws://localhost/", client_io).await.unwrap_err();
    assert!(matches!(error, Error::HandshakeTimeout(_)), "{error:?}");
}

#[tokio::test]
async fn schemes_other_than_ws_and_wss_are_refused_with_a_clear_error() {
    // Refused before any name is looked up or connection made.
    let mut refused = vec![("http://example.com/", "http"), ("ftp://example.com/", "ftp")];
    // Without TLS, wss:// too, with a message naming the feature.
    if cfg!(not(feature = "rustls")) {
        refused.push(("wss://example.com/", "wss"));
        assert!(Error::UnsupportedScheme("wss".into()).to_string().contains("rustls"));
    }
    for (url, scheme) in refused {
        match noio_ws_tokio::connect(url).await {
            Err(Error::UnsupportedScheme(s)) => assert_eq!(s, scheme),
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(matches!(noio_ws_tokio::connect("not a url").await, Err(Error::InvalidRequest(_))));
}

#[tokio::test]
async fn a_port_out_of_range_is_refused_not_replaced_by_the_default() {
    // `http::Uri` parses these but gives no port for them; connecting to 80
    // (or 443) instead would reach a server the URL does not name.
    for url in ["ws://127.0.0.1:99999/", "ws://127.0.0.1:65536/", "wss://[::1]:70000/"] {
        let client = ClientBuilder::new().handshake_timeout(Some(Duration::from_secs(2)));
        match client.connect(url).await {
            Err(Error::InvalidRequest(message)) => assert!(message.contains("port"), "{url}: {message}"),
            other => panic!("{url}: {:?}", other.map(|(_, response)| response)),
        }
    }
    // A proxy URL likewise.
    assert!(matches!(ClientBuilder::new().proxy("http://127.0.0.1:99999"), Err(Error::Proxy(_))));
    // An empty port is the default one, as URLs have it.
    assert!(ClientBuilder::new().proxy("http://127.0.0.1:").is_ok());
}

#[tokio::test]
async fn connect_reaches_a_server_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept(tcp).await.unwrap();
        let message = ws.recv().await.unwrap().unwrap();
        ws.send_text(&format!("got {}", message.as_text().unwrap())).await.unwrap();
        assert!(ws.recv().await.is_none(), "closed by the client");
    });
    let (mut ws, _) = noio_ws_tokio::connect(format!("ws://{addr}/path")).await.unwrap();
    assert!(ws.get_ref().tcp().unwrap().nodelay().unwrap());
    ws.send_text("x").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("got x"));
    ws.close(noio_ws_tokio::CloseCode::NORMAL, "").await.unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn a_peer_that_leaves_before_a_request_is_an_io_error() {
    let (client, server) = tcp_pair().await;
    drop(client);
    assert!(matches!(accept(server).await, Err(Error::Io(_))));
}

#[tokio::test]
async fn accept_flushes_the_101_over_a_buffered_transport() {
    // A transport that holds writes until flushed (a BufStream here; TLS
    // and hyper's upgraded streams buffer too): the server goes straight to
    // receiving, so an unflushed 101 would never reach the client.
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move {
        let mut ws = accept(tokio::io::BufStream::new(server_io)).await.unwrap();
        ws.recv().await.map(|message| message.unwrap().payload)
    });
    let client = ClientBuilder::new().handshake_timeout(Some(Duration::from_secs(2)));
    let (mut ws, _) = client.client_async("ws://x/", client_io).await.expect("the 101 reached the client");
    ws.send_text("hi").await.unwrap();
    assert_eq!(server.await.unwrap().unwrap(), "hi");
}
