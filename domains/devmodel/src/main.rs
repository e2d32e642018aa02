// SPDX-License-Identifier: MIT
//! `devmodel`: the device model of an unmodified Linux domain. It presents
//! virtio-mmio input devices to its target (one per `device_model` range
//! of its board entry, kinds from `devices=keyboard,tablet,touch` in
//! order), served by Bulkhead's input domain: it is that domain's client on
//! `channel=` and turns its events into evdev events on each device's
//! event queue. All decisions are in `bulkhead_virtio_device` (registers,
//! queues, descriptor-chain checks) and `bulkhead_virtio_input_device`
//! (config space, evdev translation), host-tested; this file is the loop:
//!
//! 1. take the target's posted ioreqs (its ioreq page), hand each to the
//!    device whose range it falls in, complete it with the value read;
//! 2. take the input domain's events, push them to the devices that want
//!    them and move them into their event queues;
//! 3. set each device's interrupt line to its interrupt status
//!    (`DmSetIrqLevel`), and sleep until a doorbell.
//!
//! Every guest address a descriptor gives is checked against the target's
//! RAM (`domain_rt::dm::TargetMemory`) and copied out before use. The
//! devices advertise a fixed capability set (keys 1 to 248, axes
//! 0..32767, 10 contacts) so that they answer Linux's probe at once,
//! whether the input domain is up yet or not.
//!
//! Restarts:
//! - **its own**: with kept memory (`kept` in the board file), each
//!   device's transport state is saved there after every register write
//!   (`keeper`), and the next life restores it: the target's driver sees
//!   no reset, and its queues are served on from the used rings' indices.
//!   Without kept memory, or with a saved state that fails its checks, the
//!   device starts reset with DEVICE_NEEDS_RESET set and a
//!   configuration-change interrupt (what Linux does with that: the
//!   README);
//! - **the target's**: its life (`DmTargetLife`, rung by the kernel when it
//!   begins to stop) is read on every wake; when it changes every device is
//!   reset and its line lowered at once, before the kernel reloads the
//!   memory its queues were in.
//!
//! Test boards: `crash=<keycode>` makes a press of that key crash the
//! device model on purpose; `reboot=<keycode>` makes it restart its target
//! (`DmRemoteShutdown`). Neither key reaches the target.
//!
//! Prints `devmodel: serving <target>: <n> devices (<kinds>)` once up,
//! `devmodel: device <n> restored (...)` per restored device, and
//! `devmodel: input domain connected` on each connection.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_input::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_input::{AxisRange, Capabilities, Features, KeySet, MultiTouch};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_ring::Link;
use bulkhead_virtio_device::saved::SavedTransport;
use bulkhead_virtio_device::{GuestMemory, MemoryError, MmioDevice};
use bulkhead_virtio_input_device::{InputDevice, Kind};
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::dm::{self, IoreqPage, TargetMemory};
use domain_rt::{Boot, Console};
use keeper::{Found, Keeper};

mod keeper;

extern crate alloc;

domain_rt::entry!(main);

/// Devices served at most (ranges of the board entry).
const MAX_DEVICES: usize = 4;

static PAGE: IoreqPage = IoreqPage::new();

const WANTED: Features = Features {
    keyboard: true,
    pointer: true,
    abs_pointer: true,
    raw_pointer: false,
    multi_touch: Some(MultiTouch { contacts: 10, width: u32::MAX, height: u32::MAX }),
};

macro_rules! fail {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
        return;
    }};
}

/// The target's RAM as the virtio core reaches it.
struct Guest(TargetMemory);

impl GuestMemory for Guest {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), MemoryError> {
        self.0.read(addr, out).map_err(|_| MemoryError)
    }
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.0.write(addr, data).map_err(|_| MemoryError)
    }
}

/// One emulated device: its range, its interrupt slot and line, the model,
/// and where its state is kept across this domain's lives.
struct Emulated {
    base: u64,
    size: u64,
    irq: Option<u64>,
    line: bool,
    device: MmioDevice<InputDevice>,
    keeper: Option<Keeper>,
}

impl Emulated {
    /// Saves the transport state (tied to the target's `life`) if it changed.
    fn keep(&mut self, life: u64) {
        if let Some(k) = self.keeper.as_mut() {
            k.save(&SavedTransport { tag: life, ..self.device.save() });
        }
    }

    /// Sets the target's interrupt line to the device's interrupt status
    /// (`force`: even if this life believes it already is).
    fn drive_line(&mut self, force: bool) {
        let level = self.device.interrupt_pending();
        if (force || level != self.line)
            && let Some(slot) = self.irq
        {
            self.line = level;
            let _ = dm::set_irq_level(slot, level);
        }
    }
}

/// Brings device `n` back as a former life left it, for the target's life
/// `life`: restored, or reset with DEVICE_NEEDS_RESET if what was kept is
/// refused.
fn revive(n: usize, d: &mut Emulated, life: u64, guest: &Guest) {
    let Some(k) = d.keeper.as_mut() else { return };
    match k.load(life) {
        Found::Nothing => {}
        Found::OtherLife => {
            let _ = writeln!(Console, "devmodel: device {n}: the target restarted since its state was saved: reset");
        }
        Found::State(state) => match d.device.restore(&state, guest) {
            Ok(()) => {
                let _ = writeln!(
                    Console,
                    "devmodel: device {n} restored (status {:#x}, features {:#x})",
                    state.status, state.driver_features
                );
            }
            Err(e) => {
                let _ = writeln!(Console, "devmodel: device {n}: kept state refused ({e:?}): DEVICE_NEEDS_RESET");
                d.device.needs_reset();
            }
        },
        Found::Refused(e) => {
            let _ = writeln!(Console, "devmodel: device {n}: kept records refused ({e:?}): DEVICE_NEEDS_RESET");
            d.device.needs_reset();
        }
    }
}

fn capabilities() -> Capabilities {
    let mut keys = KeySet::default();
    for code in 1..=248 {
        keys.insert(code);
    }
    for button in [0x110, 0x111, 0x112, 0x14a] {
        keys.insert(button);
    }
    let axis = Some(AxisRange { min: 0, max: 32767 });
    Capabilities { keys, abs_x: axis, abs_y: axis, contacts: 10 }
}

fn kind(word: &str) -> Option<(Kind, &'static str)> {
    match word {
        "keyboard" => Some((Kind::Keyboard, "Bulkhead virtio keyboard")),
        "tablet" => Some((Kind::Tablet, "Bulkhead virtio tablet")),
        "touch" => Some((Kind::MultiTouch, "Bulkhead virtio multi-touch")),
        _ => None,
    }
}

fn main(boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let param = |key: &str| params.split_whitespace().find_map(|w| w.strip_prefix(key));
    let Some(channel) = param("channel=") else { fail!("devmodel: FAIL: no channel= in params") };
    let Some(end) = ChannelEnd::find(channel) else { fail!("devmodel: FAIL: no channel {channel}") };
    let kinds = param("devices=").unwrap_or("keyboard");
    let dm_caps = dm::DmCaps::read();
    let Some(first) = dm_caps.targets.first().copied() else { fail!("devmodel: FAIL: no device-model capability") };
    let target = first.info.end;
    let Some(memory) = dm_caps.memory(target) else {
        fail!("devmodel: FAIL: the board gives no memory = true for the target")
    };
    let mut guest = Guest(memory);
    let caps = capabilities();
    // On the heap: four devices with their event queues would make main's
    // frame most of a domain stack.
    let mut devices: alloc::vec::Vec<Emulated> = alloc::vec::Vec::with_capacity(MAX_DEVICES);
    for ((n, range), word) in dm_caps.targets.iter().filter(|t| t.info.end == target).enumerate().zip(kinds.split(','))
    {
        let Some((kind, name)) = kind(word) else { fail!("devmodel: FAIL: unknown device kind `{word}`") };
        let device = MmioDevice::new(InputDevice::new(kind, &caps, name));
        let irq = dm_caps.irq(target, n).map(|i| i.slot);
        let keeper = dm_caps.kept.and_then(|kept| Keeper::new(kept, n));
        let emulated = Emulated { base: range.info.ipa, size: range.info.size, irq, line: false, device, keeper };
        if devices.len() == MAX_DEVICES {
            fail!("devmodel: FAIL: more than {MAX_DEVICES} devices");
        }
        devices.push(emulated);
    }
    let crash_key: Option<u16> = param("crash=").and_then(|c| c.parse().ok());
    let reboot_key: Option<u16> = param("reboot=").and_then(|c| c.parse().ok());
    let mut life = dm::target_life(first.slot);
    for (n, d) in devices.iter_mut().enumerate() {
        if dm_caps.kept.is_some() && d.keeper.is_none() {
            fail!("devmodel: FAIL: the kept memory has no room for device {n}");
        }
        if d.keeper.is_none() && boot.restarts > 0 {
            // Nothing kept: the driver's set-up is lost with the former life.
            d.device.needs_reset();
        }
        revive(n, d, life, &guest);
        d.keep(life);
        d.drive_line(true);
    }
    let vcpus = usize::try_from(dm::nr_vcpus(first.slot)).unwrap_or(0).min(bulkhead_abi::ioreq::SLOTS);
    let status = PAGE.register(first.slot);
    if status != 0 {
        fail!("devmodel: FAIL: registering the ioreq page gave {status:#x}");
    }
    let len = first.info.name.iter().position(|&b| b == 0).unwrap_or(first.info.name.len());
    let name = core::str::from_utf8(first.info.name.get(..len).unwrap_or(&[])).unwrap_or("?");
    let _ = writeln!(Console, "devmodel: serving {name}: {} devices ({kinds}), {vcpus} vCPUs", devices.len());

    let window = end.window();
    let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
    let Ok(link) = Link::connect(&window, side, end.epoch(), HELLO, TO_BACKEND, TO_CLIENT) else {
        fail!("devmodel: FAIL: bad input ring layout")
    };
    let mut input = InputClient::new(link, WANTED);
    end.notify();
    loop {
        // 0. The target's life: a new one finds every device reset.
        let now = dm::target_life(first.slot);
        if now != life {
            life = now;
            for d in devices.iter_mut() {
                d.device.reset();
                d.keep(life);
                d.drive_line(true);
            }
            let _ = writeln!(Console, "devmodel: {name} is restarting: devices reset");
        }
        // 1. The target's accesses.
        for vcpu in 0..vcpus {
            let Some(req) = PAGE.take(vcpu) else { continue };
            let mut value = 0;
            if let Some(d) = devices.iter_mut().find(|d| req.address.wrapping_sub(d.base) < d.size) {
                let offset = req.address - d.base;
                if req.write != 0 {
                    d.device.write(offset, req.size, req.data, &mut guest);
                    d.keep(life);
                } else {
                    value = d.device.read(offset, req.size);
                }
            }
            let status = dm::complete(first.slot, req.vcpu, req.id, value);
            if status != 0 {
                let _ = writeln!(Console, "devmodel: completing ioreq {} gave {status:#x}", req.id);
            }
        }
        // 2. The input domain's events.
        if let Ok(true) = input.follow(end.epoch()) {
            let _ = writeln!(Console, "devmodel: input domain restarted: reconnecting in epoch {}", end.epoch());
        }
        loop {
            match input.next_event() {
                Ok(Some(Received::Connected { .. })) => {
                    let _ = writeln!(Console, "devmodel: input domain connected");
                }
                Ok(Some(Received::Event(event))) => {
                    if let bulkhead_input::Event::Key { code, pressed } = event {
                        if pressed && crash_key == Some(code) {
                            panic!("crash requested with key {code}");
                        }
                        if reboot_key == Some(code) {
                            if pressed {
                                let status = dm::remote_shutdown(first.slot, true);
                                let _ = writeln!(Console, "devmodel: restarting {name} (key {code}): {status:#x}");
                            }
                            continue;
                        }
                    }
                    for d in devices.iter_mut() {
                        if d.device.device().wants(&event) && !d.device.device().push(&event) {
                            // Counted by the device (`dropped`): the guest is
                            // not taking its events.
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        if input.take_doorbell() {
            end.notify();
        }
        // 3. Events into the queues, and the interrupt lines.
        for d in devices.iter_mut() {
            let (device, queues) = d.device.device_and_queues();
            device.flush(queues, &mut guest);
            d.drive_line(false);
        }
        caps::wait();
    }
}
