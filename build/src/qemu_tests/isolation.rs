// SPDX-License-Identifier: MIT
//! Containment and lifecycle: a hostile domain, a two-vCPU domain that panics and resets, the
//! per-domain WFI policy.

use super::{Ctx, boots_and_prints, counter_advanced_within, counter_alive_after, counter_at, find_line, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Context, Result, ensure};
use std::time::Duration;

pub(super) fn hostile_domain_is_contained(_ctx: &mut Ctx) -> Result<()> {
    hostile_domain_is_contained_on("boards/test/hostile.toml")
}

/// The same attacks from a domain in direct delivery (`interrupts =
/// "direct"`: its pCPU's Group 1 interface is the physical one, the
/// kernel's kick and watchdog arrive as Group 0 FIQs).
pub(super) fn a_direct_hostile_domain_is_contained(_ctx: &mut Ctx) -> Result<()> {
    hostile_domain_is_contained_on("boards/test/hostile-direct.toml")
}

fn hostile_domain_is_contained_on(board: &str) -> Result<()> {
    let built = build(board, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(120), |log| {
        find_line(log, 0, "domain hostile halted")
            .is_some_and(|at| counter_alive_after(log, at + 1) && log[at..].matches("[counter] count").count() > 3)
    })?;
    let log = &out.output;
    let fail = |what: String| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    if out.timed_out {
        return Err(fail("timed out before the hostile domain was halted and the counter counted on".into()));
    }
    for denial in [
        "denied: domain hostile vCPU 0: PSCI 0xc4000003 (target 0x5) refused with -2",
        "denied: domain hostile vCPU 0: PSCI 0xc4000003 (target 0x100) refused with -2",
        "denied: domain hostile vCPU 0: unknown function 0xc60000ff",
        "denied: domain hostile vCPU 0: buffer 0x40200000+0x4 outside its RAM",
        "denied: domain hostile vCPU 0: length 4096 too long",
        "denied: domain hostile vCPU 0: buffer 0xfffffffffffffffd+0x8 outside its RAM",
    ] {
        ensure!(has_line(log, denial), fail(format!("no line `{denial}`")));
    }
    // Each attempt: the kernel stops the domain (with the expected reason),
    // restarts it, and the counter keeps counting afterwards.
    let reasons: [&[&str]; 10] = [
        &["stage-2 abort outside its grants"],
        &["stage-2 abort outside its grants"],
        &["stage-2 abort outside its grants"],
        &["stage-2 abort outside its grants"],
        &["stage-2 abort outside its grants"],
        &["stage-2 abort outside its grants"],
        // A bus error: an external abort on hardware that routes it to EL2;
        // QEMU delivers it to the guest, whose missing vector then faults.
        &["external abort", "stage-2 abort outside its grants"],
        &["forbidden system register access"],
        // A trace unit register: trapped by CPTR_EL2.TTA where a trace
        // unit exists; QEMU 10 has none, so the access is UNDEFINED at EL1
        // and the guest's missing vector faults.
        &["forbidden system register access", "stage-2 abort outside its grants"],
        &["missed watchdog heartbeat"],
    ];
    let mut cursor = log.find("[hostile] life 0").ok_or_else(|| fail("the hostile domain never started".into()))?;
    for (i, allowed) in reasons.iter().enumerate() {
        let attempt = format!("[hostile] attempt {i}:");
        let at = log[cursor..].find(&attempt).map(|p| p + cursor).ok_or_else(|| fail(format!("no `{attempt}`")))?;
        // Between the previous restart (or the start) and this attempt the
        // counter must have counted on: it survived the previous attempt.
        ensure!(
            counter_advanced_within(log, cursor, at),
            fail(format!("the counter made no progress before attempt {i} (after the previous one)"))
        );
        let fault = find_line(log, at, "fault: domain hostile vCPU 0 (pCPU 4): ")
            .ok_or_else(|| fail(format!("attempt {i} was not stopped")))?;
        let line = log[fault..].lines().next().unwrap_or("");
        ensure!(allowed.iter().any(|r| line.contains(r)), fail(format!("attempt {i}: unexpected fault `{line}`")));
        let restarted = format!("domain hostile restarted ({} restarts)", i + 1);
        let r = find_line(log, fault, &restarted).ok_or_else(|| fail(format!("no line `{restarted}`")))?;
        cursor = r;
    }
    let last =
        log[cursor..].find("[hostile] attempt 10:").map(|p| p + cursor).ok_or_else(|| fail("no attempt 10".into()))?;
    ensure!(counter_advanced_within(log, cursor, last), fail("the counter made no progress after attempt 9".into()));
    let off = find_line(log, cursor, "domain hostile: PSCI SYSTEM_OFF from vCPU 0")
        .ok_or_else(|| fail("smc SYSTEM_OFF did not stop the domain".into()))?;
    ensure!(find_line(log, off, "domain hostile halted").is_some(), fail("hostile not halted".into()));
    for life in 0..11 {
        let line = format!("[hostile] life {life}: virtual timer control at entry 0x0");
        ensure!(log.contains(&line), fail(format!("no `{line}`: the virtual timer was not reset")));
        let line = format!("[hostile] life {life}: virtio status at entry 0x0");
        ensure!(log.contains(&line), fail(format!("no `{line}`: the virtio device was not reset")));
    }
    ensure!(!log.contains("not contained"), fail("an attempt was not contained".into()));
    for bad in ["fault: domain counter", "domain counter restarted", "PANIC"] {
        ensure!(!log.lines().any(|l| l.starts_with(bad)), fail(format!("a line starts with `{bad}`")));
    }
    ensure!(
        log.contains("[hostile] fault: domain counter vCPU 0 (pCPU 2): forged by hostile"),
        fail("the forged kernel line was not printed with the domain's prefix".into())
    );
    Ok(())
}

pub(super) fn lifecycle_panic_reset_and_off(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/lifecycle.toml",
        &[
            "[lifecycle] life 0",
            "fault: domain lifecycle vCPU 0 (pCPU 5): domain panic",
            "domain lifecycle restarted (1 restarts), back-off 10 ms (1 in a row, limit 10)",
            "[lifecycle] life 1",
            "domain lifecycle: PSCI SYSTEM_RESET from vCPU 0",
            "domain lifecycle restarted (2 restarts), back-off 20 ms (2 in a row, limit 10)",
            "[lifecycle] life 2",
            "domain lifecycle: PSCI SYSTEM_OFF from vCPU 1",
            "domain lifecycle halted",
            "domain hello halted",
            "every domain has stopped: system off",
        ],
    )?;
    let features = out
        .output
        .lines()
        .find(|l| l.starts_with("[lifecycle] ID_AA64PFR0_EL1 via x3 "))
        .context("no ID register line")?;
    let values: Vec<&str> = features.split_whitespace().collect();
    let via_x3 = values.get(4).map(|v| v.trim_end_matches(':'));
    let via_x20 = values.get(7).map(|v| v.trim_end_matches(':'));
    ensure!(via_x3.is_some() && via_x3 == via_x20, "x3 and x20 differ: {features}");
    ensure!(features.contains(": EL2 0 SVE 0 FP "), "EL2 or SVE visible to the domain: {features}");
    let starts = out.output.matches("[lifecycle] vCPU 1 started (0) and running").count();
    ensure!(starts == 2, "vCPU 1 started {starts} times, expected once in each of lives 0 and 1");
    Ok(())
}

pub(super) fn wfi_policy_is_per_domain(_ctx: &mut Ctx) -> Result<()> {
    // The benchmark board runs the same sleeping domain twice: with `wfi`
    // native (no EL2 entry may happen on its pCPU) and trapped (every `wfi`
    // enters EL2). Entries are counted by the benchmark kernel.
    let m = crate::cmd::bench::guest_metrics(crate::cmd::bench::WFI_BOARD)?;
    let native = m.get("idle_el2_entries").copied().context("no idle_el2_entries")?;
    let trapped = m.get("idle_trapped_wfi_el2_entries").copied().context("no idle_trapped_wfi_el2_entries")?;
    ensure!(native == 0, "a native-WFI domain caused {native} EL2 entries while idle");
    ensure!(trapped > 100, "a trapped-WFI domain caused only {trapped} EL2 entries in 10 ms");
    Ok(())
}

/// A domain that faults on its first instruction (`crash-first.bin`: `ldr
/// x0, [x0]`, a load from IPA 0, outside its grants) beside the counter,
/// on `boards/test/crash-loop.toml` (`max_restarts = 5`): each restart
/// waits twice as long as the one before (10, 20, 40, 80, 160 ms, as the
/// kernel's lines say, and the counter counts meanwhile), the sixth fault
/// halts it with one summary line, and the counter counts on. Beside them,
/// `lifecycle` (watchdog 300 ms) is powered off by its vCPU 1: the
/// watchdog armed on vCPU 0's pCPU must not fire for the halted domain.
pub(super) fn a_crash_loop_backs_off_then_halts(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/crash-loop.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let settled = |log: &str| {
        let halted = ["domain crasher halted", "domain lifecycle halted"].map(|l| find_line(log, 0, l));
        // Both halted, then more than a second of counting (the counter
        // prints about 30 lines a second; the watchdog period is 300 ms).
        halted[0].zip(halted[1]).is_some_and(|(a, b)| log[a.max(b)..].matches("\n[counter] count ").count() >= 40)
    };
    let out = qemu::run_until(cmd, Duration::from_secs(120), settled)?;
    let log = &out.output;
    let fail = |what: String| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    ensure!(settled(log), fail("timed out before both domains were halted and the counter counted on".into()));
    let starts = |prefix: &str| log.lines().filter(|l| l.starts_with(prefix)).count();
    // Six lives, each ended by a fault at its first instruction; five
    // restarts, each after twice the back-off of the one before.
    let faults = starts("fault: domain crasher vCPU 0 (pCPU 4): stage-2 abort outside its grants: ");
    ensure!(faults == 6, fail(format!("{faults} faults of the crasher, expected 6")));
    let last = log.lines().rfind(|l| l.starts_with("fault: domain crasher")).unwrap_or("");
    ensure!(last.ends_with("-> halt (max_restarts reached)"), fail(format!("the last fault says `{last}`")));
    let mut cursor = find_line(log, 0, "fault: domain crasher").ok_or_else(|| fail("no fault".into()))?;
    let first_fault = cursor;
    for k in 1..=5u32 {
        let line =
            format!("domain crasher restarted ({k} restarts), back-off {} ms ({k} in a row, limit 5)", 10 << (k - 1));
        cursor =
            find_line(log, cursor, &line).ok_or_else(|| fail(format!("no line `{line}` after the previous fault")))?;
        cursor = find_line(log, cursor, "fault: domain crasher")
            .ok_or_else(|| fail(format!("no fault after restart {k}")))?;
    }
    let summary =
        "domain crasher halted: it failed again after 5 restarts in a row, each life under 10000 ms (max_restarts 5)";
    let halted = find_line(log, cursor, summary).ok_or_else(|| fail(format!("no line `{summary}`")))?;
    ensure!(starts("domain crasher halted") == 1, fail("more than one halt line".into()));
    ensure!(starts("domain crasher restarted") == 5, fail("restarted more than 5 times".into()));
    // The back-offs (310 ms in all) let the counter count between the
    // first fault and the halt; without them the six lives take a few ms.
    let (before, after) = (counter_at(log, first_fault).unwrap_or(0), counter_at(log, halted).unwrap_or(0));
    println!("     counter: {} counts between the crasher's first fault and its halt", after - before);
    ensure!(
        after >= before + 3,
        fail(format!("the counter counted {} times during 310 ms of back-off", after - before))
    );
    ensure!(counter_alive_after(log, halted), fail("the counter stopped after the crasher halted".into()));
    // lifecycle: powered off from vCPU 1, no stale watchdog afterwards.
    let off = find_line(log, 0, "domain lifecycle: PSCI SYSTEM_OFF from vCPU 1")
        .ok_or_else(|| fail("lifecycle was not powered off from vCPU 1".into()))?;
    let lifecycle_halted =
        find_line(log, off, "domain lifecycle halted").ok_or_else(|| fail("lifecycle not halted".into()))?;
    for bad in ["fault: domain lifecycle", "domain lifecycle restarted", "domain lifecycle halted"] {
        ensure!(
            find_line(log, lifecycle_halted + 1, bad).is_none(),
            fail(format!("after lifecycle halted, a line starts with `{bad}` (a stale watchdog?)"))
        );
    }
    for bad in ["fault: domain counter", "domain counter restarted", "PANIC"] {
        ensure!(starts(bad) == 0, fail(format!("a line starts with `{bad}`")));
    }
    Ok(())
}
