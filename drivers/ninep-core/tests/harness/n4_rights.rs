// SPDX-License-Identifier: MIT
//! N4: a read-only export refuses every change with `EROFS` and still
//! reads; FAT's read-only attribute refuses writes with `EACCES`.

use crate::rig::*;
use bulkhead_ninep::errno::EROFS;
use bulkhead_ninep::{Message, SetAttr, attr};

#[test]
fn n4_a_read_only_client_changes_nothing() {
    let (mut s, disk) = standard();
    attach(&mut s, 1);
    walk_to(&mut s, 1, 1, &["CONFIG.TXT"]);
    assert_eq!(errno_of(&mut s, 1, Message::Tlopen { fid: 1, flags: 1 }), EROFS);
    assert_eq!(errno_of(&mut s, 1, Message::Tlopen { fid: 1, flags: 2 }), EROFS);
    let size = SetAttr { valid: attr::SETATTR_SIZE, size: 0, ..SetAttr::default() };
    assert_eq!(errno_of(&mut s, 1, Message::Tsetattr { fid: 1, attr: size }), EROFS);
    walk_to(&mut s, 1, 2, &[]);
    assert_eq!(errno_of(&mut s, 1, Message::Tlcreate { fid: 2, name: "X.TXT", flags: 2, mode: 0, gid: 0 }), EROFS);
    assert_eq!(errno_of(&mut s, 1, Message::Tmkdir { dfid: 0, name: "D", mode: 0, gid: 0 }), EROFS);
    assert_eq!(errno_of(&mut s, 1, Message::Tunlinkat { dirfid: 0, name: "CONFIG.TXT", flags: 0 }), EROFS);
    assert_eq!(
        errno_of(&mut s, 1, Message::Trenameat { olddirfid: 0, oldname: "CONFIG.TXT", newdirfid: 0, newname: "C.TXT" }),
        EROFS
    );
    ok(&mut s, 1, Message::Tlopen { fid: 1, flags: 0 });
    assert_eq!(read_all(&mut s, 1, 1), b"brightness=70\n");
    assert_eq!(disk.meter.writes.get(), 0, "nothing was written to the device");
}

#[test]
fn n4_the_fat_read_only_attribute_refuses_writes() {
    let disk = MemDisk::new(image(&["/CLUSTER", "/SHARED"], &[("/CLUSTER/LOCKED.TXT", b"keep")]));
    // mattrib +r sets FAT's read-only attribute on the host.
    {
        let path = std::env::temp_dir().join(format!("ninep-attr-{}.img", std::process::id()));
        std::fs::write(&path, &*disk.bytes.borrow()).unwrap();
        let st = std::process::Command::new("mattrib")
            .env("MTOOLS_SKIP_CHECK", "1")
            .args(["-i", &format!("{}@@1M", path.display()), "+r", "::/CLUSTER/LOCKED.TXT"])
            .status()
            .unwrap();
        assert!(st.success());
        *disk.bytes.borrow_mut() = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
    }
    let mut s = server_on(disk, PARAMS);
    attach(&mut s, 0);
    walk_to(&mut s, 0, 1, &["LOCKED.TXT"]);
    call(&mut s, 0, Message::Tgetattr { fid: 1, request_mask: attr::GETATTR_ALL }, |m| match m {
        Message::Rgetattr(st) => assert_eq!(st.mode, 0o100_444),
        other => panic!("{other:?}"),
    });
    assert_eq!(errno_of(&mut s, 0, Message::Tlopen { fid: 1, flags: 2 }), bulkhead_ninep::errno::EACCES);
}
