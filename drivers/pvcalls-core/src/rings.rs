// SPDX-License-Identifier: MIT
//! The check of a data ring a client hands over with CONNECT or ACCEPT:
//! both streams inside the client's data area, aligned, of a power-of-two
//! capacity, not overlapping each other nor any ring the client already
//! has in use, and within the client's ring-byte budget.
//!
//! Owns that check only; must not read or write the streams.

use bulkhead_pvcalls::stream::StreamLayout;
use bulkhead_pvcalls::{DataRing, Errno, channel};

/// A checked data ring: the two streams it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rings {
    /// Backend to client.
    pub inbound: StreamLayout,
    /// Client to backend.
    pub outbound: StreamLayout,
}

impl Rings {
    /// The window bytes both streams take.
    pub fn bytes(&self) -> u64 {
        [self.inbound, self.outbound].iter().map(|s| s.span().len() as u64).sum()
    }

    fn overlaps(&self, other: &Rings) -> bool {
        [self.inbound, self.outbound].iter().any(|a| a.overlaps(&other.inbound) || a.overlaps(&other.outbound))
    }
}

/// Checks `ring` in a `window_len`-byte window against the rings `in_use`
/// and a budget of `budget` bytes: `Inval` for a bad or overlapping ring,
/// `NoBufs` over the budget.
pub fn check<'a>(
    window_len: usize,
    ring: &DataRing,
    in_use: impl Iterator<Item = &'a Rings> + Clone,
    budget: u32,
) -> Result<Rings, Errno> {
    let area = channel::data_area(window_len);
    let inbound = StreamLayout::resolve(&area, ring.inbound).map_err(|_| Errno::Inval)?;
    let outbound = StreamLayout::resolve(&area, ring.outbound).map_err(|_| Errno::Inval)?;
    let rings = Rings { inbound, outbound };
    if inbound.overlaps(&outbound) || in_use.clone().any(|r| r.overlaps(&rings)) {
        return Err(Errno::Inval);
    }
    let used: u64 = in_use.map(Rings::bytes).sum();
    if used + rings.bytes() > u64::from(budget) {
        return Err(Errno::NoBufs);
    }
    Ok(rings)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use bulkhead_pvcalls::DataRef;

    const WINDOW: usize = channel::DATA_AREA + 16384;

    fn ring(a: u32, b: u32, len: u32) -> DataRing {
        DataRing { inbound: DataRef { offset: a, len }, outbound: DataRef { offset: b, len }, event: 0 }
    }

    #[test]
    fn good_rings_pass_and_bad_ones_are_inval() {
        let r = check(WINDOW, &ring(0, 4096, 128 + 1024), [].iter(), 1 << 20).unwrap();
        assert_eq!(r.bytes(), 2 * (128 + 1024));
        assert_eq!(check(WINDOW, &ring(0, 0, 192), [].iter(), 1 << 20), Err(Errno::Inval), "overlapping halves");
        assert_eq!(check(WINDOW, &ring(0, 16384, 192), [].iter(), 1 << 20), Err(Errno::Inval), "outside");
        assert_eq!(check(WINDOW, &ring(0, 1024, 100), [].iter(), 1 << 20), Err(Errno::Inval), "capacity");
        let other = check(WINDOW, &ring(8192, 12288, 192), [].iter(), 1 << 20).unwrap();
        assert_eq!(check(WINDOW, &ring(0, 8192, 192), [other].iter(), 1 << 20), Err(Errno::Inval), "in use");
        assert_eq!(check(WINDOW, &ring(0, 4096, 1152), [other].iter(), 2304), Err(Errno::NoBufs), "budget");
    }
}
