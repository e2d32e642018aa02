// SPDX-License-Identifier: MIT
//! Checks of physical memory: `[board].ram`, the kernel's region, and at
//! the end every physical claim (the kernel, pinned domain RAM, pinned
//! channel windows) inside RAM and apart from the others. Must not place
//! anything: that is `crate::layout`.

use super::checker::{Checker, PHYS_LIMIT, hex_range, span};
use crate::diag::Diagnostic;
use crate::schema::BoardFile;
use crate::units::show_size;
use bulkhead_abi::PAGE_SIZE;
use std::ops::Range;

/// A physical range that something claims.
pub struct Claim {
    /// What claims it, for messages.
    pub what: String,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Where it is declared.
    pub span: Range<usize>,
}

/// Checks the RAM and the kernel's region; returns the RAM range and the
/// kernel's claim.
pub fn check_ram_and_kernel(c: &mut Checker, file: &BoardFile) -> (Range<u64>, Vec<Claim>) {
    let ram = file.board.get_ref().ram.get_ref();
    let kernel = file.kernel.get_ref();
    c.page_aligned("RAM base", &ram.base);
    c.page_multiple("RAM", &ram.size);
    let ram_start = *ram.base.get_ref();
    let ram_end = ram_start.saturating_add(ram.size.get_ref().0);
    if ram_end > PHYS_LIMIT {
        c.push(
            Diagnostic::new(span(&ram.base), format!("RAM {} reaches beyond 1 TiB", hex_range(ram_start, ram_end)))
                .help("stage 2 maps physical addresses below 2^40"),
        );
    }
    let kbase = *kernel.base.get_ref();
    let ksize = kernel.size.get_ref().0;
    if !kbase.is_multiple_of(2 << 20) {
        c.push(
            Diagnostic::new(span(&kernel.base), format!("the kernel base {kbase:#x} is not 2 MiB aligned")).help(
                "arm64 Image loaders place the kernel at a 2 MiB boundary plus text_offset; use RAM base + 2 MiB",
            ),
        );
    }
    if kbase == ram_start {
        c.push(
            Diagnostic::new(span(&kernel.base), "the kernel cannot start at the very base of RAM")
                .help("loaders keep the first 2 MiB of RAM for themselves; use RAM base + 2 MiB"),
        );
    }
    if ksize < (4 << 20) || !ksize.is_multiple_of(PAGE_SIZE) {
        c.push(
            Diagnostic::new(span(&kernel.size), format!("the kernel region of {} is too small", show_size(ksize)))
                .help("give the kernel at least 4 MiB, in whole 4 KiB pages: it holds code, stacks, page tables and every domain image"),
        );
    }
    let claims = vec![Claim {
        what: "the kernel's region".into(),
        start: kbase,
        end: kbase.saturating_add(ksize),
        span: span(&kernel.base),
    }];
    (ram_start..ram_end, claims)
}

/// Every claim lies inside `ram` and overlaps no other.
pub fn check_claims(c: &mut Checker, ram: &Range<u64>, claims: &[Claim]) {
    let (ram_start, ram_end) = (ram.start, ram.end);
    for claim in claims {
        if claim.start < ram_start || claim.end > ram_end || claim.end <= claim.start {
            c.push(
                Diagnostic::new(
                    claim.span.clone(),
                    format!(
                        "{} at {} falls outside the board's RAM {}",
                        claim.what,
                        hex_range(claim.start, claim.end),
                        hex_range(ram_start, ram_end)
                    ),
                )
                .help("move it inside [board].ram, or leave out `phys` to let the build tool place it"),
            );
        }
    }
    for (i, a) in claims.iter().enumerate() {
        for b in claims.iter().skip(i + 1) {
            if a.start < b.end && b.start < a.end {
                let line = c.line_of(&a.span);
                c.push(
                    Diagnostic::new(
                        b.span.clone(),
                        format!("{} at {} overlaps {} at {}", b.what, hex_range(b.start, b.end), a.what, hex_range(a.start, a.end)),
                    )
                    .note(format!("{} is declared at line {line}", a.what))
                    .help("physical memory has one owner: move one of them, or leave out `phys` to let the build tool place it"),
                );
            }
        }
    }
}
