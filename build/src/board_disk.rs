// SPDX-License-Identifier: MIT
//! A board's disk image: the FAT32 image its `[qemu] disk` describes,
//! made afresh from the repository folder it names for every run (so no
//! run sees what an earlier one wrote), under `target/disks/`.
//!
//! Owns where the image goes and the message that says so; the image
//! format is `disk_image`'s, attaching it to QEMU `qemu`'s.

use crate::board::ValidBoard;
use crate::disk_image;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// Makes `board`'s disk image as `target/disks/<board>-<tag>.img` (a tag
/// keeps the images of tests that run one board twice apart); `None` for
/// a board without `[qemu] disk`.
pub fn prepare(board: &ValidBoard, tag: &str) -> Result<Option<PathBuf>> {
    let Some(disk) = board.file.qemu.as_ref().and_then(|q| q.get_ref().disk.as_ref()) else { return Ok(None) };
    let disk = disk.get_ref();
    let folder = crate::workspace::root().join(&disk.from);
    if !folder.is_dir() {
        bail!("board `{}`: [qemu] disk from = {:?} is not a folder of the repository", board.config.board, disk.from);
    }
    let Ok(mib) = u32::try_from(disk.size.0 >> 20) else {
        bail!("board `{}`: the disk is too large", board.config.board)
    };
    let dir = crate::workspace::target_dir().join("disks");
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let image = dir.join(format!("{}-{tag}.img", board.config.board));
    disk_image::make_fat32(&folder, &image, mib)
        .with_context(|| format!("board `{}`: making its disk image", board.config.board))?;
    eprintln!("xtask: disk image {} ({mib} MiB FAT32) from {}", image.display(), disk.from);
    Ok(Some(image))
}
