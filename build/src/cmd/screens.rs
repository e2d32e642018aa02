// SPDX-License-Identifier: MIT
//! What `run` shows of a board with a virtio-gpu when there is no window:
//! every two seconds, a QMP `screendump` of each head (connector) into
//! `target/display/<board>-connector-<n>.png`, so that when the run ends
//! the PNGs show the screens as they were at its end.
//!
//! Owns the choice of heads (from the board's `qemu = "virtio-gpu-device,
//! id=<id>,max_outputs=<n>,..."` device) and the dumping thread.

use crate::qmp::Qmp;
use anyhow::Result;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A virtio-gpu of the board: its QOM id and its number of heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpu {
    /// The device's `id=`.
    pub id: String,
    /// Its `max_outputs=` (1 when not given).
    pub heads: u32,
}

/// The first virtio-gpu among the devices' QEMU strings.
pub fn find_gpu<'a>(qemu_devices: impl IntoIterator<Item = &'a str>) -> Option<Gpu> {
    qemu_devices.into_iter().find(|q| q.starts_with("virtio-gpu")).and_then(|q| {
        let option = |key: &str| q.split(',').find_map(|o| o.strip_prefix(key).map(str::to_string));
        Some(Gpu { id: option("id=")?, heads: option("max_outputs=").and_then(|n| n.parse().ok()).unwrap_or(1) })
    })
}

/// Where head `head` of board `board` is written.
pub fn png_path(dir: &Path, board: &str, head: u32) -> PathBuf {
    dir.join(format!("{board}-connector-{head}.png"))
}

/// Dumps every head of `gpu` through the QMP socket `socket` every two
/// seconds, for as long as QEMU answers.
pub fn keep_dumping(socket: PathBuf, gpu: Gpu, dir: PathBuf, board: String) {
    std::thread::spawn(move || {
        let mut qmp: Option<Qmp> = None;
        loop {
            std::thread::sleep(Duration::from_secs(2));
            if qmp.is_none() {
                qmp = Qmp::connect(&socket, Duration::from_secs(2)).ok();
            }
            let Some(q) = qmp.as_mut() else { continue };
            let dumped: Result<()> = (0..gpu.heads).try_for_each(|head| {
                let path = png_path(&dir, &board, head).display().to_string();
                q.execute("screendump", json!({ "filename": path, "device": gpu.id, "head": head, "format": "png" }))
                    .map(|_| ())
            });
            if dumped.is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gpu_and_its_heads_come_from_the_qemu_string() {
        let devices = ["virtio-keyboard-device,id=kbd", "virtio-gpu-device,id=gpu,max_outputs=2,xres=1280"];
        assert_eq!(find_gpu(devices), Some(Gpu { id: "gpu".into(), heads: 2 }));
        assert_eq!(find_gpu(["virtio-gpu-device,id=g"]), Some(Gpu { id: "g".into(), heads: 1 }));
        assert_eq!(find_gpu(["virtio-gpu-device"]), None, "no id: QMP cannot name it");
        assert_eq!(find_gpu(["virtio-keyboard-device,id=kbd"]), None);
    }
}
