// SPDX-License-Identifier: MIT
//! The virtio-input path's figure (`boards/test/virtio-input-bench.toml`,
//! under `-icount shift=0,sleep=off`: one counter tick per instruction, of
//! every vCPU and the kernel, on the one global counter, which Bulkhead
//! leaves unoffset (CNTVOFF_EL2 = 0), so the input domain's counter and
//! Linux userspace's CNTVCT_EL0 are the same clock):
//!
//! an unmodified Debian Linux reads a virtio-mmio keyboard that the device
//! model `dm` (`domains/devmodel`) emulates as a client of the input domain,
//! which owns QEMU's physical virtio keyboard. [`SAMPLES`] taps of `A`, one
//! at a time through QMP (the next only once Linux has printed the
//! previous one's press and release); each sample runs
//!
//! - from the counter at the input domain's IRQ entry for the keyboard
//!   interrupt that carried the press (its benchmark mode, `bench=1`,
//!   records it and prints `BENCH input_irq_at_<k>` when `C` is pressed,
//!   after the measurements),
//! - to the counter that `/bin/bulkhead-evstamp` (`guest::evstamp`) reads
//!   in Linux userspace right after its `read()` of the keyboard's
//!   `/dev/input/eventN` returned that press,
//!
//! and so includes the input domain's handling and its ring to the device
//! model, the device model's doorbell and wake-up, its copy of the event
//! into Linux's event queue and its DMOP interrupt injection, the kernel's
//! injection into Linux, Linux's interrupt handling (the virtio-mmio
//! interrupt status read and acknowledgement and the queue kick are trapped
//! accesses, each an ioreq round trip to the device model), virtio_input,
//! the input core and evdev, the wake-up of the reader and the return of
//! its `read()` system call.
//!
//! - `virtio_input_event_latency_from_irq_entry_insns`: the median of
//!   those samples (11: the middle one);
//! - `virtio_input_event_latency_insns`: that plus the guest interrupt
//!   latency (trap and inject, mean, measured in the same `bench` run by
//!   `domains/test/irqbench`: `irq_latency_inject_mean_wfi`), which is
//!   what precedes the input domain's IRQ entry after the physical device
//!   raised its interrupt: so from the physical device's interrupt to
//!   Linux's evdev read, as `input_event_latency_insns` is for a
//!   bare-metal client (`input`).
//!
//! The sorted samples are printed too. Unlike a single-domain figure they
//! vary from run to run (three runs: medians 84,071 to 88,706, samples
//! 65,345 to 154,343): QMP delivers each tap at a virtual time the host
//! decides, so it meets the four busy or sleeping vCPUs in varying states.
//!
//! Samples are paired by order: the k-th press of `A` Linux read with the
//! input domain's k-th IRQ stamp; Linux must have read exactly the taps
//! (press then release of `A`, each tap once) and the input domain must have
//! stamped exactly [`SAMPLES`] presses, else the run is an error, as is a
//! sample that is not positive.

use super::parse_bench;
use crate::board::schema::LogFormat;
use crate::guest::evstamp::{self, Stamp};
use crate::qemu::{self, Overrides};
use crate::qemu_tests::has_line;
use crate::qmp::Qmp;
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

const BOARD: &str = "boards/test/virtio-input-bench.toml";
/// Taps of `A`: the samples.
pub const SAMPLES: usize = 11;
/// `KEY_A`, the input domain's sample key (`domains/input/src/bench.rs`).
const KEY_A: u16 = 30;
/// Linux's console prefix.
const LINUX: &str = "[linux] ";

/// Linux's key records in the console, in order.
fn linux_stamps(log: &str) -> Vec<Stamp> {
    log.lines().filter_map(|l| l.strip_prefix(LINUX)).filter_map(evstamp::parse).collect()
}

/// Runs the benchmark; `inject_latency` is this run's mean guest interrupt
/// latency (trap and inject, `irq_latency_inject_mean_wfi`).
pub fn metrics(inject_latency: f64) -> Result<BTreeMap<String, f64>> {
    let built =
        super::super::build::build_with(BOARD, Some(LogFormat::Text), super::super::build::Instrumented::Bench)?;
    let socket = std::env::temp_dir().join(format!("bulkhead-bench-virtio-input-qmp-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        ..Overrides::default()
    };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    ensure!(
        args.windows(2).any(|w| w[0] == "-icount" && w[1] == "shift=0,sleep=off"),
        "{BOARD} does not run QEMU with `-icount shift=0,sleep=off`: its counts would not be instructions"
    );
    let mut qmp: Option<Qmp> = None;
    let mut sent = 0usize;
    let mut failure: Option<anyhow::Error> = None;
    let out = qemu::run_watching(cmd, Duration::from_secs(300), |log| {
        let result = (|| -> Result<bool> {
            if log.contains("FAIL") || log.contains("BULKHEAD-STEP-DONE") || log.contains("fault: domain") {
                bail!("the virtio-input benchmark's domains failed");
            }
            if !(has_line(log, "[linux] BULKHEAD-EVSTAMP: ready")
                && has_line(log, "[dm] devmodel: input domain connected"))
            {
                return Ok(false);
            }
            let q = match qmp.as_mut() {
                Some(q) => q,
                None => qmp.insert(Qmp::connect(&socket, Duration::from_secs(5))?),
            };
            // One tap at a time: the next once Linux has read both halves
            // of the previous one.
            let read = linux_stamps(log).len();
            if read < 2 * sent {
                return Ok(false);
            }
            if sent < SAMPLES {
                q.tap("a")?;
                sent += 1;
            } else if sent == SAMPLES {
                q.tap("c")?;
                sent += 1;
            }
            Ok(log.contains("[input] BENCH done"))
        })();
        match result {
            Ok(done) => done,
            Err(e) => {
                failure = Some(e);
                true
            }
        }
    })?;
    let _ = std::fs::remove_file(&socket);
    if let Some(e) = failure {
        return Err(e.context(format!("the virtio-input benchmark failed:\n{}", out.output)));
    }
    ensure!(out.output.contains("[input] BENCH done"), "the virtio-input benchmark did not finish:\n{}", out.output);
    figures(&out.output, inject_latency).with_context(|| format!("console:\n{}", out.output))
}

/// The figures from the console of a run (pure; host-tested).
pub fn figures(log: &str, inject_latency: f64) -> Result<BTreeMap<String, f64>> {
    let irq = parse_bench(log, "[input] ")?;
    let stamps = linux_stamps(log);
    // Linux read exactly the taps of `A`, in order, then `C`'s.
    let taps = stamps.iter().take_while(|s| s.code == KEY_A).count();
    ensure!(
        taps == 2 * SAMPLES,
        "Linux read {taps} events of `A` before another key, not the {} of {SAMPLES} taps",
        2 * SAMPLES
    );
    let mut latency = Vec::with_capacity(SAMPLES);
    for (k, pair) in stamps[..taps].chunks(2).enumerate() {
        let (press, release) = (pair[0], pair[1]);
        ensure!(
            press.value == 1 && release.value == 0,
            "tap {k}: Linux read `A` with values {} then {}, not a press then a release",
            press.value,
            release.value
        );
        let entry = *irq.get(&format!("input_irq_at_{k}")).with_context(|| format!("no IRQ stamp for press {k}"))?;
        let Some(ticks) = press.counter.checked_sub(entry).filter(|&t| t > 0) else {
            bail!("press {k}: Linux read it at {}, not after its interrupt entry at {entry}", press.counter);
        };
        latency.push(ticks);
    }
    ensure!(
        !irq.contains_key(&format!("input_irq_at_{SAMPLES}")),
        "the input domain stamped more presses of `A` than the {SAMPLES} sent"
    );
    ensure!(
        inject_latency.is_finite() && inject_latency > 0.0,
        "the guest interrupt latency to add ({inject_latency}) is not positive"
    );
    latency.sort_unstable();
    println!("virtio_input: {SAMPLES} samples from the input domain's IRQ entry to Linux's read, sorted: {latency:?}");
    let median = latency[SAMPLES / 2] as f64;
    let mut m = BTreeMap::new();
    m.insert("virtio_input_event_latency_from_irq_entry_insns".into(), median);
    m.insert("virtio_input_event_latency_insns".into(), median + inject_latency);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A console: `irqs` stamped by the input domain, Linux's records as
    /// (code, value, counter).
    fn console(irqs: &[u64], linux: &[(u16, u32, u64)]) -> String {
        let mut log = String::from("[linux] BULKHEAD-EVSTAMP: ready\n");
        for (code, value, counter) in linux {
            log.push_str(&format!("[linux] BULKHEAD-EVSTAMP: {code:04x} {value:08x} 0x{counter:016x}\n"));
        }
        for (k, at) in irqs.iter().enumerate() {
            log.push_str(&format!("[input] BENCH input_irq_at_{k}={at}\n"));
        }
        log + "[input] BENCH done\n"
    }

    fn taps(latencies: &[u64]) -> (Vec<u64>, Vec<(u16, u32, u64)>) {
        let irqs: Vec<u64> = (0..latencies.len() as u64).map(|k| 1_000_000 * (k + 1)).collect();
        let mut linux = Vec::new();
        for (at, lat) in irqs.iter().zip(latencies) {
            linux.push((KEY_A, 1, at + lat));
            linux.push((KEY_A, 0, at + lat + 500));
        }
        linux.push((46, 1, 99_000_000));
        linux.push((46, 0, 99_000_500));
        (irqs, linux)
    }

    #[test]
    fn the_median_from_irq_entry_and_with_the_injection() {
        let lat = [90_000, 80_000, 70_000, 60_000, 50_000, 40_000, 30_000, 20_000, 10_000, 100_000, 110_000];
        let (irqs, linux) = taps(&lat);
        let f = figures(&console(&irqs, &linux), 700.0).unwrap();
        assert_eq!(f["virtio_input_event_latency_from_irq_entry_insns"], 60_000.0);
        assert_eq!(f["virtio_input_event_latency_insns"], 60_700.0);
    }

    #[test]
    fn missing_unpaired_or_negative_samples_are_errors() {
        let lat = [50_000; SAMPLES];
        let (irqs, linux) = taps(&lat);
        // An IRQ stamp missing.
        assert!(figures(&console(&irqs[..SAMPLES - 1], &linux), 700.0).is_err());
        // One more than sent.
        let mut more = irqs.clone();
        more.push(99_999_999);
        assert!(figures(&console(&more, &linux), 700.0).unwrap_err().to_string().contains("more presses"));
        // A tap Linux never read.
        assert!(figures(&console(&irqs, &linux[2..]), 700.0).unwrap_err().to_string().contains("events of `A`"));
        // Another key in between.
        let mut other = linux.clone();
        other[4].0 = 48;
        assert!(figures(&console(&irqs, &other), 700.0).is_err());
        // An autorepeat instead of the release.
        let mut repeat = linux.clone();
        repeat[1].1 = 2;
        assert!(figures(&console(&irqs, &repeat), 700.0).unwrap_err().to_string().contains("not a press"));
        // Read before its interrupt (or at it).
        let mut early = linux.clone();
        early[0].2 = irqs[0];
        assert!(figures(&console(&irqs, &early), 700.0).unwrap_err().to_string().contains("not after"));
        // No interrupt latency to add.
        assert!(figures(&console(&irqs, &linux), 0.0).is_err());
        // A guest's own error line.
        let bad = console(&irqs, &linux) + "[input] BENCH-ERROR negative\n";
        assert!(figures(&bad, 700.0).is_err());
    }
}
