//! A connection with negotiated permessage-deflate, configured at the
//! extremes, fed a peer's compressed and raw traffic: no panic, progress on
//! every call, limits and memory bounds kept.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_deflate::fuzz::connection_deflate(data));
