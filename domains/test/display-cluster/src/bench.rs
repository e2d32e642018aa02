// SPDX-License-Identifier: MIT
//! Benchmark mode (`bench=1` in params, `boards/test/display-bench.toml`):
//! before it animates, the cluster times its flips with the virtual
//! counter (one tick per instruction under `-icount shift=0`, every vCPU
//! and the kernel included; the other client idles meanwhile), from just
//! before its PG_FLIP is sent to the arrival of its flip-done:
//!
//! - `display_flip_full_insns`: the whole 1280x720 framebuffer changed;
//! - `display_flip_dirty64_insns`: a 64x64 dirty rectangle.
//!
//! Each is the median of [`SAMPLES`]. After a display-domain restart it
//! prints `display_back_at`: the counter when its first flip-done of the
//! new epoch arrived (the display domain printed `display_crash_at`).

use bulkhead_display::{Operation, Rect, Status};
use bulkhead_display_client::RequestClient;
use bulkhead_display_client::{ClientError, DisplayClient, Port, Received};
use bulkhead_ring::Window;
use domain_benchkit::{median, report};
use domain_rt::timer;

/// Samples per figure (odd: a true median).
const SAMPLES: usize = 9;

/// One flip of `fb` with `damage`, timed to its flip-done.
fn timed_flip<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    port: &impl Port,
    connector: u8,
    fb: u64,
    damage: Option<Rect>,
) -> Result<u64, ClientError> {
    let start = timer::counter();
    let r = client.call(port, connector, Operation::PageFlip { fb, damage }, |_| {})?;
    if r.status != Status::Ok {
        return Err(ClientError::NotConnected);
    }
    client.wait_for(port, |r| match r {
        Received::FlipDone { fb: done, .. } if done == fb => Some(()),
        _ => None,
    })?;
    Ok(timer::counter() - start)
}

/// Times [`SAMPLES`] full-frame and dirty-rectangle flips of `fb`
/// (`width` x `height`) and prints the medians.
pub fn flips<W: Window + Clone>(
    client: &mut DisplayClient<W>,
    port: &impl Port,
    connector: u8,
    fb: u64,
    (width, height): (u32, u32),
) -> Result<(), ClientError> {
    domain_benchkit::report_icount_proof();
    let mut full = [0u64; SAMPLES];
    for s in full.iter_mut() {
        *s = timed_flip(client, port, connector, fb, None)?;
    }
    let mut dirty = [0u64; SAMPLES];
    let rect = Rect::new(width / 2, height / 2, 64, 64);
    for s in dirty.iter_mut() {
        *s = timed_flip(client, port, connector, fb, Some(rect))?;
    }
    report("display_flip_full_insns", median(&mut full));
    report("display_flip_dirty64_insns", median(&mut dirty));
    report("display_flip_width", u64::from(width));
    report("display_flip_height", u64::from(height));
    Ok(())
}

/// After a restart: the counter when the first flip-done arrived.
pub fn back() {
    report("display_back_at", timer::counter());
}
