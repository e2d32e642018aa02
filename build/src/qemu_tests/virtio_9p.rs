// SPDX-License-Identifier: MIT
//! An unmodified Debian Linux mounts a 9P file system through a device
//! model (issue 21), on `boards/test/virtio-9p.toml`: Linux's `9p` and
//! `9pnet_virtio` drive the virtio-9p device the device model emulates
//! (`domains/devmodel`), whose messages the 9pfs domain answers from the
//! FAT32 disk it owns. Linux reads `WELCOME.TXT`, which the host put on the
//! disk image, and writes `LINUX.TXT`; after QEMU quits, the host's mtools
//! read it back and `fsck.vfat` checks the volume.

use super::{Ctx, has_line};
use crate::disk_image;
use anyhow::{Context, Result, ensure};

/// What `/init` writes (build/src/guest/init.sh, `virtio_9p`).
const WRITTEN: &str = "Linux was here, through the device model and the 9pfs domain.\n";

pub(super) fn linux_mounts_the_9pfs_domains_export(_ctx: &mut Ctx) -> Result<()> {
    let (log, disk) = crate::ninep_scenario::run("boards/test/virtio-9p.toml", "virtio-9p", |log| {
        has_line(log, "[linux] BULKHEAD-STEP-DONE: virtio-9p ")
    })?;
    ensure!(has_line(&log, "[linux] BULKHEAD-STEP-DONE: virtio-9p 0"), "Linux's 9P step failed:\n{log}");
    ensure!(has_line(&log, "[linux] BULKHEAD-9P: mounted"), "Linux never mounted the export:\n{log}");
    let welcome = std::fs::read_to_string(crate::workspace::root().join("boards/disks/ivi/IVI/WELCOME.TXT"))?;
    for line in welcome.lines() {
        ensure!(
            has_line(&log, &format!("[linux] BULKHEAD-9P: read: {line}")),
            "Linux never read `{line}` from WELCOME.TXT:\n{log}"
        );
    }
    let written = disk_image::read_file(&disk, "/IVI/LINUX.TXT").with_context(|| format!("console:\n{log}"))?;
    ensure!(written == WRITTEN.as_bytes(), "LINUX.TXT holds {:?}", String::from_utf8_lossy(&written));
    let unchanged = disk_image::read_file(&disk, "/IVI/WELCOME.TXT")?;
    ensure!(unchanged == welcome.as_bytes(), "WELCOME.TXT changed on the disk");
    disk_image::check(&disk)?;
    for who in ["linux", "dm", "ninep"] {
        ensure!(!log.contains(&format!("fault: domain {who}")), "domain {who} faulted:\n{log}");
    }
    println!("      the host read LINUX.TXT ({} bytes) back with mtools; fsck.vfat finds nothing", written.len());
    Ok(())
}
