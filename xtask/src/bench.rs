//! `cargo xtask bench`: runs the criterion benches, then prints, for every
//! benchmark, each implementation's median time and each of ours against
//! the best (fastest) peer, with a summary of those ratios at the end.
//!
//! Peers are measured in the same run as noio-ws (same group, same input), so
//! the ratios hold even on a noisy shared machine where absolute times drift.
//! Our entries are the functions whose name starts with `noio-ws`; every other
//! entry in the same benchmark is a peer.
//!
//! `cargo xtask bench --instructions [FILTER...]` counts instead, under
//! callgrind: for each cell of `crates/bench` (library, workload, size; the
//! filters are names of any of the three, and a cell runs when it matches a
//! filter of each kind given), the instructions per message of the measured
//! work alone, split into copying (memcpy, memmove, memset and their
//! variants, where `rep movsb` runs) and the rest, with each total's ratio to
//! the best peer's. The counts are deterministic, unlike the times.
//!
//! `cargo xtask bench --paired [FILTER...] [--seconds S]` times every
//! library of each cell in rounds instead, each round running every library
//! once, and reports each of ours against the round's best peer, median and
//! quartiles over rounds (see [`crate::paired`]): a ratio that drift between
//! criterion's one-library-after-another turns cannot move.
//!
//! All three save what they measured in `docs/benchmarks/results/` (`criterion.json`,
//! `instructions.json`, `paired.json`; see [`crate::bench_results`]), merged cell by cell
//! into what earlier runs saved, each cell with its run's command, commit,
//! date and machine.
//!
//! `cargo xtask bench --report` writes `docs/benchmarks.md` and its plots
//! from those results and `echo.json` (see [`crate::bench_report`]); alone
//! it measures nothing, beside other arguments it runs them first:
//! `cargo xtask bench --instructions 16B --report`, or
//! `cargo xtask bench --report -- [CRITERION ARGS...]` for criterion.
//!
//! `cargo xtask bench --echo [FILTERS]` runs the loopback echo benchmark
//! instead (messages/s and latency over real sockets, each library's server
//! on one core and our load generator on the other): see `echo.rs`.
//!
//! `cargo xtask bench --memory [--connections N]` measures each echo
//! server's idle memory per connection (RSS with 10,000 connections open,
//! after the handshake and after one message each way), saved to
//! `memory.json`: see `memory.rs`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::Value;

use crate::bench_results::{self, Counted, Timed};
use crate::cmd::{self, Cmd};
use crate::provenance::Provenance;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--deflate-backends") {
        return crate::deflate_backends::run();
    }
    // `--report` writes the page after whatever else the line asks to run;
    // alone, it only rewrites the page from the saved results.
    let report = args.iter().any(|a| a == "--report");
    let args: Vec<String> = args.iter().filter(|a| *a != "--report").cloned().collect();
    if !(report && args.is_empty()) {
        measure(&args)?;
    }
    if report {
        crate::bench_report::run()?;
    }
    Ok(())
}

/// Runs the criterion benches, or with `--instructions` the callgrind
/// counts, prints them and saves them for `--report`.
fn measure(args: &[String]) -> Result<(), String> {
    // A leading `--` (`cargo xtask bench --report -- FILTER`) only separates.
    let args = args.strip_prefix(&["--".to_string()]).unwrap_or(args);
    let run = Provenance::now(args);
    if let Some((_, rest)) = args.split_first().filter(|(first, _)| *first == "--echo") {
        return crate::echo::run(rest, &run);
    }
    if let Some((_, filters)) = args.split_first().filter(|(first, _)| *first == "--instructions") {
        return instructions(filters, &run);
    }
    if let Some((_, rest)) = args.split_first().filter(|(first, _)| *first == "--memory") {
        return crate::memory::run(rest, &run);
    }
    if let Some((_, filters)) = args.split_first().filter(|(first, _)| *first == "--paired") {
        return crate::paired::run(filters, &run);
    }
    let mut bench = Cmd::new("cargo").args(["bench", "--workspace", "--bench", "*"]);
    if !args.is_empty() {
        bench = bench.args(["--"]).args(args);
    }
    let started = SystemTime::now();
    bench.run()?;
    let cells = print_medians(&target_dir().join("criterion"), started, &run)?;
    bench_results::save(bench_results::CRITERION, cells)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `target`.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

pub(crate) fn is_ours(function: &str) -> bool {
    function.starts_with("noio-ws")
}

/// One measured function: its name and median time per iteration in ns,
/// the bytes per iteration where the bench declared a throughput, and when
/// its result was written.
struct Measured {
    function: String,
    median_ns: f64,
    bytes: Option<f64>,
    written: Option<SystemTime>,
}

/// Prints the benchmarks measured since `since` (a filtered run leaves the
/// others' older results in place, and those are not this run's) and
/// returns them as cells of `run`.
fn print_medians(root: &Path, since: SystemTime, run: &Provenance) -> Result<Vec<Timed>, String> {
    let mut groups: BTreeMap<String, Vec<Measured>> = BTreeMap::new();
    collect(root, since, &mut groups)?;
    // Benchmarks in the order they ran (so sizes come in their order), not by name.
    let mut groups: Vec<(String, Vec<Measured>)> = groups.into_iter().collect();
    groups.sort_by_key(|(_, entries)| entries.iter().filter_map(|m| m.written).min());
    // (benchmark, ours, best peer, ratio) for the summary.
    let mut summary = Vec::new();
    let mut cells = Vec::new();
    for (bench, mut entries) in groups {
        entries.sort_by(|a, b| {
            (!is_ours(&a.function), a.median_ns).partial_cmp(&(!is_ours(&b.function), b.median_ns)).unwrap()
        });
        let best_peer = entries.iter().find(|m| !is_ours(&m.function));
        println!("{bench}");
        for m in &entries {
            let rate = m
                .bytes
                .map(|b| format!("{:>9.2} GiB/s", b / m.median_ns / 1.073_741_824))
                .unwrap_or_default();
            println!("  {:<30} {:>12} {rate}", m.function, human(m.median_ns));
        }
        // Groups are named `WORKLOAD/SIZE`: `decode/binary/16B`.
        let (workload, size) = bench.rsplit_once('/').unwrap_or((&bench, ""));
        for m in &entries {
            let vs_best = best_peer
                .filter(|_| is_ours(&m.function))
                .map(|best| (best.function.clone(), best.median_ns / m.median_ns));
            if let Some((best, ratio)) = &vs_best {
                println!("  ratio: {} is {ratio:.2}x as fast as the best peer, {best}", m.function);
                summary.push((bench.clone(), m.function.clone(), best.clone(), *ratio));
            }
            cells.push(Timed {
                workload: workload.to_string(),
                size: size.to_string(),
                library: m.function.clone(),
                bytes: m.bytes,
                median_ns: m.median_ns,
                vs_best,
                run: run.clone(),
            });
        }
    }
    if !summary.is_empty() {
        println!(
            "\nsummary: each of ours against its benchmark's best peer (peer's time / ours: >1 is faster)"
        );
        for (bench, ours, peer, ratio) in summary {
            println!("  {bench:<28} {ours:<22} {ratio:>6.2}x  vs {peer}");
        }
    }
    Ok(cells)
}

/// Walks criterion's output for `new/` directories (each benchmark's latest
/// run) written since `since`.
fn collect(
    dir: &Path,
    since: SystemTime,
    groups: &mut BTreeMap<String, Vec<Measured>>,
) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let written = fs::metadata(path.join("estimates.json")).and_then(|m| m.modified()).ok();
            if written.is_some_and(|t| t < since) {
                continue;
            }
            if let Some((bench, mut measured)) = read_one(&path)? {
                measured.written = written;
                groups.entry(bench).or_default().push(measured);
            }
        } else {
            collect(&path, since, groups)?;
        }
    }
    Ok(())
}

fn read_one(new: &Path) -> Result<Option<(String, Measured)>, String> {
    let read = |name: &str| -> Result<Option<Value>, String> {
        let path = new.join(name);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| format!("{}: {e}", path.display())),
            Err(_) => Ok(None),
        }
    };
    let (Some(meta), Some(estimates)) = (read("benchmark.json")?, read("estimates.json")?) else {
        return Ok(None);
    };
    let group = meta["group_id"].as_str().unwrap_or("?");
    let bench = match meta["value_str"].as_str() {
        Some(value) => format!("{group}/{value}"),
        None => group.to_string(),
    };
    let function = meta["function_id"].as_str().unwrap_or("?").to_string();
    let median_ns =
        estimates["median"]["point_estimate"].as_f64().ok_or("estimates.json without a median")?;
    let bytes = meta["throughput"]["Bytes"].as_f64();
    Ok(Some((bench, Measured { function, median_ns, bytes, written: None })))
}

pub(crate) fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.3} s", n / 1e9),
        n if n >= 1e6 => format!("{:.3} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.3} µs", n / 1e3),
        n => format!("{n:.1} ns"),
    }
}

// ---- instruction counts ------------------------------------------------------

/// One cell of the instruction counts, as `instructions --list` names it.
struct Cell {
    library: String,
    workload: String,
    size: String,
    messages: u64,
}

impl Cell {
    /// The library (0), the workload (1) or the size (2).
    fn field(&self, kind: usize) -> &str {
        [&self.library, &self.workload, &self.size][kind]
    }
}

/// The counts of one workload at one size, a row per library in list order.
struct Block {
    workload: String,
    size: String,
    rows: Vec<Row>,
}

/// One library's instructions per message: in copy functions, and the rest.
struct Row {
    library: String,
    copy: f64,
    rest: f64,
}

impl Row {
    fn total(&self) -> f64 {
        self.copy + self.rest
    }
}

/// What callgrind counted in one run: all instructions, and those in copy functions.
#[derive(Clone, Copy)]
struct Totals {
    total: u64,
    copy: u64,
}

fn instructions(filters: &[String], run: &Provenance) -> Result<(), String> {
    // callgrind_annotate --version exits 255 (3.19): that it starts is enough.
    let starts = |tool: &str| Command::new(tool).arg("--version").stdout(Stdio::null()).status().is_ok();
    for tool in ["valgrind", "callgrind_annotate"] {
        if !(cmd::succeeds(tool, &["--version"]) || starts(tool)) {
            println!(
                "xtask bench --instructions: `{tool}` is not installed, so no instruction counts \
                 (on Debian: apt-get install valgrind)"
            );
            return Ok(());
        }
    }
    let counter = build_example("instructions")?;
    let cells = list_cells(&counter)?;
    // The filters of each kind: library, workload, size.
    let mut by_kind: [Vec<&str>; 3] = Default::default();
    for filter in filters {
        let kinds: Vec<usize> = (0..3).filter(|&k| cells.iter().any(|c| c.field(k) == filter)).collect();
        if kinds.is_empty() {
            return Err(format!("no library, workload or size is named {filter:?}"));
        }
        for k in kinds {
            by_kind[k].push(filter);
        }
    }
    let wanted = |cell: &Cell| (0..3).all(|k| by_kind[k].is_empty() || by_kind[k].contains(&cell.field(k)));
    let out_dir = target_dir().join("callgrind");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let mut table: Vec<Block> = Vec::new();
    for cell in cells.iter().filter(|c| wanted(c)) {
        eprintln!("callgrind: {} {} {} ({} messages)", cell.library, cell.workload, cell.size, cell.messages);
        let measured = count(&counter, &out_dir, cell, false)?;
        let baseline = count(&counter, &out_dir, cell, true)?;
        let per = |n: u64, base: u64| n.saturating_sub(base) as f64 / cell.messages as f64;
        let copy = per(measured.copy, baseline.copy);
        let rest = per(measured.total - measured.copy, baseline.total - baseline.copy);
        let row = Row { library: cell.library.clone(), copy, rest };
        match table.last_mut() {
            Some(block) if block.workload == cell.workload && block.size == cell.size => block.rows.push(row),
            _ => table.push(Block {
                workload: cell.workload.clone(),
                size: cell.size.clone(),
                rows: vec![row],
            }),
        }
    }
    print_instructions(&table);
    let cells = table.iter().flat_map(|block| {
        block.rows.iter().map(|row| Counted {
            workload: block.workload.clone(),
            size: block.size.clone(),
            library: row.library.clone(),
            copy: row.copy,
            rest: row.rest,
            run: run.clone(),
        })
    });
    bench_results::save(bench_results::INSTRUCTIONS, cells.collect())
}

/// Builds the counting example in the bench profile (optimised, with debug
/// info so callgrind names every function) and returns its path.
/// Builds an example of `crates/bench` in the bench profile (optimised,
/// with symbols) and returns its path.
pub(crate) fn build_example(name: &str) -> Result<PathBuf, String> {
    let args = [
        "build",
        "--profile",
        "bench",
        "-p",
        "noio-ws-bench",
        "--example",
        name,
        "--message-format=json-render-diagnostics",
    ];
    eprintln!("$ cargo {}", args.join(" "));
    let output = Command::new("cargo")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!("building the {name} example failed: {}", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo build named no executable for the {name} example"))
}

fn list_cells(counter: &Path) -> Result<Vec<Cell>, String> {
    let output =
        Command::new(counter).arg("--list").output().map_err(|e| format!("{}: {e}", counter.display()))?;
    if !output.status.success() {
        return Err(format!("instructions --list: {}", String::from_utf8_lossy(&output.stderr)));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| match line.split('\t').collect::<Vec<_>>()[..] {
            [library, workload, size, messages] => Ok(Cell {
                library: library.to_string(),
                workload: workload.to_string(),
                size: size.to_string(),
                messages: messages.parse().map_err(|e| format!("instructions --list: {line:?}: {e}"))?,
            }),
            _ => Err(format!("instructions --list: unexpected line {line:?}")),
        })
        .collect()
}

/// Runs one cell (or its setup alone) under callgrind and counts it.
fn count(counter: &Path, out_dir: &Path, cell: &Cell, setup_only: bool) -> Result<Totals, String> {
    let name = format!(
        "{}-{}-{}{}.out",
        cell.library.replace(' ', "_"),
        cell.workload.replace('/', "-"),
        cell.size,
        if setup_only { "-setup" } else { "" }
    );
    let out_file = out_dir.join(name);
    let mut run = Command::new("valgrind");
    run.args(["--tool=callgrind", "-q"])
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(counter)
        .args([&cell.library, &cell.workload, &cell.size])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if setup_only {
        run.arg("--setup-only");
    }
    let status = run.status().map_err(|e| format!("valgrind: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{} {} {}: the counted run failed: {status}",
            cell.library, cell.workload, cell.size
        ));
    }
    let annotated = Command::new("callgrind_annotate")
        .args(["--threshold=100", "--auto=no", "--show-percs=no"])
        .arg(&out_file)
        .output()
        .map_err(|e| format!("callgrind_annotate: {e}"))?;
    if !annotated.status.success() {
        return Err(format!("callgrind_annotate {}: {}", out_file.display(), annotated.status));
    }
    parse_annotated(&String::from_utf8_lossy(&annotated.stdout))
        .ok_or_else(|| format!("callgrind_annotate {}: no program total", out_file.display()))
}

/// The program's total and the instructions of the copy functions, from
/// `callgrind_annotate`'s per-function listing (`COUNT  file:function [object]`).
fn parse_annotated(text: &str) -> Option<Totals> {
    let mut total = None;
    let mut copy = 0;
    for line in text.lines() {
        let line = line.trim_start();
        let Some((number, rest)) = line.split_once(char::is_whitespace) else { continue };
        let Ok(n) = number.replace(',', "").parse::<u64>() else { continue };
        let rest = rest.trim_start();
        if rest.starts_with("PROGRAM TOTALS") {
            total = Some(n);
        } else if let Some((_file, function)) = rest.split_once(':') {
            let function = function.split(" [").next().unwrap_or(function);
            if is_copy(function) {
                copy += n;
            }
        }
    }
    total.map(|total| Totals { total, copy })
}

/// A function that copies or fills memory: libc's memcpy, memmove, memset
/// and mempcpy in all their variants (`__memmove_avx_unaligned_erms` ...).
fn is_copy(function: &str) -> bool {
    ["memcpy", "memmove", "memset", "mempcpy"].iter().any(|name| function.contains(name))
}

fn print_instructions(table: &[Block]) {
    let mut workload = "";
    for block in table {
        if block.workload != workload {
            workload = &block.workload;
            println!("\n{workload}: callgrind instructions per message of the measured work");
            println!(
                "  (callgrind counts each byte a `rep movsb` moves as an instruction: compare copies by bytes)"
            );
            println!(
                "  {:<6} {:<20} {:>10} {:>10} {:>10}   ÷ best peer's total, rest (<1: fewer)",
                "size", "library", "copy", "rest", "total"
            );
        }
        let peers = || block.rows.iter().filter(|row| !is_ours(&row.library));
        let best_total = peers().min_by(|a, b| a.total().total_cmp(&b.total()));
        let best_rest = peers().map(|row| row.rest).min_by(f64::total_cmp);
        for (i, row) in block.rows.iter().enumerate() {
            let ratio = match (best_total, best_rest) {
                (Some(best), Some(rest)) => {
                    let of = if is_ours(&row.library) {
                        format!(" (best total: {})", best.library)
                    } else {
                        String::new()
                    };
                    format!("{:>5.2}x {:>5.2}x{of}", row.total() / best.total(), row.rest / rest)
                }
                _ => String::new(),
            };
            let size = if i == 0 { block.size.as_str() } else { "" };
            println!(
                "  {size:<6} {:<20} {:>10.1} {:>10.1} {:>10.1}   {ratio}",
                row.library,
                row.copy,
                row.rest,
                row.total()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_split_copies_from_the_rest() {
        let text = "\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
46,390,599  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                  file:function
--------------------------------------------------------------------------------
4,197,076  ./malloc/./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
1,257,118  ./string/../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S:__memcpy_avx_unaligned_erms [/usr/lib/libc.so.6]
  778,568  ./string/../sysdeps/x86_64/multiarch/memset-vec-unaligned-erms.S:__memset_avx2_unaligned_erms [/usr/lib/libc.so.6]
  982,620  /work/crates/codec/src/decoder.rs:noio_ws_codec::decoder::take_whole
";
        let counted = parse_annotated(text).unwrap();
        assert_eq!(counted.total, 46_390_599);
        assert_eq!(counted.copy, 1_257_118 + 778_568);
        assert!(parse_annotated("nothing").is_none());
    }
}
