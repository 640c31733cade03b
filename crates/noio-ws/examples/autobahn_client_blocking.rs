//! The client the Autobahn Testsuite's fuzzingserver tests:
//! `cargo run --release --example autobahn_client_blocking -- [ws://127.0.0.1:9001]`.
//!
//! Asks the suite how many cases it has (`/getCaseCount`), runs each one
//! (`/runCase`) echoing every message with its type, then has the suite
//! write its reports (`/updateReports`). It offers permessage-deflate unless
//! given `--no-deflate`. `cargo xtask autobahn` drives it.

#[path = "support/client_side.rs"]
mod client_side;
#[path = "support/deadline.rs"]
mod deadline;
#[path = "support/event_loop.rs"]
mod event_loop;
#[path = "support/extensions.rs"]
mod extensions;
#[path = "support/graceful_close.rs"]
mod graceful_close;

use std::time::Duration;

use noio_ws::{Config, Event, ExtensionStack};

/// The name the suite files this client's results under.
const AGENT: &str = "noio-ws";

/// Room for the suite's largest messages (16 MiB) and then some, and an
/// idle timeout far longer than any case waits, so a stuck suite cannot
/// hang the run. No keepalive ping: the suite counts every frame it gets.
const CONFIG: Config = Config {
    max_frame_len: 64 << 20,
    max_message_len: 64 << 20,
    idle_timeout: Some(Duration::from_secs(60)),
    ..Config::DEFAULT
};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let base = args.first().cloned().unwrap_or_else(|| "ws://127.0.0.1:9001".to_string());
    if let Err(error) = run(base.trim_end_matches('/'), deflate) {
        eprintln!("autobahn_client_blocking: {error}");
        std::process::exit(1);
    }
}

fn run(base: &str, deflate: bool) -> Result<(), client_side::Error> {
    let mut count = None;
    let (mut stream, mut conn, _) =
        client_side::connect(&format!("{base}/getCaseCount"), &[], ExtensionStack::new(), CONFIG)?;
    event_loop::run(&mut stream, &mut conn, |event| {
        if let Event::Message(message) = event {
            count = message.as_text().and_then(|t| t.parse::<u32>().ok());
        }
        None
    })?;
    graceful_close::close(stream, conn.transport_action());
    let count = count.ok_or("the suite sent no case count")?;
    println!("autobahn_client_blocking: {count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        // A case may fail the handshake or the connection on purpose; the
        // suite judges what happened, so keep going.
        match client_side::connect(&url, &[], extensions::offered(deflate), CONFIG) {
            Ok((mut stream, mut conn, _)) => {
                if let Err(error) = event_loop::echo(&mut stream, &mut conn) {
                    eprintln!("autobahn_client_blocking: case {case}: {error}");
                }
                // Waits (briefly) for the suite to close first, so the next
                // case starts after this one is over on both sides.
                graceful_close::close(stream, conn.transport_action());
            }
            Err(error) => eprintln!("autobahn_client_blocking: case {case}: {error}"),
        }
    }

    let url = format!("{base}/updateReports?agent={AGENT}");
    let (mut stream, mut conn, _) = client_side::connect(&url, &[], ExtensionStack::new(), CONFIG)?;
    event_loop::run(&mut stream, &mut conn, |_| None)?;
    graceful_close::close(stream, conn.transport_action());
    println!("autobahn_client_blocking: reports updated");
    Ok(())
}
