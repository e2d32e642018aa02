// SPDX-License-Identifier: MIT
//! The input domain end to end in QEMU (`boards/test/input.toml`): events
//! injected through QMP as a user would type, point and touch, checked in
//! the client domains' console lines; then the input domain crashes on
//! purpose, restarts, the clients reconnect and input flows again.
//!
//! Owns the scenario (what is injected when, what each client must and
//! must not print). The runner and the QMP client are in `qemu`/`qmp`.

use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use crate::qmp::Qmp;
use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;

/// One step: wait until `ready(log)`, then act.
struct Step {
    what: &'static str,
    ready: fn(&str) -> bool,
    act: fn(&mut Qmp) -> Result<()>,
}

fn count(log: &str, line: &str) -> usize {
    log.matches(line).count()
}

fn key(qmp: &mut Qmp, keys: &[&str]) -> Result<()> {
    qmp.send_key(keys)
}

const TOUCH_DOWN: &str = r#"[
 {"type": "mtt", "data": {"type": "begin", "slot": 0, "tracking-id": 1, "axis": "x", "value": 1000}},
 {"type": "mtt", "data": {"type": "data", "slot": 0, "tracking-id": 1, "axis": "x", "value": 1000}},
 {"type": "mtt", "data": {"type": "data", "slot": 0, "tracking-id": 1, "axis": "y", "value": 2000}}]"#;
const TOUCH_UP: &str =
    r#"[{"type": "mtt", "data": {"type": "end", "slot": 0, "tracking-id": -1, "axis": "x", "value": 0}}]"#;
const TABLET: &str = r#"[
 {"type": "abs", "data": {"axis": "x", "value": 100}},
 {"type": "abs", "data": {"axis": "y", "value": 200}}]"#;

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
        act: |q| q.send_events(TABLET),
    },
    Step {
        what: "a touch goes down and up on ivi",
        ready: |l| l.contains("[ivi] event Position { x: 100, y: 200"),
        act: |q| {
            q.send_events(TOUCH_DOWN)?;
            q.send_events(TOUCH_UP)
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

/// Runs the scenario; the error says which step was not reached.
pub fn input_end_to_end() -> Result<()> {
    let built = build("boards/test/input.toml", Some(LogFormat::Text))?;
    let socket = std::env::temp_dir().join(format!("bulkhead-qmp-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let overrides = Overrides {
        extra: vec!["-qmp".into(), format!("unix:{},server=on,wait=off", socket.display())],
        no_semihosting: true,
        ..Overrides::default()
    };
    let cmd = qemu::command(&built.board, &built.image, true, &overrides)?;
    let mut qmp: Option<Qmp> = None;
    let mut next = 0;
    let mut failure: Option<anyhow::Error> = None;
    let out = qemu::run_watching(cmd, Duration::from_secs(60), |log| {
        while let Some(step) = STEPS.get(next) {
            if !(step.ready)(log) {
                return false;
            }
            if qmp.is_none() {
                match Qmp::connect(&socket, Duration::from_secs(5)) {
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
        true
    })?;
    let _ = std::fs::remove_file(&socket);
    if let Some(e) = failure {
        return Err(e.context(format!("console:\n{}", out.output)));
    }
    if let Some(step) = STEPS.get(next) {
        bail!("never got to `{}`:\n{}", step.what, out.output);
    }
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
        log.contains("fault: domain input vCPU 0 (pCPU 1): domain panic"),
        "the input domain did not crash:\n{log}"
    );
    ensure!(log.contains("domain input restarted (1 restarts)"), "the input domain did not restart:\n{log}");
    ensure!(count(log, "input restarted: reconnecting") >= 2, "the clients did not see the new epoch:\n{log}");
    Ok(())
}
