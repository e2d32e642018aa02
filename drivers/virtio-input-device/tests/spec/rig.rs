// SPDX-License-Identifier: MIT
//! The harness's rig: an `InputDevice` behind `MmioDevice`, brought up as
//! Linux does, with the driver's side played by hand in a `VecMemory`
//! (config queries, eventq buffers posted and read back, statusq buffers).
//!
//! Owns the test scaffolding; must not assert requirements (the `i*`
//! modules do).

use bulkhead_input::{AxisRange, Capabilities, Event, KeySet};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{GuestMemory, MmioDevice, regs};
use bulkhead_virtio_input_device::evdev::EvdevEvent;
use bulkhead_virtio_input_device::{InputDevice, Kind};

/// Guest RAM: 1 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
/// Event buffers: 8 bytes per descriptor index.
pub const EVENT_BUFS: u64 = BASE + 0x8_0000;
/// Status buffers.
pub const STATUS_BUFS: u64 = BASE + 0x9_0000;
/// The queue size the driver sets.
pub const SIZE: u16 = 64;
/// Descriptor flags.
pub const NEXT: u16 = 1;
pub const WRITE: u16 = 2;

/// Where one queue's rings are.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
}

/// Queue `q`'s rings at `BASE + q * 64 KiB`.
pub fn layout(q: u16) -> Layout {
    let base = BASE + u64::from(q) * 0x1_0000;
    Layout { desc: base, avail: base + 0x8000, used: base + 0xc000 }
}

/// Capabilities with keys ESC (1), A (30), KEY_PLAYPAUSE (164) and BTN_LEFT,
/// a 1920x1080 surface and 10 contacts.
pub fn caps() -> Capabilities {
    let mut keys = KeySet::default();
    for k in [1, 30, 164, 0x110] {
        keys.insert(k);
    }
    Capabilities {
        keys,
        abs_x: Some(AxisRange { min: 0, max: 1919 }),
        abs_y: Some(AxisRange { min: 0, max: 1079 }),
        contacts: 10,
    }
}

/// A device and its guest RAM, with the driver's side as helpers.
pub struct Rig {
    pub dev: MmioDevice<InputDevice>,
    pub mem: VecMemory,
    /// The next eventq descriptor to post.
    next_head: u16,
    /// Used entries of the eventq read so far.
    seen: u16,
}

impl Rig {
    /// A `kind` device from [`caps`], not yet probed.
    pub fn new(kind: Kind) -> Self {
        let name = match kind {
            Kind::Keyboard => "Bulkhead keyboard",
            Kind::Tablet => "Bulkhead tablet",
            Kind::MultiTouch => "Bulkhead touchscreen",
        };
        Self {
            dev: MmioDevice::new(InputDevice::new(kind, &caps(), name)),
            mem: VecMemory::new(BASE, 0x10_0000),
            next_head: 0,
            seen: 0,
        }
    }

    /// A `kind` device brought up: both queues ready, DRIVER_OK.
    pub fn up(kind: Kind) -> Self {
        let mut r = Self::new(kind);
        r.bring_up();
        r
    }

    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, features, both queues, DRIVER_OK (as `virtio_mmio` does).
    pub fn bring_up(&mut self) {
        self.w(regs::STATUS, 0);
        self.next_head = 0;
        self.seen = 0;
        self.mem.bytes_mut().fill(0);
        assert_eq!(self.r(regs::DEVICE_ID), 18);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DEVICE_FEATURES_SEL, 0);
        assert_eq!(self.r(regs::DEVICE_FEATURES), 1 << 28, "only RING_INDIRECT_DESC in the low word");
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, 0);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        assert_ne!(self.r(regs::STATUS) & STATUS_FEATURES_OK, 0);
        for q in 0..2u16 {
            let l = layout(q);
            self.w(regs::QUEUE_SEL, u32::from(q));
            assert_eq!(self.r(regs::QUEUE_NUM_MAX), 64);
            self.w(regs::QUEUE_NUM, u32::from(SIZE));
            for (lo, addr) in
                [(regs::QUEUE_DESC_LOW, l.desc), (regs::QUEUE_DRIVER_LOW, l.avail), (regs::QUEUE_DEVICE_LOW, l.used)]
            {
                self.w(lo, addr as u32);
                self.w(lo + 4, (addr >> 32) as u32);
            }
            self.w(regs::QUEUE_READY, 1);
            assert_eq!(self.r(regs::QUEUE_READY), 1);
        }
        self.w(regs::QUEUE_SEL, 2);
        assert_eq!(self.r(regs::QUEUE_NUM_MAX), 0, "no third queue");
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    /// `select`/`subsel` written byte by byte, then size and `size` bytes of
    /// the union read byte by byte (as `virtio_cread_bytes`).
    pub fn query(&mut self, select: u8, subsel: u8) -> Vec<u8> {
        self.dev.write(regs::CONFIG, 1, u64::from(select), &mut self.mem);
        self.dev.write(regs::CONFIG + 1, 1, u64::from(subsel), &mut self.mem);
        let size = self.dev.read(regs::CONFIG + 2, 1);
        (0..size).map(|i| self.dev.read(regs::CONFIG + 8 + i, 1) as u8).collect()
    }

    /// Writes descriptor `i` of the table at `table`.
    pub fn desc(&mut self, table: u64, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        bulkhead_virtio_device::testing::put_descriptor(&mut self.mem, table, i, addr, len, flags, next).unwrap();
    }

    pub fn u16_at(&self, addr: u64) -> u16 {
        let mut b = [0u8; 2];
        self.mem.read(addr, &mut b).unwrap();
        u16::from_le_bytes(b)
    }

    /// Puts `heads` on queue `q`'s available ring and publishes them.
    pub fn offer(&mut self, q: u16, heads: &[u16]) {
        let l = layout(q);
        let mut idx = self.u16_at(l.avail + 2);
        for &h in heads {
            self.mem.write(l.avail + 4 + 2 * u64::from(idx % SIZE), &h.to_le_bytes()).unwrap();
            idx = idx.wrapping_add(1);
        }
        self.mem.write(l.avail + 2, &idx.to_le_bytes()).unwrap();
    }

    /// Posts `n` 8-byte device-writable eventq buffers (as Linux does), without
    /// a kick.
    pub fn post(&mut self, n: u16) {
        for _ in 0..n {
            let h = self.next_head;
            self.next_head = (h + 1) % SIZE;
            self.desc(layout(0).desc, h, EVENT_BUFS + 8 * u64::from(h), 8, WRITE, 0);
            self.offer(0, &[h]);
        }
    }

    /// Posts one eventq chain of its own making at head `h` (the caller wrote
    /// the descriptors); keeps the rig's head counter past it.
    pub fn post_head(&mut self, h: u16) {
        self.next_head = (h + 1) % SIZE;
        self.offer(0, &[h]);
    }

    /// QueueNotify for `q`.
    pub fn kick(&mut self, q: u16) {
        self.w(regs::QUEUE_NOTIFY, u32::from(q));
    }

    /// The used ring's index of queue `q`.
    pub fn used_idx(&self, q: u16) -> u16 {
        self.u16_at(layout(q).used + 2)
    }

    /// Used element `slot` of queue `q`: (id, len).
    pub fn used_elem(&self, q: u16, slot: u16) -> (u32, u32) {
        let mut b = [0u8; 8];
        self.mem.read(layout(q).used + 4 + 8 * u64::from(slot % SIZE), &mut b).unwrap();
        (u32::from_le_bytes(b[..4].try_into().unwrap()), u32::from_le_bytes(b[4..].try_into().unwrap()))
    }

    /// The event in the eventq buffer of descriptor `h`.
    pub fn event_at(&self, h: u16) -> EvdevEvent {
        let mut b = [0u8; 8];
        self.mem.read(EVENT_BUFS + 8 * u64::from(h), &mut b).unwrap();
        EvdevEvent::from_bytes(b)
    }

    /// The events completed on the eventq since the last call (used entries
    /// of length 0 are skipped), as `virtinput_recv_events` sees them.
    pub fn received(&mut self) -> Vec<EvdevEvent> {
        let mut out = Vec::new();
        while self.seen != self.used_idx(0) {
            let (id, len) = self.used_elem(0, self.seen);
            if len == 8 {
                out.push(self.event_at(id as u16));
            }
            self.seen = self.seen.wrapping_add(1);
        }
        out
    }

    /// The domain's path: `push` then `flush` through `device_and_queues`.
    pub fn push(&mut self, e: &Event) -> bool {
        let (dev, queues) = self.dev.device_and_queues();
        let ok = dev.push(e);
        dev.flush(queues, &mut self.mem);
        ok
    }

    /// Eventq buffers posted and not yet completed.
    pub fn outstanding(&self) -> u16 {
        self.u16_at(layout(0).avail + 2).wrapping_sub(self.used_idx(0))
    }

    /// Posts buffers for everything pending (never more than the ring
    /// holds), kicks, and returns what arrived.
    pub fn drain(&mut self) -> Vec<EvdevEvent> {
        let mut out = Vec::new();
        for _ in 0..1000 {
            let pending = self.dev.device().pending();
            if pending == 0 {
                break;
            }
            let n = (pending.min(usize::from(SIZE)) as u16).min(SIZE - self.outstanding());
            self.post(n);
            self.kick(0);
            out.extend(self.received());
        }
        out.extend(self.received());
        out
    }
}

impl Rig {
    /// Writes `data` into guest RAM at `addr` (the driver's buffers).
    pub fn mem_write(&mut self, addr: u64, data: &[u8]) {
        self.mem.write(addr, data).unwrap();
    }
}
