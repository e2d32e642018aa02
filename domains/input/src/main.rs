// SPDX-License-Identifier: MIT
//! `input`: the input driver domain. It owns the virtio keyboard, tablet
//! and multi-touch devices (virtio-drivers over MMIO v2, RAM at IPA == PA
//! for their DMA), translates their evdev events into `bulkhead_input`
//! events (`bulkhead_input_core`, whose host harness is this domain's
//! certification evidence) and serves each client domain over its own
//! channel `input-<client>`, routing by the focus policy in its board-file
//! `params`:
//!
//! `clients=cluster,ivi keyboard=ivi pointer=ivi touch=ivi hw=cluster`
//!
//! (clients in order; who gets the keyboard, the pointer and touch at
//! start; who gets the hardware keys volume up/down and mute). Ctrl+Alt+F1
//! gives keyboard focus to the first client, Ctrl+Alt+F2 to the second.
//! `crash=<keycode>` (test boards) makes a press of that key crash the
//! domain on purpose, so that its restart can be tested.
//!
//! It sleeps in `wfi` between interrupts: its devices' SPIs and the
//! doorbell SGI (it enables SGI 1, so the kernel delivers doorbells through
//! its virtual GIC).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod bench;
mod params;

use bulkhead_input::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_input_core::evdev::codes::{
    KEY_F1, KEY_F2, KEY_LEFTALT, KEY_LEFTCTRL, KEY_MUTE, KEY_VOLUMEDOWN, KEY_VOLUMEUP,
};
use bulkhead_input_core::{Backend, DeviceConfig, Doorbells, FocusConfig, FocusSwitch, KeyRoute, RawEvent};
use bulkhead_ring::Link;
use bulkhead_virtio_hal::{IdentityHal, transport};
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console, gic, irq};
use virtio_drivers::device::input::{InputConfigSelect, VirtIOInput};
use virtio_drivers::transport::mmio::MmioTransport;

domain_rt::entry!(main);

/// The devices, by their board-file names, in backend index order.
const DEVICES: [&str; 3] = ["keyboard", "tablet", "touch"];
/// The doorbell SGI.
const DOORBELL_SGI: u32 = 1;
/// Events each client may have queued.
const QUEUE: usize = 64;

type Device = VirtIOInput<IdentityHal, MmioTransport<'static>>;

/// Interrupts seen since the main loop last looked (bit i: device i;
/// bit 31: a doorbell).
static WOKEN: AtomicU32 = AtomicU32::new(0);
/// Each device's INTID (0: none), for the handler.
static INTIDS: [AtomicU32; 3] = [const { AtomicU32::new(0) }; 3];
/// Counter value at the entry of each device's latest interrupt.
static ENTERED: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// The IRQ handler: notes what woke the domain. A device's interrupt is
/// level-sensitive (its line stays up until the driver acknowledges it in
/// the device), so the handler masks it at the GIC; the main loop
/// acknowledges the device, drains its events and unmasks it.
fn on_irq(intid: u32) {
    if intid == DOORBELL_SGI {
        WOKEN.fetch_or(1 << 31, SeqCst);
    }
    for (i, id) in INTIDS.iter().enumerate() {
        if id.load(SeqCst) == intid && intid != 0 {
            ENTERED[i].store(irq::entry_stamp(), SeqCst);
            gic::disable(intid, 0);
            WOKEN.fetch_or(1 << i, SeqCst);
        }
    }
}

fn probe(dev: &mut Device) -> DeviceConfig {
    DeviceConfig::probe(|select, subsel, out| {
        let select = match select {
            0x11 => InputConfigSelect::EvBits,
            0x12 => InputConfigSelect::AbsInfo,
            _ => return 0,
        };
        dev.query_config_select(select, subsel, out).map_or(0, usize::from)
    })
}

fn main(boot: Boot) {
    let mut text = [0u8; 128];
    let params = params::Params::parse(caps::params(&mut text));
    irq::install(on_irq);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(DOORBELL_SGI, 0);

    let mut devices: heapless::Vec<Device, 3> = heapless::Vec::new();
    let mut configs: heapless::Vec<DeviceConfig, 3> = heapless::Vec::new();
    for (i, name) in DEVICES.iter().enumerate() {
        let Some(info) = caps::device(name) else {
            let _ = writeln!(Console, "no device {name} in the capability table");
            return;
        };
        let mut dev = match transport(info.ipa, info.size).map(Device::new) {
            Ok(Ok(dev)) => dev,
            Ok(Err(e)) => {
                let _ = writeln!(Console, "{name}: virtio-input refused: {e:?}");
                return;
            }
            Err(e) => {
                let _ = writeln!(Console, "{name}: no virtio-mmio transport at {:#x}: {e:?}", info.ipa);
                return;
            }
        };
        let config = probe(&mut dev);
        if info.end != 0 {
            INTIDS[i].store(info.end, SeqCst);
            gic::enable(info.end, 0);
        }
        let _ = configs.push(config);
        let _ = devices.push(dev);
    }

    let mut ends: heapless::Vec<ChannelEnd, 4> = heapless::Vec::new();
    for client in params.clients.iter() {
        let mut channel: heapless::String<32> = heapless::String::new();
        let _ = write!(channel, "input-{client}");
        let Some(end) = ChannelEnd::find(&channel) else {
            let _ = writeln!(Console, "no channel {channel}");
            return;
        };
        let _ = ends.push(end);
    }
    let windows: heapless::Vec<_, 4> = ends.iter().map(ChannelEnd::window).collect();
    let link = |i: usize| {
        let (end, window) = (&ends[i], &windows[i]);
        Link::connect(window, end.info.end as u8, end.epoch(), HELLO, TO_CLIENT, TO_BACKEND)
    };
    let (Some(first), Some(second)) = (params.clients.first(), params.clients.get(1)) else {
        let _ = writeln!(Console, "params name no two clients");
        return;
    };
    let (Ok(link0), Ok(link1)) = (link(0), link(1)) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    let key_routes =
        params.hw.map(|hw| [KEY_VOLUMEUP, KEY_VOLUMEDOWN, KEY_MUTE].map(|code| KeyRoute { code, client: hw }));
    let switches = [
        FocusSwitch { modifiers: &[KEY_LEFTCTRL, KEY_LEFTALT], key: KEY_F1, to: first },
        FocusSwitch { modifiers: &[KEY_LEFTCTRL, KEY_LEFTALT], key: KEY_F2, to: second },
    ];
    let focus = FocusConfig {
        keyboard: params.keyboard,
        pointer: params.pointer,
        touch: params.touch,
        key_routes: key_routes.as_ref().map_or(&[], |r| &r[..]),
        switches: &switches,
    };
    let mut backend: Backend<_, 2, QUEUE> = match Backend::new(&configs, &focus, [(*first, link0), (*second, link1)]) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(Console, "bad focus policy in params: {e:?}");
            return;
        }
    };
    let ring = |rang: Doorbells| {
        for (i, end) in ends.iter().enumerate() {
            if rang.contains(i) {
                end.notify();
            }
        }
    };
    for end in &ends {
        end.notify();
    }
    let _ = writeln!(
        Console,
        "ready (life {}): {} devices, clients {first} and {second}",
        boot.restarts + 1,
        devices.len()
    );
    let mut samples = bench::Samples::new();
    irq::enable();
    loop {
        irq::wait_until(|| WOKEN.load(SeqCst) != 0);
        let woken = WOKEN.swap(0, SeqCst);
        for (i, dev) in devices.iter_mut().enumerate() {
            if woken & (1 << i) == 0 {
                continue;
            }
            dev.ack_interrupt();
            let intid = INTIDS[i].load(SeqCst);
            while let Some(ev) = dev.pop_pending_event() {
                let raw = RawEvent { kind: ev.event_type, code: ev.code, value: ev.value as i32 };
                let press = raw.kind == 1 && raw.value == 1;
                if params.crash == Some(raw.code) && press {
                    panic!("crash requested with key {}", raw.code);
                }
                ring(backend.device_event(i, raw));
                if params.bench && press && raw.code == bench::SAMPLE_KEY {
                    samples.record(ENTERED[i].load(SeqCst));
                } else if params.bench && press && raw.code == bench::REPORT_KEY {
                    samples.report();
                }
            }
            gic::enable(intid, 0);
        }
        if woken & (1 << 31) != 0 {
            caps::pending();
        }
        match backend.poll(|i| ends.get(i).map_or(0, ChannelEnd::epoch)) {
            Ok(rang) => ring(rang),
            Err(e) => {
                let _ = writeln!(Console, "cannot reconnect: {e:?}");
                return;
            }
        }
    }
}
