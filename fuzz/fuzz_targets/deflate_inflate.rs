//! Arbitrary compressed input inflated under a budget: no panic, output bounded; refused with 1007 and nothing decoded after, or accepted and the next message decoded as sent.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_deflate::fuzz::deflate_inflate(data));
