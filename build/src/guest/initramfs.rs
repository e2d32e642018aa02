// SPDX-License-Identifier: MIT
//! The busybox initramfs of Linux domains: `/init` (the script `init.sh`
//! beside this file), a static arm64 busybox with a symlink per applet,
//! `/bin/bulkhead-cntvct` (`stamp`), `/bin/bulkhead-evstamp` (`evstamp`),
//! `/bin/bulkhead-tone` (`tone`),
//! the framebuffer test's picture `/lib/bulkhead/band.raw` (`fbpattern`),
//! `/dev/console`, the directories `/init` mounts on, and the kernel
//! modules of `modules` under `/lib/modules/` with their load order in
//! `/lib/modules/order`; a gzip-compressed newc archive, byte for byte the
//! same for the same inputs.

use super::cpio::Archive;
use flate2::{Compression, GzBuilder};
use std::io::Write as _;

/// The `/init` script.
pub const INIT: &str = include_str!("init.sh");

/// Fewest applets a real busybox has (Debian 12's busybox-static has 269).
const MIN_APPLETS: usize = 50;

/// The applet names of a busybox binary: the same list as `busybox --list`,
/// read from its sorted, NUL-separated name table (`[`, `[[`, `acpid`, ...)
/// so that an arm64 binary needs no arm64 host to list them.
pub fn applets(busybox: &[u8]) -> Result<Vec<String>, String> {
    let start = busybox
        .windows(5)
        .position(|w| w == b"[\0[[\0")
        .ok_or("no applet table (`[`, `[[`, ...) in the busybox binary: is it a busybox?")?;
    let mut names: Vec<String> = Vec::new();
    for raw in busybox[start..].split(|&b| b == 0) {
        let valid = !raw.is_empty()
            && raw.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"[-_.".contains(&b));
        let Ok(name) = std::str::from_utf8(raw) else { break };
        if !valid || names.last().is_some_and(|last| last.as_str() >= name) {
            break;
        }
        names.push(name.to_string());
    }
    if names.len() < MIN_APPLETS || !["sh", "mount", "poweroff"].iter().all(|a| names.iter().any(|n| n == a)) {
        return Err(format!(
            "the busybox binary lists {} applets, without sh, mount or poweroff: use a full static busybox \
             (Debian's busybox-static)",
            names.len()
        ));
    }
    Ok(names)
}

/// The uncompressed newc archive.
pub fn archive(busybox: &[u8], modules: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let applets = applets(busybox)?;
    let mut a = Archive::new();
    for dir in ["bin", "dev", "proc", "sys", "tmp", "root", "etc", "usr"] {
        a.dir(dir, 0o755);
    }
    a.symlink("sbin", "bin");
    a.symlink("usr/bin", "../bin");
    a.symlink("usr/sbin", "../bin");
    a.char_dev("dev/console", 0o600, 5, 1);
    a.char_dev("dev/null", 0o666, 1, 3);
    a.file("init", 0o755, INIT.as_bytes());
    a.file("bin/busybox", 0o755, busybox);
    a.file("bin/bulkhead-cntvct", 0o755, &super::stamp::program());
    a.file("bin/bulkhead-evstamp", 0o755, &super::evstamp::program());
    a.file("bin/bulkhead-tone", 0o755, &super::tone::program());
    for applet in applets.iter().filter(|a| a.as_str() != "busybox") {
        a.symlink(&format!("bin/{applet}"), "busybox");
    }
    a.dir("lib", 0o755);
    a.dir("lib/bulkhead", 0o755);
    a.file("lib/bulkhead/band.raw", 0o644, &super::fbpattern::band());
    a.dir("lib/modules", 0o755);
    let mut order = String::new();
    for (name, bytes) in modules {
        a.file(&format!("lib/modules/{name}.ko"), 0o644, bytes);
        order.push_str(name);
        order.push('\n');
    }
    a.file("lib/modules/order", 0o644, order.as_bytes());
    a.finish()
}

/// What this tree puts into every initramfs besides busybox and the
/// modules (`/init` and the test programs), as a CRC-32: `fetch-guest`
/// records it in the cache's manifest, and a build refuses an initramfs
/// made from another recipe (an edited `init.sh` would otherwise run the
/// old one, silently).
pub fn recipe() -> u32 {
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = crc.digest();
    for part in [
        INIT.as_bytes(),
        &super::stamp::program(),
        &super::evstamp::program(),
        &super::tone::program(),
        &super::fbpattern::band(),
    ] {
        digest.update(&(part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    digest.finalize()
}

/// The archive, gzip-compressed (no name, mtime 0: deterministic).
pub fn build(busybox: &[u8], modules: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let cpio = archive(busybox, modules)?;
    let mut gz = GzBuilder::new().mtime(0).write(Vec::new(), Compression::best());
    gz.write_all(&cpio).map_err(|e| format!("compressing the initramfs: {e}"))?;
    gz.finish().map_err(|e| format!("compressing the initramfs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::super::cpio;
    use super::*;
    use std::io::Read as _;

    /// A fake busybox: an ELF-ish prefix, then an applet table.
    fn fake_busybox() -> Vec<u8> {
        let mut b = b"\x7fELF\0\0junk\0".to_vec();
        let mut names = vec!["[".to_string(), "[[".to_string()];
        names.extend((0..60).map(|i| format!("applet{i:02}")));
        names.extend(["mount", "poweroff", "sh"].map(String::from));
        names.sort();
        for n in &names {
            b.extend_from_slice(n.as_bytes());
            b.push(0);
        }
        b.extend_from_slice(b"\0\x01\x02 tail");
        b
    }

    #[test]
    fn applets_are_read_from_the_name_table() {
        let names = applets(&fake_busybox()).unwrap();
        assert_eq!(names.len(), 65);
        assert_eq!(&names[..3], &["[", "[[", "applet00"]);
        assert!(applets(b"no table here").is_err());
    }

    #[test]
    fn the_archive_holds_init_busybox_links_and_console() {
        let modules =
            [("evdev".to_string(), b"\x7fELFevdev".to_vec()), ("virtio_mmio".to_string(), b"\x7fELFmmio".to_vec())];
        let gz = build(&fake_busybox(), &modules).unwrap();
        assert_eq!(gz, build(&fake_busybox(), &modules).unwrap(), "deterministic");
        let mut cpio_bytes = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut cpio_bytes).unwrap();
        let entries = cpio::read(&cpio_bytes).unwrap();
        let get = |name: &str| entries.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no {name}"));
        assert!(get("init").is_file() && get("init").mode & 0o111 != 0);
        assert!(get("init").data.starts_with(b"#!/bin/busybox sh\n"));
        assert_eq!(get("bin/busybox").data, fake_busybox());
        assert!(get("bin/sh").is_symlink() && get("bin/sh").data == b"busybox");
        let stamp = get("bin/bulkhead-cntvct");
        assert!(stamp.mode & 0o111 != 0 && stamp.data == super::super::stamp::program());
        let evstamp = get("bin/bulkhead-evstamp");
        assert!(evstamp.mode & 0o111 != 0 && evstamp.data == super::super::evstamp::program());
        assert!(get("bin/[[").is_symlink());
        let console = get("dev/console");
        assert!(console.is_char_dev() && console.rdev == (5, 1));
        for dir in ["proc", "sys", "dev", "tmp", "lib/modules"] {
            assert!(get(dir).is_dir());
        }
        assert_eq!(get("lib/modules/evdev.ko").data, b"\x7fELFevdev");
        assert_eq!(get("lib/modules/virtio_mmio.ko").data, b"\x7fELFmmio");
        assert_eq!(get("lib/modules/order").data, b"evdev\nvirtio_mmio\n", "the load order");
    }

    #[test]
    fn init_prints_the_marker_and_runs_the_steps() {
        assert!(INIT.contains("/bin/bulkhead-cntvct\necho \"BULKHEAD-INIT: $cpus cpus\""));
        assert!(INIT.contains("bulkhead.test=*"));
        assert!(INIT.contains("echo c >/proc/sysrq-trigger"));
        assert!(INIT.contains("poweroff -f"));
    }
}
