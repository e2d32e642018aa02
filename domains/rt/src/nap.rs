// SPDX-License-Identifier: MIT
//! How a client domain sleeps: on its channels' doorbell (SGI 1), or also
//! on a one-shot virtual-timer deadline when it waits for a driver domain
//! to take bytes it takes without ringing (the network domain's data
//! rings). [`Bell`] is the `bulkhead_ring::Port` a client library's
//! blocking calls wait through; [`asleep_ticks`] lets a benchmark take the
//! time asleep out of its spans.
//!
//! Owns the vCPU 0 interrupt handler and virtual timer of a domain that
//! calls [`init`]; must not touch any channel's window (client libraries
//! do). Not for a domain that installs its own handler.

use crate::caps::{self, ChannelEnd};
use crate::{gic, irq, timer};
use bulkhead_ring::Port;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

/// The doorbell SGI (as every driver domain rings it).
const DOORBELL_SGI: u32 = 1;

/// Counter ticks spent asleep so far (the benchmark subtracts them from
/// its spans: what is left is this domain's own work).
static ASLEEP: AtomicU64 = AtomicU64::new(0);

/// Counter ticks this domain has spent asleep so far.
pub fn asleep_ticks() -> u64 {
    ASLEEP.load(SeqCst)
}

/// Waits for an interrupt that sets [`RUNG`], counting the ticks asleep.
fn doze() {
    let before = timer::counter();
    irq::wait_until(|| RUNG.swap(false, SeqCst));
    ASLEEP.fetch_add(timer::counter().saturating_sub(before), SeqCst);
}

/// A doorbell or the timer interrupted since the last look.
static RUNG: AtomicBool = AtomicBool::new(false);

fn on_irq(intid: u32) {
    if intid == timer::INTID {
        timer::stop();
    }
    RUNG.store(true, SeqCst);
}

/// Takes the doorbell and the virtual timer's interrupts on vCPU 0.
pub fn init() {
    irq::install(on_irq);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(DOORBELL_SGI, 0);
    gic::enable(timer::INTID, 0);
    irq::enable();
}

fn ticks(ms: u64) -> u32 {
    u32::try_from(timer::frequency().saturating_mul(ms) / 1000).unwrap_or(u32::MAX).max(1)
}

/// Sleeps until a doorbell, or `ms` milliseconds at most if given.
pub fn sleep(ms: Option<u64>) {
    if let Some(ms) = ms {
        timer::arm_after_ticks(ticks(ms));
    }
    doze();
    caps::pending();
}

/// Sleeps `ms` milliseconds (doorbells meanwhile do not end it).
pub fn pause(ms: u64) {
    let until = timer::counter().saturating_add(u64::from(ticks(ms)));
    while timer::counter() < until {
        let left = until.saturating_sub(timer::counter());
        timer::arm_after_ticks(u32::try_from(left).unwrap_or(u32::MAX).max(1));
        doze();
    }
    caps::pending();
}

/// The channel end as the client's blocking calls wait on it: the
/// doorbell only.
pub struct Bell<'a>(pub &'a ChannelEnd);

impl Port for Bell<'_> {
    fn epoch(&self) -> u32 {
        self.0.epoch()
    }
    fn notify(&self) {
        self.0.notify();
    }
    fn wait(&self) {
        sleep(None);
    }
}
