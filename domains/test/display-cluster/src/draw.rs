// SPDX-License-Identifier: MIT
//! The cluster's pictures, drawn with `embedded-graphics` straight into a
//! framebuffer in the channel's window (XRGB8888, rows packed): the
//! tell-tale strip (the protected rows at the top), the speedometer with
//! its needle, the rev counter. Must not talk to the display domain: the
//! main loop configures and flips.

use bulkhead_display::Rect;
use bulkhead_display_client::{ClientError, DisplayClient};
use bulkhead_ring::Window;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{Circle, Line, PrimitiveStyle, Rectangle};

/// The tell-tale strip's height (the board protects it for the cluster).
pub const STRIP: u32 = 80;
const BACKGROUND: Rgb888 = Rgb888::new(0x08, 0x08, 0x18);
const STRIP_BACKGROUND: Rgb888 = Rgb888::new(0, 0, 0);
const DIAL: Rgb888 = Rgb888::new(0xd0, 0xd0, 0xd0);
const NEEDLE: Rgb888 = Rgb888::new(0xff, 0x30, 0x10);
/// Tell-tales: indicators, low beam, oil, battery, seat belt.
const TELLTALES: [Rgb888; 6] = [
    Rgb888::new(0, 0xd0, 0),
    Rgb888::new(0, 0x60, 0xff),
    Rgb888::new(0xff, 0xb0, 0),
    Rgb888::new(0xff, 0, 0),
    Rgb888::new(0xff, 0, 0),
    Rgb888::new(0, 0xd0, 0),
];
/// The speedometer's range, km/h.
pub const TOP_SPEED: u32 = 240;

/// A `width` x `height` XRGB8888 framebuffer at window offset `base`.
pub struct Canvas<'a, W: Window + Clone> {
    /// Writes into the window.
    pub client: &'a DisplayClient<W>,
    /// The framebuffer's window offset.
    pub base: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl<W: Window + Clone> OriginDimensions for Canvas<'_, W> {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

fn xrgb(c: Rgb888) -> [u8; 4] {
    [c.b(), c.g(), c.r(), 0]
}

impl<W: Window + Clone> DrawTarget for Canvas<'_, W> {
    type Color = Rgb888;
    type Error = ClientError;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(&mut self, pixels: I) -> Result<(), ClientError> {
        for Pixel(p, c) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(p.x), u32::try_from(p.y)) else { continue };
            if x < self.width && y < self.height {
                self.client.write(self.base + (y * self.width + x) * 4, &xrgb(c))?;
            }
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb888) -> Result<(), ClientError> {
        let area = area.intersection(&self.bounding_box());
        let (Ok(x0), Ok(y0)) = (u32::try_from(area.top_left.x), u32::try_from(area.top_left.y)) else { return Ok(()) };
        let mut chunk = [0u8; 1024];
        for px in chunk.chunks_exact_mut(4) {
            px.copy_from_slice(&xrgb(color));
        }
        for y in y0..y0 + area.size.height {
            let mut x = x0;
            while x < x0 + area.size.width {
                let n = (x0 + area.size.width - x).min(256);
                let bytes = chunk.get(..n as usize * 4).unwrap_or(&[]);
                self.client.write(self.base + (y * self.width + x) * 4, bytes)?;
                x += n;
            }
        }
        Ok(())
    }
}

/// Sine and cosine of `deg` degrees (Taylor series; no `libm` in `core`).
fn sin_cos(deg: f32) -> (f32, f32) {
    let mut x = deg % 360.0 * core::f32::consts::PI / 180.0;
    if x > core::f32::consts::PI {
        x -= 2.0 * core::f32::consts::PI;
    } else if x < -core::f32::consts::PI {
        x += 2.0 * core::f32::consts::PI;
    }
    let series = |mut term: f32, start: u32| {
        let mut sum = term;
        for k in (start..start + 14).step_by(2) {
            term *= -x * x / ((k + 1) * (k + 2)) as f32;
            sum += term;
        }
        sum
    };
    (series(x, 1), series(1.0, 0))
}

/// The point `len` pixels from `centre` at `deg` degrees (counter-clockwise
/// from 3 o'clock; y grows downwards).
fn polar(centre: Point, len: f32, deg: f32) -> Point {
    let (s, c) = sin_cos(deg);
    centre + Point::new((c * len) as i32, -(s * len) as i32)
}

/// Where the two dials go on a `width` x `height` screen.
pub struct Dials {
    /// The speedometer's centre.
    pub speed: Point,
    /// The rev counter's centre.
    pub revs: Point,
    /// Both diameters.
    pub diameter: u32,
}

impl Dials {
    /// The layout: two dials side by side below the strip.
    pub fn new(width: u32, height: u32) -> Self {
        let below = height.saturating_sub(STRIP);
        let diameter = (width / 2).min(below).saturating_sub(16).max(8);
        let y = (STRIP + below / 2) as i32;
        Dials { speed: Point::new((width / 4) as i32, y), revs: Point::new((3 * width / 4) as i32, y), diameter }
    }

    /// The speedometer's box: each frame's damage.
    pub fn speed_box(&self) -> Rect {
        let r = self.diameter / 2;
        Rect::new(self.speed.x as u32 - r, self.speed.y as u32 - r, self.diameter, self.diameter)
    }
}

/// A dial at `centre`: face, ticks, the needle at `fraction` of its sweep.
fn dial<W: Window + Clone>(
    c: &mut Canvas<'_, W>,
    centre: Point,
    diameter: u32,
    ticks: u32,
    fraction: f32,
) -> Result<(), ClientError> {
    let radius = diameter as f32 / 2.0;
    Circle::with_center(centre, diameter).into_styled(PrimitiveStyle::with_stroke(DIAL, 3)).draw(c)?;
    for t in 0..=ticks {
        let deg = 225.0 - 270.0 * t as f32 / ticks as f32;
        Line::new(polar(centre, radius - 4.0, deg), polar(centre, radius * 0.8, deg))
            .into_styled(PrimitiveStyle::with_stroke(DIAL, 2))
            .draw(c)?;
    }
    let deg = 225.0 - 270.0 * fraction;
    Line::new(centre, polar(centre, radius * 0.75, deg)).into_styled(PrimitiveStyle::with_stroke(NEEDLE, 4)).draw(c)?;
    Circle::with_center(centre, diameter / 10 + 2).into_styled(PrimitiveStyle::with_fill(DIAL)).draw(c)
}

/// The speedometer's box, cleared and drawn with the needle at `speed`.
pub fn speedometer<W: Window + Clone>(c: &mut Canvas<'_, W>, dials: &Dials, speed: u32) -> Result<(), ClientError> {
    let b = dials.speed_box();
    c.fill_solid(&Rectangle::new(Point::new(b.x as i32, b.y as i32), Size::new(b.width, b.height)), BACKGROUND)?;
    dial(c, dials.speed, dials.diameter, 12, speed.min(TOP_SPEED) as f32 / TOP_SPEED as f32)
}

/// The whole picture: strip, both dials.
pub fn scene<W: Window + Clone>(c: &mut Canvas<'_, W>, dials: &Dials, speed: u32) -> Result<(), ClientError> {
    let (width, height) = (c.width, c.height);
    c.fill_solid(&Rectangle::new(Point::zero(), Size::new(width, STRIP.min(height))), STRIP_BACKGROUND)?;
    c.fill_solid(
        &Rectangle::new(Point::new(0, STRIP as i32), Size::new(width, height.saturating_sub(STRIP))),
        BACKGROUND,
    )?;
    let step = width / (TELLTALES.len() as u32 + 1);
    for (i, colour) in TELLTALES.iter().enumerate() {
        let centre = Point::new((step * (i as u32 + 1)) as i32, (STRIP / 2) as i32);
        Circle::with_center(centre, 48).into_styled(PrimitiveStyle::with_fill(*colour)).draw(c)?;
    }
    dial(c, dials.revs, dials.diameter, 8, 0.3)?;
    speedometer(c, dials, speed)
}
