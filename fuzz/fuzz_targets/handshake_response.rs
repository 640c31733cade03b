//! A handshake response in arbitrary reads: no panic, the same outcome for any read size.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_handshake::fuzz::handshake_response(data));
