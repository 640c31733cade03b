//! The two processes of the loopback echo benchmark (`cargo xtask bench
//! --echo` starts them, pinned to a core each, and reads their output):
//!
//! - `echo server --library LIBRARY [--port P] [--max-seconds S]`: an echo
//!   server on 127.0.0.1 (port 0, the default, picks a free one); it prints
//!   `port N` once listening and serves until killed, or exits by itself
//!   after `S` seconds (default 600) so that nothing outlives a lost
//!   orchestrator. LIBRARY is one of [`server::LIBRARIES`].
//! - `echo load --port P --connections C --size BYTES --mode MODE
//!   [--warmup S] [--seconds S] [--server-pid PID]`: our load generator (see
//!   [`load`]): `C` connections echo messages of `BYTES` bytes, MODE
//!   `ping-pong` (one in flight per connection) or `pipelined`
//!   ([`load::WINDOW`] in flight), for the warmup and then the measured
//!   seconds; it prints one line, `messages=N seconds=S p50_us=X p99_us=Y
//!   cpu=F server_cpu=G` (its own and, given its process, the server's CPU
//!   use, as a fraction of one core), and fails if any echo differs from
//!   what was sent.
//! - `echo idle --port P --connections C [--size BYTES] [--max-seconds S]`:
//!   the idle-memory run's generator (`cargo xtask bench --memory`, see
//!   [`idle`]): opens `C` connections, prints `connected C`, and after a
//!   line on its standard input echoes one message of `BYTES` bytes on each
//!   (none for 0) and prints `echoed C`; then holds them all idle until its
//!   standard input ends.
//!
//! Both are the bench crate's examples because the peers are its
//! dev-dependencies; `std::net` and tokio are fine here, never in the core
//! crates.

mod histogram;
mod idle;
mod load;
mod server;

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "server" => Flags::parse(rest).and_then(|f| server::run(&f)),
        Some((command, rest)) if command == "load" => Flags::parse(rest).and_then(|f| load::run(&f)),
        Some((command, rest)) if command == "idle" => Flags::parse(rest).and_then(|f| idle::run(&f)),
        _ => Err("a command, `server`, `load` or `idle`, is needed".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo: {e}");
            eprintln!(
                "usage: echo server --library LIBRARY [--port P] [--max-seconds S]\n       \
                 echo load --port P --connections C --size BYTES --mode ping-pong|pipelined \
                 [--warmup S] [--seconds S] [--server-pid PID]\n       \
                 echo idle --port P --connections C [--size BYTES] [--max-seconds S]"
            );
            ExitCode::from(2)
        }
    }
}

/// The command line of either command; each takes the flags it needs.
#[derive(Debug)]
pub(crate) struct Flags {
    /// The server's library (`server`).
    pub(crate) library: Option<String>,
    /// The port to listen on (`server`, 0 for any) or connect to (`load`, `idle`).
    pub(crate) port: u16,
    /// How long the server (`server`) or the idle generator (`idle`) may
    /// live at most.
    pub(crate) max_seconds: Duration,
    /// Connections (`load`, `idle`).
    pub(crate) connections: usize,
    /// Payload bytes of each message (`load`; `idle`'s one message each
    /// way, 0 for none).
    pub(crate) size: usize,
    /// True for pipelined, false for ping-pong (`load`).
    pub(crate) pipelined: bool,
    /// The time before measuring starts (`load`).
    pub(crate) warmup: Duration,
    /// The time measured (`load`).
    pub(crate) seconds: Duration,
    /// The server's process (`load`), whose CPU time over the measured
    /// seconds the generator reports.
    pub(crate) server_pid: Option<u32>,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Flags {
            library: None,
            port: 0,
            max_seconds: Duration::from_secs(600),
            connections: 1,
            size: 16,
            pipelined: false,
            warmup: Duration::from_secs(1),
            seconds: Duration::from_secs(2),
            server_pid: None,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}"));
            let seconds = || {
                value
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| format!("{flag} {value}: not a number of seconds"))
            };
            match flag.as_str() {
                "--library" => flags.library = Some(value.clone()),
                "--port" => flags.port = value.parse().map_err(|e| format!("{flag} {value}: {e}"))?,
                "--max-seconds" => flags.max_seconds = seconds()?,
                "--connections" => flags.connections = number()?.max(1),
                "--size" => flags.size = number()?,
                "--mode" => {
                    flags.pipelined = match value.as_str() {
                        "pipelined" => true,
                        "ping-pong" => false,
                        _ => return Err(format!("--mode {value}: ping-pong or pipelined")),
                    }
                }
                "--warmup" => flags.warmup = seconds()?,
                "--seconds" => flags.seconds = seconds()?,
                "--server-pid" => {
                    flags.server_pid = Some(value.parse().map_err(|e| format!("{flag} {value}: {e}"))?)
                }
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        Ok(flags)
    }
}
