// SPDX-License-Identifier: MIT
//! Checks of each `[[domain]]`, in file order: its vCPUs' pCPUs, its image
//! (resolved here, once), its RAM, params, restart limit and interrupt
//! mode; then its devices and interrupts (`domain_devices`) and its
//! guest-physical address space. Builds each domain's address map for the
//! device-model check. Must not check `[[device]]` or `[[channel]]` entries
//! themselves.

use super::checker::{Checker, hex_range, span};
use super::domain_devices::{self, Owners};
use super::memory::Claim;
use crate::diag::Diagnostic;
use crate::images::{ImageResolver, ImageSource};
use crate::linux;
use crate::schema::{BoardFile, DomainEntry, InterruptMode};
use bulkhead_bootcfg::{MAX_MAX_RESTARTS, MAX_PARAMS, MAX_PCPUS, MAX_RAM_REGIONS};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// A guest-physical range: start, end, what it is, where it is declared.
pub type NamedRange = (u64, u64, String, Range<usize>);
/// Each domain's guest-physical map (RAM, devices, channel windows,
/// emulated frames), by domain name.
pub type AddressMaps<'a> = HashMap<&'a str, Vec<(u64, u64, String)>>;

/// What the domain checks found: each domain's address map, and its image
/// (`None` where it did not resolve, with a diagnostic saying why).
pub struct Domains<'a> {
    /// Each domain's guest-physical map.
    pub address_maps: AddressMaps<'a>,
    /// Each domain's image, in domain order.
    pub images: Vec<Option<ImageSource>>,
}

/// Checks every domain; adds the physical RAM it pins to `claims`.
pub fn check<'a>(
    c: &mut Checker,
    file: &'a BoardFile,
    images: &dyn ImageResolver,
    claims: &mut Vec<Claim>,
) -> Domains<'a> {
    let mut owners = Owners::new(file);
    let mut pinned: HashMap<u32, (String, Range<usize>)> = HashMap::new();
    let mut found = Domains { address_maps: HashMap::new(), images: Vec::new() };
    for entry in &file.domains {
        let d = entry.get_ref();
        let name = d.name.get_ref().as_str();
        check_cpus(c, file, d, &mut pinned);
        found.images.push(check_image(c, entry, images));
        let mut ipa_ranges = check_memory(c, d, claims);
        check_kept(c, d, &mut ipa_ranges);
        check_limits(c, d);
        domain_devices::check(c, file, d, &mut owners, &mut ipa_ranges);
        channel_windows(file, name, &mut ipa_ranges);
        let board = file.board.get_ref().gic.get_ref();
        if let Some(l) = &d.linux {
            let (gic_d, gic_r) = (*board.distributor.get_ref(), *board.redistributors.get_ref());
            ipa_ranges.extend(linux::emulated_ranges(gic_d, gic_r, d.cpus.get_ref().len(), span(l)));
        } else if let Some(console) = &d.console {
            let ipa = linux::CONSOLE_IPA;
            ipa_ranges.push((ipa, ipa + 0x1000, "the emulated console UART".into(), span(console)));
        }
        overlaps_in_ipa_space(c, name, &mut ipa_ranges);
        found
            .address_maps
            .insert(name, ipa_ranges.into_iter().map(|(start, end, what, _)| (start, end, what)).collect());
    }
    found
}

/// Each vCPU is pinned to an existing pCPU that no other vCPU has.
fn check_cpus(c: &mut Checker, file: &BoardFile, d: &DomainEntry, pinned: &mut HashMap<u32, (String, Range<usize>)>) {
    let name = d.name.get_ref().as_str();
    let cpus = *file.board.get_ref().cpus.get_ref();
    if d.cpus.get_ref().is_empty() {
        c.push(
            Diagnostic::new(span(&d.cpus), format!("domain `{name}` has no CPU"))
                .help("pin at least one vCPU: `cpus = [<pCPU index>]`"),
        );
    }
    c.capacity("vCPUs in one domain", d.cpus.get_ref().len(), MAX_PCPUS, span(&d.cpus));
    for cpu in d.cpus.get_ref() {
        let index = *cpu.get_ref();
        if index >= cpus {
            c.push(
                Diagnostic::new(span(cpu), format!("pCPU {index} does not exist: the board has {cpus} CPUs"))
                    .help(format!("use a pCPU index from 0 to {}", cpus.saturating_sub(1))),
            );
        } else if let Some((other, first)) = pinned.get(&index) {
            let line = c.line_of(first);
            let free: Vec<String> = (0..cpus).filter(|i| !pinned.contains_key(i)).map(|i| i.to_string()).collect();
            c.push(
                Diagnostic::new(span(cpu), format!("pCPU {index} is pinned twice"))
                    .note(format!("domain `{other}` already has pCPU {index} (line {line})"))
                    .help(if free.is_empty() {
                        "every pCPU runs exactly one vCPU and none is free: give a domain fewer vCPUs".to_string()
                    } else {
                        format!("every pCPU runs exactly one vCPU; free pCPUs: {}", free.join(", "))
                    }),
            );
        } else {
            pinned.insert(index, (name.to_string(), span(cpu)));
        }
    }
}

/// The domain's image resolves (a bare-metal image, or a Linux domain's
/// checked files); returns it.
fn check_image(c: &mut Checker, entry: &Spanned<DomainEntry>, images: &dyn ImageResolver) -> Option<ImageSource> {
    let d = entry.get_ref();
    let name = d.name.get_ref().as_str();
    match (&d.image, &d.linux) {
        (Some(image), None) => {
            let found = images.resolve(image.get_ref());
            if found.is_none() {
                c.push(
                    Diagnostic::new(span(image), format!("domain `{name}`: image `{}` not found", image.get_ref()))
                        .help(format!(
                            "name a domain crate under domains/ or domains/test/ ({}) or a file path relative to the board file",
                            images.known().join(", ")
                        )),
                );
            }
            found
        }
        (_, Some(l)) => {
            let (diagnostics, resolved) = linux::check(entry, l, images);
            c.diagnostics.extend(diagnostics);
            resolved.map(ImageSource::Linux)
        }
        (None, None) => {
            c.push(
                Diagnostic::new(span(&d.name), format!("domain `{name}` has neither `image` nor `linux`"))
                    .help("give it `image = \"<domain crate or file>\"` or `linux = { image = \"guest:Image\", initrd = \"guest:initramfs\" }`"),
            );
            None
        }
    }
}

/// The domain's RAM regions; pinned physical RAM becomes a claim. Returns
/// the regions' guest-physical ranges.
fn check_memory(c: &mut Checker, d: &DomainEntry, claims: &mut Vec<Claim>) -> Vec<NamedRange> {
    let name = d.name.get_ref().as_str();
    let memory = d.memory.get_ref();
    if memory.is_empty() {
        c.push(
            Diagnostic::new(span(&d.memory), format!("domain `{name}` has no memory"))
                .help("add `{ ipa = ..., size = \"2 MiB\" }`"),
        );
    }
    c.capacity("memory regions in one domain", memory.len(), MAX_RAM_REGIONS, span(&d.memory));
    let mut ipa_ranges: Vec<NamedRange> = Vec::new();
    for (i, region) in memory.iter().enumerate() {
        let m = region.get_ref();
        c.page_aligned("IPA", &m.ipa);
        c.page_multiple("memory", &m.size);
        let ipa = *m.ipa.get_ref();
        let size = m.size.get_ref().0;
        c.ipa_in_range(&m.ipa, size);
        ipa_ranges.push((ipa, ipa.saturating_add(size), format!("memory[{i}]"), span(&m.ipa)));
        let phys = match &m.phys {
            Some(p) => {
                c.page_aligned("physical address", p);
                Some((*p.get_ref(), span(p)))
            }
            None => None,
        };
        if let Some((start, at)) = phys {
            claims.push(Claim {
                what: format!("memory[{i}] of domain `{name}`"),
                start,
                end: start.saturating_add(size),
                span: at,
            });
        }
    }
    ipa_ranges
}

/// Kept memory: whole pages, small, and only for a bare-metal domain (a
/// Linux domain's memory map is its RAM).
fn check_kept(c: &mut Checker, d: &DomainEntry, ipa_ranges: &mut Vec<NamedRange>) {
    let Some(kept) = &d.kept else { return };
    let name = d.name.get_ref().as_str();
    let k = kept.get_ref();
    if d.linux.is_some() {
        c.push(
            Diagnostic::new(span(kept), format!("domain `{name}` is a Linux domain and cannot have kept memory"))
                .help("kept memory is for bare-metal domains that find it through their capability table; drop `kept`"),
        );
        return;
    }
    c.page_aligned("IPA", &k.ipa);
    c.page_multiple("kept memory", &k.size);
    let (ipa, size) = (*k.ipa.get_ref(), k.size.get_ref().0);
    if size == 0 || size > crate::layout::MAX_KEPT {
        c.push(
            Diagnostic::new(
                span(&k.size),
                format!("domain `{name}`'s kept memory of {size:#x} bytes is not 4 KiB to 1 MiB"),
            )
            .help("kept memory holds the small state a domain needs across restarts; give it 4 KiB to 1 MiB"),
        );
    }
    c.ipa_in_range(&k.ipa, size);
    ipa_ranges.push((ipa, ipa.saturating_add(size), "kept memory".into(), span(&k.ipa)));
}

/// Params length, restart limit, and direct interrupts only where trusted.
fn check_limits(c: &mut Checker, d: &DomainEntry) {
    let name = d.name.get_ref().as_str();
    if let Some(params) = &d.params
        && params.get_ref().len() > MAX_PARAMS
    {
        c.push(
            Diagnostic::new(
                span(params),
                format!("domain `{name}`'s params are {} bytes long", params.get_ref().len()),
            )
            .help(format!("the kernel keeps at most {MAX_PARAMS} bytes of parameters per domain")),
        );
    }

    if let Some(max) = &d.max_restarts
        && !(1..=MAX_MAX_RESTARTS).contains(max.get_ref())
    {
        c.push(Diagnostic::new(span(max), format!("domain `{name}` has `max_restarts = {}`", max.get_ref())).help(
            format!(
                "give 1 to {} restarts in a row before the domain is halted (default {}); a domain that \
                     must never be restarted after a fault has `on_fault = \"halt\"`",
                MAX_MAX_RESTARTS,
                bulkhead_bootcfg::DEFAULT_MAX_RESTARTS
            ),
        ));
    }

    // Direct delivery hands the domain its pCPU's physical Group 1 CPU
    // interface: no GICv3 without two security states can trap it.
    if d.interrupts == InterruptMode::Direct && !d.trusted_for_liveness {
        c.push(
            Diagnostic::new(
                span(&d.name),
                format!("domain `{name}` has `interrupts = \"direct\"`, which this machine cannot contain"),
            )
            .help(
                "direct delivery gives the domain its pCPU's physical GIC CPU interface: it can raise its \
                 active priority so that the kernel's kick and watchdog never arrive there (the kernel then \
                 stops it only by revoking its stage-2). Use `interrupts = \"trap\"`, or declare \
                 `trusted_for_liveness = true` if you trust this domain with its pCPUs' liveness",
            ),
        );
    }
}

/// The channel windows that domain `name` maps.
fn channel_windows(file: &BoardFile, name: &str, ipa_ranges: &mut Vec<NamedRange>) {
    for ch in &file.channels {
        let ch = ch.get_ref();
        for end in ch.ends.get_ref() {
            if end.get_ref().domain.get_ref() == name {
                let ipa = *end.get_ref().ipa.get_ref();
                ipa_ranges.push((
                    ipa,
                    ipa.saturating_add(ch.size.get_ref().0),
                    format!("channel `{}`", ch.name.get_ref()),
                    span(&end.get_ref().ipa),
                ));
            }
        }
    }
}

/// Nothing in one domain's guest-physical space overlaps.
fn overlaps_in_ipa_space(c: &mut Checker, domain: &str, ranges: &mut [NamedRange]) {
    ranges.sort_by_key(|r| r.0);
    for pair in ranges.windows(2) {
        let [a, b] = pair else { continue };
        if b.0 < a.1 {
            c.push(
                Diagnostic::new(
                    b.3.clone(),
                    format!(
                        "in domain `{domain}`'s address space, {} at {} overlaps {} at {}",
                        b.2,
                        hex_range(b.0, b.1),
                        a.2,
                        hex_range(a.0, a.1)
                    ),
                )
                .help("give each RAM region, device and channel window its own guest-physical range"),
            );
        }
    }
}
