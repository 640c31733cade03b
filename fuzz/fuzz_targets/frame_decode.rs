//! Frame decoding: no panic on any input; any read size, whole and chunked
//! delivery agree; decode-encode-decode reproduces the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| noio_ws_codec::fuzz::frame_decode(data));
