// SPDX-License-Identifier: MIT
//! One control-queue command: the request (a copy the guest can no longer
//! change) decoded, checked and applied to [`GpuState`], and its response
//! ([`Response`]: the header, fence echoed, plus display info).
//!
//! Owns the commands' semantics and their error codes; must not touch
//! queues or chains (see `device`) nor read pixels (see `pixels`).

use bulkhead_virtio_device::GuestMemory;

use crate::flush::Flush;
use crate::format::Format;
use crate::rect::Rect;
use crate::resource::{MAX_DIM, MAX_ENTRIES, MAX_RESOURCES, MemEntry, Resource, ResourceInfo};
use crate::state::GpuState;
use crate::wire::{CtrlHdr, DISPLAY_INFO_LEN, HDR_LEN, MEM_ENTRY_LEN, cmd, put_u32, resp, u32_at, u64_at};

/// A response: its bytes and how many of them count.
#[derive(Clone, Debug)]
pub(crate) struct Response {
    buf: [u8; DISPLAY_INFO_LEN],
    len: usize,
}

impl Response {
    /// A bare header of type `ty` answering `req`.
    pub fn header(req: &CtrlHdr, ty: u32) -> Self {
        let mut buf = [0u8; DISPLAY_INFO_LEN];
        req.response(ty).write(&mut buf);
        Self { buf, len: HDR_LEN }
    }

    /// The response's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// The response type.
    pub fn ty(&self) -> u32 {
        u32_at(&self.buf, 0).unwrap_or(0)
    }
}

/// An error response type (`resp::ERR_*`).
type Code = u32;

/// Bytes of the fixed part of each request.
const CREATE_2D_LEN: usize = HDR_LEN + 16;
const RESOURCE_ID_LEN: usize = HDR_LEN + 8;
const SCANOUT_LEN: usize = HDR_LEN + 24;
const FLUSH_LEN: usize = HDR_LEN + 24;
const TRANSFER_LEN: usize = HDR_LEN + 32;
const ATTACH_LEN: usize = HDR_LEN + 8;

/// The `u32` at `at`, or ERR_UNSPEC for a request too short to hold it.
fn field(req: &[u8], at: usize) -> Result<u32, Code> {
    u32_at(req, at).ok_or(resp::ERR_UNSPEC)
}

/// Requires `len` bytes of request.
fn need(req: &[u8], len: usize) -> Result<(), Code> {
    if req.len() < len { Err(resp::ERR_UNSPEC) } else { Ok(()) }
}

impl GpuState {
    /// Runs the request `req` (the readable part of a chain, at most as long
    /// as [`crate::device::REQUEST_MAX`]) and returns its response.
    pub fn execute(&mut self, req: &[u8], mem: &dyn GuestMemory) -> Response {
        let Some(hdr) = CtrlHdr::parse(req) else {
            return Response::header(&CtrlHdr::default(), resp::ERR_UNSPEC);
        };
        let result = match hdr.ty {
            cmd::GET_DISPLAY_INFO => return self.display_info(&hdr),
            cmd::RESOURCE_CREATE_2D => self.create_2d(req),
            cmd::RESOURCE_UNREF => self.unref(req),
            cmd::SET_SCANOUT => self.set_scanout(req),
            cmd::RESOURCE_FLUSH => self.flush(req),
            cmd::TRANSFER_TO_HOST_2D => self.transfer(req),
            cmd::RESOURCE_ATTACH_BACKING => self.attach(req, mem),
            cmd::RESOURCE_DETACH_BACKING => self.detach(req),
            // GET_EDID (EDID is not offered), capsets, 3D, blobs, cursor
            // commands on the wrong queue, anything else.
            _ => Err(resp::ERR_UNSPEC),
        };
        Response::header(&hdr, result.err().unwrap_or(resp::OK_NODATA))
    }

    /// GET_DISPLAY_INFO: each scanout's preferred size at (0,0), enabled as
    /// configured; the other entries of the 16 zero.
    fn display_info(&self, hdr: &CtrlHdr) -> Response {
        let mut r = Response::header(hdr, resp::OK_DISPLAY_INFO);
        for (i, s) in self.scanouts.iter().enumerate() {
            let at = HDR_LEN + 24 * i;
            put_u32(&mut r.buf, at + 8, s.display.width);
            put_u32(&mut r.buf, at + 12, s.display.height);
            put_u32(&mut r.buf, at + 16, u32::from(s.display.enabled));
        }
        r.len = DISPLAY_INFO_LEN;
        r
    }

    /// RESOURCE_CREATE_2D: a fresh non-zero id, a known format, 1..=4096
    /// columns and rows, a free slot.
    fn create_2d(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, CREATE_2D_LEN)?;
        let id = field(req, HDR_LEN)?;
        let format = field(req, HDR_LEN + 4)?;
        let (width, height) = (field(req, HDR_LEN + 8)?, field(req, HDR_LEN + 12)?);
        if id == 0 || self.resource(id).is_some() {
            return Err(resp::ERR_INVALID_RESOURCE_ID);
        }
        let format = Format::from_wire(format).ok_or(resp::ERR_INVALID_PARAMETER)?;
        if !(1..=MAX_DIM).contains(&width) || !(1..=MAX_DIM).contains(&height) {
            return Err(resp::ERR_INVALID_PARAMETER);
        }
        if self.resources.len() >= MAX_RESOURCES {
            return Err(resp::ERR_OUT_OF_MEMORY);
        }
        let info = ResourceInfo { id, format, width, height };
        self.resources.push(Resource { info, backing: heapless::Vec::new() }).map_err(|_| resp::ERR_OUT_OF_MEMORY)
    }

    /// RESOURCE_UNREF: the resource goes; every scanout showing it is
    /// disabled first (its pending flush forgotten).
    fn unref(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, RESOURCE_ID_LEN)?;
        let id = field(req, HDR_LEN)?;
        let at = self.resources.iter().position(|r| id != 0 && r.info.id == id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?;
        for s in 0..self.scanouts.len() {
            let s = u32::try_from(s).unwrap_or(u32::MAX);
            if self.scanout(s).is_some_and(|x| x.resource == id) {
                self.disable_scanout(s);
            }
        }
        self.resources.swap_remove(at);
        Ok(())
    }

    /// SET_SCANOUT: resource 0 disables the scanout; otherwise a non-empty
    /// rectangle within an existing resource.
    fn set_scanout(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, SCANOUT_LEN)?;
        let rect = Rect::parse(req, HDR_LEN).ok_or(resp::ERR_UNSPEC)?;
        let scanout = field(req, HDR_LEN + 16)?;
        let id = field(req, HDR_LEN + 20)?;
        if self.scanout(scanout).is_none() {
            return Err(resp::ERR_INVALID_SCANOUT_ID);
        }
        if id == 0 {
            self.disable_scanout(scanout);
            return Ok(());
        }
        let info = self.resource(id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?.info;
        if rect.is_empty() || !rect.within(info.width, info.height) {
            return Err(resp::ERR_INVALID_PARAMETER);
        }
        if self.scanout(scanout).is_some_and(|s| s.resource != id || s.rect != rect) {
            self.flushes.forget(scanout);
        }
        if let Some(s) = self.scanout_mut(scanout) {
            s.resource = id;
            s.rect = rect;
        }
        Ok(())
    }

    /// RESOURCE_FLUSH: a rectangle within an existing resource; each
    /// scanout showing it gets a [`Flush`] of the part it shows (in its own
    /// coordinates). An empty rectangle is valid and flushes nothing.
    fn flush(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, FLUSH_LEN)?;
        let rect = Rect::parse(req, HDR_LEN).ok_or(resp::ERR_UNSPEC)?;
        let id = field(req, HDR_LEN + 16)?;
        let info = self.resource(id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?.info;
        if !rect.within(info.width, info.height) {
            return Err(resp::ERR_INVALID_PARAMETER);
        }
        for (i, s) in self.scanouts.iter().enumerate() {
            if s.resource != id {
                continue;
            }
            let part = rect.intersect(&s.rect).and_then(|p| p.relative_to(s.rect.x, s.rect.y));
            if let (Some(rect), Ok(scanout)) = (part, u32::try_from(i)) {
                self.flushes.push(Flush { scanout, rect });
            }
        }
        Ok(())
    }

    /// TRANSFER_TO_HOST_2D: only checked (the device keeps no pixels; the
    /// backing is read when shown): a rectangle within an existing resource
    /// with backing, whose bytes from `offset` on (rows one stride apart)
    /// lie within the backing.
    fn transfer(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, TRANSFER_LEN)?;
        let rect = Rect::parse(req, HDR_LEN).ok_or(resp::ERR_UNSPEC)?;
        let offset = u64_at(req, HDR_LEN + 16).ok_or(resp::ERR_UNSPEC)?;
        let id = field(req, HDR_LEN + 24)?;
        let res = self.resource(id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?;
        if res.backing.is_empty() {
            return Err(resp::ERR_UNSPEC);
        }
        if !rect.within(res.info.width, res.info.height) {
            return Err(resp::ERR_INVALID_PARAMETER);
        }
        if rect.is_empty() {
            return Ok(());
        }
        // The last byte read: offset + (height - 1) * stride + width * 4.
        let last_row = u64::from(rect.height - 1) * res.info.stride();
        let end = offset.checked_add(last_row).and_then(|e| e.checked_add(u64::from(rect.width) * 4));
        match end {
            Some(end) if end <= res.backing_len() => Ok(()),
            _ => Err(resp::ERR_INVALID_PARAMETER),
        }
    }

    /// RESOURCE_ATTACH_BACKING: an existing resource without backing,
    /// 1..=[`MAX_ENTRIES`] entries all present in the request, each checked
    /// (see [`Resource::attach`]).
    fn attach(&mut self, req: &[u8], mem: &dyn GuestMemory) -> Result<(), Code> {
        need(req, ATTACH_LEN)?;
        let id = field(req, HDR_LEN)?;
        let n = field(req, HDR_LEN + 4)?;
        let res = self.resource_mut(id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?;
        let n = usize::try_from(n).map_err(|_| resp::ERR_OUT_OF_MEMORY)?;
        if n == 0 {
            return Err(resp::ERR_INVALID_PARAMETER);
        }
        if n > MAX_ENTRIES {
            return Err(resp::ERR_OUT_OF_MEMORY);
        }
        need(req, ATTACH_LEN + n * MEM_ENTRY_LEN)?;
        if !res.backing.is_empty() {
            return Err(resp::ERR_UNSPEC);
        }
        let entries = (0..n).filter_map(|i| MemEntry::parse(req, ATTACH_LEN, i));
        res.attach(entries, mem).map_err(|_| resp::ERR_INVALID_PARAMETER)
    }

    /// RESOURCE_DETACH_BACKING: an existing resource with backing loses it
    /// (a scanout showing it stays set and reads nothing until a new one).
    fn detach(&mut self, req: &[u8]) -> Result<(), Code> {
        need(req, RESOURCE_ID_LEN)?;
        let id = field(req, HDR_LEN)?;
        let res = self.resource_mut(id).ok_or(resp::ERR_INVALID_RESOURCE_ID)?;
        if res.backing.is_empty() {
            return Err(resp::ERR_UNSPEC);
        }
        res.backing.clear();
        Ok(())
    }
}
