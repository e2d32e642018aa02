// SPDX-License-Identifier: MIT
//! D6: a hostile client gets an error for a buffer outside its window, a
//! size, stride or offset that overflows, a format that does not match
//! its buffer, a flip of a detached or unknown framebuffer, a connector
//! that does not exist; and nothing else changes: the other client's
//! picture and state are as before.

use crate::rig::*;
use bulkhead_display::{BufferSource, DataRef, Operation, PixelFormat, Rect, Status};

#[test]
fn d6_every_hostile_request_is_refused_and_nothing_changes() {
    let mut rig = Rig::new();
    rig.framebuffer(CLUSTER, 1, (48, 6), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_b000);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    rig.frame(CLUSTER_SCREEN);
    let before = rig.scanouts[0].clone();

    let client = |offset, len| BufferSource::Client(DataRef { offset, len });
    let hostile = [
        // A buffer outside the window, or wrapping around it.
        (
            Operation::DbufCreate { dbuf: 9, width: 4, height: 4, bpp: 32, source: client(WINDOW - 8, 64) },
            Status::InvalidArgument,
        ),
        (
            Operation::DbufCreate { dbuf: 9, width: 4, height: 4, bpp: 32, source: client(u32::MAX, u32::MAX) },
            Status::InvalidArgument,
        ),
        // A range too small for its size, a size that overflows, a bad depth.
        (
            Operation::DbufCreate { dbuf: 9, width: 64, height: 64, bpp: 32, source: client(0, 1024) },
            Status::InvalidArgument,
        ),
        (
            Operation::DbufCreate { dbuf: 9, width: u32::MAX, height: u32::MAX, bpp: 32, source: client(0, 1024) },
            Status::InvalidArgument,
        ),
        (
            Operation::DbufCreate { dbuf: 9, width: 4, height: 4, bpp: 24, source: client(0, 1024) },
            Status::InvalidArgument,
        ),
        (
            Operation::DbufCreate { dbuf: 9, width: u32::MAX, height: 4096, bpp: 32, source: BufferSource::Backend },
            Status::NoMemory,
        ),
        // A framebuffer over an unknown buffer.
        (
            Operation::FbAttach {
                fb: 9,
                dbuf: 77,
                width: 4,
                height: 4,
                format: PixelFormat::Xrgb8888,
                stride: 16,
                offset: 0,
            },
            Status::NotFound,
        ),
        // Flips and configurations of unknown framebuffers, an unknown connector.
        (Operation::PageFlip { fb: 77, damage: None }, Status::NotFound),
        (Operation::SetConfig { fb: 77, area: Rect::new(0, 8, 4, 4) }, Status::NotFound),
        (Operation::FbDetach { fb: 77 }, Status::NotFound),
        (Operation::DbufDestroy { dbuf: 77 }, Status::NotFound),
        (Operation::GetEdid { buffer: DataRef { offset: WINDOW - 64, len: 128 } }, Status::InvalidArgument),
        (Operation::GetEdid { buffer: DataRef { offset: 0, len: 16 } }, Status::InvalidArgument),
    ];
    for (op, want) in hostile {
        assert_eq!(rig.send(IVI, CLUSTER_SCREEN, op).status, want, "{op:?}");
    }
    assert_eq!(
        rig.send(IVI, 9, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 1, 1) }).status,
        Status::InvalidArgument
    );

    // A real buffer, then framebuffers whose stride, offset or format lie.
    rig.ok(IVI, 0, Operation::DbufCreate { dbuf: 5, width: 8, height: 8, bpp: 32, source: client(0, 256) });
    let attach = |fb, width, height, format, stride, offset| Operation::FbAttach {
        fb,
        dbuf: 5,
        width,
        height,
        format,
        stride,
        offset,
    };
    for op in [
        attach(6, 8, 8, PixelFormat::Xrgb8888, 16, 0), // stride shorter than a row
        attach(6, 8, 8, PixelFormat::Xrgb8888, 32, 4), // offset pushes the last row out
        attach(6, 8, 8, PixelFormat::Xrgb8888, u32::MAX, 0), // stride overflows the buffer
        attach(6, 8, u32::MAX, PixelFormat::Xrgb8888, 32, 0), // height overflows
        attach(6, 8, 8, PixelFormat::Rgb565, 16, 0),   // 16 bpp over a 32 bpp buffer
        attach(6, 0, 8, PixelFormat::Xrgb8888, 32, 0), // empty
    ] {
        assert_eq!(rig.send(IVI, 0, op).status, Status::InvalidArgument, "{op:?}");
    }
    rig.ok(IVI, 0, attach(6, 8, 8, PixelFormat::Xrgb8888, 32, 0));
    // A flip of a framebuffer that is not shown, a damage outside it, a
    // configuration whose size is not the framebuffer's, a detached one.
    assert_eq!(rig.send(IVI, CENTRE, Operation::PageFlip { fb: 6, damage: None }).status, Status::InvalidArgument);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 6, area: Rect::new(0, 0, 8, 8) });
    for damage in [Rect::new(4, 4, 8, 8), Rect::new(u32::MAX, 0, 2, 2), Rect::new(0, 0, 0, 3)] {
        let r = rig.send(IVI, CENTRE, Operation::PageFlip { fb: 6, damage: Some(damage) });
        assert_eq!(r.status, Status::InvalidArgument, "{damage:?}");
    }
    assert_eq!(
        rig.send(IVI, CENTRE, Operation::SetConfig { fb: 6, area: Rect::new(0, 0, 9, 8) }).status,
        Status::InvalidArgument
    );
    assert_eq!(
        rig.send(IVI, CENTRE, Operation::SetConfig { fb: 6, area: Rect::new(30, 20, 8, 8) }).status,
        Status::InvalidArgument
    );
    assert_eq!(rig.send(IVI, 0, Operation::DbufDestroy { dbuf: 5 }).status, Status::Busy);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 0, area: Rect::new(0, 0, 0, 0) });
    rig.ok(IVI, 0, Operation::FbDetach { fb: 6 });
    assert_eq!(rig.send(IVI, CENTRE, Operation::PageFlip { fb: 6, damage: None }).status, Status::NotFound);

    // The cluster's picture and state are untouched.
    let frame = rig.frame(CLUSTER_SCREEN);
    assert!(frame.is_none_or(|f| f.mismatches.is_empty()));
    assert_eq!(rig.scanouts[0], before);
    assert_eq!(rig.backend.shown(CLUSTER, CLUSTER_SCREEN), Some((1, TELLTALES)));
}
