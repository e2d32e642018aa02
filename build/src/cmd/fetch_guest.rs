// SPDX-License-Identifier: MIT
//! `cargo xtask fetch-guest`: fills `target/guest-cache/` with what a Linux
//! domain boots: Debian's arm64 kernel `Image`, a static arm64 `busybox`,
//! and the busybox initramfs `initramfs.cpio.gz` built from it. Skips the
//! downloads when the cache is complete (delete the directory to fetch
//! anew); `BULKHEAD_GUEST_IMAGE` and `BULKHEAD_GUEST_BUSYBOX` replace either
//! download with a local file.

use crate::board::image_header;
use crate::guest::manifest::Manifest;
use crate::guest::{self, apt, initramfs};
use crate::workspace;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Environment variable: a local raw arm64 Image instead of Debian's.
pub const ENV_IMAGE: &str = "BULKHEAD_GUEST_IMAGE";
/// Environment variable: a local static arm64 busybox instead of Debian's.
pub const ENV_BUSYBOX: &str = "BULKHEAD_GUEST_BUSYBOX";

const BUSYBOX_PACKAGE: &str = "busybox-static";

fn shown(path: &Path) -> String {
    path.strip_prefix(workspace::root()).unwrap_or(path).display().to_string()
}

/// A local file named by `var`, read and checked with `check` (before anything is downloaded).
fn local(var: &str, check: fn(&[u8], &str) -> Result<()>) -> Result<Option<(PathBuf, Vec<u8>)>> {
    let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) else { return Ok(None) };
    let path = PathBuf::from(value);
    if !path.is_file() {
        bail!("{var}={} is not a file: point it at a local file or unset it", path.display());
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {var}={}", path.display()))?;
    check(&bytes, &format!("{var}={}", path.display()))?;
    Ok(Some((path, bytes)))
}

/// Puts a checked local file into the cache at `to`.
fn take_local((from, bytes): &(PathBuf, Vec<u8>), to: &Path, var: &str) -> Result<()> {
    if from.canonicalize().ok() != to.canonicalize().ok() {
        std::fs::write(to, bytes).with_context(|| format!("writing {}", to.display()))?;
    }
    eprintln!("xtask: {} from {var}={}", shown(to), from.display());
    Ok(())
}

/// Checks that `bytes` are a raw arm64 Image.
fn check_image(bytes: &[u8], from: &str) -> Result<()> {
    image_header::parse(bytes).map_err(|e| anyhow::anyhow!("{from}: {e}"))?;
    Ok(())
}

/// Checks that `bytes` are a static arm64 ELF executable.
fn check_busybox(bytes: &[u8], from: &str) -> Result<()> {
    use object::{Architecture, Object as _};
    let file = object::File::parse(bytes).with_context(|| format!("{from} is not an ELF executable"))?;
    if file.architecture() != Architecture::Aarch64 {
        bail!("{from} is built for {:?}, not arm64: use an arm64 busybox", file.architecture());
    }
    if file.section_by_name(".interp").is_some() {
        bail!("{from} is dynamically linked: the initramfs has no libc, use a static busybox (busybox-static)");
    }
    Ok(())
}

/// Runs the command; returns the exit status.
pub fn run() -> Result<i32> {
    let start = Instant::now();
    let dir = guest::cache_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    eprintln!("xtask: guest cache {}", shown(&dir));
    let (image_file, busybox_file) = (dir.join("Image"), dir.join("busybox"));
    let local_image = local(ENV_IMAGE, check_image)?;
    let local_busybox = local(ENV_BUSYBOX, check_busybox)?;

    let cached = Manifest::load(&dir).filter(|m| m.complete(&dir));
    let mut manifest = match cached {
        Some(m) => {
            eprintln!("xtask: cache complete (kernel {}, {}): nothing to download", m.kernel_abi, m.busybox_source);
            m
        }
        None if local_image.is_some() && local_busybox.is_some() => Manifest {
            kernel_abi: "local".into(),
            kernel_source: String::new(),
            busybox_source: String::new(),
            image_bytes: 0,
            busybox_bytes: 0,
            initramfs_recipe: None,
        },
        None => fetch_debian(&dir, local_image.is_none(), local_busybox.is_none())?,
    };
    if let Some(file) = &local_image {
        take_local(file, &image_file, ENV_IMAGE)?;
        manifest.kernel_abi = "local".into();
        manifest.kernel_source = format!("file {}", file.0.display());
    }
    if let Some(file) = &local_busybox {
        take_local(file, &busybox_file, ENV_BUSYBOX)?;
        manifest.busybox_source = format!("file {}", file.0.display());
    }

    let image = std::fs::read(&image_file).with_context(|| format!("reading {}", image_file.display()))?;
    check_image(&image, &shown(&image_file))?;
    let busybox = std::fs::read(&busybox_file).with_context(|| format!("reading {}", busybox_file.display()))?;
    check_busybox(&busybox, &shown(&busybox_file))?;
    manifest.image_bytes = image.len() as u64;
    manifest.busybox_bytes = busybox.len() as u64;

    eprintln!("xtask: building the initramfs (busybox, its applets, /init, /dev/console)");
    let applets = initramfs::applets(&busybox).map_err(|e| anyhow::anyhow!("{}: {e}", shown(&busybox_file)))?;
    let modules = guest::modules::load(&dir)?;
    if modules.is_empty() {
        eprintln!("xtask: no kernel modules (a local kernel image): virtio devices will not probe");
    }
    let initrd = initramfs::build(&busybox, &modules).map_err(|e| anyhow::anyhow!(e))?;
    let initrd_file = dir.join("initramfs.cpio.gz");
    std::fs::write(&initrd_file, &initrd).with_context(|| format!("writing {}", initrd_file.display()))?;
    manifest.initramfs_recipe = Some(initramfs::recipe());
    manifest.store(&dir)?;

    println!("guest cache {}: kernel {} ({})", shown(&dir), manifest.kernel_abi, manifest.kernel_source);
    println!("  {:<28} {:>10}", "file", "bytes");
    println!("  {:<28} {:>10}", "Image", image.len());
    println!("  {:<28} {:>10}", format!("busybox ({} applets)", applets.len()), busybox.len());
    println!("  {:<28} {:>10}", "initramfs.cpio.gz", initrd.len());
    println!("  {:<28} {:>10}", "modules (in the initramfs)", modules.len());
    println!("  board files name them `guest:Image` and `guest:initramfs`");
    eprintln!("xtask: fetch-guest done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(0)
}

/// Downloads and extracts what is wanted from Debian's arm64 packages.
fn fetch_debian(dir: &Path, want_kernel: bool, want_busybox: bool) -> Result<Manifest> {
    apt::check_tools()?;
    apt::ensure_arm64()?;
    let mut kernel = if want_kernel { apt::resolve_kernel()? } else { None };
    if want_kernel && kernel.is_none() {
        eprintln!("xtask: the package lists have no arm64 kernel yet");
        apt::update()?;
        kernel = apt::resolve_kernel()?;
    }
    let debs = dir.join("debs");
    std::fs::create_dir_all(&debs)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    if let Some(k) = &kernel {
        eprintln!("xtask: kernel: {} -> {}", k.meta, k.package);
        wanted.push((k.package.clone(), apt::candidate(&k.package)?));
    } else if want_kernel {
        bail!(
            "apt knows no arm64 kernel package (linux-image-<x.y>-arm64 or linux-image-arm64): {}",
            apt::OVERRIDES_HELP
        );
    }
    if want_busybox {
        wanted.push((BUSYBOX_PACKAGE.to_string(), apt::candidate(BUSYBOX_PACKAGE)?));
    }
    let missing: Vec<&str> =
        wanted.iter().filter(|(p, v)| apt::find_deb(&debs, p, v).is_none()).map(|(p, _)| p.as_str()).collect();
    if missing.is_empty() {
        eprintln!("xtask: the packages are downloaded already");
    } else {
        let t = Instant::now();
        eprintln!("xtask: apt-get download {} (the kernel is about 95 MB)", missing.join(" "));
        apt::download(&debs, &missing)?;
        eprintln!("xtask: downloaded in {:.1} s", t.elapsed().as_secs_f64());
    }

    let mut manifest = Manifest {
        kernel_abi: String::new(),
        kernel_source: String::new(),
        busybox_source: String::new(),
        image_bytes: 0,
        busybox_bytes: 0,
        initramfs_recipe: None,
    };
    for (package, version) in &wanted {
        let deb = apt::find_deb(&debs, package, version)
            .with_context(|| format!("apt-get download left no {package} {version} in {}", debs.display()))?;
        let t = Instant::now();
        if package == BUSYBOX_PACKAGE {
            eprintln!("xtask: extracting busybox from {}", shown(&deb));
            apt::extract_one(&deb, dir, |p| p == "bin/busybox", &dir.join("busybox"))?;
            manifest.busybox_source = format!("{package}:arm64 {version}");
        } else {
            eprintln!("xtask: extracting boot/vmlinuz-* from {} (a few seconds)", shown(&deb));
            let from = apt::extract_one(&deb, dir, |p| p.starts_with("boot/vmlinuz-"), &dir.join("Image"))?;
            eprintln!("xtask: {from} -> Image ({:.1} s)", t.elapsed().as_secs_f64());
            eprintln!(
                "xtask: extracting and decompressing the kernel modules {} and what they depend on (from their .modinfo)",
                guest::modules::WANTED.join(", ")
            );
            guest::modules::extract(&deb, dir)?;
            manifest.kernel_abi = package.trim_start_matches("linux-image-").to_string();
            manifest.kernel_source = format!("{package}:arm64 {version}");
        }
    }
    if let Some(old) = Manifest::load(dir) {
        // Keep what an earlier run recorded for the part fetched from elsewhere.
        if !want_kernel {
            manifest.kernel_abi = old.kernel_abi;
            manifest.kernel_source = old.kernel_source;
        }
        if !want_busybox {
            manifest.busybox_source = old.busybox_source;
        }
    }
    Ok(manifest)
}
