// SPDX-License-Identifier: MIT
//! Xen beside Bulkhead, in the same run (`cargo xtask bench --peers` runs
//! this part alone). One guest image, `domains/test/peerbench`, runs four
//! ways on the same QEMU (`-cpu max`, `-smp 2`, `-m 1G`, `-icount
//! shift=0,sleep=off`, an unversioned `virt` machine with a GICv3):
//!
//! - `native`: `virt` without virtualization, the guest's ELF as `-kernel`
//!   (CPU 1 stays off);
//! - `inject`: under Bulkhead with trap-and-inject delivery
//!   (`boards/test/peerbench.toml`: the guest alone on pCPU 1, pCPU 0 in
//!   `wfi`; the normal kernel, not the `bench` one);
//! - `direct`: the same with direct delivery
//!   (`boards/test/peerbench-direct.toml`);
//! - `xen`: Debian 12's Xen 4.17 (`xen-hypervisor-4.17-arm64`, fetched
//!   with `apt-get download` into `target/guest-cache/xen/`) in dom0less
//!   mode with no dom0: QEMU's own device tree for the machine, dumped
//!   with `dumpdtb` and extended by [`dom0less`] with Xen's command line
//!   (`console=dtuart dtuart=serial0 vwfi=native guest_loglvl=all`: Xen
//!   prints a domU's vpl011 lines at the guest log level, which is
//!   otherwise rate-limited) and one domU (1 vCPU,
//!   128 MiB, `vpl011`) whose kernel is the guest's flat image, loaded at
//!   0x6000_0000. The image starts with an arm64 `Image` header (the
//!   runtime's `image-header` feature), which is all Xen needs to boot it.
//!   Debian builds Xen without the null scheduler (no
//!   `CONFIG_SCHED_NULL`): the domU runs under credit2, Xen's default,
//!   which the table notes as `xen_scheduler`. `vwfi=native` is set though
//!   the guest never sleeps here.
//!
//! Everything is counted with the guest's virtual counter, which under
//! `-icount shift=0` on this machine ticks once per instruction executed
//! at any level (Xen hides the PMU from domUs, so the PMU is not used).
//!
//! Figures:
//! - `hypercall_roundtrip_insns` (Bulkhead's `Null`, trap-and-inject
//!   board) and `hypercall_roundtrip_insns_xen` (`xen_version`,
//!   `hvc #0xEA1`, x16 = 17): median of 1,001 `isb`-fenced counter
//!   brackets around the call minus the median of 1,001 empty brackets;
//!   `hypercall_roundtrip_ratio_vs_xen` is Bulkhead over Xen (goal <= 0.25).
//! - `irq_timer_busy_{native,inject,direct,xen}_{mean,p99,max}`: the
//!   guest's virtual-timer interrupt while it spins with IRQs unmasked (no
//!   `wfi`), armed at an xorshift-drawn 3,000..7,095 ticks ahead; the
//!   latency is the counter read by the third instruction of the guest's
//!   IRQ vector minus the deadline; 1,000 samples after 50 warm-up ones.
//!   `irq_inject_ratio_vs_xen` is the inject mean over Xen's (goal
//!   <= 0.5), `irq_direct_ratio_vs_native` the direct p99 over native's
//!   (goal <= 1.10). Every sample is written to
//!   `target/bench/irq_samples.json` for plotting.
//! - `irq_spi_busy_{native,inject,direct,xen}_{mean,p99,max}`: a device
//!   SPI, QEMU virt's PL031 RTC (INTID 34), passed through to the guest:
//!   a board device under Bulkhead (`boards/test/peerbench{,-direct}.toml`),
//!   a partial device tree under Xen ([`dom0less::passthrough_dtb`]). Its
//!   raw interrupt status is latched once, so the guest's store to its
//!   mask register raises the line at that instruction; the latency is the
//!   counter at the third instruction of the IRQ vector minus the counter
//!   read just before the store, after an xorshift-drawn busy spin of
//!   0..4,095 iterations; 1,000 samples after 50.
//!   `irq_spi_inject_ratio_vs_xen` is the inject mean over Xen's (held to
//!   the timer's goal, <= 0.5). A store-raised line measures the whole
//!   delivery path (device line, GIC, EL2 or Xen, the guest's vector)
//!   but not a device's own asynchrony: QEMU's PL031 alarm has a
//!   one-second resolution, far too coarse for 1,000 samples under
//!   `-icount`, and QEMU virt has no finer device timer.
//!
//! Under `-icount` an interrupt is raised exactly at its deadline (or its
//! store) and the path to the vector does not depend on where the
//! spinning guest was, so the samples of a run have come out the same
//! here (timer: native 3, direct 3, inject 135, Xen 1,086; SPI: native 6,
//! direct 6, inject 181, Xen 1,062 in 998 samples and 874 in 2); a sample
//! that differs shows a different path underneath.

use super::checks::ratio;
use super::dom0less::{self, DomU};
use crate::board::image_header;
use crate::board::schema::LogFormat;
use crate::guest::{self, apt};
use crate::qemu::{self, Overrides};
use crate::{elf, workspace};
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Trap-and-inject board.
pub const INJECT_BOARD: &str = "boards/test/peerbench.toml";
/// Direct-delivery board.
pub const DIRECT_BOARD: &str = "boards/test/peerbench-direct.toml";
/// Debian's Xen package (arm64).
const XEN_PACKAGE: &str = "xen-hypervisor-4.17-arm64";
/// The hypervisor and its build configuration inside the package.
const XEN_IMAGE: &str = "boot/xen-4.17-arm64";
const XEN_CONFIG: &str = "boot/xen-4.17-arm64.config";
/// Xen's command line.
pub(super) const XEN_BOOTARGS: &str = "console=dtuart dtuart=serial0 vwfi=native guest_loglvl=all";
/// Where the domU's kernel is loaded (QEMU's DTB sits at 0x4800_0000).
const DOMU_LOAD: u64 = 0x6000_0000;
/// Where the domU's partial device tree (the passed-through PL031) is loaded.
const DOMU_PARTIAL_DTB: u64 = 0x5800_0000;
/// The domU's RAM, KiB.
const DOMU_KIB: u64 = 128 * 1024;
/// The machine every run shares (the Bulkhead boards say the same).
const MACHINE: &str = "virt,gic-version=3";
const SMP: &str = "2";
const MEMORY: &str = "1G";
const ICOUNT: &str = "shift=0,sleep=off";
/// Longest one run may take (a Xen boot plus the guest: about 10 s here).
const TIMEOUT: Duration = Duration::from_secs(300);
/// Samples the guest keeps.
const SAMPLES: usize = 1000;

/// The latency series the guest prints, in the order it measures them.
const SERIES: [&str; 2] = ["timer_busy", "spi_busy"];

/// What one run of the guest printed.
#[derive(Debug, Default)]
struct Run {
    bench: BTreeMap<String, u64>,
    /// Samples by series name (one of [`SERIES`]).
    series: BTreeMap<String, Vec<u64>>,
}

impl Run {
    fn samples(&self, series: &str) -> &[u64] {
        self.series.get(series).map_or(&[], Vec::as_slice)
    }
}

/// The part of a console line from `BENCH ` or `SAMPLES ` on (Bulkhead
/// prefixes guest lines with `[peerbench] `, Xen with its domain tag).
fn payload(line: &str) -> Option<&str> {
    ["BENCH ", "SAMPLES "].iter().filter_map(|k| line.find(k)).min().and_then(|i| line.get(i..))
}

/// Collects `BENCH name=value` and `SAMPLES <series> <first> v,...`
/// lines; samples must come in order, none missing, and every series must
/// be one of [`SERIES`].
fn parse(output: &str) -> Result<Run> {
    let mut run = Run::default();
    for line in output.lines() {
        let Some(p) = payload(line) else { continue };
        if let Some((name, value)) = p.strip_prefix("BENCH ").and_then(|l| l.split_once('=')) {
            let value = value.trim().parse().with_context(|| format!("bad value in `{line}`"))?;
            run.bench.insert(name.to_string(), value);
        } else if let Some(rest) = p.strip_prefix("SAMPLES ") {
            let bad = || format!("bad samples line `{line}`");
            let (name, rest) = rest.split_once(' ').with_context(bad)?;
            ensure!(SERIES.contains(&name), "unknown sample series `{name}` in `{line}`");
            let (first, values) = rest.split_once(' ').with_context(bad)?;
            let first: usize = first.parse().with_context(bad)?;
            let series = run.series.entry(name.to_string()).or_default();
            ensure!(
                first == series.len(),
                "{name} samples from {first} follow {} samples: a console line was lost",
                series.len()
            );
            for v in values.trim().split(',') {
                series.push(v.parse().with_context(|| format!("bad sample in `{line}`"))?);
            }
        }
    }
    Ok(run)
}

/// Mean, 99th percentile and maximum of latency samples; every sample
/// must be above zero (the guest already refuses a stamp before its
/// deadline).
fn stats(samples: &[u64]) -> Result<(f64, u64, u64)> {
    ensure!(samples.len() == SAMPLES, "{} samples instead of {SAMPLES}", samples.len());
    ensure!(samples.iter().all(|&s| s > 0), "a latency of 0: the counter did not move");
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let mean = sorted.iter().sum::<u64>() as f64 / sorted.len() as f64;
    let p99 = sorted[(sorted.len() * 99).div_ceil(100) - 1];
    let max = sorted[sorted.len() - 1];
    Ok((super::checks::round(mean, 1), p99, max))
}

fn run_guest(cmd: Command, what: &str) -> Result<Run> {
    let done = |log: &str| log.contains("BENCH done");
    let out = qemu::run_until(cmd, TIMEOUT, done)?;
    if out.timed_out {
        bail!("the {what} run did not finish within {} s:\n{}", TIMEOUT.as_secs(), out.output);
    }
    ensure!(done(&out.output), "the {what} run ended without `BENCH done`:\n{}", out.output);
    let run = parse(&out.output).with_context(|| format!("the {what} run's output:\n{}", out.output))?;
    ensure!(
        run.bench.get("counter_hz") == Some(&1_000_000_000),
        "the {what} run's counter is not at 1 GHz (1 tick = 1 instruction): {:?}",
        run.bench.get("counter_hz")
    );
    ensure!(run.bench.get("irq_other") == Some(&0), "the {what} run took interrupts it did not arm");
    super::checks::icount_proof(&run.bench, what)?;
    eprintln!("xtask: peers: {what} run done in {:.1} s", out.seconds);
    Ok(run)
}

/// QEMU for the peer runs (`-cpu max`, [`SMP`], [`MEMORY`], `-icount`),
/// `extra` appended to the machine's options.
pub(super) fn machine(extra: &str) -> Command {
    let mut cmd = Command::new("qemu-system-aarch64");
    cmd.args(["-machine", &format!("{MACHINE}{extra}"), "-cpu", "max", "-smp", SMP, "-m", MEMORY]).args([
        "-icount",
        ICOUNT,
        "-nodefaults",
        "-serial",
        "stdio",
        "-display",
        "none",
    ]);
    cmd
}

fn under_bulkhead(board: &str, what: &str) -> Result<(Run, PathBuf)> {
    let built = super::super::build::build(board, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let run = run_guest(cmd, what)?;
    Ok((run, workspace::target_dir().join("aarch64-unknown-none/release/domain-peerbench")))
}

/// Xen's files in the cache.
pub struct XenFiles {
    /// The hypervisor (an arm64 `Image`).
    pub image: PathBuf,
    /// Its build configuration.
    pub config: PathBuf,
}

/// Fetches Debian's Xen into `target/guest-cache/xen/` unless it is there.
pub fn fetch_xen() -> Result<XenFiles> {
    let dir = guest::cache_dir().join("xen");
    let files = XenFiles { image: dir.join("xen-4.17-arm64"), config: dir.join("xen-4.17-arm64.config") };
    let check = |path: &Path| -> Result<()> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        image_header::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(())
    };
    if files.config.is_file() && check(&files.image).is_ok() {
        eprintln!("xtask: peers: Xen cached in {}", dir.display());
        return Ok(files);
    }
    std::fs::create_dir_all(&dir)?;
    apt::check_tools()?;
    apt::ensure_arm64()?;
    let version = apt::candidate(XEN_PACKAGE)
        .with_context(|| format!("apt cannot fetch {XEN_PACKAGE}:arm64 (Debian 12 has it in main)"))?;
    let debs = dir.join("debs");
    std::fs::create_dir_all(&debs)?;
    if apt::find_deb(&debs, XEN_PACKAGE, &version).is_none() {
        eprintln!("xtask: peers: apt-get download {XEN_PACKAGE}:arm64 {version} (about 330 kB)");
        apt::download(&debs, &[XEN_PACKAGE]).with_context(|| format!("fetching {XEN_PACKAGE}:arm64"))?;
    }
    let deb = apt::find_deb(&debs, XEN_PACKAGE, &version)
        .with_context(|| format!("apt-get download left no {XEN_PACKAGE} {version} in {}", debs.display()))?;
    eprintln!("xtask: peers: extracting {XEN_IMAGE} and its .config from {}", deb.display());
    apt::extract_one(&deb, &dir, |p| p == XEN_IMAGE, &files.image)?;
    apt::extract_one(&deb, &dir, |p| p == XEN_CONFIG, &files.config)?;
    check(&files.image)?;
    Ok(files)
}

/// Xen's scheduler as the build configuration has it: the default, and
/// whether the null scheduler is built in.
fn scheduler(config: &str) -> Result<(String, bool)> {
    let default = config
        .lines()
        .find_map(|l| l.strip_prefix("CONFIG_SCHED_DEFAULT="))
        .map(|v| v.trim_matches('"').to_string())
        .context("Xen's .config has no CONFIG_SCHED_DEFAULT")?;
    Ok((default, config.lines().any(|l| l == "CONFIG_SCHED_NULL=y")))
}

/// The note printed beside the figures.
fn scheduler_note(config: &str) -> Result<String> {
    let (default, null) = scheduler(config)?;
    Ok(if null {
        format!("xen_scheduler: {default} (vwfi=native; the null scheduler is built but not selected)")
    } else {
        format!(
            "xen_scheduler: {default} (vwfi=native; Debian's Xen 4.17 has no null scheduler, CONFIG_SCHED_NULL unset)"
        )
    })
}

/// Writes to `xen_dtb` the dom0less tree that boots `domu` under Xen on
/// [`machine`]: QEMU's own tree for it (dumped into `dir`) plus
/// [`XEN_BOOTARGS`] and the domU.
pub(super) fn write_xen_dtb(dir: &Path, xen_dtb: &Path, domu: &DomU) -> Result<()> {
    let base_dtb = dir.join("virt.dtb");
    let dump = machine(&format!(",virtualization=on,dumpdtb={}", base_dtb.display()));
    let out = qemu::run_captured(dump, Duration::from_secs(60))?;
    ensure!(
        !out.timed_out && out.qemu_status == Some(0) && base_dtb.is_file(),
        "QEMU did not dump its device tree:\n{}",
        out.output
    );
    let dtb = dom0less::xen_dtb(&std::fs::read(&base_dtb)?, XEN_BOOTARGS, domu)?;
    std::fs::write(xen_dtb, dtb).with_context(|| format!("writing {}", xen_dtb.display()))
}

fn under_xen(guest_elf: &Path) -> Result<(Run, String)> {
    let xen = fetch_xen()?;
    let note = scheduler_note(&std::fs::read_to_string(&xen.config)?)?;
    let dir = workspace::target_dir().join("bench/xen");
    std::fs::create_dir_all(&dir)?;
    let flat = elf::flatten(&std::fs::read(guest_elf).with_context(|| format!("reading {}", guest_elf.display()))?)?;
    ensure!(flat.base == 0x4000_0000 && flat.entry == flat.base, "the guest is not linked at 0x4000_0000");
    image_header::parse(&flat.bytes).map_err(|e| anyhow::anyhow!("the guest's flat image: {e}"))?;
    let guest_bin = dir.join("peerbench.bin");
    std::fs::write(&guest_bin, &flat.bytes)?;

    let partial = dom0less::passthrough_dtb(&dom0less::Passthrough::qemu_virt_pl031())?;
    let partial_bin = dir.join("peerbench-passthrough.dtb");
    std::fs::write(&partial_bin, &partial)?;

    let domu = DomU {
        kernel_addr: DOMU_LOAD,
        kernel_size: flat.bytes.len() as u64,
        memory_kib: DOMU_KIB,
        vcpus: 1,
        bootargs: String::new(),
        ramdisk: None,
        partial_dtb: Some((DOMU_PARTIAL_DTB, partial.len() as u64)),
    };
    let xen_dtb = dir.join("xen.dtb");
    write_xen_dtb(&dir, &xen_dtb, &domu)?;

    let mut cmd = machine(",virtualization=on");
    cmd.arg("-kernel")
        .arg(&xen.image)
        .arg("-dtb")
        .arg(&xen_dtb)
        .args(["-device", &format!("loader,file={},addr={DOMU_LOAD:#x},force-raw=on", guest_bin.display())])
        .args(["-device", &format!("loader,file={},addr={DOMU_PARTIAL_DTB:#x},force-raw=on", partial_bin.display())]);
    Ok((run_guest(cmd, "Xen")?, note))
}

/// Every figure of this part, with the note on Xen's scheduler; writes
/// `target/bench/irq_samples.json`.
pub fn measure() -> Result<(BTreeMap<String, f64>, String)> {
    let start = Instant::now();
    let (inject, elf_path) = under_bulkhead(INJECT_BOARD, "Bulkhead trap-and-inject")?;
    let (direct, _) = under_bulkhead(DIRECT_BOARD, "Bulkhead direct-delivery")?;
    let mut cmd = machine("");
    cmd.arg("-kernel").arg(&elf_path);
    let native = run_guest(cmd, "native")?;
    let (xen, note) = under_xen(&elf_path)?;

    let mut out = BTreeMap::new();
    let hvc = |run: &Run, what: &str| -> Result<f64> {
        run.bench
            .get("hypercall_roundtrip_insns")
            .map(|&v| v as f64)
            .with_context(|| format!("the {what} run did not report hypercall_roundtrip_insns"))
    };
    let bulkhead_hvc = hvc(&inject, "Bulkhead")?;
    let xen_hvc = hvc(&xen, "Xen")?;
    out.insert("hypercall_roundtrip_insns".to_string(), bulkhead_hvc);
    out.insert("hypercall_roundtrip_insns_xen".to_string(), xen_hvc);
    out.insert("hypercall_roundtrip_ratio_vs_xen".to_string(), ratio(bulkhead_hvc, xen_hvc, "hypercall")?);
    let mut means = BTreeMap::new();
    let mut p99s = BTreeMap::new();
    let mut json = serde_json::json!({
        "unit": "instructions (virtual counter ticks under -icount shift=0) from the interrupt's cause to the IRQ vector",
        "method": {
            "timer_busy": "guest busy with IRQs unmasked; virtual timer armed 3000 + xorshift % 4096 ticks ahead; \
                           latency from the deadline; 1000 samples after 50",
            "spi_busy": "guest busy with IRQs unmasked for xorshift % 4096 iterations, then unmasks the PL031's latched \
                         interrupt (SPI 34); latency from the counter read just before that store; 1000 samples after 50",
        },
        "xen_scheduler": note,
    });
    for series in SERIES {
        let kind = series.trim_end_matches("_busy");
        let mut samples = serde_json::Map::new();
        for (name, run) in [("native", &native), ("inject", &inject), ("direct", &direct), ("xen", &xen)] {
            let (mean, p99, max) =
                stats(run.samples(series)).with_context(|| format!("the {name} run's {series} samples"))?;
            out.insert(format!("irq_{kind}_busy_{name}_mean"), mean);
            out.insert(format!("irq_{kind}_busy_{name}_p99"), p99 as f64);
            out.insert(format!("irq_{kind}_busy_{name}_max"), max as f64);
            if series == "timer_busy" {
                means.insert(name, mean);
                p99s.insert(name, p99 as f64);
            }
            samples.insert(name.to_string(), serde_json::json!(run.samples(series)));
        }
        json[series] = serde_json::Value::Object(samples);
    }
    out.insert("irq_inject_ratio_vs_xen".to_string(), ratio(means["inject"], means["xen"], "inject over Xen")?);
    out.insert("irq_direct_ratio_vs_native".to_string(), ratio(p99s["direct"], p99s["native"], "direct over native")?);
    out.insert(
        "irq_spi_inject_ratio_vs_xen".to_string(),
        ratio(out["irq_spi_busy_inject_mean"], out["irq_spi_busy_xen_mean"], "SPI inject over Xen")?,
    );

    let dir = workspace::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("irq_samples.json");
    std::fs::write(&path, serde_json::to_string(&json)? + "\n")?;
    eprintln!("xtask: peers: wrote {} ({:.0} s in all)", path.display(), start.elapsed().as_secs_f64());
    Ok((out, note))
}

/// Every figure of this part (see [`measure`]), the scheduler note printed.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let (out, note) = measure()?;
    println!("{note}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_behind_any_prefix() {
        let samples: Vec<String> = (0..SAMPLES).map(|i| (i % 7 + 1).to_string()).collect();
        let mut log = String::from("(XEN) boot\n(d1) BENCH counter_hz=1000000000\n[peerbench] BENCH irq_other=0\n");
        for (i, chunk) in samples.chunks(12).enumerate() {
            log.push_str(&format!("DOM1: SAMPLES timer_busy {} {}\n", i * 12, chunk.join(",")));
        }
        log.push_str("DOM1: SAMPLES spi_busy 0 9,8\n");
        let run = parse(&log).unwrap();
        assert_eq!(run.bench["counter_hz"], 1_000_000_000);
        assert_eq!(run.bench["irq_other"], 0);
        assert_eq!(run.samples("timer_busy").len(), SAMPLES);
        assert_eq!(run.samples("spi_busy"), [9, 8]);
        let (mean, p99, max) = stats(run.samples("timer_busy")).unwrap();
        assert_eq!((p99, max), (7, 7));
        assert!((mean - 3.99).abs() < 0.1);
    }

    #[test]
    fn a_lost_line_or_a_zero_is_an_error() {
        assert!(parse("SAMPLES timer_busy 0 1,2\nSAMPLES timer_busy 3 4\n").is_err());
        // Each series counts on its own; an unknown one is refused.
        assert!(parse("SAMPLES timer_busy 0 1,2\nSAMPLES spi_busy 0 4\nSAMPLES spi_busy 1 5\n").is_ok());
        assert!(parse("SAMPLES spi_busy 0 1,2\nSAMPLES spi_busy 3 4\n").is_err());
        assert!(parse("SAMPLES other 0 1\n").is_err());
        assert!(stats(&[0; SAMPLES]).is_err());
        assert!(stats(&[5; 10]).is_err());
    }

    #[test]
    fn p99_is_the_990th_of_1000() {
        let samples: Vec<u64> = (1..=SAMPLES as u64).collect();
        assert_eq!(stats(&samples).unwrap(), (500.5, 990, 1000));
    }

    #[test]
    fn the_scheduler_comes_from_the_config() {
        let debian = "CONFIG_SCHED_CREDIT=y\nCONFIG_SCHED_CREDIT2=y\nCONFIG_SCHED_DEFAULT=\"credit2\"\n";
        assert_eq!(scheduler(debian).unwrap(), ("credit2".to_string(), false));
        assert!(scheduler_note(debian).unwrap().contains("no null scheduler"));
        assert!(scheduler("CONFIG_SCHED_NULL=y\nCONFIG_SCHED_DEFAULT=\"null\"").unwrap().1);
        assert!(scheduler("").is_err());
    }
}
