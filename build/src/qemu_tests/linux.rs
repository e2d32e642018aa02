// SPDX-License-Identifier: MIT
//! Linux domains: boot on two vCPUs, workload, power-off and reboot; typed shell input; a crash and its
//! restart.

use super::{Ctx, counter_alive_after, expect, find_line, run_typing};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use bulkhead_abi::ExitCode;
use std::time::Duration;

/// The README's demo, run as a user runs it (`cargo xtask demo`, which
/// fetches the guest first): an unmodified arm64 Linux (Debian's kernel and
/// the busybox initramfs) boots on two vCPUs beside the counter, runs its
/// workload on both, powers off through PSCI, and the counter keeps
/// counting after it; the demo exits 0 with its summary. With a timeout too
/// short for that, it exits 124 and says so. Then a Linux that reboots
/// (PSCI SYSTEM_RESET) is restarted from its pristine files and boots again
/// on both vCPUs.
pub(super) fn linux_boots_on_two_vcpus_beside_the_counter(_ctx: &mut Ctx) -> Result<()> {
    let demo = |timeout: &str| -> Result<(Option<i32>, String)> {
        // Through cargo, as a user runs it (the test binary may have been
        // rebuilt since this process started).
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .current_dir(crate::workspace::root())
            .args(["xtask", "demo", "--timeout", timeout])
            .stdin(std::process::Stdio::null())
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        Ok((out.status.code(), text))
    };
    let (code, log) = demo("240")?;
    let log = &log;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- cargo xtask demo ---\n{log}");
    ensure!(code == Some(0), fail(&format!("the demo exited with {code:?}, not 0")));
    let mut cursor = 0;
    for line in [
        "[linux] BULKHEAD-INIT: 2 cpus",
        "[linux] BULKHEAD-WORKLOAD: ok",
        "[linux] BULKHEAD-STEP: poweroff",
        "domain linux: PSCI SYSTEM_OFF from vCPU 0",
        "domain linux halted",
        "demo: summary (",
        "domain   state     faults  restarts  console lines  console bytes dropped",
        "demo: OK: Linux booted on 2 vCPUs, ran its workload and powered off; the counter counted throughout",
    ] {
        cursor += log[cursor..]
            .find(&format!("\n{line}"))
            .ok_or_else(|| fail(&format!("no line `{line}` (in this order)")))?;
    }
    // The summary's rows: Linux halted, the counter running, neither faulted,
    // restarted or lost console bytes.
    let row =
        |name: &str| log.lines().find(|l| l.starts_with(&format!("{name} ")) && l.split_whitespace().count() == 6);
    for (name, state) in [("linux", "halted"), ("counter", "running")] {
        let cells: Vec<&str> =
            row(name).ok_or_else(|| fail(&format!("no summary row for {name}")))?.split_whitespace().collect();
        ensure!(
            cells[1] == state && cells[2] == "0" && cells[3] == "0" && cells[5] == "0",
            fail(&format!("summary row {cells:?}"))
        );
        ensure!(cells[4].parse::<u64>().is_ok_and(|n| n > 0), fail(&format!("{name} printed nothing: {cells:?}")));
    }
    for bad in ["fault: ", "restarted", "PANIC", "Kernel panic", "BULKHEAD-WORKLOAD: FAILED", "denied: "] {
        ensure!(!log.contains(bad), fail(&format!("`{bad}` in the log")));
    }
    // The counter's lines are thinned to about one a second.
    let shown = log.lines().filter(|l| l.starts_with("[counter] count ")).count();
    let secs: f64 = log
        .split("demo: summary (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail("no run time in the summary"))?;
    ensure!(shown as f64 <= secs + 2.0, fail(&format!("{shown} counter lines shown in {secs} s")));
    // /bin/bulkhead-cntvct (the boot benchmark's stamp) ran just before the
    // marker and read a counter that has run for Linux's boot (>= 0.1 s at
    // this machine's 1 GHz).
    let stamp = log
        .lines()
        .take_while(|l| !l.starts_with("[linux] BULKHEAD-INIT:"))
        .filter(|l| l.starts_with("[linux] "))
        .last()
        .and_then(crate::guest::stamp::parse);
    ensure!(stamp.is_some_and(|t| t >= 100_000_000), fail(&format!("no counter stamp before the marker: {stamp:?}")));

    // A timeout is a failure and says so.
    let (code, log) = demo("3")?;
    ensure!(
        code == Some(crate::cmd::demo::EXIT_TIMEOUT)
            && log.contains("\ndemo: FAILED: the 3 s timeout ended QEMU before "),
        "a 3 s demo exited with {code:?}:\n{log}"
    );

    let built = build("boards/test/linux-reboot.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let second_life = |log: &str| {
        find_line(log, 0, "domain linux restarted (1 restarts)")
            .and_then(|at| find_line(log, at, "[linux] BULKHEAD-INIT: "))
    };
    let out = qemu::run_until(cmd, Duration::from_secs(180), |log| {
        second_life(log).is_some_and(|at| log[at..].contains(" cpus\n"))
    })?;
    let log = &out.output;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    ensure!(!out.timed_out, fail("timed out before the restarted Linux reached its /init"));
    let first = log.find("[linux] BULKHEAD-INIT: 2 cpus").ok_or_else(|| fail("no first `BULKHEAD-INIT: 2 cpus`"))?;
    ensure!(find_line(log, first, "domain linux: PSCI SYSTEM_RESET from vCPU 0").is_some(), fail("no SYSTEM_RESET"));
    let again = second_life(log).ok_or_else(|| fail("no second life"))?;
    ensure!(
        log[again..].starts_with("[linux] BULKHEAD-INIT: 2 cpus"),
        fail("the restarted Linux did not get both vCPUs back")
    );
    ensure!(!log.contains("fault: ") && !log.contains("Kernel panic"), fail("a fault or panic"));
    Ok(())
}

/// Typed input reaches Linux's shell through the emulated PL011's receive
/// interrupt, and its answer comes back prefixed, line by line.
pub(super) fn linux_shell_answers_typed_commands(_ctx: &mut Ctx) -> Result<()> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build("boards/test/linux-shell.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // (wait for this, then type this); `$((6 * 7))` makes the answer differ
    // from the echoed command line.
    let script: [(&[&str], &[u8]); 2] = [
        (&["[linux] BULKHEAD-INIT: no bulkhead.test= steps"], b"echo typed-$((6 * 7)) on $(nproc) cpus\r"),
        (&["\n[linux] typed-42 on 2 cpus\n"], b"poweroff -f\r"),
    ];
    let out = run_typing(cmd, Duration::from_secs(180), &script)?;
    expect(
        &out,
        ExitCode::Success,
        &["[linux] typed-42 on 2 cpus", "domain linux: PSCI SYSTEM_OFF from vCPU 0", "every domain has stopped"],
    )?;
    ensure!(!out.output.contains("denied: "), "a denied call:\n{}", out.output);
    Ok(())
}

pub(super) fn a_crashing_linux_comes_back_while_the_counter_counts(_ctx: &mut Ctx) -> Result<()> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build("boards/test/linux-crash.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let second_init = |log: &str| {
        find_line(log, 0, "domain linux restarted (1 restarts)")
            .and_then(|at| find_line(log, at, "[linux] BULKHEAD-INIT: 2 cpus"))
    };
    let out = qemu::run_until(cmd, Duration::from_secs(240), |log| {
        second_init(log).is_some_and(|at| counter_alive_after(log, at + 1))
    })?;
    let log = &out.output;
    let fail = |what: &str| {
        let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with("[counter] count")).collect();
        anyhow::anyhow!("{what}\n--- console, without the counter's lines ---\n{}", lines.join("\n"))
    };
    ensure!(!out.timed_out, fail("timed out before the crashed Linux came back with the counter counting"));
    let first = log.find("[linux] BULKHEAD-INIT: 2 cpus").ok_or_else(|| fail("no first /init"))?;
    let crash = first
        + log[first..].find("[linux] BULKHEAD-STEP: crash").ok_or_else(|| fail("the crash step did not start"))?;
    let reset = find_line(log, crash, "domain linux: PSCI SYSTEM_RESET from vCPU")
        .ok_or_else(|| fail("the panic did not reset through PSCI"))?;
    ensure!(log[crash..reset].contains("Kernel panic"), fail("no Kernel panic between the crash and the reset"));
    let again = second_init(log).ok_or_else(|| fail("no second life"))?;
    ensure!(counter_alive_after(&log[..again], crash), fail("the counter stopped while Linux crashed and restarted"));
    ensure!(!log.contains("fault: "), fail("a domain fault"));
    Ok(())
}
