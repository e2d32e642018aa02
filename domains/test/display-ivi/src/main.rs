// SPDX-License-Identifier: MIT
//! `display-ivi`: the infotainment system, a client of the display domain
//! (`bulkhead_display_client`), and the protected-region test's
//! adversary. It connects over the channel its board-file `params` name
//! (`channel=display-ivi`); when connected it first tries to cover all of
//! connector 0 (and so the cluster's tell-tales) and prints
//! `display-ivi: cover refused: region <n>` when the display domain
//! refuses with `PermissionDenied` naming protected region `n`
//! (`display-ivi: cover ACCEPTED` if it was shown: the policy failed;
//! `display-ivi: cover failed: <status> <payload>` for any other answer). Then it
//! shows moving colour bars full-screen on connector 1 and on connector 0
//! below the tell-tale strip, at (0, 80) with the remaining height; after
//! `frames=<n>` frames (default 60) it prints `display-ivi: <n> frames
//! shown` and keeps the last picture.
//!
//! It follows the channel's epochs: after a display-domain restart it
//! prints `display-ivi: reconnected, epoch <e>` and sends its whole
//! configuration again (the cover attempt too).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod bars;

use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_display::{BufferSource, ConnectorInfo, DataRef, Operation, Payload, PixelFormat, Rect, Status};
use bulkhead_display_client::RequestClient;
use bulkhead_display_client::{ClientError, DisplayClient, Received};
use bulkhead_ring::{Link, Window};
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// The cluster's protected strip on connector 0: rows 0..80.
const STRIP: u32 = 80;
/// Pixels the bars move per frame.
const STEP: u32 = 4;

/// One framebuffer it flips: connector, cookie, where, size.
#[derive(Clone, Copy)]
struct Surface {
    connector: u8,
    fb: u64,
    base: u32,
    size: (u32, u32),
}

/// Sends `op` about `connector` and expects `Ok`; false if refused.
fn ok<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    end: &ChannelEnd,
    connector: u8,
    op: Operation,
) -> Result<bool, ClientError> {
    let r = client.call(end, connector, op, |_| {})?;
    if r.status != Status::Ok {
        let _ = writeln!(Console, "display-ivi: {op:?} failed: {:?} {:?}", r.status, r.payload);
    }
    Ok(r.status == Status::Ok)
}

/// Display buffer and framebuffer `fb` (same cookie), `width` x `height`
/// XRGB8888 rows packed at `base`, for `connector`.
fn framebuffer<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    end: &ChannelEnd,
    connector: u8,
    fb: u64,
    base: u32,
    (width, height): (u32, u32),
) -> Result<bool, ClientError> {
    let source = BufferSource::Client(DataRef { offset: base, len: width * height * 4 });
    Ok(ok(client, end, connector, Operation::DbufCreate { dbuf: fb, width, height, bpp: 32, source })?
        && ok(client, end, connector, attach(fb, fb, (width, height)))?)
}

fn attach(fb: u64, dbuf: u64, (width, height): (u32, u32)) -> Operation {
    Operation::FbAttach { fb, dbuf, width, height, format: PixelFormat::Xrgb8888, stride: width * 4, offset: 0 }
}

/// One epoch: the cover attempt, the configuration, the frames still due,
/// then waits for the next epoch (`Err(Restarted)`).
fn session<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    end: &ChannelEnd,
    connectors: &[ConnectorInfo],
    frames: u32,
    shown: &mut u32,
) -> Result<(), ClientError> {
    let area = client.area();
    let mut at = area.offset;
    let mut surfaces: [Option<Surface>; 2] = [None; 2];
    if let Some(c0) = connectors.iter().find(|c| c.connector == 0) {
        let (w, h) = (c0.width, c0.height);
        if u64::from(w) * u64::from(h) * 4 <= u64::from(area.len) && framebuffer(client, end, 0, 1, at, (w, h))? {
            bars::paint(client, at, (w, h), 0)?;
            let cover = Operation::SetConfig { fb: 1, area: Rect::new(0, 0, w, h) };
            let r = client.call(end, 0, cover, |_| {})?;
            match (r.status, r.payload) {
                (Status::PermissionDenied, Payload::ProtectedRegion(n)) => {
                    let _ = writeln!(Console, "display-ivi: cover refused: region {n}");
                }
                (Status::Ok, _) => {
                    let _ = writeln!(Console, "display-ivi: cover ACCEPTED");
                }
                (status, payload) => {
                    let _ = writeln!(Console, "display-ivi: cover failed: {status:?} {payload:?}");
                }
            }
            // Below the strip: framebuffer 2 over the same display buffer.
            let size = (w, h.saturating_sub(STRIP));
            if ok(client, end, 0, attach(2, 1, size))?
                && ok(client, end, 0, Operation::SetConfig { fb: 2, area: Rect::new(0, STRIP, size.0, size.1) })?
            {
                surfaces[0] = Some(Surface { connector: 0, fb: 2, base: at, size });
            }
            at += w * h * 4;
        }
    }
    if let Some(c1) = connectors.iter().find(|c| c.connector == 1) {
        let (w, h) = (c1.width, c1.height);
        let fits = u64::from(at) + u64::from(w) * u64::from(h) * 4 <= u64::from(area.offset) + u64::from(area.len);
        if fits && framebuffer(client, end, 1, 3, at, (w, h))? {
            bars::paint(client, at, (w, h), 0)?;
            if ok(client, end, 1, Operation::SetConfig { fb: 3, area: Rect::new(0, 0, w, h) })? {
                surfaces[1] = Some(Surface { connector: 1, fb: 3, base: at, size: (w, h) });
            }
        }
    }
    if surfaces.iter().all(Option::is_none) {
        let _ = writeln!(Console, "display-ivi: nothing to show on (the window is too small?)");
    }
    while *shown < frames && surfaces.iter().any(Option::is_some) {
        // Flip-dones can arrive while the next flip waits for its answer:
        // every one that arrives, wherever, is crossed off.
        let mut waiting = surfaces.map(|s| s.map(|s| (s.connector, s.fb)));
        let cross_off = |waiting: &mut [Option<(u8, u64)>; 2], r: Received| {
            if let Received::FlipDone { connector, fb } = r {
                for w in waiting.iter_mut() {
                    if *w == Some((connector, fb)) {
                        *w = None;
                    }
                }
            }
        };
        for s in surfaces.iter().flatten() {
            bars::paint(client, s.base, s.size, (*shown + 1) * STEP)?;
            let flip = Operation::PageFlip { fb: s.fb, damage: None };
            let r = client.call(end, s.connector, flip, |r| cross_off(&mut waiting, r))?;
            if r.status != Status::Ok {
                let _ = writeln!(Console, "display-ivi: flip refused: {:?}", r.status);
                return client.wait_for(end, |_| None::<()>);
            }
        }
        while waiting.iter().any(Option::is_some) {
            let r = client.wait_for(end, Some)?;
            cross_off(&mut waiting, r);
        }
        *shown += 1;
        if *shown == frames {
            let _ = writeln!(Console, "display-ivi: {frames} frames shown");
            // Every flip-done has come: the centre display shows this.
            if let Some(s) = surfaces[1] {
                let crc = client.shown_crc(s.base, s.size.0 * 4, Rect::new(0, 0, s.size.0, s.size.1))?;
                let _ =
                    writeln!(Console, "display-ivi: shown crc {crc:08x} (centre display, {}x{})", s.size.0, s.size.1);
            }
        }
    }
    client.wait_for(end, |_| None::<()>)
}

fn main(_boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let Some(channel) = params.split_whitespace().find_map(|w| w.strip_prefix("channel=")) else {
        let _ = writeln!(Console, "params name no channel");
        return;
    };
    let frames = params.split_whitespace().find_map(|w| w.strip_prefix("frames=")?.parse().ok()).unwrap_or(60);
    let Some(channel_end) = ChannelEnd::find(channel) else {
        let _ = writeln!(Console, "no channel {channel}");
        return;
    };
    let window = channel_end.window();
    let end = &channel_end;
    let epoch = channel_end.epoch();
    let Ok(link) = Link::connect(&window, channel_end.info.end as u8, epoch, HELLO, TO_BACKEND, TO_CLIENT) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    let mut client = DisplayClient::new(link, &window);
    let mut shown = 0;
    channel_end.notify();
    loop {
        let connected = client.wait_for(end, |r| match r {
            Received::Connected { connectors } => Some(connectors),
            Received::Refused { version } => {
                let _ = writeln!(Console, "display-ivi: refused: the display domain speaks version {version}");
                None
            }
            _ => None,
        });
        let result = connected.and_then(|c| session(&mut client, end, &c, frames, &mut shown));
        match result {
            Err(ClientError::Restarted) => {
                let _ = writeln!(Console, "display-ivi: reconnected, epoch {}", client.epoch());
            }
            Ok(()) | Err(ClientError::Down | ClientError::NotConnected) => {}
            Err(e) => {
                let _ = writeln!(Console, "display-ivi: {e:?}");
                domain_rt::wait_for_interrupt();
            }
        }
    }
}
