//! The extensions the examples offer or accept: permessage-deflate, unless
//! the command line said `--no-deflate`.

use noio_ws::{DeflateConfig, ExtensionStack, PerMessageDeflate};

/// Takes `--no-deflate` out of `args`; true when it was not there.
pub(crate) fn deflate_wanted(args: &mut Vec<String>) -> bool {
    let before = args.len();
    args.retain(|a| a != "--no-deflate");
    args.len() == before
}

/// The extensions to offer (or accept): permessage-deflate when `deflate`.
pub(crate) fn offered(deflate: bool) -> ExtensionStack {
    let mut extensions = ExtensionStack::new();
    if deflate {
        extensions.push(PerMessageDeflate::new(DeflateConfig::default())).expect("RSV1 is free");
    }
    extensions
}
