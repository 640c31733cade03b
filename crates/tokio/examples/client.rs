//! An async WebSocket client: sends each line typed as a text message and
//! prints what comes back; the end of the input (Ctrl-D) closes with 1000,
//! printing the echoes still on their way until the server's close.
//! Reading the terminal and the connection at once is a `select!`, which
//! the connection's cancel-safe `recv` allows.
//!
//! `ws://` and `wss://` URLs (`wss://` verified against Mozilla's roots
//! with the default features, or the platform's with
//! `rustls-native-roots`), directly or through an HTTP proxy's `CONNECT`
//! tunnel with `--proxy http://[user:pass@]host:port`.
//!
//! ```sh
//! cargo run -p noio-ws-tokio --example client -- ws://127.0.0.1:9001/
//! cargo run -p noio-ws-tokio --example client -- --proxy http://127.0.0.1:3128 wss://example.com/socket
//! ```

use noio_ws_tokio::{ClientBuilder, CloseCode, Event, Frame};
use tokio::io::{AsyncBufReadExt, BufReader};

const USAGE: &str = "usage: client [--proxy http://[user:pass@]host:port] [ws://... | wss://...]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut url = None;
    let mut client = ClientBuilder::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--proxy" => {
                let proxy = args.next().ok_or(USAGE)?;
                client = client.proxy(&proxy)?;
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
    let (mut ws, _) = client.connect(url.as_str()).await?;
    eprintln!("client: connected to {url}; type lines, Ctrl-D to close");
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
