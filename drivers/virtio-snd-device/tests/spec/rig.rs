// SPDX-License-Identifier: MIT
//! The harness's rig: a `VirtioSnd` behind `MmioDevice`, brought up as
//! Linux's `virtio_mmio` and `virtio_snd` do (four queues of 64), with the
//! driver's side played by hand in a `VecMemory` — control requests with
//! a separate response buffer (`virtsnd_ctl_msg_send`), tx messages as an
//! xfer header, PCM and a status buffer (`virtsnd_pcm_msg_send`) — and
//! the domain's side through `MmioDevice::device_and_queues`.
//!
//! Owns the test scaffolding; must not assert requirements (the `s*`
//! modules do).

use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::testing::{VecMemory, put_descriptor};
use bulkhead_virtio_device::{GuestMemory, MmioDevice, regs};
use bulkhead_virtio_snd_device::{MAX_PERIOD, VirtioSnd, wire};

/// Guest RAM: 6 MiB at 1 GiB.
pub const BASE: u64 = 0x4000_0000;
pub const RAM: usize = 0x60_0000;
/// Buffers: 64 KiB per (queue, chain slot), from 1 MiB on.
pub const BUFS: u64 = BASE + 0x10_0000;
/// The queue size the driver sets.
pub const SIZE: u16 = 64;
/// Chains the rig can have posted at once per queue (4 descriptors each).
pub const SLOTS: u16 = 16;
const NEXT: u16 = 1;
const WRITE: u16 = 2;

/// Queue `q`'s descriptor table, available ring and used ring.
pub fn rings(q: u16) -> (u64, u64, u64) {
    let base = BASE + u64::from(q) * 0x1_0000;
    (base, base + 0x4000, base + 0x8000)
}

/// One buffer of a chain as the driver posts it.
#[derive(Clone, Debug)]
pub enum Seg {
    /// Device-readable, holding these bytes.
    R(Vec<u8>),
    /// Device-writable, this long (filled with 0xEE).
    W(u32),
}

/// A used entry: head, length, the writable bytes (all of them).
#[derive(Clone, Debug)]
pub struct Used {
    pub head: u16,
    pub len: u32,
    pub bytes: Vec<u8>,
}

/// A posted chain's buffers: (addr, len, writable).
type Bufs = Vec<(u64, u32, bool)>;

/// A device, its guest RAM and the driver's bookkeeping.
pub struct Rig {
    pub dev: MmioDevice<VirtioSnd>,
    pub mem: VecMemory,
    /// Per queue, per slot: its buffers (addr, len, writable) while posted.
    posted: Vec<Vec<Option<Bufs>>>,
    /// Per queue: used entries read so far.
    seen: [u16; 4],
    /// Chains posted, in all.
    pub total_posted: usize,
    /// Used entries seen, in all.
    pub total_used: usize,
}

/// `le32` words.
pub fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A `virtio_snd_pcm_set_params` request for stream 0.
pub fn set_params(buffer: u32, period: u32, features: u32, channels: u8, format: u8, rate: u8) -> Vec<u8> {
    let mut r = words(&[wire::R_PCM_SET_PARAMS, 0, buffer, period, features]);
    r.extend([channels, format, rate, 0]);
    r
}

/// A good `set_params`: 4 periods of 1920 bytes (10 ms), as Linux sets
/// S16 stereo at 48 kHz.
pub fn good_params() -> Vec<u8> {
    set_params(4 * 1920, 1920, 0, 2, wire::PCM_FMT_S16, wire::PCM_RATE_48000)
}

/// `n` bytes of recognisable PCM.
pub fn pcm(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect()
}

impl Rig {
    /// A device brought up.
    pub fn up() -> Self {
        let mut r = Self {
            dev: MmioDevice::new(VirtioSnd::new()),
            mem: VecMemory::new(BASE, RAM),
            posted: vec![vec![None; usize::from(SLOTS)]; 4],
            seen: [0; 4],
            total_posted: 0,
            total_used: 0,
        };
        r.bring_up();
        r
    }

    pub fn r(&mut self, offset: u64) -> u32 {
        u32::try_from(self.dev.read(offset, 4)).unwrap()
    }

    pub fn w(&mut self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v), &mut self.mem);
    }

    /// Reset, features (VERSION_1), the four queues, DRIVER_OK.
    pub fn bring_up(&mut self) {
        self.w(regs::STATUS, 0);
        self.mem.bytes_mut().fill(0);
        self.posted = vec![vec![None; usize::from(SLOTS)]; 4];
        self.seen = [0; 4];
        assert_eq!(self.r(regs::DEVICE_ID), 25);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        self.w(regs::DRIVER_FEATURES_SEL, 1);
        self.w(regs::DRIVER_FEATURES, 1);
        self.w(regs::DRIVER_FEATURES_SEL, 0);
        self.w(regs::DRIVER_FEATURES, 0);
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        assert_ne!(self.r(regs::STATUS) & STATUS_FEATURES_OK, 0);
        for q in 0..4 {
            self.w(regs::QUEUE_SEL, u32::from(q));
            assert_eq!(self.r(regs::QUEUE_NUM_MAX), 64);
            self.w(regs::QUEUE_NUM, u32::from(SIZE));
            let (desc, avail, used) = rings(q);
            for (lo, addr) in
                [(regs::QUEUE_DESC_LOW, desc), (regs::QUEUE_DRIVER_LOW, avail), (regs::QUEUE_DEVICE_LOW, used)]
            {
                self.w(lo, addr as u32);
                self.w(lo + 4, (addr >> 32) as u32);
            }
            self.w(regs::QUEUE_READY, 1);
            assert_eq!(self.r(regs::QUEUE_READY), 1);
        }
        self.w(regs::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    pub fn u16_at(&self, addr: u64) -> u16 {
        let mut b = [0u8; 2];
        self.mem.read(addr, &mut b).unwrap();
        u16::from_le_bytes(b)
    }

    /// Chains posted on `q` and not yet used.
    pub fn outstanding(&self, q: u16) -> usize {
        self.posted[usize::from(q)].iter().flatten().count()
    }

    /// Posts a chain of `segs` (1 to 4) on `q` without a kick; its head.
    pub fn post(&mut self, q: u16, segs: &[Seg]) -> u16 {
        assert!(!segs.is_empty() && segs.len() <= 4);
        let (desc, avail, _) = rings(q);
        let c = self.posted[usize::from(q)].iter().position(Option::is_none).expect("a free slot") as u16;
        let start = BUFS + 0x1_0000 * (u64::from(q) * u64::from(SLOTS) + u64::from(c));
        let mut addr = start;
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
        assert!(addr <= start + 0x1_0000);
        self.posted[usize::from(q)][usize::from(c)] = Some(bufs);
        let idx = self.u16_at(avail + 2);
        let head = 4 * c;
        self.mem.write(avail + 4 + 2 * u64::from(idx % SIZE), &head.to_le_bytes()).unwrap();
        self.mem.write(avail + 2, &idx.wrapping_add(1).to_le_bytes()).unwrap();
        self.total_posted += 1;
        head
    }

    /// QueueNotify of `q`.
    pub fn kick(&mut self, q: u16) {
        self.w(regs::QUEUE_NOTIFY, u32::from(q));
    }

    /// The used entries of `q` since the last call. Frees their slots.
    pub fn used(&mut self, q: u16) -> Vec<Used> {
        let (_, _, used) = rings(q);
        let qi = usize::from(q);
        let mut out = Vec::new();
        while self.seen[qi] != self.u16_at(used + 2) {
            let mut b = [0u8; 8];
            self.mem.read(used + 4 + 8 * u64::from(self.seen[qi] % SIZE), &mut b).unwrap();
            let head = u32::from_le_bytes(b[..4].try_into().unwrap()) as u16;
            let len = u32::from_le_bytes(b[4..].try_into().unwrap());
            assert_eq!(head % 4, 0);
            let bufs = self.posted[qi][usize::from(head / 4)].take().expect("used once, of a posted chain");
            let mut bytes = Vec::new();
            for (addr, blen, w) in bufs {
                if w {
                    let mut v = vec![0u8; blen as usize];
                    self.mem.read(addr, &mut v).unwrap();
                    bytes.extend(v);
                }
            }
            out.push(Used { head, len, bytes });
            self.seen[qi] = self.seen[qi].wrapping_add(1);
            self.total_used += 1;
        }
        out
    }

    /// Sends a control request with `room` response bytes; the used
    /// entry (its bytes cut to the used length).
    pub fn control_room(&mut self, req: &[u8], room: u32) -> Used {
        self.post(0, &[Seg::R(req.to_vec()), Seg::W(room)]);
        self.kick(0);
        let mut u = self.used(0);
        assert_eq!(u.len(), 1, "answered at once");
        let mut u = u.pop().unwrap();
        u.bytes.truncate(u.len as usize);
        u
    }

    /// Sends a control request with a 4-byte response buffer (as Linux
    /// does for every request but the queries); the status.
    pub fn control(&mut self, req: &[u8]) -> u32 {
        let u = self.control_room(req, 4);
        assert_eq!(u.len, 4);
        u32::from_le_bytes(u.bytes[..4].try_into().unwrap())
    }

    /// A PREPARE, START, STOP or RELEASE of stream 0; the status.
    pub fn cmd(&mut self, code: u32) -> u32 {
        self.control(&words(&[code, 0]))
    }

    /// SET_PARAMS (good), PREPARE, START, each OK.
    pub fn start(&mut self) {
        assert_eq!(self.control(&good_params()), wire::S_OK);
        assert_eq!(self.cmd(wire::R_PCM_PREPARE), wire::S_OK);
        assert_eq!(self.cmd(wire::R_PCM_START), wire::S_OK);
    }

    /// Posts a tx message as Linux does (xfer header, PCM, 8-byte status)
    /// and kicks; its head.
    pub fn play(&mut self, pcm: &[u8]) -> u16 {
        let h = self.post(2, &[Seg::R(words(&[0])), Seg::R(pcm.to_vec()), Seg::W(8)]);
        self.kick(2);
        h
    }

    /// The domain: the oldest buffer's PCM.
    pub fn read(&mut self) -> Option<Vec<u8>> {
        let mut out = vec![0u8; MAX_PERIOD as usize];
        let n = self.dev.device().read_buffer(&self.mem, &mut out).ok()?;
        out.truncate(n);
        Some(out)
    }

    /// The domain: completes the oldest buffer.
    pub fn complete(&mut self) -> bool {
        let (dev, queues) = self.dev.device_and_queues();
        dev.complete_buffer(queues, &mut self.mem)
    }

    /// Reads and acknowledges the interrupt status.
    pub fn irq(&mut self) -> u32 {
        let s = self.r(regs::INTERRUPT_STATUS);
        self.w(regs::INTERRUPT_ACK, s);
        s
    }
}

/// The status word and latency of a tx/rx status.
pub fn status_of(bytes: &[u8]) -> (u32, u32) {
    (u32::from_le_bytes(bytes[..4].try_into().unwrap()), u32::from_le_bytes(bytes[4..8].try_into().unwrap()))
}
