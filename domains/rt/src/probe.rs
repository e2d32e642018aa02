// SPDX-License-Identifier: MIT
//! Instructions that only test and benchmark domains need: deliberately
//! forbidden accesses (the hostile domain), the PMU (the benchmark domain)
//! and ID register reads into chosen registers. Kept here so that those
//! domains, like every other, can `forbid(unsafe_code)`.

use core::arch::asm;

/// Loads from `addr` (hostile tests: outside the domain's grants, so the
/// kernel stops the domain).
pub fn read_u64(addr: u64) -> u64 {
    let value: u64;
    // SAFETY: a load through a raw address; if it lies outside the domain's
    // grants it traps to the kernel and never returns. It cannot corrupt
    // this domain's own memory.
    unsafe { asm!("ldr {0}, [{1}]", out(reg) value, in(reg) addr, options(nostack)) };
    value
}

/// Stores to `addr` (hostile tests, as [`read_u64`]).
pub fn write_u64(addr: u64, value: u64) {
    // SAFETY: as `read_u64`; callers use addresses outside the domain's
    // own RAM, so no Rust object is overwritten.
    unsafe { asm!("str {0}, [{1}]", in(reg) value, in(reg) addr, options(nostack)) };
}

/// Reads a 32-bit device register at `addr` (in a device the domain owns).
pub fn read_u32(addr: u64) -> u32 {
    let value: u32;
    // SAFETY: a 32-bit load from a device register granted to this domain
    // (or a trap if it is not); no Rust object lives there.
    unsafe { asm!("ldr {0:w}, [{1}]", out(reg) value, in(reg) addr, options(nostack)) };
    value
}

/// Writes a 32-bit device register at `addr` (in a device the domain owns).
pub fn write_u32(addr: u64, value: u32) {
    // SAFETY: as `read_u32`, a store.
    unsafe { asm!("str {0:w}, [{1}]", in(reg) value, in(reg) addr, options(nostack)) };
}

/// A byte and a word of a device register, loaded every way A64 can:
/// zero-extended (`ldrb`, `ldr w`) and sign-extended into a W register
/// (`ldrsb w`) and an X register (`ldrsb x`, `ldrsw x`). Each value is the
/// whole X register after the load, so that what the kernel put in bits
/// 63:32 of an emulated load shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loads {
    /// `ldrb w` of the byte.
    pub ldrb: u64,
    /// `ldrsb w` of the byte.
    pub ldrsb_w: u64,
    /// `ldrsb x` of the byte.
    pub ldrsb_x: u64,
    /// `ldr w` of the word.
    pub ldr_w: u64,
    /// `ldrsw x` of the word.
    pub ldrsw: u64,
}

/// Loads the byte at `byte` and the word at `word` (device registers the
/// domain may read, e.g. its emulated GIC's) in each way of [`Loads`].
pub fn loads(byte: u64, word: u64) -> Loads {
    let (ldrb, ldrsb_w, ldrsb_x, ldr_w, ldrsw): (u64, u64, u64, u64, u64);
    // SAFETY: five loads from device registers granted to (or emulated
    // for) this domain, or a trap if they are not; no Rust object lives
    // there and nothing is written.
    unsafe {
        asm!(
            "ldrb {0:w}, [{b}]",
            "ldrsb {1:w}, [{b}]",
            "ldrsb {2}, [{b}]",
            "ldr {3:w}, [{w}]",
            "ldrsw {4}, [{w}]",
            out(reg) ldrb, out(reg) ldrsb_w, out(reg) ldrsb_x, out(reg) ldr_w, out(reg) ldrsw,
            b = in(reg) byte, w = in(reg) word,
            options(nostack, readonly)
        )
    };
    Loads { ldrb, ldrsb_w, ldrsb_x, ldr_w, ldrsw }
}

/// Writes PMCR_EL0 (trapped by the kernel outside benchmark builds).
pub fn write_pmcr(value: u64) {
    // SAFETY: a system register write; it traps or changes only this vCPU's PMU.
    unsafe { asm!("msr pmcr_el0, {0}", in(reg) value, options(nostack)) };
}

/// Reads TRCIDR0, the trace unit's first ID register (op0=2, op1=1, CRn=0,
/// CRm=8, op2=7), by its generic encoding: trapped by the kernel
/// (CPTR_EL2.TTA), so a domain never reaches the trace unit.
pub fn read_trcidr0() -> u64 {
    let value: u64;
    // SAFETY: a system register read with no side effects on memory; it
    // traps to the kernel (or is UNDEFINED without a trace unit).
    unsafe { asm!("mrs {0}, s2_1_c0_c8_7", out(reg) value, options(nomem, nostack)) };
    value
}

/// `smc #0` with function `function` (trapped by the kernel: HCR_EL2.TSC).
pub fn smc(function: u32) -> u64 {
    let ret: u64;
    // SAFETY: `smc` traps to the kernel, which answers in x0 or stops the domain.
    unsafe { asm!("smc #0", inlateout("x0") u64::from(function) => ret, options(nostack)) };
    ret
}

/// CNTV_CTL_EL0 of this vCPU.
pub fn vtimer_ctl() -> u64 {
    let ctl: u64;
    // SAFETY: reads this vCPU's own virtual timer control.
    unsafe { asm!("mrs {0}, cntv_ctl_el0", out(reg) ctl, options(nomem, nostack)) };
    ctl
}

/// Arms this vCPU's virtual timer far in the future, interrupt masked.
pub fn arm_vtimer() {
    // SAFETY: programs this vCPU's own virtual timer.
    unsafe {
        asm!("msr cntv_cval_el0, {0}", "msr cntv_ctl_el0, {1}", in(reg) u64::MAX, in(reg) 1u64, options(nostack))
    };
}

/// ID_AA64PFR0_EL1 read into x3 and into x20 (the kernel emulates the
/// read; x20 is callee-saved and reached by a different kernel path).
pub fn id_aa64pfr0_via_x3_and_x20() -> (u64, u64) {
    let (low, high): (u64, u64);
    // SAFETY: ID register reads (trapped and emulated by the kernel).
    unsafe {
        asm!("mrs x3, id_aa64pfr0_el1", "mrs x20, id_aa64pfr0_el1", out("x3") low, out("x20") high, options(nomem, nostack));
    }
    (low, high)
}

/// The virtual counter and its frequency.
pub fn counter() -> (u64, u64) {
    let (count, freq): (u64, u64);
    // SAFETY: reads the virtual counter and its frequency.
    unsafe {
        asm!("isb", "mrs {0}, cntvct_el0", "mrs {1}, cntfrq_el0", out(reg) count, out(reg) freq, options(nomem, nostack))
    };
    (count, freq)
}

/// The virtual counter's advance across a loop of exactly
/// `2 * iterations` instructions (`subs` and `b.ne` per pass; `iterations`
/// must be at least 1), plus a constant: the `mov` before the loop and the
/// `isb` and `mrs` after it. Under QEMU `-icount shift=0` on `-cpu max` the
/// counter ticks once per instruction executed, so two calls differ by
/// exactly twice the difference of their `iterations`: the benchmarks'
/// proof that `-icount` is in force (any other clock makes the difference
/// follow host time instead).
pub fn known_loop_ticks(iterations: u64) -> u64 {
    let (before, after): (u64, u64);
    // SAFETY: reads the virtual counter around a register-only loop; no
    // memory is touched.
    unsafe {
        asm!(
            "isb",
            "mrs {before}, cntvct_el0",
            "mov {n}, {iterations}",
            "2:",
            "subs {n}, {n}, #1",
            "b.ne 2b",
            "isb",
            "mrs {after}, cntvct_el0",
            before = out(reg) before,
            after = out(reg) after,
            n = out(reg) _,
            iterations = in(reg) iterations.max(1),
            options(nomem, nostack)
        )
    };
    after.wrapping_sub(before)
}

/// The PMU, for the benchmark domain (benchmark kernels only).
pub mod pmu {
    use core::arch::asm;

    /// Programs event counters 0, 1 and 2 with `types` (PMEVTYPERn_EL0)
    /// and enables them.
    pub fn start(types: [u64; 3]) {
        // SAFETY: programs this vCPU's own PMU counters 0..2 and enables them.
        unsafe {
            asm!(
                "msr pmevtyper0_el0, {t0}",
                "msr pmevtyper1_el0, {t1}",
                "msr pmevtyper2_el0, {t2}",
                "msr pmcntenset_el0, {three}",
                "mrs {t}, pmcr_el0",
                "orr {t}, {t}, #1",
                "msr pmcr_el0, {t}",
                "isb",
                t0 = in(reg) types[0],
                t1 = in(reg) types[1],
                t2 = in(reg) types[2],
                three = in(reg) 0b111u64,
                t = out(reg) _,
                options(nostack)
            );
        }
    }

    /// Counters 0 and 1 across one `hvc #0` with `function` in x0 (which
    /// must return only in x0): (delta 0, delta 1).
    pub fn across_hvc(function: u64) -> (u64, u64) {
        across_hvc_with(function, 0)
    }

    /// As [`across_hvc`], with `arg` in x1.
    pub fn across_hvc_with(function: u64, arg: u64) -> (u64, u64) {
        let (a0, a1, b0, b1): (u64, u64, u64, u64);
        // SAFETY: reads this vCPU's PMU counters around one `hvc`, which
        // clobbers only x0.
        unsafe {
            asm!(
                "isb",
                "mrs {a0}, pmevcntr0_el0",
                "mrs {a1}, pmevcntr1_el0",
                "hvc #0",
                "mrs {b1}, pmevcntr1_el0",
                "mrs {b0}, pmevcntr0_el0",
                a0 = out(reg) a0, a1 = out(reg) a1, b0 = out(reg) b0, b1 = out(reg) b1,
                inout("x0") function => _,
                in("x1") arg,
                options(nostack)
            );
        }
        (b0.wrapping_sub(a0), b1.wrapping_sub(a1))
    }

    /// Counter 0 (EL2 instructions on this vCPU's pCPU).
    pub fn counter0() -> u64 {
        let v: u64;
        // SAFETY: reads this vCPU's PMU counter 0.
        unsafe { asm!("isb", "mrs {0}, pmevcntr0_el0", out(reg) v, options(nomem, nostack)) };
        v
    }

    /// Counter 1 (instructions at every level).
    pub fn counter1() -> u64 {
        let v: u64;
        // SAFETY: reads this vCPU's PMU counter 1.
        unsafe { asm!("isb", "mrs {0}, pmevcntr1_el0", out(reg) v, options(nomem, nostack)) };
        v
    }

    /// The same reads with nothing in between: the measurement's own cost.
    pub fn across_nothing() -> (u64, u64) {
        let (a0, a1, b0, b1): (u64, u64, u64, u64);
        // SAFETY: reads this vCPU's PMU counters.
        unsafe {
            asm!(
                "isb",
                "mrs {a0}, pmevcntr0_el0",
                "mrs {a1}, pmevcntr1_el0",
                "mrs {b1}, pmevcntr1_el0",
                "mrs {b0}, pmevcntr0_el0",
                a0 = out(reg) a0, a1 = out(reg) a1, b0 = out(reg) b0, b1 = out(reg) b1,
                options(nostack)
            );
        }
        (b0.wrapping_sub(a0), b1.wrapping_sub(a1))
    }

    /// Counter 2.
    pub fn counter2() -> u64 {
        let v: u64;
        // SAFETY: reads this vCPU's PMU counter 2.
        unsafe { asm!("isb", "mrs {0}, pmevcntr2_el0", out(reg) v, options(nomem, nostack)) };
        v
    }
}

/// The virtual GIC CPU interface, polled (no vectors): for a domain that
/// generates and takes interrupts with IRQs masked (the interrupt-storm
/// test).
pub mod gic_poll {
    use core::arch::asm;

    /// Enables this vCPU's Group 1 virtual interrupts at the CPU interface:
    /// system-register access, priority mask open, Group 1 on.
    pub fn init_cpu() {
        // SAFETY: configures this vCPU's own (virtual) GIC CPU interface.
        unsafe {
            asm!(
                "mrs {t}, icc_sre_el1", "orr {t}, {t}, #1", "msr icc_sre_el1, {t}", "isb",
                "mov {t}, #0xff", "msr icc_pmr_el1, {t}",
                "mov {t}, #1", "msr icc_igrpen1_el1, {t}", "isb",
                t = out(reg) _, options(nomem, nostack)
            )
        };
    }

    /// Writes ICC_SGI1R_EL1 (trapped by the kernel, which sends the SGI).
    pub fn send_sgi1r(value: u64) {
        // SAFETY: generates an SGI; no memory is touched.
        unsafe { asm!("msr icc_sgi1r_el1, {0}", "isb", in(reg) value, options(nomem, nostack)) };
    }

    /// Acknowledges the highest-priority pending interrupt (1023: none).
    pub fn acknowledge() -> u32 {
        let v: u64;
        // SAFETY: reads ICC_IAR1_EL1 (the virtual interface's); acknowledging
        // changes only this vCPU's interrupt state.
        unsafe { asm!("mrs {0}, icc_iar1_el1", out(reg) v, options(nomem, nostack)) };
        (v & 0xff_ffff) as u32
    }

    /// Ends (and deactivates) `intid`.
    pub fn end(intid: u32) {
        // SAFETY: writes ICC_EOIR1_EL1 for an interrupt this vCPU acknowledged.
        unsafe { asm!("msr icc_eoir1_el1, {0}", in(reg) u64::from(intid), options(nomem, nostack)) };
    }
}

/// The semihosting `SYS_EXIT` call (`hlt #0xf000`, x0 = 0x18, x1 -> the
/// parameter block) asking the host to end the run with `code` (hostile
/// tests: QEMU serves semihosting at EL1 when started with `-semihosting`,
/// which no Bulkhead run is; without it `hlt` is an undefined instruction
/// and the domain takes it at its own EL1 vector).
pub fn semihosting_exit(code: u64) {
    /// ADP_Stopped_ApplicationExit: "exit with this status".
    const APPLICATION_EXIT: u64 = 0x2_0026;
    /// SYS_EXIT operation number.
    const SYS_EXIT: u64 = 0x18;
    let block = [APPLICATION_EXIT, code];
    // SAFETY: the call only reads the two-word block on this stack frame;
    // without a semihosting host it is an undefined instruction, taken by
    // this domain's own exception vector.
    unsafe { asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack)) };
}
