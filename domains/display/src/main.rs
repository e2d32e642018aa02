// SPDX-License-Identifier: MIT
//! `display`: the display driver domain. It owns the virtio-gpu (2D, one
//! scanout per connector: QEMU's `max_outputs=2`, connector 0 the
//! cluster's screen, connector 1 the centre display) through
//! `bulkhead_virtio_gpu_heads`, composes what its clients show by the
//! policy in its board-file `params` (`bulkhead_display_core::params`),
//! and serves each client over its channel `display-<client>`
//! (`bulkhead_display_core::Session`). All decisions are in
//! `bulkhead_display_core`, whose host harness is this domain's evidence;
//! this file is the loop around it:
//!
//! 1. on a doorbell, each session follows its channel's epoch and serves
//!    its client's requests (a SET_CONFIG or PG_FLIP copies the client's
//!    pixels into the backend's shadow at once);
//! 2. each connector with damage is composed into its scanout buffer, the
//!    damaged rectangle is transferred and flushed to the GPU (when the
//!    flush returns, it has reached the scanout), then the frame's
//!    flip-done events and any protected-region mismatch go out;
//! 3. it rings the doorbells of the clients it wrote to, and sleeps.
//!
//! `crash=<n>` (test boards only) makes the first life panic once
//! connector 0 has shown `n` frames, so that its restart can be tested.
//!
//! It prints `display: frame <connector> <n>` for its first frames and
//! for every hundredth, so that tests can follow it, and
//! `display: MISMATCH ...` for every self-check failure.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod bench;

use alloc::vec;
use alloc::vec::Vec;
use bulkhead_display::Event;
use bulkhead_display_core::compose::Scanout;
use bulkhead_display_core::{Backend, LAYOUT, Params};
use bulkhead_virtio_gpu_heads::{GpuHeads, Rect};
use bulkhead_virtio_hal::{IdentityHal, transport};
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering::SeqCst};
use domain_rt::caps;
use domain_rt::{Boot, Console, gic, irq};
use domain_serve::Clients;
use virtio_drivers::transport::mmio::MmioTransport;

domain_rt::entry!(main);

/// The doorbell SGI.
const DOORBELL_SGI: u32 = 1;
/// The GPU, by its board-file name.
const GPU: &str = "gpu";

static WOKEN: AtomicBool = AtomicBool::new(false);

fn on_irq(intid: u32) {
    if intid == DOORBELL_SGI {
        WOKEN.store(true, SeqCst);
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
        Err(e) => fail!("display: bad params: {e:?}"),
    };
    if params.extra("bench") == Some("1") && boot.restarts == 0 {
        domain_benchkit::report_icount_proof();
        bench::compose_against_memcpy();
    }
    irq::install(on_irq);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(DOORBELL_SGI, 0);

    let Some(info) = caps::device(GPU) else { fail!("display: no device {GPU} in the capability table") };
    let mmio = match transport(info.ipa, info.size) {
        Ok(t) => t,
        Err(e) => fail!("display: no virtio-mmio transport at {:#x}: {e:?}", info.ipa),
    };
    let mut gpu: GpuHeads<IdentityHal, MmioTransport<'static>> = match GpuHeads::new(mmio) {
        Ok(g) => g,
        Err(e) => fail!("display: virtio-gpu refused: {e:?}"),
    };
    let connectors = params.policy.connectors.len();
    if (gpu.scanouts() as usize) < connectors {
        fail!("display: the GPU has {} scanouts, the policy {connectors} connectors", gpu.scanouts());
    }
    // The scanout buffers, given to the device by their physical address
    // (`dma = true`: `domain_rt::dma`).
    let mut scanouts: Vec<Vec<u8>> = Vec::new();
    for (n, c) in params.policy.connectors.iter().enumerate() {
        let buffer = vec![0u8; c.width as usize * c.height as usize * 4];
        let scanout = u32::try_from(n).unwrap_or(u32::MAX);
        if let Err(e) = gpu.attach_scanout(
            scanout,
            (c.width, c.height),
            domain_rt::dma::device_address(buffer.as_ptr() as u64),
            buffer.len(),
        ) {
            fail!("display: scanout {n}: {e:?}");
        }
        scanouts.push(buffer);
    }
    let mut backend = match Backend::new(params.policy.clone()) {
        Ok(b) => b,
        Err(e) => fail!("display: bad policy: {e:?}"),
    };

    let mut clients = match Clients::connect(&mut backend, "display", params.clients.iter().copied(), LAYOUT) {
        Ok(c) => c,
        Err(e) => fail!("display: clients: {e:?}"),
    };
    let _ = writeln!(
        Console,
        "display: ready (life {}): {connectors} connectors, {} clients",
        boot.restarts + 1,
        clients.len()
    );
    let crash_at: Option<u64> = params.extra("crash").and_then(|n| n.parse().ok()).filter(|_| boot.restarts == 0);
    let mut frames = [0u64; 4];
    irq::enable();
    loop {
        if let Err(e) = clients.serve(&mut backend) {
            fail!("display: {e:?}");
        }
        for c in 0..connectors {
            let connector = u8::try_from(c).unwrap_or(u8::MAX);
            if backend.damage(connector).is_none() {
                continue;
            }
            let (w, h) = params.policy.connectors.get(c).map_or((0, 0), |p| (p.width, p.height));
            let Some(buffer) = scanouts.get_mut(c) else { continue };
            let Some(mut scanout) = Scanout::new(w, h, buffer) else {
                fail!("display: scanout {c} has the wrong size")
            };
            let frame = match backend.compose(connector, &mut scanout) {
                Ok(Some(frame)) => frame,
                Ok(None) => continue,
                Err(e) => fail!("display: composing connector {c}: {e:?}"),
            };
            let d = frame.damage;
            let rect = Rect { x: d.x, y: d.y, width: d.width, height: d.height };
            if let Err(e) = gpu.flush(u32::from(connector), rect) {
                fail!("display: flushing connector {c}: {e:?}");
            }
            if let Some(n) = frames.get_mut(c) {
                *n += 1;
                if *n <= 3 || *n % 100 == 0 {
                    let _ = writeln!(Console, "display: frame {c} {n}");
                }
                if c == 0 && Some(*n) == crash_at {
                    if params.extra("bench") == Some("1") {
                        domain_benchkit::report("display_crash_at", domain_rt::timer::counter());
                    }
                    panic!("crash requested at frame {n}");
                }
            }
            for (owner, event) in frame.mismatches {
                if let Event::ProtectedRegionMismatch { region, expected, found, .. } = event {
                    let _ = writeln!(
                        Console,
                        "display: MISMATCH connector {c} region {region}: expected crc {expected:#010x}, found {found:#010x}"
                    );
                }
                clients.post(owner, event);
            }
            for (client, event) in backend.frame_shown(connector) {
                clients.post(client, event);
            }
        }
        // Flush what the frames posted.
        if let Err(e) = clients.serve(&mut backend) {
            fail!("display: {e:?}");
        }
        clients.ring();
        let busy = (0..connectors).any(|c| backend.damage(u8::try_from(c).unwrap_or(0)).is_some());
        if !busy {
            irq::wait_until(|| WOKEN.swap(false, SeqCst));
            caps::pending();
        }
    }
}
