//! An async WebSocket client: sends each line typed as a text message and
//! prints what comes back; the end of the input (Ctrl-D) closes with 1000,
//! printing the echoes still on their way until the server's close.
//! Reading the terminal and the connection at once is a `select!`, which
//! the connection's cancel-safe `recv` allows.
//!
//! `ws://` and `wss://` URLs (`wss://` verified against Mozilla's roots
//! with the default features, or the platform's with
//! `rustls-native-roots`, or only against the certificate in a PEM file
//! with `--ca FILE`), directly or through an HTTP proxy's `CONNECT`
//! tunnel with `--proxy http://[user:pass@]host:port`. With `--http2` (and
//! the `http2` feature) it opens the WebSocket over HTTP/2 (RFC 8441) where
//! the server allows it, else over HTTP/1.1; the first line on standard
//! error says which.
//!
//! ```sh
//! cargo run -p noio-ws-tokio --example client -- ws://127.0.0.1:9001/
//! cargo run -p noio-ws-tokio --example client -- --proxy http://127.0.0.1:3128 wss://example.com/socket
//! # against `echo_server --tls --cert-out /tmp/echo.pem`:
//! cargo run -p noio-ws-tokio --features http2 --example client -- --http2 --ca /tmp/echo.pem wss://127.0.0.1:9001/
//! ```

use std::sync::Arc;

use noio_ws_tokio::rustls::pki_types::CertificateDer;
use noio_ws_tokio::rustls::pki_types::pem::PemObject;
use noio_ws_tokio::rustls::{ClientConfig, RootCertStore};
use noio_ws_tokio::{ClientBuilder, CloseCode, Event, Frame};
use tokio::io::{AsyncBufReadExt, BufReader};

const USAGE: &str =
    "usage: client [--proxy http://[user:pass@]host:port] [--ca FILE] [--http2] [ws://... | wss://...]";

#[tokio::main]
async fn main() {
    // The error's message, not its `Debug`, as a command-line tool says it.
    if let Err(error) = run().await {
        eprintln!("client: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut url = None;
    let mut client = ClientBuilder::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--proxy" => {
                let proxy = args.next().ok_or(USAGE)?;
                client = client.proxy(&proxy)?;
            }
            "--ca" => {
                let file = args.next().ok_or(USAGE)?;
                client = client.tls_config(trusting(&file)?);
            }
            #[cfg(feature = "http2")]
            "--http2" => client = client.http2(true),
            #[cfg(not(feature = "http2"))]
            "--http2" => {
                return Err("--http2 needs the http2 feature (cargo run --features http2 ...)".into());
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if arg.starts_with('-') || url.is_some() => return Err(USAGE.into()),
            _ => url = Some(arg),
        }
    }
    let url = url.unwrap_or_else(|| "ws://127.0.0.1:9001/".to_owned());
    let (mut ws, response) = client.connect(url.as_str()).await?;
    eprintln!("client: connected to {url} over {:?}; type lines, Ctrl-D to close", response.version());
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut input_open = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if input_open => match line? {
                Some(line) => ws.send_text(&line).await?,
                None => {
                    // Our close; the loop goes on until the server's answer
                    // and the end of the connection.
                    ws.send(Frame::close(CloseCode::NORMAL, "")?).await?;
                    input_open = false;
                }
            },
            event = ws.recv_event() => match event.transpose()? {
                Some(Event::Message(message)) => match message.as_text() {
                    Some(text) => println!("{text}"),
                    None => println!("<{} binary bytes>", message.payload.len()),
                },
                Some(Event::Close(close)) => eprintln!("client: closed by the server with {} {}", close.code, close.reason),
                Some(_) => {} // pings are answered by the connection
                None => return Ok(()),
            },
        }
    }
}

/// A TLS config trusting only the certificates in the PEM `file` (on the
/// adapter's provider, passed explicitly), naming no ALPN protocol: none is offered over
/// HTTP/1.1, and with `--http2` the builder offers `h2` and `http/1.1`.
fn trusting(file: &str) -> Result<Arc<ClientConfig>, Box<dyn std::error::Error>> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(file).map_err(|e| format!("{file}: {e}"))? {
        roots.add(cert.map_err(|e| format!("{file}: {e}"))?)?;
    }
    let config = ClientConfig::builder_with_provider(noio_ws_tokio::crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
