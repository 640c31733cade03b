//! Paired wall-clock ratios for `cargo xtask bench --paired`: `paired
//! [FILTER...] [--seconds S]`, where a filter names a workload or a size (a
//! cell runs when it matches a filter of each kind given); `paired --list
//! [FILTER...]` prints the cells, `WORKLOAD SIZE` a line, tab-separated.
//! xtask runs each cell in a process of its own: what earlier cells left in
//! the allocator (the sizes it maps rather than serves from its heap, the
//! free lists) changed large cells' times by a third.
//!
//! Criterion measures one library after another, so on a shared machine a
//! drift between their turns lands in the ratio. Here every round runs each
//! library once on the same input, in an order that rotates from round to
//! round, and the round's ratio is the best peer's time over ours: drift
//! slower than a round cancels out. Each cell runs rounds for `S` seconds
//! (1 by default, at least 20 rounds) after one warm-up round, each
//! library's output checked in full first.
//!
//! Prints one tab-separated line per library and cell: `workload size
//! library min_ns median_ns ratio_median ratio_q1 ratio_q3 rounds`, the
//! ratio columns (best peer's time / ours, per round: above 1 is faster)
//! only for ours and `-` for the peers.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use noio_ws_bench::{Input, SIZES, Workload, size_name};

#[path = "../adapters/mod.rs"]
mod adapters;
use adapters::Library;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paired: {e}");
            eprintln!("usage: paired [WORKLOAD|SIZE...] [--seconds S] | --list [WORKLOAD|SIZE...]");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut seconds = 1.0;
    let mut list = false;
    let (mut workloads, mut sizes) = (Vec::new(), Vec::new());
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--list" {
            list = true;
        } else if arg == "--seconds" {
            let s = args.next().ok_or("--seconds needs a number")?;
            seconds = s.parse::<f64>().map_err(|e| format!("--seconds {s}: {e}"))?;
        } else if let Some(workload) = Workload::from_name(&arg) {
            workloads.push(workload);
        } else if let Some(&len) = SIZES.iter().find(|&&len| size_name(len) == arg) {
            sizes.push(len);
        } else {
            return Err(format!("no workload or size is named {arg:?}"));
        }
    }
    let budget = Duration::from_secs_f64(seconds.max(0.0));
    for workload in Workload::ALL.into_iter().filter(|w| workloads.is_empty() || workloads.contains(w)) {
        for len in SIZES.into_iter().filter(|len| sizes.is_empty() || sizes.contains(len)) {
            if list {
                println!("{}\t{}", workload.name(), size_name(len));
            } else {
                cell(workload, len, budget)?;
            }
        }
    }
    Ok(())
}

/// Runs one cell's rounds and prints its lines.
fn cell(workload: Workload, len: usize, budget: Duration) -> Result<(), String> {
    let input = Input::measured(workload, len);
    let libraries: Vec<Library> = Library::ALL.into_iter().filter(|l| l.does(workload)).collect();
    let mut expected = Vec::new();
    for library in &libraries {
        expected.push(library.check(&input)?);
    }
    let mut out = Vec::new();
    // times[library][round], in ns.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); libraries.len()];
    let started = Instant::now();
    let mut round = 0;
    while round < 21 || started.elapsed() < budget {
        for k in 0..libraries.len() {
            let i = (round + k) % libraries.len();
            let began = Instant::now();
            let tally = libraries[i].run(black_box(&input), &mut out);
            let took = began.elapsed().as_secs_f64() * 1e9;
            if tally != expected[i] {
                return Err(format!(
                    "{}: a timed run gave {tally:?}, not {:?}",
                    libraries[i].name(),
                    expected[i]
                ));
            }
            // Round 0 warms up (caches, the allocator's free lists).
            if round > 0 {
                times[i].push(took);
            }
        }
        round += 1;
    }
    let is_ours = |l: &Library| l.name().starts_with("noio-ws");
    for (i, library) in libraries.iter().enumerate() {
        let mut sorted = times[i].clone();
        sorted.sort_by(f64::total_cmp);
        let ratio = if is_ours(library) {
            let mut ratios: Vec<f64> = (0..times[i].len())
                .map(|r| {
                    let best_peer = libraries
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| !is_ours(l))
                        .map(|(p, _)| times[p][r])
                        .fold(f64::INFINITY, f64::min);
                    best_peer / times[i][r]
                })
                .collect();
            ratios.sort_by(f64::total_cmp);
            format!(
                "{:.4}\t{:.4}\t{:.4}",
                quantile(&ratios, 0.5),
                quantile(&ratios, 0.25),
                quantile(&ratios, 0.75)
            )
        } else {
            "-\t-\t-".to_string()
        };
        println!(
            "{}\t{}\t{}\t{:.1}\t{:.1}\t{ratio}\t{}",
            workload.name(),
            size_name(len),
            library.name(),
            sorted[0],
            quantile(&sorted, 0.5),
            sorted.len()
        );
    }
    Ok(())
}

/// The `q` quantile of sorted, non-empty `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> f64 {
    let rank = ((values.len() - 1) as f64 * q).round() as usize;
    values[rank.min(values.len() - 1)]
}
