// SPDX-License-Identifier: MIT
//! The kernel modules a Linux domain's initramfs carries: what an
//! unmodified Debian kernel needs for the virtio devices a device model
//! emulates for it (Debian builds every virtio driver as a module, and
//! the virtio core and ring in). They come from the same kernel package as
//! the `Image`, decompressed here (`.ko.xz`, with `lzma-rs`: no `xz` tool
//! needed). The package ships no `modules.dep`, so the load order is
//! worked out here: [`WANTED`] and everything they depend on, each
//! module's dependencies read from its own `.modinfo` section
//! (`depends=a,b`; built-in code is never listed there), dependencies
//! first ([`load_order`]). `/init` loads them in that order with busybox
//! `insmod`; the order is kept in the cache beside them (`modules/order`).
//!
//! Owns the list, the dependency walk and the extraction; the archive is
//! `initramfs`'s.

use anyhow::{Context, Result, bail};
use object::{Object, ObjectSection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The modules the initramfs is for (their dependencies come too).
pub const WANTED: [&str; 8] =
    ["evdev", "virtio_input", "virtio_gpu", "9p", "9pnet_virtio", "virtio_net", "virtio_snd", "virtio_mmio"];

/// Most modules one initramfs carries (a dependency cycle or a runaway
/// closure is an error before this).
const MAX_MODULES: usize = 64;

/// A module's name as `depends=` and `insmod` know it: `-` is `_`.
fn canonical(name: &str) -> String {
    name.replace('-', "_")
}

/// The names in the `depends=` entry of a module's `.modinfo` section
/// (NUL-separated `key=value` strings).
pub fn depends(modinfo: &[u8]) -> Vec<String> {
    modinfo
        .split(|&b| b == 0)
        .filter_map(|entry| entry.strip_prefix(b"depends="))
        .flat_map(|list| list.split(|&b| b == b','))
        .filter(|name| !name.is_empty())
        .map(|name| canonical(&String::from_utf8_lossy(name)))
        .collect()
}

/// The `.modinfo` section of a module (an ELF relocatable object).
pub fn modinfo(module: &[u8]) -> Result<Vec<u8>> {
    let file = object::File::parse(module).context("not an ELF object")?;
    let section = file.section_by_name(".modinfo").context("no .modinfo section: not a kernel module")?;
    Ok(section.data().context("reading .modinfo")?.to_vec())
}

/// `wanted` and everything they depend on (`deps` gives a module's direct
/// dependencies), each after all of its dependencies and otherwise in the
/// order first met; an error for a dependency cycle or more than
/// [`MAX_MODULES`] modules.
pub fn load_order(wanted: &[&str], mut deps: impl FnMut(&str) -> Result<Vec<String>>) -> Result<Vec<String>> {
    // Depth-first: 1 = on the current path, 2 = placed.
    let mut state: BTreeMap<String, u8> = BTreeMap::new();
    let mut order = Vec::new();
    fn visit(
        name: &str,
        deps: &mut dyn FnMut(&str) -> Result<Vec<String>>,
        state: &mut BTreeMap<String, u8>,
        order: &mut Vec<String>,
    ) -> Result<()> {
        match state.get(name) {
            Some(2) => return Ok(()),
            Some(_) => bail!("the modules depend on each other in a cycle through `{name}`"),
            None => {}
        }
        if state.len() >= MAX_MODULES {
            bail!("more than {MAX_MODULES} modules: is `depends=` of `{name}` garbage?");
        }
        state.insert(name.to_string(), 1);
        for dep in deps(name).with_context(|| format!("the dependencies of `{name}`"))? {
            visit(&dep, deps, state, order)?;
        }
        state.insert(name.to_string(), 2);
        order.push(name.to_string());
        Ok(())
    }
    for name in wanted {
        visit(&canonical(name), &mut deps, &mut state, &mut order)?;
    }
    Ok(order)
}

/// Where the decompressed modules are kept in the guest cache.
pub fn dir(cache: &Path) -> PathBuf {
    cache.join("modules")
}

/// The cached load order (`modules/order`), if there is one.
fn cached_order(cache: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir(cache).join("order")).ok()?;
    Some(text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
}

/// Whether every module the cached order lists is in the cache, and the
/// order covers [`WANTED`].
pub fn complete(cache: &Path) -> bool {
    let Some(order) = cached_order(cache) else { return false };
    WANTED.iter().all(|w| order.iter().any(|o| *o == canonical(w)))
        && order.iter().all(|name| dir(cache).join(format!("{name}.ko")).is_file())
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
    // Every module of the package, by canonical name.
    let mut paths: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut pending = vec![version.join("kernel")];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".ko.xz"))
            {
                paths.insert(canonical(name), path.clone());
            }
        }
    }
    let mut modules: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let order = load_order(&WANTED, |name| {
        let path = paths.get(name).with_context(|| format!("{} has no module `{name}`", deb.display()))?;
        let module = decompress(&std::fs::read(path)?).with_context(|| format!("decompressing {}", path.display()))?;
        let deps = depends(&modinfo(&module).with_context(|| format!("{}", path.display()))?);
        modules.insert(name.to_string(), module);
        Ok(deps)
    })?;
    std::fs::create_dir_all(out)?;
    for name in &order {
        let module = modules.get(name).with_context(|| format!("module `{name}` was not read"))?;
        std::fs::write(out.join(format!("{name}.ko")), module)?;
    }
    std::fs::write(out.join("order"), order.iter().map(|n| format!("{n}\n")).collect::<String>())?;
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

/// The cached modules in their load order, or none if the cache has none
/// (a local kernel image: `BULKHEAD_GUEST_IMAGE`).
pub fn load(cache: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    if !complete(cache) {
        return Ok(Vec::new());
    }
    cached_order(cache)
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            let file = dir(cache).join(format!("{name}.ko"));
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            Ok((name, bytes))
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
    fn dependencies_come_from_modinfo() {
        let info = b"license=GPL\0depends=drm,drm-kms-helper,virtio_dma_buf\0intree=Y\0";
        assert_eq!(depends(info), ["drm", "drm_kms_helper", "virtio_dma_buf"]);
        assert!(depends(b"depends=\0name=evdev\0").is_empty());
        assert!(depends(b"").is_empty());
        assert!(modinfo(b"\x7fELF not really").is_err());
    }

    fn graph(edges: &[(&str, &[&str])]) -> impl FnMut(&str) -> Result<Vec<String>> {
        let map: BTreeMap<String, Vec<String>> =
            edges.iter().map(|(n, d)| (n.to_string(), d.iter().map(|s| s.to_string()).collect())).collect();
        move |name| map.get(name).cloned().with_context(|| format!("no module `{name}`"))
    }

    #[test]
    fn every_module_loads_after_what_it_needs() {
        let deps = graph(&[
            ("virtio_gpu", &["drm_shmem_helper", "drm_kms_helper", "drm", "virtio_dma_buf"]),
            ("drm_shmem_helper", &["drm"]),
            ("drm_kms_helper", &["drm"]),
            ("drm", &[]),
            ("virtio_dma_buf", &[]),
            ("evdev", &[]),
            ("virtio_mmio", &[]),
        ]);
        let order = load_order(&["evdev", "virtio-gpu", "virtio_mmio"], deps).unwrap();
        assert_eq!(
            order,
            ["evdev", "drm", "drm_shmem_helper", "drm_kms_helper", "virtio_dma_buf", "virtio_gpu", "virtio_mmio"]
        );
        let position = |n: &str| order.iter().position(|o| o == n).unwrap();
        assert!(position("drm") < position("drm_kms_helper") && position("drm_kms_helper") < position("virtio_gpu"));
    }

    #[test]
    fn a_cycle_or_a_missing_module_is_an_error() {
        let cycle = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert!(format!("{:#}", load_order(&["a"], cycle).unwrap_err()).contains("cycle"));
        let missing = graph(&[("a", &["ghost"])]);
        assert!(format!("{:#}", load_order(&["a"], missing).unwrap_err()).contains("no module `ghost`"));
    }
}
