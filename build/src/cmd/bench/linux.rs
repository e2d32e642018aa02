// SPDX-License-Identifier: MIT
//! Linux boot: the same Debian kernel, initramfs, device tree and command
//! line booted to `/init` under Bulkhead (`boards/test/linux-boot-bench.toml`:
//! Linux on two vCPUs, no other domain) and natively (QEMU virt with
//! virtualization off, `-smp 2`, the domain's 256 MiB), under
//! `-icount shift=0,sleep=off`.
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
//! [`SEEDS`], alternately, and the figures are medians over the seeds, the
//! spread beside them; a rerun of the same build gives the same counts.
//! Wall time is the median of the same boots.

use super::super::build::{self, Instrumented};
use crate::board::schema::LogFormat;
use crate::guest::{dtb, pack, stamp};
use crate::qemu::{self, Overrides};
use crate::workspace;
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The benchmark board.
const BOARD: &str = "boards/test/linux-boot-bench.toml";
/// QEMU `-seed`s: one boot per seed and side.
const SEEDS: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];
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

/// Boots `cmd` to the marker and on to QEMU's own exit; `what` names the
/// run in errors.
fn boot(mut cmd: Command, what: &str) -> Result<Boot> {
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
    let mut insns = None;
    let mut wall = None;
    let mut kernel = None;
    let mut census = BTreeMap::new();
    let deadline = start + TIMEOUT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((at, line)) => {
                if let Some(value) = stamp::parse(&line) {
                    insns = Some(value);
                }
                if wall.is_none() && line.contains(MARKER) {
                    wall = Some(at.duration_since(start).as_secs_f64());
                }
                if let Some(start) = parse_start(&line) {
                    kernel = Some(start);
                }
                if let Some(c) = parse_census(&line) {
                    census = c;
                }
                log.push_str(&line);
                log.push('\n');
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
    let (Some(insns), Some(wall)) = (insns, wall) else {
        bail!("the {what} boot ended ({status}) without its counter and marker lines:\n{log}\n{errors}");
    };
    let kernel = kernel.transpose().with_context(|| format!("the {what} boot"))?;
    Ok(Boot { insns, wall, kernel, census })
}

/// The native command: the domain's files, device tree and command line
/// on QEMU virt without virtualization.
fn native_command(board: &crate::board::ValidBoard, dtb_file: &std::path::Path) -> Result<Command> {
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
    let dtb = dtb::linux_dtb(&pack::dtb_spec(board, index, None, &linux.cmdline)?)?;
    std::fs::write(dtb_file, dtb)?;
    let initrd = linux.initrd.as_ref().context("the Linux boot board's domain has no initramfs")?;
    let mut cmd = Command::new("qemu-system-aarch64");
    cmd.args(["-machine", "virt,gic-version=3", "-cpu", "max"])
        .args(["-smp", &domain.pcpus.len().to_string(), "-m", &format!("{}M", ram >> 20)])
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

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn ratio(a: f64, b: f64) -> f64 {
    (a / b.max(1e-9) * 1000.0).round() / 1000.0
}

/// Every Linux boot figure of this run.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build::build_with(BOARD, Some(LogFormat::Text), Instrumented::Census)?;
    let dir = workspace::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let dtb_file = dir.join("linux-boot-native.dtb");
    let mut under = Vec::new();
    let mut native = Vec::new();
    for seed in SEEDS {
        eprintln!("xtask: Linux boot with -seed {seed}: natively, then under Bulkhead");
        let seed_args = ["-seed".to_string(), seed.to_string()];
        let mut cmd = native_command(&built.board, &dtb_file)?;
        cmd.args(&seed_args);
        native.push(boot(cmd, "native")?);
        let o = Overrides { extra: seed_args.to_vec(), ..Overrides::default() };
        let b = boot(qemu::command(&built.board, &built.image, true, &o)?, "Bulkhead")?;
        ensure!(
            !b.census.is_empty() && b.kernel.is_some(),
            "the Bulkhead boot printed no census lines (is the census kernel built?)"
        );
        under.push(b);
    }
    let insns = |boots: &[Boot]| median(boots.iter().map(|b| b.insns as f64).collect());
    let walls = |boots: &[Boot]| median(boots.iter().map(|b| b.wall).collect());
    let mut out = BTreeMap::new();
    for (side, boots) in [("", &under), ("_native", &native)] {
        out.insert(format!("linux_boot_insns{side}"), insns(boots));
        out.insert(format!("linux_boot_insns{side}_min"), boots.iter().map(|b| b.insns).min().unwrap_or(0) as f64);
        out.insert(format!("linux_boot_insns{side}_max"), boots.iter().map(|b| b.insns).max().unwrap_or(0) as f64);
        out.insert(format!("linux_boot_wall_s{side}"), (walls(boots) * 1000.0).round() / 1000.0);
    }
    out.insert("linux_boot_insns_ratio_vs_native".into(), ratio(insns(&under), insns(&native)));
    out.insert("linux_boot_wall_ratio_vs_native".into(), ratio(walls(&under), walls(&native)));
    out.insert(
        "linux_boot_kernel_insns".into(),
        median(under.iter().map(|b| b.kernel.unwrap_or_default() as f64).collect()),
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
        assert_eq!(ratio(1.2e9, 1.0e9), 1.2);
    }
}
