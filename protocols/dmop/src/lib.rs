// SPDX-License-Identifier: MIT
//! The device-model protocol: a device-model domain emulates devices for a
//! target domain. Trapped MMIO of the target arrives as ioreqs; the device
//! model answers them and drives the target through audited operations,
//! each checked by the kernel against the caller's capability for that
//! target.
//!
//! Coverage of Xen `hvm/dm_op.h` (4.9 and later additions) and
//! `hvm/ioreq.h`: every DMOP operation below, and ioreqs with type (PIO,
//! COPY = MMIO, PCI config, ...), state (NONE, READY, INPROCESS,
//! IORESP_READY), address, size, count, direction and data. Memory
//! operations name sub-ranges of windows the board file declared.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub use bulkhead_ring::{DataRef, Undecodable, decode};
use serde::{Deserialize, Serialize};

/// Protocol version carried in the handshake.
pub const VERSION: u16 = 1;

/// An ioreq server of the device model.
pub type ServerId = u16;

/// Ioreq types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IoreqType {
    /// Port I/O.
    Pio,
    /// MMIO (Xen's COPY).
    Copy,
    /// PCI configuration space.
    PciConfig,
    /// Timeoffset update.
    TimeOffset,
    /// Invalidate the device model's mapcache.
    Invalidate,
}

/// Ioreq states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IoreqState {
    /// Slot free.
    None,
    /// Posted by the kernel.
    Ready,
    /// Taken by the device model.
    InProcess,
    /// Answered.
    ResponseReady,
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// The target reads: the device model supplies `data`.
    Read,
    /// The target writes `data`.
    Write,
}

/// One trapped access of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ioreq {
    /// Sequence number, echoed in the answer.
    pub id: u32,
    /// Target vCPU.
    pub vcpu: u8,
    /// What it is.
    pub kind: IoreqType,
    /// Its state.
    pub state: IoreqState,
    /// Guest address.
    pub address: u64,
    /// Access size in bytes (1, 2, 4, 8).
    pub size: u8,
    /// Repetitions.
    pub count: u32,
    /// Direction.
    pub direction: Direction,
    /// The value (written, or to be read).
    pub data: u64,
}

/// Memory types (set_mem_type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemType {
    /// Ordinary RAM.
    Ram,
    /// RAM whose writes go to an ioreq server.
    IoreqServer,
    /// Read-only RAM.
    ReadOnly,
}

/// Cache attributes (pin_memory_cacheattr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CacheAttr {
    /// Uncached.
    Uncached,
    /// Write-combining.
    WriteCombining,
    /// Write-back.
    WriteBack,
}

/// Events injectable into the target (inject_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InjectedEvent {
    /// A synchronous abort at `address`.
    Abort {
        /// Faulting address.
        address: u64,
    },
    /// A virtual SError.
    SError,
}

/// A range of guest addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First address.
    pub start: u64,
    /// Last address (inclusive, as in dm_op).
    pub end: u64,
}

/// What an io range maps (map_io_range_to_ioreq_server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// Port I/O.
    Port,
    /// MMIO.
    Memory,
    /// PCI (segment, bus, device, function packed as in dm_op).
    Pci,
}

/// A device-model operation on `target` (the capability slot naming it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmOp {
    /// Request id, echoed in the response.
    pub id: u32,
    /// Capability slot of the target domain.
    pub target: u16,
    /// The operation.
    pub op: Operation,
}

/// Operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// create_ioreq_server.
    CreateIoreqServer {
        /// Whether buffered ioreqs are wanted.
        buffered: bool,
    },
    /// get_ioreq_server_info.
    GetIoreqServerInfo {
        /// The server.
        server: ServerId,
    },
    /// map_io_range_to_ioreq_server.
    MapIoRange {
        /// The server.
        server: ServerId,
        /// What the range is.
        kind: RangeKind,
        /// The range.
        range: Range,
    },
    /// unmap_io_range_from_ioreq_server.
    UnmapIoRange {
        /// The server.
        server: ServerId,
        /// What the range is.
        kind: RangeKind,
        /// The range.
        range: Range,
    },
    /// set_ioreq_server_state.
    SetIoreqServerState {
        /// The server.
        server: ServerId,
        /// Enabled.
        enabled: bool,
    },
    /// destroy_ioreq_server.
    DestroyIoreqServer {
        /// The server.
        server: ServerId,
    },
    /// track_dirty_vram: the dirty-page bitmap of `pages` pages from
    /// `first_page` is written to `bitmap`.
    TrackDirtyVram {
        /// First guest page.
        first_page: u64,
        /// Pages.
        pages: u32,
        /// Where the bitmap goes (in the window).
        bitmap: DataRef,
    },
    /// set_pci_intx_level.
    SetPciIntxLevel {
        /// PCI segment, bus, device.
        sbdf: u32,
        /// INTx pin (0..3).
        intx: u8,
        /// Asserted.
        level: bool,
    },
    /// set_isa_irq_level.
    SetIsaIrqLevel {
        /// ISA IRQ.
        irq: u8,
        /// Asserted.
        level: bool,
    },
    /// set_pci_link_route.
    SetPciLinkRoute {
        /// Link.
        link: u8,
        /// ISA IRQ.
        irq: u8,
    },
    /// modified_memory: the device model wrote these pages.
    ModifiedMemory {
        /// First guest page.
        first_page: u64,
        /// Pages.
        pages: u32,
    },
    /// set_mem_type.
    SetMemType {
        /// Type.
        kind: MemType,
        /// First guest page.
        first_page: u64,
        /// Pages.
        pages: u32,
    },
    /// inject_event.
    InjectEvent {
        /// Target vCPU.
        vcpu: u8,
        /// The event.
        event: InjectedEvent,
    },
    /// inject_msi.
    InjectMsi {
        /// MSI address.
        address: u64,
        /// MSI data.
        data: u32,
    },
    /// map_mem_type_to_ioreq_server.
    MapMemTypeToIoreqServer {
        /// The server.
        server: ServerId,
        /// The type.
        kind: MemType,
        /// Forward writes.
        writes: bool,
    },
    /// remote_shutdown.
    RemoteShutdown {
        /// Reboot (true) or power off.
        reboot: bool,
    },
    /// relocate_memory.
    RelocateMemory {
        /// Source guest page.
        from_page: u64,
        /// Destination guest page.
        to_page: u64,
        /// Pages.
        pages: u32,
    },
    /// pin_memory_cacheattr.
    PinMemoryCacheattr {
        /// First guest page.
        first_page: u64,
        /// Last guest page (inclusive).
        last_page: u64,
        /// Attribute.
        attr: CacheAttr,
    },
    /// set_irq_level (Arm: a GIC SPI of the target).
    SetIrqLevel {
        /// GIC INTID.
        irq: u32,
        /// Asserted.
        level: bool,
    },
    /// nr_vcpus.
    NrVcpus,
    /// Answers ioreq `id` (with `data` for reads).
    CompleteIoreq {
        /// The ioreq.
        ioreq: u32,
        /// Data read.
        data: u64,
    },
}

/// Outcomes, as POSIX numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Done.
    Ok,
    /// EPERM: the capability does not allow this on the target.
    NotPermitted,
    /// EINVAL.
    InvalidArgument,
    /// ENOENT: no such server or range.
    NotFound,
    /// EBUSY.
    Busy,
}

/// The answer to a DmOp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub id: u32,
    /// Outcome.
    pub status: Status,
    /// Extra data.
    pub payload: Payload,
}

/// Response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// Nothing.
    None,
    /// A new ioreq server.
    Server(ServerId),
    /// get_ioreq_server_info: where its ioreq pages are.
    ServerInfo {
        /// Synchronous ioreqs.
        ioreqs: DataRef,
        /// Buffered ioreqs.
        buffered: Option<DataRef>,
    },
    /// nr_vcpus.
    Vcpus(u8),
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;

    fn round_trip<T: Serialize + for<'a> Deserialize<'a> + PartialEq + core::fmt::Debug>(v: T) {
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(decode::<T>(&bytes).unwrap(), v);
    }

    #[test]
    fn every_message_round_trips() {
        let range = Range { start: 0x1000_0000, end: 0x1000_0fff };
        let r = DataRef { offset: 0, len: 4096 };
        for op in [
            Operation::CreateIoreqServer { buffered: true },
            Operation::GetIoreqServerInfo { server: 1 },
            Operation::MapIoRange { server: 1, kind: RangeKind::Memory, range },
            Operation::UnmapIoRange { server: 1, kind: RangeKind::Port, range },
            Operation::SetIoreqServerState { server: 1, enabled: true },
            Operation::DestroyIoreqServer { server: 1 },
            Operation::TrackDirtyVram { first_page: 0x40000, pages: 2048, bitmap: r },
            Operation::SetPciIntxLevel { sbdf: 0x10, intx: 1, level: true },
            Operation::SetIsaIrqLevel { irq: 4, level: false },
            Operation::SetPciLinkRoute { link: 0, irq: 11 },
            Operation::ModifiedMemory { first_page: 1, pages: 2 },
            Operation::SetMemType { kind: MemType::ReadOnly, first_page: 3, pages: 4 },
            Operation::InjectEvent { vcpu: 0, event: InjectedEvent::Abort { address: 0x1000 } },
            Operation::InjectEvent { vcpu: 1, event: InjectedEvent::SError },
            Operation::InjectMsi { address: 0x0808_0040, data: 7 },
            Operation::MapMemTypeToIoreqServer { server: 1, kind: MemType::IoreqServer, writes: true },
            Operation::RemoteShutdown { reboot: false },
            Operation::RelocateMemory { from_page: 1, to_page: 2, pages: 3 },
            Operation::PinMemoryCacheattr { first_page: 1, last_page: 9, attr: CacheAttr::WriteCombining },
            Operation::SetIrqLevel { irq: 72, level: true },
            Operation::NrVcpus,
            Operation::CompleteIoreq { ioreq: 5, data: 0xdead },
        ] {
            round_trip(DmOp { id: 3, target: 2, op });
        }
        for payload in
            [Payload::None, Payload::Server(4), Payload::ServerInfo { ioreqs: r, buffered: Some(r) }, Payload::Vcpus(2)]
        {
            round_trip(Response { id: 3, status: Status::Ok, payload });
        }
        for status in [Status::NotPermitted, Status::InvalidArgument, Status::NotFound, Status::Busy] {
            round_trip(Response { id: 3, status, payload: Payload::None });
        }
        for kind in
            [IoreqType::Pio, IoreqType::Copy, IoreqType::PciConfig, IoreqType::TimeOffset, IoreqType::Invalidate]
        {
            for state in [IoreqState::None, IoreqState::Ready, IoreqState::InProcess, IoreqState::ResponseReady] {
                round_trip(Ioreq {
                    id: 1,
                    vcpu: 0,
                    kind,
                    state,
                    address: 0x0a00_0000,
                    size: 4,
                    count: 1,
                    direction: Direction::Write,
                    data: 0x12,
                });
            }
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode::<DmOp>(&bytes);
            let _ = decode::<Response>(&bytes);
            let _ = decode::<Ioreq>(&bytes);
        }
    }
}
