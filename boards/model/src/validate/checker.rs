// SPDX-License-Identifier: MIT
//! The diagnostics collector that every section check writes to, with the
//! small checks they share (names, alignment, sizes, capacities, guest
//! addresses) and the machine limits they test against. Owns no section's
//! rules: those live in the sibling files.

use crate::diag::Diagnostic;
use crate::units::{Size, show_size};
use bulkhead_abi::PAGE_SIZE;
use bulkhead_bootcfg::MAX_NAME;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// First SPI INTID.
pub const SPI_FIRST: u32 = 32;
/// Last SPI INTID.
pub const SPI_LAST: u32 = 1019;
/// The GIC ITS's two 64 KiB frames (control, translation).
pub const GIC_ITS_SIZE: u64 = 0x2_0000;
/// Largest device MMIO range.
pub const MAX_DEVICE_SIZE: u64 = 1 << 30;
/// Physical addresses stage 2 can map (VTCR_EL2.PS = 40 bits).
pub const PHYS_LIMIT: u64 = 1 << 40;
/// Guest addresses a domain may use: domains are told their physical
/// address range is 36 bits (ID_AA64MMFR0_EL1.PARange).
pub const IPA_LIMIT: u64 = 1 << 36;

/// Collects diagnostics.
#[derive(Default)]
pub struct Checker {
    /// What was found so far.
    pub diagnostics: Vec<Diagnostic>,
    line_starts: Vec<usize>,
}

/// The byte range of a spanned value.
pub fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

/// `start..end` in hex.
pub fn hex_range(start: u64, end: u64) -> String {
    format!("{start:#x}..{end:#x}")
}

/// `v`, sorted.
pub fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

impl Checker {
    /// A checker of the file whose text is `source`.
    pub fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self { diagnostics: Vec::new(), line_starts }
    }

    /// 1-based line of the start of `span`.
    pub fn line_of(&self, span: &Range<usize>) -> usize {
        self.line_starts.partition_point(|&s| s <= span.start)
    }

    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Each name is well-formed and used once among its `kind`.
    pub fn names_unique<'a>(&mut self, kind: &str, names: impl Iterator<Item = &'a Spanned<String>>) {
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        for name in names {
            let text = name.get_ref().as_str();
            let valid = !text.is_empty()
                && text.len() <= MAX_NAME
                && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !valid {
                self.push(
                    Diagnostic::new(span(name), format!("{kind} name `{text}` is not allowed"))
                        .help(format!("use 1 to {MAX_NAME} characters from a-z, 0-9, `-` and `_`")),
                );
            }
            if let Some(first) = seen.get(text) {
                let line = self.line_of(first);
                self.push(
                    Diagnostic::new(span(name), format!("{kind} `{text}` is declared twice"))
                        .note(format!("first declared at line {line}"))
                        .help(format!("give each {kind} its own name")),
                );
            } else {
                seen.insert(text, span(name));
            }
        }
    }

    /// `value` is a multiple of 4 KiB.
    pub fn page_aligned(&mut self, what: &str, value: &Spanned<u64>) {
        if !value.get_ref().is_multiple_of(PAGE_SIZE) {
            self.push(
                Diagnostic::new(span(value), format!("{what} {:#x} is not 4 KiB aligned", value.get_ref()))
                    .help("stage-2 maps whole 4 KiB pages: round it to a multiple of 0x1000"),
            );
        }
    }

    /// `size` is a non-zero multiple of 4 KiB.
    pub fn page_multiple(&mut self, what: &str, size: &Spanned<Size>) {
        let bytes = size.get_ref().0;
        if bytes == 0 || !bytes.is_multiple_of(PAGE_SIZE) {
            self.push(
                Diagnostic::new(
                    span(size),
                    format!("{what} size {} is not a non-zero multiple of 4 KiB", show_size(bytes)),
                )
                .help("use a size like \"64 KiB\" or \"2 MiB\""),
            );
        }
    }

    /// At most `max` of `what`.
    pub fn capacity(&mut self, what: &str, count: usize, max: usize, at: Range<usize>) {
        if count > max {
            self.push(
                Diagnostic::new(at, format!("too many {what}: {count}, the most is {max}")).help(format!(
                    "the kernel's tables are static; merge {what} or raise the limit in protocols/bootcfg"
                )),
            );
        }
    }

    /// `ipa .. ipa + size` lies in the domains' 36-bit address space.
    pub fn ipa_in_range(&mut self, ipa: &Spanned<u64>, size: u64) {
        if ipa.get_ref().checked_add(size).is_none_or(|end| end > IPA_LIMIT) {
            self.push(
                Diagnostic::new(
                    span(ipa),
                    format!("guest address {:#x} (+{}) is beyond 64 GiB", ipa.get_ref(), show_size(size)),
                )
                .help("domains see a 36-bit physical address space: use an IPA below 0x10_0000_0000"),
            );
        }
    }
}
