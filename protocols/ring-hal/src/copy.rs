// SPDX-License-Identifier: MIT
//! Volatile copies between a window and private memory, in the widest
//! naturally aligned accesses the window address allows: bytes up to a
//! 4-byte boundary, then at most one word and one double word up to a
//! 16-byte boundary, 16-byte chunks, and the same ladder down for the
//! tail. Each window byte is accessed exactly once and every window access
//! is aligned to its size (a window mapped as Device memory, as in a domain
//! running with its MMU off, faults on unaligned accesses). The private
//! side may be at any alignment; it is accessed aligned when it happens to
//! be, because on a strict-alignment target (the domains') the compiler
//! splits an unaligned access into bytes. The aligned private-side access
//! is volatile too: a plain one the optimiser merges with the unaligned
//! arm (an aligned load is also a valid unaligned load), and on a
//! strict-alignment target that made every copy one byte access per byte
//! even between aligned buffers (2.5 instructions per byte for a 64 KiB
//! copy into a data area, `cargo xtask bench --ring-only`). A fixed ladder rather than a loop
//! that picks a width per step: ring frames start at every 4-aligned
//! offset, and a per-step choice costs a branch misprediction per copy.
//!
//! A chunk is an SSE register on x86-64 (one `movdqa`, part of the
//! baseline) and a `u128` elsewhere (one `ldp`/`stp` pair on AArch64). On
//! x86-64, runs of chunks of 2 KiB or more move with one `rep movsb`
//! instead, as memcpy itself does at that size: the string instruction
//! writes whole cache lines and outruns 16-byte stores by about a tenth.
//! Inline assembly is opaque to the compiler, so like a volatile access it
//! touches each byte exactly once. (Byte-at-a-time copies reached under a
//! tenth of memcpy's bandwidth: `cargo bench -p bulkhead-ring-hal --bench
//! ring`.)

use core::ptr::{read_unaligned, read_volatile, write_unaligned, write_volatile};

#[cfg(target_arch = "x86_64")]
type Chunk = core::arch::x86_64::__m128i;
#[cfg(not(target_arch = "x86_64"))]
type Chunk = u128;

const CHUNK: usize = size_of::<Chunk>();

/// Runs of chunks at least this long use the string instruction (x86-64).
#[cfg(target_arch = "x86_64")]
const STRING_MIN: usize = 2048;

/// One piece of a copy: a single aligned access, or a run of chunks.
#[derive(Clone, Copy)]
enum Piece {
    Byte,
    Word,
    Double,
    /// Whole chunks, this many bytes, starting on a chunk boundary.
    Run(usize),
}

/// Splits a copy of `len` bytes at window address `addr` into aligned
/// pieces and calls `f(offset, piece)` for each, in order; the pieces
/// cover `0..len` exactly once.
#[inline]
fn pieces(addr: usize, len: usize, mut f: impl FnMut(usize, Piece)) {
    let mut at = 0;
    let mut take = |at: &mut usize, piece, size| {
        f(*at, piece);
        *at += size;
    };
    // Up to a chunk boundary (or to the end).
    while at < len && !(addr + at).is_multiple_of(4) {
        take(&mut at, Piece::Byte, 1);
    }
    if len - at >= 4 && !(addr + at).is_multiple_of(8) {
        take(&mut at, Piece::Word, 4);
    }
    if len - at >= 8 && !(addr + at).is_multiple_of(CHUNK) {
        take(&mut at, Piece::Double, 8);
    }
    // Here either fewer than 8 bytes are left or `addr + at` is on a chunk
    // boundary; and when at least 4 are left, it is on a word boundary.
    let run = (len - at) - (len - at) % CHUNK;
    if run > 0 {
        take(&mut at, Piece::Run(run), run);
    }
    // Down: what is left is shorter than a chunk.
    if len - at >= 8 {
        take(&mut at, Piece::Double, 8);
    }
    if len - at >= 4 {
        take(&mut at, Piece::Word, 4);
    }
    while at < len {
        take(&mut at, Piece::Byte, 1);
    }
}

/// Moves one `T` from private memory at `from` to the window at `to`.
///
/// # Safety
/// `from` readable for `size_of::<T>()` bytes; `to` valid for a volatile
/// write of a `T` and aligned for it; `T` plain data.
#[inline]
unsafe fn put<T: Copy>(to: *mut u8, from: *const u8) {
    let from = from.cast::<T>();
    let value = if from.is_aligned() {
        // SAFETY: the caller's contract, and aligned.
        unsafe { read_volatile(from) }
    } else {
        // SAFETY: the caller's contract.
        unsafe { read_unaligned(from) }
    };
    // SAFETY: the caller's contract.
    unsafe { write_volatile(to.cast::<T>(), value) };
}

/// Moves one `T` from the window at `from` to private memory at `to`.
///
/// # Safety
/// `from` valid for a volatile read of a `T` and aligned for it; `to`
/// writable for `size_of::<T>()` bytes; `T` plain data.
#[inline]
unsafe fn get<T: Copy>(to: *mut u8, from: *const u8) {
    // SAFETY: the caller's contract.
    let value = unsafe { read_volatile(from.cast::<T>()) };
    let to = to.cast::<T>();
    if to.is_aligned() {
        // SAFETY: the caller's contract, and aligned.
        unsafe { write_volatile(to, value) };
    } else {
        // SAFETY: the caller's contract.
        unsafe { write_unaligned(to, value) };
    }
}

/// Copies `data` to `dst` in the window.
///
/// # Safety
/// `dst..dst + data.len()` must be valid for volatile writes.
pub unsafe fn copy_in(dst: *mut u8, data: &[u8]) {
    pieces(dst as usize, data.len(), |at, piece| {
        let (to, from) = (dst.wrapping_add(at), data.as_ptr().wrapping_add(at));
        // SAFETY (every arm): `pieces` hands out disjoint pieces inside
        // `0..data.len()`, so both sides are in range (the window's by the
        // caller's contract), each aligned on the window side to its size.
        match piece {
            // SAFETY: see above.
            Piece::Byte => unsafe { put::<u8>(to, from) },
            // SAFETY: see above.
            Piece::Word => unsafe { put::<u32>(to, from) },
            // SAFETY: see above.
            Piece::Double => unsafe { put::<u64>(to, from) },
            // SAFETY: see above.
            Piece::Run(len) => unsafe { run_in(to, data.get(at..at + len).unwrap_or_default()) },
        }
    });
}

/// Copies `out.len()` bytes from `src` in the window into `out`.
///
/// # Safety
/// `src..src + out.len()` must be valid for volatile reads.
pub unsafe fn copy_out(src: *const u8, out: &mut [u8]) {
    let len = out.len();
    pieces(src as usize, len, |at, piece| {
        let (from, to) = (src.wrapping_add(at), out.as_mut_ptr().wrapping_add(at));
        // SAFETY (every arm): as in `copy_in`.
        match piece {
            // SAFETY: see above.
            Piece::Byte => unsafe { get::<u8>(to, from) },
            // SAFETY: see above.
            Piece::Word => unsafe { get::<u32>(to, from) },
            // SAFETY: see above.
            Piece::Double => unsafe { get::<u64>(to, from) },
            // SAFETY: see above.
            Piece::Run(len) => unsafe { run_out(from, out.get_mut(at..at + len).unwrap_or_default()) },
        }
    });
}

/// Copies a run of whole chunks into the window.
///
/// # Safety
/// `dst..dst + data.len()` must be valid for volatile writes and `dst`
/// CHUNK-aligned.
unsafe fn run_in(dst: *mut u8, data: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if data.len() >= STRING_MIN {
        // SAFETY: `rep movsb` copies exactly `rcx` bytes forward from
        // `rsi` (a slice of that length) to `rdi` (valid per the caller);
        // the direction flag is clear on entry to any `asm!` block.
        unsafe {
            core::arch::asm!(
                "rep movsb",
                inout("rcx") data.len() => _,
                inout("rdi") dst => _,
                inout("rsi") data.as_ptr() => _,
                options(nostack, preserves_flags),
            );
        }
        return;
    }
    // SAFETY: the caller's contract.
    unsafe { chunks_in(dst, data) };
}

/// Copies a run of whole chunks out of the window.
///
/// # Safety
/// `src..src + out.len()` must be valid for volatile reads and `src`
/// CHUNK-aligned.
unsafe fn run_out(src: *const u8, out: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if out.len() >= STRING_MIN {
        // SAFETY: `rep movsb` copies exactly `rcx` bytes forward from
        // `rsi` (valid per the caller) to `rdi` (a slice of that length);
        // the direction flag is clear on entry to any `asm!` block.
        unsafe {
            core::arch::asm!(
                "rep movsb",
                inout("rcx") out.len() => _,
                inout("rdi") out.as_mut_ptr() => _,
                inout("rsi") src => _,
                options(nostack, preserves_flags),
            );
        }
        return;
    }
    // SAFETY: the caller's contract.
    unsafe { chunks_out(src, out) };
}

/// Copies `data` (whole chunks) into the window, one chunk per access.
///
/// # Safety
/// As [`run_in`].
unsafe fn chunks_in(dst: *mut u8, data: &[u8]) {
    for (i, chunk) in data.chunks_exact(CHUNK).enumerate() {
        // SAFETY: `chunk` is CHUNK readable bytes; the window side is
        // inside the caller's range and CHUNK-aligned.
        unsafe { put::<Chunk>(dst.wrapping_add(i * CHUNK), chunk.as_ptr()) };
    }
}

/// Copies whole chunks out of the window into `out`, one chunk per access.
///
/// # Safety
/// As [`run_out`].
unsafe fn chunks_out(src: *const u8, out: &mut [u8]) {
    for (i, chunk) in out.chunks_exact_mut(CHUNK).enumerate() {
        // SAFETY: `chunk` is CHUNK writable bytes; the window side is
        // inside the caller's range and CHUNK-aligned.
        unsafe { get::<Chunk>(chunk.as_mut_ptr(), src.wrapping_add(i * CHUNK)) };
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// Every offset and length near the access-width boundaries, and the
    /// string-instruction sizes, copy exactly the bytes asked for.
    #[test]
    fn copies_are_exact_at_every_alignment() {
        let lengths = (0..80).chain([2047, 2048, 2049, 4100, 70_000]);
        for len in lengths {
            for offset in 0..20 {
                let data: Vec<u8> = (0..len).map(|i| (i * 13 + len) as u8).collect();
                let mut window = std::vec![0xaau8; 70_100];
                // SAFETY: `offset + len` is inside `window`.
                unsafe { copy_in(window.as_mut_ptr().wrapping_add(offset), &data) };
                assert!(window[..offset].iter().all(|&b| b == 0xaa), "before, {offset}+{len}");
                assert_eq!(window[offset..offset + len], data[..], "{offset}+{len}");
                assert!(window[offset + len..].iter().all(|&b| b == 0xaa), "after, {offset}+{len}");
                let mut out = std::vec![0x55u8; len + 1];
                // SAFETY: as above.
                unsafe { copy_out(window.as_ptr().wrapping_add(offset), &mut out[..len]) };
                assert_eq!(out[..len], data[..], "out, {offset}+{len}");
                assert_eq!(out[len], 0x55, "out overran, {offset}+{len}");
            }
        }
    }

    /// The chunk loop used for short runs (and by every other architecture)
    /// is exact for long runs too.
    #[test]
    fn the_chunk_loop_is_exact() {
        let data: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
        let mut window = std::vec![0u128; 4096 / 16];
        let dst = window.as_mut_ptr().cast::<u8>();
        // SAFETY: 4096 bytes, 16-aligned (a u128 vector).
        unsafe { chunks_in(dst, &data) };
        let mut out = std::vec![0u8; 4096];
        // SAFETY: as above.
        unsafe { chunks_out(dst, &mut out) };
        assert_eq!(out, data);
    }
}
