// SPDX-License-Identifier: MIT
//! What the firmware's device tree says about the machine.
//!
//! Reads only the facts the kernel cross-checks against its configuration:
//! RAM, CPUs (their MPIDRs, in tree order), the GICv3 frames, the UARTs and
//! `/chosen/bootargs`.
//!
//! Why the `fdt` crate and not the design card's `fdt-rs`: `fdt-rs` 0.4.5
//! can only be constructed through `unsafe fn new` (even from a checked
//! slice), which would push device-tree parsing out of this `forbid(unsafe)`
//! crate; and its `reg` reading ignores the parent's `#address-cells`, which
//! the i.MX 8M Plus tree (a `soc` bus with 1-cell addresses) needs. `fdt`
//! 0.1.5 builds a tree from a plain `&[u8]` and decodes `reg` with the
//! parent's cell sizes. Its convenience accessors (`cpus()`, `memory()`)
//! panic on a tree without those nodes, so this module uses only the
//! `Option`-returning ones.

use bulkhead_abi::PhysAddr;
use bulkhead_bootcfg::{MAX_PCPUS, PhysRange, UartKind};
use fdt::Fdt;
use fdt::node::FdtNode;
use heapless::Vec;

/// Most RAM ranges read from the tree.
pub const MAX_RAM_RANGES: usize = 8;
/// Most UARTs read from the tree.
pub const MAX_UARTS: usize = 16;

/// Device-tree compatibles of the UART models the kernel drives.
const UART_COMPATIBLES: [(&str, UartKind); 3] =
    [("arm,pl011", UartKind::Pl011), ("fsl,imx8mp-uart", UartKind::ImxUart), ("fsl,imx6q-uart", UartKind::ImxUart)];

/// Facts read from the device tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlatformFacts<'dtb> {
    /// RAM ranges (`/memory*` nodes).
    pub ram: Vec<PhysRange, MAX_RAM_RANGES>,
    /// The MPIDR affinity of each CPU, in tree order (the first `MAX_PCPUS`).
    pub cpu_mpidrs: Vec<u64, MAX_PCPUS>,
    /// How many CPU nodes the tree has (may exceed `MAX_PCPUS`).
    pub cpu_count: usize,
    /// GICv3 distributor and first redistributor, if a GICv3 is described.
    pub gicv3: Option<(PhysAddr, PhysAddr)>,
    /// UARTs the kernel knows how to drive.
    pub uarts: Vec<(UartKind, PhysAddr), MAX_UARTS>,
    /// `/chosen/bootargs`.
    pub bootargs: Option<&'dtb str>,
}

/// Why the device tree could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtbError {
    /// Not a flattened device tree (bad magic, size or structure).
    Malformed,
    /// No `/cpus` node.
    NoCpus,
    /// A CPU node without a readable `reg`.
    CpuWithoutReg,
}

impl core::fmt::Display for DtbError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the device tree is malformed",
            Self::NoCpus => "the device tree has no /cpus node",
            Self::CpuWithoutReg => "a /cpus/cpu node has no reg property",
        })
    }
}

fn first_reg(node: FdtNode<'_, '_>) -> Option<(u64, u64)> {
    let region = node.reg()?.next()?;
    Some((region.starting_address as usize as u64, region.size.unwrap_or(0) as u64))
}

fn nth_reg(node: FdtNode<'_, '_>, n: usize) -> Option<u64> {
    Some(node.reg()?.nth(n)?.starting_address as usize as u64)
}

fn is_device_type(node: FdtNode<'_, '_>, wanted: &str) -> bool {
    node.property("device_type").and_then(|p| p.as_str()).is_some_and(|t| t == wanted)
}

/// Reads the facts the kernel needs from the device tree in `dtb`.
pub fn read_platform(dtb: &[u8]) -> Result<PlatformFacts<'_>, DtbError> {
    let tree = Fdt::new(dtb).map_err(|_| DtbError::Malformed)?;
    let mut facts = PlatformFacts::default();
    let root = tree.find_node("/").ok_or(DtbError::Malformed)?;

    for node in root.children() {
        if node.name.starts_with("memory") && is_device_type(node, "memory") {
            for region in node.reg().into_iter().flatten() {
                let range = PhysRange {
                    base: PhysAddr::new(region.starting_address as usize as u64),
                    size: region.size.unwrap_or(0) as u64,
                };
                // More than MAX_RAM_RANGES ranges: the rest cannot matter to
                // a board that describes one RAM range.
                let _ = facts.ram.push(range);
            }
        }
    }

    let cpus = tree.find_node("/cpus").ok_or(DtbError::NoCpus)?;
    for cpu in cpus.children().filter(|c| c.name.split('@').next() == Some("cpu")) {
        let (mpidr, _) = first_reg(cpu).ok_or(DtbError::CpuWithoutReg)?;
        facts.cpu_count += 1;
        let _ = facts.cpu_mpidrs.push(mpidr);
    }

    if let Some(gic) = tree.find_compatible(&["arm,gic-v3"])
        && let (Some(dist), Some(redist)) = (nth_reg(gic, 0), nth_reg(gic, 1))
    {
        facts.gicv3 = Some((PhysAddr::new(dist), PhysAddr::new(redist)));
    }

    for node in tree.all_nodes() {
        let Some(compatible) = node.compatible() else { continue };
        let kind = compatible.all().find_map(|c| UART_COMPATIBLES.iter().find(|(name, _)| *name == c).map(|(_, k)| *k));
        if let (Some(kind), Some((base, _))) = (kind, first_reg(node)) {
            let _ = facts.uarts.push((kind, PhysAddr::new(base)));
        }
    }

    facts.bootargs = tree.chosen_bootargs();
    Ok(facts)
}

/// `/chosen/bootargs` without `fdt`'s panicking `chosen()`.
trait ChosenBootargs<'a> {
    fn chosen_bootargs(&self) -> Option<&'a str>;
}

impl<'a> ChosenBootargs<'a> for Fdt<'a> {
    fn chosen_bootargs(&self) -> Option<&'a str> {
        self.find_node("/chosen")?.property("bootargs")?.as_str()
    }
}
