// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux shows its framebuffer on the centre display
//! through a device model (issue 21), on `boards/test/virtio-gpu.toml`:
//! Linux's `virtio_gpu` drives the 2D GPU the device model emulates
//! (`domains/devmodel`), writes a known picture down `/dev/fb0`
//! (`guest::fbpattern`), and its fbdev flushes reach the device model,
//! which copies the flushed rows from Linux's backing pages into its
//! display buffer and flips them through the display domain onto
//! connector 1. QMP screendumps of both heads are then compared pixel for
//! pixel: the centre display is Linux's picture exactly, and the cluster's
//! tell-tale strip on connector 0 is exactly what the cluster drew.

use super::{Ctx, has_line};
use crate::display_scenario::{png_region_crc, printed_crc, screendump};
use crate::guest::fbpattern;
use crate::input_scenario::with_qmp;
use crate::qemu;
use crate::qmp::Qmp;
use anyhow::{Context, Result, ensure};
use std::time::{Duration, Instant};

/// The centre display's mode on the board (`gpu=1280x720@c1`).
const CENTRE: (u32, u32) = (fbpattern::WIDTH, 720);

/// Screendumps head 1 until it shows `expected` (CRC of the whole head),
/// for at most `patience`; the CRC of the last screendump.
fn wait_for_centre(socket: &std::path::Path, dir: &std::path::Path, expected: u32, patience: Duration) -> Result<u32> {
    let mut q = Qmp::connect(socket, Duration::from_secs(5))?;
    let start = Instant::now();
    loop {
        let png = screendump(&mut q, dir, 1, "-linux")?;
        let crc = png_region_crc(&png, (0, 0, CENTRE.0, CENTRE.1))?;
        if crc == expected || start.elapsed() > patience {
            return Ok(crc);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub(super) fn linux_shows_its_framebuffer_through_the_display_domain(_ctx: &mut Ctx) -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/virtio-gpu.toml", "virtio-gpu")?;
    let dir = crate::workspace::target_dir().join("display");
    std::fs::create_dir_all(&dir)?;
    let expected = fbpattern::crc(CENTRE.0, CENTRE.1);
    let mut centre: Option<Result<u32>> = None;
    let mut strip: Option<Result<std::path::PathBuf>> = None;
    let ready = |l: &str| {
        has_line(l, "[linux] BULKHEAD-FB: written 720 rows") && has_line(l, "[cluster] display-cluster: shown crc ")
    };
    let out = qemu::run_watching(cmd, Duration::from_secs(240), |log| {
        if log.contains("FAIL") || has_line(log, "[linux] BULKHEAD-STEP-DONE: virtio-gpu 1") {
            return true;
        }
        if !ready(log) {
            return false;
        }
        centre = Some(wait_for_centre(&socket, &dir, expected, Duration::from_secs(30)));
        strip =
            Some(Qmp::connect(&socket, Duration::from_secs(5)).and_then(|mut q| screendump(&mut q, &dir, 0, "-linux")));
        true
    })?;
    let _ = std::fs::remove_file(&socket);
    let log = &out.output;
    ensure!(
        has_line(log, "[dm] devmodel: showing the GPU's scanout on connector 1 (1280x720)"),
        "the display domain never accepted the device model's surface:\n{log}"
    );
    ensure!(
        has_line(log, "[linux] BULKHEAD-FB: 1280x720 stride 5120"),
        "Linux never found /dev/fb0 at 1280x720:\n{log}"
    );
    let centre = centre.context(format!("Linux never wrote its picture:\n{log}"))??;
    ensure!(
        centre == expected,
        "the centre display is not Linux's picture 30 s after it was written (crc {centre:08x}, expected \
         {expected:08x}; target/display/connector-1-linux.png):\n{log}"
    );
    let strip_png = strip.context("no screendump of connector 0")??;
    let drawn = printed_crc(log, 0, "[cluster] display-cluster: shown crc ").context("the cluster printed no crc")?;
    let shown = png_region_crc(&strip_png, (0, 0, 1280, 80))?;
    ensure!(
        shown == drawn,
        "the tell-tale strip is not what the cluster drew (screen {shown:08x}, cluster {drawn:08x}):\n{log}"
    );
    ensure!(has_line(log, "[dm] devmodel: gpu frame 1 shown"), "no frame of Linux's reached the screen:\n{log}");
    for who in ["linux", "dm", "display", "cluster"] {
        ensure!(!log.contains(&format!("fault: domain {who}")), "domain {who} faulted:\n{log}");
    }
    Ok(())
}
