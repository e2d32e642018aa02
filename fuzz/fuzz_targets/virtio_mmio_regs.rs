// SPDX-License-Identifier: MIT
//! The virtio-mmio register file (`bulkhead-virtio-device`'s
//! `MmioDevice`) against a driver that the fuzz input controls.
//!
//! The input is a run of register reads and writes (any offset, size and
//! value, biased towards the registers and values that matter), kicks and
//! scribbles on guest RAM; a device pops and completes every chain.
//!
//! Invariants, checked after every step: nothing panics; a ready queue is
//! a valid one (size a power of two within its maximum, rings aligned and
//! inside RAM) and QueueReady reads 1 exactly for it; DRIVER_OK is never
//! set without FEATURES_OK, and FEATURES_OK only with offered features
//! including VERSION_1; the interrupt line follows InterruptStatus; a
//! status write of 0 leaves status, interrupts and queues clear.
//! Owns this target only; must not touch the crate under test.
#![no_main]

use bulkhead_virtio_device::features::{STATUS_DRIVER_OK, STATUS_FEATURES_OK, VIRTIO_F_VERSION_1};
use bulkhead_virtio_device::testing::VecMemory;
use bulkhead_virtio_device::{Device, GuestMemory, MAX_QUEUES, MmioDevice, Queues, regs};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Guest RAM: 64 KiB at 1 GiB.
const BASE: u64 = 0x4000_0000;
const RAM: usize = 0x1_0000;
/// Steps per input.
const MAX_STEPS: usize = 1024;
/// Queue 0 takes 8 entries, queue 1 takes 64; there is no queue 2.
const MAX: [u16; 2] = [8, 64];

/// Registers worth aiming at.
const REGS: [u64; 22] = [
    regs::MAGIC_VALUE,
    regs::DEVICE_FEATURES,
    regs::DEVICE_FEATURES_SEL,
    regs::DRIVER_FEATURES,
    regs::DRIVER_FEATURES_SEL,
    regs::QUEUE_SEL,
    regs::QUEUE_NUM_MAX,
    regs::QUEUE_NUM,
    regs::QUEUE_READY,
    regs::QUEUE_NOTIFY,
    regs::INTERRUPT_STATUS,
    regs::INTERRUPT_ACK,
    regs::STATUS,
    regs::QUEUE_DESC_LOW,
    regs::QUEUE_DESC_HIGH,
    regs::QUEUE_DRIVER_LOW,
    regs::QUEUE_DRIVER_HIGH,
    regs::QUEUE_DEVICE_LOW,
    regs::QUEUE_DEVICE_HIGH,
    regs::CONFIG_GENERATION,
    regs::CONFIG,
    regs::CONFIG + 6,
];

/// Eight config bytes; pops and completes every chain.
struct Echo {
    config: [u8; 8],
}

impl Device for Echo {
    fn device_id(&self) -> u32 {
        18
    }
    fn features(&self) -> u64 {
        0b11
    }
    fn queue_max(&self, queue: u16) -> Option<u16> {
        MAX.get(usize::from(queue)).copied()
    }
    fn config_len(&self) -> u32 {
        8
    }
    fn read_config(&self, offset: u32, out: &mut [u8]) {
        let o = offset as usize;
        out.copy_from_slice(&self.config[o..o + out.len()]);
    }
    fn write_config(&mut self, offset: u32, data: &[u8]) {
        let o = offset as usize;
        self.config[o..o + data.len()].copy_from_slice(data);
    }
    fn reset(&mut self) {}
    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Ok(Some(chain)) = queues.pop(queue, mem) {
            let n = chain.write_all(mem, b"echo").expect("writable part is RAM");
            queues.push_used(queue, &chain, n as u32, mem).expect("used ring is RAM");
        }
    }
}

fn check(dev: &mut MmioDevice<Echo>) {
    for q in 0..MAX_QUEUES as u16 {
        let Some(i) = dev.queues().info(q) else { continue };
        let max = *MAX.get(usize::from(q)).expect("only existing queues get ready");
        assert!(i.size.is_power_of_two() && i.size <= max, "queue {q}: {i:?}");
        assert!(i.desc % 16 == 0 && i.driver % 2 == 0 && i.device % 4 == 0, "queue {q}: {i:?}");
        let n = u64::from(i.size);
        for (a, len) in [(i.desc, 16 * n), (i.driver, 6 + 2 * n), (i.device, 6 + 8 * n)] {
            assert!(a >= BASE && a + len <= BASE + RAM as u64, "queue {q}: {i:?} outside RAM");
        }
    }
    let st = dev.status();
    assert!(st & STATUS_DRIVER_OK == 0 || st & STATUS_FEATURES_OK != 0, "DRIVER_OK without FEATURES_OK");
    if st & STATUS_FEATURES_OK != 0 {
        let f = dev.driver_features();
        assert!(f & !dev.offered_features() == 0 && f & VIRTIO_F_VERSION_1 != 0, "accepted {f:#x}");
    }
    assert_eq!(dev.interrupt_pending(), dev.read(regs::INTERRUPT_STATUS, 4) != 0);
}

fn value(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 | 1 => u.int_in_range(0..=16)?,
        2 | 3 => BASE + u.int_in_range(0..=RAM as u64 / 16)? * 16,
        4 => *u.choose(&[0x0bu64, 0x0f, 1 << 28, 1, 2, 3, 64])?,
        _ => u.arbitrary()?,
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut mem = VecMemory::new(BASE, RAM);
    let mut dev = MmioDevice::new(Echo { config: [0; 8] });
    // QueueSel is write-only: the model follows it.
    let mut sel: u64 = 0;
    for _ in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        let offset = if u.ratio(7, 8)? { *u.choose(&REGS)? } else { u.int_in_range(0..=0x1ffu64)? };
        let size = if u.ratio(7, 8)? { 4 } else { *u.choose(&[1u8, 2, 8, 3])? };
        match u.int_in_range(0..=4u8)? {
            0 => {
                let _ = dev.read(offset, size);
            }
            1 | 2 => {
                let v = value(u)?;
                dev.write(offset, size, v, &mut mem);
                if offset == regs::QUEUE_SEL && size == 4 {
                    sel = v & 0xffff_ffff;
                }
                if offset == regs::STATUS && size == 4 && v as u32 == 0 {
                    sel = 0;
                    assert_eq!(dev.status(), 0);
                    assert!(!dev.interrupt_pending());
                    assert!((0..MAX_QUEUES as u16).all(|q| dev.queues().info(q).is_none()));
                }
                if offset == regs::QUEUE_READY && size == 4 {
                    let ready = dev.read(regs::QUEUE_READY, 4) == 1;
                    let info = u16::try_from(sel).ok().and_then(|q| dev.queues().info(q));
                    assert_eq!(ready, info.is_some(), "QueueReady reads {ready} for queue {sel}");
                }
            }
            3 => {
                let q = u.int_in_range(0..=2u32)?;
                dev.write(regs::QUEUE_NOTIFY, 4, u64::from(q), &mut mem);
            }
            _ => {
                let at = u.int_in_range(0..=RAM - 1)?;
                let len = u.int_in_range(0..=32usize)?.min(RAM - at);
                let b = u.bytes(len.min(u.len()))?;
                mem.bytes_mut()[at..at + b.len()].copy_from_slice(b);
            }
        }
        check(&mut dev);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
