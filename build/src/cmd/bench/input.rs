// SPDX-License-Identifier: MIT
//! The input path's figures (`boards/test/input-bench.toml`, `-icount
//! shift=0,sleep=off`: 1 counter tick = 1 instruction, and virtual time
//! stops while every vCPU sleeps, so injection gaps cost nothing):
//!
//! - latency: 20 presses of `A`, one at a time through QMP; each sample is
//!   the `ivi` client's counter when the press arrives minus the counter
//!   at the input domain's IRQ entry for it (both domains read the same
//!   virtual counter). The device's used-ring update precedes that IRQ
//!   entry by the guest interrupt latency, measured in this run by
//!   `domains/test/irqbench` (trap and inject): `input_event_latency_insns` is
//!   their sum; both parts are reported too.
//! - rate: 10 bursts of 8 `B` presses and releases (16 events each) as
//!   fast as QMP takes them; the client's counter between the first and
//!   the last `B` event gives the sustained events per virtual second.

use super::parse_bench;
use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use crate::qmp::Qmp;
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::time::Duration;

const BOARD: &str = "boards/test/input-bench.toml";
const SAMPLES: usize = 20;

fn burst() -> serde_json::Value {
    (0..8).flat_map(|_| [true, false].map(|down| crate::qmp::key_event("b", down))).collect()
}

/// Runs the input benchmark; `inject_latency` is this run's mean guest
/// interrupt latency (trap and inject).
pub fn metrics(inject_latency: f64) -> Result<BTreeMap<String, f64>> {
    let built =
        super::super::build::build_with(BOARD, Some(LogFormat::Text), super::super::build::Instrumented::Bench)?;
    let socket = std::env::temp_dir().join(format!("bulkhead-bench-qmp-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        ..Overrides::default()
    };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let mut qmp: Option<Qmp> = None;
    let mut sent = 0usize;
    let mut burst_sent = false;
    let mut failure: Option<anyhow::Error> = None;
    let burst = burst();
    let out = qemu::run_watching(cmd, Duration::from_secs(120), |log| {
        let result = (|| -> Result<bool> {
            if !(log.contains("[ivi] connected:") && log.contains("[cluster] connected:")) {
                return Ok(false);
            }
            let q = match qmp.as_mut() {
                Some(q) => q,
                None => qmp.insert(Qmp::connect(&socket, Duration::from_secs(5))?),
            };
            if sent < SAMPLES {
                if sent == 0 || log.contains(&format!("[ivi] latency sample {}", sent - 1)) {
                    q.tap("a")?;
                    sent += 1;
                }
                return Ok(false);
            }
            if !log.contains(&format!("[ivi] latency sample {}", SAMPLES - 1)) {
                return Ok(false);
            }
            if !burst_sent {
                for _ in 0..10 {
                    q.send_events(burst.clone())?;
                }
                q.tap("c")?;
                burst_sent = true;
            }
            Ok(log.contains("[ivi] BENCH done") && log.contains("[input] BENCH done"))
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
        return Err(e.context(format!("the input benchmark failed:\n{}", out.output)));
    }
    ensure!(out.output.contains("[ivi] BENCH done"), "the input benchmark did not finish:\n{}", out.output);
    let client = parse_bench(&out.output, "[ivi] ")?;
    let backend = parse_bench(&out.output, "[input] ")?;
    let mut latency = Vec::new();
    for k in 0..SAMPLES {
        let recv = client.get(&format!("input_recv_at_{k}")).context("a latency sample is missing")?;
        let irq = backend.get(&format!("input_irq_at_{k}")).context("an IRQ stamp is missing")?;
        if recv < irq {
            bail!("sample {k}: received at {recv}, before its interrupt at {irq}");
        }
        latency.push(recv - irq);
    }
    latency.sort_unstable();
    let from_entry = latency[SAMPLES / 2] as f64;
    let events = *client.get("input_burst_events").context("no burst count")? as f64;
    let ticks = *client.get("input_burst_ticks").context("no burst duration")? as f64;
    ensure!(events > 1.0 && ticks > 0.0, "the burst did not arrive ({events} events)");
    let mut m = BTreeMap::new();
    m.insert("input_event_latency_from_irq_entry_insns".into(), from_entry);
    m.insert("input_event_latency_insns".into(), from_entry + inject_latency);
    m.insert("input_burst_events".into(), events);
    m.insert("input_events_per_s".into(), ((events - 1.0) * 1e9 / ticks).round());
    Ok(m)
}
