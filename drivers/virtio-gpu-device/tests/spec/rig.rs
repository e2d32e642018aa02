// SPDX-License-Identifier: MIT
//! The harness's rig: a `GpuDevice` behind `MmioDevice`, brought up as
//! Linux's `virtio_mmio` and `virtio-gpu` do, with the driver's side played
//! by hand in a `VecMemory`: one command at a time on the control queue
//! (request, optional data, response, as `virtio_gpu_queue_ctrl_sgs`
//! lays them out), cursor-queue chains, framebuffer pages.
//!
//! Owns the test scaffolding; must not assert requirements (the `g*`
//! modules do).

use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{GuestMemory, MmioDevice, regs};
use bulkhead_virtio_gpu_device::{Display, GpuDevice};

use crate::cmds::Resp;

/// Guest RAM: 4 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
pub const RAM: usize = 0x40_0000;
/// The request buffer (16 KiB), the data buffer (16 KiB), the response
/// buffer (4 KiB), the cursor buffers.
pub const REQ: u64 = BASE + 0x2_0000;
pub const DATA: u64 = BASE + 0x2_4000;
pub const RESP: u64 = BASE + 0x2_8000;
pub const CURSOR_BUFS: u64 = BASE + 0x2_9000;
/// Framebuffer pages from here to the end of RAM.
pub const PAGES: u64 = BASE + 0x10_0000;
pub const PAGE: u64 = 4096;
/// The queue size the driver sets.
pub const SIZE: u16 = 64;
/// Descriptor flags.
pub const NEXT: u16 = 1;
pub const WRITE: u16 = 2;
/// The response buffer Linux gives a command with a 24-byte response, and
/// GET_DISPLAY_INFO's.
pub const NODATA: u32 = 24;
pub const DISPLAY_INFO: u32 = 408;

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

/// The rig's two displays: 1280x720 enabled, 800x480 disabled.
pub fn displays() -> [Display; 2] {
    [Display { width: 1280, height: 720, enabled: true }, Display { width: 800, height: 480, enabled: false }]
}

/// One buffer of a chain the test builds: address, length, device-writable.
pub type Buf = (u64, u32, bool);

/// A device and its guest RAM, with the driver's side as helpers.
pub struct Rig {
    pub dev: MmioDevice<GpuDevice>,
    pub mem: VecMemory,
    /// Used entries of each queue read so far.
    seen: [u16; 2],
}

impl Rig {
    /// A device with [`displays`], brought up: both queues ready, DRIVER_OK.
    pub fn up() -> Self {
        let mut r =
            Self { dev: MmioDevice::new(GpuDevice::new(&displays())), mem: VecMemory::new(BASE, RAM), seen: [0; 2] };
        r.bring_up();
        r
    }

    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, features, both queues, the config reads `virtio_gpu_init`
    /// makes, DRIVER_OK.
    pub fn bring_up(&mut self) {
        self.w(regs::STATUS, 0);
        self.seen = [0; 2];
        self.mem.bytes_mut().fill(0);
        assert_eq!(self.r(regs::DEVICE_ID), 16);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DEVICE_FEATURES_SEL, 0);
        assert_eq!(self.r(regs::DEVICE_FEATURES), 1 << 28, "no VIRGL, EDID, UUID, BLOB, CONTEXT_INIT");
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, 1 << 28);
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
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    /// A 32-bit config field (`virtio_cread_le`).
    pub fn config(&mut self, offset: u64) -> u32 {
        self.r(regs::CONFIG + offset)
    }

    pub fn mem_write(&mut self, addr: u64, data: &[u8]) {
        self.mem.write(addr, data).unwrap();
    }

    pub fn mem_read(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0; len];
        self.mem.read(addr, &mut b).unwrap();
        b
    }

    pub fn u16_at(&self, addr: u64) -> u16 {
        u16::from_le_bytes(self.mem_read(addr, 2).try_into().unwrap())
    }

    /// The used ring's index of queue `q`.
    pub fn used_idx(&self, q: u16) -> u16 {
        self.u16_at(layout(q).used + 2)
    }

    /// Used element `slot` of queue `q`: (id, len).
    pub fn used_elem(&self, q: u16, slot: u16) -> (u32, u32) {
        let b = self.mem_read(layout(q).used + 4 + 8 * u64::from(slot % SIZE), 8);
        (u32::from_le_bytes(b[..4].try_into().unwrap()), u32::from_le_bytes(b[4..].try_into().unwrap()))
    }

    /// Puts a chain of `bufs` (descriptors 0.. of queue `q`) on the available
    /// ring, kicks, and returns the used length (None: not completed).
    pub fn submit(&mut self, q: u16, bufs: &[Buf]) -> Option<u32> {
        let l = layout(q);
        for (i, &(addr, len, writable)) in bufs.iter().enumerate() {
            let i = i as u16;
            let more = usize::from(i) + 1 < bufs.len();
            let flags = if writable { WRITE } else { 0 } | if more { NEXT } else { 0 };
            bulkhead_virtio_device::testing::put_descriptor(&mut self.mem, l.desc, i, addr, len, flags, i + 1).unwrap();
        }
        let idx = self.u16_at(l.avail + 2);
        self.mem_write(l.avail + 4 + 2 * u64::from(idx % SIZE), &0u16.to_le_bytes());
        self.mem_write(l.avail + 2, &idx.wrapping_add(1).to_le_bytes());
        self.w(regs::QUEUE_NOTIFY, u32::from(q));
        let qi = usize::from(q);
        if self.used_idx(q) == self.seen[qi] {
            return None;
        }
        let (id, len) = self.used_elem(q, self.seen[qi]);
        assert_eq!(id, 0, "the chain's head");
        self.seen[qi] = self.seen[qi].wrapping_add(1);
        assert_eq!(self.used_idx(q), self.seen[qi], "one chain, one used entry");
        Some(len)
    }

    /// A control command as Linux sends it: the request (and `data`, e.g.
    /// the mem entries, in a second buffer if any) then a response buffer
    /// of `resp_len` bytes. Returns the response as written.
    pub fn send(&mut self, req: &[u8], data: &[u8], resp_len: u32) -> Resp {
        self.mem_write(REQ, req);
        self.mem_write(RESP, &vec![0xee; resp_len as usize]);
        let mut bufs = vec![(REQ, req.len() as u32, false)];
        if !data.is_empty() {
            self.mem_write(DATA, data);
            bufs.push((DATA, data.len() as u32, false));
        }
        bufs.push((RESP, resp_len, true));
        let len = self.submit(0, &bufs).expect("control chains complete synchronously");
        Resp(self.mem_read(RESP, len as usize))
    }

    /// [`Rig::send`] with a 24-byte response buffer; the response type.
    pub fn cmd(&mut self, req: &[u8]) -> u32 {
        self.send(req, &[], NODATA).ty()
    }

    /// [`Rig::cmd`] with the mem entries in their own buffer.
    pub fn cmd_data(&mut self, req: &[u8], data: &[u8]) -> u32 {
        self.send(req, data, NODATA).ty()
    }

    /// The device (the domain's side).
    pub fn gpu(&mut self) -> &mut GpuDevice {
        self.dev.device()
    }
}
