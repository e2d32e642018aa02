// SPDX-License-Identifier: MIT
//! The QEMU integration tests. Each boots a real image under a timeout and
//! takes its verdict from QEMU's exit status (the kernel's semihosting exit
//! code) together with the kernel's own log lines.

use crate::board::schema::LogFormat;
use crate::cmd::build::{Built, build};
use crate::cmd::test::Tally;
use crate::elf;
use crate::qemu::{self, Outcome, Overrides};
use anyhow::{Context, Result, ensure};
use bulkhead_abi::ExitCode;
use std::process::Command;
use std::time::{Duration, Instant};

/// Every QEMU run gets at most this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Images built once and shared by the tests.
#[derive(Default)]
struct Ctx {
    text: Option<Built>,
}

impl Ctx {
    fn text(&mut self) -> Result<&Built> {
        if self.text.is_none() {
            self.text = Some(build("qemu-virt", Some(LogFormat::Text))?);
        }
        self.text.as_ref().context("image not built")
    }
}

fn boot(built: &Built, image: &std::path::Path, o: &Overrides) -> Result<Outcome> {
    let cmd = qemu::command(&built.board, image, true, o)?;
    qemu::run_captured(cmd, TIMEOUT)
}

/// Builds `board` (text log), boots it on the board's own machine and
/// checks that it powers off (exit 0) after printing every one of `lines`.
fn boots_and_prints(board: &str, lines: &[&str]) -> Result<Outcome> {
    let built = build(board, Some(LogFormat::Text))?;
    let out = boot(&built, &built.image, &Overrides::default())?;
    expect(&out, ExitCode::Success, lines)?;
    Ok(out)
}

/// Checks the exit status and the console; a failure carries the tail of
/// the console so that the reason is visible in the test log.
fn expect(out: &Outcome, code: ExitCode, lines: &[&str]) -> Result<()> {
    let problem = if out.timed_out {
        Some(format!("QEMU timed out after {}s", TIMEOUT.as_secs()))
    } else if out.code != Some(code as i32) {
        Some(format!("QEMU exited with {:?}, expected {} ({code:?})", out.code, code as i32))
    } else {
        lines.iter().find(|l| !out.output.contains(*l)).map(|l| format!("the console never printed `{l}`"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let lines: Vec<&str> = out.output.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            anyhow::bail!("{problem}\n--- console (last 40 lines) ---\n{tail}")
        }
    }
}

/// The last `[counter] count N` at or before byte `at` of the log.
fn counter_at(log: &str, at: usize) -> Option<u64> {
    log.get(..at)?.lines().rev().find_map(|l| l.strip_prefix("[counter] count ")?.split(' ').next()?.parse().ok())
}

/// Whether `log` shows the counter counting after byte `at`: a count
/// higher than any before `at`.
fn counter_alive_after(log: &str, at: usize) -> bool {
    counter_advanced_within(log, at, log.len())
}

/// Whether the counter printed, between bytes `from` and `to` of the log,
/// a count higher than its last one before `from`.
fn counter_advanced_within(log: &str, from: usize, to: usize) -> bool {
    let before = counter_at(log, from).unwrap_or(0);
    counter_at(log, to).is_some_and(|after| after > before)
}

fn banner_reports_all_cpus(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // The domains run for ever: stop once the counter has counted a bit.
    let out = qemu::run_until(cmd, TIMEOUT, |log| log.contains("[counter] count 3 "))?;
    let mut lines = vec![
        "pCPUs:   8 online of 8".to_string(),
        "board:   qemu-virt".to_string(),
        "domains: 2".to_string(),
        "boot complete: starting 2 domains".to_string(),
        "[hello] hello from a Bulkhead domain".to_string(),
        "domain hello halted".to_string(),
        "[counter] cpu_on vCPU 1: 0".to_string(),
    ];
    lines.extend((0..8).map(|i| format!("pCPU {i} online")));
    let missing: Vec<&String> = lines.iter().filter(|l| !out.output.contains(l.as_str())).collect();
    ensure!(!out.timed_out && missing.is_empty(), "missing {missing:?} in:\n{}", out.output);
    Ok(())
}

fn fewer_cpus_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides { smp: Some(4), ..Overrides::default() })?;
    expect(&out, ExitCode::BootError, &["boot error: the board file says 8 CPUs but the device tree has 4"])?;
    ensure!(!out.output.contains("online of"), "a banner was printed despite the boot error");
    Ok(())
}

fn less_ram_is_a_boot_error(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let out = boot(built, &built.image, &Overrides { memory_mib: Some(512), ..Overrides::default() })?;
    expect(
        &out,
        ExitCode::BootError,
        &["boot error: the board file's RAM 0x40000000+0x40000000 is not inside the device tree's RAM"],
    )
}

/// A copy of the image with `patch` applied to its configuration blob.
fn patched_image(built: &Built, name: &str, patch: impl Fn(&mut [u8])) -> Result<std::path::PathBuf> {
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let offset = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let mut image = std::fs::read(&built.image)?;
    patch(image.get_mut(offset..).context("image shorter than its kernel")?);
    let path = built.image.with_file_name(format!("qemu-virt.{name}.img"));
    std::fs::write(&path, image)?;
    Ok(path)
}

fn corrupt_config_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let image = patched_image(built, "corrupt", |blob| blob[bulkhead_bootcfg::HEADER_LEN + 3] ^= 0x40)?;
    let out = boot(built, &image, &Overrides::default())?;
    expect(&out, ExitCode::BootError, &["boot error: configuration checksum mismatch"])
}

/// Flips one byte of a domain image: in domain 1's 8-byte words (the
/// kernel's CRC32X loop), then the last byte of domain 0's, which is not a
/// multiple of 8 bytes long (the byte loop after the words).
fn a_damaged_domain_image_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let payload = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let bytes = std::fs::read(&built.image)?;
    let config = bulkhead_bootcfg::decode(bytes.get(payload..).context("image shorter than its kernel")?)
        .map_err(|e| anyhow::anyhow!("the built image's configuration: {e:?}"))?;
    let span = |d: usize| {
        config
            .domains
            .get(d)
            .map(|d| (d.image.offset as usize, d.image.size as usize))
            .context("qemu-virt has 2 domains")
    };
    let (word_domain, tail_domain) = (span(1)?, span(0)?);
    ensure!(tail_domain.1 % 8 != 0, "domain 0's image ({} bytes) has no bytes after its words", tail_domain.1);
    for (name, domain, at) in [
        ("damaged-word", 1, word_domain.0 + ((word_domain.1 / 2) & !7) + 3),
        ("damaged-tail", 0, tail_domain.0 + tail_domain.1 - 1),
    ] {
        let patched = patched_image(built, name, |payload| payload[at] ^= 0x01)?;
        let out = boot(built, &patched, &Overrides::default())?;
        let line = format!("boot error: the image of domain {domain} is damaged (BadChecksum)");
        expect(&out, ExitCode::BootError, &[&line])?;
        ensure!(!out.output.contains("boot complete"), "{name}: domains started from a damaged image");
    }
    Ok(())
}

fn wrong_config_version_is_refused(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let next = bulkhead_bootcfg::VERSION + 1;
    let image = patched_image(built, "version", |blob| blob[4..8].copy_from_slice(&next.to_le_bytes()))?;
    let out = boot(built, &image, &Overrides::default())?;
    let line = format!("boot error: configuration blob has version {next}, this kernel reads version {}", next - 1);
    expect(&out, ExitCode::BootError, &[&line])
}

fn panic_reports_location(ctx: &mut Ctx) -> Result<()> {
    let built = ctx.text()?;
    let o = Overrides { append: Some("bulkhead.selftest=panic".into()), ..Overrides::default() };
    let out = boot(built, &built.image, &o)?;
    expect(&out, ExitCode::Panic, &["PANIC at kernel/aarch64/src/boot.rs:", "selftest: deliberate panic"])
}

fn defmt_frames_decode(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/lifecycle.toml", Some(LogFormat::Defmt))?;
    let out = boot(&built, &built.image, &Overrides::default())?;
    ensure!(out.code == Some(0), "defmt build exited with {:?}", out.code);
    // Format strings are interned in the ELF: a literal one never appears
    // on the wire of a defmt build.
    ensure!(!out.output.contains("boot complete"), "defmt build printed plain text");
    let frames = built.image.with_extension("defmt.bin");
    std::fs::write(&frames, &out.raw)?;
    let decoded = Command::new("defmt-print")
        .arg("-e")
        .arg(&built.kernel_elf)
        .arg("stdin")
        .stdin(std::fs::File::open(&frames)?)
        .output()
        .context("defmt-print is not installed (run ci/setup.sh)")?;
    let text = String::from_utf8_lossy(&decoded.stdout).to_string() + &String::from_utf8_lossy(&decoded.stderr);
    for line in [
        "pCPUs:   8 online of 8",
        "pCPU 7 online",
        "boot complete",
        "[hello] hello from a Bulkhead domain",
        "every domain has stopped",
    ] {
        ensure!(text.contains(line), "defmt-print output lacks `{line}`:\n{text}");
    }
    Ok(())
}

fn hostile_domain_is_contained(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/hostile.toml", Some(LogFormat::Text))?;
    let o = Overrides { no_semihosting: true, ..Overrides::default() };
    let cmd = qemu::command(&built.board, &built.image, true, &o)?;
    let out = qemu::run_until(cmd, Duration::from_secs(120), |log| {
        log.find("domain hostile halted")
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
        ensure!(log.contains(denial), fail(format!("no `{denial}`")));
    }
    // Each attempt: the kernel stops the domain (with the expected reason),
    // restarts it, and the counter keeps counting afterwards.
    let reasons: [&[&str]; 9] = [
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
        let fault = log[at..]
            .find("fault: domain hostile vCPU 0 (pCPU 4): ")
            .map(|p| p + at)
            .ok_or_else(|| fail(format!("attempt {i} was not stopped")))?;
        let line = log[fault..].lines().next().unwrap_or("");
        ensure!(allowed.iter().any(|r| line.contains(r)), fail(format!("attempt {i}: unexpected fault `{line}`")));
        let restarted = format!("domain hostile restarted ({} restarts)", i + 1);
        let r = log[fault..].find(&restarted).map(|p| p + fault).ok_or_else(|| fail(format!("no `{restarted}`")))?;
        cursor = r;
    }
    let last =
        log[cursor..].find("[hostile] attempt 9:").map(|p| p + cursor).ok_or_else(|| fail("no attempt 9".into()))?;
    ensure!(counter_advanced_within(log, cursor, last), fail("the counter made no progress after attempt 8".into()));
    let off = log[cursor..]
        .find("domain hostile: PSCI SYSTEM_OFF from vCPU 0")
        .ok_or_else(|| fail("smc SYSTEM_OFF did not stop the domain".into()))?;
    ensure!(log[cursor + off..].contains("domain hostile halted"), fail("hostile not halted".into()));
    for life in 0..10 {
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

/// A domain floods its console for 2 s beside the counter (`domains/chatty`):
/// the counter keeps at least half its rate (with no budget it fell to a
/// sixth), what passes stays within the budget, and the kernel's count of
/// dropped bytes is exactly what was sent and not printed.
fn a_flooding_console_is_rate_limited(_ctx: &mut Ctx) -> Result<()> {
    // kernel_core::ratelimit's budget, and domains/chatty's line length.
    const CONSOLE_BURST: u64 = 16 * 1024;
    const CONSOLE_BYTES_PER_10MS: u64 = 256;
    const LINE: u64 = 80;
    const FLOOD_S: u64 = 2;
    let built = build("boards/test/console.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, TIMEOUT, |log| log.contains("domain chatty halted"))?;
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
/// lines (`domains/echo-uart`, interrupt-driven through their virtual
/// GIC); Ctrl-A n moves the input, Ctrl-A Ctrl-A types a Ctrl-A, a
/// domain without a console is not counted.
fn console_input_reaches_the_focused_domain(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/console-input.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // (wait for this line, then type this); the first domain has the input at boot.
    let script: [(&str, &[u8]); 6] = [
        ("[echo-b] echo-uart: ready", b"hello a\r"),
        ("[echo-a] echo: hello a", b"\x012"),
        ("console: input to echo-b", b"hi b\x01\x01!\r"),
        ("[echo-b] echo: hi b.!", b"\x019"),
        ("console: no domain console 9", b"quit\r\x011"),
        ("console: input to echo-a", b"quit\r"),
    ];
    let mut step = 0;
    let out = qemu::run_feeding(cmd, TIMEOUT, |log, stdin| {
        while let Some((wait, typed)) = script.get(step) {
            if !log.contains(wait) || (step == 0 && !log.contains("[echo-a] echo-uart: ready")) {
                break;
            }
            let _ = stdin.write_all(typed).and_then(|()| stdin.flush());
            step += 1;
        }
        false
    })?;
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

fn lifecycle_panic_reset_and_off(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/lifecycle.toml",
        &[
            "[lifecycle] life 0",
            "fault: domain lifecycle vCPU 0 (pCPU 5): domain panic",
            "domain lifecycle restarted (1 restarts)",
            "[lifecycle] life 1",
            "domain lifecycle: PSCI SYSTEM_RESET from vCPU 0",
            "domain lifecycle restarted (2 restarts)",
            "[lifecycle] life 2",
            "domain lifecycle: PSCI SYSTEM_OFF from vCPU 0",
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

fn ping_pong_over_a_channel(_ctx: &mut Ctx) -> Result<()> {
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

fn doorbells_reach_a_direct_delivery_domain(_ctx: &mut Ctx) -> Result<()> {
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

fn a_scribbled_ring_is_reported_broken(_ctx: &mut Ctx) -> Result<()> {
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

fn a_restarted_peer_reconnects_and_the_pair_carries_on(_ctx: &mut Ctx) -> Result<()> {
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

fn a_guest_gets_its_interrupts_and_cannot_touch_anothers(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/irq.toml",
        &[
            "[irqtest] irqtest: rate ok",
            "[irqtest] irqtest: timer ok",
            "[irqtest] irqtest: spi ok",
            "[irqtest] irqtest: sgi ok",
            "[irqtest] irqtest: many ok",
            "[irqtest] irqtest: all ok",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8000104 to interrupt 34 it does not own",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8006110 to interrupt 34 it does not own",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8000204 to interrupt 34 it does not own",
            "[gicprobe] tried to take over SPI 34; it reads as 0x0 here",
            "[gicprobe] storm over: ",
            "every domain has stopped: system off",
        ],
    )?;
    ensure!(!out.output.contains("FAILED") && !out.output.contains("fault:"), "a check failed:\n{}", out.output);
    // The timer kept its rate while the other domain stormed.
    let rate = out.output.find("irqtest: rate ok");
    let storm_start = out.output.find("[gicprobe] tried to take over");
    let storm_end = out.output.find("[gicprobe] storm over");
    ensure!(
        rate.is_some() && storm_start < rate && rate < storm_end,
        "the rate check did not run during the storm:\n{}",
        out.output
    );
    Ok(())
}

fn the_same_guest_runs_under_direct_delivery(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/irq-direct.toml",
        &[
            "[irqtest] irqtest: timer ok",
            "[irqtest] irqtest: spi ok",
            "[irqtest] irqtest: sgi ok",
            "[irqtest] irqtest: many ok",
            "[irqtest] irqtest: all ok",
            "domain irqtest halted",
        ],
    )?;
    ensure!(!out.output.contains("FAILED") && !out.output.contains("fault:"), "a check failed:\n{}", out.output);
    Ok(())
}

fn wfi_policy_is_per_domain(_ctx: &mut Ctx) -> Result<()> {
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

fn imx8mp_evk_builds_a_bootable_image(_ctx: &mut Ctx) -> Result<()> {
    let built = build("imx8mp-evk", None)?;
    let image = std::fs::read(&built.image)?;
    let word = |at: usize| u64::from_le_bytes(image[at..at + 8].try_into().unwrap_or_default());
    ensure!(&image[0x38..0x3c] == b"ARM\x64", "no arm64 Image magic");
    ensure!(word(8) == 0x20_0000, "text_offset is {:#x}, expected 0x200000", word(8));
    ensure!(word(16) == built.board.config.kernel.size, "image_size {:#x} is not the kernel region", word(16));
    ensure!(word(24) == 0x2, "flags {:#x}: expected LE, 4 KiB pages, not relocatable", word(24));
    // The payload: the configuration blob decodes to the board's, and each
    // domain image is where the configuration says, with its checksum.
    let elf_bytes = std::fs::read(&built.kernel_elf)?;
    let offset = usize::try_from(elf::symbol(&elf_bytes, "__payload_start")? - built.board.config.kernel.base.raw())?;
    let payload = image.get(offset..).context("no payload")?;
    let config = bulkhead_bootcfg::decode(payload).map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(config.board.as_str() == "imx8mp-evk" && config.pcpus == 4, "wrong configuration: {config:?}");
    ensure!(config.console.kind == bulkhead_bootcfg::UartKind::ImxUart, "console is not the i.MX UART");
    for d in &config.domains {
        bulkhead_bootcfg::payload::image_bytes(payload, &d.image)
            .map_err(|e| anyhow::anyhow!("domain {}: {e:?}", d.name))?;
    }
    Ok(())
}

fn check_rejects_a_bad_board_with_exit_2(_ctx: &mut Ctx) -> Result<()> {
    let source = std::fs::read_to_string(crate::workspace::root().join("boards/qemu-virt.toml"))?;
    let bad = source.replacen("cpus = [2, 3]", "cpus = [2, 9]", 1);
    ensure!(bad != source, "fixture edit did not apply");
    let dir = crate::workspace::target_dir().join("xtask-tests");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bad-cpu.toml");
    std::fs::write(&path, &bad)?;
    // Through cargo, as a user runs it: this process's own executable may
    // have been replaced on disk by the host tests' build.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(crate::workspace::root())
        .args(["run", "--quiet", "--package", "xtask", "--", "check"])
        .arg(&path)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(2), "exit status {:?}, expected 2:\n{stderr}", out.status.code());
    let line = bad.lines().position(|l| l.contains("cpus = [2, 9]")).map_or(0, |i| i + 1);
    let location = format!("bad-cpu.toml:{line}:");
    ensure!(stderr.contains("pCPU 9 does not exist: the board has 8 CPUs"), "wrong message:\n{stderr}");
    ensure!(stderr.contains(&location), "no `{location}` in:\n{stderr}");
    Ok(())
}

/// An unmodified arm64 Linux (Debian's kernel, the busybox initramfs of
/// `cargo xtask fetch-guest`, which this test runs first) boots on two
/// vCPUs beside the counter, runs its workload on both, powers off through
/// PSCI, and the counter keeps counting after it. Then a Linux that reboots
/// (PSCI SYSTEM_RESET) is restarted from its pristine files and boots again
/// on both vCPUs.
fn linux_boots_on_two_vcpus_beside_the_counter(_ctx: &mut Ctx) -> Result<()> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build("qemu-virt-linux", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(180), |log| {
        log.find("domain linux halted").is_some_and(|at| counter_alive_after(log, at + 1))
    })?;
    let log = &out.output;
    let fail = |what: &str| {
        let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with("[counter] count")).collect();
        anyhow::anyhow!("{what}\n--- console, without the counter's lines ---\n{}", lines.join("\n"))
    };
    if out.timed_out {
        return Err(fail("timed out before Linux powered off and the counter counted on"));
    }
    let mut cursor = 0;
    for line in [
        "[linux] BULKHEAD-INIT: 2 cpus",
        "[linux] BULKHEAD-WORKLOAD: ok",
        "[linux] BULKHEAD-STEP: poweroff",
        "domain linux: PSCI SYSTEM_OFF from vCPU 0",
        "domain linux halted",
    ] {
        cursor += log[cursor..].find(line).ok_or_else(|| fail(&format!("no `{line}` (in this order)")))?;
    }
    for bad in ["fault: ", "restarted", "PANIC", "Kernel panic", "BULKHEAD-WORKLOAD: FAILED", "denied: "] {
        ensure!(!log.contains(bad), fail(&format!("`{bad}` in the log")));
    }
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

    let built = build("boards/test/linux-reboot.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let second_life = |log: &str| {
        log.find("domain linux restarted (1 restarts)")
            .and_then(|at| log[at..].find("[linux] BULKHEAD-INIT: ").map(|i| at + i))
    };
    let out = qemu::run_until(cmd, Duration::from_secs(180), |log| {
        second_life(log).is_some_and(|at| log[at..].contains(" cpus\n"))
    })?;
    let log = &out.output;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    ensure!(!out.timed_out, fail("timed out before the restarted Linux reached its /init"));
    let first = log.find("[linux] BULKHEAD-INIT: 2 cpus").ok_or_else(|| fail("no first `BULKHEAD-INIT: 2 cpus`"))?;
    ensure!(log[first..].contains("domain linux: PSCI SYSTEM_RESET from vCPU 0"), fail("no SYSTEM_RESET"));
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
fn linux_shell_answers_typed_commands(_ctx: &mut Ctx) -> Result<()> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build("boards/test/linux-shell.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    // (wait for this, then type this); `$((6 * 7))` makes the answer differ
    // from the echoed command line.
    let script: [(&str, &[u8]); 2] = [
        ("[linux] BULKHEAD-INIT: no bulkhead.test= steps", b"echo typed-$((6 * 7)) on $(nproc) cpus\r"),
        ("\n[linux] typed-42 on 2 cpus\n", b"poweroff -f\r"),
    ];
    let mut step = 0;
    let out = qemu::run_feeding(cmd, Duration::from_secs(180), |log, stdin| {
        while let Some((wait, typed)) = script.get(step) {
            if !log.contains(wait) {
                break;
            }
            let _ = stdin.write_all(typed).and_then(|()| stdin.flush());
            step += 1;
        }
        false
    })?;
    expect(
        &out,
        ExitCode::Success,
        &["[linux] typed-42 on 2 cpus", "domain linux: PSCI SYSTEM_OFF from vCPU 0", "every domain has stopped"],
    )?;
    ensure!(!out.output.contains("denied: "), "a denied call:\n{}", out.output);
    Ok(())
}

fn a_crashing_linux_comes_back_while_the_counter_counts(_ctx: &mut Ctx) -> Result<()> {
    ensure!(crate::cmd::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed");
    let built = build("boards/test/linux-crash.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let second_init = |log: &str| {
        log.find("domain linux restarted (1 restarts)")
            .and_then(|at| log[at..].find("[linux] BULKHEAD-INIT: 2 cpus").map(|i| at + i))
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
    let reset = crash
        + log[crash..]
            .find("domain linux: PSCI SYSTEM_RESET from vCPU")
            .ok_or_else(|| fail("the panic did not reset through PSCI"))?;
    ensure!(log[crash..reset].contains("Kernel panic"), fail("no Kernel panic between the crash and the reset"));
    let again = second_init(log).ok_or_else(|| fail("no second life"))?;
    ensure!(counter_alive_after(&log[..again], crash), fail("the counter stopped while Linux crashed and restarted"));
    ensure!(!log.contains("fault: "), fail("a domain fault"));
    Ok(())
}

type Test = (&'static str, fn(&mut Ctx) -> Result<()>);

const TESTS: &[Test] = &[
    (
        "qemu: Linux crashes (sysrq c, panic=-1), is restarted and comes back while the counter counts",
        a_crashing_linux_comes_back_while_the_counter_counts,
    ),
    ("qemu: banner reports all 8 CPUs online, domains run", banner_reports_all_cpus),
    ("qemu: fewer CPUs than the board is a boot error", fewer_cpus_is_a_boot_error),
    ("qemu: less RAM than the board is a boot error", less_ram_is_a_boot_error),
    ("qemu: a corrupt configuration is refused", corrupt_config_is_refused),
    ("qemu: a configuration of another version is refused", wrong_config_version_is_refused),
    ("qemu: a damaged domain image is refused (a byte in a word, a last byte)", a_damaged_domain_image_is_refused),
    ("qemu: a panic reports its location and exits 101", panic_reports_location),
    ("qemu: defmt frames decode with defmt-print", defmt_frames_decode),
    ("qemu: every hostile attempt is contained, the counter counts on", hostile_domain_is_contained),
    ("qemu: a two-vCPU domain panics, resets and powers off", lifecycle_panic_reset_and_off),
    (
        "qemu: console: a flooding domain is rate limited, the counter keeps its rate",
        a_flooding_console_is_rate_limited,
    ),
    (
        "qemu: console: typed input reaches the focused domain's PL011, Ctrl-A n switches",
        console_input_reaches_the_focused_domain,
    ),
    ("qemu: wfi traps or not, per domain, as the board says", wfi_policy_is_per_domain),
    ("qemu: two domains ping-pong 10,000 checksummed messages", ping_pong_over_a_channel),
    (
        "qemu: doorbells reach a direct-delivery domain as physical SGIs (10,000 round trips)",
        doorbells_reach_a_direct_delivery_domain,
    ),
    (
        "qemu: a peer that scribbles over its ring is reported, the other side carries on",
        a_scribbled_ring_is_reported_broken,
    ),
    (
        "qemu: a peer restarts mid-conversation, the pair reconnects in a new epoch and carries on",
        a_restarted_peer_reconnects_and_the_pair_carries_on,
    ),
    (
        "qemu: a guest gets its timer, SPI, SGIs and 7 interrupts at once; another cannot touch them",
        a_guest_gets_its_interrupts_and_cannot_touch_anothers,
    ),
    ("qemu: the same guest runs under direct delivery", the_same_guest_runs_under_direct_delivery),
    (
        "qemu: input domain: keys, pointer, touch reach the focused client only; it crashes, restarts, clients reconnect",
        |_| crate::input_scenario::input_end_to_end(),
    ),
    ("qemu: Linux's shell answers a command typed on the physical UART", linux_shell_answers_typed_commands),
    (
        "qemu: an unmodified Linux boots on 2 vCPUs, runs a workload, powers off (the counter counts on), reboots into a pristine copy",
        linux_boots_on_two_vcpus_beside_the_counter,
    ),
    ("build: imx8mp-evk image has a valid arm64 header", imx8mp_evk_builds_a_bootable_image),
    ("cli: check rejects a bad board with exit 2", check_rejects_a_bad_board_with_exit_2),
];

/// Runs every test whose name contains `filter`.
pub fn run_all(tally: &mut Tally, filter: Option<&str>) {
    println!("== integration tests");
    let mut ctx = Ctx::default();
    for (name, test) in TESTS.iter().filter(|(n, _)| filter.is_none_or(|f| n.contains(f))) {
        let start = Instant::now();
        let result = test(&mut ctx);
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                tally.passed += 1;
                println!("PASS {name} ({secs:.1}s)");
            }
            Err(e) => {
                tally.failed += 1;
                println!("FAIL {name} ({secs:.1}s): {e:#}");
            }
        }
    }
}
