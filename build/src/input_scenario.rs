// SPDX-License-Identifier: MIT
//! The input domain end to end in QEMU (`boards/test/input.toml`): events
//! injected through QMP as a user would type, point and touch, checked in
//! the client domains' console lines; then the input domain crashes on
//! purpose, restarts, the clients reconnect and input flows again. And the
//! same domain on a board where it halts instead (`boards/test/input-halt.toml`),
//! whose devices must be left reset.
//!
//! Owns the scenarios (what is injected when, what each client must and
//! must not print). The runner and the QMP client are in `qemu`/`qmp`.

use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use crate::qemu_tests::has_line;
use crate::qmp::Qmp;
use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use std::time::Duration;

/// One step: wait until `ready(log)`, then act.
/// One step of a scenario driven through QMP: once the console shows
/// `ready`, do `act`.
pub(crate) struct Step {
    /// What it does, for the error when it is never reached.
    pub what: &'static str,
    /// Whether the console is ready for it.
    pub ready: fn(&str) -> bool,
    /// What it does.
    pub act: fn(&mut Qmp) -> Result<()>,
}

/// Runs `cmd` (started with `-qmp` at `socket`) under `timeout`, doing
/// each of `steps` in turn as the console becomes ready for it, until the
/// last is done and `done` accepts the console. An error names the step
/// that failed or was never reached, with the console.
pub(crate) fn run_steps(
    cmd: std::process::Command,
    socket: &std::path::Path,
    timeout: Duration,
    steps: &[Step],
    done: impl Fn(&str) -> bool,
) -> Result<qemu::Outcome> {
    let mut qmp: Option<Qmp> = None;
    let mut next = 0;
    let mut failure: Option<anyhow::Error> = None;
    let out = qemu::run_watching(cmd, timeout, |log| {
        while let Some(step) = steps.get(next) {
            if !(step.ready)(log) {
                return false;
            }
            if qmp.is_none() {
                match Qmp::connect(socket, Duration::from_secs(5)) {
                    Ok(q) => qmp = Some(q),
                    Err(e) => {
                        failure = Some(e);
                        return true;
                    }
                }
            }
            if let Some(q) = qmp.as_mut()
                && let Err(e) = (step.act)(q).with_context(|| format!("step `{}`", step.what))
            {
                failure = Some(e);
                return true;
            }
            next += 1;
        }
        done(log)
    })?;
    let _ = std::fs::remove_file(socket);
    if let Some(e) = failure {
        return Err(e.context(format!("console:\n{}", out.output)));
    }
    if let Some(step) = steps.get(next) {
        bail!("never got to `{}`:\n{}", step.what, out.output);
    }
    Ok(out)
}

fn count(log: &str, line: &str) -> usize {
    log.matches(line).count()
}

fn key(qmp: &mut Qmp, keys: &[&str]) -> Result<()> {
    qmp.send_key(keys)
}

pub(crate) fn touch_down() -> Value {
    let mtt = |kind: &str, axis: &str, value: u32| json!({"type": "mtt", "data": {"type": kind, "slot": 0, "tracking-id": 1, "axis": axis, "value": value}});
    json!([mtt("begin", "x", 1000), mtt("data", "x", 1000), mtt("data", "y", 2000)])
}

pub(crate) fn touch_up() -> Value {
    json!([{"type": "mtt", "data": {"type": "end", "slot": 0, "tracking-id": -1, "axis": "x", "value": 0}}])
}

pub(crate) fn tablet() -> Value {
    json!([{"type": "abs", "data": {"axis": "x", "value": 100}}, {"type": "abs", "data": {"axis": "y", "value": 200}}])
}

const STEPS: [Step; 8] = [
    Step {
        what: "both clients connected; type `a` (keyboard focus: ivi)",
        ready: |l| l.contains("[cluster] connected:") && l.contains("[ivi] connected:"),
        act: |q| key(q, &["a"]),
    },
    Step {
        what: "a hardware key (volume up) goes to the cluster",
        ready: |l| l.contains("[ivi] event Key { code: 30, pressed: false }"),
        act: |q| key(q, &["volumeup"]),
    },
    Step {
        what: "ctrl+alt+F1 moves keyboard focus to the cluster; then `b`",
        ready: |l| l.contains("[cluster] event Key { code: 115, pressed: false }"),
        act: |q| {
            key(q, &["ctrl", "alt", "f1"])?;
            key(q, &["b"])
        },
    },
    Step {
        what: "the tablet's absolute position goes to ivi",
        ready: |l| l.contains("[cluster] event Key { code: 48, pressed: false }"),
        act: |q| q.send_events(tablet()),
    },
    Step {
        what: "a touch goes down and up on ivi",
        ready: |l| l.contains("[ivi] event Position { x: 100, y: 200"),
        act: |q| {
            q.send_events(touch_down())?;
            q.send_events(touch_up())
        },
    },
    Step {
        what: "F12 crashes the input domain (test board only)",
        ready: |l| l.contains("[ivi] event Touch { contact: 0, what: Up }"),
        act: |q| key(q, &["f12"]),
    },
    Step {
        what: "after the restart both clients reconnected; type `c` (focus back to ivi)",
        ready: |l| count(l, "[cluster] connected:") >= 2 && count(l, "[ivi] connected:") >= 2,
        act: |q| key(q, &["c"]),
    },
    Step { what: "done", ready: |l| l.contains("[ivi] event Key { code: 46, pressed: false }"), act: |_| Ok(()) },
];

/// Builds `board` and returns the QEMU command that boots it with a QMP
/// socket (a fresh path named after `what`), and that path.
pub(crate) fn with_qmp(board: &str, what: &str) -> Result<(std::process::Command, std::path::PathBuf)> {
    with_qmp_and(board, what, None)
}

/// Like [`with_qmp`], the board's sound device recording into `wav`.
pub(crate) fn with_qmp_and(
    board: &str,
    what: &str,
    wav: Option<std::path::PathBuf>,
) -> Result<(std::process::Command, std::path::PathBuf)> {
    let built = build(board, Some(LogFormat::Text))?;
    let socket = std::env::temp_dir().join(format!("bulkhead-qmp-{what}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        wav,
        ..Overrides::default()
    };
    Ok((qemu::command(&built.board, &built.image, true, &overrides)?, socket))
}

/// Runs the scenario; the error says which step was not reached.
pub fn input_end_to_end() -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/input.toml", "scenario")?;
    let out = run_steps(cmd, &socket, Duration::from_secs(60), &STEPS, |_| true)?;
    let log = &out.output;
    // Each event reached exactly the client the focus policy names.
    for (line, who) in [
        ("event Key { code: 30, pressed: true }", "ivi"),
        ("event Key { code: 115, pressed: true }", "cluster"),
        ("event Key { code: 48, pressed: true }", "cluster"),
        ("event Position { x: 100, y: 200", "ivi"),
        ("event Touch { contact: 0, what: Down { x: 1000, y: 2000 } }", "ivi"),
        ("event Key { code: 46, pressed: true }", "ivi"),
    ] {
        let other = if who == "ivi" { "cluster" } else { "ivi" };
        ensure!(count(log, &format!("[{who}] {line}")) == 1, "`{line}` did not reach {who} exactly once:\n{log}");
        ensure!(!log.contains(&format!("[{other}] {line}")), "`{line}` also reached {other}:\n{log}");
    }
    for consumed in ["code: 59", "code: 88"] {
        ensure!(!log.contains(&format!("Key {{ {consumed}")), "the focus switch or crash key reached a client:\n{log}");
    }
    ensure!(
        has_line(log, "fault: domain input vCPU 0 (pCPU 1): domain panic"),
        "the input domain did not crash:\n{log}"
    );
    ensure!(has_line(log, "domain input restarted (1 restarts)"), "the input domain did not restart:\n{log}");
    ensure!(count(log, "input restarted: reconnecting") >= 2, "the clients did not see the new epoch:\n{log}");
    Ok(())
}

/// The virtio devices of `boards/test/input-halt.toml`, by QOM path.
const DEVICES: [&str; 3] = ["/machine/peripheral/keyboard", "/machine/peripheral/tablet", "/machine/peripheral/touch"];

/// The device status flags QMP reports for `path` (`x-query-virtio-status`).
fn virtio_status(qmp: &mut Qmp, path: &str) -> Result<String> {
    let value = qmp.execute("x-query-virtio-status", json!({ "path": path }))?;
    Ok(value["status"]["statuses"].to_string())
}

/// A driver domain that halts (not restarts) leaves no live device behind:
/// while it runs its devices are DRIVER_OK; after F12 makes it panic and the
/// kernel halts it, QMP reports each device reset (no status flag left).
pub fn halted_driver_domain_resets_its_devices() -> Result<()> {
    let (cmd, socket) = with_qmp("boards/test/input-halt.toml", "halt")?;
    let mut qmp: Option<Qmp> = None;
    let mut running: Vec<String> = Vec::new();
    let mut halted: Vec<String> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let out = qemu::run_watching(cmd, Duration::from_secs(60), |log| {
        let mut step = || -> Result<bool> {
            if running.is_empty() {
                if !(log.contains("[cluster] connected:") && log.contains("[ivi] connected:")) {
                    return Ok(false);
                }
                let q = qmp.insert(Qmp::connect(&socket, Duration::from_secs(5))?);
                running = DEVICES.iter().map(|d| virtio_status(q, d)).collect::<Result<_>>()?;
                key(q, &["f12"])?;
                return Ok(false);
            }
            if !has_line(log, "domain input halted") {
                return Ok(false);
            }
            let q = qmp.as_mut().context("no QMP connection")?;
            halted = DEVICES.iter().map(|d| virtio_status(q, d)).collect::<Result<_>>()?;
            Ok(true)
        };
        step().unwrap_or_else(|e| {
            failure = Some(e);
            true
        })
    })?;
    let _ = std::fs::remove_file(&socket);
    let log = &out.output;
    if let Some(e) = failure {
        return Err(e.context(format!("console:\n{log}")));
    }
    ensure!(!halted.is_empty(), "the input domain never halted:\n{log}");
    for ((device, before), after) in DEVICES.iter().zip(&running).zip(&halted) {
        ensure!(before.contains("DRIVER_OK"), "{device} was not driven before the halt: {before}");
        ensure!(after == "[]", "{device} still has status {after} after its domain halted:\n{log}");
    }
    ensure!(has_line(log, "fault: domain input vCPU 0 (pCPU 1): domain panic"), "no panic:\n{log}");
    ensure!(!log.contains("domain input restarted"), "the input domain restarted:\n{log}");
    Ok(())
}
