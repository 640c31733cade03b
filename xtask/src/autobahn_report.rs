//! `cargo xtask autobahn --report`: writes `docs/conformance.md`, the
//! book's conformance chapter, from the last Autobahn run's results
//! (`reports/autobahn/{servers,clients}/index.json`, the suite's own, and
//! `reports/autobahn/run.json`, which [`save_run`] writes at the end of
//! every run: the command, commit, date and machine, which cases were left
//! out, and each agent's role, driver and delivery mode). Nothing in the
//! chapter is typed by hand: run the suite, then this.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::provenance::Provenance;

/// The suite's grades, best first; a case's grade is the worse of its
/// behaviour and its closing behaviour.
pub(crate) const GRADES: [&str; 5] = ["OK", "INFORMATIONAL", "NON-STRICT", "FAILED", "UNIMPLEMENTED"];

/// The grade (an index into [`GRADES`]) of one case's result: the worse of
/// its two; anything unknown counts as FAILED.
pub(crate) fn grade(result: &Value) -> usize {
    let rank = |g: Option<&str>| g.and_then(|g| GRADES.iter().position(|x| *x == g)).unwrap_or(3);
    rank(result["behavior"].as_str()).max(rank(result["behaviorClose"].as_str()))
}

/// Whether a grade passes strictly: OK, or INFORMATIONAL where the suite
/// itself grades a case so (its cases that have no right answer).
pub(crate) fn is_strict(grade: usize) -> bool {
    grade <= 1
}

/// One agent of a run: what it was, where its results are filed.
pub(crate) struct Agent {
    /// `server (std, whole)`, `client (tokio)`.
    pub(crate) role: String,
    /// `servers` or `clients`: the reports' subdirectory.
    pub(crate) dir: &'static str,
    /// The agent name the suite filed it under.
    pub(crate) agent: &'static str,
    /// How long its role's run took, in seconds.
    pub(crate) seconds: f64,
}

/// Records the run just made in `reports/run.json`, for `--report`.
pub(crate) fn save_run(
    reports: &Path,
    run: &Provenance,
    excluded: &[String],
    agents: &[Agent],
) -> Result<(), String> {
    let agents: Vec<Value> = agents
        .iter()
        .map(|a| json!({"role": a.role, "dir": a.dir, "agent": a.agent, "seconds": a.seconds}))
        .collect();
    let record = json!({
        "command": run.command,
        "commit": run.commit,
        "date": run.date,
        "machine": run.machine,
        "excluded": excluded,
        "agents": agents,
    });
    let path = reports.join("run.json");
    let text = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?;
    fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// What the chapter needs of one agent: its role and its results by case.
struct Results {
    role: String,
    seconds: f64,
    cases: serde_json::Map<String, Value>,
}

/// Reads the last run from `reports` and writes the chapter to `chapter`.
pub(crate) fn write(reports: &Path, chapter: &Path) -> Result<(), String> {
    let read = |path: &Path| -> Result<Value, String> {
        let text = fs::read_to_string(path).map_err(|e| {
            format!("{}: {e} (run `cargo xtask autobahn` first, then `--report`)", path.display())
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let run = read(&reports.join("run.json"))?;
    let mut indexes = BTreeMap::new();
    let mut results = Vec::new();
    for agent in run["agents"].as_array().ok_or("run.json: no agents")? {
        let field =
            |key: &str| agent[key].as_str().ok_or_else(|| format!("run.json: an agent without {key}"));
        let dir = field("dir")?;
        if !indexes.contains_key(dir) {
            indexes.insert(dir.to_string(), read(&reports.join(dir).join("index.json"))?);
        }
        let name = field("agent")?;
        let cases = indexes[dir][name]
            .as_object()
            .ok_or_else(|| format!("{dir}/index.json: no results for {name}"))?
            .clone();
        results.push(Results {
            role: field("role")?.to_string(),
            seconds: agent["seconds"].as_f64().unwrap_or(0.0),
            cases,
        });
    }
    let page = render(&run, &results);
    fs::write(chapter, page).map_err(|e| format!("{}: {e}", chapter.display()))?;
    println!("wrote {}", chapter.display());
    Ok(())
}

/// The suite's sections, as its reports title them.
const SECTIONS: [(u32, &str); 11] = [
    (1, "Framing"),
    (2, "Pings/Pongs"),
    (3, "Reserved bits"),
    (4, "Opcodes"),
    (5, "Fragmentation"),
    (6, "UTF-8 handling"),
    (7, "Close handling"),
    (9, "Limits/performance"),
    (10, "Miscellaneous"),
    (12, "Compression, different payloads"),
    (13, "Compression, different parameters"),
];

/// The section of a case (`6` for `6.4.1`), 0 for a name that has none.
pub(crate) fn section_of(case: &str) -> u32 {
    case.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn render(run: &Value, results: &[Results]) -> String {
    let text = |key: &str| run[key].as_str().unwrap_or("not recorded").to_string();
    let excluded: Vec<&str> =
        run["excluded"].as_array().map_or(Vec::new(), |e| e.iter().filter_map(Value::as_str).collect());
    let mut page = String::from(
        "# Conformance: the Autobahn Testsuite\n\n\
         <!-- Written by `cargo xtask autobahn --report` from the last run's results; do not edit. -->\n\n\
         The [Autobahn Testsuite](https://github.com/crossbario/autobahn-testsuite) is the \
         WebSocket conformance suite every implementation is measured by: over 500 cases of \
         framing, pings, reserved bits, opcodes, fragmentation, UTF-8, closing, limits and \
         permessage-deflate, each graded OK, NON-STRICT (accepted, but not as the RFC asks: a close \
         code too lenient, a failure noticed late), INFORMATIONAL (cases with no single right \
         answer, graded so by the suite itself), FAILED or UNIMPLEMENTED. A case's grade here is the \
         worse of its behaviour and its closing behaviour.\n\n\
         `cargo xtask autobahn` runs the suite's client against our servers and its server against \
         our clients, on both drivers (the blocking examples on the sans-io core and `std::net`, \
         and the tokio adapter's), every server in its delivery mode (whole messages, frames, \
         streamed pieces), and fails unless every case passes strictly: OK, or INFORMATIONAL. CI \
         runs it on every change; this chapter is the last run's results.\n\n",
    );
    let _ = writeln!(
        page,
        "Run by `{}` at commit `{}` on {}, on {}.\n",
        text("command"),
        text("commit"),
        text("date"),
        text("machine")
    );
    if excluded.is_empty() {
        page.push_str("Every case ran.\n\n");
    } else {
        let _ = writeln!(
            page,
            "Left out of this run: {} cases ({}), the compression cases with large fragmented \
             messages, which `--full` runs.\n",
            excluded.len(),
            abbreviate(&excluded)
        );
    }
    page.push_str(
        "| agent | cases | OK | INFORMATIONAL | NON-STRICT | FAILED | UNIMPLEMENTED | strict | seconds |\n",
    );
    page.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for r in results {
        let mut counts = [0; 5];
        for result in r.cases.values() {
            counts[grade(result)] += 1;
        }
        let strict = if counts[2..].iter().all(|&n| n == 0) { "yes" } else { "**no**" };
        let _ = writeln!(
            page,
            "| {} | {} | {} | {} | {} | {} | {} | {strict} | {:.0} |",
            r.role,
            r.cases.len(),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4],
            r.seconds
        );
    }
    page.push_str(
        "\n*seconds* is the wall time of the agent's role: the servers run one after another \
         against one suite client, the clients one after another against one suite server, the two \
         roles side by side.\n\n## By section\n\nCases passing strictly, of those run, for each agent.\n\n",
    );
    let _ = write!(page, "| section |");
    for r in results {
        let _ = write!(page, " {} |", r.role);
    }
    page.push_str("\n|---|");
    page.push_str(&"---|".repeat(results.len()));
    page.push('\n');
    for (section, title) in SECTIONS {
        let _ = write!(page, "| {section}. {title} |");
        for r in results {
            let cases: Vec<&Value> =
                r.cases.iter().filter(|(case, _)| section_of(case) == section).map(|(_, v)| v).collect();
            let strict = cases.iter().filter(|v| is_strict(grade(v))).count();
            let _ = write!(page, " {strict} of {} |", cases.len());
        }
        page.push('\n');
    }
    let failing: Vec<String> = results
        .iter()
        .flat_map(|r| {
            r.cases
                .iter()
                .filter(|(_, v)| !is_strict(grade(v)))
                .map(move |(case, v)| format!("{} {case} ({})", r.role, GRADES[grade(v)]))
        })
        .collect();
    page.push_str("\n## Not strictly passing\n\n");
    if failing.is_empty() {
        page.push_str("None.\n");
    } else {
        for line in failing {
            let _ = writeln!(page, "- {line}");
        }
    }
    page.push_str(
        "\n## Reproduce\n\n```sh\ncargo xtask autobahn --full --all-modes   # every case, every server mode\n\
         cargo xtask autobahn --report             # this chapter, from that run\n```\n\n\
         The suite's own HTML reports, case by case with the frames on the wire, are in \
         `reports/autobahn/{servers,clients}/index.html` after a run.\n",
    );
    page
}

/// Case names grouped by their subsection: `12.1.11-18, 12.2.11-18`.
fn abbreviate(cases: &[&str]) -> String {
    let mut groups: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for case in cases {
        let parts: Vec<u32> = case.split('.').filter_map(|p| p.parse().ok()).collect();
        if let [section, sub, number] = parts[..] {
            groups.entry((section, sub)).or_default().push(number);
        }
    }
    groups
        .iter()
        .map(|((section, sub), numbers)| {
            let (low, high) = (numbers.iter().min().unwrap_or(&0), numbers.iter().max().unwrap_or(&0));
            if low == high {
                format!("{section}.{sub}.{low}")
            } else {
                format!("{section}.{sub}.{low}-{high}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(role: &str, cases: Value) -> Results {
        Results { role: role.to_string(), seconds: 12.0, cases: cases.as_object().unwrap().clone() }
    }

    #[test]
    fn the_chapter_counts_each_agents_grades_by_section() {
        let run = json!({"command": "cargo xtask autobahn", "commit": "abc1234", "date": "2026-12-03 07:00 UTC",
            "machine": "Test CPU", "excluded": ["12.1.11", "12.1.12", "13.7.18"]});
        let server = results(
            "server (std, whole)",
            json!({
                "1.1.1": {"behavior": "OK", "behaviorClose": "OK"},
                "1.1.2": {"behavior": "OK", "behaviorClose": "INFORMATIONAL"},
                "6.4.1": {"behavior": "NON-STRICT", "behaviorClose": "OK"},
            }),
        );
        let client = results("client (tokio)", json!({"1.1.1": {"behavior": "OK", "behaviorClose": "OK"}}));
        let page = render(&run, &[server, client]);
        assert!(page.contains(
            "Run by `cargo xtask autobahn` at commit `abc1234` on 2026-12-03 07:00 UTC, on Test CPU."
        ));
        assert!(page.contains("3 cases (12.1.11-12, 13.7.18)"), "{page}");
        assert!(page.contains("| server (std, whole) | 3 | 1 | 1 | 1 | 0 | 0 | **no** | 12 |"), "{page}");
        assert!(page.contains("| client (tokio) | 1 | 1 | 0 | 0 | 0 | 0 | yes | 12 |"), "{page}");
        assert!(page.contains("| 1. Framing | 2 of 2 | 1 of 1 |"), "{page}");
        assert!(page.contains("| 6. UTF-8 handling | 0 of 1 | 0 of 0 |"), "{page}");
        assert!(page.contains("- server (std, whole) 6.4.1 (NON-STRICT)"), "{page}");
    }

    #[test]
    fn an_unknown_grade_fails() {
        assert_eq!(grade(&json!({"behavior": "OK"})), 3);
        assert_eq!(grade(&json!({"behavior": "OK", "behaviorClose": "OK"})), 0);
        assert!(!is_strict(grade(&json!({"behavior": "WRONG", "behaviorClose": "OK"}))));
    }
}
