// SPDX-License-Identifier: MIT
//! The configuration model: fixed-capacity types, identical on host and
//! target, so that what the build tool encodes is exactly what the kernel
//! decodes. Capacities are the system's static limits.

use bulkhead_abi::{DomainId, Ipa, PhysAddr};
use heapless::{String, Vec};
use serde::{Deserialize, Serialize};

/// Most physical CPUs a board may have.
pub const MAX_PCPUS: usize = 16;
/// Most domains in one image.
pub const MAX_DOMAINS: usize = 16;
/// Longest name of a board, domain, device or channel, in bytes.
pub const MAX_NAME: usize = 24;
/// Most RAM regions of one domain.
pub const MAX_RAM_REGIONS: usize = 4;
/// Most devices one domain owns.
pub const MAX_DEVICES: usize = 8;
/// Most interrupts one device raises.
pub const MAX_DEVICE_IRQS: usize = 4;
/// Most capability slots of one domain.
pub const MAX_CAPS: usize = bulkhead_abi::CAP_SLOTS;
/// Pages a tracked range (`Capability::DmVram`) may have: 16 MiB.
pub const MAX_TRACKED_PAGES: u64 = 4096;
/// Most interrupts a domain owns beyond its devices'.
pub const MAX_DOMAIN_IRQS: usize = 16;
/// Most interrupts the kernel reserves for itself.
pub const MAX_RESERVED_IRQS: usize = 24;
/// Most channels in one image.
pub const MAX_CHANNELS: usize = 16;
/// Bytes of a domain's parameter string.
pub const MAX_PARAMS: usize = 128;
/// Most files a domain boots with besides its image (a Linux domain's
/// initramfs and device tree).
pub const MAX_BOOT_FILES: usize = 2;
/// Restarts in a row a domain gets when its board entry does not say
/// (`max_restarts`).
pub const DEFAULT_MAX_RESTARTS: u32 = 10;
/// The most restarts in a row a board may give a domain.
pub const MAX_MAX_RESTARTS: u32 = 1000;

/// A bounded name.
pub type Name = String<MAX_NAME>;

/// The whole configuration of one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootConfig {
    /// The board's name, as in its file name.
    pub board: Name,
    /// Physical CPUs the board has.
    pub pcpus: u8,
    /// The board's RAM.
    pub ram: PhysRange,
    /// The part of RAM that the kernel owns: its code, data, stacks and the
    /// image payload.
    pub kernel: PhysRange,
    /// The interrupt controller.
    pub gic: Gic,
    /// The kernel's console UART.
    pub console: Console,
    /// Interrupts the kernel keeps for itself (GIC INTIDs).
    pub reserved_irqs: Vec<u32, MAX_RESERVED_IRQS>,
    /// The domains, in board-file order (their index is their `DomainId`).
    pub domains: Vec<Domain, MAX_DOMAINS>,
    /// Shared-memory channels between domains.
    pub channels: Vec<Channel, MAX_CHANNELS>,
}

/// A physical address range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysRange {
    /// First byte.
    pub base: PhysAddr,
    /// Length in bytes.
    pub size: u64,
}

impl PhysRange {
    /// One past the last byte, or `None` if the range wraps.
    pub fn end(&self) -> Option<PhysAddr> {
        self.base.checked_add(self.size)
    }

    /// Whether `other` lies entirely inside `self`.
    pub fn contains(&self, other: &PhysRange) -> bool {
        match (self.end(), other.end()) {
            (Some(end), Some(other_end)) => other.base >= self.base && other_end <= end,
            _ => false,
        }
    }
}

/// The GICv3 interrupt controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gic {
    /// Distributor (GICD) base.
    pub distributor: PhysAddr,
    /// First redistributor (GICR) frame.
    pub redistributors: PhysAddr,
    /// The virtual-interface maintenance interrupt (a PPI INTID).
    pub maintenance_irq: u32,
    /// The ITS (its 128 KiB of control and translation frames), if the
    /// board has one: kernel-owned like the rest of the GIC, never granted.
    pub its: Option<PhysAddr>,
}

/// A UART model the kernel can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UartKind {
    /// Arm PrimeCell PL011.
    Pl011,
    /// NXP i.MX UART.
    ImxUart,
}

/// The kernel's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    /// Which UART it is.
    pub kind: UartKind,
    /// Its MMIO base.
    pub base: PhysAddr,
    /// Its interrupt (GIC INTID), reserved for the kernel.
    pub irq: u32,
}

/// Whether a guest instruction runs natively or traps to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrapPolicy {
    /// Runs in the guest, no EL2 entry (lowest latency).
    Native,
    /// Traps to EL2.
    Trap,
}

/// How a domain's interrupts reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Every interrupt enters EL2 and is injected through a list register
    /// (HCR_EL2.IMO=1): the kernel sees and controls each one.
    Trap,
    /// Group-1 interrupts go straight to the domain at EL1 (HCR_EL2.IMO=0);
    /// the kernel keeps its own on Group 0 (FIQ). For a domain that owns its
    /// pCPUs (every domain does: one vCPU per pCPU).
    Direct,
}

/// What the kernel does with a domain that faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultPolicy {
    /// Stop it for good.
    Halt,
    /// Restart it from its pristine image.
    Restart,
}

/// One domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// Its name, which prefixes its console output.
    pub name: Name,
    /// Its vCPUs: vCPU `i` is pinned to physical CPU `pcpus[i]`.
    pub pcpus: Vec<u8, MAX_PCPUS>,
    /// Its RAM.
    pub ram: Vec<RamRegion, MAX_RAM_REGIONS>,
    /// Devices it owns, mapped at IPA == PA.
    pub devices: Vec<DeviceGrant, MAX_DEVICES>,
    /// Interrupts it owns beyond its devices' (GIC INTIDs).
    pub irqs: Vec<u32, MAX_DOMAIN_IRQS>,
    /// Whether `wfi` traps.
    pub wfi: TrapPolicy,
    /// Whether `wfe` traps.
    pub wfe: TrapPolicy,
    /// How its interrupts reach it.
    pub delivery: Delivery,
    /// What happens when it faults.
    pub on_fault: FaultPolicy,
    /// Watchdog period in milliseconds; 0 means no watchdog.
    pub watchdog_ms: u32,
    /// Restarts in a row (each after a short life) before it is halted
    /// for good instead.
    pub max_restarts: u32,
    /// Its parameter string from the board file (read with the `Params`
    /// hypercall; what it means is the domain's business).
    pub params: String<MAX_PARAMS>,
    /// Where its pristine image is in the payload.
    pub image: ImageRef,
    /// Further pristine files loaded with the image, at boot and at every
    /// restart (a Linux domain's initramfs and device tree).
    pub boot_files: Vec<BootFile, MAX_BOOT_FILES>,
    /// What its vCPUs find in their registers when they start.
    pub entry_abi: EntryAbi,
    /// Its capability table: the only kernel objects it can name, by slot.
    pub caps: Vec<Capability, MAX_CAPS>,
    /// An emulated PL011 console UART the kernel gives it (`None`: the
    /// console hypercall only).
    pub console: Option<VirtualConsole>,
    /// Guard pages: 4 KiB of its RAM below each of its vCPUs' stacks that
    /// its stage 2 leaves unmapped, so that a stack overflow faults (as a
    /// stack overflow) instead of writing over its data. From the image
    /// (`domain_rt`'s linker script); none for a Linux domain.
    pub guards: Vec<Ipa, MAX_PCPUS>,
}

/// A domain's emulated PL011 console UART: its frame is left unmapped in
/// the domain's stage 2, so every access traps and is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualConsole {
    /// Where the domain sees the UART's 4 KiB frame.
    pub ipa: Ipa,
    /// Its interrupt: a virtual SPI of the domain (GIC INTID), never
    /// configured on the physical GIC.
    pub intid: u32,
}

/// What one capability slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Capability {
    /// An end of channel `channel` (index in [`BootConfig::channels`]);
    /// `end` is this domain's end (0 or 1).
    Channel {
        /// The channel's index.
        channel: u16,
        /// This domain's end.
        end: u8,
    },
    /// Device `device` (index in the domain's `devices`).
    Device {
        /// The device's index.
        device: u16,
    },
    /// The console.
    Console,
    /// Interrupt `intid` (GIC INTID), one the domain owns beyond its
    /// devices' (the board file's `irqs`).
    Irq {
        /// The INTID.
        intid: u32,
    },
    /// A device-model target: an MMIO range of domain `target` that this
    /// domain emulates (the range is left unmapped in the target, so its
    /// accesses trap).
    DmTarget {
        /// The target domain's index.
        target: u16,
        /// Where the range is in the target's address space.
        ipa: Ipa,
        /// Its size in bytes (a multiple of 4 KiB).
        size: u64,
        /// How long a target's access may wait for this domain's answer
        /// before it fails as a bus error (the board's `timeout_ms`).
        timeout_ms: u32,
    },
    /// An interrupt of a device this domain emulates for domain `target`:
    /// a virtual SPI of the target's GIC, which this domain raises and
    /// lowers (`DmSetIrqLevel`) and nothing else reaches.
    DmIrq {
        /// The target domain's index.
        target: u16,
        /// The SPI's INTID.
        intid: u32,
    },
    /// Domain `target`'s RAM (its one region), mapped into this domain's
    /// address space at `bulkhead_abi::ioreq::guest_window(window)` plus
    /// the RAM's guest address, so that a virtio device model can follow
    /// the target's descriptors. The device model is trusted with that
    /// memory and nothing else.
    DmMemory {
        /// The target domain's index.
        target: u16,
        /// Its window (`0..MAX_GUEST_WINDOWS`).
        window: u8,
    },
    /// A part of domain `target`'s RAM whose writes are tracked for this
    /// device model (`DmTrackDirty`, `DmModifiedMemory`): the target's
    /// stage 2 maps it page by page, read-only until written.
    DmVram {
        /// The target domain's index.
        target: u16,
        /// Where the range is in the target's address space.
        ipa: Ipa,
        /// Its size in bytes (whole pages, at most
        /// [`MAX_TRACKED_PAGES`] of them).
        size: u64,
    },
    /// Memory of the domain's own that survives its restarts: zeroed once
    /// at boot, then never reloaded nor zeroed again (what a device model
    /// keeps of its devices' state across its lives). What is in it after
    /// a crash is whatever the crashed life wrote: the domain checks it
    /// before it believes it.
    Kept {
        /// Where the domain sees it.
        ipa: Ipa,
        /// Where it really is.
        phys: PhysAddr,
        /// Its size in bytes (a multiple of 4 KiB).
        size: u64,
    },
}

/// A RAM grant: guest-physical range backed by physical memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RamRegion {
    /// Where the domain sees it.
    pub ipa: Ipa,
    /// Where it really is.
    pub phys: PhysAddr,
    /// Length in bytes (a multiple of 4 KiB).
    pub size: u64,
}

/// A device grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrant {
    /// The device's name in the board file.
    pub name: Name,
    /// Its MMIO range (page-aligned when mapped).
    pub mmio: PhysRange,
    /// Its interrupts (GIC INTIDs).
    pub irqs: Vec<u32, MAX_DEVICE_IRQS>,
    /// How the kernel resets it when its domain restarts.
    pub reset: DeviceReset,
}

/// How a device is put back in its reset state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceReset {
    /// No generic reset is known: the restarted domain's driver must
    /// re-initialise it.
    None,
    /// virtio-mmio: writing 0 to the Status register (offset 0x70) resets it.
    VirtioMmio,
}

/// A domain image inside the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Byte offset from the start of the payload (4 KiB aligned).
    pub offset: u32,
    /// Length in bytes.
    pub size: u32,
    /// CRC-32 (ISO-HDLC) of the image bytes.
    pub crc32: u32,
    /// Guest address of the image's first byte.
    pub load: Ipa,
    /// Guest address where the first vCPU starts.
    pub entry: Ipa,
}

/// A file loaded into a domain's RAM beside its image (same payload rules
/// as [`ImageRef`]: 4 KiB-aligned offset, CRC-checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootFile {
    /// Byte offset from the start of the payload (4 KiB aligned).
    pub offset: u32,
    /// Length in bytes.
    pub size: u32,
    /// CRC-32 (ISO-HDLC) of its bytes.
    pub crc32: u32,
    /// Guest address of its first byte.
    pub load: Ipa,
}

/// The register convention a domain's vCPUs start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryAbi {
    /// Bulkhead's bare-metal domains: x0 = 0 (the context of `CPU_ON` for
    /// a vCPU it starts), x1 = the domain's restarts so far, x2 = 0,
    /// x3 = `ENTRY_MAGIC` (so a domain can tell it runs under Bulkhead).
    Bulkhead,
    /// The arm64 Linux boot protocol: vCPU 0 starts with x0 = the device
    /// tree's address and x1 = x2 = x3 = 0; a vCPU started with `CPU_ON`
    /// gets its context in x0 and zeros in x1..x3.
    Linux {
        /// Where the device tree is in the domain's RAM.
        dtb: Ipa,
    },
}

/// A static shared-memory channel between two domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Its name.
    pub name: Name,
    /// The shared window.
    pub window: PhysRange,
    /// The two ends: (domain index, IPA where that domain sees the window).
    pub ends: [ChannelEnd; 2],
    /// How often each end may ring the other's doorbell.
    pub notify_budget: NotifyBudget,
}

/// How often one end of a channel may ring the other's doorbell (each end
/// has its own budget): `per_ms` doorbells per millisecond sustained,
/// `burst` at once after a quiet spell. A doorbell rung while the peer has
/// not taken the previous one costs nothing and is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyBudget {
    /// Doorbells per millisecond, sustained (at least 1).
    pub per_ms: u32,
    /// Doorbells at once (at least 1).
    pub burst: u32,
}

impl NotifyBudget {
    /// The budget of a channel whose board entry does not give one.
    pub const DEFAULT: Self = Self { per_ms: 20, burst: 32 };
    /// The largest `per_ms` a board may give.
    pub const MAX_PER_MS: u32 = 100_000;
    /// The largest `burst` a board may give.
    pub const MAX_BURST: u32 = 100_000;
}

/// One end of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelEnd {
    /// The domain's index in [`BootConfig::domains`].
    pub domain: DomainId,
    /// Where that domain sees the window.
    pub ipa: Ipa,
}
