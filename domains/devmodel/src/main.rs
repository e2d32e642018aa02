// SPDX-License-Identifier: MIT
//! `devmodel`: the device model of an unmodified Linux domain. It presents
//! virtio-mmio devices to its target, one per `device_model` range of its
//! board entry, kinds from `devices=keyboard,tablet,touch,gpu,9p,sound,net` in order:
//! - input devices, served by Bulkhead's input domain: it is that domain's
//!   client on `input=` and turns its events into evdev events on each
//!   device's event queue (`input_side`);
//! - a 2D GPU, whose scanout 0 (`gpu=<width>x<height>@c<connector>`) it
//!   shows through the display domain as that domain's client on
//!   `display=` (`display_side`);
//! - a 9P transport (kind `9p`, mount tag `bulkhead`), whose T-messages it
//!   carries to the 9pfs domain on `ninep=` and whose replies it writes
//!   back (`ninep_side`);
//! - a sound card (kind `sound`) played through the sound domain on
//!   `sound=` (`sound_side`);
//! - a NIC (kind `net`) on the network domain's L2 port `net=`, with the
//!   MAC the switch assigns (`net_side`).
//!
//! Each backend's channel is the key's (`input=<channel>`, ...) or, with
//! `client=<name>`, the backend's convention (`input-<name>`,
//! `display-<name>`, `sound-<name>`, `ninep-<name>`, `l2-<name>`).
//!
//! All decisions are in `bulkhead_virtio_device` (registers, queues,
//! descriptor-chain checks), `bulkhead_virtio_input_device` (config space,
//! evdev translation) and `bulkhead_virtio_gpu_device` (the control
//! queue's commands, resources, scanouts), host-tested; this file is the
//! loop:
//!
//! 1. take the target's posted ioreqs (its ioreq page), hand each to the
//!    device whose range it falls in, complete it with the value read (a
//!    queue notify runs the GPU's commands there and then);
//! 2. take the input domain's events and move them into the input devices'
//!    event queues; flip what the GPU flushed;
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
//!   README). A GPU is never restored: its resources are not kept;
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
//! `devmodel: device <n> restored (...)` per restored device,
//! `devmodel: input domain connected` on each connection,
//! `devmodel: showing the GPU's scanout on connector <c> (<w>x<h>)` when
//! the display domain accepted the set-up, and `devmodel: gpu frame <n>
//! shown` for the first three frames and every hundredth.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod backend;
mod display_side;
mod emulated;
mod guest;
mod input_side;
mod keeper;
mod net_side;
mod ninep_side;
mod sound_side;

extern crate alloc;

use alloc::boxed::Box;
use bulkhead_input::{AxisRange, Capabilities, KeySet};
use bulkhead_virtio_9p_device::{MountTag, Virtio9p};
use bulkhead_virtio_device::MmioDevice;
use bulkhead_virtio_gpu_device::{Display, GpuDevice};
use bulkhead_virtio_input_device::{InputDevice, Kind};
use bulkhead_virtio_net_device::VirtioNet;
use bulkhead_virtio_snd_device::VirtioSnd;
use core::fmt::Write;
use display_side::DisplaySide;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::dm::{self, IoreqPage};
use domain_rt::{Boot, Console};
use emulated::{Emulated, Model};
use guest::Guest;
use input_side::InputSide;
use keeper::Keeper;
use net_side::NetSide;
use ninep_side::NinepSide;
use sound_side::SoundSide;

domain_rt::entry!(main);

/// Devices served at most (ranges of the board entry).
const MAX_DEVICES: usize = 8;

static PAGE: IoreqPage = IoreqPage::new();

/// The 9P device's mount tag: `mount -t 9p -o trans=virtio bulkhead <dir>`.
const MOUNT_TAG: &str = "bulkhead";

macro_rules! fail {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
        return;
    }};
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

/// The scanout's size and connector of `gpu=<width>x<height>@c<connector>`.
fn gpu_param(text: &str) -> Option<((u32, u32), u8)> {
    let (size, connector) = text.split_once("@c")?;
    let (w, h) = size.split_once('x')?;
    let size = (w.parse().ok()?, h.parse().ok()?);
    let max = bulkhead_virtio_gpu_device::MAX_DIM;
    (size.0 > 0 && size.1 > 0 && size.0 <= max && size.1 <= max).then_some((size, connector.parse().ok()?))
}

/// `make()` on the heap, allocated first and written once. Each device is
/// tens of KiB (a GPU's resource table, a sound card's or a 9P device's
/// requests in flight): not inlined, so that at most one is ever built in
/// a frame (this crate's build.rs gives it stacks for that).
#[inline(never)]
fn boxed<T>(make: impl FnOnce() -> T) -> Box<T> {
    Box::write(Box::new_uninit(), make())
}

/// The model of kind `word`, built on the heap.
fn model(word: &str, caps: &Capabilities, scanout: Option<(u32, u32)>, net_mac: Option<[u8; 6]>) -> Option<Model> {
    let input = |kind, name| Some(Model::Input(boxed(|| MmioDevice::new(InputDevice::new(kind, caps, name)))));
    match word {
        "keyboard" => input(Kind::Keyboard, "Bulkhead virtio keyboard"),
        "tablet" => input(Kind::Tablet, "Bulkhead virtio tablet"),
        "touch" => input(Kind::MultiTouch, "Bulkhead virtio multi-touch"),
        "gpu" => {
            let (width, height) = scanout?;
            let display = Display { width, height, enabled: true };
            Some(Model::Gpu(boxed(|| MmioDevice::new(GpuDevice::new(&[display])))))
        }
        "sound" => Some(Model::Sound(boxed(|| MmioDevice::new(VirtioSnd::new())))),
        "net" => {
            let mac = net_mac?;
            Some(Model::Net(boxed(|| MmioDevice::new(VirtioNet::new(mac)))))
        }
        "9p" => {
            let tag = MountTag::new(MOUNT_TAG).ok()?;
            Some(Model::NineP(boxed(|| MmioDevice::new(Virtio9p::new(tag)))))
        }
        _ => None,
    }
}

fn main(boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let param = |key: &str| params.split_whitespace().find_map(|w| w.strip_prefix(key));
    // `client=<name>`: each backend's channel by its convention
    // (`input-<name>`, `display-<name>`, ...) unless a key names another.
    let client = param("client=");
    let mut conventional: heapless::String<40> = heapless::String::new();
    let mut channel = |key: &str, prefix: &str| -> Result<Option<ChannelEnd>, ()> {
        let name = match (param(key), client) {
            (Some(name), _) => name,
            (None, Some(client)) => {
                conventional.clear();
                let _ = write!(conventional, "{prefix}-{client}");
                conventional.as_str()
            }
            (None, None) => return Ok(None),
        };
        match ChannelEnd::find(name) {
            Some(end) => Ok(Some(end)),
            None if param(key).is_none() => Ok(None),
            None => {
                let _ = writeln!(Console, "devmodel: FAIL: no channel {name}");
                Err(())
            }
        }
    };
    let kinds = param("devices=").unwrap_or("keyboard");
    let gpu = match param("gpu=") {
        None => None,
        Some(text) => match gpu_param(text) {
            Some(g) => Some(g),
            None => fail!("devmodel: FAIL: gpu={text}: expected <width>x<height>@c<connector>"),
        },
    };
    let (Ok(input_end), Ok(display_end), Ok(ninep_end), Ok(sound_end), Ok(net_end)) = (
        channel("input=", "input"),
        channel("display=", "display"),
        channel("ninep=", "ninep"),
        channel("sound=", "sound"),
        channel("net=", "l2"),
    ) else {
        return;
    };
    let wants_net = kinds.split(',').any(|k| k == "net");
    if wants_net && net_end.is_none() {
        fail!("devmodel: FAIL: a net device needs net=<channel>");
    }
    // The NIC's MAC is the switch port's, assigned by the network domain:
    // it must be known before the target can probe the device.
    let mut net = match net_end.filter(|_| wants_net) {
        None => None,
        Some(end) => match NetSide::connect(end) {
            Some(n) => Some(n),
            None => fail!("devmodel: FAIL: bad L2 port ring layout"),
        },
    };
    let net_mac = net.as_mut().map(NetSide::wait_for_mac);
    let dm_caps = dm::DmCaps::read();
    let Some(first) = dm_caps.targets.first().copied() else { fail!("devmodel: FAIL: no device-model capability") };
    let target = first.info.end;
    let Some(memory) = dm_caps.memory(target) else {
        fail!("devmodel: FAIL: the board gives no memory = true for the target")
    };
    let mut guest = Guest(memory);
    let caps = capabilities();
    // On the heap: four devices with their queues would make main's frame
    // most of a domain stack.
    let mut devices: alloc::vec::Vec<Emulated> = alloc::vec::Vec::with_capacity(MAX_DEVICES);
    for ((n, range), word) in dm_caps.targets.iter().filter(|t| t.info.end == target).enumerate().zip(kinds.split(','))
    {
        let Some(model) = model(word, &caps, gpu.map(|g| g.0), net_mac) else {
            fail!("devmodel: FAIL: unknown device kind `{word}` (or gpu without gpu=)")
        };
        if devices.len() == MAX_DEVICES {
            fail!("devmodel: FAIL: more than {MAX_DEVICES} devices");
        }
        let irq = dm_caps.irq(target, n).map(|i| i.slot);
        let keeper = dm_caps.kept.and_then(|kept| Keeper::new(kept, n));
        devices.push(Emulated::new(range.info.ipa, range.info.size, irq, model, keeper));
    }
    let wants_input = devices.iter().any(|d| matches!(d.model, Model::Input(_)));
    let wants_display = devices.iter().any(|d| matches!(d.model, Model::Gpu(_)));
    if wants_input && input_end.is_none() {
        fail!("devmodel: FAIL: input devices need input=<channel>");
    }
    if wants_display && display_end.is_none() {
        fail!("devmodel: FAIL: a gpu needs display=<channel>");
    }
    let wants_ninep = devices.iter().any(|d| matches!(d.model, Model::NineP(_)));
    if wants_ninep && ninep_end.is_none() {
        fail!("devmodel: FAIL: a 9p device needs ninep=<channel>");
    }
    let wants_sound = devices.iter().any(|d| matches!(d.model, Model::Sound(_)));
    if wants_sound && sound_end.is_none() {
        fail!("devmodel: FAIL: a sound device needs sound=<channel>");
    }
    let crash_key: Option<u16> = param("crash=").and_then(|c| c.parse().ok());
    let reboot_key: Option<u16> = param("reboot=").and_then(|c| c.parse().ok());
    let mut life = dm::target_life(first.slot);
    for (n, d) in devices.iter_mut().enumerate() {
        if dm_caps.kept.is_some() && !d.is_kept() {
            fail!("devmodel: FAIL: the kept memory has no room for device {n}");
        }
        if !d.is_kept() && boot.restarts > 0 {
            // Nothing kept: the driver's set-up is lost with the former life.
            d.needs_reset();
        }
        d.revive(n, life, &guest);
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

    let mut input = match input_end.filter(|_| wants_input) {
        None => None,
        Some(end) => match InputSide::connect(end, crash_key, reboot_key) {
            Some(i) => Some(i),
            None => fail!("devmodel: FAIL: bad input ring layout"),
        },
    };
    let mut display = match (display_end.filter(|_| wants_display), gpu) {
        (Some(end), Some((size, connector))) => match DisplaySide::connect(end, connector, size) {
            Some(d) => Some(d),
            None => fail!("devmodel: FAIL: bad display ring layout"),
        },
        _ => None,
    };
    let mut ninep = match ninep_end.filter(|_| wants_ninep) {
        None => None,
        Some(end) => match NinepSide::connect(end) {
            Some(n) => Some(n),
            None => fail!("devmodel: FAIL: bad 9pfs ring layout"),
        },
    };
    let mut sound = match sound_end.filter(|_| wants_sound) {
        None => None,
        Some(end) => match SoundSide::connect(end) {
            Some(s) => Some(s),
            None => fail!("devmodel: FAIL: bad sound ring layout"),
        },
    };
    loop {
        // 0. The target's life: a new one finds every device reset.
        let now = dm::target_life(first.slot);
        if now != life {
            life = now;
            for d in devices.iter_mut() {
                d.reset();
                d.keep(life);
                d.drive_line(true);
            }
            let _ = writeln!(Console, "devmodel: {name} is restarting: devices reset");
        }
        // 1. The target's accesses.
        for vcpu in 0..vcpus {
            let Some(req) = PAGE.take(vcpu) else { continue };
            let mut value = 0;
            if let Some(d) = devices.iter_mut().find(|d| d.covers(req.address)) {
                let offset = req.address - d.base;
                if req.write != 0 {
                    d.write(offset, req.size, req.data, &mut guest, life);
                } else {
                    value = d.read(offset, req.size);
                }
            }
            let status = dm::complete(first.slot, req.vcpu, req.id, value);
            if status != 0 {
                let _ = writeln!(Console, "devmodel: completing ioreq {} gave {status:#x}", req.id);
            }
        }
        // 2. The backends.
        if let Some(input) = input.as_mut() {
            input.pump(&mut devices, first.slot, name);
        }
        if let Some(display) = display.as_mut() {
            display.pump(&mut devices, &guest);
        }
        if let Some(ninep) = ninep.as_mut() {
            ninep.pump(&mut devices, &mut guest);
        }
        if let Some(sound) = sound.as_mut() {
            sound.pump(&mut devices, &mut guest);
        }
        if let Some(net) = net.as_mut() {
            net.pump(&mut devices, &mut guest);
        }
        // 3. Events into the queues, and the interrupt lines.
        for d in devices.iter_mut() {
            if let Model::Input(input) = &mut d.model {
                let (device, queues) = input.device_and_queues();
                device.flush(queues, &mut guest);
            }
            d.drive_line(false);
        }
        caps::wait();
    }
}
