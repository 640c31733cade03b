//! The results `cargo xtask bench` keeps for `--report`, in
//! `docs/benchmarks/results/`: `criterion.json` (median times) and
//! `instructions.json` (callgrind counts) and `paired.json` (paired
//! wall-clock ratios) and `memory.json` (idle memory per connection), which
//! every run merges its cells into, and `echo.json`, which `cargo xtask
//! bench --echo` writes whole.
//!
//! A cell is one library on one workload at one size; a run replaces the
//! cells it measured and keeps the rest, so a filtered run updates only what
//! it ran. Every cell carries the [`Provenance`] of the run that measured it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::provenance::{self, Provenance};

pub(crate) const CRITERION: &str = "criterion.json";
pub(crate) const INSTRUCTIONS: &str = "instructions.json";
pub(crate) const PAIRED: &str = "paired.json";
pub(crate) const ECHO: &str = "echo.json";
pub(crate) const MEMORY: &str = "memory.json";

/// Where the results live: `docs/benchmarks/results`, in git beside the
/// page made from them, so that `--report` can be run again on any
/// machine, after any one kind of run, without losing the others' figures.
pub(crate) fn dir() -> PathBuf {
    PathBuf::from("docs/benchmarks/results")
}

/// One library's criterion median on one workload at one size.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Timed {
    pub(crate) workload: String,
    pub(crate) size: String,
    pub(crate) library: String,
    /// Payload bytes per iteration, as the bench declared its throughput.
    pub(crate) bytes: Option<f64>,
    /// Median time per iteration.
    pub(crate) median_ns: f64,
    /// For ours: the best peer of the same run and group, and its median
    /// divided by ours (>1: ours is faster). Taken when measured, as only
    /// medians of one run compare fairly.
    pub(crate) vs_best: Option<(String, f64)>,
    pub(crate) run: Provenance,
}

/// One library's callgrind instructions per message on one workload at one size.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Counted {
    pub(crate) workload: String,
    pub(crate) size: String,
    pub(crate) library: String,
    /// In memcpy, memmove, memset and mempcpy.
    pub(crate) copy: f64,
    /// Everything else.
    pub(crate) rest: f64,
    pub(crate) run: Provenance,
}

/// One library's paired wall-clock measurement on one workload at one size
/// (`cargo xtask bench --paired`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Paired {
    pub(crate) workload: String,
    pub(crate) size: String,
    pub(crate) library: String,
    /// The fastest round and the median round, per iteration.
    pub(crate) min_ns: f64,
    pub(crate) median_ns: f64,
    /// For ours: the median and quartiles over rounds of the round's best
    /// peer time divided by ours (>1: ours is faster).
    pub(crate) ratio: Option<[f64; 3]>,
    pub(crate) rounds: u64,
    pub(crate) run: Provenance,
}

/// One library's idle memory in one state (`cargo xtask bench --memory`):
/// the echo server's resident set before any connection and with
/// `connections` connections open and idle in that state.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Memory {
    pub(crate) library: String,
    /// What the connections had done: `after the handshake`, `after 1KiB each way`.
    pub(crate) variant: String,
    pub(crate) connections: u64,
    /// RSS before any connection, in bytes.
    pub(crate) before: u64,
    /// RSS with the connections open, in bytes.
    pub(crate) after: u64,
    /// Both readings had stopped moving when taken.
    pub(crate) settled: bool,
    pub(crate) run: Provenance,
}

impl Memory {
    /// What the connections added to the server's RSS, in bytes (0 if it shrank).
    pub(crate) fn total(&self) -> u64 {
        self.after.saturating_sub(self.before)
    }

    /// [`total`](Memory::total) per connection, in bytes.
    pub(crate) fn per_connection(&self) -> f64 {
        self.total() as f64 / self.connections.max(1) as f64
    }
}

/// A saved cell: its key, and its form in the JSON file.
pub(crate) trait Cell: Sized {
    /// Workload, size and library: what a later run of the same cell replaces.
    fn key(&self) -> (&str, &str, &str);
    fn to_json(&self) -> Value;
    fn from_json(value: &Value) -> Option<Self>;
}

fn text(value: &Value, field: &str) -> Option<String> {
    value[field].as_str().map(str::to_string)
}

fn run_to_json(run: &Provenance) -> Value {
    json!({"command": run.command, "commit": run.commit, "date": run.date, "machine": run.machine})
}

fn run_from_json(value: &Value) -> Option<Provenance> {
    Some(Provenance {
        command: text(value, "command")?,
        commit: text(value, "commit")?,
        date: text(value, "date")?,
        machine: text(value, "machine")?,
    })
}

impl Cell for Timed {
    fn key(&self) -> (&str, &str, &str) {
        (&self.workload, &self.size, &self.library)
    }

    fn to_json(&self) -> Value {
        let (best_peer, ratio) = match &self.vs_best {
            Some((peer, ratio)) => (json!(peer), json!(ratio)),
            None => (Value::Null, Value::Null),
        };
        json!({
            "workload": self.workload, "size": self.size, "library": self.library,
            "bytes": self.bytes, "median_ns": self.median_ns,
            "best_peer": best_peer, "ratio": ratio, "run": run_to_json(&self.run),
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        let vs_best = match (text(value, "best_peer"), value["ratio"].as_f64()) {
            (Some(peer), Some(ratio)) => Some((peer, ratio)),
            _ => None,
        };
        Some(Timed {
            workload: text(value, "workload")?,
            size: text(value, "size")?,
            library: text(value, "library")?,
            bytes: value["bytes"].as_f64(),
            median_ns: value["median_ns"].as_f64()?,
            vs_best,
            run: run_from_json(&value["run"])?,
        })
    }
}

impl Cell for Counted {
    fn key(&self) -> (&str, &str, &str) {
        (&self.workload, &self.size, &self.library)
    }

    fn to_json(&self) -> Value {
        json!({
            "workload": self.workload, "size": self.size, "library": self.library,
            "copy": self.copy, "rest": self.rest, "run": run_to_json(&self.run),
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        Some(Counted {
            workload: text(value, "workload")?,
            size: text(value, "size")?,
            library: text(value, "library")?,
            copy: value["copy"].as_f64()?,
            rest: value["rest"].as_f64()?,
            run: run_from_json(&value["run"])?,
        })
    }
}

impl Cell for Paired {
    fn key(&self) -> (&str, &str, &str) {
        (&self.workload, &self.size, &self.library)
    }

    fn to_json(&self) -> Value {
        json!({
            "workload": self.workload, "size": self.size, "library": self.library,
            "min_ns": self.min_ns, "median_ns": self.median_ns, "ratio": self.ratio,
            "rounds": self.rounds, "run": run_to_json(&self.run),
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        let ratio = match value["ratio"].as_array() {
            Some(r) => Some([r.first()?.as_f64()?, r.get(1)?.as_f64()?, r.get(2)?.as_f64()?]),
            None => None,
        };
        Some(Paired {
            workload: text(value, "workload")?,
            size: text(value, "size")?,
            library: text(value, "library")?,
            min_ns: value["min_ns"].as_f64()?,
            median_ns: value["median_ns"].as_f64()?,
            ratio,
            rounds: value["rounds"].as_u64()?,
            run: run_from_json(&value["run"])?,
        })
    }
}

impl Cell for Memory {
    /// A library in a state; a later run replaces it whatever its count.
    fn key(&self) -> (&str, &str, &str) {
        (&self.variant, "", &self.library)
    }

    fn to_json(&self) -> Value {
        json!({
            "library": self.library, "variant": self.variant, "connections": self.connections,
            "rss_before": self.before, "rss_after": self.after, "settled": self.settled,
            "bytes_per_connection": self.per_connection(), "run": run_to_json(&self.run),
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        Some(Memory {
            library: text(value, "library")?,
            variant: text(value, "variant")?,
            connections: value["connections"].as_u64()?,
            before: value["rss_before"].as_u64()?,
            after: value["rss_after"].as_u64()?,
            settled: value["settled"].as_bool()?,
            run: run_from_json(&value["run"])?,
        })
    }
}

/// The cells saved in `path` (`{"cells": [...]}`); `None` when there is no file.
pub(crate) fn load<C: Cell>(path: &Path) -> Result<Option<Vec<C>>, String> {
    let Ok(source) = fs::read_to_string(path) else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(&source).map_err(|e| format!("{}: {e}", path.display()))?;
    let cells = value["cells"].as_array().ok_or_else(|| format!("{}: no \"cells\" array", path.display()))?;
    cells
        .iter()
        .map(|c| C::from_json(c).ok_or_else(|| format!("{}: malformed cell {c}", path.display())))
        .collect::<Result<Vec<C>, String>>()
        .map(Some)
}

/// `old` with each cell of `new` in place of the old cell of the same key,
/// and the cells new to it at the end, in their order.
pub(crate) fn merge<C: Cell>(old: Vec<C>, new: Vec<C>) -> Vec<C> {
    let mut new: Vec<Option<C>> = new.into_iter().map(Some).collect();
    let mut take_new = |key: (&str, &str, &str)| {
        new.iter_mut().find(|c| c.as_ref().is_some_and(|c| c.key() == key)).and_then(Option::take)
    };
    let mut merged: Vec<C> = old.into_iter().map(|c| take_new(c.key()).unwrap_or(c)).collect();
    merged.extend(new.into_iter().flatten());
    merged
}

/// Merges `new` into the cells saved in `name` under [`dir`] and writes the result.
pub(crate) fn save<C: Cell>(name: &str, new: Vec<C>) -> Result<(), String> {
    if new.is_empty() {
        return Ok(());
    }
    let dir = dir();
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    let merged = merge(load(&path)?.unwrap_or_default(), new);
    let value = json!({"cells": merged.iter().map(Cell::to_json).collect::<Vec<_>>()});
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("saved {} cells to {}", merged.len(), path.display());
    Ok(())
}

/// What `cargo xtask bench --echo` wrote.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Echo {
    pub(crate) machine: String,
    /// How long each configuration ran.
    pub(crate) seconds: f64,
    pub(crate) runs: Vec<EchoRun>,
    /// The file's own `commit`, if it records one.
    pub(crate) commit: Option<String>,
    /// The file's own `date` if it records one, else when it was written.
    pub(crate) date: Option<String>,
}

/// One configuration of one library in the echo bench.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EchoRun {
    pub(crate) library: String,
    pub(crate) connections: u64,
    pub(crate) size: u64,
    /// `ping-pong` or `pipelined`.
    pub(crate) mode: String,
    pub(crate) messages_per_s: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// Ours: the ratio to the strongest peer, round by round.
    pub(crate) vs_best_peer: Option<EchoRatio>,
    /// Ours, where the strongest peer's median round broke the latency
    /// bound: the ratio to the strongest peer that kept it (`Some(None)`:
    /// none did).
    pub(crate) vs_best_fair_peer: Option<Option<EchoRatio>>,
    /// Ours: the load generator ran its core full in some round, for ours
    /// or the strongest peer, so the server may not have been the limit.
    pub(crate) generator_bound: bool,
    /// The server's CPU time per message, in µs (runs from before it was
    /// measured have none).
    pub(crate) server_cpu_us_per_message: Option<f64>,
    /// Ours: the strongest peer's server CPU per message ÷ ours.
    pub(crate) server_cpu_vs_best_peer: Option<EchoRatio>,
}

/// Ours ÷ one peer in the same round, summarised over the rounds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EchoRatio {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// The peer.
    pub(crate) peer: String,
}

impl EchoRatio {
    fn parse(value: &Value) -> Option<EchoRatio> {
        Some(EchoRatio {
            median: value["median"].as_f64()?,
            min: value["min"].as_f64()?,
            max: value["max"].as_f64()?,
            peer: text(value, "peer")?,
        })
    }
}

/// The echo results in `path`; `None` when there is no file.
pub(crate) fn load_echo(path: &Path) -> Result<Option<Echo>, String> {
    let Ok(source) = fs::read_to_string(path) else {
        return Ok(None);
    };
    let written = fs::metadata(path).and_then(|m| m.modified()).ok();
    parse_echo(&source, written).map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses echo.json; `written` (the file's time) dates it when it has no `date`.
pub(crate) fn parse_echo(source: &str, written: Option<SystemTime>) -> Result<Echo, String> {
    let value: Value = serde_json::from_str(source).map_err(|e| e.to_string())?;
    let runs = value["runs"].as_array().ok_or("no \"runs\" array")?;
    let run = |r: &Value| -> Option<EchoRun> {
        Some(EchoRun {
            library: text(r, "library")?,
            connections: r["connections"].as_u64()?,
            size: r["size"].as_u64()?,
            mode: text(r, "mode")?,
            messages_per_s: r["messages_per_s"].as_f64()?,
            p50_us: r["p50_us"].as_f64()?,
            p99_us: r["p99_us"].as_f64()?,
            vs_best_peer: EchoRatio::parse(&r["vs_best_peer"]),
            vs_best_fair_peer: r.get("vs_best_fair_peer").map(EchoRatio::parse),
            generator_bound: r["generator_bound"].as_bool().unwrap_or(false),
            server_cpu_us_per_message: r["server_cpu_us_per_message"].as_f64(),
            server_cpu_vs_best_peer: EchoRatio::parse(&r["server_cpu_vs_best_peer"]),
        })
    };
    Ok(Echo {
        machine: text(&value, "machine").unwrap_or_else(|| "not recorded".to_string()),
        seconds: value["seconds"].as_f64().ok_or("no \"seconds\"")?,
        runs: runs
            .iter()
            .map(|r| run(r).ok_or_else(|| format!("malformed run {r}")))
            .collect::<Result<_, _>>()?,
        commit: text(&value, "commit"),
        date: text(&value, "date").or_else(|| written.map(provenance::date)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(commit: &str) -> Provenance {
        Provenance {
            command: "cargo xtask bench --instructions".to_string(),
            commit: commit.to_string(),
            date: "2026-12-01 21:00 UTC".to_string(),
            machine: "test machine".to_string(),
        }
    }

    fn counted(workload: &str, size: &str, library: &str, copy: f64, commit: &str) -> Counted {
        Counted {
            workload: workload.to_string(),
            size: size.to_string(),
            library: library.to_string(),
            copy,
            rest: 100.0,
            run: run(commit),
        }
    }

    #[test]
    fn a_run_replaces_its_cells_and_keeps_the_others() {
        let old = vec![
            counted("decode/binary", "16B", "noio-ws", 1.0, "old"),
            counted("decode/binary", "16B", "tungstenite", 2.0, "old"),
            counted("decode/binary", "1KiB", "noio-ws", 3.0, "old"),
        ];
        let new = vec![
            counted("decode/binary", "1KiB", "noio-ws", 30.0, "new"),
            counted("encode/binary", "16B", "noio-ws", 40.0, "new"),
        ];
        let merged = merge(old, new);
        let copies: Vec<(f64, &str)> = merged.iter().map(|c| (c.copy, c.run.commit.as_str())).collect();
        assert_eq!(copies, [(1.0, "old"), (2.0, "old"), (30.0, "new"), (40.0, "new")]);
    }

    #[test]
    fn cells_survive_their_json() {
        let timed = Timed {
            workload: "decode/text".to_string(),
            size: "64KiB".to_string(),
            library: "noio-ws".to_string(),
            bytes: Some(524_288.0),
            median_ns: 91_000.5,
            vs_best: Some(("tungstenite".to_string(), 1.25)),
            run: run("abc1234-dirty"),
        };
        assert_eq!(Timed::from_json(&timed.to_json()), Some(timed.clone()));
        let peer = Timed { library: "tungstenite".to_string(), vs_best: None, bytes: None, ..timed };
        assert_eq!(Timed::from_json(&peer.to_json()), Some(peer));
        let counted = counted("encode/binary", "1MiB", "noio-ws", 7.5, "abc");
        assert_eq!(Counted::from_json(&counted.to_json()), Some(counted));
        assert_eq!(Counted::from_json(&json!({"workload": "x"})), None);
    }

    #[test]
    fn memory_cells_survive_their_json() {
        let cell = Memory {
            library: "noio-ws (tokio adapter)".to_string(),
            variant: "after the handshake".to_string(),
            connections: 10_000,
            before: 2 << 20,
            after: (2 << 20) + 30_720_000,
            settled: true,
            run: run("abc"),
        };
        assert_eq!(cell.total(), 30_720_000);
        assert_eq!(cell.per_connection(), 3072.0);
        assert_eq!(Memory::from_json(&cell.to_json()), Some(cell.clone()));
        let shrank = Memory { after: 1 << 20, ..cell };
        assert_eq!(shrank.total(), 0);
    }

    #[test]
    fn echo_results_parse_and_are_dated() {
        let text = r#"{"machine": "m", "seconds": 2.5, "runs": [
            {"library": "noio-ws (std)", "connections": 1, "size": 16, "mode": "ping-pong",
             "messages_per_s": 51234.5, "p50_us": 18.5, "p99_us": 40.25}]}"#;
        let echo = parse_echo(text, Some(SystemTime::UNIX_EPOCH)).unwrap();
        assert_eq!(echo.seconds, 2.5);
        assert_eq!(echo.runs[0].library, "noio-ws (std)");
        assert_eq!(echo.runs[0].mode, "ping-pong");
        assert_eq!(echo.date.as_deref(), Some("1970-01-01 00:00 UTC"));
        assert_eq!(echo.commit, None);
        assert!(parse_echo(r#"{"seconds": 1, "runs": [{"library": "x"}]}"#, None).is_err());
    }
}
