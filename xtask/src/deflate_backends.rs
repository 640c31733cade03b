//! `cargo xtask bench --deflate-backends`: the backends flate2 can be built
//! on (zlib-rs, which noio-ws-deflate uses; C zlib; miniz_oxide), each doing
//! permessage-deflate's work (`crates/deflate/backends`).
//!
//! flate2 links one backend per build, so each is its own binary. They run in
//! interleaved rounds and each keeps its best time per workload, so drift on a
//! shared machine hits every backend alike; ratios are against zlib-rs.

use std::collections::BTreeMap;

use crate::cmd::Cmd;

const MANIFEST: &str = "crates/deflate/backends/Cargo.toml";
/// The package's features, one per backend; the first is ours.
pub(crate) const BACKENDS: [&str; 3] = ["zlib-rs", "c-zlib", "miniz-oxide"];
const ROUNDS: usize = 5;
/// Milliseconds each workload runs per round.
const BUDGET_MS: &str = "200";

pub(crate) fn run() -> Result<(), String> {
    for backend in BACKENDS {
        build(backend, "build")?;
    }
    // workload -> best ns per message, one per backend
    let mut best: BTreeMap<(String, usize, String), [f64; 3]> = BTreeMap::new();
    for _ in 0..ROUNDS {
        for (i, backend) in BACKENDS.iter().enumerate() {
            let output =
                Cmd::new(&format!("target/deflate-backends/{backend}/release/noio-ws-deflate-backends"))
                    .args([BUDGET_MS])
                    .output()?;
            if !output.status.success() {
                return Err(format!("{backend}: {}", String::from_utf8_lossy(&output.stderr)));
            }
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let [work, bytes, context, ns] = fields[..] else {
                    return Err(format!("{backend}: unexpected line {line:?}"));
                };
                let parsed = bytes.parse().ok().zip(ns.parse::<f64>().ok());
                let (bytes, ns) = parsed.ok_or(format!("{backend}: unexpected line {line:?}"))?;
                let entry =
                    best.entry((work.to_string(), bytes, context.to_string())).or_insert([f64::MAX; 3]);
                entry[i] = entry[i].min(ns);
            }
        }
    }
    println!("\nbest of {ROUNDS} rounds, microseconds per message (ratio: zlib-rs is Nx as fast)");
    println!(
        "{:<11} {:>6} {:<9} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "work", "bytes", "context", BACKENDS[0], BACKENDS[1], BACKENDS[2], "vs C", "vs miniz"
    );
    for ((work, bytes, context), ns) in &best {
        println!(
            "{work:<11} {bytes:>6} {context:<9} {:>10.1} {:>10.1} {:>10.1} {:>7.2}x {:>7.2}x",
            ns[0] / 1e3,
            ns[1] / 1e3,
            ns[2] / 1e3,
            ns[1] / ns[0],
            ns[2] / ns[0]
        );
    }
    Ok(())
}

/// `cargo <action>` (build or clippy) of the comparison with one backend, in
/// its own target directory.
pub(crate) fn build(backend: &str, action: &str) -> Result<(), String> {
    let mut cargo = Cmd::new("cargo").args([
        action,
        "--release",
        "--manifest-path",
        MANIFEST,
        "--features",
        backend,
        "--target-dir",
        &format!("target/deflate-backends/{backend}"),
    ]);
    if action == "clippy" {
        cargo = cargo.args(["--", "-D", "warnings"]);
    }
    cargo.run()
}
