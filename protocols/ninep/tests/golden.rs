// SPDX-License-Identifier: MIT
//! Exact bytes, derived by hand from the 9P2000.L specification
//! (size\[4\] type\[1\] tag\[2\], little-endian; strings len\[2\] + bytes;
//! qid type\[1\] version\[4\] path\[8\]): each frame must encode to them and
//! decode from them.

mod common;

use bulkhead_ninep::{Dirent, Dirents, Frame, Header, Message, NOFID, NOTAG, Qid, errno};
use common::{encode, names};

fn golden(frame: Frame<'_>, bytes: &[u8]) {
    assert_eq!(encode(&frame), bytes, "encoding {frame:?}");
    let (decoded, used) = Frame::decode(bytes).unwrap();
    assert_eq!(decoded, frame);
    assert_eq!(used, bytes.len());
}

#[test]
fn tversion_8192_9p2000l() {
    // size 7 + msize 4 + len 2 + "9P2000.L" 8 = 21; type 100; tag NOTAG.
    golden(
        Frame::new(NOTAG, Message::Tversion { msize: 8192, version: "9P2000.L" }),
        &[
            21, 0, 0, 0, 100, 0xFF, 0xFF, // size 21, Tversion, tag NOTAG
            0x00, 0x20, 0x00, 0x00, // msize 8192
            8, 0, b'9', b'P', b'2', b'0', b'0', b'0', b'.', b'L',
        ],
    );
}

#[test]
fn rversion_unknown() {
    golden(
        Frame::new(NOTAG, Message::Rversion { msize: 4096, version: "unknown" }),
        &[20, 0, 0, 0, 101, 0xFF, 0xFF, 0x00, 0x10, 0x00, 0x00, 7, 0, b'u', b'n', b'k', b'n', b'o', b'w', b'n'],
    );
}

#[test]
fn tattach_root_without_auth() {
    // 7 + fid 4 + afid 4 + "root" 6 + "" 2 + n_uname 4 = 27.
    golden(
        Frame::new(1, Message::Tattach { fid: 0, afid: NOFID, uname: "root", aname: "", n_uname: 0 }),
        &[
            27, 0, 0, 0, 104, 1, 0, // header
            0, 0, 0, 0, // fid
            0xFF, 0xFF, 0xFF, 0xFF, // afid NOFID
            4, 0, b'r', b'o', b'o', b't', // uname
            0, 0, // aname ""
            0, 0, 0, 0, // n_uname
        ],
    );
}

#[test]
fn rattach_directory_qid() {
    let qid = Qid { kind: Qid::DIR, version: 0, path: 0x0102_0304_0506_0708 };
    golden(
        Frame::new(3, Message::Rattach { qid }),
        &[
            20, 0, 0, 0, 105, 3, 0, // header
            0x80, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1, // qid
        ],
    );
}

#[test]
fn twalk_two_names() {
    // 7 + 4 + 4 + nwname 2 + "usr" 5 + "bin" 5 = 27.
    golden(
        Frame::new(2, Message::Twalk { fid: 1, newfid: 2, names: names(&["usr", "bin"]) }),
        &[
            27, 0, 0, 0, 110, 2, 0, // header
            1, 0, 0, 0, 2, 0, 0, 0, // fid, newfid
            2, 0, // nwname
            3, 0, b'u', b's', b'r', 3, 0, b'b', b'i', b'n',
        ],
    );
}

#[test]
fn tread_and_rread() {
    golden(
        Frame::new(4, Message::Tread { fid: 1, offset: 0x1000, count: 4096 }),
        &[
            23, 0, 0, 0, 116, 4, 0, // header
            1, 0, 0, 0, // fid
            0x00, 0x10, 0, 0, 0, 0, 0, 0, // offset
            0x00, 0x10, 0, 0, // count
        ],
    );
    golden(Frame::new(4, Message::Rread { data: b"hi" }), &[13, 0, 0, 0, 117, 4, 0, 2, 0, 0, 0, b'h', b'i']);
}

#[test]
fn tclunk_rclunk_tflush() {
    golden(Frame::new(5, Message::Tclunk { fid: 7 }), &[11, 0, 0, 0, 120, 5, 0, 7, 0, 0, 0]);
    golden(Frame::new(5, Message::Rclunk), &[7, 0, 0, 0, 121, 5, 0]);
    golden(Frame::new(9, Message::Tflush { oldtag: 4 }), &[9, 0, 0, 0, 108, 9, 0, 4, 0]);
}

#[test]
fn rlerror_enoent() {
    golden(Frame::new(1, Message::Rlerror { ecode: errno::ENOENT }), &[11, 0, 0, 0, 7, 1, 0, 2, 0, 0, 0]);
}

#[test]
fn tunlinkat_removedir() {
    // flags AT_REMOVEDIR = 0x200.
    golden(
        Frame::new(6, Message::Tunlinkat { dirfid: 3, name: "d", flags: 0x200 }),
        &[18, 0, 0, 0, 76, 6, 0, 3, 0, 0, 0, 1, 0, b'd', 0x00, 0x02, 0, 0],
    );
}

#[test]
fn dirent_bytes() {
    let entry = Dirent { qid: Qid { kind: Qid::DIR, version: 1, path: 2 }, offset: 3, kind: Dirent::DT_DIR, name: "a" };
    let bytes = [
        0x80, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, // qid
        3, 0, 0, 0, 0, 0, 0, 0, // offset
        4, // DT_DIR
        1, 0, b'a',
    ];
    let mut buf = [0u8; 64];
    let mut writer = bulkhead_ninep::DirentWriter::new(&mut buf);
    writer.push(&entry).unwrap();
    assert_eq!(writer.as_bytes(), bytes);
    assert_eq!(entry.encoded_len(), bytes.len());
    let decoded: Vec<_> = Dirents::new(&bytes).collect::<Result<_, _>>().unwrap();
    assert_eq!(decoded, [entry]);
}

#[test]
fn header_bytes() {
    let header = Header { size: 0x0102_0304, id: 117, tag: 0xBEEF };
    assert_eq!(header.to_bytes(), [4, 3, 2, 1, 117, 0xEF, 0xBE]);
    assert_eq!(Header::parse(&[4, 3, 2, 1, 117, 0xEF, 0xBE, 99]).unwrap(), header);
}

#[test]
fn fixed_sizes_match_the_spec() {
    use common::{set_attr, stat, statfs};
    let q = Qid::default();
    for (message, size) in [
        (Message::Rgetattr(stat()), 7 + 8 + 13 + 3 * 4 + 15 * 8),
        (Message::Tsetattr { fid: 1, attr: set_attr() }, 7 + 4 + 4 * 4 + 5 * 8),
        (Message::Rstatfs(statfs()), 7 + 2 * 4 + 6 * 8 + 4),
        (Message::Tgetattr { fid: 1, request_mask: 0 }, 7 + 4 + 8),
        (Message::Rlopen { qid: q, iounit: 0 }, 7 + 13 + 4),
        (Message::Tfsync { fid: 1, datasync: 0 }, 7 + 4 + 4),
        (Message::Rxattrwalk { size: 0 }, 7 + 8),
        (Message::Treaddir { fid: 1, offset: 0, count: 0 }, 7 + 4 + 8 + 4),
    ] {
        let frame = Frame::new(1, message);
        assert_eq!(frame.encoded_len(), Ok(size), "{frame:?}");
        assert_eq!(encode(&frame)[..4], u32::try_from(size).unwrap().to_le_bytes());
    }
}
