// SPDX-License-Identifier: MIT
//! virtio-gpu 2D with several scanouts (heads), on `virtio-drivers`'
//! transport and virtqueue.
//!
//! `virtio-drivers` 0.13's `VirtIOGpu` drives scanout 0 only: one
//! resource, set up by `setup_framebuffer`, flushed whole. The display
//! domain needs one resource per scanout (QEMU's `max_outputs=2`: the
//! cluster and the centre display) and transfers and flushes of the damaged
//! rectangle only. This crate adds exactly that, with the crate's public
//! [`VirtQueue`] and [`Transport`]: GET_DISPLAY_INFO,
//! RESOURCE_CREATE_2D, RESOURCE_ATTACH_BACKING, SET_SCANOUT,
//! TRANSFER_TO_HOST_2D and RESOURCE_FLUSH (virtio 1.2, 5.7.6). It does not
//! fork the driver: no cursor, no 3D, no EDID (the display domain
//! synthesises EDIDs from its board policy).
//!
//! The scanout memory is the caller's: a buffer in the domain's RAM, whose
//! physical address the caller gives (the display domain translates the
//! slice's address with `domain_rt::dma::device_address`). Owns only the command
//! encoding and the control queue.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod commands;

use commands::{
    AttachBacking, CtrlHeader, DisplayInfo, MemEntry, ResourceCreate2d, ResourceFlush, SetScanout, TransferToHost2d,
    VirtioRect, cmd,
};
use virtio_drivers::Hal;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::Transport;
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Scanouts the device may report (virtio's `VIRTIO_GPU_MAX_SCANOUTS`).
pub const MAX_SCANOUTS: usize = 16;
const MAX_SCANOUTS_U32: u32 = 16;
/// The control queue's index and size.
const CONTROL_QUEUE: u16 = 0;
const QUEUE_SIZE: usize = 4;
/// Bytes of the command and response buffers.
const BUF: usize = 512;

bitflags::bitflags! {
    /// The features this driver accepts (none of the GPU's own).
    #[derive(Copy, Clone, Debug, Default, Eq, PartialEq)]
    struct Features: u64 {
        /// VIRTIO_F_VERSION_1.
        const VERSION_1 = 1 << 32;
    }
}

/// A rectangle of a scanout, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuError {
    /// The transport or the queue failed.
    Virtio(virtio_drivers::Error),
    /// The device answered a command with this response type.
    Refused {
        /// The command.
        command: u32,
        /// The device's response type (`0x12xx` are errors).
        response: u32,
    },
    /// No such scanout, or it has no resource yet.
    NoScanout,
    /// The buffer is not `width * height * 4` bytes, or the rectangle is
    /// not inside the scanout.
    BadGeometry,
}

impl From<virtio_drivers::Error> for GpuError {
    fn from(e: virtio_drivers::Error) -> Self {
        GpuError::Virtio(e)
    }
}

/// One scanout as the device reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// Its preferred mode.
    pub width: u32,
    /// See `width`.
    pub height: u32,
    /// Whether a display is attached (QEMU: always for the outputs it has).
    pub enabled: bool,
}

/// The device: its control queue and, per scanout, the resource shown.
pub struct GpuHeads<H: Hal, T: Transport> {
    transport: T,
    control: VirtQueue<H, QUEUE_SIZE>,
    scanouts: u32,
    /// Per scanout: (resource id, width, height) once set up.
    resources: [Option<(u32, u32, u32)>; MAX_SCANOUTS],
    send: [u8; BUF],
    receive: [u8; BUF],
}

impl<H: Hal, T: Transport> GpuHeads<H, T> {
    /// Initialises the device behind `transport`.
    pub fn new(mut transport: T) -> Result<Self, GpuError> {
        transport.begin_init(Features::VERSION_1);
        // Config space: events_read, events_clear, num_scanouts.
        let scanouts: u32 = transport.read_config_space(8)?;
        let control = VirtQueue::new(&mut transport, CONTROL_QUEUE, false, false)?;
        transport.finish_init();
        Ok(GpuHeads {
            transport,
            control,
            scanouts: scanouts.min(MAX_SCANOUTS_U32),
            resources: [None; MAX_SCANOUTS],
            send: [0; BUF],
            receive: [0; BUF],
        })
    }

    /// How many scanouts the device has.
    pub fn scanouts(&self) -> u32 {
        self.scanouts
    }

    /// Acknowledges the device's interrupt.
    pub fn ack_interrupt(&mut self) {
        let _ = self.transport.ack_interrupt();
    }

    fn request<Req: IntoBytes + Immutable, Rsp: FromBytes>(
        &mut self,
        req: &Req,
        extra: &[u8],
    ) -> Result<Rsp, GpuError> {
        let bytes = req.as_bytes();
        let end = bytes.len() + extra.len();
        let send = self.send.get_mut(..end).ok_or(GpuError::BadGeometry)?;
        let (head, tail) = send.split_at_mut(bytes.len());
        head.copy_from_slice(bytes);
        tail.copy_from_slice(extra);
        let size = core::mem::size_of::<Rsp>();
        let receive = self.receive.get_mut(..size).ok_or(GpuError::BadGeometry)?;
        let send = self.send.get(..end).ok_or(GpuError::BadGeometry)?;
        self.control.add_notify_wait_pop(&[send], &mut [receive], &mut self.transport)?;
        Rsp::read_from_prefix(&self.receive).map(|(r, _)| r).map_err(|_| GpuError::BadGeometry)
    }

    fn command<Req: IntoBytes + Immutable>(&mut self, req: &Req, extra: &[u8]) -> Result<(), GpuError> {
        let rsp: CtrlHeader = self.request(req, extra)?;
        let command = CtrlHeader::read_from_prefix(req.as_bytes()).map(|(h, _)| h.kind).unwrap_or(0);
        if rsp.kind != cmd::OK_NODATA {
            return Err(GpuError::Refused { command, response: rsp.kind });
        }
        Ok(())
    }

    /// Every scanout's preferred mode (GET_DISPLAY_INFO).
    pub fn heads(&mut self) -> Result<[Head; MAX_SCANOUTS], GpuError> {
        let info: DisplayInfo = self.request(&CtrlHeader::new(cmd::GET_DISPLAY_INFO), &[])?;
        if info.header.kind != cmd::OK_DISPLAY_INFO {
            return Err(GpuError::Refused { command: cmd::GET_DISPLAY_INFO, response: info.header.kind });
        }
        let mut heads = [Head::default(); MAX_SCANOUTS];
        for (h, m) in heads.iter_mut().zip(info.modes.iter()) {
            *h = Head { width: m.rect.width, height: m.rect.height, enabled: m.enabled != 0 };
        }
        Ok(heads)
    }

    /// Shows `buffer` (`width` x `height` XRGB8888, rows packed, at device
    /// address `address`) on scanout `scanout`: creates its resource,
    /// attaches the buffer as its backing and sets the scanout.
    pub fn attach_scanout(
        &mut self,
        scanout: u32,
        (width, height): (u32, u32),
        address: u64,
        len: usize,
    ) -> Result<(), GpuError> {
        if scanout >= self.scanouts {
            return Err(GpuError::NoScanout);
        }
        let need = u64::from(width) * u64::from(height) * 4;
        if need != len as u64 || need == 0 {
            return Err(GpuError::BadGeometry);
        }
        let resource = scanout + 1;
        self.command(
            &ResourceCreate2d {
                header: CtrlHeader::new(cmd::RESOURCE_CREATE_2D),
                resource_id: resource,
                format: cmd::FORMAT_B8G8R8X8_UNORM,
                width,
                height,
            },
            &[],
        )?;
        let entry =
            MemEntry { addr: address, length: u32::try_from(len).map_err(|_| GpuError::BadGeometry)?, padding: 0 };
        self.command(
            &AttachBacking { header: CtrlHeader::new(cmd::RESOURCE_ATTACH_BACKING), resource_id: resource, entries: 1 },
            entry.as_bytes(),
        )?;
        let rect = VirtioRect { x: 0, y: 0, width, height };
        self.command(
            &SetScanout { header: CtrlHeader::new(cmd::SET_SCANOUT), rect, scanout_id: scanout, resource_id: resource },
            &[],
        )?;
        if let Some(slot) = self.resources.get_mut(scanout as usize) {
            *slot = Some((resource, width, height));
        }
        Ok(())
    }

    /// Copies `rect` of scanout `scanout`'s buffer to the device
    /// (TRANSFER_TO_HOST_2D) and shows it (RESOURCE_FLUSH). When this
    /// returns, the rectangle has reached the scanout.
    pub fn flush(&mut self, scanout: u32, rect: Rect) -> Result<(), GpuError> {
        let (resource, width, height) =
            self.resources.get(scanout as usize).copied().flatten().ok_or(GpuError::NoScanout)?;
        let right = u64::from(rect.x) + u64::from(rect.width);
        let bottom = u64::from(rect.y) + u64::from(rect.height);
        if right > u64::from(width) || bottom > u64::from(height) || rect.width == 0 || rect.height == 0 {
            return Err(GpuError::BadGeometry);
        }
        let r = VirtioRect { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        // The offset of the rectangle's first pixel in the backing.
        let offset = (u64::from(rect.y) * u64::from(width) + u64::from(rect.x)) * 4;
        self.command(
            &TransferToHost2d {
                header: CtrlHeader::new(cmd::TRANSFER_TO_HOST_2D),
                rect: r,
                offset,
                resource_id: resource,
                padding: 0,
            },
            &[],
        )?;
        self.command(
            &ResourceFlush { header: CtrlHeader::new(cmd::RESOURCE_FLUSH), rect: r, resource_id: resource, padding: 0 },
            &[],
        )
    }
}
