// SPDX-License-Identifier: MIT
//! CRC-32 (ISO-HDLC, as zlib) of the payload's domain images with the
//! Armv8 CRC32 instructions, eight bytes per instruction, when the CPU has
//! them (ID_AA64ISAR0_EL1.CRC32, optional in Armv8.0, mandatory from 8.1);
//! otherwise the software tables of `bulkhead_bootcfg`. Checking a 44 MB
//! Linux image at boot took 249 million instructions with the tables
//! (slice by 16) under QEMU, a fifth of a whole Linux boot, which the Linux
//! boot benchmark charges to Bulkhead; with the instructions it takes about
//! two per 8 bytes. Owns no state; decides nothing about a mismatch.

use core::arch::aarch64::{__crc32b, __crc32d};

/// Whether this CPU implements the CRC32 instructions.
fn implemented() -> bool {
    // ID_AA64ISAR0_EL1 is (CRm 6, op2 0); CRC32 is bits 19:16.
    (super::idregs::read(6, 0) >> 16) & 0xf != 0
}

/// The CRC-32 of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    if implemented() {
        // SAFETY: the CPU implements the CRC32 instructions (checked just
        // above), which is the only requirement of `crc32_hw`.
        unsafe { crc32_hw(bytes) }
    } else {
        bulkhead_bootcfg::blob::crc32(bytes)
    }
}

/// The CRC-32 of `bytes` with `crc32x`/`crc32b`.
///
/// # Safety
/// The CPU must implement FEAT_CRC32.
#[target_feature(enable = "crc")]
unsafe fn crc32_hw(bytes: &[u8]) -> u32 {
    // SAFETY: every bit pattern is a valid u64; `align_to` only splits the
    // slice at 8-byte boundaries (the kernel is built for strict alignment,
    // so an unaligned `u64::from_le_bytes` would be eight byte loads).
    let (head, words, tail) = unsafe { bytes.align_to::<u64>() };
    let mut crc = !0u32;
    for &byte in head {
        crc = __crc32b(crc, byte);
    }
    // Four words per iteration: fewer loop instructions per byte.
    let (quads, rest) = words.as_chunks::<4>();
    for &[a, b, c, d] in quads {
        crc = __crc32d(crc, u64::from_le(a));
        crc = __crc32d(crc, u64::from_le(b));
        crc = __crc32d(crc, u64::from_le(c));
        crc = __crc32d(crc, u64::from_le(d));
    }
    for &word in rest {
        crc = __crc32d(crc, u64::from_le(word));
    }
    for &byte in tail {
        crc = __crc32b(crc, byte);
    }
    !crc
}
