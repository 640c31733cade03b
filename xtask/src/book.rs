//! `cargo xtask docs`, the book's part: checks the links of every chapter
//! in `docs/` (and of the READMEs that link into it) and builds the book
//! with mdBook into `$CARGO_TARGET_DIR/book`. The chapters' Rust samples
//! are not run here: each chapter is included as doctests by the crate
//! whose API it shows (the `book` modules of `noio-ws` and
//! `noio-ws-tokio`), so `cargo test` runs them.
//!
//! The links are checked here rather than by an mdBook plugin so that the
//! check needs nothing installed: a relative link must name a file that
//! exists, an anchor a heading of that file (by mdBook's ids), and every
//! chapter in `docs/` must be in `SUMMARY.md`. Web links are not fetched
//! (CI may have no network).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd;

/// The book's sources.
const BOOK: &str = "docs";

/// The mdBook release line the book is built with, installed into
/// `target/tools` when no `mdbook` is on the `PATH`.
const MDBOOK_VERSION: &str = "^0.4";

/// Checks the links, then builds the book.
pub(crate) fn build() -> Result<(), String> {
    let mut files = markdown_files(Path::new(BOOK))?;
    files.push(PathBuf::from("README.md"));
    files.extend(
        fs::read_dir("crates")
            .map_err(|e| format!("crates: {e}"))?
            .filter_map(|entry| Some(entry.ok()?.path().join("README.md")))
            .filter(|readme| readme.exists()),
    );
    let mut broken = Vec::new();
    for file in &files {
        broken.extend(check_links(file)?);
    }
    broken.extend(check_summary(Path::new(BOOK))?);
    broken.extend(untested_chapters(Path::new(BOOK), Path::new("crates"))?);
    if !broken.is_empty() {
        return Err(format!("the book: {} problems:\n  {}", broken.len(), broken.join("\n  ")));
    }
    println!("book: the links of {} files check, and every chapter's samples run as doctests", files.len());
    let mdbook = mdbook()?;
    // Absolute: mdBook takes a relative destination from the book's root.
    let target = crate::bench::target_dir();
    fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let out = fs::canonicalize(&target).map_err(|e| format!("{}: {e}", target.display()))?.join("book");
    let built =
        cmd::Cmd::new(&mdbook.to_string_lossy()).args(["build", BOOK, "--dest-dir"]).args([&out]).output()?;
    let log = String::from_utf8_lossy(&built.stderr);
    eprint!("{log}{}", String::from_utf8_lossy(&built.stdout));
    // Warnings denied, as for the API docs: mdBook logs them and still succeeds.
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("[WARN]") || l.contains("[ERROR]")).collect();
    if !built.status.success() || !warnings.is_empty() {
        return Err(format!("mdbook build: {} ({} warnings)", built.status, warnings.len()));
    }
    println!("book: {}", out.join("index.html").display());
    Ok(())
}

/// `mdbook` from the `PATH`, or else the one in `target/tools`, installed
/// there first if need be (the HTML renderer with search, no server).
fn mdbook() -> Result<PathBuf, String> {
    if cmd::succeeds("mdbook", &["--version"]) {
        return Ok(PathBuf::from("mdbook"));
    }
    let root = crate::bench::target_dir().join("tools");
    let installed = root.join("bin").join("mdbook");
    if !installed.exists() {
        cmd::Cmd::new("cargo")
            .args(["install", "mdbook", "--locked", "--version", MDBOOK_VERSION])
            .args(["--no-default-features", "--features", "search", "--root"])
            .args([&root])
            .run()?;
    }
    Ok(installed)
}

/// Every `.md` file directly in `dir`, sorted.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    Ok(files)
}

/// The broken links of `file`, each as `file: target (why)`.
fn check_links(file: &Path) -> Result<Vec<String>, String> {
    let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new(""));
    let mut broken = Vec::new();
    for target in links(&text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').map_or((target.as_str(), None), |(p, a)| (p, Some(a)));
        let linked = if path.is_empty() { file.to_path_buf() } else { dir.join(path) };
        if !linked.exists() {
            broken.push(format!("{}: {target} (no such file)", file.display()));
            continue;
        }
        if let Some(anchor) = anchor {
            let is_markdown = linked.extension().is_some_and(|e| e == "md");
            let source = fs::read_to_string(&linked).unwrap_or_default();
            if is_markdown && !heading_ids(&source).contains(anchor) {
                broken.push(format!("{}: {target} (no such heading)", file.display()));
            }
        }
    }
    Ok(broken)
}

/// Every chapter of `dir` is in its `SUMMARY.md` (the link check has made
/// sure that what `SUMMARY.md` lists exists).
fn check_summary(dir: &Path) -> Result<Vec<String>, String> {
    let summary = dir.join("SUMMARY.md");
    let text = fs::read_to_string(&summary).map_err(|e| format!("{}: {e}", summary.display()))?;
    let listed: BTreeSet<String> = links(&text).into_iter().collect();
    Ok(markdown_files(dir)?
        .iter()
        .filter_map(|file| file.file_name()?.to_str().map(str::to_string))
        .filter(|name| name != "SUMMARY.md" && !listed.contains(name))
        .map(|name| format!("{}: {name} is not in the book", summary.display()))
        .collect())
}

/// The targets of the inline links (`[text](target)`, images included)
/// and of the reference definitions (`[name]: target`) of a Markdown text,
/// outside code blocks and code spans.
fn links(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(text) {
        let line = without_code_spans(line);
        if let Some(rest) = line.trim_start().strip_prefix('[')
            && let Some((_, definition)) = rest.split_once("]:")
        {
            if let Some(target) = definition.split_whitespace().next() {
                targets.push(target.trim_matches(['<', '>']).to_string());
            }
            continue;
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("");
            if !target.is_empty() {
                targets.push(target.trim_matches(['<', '>']).to_string());
            }
            rest = &after[end..];
        }
    }
    targets
}

/// The lines of a Markdown text outside its fenced code blocks (a sample's
/// `# hidden` lines are not headings, its `[a](b)` no link).
fn prose_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut fenced = false;
    text.lines().filter(move |line| {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// The chapters with Rust samples that no crate includes as doctests
/// (`#[doc = include_str!("../../../docs/NAME.md")]` in a `lib.rs`): their
/// samples would never run.
fn untested_chapters(dir: &Path, crates: &Path) -> Result<Vec<String>, String> {
    let mut hosts = String::new();
    for entry in fs::read_dir(crates).map_err(|e| format!("{}: {e}", crates.display()))?.flatten() {
        hosts.push_str(&fs::read_to_string(entry.path().join("src/lib.rs")).unwrap_or_default());
    }
    let mut untested = Vec::new();
    for file in markdown_files(dir)? {
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let has_samples = text.lines().any(|l| l.trim_start().starts_with("```rust"));
        if has_samples && !hosts.contains(&format!("include_str!(\"../../../docs/{name}\")")) {
            untested.push(format!("{}: Rust samples that no crate's `book` module includes", file.display()));
        }
    }
    Ok(untested)
}

/// `line` with its code spans (`` `...` ``) blanked out.
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else {
            out.push(if in_code { ' ' } else { c });
        }
    }
    out
}

/// The ids mdBook (and GitHub, alike for these) gives the headings of a
/// Markdown text: the heading's text without its inline markup,
/// lowercased, whitespace to `-`, punctuation but `-` and `_` dropped, a
/// repeated id numbered `-1`, `-2` ...
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for line in prose_lines(text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#').trim();
        // Link text stays, its target goes: `[text](url)` reads `text`.
        let mut plain = String::new();
        let mut rest = heading;
        while let Some(open) = rest.find('[') {
            plain.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find("](") {
                Some(close) => {
                    plain.push_str(&after[..close]);
                    let tail = &after[close + 2..];
                    rest = tail.find(')').map_or("", |end| &tail[end + 1..]);
                }
                None => {
                    plain.push('[');
                    rest = after;
                }
            }
        }
        plain.push_str(rest);
        let base: String = plain
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c.to_lowercase().next().unwrap_or(c))
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let mut id = base.clone();
        let mut n = 1;
        while ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.insert(id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_outside_code() {
        let text = "See [the core](connection.md#time-and-timers) and ![a plot](benchmarks/echo.svg).\n\
                    `[not](a-link.md)` in a span\n\
                    ```rust\nlet x = [1](2);\n```\n\
                    [RFC 6455]: https://www.rfc-editor.org/rfc/rfc6455\n\
                    [local]: <codec.md>\n";
        assert_eq!(
            links(text),
            [
                "connection.md#time-and-timers",
                "benchmarks/echo.svg",
                "https://www.rfc-editor.org/rfc/rfc6455",
                "codec.md"
            ]
        );
    }

    #[test]
    fn heading_ids_follow_mdbook() {
        let ids = heading_ids(
            "# The frame codec (`noio-ws-codec`)\n## Time and timers\n## Time and timers\n\
             ### `SETTINGS_ENABLE_CONNECT_PROTOCOL`, side by side\n## From [axum](https://docs.rs/axum)'s `ws`\n\
             ```sh\n# not a heading\n```\n",
        );
        let expected = [
            "the-frame-codec-noio-ws-codec",
            "time-and-timers",
            "time-and-timers-1",
            "settings_enable_connect_protocol-side-by-side",
            "from-axums-ws",
        ];
        assert_eq!(ids, expected.into_iter().map(String::from).collect());
    }

    #[test]
    fn broken_links_unlisted_and_untested_chapters_are_reported() {
        let dir = std::env::temp_dir().join(format!("noio-book-links-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("a.md"),
            "# A\n## Here\n[b](b.md) [gone](gone.md) [here](#here) [nowhere](a.md#nowhere)\n",
        )
        .unwrap();
        fs::write(dir.join("b.md"), "# B\n").unwrap();
        fs::write(dir.join("SUMMARY.md"), "- [A](a.md)\n").unwrap();
        let broken = check_links(&dir.join("a.md")).unwrap();
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(
            broken[0].ends_with("gone.md (no such file)")
                && broken[1].ends_with("a.md#nowhere (no such heading)")
        );
        // b.md's sample is hosted by a crate, a.md's is not.
        fs::write(dir.join("b.md"), "# B\n```rust\nassert!(true);\n```\n").unwrap();
        fs::write(dir.join("a.md"), "# A\n```rust\n```\n").unwrap();
        let crates = dir.join("crates");
        fs::create_dir_all(crates.join("one/src")).unwrap();
        fs::write(crates.join("one/src/lib.rs"), "#[doc = include_str!(\"../../../docs/b.md\")]\n").unwrap();
        let untested = untested_chapters(&dir, &crates).unwrap();
        assert_eq!(untested.len(), 1, "{untested:?}");
        assert!(untested[0].contains("a.md"), "{untested:?}");
        let unlisted = check_summary(&dir).unwrap();
        assert_eq!(unlisted.len(), 1);
        assert!(unlisted[0].ends_with("b.md is not in the book"), "{unlisted:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
