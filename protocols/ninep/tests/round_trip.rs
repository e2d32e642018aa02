// SPDX-License-Identifier: MIT
//! Every message type encodes and decodes back to the same value, taking
//! exactly the bytes it wrote; random field values too.

mod common;

use bulkhead_ninep::{Frame, HEADER_LEN, Header, MAXWELEM, Message, Qid, SetAttr, Stat, StatFs, msgtype};
use common::{VARIANTS, encode, samples, variant_index};
use proptest::prelude::*;

fn round_trip(frame: &Frame<'_>) {
    let bytes = encode(frame);
    let (decoded, used) = Frame::decode(&bytes).unwrap();
    assert_eq!(&decoded, frame);
    assert_eq!(used, bytes.len());
    let header = Header::parse(&bytes).unwrap();
    assert_eq!(header.frame_len(), bytes.len());
    assert_eq!(header.id, frame.message.kind());
    assert_eq!(header.tag, frame.tag);
}

#[test]
fn every_message_type_round_trips() {
    let mut seen = [false; VARIANTS];
    for frame in samples() {
        round_trip(&frame);
        seen[variant_index(&frame.message)] = true;
    }
    assert!(seen.iter().all(|s| *s), "a variant has no sample: {seen:?}");
}

#[test]
fn type_numbers_are_linux_9p2000l() {
    let expected = [
        (msgtype::RLERROR, 7),
        (msgtype::TSTATFS, 8),
        (msgtype::TLOPEN, 12),
        (msgtype::TLCREATE, 14),
        (msgtype::TGETATTR, 24),
        (msgtype::TSETATTR, 26),
        (msgtype::TXATTRWALK, 30),
        (msgtype::TREADDIR, 40),
        (msgtype::TFSYNC, 50),
        (msgtype::TMKDIR, 72),
        (msgtype::TRENAMEAT, 74),
        (msgtype::TUNLINKAT, 76),
        (msgtype::TVERSION, 100),
        (msgtype::TATTACH, 104),
        (msgtype::TFLUSH, 108),
        (msgtype::TWALK, 110),
        (msgtype::TREAD, 116),
        (msgtype::TWRITE, 118),
        (msgtype::TCLUNK, 120),
    ];
    for (got, want) in expected {
        assert_eq!(got, want);
    }
    // Each response is its request plus one, and is_request agrees.
    for frame in samples() {
        let kind = frame.message.kind();
        assert_eq!(frame.message.is_request(), kind % 2 == 0, "{:?}", frame.message);
    }
}

#[test]
fn frames_decode_one_at_a_time_from_a_stream() {
    let frames = samples();
    let mut stream = Vec::new();
    for frame in &frames {
        stream.extend(encode(frame));
    }
    let mut rest = &stream[..];
    for frame in &frames {
        let (decoded, used) = Frame::decode(rest).unwrap();
        assert_eq!(&decoded, frame);
        rest = &rest[used..];
    }
    assert!(rest.is_empty());
}

#[test]
fn encoded_len_matches_encode_and_header() {
    for frame in samples() {
        let len = frame.encoded_len().unwrap();
        assert!(len >= HEADER_LEN);
        let mut big = vec![0u8; len + 10];
        assert_eq!(frame.encode(&mut big).unwrap(), len);
        assert!(big[len..].iter().all(|b| *b == 0), "encode wrote past its length");
    }
}

fn qid() -> impl Strategy<Value = Qid> {
    (any::<u8>(), any::<u32>(), any::<u64>()).prop_map(|(kind, version, path)| Qid { kind, version, path })
}

proptest! {
    #[test]
    fn walks_round_trip(
        tag: u16, fid: u32, newfid: u32,
        names in prop::collection::vec("\\PC{0,20}", 0..=MAXWELEM),
        qids in prop::collection::vec(qid(), 0..=MAXWELEM),
    ) {
        let names = names.iter().map(String::as_str).collect();
        round_trip(&Frame::new(tag, Message::Twalk { fid, newfid, names }));
        let qids = qids.into_iter().collect();
        round_trip(&Frame::new(tag, Message::Rwalk { qids }));
    }

    #[test]
    fn strings_and_data_round_trip(
        tag: u16, fid: u32, n: u32, offset: u64,
        a in "\\PC{0,40}", b in "\\PC{0,40}",
        data in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        for message in [
            Message::Tversion { msize: n, version: &a },
            Message::Tattach { fid, afid: n, uname: &a, aname: &b, n_uname: n },
            Message::Tlcreate { fid, name: &a, flags: n, mode: n, gid: n },
            Message::Tmkdir { dfid: fid, name: &a, mode: n, gid: n },
            Message::Tunlinkat { dirfid: fid, name: &a, flags: n },
            Message::Trenameat { olddirfid: fid, oldname: &a, newdirfid: n, newname: &b },
            Message::Txattrwalk { fid, newfid: n, name: &b },
            Message::Twrite { fid, offset, data: &data },
            Message::Rread { data: &data },
            Message::Rreaddir { data: &data },
        ] {
            round_trip(&Frame::new(tag, message));
        }
    }

    #[test]
    fn attributes_round_trip(tag: u16, fid: u32, q in qid(), w in prop::array::uniform32(any::<u64>())) {
        let stat = Stat {
            valid: w[0], qid: q, mode: w[1] as u32, uid: w[2] as u32, gid: w[3] as u32, nlink: w[4],
            rdev: w[5], size: w[6], blksize: w[7], blocks: w[8], atime_sec: w[9], atime_nsec: w[10],
            mtime_sec: w[11], mtime_nsec: w[12], ctime_sec: w[13], ctime_nsec: w[14], btime_sec: w[15],
            btime_nsec: w[16], generation: w[17], data_version: w[18],
        };
        let attr = SetAttr {
            valid: w[19] as u32, mode: w[20] as u32, uid: w[21] as u32, gid: w[22] as u32, size: w[23],
            atime_sec: w[24], atime_nsec: w[25], mtime_sec: w[26], mtime_nsec: w[27],
        };
        let statfs = StatFs {
            fs_type: w[28] as u32, bsize: w[29] as u32, blocks: w[30], bfree: w[31], bavail: w[0],
            files: w[1], ffree: w[2], fsid: w[3], namelen: w[4] as u32,
        };
        round_trip(&Frame::new(tag, Message::Rgetattr(stat)));
        round_trip(&Frame::new(tag, Message::Tsetattr { fid, attr }));
        round_trip(&Frame::new(tag, Message::Rstatfs(statfs)));
        round_trip(&Frame::new(tag, Message::Rattach { qid: q }));
        round_trip(&Frame::new(tag, Message::Rlopen { qid: q, iounit: fid }));
        round_trip(&Frame::new(tag, Message::Tgetattr { fid, request_mask: w[5] }));
        round_trip(&Frame::new(tag, Message::Tread { fid, offset: w[6], count: fid }));
        round_trip(&Frame::new(tag, Message::Rxattrwalk { size: w[7] }));
        round_trip(&Frame::new(tag, Message::Tflush { oldtag: tag }));
        round_trip(&Frame::new(tag, Message::Rlerror { ecode: fid }));
    }
}
