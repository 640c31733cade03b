//! One measurement of `cargo xtask bench --instructions`, for callgrind to
//! count: `instructions LIBRARY WORKLOAD SIZE [--setup-only] [--count N]`,
//! for instance `instructions noio-ws decode/binary 16B`; `instructions
//! --list` prints every cell, one `LIBRARY WORKLOAD SIZE COUNT` a line,
//! tab-separated, in report order (it is what xtask runs).
//!
//! It builds the input (the payloads and, to decode, the client's stream),
//! checks the library's output on it in full (which also warms up what a
//! library sets up once per thread, such as a random generator), and then,
//! unless `--setup-only`, runs the measured work once: a fresh connection
//! handling `N` messages (by default as many as the criterion bench uses).
//! The `--setup-only` run is the baseline xtask subtracts, so what remains
//! is the measured work alone.

use std::hint::black_box;
use std::process::ExitCode;

use noio_ws_bench::{Input, SIZES, Workload, message_count, size_from_name, size_name};

#[path = "../adapters/mod.rs"]
mod adapters;
use adapters::Library;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("instructions: {e}");
            eprintln!("usage: instructions LIBRARY WORKLOAD SIZE [--setup-only] [--count N] | --list");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut positional = Vec::new();
    let mut setup_only = false;
    let mut count = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => {
                list();
                return Ok(());
            }
            "--setup-only" => setup_only = true,
            "--count" => {
                let n = args.next().ok_or("--count needs a number")?;
                count = Some(n.parse::<usize>().map_err(|e| format!("--count {n}: {e}"))?);
            }
            _ => positional.push(arg),
        }
    }
    let [library, workload, size] = &positional[..] else {
        return Err(format!("three arguments expected, got {positional:?}"));
    };
    let library = Library::ALL
        .into_iter()
        .find(|l| l.name() == library)
        .ok_or_else(|| format!("unknown library {library}"))?;
    let workload = Workload::from_name(workload).ok_or_else(|| format!("unknown workload {workload}"))?;
    if !library.does(workload) {
        return Err(format!("{} is not measured on {}", library.name(), workload.name()));
    }
    let len = size_from_name(size).ok_or_else(|| format!("unknown size {size}"))?;
    let input = Input::new(workload, len, count.unwrap_or_else(|| message_count(len)));
    let expected = library.check(&input)?;
    if setup_only {
        return Ok(());
    }
    let mut out = Vec::new();
    let tally = library.run(black_box(&input), &mut out);
    if tally != expected {
        return Err(format!("{}: measured run gave {tally:?}, not {expected:?}", library.name()));
    }
    println!("{} {} {}: {} messages", library.name(), workload.name(), len, input.count());
    Ok(())
}

/// Every cell, by workload, then size, then library (noio-ws first), with
/// the default message count.
fn list() {
    for workload in Workload::ALL {
        for len in SIZES {
            for library in Library::ALL.into_iter().filter(|l| l.does(workload)) {
                println!(
                    "{}\t{}\t{}\t{}",
                    library.name(),
                    workload.name(),
                    size_name(len),
                    message_count(len)
                );
            }
        }
    }
}
