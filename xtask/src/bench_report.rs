//! `cargo xtask bench --report`: writes `docs/benchmarks.md` and its plots
//! in `docs/benchmarks/` from the results earlier runs saved (see
//! [`crate::bench_results`]), measuring nothing itself. The page names, for
//! each table, the command, commit, date and machine of the runs behind it,
//! and says "not measured yet" where a source is missing rather than show a
//! figure no command produced.
//!
//! `docs/benchmarks/` belongs to this command: its SVG files are replaced
//! on every run, so a plot whose data is gone goes too.

use std::fmt::Write;
use std::fs;
use std::path::Path;

use crate::bench::{human, is_ours};
use crate::bench_results::{self, Counted, Echo, EchoRatio, EchoRun, Memory, Paired, Timed};
use crate::provenance::Provenance;
use crate::svg::{self, BarChart, LineChart, Series};

const PAGE: &str = "docs/benchmarks.md";
/// The workloads of `crates/bench` (its `Workload::ALL`), the benches that
/// measure peers; criterion's results hold the crates' own benches too.
const PEER_WORKLOADS: [&str; 3] = ["decode/binary", "decode/text", "encode/binary"];
const PLOTS: &str = "docs/benchmarks";

/// The saved results; `None` for a source never measured.
pub(crate) struct Sources {
    pub(crate) timed: Option<Vec<Timed>>,
    pub(crate) counted: Option<Vec<Counted>>,
    pub(crate) paired: Option<Vec<Paired>>,
    pub(crate) echo: Option<Echo>,
    pub(crate) memory: Option<Vec<Memory>>,
}

pub(crate) fn run() -> Result<(), String> {
    let dir = bench_results::dir();
    let sources = Sources {
        timed: bench_results::load(&dir.join(bench_results::CRITERION))?,
        counted: bench_results::load(&dir.join(bench_results::INSTRUCTIONS))?,
        paired: bench_results::load(&dir.join(bench_results::PAIRED))?,
        echo: bench_results::load_echo(&dir.join(bench_results::ECHO))?,
        memory: bench_results::load(&dir.join(bench_results::MEMORY))?,
    };
    let (page, plots) = render(&sources);
    fs::create_dir_all(PLOTS).map_err(|e| format!("{PLOTS}: {e}"))?;
    for entry in fs::read_dir(PLOTS).map_err(|e| format!("{PLOTS}: {e}"))?.flatten() {
        if entry.path().extension().is_some_and(|e| e == "svg") {
            fs::remove_file(entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    for (name, svg) in &plots {
        let path = Path::new(PLOTS).join(name);
        fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    fs::write(PAGE, page).map_err(|e| format!("{PAGE}: {e}"))?;
    eprintln!("wrote {PAGE} and {} plots in {PLOTS}/", plots.len());
    crate::readme_figures::write(&sources)
}

/// The page and its plots (file name, SVG).
pub(crate) fn render(sources: &Sources) -> (String, Vec<(String, String)>) {
    let mut page = String::from(
        "# Benchmarks\n\n\
         <!-- Written by `cargo xtask bench --report` (xtask/src/bench_report.rs): do not edit by hand. -->\n\n\
         Every figure here comes from a run of `cargo xtask bench` that saved its results under \
         `docs/benchmarks/results/` (kept in git), put on this page by `cargo xtask bench --report`. Each section names \
         the runs behind it: command, commit and date; [the machine](#machine) follows. The machine \
         is shared, so times drift between runs: ratios between libraries, measured in the same run, \
         hold better than absolute times, and instruction counts do not drift at all. The crates' \
         own benches (codec, connection, deflate), which `cargo xtask bench` runs and prints too, \
         compare no peers and are not shown.\n",
    );
    let mut plots = Vec::new();
    let peers: Option<Vec<Timed>> = sources
        .timed
        .as_ref()
        .map(|t| t.iter().filter(|c| PEER_WORKLOADS.contains(&c.workload.as_str())).cloned().collect())
        .filter(|t: &Vec<Timed>| !t.is_empty());
    let timed = peers.as_deref().unwrap_or_default();
    paired(&mut page, sources.paired.as_deref());
    summary(&mut page, peers.as_deref());
    medians(&mut page, &mut plots, peers.as_deref());
    instructions(&mut page, sources.counted.as_deref());
    echo(&mut page, &mut plots, sources.echo.as_ref());
    memory(&mut page, sources.memory.as_deref());
    method(&mut page, sources.echo.as_ref(), sources.memory.is_some());
    machine(&mut page, sources, timed);
    page.push_str(REPRODUCE);
    (page, plots)
}

/// The paired ratios: each of ours against the best peer of every round.
fn paired(page: &mut String, paired: Option<&[Paired]>) {
    page.push_str("\n## Paired ratios: noio-ws against the best peer, round by round\n\n");
    let Some(paired) = paired else {
        page.push_str(
            "Not measured yet: run `cargo xtask bench --paired`, then `cargo xtask bench --report`.\n",
        );
        return;
    };
    page.push_str(
        "Each round runs every library once on the same input, in an order that rotates from round \
         to round; the round's ratio is its fastest peer's time ÷ ours (above 1 ours is faster). \
         Shown: the median over rounds, with the quartiles, and the rounds run. Load that changes \
         more slowly than a round cancels out, which criterion's one-library-then-the-next medians \
         below cannot promise.\n\n",
    );
    let cells: Vec<_> =
        paired.iter().map(|c| ((c.workload.as_str(), c.size.as_str(), c.library.as_str()), c)).collect();
    ours_table(page, &cells, |c| {
        c.ratio.map(|[median, q1, q3]| format!("{median:.2}× ({q1:.2}–{q3:.2}, {} rounds)", c.rounds))
    });
    runs(page, paired.iter().map(|c| &c.run));
}

const NOT_TIMED: &str = "Not measured yet: run `cargo xtask bench`, then `cargo xtask bench --report`.\n";

fn summary(page: &mut String, timed: Option<&[Timed]>) {
    page.push_str("\n## Summary: noio-ws against the best peer\n\n");
    let Some(timed) = timed else {
        page.push_str(NOT_TIMED);
        return;
    };
    page.push_str(
        "Each of ours against the fastest other library of the same run and criterion group: \
         the peer's median time ÷ ours, so above 1 ours is faster.\n\n",
    );
    let cells: Vec<_> =
        timed.iter().map(|c| ((c.workload.as_str(), c.size.as_str(), c.library.as_str()), c)).collect();
    ours_table(page, &cells, |c| c.vs_best.as_ref().map(|(peer, ratio)| format!("{ratio:.2}× vs {peer}")));
    runs(page, timed.iter().map(|c| &c.run));
}

/// A table with a row per workload and size and a column per library of
/// ours, each entry `entry` of the cell keyed (workload, size, library),
/// `—` where there is none.
fn ours_table<C>(
    page: &mut String,
    cells: &[((&str, &str, &str), &C)],
    entry: impl Fn(&C) -> Option<String>,
) {
    let ours = libraries(cells.iter().map(|((_, _, library), _)| *library).filter(|l| is_ours(l)));
    table_head(page, ["workload", "size"].into_iter().chain(ours.iter().copied()));
    for (workload, size) in workload_sizes(cells.iter().map(|((workload, size, _), _)| (*workload, *size))) {
        let _ = write!(page, "| {workload} | {size} |");
        for library in &ours {
            let text =
                cells.iter().find(|(key, _)| *key == (workload, size, *library)).and_then(|(_, c)| entry(c));
            let _ = write!(page, " {} |", text.as_deref().unwrap_or("—"));
        }
        page.push('\n');
    }
}

/// Per workload, a plot of throughput by size and a table of medians.
fn medians(page: &mut String, plots: &mut Vec<(String, String)>, timed: Option<&[Timed]>) {
    page.push_str("\n## Median times and throughput\n\n");
    let Some(timed) = timed else {
        page.push_str(NOT_TIMED);
        return;
    };
    page.push_str(
        "Criterion's median per iteration, divided by the messages of an iteration: the time per \
         message; and the payload bytes of an iteration over that median: the throughput. The \
         fastest of each size is in bold.\n",
    );
    // A library's colour is its place among all the libraries, the same in every plot.
    let every_library = libraries(timed.iter().map(|c| c.library.as_str()));
    for workload in in_order(timed.iter().map(|c| c.workload.as_str())) {
        let cells: Vec<&Timed> = timed.iter().filter(|c| c.workload == workload).collect();
        let libraries = libraries(cells.iter().map(|c| c.library.as_str()));
        let sizes = workload_sizes(cells.iter().map(|c| (workload, c.size.as_str())));
        let file = format!("{}.svg", workload.replace('/', "-"));
        plots.push((file.clone(), throughput_plot(workload, &cells, &libraries, &every_library)));
        let _ = write!(
            page,
            "\n### {workload}\n\n![{workload}: throughput by message size](benchmarks/{file})\n\n"
        );
        table_head(page, ["size"].into_iter().chain(libraries.iter().copied()));
        for (_, size) in sizes {
            let row: Vec<Option<&Timed>> = libraries
                .iter()
                .map(|l| cells.iter().copied().find(|c| c.size == size && c.library == *l))
                .collect();
            let fastest = row.iter().flatten().map(|c| per_message_ns(c)).fold(f64::INFINITY, f64::min);
            let _ = write!(page, "| {size} |");
            for cell in row {
                let text = match cell {
                    Some(c) if per_message_ns(c) == fastest => format!("**{}**", timing(c)),
                    Some(c) => timing(c),
                    None => "—".to_string(),
                };
                let _ = write!(page, " {text} |");
            }
            page.push('\n');
        }
    }
    runs(page, timed.iter().map(|c| &c.run));
}

/// The median per message, or per iteration when the bench declared no bytes.
pub(crate) fn per_message_ns(cell: &Timed) -> f64 {
    match (cell.bytes, size_bytes(&cell.size)) {
        (Some(bytes), Some(size)) if bytes > 0.0 => cell.median_ns * size / bytes,
        _ => cell.median_ns,
    }
}

fn timing(cell: &Timed) -> String {
    match cell.bytes.filter(|_| size_bytes(&cell.size).is_some()) {
        Some(bytes) => {
            format!("{} · {:.2} GiB/s", human(per_message_ns(cell)), gib_per_s(bytes, cell.median_ns))
        }
        None => format!("{} per iteration", human(cell.median_ns)),
    }
}

fn gib_per_s(bytes: f64, ns: f64) -> f64 {
    bytes / ns / 1.073_741_824
}

fn throughput_plot(workload: &str, cells: &[&Timed], libraries: &[&str], every_library: &[&str]) -> String {
    let series = libraries
        .iter()
        .map(|library| {
            let mut points: Vec<(f64, f64)> = cells
                .iter()
                .filter(|c| c.library == *library)
                .filter_map(|c| Some((size_bytes(&c.size)?, gib_per_s(c.bytes?, c.median_ns))))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let colour = every_library.iter().position(|l| l == library).unwrap_or(0);
            Series { name: library.to_string(), colour, points }
        })
        .collect();
    let x_ticks = workload_sizes(cells.iter().map(|c| (workload, c.size.as_str())))
        .into_iter()
        .filter_map(|(_, size)| Some((size_bytes(size)?, size.to_string())))
        .collect();
    svg::line_chart(&LineChart {
        title: format!("{workload}: throughput by message size"),
        x_label: "message size (log scale)".to_string(),
        y_label: "GiB/s".to_string(),
        x_ticks,
        series,
    })
}

fn instructions(page: &mut String, counted: Option<&[Counted]>) {
    page.push_str("\n## Instructions per message\n\n");
    let Some(counted) = counted else {
        page.push_str(
            "Not measured yet: run `cargo xtask bench --instructions`, then `cargo xtask bench --report`.\n",
        );
        return;
    };
    page.push_str(
        "Callgrind's count of the measured work alone, per message: in the copy functions (memcpy, \
         memmove, memset, mempcpy) and the rest. The ratios are to the best peer's total and to the \
         best peer's rest: below 1, fewer.\n",
    );
    for workload in in_order(counted.iter().map(|c| c.workload.as_str())) {
        let _ = write!(page, "\n### {workload}\n\n");
        table_head(
            page,
            ["size", "library", "copy", "rest", "total", "total ÷ best peer's", "rest ÷ best peer's"],
        );
        let cells: Vec<&Counted> = counted.iter().filter(|c| c.workload == workload).collect();
        for (_, size) in workload_sizes(cells.iter().map(|c| (workload, c.size.as_str()))) {
            let in_size = || cells.iter().copied().filter(|c| c.size == size);
            let block: Vec<&Counted> = libraries(in_size().map(|c| c.library.as_str()))
                .into_iter()
                .filter_map(|library| in_size().find(|c| c.library == library))
                .collect();
            let peers = || block.iter().filter(|c| !is_ours(&c.library));
            let best_total = peers().min_by(|a, b| (a.copy + a.rest).total_cmp(&(b.copy + b.rest)));
            let best_rest = peers().map(|c| c.rest).min_by(f64::total_cmp);
            for c in &block {
                let total = c.copy + c.rest;
                let ratios = match (best_total, best_rest) {
                    (Some(best), Some(rest)) => {
                        let of =
                            if is_ours(&c.library) { format!(" ({})", best.library) } else { String::new() };
                        format!("{:.2}×{of} | {:.2}×", total / (best.copy + best.rest), c.rest / rest)
                    }
                    _ => "— | —".to_string(),
                };
                let _ = writeln!(
                    page,
                    "| {size} | {} | {} | {} | {} | {ratios} |",
                    c.library,
                    count(c.copy),
                    count(c.rest),
                    count(total)
                );
            }
        }
    }
    runs(page, counted.iter().map(|c| &c.run));
}

fn echo(page: &mut String, plots: &mut Vec<(String, String)>, echo: Option<&Echo>) {
    page.push_str("\n## Echo\n\n");
    let Some(echo) = echo else {
        page.push_str("Not run: run `cargo xtask bench --echo`, then `cargo xtask bench --report`.\n");
        return;
    };
    let configurations = in_order(echo.runs.iter().map(configuration));
    let libraries = libraries(echo.runs.iter().map(|r| r.library.as_str()));
    let series = libraries
        .iter()
        .map(|library| {
            let values = configurations
                .iter()
                .map(|conf| {
                    echo.runs
                        .iter()
                        .find(|r| r.library == *library && configuration(r) == *conf)
                        .map(|r| r.messages_per_s)
                })
                .collect();
            (library.to_string(), values)
        })
        .collect();
    plots.push((
        "echo.svg".to_string(),
        svg::bar_chart(&BarChart {
            title: "echo: messages per second".to_string(),
            y_label: "messages/s".to_string(),
            groups: configurations,
            series,
        }),
    ));
    page.push_str("![echo: messages per second by configuration](benchmarks/echo.svg)\n\n");
    table_head(
        page,
        [
            "library",
            "connections",
            "size",
            "mode",
            "messages/s",
            "p50",
            "p99",
            "p99 ÷ p50",
            "server CPU / message",
            "÷ best peer",
        ],
    );
    for r in &echo.runs {
        let ratio = |ratio: &EchoRatio| {
            format!("{:.2}x ({:.2}–{:.2}) vs {}", ratio.median, ratio.min, ratio.max, ratio.peer)
        };
        let mut against = r.vs_best_peer.as_ref().map(ratio).unwrap_or_default();
        if r.generator_bound {
            against.push_str(" (generator-bound)");
        }
        match &r.vs_best_fair_peer {
            Some(Some(fair)) => {
                let _ = write!(against, "; {} within p99 ≤ 10x p50", ratio(fair));
            }
            Some(None) => against.push_str("; no peer within p99 ≤ 10x p50"),
            None => {}
        }
        if let Some(cpu) = &r.server_cpu_vs_best_peer {
            let _ = write!(against, "; its server CPU per message ÷ ours {}", ratio(cpu));
        }
        let server_cpu = r
            .server_cpu_us_per_message
            .map_or_else(|| "not measured".to_string(), |us| format!("{us:.2} µs"));
        let _ = writeln!(
            page,
            "| {} | {} | {} | {} | {} | {:.1} µs | {:.1} µs | {:.1} | {server_cpu} | {against} |",
            r.library,
            r.connections,
            size_name(r.size),
            r.mode,
            count(r.messages_per_s),
            r.p50_us,
            r.p99_us,
            r.p99_us / r.p50_us
        );
    }
    let _ = writeln!(
        page,
        "\nRun by `cargo xtask bench --echo` at commit {} on {}, {} s per configuration.",
        echo.commit.as_deref().map_or_else(|| "not recorded".to_string(), |c| format!("`{c}`")),
        echo.date.as_deref().unwrap_or("an unknown date"),
        echo.seconds
    );
}

/// The idle memory per connection: a row per library and state, each
/// against tokio-websockets' in the same state.
fn memory(page: &mut String, memory: Option<&[Memory]>) {
    page.push_str("\n## Idle memory per connection\n\n");
    let Some(memory) = memory else {
        page.push_str(
            "Not measured yet: run `cargo xtask bench --memory`, then `cargo xtask bench --report`.\n",
        );
        return;
    };
    page.push_str(
        "What idle connections add to an echo server's resident set (`VmRSS`): the server's RSS \
         with the connections open and idle, less its RSS before the first, divided by the \
         connections. That is every byte they cost the process (heap, the allocator's slack, \
         stacks), not the kernel's socket buffers. *After the handshake*: nothing sent yet; \
         *after 1KiB each way*: the same connections once each has echoed one message. Each \
         server runs the echo loop of the echo bench on a current-thread runtime (a thread per \
         connection for `noio-ws (std)`, hence its smaller count).\n\n",
    );
    table_head(page, ["library", "connections", "state", "per connection", "in all", "÷ tokio-websockets'"]);
    let variants = in_order(memory.iter().map(|c| c.variant.as_str()));
    for variant in variants {
        let in_variant = || memory.iter().filter(|c| c.variant == variant);
        let peer = in_variant().find(|c| c.library == "tokio-websockets");
        for library in libraries(in_variant().map(|c| c.library.as_str())) {
            let Some(c) = in_variant().find(|c| c.library == library) else { continue };
            let ratio = match peer {
                Some(p) if p.library != c.library && p.per_connection() > 0.0 => {
                    format!("{:.2}×", c.per_connection() / p.per_connection())
                }
                _ => "—".to_string(),
            };
            let _ = writeln!(
                page,
                "| {} | {} | {} | {:.2} KiB ({} B){} | {:.1} MiB | {ratio} |",
                c.library,
                count(c.connections as f64),
                c.variant,
                c.per_connection() / 1024.0,
                count(c.per_connection().round()),
                if c.settled { "" } else { ", not settled" },
                c.total() as f64 / f64::from(1 << 20),
            );
        }
    }
    runs(page, memory.iter().map(|c| &c.run));
}

/// An echo configuration, as the plot labels its group.
fn configuration(run: &EchoRun) -> String {
    format!("{} conn\n{}\n{}", run.connections, size_name(run.size), run.mode)
}

fn method(page: &mut String, echo: Option<&Echo>, memory: bool) {
    page.push_str(
        "\n## Method\n\n\
         - **Same run, same group.** `crates/bench/benches/peers.rs` measures every library in one \
         criterion group per workload and size (`decode/binary/16B` … `encode/binary/1MiB`), in one \
         `cargo bench` run, on the same input: the same masked client stream to decode, the same \
         payloads to encode. Ratios are only taken between medians of one run.\n\
         - **Output checked before timing.** Before a library is timed, its output on the input is \
         checked in full (every message, every byte, text as validated `str`), and every timed \
         iteration asserts its tally of messages and bytes.\n\
         - **In-memory transport.** No sockets: decoders read the stream from memory in reads of at \
         most 64 KiB, as from a socket; encoders write into memory. An iteration handles 512 KiB of \
         payload, in no fewer than 4 and no more than 16384 messages.\n\
         - **Instruction counts.** `cargo xtask bench --instructions` runs each cell under callgrind \
         twice, once doing the measured work and once its setup only (building the input, checking \
         the output); the setup-only count is subtracted and the rest divided by the messages. \
         Counts are deterministic.\n\
         - **Copies apart.** Callgrind counts a `rep movsb` as one instruction per byte it moves, so \
         the copy functions' counts grow with the bytes copied rather than with the work: they are \
         reported as *copy*, apart from the *rest*, and compare as bytes, not as instructions.\n",
    );
    if echo.is_some() {
        page.push_str(
            "- **Echo.** `cargo xtask bench --echo` (`xtask/src/echo.rs`) runs each configuration \
             for the seconds given with its table and records messages per second and the 50th and \
             99th percentile latencies. Each connection keeps a fixed window of messages in flight \
             (1 in ping-pong, 16 pipelined), so the *mean* latency is the messages in flight over the \
             messages per second (Little's law), whatever the server does: a p50 far below that mean \
             means connections served while others waited, and the p99 shows it. `--echo` marks runs \
             whose p99 is over 10 times their p50 and compares ours also with the best peer that \
             kept within that bound. Each configuration runs in rounds, every library once a round, \
             each round starting with the next library; a library's figures are those of its median \
             round, and *÷ best peer* is the median (and range) over the rounds of ours divided by \
             each peer in the same round, shown against the strongest peer (the lowest median), so \
             a lucky or unlucky run of one library does not decide; *generator-bound* marks where \
             our load generator ran its core full, so the server may not have been the limit. \
             *Server CPU / message* is the server process's CPU time (user and kernel, every \
             thread's, those that ended included, from `/proc/PID/stat`) over the measured seconds, \
             divided by the messages echoed: where the generator is the limit, every server echoes \
             about as many messages, and this still tells what each costs. At 1 connection \
             pipelined, a server that answers all a read brought in one write (ours) keeps the \
             window moving as one group, and messages per second are the window over the round \
             trip, wake-ups included; one that writes reply by reply spreads its answers over the \
             generator's wake-up and may lead there while spending more CPU per message, as the \
             column beside shows.\n",
        );
    }
    if memory {
        page.push_str(
            "- **Idle memory.** `cargo xtask bench --memory` (`xtask/src/memory.rs`) starts each echo \
             server pinned to one core and `echo idle`, our generator, on the other; it reads the \
             server's `VmRSS` once ten readings 200 ms apart agree within 64 KiB: before any \
             connection, with the connections open past their handshakes (opened 100 at a time), \
             and after one message each way on each (every echo checked).\n",
        );
    }
}

/// The machines the results were measured on, with what was measured on each.
fn machine(page: &mut String, sources: &Sources, timed: &[Timed]) {
    page.push_str("\n## Machine\n\nCPU model, cores, rustc, OS and architecture of the machines the results come from:\n\n");
    let mut machines: Vec<(String, Vec<&str>)> = Vec::new();
    let mut add = |machine: &str, what: &'static str| match machines.iter_mut().find(|(m, _)| m == machine) {
        Some((_, whats)) if !whats.contains(&what) => whats.push(what),
        Some(_) => {}
        None => machines.push((machine.to_string(), vec![what])),
    };
    timed.iter().for_each(|c| add(&c.run.machine, "median times"));
    sources.counted.iter().flatten().for_each(|c| add(&c.run.machine, "instruction counts"));
    if let Some(echo) = &sources.echo {
        add(&echo.machine, "echo");
    }
    sources.memory.iter().flatten().for_each(|c| add(&c.run.machine, "idle memory"));
    if machines.is_empty() {
        page.push_str("Nothing measured yet.\n");
    }
    for (machine, whats) in machines {
        let _ = writeln!(page, "- {}: {machine}", whats.join(", "));
    }
}

const REPRODUCE: &str = "\n## Reproduce\n\n\
```sh\n\
cargo xtask bench                  # criterion: every workload, size and library\n\
cargo xtask bench --instructions   # callgrind counts (needs valgrind)\n\
cargo xtask bench --paired         # paired wall-clock ratios, round by round\n\
cargo xtask bench --echo           # the echo bench\n\
cargo xtask bench --memory         # idle memory per connection, 10,000 connections\n\
cargo xtask bench --report         # this page, from the results saved by the five above\n\
```\n\n\
A filtered run (`cargo xtask bench decode/binary`, `cargo xtask bench --instructions 16B`) \
replaces only the cells it measured. `--report` may follow any of them on the same line, \
e.g. `cargo xtask bench --instructions --report`; `cargo xtask bench --report --` runs every \
criterion bench first.\n";

/// The runs behind a table: one line per distinct command, commit and date.
fn runs<'a>(page: &mut String, runs: impl Iterator<Item = &'a Provenance>) {
    let mut distinct: Vec<(&Provenance, usize)> = Vec::new();
    for run in runs {
        let same =
            |p: &Provenance| (&p.command, &p.commit, &p.date) == (&run.command, &run.commit, &run.date);
        match distinct.iter_mut().find(|(p, _)| same(p)) {
            Some((_, n)) => *n += 1,
            None => distinct.push((run, 1)),
        }
    }
    page.push_str("\nMeasured by:\n\n");
    for (run, cells) in distinct {
        let _ =
            writeln!(page, "- `{}` at commit `{}` on {} ({cells} cells)", run.command, run.commit, run.date);
    }
}

fn table_head<'a>(page: &mut String, columns: impl IntoIterator<Item = &'a str>) {
    let columns: Vec<&str> = columns.into_iter().collect();
    let _ = writeln!(page, "| {} |", columns.join(" | "));
    let _ = writeln!(page, "|{}", " --- |".repeat(columns.len()));
}

/// The distinct items, in the order they first appear (the order they ran).
fn in_order<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The distinct library names, in the same order in every table and plot:
/// ours first, then the peers, each by name (the order criterion's results
/// come in follows their speed, which changes from run to run).
fn libraries<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names = in_order(names);
    names.sort_by_key(|name| (!is_ours(name), *name));
    names
}

/// The distinct (workload, size) pairs: workloads in order of appearance,
/// sizes by size.
fn workload_sizes<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    let pairs: Vec<(&str, &str)> = pairs.collect();
    let workloads = in_order(pairs.iter().map(|p| p.0));
    let mut out = Vec::new();
    for workload in workloads {
        let mut sizes = in_order(pairs.iter().filter(|p| p.0 == workload).map(|p| p.1));
        sizes.sort_by(|a, b| size_bytes(a).unwrap_or(f64::MAX).total_cmp(&size_bytes(b).unwrap_or(f64::MAX)));
        out.extend(sizes.into_iter().map(|s| (workload, s)));
    }
    out
}

/// The bytes a size name stands for: `16B`, `1KiB`, `1MiB`.
fn size_bytes(name: &str) -> Option<f64> {
    let (number, unit) = name.find(|c: char| !c.is_ascii_digit()).map_or((name, ""), |i| name.split_at(i));
    let scale = match unit {
        "B" | "" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1_048_576.0,
        _ => return None,
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// A byte count as the bench names sizes: `16B`, `1KiB`.
fn size_name(bytes: u64) -> String {
    match bytes {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{}MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// A count: one decimal below 1000, else whole with thousands separated.
pub(crate) fn count(n: f64) -> String {
    if n < 1000.0 {
        return format!("{n:.1}");
    }
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::check_svg;

    fn run(command: &str, commit: &str) -> Provenance {
        Provenance {
            command: command.to_string(),
            commit: commit.to_string(),
            date: "2026-12-01 21:00 UTC".to_string(),
            machine: "Test CPU, 2 cores, rustc 1.95.0, Debian, x86_64".to_string(),
        }
    }

    fn timed(
        workload: &str,
        size: &str,
        library: &str,
        median_ns: f64,
        vs_best: Option<(&str, f64)>,
    ) -> Timed {
        Timed {
            workload: workload.to_string(),
            size: size.to_string(),
            library: library.to_string(),
            // 64 messages per iteration.
            bytes: size_bytes(size).map(|s| s * 64.0),
            median_ns,
            vs_best: vs_best.map(|(p, r)| (p.to_string(), r)),
            run: run("cargo xtask bench", "abc1234"),
        }
    }

    fn counted(size: &str, library: &str, copy: f64, rest: f64) -> Counted {
        Counted {
            workload: "decode/binary".to_string(),
            size: size.to_string(),
            library: library.to_string(),
            copy,
            rest,
            run: run("cargo xtask bench --instructions 16B", "def5678-dirty"),
        }
    }

    const ECHO_JSON: &str = r#"{"machine": "Echo CPU", "seconds": 2.0, "date": "2026-12-01 20:00 UTC", "runs": [
        {"library": "noio-ws (std)", "connections": 1, "size": 16, "mode": "ping-pong",
         "messages_per_s": 23456.0, "p50_us": 40.0, "p99_us": 95.5, "rounds": 5,
         "vs_best_peer": {"median": 1.03, "min": 0.91, "max": 1.2, "peer": "tungstenite"},
         "vs_best_fair_peer": {"median": 1.5, "min": 1.25, "max": 1.75, "peer": "fastwebsockets"},
         "generator_bound": true, "server_cpu_us_per_message": 12.5,
         "server_cpu_vs_best_peer": {"median": 1.1, "min": 1.05, "max": 1.2, "peer": "tungstenite"}},
        {"library": "noio-ws (std)", "connections": 1, "size": 16, "mode": "pipelined",
         "messages_per_s": 123456.0, "p50_us": 8.25, "p99_us": 20.0},
        {"library": "tungstenite", "connections": 1, "size": 16, "mode": "ping-pong",
         "messages_per_s": 20000.0, "p50_us": 45.0, "p99_us": 99.0},
        {"library": "tungstenite", "connections": 16, "size": 16384, "mode": "pipelined",
         "messages_per_s": 99000.0, "p50_us": 150.0, "p99_us": 400.0}]}"#;

    fn fixtures() -> Sources {
        Sources {
            timed: Some(vec![
                timed("decode/binary", "1KiB", "noio-ws", 6400.0, Some(("tungstenite", 2.0))),
                timed("decode/binary", "1KiB", "tungstenite", 12800.0, None),
                timed("decode/binary", "16B", "noio-ws", 640.0, Some(("tungstenite", 1.5))),
                timed("decode/binary", "16B", "tungstenite", 960.0, None),
                timed("encode/binary", "16B", "tungstenite", 500.0, None),
                timed("mask", "16", "noio-ws apply_mask", 5.0, Some(("memcpy", 1.5))),
            ]),
            counted: Some(vec![
                counted("16B", "noio-ws", 20.0, 200.0),
                counted("16B", "tungstenite", 10.0, 400.0),
                counted("16B", "fastwebsockets", 100.0, 340.0),
            ]),
            paired: Some(vec![paired("noio-ws", Some([1.25, 1.1, 1.4])), paired("tungstenite", None)]),
            // What `cargo xtask bench --echo` writes, as its schema says.
            echo: Some(bench_results::parse_echo(ECHO_JSON, None).unwrap()),
            memory: Some(vec![
                memory("tokio-websockets", 10_000, 7_270 * 10_000, true),
                memory("noio-ws (tokio adapter)", 10_000, 3_072 * 10_000, true),
                memory("noio-ws (std)", 1_000, 20_480 * 1_000, false),
            ]),
        }
    }

    fn memory(library: &str, connections: u64, total: u64, settled: bool) -> Memory {
        Memory {
            library: library.into(),
            variant: "after the handshake".into(),
            connections,
            before: 3 << 20,
            after: (3 << 20) + total,
            settled,
            run: run("cargo xtask bench --memory", "abc1234"),
        }
    }

    fn paired(library: &str, ratio: Option<[f64; 3]>) -> Paired {
        Paired {
            workload: "decode/binary".into(),
            size: "16B".into(),
            library: library.into(),
            min_ns: 900.0,
            median_ns: 1000.0,
            ratio,
            rounds: 300,
            run: run("cargo xtask bench --paired", "abc1234"),
        }
    }

    #[test]
    fn paired_ratios_show_the_median_and_quartiles_of_ours() {
        let (page, _) = render(&fixtures());
        assert!(page.contains("| decode/binary | 16B | 1.25× (1.10–1.40, 300 rounds) |"), "{page}");
        let (empty, _) =
            render(&Sources { timed: None, counted: None, paired: None, echo: None, memory: None });
        assert!(empty.contains("Not measured yet: run `cargo xtask bench --paired`"));
    }

    #[test]
    fn the_page_shows_every_source_with_its_run() {
        let (page, plots) = render(&fixtures());
        // Summary: ratios as measured, sizes in size order, no ratio without a peer.
        assert!(page.contains("| workload | size | noio-ws |"), "{page}");
        let sixteen = page.find("| decode/binary | 16B | 1.50× vs tungstenite |").unwrap();
        let kib = page.find("| decode/binary | 1KiB | 2.00× vs tungstenite |").unwrap();
        assert!(sixteen < kib);
        assert!(page.contains("| encode/binary | 16B | — |"));
        // Medians per message (640 ns / 64 messages), throughput, the fastest in bold.
        assert!(page.contains("| 16B | **10.0 ns · 1.49 GiB/s** | 15.0 ns · 0.99 GiB/s |"), "{page}");
        assert!(page.contains("![decode/binary: throughput by message size](benchmarks/decode-binary.svg)"));
        // Instructions: ratios to the best peer total (tungstenite, 410) and rest (fastwebsockets, 340).
        assert!(
            page.contains("| 16B | noio-ws | 20.0 | 200.0 | 220.0 | 0.54× (tungstenite) | 0.59× |"),
            "{page}"
        );
        assert!(page.contains("| 16B | fastwebsockets | 100.0 | 340.0 | 440.0 | 1.07× | 1.00× |"), "{page}");
        // Ours first, then the peers by name, whatever order the results came in.
        assert!(page.find("| 16B | fastwebsockets |").unwrap() < page.find("| 16B | tungstenite |").unwrap());
        // Echo, with what its file did not record said so.
        assert!(
            page.contains("| noio-ws (std) | 1 | 16B | pipelined | 123,456 | 8.2 µs | 20.0 µs |"),
            "{page}"
        );
        assert!(page.contains(
            "| noio-ws (std) | 1 | 16B | ping-pong | 23,456 | 40.0 µs | 95.5 µs | 2.4 | 12.50 µs | 1.03x (0.91–1.20) vs \
             tungstenite (generator-bound); 1.50x (1.25–1.75) vs fastwebsockets within p99 ≤ 10x p50; its server CPU \
             per message ÷ ours 1.10x (1.05–1.20) vs tungstenite |"
        ));
        // A peer's row, and a file from before the rounds: no ratio.
        assert!(
            page.contains(
                "| tungstenite | 1 | 16B | ping-pong | 20,000 | 45.0 µs | 99.0 µs | 2.2 | not measured |  |"
            ),
            "{page}"
        );
        assert!(page.contains("at commit not recorded on 2026-12-01 20:00 UTC, 2 s per configuration"));
        let echo_plot = &plots.iter().find(|(name, _)| name == "echo.svg").unwrap().1;
        // Three configurations, each library measured in two: the background, two swatches, four bars.
        assert_eq!(echo_plot.matches("<rect").count(), 1 + 2 + 4);
        assert!(echo_plot.contains(">16 conn</text>") && echo_plot.contains(">16KiB</text>"));
        // Each source's runs and the machines.
        assert!(page.contains("- `cargo xtask bench` at commit `abc1234` on 2026-12-01 21:00 UTC (5 cells)"));
        assert!(page.contains("- `cargo xtask bench --instructions 16B` at commit `def5678-dirty` on 2026-12-01 21:00 UTC (3 cells)"));
        assert!(page.contains(
            "- median times, instruction counts, idle memory: Test CPU, 2 cores, rustc 1.95.0, Debian, x86_64\n"
        ));
        assert!(page.contains("- echo: Echo CPU\n"));
        // Idle memory: ours first, each against tokio-websockets'.
        let adapter = page
            .find("| noio-ws (tokio adapter) | 10,000 | after the handshake | 3.00 KiB (3,072 B) | 29.3 MiB | 0.42× |")
            .unwrap_or_else(|| panic!("{page}"));
        let std = page.find("| noio-ws (std) | 1,000 | after the handshake | 20.00 KiB (20,480 B), not settled | 19.5 MiB | 2.82× |").unwrap();
        let peer = page
            .find("| tokio-websockets | 10,000 | after the handshake | 7.10 KiB (7,270 B) | 69.3 MiB | — |")
            .unwrap();
        assert!(std < adapter && adapter < peer);
        assert!(page.contains(
            "- `cargo xtask bench --memory` at commit `abc1234` on 2026-12-01 21:00 UTC (3 cells)"
        ));
        assert!(!page.contains("Not measured yet") && !page.contains("Not run"));
        // The crates' own benches stay out: no peers.
        assert!(!page.contains("apply_mask") && !page.contains("| mask |"));
        let names: Vec<&str> = plots.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["decode-binary.svg", "encode-binary.svg", "echo.svg"]);
        for (_, svg) in &plots {
            check_svg(svg);
        }
        // tungstenite keeps its colour (the second) where it is the only line.
        let (decode, encode) = (&plots[0].1, &plots[1].1);
        assert!(decode.contains("stroke=\"#1f6fc4\"") && decode.contains("stroke=\"#d6402b\""));
        assert!(encode.contains("stroke=\"#d6402b\"") && !encode.contains("#1f6fc4"));
    }

    #[test]
    fn missing_sources_say_how_to_measure_them() {
        let (page, plots) =
            render(&Sources { timed: None, counted: None, paired: None, echo: None, memory: None });
        assert!(plots.is_empty());
        assert_eq!(page.matches("Not measured yet: run `cargo xtask bench`, then").count(), 2);
        assert!(page.contains("Not measured yet: run `cargo xtask bench --instructions`, then"));
        assert!(page.contains("Not run: run `cargo xtask bench --echo`"));
        assert!(page.contains("Not measured yet: run `cargo xtask bench --memory`"));
        assert!(page.contains("Nothing measured yet."));
        assert!(!page.contains("GiB/s |") && !page.contains("×"));
    }

    #[test]
    fn criterion_results_without_peer_workloads_are_not_measured_yet() {
        let own = timed("mask", "16", "noio-ws apply_mask", 5.0, Some(("memcpy", 1.5)));
        let (page, plots) = render(&Sources {
            timed: Some(vec![own]),
            counted: None,
            paired: None,
            echo: None,
            memory: None,
        });
        assert!(plots.is_empty());
        assert_eq!(page.matches("Not measured yet: run `cargo xtask bench`, then").count(), 2);
    }

    #[test]
    fn sizes_read_as_bytes() {
        assert_eq!(size_bytes("16B"), Some(16.0));
        assert_eq!(size_bytes("64KiB"), Some(65_536.0));
        assert_eq!(size_bytes("1MiB"), Some(1_048_576.0));
        assert_eq!(size_bytes("huge"), None);
        assert_eq!(size_name(16_384), "16KiB");
        assert_eq!(count(1_234_567.4), "1,234,567");
        assert_eq!(count(999.94), "999.9");
    }
}
