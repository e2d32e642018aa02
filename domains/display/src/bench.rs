// SPDX-License-Identifier: MIT
//! Benchmark mode (`bench=1` in params, benchmark boards only): before it
//! serves anyone, the domain counts, with the virtual counter (one tick
//! per instruction under `-icount shift=0`), what composing one full
//! 1280x720 frame costs against `copy_from_slice` of the same bytes in the
//! same domain and on the same buffers:
//!
//! - `display_compose_opaque_insns`: an opaque XRGB8888 surface over the
//!   whole scanout (the compositor's row copy);
//! - `display_compose_alpha_insns`: an ARGB8888 surface blended over the
//!   background;
//! - `display_memcpy_insns`: `copy_from_slice` of the frame's bytes.
//!
//! Each is the median of [`ROUNDS`]; the pixels are checked after each, so
//! that nothing is optimised away or wrong.

use alloc::vec;
use bulkhead_display::{PixelFormat, Rect};
use bulkhead_display_core::compose::{Layer, Scanout, compose};
use bulkhead_display_core::pixel::{Layout, Surface};
use core::hint::black_box;
use domain_benchkit::{median, report};
use domain_rt::timer;

const W: u32 = 1280;
const H: u32 = 720;
const ROUNDS: usize = 5;

fn counted(f: impl FnOnce()) -> u64 {
    let before = timer::counter();
    f();
    timer::counter() - before
}

/// Measures and prints the figures.
pub fn compose_against_memcpy() {
    let bytes = (W * H * 4) as usize;
    let mut source = vec![0u8; bytes];
    for (i, px) in source.chunks_exact_mut(4).enumerate() {
        px.copy_from_slice(&(0x8000_0000u32 | (i as u32 & 0x00ff_ffff)).to_le_bytes());
    }
    let mut target = vec![0u8; bytes];
    let whole = Rect::new(0, 0, W, H);
    let layout = |format| Layout { format, width: W, height: H, stride: W * 4, offset: 0 };
    for (name, format, blend) in [
        ("display_compose_opaque_insns", PixelFormat::Xrgb8888, false),
        ("display_compose_alpha_insns", PixelFormat::Argb8888, true),
    ] {
        let mut samples = [0u64; ROUNDS];
        for s in samples.iter_mut() {
            let Ok(surface) = Surface::new(layout(format), &source) else { panic!("bench surface") };
            let layer = Layer { surface, x: 0, y: 0, blend };
            let Some(mut scanout) = Scanout::new(W, H, &mut target) else { panic!("bench scanout") };
            *s = counted(|| {
                let _ = black_box(compose(&mut scanout, 0x10_18_20, &[layer], whole));
            });
            assert_eq!(scanout.pixel(W - 1, H - 1).map(|p| p != 0x10_18_20), Some(true), "{name}: nothing composed");
        }
        report(name, median(&mut samples));
    }
    let mut samples = [0u64; ROUNDS];
    for s in samples.iter_mut() {
        target.fill(0);
        *s = counted(|| black_box(&mut target[..]).copy_from_slice(black_box(&source[..])));
        assert!(target == source, "memcpy copied wrong");
    }
    report("display_memcpy_insns", median(&mut samples));
    report("display_frame_bytes", bytes as u64);
}
