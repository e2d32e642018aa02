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

/// Physical memory the kernel writes on a domain's behalf: its RAM (load,
/// restart) and its devices (reset). Callers pass ranges from the
/// configuration's grants, which the build tool placed inside RAM and
/// outside the kernel's region.
pub mod phys {
    /// Bytes per iteration of the bulk loops below: under QEMU's `-icount`
    /// every instruction counts, and a Linux domain's 256 MiB is zeroed,
    /// cleaned twice and its 44 MB kernel copied at every boot and restart,
    /// so the loops are unrolled to a few loop-control instructions per
    /// 256 bytes.
    const BLOCK: u64 = 256;

    /// Zeroes `len` bytes at `pa` (a RAM grant: whole 4 KiB pages). Works
    /// in 16-byte stores: a `len` that is not a multiple of 16 leaves its
    /// last `len % 16` bytes alone (no caller passes one).
    ///
    /// With `stp xzr, xzr`: with the MMU off, `memset` cannot use `dc zva`
    /// (an alignment fault on Device memory) and was measured several
    /// times slower.
    pub fn zero(pa: u64, len: u64) {
        let blocks_end = pa + (len & !(BLOCK - 1));
        let mut at = pa;
        while at < blocks_end {
            // SAFETY: `pa..pa+len` is a domain's RAM grant (caller's
            // contract): identity-addressed, page-aligned, not the kernel's,
            // not running while zeroed; `at + BLOCK <= pa + len`.
            unsafe {
                core::arch::asm!(
                    "stp xzr, xzr, [{0}]",
                    "stp xzr, xzr, [{0}, #16]",
                    "stp xzr, xzr, [{0}, #32]",
                    "stp xzr, xzr, [{0}, #48]",
                    "stp xzr, xzr, [{0}, #64]",
                    "stp xzr, xzr, [{0}, #80]",
                    "stp xzr, xzr, [{0}, #96]",
                    "stp xzr, xzr, [{0}, #112]",
                    "stp xzr, xzr, [{0}, #128]",
                    "stp xzr, xzr, [{0}, #144]",
                    "stp xzr, xzr, [{0}, #160]",
                    "stp xzr, xzr, [{0}, #176]",
                    "stp xzr, xzr, [{0}, #192]",
                    "stp xzr, xzr, [{0}, #208]",
                    "stp xzr, xzr, [{0}, #224]",
                    "stp xzr, xzr, [{0}, #240]",
                    in(reg) at,
                    options(nostack, preserves_flags)
                )
            };
            at += BLOCK;
        }
        let end = pa + (len & !15);
        while at < end {
            // SAFETY: as above, `at + 16 <= pa + len`.
            unsafe { core::arch::asm!("stp xzr, xzr, [{0}]", in(reg) at, options(nostack, preserves_flags)) };
            at += 16;
        }
    }

    /// Copies `bytes` to `pa`, which the caller checked lies in a domain's
    /// RAM grant (the build tool for images loaded into a stopped domain,
    /// `Stage2Plan::ram_span` for a hypercall's buffer): 256 bytes per
    /// iteration with `ldp`/`stp` when both sides are 16-byte aligned
    /// (images are: the payload and load addresses are page-aligned),
    /// `copy_nonoverlapping` for the rest.
    pub fn copy_in(pa: u64, bytes: &[u8]) {
        let src = bytes.as_ptr() as u64;
        let bulk = if (pa | src).is_multiple_of(16) { bytes.len() as u64 & !(BLOCK - 1) } else { 0 };
        let mut done = 0;
        while done < bulk {
            // SAFETY: `pa..pa+len` lies in a domain's RAM grant (caller's
            // contract, above); it does not overlap `bytes`, which is in the
            // kernel's payload or memory, never in a domain's RAM;
            // `done + BLOCK` is within both; both are 16-byte aligned.
            unsafe {
                core::arch::asm!(
                    "ldp {a}, {b}, [{s}]",
                    "ldp {c}, {d}, [{s}, #16]",
                    "stp {a}, {b}, [{t}]",
                    "stp {c}, {d}, [{t}, #16]",
                    "ldp {a}, {b}, [{s}, #32]",
                    "ldp {c}, {d}, [{s}, #48]",
                    "stp {a}, {b}, [{t}, #32]",
                    "stp {c}, {d}, [{t}, #48]",
                    "ldp {a}, {b}, [{s}, #64]",
                    "ldp {c}, {d}, [{s}, #80]",
                    "stp {a}, {b}, [{t}, #64]",
                    "stp {c}, {d}, [{t}, #80]",
                    "ldp {a}, {b}, [{s}, #96]",
                    "ldp {c}, {d}, [{s}, #112]",
                    "stp {a}, {b}, [{t}, #96]",
                    "stp {c}, {d}, [{t}, #112]",
                    "ldp {a}, {b}, [{s}, #128]",
                    "ldp {c}, {d}, [{s}, #144]",
                    "stp {a}, {b}, [{t}, #128]",
                    "stp {c}, {d}, [{t}, #144]",
                    "ldp {a}, {b}, [{s}, #160]",
                    "ldp {c}, {d}, [{s}, #176]",
                    "stp {a}, {b}, [{t}, #160]",
                    "stp {c}, {d}, [{t}, #176]",
                    "ldp {a}, {b}, [{s}, #192]",
                    "ldp {c}, {d}, [{s}, #208]",
                    "stp {a}, {b}, [{t}, #192]",
                    "stp {c}, {d}, [{t}, #208]",
                    "ldp {a}, {b}, [{s}, #224]",
                    "ldp {c}, {d}, [{s}, #240]",
                    "stp {a}, {b}, [{t}, #224]",
                    "stp {c}, {d}, [{t}, #240]",
                    s = in(reg) src + done,
                    t = in(reg) pa + done,
                    a = out(reg) _,
                    b = out(reg) _,
                    c = out(reg) _,
                    d = out(reg) _,
                    options(nostack, preserves_flags)
                )
            };
            done += BLOCK;
        }
        let rest = bytes.get(done as usize..).unwrap_or(&[]);
        // SAFETY: as above, for the bytes after the bulk part.
        unsafe { core::ptr::copy_nonoverlapping(rest.as_ptr(), (pa + done) as usize as *mut u8, rest.len()) };
    }

    /// Copies RAM at `pa` into `buf`.
    pub fn copy_out(pa: u64, buf: &mut [u8]) {
        // SAFETY: the range was checked against the domain's RAM grant
        // (`Stage2Plan::ram_span`); reading guest RAM cannot fault.
        unsafe { core::ptr::copy_nonoverlapping(pa as usize as *const u8, buf.as_mut_ptr(), buf.len()) };
    }

    /// Reads a 32-bit device register (the kernel's own devices).
    pub fn read32(pa: u64) -> u32 {
        // SAFETY: `pa` is a register of a device the kernel drives (the GIC),
        // identity-mapped (MMU off); reading it has no side effect.
        unsafe { core::ptr::read_volatile(pa as usize as *const u32) }
    }

    /// Writes a 32-bit device register.
    pub fn write32(pa: u64, value: u32) {
        // SAFETY: `pa` is a register of a device in a stopped domain's
        // grant; resetting it is the kernel's job on restart.
        unsafe { core::ptr::write_volatile(pa as usize as *mut u32, value) };
    }

    /// A domain's access of `size` bytes (1, 2, 4 or 8) to its own device
    /// register at `pa`, on a page another domain's device shares
    /// (`kernel_core::shared_mmio::trapped_access` checked it): the value
    /// read, or 0 after a write.
    pub fn device_access(pa: u64, size: u8, write: bool, value: u64) -> u64 {
        let at = pa as usize;
        match (size, write) {
            (1, false) => u64::from(device_read::<u8>(at)),
            (2, false) => u64::from(device_read::<u16>(at)),
            (4, false) => u64::from(device_read::<u32>(at)),
            (8, false) => device_read::<u64>(at),
            (1, true) => device_write(at, value as u8),
            (2, true) => device_write(at, value as u16),
            (4, true) => device_write(at, value as u32),
            (8, true) => device_write(at, value),
            _ => 0,
        }
    }

    fn device_read<T: Copy>(at: usize) -> T {
        // SAFETY: `at` is a naturally aligned register inside a device the
        // board grants the accessing domain (`device_access`'s caller
        // checked it), at IPA == PA with the MMU off (Device memory); the
        // access is the one the domain made, with its own size, so the
        // device sees nothing the domain could not have done itself.
        unsafe { core::ptr::read_volatile(at as *const T) }
    }

    fn device_write<T: Copy>(at: usize, value: T) -> u64 {
        // SAFETY: as in `device_read`, for the domain's own store.
        unsafe { core::ptr::write_volatile(at as *mut T, value) };
        0
    }

    /// Cleans and invalidates the data cache over `len` bytes at `pa`, then
    /// invalidates the instruction cache, so that the domain sees what the
    /// kernel wrote with its MMU (and caches) off.
    pub fn sync_caches(pa: u64, len: u64) {
        let mut line = pa & !63;
        let end = pa + len;
        // Four 64-byte lines per iteration (QEMU's lines; a CPU with
        // larger lines cleans some twice, which is harmless).
        while line + BLOCK <= end {
            // SAFETY: cache maintenance by address does not change memory.
            unsafe {
                core::arch::asm!(
                    "dc civac, {0}",
                    "dc civac, {1}",
                    "dc civac, {2}",
                    "dc civac, {3}",
                    in(reg) line,
                    in(reg) line + 64,
                    in(reg) line + 128,
                    in(reg) line + 192,
                    options(nostack, preserves_flags)
                )
            };
            line += BLOCK;
        }
        while line < end {
            // SAFETY: as above.
            unsafe { core::arch::asm!("dc civac, {0}", in(reg) line, options(nostack, preserves_flags)) };
            line += 64;
        }
        // SAFETY: invalidating instruction caches does not change memory.
        unsafe { core::arch::asm!("dsb ish", "ic ialluis", "dsb ish", "isb", options(nostack, preserves_flags)) };
    }
}

unsafe extern "C" {
    static __stacks_start: u8;
    static __kernel_end: u8;
}

/// The kernel's region as linked: from its first instruction to the top of
/// the region (image, payload, .bss, page pool and stacks), whatever the
/// configuration says.
pub fn kernel_region() -> bulkhead_bootcfg::PhysRange {
    let start = kernel_start() as u64;
    let end = &raw const __kernel_end as u64;
    bulkhead_bootcfg::PhysRange { base: bulkhead_abi::PhysAddr::new(start), size: end.saturating_sub(start) }
}

/// Top of EL2 stack slot `slot` (slot 0: the boot CPU; slot i+1: device-tree
/// CPU i), as laid out by `entry.rs`.
pub fn stack_top(slot: usize) -> usize {
    let boot = &raw const __stacks_start as usize + super::entry::BOOT_STACK_SIZE;
    if slot == 0 { boot } else { boot + slot * super::entry::STACK_SIZE }
}
