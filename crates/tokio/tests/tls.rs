//! wss://: our client against a TlsAcceptor server running our `accept`,
//! with rcgen's self-signed certificates; refused certificates; and no
//! process-level CryptoProvider anywhere.
#![cfg(feature = "rustls")]

mod tls_support;

use noio_ws_tokio::rustls::crypto::CryptoProvider;
use noio_ws_tokio::rustls::{self, CertificateError};
use noio_ws_tokio::tokio_rustls::TlsConnector;
use noio_ws_tokio::{ClientBuilder, CloseCode, Error};
use tls_support::{self_signed, tls_echo_server, trusting};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Nothing here may install (or need) a default provider.
fn assert_no_default_provider() {
    assert!(CryptoProvider::get_default().is_none(), "a process-level CryptoProvider was installed");
}

#[tokio::test]
async fn text_binary_and_close_over_wss() {
    let (cert, server_config) = self_signed("test server", &["localhost"]);
    let (addr, server) = tls_echo_server(server_config).await;
    let client = ClientBuilder::new().tls_config(trusting(cert));
    let (mut ws, response) = client.connect(format!("wss://localhost:{}/echo", addr.port())).await.unwrap();
    assert_eq!(response.status(), 101);
    let tls = ws.get_ref().tls().expect("a TLS stream");
    assert_eq!(tls.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert!(tls.peer_certificates().is_some_and(|certs| !certs.is_empty()));

    ws.send_text("hello over TLS").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello over TLS"));
    let big = common_pattern(1 << 20);
    ws.send_binary(&big).await.unwrap();
    let echo = ws.recv().await.unwrap().unwrap();
    assert_eq!(echo.payload.len(), big.len());
    assert!(echo.payload[..] == big[..], "the 1 MiB echo differs");

    let reply = ws.close(CloseCode::NORMAL, "done").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
    assert_eq!(server.await.unwrap(), Ok(Some(CloseCode::NORMAL)));
    assert_no_default_provider();
}

#[tokio::test]
async fn a_tls_stream_cut_without_close_notify_is_an_abnormal_closure() {
    // rustls reports a TCP end without TLS's close_notify as an
    // UnexpectedEof error; to the WebSocket it is the end of the transport
    // before a closing handshake, as over plain TCP: 1006, not an IO error.
    let (cert, server_config) = self_signed("test server", &["localhost"]);
    let (addr, server) = tls_echo_server(server_config).await;
    let connector = TlsConnector::from(trusting(cert));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tls.read_u8().await.unwrap());
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    // The TCP stream alone is dropped: no close_notify goes out.
    let (tcp, _session) = tls.into_inner();
    drop(tcp);
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), server).await.unwrap().unwrap();
    assert_eq!(outcome, Err(format!("recv: {}", Error::AbnormalClosure)));
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_tls_error() {
    // The certificate names localhost; the URL names 127.0.0.1.
    let (cert, server_config) = self_signed("test server", &["localhost"]);
    let (addr, server) = tls_echo_server(server_config).await;
    let client = ClientBuilder::new().tls_config(trusting(cert));
    let error = client.connect(format!("wss://127.0.0.1:{}/", addr.port())).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. } | CertificateError::NotValidForName
            ))
        ),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("TLS: "), "{error}");
    // The server saw the client's alert.
    assert!(server.await.unwrap().unwrap_err().starts_with("TLS"));
    assert_no_default_provider();
}

#[tokio::test]
async fn a_certificate_from_an_unknown_issuer_is_a_tls_error() {
    let (_, server_config) = self_signed("server", &["localhost"]);
    let (other_cert, _) = self_signed("someone else", &["localhost"]);
    let (addr, server) = tls_echo_server(server_config).await;
    let client = ClientBuilder::new().tls_config(trusting(other_cert));
    let error = client.connect(format!("wss://localhost:{}/", addr.port())).await.unwrap_err();
    assert!(
        matches!(error, Error::Tls(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))),
        "{error:?}"
    );
    assert!(server.await.unwrap().is_err());
    assert_no_default_provider();
}

/// The default roots (Mozilla's) do not trust a self-signed certificate,
/// and making the default config needs no default provider.
#[cfg(feature = "rustls-webpki-roots")]
#[tokio::test]
async fn the_default_roots_refuse_a_self_signed_certificate() {
    let (_, server_config) = self_signed("test server", &["localhost"]);
    let (addr, server) = tls_echo_server(server_config).await;
    let error = noio_ws_tokio::connect(format!("wss://localhost:{}/", addr.port())).await.unwrap_err();
    assert!(
        matches!(error, Error::Tls(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))),
        "{error:?}"
    );
    assert!(server.await.unwrap().is_err());
    assert_no_default_provider();
}

#[tokio::test]
async fn a_plain_server_behind_a_wss_url_is_an_error_not_a_hang() {
    // A plain HTTP server answering at once: its answer is not TLS.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        tcp.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    });
    let (cert, _) = self_signed("test server", &["localhost"]);
    let client = ClientBuilder::new()
        .tls_config(trusting(cert))
        .handshake_timeout(Some(std::time::Duration::from_secs(5)));
    let error = client.connect(format!("wss://localhost:{}/", addr.port())).await.unwrap_err();
    assert!(matches!(error, Error::Tls(rustls::Error::InvalidMessage(_))), "{error:?}");
    assert_no_default_provider();
}

#[tokio::test]
async fn an_unsupported_scheme_or_a_refused_port_is_an_error_value() {
    let client = ClientBuilder::new();
    for (url, expect_scheme) in [("wss://[::1]:1/", false), ("ftp://localhost/", true)] {
        let error = client
            .clone()
            .handshake_timeout(Some(std::time::Duration::from_secs(5)))
            .connect(url)
            .await
            .unwrap_err();
        if expect_scheme {
            assert!(matches!(&error, Error::UnsupportedScheme(s) if s == "ftp"), "{error:?}");
        } else {
            // Nothing listens on port 1: refused, not a panic.
            assert!(matches!(error, Error::Io(_) | Error::TlsConfig(_)), "{error:?}");
        }
    }
}

/// Poorly compressible bytes.
fn common_pattern(len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_u32;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
