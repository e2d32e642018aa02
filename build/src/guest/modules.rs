// SPDX-License-Identifier: MIT
//! The kernel modules a Linux domain's initramfs carries: what an
//! unmodified Debian kernel needs for the virtio devices a device model
//! emulates for it (Debian builds every virtio driver as a module, and
//! the virtio core and ring in). They come from the same kernel package as
//! the `Image`, decompressed here (`.ko.xz`, with `lzma-rs`: no `xz` tool
//! needed), and `/init` loads them in [`LOAD_ORDER`] with busybox `insmod`
//! (the package ships no `modules.dep`; these three need only what is
//! built in).
//!
//! Owns the list and the extraction; the archive is `initramfs`'s.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The modules, in the order `/init` loads them, with their path under
/// `lib/modules/<version>/` in the package.
pub const LOAD_ORDER: [(&str, &str); 3] = [
    ("evdev", "kernel/drivers/input/evdev.ko.xz"),
    ("virtio_input", "kernel/drivers/virtio/virtio_input.ko.xz"),
    ("virtio_mmio", "kernel/drivers/virtio/virtio_mmio.ko.xz"),
];

/// Where the decompressed modules are kept in the guest cache.
pub fn dir(cache: &Path) -> PathBuf {
    cache.join("modules")
}

/// Whether every module is in the cache.
pub fn complete(cache: &Path) -> bool {
    LOAD_ORDER.iter().all(|(name, _)| dir(cache).join(format!("{name}.ko")).is_file())
}

/// Extracts the modules from the kernel package `deb` into the cache
/// (through a scratch directory under `cache`, removed afterwards).
pub fn extract(deb: &Path, cache: &Path) -> Result<()> {
    let scratch = cache.join("extract-modules");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let result = extract_from(deb, &scratch, &dir(cache));
    std::fs::remove_dir_all(&scratch)?;
    result
}

fn extract_from(deb: &Path, scratch: &Path, out: &Path) -> Result<()> {
    let status = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(scratch)
        .status()
        .context("running dpkg-deb -x (run ci/setup.sh)")?;
    if !status.success() {
        bail!("dpkg-deb -x {} failed ({status})", deb.display());
    }
    let versions = std::fs::read_dir(scratch.join("lib/modules"))
        .with_context(|| format!("{} has no lib/modules", deb.display()))?
        .flatten()
        .map(|e| e.path())
        .collect::<Vec<_>>();
    let [version] = versions.as_slice() else {
        bail!("{} holds {} module trees, not one", deb.display(), versions.len());
    };
    std::fs::create_dir_all(out)?;
    for (name, path) in LOAD_ORDER {
        let from = version.join(path);
        let packed = std::fs::read(&from).with_context(|| format!("{} has no {path}", deb.display()))?;
        let module = decompress(&packed).with_context(|| format!("decompressing {path}"))?;
        std::fs::write(out.join(format!("{name}.ko")), module)?;
    }
    Ok(())
}

/// An `.xz` file's contents, checked to be an ELF object.
pub fn decompress(packed: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut std::io::Cursor::new(packed), &mut out).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if !out.starts_with(b"\x7fELF") {
        bail!("not an ELF object after decompression");
    }
    Ok(out)
}

/// The cached modules in [`LOAD_ORDER`], or none if the cache has none
/// (a local kernel image: `BULKHEAD_GUEST_IMAGE`).
pub fn load(cache: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    if !complete(cache) {
        return Ok(Vec::new());
    }
    LOAD_ORDER
        .iter()
        .map(|(name, _)| {
            let file = dir(cache).join(format!("{name}.ko"));
            Ok((name.to_string(), std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xz_is_decompressed_and_checked() {
        // "\x7fELF" + "tiny", xz-compressed by `xz -c` (check CRC64).
        let mut packed = Vec::new();
        lzma_rs::xz_compress(&mut std::io::Cursor::new(b"\x7fELFtiny".to_vec()), &mut packed).unwrap();
        assert_eq!(decompress(&packed).unwrap(), b"\x7fELFtiny");
        let mut not_elf = Vec::new();
        lzma_rs::xz_compress(&mut std::io::Cursor::new(b"text".to_vec()), &mut not_elf).unwrap();
        assert!(decompress(&not_elf).unwrap_err().to_string().contains("not an ELF"));
        assert!(decompress(b"garbage").is_err());
    }

    #[test]
    fn drivers_load_after_what_they_need() {
        let order: Vec<&str> = LOAD_ORDER.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, ["evdev", "virtio_input", "virtio_mmio"]);
    }
}
