// SPDX-License-Identifier: MIT
//! `cargo xtask bench`: measure, print a table, and write
//! `target/bench/results.json` (a flat object of metric name to number).
//! Every figure is measured in this run; nothing is copied from elsewhere.
//!
//! The harness: QEMU runs with `-icount shift=0,sleep=off` (virtual time
//! follows instructions), the kernel is built with the `bench` feature (a
//! domain may count EL2 instructions with the PMU; never in normal builds),
//! the measuring domain runs while every other pCPU sleeps in `wfi`, and
//! each figure is the median of repeated samples minus the median of empty
//! measurements (see `domains/test/bench`). The Linux boot ([`linux`]) differs:
//! an unmodified Linux cannot use the PMU hypercalls, so it reads the
//! virtual counter itself, the kernel is built with the `census` feature
//! instead, and its figures are medians over QEMU `-seed`s.
//!
//! The ring's targets are counted in instructions as the domains run it
//! ([`ring`]: our ring against `rtrb` on two vCPUs, a data-area copy
//! against the domain's memcpy); [`run_ring`] runs that part alone. The
//! host half ([`host`], run first) times the same comparisons on this
//! machine's clock and records them as `*_host` figures, information only.
//! [`run_host`] runs that half alone (as does `cargo bench -p
//! bulkhead-ring-hal --bench ring`). [`linux`] boots
//! Linux natively, under Bulkhead and under Xen 4.17 dom0less;
//! [`run_linux`] runs that part alone (Xen only with `--xen`).
//! [`xen`] runs one guest natively, under Bulkhead and under Xen 4.17;
//! [`run_peers`] runs that part alone.

pub mod checks;
pub mod display;
pub mod dom0less;
pub mod host;
pub mod input;
pub mod ioreq;
pub mod irq;
pub mod linux;
pub mod net;
pub mod ninep;
pub mod plot;
pub mod ring;
pub mod sloc;
pub mod sound;
pub mod virtio_input;
pub mod xen;

use crate::board::schema::LogFormat;
use crate::elf;
use crate::qemu::{self, Overrides};
use crate::workspace;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// Metrics the measuring domain must report on the benchmark board.
const GUEST_METRICS: [&str; 7] = [
    "hvc_null_roundtrip_el2_insns",
    "hvc_null_roundtrip_insns",
    "hvc_heartbeat_roundtrip_el2_insns",
    "idle_el2_entries",
    "ipc_notify_send_el2_insns",
    "ipc_notify_deliver_el2_insns",
    "ipc_pingpong_roundtrip_insns",
];

/// The benchmark board: the measuring domain and one sleeping domain.
pub const BENCH_BOARD: &str = "boards/test/bench.toml";
/// The WFI-policy board: adds the same sleeping domain with `wfi` trapped.
pub const WFI_BOARD: &str = "boards/test/bench-wfi.toml";

/// Collects `<prefix>BENCH name=value` lines; a `<prefix>BENCH-ERROR`
/// line (a guest's negative difference) is an error.
pub(crate) fn parse_bench(output: &str, prefix: &str) -> Result<BTreeMap<String, u64>> {
    let mut found = BTreeMap::new();
    for line in output.lines() {
        if let Some(error) = line.strip_prefix(prefix).and_then(|l| l.strip_prefix("BENCH-ERROR ")) {
            anyhow::bail!("a measuring guest could not compute a figure: {error}");
        }
        if let Some((name, value)) =
            line.strip_prefix(prefix).and_then(|l| l.strip_prefix("BENCH ")).and_then(|l| l.split_once('='))
        {
            found.insert(name.to_string(), value.trim().parse().with_context(|| format!("bad value in `{line}`"))?);
        }
    }
    Ok(found)
}

/// Runs a benchmark board and collects the `BENCH name=value` lines.
pub fn guest_metrics(board: &str) -> Result<BTreeMap<String, u64>> {
    let built = super::build::build_with(board, Some(LogFormat::Text), super::build::Instrumented::Bench)?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let wanted =
        |log: &str| log.contains("[bench] BENCH done") && (board != BENCH_BOARD || log.contains("[bench-peer] BENCH"));
    let out = qemu::run_until(cmd, Duration::from_secs(300), wanted)?;
    ensure!(wanted(&out.output), "the benchmark domains did not finish:\n{}", out.output);
    let mut found = parse_bench(&out.output, "[bench] ")?;
    checks::icount_proof(&found, board)?;
    found.extend(parse_bench(&out.output, "[bench-peer] ")?);
    for name in GUEST_METRICS.iter().filter(|_| board == BENCH_BOARD) {
        ensure!(found.contains_key(*name), "the benchmark domains did not report {name}:\n{}", out.output);
    }
    Ok(found)
}

/// A metric's target.
#[derive(Clone, Copy)]
enum Target {
    /// At most this.
    AtMost(f64),
    /// At least this (the ring ratios, where higher is better).
    AtLeast(f64),
}

impl Target {
    fn met(self, value: f64) -> bool {
        match self {
            Target::AtMost(bound) => value <= bound,
            Target::AtLeast(bound) => value >= bound,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::AtMost(bound) => write!(f, "<= {bound}"),
            Target::AtLeast(bound) => write!(f, ">= {bound}"),
        }
    }
}

/// Targets from the issues.
const TARGETS: [(&str, Target); 18] = [
    ("hvc_null_roundtrip_el2_insns", Target::AtMost(50.0)),
    ("hvc_null_roundtrip_insns", Target::AtMost(60.0)),
    ("idle_el2_entries", Target::AtMost(0.0)),
    ("kernel_sloc", Target::AtMost(8000.0)),
    ("kernel_text_bytes", Target::AtMost(131072.0)),
    ("ipc_notify_send_el2_insns", Target::AtMost(100.0)),
    ("ipc_notify_deliver_el2_insns", Target::AtMost(150.0)),
    // rtrb's instructions per 64-byte postcard message over ours, both
    // sides of each ring counted, as the domains run them (`ring`).
    ("ring_msgs_ratio_vs_rtrb", Target::AtLeast(0.8)),
    // memcpy's instructions over ours for one 64 KiB copy into a data
    // area, as the domains run them (`ring`).
    ("ring_bulk_ratio_vs_memcpy", Target::AtLeast(0.9)),
    ("irq_inject_el2_insns", Target::AtMost(150.0)),
    ("irq_direct_el2_entries", Target::AtMost(0.0)),
    // Mean guest timer latency with direct delivery over native, the guest
    // waiting in `wfi` (the busy guest's figures are the peers' part).
    ("irq_latency_direct_ratio_vs_native_wfi", Target::AtMost(1.05)),
    // Instructions from reset to Linux's /init under Bulkhead over native:
    // the median of the per-seed ratios.
    ("linux_boot_ratio_vs_native_paired", Target::AtMost(1.10)),
    // Bulkhead's cheapest hypercall over Xen's (`xen_version`).
    ("hypercall_roundtrip_ratio_vs_xen", Target::AtMost(0.25)),
    // Busy-guest timer latency: trap-and-inject mean over Xen's.
    ("irq_inject_ratio_vs_xen", Target::AtMost(0.5)),
    // Busy-guest timer latency: direct-delivery p99 over native's.
    ("irq_direct_ratio_vs_native", Target::AtMost(1.10)),
    // Busy-guest device-SPI latency: trap-and-inject mean over Xen's (the
    // timer's goal, held for the SPI too).
    ("irq_spi_inject_ratio_vs_xen", Target::AtMost(0.5)),
    // Bytes composed per instruction over memcpy's, opaque surface, in
    // the display domain (`display`).
    ("display_compose_ratio_vs_memcpy", Target::AtLeast(0.8)),
];

/// Runs only the host benchmarks: prints their table, checks their targets,
/// writes nothing; returns the exit status.
pub fn run_host() -> Result<i32> {
    Ok(report(&host::metrics()?))
}

/// Runs only the ring benchmark as domains run it ([`ring`]): prints its
/// table, checks its targets and ranges, writes nothing; returns the exit
/// status.
pub fn run_ring() -> Result<i32> {
    let results = ring::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the display domain's benchmark ([`display`]): prints its
/// table, checks its targets and ranges, writes nothing; returns the exit
/// status.
pub fn run_display() -> Result<i32> {
    let results = display::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the sound domain's benchmark ([`sound`]): prints its table,
/// checks its ranges, writes nothing; returns the exit status.
pub fn run_sound() -> Result<i32> {
    let results = sound::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the 9pfs domain's benchmark ([`ninep`]): prints its table,
/// checks its ranges, writes nothing; returns the exit status.
pub fn run_ninep() -> Result<i32> {
    let results = ninep::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the network domain's benchmark ([`net`]): prints its table,
/// checks its ranges, writes nothing; returns the exit status.
pub fn run_net() -> Result<i32> {
    let results = net::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the ioreq path's benchmark ([`ioreq`]): prints its table,
/// checks its ranges, writes nothing; returns the exit status.
pub fn run_ioreq() -> Result<i32> {
    let results = ioreq::metrics()?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the virtio-input path's benchmark ([`virtio_input`]), after
/// the interrupt benchmark ([`irq`]) whose trap-and-inject mean it adds
/// (printed too, as `irq_latency_inject_mean_wfi`): prints its table,
/// checks its ranges, writes nothing; returns the exit status.
pub fn run_virtio_input() -> Result<i32> {
    let inject =
        *irq::metrics()?.get("irq_latency_inject_mean_wfi").context("the interrupt benchmark gave no inject mean")?;
    let mut results = virtio_input::metrics(inject)?;
    results.insert("irq_latency_inject_mean_wfi".into(), inject);
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the Linux boot benchmark, under Xen too if `with_xen`, over
/// [`linux::partial_seeds`]: prints its table, checks its target and
/// ranges, writes nothing; returns the exit status.
pub fn run_linux(with_xen: bool) -> Result<i32> {
    let results = linux::metrics(linux::partial_seeds()?, with_xen)?;
    checks::plausible(&results)?;
    Ok(report(&results))
}

/// Runs only the peer comparison (one guest natively, under Bulkhead and
/// under Xen 4.17, [`xen`]): prints its table, checks its targets, writes
/// `target/bench/irq_samples.json` but no results file; returns the exit
/// status.
pub fn run_peers() -> Result<i32> {
    Ok(report(&xen::metrics()?))
}

/// Prints the table; returns 1 if a target was missed, else 0.
fn report(results: &BTreeMap<String, f64>) -> i32 {
    println!("{:<36} {:>12}  target", "metric", "value");
    let mut missed = Vec::new();
    for (name, value) in results {
        let verdict = match TARGETS.iter().find(|(n, _)| n == name) {
            Some((_, target)) if target.met(*value) => format!("{target}  ok"),
            Some((_, target)) => {
                missed.push(name.clone());
                format!("{target}  MISSED")
            }
            None => String::new(),
        };
        println!("{name:<36} {value:>12}  {verdict}");
    }
    if missed.is_empty() {
        0
    } else {
        println!("targets missed: {}", missed.join(", "));
        1
    }
}

/// Runs the benchmarks; returns the exit status.
pub fn run() -> Result<i32> {
    let mut results: BTreeMap<String, f64> = host::metrics()?;
    results.extend(ring::metrics()?);
    let built = super::build::build("qemu-virt", Some(LogFormat::Text))?;
    let kernel = std::fs::read(&built.kernel_elf)?;
    results.insert("kernel_text_bytes".into(), elf::section_sizes(&kernel)?.text as f64);
    results.insert("image_bytes".into(), std::fs::metadata(&built.image)?.len() as f64);
    // Our lines that the kernel binary links (method: `sloc`).
    let dep_info = workspace::target_dir().join(crate::cargo::KERNEL_TARGET).join("release/bulkhead-kernel.d");
    let (lines, files) = sloc::kernel_sloc(&dep_info, &workspace::root())?;
    println!("kernel_sloc: {lines} lines in the {files} files of ours the kernel binary links");
    results.insert("kernel_sloc".into(), lines as f64);
    for (name, value) in guest_metrics(BENCH_BOARD)? {
        if GUEST_METRICS.contains(&name.as_str()) {
            results.insert(name, value as f64);
        }
    }
    let wfi = guest_metrics(WFI_BOARD)?;
    let trapped = *wfi.get("idle_trapped_wfi_el2_entries").context("no idle_trapped_wfi_el2_entries")?;
    results.insert("idle_trapped_wfi_el2_entries".into(), trapped as f64);
    results.extend(irq::metrics()?);
    let inject = *results.get("irq_latency_inject_mean_wfi").context("the interrupt benchmark gave no inject mean")?;
    results.extend(input::metrics(inject)?);
    results.extend(virtio_input::metrics(inject)?);
    results.extend(display::metrics()?);
    results.extend(sound::metrics()?);
    results.extend(ninep::metrics()?);
    results.extend(net::metrics()?);
    results.extend(ioreq::metrics()?);
    results.extend(linux::metrics(&linux::SEEDS, true)?);
    results.extend(xen::metrics()?);
    // Every QEMU run above that reports instruction counts passed its
    // icount proof, or it failed already.
    results.insert("icount_verified".into(), 1.0);
    checks::plausible(&results)?;

    let status = report(&results);
    // Integral figures are written as integers.
    let json: BTreeMap<&String, serde_json::Value> = results
        .iter()
        .map(|(k, &v)| (k, if v.fract() == 0.0 { serde_json::json!(v as u64) } else { serde_json::json!(v) }))
        .collect();
    let dir = workspace::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&json)? + "\n")?;
    println!("wrote {}", path.display());
    Ok(status)
}
