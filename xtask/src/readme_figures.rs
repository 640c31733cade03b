//! The README's table of figures against the peers, rewritten by `cargo
//! xtask bench --report` from the same saved results as
//! `docs/benchmarks.md`, between two marker lines of `README.md`, so the
//! README never quotes a figure the book no longer shows.

use std::fmt::Write as _;
use std::fs;

use crate::bench::human;
use crate::bench_report::{Sources, count, per_message_ns};

const README: &str = "README.md";
/// The markers the block sits between; everything between them is replaced.
const START: &str = "<!-- figures: written by `cargo xtask bench --report`; do not edit -->";
const END: &str = "<!-- end of figures -->";

/// The peers the README compares with, as the benches name them.
const PEERS: [&str; 3] = ["tokio-websockets", "fastwebsockets", "tungstenite"];

/// Rewrites the block in `README.md`; an error if its markers are missing.
pub(crate) fn write(sources: &Sources) -> Result<(), String> {
    let text = fs::read_to_string(README).map_err(|e| format!("{README}: {e}"))?;
    let updated = replace_block(&text, &block(sources))?;
    fs::write(README, updated).map_err(|e| format!("{README}: {e}"))?;
    eprintln!("wrote the figures of {README}");
    Ok(())
}

/// `text` with what lies between the markers replaced by `block`.
fn replace_block(text: &str, block: &str) -> Result<String, String> {
    let start = text.find(START).ok_or_else(|| format!("{README}: no line {START}"))?;
    let end =
        text[start..].find(END).ok_or_else(|| format!("{README}: no line {END} after {START}"))? + start;
    Ok(format!("{}{START}\n{block}{}", &text[..start], &text[end..]))
}

/// The table: a row per figure, ours and each peer's; `—` where a library
/// was not measured.
fn block(sources: &Sources) -> String {
    let mut out = String::from("\n| | noio-ws |");
    for peer in PEERS {
        let _ = write!(out, " {peer} |");
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(PEERS.len()));
    out.push('\n');
    let timed = sources.timed.as_deref().unwrap_or_default();
    for (label, workload, size) in [
        ("decode a masked 125 B message", "decode/binary", "125B"),
        ("decode a masked 64 KiB message", "decode/binary", "64KiB"),
        ("encode a 125 B message", "encode/binary", "125B"),
    ] {
        let cell = |library: &str| {
            timed
                .iter()
                .find(|c| c.workload == workload && c.size == size && c.library == library)
                .map_or_else(|| "—".to_string(), |c| human(per_message_ns(c)))
        };
        row(&mut out, &format!("{label} (median time)"), cell("noio-ws"), PEERS.map(cell));
    }
    let memory = sources.memory.as_deref().unwrap_or_default();
    let idle = |library: &str| {
        memory
            .iter()
            .find(|m| m.library == library && m.variant == "after the handshake" && m.connections > 0)
            .map_or_else(
                || "—".to_string(),
                |m| format!("{:.2} KiB", m.total() as f64 / m.connections as f64 / 1024.0),
            )
    };
    let connections = memory.iter().map(|m| m.connections).max().unwrap_or(0);
    row(
        &mut out,
        &format!("idle memory per connection, {} open (tokio)", count(connections as f64)),
        idle("noio-ws (tokio adapter)"),
        PEERS.map(idle),
    );
    let echo = sources.echo.as_ref().map_or(&[][..], |e| &e.runs[..]);
    for (connections, size, mode) in [(64, 16, "pipelined"), (64, 1024, "ping-pong")] {
        let rate = |library: &str| {
            echo.iter()
                .find(|r| {
                    r.library == library && r.connections == connections && r.size == size && r.mode == mode
                })
                .map_or_else(|| "—".to_string(), |r| count(r.messages_per_s))
        };
        row(
            &mut out,
            &format!("echo messages/s, {connections} connections, {size} B, {mode} (tokio)"),
            rate("noio-ws (tokio adapter)"),
            PEERS.map(rate),
        );
    }
    out.push_str(
        "\nMedian times are criterion's, in one run for all libraries; echo rates the median of \
         rounds; each with the command, commit, date and machine behind it in \
         [docs/benchmarks.md](docs/benchmarks.md).\n\n",
    );
    out
}

fn row(out: &mut String, label: &str, ours: String, peers: [String; 3]) {
    let _ = write!(out, "| {label} | {ours} |");
    for peer in peers {
        let _ = write!(out, " {peer} |");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_between_the_markers_is_replaced_and_the_rest_kept() {
        let text = format!("# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n");
        let new = replace_block(&text, "\nnew table\n\n").unwrap();
        assert_eq!(new, format!("# Title\n\nbefore\n{START}\n\nnew table\n\n{END}\nafter\n"));
        assert!(replace_block("no markers", "x").is_err());
    }

    #[test]
    fn unmeasured_libraries_show_a_dash() {
        let sources = Sources { timed: None, counted: None, paired: None, echo: None, memory: None };
        let table = block(&sources);
        assert!(table.contains("| decode a masked 125 B message (median time) | — | — | — | — |"), "{table}");
    }
}
