// SPDX-License-Identifier: MIT
//! N5: each client's bytes and files stay within its quotas (`EDQUOT`),
//! counted from the disk at start, so a restart does not reset them.

use crate::rig::*;
use bulkhead_ninep::Message;
use bulkhead_ninep::errno::EDQUOT;

#[test]
fn n5_bytes_over_the_quota_are_refused_and_nothing_is_written() {
    let (mut s, disk) = standard();
    assert_eq!(s.usage(0).unwrap().bytes, 7, "OLD.LOG's bytes, counted at start");
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &[]);
    ok(&mut s, 0, Message::Tlcreate { fid: 1, name: "BIG.BIN", flags: 2, mode: 0, gid: 0 });
    let chunk = vec![0xA5u8; 32 * 1024];
    ok(&mut s, 0, Message::Twrite { fid: 1, offset: 0, data: &chunk });
    let before = disk.meter.writes.get();
    assert_eq!(errno_of(&mut s, 0, Message::Twrite { fid: 1, offset: 32 * 1024, data: &chunk }), EDQUOT);
    assert_eq!(disk.meter.writes.get(), before, "a refused write touches nothing");
    // Overwriting inside the file costs nothing more.
    ok(&mut s, 0, Message::Twrite { fid: 1, offset: 0, data: &chunk });
    ok(&mut s, 0, Message::Tclunk { fid: 1 });
    // Deleting gives the bytes back.
    ok(&mut s, 0, Message::Tunlinkat { dirfid: 0, name: "BIG.BIN", flags: 0 });
    assert_eq!(s.usage(0).unwrap().bytes, 7);
}

#[test]
fn n5_files_over_the_quota_are_refused_and_the_count_survives_a_restart() {
    let (mut s, disk) = standard();
    attach(&mut s, 0);
    // OLD.LOG is one of the 8.
    for n in 1..8 {
        walk_to(&mut s, 0, 1, &[]);
        let name = format!("F{n}.TXT");
        ok(&mut s, 0, Message::Tlcreate { fid: 1, name: &name, flags: 2, mode: 0, gid: 0 });
        ok(&mut s, 0, Message::Tclunk { fid: 1 });
    }
    walk_to(&mut s, 0, 1, &[]);
    assert_eq!(errno_of(&mut s, 0, Message::Tlcreate { fid: 1, name: "F8.TXT", flags: 2, mode: 0, gid: 0 }), EDQUOT);
    assert_eq!(errno_of(&mut s, 0, Message::Tmkdir { dfid: 0, name: "D", mode: 0, gid: 0 }), EDQUOT);
    // A new server on the same disk (the domain restarted) counts them again.
    let mut again = server_on(disk.reboot(), PARAMS);
    assert_eq!(again.usage(0).unwrap().files, 8);
    attach(&mut again, 0);
    walk_to(&mut again, 0, 1, &[]);
    assert_eq!(
        errno_of(&mut again, 0, Message::Tlcreate { fid: 1, name: "F8.TXT", flags: 2, mode: 0, gid: 0 }),
        EDQUOT
    );
}
