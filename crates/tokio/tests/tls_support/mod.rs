//! What the TLS and proxy tests share: self-signed certificates made with
//! rcgen, client and server configs on ring (never a process-level
//! provider), a TLS echo server on loopback, and a small CONNECT proxy.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

#[cfg(feature = "rustls")]
use noio_ws_tokio::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
#[cfg(feature = "rustls")]
use noio_ws_tokio::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
#[cfg(feature = "rustls")]
use noio_ws_tokio::tokio_rustls::TlsAcceptor;
use noio_ws_tokio::{CloseCode, Frame, accept};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[cfg(feature = "rustls")]
/// The adapter's provider (ring's), passed to every config by hand.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    noio_ws_tokio::crypto_provider()
}

#[cfg(feature = "rustls")]
/// A self-signed certificate for `names` with its own subject (`issuer`,
/// so two certificates never pass for each other's issuer), and a server
/// config serving it (ALPN `http/1.1`).
pub fn self_signed(issuer: &str, names: &[&str]) -> (CertificateDer<'static>, Arc<ServerConfig>) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, issuer);
    let signing_key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&signing_key).unwrap().der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (cert, Arc::new(config))
}

#[cfg(feature = "rustls")]
/// A client config trusting only `root`, offering `http/1.1`.
pub fn trusting(root: CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(root).unwrap();
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// What an echo server saw of one connection: the TLS handshake's result,
/// then the close code the client closed with.
pub type ServerOutcome = Result<Option<CloseCode>, String>;

#[cfg(feature = "rustls")]
/// A wss:// echo server on loopback for one connection: a TlsAcceptor,
/// then our `accept` over the TLS stream.
pub async fn tls_echo_server(config: Arc<ServerConfig>) -> (SocketAddr, JoinHandle<ServerOutcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls = TlsAcceptor::from(config).accept(tcp).await.map_err(|e| format!("TLS: {e}"))?;
        echo(tls).await
    });
    (addr, server)
}

/// A ws:// echo server on loopback for one connection.
pub async fn plain_echo_server() -> (SocketAddr, JoinHandle<ServerOutcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        echo(tcp).await
    });
    (addr, server)
}

/// A ws:// echo server on loopback for any number of connections, one
/// after another: the outcome of each goes out on the channel, in order.
pub async fn plain_echo_server_for_each() -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<ServerOutcome>)
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, outcomes) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if report.send(echo(tcp).await).is_err() {
                break;
            }
        }
    });
    (addr, outcomes)
}

/// Echoes every message until the client's close; returns its code.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> ServerOutcome {
    let mut ws = accept(stream).await.map_err(|e| format!("accept: {e}"))?;
    while let Some(message) = ws.recv().await {
        let message = message.map_err(|e| format!("recv: {e}"))?;
        ws.send(Frame::new(message.opcode, message.payload)).await.map_err(|e| format!("send: {e}"))?;
    }
    Ok(ws.close_frame().map(|close| close.code))
}

/// How the test proxy behaves.
#[derive(Clone, Debug, Default)]
pub struct ProxyBehaviour {
    /// The `Proxy-Authorization` value required; a request without it is
    /// answered with 407.
    pub required_auth: Option<String>,
    /// Bytes written right after the 200 head, in the same write.
    pub after_head: Vec<u8>,
    /// A prefix of the upstream's first bytes that the proxy drops, having
    /// sent it itself in `after_head` (it checks they are the same).
    pub drop_upstream_prefix: Vec<u8>,
    /// Never answer (for timeouts).
    pub silent: bool,
}

/// A CONNECT proxy on loopback: parses each CONNECT head, connects to the
/// target and splices with `copy_bidirectional`. The heads it received go
/// into the returned list.
pub async fn connect_proxy(behaviour: ProxyBehaviour) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(serve_proxy(client, behaviour.clone(), seen.clone()));
        }
    });
    (addr, heads)
}

async fn serve_proxy(mut client: TcpStream, behaviour: ProxyBehaviour, heads: Arc<Mutex<Vec<String>>>) {
    // Byte by byte, so nothing after the head is taken (the client sends
    // nothing before our answer anyway).
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match client.read_u8().await {
            Ok(byte) => head.push(byte),
            Err(_) => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(head.clone());
    if behaviour.silent {
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest).await;
        return;
    }
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next(), parts.next());
    let (Some("CONNECT"), Some(target)) = (method, target) else {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n").await;
        return;
    };
    if let Some(required) = &behaviour.required_auth {
        let given = lines
            .filter_map(|line| line.split_once(": "))
            .find(|(name, _)| name.eq_ignore_ascii_case("proxy-authorization"))
            .map(|(_, value)| value);
        if given != Some(required.as_str()) {
            let _ = client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\n\r\n",
                )
                .await;
            return;
        }
    }
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
        return;
    };
    let mut answer = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
    answer.extend_from_slice(&behaviour.after_head);
    if client.write_all(&answer).await.is_err() {
        return;
    }
    if !behaviour.drop_upstream_prefix.is_empty() {
        // The upstream's first bytes come once the client has sent its
        // request: forward that, then drop the prefix we already sent.
        let mut buf = [0; 4096];
        let mut upstream_first = Vec::new();
        let (mut client_read, mut client_write) = client.split();
        let (mut upstream_read, mut upstream_write) = upstream.split();
        let forward = async {
            loop {
                let n = client_read.read(&mut buf).await.unwrap_or(0);
                if n == 0 || upstream_write.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            let _ = upstream_write.shutdown().await;
        };
        let back = async {
            let prefix = &behaviour.drop_upstream_prefix;
            let mut byte = [0; 1];
            while upstream_first.len() < prefix.len() {
                if upstream_read.read(&mut byte).await.unwrap_or(0) == 0 {
                    return;
                }
                upstream_first.push(byte[0]);
            }
            assert_eq!(&upstream_first, prefix, "the upstream's first bytes");
            let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
            let _ = client_write.shutdown().await;
        };
        tokio::join!(forward, back);
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
