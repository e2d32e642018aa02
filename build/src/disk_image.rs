// SPDX-License-Identifier: MIT
//! FAT32 disk images on the host: make one from a folder, read and list
//! its files, write one in, and check it.
//!
//! It owns the image format and nothing around it: no board, domain or
//! QEMU knowledge (the 9pfs driver domain serves such an image over a
//! `virtio-blk-device`; `qemu.rs` attaches it). An image is a
//! "superfloppy": a raw FAT32 filesystem from sector 0, no partition
//! table, 512-byte sectors and 512-byte clusters (one sector), 32 reserved
//! sectors, two FATs, the root directory a cluster chain from cluster 2.
//! FAT32 needs at least 65,525 clusters, so an image is at least
//! [`MIN_SIZE_MIB`] MiB.
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
pub const MIN_SIZE_MIB: u32 = 33;

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

/// mtools' `-i <image>` option.
fn image_arg(image: &Path) -> [&OsStr; 2] {
    [OsStr::new("-i"), image.as_os_str()]
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
    let file = std::fs::File::create(image).with_context(|| format!("could not create {}", image.display()))?;
    file.set_len(u64::from(size_mib) << 20).with_context(|| format!("could not size {}", image.display()))?;
    drop(file);
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
    ];
    mkfs.push(image.as_os_str());
    MKFS.run(mkfs, &format!("formatting {}", image.display()))?;
    if entries.is_empty() {
        return Ok(());
    }
    let mut copy: Vec<&OsStr> = vec![OsStr::new("-s")];
    copy.extend(image_arg(image));
    copy.extend(entries.iter().map(|e| e.as_os_str()));
    copy.push(OsStr::new("::/"));
    MCOPY.run(copy, &format!("copying {} into {}", folder.display(), image.display()))?;
    Ok(())
}

/// The bytes of the file at `path` (e.g. `/LOGS/DEMO.LOG`; FAT names are
/// case-insensitive) in `image`.
pub fn read_file(image: &Path, path: &str) -> Result<Vec<u8>> {
    let mut args: Vec<&OsStr> = vec![OsStr::new("-n")];
    args.extend(image_arg(image));
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
    let mut args: Vec<&OsStr> = vec![OsStr::new("-b")];
    args.extend(image_arg(image));
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
    let out = FSCK.output([OsStr::new("-n"), image.as_os_str()])?;
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
            let mut args: Vec<&OsStr> = image_arg(image).to_vec();
            let target = dos_path(&parent);
            args.push(OsStr::new(&target));
            MMD.run(args, &format!("making directory {parent} in {}", image.display()))?;
        }
    }
    let staging = TempDir::new("put")?;
    let source = staging.path().join(name);
    std::fs::write(&source, bytes).with_context(|| format!("could not write {}", source.display()))?;
    let mut args: Vec<&OsStr> = vec![OsStr::new("-o")];
    args.extend(image_arg(image));
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
    fn a_folder_becomes_a_fat32_superfloppy() -> Result<()> {
        let tmp = TempDir::new("test-folder")?;
        let folder = tmp.path().join("root");
        sample_folder(&folder)?;
        let image = tmp.path().join("disk.img");
        make_fat32(&folder, &image, 64)?;

        let raw = std::fs::read(&image)?;
        assert_eq!(raw.len(), 64 << 20);
        assert_eq!(u16::from_le_bytes([raw[11], raw[12]]), 512, "bytes per sector");
        assert_eq!(raw[13], 1, "sectors per cluster");
        assert_eq!(&raw[82..90], b"FAT32   ", "filesystem type");
        assert_eq!(u32::from_le_bytes([raw[28], raw[29], raw[30], raw[31]]), 0, "hidden sectors");
        assert!(raw[446..510].iter().all(|&b| b == 0), "a partition table in sector 0");
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
        let err = make_fat32(tmp.path(), &tmp.path().join("disk.img"), 32).unwrap_err().to_string();
        assert!(err.contains("at least 33 MiB"), "{err}");
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
        raw[510] = 0;
        raw[511] = 0;
        std::fs::write(&image, &raw)?;
        let err = format!("{:#}", check(&image).unwrap_err());
        assert!(err.contains("boot sector"), "{err}");

        // The first FAT: mark the root directory's cluster free.
        let mut raw = clean;
        let reserved = usize::from(u16::from_le_bytes([raw[14], raw[15]]));
        let root_entry = reserved * 512 + 2 * 4;
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
