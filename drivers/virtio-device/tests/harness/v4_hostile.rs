// SPDX-License-Identifier: MIT
//! V4: hostile chains. Loops, indices out of range, huge lengths, buffers
//! outside RAM or wrapping, bad indirect tables, readable after writable,
//! an available index that jumps: each is its own error, never a panic;
//! guest memory is left untouched, the queue stays broken and the device
//! reports DEVICE_NEEDS_RESET with a configuration-change interrupt.
//!
//! Owns the refusals; must not test honest traffic (V3).

use crate::rig::{BASE, BUFFERS, INDIRECT, Layout, NEXT, RAM, Rig, TestDevice, WRITE};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::*;
use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{ChainError, GuestMemory, MemoryError};

/// Lays out a hostile chain on queue 0 of `rig` (size 8, indirect negotiated).
type Setup = fn(&mut Rig, Layout);

const TOP: u64 = BASE + RAM as u64;
const TABLE: u64 = BUFFERS + 0x1000;

fn cases() -> Vec<(&'static str, Setup, ChainError)> {
    vec![
        (
            "two-descriptor loop",
            |r, l| {
                r.desc(l.desc, 0, BUFFERS, 1, NEXT, 1);
                r.desc(l.desc, 1, BUFFERS, 1, NEXT, 0);
                r.offer(l, &[0]);
            },
            ChainError::Loop,
        ),
        (
            "self loop",
            |r, l| {
                r.desc(l.desc, 4, BUFFERS, 1, NEXT | WRITE, 4);
                r.offer(l, &[4]);
            },
            ChainError::Loop,
        ),
        ("head out of range", |r, l| r.offer(l, &[8]), ChainError::IndexOutOfRange),
        ("head 0xffff", |r, l| r.offer(l, &[0xffff]), ChainError::IndexOutOfRange),
        (
            "next out of range",
            |r, l| {
                r.desc(l.desc, 0, BUFFERS, 1, NEXT, 8);
                r.offer(l, &[0]);
            },
            ChainError::IndexOutOfRange,
        ),
        (
            "4 GiB length",
            |r, l| {
                r.desc(l.desc, 0, BUFFERS, u32::MAX, WRITE, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "below RAM",
            |r, l| {
                r.desc(l.desc, 0, BASE - 8, 4, 0, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "straddles the end of RAM",
            |r, l| {
                r.desc(l.desc, 0, TOP - 4, 8, WRITE, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "wraps the address space",
            |r, l| {
                r.desc(l.desc, 0, u64::MAX - 3, 16, WRITE, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "readable after writable",
            |r, l| {
                r.desc(l.desc, 0, BUFFERS, 4, NEXT | WRITE, 1);
                r.desc(l.desc, 1, BUFFERS + 8, 4, 0, 0);
                r.offer(l, &[0]);
            },
            ChainError::ReadableAfterWritable,
        ),
        (
            "indirect length not a multiple of 16",
            |r, l| {
                r.desc(TABLE, 0, BUFFERS, 4, 0, 0);
                r.desc(l.desc, 0, TABLE, 24, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::BadIndirect,
        ),
        (
            "indirect length 0",
            |r, l| {
                r.desc(l.desc, 0, TABLE, 0, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::BadIndirect,
        ),
        (
            "indirect table larger than the queue",
            |r, l| {
                r.desc(l.desc, 0, TABLE, 16 * 9, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::BadIndirect,
        ),
        (
            "indirect with NEXT",
            |r, l| {
                r.desc(TABLE, 0, BUFFERS, 4, 0, 0);
                r.desc(l.desc, 0, TABLE, 16, INDIRECT | NEXT, 1);
                r.desc(l.desc, 1, BUFFERS, 4, 0, 0);
                r.offer(l, &[0]);
            },
            ChainError::BadIndirect,
        ),
        (
            "nested indirect",
            |r, l| {
                r.desc(TABLE, 0, BUFFERS, 4, NEXT, 1);
                r.desc(TABLE, 1, TABLE, 32, INDIRECT, 0);
                r.desc(l.desc, 0, TABLE, 32, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::NestedIndirect,
        ),
        (
            "indirect table outside RAM",
            |r, l| {
                r.desc(l.desc, 0, TOP - 16, 32, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "loop inside an indirect table",
            |r, l| {
                r.desc(TABLE, 0, BUFFERS, 4, NEXT, 1);
                r.desc(TABLE, 1, BUFFERS, 4, NEXT, 0);
                r.desc(l.desc, 0, TABLE, 32, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::Loop,
        ),
        (
            "next out of an indirect table",
            |r, l| {
                r.desc(TABLE, 0, BUFFERS, 4, NEXT, 2);
                r.desc(l.desc, 0, TABLE, 32, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::IndexOutOfRange,
        ),
        (
            "buffer in an indirect table outside RAM",
            |r, l| {
                r.desc(TABLE, 0, TOP, 4, WRITE, 0);
                r.desc(l.desc, 0, TABLE, 16, INDIRECT, 0);
                r.offer(l, &[0]);
            },
            ChainError::OutOfMemory,
        ),
        (
            "avail.idx jumps past the queue size",
            |r, l| {
                r.desc(l.desc, 0, BUFFERS, 4, 0, 0);
                r.set_u16(l.avail + 2, 9);
            },
            ChainError::AvailIndexJump,
        ),
        (
            "avail.idx goes backwards",
            |r, l| {
                r.set_u16(l.avail + 2, 0xffff);
            },
            ChainError::AvailIndexJump,
        ),
    ]
}

/// Runs one hostile setup: the error, nothing written, the queue broken.
fn refused(name: &str, setup: Setup, want: ChainError, size: u16) {
    let mut rig = Rig::with(TestDevice { queue_max: size, ..TestDevice::default() });
    let l = rig.up(size, VIRTIO_F_RING_INDIRECT_DESC);
    setup(&mut rig, l);
    let before = rig.mem.bytes().to_vec();
    rig.kick(0);
    let taken = rig.taken();
    assert_eq!(taken.len(), 1, "{name}");
    assert_eq!(taken[0].as_ref().unwrap_err(), &want, "{name}");
    assert!(rig.mem.bytes() == &before[..], "{name}: guest memory was written");
    assert_ne!(rig.r(STATUS) & STATUS_DEVICE_NEEDS_RESET, 0, "{name}");
    assert_eq!(rig.r(INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE, "{name}");
    // Broken stays broken: further kicks are ignored, pops refuse.
    rig.kick(0);
    assert!(rig.taken().is_empty(), "{name}");
    let (_, queues) = rig.dev.device_and_queues();
    assert!(queues.is_broken(0));
    assert_eq!(queues.pop(0, &rig.mem), Err(ChainError::Broken), "{name}");
    // A reset mends it (the driver starts from fresh rings).
    rig.mem.bytes_mut()[..0x1_0000].fill(0);
    let l = rig.up(size, 0);
    rig.desc(l.desc, 0, BUFFERS, 4, 0, 0);
    rig.offer(l, &[0]);
    rig.kick(0);
    assert!(rig.taken()[0].is_ok(), "{name}: not mended by a reset");
}

#[test]
fn v4_each_hostile_chain_is_refused() {
    for (name, setup, want) in cases() {
        refused(name, setup, want, 8);
    }
}

#[test]
fn v4_too_many_buffers() {
    let setup: Setup = |r, l| {
        for i in 0..65u16 {
            r.desc(l.desc, i, BUFFERS + u64::from(i), 1, if i < 64 { NEXT } else { 0 }, i + 1);
        }
        r.offer(l, &[0]);
    };
    // The queue allows 128 descriptors, but a chain holds at most 64 buffers.
    refused("65 buffers", setup, ChainError::TooLong, 128);
}

/// RAM that also claims a terabyte of phantom RAM above 1 TiB (reads as
/// zeros, writes refused): buffers large enough to overflow a `u32` total.
struct Phantom(VecMemory);

const PHANTOM: u64 = 1 << 40;

impl GuestMemory for Phantom {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), MemoryError> {
        if addr >= PHANTOM {
            out.fill(0);
            return Ok(());
        }
        self.0.read(addr, out)
    }
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.0.write(addr, data)
    }
    fn contains(&self, addr: u64, len: u64) -> bool {
        (addr >= PHANTOM && addr.checked_add(len).is_some_and(|e| e <= 2 * PHANTOM)) || self.0.contains(addr, len)
    }
}

#[test]
fn v4_total_length_overflow() {
    let mut rig = Rig::new();
    let l = rig.up(8, 0);
    rig.desc(l.desc, 0, PHANTOM, 0xc000_0000, NEXT, 1);
    rig.desc(l.desc, 1, PHANTOM, 0x4000_0000, WRITE, 0);
    rig.offer(l, &[0]);
    let mut mem = Phantom(rig.mem.clone());
    let before = mem.0.bytes().to_vec();
    rig.dev.write(QUEUE_NOTIFY, 4, 0, &mut mem);
    assert_eq!(rig.taken()[0].as_ref().unwrap_err(), &ChainError::LengthOverflow);
    assert!(mem.0.bytes() == &before[..]);
    assert_ne!(rig.dev.status() & STATUS_DEVICE_NEEDS_RESET, 0);
}
