//! `cargo xtask bench`: runs the criterion benches, then prints, for every
//! benchmark, each implementation's median time beside ours and the ratio.
//!
//! Peers are measured in the same run as noio-ws (same group, same input), so
//! the ratios hold even on a noisy shared machine where absolute times drift.
//! Our entries are the functions whose name starts with `noio-ws`; every other
//! entry in the same benchmark is a baseline, and each of ours gets a ratio
//! against each baseline.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use serde_json::Value;

use crate::cmd::Cmd;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--deflate-backends") {
        return crate::deflate_backends::run();
    }
    let mut bench = Cmd::new("cargo").args(["bench", "--workspace", "--bench", "*"]);
    if !args.is_empty() {
        bench = bench.args(["--"]).args(args);
    }
    let started = SystemTime::now();
    bench.run()?;
    report(Path::new("target/criterion"), started)
}

/// One measured function: its name and median time per iteration in ns, and
/// the bytes per iteration where the bench declared a throughput.
struct Measured {
    function: String,
    median_ns: f64,
    bytes: Option<f64>,
}

/// Prints the benchmarks measured since `since`: a filtered run leaves the
/// others' older results in place, and those are not this run's.
fn report(root: &Path, since: SystemTime) -> Result<(), String> {
    let mut groups: BTreeMap<String, Vec<Measured>> = BTreeMap::new();
    collect(root, since, &mut groups)?;
    for (bench, entries) in groups {
        let (ours, peers): (Vec<&Measured>, Vec<&Measured>) =
            entries.iter().partition(|m| m.function.starts_with("noio-ws"));
        println!("{bench}");
        for m in ours.iter().chain(&peers) {
            let rate = m
                .bytes
                .map(|b| format!("{:>9.2} GiB/s", b / m.median_ns / 1.073_741_824))
                .unwrap_or_default();
            println!("  {:<30} {:>12} {rate}", m.function, human(m.median_ns));
        }
        for m in &ours {
            for peer in &peers {
                println!(
                    "  ratio: {} is {:.2}x as fast as {}",
                    m.function,
                    peer.median_ns / m.median_ns,
                    peer.function
                );
            }
        }
    }
    Ok(())
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
            let written = fs::metadata(path.join("estimates.json")).and_then(|m| m.modified());
            if written.is_ok_and(|t| t < since) {
                continue;
            }
            if let Some((bench, measured)) = read_one(&path)? {
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
    Ok(Some((bench, Measured { function, median_ns, bytes })))
}

fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.3} s", n / 1e9),
        n if n >= 1e6 => format!("{:.3} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.3} µs", n / 1e3),
        n => format!("{n:.1} ns"),
    }
}
