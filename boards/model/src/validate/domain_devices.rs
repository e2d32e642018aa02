// SPDX-License-Identifier: MIT
//! Checks of what one domain owns: its table capacities, its devices (each
//! declared, with one owner) and its interrupts (the devices' and its own
//! `irqs`: SPIs only, none of the kernel's, one owner each). Must not check
//! the `[[device]]` entries themselves (that is `devices`).

use super::checker::{Checker, SPI_FIRST, SPI_LAST, sorted, span};
use super::devices;
use super::domains::NamedRange;
use super::reserved_irqs;
use crate::diag::Diagnostic;
use crate::linux;
use crate::schema::{BoardFile, DeviceEntry, DomainEntry};
use bulkhead_bootcfg::{MAX_CAPS, MAX_DEVICES, MAX_DOMAIN_IRQS};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::Spanned;

/// Who owns what so far, across domains.
pub struct Owners<'a> {
    devices: HashMap<&'a str, &'a DeviceEntry>,
    reserved: BTreeMap<u32, &'static str>,
    owner_of_device: HashMap<&'a str, (String, Range<usize>)>,
    owned_irqs: HashMap<u32, (String, Range<usize>)>,
}

impl<'a> Owners<'a> {
    /// Nothing owned yet on the board `file`.
    pub fn new(file: &'a BoardFile) -> Self {
        Self {
            devices: devices::by_name(file),
            reserved: reserved_irqs(file),
            owner_of_device: HashMap::new(),
            owned_irqs: HashMap::new(),
        }
    }
}

/// Checks domain `d`'s devices and interrupts; adds its devices' MMIO to
/// `ipa_ranges` (devices appear at IPA == PA).
pub fn check<'a>(
    c: &mut Checker,
    file: &BoardFile,
    d: &'a DomainEntry,
    owners: &mut Owners<'a>,
    ipa_ranges: &mut Vec<NamedRange>,
) {
    let name = d.name.get_ref().as_str();
    c.capacity("devices in one domain", d.devices.len(), MAX_DEVICES, span(&d.name));
    c.capacity("interrupts in one domain's `irqs`", d.irqs.len(), MAX_DOMAIN_IRQS, span(&d.name));
    let channel_ends = file
        .channels
        .iter()
        .flat_map(|ch| ch.get_ref().ends.get_ref().iter())
        .filter(|e| e.get_ref().domain.get_ref() == d.name.get_ref())
        .count();
    // Each device-model entry gives a capability per range and per
    // interrupt, and one each for the target's memory and tracked range.
    let dm_caps: usize = d
        .device_model
        .iter()
        .map(|dm| dm.get_ref())
        .map(|dm| {
            dm.mmio.get_ref().len()
                + dm.irqs.len()
                + usize::from(dm.memory.as_ref().is_some_and(|m| *m.get_ref()))
                + usize::from(dm.vram.is_some())
        })
        .sum();
    c.capacity(
        "capabilities (console, channel ends, devices, irqs, kept memory, device-model ranges, their interrupts and memory) in one domain",
        1 + channel_ends + d.devices.len() + d.irqs.len() + usize::from(d.kept.is_some()) + dm_caps,
        MAX_CAPS,
        span(&d.name),
    );
    let mut irqs: Vec<&Spanned<u32>> = d.irqs.iter().collect();
    for dev_name in &d.devices {
        let text = dev_name.get_ref().as_str();
        let Some(dev) = owners.devices.get(text).copied() else {
            let known: Vec<&str> = owners.devices.keys().copied().collect();
            c.push(
                Diagnostic::new(
                    span(dev_name),
                    format!("domain `{name}` owns device `{text}`, but no [[device]] has that name"),
                )
                .help(format!("declare it under [[device]] or use one of: {}", sorted(known).join(", "))),
            );
            continue;
        };
        if let Some((other, first)) = owners.owner_of_device.get(text) {
            let line = c.line_of(first);
            c.push(
                Diagnostic::new(span(dev_name), format!("device `{text}` is owned twice"))
                    .note(format!("domain `{other}` already owns it (line {line})"))
                    .help("a device has exactly one owner domain; remove it from one of them"),
            );
            continue;
        }
        owners.owner_of_device.insert(text, (name.to_string(), span(dev_name)));
        let start = *dev.base.get_ref();
        ipa_ranges.push((
            start,
            start.saturating_add(dev.size.get_ref().0),
            format!("device `{text}`"),
            span(dev_name),
        ));
        irqs.extend(dev.irqs.iter());
    }
    for irq in irqs {
        check_irq(c, d, irq, owners);
    }
}

/// One interrupt that domain `d` would own.
fn check_irq(c: &mut Checker, d: &DomainEntry, irq: &Spanned<u32>, owners: &mut Owners<'_>) {
    let name = d.name.get_ref().as_str();
    let intid = *irq.get_ref();
    if (d.linux.is_some() || d.console.is_some()) && intid == linux::CONSOLE_INTID {
        c.push(
            Diagnostic::new(span(irq), format!("interrupt {intid} is the interrupt of `{name}`'s emulated console"))
                .help("the emulated PL011 console interrupts with SPI 1 (INTID 33): own another interrupt"),
        );
    } else if let Some(why) = owners.reserved.get(&intid) {
        c.push(
            Diagnostic::new(span(irq), format!("interrupt {intid} is reserved by the kernel: it is {why}"))
                .help("domains cannot own the kernel's interrupts; pick another device or interrupt"),
        );
    } else if intid < 16 {
        c.push(
            Diagnostic::new(span(irq), format!("interrupt {intid} is an SGI"))
                .help("SGIs between a domain's own vCPUs need no ownership; only SPIs (32..1019) are owned"),
        );
    } else if intid < SPI_FIRST {
        c.push(
            Diagnostic::new(span(irq), format!("interrupt {intid} is a PPI, private to each vCPU"))
                .help("every vCPU gets its PPIs (the virtual timer is 27); only SPIs (32..1019) are owned"),
        );
    } else if intid > SPI_LAST {
        c.push(Diagnostic::new(span(irq), format!("interrupt {intid} is not an SPI")).help("SPIs are INTIDs 32..1019"));
    } else if let Some((other, first)) = owners.owned_irqs.get(&intid) {
        let line = c.line_of(first);
        c.push(
            Diagnostic::new(span(irq), format!("interrupt {intid} is owned twice"))
                .note(format!("domain `{other}` already owns it (line {line})"))
                .help("every SPI has exactly one owner domain"),
        );
    } else {
        owners.owned_irqs.insert(intid, (name.to_string(), span(irq)));
    }
}
