//! Running child processes, echoing each command line first so CI logs say
//! what ran.

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

/// A command being built; a thin layer over `std::process::Command` that
/// reports failures as strings naming the command.
pub(crate) struct Cmd {
    inner: Command,
    line: String,
}

impl Cmd {
    pub(crate) fn new(program: &str) -> Self {
        Cmd { inner: Command::new(program), line: program.to_string() }
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self.line.push(' ');
            self.line.push_str(&arg.as_ref().to_string_lossy());
            self.inner.arg(arg);
        }
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.line = format!("{key}={value} {}", self.line);
        self.inner.env(key, value);
        self
    }

    pub(crate) fn current_dir(mut self, dir: &str) -> Self {
        self.line = format!("(cd {dir} && {})", self.line);
        self.inner.current_dir(dir);
        self
    }

    /// Runs with inherited stdio; fails on a non-zero exit.
    pub(crate) fn run(mut self) -> Result<(), String> {
        eprintln!("$ {}", self.line);
        let status = self.inner.status().map_err(|e| format!("{}: {e}", self.line))?;
        if status.success() { Ok(()) } else { Err(format!("`{}` failed: {status}", self.line)) }
    }

    /// Runs with stdout and stderr captured (stdin closed), whatever the exit status.
    pub(crate) fn output(mut self) -> Result<Output, String> {
        eprintln!("$ {}", self.line);
        self.inner.stdin(Stdio::null()).output().map_err(|e| format!("{}: {e}", self.line))
    }
}

/// Runs `program args...` with inherited stdio; fails on a non-zero exit.
pub(crate) fn run(program: &str, args: &[&str]) -> Result<(), String> {
    Cmd::new(program).args(args).run()
}

/// True when `program args...` starts and exits 0, with its output discarded.
pub(crate) fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
