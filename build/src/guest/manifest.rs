// SPDX-License-Identifier: MIT
//! `target/guest-cache/manifest.toml`: where the cached guest files came
//! from (Debian package and version, or a local file) and how big they
//! were, so that `fetch-guest` knows when the cache is complete.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The manifest's file name in the cache.
pub const FILE: &str = "manifest.toml";

/// What the cache holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The kernel: its ABI (`6.12.48+deb12-arm64`), or `local`.
    pub kernel_abi: String,
    /// Where `Image` came from: `<package>:arm64 <version>`, or `file <path>`.
    pub kernel_source: String,
    /// Where `busybox` came from.
    pub busybox_source: String,
    /// Bytes of `Image`.
    pub image_bytes: u64,
    /// Bytes of `busybox`.
    pub busybox_bytes: u64,
    /// `initramfs::recipe()` of the tree that built `initramfs.cpio.gz`
    /// (absent in caches from before it was recorded).
    #[serde(default)]
    pub initramfs_recipe: Option<u32>,
}

impl Manifest {
    /// The manifest in `dir`, if there is a readable one.
    pub fn load(dir: &Path) -> Option<Self> {
        toml::from_str(&std::fs::read_to_string(dir.join(FILE)).ok()?).ok()
    }

    /// Writes it into `dir`.
    pub fn store(&self, dir: &Path) -> anyhow::Result<()> {
        let text = format!(
            "# Written by `cargo xtask fetch-guest`: what target/guest-cache holds.\n{}",
            toml::to_string(self)?
        );
        std::fs::write(dir.join(FILE), text)?;
        Ok(())
    }

    /// Whether `Image` and `busybox` in `dir` are the files it describes.
    pub fn complete(&self, dir: &Path) -> bool {
        let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).ok();
        // A Debian kernel's modules come with it (a local image has none).
        let modules = self.kernel_abi == "local" || super::modules::complete(dir);
        size("Image") == Some(self.image_bytes) && size("busybox") == Some(self.busybox_bytes) && modules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = Manifest {
            kernel_abi: "6.12.48+deb12-arm64".into(),
            kernel_source: "linux-image-6.12.48+deb12-arm64:arm64 6.12.48-1~deb12u1".into(),
            busybox_source: "busybox-static:arm64 1:1.35.0-4+b4".into(),
            image_bytes: 44_000_000,
            busybox_bytes: 2_000_000,
            initramfs_recipe: Some(0x1234_5678),
        };
        let text = toml::to_string(&m).unwrap();
        assert_eq!(toml::from_str::<Manifest>(&text).unwrap(), m);
        // A cache from before the recipe was recorded still loads.
        let old = text.lines().filter(|l| !l.starts_with("initramfs_recipe")).collect::<Vec<_>>().join("\n");
        assert_eq!(toml::from_str::<Manifest>(&old).unwrap().initramfs_recipe, None);
    }
}
