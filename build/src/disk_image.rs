// SPDX-License-Identifier: MIT
//! FAT32 disk images on the host: make one from a folder, read and list
//! its files, write one in, and check it.
//!
//! It owns the image format and nothing around it: no board, domain or
//! QEMU knowledge (the 9pfs driver domain serves such an image over a
//! `virtio-blk-device`; `qemu.rs` attaches it). An image is laid out as an
//! SD card is: an MBR in sector 0 with one FAT32 (LBA, type 0x0C)
//! partition from [`PARTITION_START`] (1 MiB) to the end, which is what
//! `embedded-sdmmc` (the 9pfs domain's FAT crate) mounts. The partition
//! has 512-byte sectors and 512-byte clusters (one sector), 32 reserved
//! sectors, two FATs, the root directory a cluster chain from cluster 2.
//! FAT32 needs at least 65,525 clusters, so an image is at least
//! [`MIN_SIZE_MIB`] MiB. mtools reaches the partition as `<image>@@1M`;
//! `fsck.vfat`, which takes no offset, checks a copy of it.
//!
//! The work is done by Debian's dosfstools (`mkfs.vfat`, `fsck.vfat`) and
//! mtools (`mcopy`, `mdir`, `mmd`), which `bash ci/setup.sh` installs; a
//! missing one is an error that names it. dosfstools installs into
//! `/usr/sbin`, which is not on an ordinary user's `PATH` on Debian, so
//! the tools are looked for there and in `/sbin` too. Every mtools command
//! runs with `MTOOLS_SKIP_CHECK=1` (else mtools may refuse the geometry a
//! plain image file has) and stdin closed (else a name clash may wait for
//! an answer).

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The smallest image [`make_fat32`] makes: FAT32 with 512-byte clusters
/// needs 65,525 clusters (32 MiB) and room for the reserved sectors and
/// the two FATs.
pub const MIN_SIZE_MIB: u32 = 34;
/// The partition's first sector: 1 MiB in, as partitioning tools align.
pub const PARTITION_START: u32 = 2048;
/// The partition's byte offset, as mtools' `@@` takes it.
const PARTITION_OFFSET: &str = "@@1M";

/// A host tool and the Debian package it comes in.
#[derive(Clone, Copy)]
struct Tool {
    name: &'static str,
    package: &'static str,
}

const MKFS: Tool = Tool { name: "mkfs.vfat", package: "dosfstools" };
const FSCK: Tool = Tool { name: "fsck.vfat", package: "dosfstools" };
const MCOPY: Tool = Tool { name: "mcopy", package: "mtools" };
const MDIR: Tool = Tool { name: "mdir", package: "mtools" };
const MMD: Tool = Tool { name: "mmd", package: "mtools" };

impl Tool {
    fn is_mtools(self) -> bool {
        self.package == "mtools"
    }

    /// The tool's path: on `PATH`, else in `/usr/sbin` or `/sbin`.
    fn find(self) -> Result<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(self.name))
            .find(|candidate| candidate.is_file())
            .with_context(|| {
                format!(
                    "`{}` not found (looked on PATH, in /usr/sbin and /sbin): it comes with Debian's {} \
                     package, which `bash ci/setup.sh` installs",
                    self.name, self.package
                )
            })
    }

    /// A command for the tool, stdin closed, mtools' geometry check off.
    fn command(self) -> Result<Command> {
        let mut cmd = Command::new(self.find()?);
        cmd.stdin(Stdio::null());
        if self.is_mtools() {
            cmd.env("MTOOLS_SKIP_CHECK", "1");
        }
        Ok(cmd)
    }

    /// Runs the tool to its end; its output whatever its exit status.
    fn output<I, S>(self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command()?.args(args).output().with_context(|| format!("could not run `{}`", self.name))
    }

    /// Runs the tool; an error with its exit status, stderr and stdout if
    /// it fails.
    fn run<I, S>(self, args: I, what: &str) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.output(args)?;
        if !out.status.success() {
            bail!("`{}` failed ({}) {what}:\n{}", self.name, out.status, both_streams(&out));
        }
        Ok(out)
    }
}

/// A tool's stderr and stdout, for an error message.
fn both_streams(out: &Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    if text.trim().is_empty() { "(it printed nothing)".to_string() } else { text.trim_end().to_string() }
}

/// mtools' name for `path` inside the image (`/LOGS/DEMO.LOG` or
/// `LOGS/DEMO.LOG` -> `::/LOGS/DEMO.LOG`).
fn dos_path(path: &str) -> String {
    format!("::/{}", path.trim_start_matches('/'))
}

/// mtools' `-i <image>@@1M` option: the image's partition.
fn image_arg(image: &Path) -> [std::ffi::OsString; 2] {
    let mut target = image.as_os_str().to_os_string();
    target.push(PARTITION_OFFSET);
    ["-i".into(), target]
}

/// Sector 0 of an image of `sectors` sectors: an MBR whose only entry is a
/// FAT32 (LBA) partition from [`PARTITION_START`] to the end.
fn mbr(sectors: u32) -> [u8; 512] {
    let mut sector = [0u8; 512];
    let mut entry = [0u8; 16];
    entry[4] = 0x0C;
    entry[8..12].copy_from_slice(&PARTITION_START.to_le_bytes());
    entry[12..16].copy_from_slice(&(sectors - PARTITION_START).to_le_bytes());
    sector[446..462].copy_from_slice(&entry);
    sector[510] = 0x55;
    sector[511] = 0xAA;
    sector
}

/// Makes `image` (replacing any file there) a FAT32 image of `size_mib`
/// MiB holding a copy of `folder`'s contents, recursively, in its root.
/// An empty folder gives an empty filesystem.
pub fn make_fat32(folder: &Path, image: &Path, size_mib: u32) -> Result<()> {
    if size_mib < MIN_SIZE_MIB {
        bail!("a FAT32 image needs at least {MIN_SIZE_MIB} MiB (65,525 clusters of 512 bytes), not {size_mib} MiB");
    }
    let mut entries = std::fs::read_dir(folder)
        .with_context(|| format!("could not read the folder {}", folder.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("could not read the folder {}", folder.display()))?;
    entries.sort();
    // Find every tool before writing anything.
    MKFS.find()?;
    MCOPY.find()?;
    let sectors = size_mib * 2048;
    let mut file = std::fs::File::create(image).with_context(|| format!("could not create {}", image.display()))?;
    std::io::Write::write_all(&mut file, &mbr(sectors))
        .with_context(|| format!("could not write {}", image.display()))?;
    file.set_len(u64::from(size_mib) << 20).with_context(|| format!("could not size {}", image.display()))?;
    drop(file);
    let offset = PARTITION_START.to_string();
    let kib = ((sectors - PARTITION_START) / 2).to_string();
    let mut mkfs = vec![
        OsStr::new("-F"),
        OsStr::new("32"),
        OsStr::new("-S"),
        OsStr::new("512"),
        OsStr::new("-s"),
        OsStr::new("1"),
        // No fake MBR in sector 0 (dosfstools' "auto" leaves it out for
        // a file, but say so), and no random volume id or times.
        OsStr::new("--mbr=n"),
        OsStr::new("--invariant"),
        OsStr::new("--offset"),
        OsStr::new(&offset),
    ];
    mkfs.push(image.as_os_str());
    mkfs.push(OsStr::new(&kib));
    MKFS.run(mkfs, &format!("formatting {}", image.display()))?;
    if entries.is_empty() {
        return Ok(());
    }
    let target = image_arg(image);
    let mut copy: Vec<&OsStr> = vec![OsStr::new("-s")];
    copy.extend(target.iter().map(|a| a.as_os_str()));
    copy.extend(entries.iter().map(|e| e.as_os_str()));
    copy.push(OsStr::new("::/"));
    MCOPY.run(copy, &format!("copying {} into {}", folder.display(), image.display()))?;
    Ok(())
}

/// The bytes of the file at `path` (e.g. `/LOGS/DEMO.LOG`; FAT names are
/// case-insensitive) in `image`.
pub fn read_file(image: &Path, path: &str) -> Result<Vec<u8>> {
    let image_opt = image_arg(image);
    let mut args: Vec<&OsStr> = vec![OsStr::new("-n")];
    args.extend(image_opt.iter().map(|a| a.as_os_str()));
    let source = dos_path(path);
    args.extend([OsStr::new(&source), OsStr::new("-")]);
    let out = MCOPY.run(args, &format!("reading {path} from {}", image.display()))?;
    Ok(out.stdout)
}

/// The names in directory `dir` (`/` for the root) of `image`: long names
/// where there are, without `.` and `..`, directories without a marker,
/// sorted. An error if `dir` is missing or a file.
pub fn list(image: &Path, dir: &str) -> Result<Vec<String>> {
    let out = list_raw(image, dir)?;
    let mut names: Vec<String> = String::from_utf8_lossy(&out)
        .lines()
        .map(|line| line.trim_end_matches('/'))
        .filter(|line| !line.is_empty())
        .map(|line| line.rsplit('/').next().unwrap_or(line).to_string())
        .collect();
    names.sort();
    Ok(names)
}

/// `mdir -b` of `dir` (the trailing `/` makes it fail for a file): one
/// full path a line, directories ending in `/`.
fn list_raw(image: &Path, dir: &str) -> Result<Vec<u8>> {
    let trimmed = dir.trim_matches('/');
    let target = if trimmed.is_empty() { "::/".to_string() } else { format!("::/{trimmed}/") };
    let image_opt = image_arg(image);
    let mut args: Vec<&OsStr> = vec![OsStr::new("-b")];
    args.extend(image_opt.iter().map(|a| a.as_os_str()));
    args.push(OsStr::new(&target));
    Ok(MDIR.run(args, &format!("listing directory {dir} of {}", image.display()))?.stdout)
}

/// Whether `dir` is a directory in `image`.
fn is_dir(image: &Path, dir: &str) -> Result<bool> {
    Ok(list_raw(image, dir).is_ok())
}

/// Checks `image` with `fsck.vfat -n` (read-only): an error with its
/// report if it finds anything, even what it calls harmless (a boot
/// sector that differs from its backup, too few clusters for FAT32).
pub fn check(image: &Path) -> Result<()> {
    let raw = std::fs::read(image).with_context(|| format!("could not read {}", image.display()))?;
    let start = usize::try_from(PARTITION_START).unwrap_or(usize::MAX).saturating_mul(512);
    let Some(partition) = raw.get(start..) else { bail!("{} is shorter than its MBR says", image.display()) };
    let staging = TempDir::new("check")?;
    let copy = staging.path().join("partition.img");
    std::fs::write(&copy, partition).with_context(|| format!("could not write {}", copy.display()))?;
    let out = FSCK.output([OsStr::new("-n"), copy.as_os_str()])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // A clean run prints its banner and one summary line, e.g.
    // `fsck.fat 4.2 (2021-01-31)` and `disk.img: 6 files, 406/129022 clusters`.
    let remarks = stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !line.starts_with("fsck.fat "))
        .any(|line| !(line.contains(" files, ") && line.ends_with(" clusters")));
    if !out.status.success() || remarks || !out.stderr.is_empty() {
        bail!("`fsck.vfat -n {}` ({}) finds a fault:\n{}", image.display(), out.status, both_streams(&out));
    }
    Ok(())
}

/// Writes `bytes` as the file at `path` in `image` (replacing one there),
/// making its parent directories.
pub fn put_file(image: &Path, path: &str, bytes: &[u8]) -> Result<()> {
    let trimmed = path.trim_matches('/');
    let Some(name) = trimmed.rsplit('/').next().filter(|n| !n.is_empty()) else {
        bail!("`{path}` names no file");
    };
    let mut parent = String::new();
    for part in trimmed.split('/').take(trimmed.split('/').count().saturating_sub(1)) {
        parent.push('/');
        parent.push_str(part);
        if !is_dir(image, &parent)? {
            let image_opt = image_arg(image);
            let mut args: Vec<&OsStr> = image_opt.iter().map(|a| a.as_os_str()).collect();
            let target = dos_path(&parent);
            args.push(OsStr::new(&target));
            MMD.run(args, &format!("making directory {parent} in {}", image.display()))?;
        }
    }
    let staging = TempDir::new("put")?;
    let source = staging.path().join(name);
    std::fs::write(&source, bytes).with_context(|| format!("could not write {}", source.display()))?;
    let image_opt = image_arg(image);
    let mut args: Vec<&OsStr> = vec![OsStr::new("-o")];
    args.extend(image_opt.iter().map(|a| a.as_os_str()));
    let target = dos_path(trimmed);
    args.extend([source.as_os_str(), OsStr::new(&target)]);
    MCOPY.run(args, &format!("writing {path} into {}", image.display()))?;
    Ok(())
}

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Result<Self> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("bulkhead-disk-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).with_context(|| format!("could not create {}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 KiB that are not all alike (so a misplaced cluster shows).
    fn blob() -> Vec<u8> {
        (0..200u32 * 1024).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect()
    }

    fn sample_folder(dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir.join("data/nested"))?;
        std::fs::write(dir.join("configuration.toml"), b"[demo]\nname = \"bulkhead\"\n")?;
        std::fs::write(dir.join("CONFIG.TXT"), b"eight dot three\n")?;
        std::fs::write(dir.join("data/blob.bin"), blob())?;
        std::fs::write(dir.join("data/nested/notes for the demo.txt"), b"deep\n")?;
        Ok(())
    }

    #[test]
    fn a_folder_becomes_an_mbr_disk_with_one_fat32_partition() -> Result<()> {
        let tmp = TempDir::new("test-folder")?;
        let folder = tmp.path().join("root");
        sample_folder(&folder)?;
        let image = tmp.path().join("disk.img");
        make_fat32(&folder, &image, 64)?;

        let disk = std::fs::read(&image)?;
        assert_eq!(disk.len(), 64 << 20);
        assert_eq!(disk[446 + 4], 0x0C, "partition 1 is FAT32 (LBA)");
        assert_eq!(u32::from_le_bytes(disk[454..458].try_into()?), 2048, "it starts at 1 MiB");
        assert_eq!(u32::from_le_bytes(disk[458..462].try_into()?), 64 * 2048 - 2048, "it runs to the end");
        assert!(disk[462..510].iter().all(|&b| b == 0), "one partition only");
        assert_eq!(&disk[510..512], &[0x55, 0xaa]);
        let raw = &disk[1 << 20..];
        assert_eq!(u16::from_le_bytes([raw[11], raw[12]]), 512, "bytes per sector");
        assert_eq!(raw[13], 1, "sectors per cluster");
        assert_eq!(&raw[82..90], b"FAT32   ", "filesystem type");
        assert_eq!(&raw[510..512], &[0x55, 0xaa]);

        check(&image)?;
        assert_eq!(list(&image, "/")?, ["CONFIG.TXT", "configuration.toml", "data"]);
        assert_eq!(list(&image, "/data")?, ["blob.bin", "nested"]);
        assert_eq!(list(&image, "data/nested/")?, ["notes for the demo.txt"]);
        assert_eq!(read_file(&image, "/configuration.toml")?, b"[demo]\nname = \"bulkhead\"\n");
        assert_eq!(read_file(&image, "/CONFIG.TXT")?, b"eight dot three\n");
        assert_eq!(read_file(&image, "/config.txt")?, b"eight dot three\n", "FAT names ignore case");
        assert!(read_file(&image, "/data/blob.bin")? == blob(), "the 200 KiB file differs");
        assert_eq!(read_file(&image, "/data/nested/notes for the demo.txt")?, b"deep\n");

        let missing = read_file(&image, "/nope.txt").unwrap_err().to_string();
        assert!(missing.contains("mcopy") && missing.contains("not found"), "{missing}");
        assert!(list(&image, "/CONFIG.TXT").is_err(), "a file listed as a directory");
        Ok(())
    }

    #[test]
    fn an_empty_folder_gives_an_empty_filesystem() -> Result<()> {
        let tmp = TempDir::new("test-empty")?;
        let folder = tmp.path().join("root");
        std::fs::create_dir_all(&folder)?;
        let image = tmp.path().join("disk.img");
        make_fat32(&folder, &image, MIN_SIZE_MIB)?;
        check(&image)?;
        assert!(list(&image, "/")?.is_empty());
        Ok(())
    }

    #[test]
    fn too_small_an_image_is_refused() -> Result<()> {
        let tmp = TempDir::new("test-small")?;
        let err = make_fat32(tmp.path(), &tmp.path().join("disk.img"), 33).unwrap_err().to_string();
        assert!(err.contains("at least 34 MiB"), "{err}");
        Ok(())
    }

    #[test]
    fn a_corrupt_image_fails_the_check() -> Result<()> {
        let tmp = TempDir::new("test-corrupt")?;
        let folder = tmp.path().join("root");
        sample_folder(&folder)?;
        let image = tmp.path().join("disk.img");
        make_fat32(&folder, &image, 64)?;
        check(&image)?;
        let clean = std::fs::read(&image)?;

        // The boot sector's signature: fsck.vfat calls this harmless (it
        // has a backup) and exits 0, but reports it.
        let mut raw = clean.clone();
        raw[(1 << 20) + 510] = 0;
        raw[(1 << 20) + 511] = 0;
        std::fs::write(&image, &raw)?;
        let err = format!("{:#}", check(&image).unwrap_err());
        assert!(err.contains("boot sector"), "{err}");

        // The first FAT: mark the root directory's cluster free.
        let mut raw = clean;
        let reserved = usize::from(u16::from_le_bytes([raw[(1 << 20) + 14], raw[(1 << 20) + 15]]));
        let root_entry = (1 << 20) + reserved * 512 + 2 * 4;
        raw[root_entry..root_entry + 4].copy_from_slice(&[0; 4]);
        std::fs::write(&image, &raw)?;
        let err = format!("{:#}", check(&image).unwrap_err());
        assert!(err.contains("fsck.vfat"), "{err}");
        Ok(())
    }

    #[test]
    fn put_file_then_read_file_round_trips() -> Result<()> {
        let tmp = TempDir::new("test-put")?;
        let folder = tmp.path().join("root");
        std::fs::create_dir_all(&folder)?;
        let image = tmp.path().join("disk.img");
        make_fat32(&folder, &image, 40)?;

        put_file(&image, "/LOGS/DEMO.LOG", b"first\n")?;
        assert_eq!(read_file(&image, "/LOGS/DEMO.LOG")?, b"first\n");
        put_file(&image, "/LOGS/DEMO.LOG", b"second, longer\n")?;
        assert_eq!(read_file(&image, "/LOGS/DEMO.LOG")?, b"second, longer\n", "replaced");
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        put_file(&image, "/a/b/c/binary data.bin", &binary)?;
        assert!(read_file(&image, "/a/b/c/binary data.bin")? == binary, "binary file differs");
        put_file(&image, "/a/sibling.txt", b"")?;
        assert_eq!(read_file(&image, "/a/sibling.txt")?, b"");
        assert_eq!(list(&image, "/")?, ["LOGS", "a"]);
        assert_eq!(list(&image, "/a")?, ["b", "sibling.txt"]);
        check(&image)?;
        Ok(())
    }
}
