// SPDX-License-Identifier: MIT
//! Checks of `device_model` entries: the target exists and is another
//! domain; each range is page-aligned, inside the IPA space, not backed by
//! anything in the target (else its accesses would not trap), and emulated
//! once; the answer timeout is 1 ms to 10 s; the emulated devices'
//! interrupts are SPIs, one per range (or none), that neither the kernel
//! nor the target owns otherwise, each emulated once. Reads the address maps that `domains` built; changes none.

use super::checker::{Checker, SPI_FIRST, SPI_LAST, hex_range, sorted, span};
use super::domains::{AddressMaps, NamedRange};
use crate::diag::Diagnostic;
use crate::schema::BoardFile;
use std::collections::HashMap;

/// Checks every domain's device-model ranges against their targets' maps.
pub fn check(c: &mut Checker, file: &BoardFile, address_maps: &AddressMaps<'_>) {
    let mut emulated: HashMap<&str, Vec<NamedRange>> = HashMap::new();
    let mut emulated_irqs: HashMap<(&str, u32), &str> = HashMap::new();
    let reserved = super::reserved_irqs(file);
    let mut tracked: HashMap<String, std::ops::Range<usize>> = HashMap::new();
    for entry in &file.domains {
        let d = entry.get_ref();
        let name = d.name.get_ref().as_str();
        let mut windows = 0u8;
        for dm in &d.device_model {
            let dm = dm.get_ref();
            let target = dm.target.get_ref().as_str();
            let Some(map) = address_maps.get(target) else {
                let known: Vec<&str> = address_maps.keys().copied().filter(|&n| n != name).collect();
                c.push(
                    Diagnostic::new(
                        span(&dm.target),
                        format!("domain `{name}` models devices for `{target}`, but no domain has that name"),
                    )
                    .help(format!("name another domain: {}", sorted(known).join(", "))),
                );
                continue;
            };
            if target == name {
                c.push(
                    Diagnostic::new(span(&dm.target), format!("domain `{name}` cannot be its own device model"))
                        .help("a device model emulates MMIO for another domain; name that domain as `target`"),
                );
                continue;
            }
            if let Some(t) = &dm.timeout_ms
                && !(1..=10_000).contains(t.get_ref())
            {
                c.push(
                    Diagnostic::new(span(t), format!("timeout_ms = {} is outside 1..=10000", t.get_ref()))
                        .help("how long the target may wait for an answer, in milliseconds: 50 when left out"),
                );
            }
            if let Some(memory) = dm.memory.as_ref().filter(|m| *m.get_ref()) {
                check_memory(c, file, name, target, memory, &mut windows);
            }
            if let Some(vram) = &dm.vram {
                check_vram(c, file, target, vram, &mut tracked);
            }
            if !dm.irqs.is_empty() && dm.irqs.len() != dm.mmio.get_ref().len() {
                c.push(
                    Diagnostic::new(
                        span(&dm.mmio),
                        format!("{} ranges but {} interrupts for `{target}`", dm.mmio.get_ref().len(), dm.irqs.len()),
                    )
                    .help("give each emulated device (one per range) its interrupt, in order, or none"),
                );
            }
            let owned = target_irqs(file, target);
            for irq in &dm.irqs {
                let intid = *irq.get_ref();
                let problem = if !(SPI_FIRST..=SPI_LAST).contains(&intid) {
                    Some(format!("interrupt {intid} of an emulated device is not an SPI (32..=1019)"))
                } else if let Some(why) = reserved.get(&intid) {
                    Some(format!("interrupt {intid} is reserved by the kernel: it is {why}"))
                } else if owned.contains(&intid) {
                    Some(format!("interrupt {intid} is already `{target}`'s (a device, its irqs or its console)"))
                } else {
                    emulated_irqs
                        .insert((target, intid), name)
                        .map(|other| format!("interrupt {intid} of `{target}` is emulated twice (also by `{other}`)"))
                };
                if let Some(problem) = problem {
                    c.push(Diagnostic::new(span(irq), problem).help(
                        "an emulated device's interrupt is a virtual SPI of the target that nothing else raises",
                    ));
                }
            }
            if dm.mmio.get_ref().is_empty() {
                c.push(
                    Diagnostic::new(span(&dm.mmio), format!("device model of `{name}` for `{target}` has no ranges"))
                        .help("add `{ ipa = ..., size = \"4 KiB\" }`"),
                );
            }
            for range in dm.mmio.get_ref() {
                let r = range.get_ref();
                c.page_aligned("IPA", &r.ipa);
                c.page_multiple("device-model range", &r.size);
                let start = *r.ipa.get_ref();
                let size = r.size.get_ref().0;
                c.ipa_in_range(&r.ipa, size);
                let end = start.saturating_add(size);
                if let Some((a, b, what)) = map.iter().find(|(a, b, _)| start < *b && *a < end) {
                    c.push(
                        Diagnostic::new(
                            span(&r.ipa),
                            format!(
                                "device-model range {} overlaps {what} at {} in domain `{target}`",
                                hex_range(start, end),
                                hex_range(*a, *b)
                            ),
                        )
                        .help("an emulated range must be unbacked in the target, so that its accesses trap"),
                    );
                }
                emulated.entry(target).or_default().push((start, end, format!("`{name}`"), span(&r.ipa)));
            }
        }
    }
    for (target, ranges) in &mut emulated {
        ranges.sort_by_key(|r| r.0);
        for pair in ranges.windows(2) {
            let [a, b] = pair else { continue };
            if b.0 < a.1 {
                let line = c.line_of(&a.3);
                c.push(
                    Diagnostic::new(
                        b.3.clone(),
                        format!("range {} of domain `{target}` is emulated twice", hex_range(b.0, b.1)),
                    )
                    .note(format!("device model {} already emulates {} (line {line})", a.2, hex_range(a.0, a.1)))
                    .help("each MMIO range has one device model"),
                );
            }
        }
    }
}

/// `vram` for `target`: whole pages, 4 KiB to 16 MiB, inside one of the
/// target's memory regions, and the only tracked range of that target.
fn check_vram(
    c: &mut Checker,
    file: &BoardFile,
    target: &str,
    vram: &toml::Spanned<crate::schema::DeviceModelRange>,
    tracked: &mut HashMap<String, std::ops::Range<usize>>,
) {
    let v = vram.get_ref();
    c.page_aligned("IPA", &v.ipa);
    c.page_multiple("vram", &v.size);
    let (start, size) = (*v.ipa.get_ref(), v.size.get_ref().0);
    let end = start.saturating_add(size);
    let limit = bulkhead_bootcfg::MAX_TRACKED_PAGES * bulkhead_abi::PAGE_SIZE;
    if size == 0 || size > limit {
        c.push(
            Diagnostic::new(span(&v.size), format!("vram of {size:#x} bytes is not 4 KiB to 16 MiB"))
                .help("a tracked range is a framebuffer's pages: at most 4096 of them"),
        );
    }
    let t = file.domains.iter().map(|d| d.get_ref()).find(|d| d.name.get_ref() == target);
    let inside = t.is_some_and(|t| {
        t.memory.get_ref().iter().map(|m| m.get_ref()).any(|m| {
            let (a, len) = (*m.ipa.get_ref(), m.size.get_ref().0);
            a <= start && end <= a.saturating_add(len)
        })
    });
    if !inside {
        c.push(
            Diagnostic::new(
                span(&v.ipa),
                format!("vram {} is not inside one of `{target}`'s memory regions", hex_range(start, end)),
            )
            .help("a tracked range is part of the target's RAM (its framebuffer)"),
        );
    }
    if let Some(first) = tracked.insert(target.to_string(), span(&v.ipa)) {
        let line = c.line_of(&first);
        c.push(
            Diagnostic::new(span(&v.ipa), format!("`{target}` has a second tracked range"))
                .note(format!("the first is at line {line}"))
                .help("a target has at most one `vram`"),
        );
    }
}

/// The interrupts domain `target` owns otherwise: its devices', its own
/// `irqs`, and its emulated console's (INTID 33) if it has one.
fn target_irqs(file: &BoardFile, target: &str) -> Vec<u32> {
    let Some(t) = file.domains.iter().map(|d| d.get_ref()).find(|d| d.name.get_ref() == target) else {
        return Vec::new();
    };
    let devices = t
        .devices
        .iter()
        .filter_map(|name| file.devices.iter().map(|d| d.get_ref()).find(|d| d.name.get_ref() == name.get_ref()));
    let mut out: Vec<u32> = devices.flat_map(|d| d.irqs.iter().map(|i| *i.get_ref())).collect();
    out.extend(t.irqs.iter().map(|i| *i.get_ref()));
    if t.linux.is_some() || t.console.is_some() {
        out.push(crate::linux::CONSOLE_INTID);
    }
    out
}

/// `memory = true` of device model `name` for `target`: the target has one
/// RAM region, below the window's span; the device model has a window
/// left, and its own address map stays below the windows.
fn check_memory(
    c: &mut Checker,
    file: &BoardFile,
    name: &str,
    target: &str,
    memory: &toml::Spanned<bool>,
    windows: &mut u8,
) {
    use bulkhead_abi::ioreq::{GUEST_WINDOW_SIZE, GUEST_WINDOWS, MAX_GUEST_WINDOWS};
    let find = |n: &str| file.domains.iter().map(|d| d.get_ref()).find(|d| d.name.get_ref() == n);
    let mut problems = Vec::new();
    if let Some(t) = find(target) {
        match t.memory.get_ref().as_slice() {
            [region] => {
                let r = region.get_ref();
                let end = r.ipa.get_ref().saturating_add(r.size.get_ref().0);
                if end > GUEST_WINDOW_SIZE {
                    problems.push(format!(
                        "`{target}`'s RAM ends at {end:#x}, past the {GUEST_WINDOW_SIZE:#x} a device model's window spans"
                    ));
                }
            }
            regions => problems.push(format!(
                "`{target}` has {} RAM regions; a device model reaches a target with exactly one",
                regions.len()
            )),
        }
    }
    if *windows >= MAX_GUEST_WINDOWS {
        problems.push(format!("`{name}` reaches the memory of more than {MAX_GUEST_WINDOWS} targets"));
    }
    *windows = windows.saturating_add(1);
    if let Some(dm) = find(name) {
        let own_end = dm
            .memory
            .get_ref()
            .iter()
            .map(|m| m.get_ref().ipa.get_ref().saturating_add(m.get_ref().size.get_ref().0))
            .max()
            .unwrap_or(0);
        if own_end > GUEST_WINDOWS {
            problems.push(format!(
                "`{name}`'s own RAM reaches {own_end:#x}, where its targets' memory windows begin ({GUEST_WINDOWS:#x})"
            ));
        }
    }
    for problem in problems {
        c.push(
            Diagnostic::new(span(memory), problem)
                .help("`memory = true` maps the target's one RAM region into the device model at a fixed window"),
        );
    }
}
