//! The bounds a server example keeps on its peers, and the command-line
//! flags that change them.

use std::time::Duration;

use noio_ws::Config;

/// How much a server lets its peers hold: threads, and time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServerLimits {
    /// The most connections served at once; more get 503.
    pub(crate) max_connections: usize,
    /// How long a peer has to send its whole request head.
    pub(crate) handshake_timeout: Duration,
    /// How long an upgraded connection may go without a byte from the peer
    /// (a ping goes out halfway).
    pub(crate) idle_timeout: Duration,
    /// How long one write may wait for a peer that reads nothing.
    pub(crate) write_timeout: Duration,
}

impl ServerLimits {
    /// The defaults: 1,024 connections, 10 s for the request head, 60 s of
    /// silence, 10 s for a stalled write.
    pub(crate) const DEFAULT: ServerLimits = ServerLimits {
        max_connections: 1024,
        handshake_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        write_timeout: Duration::from_secs(10),
    };

    /// `config` with the connection's own timers keeping these limits: a
    /// keepalive ping after half the idle timeout of silence (a live peer's
    /// pong is traffic, and browsers answer pings by themselves), and a close
    /// with 1001 after all of it.
    pub(crate) fn connection_config(&self, config: Config) -> Config {
        Config {
            ping_interval: Some(self.idle_timeout / 2),
            // The idle timeout, not the pong's, decides when a silent peer goes.
            pong_timeout: None,
            idle_timeout: Some(self.idle_timeout),
            ..config
        }
    }

    /// The flags [`take_flags`](ServerLimits::take_flags) understands, for a usage line.
    pub(crate) const USAGE: &str =
        "[--max-connections N] [--handshake-timeout SECS] [--idle-timeout SECS] [--write-timeout SECS]";

    /// Takes the limit flags (each followed by its value; seconds may have
    /// a fraction) out of `args`, leaving the rest; the defaults for those
    /// not given.
    pub(crate) fn take_flags(args: &mut Vec<String>) -> Result<ServerLimits, String> {
        let mut limits = ServerLimits::DEFAULT;
        let mut rest = Vec::new();
        let mut args_iter = std::mem::take(args).into_iter();
        while let Some(arg) = args_iter.next() {
            let mut value = || args_iter.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--max-connections" => limits.max_connections = count(&arg, &value()?)?,
                "--handshake-timeout" => limits.handshake_timeout = seconds(&arg, &value()?)?,
                "--idle-timeout" => limits.idle_timeout = seconds(&arg, &value()?)?,
                "--write-timeout" => limits.write_timeout = seconds(&arg, &value()?)?,
                _ => rest.push(arg),
            }
        }
        *args = rest;
        Ok(limits)
    }
}

/// A count of at least 1.
fn count(flag: &str, value: &str) -> Result<usize, String> {
    value.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("{flag}: {value:?} is not a positive number"))
}

/// A positive number of seconds.
fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag}: {value:?} is not a positive number of seconds"))
}
