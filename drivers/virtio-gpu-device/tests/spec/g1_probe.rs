// SPDX-License-Identifier: MIT
//! G1: the device answers Linux's probe: device id 16, no device features,
//! two queues of 64, the configuration space (events_read, events_clear,
//! num_scanouts, num_capsets) and GET_DISPLAY_INFO with golden bytes.
//!
//! Owns that evidence; must not test resources (g2..g4 do).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_gpu_device::wire::resp;

use crate::cmds::{Req, display_info};
use crate::rig::{DISPLAY_INFO, Rig};

#[test]
fn probe_and_config_space() {
    let mut r = Rig::up();
    assert_eq!(r.r(regs::DEVICE_ID), 16);
    r.w(regs::QUEUE_SEL, 2);
    assert_eq!(r.r(regs::QUEUE_NUM_MAX), 0, "no third queue");
    r.w(regs::DEVICE_FEATURES_SEL, 0);
    assert_eq!(r.r(regs::DEVICE_FEATURES) & 0xff_ffff, 0, "no device-specific features");
    // virtio_gpu_init: num_scanouts then num_capsets.
    assert_eq!(r.config(8), 2);
    assert_eq!(r.config(12), 0);
    assert_eq!(r.config(0), 0, "no events");
    assert_eq!(r.config(4), 0, "events_clear reads 0");
    // Bytes beyond the 16 read 0; byte reads see the little-endian layout.
    assert_eq!(r.dev.read(regs::CONFIG + 16, 4), 0);
    assert_eq!(r.dev.read(regs::CONFIG + 8, 1), 2);
    assert_eq!(r.dev.read(regs::CONFIG + 9, 1), 0);
}

#[test]
fn display_event_and_clear() {
    let mut r = Rig::up();
    r.gpu().raise_display_event();
    r.dev.config_changed();
    assert_eq!(r.config(0), 1, "VIRTIO_GPU_EVENT_DISPLAY");
    // Writes to events_read, num_scanouts and num_capsets are ignored.
    r.w(regs::CONFIG, 0);
    r.w(regs::CONFIG + 8, 7);
    r.w(regs::CONFIG + 12, 7);
    assert_eq!((r.config(0), r.config(8), r.config(12)), (1, 2, 0));
    // virtio_gpu_config_changed_work_func: write the bits back to clear.
    r.w(regs::CONFIG + 4, 1);
    assert_eq!(r.config(0), 0);
    r.gpu().raise_display_event();
    r.dev.write(regs::CONFIG + 5, 1, 1, &mut r.mem);
    assert_eq!(r.config(0), 1, "byte 5 clears bit 8, not bit 0");
    r.dev.write(regs::CONFIG + 4, 1, 1, &mut r.mem);
    assert_eq!(r.config(0), 0);
}

#[test]
fn display_info_golden() {
    let mut r = Rig::up();
    let got = r.send(&display_info(), &[], DISPLAY_INFO);
    let mut want = vec![0u8; 408];
    want[..4].copy_from_slice(&resp::OK_DISPLAY_INFO.to_le_bytes());
    // pmodes[0]: rect 0,0,1280,720, enabled 1, flags 0.
    want[24 + 8..24 + 12].copy_from_slice(&1280u32.to_le_bytes());
    want[24 + 12..24 + 16].copy_from_slice(&720u32.to_le_bytes());
    want[24 + 16..24 + 20].copy_from_slice(&1u32.to_le_bytes());
    // pmodes[1]: 800x480, disabled.
    want[48 + 8..48 + 12].copy_from_slice(&800u32.to_le_bytes());
    want[48 + 12..48 + 16].copy_from_slice(&480u32.to_le_bytes());
    assert_eq!(got.0, want, "408 bytes, the 14 other modes zero");
    // Fenced, it echoes the fence.
    let got = r.send(&Req::new(0x100, Some((9, 3))).bytes(), &[], DISPLAY_INFO);
    assert_eq!((got.ty(), got.u32(4), got.u64(8), got.u32(16)), (resp::OK_DISPLAY_INFO, 1, 9, 3));
    assert_eq!(got.0[24..], want[24..]);
}
