//! `cargo xtask`: the project's automation, one subcommand per job.
//!
//! - `ci [--full]`: every check `.ci/run` runs, in order, failing on the first:
//!   fmt, clippy, tests, docs, a `no_std` build of the `no_std` crates, fuzzing,
//!   Autobahn.
//! - `fuzz [--seconds N] [--sanitizer S] [TARGET...]`: builds and runs the cargo-fuzz targets.
//! - `bench [CRITERION ARGS...]`: runs the criterion benches and prints each
//!   of ours against the best peer; `bench --instructions [FILTER...]` counts
//!   instructions per message under callgrind for each library, workload and
//!   size of `crates/bench` (copies apart); `bench --paired [FILTER...]` times
//!   the libraries in alternating rounds for paired ratios; `bench --echo
//!   [FILTERS]` runs the loopback echo benchmark (messages/s, p50 and p99
//!   latency, 1 and 64 connections); `bench --memory [--connections N]`
//!   measures idle memory per connection (each echo server's RSS with
//!   10,000 connections open); each saves its results, and
//!   `bench --report` writes `docs/benchmarks.md` and the README's figures from them (after running
//!   whatever else the line names); `bench --deflate-backends` compares the
//!   deflate backends flate2 offers.
//! - `autobahn [--full] [--all-modes]`: the Autobahn Testsuite against both roles;
//!   fails unless strict (`--full`: all 517 cases, else the slowest compression
//!   cases are left out; the server runs in every delivery mode, with `--full`
//!   only in whole-message mode unless `--all-modes` is given); `autobahn
//!   --report` writes the book's conformance chapter from the last run.
//! - `docs`: checks the book's links and builds it (`docs/`, with mdBook), then
//!   the API docs with warnings denied.

mod autobahn;
mod autobahn_report;
mod bench;
mod bench_report;
mod bench_results;
mod book;
mod cmd;
mod deflate_backends;
mod echo;
mod fuzz;
mod memory;
mod paired;
mod provenance;
mod readme_figures;
mod svg;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "ci" => ci(rest),
        "fuzz" => fuzz::run(rest),
        "bench" => bench::run(rest),
        "docs" => docs(),
        "autobahn" => autobahn::run(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci [--full] | fuzz [--seconds N] [--sanitizer S] [TARGET...] | autobahn [--full] [--all-modes] [--cases P,...] [--report] | bench [ARGS... | --instructions [FILTER...] | --paired [FILTER...] [--seconds S] | --echo [FILTERS] | --memory [--connections N] | --deflate-backends] [--report] | docs>"
            );
            return ExitCode::from(if task == "help" { 0 } else { 2 });
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The checks of `.ci/run`. `--full` fuzzes ten times longer, under AddressSanitizer.
fn ci(args: &[String]) -> Result<(), String> {
    let full = args.iter().any(|a| a == "--full");
    cmd::run("cargo", &["fmt", "--all", "--", "--check"])?;
    cmd::run("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // The deflate backend comparison is its own workspace; keep it compiling and clean.
    deflate_backends::build(deflate_backends::BACKENDS[0], "clippy")?;
    cmd::run("cargo", &["test", "--workspace"])?;
    // The adapter's hyper and axum integrations, which default features leave out.
    let tokio_all = ["-p", "noio-ws-tokio", "--all-features"];
    cmd::Cmd::new("cargo")
        .args(["clippy"])
        .args(tokio_all)
        .args(["--all-targets", "--", "-D", "warnings"])
        .run()?;
    cmd::Cmd::new("cargo").args(["test"]).args(tokio_all).run()?;
    // Headless Chromium opening a WebSocket over HTTP/2 against the example
    // server; ignored by plain `cargo test`, as it needs the browser
    // (`.ci/run` installs Debian's).
    cmd::Cmd::new("cargo")
        .args(["test"])
        .args(tokio_all)
        .args(["--test", "https_example", "--", "--ignored"])
        .run()?;
    docs()?;
    // The no_std crates, built without std.
    let no_std = ["noio-ws-codec", "noio-ws-registry", "noio-ws-connection"];
    cmd::Cmd::new("cargo")
        .args(["build", "--no-default-features"])
        .args(no_std.iter().flat_map(|c| ["-p", c]))
        .run()?;
    let (seconds, sanitizer) = if full { ("300", "address") } else { ("30", "none") };
    fuzz::run(&["--seconds", seconds, "--sanitizer", sanitizer].map(String::from))?;
    let autobahn_args: Vec<String> = if full { vec!["--full".to_string()] } else { Vec::new() };
    autobahn::run(&autobahn_args)
}

/// The book (its links checked, built with mdBook), then the API docs for
/// the whole workspace, with every rustdoc warning an error.
fn docs() -> Result<(), String> {
    book::build()?;
    cmd::Cmd::new("cargo")
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()?;
    // The adapter's optional modules (hyper, axum) too.
    cmd::Cmd::new("cargo")
        .args(["doc", "--no-deps", "-p", "noio-ws-tokio", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()
}
