// SPDX-License-Identifier: MIT
//! D9: DBUF_CREATE takes the client's range or allocates one in the
//! backend area (never overlapping another, refused when full);
//! DBUF_DESTROY frees it; GET_EDID writes a valid EDID of the connector's
//! mode into the client's window.

use crate::rig::*;
use bulkhead_display::{BufferSource, DataRef, Operation, Payload, Status};

#[test]
fn d9_backend_buffers_are_allocated_apart_and_freed() {
    let mut rig = Rig::new();
    let create = |dbuf| Operation::DbufCreate { dbuf, width: 32, height: 32, bpp: 32, source: BufferSource::Backend };
    let mut ranges = Vec::new();
    for dbuf in 0..8 {
        match rig.send(IVI, 0, create(dbuf)) {
            r if r.status == Status::Ok => match r.payload {
                Payload::Buffer(range) => ranges.push((dbuf, range)),
                other => panic!("{other:?}"),
            },
            r => {
                assert_eq!(r.status, Status::NoMemory, "dbuf {dbuf}");
                break;
            }
        }
    }
    // 32 KiB of backend area holds exactly eight 4 KiB buffers.
    assert_eq!(ranges.len(), 8);
    for (i, (_, a)) in ranges.iter().enumerate() {
        assert!(a.offset >= BACKEND_AREA.offset && a.offset + a.len <= BACKEND_AREA.offset + BACKEND_AREA.len);
        for (_, b) in &ranges[..i] {
            assert!(a.offset + a.len <= b.offset || b.offset + b.len <= a.offset, "{a:?} overlaps {b:?}");
        }
    }
    assert_eq!(rig.send(IVI, 0, create(99)).status, Status::NoMemory);
    rig.ok(IVI, 0, Operation::DbufDestroy { dbuf: 3 });
    let r = rig.ok(IVI, 0, create(99));
    assert_eq!(r.payload, Payload::Buffer(ranges[3].1), "the freed range is reused");
    assert_eq!(rig.send(IVI, 0, create(99)).status, Status::InvalidArgument, "a cookie in use");
}

#[test]
fn d9_edid_describes_the_connector() {
    let mut rig = Rig::new();
    let r = rig.ok(IVI, CENTRE, Operation::GetEdid { buffer: DataRef { offset: 512, len: 256 } });
    assert_eq!(r.payload, Payload::EdidLength(128));
    let e = &rig.windows[usize::from(IVI)].0[512..640];
    assert_eq!(&e[..8], &[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]);
    assert_eq!(e.iter().fold(0u8, |s, b| s.wrapping_add(*b)), 0);
    let width = u32::from(e[56]) | (u32::from(e[58] >> 4) << 8);
    let height = u32::from(e[59]) | (u32::from(e[61] >> 4) << 8);
    assert_eq!((width, height), (32, 24));
}
