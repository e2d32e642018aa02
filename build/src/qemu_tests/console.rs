// SPDX-License-Identifier: MIT
//! Consoles: the per-domain output rate limit, typed input switched between emulated UARTs.

use super::{Ctx, TIMEOUT, counter_at, expect, has_line, run_typing};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use bulkhead_abi::ExitCode;

/// A domain floods its console for 2 s beside the counter (`domains/test/chatty`):
/// the counter keeps at least half its rate (with no budget it fell to a
/// sixth), what passes stays within the budget, and the kernel's count of
/// dropped bytes is exactly what was sent and not printed.
pub(super) fn a_flooding_console_is_rate_limited(_ctx: &mut Ctx) -> Result<()> {
    // kernel_core::ratelimit's budget, and domains/test/chatty's line length.
    const CONSOLE_BURST: u64 = 16 * 1024;
    const CONSOLE_BYTES_PER_10MS: u64 = 256;
    const LINE: u64 = 80;
    const FLOOD_S: u64 = 2;
    let built = build("boards/test/console.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, TIMEOUT, |log| has_line(log, "domain chatty halted"))?;
    let log = &out.output;
    let fail = |what: String| {
        let short: Vec<&str> = log.lines().filter(|l| !l.starts_with("[chatty] flood 0")).collect();
        anyhow::anyhow!("{what}\n--- console (without the flood lines) ---\n{}", short.join("\n"))
    };
    let find = |what: &str| log.find(what).ok_or_else(|| fail(format!("no `{what}`")));
    let quiet = find("[chatty] quiet for 2 s")?;
    let start = find("[chatty] flood start")?;
    let end = find("[chatty] flood end: ")?;
    let last = log[..end].rfind("[chatty] flood 0").ok_or_else(|| fail("no flood line was printed".into()))?;
    // The counter over the 2 s before the flood and over the flood.
    let at = |pos| counter_at(log, pos).unwrap_or(0);
    let (baseline, during) = (at(start) - at(quiet), at(last) - at(start));
    println!("     counter: {baseline} counts in the 2 s before the flood, {during} during it");
    ensure!(baseline >= 10, fail(format!("the counter counted only {baseline} times in 2 s")));
    ensure!(2 * during >= baseline, fail(format!("the counter slowed from {baseline} to {during} counts")));
    // The kernel's account.
    let sent: u64 = log[end..]["[chatty] flood end: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| fail("no line count".into()))?;
    let printed = log.matches("[chatty] flood 0").count() as u64;
    let dropped: u64 = log
        .lines()
        .filter_map(|l| l.strip_prefix("console: domain chatty: ")?.strip_suffix(" bytes dropped (rate limit)"))
        .map(|n| n.parse::<u64>().unwrap_or(0))
        .sum();
    println!("     chatty: {sent} lines sent, {printed} printed, {dropped} bytes dropped");
    let starts = log.matches("console: domain chatty: output over budget, dropping lines (rate limit)").count();
    ensure!(starts == 1, fail(format!("dropping was announced {starts} times")));
    ensure!(sent >= 10 * printed, fail(format!("not a flood: {sent} lines sent, {printed} printed")));
    ensure!(dropped == (sent - printed) * LINE, fail(format!("{dropped} bytes reported dropped")));
    let budget = CONSOLE_BURST + CONSOLE_BYTES_PER_10MS * 100 * (FLOOD_S + 1);
    ensure!(printed * LINE <= budget, fail(format!("{} bytes printed, over the budget of {budget}", printed * LINE)));
    let summary = find(" bytes dropped (rate limit)")?;
    ensure!(summary < end, fail("the summary came after the domain's next line".into()));
    Ok(())
}

/// Console input: two domains with emulated PL011 consoles echo typed
/// lines (`domains/test/echo-uart`, interrupt-driven through their virtual
/// GIC); Ctrl-A n moves the input, Ctrl-A Ctrl-A types a Ctrl-A, a
/// domain without a console is not counted.
pub(super) fn console_input_reaches_the_focused_domain(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/console-input.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // (wait for these lines, then type this); the first domain has the input at boot.
    let script: [(&[&str], &[u8]); 6] = [
        (&["[echo-a] echo-uart: ready", "[echo-b] echo-uart: ready"], b"hello a\r"),
        (&["[echo-a] echo: hello a"], b"\x012"),
        (&["console: input to echo-b"], b"hi b\x01\x01!\r"),
        (&["[echo-b] echo: hi b.!"], b"\x019"),
        (&["console: no domain console 9"], b"quit\r\x011"),
        (&["console: input to echo-a"], b"quit\r"),
    ];
    let out = run_typing(cmd, TIMEOUT, &script)?;
    expect(
        &out,
        ExitCode::Success,
        &[
            "[echo-b] echo: quit",
            "[echo-b] echo-uart: 2 lines, ",
            "[echo-a] echo: quit",
            "[echo-a] echo-uart: 2 lines, ",
            "every domain has stopped: system off",
        ],
    )?;
    for stray in ["[echo-b] echo: hello", "[echo-a] echo: hi", "[hello] echo"] {
        ensure!(!out.output.contains(stray), "input reached the wrong domain (`{stray}`):\n{}", out.output);
    }
    Ok(())
}

/// Console input while a domain sleeps in `Wait` on the pCPU the console's
/// receive interrupt is routed to (`boards/test/console-wait.toml`): that
/// domain (`domains/test/wait-loop`) owns virtual SPI 33, the number of the
/// physical console input, and never enables it. The interrupt arrives
/// while its pCPU sleeps inside `Wait`; the kernel must keep it (a `Wait`
/// that forwarded it left the physical interrupt active in a disabled
/// virtual SPI, and nobody got input again). The focused `echo-a` must
/// echo two lines typed one after the other, and `quit` halts it.
pub(super) fn console_input_survives_a_domain_waiting_on_its_pcpu(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/console-wait.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let script: [(&[&str], &[u8]); 3] = [
        (&["[echo-a] echo-uart: ready", "[wait-loop] looping on Wait, SPI 33 disabled"], b"first\r"),
        (&["[echo-a] echo: first"], b"second\r"),
        (&["[echo-a] echo: second"], b"quit\r"),
    ];
    let mut step = 0;
    let out = qemu::run_feeding(cmd, TIMEOUT, |log, stdin| {
        while let Some((waits, typed)) = script.get(step) {
            if !waits.iter().all(|w| has_line(log, w)) {
                break;
            }
            let _ = stdin.write_all(typed).and_then(|()| stdin.flush());
            step += 1;
        }
        has_line(log, "domain echo-a halted")
    })?;
    let log = &out.output;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    // The console input is routed to the boot pCPU, where wait-loop runs.
    ensure!(has_line(log, "pCPU 0 online (MPIDR 0x0, boot CPU)"), fail("pCPU 0 is not the boot CPU"));
    for line in ["[echo-a] echo: first", "[echo-a] echo: second", "[echo-a] echo: quit", "domain echo-a halted"] {
        ensure!(has_line(log, line), fail(&format!("no line starts with `{line}`: typed input was lost")));
    }
    for bad in ["fault:", "PANIC", "[wait-loop] Wait returned"] {
        ensure!(!log.lines().any(|l| l.starts_with(bad)), fail(&format!("a line starts with `{bad}`")));
    }
    Ok(())
}
