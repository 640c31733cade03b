//! Every masking path this CPU runs, forced one by one, against a bytewise
//! reference: every short length and offset, long lengths, unaligned starts,
//! the fused copy, and random inputs. Under Miri the sizes shrink and the
//! random inputs are skipped, to keep it to minutes.

use alloc::vec::Vec;

use bytes::BytesMut;
use proptest::prelude::*;

use super::*;

const KEY: Mask = Mask([0x37, 0xfa, 0x21, 0x3d]);

/// Lengths past every vector width, unroll step and the alignment threshold,
/// plus their neighbours.
#[cfg(not(miri))]
const LONG: &[usize] = &[511, 512, 513, 4099, 65_536, 65_536 + 13, (1 << 20) + 7, 1 << 20];
#[cfg(miri)]
const LONG: &[usize] = &[511, 512, 513, 1029];

/// Every short length, 0..=300 (fewer under Miri).
const SHORT: usize = if cfg!(miri) { 80 } else { 300 };

/// Lengths tried at every unaligned start.
const AT_STARTS: &[usize] = if cfg!(miri) {
    &[0, 15, 33, 65, 257, 600]
} else {
    &[0, 1, 15, 31, 33, 63, 64, 65, 100, 127, 255, 256, 257, 300, 511, 512, 513, 1000]
};

fn reference(buf: &mut [u8], mask: Mask, offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= mask.0[(offset + i) % 4];
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(7).wrapping_add((i >> 8) as u8)).collect()
}

fn masked(src: &[u8], offset: usize) -> Vec<u8> {
    let mut out = src.to_vec();
    reference(&mut out, KEY, offset);
    out
}

/// Checks one path on one slice of `len` bytes at `start` into a buffer, in
/// place, copying (to a destination at `dst_start`) and appending.
fn check(path: Path, len: usize, offset: usize, start: usize, dst_start: usize) {
    let key = KEY.phased(offset);
    let src = data(start + len);
    let src = &src[start..];
    let want = masked(src, offset);
    let ctx = || alloc::format!("{path:?} len {len} offset {offset} start {start} dst_start {dst_start}");

    let mut buf = data(start + len);
    path.xor(&mut buf[start..], key);
    assert!(buf[start..] == want[..], "in place: {}", ctx());
    assert!(buf[..start] == data(start)[..], "in place wrote before the slice: {}", ctx());

    let mut dst = alloc::vec![0xEEu8; dst_start + len + 3];
    path.xor_copy(&mut dst[dst_start..dst_start + len], src, key);
    assert!(dst[dst_start..dst_start + len] == want[..], "copy: {}", ctx());
    assert!(
        dst[..dst_start].iter().chain(&dst[dst_start + len..]).all(|&b| b == 0xEE),
        "copy spilled: {}",
        ctx()
    );

    if offset == 0 {
        let mut out = BytesMut::with_capacity(dst_start);
        out.extend_from_slice(&dst[..dst_start]);
        path.extend(&mut out, src, KEY.0);
        assert!(out[dst_start..] == want[..], "extend: {}", ctx());
        assert_eq!(out.len(), dst_start + len, "extend length: {}", ctx());
    }
}

#[test]
fn this_cpu_runs_the_paths_it_should() {
    let paths = Path::all();
    assert_eq!(paths[0], Path::portable());
    assert!(paths.contains(&Path::best()));
    #[cfg(target_arch = "x86_64")]
    assert!(paths.len() >= 2, "SSE2 is baseline on x86-64: {paths:?}");
    std::eprintln!("masking paths tested on this CPU: {paths:?}; best {:?}", Path::best());
}

#[test]
fn every_path_every_short_length_and_offset() {
    for path in Path::all() {
        for len in 0..=SHORT {
            for offset in 0..4 {
                check(path, len, offset, 0, 0);
            }
        }
    }
}

#[test]
fn every_path_long_lengths() {
    for path in Path::all() {
        for &len in LONG {
            for offset in 0..4 {
                check(path, len, offset, 1, 0);
            }
        }
    }
}

#[test]
fn every_path_unaligned_starts() {
    for path in Path::all() {
        for start in 0..64 {
            for &len in AT_STARTS {
                for offset in 0..4 {
                    check(path, len, offset, start, (start * 7) % 64);
                }
            }
        }
    }
}

#[test]
fn public_functions_match_the_reference() {
    for len in (0..=SHORT).chain(LONG.iter().copied()) {
        for offset in 0..4 {
            let src = data(len);
            let want = masked(&src, offset);
            let mut buf = src.clone();
            apply_mask(&mut buf, KEY, offset);
            assert_eq!(buf, want, "apply_mask len {len} offset {offset}");
            let mut dst = alloc::vec![0; len];
            apply_mask_copy(&mut dst, &src, KEY, offset);
            assert_eq!(dst, want, "apply_mask_copy len {len} offset {offset}");
            let mut out = BytesMut::from(&b"head"[..]);
            extend_masked(&mut out, &src, KEY, offset);
            assert_eq!(out[..4], *b"head");
            assert_eq!(out[4..], want, "extend_masked len {len} offset {offset}");
        }
    }
}

#[test]
fn short_frames_are_header_then_masked_payload() {
    // Every length a short frame has, after bytes already in the buffer
    // (so the frame starts at an odd address) and into a fresh one.
    for len in 0..=125 {
        let src = data(len);
        let head = [0x82, 0x80 | len as u8];
        for before in [&b""[..], b"abc"] {
            let mut out = BytesMut::from(before);
            extend_masked_short_frame(&mut out, head, &src, KEY);
            assert_eq!(out[..before.len()], *before);
            assert_eq!(out[before.len()..before.len() + 2], head, "len {len}");
            assert_eq!(out[before.len() + 2..before.len() + 6], KEY.0, "len {len}");
            assert_eq!(out[before.len() + 6..], masked(&src, 0), "len {len}");
        }
    }
}

#[test]
#[should_panic(expected = "differ in length")]
fn copy_refuses_different_lengths() {
    apply_mask_copy(&mut [0; 3], b"ab", KEY, 0);
}

#[test]
fn rfc_6455_section_5_7_masked_hello() {
    let mask = Mask::from(0x37fa213d_u32);
    let mut payload = *b"Hello";
    mask.apply(&mut payload, 0);
    assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
}

proptest! {
    #[test]
    #[cfg_attr(miri, ignore = "proptest is too slow under Miri; the exhaustive tests cover every path")]
    fn every_path_matches_the_reference_on_random_input(
        data in prop::collection::vec(any::<u8>(), 0..2000),
        key in any::<[u8; 4]>(),
        offset in 0usize..8,
        start in 0usize..64,
        dst_start in 0usize..64,
    ) {
        let start = start.min(data.len());
        let src = &data[start..];
        let mut want = src.to_vec();
        reference(&mut want, Mask(key), offset);
        let phased = Mask(key).phased(offset);
        for path in Path::all() {
            let mut buf = data.clone();
            path.xor(&mut buf[start..], phased);
            prop_assert_eq!(&buf[start..], &want[..], "{:?} in place", path);

            let mut dst = alloc::vec![0u8; dst_start + src.len()];
            path.xor_copy(&mut dst[dst_start..], src, phased);
            prop_assert_eq!(&dst[dst_start..], &want[..], "{:?} copy", path);

            let mut out = BytesMut::new();
            path.extend(&mut out, src, phased);
            prop_assert_eq!(&out[..], &want[..], "{:?} extend", path);
        }
    }
}

#[test]
fn a_zero_key_leaves_bytes_as_they_are() {
    for len in [0, 3, 63, 64, 65, 1000] {
        let src = data(len);
        let mut buf = src.clone();
        apply_mask(&mut buf, Mask([0; 4]), 1);
        assert_eq!(buf, src, "len {len}");
    }
}

/// ASCII text of `len` bytes, with a byte from 0x80 up at `high` if given.
fn ascii_with(len: usize, high: Option<(usize, u8)>) -> Vec<u8> {
    let mut text: Vec<u8> = (0..len).map(|i| b' ' + (i % 95) as u8).collect();
    if let Some((at, byte)) = high {
        text[at] = byte;
    }
    text
}

#[test]
fn every_ascii_scan_finds_a_high_byte_at_every_position() {
    for (name, scan) in simd::ascii_paths() {
        for len in 0..=SHORT {
            assert!(scan(&ascii_with(len, None)), "{name}: {len} ASCII bytes");
            for at in 0..len {
                for byte in [0x80, 0xC3, 0xFF] {
                    assert!(!scan(&ascii_with(len, Some((at, byte)))), "{name}: {byte:#x} at {at} of {len}");
                }
            }
        }
    }
}

#[test]
fn every_ascii_scan_handles_long_and_unaligned_input() {
    for (name, scan) in simd::ascii_paths() {
        for &len in LONG {
            let text = ascii_with(len + 64, None);
            for start in [0, 1, 7, 31, 33] {
                let piece = &text[start..start + len];
                assert!(scan(piece), "{name}: {len} at {start}");
                for at in [0, len / 2, len - 1] {
                    let mut bad = piece.to_vec();
                    bad[at] = 0x80;
                    assert!(!scan(&bad), "{name}: high byte at {at} of {len}");
                }
            }
        }
        for &len in AT_STARTS {
            let text = ascii_with(len + 64, Some((len + 63, 0xFF)));
            for start in 0..64 {
                // The high byte just past the end is not looked at.
                assert!(scan(&text[start..start + len]), "{name}: {len} at {start}");
            }
        }
    }
}

#[test]
fn the_public_scan_agrees_with_std() {
    for len in [0usize, 5, 63, 64, 65, 200, 4099] {
        for high in [None, Some((len.saturating_sub(1), 0x9F))] {
            let text = ascii_with(len, high.filter(|_| len > 0));
            assert_eq!(is_ascii(&text), text.is_ascii(), "{len} {high:?}");
        }
    }
}

#[cfg(not(miri))]
proptest! {
    #[test]
    fn every_ascii_scan_matches_std(bytes in proptest::collection::vec(0u8..=0x80, 0..700)) {
        for (name, scan) in simd::ascii_paths() {
            prop_assert_eq!(scan(&bytes), bytes.is_ascii(), "{}", name);
        }
    }
}
