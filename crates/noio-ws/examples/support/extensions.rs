//! The registry the examples start from: permessage-deflate, unless the
//! command line said `--no-deflate`.

use noio_ws::{DeflateConfig, PerMessageDeflate, Registry};

/// Takes `--no-deflate` out of `args`; true when it was not there.
pub(crate) fn deflate_wanted(args: &mut Vec<String>) -> bool {
    let before = args.len();
    args.retain(|a| a != "--no-deflate");
    args.len() == before
}

/// A registry offering (or accepting) permessage-deflate when `deflate`.
pub(crate) fn registry(deflate: bool) -> Registry {
    let mut registry = Registry::new();
    if deflate {
        registry.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).expect("RSV1 is free");
    }
    registry
}
