//! Arbitrary compressed input inflated under a budget: no panic, output bounded.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_deflate::fuzz::deflate_inflate(data));
