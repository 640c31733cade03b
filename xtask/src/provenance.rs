//! Where a benchmark run's figures come from: the command, the commit, the
//! date and the machine, recorded with every saved result so that
//! `docs/benchmarks.md` can name, for each figure, the run that produced it.

use std::fs;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The circumstances of one run, taken when it starts (the code measured is
/// the code checked out then).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Provenance {
    /// The command line, as a user would type it: `cargo xtask bench --instructions 16B`.
    pub(crate) command: String,
    /// `git rev-parse --short HEAD`, with `-dirty` when the work tree had changes.
    pub(crate) commit: String,
    /// UTC, to the minute: `2026-12-01 21:07 UTC`.
    pub(crate) date: String,
    /// CPU model, cores, rustc and OS, on one line.
    pub(crate) machine: String,
}

impl Provenance {
    /// The provenance of a run of `cargo xtask bench ARGS...` starting now.
    pub(crate) fn now(args: &[String]) -> Provenance {
        Provenance::of("cargo xtask bench", args)
    }

    /// The provenance of a run of `PROGRAM ARGS...` starting now
    /// (`program` as typed, unquoted: `cargo xtask autobahn`).
    pub(crate) fn of(program: &str, args: &[String]) -> Provenance {
        let command = [program].into_iter().chain(args.iter().map(String::as_str)).collect();
        Provenance {
            command: shell_words(command),
            commit: commit(),
            date: date(SystemTime::now()),
            machine: machine(),
        }
    }
}

/// Joins words with spaces, quoting those a shell would split or expand.
fn shell_words(words: Vec<&str>) -> String {
    let quote = |w: &str| {
        if w.is_empty() || w.contains(|c: char| c.is_whitespace() || "*?'\"$|&;<>()".contains(c)) {
            format!("'{}'", w.replace('\'', r"'\''"))
        } else {
            w.to_string()
        }
    };
    // The first word is the fixed program, `cargo xtask bench`, not to be quoted.
    let mut words = words.into_iter();
    let first = words.next().unwrap_or_default().to_string();
    words.fold(first, |line, w| format!("{line} {}", quote(w)))
}

fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".to_string();
    };
    match git(&["status", "--porcelain"]) {
        Some(changes) if changes.is_empty() => head,
        _ => format!("{head}-dirty"),
    }
}

/// `time` as `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), so that no date crate is needed for one timestamp.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `AMD EPYC, 2 cores, rustc 1.95.0 (59807616e 2026-04-14), Debian GNU/Linux 12 (bookworm), x86_64`.
fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim()))
        .unwrap_or("unknown CPU")
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let rustc = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown rustc".to_string());
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    format!("{cpu}, {cores} cores, {rustc}, {os}, {}", std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(date(UNIX_EPOCH + Duration::from_secs(1_709_210_096)), "2024-02-29 12:34 UTC");
        assert_eq!(date(UNIX_EPOCH + Duration::from_secs(1_735_689_599)), "2024-12-31 23:59 UTC");
    }

    #[test]
    fn commands_quote_what_a_shell_would_split() {
        let args = ["--instructions", "16B", "decode/binary"].map(String::from);
        assert_eq!(Provenance::now(&args).command, "cargo xtask bench --instructions 16B decode/binary");
        assert_eq!(shell_words(vec!["cargo xtask bench", "a b", "x*"]), "cargo xtask bench 'a b' 'x*'");
    }
}
