// SPDX-License-Identifier: MIT
//! The board file's schema, as serde types. Every table rejects unknown
//! keys; every value a semantic check may complain about keeps its span
//! (`Spanned`) so that the error can point at it. `boards/README.md`
//! documents each key.

use crate::units::Size;
use serde::Deserialize;
use toml::Spanned;

/// A whole board file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardFile {
    /// The machine.
    pub board: Spanned<BoardSection>,
    /// The kernel's own resources.
    pub kernel: Spanned<KernelSection>,
    /// How to run the board under QEMU (QEMU boards only).
    pub qemu: Option<Spanned<QemuSection>>,
    /// Devices on the board that domains may own.
    #[serde(default, rename = "device")]
    pub devices: Vec<Spanned<DeviceEntry>>,
    /// The domains.
    #[serde(default, rename = "domain")]
    pub domains: Vec<Spanned<DomainEntry>>,
    /// Shared-memory channels between domains.
    #[serde(default, rename = "channel")]
    pub channels: Vec<Spanned<ChannelEntry>>,
}

/// `[board]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSection {
    /// Short name (also the image's name).
    pub name: Spanned<String>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Number of physical CPUs.
    pub cpus: Spanned<u32>,
    /// The RAM range.
    pub ram: Spanned<Region>,
    /// The interrupt controller.
    pub gic: Spanned<GicSection>,
    /// The kernel's console UART.
    pub console: Spanned<ConsoleSection>,
}

/// A physical range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// First byte.
    pub base: Spanned<u64>,
    /// Length.
    pub size: Spanned<Size>,
}

/// `[board.gic]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GicSection {
    /// GIC architecture version (2 or 3).
    pub version: Spanned<u32>,
    /// Distributor base.
    pub distributor: Spanned<u64>,
    /// First redistributor frame (GICv3).
    pub redistributors: Spanned<u64>,
    /// Maintenance interrupt (PPI INTID).
    pub maintenance_irq: Spanned<u32>,
    /// The ITS base, if the GIC has one (optional: 128 KiB, kernel-owned).
    #[serde(default)]
    pub its: Option<Spanned<u64>>,
}

/// UART models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UartModel {
    /// Arm PL011.
    Pl011,
    /// NXP i.MX UART.
    Imx,
}

/// `[board.console]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// The UART model.
    pub uart: Spanned<UartModel>,
    /// MMIO base.
    pub base: Spanned<u64>,
    /// Its interrupt (INTID).
    pub irq: Spanned<u32>,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Plain text lines.
    #[default]
    Text,
    /// defmt frames.
    Defmt,
}

/// `[kernel]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSection {
    /// Where the kernel is loaded (RAM base + 2 MiB-aligned offset).
    pub base: Spanned<u64>,
    /// Its whole region: code, data, stacks and the image payload.
    pub size: Spanned<Size>,
    /// SGIs the kernel keeps for kicks and doorbells.
    #[serde(default)]
    pub sgis: Vec<Spanned<u32>>,
    /// Log format.
    #[serde(default)]
    pub log: LogFormat,
}

/// `[qemu]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QemuSection {
    /// `-machine` value.
    pub machine: String,
    /// `-cpu` value.
    pub cpu: String,
    /// Extra arguments, verbatim.
    #[serde(default)]
    pub args: Vec<String>,
    /// The disk image a board device with `drive=<id>` gets: made afresh
    /// for each run from a folder of the repository.
    pub disk: Option<Spanned<QemuDisk>>,
    /// QEMU user networking (slirp) for a board device with
    /// `netdev=<id>`: the guest is 10.0.2.15/24, the host's loopback is
    /// the gateway 10.0.2.2, and each forward opens a TCP port on the
    /// host's 127.0.0.1 only (never another host address).
    pub net: Option<Spanned<QemuNet>>,
}

/// `[qemu] net`: user networking.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QemuNet {
    /// TCP ports forwarded from the host's 127.0.0.1 into the guest.
    #[serde(default)]
    pub forward: Vec<Forward>,
}

/// One `hostfwd`: host 127.0.0.1:`host` to guest port `guest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    /// The port on the host's loopback.
    pub host: u16,
    /// The guest's port.
    pub guest: u16,
}

/// `[qemu] disk`: a FAT32 image made from a folder (an MBR with one
/// FAT32 partition; see `build/src/disk_image.rs`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QemuDisk {
    /// The folder whose contents fill the volume, relative to the
    /// repository's root.
    pub from: String,
    /// The image's size (at least 34 MiB: FAT32's smallest with 512-byte
    /// clusters, plus the partition's offset).
    pub size: Size,
}

/// `[[device]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// Name that domains use to own it.
    pub name: Spanned<String>,
    /// Device-tree compatible string (documentation and guest trees).
    pub compatible: String,
    /// MMIO base.
    pub base: Spanned<u64>,
    /// MMIO length.
    pub size: Spanned<Size>,
    /// Its interrupts (INTIDs).
    #[serde(default)]
    pub irqs: Vec<Spanned<u32>>,
    /// A QEMU `-device` value that creates it (QEMU boards).
    pub qemu: Option<String>,
}

/// Guest instruction trapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapMode {
    /// Not trapped.
    #[default]
    Native,
    /// Trapped to EL2.
    Trap,
}

/// Interrupt delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterruptMode {
    /// Trap to EL2 and inject through list registers.
    #[default]
    Trap,
    /// Straight to EL1 (HCR_EL2.IMO=0).
    Direct,
}

/// Fault policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultMode {
    /// Stop the domain.
    #[default]
    Halt,
    /// Restart it from its pristine image.
    Restart,
}

/// `[[domain]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainEntry {
    /// Its name.
    pub name: Spanned<String>,
    /// A bare-metal image: a crate under `domains/` or `domains/test/`, or a file path relative
    /// to the board file. Exactly one of `image` and `linux` is given.
    pub image: Option<Spanned<String>>,
    /// An unmodified arm64 Linux kernel instead of a bare-metal image.
    pub linux: Option<Spanned<LinuxEntry>>,
    /// pCPUs its vCPUs are pinned to, in vCPU order.
    pub cpus: Spanned<Vec<Spanned<u32>>>,
    /// Its RAM.
    pub memory: Spanned<Vec<Spanned<MemoryEntry>>>,
    /// Devices it owns.
    #[serde(default)]
    pub devices: Vec<Spanned<String>>,
    /// Interrupts it owns beyond its devices'.
    #[serde(default)]
    pub irqs: Vec<Spanned<u32>>,
    /// Whether its `wfi` traps.
    #[serde(default)]
    pub wfi: TrapMode,
    /// Whether its `wfe` traps.
    #[serde(default)]
    pub wfe: TrapMode,
    /// How its interrupts reach it.
    #[serde(default)]
    pub interrupts: InterruptMode,
    /// With `interrupts = "direct"`: the integrator trusts this domain not
    /// to block the kernel's interrupts on its pCPUs (see boards/README.md).
    #[serde(default)]
    pub trusted_for_liveness: bool,
    /// What happens when it faults.
    #[serde(default)]
    pub on_fault: FaultMode,
    /// Watchdog period; 0 = none.
    #[serde(default)]
    pub watchdog_ms: u32,
    /// Restarts in a row (each life shorter than the kernel's healthy
    /// life) before the domain is halted; the build tool's default if
    /// absent.
    pub max_restarts: Option<Spanned<u32>>,
    /// A parameter string handed to the domain (`Params` hypercall).
    pub params: Option<Spanned<String>>,
    /// It drives DMA: its devices are given physical addresses, which it
    /// learns at entry (its RAM is placed like any other domain's).
    #[serde(default)]
    pub dma: bool,
    /// Device-model targets: MMIO ranges of other domains it emulates.
    #[serde(default)]
    pub device_model: Vec<Spanned<DeviceModelEntry>>,
    /// An emulated console UART for a bare-metal domain (a Linux domain
    /// always has one), where a Linux domain's is.
    pub console: Option<Spanned<ConsoleModel>>,
    /// Memory that survives the domain's restarts (bare-metal domains
    /// only): zeroed once at boot, then left as each life leaves it.
    pub kept: Option<Spanned<KeptEntry>>,
}

/// `kept = { ipa, size }`: a domain's kept memory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptEntry {
    /// Where the domain sees it.
    pub ipa: Spanned<u64>,
    /// Its size (whole 4 KiB pages, at most [`crate::layout::MAX_KEPT`]).
    pub size: Spanned<Size>,
}

/// The emulated console UART models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsoleModel {
    /// An Arm PL011.
    Pl011,
}

/// `linux = { image, initrd, cmdline }` of a Linux domain. Files are
/// `guest:<name>` (the `cargo xtask fetch-guest` cache) or paths relative
/// to the board file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinuxEntry {
    /// The raw arm64 kernel `Image`.
    pub image: Spanned<String>,
    /// The initramfs (optional).
    pub initrd: Option<Spanned<String>>,
    /// The kernel command line (optional).
    pub cmdline: Option<Spanned<String>>,
}

/// One device-model target of a domain.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceModelEntry {
    /// The domain whose MMIO accesses it emulates.
    pub target: Spanned<String>,
    /// The ranges, in the target's address space.
    pub mmio: Spanned<Vec<Spanned<DeviceModelRange>>>,
    /// How long a target's access may wait for this domain's answer
    /// before it fails in the target as a bus error (default
    /// [`crate::layout::DEFAULT_IOREQ_TIMEOUT_MS`]; 1 to 10,000).
    pub timeout_ms: Option<Spanned<u32>>,
    /// The emulated devices' interrupts: SPIs of the target's virtual GIC
    /// (INTIDs 32 to 1019) that only this device model raises. For a Linux
    /// target, range `n` is one virtio-mmio device with interrupt `n`.
    #[serde(default)]
    pub irqs: Vec<Spanned<u32>>,
    /// The target's RAM is mapped into this domain's address space (its
    /// one region, at `bulkhead_abi::ioreq::guest_window(k)` plus its
    /// guest address, `k` counting this domain's entries with `memory`):
    /// a virtio device model must follow the target's descriptors. The
    /// device model is trusted with that memory and nothing else.
    #[serde(default)]
    pub memory: Option<Spanned<bool>>,
    /// A part of the target's RAM (a framebuffer) whose writes are tracked
    /// for this device model (`DmTrackDirty`, `DmModifiedMemory`): inside
    /// one of the target's memory regions, whole pages, at most 16 MiB; one
    /// per target.
    pub vram: Option<Spanned<DeviceModelRange>>,
}

/// One emulated MMIO range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceModelRange {
    /// Where it is in the target's address space.
    pub ipa: Spanned<u64>,
    /// Its size.
    pub size: Spanned<Size>,
}

/// One RAM region of a domain.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryEntry {
    /// Where the domain sees it.
    pub ipa: Spanned<u64>,
    /// Its size.
    pub size: Spanned<Size>,
    /// Where it is physically (placed by the build tool if absent).
    pub phys: Option<Spanned<u64>>,
}

/// `[[channel]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelEntry {
    /// Its name.
    pub name: Spanned<String>,
    /// Size of the shared window.
    pub size: Spanned<Size>,
    /// Where the window is physically (placed if absent).
    pub phys: Option<Spanned<u64>>,
    /// The two ends.
    pub ends: Spanned<Vec<Spanned<ChannelEndEntry>>>,
    /// How often each end may ring the other's doorbell (a default if
    /// absent).
    pub notify_budget: Option<Spanned<NotifyBudgetEntry>>,
}

/// `notify_budget = { per_ms, burst }` of a channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyBudgetEntry {
    /// Doorbells each end may ring per millisecond, sustained.
    pub per_ms: Spanned<u32>,
    /// Doorbells each end may ring at once after a quiet spell.
    pub burst: Spanned<u32>,
}

/// One end of a channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelEndEntry {
    /// The domain at this end.
    pub domain: Spanned<String>,
    /// Where that domain sees the window.
    pub ipa: Spanned<u64>,
}
