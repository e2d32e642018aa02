// SPDX-License-Identifier: MIT
//! The ioreq path's figures (`boards/test/ioreq-bench.toml`, under
//! `-icount shift=0,sleep=off`: one counter tick per instruction, of every
//! vCPU and the kernel, on the one global counter, so both pCPUs' work is
//! counted):
//!
//! - `ioreq_roundtrip_insns`: a trapped MMIO read by the target, handed to
//!   the device model (`dm-echo`: its ioreq page, its doorbell, its answer
//!   through `DmIoreqComplete`) and back in the target with the value:
//!   the median of 21, from the target's counter before the load to the
//!   one after it;
//! - `ioreq_ratio_vs_kernel_emulated`: that over the same read of a
//!   register the kernel emulates itself (the target's vGIC GICD_TYPER):
//!   what handing an access to a device-model domain costs over the
//!   kernel's own emulation. The native figure of such a read is QEMU's
//!   device, which `-icount` counts as one instruction, so it is no
//!   reference; Xen is not compared: a Xen device model (an ioreq server)
//!   runs in a dom0, which dom0less (our Xen peer on the same QEMU) has
//!   not.

use super::{checks, parse_bench};
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

const BOARD: &str = "boards/test/ioreq-bench.toml";

/// Runs the ioreq benchmark.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| log.contains("[probe] dm-target: bench done") || log.contains("FAIL");
    let out = qemu::run_until(cmd, Duration::from_secs(120), done)?;
    ensure!(
        out.output.contains("[probe] dm-target: bench done") && !out.output.contains("FAIL"),
        "the ioreq benchmark did not finish:\n{}",
        out.output
    );
    let probe = parse_bench(&out.output, "[probe] ")?;
    checks::icount_proof(&probe, "ioreq probe")?;
    figures(&probe)
}

/// The figures from the probe's reports (pure; host-tested).
pub fn figures(probe: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |key: &str| probe.get(key).copied().with_context(|| format!("the ioreq benchmark did not report {key}"));
    let (ioreq, kernel) = (get("ioreq_roundtrip_ticks")? as f64, get("kernel_emulated_read_ticks")? as f64);
    ensure!(
        ioreq > kernel,
        "a device model's answer ({ioreq}) cost no more than the kernel's own emulation ({kernel})"
    );
    let mut out = BTreeMap::new();
    out.insert("ioreq_roundtrip_insns".into(), ioreq);
    out.insert("ioreq_ratio_vs_kernel_emulated".into(), checks::ratio(ioreq, kernel, "ioreq over kernel-emulated")?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_trip_and_its_ratio() {
        let p = BTreeMap::from([
            ("ioreq_roundtrip_ticks".to_string(), 9_000),
            ("kernel_emulated_read_ticks".to_string(), 600),
        ]);
        let f = figures(&p).unwrap();
        assert_eq!(f["ioreq_roundtrip_insns"], 9_000.0);
        assert_eq!(f["ioreq_ratio_vs_kernel_emulated"], 15.0);
    }

    #[test]
    fn missing_or_implausible_reports_are_errors() {
        assert!(figures(&BTreeMap::from([("ioreq_roundtrip_ticks".to_string(), 9_000)])).is_err());
        let cheaper = BTreeMap::from([
            ("ioreq_roundtrip_ticks".to_string(), 500),
            ("kernel_emulated_read_ticks".to_string(), 600),
        ]);
        assert!(figures(&cheaper).unwrap_err().to_string().contains("cost no more"));
    }
}
