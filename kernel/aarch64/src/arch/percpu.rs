// SPDX-License-Identifier: MIT
//! Per-pCPU state: identity, stack, mailbox, counters. A pCPU's index is
//! its position in the device tree's `/cpus` (the board file's pCPU index);
//! TPIDR_EL2 holds it.

use bulkhead_bootcfg::MAX_PCPUS;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use kernel_core::census::{CLASSES, EntryClass};

/// Mailbox states.
const EMPTY: u8 = 0;
const START: u8 = 1;

/// One pCPU's shared state.
pub struct Pcpu {
    /// Its index (position in the device tree's /cpus).
    index: AtomicUsize,
    /// Its MPIDR affinity.
    pub mpidr: AtomicU64,
    /// Top of its EL2 stack.
    pub stack_top: AtomicUsize,
    mailbox: AtomicU8,
    entry: AtomicU64,
    regs: [AtomicU64; 4],
    post_generation: AtomicU32,
    /// A posted start waits until the physical counter reaches this (0: at
    /// once): a restart's back-off.
    start_at: AtomicU64,
    /// Generation of its domain when its vCPU was (re)started.
    pub generation: AtomicU32,
    /// It is parked: no vCPU runs on it.
    pub parked: AtomicBool,
    /// Exceptions taken to EL2 from its domain (benchmark builds count).
    pub el2_entries: AtomicU64,
    /// The same per entry class (`census` builds count).
    pub census: [AtomicU64; CLASSES],
    /// Index of the domain whose vCPU is pinned here (`NO_DOMAIN` if
    /// none): fixed at boot, read by the hot trap paths.
    pub domain: AtomicUsize,
    /// Index of that vCPU within its domain.
    pub vcpu: AtomicUsize,
    /// Benchmark builds: PMU counter 0 increments while this pCPU slept in
    /// the `Wait` hypercall.
    pub wait_slept: AtomicU64,
    /// Its domain takes interrupts directly (HCR_EL2.IMO=0): the kernel's
    /// own interrupts here are Group 0.
    pub direct: AtomicBool,
}

/// [`Pcpu::domain`] of a pCPU that runs no vCPU.
pub const NO_DOMAIN: usize = usize::MAX;

impl Pcpu {
    const fn new() -> Self {
        Self {
            index: AtomicUsize::new(0),
            mpidr: AtomicU64::new(0),
            stack_top: AtomicUsize::new(0),
            mailbox: AtomicU8::new(EMPTY),
            entry: AtomicU64::new(0),
            regs: [const { AtomicU64::new(0) }; 4],
            post_generation: AtomicU32::new(0),
            start_at: AtomicU64::new(0),
            generation: AtomicU32::new(0),
            parked: AtomicBool::new(true),
            el2_entries: AtomicU64::new(0),
            census: [const { AtomicU64::new(0) }; CLASSES],
            domain: AtomicUsize::new(NO_DOMAIN),
            vcpu: AtomicUsize::new(0),
            wait_slept: AtomicU64::new(0),
            direct: AtomicBool::new(false),
        }
    }

    /// Asks this pCPU to start its vCPU at `entry` with `regs` in x0..x3,
    /// on behalf of its domain's `generation` (a request from an older
    /// generation is ignored: the domain stopped since), once the physical
    /// counter reaches `start_at` (0: at once; the parked pCPU waits on its
    /// own EL2 timer), and wakes it from `wfi` with the kick SGI.
    pub fn post_start(&self, entry: u64, regs: [u64; 4], generation: u32, start_at: u64) {
        self.entry.store(entry, Ordering::Relaxed);
        self.start_at.store(start_at, Ordering::Relaxed);
        for (slot, value) in self.regs.iter().zip(regs) {
            slot.store(value, Ordering::Relaxed);
        }
        self.post_generation.store(generation, Ordering::Relaxed);
        self.mailbox.store(START, Ordering::Release);
        self.kick();
    }

    /// Sends this pCPU the kernel's kick SGI (in the group its kernel
    /// interrupts use).
    pub fn kick(&self) {
        super::gic::kick(self.mpidr.load(Ordering::Acquire), self.direct.load(Ordering::Acquire));
    }

    /// When the posted start request may be taken (a counter value; 0: at
    /// once), if there is one.
    pub fn start_due(&self) -> Option<u64> {
        (self.mailbox.load(Ordering::Acquire) == START).then(|| self.start_at.load(Ordering::Relaxed))
    }

    /// Takes a posted start request: (entry, x0..x3, generation).
    pub fn take_start(&self) -> Option<(u64, [u64; 4], u32)> {
        self.mailbox.compare_exchange(START, EMPTY, Ordering::Acquire, Ordering::Relaxed).ok().map(|_| {
            (
                self.entry.load(Ordering::Relaxed),
                self.regs.each_ref().map(|r| r.load(Ordering::Relaxed)),
                self.post_generation.load(Ordering::Relaxed),
            )
        })
    }
}

/// Every pCPU.
pub static PCPUS: [Pcpu; MAX_PCPUS] = [const { Pcpu::new() }; MAX_PCPUS];

/// Records this CPU's state in TPIDR_EL2 (as a pointer to its `Pcpu`).
pub fn set_this(index: usize) {
    let Some(me) = PCPUS.get(index) else { return };
    me.index.store(index, Ordering::Relaxed);
    // SAFETY: TPIDR_EL2 is the kernel's own scratch register; it holds a
    // pointer to a `'static` entry of PCPUS.
    unsafe {
        core::arch::asm!("msr tpidr_el2, {0}", in(reg) me as *const Pcpu as usize, options(nomem, nostack, preserves_flags))
    };
}

/// This CPU's state.
pub fn me() -> &'static Pcpu {
    let ptr: *const Pcpu;
    // SAFETY: reads TPIDR_EL2, which `set_this` set, before any trap can
    // occur on this CPU, to a pointer into the static PCPUS array.
    unsafe { core::arch::asm!("mrs {0}, tpidr_el2", out(reg) ptr, options(nomem, nostack, preserves_flags)) };
    // SAFETY: the pointer is to a `'static` Pcpu (see above), never null
    // once set; shared access only (all fields are atomics).
    unsafe { &*ptr }
}

/// This CPU's index.
pub fn this() -> usize {
    me().index.load(Ordering::Relaxed)
}

/// Counts an EL2 entry on this CPU. Only this CPU writes its counter, so a
/// load and a store suffice (no atomic read-modify-write on the hot path).
#[inline(always)]
pub fn count_entry() {
    let me = me();
    me.el2_entries.store(me.el2_entries.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// Counts an EL2 entry of `class` on this CPU in `census` builds (nothing
/// otherwise). Only this CPU writes its counters.
#[inline(always)]
pub fn census(class: EntryClass) {
    if cfg!(feature = "census") {
        let counter = &me().census[class.index()];
        counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }
}

/// Takes (reads and zeroes) the census of `pcpu`, whose vCPU is parked.
pub fn take_census(pcpu: usize) -> [u64; CLASSES] {
    let mut counts = [0; CLASSES];
    if let Some(cpu) = PCPUS.get(pcpu) {
        for (count, counter) in counts.iter_mut().zip(&cpu.census) {
            *count = counter.swap(0, Ordering::AcqRel);
        }
    }
    counts
}
