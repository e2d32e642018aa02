// SPDX-License-Identifier: MIT
//! The benchmark's closed-fail checks, pure and host-tested:
//!
//! - [`icount_proof`]: the known loop (`domain_benchkit`) counted exactly
//!   its instructions, so one counter tick is one instruction in that run;
//! - [`ratio`]: one figure over another, refused unless both are positive
//!   and finite (every `*_ratio_*` figure is made with it), and [`round`];
//! - [`plausible`]: every figure is finite and inside the range stated for
//!   its name in [`BOUNDS`]. A figure with no stated range is an error, so
//!   a new metric cannot slip in unchecked; a zero passes only where the
//!   range starts at zero (counts whose goal is zero, such as the EL2
//!   entries of a directly delivered interrupt).
//!
//! Nothing here runs QEMU or reads files.

use anyhow::{Result, bail, ensure};
use std::collections::BTreeMap;

/// Rounds `x` to `places` decimals.
pub fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

/// `ours / theirs` to three decimals; both must be positive and finite,
/// else an error naming `what`.
pub fn ratio(ours: f64, theirs: f64, what: &str) -> Result<f64> {
    ensure!(
        ours.is_finite() && theirs.is_finite() && ours > 0.0 && theirs > 0.0,
        "{what}: cannot divide {ours} by {theirs}"
    );
    Ok(round(ours / theirs, 3))
}

/// The loop lengths of `domain_benchkit` (iterations), and the
/// instructions per iteration (`subs`, `b.ne`).
const LOOP_SHORT: u64 = 1_000;
const LOOP_LONG: u64 = 3_000;
const INSNS_PER_ITERATION: u64 = 2;

/// Checks one run's icount proof: `icount_loop_ticks_long` minus
/// `icount_loop_ticks_short` must be exactly the instructions the long
/// loop runs more. `run` names the run in the error.
pub fn icount_proof(metrics: &BTreeMap<String, u64>, run: &str) -> Result<()> {
    let get =
        |key: &str| metrics.get(key).copied().ok_or_else(|| anyhow::anyhow!("the {run} run did not report {key}"));
    let (short, long) = (get("icount_loop_ticks_short")?, get("icount_loop_ticks_long")?);
    let want = (LOOP_LONG - LOOP_SHORT) * INSNS_PER_ITERATION;
    let Some(got) = long.checked_sub(short) else {
        bail!("the {run} run's known loop counted fewer ticks for the long loop ({long}) than the short one ({short})");
    };
    ensure!(
        got == want,
        "-icount is not in force in the {run} run: the known loop's extra {want} instructions advanced the counter by {got} ticks"
    );
    Ok(())
}

/// Plausible ranges, inclusive, by metric name; `*` matches any text.
/// The first matching pattern applies.
pub const BOUNDS: &[(&str, f64, f64)] = &[
    // Counts whose goal is zero.
    ("idle_el2_entries", 0.0, 1_000.0),
    ("irq_direct_el2_entries", 0.0, 100.0),
    ("irq_*_el2_entries", 0.0, 100.0),
    ("linux_boot_el2_entries_*", 0.0, 1e9),
    // Proof flags.
    ("icount_verified", 1.0, 1.0),
    // EL2 work per operation.
    ("*_el2_insns", 5.0, 100_000.0),
    ("hvc_null_roundtrip_insns", 5.0, 100_000.0),
    ("hypercall_roundtrip_insns*", 5.0, 1_000_000.0),
    ("hypercall_roundtrip_ratio_vs_xen", 0.001, 100.0),
    ("ipc_pingpong_roundtrip_insns", 20.0, 10_000_000.0),
    ("idle_trapped_wfi_el2_entries", 1.0, 1e9),
    // Sizes.
    ("kernel_sloc", 1_000.0, 100_000.0),
    ("kernel_text_bytes", 10_000.0, 1e8),
    ("image_bytes", 10_000.0, 1e9),
    // Latencies in instructions.
    ("irq_*_ratio_*", 0.01, 10_000.0),
    ("irq_*", 1.0, 1e8),
    ("input_burst_events", 1.0, 1e6),
    ("display_*_ratio_vs_memcpy", 0.01, 100.0),
    ("display_*", 1_000.0, 1e11),
    // The sound domain (`sound`): a period is 10,000,000 ticks.
    ("sound_mix_ratio_vs_memcpy", 0.0001, 10.0),
    ("sound_max_streams", 1.0, 100_000.0),
    ("sound_period_latency_*", 1_000.0, 20_000_000.0),
    ("sound_restart_silence_insns", 1e6, 1e10),
    ("sound_*_insns", 100.0, 1e9),
    // The 9pfs domain (`ninep`): bytes per thousand instructions end to
    // end cannot beat a native copy (a ratio under 1), nor be slower
    // than a byte per million instructions.
    ("ninep_*_ratio_vs_memcpy", 1.0, 100_000.0),
    ("ninep_memcpy_bytes_per_kinsn", 100.0, 100_000.0),
    ("ninep_*_bytes_per_kinsn", 0.001, 100_000.0),
    ("ninep_op_latency_insns", 1_000.0, 1e9),
    ("ninep_server_insns_per_request", 100.0, 1e9),
    // The ioreq path: a device model's round trip, and over the kernel's
    // own emulation.
    ("ioreq_roundtrip_insns", 100.0, 1e8),
    ("ioreq_ratio_vs_kernel_emulated", 1.0, 10_000.0),
    // The network domain (`net`): TCP through it against memcpy, connect
    // latency, its own instructions per KiB moved.
    ("net_tcp_ratio_vs_memcpy", 1.0, 100_000.0),
    ("net_memcpy_bytes_per_kinsn", 100.0, 100_000.0),
    ("net_tcp_bytes_per_kinsn", 0.001, 100_000.0),
    ("net_connect_latency_insns", 1_000.0, 1e10),
    ("net_server_insns_per_kib", 100.0, 1e9),
    ("input_event_latency_*", 10.0, 1e9),
    // The virtio-input path (`virtio_input`): an event through the input
    // domain, the device model and Linux's driver, input core, evdev and a
    // read(): at least several trapped accesses (ioreq round trips), at
    // most a virtual second.
    ("virtio_input_event_latency_*", 5_000.0, 1e9),
    ("input_events_per_s", 1.0, 1e10),
    // Linux boots.
    ("linux_boot_el2_entries", 1.0, 1e9),
    ("linux_boot_*ratio*", 0.2, 5.0),
    ("linux_boot_seeds", 1.0, 1_000.0),
    ("linux_boot_wall_s*", 0.05, 3_600.0),
    ("linux_boot_kernel_insns", 1_000.0, 1e11),
    ("linux_boot_insns*", 1e7, 1e12),
    // The ring in instructions (`ring`): a 64-byte message costs at least
    // its encoding and its copies; a 64 KiB copy takes at least 4,096
    // instructions (a load and a store of 32 bytes at most each).
    ("ring_msgs_*insns_per_msg", 20.0, 100_000.0),
    ("ring_msgs_ratio_vs_rtrb", 0.05, 20.0),
    ("ring_bulk_*insns", 4_096.0, 10_000_000.0),
    ("ring_bulk_ratio_vs_memcpy", 0.05, 20.0),
    // The ring on the host's wall clock (`host`, information only).
    ("ring_*ratio*_host*", 0.01, 100.0),
    ("ring_*_host", 1e-3, 1e10),
];

/// Whether `pattern` (with `*` wildcards) matches all of `name`.
fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else { return rest.is_empty() };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The range stated for `name`, if any.
pub fn bounds(name: &str) -> Option<(f64, f64)> {
    BOUNDS.iter().find(|(pattern, _, _)| matches(pattern, name)).map(|&(_, lo, hi)| (lo, hi))
}

/// Checks every figure; the error lists every figure out of its range.
pub fn plausible(results: &BTreeMap<String, f64>) -> Result<()> {
    let mut bad = Vec::new();
    for (name, &value) in results {
        match bounds(name) {
            None => bad.push(format!("{name} = {value}: no plausible range is stated for it (checks::BOUNDS)")),
            Some((lo, hi)) if !value.is_finite() || value < lo || value > hi => {
                bad.push(format!("{name} = {value}: outside its plausible range {lo} ..= {hi}"))
            }
            Some(_) => {}
        }
    }
    ensure!(bad.is_empty(), "implausible benchmark figures:\n  {}", bad.join("\n  "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof(short: u64, long: u64) -> BTreeMap<String, u64> {
        BTreeMap::from([("icount_loop_ticks_short".into(), short), ("icount_loop_ticks_long".into(), long)])
    }

    #[test]
    fn the_icount_proof_accepts_exactly_the_loops_instructions() {
        assert!(icount_proof(&proof(2_003, 6_003), "native").is_ok());
    }

    #[test]
    fn the_icount_proof_refuses_a_counter_that_follows_host_time() {
        let err = icount_proof(&proof(2_003, 6_004), "inject").unwrap_err().to_string();
        assert_eq!(
            err,
            "-icount is not in force in the inject run: the known loop's extra 4000 instructions advanced the counter by 4001 ticks"
        );
        let err = icount_proof(&proof(6_003, 2_003), "inject").unwrap_err().to_string();
        assert!(err.starts_with("the inject run's known loop counted fewer ticks"), "{err}");
        let err = icount_proof(&BTreeMap::new(), "direct").unwrap_err().to_string();
        assert_eq!(err, "the direct run did not report icount_loop_ticks_short");
    }

    #[test]
    fn wildcards_match_whole_names_only() {
        assert!(matches("irq_*_el2_entries", "irq_direct_el2_entries"));
        assert!(matches("ring_*ratio*", "ring_msgs_ratio_vs_rtrb"));
        assert!(matches("kernel_sloc", "kernel_sloc"));
        assert!(!matches("kernel_sloc", "kernel_sloc_x"));
        assert!(!matches("*_el2_insns", "irq_el2_insns_x"));
        assert!(matches("a*a", "aa"));
        assert!(!matches("ab*ba", "aba"));
    }

    #[test]
    fn zeros_pass_only_where_the_goal_is_zero() {
        let ok = BTreeMap::from([("irq_direct_el2_entries".to_string(), 0.0), ("idle_el2_entries".into(), 0.0)]);
        assert!(plausible(&ok).is_ok());
        let zero = BTreeMap::from([("hvc_null_roundtrip_el2_insns".to_string(), 0.0)]);
        assert_eq!(
            plausible(&zero).unwrap_err().to_string(),
            "implausible benchmark figures:\n  hvc_null_roundtrip_el2_insns = 0: outside its plausible range 5 ..= 100000"
        );
    }

    #[test]
    fn an_unknown_figure_and_a_wrapped_difference_are_errors() {
        let results =
            BTreeMap::from([("made_up".to_string(), 3.0), ("ipc_notify_send_el2_insns".into(), 1.8446744073709552e19)]);
        let err = plausible(&results).unwrap_err().to_string();
        assert!(err.contains("ipc_notify_send_el2_insns = 18446744073709552000: outside"), "{err}");
        assert!(err.contains("made_up = 3: no plausible range"), "{err}");
    }

    #[test]
    fn a_ratio_of_nothing_is_an_error() {
        assert_eq!(ratio(104.0, 416.0, "x").unwrap(), 0.25);
        assert_eq!(ratio(1.2e9, 1.0e9, "x").unwrap(), 1.2);
        for (a, b) in [(1.0, 0.0), (0.0, 1.0), (-1.0, 2.0), (f64::NAN, 1.0), (1.0, f64::INFINITY)] {
            assert!(ratio(a, b, "x").unwrap_err().to_string().starts_with("x: cannot divide"), "{a} / {b}");
        }
        assert_eq!(round(1868.4512, 2), 1868.45);
    }

    #[test]
    fn every_figure_of_a_real_run_has_a_range() {
        for name in [
            "hvc_heartbeat_roundtrip_el2_insns",
            "irq_latency_inject_mean_wfi",
            "irq_latency_direct_ratio_vs_native_wfi",
            "irq_timer_busy_xen_p99",
            "irq_spi_busy_inject_mean",
            "irq_spi_inject_ratio_vs_xen",
            "hypercall_roundtrip_ratio_vs_xen",
            "irq_inject_ratio_vs_xen",
            "irq_direct_ratio_vs_native",
            "ring_msgs_send_insns_per_msg",
            "ring_msgs_ratio_vs_rtrb_host_lo",
            "linux_boot_linux_ratio_vs_native_paired_hi",
            "linux_boot_seeds",
            "icount_verified",
            "linux_boot_insns_native_max",
            "linux_boot_wall_ratio_vs_native",
            "linux_boot_ratio_vs_xen_paired",
            "linux_boot_ratio_vs_xen_paired_lo",
            "linux_boot_xen_ratio_vs_native_paired_hi",
            "linux_boot_insns_xen",
            "linux_boot_wall_s_xen",
            "ring_bulk_memcpy_gbps_host",
            "ring_msgs_ratio_vs_rtrb_host_lo",
            "ring_msgs_rtrb_insns_per_msg",
            "ring_msgs_receive_insns_per_msg",
            "ring_bulk_memcpy_insns",
            "ring_bulk_ratio_vs_memcpy",
            "display_flip_latency_insns",
            "display_flip_latency_dirty64_insns",
            "display_compose_ratio_vs_memcpy",
            "display_compose_alpha_ratio_vs_memcpy",
            "display_compose_opaque_insns",
            "display_memcpy_insns",
            "display_restart_to_cluster_frame_insns",
            "sound_mix_ratio_vs_memcpy",
            "sound_max_streams",
            "sound_period_latency_insns",
            "sound_period_latency_max_insns",
            "sound_mix_4x_insns",
            "sound_memcpy_4x_insns",
            "sound_mix_per_stream_insns",
            "sound_restart_silence_insns",
            "virtio_input_event_latency_insns",
            "virtio_input_event_latency_from_irq_entry_insns",
        ] {
            assert!(bounds(name).is_some(), "{name}");
        }
        assert!(bounds("ring_bulk_gbps").is_none(), "the old wall-clock keys are gone");
    }
}
