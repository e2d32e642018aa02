// SPDX-License-Identifier: MIT
//! What a guest needs to run the same measurements under Bulkhead, natively
//! and under another hypervisor (Xen 4.17 as a dom0less domU), for the
//! peer benchmark (`domains/test/peerbench`): a hypercall of each kind
//! bracketed by virtual-counter reads, Xen's fixed guest layout, and a look
//! at the device tree a Linux-style boot passes in x0.
//!
//! Counter brackets are `isb; mrs cntvct_el0; isb; <call>; isb; mrs
//! cntvct_el0`: under `-icount shift=0` with a 1 GHz counter the difference
//! is the instructions executed in between, at every exception level, and
//! [`cntvct_across_nothing`] measures the bracket itself.

use core::arch::asm;

/// Xen's guest GICv3 distributor (`GUEST_GICV3_GICD_BASE`, Xen's
/// `public/arch-arm.h`).
pub const XEN_GICD: usize = 0x0300_1000;
/// Xen's guest GICv3 first redistributor (`GUEST_GICV3_GICR0_BASE`).
pub const XEN_GICR: usize = 0x0302_0000;
/// Xen's emulated PL011 for a domU with `vpl011` (`GUEST_PL011_BASE`).
pub const XEN_VPL011: usize = 0x2200_0000;
/// Xen's hypercall number of `xen_version`.
pub const XEN_HYPERCALL_XEN_VERSION: u64 = 17;
/// `XENVER_version`: `xen_version` returns `major << 16 | minor`.
pub const XENVER_VERSION: u64 = 0;

/// Counter ticks across an empty bracket.
pub fn cntvct_across_nothing() -> u64 {
    let (t0, t1): (u64, u64);
    // SAFETY: reads this vCPU's virtual counter twice; no memory is touched.
    unsafe {
        asm!(
            "isb",
            "mrs {t0}, cntvct_el0",
            "isb",
            "isb",
            "mrs {t1}, cntvct_el0",
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            options(nomem, nostack, preserves_flags)
        );
    }
    t1.wrapping_sub(t0)
}

/// Counter ticks across Bulkhead's `hvc #0` with function `function` in
/// x0 and no arguments (the kernel writes only x0); returns the ticks and
/// x0 after the call.
pub fn cntvct_across_hvc(function: u64) -> (u64, u64) {
    let (t0, t1, ret): (u64, u64, u64);
    // SAFETY: reads the virtual counter around one hypercall, which reads
    // x0..x3 (zero arguments) and writes only x0; no guest memory is named.
    unsafe {
        asm!(
            "isb",
            "mrs {t0}, cntvct_el0",
            "isb",
            "hvc #0",
            "isb",
            "mrs {t1}, cntvct_el0",
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            inlateout("x0") function => ret,
            in("x1") 0u64,
            in("x2") 0u64,
            in("x3") 0u64,
            options(nostack)
        );
    }
    (t1.wrapping_sub(t0), ret)
}

/// Counter ticks across Xen's `hvc #0xEA1` with hypercall `number` in x16
/// and `a0`, `a1` in x0, x1 (x0..x5 and x16 treated as clobbered); returns
/// the ticks and x0 after the call.
pub fn cntvct_across_xen_hypercall(number: u64, a0: u64, a1: u64) -> (u64, u64) {
    let (t0, t1, ret): (u64, u64, u64);
    // SAFETY: reads the virtual counter around one Xen hypercall; callers
    // pass only arguments that name no guest memory (`xen_version` with a
    // null buffer), so Xen writes registers alone.
    unsafe {
        asm!(
            "isb",
            "mrs {t0}, cntvct_el0",
            "isb",
            "hvc #0xea1",
            "isb",
            "mrs {t1}, cntvct_el0",
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            inlateout("x0") a0 => ret,
            inlateout("x1") a1 => _,
            lateout("x2") _,
            lateout("x3") _,
            lateout("x4") _,
            lateout("x5") _,
            inlateout("x16") number => _,
            options(nostack)
        );
    }
    (t1.wrapping_sub(t0), ret)
}

/// FDT header magic (big-endian).
const FDT_MAGIC: u32 = 0xd00d_feed;
/// The largest device tree [`boot_fdt`] accepts.
const FDT_MAX: usize = 1 << 20;

/// The flattened device tree at `addr`, as passed in x0 by a Linux-style
/// boot (QEMU for an `Image`, Xen for a domU): `None` if `addr` is 0, not
/// 8-byte aligned, or holds no FDT header, or the tree claims more than
/// 1 MiB. Only for runs without Bulkhead (which passes no tree): `addr`
/// must be RAM of this guest that nothing writes.
pub fn boot_fdt(addr: u64) -> Option<&'static [u8]> {
    if addr == 0 || !addr.is_multiple_of(8) {
        return None;
    }
    let word = |offset: u64| {
        let value: u32;
        // SAFETY: a 4-byte aligned load inside the boot tree's header (the
        // caller vouches that `addr` is RAM of this guest); no Rust object
        // lives there.
        unsafe { asm!("ldr {0:w}, [{1}]", out(reg) value, in(reg) addr + offset, options(nostack, readonly)) };
        u32::from_be(value)
    };
    if word(0) != FDT_MAGIC {
        return None;
    }
    let size = word(4) as usize;
    if !(40..=FDT_MAX).contains(&size) {
        return None;
    }
    // SAFETY: the header says the tree spans `size` bytes from `addr`, RAM
    // of this guest (the caller's promise) that the boot loader wrote and
    // nothing writes afterwards: a shared borrow for the rest of the run.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, size) })
}
