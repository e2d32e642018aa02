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
//!   mean of 100 round trips;
//! - `ninep_server_insns_per_request`: the ticks the 9pfs domain spent in
//!   its passes that served requests (decoding, the store, the device
//!   requests it waited for, encoding), per request, over the whole run:
//!   what of the figures above is the server's own work.
//!
//! The ticks include the time the 9pfs domain polls while QEMU's
//! virtio-blk does the I/O on the host (`sleep=off` advances the counter
//! with instructions, and the host completes the I/O meanwhile), so these
//! figures repeat less exactly than pure-CPU ones. The disk is opened
//! with `cache=unsafe`: the domain's flushes still go to QEMU, which does
//! not pass them on to the host (an `fdatasync` of the host's would
//! otherwise be counted, at whatever the host's disk takes; one run
//! measured 3.9 bytes/kinsn for writes instead of 10.5 that way). Xen is not compared:
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

/// Runs of the benchmark board; each figure is their median.
const RUNS: usize = 3;

/// Every figure of this part: the median of [`RUNS`] runs (the device's
/// share of the transfer figures moves with the host, see above).
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let mut runs = Vec::new();
    for run in 0..RUNS {
        runs.push(one_run(run)?);
    }
    median_of(&runs, "ninep")
}

/// The median of each figure over `runs`, each printed with its spread
/// under `part` (pure; host-tested).
pub(super) fn median_of(runs: &[BTreeMap<String, f64>], part: &str) -> Result<BTreeMap<String, f64>> {
    let first = runs.first().context("no runs")?;
    let mut out = BTreeMap::new();
    for name in first.keys() {
        let mut values: Vec<f64> = runs.iter().filter_map(|r| r.get(name).copied()).collect();
        ensure!(values.len() == runs.len(), "{name} is missing from a run");
        values.sort_by(f64::total_cmp);
        let spread = values.last().copied().unwrap_or(0.0) - values.first().copied().unwrap_or(0.0);
        println!("{part}: {name}: {values:?} (spread {spread:.2})");
        out.insert(name.clone(), values[values.len() / 2]);
    }
    Ok(out)
}

/// One run of the benchmark board.
fn one_run(run: usize) -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let disk =
        crate::board_disk::prepare(&built.board, &format!("bench-{run}"))?.context("the bench board has no disk")?;
    let overrides = Overrides { disk: Some(disk), disk_unsafe_cache: true, ..Overrides::default() };
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
    let mut out_figures = figures(&client)?;
    let server = parse_bench(&out.output, "[ninep] ")?;
    let (ticks, requests) = (server.get("ninep_server_ticks"), server.get("ninep_server_requests"));
    let (Some(&ticks), Some(&requests)) = (ticks, requests) else {
        anyhow::bail!("the 9pfs domain did not report its ticks:\n{}", out.output)
    };
    ensure!(requests > 0 && ticks > 0, "the 9pfs domain reported {ticks} ticks for {requests} requests");
    out_figures.insert("ninep_server_insns_per_request".into(), (ticks as f64 / requests as f64).round());
    Ok(out_figures)
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
    fn each_figure_is_the_median_of_the_runs() {
        let run = |v: f64| BTreeMap::from([("a".to_string(), v), ("b".to_string(), 10.0 * v)]);
        let m = median_of(&[run(3.0), run(1.0), run(2.0)], "t").unwrap();
        assert_eq!((m["a"], m["b"]), (2.0, 20.0));
        let mut short = run(1.0);
        short.remove("b");
        assert!(median_of(&[run(3.0), short, run(2.0)], "t").is_err());
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
