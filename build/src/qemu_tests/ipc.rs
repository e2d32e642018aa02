// SPDX-License-Identifier: MIT
//! Capability IPC: ping-pong over a channel, doorbells into a direct-delivery domain, a scribbled
//! ring, a peer that restarts and reconnects.

use super::{Ctx, TIMEOUT, boots_and_prints, count_at, find_line, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};

pub(super) fn ping_pong_over_a_channel(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/pingpong.toml",
        &[
            "[ping] 10000 checksummed round trips ok",
            "[pong] answered 10000 messages, 0 bad",
            "domain ping halted",
            "domain pong halted",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}

pub(super) fn doorbells_reach_a_direct_delivery_domain(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/pingpong-direct.toml",
        &[
            "[ping] 10000 checksummed round trips ok",
            "[pong] answered 10000 messages, 0 bad",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}

pub(super) fn a_scribbled_ring_is_reported_broken(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/scribble.toml",
        &[
            "[scribbler] scribbled over the ring",
            "[ping] channel broken after 1 messages: IndexOutOfRange",
            "[ping] still running (3, ",
            "domain ping halted",
            "every domain has stopped: system off",
        ],
    )?;
    ensure!(
        !out.output.contains("PANIC") && !out.output.contains("fault:"),
        "the honest side faulted:\n{}",
        out.output
    );
    Ok(())
}

pub(super) fn a_restarted_peer_reconnects_and_the_pair_carries_on(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/reconnect.toml",
        &[
            "[echo-server] life 1: listening in epoch 1",
            "[echo-client] connected in epoch 1 at request 0: server version 1.2, features 0b0101",
            "fault: domain echo-server vCPU 0 (pCPU 2): domain panic: ",
            "domain echo-server restarted (1 restarts)",
            "[echo-server] life 2: listening in epoch 2",
            "[echo-client] connected in epoch 2 at request 300: server version 1.2, features 0b0101",
            "[echo-client] 1000 requests answered, 1 reconnect(s), ",
            "[echo-server] bye after 700 answers in this life",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}

/// One end of a channel calls `Notify` as fast as it can for 2 s
/// (`domains/test/notify-flood`, `boards/test/notify-flood.toml`: a notify
/// budget of 1 per ms, burst 16, below the rate at which the victim takes
/// doorbells) while the other end counts on its vCPU 0 and takes its
/// doorbells every 4,096 iterations, so that every doorbell it takes lets
/// the next one kick its pCPU. The victim took no doorbell in the quiet
/// 2 s before the flood, and during it at most what the budget allows
/// (16 + 1 per ms: 2,016 in 2 s, and 64 more for where the victim's count
/// lines fall, about 20 ms apart). With a budget too large to bite
/// (100,000 per ms) the victim took 2,589 in one run and the test failed. The kernel refused doorbells over the budget, said so
/// once and counted exactly what the flooder saw refused.
///
/// The victim's counting rate in the two phases is printed, not asserted:
/// it is wall-clock time, and on a 2-core host the flooder's traps slow
/// the victim's vCPU thread through the host whatever the kernel does (it
/// dropped to 61% once in CI with every doorbell within the budget).
/// Speed is the benchmarks' to check.
pub(super) fn a_notify_flood_leaves_the_peer_its_rate(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/notify-flood.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, TIMEOUT, |log| has_line(log, "domain flooder halted"))?;
    let log = &out.output;
    let fail = |what: String| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    let find = |what: &str| find_line(log, 0, what).ok_or_else(|| fail(format!("no line starts with `{what}`")));
    let quiet = find("[flooder] quiet for 2 s")?;
    let start = find("[flooder] flood start")?;
    let end = find("[flooder] flood end: ")?;
    let at = |pos| count_at(log, pos, "[victim] count ").unwrap_or(0);
    let (baseline, during) = (at(start) - at(quiet), at(end) - at(start));
    // The victim's doorbells so far, from its last count line before `pos`.
    let doorbells_at = |pos: usize| -> u64 {
        log.get(..pos)
            .and_then(|l| l.lines().rev().find_map(|l| l.strip_prefix("[victim] count ")?.split_once('(')))
            .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    let (quiet_doorbells, flood_doorbells) = (doorbells_at(start), doorbells_at(end) - doorbells_at(start));
    println!(
        "     victim: {baseline} counts in the 2 s before the flood, {during} during it (wall clock, information); \
         doorbells taken: {quiet_doorbells} before, {flood_doorbells} during"
    );
    ensure!(baseline >= 10 && during > 0, fail(format!("the victim did not count: {baseline}, then {during}")));
    ensure!(quiet_doorbells == 0, fail(format!("the victim took {quiet_doorbells} doorbells before the flood")));
    ensure!(flood_doorbells > 0, fail("the flood never reached the victim".into()));
    ensure!(
        flood_doorbells <= 16 + 2 * 1000 + 64,
        fail(format!(
            "the victim's pCPU was woken {flood_doorbells} times in 2 s: over the budget (1 per ms, burst 16)"
        ))
    );
    // What the flooder saw, and the kernel's account of it.
    let line = log[end..].lines().next().unwrap_or("");
    let numbers: Vec<u64> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    let [accepted, refused, other] = numbers[..] else { return Err(fail(format!("unreadable `{line}`"))) };
    println!("     flooder: {accepted} Notify calls accepted, {refused} refused (rate limit), {other} other errors");
    ensure!(other == 0, fail(format!("{other} Notify calls failed otherwise")));
    // Most accepted calls were merged with a doorbell the victim had not
    // taken yet; the budget (1 per ms) refused many more than it allowed.
    ensure!(refused >= 1000, fail(format!("not a flood over the budget: {accepted} accepted, {refused} refused")));
    let started = "channel flood: domain flooder is over its notify budget (1 per ms, burst 16): ";
    let starts = log.lines().filter(|l| l.starts_with(started)).count();
    ensure!(starts == 1, fail(format!("refusing was announced {starts} times")));
    let counted: u64 = log
        .lines()
        .filter_map(|l| {
            l.strip_prefix("channel flood: domain flooder: ")?.strip_suffix(" doorbells refused (rate limit)")
        })
        .map(|n| n.parse::<u64>().unwrap_or(0))
        .sum();
    ensure!(
        1 + counted == refused,
        fail(format!("the kernel counted {} refusals, the flooder saw {refused}", 1 + counted))
    );
    ensure!(!log.lines().any(|l| l.starts_with("fault:")), fail("a domain faulted".into()));
    Ok(())
}
