// SPDX-License-Identifier: MIT
//! The display domain's figures (`boards/test/display-bench.toml`, under
//! `-icount shift=0,sleep=off`: one counter tick per instruction, of every
//! vCPU and the kernel):
//!
//! - `display_flip_latency_insns`: from just before the cluster sends a
//!   PG_FLIP of its whole 1280x720 XRGB8888 framebuffer to the arrival of
//!   its flip-done (the display domain copies the frame into its shadow,
//!   composes, transfers and flushes it to the virtio-gpu, then answers);
//!   `display_flip_latency_dirty64_insns` the same for a 64x64 dirty
//!   rectangle; medians of 9, counted by the cluster (`bench.rs`);
//! - `display_compose_ratio_vs_memcpy`: bytes composed per instruction
//!   over `copy_from_slice`'s bytes per instruction, on the same 1280x720
//!   buffers in the display domain (an opaque XRGB8888 surface: the goal
//!   is >= 0.8); `display_compose_alpha_ratio_vs_memcpy` the same for an
//!   ARGB8888 surface blended over the background (information);
//! - `display_restart_to_cluster_frame_insns`: from the display domain's
//!   crash (its test `crash=40`, the counter read just before its panic)
//!   to the cluster's first flip-done in the restarted domain's epoch: the
//!   kernel's stop and restart of the domain (its image copied again, its
//!   RAM cleared), the domain's start (the GPU initialised again, its
//!   scanouts set up), the cluster's reconnection and configuration.

use super::{checks, parse_bench};
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// The benchmark board.
const BOARD: &str = "boards/test/display-bench.toml";

/// Every figure of this part.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| log.contains("[cluster] BENCH display_back_at=");
    let out = qemu::run_until(cmd, Duration::from_secs(300), done)?;
    ensure!(done(&out.output), "the display benchmark did not finish:\n{}", out.output);
    let display = parse_bench(&out.output, "[display] ")?;
    let cluster = parse_bench(&out.output, "[cluster] ")?;
    checks::icount_proof(&display, "display domain")?;
    checks::icount_proof(&cluster, "display cluster")?;
    figures(&display, &cluster)
}

/// The figures from the two domains' reports (pure; host-tested).
pub fn figures(display: &BTreeMap<String, u64>, cluster: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |m: &BTreeMap<String, u64>, key: &str| {
        m.get(key).map(|&v| v as f64).with_context(|| format!("the display benchmark did not report {key}"))
    };
    ensure!(
        get(cluster, "display_flip_width")? == 1280.0 && get(cluster, "display_flip_height")? == 720.0,
        "the flips were not of a 1280x720 framebuffer"
    );
    let memcpy = get(display, "display_memcpy_insns")?;
    let mut out = BTreeMap::new();
    out.insert("display_flip_latency_insns".into(), get(cluster, "display_flip_full_insns")?);
    out.insert("display_flip_latency_dirty64_insns".into(), get(cluster, "display_flip_dirty64_insns")?);
    out.insert("display_compose_opaque_insns".into(), get(display, "display_compose_opaque_insns")?);
    out.insert("display_compose_alpha_insns".into(), get(display, "display_compose_alpha_insns")?);
    out.insert("display_memcpy_insns".into(), memcpy);
    // Bytes per instruction, composed over copied: memcpy's count over ours.
    let opaque = checks::ratio(memcpy, get(display, "display_compose_opaque_insns")?, "compose over memcpy")?;
    out.insert("display_compose_ratio_vs_memcpy".into(), opaque);
    let alpha = checks::ratio(memcpy, get(display, "display_compose_alpha_insns")?, "alpha compose over memcpy")?;
    out.insert("display_compose_alpha_ratio_vs_memcpy".into(), alpha);
    let crash = get(display, "display_crash_at")?;
    let back = get(cluster, "display_back_at")?;
    ensure!(back > crash, "the cluster's picture came back at {back}, before the crash at {crash}");
    out.insert("display_restart_to_cluster_frame_insns".into(), back - crash);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports() -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let display = BTreeMap::from([
            ("display_memcpy_insns".to_string(), 300),
            ("display_compose_opaque_insns".into(), 360),
            ("display_compose_alpha_insns".into(), 3000),
            ("display_crash_at".into(), 1000),
        ]);
        let cluster = BTreeMap::from([
            ("display_flip_full_insns".to_string(), 50),
            ("display_flip_dirty64_insns".into(), 5),
            ("display_flip_width".into(), 1280),
            ("display_flip_height".into(), 720),
            ("display_back_at".into(), 4000),
        ]);
        (display, cluster)
    }

    #[test]
    fn ratios_put_memcpy_over_ours_and_the_restart_is_a_difference() {
        let (d, c) = reports();
        let f = figures(&d, &c).unwrap();
        assert_eq!(f["display_compose_ratio_vs_memcpy"], 0.833);
        assert_eq!(f["display_compose_alpha_ratio_vs_memcpy"], 0.1);
        assert_eq!(f["display_restart_to_cluster_frame_insns"], 3000.0);
        assert_eq!(f["display_flip_latency_insns"], 50.0);
    }

    #[test]
    fn a_missing_figure_or_a_picture_back_before_the_crash_is_an_error() {
        let (mut d, c) = reports();
        d.insert("display_crash_at".into(), 5000);
        assert!(figures(&d, &c).unwrap_err().to_string().contains("before the crash"));
        let (mut d, c) = reports();
        d.remove("display_memcpy_insns");
        assert!(figures(&d, &c).is_err());
        let (d, mut c) = reports();
        c.insert("display_flip_width".into(), 64);
        assert!(figures(&d, &c).is_err());
    }
}
