// SPDX-License-Identifier: MIT
//! G4: ATTACH_BACKING's entries are allegations: entries outside guest RAM
//! (below, beyond, straddling its end, wrapping the address space), of
//! length 0, overlapping each other, fewer bytes than the resource, none,
//! more than `MAX_ENTRIES`, or more claimed than sent are refused with the
//! spec's code and attach nothing; a second attach is ERR_UNSPEC; exactly
//! `MAX_ENTRIES` entries work.
//!
//! Owns that evidence; must not test pixel reading (g2 does).

use bulkhead_virtio_gpu_device::wire::resp;
use bulkhead_virtio_gpu_device::{MAX_ENTRIES, Rect};

use crate::cmds::{attach, create_2d, entries, set_scanout};
use crate::fb::Fb;
use crate::rig::{BASE, PAGES, RAM, Rig};

const END: u64 = BASE + RAM as u64;

/// Entries, the expected response, what the case is.
type Case = (&'static [(u64, u32)], u32, &'static str);

/// A rig with resource 1 of 16x16 (1024 bytes) shown on scanout 0, no
/// backing.
fn rig() -> Rig {
    let mut r = Rig::up();
    assert_eq!(r.cmd(&create_2d(1, 2, 16, 16, None)), resp::OK_NODATA);
    assert_eq!(r.cmd(&set_scanout(0, 1, Rect::new(0, 0, 16, 16))), resp::OK_NODATA);
    r
}

fn backing_len(r: &mut Rig) -> usize {
    r.gpu().scanout_source(0).unwrap().backing.len()
}

#[test]
fn lying_entries_are_refused() {
    let mut r = rig();
    let cases: [Case; 11] = [
        (&[(0, 4096)], resp::ERR_INVALID_PARAMETER, "below RAM"),
        (&[(BASE - 4096, 8192)], resp::ERR_INVALID_PARAMETER, "straddling RAM's start"),
        (&[(END, 4096)], resp::ERR_INVALID_PARAMETER, "just beyond RAM"),
        (&[(END - 512, 1024)], resp::ERR_INVALID_PARAMETER, "straddling RAM's end"),
        (&[(u64::MAX - 100, 1024)], resp::ERR_INVALID_PARAMETER, "wrapping"),
        (&[(PAGES, 512), (u64::MAX, 512)], resp::ERR_INVALID_PARAMETER, "the second one lies"),
        (&[(PAGES, 0), (PAGES + 4096, 1024)], resp::ERR_INVALID_PARAMETER, "a zero length"),
        (&[(PAGES, 1000)], resp::ERR_INVALID_PARAMETER, "shorter than the resource"),
        (&[(PAGES, 512), (PAGES + 256, 512)], resp::ERR_INVALID_PARAMETER, "overlapping"),
        (&[(PAGES, 1024), (PAGES, 1024)], resp::ERR_INVALID_PARAMETER, "the same page twice"),
        (&[(PAGES + 4096, 1024), (PAGES + 4096 - 1, 2)], resp::ERR_INVALID_PARAMETER, "touching by one byte"),
    ];
    for (e, code, what) in cases {
        assert_eq!(r.cmd_data(&attach(1, e.len() as u32), &entries(e)), code, "{what}");
        assert_eq!(backing_len(&mut r), 0, "{what}: nothing attached");
    }
    // Adjacent (not overlapping) entries and RAM's very last byte are fine.
    let e = [(END - 512, 512), (END - 1024, 512)];
    assert_eq!(r.cmd_data(&attach(1, 2), &entries(&e)), resp::OK_NODATA);
    assert_eq!(backing_len(&mut r), 2);
}

#[test]
fn entry_counts() {
    let mut r = rig();
    assert_eq!(r.cmd(&attach(1, 0)), resp::ERR_INVALID_PARAMETER, "no entries");
    let many = Fb::scattered(MAX_ENTRIES as u64 * 4 + 4, 4);
    assert_eq!(many.entries.len(), MAX_ENTRIES + 1);
    assert_eq!(r.cmd_data(&attach(1, many.entries.len() as u32), &entries(&many.entries)), resp::ERR_OUT_OF_MEMORY);
    assert_eq!(r.cmd(&attach(1, u32::MAX)), resp::ERR_OUT_OF_MEMORY, "a huge count, nothing sent");
    // Claiming three entries, sending two: a short request.
    let two = [(PAGES, 512), (PAGES + 4096, 512)];
    assert_eq!(r.cmd_data(&attach(1, 3), &entries(&two)), resp::ERR_UNSPEC);
    assert_eq!(backing_len(&mut r), 0);
    // Exactly MAX_ENTRIES 4-byte entries (one pixel each) work, and pixels
    // read back across all of them.
    let exact = Fb::scattered(1024, 4);
    assert_eq!(exact.entries.len(), MAX_ENTRIES);
    assert_eq!(r.cmd_data(&attach(1, MAX_ENTRIES as u32), &entries(&exact.entries)), resp::OK_NODATA);
    assert_eq!(backing_len(&mut r), MAX_ENTRIES);
    exact.paint(&mut r, 16, (0, 0, 16, 16), |x, y| [x as u8, y as u8, 0, 0]);
    let mut out = vec![0; 256];
    r.dev.device().read_rect(&r.mem, 0, Rect::new(0, 0, 16, 16), &mut out).unwrap();
    assert!(out.iter().enumerate().all(|(i, &p)| p == (((i / 16) << 8) | (i % 16)) as u32));
    // A second attach is refused (detach first), keeping the first.
    let fb = Fb::scattered(1024, 1024);
    assert_eq!(r.cmd_data(&attach(1, 1), &entries(&fb.entries)), resp::ERR_UNSPEC);
    assert_eq!(backing_len(&mut r), MAX_ENTRIES);
}

#[test]
fn entries_in_the_request_buffer_too() {
    // A driver may put the entries right after the header in one buffer.
    let mut r = rig();
    let mut req = attach(1, 2);
    req.extend(entries(&[(PAGES, 512), (PAGES + 8192, 512)]));
    assert_eq!(r.cmd(&req), resp::OK_NODATA);
    assert_eq!(r.gpu().scanout_source(0).unwrap().backing[1].addr, PAGES + 8192);
}
