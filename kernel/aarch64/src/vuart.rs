// SPDX-License-Identifier: MIT
//! Each domain's emulated PL011 console UART (the board's `console` of a
//! domain: an IPA its stage-2 tables leave unmapped, and a virtual SPI).
//! Accesses trap as stage-2 data aborts and are served by the model in
//! `kernel_core::vuart`, one per domain behind a lock; what the domain
//! transmits goes to its console lines (`console::output`), typed input
//! comes from `console::physical_input`.
//!
//! Owns: the models, the input typed for each and not yet taken (up to
//! [`HELD_INPUT`] bytes: the receive FIFO gets what it has room for, and
//! more after each access of the domain to its UART, so a pasted line is
//! not cut at the FIFO's depth; beyond that input is dropped), their reset
//! (a domain restarted since its UART was last touched gets a fresh one:
//! the slot remembers the generation), and
//! the level of each UART's interrupt line, re-evaluated on every access
//! and input: while high it is made pending for the vCPU the domain routed
//! it to (the vGIC merges a pending duplicate, and queues one behind an
//! active instance, so a line still high after the guest's EOI fires
//! again); when low, a copy still waiting in the queue is withdrawn. The
//! interrupt exists only in the domain's virtual GIC, never on the
//! physical one. Must not: decide what a register access means (the model
//! does) or touch the hardware. No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::percpu::{NO_DOMAIN, PCPUS};
use crate::vgic::MmioOutcome;
use crate::world::{self, DOMAINS};
use bulkhead_bootcfg::{MAX_DOMAINS, VirtualConsole};
use core::sync::atomic::Ordering;
use heapless::Deque;
use kernel_core::vgic::MmioAccess;
use kernel_core::vuart::{VUART_SIZE, VirtualUart};
use spin::Mutex;

/// Typed bytes held for a domain whose receive FIFO is full.
const HELD_INPUT: usize = 256;

/// One domain's UART, its held input and the domain generation they
/// belong to.
struct Slot {
    uart: VirtualUart,
    held: Deque<u8, HELD_INPUT>,
    generation: u32,
}

impl Slot {
    /// The UART, reset first (held input dropped) if the domain restarted
    /// since it was used.
    fn uart(&mut self, d: usize) -> &mut VirtualUart {
        let generation = DOMAINS.get(d).map_or(0, |s| s.generation.load(Ordering::Acquire));
        if generation != self.generation {
            self.uart.reset();
            self.held.clear();
            self.generation = generation;
        }
        &mut self.uart
    }

    /// Moves held input into the receive FIFO as far as it has room;
    /// returns the line level.
    fn top_up(&mut self, d: usize) -> bool {
        let room = self.uart(d).rx_room();
        let mut chunk = [0u8; kernel_core::vuart::RX_FIFO_DEPTH];
        let mut n = 0;
        for slot in chunk.iter_mut().take(room) {
            let Some(byte) = self.held.pop_front() else { break };
            *slot = byte;
            n += 1;
        }
        self.uart.receive(chunk.get(..n).unwrap_or(&[]))
    }
}

static UARTS: [Mutex<Slot>; MAX_DOMAINS] =
    [const { Mutex::new(Slot { uart: VirtualUart::new(), held: Deque::new(), generation: 0 }) }; MAX_DOMAINS];

/// Domain `d`'s emulated console, if it has one.
pub fn console_of(d: usize) -> Option<VirtualConsole> {
    world::world().config.domains.get(d).and_then(|dom| dom.console)
}

/// A stage-2 data abort of the vCPU on pCPU `p` that may be an access to
/// its domain's console UART.
pub fn mmio(p: usize, access: MmioAccess, value: u64) -> MmioOutcome {
    let d = PCPUS[p].domain.load(Ordering::Relaxed);
    let Some(console) = console_of(d).filter(|_| d != NO_DOMAIN) else { return MmioOutcome::NotGic };
    let Some(offset) = access.ipa.checked_sub(console.ipa.raw()).filter(|&off| off < VUART_SIZE) else {
        return MmioOutcome::NotGic;
    };
    let Some(slot) = UARTS.get(d) else { return MmioOutcome::NotGic };
    let (result, level) = {
        let mut slot = slot.lock();
        let result = slot.uart(d).access(offset, access.size, access.write, value as u32);
        let level = if slot.held.is_empty() { result.irq } else { slot.top_up(d) };
        (result, level)
    };
    if !result.output.is_empty() {
        crate::console::output(d, &result.output);
    }
    set_line(d, console.intid, level);
    if result.bad && world::note_denial(d) {
        let name = world::world().config.domains.get(d).map_or("?", |dom| dom.name.as_str());
        let vcpu = PCPUS[p].vcpu.load(Ordering::Relaxed);
        kprintln!(
            "ignored: domain {} vCPU {}: {}-byte UART access at {:#x} of the wrong size or alignment",
            name,
            vcpu,
            access.size,
            access.ipa
        );
    }
    MmioOutcome::Done(u64::from(result.value))
}

/// Bytes typed for domain `d` (the focused one): into its receive FIFO as
/// far as it has room, the rest held (beyond [`HELD_INPUT`], dropped).
pub fn receive(d: usize, bytes: &[u8]) {
    let (Some(console), Some(slot)) = (console_of(d), UARTS.get(d)) else { return };
    let level = {
        let mut slot = slot.lock();
        let _ = slot.uart(d);
        for &b in bytes {
            let _ = slot.held.push_back(b);
        }
        slot.top_up(d)
    };
    set_line(d, console.intid, level);
}

fn set_line(d: usize, intid: u32, high: bool) {
    if high {
        crate::vgic::pend_line(d, intid);
    } else {
        crate::vgic::withdraw_line(d, intid);
    }
}
