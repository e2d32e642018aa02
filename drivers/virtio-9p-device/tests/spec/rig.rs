// SPDX-License-Identifier: MIT
//! The harness's rig: a `Virtio9p` behind `MmioDevice`, brought up as
//! Linux's `virtio_mmio` and `trans_virtio` do, with the driver's side
//! played by hand in a `VecMemory` (chains of device-readable request
//! buffers and device-writable reply buffers, the used ring read back),
//! and the domain's side (`take_request`, `complete`, `backend_lost`)
//! through `MmioDevice::device_and_queues`; 9P messages are made with
//! `bulkhead_ninep`.
//!
//! Owns the test scaffolding; must not assert requirements (the `n*`
//! modules do).

use bulkhead_ninep::{Frame, Message};
use bulkhead_virtio_9p_device::{MSIZE, MountTag, ReplyError, Virtio9p};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::testing::{VecMemory, put_descriptor};
use bulkhead_virtio_device::{GuestMemory, MmioDevice, regs};

/// Guest RAM: 2 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
pub const DESC: u64 = BASE;
pub const AVAIL: u64 = BASE + 0x1000;
pub const USED: u64 = BASE + 0x2000;
/// Buffers: 32 KiB per chain id.
pub const BUFS: u64 = BASE + 0x1_0000;
/// The queue size the driver sets.
pub const SIZE: u16 = 128;
/// Chains the rig can have posted at once (4 descriptors each).
pub const CHAINS: u16 = 32;
const NEXT: u16 = 1;
const WRITE: u16 = 2;

/// One buffer of a chain as the driver posts it.
#[derive(Clone, Debug)]
pub enum Seg {
    /// Device-readable, holding these bytes.
    R(Vec<u8>),
    /// Device-writable, this long.
    W(u32),
}

/// The tag "bulkhead".
pub fn tag() -> MountTag {
    MountTag::new("bulkhead").unwrap()
}

/// `message` with `tag`, encoded.
pub fn msg(tag: u16, message: Message<'_>) -> Vec<u8> {
    let mut out = vec![0u8; 70_000];
    let n = Frame::new(tag, message).encode(&mut out).unwrap();
    out.truncate(n);
    out
}

/// A device, its guest RAM and the driver's bookkeeping.
pub struct Rig {
    pub dev: MmioDevice<Virtio9p>,
    pub mem: VecMemory,
    /// Per chain id: its buffers (addr, len, writable) while posted.
    posted: Vec<Option<Vec<(u64, u32, bool)>>>,
    /// Used entries read so far.
    seen: u16,
    /// Chains posted, in all.
    pub total_posted: usize,
    /// Used entries seen, in all.
    pub total_used: usize,
}

impl Rig {
    /// A device with `tag`, not yet probed.
    pub fn new(tag: MountTag) -> Self {
        Self {
            dev: MmioDevice::new(Virtio9p::new(tag)),
            mem: VecMemory::new(BASE, 0x20_0000),
            posted: vec![None; usize::from(CHAINS)],
            seen: 0,
            total_posted: 0,
            total_used: 0,
        }
    }

    /// A "bulkhead" device brought up.
    pub fn up() -> Self {
        let mut r = Self::new(tag());
        r.bring_up();
        r
    }

    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, features (MOUNT_TAG, VERSION_1), the request queue, DRIVER_OK.
    pub fn bring_up(&mut self) {
        self.w(regs::STATUS, 0);
        self.mem.bytes_mut().fill(0);
        self.posted = vec![None; usize::from(CHAINS)];
        self.seen = 0;
        assert_eq!(self.r(regs::DEVICE_ID), 9);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DEVICE_FEATURES_SEL, 0);
        assert_eq!(self.r(regs::DEVICE_FEATURES), 1 | 1 << 28, "MOUNT_TAG and RING_INDIRECT_DESC");
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        assert_ne!(self.r(regs::STATUS) & STATUS_FEATURES_OK, 0);
        self.w(regs::QUEUE_SEL, 0);
        assert_eq!(self.r(regs::QUEUE_NUM_MAX), 128);
        self.w(regs::QUEUE_NUM, u32::from(SIZE));
        for (lo, addr) in
            [(regs::QUEUE_DESC_LOW, DESC), (regs::QUEUE_DRIVER_LOW, AVAIL), (regs::QUEUE_DEVICE_LOW, USED)]
        {
            self.w(lo, addr as u32);
            self.w(lo + 4, (addr >> 32) as u32);
        }
        self.w(regs::QUEUE_READY, 1);
        assert_eq!(self.r(regs::QUEUE_READY), 1);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    fn u16_at(&self, addr: u64) -> u16 {
        let mut b = [0u8; 2];
        self.mem.read(addr, &mut b).unwrap();
        u16::from_le_bytes(b)
    }

    /// Chains posted and not yet used.
    pub fn outstanding(&self) -> usize {
        self.posted.iter().flatten().count()
    }

    /// Posts a chain of `segs` (at most 4) without a kick; its head.
    pub fn post(&mut self, segs: &[Seg]) -> u16 {
        assert!(!segs.is_empty() && segs.len() <= 4);
        let c = self.posted.iter().position(Option::is_none).expect("a free chain id") as u16;
        let mut addr = BUFS + 0x8000 * u64::from(c);
        let mut bufs = Vec::new();
        for (i, s) in segs.iter().enumerate() {
            let d = 4 * c + i as u16;
            let (len, flags) = match s {
                Seg::R(bytes) => {
                    self.mem.write(addr, bytes).unwrap();
                    (bytes.len() as u32, 0)
                }
                Seg::W(len) => {
                    self.mem.write(addr, &vec![0xEE; *len as usize]).unwrap();
                    (*len, WRITE)
                }
            };
            let next = if i + 1 < segs.len() { NEXT } else { 0 };
            put_descriptor(&mut self.mem, DESC, d, addr, len, flags | next, d + 1).unwrap();
            bufs.push((addr, len, flags == WRITE));
            addr += u64::from(len);
        }
        assert!(addr <= BUFS + 0x8000 * u64::from(c + 1));
        self.posted[usize::from(c)] = Some(bufs);
        let idx = self.u16_at(AVAIL + 2);
        let head = 4 * c;
        self.mem.write(AVAIL + 4 + 2 * u64::from(idx % SIZE), &head.to_le_bytes()).unwrap();
        self.mem.write(AVAIL + 2, &idx.wrapping_add(1).to_le_bytes()).unwrap();
        self.total_posted += 1;
        head
    }

    /// QueueNotify.
    pub fn kick(&mut self) {
        self.w(regs::QUEUE_NOTIFY, 0);
    }

    /// Posts `request` with an `MSIZE` reply buffer (as `p9_virtio_request`
    /// does) and kicks; its head.
    pub fn send(&mut self, request: &[u8]) -> u16 {
        let h = self.post(&[Seg::R(request.to_vec()), Seg::W(MSIZE)]);
        self.kick();
        h
    }

    /// The used entries since the last call: (head, len, the bytes written
    /// into its device-writable part up to len). Frees their chain ids.
    pub fn used(&mut self) -> Vec<(u16, u32, Vec<u8>)> {
        let mut out = Vec::new();
        while self.seen != self.u16_at(USED + 2) {
            let mut b = [0u8; 8];
            self.mem.read(USED + 4 + 8 * u64::from(self.seen % SIZE), &mut b).unwrap();
            let id = u32::from_le_bytes(b[..4].try_into().unwrap()) as u16;
            let len = u32::from_le_bytes(b[4..].try_into().unwrap());
            let bufs = self.posted[usize::from(id / 4)].take().expect("used once, of a posted chain");
            assert_eq!(id % 4, 0);
            let mut bytes = Vec::new();
            for (addr, blen, w) in bufs {
                if w {
                    let mut v = vec![0u8; blen as usize];
                    self.mem.read(addr, &mut v).unwrap();
                    bytes.extend(v);
                }
            }
            bytes.truncate(len as usize);
            out.push((id, len, bytes));
            self.seen = self.seen.wrapping_add(1);
            self.total_used += 1;
        }
        out
    }

    /// The domain takes the next request: (tag, bytes).
    pub fn take(&mut self) -> Option<(u16, Vec<u8>)> {
        let mut out = vec![0u8; MSIZE as usize];
        let (tag, len) = self.dev.device().take_request(&mut out)?;
        out.truncate(len);
        Some((tag, out))
    }

    /// The domain delivers a reply.
    pub fn complete(&mut self, reply: &[u8]) -> Result<(), ReplyError> {
        let (dev, queues) = self.dev.device_and_queues();
        dev.complete(reply, queues, &mut self.mem)
    }

    /// The backend is lost.
    pub fn lost(&mut self) -> usize {
        let (dev, queues) = self.dev.device_and_queues();
        dev.backend_lost(queues, &mut self.mem)
    }

    /// The domain pumps the queue.
    pub fn pump(&mut self) {
        let (dev, queues) = self.dev.device_and_queues();
        dev.pump(queues, &mut self.mem);
    }

    /// Reads and acknowledges the interrupt status.
    pub fn irq(&mut self) -> u32 {
        let s = self.r(regs::INTERRUPT_STATUS);
        self.w(regs::INTERRUPT_ACK, s);
        s
    }
}
