// SPDX-License-Identifier: MIT
//! N3: a client never leaves its export: `..` at its root, absolute
//! names, names with `/` or NUL, and empty names are refused; `..` below
//! the root works.

use crate::rig::*;
use bulkhead_ninep::errno::{EACCES, EINVAL, ENOENT};
use bulkhead_ninep::{Message, NOFID, WalkNames};

fn names<'a>(list: &[&'a str]) -> WalkNames<'a> {
    list.iter().copied().collect()
}

#[test]
fn n3_dotdot_at_the_root_is_refused_and_below_it_stays_inside() {
    let (mut s, _) = standard();
    attach(&mut s, 1);
    assert_eq!(errno_of(&mut s, 1, Message::Twalk { fid: 0, newfid: 1, names: names(&[".."]) }), EACCES);
    // From MAPS, `..` comes back to the root, and one more stops there:
    // the walk reports the two steps taken and creates no fid.
    call(&mut s, 1, Message::Twalk { fid: 0, newfid: 1, names: names(&["MAPS", "..", ".."]) }, |m| match m {
        Message::Rwalk { qids } => assert_eq!(qids.len(), 2),
        other => panic!("{other:?}"),
    });
    assert_eq!(errno_of(&mut s, 1, Message::Tclunk { fid: 1 }), bulkhead_ninep::errno::EBADF);
    walk_to(&mut s, 1, 2, &["MAPS", "..", "CONFIG.TXT"]);
}

#[test]
fn n3_the_other_export_is_out_of_reach() {
    let (mut s, _) = standard();
    attach(&mut s, 1);
    assert_eq!(errno_of(&mut s, 1, Message::Twalk { fid: 0, newfid: 1, names: names(&["CLUSTER"]) }), ENOENT);
    for bad in ["/CLUSTER", "../CLUSTER", "MAPS/TILE0.BIN", "", "CON\0FIG.TXT"] {
        assert_eq!(errno_of(&mut s, 1, Message::Twalk { fid: 0, newfid: 1, names: names(&[bad]) }), EINVAL, "{bad:?}");
    }
    assert_eq!(
        errno_of(&mut s, 1, Message::Tattach { fid: 5, afid: NOFID, uname: "", aname: "/CLUSTER", n_uname: 0 }),
        ENOENT,
        "the board picks the export, not the aname"
    );
}

#[test]
fn n3_names_that_leave_are_refused_for_every_operation() {
    let (mut s, _) = standard();
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &[]);
    for bad in ["../ESCAPE.TXT", "/ESCAPE.TXT", "..", ".", "A\0B"] {
        assert_eq!(errno_of(&mut s, 0, Message::Tlcreate { fid: 1, name: bad, flags: 2, mode: 0, gid: 0 }), EINVAL);
        assert_eq!(errno_of(&mut s, 0, Message::Tmkdir { dfid: 0, name: bad, mode: 0, gid: 0 }), EINVAL);
        assert_eq!(errno_of(&mut s, 0, Message::Tunlinkat { dirfid: 0, name: bad, flags: 0 }), EINVAL);
        assert_eq!(
            errno_of(&mut s, 0, Message::Trenameat { olddirfid: 0, oldname: "OLD.LOG", newdirfid: 0, newname: bad }),
            EINVAL
        );
    }
}
