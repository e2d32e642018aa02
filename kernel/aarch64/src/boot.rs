// SPDX-License-Identifier: MIT
//! The boot sequence of the primary CPU: device tree, configuration,
//! console, cross-checks, secondary CPUs, domain images, banner. No
//! `unsafe`: the console UART and the GIC are opened from the device
//! tree's facts by the arch layer.
#![deny(unsafe_code)]

use crate::arch::percpu::PCPUS;
use crate::arch::{gic, memory, uart};
use crate::cpus;
use crate::domains;
use crate::log::Show;
use bulkhead_abi::PhysAddr;
use bulkhead_bootcfg::payload::{boot_file_bytes_with, image_bytes_with};
use bulkhead_bootcfg::{BootConfig, UartKind};
use core::sync::atomic::Ordering;
use kernel_core::platform::DtbError;
use kernel_core::{Banner, BootError, PlatformFacts, cross_check, read_platform};
use spin::Once;

/// The configuration, decoded once at boot and read-only afterwards.
static CONFIG: Once<BootConfig> = Once::new();

/// Picks the console: the board file's UART if the device tree has it,
/// else the tree's first known UART (so that a configuration error can
/// still be reported).
fn choose_console(facts: &PlatformFacts<'_>, wanted: Option<(UartKind, usize)>) {
    let known = |kind, base: usize| facts.uarts.iter().any(|&(k, b)| k == kind && b.raw() as usize == base);
    let chosen = match wanted {
        Some((kind, base)) if known(kind, base) => Some((kind, base)),
        _ => facts.uarts.first().map(|&(k, b)| (k, b.raw() as usize)),
    };
    if let Some((kind, base)) = chosen {
        uart::open_console(kind, PhysAddr::new(base as u64), &facts.uarts);
    }
}

/// Runs the boot sequence.
/// Returns the boot CPU's pCPU index, with every domain loaded and every
/// secondary CPU released into its run loop.
pub fn boot(dtb_addr: usize) -> Result<usize, BootError> {
    let dtb = memory::device_tree(dtb_addr).ok_or(BootError::Dtb(DtbError::Malformed))?;
    let facts = read_platform(dtb).map_err(BootError::Dtb)?;
    let config = match memory::config_blob().and_then(bulkhead_bootcfg::decode) {
        Ok(config) => CONFIG.call_once(|| config),
        Err(e) => {
            choose_console(&facts, None);
            return Err(BootError::Config(e));
        }
    };
    choose_console(&facts, Some((config.console.kind, config.console.base.raw() as usize)));
    if memory::running_at() != memory::kernel_start() || memory::kernel_start() as u64 != config.kernel.base.raw() {
        return Err(BootError::KernelRegionMismatch);
    }
    cross_check(&facts, config)?;
    // The CRC is no authentication: no grant may reach the kernel, the
    // GIC, the console or another domain's RAM, whatever the blob says.
    kernel_core::grants::check_all(config, memory::kernel_region())?;
    #[cfg(feature = "qemu")]
    selftest(facts.bootargs);

    let (online, boot_cpu) = cpus::start_secondaries(&facts.cpu_mpidrs)?;
    let payload = memory::payload();
    for (index, domain) in config.domains.iter().enumerate() {
        image_bytes_with(payload, &domain.image, crate::arch::crc::crc32)
            .map_err(|error| BootError::DomainImage { domain: index, error })?;
        for file in &domain.boot_files {
            boot_file_bytes_with(payload, file, crate::arch::crc::crc32)
                .map_err(|error| BootError::DomainImage { domain: index, error })?;
        }
    }
    kprintln!("{}", Show(&Banner { version: env!("CARGO_PKG_VERSION"), config, online }));
    for (p, &mpidr) in facts.cpu_mpidrs.iter().enumerate() {
        let slot = if p == boot_cpu { 0 } else { p + 1 };
        PCPUS[p].mpidr.store(mpidr, Ordering::Release);
        PCPUS[p].stack_top.store(memory::stack_top(slot), Ordering::Release);
    }
    // The cross-check confirmed that the device tree's GICv3 frames are
    // the configuration's.
    if !gic::init(facts.gicv3, usize::from(config.pcpus), boot_cpu) {
        let board = (config.gic.distributor, config.gic.redistributors);
        return Err(BootError::GicMismatch { board, dtb: facts.gicv3 });
    }
    gic::init_cpu(boot_cpu);
    // Direct delivery keeps the kernel's interrupts in Group 0, which a GIC
    // with security enabled (DS=0) reserves for the Secure world.
    let security_disabled = memory::phys::read32(config.gic.distributor.raw()) & (1 << 6) != 0;
    if let Some(domain) = config.domains.iter().position(|d| d.delivery == bulkhead_bootcfg::Delivery::Direct)
        && !security_disabled
    {
        return Err(BootError::DirectDeliveryNeedsGroup0 { domain });
    }
    domains::build_world(config, payload)?;
    crate::console_input::init_input(config, boot_cpu);
    kprintln!("boot complete: starting {} domains", config.domains.len());
    if cfg!(feature = "census") {
        // Under QEMU's -icount the counter counts instructions since reset.
        let (now, hz) = (crate::arch::timer::now(), crate::arch::timer::frequency());
        kprintln!("census: domains start at counter {} ({} Hz)", now, hz);
    }
    domains::release_secondaries();
    Ok(boot_cpu)
}

/// Test hooks, in QEMU builds only: `bulkhead.selftest=panic` on the
/// command line (`/chosen/bootargs`) panics on purpose.
#[cfg(feature = "qemu")]
fn selftest(bootargs: Option<&str>) {
    let Some(args) = bootargs else { return };
    if args.split_whitespace().any(|a| a == "bulkhead.selftest=panic") {
        panic!("selftest: deliberate panic requested on the command line");
    }
}
