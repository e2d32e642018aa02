// SPDX-License-Identifier: MIT
//! Guest timer-interrupt latency with the guest waiting in `wfi`
//! (`domains/test/irqbench`; keys end in `_wfi`), three ways in one
//! run: natively (QEMU virt without virtualization, no Bulkhead), under
//! Bulkhead with trap-and-inject delivery, and with direct delivery; each
//! under `-icount shift=0,sleep=off`, where the counter ticks once per
//! instruction. Also the EL2 instructions per forwarded interrupt (trap and
//! inject) and the EL2 entries per directly delivered interrupt.

use super::parse_bench;
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use crate::workspace;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// Trap-and-inject board.
const INJECT_BOARD: &str = "boards/test/irqbench.toml";
/// Direct-delivery board.
const DIRECT_BOARD: &str = "boards/test/irqbench-direct.toml";

fn native() -> Result<BTreeMap<String, u64>> {
    let elf = workspace::target_dir().join("aarch64-unknown-none/release/domain-irqbench");
    let mut cmd = std::process::Command::new("qemu-system-aarch64");
    cmd.args(["-machine", "virt,gic-version=3", "-cpu", "max", "-smp", "1", "-m", "1G"])
        .args(["-icount", "shift=0,sleep=off", "-nodefaults", "-serial", "stdio", "-display", "none", "-kernel"])
        .arg(&elf);
    let out = qemu::run_until(cmd, Duration::from_secs(120), |log| log.contains("BENCH done"))?;
    ensure!(out.output.contains("BENCH done"), "the native interrupt benchmark did not finish:\n{}", out.output);
    parse_bench(&out.output, "")
}

fn under_bulkhead(board: &str) -> Result<BTreeMap<String, u64>> {
    let built =
        super::super::build::build_with(board, Some(LogFormat::Text), super::super::build::Instrumented::Bench)?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| log.contains("[irqbench] BENCH done");
    let out = qemu::run_until(cmd, Duration::from_secs(120), done)?;
    ensure!(done(&out.output), "the interrupt benchmark did not finish on {board}:\n{}", out.output);
    parse_bench(&out.output, "[irqbench] ")
}

fn get(m: &BTreeMap<String, u64>, key: &str, run: &str) -> Result<f64> {
    m.get(key).map(|&v| v as f64).with_context(|| format!("the {run} interrupt benchmark did not report {key}"))
}

/// Every interrupt figure of this run.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    // Build the bench kernel and the guest first (the native run boots the
    // guest's ELF).
    let inject = under_bulkhead(INJECT_BOARD)?;
    let direct = under_bulkhead(DIRECT_BOARD)?;
    let native = native()?;
    let mut out = BTreeMap::new();
    for (run, m) in [("native", &native), ("inject", &inject), ("direct", &direct)] {
        super::checks::icount_proof(m, &format!("{run} interrupt"))?;
        ensure!(get(m, "irq_counter_hz", run)? == 1e9, "the {run} run's counter is not at 1 GHz (1 tick = 1 insn)");
        ensure!(get(m, "irq_other", run)? == 0.0, "the {run} run took interrupts it did not arm");
        out.insert(format!("irq_latency_{run}_mean_wfi"), get(m, "irq_latency_mean", run)?);
        out.insert(format!("irq_latency_{run}_max_wfi"), get(m, "irq_latency_max", run)?);
    }
    out.insert("irq_inject_el2_insns".into(), get(&inject, "irq_el2_insns", "inject")?);
    out.insert("irq_direct_el2_entries".into(), get(&direct, "irq_el2_entries", "direct")?);
    let native_mean = get(&native, "irq_latency_mean", "native")?;
    ensure!(native_mean > 0.0, "the native interrupt run measured a mean latency of 0");
    for (run, m) in [("inject", &inject), ("direct", &direct)] {
        let mean = get(m, "irq_latency_mean", run)?;
        out.insert(
            format!("irq_latency_{run}_ratio_vs_native_wfi"),
            super::checks::ratio(mean, native_mean, &format!("{run} over native wfi latency"))?,
        );
    }
    Ok(out)
}
