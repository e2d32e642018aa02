// SPDX-License-Identifier: MIT
//! N1: every 9P2000.L operation of PROTOCOLS.md does what a real client
//! expects, and what it wrote is what the host's `mtools` reads.

use crate::rig::*;
use bulkhead_ninep::errno::{ENOENT, EOPNOTSUPP, EXDEV};
use bulkhead_ninep::{AT_REMOVEDIR, Dirents, Message, SetAttr, attr};

const O_RDONLY: u32 = 0;
const O_RDWR: u32 = 2;

#[test]
fn n1_read_a_configuration_file_and_its_attributes() {
    let (mut s, _) = standard();
    attach(&mut s, 1);
    walk_to(&mut s, 1, 1, &["CONFIG.TXT"]);
    let size = call(&mut s, 1, Message::Tgetattr { fid: 1, request_mask: attr::GETATTR_ALL }, |m| match m {
        Message::Rgetattr(st) => {
            assert_eq!(st.mode, 0o100_444, "a read-only export shows no write bits");
            assert!(!st.qid.is_dir());
            st.size
        }
        other => panic!("{other:?}"),
    });
    assert_eq!(size, 14);
    ok(&mut s, 1, Message::Tlopen { fid: 1, flags: O_RDONLY });
    assert_eq!(read_all(&mut s, 1, 1), b"brightness=70\n");
    ok(&mut s, 1, Message::Tclunk { fid: 1 });
}

#[test]
fn n1_long_names_are_found_and_listed_by_their_long_name() {
    let (mut s, _) = standard();
    attach(&mut s, 1);
    walk_to(&mut s, 1, 1, &["route-plan.toml"]);
    ok(&mut s, 1, Message::Tlopen { fid: 1, flags: O_RDONLY });
    assert_eq!(read_all(&mut s, 1, 1), b"[route]\n");
    walk_to(&mut s, 1, 2, &[]);
    ok(&mut s, 1, Message::Tlopen { fid: 2, flags: O_RDONLY });
    let names = call(&mut s, 1, Message::Treaddir { fid: 2, offset: 0, count: 4096 }, |m| match m {
        Message::Rreaddir { data } => Dirents::new(data).map(|d| d.unwrap().name.to_string()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    });
    assert_eq!(names, [".", "..", "MAPS", "CONFIG.TXT", "route-plan.toml"]);
    // Continuing after the third entry gives the rest.
    let rest = call(&mut s, 1, Message::Treaddir { fid: 2, offset: 3, count: 4096 }, |m| match m {
        Message::Rreaddir { data } => Dirents::new(data).count(),
        other => panic!("{other:?}"),
    });
    assert_eq!(rest, 2);
}

#[test]
fn n1_create_write_clunk_then_the_host_reads_the_file() {
    let (mut s, disk) = standard();
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &[]);
    ok(&mut s, 0, Message::Tlcreate { fid: 1, name: "demo.log", flags: O_RDWR, mode: 0o644, gid: 0 });
    let text = b"cluster: started\ncluster: speed 0\n";
    call(&mut s, 0, Message::Twrite { fid: 1, offset: 0, data: text }, |m| {
        assert_eq!(m, Message::Rwrite { count: text.len() as u32 });
    });
    ok(&mut s, 0, Message::Tclunk { fid: 1 });
    assert_eq!(host_read(&disk.bytes.borrow(), "/CLUSTER/DEMO.LOG").as_deref(), Some(&text[..]));
    // Walking by the name it was created under finds it again.
    walk_to(&mut s, 0, 2, &["demo.log"]);
}

#[test]
fn n1_writes_past_the_end_fill_with_zeros_and_setattr_resizes() {
    let (mut s, disk) = standard();
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &["OLD.LOG"]);
    ok(&mut s, 0, Message::Tlopen { fid: 1, flags: O_RDWR });
    ok(&mut s, 0, Message::Twrite { fid: 1, offset: 10, data: b"X" });
    assert_eq!(read_all(&mut s, 0, 1), b"boot 1\n\0\0\0X");
    let grow = SetAttr { valid: attr::SETATTR_SIZE, size: 600, ..SetAttr::default() };
    ok(&mut s, 0, Message::Tsetattr { fid: 1, attr: grow });
    assert_eq!(read_all(&mut s, 0, 1).len(), 600);
    let shrink = SetAttr { valid: attr::SETATTR_SIZE, size: 5, ..SetAttr::default() };
    assert_eq!(errno_of(&mut s, 0, Message::Tsetattr { fid: 1, attr: shrink }), EOPNOTSUPP);
    let empty = SetAttr { valid: attr::SETATTR_SIZE, size: 0, ..SetAttr::default() };
    ok(&mut s, 0, Message::Tsetattr { fid: 1, attr: empty });
    ok(&mut s, 0, Message::Tclunk { fid: 1 });
    assert_eq!(host_read(&disk.bytes.borrow(), "/CLUSTER/OLD.LOG").as_deref(), Some(&b""[..]));
}

#[test]
fn n1_mkdir_rename_unlink_statfs_fsync() {
    let (mut s, disk) = standard();
    attach(&mut s, 0);
    call(&mut s, 0, Message::Tmkdir { dfid: 0, name: "trips", mode: 0o755, gid: 0 }, |m| match m {
        Message::Rmkdir { qid } => assert!(qid.is_dir()),
        other => panic!("{other:?}"),
    });
    walk_to(&mut s, 0, 1, &["trips"]);
    ok(&mut s, 0, Message::Trenameat { olddirfid: 0, oldname: "OLD.LOG", newdirfid: 1, newname: "T1.LOG" });
    assert_eq!(host_read(&disk.bytes.borrow(), "/CLUSTER/TRIPS/T1.LOG").as_deref(), Some(&b"boot 1\n"[..]));
    assert_eq!(host_read(&disk.bytes.borrow(), "/CLUSTER/OLD.LOG"), None);
    assert_eq!(
        errno_of(&mut s, 0, Message::Trenameat { olddirfid: 0, oldname: "trips", newdirfid: 0, newname: "T2" }),
        EXDEV,
        "a directory rename is EXDEV: mv copies"
    );
    assert_eq!(
        errno_of(&mut s, 0, Message::Tunlinkat { dirfid: 0, name: "trips", flags: AT_REMOVEDIR }),
        bulkhead_ninep::errno::ENOTEMPTY
    );
    ok(&mut s, 0, Message::Tunlinkat { dirfid: 1, name: "T1.LOG", flags: 0 });
    ok(&mut s, 0, Message::Tunlinkat { dirfid: 0, name: "trips", flags: AT_REMOVEDIR });
    assert_eq!(
        errno_of(&mut s, 0, Message::Twalk { fid: 0, newfid: 2, names: ["trips"].into_iter().collect() }),
        ENOENT
    );
    call(&mut s, 0, Message::Tstatfs { fid: 0 }, |m| match m {
        Message::Rstatfs(st) => {
            assert_eq!((st.bsize, st.blocks, st.files, st.namelen), (512, 128, 8, 255));
            assert_eq!(st.ffree, 8, "the quota counts what is left");
        }
        other => panic!("{other:?}"),
    });
    let flushes = disk.meter.flushes.get();
    ok(&mut s, 0, Message::Tfsync { fid: 0, datasync: 0 });
    assert_eq!(disk.meter.flushes.get(), flushes + 1);
}

#[test]
fn n1_xattrwalk_is_not_supported_and_flush_answers_at_once() {
    let (mut s, _) = standard();
    attach(&mut s, 0);
    assert_eq!(errno_of(&mut s, 0, Message::Txattrwalk { fid: 0, newfid: 5, name: "user.x" }), EOPNOTSUPP);
    call(&mut s, 0, Message::Tflush { oldtag: 7 }, |m| assert_eq!(m, Message::Rflush));
}
