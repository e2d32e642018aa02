// SPDX-License-Identifier: MIT
//! The ring benchmark as domains run it, in instructions
//! (`domains/test/ringbench` on `boards/test/ringbench.toml`; `cargo xtask
//! bench --ring-only` runs this part alone).
//!
//! Method. QEMU runs with `-icount shift=0,sleep=off` and the `bench`
//! kernel, so a domain may count its instructions with the PMU (event 0x08,
//! INST_RETIRED, filtered to EL1 as the `bench` guest does). The code
//! measured is the aarch64 code the domains ship (release profile: opt
//! level "s", LTO, one codegen unit), and the count is exact and repeats
//! run to run; the run passes the icount proof ([`checks::icount_proof`]).
//!
//! - Messages: the domain's vCPU 0 produces and its vCPU 1 consumes, on two
//!   pCPUs, 10,000 64-byte postcard frames of the host benchmark's
//!   `Request` shape, in batches of 250 handed over by a flag (no push
//!   finds the ring full, no pop finds it empty). Ours: `Producer::send`
//!   (encode, push) and `Consumer::receive` (pop, validate, decode), then a
//!   check of the id, over the real `SharedWindow` (volatile accesses) in
//!   the domain's own RAM. The peer: `rtrb` (no `std`, on the domain's
//!   heap) carrying the same frames in `[u8; 64]` slots (encode, push; pop,
//!   decode, check). Each vCPU counts its own EL1 instructions around its
//!   batch loops, minus one empty counter read pair per batch; the waiting
//!   between batches (in `wfe`, which yields the other vCPU the host
//!   thread) is not counted. `ring_msgs_insns_per_msg` is both sides'
//!   sum over the messages; `ring_msgs_ratio_vs_rtrb` is rtrb's
//!   instructions over ours (higher is better for us).
//! - Bulk: one 64 KiB copy into a data area (`DataArea::put` through the
//!   real `SharedWindow`, i.e. the 16-byte volatile loop of
//!   `bulkhead-ring-hal`) against `copy_from_slice` into plain memory (the
//!   domain's own `memcpy`, from `compiler_builtins`), page-aligned
//!   buffers, the median of five copies each minus an empty read pair;
//!   both copies are read back and compared. `ring_bulk_ratio_vs_memcpy`
//!   is memcpy's instructions over ours.
//!
//! Instructions are not time: a 16-byte load or store and a 1-byte one
//! count the same, and so does a store that misses the cache. The host's
//! wall-clock figures of the same comparisons (`host`, keys `*_host`)
//! are kept beside these for that reason, as information only.

use super::checks::{self, ratio, round};
use super::parse_bench;
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// The board: `ringbench` on pCPUs 1 and 2.
pub const BOARD: &str = "boards/test/ringbench.toml";

/// What the guest must report (besides the icount proof).
const GUEST: [&str; 7] = [
    "ring_msgs_messages",
    "ring_msgs_send_insns",
    "ring_msgs_receive_insns",
    "ring_msgs_rtrb_send_insns",
    "ring_msgs_rtrb_receive_insns",
    "ring_bulk_insns",
    "ring_bulk_memcpy_insns",
];

/// The figures from the guest's reports (pure; host-tested).
pub fn figures(guest: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |key: &str| {
        guest.get(key).map(|&v| v as f64).with_context(|| format!("the ring benchmark did not report {key}"))
    };
    let messages = get("ring_msgs_messages")?;
    ensure!(messages > 0.0, "the ring benchmark sent no messages");
    let mut out = BTreeMap::new();
    let per_msg = |key: &str| Ok::<_, anyhow::Error>(round(get(key)? / messages, 2));
    out.insert("ring_msgs_send_insns_per_msg".to_string(), per_msg("ring_msgs_send_insns")?);
    out.insert("ring_msgs_receive_insns_per_msg".into(), per_msg("ring_msgs_receive_insns")?);
    out.insert("ring_msgs_rtrb_send_insns_per_msg".into(), per_msg("ring_msgs_rtrb_send_insns")?);
    out.insert("ring_msgs_rtrb_receive_insns_per_msg".into(), per_msg("ring_msgs_rtrb_receive_insns")?);
    let ours = get("ring_msgs_send_insns")? + get("ring_msgs_receive_insns")?;
    let theirs = get("ring_msgs_rtrb_send_insns")? + get("ring_msgs_rtrb_receive_insns")?;
    ensure!(ours > 0.0 && theirs > 0.0, "a message figure of the ring benchmark is zero");
    out.insert("ring_msgs_insns_per_msg".into(), round(ours / messages, 2));
    out.insert("ring_msgs_rtrb_insns_per_msg".into(), round(theirs / messages, 2));
    out.insert("ring_msgs_ratio_vs_rtrb".into(), ratio(theirs, ours, "rtrb over our ring")?);
    let (bulk, memcpy) = (get("ring_bulk_insns")?, get("ring_bulk_memcpy_insns")?);
    ensure!(bulk > 0.0 && memcpy > 0.0, "a bulk figure of the ring benchmark is zero");
    out.insert("ring_bulk_insns".into(), bulk);
    out.insert("ring_bulk_memcpy_insns".into(), memcpy);
    out.insert("ring_bulk_ratio_vs_memcpy".into(), ratio(memcpy, bulk, "memcpy over our copy")?);
    Ok(out)
}

/// Runs the guest; returns its figures.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    println!("== ring benchmark as domains run it ({BOARD})");
    let built =
        super::super::build::build_with(BOARD, Some(LogFormat::Text), super::super::build::Instrumented::Bench)?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| log.contains("[ringbench] BENCH done");
    let out = qemu::run_until(cmd, Duration::from_secs(300), done)?;
    ensure!(done(&out.output), "the ring benchmark did not finish:\n{}", out.output);
    let guest = parse_bench(&out.output, "[ringbench] ")?;
    checks::icount_proof(&guest, "ring")?;
    for key in GUEST {
        ensure!(guest.contains_key(key), "the ring benchmark did not report {key}:\n{}", out.output);
    }
    figures(&guest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest() -> BTreeMap<String, u64> {
        [
            ("ring_msgs_messages", 10_000),
            ("ring_msgs_send_insns", 2_000_000),
            ("ring_msgs_receive_insns", 1_500_000),
            ("ring_msgs_rtrb_send_insns", 1_600_000),
            ("ring_msgs_rtrb_receive_insns", 1_200_000),
            ("ring_bulk_insns", 20_500),
            ("ring_bulk_memcpy_insns", 24_600),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn ratios_put_the_peer_over_ours() {
        let f = figures(&guest()).unwrap();
        assert_eq!(f["ring_msgs_insns_per_msg"], 350.0);
        assert_eq!(f["ring_msgs_rtrb_insns_per_msg"], 280.0);
        assert_eq!(f["ring_msgs_send_insns_per_msg"], 200.0);
        assert_eq!(f["ring_msgs_ratio_vs_rtrb"], 0.8);
        assert_eq!(f["ring_bulk_ratio_vs_memcpy"], 1.2);
        assert!(checks::plausible(&f).is_ok());
    }

    #[test]
    fn a_missing_or_zero_figure_is_an_error() {
        let mut g = guest();
        g.remove("ring_bulk_insns");
        assert_eq!(figures(&g).unwrap_err().to_string(), "the ring benchmark did not report ring_bulk_insns");
        let mut g = guest();
        g.insert("ring_bulk_insns".into(), 0);
        assert!(figures(&g).is_err());
    }
}
