// SPDX-License-Identifier: MIT
//! `sound`: the sound driver domain. It owns the virtio-sound device
//! (`bulkhead_virtio_snd_hal`, through [`output`]), mixes what its clients play by
//! the policy in its board-file `params` (`bulkhead_sound_core::params`),
//! and serves each client over its channel `sound-<client>`
//! (`bulkhead_sound_core::Session`). All decisions are in
//! `bulkhead_sound_core`, whose host harness is this domain's evidence;
//! this file is the loop around it:
//!
//! 1. on a doorbell, each session follows its channel's epoch and serves
//!    its client's requests (a WRITE copies the client's PCM into its
//!    stream's FIFO at once);
//! 2. for each period the device has finished, one period is mixed
//!    (`Backend::mix`) and queued on the device; its position and underrun
//!    events go to their clients' event rings;
//! 3. it rings the doorbells of the clients it wrote to, and sleeps until
//!    the device or a client interrupts.
//!
//! If the device has an input stream, it is kept capturing, and each
//! captured period goes to the backend (`Backend::capture`: the capture
//! client's running capture streams). A device without one captures
//! nothing: the domain offers no capture stream and answers a capture OPEN
//! with `NoDevice` (`Backend::set_capture`), never with invented silence.
//!
//! `crash=<n>` (test boards only) makes the first life panic after `n`
//! device periods, so that its restart can be tested; `bench=1` reports
//! the figures of [`bench`].
//!
//! It prints `sound: period <n>` for its first periods and every
//! hundredth, so that tests can follow it.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod bench;
mod output;

use bulkhead_sound_core::{Backend, LAYOUT, Params};
use bulkhead_virtio_hal::transport;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use domain_rt::caps;
use domain_rt::{Boot, Console, gic, irq, timer};
use domain_serve::Clients;
use output::{IN_FLIGHT, Output, PERIOD_BYTES};

domain_rt::entry!(main);

/// The doorbell SGI.
const DOORBELL_SGI: u32 = 1;
/// The sound device, by its board-file name.
const DEVICE: &str = "snd";
/// Woken by a doorbell.
const BY_DOORBELL: u32 = 1;
/// Woken by the device.
const BY_DEVICE: u32 = 2;

/// What woke the domain since the loop last looked.
static WOKEN: AtomicU32 = AtomicU32::new(0);
/// The device's INTID (0: none).
static DEVICE_INTID: AtomicU32 = AtomicU32::new(0);

/// Notes what woke the domain. The device's line stays up until the
/// device is acknowledged, so the handler masks it at the GIC; the loop
/// acknowledges the device and unmasks it.
fn on_irq(intid: u32) {
    if intid == DOORBELL_SGI {
        WOKEN.fetch_or(BY_DOORBELL, SeqCst);
    } else if intid != 0 && intid == DEVICE_INTID.load(SeqCst) {
        gic::disable(intid, 0);
        WOKEN.fetch_or(BY_DEVICE, SeqCst);
    }
}

macro_rules! fail {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
        return;
    }};
}

fn main(boot: Boot) {
    let mut text = [0u8; 128];
    let params = match Params::parse(caps::params(&mut text)) {
        Ok(p) => p,
        Err(e) => fail!("sound: bad params: {e:?}"),
    };
    let bench = params.extra("bench") == Some("1");
    if bench && boot.restarts == 0 {
        domain_benchkit::report_icount_proof();
        bench::mix_against_memcpy();
    }
    irq::install(on_irq);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(DOORBELL_SGI, 0);

    let Some(info) = caps::device(DEVICE) else { fail!("sound: no device {DEVICE} in the capability table") };
    let Ok(mmio) = transport(info.ipa, info.size) else { fail!("sound: no virtio-mmio transport at {:#x}", info.ipa) };
    if let Err(e) = Output::drain_stale(mmio, 100) {
        fail!("sound: could not drain the device's stale periods: {e:?}");
    }
    let mmio = match transport(info.ipa, info.size) {
        Ok(t) => t,
        Err(e) => fail!("sound: no virtio-mmio transport at {:#x}: {e:?}", info.ipa),
    };
    let mut output = match Output::new(mmio) {
        Ok(o) => o,
        Err(e) => fail!("sound: virtio-sound refused: {e:?}"),
    };
    if info.end != 0 {
        DEVICE_INTID.store(info.end, SeqCst);
        gic::enable(info.end, 0);
    }
    let mut backend = match Backend::new(params.policy.clone()) {
        Ok(b) => b,
        Err(e) => fail!("sound: bad policy: {e:?}"),
    };
    // A device without an input stream captures nothing: capture refused.
    backend.set_capture(output.captures());

    let mut clients = match Clients::connect(&mut backend, "sound", params.clients.iter().copied(), LAYOUT) {
        Ok(c) => c,
        Err(e) => fail!("sound: clients: {e:?}"),
    };
    let _ = writeln!(
        Console,
        "sound: ready (life {}): device stream {}, capture {}, {} clients",
        boot.restarts + 1,
        output.stream(),
        if output.captures() { "yes" } else { "no" },
        clients.len()
    );
    let crash_at: Option<u64> = params.extra("crash").and_then(|n| n.parse().ok()).filter(|_| boot.restarts == 0);
    let mut period = alloc::vec![0u8; PERIOD_BYTES];
    let mut periods = 0u64;
    let mut lost_events = 0u64;
    let mut heard = 0u64;
    let mut chime_heard = false;
    irq::enable();
    loop {
        if let Err(e) = clients.serve(&mut backend) {
            fail!("sound: {e:?}");
        }
        if let Err(e) = output.reap() {
            fail!("sound: the device failed a period: {e:?}");
        }
        // Keep IN_FLIGHT periods on the device: one new for each done.
        while output.queued() < IN_FLIGHT {
            for (client, event) in backend.mix(&mut period) {
                lost_events += u64::from(!clients.post(client, event));
            }
            if let Err(e) = output.submit(&period) {
                fail!("sound: the device refused a period: {e:?}");
            }
            periods += 1;
            if bench && backend.sounding(0) {
                // For `sound_period_latency_insns`: when the period that
                // carries client 0's k-th write goes to the device.
                heard += 1;
                let mut name: heapless::String<32> = heapless::String::new();
                let _ = write!(name, "sound_submit_at_{heard}");
                domain_benchkit::report(&name, timer::counter());
            }
            if !chime_heard && backend.sounding(0) {
                chime_heard = true;
                let now = timer::counter();
                let _ = writeln!(Console, "sound: client 0 heard at counter {now} (period {periods})");
                if bench {
                    domain_benchkit::report("sound_client0_heard_at", now);
                }
            }
            if periods <= 3 || periods.is_multiple_of(100) {
                let _ = writeln!(Console, "sound: period {periods} (events lost {lost_events})");
            }
            if Some(periods) == crash_at {
                let now = timer::counter();
                let _ = writeln!(Console, "sound: crash at counter {now}");
                if bench {
                    domain_benchkit::report("sound_crash_at", now);
                }
                panic!("crash requested at period {periods}");
            }
        }
        let captured = output.capture(|pcm| {
            for (client, event) in backend.capture(pcm) {
                lost_events += u64::from(!clients.post(client, event));
            }
        });
        if let Err(e) = captured {
            fail!("sound: the device failed a capture period: {e:?}");
        }
        // Flush what the periods posted.
        if let Err(e) = clients.serve(&mut backend) {
            fail!("sound: {e:?}");
        }
        clients.ring();
        irq::wait_until(|| WOKEN.load(SeqCst) != 0);
        let woken = WOKEN.swap(0, SeqCst);
        if woken & BY_DOORBELL != 0 {
            caps::pending();
        }
        if woken & BY_DEVICE != 0 {
            output.ack();
            gic::enable(DEVICE_INTID.load(SeqCst), 0);
        }
    }
}
