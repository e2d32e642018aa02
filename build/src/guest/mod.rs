// SPDX-License-Identifier: MIT
//! Unmodified arm64 Linux guests, on the host side: fetching a Debian
//! kernel and busybox into the cache `target/guest-cache/` (`apt`), the
//! busybox initramfs (`initramfs`, written as a `cpio` archive), the
//! guest's device tree (`dtb`), where a Linux domain's files go in its RAM
//! (`pack`), and the `guest:<name>` file names that board files use for
//! what the cache holds.

pub mod apt;
pub mod cpio;
pub mod dtb;
pub mod evstamp;
pub mod fbpattern;
pub mod initramfs;
pub mod manifest;
pub mod modules;
pub mod pack;
pub mod stamp;
pub mod tone;

use crate::workspace;
use std::path::{Path, PathBuf};

/// Prefix of board-file names that mean a file of the guest cache.
pub const GUEST_PREFIX: &str = "guest:";

/// The files of the cache that board files may name, and their file names.
pub const GUEST_FILES: [(&str, &str); 3] =
    [("Image", "Image"), ("initramfs", "initramfs.cpio.gz"), ("busybox", "busybox")];

/// `target/guest-cache/`: downloads, extracted files and the initramfs
/// (git-ignored with the rest of `target/`).
pub fn cache_dir() -> PathBuf {
    workspace::target_dir().join("guest-cache")
}

/// The cache path of `guest:<name>`, or `None` if the cache has no such file.
pub fn cache_file(name: &str) -> Option<PathBuf> {
    GUEST_FILES.iter().find(|(n, _)| *n == name).map(|(_, file)| cache_dir().join(file))
}

/// Why the cached initramfs cannot be used with this tree, if it cannot:
/// it was built from another `/init` or other test programs (or before
/// the recipe was recorded).
pub fn stale_initramfs(manifest: Option<&manifest::Manifest>) -> Option<String> {
    let recorded = manifest.and_then(|m| m.initramfs_recipe);
    (recorded != Some(initramfs::recipe())).then(|| {
        format!(
            "`{GUEST_PREFIX}initramfs` was built from another /init or test files than this tree's (init.sh, \
             stamp.rs, evstamp.rs, tone.rs, fbpattern.rs): run `cargo xtask fetch-guest`, which rebuilds it from the cache \
             in seconds"
        )
    })
}

/// Resolves a Linux domain's file: `guest:<name>` in the cache, or a path
/// relative to `base` (the board file's directory). The error says what to
/// do about it.
pub fn resolve_file(name: &str, base: &Path) -> Result<PathBuf, String> {
    if let Some(guest) = name.strip_prefix(GUEST_PREFIX) {
        let Some(path) = cache_file(guest) else {
            let known: Vec<String> = GUEST_FILES.iter().map(|(n, _)| format!("`{GUEST_PREFIX}{n}`")).collect();
            return Err(format!("there is no guest file `{name}`: the guest cache holds {}", known.join(", ")));
        };
        return if path.is_file() {
            if guest == "initramfs"
                && let Some(problem) = stale_initramfs(manifest::Manifest::load(&cache_dir()).as_ref())
            {
                return Err(problem);
            }
            Ok(path)
        } else {
            Err(format!("`{name}` is not fetched yet ({} is missing): run `cargo xtask fetch-guest`", path.display()))
        };
    }
    let path = base.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} does not exist: give a file path relative to the board file, or a `{GUEST_PREFIX}` name \
             (`{GUEST_PREFIX}Image`, `{GUEST_PREFIX}initramfs`) after `cargo xtask fetch-guest`",
            path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_initramfs_from_another_recipe_is_refused_with_the_remedy() {
        let mut m = manifest::Manifest {
            kernel_abi: "local".into(),
            kernel_source: String::new(),
            busybox_source: String::new(),
            image_bytes: 0,
            busybox_bytes: 0,
            initramfs_recipe: Some(initramfs::recipe()),
        };
        assert_eq!(stale_initramfs(Some(&m)), None);
        m.initramfs_recipe = Some(initramfs::recipe() ^ 1);
        assert!(stale_initramfs(Some(&m)).is_some_and(|e| e.contains("cargo xtask fetch-guest")));
        m.initramfs_recipe = None;
        assert!(stale_initramfs(Some(&m)).is_some());
        assert!(stale_initramfs(None).is_some());
    }
}
