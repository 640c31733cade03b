//! Arbitrary Sec-WebSocket-Extensions values through both sides of the negotiation.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_deflate::fuzz::deflate_negotiation(data));
