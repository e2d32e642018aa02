// SPDX-License-Identifier: MIT
//! D4: PG_FLIP's flip-done event is released only once the frame holding
//! the flip has reached the scanout, in the order the flips were made;
//! and a client's buffer is not read after its flip-done until its next
//! flip (double buffering: drawing into the shown buffer changes nothing).

use crate::rig::*;
use bulkhead_display::{Event, Operation, PixelFormat, Rect, Status};

fn two_buffers(rig: &mut Rig) {
    rig.framebuffer(IVI, 1, (16, 8), PixelFormat::Xrgb8888, 0, |_, _| 0xff11_1111);
    rig.framebuffer(IVI, 2, (16, 8), PixelFormat::Xrgb8888, 0x1000, |_, _| 0xff22_2222);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(8, 8, 16, 8) });
    rig.frame(CENTRE).expect("a frame");
    assert!(rig.backend.frame_shown(CENTRE).is_empty(), "SET_CONFIG is not a flip");
}

#[test]
fn d4_flip_done_follows_the_frame_that_shows_it() {
    let mut rig = Rig::new();
    two_buffers(&mut rig);
    rig.ok(IVI, CENTRE, Operation::PageFlip { fb: 2, damage: None });
    assert!(rig.backend.frame_shown(CENTRE).is_empty(), "no frame yet, no flip-done");
    rig.frame(CENTRE).expect("a frame");
    assert_eq!(rig.pixel(CENTRE, 10, 10), 0x22_2222);
    let done = rig.backend.frame_shown(CENTRE);
    assert_eq!(done.as_slice(), [(IVI, Event::FlipDone { connector: CENTRE, fb: 2 })]);
    assert!(rig.backend.frame_shown(CENTRE).is_empty(), "each flip-done once");
}

#[test]
fn d4_two_flips_in_one_frame_are_done_in_order() {
    let mut rig = Rig::new();
    two_buffers(&mut rig);
    rig.ok(IVI, CENTRE, Operation::PageFlip { fb: 2, damage: None });
    rig.ok(IVI, CENTRE, Operation::PageFlip { fb: 1, damage: None });
    rig.frame(CENTRE).expect("a frame");
    assert_eq!(rig.pixel(CENTRE, 10, 10), 0x11_1111, "the last flip shows");
    let done = rig.backend.frame_shown(CENTRE);
    let fbs: Vec<u64> = done
        .iter()
        .map(|(_, e)| match e {
            Event::FlipDone { fb, .. } => *fb,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fbs, [2, 1]);
}

#[test]
fn d4_a_shown_buffer_is_not_read_after_its_flip_done() {
    let mut rig = Rig::new();
    two_buffers(&mut rig);
    rig.ok(IVI, CENTRE, Operation::PageFlip { fb: 2, damage: None });
    rig.frame(CENTRE).expect("a frame");
    rig.backend.frame_shown(CENTRE);
    // The client draws into the buffer on screen (it should draw into the
    // other one); another client's change forces a recomposition there.
    rig.paint(IVI, 0x1000, (16, 8), PixelFormat::Xrgb8888, |_, _| 0xffff_00ff);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 0, area: Rect::new(0, 0, 0, 0) });
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(8, 8, 16, 8) });
    rig.frame(CENTRE).expect("a frame");
    assert_eq!(rig.pixel(CENTRE, 10, 10), 0x11_1111);
    // Detaching the shown framebuffer is refused; the other one may go.
    assert_eq!(rig.send(IVI, CENTRE, Operation::FbDetach { fb: 1 }).status, Status::Busy);
    rig.ok(IVI, CENTRE, Operation::FbDetach { fb: 2 });
}
