//! `cargo xtask fuzz`: builds and runs every cargo-fuzz target for a while.
//!
//! cargo-fuzz needs nightly compiler flags (`-Zsanitizer`). A nightly
//! toolchain is used when rustup has one; otherwise stable runs with
//! `RUSTC_BOOTSTRAP=1`, which unlocks the same flags. cargo-fuzz itself is
//! installed if missing. Each target runs from its committed seeds in
//! `fuzz/seeds/<target>` and writes what it finds to `fuzz/corpus/<target>`
//! (ignored by git).
//!
//! The sanitizer defaults to none: the library crates forbid `unsafe` but for
//! the codec's SIMD masking module (tested path by path and under Miri), and
//! without it the targets run about four times as many inputs per second.
//! `--sanitizer address` (used by `ci --full`) checks that module and the
//! dependencies' unsafe code too.

use std::fs;

use crate::cmd::{self, Cmd};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 30u64;
    let mut sanitizer = "none".to_string();
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = it.next().ok_or("--seconds needs a value")?;
                seconds = value.parse().map_err(|_| format!("--seconds: not a number: {value}"))?;
            }
            "--sanitizer" => sanitizer = it.next().ok_or("--sanitizer needs a value")?.clone(),
            other => targets.push(other.to_string()),
        }
    }
    if targets.is_empty() {
        targets = list_targets()?;
    }
    ensure_cargo_fuzz()?;
    let nightly = has_nightly();
    eprintln!(
        "fuzzing with {}",
        if nightly { "the nightly toolchain" } else { "stable and RUSTC_BOOTSTRAP=1" }
    );

    let mut summary = Vec::new();
    for target in &targets {
        let corpus = format!("corpus/{target}");
        let seeds = format!("seeds/{target}");
        fs::create_dir_all(format!("fuzz/{corpus}")).map_err(|e| format!("fuzz/{corpus}: {e}"))?;
        let run = fuzz_cmd(nightly)
            .args([
                "run",
                "--sanitizer",
                sanitizer.as_str(),
                target.as_str(),
                corpus.as_str(),
                seeds.as_str(),
                "--",
            ])
            .args([format!("-max_total_time={seconds}"), "-print_final_stats=1".to_string()]);
        let output = run.current_dir("fuzz").output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{stderr}");
            return Err(format!("fuzz target {target} failed: {}", output.status));
        }
        let stat = |name: &str| {
            stderr
                .lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| "?".to_string())
        };
        summary.push((target.clone(), stat("number_of_executed_units"), stat("average_exec_per_sec")));
    }
    println!("{:<24} {:>14} {:>12}", "target", "executions", "exec/s");
    for (target, runs, rate) in &summary {
        println!("{target:<24} {runs:>14} {rate:>12}");
    }
    Ok(())
}

/// The targets: one file each in `fuzz/fuzz_targets`.
fn list_targets() -> Result<Vec<String>, String> {
    let dir = fs::read_dir("fuzz/fuzz_targets").map_err(|e| format!("fuzz/fuzz_targets: {e}"))?;
    let mut targets: Vec<String> = dir
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".rs").map(str::to_string))
        .collect();
    targets.sort();
    Ok(targets)
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    if cmd::succeeds("cargo", &["fuzz", "--version"]) {
        return Ok(());
    }
    cmd::run("cargo", &["install", "cargo-fuzz", "--locked"])
}

fn has_nightly() -> bool {
    Cmd::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.starts_with("nightly")))
}

fn fuzz_cmd(nightly: bool) -> Cmd {
    if nightly {
        Cmd::new("cargo").args(["+nightly", "fuzz"])
    } else {
        Cmd::new("cargo").env("RUSTC_BOOTSTRAP", "1").args(["fuzz"])
    }
}
