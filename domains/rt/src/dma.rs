// SPDX-License-Identifier: MIT
//! Device addresses of the domain's own memory: a DMA-capable device
//! (virtio-mmio, no IOMMU) is given physical addresses, and a domain's RAM
//! is wherever the board placed it, not at its guest address. The kernel
//! passes the physical address of the first RAM region at entry (x2 with
//! the entry magic, `kernel_core::entry`); the image is linked at that
//! region's guest address (`__ram_start`, `domain.x`), so a pointer into
//! the domain's RAM maps to `pointer - __ram_start + ram_phys`. Natively
//! (no hypervisor) the two are the same.
//!
//! Owns that translation only; a HAL (`bulkhead-virtio-hal`) applies it to
//! every buffer it hands a device. Only the first RAM region (the image,
//! its `.bss`, heap, stacks and DMA pool) is covered.

use core::sync::atomic::{AtomicU64, Ordering};

static RAM_PHYS: AtomicU64 = AtomicU64::new(0);

/// The guest address the image is linked at (the first RAM region's).
pub fn image_base() -> u64 {
    unsafe extern "C" {
        static __ram_start: u8;
    }
    // Only the symbol's address is taken, never its contents.
    (&raw const __ram_start) as u64
}

/// Set by vCPU 0 at entry, before `main`.
pub(crate) fn set_ram_phys(phys: u64) {
    RAM_PHYS.store(phys, Ordering::Relaxed);
}

/// The address a device must be given for `addr`, an address in the
/// domain's first RAM region.
pub fn device_address(addr: u64) -> u64 {
    addr.wrapping_sub(image_base()).wrapping_add(RAM_PHYS.load(Ordering::Relaxed))
}
