// SPDX-License-Identifier: MIT
//! What the README's demo shows, judged from the console: the verdict
//! (has the demo shown what it shows, or has it failed?) and the summary
//! printed at its end. Pure functions of the console text, host-tested;
//! running QEMU is `cmd::demo`'s job.
//!
//! Only the kernel's own lines count: they start a line and carry no
//! `[name] ` prefix, while every guest line is prefixed by the kernel, so a
//! guest cannot forge one. Guest lines are read only for what the guest
//! itself reports (Linux's `/init` markers).

pub mod summary;
pub mod verdict;

/// Kernel lines of `log`: those that do not start with a guest prefix.
pub fn kernel_lines(log: &str) -> impl Iterator<Item = (usize, &str)> {
    line_offsets(log).filter(|(_, l)| !l.starts_with('['))
}

/// Every line of `log` with the byte offset where it starts.
pub fn line_offsets(log: &str) -> impl Iterator<Item = (usize, &str)> {
    log.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    })
}

/// The count of a `[counter] count N (...)` line.
pub fn counter_count(line: &str) -> Option<u64> {
    line.strip_prefix("[counter] count ")?.split(' ').next()?.parse().ok()
}
