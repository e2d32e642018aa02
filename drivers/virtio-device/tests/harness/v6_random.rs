// SPDX-License-Identifier: MIT
//! V6: random register accesses and random guest memory never panic, and a
//! ready queue is always a valid one.
//!
//! Owns the property test; must not assert particular values (V1 to V5).

use crate::rig::{BASE, RAM, Rig};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::{MAX_QUEUES, regs::*};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Read(u64, u8),
    Write(u64, u8, u64),
    Scribble(usize, Vec<u8>),
}

/// Register offsets that matter, plus any offset.
fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => prop::sample::select(vec![
            STATUS, QUEUE_SEL, QUEUE_NUM, QUEUE_READY, QUEUE_NOTIFY, INTERRUPT_ACK, DRIVER_FEATURES,
            DRIVER_FEATURES_SEL, DEVICE_FEATURES_SEL, QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_DRIVER_LOW,
            QUEUE_DRIVER_HIGH, QUEUE_DEVICE_LOW, QUEUE_DEVICE_HIGH, CONFIG, CONFIG + 12,
        ]),
        1 => 0u64..0x200,
        1 => any::<u64>(),
    ]
}

/// Values that matter (small numbers, RAM addresses, status bit sets), plus any.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => 0u64..16,
        2 => (0u64..RAM as u64).prop_map(|o| (BASE + o) & !0xf),
        1 => prop::sample::select(vec![0xbu64, 0xf, 1 << 28, 1, 64, 8, 2]),
        1 => any::<u64>(),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let size = prop::sample::select(vec![4u8, 4, 4, 1, 2, 8, 3]);
    prop_oneof![
        1 => (offset(), size.clone()).prop_map(|(o, s)| Op::Read(o, s)),
        4 => (offset(), size, value()).prop_map(|(o, s, v)| Op::Write(o, s, v)),
        2 => (0..RAM, prop::collection::vec(any::<u8>(), 1..64)).prop_map(|(a, b)| Op::Scribble(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn v6_random_registers_and_memory(honest_start: bool, ops in prop::collection::vec(op(), 1..200)) {
        let mut rig = Rig::new();
        if honest_start {
            rig.up(8, VIRTIO_F_RING_INDIRECT_DESC);
        }
        for op in ops {
            match op {
                Op::Read(o, s) => {
                    rig.dev.read(o, s);
                }
                Op::Write(o, s, v) => rig.dev.write(o, s, v, &mut rig.mem),
                Op::Scribble(at, bytes) => {
                    let ram = rig.mem.bytes_mut();
                    let end = (at + bytes.len()).min(ram.len());
                    ram[at..end].copy_from_slice(&bytes[..end - at]);
                }
            }
            for q in 0..MAX_QUEUES as u16 {
                if let Some(i) = rig.dev.queues().info(q) {
                    prop_assert!(i.size.is_power_of_two() && i.size <= 64 && q < 2);
                    prop_assert!(i.desc % 16 == 0 && i.driver % 2 == 0 && i.device % 4 == 0);
                    let top = BASE + RAM as u64;
                    for (a, len) in [(i.desc, 16 * u64::from(i.size)), (i.driver, 6 + 2 * u64::from(i.size)), (i.device, 6 + 8 * u64::from(i.size))] {
                        prop_assert!(a >= BASE && a + len <= top);
                    }
                }
            }
            let st = rig.dev.status();
            prop_assert!(st & STATUS_DRIVER_OK == 0 || st & STATUS_FEATURES_OK != 0);
            prop_assert_eq!(rig.dev.interrupt_pending(), rig.dev.read(INTERRUPT_STATUS, 4) != 0);
        }
    }
}
