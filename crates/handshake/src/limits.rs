//! Bounds on what a peer may make the handshake hold.

/// Limits on a request or response head; every field has a safe default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The most bytes the head (start line and headers, and any empty lines
    /// skipped before the start line) may take. Default 16 KiB.
    pub max_head_bytes: usize,
    /// The most header fields. Default 64. At most 24,576 are ever taken,
    /// the most distinct names an `http::HeaderMap` holds; a larger value
    /// (up to `usize::MAX`) counts as 24,576.
    pub max_headers: usize,
    /// The longest request target. Default 4 KiB.
    pub max_target_len: usize,
    /// The most bytes of a rejection's body the client keeps. Default 64 KiB.
    pub max_body_bytes: usize,
}

impl Limits {
    /// The defaults.
    pub const DEFAULT: Limits = Limits {
        max_head_bytes: 16 << 10,
        max_headers: 64,
        max_target_len: 4 << 10,
        max_body_bytes: 64 << 10,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
