// SPDX-License-Identifier: MIT
//! Linux boot: the same Debian kernel, initramfs, device tree and command
//! line booted to `/init` under Bulkhead (`boards/test/linux-boot-bench.toml`:
//! Linux on two vCPUs, no other domain) and natively (QEMU virt with
//! virtualization off, `-smp 2`, the domain's 256 MiB), under
//! `-icount shift=0,sleep=off`.
//!
//! Like for like: natively, Linux gets the CPU features Bulkhead gives it
//! ([`NATIVE_CPU`]: `kernel_core::idregs` hides SVE, SME and, outside
//! benchmark builds, the PMU). Each boot's `/init` prints the features
//! Linux found (`BULKHEAD-FEATURES:`, after the marker, so uncounted), and
//! a pair whose two lists differ is an error.
//!
//! - Instructions: `/init` runs `/bin/bulkhead-cntvct` (`guest::stamp`) just
//!   before its marker; it prints the virtual counter, which counts from
//!   QEMU's reset at one tick per instruction executed by any CPU (and
//!   jumps over time in which every CPU sleeps). Under Bulkhead that
//!   includes the kernel's own boot: checking, zeroing and loading the
//!   domain; `linux_boot_kernel_insns` reports that part alone.
//! - Wall time: from starting QEMU to the marker line on its console.
//! - EL2 entries: the `census` kernel prints them per class when the domain
//!   powers off, which `/init` asks for right after the marker, so they
//!   cover the boot plus the power-off.
//!
//! Repeatability: `-cpu max` has RNDR, which QEMU feeds from the host's
//! entropy, and Linux draws on it (KASLR, its CRNG), so without `-seed` no
//! two boots counted the same (1.03 to 1.45 billion instructions natively
//! in 9 boots here). With `-seed` QEMU's random numbers repeat and every
//! boot of a seed counts exactly the same. Across seeds (or with another
//! command line) the count still moves by up to 30%: the counter also runs
//! through time in which both vCPUs sleep, so where timer interrupts fall
//! amplifies small differences. Each side therefore boots once per seed in
//! [`SEEDS`], alternately, and the ratio is paired: per seed, Bulkhead's
//! count over the native count; the figure is the median of those ratios,
//! with a distribution-free 95% interval for that median (order statistics
//! of the binomial, [`median_interval`]: the 4th and 12th of 15 sorted
//! ratios, 96.5% coverage). A rerun of the same build gives the same counts.
//! Bulkhead's own work before Linux's first instruction
//! (`linux_boot_kernel_insns`) is reported apart, and so is the paired
//! ratio of what remains (`linux_boot_linux_ratio_vs_native_paired`: Linux's
//! own instructions, Bulkhead's boot taken out). Wall time is the median of
//! the same boots.
//!
//! Under Xen (the full run; `cargo xtask bench --linux-only --xen` alone):
//! Debian 12's Xen 4.17 ([`xen::fetch_xen`]) in dom0less mode with no dom0
//! boots the same `Image`, initramfs and command line as its one domU
//! (`multiboot,kernel` with the command line as `bootargs`, and
//! `multiboot,ramdisk`, loaded raw by QEMU at 0x6000_0000 and 0x6800_0000,
//! clear of QEMU's DTB at 0x4800_0000 and of Xen at the top of RAM), with
//! the domain's 2 vCPUs and 256 MiB and a `vpl011` console, on the peer
//! runs' machine (`xen::machine`: `-cpu max`, `-smp 2`, `-m 1G`, the same
//! `-icount`), Xen's command line `xen::XEN_BOOTARGS` (`vwfi=native
//! guest_loglvl=all`), once per seed after the native and Bulkhead boots
//! of that seed. Xen prints the domU's lines behind `(d1) `; markers are
//! found anywhere in a line. The domU's power-off does not end QEMU
//! (dom0less, no dom0 to act on it), so the run is ended here once the
//! counter, the marker and every announced feature line have arrived.
//!
//! What the Xen count is: Xen sets the domU's virtual counter offset when
//! it creates the domain, so the counter `/init` prints counts from the
//! domain's creation, not from QEMU's reset: Linux's own boot plus
//! whatever Xen ran meanwhile (its traps, its scheduler, its other pCPU),
//! but not Xen's own boot. It is therefore paired with Bulkhead's
//! Linux-only count (marker counter minus the kernel's start line):
//! `linux_boot_ratio_vs_xen_paired` is, per seed, Bulkhead's Linux-only
//! count over the Xen domU's count (median and interval as above), and
//! `linux_boot_xen_ratio_vs_native_paired` the Xen count over the native
//! one. Xen shows Linux fewer CPU features than Bulkhead and the native
//! run do (here: no pointer authentication, `paca pacg`, and no `hbc mops
//! rpres wfxt`; SVE is hidden on every side): the difference against the
//! native list is printed as a note (`linux_boot_xen_features`), not
//! refused, so the Xen figures are not quite like for like; a missing or
//! short features line is refused as on the other sides.

use super::super::build::{self, Instrumented};
use super::checks::{ratio, round};
use super::dom0less::DomU;
use super::xen;
use crate::board::schema::LogFormat;
use crate::guest::{dtb, pack, stamp};
use crate::qemu::{self, Overrides};
use crate::workspace;
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The benchmark board.
const BOARD: &str = "boards/test/linux-boot-bench.toml";
/// QEMU `-seed`s: one boot per seed and side.
pub const SEEDS: [u32; 15] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// The native `-cpu`: `max` without what Bulkhead hides from a domain
/// (`kernel_core::idregs`: SVE, SME, the PMU outside benchmark builds).
/// The features check of every pair proves the two sides alike.
pub const NATIVE_CPU: &str = "max,sve=off,sme=off,pmu=off";
/// What `/init`'s `features` step prints before the number of Linux's CPU
/// features, then before each group of up to 8 of their names.
const FEATURES_COUNT: &str = "BULKHEAD-FEATURES-COUNT: ";
const FEATURES: &str = "BULKHEAD-FEATURES:";
/// What `/init` prints after the counter.
const MARKER: &str = "BULKHEAD-INIT:";
/// Longest a boot may take (the slowest seen here was under 10 s).
const TIMEOUT: Duration = Duration::from_secs(180);

/// What one boot showed.
#[derive(Debug, Clone)]
struct Boot {
    /// The guest's counter at its marker.
    insns: u64,
    /// Seconds from spawning QEMU to the marker line.
    wall: f64,
    /// Bulkhead only: the counter when the kernel started the domains.
    kernel: Option<u64>,
    /// Bulkhead only: the domain's census line, class -> entries.
    census: BTreeMap<String, u64>,
    /// The CPU features Linux found, space-separated.
    features: String,
}

/// Parses `census: domain linux: <total> EL2 entries: hvc <n>, smc <n>, ...`.
fn parse_census(line: &str) -> Option<BTreeMap<String, u64>> {
    let rest = line.split_once("census: domain ")?.1;
    let (_, rest) = rest.split_once(": ")?;
    let (total, classes) = rest.split_once(" EL2 entries:")?;
    let mut out = BTreeMap::new();
    out.insert("total".to_string(), total.trim().parse().ok()?);
    for part in classes.split(',') {
        let (name, count) = part.trim().split_once(' ')?;
        out.insert(name.to_string(), count.parse().ok()?);
    }
    Some(out)
}

/// Parses `census: domains start at counter <n> (<hz> Hz)`: the counter
/// value, if the counter runs at 1 GHz (one tick per instruction under
/// `-icount shift=0`); an error if it runs at another rate, since then no
/// counter value here is an instruction count (QEMU before 9.0, or a named
/// CPU, runs it at 62.5 MHz).
fn parse_start(line: &str) -> Option<Result<u64>> {
    let rest = line.strip_prefix("census: domains start at counter ")?;
    let (count, hz) = rest.split_once(" (")?;
    let hz: u64 = hz.strip_suffix(" Hz)")?.parse().ok()?;
    let count: u64 = count.parse().ok()?;
    Some(if hz == 1_000_000_000 {
        Ok(count)
    } else {
        Err(anyhow::anyhow!("the counter runs at {hz} Hz, not 1 GHz: its ticks are not instructions"))
    })
}

/// How a boot's QEMU ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// By itself: `/init` powers off and QEMU exits (PSCI SYSTEM_OFF).
    Exits,
    /// Killed here once the counter, the marker and every feature line
    /// have arrived: a dom0less domU's power-off leaves Xen running.
    Killed,
}

/// What a boot's console lines have shown so far.
#[derive(Debug, Default)]
struct Seen {
    /// The counter `/init` printed.
    insns: Option<u64>,
    /// Whether the marker line came.
    marker: bool,
    /// Bulkhead only: the kernel's start line.
    kernel: Option<Result<u64>>,
    /// Bulkhead only: the domain's census line.
    census: BTreeMap<String, u64>,
    /// The announced number of features (`None` if unparsable).
    feature_count: Option<usize>,
    /// The features so far.
    features: Vec<String>,
}

impl Seen {
    /// Takes one console line; what it looks for may sit behind a prefix
    /// (Bulkhead's `[linux] `, Xen's `(d1) `).
    fn take(&mut self, line: &str) {
        if let Some(value) = stamp::parse(line) {
            self.insns = Some(value);
        }
        self.marker |= line.contains(MARKER);
        if let Some(start) = parse_start(line) {
            self.kernel = Some(start);
        }
        if let Some(c) = parse_census(line) {
            self.census = c;
        }
        if let Some(at) = line.find(FEATURES_COUNT) {
            self.feature_count = line[at + FEATURES_COUNT.len()..].trim().parse::<usize>().ok();
        } else if let Some(at) = line.find(FEATURES) {
            self.features.extend(line[at + FEATURES.len()..].split_whitespace().map(str::to_string));
        }
    }

    /// Whether the boot has shown all it must: counter, marker, and the
    /// announced number of features.
    fn complete(&self) -> bool {
        self.insns.is_some() && self.marker && self.feature_count.is_some_and(|n| self.features.len() >= n)
    }
}

/// Boots `cmd` to the marker and on to QEMU's own exit (or, with
/// [`End::Killed`], until the boot is [`Seen::complete`]); `what` names the run
/// in errors.
fn boot(mut cmd: Command, what: &str, end: End) -> Result<Boot> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start qemu-system-aarch64 (run ci/setup.sh)")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut stderr = child.stderr.take().context("no stderr")?;
    // Drained all along (a full pipe would stall QEMU); shown on failure.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            let text = String::from_utf8_lossy(&line).replace('\r', "");
            if tx.send((Instant::now(), text)).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let mut seen = Seen::default();
    let mut wall = None;
    let deadline = start + TIMEOUT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((at, line)) => {
                seen.take(&line);
                if wall.is_none() && seen.marker {
                    wall = Some(at.duration_since(start).as_secs_f64());
                }
                log.push_str(&line);
                log.push('\n');
                if end == End::Killed && seen.complete() {
                    child.kill().with_context(|| format!("ending the {what} boot's QEMU"))?;
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the {what} boot did not end within {} s:\n{log}", TIMEOUT.as_secs());
            }
        }
    }
    let _ = reader.join();
    let status = child.wait()?;
    let errors = errors.join().unwrap_or_default();
    let Seen { insns, kernel, census, feature_count, features, .. } = seen;
    let (Some(insns), Some(wall)) = (insns, wall) else {
        bail!("the {what} boot ended ({status}) without its counter and marker lines:\n{log}\n{errors}");
    };
    let kernel = kernel.transpose().with_context(|| format!("the {what} boot"))?;
    let count = feature_count.with_context(|| format!("the {what} boot printed no `{FEATURES_COUNT}` line:\n{log}"))?;
    ensure!(
        features.len() == count,
        "the {what} boot announced {count} CPU features but {} arrived: {features:?}",
        features.len()
    );
    let features = features.join(" ");
    Ok(Boot { insns, wall, kernel, census, features })
}

/// The board's Linux domain: its files and command line, vCPUs, RAM in
/// bytes, and its index among the domains.
fn linux_domain(board: &crate::board::ValidBoard) -> Result<(&crate::board::LinuxImage, u32, u64, usize)> {
    let (index, linux) = board
        .images
        .iter()
        .enumerate()
        .find_map(|(i, s)| match s {
            crate::board::ImageSource::Linux(l) => Some((i, l)),
            _ => None,
        })
        .context("the Linux boot board has no Linux domain")?;
    let domain = board.config.domains.get(index).context("no such domain")?;
    let ram: u64 = domain.ram.iter().map(|r| r.size).sum();
    let vcpus = u32::try_from(domain.pcpus.len()).context("vCPUs")?;
    Ok((linux, vcpus, ram, index))
}

/// The native command: the domain's files, device tree and command line
/// on QEMU virt without virtualization.
fn native_command(board: &crate::board::ValidBoard, dtb_file: &Path) -> Result<Command> {
    let (linux, vcpus, ram, index) = linux_domain(board)?;
    let dtb = dtb::linux_dtb(&pack::dtb_spec(board, index, None, &linux.cmdline)?)?;
    std::fs::write(dtb_file, dtb)?;
    let initrd = linux.initrd.as_ref().context("the Linux boot board's domain has no initramfs")?;
    let mut cmd = Command::new("qemu-system-aarch64");
    cmd.args(["-machine", "virt,gic-version=3", "-cpu", NATIVE_CPU])
        .args(["-smp", &vcpus.to_string(), "-m", &format!("{}M", ram >> 20)])
        .args(["-icount", "shift=0,sleep=off", "-nodefaults", "-serial", "stdio", "-display", "none"])
        .arg("-kernel")
        .arg(&linux.image)
        .arg("-initrd")
        .arg(initrd)
        .arg("-dtb")
        .arg(dtb_file)
        .args(["-append", &linux.cmdline]);
    Ok(cmd)
}

/// Where the Xen side loads the domU's kernel and ramdisk: above QEMU's
/// DTB (0x4800_0000) and below where Xen relocates itself (the top of the
/// 1 GiB of RAM); the 44 MB kernel ends before the ramdisk.
const XEN_KERNEL_LOAD: u64 = 0x6000_0000;
const XEN_RAMDISK_LOAD: u64 = 0x6800_0000;

/// The Xen side's files: Xen, its dom0less device tree, the domU's kernel
/// and initramfs.
struct XenSide {
    xen: PathBuf,
    dtb: PathBuf,
    kernel: PathBuf,
    initrd: PathBuf,
}

impl XenSide {
    /// Fetches Xen and writes its device tree into `dir`: one domU with
    /// the domain's vCPUs, RAM and command line, its kernel and initramfs
    /// as dom0less modules.
    fn prepare(board: &crate::board::ValidBoard, dir: &Path) -> Result<XenSide> {
        let (linux, vcpus, ram, _) = linux_domain(board)?;
        let initrd = linux.initrd.as_ref().context("the Linux boot board's domain has no initramfs")?;
        let size = |path: &Path| -> Result<u64> {
            Ok(std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len())
        };
        let kernel_size = size(&linux.image)?;
        ensure!(
            XEN_KERNEL_LOAD + kernel_size <= XEN_RAMDISK_LOAD,
            "the kernel ({kernel_size} bytes) overlaps the ramdisk's load address {XEN_RAMDISK_LOAD:#x}"
        );
        let domu = DomU {
            kernel_addr: XEN_KERNEL_LOAD,
            kernel_size,
            memory_kib: ram >> 10,
            vcpus,
            bootargs: linux.cmdline.clone(),
            ramdisk: Some((XEN_RAMDISK_LOAD, size(initrd)?)),
            partial_dtb: None,
        };
        let xen_files = xen::fetch_xen()?;
        let dtb = dir.join("linux-boot-xen.dtb");
        xen::write_xen_dtb(dir, &dtb, &domu)?;
        Ok(XenSide { xen: xen_files.image, dtb, kernel: linux.image.clone(), initrd: initrd.clone() })
    }

    /// The QEMU command (without `-seed`): Xen as `-kernel` on the peer
    /// runs' machine, the modules loaded raw where the tree says.
    fn command(&self) -> Command {
        let mut cmd = xen::machine(",virtualization=on");
        cmd.arg("-kernel").arg(&self.xen).arg("-dtb").arg(&self.dtb);
        for (file, addr) in [(&self.kernel, XEN_KERNEL_LOAD), (&self.initrd, XEN_RAMDISK_LOAD)] {
            cmd.args(["-device", &format!("loader,file={},addr={addr:#x},force-raw=on", file.display())]);
        }
        cmd
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The 0-based ranks `(lo, hi)` of the sorted sample that bound a
/// distribution-free interval of at least 95% for the median of `n`
/// samples: the largest `k` with P(Binomial(n, 1/2) < k) <= 2.5%, then
/// ranks `k - 1` and `n - k` (for 15: the 4th and 12th, 96.5%). `None`
/// below 6 samples, where no such interval exists.
pub fn median_interval(n: usize) -> Option<(usize, usize)> {
    // P(X = i) for X ~ Binomial(n, 1/2), summed from 0 while <= 2.5%.
    let mut cumulative = 0.0;
    let mut choose = 1.0f64;
    let mut k = 0;
    for i in 0..n {
        if i > 0 {
            choose = choose * (n - i + 1) as f64 / i as f64;
        }
        let p = choose / 2f64.powi(n as i32);
        if cumulative + p > 0.025 {
            break;
        }
        cumulative += p;
        k = i + 1;
    }
    (k >= 1).then(|| (k - 1, n - k))
}

/// Paired ratios `a[i] / b[i]`: their median and its interval.
fn paired(a: &[f64], b: &[f64]) -> Result<(f64, f64, f64)> {
    ensure!(a.len() == b.len() && !a.is_empty(), "paired figures need as many boots on each side");
    ensure!(b.iter().all(|&v| v > 0.0), "a native boot counted no instruction");
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    ratios.sort_by(f64::total_cmp);
    let (lo, hi) = median_interval(ratios.len()).context("too few seeds for an interval (at least 6)")?;
    let r3 = |v: f64| round(v, 3);
    Ok((r3(median(ratios.clone())), r3(ratios[lo]), r3(ratios[hi])))
}

/// What is in one list of features and not the other, both ways; `side`
/// names the second list.
fn feature_difference(native: &str, under: &str, side: &str) -> Option<String> {
    let n: std::collections::BTreeSet<&str> = native.split_whitespace().collect();
    let u: std::collections::BTreeSet<&str> = under.split_whitespace().collect();
    if n == u {
        return None;
    }
    let only_native: Vec<&str> = n.difference(&u).copied().collect();
    let only_under: Vec<&str> = u.difference(&n).copied().collect();
    Some(format!("natively only: [{}]; under {side} only: [{}]", only_native.join(" "), only_under.join(" ")))
}

/// The seeds of a partial run (`--linux-only`, `--linux-xen-only`): the
/// first `BULKHEAD_LINUX_SEEDS` of [`SEEDS`] if that is set (a quick run:
/// below 6 seeds the paired figures come without an interval), else all.
pub fn partial_seeds() -> Result<&'static [u32]> {
    match std::env::var("BULKHEAD_LINUX_SEEDS") {
        Err(std::env::VarError::NotPresent) => Ok(&SEEDS),
        Err(e) => bail!("BULKHEAD_LINUX_SEEDS: {e}"),
        Ok(v) => {
            let n: usize = v.trim().parse().with_context(|| format!("BULKHEAD_LINUX_SEEDS={v} is not a number"))?;
            ensure!((1..=SEEDS.len()).contains(&n), "BULKHEAD_LINUX_SEEDS={n}: 1 to {} seeds", SEEDS.len());
            Ok(&SEEDS[..n])
        }
    }
}

/// Inserts `key` (`a[i] / b[i]` paired, see [`paired`]) with `_lo` and
/// `_hi`; with fewer seeds than an interval needs (a quick run only), the
/// plain median of the ratios and a note instead.
fn insert_paired(out: &mut BTreeMap<String, f64>, key: &str, a: &[f64], b: &[f64]) -> Result<()> {
    if a.len() < SEEDS.len() && median_interval(a.len()).is_none() {
        ensure!(a.len() == b.len() && b.iter().all(|&v| v > 0.0), "{key}: unpaired or empty counts");
        let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        println!("{key}: {} seeds, no interval; per-seed ratios {ratios:.3?}", ratios.len());
        out.insert(key.to_string(), round(median(ratios), 3));
        return Ok(());
    }
    let (mid, lo, hi) = paired(a, b).with_context(|| key.to_string())?;
    out.insert(key.to_string(), mid);
    out.insert(format!("{key}_lo"), lo);
    out.insert(format!("{key}_hi"), hi);
    Ok(())
}

/// Every Linux boot figure of a run over `seeds`, with the Xen side if
/// `with_xen`.
pub fn metrics(seeds: &[u32], with_xen: bool) -> Result<BTreeMap<String, f64>> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build::build_with(BOARD, Some(LogFormat::Text), Instrumented::Census)?;
    let dir = workspace::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let dtb_file = dir.join("linux-boot-native.dtb");
    let xen_cmd = if with_xen {
        let xen_dir = dir.join("xen");
        std::fs::create_dir_all(&xen_dir)?;
        Some(XenSide::prepare(&built.board, &xen_dir)?)
    } else {
        None
    };
    let mut under = Vec::new();
    let mut native = Vec::new();
    let mut xen_boots = Vec::new();
    let mut xen_differences = std::collections::BTreeSet::new();
    for &seed in seeds {
        let sides = if with_xen { "natively, under Bulkhead, then under Xen" } else { "natively, then under Bulkhead" };
        eprintln!("xtask: Linux boot with -seed {seed}: {sides}");
        let seed_args = ["-seed".to_string(), seed.to_string()];
        let mut cmd = native_command(&built.board, &dtb_file)?;
        cmd.args(&seed_args);
        let n = boot(cmd, "native", End::Exits)?;
        let o = Overrides { extra: seed_args.to_vec(), ..Overrides::default() };
        let b = boot(qemu::command(&built.board, &built.image, true, &o)?, "Bulkhead", End::Exits)?;
        ensure!(
            !b.census.is_empty() && b.kernel.is_some(),
            "the Bulkhead boot printed no census lines (is the census kernel built?)"
        );
        if let Some(diff) = feature_difference(&n.features, &b.features, "Bulkhead") {
            bail!("with -seed {seed}, Linux found other CPU features natively than under Bulkhead: {diff}");
        }
        if let Some(parts) = &xen_cmd {
            let mut cmd = parts.command();
            cmd.args(&seed_args);
            let x = boot(cmd, &format!("Xen (-seed {seed})"), End::Killed)?;
            if let Some(diff) = feature_difference(&n.features, &x.features, "Xen") {
                xen_differences.insert(diff);
            }
            eprintln!(
                "xtask: -seed {seed}: native {}, Bulkhead {}, Xen domU {} instructions",
                n.insns, b.insns, x.insns
            );
            xen_boots.push(x);
        }
        native.push(n);
        under.push(b);
    }
    let insns = |boots: &[Boot]| median(boots.iter().map(|b| b.insns as f64).collect());
    let walls = |boots: &[Boot]| median(boots.iter().map(|b| b.wall).collect());
    let mut out = BTreeMap::new();
    for (side, boots) in [("", &under), ("_native", &native)] {
        out.insert(format!("linux_boot_insns{side}"), insns(boots));
        let min = boots.iter().map(|b| b.insns).min().context("no Linux boot ran (no seeds)")?;
        let max = boots.iter().map(|b| b.insns).max().context("no Linux boot ran (no seeds)")?;
        out.insert(format!("linux_boot_insns{side}_min"), min as f64);
        out.insert(format!("linux_boot_insns{side}_max"), max as f64);
        out.insert(format!("linux_boot_wall_s{side}"), round(walls(boots), 3));
    }
    out.insert("linux_boot_seeds".into(), seeds.len() as f64);
    out.insert(
        "linux_boot_insns_ratio_vs_native".into(),
        ratio(insns(&under), insns(&native), "Linux boot instructions")?,
    );
    let counts = |boots: &[Boot]| boots.iter().map(|b| b.insns as f64).collect::<Vec<_>>();
    insert_paired(&mut out, "linux_boot_ratio_vs_native_paired", &counts(&under), &counts(&native))?;
    out.insert("linux_boot_wall_ratio_vs_native".into(), ratio(walls(&under), walls(&native), "Linux boot wall time")?);
    let mut linux_only = Vec::new();
    for b in &under {
        let kernel = b.kernel.context("a Bulkhead boot without its start line")?;
        let own = b.insns.checked_sub(kernel).with_context(|| {
            format!("a Bulkhead boot's marker counter {} is below the kernel's start {kernel}", b.insns)
        })?;
        linux_only.push(own as f64);
    }
    insert_paired(&mut out, "linux_boot_linux_ratio_vs_native_paired", &linux_only, &counts(&native))?;
    if with_xen {
        ensure!(xen_boots.len() == native.len(), "a Xen boot is missing");
        out.insert("linux_boot_insns_xen".into(), insns(&xen_boots));
        out.insert("linux_boot_wall_s_xen".into(), round(walls(&xen_boots), 3));
        insert_paired(&mut out, "linux_boot_ratio_vs_xen_paired", &linux_only, &counts(&xen_boots))?;
        insert_paired(&mut out, "linux_boot_xen_ratio_vs_native_paired", &counts(&xen_boots), &counts(&native))?;
        if xen_differences.is_empty() {
            println!("linux_boot_xen_features: Linux found the same CPU features under Xen as natively");
        }
        for diff in &xen_differences {
            println!("linux_boot_xen_features: Linux under Xen found other CPU features than natively: {diff}");
        }
    }
    out.insert(
        "linux_boot_kernel_insns".into(),
        median(under.iter().filter_map(|b| b.kernel).map(|k| k as f64).collect()),
    );
    // The census of the median boot (by instructions), one consistent run.
    let mut by_insns: Vec<&Boot> = under.iter().collect();
    by_insns.sort_by_key(|b| b.insns);
    let mid = by_insns.get(by_insns.len() / 2).context("no Bulkhead boot")?;
    for (class, &count) in &mid.census {
        let key = if class == "total" {
            "linux_boot_el2_entries".to_string()
        } else {
            format!("linux_boot_el2_entries_{class}")
        };
        out.insert(key, count as f64);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_lines_parse() {
        let c = parse_census(
            "census: domain linux: 3019 EL2 entries: hvc 12, smc 0, sysreg 0, dabt 3000, iabt 0, wfx 0, other 0, irq 7, \
             fiq 0, serror 0",
        )
        .unwrap();
        assert_eq!(c["total"], 3019);
        assert_eq!(c["dabt"], 3000);
        assert_eq!(c["serror"], 0);
        assert_eq!(c.len(), 11);
        assert_eq!(parse_census("[linux] census: domain x: many EL2 entries: hvc 1"), None);
        assert_eq!(parse_census("BULKHEAD-INIT: 2 cpus"), None);
    }

    #[test]
    fn the_start_line_needs_a_1_ghz_counter() {
        let start = parse_start("census: domains start at counter 65466281 (1000000000 Hz)").unwrap();
        assert_eq!(start.unwrap(), 65_466_281);
        assert!(parse_start("census: domains start at counter 5 (62500000 Hz)").unwrap().is_err());
        assert!(parse_start("census: domain linux: 3 EL2 entries: hvc 3").is_none());
    }

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(vec![3.0, 1.0, 2.0, 10.0, 9.0]), 3.0);
    }

    #[test]
    fn the_median_interval_uses_binomial_order_statistics() {
        // Tables of the sign test: n = 15 -> ranks 4 and 12 (1-based).
        assert_eq!(median_interval(15), Some((3, 11)));
        assert_eq!(median_interval(6), Some((0, 5)));
        assert_eq!(median_interval(5), None);
        assert_eq!(median_interval(20), Some((5, 14)));
    }

    #[test]
    fn paired_ratios_take_the_median_of_per_seed_ratios() {
        let native = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0];
        let under = [110.0, 200.0, 330.0, 380.0, 550.0, 660.0, 700.0];
        // Ratios: 1.1, 1.0, 1.1, 0.95, 1.1, 1.1, 1.0 -> sorted 0.95 1 1 1.1 1.1 1.1 1.1.
        assert_eq!(paired(&under, &native).unwrap(), (1.1, 0.95, 1.1));
        assert!(paired(&under[..3], &native[..3]).is_err(), "three seeds give no interval");
        assert!(paired(&under, &[0.0; 7]).is_err());
    }

    #[test]
    fn xen_console_lines_count_and_a_killed_boot_waits_for_every_feature() {
        let mut seen = Seen::default();
        seen.take("(XEN) d1v0: vGICR: SGI: unhandled word write");
        seen.take("(d1) BULKHEAD-CNTVCT: 0x0000000046dc7b45");
        assert_eq!(seen.insns, Some(0x46dc_7b45));
        assert!(!seen.complete(), "no marker yet");
        seen.take("(d1) BULKHEAD-INIT: 2 cpus");
        assert!(seen.marker);
        assert!(!seen.complete(), "no features yet");
        seen.take("(d1) BULKHEAD-FEATURES-COUNT: 3");
        seen.take("(d1) BULKHEAD-FEATURES: fp asimd");
        assert!(!seen.complete(), "a feature line is still to come");
        seen.take("(d1) BULKHEAD-FEATURES: evtstrm");
        assert!(seen.complete());
        assert_eq!((seen.feature_count, seen.features.join(" ")), (Some(3), "fp asimd evtstrm".to_string()));
        assert!(seen.kernel.is_none() && seen.census.is_empty(), "Xen prints no Bulkhead lines");
        let mut bad = Seen::default();
        bad.take("(d1) BULKHEAD-CNTVCT: 0x0000000046dc7b45");
        bad.take("(d1) BULKHEAD-INIT: 2 cpus");
        bad.take("(d1) BULKHEAD-FEATURES-COUNT: many");
        assert!(!bad.complete(), "an unparsable count never completes");
    }

    #[test]
    fn few_seeds_give_a_plain_median_and_enough_give_an_interval() {
        let mut out = BTreeMap::new();
        insert_paired(&mut out, "k", &[2.0, 3.0], &[1.0, 2.0]).unwrap();
        assert_eq!(out, BTreeMap::from([("k".to_string(), 2.0)]), "the upper middle of 1.5 and 2");
        assert!(insert_paired(&mut out, "z", &[2.0], &[0.0]).is_err());
        let native = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0];
        let under = [110.0, 200.0, 330.0, 380.0, 550.0, 660.0, 700.0];
        let mut out = BTreeMap::new();
        insert_paired(&mut out, "k", &under, &native).unwrap();
        let expected = [("k", 1.1), ("k_hi", 1.1), ("k_lo", 0.95)].map(|(k, v)| (k.to_string(), v));
        assert_eq!(out, BTreeMap::from(expected));
    }

    #[test]
    fn feature_lists_compare_as_sets() {
        assert_eq!(feature_difference("fp asimd sve", "asimd fp sve", "Xen"), None);
        assert_eq!(
            feature_difference("fp asimd sve", "fp asimd mops", "Bulkhead").unwrap(),
            "natively only: [sve]; under Bulkhead only: [mops]"
        );
    }
}
