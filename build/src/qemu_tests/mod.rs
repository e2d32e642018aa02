// SPDX-License-Identifier: MIT
//! The QEMU integration tests. Each boots a real image under a timeout,
//! without semihosting, and takes its verdict from the kernel's own lines,
//! matched at the start of a line: its stop line (`system stop: exit N`,
//! read by `qemu::kernel_exit`) and what it logged. Guest lines are
//! prefixed with their domain's name, so a guest cannot forge either.
//!
//! This file owns the harness (building, booting, checking the verdict and
//! the counter's progress) and the list of tests; the tests live by area:
//! `boot_checks`, `isolation`, `console`, `ipc`, `irq`, `linux` (and the input
//! domain's in `crate::input_scenario`).

mod audit;
mod boot_checks;
mod console;
mod direct_attacks;
mod host_escape;
mod ioreq;
mod ipc;
mod irq;
mod isolation;
mod linux;
mod stack_guard;
mod virtio_9p;
mod virtio_gpu;
mod virtio_input;
mod virtio_net;
mod virtio_snd;

use crate::board::schema::LogFormat;
use crate::cmd::build::{Built, build};
use crate::cmd::test::Tally;
use crate::qemu::{self, Outcome, Overrides};
use anyhow::{Context, Result};
use bulkhead_abi::ExitCode;
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

/// Runs `cmd` under `timeout`, typing on the serial console: each step of
/// `script` waits until every one of its lines has appeared, then types
/// its bytes.
fn run_typing(cmd: std::process::Command, timeout: Duration, script: &[(&[&str], &[u8])]) -> Result<Outcome> {
    let mut step = 0;
    qemu::run_feeding(cmd, timeout, |log, stdin| {
        while let Some((waits, typed)) = script.get(step) {
            if !waits.iter().all(|w| log.contains(w)) {
                break;
            }
            let _ = stdin.write_all(typed).and_then(|()| stdin.flush());
            step += 1;
        }
        false
    })
}

/// Checks the exit status and the console; a failure carries the tail of
/// the console so that the reason is visible in the test log.
fn expect(out: &Outcome, code: ExitCode, lines: &[&str]) -> Result<()> {
    let problem = if out.timed_out {
        Some(format!("QEMU timed out after {}s", TIMEOUT.as_secs()))
    } else if out.code != Some(code as i32) {
        Some(format!(
            "the kernel's exit code was {:?} (QEMU's status {:?}), expected {} ({code:?})",
            out.code, out.qemu_status, code as i32
        ))
    } else {
        lines.iter().find(|l| !has_line(&out.output, l)).map(|l| format!("no console line starts with `{l}`"))
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

/// Whether a line of `log` starts with `start`: kernel lines are matched
/// where a guest cannot forge them.
pub(crate) fn has_line(log: &str, start: &str) -> bool {
    log.lines().any(|l| l.starts_with(start))
}

/// The byte offset, at or after `from`, of the first line of `log` that
/// starts with `start`.
pub(crate) fn find_line(log: &str, from: usize, start: &str) -> Option<usize> {
    let mut at = 0;
    for line in log.split_inclusive('\n') {
        if at >= from && line.starts_with(start) {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// The last `[counter] count N` at or before byte `at` of the log.
fn counter_at(log: &str, at: usize) -> Option<u64> {
    count_at(log, at, "[counter] count ")
}

/// The last `<prefix>N` (a line that starts with `prefix`, then a number)
/// at or before byte `at` of the log.
fn count_at(log: &str, at: usize, prefix: &str) -> Option<u64> {
    log.get(..at)?.lines().rev().find_map(|l| l.strip_prefix(prefix)?.split(' ').next()?.parse().ok())
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

type Test = (&'static str, fn(&mut Ctx) -> Result<()>);

const TESTS: &[Test] = &[
    (
        "qemu: Linux crashes (sysrq c, panic=-1), is restarted and comes back while the counter counts",
        linux::a_crashing_linux_comes_back_while_the_counter_counts,
    ),
    ("qemu: banner reports all 8 CPUs online, domains run", boot_checks::banner_reports_all_cpus),
    ("qemu: fewer CPUs than the board is a boot error", boot_checks::fewer_cpus_is_a_boot_error),
    ("qemu: less RAM than the board is a boot error", boot_checks::less_ram_is_a_boot_error),
    ("qemu: a corrupt configuration is refused", boot_checks::corrupt_config_is_refused),
    ("qemu: a configuration of another version is refused", boot_checks::wrong_config_version_is_refused),
    (
        "qemu: a configuration with a correct CRC whose grant covers the kernel is refused",
        boot_checks::a_grant_over_the_kernel_is_refused,
    ),
    (
        "qemu: a damaged domain image is refused (a byte in a word, a last byte)",
        boot_checks::a_damaged_domain_image_is_refused,
    ),
    ("qemu: a panic reports its location and exits 101", boot_checks::panic_reports_location),
    ("qemu: defmt frames decode with defmt-print", boot_checks::defmt_frames_decode),
    ("qemu: every hostile attempt is contained, the counter counts on", isolation::hostile_domain_is_contained),
    (
        "qemu: every hostile attempt is contained under direct delivery too, the counter counts on",
        isolation::a_direct_hostile_domain_is_contained,
    ),
    ("qemu: a two-vCPU domain panics, resets and powers off", isolation::lifecycle_panic_reset_and_off),
    (
        "qemu: an audit budget burnt in advance still logs the probe that follows, and sums up the rest",
        audit::an_audit_budget_burnt_in_advance_still_logs_the_probe,
    ),
    (
        "qemu: a guest's semihosting SYS_EXIT ends nothing (no run has -semihosting)",
        host_escape::a_guest_cannot_end_the_run_through_semihosting,
    ),
    (
        "qemu: a domain crashing at its first instruction is restarted with back-off, then halted; no stale watchdog after a halt",
        isolation::a_crash_loop_backs_off_then_halts,
    ),
    (
        "qemu: console: a flooding domain is rate limited, the counter keeps its rate",
        console::a_flooding_console_is_rate_limited,
    ),
    (
        "qemu: console: typed input reaches the focused domain's PL011, Ctrl-A n switches",
        console::console_input_reaches_the_focused_domain,
    ),
    (
        "qemu: console: typed input survives a console domain looping on Wait on the input's pCPU",
        console::console_input_survives_a_domain_waiting_on_its_pcpu,
    ),
    ("qemu: wfi traps or not, per domain, as the board says", isolation::wfi_policy_is_per_domain),
    ("qemu: two domains ping-pong 10,000 checksummed messages", ipc::ping_pong_over_a_channel),
    (
        "qemu: doorbells reach a direct-delivery domain as physical SGIs (10,000 round trips)",
        ipc::doorbells_reach_a_direct_delivery_domain,
    ),
    (
        "qemu: a peer that scribbles over its ring is reported, the other side carries on",
        ipc::a_scribbled_ring_is_reported_broken,
    ),
    (
        "qemu: a peer that floods Notify is bounded by the channel's notify budget: the victim's pCPU is woken at most the budget's doorbells",
        ipc::a_notify_flood_leaves_the_peer_its_rate,
    ),
    (
        "qemu: a peer restarts mid-conversation, the pair reconnects in a new epoch and carries on",
        ipc::a_restarted_peer_reconnects_and_the_pair_carries_on,
    ),
    (
        "qemu: a guest gets its timer, SPI, SGIs and 7 interrupts at once; another cannot touch them",
        irq::a_guest_gets_its_interrupts_and_cannot_touch_anothers,
    ),
    ("qemu: the same guest runs under direct delivery", irq::the_same_guest_runs_under_direct_delivery),
    (
        "qemu: interrupts: a domain stopped while vCPU 1 holds its SPI gets it again on vCPU 0 in its next life",
        irq::a_stopped_domain_leaves_no_interrupt_active,
    ),
    (
        "qemu: interrupts: a direct domain stopped while vCPU 1 holds its SPI gets it again on vCPU 0 in its next life",
        irq::a_stopped_direct_domain_leaves_no_interrupt_active,
    ),
    (
        "qemu: a direct domain that silences its pCPU (ICC_AP1R0_EL1) is forced into EL2, cleaned and restarted",
        direct_attacks::a_direct_domain_that_silences_its_pcpu_is_stopped_and_restarted,
    ),
    (
        "qemu: input domain: keys, pointer, touch reach the focused client only; it crashes, restarts, clients reconnect",
        |_| crate::input_scenario::input_end_to_end(),
    ),
    (
        "qemu: display domain: each head shows exactly what its clients drew (screendump), the IVI cannot cover the tell-tales",
        |_| crate::display_scenario::screens_show_what_the_clients_drew(),
    ),
    (
        "qemu: display domain: it crashes, the kernel restarts it, the cluster's tell-tales are back (screendump)",
        |_| crate::display_scenario::the_cluster_is_back_after_a_display_restart(),
    ),
    (
        "qemu: sound domain: both tones at their levels in the wav, the tone ducked under the chime, mute silences only the tone",
        |_| crate::sound_scenario::tones_duck_and_mute(),
    ),
    (
        "qemu: sound domain: capture reads whole periods of silence at the device's rate, with positions (none audiodev)",
        |_| crate::sound_scenario::capture_reads_silence_at_the_device_rate(),
    ),
    ("qemu: sound domain: it crashes, the kernel restarts it, both tones are back in the wav", |_| {
        crate::sound_scenario::both_tones_are_back_after_a_sound_restart()
    }),
    ("qemu: 9pfs domain: the cluster's demo log is on the disk, read back by the host's mtools", |_| {
        crate::ninep_scenario::the_demo_log_is_on_the_disk()
    }),
    ("qemu: 9pfs domain: a read-only client's writes are refused (EROFS) and its export is unchanged", |_| {
        crate::ninep_scenario::a_read_only_clients_writes_are_refused()
    }),
    (
        "qemu: 9pfs domain: it crashes mid-writes, restarts, the client re-attaches; every acknowledged record is on the disk",
        |_| crate::ninep_scenario::acknowledged_writes_survive_a_ninep_crash(),
    ),
    (
        "qemu: ioreq: a target's trapped loads and stores reach its device model and come back; the device's interrupt arrives; the device model reads the target's RAM, and only there",
        ioreq::trapped_accesses_reach_the_device_model_and_come_back,
    ),
    (
        "qemu: ioreq: a device model that never answers fails the target's access as a bus error, and nothing else",
        ioreq::a_silent_device_model_fails_the_access_as_a_bus_error,
    ),
    (
        "qemu: ioreq: DMOPs through a slot that grants no target, or completing an ioreq nobody waits for, are refused and audited",
        ioreq::dmops_without_a_capability_are_refused_and_audited,
    ),
    (
        "qemu: a domain that overflows its stack faults at the guard page below it (stack overflow), and nothing else",
        stack_guard::a_stack_overflow_faults_at_the_guard_page,
    ),
    (
        "qemu: ioreq: a device model is told exactly the pages of its tracked range that its target wrote (dirty tracking)",
        ioreq::a_device_model_sees_exactly_the_pages_its_target_wrote,
    ),
    (
        "qemu: device model: Debian's Linux reads a virtio keyboard, tablet and multi-touch a device model emulates; keys still arrive after the input domain's restart, the device model's (no reset) and Linux's own",
        virtio_input::linux_reads_a_virtio_keyboard_a_device_model_emulates,
    ),
    (
        "qemu: device model: Debian's Linux writes a picture to the virtio-gpu a device model emulates; the centre display shows it pixel for pixel through the display domain, beside the cluster's untouched tell-tales (screendump)",
        virtio_gpu::linux_shows_its_framebuffer_through_the_display_domain,
    ),
    (
        "qemu: device model: Debian's Linux mounts the 9pfs domain's export through a virtio-9p device a device model emulates, reads the host's file and writes one the host reads back (mtools)",
        virtio_9p::linux_mounts_the_9pfs_domains_export,
    ),
    (
        "qemu: device model: Debian's Linux on the network domain's switch fetches a page from the host's HTTP server through a virtio-net a device model emulates; frames with another source MAC are refused",
        virtio_net::linux_fetches_a_host_page_through_the_switch,
    ),
    (
        "qemu: device model: Debian's Linux plays a 480 Hz tone on the virtio-snd a device model emulates; the sound domain plays it beside the cluster's chime, which ducks it (wav, FFT)",
        virtio_snd::linux_plays_a_tone_through_the_sound_domain,
    ),
    (
        "qemu: network domain: a host client's 1 MiB comes back from the echo domain through hostfwd, byte for byte",
        |_| crate::net_scenario::the_echo_domain_echoes_a_mebibyte(),
    ),
    ("qemu: network domain: a client domain connects out to a listener on the host's 127.0.0.1", |_| {
        crate::net_scenario::the_client_domain_reaches_a_host_listener()
    }),
    ("qemu: network domain: a connect no board rule allows is refused (EACCES) and logged once", |_| {
        crate::net_scenario::a_forbidden_connect_is_refused_and_logged()
    }),
    (
        "qemu: network domain: it crashes mid-upload, sockets reset, the client reconnects and the host gets all 1 MiB",
        |_| crate::net_scenario::a_restart_resets_sockets_and_the_transfer_completes(),
    ),
    ("qemu: a driver domain that halts leaves its virtio devices reset (QMP reads their status)", |_| {
        crate::input_scenario::halted_driver_domain_resets_its_devices()
    }),
    ("qemu: Linux's shell answers a command typed on the physical UART", linux::linux_shell_answers_typed_commands),
    (
        "qemu: an unmodified Linux boots on 2 vCPUs, runs a workload, powers off (the counter counts on), reboots into a pristine copy",
        linux::linux_boots_on_two_vcpus_beside_the_counter,
    ),
    ("cli: check rejects a bad board with exit 2", boot_checks::check_rejects_a_bad_board_with_exit_2),
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
