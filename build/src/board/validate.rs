// SPDX-License-Identifier: MIT
//! Semantic checks of a parsed board file.
//!
//! Each check adds a [`Diagnostic`] that points at the offending value and
//! says what to change; all problems are reported at once. What passes is
//! turned into a [`BootConfig`] by [`super::layout`].

use super::diag::Diagnostic;
use super::schema::*;
use super::units::show_size;
use bulkhead_abi::PAGE_SIZE;
use bulkhead_bootcfg::{
    MAX_CAPS, MAX_CHANNELS, MAX_DEVICE_IRQS, MAX_DEVICES, MAX_DOMAIN_IRQS, MAX_DOMAINS, MAX_NAME, MAX_PCPUS,
    MAX_RAM_REGIONS,
};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::Spanned;

/// Where a domain's image comes from, as the resolver found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// A bare-metal domain crate under `domains/<name>` or `domains/test/<name>` (package `domain-<name>`).
    Crate(String),
    /// A raw binary file, loaded at the domain's first RAM region.
    File(std::path::PathBuf),
    /// An unmodified arm64 Linux kernel (`linux = { ... }`).
    Linux(LinuxImage),
}

/// The files and command line of a Linux domain, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxImage {
    /// The raw arm64 kernel `Image`.
    pub image: std::path::PathBuf,
    /// The initramfs, if any.
    pub initrd: Option<std::path::PathBuf>,
    /// The kernel command line.
    pub cmdline: String,
}

/// Finds domain images by the name a board file gives.
pub trait ImageResolver {
    /// The image called `name`, or `None` if there is no such image.
    fn resolve(&self, name: &str) -> Option<ImageSource>;
    /// What exists, for the help text.
    fn known(&self) -> Vec<String>;
    /// A Linux domain's file: `guest:<name>` from the `cargo xtask
    /// fetch-guest` cache, or a path (relative to the current directory
    /// unless the resolver knows the board file's). The error says what to do.
    fn guest_file(&self, name: &str) -> Result<std::path::PathBuf, String> {
        crate::guest::resolve_file(name, std::path::Path::new("."))
    }
}

/// A physical range that something claims.
struct Claim {
    what: String,
    start: u64,
    end: u64,
    span: Range<usize>,
}

/// Collects diagnostics.
#[derive(Default)]
pub struct Checker {
    /// What was found so far.
    pub diagnostics: Vec<Diagnostic>,
    line_starts: Vec<usize>,
}

fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

fn hex_range(start: u64, end: u64) -> String {
    format!("{start:#x}..{end:#x}")
}

const SPI_FIRST: u32 = 32;
const SPI_LAST: u32 = 1019;

impl Checker {
    fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self { diagnostics: Vec::new(), line_starts }
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        self.line_starts.partition_point(|&s| s <= span.start)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn names_unique<'a>(&mut self, kind: &str, names: impl Iterator<Item = &'a Spanned<String>>) {
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

    fn page_aligned(&mut self, what: &str, value: &Spanned<u64>) {
        if !value.get_ref().is_multiple_of(PAGE_SIZE) {
            self.push(
                Diagnostic::new(span(value), format!("{what} {:#x} is not 4 KiB aligned", value.get_ref()))
                    .help("stage-2 maps whole 4 KiB pages: round it to a multiple of 0x1000"),
            );
        }
    }

    fn page_multiple(&mut self, what: &str, size: &Spanned<super::units::Size>) {
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

    fn capacity(&mut self, what: &str, count: usize, max: usize, at: Range<usize>) {
        if count > max {
            self.push(
                Diagnostic::new(at, format!("too many {what}: {count}, the most is {max}")).help(format!(
                    "the kernel's tables are static; merge {what} or raise the limit in protocols/bootcfg"
                )),
            );
        }
    }
}

/// The kernel's reserved interrupts, each with the reason.
pub fn reserved_irqs(file: &BoardFile) -> BTreeMap<u32, &'static str> {
    let mut reserved = BTreeMap::new();
    reserved.insert(*file.board.get_ref().gic.get_ref().maintenance_irq.get_ref(), "the GIC maintenance interrupt");
    reserved.insert(*file.board.get_ref().console.get_ref().irq.get_ref(), "the kernel's console UART");
    for sgi in &file.kernel.get_ref().sgis {
        reserved.insert(*sgi.get_ref(), "one of the kernel's SGIs ([kernel].sgis)");
    }
    reserved
}

/// Each domain's image as `images` resolves it, in domain order (for a
/// checked board: one per domain).
pub fn image_sources(file: &BoardFile, images: &dyn ImageResolver) -> Vec<ImageSource> {
    file.domains
        .iter()
        .filter_map(|d| match (&d.get_ref().image, &d.get_ref().linux) {
            (Some(image), None) => images.resolve(image.get_ref()),
            (None, Some(linux)) => super::linux::resolve(linux.get_ref(), images).map(ImageSource::Linux),
            _ => None,
        })
        .collect()
}

/// Runs every semantic check on `file`; `source` is its text.
pub fn check(file: &BoardFile, source: &str, images: &dyn ImageResolver) -> Vec<Diagnostic> {
    let mut c = Checker::new(source);
    let board = file.board.get_ref();
    let kernel = file.kernel.get_ref();

    c.names_unique("domain", file.domains.iter().map(|d| &d.get_ref().name));
    c.names_unique("device", file.devices.iter().map(|d| &d.get_ref().name));
    c.names_unique("channel", file.channels.iter().map(|ch| &ch.get_ref().name));
    c.capacity("domains", file.domains.len(), MAX_DOMAINS, span(&file.board));
    c.capacity("channels", file.channels.len(), MAX_CHANNELS, span(&file.board));

    // The machine.
    let cpus = *board.cpus.get_ref();
    if cpus == 0 || cpus as usize > MAX_PCPUS {
        c.push(
            Diagnostic::new(span(&board.cpus), format!("a board with {cpus} CPUs is not supported"))
                .help(format!("Bulkhead runs on 1 to {MAX_PCPUS} CPUs")),
        );
    }
    let gic = board.gic.get_ref();
    if !matches!(gic.version.get_ref(), 2 | 3) {
        c.push(
            Diagnostic::new(span(&gic.version), format!("GIC version {} does not exist", gic.version.get_ref()))
                .help("use 2 or 3"),
        );
    }
    let maint = *gic.maintenance_irq.get_ref();
    if !(16..32).contains(&maint) {
        c.push(
            Diagnostic::new(span(&gic.maintenance_irq), format!("the maintenance interrupt {maint} is not a PPI"))
                .help("it is a PPI, INTID 16..31 (25 on most boards)"),
        );
    }
    let console_irq = *board.console.get_ref().irq.get_ref();
    if !(SPI_FIRST..=SPI_LAST).contains(&console_irq) {
        c.push(
            Diagnostic::new(
                span(&board.console.get_ref().irq),
                format!("the console interrupt {console_irq} is not an SPI"),
            )
            .help("UART interrupts are SPIs: INTID 32 + the SPI number"),
        );
    }
    for sgi in &kernel.sgis {
        if *sgi.get_ref() > 15 {
            c.push(
                Diagnostic::new(span(sgi), format!("{} is not an SGI", sgi.get_ref())).help("SGIs are INTIDs 0..15"),
            );
        }
    }

    // Physical memory.
    let ram = board.ram.get_ref();
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
    let mut claims = Vec::new();
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
    claims.push(Claim {
        what: "the kernel's region".into(),
        start: kbase,
        end: kbase.saturating_add(ksize),
        span: span(&kernel.base),
    });

    // Devices. None may touch the kernel's own: the GIC distributor, the
    // redistributor frames (128 KiB per CPU), the ITS (its control and
    // translation frames, 128 KiB: it turns device writes into any
    // interrupt of any CPU) and the console UART's page.
    let gic_d = *gic.distributor.get_ref();
    let gic_r = *gic.redistributors.get_ref();
    let uart = *board.console.get_ref().base.get_ref() & !(PAGE_SIZE - 1);
    let mut kernel_mmio = vec![
        ("the GIC distributor", gic_d, gic_d.saturating_add(0x1_0000)),
        ("the GIC redistributors", gic_r, gic_r.saturating_add(0x2_0000 * u64::from(cpus))),
        ("the kernel's console UART", uart, uart.saturating_add(PAGE_SIZE)),
    ];
    if let Some(its) = &gic.its {
        let base = *its.get_ref();
        if !base.is_multiple_of(0x1_0000) {
            c.push(
                Diagnostic::new(span(its), format!("the ITS base {base:#x} is not 64 KiB aligned"))
                    .help("give the base of the GIC ITS's control frame (GITS_CTLR), from the SoC's memory map"),
            );
        }
        kernel_mmio.push(("the GIC ITS", base, base.saturating_add(GIC_ITS_SIZE)));
    }
    let devices: HashMap<&str, &DeviceEntry> =
        file.devices.iter().map(|d| (d.get_ref().name.get_ref().as_str(), d.get_ref())).collect();
    for d in &file.devices {
        let d = d.get_ref();
        let start = *d.base.get_ref();
        let end = start.saturating_add(d.size.get_ref().0);
        if start < ram_end && end > ram_start {
            c.push(
                Diagnostic::new(
                    span(&d.base),
                    format!("device `{}` at {} overlaps RAM", d.name.get_ref(), hex_range(start, end)),
                )
                .help("a device's MMIO range must lie outside [board].ram"),
            );
        }
        if d.size.get_ref().0 == 0 || d.size.get_ref().0 > MAX_DEVICE_SIZE {
            c.push(
                Diagnostic::new(
                    span(&d.size),
                    format!("device `{}` has size {}", d.name.get_ref(), show_size(d.size.get_ref().0)),
                )
                .help("give its MMIO size: more than 0 and at most 1 GiB"),
            );
        }
        if end > PHYS_LIMIT {
            c.push(
                Diagnostic::new(span(&d.base), format!("device `{}` lies beyond 1 TiB", d.name.get_ref()))
                    .help("stage 2 maps physical addresses below 2^40"),
            );
        }
        for (what, k_start, k_end) in &kernel_mmio {
            if start < *k_end && end > *k_start {
                c.push(
                    Diagnostic::new(
                        span(&d.base),
                        format!(
                            "device `{}` at {} overlaps {what} at {}",
                            d.name.get_ref(),
                            hex_range(start, end),
                            hex_range(*k_start, *k_end)
                        ),
                    )
                    .help("the kernel's own devices can never be given to a domain"),
                );
            }
        }
        c.capacity("interrupts on one device", d.irqs.len(), MAX_DEVICE_IRQS, span(&d.name));
    }

    // Domains.
    let mut pinned: HashMap<u32, (String, Range<usize>)> = HashMap::new();
    let mut owner_of_device: HashMap<&str, (String, Range<usize>)> = HashMap::new();
    let mut owned_irqs: HashMap<u32, (String, Range<usize>)> = HashMap::new();
    let reserved = reserved_irqs(file);
    let domain_names: Vec<&str> = file.domains.iter().map(|d| d.get_ref().name.get_ref().as_str()).collect();
    // Each domain's guest-physical map (RAM, devices, channel windows).
    let mut address_maps: HashMap<&str, Vec<(u64, u64, String)>> = HashMap::new();
    for entry in &file.domains {
        let d = entry.get_ref();
        let name = d.name.get_ref().as_str();

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

        match (&d.image, &d.linux) {
            (Some(image), None) if images.resolve(image.get_ref()).is_none() => {
                c.push(
                    Diagnostic::new(span(image), format!("domain `{name}`: image `{}` not found", image.get_ref()))
                        .help(format!(
                            "name a domain crate under domains/ or domains/test/ ({}) or a file path relative to the board file",
                            images.known().join(", ")
                        )),
                );
            }
            (Some(_), None) => {}
            (_, Some(linux)) => c.diagnostics.extend(super::linux::check(entry, linux, images)),
            (None, None) => c.push(
                Diagnostic::new(span(&d.name), format!("domain `{name}` has neither `image` nor `linux`"))
                    .help("give it `image = \"<domain crate or file>\"` or `linux = { image = \"guest:Image\", initrd = \"guest:initramfs\" }`"),
            ),
        }

        // RAM.
        let memory = d.memory.get_ref();
        if memory.is_empty() {
            c.push(
                Diagnostic::new(span(&d.memory), format!("domain `{name}` has no memory"))
                    .help("add `{ ipa = ..., size = \"2 MiB\" }`"),
            );
        }
        c.capacity("memory regions in one domain", memory.len(), MAX_RAM_REGIONS, span(&d.memory));
        let mut ipa_ranges: Vec<(u64, u64, String, Range<usize>)> = Vec::new();
        for (i, region) in memory.iter().enumerate() {
            let m = region.get_ref();
            c.page_aligned("IPA", &m.ipa);
            c.page_multiple("memory", &m.size);
            let ipa = *m.ipa.get_ref();
            let size = m.size.get_ref().0;
            check_ipa(&mut c, &m.ipa, size);
            ipa_ranges.push((ipa, ipa.saturating_add(size), format!("memory[{i}]"), span(&m.ipa)));
            let phys = match (&m.phys, d.dma) {
                (Some(p), true) if *p.get_ref() != ipa => {
                    c.push(
                        Diagnostic::new(
                            span(p),
                            format!("domain `{name}` drives DMA, so its RAM must be at IPA == PA"),
                        )
                        .help(format!("set phys = {ipa:#x} or drop `phys`")),
                    );
                    None
                }
                (Some(p), _) => {
                    c.page_aligned("physical address", p);
                    Some((*p.get_ref(), span(p)))
                }
                (None, true) => Some((ipa, span(&m.ipa))),
                (None, false) => None,
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

        if let Some(params) = &d.params
            && params.get_ref().len() > bulkhead_bootcfg::MAX_PARAMS
        {
            c.push(
                Diagnostic::new(
                    span(params),
                    format!("domain `{name}`'s params are {} bytes long", params.get_ref().len()),
                )
                .help(format!(
                    "the kernel keeps at most {} bytes of parameters per domain",
                    bulkhead_bootcfg::MAX_PARAMS
                )),
            );
        }

        if let Some(max) = &d.max_restarts
            && !(1..=bulkhead_bootcfg::MAX_MAX_RESTARTS).contains(max.get_ref())
        {
            c.push(Diagnostic::new(span(max), format!("domain `{name}` has `max_restarts = {}`", max.get_ref())).help(
                format!(
                    "give 1 to {} restarts in a row before the domain is halted (default {}); a domain that \
                         must never be restarted after a fault has `on_fault = \"halt\"`",
                    bulkhead_bootcfg::MAX_MAX_RESTARTS,
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

        // Devices and their pages.
        c.capacity("devices in one domain", d.devices.len(), MAX_DEVICES, span(&d.name));
        c.capacity("interrupts in one domain's `irqs`", d.irqs.len(), MAX_DOMAIN_IRQS, span(&d.name));
        let channel_ends = file
            .channels
            .iter()
            .flat_map(|ch| ch.get_ref().ends.get_ref().iter())
            .filter(|e| e.get_ref().domain.get_ref() == d.name.get_ref())
            .count();
        let dm_ranges: usize = d.device_model.iter().map(|dm| dm.get_ref().mmio.get_ref().len()).sum();
        c.capacity(
            "capabilities (console, channel ends, devices, irqs, device-model ranges) in one domain",
            1 + channel_ends + d.devices.len() + d.irqs.len() + dm_ranges,
            MAX_CAPS,
            span(&d.name),
        );
        let mut irqs: Vec<&Spanned<u32>> = d.irqs.iter().collect();
        for dev_name in &d.devices {
            let text = dev_name.get_ref().as_str();
            let Some(dev) = devices.get(text) else {
                let known: Vec<&str> = devices.keys().copied().collect();
                c.push(
                    Diagnostic::new(
                        span(dev_name),
                        format!("domain `{name}` owns device `{text}`, but no [[device]] has that name"),
                    )
                    .help(format!("declare it under [[device]] or use one of: {}", sorted(known).join(", "))),
                );
                continue;
            };
            if let Some((other, first)) = owner_of_device.get(text) {
                let line = c.line_of(first);
                c.push(
                    Diagnostic::new(span(dev_name), format!("device `{text}` is owned twice"))
                        .note(format!("domain `{other}` already owns it (line {line})"))
                        .help("a device has exactly one owner domain; remove it from one of them"),
                );
                continue;
            }
            owner_of_device.insert(text, (name.to_string(), span(dev_name)));
            let start = *dev.base.get_ref();
            ipa_ranges.push((
                start,
                start.saturating_add(dev.size.get_ref().0),
                format!("device `{text}`"),
                span(dev_name),
            ));
            irqs.extend(dev.irqs.iter());
        }

        // Interrupts.
        for irq in irqs {
            let intid = *irq.get_ref();
            if (d.linux.is_some() || d.console.is_some()) && intid == super::linux::CONSOLE_INTID {
                c.push(
                    Diagnostic::new(
                        span(irq),
                        format!("interrupt {intid} is the interrupt of `{name}`'s emulated console"),
                    )
                    .help("the emulated PL011 console interrupts with SPI 1 (INTID 33): own another interrupt"),
                );
            } else if let Some(why) = reserved.get(&intid) {
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
                c.push(
                    Diagnostic::new(span(irq), format!("interrupt {intid} is not an SPI"))
                        .help("SPIs are INTIDs 32..1019"),
                );
            } else if let Some((other, first)) = owned_irqs.get(&intid) {
                let line = c.line_of(first);
                c.push(
                    Diagnostic::new(span(irq), format!("interrupt {intid} is owned twice"))
                        .note(format!("domain `{other}` already owns it (line {line})"))
                        .help("every SPI has exactly one owner domain"),
                );
            } else {
                owned_irqs.insert(intid, (name.to_string(), span(irq)));
            }
        }

        // Channel windows this domain maps.
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
        if let Some(linux) = &d.linux {
            ipa_ranges.extend(super::linux::emulated_ranges(gic_d, gic_r, d.cpus.get_ref().len(), span(linux)));
        } else if let Some(console) = &d.console {
            let ipa = super::linux::CONSOLE_IPA;
            ipa_ranges.push((ipa, ipa + 0x1000, "the emulated console UART".into(), span(console)));
        }
        overlaps_in_ipa_space(&mut c, name, &mut ipa_ranges);
        address_maps.insert(name, ipa_ranges.into_iter().map(|(start, end, what, _)| (start, end, what)).collect());
    }
    check_device_models(&mut c, file, &address_maps);

    // Devices of different owners on one page.
    let mut page_owner: BTreeMap<u64, (&str, &str, Range<usize>)> = BTreeMap::new();
    for entry in &file.domains {
        let d = entry.get_ref();
        for dev_name in &d.devices {
            let Some(dev) = devices.get(dev_name.get_ref().as_str()) else { continue };
            let start = *dev.base.get_ref() / PAGE_SIZE;
            let end = (dev.base.get_ref().saturating_add(dev.size.get_ref().0.max(1)) - 1) / PAGE_SIZE;
            for page in start..=end {
                match page_owner.get(&page) {
                    Some((other_domain, other_dev, _)) if *other_domain != d.name.get_ref().as_str() => {
                        c.push(
                            Diagnostic::new(
                                span(dev_name),
                                format!(
                                    "device `{}` of domain `{}` shares the 4 KiB page {:#x} with device `{other_dev}` of domain `{other_domain}`",
                                    dev_name.get_ref(),
                                    d.name.get_ref(),
                                    page * PAGE_SIZE
                                ),
                            )
                            .help("stage-2 isolates whole pages: give both devices to one domain, or lay the devices out so each owner's fill pages of their own"),
                        );
                        break;
                    }
                    Some(_) => {}
                    None => {
                        page_owner
                            .insert(page, (d.name.get_ref().as_str(), dev_name.get_ref().as_str(), span(dev_name)));
                    }
                }
            }
        }
    }

    // Channels.
    for entry in &file.channels {
        let ch = entry.get_ref();
        c.page_multiple("channel", &ch.size);
        if ch.ends.get_ref().len() != 2 {
            c.push(
                Diagnostic::new(span(&ch.ends), format!("channel `{}` has {} ends", ch.name.get_ref(), ch.ends.get_ref().len()))
                    .help("a channel joins exactly two domains: `ends = [{ domain = \"a\", ipa = ... }, { domain = \"b\", ipa = ... }]`"),
            );
        }
        for end in ch.ends.get_ref() {
            let end = end.get_ref();
            c.page_aligned("IPA", &end.ipa);
            check_ipa(&mut c, &end.ipa, ch.size.get_ref().0);
            if !domain_names.contains(&end.domain.get_ref().as_str()) {
                c.push(
                    Diagnostic::new(
                        span(&end.domain),
                        format!(
                            "channel `{}` names domain `{}`, which does not exist",
                            ch.name.get_ref(),
                            end.domain.get_ref()
                        ),
                    )
                    .help(format!("domains on this board: {}", domain_names.join(", "))),
                );
            }
        }
        if let Some(budget) = &ch.notify_budget {
            let budget = budget.get_ref();
            for (key, value, max) in [
                ("per_ms", &budget.per_ms, bulkhead_bootcfg::NotifyBudget::MAX_PER_MS),
                ("burst", &budget.burst, bulkhead_bootcfg::NotifyBudget::MAX_BURST),
            ] {
                if !(1..=max).contains(value.get_ref()) {
                    c.push(
                        Diagnostic::new(
                            span(value),
                            format!(
                                "channel `{}` has a notify budget `{key} = {}`",
                                ch.name.get_ref(),
                                value.get_ref()
                            ),
                        )
                        .help(format!(
                            "`{key}` is 1 to {max} (default: `notify_budget = {{ per_ms = {}, burst = {} }}`); \
                             a notification over the budget is refused and counted",
                            bulkhead_bootcfg::NotifyBudget::DEFAULT.per_ms,
                            bulkhead_bootcfg::NotifyBudget::DEFAULT.burst
                        )),
                    );
                }
            }
        }
        if let Some(p) = &ch.phys {
            c.page_aligned("physical address", p);
            claims.push(Claim {
                what: format!("channel `{}`", ch.name.get_ref()),
                start: *p.get_ref(),
                end: p.get_ref().saturating_add(ch.size.get_ref().0),
                span: span(p),
            });
        }
    }

    // Physical claims: inside RAM, no overlaps.
    for claim in &claims {
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

    c.diagnostics.sort_by_key(|d| d.span.start);
    c.diagnostics
}

/// A guest-physical range: start, end, what it is, where it is declared.
type NamedRange = (u64, u64, String, Range<usize>);

/// Device-model targets: the target exists and is another domain; each
/// range is page-aligned, inside the IPA space, not backed by anything in
/// the target (else its accesses would not trap), and emulated once.
fn check_device_models(c: &mut Checker, file: &BoardFile, address_maps: &HashMap<&str, Vec<(u64, u64, String)>>) {
    let mut emulated: HashMap<&str, Vec<NamedRange>> = HashMap::new();
    for entry in &file.domains {
        let d = entry.get_ref();
        let name = d.name.get_ref().as_str();
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
                check_ipa(c, &r.ipa, size);
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

/// The GIC ITS's two 64 KiB frames (control, translation).
const GIC_ITS_SIZE: u64 = 0x2_0000;
/// Largest device MMIO range.
const MAX_DEVICE_SIZE: u64 = 1 << 30;
/// Physical addresses stage 2 can map (VTCR_EL2.PS = 40 bits).
const PHYS_LIMIT: u64 = 1 << 40;
/// Guest addresses a domain may use: domains are told their physical
/// address range is 36 bits (ID_AA64MMFR0_EL1.PARange).
const IPA_LIMIT: u64 = 1 << 36;

fn check_ipa(c: &mut Checker, ipa: &Spanned<u64>, size: u64) {
    if ipa.get_ref().checked_add(size).is_none_or(|end| end > IPA_LIMIT) {
        c.push(
            Diagnostic::new(
                span(ipa),
                format!("guest address {:#x} (+{}) is beyond 64 GiB", ipa.get_ref(), show_size(size)),
            )
            .help("domains see a 36-bit physical address space: use an IPA below 0x10_0000_0000"),
        );
    }
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

fn overlaps_in_ipa_space(c: &mut Checker, domain: &str, ranges: &mut [(u64, u64, String, Range<usize>)]) {
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
