// SPDX-License-Identifier: MIT
//! Stage-2 translation tables, one per domain, built at boot from the
//! domains' plans with `aarch64-paging` (`Stage2` regime, 4 KiB granule,
//! 2 MiB and 1 GiB blocks where alignment allows), over a static pool of
//! pages: the kernel never allocates after boot, and never frees a table.
//!
//! IPA space: 39 bits (T0SZ = 25), walks start at level 1. Walks are
//! non-cacheable because the kernel writes the tables with its MMU off.

use aarch64_paging::descriptor::{PhysicalAddress, Stage2Attributes};
use aarch64_paging::paging::{Constraints, MemoryRegion, PageTable, RootTable, Stage2, Translation};
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel_core::stage2::{Backing, Stage2Plan};

/// Pages for all domains' tables.
const POOL_PAGES: usize = 208;

#[repr(C, align(4096))]
struct Pool(UnsafeCell<[[u8; 4096]; POOL_PAGES]>);

// SAFETY: pages are handed out once each through the atomic cursor; a page
// is then owned by exactly one table and written only through it, at boot,
// by the boot CPU.
unsafe impl Sync for Pool {}

static POOL: Pool = Pool(UnsafeCell::new([[0; 4096]; POOL_PAGES]));
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Hands out zeroed pool pages; identity-addressed (the MMU is off).
struct PoolTranslation;

impl Translation<Stage2Attributes> for PoolTranslation {
    fn allocate_table(&mut self) -> (NonNull<PageTable<Stage2Attributes>>, PhysicalAddress) {
        let index = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(index < POOL_PAGES, "stage-2 page pool exhausted: raise POOL_PAGES");
        let base = POOL.0.get() as *mut [u8; 4096];
        // SAFETY: `index` is in bounds and handed out only once, so the page
        // is not aliased; it is zero (from .bss) as PageTable requires.
        let page = unsafe { base.add(index) };
        let table = NonNull::new(page.cast::<PageTable<Stage2Attributes>>()).expect("pool page is not null");
        (table, PhysicalAddress(page as usize))
    }

    unsafe fn deallocate_table(&mut self, _table: NonNull<PageTable<Stage2Attributes>>) {
        // Tables are never freed: the system is static.
    }

    fn physical_to_virtual(&self, pa: PhysicalAddress) -> NonNull<PageTable<Stage2Attributes>> {
        NonNull::new(pa.0 as *mut PageTable<Stage2Attributes>).expect("table address is not null")
    }
}

/// VTCR_EL2: T0SZ=25 (39-bit IPA), SL0=1 (start at level 1), non-cacheable
/// walks, 4 KiB granule, PS=40 bits, RES1 bit 31.
pub const VTCR: u64 = 25 | (1 << 6) | (0b010 << 16) | (1 << 31);

/// Why a domain's tables could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildError {
    /// The static page pool is (nearly) used up.
    PoolExhausted,
    /// A mapping lies outside the 39-bit IPA space.
    OutOfRange,
}

/// Pages one mapping of at most 1 GiB can need at worst (an L2 and two L3
/// tables, plus one more if it crosses a 1 GiB boundary).
const WORST_PAGES_PER_MAPPING: usize = 4;

/// Builds the tables of one domain; returns the root's physical address.
pub fn build(plan: &Stage2Plan) -> Result<usize, BuildError> {
    // A tracked range is mapped page by page: one level-3 table per 2 MiB.
    let tracked_tables: usize =
        plan.mappings().iter().filter(|m| m.backing == Backing::Tracked).map(|m| (m.size >> 21) as usize + 1).sum();
    if NEXT.load(Ordering::Relaxed) + 1 + WORST_PAGES_PER_MAPPING * plan.mappings().len() + tracked_tables > POOL_PAGES
    {
        return Err(BuildError::PoolExhausted);
    }
    let mut root = RootTable::new(PoolTranslation, 1, Stage2);
    for m in plan.mappings() {
        let attrs = match m.backing {
            Backing::Ram => {
                Stage2Attributes::MEMATTR_NORMAL_INNER_WB
                    | Stage2Attributes::MEMATTR_NORMAL_OUTER_WB
                    | Stage2Attributes::SH_INNER
            }
            Backing::Channel | Backing::Guest | Backing::Kept => {
                Stage2Attributes::MEMATTR_NORMAL_INNER_WB
                    | Stage2Attributes::MEMATTR_NORMAL_OUTER_WB
                    | Stage2Attributes::SH_INNER
                    | Stage2Attributes::XN
            }
            Backing::Device => Stage2Attributes::MEMATTR_DEVICE_nGnRE | Stage2Attributes::XN,
            // Read-only page by page until written (`crate::dirty`).
            Backing::Tracked => {
                Stage2Attributes::MEMATTR_NORMAL_INNER_WB
                    | Stage2Attributes::MEMATTR_NORMAL_OUTER_WB
                    | Stage2Attributes::SH_INNER
                    | Stage2Attributes::XN
            }
        } | Stage2Attributes::VALID
            | Stage2Attributes::ACCESS_FLAG
            | if m.backing == Backing::Tracked {
                Stage2Attributes::S2AP_ACCESS_RO
            } else {
                Stage2Attributes::S2AP_ACCESS_RW
            };
        let constraints =
            if m.backing == Backing::Tracked { Constraints::NO_BLOCK_MAPPINGS } else { Constraints::empty() };
        let start = m.ipa.raw() as usize;
        let region = MemoryRegion::new(start, start + m.size as usize);
        if root.map_range(&region, PhysicalAddress(m.pa.raw() as usize), attrs, constraints).is_err() {
            core::mem::forget(root);
            return Err(BuildError::OutOfRange);
        }
    }
    let pa = root.to_physical().0;
    // The tables live for ever in the pool; dropping the root would try to
    // free them.
    core::mem::forget(root);
    Ok(pa)
}

/// Invalidates every stage-1 and stage-2 TLB entry of every VMID (boot).
pub fn flush_all() {
    // SAFETY: TLB maintenance only discards cached translations.
    unsafe { core::arch::asm!("dsb ishst", "tlbi alle1is", "dsb ish", "isb", options(nostack, preserves_flags)) };
}

/// Invalidates the current VMID's entries (a restarted domain's stale
/// stage-1 translations), on every CPU.
pub fn flush_current_vmid() {
    // SAFETY: TLB maintenance only discards cached translations.
    unsafe { core::arch::asm!("dsb ishst", "tlbi vmalls12e1is", "dsb ish", "isb", options(nostack, preserves_flags)) };
}

/// Sets the write permission of the level-3 (page) descriptor that maps
/// `ipa` in the stage 2 `vttbr` names; false if `ipa` is not mapped by a
/// page there. Only tracked ranges are mapped by pages with their
/// permission changed: the caller checked `ipa` is in one. The caller
/// invalidates the TLBs afterwards.
pub fn set_writable(vttbr: u64, ipa: u64, writable: bool) -> bool {
    const TABLE: u64 = 0b11;
    const ADDRESS: u64 = 0x0000_ffff_ffff_f000;
    const S2AP: u64 = 0b11 << 6;
    let mut table = root_of(vttbr);
    for level in 1..=3u32 {
        let index = ((ipa >> (12 + 9 * (3 - level))) & 511) as usize;
        let entry = table.wrapping_add(index);
        // SAFETY: `entry` is in a table of this domain's stage 2: the root
        // (a pool page, `root_of`) or a table a valid table descriptor of
        // the level above points at (pool pages too, written by `build`);
        // the MMU is off, so the physical address is the address.
        // Volatile: other CPUs' table walkers read it.
        let descriptor = unsafe { entry.read_volatile() };
        if descriptor & TABLE != TABLE {
            return false; // invalid, or a block: not a tracked page
        }
        if level < 3 {
            table = (descriptor & ADDRESS) as usize as *mut u64;
            continue;
        }
        let permission = if writable { S2AP } else { 1 << 6 };
        // SAFETY: as above; only the access permission bits change.
        unsafe { entry.write_volatile((descriptor & !S2AP) | permission) };
    }
    true
}

/// Invalidates, on every CPU, the TLB entries of the VMID in `vttbr` from
/// a pCPU that runs another domain (a device model's call): its own
/// VTTBR_EL2 is put back.
pub fn invalidate_other_vmid(vttbr: u64) {
    // SAFETY: the table writes are ordered before the invalidation; EL1
    // runs nothing while EL2 swaps VTTBR_EL2 and restores it.
    unsafe {
        core::arch::asm!(
            "dsb ishst",
            "mrs {saved}, vttbr_el2",
            "msr vttbr_el2, {0}",
            "isb",
            "tlbi vmalls12e1is",
            "dsb ish",
            "msr vttbr_el2, {saved}",
            "isb",
            in(reg) vttbr,
            saved = out(reg) _,
            options(nostack, preserves_flags)
        )
    };
}

/// Descriptors in a stage-2 root table (level 1 over the 39-bit IPA
/// space: one page of 512 entries, each 1 GiB).
const ROOT_ENTRIES: usize = 512;

/// A domain's root descriptors, saved while its stage-2 is revoked.
pub struct RevokedRoot([u64; ROOT_ENTRIES]);

/// The root table of the stage-2 that `vttbr` (a VTTBR_EL2 value) names.
fn root_of(vttbr: u64) -> *mut u64 {
    (vttbr & 0x0000_ffff_ffff_fffe) as usize as *mut u64
}

/// Revokes every translation of the domain whose VTTBR_EL2 value is
/// `vttbr`, on every CPU: clears its root table's descriptors and
/// invalidates its VMID's TLB entries (broadcast). A vCPU of that domain
/// still running on another pCPU then takes a stage-2 abort to EL2 at its
/// next instruction fetch: a synchronous exception, which no interrupt
/// priority the domain set can hold back. Returns what [`reinstate`] puts
/// back.
pub fn revoke(vttbr: u64) -> RevokedRoot {
    let root = root_of(vttbr);
    let mut saved = [0; ROOT_ENTRIES];
    for (i, slot) in saved.iter_mut().enumerate() {
        let entry = root.wrapping_add(i);
        // SAFETY: `entry` is in a domain's root table, a page of the static
        // pool that `build` filled at boot (VTTBR values come only from
        // it); the kernel runs with its MMU off, so the physical address is
        // the address. Volatile: other CPUs' table walkers read it.
        *slot = unsafe { entry.read_volatile() };
        // SAFETY: as above; an invalid descriptor makes the walk fault.
        unsafe { entry.write_volatile(0) };
    }
    invalidate_vmid(vttbr);
    RevokedRoot(saved)
}

/// Puts back the descriptors [`revoke`] took (the domain's vCPUs are all
/// parked again).
pub fn reinstate(vttbr: u64, saved: &RevokedRoot) {
    let root = root_of(vttbr);
    for (i, &descriptor) in saved.0.iter().enumerate() {
        let entry = root.wrapping_add(i);
        // SAFETY: as in `revoke`: the same root table, restored to what
        // `build` wrote.
        unsafe { entry.write_volatile(descriptor) };
    }
    invalidate_vmid(vttbr);
}

/// Invalidates, on every CPU, the stage-1 and stage-2 TLB entries of the
/// VMID in `vttbr`. Runs on a parked pCPU of that domain (VTTBR_EL2 is
/// loaded again before the pCPU next enters a guest).
fn invalidate_vmid(vttbr: u64) {
    // SAFETY: the table writes are ordered before the invalidation; VTTBR_EL2
    // is only used for guest translations, and this pCPU runs no guest now.
    unsafe {
        core::arch::asm!(
            "dsb ishst",
            "msr vttbr_el2, {0}",
            "isb",
            "tlbi vmalls12e1is",
            "dsb ish",
            "isb",
            in(reg) vttbr,
            options(nostack, preserves_flags)
        )
    };
}
