// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux reads a virtio keyboard that a device model
//! domain emulates (issue 20), on `boards/test/virtio-input.toml`: keys
//! typed on the physical keyboard through QMP go to the input domain, to
//! its client the device model (`domains/devmodel`), into the virtio
//! keyboard's event queue in Linux's memory, and out of Linux's
//! `/dev/input/eventN`, which the initramfs prints line by line
//! (`BULKHEAD-EVDEV: <type> <code> <value>`); a tablet position and a
//! touch (down and up) reach the emulated tablet's and multi-touch
//! device's nodes the same way. Then F12 crashes the input domain (test
//! `crash=88`): it restarts, the device model reconnects, and the next key
//! reaches Linux too. F11 crashes the device model itself (`crash=87`):
//! its next life restores its devices from its kept memory and Linux reads
//! the next key with no reset of the device. F10 makes the device model
//! restart Linux (`reboot=68`, DmRemoteShutdown): the device model resets
//! its devices, and the new Linux probes them and reads a key.

use super::{Ctx, has_line};
use crate::input_scenario::{Step, run_steps, tablet, touch_down, touch_up, with_qmp};
use anyhow::{Result, ensure};
use std::time::Duration;

const STEPS: &[Step] = &[
    Step { what: "type `a`", ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: ready"), act: |q| q.tap("a") },
    Step {
        what: "move the tablet",
        ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: 1 30 0"),
        act: |q| q.send_events(tablet()),
    },
    Step {
        what: "touch down and up",
        ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV-TABLET: 3 1 "),
        act: |q| {
            q.send_events(touch_down())?;
            q.send_events(touch_up())
        },
    },
    Step { what: "crash the input domain with F12", ready: touch_lifted, act: |q| q.tap("f12") },
    Step {
        what: "type `b` after the restart",
        ready: |l| has_line(l, "[dm] devmodel: input domain restarted") && has_line(l, "domain input restarted"),
        act: |q| {
            // The restarted input domain connects its client again first.
            std::thread::sleep(Duration::from_millis(500));
            q.tap("b")
        },
    },
    Step {
        what: "crash the device model with F11",
        ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: 1 48 0"),
        act: |q| q.tap("f11"),
    },
    Step {
        what: "type `c` after the device model's restart",
        ready: |l| has_line(l, "[dm] devmodel: device 0 restored") && has_line(l, "domain dm restarted"),
        act: |q| {
            std::thread::sleep(Duration::from_millis(500));
            q.tap("c")
        },
    },
    Step {
        what: "make the device model restart Linux with F10",
        ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: 1 46 0"),
        act: |q| q.tap("f10"),
    },
    Step {
        what: "type `d` in the new Linux",
        ready: |l| {
            has_line(l, "[dm] devmodel: linux is restarting: devices reset")
                && l.lines().filter(|x| x.starts_with("[linux] BULKHEAD-EVDEV: ready")).count() == 2
        },
        act: |q| {
            std::thread::sleep(Duration::from_millis(500));
            q.tap("d")
        },
    },
];

/// Linux read the contact lifted: ABS_MT_TRACKING_ID (57) -1, of which the
/// initramfs prints the low u16 half (`od -t u2`: 65535).
fn touch_lifted(log: &str) -> bool {
    has_line(log, "[linux] BULKHEAD-EVDEV-TOUCH: 3 57 65535")
}

pub(super) fn linux_reads_a_virtio_keyboard_a_device_model_emulates(_ctx: &mut Ctx) -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/virtio-input.toml", "virtio-input")?;
    let out = run_steps(cmd, &socket, Duration::from_secs(420), STEPS, |log| {
        has_line(log, "[linux] BULKHEAD-EVDEV: 1 32 0") || log.contains("FAIL")
    })?;
    let log = &out.output;
    ensure!(
        has_line(log, "[linux] BULKHEAD-EVDEV: device event0 Bulkhead virtio keyboard"),
        "Linux never probed the emulated keyboard:\n{log}"
    );
    for line in ["1 30 1", "1 30 0", "1 48 1", "1 48 0", "1 46 1", "1 46 0", "1 32 1", "1 32 0"] {
        ensure!(has_line(log, &format!("[linux] BULKHEAD-EVDEV: {line}")), "Linux never read `{line}`:\n{log}");
    }
    // The tablet's position (EV_ABS ABS_X, ABS_Y) and the touch's contact
    // (ABS_MT_TRACKING_ID, ABS_MT_POSITION_X/Y) reached Linux's evdev.
    for line in ["EVDEV-TABLET: 3 0 ", "EVDEV-TABLET: 3 1 ", "EVDEV-TOUCH: 3 53 ", "EVDEV-TOUCH: 3 54 "] {
        ensure!(has_line(log, &format!("[linux] BULKHEAD-{line}")), "Linux never read `{line}`:\n{log}");
    }
    ensure!(touch_lifted(log), "Linux never read the contact lifted:\n{log}");
    for key in [88, 87, 68] {
        ensure!(!log.contains(&format!("BULKHEAD-EVDEV: 1 {key} ")), "the test key {key} reached Linux:\n{log}");
    }
    // The device model's crash cost Linux nothing: no reset of the
    // keyboard (its probe ran once per Linux life), no needs-reset.
    let crash = log.find("devmodel: device 0 restored").unwrap_or(0);
    let reboot = log.find("devmodel: linux is restarting").unwrap_or(log.len());
    ensure!(crash < reboot, "the device model restored its device after Linux's restart:\n{log}");
    ensure!(
        !log.contains("DEVICE_NEEDS_RESET") && !log[crash..reboot].contains("BULKHEAD-EVDEV: device event"),
        "Linux saw the keyboard reset across the device model's crash:\n{log}"
    );
    // The device model's crash ended a life whose DMOPs the kernel counted.
    let trail = log.lines().find(|l| l.starts_with("domain dm: DMOPs in the life that ended: ")).unwrap_or("");
    ensure!(
        ["completions", "irq levels", "1 ioreq pages", "target lives"].iter().all(|k| trail.contains(k))
            && trail.ends_with(" 0 refused"),
        "no DMOP audit trail for the device model's first life, or refusals in it:\n{log}"
    );
    ensure!(
        has_line(log, "domain linux: restarted by its device model (DmRemoteShutdown)"),
        "the kernel never restarted Linux for its device model:\n{log}"
    );
    ensure!(!log.contains("fault: domain linux"), "Linux faulted:\n{log}");
    ensure!(
        log.matches("fault: domain dm ").count() == 1 && has_line(log, "[dm] panic: crash requested with key 87"),
        "the device model faulted other than once, on F11:\n{log}"
    );
    Ok(())
}
