//! Masking at the machine's width, and the ASCII scan that checking text
//! starts with: the only `unsafe` in the workspace.
//!
//! Every client-to-server payload byte is XORed once on each side, so this
//! loop is the codec's one per-byte cost. The safe block loop in
//! [`portable`] is vectorised by LLVM at the target's baseline width only
//! (SSE2 on x86-64: a load, an XOR and a store per 16 bytes). Here the widest
//! loop the CPU runs is picked once per process:
//!
//! - AVX-512 on x86-64, then AVX2, when enabled at compile time or
//!   detected at run time.
//!   Detection needs the `std` feature; the chosen loop is kept in a static
//!   function pointer that starts as a detecting stub, so a call costs one
//!   load and an indirect jump.
//! - SSE2 on any other x86-64 (baseline, compile time).
//! - NEON on AArch64 (baseline, compile time).
//! - The portable loop everywhere else, and for buffers under 64 bytes.
//!
//! The same loops mask while copying: [`extend`] writes masked bytes straight
//! into a `BytesMut`'s spare capacity, so the encoder reads a client's
//! payload once and writes it once, where it used to copy it and then mask
//! the copy in place.
//!
//! Callgrind instruction counts (deterministic) on an x86-64 with AVX2, the
//! portable loop before and AVX2 after:
//!
//! | operation            | before    | after  | tokio-websockets |
//! |----------------------|-----------|--------|------------------|
//! | unmask 64 KiB        | 15,403    | 4,938  | 5.0K             |
//! | unmask 1 MiB         | 245,803   | 77,923 |                  |
//! | encode 64 KiB masked | 81,102    | 5,161  |                  |
//! | encode 1 MiB masked  | 1,294,526 | 78,121 |                  |
//!
//! 0.235 instructions a byte become 0.075. The encode figures overstate the
//! gain: the old copy was glibc's `rep movsb`, which callgrind counts once a
//! byte but the CPU runs in wide chunks. Wall clock (best of 7, on a busy
//! shared machine) halves instead: 64 KiB unmask 0.70 µs before, 0.34 µs
//! after; 64 KiB encode 1.43 µs, 0.69 µs; 1 MiB encode 30.8 µs, 18.4 µs.
//! Short buffers cost what they did (64 bytes: 58 instructions before, 60
//! after; 256 bytes: 103, 69).
//!
//! The SSE2 loop counts the same as the portable one (15,423 for 64 KiB): its
//! XOR overwrites an operand, so each 16 bytes still take a load, an XOR and
//! a store. It is here for CPUs without AVX2 and builds without `std`, with
//! stores aligned for long buffers, which callgrind cannot see pay.
//!
//! AVX-512 (the F subset: a 64-byte load, XOR and store) is chosen over
//! AVX2 where the CPU has it, detected at run time like AVX2 (the reason the
//! workspace needs Rust 1.89, where its intrinsics became stable). Valgrind
//! does not run AVX-512, so instruction counts show the AVX2 loop; on this
//! project's AMD EPYC machines, wall clock (best of 600 runs, one binary
//! with each loop, alternated) decoding 64 KiB masked messages took 6.1-8.4
//! µs with AVX-512 against 8.6-9.3 µs with AVX2, text 10.0-10.4 against
//! 11.7-12.1; at 1 MiB, where the copy from memory dominates, the two are
//! within a few percent.
//!
//! [`is_ascii`] runs AVX2 where the CPU has it (detected as above; its
//! detection is `std`'s cached bit test, cheap beside a scan of 64 bytes or
//! more), the portable loop otherwise. Received text is mostly ASCII, and
//! proving it so is most of checking UTF-8: callgrind counts 1,304
//! instructions for 16 KiB (simdutf8's full check: 2,331; `<[u8]>::is_ascii`:
//! 3,345), 104 for 1 KiB (171, 225), and the wall clock halves (16 KiB in
//! 0.19-0.22 µs against simdutf8's 0.36-0.48).
//!
//! Every kernel takes raw pointers so one loop serves masking in place
//! (`dst == src`) and copying into possibly uninitialised memory. Each vector
//! is loaded before the same bytes are stored, so in place is sound; other
//! overlaps are not allowed. Running a kernel is safe on one invariant: a
//! [`Path`], and the kernel stored by detection, exist only for instructions
//! known to be present, at compile time or by detection.

use bytes::BytesMut;

use super::portable;

/// Which loop a [`Path`] runs. Which variants are ever made depends on the
/// target and features (tests make them all), hence the `allow`.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Portable,
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    Sse2,
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "sse2",
        any(target_feature = "avx2", feature = "std", test)
    ))]
    Avx2,
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "sse2",
        any(target_feature = "avx512f", feature = "std", test)
    ))]
    Avx512,
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Neon,
}

/// A masking loop this CPU can run.
///
/// Only this module makes a `Path`, and only for an instruction set that is
/// enabled at compile time or was detected at run time: the kernels' safety
/// rests on that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Path(Kind);

/// A vector loop: XORs `len` bytes read from `src` with the key repeated
/// and writes them to `dst`.
///
/// # Safety
///
/// `src` must be valid for reads and `dst` for writes of `len` bytes, either
/// `dst == src` or the two ranges must not overlap, and the CPU must support
/// the loop's instructions.
type Kernel = unsafe fn(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]);

/// XORs `buf` in place with `key` repeated (`key` already in phase with
/// `buf[0]`), with the best loop this CPU runs.
#[inline(always)]
pub(super) fn xor(buf: &mut [u8], key: [u8; 4]) {
    // SAFETY: `best_kernel` gives only kernels this CPU runs.
    unsafe { run_xor(best_kernel(), buf, key) }
}

/// Writes `src` XORed with `key` repeated into `dst`, with the best loop.
///
/// # Panics
///
/// If `dst` and `src` differ in length.
#[inline(always)]
pub(super) fn xor_copy(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    // SAFETY: `best_kernel` gives only kernels this CPU runs.
    unsafe { run_xor_copy(best_kernel(), dst, src, key) }
}

/// Appends `src` XORed with `key` repeated to `dst`, with the best loop.
#[inline(always)]
pub(super) fn extend(dst: &mut BytesMut, src: &[u8], key: [u8; 4]) {
    // SAFETY: `best_kernel` gives only kernels this CPU runs.
    unsafe { run_extend(best_kernel(), dst, src, key) }
}

/// Appends a short frame to `dst`: the header's first two bytes `head` and
/// the masking `key` (together its six-byte header), then `src` (at most 125
/// bytes) XORed with `key` repeated, written straight into
/// the spare capacity a word at a time after one `reserve`: one pass, no call
/// to copy and no second capacity check, for the short payloads most client
/// frames carry (building the header with `extend_from_slice` and masking
/// through a separate reserve cost a 16-byte frame about 60 instructions of
/// its 125).
#[inline(always)]
pub(super) fn extend_short_frame(dst: &mut BytesMut, head: [u8; 2], src: &[u8], key: [u8; 4]) {
    let len = src.len();
    let total = 6 + len;
    dst.reserve(total);
    // Indexing panics rather than trusting `reserve` for soundness.
    let spare = &mut dst.spare_capacity_mut()[..total];
    let out = spare.as_mut_ptr().cast::<u8>();
    let key4 = u32::from_ne_bytes(key);
    let key8 = u64::from(key4) | (u64::from(key4) << 32);
    // SAFETY: `out` points at `total` writable bytes (`spare`), `src` at
    // `len` readable ones, and the two are different allocations (`src` is
    // borrowed while `dst` is borrowed mutably). Every access below is
    // within them: the header at `out[..2]`, the key at `out[2..6]`, then word `i` reads
    // `src[i..i + 8]` and writes `out[6 + i..6 + i + 8]` only while
    // `i + 8 <= len`, the half word only while `i + 4 <= len`, the bytes
    // only while `i < len`. Unaligned reads and writes are used throughout.
    unsafe {
        out.cast::<[u8; 2]>().write_unaligned(head);
        out.add(2).cast::<[u8; 4]>().write_unaligned(key);
        let payload = out.add(6);
        let mut i = 0;
        while i + 8 <= len {
            let word = src.as_ptr().add(i).cast::<u64>().read_unaligned();
            payload.add(i).cast::<u64>().write_unaligned(word ^ key8);
            i += 8;
        }
        // `i` is a multiple of 8, so of the key's 4: the rest starts at phase 0.
        if i + 4 <= len {
            let half = src.as_ptr().add(i).cast::<u32>().read_unaligned();
            payload.add(i).cast::<u32>().write_unaligned(half ^ key4);
            i += 4;
        }
        while i < len {
            *payload.add(i) = *src.get_unchecked(i) ^ key[i & 3];
            i += 1;
        }
    }
    let new_len = dst.len() + total;
    // SAFETY: the block above wrote every byte of `spare`, the `total` bytes
    // after the current length, within the capacity.
    unsafe { dst.set_len(new_len) };
}

/// True when every byte of `bytes` is ASCII, with the widest loop this
/// CPU runs.
#[inline]
pub(super) fn is_ascii(bytes: &[u8]) -> bool {
    #[cfg(all(target_arch = "x86_64", any(target_feature = "avx2", feature = "std")))]
    if bytes.len() >= 64 && has_avx2() {
        // SAFETY: `bytes` is valid for reads of its length; AVX2 is present.
        return unsafe { x86_ascii::ascii_avx2(bytes.as_ptr(), bytes.len()) };
    }
    portable::is_ascii(bytes)
}

/// True when this CPU runs AVX2: known at compile time, or detected (and
/// cached by `std`).
#[cfg(all(target_arch = "x86_64", any(target_feature = "avx2", feature = "std")))]
#[inline(always)]
fn has_avx2() -> bool {
    #[cfg(target_feature = "avx2")]
    return true;
    #[cfg(not(target_feature = "avx2"))]
    std::is_x86_feature_detected!("avx2")
}

/// An ASCII scan, named, for tests.
#[cfg(test)]
pub(super) type AsciiPath = (&'static str, fn(&[u8]) -> bool);

/// The ASCII scans this CPU runs, portable first, for tests.
#[cfg(test)]
pub(super) fn ascii_paths() -> Vec<AsciiPath> {
    #[allow(unused_mut)]
    let mut paths: Vec<AsciiPath> = alloc::vec![("portable", portable::is_ascii)];
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        paths.push(("avx2", ascii_avx2_checked));
    }
    paths
}

/// The AVX2 scan for any length (the portable loop under its 32 bytes),
/// once AVX2 is known present.
#[cfg(all(test, target_arch = "x86_64"))]
fn ascii_avx2_checked(bytes: &[u8]) -> bool {
    assert!(std::is_x86_feature_detected!("avx2"));
    if bytes.len() < 32 {
        return portable::is_ascii(bytes);
    }
    // SAFETY: AVX2 is present (asserted); the slice is valid for its
    // length, which is at least 32.
    unsafe { x86_ascii::ascii_avx2(bytes.as_ptr(), bytes.len()) }
}

/// The kernel of the best loop this CPU runs, `None` for the portable one.
#[inline(always)]
fn best_kernel() -> Option<Kernel> {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "sse2",
        not(target_feature = "avx512f"),
        feature = "std"
    ))]
    return Some(detect::kernel());
    #[allow(unreachable_code)]
    Path::compiled().kernel()
}

/// [`xor`] with `kernel`, or the portable loop for `None`.
///
/// # Safety
///
/// This CPU must run `kernel`.
#[inline(always)]
unsafe fn run_xor(kernel: Option<Kernel>, buf: &mut [u8], key: [u8; 4]) {
    match kernel {
        None => portable::xor_long(buf, key),
        Some(kernel) => {
            let (ptr, len) = (buf.as_mut_ptr(), buf.len());
            // SAFETY: `ptr` comes from `buf`, valid for reads and writes of
            // `len` bytes; in place (`dst == src`) is allowed; the caller
            // guarantees the CPU.
            unsafe { kernel(ptr, ptr, len, key) }
        }
    }
}

/// [`xor_copy`] with `kernel`, or the portable loop for `None`.
///
/// # Safety
///
/// This CPU must run `kernel`.
#[inline(always)]
unsafe fn run_xor_copy(kernel: Option<Kernel>, dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    assert_eq!(dst.len(), src.len());
    match kernel {
        None => portable::xor_copy_long(dst, src, key),
        // SAFETY: both pointers are valid for `src.len()` bytes (the lengths
        // are equal); `dst` is an exclusive borrow, so it cannot overlap the
        // shared `src`; the caller guarantees the CPU.
        Some(kernel) => unsafe { kernel(dst.as_mut_ptr(), src.as_ptr(), src.len(), key) },
    }
}

/// [`extend`] with `kernel`, or the portable loop for `None`.
///
/// # Safety
///
/// This CPU must run `kernel`.
#[inline(always)]
unsafe fn run_extend(kernel: Option<Kernel>, dst: &mut BytesMut, src: &[u8], key: [u8; 4]) {
    let Some(kernel) = kernel else {
        return portable::extend(dst, src, key);
    };
    dst.reserve(src.len());
    // Indexing panics rather than trusting `reserve` for soundness.
    let spare = &mut dst.spare_capacity_mut()[..src.len()];
    // SAFETY: `spare` is valid for writes of `src.len()` bytes, and as an
    // exclusive borrow cannot overlap the shared `src`; writing bytes into
    // `MaybeUninit<u8>` memory is allowed; the caller guarantees the CPU.
    unsafe { kernel(spare.as_mut_ptr().cast::<u8>(), src.as_ptr(), src.len(), key) };
    let len = dst.len() + src.len();
    // SAFETY: the kernel initialised every byte of `spare`, the `src.len()`
    // bytes after the current length, within the capacity.
    unsafe { dst.set_len(len) };
}

impl Path {
    /// The widest loop enabled at compile time: SSE2 is part of every
    /// x86-64 target with a vector unit, NEON of AArch64 ones.
    #[allow(unreachable_code)]
    const fn compiled() -> Path {
        #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
        return Path(Kind::Avx512);
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        return Path(Kind::Avx2);
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        return Path(Kind::Sse2);
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        return Path(Kind::Neon);
        Path(Kind::Portable)
    }

    /// This path's vector loop, or `None` for the portable one. As `self`
    /// exists, this CPU runs it.
    #[inline(always)]
    fn kernel(self) -> Option<Kernel> {
        match self.0 {
            Kind::Portable => None,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            Kind::Sse2 => Some(x86::xor_sse2),
            #[cfg(all(
                target_arch = "x86_64",
                target_feature = "sse2",
                any(target_feature = "avx2", feature = "std", test)
            ))]
            Kind::Avx2 => Some(x86::xor_avx2),
            #[cfg(all(
                target_arch = "x86_64",
                target_feature = "sse2",
                any(target_feature = "avx512f", feature = "std", test)
            ))]
            Kind::Avx512 => Some(x86::xor_avx512),
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Kind::Neon => Some(arm::xor_neon),
        }
    }
}

/// Forcing each path, for tests.
#[cfg(test)]
impl Path {
    /// The loop [`xor`] and the others use.
    pub(super) fn best() -> Path {
        #[cfg(all(
            target_arch = "x86_64",
            target_feature = "sse2",
            not(target_feature = "avx512f"),
            feature = "std"
        ))]
        return detect::choose();
        #[allow(unreachable_code)]
        Path::compiled()
    }

    /// The portable loop, which runs everywhere.
    pub(super) fn portable() -> Path {
        Path(Kind::Portable)
    }

    /// Every loop this CPU runs, portable first.
    pub(super) fn all() -> Vec<Path> {
        #[allow(unused_mut)]
        let mut paths = alloc::vec![Path(Kind::Portable)];
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            paths.push(Path(Kind::Sse2));
            if std::is_x86_feature_detected!("avx2") {
                paths.push(Path(Kind::Avx2));
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx2") {
                paths.push(Path(Kind::Avx512));
            }
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        paths.push(Path(Kind::Neon));
        paths
    }

    /// [`xor`] on this path.
    pub(super) fn xor(self, buf: &mut [u8], key: [u8; 4]) {
        // SAFETY: as `self` exists, this CPU runs its kernel.
        unsafe { run_xor(self.kernel(), buf, key) }
    }

    /// [`xor_copy`] on this path.
    pub(super) fn xor_copy(self, dst: &mut [u8], src: &[u8], key: [u8; 4]) {
        // SAFETY: as `self` exists, this CPU runs its kernel.
        unsafe { run_xor_copy(self.kernel(), dst, src, key) }
    }

    /// [`extend`] on this path.
    pub(super) fn extend(self, dst: &mut BytesMut, src: &[u8], key: [u8; 4]) {
        // SAFETY: as `self` exists, this CPU runs its kernel.
        unsafe { run_extend(self.kernel(), dst, src, key) }
    }
}

/// The run-time choice between AVX2 and SSE2, made once per process: a
/// function pointer that starts as `first`, which chooses,
/// stores the chosen kernel in its place and runs it. Later calls load the
/// pointer and jump, with no branch on the choice.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(target_feature = "avx512f"),
    feature = "std"
))]
mod detect {
    use core::sync::atomic::{AtomicPtr, Ordering::Relaxed};

    use super::{Kernel, x86};

    /// The kernel to run, as a pointer because function pointers have no
    /// atomic type. Relaxed is enough: it points at code, not at data another
    /// thread wrote, and every thread that races to store stores the same.
    static KERNEL: AtomicPtr<()> = AtomicPtr::new(first as Kernel as *mut ());

    #[inline(always)]
    pub(super) fn kernel() -> Kernel {
        let kernel = KERNEL.load(Relaxed);
        // SAFETY: `KERNEL` only ever holds a `Kernel`: `first`, or what
        // `first` stored.
        unsafe { core::mem::transmute::<*mut (), Kernel>(kernel) }
    }

    /// The path the process uses.
    #[cfg(test)]
    pub(super) fn choose() -> super::Path {
        use super::{Kind, Path};
        if has_avx512() {
            Path(Kind::Avx512)
        } else if std::is_x86_feature_detected!("avx2") {
            Path(Kind::Avx2)
        } else {
            Path(Kind::Sse2)
        }
    }

    /// True when this CPU runs the AVX-512 loop, which uses AVX2 for its
    /// head and tail: every CPU with AVX-512F has AVX2, but the two are
    /// separate CPUID bits, so both are asked for.
    pub(super) fn has_avx512() -> bool {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx2")
    }

    /// The first call's kernel: chooses, stores and runs the chosen one.
    ///
    /// # Safety
    ///
    /// As for [`Kernel`]; it runs on any x86-64 CPU with SSE2.
    #[cold]
    #[inline(never)]
    unsafe fn first(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
        let chosen: Kernel = if has_avx512() {
            x86::xor_avx512
        } else if std::is_x86_feature_detected!("avx2") {
            x86::xor_avx2
        } else {
            x86::xor_sse2
        };
        KERNEL.store(chosen as *mut (), Relaxed);
        // SAFETY: the caller's guarantees, and AVX-512 or AVX2 was just
        // detected if `chosen` needs it (SSE2 is part of this target).
        unsafe { chosen(dst, src, len, key) }
    }
}

#[cfg(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    all(target_arch = "aarch64", target_feature = "neon")
))]
/// The key repeated over eight bytes (the same on either endianness).
#[inline(always)]
fn key8(key: [u8; 4]) -> u64 {
    let key4 = u32::from_ne_bytes(key);
    u64::from(key4) | (u64::from(key4) << 32)
}

#[cfg(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    all(target_arch = "aarch64", target_feature = "neon")
))]
/// Heads and tails of the vector loops, under 32 bytes: sixteen bytes if
/// there are, then eight, then four, then single bytes. Fixed steps rather
/// than a loop, which LLVM would vectorise into more code than it saves.
///
/// # Safety
///
/// As for [`Kernel`], less the CPU requirement, and `len < 32`.
#[inline(always)]
unsafe fn xor_scalar(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
    debug_assert!(len < 32);
    let key8 = key8(key);
    let mut i = 0;
    for step in [16, 8] {
        if len & step != 0 {
            for _ in 0..step / 8 {
                // SAFETY: bytes `i..i + 8` are within both ranges (`i + step`
                // is at most `len`); unaligned access is allowed; in place
                // each word is read before it is written.
                unsafe {
                    let word = src.add(i).cast::<u64>().read_unaligned();
                    dst.add(i).cast::<u64>().write_unaligned(word ^ key8);
                }
                i += 8;
            }
        }
    }
    if len & 4 != 0 {
        // SAFETY: bytes `i..i + 4` are within both ranges, as above.
        unsafe {
            let word = src.add(i).cast::<u32>().read_unaligned();
            dst.add(i).cast::<u32>().write_unaligned(word ^ u32::from_ne_bytes(key));
        }
        i += 4;
    }
    // `i` is a multiple of 4 here: the key starts again at its first byte.
    for (j, k) in (i..len).zip(key) {
        // SAFETY: `j < len`, within both ranges.
        unsafe { dst.add(j).write(src.add(j).read() ^ k) };
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod x86 {
    use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128, _mm_xor_si128};
    #[cfg(any(target_feature = "avx2", feature = "std", test))]
    use core::arch::x86_64::{
        __m256i, _mm256_castsi256_si128, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_xor_si256,
    };
    #[cfg(any(target_feature = "avx512f", feature = "std", test))]
    use core::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_storeu_si512, _mm512_xor_si512,
    };

    use super::super::rotate;
    use super::xor_scalar;

    /// From this length the loops first align `dst` to their vector width,
    /// so no store splits a cache line; below it the head would cost more
    /// than the split stores it saves.
    const ALIGN_FROM: usize = 512;

    /// Bytes from `dst` to the next `align`-byte boundary, at most `len`.
    #[inline(always)]
    fn head(dst: *mut u8, align: usize, len: usize) -> usize {
        (dst.addr().wrapping_neg() % align).min(len)
    }

    /// The SSE2 loop, 64 bytes a step.
    ///
    /// # Safety
    ///
    /// As for [`Kernel`](super::Kernel); SSE2 is part of this target.
    pub(super) unsafe fn xor_sse2(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
        let (mut dst, mut src, mut len, mut key) = (dst, src, len, key);
        if len >= ALIGN_FROM {
            let head = head(dst, 16, len);
            // SAFETY: `head <= len` (and `head < 16`), so the head is within
            // both ranges, and the rest starts `head` bytes in.
            unsafe {
                xor_scalar(dst, src, head, key);
                (dst, src, len, key) = (dst.add(head), src.add(head), len - head, rotate(key, head));
            }
        }
        let keys = [u32::from_ne_bytes(key); 4];
        // SAFETY: reads the 16 bytes of `keys`; SSE2 is part of this target.
        let k = unsafe { _mm_loadu_si128(keys.as_ptr().cast()) };
        let (mut i, end) = (0, len - len % 64);
        while i < end {
            // SAFETY: bytes `i..i + 64` are within both ranges; each vector
            // is loaded before it is stored and no later load reads an
            // earlier store's bytes, so in place is sound.
            unsafe {
                let s = src.add(i).cast::<__m128i>();
                let d = dst.add(i).cast::<__m128i>();
                for j in 0..4 {
                    _mm_storeu_si128(d.add(j), _mm_xor_si128(_mm_loadu_si128(s.add(j)), k));
                }
            }
            i += 64;
        }
        while i < len - len % 16 {
            // SAFETY: bytes `i..i + 16` are within both ranges.
            unsafe {
                let v = _mm_loadu_si128(src.add(i).cast());
                _mm_storeu_si128(dst.add(i).cast(), _mm_xor_si128(v, k));
            }
            i += 16;
        }
        // SAFETY: `i == len - len % 16`: bytes `i..len` are within both
        // ranges; `i` is a multiple of 16, so `key` is still in phase.
        unsafe { xor_scalar(dst.add(i), src.add(i), len % 16, key) }
    }

    /// The AVX2 loop, 256 bytes a step.
    ///
    /// # Safety
    ///
    /// As for [`Kernel`](super::Kernel), with AVX2 present.
    #[cfg(any(target_feature = "avx2", feature = "std", test))]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn xor_avx2(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
        let (mut dst, mut src, mut len, mut key) = (dst, src, len, key);
        if len >= ALIGN_FROM {
            let head = head(dst, 32, len);
            // SAFETY: `head <= len` (and `head < 32`), so the head is within
            // both ranges, and the rest starts `head` bytes in.
            unsafe {
                xor_scalar(dst, src, head, key);
                (dst, src, len, key) = (dst.add(head), src.add(head), len - head, rotate(key, head));
            }
        }
        let keys = [u32::from_ne_bytes(key); 8];
        // SAFETY: reads the 32 bytes of `keys`; the caller guarantees AVX2.
        let k = unsafe { _mm256_loadu_si256(keys.as_ptr().cast()) };
        let (mut i, end) = (0, len - len % 256);
        while i < end {
            // SAFETY: bytes `i..i + 256` are within both ranges; each vector
            // is loaded before it is stored and no later load reads an
            // earlier store's bytes, so in place is sound.
            unsafe {
                let s = src.add(i).cast::<__m256i>();
                let d = dst.add(i).cast::<__m256i>();
                for j in 0..8 {
                    _mm256_storeu_si256(d.add(j), _mm256_xor_si256(_mm256_loadu_si256(s.add(j)), k));
                }
            }
            i += 256;
        }
        while i < len - len % 32 {
            // SAFETY: bytes `i..i + 32` are within both ranges.
            unsafe {
                let v = _mm256_loadu_si256(src.add(i).cast());
                _mm256_storeu_si256(dst.add(i).cast(), _mm256_xor_si256(v, k));
            }
            i += 32;
        }
        if len % 32 >= 16 {
            // SAFETY: bytes `i..i + 16` are within both ranges; the low half
            // of `k` is the key repeated too.
            unsafe {
                let v = _mm_loadu_si128(src.add(i).cast());
                _mm_storeu_si128(dst.add(i).cast(), _mm_xor_si128(v, _mm256_castsi256_si128(k)));
            }
            i += 16;
        }
        // SAFETY: `i == len - len % 16`: bytes `i..len` are within both
        // ranges; `i` is a multiple of 16, so `key` is still in phase.
        unsafe { xor_scalar(dst.add(i), src.add(i), len % 16, key) }
    }

    /// The AVX-512 loop, 512 bytes a step: the AVX2 loop twice as wide, with
    /// `dst` aligned to 64 bytes (a cache line) for long buffers; what is
    /// left under 64 bytes goes to the AVX2 loop.
    ///
    /// # Safety
    ///
    /// As for [`Kernel`](super::Kernel), with AVX-512F and AVX2 present.
    #[cfg(any(target_feature = "avx512f", feature = "std", test))]
    #[target_feature(enable = "avx512f,avx2")]
    pub(super) unsafe fn xor_avx512(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
        let (mut dst, mut src, mut len, mut key) = (dst, src, len, key);
        if len >= ALIGN_FROM {
            let head = head(dst, 64, len);
            // SAFETY: `head <= len` (and `head < 64`), so the head is within
            // both ranges, and the rest starts `head` bytes in; AVX2 is present.
            unsafe {
                xor_avx2(dst, src, head, key);
                (dst, src, len, key) = (dst.add(head), src.add(head), len - head, rotate(key, head));
            }
        }
        let k = _mm512_set1_epi32(i32::from_ne_bytes(key));
        let (mut i, end) = (0, len - len % 512);
        while i < end {
            // SAFETY: bytes `i..i + 512` are within both ranges; each vector
            // is loaded before it is stored and no later load reads an
            // earlier store's bytes, so in place is sound.
            unsafe {
                let s = src.add(i).cast::<__m512i>();
                let d = dst.add(i).cast::<__m512i>();
                for j in 0..8 {
                    _mm512_storeu_si512(d.add(j), _mm512_xor_si512(_mm512_loadu_si512(s.add(j)), k));
                }
            }
            i += 512;
        }
        while i < len - len % 64 {
            // SAFETY: bytes `i..i + 64` are within both ranges.
            unsafe {
                let v = _mm512_loadu_si512(src.add(i).cast());
                _mm512_storeu_si512(dst.add(i).cast(), _mm512_xor_si512(v, k));
            }
            i += 64;
        }
        // SAFETY: bytes `i..len` (under 64) are within both ranges; `i` is a
        // multiple of 64, so `key` is still in phase; AVX2 is present.
        unsafe { xor_avx2(dst.add(i), src.add(i), len - i, key) }
    }
}

/// The ASCII scan's AVX2 loop, built where AVX2 is enabled or can be
/// detected.
#[cfg(all(target_arch = "x86_64", any(target_feature = "avx2", feature = "std")))]
mod x86_ascii {
    use core::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256};

    /// True when the `len` bytes at `src` are all ASCII: 128 bytes a step
    /// (four loads OR-ed, one test of their high bits), then 32, then the
    /// last 32 bytes again, overlapping, for what is left (`len >= 32`).
    ///
    /// # Safety
    ///
    /// `src` must be valid for reads of `len` bytes, `len >= 32`, and AVX2
    /// must be present.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn ascii_avx2(src: *const u8, len: usize) -> bool {
        debug_assert!(len >= 32);
        let mut i = 0;
        while i + 128 <= len {
            // SAFETY: bytes `i..i + 128` are within the range; unaligned
            // loads are allowed.
            let any_high = unsafe {
                let s = src.add(i).cast::<__m256i>();
                let (a, b) = (_mm256_loadu_si256(s), _mm256_loadu_si256(s.add(1)));
                let (c, d) = (_mm256_loadu_si256(s.add(2)), _mm256_loadu_si256(s.add(3)));
                _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d)))
            };
            if any_high != 0 {
                return false;
            }
            i += 128;
        }
        while i + 32 <= len {
            // SAFETY: bytes `i..i + 32` are within the range.
            if unsafe { _mm256_movemask_epi8(_mm256_loadu_si256(src.add(i).cast())) } != 0 {
                return false;
            }
            i += 32;
        }
        if i == len {
            return true;
        }
        // SAFETY: `len >= 32`, so bytes `len - 32..len` are within the range;
        // they cover the bytes `i..len` left, and some already seen.
        unsafe { _mm256_movemask_epi8(_mm256_loadu_si256(src.add(len - 32).cast())) == 0 }
    }
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod arm {
    use core::arch::aarch64::{veorq_u8, vld1q_u8, vst1q_u8};

    use super::xor_scalar;

    /// The NEON loop, 64 bytes a step.
    ///
    /// # Safety
    ///
    /// As for [`Kernel`](super::Kernel); NEON is part of this target.
    pub(super) unsafe fn xor_neon(dst: *mut u8, src: *const u8, len: usize, key: [u8; 4]) {
        let keys = [u32::from_ne_bytes(key); 4];
        // SAFETY: reads the 16 bytes of `keys`; NEON is part of this target.
        let k = unsafe { vld1q_u8(keys.as_ptr().cast()) };
        let (mut i, end) = (0, len - len % 64);
        while i < end {
            // SAFETY: bytes `i..i + 64` are within both ranges (NEON loads
            // and stores need no alignment); all four vectors are loaded
            // before any is stored, so in place is sound.
            unsafe {
                let (s, d) = (src.add(i), dst.add(i));
                let (a, b, c, e) =
                    (vld1q_u8(s), vld1q_u8(s.add(16)), vld1q_u8(s.add(32)), vld1q_u8(s.add(48)));
                vst1q_u8(d, veorq_u8(a, k));
                vst1q_u8(d.add(16), veorq_u8(b, k));
                vst1q_u8(d.add(32), veorq_u8(c, k));
                vst1q_u8(d.add(48), veorq_u8(e, k));
            }
            i += 64;
        }
        while i < len - len % 16 {
            // SAFETY: bytes `i..i + 16` are within both ranges.
            unsafe { vst1q_u8(dst.add(i), veorq_u8(vld1q_u8(src.add(i)), k)) };
            i += 16;
        }
        // SAFETY: `i == len - len % 16`: bytes `i..len` are within both
        // ranges; `i` is a multiple of 16, so `key` is still in phase.
        unsafe { xor_scalar(dst.add(i), src.add(i), len % 16, key) }
    }
}
