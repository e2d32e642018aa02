// SPDX-License-Identifier: MIT
//! The device tree an unmodified arm64 Linux domain boots with: its RAM,
//! its vCPUs (compact MPIDRs 0..n-1, PSCI over `hvc`), its virtual GICv3,
//! the architected timer, the emulated PL011 console, the devices it owns
//! and its channel windows, and `/chosen` (command line, console, initrd).
//!
//! Channels are plain nodes, not `reserved-memory`: a window lies outside
//! the domain's RAM (the board check forbids overlaps), so there is nothing
//! to carve out of `/memory`. Each is `channel@<ipa>` with
//! `compatible = "bulkhead,channel"`, `reg` and `bulkhead,name` (the board
//! file's channel name, which the guest also passes to `CapInfo`).
//!
//! Interrupts are given as GIC INTIDs, as in board files; SPIs become
//! `<0 (INTID - 32) 4>` (level-high) in the tree.

use anyhow::{Result, bail, ensure};
use vm_fdt::FdtWriter;

/// A guest-physical range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First byte (IPA).
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

/// The domain's virtual GICv3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GicSpec {
    /// GICD base (64 KiB).
    pub distributor: u64,
    /// First GICR frame (128 KiB per vCPU).
    pub redistributors: u64,
}

/// The emulated PL011 console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleSpec {
    /// MMIO base (4 KiB).
    pub base: u64,
    /// Its interrupt, a GIC INTID (SPI: 32..1019).
    pub intid: u32,
}

/// A device the domain owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    /// Node name (the board file's device name).
    pub name: String,
    /// `compatible` strings, most specific first.
    pub compatible: Vec<String>,
    /// Its MMIO range.
    pub reg: Range,
    /// Its interrupts, GIC INTIDs (SPIs).
    pub intids: Vec<u32>,
}

/// A channel window the domain maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    /// The board file's channel name.
    pub name: String,
    /// Where the domain sees the window.
    pub reg: Range,
}

/// Everything the tree describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxDtbSpec {
    /// The root `model` (free text, e.g. the domain's name).
    pub model: String,
    /// RAM ranges; the first holds the kernel.
    pub ram: Vec<Range>,
    /// vCPUs (MPIDR 0..n-1).
    pub vcpus: u32,
    /// The virtual GIC.
    pub gic: GicSpec,
    /// The console.
    pub console: ConsoleSpec,
    /// The kernel command line.
    pub bootargs: String,
    /// Where the initramfs is loaded, if there is one.
    pub initrd: Option<Range>,
    /// Devices the domain owns.
    pub devices: Vec<DeviceSpec>,
    /// Channel windows.
    pub channels: Vec<ChannelSpec>,
}

/// The emulated frames' sizes (GICD, GICR per vCPU: RD + SGI, no VLPI;
/// PL011), defined once with the board model's Linux checks.
pub use crate::board::linux::{GICD_SIZE, GICR_STRIDE, PL011_SIZE};
/// The PL011's clock (`apb_pclk`).
pub const PL011_CLOCK_HZ: u32 = 24_000_000;
/// The PL011's AMBA id (r1p4 as QEMU's), so Linux's AMBA bus need not read
/// the id registers of an emulated UART.
pub const PL011_PERIPHID: u32 = 0x0014_1011;
/// Timer PPIs: secure physical, non-secure physical, virtual, hypervisor physical.
pub const TIMER_PPIS: [u32; 4] = [13, 14, 11, 10];
/// Timer PPI flags as Linux's arm64 device trees write them: CPU mask 0xf and
/// IRQ_TYPE_LEVEL_HIGH (4); a GICv3 ignores the mask.
pub const TIMER_FLAGS: u32 = 0xf04;

const GIC_SPI: u32 = 0;
const GIC_PPI: u32 = 1;
const IRQ_TYPE_LEVEL_HIGH: u32 = 4;
const PHANDLE_GIC: u32 = 1;
const PHANDLE_CLOCK: u32 = 2;

fn spi_cells(intid: u32, what: &str) -> Result<[u32; 3]> {
    ensure!((32..=1019).contains(&intid), "{what}: interrupt {intid} is not an SPI (GIC INTIDs 32..1019)");
    Ok([GIC_SPI, intid - 32, IRQ_TYPE_LEVEL_HIGH])
}

fn check_node_name(name: &str, what: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 31
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b",._+-".contains(&b))
        && name.as_bytes()[0].is_ascii_alphabetic();
    ensure!(ok, "{what} `{name}` is not a device-tree node name: 1 to 31 characters from a-z, 0-9, `,._+-`");
    Ok(())
}

fn reg(r: Range) -> [u64; 2] {
    [r.base, r.size]
}

/// The flattened device tree (DTB) of `spec`; the error says which part of
/// the spec is wrong.
pub fn linux_dtb(spec: &LinuxDtbSpec) -> Result<Vec<u8>> {
    ensure!(!spec.ram.is_empty(), "a Linux domain needs RAM: the spec has no RAM range");
    ensure!((1..=512).contains(&spec.vcpus), "a Linux domain needs 1 to 512 vCPUs, not {}", spec.vcpus);
    for r in spec.ram.iter().chain(spec.initrd.iter()) {
        ensure!(
            r.size > 0 && r.base.checked_add(r.size).is_some(),
            "range {:#x}+{:#x} is empty or wraps",
            r.base,
            r.size
        );
    }
    let mut names = std::collections::BTreeSet::new();
    let nodes = std::iter::once(format!("pl011@{:x}", spec.console.base))
        .chain(spec.devices.iter().map(|d| format!("{}@{:x}", d.name, d.reg.base)))
        .chain(spec.channels.iter().map(|c| format!("channel@{:x}", c.reg.base)));
    for node in nodes {
        ensure!(
            names.insert(node.clone()),
            "two nodes would be called `{node}`: give each device and channel its own address"
        );
    }
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "bulkhead,domain")?;
    fdt.property_string("model", &spec.model)?;
    fdt.property_u32("interrupt-parent", PHANDLE_GIC)?;

    for r in &spec.ram {
        let node = fdt.begin_node(&format!("memory@{:x}", r.base))?;
        fdt.property_string("device_type", "memory")?;
        fdt.property_array_u64("reg", &reg(*r))?;
        fdt.end_node(node)?;
    }

    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    for i in 0..spec.vcpus {
        let cpu = fdt.begin_node(&format!("cpu@{i:x}"))?;
        fdt.property_string("device_type", "cpu")?;
        fdt.property_string("compatible", "arm,armv8")?;
        fdt.property_u32("reg", i)?;
        fdt.property_string("enable-method", "psci")?;
        fdt.end_node(cpu)?;
    }
    fdt.end_node(cpus)?;

    let psci = fdt.begin_node("psci")?;
    fdt.property_string_list("compatible", vec!["arm,psci-1.0".into(), "arm,psci-0.2".into()])?;
    fdt.property_string("method", "hvc")?;
    fdt.end_node(psci)?;

    let gic = fdt.begin_node(&format!("intc@{:x}", spec.gic.distributor))?;
    fdt.property_string("compatible", "arm,gic-v3")?;
    fdt.property_u32("#interrupt-cells", 3)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("#redistributor-regions", 1)?;
    fdt.property_array_u64(
        "reg",
        &[spec.gic.distributor, GICD_SIZE, spec.gic.redistributors, GICR_STRIDE * u64::from(spec.vcpus)],
    )?;
    fdt.property_phandle(PHANDLE_GIC)?;
    fdt.end_node(gic)?;

    let timer = fdt.begin_node("timer")?;
    fdt.property_string("compatible", "arm,armv8-timer")?;
    let cells: Vec<u32> = TIMER_PPIS.iter().flat_map(|&ppi| [GIC_PPI, ppi, TIMER_FLAGS]).collect();
    fdt.property_array_u32("interrupts", &cells)?;
    fdt.end_node(timer)?;

    let clock = fdt.begin_node("apb-pclk")?;
    fdt.property_string("compatible", "fixed-clock")?;
    fdt.property_u32("#clock-cells", 0)?;
    fdt.property_u32("clock-frequency", PL011_CLOCK_HZ)?;
    fdt.property_string("clock-output-names", "clk24mhz")?;
    fdt.property_phandle(PHANDLE_CLOCK)?;
    fdt.end_node(clock)?;

    let console_path = format!("/pl011@{:x}", spec.console.base);
    let uart = fdt.begin_node(&console_path[1..])?;
    fdt.property_string_list("compatible", vec!["arm,pl011".into(), "arm,primecell".into()])?;
    fdt.property_array_u64("reg", &[spec.console.base, PL011_SIZE])?;
    fdt.property_array_u32("interrupts", &spi_cells(spec.console.intid, "the console")?)?;
    fdt.property_array_u32("clocks", &[PHANDLE_CLOCK, PHANDLE_CLOCK])?;
    fdt.property_string_list("clock-names", vec!["uartclk".into(), "apb_pclk".into()])?;
    fdt.property_u32("arm,primecell-periphid", PL011_PERIPHID)?;
    fdt.end_node(uart)?;

    for d in &spec.devices {
        check_node_name(&d.name, "device")?;
        if d.compatible.is_empty() {
            bail!("device `{}` has no compatible string", d.name);
        }
        let node = fdt.begin_node(&format!("{}@{:x}", d.name, d.reg.base))?;
        fdt.property_string_list("compatible", d.compatible.clone())?;
        fdt.property_array_u64("reg", &reg(d.reg))?;
        if !d.intids.is_empty() {
            let mut cells = Vec::new();
            for &intid in &d.intids {
                cells.extend(spi_cells(intid, &format!("device `{}`", d.name))?);
            }
            fdt.property_array_u32("interrupts", &cells)?;
        }
        fdt.end_node(node)?;
    }

    for ch in &spec.channels {
        let node = fdt.begin_node(&format!("channel@{:x}", ch.reg.base))?;
        fdt.property_string("compatible", "bulkhead,channel")?;
        fdt.property_array_u64("reg", &reg(ch.reg))?;
        fdt.property_string("bulkhead,name", &ch.name)?;
        fdt.end_node(node)?;
    }

    let aliases = fdt.begin_node("aliases")?;
    fdt.property_string("serial0", &console_path)?;
    fdt.end_node(aliases)?;

    let chosen = fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", &spec.bootargs)?;
    fdt.property_string("stdout-path", &console_path)?;
    if let Some(initrd) = spec.initrd {
        fdt.property_u64("linux,initrd-start", initrd.base)?;
        fdt.property_u64("linux,initrd-end", initrd.base + initrd.size)?;
    }
    fdt.end_node(chosen)?;

    fdt.end_node(root)?;
    Ok(fdt.finish()?)
}

#[cfg(test)]
#[path = "dtb_tests.rs"]
mod tests;
