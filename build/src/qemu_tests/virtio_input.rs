// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux reads a virtio keyboard that a device model
//! domain emulates (issue 20), on `boards/test/virtio-input.toml`: keys
//! typed on the physical keyboard through QMP go to the input domain, to
//! its client the device model (`domains/devmodel`), into the virtio
//! keyboard's event queue in Linux's memory, and out of Linux's
//! `/dev/input/eventN`, which the initramfs prints line by line
//! (`BULKHEAD-EVDEV: <type> <code> <value>`). Then F12 crashes the input
//! domain (test `crash=88`): it restarts, the device model reconnects, and
//! the next key reaches Linux too.

use super::{Ctx, has_line};
use crate::input_scenario::{Step, run_steps, with_qmp};
use anyhow::{Result, ensure};
use std::time::Duration;

const STEPS: &[Step] = &[
    Step { what: "type `a`", ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: ready"), act: |q| q.tap("a") },
    Step {
        what: "crash the input domain with F12",
        ready: |l| has_line(l, "[linux] BULKHEAD-EVDEV: 1 30 0"),
        act: |q| q.tap("f12"),
    },
    Step {
        what: "type `b` after the restart",
        ready: |l| has_line(l, "[dm] devmodel: input domain restarted") && has_line(l, "domain input restarted"),
        act: |q| {
            // The restarted input domain connects its client again first.
            std::thread::sleep(Duration::from_millis(500));
            q.tap("b")
        },
    },
];

pub(super) fn linux_reads_a_virtio_keyboard_a_device_model_emulates(_ctx: &mut Ctx) -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/virtio-input.toml", "virtio-input")?;
    let out = run_steps(cmd, &socket, Duration::from_secs(300), STEPS, |log| {
        has_line(log, "[linux] BULKHEAD-EVDEV: 1 48 0") || log.contains("FAIL")
    })?;
    let log = &out.output;
    ensure!(
        has_line(log, "[linux] BULKHEAD-EVDEV: device event0 Bulkhead virtio keyboard"),
        "Linux never probed the emulated keyboard:\n{log}"
    );
    for line in ["1 30 1", "1 30 0", "1 48 1", "1 48 0"] {
        ensure!(has_line(log, &format!("[linux] BULKHEAD-EVDEV: {line}")), "Linux never read `{line}`:\n{log}");
    }
    ensure!(!log.contains("BULKHEAD-EVDEV: 1 88 "), "the crash key reached Linux:\n{log}");
    ensure!(
        !log.contains("fault: domain linux") && !log.contains("fault: domain dm"),
        "Linux or the device model faulted:\n{log}"
    );
    Ok(())
}
