//! The async client the Autobahn Testsuite's fuzzingserver tests:
//! `cargo run --release -p noio-ws-tokio --example autobahn_client -- [ws://127.0.0.1:9001]`.
//!
//! The same client as the blocking `autobahn_client` of `noio-ws`, on the
//! tokio adapter, filed under its own agent name (`noio-ws-tokio`): it asks
//! the suite how many cases it has (`/getCaseCount`), runs each one
//! (`/runCase`) echoing every message with its type, then has the suite
//! write its reports (`/updateReports`). It offers permessage-deflate unless
//! given `--no-deflate`. `cargo xtask autobahn` drives it.

use std::time::Duration;

use noio_ws_tokio::{ClientBuilder, ClientStream, Config, Error, Frame, WebSocket};

/// The name the suite files this client's results under.
const AGENT: &str = "noio-ws-tokio";

/// Room for the suite's largest messages (16 MiB) and then some, and an
/// idle timeout far longer than any case waits, so a stuck suite cannot
/// hang the run. No keepalive ping: the suite counts every frame it gets.
const CONFIG: Config = Config {
    max_frame_len: 64 << 20,
    max_message_len: 64 << 20,
    idle_timeout: Some(Duration::from_secs(60)),
    ..Config::DEFAULT
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let before = args.len();
    args.retain(|arg| arg != "--no-deflate");
    let deflate = args.len() == before;
    let base = args.first().cloned().unwrap_or_else(|| "ws://127.0.0.1:9001".to_string());
    if let Err(error) = run(base.trim_end_matches('/'), deflate).await {
        eprintln!("autobahn_client: {error}");
        std::process::exit(1);
    }
}

async fn run(base: &str, deflate: bool) -> Result<(), Error> {
    let control = ClientBuilder::new().config(CONFIG).deflate(false);
    let (mut ws, _) = control.connect(format!("{base}/getCaseCount")).await?;
    let count = match ws.recv().await.transpose()? {
        Some(message) => message.as_text().and_then(|t| t.parse::<u32>().ok()),
        None => None,
    };
    while ws.recv().await.transpose()?.is_some() {}
    let count = count.ok_or_else(|| Error::InvalidRequest("the suite sent no case count".into()))?;
    println!("autobahn_client: {count} cases");

    let cases = ClientBuilder::new().config(CONFIG).deflate(deflate);
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        // A case may fail the handshake or the connection on purpose; the
        // suite judges what happened, so keep going.
        match cases.connect(url).await {
            Ok((ws, _)) => {
                if let Err(error) = echo(ws).await {
                    eprintln!("autobahn_client: case {case}: {error}");
                }
            }
            Err(error) => eprintln!("autobahn_client: case {case}: {error}"),
        }
    }

    let (mut ws, _) = control.connect(format!("{base}/updateReports?agent={AGENT}")).await?;
    while ws.recv().await.transpose()?.is_some() {}
    println!("autobahn_client: reports updated");
    Ok(())
}

/// Echoes every message with its type until the connection is closed (the
/// client waiting, within the linger time, for the suite to close first).
async fn echo(mut ws: WebSocket<ClientStream>) -> Result<(), Error> {
    while let Some(message) = ws.recv().await {
        let message = message?;
        if ws.connection().state().can_send_data() {
            ws.feed(Frame::new(message.opcode, message.payload)).await?;
        }
    }
    Ok(())
}
