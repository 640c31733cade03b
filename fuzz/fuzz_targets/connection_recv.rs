//! A connection fed arbitrary bytes in arbitrary reads, both roles, both
//! delivery modes: no panic, memory within the configured limits.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_connection::fuzz::connection_recv(data));
