// SPDX-License-Identifier: MIT
//! `dm-target`: the target side of the ioreq path's tests and benchmark.
//! Its board gives a device model (`dm-echo`) the range at `base=`; every
//! access there traps to the kernel, which hands it to the device model.
//!
//! - `mode=check` (default): reads the magic, writes and reads back the
//!   scratch register, reads another register as a byte, a word and
//!   sign-extended, and checks each against `dm-echo`'s rules; prints
//!   `dm-target: ok: magic, scratch, byte and word loads` or
//!   `dm-target: FAIL: ...`; then, with `irq=<intid>`, asks the device
//!   for its interrupt (a write of 1 to `+0xc`), takes it, lowers the
//!   line (0 to `+0xc`) and prints `dm-target: ok: the device's
//!   interrupt <intid> arrived`; then, with `memory=1`, hands the device
//!   the address of 32 bytes of its RAM and reads back their FNV-1a as the
//!   device model read them, then an address outside its RAM, which the
//!   device model must refuse; prints `dm-target: ok: the device model
//!   read its RAM and refused an address outside it`;
//!   Then, with `dirty=0x<ipa>` (its device model's tracked range, 16
//!   pages at least), writes pages 0, 3 and 15 of it and asks the device
//!   model for the dirty pages (`+0x28`, `+0x30`): exactly those; again:
//!   none; writes page 3 again: page 3 only; has the device model mark
//!   page 5 (`+0x38`): page 5 only; has it mark page 4096, which must be
//!   refused; prints `dm-target: ok: dirty pages 0x8009, none, 0x8, the
//!   device model's 0x20, and page 4096 refused`;
//! - `mode=silent`: its device model never answers: prints
//!   `dm-target: reading a device whose model is silent`, then reads; the
//!   read must fail as a bus error (this domain's own EL1 exception
//!   vector reports a synchronous external abort, and it panics);
//! - `mode=bench`: the icount proof, then `ioreq_roundtrip_ticks`: the
//!   median of 21 trapped reads, each answered by the device model
//!   (`domain_benchkit`), and `kernel_emulated_read_ticks`: the same of a
//!   register the kernel emulates itself (its vGIC's GICD_TYPER), then
//!   `dm-target: bench done`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use core::sync::atomic::{AtomicU32, Ordering};
use domain_rt::{Console, caps, gic, irq, probe, timer};

domain_rt::entry!(main);

/// `dm-echo`'s magic.
const MAGIC: u32 = 0x7472_6976;

fn param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key))
}

/// The INTID of the last interrupt taken.
static TAKEN: AtomicU32 = AtomicU32::new(0);

fn on_irq(intid: u32) {
    TAKEN.store(intid, Ordering::SeqCst);
}

fn main(_boot: domain_rt::Boot) {
    // The runtime's exception vectors, so that a bus error is reported.
    irq::install(on_irq);
    let mut text = [0u8; 96];
    let params = caps::params(&mut text);
    let Some(base) = param(params, "base=0x").and_then(|b| u64::from_str_radix(b, 16).ok()) else {
        let _ = writeln!(Console, "dm-target: FAIL: no base=0x... in params");
        return;
    };
    match param(params, "mode=").unwrap_or("check") {
        "silent" => {
            let _ = writeln!(Console, "dm-target: reading a device whose model is silent");
            let value = probe::read_u32(base);
            let _ = writeln!(Console, "dm-target: FAIL: the read returned {value:#x}");
        }
        "bench" => bench(base),
        _ => {
            if check(base) {
                if let Some(intid) = param(params, "irq=").and_then(|i| i.parse().ok()) {
                    interrupt(base, intid);
                }
                if param(params, "memory=") == Some("1") {
                    memory(base);
                }
                if let Some(vram) = param(params, "dirty=0x").and_then(|v| u64::from_str_radix(v, 16).ok()) {
                    dirty(base, vram);
                }
            }
        }
    }
}

/// 32 bytes the device model reads out of this domain's RAM.
static SHOWN: [u8; 32] = *b"descriptors are allegations, 32B";

/// Hands the device model an address in its RAM, then one outside it.
fn memory(base: u64) {
    let address = SHOWN.as_ptr() as u64;
    probe::write_u64(base + 0x18, address);
    let digest = probe::read_u64(base + 0x20);
    let want = SHOWN.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    if digest != want {
        let _ = writeln!(Console, "dm-target: FAIL: the device model read {digest:#x} at {address:#x}, want {want:#x}");
        return;
    }
    probe::write_u64(base + 0x18, 0x1000);
    let refused = probe::read_u64(base + 0x20);
    if refused != u64::MAX {
        let _ = writeln!(Console, "dm-target: FAIL: an address outside this RAM gave {refused:#x}");
        return;
    }
    let _ = writeln!(Console, "dm-target: ok: the device model read its RAM and refused an address outside it");
}

/// The dirty pages of the tracked range at `vram`, as the device model
/// reports them.
fn dirty(base: u64, vram: u64) {
    let harvest = || {
        probe::write_u32(base + 0x28, 1);
        probe::read_u64(base + 0x30)
    };
    let write_page = |page: u64, value: u32| probe::write_u32(vram + page * 4096 + 0x100, value);
    let first = harvest();
    for page in [0, 3, 15] {
        write_page(page, 0x1000 + page as u32);
    }
    let written = harvest();
    let quiet = harvest();
    write_page(3, 0x2003);
    let again = harvest();
    probe::write_u64(base + 0x38, 5);
    let modified = harvest();
    probe::write_u64(base + 0x38, 4096);
    let refused = probe::read_u64(base + 0x40);
    let kept = [0, 3, 15].map(|page| probe::read_u32(vram + page * 4096 + 0x100));
    let checks = [
        ("before any write", first, 0),
        ("after pages 0, 3, 15", written, 0x8009),
        ("with nothing written since", quiet, 0),
        ("after page 3 again", again, 0x8),
        ("after the device model's page 5", modified, 0x20),
        (
            "the written values",
            u64::from(kept[0]) | u64::from(kept[1]) << 16 | u64::from(kept[2]) << 32,
            0x100f_2003_1000,
        ),
    ];
    for (what, got, want) in checks {
        if got != want {
            let _ = writeln!(Console, "dm-target: FAIL: dirty pages {what}: {got:#x}, want {want:#x}");
            return;
        }
    }
    if (refused as i64) >= 0 {
        let _ = writeln!(Console, "dm-target: FAIL: marking page 4096 gave {refused:#x}");
        return;
    }
    let _ = writeln!(
        Console,
        "dm-target: ok: dirty pages 0x8009, none, 0x8, the device model's 0x20, and page 4096 refused"
    );
}

/// Asks the device for its interrupt and waits for it (1 s at most).
fn interrupt(base: u64, intid: u32) {
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(intid, 0);
    irq::enable();
    probe::write_u32(base + 0xc, 1);
    let deadline = timer::counter() + timer::frequency();
    while TAKEN.load(Ordering::SeqCst) != intid && timer::counter() < deadline {
        core::hint::spin_loop();
    }
    probe::write_u32(base + 0xc, 0);
    let taken = TAKEN.load(Ordering::SeqCst);
    if taken == intid {
        let _ = writeln!(Console, "dm-target: ok: the device's interrupt {intid} arrived");
    } else {
        let _ = writeln!(Console, "dm-target: FAIL: no interrupt {intid} within 1 s (last taken: {taken})");
    }
}

fn check(base: u64) -> bool {
    let magic = probe::read_u32(base);
    probe::write_u64(base + 8, 0x1234_5678_9abc_def0);
    let scratch = probe::read_u64(base + 8);
    let other = base + 0x10;
    let expected = other ^ 0x5a5a;
    // Byte and word loads of `other`, zero- and sign-extended.
    let loads = probe::loads(other, other);
    let byte = expected & 0xff;
    let word = expected & 0xffff_ffff;
    let sign_byte = if byte & 0x80 != 0 { byte | !0xff } else { byte };
    let checks = [
        ("magic", u64::from(magic), u64::from(MAGIC)),
        ("scratch", scratch, 0x1234_5678_9abc_def0),
        ("ldrb", loads.ldrb, byte),
        ("ldrsb x", loads.ldrsb_x, sign_byte),
        ("ldr w", loads.ldr_w, word),
    ];
    for (what, got, want) in checks {
        if got != want {
            let _ = writeln!(Console, "dm-target: FAIL: {what}: read {got:#x}, want {want:#x}");
            return false;
        }
    }
    let _ = writeln!(Console, "dm-target: ok: magic, scratch, byte and word loads");
    true
}

/// The GIC distributor's TYPER in the domain's address space: a register
/// the kernel emulates itself (its vGIC), for comparison.
const GICD_TYPER: u64 = 0x0800_0004;

fn bench(base: u64) {
    domain_benchkit::report_icount_proof();
    let median_of = |address: u64| {
        let mut samples = [0u64; 21];
        for s in &mut samples {
            let before = timer::counter();
            let _ = probe::read_u32(address);
            *s = timer::counter().saturating_sub(before);
        }
        domain_benchkit::median(&mut samples)
    };
    domain_benchkit::report("ioreq_roundtrip_ticks", median_of(base + 0x10));
    domain_benchkit::report("kernel_emulated_read_ticks", median_of(GICD_TYPER));
    let _ = writeln!(Console, "dm-target: bench done");
}
