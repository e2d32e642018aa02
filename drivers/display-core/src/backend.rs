// SPDX-License-Identifier: MIT
//! The display backend: every client's displif requests in, composed
//! frames and flip-done events out.
//!
//! Owns each client's state (its [`Buffers`], what it shows on each
//! connector, its flips waiting for their flip-done) and each connector's
//! damage. A client's pixels are read only while its SET_CONFIG or
//! PG_FLIP is handled: they are copied (the changed rectangle only) into a
//! private shadow of what it shows, and frames are composed from shadows.
//! So a buffer is never read after its flip-done until its next flip, and
//! a client that scribbles on a shown buffer changes nothing on screen.
//!
//! The domain's loop: [`Backend::request`] for each message;
//! [`Backend::compose`] into the connector's scanout when
//! [`Backend::damage`] says something changed; transfer and flush that
//! rectangle to the GPU; then [`Backend::frame_shown`] hands out the
//! flip-done events of the flips that frame contains. Must not touch the
//! GPU or the rings.

extern crate alloc;

use crate::buffers::{Buffers, WindowSpan};
use crate::compose::{self, ComposeError, Layer, Scanout};
use crate::edid::{EDID_LEN, edid};
use crate::pixel::{Layout, Surface};
use crate::policy::{ClientId, MAX_CLIENTS, MAX_CONNECTORS, MAX_PROTECTED, Placement, Policy, PolicyError, Refusal};
use crate::selfcheck::{expected_crc, scanout_crc};
use alloc::vec;
use alloc::vec::Vec as Shadow;
use bulkhead_display::{Event, Operation, Payload, Rect, Request, Response, Status};
pub use bulkhead_ring::ClientWindow;
use heapless::Vec;

/// Flips a client may have waiting for their flip-done, per connector;
/// one more is refused with `Busy`.
pub const FLIP_BUDGET: usize = 2;

/// Flip-done events one frame can release.
pub const MAX_FLIPS_PER_FRAME: usize = MAX_CLIENTS * FLIP_BUDGET;

/// What a client shows on one connector: a private copy of its pixels.
#[derive(Debug)]
struct Shown {
    fb: u64,
    area: Rect,
    placement: Placement,
    /// The shadow's geometry: the framebuffer's format and size, rows packed.
    layout: Layout,
    shadow: Shadow<u8>,
}

impl Shown {
    fn layer(&self) -> Option<Layer<'_>> {
        let surface = Surface::new(self.layout, &self.shadow).ok()?;
        Some(Layer { surface, x: self.area.x, y: self.area.y, blend: self.placement.blend })
    }
}

#[derive(Debug, Default)]
struct ClientConnector {
    shown: Option<Shown>,
    /// Flips copied into the shadow, waiting for a frame.
    waiting: Vec<u64, FLIP_BUDGET>,
    /// Flips in the frame being composed and flushed.
    in_frame: Vec<u64, FLIP_BUDGET>,
}

#[derive(Debug)]
struct Client {
    buffers: Buffers,
    window: WindowSpan,
    connectors: [ClientConnector; MAX_CONNECTORS],
}

/// A frame's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// What was composed: transfer and flush this to the GPU.
    pub damage: Rect,
    /// Protected regions whose scanout does not show what their owner
    /// submitted: the owner and the event to send it.
    pub mismatches: Vec<(ClientId, Event), MAX_PROTECTED>,
}

/// Why a frame was not composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// No such connector.
    NoSuchConnector,
    /// The scanout's size is not the connector's mode.
    WrongScanout,
    /// Composition refused (a bug: the policy admits only on-screen areas).
    Compose(ComposeError),
}

/// The backend.
#[derive(Debug)]
pub struct Backend {
    policy: Policy,
    /// On the heap: a client's tables are about 2 KiB, and a domain's
    /// stack is bounded (128 KiB per vCPU in `domain-rt`).
    clients: alloc::vec::Vec<Option<Client>>,
    damage: [Option<Rect>; MAX_CONNECTORS],
}

fn refuse(id: u16, status: Status) -> Response {
    Response { id, status, payload: Payload::None }
}

fn ok(id: u16, payload: Payload) -> Response {
    Response { id, status: Status::Ok, payload }
}

impl Backend {
    /// A backend enforcing `policy` (validated first), with every
    /// connector damaged whole, so that the first frame paints it.
    pub fn new(policy: Policy) -> Result<Self, PolicyError> {
        policy.validate()?;
        let mut damage = [None; MAX_CONNECTORS];
        for (d, c) in damage.iter_mut().zip(policy.connectors.iter()) {
            *d = Some(Rect::new(0, 0, c.width, c.height));
        }
        let clients = (0..MAX_CLIENTS).map(|_| None).collect();
        Ok(Backend { policy, clients, damage })
    }

    /// The policy it enforces.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Client `client` (re)connects with a window of `window.len` bytes:
    /// whatever it had (a previous epoch) is gone and its areas repainted.
    pub fn connect(&mut self, client: ClientId, window: WindowSpan) -> bool {
        self.disconnect(client);
        let Some(slot) = self.clients.get_mut(usize::from(client)) else { return false };
        *slot = Some(Client { buffers: Buffers::default(), window, connectors: Default::default() });
        true
    }

    /// Client `client` is gone (crashed, restarted): its surfaces leave the
    /// connectors, its pending flips are dropped.
    pub fn disconnect(&mut self, client: ClientId) {
        let Some(old) = self.clients.get_mut(usize::from(client)).and_then(Option::take) else { return };
        for (c, cc) in old.connectors.iter().enumerate() {
            if let Some(shown) = &cc.shown {
                self.add_damage(c, shown.area);
            }
        }
    }

    /// What connector `connector` needs composed, if anything.
    pub fn damage(&self, connector: u8) -> Option<Rect> {
        self.damage.get(usize::from(connector)).copied().flatten()
    }

    fn add_damage(&mut self, connector: usize, area: Rect) {
        if let Some(d) = self.damage.get_mut(connector) {
            *d = match *d {
                Some(old) => old.union(&area).or(Some(old)),
                None => Some(area),
            };
        }
    }

    /// Handles one request of client `client`, whose window is `window`.
    pub fn request(&mut self, client: ClientId, window: &mut dyn ClientWindow, req: &Request) -> Response {
        let id = req.id;
        let connector = usize::from(req.connector);
        let Some(Some(state)) = self.clients.get_mut(usize::from(client)) else {
            return refuse(id, Status::Io);
        };
        let span = WindowSpan { len: window.len().min(state.window.len), ..state.window };
        match req.op {
            Operation::DbufCreate { dbuf, width, height, bpp, source } => {
                match state.buffers.create(span, dbuf, (width, height, bpp), source) {
                    Ok(d) if d.backend => ok(id, Payload::Buffer(d.range)),
                    Ok(_) => ok(id, Payload::None),
                    Err(status) => refuse(id, status),
                }
            }
            Operation::DbufDestroy { dbuf } => match state.buffers.destroy(dbuf) {
                Ok(()) => ok(id, Payload::None),
                Err(status) => refuse(id, status),
            },
            Operation::FbAttach { fb, dbuf, width, height, format, stride, offset } => {
                let layout = Layout { format, width, height, stride, offset };
                match state.buffers.attach(fb, dbuf, layout) {
                    Ok(_) => ok(id, Payload::None),
                    Err(status) => refuse(id, status),
                }
            }
            Operation::FbDetach { fb } => {
                let shown = state.connectors.iter().any(|c| c.shown.as_ref().is_some_and(|s| s.fb == fb));
                match state.buffers.detach(fb, shown) {
                    Ok(()) => ok(id, Payload::None),
                    Err(status) => refuse(id, status),
                }
            }
            Operation::SetConfig { fb, area } => self.set_config(client, window, id, req.connector, fb, area),
            Operation::PageFlip { fb, damage } => self.page_flip(client, window, id, connector, fb, damage),
            Operation::GetEdid { buffer } => {
                let Some(conn) = self.policy.connector(req.connector) else {
                    return refuse(id, Status::InvalidArgument);
                };
                let end = u64::from(buffer.offset) + u64::from(buffer.len);
                if (buffer.len as usize) < EDID_LEN || end > span.len {
                    return refuse(id, Status::InvalidArgument);
                }
                if !window.write(u64::from(buffer.offset), &edid(req.connector, conn.width, conn.height)) {
                    return refuse(id, Status::Io);
                }
                ok(id, Payload::EdidLength(EDID_LEN.try_into().unwrap_or(u32::MAX)))
            }
        }
    }

    fn set_config(
        &mut self,
        client: ClientId,
        window: &dyn ClientWindow,
        id: u16,
        connector: u8,
        fb: u64,
        area: Rect,
    ) -> Response {
        let c = usize::from(connector);
        if self.policy.connector(connector).is_none() {
            return refuse(id, Status::InvalidArgument);
        }
        let Some(Some(state)) = self.clients.get_mut(usize::from(client)) else { return refuse(id, Status::Io) };
        let Some(cc) = state.connectors.get_mut(c) else { return refuse(id, Status::InvalidArgument) };
        if area.is_empty() {
            // Off the connector; flips still waiting get their flip-done
            // with the next frame (nothing of theirs will show).
            if let Some(old) = cc.shown.take() {
                self.add_damage(c, old.area);
            }
            return ok(id, Payload::None);
        }
        let placement = match self.policy.check_area(connector, client, area) {
            Ok(p) => p,
            Err(Refusal::CoversProtected(n)) => {
                return Response { id, status: Status::PermissionDenied, payload: Payload::ProtectedRegion(n) };
            }
            Err(Refusal::NotPlaced) => return refuse(id, Status::PermissionDenied),
            Err(Refusal::OffScreen | Refusal::NoSuchConnector) => return refuse(id, Status::InvalidArgument),
        };
        let Some((base, layout)) = state.buffers.fb_in_window(fb) else { return refuse(id, Status::NotFound) };
        if (layout.width, layout.height) != (area.width, area.height) {
            return refuse(id, Status::InvalidArgument);
        }
        let Some(shown) = snapshot(window, base, layout, fb, area, placement) else {
            return refuse(id, Status::Io);
        };
        if let Some(old) = cc.shown.replace(shown) {
            self.add_damage(c, old.area);
        }
        self.add_damage(c, area);
        ok(id, Payload::None)
    }

    fn page_flip(
        &mut self,
        client: ClientId,
        window: &dyn ClientWindow,
        id: u16,
        connector: usize,
        fb: u64,
        damage: Option<Rect>,
    ) -> Response {
        let Some(Some(state)) = self.clients.get_mut(usize::from(client)) else { return refuse(id, Status::Io) };
        let Some(cc) = state.connectors.get_mut(connector) else { return refuse(id, Status::InvalidArgument) };
        let Some((base, layout)) = state.buffers.fb_in_window(fb) else { return refuse(id, Status::NotFound) };
        let Some(shown) = cc.shown.as_mut() else { return refuse(id, Status::InvalidArgument) };
        if (layout.width, layout.height) != (shown.area.width, shown.area.height) {
            return refuse(id, Status::InvalidArgument);
        }
        let changed = match damage {
            Some(d) if d.is_empty() || !d.fits_in(layout.width, layout.height) => {
                return refuse(id, Status::InvalidArgument);
            }
            Some(d) if layout.format == shown.layout.format => d,
            _ => layout.rect(),
        };
        if cc.waiting.is_full() {
            return refuse(id, Status::Busy);
        }
        if layout.format != shown.layout.format {
            let Some(fresh) = snapshot(window, base, layout, fb, shown.area, shown.placement) else {
                return refuse(id, Status::Io);
            };
            *shown = fresh;
        } else if !copy_rows(window, base, &layout, &mut shown.shadow, changed) {
            return refuse(id, Status::Io);
        }
        shown.fb = fb;
        let area = shown.area;
        if cc.waiting.push(fb).is_err() {
            return refuse(id, Status::Busy);
        }
        if let Some(on_screen) = changed.offset(area.x, area.y) {
            self.add_damage(connector, on_screen);
        }
        ok(id, Payload::None)
    }

    /// Composes connector `connector`'s damage into `scanout` (its mode's
    /// size), checks every protected region the damage touches, and moves
    /// the waiting flips into this frame. `Ok(None)`: nothing changed.
    pub fn compose(&mut self, connector: u8, scanout: &mut Scanout<'_>) -> Result<Option<Frame>, FrameError> {
        let c = usize::from(connector);
        let conn = self.policy.connector(connector).ok_or(FrameError::NoSuchConnector)?;
        if (scanout.width(), scanout.height()) != (conn.width, conn.height) {
            return Err(FrameError::WrongScanout);
        }
        let Some(damage) = self.damage.get_mut(c).and_then(Option::take) else { return Ok(None) };
        let mismatches = self.compose_damage(connector, conn, damage, scanout)?;
        for state in self.clients.iter_mut().flatten() {
            if let Some(cc) = state.connectors.get_mut(c) {
                for fb in core::mem::take(&mut cc.waiting) {
                    let _ = cc.in_frame.push(fb);
                }
            }
        }
        Ok(Some(Frame { damage, mismatches }))
    }

    fn compose_damage(
        &self,
        connector: u8,
        conn: &crate::policy::ConnectorPolicy,
        damage: Rect,
        scanout: &mut Scanout<'_>,
    ) -> Result<Vec<(ClientId, Event), MAX_PROTECTED>, FrameError> {
        let c = usize::from(connector);
        let mut layers: Vec<(u8, ClientId, Layer<'_>), MAX_CLIENTS> = Vec::new();
        for (client, state) in self.clients.iter().enumerate() {
            let Some(shown) = state.as_ref().and_then(|s| s.connectors.get(c)).and_then(|cc| cc.shown.as_ref()) else {
                continue;
            };
            if let Some(layer) = shown.layer() {
                let _ = layers.push((shown.placement.z, u8::try_from(client).unwrap_or(u8::MAX), layer));
            }
        }
        layers.sort_unstable_by_key(|(z, _, _)| *z);
        let plain: Vec<Layer<'_>, MAX_CLIENTS> = layers.iter().map(|(_, _, l)| *l).collect();
        compose::compose(scanout, conn.background, &plain, damage).map_err(FrameError::Compose)?;
        let mut mismatches = Vec::new();
        for (r, region) in conn.protected.iter().enumerate().filter(|(_, p)| p.area.overlaps(&damage)) {
            let owner: Vec<Layer<'_>, MAX_CLIENTS> =
                layers.iter().filter(|(_, client, _)| *client == region.owner).map(|(_, _, l)| *l).collect();
            let expected = expected_crc(conn.background, &owner, region.area);
            let found = scanout_crc(scanout, region.area);
            if expected != found || expected.is_none() {
                let event = Event::ProtectedRegionMismatch {
                    connector,
                    region: u8::try_from(r).unwrap_or(u8::MAX),
                    expected: expected.unwrap_or(0),
                    found: found.unwrap_or(0),
                };
                let _ = mismatches.push((region.owner, event));
            }
        }
        Ok(mismatches)
    }

    /// The last composed frame of `connector` has reached the scanout
    /// (transferred and flushed): the flip-done events of its flips, each
    /// with the client to send it to.
    pub fn frame_shown(&mut self, connector: u8) -> Vec<(ClientId, Event), MAX_FLIPS_PER_FRAME> {
        let mut done = Vec::new();
        for (client, state) in self.clients.iter_mut().enumerate() {
            let Some(cc) = state.as_mut().and_then(|s| s.connectors.get_mut(usize::from(connector))) else {
                continue;
            };
            for fb in core::mem::take(&mut cc.in_frame) {
                let _ = done.push((u8::try_from(client).unwrap_or(u8::MAX), Event::FlipDone { connector, fb }));
            }
        }
        done
    }

    /// The framebuffer client `client` shows on `connector`, and where.
    pub fn shown(&self, client: ClientId, connector: u8) -> Option<(u64, Rect)> {
        let state = self.clients.get(usize::from(client))?.as_ref()?;
        let shown = state.connectors.get(usize::from(connector))?.shown.as_ref()?;
        Some((shown.fb, shown.area))
    }
}

/// A fresh shadow of framebuffer `fb` (at `base` in the window), read whole.
fn snapshot(
    window: &dyn ClientWindow,
    base: u64,
    layout: Layout,
    fb: u64,
    area: Rect,
    placement: Placement,
) -> Option<Shown> {
    let packed = Layout { stride: u32::try_from(layout.row_bytes()).ok()?, offset: 0, ..layout };
    let mut shadow = vec![0u8; layout.row_bytes().checked_mul(layout.height as usize)?];
    copy_rows(window, base, &layout, &mut shadow, layout.rect()).then_some(())?;
    Some(Shown { fb, area, placement, layout: packed, shadow })
}

/// Copies `rect` (framebuffer coordinates) of the framebuffer at `base`
/// into the packed `shadow`.
fn copy_rows(window: &dyn ClientWindow, base: u64, layout: &Layout, shadow: &mut [u8], rect: Rect) -> bool {
    let bpp = crate::pixel::bytes_per_pixel(layout.format) as usize;
    let row = layout.row_bytes();
    for y in rect.y..rect.y + rect.height {
        let from =
            base + u64::from(layout.offset) + u64::from(layout.stride) * u64::from(y) + u64::from(rect.x) * bpp as u64;
        let at = row * y as usize + rect.x as usize * bpp;
        let Some(dst) = shadow.get_mut(at..at + rect.width as usize * bpp) else { return false };
        if !window.read(from, dst) {
            return false;
        }
    }
    true
}
