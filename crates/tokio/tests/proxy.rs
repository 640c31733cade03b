//! HTTP proxy CONNECT: ws:// and wss:// through a small in-test proxy
//! (CONNECT parsed, then `copy_bidirectional`), basic credentials, a 407,
//! the bytes a proxy sends right after its 200 head, and the handshake
//! timeout over the whole connect.

mod tls_support;

use std::time::Duration;

use noio_ws_tokio::http::StatusCode;
use noio_ws_tokio::{ClientBuilder, CloseCode, Error, ProxyError};
use tls_support::{ProxyBehaviour, connect_proxy, plain_echo_server};

#[tokio::test]
async fn ws_through_the_proxy_echoes_and_closes() {
    let (server_addr, server) = plain_echo_server().await;
    let (proxy_addr, heads) = connect_proxy(ProxyBehaviour::default()).await;
    let client = ClientBuilder::new().proxy(&format!("http://{proxy_addr}")).unwrap();
    let url = format!("ws://127.0.0.1:{}/through", server_addr.port());
    let (mut ws, response) = client.connect(url.as_str()).await.unwrap();
    assert_eq!(response.status(), 101);
    // The TCP connection is to the proxy, not to the server.
    assert_eq!(ws.get_ref().tcp().unwrap().peer_addr().unwrap(), proxy_addr);
    ws.send_text("via the proxy").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("via the proxy"));
    let reply = ws.close(CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
    assert_eq!(server.await.unwrap(), Ok(Some(CloseCode::NORMAL)));

    let heads = heads.lock().unwrap().clone();
    let target = format!("127.0.0.1:{}", server_addr.port());
    assert_eq!(heads, [format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n")]);
}

#[tokio::test]
async fn basic_credentials_from_the_url_are_sent() {
    let (server_addr, server) = plain_echo_server().await;
    // RFC 7617's example credentials.
    let behaviour = ProxyBehaviour {
        required_auth: Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".into()),
        ..ProxyBehaviour::default()
    };
    let (proxy_addr, _) = connect_proxy(behaviour).await;
    let client = ClientBuilder::new()
        .proxy(&format!("http://Aladdin:open%20sesame@127.0.0.1:{}/", proxy_addr.port()))
        .unwrap();
    let (mut ws, _) = client.connect(format!("ws://127.0.0.1:{}/", server_addr.port())).await.unwrap();
    ws.send_text("authorised").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("authorised"));
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(server.await.unwrap(), Ok(Some(CloseCode::NORMAL)));
}

#[tokio::test]
async fn a_407_is_a_typed_error_with_the_status() {
    let behaviour =
        ProxyBehaviour { required_auth: Some("Basic c2VjcmV0".into()), ..ProxyBehaviour::default() };
    let (proxy_addr, heads) = connect_proxy(behaviour).await;
    for proxy in [format!("http://{proxy_addr}"), format!("http://wrong:creds@{proxy_addr}")] {
        let client = ClientBuilder::new().proxy(&proxy).unwrap();
        // The target is never reached: the proxy refuses first.
        let error = client.connect("ws://127.0.0.1:9/").await.unwrap_err();
        match &error {
            Error::Proxy(ProxyError::Refused { status }) => {
                assert_eq!(*status, StatusCode::PROXY_AUTHENTICATION_REQUIRED)
            }
            other => panic!("{proxy}: {other:?}"),
        }
        assert_eq!(error.status(), Some(StatusCode::PROXY_AUTHENTICATION_REQUIRED));
        assert!(error.to_string().contains("407"), "{error}");
    }
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2);
    assert!(!heads[0].to_ascii_lowercase().contains("proxy-authorization"));
    assert!(heads[1].contains("Proxy-Authorization: Basic d3Jvbmc6Y3JlZHM=\r\n"), "{}", heads[1]);
}

#[tokio::test]
async fn a_target_the_proxy_cannot_reach_is_a_refusal() {
    // A port nothing listens on: the proxy answers 502.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (proxy_addr, _) = connect_proxy(ProxyBehaviour::default()).await;
    let client = ClientBuilder::new().proxy(&format!("http://{proxy_addr}")).unwrap();
    let error = client.connect(format!("ws://{unused}/")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY), "{error:?}");
}

#[tokio::test]
async fn bytes_right_after_the_200_head_reach_the_websocket_handshake() {
    // The proxy writes the server's status line itself, in the same write
    // as its 200 head, and drops it from what the server sends: the upgrade
    // succeeds only if those bytes reach the handshake.
    let status_line = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
    let behaviour = ProxyBehaviour {
        after_head: status_line.clone(),
        drop_upstream_prefix: status_line,
        ..ProxyBehaviour::default()
    };
    let (server_addr, server) = plain_echo_server().await;
    let (proxy_addr, _) = connect_proxy(behaviour).await;
    let client = ClientBuilder::new().proxy(&format!("http://{proxy_addr}")).unwrap();
    let (mut ws, response) = client.connect(format!("ws://127.0.0.1:{}/", server_addr.port())).await.unwrap();
    assert_eq!(response.status(), 101);
    ws.send_text("early bytes kept").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("early bytes kept"));
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(server.await.unwrap(), Ok(Some(CloseCode::NORMAL)));
}

#[tokio::test]
async fn a_whole_answer_right_after_the_200_head_is_the_servers() {
    // A refusal glued to the 200 head, body included: the handshake reads it.
    let behaviour = ProxyBehaviour {
        after_head: b"HTTP/1.1 403 Forbidden\r\ncontent-length: 5\r\n\r\nearly".to_vec(),
        ..ProxyBehaviour::default()
    };
    let (server_addr, _server) = plain_echo_server().await;
    let (proxy_addr, _) = connect_proxy(behaviour).await;
    let client = ClientBuilder::new().proxy(&format!("http://{proxy_addr}")).unwrap();
    match client.connect(format!("ws://127.0.0.1:{}/", server_addr.port())).await {
        Err(Error::HandshakeRefused { status, body }) => {
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(&body[..], b"early");
        }
        other => panic!("{:?}", other.map(|(_, response)| response)),
    }
}

#[tokio::test]
async fn the_handshake_timeout_covers_a_silent_proxy() {
    let (proxy_addr, heads) =
        connect_proxy(ProxyBehaviour { silent: true, ..ProxyBehaviour::default() }).await;
    let client = ClientBuilder::new()
        .proxy(&format!("http://{proxy_addr}"))
        .unwrap()
        .handshake_timeout(Some(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    let error = client.connect("ws://127.0.0.1:9/").await.unwrap_err();
    assert!(
        matches!(error, Error::HandshakeTimeout(limit) if limit == Duration::from_millis(300)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(heads.lock().unwrap().len(), 1, "the proxy got the CONNECT");
}

#[tokio::test]
async fn a_proxy_that_hangs_up_or_is_not_http_is_an_error() {
    for answer in [&b""[..], b"SSH-2.0-OpenSSH_9.6\r\n\r\n"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = [0; 256];
            let _ = tokio::io::AsyncReadExt::read(&mut tcp, &mut request).await;
            let _ = tokio::io::AsyncWriteExt::write_all(&mut tcp, answer).await;
        });
        let client = ClientBuilder::new().proxy(&format!("http://{addr}")).unwrap();
        let error = client.connect("ws://127.0.0.1:9/").await.unwrap_err();
        match (answer.is_empty(), &error) {
            (true, Error::Proxy(ProxyError::Closed))
            | (false, Error::Proxy(ProxyError::MalformedResponse(_))) => {}
            _ => panic!("{answer:?}: {error:?}"),
        }
    }
}

#[test]
fn an_unusable_proxy_url_is_an_error_value() {
    for url in ["https://proxy:443", "socks5://proxy:1080", "http://proxy:8080/path", "http://u:%zz@p:1", ""]
    {
        assert!(
            matches!(ClientBuilder::new().proxy(url), Err(Error::Proxy(ProxyError::InvalidUrl(_)))),
            "{url}"
        );
    }
}

#[cfg(feature = "rustls")]
mod wss {
    use super::*;
    use crate::tls_support::{self_signed, tls_echo_server, trusting};
    use noio_ws_tokio::rustls;

    #[tokio::test]
    async fn wss_through_the_proxy_echoes_and_closes() {
        let (cert, server_config) = self_signed("proxied server", &["localhost"]);
        let (server_addr, server) = tls_echo_server(server_config).await;
        let (proxy_addr, heads) = connect_proxy(ProxyBehaviour::default()).await;
        let client =
            ClientBuilder::new().proxy(&format!("http://{proxy_addr}")).unwrap().tls_config(trusting(cert));
        // The name checked against the certificate is the URL's, not the proxy's.
        let (mut ws, _) = client.connect(format!("wss://localhost:{}/", server_addr.port())).await.unwrap();
        assert!(ws.get_ref().tls().is_some());
        let big = vec![0x5a; 256 << 10];
        ws.send_binary(&big).await.unwrap();
        assert!(ws.recv().await.unwrap().unwrap().payload[..] == big[..]);
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert_eq!(server.await.unwrap(), Ok(Some(CloseCode::NORMAL)));
        let target = format!("localhost:{}", server_addr.port());
        assert_eq!(heads.lock().unwrap()[0], format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"));
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[tokio::test]
    async fn bytes_right_after_the_200_head_reach_tls() {
        // No TLS server speaks before the ClientHello: bytes glued to the
        // 200 head go to rustls, which refuses them as not TLS.
        let behaviour =
            ProxyBehaviour { after_head: b"not a TLS record".to_vec(), ..ProxyBehaviour::default() };
        let (cert, server_config) = self_signed("proxied server", &["localhost"]);
        let (server_addr, _server) = tls_echo_server(server_config).await;
        let (proxy_addr, _) = connect_proxy(behaviour).await;
        let client = ClientBuilder::new()
            .proxy(&format!("http://{proxy_addr}"))
            .unwrap()
            .tls_config(trusting(cert))
            .handshake_timeout(Some(Duration::from_secs(5)));
        let error = client.connect(format!("wss://localhost:{}/", server_addr.port())).await.unwrap_err();
        assert!(matches!(error, Error::Tls(rustls::Error::InvalidMessage(_))), "{error:?}");
    }
}
