// SPDX-License-Identifier: MIT
//! The sound domain's figures (`boards/test/sound-bench.toml`, under
//! `-icount shift=0,sleep=off`: one counter tick per instruction, of every
//! vCPU and the kernel):
//!
//! - `sound_mix_ratio_vs_memcpy`: frames mixed per instruction over
//!   frames copied per instruction, for one 10 ms period of four S16LE
//!   stereo streams at 48 kHz: `copy_from_slice`'s instructions for the
//!   four streams' bytes over `Backend::mix`'s for the same period, both
//!   in the sound domain (`domains/sound/src/bench.rs`);
//! - `sound_max_streams`: how many such streams one pCPU can mix in real
//!   time, counted as a virtual-time budget: a period lasts
//!   `sound_period_ticks` ticks (10 ms at CNTFRQ), one instruction each;
//!   mixing costs a fixed part plus a part per stream (from the one- and
//!   eight-stream mixes); the streams that fit are
//!   `(budget - fixed) / per_stream`. The device's own work and the
//!   sessions' are not in it: it is the mixer's ceiling;
//! - `sound_period_latency_insns`: from just before a client WRITEs one
//!   period (at a random phase of the device's period, its previous
//!   period played out) to the sound domain's submission of the period
//!   that carries it to the device: the request, the copy into the
//!   stream's FIFO, the wait for the device to finish a period (at most
//!   one period: 10,000,000 ticks), the mix. Median (and max) of 21
//!   samples, counted across two domains on the one global counter;
//! - `sound_restart_silence_insns`: how long the cluster's chime is
//!   silent when the sound domain crashes (`boards/test/sound-restart.toml`
//!   run under the same `-icount` options, its `crash=300`): from the
//!   counter read just before the panic to the first period that carries
//!   the cluster again in the restarted domain (the kernel's stop and
//!   restart, the device's reset and the 100 ms drain of what QEMU kept,
//!   the clients' reconnection and re-opening, the first mix).

use super::{checks, parse_bench};
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

/// The benchmark board.
const BOARD: &str = "boards/test/sound-bench.toml";
/// The restart board, run under `-icount` here.
const RESTART_BOARD: &str = "boards/test/sound-restart.toml";
const CRASH: &str = "[sound] sound: crash at counter ";
const HEARD: &str = "[sound] sound: client 0 heard at counter ";
const RESTARTED: &str = "domain sound restarted";

/// Every figure of this part.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    let built = super::super::build::build(BOARD, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let done = |log: &str| {
        log.find("[cluster] BENCH sound_latency_samples=").is_some_and(|at| {
            let samples: Option<u64> =
                log[at..].split('=').nth(1).and_then(|v| v.lines().next()).and_then(|v| v.trim().parse().ok());
            samples.is_some_and(|n| log.contains(&format!("[sound] BENCH sound_submit_at_{n}=")))
        })
    };
    let out = qemu::run_until(cmd, Duration::from_secs(300), done)?;
    ensure!(done(&out.output), "the sound benchmark did not finish:\n{}", out.output);
    let sound = parse_bench(&out.output, "[sound] ")?;
    let client = parse_bench(&out.output, "[cluster] ")?;
    checks::icount_proof(&sound, "sound domain")?;
    let mut out = figures(&sound, &client)?;
    out.insert("sound_restart_silence_insns".into(), restart_silence()?);
    Ok(out)
}

/// Runs the restart board under `-icount shift=0,sleep=off` (its device
/// on QEMU's `none` audiodev) and measures the chime's silence.
fn restart_silence() -> Result<f64> {
    let built = super::super::build::build(RESTART_BOARD, Some(LogFormat::Text))?;
    let icount = Overrides { extra: vec!["-icount".into(), "shift=0,sleep=off".into()], ..Overrides::default() };
    let cmd = qemu::command(&built.board, &built.image, true, &icount)?;
    let done = |log: &str| log.find(RESTARTED).is_some_and(|at| log[at..].contains(HEARD));
    let out = qemu::run_until(cmd, Duration::from_secs(300), done)?;
    ensure!(done(&out.output), "the sound restart did not finish:\n{}", out.output);
    silence_in(&out.output)
}

/// The crash's counter to the first period carrying the cluster after
/// the restart, from the console (pure; host-tested).
fn silence_in(log: &str) -> Result<f64> {
    let counter = |from: usize, prefix: &str| -> Option<u64> {
        log.get(from..)?.lines().find_map(|l| l.strip_prefix(prefix))?.split_whitespace().next()?.parse().ok()
    };
    let crash = counter(0, CRASH).context("the sound domain did not report its crash")?;
    let restarted = log.find(RESTARTED).context("the sound domain was not restarted")?;
    let heard = counter(restarted, HEARD).context("the cluster was not heard after the restart")?;
    ensure!(heard > crash, "the cluster was heard again at {heard}, before the crash at {crash}");
    Ok((heard - crash) as f64)
}

/// The figures from the two domains' reports (pure; host-tested).
pub fn figures(sound: &BTreeMap<String, u64>, client: &BTreeMap<String, u64>) -> Result<BTreeMap<String, f64>> {
    let get = |m: &BTreeMap<String, u64>, key: &str| {
        m.get(key).map(|&v| v as f64).with_context(|| format!("the sound benchmark did not report {key}"))
    };
    let mut out = BTreeMap::new();
    let (one, four, eight) =
        (get(sound, "sound_mix_1x_insns")?, get(sound, "sound_mix_4x_insns")?, get(sound, "sound_mix_8x_insns")?);
    let memcpy = get(sound, "sound_memcpy_4x_insns")?;
    out.insert("sound_mix_4x_insns".into(), four);
    out.insert("sound_memcpy_4x_insns".into(), memcpy);
    out.insert("sound_mix_ratio_vs_memcpy".into(), checks::ratio(memcpy, four, "mix over memcpy")?);
    ensure!(one < four && four < eight, "mixing more streams cost less: 1: {one}, 4: {four}, 8: {eight}");
    let per_stream = (eight - one) / 7.0;
    let fixed = one - per_stream;
    let budget = get(sound, "sound_period_ticks")?;
    ensure!(fixed < budget, "one period's fixed mixing cost {fixed} exceeds the period's {budget} ticks");
    out.insert("sound_mix_per_stream_insns".into(), per_stream.round());
    out.insert("sound_max_streams".into(), ((budget - fixed) / per_stream).floor());
    let samples = get(client, "sound_latency_samples")? as u64;
    ensure!(samples >= 5, "only {samples} latency samples");
    let mut latencies = Vec::new();
    for k in 1..=samples {
        let wrote = get(client, &format!("sound_write_at_{k}"))?;
        let submitted = get(sound, &format!("sound_submit_at_{k}"))?;
        ensure!(submitted > wrote, "period {k} went to the device ({submitted}) before it was written ({wrote})");
        ensure!(
            submitted - wrote <= 2.0 * budget,
            "period {k} waited {} ticks, more than two periods: a write and a submission do not pair up",
            submitted - wrote
        );
        latencies.push(submitted - wrote);
    }
    latencies.sort_by(f64::total_cmp);
    out.insert("sound_period_latency_insns".into(), latencies[latencies.len() / 2]);
    out.insert("sound_period_latency_max_insns".into(), latencies[latencies.len() - 1]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports() -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let mut sound = BTreeMap::from([
            ("sound_mix_1x_insns".to_string(), 3_000),
            ("sound_mix_4x_insns".into(), 6_000),
            ("sound_mix_8x_insns".into(), 10_000),
            ("sound_memcpy_4x_insns".into(), 600),
            ("sound_period_ticks".into(), 100_000),
        ]);
        let mut client = BTreeMap::from([("sound_latency_samples".to_string(), 5)]);
        for (k, wait) in [(1u64, 10u64), (2, 50_000), (3, 30), (4, 99_000), (5, 40)] {
            client.insert(format!("sound_write_at_{k}"), k * 1_000_000);
            sound.insert(format!("sound_submit_at_{k}"), k * 1_000_000 + wait);
        }
        (sound, client)
    }

    #[test]
    fn the_ratio_the_stream_budget_and_the_paired_latency() {
        let (s, c) = reports();
        let f = figures(&s, &c).unwrap();
        assert_eq!(f["sound_mix_ratio_vs_memcpy"], 0.1);
        assert_eq!(f["sound_mix_per_stream_insns"], 1000.0);
        // fixed 2,000; (100,000 - 2,000) / 1,000.
        assert_eq!(f["sound_max_streams"], 98.0);
        assert_eq!(f["sound_period_latency_insns"], 40.0);
        assert_eq!(f["sound_period_latency_max_insns"], 99_000.0);
    }

    #[test]
    fn the_silence_runs_from_the_crash_to_the_first_period_after_the_restart() {
        let log = "[sound] sound: client 0 heard at counter 100 (period 8)\n[sound] sound: crash at counter 5000\n\
                   domain sound restarted (1 restarts)\n[sound] sound: client 0 heard at counter 9000 (period 8)\n";
        assert_eq!(silence_in(log).unwrap(), 4000.0);
        assert!(silence_in(&log.replace("domain sound restarted", "domain sound halted")).is_err());
        assert!(silence_in(&log.replace("9000", "4000")).unwrap_err().to_string().contains("before the crash"));
    }

    #[test]
    fn unpaired_or_backwards_samples_and_missing_figures_are_errors() {
        let (mut s, c) = reports();
        s.insert("sound_submit_at_3".into(), 2_999_999);
        assert!(figures(&s, &c).unwrap_err().to_string().contains("before it was written"));
        let (mut s, c) = reports();
        s.insert("sound_submit_at_2".into(), 2_000_000 + 250_000);
        assert!(figures(&s, &c).unwrap_err().to_string().contains("do not pair up"));
        let (mut s, c) = reports();
        s.remove("sound_submit_at_5");
        assert!(figures(&s, &c).is_err());
        let (mut s, c) = reports();
        s.insert("sound_mix_8x_insns".into(), 5_000);
        assert!(figures(&s, &c).unwrap_err().to_string().contains("cost less"));
    }
}
