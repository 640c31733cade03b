//! `cargo xtask bench --echo [FILTERS] [--seconds S] [--warmup S] [--rounds N]`:
//! the loopback echo benchmark of issue 11. An echo server (noio-ws on its
//! std driver and on its tokio adapter, tokio-websockets,
//! fastwebsockets) runs pinned to core 0, our own load generator pinned to
//! core 1, both processes of `crates/bench/examples/echo`, over 127.0.0.1 on
//! a port the server picks. Every configuration (1 and 64 connections;
//! 16 B, 1 KiB and 64 KiB; ping-pong and pipelined) runs each library for
//! the warmup and then the measured seconds, in `--rounds` rounds (the
//! libraries one after another within a round, so drift from other work on
//! the machine falls on all of them alike), and keeps each library's best
//! round. It prints messages/s, p50 and p99 latency, the generator's CPU use
//! (near 100% it, not the server, would be the limit) and each of ours
//! against the best peer, and writes the same to
//! `$CARGO_TARGET_DIR/noio-bench/echo.json` (`target/` by default):
//!
//! ```json
//! {"machine": "...", "seconds": 2.0, "runs": [{"library": "noio-ws (std)",
//!  "connections": 1, "size": 16, "mode": "ping-pong", "messages_per_s": 12345.6,
//!  "p50_us": 12.3, "p99_us": 45.6}, ...]}
//! ```
//!
//! Filters narrow the runs, each repeatable: `--library NAME` (a name as
//! printed, as the server takes it, or `noio-ws` for both of ours),
//! `--size 16B|1KiB|64KiB|BYTES`, `--connections N`, `--mode
//! ping-pong|pipelined`. Every run is bounded: the generator stops after its
//! seconds (or fails if the server stops answering) and the server is
//! killed after each run, and exits by itself if this process dies.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::cmd;

/// Each library: the name the server takes, the name reported (ours start
/// with `noio-ws`, as the other reports' do).
pub(crate) const LIBRARIES: [(&str, &str); 4] = [
    ("noio-ws-std", "noio-ws (std)"),
    ("noio-ws-tokio", "noio-ws (tokio adapter)"),
    ("tokio-websockets", "tokio-websockets"),
    ("fastwebsockets", "fastwebsockets"),
];

/// Adds to `libraries` those `--library NAME` names: a server's name, a
/// reported name, or `noio-ws` for both of ours.
pub(crate) fn add_libraries(
    libraries: &mut Vec<(&'static str, &'static str)>,
    name: &str,
) -> Result<(), String> {
    let before = libraries.len();
    libraries.extend(LIBRARIES.iter().filter(|(server, reported)| {
        *server == name || *reported == name || (name == "noio-ws" && reported.starts_with("noio-ws"))
    }));
    if libraries.len() == before {
        return Err(format!("--library {name}: one of {LIBRARIES:?}, or noio-ws"));
    }
    Ok(())
}

const CONNECTIONS: [usize; 2] = [1, 64];
const SIZES: [usize; 3] = [16, 1 << 10, 64 << 10];
const MODES: [&str; 2] = ["ping-pong", "pipelined"];

/// What the command line asked for.
struct Options {
    libraries: Vec<(&'static str, &'static str)>,
    connections: Vec<usize>,
    sizes: Vec<usize>,
    modes: Vec<&'static str>,
    warmup: f64,
    seconds: f64,
    rounds: usize,
}

/// One configuration.
#[derive(Clone, Copy)]
struct Config {
    connections: usize,
    size: usize,
    mode: &'static str,
}

/// One library's result in one configuration: its best round.
#[derive(Clone, Copy)]
struct Measured {
    library: &'static str,
    config: Config,
    messages_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    /// The load generator's CPU use over the run, 0 to 1.
    load_cpu: f64,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let echo = crate::bench::build_example("echo")?;
    let pinned =
        cmd::succeeds("taskset", &["-c", "0", "true"]) && cmd::succeeds("taskset", &["-c", "1", "true"]);
    if !pinned {
        println!("note: no `taskset` or no second core: server and load generator run unpinned");
    }
    let mut results = Vec::new();
    for &connections in &options.connections {
        for &size in &options.sizes {
            for &mode in &options.modes {
                let config = Config { connections, size, mode };
                let mut best: Vec<Option<Measured>> = options.libraries.iter().map(|_| None).collect();
                for _ in 0..options.rounds {
                    for (i, &(server_name, library)) in options.libraries.iter().enumerate() {
                        let m = measure(&echo, pinned, server_name, library, config, &options)?;
                        eprintln!(
                            "{library:<22} {connections:>2} conn {:>6} {mode:<10} {:>11.0} msg/s  p50 {:>8.1} µs  p99 {:>9.1} µs  load cpu {:>3.0}%",
                            size_name(size),
                            m.messages_per_s,
                            m.p50_us,
                            m.p99_us,
                            m.load_cpu * 100.0
                        );
                        if best[i].as_ref().is_none_or(|b| m.messages_per_s > b.messages_per_s) {
                            best[i] = Some(m);
                        }
                    }
                }
                results.extend(best.into_iter().flatten());
            }
        }
    }
    print_table(&results);
    write_json(&results, options.seconds)
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        libraries: Vec::new(),
        connections: Vec::new(),
        sizes: Vec::new(),
        modes: Vec::new(),
        warmup: 0.5,
        seconds: 2.0,
        rounds: 2,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("{flag} {value}: not understood");
        match flag.as_str() {
            "--library" => add_libraries(&mut options.libraries, value)?,
            "--connections" => options.connections.push(value.parse().map_err(|_| bad())?),
            "--size" => options.sizes.push(
                SIZES
                    .into_iter()
                    .find(|&s| size_name(s) == *value)
                    .or_else(|| value.parse().ok())
                    .ok_or_else(bad)?,
            ),
            "--mode" => options.modes.push(MODES.into_iter().find(|m| m == value).ok_or_else(bad)?),
            "--warmup" => options.warmup = value.parse().ok().filter(|s: &f64| *s >= 0.0).ok_or_else(bad)?,
            "--seconds" => options.seconds = value.parse().ok().filter(|s: &f64| *s > 0.0).ok_or_else(bad)?,
            "--rounds" => options.rounds = value.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.libraries.is_empty() {
        options.libraries = LIBRARIES.to_vec();
    }
    if options.connections.is_empty() {
        options.connections = CONNECTIONS.to_vec();
    }
    if options.sizes.is_empty() {
        options.sizes = SIZES.to_vec();
    }
    if options.modes.is_empty() {
        options.modes = MODES.to_vec();
    }
    Ok(options)
}

/// `16B`, `1KiB`, `64KiB`, as the other benchmarks name sizes.
fn size_name(size: usize) -> String {
    match size {
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// `echo` on `core` when pinning, else unpinned.
fn on_core(echo: &PathBuf, pinned: bool, core: &str) -> Command {
    if pinned {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(echo);
        command
    } else {
        Command::new(echo)
    }
}

/// The server, killed when dropped: a failed run leaves none behind.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        // It may have exited already; either way it is reaped.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One round of one library in one configuration.
fn measure(
    echo: &PathBuf,
    pinned: bool,
    server_name: &str,
    library: &'static str,
    config: Config,
    options: &Options,
) -> Result<Measured, String> {
    let what =
        format!("{library}, {} connections, {}, {}", config.connections, size_name(config.size), config.mode);
    // Long enough for the run, and bounded should this process die.
    let lifetime = options.warmup + options.seconds + 60.0;
    let mut server = Server(
        on_core(echo, pinned, "0")
            .args(["server", "--library", server_name, "--max-seconds", &lifetime.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the {library} server: {e}"))?,
    );
    let stdout = server.0.stdout.take().ok_or("the server's output")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("the {library} server: {e}"))?;
    let port = line
        .strip_prefix("port ")
        .and_then(|p| p.trim().parse::<u16>().ok())
        .ok_or_else(|| format!("the {library} server said {line:?}, not its port"))?;
    let output = on_core(echo, pinned, "1")
        .args(["load", "--port", &port.to_string()])
        .args(["--connections", &config.connections.to_string(), "--size", &config.size.to_string()])
        .args(["--mode", config.mode, "--warmup", &options.warmup.to_string()])
        .args(["--seconds", &options.seconds.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("starting the load generator: {e}"))?;
    if !output.status.success() {
        return Err(format!("{what}: the load generator failed ({})", output.status));
    }
    drop(server);
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |key: &str| -> Result<f64, String> {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .ok_or_else(|| format!("{what}: no {key} in the generator's {text:?}"))
    };
    let messages = field("messages")?;
    if messages == 0.0 {
        return Err(format!("{what}: no message echoed in the measured time"));
    }
    Ok(Measured {
        library,
        config,
        messages_per_s: messages / field("seconds")?,
        p50_us: field("p50_us")?,
        p99_us: field("p99_us")?,
        load_cpu: field("cpu")?,
    })
}

fn is_ours(library: &str) -> bool {
    library.starts_with("noio-ws")
}

/// The best peer's messages/s in `config`, and its name.
fn best_peer(results: &[Measured], config: Config) -> Option<&Measured> {
    results
        .iter()
        .filter(|m| !is_ours(m.library) && same(m.config, config))
        .max_by(|a, b| a.messages_per_s.total_cmp(&b.messages_per_s))
}

fn same(a: Config, b: Config) -> bool {
    (a.connections, a.size, a.mode) == (b.connections, b.size, b.mode)
}

/// The generator's CPU use past which it, not the server, may be what
/// limits a run.
const GENERATOR_BOUND: f64 = 0.9;

/// The latency bound of issue 12: a run whose p99 is more than this many
/// times its p50 served some connections while others waited. With a
/// fixed window in flight, the mean latency is set by the throughput
/// alone (Little's law: messages in flight ÷ messages/s), so a p50 far
/// below that mean is bought with connections left waiting, and such
/// runs are marked.
const FAIR_P99_OVER_P50: f64 = 10.0;

/// Whether `m` kept its p99 within [`FAIR_P99_OVER_P50`] times its p50.
fn is_fair(m: &Measured) -> bool {
    m.p99_us <= FAIR_P99_OVER_P50 * m.p50_us
}

/// The best peer's messages/s in `config` among its runs within the
/// latency bound, and its name.
fn best_fair_peer(results: &[Measured], config: Config) -> Option<&Measured> {
    results
        .iter()
        .filter(|m| !is_ours(m.library) && same(m.config, config) && is_fair(m))
        .max_by(|a, b| a.messages_per_s.total_cmp(&b.messages_per_s))
}

/// What the table's last column says of one of our runs: its ratio to the
/// best peer, marked where the generator was the limit, and, where the
/// best peer broke the latency bound, its ratio to the best peer that
/// kept it. Returns the text and whether we are behind the best peer.
fn against_peers(results: &[Measured], m: &Measured) -> Option<(String, bool)> {
    let best = best_peer(results, m.config)?;
    let ratio = m.messages_per_s / best.messages_per_s;
    // Where the generator ran its core full for the best peer or for us,
    // the server was not the limit there: say so.
    let bound = if best.load_cpu.max(m.load_cpu) > GENERATOR_BOUND { " (generator-bound)" } else { "" };
    let mut text = format!("{ratio:.2}x vs {}{bound}", best.library);
    if !is_fair(best) {
        match best_fair_peer(results, m.config) {
            Some(fair) => {
                let _ = write!(
                    text,
                    "; {:.2}x vs {}, the best within p99 ≤ {FAIR_P99_OVER_P50}x p50",
                    m.messages_per_s / fair.messages_per_s,
                    fair.library
                );
            }
            None => {
                let _ = write!(text, "; no peer kept p99 ≤ {FAIR_P99_OVER_P50}x p50");
            }
        }
    }
    Some((text, ratio < 1.0))
}

fn print_table(results: &[Measured]) {
    println!(
        "\n{:<22} {:>5} {:>6} {:<10} {:>12} {:>9} {:>9} {:>8}  ÷ best peer (messages/s)",
        "library", "conns", "size", "mode", "messages/s", "p50 µs", "p99 µs", "load cpu",
    );
    let mut behind = Vec::new();
    for m in results {
        let (ratio, is_behind) = against_peers(results, m).filter(|_| is_ours(m.library)).unwrap_or_default();
        if is_behind {
            behind.push(format!(
                "{} at {} connections, {}, {}: {ratio}",
                m.library,
                m.config.connections,
                size_name(m.config.size),
                m.config.mode,
            ));
        }
        let unfair = if is_fair(m) { "" } else { " [p99 > 10x p50]" };
        println!(
            "{:<22} {:>5} {:>6} {:<10} {:>12.0} {:>9.1} {:>9.1} {:>7.0}%  {ratio}{unfair}",
            m.library,
            m.config.connections,
            size_name(m.config.size),
            m.config.mode,
            m.messages_per_s,
            m.p50_us,
            m.p99_us,
            m.load_cpu * 100.0
        );
    }
    if results.iter().any(|m| m.load_cpu > GENERATOR_BOUND) {
        println!(
            "note: the load generator used over 90% of its core in some runs: there it may be the limit"
        );
    }
    if results.iter().any(|m| !is_fair(m)) {
        println!("note: [p99 > 10x p50] marks runs that served some connections while others waited");
    }
    if behind.is_empty() {
        println!("\nours are at or above the best peer's messages/s in every configuration measured");
    } else {
        println!("\nbehind the best peer:");
        for line in behind {
            println!("  {line}");
        }
    }
}

/// The CPU model and core count, for the report.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores ({} {})", std::env::consts::OS, std::env::consts::ARCH)
}

fn write_json(results: &[Measured], seconds: f64) -> Result<(), String> {
    let runs: Vec<Value> = results
        .iter()
        .map(|m| {
            json!({
                "library": m.library,
                "connections": m.config.connections,
                "size": m.config.size,
                "mode": m.config.mode,
                "messages_per_s": m.messages_per_s,
                "p50_us": m.p50_us,
                "p99_us": m.p99_us,
            })
        })
        .collect();
    let report = json!({ "machine": machine(), "seconds": seconds, "runs": runs });
    let dir = crate::bench::target_dir().join("noio-bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("echo.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// How long a default run's measurements take, about: a test keeps it
/// under five minutes.
#[cfg(test)]
fn default_run_time() -> std::time::Duration {
    let options = parse(&[]).unwrap();
    let runs = options.libraries.len()
        * options.connections.len()
        * options.sizes.len()
        * options.modes.len()
        * options.rounds;
    // Starting the processes and connecting: well under half a second a run.
    std::time::Duration::from_secs_f64(runs as f64 * (options.warmup + options.seconds + 0.5))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_default_run_takes_under_five_minutes() {
        assert!(default_run_time() < Duration::from_secs(300), "{:?}", default_run_time());
    }

    fn measured(library: &'static str, messages_per_s: f64, p50_us: f64, p99_us: f64) -> Measured {
        let config = Config { connections: 64, size: 64 << 10, mode: "pipelined" };
        Measured { library, config, messages_per_s, p50_us, p99_us, load_cpu: 0.5 }
    }

    #[test]
    fn a_peer_that_leaves_connections_waiting_is_compared_apart() {
        let results = [
            measured("noio-ws (tokio adapter)", 90.0, 40_000.0, 100_000.0),
            measured("tokio-websockets", 100.0, 500.0, 1_000_000.0),
            measured("fastwebsockets", 80.0, 40_000.0, 300_000.0),
        ];
        let (text, behind) = against_peers(&results, &results[0]).unwrap();
        assert!(behind);
        assert!(text.starts_with("0.90x vs tokio-websockets"), "{text}");
        assert!(text.contains("1.12x vs fastwebsockets, the best within p99 ≤ 10x p50"), "{text}");
        assert!(!is_fair(&results[1]) && is_fair(&results[2]));
        // No peer within the bound: said so.
        let (text, _) = against_peers(&results[..2], &results[0]).unwrap();
        assert!(text.ends_with("no peer kept p99 ≤ 10x p50"), "{text}");
        // A fair best peer: one ratio.
        let (text, behind) = against_peers(&[results[0], results[2]], &results[0]).unwrap();
        assert_eq!((text.as_str(), behind), ("1.12x vs fastwebsockets", false));
    }

    #[test]
    fn filters_narrow_the_runs() {
        let args: Vec<String> =
            ["--library", "noio-ws", "--size", "1KiB", "--size", "300", "--mode", "pipelined"]
                .map(String::from)
                .to_vec();
        let options = parse(&args).unwrap();
        assert_eq!(
            options.libraries.iter().map(|l| l.1).collect::<Vec<_>>(),
            ["noio-ws (std)", "noio-ws (tokio adapter)"]
        );
        assert_eq!(options.sizes, [1024, 300]);
        assert_eq!(options.modes, ["pipelined"]);
        assert_eq!(options.connections, CONNECTIONS);
        assert!(parse(&["--library".to_string(), "nope".to_string()]).is_err());
    }
}
