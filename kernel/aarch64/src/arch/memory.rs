// SPDX-License-Identifier: MIT
//! Raw views of memory the kernel did not allocate: the firmware's device
//! tree and the payload the build tool appended to the kernel.
//!
//! The MMU is off at this stage: every address is physical and reads are
//! Device accesses (the softfloat target builds with `+strict-align`).

use bulkhead_bootcfg::blob::{BlobError, stated_len};

unsafe extern "C" {
    static __payload_start: u8;
    static __payload_limit: u8;
    static __kernel_start: u8;
}

/// Device-tree header: magic and `totalsize` are big-endian u32s.
const FDT_MAGIC: u32 = 0xd00d_feed;
/// Largest device tree the kernel accepts.
const FDT_MAX: usize = 2 << 20;

/// The device tree the loader passed in x0, as a byte slice of its own
/// stated size; `None` if there is no valid header there.
pub fn device_tree(addr: usize) -> Option<&'static [u8]> {
    if addr == 0 || !addr.is_multiple_of(8) {
        return None;
    }
    // SAFETY: the loader passes a device tree in x0 (arm64 boot protocol);
    // the address is non-null and aligned, and RAM is identity-addressed
    // with the MMU off. Only the 8-byte header is read here.
    let header = unsafe { core::slice::from_raw_parts(addr as *const u8, 8) };
    let word = |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let size = usize::try_from(word(4)).ok()?;
    if word(0) != FDT_MAGIC || !(8..=FDT_MAX).contains(&size) {
        return None;
    }
    // SAFETY: the header says the tree is `size` bytes long (bounded by
    // FDT_MAX above); the loader placed it outside the kernel's region,
    // and nothing in the kernel writes to it.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, size) })
}

/// The payload: from `__payload_start` to the end of the kernel's image
/// area (the build tool checks that the payload fits).
pub fn payload() -> &'static [u8] {
    let start = &raw const __payload_start as usize;
    let limit = &raw const __payload_limit as usize;
    // SAFETY: both symbols come from the linker script and bound the part
    // of the kernel's own region that holds the payload; .bss and stacks
    // live above `__payload_limit`, so nothing writes to it.
    unsafe { core::slice::from_raw_parts(start as *const u8, limit - start) }
}

/// The configuration blob at the start of the payload.
pub fn config_blob() -> Result<&'static [u8], BlobError> {
    let payload = payload();
    let len = stated_len(payload)?;
    payload.get(..len).ok_or(BlobError::Truncated)
}

/// Where the kernel was linked (and must have been loaded).
pub fn kernel_start() -> usize {
    &raw const __kernel_start as usize
}

/// The address `entry` actually runs at (PC-relative), to compare with the
/// link address.
pub fn running_at() -> usize {
    let pc: usize;
    // SAFETY: reads the address of the `_start` symbol PC-relatively; no
    // memory is accessed.
    unsafe {
        core::arch::asm!("adr {0}, _start", out(reg) pc, options(nomem, nostack, preserves_flags));
    }
    pc
}
