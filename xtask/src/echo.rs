//! `cargo xtask bench --echo [FILTERS] [--seconds S] [--warmup S] [--rounds N]`:
//! the loopback echo benchmark of issue 11. An echo server (noio-ws on its
//! std driver and on its tokio adapter, tokio-websockets,
//! fastwebsockets) runs pinned to core 0, our own load generator pinned to
//! core 1, both processes of `crates/bench/examples/echo`, over 127.0.0.1 on
//! a port the server picks. Every configuration (1 and 64 connections;
//! 16 B, 1 KiB and 64 KiB; ping-pong and pipelined) runs each library for
//! the warmup and then the measured seconds, in `--rounds` rounds (the
//! libraries one after another within a round, starting each round with
//! the next library, so drift from other work on the machine falls on all
//! of them alike). Loopback latency on a shared machine moves by a third
//! from one run to the next, so no single run decides: each of ours is
//! compared with each peer *in the same round*, and the comparison is the
//! median of those per-round ratios against the strongest peer (the
//! lowest median), printed with their range; each library's figures are
//! those of its median round. It prints messages/s,
//! p50 and p99 latency, the generator's CPU use (near 100% it, not the
//! server, would be the limit) and each of ours against the strongest
//! peer, and writes the same, with the run's command, commit, date and
//! machine, to `docs/benchmarks/results/echo.json`:
//!
//! ```json
//! {"machine": "...", "command": "cargo xtask bench --echo", "commit": "abc1234",
//!  "date": "2026-12-03 06:26 UTC", "seconds": 2.0, "runs": [{"library": "noio-ws (std)",
//!  "connections": 1, "size": 16, "mode": "ping-pong", "messages_per_s": 12345.6,
//!  "p50_us": 12.3, "p99_us": 45.6, "rounds": 5,
//!  "vs_best_peer": {"median": 1.02, "min": 0.91, "max": 1.10, "peer": "fastwebsockets"},
//!  "generator_bound": false}, ...]}
//! ```
//!
//! `vs_best_peer` (against the strongest peer) and `generator_bound` are
//! there for ours only;
//! `vs_best_fair_peer`, of the same form, where the strongest peer's median
//! round broke the latency bound (see [`FAIR_P99_OVER_P50`]).
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
use crate::provenance::Provenance;

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
#[derive(Clone, Copy, Debug)]
struct Config {
    connections: usize,
    size: usize,
    mode: &'static str,
}

/// One library's result in one configuration in one round.
#[derive(Clone, Copy, Debug)]
struct Measured {
    library: &'static str,
    config: Config,
    messages_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    /// The load generator's CPU use over the run, 0 to 1.
    load_cpu: f64,
    /// The server's CPU use over the measured seconds, in cores (NaN where
    /// it could not be read).
    server_cpu: f64,
}

impl Measured {
    /// The server's CPU time per message echoed, in microseconds: what a
    /// run the generator limits still tells of the server.
    fn server_us_per_message(&self) -> f64 {
        self.server_cpu / self.messages_per_s * 1e6
    }
}

pub(crate) fn run(args: &[String], run: &Provenance) -> Result<(), String> {
    let options = parse(args)?;
    let echo = crate::bench::build_example("echo")?;
    let pinned =
        cmd::succeeds("taskset", &["-c", "0", "true"]) && cmd::succeeds("taskset", &["-c", "1", "true"]);
    if !pinned {
        println!("note: no `taskset` or no second core: server and load generator run unpinned");
    }
    let libraries = &options.libraries;
    let mut results = Vec::new();
    for &connections in &options.connections {
        for &size in &options.sizes {
            for &mode in &options.modes {
                let config = Config { connections, size, mode };
                // `rounds[r][i]`: library `i` in round `r`.
                let mut rounds = Vec::with_capacity(options.rounds);
                for round in 0..options.rounds {
                    let mut runs = vec![None; libraries.len()];
                    // Each round starts with the next library: none always
                    // runs first, after the machine was idle, or last.
                    for turn in 0..libraries.len() {
                        let i = (round + turn) % libraries.len();
                        let (server_name, library) = libraries[i];
                        let m = measure(&echo, pinned, server_name, library, config, &options)?;
                        eprintln!(
                            "round {}: {library:<22} {connections:>2} conn {:>6} {mode:<10} {:>11.0} msg/s  p50 {:>8.1} µs  p99 {:>9.1} µs  load cpu {:>3.0}%",
                            round + 1,
                            size_name(size),
                            m.messages_per_s,
                            m.p50_us,
                            m.p99_us,
                            m.load_cpu * 100.0
                        );
                        runs[i] = Some(m);
                    }
                    rounds.push(runs.into_iter().flatten().collect::<Vec<_>>());
                }
                results.extend(summarise(&rounds));
            }
        }
    }
    print_table(&results);
    write_json(&results, options.seconds, run)
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        libraries: Vec::new(),
        connections: Vec::new(),
        sizes: Vec::new(),
        modes: Vec::new(),
        warmup: 0.5,
        seconds: 2.0,
        rounds: 5,
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
    let server_pid = server.0.id().to_string(); // `taskset` execs the server
    let output = on_core(echo, pinned, "1")
        .args(["load", "--port", &port.to_string(), "--server-pid", &server_pid])
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
        server_cpu: field("server_cpu").unwrap_or(f64::NAN),
    })
}

fn is_ours(library: &str) -> bool {
    library.starts_with("noio-ws")
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

/// A ratio over rounds: its median and range.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    /// `None` for no values.
    fn of(mut values: Vec<f64>) -> Option<Spread> {
        values.sort_by(f64::total_cmp);
        let (first, last) = (*values.first()?, *values.last()?);
        let middle = values.len() / 2;
        let median = if values.len().is_multiple_of(2) {
            (values[middle - 1] + values[middle]) / 2.0
        } else {
            values[middle]
        };
        Some(Spread { median, min: first, max: last })
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}x ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

/// How one of ours compares with the peers in one configuration.
#[derive(Clone, Debug, PartialEq)]
struct Comparison {
    /// Ours ÷ the strongest peer, round by round.
    best: Spread,
    /// The strongest peer: the one ours has the lowest median ratio to.
    best_peer: &'static str,
    /// Where the generator ran its core full in some round, for ours or
    /// that peer: there the server was not the limit.
    generator_bound: bool,
    /// Whether the strongest peer kept the latency bound in its median round.
    fairness: Fairness,
    /// The strongest peer's server CPU time per message ÷ ours, round by
    /// round (above 1: ours costs less); `None` where it was not read.
    cpu: Option<Spread>,
}

/// Whether the strongest peer kept the latency bound, and if not, ours
/// against the strongest that did.
#[derive(Clone, Debug, PartialEq)]
enum Fairness {
    /// The strongest peer kept it.
    Kept,
    /// It did not: ours ÷ the strongest peer whose median round kept it.
    Fair(Spread, &'static str),
    /// It did not, and no peer's median round kept it.
    NoFairPeer,
}

/// Library `i`'s median round in `rounds` by messages/s (the upper of the
/// middle two for an even count).
fn median_run(rounds: &[Vec<Measured>], i: usize) -> Measured {
    let mut runs: Vec<Measured> = rounds.iter().map(|runs| runs[i]).collect();
    runs.sort_by(|a, b| a.messages_per_s.total_cmp(&b.messages_per_s));
    runs[runs.len() / 2]
}

/// Ours (`rounds[r][i]`) against each peer, round by round: the ratios of
/// ours to that peer in the same round, summarised, and the strongest
/// peer (the lowest median ratio) reported. Not against each round's
/// fastest peer: with noise, the fastest of several equal peers beats
/// any one of them in most rounds, which would make an equal look behind.
/// `None` for a peer, or with no peer measured.
fn compare(rounds: &[Vec<Measured>], i: usize) -> Option<Comparison> {
    if !is_ours(rounds.first()?.get(i)?.library) {
        return None;
    }
    struct Against {
        peer: &'static str,
        spread: Spread,
        cpu: Option<Spread>,
        fair: bool,
        generator_bound: bool,
    }
    let against: Vec<Against> = (0..rounds[0].len())
        .filter(|&j| !is_ours(rounds[0][j].library))
        .filter_map(|j| {
            Some(Against {
                peer: rounds[0][j].library,
                spread: Spread::of(
                    rounds.iter().map(|r| r[i].messages_per_s / r[j].messages_per_s).collect(),
                )?,
                cpu: Spread::of(
                    rounds
                        .iter()
                        .map(|r| r[j].server_us_per_message() / r[i].server_us_per_message())
                        .filter(|ratio| ratio.is_finite())
                        .collect(),
                ),
                fair: is_fair(&median_run(rounds, j)),
                generator_bound: rounds.iter().any(|r| r[i].load_cpu.max(r[j].load_cpu) > GENERATOR_BOUND),
            })
        })
        .collect();
    let strongest = |fair_only: bool| {
        against
            .iter()
            .filter(|a| !fair_only || a.fair)
            .min_by(|a, b| a.spread.median.total_cmp(&b.spread.median))
    };
    let best = strongest(false)?;
    let fairness = match strongest(true) {
        _ if best.fair => Fairness::Kept,
        Some(fair) => Fairness::Fair(fair.spread, fair.peer),
        None => Fairness::NoFairPeer,
    };
    Some(Comparison {
        best: best.spread,
        best_peer: best.peer,
        generator_bound: best.generator_bound,
        fairness,
        cpu: best.cpu,
    })
}

/// One library in one configuration, over every round.
#[derive(Clone, Debug)]
struct Summary {
    /// Its median round by messages/s (the upper of the middle two for an
    /// even count): the figures reported.
    median: Measured,
    rounds: usize,
    /// Ours against the peers.
    comparison: Option<Comparison>,
}

/// Each library's summary over `rounds` (`rounds[r][i]`: library `i` in
/// round `r`).
fn summarise(rounds: &[Vec<Measured>]) -> Vec<Summary> {
    let libraries = rounds.first().map_or(0, Vec::len);
    (0..libraries)
        .map(|i| Summary {
            median: median_run(rounds, i),
            rounds: rounds.len(),
            comparison: compare(rounds, i),
        })
        .collect()
}

impl Comparison {
    /// What the table's last column says: the ratio to the best peer,
    /// marked where the generator was the limit, and, where the best peer
    /// broke the latency bound, the ratio to the best peer that kept it.
    fn text(&self) -> String {
        let bound = if self.generator_bound { " (generator-bound)" } else { "" };
        let mut text = format!("{} vs {}{bound}", self.best, self.best_peer);
        match &self.fairness {
            Fairness::Kept => {}
            Fairness::Fair(spread, peer) => {
                let _ = write!(text, "; {spread} vs {peer}, the best within p99 ≤ {FAIR_P99_OVER_P50}x p50");
            }
            Fairness::NoFairPeer => {
                let _ = write!(text, "; no peer kept p99 ≤ {FAIR_P99_OVER_P50}x p50");
            }
        }
        if let Some(cpu) = &self.cpu {
            let _ = write!(text, "; its server CPU per message ÷ ours {cpu}");
        }
        text
    }

    /// Behind the best peer: the median ratio is under 1.
    fn is_behind(&self) -> bool {
        self.best.median < 1.0
    }
}

fn print_table(results: &[Summary]) {
    println!(
        "\n{:<22} {:>5} {:>6} {:<10} {:>12} {:>9} {:>9} {:>8} {:>10}  ÷ strongest peer, round by round: median (range)",
        "library", "conns", "size", "mode", "messages/s", "p50 µs", "p99 µs", "load cpu", "srv µs/msg",
    );
    let mut behind = Vec::new();
    for Summary { median: m, comparison, .. } in results {
        let ratio = comparison.as_ref().map(Comparison::text).unwrap_or_default();
        if comparison.as_ref().is_some_and(Comparison::is_behind) {
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
            "{:<22} {:>5} {:>6} {:<10} {:>12.0} {:>9.1} {:>9.1} {:>7.0}% {:>10.2}  {ratio}{unfair}",
            m.library,
            m.config.connections,
            size_name(m.config.size),
            m.config.mode,
            m.messages_per_s,
            m.p50_us,
            m.p99_us,
            m.load_cpu * 100.0,
            m.server_us_per_message()
        );
    }
    let rounds = results.first().map_or(0, |s| s.rounds);
    println!("each library's figures: its median of {rounds} rounds");
    if results.iter().any(|s| s.comparison.as_ref().is_some_and(|c| c.generator_bound)) {
        println!(
            "note: the load generator used over 90% of its core in some runs: there it may be the limit"
        );
    }
    if results.iter().any(|s| !is_fair(&s.median)) {
        println!("note: [p99 > 10x p50] marks runs that served some connections while others waited");
    }
    if behind.is_empty() {
        println!("\nours are at or above the best peer's messages/s in every configuration measured");
    } else {
        println!("\nbehind the best peer (median of the rounds' ratios under 1):");
        for line in behind {
            println!("  {line}");
        }
    }
}

fn spread_json(spread: &Spread, peer: &str) -> Value {
    json!({ "median": spread.median, "min": spread.min, "max": spread.max, "peer": peer })
}

fn write_json(results: &[Summary], seconds: f64, run: &Provenance) -> Result<(), String> {
    let runs: Vec<Value> = results
        .iter()
        .map(|Summary { median: m, rounds, comparison }| {
            let mut run = json!({
                "library": m.library,
                "connections": m.config.connections,
                "size": m.config.size,
                "mode": m.config.mode,
                "messages_per_s": m.messages_per_s,
                "p50_us": m.p50_us,
                "p99_us": m.p99_us,
                "rounds": rounds,
            });
            let server_us = m.server_us_per_message();
            if server_us.is_finite() {
                run["server_cpu_us_per_message"] = json!(server_us);
            }
            if let Some(c) = comparison {
                run["vs_best_peer"] = spread_json(&c.best, c.best_peer);
                if let Some(cpu) = &c.cpu {
                    run["server_cpu_vs_best_peer"] = spread_json(cpu, c.best_peer);
                }
                run["generator_bound"] = json!(c.generator_bound);
                match &c.fairness {
                    Fairness::Kept => {}
                    Fairness::Fair(spread, peer) => run["vs_best_fair_peer"] = spread_json(spread, peer),
                    Fairness::NoFairPeer => run["vs_best_fair_peer"] = Value::Null,
                }
            }
            run
        })
        .collect();
    let report = json!({
        "machine": run.machine,
        "command": run.command,
        "commit": run.commit,
        "date": run.date,
        "seconds": seconds,
        "runs": runs,
    });
    let dir = crate::bench_results::dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("echo.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// How long a default run's measurements take, about: a test keeps it
/// under a quarter of an hour.
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
    fn a_default_run_takes_under_a_quarter_of_an_hour() {
        assert!(default_run_time() < Duration::from_secs(900), "{:?}", default_run_time());
    }

    fn measured(library: &'static str, messages_per_s: f64, p50_us: f64, p99_us: f64) -> Measured {
        let config = Config { connections: 64, size: 64 << 10, mode: "pipelined" };
        Measured { library, config, messages_per_s, p50_us, p99_us, load_cpu: 0.5, server_cpu: f64::NAN }
    }

    const OURS: &str = "noio-ws (tokio adapter)";

    #[test]
    fn ours_are_compared_with_each_peer_round_by_round() {
        // Ours against tokio-websockets: 0.90, 3.00, 0.99 (round 2 a lucky
        // run that a best-of would keep); against fastwebsockets: 0.95,
        // 2.00, 1.65. The strongest peer is tokio-websockets.
        let rounds = [
            vec![
                measured(OURS, 90.0, 10.0, 20.0),
                measured("tokio-websockets", 100.0, 10.0, 20.0),
                measured("fastwebsockets", 95.0, 10.0, 20.0),
            ],
            vec![
                measured(OURS, 150.0, 10.0, 20.0),
                measured("tokio-websockets", 50.0, 10.0, 20.0),
                measured("fastwebsockets", 75.0, 10.0, 20.0),
            ],
            vec![
                measured(OURS, 99.0, 10.0, 20.0),
                measured("tokio-websockets", 100.0, 10.0, 20.0),
                measured("fastwebsockets", 60.0, 10.0, 20.0),
            ],
        ];
        let summaries = summarise(&rounds);
        assert_eq!(
            summaries.iter().map(|s| s.median.messages_per_s).collect::<Vec<_>>(),
            [99.0, 100.0, 75.0]
        );
        let c = summaries[0].comparison.as_ref().unwrap();
        assert_eq!(c.best, Spread { median: 0.99, min: 0.9, max: 3.0 });
        assert_eq!(
            (c.best_peer, c.generator_bound, &c.fairness),
            ("tokio-websockets", false, &Fairness::Kept)
        );
        assert!(c.is_behind());
        assert_eq!(c.text(), "0.99x (0.90–3.00) vs tokio-websockets");
        assert!(
            summaries[1].comparison.is_none() && summaries[2].comparison.is_none(),
            "peers are not compared"
        );
        // An even count: the middle two's mean.
        assert_eq!(Spread::of(vec![4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Spread::of(Vec::new()), None);
    }

    #[test]
    fn where_the_generator_limits_the_servers_cpu_per_message_still_compares() {
        // Both at the generator's limit (the same messages/s): ours used
        // 0.4 of a core, the peer 0.6, so the peer costs 1.5x ours a message.
        let mut ours = measured(OURS, 100.0, 10.0, 20.0);
        let mut peer = measured("tokio-websockets", 100.0, 10.0, 20.0);
        (ours.load_cpu, ours.server_cpu, peer.load_cpu, peer.server_cpu) = (0.99, 0.4, 0.99, 0.6);
        assert!((ours.server_us_per_message() - 4000.0).abs() < 1e-9);
        let c = compare(&[vec![ours, peer]], 0).unwrap();
        assert_eq!(
            c.text(),
            "1.00x (1.00–1.00) vs tokio-websockets (generator-bound); its server CPU per message ÷ ours 1.50x (1.50–1.50)"
        );
    }

    #[test]
    fn a_peer_that_leaves_connections_waiting_is_compared_apart() {
        let round = vec![
            measured(OURS, 90.0, 40_000.0, 100_000.0),
            measured("tokio-websockets", 100.0, 500.0, 1_000_000.0),
            measured("fastwebsockets", 80.0, 40_000.0, 300_000.0),
        ];
        let c = compare(std::slice::from_ref(&round), 0).unwrap();
        assert!(c.is_behind());
        assert_eq!(
            c.text(),
            "0.90x (0.90–0.90) vs tokio-websockets; 1.12x (1.12–1.12) vs fastwebsockets, the best within p99 ≤ 10x p50"
        );
        // No peer within the bound: said so.
        let c = compare(&[round[..2].to_vec()], 0).unwrap();
        assert_eq!(c.fairness, Fairness::NoFairPeer);
        assert!(c.text().ends_with("no peer kept p99 ≤ 10x p50"), "{}", c.text());
        // A fair best peer: one ratio.
        let c = compare(&[vec![round[0], round[2]]], 0).unwrap();
        assert_eq!((c.text().as_str(), c.is_behind()), ("1.12x (1.12–1.12) vs fastwebsockets", false));
    }

    #[test]
    fn a_round_where_the_generator_ran_full_is_marked() {
        let mut peer = measured("fastwebsockets", 100.0, 10.0, 20.0);
        peer.load_cpu = 0.95;
        let c = compare(&[vec![measured(OURS, 100.0, 10.0, 20.0), peer]], 0).unwrap();
        assert!(c.generator_bound && !c.is_behind());
        assert!(c.text().ends_with("(generator-bound)"), "{}", c.text());
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
