//! `cargo xtask autobahn`: the Autobahn Testsuite against both roles, strict.
//!
//! Runs the suite's fuzzingclient against our servers and its
//! fuzzingserver against our clients (each on both drivers: the blocking
//! examples of `noio-ws` and the tokio adapter's), on 127.0.0.1 only, keeps the JSON
//! and HTML reports in `reports/autobahn` (ignored by git), prints a table per
//! role and section, and fails unless every case is OK, or INFORMATIONAL where
//! the suite itself grades it so: no NON-STRICT, FAILED or UNIMPLEMENTED.
//!
//! The server role runs a server per driver and delivery mode (whole
//! messages, frames, streamed pieces), each its own agent in the reports:
//! by default every mode of the blocking driver and whole messages on the
//! adapter; `--full` whole messages on both, as the full run already takes
//! a quarter of an hour per server; `--all-modes` every one.
//!
//! Every run records what it was in `reports/autobahn/run.json`;
//! `cargo xtask autobahn --report` then writes the book's conformance
//! chapter, `docs/conformance.md`, from that run's results (see
//! [`crate::autobahn_report`]).
//!
//! The two roles run side by side. `--cases 12.*,13.1.*` narrows a run to
//! some cases while working on them. With `--full` all 517 cases run.
//! Without it, the slow compression cases (12.x.11-18 and 13.x.11-18:
//! messages of 8 KiB to 128 KiB sent in fragments, where the suite's own
//! Python side takes most of the quarter hour a full run needs here) are
//! left out; every compression parameter variant and message size still
//! runs, each message in one frame.
//!
//! The suite (PyPI's autobahntestsuite 25.10.1) runs only on Python 2.7. If it
//! is missing, this installs Debian bullseye's python2.7 (through an apt
//! source copied from bookworm's), then the suite and its pinned requirements
//! with PyPI's pip 20.3.4 run from its wheel, into `target/autobahn-suite`.

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::autobahn_report::{self, Agent, GRADES, grade, is_strict, section_of};
use crate::cmd::{self, Cmd};
use crate::provenance::Provenance;

const PYTHON: &str = "/usr/bin/python2.7";
const SUITE_DIR: &str = "target/autobahn-suite";
const REPORTS: &str = "reports/autobahn";
/// The book's chapter `--report` writes.
const CHAPTER: &str = "docs/conformance.md";
/// One of our servers under test: its port, the agent name it is filed
/// under, its delivery mode, and the example serving it.
#[derive(Clone, Copy)]
struct Server {
    port: u16,
    agent: &'static str,
    mode: &'static str,
    example: &'static str,
}

/// Our servers: the sans-io core on `std::net` (`noio-ws`'s blocking
/// example) and on the tokio adapter (`noio-ws-tokio`'s), in each delivery
/// mode. Which run depends on the flags ([`servers`]).
const SERVERS: [Server; 6] = [
    Server { port: 9002, agent: "noio-ws", mode: "whole", example: "autobahn_server_blocking" },
    Server { port: 9003, agent: "noio-ws-frames", mode: "frames", example: "autobahn_server_blocking" },
    Server { port: 9004, agent: "noio-ws-streaming", mode: "streaming", example: "autobahn_server_blocking" },
    Server { port: 9005, agent: "noio-ws-tokio", mode: "whole", example: "autobahn_server" },
    Server { port: 9006, agent: "noio-ws-tokio-frames", mode: "frames", example: "autobahn_server" },
    Server { port: 9007, agent: "noio-ws-tokio-streaming", mode: "streaming", example: "autobahn_server" },
];

/// Our clients, each its agent name and example, run one after the other
/// against the one fuzzingserver.
const CLIENTS: [(&str, &str); 2] =
    [("noio-ws", "autobahn_client_blocking"), ("noio-ws-tokio", "autobahn_client")];

/// The servers a run tests: with `--all-modes` every one; with `--full`
/// whole messages on both drivers (every mode would triple its quarter of
/// an hour); otherwise (the CI subset) every mode of the blocking driver
/// and whole messages on the adapter, whose frame and streaming echo is
/// the same core's.
fn servers(full: bool, all_modes: bool) -> Vec<Server> {
    SERVERS
        .iter()
        .copied()
        .filter(|s| all_modes || s.mode == "whole" || (!full && s.example == "autobahn_server_blocking"))
        .collect()
}

const SUITE_PORT: u16 = 9001;
/// Subsections of the compression sections: 12.1-12.5 and 13.1-13.7.
const COMPRESSION_SUBSECTIONS: [(u32, u32); 2] = [(12, 5), (13, 7)];

/// The suite's pinned requirements, plus the last releases of its C
/// accelerators that build without PEP 517 (the newer ones cannot build with
/// pip 20.3.4 run from its wheel).
const REQUIREMENTS: &[&str] = &[
    "txaio==2.1.0",
    "incremental==16.10.1",
    "pyOpenSSL==19.1.0",
    "cryptography==3.3.2",
    "Twisted==19.10.0",
    "zope.interface==4.6.0",
    "jinja2==2.11.3",
    "markupsafe==1.1.1",
    "Werkzeug==1.0.1",
    "klein==17.10.0",
    "service_identity==18.1.0",
    "unittest2==1.1.0",
    "six==1.16.0",
    "wsaccel==0.6.2",
    "ujson==1.35",
    "autobahn[accelerate,twisted]==0.10.9",
    "autobahntestsuite==25.10.1",
];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--report") {
        return autobahn_report::write(Path::new(REPORTS), Path::new(CHAPTER));
    }
    let provenance = Provenance::of("cargo xtask autobahn", args);
    let started = Instant::now();
    let named = args.iter().position(|a| a == "--cases");
    // Cases named explicitly run whatever their size.
    let full = named.is_some() || args.iter().any(|a| a == "--full");
    let excluded = if full { Vec::new() } else { slow_compression_cases() };
    let cases = match named {
        Some(i) => args
            .get(i + 1)
            .ok_or("--cases needs a comma-separated list of case patterns, such as 12.*,13.1.*")?
            .split(',')
            .map(str::to_string)
            .collect(),
        None => vec!["*".to_string()],
    };
    let site = ensure_suite()?;
    cmd::run(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "noio-ws",
            "-p",
            "noio-ws-tokio",
            "--example",
            "autobahn_server_blocking",
            "--example",
            "autobahn_client_blocking",
            "--example",
            "autobahn_server",
            "--example",
            "autobahn_client",
        ],
    )?;
    let _ = fs::remove_dir_all(REPORTS);
    fs::create_dir_all(REPORTS).map_err(|e| format!("{REPORTS}: {e}"))?;
    let reports = fs::canonicalize(REPORTS).map_err(|e| e.to_string())?;

    // The roles share nothing (their own ports, processes and report
    // directories), and each is bound by one single-threaded Python process,
    // so on two cores running them side by side halves the wall time.
    let all_modes = args.iter().any(|a| a == "--all-modes");
    let servers = &servers(args.iter().any(|a| a == "--full"), all_modes)[..];
    let timed = |role: RoleRun| {
        let started = Instant::now();
        role(&Run { site: &site, reports: &reports, cases: &cases, excluded: &excluded, servers })
            .map(|()| started.elapsed())
    };
    let (server, client) = std::thread::scope(|scope| {
        let server = scope.spawn(|| timed(run_server_role));
        let client = timed(run_client_role);
        (server.join().unwrap_or_else(|_| Err("the server role's thread panicked".into())), client)
    });
    let (server_time, client_time) = (server?, client?);

    let mut failures = Vec::new();
    let driver = |example: &str| if example.ends_with("_blocking") { "std" } else { "tokio" };
    let roles = servers.iter().map(|s| Agent {
        role: format!("server ({}, {})", driver(s.example), s.mode),
        dir: "servers",
        agent: s.agent,
        seconds: server_time.as_secs_f64(),
    });
    let clients = CLIENTS.iter().map(|&(agent, example)| Agent {
        role: format!("client ({})", driver(example)),
        dir: "clients",
        agent,
        seconds: client_time.as_secs_f64(),
    });
    let agents: Vec<Agent> = roles.chain(clients).collect();
    for agent in &agents {
        let index = reports.join(agent.dir).join("index.json");
        let text = fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
        let results: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", index.display()))?;
        let name = agent.agent;
        let cases = results[name].as_object().ok_or(format!("{}: no results for {name}", index.display()))?;
        failures.extend(report(&agent.role, cases, Duration::from_secs_f64(agent.seconds)));
    }
    // For `--report`: the book's conformance chapter comes from this record.
    autobahn_report::save_run(&reports, &provenance, &excluded, &agents)?;
    println!(
        "Autobahn run took {:.0} s; reports in {REPORTS}/{{servers,clients}}/index.html",
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} cases not strictly OK: {}", failures.len(), failures.join(", ")))
    }
}

/// What one role's run needs.
struct Run<'a> {
    /// The suite's site-packages.
    site: &'a Path,
    /// Where the reports go.
    reports: &'a Path,
    /// The cases to run, and those to leave out.
    cases: &'a [String],
    excluded: &'a [String],
    /// Our servers under test.
    servers: &'a [Server],
}

/// One role's run.
type RoleRun = fn(&Run<'_>) -> Result<(), String>;

/// Prints one role's table by section; returns its cases that are not strictly OK.
fn report(role: &str, cases: &serde_json::Map<String, Value>, time: Duration) -> Vec<String> {
    let mut by_section: BTreeMap<u32, [usize; 5]> = BTreeMap::new();
    let mut failures = Vec::new();
    for (case, result) in cases {
        let section = section_of(case);
        let behavior = result["behavior"].as_str().unwrap_or("?");
        let close = result["behaviorClose"].as_str().unwrap_or("?");
        let grade = grade(result);
        by_section.entry(section).or_default()[grade] += 1;
        if !is_strict(grade) {
            failures.push(format!("{role} {case} ({behavior}/{close})"));
        }
    }
    println!("\n{role} role: {} cases in {:.0} s", cases.len(), time.as_secs_f64());
    println!(
        "{:>8} {:>6} {:>14} {:>11} {:>7} {:>14}",
        "section", GRADES[0], GRADES[1], GRADES[2], GRADES[3], GRADES[4]
    );
    for (section, counts) in &by_section {
        println!(
            "{section:>8} {:>6} {:>14} {:>11} {:>7} {:>14}",
            counts[0], counts[1], counts[2], counts[3], counts[4]
        );
    }
    failures
}

/// Cases 12.x.11-18 and 13.x.11-18: the compression cases with fragmented messages.
fn slow_compression_cases() -> Vec<String> {
    COMPRESSION_SUBSECTIONS
        .iter()
        .flat_map(|&(section, subsections)| {
            (1..=subsections)
                .flat_map(move |sub| (11..=18).map(move |case| format!("{section}.{sub}.{case}")))
        })
        .collect()
}

/// The fuzzingclient (the suite as client) against our servers, one per
/// delivery mode, one after the other.
fn run_server_role(run: &Run<'_>) -> Result<(), String> {
    let servers: Vec<Value> = run
        .servers
        .iter()
        .map(|s| json!({"agent": s.agent, "url": format!("ws://127.0.0.1:{}", s.port)}))
        .collect();
    let spec = json!({
        "outdir": run.reports.join("servers"),
        "servers": servers,
        "cases": run.cases,
        "exclude-cases": run.excluded,
        "exclude-agent-cases": {},
    });
    let spec_path = run.reports.join("fuzzingclient.json");
    fs::write(&spec_path, spec.to_string()).map_err(|e| e.to_string())?;
    let mut running = Vec::new();
    for server in run.servers {
        // The suite breaks the protocol on purpose, and the server logs each
        // connection it fails: keep that log beside the reports.
        let log =
            fs::File::create(run.reports.join(format!("{}.log", server.agent))).map_err(|e| e.to_string())?;
        let process = Command::new(example_path(server.example))
            .args([server.port.to_string(), "--delivery".to_string(), server.mode.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{}: {e}", server.example))?;
        running.push(KillOnDrop(process));
        wait_for_port(server.port)?;
    }
    let status = wstest(run.site, "fuzzingclient", &spec_path)
        .stdout(fs::File::create(run.reports.join("fuzzingclient.log")).map_err(|e| e.to_string())?)
        .status()
        .map_err(|e| format!("wstest: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("wstest fuzzingclient failed: {status}")) }
}

/// Our client against the fuzzingserver (the suite as server).
fn run_client_role(run: &Run<'_>) -> Result<(), String> {
    let (site, reports, cases, excluded) = (run.site, run.reports, run.cases, run.excluded);
    let spec = json!({
        "url": format!("ws://127.0.0.1:{SUITE_PORT}"),
        "outdir": reports.join("clients"),
        "cases": cases,
        "exclude-cases": excluded,
        "exclude-agent-cases": {},
    });
    let spec_path = reports.join("fuzzingserver.json");
    fs::write(&spec_path, spec.to_string()).map_err(|e| e.to_string())?;
    let suite = wstest(site, "fuzzingserver", &spec_path)
        .stdout(fs::File::create(reports.join("fuzzingserver.log")).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("wstest: {e}"))?;
    let _suite = KillOnDrop(suite);
    wait_for_port(SUITE_PORT)?;
    for (_, example) in CLIENTS {
        Cmd::new(&example_path(example).display().to_string())
            .args([format!("ws://127.0.0.1:{SUITE_PORT}")])
            .run()?;
    }
    Ok(())
}

/// Where `cargo build --release` put the example `name`.
fn example_path(name: &str) -> PathBuf {
    crate::bench::target_dir().join("release/examples").join(name)
}

/// `wstest -m MODE -s SPEC` with the suite's prefix on the path: with
/// `--prefix`, its namespace packages need `site.addsitedir`.
fn wstest(site: &Path, mode: &str, spec: &Path) -> Command {
    let script = format!(
        "import site, sys; site.addsitedir({site:?}); sys.argv = ['wstest', '-m', {mode:?}, '-s', {spec:?}]; \
         from autobahntestsuite import wstest; wstest.run()",
        site = site.display().to_string(),
        spec = spec.display().to_string(),
    );
    let mut command = Command::new(PYTHON);
    command.args(["-c", &script]).stdin(Stdio::null());
    command
}

fn wait_for_port(port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on 127.0.0.1:{port} after 30 s"))
}

/// Ends a background process when the run ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The suite's site-packages directory, installing the suite first if needed.
fn ensure_suite() -> Result<PathBuf, String> {
    fs::create_dir_all(SUITE_DIR).map_err(|e| format!("{SUITE_DIR}: {e}"))?;
    let prefix = fs::canonicalize(SUITE_DIR).map_err(|e| e.to_string())?;
    let site = prefix.join("lib/python2.7/site-packages");
    let import =
        format!("import site; site.addsitedir({:?}); import autobahntestsuite", site.display().to_string());
    if cmd::succeeds(PYTHON, &["-c", &import]) {
        return Ok(site);
    }
    if !Path::new(PYTHON).exists() {
        install_python2()?;
    }
    let wheels = prefix.join("wheels");
    let wheels_dir = wheels.display().to_string();
    cmd::run("python3", &["-m", "pip", "download", "--no-deps", "-d", &wheels_dir, "pip==20.3.4"])?;
    let pip = wheels.join("pip-20.3.4-py2.py3-none-any.whl/pip").display().to_string();
    let prefix_dir = prefix.display().to_string();
    Cmd::new(PYTHON)
        .args([pip.as_str(), "install", "--no-build-isolation", "--no-use-pep517", "--prefix", &prefix_dir])
        .args(REQUIREMENTS)
        .run()?;
    if cmd::succeeds(PYTHON, &["-c", &import]) {
        Ok(site)
    } else {
        Err("the Autobahn Testsuite installed but does not import".to_string())
    }
}

/// Debian bullseye's python2.7 (with its headers and setuptools, which the
/// suite's C accelerators build with): bookworm has none.
fn install_python2() -> Result<(), String> {
    let sources = fs::read_to_string("/etc/apt/sources.list.d/debian.sources")
        .map_err(|e| format!("/etc/apt/sources.list.d/debian.sources: {e}"))?;
    // The first stanza is the main archive; the security one is not needed.
    let main = sources.split("\n\n").next().unwrap_or_default();
    let bullseye: String = main
        .lines()
        .map(|line| if line.starts_with("Suites:") { "Suites: bullseye" } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write("/etc/apt/sources.list.d/bullseye.sources", bullseye + "\n")
        .map_err(|e| format!("writing the bullseye apt source: {e}"))?;
    cmd::run("apt-get", &["update", "-qq"])?;
    Cmd::new("apt-get")
        .args(["install", "-y", "-qq", "-t", "bullseye", "python2.7", "python2.7-dev", "python-setuptools"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}
