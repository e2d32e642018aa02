// SPDX-License-Identifier: MIT
//! Turns a checked board file into the kernel's [`BootConfig`]: places the
//! RAM of each domain and each channel window that the file did not place,
//! and converts names into indices.
//!
//! Placement is first-fit over the board's RAM minus everything already
//! claimed (and above the kernel), 2 MiB aligned for regions of 2 MiB or more (so that stage 2 can
//! use block mappings), 4 KiB aligned otherwise.

use crate::diag::Diagnostic;
use crate::schema::*;
use crate::validate::reserved_irqs;
use bulkhead_abi::{DomainId, Ipa, PhysAddr};
use bulkhead_bootcfg as cfg;
use heapless::Vec as HVec;

const BLOCK: u64 = 2 << 20;
/// A device model's answer time when its board entry names none: long
/// enough for a device model that is up, short enough that a target whose
/// device model is gone sees bus errors rather than a hang.
pub const DEFAULT_IOREQ_TIMEOUT_MS: u32 = 50;

/// The most kept memory a domain may have (`kept`): what it keeps across
/// restarts is small state, not a second RAM.
pub const MAX_KEPT: u64 = 1 << 20;

/// Free physical memory, as sorted disjoint `[start, end)` ranges.
struct FreeRam(Vec<(u64, u64)>);

impl FreeRam {
    fn take(&mut self, start: u64, end: u64) {
        let mut next = Vec::new();
        for &(s, e) in &self.0 {
            if end <= s || start >= e {
                next.push((s, e));
                continue;
            }
            if s < start {
                next.push((s, start));
            }
            if end < e {
                next.push((end, e));
            }
        }
        self.0 = next;
    }

    fn allocate(&mut self, size: u64) -> Option<u64> {
        let align = if size >= BLOCK { BLOCK } else { bulkhead_abi::PAGE_SIZE };
        let found = self.0.iter().find_map(|&(s, e)| {
            let start = s.checked_add(align - 1)? & !(align - 1);
            (start.checked_add(size)? <= e).then_some(start)
        })?;
        self.take(found, found + size);
        Some(found)
    }
}

fn name(s: &str) -> cfg::Name {
    // Length and characters were checked by the validator.
    cfg::Name::try_from(s).unwrap_or_default()
}

fn push<T, const N: usize>(v: &mut HVec<T, N>, item: T) {
    // Capacities were checked by the validator.
    let _ = v.push(item);
}

/// Builds the configuration (images are filled in when the image is packed).
pub fn layout(file: &BoardFile) -> Result<cfg::BootConfig, Vec<Diagnostic>> {
    let board = file.board.get_ref();
    let kernel = file.kernel.get_ref();
    let ram_start = *board.ram.get_ref().base.get_ref();
    let ram_size = board.ram.get_ref().size.get_ref().0;
    let mut free = FreeRam(vec![(ram_start, ram_start + ram_size)]);
    let kbase = *kernel.base.get_ref();
    // RAM below the kernel is the boot loader's (QEMU's boot stub, U-Boot's
    // spin tables): never place a domain there.
    free.take(ram_start, kbase + kernel.size.get_ref().0);
    for d in &file.domains {
        let d = d.get_ref();
        for m in d.memory.get_ref() {
            let m = m.get_ref();
            let start = m.phys.as_ref().map(|p| *p.get_ref());
            if let Some(start) = start {
                free.take(start, start + m.size.get_ref().0);
            }
        }
    }
    for ch in &file.channels {
        if let Some(p) = &ch.get_ref().phys {
            free.take(*p.get_ref(), *p.get_ref() + ch.get_ref().size.get_ref().0);
        }
    }

    let mut errors = Vec::new();
    let mut place = |size: &toml::Spanned<crate::units::Size>, what: String, free: &mut FreeRam| {
        free.allocate(size.get_ref().0).unwrap_or_else(|| {
            errors.push(
                Diagnostic::new(size.span(), format!("{what} does not fit in the board's free RAM"))
                    .help("shrink it or the other regions, or give the board more RAM"),
            );
            0
        })
    };

    let console = board.console.get_ref();
    let gic = board.gic.get_ref();
    let mut config = cfg::BootConfig {
        board: name(board.name.get_ref()),
        pcpus: u8::try_from(*board.cpus.get_ref()).unwrap_or(u8::MAX),
        ram: cfg::PhysRange { base: PhysAddr::new(ram_start), size: ram_size },
        kernel: cfg::PhysRange { base: PhysAddr::new(kbase), size: kernel.size.get_ref().0 },
        gic: cfg::Gic {
            distributor: PhysAddr::new(*gic.distributor.get_ref()),
            redistributors: PhysAddr::new(*gic.redistributors.get_ref()),
            maintenance_irq: *gic.maintenance_irq.get_ref(),
            its: gic.its.as_ref().map(|its| PhysAddr::new(*its.get_ref())),
        },
        console: cfg::Console {
            kind: match console.uart.get_ref() {
                UartModel::Pl011 => cfg::UartKind::Pl011,
                UartModel::Imx => cfg::UartKind::ImxUart,
            },
            base: PhysAddr::new(*console.base.get_ref()),
            irq: *console.irq.get_ref(),
        },
        reserved_irqs: HVec::new(),
        domains: HVec::new(),
        channels: HVec::new(),
    };
    for irq in reserved_irqs(file).keys() {
        push(&mut config.reserved_irqs, *irq);
    }

    for d in &file.domains {
        let d = d.get_ref();
        let mut domain = cfg::Domain {
            name: name(d.name.get_ref()),
            pcpus: HVec::new(),
            ram: HVec::new(),
            devices: HVec::new(),
            irqs: HVec::new(),
            wfi: trap(d.wfi),
            wfe: trap(d.wfe),
            delivery: match d.interrupts {
                InterruptMode::Trap => cfg::Delivery::Trap,
                InterruptMode::Direct => cfg::Delivery::Direct,
            },
            on_fault: match d.on_fault {
                FaultMode::Halt => cfg::FaultPolicy::Halt,
                FaultMode::Restart => cfg::FaultPolicy::Restart,
            },
            watchdog_ms: d.watchdog_ms,
            max_restarts: d.max_restarts.as_ref().map_or(cfg::DEFAULT_MAX_RESTARTS, |m| *m.get_ref()),
            params: d
                .params
                .as_ref()
                .and_then(|p| heapless::String::try_from(p.get_ref().as_str()).ok())
                .unwrap_or_default(),
            image: cfg::ImageRef { offset: 0, size: 0, crc32: 0, load: Ipa::new(0), entry: Ipa::new(0) },
            // Boot files and the entry convention come with the images (`image::pack`).
            boot_files: HVec::new(),
            entry_abi: cfg::EntryAbi::Bulkhead,
            caps: HVec::new(),
            // A Linux domain gets an emulated PL011 (its device tree names
            // it), a bare-metal one if it asks (`console = "pl011"`).
            console: (d.linux.is_some() || d.console.is_some()).then_some(cfg::VirtualConsole {
                ipa: Ipa::new(crate::linux::CONSOLE_IPA),
                intid: crate::linux::CONSOLE_INTID,
            }),
            // Guard pages come with the image (`image::pack`).
            guards: HVec::new(),
        };
        // Capability table: the console, then each channel end the domain
        // holds (board order), then each device it owns, each interrupt of
        // its `irqs`, and each device-model range.
        push(&mut domain.caps, cfg::Capability::Console);
        for (c, ch) in file.channels.iter().enumerate() {
            for (e, end) in ch.get_ref().ends.get_ref().iter().enumerate() {
                if end.get_ref().domain.get_ref() == d.name.get_ref() {
                    let channel = u16::try_from(c).unwrap_or(u16::MAX);
                    push(&mut domain.caps, cfg::Capability::Channel { channel, end: u8::try_from(e).unwrap_or(0) });
                }
            }
        }
        for i in 0..d.devices.len() {
            push(&mut domain.caps, cfg::Capability::Device { device: u16::try_from(i).unwrap_or(u16::MAX) });
        }
        for irq in &d.irqs {
            push(&mut domain.caps, cfg::Capability::Irq { intid: *irq.get_ref() });
        }
        for dm in &d.device_model {
            let dm = dm.get_ref();
            let Some(target) = file.domains.iter().position(|t| t.get_ref().name.get_ref() == dm.target.get_ref())
            else {
                continue; // refused by validation
            };
            for range in dm.mmio.get_ref() {
                let range = range.get_ref();
                push(
                    &mut domain.caps,
                    cfg::Capability::DmTarget {
                        target: u16::try_from(target).unwrap_or(u16::MAX),
                        ipa: Ipa::new(*range.ipa.get_ref()),
                        size: range.size.get_ref().0,
                        timeout_ms: dm.timeout_ms.as_ref().map_or(DEFAULT_IOREQ_TIMEOUT_MS, |t| *t.get_ref()),
                    },
                );
            }
            if dm.memory.as_ref().is_some_and(|m| *m.get_ref()) {
                let window = u8::try_from(
                    d.device_model
                        .iter()
                        .take_while(|e| !core::ptr::eq(e.get_ref(), dm))
                        .filter(|e| e.get_ref().memory.as_ref().is_some_and(|m| *m.get_ref()))
                        .count(),
                )
                .unwrap_or(u8::MAX);
                push(
                    &mut domain.caps,
                    cfg::Capability::DmMemory { target: u16::try_from(target).unwrap_or(u16::MAX), window },
                );
            }
            if let Some(vram) = &dm.vram {
                let v = vram.get_ref();
                push(
                    &mut domain.caps,
                    cfg::Capability::DmVram {
                        target: u16::try_from(target).unwrap_or(u16::MAX),
                        ipa: Ipa::new(*v.ipa.get_ref()),
                        size: v.size.get_ref().0,
                    },
                );
            }
            for irq in &dm.irqs {
                push(
                    &mut domain.caps,
                    cfg::Capability::DmIrq { target: u16::try_from(target).unwrap_or(u16::MAX), intid: *irq.get_ref() },
                );
            }
        }
        for cpu in d.cpus.get_ref() {
            push(&mut domain.pcpus, u8::try_from(*cpu.get_ref()).unwrap_or(u8::MAX));
        }
        for irq in &d.irqs {
            push(&mut domain.irqs, *irq.get_ref());
        }
        for (i, m) in d.memory.get_ref().iter().enumerate() {
            let m = m.get_ref();
            let ipa = *m.ipa.get_ref();
            // A DMA domain's RAM is placed like any other: it learns the
            // physical address at entry (`kernel_core::entry`) and gives
            // its devices translated addresses (`domain_rt::dma`).
            let phys = match &m.phys {
                Some(p) => *p.get_ref(),
                None => place(&m.size, format!("memory[{i}] of domain `{}`", d.name.get_ref()), &mut free),
            };
            push(
                &mut domain.ram,
                cfg::RamRegion { ipa: Ipa::new(ipa), phys: PhysAddr::new(phys), size: m.size.get_ref().0 },
            );
        }
        if let Some(kept) = &d.kept {
            let k = kept.get_ref();
            let phys = place(&k.size, format!("kept memory of domain `{}`", d.name.get_ref()), &mut free);
            push(
                &mut domain.caps,
                cfg::Capability::Kept {
                    ipa: Ipa::new(*k.ipa.get_ref()),
                    phys: PhysAddr::new(phys),
                    size: k.size.get_ref().0,
                },
            );
        }
        for dev_name in &d.devices {
            let Some(dev) = file.devices.iter().map(|x| x.get_ref()).find(|x| x.name.get_ref() == dev_name.get_ref())
            else {
                continue;
            };
            let mut irqs = HVec::new();
            for irq in &dev.irqs {
                push(&mut irqs, *irq.get_ref());
            }
            push(
                &mut domain.devices,
                cfg::DeviceGrant {
                    name: name(dev.name.get_ref()),
                    mmio: cfg::PhysRange { base: PhysAddr::new(*dev.base.get_ref()), size: dev.size.get_ref().0 },
                    irqs,
                    reset: if dev.compatible == "virtio,mmio" {
                        cfg::DeviceReset::VirtioMmio
                    } else {
                        cfg::DeviceReset::None
                    },
                },
            );
        }
        push(&mut config.domains, domain);
    }

    for ch in &file.channels {
        let ch = ch.get_ref();
        let phys = match &ch.phys {
            Some(p) => *p.get_ref(),
            None => place(&ch.size, format!("channel `{}`", ch.name.get_ref()), &mut free),
        };
        let end = |i: usize| {
            let e = ch.ends.get_ref().get(i).map(|e| e.get_ref());
            let index = e
                .and_then(|e| file.domains.iter().position(|d| d.get_ref().name.get_ref() == e.domain.get_ref()))
                .unwrap_or(0);
            cfg::ChannelEnd {
                domain: DomainId::new(u16::try_from(index).unwrap_or(u16::MAX)),
                ipa: Ipa::new(e.map_or(0, |e| *e.ipa.get_ref())),
            }
        };
        push(
            &mut config.channels,
            cfg::Channel {
                name: name(ch.name.get_ref()),
                window: cfg::PhysRange { base: PhysAddr::new(phys), size: ch.size.get_ref().0 },
                ends: [end(0), end(1)],
                notify_budget: ch.notify_budget.as_ref().map_or(cfg::NotifyBudget::DEFAULT, |b| cfg::NotifyBudget {
                    per_ms: *b.get_ref().per_ms.get_ref(),
                    burst: *b.get_ref().burst.get_ref(),
                }),
            },
        );
    }

    if errors.is_empty() { Ok(config) } else { Err(errors) }
}

fn trap(mode: TrapMode) -> cfg::TrapPolicy {
    match mode {
        TrapMode::Native => cfg::TrapPolicy::Native,
        TrapMode::Trap => cfg::TrapPolicy::Trap,
    }
}
