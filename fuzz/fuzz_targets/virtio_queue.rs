// SPDX-License-Identifier: MIT
//! The virtio device core's split virtqueue (`bulkhead-virtio-device`)
//! against a guest that the fuzz input controls.
//!
//! The input chooses a queue (size, where its rings are, whether indirect
//! descriptors are negotiated) in 16 KiB of guest RAM, blocks of which it
//! fills, then a script of steps: kicks, scribbles anywhere in RAM,
//! descriptors (in the table or anywhere) and new available indices. A device pops every chain, copies its
//! readable part out, fills its writable part and completes it.
//!
//! Invariants: nothing panics; every chain popped is within the limits
//! (buffers in RAM, readable ones first, at most `MAX_SEGMENTS`, lengths
//! add up); once a pop fails the queue stays broken and DEVICE_NEEDS_RESET
//! is set; the device writes guest memory only in the used ring (index and
//! elements) and in the writable buffers of chains it popped.
//! Owns this target only; must not touch the crate under test.
#![no_main]

use bulkhead_virtio_device::features::{
    STATUS_ACKNOWLEDGE, STATUS_DEVICE_NEEDS_RESET, STATUS_DRIVER, STATUS_DRIVER_OK, STATUS_FEATURES_OK,
    VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_VERSION_1,
};
use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{
    Chain, ChainError, Device, GuestMemory, MAX_SEGMENTS, MemoryError, MmioDevice, Queues, regs,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::ops::Range;

/// Guest RAM: 16 KiB at 2 GiB.
const BASE: u64 = 0x8000_0000;
const RAM: usize = 0x4000;
/// Steps per input.
const MAX_STEPS: usize = 256;

/// Guest RAM that logs the range of every write it accepted.
struct Logged {
    ram: VecMemory,
    writes: Vec<Range<u64>>,
}

impl GuestMemory for Logged {
    fn read(&self, addr: u64, out: &mut [u8]) -> MemResult {
        self.ram.read(addr, out)
    }
    fn write(&mut self, addr: u64, data: &[u8]) -> MemResult {
        self.ram.write(addr, data)?;
        self.writes.push(addr..addr + data.len() as u64);
        Ok(())
    }
    fn contains(&self, addr: u64, len: u64) -> bool {
        self.ram.contains(addr, len)
    }
}

type MemResult = core::result::Result<(), MemoryError>;

/// Takes every chain, checks it, completes it with `reply` bytes.
#[derive(Default)]
struct Taker {
    reply: usize,
    popped: Vec<Chain>,
    error: Option<ChainError>,
}

fn check_chain(c: &Chain) {
    let segs = c.segments();
    assert!(segs.len() <= MAX_SEGMENTS);
    let first_writable = segs.iter().position(|s| s.writable).unwrap_or(segs.len());
    assert!(segs[first_writable..].iter().all(|s| s.writable), "readable after writable");
    let (mut r, mut w) = (0u64, 0u64);
    for s in segs {
        let end = s.addr.checked_add(u64::from(s.len)).expect("wrapping buffer");
        assert!(s.len == 0 || (s.addr >= BASE && end <= BASE + RAM as u64), "buffer outside RAM: {s:?}");
        if s.writable { w += u64::from(s.len) } else { r += u64::from(s.len) }
    }
    assert_eq!((r, w), (u64::from(c.readable_len()), u64::from(c.writable_len())));
    assert!(r + w <= u64::from(u32::MAX));
}

impl Device for Taker {
    fn device_id(&self) -> u32 {
        18
    }
    fn features(&self) -> u64 {
        0
    }
    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue == 0).then_some(64)
    }
    fn config_len(&self) -> u32 {
        0
    }
    fn read_config(&self, _: u32, _: &mut [u8]) {}
    fn write_config(&mut self, _: u32, _: &[u8]) {}
    fn reset(&mut self) {}
    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        loop {
            match queues.pop(queue, mem) {
                Ok(None) => break,
                Ok(Some(chain)) => {
                    assert!(self.error.is_none(), "a broken queue gave a chain");
                    check_chain(&chain);
                    let mut copy = vec![0u8; chain.readable_len() as usize];
                    assert_eq!(chain.read_all(mem, &mut copy), Ok(copy.len()));
                    let reply = vec![0xa5u8; self.reply];
                    let n = chain.write_all(mem, &reply).expect("writable part is RAM");
                    assert_eq!(n, self.reply.min(chain.writable_len() as usize));
                    queues.push_used(queue, &chain, n as u32, mem).expect("used ring is RAM");
                    self.popped.push(chain);
                }
                Err(e) => {
                    if self.error.is_some() {
                        assert_eq!(e, ChainError::Broken);
                    } else {
                        assert_ne!(e, ChainError::Broken, "broken without a cause");
                        self.error = Some(e);
                    }
                    assert!(queues.is_broken(queue));
                    assert_eq!(queues.pop(queue, mem), Err(ChainError::Broken));
                    break;
                }
            }
        }
    }
}

fn w(dev: &mut MmioDevice<Taker>, mem: &mut Logged, off: u64, v: u64) {
    dev.write(off, 4, v, mem);
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let size: u16 = 1 << u.int_in_range(0..=6u32)?;
    let n = u64::from(size);
    let pick = |u: &mut Unstructured<'_>, len: u64, align: u64| -> Result<u64> {
        Ok(BASE + u.int_in_range(0..=(RAM as u64 - len) / align)? * align)
    };
    let desc = pick(u, 16 * n, 16)?;
    let avail = pick(u, 6 + 2 * n, 2)?;
    let used = pick(u, 6 + 8 * n, 4)?;
    let indirect: bool = u.arbitrary()?;
    // Some of RAM from the input (the rest zero), then the script; the
    // descriptors mostly land in the table through the first block.
    let mut bytes = vec![0u8; RAM];
    for _ in 0..u.int_in_range(0..=4u8)? {
        let at = u.int_in_range(0..=RAM - 1)?;
        let len = u.int_in_range(0..=1024usize)?.min(RAM - at);
        let b = u.bytes(len.min(u.len()))?;
        bytes[at..at + b.len()].copy_from_slice(b);
    }
    let mut mem = Logged { ram: VecMemory::from_bytes(BASE, bytes), writes: Vec::new() };
    let mut dev = MmioDevice::new(Taker { reply: u.int_in_range(0..=64)?, ..Taker::default() });

    let features = VIRTIO_F_VERSION_1 | if indirect { VIRTIO_F_RING_INDIRECT_DESC } else { 0 };
    w(&mut dev, &mut mem, regs::STATUS, u64::from(STATUS_ACKNOWLEDGE | STATUS_DRIVER));
    w(&mut dev, &mut mem, regs::DRIVER_FEATURES_SEL, 1);
    w(&mut dev, &mut mem, regs::DRIVER_FEATURES, features >> 32);
    w(&mut dev, &mut mem, regs::DRIVER_FEATURES_SEL, 0);
    w(&mut dev, &mut mem, regs::DRIVER_FEATURES, features & 0xffff_ffff);
    w(&mut dev, &mut mem, regs::STATUS, u64::from(STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK));
    w(&mut dev, &mut mem, regs::QUEUE_NUM, n);
    for (lo, a) in [(regs::QUEUE_DESC_LOW, desc), (regs::QUEUE_DRIVER_LOW, avail), (regs::QUEUE_DEVICE_LOW, used)] {
        w(&mut dev, &mut mem, lo, a & 0xffff_ffff);
        w(&mut dev, &mut mem, lo + 4, a >> 32);
    }
    w(&mut dev, &mut mem, regs::QUEUE_READY, 1);
    assert_eq!(dev.read(regs::QUEUE_READY, 4), 1, "a valid queue refused");
    let all = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK;
    w(&mut dev, &mut mem, regs::STATUS, u64::from(all));
    assert!(mem.writes.is_empty());

    let used_ring = used + 2..used + 4 + 8 * n;
    for _ in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        match u.int_in_range(0..=4u8)? {
            0 | 1 => {
                w(&mut dev, &mut mem, regs::QUEUE_NOTIFY, 0);
                let popped = std::mem::take(&mut dev.device().popped);
                for r in mem.writes.drain(..) {
                    let in_used = r.start >= used_ring.start && r.end <= used_ring.end;
                    let in_buffer = popped
                        .iter()
                        .flat_map(|c| c.segments())
                        .any(|s| s.writable && r.start >= s.addr && r.end <= s.addr + u64::from(s.len));
                    assert!(in_used || in_buffer, "wrote {r:x?} outside the used ring and buffers");
                }
                let broken = dev.device().error.is_some();
                assert_eq!(dev.status() & STATUS_DEVICE_NEEDS_RESET != 0, broken);
            }
            2 => {
                let at = u.int_in_range(0..=RAM - 1)?;
                let len = u.int_in_range(0..=16usize)?.min(RAM - at);
                let b = u.bytes(len.min(u.len()))?;
                mem.ram.bytes_mut()[at..at + b.len()].copy_from_slice(b);
            }
            3 => {
                // A descriptor, mostly plausible: in the table (or any 16-byte slot), a
                // buffer mostly in RAM, any flags, a next mostly in range.
                let slot = if u.ratio(3, 4)? {
                    desc + 16 * u64::from(u.int_in_range(0..=size - 1)?)
                } else {
                    BASE + 16 * u.int_in_range(0..=RAM as u64 / 16 - 1)?
                };
                let addr: u64 = if u.ratio(7, 8)? { BASE + u.int_in_range(0..=RAM as u64)? } else { u.arbitrary()? };
                let len: u32 = if u.ratio(7, 8)? { u.int_in_range(0..=512)? } else { u.arbitrary()? };
                let flags: u16 = u.int_in_range(0..=7)?;
                let next: u16 = if u.ratio(7, 8)? { u.int_in_range(0..=size)? } else { u.arbitrary()? };
                let mut d = [0u8; 16];
                d[..8].copy_from_slice(&addr.to_le_bytes());
                d[8..12].copy_from_slice(&len.to_le_bytes());
                d[12..14].copy_from_slice(&flags.to_le_bytes());
                d[14..].copy_from_slice(&next.to_le_bytes());
                let at = (slot - BASE) as usize;
                mem.ram.bytes_mut()[at..at + 16].copy_from_slice(&d);
            }
            _ => {
                // Mostly a few more chains published, sometimes any index.
                let at = (avail + 2 - BASE) as usize;
                let ram = mem.ram.bytes_mut();
                let old = u16::from_le_bytes([ram[at], ram[at + 1]]);
                let idx: u16 =
                    if u.ratio(1, 8)? { u.arbitrary()? } else { old.wrapping_add(u.int_in_range(0..=size)?) };
                ram[at..at + 2].copy_from_slice(&idx.to_le_bytes());
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
