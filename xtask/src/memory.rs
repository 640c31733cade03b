//! `cargo xtask bench --memory [--connections N] [--std-connections N]
//! [--size BYTES] [--library NAME]...`: idle memory per connection, the
//! figure issue 12 judges the adapter by ("RSS at 10,000 connections").
//!
//! For each library, the echo server of `crates/bench/examples/echo` starts
//! on core 0 and our idle generator (`echo idle`) on core 1, as the echo
//! bench pins them. The server's resident set (`VmRSS` in
//! `/proc/PID/status`) is read once it has settled:
//!
//! 1. before any connection (the runtime built, listening);
//! 2. with `--connections` connections open, each past its handshake and
//!    idle (default 10,000);
//! 3. after one binary message of `--size` bytes (default 1 KiB; 0 leaves
//!    this step out) went each way on every connection, so that buffers
//!    allocated by the first read and write are counted, then idle again.
//!
//! (RSS at a step - RSS before) / connections is the figure per connection:
//! every byte the connections cost the server process (heap, its malloc's
//! slack, stacks), none of the kernel's socket buffers. "Settled" means ten
//! readings 200 ms apart within 64 KiB of each other; a step that does not
//! settle in 30 s is taken as it is and marked so.
//!
//! `noio-ws (std)` runs a thread per connection, so 10,000 connections are
//! 10,000 threads, a third of the machine's process ids (`pid_max` 32768
//! here, shared with everything else running): it runs at
//! `--std-connections` (default 1,000), labelled with its count.
//!
//! Each process needs a file descriptor per connection: both run under
//! `sh -c 'ulimit -n N'`, N = connections + 256, which fails with a clear
//! error if the hard limit is lower (20,000 on the project's machine).
//!
//! The results are merged into `docs/benchmarks/results/memory.json` (see
//! [`crate::bench_results::Memory`]) for `cargo xtask bench --report`.

use std::io::{BufRead, BufReader, Lines, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench_results::{self, Memory};
use crate::cmd;
use crate::echo::{LIBRARIES, Server, add_libraries};
use crate::provenance::Provenance;

/// What the command line asked for.
struct Options {
    libraries: Vec<(&'static str, &'static str)>,
    connections: u64,
    std_connections: u64,
    size: u64,
}

/// File descriptors beyond one per connection: the standard streams, the
/// listener, the runtime's epoll and wakers, the generator's files.
const SPARE_FDS: u64 = 256;

/// RSS readings apart when waiting for it to settle.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);
/// Readings that must agree, within [`SETTLED_WITHIN`], for RSS to be settled.
const SETTLED_SAMPLES: usize = 10;
/// How far apart settled readings may be.
const SETTLED_WITHIN: u64 = 64 << 10;
/// How long to wait for RSS to settle before taking it as it is.
const SETTLE_AT_MOST: Duration = Duration::from_secs(30);

/// The variant name of the step after the handshake.
pub(crate) const AFTER_HANDSHAKE: &str = "after the handshake";

pub(crate) fn run(args: &[String], run: &Provenance) -> Result<(), String> {
    let options = parse(args)?;
    let echo = crate::bench::build_example("echo")?;
    let pinned =
        cmd::succeeds("taskset", &["-c", "0", "true"]) && cmd::succeeds("taskset", &["-c", "1", "true"]);
    if !pinned {
        println!("note: no `taskset` or no second core: server and generator run unpinned");
    }
    let hard = hard_fd_limit()?;
    let mut cells = Vec::new();
    for &(server_name, library) in &options.libraries {
        let connections =
            if server_name == "noio-ws-std" { options.std_connections } else { options.connections };
        let fds = connections + SPARE_FDS;
        if hard.is_some_and(|hard| fds > hard) {
            return Err(format!(
                "{connections} connections need {fds} file descriptors in each process, past this \
                 machine's hard limit of {}: ask for fewer with --connections / --std-connections",
                hard.unwrap_or_default()
            ));
        }
        let measured = measure(&echo, pinned, server_name, fds, connections, options.size)?;
        let [before, steps @ ..] = &measured[..] else {
            return Err(format!("{library}: nothing measured"));
        };
        for (variant, after) in steps {
            let cell = Memory {
                library: library.to_string(),
                variant: variant.clone(),
                connections,
                before: before.1.bytes,
                after: after.bytes,
                settled: before.1.settled && after.settled,
                run: run.clone(),
            };
            eprintln!(
                "{library:<24} {connections:>6} conn  {variant:<22} {:>8.2} KiB per connection  ({:.1} MiB in all){}",
                cell.per_connection() / 1024.0,
                cell.total() as f64 / f64::from(1 << 20),
                if cell.settled { "" } else { "  not settled" }
            );
            cells.push(cell);
        }
    }
    print_table(&cells);
    bench_results::save(bench_results::MEMORY, cells)
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options =
        Options { libraries: Vec::new(), connections: 10_000, std_connections: 1_000, size: 1 << 10 };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--library" => add_libraries(&mut options.libraries, value)?,
            "--connections" => options.connections = number()?.max(1),
            "--std-connections" => options.std_connections = number()?.max(1),
            "--size" => options.size = number()?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.libraries.is_empty() {
        options.libraries = LIBRARIES.to_vec();
    }
    Ok(options)
}

/// A reading of the server's resident set.
#[derive(Clone, Copy, Debug)]
struct Reading {
    bytes: u64,
    /// It stopped moving before it was taken.
    settled: bool,
}

/// One library: the server's RSS before any connection, then at each step
/// of the generator, each named.
fn measure(
    echo: &Path,
    pinned: bool,
    server_name: &str,
    fds: u64,
    connections: u64,
    size: u64,
) -> Result<Vec<(String, Reading)>, String> {
    // The whole run, bounded should this process die: connecting, three
    // settlings, and room to spare.
    let lifetime = (3 * SETTLE_AT_MOST.as_secs() + 120 + connections / 100).to_string();
    let mut server = Server(
        with_limit(fds, pinned, "0", echo)
            .args(["server", "--library", server_name, "--max-seconds", &lifetime])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the {server_name} server: {e}"))?,
    );
    let pid = server.0.id();
    let mut out = BufReader::new(server.0.stdout.take().ok_or("the server's output")?).lines();
    let line = next_line(&mut out, "the server")?;
    let port = line
        .strip_prefix("port ")
        .and_then(|p| p.trim().parse::<u16>().ok())
        .ok_or_else(|| format!("the {server_name} server said {line:?}, not its port"))?;
    // `sh` and `taskset` exec: the child is the server itself.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "echo" {
        return Err(format!("process {pid} is {comm:?}, not the echo server"));
    }
    let mut readings = vec![("before".to_string(), settle(pid)?)];
    let mut generator = Generator(
        with_limit(fds, pinned, "1", echo)
            .args(["idle", "--port", &port.to_string(), "--connections", &connections.to_string()])
            .args(["--size", &size.to_string(), "--max-seconds", &lifetime])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the idle generator: {e}"))?,
    );
    let (mut to_generator, mut said) = generator.pipes()?;
    let started = Instant::now();
    expect(&mut said, &mut generator, &format!("connected {connections}"))?;
    eprintln!("{server_name}: {connections} connections in {:.1} s", started.elapsed().as_secs_f64());
    readings.push((AFTER_HANDSHAKE.to_string(), settle(pid)?));
    if size > 0 {
        writeln!(to_generator, "go").map_err(|e| format!("the idle generator's input: {e}"))?;
        expect(&mut said, &mut generator, &format!("echoed {connections}"))?;
        readings.push((format!("after {} each way", size_name(size)), settle(pid)?));
    }
    // Its input ends: it lets the connections go and exits.
    drop(to_generator);
    let status = generator.0.wait().map_err(|e| format!("the idle generator: {e}"))?;
    if !status.success() {
        return Err(format!("the idle generator failed ({status})"));
    }
    Ok(readings)
}

/// `echo`, under `sh -c 'ulimit -n FDS'` and, when pinning, on `core`.
fn with_limit(fds: u64, pinned: bool, core: &str, echo: &Path) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", r#"ulimit -n "$0" && exec "$@""#, &fds.to_string()]);
    if pinned {
        command.args(["taskset", "-c", core]);
    }
    command.arg(echo);
    command
}

/// The idle generator, killed when dropped: a failed run leaves none behind.
struct Generator(Child);

impl Generator {
    fn pipes(&mut self) -> Result<(ChildStdin, Lines<BufReader<ChildStdout>>), String> {
        let stdin = self.0.stdin.take().ok_or("the idle generator's input")?;
        let stdout = self.0.stdout.take().ok_or("the idle generator's output")?;
        Ok((stdin, BufReader::new(stdout).lines()))
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn next_line(lines: &mut Lines<impl BufRead>, who: &str) -> Result<String, String> {
    match lines.next() {
        Some(Ok(line)) => Ok(line),
        Some(Err(e)) => Err(format!("{who}: {e}")),
        None => Err(format!("{who} ended without a word")),
    }
}

/// Waits for the generator to say `wanted`.
fn expect(lines: &mut Lines<impl BufRead>, generator: &mut Generator, wanted: &str) -> Result<(), String> {
    match next_line(lines, "the idle generator") {
        Ok(line) if line == wanted => Ok(()),
        Ok(line) => Err(format!("the idle generator said {line:?}, not {wanted:?}")),
        Err(e) => {
            let status = generator.0.wait().map(|s| s.to_string()).unwrap_or_default();
            Err(format!("{e} ({status})"))
        }
    }
}

/// The process's resident set once it has stopped moving (see the module's
/// documentation), or as it is after [`SETTLE_AT_MOST`].
fn settle(pid: u32) -> Result<Reading, String> {
    let started = Instant::now();
    let mut recent: Vec<u64> = Vec::with_capacity(SETTLED_SAMPLES);
    loop {
        if recent.len() == SETTLED_SAMPLES {
            recent.remove(0);
        }
        recent.push(rss(pid)?);
        let spread = recent.iter().max().unwrap_or(&0) - recent.iter().min().unwrap_or(&0);
        let last = *recent.last().unwrap_or(&0);
        if recent.len() == SETTLED_SAMPLES && spread <= SETTLED_WITHIN {
            return Ok(Reading { bytes: last, settled: true });
        }
        if started.elapsed() >= SETTLE_AT_MOST {
            return Ok(Reading { bytes: last, settled: false });
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}

/// `VmRSS` of process `pid`, in bytes.
fn rss(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse_status_kib(&status, "VmRSS").map(|kib| kib * 1024).ok_or_else(|| format!("{path}: no VmRSS"))
}

/// A `Key:   123 kB` field of `/proc/PID/status` or `/proc/self/limits`-like text.
fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// The hard limit on open files of this process (its children inherit
/// it), from `/proc/self/limits`; `None` when unlimited or unknown.
fn hard_fd_limit() -> Result<Option<u64>, String> {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return Ok(None);
    };
    Ok(parse_hard_fd_limit(&limits))
}

/// `Max open files  20000  20000  files`: the second number.
fn parse_hard_fd_limit(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files")?.split_whitespace().nth(1)?.parse().ok())
}

/// `16B`, `1KiB`, as the other benchmarks name sizes.
fn size_name(size: u64) -> String {
    match size {
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// The per-connection figures, each against tokio-websockets' in the same
/// variant (the peer issue 12 names).
fn print_table(cells: &[Memory]) {
    println!(
        "\n{:<24} {:>7} {:<22} {:>12} {:>10} {:>10}  ÷ tokio-websockets'",
        "library", "conns", "state", "per conn", "in all", "RSS before"
    );
    for cell in cells {
        let peer = cells.iter().find(|c| c.library == "tokio-websockets" && c.variant == cell.variant);
        let ratio = match peer {
            Some(peer) if peer.library != cell.library && peer.per_connection() > 0.0 => {
                format!("{:.2}x", cell.per_connection() / peer.per_connection())
            }
            _ => String::new(),
        };
        println!(
            "{:<24} {:>7} {:<22} {:>8.2} KiB {:>6.1} MiB {:>6.1} MiB  {ratio}{}",
            cell.library,
            cell.connections,
            cell.variant,
            cell.per_connection() / 1024.0,
            cell.total() as f64 / f64::from(1 << 20),
            cell.before as f64 / f64::from(1 << 20),
            if cell.settled { "" } else { "  (not settled)" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_parse() {
        let status = "Name:\techo\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\nThreads:\t1\n";
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(10240));
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(20480));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max processes             96363                96363                processes\n\
                      Max open files            1024                 20000                files\n";
        assert_eq!(parse_hard_fd_limit(limits), Some(20000));
        assert_eq!(parse_hard_fd_limit("Max open files  unlimited  unlimited  files\n"), None);
    }

    #[test]
    fn flags_choose_libraries_counts_and_size() {
        let args: Vec<String> =
            ["--library", "noio-ws-tokio", "--connections", "500", "--size", "0"].map(String::from).to_vec();
        let options = parse(&args).unwrap();
        assert_eq!(options.libraries, [("noio-ws-tokio", "noio-ws (tokio adapter)")]);
        assert_eq!((options.connections, options.std_connections, options.size), (500, 1000, 0));
        let default = parse(&[]).unwrap();
        assert_eq!((default.connections, default.size, default.libraries.len()), (10_000, 1024, 4));
        assert!(parse(&["--size".to_string()]).is_err());
        assert_eq!(size_name(1024), "1KiB");
    }
}
