// SPDX-License-Identifier: MIT
//! The harness's rig: a `VirtioNet` behind `MmioDevice`, brought up as
//! Linux's `virtio_mmio` and `virtio_net` do, with the driver's side of
//! both queues played by hand in a `VecMemory` (chains of device-readable
//! and device-writable buffers, the used rings read back), and the domain's
//! side (`take_tx`, `deliver`, `can_deliver`) through
//! `MmioDevice::device_and_queues`.
//!
//! Owns the test scaffolding; must not assert requirements (the `e*`
//! modules do).

use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::testing::{VecMemory, put_descriptor};
use bulkhead_virtio_device::{GuestMemory, MmioDevice, regs};
use bulkhead_virtio_net_device::{HDR_LEN, MAX_FRAME, RxError, VirtioNet};

/// Guest RAM: 1 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
/// The queue size the driver sets (both queues).
pub const SIZE: u16 = 64;
/// Chains the rig can have posted at once per queue (4 descriptors each).
pub const CHAINS: u16 = 16;
/// Bytes of buffer room per chain.
const ROOM: u64 = 0x2000;
const NEXT: u16 = 1;
const WRITE: u16 = 2;
/// The guest's MAC.
pub const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
/// Linux's small receive buffer: `hdr_len` + GOOD_PACKET_LEN (1518).
pub const LINUX_RX_BUF: u32 = 12 + 1518;

/// One buffer of a chain as the driver posts it.
#[derive(Clone, Debug)]
pub enum Seg {
    /// Device-readable, holding these bytes.
    R(Vec<u8>),
    /// Device-writable, this long (filled with 0xEE).
    W(u32),
}

/// The driver's view of one queue.
pub struct Ring {
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
    bufs: u64,
    /// Per chain id: its buffers (addr, len, writable) while posted.
    posted: Vec<Option<Vec<(u64, u32, bool)>>>,
    /// Used entries read so far.
    seen: u16,
}

impl Ring {
    fn new(at: u64) -> Self {
        Self {
            desc: at,
            avail: at + 0x1000,
            used: at + 0x2000,
            bufs: at + 0x1_0000,
            posted: vec![None; usize::from(CHAINS)],
            seen: 0,
        }
    }
}

/// A used entry: head, used length, the device-writable bytes up to that
/// length, and all of the device-writable bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Used {
    pub head: u16,
    pub len: u32,
    pub bytes: Vec<u8>,
    pub whole: Vec<u8>,
}

/// A device, its guest RAM and the driver's bookkeeping.
pub struct Rig {
    pub dev: MmioDevice<VirtioNet>,
    pub mem: VecMemory,
    /// Queue 0 (receiveq) and 1 (transmitq).
    pub rings: [Ring; 2],
    /// Chains posted, per queue.
    pub total_posted: [usize; 2],
    /// Used entries seen, per queue.
    pub total_used: [usize; 2],
}

/// The header Linux puts in front of a frame without offloads: all zero
/// (`num_buffers` is left as it was in the skb's headroom: here 0xAB).
pub fn tx_header() -> Vec<u8> {
    let mut h = vec![0u8; HDR_LEN];
    h[10] = 0xAB;
    h[11] = 0xAB;
    h
}

/// An Ethernet frame of `len` bytes from the guest's MAC with ethertype
/// IPv4, its payload bytes counting from `seed`.
pub fn frame(len: usize, seed: u8) -> Vec<u8> {
    let mut f = vec![0xFF; 6];
    f.extend_from_slice(&MAC);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend((0..len.saturating_sub(14)).map(|i| seed.wrapping_add(i as u8)));
    f.truncate(len);
    f
}

impl Rig {
    /// A device, not yet probed.
    pub fn new() -> Self {
        Self {
            dev: MmioDevice::new(VirtioNet::new(MAC)),
            mem: VecMemory::new(BASE, 0x10_0000),
            rings: [Ring::new(BASE), Ring::new(BASE + 0x8_0000)],
            total_posted: [0; 2],
            total_used: [0; 2],
        }
    }

    /// A device brought up.
    pub fn up() -> Self {
        let mut r = Self::new();
        r.bring_up();
        r
    }

    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, features (MAC, STATUS, RING_INDIRECT_DESC, VERSION_1), the
    /// MAC and status read, both queues, DRIVER_OK, as `virtnet_probe`.
    pub fn bring_up(&mut self) {
        self.w(regs::STATUS, 0);
        self.mem.bytes_mut().fill(0);
        self.rings = [Ring::new(BASE), Ring::new(BASE + 0x8_0000)];
        assert_eq!(self.r(regs::DEVICE_ID), 1);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DEVICE_FEATURES_SEL, 0);
        let offered = self.r(regs::DEVICE_FEATURES);
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, offered);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        assert_ne!(self.r(regs::STATUS) & STATUS_FEATURES_OK, 0);
        for q in 0..2u16 {
            let ring = &self.rings[usize::from(q)];
            let addrs = [
                (regs::QUEUE_DESC_LOW, ring.desc),
                (regs::QUEUE_DRIVER_LOW, ring.avail),
                (regs::QUEUE_DEVICE_LOW, ring.used),
            ];
            self.w(regs::QUEUE_SEL, u32::from(q));
            assert_eq!(self.r(regs::QUEUE_NUM_MAX), 256);
            self.w(regs::QUEUE_NUM, u32::from(SIZE));
            for (lo, addr) in addrs {
                self.w(lo, addr as u32);
                self.w(lo + 4, (addr >> 32) as u32);
            }
            self.w(regs::QUEUE_READY, 1);
            assert_eq!(self.r(regs::QUEUE_READY), 1);
        }
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    fn u16_at(&self, addr: u64) -> u16 {
        let mut b = [0u8; 2];
        self.mem.read(addr, &mut b).unwrap();
        u16::from_le_bytes(b)
    }

    /// Chains posted on `q` and not yet used.
    pub fn outstanding(&self, q: u16) -> usize {
        self.rings[usize::from(q)].posted.iter().flatten().count()
    }

    /// Posts a chain of `segs` (1 to 4) on queue `q` without a kick; its
    /// head.
    pub fn post(&mut self, q: u16, segs: &[Seg]) -> u16 {
        assert!(!segs.is_empty() && segs.len() <= 4);
        let ring = &self.rings[usize::from(q)];
        let c = ring.posted.iter().position(Option::is_none).expect("a free chain id") as u16;
        let (desc, avail, mut addr) = (ring.desc, ring.avail, ring.bufs + ROOM * u64::from(c));
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
            put_descriptor(&mut self.mem, desc, d, addr, len, flags | next, d + 1).unwrap();
            bufs.push((addr, len, flags == WRITE));
            addr += u64::from(len);
        }
        assert!(addr <= self.rings[usize::from(q)].bufs + ROOM * u64::from(c + 1));
        self.rings[usize::from(q)].posted[usize::from(c)] = Some(bufs);
        let idx = self.u16_at(avail + 2);
        let head = 4 * c;
        self.mem.write(avail + 4 + 2 * u64::from(idx % SIZE), &head.to_le_bytes()).unwrap();
        self.mem.write(avail + 2, &idx.wrapping_add(1).to_le_bytes()).unwrap();
        self.total_posted[usize::from(q)] += 1;
        head
    }

    /// QueueNotify for `q`.
    pub fn kick(&mut self, q: u16) {
        self.w(regs::QUEUE_NOTIFY, u32::from(q));
    }

    /// Posts a Linux receive buffer (one writable descriptor of
    /// [`LINUX_RX_BUF`] bytes, as `add_recvbuf_small`); its head.
    pub fn post_rx(&mut self) -> u16 {
        self.post(0, &[Seg::W(LINUX_RX_BUF)])
    }

    /// Posts `frame` on the transmit queue with its header in a descriptor
    /// of its own (`split`) or in front of it in one (`can_push`); its head.
    pub fn post_tx(&mut self, frame: &[u8], split: bool) -> u16 {
        let hdr = tx_header();
        if split {
            self.post(1, &[Seg::R(hdr), Seg::R(frame.to_vec())])
        } else {
            self.post(1, &[Seg::R([hdr, frame.to_vec()].concat())])
        }
    }

    /// The used entries of `q` since the last call. Frees their chain ids.
    pub fn used(&mut self, q: u16) -> Vec<Used> {
        let mut out = Vec::new();
        let used = self.rings[usize::from(q)].used;
        while self.rings[usize::from(q)].seen != self.u16_at(used + 2) {
            let seen = self.rings[usize::from(q)].seen;
            let mut b = [0u8; 8];
            self.mem.read(used + 4 + 8 * u64::from(seen % SIZE), &mut b).unwrap();
            let head = u32::from_le_bytes(b[..4].try_into().unwrap()) as u16;
            let len = u32::from_le_bytes(b[4..].try_into().unwrap());
            assert_eq!(head % 4, 0);
            let bufs =
                self.rings[usize::from(q)].posted[usize::from(head / 4)].take().expect("used once, of a posted chain");
            let mut whole = Vec::new();
            for (addr, blen, w) in bufs {
                if w {
                    let mut v = vec![0u8; blen as usize];
                    self.mem.read(addr, &mut v).unwrap();
                    whole.extend(v);
                }
            }
            let bytes = whole[..whole.len().min(len as usize)].to_vec();
            out.push(Used { head, len, bytes, whole });
            self.rings[usize::from(q)].seen = seen.wrapping_add(1);
            self.total_used[usize::from(q)] += 1;
        }
        out
    }

    /// The domain takes the next frame.
    pub fn take(&mut self) -> Option<Vec<u8>> {
        let mut out = vec![0u8; MAX_FRAME];
        let (net, queues) = self.dev.device_and_queues();
        let len = net.take_tx(queues, &mut self.mem, &mut out)?;
        out.truncate(len);
        Some(out)
    }

    /// The domain delivers a frame.
    pub fn deliver(&mut self, frame: &[u8]) -> Result<(), RxError> {
        let (net, queues) = self.dev.device_and_queues();
        net.deliver(frame, queues, &mut self.mem)
    }

    /// Whether the domain may deliver.
    pub fn can_deliver(&mut self) -> bool {
        let (net, queues) = self.dev.device_and_queues();
        net.can_deliver(queues, &self.mem)
    }

    /// Reads and acknowledges the interrupt status.
    pub fn irq(&mut self) -> u32 {
        let s = self.r(regs::INTERRUPT_STATUS);
        self.w(regs::INTERRUPT_ACK, s);
        s
    }
}
