// SPDX-License-Identifier: MIT
//! Debian's arm64 packages through apt: making arm64 a foreign
//! architecture, finding the newest kernel flavour `arm64` (never a
//! hard-coded version), downloading `.deb` files and taking single files
//! out of them. Every failure says what to run or set instead.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment overrides that make apt unnecessary.
pub const OVERRIDES_HELP: &str = "run on Debian 12 (bookworm), or set BULKHEAD_GUEST_IMAGE to a raw arm64 Linux \
     Image and BULKHEAD_GUEST_BUSYBOX to a static arm64 busybox";

/// Runs `cmd`, returns its standard output; the error has its standard error.
fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot run `{shown}`"))?;
    if !out.status.success() {
        bail!("`{shown}` failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with its output on this terminal (apt's own progress).
fn visible(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}").replace('"', "");
    let status = cmd.stdin(Stdio::null()).status().with_context(|| format!("cannot run `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Checks that apt and dpkg are there.
pub fn check_tools() -> Result<()> {
    for tool in ["apt-get", "apt-cache", "dpkg", "dpkg-deb"] {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
        if !found {
            bail!("`{tool}` is not on this machine, so the Debian guest packages cannot be fetched: {OVERRIDES_HELP}");
        }
    }
    Ok(())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// Makes arm64 a foreign architecture of dpkg and refreshes the package
/// lists, if it is not one yet. Needs root; otherwise the error gives the
/// commands to run.
pub fn ensure_arm64() -> Result<()> {
    let native = output(Command::new("dpkg").arg("--print-architecture"))?;
    let foreign = output(Command::new("dpkg").arg("--print-foreign-architectures"))?;
    if native.trim() == "arm64" || foreign.split_whitespace().any(|a| a == "arm64") {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "arm64 is not a dpkg architecture of this machine yet, and adding it needs root: run\n  \
             sudo dpkg --add-architecture arm64 && sudo apt-get update\nthen `cargo xtask fetch-guest` again \
             (or {OVERRIDES_HELP})"
        );
    }
    eprintln!("xtask: arm64 is not a dpkg architecture yet: dpkg --add-architecture arm64, then apt-get update");
    visible(Command::new("dpkg").args(["--add-architecture", "arm64"]))?;
    update()
}

/// `apt-get update` (root only).
pub fn update() -> Result<()> {
    if !is_root() {
        bail!("the package lists have no arm64 packages and refreshing them needs root: run\n  sudo apt-get update");
    }
    eprintln!("xtask: apt-get update (about 30 s)");
    visible(Command::new("apt-get").args(["-q", "update"]))
}

/// A kernel series' metapackage (`linux-image-6.12-arm64`) as numbers, for sorting.
fn series(name: &str) -> Option<(u32, u32)> {
    let version = name.strip_prefix("linux-image-")?.strip_suffix("-arm64")?;
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The kernel to fetch: the newest series metapackage `linux-image-X.Y-arm64`
/// (else the distribution's `linux-image-arm64`) and the versioned package it
/// depends on (`linux-image-<abi>-arm64`). `None` if the lists have neither.
pub fn resolve_kernel() -> Result<Option<KernelPackage>> {
    let names = output(Command::new("apt-cache").args(["pkgnames", "linux-image-"]))?;
    let names: Vec<&str> = names.lines().map(|n| n.trim().trim_end_matches(":arm64")).collect();
    let mut metas: Vec<&str> = names.iter().copied().filter(|n| series(n).is_some()).collect();
    metas.sort_by_key(|n| series(n));
    metas.dedup();
    metas.reverse();
    if names.contains(&"linux-image-arm64") {
        metas.push("linux-image-arm64");
    }
    for meta in metas {
        let Ok(deps) = output(Command::new("apt-cache").args(["depends", "--important", &format!("{meta}:arm64")]))
        else {
            continue;
        };
        let package = deps.lines().find_map(|line| {
            let dep = line.trim().strip_prefix("Depends:")?.trim();
            let dep = dep.strip_suffix(":arm64").unwrap_or(dep);
            let abi = dep.strip_prefix("linux-image-")?;
            (abi.ends_with("-arm64") && abi.starts_with(|c: char| c.is_ascii_digit())).then(|| dep.to_string())
        });
        if let Some(package) = package {
            let abi = package.trim_start_matches("linux-image-").to_string();
            return Ok(Some(KernelPackage { meta: meta.to_string(), package, abi }));
        }
    }
    Ok(None)
}

/// The kernel package that [`resolve_kernel`] found.
#[derive(Debug, Clone)]
pub struct KernelPackage {
    /// The metapackage it came through.
    pub meta: String,
    /// `linux-image-<abi>`.
    pub package: String,
    /// `6.12.48+deb12-arm64`.
    pub abi: String,
}

/// The version apt would download of `package` (arm64).
pub fn candidate(package: &str) -> Result<String> {
    let policy = output(Command::new("apt-cache").args(["policy", &format!("{package}:arm64")]))?;
    policy
        .lines()
        .find_map(|l| l.trim().strip_prefix("Candidate:").map(str::trim))
        .filter(|v| *v != "(none)")
        .map(str::to_string)
        .with_context(|| format!("apt has no arm64 candidate of `{package}`: run `apt-get update` (as root)"))
}

/// A field of a `.deb` (`Package`, `Version`).
pub fn deb_field(deb: &Path, field: &str) -> Result<String> {
    Ok(output(Command::new("dpkg-deb").arg("-f").arg(deb).arg(field))?.trim().to_string())
}

/// The `.deb` of `package` at `version` in `dir`, if it is there.
pub fn find_deb(dir: &Path, package: &str, version: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "deb")).find(|p| {
        deb_field(p, "Package").is_ok_and(|p| p == package) && deb_field(p, "Version").is_ok_and(|v| v == version)
    })
}

/// `apt-get download <package>:arm64 ...` into `dir`, with apt's progress.
pub fn download(dir: &Path, packages: &[&str]) -> Result<()> {
    let mut cmd = Command::new("apt-get");
    if is_root() {
        // apt's `_apt` user may not write into the cache: download as root, without the warning.
        cmd.args(["-o", "APT::Sandbox::User=root"]);
    }
    cmd.args(["download", "-q"]).args(packages.iter().map(|p| format!("{p}:arm64"))).current_dir(dir);
    visible(&mut cmd).context("downloading the guest packages (is the network up? `apt-get update` as root may help)")
}

/// Extracts `deb` (`dpkg-deb -x`) into a scratch directory under `dir`, copies
/// the one file whose path inside the package `pick` accepts to `dest`, and
/// removes the scratch directory. Returns the file's path in the package.
pub fn extract_one(deb: &Path, dir: &Path, pick: impl Fn(&str) -> bool, dest: &Path) -> Result<String> {
    let scratch = dir.join("extract");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    output(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&scratch))?;
    let found = walk(&scratch)
        .into_iter()
        .filter_map(|p| p.strip_prefix(&scratch).ok().map(|r| r.to_string_lossy().into_owned()))
        .find(|rel| pick(rel));
    let result = match &found {
        Some(rel) => std::fs::copy(scratch.join(rel), dest).map(|_| rel.clone()).map_err(anyhow::Error::from),
        None => Err(anyhow::anyhow!("{} does not hold the expected file", deb.display())),
    };
    std::fs::remove_dir_all(&scratch)?;
    result
}

/// Regular files under `dir` (no symlinks followed).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_metapackages_sort_by_version() {
        assert_eq!(series("linux-image-6.12-arm64"), Some((6, 12)));
        assert_eq!(series("linux-image-6.1.0-30-arm64"), None);
        assert_eq!(series("linux-image-arm64"), None);
        assert_eq!(series("linux-image-6.12-cloud-arm64"), None);
        assert!(series("linux-image-6.9-arm64") < series("linux-image-6.12-arm64"));
    }
}
