// SPDX-License-Identifier: MIT
//! The harness's rig: a test [`Device`] that takes every chain it is
//! notified of, and a driver played by hand (register accesses, rings laid
//! out in a [`VecMemory`]).
//!
//! Owns the test scaffolding; must not assert requirements (the `v*`
//! modules do).

use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{Chain, ChainError, Device, GuestMemory, MmioDevice, Queues, features::*, regs};

/// Guest RAM: 1 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
/// Bytes of guest RAM.
pub const RAM: usize = 0x10_0000;
/// Buffers live from here on.
pub const BUFFERS: u64 = BASE + 0x8_0000;
/// virtio-input's device id.
pub const INPUT_ID: u32 = 18;
/// The test device's device-specific features.
pub const TEST_FEATURES: u64 = 0b101;

/// The descriptor flags.
pub const NEXT: u16 = 1;
pub const WRITE: u16 = 2;
pub const INDIRECT: u16 = 4;

/// A chain the device took, with the readable bytes it copied out.
pub type Taken = Result<(Chain, Vec<u8>), ChainError>;

/// A device with two queues of at most `queue_max` (64) entries and 16 config bytes; on
/// a notification it pops every chain, copies the readable part, writes
/// `reply` into the writable part and completes it (if `complete`).
pub struct TestDevice {
    pub features: u64,
    pub queue_max: u16,
    pub config: [u8; 16],
    pub resets: u32,
    pub notified: Vec<u16>,
    pub taken: Vec<Taken>,
    pub complete: bool,
    pub reply: Vec<u8>,
}

impl Default for TestDevice {
    fn default() -> Self {
        Self {
            features: TEST_FEATURES,
            queue_max: 64,
            config: core::array::from_fn(|i| i as u8),
            resets: 0,
            notified: Vec::new(),
            taken: Vec::new(),
            complete: true,
            reply: b"reply".to_vec(),
        }
    }
}

impl Device for TestDevice {
    fn device_id(&self) -> u32 {
        INPUT_ID
    }
    fn features(&self) -> u64 {
        self.features
    }
    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue < 2).then_some(self.queue_max)
    }
    fn config_len(&self) -> u32 {
        16
    }
    fn read_config(&self, offset: u32, out: &mut [u8]) {
        let o = offset as usize;
        out.copy_from_slice(&self.config[o..o + out.len()]);
    }
    fn write_config(&mut self, offset: u32, data: &[u8]) {
        let o = offset as usize;
        self.config[o..o + data.len()].copy_from_slice(data);
    }
    fn reset(&mut self) {
        self.resets += 1;
    }
    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        self.notified.push(queue);
        loop {
            match queues.pop(queue, mem) {
                Ok(None) => break,
                Ok(Some(chain)) => {
                    let mut copy = vec![0u8; chain.readable_len() as usize];
                    let n = chain.read_all(mem, &mut copy).unwrap();
                    assert_eq!(n, copy.len());
                    if self.complete {
                        let w = chain.write_all(mem, &self.reply).unwrap();
                        queues.push_used(queue, &chain, u32::try_from(w).unwrap(), mem).unwrap();
                    }
                    self.taken.push(Ok((chain, copy)));
                }
                Err(e) => {
                    self.taken.push(Err(e));
                    break;
                }
            }
        }
    }
}

/// Where one queue's rings are.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub size: u16,
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
}

impl Layout {
    /// Queue `q`'s rings at `BASE + q * 64 KiB`.
    pub fn at(q: u16, size: u16) -> Self {
        let base = BASE + u64::from(q) * 0x1_0000;
        Self { size, desc: base, avail: base + 0x8000, used: base + 0xc000 }
    }
}

/// A device and its guest RAM, with the driver's side as helpers.
pub struct Rig {
    pub dev: MmioDevice<TestDevice>,
    pub mem: VecMemory,
}

impl Rig {
    pub fn new() -> Self {
        Self::with(TestDevice::default())
    }

    pub fn with(device: TestDevice) -> Self {
        Self { dev: MmioDevice::new(device), mem: VecMemory::new(BASE, RAM) }
    }

    /// A 4-byte register read.
    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    /// A 4-byte register write.
    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, ACKNOWLEDGE, DRIVER, `features` written, FEATURES_OK written;
    /// the status read back.
    pub fn negotiate(&mut self, features: u64) -> u32 {
        self.w(regs::STATUS, 0);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, (features >> 32) as u32);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, features as u32);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        self.r(regs::STATUS)
    }

    /// Sets up queue `q` as Linux does; whether QueueReady reads back 1.
    pub fn setup_queue(&mut self, q: u16, l: Layout) -> bool {
        self.w(regs::QUEUE_SEL, u32::from(q));
        self.w(regs::QUEUE_NUM, u32::from(l.size));
        for (lo, addr) in
            [(regs::QUEUE_DESC_LOW, l.desc), (regs::QUEUE_DRIVER_LOW, l.avail), (regs::QUEUE_DEVICE_LOW, l.used)]
        {
            self.w(lo, addr as u32);
            self.w(lo + 4, (addr >> 32) as u32);
        }
        self.w(regs::QUEUE_READY, 1);
        self.r(regs::QUEUE_READY) == 1
    }

    /// VERSION_1 (+ `extra`) negotiated, queue 0 of `size` ready, DRIVER_OK.
    pub fn up(&mut self, size: u16, extra: u64) -> Layout {
        let st = self.negotiate(VIRTIO_F_VERSION_1 | extra);
        assert_ne!(st & STATUS_FEATURES_OK, 0);
        let l = Layout::at(0, size);
        assert!(self.setup_queue(0, l));
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
        l
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

    pub fn set_u16(&mut self, addr: u64, v: u16) {
        self.mem.write(addr, &v.to_le_bytes()).unwrap();
    }

    /// Puts `heads` on the available ring and publishes them.
    pub fn offer(&mut self, l: Layout, heads: &[u16]) {
        let mut idx = self.u16_at(l.avail + 2);
        for &h in heads {
            self.set_u16(l.avail + 4 + 2 * u64::from(idx % l.size), h);
            idx = idx.wrapping_add(1);
        }
        self.set_u16(l.avail + 2, idx);
    }

    /// The used ring's index.
    pub fn used_idx(&self, l: Layout) -> u16 {
        self.u16_at(l.used + 2)
    }

    /// Used element `slot`: (id, len).
    pub fn used_elem(&self, l: Layout, slot: u16) -> (u32, u32) {
        let mut b = [0u8; 8];
        self.mem.read(l.used + 4 + 8 * u64::from(slot % l.size), &mut b).unwrap();
        (u32::from_le_bytes(b[..4].try_into().unwrap()), u32::from_le_bytes(b[4..].try_into().unwrap()))
    }

    /// QueueNotify for `q`.
    pub fn kick(&mut self, q: u16) {
        self.w(regs::QUEUE_NOTIFY, u32::from(q));
    }

    /// What the device took so far, emptied.
    pub fn taken(&mut self) -> Vec<Taken> {
        core::mem::take(&mut self.dev.device().taken)
    }
}
