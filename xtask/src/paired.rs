//! `cargo xtask bench --paired [FILTER...] [--seconds S]`: paired wall-clock
//! ratios. Builds the `paired` example of `crates/bench` (which runs every
//! library of a cell once per round, in rotating order, and compares each of
//! ours with the round's best peer), runs it once per cell, in a fresh
//! process, prints each cell and saves it to `paired.json` for `--report`.
//!
//! Criterion's medians come from one library's turn after another's; on a
//! shared machine the load can change between turns. A ratio taken within
//! each round and summarised over rounds (median, quartiles) is what the
//! project's "at least 1.2x the best peer" targets are judged by.

use std::process::Command;

use crate::bench_results::{self, Paired};
use crate::provenance::Provenance;

pub(crate) fn run(args: &[String], run: &Provenance) -> Result<(), String> {
    let example = crate::bench::build_example("paired")?;
    // The filters pick the cells; `--seconds S` goes to every cell's run.
    let (mut filters, mut per_cell) = (Vec::new(), Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            per_cell.push(arg.clone());
            per_cell.push(args.next().ok_or("--seconds needs a number")?.clone());
        } else {
            filters.push(arg.clone());
        }
    }
    let listed = output(Command::new(&example).arg("--list").args(&filters))?;
    let mut cells = Vec::new();
    // A process per cell, so no cell runs in an allocator shaped by another.
    for cell in listed.lines() {
        let (workload, size) = cell.split_once('\t').ok_or_else(|| format!("paired --list: {cell:?}"))?;
        eprintln!("paired: {workload} {size}");
        let lines = output(Command::new(&example).args([workload, size]).args(&per_cell))?;
        for line in lines.lines() {
            cells.push(parse(line, run).ok_or_else(|| format!("paired: unexpected line {line:?}"))?);
        }
    }
    print(&cells);
    bench_results::save(bench_results::PAIRED, cells)
}

/// Runs `command` and returns its standard output, or its error output as
/// the error.
fn output(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| format!("paired: {e}"))?;
    if !output.status.success() {
        return Err(format!("paired: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One line of the example's output: `workload size library min_ns
/// median_ns ratio q1 q3 rounds`, tab-separated, `-` for a peer's ratios.
fn parse(line: &str, run: &Provenance) -> Option<Paired> {
    let [workload, size, library, min, median, ratio, q1, q3, rounds] =
        line.split('\t').collect::<Vec<_>>()[..]
    else {
        return None;
    };
    let ratio = match (ratio.parse(), q1.parse(), q3.parse()) {
        (Ok(ratio), Ok(q1), Ok(q3)) => Some([ratio, q1, q3]),
        _ if ratio == "-" => None,
        _ => return None,
    };
    Some(Paired {
        workload: workload.to_string(),
        size: size.to_string(),
        library: library.to_string(),
        min_ns: min.parse().ok()?,
        median_ns: median.parse().ok()?,
        ratio,
        rounds: rounds.parse().ok()?,
        run: run.clone(),
    })
}

fn print(cells: &[Paired]) {
    println!(
        "{:<15} {:>6} {:<20} {:>12} {:>12}  ours / best peer, per round",
        "workload", "size", "library", "min", "median"
    );
    for cell in cells {
        let ratio = cell
            .ratio
            .map(|[m, q1, q3]| format!("{m:.2}x (quartiles {q1:.2}-{q3:.2}, {} rounds)", cell.rounds))
            .unwrap_or_default();
        println!(
            "{:<15} {:>6} {:<20} {:>10.1}µs {:>10.1}µs  {ratio}",
            cell.workload,
            cell.size,
            cell.library,
            cell.min_ns / 1e3,
            cell.median_ns / 1e3
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Provenance {
        Provenance {
            command: "bench --paired".into(),
            commit: "abc1234".into(),
            date: "2026-12-01".into(),
            machine: "test".into(),
        }
    }

    #[test]
    fn lines_of_ours_and_of_peers_parse() {
        let ours =
            parse("decode/binary\t16KiB\tnoio-ws\t7291.0\t11628.0\t1.1686\t1.0776\t1.2493\t6124", &run())
                .unwrap();
        assert_eq!(ours.ratio, Some([1.1686, 1.0776, 1.2493]));
        assert_eq!((ours.min_ns, ours.median_ns, ours.rounds), (7291.0, 11628.0, 6124));
        let peer =
            parse("decode/binary\t16KiB\ttungstenite\t20871.0\t30826.0\t-\t-\t-\t6124", &run()).unwrap();
        assert_eq!(peer.ratio, None);
        assert!(parse("decode/binary\t16KiB\tnoio-ws\tx\t1\t1\t1\t1\t1", &run()).is_none());
        assert!(parse("too\tfew", &run()).is_none());
    }
}
