// SPDX-License-Identifier: MIT
//! `dm-echo`: a device model for the ioreq path's tests and benchmark. It
//! registers an ioreq page for each target its board entry gives it and
//! emulates one small register block at each range:
//!
//! - `+0x0` (read): the magic 0x74726976 ("virt", as virtio-mmio's);
//! - `+0x8` (read and write): a scratch register: reads give the last
//!   value written;
//! - `+0xc` (write): the device's interrupt line, if its board entry
//!   gives it one: 1 raises it, 0 lowers it;
//! - `+0x18` (write): a guest address in the target's RAM, if its board
//!   entry gives it the target's memory: the 32 bytes there are read
//!   (the address checked against the target's RAM first);
//! - `+0x20` (read): their FNV-1a 64, or `u64::MAX` if the address was
//!   outside the target's RAM (refused, nothing read);
//! - `+0x28` (write): takes the dirty pages of the target's tracked range
//!   (`vram` in the board entry; `DmTrackDirty`);
//! - `+0x30` (read): their bitmap (pages 0 to 63), or `u64::MAX` if the
//!   call failed;
//! - `+0x38` (write): page n of the tracked range was written by the
//!   device model (`DmModifiedMemory`);
//! - `+0x40` (read): that call's x0;
//! - any other offset (read): the address XOR 0x5a5a.
//!
//! `mode=answer` (default) answers every ioreq; `mode=silent` registers
//! its page and never answers (its targets' accesses must fail as bus
//! errors, and nothing else). In both modes it first makes two calls the
//! kernel must refuse and audit: a DMOP through a slot that grants it no
//! target, a completion of an ioreq nobody waits for, and a dirty-page
//! harvest through a slot that is no tracked range; it prints
//! `dm-echo: refused: <x0>` for each, and `dm-echo: FAIL: ...` if one
//! was not refused.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::dm::{self, IoreqPage};
use domain_rt::{Console, caps};

domain_rt::entry!(main);

/// The magic at `+0x0`.
const MAGIC: u64 = 0x7472_6976;
/// Targets served at most.
const MAX_TARGETS: usize = 4;

static PAGES: [IoreqPage; MAX_TARGETS] = [const { IoreqPage::new() }; MAX_TARGETS];

/// One target: its slot, range, vCPUs, scratch register and page.
struct Target {
    slot: u64,
    /// The slot of its interrupt, if it has one.
    irq: Option<u64>,
    /// Its RAM, if this device model may reach it.
    memory: Option<dm::TargetMemory>,
    /// What `+0x20` reads.
    digest: u64,
    /// Its tracked range's slot, if it has one.
    vram: Option<u64>,
    /// What `+0x30` and `+0x40` read.
    dirty: u64,
    modified: u64,
    base: u64,
    vcpus: usize,
    scratch: u64,
    page: &'static IoreqPage,
}

impl Target {
    /// The value a read of `address` returns; a write's effect.
    fn access(&mut self, address: u64, write: bool, data: u64) -> u64 {
        match (address.wrapping_sub(self.base), write) {
            (0x8, true) => {
                self.scratch = data;
                0
            }
            (0xc, true) => {
                if let Some(irq) = self.irq {
                    let status = dm::set_irq_level(irq, data != 0);
                    if status != 0 {
                        let _ = writeln!(Console, "dm-echo: FAIL: setting the interrupt line gave {status:#x}");
                    }
                }
                0
            }
            (0x18, true) => {
                let mut bytes = [0u8; 32];
                self.digest = match self.memory.map(|m| m.read(data, &mut bytes)) {
                    Some(Ok(())) => fnv1a(&bytes),
                    _ => u64::MAX,
                };
                0
            }
            (0x28, true) => {
                let mut bitmap = [0u8; 8];
                let status = self.vram.map_or(u64::MAX, |slot| dm::track_dirty(slot, &mut bitmap));
                self.dirty = if (status as i64) < 0 { u64::MAX } else { u64::from_le_bytes(bitmap) };
                0
            }
            (0x38, true) => {
                self.modified = self.vram.map_or(u64::MAX, |slot| dm::modified_memory(slot, data, 1));
                0
            }
            (_, true) => 0,
            (0x20, false) => self.digest,
            (0x30, false) => self.dirty,
            (0x40, false) => self.modified,
            (0x0, false) => MAGIC,
            (0x8, false) => self.scratch,
            (_, false) => address ^ 0x5a5a,
        }
    }
}

fn main(_boot: domain_rt::Boot) {
    let mut text = [0u8; 64];
    let silent = caps::params(&mut text).split_whitespace().any(|w| w == "mode=silent");
    let mut targets: [Option<Target>; MAX_TARGETS] = [const { None }; MAX_TARGETS];
    let caps = dm::DmCaps::read();
    for ((t, cell), page) in caps.targets.iter().zip(targets.iter_mut()).zip(PAGES.iter()) {
        let status = page.register(t.slot);
        if status != 0 {
            let _ = writeln!(Console, "dm-echo: FAIL: registering the ioreq page of slot {} gave {status:#x}", t.slot);
            return;
        }
        let vcpus = usize::try_from(dm::nr_vcpus(t.slot)).unwrap_or(0);
        let len = t.info.name.iter().position(|&b| b == 0).unwrap_or(t.info.name.len());
        let name = core::str::from_utf8(t.info.name.get(..len).unwrap_or(&[])).unwrap_or("?");
        let _ = writeln!(
            Console,
            "dm-echo: serving {name} at {:#x} ({vcpus} vCPUs){}",
            t.info.ipa,
            if silent { ", silently" } else { "" }
        );
        let irq = caps.irq(t.info.end, 0).map(|i| i.slot);
        let memory = caps.memory(t.info.end);
        let vram = caps.vrams.iter().find(|v| v.target == t.info.end).map(|v| v.slot);
        *cell = Some(Target {
            slot: t.slot,
            irq,
            memory,
            digest: 0,
            vram,
            dirty: 0,
            modified: 0,
            base: t.info.ipa,
            vcpus,
            scratch: 0,
            page,
        });
    }
    refusals(caps.targets.first().map_or(0, |t| t.slot));
    loop {
        caps::wait();
        if silent {
            continue;
        }
        for t in targets.iter_mut().flatten() {
            for vcpu in 0..t.vcpus {
                let Some(req) = t.page.take(vcpu) else { continue };
                let data = t.access(req.address, req.write != 0, req.data);
                let status = dm::complete(t.slot, req.vcpu, req.id, data);
                if status != 0 {
                    let _ = writeln!(Console, "dm-echo: FAIL: completing ioreq {} gave {status:#x}", req.id);
                }
            }
        }
    }
}

/// Two calls the kernel must refuse (and audit).
fn refusals(target_slot: u64) {
    // A slot that is no device-model capability (the last slot a domain
    // can have; this one has fewer).
    let not_a_target = dm::nr_vcpus(15);
    // An ioreq nobody waits for.
    let nobody = dm::complete(target_slot, 0, 0x3fff_fff0, 0);
    // Dirty pages through a target's slot, which is no tracked range.
    let not_tracked = dm::track_dirty(target_slot, &mut [0u8; 8]);
    for status in [not_a_target, nobody, not_tracked] {
        if (status as i64) < 0 {
            let _ = writeln!(Console, "dm-echo: refused: {status:#x}");
        } else {
            let _ = writeln!(Console, "dm-echo: FAIL: a call that must be refused returned {status:#x}");
        }
    }
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
