// SPDX-License-Identifier: MIT
//! The 9pfs domain's figures (`boards/test/ninep-bench.toml`, under
//! `-icount shift=0,sleep=off`: one counter tick per instruction, of
//! every vCPU and the kernel, counted on the one global counter):
//!
//! - `ninep_write_bytes_per_kinsn`: one client writes a 1 MiB file with
//!   msize 64 KiB (Tlcreate, Twrites of msize - 24 bytes, Tfsync,
//!   Tclunk), end to end: bytes per thousand ticks from the client's
//!   counter read before the create to the one after the clunk's reply.
//!   Every Rwrite waits until its blocks and the file's new size are on
//!   the device, so this is the store's write path, FAT updates included;
//! - `ninep_read_bytes_per_kinsn`: the same file read back (Twalk,
//!   Tlopen, Treads, Tclunk), checked byte for byte by the client;
//! - `ninep_*_ratio_vs_memcpy`: the client's own `copy_from_slice` of
//!   1 MiB, in bytes per thousand instructions, over the figure above:
//!   how many times dearer a byte through the 9pfs domain is than a byte
//!   copied natively in the client's memory;
//! - `ninep_op_latency_insns`: Twalk (one name) + Tgetattr + Tclunk, the
//!   mean of 100 round trips.
//!
//! The ticks include the time the domains poll while QEMU's virtio-blk
//! does the I/O on the host (`sleep=off` advances the counter with
//! instructions only, and the I/O completes between them), so these
//! figures repeat less exactly than pure-CPU ones. Xen is not compared:
//! Xen 9pfs needs a dom0 with QEMU as its backend, which dom0less (our
//! Xen peer on the same QEMU) does not have.

use super::{checks, parse_bench};
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// The benchmark board.
const BOARD: &str = "boards/test/ninep-bench.toml";

/// Every figure of this part.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let disk = crate::board_disk::prepare(&built.board, "bench")?.context("the bench board has no disk")?;
    let overrides = Overrides { disk: Some(disk), ..Overrides::default() };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let done = |log: &str| log.contains("[cluster] ninep-demo: bench done") || log.contains("ninep-demo: FAIL");
    let out = qemu::run_until(cmd, Duration::from_secs(600), done)?;
    ensure!(
        out.output.contains("[cluster] ninep-demo: bench done") && !out.output.contains("FAIL"),
        "the 9pfs benchmark did not finish:\n{}",
        out.output
    );
    let client = parse_bench(&out.output, "[cluster] ")?;
    checks::icount_proof(&client, "9pfs client")?;
    figures(&client)
}

/// The figures from the client's reports (pure; host-tested).
pub fn figures(client: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |key: &str| client.get(key).copied().with_context(|| format!("the 9pfs benchmark did not report {key}"));
    let span = |what: &str| -> Result<f64> {
        let (start, end) = (get(&format!("ninep_{what}_start"))?, get(&format!("ninep_{what}_end"))?);
        ensure!(end > start, "ninep_{what}: the end ({end}) is not after the start ({start})");
        Ok((end - start) as f64)
    };
    let bytes = get("ninep_bench_bytes")? as f64;
    ensure!(bytes >= 1_048_576.0, "only {bytes} bytes were moved, not 1 MiB");
    let per_kinsn = |ticks: f64| (bytes * 1000.0 / ticks * 100.0).round() / 100.0;
    let (write, read, memcpy) = (per_kinsn(span("write")?), per_kinsn(span("read")?), per_kinsn(span("memcpy")?));
    let ops = get("ninep_op_count")? as f64;
    ensure!(ops > 0.0, "no walk + getattr + clunk round trips were timed");
    let mut out = BTreeMap::new();
    out.insert("ninep_write_bytes_per_kinsn".into(), write);
    out.insert("ninep_read_bytes_per_kinsn".into(), read);
    out.insert("ninep_memcpy_bytes_per_kinsn".into(), memcpy);
    out.insert("ninep_write_ratio_vs_memcpy".into(), checks::ratio(memcpy, write, "memcpy over 9pfs writes")?);
    out.insert("ninep_read_ratio_vs_memcpy".into(), checks::ratio(memcpy, read, "memcpy over 9pfs reads")?);
    out.insert("ninep_op_latency_insns".into(), (span("op")? / ops).round());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> BTreeMap<String, u64> {
        BTreeMap::from([
            ("ninep_bench_bytes".to_string(), 1_048_576),
            ("ninep_write_start".into(), 1_000),
            ("ninep_write_end".into(), 1_000 + 104_857_600),
            ("ninep_read_start".into(), 200_000_000),
            ("ninep_read_end".into(), 200_000_000 + 52_428_800),
            ("ninep_memcpy_start".into(), 10),
            ("ninep_memcpy_end".into(), 10 + 262_144),
            ("ninep_op_start".into(), 5),
            ("ninep_op_end".into(), 5 + 1_000_000),
            ("ninep_op_count".into(), 100),
        ])
    }

    #[test]
    fn bytes_per_thousand_instructions_ratios_and_the_mean_round_trip() {
        let f = figures(&report()).unwrap();
        assert_eq!(f["ninep_write_bytes_per_kinsn"], 10.0);
        assert_eq!(f["ninep_read_bytes_per_kinsn"], 20.0);
        assert_eq!(f["ninep_memcpy_bytes_per_kinsn"], 4000.0);
        assert_eq!(f["ninep_op_latency_insns"], 10_000.0);
        assert!(f["ninep_read_ratio_vs_memcpy"] > 1.0);
    }

    #[test]
    fn backwards_spans_missing_reports_and_short_files_are_errors() {
        let mut r = report();
        r.insert("ninep_read_end".into(), 100);
        assert!(figures(&r).unwrap_err().to_string().contains("not after the start"));
        let mut r = report();
        r.remove("ninep_op_count");
        assert!(figures(&r).is_err());
        let mut r = report();
        r.insert("ninep_bench_bytes".into(), 4096);
        assert!(figures(&r).unwrap_err().to_string().contains("not 1 MiB"));
    }
}
