// SPDX-License-Identifier: MIT
//! The demo's verdict: Debian's Linux booted on 2 vCPUs, ran its workload
//! on both and powered off, while the counter counted before, during and
//! after it. Any fault, restart, panic or failed workload ends the demo as
//! a failure at once.

use super::{counter_count, kernel_lines, line_offsets};

/// Counter lines that must follow Linux's halt: the counter outlived it.
pub const COUNTS_AFTER_HALT: usize = 2;

/// What the console shows so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not yet shown; what is still missing.
    Pending(&'static str),
    /// Everything shown.
    Shown,
    /// Failed: why.
    Failed(String),
}

/// The milestones, in the order they must appear, each a line start: the
/// guest's own markers (prefixed) and the kernel's lines.
const MILESTONES: [(&str, &str); 4] = [
    ("[linux] BULKHEAD-INIT: 2 cpus", "Linux's /init on 2 vCPUs"),
    ("[linux] BULKHEAD-WORKLOAD: ok", "Linux's workload on both vCPUs"),
    ("domain linux: PSCI SYSTEM_OFF from vCPU 0", "Linux's power-off (PSCI SYSTEM_OFF)"),
    ("domain linux halted", "the kernel halting Linux"),
];

/// Judges the console text `log`.
pub fn judge(log: &str) -> Verdict {
    for (_, line) in kernel_lines(log) {
        for bad in ["PANIC", "fault: ", "every domain has stopped"] {
            if line.starts_with(bad) {
                return Verdict::Failed(format!("the kernel printed `{line}`"));
            }
        }
        if line.starts_with("domain ") && line.contains(" restarted (") {
            return Verdict::Failed(format!("the kernel printed `{line}`"));
        }
    }
    for (_, line) in line_offsets(log) {
        if line.starts_with("[linux] BULKHEAD-WORKLOAD: FAILED") || line.starts_with("[linux] Kernel panic") {
            return Verdict::Failed(format!("Linux printed `{line}`"));
        }
    }
    // Each milestone at a line start, after the previous one.
    let mut from = 0;
    let mut first_marker = None;
    for (text, what) in MILESTONES {
        let found = line_offsets(log).find(|&(at, line)| at >= from && line == text);
        match found {
            Some((at, _)) => {
                first_marker.get_or_insert(at);
                from = at + 1;
            }
            None => return Verdict::Pending(what),
        }
    }
    let halted = from;
    let counts: Vec<(usize, u64)> =
        line_offsets(log).filter_map(|(at, line)| counter_count(line).map(|n| (at, n))).collect();
    let before_linux = counts.iter().any(|&(at, _)| at < first_marker.unwrap_or(0));
    if !before_linux {
        return Verdict::Failed("the counter printed nothing before Linux's /init".into());
    }
    let mut last = 0;
    for &(at, n) in &counts {
        if n <= last {
            return Verdict::Failed(format!("the counter went from {last} to {n} at byte {at}: it was restarted"));
        }
        last = n;
    }
    if counts.iter().filter(|&&(at, _)| at > halted).count() < COUNTS_AFTER_HALT {
        return Verdict::Pending("the counter counting on after Linux halted");
    }
    Verdict::Shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
Bulkhead banner
[counter] count 1 (vCPU 1 at 5)
[linux] Booting Linux
[counter] count 2 (vCPU 1 at 9)
[linux] BULKHEAD-INIT: 2 cpus
[linux] BULKHEAD-WORKLOAD: ok
[linux] BULKHEAD-STEP: poweroff
domain linux: PSCI SYSTEM_OFF from vCPU 0
domain linux halted
[counter] count 3 (vCPU 1 at 12)
[counter] count 4 (vCPU 1 at 15)
";

    #[test]
    fn a_full_demo_is_shown() {
        assert_eq!(judge(GOOD), Verdict::Shown);
    }

    #[test]
    fn the_counter_must_count_on_after_linux_halts() {
        let cut = GOOD.find("[counter] count 4").unwrap();
        assert_eq!(judge(&GOOD[..cut]), Verdict::Pending("the counter counting on after Linux halted"));
    }

    #[test]
    fn milestones_are_pending_in_order() {
        let cut = GOOD.find("[linux] BULKHEAD-WORKLOAD").unwrap();
        assert_eq!(judge(&GOOD[..cut]), Verdict::Pending("Linux's workload on both vCPUs"));
        assert_eq!(judge("[counter] count 1 (x)\n"), Verdict::Pending("Linux's /init on 2 vCPUs"));
    }

    #[test]
    fn a_guest_cannot_forge_a_kernel_milestone() {
        let forged = GOOD.replace("domain linux halted", "[linux] domain linux halted");
        assert_eq!(judge(&forged), Verdict::Pending("the kernel halting Linux"));
        let mid_line = GOOD.replace("domain linux halted", "[counter] x domain linux halted");
        assert_eq!(judge(&mid_line), Verdict::Pending("the kernel halting Linux"));
    }

    #[test]
    fn a_fault_or_restart_fails_at_once() {
        let fault = GOOD.replace("[linux] Booting Linux", "fault: domain linux vCPU 0 (pCPU 1): x -> halt");
        assert_eq!(
            judge(&fault),
            Verdict::Failed("the kernel printed `fault: domain linux vCPU 0 (pCPU 1): x -> halt`".into())
        );
        let restart = format!("domain counter restarted (1 restarts)\n{GOOD}");
        assert!(matches!(judge(&restart), Verdict::Failed(why) if why.contains("restarted (1 restarts)")));
        // A guest printing the same words does not fail the demo.
        let quoted = GOOD.replace("[linux] Booting Linux", "[linux] fault: nothing");
        assert_eq!(judge(&quoted), Verdict::Shown);
    }

    #[test]
    fn a_failed_workload_or_a_counter_that_went_back_fails() {
        let failed = GOOD.replace("BULKHEAD-WORKLOAD: ok", "BULKHEAD-WORKLOAD: FAILED: x");
        assert!(matches!(judge(&failed), Verdict::Failed(why) if why.contains("WORKLOAD: FAILED")));
        let back = GOOD.replace("count 4 (", "count 1 (");
        assert!(matches!(judge(&back), Verdict::Failed(why) if why.contains("from 3 to 1")));
    }

    #[test]
    fn a_counter_silent_before_linux_fails() {
        let silent = GOOD.replacen("[counter] count 1 (vCPU 1 at 5)\n", "", 1).replacen(
            "[counter] count 2 (vCPU 1 at 9)\n",
            "",
            1,
        );
        assert_eq!(judge(&silent), Verdict::Failed("the counter printed nothing before Linux's /init".into()));
    }
}
