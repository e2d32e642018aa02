// SPDX-License-Identifier: MIT
//! `display-cluster`: the instrument cluster, a client of the display
//! domain (`bulkhead_display_client`). It connects over the channel its
//! board-file `params` name (`channel=display-cluster`); when connected it
//! makes two XRGB8888 framebuffers of connector 0's size in its buffer
//! area, draws the tell-tale strip (the top 80 rows, which the board
//! protects for it), the speedometer and the rev counter into both, shows
//! the first full-screen at (0, 0) on connector 0, then animates the
//! speedometer's needle: each frame is drawn into the back buffer and
//! flipped with the dial's box as damage, and the next waits for its
//! flip-done. After `frames=<n>` frames (default 60) it prints
//! `display-cluster: <n> frames shown` and keeps the last picture; once
//! that picture has reached the screen (its flip-done) it prints
//! `display-cluster: shown crc <hex>`: the CRC-32 of its tell-tale strip's
//! B, G, R bytes, which the QEMU test compares with a screendump.
//!
//! With `bench=1` (benchmark boards) it times its flips first and the
//! return of its picture after a display-domain restart (`bench.rs`).
//!
//! It follows the channel's epochs: after a display-domain restart it
//! prints `display-cluster: reconnected, epoch <e>` and sends its whole
//! configuration again (the last picture). A protected-region mismatch is
//! printed as `display-cluster: mismatch region <r>`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod bench;
mod draw;

use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_display::{BufferSource, ConnectorInfo, DataRef, Operation, PixelFormat, Rect, Status};
use bulkhead_display_client::RequestClient;
use bulkhead_display_client::{ClientError, DisplayClient, Received};
use bulkhead_ring::{Link, Window};
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console};
use draw::{Canvas, Dials};

domain_rt::entry!(main);

/// The connector it shows on.
const CONNECTOR: u8 = 0;
/// Speed gained per frame, km/h.
const STEP: u32 = 4;

/// Prints what arrives besides the awaited answer.
fn other(r: Received) {
    if let Received::Mismatch { region, .. } = r {
        let _ = writeln!(Console, "display-cluster: mismatch region {region}");
    }
}

/// Sends `op` and expects `Ok`.
fn ok<W: Window + Clone>(client: &mut DisplayClient<W>, end: &ChannelEnd, op: Operation) -> Result<(), ClientError> {
    let r = client.call(end, CONNECTOR, op, other)?;
    if r.status != Status::Ok {
        let _ = writeln!(Console, "display-cluster: {op:?} failed: {:?} {:?}", r.status, r.payload);
    }
    Ok(())
}

/// Flips `fb` with `damage`; when the flip is taken, waits for its
/// flip-done (the frame has reached the screen). The flip's status.
fn flip_and_wait<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    end: &ChannelEnd,
    fb: u64,
    damage: Option<Rect>,
) -> Result<Status, ClientError> {
    let r = client.call(end, CONNECTOR, Operation::PageFlip { fb, damage }, other)?;
    if r.status == Status::Ok {
        client.wait_for(end, |r| match r {
            Received::FlipDone { fb: done, .. } if done == fb => Some(()),
            r => {
                other(r);
                None
            }
        })?;
    }
    Ok(r.status)
}

/// Progress over epochs.
struct Show {
    frames: u32,
    shown: u32,
    /// Benchmark mode (`bench=1`).
    bench: bool,
    /// Epochs connected so far.
    lives: u32,
}

/// One epoch: the configuration, the animation still due, then waits for
/// the next epoch (`Err(Restarted)`).
fn session<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    end: &ChannelEnd,
    screen: ConnectorInfo,
    show: &mut Show,
) -> Result<(), ClientError> {
    let (width, height) = (screen.width, screen.height);
    let len = width * height * 4;
    let area = client.area();
    if u64::from(len) * 2 > u64::from(area.len) {
        let _ = writeln!(Console, "display-cluster: the window holds no two {width}x{height} framebuffers");
        return client.wait_for(end, |r| {
            other(r);
            None
        });
    }
    let dials = Dials::new(width, height);
    let buffers = [DataRef { offset: area.offset, len }, DataRef { offset: area.offset + len, len }];
    for (fb, range) in (1u64..).zip(buffers) {
        let source = BufferSource::Client(range);
        ok(client, end, Operation::DbufCreate { dbuf: fb, width, height, bpp: 32, source })?;
        let format = PixelFormat::Xrgb8888;
        ok(client, end, Operation::FbAttach { fb, dbuf: fb, width, height, format, stride: width * 4, offset: 0 })?;
        let mut canvas = Canvas { client, base: range.offset, width, height };
        draw::scene(&mut canvas, &dials, speed(show.shown))?;
    }
    ok(client, end, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, width, height) })?;
    show.lives += 1;
    if show.bench && show.lives == 1 {
        bench::flips(client, end, CONNECTOR, 1, (width, height))?;
    }
    let mut back = 1usize;
    while show.shown < show.frames {
        let fb = back as u64 + 1;
        let base = buffers.get(back).map_or(area.offset, |r| r.offset);
        draw::speedometer(&mut Canvas { client, base, width, height }, &dials, speed(show.shown + 1))?;
        let status = flip_and_wait(client, end, fb, Some(dials.speed_box()))?;
        if status != Status::Ok {
            let _ = writeln!(Console, "display-cluster: flip refused: {status:?}");
            break;
        }
        show.shown += 1;
        back = 1 - back;
        if show.shown == show.frames {
            let _ = writeln!(Console, "display-cluster: {} frames shown", show.frames);
        }
    }
    // Show the front buffer once more and wait until it has reached the
    // screen (after a reconnect this is the first frame), then say what
    // the tell-tale strip holds.
    let front = 1 - back;
    let fb = front as u64 + 1;
    if flip_and_wait(client, end, fb, None)? == Status::Ok {
        if show.bench && show.lives > 1 {
            bench::back();
        }
        let base = buffers.get(front).map_or(area.offset, |r| r.offset);
        let crc = client.shown_crc(base, width * 4, Rect::new(0, 0, width, draw::STRIP.min(height)))?;
        let _ = writeln!(Console, "display-cluster: shown crc {crc:08x} (tell-tale strip, {width}x{})", draw::STRIP);
    }
    client.wait_for(end, |r| {
        other(r);
        None
    })
}

/// The speed shown in frame `k`: up to the top, then down again.
fn speed(k: u32) -> u32 {
    let period = 2 * draw::TOP_SPEED;
    let at = (k * STEP) % period;
    if at > draw::TOP_SPEED { period - at } else { at }
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
    let bench = params.split_whitespace().any(|w| w == "bench=1");
    let mut show = Show { frames, shown: 0, bench, lives: 0 };
    channel_end.notify();
    loop {
        let connected = client.wait_for(end, |r| match r {
            Received::Connected { connectors } => Some(connectors),
            Received::Refused { version } => {
                let _ = writeln!(Console, "display-cluster: refused: the display domain speaks version {version}");
                None
            }
            r => {
                other(r);
                None
            }
        });
        let result = match connected {
            Ok(connectors) => match connectors.iter().find(|c| c.connector == CONNECTOR) {
                Some(screen) => session(&mut client, end, *screen, &mut show),
                None => {
                    let _ = writeln!(Console, "display-cluster: no connector {CONNECTOR}");
                    client.wait_for(end, |r| {
                        other(r);
                        None
                    })
                }
            },
            Err(e) => Err(e),
        };
        match result {
            Err(ClientError::Restarted) => {
                let _ = writeln!(Console, "display-cluster: reconnected, epoch {}", client.epoch());
            }
            Err(ClientError::Down | ClientError::NotConnected) => {}
            Ok(()) => {}
            Err(e) => {
                let _ = writeln!(Console, "display-cluster: {e:?}");
                domain_rt::wait_for_interrupt();
            }
        }
    }
}
